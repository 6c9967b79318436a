/*
 * smtpd_deliver - the message, written once, made durable before the 250.
 *
 * At DATA a store delivery is begun: its spool file (mail_dir/.spool/)
 * receives a Received: header (RFC 5321 4.4: HELO name and address, TLS
 * in a comment, the protocol as RFC 3848 names it, the session id, "for"
 * when there is one recipient) and then the message as the DATA decoder
 * gives it, with CR LF turned into LF (Maildir files use LF). The first
 * Message-ID header is noted for the index on the way.
 *
 * After the end marker: every local recipient is added, the remote ones
 * are queued with queue_enqueue() on the same spool file (it links or
 * copies and fsyncs), then store_delivery_commit() makes every local copy
 * durable and indexed. Only then is the answer 250; any failure gives
 * 451 4.3.0 and the client tries again. A failure after the queued copy
 * exists may give its recipients a second copy on that retry (a
 * duplicate, never a loss), and is logged so.
 *
 * XXX Quota is checked at RCPT with the SIZE= the client announced, not
 * again with the real size after DATA: one reply covers every recipient
 * there, so one full mailbox would refuse the message for all.
 *
 * Logs: per copy "from=<> to=<> status=delivered uid=" or "status=queued
 * queue_id=", then one line per message "status=sent" with its size,
 * Message-ID and recipient counts.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "queue.h"
#include "sbuf.h"
#include "smtpd.h"
#include "store.h"
#include "stream.h"

#define OUT_BUF_SIZE	65536
#define HDR_LINE_MAX	998		/* RFC 5322 line limit */

struct smtpd_delivery {
	struct store_delivery *sd;
	int	fd;
	char   *out;			/* write buffer */
	size_t	out_len;
	int	held_cr;		/* a CR waiting to see if LF follows */
	int	in_headers;		/* still in the header section */
	struct sbuf *line;		/* the header line being read */
	int	line_over;		/* it passed HDR_LINE_MAX */
	struct sbuf *msgid_hdr;		/* the Message-ID field being read */
	int	msgid_open;		/* msgid_hdr may get continuations */
	char   *message_id;		/* "<...>" or NULL */
	const char *error;		/* sticky write error */
};

/* out_flush - write the buffer to the spool file */
static int
out_flush(struct smtpd_delivery *dv)
{
	if (fdio_write_all(dv->fd, dv->out, dv->out_len) < 0) {
		dv->error = strerror(errno);
		return (-1);
	}
	dv->out_len = 0;
	return (0);
}

/* out_put - buffer bytes for the spool file */
static int
out_put(struct smtpd_delivery *dv, const char *p, size_t n)
{
	size_t room;

	while (n > 0) {
		if (dv->out_len == OUT_BUF_SIZE && out_flush(dv) < 0)
			return (-1);
		room = OUT_BUF_SIZE - dv->out_len;
		if (room > n)
			room = n;
		memcpy(dv->out + dv->out_len, p, room);
		dv->out_len += room;
		p += room;
		n -= room;
	}
	return (0);
}

/* msgid_finish - a complete Message-ID field: keep its "<...>" */
static void
msgid_finish(struct smtpd_delivery *dv)
{
	const char *s, *lt, *gt;

	dv->msgid_open = 0;
	if (dv->message_id != NULL || sbuf_len(dv->msgid_hdr) == 0)
		return;
	s = sbuf_str(dv->msgid_hdr);
	if ((lt = strchr(s, '<')) != NULL && (gt = strchr(lt, '>')) != NULL)
		dv->message_id = xstrndup(lt, (size_t)(gt - lt) + 1);
	sbuf_reset(dv->msgid_hdr);
}

/* header_line - one complete header line (without its LF) */
static void
header_line(struct smtpd_delivery *dv)
{
	const char *s = sbuf_str(dv->line);
	size_t n = sbuf_len(dv->line);

	if (n == 0) {
		msgid_finish(dv);
		dv->in_headers = 0;
		return;
	}
	if (s[0] == ' ' || s[0] == '\t') {
		if (dv->msgid_open && !dv->line_over)
			(void)sbuf_append(dv->msgid_hdr, s, n);
		return;
	}
	msgid_finish(dv);
	if (!dv->line_over && n > 11 && strncasecmp(s, "Message-ID:", 11) == 0
	    && dv->message_id == NULL) {
		(void)sbuf_append(dv->msgid_hdr, s + 11, n - 11);
		dv->msgid_open = 1;
	}
}

/* scan_headers - follow the header section of LF-ended output */
static void
scan_headers(struct smtpd_delivery *dv, const char *p, size_t n)
{
	const char *lf;
	size_t chunk;

	while (n > 0 && dv->in_headers) {
		lf = memchr(p, '\n', n);
		chunk = lf != NULL ? (size_t)(lf - p) : n;
		if (!dv->line_over && (sbuf_len(dv->line) + chunk >
		    HDR_LINE_MAX || sbuf_append(dv->line, p, chunk) < 0))
			dv->line_over = 1;
		if (lf == NULL)
			return;
		header_line(dv);
		sbuf_reset(dv->line);
		dv->line_over = 0;
		p = lf + 1;
		n -= chunk + 1;
	}
}

/* emit - LF-ended message bytes to the file and the header scanner */
static int
emit(struct smtpd_delivery *dv, const char *p, size_t n)
{
	if (n == 0)
		return (0);
	if (dv->in_headers)
		scan_headers(dv, p, n);
	return (out_put(dv, p, n));
}

/* smtpd_deliver_write - CR LF to LF, then emit */
int
smtpd_deliver_write(struct smtpd_delivery *dv, const char *buf, size_t len,
    const char **error_r)
{
	const char *cr, *end = buf + len;

	if (dv->error != NULL) {
		*error_r = dv->error;
		return (-1);
	}
	while (buf < end) {
		if (dv->held_cr) {
			dv->held_cr = 0;
			if (*buf != '\n' && emit(dv, "\r", 1) < 0)
				break;
		}
		cr = memchr(buf, '\r', (size_t)(end - buf));
		if (cr == NULL) {
			(void)emit(dv, buf, (size_t)(end - buf));
			break;
		}
		if (emit(dv, buf, (size_t)(cr - buf)) < 0)
			break;
		buf = cr + 1;
		if (buf == end) {
			dv->held_cr = 1;
			break;
		}
		if (*buf != '\n' && emit(dv, "\r", 1) < 0)
			break;
	}
	if (dv->error != NULL) {
		*error_r = dv->error;
		return (-1);
	}
	return (0);
}

/* received_header - the Received: field for this transaction */
static void
received_header(struct smtpd_session *sess, struct sbuf *h)
{
	const char *tls = stream_tls_info(sess->s), *addr;
	char date[64];
	struct tm tm;
	time_t now = time(NULL);

	addr = sess->conn->peer_addr;
	(void)sbuf_appendf(h, "Received: from %s ([%s%s])\n", sess->helo,
	    strchr(addr, ':') != NULL ? "IPv6:" : "", addr);
	if (*tls != '\0')
		(void)sbuf_appendf(h, "\t(using %s)\n", tls);
	(void)sbuf_appendf(h, "\tby %s (Estuary) with %sSMTP%s%s id %s",
	    var_myhostname, sess->esmtp ? "E" : "", *tls != '\0' ? "S" : "",
	    sess->auth_user != NULL ? "A" : "", msg_session());
	if (sess->txn.rcpts.n == 1)
		(void)sbuf_appendf(h, "\n\tfor <%s>", sess->txn.rcpts.v[0]);
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S %z", &tm) == 0)
		date[0] = '\0';
	(void)sbuf_appendf(h, ";\n\t%s\n", date);
}

/* smtpd_deliver_begin - spool file and Received: header */
struct smtpd_delivery *
smtpd_deliver_begin(struct smtpd_session *sess, const char **error_r)
{
	struct smtpd_delivery *dv;
	struct store_delivery *sd;
	struct sbuf *h;

	if ((sd = store_delivery_begin(sess->ctx->store, error_r)) == NULL)
		return (NULL);
	dv = xcalloc(1, sizeof(*dv));
	dv->sd = sd;
	dv->fd = store_delivery_fd(sd);
	dv->out = xmalloc(OUT_BUF_SIZE);
	dv->in_headers = 1;
	dv->line = sbuf_new(HDR_LINE_MAX + 1);
	dv->msgid_hdr = sbuf_new(4 * HDR_LINE_MAX);
	h = sbuf_new(4096);
	received_header(sess, h);
	if (out_put(dv, sbuf_str(h), sbuf_len(h)) < 0) {
		*error_r = dv->error;
		sbuf_free(&h);
		smtpd_deliver_abort(&dv);
		return (NULL);
	}
	sbuf_free(&h);
	return (dv);
}

/* smtpd_deliver_abort - drop everything */
void
smtpd_deliver_abort(struct smtpd_delivery **dvp)
{
	struct smtpd_delivery *dv = *dvp;

	if (dv == NULL)
		return;
	store_delivery_free(&dv->sd);
	free(dv->out);
	sbuf_free(&dv->line);
	sbuf_free(&dv->msgid_hdr);
	free(dv->message_id);
	free(dv);
	*dvp = NULL;
}

/* fail - a 451 for the DATA reply */
static void
fail(struct smtpd_verdict *v)
{
	v->code = 451;
	v->enhanced = "4.3.0";
	snprintf(v->text, sizeof(v->text), "Error: cannot store the message "
	    "now, try again later");
	v->status = "deferred";
}

/* smtpd_deliver_finish - queue, commit, answer */
void
smtpd_deliver_finish(struct smtpd_session *sess,
    struct smtpd_delivery **dvp, uint64_t size, struct smtpd_verdict *v)
{
	struct smtpd_delivery *dv = *dvp;
	struct smtpd_txn *txn = &sess->txn;
	struct queue_envelope env;
	struct store_meta meta;
	char qid[QUEUE_ID_MAX] = "", client[SMTP_DOMAIN_MAX + 80];
	const char *error = NULL, *sender = log_safe(txn->sender);
	uint32_t uidv, uid;
	int i;

	memset(v, 0, sizeof(*v));
	if (dv->held_cr) {
		dv->held_cr = 0;
		(void)emit(dv, "\r", 1);
	}
	if (dv->in_headers)
		msgid_finish(dv);
	if (dv->error != NULL || out_flush(dv) < 0) {
		msg_warn("from=<%s> status=deferred reason=\"spool write: %s\"",
		    sender, dv->error);
		goto failed;
	}
	for (i = 0; i < txn->local.n; i++) {
		if (store_delivery_add(dv->sd, txn->local.v[i], NULL,
		    &error) < 0) {
			msg_warn("from=<%s> to=<%s> status=deferred "
			    "reason=\"%s\"", sender, txn->local.v[i], error);
			goto failed;
		}
	}
	if (txn->remote.n > 0) {
		snprintf(client, sizeof(client), "%s [%s]", sess->helo,
		    sess->conn->peer_addr);
		memset(&env, 0, sizeof(env));
		env.sender = txn->sender;
		env.rcpts = (const char *const *)txn->remote.v;
		env.rcpt_count = txn->remote.n;
		env.client = client;
		env.auth_user = sess->auth_user;
		if (queue_enqueue(var_queue_dir, store_delivery_path(dv->sd),
		    &env, qid, &error) < 0) {
			msg_warn("from=<%s> status=deferred reason=\"queue: "
			    "%s\"", sender, error);
			goto failed;
		}
	}
	if (txn->local.n > 0) {
		memset(&meta, 0, sizeof(meta));
		meta.message_id = dv->message_id;
		meta.origin = "smtp";
		if (store_delivery_commit(dv->sd, &meta, &error) < 0) {
			msg_warn("from=<%s> status=deferred reason=\"store: "
			    "%s\"%s%s", sender, error, *qid ? " queued_copy="
			    : "", qid);
			goto failed;
		}
	}
	for (i = 0; i < txn->local.n; i++) {
		if (store_delivery_uid(dv->sd, i, &uidv, &uid) < 0)
			uidv = uid = 0;
		msg_info("from=<%s> to=<%s> status=delivered uid=%lu/%lu",
		    sender, txn->local.v[i], (unsigned long)uidv,
		    (unsigned long)uid);
	}
	for (i = 0; i < txn->remote.n; i++)
		msg_info("from=<%s> to=<%s> status=queued queue_id=%s",
		    sender, log_safe(txn->remote.v[i]), qid);
	if (txn->remote.n > 0)
		queue_kick(var_queue_dir);
	msg_info("from=<%s> status=sent size=%llu msgid=%s nrcpt=%d local=%d "
	    "queued=%d", sender, (unsigned long long)size,
	    dv->message_id != NULL ? log_safe(dv->message_id) : "none",
	    txn->rcpts.n, txn->local.n, txn->remote.n);
	v->code = 250;
	v->enhanced = "2.0.0";
	snprintf(v->text, sizeof(v->text), "Ok: message accepted, id %s",
	    msg_session());
	v->status = "sent";
	smtpd_deliver_abort(dvp);
	return;
failed:
	fail(v);
	smtpd_deliver_abort(dvp);
}
