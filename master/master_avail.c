/*
 * master_avail - when to start a worker: the pool policy.
 *
 * Each service keeps at least idle_min workers idle (a worker counts as
 * idle from the moment it is started, so a slow start does not make us
 * start more), never more than process_limit in the current generation.
 * When no worker is idle and the limit is not reached, the master itself
 * polls the service's listeners and starts one when a connection waits,
 * so idle_min 0 still serves.
 *
 * Failures back off. A worker that exits abnormally is replaced at once
 * the first time; each further failure with no connection served in
 * between doubles a pause (1 s, 2 s, 4 s ... up to service_throttle_time)
 * during which nothing of that service starts, and while failing only one
 * probe process may be starting at a time. Logs "service NAME: throttling
 * for N s after M failures" once per failure past the first, so a crash
 * loop logs at most once per pause.
 */
#include "config.h"

#include <stdint.h>

#include "master.h"
#include "master_proto.h"
#include "msg.h"
#include "param_table.h"

#define FORK_RETRY_MS	1000		/* after fork() itself failed */

/* master_avail_can_spawn - may svc start a worker now? */
int
master_avail_can_spawn(const struct master_service *svc, int64_t now)
{
	if (master_stopping || svc->def == NULL || !master_helper_ready())
		return (0);
	if (now < svc->throttle_until)
		return (0);
	if (svc->fail_count > 0 && svc->probe_pid != 0)
		return (0);
	return (master_service_count(svc, 0) < svc->def->process_limit);
}

/*
 * master_avail_wants_demand - should the master watch svc's listeners?
 * Only when a waiting connection could be answered with a new worker;
 * otherwise a readable listener would spin the loop.
 */
int
master_avail_wants_demand(const struct master_service *svc, int64_t now)
{
	return (svc->listen_count > 0 && master_avail_can_spawn(svc, now)
	    && master_service_count(svc, MASTER_STAT_IDLE) == 0);
}

/* spawn_one - start a worker; a probe while the service is failing */
static void
spawn_one(struct master_service *svc, int64_t now)
{
	pid_t pid = master_spawn(svc);

	if (pid < 0) {
		svc->throttle_until = now + FORK_RETRY_MS;
		return;
	}
	if (svc->fail_count > 0)
		svc->probe_pid = pid;
}

/* master_avail_demand - a connection waits on one of svc's listeners */
void
master_avail_demand(struct master_service *svc)
{
	int64_t now = master_now();

	if (master_avail_wants_demand(svc, now))
		spawn_one(svc, now);
}

/* master_avail_all - bring every service up to its idle minimum */
void
master_avail_all(void)
{
	struct master_service *svc;
	int64_t now = master_now();

	for (svc = master_services; svc != NULL; svc = svc->next)
		while (master_avail_can_spawn(svc, now)
		    && master_service_count(svc, MASTER_STAT_IDLE)
		    < svc->def->idle_min)
			spawn_one(svc, now);
}

/*
 * master_avail_failed - a worker of svc failed. A worker that ran longer
 * than the longest pause is not part of a crash loop: it starts the count
 * afresh.
 */
void
master_avail_failed(struct master_service *svc,
    const struct master_proc *proc)
{
	int64_t now = master_now();
	int64_t delay;
	int shift;

	if (now - proc->started >= (int64_t)var_service_throttle_time * 1000)
		svc->fail_count = 0;
	svc->fail_count++;
	if (svc->fail_count < 2)
		return;
	shift = svc->fail_count - 2;
	delay = shift > 20 ? INT64_MAX : (int64_t)1 << shift;
	if (delay > var_service_throttle_time)
		delay = var_service_throttle_time;
	svc->throttle_until = now + delay * 1000;
	msg_warn("service %s: throttling for %d s after %d failures",
	    svc->name, (int)delay, svc->fail_count);
}

/* master_avail_busy - a worker of svc accepted a connection */
void
master_avail_busy(struct master_service *svc)
{
	svc->connections++;
	if (svc->fail_count > 0)
		msg_debug("service %s: serving again", svc->name);
	svc->fail_count = 0;
	svc->throttle_until = 0;
	svc->probe_pid = 0;
}

/* master_avail_ready - a worker of svc reported ready */
void
master_avail_ready(struct master_service *svc, pid_t pid)
{
	/* The probe came up: the rest of the pool may follow. */
	if (svc->probe_pid == pid)
		svc->probe_pid = 0;
}

/* master_avail_next_timer - when the next pause ends (INT64_MAX: none) */
int64_t
master_avail_next_timer(int64_t now)
{
	const struct master_service *svc;
	int64_t next = INT64_MAX;

	for (svc = master_services; svc != NULL; svc = svc->next)
		if (svc->def != NULL && svc->throttle_until > now
		    && svc->throttle_until < next)
			next = svc->throttle_until;
	return (next);
}
