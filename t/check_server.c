/*
 * check_server - the worker skeleton, driven the way the master drives it.
 *
 * Each test runs ./testsvc (built beside this test) with a status pipe at
 * descriptor 3 and a listening socket (UNIX in a temporary directory, or
 * TCP on 127.0.0.1) at descriptor 5, plus a temporary estuary.conf, and
 * then plays the master: it reads the status records and watches the
 * exit status. As root the worker drops to "nobody".
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "master_proto.h"

#define TESTSVC		"./testsvc"
#define GENERATION	"7"
#define WAIT_MS		5000

static char t_dir[64];			/* fixture: temporary directory */
static char t_sock[80];			/* its UNIX socket path */

/* write_conf - the worker's estuary.conf, with extra lines */
static void
write_conf(const char *extra)
{
	char path[PATH_MAX + 32];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/estuary.conf", t_dir);
	fp = fopen(path, "w");
	ck_assert_msg(fp != NULL, "fopen %s: %s", path, strerror(errno));
	fprintf(fp, "daemon_directory = %s\nstate_directory = %s/state\n"
	    "queue_dir = %s/queue\nrun_dir = %s/run\nmax_idle = 30s\n",
	    t_dir, t_dir, t_dir, t_dir);
	if (geteuid() == 0)
		fprintf(fp, "mail_owner = nobody\n");
	fputs(extra, fp);
	ck_assert_int_eq(fclose(fp), 0);
}

/* setup - a temporary directory with a configuration */
static void
setup(void)
{
	snprintf(t_dir, sizeof(t_dir), "/tmp/check_server.XXXXXX");
	ck_assert_msg(mkdtemp(t_dir) != NULL, "mkdtemp: %s", strerror(errno));
	/* As root the worker drops to nobody, which must reach nothing here. */
	snprintf(t_sock, sizeof(t_sock), "%s/sock", t_dir);
	write_conf("");
}

/* teardown - remove what setup made */
static void
teardown(void)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/estuary.conf", t_dir);
	(void)unlink(path);
	(void)unlink(t_sock);
	(void)rmdir(t_dir);
}

/* listen_unix - a listening UNIX socket at t_sock */
static int
listen_unix(void)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", t_sock);
	(void)unlink(t_sock);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "bind %s: %s", t_sock, strerror(errno));
	ck_assert_int_eq(listen(fd, 16), 0);
	return (fd);
}

/* listen_tcp - a listening socket on 127.0.0.1, port chosen by the kernel */
static int
listen_tcp(int *port_r)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(fd, 16), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port_r = ntohs(sin.sin_port);
	return (fd);
}

/* struct worker - one testsvc run */
struct worker {
	pid_t	pid;
	int	status_rd;		/* our end of its status pipe, or -1 */
};

/*
 * start_worker - exec testsvc with the status pipe (unless !with_status),
 * the nlisten listeners in lfds and argv (NULL-terminated, without the
 * program name). "@DIR" in argv is replaced by the temporary directory.
 */
static struct worker
start_worker(const char *const *args, const int *lfds, int nlisten,
    int with_status)
{
	struct worker w = { -1, -1 };
	char *argv[40];
	int pfd[2] = { -1, -1 }, n = 0, i, tmp[8];

	argv[n++] = (char *)TESTSVC;
	for (i = 0; args[i] != NULL && n < 38; i++)
		argv[n++] = strcmp(args[i], "@DIR") == 0 ? t_dir
		    : (char *)args[i];
	argv[n] = NULL;
	if (with_status)
		ck_assert_int_eq(pipe(pfd), 0);
	w.pid = fork();
	ck_assert_int_ge(w.pid, 0);
	if (w.pid == 0) {
		/* Copy everything above the targets first, then place it. */
		int src_status = pfd[1] >= 0
		    ? fcntl(pfd[1], F_DUPFD, 20) : -1;

		for (i = 0; i < nlisten; i++)
			tmp[i] = fcntl(lfds[i], F_DUPFD, 20);
		if (src_status >= 0)
			(void)dup2(src_status, MASTER_STATUS_FD);
		else
			(void)close(MASTER_STATUS_FD);
		(void)close(MASTER_CHANNEL_FD);
		for (i = 0; i < nlisten; i++)
			(void)dup2(tmp[i], MASTER_LISTEN_FD + i);
		(void)close_range((unsigned)(MASTER_LISTEN_FD + nlisten), ~0U,
		    0);
		execv(TESTSVC, argv);
		_exit(126);
	}
	if (with_status) {
		(void)close(pfd[1]);
		w.status_rd = pfd[0];
	}
	return (w);
}

/* std_worker - the usual arguments with max_use and one UNIX listener */
static struct worker
std_worker(const char *max_use, int lfd)
{
	const char *args[] = { "-c", "@DIR", "-n", "svc", "-g", GENERATION,
	    "-l", "1", "-u", max_use, "-f", NULL };

	return (start_worker(args, &lfd, 1, 1));
}

/*
 * read_status - the next status record within ms. 1 with *rec, 0 at EOF
 * (every writer gone), -1 on timeout or a short record.
 */
static int
read_status(int fd, int ms, struct master_status *rec)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return (-1);
	n = read(fd, rec, sizeof(*rec));
	if (n == 0)
		return (0);
	return (n == (ssize_t)sizeof(*rec) ? 1 : -1);
}

/* expect_status - the next record must be state from pid */
static void
expect_status(const struct worker *w, int state, const char *when)
{
	struct master_status rec;
	int got = read_status(w->status_rd, WAIT_MS, &rec);

	ck_assert_msg(got == 1, "%s: no status record (got %d)", when, got);
	ck_assert_msg(rec.state == state, "%s: state: got %d, want %d", when,
	    rec.state, state);
	ck_assert_msg(rec.pid == w->pid, "%s: pid: got %ld, want %ld", when,
	    (long)rec.pid, (long)w->pid);
	ck_assert_msg(rec.generation == 7, "%s: generation: got %u, want 7",
	    when, rec.generation);
}

/* wait_exit - the worker's wait status within ms, or -1 (then killed) */
static int
wait_exit(pid_t pid, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int status, i;

	for (i = 0; i < ms / 10; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return (status);
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	return (-1);
}

/* expect_exit - the worker must exit with code within ms */
static void
expect_exit(pid_t pid, int code, int ms, const char *what)
{
	int status = wait_exit(pid, ms);

	ck_assert_msg(status != -1, "%s: still running after %d ms", what, ms);
	ck_assert_msg(WIFEXITED(status), "%s: killed by signal %d", what,
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert_msg(WEXITSTATUS(status) == code, "%s: exit: got %d, want %d",
	    what, WEXITSTATUS(status), code);
}

/* elapsed_ms - milliseconds from t0 to t1 */
static long
elapsed_ms(const struct timespec *t0, const struct timespec *t1)
{
	return ((t1->tv_sec - t0->tv_sec) * 1000
	    + (t1->tv_nsec - t0->tv_nsec) / 1000000);
}

/* connect_unix - a client of t_sock */
static int
connect_unix(void)
{
	struct sockaddr_un sun;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", t_sock);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "connect: %s", strerror(errno));
	return (fd);
}

/* connect_tcp - a client of 127.0.0.1:port */
static int
connect_tcp(int port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "connect: %s", strerror(errno));
	return (fd);
}

/* read_line - one line (CR LF stripped) within WAIT_MS; "" at EOF */
static void
read_line(int fd, char *buf, size_t size)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	size_t len = 0;
	char c;

	while (len + 1 < size) {
		ck_assert_msg(poll(&pfd, 1, WAIT_MS) == 1, "read: timeout");
		if (read(fd, &c, 1) != 1)
			break;
		if (c == '\n')
			break;
		if (c != '\r')
			buf[len++] = c;
	}
	buf[len] = '\0';
}

/* command - send a line, return the answer in buf */
static void
command(int fd, const char *line, char *buf, size_t size)
{
	char out[256];
	int n = snprintf(out, sizeof(out), "%s\r\n", line);

	ck_assert_int_eq(write(fd, out, (size_t)n), n);
	read_line(fd, buf, size);
}

/* greeting_ok - the greeting names the service, pid, euid, generation */
static void
greeting_ok(int fd, pid_t pid)
{
	char buf[256], want[256];
	long euid = (long)geteuid();
	struct passwd *pw;

	/* As root the worker must have dropped to the mail owner. */
	if (euid == 0) {
		pw = getpwnam("nobody");
		ck_assert_msg(pw != NULL, "no user nobody");
		euid = (long)pw->pw_uid;
	}
	read_line(fd, buf, sizeof(buf));
	snprintf(want, sizeof(want), "testsvc svc pid=%ld euid=%ld gen=7",
	    (long)pid, euid);
	ck_assert_msg(strcmp(buf, want) == 0,
	    "greeting: got \"%s\", want \"%s\"", buf, want);
}

START_TEST(test_status_records)
{
	int lfd = listen_unix(), c;
	struct worker w = std_worker("10", lfd);
	char buf[256];

	expect_status(&w, MASTER_STAT_IDLE, "ready");
	c = connect_unix();
	greeting_ok(c, w.pid);
	expect_status(&w, MASTER_STAT_BUSY, "after accept");
	command(c, "ECHO hello there", buf, sizeof(buf));
	ck_assert_str_eq(buf, "hello there");
	command(c, "PEER", buf, sizeof(buf));
	ck_assert_str_eq(buf, "peer=unix:0 local=unix:0 listen=0");
	command(c, "QUIT", buf, sizeof(buf));
	ck_assert_str_eq(buf, "bye");
	expect_status(&w, MASTER_STAT_IDLE, "after the connection");
	close(c);
	kill(w.pid, SIGTERM);
	expect_exit(w.pid, 0, WAIT_MS, "SIGTERM");
}
END_TEST

START_TEST(test_tcp_peer)
{
	const char *args[] = { "-c", "@DIR", "-n", "svc", "-g", GENERATION,
	    "-l", "2", "-u", "10", "-f", NULL };
	int port0, port1, lfds[2], c;
	char buf[256], want[256];
	struct worker w;
	struct sockaddr_in me;
	socklen_t len = sizeof(me);

	lfds[0] = listen_tcp(&port0);
	lfds[1] = listen_tcp(&port1);
	w = start_worker(args, lfds, 2, 1);
	expect_status(&w, MASTER_STAT_IDLE, "ready");
	/* The second listener: listen_index 1. */
	c = connect_tcp(port1);
	ck_assert_int_eq(getsockname(c, (struct sockaddr *)&me, &len), 0);
	greeting_ok(c, w.pid);
	command(c, "PEER", buf, sizeof(buf));
	snprintf(want, sizeof(want), "peer=127.0.0.1:%d local=127.0.0.1:%d "
	    "listen=1", ntohs(me.sin_port), port1);
	ck_assert_msg(strcmp(buf, want) == 0, "PEER: got \"%s\", want \"%s\"",
	    buf, want);
	close(c);
	expect_status(&w, MASTER_STAT_BUSY, "after accept");
	expect_status(&w, MASTER_STAT_IDLE, "after the connection");
	kill(w.pid, SIGTERM);
	expect_exit(w.pid, 0, WAIT_MS, "SIGTERM");
}
END_TEST

START_TEST(test_max_use)
{
	int lfd = listen_unix(), c, i;
	struct worker w = std_worker("2", lfd);
	char buf[256];

	expect_status(&w, MASTER_STAT_IDLE, "ready");
	for (i = 0; i < 2; i++) {
		c = connect_unix();
		greeting_ok(c, w.pid);
		command(c, "QUIT", buf, sizeof(buf));
		ck_assert_str_eq(buf, "bye");
		close(c);
		expect_status(&w, MASTER_STAT_BUSY, "after accept");
		if (i == 0)
			expect_status(&w, MASTER_STAT_IDLE, "after #1");
	}
	expect_exit(w.pid, 0, WAIT_MS, "after max_use connections");
	/* No IDLE after the last one: the worker is gone. */
	ck_assert_int_eq(read_status(w.status_rd, WAIT_MS,
	    &(struct master_status){ 0, 0, 0 }), 0);
}
END_TEST

START_TEST(test_master_gone)
{
	int lfd = listen_unix();
	struct worker w = std_worker("10", lfd);

	expect_status(&w, MASTER_STAT_IDLE, "ready");
	close(w.status_rd);
	expect_exit(w.pid, 0, WAIT_MS, "status pipe closed");
}
END_TEST

START_TEST(test_sigterm_idle)
{
	int lfd = listen_unix();
	struct worker w = std_worker("10", lfd);
	struct timespec t0, t1;
	long ms;

	expect_status(&w, MASTER_STAT_IDLE, "ready");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(w.pid, SIGTERM);
	expect_exit(w.pid, 0, WAIT_MS, "SIGTERM while idle");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = elapsed_ms(&t0, &t1);
	ck_assert_msg(ms < 1000, "exit took %ld ms, want < 1000", ms);
}
END_TEST

START_TEST(test_sigterm_busy)
{
	int lfd = listen_unix(), c;
	struct worker w = std_worker("10", lfd);
	struct timespec pause = { 0, 300 * 1000 * 1000 };
	char buf[256];

	expect_status(&w, MASTER_STAT_IDLE, "ready");
	c = connect_unix();
	greeting_ok(c, w.pid);
	expect_status(&w, MASTER_STAT_BUSY, "after accept");
	ck_assert_int_eq(write(c, "SLEEP 1\r\n", 9), 9);
	nanosleep(&pause, NULL);
	kill(w.pid, SIGTERM);
	read_line(c, buf, sizeof(buf));
	ck_assert_msg(strcmp(buf, "slept") == 0, "SLEEP: got \"%s\", want "
	    "\"slept\"", buf);
	/* The session goes on until the client ends it. */
	command(c, "ECHO still here", buf, sizeof(buf));
	ck_assert_str_eq(buf, "still here");
	command(c, "QUIT", buf, sizeof(buf));
	ck_assert_str_eq(buf, "bye");
	close(c);
	expect_exit(w.pid, 0, WAIT_MS, "SIGTERM after the session");
}
END_TEST

START_TEST(test_max_idle)
{
	int lfd, status;
	struct worker w;
	struct timespec t0, t1;
	long ms;

	write_conf("max_idle = 1s\n");
	lfd = listen_unix();
	w = std_worker("10", lfd);
	expect_status(&w, MASTER_STAT_IDLE, "ready");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	status = wait_exit(w.pid, WAIT_MS);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = elapsed_ms(&t0, &t1);
	ck_assert_msg(status != -1 && WIFEXITED(status)
	    && WEXITSTATUS(status) == 0, "max_idle: status %d", status);
	ck_assert_msg(ms >= 800 && ms < 3000, "max_idle 1s: exit after %ld ms",
	    ms);
}
END_TEST

START_TEST(test_no_status_pipe)
{
	int lfd = listen_unix();
	const char *args[] = { "-c", "@DIR", "-n", "svc", "-g", GENERATION,
	    "-l", "1", "-u", "1", "-f", NULL };
	struct worker w = start_worker(args, &lfd, 1, 0);

	expect_exit(w.pid, 1, WAIT_MS, "run by hand");
}
END_TEST

/* Arguments and configurations the worker must refuse before it is ready. */
static const struct {
	const char *name;
	const char *conf;		/* extra estuary.conf lines */
	const char *args[16];
} bad_cases[] = {
	{ "no -n", "", { "-c", "@DIR", "-g", "1", "-l", "1", "-u", "1",
	    NULL } },
	{ "empty -n", "", { "-c", "@DIR", "-n", "", "-l", "1", NULL } },
	{ "no -c", "", { "-n", "svc", "-l", "1", NULL } },
	{ "bad -g", "", { "-c", "@DIR", "-n", "svc", "-g", "x", "-l", "1",
	    NULL } },
	{ "-g overflow", "", { "-c", "@DIR", "-n", "svc", "-g",
	    "99999999999", "-l", "1", NULL } },
	{ "negative -l", "", { "-c", "@DIR", "-n", "svc", "-l", "-1", NULL } },
	{ "-l too big", "", { "-c", "@DIR", "-n", "svc", "-l", "65", NULL } },
	{ "-l more than given", "", { "-c", "@DIR", "-n", "svc", "-l", "2",
	    NULL } },
	{ "-u zero", "", { "-c", "@DIR", "-n", "svc", "-l", "1", "-u", "0",
	    NULL } },
	{ "-u trailing text", "", { "-c", "@DIR", "-n", "svc", "-l", "1",
	    "-u", "5x", NULL } },
	{ "-u empty", "", { "-c", "@DIR", "-n", "svc", "-l", "1", "-u", "",
	    NULL } },
	{ "unknown option", "", { "-c", "@DIR", "-n", "svc", "-z", NULL } },
	{ "missing option value", "", { "-c", "@DIR", "-n", NULL } },
	{ "bad config line", "this is not a parameter\n",
	    { "-c", "@DIR", "-n", "svc", "-l", "1", NULL } },
	{ "config out of range", "max_idle = 0\n",
	    { "-c", "@DIR", "-n", "svc", "-l", "1", NULL } },
	{ "fail in post_drop", "", { "-c", "@DIR", "-n", "svc", "-l", "1",
	    "-f", "--", "fail", NULL } },
};

START_TEST(test_refuse)
{
	int lfd = listen_unix(), status, got;
	struct master_status rec;
	struct worker w;

	if (*bad_cases[_i].conf)
		write_conf(bad_cases[_i].conf);
	w = start_worker(bad_cases[_i].args, &lfd, 1, 1);
	status = wait_exit(w.pid, WAIT_MS);
	ck_assert_msg(status != -1 && WIFEXITED(status)
	    && WEXITSTATUS(status) == 1, "%s: wait status: got %d, want exit 1",
	    bad_cases[_i].name, status);
	got = read_status(w.status_rd, WAIT_MS, &rec);
	ck_assert_msg(got == 0, "%s: status pipe: got %d, want EOF (0)",
	    bad_cases[_i].name, got);
}
END_TEST

/* server_suite - every behaviour of server.c */
static Suite *
server_suite(void)
{
	Suite *s = suite_create("server");
	TCase *tc;

	tc = tcase_create("status_records");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_status_records);
	suite_add_tcase(s, tc);

	tc = tcase_create("tcp_peer");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tcp_peer);
	suite_add_tcase(s, tc);

	tc = tcase_create("max_use");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_max_use);
	suite_add_tcase(s, tc);

	tc = tcase_create("master_gone");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_master_gone);
	suite_add_tcase(s, tc);

	tc = tcase_create("sigterm");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sigterm_idle);
	tcase_add_test(tc, test_sigterm_busy);
	suite_add_tcase(s, tc);

	tc = tcase_create("max_idle");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_max_idle);
	suite_add_tcase(s, tc);

	tc = tcase_create("refuse");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_no_status_pipe);
	tcase_add_loop_test(tc, test_refuse, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(server_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
