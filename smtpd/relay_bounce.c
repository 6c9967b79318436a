/*
 * relay_bounce - delivery status notifications (RFC 3464) for mail that
 * could not be delivered.
 *
 * One bounce covers the failed recipients of an entry that were not yet
 * reported. It is a multipart/report with three parts: a few lines for
 * people, the message/delivery-status fields (per message: Reporting-MTA,
 * Original-Envelope-Id, Arrival-Date; per recipient: Final-Recipient,
 * Action: failed, Status, Diagnostic-Code, Last-Attempt-Date), and the
 * original message as message/rfc822, or only its header as
 * text/rfc822-headers when the sender asked for RET=HDRS or the message
 * is larger than bounce_size_limit. The bounce's sender is the null
 * reverse-path, so it can never cause another bounce.
 *
 * Where it goes: when the original sender's domain is hosted here, the
 * bounce is put straight into the sender's mailbox with the store
 * (store_append(); an alias sender gets it in each hosted user it points
 * to), as sending it over SMTP would take it to the relay host, which is
 * not the sender's home. Otherwise it is queued for the relay like any
 * outbound message. A bounce to a null sender is never made (the caller
 * checks); one that has no mailbox to go to is logged and dropped.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "queue.h"
#include "registry.h"
#include "relay.h"
#include "sbuf.h"
#include "store.h"

#define BOUNCE_MAX	(200 * 1024 * 1024)

/* rfc822_date - "Tue, 14 Nov 2023 22:13:20 +0000" */
static void
rfc822_date(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL
	    || strftime(buf, size, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		snprintf(buf, size, "Thu, 01 Jan 1970 00:00:00 +0000");
}

/* wanted - is recipient i a failure still to report? */
static int
wanted(const struct queue_entry *e, int i)
{
	return (e->rcpts[i].state == QUEUE_RCPT_FAILED
	    && !e->rcpts[i].notified);
}

/* diagnostic - "smtp; 550 5.1.1 ..." or "X-Estuary; ..." */
static void
diagnostic(struct sbuf *out, const char *error)
{
	if (error[0] >= '2' && error[0] <= '5' && error[1] >= '0'
	    && error[1] <= '9' && error[2] >= '0' && error[2] <= '9')
		(void)sbuf_appendf(out, "Diagnostic-Code: smtp; %s\n", error);
	else
		(void)sbuf_appendf(out, "Diagnostic-Code: X-Estuary; %s\n",
		    *error != '\0' ? error : "delivery failed");
}

/*
 * append_original - the original message (headers only if hdrs) from fd,
 * LF line ends kept. -1 if it cannot be read.
 */
static int
append_original(struct sbuf *out, int fd, int hdrs)
{
	char buf[8192];
	ssize_t n, i;
	int at_bol = 1, done = 0;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return (-1);
	while (!done) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-1);
		if (n == 0)
			break;
		if (!hdrs) {
			(void)sbuf_append(out, buf, (size_t)n);
			continue;
		}
		/* The header ends at the first empty line. */
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' && at_bol) {
				done = 1;
				break;
			}
			if (buf[i] == '\r' && at_bol && i + 1 < n
			    && buf[i + 1] == '\n') {
				done = 1;
				break;
			}
			(void)sbuf_appendc(out, buf[i]);
			at_bol = buf[i] == '\n';
		}
	}
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		(void)sbuf_appendc(out, '\n');
	return (0);
}

/* relay_bounce_compose - the DSN text */
int
relay_bounce_compose(const struct queue_entry *e, int data_fd, time_t now,
    const char *hostname, struct sbuf *out, const char **error_r)
{
	struct stat st;
	char date[64], boundary[QUEUE_ID_MAX + 64];
	int i, hdrs;

	if (fstat(data_fd, &st) < 0) {
		*error_r = "cannot stat the message file";
		return (-1);
	}
	hdrs = e->ret_hdrs || (uint64_t)st.st_size > var_bounce_size_limit;
	snprintf(boundary, sizeof(boundary), "%s.%lld/%s", e->id,
	    (long long)now, hostname);
	rfc822_date(now, date, sizeof(date));
	(void)sbuf_appendf(out,
	    "From: MAILER-DAEMON@%s (Mail Delivery System)\n"
	    "To: <%s>\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Date: %s\n"
	    "Message-ID: <%s.%lld.bounce@%s>\n"
	    "Auto-Submitted: auto-replied\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"%s\"\n"
	    "\n"
	    "This is a MIME-encapsulated message.\n"
	    "\n"
	    "--%s\n"
	    "Content-Description: Notification\n"
	    "Content-Type: text/plain; charset=us-ascii\n"
	    "\n"
	    "This is the mail system at host %s.\n"
	    "\n"
	    "Your message could not be delivered to one or more recipients.\n"
	    "The mail system's reasons are below.\n"
	    "\n",
	    hostname, e->sender, date, e->id, (long long)now, hostname,
	    boundary, boundary, hostname);
	for (i = 0; i < e->rcpt_count; i++)
		if (wanted(e, i))
			(void)sbuf_appendf(out, "<%s>: %s\n",
			    e->rcpts[i].address, *e->rcpts[i].error != '\0' ?
			    e->rcpts[i].error : "delivery failed");
	rfc822_date(e->arrival, date, sizeof(date));
	(void)sbuf_appendf(out, "\n--%s\n"
	    "Content-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n"
	    "\n"
	    "Reporting-MTA: dns; %s\n"
	    "X-Estuary-Queue-ID: %s\n", boundary, hostname, e->id);
	if (e->envid != NULL)
		(void)sbuf_appendf(out, "Original-Envelope-Id: %s\n",
		    e->envid);
	(void)sbuf_appendf(out, "Arrival-Date: %s\n", date);
	rfc822_date(now, date, sizeof(date));
	for (i = 0; i < e->rcpt_count; i++) {
		if (!wanted(e, i))
			continue;
		(void)sbuf_appendf(out, "\nFinal-Recipient: rfc822; %s\n"
		    "Action: failed\n"
		    "Status: %s\n", e->rcpts[i].address,
		    e->rcpts[i].status[0] == '5' ? e->rcpts[i].status :
		    e->rcpts[i].status[0] == '4' ? "4.4.7" : "5.0.0");
		diagnostic(out, e->rcpts[i].error);
		(void)sbuf_appendf(out, "Last-Attempt-Date: %s\n", date);
	}
	(void)sbuf_appendf(out, "\n--%s\n"
	    "Content-Description: Undelivered %s\n"
	    "Content-Type: %s\n"
	    "\n", boundary, hdrs ? "Message Headers" : "Message",
	    hdrs ? "text/rfc822-headers" : "message/rfc822");
	if (append_original(out, data_fd, hdrs) < 0) {
		*error_r = "cannot read the message file";
		return (-1);
	}
	if (sbuf_appendf(out, "\n--%s--\n", boundary) < 0) {
		*error_r = "bounce too large";
		return (-1);
	}
	return (0);
}

/* local_one - the bounce into one hosted user's INBOX; -1 temporary */
static int
local_one(const char *user, const struct sbuf *text, const char **error_r)
{
	struct store_meta meta;

	memset(&meta, 0, sizeof(meta));
	meta.origin = "local";
	return (store_append(relay_ctx.store, user, NULL, sbuf_str(text),
	    sbuf_len(text), &meta, NULL, NULL, error_r));
}

/*
 * send_local - the bounce to a hosted sender: a user, or an alias's
 * hosted users. 0 done or dropped, -1 temporary.
 */
static int
send_local(const struct queue_entry *e, const struct sbuf *text,
    const char **error_r)
{
	struct reg_user u;
	struct reg_alias *a;
	int i, n, ret = 0, found = 0;

	switch (registry_user_get(relay_ctx.reg, e->sender, &u, error_r)) {
	case 1:
		explicit_bzero(&u, sizeof(u));
		if (local_one(e->sender, text, error_r) < 0)
			return (-1);
		msg_info("id=%s: bounce delivered to <%s>", e->id,
		    log_safe(e->sender));
		return (0);
	case 0:
		break;
	default:
		return (-1);
	}
	a = xmalloc(sizeof(*a));
	n = registry_alias_get(relay_ctx.reg, e->sender, a, error_r);
	if (n < 0) {
		free(a);
		return (-1);
	}
	for (i = 0; n == 1 && i < a->target_count && ret == 0; i++) {
		switch (registry_user_get(relay_ctx.reg, a->targets[i], &u,
		    error_r)) {
		case 1:
			explicit_bzero(&u, sizeof(u));
			found++;
			ret = local_one(a->targets[i], text, error_r);
			if (ret == 0)
				msg_info("id=%s: bounce to <%s> delivered to "
				    "<%s>", e->id, log_safe(e->sender),
				    log_safe(a->targets[i]));
			break;
		case 0:
			break;
		default:
			ret = -1;
			break;
		}
	}
	free(a);
	if (ret == 0 && found == 0)
		msg_warn("id=%s: bounce to <%s> dropped: no such local user "
		    "(nor alias of one)", e->id, log_safe(e->sender));
	return (ret);
}

/* send_queued - the bounce queued with a null sender; -1 temporary */
static int
send_queued(const struct queue_entry *e, const struct sbuf *text,
    const char **error_r)
{
	const char *rcpts[1] = { e->sender };
	struct queue_envelope env;
	struct sbuf *path = sbuf_new(0);
	char id[QUEUE_ID_MAX];
	int fd, ret = -1;

	(void)sbuf_appendf(path, "%s/tmp/bounce.%s.%ld", var_queue_dir, e->id,
	    (long)getpid());
	fd = open(sbuf_str(path), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0660);
	if (fd < 0) {
		*error_r = "cannot create the bounce file";
		goto out;
	}
	if (write(fd, sbuf_str(text), sbuf_len(text))
	    != (ssize_t)sbuf_len(text)) {
		*error_r = "cannot write the bounce file";
		(void)close(fd);
		goto out_unlink;
	}
	(void)close(fd);
	memset(&env, 0, sizeof(env));
	env.sender = "";
	env.rcpts = rcpts;
	env.rcpt_count = 1;
	env.client = "bounce";
	if (queue_enqueue(var_queue_dir, sbuf_str(path), &env, id,
	    error_r) == 0) {
		msg_info("id=%s: bounce queued as id=%s to=<%s>", e->id, id,
		    log_safe(e->sender));
		ret = 0;
	}
out_unlink:
	(void)unlink(sbuf_str(path));
out:
	sbuf_free(&path);
	return (ret);
}

/* relay_bounce_send - compose and deliver or queue the bounce */
int
relay_bounce_send(const struct queue_entry *e, int data_fd,
    const char **error_r)
{
	struct reg_domain d;
	struct sbuf *text = sbuf_new(BOUNCE_MAX);
	const char *at = strrchr(e->sender, '@');
	int hosted, ret;

	if (relay_bounce_compose(e, data_fd, time(NULL), var_myhostname, text,
	    error_r) < 0) {
		sbuf_free(&text);
		return (-1);
	}
	hosted = at != NULL ? registry_domain_get(relay_ctx.reg, at + 1, &d,
	    error_r) : 0;
	if (hosted < 0)
		ret = -1;
	else if (hosted == 1)
		ret = send_local(e, text, error_r);
	else
		ret = send_queued(e, text, error_r);
	sbuf_free(&text);
	return (ret);
}
