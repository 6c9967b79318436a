/*
 * tutil - fixtures shared by the unit tests.
 *
 * Temporary directories: an unchecked fixture (tutil_base_setup/teardown,
 * run by the test runner) makes one base directory per test case under
 * $TMPDIR (or /tmp) and removes it with everything in it afterwards, so
 * nothing is left behind even when a test fails half-way; each test makes
 * its own directory inside with tutil_dir(). A registry: options for an
 * environment in a test's directory, set-up and join, then domains and
 * users added with every check asserted. Children: tutil_wait() reaps one.
 *
 * Sessions: tutil_expect() reads a server's reply from a socket and
 * checks it against a pattern ('*' matches any bytes, tutil_glob()), or
 * checks that the server closed.
 *
 * tutil_run() runs a file's suite for its main().
 *
 * Everything here asserts with Check (ck_assert), so it runs inside a
 * test, except tutil_base_setup(), which the runner calls and which leaves
 * tutil_base empty when it fails (tutil_dir() then fails the test).
 */
#ifndef TUTIL_H
#define TUTIL_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include <check.h>

#include "registry.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* tutil_run - run suite s, free the runner: the exit status for main() */
int	tutil_run(Suite *s);

/* The test case's base directory; "" when there is none. */
extern char tutil_base[256];

/*
 * tutil_base_setup - make $TMPDIR/<program>.XXXXXX as tutil_base (an
 * unchecked fixture: runs in the runner, so it does not assert)
 */
void	tutil_base_setup(void);

/* tutil_base_teardown - remove tutil_base and everything in it */
void	tutil_base_teardown(void);

/*
 * tutil_dir - make a fresh directory tutil_base/t.XXXXXX, its name into
 * dir (size bytes); asserts
 */
void	tutil_dir(char *dir, size_t size);

/* tutil_rm_tree - remove path and everything below it, errors ignored */
void	tutil_rm_tree(const char *path);

/* tutil_entries - how many entries (but . and ..) dir holds; -1: unreadable */
int	tutil_entries(const char *dir);

/* tutil_wait - reap child pid: its exit code, 128 + signal, or -1 */
int	tutil_wait(pid_t pid);

/*
 * tutil_registry_opts - options for a registry environment in dir, as the
 * tests use them (dir must outlive opts)
 */
void	tutil_registry_opts(struct registry_opts *opts, const char *dir);

/* tutil_registry_open - set up the registry of opts and join it; asserts */
struct registry *tutil_registry_open(const struct registry_opts *opts);

/* tutil_domain - add domain name with every service allowed; asserts */
void	tutil_domain(struct registry *reg, const char *name);

/*
 * tutil_user - add an active user with quotas (0: none) and no password;
 * asserts
 */
void	tutil_user(struct registry *reg, const char *address,
	    uint64_t quota_bytes, uint64_t quota_messages);

/* tutil_glob - does s match pattern p ('*' = any bytes)? */
int	tutil_glob(const char *p, const char *s);

/*
 * tutil_read_reply - read from fd until want's CR LF lines are in (all
 * that comes when want is NULL), EOF (*eof_r = 1) or 5 s of silence; the
 * bytes read (free() them)
 */
char   *tutil_read_reply(int fd, const char *want, int *eof_r);

/*
 * tutil_expect - step step of session name (send: what was sent, for the
 * message): read the reply and assert it matches want, then return it
 * (free() it); with want NULL assert the server closed without another
 * byte, and return NULL
 */
char   *tutil_expect(int fd, const char *name, int step, const char *send,
	    const char *want);

#endif
