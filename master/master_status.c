/*
 * master_status - read the workers' status records.
 *
 * Every worker of a service writes fixed-size struct master_status
 * records to the service's pipe: IDLE when ready and after each
 * connection, BUSY after accept. Writes of that size are atomic, so the
 * pipe holds whole records unless a worker misbehaves. The records are
 * trusted for nothing beyond the pid lookup: a record from a pid that is
 * not a worker of this service, or with another generation than the one
 * the worker was started with, is logged and dropped; records of old
 * generations only mark their worker as having started.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "master.h"
#include "master_proto.h"
#include "msg.h"

/* status_one - apply one record */
static void
status_one(struct master_service *svc, const struct master_status *rec)
{
	struct master_proc *proc = master_proc_find(rec->pid);

	if (proc == NULL || proc->svc != svc) {
		msg_warn("service %s: status record from unknown process %ld",
		    svc->name, (long)rec->pid);
		return;
	}
	if (rec->generation != proc->generation) {
		msg_warn("service %s: process %ld: status record for "
		    "generation %u, started in %u", svc->name, (long)rec->pid,
		    rec->generation, proc->generation);
		return;
	}
	proc->ready = 1;
	if (proc->generation != master_generation)
		return;
	switch (rec->state) {
	case MASTER_STAT_IDLE:
		proc->state = MASTER_STAT_IDLE;
		master_avail_ready(svc, proc->pid);
		break;
	case MASTER_STAT_BUSY:
		proc->state = MASTER_STAT_BUSY;
		proc->served++;
		master_avail_busy(svc);
		break;
	default:
		msg_warn("service %s: process %ld: unknown state %d",
		    svc->name, (long)rec->pid, rec->state);
		break;
	}
}

/* master_status_read - read what svc's pipe holds, without blocking */
void
master_status_read(struct master_service *svc)
{
	struct master_status recs[64];
	ssize_t n;
	size_t i, count;

	for (;;) {
		n = read(svc->status_rd, recs, sizeof(recs));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				msg_warn("service %s: read status pipe: %s",
				    svc->name, strerror(errno));
			return;
		}
		if (n == 0)
			return;
		count = (size_t)n / sizeof(recs[0]);
		for (i = 0; i < count; i++)
			status_one(svc, &recs[i]);
		if ((size_t)n % sizeof(recs[0]) != 0)
			msg_warn("service %s: short status record (%zu bytes)",
			    svc->name, (size_t)n % sizeof(recs[0]));
		if ((size_t)n < sizeof(recs))
			return;
	}
}

/* master_status_drain_all - read every pipe (before reaping) */
void
master_status_drain_all(void)
{
	struct master_service *svc;

	for (svc = master_services; svc != NULL; svc = svc->next)
		master_status_read(svc);
}
