/*
 * master_proto - what the master and its workers agree on.
 *
 * Descriptors: a worker is exec'd with its service's status pipe (write
 * end) at MASTER_STATUS_FD, the master channel at MASTER_CHANNEL_FD (only
 * for control services; closed otherwise) and its listening sockets from
 * MASTER_LISTEN_FD on (the count is given with -l).
 *
 * Arguments: program -c CONFIG_DIR -n SERVICE -g GENERATION -l LISTEN_COUNT
 * -u MAX_USE [-f] [-v] [-- service args]. -f: log to stderr (the master
 * runs in the foreground); -v: verbose.
 *
 * Status records: a worker writes one struct master_status to its status
 * pipe when it is ready (IDLE), after accept (BUSY), and after the
 * connection (IDLE). Writes of this size to a pipe are atomic. The master
 * ignores records from old generations, warns on short records, and trusts
 * nothing beyond looking up the pid among its children.
 *
 * Master channel: a SOCK_SEQPACKET socket carrying ipc messages (one per
 * packet). A control worker sends {request=status|reload|stop}; the master
 * answers status with one packet per service (the MASTER_ATTR_* below),
 * then {status=ok}; reload and stop with {status=ok} (or status=error,
 * error=...). The first service packet and every final {status=...}
 * packet also carry master_pid, uptime (seconds) and generation. There is
 * no hello on this channel: both ends come from the same installation.
 */
#ifndef MASTER_PROTO_H
#define MASTER_PROTO_H

#include <sys/types.h>

#define MASTER_STATUS_FD	3
#define MASTER_CHANNEL_FD	4
#define MASTER_LISTEN_FD	5

enum master_worker_state {
	MASTER_STAT_IDLE = 1,
	MASTER_STAT_BUSY = 2,
};

struct master_status {
	pid_t	pid;
	unsigned generation;
	int	state;			/* enum master_worker_state */
};

/* Master channel requests and reply attributes. */
#define MASTER_REQ_STATUS	"status"
#define MASTER_REQ_RELOAD	"reload"
#define MASTER_REQ_STOP		"stop"

#define MASTER_ATTR_SERVICE	"service"
#define MASTER_ATTR_TYPE	"type"
#define MASTER_ATTR_LISTEN	"listen"
#define MASTER_ATTR_PROGRAM	"program"
#define MASTER_ATTR_LIMIT	"process_limit"
#define MASTER_ATTR_PROCESSES	"processes"
#define MASTER_ATTR_BUSY	"busy"
#define MASTER_ATTR_IDLE	"idle"
#define MASTER_ATTR_CONNECTIONS	"connections"
#define MASTER_ATTR_RESTARTS	"restarts"
#define MASTER_ATTR_THROTTLED	"throttled"	/* seconds left; 0 = not */
#define MASTER_ATTR_PID		"master_pid"
#define MASTER_ATTR_UPTIME	"uptime"
#define MASTER_ATTR_GENERATION	"generation"

#define MASTER_STATUS_OK	"ok"
#define MASTER_STATUS_ERROR	"error"

#endif
