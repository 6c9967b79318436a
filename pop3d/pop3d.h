/*
 * pop3d - what the parts of the POP3 server share: the process context,
 * one session, the mailbox interface, and the functions each file offers
 * the others.
 *
 * pop3d.c is the thin main; pop3d_conn.c runs a session (greeting, command
 * loop, limits, the one state-change function); pop3d_cmd.c holds the
 * command table and handlers; pop3d_store.c implements the mailbox
 * interface over the local store (store.h) and the registry.
 *
 * The mailbox interface is what a session knows of where mail and
 * credentials live: log in, open a mailbox (lock it for the session and
 * take the snapshot STAT, LIST and UIDL answer from), read one message,
 * expunge the messages marked deleted, close. Another backend (a proxy to
 * a legacy server) fills the same struct.
 */
#ifndef POP3D_H
#define POP3D_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "auth.h"
#include "name.h"
#include "pop3_parse.h"
#include "sbuf.h"
#include "server.h"

struct store;
struct stream;
struct tls_ctx;

/* Session states; a command table row lists those it is allowed in. */
enum pop3d_state {
	POP3D_AUTHORIZATION = 1,
	POP3D_TRANSACTION = 2,
	POP3D_UPDATE = 4,
};

#define POP3D_UIDL_MAX	70		/* RFC 1939 */

/* One message of the session's snapshot. */
struct pop3d_msg {
	uint32_t id;			/* the backend's key (store UID) */
	uint64_t size;			/* octets as RETR sends them, less
					 * byte-stuffing (RFC 1939) */
	char	uidl[POP3D_UIDL_MAX + 1];
};

struct pop3d_mbox;			/* the backend's open mailbox */

struct pop3d_backend {
	/*
	 * login - the access rules and the password for service (a
	 * REG_SVC_* bit); the normalised address into user_r
	 * (NAME_ADDRESS_MAX + 1 bytes); *why_r for the log.
	 */
	enum auth_result (*login)(void *ctx, const char *login,
		    const char *passwd, unsigned service, char *user_r,
		    const char **why_r);
	/*
	 * apop - the access rules and the APOP digest (32 hex digits) of
	 * timestamp and the user's secret. *no_secret_r = 1 (with
	 * AUTH_FAILED) when the user has no APOP secret.
	 */
	enum auth_result (*apop)(void *ctx, const char *login,
		    const char *timestamp, const char *digest,
		    unsigned service, char *user_r, int *no_secret_r,
		    const char **why_r);
	/*
	 * open - lock user's mailbox for this session and take the
	 * snapshot: 1 with *mb_r, *msgs_r (free()) and *count_r; 0 when
	 * another session holds it; -1 with *error_r.
	 */
	int	(*open)(void *ctx, const char *user, struct pop3d_mbox **mb_r,
		    struct pop3d_msg **msgs_r, size_t *count_r,
		    const char **error_r);
	/*
	 * retr - a readable descriptor of message id's stored form (LF
	 * line ends; the caller closes it), or -1 with *error_r.
	 */
	int	(*retr)(struct pop3d_mbox *mb, uint32_t id,
		    const char **error_r);
	/* commit - expunge ids[0..n) atomically; 0, or -1 with *error_r */
	int	(*commit)(struct pop3d_mbox *mb, const uint32_t *ids,
		    size_t n, const char **error_r);
	/* close - unlock and free; NULLs the pointer */
	void	(*close)(struct pop3d_mbox **mb);
	/*
	 * stamp - record a successful login of user now, unless delay > 0
	 * and the previous one was less than delay seconds ago (RFC 2449
	 * LOGIN-DELAY): 1 recorded, 0 too soon (*last_r: the previous
	 * one), -1 with *error_r. NULL: the backend keeps no login times.
	 */
	int	(*stamp)(void *ctx, const char *user, int delay,
		    time_t *last_r, const char **error_r);
	void   *ctx;
};

/* What every session of the process uses. */
struct pop3d_ctx {
	const char *service_name;	/* "pop3", "pop3s" */
	unsigned service;		/* REG_SVC_POP3 or REG_SVC_POP3S */
	int	implicit_tls;		/* pop3s */
	struct tls_ctx *tls;		/* NULL: no STLS, no pop3s */
	const struct pop3d_backend *backend;
	struct auth_fails *fails;	/* NULL: failures not counted */
};

struct pop3d_session {
	struct server_conn *conn;
	struct pop3d_ctx *ctx;
	struct stream *s;
	struct sbuf *line;		/* the current command line */
	enum pop3d_state state;
	char	timestamp[128];		/* APOP "<pid.time.rand@host>" */
	char	user[POP3_ARG_MAX + 1];	/* from USER; "" = none */
	char	auth_user[NAME_ADDRESS_MAX + 1];	/* once logged in */
	struct pop3d_mbox *mb;
	struct pop3d_msg *msgs;		/* the snapshot */
	size_t	count;
	unsigned char *deleted;		/* per message: marked by DELE */
	int	bad;			/* bad commands so far */
	int	quit;			/* 1 QUIT, 2 closed by us */
	unsigned long retrieved;	/* RETR/TOP served */
	unsigned long expunged;		/* messages removed at QUIT */
};

/* pop3d_conn.c */

/* pop3d_conn_run - serve one connection from greeting to close */
void	pop3d_conn_run(struct server_conn *conn, struct pop3d_ctx *ctx);

/* pop3d_session_run - the same on an existing stream (tests) */
void	pop3d_session_run(struct pop3d_session *sess);

/* pop3d_set_state - change state, logging old -> new */
void	pop3d_set_state(struct pop3d_session *sess, enum pop3d_state state);

/* pop3d_state_name - "authorization", "transaction", "update" */
const char *pop3d_state_name(enum pop3d_state state);

/* pop3d_ok, pop3d_err - one "+OK text" / "-ERR text" line, buffered */
void	pop3d_ok(struct pop3d_session *sess, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	pop3d_err(struct pop3d_session *sess, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* pop3d_cmd.c */

/* pop3d_cmd_run - parse and run one command line */
void	pop3d_cmd_run(struct pop3d_session *sess, const char *line,
	    size_t len);

/* pop3d_store.c */

/* pop3d_store_backend - the local store backend over reg and st */
const struct pop3d_backend *pop3d_store_backend(struct registry *reg,
	    struct store *st);

#endif
