/*
 * master_channel - requests from control workers.
 *
 * Each worker of a control service has its own SOCK_SEQPACKET channel to
 * the master, one ipc message per packet (master_proto.h). The worker
 * runs unprivileged and so is trusted with nothing but these three
 * requests: status (one packet per service, then {status=ok}), reload and
 * stop (answered {status=ok} first, then done by the event loop). A
 * malformed packet is logged and the channel closed; the worker itself is
 * left alone. Reload and stop are logged with the worker that asked.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "master.h"
#include "master_proto.h"
#include "msg.h"
#include "sbuf.h"
#include "service.h"

/* put_master - the master-wide attributes */
static int
put_master(struct sbuf *out)
{
	time_t up = time(NULL) - master_start_time;

	return (ipc_put_u64(out, MASTER_ATTR_PID, (uint64_t)getpid()) < 0
	    || ipc_put_u64(out, MASTER_ATTR_UPTIME,
	    (uint64_t)(up > 0 ? up : 0)) < 0
	    || ipc_put_u64(out, MASTER_ATTR_GENERATION, master_generation) < 0
	    ? -1 : 0);
}

/* put_service - one service's packet body */
static int
put_service(struct sbuf *out, const struct master_service *svc)
{
	const struct service_def *def = svc->def;
	int64_t now = master_now(), left = 0;

	if (svc->throttle_until > now)
		left = (svc->throttle_until - now + 999) / 1000;
	return (ipc_put(out, MASTER_ATTR_SERVICE, svc->name) < 0
	    || ipc_put(out, MASTER_ATTR_TYPE,
	    service_type_name(def->type)) < 0
	    || ipc_put(out, MASTER_ATTR_LISTEN, def->listen) < 0
	    || ipc_put(out, MASTER_ATTR_PROGRAM, def->program) < 0
	    || ipc_put_u64(out, MASTER_ATTR_LIMIT,
	    (uint64_t)def->process_limit) < 0
	    || ipc_put_u64(out, MASTER_ATTR_PROCESSES,
	    (uint64_t)master_service_count(svc, 0)) < 0
	    || ipc_put_u64(out, MASTER_ATTR_BUSY,
	    (uint64_t)master_service_count(svc, MASTER_STAT_BUSY)) < 0
	    || ipc_put_u64(out, MASTER_ATTR_IDLE,
	    (uint64_t)master_service_count(svc, MASTER_STAT_IDLE)) < 0
	    || ipc_put_u64(out, MASTER_ATTR_CONNECTIONS, svc->connections) < 0
	    || ipc_put_u64(out, MASTER_ATTR_RESTARTS, svc->restarts) < 0
	    || ipc_put_u64(out, MASTER_ATTR_THROTTLED, (uint64_t)left) < 0
	    ? -1 : 0);
}

/* reply - send {status=..., [error=...]} with the master attributes */
static int
reply(int fd, struct sbuf *out, const char *error)
{
	sbuf_reset(out);
	if (ipc_put(out, IPC_ATTR_STATUS, error ? MASTER_STATUS_ERROR
	    : MASTER_STATUS_OK) < 0
	    || (error != NULL && ipc_put(out, IPC_ATTR_ERROR, error) < 0)
	    || put_master(out) < 0 || ipc_end(out) < 0)
		return (-1);
	return (ipc_seq_send(fd, out));
}

/* send_status - one packet per running service, then the final reply */
static int
send_status(int fd, struct sbuf *out)
{
	const struct master_service *svc;
	int first = 1;

	for (svc = master_services; svc != NULL; svc = svc->next) {
		if (svc->def == NULL)
			continue;
		sbuf_reset(out);
		if (put_service(out, svc) < 0
		    || (first && put_master(out) < 0) || ipc_end(out) < 0)
			return (-1);
		if (ipc_seq_send(fd, out) < 0)
			return (-1);
		first = 0;
	}
	return (reply(fd, out, NULL));
}

/* master_channel_read - one request from a control worker */
void
master_channel_read(struct master_proc *proc)
{
	struct sbuf *out = sbuf_new(0);
	struct ipc_msg msg;
	const char *error, *req;
	int ret;

	ipc_msg_init(&msg);
	if (ipc_seq_recv(proc->channel_fd, NULL, &msg, &error) < 0) {
		if (strcmp(error, "eof") != 0)
			msg_warn("service %s: process %ld: master channel: %s",
			    proc->svc->name, (long)proc->pid, error);
		goto close;
	}
	req = ipc_get(&msg, IPC_ATTR_REQUEST);
	if (req == NULL) {
		ret = reply(proc->channel_fd, out, "no request");
	} else if (strcmp(req, MASTER_REQ_STATUS) == 0) {
		ret = send_status(proc->channel_fd, out);
	} else if (strcmp(req, MASTER_REQ_RELOAD) == 0) {
		if (master_stopping) {
			ret = reply(proc->channel_fd, out, "stopping");
		} else {
			msg_info("reload requested by %s process %ld",
			    proc->svc->name, (long)proc->pid);
			ret = reply(proc->channel_fd, out, NULL);
			master_request_reload();
		}
	} else if (strcmp(req, MASTER_REQ_STOP) == 0) {
		msg_info("stop requested by %s process %ld", proc->svc->name,
		    (long)proc->pid);
		ret = reply(proc->channel_fd, out, NULL);
		master_request_stop();
	} else {
		ret = reply(proc->channel_fd, out, "unknown request");
	}
	ipc_msg_clear(&msg);
	sbuf_free(&out);
	if (ret < 0) {
		msg_warn("service %s: process %ld: master channel: cannot "
		    "reply", proc->svc->name, (long)proc->pid);
		(void)close(proc->channel_fd);
		proc->channel_fd = -1;
	}
	return;
close:
	ipc_msg_clear(&msg);
	sbuf_free(&out);
	(void)close(proc->channel_fd);
	proc->channel_fd = -1;
}
