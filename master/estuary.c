/*
 * estuary - the master: reads the configuration, has an unprivileged
 * helper set up and recover the registry, binds every listener, then
 * pre-forks the workers of each service and supervises them.
 *
 * One process, one poll() loop. Signals only write their number to a
 * self-pipe; the loop reaps children, reads the status pipes and the
 * master channels, spawns what the pool policy asks for, and runs the
 * timers (back-off, helper deadlines, checkpoints, the stop deadline).
 * SIGHUP re-reads both files into a new generation (a bad file is logged
 * and the old configuration kept); SIGTERM and SIGINT stop accepting, let
 * busy workers finish within stop_timeout, and exit 0.
 *
 * Logs "reload", "stopping", "stopped", and whatever the modules report.
 * Exits 1 with a fatal message when it cannot start (bad configuration,
 * a listener that cannot be bound, another master running).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "master.h"
#include "master_proto.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "param_table.h"
#include "privs.h"
#include "sbuf.h"
#include "service.h"

unsigned master_generation = 1;
int	master_stopping;
int	master_foreground;
uid_t	master_owner_uid;
gid_t	master_owner_gid;
time_t	master_start_time;
struct master_service *master_services;

static struct service_table master_table;
static int sig_pipe[2] = { -1, -1 };
static int pid_fd = -1;
static char *pid_path;
static pid_t master_pid;
static int want_reload;
static int want_stop;
static int64_t stop_deadline;
static int stop_killed;

/* master_now - milliseconds of the monotonic clock */
int64_t
master_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* master_request_reload - reload at the next turn of the loop */
void
master_request_reload(void)
{
	want_reload = 1;
}

/* master_request_stop - stop at the next turn of the loop */
void
master_request_stop(void)
{
	want_stop = 1;
}

/* usage - how to call us */
static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: estuary [-f] [-v] [-c config_dir]\n");
	exit(2);
}

/* sig_handler - tell the loop, nothing else */
static void
sig_handler(int sig)
{
	int saved_errno = errno;
	unsigned char c = (unsigned char)sig;

	(void)!write(sig_pipe[1], &c, 1);
	errno = saved_errno;
}

/* signals_init - the self-pipe and the handlers behind it */
static void
signals_init(void)
{
	static const int sigs[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT };
	struct sigaction sa;
	size_t i;

	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		msg_fatal("pipe: %s", strerror(errno));
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sa.sa_handler = sig_handler;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			msg_fatal("sigaction: %s", strerror(errno));
	/* A control worker that dies mid-reply must not kill the master. */
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	(void)sigaction(SIGPIPE, &sa, NULL);
}

/* signals_drain - read the self-pipe; sets *chld_r for SIGCHLD */
static void
signals_drain(int *chld_r)
{
	unsigned char buf[64];
	ssize_t n, i;

	while ((n = read(sig_pipe[0], buf, sizeof(buf))) > 0) {
		for (i = 0; i < n; i++) {
			switch (buf[i]) {
			case SIGCHLD:
				*chld_r = 1;
				break;
			case SIGHUP:
				want_reload = 1;
				break;
			case SIGTERM:
			case SIGINT:
				want_stop = 1;
				break;
			}
		}
	}
}

/* pid_file_remove - at exit, only in the master itself */
static void
pid_file_remove(void)
{
	if (pid_fd < 0 || getpid() != master_pid)
		return;
	(void)unlink(pid_path);
	(void)close(pid_fd);
	pid_fd = -1;
}

/*
 * pid_file_lock - open and lock the pid file before daemonizing (the lock
 * belongs to the open file, so the daemon child keeps it), so "already
 * running" still reaches the terminal. A file left by a killed master is
 * unlocked and simply taken over.
 */
static void
pid_file_lock(void)
{
	char buf[32];
	ssize_t n;

	pid_path = xstrdup(var_pid_file);
	pid_fd = open(pid_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0644);
	if (pid_fd < 0)
		msg_fatal("open %s: %s", pid_path, strerror(errno));
	if (flock(pid_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK)
			msg_fatal("lock %s: %s", pid_path, strerror(errno));
		n = pread(pid_fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		msg_fatal("already running (pid %s)", log_safe(buf));
	}
	master_pid = getpid();
	msg_set_fatal_hook(pid_file_remove);
}

/* pid_file_write - our pid, once we know it */
static void
pid_file_write(void)
{
	char buf[32];
	int n;

	master_pid = getpid();
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)master_pid);
	if (n <= 0 || (size_t)n >= sizeof(buf) || ftruncate(pid_fd, 0) < 0
	    || pwrite(pid_fd, buf, (size_t)n, 0) != n)
		msg_fatal("write %s: %s", pid_path, strerror(errno));
}

/* daemonize - detach from the terminal */
static void
daemonize(void)
{
	pid_t pid;
	int fd;

	if ((pid = fork()) < 0)
		msg_fatal("fork: %s", strerror(errno));
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		msg_fatal("setsid: %s", strerror(errno));
	if (chdir("/") < 0)
		msg_fatal("chdir /: %s", strerror(errno));
	if ((fd = open("/dev/null", O_RDWR)) < 0)
		msg_fatal("open /dev/null: %s", strerror(errno));
	(void)dup2(fd, STDIN_FILENO);
	(void)dup2(fd, STDOUT_FILENO);
	(void)dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		(void)close(fd);
}

/* conf_path - DIR/file */
static char *
conf_path(const char *file)
{
	struct sbuf *sb = sbuf_new(0);
	char *path;

	if (sbuf_appendf(sb, "%s/%s", var_config_dir, file) < 0)
		msg_fatal("configuration path too long");
	path = xstrdup(sbuf_str(sb));
	sbuf_free(&sb);
	return (path);
}

/* params_snapshot - the current value of every parameter, as text */
static char **
params_snapshot(void)
{
	size_t n, i;
	char **snap;

	for (n = 0; param_table[n].name != NULL; n++)
		;
	snap = xcalloc(n + 1, sizeof(*snap));
	for (i = 0; i < n; i++)
		snap[i] = xstrdup(param_value(&param_table[i]));
	return (snap);
}

/*
 * params_restore - put a snapshot back after a failed reload (param_load
 * leaves the defaults behind on error). Values are already expanded, so a
 * '$' in them is written as "$$" to survive expansion again.
 */
static void
params_restore(char **snap)
{
	struct sbuf *sb = sbuf_new(0);
	const char *error, *p;
	size_t i;

	param_defaults();
	for (i = 0; param_table[i].name != NULL; i++) {
		sbuf_reset(sb);
		for (p = snap[i]; *p; p++)
			if (sbuf_appendc(sb, *p) < 0
			    || (*p == '$' && sbuf_appendc(sb, '$') < 0))
				break;
		if (param_set(param_table[i].name, sbuf_str(sb), &error) < 0)
			msg_warn("cannot restore %s: %s", param_table[i].name,
			    error);
	}
	sbuf_free(&sb);
}

/* params_snapshot_free - release a snapshot */
static void
params_snapshot_free(char **snap)
{
	size_t i;

	for (i = 0; snap[i] != NULL; i++)
		free(snap[i]);
	free(snap);
}

/*
 * load_config - read estuary.conf and services.conf into tab. 0, or -1
 * with *error_r "file:line: reason".
 */
static int
load_config(struct service_table *tab, const char **error_r)
{
	char *conf = conf_path(ESTUARY_CONF_FILE);
	char *services = conf_path(ESTUARY_SERVICES_FILE);
	int ret = -1;

	if (param_load(conf, 1, error_r) == 0
	    && service_table_load(services, tab, error_r) == 0)
		ret = 0;
	free(conf);
	free(services);
	if (var_debug)
		msg_verbose = 1;
	return (ret);
}

/* master_reload - new configuration, new generation; old one kept on error */
static void
master_reload(void)
{
	struct service_table tab = { NULL, 0 };
	struct master_service *svc;
	const char *error;
	char **snap;

	want_reload = 0;
	if (master_stopping)
		return;
	msg_info("reload");
	snap = params_snapshot();
	if (load_config(&tab, &error) < 0) {
		msg_error("reload: %s; keeping the old configuration", error);
		params_restore(snap);
		params_snapshot_free(snap);
		return;
	}
	master_generation++;
	if (master_services_sync(&tab, &error) < 0) {
		master_generation--;
		msg_error("reload: %s; keeping the old configuration", error);
		service_table_free(&tab);
		params_restore(snap);
		params_snapshot_free(snap);
		return;
	}
	params_snapshot_free(snap);
	service_table_free(&master_table);
	master_table = tab;
	/* A reload often fixes a failing service: give it a fresh start. */
	for (svc = master_services; svc != NULL; svc = svc->next) {
		svc->fail_count = 0;
		svc->throttle_until = 0;
		svc->probe_pid = 0;
	}
	/* Idle old workers exit now; busy ones finish their session first. */
	master_signal_workers(SIGTERM, 1);
	msg_info("reload: generation %u, %d services", master_generation,
	    master_table.count);
}

/* master_stop_begin - stop accepting, ask every worker to finish */
static void
master_stop_begin(void)
{
	struct master_service *svc;

	want_stop = 0;
	if (master_stopping)
		return;
	msg_info("stopping");
	master_stopping = 1;
	for (svc = master_services; svc != NULL; svc = svc->next)
		master_service_close_listeners(svc);
	master_signal_workers(SIGTERM, 0);
	stop_deadline = master_now() + (int64_t)var_stop_timeout * 1000;
}

/* master_stop_finish - everything has exited: clean up and leave */
static void __attribute__((noreturn))
master_stop_finish(void)
{
	if (stop_killed)
		msg_info("final checkpoint skipped: workers were killed, "
		    "the next start recovers the registry");
	else
		master_helper_checkpoint_sync();
	master_services_close_all();
	service_table_free(&master_table);
	pid_file_remove();
	msg_info("stopped");
	exit(0);
}

/* What a pollfd in the loop stands for. */
enum poll_kind {
	POLL_SIGNAL,
	POLL_STATUS,
	POLL_CHANNEL,
	POLL_LISTEN,
};

struct poll_what {
	enum poll_kind kind;
	struct master_service *svc;
	struct master_proc *proc;
};

struct poll_set {
	struct pollfd *pfd;
	struct poll_what *what;
	size_t	count;
	size_t	alloc;
};

/* poll_add - one more descriptor to watch */
static void
poll_add(struct poll_set *ps, int fd, enum poll_kind kind,
    struct master_service *svc, struct master_proc *proc)
{
	if (ps->count == ps->alloc) {
		ps->alloc = ps->alloc ? 2 * ps->alloc : 64;
		ps->pfd = xreallocarray(ps->pfd, ps->alloc, sizeof(*ps->pfd));
		ps->what = xreallocarray(ps->what, ps->alloc,
		    sizeof(*ps->what));
	}
	ps->pfd[ps->count].fd = fd;
	ps->pfd[ps->count].events = POLLIN;
	ps->pfd[ps->count].revents = 0;
	ps->what[ps->count].kind = kind;
	ps->what[ps->count].svc = svc;
	ps->what[ps->count].proc = proc;
	ps->count++;
}

/* loop_timeout - milliseconds until the next timer, for poll() */
static int
loop_timeout(int64_t now)
{
	int64_t next = INT64_MAX, t;

	if ((t = master_avail_next_timer(now)) < next)
		next = t;
	if ((t = master_helper_next_timer(now)) < next)
		next = t;
	if (master_stopping && !stop_killed && stop_deadline < next)
		next = stop_deadline;
	if (next == INT64_MAX)
		return (60000);
	if (next <= now)
		return (0);
	/* +1: wake just after the deadline, not a millisecond before it */
	return (next - now > 60000 ? 60000 : (int)(next - now) + 1);
}

/* master_loop - the event loop; returns never */
static void __attribute__((noreturn))
master_loop(void)
{
	struct poll_set ps = { NULL, NULL, 0, 0 };
	struct master_service *svc;
	struct master_proc *proc;
	int64_t now;
	size_t i;
	int n, k, chld;

	for (;;) {
		if (want_stop)
			master_stop_begin();
		if (want_reload)
			master_reload();
		now = master_now();
		master_helper_timer(now);
		if (master_stopping) {
			if (master_proc_count == 0 && !master_helper_busy())
				master_stop_finish();
			if (!stop_killed && now >= stop_deadline
			    && master_proc_count > 0) {
				msg_warn("stop: %d workers still running "
				    "after %d s: killing them",
				    master_proc_count, var_stop_timeout);
				master_signal_workers(SIGKILL, 0);
				stop_killed = 1;
			}
		}
		master_avail_all();

		ps.count = 0;
		poll_add(&ps, sig_pipe[0], POLL_SIGNAL, NULL, NULL);
		for (svc = master_services; svc != NULL; svc = svc->next) {
			poll_add(&ps, svc->status_rd, POLL_STATUS, svc, NULL);
			if (!master_avail_wants_demand(svc, now))
				continue;
			for (k = 0; k < svc->listen_count; k++)
				poll_add(&ps, svc->listeners[k].fd,
				    POLL_LISTEN, svc, NULL);
		}
		for (k = 0; k < master_proc_count; k++) {
			proc = master_procs[k];
			if (proc->channel_fd >= 0)
				poll_add(&ps, proc->channel_fd, POLL_CHANNEL,
				    proc->svc, proc);
		}

		n = poll(ps.pfd, ps.count, loop_timeout(now));
		if (n < 0 && errno != EINTR)
			msg_fatal("poll: %s", strerror(errno));

		chld = 0;
		if (n > 0 && ps.pfd[0].revents)
			signals_drain(&chld);
		/*
		 * Status records before reaping: a worker's last BUSY must be
		 * counted while its pid is still known. Listeners last: the
		 * records may already have made a worker idle.
		 */
		for (i = 1; n > 0 && i < ps.count; i++) {
			if (ps.pfd[i].revents == 0)
				continue;
			switch (ps.what[i].kind) {
			case POLL_STATUS:
				master_status_read(ps.what[i].svc);
				break;
			case POLL_CHANNEL:
				master_channel_read(ps.what[i].proc);
				break;
			default:
				break;
			}
		}
		for (i = 1; n > 0 && i < ps.count; i++)
			if (ps.pfd[i].revents != 0
			    && ps.what[i].kind == POLL_LISTEN)
				master_avail_demand(ps.what[i].svc);
		if (chld) {
			master_status_drain_all();
			master_reap();
		}
	}
}

/* check_owner - as root, the mail owner must exist and not be root */
static void
check_owner(void)
{
	const char *error;

	if (geteuid() != 0) {
		master_owner_uid = geteuid();
		master_owner_gid = getegid();
		return;
	}
	if (privs_lookup(var_mail_owner, &master_owner_uid, &master_owner_gid,
	    &error) < 0)
		msg_fatal("mail_owner %s: %s", var_mail_owner, error);
	if (master_owner_uid == 0)
		msg_fatal("mail_owner %s has uid 0: workers must not run as "
		    "root", var_mail_owner);
}

/* config_dir_abs - -c as an absolute path (we chdir / as a daemon) */
static char *
config_dir_abs(const char *dir)
{
	char *abs = realpath(dir, NULL);

	if (abs == NULL)
		msg_fatal("configuration directory %s: %s", dir,
		    strerror(errno));
	return (abs);
}

int
main(int argc, char **argv)
{
	const char *config_dir = ESTUARY_CONFDIR;
	const char *error;
	int ch;

	/* Whatever our parent left open is not ours to pass on or hold. */
	if (close_range(3, ~0U, 0) < 0)
		for (ch = 3; ch < 1024; ch++)
			(void)close(ch);
	msg_open("master", MSG_DEST_STDERR, NULL);
	while ((ch = getopt(argc, argv, "c:fv")) != -1) {
		switch (ch) {
		case 'c':
			config_dir = optarg;
			break;
		case 'f':
			master_foreground = 1;
			break;
		case 'v':
			msg_verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	umask(022);
	var_config_dir = config_dir_abs(config_dir);
	if (load_config(&master_table, &error) < 0)
		msg_fatal("%s", error);
	check_owner();
	master_dirs_init();
	pid_file_lock();
	if (master_services_sync(&master_table, &error) < 0)
		msg_fatal("%s", error);
	if (!master_foreground) {
		daemonize();
		msg_open("master", MSG_DEST_SYSLOG, var_syslog_facility);
	}
	pid_file_write();
	master_start_time = time(NULL);
	signals_init();
	msg_info("starting: generation %u, %d services, config %s",
	    master_generation, master_table.count, var_config_dir);
	master_helper_setup_sync();
	master_loop();
}
