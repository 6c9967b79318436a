/*
 * tutil - fixtures shared by the unit tests: temporary directories, a
 * registry with domains and users, reaping children.
 *
 * Directories are made with mkdtemp() and removed with nftw(), never by a
 * shell. Failures inside a test fail it through ck_assert; the base
 * directory's set-up runs in the runner and only reports by leaving
 * tutil_base empty.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "mem.h"
#include "registry.h"
#include "sbuf.h"
#include "tutil.h"

char	tutil_base[256];

/* tutil_run - run a suite in the usual way (forked tests) */
int
tutil_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}

/* tutil_rm - nftw() callback removing one entry */
static int
tutil_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return (0);
}

/* tutil_rm_tree - remove a directory and everything in it */
void
tutil_rm_tree(const char *path)
{
	if (path[0] != '\0')
		(void)nftw(path, tutil_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* tutil_base_setup - the test case's base directory (in the runner) */
void
tutil_base_setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0')
		tmp = "/tmp";
	if (snprintf(tutil_base, sizeof(tutil_base), "%s/%s.XXXXXX", tmp,
	    program_invocation_short_name) >= (int)sizeof(tutil_base) ||
	    mkdtemp(tutil_base) == NULL)
		tutil_base[0] = '\0';
}

/* tutil_base_teardown - remove the base directory, whatever the tests did */
void
tutil_base_teardown(void)
{
	tutil_rm_tree(tutil_base);
	tutil_base[0] = '\0';
}

/* tutil_dir - a fresh directory for one test */
void
tutil_dir(char *dir, size_t size)
{
	ck_assert_msg(tutil_base[0] != '\0', "no base directory");
	ck_assert_int_lt(snprintf(dir, size, "%s/t.XXXXXX", tutil_base),
	    (int)size);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", strerror(errno));
}

/* tutil_entries - count a directory's entries */
int
tutil_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return (-1);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return (n);
}

/* tutil_wait - reap a child: its exit code, or 128 + signal */
int
tutil_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return (-1);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1);
}

/* tutil_registry_opts - small, quick options for a test environment */
void
tutil_registry_opts(struct registry_opts *opts, const char *dir)
{
	memset(opts, 0, sizeof(*opts));
	opts->dir = dir;
	opts->cache_size = 4 * 1024 * 1024;
	opts->max_processes = 64;
	opts->lock_timeout = 10;
}

/* tutil_registry_open - set up the registry and join it */
struct registry *
tutil_registry_open(const struct registry_opts *opts)
{
	struct registry *reg;
	const char *err = NULL;

	ck_assert_msg(registry_setup(opts, &err) == 0, "setup: %s", err);
	reg = registry_open(opts, &err);
	ck_assert_msg(reg != NULL, "open: %s", err);
	return (reg);
}

/* tutil_domain - add a domain with everything allowed */
void
tutil_domain(struct registry *reg, const char *name)
{
	struct reg_domain d;
	const char *err = NULL;

	memset(&d, 0, sizeof(d));
	ck_assert_int_lt(snprintf(d.name, sizeof(d.name), "%s", name),
	    (int)sizeof(d.name));
	d.services = REG_SVC_ALL;
	ck_assert_msg(registry_domain_add(reg, &d, &err) == 0,
	    "domain add %s: %s", name, err);
}

/* tutil_user - add a user with quotas */
void
tutil_user(struct registry *reg, const char *address, uint64_t quota_bytes,
    uint64_t quota_messages)
{
	struct reg_user u;
	const char *err = NULL;

	memset(&u, 0, sizeof(u));
	ck_assert_int_lt(snprintf(u.address, sizeof(u.address), "%s",
	    address), (int)sizeof(u.address));
	u.quota_bytes = quota_bytes;
	u.quota_messages = quota_messages;
	ck_assert_msg(registry_user_add(reg, &u, &err) == 0,
	    "user add %s: %s", address, err);
}

/* tutil_glob - does s match pattern p ('*' = any bytes)? */
int
tutil_glob(const char *p, const char *s)
{
	if (*p == '\0')
		return (*s == '\0');
	if (*p == '*')
		return (tutil_glob(p + 1, s) || (*s != '\0' &&
		    tutil_glob(p, s + 1)));
	return (*p == *s && tutil_glob(p + 1, s + 1));
}

/* tutil_read_reply - read until want's lines are in (or EOF, or 5 s) */
char *
tutil_read_reply(int fd, const char *want, int *eof_r)
{
	struct sbuf *got = sbuf_new(1 << 20);
	struct pollfd pfd;
	char buf[4096], *r;
	size_t lines_want = 0, lines_got;
	const char *p;
	ssize_t n;

	*eof_r = 0;
	for (p = want; p != NULL && (p = strstr(p, "\r\n")) != NULL; p += 2)
		lines_want++;
	for (;;) {
		lines_got = 0;
		for (p = sbuf_str(got); (p = strstr(p, "\r\n")) != NULL;
		    p += 2)
			lines_got++;
		if (want != NULL && lines_got >= lines_want)
			break;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 5000) <= 0)
			break;
		if ((n = read(fd, buf, sizeof(buf))) <= 0) {
			*eof_r = 1;
			break;
		}
		(void)sbuf_append(got, buf, (size_t)n);
	}
	r = xstrdup(sbuf_str(got));
	sbuf_free(&got);
	return (r);
}

/* tutil_expect - read one step's reply and check it */
char *
tutil_expect(int fd, const char *name, int step, const char *send,
    const char *want)
{
	char *got;
	int eof;

	got = tutil_read_reply(fd, want, &eof);
	if (want == NULL) {
		ck_assert_msg(eof && *got == '\0', "%s, step %d: want close, "
		    "got \"%s\"", name, step, got);
		free(got);
		return (NULL);
	}
	ck_assert_msg(tutil_glob(want, got), "%s, step %d (%s):\n got "
	    "\"%s\"\nwant \"%s\"", name, step, send != NULL ? send : "-",
	    got, want);
	return (got);
}
