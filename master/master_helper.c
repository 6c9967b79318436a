/*
 * master_helper - the unprivileged children that look after the registry.
 *
 * The root master never opens the Berkeley DB environment: files it made
 * would be root's and lock the workers out, and a handle must not cross a
 * fork anyway. Each registry task runs in a fresh child that drops to
 * mail_owner, sets umask 007 and calls one registry.h function:
 *
 * - set-up: create the environment if missing and run recovery; before
 *   any worker exists (start-up waits for it, helper_timeout at most) and
 *   after every kill-all.
 * - failchk: after a worker exited abnormally (and was reaped: a zombie
 *   looks alive), with a 2 s limit. Berkeley DB 5.3 here can hang in
 *   failchk, and so can every process attached, so unless it says the
 *   environment is fine in time, every worker is killed, set-up runs
 *   again, and the services restart.
 * - checkpoint: every registry_checkpoint_interval, and once more at stop
 *   when no worker had to be killed.
 *
 * While a check or a recovery runs no worker starts. Logs each recovery
 * step ("registry: ..."); a successful failchk only in verbose mode.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "master.h"
#include "msg.h"
#include "param_table.h"
#include "privs.h"
#include "registry.h"

#define FAILCHK_LIMIT_MS	2000

enum helper_state {
	REG_START,			/* before the first set-up */
	REG_READY,			/* workers may run */
	REG_FAILCHK,			/* a failchk helper is deciding */
	REG_KILLING,			/* waiting for every worker to go */
	REG_SETUP,			/* a set-up helper is recovering */
	REG_WAIT,			/* set-up failed; retry later */
};

static enum helper_state reg_state = REG_START;
static pid_t failchk_pid, setup_pid, checkpoint_pid;
static int64_t failchk_deadline, setup_deadline, checkpoint_deadline;
static int64_t next_checkpoint, retry_at;
static int failchk_again;
static int setup_timed_out, checkpoint_timed_out;

/*
 * checkpoint_period - ms between checkpoints. A checkpoint also expires
 * lock waits past registry_lock_timeout (Berkeley DB checks timeouts only
 * when its detector runs), so it runs at least that often.
 */
static int64_t
checkpoint_period(void)
{
	int secs = var_registry_checkpoint_interval;

	if (var_registry_lock_timeout > 0 && var_registry_lock_timeout < secs)
		secs = var_registry_lock_timeout;
	return ((int64_t)secs * 1000);
}

typedef int (*helper_fn)(const struct registry_opts *, const char **);

/* helper_fork - run fn in an unprivileged child; its pid or -1 */
static pid_t
helper_fork(const char *what, helper_fn fn)
{
	struct registry_opts opts;
	const char *error;
	pid_t pid;

	if ((pid = fork()) < 0) {
		msg_warn("registry %s: fork: %s", what, strerror(errno));
		return (-1);
	}
	if (pid > 0)
		return (pid);
	master_helper_child_init();
	if (close_range(3, ~0U, 0) < 0) {
		int fd;

		for (fd = 3; fd < 1024; fd++)
			(void)close(fd);
	}
	if (privs_drop(var_mail_owner, &error) < 0)
		msg_fatal("registry %s: %s", what, error);
	umask(007);
	registry_opts_from_params(&opts);
	if (fn(&opts, &error) < 0) {
		msg_error("registry %s: %s", what, error);
		_exit(1);
	}
	_exit(0);
}

/* exit_ok - did the helper succeed? */
static int
exit_ok(int status)
{
	return (WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* wait_sync - wait for pid at most secs; 0 with *status_r, or -1 */
static int
wait_sync(pid_t pid, int secs, int *status_r)
{
	int64_t deadline = master_now() + (int64_t)secs * 1000;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	pid_t got;

	for (;;) {
		got = waitpid(pid, status_r, WNOHANG);
		if (got == pid)
			return (0);
		if (got < 0 && errno != EINTR)
			return (-1);
		if (master_now() >= deadline)
			return (-1);
		(void)nanosleep(&ts, NULL);
	}
}

/*
 * master_helper_setup_sync - set up and recover the registry before any
 * worker starts; fatal when that fails or takes over helper_timeout.
 */
void
master_helper_setup_sync(void)
{
	pid_t pid;
	int status;

	msg_info("registry: set-up and recovery in %s", var_registry_dir);
	if ((pid = helper_fork("set-up", registry_setup)) < 0)
		msg_fatal("registry: cannot start the set-up helper");
	if (wait_sync(pid, var_helper_timeout, &status) < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		msg_fatal("registry: set-up did not finish within %d s",
		    var_helper_timeout);
	}
	if (!exit_ok(status))
		msg_fatal("registry: set-up failed");
	reg_state = REG_READY;
	next_checkpoint = master_now() + checkpoint_period();
	msg_info("registry: ready");
}

/* master_helper_checkpoint_sync - the last checkpoint, at stop */
void
master_helper_checkpoint_sync(void)
{
	pid_t pid;
	int status;

	if (reg_state != REG_READY)
		return;
	if ((pid = helper_fork("checkpoint", registry_checkpoint)) < 0)
		return;
	if (wait_sync(pid, var_helper_timeout, &status) < 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, &status, 0);
		msg_warn("registry: final checkpoint did not finish within "
		    "%d s", var_helper_timeout);
	} else if (!exit_ok(status)) {
		msg_warn("registry: final checkpoint failed");
	} else {
		msg_debug("registry: final checkpoint done");
	}
}

/* master_helper_ready - may workers run (no check or recovery pending)? */
int
master_helper_ready(void)
{
	return (reg_state == REG_READY);
}

/* master_helper_busy - is any helper still running? */
int
master_helper_busy(void)
{
	return (failchk_pid != 0 || setup_pid != 0 || checkpoint_pid != 0);
}

/* start_setup - recovery after a kill-all */
static void
start_setup(void)
{
	setup_timed_out = 0;
	if ((setup_pid = helper_fork("set-up", registry_setup)) < 0) {
		setup_pid = 0;
		reg_state = REG_WAIT;
		retry_at = master_now()
		    + (int64_t)var_service_throttle_time * 1000;
		return;
	}
	msg_info("registry: running recovery");
	setup_deadline = master_now() + (int64_t)var_helper_timeout * 1000;
	reg_state = REG_SETUP;
}

/* check_killing - once every attached process is gone, recover */
static void
check_killing(void)
{
	if (reg_state != REG_KILLING || master_proc_count > 0
	    || failchk_pid != 0 || checkpoint_pid != 0)
		return;
	if (master_stopping) {
		/* The next start recovers; nothing is left to restart. */
		reg_state = REG_WAIT;
		retry_at = INT64_MAX;
		return;
	}
	start_setup();
}

/* start_recovery - kill everything attached to the environment */
static void
start_recovery(const char *why)
{
	int n = master_proc_count;

	msg_warn("registry: %s: killing all %d workers for recovery", why, n);
	master_signal_workers(SIGKILL, 0);
	if (failchk_pid != 0)
		(void)kill(failchk_pid, SIGKILL);
	if (checkpoint_pid != 0)
		(void)kill(checkpoint_pid, SIGKILL);
	reg_state = REG_KILLING;
	check_killing();
}

/* start_failchk - ask a helper whether the environment is usable */
static void
start_failchk(void)
{
	failchk_again = 0;
	if ((failchk_pid = helper_fork("failchk", registry_failchk)) < 0) {
		failchk_pid = 0;
		start_recovery("cannot run failchk");
		return;
	}
	failchk_deadline = master_now() + FAILCHK_LIMIT_MS;
	reg_state = REG_FAILCHK;
}

/* master_helper_worker_failed - a worker died; was it holding anything? */
void
master_helper_worker_failed(pid_t pid)
{
	switch (reg_state) {
	case REG_READY:
		msg_debug("registry: failchk after process %ld", (long)pid);
		start_failchk();
		break;
	case REG_FAILCHK:
		/* The running check may have looked before this death. */
		failchk_again = 1;
		break;
	default:
		/* A recovery is under way and covers this death too. */
		break;
	}
}

/* master_helper_reaped - if pid was a helper, act on its result; 1 if so */
int
master_helper_reaped(pid_t pid, int status)
{
	if (pid == failchk_pid) {
		failchk_pid = 0;
		if (reg_state == REG_FAILCHK) {
			if (!exit_ok(status)) {
				start_recovery("failchk failed");
			} else if (failchk_again) {
				start_failchk();
			} else {
				msg_debug("registry: failchk ok");
				reg_state = REG_READY;
			}
		}
		check_killing();
		return (1);
	}
	if (pid == setup_pid) {
		setup_pid = 0;
		if (reg_state != REG_SETUP)
			return (1);
		if (exit_ok(status)) {
			msg_info("registry: recovered; restarting services");
			reg_state = REG_READY;
		} else {
			msg_error("registry: recovery %s; retrying in %d s",
			    setup_timed_out ? "did not finish in time" :
			    "failed", var_service_throttle_time);
			reg_state = REG_WAIT;
			retry_at = master_now()
			    + (int64_t)var_service_throttle_time * 1000;
		}
		return (1);
	}
	if (pid == checkpoint_pid) {
		checkpoint_pid = 0;
		if (!exit_ok(status) && reg_state == REG_READY) {
			msg_warn("registry: checkpoint %s",
			    checkpoint_timed_out ? "did not finish in time" :
			    "failed");
			/* It was attached: it may have left locks behind. */
			start_failchk();
		}
		check_killing();
		return (1);
	}
	return (0);
}

/* master_helper_timer - deadlines, retries and periodic checkpoints */
void
master_helper_timer(int64_t now)
{
	if (failchk_pid != 0 && reg_state == REG_FAILCHK
	    && now >= failchk_deadline)
		start_recovery("failchk did not finish within 2 s");
	if (setup_pid != 0 && !setup_timed_out && now >= setup_deadline) {
		setup_timed_out = 1;
		(void)kill(setup_pid, SIGKILL);
	}
	if (checkpoint_pid != 0 && !checkpoint_timed_out
	    && now >= checkpoint_deadline) {
		checkpoint_timed_out = 1;
		(void)kill(checkpoint_pid, SIGKILL);
	}
	if (reg_state == REG_WAIT && now >= retry_at && !master_stopping)
		start_setup();
	check_killing();
	if (reg_state == REG_READY && checkpoint_pid == 0 && !master_stopping
	    && now >= next_checkpoint) {
		next_checkpoint = now + checkpoint_period();
		checkpoint_timed_out = 0;
		if ((checkpoint_pid = helper_fork("checkpoint",
		    registry_checkpoint)) < 0)
			checkpoint_pid = 0;
		checkpoint_deadline = now + (int64_t)var_helper_timeout * 1000;
	}
}

/* master_helper_next_timer - when master_helper_timer() has work next */
int64_t
master_helper_next_timer(int64_t now)
{
	int64_t next = INT64_MAX;

	if (failchk_pid != 0 && reg_state == REG_FAILCHK)
		next = failchk_deadline;
	if (setup_pid != 0 && !setup_timed_out && setup_deadline < next)
		next = setup_deadline;
	if (checkpoint_pid != 0 && !checkpoint_timed_out
	    && checkpoint_deadline < next)
		next = checkpoint_deadline;
	if (reg_state == REG_WAIT && !master_stopping && retry_at < next)
		next = retry_at;
	if (reg_state == REG_READY && checkpoint_pid == 0 && !master_stopping
	    && next_checkpoint < next)
		next = next_checkpoint;
	return (next);
}
