/*
 * check_stream - unit tests for common/stream.c.
 *
 * Every stream runs over a socketpair (a pipe for the non-socket case); a
 * forked child plays the peer when the test needs one that writes slowly,
 * reads a lot, or answers. Timeouts and deadlines use 1-second limits and
 * the elapsed time is checked, so a stream that waits too long or gives up
 * too early fails.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "mem.h"
#include "sbuf.h"
#include "stream.h"

#define S(x)	x, sizeof(x) - 1	/* a literal and its length, NULs too */

static struct sbuf *t_line;

/* setup - a fresh line buffer per test */
static void
setup(void)
{
	t_line = sbuf_new(0);
}

/* teardown - release the line buffer */
static void
teardown(void)
{
	sbuf_free(&t_line);
}

/* t_now - monotonic seconds */
static double
t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* t_pair - a connected socketpair */
static void
t_pair(int sv[2])
{
	ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0,
	    "socketpair: %s", strerror(errno));
}

/* t_send_all - blocking write of n bytes without SIGPIPE; 0 or -1 */
static int
t_send_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t r;

	while (n > 0) {
		if ((r = send(fd, p, n, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += r;
		n -= (size_t)r;
	}
	return (0);
}

/*
 * t_writer - fork a peer that writes len bytes of in to fd, chunk bytes at
 * a time with gap microseconds between, then exits (closing fd). The parent
 * keeps other and loses fd.
 */
static pid_t
t_writer(int fd, int other, const char *in, size_t len, size_t chunk,
    useconds_t gap)
{
	size_t off, n;
	pid_t pid;

	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(other);
		for (off = 0; off < len; off += n) {
			n = len - off < chunk ? len - off : chunk;
			if (t_send_all(fd, in + off, n) < 0)
				_exit(1);
			if (gap)
				usleep(gap);
		}
		_exit(0);
	}
	(void)close(fd);
	return (pid);
}

/* t_wait - the child's exit code, or 100 + signal */
static int
t_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return (-1);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (100 + WTERMSIG(status));
}

/* t_stream - a stream that reads in, then end of input */
static struct stream *
t_stream(const char *in, size_t len, size_t max_line)
{
	int sv[2];

	t_pair(sv);
	ck_assert_int_eq(t_send_all(sv[1], in, len), 0);
	(void)close(sv[1]);
	return (stream_fdopen(sv[0], STREAM_RDWR, max_line));
}

/* Line reading: every result until end of input, max_line 8. */
struct want {
	int	status;
	const char *line;
	size_t	len;
};

static const struct {
	const char *name;
	const char *in;
	size_t	in_len;
	struct want want[5];		/* ends with STREAM_EOF */
} line_cases[] = {
	{ "crlf", S("NOOP\r\n"),
	    { { STREAM_LINE_OK, S("NOOP") }, { STREAM_EOF, S("") } } },
	{ "bare lf", S("NOOP\n"),
	    { { STREAM_LINE_OK, S("NOOP") }, { STREAM_EOF, S("") } } },
	{ "empty crlf", S("\r\n"),
	    { { STREAM_LINE_OK, S("") }, { STREAM_EOF, S("") } } },
	{ "empty lf", S("\n"),
	    { { STREAM_LINE_OK, S("") }, { STREAM_EOF, S("") } } },
	{ "two lines", S("A\r\nB\n"),
	    { { STREAM_LINE_OK, S("A") }, { STREAM_LINE_OK, S("B") },
	    { STREAM_EOF, S("") } } },
	{ "nul in line", S("A\0B\r\n"),
	    { { STREAM_LINE_OK, S("A\0B") }, { STREAM_EOF, S("") } } },
	{ "nul only", S("\0\n"),
	    { { STREAM_LINE_OK, S("\0") }, { STREAM_EOF, S("") } } },
	{ "lone cr kept", S("A\rB\n"),
	    { { STREAM_LINE_OK, S("A\rB") }, { STREAM_EOF, S("") } } },
	{ "one cr stripped", S("A\r\r\n"),
	    { { STREAM_LINE_OK, S("A\r") }, { STREAM_EOF, S("") } } },
	{ "too long then ok", S("AAAAAAAAAAAA\r\nX\r\n"),
	    { { STREAM_LINE_TOO_LONG, S("") }, { STREAM_LINE_OK, S("X") },
	    { STREAM_EOF, S("") } } },
	{ "too long twice", S("AAAAAAAAAAAA\nBBBBBBBBBBBBB\nC\n"),
	    { { STREAM_LINE_TOO_LONG, S("") },
	    { STREAM_LINE_TOO_LONG, S("") }, { STREAM_LINE_OK, S("C") },
	    { STREAM_EOF, S("") } } },
	{ "too long then empty", S("AAAAAAAAAAAA\n\n"),
	    { { STREAM_LINE_TOO_LONG, S("") }, { STREAM_LINE_OK, S("") },
	    { STREAM_EOF, S("") } } },
	{ "too long with nul", S("AAAA\0AAAAAAA\r\nOK\r\n"),
	    { { STREAM_LINE_TOO_LONG, S("") }, { STREAM_LINE_OK, S("OK") },
	    { STREAM_EOF, S("") } } },
	{ "exactly max_line", S("AAAAAAAA\r\n"),
	    { { STREAM_LINE_OK, S("AAAAAAAA") }, { STREAM_EOF, S("") } } },
	{ "exactly max_line lf", S("AAAAAAAA\n"),
	    { { STREAM_LINE_OK, S("AAAAAAAA") }, { STREAM_EOF, S("") } } },
	{ "max_line plus one", S("AAAAAAAAA\r\nB\n"),
	    { { STREAM_LINE_TOO_LONG, S("") }, { STREAM_LINE_OK, S("B") },
	    { STREAM_EOF, S("") } } },
	{ "max_line plus one lf", S("AAAAAAAAA\n"),
	    { { STREAM_LINE_TOO_LONG, S("") }, { STREAM_EOF, S("") } } },
	{ "max_line plus cr", S("AAAAAAAA\r\r\n"),
	    { { STREAM_LINE_TOO_LONG, S("") }, { STREAM_EOF, S("") } } },
	{ "eof mid-line", S("NOO"),
	    { { STREAM_EOF, S("") } } },
	{ "eof after line", S("NOOP\r\nQU"),
	    { { STREAM_LINE_OK, S("NOOP") }, { STREAM_EOF, S("") } } },
	{ "eof after cr", S("NOOP\r"),
	    { { STREAM_EOF, S("") } } },
	{ "eof in too long line", S("AAAAAAAAAAAAAAA"),
	    { { STREAM_EOF, S("") } } },
	{ "eof", S(""),
	    { { STREAM_EOF, S("") } } },
};

/* check_lines - read every line of case i from s and compare */
static void
check_lines(int i, struct stream *s)
{
	const struct want *w;
	int got, n;

	for (n = 0;; n++) {
		w = &line_cases[i].want[n];
		got = stream_read_line(s, t_line);
		ck_assert_msg(got == w->status,
		    "%s: line %d: got status %d, want %d",
		    line_cases[i].name, n, got, w->status);
		ck_assert_msg(sbuf_len(t_line) == w->len
		    && memcmp(sbuf_str(t_line), w->line, w->len) == 0,
		    "%s: line %d: got \"%s\" (%zu bytes), want \"%s\" (%zu)",
		    line_cases[i].name, n, sbuf_str(t_line), sbuf_len(t_line),
		    w->line, w->len);
		if (w->status == STREAM_EOF)
			break;
	}
	/* End of input sticks. */
	got = stream_read_line(s, t_line);
	ck_assert_msg(got == STREAM_EOF, "%s: after eof: got %d, want %d",
	    line_cases[i].name, got, STREAM_EOF);
	ck_assert_str_eq(stream_reason(s), "eof");
}

START_TEST(test_read_line)
{
	struct stream *s = t_stream(line_cases[_i].in, line_cases[_i].in_len,
	    8);

	stream_set_timeout(s, 5);
	check_lines(_i, s);
	stream_free(&s);
}
END_TEST

START_TEST(test_read_line_bytewise)
{
	struct stream *s;
	int sv[2];
	pid_t pid;

	t_pair(sv);
	pid = t_writer(sv[1], sv[0], line_cases[_i].in,
	    line_cases[_i].in_len, 1, 1000);
	s = stream_fdopen(sv[0], STREAM_RDWR, 8);
	stream_set_timeout(s, 5);
	check_lines(_i, s);
	stream_free(&s);
	ck_assert_int_eq(t_wait(pid), 0);
}
END_TEST

/* Lines longer than one read block; the line sbuf must not grow past them. */
static const struct {
	const char *name;
	size_t	len;			/* bytes before CR LF */
	size_t	max_line;
	int	want;
} long_cases[] = {
	{ "100k over 1000", 100000, 1000, STREAM_LINE_TOO_LONG },
	{ "exactly 20000", 20000, 20000, STREAM_LINE_OK },
	{ "20001 over 20000", 20001, 20000, STREAM_LINE_TOO_LONG },
	{ "1M over 8", 1000000, 8, STREAM_LINE_TOO_LONG },
};

START_TEST(test_read_line_long)
{
	struct stream *s;
	size_t len = long_cases[_i].len, i;
	char *in = xmalloc(len + 6);
	int sv[2], got;
	pid_t pid;

	for (i = 0; i < len; i++)
		in[i] = (char)('a' + i % 26);
	memcpy(in + len, "\r\nOK\r\n", 6);
	t_pair(sv);
	pid = t_writer(sv[1], sv[0], in, len + 6, 65536, 0);
	s = stream_fdopen(sv[0], STREAM_RDWR, long_cases[_i].max_line);
	stream_set_timeout(s, 5);
	got = stream_read_line(s, t_line);
	ck_assert_msg(got == long_cases[_i].want, "%s: got %d, want %d",
	    long_cases[_i].name, got, long_cases[_i].want);
	if (got == STREAM_LINE_OK) {
		ck_assert_msg(sbuf_len(t_line) == len
		    && memcmp(sbuf_str(t_line), in, len) == 0,
		    "%s: got %zu bytes, want %zu", long_cases[_i].name,
		    sbuf_len(t_line), len);
	} else {
		ck_assert_msg(sbuf_len(t_line) == 0,
		    "%s: got %zu bytes, want 0", long_cases[_i].name,
		    sbuf_len(t_line));
	}
	ck_assert_msg(t_line->alloc <= 2 * (long_cases[_i].max_line + 2)
	    || t_line->alloc <= 64, "%s: line grew to %zu bytes",
	    long_cases[_i].name, t_line->alloc);
	got = stream_read_line(s, t_line);
	ck_assert_msg(got == STREAM_LINE_OK, "%s: next: got %d, want %d",
	    long_cases[_i].name, got, STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "OK");
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_EOF);
	stream_free(&s);
	free(in);
	ck_assert_int_eq(t_wait(pid), 0);
}
END_TEST

START_TEST(test_read_line_small_sbuf)
{
	struct stream *s = t_stream(S("ABCDEF\nAB\n"), 8);
	struct sbuf *small = sbuf_new(4);
	int got;

	/* The caller's sbuf is the tighter bound: still skipped whole. */
	got = stream_read_line(s, small);
	ck_assert_msg(got == STREAM_LINE_TOO_LONG, "got %d, want %d", got,
	    STREAM_LINE_TOO_LONG);
	ck_assert_uint_eq(sbuf_len(small), 0);
	ck_assert_int_eq(stream_read_line(s, small), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(small), "AB");
	sbuf_free(&small);
	stream_free(&s);
}
END_TEST

START_TEST(test_read_bytes)
{
	struct stream *s = t_stream(S("LINE\r\nhello world"), 100);
	char buf[32];
	ssize_t n;

	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "LINE");
	ck_assert_uint_eq(stream_pending(s), 11);
	n = stream_read(s, buf, 5);
	ck_assert_msg(n == 5, "read: got %zd, want 5", n);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_int_eq(stream_read_exact(s, buf, 6), 0);
	ck_assert_mem_eq(buf, " world", 6);
	ck_assert_uint_eq(stream_pending(s), 0);
	n = stream_read(s, buf, sizeof(buf));
	ck_assert_msg(n == 0, "read at eof: got %zd, want 0", n);
	ck_assert_int_eq(stream_read_exact(s, buf, 1), -1);
	ck_assert_int_eq(stream_error(s), STREAM_EOF);
	stream_free(&s);
}
END_TEST

START_TEST(test_read_exact_truncated)
{
	struct stream *s = t_stream(S("abc"), 100);
	char buf[8];

	ck_assert_int_eq(stream_read_exact(s, buf, 5), -1);
	ck_assert_int_eq(stream_error(s), STREAM_EOF);
	ck_assert_str_eq(stream_reason(s), "eof");
	stream_free(&s);
}
END_TEST

START_TEST(test_read_partial)
{
	struct stream *s;
	char buf[4096];
	int sv[2];
	ssize_t n;
	pid_t pid;

	/* stream_read() returns what is there without waiting for more. */
	t_pair(sv);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 5);
	pid = t_writer(sv[1], sv[0], "abcdef", 6, 3, 300000);
	n = stream_read(s, buf, sizeof(buf));
	ck_assert_msg(n == 3, "got %zd, want 3", n);
	ck_assert_int_eq(stream_read_exact(s, buf, 3), 0);
	ck_assert_mem_eq(buf, "def", 3);
	stream_free(&s);
	ck_assert_int_eq(t_wait(pid), 0);
}
END_TEST

START_TEST(test_discard_input)
{
	struct stream *s = t_stream(S("STARTTLS\r\nINJECTED\r\n"), 100);

	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_uint_eq(stream_pending(s), 10);
	stream_discard_input(s);
	ck_assert_uint_eq(stream_pending(s), 0);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_EOF);
	stream_free(&s);
}
END_TEST

START_TEST(test_timeout)
{
	struct stream *s;
	char c;
	int sv[2];
	double t0, dt;

	t_pair(sv);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 1);
	ck_assert_int_eq(stream_error(s), 0);
	ck_assert_str_eq(stream_reason(s), "");
	t0 = t_now();
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_TIMEOUT);
	dt = t_now() - t0;
	ck_assert_msg(dt >= 0.95 && dt < 3.5, "waited %.2f s, want 1", dt);
	ck_assert_str_eq(stream_reason(s), "timeout");

	/* Errors stick, even once the peer speaks. */
	ck_assert_int_eq(t_send_all(sv[1], "HELLO\r\n", 7), 0);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_TIMEOUT);
	ck_assert_uint_eq(sbuf_len(t_line), 0);
	ck_assert_int_eq(stream_read(s, &c, 1), -1);
	ck_assert_int_eq(stream_write(s, "x", 1), -1);
	ck_assert_int_eq(stream_puts(s, "x"), -1);
	ck_assert_int_eq(stream_printf(s, "%d", 1), -1);
	ck_assert_int_eq(stream_flush(s), -1);
	ck_assert_int_eq(stream_wait(s, POLLIN), -1);
	ck_assert_int_eq(stream_error(s), STREAM_TIMEOUT);
	ck_assert_str_eq(stream_reason(s), "timeout");
	stream_free(&s);
	(void)close(sv[1]);
}
END_TEST

START_TEST(test_sticky_eof)
{
	struct stream *s = t_stream(S("A\n"), 100);
	char c;

	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_EOF);
	ck_assert_int_eq(stream_read(s, &c, 1), 0);
	ck_assert_int_eq(stream_read_exact(s, &c, 1), -1);
	ck_assert_int_eq(stream_error(s), STREAM_EOF);
	ck_assert_str_eq(stream_reason(s), "eof");
	/* output goes on after end of input; the peer is gone altogether */
	ck_assert_int_eq(stream_write(s, "x", 1), 0);
	ck_assert_int_eq(stream_flush(s), -1);
	ck_assert_int_eq(stream_error(s), STREAM_ERROR);
	ck_assert_int_eq(stream_write(s, "x", 1), -1);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_ERROR);
	stream_free(&s);
}
END_TEST

/*
 * A peer that sends its commands and half-closes still gets every reply,
 * the ones buffered before end of input was seen and those after; a
 * write failure afterwards sticks.
 */
START_TEST(test_half_close)
{
	struct stream *s;
	char buf[256];
	size_t got = 0;
	ssize_t n;
	int sv[2];

	t_pair(sv);
	ck_assert_int_eq(t_send_all(sv[1], S("CAPA\r\nNOOP\r\n")), 0);
	ck_assert_int_eq(shutdown(sv[1], SHUT_WR), 0);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 1);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_int_eq(stream_puts(s, "+OK capa\r\n"), 0);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_int_eq(stream_puts(s, "+OK noop\r\n"), 0);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_EOF);
	ck_assert_int_eq(stream_printf(s, "-ERR %s\r\n", "bye"), 0);
	ck_assert_int_eq(stream_flush(s), 0);
	ck_assert_int_eq(stream_error(s), STREAM_EOF);
	ck_assert_str_eq(stream_reason(s), "eof");
	while (got < sizeof(buf) - 1 &&
	    (n = read(sv[1], buf + got, sizeof(buf) - 1 - got)) > 0) {
		got += (size_t)n;
		if (got >= 30)
			break;
	}
	buf[got] = '\0';
	ck_assert_str_eq(buf, "+OK capa\r\n+OK noop\r\n-ERR bye\r\n");

	/* now the peer goes: the write error replaces end of input */
	(void)close(sv[1]);
	ck_assert_int_eq(stream_puts(s, "x\r\n"), 0);
	ck_assert_int_eq(stream_flush(s), -1);
	ck_assert_int_eq(stream_error(s), STREAM_ERROR);
	ck_assert_int_eq(stream_puts(s, "x\r\n"), -1);
	ck_assert_int_eq(stream_flush(s), -1);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_ERROR);
	stream_free(&s);
}
END_TEST

START_TEST(test_deadline_trickle)
{
	static const char line[] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";
	struct stream *s;
	int sv[2];
	double t0, dt;
	pid_t pid;

	/* 10 bytes/s against 100 bytes/s wanted: stopped near the start. */
	t_pair(sv);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 5);
	pid = t_writer(sv[1], sv[0], line, sizeof(line) - 1, 1, 100000);
	t0 = t_now();
	stream_start_deadline(s, 1, 100);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_TIMEOUT);
	dt = t_now() - t0;
	ck_assert_msg(dt >= 0.95 && dt < 3.0, "stopped after %.2f s, want 1",
	    dt);
	ck_assert_str_eq(stream_reason(s), "deadline");
	kill(pid, SIGKILL);
	(void)t_wait(pid);
	stream_free(&s);
}
END_TEST

START_TEST(test_deadline_fast)
{
	char line[61];
	struct stream *s;
	int sv[2], n = 0, got;
	double t0, dt;
	pid_t pid;
	char *in;

	/*
	 * 600 bytes/s for 1.5 s against 100 bytes/s wanted: the 1-second
	 * deadline is earned forward and the transfer completes.
	 */
	memset(line, 'x', 59);
	line[59] = '\n';
	line[60] = '\0';
	in = xmalloc(15 * 60);
	for (n = 0; n < 15; n++)
		memcpy(in + n * 60, line, 60);
	t_pair(sv);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 5);
	pid = t_writer(sv[1], sv[0], in, 15 * 60, 60, 100000);
	t0 = t_now();
	stream_start_deadline(s, 1, 100);
	for (n = 0; (got = stream_read_line(s, t_line)) == STREAM_LINE_OK; n++)
		ck_assert_uint_eq(sbuf_len(t_line), 59);
	dt = t_now() - t0;
	ck_assert_msg(got == STREAM_EOF, "got %d (%s), want eof", got,
	    stream_reason(s));
	ck_assert_int_eq(n, 15);
	ck_assert_msg(dt >= 1.2, "done after %.2f s: peer too fast to test",
	    dt);
	stream_free(&s);
	free(in);
	ck_assert_int_eq(t_wait(pid), 0);
}
END_TEST

START_TEST(test_deadline_cap)
{
	char in[101];
	struct stream *s;
	int sv[2];
	double t0, dt;

	/*
	 * 100 bytes at 1 byte/s earn 100 s, but never more than the 1 s
	 * timeout from now: the deadline, not the timeout, ends the wait.
	 */
	memset(in, 'x', 99);
	in[99] = '\n';
	t_pair(sv);
	ck_assert_int_eq(t_send_all(sv[1], in, 100), 0);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 1);
	stream_start_deadline(s, 1, 1);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	t0 = t_now();
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_TIMEOUT);
	dt = t_now() - t0;
	ck_assert_str_eq(stream_reason(s), "deadline");
	ck_assert_msg(dt >= 0.9 && dt < 3.5, "waited %.2f s, want 1", dt);
	stream_free(&s);
	(void)close(sv[1]);
}
END_TEST

START_TEST(test_deadline_passed)
{
	struct stream *s = t_stream(S("DATA\r\n"), 100);

	/* A passed deadline stops even a peer that never makes us wait. */
	stream_start_deadline(s, 0, 0);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_TIMEOUT);
	ck_assert_str_eq(stream_reason(s), "deadline");
	stream_free(&s);
}
END_TEST

START_TEST(test_deadline_stop)
{
	struct stream *s;
	int sv[2];
	pid_t pid;

	/* The peer speaks after the stopped deadline would have passed. */
	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		usleep(1300000);
		_exit(t_send_all(sv[1], "LATE\r\n", 6) < 0 ? 1 : 0);
	}
	(void)close(sv[1]);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 3);
	stream_start_deadline(s, 1, 0);
	stream_stop_deadline(s);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "LATE");

	/* A new phase starts a new deadline. */
	stream_start_deadline(s, 0, 0);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_TIMEOUT);
	ck_assert_str_eq(stream_reason(s), "deadline");
	stream_free(&s);
	ck_assert_int_eq(t_wait(pid), 0);
}
END_TEST

/* t_expected - what test_write_large sends, built the same on both ends */
static struct sbuf *
t_expected(void)
{
	struct sbuf *sb = sbuf_new(8 * 1024 * 1024);
	char *big;
	int i;

	for (i = 0; i < 20000; i++)
		ck_assert_int_eq(sbuf_appendf(sb, "line %d\r\n", i), 0);
	big = xmalloc(1000000);
	for (i = 0; i < 1000000; i++)
		big[i] = (char)(i * 7 + i / 251);
	ck_assert_int_eq(sbuf_append(sb, big, 1000000), 0);
	memset(big, 'p', 99999);
	big[99999] = '\0';
	ck_assert_int_eq(sbuf_appendf(sb, "<%s>", big), 0);
	ck_assert_int_eq(sbuf_append(sb, "tail", 4), 0);
	free(big);
	return (sb);
}

START_TEST(test_write_large)
{
	struct sbuf *want = t_expected(), *got;
	struct stream *s;
	const char *p;
	char buf[65536];
	int sv[2], i;
	ssize_t n;
	pid_t pid;

	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		/* The reader: everything until EOF must match. */
		(void)close(sv[0]);
		got = sbuf_new(8 * 1024 * 1024);
		while ((n = read(sv[1], buf, sizeof(buf))) > 0)
			if (sbuf_append(got, buf, (size_t)n) < 0)
				_exit(2);
		if (n < 0)
			_exit(3);
		_exit(sbuf_len(got) == sbuf_len(want) && memcmp(sbuf_str(got),
		    sbuf_str(want), sbuf_len(want)) == 0 ? 0 : 1);
	}
	(void)close(sv[1]);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 10);
	for (i = 0; i < 20000; i++)
		ck_assert_int_eq(stream_printf(s, "line %d\r\n", i), 0);
	p = sbuf_str(want) + sbuf_len(want) - 1000000 - 100001 - 4;
	/* bounds: t_expected() put these bytes there */
	ck_assert_int_eq(stream_write(s, p, 1000000), 0);
	ck_assert_int_eq(stream_write(s, "<", 1), 0);
	ck_assert_int_eq(stream_printf(s, "%.*s>", 99999, p + 1000001), 0);
	ck_assert_int_eq(stream_puts(s, "tail"), 0);
	ck_assert_int_eq(stream_flush(s), 0);
	ck_assert_int_eq(stream_error(s), 0);
	stream_free(&s);
	ck_assert_int_eq(t_wait(pid), 0);
	sbuf_free(&want);
}
END_TEST

START_TEST(test_write_timeout)
{
	size_t len = 8 * 1024 * 1024;
	char *big = xcalloc(1, len);
	struct stream *s;
	int sv[2];
	double t0, dt;

	/* A peer that reads nothing: the write waits one timeout. */
	t_pair(sv);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 1);
	t0 = t_now();
	ck_assert_int_eq(stream_write(s, big, len), -1);
	dt = t_now() - t0;
	ck_assert_int_eq(stream_error(s), STREAM_TIMEOUT);
	ck_assert_str_eq(stream_reason(s), "timeout");
	ck_assert_msg(dt >= 0.95 && dt < 3.5, "waited %.2f s, want 1", dt);
	stream_free(&s);
	(void)close(sv[1]);
	free(big);
}
END_TEST

START_TEST(test_flush_deadline)
{
	char chunk[1000];
	struct stream *s;
	int sv[2], i;

	/* Small writes buffer; the flush meets the stalled peer. */
	memset(chunk, 'z', sizeof(chunk));
	t_pair(sv);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 5);
	stream_start_deadline(s, 1, 0);
	for (i = 0; i < 8000 && stream_write(s, chunk, sizeof(chunk)) == 0;
	    i++)
		;
	ck_assert_msg(i < 8000, "8 MB written to a peer that reads nothing");
	ck_assert_int_eq(stream_flush(s), -1);
	ck_assert_str_eq(stream_reason(s), "deadline");
	stream_free(&s);
	(void)close(sv[1]);
}
END_TEST

START_TEST(test_closed_peer)
{
	struct stream *s;
	int sv[2];

	/* fork mode would report a SIGPIPE death as a failure */
	t_pair(sv);
	(void)close(sv[1]);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 1);
	ck_assert_int_eq(stream_puts(s, "221 bye\r\n"), 0);
	ck_assert_int_eq(stream_flush(s), -1);
	ck_assert_int_eq(stream_error(s), STREAM_ERROR);
	ck_assert_msg(strncmp(stream_reason(s), "error: ", 7) == 0
	    && strstr(stream_reason(s), strerror(EPIPE)) != NULL,
	    "got reason \"%s\", want \"error: %s\"", stream_reason(s),
	    strerror(EPIPE));
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_ERROR);
	stream_free(&s);
}
END_TEST

START_TEST(test_pipe)
{
	struct stream *w, *r;
	int p[2];

	/* Not a socket: send() says ENOTSOCK once, write(2) takes over. */
	ck_assert_int_eq(pipe(p), 0);
	w = stream_fdopen(p[1], STREAM_RDWR, 100);
	r = stream_fdopen(p[0], STREAM_RDWR, 100);
	stream_set_timeout(w, 1);
	stream_set_timeout(r, 1);
	ck_assert_int_eq(stream_puts(w, "one\r\n"), 0);
	ck_assert_int_eq(stream_flush(w), 0);
	ck_assert_int_eq(stream_printf(w, "%s\n", "two"), 0);
	ck_assert_int_eq(stream_flush(w), 0);
	stream_free(&w);
	ck_assert_int_eq(stream_read_line(r, t_line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "one");
	ck_assert_int_eq(stream_read_line(r, t_line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "two");
	ck_assert_int_eq(stream_read_line(r, t_line), STREAM_EOF);
	stream_free(&r);
}
END_TEST

START_TEST(test_flush_before_wait)
{
	struct stream *s;
	char buf[64];
	int sv[2];
	ssize_t n;
	pid_t pid;

	/* A peer that answers only our greeting: reading must send it. */
	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		n = read(sv[1], buf, sizeof(buf));
		if (n != 8 || memcmp(buf, "220 hi\r\n", 8) != 0)
			_exit(1);
		_exit(t_send_all(sv[1], "EHLO x\r\n", 8) < 0 ? 2 : 0);
	}
	(void)close(sv[1]);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 3);
	ck_assert_int_eq(stream_puts(s, "220 hi\r\n"), 0);
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "EHLO x");
	stream_free(&s);
	ck_assert_int_eq(t_wait(pid), 0);
}
END_TEST

START_TEST(test_noclose)
{
	struct stream *s;
	int sv[2], fl;

	t_pair(sv);
	s = stream_fdopen(sv[0], STREAM_NOCLOSE, 100);
	ck_assert_int_eq(stream_fd(s), sv[0]);
	fl = fcntl(sv[0], F_GETFL);
	ck_assert_msg(fl >= 0 && (fl & O_NONBLOCK), "not made non-blocking");
	stream_free(&s);
	ck_assert_ptr_null(s);
	ck_assert_int_ne(fcntl(sv[0], F_GETFD), -1);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_free(&s);
	ck_assert_int_eq(fcntl(sv[0], F_GETFD), -1);
	stream_free(&s);			/* NULL: no-op */
	(void)close(sv[1]);
}
END_TEST

/* A transport for stream_set_io(): one byte per call, retries between. */
struct fake {
	int	fd;
	int	calls;
	int	closed;
	int	fail;
};

static int fake_closed;

/* fake_read - alternate "wait to write" and one byte */
static ssize_t
fake_read(void *ctx, void *buf, size_t n, int *want_write_r)
{
	struct fake *f = ctx;

	if (f->fail) {
		errno = EIO;
		return (-1);
	}
	if (f->calls++ % 2 == 0) {
		*want_write_r = 1;
		errno = EAGAIN;
		return (-1);
	}
	return (read(f->fd, buf, 1));
}

/* fake_write - alternate "try again" and one byte */
static ssize_t
fake_write(void *ctx, const void *buf, size_t n, int *want_read_r)
{
	struct fake *f = ctx;

	if (f->calls++ % 2 == 0) {
		errno = EAGAIN;
		return (-1);
	}
	return (write(f->fd, buf, 1));
}

/* fake_error - the transport's own words */
static const char *
fake_error(void *ctx)
{
	return ("fake transport failed");
}

/* fake_close - count closes */
static void
fake_close(void *ctx)
{
	fake_closed++;
}

START_TEST(test_set_io)
{
	struct fake f = { 0 };
	struct stream_io io = { fake_read, fake_write, fake_error,
	    fake_close, &f };
	struct stream *s;
	char buf[16];
	int sv[2];

	t_pair(sv);
	ck_assert_int_eq(t_send_all(sv[1], "ab\r\ncd\n", 7), 0);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 2);
	f.fd = sv[0];
	fake_closed = 0;
	stream_set_io(s, &io);
	ck_assert_int_eq(stream_is_tls(s), 0);
	ck_assert_str_eq(stream_tls_info(s), "");
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "ab");
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(t_line), "cd");
	ck_assert_int_eq(stream_puts(s, "xyz"), 0);
	ck_assert_int_eq(stream_flush(s), 0);
	ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 3);
	ck_assert_mem_eq(buf, "xyz", 3);

	/* The transport's failure, in its words. */
	f.fail = 1;
	ck_assert_int_eq(stream_read_line(s, t_line), STREAM_ERROR);
	ck_assert_str_eq(stream_reason(s), "error: fake transport failed");
	ck_assert_int_eq(fake_closed, 0);
	stream_free(&s);
	ck_assert_int_eq(fake_closed, 1);
	(void)close(sv[1]);
}
END_TEST

/* stream_suite - every behaviour of the stream module */
static Suite *
stream_suite(void)
{
	Suite *su = suite_create("stream");
	TCase *tc;
	int nlines = sizeof(line_cases) / sizeof(line_cases[0]);

	tc = tcase_create("read_line");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_read_line, 0, nlines);
	tcase_add_test(tc, test_read_line_small_sbuf);
	suite_add_tcase(su, tc);

	tc = tcase_create("read_line_bytewise");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_read_line_bytewise, 0, nlines);
	suite_add_tcase(su, tc);

	tc = tcase_create("read_line_long");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_read_line_long, 0,
	    sizeof(long_cases) / sizeof(long_cases[0]));
	suite_add_tcase(su, tc);

	tc = tcase_create("read");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_read_bytes);
	tcase_add_test(tc, test_read_exact_truncated);
	tcase_add_test(tc, test_read_partial);
	tcase_add_test(tc, test_discard_input);
	suite_add_tcase(su, tc);

	tc = tcase_create("timeout");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_write_timeout);
	suite_add_tcase(su, tc);

	tc = tcase_create("deadline");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_deadline_trickle);
	tcase_add_test(tc, test_deadline_fast);
	tcase_add_test(tc, test_deadline_cap);
	tcase_add_test(tc, test_deadline_passed);
	tcase_add_test(tc, test_deadline_stop);
	tcase_add_test(tc, test_flush_deadline);
	suite_add_tcase(su, tc);

	tc = tcase_create("sticky");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_sticky_eof);
	tcase_add_test(tc, test_half_close);
	tcase_add_test(tc, test_closed_peer);
	suite_add_tcase(su, tc);

	tc = tcase_create("write");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_write_large);
	tcase_add_test(tc, test_pipe);
	tcase_add_test(tc, test_flush_before_wait);
	suite_add_tcase(su, tc);

	tc = tcase_create("descriptor");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_noclose);
	tcase_add_test(tc, test_set_io);
	suite_add_tcase(su, tc);
	return (su);
}

int
main(void)
{
	SRunner *sr = srunner_create(stream_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
