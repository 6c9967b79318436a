/*
 * imapd_conn - one IMAP session: greeting, command loop, limits, close.
 *
 * Input goes through the incremental parser (imap_parse.h) a buffer at a
 * time; whatever follows a complete command stays in the session's buffer
 * for the next one, so pipelined commands are answered in order and the
 * input held is bounded by that buffer. A synchronising literal gets
 * "+ Ready for literal data" before the client sends it; {n+} (LITERAL+)
 * is read straight on. Replies are buffered and go out whenever the
 * session next waits for input.
 *
 * Limits (all parameters): imapd_command_size_limit bounds one command
 * with its literals (tagged BAD [TOOBIG]), imapd_literal_size_limit one
 * literal (NO [TOOBIG] before a synchronising one is sent; BYE for a
 * non-synchronising one, which cannot be skipped), imapd_nesting_limit the
 * depth of parenthesised lists, imapd_argument_limit the number of
 * arguments (both tagged BAD), imapd_bad_command_limit the bad commands in
 * a session (then BYE), and imapd_timeout the silence allowed, IDLE
 * included (then "* BYE Autologout").
 *
 * On imaps the TLS handshake comes before the greeting. Logs: "connect
 * from", "state old -> new" (debug), one "disconnect" line at the end.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "imap_parse.h"
#include "imapd.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "stream.h"

#define IMAPD_INBUF	16384

/* imapd_state_name - a state for the log */
const char *
imapd_state_name(enum imapd_state state)
{
	switch (state) {
	case IMAPD_NOT_AUTHENTICATED:
		return ("not-authenticated");
	case IMAPD_AUTHENTICATED:
		return ("authenticated");
	case IMAPD_SELECTED:
		return ("selected");
	case IMAPD_LOGOUT:
		return ("logout");
	}
	return ("?");
}

/* imapd_set_state - the one place the state changes */
void
imapd_set_state(struct imapd_session *sess, enum imapd_state state)
{
	if (sess->state != state)
		msg_debug("state %s -> %s", imapd_state_name(sess->state),
		    imapd_state_name(state));
	sess->state = state;
}

/* imapd_untagged - "* text" */
void
imapd_untagged(struct imapd_session *sess, const char *fmt, ...)
{
	va_list ap;

	(void)stream_puts(sess->s, "* ");
	va_start(ap, fmt);
	{
		struct sbuf *sb = sbuf_new(0);

		(void)sbuf_vappendf(sb, fmt, ap);
		(void)stream_write(sess->s, sbuf_str(sb), sbuf_len(sb));
		sbuf_free(&sb);
	}
	va_end(ap);
	(void)stream_puts(sess->s, "\r\n");
}

/* tagged - the tagged line itself */
static void
tagged(struct imapd_session *sess, const char *status, const char *fmt,
    va_list ap)
{
	char text[1024];

	if (vsnprintf(text, sizeof(text), fmt, ap) < 0)
		text[0] = '\0';
	(void)stream_printf(sess->s, "%s %s %s\r\n",
	    sess->tag != NULL && *sess->tag ? sess->tag : "*", status, text);
	msg_debug("reply %s %s", status, text);
}

/* imapd_tagged - the command's end; untagged updates go first */
void
imapd_tagged(struct imapd_session *sess, const char *status,
    const char *fmt, ...)
{
	va_list ap;

	if (sess->state == IMAPD_SELECTED && sess->update_ok) {
		sess->update_ok = 0;
		imapd_mailbox_update(sess, 0);
	}
	va_start(ap, fmt);
	tagged(sess, status, fmt, ap);
	va_end(ap);
}

/* imapd_bad - a tagged BAD that counts */
void
imapd_bad(struct imapd_session *sess, const char *fmt, ...)
{
	va_list ap;

	sess->bad++;
	va_start(ap, fmt);
	tagged(sess, "BAD", fmt, ap);
	va_end(ap);
}

/* imapd_write_string - quoted or literal */
void
imapd_write_string(struct imapd_session *sess, const char *str, size_t len)
{
	size_t i;
	int quote = len < 1024;

	if (str == NULL) {
		(void)stream_puts(sess->s, "NIL");
		return;
	}
	for (i = 0; i < len && quote; i++)
		if ((unsigned char)str[i] < 0x20 ||
		    (unsigned char)str[i] > 0x7e)
			quote = 0;
	if (!quote) {
		(void)stream_printf(sess->s, "{%zu}\r\n", len);
		(void)stream_write(sess->s, str, len);
		return;
	}
	(void)stream_puts(sess->s, "\"");
	for (i = 0; i < len; i++) {
		if (str[i] == '"' || str[i] == '\\')
			(void)stream_write(sess->s, "\\", 1);
		(void)stream_write(sess->s, str + i, 1);
	}
	(void)stream_puts(sess->s, "\"");
}

/* fill - read more input into the buffer: bytes read, 0 EOF, -1 error */
static ssize_t
fill(struct imapd_session *sess)
{
	ssize_t n;

	if (sess->inoff == sess->inlen)
		sess->inoff = sess->inlen = 0;
	if (sess->inlen == sess->incap) {
		memmove(sess->inbuf, sess->inbuf + sess->inoff,
		    sess->inlen - sess->inoff);
		sess->inlen -= sess->inoff;
		sess->inoff = 0;
	}
	(void)stream_flush(sess->s);
	n = stream_read(sess->s, sess->inbuf + sess->inlen,
	    sess->incap - sess->inlen);
	if (n > 0)
		sess->inlen += (size_t)n;
	return (n);
}

/* end_input - the connection ended while reading: note why */
static void
end_input(struct imapd_session *sess, ssize_t n)
{
	if (n < 0 && stream_error(sess->s) == STREAM_TIMEOUT) {
		static const char text[] = "* BYE Autologout; idle for too "
		    "long\r\n";

		/* The stream's error sticks: say it on the socket itself
		 * (without TLS; a TLS peer just sees the close). */
		sess->end_reason = "timeout";
		if (!stream_is_tls(sess->s))
			(void)!write(stream_fd(sess->s), text,
			    sizeof(text) - 1);
	} else {
		sess->end_reason = n == 0 ? "lost" : "error";
	}
	sess->quit = 2;
}

/* imapd_read_line - one raw line from the session's input */
int
imapd_read_line(struct imapd_session *sess, struct sbuf *line, size_t max)
{
	int too_long = 0;
	const char *p, *nl;
	size_t n;
	ssize_t r;

	sbuf_reset(line);
	for (;;) {
		if (sess->inoff == sess->inlen && (r = fill(sess)) <= 0) {
			end_input(sess, r);
			return (-1);
		}
		p = sess->inbuf + sess->inoff;
		n = sess->inlen - sess->inoff;
		nl = memchr(p, '\n', n);
		if (nl != NULL)
			n = (size_t)(nl - p);
		if (!too_long && sbuf_len(line) + n <= max + 1)
			(void)sbuf_append(line, p, n);
		else
			too_long = 1;
		sess->inoff += n + (nl != NULL);
		if (nl != NULL)
			break;
	}
	if (sbuf_len(line) > 0 && sbuf_str(line)[sbuf_len(line) - 1] == '\r')
		sbuf_truncate(line, sbuf_len(line) - 1);
	if (too_long || sbuf_len(line) > max) {
		sbuf_wipe(line);
		return (1);
	}
	return (0);
}

/* imapd_wait_input - wait for the client (or extra_fd) */
int
imapd_wait_input(struct imapd_session *sess, int extra_fd, int ms)
{
	struct pollfd pfd[2];
	int n;

	if (sess->inoff < sess->inlen || stream_pending(sess->s) > 0)
		return (1);
	(void)stream_flush(sess->s);
	pfd[0].fd = stream_fd(sess->s);
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	pfd[1].fd = extra_fd;
	pfd[1].events = POLLIN;
	pfd[1].revents = 0;
	n = poll(pfd, extra_fd >= 0 ? 2 : 1, ms);
	if (n < 0)
		return (errno == EINTR ? 0 : -1);
	if (n == 0)
		return (0);
	if (pfd[0].revents != 0)
		return (1);
	return (2);
}

/* imapd_discard_input - after STARTTLS nothing sent before counts */
void
imapd_discard_input(struct imapd_session *sess)
{
	sess->inoff = sess->inlen = 0;
	stream_discard_input(sess->s);
	imap_parser_reset(sess->parser);
}

/* parse_failed - answer a parser failure; 1 when the session must end */
static int
parse_failed(struct imapd_session *sess, enum imap_parse_status st)
{
	const char *text = imap_parse_status_text(st);

	msg_info("bad command status=%s", imap_parse_status_name(st));
	sess->tag = imap_parser_tag(sess->parser);
	switch (imap_parse_status_reply(st)) {
	case IMAP_REPLY_BAD_TOOBIG:
		imapd_bad(sess, "[TOOBIG] %s", text);
		break;
	case IMAP_REPLY_NO_TOOBIG:
		sess->bad++;
		imapd_tagged(sess, "NO", "[TOOBIG] %s", text);
		break;
	case IMAP_REPLY_BYE:
		imapd_untagged(sess, "BYE [TOOBIG] %s", text);
		sess->end_reason = "toobig";
		return (1);
	default:
		imapd_bad(sess, "%s", text);
		break;
	}
	return (0);
}

/* imapd_session_init - a fresh session over stream s */
void
imapd_session_init(struct imapd_session *sess, struct server_conn *conn,
    struct imapd_ctx *ctx, struct stream *s)
{
	struct imap_parse_limits lim;

	memset(sess, 0, sizeof(*sess));
	sess->conn = conn;
	sess->ctx = ctx;
	sess->s = s;
	sess->state = IMAPD_NOT_AUTHENTICATED;
	lim.literal_max = (size_t)var_imapd_literal_size_limit;
	lim.command_max = (size_t)var_imapd_command_size_limit;
	lim.depth_max = (size_t)var_imapd_nesting_limit;
	lim.args_max = (size_t)var_imapd_argument_limit;
	sess->parser = imap_parser_create(&lim);
	sess->incap = IMAPD_INBUF;
	sess->inbuf = xmalloc(sess->incap);
	stream_set_timeout(s, var_imapd_timeout);
}

/* imapd_session_free - release what the session holds */
void
imapd_session_free(struct imapd_session *sess)
{
	imapd_mailbox_close(sess);
	imap_parser_free(&sess->parser);
	free(sess->inbuf);
	sess->inbuf = NULL;
}

/* imapd_session_run - greeting to end */
void
imapd_session_run(struct imapd_session *sess)
{
	struct sbuf *caps = sbuf_new(0);
	enum imap_parse_status st;
	const struct imap_arg *args;
	size_t used, count, size;
	ssize_t r;
	int sync;

	imapd_capability(sess, caps);
	imapd_untagged(sess, "OK [CAPABILITY %s] Estuary IMAP ready",
	    sbuf_str(caps));
	sbuf_free(&caps);
	sess->end_reason = "logout";
	while (!sess->quit) {
		if (sess->inoff == sess->inlen) {
			if ((r = fill(sess)) <= 0) {
				end_input(sess, r);
				break;
			}
		}
		st = imap_parser_feed(sess->parser, sess->inbuf + sess->inoff,
		    sess->inlen - sess->inoff, &used);
		sess->inoff += used;
		if (st == IMAP_PARSE_MORE)
			continue;
		if (st == IMAP_PARSE_LITERAL) {
			imap_parser_literal(sess->parser, &size, &sync);
			if (sync) {
				(void)stream_puts(sess->s,
				    "+ Ready for literal data\r\n");
				(void)stream_flush(sess->s);
			}
			continue;
		}
		if (st == IMAP_PARSE_OK) {
			args = imap_parser_args(sess->parser, &count);
			imapd_cmd_run(sess, imap_parser_tag(sess->parser),
			    imap_parser_command(sess->parser), args, count);
			imap_parser_reset(sess->parser);
		} else if (parse_failed(sess, st)) {
			sess->quit = 2;
			break;
		}
		sess->tag = NULL;
		if (!sess->quit && sess->bad >= var_imapd_bad_command_limit) {
			imapd_untagged(sess, "BYE Too many bad commands");
			sess->end_reason = "too-many-bad-commands";
			break;
		}
	}
	(void)stream_flush(sess->s);
	msg_info("disconnect reason=%s%s%s state=%s user=%s fetched=%lu "
	    "appended=%lu expunged=%lu bad=%d", sess->end_reason,
	    *stream_reason(sess->s) ? " detail=" : "", stream_reason(sess->s),
	    imapd_state_name(sess->state), *sess->user ? sess->user : "-",
	    sess->fetched, sess->appended, sess->expunged, sess->bad);
}

/* imapd_conn_run - one connection */
void
imapd_conn_run(struct server_conn *conn, struct imapd_ctx *ctx)
{
	struct imapd_session sess;
	struct stream *s;
	const char *error;

	s = stream_fdopen(conn->fd, STREAM_NOCLOSE, 65536);
	stream_set_timeout(s, var_imapd_timeout);
	msg_info("connect from %s port %d service=%s", conn->peer_addr,
	    conn->peer_port, ctx->service_name);
	imapd_session_init(&sess, conn, ctx, s);
	if (ctx->implicit_tls && stream_start_tls(s, ctx->tls, 1, NULL,
	    &error) < 0)
		msg_info("disconnect reason=\"TLS handshake: %s\"",
		    log_safe(error));
	else
		imapd_session_run(&sess);
	imapd_session_free(&sess);
	stream_free(&s);
}
