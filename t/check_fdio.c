/*
 * check_fdio - unit tests for whole writes on plain descriptors.
 *
 * A buffer several times a pipe's capacity goes through a pipe whose
 * other end a child drains slowly, so write() is short, and arrives whole
 * and in order; an interrupting signal does not stop the write; a bad
 * descriptor and a closed reader fail with errno; an empty write succeeds
 * without touching the descriptor.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "fdio.h"
#include "tutil.h"

#define T_BIG	(1024 * 1024)

/* t_on_alarm - an interrupting handler that does nothing */
static void
t_on_alarm(int sig)
{
	(void)sig;
}

/* t_reader - child: read everything from fd, exit 0 if it matches */
static void
t_reader(int fd, const unsigned char *want, size_t len)
{
	static unsigned char buf[65536];
	size_t got = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (got + (size_t)n > len ||
		    memcmp(buf, want + got, (size_t)n) != 0)
			_exit(1);
		got += (size_t)n;
		usleep(1000);		/* keep the writer waiting */
	}
	_exit(n == 0 && got == len ? 0 : 2);
}

START_TEST(test_big)
{
	static unsigned char data[T_BIG];
	struct sigaction sa;
	struct itimerval it;
	int fds[2];
	size_t i;
	pid_t pid;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[1]);
		t_reader(fds[0], data, sizeof(data));
	}
	close(fds[0]);
	/* a signal without SA_RESTART interrupts a blocked write() */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = t_on_alarm;
	sigemptyset(&sa.sa_mask);
	ck_assert_int_eq(sigaction(SIGALRM, &sa, NULL), 0);
	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 20000;
	it.it_interval.tv_usec = 20000;
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	ck_assert_msg(fdio_write_all(fds[1], data, sizeof(data)) == 0,
	    "write: %s", strerror(errno));
	memset(&it, 0, sizeof(it));
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
	close(fds[1]);
	ck_assert_int_eq(tutil_wait(pid), 0);
}
END_TEST

START_TEST(test_errors)
{
	int fds[2];

	errno = 0;
	ck_assert_int_eq(fdio_write_all(-1, "x", 1), -1);
	ck_assert_int_eq(errno, EBADF);

	ck_assert_int_eq(pipe(fds), 0);
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	errno = 0;
	ck_assert_int_eq(fdio_write_all(fds[1], "x", 1), -1);
	ck_assert_int_eq(errno, EPIPE);
	close(fds[1]);

	/* nothing to write: not even a bad descriptor is looked at */
	ck_assert_int_eq(fdio_write_all(-1, "", 0), 0);
}
END_TEST

static Suite *
fdio_suite(void)
{
	Suite *s = suite_create("fdio");
	TCase *tc;

	tc = tcase_create("write_all");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_big);
	tcase_add_test(tc, test_errors);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (tutil_run(fdio_suite()));
}
