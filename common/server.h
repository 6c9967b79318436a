/*
 * server - the skeleton every pre-forked worker runs in.
 *
 * server_main() parses the master's arguments (see master_proto.h), loads
 * the configuration, opens logging, calls pre_drop() as root (read TLS
 * keys), drops to mail_owner (privs.h), calls post_drop() (join the
 * registry), reports IDLE, and then loops: wait for a connection on any
 * listening socket, report BUSY, give it a fresh session id and run conn(),
 * close it, report IDLE. A worker with a wakeup() callback also calls it
 * periodically while idle. It exits (after pre_exit()) when it has served
 * max_use connections, after max_idle seconds without one (unless it has
 * a wakeup()), on SIGTERM
 * while idle (a busy worker finishes its connection first), or when the
 * status pipe shows the master gone.
 *
 * Run by hand (no status pipe at MASTER_STATUS_FD) it refuses to start.
 */
#ifndef SERVER_H
#define SERVER_H

#include <sys/socket.h>

#include "msg.h"

struct server_conn {
	int	fd;				/* connected socket, blocking */
	int	listen_index;			/* which listener accepted it */
	struct sockaddr_storage peer;
	socklen_t peer_len;
	char	peer_addr[64];			/* "192.0.2.1", "::1", "unix" */
	int	peer_port;			/* 0 for UNIX sockets */
	char	local_addr[64];
	int	local_port;
	const char *service;			/* services.conf name */
	const char *session;			/* msg_session() */
};

struct server_ops {
	const char *program;		/* log name: "smtpd", "admind" */
	/* as root, before the drop; exit with msg_fatal() if unusable */
	void	(*pre_drop)(void *ctx);
	/* unprivileged, before the first accept */
	void	(*post_drop)(void *ctx);
	/* one connection; the fd is closed by the caller afterwards */
	void	(*conn)(struct server_conn *conn, void *ctx);
	/* before a normal exit */
	void	(*pre_exit)(void *ctx);
	void   *ctx;
	/*
	 * Optional, for periodic work (the relay's queue runs): called once
	 * before the first accept and then every wakeup_interval seconds
	 * (default 60) while idle, with SIGTERM deliverable (check
	 * server_stopping() between steps). A worker with a wakeup does not
	 * exit after max_idle.
	 */
	void	(*wakeup)(void *ctx);
	int	wakeup_interval;
};

/* server_main - run the worker; never returns */
void	server_main(int argc, char **argv, const struct server_ops *ops)
	    __attribute__((noreturn));

/* server_service - this worker's service name (after server_main started) */
const char *server_service(void);

/* server_generation - the master's configuration generation (-g) */
unsigned server_generation(void);

/* server_args - the service's extra arguments from services.conf */
char  **server_args(int *argc_r);

/* server_channel_fd - the master channel (control services), or -1 */
int	server_channel_fd(void);

/* server_stopping - non-zero once SIGTERM arrived (finish, then exit) */
int	server_stopping(void);

#endif
