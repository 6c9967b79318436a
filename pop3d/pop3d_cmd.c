/*
 * pop3d_cmd - the POP3 command table and its handlers.
 *
 * A row gives the verb, its handler, the states it is allowed in and
 * flags. pop3d_cmd_run() parses the line (pop3_parse.h), finds the row,
 * checks the state, and calls the handler with checked arguments; an
 * unknown, malformed or out-of-state command is answered -ERR and counts
 * towards pop3d_bad_command_limit.
 *
 * Logins (USER/PASS, APOP, AUTH PLAIN) all end in login_finish(): the
 * shared failure table is consulted first (per client address and per
 * user name), then the backend's access rules and credentials, then the
 * mailbox is locked and its snapshot taken. Every credential failure
 * gets the same "-ERR [AUTH] Authentication failed" after
 * pop3d_auth_fail_delay (APOP for a user without an APOP secret says so
 * instead); the log line says which rule failed. An inactive
 * domain is -ERR [SYS/TEMP], a mailbox in use -ERR [IN-USE], a login
 * sooner than pop3d_login_delay after the user's previous one -ERR
 * [LOGIN-DELAY] (RFC 2449 section 6.8; the backend keeps the times).
 *
 * RETR and TOP send the stored message with every bare LF as CR LF and
 * lines starting with '.' byte-stuffed, and an unterminated last line
 * ended with CR LF; the octet counts in LIST, STAT and RETR's +OK are the
 * backend's sizes, which are exactly what goes out less the stuffing
 * (RFC 1939 section 11). Secrets are wiped once used.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "pop3_parse.h"
#include "pop3d.h"
#include "registry.h"
#include "smtp_parse.h"
#include "stream.h"

#define POP3D_ANY	(POP3D_AUTHORIZATION | POP3D_TRANSACTION)
#define RETR_CHUNK	65536

/* Flags of a command table row. */
#define CMD_LOGIN	(1 << 0)	/* sends credentials */

typedef void (*cmd_fn)(struct pop3d_session *, const struct pop3_cmd *);

struct pop3d_cmd {
	const char *verb;
	cmd_fn	fn;
	unsigned states;
	unsigned flags;
};

static void cmd_user(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_pass(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_apop(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_auth(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_stls(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_capa(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_stat(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_list(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_uidl(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_retr(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_top(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_dele(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_noop(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_rset(struct pop3d_session *, const struct pop3_cmd *);
static void cmd_quit(struct pop3d_session *, const struct pop3_cmd *);

static const struct pop3d_cmd cmd_table[] = {
	{ "USER", cmd_user, POP3D_AUTHORIZATION, CMD_LOGIN },
	{ "PASS", cmd_pass, POP3D_AUTHORIZATION, CMD_LOGIN },
	{ "APOP", cmd_apop, POP3D_AUTHORIZATION, CMD_LOGIN },
	{ "AUTH", cmd_auth, POP3D_AUTHORIZATION, CMD_LOGIN },
	{ "STLS", cmd_stls, POP3D_AUTHORIZATION, 0 },
	{ "CAPA", cmd_capa, POP3D_ANY, 0 },
	{ "STAT", cmd_stat, POP3D_TRANSACTION, 0 },
	{ "LIST", cmd_list, POP3D_TRANSACTION, 0 },
	{ "UIDL", cmd_uidl, POP3D_TRANSACTION, 0 },
	{ "RETR", cmd_retr, POP3D_TRANSACTION, 0 },
	{ "TOP", cmd_top, POP3D_TRANSACTION, 0 },
	{ "DELE", cmd_dele, POP3D_TRANSACTION, 0 },
	{ "NOOP", cmd_noop, POP3D_TRANSACTION, 0 },
	{ "RSET", cmd_rset, POP3D_TRANSACTION, 0 },
	{ "QUIT", cmd_quit, POP3D_ANY, 0 },
};

/* plaintext_ok - may credentials be sent in the clear now? */
static int
plaintext_ok(const struct pop3d_session *sess)
{
	return (stream_is_tls(sess->s) || var_pop3d_plaintext_auth);
}

/* refuse_plaintext - the reply when they may not */
static void
refuse_plaintext(struct pop3d_session *sess)
{
	pop3d_err(sess, "[AUTH] Plaintext authentication disallowed on "
	    "non-secure connections%s", sess->ctx->tls != NULL ?
	    "; use STLS first" : "");
}

/* totals - messages and octets not marked deleted */
static void
totals(const struct pop3d_session *sess, size_t *n_r, uint64_t *size_r)
{
	size_t i;

	*n_r = 0;
	*size_r = 0;
	for (i = 0; i < sess->count; i++)
		if (!sess->deleted[i]) {
			(*n_r)++;
			*size_r += sess->msgs[i].size;
		}
}

typedef enum auth_result (*verify_fn)(struct pop3d_session *,
	    const char *, void *, char *, const char **);

struct verify_call {
	struct pop3d_session *sess;
	verify_fn fn;
	void   *vctx;
};

/* verify_call - auth_attempt()'s callback: the session's verify */
static enum auth_result
verify_call(void *ctx, const char *login, char *user_r, const char **why_r)
{
	struct verify_call *vc = ctx;

	return (vc->fn(vc->sess, login, vc->vctx, user_r, why_r));
}

/*
 * login_finish - the common end of every login: throttle, verify (the
 * verify callback runs the backend check), open the mailbox.
 */
static void
login_finish(struct pop3d_session *sess, const char *login,
    const char *mech, verify_fn verify, void *vctx, const char **fail_text)
{
	const struct pop3d_backend *be = sess->ctx->backend;
	const struct auth_throttle th = {
		.fails = sess->ctx->fails,
		.limit = var_pop3d_auth_fail_limit,
		.window = var_pop3d_auth_fail_window,
		.delay = var_pop3d_auth_fail_delay,
	};
	struct verify_call vc = { sess, verify, vctx };
	char user[NAME_ADDRESS_MAX + 1];
	const char *error;
	time_t last = 0;
	uint64_t size;
	size_t n;
	int r;

	switch (auth_attempt(&th, sess->conn->peer_addr, login, mech,
	    verify_call, &vc, user)) {
	case AUTH_OK:
		break;
	case AUTH_THROTTLED:
		pop3d_err(sess, "[SYS/TEMP] Too many failed logins, try "
		    "again later");
		return;
	case AUTH_FAILED:
		if (fail_text != NULL && *fail_text != NULL)
			pop3d_err(sess, "%s", *fail_text);
		else
			pop3d_err(sess, "[AUTH] Authentication failed");
		return;
	case AUTH_DOMAIN_INACTIVE:
		pop3d_err(sess, "[SYS/TEMP] Mail service for this domain is "
		    "temporarily unavailable");
		return;
	case AUTH_TEMPFAIL:
		pop3d_err(sess, "[SYS/TEMP] Temporary authentication failure");
		return;
	}
	r = be->open(be->ctx, user, &sess->mb, &sess->msgs, &sess->count,
	    &error);
	if (r == 0) {
		msg_info("login refused user=%s reason=in-use", user);
		pop3d_err(sess, "[IN-USE] Mailbox is locked by another POP3 "
		    "session");
		return;
	}
	if (r < 0) {
		msg_warn("user %s: cannot open mailbox: %s", user, error);
		pop3d_err(sess, "[SYS/TEMP] Unable to open the mailbox");
		return;
	}
	/*
	 * Recorded only once the mailbox is ours: a login refused with
	 * [IN-USE] must not start the LOGIN-DELAY clock. A registry failure
	 * costs the record, not the login.
	 */
	if (be->stamp != NULL && (r = be->stamp(be->ctx, user,
	    var_pop3d_login_delay, &last, &error)) <= 0) {
		if (r < 0) {
			msg_warn("user %s: cannot record the login: %s", user,
			    error);
		} else {
			be->close(&sess->mb);
			free(sess->msgs);
			sess->msgs = NULL;
			sess->count = 0;
			msg_info("login refused user=%s reason=login-delay "
			    "last=%lld", user, (long long)last);
			pop3d_err(sess, "[LOGIN-DELAY] Logins are allowed once "
			    "every %d seconds", var_pop3d_login_delay);
			return;
		}
	}
	sess->deleted = xcalloc(sess->count + 1, 1);
	memcpy(sess->auth_user, user, sizeof(sess->auth_user));
	pop3d_set_state(sess, POP3D_TRANSACTION);
	totals(sess, &n, &size);
	msg_info("login user=%s mech=%s messages=%zu tls=%s", user, mech, n,
	    stream_is_tls(sess->s) ? "yes" : "no");
	pop3d_ok(sess, "Logged in, %zu message%s (%llu octets)", n,
	    n == 1 ? "" : "s", (unsigned long long)size);
}

/* cmd_user - remember the name for PASS */
static void
cmd_user(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	if (!plaintext_ok(sess)) {
		refuse_plaintext(sess);
		return;
	}
	memcpy(sess->user, cmd->arg, cmd->arg_len);
	sess->user[cmd->arg_len] = '\0';
	pop3d_ok(sess, "Send your password");
}

/* verify_pass - the backend's login with a password */
static enum auth_result
verify_pass(struct pop3d_session *sess, const char *login, void *vctx,
    char *user_r, const char **why_r)
{
	const struct pop3d_backend *be = sess->ctx->backend;

	return (be->login(be->ctx, login, vctx, sess->ctx->service, user_r,
	    why_r));
}

/* cmd_pass - USER/PASS login */
static void
cmd_pass(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	char *pass;

	if (!plaintext_ok(sess)) {
		refuse_plaintext(sess);
		return;
	}
	if (sess->user[0] == '\0') {
		pop3d_err(sess, "No user name given: send USER first");
		sess->bad++;
		return;
	}
	pass = xmemdup(cmd->arg, cmd->arg_len);
	login_finish(sess, sess->user, "USER", verify_pass, pass, NULL);
	explicit_bzero(pass, cmd->arg_len);
	free(pass);
	sess->user[0] = '\0';
}

struct apop_args {
	const char *digest;
	int	no_secret;
	const char *fail_text;		/* set when there is no secret */
};

/* verify_apop - the backend's APOP check */
static enum auth_result
verify_apop(struct pop3d_session *sess, const char *login, void *vctx,
    char *user_r, const char **why_r)
{
	const struct pop3d_backend *be = sess->ctx->backend;
	struct apop_args *a = vctx;

	enum auth_result r;

	r = be->apop(be->ctx, login, sess->timestamp, a->digest,
	    sess->ctx->service, user_r, &a->no_secret, why_r);
	if (r == AUTH_FAILED && a->no_secret)
		a->fail_text = "[AUTH] APOP is not enabled for this account: "
		    "use USER/PASS or AUTH PLAIN";
	return (r);
}

/* cmd_apop - APOP name digest */
static void
cmd_apop(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	char name[POP3_ARG_MAX + 1], digest[POP3_APOP_DIGEST_LEN + 1];
	struct apop_args a;
	size_t i;

	memcpy(name, cmd->arg, cmd->arg_len);
	name[cmd->arg_len] = '\0';
	for (i = 0; i < cmd->arg2_len; i++)
		digest[i] = (char)(cmd->arg2[i] >= 'A' && cmd->arg2[i] <= 'F' ?
		    cmd->arg2[i] - 'A' + 'a' : cmd->arg2[i]);
	digest[cmd->arg2_len] = '\0';
	a.digest = digest;
	a.no_secret = 0;
	a.fail_text = NULL;
	login_finish(sess, name, "APOP", verify_apop, &a, &a.fail_text);
	sess->user[0] = '\0';
}

/* cmd_auth - AUTH (list) or AUTH PLAIN [initial-response] */
static void
cmd_auth(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	struct sasl_plain *plain;
	struct sbuf *resp = NULL;
	const char *in;
	enum sasl_status st;
	size_t inlen;
	int r;

	if (cmd->arg_len == 0) {
		pop3d_ok(sess, "Supported mechanisms follow");
		if (plaintext_ok(sess))
			(void)stream_puts(sess->s, "PLAIN\r\n");
		(void)stream_puts(sess->s, ".\r\n");
		return;
	}
	if (cmd->arg_len != 5 || strncasecmp(cmd->arg, "PLAIN", 5) != 0) {
		pop3d_err(sess, "Unsupported authentication mechanism");
		return;
	}
	if (!plaintext_ok(sess)) {
		refuse_plaintext(sess);
		return;
	}
	in = cmd->arg2;
	inlen = cmd->arg2_len;
	if (inlen == 0) {
		(void)stream_puts(sess->s, "+ \r\n");
		resp = sbuf_new((size_t)var_pop3d_line_length_limit);
		r = stream_read_line(sess->s, resp);
		if (r == STREAM_LINE_TOO_LONG) {
			pop3d_err(sess, "Line too long");
			sbuf_free(&resp);
			return;
		}
		if (r != STREAM_LINE_OK) {
			sess->quit = 2;
			sbuf_free(&resp);
			return;
		}
		in = sbuf_str(resp);
		inlen = sbuf_len(resp);
		if (inlen == 1 && in[0] == '*') {
			pop3d_err(sess, "Authentication cancelled");
			sbuf_free(&resp);
			return;
		}
	} else if (inlen == 1 && in[0] == '=') {
		inlen = 0;			/* empty initial response */
	}
	plain = xcalloc(1, sizeof(*plain));
	switch (auth_plain(in, inlen, plain, &st)) {
	case -1:
		pop3d_err(sess, "[AUTH] Malformed PLAIN response (%s)",
		    sasl_status_name(st));
		break;
	case 1:
		pop3d_err(sess, "[AUTH] Authentication failed");
		break;
	default:
		login_finish(sess, plain->authcid, "PLAIN", verify_pass,
		    plain->passwd, NULL);
		break;
	}
	explicit_bzero(plain, sizeof(*plain));
	free(plain);
	if (resp != NULL) {
		sbuf_wipe(resp);
		sbuf_free(&resp);
	}
}

/* cmd_stls - RFC 2595 */
static void
cmd_stls(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	const char *error;

	(void)cmd;
	if (stream_is_tls(sess->s)) {
		pop3d_err(sess, "TLS is already active");
		return;
	}
	if (sess->ctx->tls == NULL) {
		pop3d_err(sess, "STLS is not available");
		return;
	}
	pop3d_ok(sess, "Begin TLS negotiation now");
	if (stream_start_tls(sess->s, sess->ctx->tls, 1, NULL, &error) < 0) {
		msg_info("STLS failed: %s", log_safe(error));
		sess->quit = 2;
		return;
	}
	sess->user[0] = '\0';
}

/* cmd_capa - RFC 2449 */
static void
cmd_capa(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	struct stream *s = sess->s;

	(void)cmd;
	pop3d_ok(sess, "Capability list follows");
	(void)stream_puts(s, "TOP\r\nUIDL\r\nRESP-CODES\r\n"
	    "AUTH-RESP-CODE\r\nPIPELINING\r\n");
	if (sess->state == POP3D_AUTHORIZATION) {
		if (plaintext_ok(sess))
			(void)stream_puts(s, "USER\r\nSASL PLAIN\r\n");
		if (sess->ctx->tls != NULL && !stream_is_tls(s))
			(void)stream_puts(s, "STLS\r\n");
	}
	if (*var_pop3d_expire != '\0')
		(void)stream_printf(s, "EXPIRE %s\r\n", var_pop3d_expire);
	/* RFC 2449 section 6.8: the same value in both states */
	if (var_pop3d_login_delay > 0)
		(void)stream_printf(s, "LOGIN-DELAY %d\r\n",
		    var_pop3d_login_delay);
	(void)stream_puts(s, "IMPLEMENTATION Estuary\r\n.\r\n");
}

/* find_msg - message n of the snapshot, or NULL after replying */
static struct pop3d_msg *
find_msg(struct pop3d_session *sess, uint32_t n)
{
	if (n == 0 || n > sess->count) {
		pop3d_err(sess, "No such message, only %zu in the maildrop",
		    sess->count);
		return (NULL);
	}
	if (sess->deleted[n - 1]) {
		pop3d_err(sess, "Message %u already deleted", (unsigned)n);
		return (NULL);
	}
	return (&sess->msgs[n - 1]);
}

/* cmd_stat - count and size */
static void
cmd_stat(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	uint64_t size;
	size_t n;

	(void)cmd;
	totals(sess, &n, &size);
	pop3d_ok(sess, "%zu %llu", n, (unsigned long long)size);
}

/* cmd_list - scan listing, one or all */
static void
cmd_list(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	struct pop3d_msg *m;
	uint64_t size;
	size_t i, n;

	if (cmd->has_msg) {
		if ((m = find_msg(sess, cmd->msg)) != NULL)
			pop3d_ok(sess, "%u %llu", (unsigned)cmd->msg,
			    (unsigned long long)m->size);
		return;
	}
	totals(sess, &n, &size);
	pop3d_ok(sess, "%zu messages (%llu octets)", n,
	    (unsigned long long)size);
	for (i = 0; i < sess->count; i++)
		if (!sess->deleted[i])
			(void)stream_printf(sess->s, "%zu %llu\r\n", i + 1,
			    (unsigned long long)sess->msgs[i].size);
	(void)stream_puts(sess->s, ".\r\n");
}

/* cmd_uidl - unique-id listing, one or all */
static void
cmd_uidl(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	struct pop3d_msg *m;
	size_t i;

	if (cmd->has_msg) {
		if ((m = find_msg(sess, cmd->msg)) != NULL)
			pop3d_ok(sess, "%u %s", (unsigned)cmd->msg, m->uidl);
		return;
	}
	pop3d_ok(sess, "Unique-ID listing follows");
	for (i = 0; i < sess->count; i++)
		if (!sess->deleted[i])
			(void)stream_printf(sess->s, "%zu %s\r\n", i + 1,
			    sess->msgs[i].uidl);
	(void)stream_puts(sess->s, ".\r\n");
}

/* send_msg - RETR (top 0) or TOP (lines) of message n */
static void
send_msg(struct pop3d_session *sess, uint32_t n, int top, uint32_t lines)
{
	const struct pop3d_backend *be = sess->ctx->backend;
	struct pop3_encode enc;
	struct pop3d_msg *m;
	struct sbuf *out;
	const char *error;
	char *buf;
	ssize_t got;
	int fd;

	if ((m = find_msg(sess, n)) == NULL)
		return;
	if ((fd = be->retr(sess->mb, m->id, &error)) < 0) {
		msg_warn("user %s: message %u: %s", sess->auth_user,
		    (unsigned)m->id, error);
		pop3d_err(sess, "[SYS/TEMP] Unable to read message %u",
		    (unsigned)n);
		return;
	}
	if (top)
		pop3d_ok(sess, "Top of message follows");
	else
		pop3d_ok(sess, "%llu octets", (unsigned long long)m->size);
	buf = xmalloc(RETR_CHUNK);
	/* bounds: each input byte gives at most 2 out, plus the dot */
	out = sbuf_new(2 * RETR_CHUNK + 8);
	pop3_encode_init(&enc, top, lines);
	for (;;) {
		got = read(fd, buf, RETR_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		sbuf_reset(out);
		if (pop3_encode(&enc, buf, (size_t)got, out) < 0)
			msg_panic("send_msg: encode buffer too small");
		if (stream_write(sess->s, sbuf_str(out), sbuf_len(out)) < 0)
			break;
		if (enc.done)
			break;
	}
	if (got < 0) {
		/* Mid-message: nothing else can make the client stop. */
		msg_warn("user %s: message %u: read: %s", sess->auth_user,
		    (unsigned)m->id, strerror(errno));
		sess->quit = 2;
	} else {
		sbuf_reset(out);
		(void)pop3_encode_end(&enc, out);
		(void)stream_write(sess->s, sbuf_str(out), sbuf_len(out));
		sess->retrieved++;
	}
	(void)close(fd);
	sbuf_free(&out);
	free(buf);
}

/* cmd_retr - a whole message */
static void
cmd_retr(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	send_msg(sess, cmd->msg, 0, 0);
}

/* cmd_top - headers and the first lines of the body */
static void
cmd_top(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	send_msg(sess, cmd->msg, 1, cmd->lines);
}

/* cmd_dele - mark for deletion at QUIT */
static void
cmd_dele(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	if (find_msg(sess, cmd->msg) == NULL)
		return;
	sess->deleted[cmd->msg - 1] = 1;
	pop3d_ok(sess, "Message %u deleted", (unsigned)cmd->msg);
}

/* cmd_noop - nothing */
static void
cmd_noop(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	(void)cmd;
	pop3d_ok(sess, "%s", "");
}

/* cmd_rset - unmark every message */
static void
cmd_rset(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	uint64_t size;
	size_t n;

	(void)cmd;
	memset(sess->deleted, 0, sess->count);
	totals(sess, &n, &size);
	pop3d_ok(sess, "Maildrop has %zu message%s (%llu octets)", n,
	    n == 1 ? "" : "s", (unsigned long long)size);
}

/* cmd_quit - in TRANSACTION: UPDATE, expunge the marked messages */
static void
cmd_quit(struct pop3d_session *sess, const struct pop3_cmd *cmd)
{
	const struct pop3d_backend *be = sess->ctx->backend;
	const char *error;
	uint32_t *ids;
	size_t i, n = 0;

	(void)cmd;
	sess->quit = 1;
	if (sess->state != POP3D_TRANSACTION) {
		pop3d_ok(sess, "Estuary POP3 server signing off");
		return;
	}
	pop3d_set_state(sess, POP3D_UPDATE);
	ids = xcalloc(sess->count + 1, sizeof(*ids));
	for (i = 0; i < sess->count; i++)
		if (sess->deleted[i])
			ids[n++] = sess->msgs[i].id;
	if (n > 0 && be->commit(sess->mb, ids, n, &error) < 0) {
		msg_warn("user %s: expunge: %s", sess->auth_user, error);
		be->close(&sess->mb);
		pop3d_err(sess, "[SYS/TEMP] Deleted messages were not removed");
	} else {
		sess->expunged = n;
		/*
		 * Release the mailbox lock before the reply: a client that
		 * reconnects as soon as it reads +OK must not meet [IN-USE].
		 */
		be->close(&sess->mb);
		pop3d_ok(sess, "Estuary POP3 server signing off (%zu "
		    "message%s removed)", n, n == 1 ? "" : "s");
	}
	free(ids);
}

/* pop3d_cmd_run - one command line */
void
pop3d_cmd_run(struct pop3d_session *sess, const char *line, size_t len)
{
	const struct pop3d_cmd *c = NULL;
	enum pop3_parse_status st;
	struct pop3_cmd cmd;
	size_t i;

	st = pop3_parse_command(line, len, &cmd);
	if (cmd.verb != POP3_VERB_NONE)
		for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
			if (strcmp(cmd_table[i].verb, cmd.name) == 0) {
				c = &cmd_table[i];
				break;
			}
	if (c == NULL) {
		msg_debug("unknown command \"%s\"", log_safe(line));
		pop3d_err(sess, "Unknown command");
		sess->bad++;
		return;
	}
	if ((c->states & sess->state) == 0) {
		pop3d_err(sess, "%s not valid in the %s state", c->verb,
		    pop3d_state_name(sess->state));
		sess->bad++;
		return;
	}
	if (st != POP3_PARSE_OK) {
		pop3d_err(sess, "%s: %s", c->verb, pop3_parse_status_text(st));
		sess->bad++;
		return;
	}
	if (!(c->flags & CMD_LOGIN))
		msg_debug("command %s", c->verb);
	c->fn(sess, &cmd);
}
