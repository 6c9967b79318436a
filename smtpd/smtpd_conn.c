/*
 * smtpd_conn - one SMTP session: greeting, command loop, limits, close.
 *
 * The session reads one command line at a time and answers in order, so a
 * client that pipelines (with or without PIPELINING announced) gets its
 * replies in sequence; replies are buffered and go out when the session
 * next waits for input, as RFC 2920 asks of servers. Bytes read past the
 * end of a message belong to the next command: the DATA reader puts them
 * back (smtpd_unread), and every read here takes them first.
 *
 * On smtps the TLS handshake comes before the greeting. With
 * smtpd_greet_pause the session waits before greeting; a client that talks
 * first gets 554 and is dropped (RFC 5321 4.3.1: the client waits for the
 * greeting). Limits: a command line over smtpd_line_length_limit gets 500
 * 5.5.2; smtpd_timeout without a command gets 421 4.4.2; after
 * smtpd_error_limit error replies the session ends with 421 4.7.0.
 *
 * Logs: "connect from", and at the end one "disconnect" line with the
 * reason and the counts.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "smtpd.h"
#include "stream.h"

/* smtpd_state_name - a state for the log */
const char *
smtpd_state_name(enum smtpd_state state)
{
	switch (state) {
	case SMTPD_STATE_INIT:
		return ("init");
	case SMTPD_STATE_READY:
		return ("ready");
	case SMTPD_STATE_MAIL:
		return ("mail");
	case SMTPD_STATE_RCPT:
		return ("rcpt");
	}
	return ("?");
}

/* smtpd_set_state - the one place the state changes */
void
smtpd_set_state(struct smtpd_session *sess, enum smtpd_state state)
{
	if (sess->state != state)
		msg_debug("state %s -> %s", smtpd_state_name(sess->state),
		    smtpd_state_name(state));
	sess->state = state;
}

/* smtpd_reply - one reply line, buffered */
void
smtpd_reply(struct smtpd_session *sess, int code, const char *enhanced,
    const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		text[0] = '\0';
	va_end(ap);
	if (enhanced != NULL && *enhanced != '\0')
		(void)stream_printf(sess->s, "%d %s %s\r\n", code, enhanced,
		    text);
	else
		(void)stream_printf(sess->s, "%d %s\r\n", code, text);
	if (code >= 400)
		sess->errors++;
	msg_debug("reply %d %s", code, text);
}

/* smtpd_input_pending - is input already here? */
int
smtpd_input_pending(const struct smtpd_session *sess)
{
	return (sbuf_len(sess->pushback) > 0 || stream_pending(sess->s) > 0);
}

/* smtpd_unread - put bytes back in front of the input */
void
smtpd_unread(struct smtpd_session *sess, const char *buf, size_t n)
{
	struct sbuf *nb;

	if (n == 0)
		return;
	/* bounds: at most one read buffer of the DATA reader plus what was there */
	nb = sbuf_new(n + sbuf_len(sess->pushback) + 1);
	if (sbuf_append(nb, buf, n) < 0 || sbuf_append(nb,
	    sbuf_str(sess->pushback), sbuf_len(sess->pushback)) < 0)
		msg_panic("smtpd_unread: push-back overflow");
	sbuf_free(&sess->pushback);
	sess->pushback = nb;
}

/* pushback_take - remove the first n bytes of the push-back buffer */
static void
pushback_take(struct smtpd_session *sess, size_t n)
{
	struct sbuf *pb = sess->pushback;

	memmove(pb->data, pb->data + n, pb->len - n);
	sbuf_truncate(pb, pb->len - n);
}

/* smtpd_read - bytes from the push-back buffer, else the stream */
ssize_t
smtpd_read(struct smtpd_session *sess, char *buf, size_t n)
{
	size_t have = sbuf_len(sess->pushback);

	if (have > 0) {
		if (n > have)
			n = have;
		memcpy(buf, sbuf_str(sess->pushback), n);
		pushback_take(sess, n);
		return ((ssize_t)n);
	}
	return (stream_read(sess->s, buf, n));
}

/*
 * smtpd_read_line - a line, as stream_read_line() gives it. Pushed-back
 * bytes come first: a whole line there is taken as it is; a partial one
 * is joined with the rest of its line from the stream.
 */
int
smtpd_read_line(struct smtpd_session *sess, struct sbuf *line)
{
	struct sbuf *pb = sess->pushback;
	size_t max = (size_t)var_smtpd_line_length_limit - 2, n;
	const char *lf;
	char *head;
	int r;

	if (sbuf_len(pb) == 0)
		return (stream_read_line(sess->s, line));
	sbuf_reset(line);
	lf = memchr(sbuf_str(pb), '\n', sbuf_len(pb));
	if (lf != NULL) {
		n = (size_t)(lf - sbuf_str(pb));
		r = STREAM_LINE_OK;
		if (n > 0 && sbuf_str(pb)[n - 1] == '\r')
			n--;
		if (n > max || sbuf_append(line, sbuf_str(pb), n) < 0) {
			sbuf_reset(line);
			r = STREAM_LINE_TOO_LONG;
		}
		pushback_take(sess, (size_t)(lf - sbuf_str(pb)) + 1);
		return (r);
	}
	/* A partial line: the rest comes from the stream. */
	head = xmemdup(sbuf_str(pb), sbuf_len(pb));
	n = sbuf_len(pb);
	sbuf_reset(pb);
	r = stream_read_line(sess->s, line);
	if (r == STREAM_LINE_OK) {
		struct sbuf *joined = sbuf_new(max + 2);

		if (sbuf_append(joined, head, n) < 0 ||
		    sbuf_append(joined, sbuf_str(line), sbuf_len(line)) < 0)
			r = STREAM_LINE_TOO_LONG;
		sbuf_reset(line);
		if (r == STREAM_LINE_OK) {
			n = sbuf_len(joined);
			if (n > 0 && sbuf_str(joined)[n - 1] == '\r')
				n--;
			if (n > max || sbuf_append(line, sbuf_str(joined),
			    n) < 0) {
				sbuf_reset(line);
				r = STREAM_LINE_TOO_LONG;
			}
		}
		sbuf_free(&joined);
	}
	free(head);
	return (r);
}

/* smtpd_txn_reset - forget the mail transaction */
void
smtpd_txn_reset(struct smtpd_session *sess)
{
	sess->txn.sender[0] = '\0';
	sess->txn.size = 0;
	smtpd_list_clear(&sess->txn.rcpts);
	smtpd_list_clear(&sess->txn.local);
	smtpd_list_clear(&sess->txn.remote);
	if (sess->state == SMTPD_STATE_MAIL || sess->state == SMTPD_STATE_RCPT)
		smtpd_set_state(sess, SMTPD_STATE_READY);
}

/*
 * early_talker - with smtpd_greet_pause, wait that long for the greeting;
 * 1 if the client sent something (or closed) meanwhile.
 */
static int
early_talker(struct smtpd_session *sess)
{
	struct pollfd pfd;
	int ms = var_smtpd_greet_pause * 1000, r;

	if (var_smtpd_greet_pause <= 0)
		return (0);
	pfd.fd = stream_fd(sess->s);
	pfd.events = POLLIN;
	do {
		r = poll(&pfd, 1, ms);
	} while (r < 0 && errno == EINTR);
	return (r > 0);
}

/*
 * smtpd_timeout_reply - 421 after a timeout. The stream's error sticks,
 * so on plain connections the reply is written to the socket directly
 * (everything buffered went out before the wait began); under TLS the
 * connection is just closed.
 */
void
smtpd_timeout_reply(struct smtpd_session *sess)
{
	char text[300];
	int n;

	if (stream_is_tls(sess->s))
		return;
	n = snprintf(text, sizeof(text), "421 4.4.2 %s Error: timeout "
	    "exceeded\r\n", var_myhostname);
	if (n > 0 && (size_t)n < sizeof(text))
		(void)!write(stream_fd(sess->s), text, (size_t)n);
}

/* smtpd_conn_run - one connection */
void
smtpd_conn_run(struct server_conn *conn, struct smtpd_ctx *ctx)
{
	struct smtpd_session sess;
	const char *reason = "quit", *error;
	int r;

	memset(&sess, 0, sizeof(sess));
	sess.conn = conn;
	sess.ctx = ctx;
	sess.state = SMTPD_STATE_INIT;
	sess.s = stream_fdopen(conn->fd, STREAM_NOCLOSE,
	    (size_t)var_smtpd_line_length_limit - 2);
	stream_set_timeout(sess.s, var_smtpd_timeout);
	sess.line = sbuf_new((size_t)var_smtpd_line_length_limit);
	sess.pushback = sbuf_new(1);
	msg_info("connect from %s port %d service=%s", conn->peer_addr,
	    conn->peer_port, ctx->kind_name);

	if (ctx->kind == SMTPD_KIND_SMTPS) {
		if (stream_start_tls(sess.s, ctx->tls, 1, NULL, &error) < 0) {
			msg_info("disconnect reason=\"TLS handshake: %s\"",
			    log_safe(error));
			goto out;
		}
	} else if (early_talker(&sess)) {
		smtpd_reply(&sess, 554, "5.5.0", "%s Protocol error: client "
		    "talked before the greeting", var_myhostname);
		(void)stream_flush(sess.s);
		msg_info("disconnect reason=early-talker");
		goto out;
	}
	smtpd_reply(&sess, 220, NULL, "%s ESMTP Estuary", var_myhostname);

	while (!sess.quit) {
		r = smtpd_read_line(&sess, sess.line);
		if (r == STREAM_LINE_TOO_LONG) {
			smtpd_reply(&sess, 500, "5.5.2", "Error: line too long");
		} else if (r == STREAM_LINE_OK) {
			smtpd_cmd_run(&sess, sbuf_str(sess.line),
			    sbuf_len(sess.line));
		} else {
			if (r == STREAM_TIMEOUT) {
				reason = "timeout";
				smtpd_timeout_reply(&sess);
			} else {
				reason = r == STREAM_EOF ? "lost" : "error";
			}
			break;
		}
		if (sess.quit) {
			reason = sess.quit > 1 ? "closed" : "quit";
			break;
		}
		if (sess.errors >= var_smtpd_error_limit) {
			smtpd_reply(&sess, 421, "4.7.0", "%s Error: too many "
			    "errors", var_myhostname);
			reason = "too-many-errors";
			break;
		}
	}
	(void)stream_flush(sess.s);
	if (strcmp(reason, "timeout") == 0)
		msg_info("disconnect reason=timeout state=%s",
		    smtpd_state_name(sess.state));
	else
		msg_info("disconnect reason=%s%s%s messages=%lu rcpts=%lu "
		    "errors=%d", reason, *stream_reason(sess.s) ? " detail=" : "",
		    stream_reason(sess.s), sess.messages, sess.rcpt_total,
		    sess.errors);
out:
	smtpd_txn_reset(&sess);
	free(sess.auth_user);
	sbuf_free(&sess.line);
	sbuf_free(&sess.pushback);
	stream_free(&sess.s);
}
