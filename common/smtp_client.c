/*
 * smtp_client - the SMTP client session (see smtp_client.h).
 *
 * A session is a stream with a fixed line limit (SMTP_REPLY_LINE_MAX) and
 * a timeout for every wait. Replies are assembled line by line with
 * smtp_reply_parse(); anything that breaks the dialogue (EOF, timeout, a
 * malformed or over-long reply line) marks the session broken, so no
 * QUIT is sent and the caller gets code 0 with the stream's reason.
 *
 * With PIPELINING the whole envelope (MAIL, every RCPT, DATA) goes out in
 * one write and the replies are read in order (RFC 2920 section 3.1: DATA
 * is the last command of a group); without it each command waits for its
 * reply. The message is sent from a descriptor in blocks, through the
 * smtp_parse.h encoder that adds dot-stuffing and turns bare LFs into CR
 * LF, so the relay's spool files (LF line ends) go out as RFC 5321 wants.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "sbuf.h"
#include "smtp_client.h"
#include "smtp_parse.h"
#include "stream.h"
#include "strnum.h"

#define SMTP_CLIENT_BLOCK	16384
#define SMTP_CLIENT_CMD_MAX	1024

struct smtp_client {
	struct stream *s;
	struct sbuf *line;
	struct smtp_reply reply;
	struct smtp_ehlo ehlo;
	struct smtp_client_opts opts;
	char   *helo_name;
	char   *servername;
	int	broken;			/* no more dialogue */
	char	why[SMTP_CLIENT_TEXT_MAX];	/* why it broke */
	int	greeted;		/* EHLO/HELO accepted */
};

/* smtp_client_outcome - the class of a result */
enum smtp_client_outcome
smtp_client_outcome(const struct smtp_client_result *res)
{
	if (res->code >= 200 && res->code < 300)
		return (SMTP_CLIENT_OK);
	if (res->code >= 500 && res->code < 600)
		return (SMTP_CLIENT_PERMFAIL);
	return (SMTP_CLIENT_TEMPFAIL);
}

/* copy_clean - s[0..n) into out at *pos, control bytes as '?' */
static void
copy_clean(char *out, size_t size, size_t *pos, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && *pos + 1 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		out[(*pos)++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	out[*pos] = '\0';
}

/* smtp_client_result_set - a complete reply into res */
void
smtp_client_result_set(struct smtp_client_result *res,
    const struct smtp_reply *reply)
{
	const char *p = reply->text, *nl;
	size_t pos = 0, n;

	res->code = reply->code;
	memcpy(res->enhanced, reply->enhanced, sizeof(res->enhanced));
	res->text[0] = '\0';
	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		if (pos > 0)
			copy_clean(res->text, sizeof(res->text), &pos, "; ", 2);
		copy_clean(res->text, sizeof(res->text), &pos, p, n);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

/* smtp_client_result_fail - no reply, for a reason */
void
smtp_client_result_fail(struct smtp_client_result *res, const char *reason)
{
	size_t pos = 0;

	res->code = 0;
	res->enhanced[0] = '\0';
	res->text[0] = '\0';
	copy_clean(res->text, sizeof(res->text), &pos, reason, strlen(reason));
}

/* smtp_client_format_result - one line for logs and envelopes */
void
smtp_client_format_result(const struct smtp_client_result *res, char *out,
    size_t size)
{
	int n;

	if (res->code == 0)
		n = snprintf(out, size, "no reply: %s", res->text);
	else
		n = snprintf(out, size, "%d%s%s%s%s", res->code,
		    *res->enhanced != '\0' ? " " : "", res->enhanced,
		    *res->text != '\0' ? " " : "", res->text);
	if (n < 0 && size > 0)
		out[0] = '\0';
}

/* smtp_client_parse_nexthop - "[host]:port" and friends */
int
smtp_client_parse_nexthop(const char *s, char *host, size_t hsize,
    int *port_r, int *no_mx_r)
{
	const char *h, *end, *port = NULL;
	size_t hlen;

	*port_r = 25;
	*no_mx_r = 0;
	if (hsize > 0)
		host[0] = '\0';
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			return (-1);
		h = s + 1;
		hlen = (size_t)(end - h);
		if (end[1] == ':')
			port = end + 2;
		else if (end[1] != '\0')
			return (-1);
		*no_mx_r = 1;
	} else {
		h = s;
		if ((end = strchr(s, ':')) != NULL) {
			if (strchr(end + 1, ':') != NULL)
				return (-1);	/* IPv6 needs brackets */
			hlen = (size_t)(end - s);
			port = end + 1;
		} else {
			hlen = strlen(s);
		}
	}
	if (hlen == 0 || hlen >= hsize || hlen > SMTP_DOMAIN_MAX)
		return (-1);
	if (strcspn(h, " \t\r\n[]/") < hlen)
		return (-1);
	if (port != NULL && strnum_int(port, 1, 65535, port_r) < 0)
		return (-1);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	return (0);
}

/* smtp_client_format_mail - the MAIL command with its parameters */
int
smtp_client_format_mail(const struct smtp_client_msg *msg, unsigned ext,
    char *out, size_t size)
{
	char xtext[3 * SMTP_ENVID_MAX + 1];
	size_t xlen;
	int n;

	n = snprintf(out, size, "MAIL FROM:<%s>", msg->sender);
	if (n < 0 || (size_t)n >= size)
		return (-1);
	if ((ext & SMTP_EXT_SIZE) && msg->size > 0) {
		n += snprintf(out + n, size - (size_t)n, " SIZE=%" PRIu64,
		    msg->size);
		if ((size_t)n >= size)
			return (-1);
	}
	if (ext & SMTP_EXT_DSN) {
		n += snprintf(out + n, size - (size_t)n, " RET=%s",
		    msg->ret_hdrs ? "HDRS" : "FULL");
		if ((size_t)n >= size)
			return (-1);
		if (msg->envid != NULL && *msg->envid != '\0'
		    && strlen(msg->envid) <= SMTP_ENVID_MAX
		    && smtp_xtext_encode(msg->envid, strlen(msg->envid),
		    xtext, sizeof(xtext), &xlen) == SMTP_PARSE_OK) {
			n += snprintf(out + n, size - (size_t)n, " ENVID=%s",
			    xtext);
			if ((size_t)n >= size)
				return (-1);
		}
	}
	return (0);
}

/* smtp_client_new - a client on a connected socket */
struct smtp_client *
smtp_client_new(int fd, const struct smtp_client_opts *opts)
{
	struct smtp_client *c = xcalloc(1, sizeof(*c));

	c->opts = *opts;
	c->helo_name = xstrdup(opts->helo_name != NULL ? opts->helo_name :
	    "localhost");
	c->servername = opts->servername != NULL ?
	    xstrdup(opts->servername) : NULL;
	c->opts.helo_name = c->helo_name;
	c->opts.servername = c->servername;
	c->s = stream_fdopen(fd, STREAM_RDWR, SMTP_REPLY_LINE_MAX);
	stream_set_timeout(c->s, opts->timeout);
	c->line = sbuf_new(SMTP_REPLY_LINE_MAX + 16);
	return (c);
}

/* broken - the dialogue is over; res says why */
static int
broken(struct smtp_client *c, struct smtp_client_result *res,
    const char *why)
{
	char buf[SMTP_CLIENT_TEXT_MAX];

	c->broken = 1;
	if (why == NULL) {
		snprintf(buf, sizeof(buf), "lost connection: %s",
		    *stream_reason(c->s) != '\0' ? stream_reason(c->s) :
		    "error");
		why = buf;
	}
	snprintf(c->why, sizeof(c->why), "%s", why);
	smtp_client_result_fail(res, why);
	return (-1);
}

/* command - send one command line (buffered; flush before reading) */
static int
command(struct smtp_client *c, const char *line,
    struct smtp_client_result *res)
{
	if (stream_puts(c->s, line) < 0 || stream_puts(c->s, "\r\n") < 0)
		return (broken(c, res, NULL));
	return (0);
}

/* read_reply - flush, then read one whole reply into res */
static int
read_reply(struct smtp_client *c, struct smtp_client_result *res)
{
	char why[128];
	int st;

	if (c->broken) {
		smtp_client_result_fail(res, c->why);
		return (-1);
	}
	if (stream_flush(c->s) < 0)
		return (broken(c, res, NULL));
	smtp_reply_init(&c->reply);
	for (;;) {
		st = stream_read_line(c->s, c->line);
		if (st == STREAM_LINE_TOO_LONG)
			return (broken(c, res, "malformed reply: line too "
			    "long"));
		if (st != STREAM_LINE_OK)
			return (broken(c, res, NULL));
		st = smtp_reply_parse(&c->reply, sbuf_str(c->line),
		    sbuf_len(c->line));
		if (st == SMTP_REPLY_MORE)
			continue;
		if (st == SMTP_REPLY_DONE)
			break;
		snprintf(why, sizeof(why), "malformed reply: %s",
		    smtp_reply_status_name(st));
		return (broken(c, res, why));
	}
	smtp_client_result_set(res, &c->reply);
	return (0);
}

/*
 * rcpt_reply - read one RCPT reply into *rcpt (and *fail), counting a 2xx
 * into *accepted; -1 when the session broke (*fail says why)
 */
static int
rcpt_reply(struct smtp_client *c, struct smtp_client_result *rcpt,
    struct smtp_client_result *fail, int *accepted)
{
	if (read_reply(c, fail) < 0)
		return (-1);
	*rcpt = *fail;
	if (fail->code / 100 == 2)
		(*accepted)++;
	return (0);
}

/* ehlo - EHLO, or HELO when EHLO is refused; 0 on 250 */
static int
ehlo(struct smtp_client *c, struct smtp_client_result *res, int helo_ok)
{
	char cmd[SMTP_CLIENT_CMD_MAX];

	memset(&c->ehlo, 0, sizeof(c->ehlo));
	snprintf(cmd, sizeof(cmd), "EHLO %s", c->helo_name);
	if (command(c, cmd, res) < 0 || read_reply(c, res) < 0)
		return (-1);
	if (res->code == 250) {
		smtp_reply_ehlo(&c->reply, &c->ehlo);
		return (0);
	}
	if (!helo_ok || res->code < 500)
		return (-1);
	snprintf(cmd, sizeof(cmd), "HELO %s", c->helo_name);
	if (command(c, cmd, res) < 0 || read_reply(c, res) < 0)
		return (-1);
	return (res->code == 250 ? 0 : -1);
}

/* smtp_client_hello - greeting, EHLO, STARTTLS */
int
smtp_client_hello(struct smtp_client *c, struct smtp_client_result *res)
{
	struct smtp_client_result tls_res;
	const char *error;
	char why[SMTP_CLIENT_TEXT_MAX];

	if (read_reply(c, res) < 0)
		return (-1);
	if (res->code != 220)
		return (-1);
	if (ehlo(c, res, 1) < 0)
		return (-1);
	if (c->opts.tls != NULL && (c->ehlo.ext & SMTP_EXT_STARTTLS)) {
		if (command(c, "STARTTLS", &tls_res) < 0
		    || read_reply(c, &tls_res) < 0) {
			*res = tls_res;
			return (-1);
		}
		/* A refused STARTTLS leaves the plaintext session usable. */
		if (tls_res.code == 220) {
			if (stream_start_tls(c->s, c->opts.tls, 0,
			    c->opts.servername, &error) < 0) {
				snprintf(why, sizeof(why), "TLS handshake "
				    "failed: %s", error);
				return (broken(c, res, why));
			}
			if (ehlo(c, res, 0) < 0)
				return (-1);
		}
	}
	c->greeted = 1;
	return (0);
}

/* smtp_client_ehlo - the extensions offered */
const struct smtp_ehlo *
smtp_client_ehlo(const struct smtp_client *c)
{
	return (&c->ehlo);
}

/* smtp_client_tls - over TLS? */
int
smtp_client_tls(const struct smtp_client *c)
{
	return (stream_is_tls(c->s));
}

/* smtp_client_tls_info - protocol and cipher */
const char *
smtp_client_tls_info(const struct smtp_client *c)
{
	return (stream_tls_info(c->s));
}

/* send_body - the message from fd, encoded, then "." */
static int
send_body(struct smtp_client *c, int fd, struct smtp_client_result *res)
{
	struct smtp_data_encoder enc;
	char *in = xmalloc(SMTP_CLIENT_BLOCK);
	char *out = xmalloc(2 * SMTP_CLIENT_BLOCK + SMTP_DATA_END_MAX);
	size_t used, olen;
	ssize_t n;
	char why[128];
	int ret = 0;

	smtp_data_encoder_init(&enc);
	for (;;) {
		n = read(fd, in, SMTP_CLIENT_BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* Our own file failed: the session cannot go on. */
			snprintf(why, sizeof(why), "cannot read the message: "
			    "%s", strerror(errno));
			ret = broken(c, res, why);
			break;
		}
		if (n == 0)
			break;
		(void)smtp_data_encode(&enc, in, (size_t)n, out,
		    2 * SMTP_CLIENT_BLOCK, &used, &olen);
		if (stream_write(c->s, out, olen) < 0) {
			ret = broken(c, res, NULL);
			break;
		}
	}
	if (ret == 0) {
		(void)smtp_data_encode_end(&enc, out,
		    2 * SMTP_CLIENT_BLOCK + SMTP_DATA_END_MAX, &olen);
		if (stream_write(c->s, out, olen) < 0)
			ret = broken(c, res, NULL);
	}
	free(in);
	free(out);
	return (ret);
}

/* all_rcpts - every recipient gets the same result */
static void
all_rcpts(struct smtp_client_result *rcpt_res, int count,
    const struct smtp_client_result *res)
{
	int i;

	for (i = 0; i < count; i++)
		rcpt_res[i] = *res;
}

/* rset - back to a clean state after a transaction that did not end */
static int
rset(struct smtp_client *c)
{
	struct smtp_client_result r;

	if (command(c, "RSET", &r) < 0 || read_reply(c, &r) < 0)
		return (-1);
	if (r.code != 250)
		return (broken(c, &r, "RSET refused"));
	return (0);
}

/* smtp_client_send - one transaction */
int
smtp_client_send(struct smtp_client *c, const struct smtp_client_msg *msg,
    struct smtp_client_result *rcpt_res, struct smtp_client_result *res)
{
	struct smtp_client_result data_res, fail;
	char cmd[SMTP_CLIENT_CMD_MAX];
	char *unsent = xcalloc((size_t)msg->rcpt_count + 1, 1);
	int pipelining = (c->ehlo.ext & SMTP_EXT_PIPELINING) != 0;
	int i, accepted = 0, mail_ok, ret;

	memset(res, 0, sizeof(*res));
	memset(&data_res, 0, sizeof(data_res));
	for (i = 0; i < msg->rcpt_count; i++)
		memset(&rcpt_res[i], 0, sizeof(rcpt_res[i]));
	if (!c->greeted || c->broken) {
		smtp_client_result_fail(res, "session not ready");
		all_rcpts(rcpt_res, msg->rcpt_count, res);
		free(unsent);
		return (-1);
	}
	if ((c->ehlo.ext & SMTP_EXT_SIZE) && c->ehlo.size > 0
	    && msg->size > c->ehlo.size) {
		res->code = 552;
		memcpy(res->enhanced, "5.3.4", 6);
		snprintf(res->text, sizeof(res->text), "message size %" PRIu64
		    " exceeds the server's limit of %" PRIu64, msg->size,
		    c->ehlo.size);
		all_rcpts(rcpt_res, msg->rcpt_count, res);
		free(unsent);
		return (0);
	}
	if (smtp_client_format_mail(msg, c->ehlo.ext, cmd, sizeof(cmd)) < 0) {
		res->code = 501;
		memcpy(res->enhanced, "5.1.7", 6);
		snprintf(res->text, sizeof(res->text), "sender address too "
		    "long");
		all_rcpts(rcpt_res, msg->rcpt_count, res);
		free(unsent);
		return (0);
	}

	/* MAIL, then each RCPT; with PIPELINING also DATA, all at once. */
	if (command(c, cmd, res) < 0)
		goto io_failed;
	if (!pipelining && read_reply(c, res) < 0)
		goto io_failed;
	mail_ok = pipelining || res->code == 250;
	for (i = 0; mail_ok && i < msg->rcpt_count; i++) {
		if (snprintf(cmd, sizeof(cmd), "RCPT TO:<%s>", msg->rcpts[i])
		    >= (int)sizeof(cmd)) {
			/* Never sent, so no reply to read for it. */
			unsent[i] = 1;
			rcpt_res[i].code = 501;
			memcpy(rcpt_res[i].enhanced, "5.1.3", 6);
			snprintf(rcpt_res[i].text, sizeof(rcpt_res[i].text),
			    "recipient address too long");
			continue;
		}
		if (command(c, cmd, &fail) < 0)
			goto io_failed;
		if (pipelining)
			continue;
		if (rcpt_reply(c, &rcpt_res[i], &fail, &accepted) < 0)
			goto io_failed;
	}
	if (pipelining) {
		if (command(c, "DATA", &fail) < 0 || read_reply(c, res) < 0)
			goto io_failed;
		mail_ok = res->code == 250;
		for (i = 0; i < msg->rcpt_count; i++) {
			if (unsent[i])
				continue;
			if (rcpt_reply(c, &rcpt_res[i], &fail, &accepted) < 0)
				goto io_failed;
		}
		if (read_reply(c, &fail) < 0)
			goto io_failed;
		data_res = fail;
	} else if (mail_ok && accepted > 0) {
		if (command(c, "DATA", &fail) < 0 || read_reply(c, &fail) < 0)
			goto io_failed;
		data_res = fail;
	}
	free(unsent);
	unsent = NULL;

	if (!mail_ok || accepted == 0) {
		/* A refused sender is every recipient's answer. */
		if (!mail_ok)
			all_rcpts(rcpt_res, msg->rcpt_count, res);
		else
			*res = rcpt_res[0];
		/* RFC 2920: end data that should not have been invited. */
		if (data_res.code == 354 && (command(c, ".", &fail) < 0
		    || read_reply(c, &fail) < 0))
			return (-1);
		return (rset(c));
	}
	if (data_res.code != 354) {
		for (i = 0; i < msg->rcpt_count; i++)
			if (rcpt_res[i].code / 100 == 2)
				rcpt_res[i] = data_res;
		*res = data_res;
		return (rset(c));
	}
	ret = send_body(c, msg->data_fd, &fail);
	if (ret == 0)
		ret = read_reply(c, &fail);
	if (ret < 0)
		goto io_failed;
	*res = fail;
	for (i = 0; i < msg->rcpt_count; i++)
		if (rcpt_res[i].code / 100 == 2)
			rcpt_res[i] = *res;
	return (0);

io_failed:
	/* Who had no final answer yet shares the failure (code 0). */
	free(unsent);
	smtp_client_result_fail(&fail, c->why);
	*res = fail;
	for (i = 0; i < msg->rcpt_count; i++)
		if (rcpt_res[i].code == 0 || rcpt_res[i].code / 100 == 2)
			rcpt_res[i] = fail;
	return (-1);
}

/* smtp_client_free - QUIT if we can, then close */
void
smtp_client_free(struct smtp_client **cp)
{
	struct smtp_client *c = *cp;
	struct smtp_client_result r;

	if (c == NULL)
		return;
	if (!c->broken && command(c, "QUIT", &r) == 0)
		(void)read_reply(c, &r);
	stream_free(&c->s);
	sbuf_free(&c->line);
	free(c->helo_name);
	free(c->servername);
	free(c);
	*cp = NULL;
}
