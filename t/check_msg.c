/*
 * check_msg - unit tests for logging.
 *
 * stderr is redirected to a pipe and the exact lines compared, tag, pid,
 * severity word and session id included. msg_fatal() runs in a child so
 * its exit status, its line and the hook's output can all be checked;
 * log_safe() gets control characters, high bytes, NULs and text around its
 * length limit.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "msg.h"
#include "sbuf.h"

#define X10	"0123456789"
#define X100	X10 X10 X10 X10 X10 X10 X10 X10 X10 X10

/* log_safe / log_safe_n: len (size_t)-1 means log_safe() on the string. */
#define STR	((size_t)-1)

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	const char *want;
} safes[] = {
	{ "plain", "user=demo@example.test", STR, "user=demo@example.test" },
	{ "empty", "", STR, "" },
	{ "null", NULL, STR, "(null)" },
	{ "null with length", NULL, 5, "(null)" },
	{ "crlf", "a\r\nb", STR, "a??b" },
	{ "tab and controls", "\tx\x01\x1f", STR, "?x??" },
	{ "escape sequence", "\x1b[31mred", STR, "?[31mred" },
	{ "del", "a\x7f", STR, "a?" },
	{ "high bytes", "\x80\xff", STR, "??" },
	{ "utf-8", "caf\xc3\xa9", STR, "caf??" },
	{ "space and symbols", " !~\"'%s", STR, " !~\"'%s" },
	{ "stops at nul", "ab\0cd", STR, "ab" },
	{ "nul bytes", "a\0b", 3, "a?b" },
	{ "only nul", "\0", 1, "?" },
	{ "n shorter than string", "abcdef", 3, "abc" },
	{ "zero bytes", "abc", 0, "" },
	{ "exactly the limit", X100, STR, X100 },
	{ "one past the limit", X100 "x", STR, X100 "..." },
	{ "far past the limit", X100 X100 X100, STR, X100 "..." },
	{ "cut after a control", X100 "\n", STR, X100 "..." },
	{ "limit with nuls", X100 "\0", 101, X100 "..." },
	{ "controls up to the limit", X10 X10 X10 X10 X10 X10 X10 X10 X10
	    "012345678\n", STR, X10 X10 X10 X10 X10 X10 X10 X10 X10
	    "012345678?" },
};

START_TEST(test_log_safe)
{
	const char *got;

	if (safes[_i].len == STR)
		got = log_safe(safes[_i].in);
	else
		got = log_safe_n(safes[_i].in, safes[_i].len);
	ck_assert_msg(strcmp(got, safes[_i].want) == 0,
	    "%s: got '%s', want '%s'", safes[_i].name, got, safes[_i].want);
	ck_assert_uint_le(strlen(got), LOG_SAFE_MAX + 3);
}
END_TEST

/* Four results may be used in one call. */
START_TEST(test_log_safe_four)
{
	const char *a = log_safe("one"), *b = log_safe("two\n");
	const char *c = log_safe_n("th\0ree", 6), *d = log_safe(X100 "x");

	ck_assert_str_eq(a, "one");
	ck_assert_str_eq(b, "two?");
	ck_assert_str_eq(c, "th?ree");
	ck_assert_str_eq(d, X100 "...");
}
END_TEST

/* Session ids. */

/* is_sid - 8 lowercase hex digits */
static int
is_sid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a'
		    && s[i] <= 'f')))
			return (0);
	return (i == MSG_SESSION_ID_LEN);
}

START_TEST(test_session)
{
	char seen[10][MSG_SESSION_ID_LEN + 1];
	const char *id;
	int i, k;

	ck_assert_str_eq(msg_session(), "");
	for (i = 0; i < 10; i++) {
		id = msg_session_new();
		ck_assert_msg(is_sid(id), "session id '%s' is not 8 hex", id);
		ck_assert_str_eq(msg_session(), id);
		snprintf(seen[i], sizeof(seen[i]), "%s", id);
		for (k = 0; k < i; k++)
			ck_assert_msg(strcmp(seen[k], seen[i]) != 0,
			    "id %s repeated (calls %d and %d)", seen[i], k, i);
	}
	msg_set_session("3f9a0c1d");
	ck_assert_str_eq(msg_session(), "3f9a0c1d");
	msg_set_session(NULL);
	ck_assert_str_eq(msg_session(), "");
	msg_set_session("abc");
	ck_assert_str_eq(msg_session(), "abc");
	msg_set_session("");
	ck_assert_str_eq(msg_session(), "");
}
END_TEST

/* Capturing stderr. */

static int t_saved_stderr = -1;
static int t_pipe = -1;

/* capture_start - send stderr into a pipe */
static void
capture_start(void)
{
	int p[2];

	ck_assert_int_eq(pipe(p), 0);
	t_saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(t_saved_stderr, 0);
	ck_assert_int_eq(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	close(p[1]);
	t_pipe = p[0];
}

/* read_all - everything from fd until EOF, into out */
static void
read_all(int fd, struct sbuf *out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(sbuf_append(out, buf, (size_t)n), 0);
	ck_assert_int_eq(n, 0);
}

/* capture_end - restore stderr, return what was written */
static struct sbuf *
capture_end(void)
{
	struct sbuf *out = sbuf_new(0);

	ck_assert_int_eq(dup2(t_saved_stderr, STDERR_FILENO), STDERR_FILENO);
	close(t_saved_stderr);
	read_all(t_pipe, out);
	close(t_pipe);
	return (out);
}

enum level { INFO, WARN, ERROR, DEBUG };

static const struct {
	const char *name;
	const char *service;		/* NULL: msg_open() not called */
	const char *sid;		/* NULL: none */
	enum level level;
	int	verbose;
	const char *text;
	const char *want;		/* after "tag[pid]: " */
} lines[] = {
	{ "warning with session", "testsvc", "3f9a0c1d", WARN, 0, "text",
	    "warning: 3f9a0c1d text\n" },
	{ "warning without session", "testsvc", NULL, WARN, 0, "text",
	    "warning: text\n" },
	{ "info", "testsvc", "3f9a0c1d", INFO, 0, "login user=demo",
	    "3f9a0c1d login user=demo\n" },
	{ "info without session", "testsvc", NULL, INFO, 0, "started",
	    "started\n" },
	{ "error", "testsvc", NULL, ERROR, 0, "x", "error: x\n" },
	{ "debug when verbose", "testsvc", "00000000", DEBUG, 1, "d",
	    "debug: 00000000 d\n" },
	{ "debug when quiet", "testsvc", NULL, DEBUG, 0, "d", "" },
	{ "before msg_open", NULL, NULL, WARN, 0, "early", "warning: early\n" },
	{ "empty text", "testsvc", NULL, WARN, 0, "", "warning: \n" },
	{ "percent in text", "testsvc", NULL, INFO, 0, "100%s", "100%s\n" },
};

START_TEST(test_lines)
{
	struct sbuf *out, *want = sbuf_new(0);

	if (lines[_i].service != NULL)
		msg_open(lines[_i].service, MSG_DEST_STDERR, NULL);
	msg_set_session(lines[_i].sid);
	msg_verbose = lines[_i].verbose;
	capture_start();
	switch (lines[_i].level) {
	case INFO:
		msg_info("%s", lines[_i].text);
		break;
	case WARN:
		msg_warn("%s", lines[_i].text);
		break;
	case ERROR:
		msg_error("%s", lines[_i].text);
		break;
	case DEBUG:
		msg_debug("%s", lines[_i].text);
		break;
	}
	out = capture_end();
	if (*lines[_i].want != '\0')
		sbuf_appendf(want, "estuary%s%s[%ld]: %s",
		    lines[_i].service ? "/" : "",
		    lines[_i].service ? lines[_i].service : "",
		    (long)getpid(), lines[_i].want);
	ck_assert_msg(strcmp(sbuf_str(out), sbuf_str(want)) == 0,
	    "%s: got '%s', want '%s'", lines[_i].name, sbuf_str(out),
	    sbuf_str(want));
	sbuf_free(&out);
	sbuf_free(&want);
}
END_TEST

START_TEST(test_service)
{
	ck_assert_str_eq(msg_service(), "estuary");
	msg_open("pop3d", MSG_DEST_STDERR, "local3");
	ck_assert_str_eq(msg_service(), "pop3d");
	msg_open("master", MSG_DEST_STDERR, NULL);
	ck_assert_str_eq(msg_service(), "master");
}
END_TEST

/* A very long message stays one line, cut, ending in a newline. */
START_TEST(test_long_line)
{
	static char text[5000];
	struct sbuf *out;
	const char *nl;

	memset(text, 'y', sizeof(text) - 1);
	msg_open("testsvc", MSG_DEST_STDERR, NULL);
	capture_start();
	msg_warn("%s", text);
	out = capture_end();
	ck_assert_uint_gt(sbuf_len(out), 1000);
	ck_assert_uint_lt(sbuf_len(out), sizeof(text));
	nl = strchr(sbuf_str(out), '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_msg(nl == sbuf_str(out) + sbuf_len(out) - 1,
	    "newline at %zu of %zu", (size_t)(nl - sbuf_str(out)),
	    sbuf_len(out));
	ck_assert_int_eq(strncmp(sbuf_str(out), "estuary/testsvc[", 16), 0);
	sbuf_free(&out);
}
END_TEST

/* Logging leaves errno alone, so "%m"-style callers can log first. */
START_TEST(test_errno_kept)
{
	struct sbuf *out;

	msg_open("testsvc", MSG_DEST_STDERR, NULL);
	capture_start();
	errno = EBADF;
	msg_warn("x");
	ck_assert_int_eq(errno, EBADF);
	errno = ENOENT;
	msg_info("y");
	ck_assert_int_eq(errno, ENOENT);
	out = capture_end();
	ck_assert_uint_gt(sbuf_len(out), 0);
	sbuf_free(&out);
}
END_TEST

/* Fatal: run in a child, collect its stderr and exit status. */

static void
hook_note(void)
{
	static const char note[] = "hook ran\n";

	(void)!write(STDERR_FILENO, note, sizeof(note) - 1);
}

static void
hook_fatal_again(void)
{
	hook_note();
	msg_fatal("again");
}

/* Expected lines; a leading '!' stands for "estuary/fatalsvc[<pid>]: ". */
static const struct {
	const char *name;
	void	(*hook)(void);
	const char *want[4];
} fatals[] = {
	{ "no hook", NULL, { "!fatal: boom 7", NULL } },
	{ "hook", hook_note, { "!fatal: boom 7", "hook ran", NULL } },
	{ "hook runs once", hook_fatal_again,
	    { "!fatal: boom 7", "hook ran", "!fatal: again", NULL } },
};

START_TEST(test_fatal)
{
	struct sbuf *out = sbuf_new(0), *want = sbuf_new(0);
	const char *const *w;
	int p[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		dup2(p[1], STDERR_FILENO);
		msg_open("fatalsvc", MSG_DEST_STDERR, NULL);
		msg_set_fatal_hook(fatals[_i].hook);
		msg_fatal("boom %d", 7);
	}
	close(p[1]);
	read_all(p[0], out);
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "%s: status %#x, want exit 1", fatals[_i].name, status);
	for (w = fatals[_i].want; *w != NULL; w++) {
		if (**w == '!')
			sbuf_appendf(want, "estuary/fatalsvc[%ld]: %s\n",
			    (long)pid, *w + 1);
		else
			sbuf_appendf(want, "%s\n", *w);
	}
	ck_assert_msg(strcmp(sbuf_str(out), sbuf_str(want)) == 0,
	    "%s: got '%s', want '%s'", fatals[_i].name, sbuf_str(out),
	    sbuf_str(want));
	sbuf_free(&out);
	sbuf_free(&want);
}
END_TEST

/* The hook can be removed again. */
START_TEST(test_fatal_hook_removed)
{
	msg_set_fatal_hook(hook_fatal_again);
	msg_set_fatal_hook(NULL);
	msg_fatal("bye");
}
END_TEST

START_TEST(test_fatal_exit)
{
	msg_fatal("cannot run: %s", "test");
}
END_TEST

START_TEST(test_panic)
{
	msg_panic("invariant broken");
}
END_TEST

static Suite *
msg_suite(void)
{
	Suite *s = suite_create("msg");
	TCase *tc;

	tc = tcase_create("log_safe");
	tcase_add_loop_test(tc, test_log_safe, 0,
	    sizeof(safes) / sizeof(safes[0]));
	tcase_add_test(tc, test_log_safe_four);
	suite_add_tcase(s, tc);

	tc = tcase_create("session");
	tcase_add_test(tc, test_session);
	suite_add_tcase(s, tc);

	tc = tcase_create("output");
	tcase_add_loop_test(tc, test_lines, 0,
	    sizeof(lines) / sizeof(lines[0]));
	tcase_add_test(tc, test_service);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_errno_kept);
	suite_add_tcase(s, tc);

	tc = tcase_create("fatal");
	tcase_add_loop_test(tc, test_fatal, 0,
	    sizeof(fatals) / sizeof(fatals[0]));
	tcase_add_exit_test(tc, test_fatal_hook_removed, 1);
	tcase_add_exit_test(tc, test_fatal_exit, 1);
	tcase_add_test_raise_signal(tc, test_panic, SIGABRT);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(msg_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
