/*
 * server - the skeleton of every pre-forked worker (see server.h).
 *
 * The master hands us the status pipe, the master channel (control
 * services) and the listeners at the descriptors master_proto.h names;
 * those are checked before anything else opens a file, so nothing can
 * land on a descriptor the master left closed. After the privilege drop
 * the worker waits in poll() on every listener plus the status pipe: when
 * the master goes away the pipe reports an error and we leave. The
 * listeners are non-blocking and shared with the other workers of the
 * service, so a failed accept() (EAGAIN) only means another worker won.
 *
 * After the drop the umask is 007: what workers create stays within the
 * mail owner's group, as the registry's files do.
 *
 * A worker with a wakeup() callback (the relay's queue runs) calls it
 * before its first wait and then every wakeup_interval seconds while idle,
 * and never exits for being idle: its work does not come by connections.
 *
 * SIGTERM is blocked except inside the wait (ppoll), inside conn() and
 * inside wakeup(), so it either ends an idle wait at once or is noticed
 * after the connection: a busy worker always finishes its session.
 * SIGPIPE and SIGINT are ignored (the master turns a ^C into SIGTERM
 * for us). Exits 0 after max_use connections, max_idle seconds without
 * one, SIGTERM, or the master's disappearance; 1 (msg_fatal) when it
 * cannot run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "master_proto.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "param_table.h"
#include "privs.h"
#include "sbuf.h"
#include "server.h"
#include "strnum.h"

#define SERVER_LISTEN_MAX	64

static const struct server_ops *srv_ops;
static const char *srv_service;
static unsigned srv_generation;
static int srv_listen_count;
static int srv_max_use;
static int srv_channel = -1;
static char **srv_args;
static int srv_argc;
static char *srv_no_args[1];
static volatile sig_atomic_t srv_stopping;

/* server_service - this worker's service name */
const char *
server_service(void)
{
	return (srv_service);
}

/* server_generation - the generation we were started in */
unsigned
server_generation(void)
{
	return (srv_generation);
}

/* server_args - extra arguments from services.conf */
char  **
server_args(int *argc_r)
{
	if (argc_r != NULL)
		*argc_r = srv_argc;
	return (srv_args != NULL ? srv_args : srv_no_args);
}

/* server_channel_fd - the master channel, or -1 */
int
server_channel_fd(void)
{
	return (srv_channel);
}

/* server_stopping - has SIGTERM arrived? */
int
server_stopping(void)
{
	return (srv_stopping != 0);
}

/* term_handler - remember; the loop acts */
static void
term_handler(int sig)
{
	srv_stopping = 1;
}

/* server_exit - a normal exit */
static void __attribute__((noreturn))
server_exit(void)
{
	if (srv_ops->pre_exit != NULL)
		srv_ops->pre_exit(srv_ops->ctx);
	exit(0);
}

/*
 * status_write - tell the master our state. A master that has gone away
 * (EPIPE) ends the worker: nobody would count its connections.
 */
static void
status_write(int state)
{
	struct master_status rec;
	ssize_t n;

	memset(&rec, 0, sizeof(rec));
	rec.pid = getpid();
	rec.generation = srv_generation;
	rec.state = state;
	for (;;) {
		n = write(MASTER_STATUS_FD, &rec, sizeof(rec));
		if (n == (ssize_t)sizeof(rec))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			msg_debug("the master has gone away");
			server_exit();
		}
		msg_fatal("write status pipe: %s",
		    n < 0 ? strerror(errno) : "short write");
	}
}

/* fd_is - is fd open and of this file type (S_IFIFO, S_IFSOCK)? */
static int
fd_is(int fd, mode_t type)
{
	struct stat st;

	return (fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == type);
}

/* usage - the master called us wrongly */
static void __attribute__((noreturn))
usage(const char *why)
{
	msg_fatal("%s; usage: %s -c CONFIG_DIR -n SERVICE -g GENERATION "
	    "-l LISTEN_COUNT -u MAX_USE [-f] [-v] [-- args]", why,
	    msg_service());
}

/* parse_args - the master's arguments (master_proto.h) */
static void
parse_args(int argc, char **argv, const char **config_dir_r, int *fg_r)
{
	uint64_t gen;
	int ch;

	*config_dir_r = NULL;
	*fg_r = 0;
	srv_max_use = -1;
	opterr = 0;
	optind = 1;
	while ((ch = getopt(argc, argv, "+c:n:g:l:u:fv")) != -1) {
		switch (ch) {
		case 'c':
			*config_dir_r = optarg;
			break;
		case 'n':
			srv_service = optarg;
			break;
		case 'g':
			if (strnum_u64(optarg, 0, UINT_MAX, &gen) < 0)
				usage("bad -g");
			srv_generation = (unsigned)gen;
			break;
		case 'l':
			if (strnum_int(optarg, 0, SERVER_LISTEN_MAX,
			    &srv_listen_count) < 0)
				usage("bad -l");
			break;
		case 'u':
			if (strnum_int(optarg, 1, INT_MAX, &srv_max_use) < 0)
				usage("bad -u");
			break;
		case 'f':
			*fg_r = 1;
			break;
		case 'v':
			msg_verbose = 1;
			break;
		default:
			usage("bad option");
		}
	}
	if (*config_dir_r == NULL || srv_service == NULL || *srv_service == 0)
		usage("-c and -n are required");
	srv_args = argv + optind;
	srv_argc = argc - optind;
}

/*
 * check_fds - the descriptors from the master, before anything else can
 * be opened on a free one. Run by hand (no status pipe) we refuse.
 */
static void
check_fds(void)
{
	int i, fd, fl;

	if (!fd_is(MASTER_STATUS_FD, S_IFIFO))
		msg_fatal("no status pipe at descriptor %d: this program is "
		    "started by the estuary master, not by hand",
		    MASTER_STATUS_FD);
	if (fd_is(MASTER_CHANNEL_FD, S_IFSOCK))
		srv_channel = MASTER_CHANNEL_FD;
	for (i = 0; i < srv_listen_count; i++) {
		fd = MASTER_LISTEN_FD + i;
		if (!fd_is(fd, S_IFSOCK))
			msg_fatal("listener %d: descriptor %d is not a socket",
			    i, fd);
		if ((fl = fcntl(fd, F_GETFL)) < 0
		    || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
			msg_fatal("listener %d: fcntl: %s", i, strerror(errno));
	}
	for (fd = MASTER_STATUS_FD; fd < MASTER_LISTEN_FD + srv_listen_count;
	    fd++)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

/* signals_init - SIGTERM sets a flag; SIGPIPE and SIGINT are ignored */
static void
signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = term_handler;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		msg_fatal("sigaction: %s", strerror(errno));
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	(void)sigaction(SIGPIPE, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
}

/* addr_text - numeric text and port of a socket address */
static void
addr_text(const struct sockaddr_storage *ss, char *buf, size_t size,
    int *port_r)
{
	*port_r = 0;
	switch (ss->ss_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const void *)ss;

		if (inet_ntop(AF_INET, &sin->sin_addr, buf, size) == NULL)
			snprintf(buf, size, "?");
		*port_r = ntohs(sin->sin_port);
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, size) == NULL)
			snprintf(buf, size, "?");
		*port_r = ntohs(sin6->sin6_port);
		break;
	}
	case AF_UNIX:
		snprintf(buf, size, "unix");
		break;
	default:
		snprintf(buf, size, "unknown");
		break;
	}
}

/* serve - one accepted connection, SIGTERM deliverable meanwhile */
static void
serve(int fd, int index, const struct sockaddr_storage *peer,
    socklen_t peer_len, const sigset_t *term)
{
	struct server_conn conn;
	struct sockaddr_storage local;
	socklen_t local_len = sizeof(local);
	int fl;

	status_write(MASTER_STAT_BUSY);
	memset(&conn, 0, sizeof(conn));
	conn.fd = fd;
	conn.listen_index = index;
	memcpy(&conn.peer, peer, sizeof(conn.peer));
	conn.peer_len = peer_len;
	addr_text(peer, conn.peer_addr, sizeof(conn.peer_addr),
	    &conn.peer_port);
	memset(&local, 0, sizeof(local));
	if (getsockname(fd, (struct sockaddr *)&local, &local_len) < 0)
		local.ss_family = peer->ss_family;
	addr_text(&local, conn.local_addr, sizeof(conn.local_addr),
	    &conn.local_port);
	if ((fl = fcntl(fd, F_GETFL)) >= 0 && (fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	conn.service = srv_service;
	conn.session = msg_session_new();
	msg_debug("connect from %s port %d", conn.peer_addr, conn.peer_port);
	(void)sigprocmask(SIG_UNBLOCK, term, NULL);
	srv_ops->conn(&conn, srv_ops->ctx);
	(void)sigprocmask(SIG_BLOCK, term, NULL);
	(void)close(fd);
	msg_debug("disconnect");
	msg_set_session(NULL);
}

/* mono_ms - monotonic milliseconds */
static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* accept_trouble - out of descriptors or memory: do not spin on it */
static void
accept_trouble(void)
{
	struct timespec pause = { 0, 100 * 1000 * 1000 };

	msg_warn("accept: %s", strerror(errno));
	(void)nanosleep(&pause, NULL);
}

/* accept_loop - wait, accept, serve; never returns */
static void __attribute__((noreturn))
accept_loop(void)
{
	struct pollfd pfd[SERVER_LISTEN_MAX + 1];
	struct sockaddr_storage peer;
	socklen_t peer_len;
	sigset_t term, waitmask;
	struct timespec ts;
	int64_t idle_since, left, next_wakeup;
	int i, n, fd, served = 0, nfds = srv_listen_count + 1;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	(void)sigprocmask(SIG_BLOCK, &term, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	for (i = 0; i < srv_listen_count; i++) {
		pfd[i].fd = MASTER_LISTEN_FD + i;
		pfd[i].events = POLLIN;
	}
	/* No events: a pipe's write end reports POLLERR once nobody reads. */
	pfd[srv_listen_count].fd = MASTER_STATUS_FD;
	pfd[srv_listen_count].events = 0;

	status_write(MASTER_STAT_IDLE);
	idle_since = mono_ms();
	next_wakeup = idle_since;
	for (;;) {
		if (srv_stopping) {
			msg_debug("stopping");
			server_exit();
		}
		if (srv_ops->wakeup != NULL && mono_ms() >= next_wakeup) {
			/* Periodic work, interruptible like a connection. */
			(void)sigprocmask(SIG_UNBLOCK, &term, NULL);
			srv_ops->wakeup(srv_ops->ctx);
			(void)sigprocmask(SIG_BLOCK, &term, NULL);
			msg_set_session(NULL);
			n = srv_ops->wakeup_interval > 0 ?
			    srv_ops->wakeup_interval : 60;
			next_wakeup = mono_ms() + (int64_t)n * 1000;
			continue;
		}
		if (srv_ops->wakeup != NULL)
			left = next_wakeup - mono_ms();
		else
			left = (int64_t)var_max_idle * 1000
			    - (mono_ms() - idle_since);
		if (left <= 0 && srv_ops->wakeup == NULL) {
			msg_debug("idle for %d s: exiting", var_max_idle);
			server_exit();
		}
		if (left < 0)
			left = 0;
		ts.tv_sec = left / 1000;
		ts.tv_nsec = (left % 1000) * 1000000;
		n = ppoll(pfd, (nfds_t)nfds, &ts, &waitmask);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			msg_fatal("poll: %s", strerror(errno));
		}
		if (n == 0)
			continue;
		if (pfd[srv_listen_count].revents & (POLLERR | POLLHUP
		    | POLLNVAL)) {
			msg_debug("the master has gone away");
			server_exit();
		}
		for (i = 0; i < srv_listen_count; i++) {
			if (pfd[i].revents & POLLNVAL)
				msg_fatal("listener %d: descriptor closed", i);
			if ((pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
			    == 0)
				continue;
			peer_len = sizeof(peer);
			memset(&peer, 0, sizeof(peer));
			fd = accept4(pfd[i].fd, (struct sockaddr *)&peer,
			    &peer_len, SOCK_CLOEXEC);
			if (fd < 0) {
				if (errno == EMFILE || errno == ENFILE
				    || errno == ENOBUFS || errno == ENOMEM)
					accept_trouble();
				/* EAGAIN and friends: another worker won. */
				continue;
			}
			serve(fd, i, &peer, peer_len, &term);
			if (++served >= srv_max_use) {
				msg_debug("served %d connections: exiting",
				    served);
				server_exit();
			}
			status_write(MASTER_STAT_IDLE);
			idle_since = mono_ms();
			break;
		}
	}
}

/* server_main - run the worker; never returns */
void
server_main(int argc, char **argv, const struct server_ops *ops)
{
	const char *config_dir, *error;
	struct sbuf *path;
	int foreground;

	srv_ops = ops;
	signals_init();
	msg_open(ops->program, MSG_DEST_STDERR, NULL);
	parse_args(argc, argv, &config_dir, &foreground);
	check_fds();

	path = sbuf_new(0);
	if (sbuf_appendf(path, "%s/%s", config_dir, ESTUARY_CONF_FILE) < 0)
		msg_fatal("configuration path too long");
	if (param_load(sbuf_str(path), 1, &error) < 0)
		msg_fatal("%s", error);
	sbuf_free(&path);
	if (var_config_dir == NULL)
		var_config_dir = xstrdup(config_dir);
	if (srv_max_use < 0)
		srv_max_use = var_max_use;
	if (var_debug)
		msg_verbose = 1;
	msg_open(ops->program, foreground ? MSG_DEST_STDERR : MSG_DEST_SYSLOG,
	    var_syslog_facility);

	if (ops->pre_drop != NULL)
		ops->pre_drop(ops->ctx);
	if (privs_drop(var_mail_owner, &error) < 0)
		msg_fatal("cannot drop privileges to %s: %s", var_mail_owner,
		    error);
	/* Registry logs, mail and queue files stay in the owner's group. */
	umask(007);
	if (ops->post_drop != NULL)
		ops->post_drop(ops->ctx);
	accept_loop();
}
