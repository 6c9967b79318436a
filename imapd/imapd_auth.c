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

/* fail_key - "addr:IP" or "user:NAME", lowercased, into buf */
static const char *
fail_key(char *buf, size_t size, const char *kind, const char *val)
{
	size_t i;
	int n;

	n = snprintf(buf, size, "%s:%s", kind, val);
	if (n < 0 || (size_t)n >= size)
		buf[size - 1] = '\0';
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return (buf);
}

/* login_finish - throttle, verify, enter the AUTHENTICATED state */
static void
login_finish(struct imapd_session *sess, const char *login,
    const char *passwd, const char *mech)
{
	char akey[128], ukey[NAME_ADDRESS_MAX + 8];
	char user[NAME_ADDRESS_MAX + 1];
	struct sbuf *caps;
	enum auth_result ar;
	const char *why = "";

	fail_key(akey, sizeof(akey), "addr", sess->conn->peer_addr);
	fail_key(ukey, sizeof(ukey), "user", login);
	if (sess->ctx->fails != NULL && (auth_fails_get(sess->ctx->fails, akey,
	    var_imapd_auth_fail_window) >= (unsigned)var_imapd_auth_fail_limit
	    || auth_fails_get(sess->ctx->fails, ukey,
	    var_imapd_auth_fail_window) >=
	    (unsigned)var_imapd_auth_fail_limit)) {
		msg_info("auth refused mech=%s user=%s reason=throttled",
		    mech, log_safe(login));
		if (var_imapd_auth_fail_delay > 0)
			sleep((unsigned)var_imapd_auth_fail_delay);
		imapd_tagged(sess, "NO", "[UNAVAILABLE] Too many failed "
		    "logins, try again later");
		return;
	}
	user[0] = '\0';
	ar = auth_login(sess->ctx->reg, login, passwd, sess->ctx->service,
	    user, &why);
	switch (ar) {
	case AUTH_OK:
		break;
	case AUTH_FAILED:
		if (sess->ctx->fails != NULL) {
			(void)auth_fails_add(sess->ctx->fails, akey,
			    var_imapd_auth_fail_window);
			(void)auth_fails_add(sess->ctx->fails, ukey,
			    var_imapd_auth_fail_window);
		}
		msg_info("auth failed mech=%s user=%s reason=\"%s\"", mech,
		    log_safe(login), why);
		if (var_imapd_auth_fail_delay > 0)
			sleep((unsigned)var_imapd_auth_fail_delay);
		imapd_tagged(sess, "NO", "[AUTHENTICATIONFAILED] "
		    "Authentication failed");
		return;
	case AUTH_DOMAIN_INACTIVE:
	case AUTH_TEMPFAIL:
		msg_info("auth %s mech=%s user=%s reason=\"%s\"",
		    auth_result_name(ar), mech, log_safe(login), why);
		imapd_tagged(sess, "NO", "[UNAVAILABLE] Mail service is "
		    "temporarily unavailable, try again later");
		return;
	}
	if (sess->ctx->fails != NULL)
		auth_fails_clear(sess->ctx->fails, ukey);
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
	char *buf;
	enum sasl_status st;
	size_t inlen, n = 0;
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
	buf = xmalloc(inlen + 1);
	plain = xcalloc(1, sizeof(*plain));
	st = sasl_base64_decode(in, inlen, buf, inlen + 1, &n);
	if (st == SASL_OK)
		st = sasl_plain_decode(buf, n, plain);
	if (st != SASL_OK) {
		imapd_bad(sess, "Malformed PLAIN response (%s)",
		    sasl_status_name(st));
	} else if (plain->authzid[0] != '\0' &&
	    strcasecmp(plain->authzid, plain->authcid) != 0) {
		msg_info("auth failed mech=PLAIN user=%s reason=\"authorization "
		    "identity differs\"", log_safe(plain->authcid));
		imapd_tagged(sess, "NO", "[AUTHENTICATIONFAILED] "
		    "Authentication failed");
	} else {
		login_finish(sess, plain->authcid, plain->passwd, "PLAIN");
	}
	explicit_bzero(buf, inlen + 1);
	explicit_bzero(plain, sizeof(*plain));
	free(buf);
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
