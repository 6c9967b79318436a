/*
 * master - what the supervisor's modules share.
 *
 * estuary.c runs the event loop (signals arrive through a self-pipe, timers
 * are the poll() timeout) and owns start-up, reload and stop.
 * master_service.c turns the service table into running services with
 * their listeners and status pipes, and carries them across a reload.
 * master_spawn.c fork+execs workers and reaps them; master_avail.c decides
 * when to spawn (idle minimum, on-demand, back-off after failures);
 * master_status.c reads the status pipes; master_helper.c runs the
 * unprivileged helper children that set up, check and recover the
 * registry; master_channel.c answers control workers on their master
 * channel.
 *
 * Times inside the master are milliseconds of CLOCK_MONOTONIC
 * (master_now()), so a clock step cannot stall or hurry a timer.
 */
#ifndef MASTER_H
#define MASTER_H

#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "service.h"

struct master_listener {
	int	fd;
	char	key[160];		/* identity across reloads */
	char   *path;			/* unix, control: unlinked on close */
};

struct master_service {
	char   *name;
	const struct service_def *def;	/* current table's row; NULL: retired */
	struct master_listener listeners[SERVICE_LISTEN_MAX];
	int	listen_count;
	int	status_rd;		/* read end, non-blocking */
	int	status_wr;		/* write end, given to every worker */
	uint64_t connections;		/* BUSY records */
	uint64_t restarts;		/* abnormal exits */
	int	fail_count;		/* failures since the last connection */
	int64_t	throttle_until;		/* no spawn before this (ms) */
	pid_t	probe_pid;		/* the one start allowed when failing */
	int	nprocs;			/* workers of any generation */
	struct master_service *next;
};

struct master_proc {
	pid_t	pid;
	struct master_service *svc;
	unsigned generation;
	int	state;			/* MASTER_STAT_IDLE or _BUSY */
	int	ready;			/* sent a status record */
	int	served;			/* BUSY records */
	int	channel_fd;		/* master end of the channel, or -1 */
	int	term_sent;		/* we asked it to stop (SIGTERM) */
	int	kill_sent;		/* we killed it (SIGKILL) */
	int64_t	started;
};

/* estuary.c */
extern unsigned master_generation;	/* 1 at start, +1 per reload */
extern int master_stopping;
extern int master_foreground;		/* -f: workers get -f too */
extern uid_t master_owner_uid;		/* mail_owner (as root), else us */
extern gid_t master_owner_gid;
extern time_t master_start_time;
extern struct master_service *master_services;	/* retired ones too */

/* master_now - milliseconds of CLOCK_MONOTONIC */
int64_t	master_now(void);
/* master_request_reload, _stop - act at the next turn of the loop */
void	master_request_reload(void);
void	master_request_stop(void);

/* master_service.c */
/*
 * master_dirs_init - create the suite's directories and the secret key
 * file (secret_key_file); fatal on failure
 */
void	master_dirs_init(void);
/*
 * master_services_sync - make the running services match tab (which must
 * outlive them); 0, or -1 with *error_r and nothing changed.
 */
int	master_services_sync(const struct service_table *tab,
	    const char **error_r);
/* master_service_close_listeners - close (and unlink) svc's sockets */
void	master_service_close_listeners(struct master_service *svc);
/* master_services_close_all - release every service (at exit) */
void	master_services_close_all(void);
/* master_service_release - free svc; none of its workers may be left */
void	master_service_release(struct master_service *svc);
/* master_service_find - the running service called name, or NULL */
struct master_service *master_service_find(const char *name);

/* master_spawn.c */
extern struct master_proc **master_procs;
extern int master_proc_count;

/* master_spawn - start a worker of svc; its pid, or -1 (logged) */
pid_t	master_spawn(struct master_service *svc);
/* master_proc_find - the worker with this pid, or NULL */
struct master_proc *master_proc_find(pid_t pid);
/* master_reap - waitpid() every exited child and account for it */
void	master_reap(void);
/* master_signal_workers - sig to every worker, or to old generations */
void	master_signal_workers(int sig, int old_only);
/* master_service_count - svc's current workers in state (0 = any) */
int	master_service_count(const struct master_service *svc, int state);
/* master_helper_child_init - reset what a child must not inherit */
void	master_helper_child_init(void);

/* master_avail.c */
/* master_avail_can_spawn - may svc start a worker at now? */
int	master_avail_can_spawn(const struct master_service *svc, int64_t now);
/* master_avail_wants_demand - should the loop poll svc's listeners? */
int	master_avail_wants_demand(const struct master_service *svc,
	    int64_t now);
/* master_avail_demand - a listener of svc is readable */
void	master_avail_demand(struct master_service *svc);
/* master_avail_all - start workers up to every idle minimum */
void	master_avail_all(void);
/* master_avail_failed - proc of svc failed: count it, maybe pause svc */
void	master_avail_failed(struct master_service *svc,
	    const struct master_proc *proc);
/* master_avail_busy, _ready - svc served a connection; pid is ready */
void	master_avail_busy(struct master_service *svc);
void	master_avail_ready(struct master_service *svc, pid_t pid);
/* master_avail_next_timer - when a pause ends; INT64_MAX if none */
int64_t	master_avail_next_timer(int64_t now);

/* master_status.c */
/* master_status_read - apply the records waiting on svc's pipe */
void	master_status_read(struct master_service *svc);
/* master_status_drain_all - the same for every service */
void	master_status_drain_all(void);

/* master_helper.c */
/* master_helper_setup_sync - registry set-up at start; fatal on failure */
void	master_helper_setup_sync(void);
/* master_helper_checkpoint_sync - the checkpoint at stop */
void	master_helper_checkpoint_sync(void);
/* master_helper_ready - may workers run (no check or recovery)? */
int	master_helper_ready(void);
/* master_helper_busy - is a helper child still running? */
int	master_helper_busy(void);
/* master_helper_reaped - 1 if pid was a helper (and act on it), else 0 */
int	master_helper_reaped(pid_t pid, int status);
/* master_helper_worker_failed - a worker died abnormally: check */
void	master_helper_worker_failed(pid_t pid);
/* master_helper_timer - deadlines, retries, periodic checkpoints */
void	master_helper_timer(int64_t now);
/* master_helper_next_timer - when the timer has work; INT64_MAX: none */
int64_t	master_helper_next_timer(int64_t now);

/* master_channel.c */
/* master_channel_read - answer one request on proc's master channel */
void	master_channel_read(struct master_proc *proc);

#endif
