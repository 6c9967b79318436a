/*
 * smtpd - what the parts of the SMTP server share: the process context,
 * one session, one mail transaction, and the functions each file offers
 * the others.
 *
 * smtpd.c is the thin main; smtpd_conn.c runs a session (greeting, the
 * command loop, input with a push-back buffer, replies, state changes);
 * smtpd_cmd.c holds the command table and handlers; smtpd_check.c the
 * per-recipient rules; smtpd_auth.c AUTH PLAIN and LOGIN; and
 * smtpd_deliver.c writes the message once and hands it to the store and
 * the queue before the 250.
 */
#ifndef SMTPD_H
#define SMTPD_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"
#include "sbuf.h"
#include "server.h"
#include "smtp_parse.h"

struct store;
struct stream;
struct tls_ctx;

/* Which of the three services this process serves. */
enum smtpd_kind {
	SMTPD_KIND_SMTP,		/* port 25: mail for hosted domains */
	SMTPD_KIND_SUBMISSION,		/* port 587: AUTH required, relays */
	SMTPD_KIND_SMTPS,		/* port 465: as submission, TLS first */
};

/* What every session of the process uses. */
struct smtpd_ctx {
	enum smtpd_kind kind;
	const char *kind_name;		/* "smtp", "submission", "smtps" */
	struct registry *reg;
	struct store *store;
	struct tls_ctx *tls;		/* NULL: no STARTTLS, no smtps */
};

/* Session states; a command table row lists those it is allowed in. */
enum smtpd_state {
	SMTPD_STATE_INIT = 1,		/* greeted, no HELO/EHLO yet */
	SMTPD_STATE_READY = 2,		/* HELO/EHLO done, no transaction */
	SMTPD_STATE_MAIL = 4,		/* MAIL accepted, no recipient yet */
	SMTPD_STATE_RCPT = 8,		/* at least one recipient accepted */
};
#define SMTPD_STATE_ANY	(SMTPD_STATE_INIT | SMTPD_STATE_READY | \
	    SMTPD_STATE_MAIL | SMTPD_STATE_RCPT)

/* A set of addresses, each once, in the order added. */
struct smtpd_list {
	char  **v;
	int	n;
	int	alloc;
};

/* One mail transaction: MAIL to the end of DATA (or RSET). */
struct smtpd_txn {
	char	sender[SMTP_ADDRESS_MAX + 1];	/* "" = null reverse-path */
	uint64_t size;			/* MAIL SIZE=, 0 if not given */
	struct smtpd_list rcpts;	/* accepted RCPT addresses, as sent */
	struct smtpd_list local;	/* hosted users to deliver to */
	struct smtpd_list remote;	/* addresses to queue for relay */
};

struct smtpd_session {
	struct server_conn *conn;
	struct smtpd_ctx *ctx;
	struct stream *s;
	struct sbuf *line;		/* the current command line */
	struct sbuf *pushback;		/* input read past a DATA end marker */
	enum smtpd_state state;
	char	helo[SMTP_DOMAIN_MAX + 1];	/* "" before HELO/EHLO */
	int	esmtp;			/* EHLO (not HELO) was used */
	char   *auth_user;		/* NULL until AUTH succeeded */
	int	errors;			/* 4xx/5xx replies so far */
	int	quit;			/* end the session after this reply */
	unsigned long messages;		/* messages accepted */
	unsigned long rcpt_total;	/* recipients accepted */
	struct smtpd_txn txn;
};

/* smtpd_conn.c */

/* smtpd_conn_run - serve one connection from greeting to close */
void	smtpd_conn_run(struct server_conn *conn, struct smtpd_ctx *ctx);

/*
 * smtpd_reply - send one reply line "code enhanced text" (enhanced may be
 * NULL); codes 400 and above count as errors. Output is buffered and goes
 * out when the session waits for input (RFC 2920).
 */
void	smtpd_reply(struct smtpd_session *sess, int code, const char *enhanced,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* smtpd_set_state - change state, logging old -> new when debugging */
void	smtpd_set_state(struct smtpd_session *sess, enum smtpd_state state);

/* smtpd_state_name - "init", "ready", "mail", "rcpt" */
const char *smtpd_state_name(enum smtpd_state state);

/*
 * smtpd_read_line - the next line from the client (push-back first), as
 * stream_read_line(): STREAM_LINE_OK, STREAM_LINE_TOO_LONG or an error.
 */
int	smtpd_read_line(struct smtpd_session *sess, struct sbuf *line);

/*
 * smtpd_read - up to n bytes from the client (push-back first); the
 * count, 0 at EOF, -1 on error or timeout.
 */
ssize_t	smtpd_read(struct smtpd_session *sess, char *buf, size_t n);

/* smtpd_unread - put n bytes back before any unread input */
void	smtpd_unread(struct smtpd_session *sess, const char *buf, size_t n);

/* smtpd_input_pending - non-zero when client input is already buffered */
int	smtpd_input_pending(const struct smtpd_session *sess);

/* smtpd_timeout_reply - say 421 4.4.2 on a stream that timed out */
void	smtpd_timeout_reply(struct smtpd_session *sess);

/* smtpd_txn_reset - forget the transaction (RSET, after DATA, HELO) */
void	smtpd_txn_reset(struct smtpd_session *sess);

/* smtpd_cmd.c */

/* smtpd_cmd_run - parse and run one command line */
void	smtpd_cmd_run(struct smtpd_session *sess, const char *line,
	    size_t len);

/* smtpd_check.c */

/* A reply decided by a check; text is fixed or made from checked names. */
struct smtpd_verdict {
	int	code;			/* 250, 450, 550, ... */
	const char *enhanced;		/* "2.1.5", "5.1.1", ... */
	char	text[256];
	const char *status;		/* log word: "accepted", "rejected" */
};

/*
 * smtpd_check_rcpt - apply the per-recipient rules (domain hosted, state,
 * service, postmaster, user or alias, user state, quota; aliases
 * expanded) to path for this session. On acceptance (code 250) the local
 * users and queued addresses it resolves to are added to the
 * transaction; otherwise nothing changes.
 */
void	smtpd_check_rcpt(struct smtpd_session *sess,
	    const struct smtp_path *path, struct smtpd_verdict *v);

/* smtpd_list_add - add a copy of s unless present; 1 added, 0 present */
int	smtpd_list_add(struct smtpd_list *l, const char *s);

/* smtpd_list_has - is s in the list? */
int	smtpd_list_has(const struct smtpd_list *l, const char *s);

/* smtpd_list_clear - empty the list, freeing its strings */
void	smtpd_list_clear(struct smtpd_list *l);

/* smtpd_auth.c */

/* smtpd_auth_offered - may AUTH be used now (service and TLS state)? */
int	smtpd_auth_offered(const struct smtpd_session *sess);

/* smtpd_auth_run - the AUTH command, argument arg (after the verb) */
void	smtpd_auth_run(struct smtpd_session *sess, const char *arg,
	    size_t len);

/* smtpd_deliver.c */

struct smtpd_delivery;

/*
 * smtpd_deliver_begin - start the spool file for the transaction and write
 * the Received: header. NULL with *error_r when the store cannot.
 */
struct smtpd_delivery *smtpd_deliver_begin(struct smtpd_session *sess,
	    const char **error_r);

/*
 * smtpd_deliver_write - add decoded message bytes (CR LF line ends, as the
 * DATA decoder gives them; they are stored with LF). 0, or -1 with
 * *error_r (the delivery is then failed; keep reading to the end).
 */
int	smtpd_deliver_write(struct smtpd_delivery *dv, const char *buf,
	    size_t len, const char **error_r);

/*
 * smtpd_deliver_finish - make every copy durable: queue the remote
 * recipients, commit the local ones. Fills v with the reply for DATA
 * (250 only when everything is on stable storage) and frees dv.
 */
void	smtpd_deliver_finish(struct smtpd_session *sess,
	    struct smtpd_delivery **dv, uint64_t size, struct smtpd_verdict *v);

/* smtpd_deliver_abort - drop the spool file, free dv */
void	smtpd_deliver_abort(struct smtpd_delivery **dv);

#endif
