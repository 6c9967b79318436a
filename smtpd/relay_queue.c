/*
 * relay_queue - one run over the outbound queue.
 *
 * Each entry is taken under its lock (queue_lock(), non-blocking: an
 * entry another runner holds is that runner's), its envelope read again
 * (the entry may have changed or gone since the directory was listed),
 * and its due recipients delivered: those pending whose next try has
 * come, or every pending one on a flush. Recipients are grouped by next
 * hop: all together with a relayhost, else one group per domain. The
 * outcome goes into the envelope (queue_update(): written whole, fsynced,
 * renamed) before anything else happens:
 *
 *	2xx		sent
 *	5xx		failed (permanent)
 *	4xx, no reply	pending again, attempts + 1, next try after
 *			minimal_backoff_time doubled per attempt, at most
 *			maximal_backoff_time; failed (status 4.4.7) once
 *			the entry is older than maximal_queue_lifetime
 *
 * Then failures not yet reported are bounced (relay_bounce.c) and marked
 * notified; a null sender's failures are only logged. An entry with no
 * pending recipient and nothing left to report is deleted. A crash after
 * a delivery and before the envelope update means that delivery is tried
 * again (SMTP's at-least-once); one between a bounce and its "notified"
 * mark may send that bounce twice. Nothing is lost.
 *
 * One log line per recipient attempt:
 *	id=ID to=<rcpt> relay=host[addr]:port status=sent|deferred|bounced
 *	(reply or reason)
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "queue.h"
#include "relay.h"
#include "sbuf.h"
#include "server.h"
#include "smtp_client.h"

struct relay_ids {
	char  (*ids)[QUEUE_ID_MAX];
	size_t	count;
	size_t	alloc;
};

/* collect - queue_list()'s callback: remember the id */
static int
collect(const char *id, void *ctx)
{
	struct relay_ids *l = ctx;

	if (l->count == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 256;
		l->ids = xreallocarray(l->ids, l->alloc, sizeof(*l->ids));
	}
	memcpy(l->ids[l->count++], id, strlen(id) + 1);
	return (0);
}

/* backoff - the wait after attempt number attempts (1, 2, ...) */
static time_t
backoff(int attempts)
{
	time_t d = var_minimal_backoff_time;
	int i;

	for (i = 1; i < attempts && d < var_maximal_backoff_time; i++)
		d *= 2;
	return (d < var_maximal_backoff_time ? d : var_maximal_backoff_time);
}

/* domain_of - the domain part of an address ("" without one) */
static const char *
domain_of(const char *address)
{
	const char *at = strrchr(address, '@');

	return (at != NULL ? at + 1 : "");
}

/* record - one recipient's outcome into the entry, and its log line */
static void
record(struct queue_entry *e, int i, const struct smtp_client_result *r,
    const char *relay, time_t now)
{
	struct queue_rcpt *rc = &e->rcpts[i];
	char text[SMTP_CLIENT_TEXT_MAX + 64];
	const char *status;

	smtp_client_format_result(r, text, sizeof(text));
	rc->attempts++;
	free(rc->error);
	rc->error = xstrdup(text);
	switch (smtp_client_outcome(r)) {
	case SMTP_CLIENT_OK:
		rc->state = QUEUE_RCPT_SENT;
		snprintf(rc->status, sizeof(rc->status), "%s",
		    *r->enhanced != '\0' ? r->enhanced : "2.0.0");
		status = "sent";
		break;
	case SMTP_CLIENT_PERMFAIL:
		rc->state = QUEUE_RCPT_FAILED;
		snprintf(rc->status, sizeof(rc->status), "%s",
		    *r->enhanced == '5' ? r->enhanced : "5.0.0");
		status = "bounced";
		break;
	default:
		snprintf(rc->status, sizeof(rc->status), "%s",
		    *r->enhanced == '4' ? r->enhanced : "4.0.0");
		if (now - e->arrival >= var_maximal_queue_lifetime) {
			rc->state = QUEUE_RCPT_FAILED;
			memcpy(rc->status, "4.4.7", 6);
			status = "expired";
		} else {
			rc->next_try = now + backoff(rc->attempts);
			status = "deferred";
		}
		break;
	}
	msg_info("id=%s to=<%s> relay=%s status=%s (%s)", e->id,
	    log_safe(rc->address), log_safe(relay), status, log_safe(text));
}

/* deliver_due - the due recipients, grouped by next hop */
static int
deliver_due(struct queue_entry *e, int data_fd, uint64_t size, int flush,
    time_t now)
{
	struct smtp_client_result *res;
	char relay[600];
	int *idx, *done, i, j, n, tried = 0;
	const char *dom;

	idx = xcalloc((size_t)e->rcpt_count, sizeof(*idx));
	done = xcalloc((size_t)e->rcpt_count, sizeof(*done));
	res = xcalloc((size_t)e->rcpt_count, sizeof(*res));
	for (i = 0; i < e->rcpt_count; i++)
		done[i] = e->rcpts[i].state != QUEUE_RCPT_PENDING
		    || (!flush && e->rcpts[i].next_try > now);
	for (i = 0; i < e->rcpt_count && !server_stopping(); i++) {
		if (done[i])
			continue;
		dom = domain_of(e->rcpts[i].address);
		for (n = 0, j = i; j < e->rcpt_count; j++) {
			if (done[j])
				continue;
			if (*var_relayhost == '\0' && strcasecmp(dom,
			    domain_of(e->rcpts[j].address)) != 0)
				continue;
			idx[n++] = j;
			done[j] = 1;
		}
		relay_deliver(e, idx, n, data_fd, size, res, relay,
		    sizeof(relay));
		for (j = 0; j < n; j++)
			record(e, idx[j], &res[j], relay, time(NULL));
		tried += n;
	}
	free(idx);
	free(done);
	free(res);
	return (tried);
}

/* expire - pending recipients of an entry past its lifetime fail */
static int
expire(struct queue_entry *e, time_t now)
{
	int i, n = 0;

	if (now - e->arrival < var_maximal_queue_lifetime)
		return (0);
	for (i = 0; i < e->rcpt_count; i++) {
		if (e->rcpts[i].state != QUEUE_RCPT_PENDING
		    || e->rcpts[i].attempts == 0)
			continue;
		e->rcpts[i].state = QUEUE_RCPT_FAILED;
		memcpy(e->rcpts[i].status, "4.4.7", 6);
		msg_info("id=%s to=<%s> relay=none status=expired (%s)",
		    e->id, log_safe(e->rcpts[i].address),
		    log_safe(e->rcpts[i].error));
		n++;
	}
	return (n);
}

/* notify - bounce the unreported failures; 1 if anything changed */
static int
notify(struct queue_entry *e, int data_fd)
{
	const char *error;
	int i, n = 0;

	for (i = 0; i < e->rcpt_count; i++)
		if (e->rcpts[i].state == QUEUE_RCPT_FAILED
		    && !e->rcpts[i].notified)
			n++;
	if (n == 0)
		return (0);
	if (*e->sender == '\0') {
		msg_info("id=%s: no bounce for %d failed recipient%s: null "
		    "sender", e->id, n, n == 1 ? "" : "s");
	} else if (relay_bounce_send(e, data_fd, &error) < 0) {
		msg_warn("id=%s: cannot send the bounce to <%s> now: %s",
		    e->id, log_safe(e->sender), error);
		return (0);
	}
	for (i = 0; i < e->rcpt_count; i++)
		if (e->rcpts[i].state == QUEUE_RCPT_FAILED)
			e->rcpts[i].notified = 1;
	return (1);
}

/* finished - nothing pending and nothing left to report? */
static int
finished(const struct queue_entry *e)
{
	int i;

	for (i = 0; i < e->rcpt_count; i++)
		if (e->rcpts[i].state == QUEUE_RCPT_PENDING
		    || (e->rcpts[i].state == QUEUE_RCPT_FAILED
		    && !e->rcpts[i].notified))
			return (0);
	return (1);
}

/* run_entry - one entry under its lock; 1 if a delivery was tried */
static int
run_entry(const char *id, int flush, time_t now)
{
	struct queue_entry e;
	struct stat st;
	const char *error;
	int fd, tried = 0, changed;

	if ((fd = queue_lock(var_queue_dir, id, 0, &error)) < 0) {
		/* -2: another runner has it; -1: deleted meanwhile. */
		if (fd == -1 && errno != ENOENT)
			msg_warn("id=%s: %s", id, error);
		return (0);
	}
	switch (queue_read(var_queue_dir, id, &e, &error)) {
	case 1:
		break;
	case 0:
		(void)close(fd);
		return (0);
	default:
		msg_warn("id=%s: skipped: %s", id, error);
		(void)close(fd);
		return (0);
	}
	msg_set_session(NULL);
	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	changed = expire(&e, now);
	if (changed == 0)
		tried = deliver_due(&e, fd, (uint64_t)st.st_size, flush, now);
	changed += tried;
	if (changed && queue_update(var_queue_dir, &e, &error) < 0) {
		/* Not recorded: tried again later, at worst delivered twice. */
		msg_warn("id=%s: cannot record the outcome: %s", id, error);
		goto out;
	}
	if (notify(&e, fd) && queue_update(var_queue_dir, &e, &error) < 0) {
		msg_warn("id=%s: cannot record the bounce: %s", id, error);
		goto out;
	}
	if (finished(&e)) {
		if (queue_delete(var_queue_dir, id, &error) < 0)
			msg_warn("id=%s: cannot remove: %s", id, error);
		else
			msg_info("id=%s: removed", id);
	}
out:
	queue_entry_free(&e);
	(void)close(fd);
	return (tried > 0);
}

/* relay_run - one pass over the queue, again while work turns up */
void
relay_run(int flush)
{
	struct relay_ids l = { NULL, 0, 0 };
	const char *error;
	size_t i;
	int passes, tried;

	/*
	 * Mail queued while a pass runs is picked up by another pass (its
	 * kick may have gone to this busy process); a flush applies to the
	 * first pass only, so deferred mail is not retried in a loop.
	 */
	for (passes = 0; passes < 100 && !server_stopping(); passes++) {
		l.count = 0;
		if (queue_list(var_queue_dir, collect, &l, &error) < 0) {
			msg_warn("cannot list the queue: %s", error);
			break;
		}
		for (tried = 0, i = 0; i < l.count && !server_stopping(); i++)
			tried += run_entry(l.ids[i], flush && passes == 0,
			    time(NULL));
		if (tried == 0)
			break;
	}
	free(l.ids);
}
