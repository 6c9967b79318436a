/*
 * smtpd_auth - AUTH PLAIN and LOGIN (RFC 4954, 4616) on submission and
 * smtps, checked against the registry's password hashes.
 *
 * AUTH is offered only on submission and smtps, and only under TLS unless
 * smtpd_plaintext_auth says otherwise (538 5.7.11 then). Credentials are
 * accepted when the user exists and is active, the user's domain is
 * active and allows the submission service, and the password matches the
 * stored hash (password.h). Every failure gets the same 535 5.7.8, so a
 * client cannot tell which part failed; the log says. An authorization
 * identity other than the authentication identity is refused.
 *
 * Responses hold secrets: decoded buffers are wiped once used.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "mem.h"
#include "msg.h"
#include "name.h"
#include "param_table.h"
#include "password.h"
#include "registry.h"
#include "smtp_parse.h"
#include "smtpd.h"
#include "stream.h"

#define AUTH_BUF_MAX	(2 * SASL_PLAIN_ID_MAX + SASL_PLAIN_PASS_MAX + 4)

/* smtpd_auth_offered - AUTH usable now? */
int
smtpd_auth_offered(const struct smtpd_session *sess)
{
	if (sess->ctx->kind == SMTPD_KIND_SMTP)
		return (0);
	return (stream_is_tls(sess->s) || var_smtpd_plaintext_auth);
}

/*
 * auth_verify - 1 the credentials are good, 0 they are not (*why_r says
 * why, for the log), -1 a lookup failed (try later). The rules are
 * auth.h's, shared with the other access services.
 */
static int
auth_verify(struct smtpd_session *sess, const char *authcid,
    const char *passwd, char *user_r, size_t user_size, const char **why_r)
{
	if (user_size < NAME_ADDRESS_MAX + 1)
		msg_panic("auth_verify: user buffer too small");
	switch (auth_login(sess->ctx->reg, authcid, passwd,
	    REG_SVC_SUBMISSION, user_r, why_r)) {
	case AUTH_OK:
		return (1);
	case AUTH_TEMPFAIL:
		return (-1);
	default:
		return (0);
	}
}

/*
 * auth_response - read one response line and decode it into out; 0, or
 * -1 after replying (cancelled, malformed, connection gone).
 */
static int
auth_response(struct smtpd_session *sess, char *out, size_t out_size,
    size_t *len_r)
{
	enum smtp_parse_status st;
	struct smtp_parse_reply rep;
	int r;

	r = smtpd_read_line(sess, sess->line);
	if (r == STREAM_LINE_TOO_LONG) {
		rep = smtp_parse_reply_for(SMTP_VERB_AUTH,
		    SMTP_PARSE_LINE_TOO_LONG);
		smtpd_reply(sess, rep.code, rep.enhanced, "%s", rep.text);
		return (-1);
	}
	if (r != STREAM_LINE_OK) {
		if (r == STREAM_TIMEOUT)
			smtpd_timeout_reply(sess);
		sess->quit = 2;
		return (-1);
	}
	st = smtp_parse_auth_response(sbuf_str(sess->line),
	    sbuf_len(sess->line), 0, out, out_size, len_r);
	sbuf_wipe(sess->line);
	if (st != SMTP_PARSE_OK) {
		rep = smtp_parse_reply_for(SMTP_VERB_AUTH, st);
		smtpd_reply(sess, rep.code, rep.enhanced, "%s", rep.text);
		return (-1);
	}
	return (0);
}

/* auth_initial - decode an initial response; 0, or -1 after replying */
static int
auth_initial(struct smtpd_session *sess, const struct smtp_auth *auth,
    char *out, size_t out_size, size_t *len_r)
{
	enum smtp_parse_status st;
	struct smtp_parse_reply rep;

	st = smtp_parse_auth_response(auth->response, auth->response_len, 1,
	    out, out_size, len_r);
	if (st != SMTP_PARSE_OK) {
		rep = smtp_parse_reply_for(SMTP_VERB_AUTH, st);
		smtpd_reply(sess, rep.code, rep.enhanced, "%s", rep.text);
		return (-1);
	}
	return (0);
}

/* smtpd_auth_run - AUTH */
void
smtpd_auth_run(struct smtpd_session *sess, const char *arg, size_t len)
{
	struct smtp_auth auth;
	struct smtp_parse_reply rep;
	struct sasl_plain *plain;
	enum smtp_parse_status st;
	enum sasl_status sst;
	char *buf, *pass, user[NAME_ADDRESS_MAX + 1];
	char authcid[SASL_PLAIN_ID_MAX + 1];
	const char *why = "";
	size_t n;
	int r = 0, bad = 0;

	if (sess->ctx->kind == SMTPD_KIND_SMTP) {
		smtpd_reply(sess, 502, "5.5.1", "Error: authentication not "
		    "enabled");
		return;
	}
	if (sess->auth_user != NULL) {
		smtpd_reply(sess, 503, "5.5.1", "Error: already authenticated");
		return;
	}
	if (!sess->esmtp) {
		smtpd_reply(sess, 503, "5.5.1", "Error: send EHLO first");
		return;
	}
	if (!smtpd_auth_offered(sess)) {
		smtpd_reply(sess, 538, "5.7.11", "Encryption required for "
		    "requested authentication mechanism");
		return;
	}
	if ((st = smtp_parse_auth(arg, len, &auth)) != SMTP_PARSE_OK) {
		rep = smtp_parse_reply_for(SMTP_VERB_AUTH, st);
		smtpd_reply(sess, rep.code, rep.enhanced, "%s", rep.text);
		return;
	}
	buf = xmalloc(AUTH_BUF_MAX + 1);
	pass = xmalloc(SASL_PLAIN_PASS_MAX + 1);
	plain = xmalloc(sizeof(*plain));
	memset(plain, 0, sizeof(*plain));
	authcid[0] = '\0';
	if (strcmp(auth.mech, "PLAIN") == 0) {
		if (auth.has_response)
			r = auth_initial(sess, &auth, buf, AUTH_BUF_MAX, &n);
		else {
			smtpd_reply(sess, 334, NULL, "%s", "");
			r = auth_response(sess, buf, AUTH_BUF_MAX, &n);
		}
		if (r == 0 && (sst = sasl_plain_decode(buf, n, plain)) !=
		    SASL_OK) {
			smtpd_reply(sess, 501, "5.5.2", "Error: malformed "
			    "PLAIN response (%s)", sasl_status_name(sst));
			r = -1;
		}
		if (r == 0) {
			memcpy(authcid, plain->authcid, sizeof(authcid));
			memcpy(pass, plain->passwd, SASL_PLAIN_PASS_MAX + 1);
			if (plain->authzid[0] != '\0' &&
			    strcasecmp(plain->authzid, plain->authcid) != 0) {
				bad = 1;
				why = "authorization identity differs";
			}
		}
	} else if (strcmp(auth.mech, "LOGIN") == 0) {
		if (auth.has_response)
			r = auth_initial(sess, &auth, buf, SASL_PLAIN_ID_MAX,
			    &n);
		else {
			smtpd_reply(sess, 334, NULL, "VXNlcm5hbWU6");
			r = auth_response(sess, buf, SASL_PLAIN_ID_MAX, &n);
		}
		if (r == 0) {
			memcpy(authcid, buf, n);
			authcid[n] = '\0';
			smtpd_reply(sess, 334, NULL, "UGFzc3dvcmQ6");
			r = auth_response(sess, pass, SASL_PLAIN_PASS_MAX, &n);
			if (r == 0)
				pass[n] = '\0';
		}
		if (r == 0 && (strlen(authcid) == 0 || strlen(pass) !=
		    n)) {
			bad = 1;
			why = "empty user name or NUL in password";
		}
	} else {
		smtpd_reply(sess, 504, "5.5.4", "Error: unsupported "
		    "authentication mechanism");
		r = -1;
	}
	if (r == 0) {
		if (!bad)
			r = auth_verify(sess, authcid, pass, user,
			    sizeof(user), &why);
		else
			r = 0;
		if (r == 1) {
			sess->auth_user = xstrdup(user);
			msg_info("auth ok mech=%s user=%s", auth.mech, user);
			smtpd_reply(sess, 235, "2.7.0", "Authentication "
			    "successful");
		} else if (r < 0) {
			smtpd_reply(sess, 454, "4.7.0", "Temporary "
			    "authentication failure");
		} else {
			msg_info("auth failed mech=%s user=%s reason=\"%s\"",
			    auth.mech, log_safe(authcid), why);
			smtpd_reply(sess, 535, "5.7.8", "Authentication "
			    "credentials invalid");
		}
	}
	explicit_bzero(buf, AUTH_BUF_MAX + 1);
	explicit_bzero(pass, SASL_PLAIN_PASS_MAX + 1);
	explicit_bzero(plain, sizeof(*plain));
	free(buf);
	free(pass);
	free(plain);
}
