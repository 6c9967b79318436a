/*
 * imapd - what the parts of the IMAP server share: the process context,
 * one session, the selected mailbox, and the functions each file offers
 * the others.
 *
 * imapd.c is the thin main; imapd_conn.c runs a session (greeting,
 * reading commands through imap_parse.h with literal continuations,
 * limits, replies, the one state-change function); imapd_cmd.c holds the
 * command table and the small commands; imapd_auth.c logins and TLS;
 * imapd_mailbox.c SELECT and the untagged updates; imapd_fetch.c FETCH;
 * imapd_store.c STORE, COPY, MOVE, APPEND, EXPUNGE; imapd_list.c mailbox
 * names, LIST, LSUB, subscriptions, CREATE, DELETE, RENAME, STATUS and
 * QUOTA.
 *
 * Mailbox names. Clients see "/" as the hierarchy delimiter and names in
 * modified UTF-7; on disk the store keeps the same modified UTF-7 with
 * "." between levels (Maildir++). A name is checked strictly (mutf7.h
 * decodes it, store_folder_check accepts it) before it reaches the store,
 * so no name can leave the user's Maildir; a "." inside a level cannot be
 * represented and is refused.
 */
#ifndef IMAPD_H
#define IMAPD_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "imap_parse.h"
#include "imap_seqset.h"
#include "name.h"
#include "sbuf.h"
#include "server.h"

struct registry;
struct store;
struct store_mailbox;
struct stream;
struct tls_ctx;

/* Session states (bits); a command table row lists those it is allowed in. */
enum imapd_state {
	IMAPD_NOT_AUTHENTICATED = 1,
	IMAPD_AUTHENTICATED = 2,
	IMAPD_SELECTED = 4,
	IMAPD_LOGOUT = 8,
};

#define IMAPD_DELIM		'/'	/* hierarchy delimiter shown */
#define IMAPD_NAME_MAX		200	/* bytes of a mailbox name */
#define IMAPD_SEQ_RANGES	1024	/* ranges in one sequence set */

/* What every session of the process uses. */
struct imapd_ctx {
	const char *service_name;	/* "imap", "imaps" */
	unsigned service;		/* REG_SVC_IMAP or REG_SVC_IMAPS */
	int	implicit_tls;		/* imaps */
	struct tls_ctx *tls;		/* NULL: no STARTTLS, no imaps */
	struct registry *reg;
	struct store *st;
	const char *mail_dir;		/* the store's, for paths */
	struct auth_fails *fails;	/* NULL: failures not counted */
};

/* One message of the selected mailbox, in sequence order. */
struct imapd_msg {
	uint32_t uid;
	unsigned flags;			/* STORE_FLAG_* */
	char   *keywords;		/* space-separated; NULL or "" =
					 * none */
	uint64_t modseq;
	int	recent;			/* \Recent in this session */
};

/* The selected mailbox. */
struct imapd_mbox {
	struct store_mailbox *mb;
	char	folder[IMAPD_NAME_MAX + 1];	/* store name; "INBOX" */
	char	name[IMAPD_NAME_MAX + 1];	/* as shown */
	int	readonly;			/* EXAMINE */
	uint32_t uidvalidity, uidnext;
	uint64_t highestmodseq;
	uint32_t count;				/* index count at last look */
	struct imapd_msg *msgs;
	size_t	n, cap;
};

struct imapd_session {
	struct server_conn *conn;
	struct imapd_ctx *ctx;
	struct stream *s;
	struct imap_parser *parser;
	char   *inbuf;				/* unparsed input */
	size_t	inlen, inoff, incap;
	enum imapd_state state;
	char	user[NAME_ADDRESS_MAX + 1];	/* once logged in */
	struct imapd_mbox *sel;			/* SELECTED */
	int	condstore;			/* CONDSTORE enabled */
	int	bad;				/* bad commands so far */
	int	quit;				/* 1 LOGOUT, 2 closed by us */
	const char *tag;			/* of the command running */
	int	no_expunge;			/* updates must not renumber */
	int	update_ok;			/* updates before the tag */
	const char *end_reason;			/* for the log */
	unsigned long fetched, appended, expunged;
};

/* Flags of a command table row. */
#define IMAPD_CMD_UID		(1 << 0)	/* UID variant */
#define IMAPD_CMD_NOEXPUNGE	(1 << 1)	/* no EXPUNGE after it */
#define IMAPD_CMD_NOUPDATE	(1 << 2)	/* no untagged updates */

typedef void (*imapd_cmd_fn)(struct imapd_session *, const struct imap_arg *,
	    size_t, int);

/* imapd_conn.c */

/* imapd_conn_run - serve one connection from greeting to close */
void	imapd_conn_run(struct server_conn *conn, struct imapd_ctx *ctx);

/*
 * imapd_session_init, imapd_session_run, imapd_session_free - the same
 * on an existing stream (tests): set up sess over s, run it to the end,
 * release what it holds (not the stream)
 */
void	imapd_session_init(struct imapd_session *sess, struct server_conn *conn,
	    struct imapd_ctx *ctx, struct stream *s);
void	imapd_session_run(struct imapd_session *sess);
void	imapd_session_free(struct imapd_session *sess);

/* imapd_set_state - change state, logging old -> new */
void	imapd_set_state(struct imapd_session *sess, enum imapd_state state);

/* imapd_state_name - "not-authenticated", ... */
const char *imapd_state_name(enum imapd_state state);

/*
 * imapd_tagged - "tag OK|NO|BAD text"; imapd_untagged - "* text";
 * both formatted, buffered
 */
void	imapd_tagged(struct imapd_session *sess, const char *status,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void	imapd_untagged(struct imapd_session *sess, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* imapd_bad - tagged BAD that counts as a bad command */
void	imapd_bad(struct imapd_session *sess, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/*
 * imapd_read_line - read one raw line (AUTHENTICATE responses, IDLE's
 * DONE) from the session's input into line (at most max bytes): 0, 1 when
 * too long (skipped), -1 when the connection ended (sess->quit is set)
 */
int	imapd_read_line(struct imapd_session *sess, struct sbuf *line,
	    size_t max);

/*
 * imapd_wait_input - wait up to ms milliseconds for input: 1 when some
 * is there, 0 on time-out, -1 on error; extra_fd (if >= 0) also wakes it
 * (2)
 */
int	imapd_wait_input(struct imapd_session *sess, int extra_fd, int ms);

/* imapd_discard_input - drop buffered input (after STARTTLS) */
void	imapd_discard_input(struct imapd_session *sess);

/* imapd_write_string - an IMAP string: quoted when it can be, else a
 * literal; NIL for NULL */
void	imapd_write_string(struct imapd_session *sess, const char *str,
	    size_t len);

/* imapd_cmd.c */

/* imapd_cmd_run - run one parsed command */
void	imapd_cmd_run(struct imapd_session *sess, const char *tag,
	    const char *name, const struct imap_arg *args, size_t count);

/* imapd_capability - the capability list for the current state */
void	imapd_capability(struct imapd_session *sess, struct sbuf *out);

/* imapd_auth.c */
void	imapd_cmd_login(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_authenticate(struct imapd_session *,
	    const struct imap_arg *, size_t, int);
void	imapd_cmd_starttls(struct imapd_session *, const struct imap_arg *,
	    size_t, int);

/* imapd_mailbox.c */
void	imapd_cmd_select(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_noop(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_idle(struct imapd_session *, const struct imap_arg *,
	    size_t, int);

/* imapd_mailbox_close - forget the selected mailbox (no expunge) */
void	imapd_mailbox_close(struct imapd_session *sess);

/*
 * imapd_mailbox_update - look for changes by other sessions and report
 * them (EXISTS, RECENT, EXPUNGE unless no_expunge, FETCH FLAGS); force
 * reads the index even when the mailbox record looks unchanged
 */
void	imapd_mailbox_update(struct imapd_session *sess, int force);

/* imapd_mailbox_reload - re-read the message list, reporting nothing
 * (after our own changes that the caller has reported) */
int	imapd_mailbox_reload(struct imapd_session *sess);

/* imapd_flags_format - "(\Seen kw ...)" into out, with \Recent if asked */
void	imapd_flags_format(struct sbuf *out, unsigned flags,
	    const char *keywords, int recent);

/*
 * imapd_seqset - parse a sequence set argument against the selected
 * mailbox into a sorted, unique array of sequence numbers (uid 0) or
 * UIDs (uid 1) present in it; *idx_r gets the message indexes (free()).
 * -1 after replying BAD.
 */
int	imapd_seqset(struct imapd_session *sess, const struct imap_arg *arg,
	    int uid, size_t **idx_r, size_t *n_r);

/* imapd_find_uid - index of uid in the selected mailbox, or -1 */
long	imapd_find_uid(const struct imapd_mbox *m, uint32_t uid);

/* imapd_fetch.c */
void	imapd_cmd_fetch(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_search(struct imapd_session *, const struct imap_arg *,
	    size_t, int);

/* imapd_store.c */
void	imapd_cmd_store(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_copy(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_move(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
/*
 * imapd_copy_uids - copy the messages uids[0..n) of mb (need not be the
 * selected mailbox) into folder ("INBOX" or a store folder that exists),
 * each linked (store_delivery_begin_file) with its flags, keywords and
 * internal date, one committed delivery per message; the quota is checked
 * first when quota is set. 0 with "COPYUID ..." in code (if any message
 * was copied); -1 with the response code (OVERQUOTA, SERVERBUG) in code.
 * If copied is not NULL (room for n) it gets the UIDs actually copied, in
 * order, *ncopied_r their number, also after -1 (a failure half-way
 * leaves the copies made so far).
 */
int	imapd_copy_uids(struct imapd_session *sess, struct store_mailbox *mb,
	    const uint32_t *uids, size_t n, const char *folder, int quota,
	    struct sbuf *code, uint32_t *copied, size_t *ncopied_r);
void	imapd_cmd_append(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_expunge(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_close(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_unselect(struct imapd_session *, const struct imap_arg *,
	    size_t, int);

/*
 * imapd_flags_parse - a flag list (or a single flag) into STORE_FLAG_*
 * bits and space-separated keywords (kw, at least STORE_KEYWORDS_MAX + 1
 * bytes); -1 with *error_r
 */
int	imapd_flags_parse(const struct imap_arg *arg, unsigned *flags_r,
	    char *kw, size_t kwsize, const char **error_r);

/* imapd_list.c */
void	imapd_cmd_list(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_subscribe(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_create(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_delete(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_rename(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_status(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
void	imapd_cmd_getquota(struct imapd_session *, const struct imap_arg *,
	    size_t, int);

/*
 * imapd_name_to_folder - a mailbox name as the client sent it into the
 * store's folder name (folder, IMAPD_NAME_MAX + 1 bytes; "INBOX" for the
 * inbox in any case): 0, or -1 with *error_r
 */
int	imapd_name_to_folder(const char *name, size_t len, char *folder,
	    const char **error_r);

/* imapd_folder_to_name - the store's name as the client sees it */
void	imapd_folder_to_name(const char *folder, char *name);

/*
 * imapd_user_dir - the user's Maildir (mail_dir/DOMAIN/LOCAL), with
 * "/.FOLDER" unless folder is NULL or the INBOX, into buf; 0, or -1
 */
int	imapd_user_dir(const struct imapd_session *sess, const char *folder,
	    char *buf, size_t size);

/* imapd_first_login - create the special-use folders on first login */
void	imapd_first_login(struct imapd_session *sess);

#endif
