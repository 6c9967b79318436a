/*
 * master_spawn - fork+exec workers, signal them, reap them.
 *
 * A worker gets exactly the descriptors master_proto.h names: its
 * service's status pipe at MASTER_STATUS_FD, its own end of a fresh
 * SOCK_SEQPACKET socketpair at MASTER_CHANNEL_FD (control services only;
 * closed otherwise), the service's listeners from MASTER_LISTEN_FD on, and
 * stdin/stdout/stderr; everything else is closed, the signal mask is
 * emptied and the master's handlers are reset before exec. Workers start
 * as the master's user and drop privileges themselves (server.c).
 *
 * An exit is abnormal when the worker was killed by a signal we did not
 * send, exited non-zero, exited before it ever reported ready, or exited
 * within a second of its start without serving anything. Those
 * are logged ("service NAME: process PID exited with status N", "... killed
 * by signal S"), counted as restarts, fed to the back-off (master_avail.c)
 * and, when the process may have been inside a registry call, to the
 * registry check (master_helper.c). Exits we asked for are not failures.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "master.h"
#include "master_proto.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "service.h"

/* A clean exit this soon, with nothing served, is a failure. */
#define QUICK_EXIT_MS	1000

struct master_proc **master_procs;
int	master_proc_count;
static int proc_alloc;

/* master_proc_find - the worker with this pid, or NULL */
struct master_proc *
master_proc_find(pid_t pid)
{
	int i;

	for (i = 0; i < master_proc_count; i++)
		if (master_procs[i]->pid == pid)
			return (master_procs[i]);
	return (NULL);
}

/* master_service_count - current-generation workers in state (0 = all) */
int
master_service_count(const struct master_service *svc, int state)
{
	const struct master_proc *proc;
	int i, n = 0;

	for (i = 0; i < master_proc_count; i++) {
		proc = master_procs[i];
		if (proc->svc == svc && proc->generation == master_generation
		    && (state == 0 || proc->state == state))
			n++;
	}
	return (n);
}

/* master_signal_workers - send sig to every worker (or old ones only) */
void
master_signal_workers(int sig, int old_only)
{
	struct master_proc *proc;
	int i;

	for (i = 0; i < master_proc_count; i++) {
		proc = master_procs[i];
		if (old_only && proc->generation == master_generation)
			continue;
		if (sig == SIGTERM && proc->term_sent)
			continue;
		if (kill(proc->pid, sig) < 0 && errno != ESRCH)
			msg_warn("kill %ld: %s", (long)proc->pid,
			    strerror(errno));
		if (sig == SIGTERM)
			proc->term_sent = 1;
		else if (sig == SIGKILL)
			proc->kill_sent = 1;
	}
}

/* close_from - close every descriptor from fd on */
static void
close_from(int fd)
{
	long max, i;

	if (close_range((unsigned)fd, ~0U, 0) == 0)
		return;
	max = sysconf(_SC_OPEN_MAX);
	for (i = fd; i < (max > 0 ? max : 1024); i++)
		(void)close((int)i);
}

/*
 * master_helper_child_init - what every child of the master does first:
 * forget the master's fatal hook (the pid file is not ours), restore the
 * default signal handling, empty the signal mask.
 */
void
master_helper_child_init(void)
{
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGPIPE };
	sigset_t none;
	size_t i;

	msg_set_fatal_hook(NULL);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)signal(sigs[i], SIG_DFL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * spawn_child - in the child: put the descriptors in place and exec.
 * Sources are first copied above every target, so moving one into place
 * can never overwrite another that is still to be moved.
 */
static void __attribute__((noreturn))
spawn_child(struct master_service *svc, int chan_fd, char **argv)
{
	int src[2 + SERVICE_LISTEN_MAX], dst[2 + SERVICE_LISTEN_MAX];
	int tmp[2 + SERVICE_LISTEN_MAX];
	int n = 0, i, base;

	master_helper_child_init();
	src[n] = svc->status_wr;
	dst[n++] = MASTER_STATUS_FD;
	if (chan_fd >= 0) {
		src[n] = chan_fd;
		dst[n++] = MASTER_CHANNEL_FD;
	}
	for (i = 0; i < svc->listen_count; i++) {
		src[n] = svc->listeners[i].fd;
		dst[n++] = MASTER_LISTEN_FD + i;
	}
	base = MASTER_LISTEN_FD + svc->listen_count;
	for (i = 0; i < n; i++)
		if ((tmp[i] = fcntl(src[i], F_DUPFD_CLOEXEC, base)) < 0)
			msg_fatal("dup: %s", strerror(errno));
	for (i = 0; i < n; i++)
		if (dup2(tmp[i], dst[i]) < 0)
			msg_fatal("dup2: %s", strerror(errno));
	if (chan_fd < 0)
		(void)close(MASTER_CHANNEL_FD);
	close_from(base);
	execv(argv[0], argv);
	msg_fatal("service %s: cannot execute %s: %s", svc->name, argv[0],
	    strerror(errno));
}

/* proc_add - remember a new worker */
static void
proc_add(struct master_proc *proc)
{
	if (master_proc_count == proc_alloc) {
		proc_alloc = proc_alloc ? 2 * proc_alloc : 32;
		master_procs = xreallocarray(master_procs, (size_t)proc_alloc,
		    sizeof(*master_procs));
	}
	master_procs[master_proc_count++] = proc;
}

/* proc_remove - forget a worker (order does not matter) */
static void
proc_remove(struct master_proc *proc)
{
	int i;

	for (i = 0; i < master_proc_count; i++) {
		if (master_procs[i] == proc) {
			master_procs[i] = master_procs[--master_proc_count];
			break;
		}
	}
	if (proc->channel_fd >= 0)
		(void)close(proc->channel_fd);
	proc->svc->nprocs--;
	free(proc);
}

/* argv_add - append a copy of s */
static void
argv_add(char ***argv, int *argc, const char *s)
{
	*argv = xreallocarray(*argv, (size_t)*argc + 2, sizeof(**argv));
	(*argv)[(*argc)++] = xstrdup(s);
	(*argv)[*argc] = NULL;
}

/* argv_addn - append a number */
static void
argv_addn(char ***argv, int *argc, unsigned long n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", n);
	argv_add(argv, argc, buf);
}

/* argv_free - release what argv_add() built */
static void
argv_free(char **argv)
{
	int i;

	for (i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}

/*
 * master_spawn - start one worker of svc in the current generation. Its
 * pid, or -1 (logged) when fork or socketpair failed.
 */
pid_t
master_spawn(struct master_service *svc)
{
	const struct service_def *def = svc->def;
	struct master_proc *proc;
	struct sbuf *path = sbuf_new(0);
	char **argv = NULL;
	int argc = 0, chan[2] = { -1, -1 }, i;
	pid_t pid;

	if (sbuf_appendf(path, "%s/%s", var_daemon_dir, def->program) < 0)
		msg_fatal("service %s: program path too long", svc->name);
	argv_add(&argv, &argc, sbuf_str(path));
	sbuf_free(&path);
	argv_add(&argv, &argc, "-c");
	argv_add(&argv, &argc, var_config_dir);
	argv_add(&argv, &argc, "-n");
	argv_add(&argv, &argc, svc->name);
	argv_add(&argv, &argc, "-g");
	argv_addn(&argv, &argc, master_generation);
	argv_add(&argv, &argc, "-l");
	argv_addn(&argv, &argc, (unsigned long)svc->listen_count);
	argv_add(&argv, &argc, "-u");
	argv_addn(&argv, &argc, (unsigned long)def->max_use);
	if (master_foreground)
		argv_add(&argv, &argc, "-f");
	if (msg_verbose)
		argv_add(&argv, &argc, "-v");
	if (def->argc > 0) {
		argv_add(&argv, &argc, "--");
		for (i = 0; i < def->argc; i++)
			argv_add(&argv, &argc, def->args[i]);
	}

	if (def->type == SERVICE_CONTROL && socketpair(AF_UNIX,
	    SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) < 0) {
		msg_warn("service %s: socketpair: %s", svc->name,
		    strerror(errno));
		argv_free(argv);
		return (-1);
	}
	if ((pid = fork()) < 0) {
		msg_warn("service %s: fork: %s", svc->name, strerror(errno));
		if (chan[0] >= 0) {
			(void)close(chan[0]);
			(void)close(chan[1]);
		}
		argv_free(argv);
		return (-1);
	}
	if (pid == 0)
		spawn_child(svc, chan[1], argv);
	argv_free(argv);
	if (chan[1] >= 0) {
		struct timeval tv = { 2, 0 };

		(void)close(chan[1]);
		/* A stuck control worker must not stall the master. */
		(void)setsockopt(chan[0], SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv));
		(void)setsockopt(chan[0], SOL_SOCKET, SO_RCVTIMEO, &tv,
		    sizeof(tv));
	}
	proc = xcalloc(1, sizeof(*proc));
	proc->pid = pid;
	proc->svc = svc;
	proc->generation = master_generation;
	proc->state = MASTER_STAT_IDLE;
	proc->channel_fd = chan[0];
	proc->started = master_now();
	proc_add(proc);
	svc->nprocs++;
	msg_debug("service %s: started process %ld", svc->name, (long)pid);
	return (pid);
}

/* reap_one - account for one worker's exit */
static void
reap_one(struct master_proc *proc, int status)
{
	struct master_service *svc = proc->svc;
	long pid = (long)proc->pid;
	int expected = proc->kill_sent, failed = 0, registry_risk = 0;

	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		if (sig == SIGTERM && proc->term_sent)
			expected = 1;
		if (!expected) {
			msg_warn("service %s: process %ld killed by signal %d",
			    svc->name, pid, sig);
			failed = registry_risk = 1;
		}
	} else if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		if (!expected) {
			msg_warn("service %s: process %ld exited with "
			    "status %d", svc->name, pid, WEXITSTATUS(status));
			failed = registry_risk = 1;
		}
	} else if (!proc->term_sent && !expected && (!proc->ready
	    || (proc->served == 0
	    && master_now() - proc->started < QUICK_EXIT_MS))) {
		/* A program that exits at once must not restart at once. */
		msg_warn("service %s: process %ld exited %s", svc->name, pid,
		    proc->ready ? "at once without serving"
		    : "before it was ready");
		failed = 1;
	} else {
		msg_debug("service %s: process %ld exited", svc->name, pid);
	}
	if (svc->probe_pid == proc->pid)
		svc->probe_pid = 0;
	if (failed) {
		svc->restarts++;
		master_avail_failed(svc, proc);
	}
	proc_remove(proc);
	if (registry_risk)
		master_helper_worker_failed((pid_t)pid);
	if (svc->def == NULL && svc->nprocs == 0)
		master_service_release(svc);
}

/* master_reap - collect every child that has exited */
void
master_reap(void)
{
	struct master_proc *proc;
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (master_helper_reaped(pid, status))
			continue;
		if ((proc = master_proc_find(pid)) != NULL)
			reap_one(proc, status);
	}
}
