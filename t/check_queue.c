/*
 * check_queue - unit tests for common/queue.c.
 *
 * Envelopes are parsed from a table of good, malformed and truncated
 * texts (every prefix of a good one must fail: a half-written file is
 * never taken for a whole one), and formatted and parsed back. Entries are
 * made in a private directory under $TMPDIR (or /tmp): enqueue by link and
 * by copy, read, update, lock, delete; crash leftovers (a data file
 * without an envelope, a stale temp file) are removed by queue_cleanup()
 * while a data file an enqueue still holds locked is kept; several
 * processes enqueue at once and every id is distinct and every entry whole.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "mem.h"
#include "queue.h"
#include "sbuf.h"
#include "tutil.h"

#define GOOD \
	"version\t1\n" \
	"arrival\t1700000000\n" \
	"sender\talice@a.test\n" \
	"envid\tXYZ\n" \
	"ret\thdrs\n" \
	"client\tmail.example [127.0.0.1]\n" \
	"auth\talice@a.test\n" \
	"rcpt\tpending\t0\t0\t0\t-\tbob@b.test\t\n" \
	"rcpt\tfailed\t2\t1700000300\t1\t5.1.1\tcarol@b.test\t" \
	    "550 5.1.1 no such user\n" \
	"end\n"

static char t_dir[64];

/* setup - a fresh queue directory */
static void
setup(void)
{
	tutil_dir(t_dir, sizeof(t_dir));
}

/* teardown - remove it */
static void
teardown(void)
{
	tutil_rm_tree(t_dir);
}

static const struct {
	const char *name, *text, *why;	/* why: part of the error, NULL = ok */
} env_cases[] = {
	{ "good", GOOD, NULL },
	{ "minimal", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\nend\n", NULL },
	{ "empty", "", "empty" },
	{ "no version", "arrival\t5\nend\n", "no version" },
	{ "version 2", "version\t2\narrival\t5\nsender\t\nend\n",
	    "unsupported version" },
	{ "no end", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\n", "no end" },
	{ "cut mid-line", "version\t1\narrival\t5\nsender\t\nrcpt\tpen",
	    "truncated" },
	{ "after end", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\nend\nsender\tx\n",
	    "after end" },
	{ "no rcpt", "version\t1\narrival\t5\nsender\t\nend\n",
	    "no recipients" },
	{ "no sender", "version\t1\narrival\t5\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\nend\n", "no sender" },
	{ "twice", "version\t1\narrival\t5\narrival\t6\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\nend\n", "twice" },
	{ "unknown key", "version\t1\narrival\t5\nsender\t\nfoo\tbar\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\nend\n", "unknown keyword" },
	{ "bad state", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tmaybe\t0\t0\t0\t-\tx@y\t\nend\n", "state" },
	{ "bad number", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tpending\t-1\t0\t0\t-\tx@y\t\nend\n", "number" },
	{ "few fields", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\nend\n", "7 fields" },
	{ "many fields", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\terr\textra\nend\n", "7 fields" },
	{ "bad arrival", "version\t1\narrival\tsoon\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\nend\n", "arrival" },
	{ "CR", "version\t1\narrival\t5\nsender\tx\r\n"
	    "rcpt\tpending\t0\t0\t0\t-\tx@y\t\nend\n", "CR" },
	{ "empty address", "version\t1\narrival\t5\nsender\t\n"
	    "rcpt\tpending\t0\t0\t0\t-\t\t\nend\n", "empty recipient" },
};

START_TEST(test_parse)
{
	struct queue_entry e;
	const char *why = NULL;
	int ret;

	ret = queue_envelope_parse(env_cases[_i].text,
	    strlen(env_cases[_i].text), &e, &why);
	if (env_cases[_i].why == NULL) {
		ck_assert_msg(ret == 0, "%s: failed: %s", env_cases[_i].name,
		    why);
		queue_entry_free(&e);
	} else {
		ck_assert_msg(ret == -1, "%s: parsed", env_cases[_i].name);
		ck_assert_msg(strstr(why, env_cases[_i].why) != NULL,
		    "%s: error '%s' lacks '%s'", env_cases[_i].name, why,
		    env_cases[_i].why);
		ck_assert_int_eq(e.rcpt_count, 0);
		ck_assert_ptr_null(e.sender);
	}
}
END_TEST

/* Every proper prefix of a good envelope fails: no torn reads. */
START_TEST(test_prefixes)
{
	struct queue_entry e;
	const char *why;
	size_t n, len = strlen(GOOD);

	for (n = 0; n < len; n++)
		ck_assert_msg(queue_envelope_parse(GOOD, n, &e, &why) == -1,
		    "prefix of %zu bytes parsed", n);
	ck_assert(queue_envelope_parse("version\t1\0x", 11, &e, &why) == -1);
}
END_TEST

START_TEST(test_fields_roundtrip)
{
	struct queue_entry e, f;
	struct sbuf *out = sbuf_new(0);
	const char *why;

	ck_assert(queue_envelope_parse(GOOD, strlen(GOOD), &e, &why) == 0);
	ck_assert_int_eq(e.arrival, 1700000000);
	ck_assert_str_eq(e.sender, "alice@a.test");
	ck_assert_str_eq(e.envid, "XYZ");
	ck_assert_int_eq(e.ret_hdrs, 1);
	ck_assert_str_eq(e.auth_user, "alice@a.test");
	ck_assert_int_eq(e.rcpt_count, 2);
	ck_assert_int_eq(e.rcpts[0].state, QUEUE_RCPT_PENDING);
	ck_assert_str_eq(e.rcpts[0].status, "");
	ck_assert_int_eq(e.rcpts[1].state, QUEUE_RCPT_FAILED);
	ck_assert_int_eq(e.rcpts[1].attempts, 2);
	ck_assert_int_eq(e.rcpts[1].next_try, 1700000300);
	ck_assert_int_eq(e.rcpts[1].notified, 1);
	ck_assert_str_eq(e.rcpts[1].status, "5.1.1");
	ck_assert_str_eq(e.rcpts[1].error, "550 5.1.1 no such user");
	ck_assert(queue_envelope_format(&e, out, &why) == 0);
	ck_assert_str_eq(sbuf_str(out), GOOD);

	/* Error texts lose their control bytes; addresses may not have any. */
	free(e.rcpts[0].error);
	e.rcpts[0].error = xstrdup("a\tb\r\nc");
	sbuf_reset(out);
	ck_assert(queue_envelope_format(&e, out, &why) == 0);
	ck_assert(queue_envelope_parse(sbuf_str(out), sbuf_len(out), &f,
	    &why) == 0);
	ck_assert_str_eq(f.rcpts[0].error, "a b  c");
	queue_entry_free(&f);
	free(e.rcpts[0].address);
	e.rcpts[0].address = xstrdup("x\ty@z");
	sbuf_reset(out);
	ck_assert(queue_envelope_format(&e, out, &why) == -1);
	ck_assert_int_eq(sbuf_len(out), 0);
	queue_entry_free(&e);
	sbuf_free(&out);
}
END_TEST

static const struct {
	const char *id;
	int ok;
} id_cases[] = {
	{ "65A1B2C30ABCDE12345678", 0 },
	{ "0123ABCD", 0 },
	{ "0123abcd", -1 },
	{ "../../etc", -1 },
	{ "1234567", -1 },
	{ "", -1 },
	{ "0123456789ABCDEF0123456789ABCDEF", -1 },
};

START_TEST(test_id_check)
{
	ck_assert_msg(queue_id_check(id_cases[_i].id) == id_cases[_i].ok,
	    "%s", id_cases[_i].id);
}
END_TEST

/* t_message - a message file in the queue directory's parent */
static void
t_message(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	ck_assert(fp != NULL);
	fputs(text, fp);
	fclose(fp);
}

/* t_exists - does t_dir/sub/name exist? */
static int
t_exists(const char *sub, const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s/%s", t_dir, sub, name);
	return (stat(path, &st) == 0);
}

/* t_count - entries in t_dir/sub (without . and ..) */
static int
t_count(const char *sub)
{
	char path[256];

	ck_assert_int_lt(snprintf(path, sizeof(path), "%s/%s", t_dir, sub),
	    (int)sizeof(path));
	return (tutil_entries(path));
}

static int t_listed;

/* t_list_fn - count the listed ids */
static int
t_list_fn(const char *id, void *ctx)
{
	(void)id;
	(void)ctx;
	t_listed++;
	return (0);
}

START_TEST(test_enqueue_read_update_delete)
{
	const char *rcpts[] = { "bob@b.test", "carol@c.test" };
	struct queue_envelope env = { "alice@a.test", rcpts, 2, NULL, 0,
	    "client [127.0.0.1]", "alice@a.test" };
	char id[QUEUE_ID_MAX], src[128], buf[64];
	struct queue_entry e;
	struct sbuf *path = sbuf_new(0);
	const char *why;
	int fd, fd2;
	ssize_t n;

	snprintf(src, sizeof(src), "%s/msg", t_dir);
	t_message(src, "Subject: hi\n\nbody\n");
	ck_assert_msg(queue_enqueue(t_dir, src, &env, id, &why) == 0, "%s",
	    why);
	ck_assert(queue_id_check(id) == 0);
	ck_assert(t_exists("env", id) && t_exists("data", id));
	ck_assert_int_eq(t_count("tmp"), 0);

	/* The data is the message, hard-linked: the source may go. */
	unlink(src);
	queue_data_path(t_dir, id, path);
	fd = open(sbuf_str(path), O_RDONLY);
	ck_assert(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	ck_assert(n > 0);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "Subject: hi\n\nbody\n");
	close(fd);

	ck_assert(queue_read(t_dir, id, &e, &why) == 1);
	ck_assert_str_eq(e.id, id);
	ck_assert_str_eq(e.sender, "alice@a.test");
	ck_assert_int_eq(e.rcpt_count, 2);
	ck_assert_str_eq(e.rcpts[1].address, "carol@c.test");
	ck_assert_ptr_null(e.envid);
	ck_assert(e.arrival > 0);

	/* Locks: a second holder is refused without waiting. */
	fd = queue_lock(t_dir, id, 0, &why);
	ck_assert(fd >= 0);
	ck_assert_int_eq(queue_lock(t_dir, id, 0, &why), -2);
	e.rcpts[0].state = QUEUE_RCPT_SENT;
	e.rcpts[1].attempts = 1;
	e.rcpts[1].next_try = 12345;
	free(e.rcpts[1].error);
	e.rcpts[1].error = xstrdup("450 4.2.1 try later");
	memcpy(e.rcpts[1].status, "4.2.1", 6);
	ck_assert(queue_update(t_dir, &e, &why) == 0);
	queue_entry_free(&e);
	ck_assert(queue_read(t_dir, id, &e, &why) == 1);
	ck_assert_int_eq(e.rcpts[0].state, QUEUE_RCPT_SENT);
	ck_assert_int_eq(e.rcpts[1].next_try, 12345);
	ck_assert_str_eq(e.rcpts[1].error, "450 4.2.1 try later");
	queue_entry_free(&e);
	close(fd);
	fd2 = queue_lock(t_dir, id, 1, &why);
	ck_assert(fd2 >= 0);

	t_listed = 0;
	ck_assert(queue_list(t_dir, t_list_fn, NULL, &why) == 0);
	ck_assert_int_eq(t_listed, 1);
	ck_assert(queue_delete(t_dir, id, &why) == 0);
	close(fd2);
	ck_assert(!t_exists("env", id) && !t_exists("data", id));
	ck_assert(queue_read(t_dir, id, &e, &why) == 0);
	ck_assert(queue_lock(t_dir, id, 0, &why) == -1);
	ck_assert(queue_delete(t_dir, id, &why) == 0);
	ck_assert(queue_read(t_dir, "../etc/x", &e, &why) == -1);
	t_listed = 0;
	ck_assert(queue_list(t_dir, t_list_fn, NULL, &why) == 0);
	ck_assert_int_eq(t_listed, 0);
	sbuf_free(&path);
}
END_TEST

/* Refusals leave nothing behind. */
START_TEST(test_enqueue_refused)
{
	const char *bad[] = { "bob@b.test\nrcpt\tsent" };
	const char *good[] = { "bob@b.test" };
	struct queue_envelope env = { "a@b", bad, 1, NULL, 0, NULL, NULL };
	char id[QUEUE_ID_MAX], src[128];
	const char *why;

	snprintf(src, sizeof(src), "%s/msg", t_dir);
	t_message(src, "x\n");
	ck_assert(queue_enqueue(t_dir, src, &env, id, &why) == -1);
	ck_assert_str_eq(id, "");
	ck_assert_int_eq(t_count("data"), 0);
	ck_assert_int_eq(t_count("env"), 0);
	env.rcpts = good;
	env.rcpt_count = 0;
	ck_assert(queue_enqueue(t_dir, src, &env, id, &why) == -1);
	env.rcpt_count = 1;
	snprintf(src, sizeof(src), "%s/missing", t_dir);
	ck_assert(queue_enqueue(t_dir, src, &env, id, &why) == -1);
	ck_assert_int_eq(t_count("data"), 0);
}
END_TEST

/*
 * Crash leftovers: a data file without an envelope (crash before the
 * rename) and a temp envelope are removed once old; one an enqueue holds
 * locked, or a young one, stays; whole entries are never touched.
 */
START_TEST(test_cleanup)
{
	const char *rcpts[] = { "bob@b.test" };
	struct queue_envelope env = { "", rcpts, 1, NULL, 0, NULL, NULL };
	char id[QUEUE_ID_MAX], src[128], path[256];
	const char *why;
	int fd;

	snprintf(src, sizeof(src), "%s/msg", t_dir);
	t_message(src, "x\n");
	ck_assert(queue_enqueue(t_dir, src, &env, id, &why) == 0);
	snprintf(path, sizeof(path), "%s/data/0000000A00000AAAAAAAA", t_dir);
	t_message(path, "half\n");
	snprintf(path, sizeof(path), "%s/data/0000000B00000BBBBBBBB", t_dir);
	t_message(path, "locked\n");
	fd = open(path, O_RDONLY);
	ck_assert(flock(fd, LOCK_EX) == 0);
	snprintf(path, sizeof(path), "%s/tmp/0000000C00000CCCCCCCC.99", t_dir);
	t_message(path, "version\t1\n");

	/* Young: kept. */
	ck_assert_int_eq(queue_cleanup(t_dir, QUEUE_ORPHAN_AGE, &why), 0);
	ck_assert_int_eq(t_count("data"), 3);
	/* Old: the unlocked orphan and the temp file go. */
	ck_assert_int_eq(queue_cleanup(t_dir, 0, &why), 2);
	ck_assert_int_eq(t_count("data"), 2);
	ck_assert_int_eq(t_count("tmp"), 0);
	ck_assert(t_exists("data", id) && t_exists("env", id));
	ck_assert(t_exists("data", "0000000B00000BBBBBBBB"));
	close(fd);
	ck_assert_int_eq(queue_cleanup(t_dir, 0, &why), 1);
	ck_assert(t_exists("data", id) && t_exists("env", id));
}
END_TEST

/* A crash mid-update leaves the old envelope whole. */
START_TEST(test_update_atomic)
{
	const char *rcpts[] = { "bob@b.test" };
	struct queue_envelope env = { "", rcpts, 1, NULL, 0, NULL, NULL };
	char id[QUEUE_ID_MAX], src[128], path[256];
	struct queue_entry e;
	const char *why;

	snprintf(src, sizeof(src), "%s/msg", t_dir);
	t_message(src, "x\n");
	ck_assert(queue_enqueue(t_dir, src, &env, id, &why) == 0);
	/* What a writer killed before its rename leaves: a temp file. */
	snprintf(path, sizeof(path), "%s/tmp/%s.1234", t_dir, id);
	t_message(path, "version\t1\narrival\t1\nsender\t\nrcpt\tsent");
	ck_assert(queue_read(t_dir, id, &e, &why) == 1);
	ck_assert_int_eq(e.rcpts[0].state, QUEUE_RCPT_PENDING);
	queue_entry_free(&e);
	/* A malformed envelope is an error, not an empty entry. */
	snprintf(path, sizeof(path), "%s/env/%s", t_dir, id);
	t_message(path, "version\t1\narrival\t1\nsender\t\nrcpt\tsent");
	ck_assert(queue_read(t_dir, id, &e, &why) == -1);
	ck_assert_msg(strstr(why, "truncated") != NULL, "%s", why);
}
END_TEST

#define T_PROCS		4
#define T_PER_PROC	25

/* Several processes enqueue at once: distinct ids, whole entries. */
START_TEST(test_concurrent)
{
	const char *rcpts[] = { "bob@b.test" };
	struct queue_envelope env = { "a@a.test", rcpts, 1, NULL, 0, NULL,
	    NULL };
	char id[QUEUE_ID_MAX], src[128];
	struct queue_entry e;
	const char *why;
	pid_t pids[T_PROCS];
	int i, j, status;

	snprintf(src, sizeof(src), "%s/msg", t_dir);
	t_message(src, "x\n");
	for (i = 0; i < T_PROCS; i++) {
		pids[i] = fork();
		ck_assert(pids[i] >= 0);
		if (pids[i] == 0) {
			for (j = 0; j < T_PER_PROC; j++)
				if (queue_enqueue(t_dir, src, &env, id,
				    &why) < 0)
					_exit(1);
			_exit(0);
		}
	}
	for (i = 0; i < T_PROCS; i++) {
		ck_assert(waitpid(pids[i], &status, 0) == pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	t_listed = 0;
	ck_assert(queue_list(t_dir, t_list_fn, NULL, &why) == 0);
	ck_assert_int_eq(t_listed, T_PROCS * T_PER_PROC);
	ck_assert_int_eq(t_count("data"), T_PROCS * T_PER_PROC);
	ck_assert_int_eq(t_count("tmp"), 0);
	(void)e;
}
END_TEST

/* queue_suite - every behaviour of the queue module */
static Suite *
queue_suite(void)
{
	Suite *su = suite_create("queue");
	TCase *tc;

	tc = tcase_create("envelope");
	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof(env_cases) / sizeof(env_cases[0]));
	tcase_add_test(tc, test_prefixes);
	tcase_add_test(tc, test_fields_roundtrip);
	tcase_add_loop_test(tc, test_id_check, 0,
	    sizeof(id_cases) / sizeof(id_cases[0]));
	suite_add_tcase(su, tc);

	tc = tcase_create("files");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_enqueue_read_update_delete);
	tcase_add_test(tc, test_enqueue_refused);
	tcase_add_test(tc, test_cleanup);
	tcase_add_test(tc, test_update_atomic);
	tcase_add_test(tc, test_concurrent);
	suite_add_tcase(su, tc);
	return (su);
}

int
main(void)
{
	return (tutil_run(queue_suite()));
}
