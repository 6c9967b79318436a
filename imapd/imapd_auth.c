/*
 * imapd_auth - LOGIN, AUTHENTICATE PLAIN (with SASL-IR, RFC 4959) and
 * STARTTLS.
 *
 * Both logins end in login_finish(): the shared failure table is
 * consulted first (per client address and per user), then auth_login()
 * applies the access rules (domain active, service imap or imaps allowed,
 * user active, password). Bad credentials get NO [AUTHENTICATIONFAILED]
 * after imapd_auth_fail_delay; an inactive domain or a failed lookup
 * NO [UNAVAILABLE] (RFC 5530). Without TLS, and unless
 * imapd_plaintext_auth allows it, LOGIN is refused (LOGINDISABLED is
 * announced) and AUTH=PLAIN is not offered. STARTTLS throws away any
 * input the client pipelined after it (RFC 3501 section 6.2.1).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "imapd.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "smtp_parse.h"
#include "stream.h"

/* plaintext_ok - may credentials be sent in the clear now? */
static int
plaintext_ok(const struct imapd_session *sess)
{
	return (stream_is_tls(sess->s) || var_imapd_plaintext_auth);
}

struct verify_args {
	struct imapd_session *sess;
	const char *passwd;
};

/* verify - auth_login() for this service */
static enum auth_result
verify(void *ctx, const char *login, char *user_r, const char **why_r)
{
	struct verify_args *va = ctx;

	return (auth_login(va->sess->ctx->reg, login, va->passwd,
	    va->sess->ctx->service, user_r, why_r));
}

/* login_finish - throttle, verify, enter the AUTHENTICATED state */
static void
login_finish(struct imapd_session *sess, const char *login,
    const char *passwd, const char *mech)
{
	const struct auth_throttle th = {
		.fails = sess->ctx->fails,
		.limit = var_imapd_auth_fail_limit,
		.window = var_imapd_auth_fail_window,
		.delay = var_imapd_auth_fail_delay,
	};
	struct verify_args va = { sess, passwd };
	char user[NAME_ADDRESS_MAX + 1];
	struct sbuf *caps;

	switch (auth_attempt(&th, sess->conn->peer_addr, login, mech, verify,
	    &va, user)) {
	case AUTH_OK:
		break;
	case AUTH_THROTTLED:
		imapd_tagged(sess, "NO", "[UNAVAILABLE] Too many failed "
		    "logins, try again later");
		return;
	case AUTH_FAILED:
		imapd_tagged(sess, "NO", "[AUTHENTICATIONFAILED] "
		    "Authentication failed");
		return;
	case AUTH_DOMAIN_INACTIVE:
	case AUTH_TEMPFAIL:
		imapd_tagged(sess, "NO", "[UNAVAILABLE] Mail service is "
		    "temporarily unavailable, try again later");
		return;
	}
	memcpy(sess->user, user, sizeof(sess->user));
	imapd_set_state(sess, IMAPD_AUTHENTICATED);
	msg_info("login user=%s mech=%s tls=%s", user, mech,
	    stream_is_tls(sess->s) ? "yes" : "no");
	imapd_first_login(sess);
	caps = sbuf_new(0);
	imapd_capability(sess, caps);
	imapd_tagged(sess, "OK", "[CAPABILITY %s] Logged in", sbuf_str(caps));
	sbuf_free(&caps);
}

/* imapd_cmd_login - LOGIN user password */
void
imapd_cmd_login(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	const char *user, *pass;
	size_t ulen, plen;

	(void)uid;
	if (count != 2 || !imap_arg_astring(&args[0], &user, &ulen) ||
	    !imap_arg_astring(&args[1], &pass, &plen)) {
		imapd_bad(sess, "LOGIN: want user name and password");
		return;
	}
	if (!plaintext_ok(sess)) {
		imapd_tagged(sess, "NO", "[PRIVACYREQUIRED] Plaintext "
		    "authentication disallowed on non-secure connections%s",
		    sess->ctx->tls != NULL ? "; use STARTTLS first" : "");
		return;
	}
	if (strlen(user) != ulen || strlen(pass) != plen ||
	    ulen > NAME_ADDRESS_MAX) {
		imapd_tagged(sess, "NO", "[AUTHENTICATIONFAILED] "
		    "Authentication failed");
		return;
	}
	login_finish(sess, user, pass, "LOGIN");
}

/* imapd_cmd_authenticate - AUTHENTICATE PLAIN [initial-response] */
void
imapd_cmd_authenticate(struct imapd_session *sess,
    const struct imap_arg *args, size_t count, int uid)
{
	struct sasl_plain *plain;
	struct sbuf *resp = NULL;
	const char *in;
	enum sasl_status st;
	size_t inlen;
	int r;

	(void)uid;
	if (count < 1 || count > 2 || args[0].type != IMAP_ARG_ATOM ||
	    (count == 2 && args[1].type != IMAP_ARG_ATOM)) {
		imapd_bad(sess, "AUTHENTICATE: want a mechanism and an "
		    "optional initial response");
		return;
	}
	if (!imap_arg_atom_eq(&args[0], "PLAIN")) {
		imapd_tagged(sess, "NO", "Unsupported authentication "
		    "mechanism");
		return;
	}
	if (!plaintext_ok(sess)) {
		imapd_tagged(sess, "NO", "[PRIVACYREQUIRED] Plaintext "
		    "authentication disallowed on non-secure connections");
		return;
	}
	if (count == 2) {
		in = args[1].str;
		inlen = args[1].len;
		if (inlen == 1 && in[0] == '=')
			inlen = 0;		/* empty initial response */
	} else {
		(void)stream_puts(sess->s, "+ \r\n");
		resp = sbuf_new(8192);
		r = imapd_read_line(sess, resp, 8190);
		if (r < 0) {
			sbuf_free(&resp);
			return;
		}
		if (r > 0) {
			imapd_bad(sess, "Response too long");
			sbuf_free(&resp);
			return;
		}
		in = sbuf_str(resp);
		inlen = sbuf_len(resp);
		if (inlen == 1 && in[0] == '*') {
			imapd_bad(sess, "Authentication cancelled");
			sbuf_free(&resp);
			return;
		}
	}
	plain = xcalloc(1, sizeof(*plain));
	switch (auth_plain(in, inlen, plain, &st)) {
	case -1:
		imapd_bad(sess, "Malformed PLAIN response (%s)",
		    sasl_status_name(st));
		break;
	case 1:
		imapd_tagged(sess, "NO", "[AUTHENTICATIONFAILED] "
		    "Authentication failed");
		break;
	default:
		login_finish(sess, plain->authcid, plain->passwd, "PLAIN");
		break;
	}
	explicit_bzero(plain, sizeof(*plain));
	free(plain);
	if (resp != NULL) {
		sbuf_wipe(resp);
		sbuf_free(&resp);
	}
}

/* imapd_cmd_starttls - RFC 3501 section 6.2.1 */
void
imapd_cmd_starttls(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	const char *error;

	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "STARTTLS takes no arguments");
		return;
	}
	if (stream_is_tls(sess->s)) {
		imapd_bad(sess, "TLS is already active");
		return;
	}
	if (sess->ctx->tls == NULL) {
		imapd_bad(sess, "STARTTLS is not available");
		return;
	}
	imapd_tagged(sess, "OK", "Begin TLS negotiation now");
	(void)stream_flush(sess->s);
	imapd_discard_input(sess);
	if (stream_start_tls(sess->s, sess->ctx->tls, 1, NULL, &error) < 0) {
		msg_info("STARTTLS failed: %s", log_safe(error));
		sess->quit = 2;
		sess->end_reason = "tls-failed";
		return;
	}
}
