/*
 * pop3d_conn - one POP3 session: greeting, command loop, limits, close.
 *
 * The session reads one command line at a time and answers in order;
 * replies are buffered and go out when the session next waits for input,
 * so a client that pipelines (RFC 2449 PIPELINING) gets every answer in
 * sequence in as few packets as possible.
 *
 * On pop3s the TLS handshake comes before the greeting. The greeting
 * carries the APOP timestamp <pid.time.random@myhostname>. Limits: a line
 * over pop3d_line_length_limit is skipped and answered -ERR; after
 * pop3d_bad_command_limit unknown, malformed or out-of-state commands the
 * session ends; pop3d_timeout without a command ends it too. A session
 * that ends in any way but QUIT in the TRANSACTION state expunges nothing.
 *
 * Logs: "connect from", "state old -> new" (debug), and at the end one
 * "disconnect" line with the reason and counts.
 */
#include "config.h"

#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "pop3d.h"
#include "sbuf.h"
#include "stream.h"

/* pop3d_state_name - a state for the log */
const char *
pop3d_state_name(enum pop3d_state state)
{
	switch (state) {
	case POP3D_AUTHORIZATION:
		return ("authorization");
	case POP3D_TRANSACTION:
		return ("transaction");
	case POP3D_UPDATE:
		return ("update");
	}
	return ("?");
}

/* pop3d_set_state - the one place the state changes */
void
pop3d_set_state(struct pop3d_session *sess, enum pop3d_state state)
{
	if (sess->state != state)
		msg_debug("state %s -> %s", pop3d_state_name(sess->state),
		    pop3d_state_name(state));
	sess->state = state;
}

/* reply - one status line */
static void
reply(struct pop3d_session *sess, const char *status, const char *fmt,
    va_list ap)
{
	char text[512];

	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		text[0] = '\0';
	(void)stream_printf(sess->s, "%s%s%s\r\n", status, *text ? " " : "",
	    text);
	msg_debug("reply %s %s", status, text);
}

/* pop3d_ok - "+OK text" */
void
pop3d_ok(struct pop3d_session *sess, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(sess, "+OK", fmt, ap);
	va_end(ap);
}

/* pop3d_err - "-ERR text" */
void
pop3d_err(struct pop3d_session *sess, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply(sess, "-ERR", fmt, ap);
	va_end(ap);
}

/* make_timestamp - the APOP timestamp for this session */
static void
make_timestamp(struct pop3d_session *sess)
{
	unsigned char r[8];
	unsigned long long v = 0;
	size_t i;
	int n;

	if (RAND_bytes(r, sizeof(r)) != 1)
		msg_fatal("RAND_bytes failed");
	for (i = 0; i < sizeof(r); i++)
		v = (v << 8) | r[i];
	n = snprintf(sess->timestamp, sizeof(sess->timestamp),
	    "<%ld.%lld.%llx@%s>", (long)getpid(), (long long)time(NULL), v,
	    var_myhostname);
	if (n < 0 || (size_t)n >= sizeof(sess->timestamp) ||
	    !pop3_apop_timestamp_check(sess->timestamp, (size_t)n))
		(void)snprintf(sess->timestamp, sizeof(sess->timestamp),
		    "<%ld.%lld.%llx@localhost>", (long)getpid(),
		    (long long)time(NULL), v);
}

/* timeout_reply - say so on a plain connection before closing */
static void
timeout_reply(struct pop3d_session *sess)
{
	static const char text[] = "-ERR Disconnected for inactivity.\r\n";

	if (!stream_is_tls(sess->s))
		(void)!write(stream_fd(sess->s), text, sizeof(text) - 1);
}

/* pop3d_session_run - greeting to end on sess->s */
void
pop3d_session_run(struct pop3d_session *sess)
{
	const char *reason = "quit";
	int r;

	make_timestamp(sess);
	pop3d_ok(sess, "Estuary POP3 ready %s", sess->timestamp);
	while (!sess->quit) {
		r = stream_read_line(sess->s, sess->line);
		if (r == STREAM_LINE_TOO_LONG) {
			pop3d_err(sess, "Line too long");
			sess->bad++;
		} else if (r == STREAM_LINE_OK) {
			pop3d_cmd_run(sess, sbuf_str(sess->line),
			    sbuf_len(sess->line));
			sbuf_wipe(sess->line);
		} else {
			if (r == STREAM_TIMEOUT) {
				reason = "timeout";
				(void)stream_flush(sess->s);
				timeout_reply(sess);
			} else {
				reason = r == STREAM_EOF ? "lost" : "error";
			}
			break;
		}
		if (sess->quit) {
			reason = sess->quit > 1 ? "closed" : "quit";
			break;
		}
		if (sess->bad >= var_pop3d_bad_command_limit) {
			pop3d_err(sess, "Too many bad commands, closing");
			reason = "too-many-bad-commands";
			break;
		}
	}
	(void)stream_flush(sess->s);
	msg_info("disconnect reason=%s%s%s state=%s user=%s retrieved=%lu "
	    "expunged=%lu bad=%d", reason,
	    *stream_reason(sess->s) ? " detail=" : "", stream_reason(sess->s),
	    pop3d_state_name(sess->state),
	    *sess->auth_user ? sess->auth_user : "-", sess->retrieved,
	    sess->expunged, sess->bad);
	/* Anything but QUIT in TRANSACTION: nothing is expunged. */
	if (sess->mb != NULL)
		sess->ctx->backend->close(&sess->mb);
	free(sess->msgs);
	sess->msgs = NULL;
	free(sess->deleted);
	sess->deleted = NULL;
}

/* pop3d_conn_run - one connection */
void
pop3d_conn_run(struct server_conn *conn, struct pop3d_ctx *ctx)
{
	struct pop3d_session sess;
	const char *error;

	memset(&sess, 0, sizeof(sess));
	sess.conn = conn;
	sess.ctx = ctx;
	sess.state = POP3D_AUTHORIZATION;
	sess.s = stream_fdopen(conn->fd, STREAM_NOCLOSE,
	    (size_t)var_pop3d_line_length_limit - 2);
	stream_set_timeout(sess.s, var_pop3d_timeout);
	sess.line = sbuf_new((size_t)var_pop3d_line_length_limit);
	msg_info("connect from %s port %d service=%s", conn->peer_addr,
	    conn->peer_port, ctx->service_name);
	if (ctx->implicit_tls && stream_start_tls(sess.s, ctx->tls, 1, NULL,
	    &error) < 0)
		msg_info("disconnect reason=\"TLS handshake: %s\"",
		    log_safe(error));
	else
		pop3d_session_run(&sess);
	sbuf_free(&sess.line);
	stream_free(&sess.s);
}
