/*
 * check_store - unit tests for common/store.c.
 *
 * Every test gets a fresh directory holding a registry environment
 * ("reg", set up with registry_setup()) and a mail_dir ("mail"), inside a
 * base directory that an unchecked fixture makes and removes for each
 * test case. The registry and the store are opened inside the forked test
 * process; tests that fork workers close them first and reopen after, so
 * no handle crosses a fork.
 *
 * Covered: delivery to several recipients; a crash (STORE_TEST_CRASH_AT)
 * at each step of a delivery, then a reopen finding the message once or
 * not at all, tmp/ rolled forward or cleaned; four processes delivering
 * 200 messages each into one mailbox while a fifth keeps opening it;
 * foreign files picked up (flags from ":2,"), index entries whose file
 * was deleted expunged, an index rebuilt with a new UIDVALIDITY; flags,
 * keywords, CONDSTORE's unchanged_since; expunge; append with a date,
 * flags, UID and UIDL; copy with begin_file; folder create, rename (with
 * subfolders), delete, list; quota from the user and from the domain;
 * bad folder names and addresses refused; the mailbox lock.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "registry.h"
#include "store.h"
#include "tutil.h"

static char t_dir[320];			/* per test */
static char t_mail[400];		/* mail_dir */
static char t_regdir[400];
static struct registry_opts t_opts;
static struct registry *t_reg;
static struct store *t_st;

/* t_open - join the registry and open the store */
static void
t_open(void)
{
	const char *err = NULL;

	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "registry_open: %s", err);
	t_st = store_open(t_reg, t_mail, &err);
	ck_assert_msg(t_st != NULL, "store_open: %s", err);
}

/* t_close - close store and registry (before a fork) */
static void
t_close(void)
{
	store_close(&t_st);
	registry_close(&t_reg);
}

/* t_setup - registry, mail_dir, a domain and two users */
static void
t_setup(void)
{
	const char *err = NULL;

	tutil_dir(t_dir, sizeof(t_dir));
	snprintf(t_mail, sizeof(t_mail), "%s/mail", t_dir);
	snprintf(t_regdir, sizeof(t_regdir), "%s/reg", t_dir);
	ck_assert_int_eq(mkdir(t_mail, 0700), 0);
	ck_assert_int_eq(mkdir(t_regdir, 0700), 0);
	tutil_registry_opts(&t_opts, t_regdir);
	t_reg = tutil_registry_open(&t_opts);
	t_st = store_open(t_reg, t_mail, &err);
	ck_assert_msg(t_st != NULL, "store_open: %s", err);
	tutil_domain(t_reg, "example.org");
	tutil_user(t_reg, "alice@example.org", 0, 0);
	tutil_user(t_reg, "bob@example.org", 0, 0);
}

/* t_teardown - close what the test left open */
static void
t_teardown(void)
{
	t_close();
	tutil_rm_tree(t_dir);
}

/* t_entries - names not starting with '.' in mail_dir/rel */
static int
t_entries(const char *rel)
{
	char path[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", t_mail, rel);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return (n);
}

/* t_first_entry - the first name in mail_dir/rel into buf */
static int
t_first_entry(const char *rel, char *buf, size_t size)
{
	char path[1024];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s/%s", t_mail, rel);
	if ((d = opendir(path)) == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.') {
			snprintf(buf, size, "%s", e->d_name);
			closedir(d);
			return (0);
		}
	closedir(d);
	return (-1);
}

/* t_write_file - create mail_dir/rel with text */
static void
t_write_file(const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t_mail, rel);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* t_age - set the mtime of mail_dir/rel secs into the past */
static void
t_age(const char *rel, long secs)
{
	char path[1024];
	struct timeval tv[2];

	snprintf(path, sizeof(path), "%s/%s", t_mail, rel);
	gettimeofday(&tv[0], NULL);
	tv[0].tv_sec -= secs;
	tv[1] = tv[0];
	ck_assert_msg(utimes(path, tv) == 0, "utimes %s: %s", path,
	    strerror(errno));
}

/* t_deliver - deliver text to users (folder NULL = INBOX) */
static void
t_deliver(const char *const *users, int n, const char *folder,
    const char *text, const struct store_meta *meta)
{
	struct store_delivery *d;
	const char *err = NULL;
	int i;

	d = store_delivery_begin(t_st, &err);
	ck_assert_msg(d != NULL, "begin: %s", err);
	ck_assert_int_eq(write(store_delivery_fd(d), text, strlen(text)),
	    (ssize_t)strlen(text));
	for (i = 0; i < n; i++)
		ck_assert_msg(store_delivery_add(d, users[i], folder,
		    &err) == 0, "add %s: %s", users[i], err);
	ck_assert_msg(store_delivery_commit(d, meta, &err) == 0,
	    "commit: %s", err);
	store_delivery_free(&d);
}

/* t_mbox - open a mailbox, asserting success */
static struct store_mailbox *
t_mbox(const char *user, const char *folder)
{
	struct store_mailbox *mb;
	const char *err = NULL;

	mb = store_mailbox_open(t_st, user, folder, NULL, &err);
	ck_assert_msg(mb != NULL, "open %s %s: %s", user,
	    folder ? folder : "INBOX", err);
	return (mb);
}

/* t_info - a mailbox's info */
static struct store_mailbox_info
t_info(struct store_mailbox *mb)
{
	struct store_mailbox_info info;
	const char *err = NULL;

	ck_assert_msg(store_mailbox_info(mb, &info, &err) == 0, "info: %s",
	    err);
	return (info);
}

/* t_read_msg - message uid's contents into buf */
static void
t_read_msg(struct store_mailbox *mb, uint32_t uid, char *buf, size_t size)
{
	const char *err = NULL;
	ssize_t n;
	int fd;

	fd = store_msg_open(mb, uid, &err);
	ck_assert_msg(fd >= 0, "msg_open %u: %s", uid, err);
	n = read(fd, buf, size - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
}

static const char t_text[] = "From: a@example.net\nSubject: hi\n\nbody\n";

/* delivery to several recipients, one file linked into each mailbox */
START_TEST(test_deliver_multi)
{
	static const char *const users[] = {
		"alice@example.org", "Bob@Example.ORG", "alice@example.org",
	};
	struct store_delivery *d;
	struct store_mailbox *mb;
	struct store_mailbox_info info;
	struct store_msg *msgs;
	const char *err = NULL;
	char buf[256], spool[512];
	size_t n;
	uint32_t uv, uid;
	int i;

	d = store_delivery_begin(t_st, &err);
	ck_assert_msg(d != NULL, "begin: %s", err);
	snprintf(spool, sizeof(spool), "%s", store_delivery_path(d));
	ck_assert_ptr_nonnull(strstr(spool, "/.spool/"));
	ck_assert_int_eq(write(store_delivery_fd(d), t_text,
	    strlen(t_text)), (ssize_t)strlen(t_text));
	for (i = 0; i < 3; i++)
		ck_assert_msg(store_delivery_add(d, users[i], NULL, &err) == 0,
		    "add: %s", err);
	ck_assert_int_eq(store_delivery_add(d, "alice@example.org", "Lists",
	    &err), 0);
	ck_assert_int_eq(store_delivery_uid(d, 0, &uv, &uid), -1);
	ck_assert_msg(store_delivery_commit(d, NULL, &err) == 0, "commit: %s",
	    err);
	ck_assert_int_eq(store_delivery_uid(d, 0, &uv, &uid), 0);
	ck_assert_uint_eq(uid, 1);
	ck_assert_uint_ne(uv, 0);
	ck_assert_int_eq(store_delivery_uid(d, 3, &uv, &uid), -1);
	ck_assert_int_eq(store_delivery_commit(d, NULL, &err), -1);
	store_delivery_free(&d);
	ck_assert_int_eq(access(spool, F_OK), -1);

	ck_assert_int_eq(t_entries("example.org/alice/new"), 1);
	ck_assert_int_eq(t_entries("example.org/alice/tmp"), 0);
	ck_assert_int_eq(t_entries("example.org/bob/new"), 1);
	ck_assert_int_eq(t_entries("example.org/alice/.Lists/new"), 1);
	ck_assert_int_eq(t_entries("example.org/alice/.Lists/maildirfolder"),
	    -1);
	ck_assert_int_eq(t_entries(".spool"), 0);

	mb = t_mbox("bob@example.org", NULL);
	info = t_info(mb);
	ck_assert_uint_eq(info.count, 1);
	ck_assert_uint_eq(info.uidnext, 2);
	ck_assert_uint_eq(info.size, strlen(t_text));
	ck_assert_uint_eq(info.vsize, strlen(t_text) + 4);	/* 4 LFs */
	ck_assert_uint_eq(info.highestmodseq, 1);
	ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &msgs, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(msgs[0].uid, 1);
	ck_assert_str_eq(msgs[0].origin, "local");
	ck_assert_uint_eq(msgs[0].size, strlen(t_text));
	ck_assert_ptr_nonnull(strstr(msgs[0].file, ",S=38,W=42"));
	ck_assert_int_eq(strncmp(msgs[0].file, "new/", 4), 0);
	snprintf(buf, sizeof(buf), "%08x%08x", info.uidvalidity, 1);
	ck_assert_str_eq(msgs[0].uidl, buf);
	store_msgs_free(&msgs, n);
	t_read_msg(mb, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, t_text);
	store_mailbox_close(&mb);

	/* the usage sums INBOX and Lists */
	{
		uint64_t m, b;

		ck_assert_int_eq(store_usage(t_st, "alice@example.org", &m, &b,
		    &err), 0);
		ck_assert_uint_eq(m, 2);
		ck_assert_uint_eq(b, 2 * strlen(t_text));
	}
}
END_TEST

/*
 * crash_child - deliver to alice's INBOX and Lists with the crash hook
 * set to step n; it must die there with status 99.
 */
static void
crash_child(int n)
{
	static const char *const users[] = { "alice@example.org" };
	struct store_delivery *d;
	const char *err = NULL;
	char v[16];

	snprintf(v, sizeof(v), "%d", n);
	setenv("STORE_TEST_CRASH_AT", v, 1);
	t_open();
	d = store_delivery_begin(t_st, &err);
	if (d == NULL)
		_exit(2);
	if (write(store_delivery_fd(d), t_text, strlen(t_text)) < 0 ||
	    store_delivery_add(d, users[0], NULL, &err) < 0 ||
	    store_delivery_add(d, users[0], "Lists", &err) < 0)
		_exit(3);
	(void)store_delivery_commit(d, NULL, &err);
	_exit(0);
}

/* a crash at each step: the message is in both mailboxes once, or absent */
START_TEST(test_crash_points)
{
	static const char *const boxes[] = {
		"example.org/alice", "example.org/alice/.Lists",
	};
	struct store_mailbox *mb;
	struct store_msg *msgs;
	const char *err = NULL;
	char rel[512], name[256], buf[256];
	size_t n, i;
	int step = _i, rc, want;
	pid_t pid;

	store_folder_create(t_st, "alice@example.org", "Lists", &err);
	t_close();
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		crash_child(step);
	rc = tutil_wait(pid);
	ck_assert_msg(rc == 99, "step %d: child status %d, want 99", step,
	    rc);
	t_open();
	want = step >= 4;	/* from the index commit on: delivered */
	for (i = 0; i < NELEM(boxes); i++) {
		mb = t_mbox("alice@example.org", i == 0 ? NULL : "Lists");
		ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &msgs, &n,
		    &err), 0);
		ck_assert_msg((int)n == want, "step %d box %s: %zu messages, "
		    "want %d", step, boxes[i], n, want);
		if (n == 1) {
			t_read_msg(mb, msgs[0].uid, buf, sizeof(buf));
			ck_assert_str_eq(buf, t_text);
		}
		store_msgs_free(&msgs, n);
		snprintf(rel, sizeof(rel), "%s/new", boxes[i]);
		ck_assert_int_eq(t_entries(rel), want);
		snprintf(rel, sizeof(rel), "%s/tmp", boxes[i]);
		if (want) {
			/* rolled forward */
			ck_assert_int_eq(t_entries(rel), 0);
		} else if (t_entries(rel) > 0) {
			/* a young orphan stays; an old one goes */
			ck_assert_int_ge(step, 2);
			ck_assert_int_eq(t_first_entry(rel, name,
			    sizeof(name)), 0);
			snprintf(rel, sizeof(rel), "%s/tmp/%s", boxes[i],
			    name);
			t_age(rel, STORE_TMP_MAX_AGE + 60);
			store_mailbox_close(&mb);
			mb = t_mbox("alice@example.org",
			    i == 0 ? NULL : "Lists");
			snprintf(rel, sizeof(rel), "%s/tmp", boxes[i]);
			ck_assert_int_eq(t_entries(rel), 0);
			ck_assert_uint_eq(t_info(mb).count, 0);
		}
		store_mailbox_close(&mb);
	}
	/* the next delivery works and gets the next UID */
	{
		static const char *const u[] = { "alice@example.org" };

		t_deliver(u, 1, NULL, t_text, NULL);
		mb = t_mbox("alice@example.org", NULL);
		ck_assert_uint_eq(t_info(mb).count, (uint32_t)want + 1);
		ck_assert_uint_eq(t_info(mb).uidnext, (uint32_t)want + 2);
		store_mailbox_close(&mb);
	}
}
END_TEST

#define CONC_CHILDREN	4
#define CONC_MSGS	200

/* conc_child - deliver CONC_MSGS numbered messages to alice */
static void
conc_child(int c)
{
	static const char *const users[] = { "alice@example.org" };
	struct store_delivery *d;
	const char *err = NULL;
	char text[128];
	int i, n;

	t_open();
	for (i = 0; i < CONC_MSGS; i++) {
		n = snprintf(text, sizeof(text), "Subject: c%d m%d\n\nx\n", c,
		    i);
		if ((d = store_delivery_begin(t_st, &err)) == NULL ||
		    write(store_delivery_fd(d), text, (size_t)n) != n ||
		    store_delivery_add(d, users[0], NULL, &err) < 0 ||
		    store_delivery_commit(d, NULL, &err) < 0) {
			fprintf(stderr, "child %d: %s\n", c, err);
			_exit(1);
		}
		store_delivery_free(&d);
	}
	t_close();
	_exit(0);
}

/* scan_child - open and sync alice's INBOX until told to stop */
static void
scan_child(int fd)
{
	struct store_mailbox *mb;
	const char *err = NULL;
	char c;

	t_open();
	for (;;) {
		if ((mb = store_mailbox_open(t_st, "alice@example.org", NULL,
		    NULL, &err)) == NULL) {
			fprintf(stderr, "scanner: %s\n", err);
			_exit(1);
		}
		store_mailbox_close(&mb);
		if (read(fd, &c, 1) == 0)
			break;
	}
	t_close();
	_exit(0);
}

/* four processes deliver 200 each into one mailbox, a fifth scans */
START_TEST(test_concurrent)
{
	struct store_mailbox *mb;
	struct store_msg *msgs;
	const char *err = NULL;
	char path[1024], seen[CONC_CHILDREN][CONC_MSGS];
	pid_t pids[CONC_CHILDREN], scanner;
	size_t n, i;
	int rc, fds[2], c, m, fl;

	t_close();
	ck_assert_int_eq(pipe(fds), 0);
	fl = fcntl(fds[0], F_GETFL);
	ck_assert_int_eq(fcntl(fds[0], F_SETFL, fl | O_NONBLOCK), 0);
	scanner = fork();
	ck_assert_int_ge(scanner, 0);
	if (scanner == 0) {
		close(fds[1]);
		scan_child(fds[0]);
	}
	close(fds[0]);
	for (i = 0; i < CONC_CHILDREN; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0)
			conc_child((int)i);
	}
	for (i = 0; i < CONC_CHILDREN; i++) {
		rc = tutil_wait(pids[i]);
		ck_assert_msg(rc == 0, "child %zu: status %d", i, rc);
	}
	close(fds[1]);
	rc = tutil_wait(scanner);
	ck_assert_msg(rc == 0, "scanner: status %d", rc);

	t_open();
	mb = t_mbox("alice@example.org", NULL);
	ck_assert_uint_eq(t_info(mb).count, CONC_CHILDREN * CONC_MSGS);
	ck_assert_uint_eq(t_info(mb).uidnext, CONC_CHILDREN * CONC_MSGS + 1);
	ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &msgs, &n, &err), 0);
	ck_assert_uint_eq(n, CONC_CHILDREN * CONC_MSGS);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < n; i++) {
		char buf[256];

		ck_assert_uint_eq(msgs[i].uid, i + 1);
		snprintf(path, sizeof(path), "example.org/alice/%s",
		    msgs[i].file);
		t_read_msg(mb, msgs[i].uid, buf, sizeof(buf));
		ck_assert_int_eq(sscanf(buf, "Subject: c%d m%d", &c, &m), 2);
		ck_assert(c >= 0 && c < CONC_CHILDREN && m >= 0 &&
		    m < CONC_MSGS);
		ck_assert_msg(!seen[c][m], "c%d m%d twice", c, m);
		seen[c][m] = 1;
	}
	store_msgs_free(&msgs, n);
	ck_assert_int_eq(t_entries("example.org/alice/new"),
	    CONC_CHILDREN * CONC_MSGS);
	ck_assert_int_eq(t_entries("example.org/alice/tmp"), 0);
	store_mailbox_close(&mb);
}
END_TEST

/*
 * eol_pad: what ending an unterminated last line with CR LF adds (POP3
 * RETR), found when a file is indexed and kept in the index
 */
START_TEST(test_eol_pad)
{
	static const char *const u[] = { "alice@example.org" };
	static const struct {
		const char *text;
		uint64_t vsize;
		unsigned pad;
	} want[] = {
		{ t_text, sizeof(t_text) - 1 + 4, 0 },	/* delivered */
		{ "a\nb", 4, 2 },
		{ "a\r", 2, 1 },
		{ "a\r\nb\r\n", 6, 0 },
		{ "", 0, 0 },
	};
	struct store_mailbox *mb;
	struct store_msg *msgs;
	const char *err = NULL;
	char rel[128];
	size_t i, n;
	int pass;

	t_deliver(u, 1, NULL, t_text, NULL);
	for (i = 1; i < sizeof(want) / sizeof(want[0]); i++) {
		snprintf(rel, sizeof(rel), "example.org/alice/new/%zu.x.host",
		    i);
		t_write_file(rel, want[i].text);
		t_age(rel, (long)(100 - i));
	}
	for (pass = 0; pass < 2; pass++) {
		mb = t_mbox("alice@example.org", NULL);
		ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &msgs, &n,
		    &err), 0);
		ck_assert_uint_eq(n, sizeof(want) / sizeof(want[0]));
		for (i = 0; i < n; i++) {
			ck_assert_uint_eq(msgs[i].vsize, want[i].vsize);
			ck_assert_uint_eq(msgs[i].eol_pad, want[i].pad);
		}
		store_msgs_free(&msgs, n);
		store_mailbox_close(&mb);
	}
}
END_TEST

/* files written by another tool are picked up; gone files expunged */
START_TEST(test_foreign)
{
	static const char *const u[] = { "alice@example.org" };
	struct store_mailbox *mb;
	struct store_msg *msgs;
	struct store_mailbox_info info;
	const char *err = NULL;
	char rel[512], buf[512];
	size_t n;

	t_deliver(u, 1, NULL, t_text, NULL);
	t_deliver(u, 1, NULL, t_text, NULL);
	mb = t_mbox("alice@example.org", NULL);
	store_mailbox_close(&mb);
	t_write_file("example.org/alice/new/1000.foreign.host", "a\r\nb\n");
	t_age("example.org/alice/new/1000.foreign.host", 100);
	t_write_file("example.org/alice/cur/999.other.host:2,FS", "x\n");
	t_age("example.org/alice/cur/999.other.host:2,FS", 200);
	t_write_file("example.org/alice/cur/.hidden", "x\n");

	mb = t_mbox("alice@example.org", NULL);
	info = t_info(mb);
	ck_assert_uint_eq(info.count, 4);
	ck_assert_int_eq(store_mailbox_list(mb, 3, 0, &msgs, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	/* arrival order: the older file first */
	ck_assert_str_eq(msgs[0].file, "cur/999.other.host:2,FS");
	ck_assert_uint_eq(msgs[0].flags, STORE_FLAG_SEEN | STORE_FLAG_FLAGGED);
	ck_assert_uint_eq(msgs[0].size, 2);
	ck_assert_uint_eq(msgs[0].vsize, 3);
	ck_assert_str_eq(msgs[0].origin, "maildir");
	ck_assert_str_eq(msgs[1].file, "new/1000.foreign.host");
	ck_assert_uint_eq(msgs[1].size, 5);
	ck_assert_uint_eq(msgs[1].vsize, 6);
	ck_assert_uint_eq(msgs[1].flags, 0);
	store_msgs_free(&msgs, n);
	store_mailbox_close(&mb);

	/* opening again picks up nothing twice */
	mb = t_mbox("alice@example.org", NULL);
	ck_assert_uint_eq(t_info(mb).count, 4);
	ck_assert_uint_eq(t_info(mb).uidnext, 5);

	/* a file moved by another tool from new/ to cur/ keeps its UID */
	ck_assert_int_eq(store_mailbox_list(mb, 1, 1, &msgs, &n, &err), 0);
	ck_assert_uint_eq(n, 1);
	snprintf(rel, sizeof(rel), "%s/example.org/alice/%s", t_mail,
	    msgs[0].file);
	snprintf(buf, sizeof(buf), "%s/example.org/alice/cur/%s:2,S", t_mail,
	    msgs[0].file + 4);
	ck_assert_int_eq(rename(rel, buf), 0);
	store_msgs_free(&msgs, n);
	/* and the file of UID 2 deleted by another tool */
	ck_assert_int_eq(store_mailbox_list(mb, 2, 2, &msgs, &n, &err), 0);
	snprintf(rel, sizeof(rel), "%s/example.org/alice/%s", t_mail,
	    msgs[0].file);
	ck_assert_int_eq(unlink(rel), 0);
	store_msgs_free(&msgs, n);
	ck_assert_int_eq(store_mailbox_sync(mb, &err), 0);
	info = t_info(mb);
	ck_assert_uint_eq(info.count, 3);
	ck_assert_uint_eq(info.uidnext, 5);
	ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &msgs, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(msgs[0].uid, 1);
	ck_assert_int_eq(strncmp(msgs[0].file, "cur/", 4), 0);
	ck_assert_ptr_nonnull(strstr(msgs[0].file, ":2,S"));
	ck_assert_uint_eq(msgs[1].uid, 3);
	ck_assert_uint_eq(msgs[2].uid, 4);
	store_msgs_free(&msgs, n);
	t_read_msg(mb, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, t_text);
	ck_assert_int_eq(store_msg_open(mb, 2, &err), -1);
	store_mailbox_close(&mb);
}
END_TEST

/* a lost index is rebuilt from the files with a new UIDVALIDITY */
START_TEST(test_rebuild)
{
	static const char *const u[] = { "alice@example.org" };
	struct store_mailbox *mb, *old;
	struct store_mailbox_info a, b;
	struct store_msg *msgs;
	const char *err = NULL;
	uint32_t uid = 2;
	size_t n;

	t_deliver(u, 1, NULL, t_text, NULL);
	t_deliver(u, 1, NULL, "Subject: 2\n\n", NULL);
	t_deliver(u, 1, NULL, "Subject: 3\n\n", NULL);
	old = t_mbox("alice@example.org", NULL);
	a = t_info(old);
	ck_assert_int_eq(store_msg_flags(old, &uid, 1, STORE_FLAGS_ADD,
	    STORE_FLAG_SEEN, NULL, 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(store_mailbox_reindex(t_st, "alice@example.org",
	    NULL, &err), 0);
	/* a handle from before the rebuild is told to reopen */
	ck_assert_int_eq(store_mailbox_info(old, &b, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "reopen"));
	store_mailbox_close(&old);
	mb = t_mbox("alice@example.org", NULL);
	b = t_info(mb);
	ck_assert_uint_gt(b.uidvalidity, a.uidvalidity);
	ck_assert_uint_eq(b.count, 3);
	ck_assert_uint_eq(b.uidnext, 4);
	ck_assert_uint_eq(b.size, a.size);
	ck_assert_uint_eq(b.vsize, a.vsize);
	ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &msgs, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(msgs[2].uid, 3);
	store_msgs_free(&msgs, n);
	store_mailbox_close(&mb);
}
END_TEST

/* flags, keywords, modseq, unchanged_since */
START_TEST(test_flags)
{
	static const char *const u[] = { "alice@example.org" };
	struct store_mailbox *mb;
	struct store_msg m;
	const char *err = NULL;
	uint32_t uids[] = { 1, 2, 99 }, *failed;
	uint64_t ms;
	size_t nf;

	t_deliver(u, 1, NULL, t_text, NULL);
	t_deliver(u, 1, NULL, t_text, NULL);
	mb = t_mbox("alice@example.org", NULL);
	ms = t_info(mb).highestmodseq;
	ck_assert_uint_eq(ms, 2);
	ck_assert_int_eq(store_msg_flags(mb, uids, 3, STORE_FLAGS_ADD,
	    STORE_FLAG_SEEN | STORE_FLAG_FLAGGED, "$Junk work", 0, NULL, NULL,
	    &err), 0);
	ck_assert_uint_eq(t_info(mb).highestmodseq, 4);
	ck_assert_int_eq(store_msg_get(mb, 2, &m, &err), 1);
	ck_assert_uint_eq(m.flags, STORE_FLAG_SEEN | STORE_FLAG_FLAGGED);
	ck_assert_str_eq(m.keywords, "$Junk work");
	ck_assert_uint_eq(m.modseq, 4);
	store_msg_clear(&m);
	/* no change, no new modseq */
	ck_assert_int_eq(store_msg_flags(mb, uids, 2, STORE_FLAGS_ADD,
	    STORE_FLAG_SEEN, "work", 0, NULL, NULL, &err), 0);
	ck_assert_uint_eq(t_info(mb).highestmodseq, 4);
	ck_assert_int_eq(store_msg_flags(mb, uids + 1, 1, STORE_FLAGS_REMOVE,
	    STORE_FLAG_FLAGGED, "$Junk", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(store_msg_get(mb, 2, &m, &err), 1);
	ck_assert_uint_eq(m.flags, STORE_FLAG_SEEN);
	ck_assert_str_eq(m.keywords, "work");
	ck_assert_uint_eq(m.modseq, 5);
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_flags(mb, uids, 1, STORE_FLAGS_SET,
	    STORE_FLAG_DRAFT, NULL, 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(store_msg_get(mb, 1, &m, &err), 1);
	ck_assert_uint_eq(m.flags, STORE_FLAG_DRAFT);
	ck_assert_str_eq(m.keywords, "");
	store_msg_clear(&m);
	/* CONDSTORE: uid 1 changed at 6, uid 2 at 5 */
	ck_assert_int_eq(store_msg_flags(mb, uids, 2, STORE_FLAGS_ADD,
	    STORE_FLAG_ANSWERED, NULL, 5, &failed, &nf, &err), 0);
	ck_assert_uint_eq(nf, 1);
	ck_assert_uint_eq(failed[0], 1);
	free(failed);
	ck_assert_int_eq(store_msg_flags(mb, uids, 1, STORE_FLAGS_ADD, 0,
	    "bad\001kw", 0, NULL, NULL, &err), -1);
	ck_assert_int_eq(store_msg_get(mb, 99, &m, &err), 0);
	store_mailbox_close(&mb);
}
END_TEST

/* \Recent goes to the first claimer; flag changes touch the changes file */
START_TEST(test_recent)
{
	static const char *const u[] = { "alice@example.org" };
	struct store_mailbox *mb, *mb2;
	const char *err = NULL;
	char path[600];
	struct stat sb;
	uint32_t first, uid = 1;

	t_deliver(u, 1, NULL, t_text, NULL);
	t_deliver(u, 1, NULL, t_text, NULL);
	mb = t_mbox("alice@example.org", NULL);
	mb2 = t_mbox("alice@example.org", NULL);
	/* an old record has no mark: everything is recent */
	ck_assert_int_eq(store_mailbox_first_recent(mb2, &first, &err), 0);
	ck_assert_uint_eq(first, 1);
	ck_assert_int_eq(store_mailbox_claim_recent(mb, &first, &err), 0);
	ck_assert_uint_eq(first, 1);
	/* claimed: the next one gets nothing, the getter agrees */
	ck_assert_int_eq(store_mailbox_claim_recent(mb2, &first, &err), 0);
	ck_assert_uint_eq(first, 3);
	ck_assert_int_eq(store_mailbox_first_recent(mb, &first, &err), 0);
	ck_assert_uint_eq(first, 3);
	t_deliver(u, 1, NULL, t_text, NULL);
	ck_assert_int_eq(store_mailbox_first_recent(mb, &first, &err), 0);
	ck_assert_uint_eq(first, 3);
	ck_assert_int_eq(store_mailbox_claim_recent(mb2, &first, &err), 0);
	ck_assert_uint_eq(first, 3);
	ck_assert_int_eq(store_mailbox_claim_recent(mb, &first, &err), 0);
	ck_assert_uint_eq(first, 4);
	ck_assert_uint_eq(t_info(mb).highestmodseq, 3);
	/* flag changes show in the changes file, not as a message */
	snprintf(path, sizeof(path), "%s/example.org/alice/%s", t_mail,
	    STORE_CHANGES_FILE);
	ck_assert_int_eq(stat(path, &sb), -1);
	ck_assert_int_eq(store_msg_flags(mb, &uid, 1, STORE_FLAGS_ADD,
	    STORE_FLAG_SEEN, NULL, 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(store_mailbox_sync(mb2, &err), 0);
	ck_assert_uint_eq(t_info(mb2).count, 3);
	store_mailbox_close(&mb2);
	store_mailbox_close(&mb);
}
END_TEST

/* expunge removes files first, then the entries */
START_TEST(test_expunge)
{
	static const char *const u[] = { "alice@example.org" };
	struct store_mailbox *mb;
	struct store_msg *msgs;
	const char *err = NULL;
	uint32_t uids[] = { 2, 7 };
	uint64_t ms;
	size_t n;

	t_deliver(u, 1, NULL, "1\n", NULL);
	t_deliver(u, 1, NULL, "22\n", NULL);
	t_deliver(u, 1, NULL, "333\n", NULL);
	mb = t_mbox("alice@example.org", NULL);
	ms = t_info(mb).highestmodseq;
	ck_assert_int_eq(store_expunge(mb, uids, 2, &err), 0);
	ck_assert_uint_eq(t_info(mb).count, 2);
	ck_assert_uint_eq(t_info(mb).size, 6);
	ck_assert_uint_eq(t_info(mb).vsize, 8);
	ck_assert_uint_gt(t_info(mb).highestmodseq, ms);
	ck_assert_int_eq(t_entries("example.org/alice/new"), 2);
	ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &msgs, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(msgs[0].uid, 1);
	ck_assert_uint_eq(msgs[1].uid, 3);
	store_msgs_free(&msgs, n);
	store_mailbox_close(&mb);
	mb = t_mbox("alice@example.org", NULL);
	ck_assert_uint_eq(t_info(mb).count, 2);
	ck_assert_uint_eq(t_info(mb).uidnext, 4);
	store_mailbox_close(&mb);
}
END_TEST

/* append with date, flags, keywords, UID, UIDL; copy by linking */
START_TEST(test_append)
{
	struct store_mailbox *mb, *dst;
	struct store_delivery *d;
	struct store_meta meta;
	struct store_msg m;
	const char *err = NULL;
	char path[1024], buf[256];
	uint32_t uv, uid, cuid;

	memset(&meta, 0, sizeof(meta));
	meta.internal_date = 1000000000;
	meta.flags = STORE_FLAG_SEEN | STORE_FLAG_ANSWERED;
	meta.keywords = "$Forwarded";
	meta.message_id = "<a@b>";
	meta.origin = "account:7";
	meta.remote_id = "r42";
	meta.uidl = "legacy-uidl-1";
	meta.uid = 10;
	ck_assert_int_eq(store_append(t_st, "alice@example.org", NULL,
	    "A\n", 2, &meta, &uv, &uid, &err), 0);
	ck_assert_uint_eq(uid, 10);
	/* below UIDNEXT: refused */
	meta.uid = 5;
	ck_assert_int_eq(store_append(t_st, "alice@example.org", NULL,
	    "A\n", 2, &meta, &uv, &uid, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "below UIDNEXT"));
	ck_assert_int_eq(t_entries("example.org/alice/tmp"), 0);
	ck_assert_int_eq(t_entries(".spool"), 0);
	meta.uid = 0;
	meta.uidl = "bad uidl";
	ck_assert_int_eq(store_append(t_st, "alice@example.org", NULL,
	    "A\n", 2, &meta, &uv, &uid, &err), -1);

	mb = t_mbox("alice@example.org", NULL);
	ck_assert_uint_eq(t_info(mb).uidnext, 11);
	ck_assert_uint_eq(t_info(mb).uidvalidity, uv);
	ck_assert_int_eq(store_msg_get(mb, 10, &m, &err), 1);
	ck_assert_int_eq(m.internal_date, 1000000000);
	ck_assert_uint_eq(m.flags, STORE_FLAG_SEEN | STORE_FLAG_ANSWERED);
	ck_assert_str_eq(m.keywords, "$Forwarded");
	ck_assert_str_eq(m.message_id, "<a@b>");
	ck_assert_str_eq(m.origin, "account:7");
	ck_assert_str_eq(m.remote_id, "r42");
	ck_assert_str_eq(m.uidl, "legacy-uidl-1");
	store_msg_clear(&m);
	ck_assert_int_eq(store_msg_set_uidl(mb, 10, "other", &err), 0);
	ck_assert_int_eq(store_msg_set_uidl(mb, 10, "has space", &err), -1);
	ck_assert_int_eq(store_msg_get(mb, 10, &m, &err), 1);
	ck_assert_str_eq(m.uidl, "other");
	store_msg_clear(&m);

	/* COPY: link the file into another folder */
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "Archive", &err), 0);
	ck_assert_int_eq(store_msg_path(mb, 10, path, sizeof(path), &err), 0);
	d = store_delivery_begin_file(t_st, path, &err);
	ck_assert_msg(d != NULL, "begin_file: %s", err);
	ck_assert_int_eq(store_delivery_fd(d), -1);
	ck_assert_int_eq(store_delivery_add(d, "alice@example.org", "Archive",
	    &err), 0);
	ck_assert_int_eq(store_delivery_commit(d, NULL, &err), 0);
	ck_assert_int_eq(store_delivery_uid(d, 0, NULL, &cuid), 0);
	store_delivery_free(&d);
	ck_assert_uint_eq(cuid, 1);
	ck_assert_int_eq(access(path, F_OK), 0);
	dst = t_mbox("alice@example.org", "Archive");
	ck_assert_uint_eq(t_info(dst).count, 1);
	t_read_msg(dst, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "A\n");
	store_mailbox_close(&dst);

	/* UIDVALIDITY of an empty mailbox can be set (migration) */
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "Migrated", &err), 0);
	dst = t_mbox("alice@example.org", "Migrated");
	ck_assert_int_eq(store_mailbox_set_uidvalidity(dst, 12345, &err), 0);
	ck_assert_uint_eq(t_info(dst).uidvalidity, 12345);
	ck_assert_int_eq(store_mailbox_set_uidvalidity(mb, 12345, &err), -1);
	store_mailbox_close(&dst);
	store_mailbox_close(&mb);
}
END_TEST

/* light listing: the same numbers as the full one, over batches */
START_TEST(test_list_light)
{
	struct store_mailbox *mb;
	struct store_meta meta;
	struct store_msg *full = NULL;
	struct store_msg_light *lt = NULL;
	const char *err = NULL;
	char kw[32], mid[32];
	size_t i, n = 0, nl = 0;
	uint32_t uids[2] = { 7, 1200 };
	const size_t total = 1500;	/* more than one listing batch */

	for (i = 0; i < total; i++) {
		memset(&meta, 0, sizeof(meta));
		meta.internal_date = 1000000000 + (time_t)i;
		meta.flags = (unsigned)i & STORE_FLAG_ALL;
		if (i % 3 == 0) {
			(void)snprintf(kw, sizeof(kw), "$K%zu Work", i);
			meta.keywords = kw;
		}
		if (i % 2 == 0) {
			(void)snprintf(mid, sizeof(mid), "<%zu@x>", i);
			meta.message_id = mid;
			meta.origin = "smtp";
		}
		ck_assert_int_eq(store_append(t_st, "alice@example.org", NULL,
		    i % 5 == 0 ? "no final newline" : "A\nB\n",
		    i % 5 == 0 ? 16 : 4, &meta, NULL, NULL, &err), 0);
	}
	mb = t_mbox("alice@example.org", NULL);
	ck_assert_int_eq(store_msg_flags(mb, uids, 2, STORE_FLAGS_ADD,
	    STORE_FLAG_FLAGGED, "$Late", 0, NULL, NULL, &err), 0);
	ck_assert_int_eq(store_mailbox_list(mb, 1, 0, &full, &n, &err), 0);
	ck_assert_int_eq(store_mailbox_list_light(mb, 1, 0, &lt, &nl, &err),
	    0);
	ck_assert_uint_eq(n, total);
	ck_assert_uint_eq(nl, total);
	for (i = 0; i < n; i++) {
		ck_assert_uint_eq(lt[i].uid, full[i].uid);
		ck_assert_uint_eq(lt[i].uid, i + 1);
		ck_assert_uint_eq(lt[i].flags, full[i].flags);
		ck_assert_uint_eq(lt[i].size, full[i].size);
		ck_assert_uint_eq(lt[i].vsize, full[i].vsize);
		ck_assert_uint_eq(lt[i].eol_pad, full[i].eol_pad);
		ck_assert_uint_eq(lt[i].modseq, full[i].modseq);
		ck_assert_int_eq(lt[i].internal_date, full[i].internal_date);
		if (*full[i].keywords == '\0')
			ck_assert_ptr_null(lt[i].keywords);
		else
			ck_assert_str_eq(lt[i].keywords, full[i].keywords);
	}
	ck_assert_str_eq(lt[6].keywords, "$K6 Work $Late");
	ck_assert_str_eq(lt[1199].keywords, "$Late");
	ck_assert_uint_eq(lt[1199].flags & STORE_FLAG_FLAGGED,
	    STORE_FLAG_FLAGGED);
	ck_assert_uint_eq(lt[5].eol_pad, 2);
	ck_assert_uint_eq(lt[5].vsize, 16);
	store_msgs_free(&full, n);
	store_msgs_light_free(&lt, nl);
	ck_assert_ptr_null(lt);

	/* ranges */
	ck_assert_int_eq(store_mailbox_list_light(mb, 999, 1001, &lt, &nl,
	    &err), 0);
	ck_assert_uint_eq(nl, 3);
	ck_assert_uint_eq(lt[0].uid, 999);
	ck_assert_uint_eq(lt[2].uid, 1001);
	store_msgs_light_free(&lt, nl);
	ck_assert_int_eq(store_mailbox_list_light(mb, 0, 1, &lt, &nl, &err),
	    0);
	ck_assert_uint_eq(nl, 1);
	store_msgs_light_free(&lt, nl);
	ck_assert_int_eq(store_mailbox_list_light(mb, 5, 4, &lt, &nl, &err),
	    0);
	ck_assert_uint_eq(nl, 0);
	ck_assert_ptr_null(lt);
	ck_assert_int_eq(store_mailbox_list_light(mb, 1501, 0, &lt, &nl,
	    &err), 0);
	ck_assert_uint_eq(nl, 0);
	store_msgs_light_free(&lt, nl);
	/* an expunged message is not listed */
	ck_assert_int_eq(store_expunge(mb, uids, 1, &err), 0);
	ck_assert_int_eq(store_mailbox_list_light(mb, 1, 0, &lt, &nl, &err),
	    0);
	ck_assert_uint_eq(nl, total - 1);
	ck_assert_uint_eq(lt[6].uid, 8);
	store_msgs_light_free(&lt, nl);
	store_mailbox_close(&mb);
}
END_TEST

/* folders: create, exists, list, rename with children, delete */
START_TEST(test_folders)
{
	static const char *const u[] = { "alice@example.org" };
	struct store_mailbox *mb;
	struct store_mailbox_info a;
	const char *err = NULL;
	char **names;
	size_t n;
	int nf;

	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "Work", &err), 0);
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "Work.2024", &err), 0);
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "Workshop", &err), 0);
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "Work", &err), -1);
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "inbox", &err), -1);
	ck_assert_int_eq(store_folder_exists(t_st, "alice@example.org",
	    "Work", &err), 1);
	ck_assert_int_eq(store_folder_exists(t_st, "alice@example.org",
	    "Nope", &err), 0);
	ck_assert_ptr_null(store_mailbox_open(t_st, "alice@example.org",
	    "Nope", &nf, &err));
	ck_assert_int_eq(nf, 1);
	t_deliver(u, 1, "Work.2024", t_text, NULL);
	mb = t_mbox("alice@example.org", "Work.2024");
	a = t_info(mb);
	store_mailbox_close(&mb);

	ck_assert_int_eq(store_folder_list(t_st, "alice@example.org", &names,
	    &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(names[0], "Work");
	ck_assert_str_eq(names[1], "Work.2024");
	ck_assert_str_eq(names[2], "Workshop");
	store_folders_free(&names, n);

	ck_assert_int_eq(store_folder_rename(t_st, "alice@example.org",
	    "Work", "Workshop", &err), -1);
	ck_assert_int_eq(store_folder_rename(t_st, "alice@example.org",
	    "INBOX", "Old", &err), -1);
	ck_assert_int_eq(store_folder_rename(t_st, "alice@example.org",
	    "Work", "Jobs", &err), 0);
	ck_assert_int_eq(store_folder_list(t_st, "alice@example.org", &names,
	    &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(names[0], "Jobs");
	ck_assert_str_eq(names[1], "Jobs.2024");
	ck_assert_str_eq(names[2], "Workshop");
	store_folders_free(&names, n);
	mb = t_mbox("alice@example.org", "Jobs.2024");
	ck_assert_uint_eq(t_info(mb).uidvalidity, a.uidvalidity);
	ck_assert_uint_eq(t_info(mb).count, 1);
	store_mailbox_close(&mb);

	ck_assert_int_eq(store_folder_delete(t_st, "alice@example.org",
	    "INBOX", &err), -1);
	ck_assert_int_eq(store_folder_delete(t_st, "alice@example.org",
	    "Jobs.2024", &err), 0);
	ck_assert_int_eq(store_folder_delete(t_st, "alice@example.org",
	    "Jobs.2024", &err), -1);
	ck_assert_int_eq(store_folder_exists(t_st, "alice@example.org",
	    "Jobs.2024", &err), 0);
	ck_assert_int_eq(t_entries("example.org/alice"), 0);	/* no INBOX */
	/* recreated: new and empty, new UIDVALIDITY */
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    "Jobs.2024", &err), 0);
	mb = t_mbox("alice@example.org", "Jobs.2024");
	ck_assert_uint_eq(t_info(mb).count, 0);
	ck_assert_uint_ne(t_info(mb).uidvalidity, a.uidvalidity);
	store_mailbox_close(&mb);
	{
		uint64_t m, b;

		ck_assert_int_eq(store_usage(t_st, "alice@example.org", &m,
		    &b, &err), 0);
		ck_assert_uint_eq(m, 0);
	}
}
END_TEST

static const struct {
	const char *name;
	const char *why;
} bad_folders[] = {
	{ "", "empty" },
	{ ".hidden", "starts or ends" },
	{ "trailing.", "starts or ends" },
	{ "a..b", "'..'" },
	{ "..", "starts or ends" },
	{ "a/b", "'/'" },
	{ "../../etc", "'/'" },
	{ "x/../../y", "'/'" },
	{ "tab\there", "control" },
	{ "nl\n", "control" },
	{ "del\177", "control" },
	{ "utf8\303\251", "non-ASCII" },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxx", "too long" },
};

/* bad folder names are refused everywhere */
START_TEST(test_bad_folder)
{
	struct store_delivery *d;
	const char *err = NULL, *why = NULL;

	ck_assert_int_eq(store_folder_check(bad_folders[_i].name, &why), -1);
	ck_assert_msg(strstr(why, bad_folders[_i].why) != NULL,
	    "%s: got '%s', want '%s'", bad_folders[_i].name, why,
	    bad_folders[_i].why);
	ck_assert_int_eq(store_folder_create(t_st, "alice@example.org",
	    bad_folders[_i].name, &err), -1);
	ck_assert_ptr_null(store_mailbox_open(t_st, "alice@example.org",
	    bad_folders[_i].name, NULL, &err));
	d = store_delivery_begin(t_st, &err);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(store_delivery_add(d, "alice@example.org",
	    bad_folders[_i].name, &err), -1);
	store_delivery_free(&d);
	ck_assert_int_eq(t_entries("example.org"), -1);
}
END_TEST

static const char *const bad_users[] = {
	"", "alice", "../x@example.org", "a/b@example.org", "@example.org",
	"alice@", "alice@..", "alice@example.org/../x", "al ice@example.org",
	"alice@example.org\n",
};

/* bad addresses never become paths */
START_TEST(test_bad_user)
{
	struct store_delivery *d;
	const char *err = NULL;

	d = store_delivery_begin(t_st, &err);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(store_delivery_add(d, bad_users[_i], NULL, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "bad user address"));
	store_delivery_free(&d);
	ck_assert_ptr_null(store_mailbox_open(t_st, bad_users[_i], NULL,
	    NULL, &err));
	ck_assert_int_eq(t_entries(""), 0);	/* just .spool */
}
END_TEST

static const struct {
	const char *name;
	uint64_t user_bytes, user_msgs, dom_bytes, dom_msgs;
	uint64_t size;
	int	want;
} quota_cases[] = {
	/* usage: 2 messages of 38 bytes = 76 */
	{ "unlimited", 0, 0, 0, 0, 1000000, 1 },
	{ "user bytes fit", 200, 0, 0, 0, 124, 1 },
	{ "user bytes over", 200, 0, 0, 0, 125, 0 },
	{ "user messages fit", 0, 3, 0, 0, 1, 1 },
	{ "user messages over", 0, 2, 0, 0, 1, 0 },
	{ "domain bytes over", 0, 0, 100, 0, 30, 0 },
	{ "domain bytes fit", 0, 0, 100, 0, 24, 1 },
	{ "domain messages over", 0, 0, 0, 2, 1, 0 },
	{ "user beats domain", 1000, 0, 10, 0, 100, 1 },
	{ "user msgs, domain bytes", 0, 10, 50, 0, 1, 0 },
	{ "huge size", 200, 0, 0, 0, UINT64_MAX, 0 },
};

/* edit_domain_quota - registry_domain_update callback */
static int
edit_domain_quota(struct reg_domain *d, void *ctx, const char **error_r)
{
	const uint64_t *q = ctx;

	(void)error_r;
	d->quota_bytes = q[0];
	d->quota_messages = q[1];
	return (0);
}

/* quota from the user record, else the domain default */
START_TEST(test_quota)
{
	static const char *const u[] = { "carol@example.org" };
	const char *err = NULL;
	uint64_t q[2];
	int got;

	tutil_user(t_reg, "carol@example.org", quota_cases[_i].user_bytes,
	    quota_cases[_i].user_msgs);
	q[0] = quota_cases[_i].dom_bytes;
	q[1] = quota_cases[_i].dom_msgs;
	ck_assert_int_eq(registry_domain_update(t_reg, "example.org",
	    edit_domain_quota, q, &err), 0);
	t_deliver(u, 1, NULL, t_text, NULL);
	t_deliver(u, 1, "Other", t_text, NULL);
	got = store_quota_check(t_st, "carol@example.org",
	    quota_cases[_i].size, &err);
	ck_assert_msg(got == quota_cases[_i].want, "%s: got %d, want %d (%s)",
	    quota_cases[_i].name, got, quota_cases[_i].want,
	    got < 0 ? err : "");
	ck_assert_int_eq(store_quota_check(t_st, "nobody@example.org", 1,
	    &err), -1);
}
END_TEST

/* one lock holder per mailbox */
START_TEST(test_lock)
{
	struct store_mailbox *a, *b;
	const char *err = NULL;

	a = t_mbox("alice@example.org", NULL);
	b = t_mbox("alice@example.org", NULL);
	ck_assert_int_eq(store_mailbox_trylock(a, &err), 1);
	ck_assert_int_eq(store_mailbox_trylock(a, &err), 1);
	ck_assert_int_eq(store_mailbox_trylock(b, &err), 0);
	store_mailbox_close(&a);
	ck_assert_int_eq(store_mailbox_trylock(b, &err), 1);
	store_mailbox_close(&b);
}
END_TEST

/* store_flags_letters - Maildir info letters */
START_TEST(test_letters)
{
	char buf[8];

	store_flags_letters(STORE_FLAG_ALL, buf);
	ck_assert_str_eq(buf, "DFRST");
	store_flags_letters(STORE_FLAG_SEEN, buf);
	ck_assert_str_eq(buf, "S");
	store_flags_letters(0, buf);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* store_suite - every test case */
static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

#define T_CASE(name, fn, loop_n) do {					\
	tc = tcase_create(name);					\
	tcase_add_unchecked_fixture(tc, tutil_base_setup,		\
	    tutil_base_teardown);					\
	tcase_add_checked_fixture(tc, t_setup, t_teardown);		\
	tcase_set_timeout(tc, 120);					\
	if ((loop_n) > 0)						\
		tcase_add_loop_test(tc, fn, 0, (loop_n));		\
	else								\
		tcase_add_test(tc, fn);					\
	suite_add_tcase(s, tc);						\
} while (0)

	T_CASE("deliver", test_deliver_multi, 0);
	tc = tcase_create("crash");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_crash_points, 1, 7);
	suite_add_tcase(s, tc);
	T_CASE("concurrent", test_concurrent, 0);
	T_CASE("foreign", test_foreign, 0);
	T_CASE("eol pad", test_eol_pad, 0);
	T_CASE("rebuild", test_rebuild, 0);
	T_CASE("flags", test_flags, 0);
	T_CASE("recent", test_recent, 0);
	T_CASE("expunge", test_expunge, 0);
	T_CASE("append", test_append, 0);
	T_CASE("list light", test_list_light, 0);
	T_CASE("folders", test_folders, 0);
	T_CASE("bad folder", test_bad_folder, (int)NELEM(bad_folders));
	T_CASE("bad user", test_bad_user, (int)NELEM(bad_users));
	T_CASE("quota", test_quota, (int)NELEM(quota_cases));
	T_CASE("lock", test_lock, 0);
	T_CASE("letters", test_letters, 0);
#undef T_CASE
	return (s);
}

int
main(void)
{
	return (tutil_run(store_suite()));
}
