/*
 * check_registry - unit tests for common/registry.c.
 *
 * Every test gets its own environment directory inside a base directory
 * that an unchecked fixture makes and removes for each test case, so
 * nothing is left behind even when a test fails half-way. The registry is
 * only ever opened inside the forked test process (or in children it forks
 * itself), never across a fork.
 *
 * Covered: set-up and joining (and refusing to join a missing
 * environment); domains, users and aliases with their cross-checks; names
 * refused with their messages; listing order across batches; text forms of
 * services and states; stored records with a newer format, malformed or
 * truncated, refused with an error naming the key; four processes adding
 * users at once; a writer killed with SIGKILL, then recovery keeping every
 * acknowledged commit; failchk after a clean exit; a lock held by a dead
 * process ending in a timeout error, then released by failchk.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <db.h>

#include "registry.h"
#include "tutil.h"

static char t_dir[320];			/* per test */
static struct registry_opts t_opts;
static struct registry *t_reg;

/* t_dir_setup - a fresh directory and options for one test */
static void
t_dir_setup(void)
{
	tutil_dir(t_dir, sizeof(t_dir));
	tutil_registry_opts(&t_opts, t_dir);
	t_reg = NULL;
}

/* t_dir_teardown - close and remove what the test left */
static void
t_dir_teardown(void)
{
	registry_close(&t_reg);
	tutil_rm_tree(t_dir);
}

/* t_contains - assert that an error text holds want */
static void
t_contains(const char *what, const char *err, const char *want)
{
	ck_assert_msg(err != NULL, "%s: no error text, want \"%s\"", what,
	    want);
	ck_assert_msg(strstr(err, want) != NULL,
	    "%s: got error \"%s\", want it to contain \"%s\"", what, err, want);
}

/* t_user_try - add a user; 0 or -1 with *err */
static int
t_user_try(struct registry *reg, const char *address, const char **err)
{
	struct reg_user u;

	memset(&u, 0, sizeof(u));
	if (snprintf(u.address, sizeof(u.address), "%s", address) >=
	    (int)sizeof(u.address)) {
		*err = "address too long for the test";
		return (-1);
	}
	snprintf(u.password, sizeof(u.password), "{PLAIN}secret");
	return (registry_user_add(reg, &u, err));
}

/* t_now - monotonic seconds */
static double
t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* Opening. */

START_TEST(test_setup_open)
{
	struct reg_domain d;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	registry_close(&t_reg);
	ck_assert_ptr_null(t_reg);
	/* set-up again runs recovery over existing data and keeps it */
	t_reg = tutil_registry_open(&t_opts);
	ck_assert_int_eq(registry_domain_get(t_reg, "example.org", &d, &err),
	    1);
	registry_close(&t_reg);
	ck_assert_msg(registry_checkpoint(&t_opts, &err) == 0,
	    "checkpoint: %s", err);
}
END_TEST

START_TEST(test_open_missing)
{
	char missing[400];
	struct registry_opts o = t_opts;
	const char *err = NULL;

	/* an empty directory is not an environment: ENOENT, nothing made */
	ck_assert_ptr_null(registry_open(&t_opts, &err));
	t_contains("open empty dir", err, "No such file or directory");
	t_contains("open empty dir", err, t_dir);
	ck_assert_int_eq(tutil_entries(t_dir), 0);
	err = NULL;
	ck_assert_int_eq(registry_checkpoint(&t_opts, &err), -1);
	t_contains("checkpoint empty dir", err, "No such file or directory");
	err = NULL;
	ck_assert_int_eq(registry_failchk(&t_opts, &err), -1);
	t_contains("failchk empty dir", err, "No such file or directory");
	ck_assert_int_eq(tutil_entries(t_dir), 0);

	snprintf(missing, sizeof(missing), "%s/nonexistent", t_dir);
	o.dir = missing;
	err = NULL;
	ck_assert_ptr_null(registry_open(&o, &err));
	t_contains("open missing dir", err, "No such file or directory");
	err = NULL;
	ck_assert_int_eq(registry_setup(&o, &err), -1);
	t_contains("setup missing dir", err, "No such file or directory");
	ck_assert_int_eq(tutil_entries(t_dir), 0);
}
END_TEST

START_TEST(test_open_bad_opts)
{
	struct registry_opts o = t_opts;
	const char *err = NULL;

	o.dir = "";
	ck_assert_int_eq(registry_setup(&o, &err), -1);
	t_contains("empty dir", err, "registry_dir is not set");
	o = t_opts;
	o.max_processes = 0;
	ck_assert_ptr_null(registry_open(&o, &err));
	t_contains("max_processes 0", err, "max_processes");
	o = t_opts;
	o.lock_timeout = -1;
	ck_assert_int_eq(registry_setup(&o, &err), -1);
	t_contains("lock_timeout -1", err, "lock_timeout");
	ck_assert_int_eq(tutil_entries(t_dir), 0);
}
END_TEST

/* Domains. */

static int
edit_domain(struct reg_domain *d, void *ctx, const char **error_r)
{
	const char *what = ctx;

	if (strcmp(what, "disable") == 0) {
		d->state = REG_STATE_INACTIVE;
		d->services = REG_SVC_POP3 | REG_SVC_IMAPS;
		snprintf(d->postmaster, sizeof(d->postmaster),
		    "PM@Example.ORG");
		d->quota_bytes = 777;
		return (0);
	}
	if (strcmp(what, "refuse") == 0) {
		d->state = REG_STATE_DELETED;
		*error_r = "refused by the test";
		return (-1);
	}
	if (strcmp(what, "rename") == 0) {
		snprintf(d->name, sizeof(d->name), "other.org");
		return (0);
	}
	if (strcmp(what, "bad state") == 0) {
		d->state = (enum reg_state)9;
		return (0);
	}
	if (strcmp(what, "bad services") == 0) {
		d->services = 1u << 20;
		return (0);
	}
	if (strcmp(what, "bad admin") == 0) {
		snprintf(d->admin, sizeof(d->admin), "no at sign");
		return (0);
	}
	return (0);
}

START_TEST(test_domain_crud)
{
	struct reg_domain d, g;
	const char *err = NULL;
	time_t before = time(NULL);

	t_reg = tutil_registry_open(&t_opts);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "Example.ORG");
	snprintf(d.admin, sizeof(d.admin), "Admin@Example.org");
	d.services = REG_SVC_SMTP | REG_SVC_IMAP;
	d.quota_bytes = 1000000;
	d.quota_messages = 5000;
	ck_assert_msg(registry_domain_add(t_reg, &d, &err) == 0, "add: %s",
	    err);

	ck_assert_int_eq(registry_domain_get(t_reg, "example.org", &g, &err),
	    1);
	ck_assert_str_eq(g.name, "example.org");
	ck_assert_str_eq(g.admin, "admin@example.org");
	ck_assert_str_eq(g.postmaster, "");
	ck_assert_int_eq(g.state, REG_STATE_ACTIVE);
	ck_assert_uint_eq(g.services, REG_SVC_SMTP | REG_SVC_IMAP);
	ck_assert_uint_eq(g.quota_bytes, 1000000);
	ck_assert_uint_eq(g.quota_messages, 5000);
	ck_assert_msg(g.created >= before && g.created <= time(NULL),
	    "created: got %ld, want about %ld", (long)g.created, (long)before);
	ck_assert_int_eq(registry_domain_get(t_reg, "EXAMPLE.org", &g, &err),
	    1);
	ck_assert_int_eq(registry_domain_get(t_reg, "example.net", &g, &err),
	    0);

	/* duplicates, in any case */
	ck_assert_int_eq(registry_domain_add(t_reg, &d, &err), -1);
	t_contains("duplicate", err, "domain example.org already exists");
	snprintf(d.name, sizeof(d.name), "example.org");
	ck_assert_int_eq(registry_domain_add(t_reg, &d, &err), -1);
	t_contains("duplicate lower", err, "already exists");

	/* update */
	ck_assert_msg(registry_domain_update(t_reg, "EXAMPLE.ORG", edit_domain,
	    "disable", &err) == 0, "update: %s", err);
	ck_assert_int_eq(registry_domain_get(t_reg, "example.org", &g, &err),
	    1);
	ck_assert_int_eq(g.state, REG_STATE_INACTIVE);
	ck_assert_uint_eq(g.services, REG_SVC_POP3 | REG_SVC_IMAPS);
	ck_assert_str_eq(g.postmaster, "pm@example.org");
	ck_assert_str_eq(g.admin, "admin@example.org");
	ck_assert_uint_eq(g.quota_bytes, 777);

	/* refused updates leave the record alone */
	ck_assert_int_eq(registry_domain_update(t_reg, "example.org",
	    edit_domain, "refuse", &err), -1);
	ck_assert_str_eq(err, "refused by the test");
	ck_assert_int_eq(registry_domain_update(t_reg, "example.org",
	    edit_domain, "rename", &err), -1);
	t_contains("rename", err, "may not rename");
	ck_assert_int_eq(registry_domain_update(t_reg, "example.org",
	    edit_domain, "bad state", &err), -1);
	t_contains("bad state", err, "bad state 9");
	ck_assert_int_eq(registry_domain_update(t_reg, "example.org",
	    edit_domain, "bad services", &err), -1);
	t_contains("bad services", err, "unknown service bits");
	ck_assert_int_eq(registry_domain_update(t_reg, "example.org",
	    edit_domain, "bad admin", &err), -1);
	t_contains("bad admin", err, "bad admin address 'no at sign'");
	ck_assert_int_eq(registry_domain_get(t_reg, "example.org", &g, &err),
	    1);
	ck_assert_int_eq(g.state, REG_STATE_INACTIVE);
	ck_assert_str_eq(g.name, "example.org");
	ck_assert_str_eq(g.admin, "admin@example.org");
	ck_assert_int_eq(registry_domain_update(t_reg, "example.net",
	    edit_domain, "disable", &err), -1);
	t_contains("update missing", err, "no such domain: example.net");

	/* delete */
	ck_assert_msg(registry_domain_del(t_reg, "Example.Org", &err) == 0,
	    "del: %s", err);
	ck_assert_int_eq(registry_domain_get(t_reg, "example.org", &g, &err),
	    0);
	ck_assert_int_eq(registry_domain_del(t_reg, "example.org", &err), -1);
	t_contains("del missing", err, "no such domain: example.org");
}
END_TEST

START_TEST(test_domain_add_refused)
{
	struct reg_domain d;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "example.org");
	d.state = (enum reg_state)3;
	ck_assert_int_eq(registry_domain_add(t_reg, &d, &err), -1);
	t_contains("state 3", err, "bad state 3");
	d.state = REG_STATE_ACTIVE;
	d.services = REG_SVC_ALL + 1;
	ck_assert_int_eq(registry_domain_add(t_reg, &d, &err), -1);
	t_contains("services", err, "unknown service bits 0x40");
	d.services = 0;
	snprintf(d.postmaster, sizeof(d.postmaster), "pm@");
	ck_assert_int_eq(registry_domain_add(t_reg, &d, &err), -1);
	t_contains("postmaster", err, "bad postmaster address 'pm@'");
	/* an admin that fills the buffer without a NUL is cut, then refused */
	d.postmaster[0] = '\0';
	memset(d.admin, 'a', sizeof(d.admin));
	ck_assert_int_eq(registry_domain_add(t_reg, &d, &err), -1);
	t_contains("admin", err, "bad admin address");
	ck_assert_int_eq(registry_domain_get(t_reg, "example.org", &d, &err),
	    0);
}
END_TEST

struct t_names {
	char	names[8][NAME_ADDRESS_MAX + 16];
	int	count;
	int	stop_at;
};

static int
list_domain_fn(const struct reg_domain *d, void *ctx)
{
	struct t_names *n = ctx;

	if (n->count < (int)NELEM(n->names))
		snprintf(n->names[n->count], sizeof(n->names[0]), "%s",
		    d->name);
	n->count++;
	return (n->count == n->stop_at ? -1 : 0);
}

START_TEST(test_domain_list)
{
	static const char *const want[] = {
		"a.example", "a.example.net", "b.example", "c.example",
	};
	struct t_names n;
	const char *err = NULL;
	size_t i;

	t_reg = tutil_registry_open(&t_opts);
	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(registry_domain_list(t_reg, list_domain_fn, &n,
	    &err), 0);
	ck_assert_int_eq(n.count, 0);
	tutil_domain(t_reg, "c.example");
	tutil_domain(t_reg, "A.example.net");
	tutil_domain(t_reg, "b.example");
	tutil_domain(t_reg, "a.example");
	ck_assert_msg(registry_domain_list(t_reg, list_domain_fn, &n,
	    &err) == 0, "list: %s", err);
	ck_assert_int_eq(n.count, (int)NELEM(want));
	for (i = 0; i < NELEM(want); i++)
		ck_assert_msg(strcmp(n.names[i], want[i]) == 0,
		    "domain %zu: got %s, want %s", i, n.names[i], want[i]);
	memset(&n, 0, sizeof(n));
	n.stop_at = 2;
	ck_assert_int_eq(registry_domain_list(t_reg, list_domain_fn, &n,
	    &err), -1);
	ck_assert_int_eq(n.count, 2);
}
END_TEST

/* Names refused, with their messages. */

static const struct {
	const char *in, *want;
} bad_domains[] = {
	{ "", "bad domain name '': " },
	{ "localhost", "bad domain name 'localhost': " },
	{ "example.org.", "bad domain name 'example.org.': " },
	{ "-x.example", "bad domain name '-x.example': " },
	{ "a..example", "bad domain name 'a..example': " },
	{ "exa mple.org", "bad domain name 'exa mple.org': " },
	{ "exa\nmple.org", "bad domain name 'exa?mple.org': " },
	{ "ex@mple.org", "bad domain name 'ex@mple.org': " },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    ".example", "bad domain name 'xxxxxxxx" },
};

START_TEST(test_bad_domain)
{
	struct reg_domain d;
	const char *in = bad_domains[_i].in, *want = bad_domains[_i].want;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", in);
	ck_assert_int_eq(registry_domain_add(t_reg, &d, &err), -1);
	t_contains("domain add", err, want);
	ck_assert_msg(strchr(err, '\n') == NULL, "raw newline in \"%s\"", err);
	ck_assert_int_eq(registry_domain_get(t_reg, in, &d, &err), -1);
	t_contains("domain get", err, want);
	ck_assert_int_eq(registry_domain_del(t_reg, in, &err), -1);
	t_contains("domain del", err, want);
	ck_assert_int_eq(registry_user_list(t_reg, in, NULL, NULL, &err), -1);
	t_contains("user list", err, want);
	ck_assert_int_eq(registry_user_count(t_reg, in, &err), -1);
	t_contains("user count", err, want);
}
END_TEST

START_TEST(test_bad_domain_long)
{
	char name[NAME_DOMAIN_MAX + 20];
	struct reg_domain d;
	const char *err = NULL;
	size_t i;

	t_reg = tutil_registry_open(&t_opts);
	/* 254 bytes of valid labels: one over the limit */
	for (i = 0; i < NAME_DOMAIN_MAX + 1; i++)
		name[i] = i % 10 == 9 ? '.' : 'a';
	name[NAME_DOMAIN_MAX + 1] = '\0';
	ck_assert_int_eq(registry_domain_get(t_reg, name, &d, &err), -1);
	t_contains("254 bytes", err, "bad domain name 'aaaaaaaaa.");
	name[NAME_DOMAIN_MAX] = '\0';
	if (name[NAME_DOMAIN_MAX - 1] == '.')
		name[NAME_DOMAIN_MAX - 1] = 'a';
	ck_assert_int_eq(registry_domain_get(t_reg, name, &d, &err), 0);
	ck_assert_int_eq(registry_domain_get(t_reg, NULL, &d, &err), -1);
	t_contains("NULL", err, "bad domain name '': ");
}
END_TEST

static const struct {
	const char *in, *safe;
} bad_addresses[] = {
	{ "", "" },
	{ "noat.example.org", "noat.example.org" },
	{ "@example.org", "@example.org" },
	{ "bob@", "bob@" },
	{ "bob@@example.org", "bob@@example.org" },
	{ ".bob@example.org", ".bob@example.org" },
	{ "bo..b@example.org", "bo..b@example.org" },
	{ "bob @example.org", "bob @example.org" },
	{ "bob\n@example.org", "bob?@example.org" },
	{ "bob\r\n@example.org", "bob??@example.org" },
	{ "\"bob\"@example.org", "\"bob\"@example.org" },
	{ "bob@localhost", "bob@localhost" },
	{ "bob@[127.0.0.1]", "bob@[127.0.0.1]" },
	{ "bob@example.org.", "bob@example.org." },
	{ "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "@example.org", "xxxxxxxxxxxxxxxxxxxx" },
};

START_TEST(test_bad_address)
{
	const char *in = bad_addresses[_i].in;
	const char *targets[2] = { "ok@example.org", NULL };
	char want[200];
	struct reg_user u;
	struct reg_alias a;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	snprintf(want, sizeof(want), "bad user address '%s",
	    bad_addresses[_i].safe);
	ck_assert_int_eq(t_user_try(t_reg, in, &err), -1);
	t_contains("user add", err, want);
	ck_assert_msg(strchr(err, '\n') == NULL && strchr(err, '\r') == NULL,
	    "raw control character in \"%s\"", err);
	ck_assert_int_eq(registry_user_get(t_reg, in, &u, &err), -1);
	t_contains("user get", err, want);
	ck_assert_int_eq(registry_user_del(t_reg, in, &err), -1);
	t_contains("user del", err, want);

	snprintf(want, sizeof(want), "bad alias address '%s",
	    bad_addresses[_i].safe);
	ck_assert_int_eq(registry_alias_add(t_reg, in, targets, 1, &err), -1);
	t_contains("alias add", err, want);
	ck_assert_int_eq(registry_alias_get(t_reg, in, &a, &err), -1);
	t_contains("alias get", err, want);
	ck_assert_int_eq(registry_alias_del(t_reg, in, NULL, &err), -1);
	t_contains("alias del", err, want);

	snprintf(want, sizeof(want), "bad target address '%s",
	    bad_addresses[_i].safe);
	targets[1] = in;
	ck_assert_int_eq(registry_alias_add(t_reg, "info@example.org",
	    targets, 2, &err), -1);
	t_contains("alias target", err, want);
	ck_assert_int_eq(registry_alias_get(t_reg, "info@example.org", &a,
	    &err), 0);
	ck_assert_int_eq(registry_user_count(t_reg, NULL, &err), 0);
}
END_TEST

/* Users. */

static int
edit_user(struct reg_user *u, void *ctx, const char **error_r)
{
	const char *what = ctx;

	if (strcmp(what, "login") == 0) {
		u->last_login = 1700000000;
		snprintf(u->password, sizeof(u->password), "{PLAIN}new");
		snprintf(u->apop, sizeof(u->apop), "{AES256-GCM}c2VjcmV0");
		u->state = REG_STATE_INACTIVE;
		return (0);
	}
	if (strcmp(what, "rename") == 0) {
		snprintf(u->address, sizeof(u->address), "carl@example.org");
		return (0);
	}
	if (strcmp(what, "long password") == 0) {
		memset(u->password, 'p', sizeof(u->password));
		return (0);
	}
	*error_r = "refused by the test";
	return (-1);
}

START_TEST(test_user_crud)
{
	struct reg_user u, g;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	memset(&u, 0, sizeof(u));
	snprintf(u.address, sizeof(u.address), "Bob@Example.ORG");
	snprintf(u.password, sizeof(u.password), "{SHA512-CRYPT}$6$x$y");
	u.quota_bytes = 123;
	u.quota_messages = 45;
	ck_assert_int_eq(registry_user_add(t_reg, &u, &err), -1);
	t_contains("no domain", err,
	    "user has no domain: bob@example.org (add domain example.org");
	tutil_domain(t_reg, "example.org");
	ck_assert_msg(registry_user_add(t_reg, &u, &err) == 0, "add: %s",
	    err);
	ck_assert_int_eq(registry_user_add(t_reg, &u, &err), -1);
	t_contains("duplicate", err, "user bob@example.org already exists");

	ck_assert_int_eq(registry_user_get(t_reg, "BOB@example.org", &g,
	    &err), 1);
	ck_assert_str_eq(g.address, "bob@example.org");
	ck_assert_str_eq(g.password, "{SHA512-CRYPT}$6$x$y");
	ck_assert_int_eq(g.state, REG_STATE_ACTIVE);
	ck_assert_uint_eq(g.quota_bytes, 123);
	ck_assert_uint_eq(g.quota_messages, 45);
	ck_assert_int_ne(g.created, 0);
	ck_assert_int_eq(g.last_login, 0);
	ck_assert_str_eq(g.apop, "");	/* optional: absent from the record */
	ck_assert_int_eq(registry_user_get(t_reg, "bobby@example.org", &g,
	    &err), 0);
	ck_assert_int_eq(registry_user_get(t_reg, "bob@example.net", &g,
	    &err), 0);

	ck_assert_msg(registry_user_update(t_reg, "bob@example.org", edit_user,
	    "login", &err) == 0, "update: %s", err);
	ck_assert_int_eq(registry_user_get(t_reg, "bob@example.org", &g,
	    &err), 1);
	ck_assert_int_eq(g.last_login, 1700000000);
	ck_assert_str_eq(g.password, "{PLAIN}new");
	ck_assert_str_eq(g.apop, "{AES256-GCM}c2VjcmV0");
	ck_assert_int_eq(g.state, REG_STATE_INACTIVE);
	ck_assert_uint_eq(g.quota_bytes, 123);
	ck_assert_int_eq(registry_user_update(t_reg, "bob@example.org",
	    edit_user, "rename", &err), -1);
	t_contains("rename", err, "may not rename");
	ck_assert_int_eq(registry_user_update(t_reg, "bob@example.org",
	    edit_user, "long password", &err), -1);
	t_contains("long password", err, "password hash too long");
	ck_assert_int_eq(registry_user_update(t_reg, "bob@example.org",
	    edit_user, "refuse", &err), -1);
	ck_assert_str_eq(err, "refused by the test");
	ck_assert_int_eq(registry_user_update(t_reg, "amy@example.org",
	    edit_user, "login", &err), -1);
	t_contains("update missing", err, "no such user: amy@example.org");
	ck_assert_int_eq(registry_user_get(t_reg, "bob@example.org", &g,
	    &err), 1);
	ck_assert_str_eq(g.password, "{PLAIN}new");

	ck_assert_msg(registry_user_del(t_reg, "bob@EXAMPLE.org", &err) == 0,
	    "del: %s", err);
	ck_assert_int_eq(registry_user_get(t_reg, "bob@example.org", &g,
	    &err), 0);
	ck_assert_int_eq(registry_user_del(t_reg, "bob@example.org", &err),
	    -1);
	t_contains("del missing", err, "no such user: bob@example.org");

	/* a password that fills the buffer without a NUL */
	memset(u.password, 'p', sizeof(u.password));
	ck_assert_int_eq(registry_user_add(t_reg, &u, &err), -1);
	t_contains("long password", err, "password hash too long");
	ck_assert_int_eq(registry_user_count(t_reg, NULL, &err), 0);
}
END_TEST

struct t_users {
	int	count;
	int	stop_at;
	int	in_order;
	char	last[NAME_ADDRESS_MAX + 1];
	char	first[NAME_ADDRESS_MAX + 1];
	const char *suffix;		/* every address must end so */
	int	bad_suffix;
};

static int
list_user_fn(const struct reg_user *u, void *ctx)
{
	struct t_users *l = ctx;
	size_t n = strlen(u->address), s;

	if (l->count == 0)
		snprintf(l->first, sizeof(l->first), "%s", u->address);
	else if (strcmp(l->last, u->address) >= 0)
		l->in_order = 0;
	snprintf(l->last, sizeof(l->last), "%s", u->address);
	if (l->suffix != NULL && ((s = strlen(l->suffix)) > n ||
	    strcmp(u->address + n - s, l->suffix) != 0))
		l->bad_suffix++;
	l->count++;
	return (l->count == l->stop_at ? -1 : 0);
}

START_TEST(test_user_list_order)
{
	struct t_users l;
	char addr[64];
	const char *err = NULL;
	int i;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "a.example");
	tutil_domain(t_reg, "b.example");
	tutil_domain(t_reg, "b.example.net");
	tutil_user(t_reg, "zed@a.example", 0, 0);
	tutil_user(t_reg, "amy@b.example.net", 0, 0);
	/* 300 users in scrambled order, more than one listing batch */
	for (i = 0; i < 300; i++) {
		snprintf(addr, sizeof(addr), "u%03d@b.example", i * 7 % 300);
		tutil_user(t_reg, addr, 0, 0);
	}
	memset(&l, 0, sizeof(l));
	l.in_order = 1;
	l.suffix = "@b.example";
	ck_assert_msg(registry_user_list(t_reg, "B.Example", list_user_fn, &l,
	    &err) == 0, "list: %s", err);
	ck_assert_int_eq(l.count, 300);
	ck_assert_msg(l.in_order, "b.example users out of order");
	ck_assert_int_eq(l.bad_suffix, 0);
	ck_assert_str_eq(l.first, "u000@b.example");
	ck_assert_str_eq(l.last, "u299@b.example");

	memset(&l, 0, sizeof(l));
	l.in_order = 1;
	ck_assert_int_eq(registry_user_list(t_reg, NULL, list_user_fn, &l,
	    &err), 0);
	ck_assert_int_eq(l.count, 302);
	ck_assert_str_eq(l.first, "zed@a.example");
	ck_assert_str_eq(l.last, "amy@b.example.net");

	ck_assert_int_eq(registry_user_count(t_reg, "b.example", &err), 300);
	ck_assert_int_eq(registry_user_count(t_reg, "b.example.net", &err), 1);
	ck_assert_int_eq(registry_user_count(t_reg, "c.example", &err), 0);
	ck_assert_int_eq(registry_user_count(t_reg, NULL, &err), 302);

	memset(&l, 0, sizeof(l));
	l.stop_at = 200;
	ck_assert_int_eq(registry_user_list(t_reg, "b.example", list_user_fn,
	    &l, &err), -1);
	ck_assert_int_eq(l.count, 200);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(registry_user_list(t_reg, "c.example", list_user_fn,
	    &l, &err), 0);
	ck_assert_int_eq(l.count, 0);
}
END_TEST

/* Aliases. */

static void
t_alias_is(const char *address, int count, const char *const *want)
{
	struct reg_alias a;
	const char *err = NULL;
	int i, got;

	got = registry_alias_get(t_reg, address, &a, &err);
	ck_assert_msg(got == (count > 0), "alias get %s: got %d, want %d (%s)",
	    address, got, count > 0, got < 0 ? err : "");
	if (count == 0)
		return;
	ck_assert_int_eq(a.target_count, count);
	for (i = 0; i < count; i++)
		ck_assert_msg(strcmp(a.targets[i], want[i]) == 0,
		    "%s target %d: got %s, want %s", address, i,
		    a.targets[i], want[i]);
}

static int
list_alias_fn(const struct reg_alias *a, void *ctx)
{
	struct t_names *n = ctx;

	if (n->count < (int)NELEM(n->names))
		snprintf(n->names[n->count], sizeof(n->names[0]), "%s:%d",
		    a->address, a->target_count);
	n->count++;
	return (0);
}

START_TEST(test_alias)
{
	const char *first[] = { "Bob@Example.org", "ext@other.net" };
	const char *more[] = { "ext@OTHER.net", "carl@example.org",
	    "bob@example.org" };
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	ck_assert_int_eq(registry_alias_add(t_reg, "info@example.org", first,
	    2, &err), -1);
	t_contains("no domain", err, "alias has no domain: info@example.org");
	tutil_domain(t_reg, "example.org");
	tutil_user(t_reg, "bob@example.org", 0, 0);
	ck_assert_msg(registry_alias_add(t_reg, "Info@example.org", first, 2,
	    &err) == 0, "add: %s", err);
	t_alias_is("info@example.org", 2, (const char *[]){
	    "bob@example.org", "ext@other.net" });
	/* merge: duplicates ignored, order kept */
	ck_assert_msg(registry_alias_add(t_reg, "info@example.org", more, 3,
	    &err) == 0, "merge: %s", err);
	t_alias_is("info@example.org", 3, (const char *[]){
	    "bob@example.org", "ext@other.net", "carl@example.org" });
	/* one target at a time */
	ck_assert_msg(registry_alias_del(t_reg, "info@example.org",
	    "EXT@other.net", &err) == 0, "del one: %s", err);
	t_alias_is("info@example.org", 2, (const char *[]){
	    "bob@example.org", "carl@example.org" });
	ck_assert_int_eq(registry_alias_del(t_reg, "info@example.org",
	    "ext@other.net", &err), -1);
	t_contains("del missing target", err,
	    "alias info@example.org has no target ext@other.net");
	ck_assert_int_eq(registry_alias_del(t_reg, "info@example.org",
	    "bob@example.org", &err), 0);
	ck_assert_int_eq(registry_alias_del(t_reg, "info@example.org",
	    "carl@example.org", &err), 0);
	t_alias_is("info@example.org", 0, NULL);
	/* all at once */
	ck_assert_int_eq(registry_alias_add(t_reg, "info@example.org", more, 3,
	    &err), 0);
	ck_assert_msg(registry_alias_del(t_reg, "info@example.org", NULL,
	    &err) == 0, "del all: %s", err);
	t_alias_is("info@example.org", 0, NULL);
	ck_assert_int_eq(registry_alias_del(t_reg, "info@example.org", NULL,
	    &err), -1);
	t_contains("del gone", err, "no such alias: info@example.org");

	/* users and aliases do not share addresses */
	ck_assert_int_eq(registry_alias_add(t_reg, "BOB@example.org", first, 1,
	    &err), -1);
	t_contains("alias on user", err, "bob@example.org is a user");
	ck_assert_int_eq(registry_alias_add(t_reg, "sales@example.org", first,
	    1, &err), 0);
	ck_assert_int_eq(t_user_try(t_reg, "Sales@example.org", &err), -1);
	t_contains("user on alias", err, "sales@example.org is an alias");
	ck_assert_int_eq(registry_user_count(t_reg, NULL, &err), 1);
}
END_TEST

START_TEST(test_alias_limits)
{
	const char *targets[REG_ALIAS_TARGETS_MAX + 1];
	char buf[REG_ALIAS_TARGETS_MAX + 1][32];
	struct t_names n;
	const char *err = NULL;
	int i;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	tutil_domain(t_reg, "example.net");
	for (i = 0; i <= REG_ALIAS_TARGETS_MAX; i++) {
		snprintf(buf[i], sizeof(buf[i]), "t%02d@elsewhere.test", i);
		targets[i] = buf[i];
	}
	ck_assert_int_eq(registry_alias_add(t_reg, "big@example.org", targets,
	    0, &err), -1);
	t_contains("0 targets", err, "1 to 64 targets");
	ck_assert_int_eq(registry_alias_add(t_reg, "big@example.org", targets,
	    REG_ALIAS_TARGETS_MAX + 1, &err), -1);
	t_contains("65 targets", err, "1 to 64 targets");
	ck_assert_msg(registry_alias_add(t_reg, "big@example.org", targets,
	    REG_ALIAS_TARGETS_MAX, &err) == 0, "64 targets: %s", err);
	/* again: all duplicates, nothing changes */
	ck_assert_int_eq(registry_alias_add(t_reg, "big@example.org", targets,
	    REG_ALIAS_TARGETS_MAX, &err), 0);
	ck_assert_int_eq(registry_alias_add(t_reg, "big@example.org",
	    targets + REG_ALIAS_TARGETS_MAX, 1, &err), -1);
	t_contains("65th", err, "would have more than 64 targets");
	t_alias_is("big@example.org", REG_ALIAS_TARGETS_MAX, targets);

	ck_assert_int_eq(registry_alias_add(t_reg, "a@example.net", targets, 1,
	    &err), 0);
	ck_assert_int_eq(registry_alias_add(t_reg, "a@example.org", targets, 2,
	    &err), 0);
	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(registry_alias_list(t_reg, "example.org",
	    list_alias_fn, &n, &err), 0);
	ck_assert_int_eq(n.count, 2);
	ck_assert_str_eq(n.names[0], "a@example.org:2");
	ck_assert_str_eq(n.names[1], "big@example.org:64");
	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(registry_alias_list(t_reg, NULL, list_alias_fn, &n,
	    &err), 0);
	ck_assert_int_eq(n.count, 3);
	ck_assert_str_eq(n.names[0], "a@example.net:1");
}
END_TEST

START_TEST(test_domain_del_refused)
{
	const char *targets[] = { "bob@example.org" };
	struct reg_domain d;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	tutil_domain(t_reg, "example.org.uk");
	tutil_user(t_reg, "bob@example.org", 0, 0);
	tutil_user(t_reg, "bob@example.org.uk", 0, 0);
	ck_assert_int_eq(registry_domain_del(t_reg, "example.org", &err), -1);
	ck_assert_str_eq(err,
	    "domain example.org still has 1 user and 0 aliases");
	tutil_user(t_reg, "amy@example.org", 0, 0);
	ck_assert_int_eq(registry_alias_add(t_reg, "info@example.org", targets,
	    1, &err), 0);
	ck_assert_int_eq(registry_domain_del(t_reg, "example.org", &err), -1);
	ck_assert_str_eq(err,
	    "domain example.org still has 2 users and 1 alias");
	ck_assert_int_eq(registry_user_del(t_reg, "bob@example.org", &err), 0);
	ck_assert_int_eq(registry_user_del(t_reg, "amy@example.org", &err), 0);
	ck_assert_int_eq(registry_domain_del(t_reg, "example.org", &err), -1);
	ck_assert_str_eq(err,
	    "domain example.org still has 0 users and 1 alias");
	ck_assert_int_eq(registry_alias_del(t_reg, "info@example.org", NULL,
	    &err), 0);
	ck_assert_msg(registry_domain_del(t_reg, "example.org", &err) == 0,
	    "del: %s", err);
	ck_assert_int_eq(registry_domain_get(t_reg, "example.org", &d, &err),
	    0);
	/* the neighbour whose name extends it was never counted */
	ck_assert_int_eq(registry_domain_get(t_reg, "example.org.uk", &d,
	    &err), 1);
	ck_assert_int_eq(registry_user_count(t_reg, NULL, &err), 1);
}
END_TEST

/* Text forms. */

static const struct {
	const char *in;
	int	ret;
	unsigned want;
	const char *err;
} services_cases[] = {
	{ "smtp", 0, REG_SVC_SMTP, NULL },
	{ "SMTP,Imap", 0, REG_SVC_SMTP | REG_SVC_IMAP, NULL },
	{ "pop3s,pop3", 0, REG_SVC_POP3 | REG_SVC_POP3S, NULL },
	{ "submission,imaps", 0, REG_SVC_SUBMISSION | REG_SVC_IMAPS, NULL },
	{ "smtp, imaps", 0, REG_SVC_SMTP | REG_SVC_IMAPS, NULL },
	{ " smtp\t", 0, REG_SVC_SMTP, NULL },
	{ "smtp,smtp", 0, REG_SVC_SMTP, NULL },
	{ "all", 0, REG_SVC_ALL, NULL },
	{ "ALL", 0, REG_SVC_ALL, NULL },
	{ "none", 0, 0, NULL },
	{ "None", 0, 0, NULL },
	{ "smtp,submission,pop3,pop3s,imap,imaps", 0, REG_SVC_ALL, NULL },
	{ "", -1, 0, "empty item" },
	{ " ", -1, 0, "empty item" },
	{ ",", -1, 0, "empty item" },
	{ "smtp,", -1, 0, "empty item" },
	{ ",smtp", -1, 0, "empty item" },
	{ "smtp,,imap", -1, 0, "empty item" },
	{ "smtp,foo", -1, 0, "unknown service 'foo'" },
	{ "pop", -1, 0, "unknown service 'pop'" },
	{ "smtpx", -1, 0, "unknown service 'smtpx'" },
	{ "smtps", -1, 0, "unknown service 'smtps'" },
	{ "sm tp", -1, 0, "unknown service 'sm tp'" },
	{ "imap\n", -1, 0, "unknown service 'imap?'" },
	{ "smtp;imap", -1, 0, "unknown service 'smtp;imap'" },
	{ "all,smtp", -1, 0, "must stand alone" },
	{ "none,smtp", -1, 0, "must stand alone" },
	{ "all,none", -1, 0, "must stand alone" },
	{ "all,all", -1, 0, "must stand alone" },
};

START_TEST(test_services_parse)
{
	unsigned got = 12345;
	const char *err = NULL;
	int ret;

	ret = registry_services_parse(services_cases[_i].in, &got, &err);
	ck_assert_msg(ret == services_cases[_i].ret, "\"%s\": got %d, want %d",
	    services_cases[_i].in, ret, services_cases[_i].ret);
	if (ret == 0)
		ck_assert_msg(got == services_cases[_i].want,
		    "\"%s\": got 0x%x, want 0x%x", services_cases[_i].in, got,
		    services_cases[_i].want);
	else {
		ck_assert_msg(got == 12345, "\"%s\": result changed",
		    services_cases[_i].in);
		t_contains(services_cases[_i].in, err, services_cases[_i].err);
	}
}
END_TEST

static const struct {
	unsigned in;
	const char *want;
} format_cases[] = {
	{ 0, "none" },
	{ REG_SVC_SMTP, "smtp" },
	{ REG_SVC_IMAPS, "imaps" },
	{ REG_SVC_IMAP | REG_SVC_SMTP, "smtp,imap" },
	{ REG_SVC_POP3S | REG_SVC_SUBMISSION, "submission,pop3s" },
	{ REG_SVC_ALL, "smtp,submission,pop3,pop3s,imap,imaps" },
	{ 1u << 6, "none" },
	{ ~0u, "smtp,submission,pop3,pop3s,imap,imaps" },
};

START_TEST(test_services_format)
{
	const char *got = registry_services_format(format_cases[_i].in);

	ck_assert_msg(strcmp(got, format_cases[_i].want) == 0,
	    "0x%x: got \"%s\", want \"%s\"", format_cases[_i].in, got,
	    format_cases[_i].want);
}
END_TEST

START_TEST(test_services_round_trip)
{
	unsigned mask, got;
	const char *err = NULL;

	for (mask = 0; mask <= REG_SVC_ALL; mask++) {
		got = ~0u;
		ck_assert_msg(registry_services_parse(
		    registry_services_format(mask), &got, &err) == 0,
		    "0x%x: %s", mask, err);
		ck_assert_msg(got == mask, "0x%x: got 0x%x", mask, got);
	}
}
END_TEST

static const struct {
	const char *in;
	int	ret;
	enum reg_state want;
} state_cases[] = {
	{ "active", 0, REG_STATE_ACTIVE },
	{ "inactive", 0, REG_STATE_INACTIVE },
	{ "deleted", 0, REG_STATE_DELETED },
	{ "ACTIVE", 0, REG_STATE_ACTIVE },
	{ "Deleted", 0, REG_STATE_DELETED },
	{ "", -1, 0 },
	{ "act", -1, 0 },
	{ "active ", -1, 0 },
	{ " active", -1, 0 },
	{ "activeX", -1, 0 },
	{ "0", -1, 0 },
	{ "unknown", -1, 0 },
};

START_TEST(test_state_parse)
{
	enum reg_state got = (enum reg_state)99;
	int ret = registry_state_parse(state_cases[_i].in, &got);

	ck_assert_msg(ret == state_cases[_i].ret, "\"%s\": got %d, want %d",
	    state_cases[_i].in, ret, state_cases[_i].ret);
	if (ret == 0)
		ck_assert_msg(got == state_cases[_i].want,
		    "\"%s\": got %d, want %d", state_cases[_i].in, (int)got,
		    (int)state_cases[_i].want);
	else
		ck_assert_int_eq(got, 99);
}
END_TEST

START_TEST(test_state_name)
{
	enum reg_state s, got;

	ck_assert_str_eq(registry_state_name(REG_STATE_ACTIVE), "active");
	ck_assert_str_eq(registry_state_name(REG_STATE_INACTIVE), "inactive");
	ck_assert_str_eq(registry_state_name(REG_STATE_DELETED), "deleted");
	ck_assert_str_eq(registry_state_name((enum reg_state)3), "unknown");
	ck_assert_str_eq(registry_state_name((enum reg_state)-1), "unknown");
	ck_assert_int_eq(registry_state_parse(NULL, &got), -1);
	for (s = REG_STATE_ACTIVE; s <= REG_STATE_DELETED; s++) {
		ck_assert_int_eq(registry_state_parse(registry_state_name(s),
		    &got), 0);
		ck_assert_int_eq(got, s);
	}
}
END_TEST

/* Stored records, written behind the registry's back. */

/* t_raw_put - store key/value in one of the registry's database files */
static void
t_raw_put(const char *file, const void *key, size_t klen, const void *data,
    size_t dlen)
{
	DB_ENV *env;
	DB *db;
	DBT k, d;
	int ret;

	ck_assert_int_eq(db_env_create(&env, 0), 0);
	ret = env->open(env, t_dir, DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG |
	    DB_INIT_MPOOL, 0);
	ck_assert_msg(ret == 0, "env open: %s", db_strerror(ret));
	ck_assert_int_eq(db_create(&db, env, 0), 0);
	ret = db->open(db, NULL, file, NULL, DB_BTREE, DB_AUTO_COMMIT, 0);
	ck_assert_msg(ret == 0, "db open %s: %s", file, db_strerror(ret));
	memset(&k, 0, sizeof(k));
	memset(&d, 0, sizeof(d));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	d.data = (void *)data;
	d.size = (u_int32_t)dlen;
	ret = db->put(db, NULL, &k, &d, DB_AUTO_COMMIT);
	ck_assert_msg(ret == 0, "put: %s", db_strerror(ret));
	ck_assert_int_eq(db->close(db, 0), 0);
	ck_assert_int_eq(env->close(env, 0), 0);
}

#define R(s)	s, sizeof(s) - 1

static const struct {
	const char *name;
	const char *rec;
	size_t	len;
	int	want;			/* from registry_user_get() */
	const char *err;
} record_cases[] = {
	{ "current", R("v\0" "1\0" "state\0" "1\0" "\0"), 1, NULL },
	{ "newer minor", R("v\0" "1.7\0" "colour\0" "blue\0" "\0"), 1, NULL },
	{ "minimal", R("v\0" "1\0" "\0"), 1, NULL },
	{ "future", R("v\0" "2\0" "\0"), -1, "record format 2 is newer" },
	{ "future minor", R("v\0" "2.1\0" "state\0" "0\0" "\0"), -1,
	    "record format 2.1 is newer" },
	{ "far future", R("v\0" "4000000000\0" "\0"), -1, "is newer" },
	{ "huge version", R("v\0" "99999999999999999999\0" "\0"), -1,
	    "malformed record: bad format version" },
	{ "no version", R("state\0" "0\0" "\0"), -1,
	    "malformed record: no format version" },
	{ "version 0", R("v\0" "0\0" "\0"), -1, "bad format version" },
	{ "version text", R("v\0" "one\0" "\0"), -1, "bad format version" },
	{ "version dot", R("v\0" "1.\0" "\0"), -1, "bad format version" },
	{ "version dot dot", R("v\0" "1.2.3\0" "\0"), -1,
	    "bad format version" },
	{ "version sign", R("v\0" "+1\0" "\0"), -1, "bad format version" },
	{ "version empty", R("v\0" "\0" "\0"), -1, "bad format version" },
	{ "empty message", R("\0"), -1, "no format version" },
	{ "empty value", R(""), -1, "malformed record: truncated" },
	{ "truncated", R("v\0" "1\0"), -1, "malformed record: truncated" },
	{ "truncated name", R("v\0" "1\0" "sta"), -1, "truncated" },
	{ "trailing", R("v\0" "1\0" "\0" "x"), -1,
	    "malformed record: bytes after the end" },
	{ "bad name", R("V\0" "1\0" "\0"), -1, "malformed record" },
	{ "binary", R("\xff\xfe\xfd"), -1, "malformed record" },
	{ "bad state", R("v\0" "1\0" "state\0" "7\0" "\0"), -1,
	    "malformed record: bad state" },
	{ "negative quota", R("v\0" "1\0" "quota_bytes\0" "-1\0" "\0"), -1,
	    "malformed record: bad quota_bytes" },
	{ "quota overflow", R("v\0" "1\0" "quota_messages\0"
	    "18446744073709551616\0" "\0"), -1, "bad quota_messages" },
	{ "bad time", R("v\0" "1\0" "created\0" "yesterday\0" "\0"), -1,
	    "bad created" },
};

START_TEST(test_record)
{
	static const char key[] = "example.org\0bob";
	struct reg_user u;
	struct t_users l;
	const char *err = NULL;
	int got;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	tutil_user(t_reg, "amy@example.org", 0, 0);
	registry_close(&t_reg);
	t_raw_put("users.db", key, sizeof(key) - 1, record_cases[_i].rec,
	    record_cases[_i].len);
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open: %s", err);

	err = NULL;
	got = registry_user_get(t_reg, "bob@example.org", &u, &err);
	ck_assert_msg(got == record_cases[_i].want, "%s: got %d, want %d (%s)",
	    record_cases[_i].name, got, record_cases[_i].want,
	    err ? err : "");
	memset(&l, 0, sizeof(l));
	if (got == 1) {
		ck_assert_str_eq(u.address, "bob@example.org");
		ck_assert_int_eq(registry_user_list(t_reg, "example.org",
		    list_user_fn, &l, &err), 0);
		ck_assert_int_eq(l.count, 2);
		return;
	}
	t_contains(record_cases[_i].name, err, "user bob@example.org: ");
	t_contains(record_cases[_i].name, err, record_cases[_i].err);
	/* listing stops at the bad record with the same error */
	err = NULL;
	ck_assert_int_eq(registry_user_list(t_reg, "example.org",
	    list_user_fn, &l, &err), -1);
	t_contains(record_cases[_i].name, err, record_cases[_i].err);
	ck_assert_int_eq(l.count, 1);
	/* an update refuses it too, and the good record is still fine */
	ck_assert_int_eq(registry_user_update(t_reg, "bob@example.org",
	    edit_user, "login", &err), -1);
	t_contains(record_cases[_i].name, err, "user bob@example.org: ");
	ck_assert_int_eq(registry_user_get(t_reg, "amy@example.org", &u,
	    &err), 1);
}
END_TEST

START_TEST(test_record_long_field)
{
	static const char key[] = "example.org\0bob";
	static const char head[] = "v\0" "1\0" "password\0";
	char rec[700];
	size_t n = 0;
	struct reg_user u;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	registry_close(&t_reg);
	/* a 600-byte password does not fit the 512-byte field */
	memcpy(rec, head, sizeof(head) - 1);
	n = sizeof(head) - 1;
	memset(rec + n, 'p', 600);
	n += 600;
	rec[n++] = '\0';
	rec[n++] = '\0';
	t_raw_put("users.db", key, sizeof(key) - 1, rec, n);
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open: %s", err);
	ck_assert_int_eq(registry_user_get(t_reg, "bob@example.org", &u,
	    &err), -1);
	t_contains("long password", err,
	    "user bob@example.org: malformed record: bad password");
}
END_TEST

START_TEST(test_record_bad_keys)
{
	static const char rec[] = "v\0" "1\0" "\0";
	struct t_names n;
	struct t_users l;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	registry_close(&t_reg);
	t_raw_put("users.db", R("no-separator"), R(rec));
	t_raw_put("domains.db", R("bad\0domain"), R(rec));
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open: %s", err);
	memset(&l, 0, sizeof(l));
	ck_assert_int_eq(registry_user_list(t_reg, NULL, list_user_fn, &l,
	    &err), -1);
	t_contains("user key", err, "user key 'no-separator' is malformed");
	memset(&n, 0, sizeof(n));
	ck_assert_int_eq(registry_domain_list(t_reg, list_domain_fn, &n,
	    &err), -1);
	t_contains("domain key", err, "domain key 'bad?domain' is malformed");
}
END_TEST

START_TEST(test_record_alias)
{
	static const char key[] = "example.org\0info";
	static const char rec[] = "v\0" "1\0" "target\0" "a@b.example\0"
	    "target\0" "\0" "\0";
	struct reg_alias a;
	const char *err = NULL;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	registry_close(&t_reg);
	t_raw_put("aliases.db", key, sizeof(key) - 1, R(rec));
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open: %s", err);
	ck_assert_int_eq(registry_alias_get(t_reg, "info@example.org", &a,
	    &err), -1);
	t_contains("empty target", err,
	    "alias info@example.org: malformed record: bad target");
}
END_TEST

/* Several processes. */

#define CONC_CHILDREN	4
#define CONC_USERS	300

/* conc_child - in a child: join and add this child's users */
static void
conc_child(int id)
{
	struct registry *reg;
	char addr[64];
	const char *err = NULL;
	int i;

	if ((reg = registry_open(&t_opts, &err)) == NULL) {
		fprintf(stderr, "child %d: open: %s\n", id, err);
		_exit(1);
	}
	for (i = 0; i < CONC_USERS; i++) {
		snprintf(addr, sizeof(addr), "c%d-u%03d@example.org", id, i);
		if (t_user_try(reg, addr, &err) < 0) {
			fprintf(stderr, "child %d: add %s: %s\n", id, addr,
			    err);
			_exit(2);
		}
	}
	registry_close(&reg);
	_exit(0);
}

START_TEST(test_concurrent_adds)
{
	pid_t pids[CONC_CHILDREN];
	struct t_users l;
	char dom[32];
	const char *err = NULL;
	int i, rc;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	registry_close(&t_reg);
	for (i = 0; i < CONC_CHILDREN; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0)
			conc_child(i);
	}
	for (i = 0; i < CONC_CHILDREN; i++) {
		rc = tutil_wait(pids[i]);
		ck_assert_msg(rc == 0, "child %d: got status %d, want 0", i,
		    rc);
	}
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open: %s", err);
	ck_assert_int_eq(registry_user_count(t_reg, "example.org", &err),
	    CONC_CHILDREN * CONC_USERS);
	memset(&l, 0, sizeof(l));
	l.in_order = 1;
	ck_assert_int_eq(registry_user_list(t_reg, "example.org",
	    list_user_fn, &l, &err), 0);
	ck_assert_int_eq(l.count, CONC_CHILDREN * CONC_USERS);
	ck_assert_msg(l.in_order, "users out of order");
	ck_assert_str_eq(l.first, "c0-u000@example.org");
	ck_assert_str_eq(l.last, "c3-u299@example.org");
	snprintf(dom, sizeof(dom), "example.org");
	ck_assert_int_eq(registry_domain_del(t_reg, dom, &err), -1);
	t_contains("domain del", err, "still has 1200 users and 0 aliases");
}
END_TEST

/* crash_child - in a child: add users forever, reporting each commit */
static void
crash_child(int fd)
{
	struct registry *reg;
	char addr[64], line[80];
	const char *err = NULL;
	int i, n;

	if ((reg = registry_open(&t_opts, &err)) == NULL) {
		fprintf(stderr, "crash child: open: %s\n", err);
		_exit(1);
	}
	for (i = 0;; i++) {
		snprintf(addr, sizeof(addr), "k%06d@example.org", i);
		if (t_user_try(reg, addr, &err) < 0) {
			fprintf(stderr, "crash child: add %s: %s\n", addr, err);
			_exit(2);
		}
		/* one write per line: a pipe keeps it whole */
		n = snprintf(line, sizeof(line), "%s\n", addr);
		if (write(fd, line, (size_t)n) != n)
			_exit(3);
	}
}

START_TEST(test_crash_recovery)
{
	struct reg_user u;
	char *buf = NULL, *p, *nl;
	size_t len = 0, size = 0;
	struct pollfd pfd;
	double deadline;
	int fds[2], rc, killed = 0, reported = 0;
	const char *err = NULL;
	ssize_t n;
	long count;
	pid_t pid;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	registry_close(&t_reg);
	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		crash_child(fds[1]);
	}
	close(fds[1]);
	/* read what it reports for ~0.3 s, kill it, read the rest */
	deadline = t_now() + 0.3;
	for (;;) {
		if (!killed && t_now() >= deadline) {
			kill(pid, SIGKILL);
			killed = 1;
		}
		pfd.fd = fds[0];
		pfd.events = POLLIN;
		if (!killed && poll(&pfd, 1, 20) <= 0)
			continue;
		if (size - len < 4096) {
			size = size ? size * 2 : 65536;
			buf = realloc(buf, size);
			ck_assert_ptr_nonnull(buf);
		}
		n = read(fds[0], buf + len, size - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_int_ge(n, 0);
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fds[0]);
	rc = tutil_wait(pid);
	ck_assert_msg(rc == 128 + SIGKILL, "child: got status %d, want %d", rc,
	    128 + SIGKILL);
	ck_assert_ptr_nonnull(buf);
	buf[len] = '\0';

	/* recovery, then every reported user must be there */
	ck_assert_msg(registry_setup(&t_opts, &err) == 0, "recovery: %s", err);
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open after recovery: %s", err);
	for (p = buf; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
		*nl = '\0';
		rc = registry_user_get(t_reg, p, &u, &err);
		ck_assert_msg(rc == 1, "reported user %s: got %d, want 1 (%s)",
		    p, rc, rc < 0 ? err : "lost");
		reported++;
	}
	ck_assert_msg(reported > 0, "the child reported no commit");
	/* at most one commit was not reported yet when the kill came */
	count = registry_user_count(t_reg, NULL, &err);
	ck_assert_msg(count == reported || count == reported + 1,
	    "users: got %ld, want %d or %d", count, reported, reported + 1);
	free(buf);
	/* and the registry takes writes again */
	tutil_user(t_reg, "after@example.org", 0, 0);
}
END_TEST

/* t_failchk - run registry_failchk() in a child under alarm(5) */
static int
t_failchk(void)
{
	const char *err = NULL;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		alarm(5);
		if (registry_failchk(&t_opts, &err) < 0) {
			fprintf(stderr, "failchk: %s\n", err);
			_exit(1);
		}
		_exit(0);
	}
	return (tutil_wait(pid));
}

START_TEST(test_failchk_clean)
{
	const char *err = NULL;
	pid_t pid;
	int rc;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	registry_close(&t_reg);
	ck_assert_int_eq(t_failchk(), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct registry *reg = registry_open(&t_opts, &err);

		if (reg == NULL || t_user_try(reg, "bob@example.org", &err) < 0)
			_exit(1);
		registry_close(&reg);
		_exit(0);
	}
	ck_assert_int_eq(tutil_wait(pid), 0);
	rc = t_failchk();
	ck_assert_msg(rc == 0, "failchk after a clean exit: got %d, want 0%s",
	    rc, rc == 128 + SIGALRM ? " (it hung)" : "");
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open: %s", err);
	ck_assert_int_eq(registry_user_count(t_reg, NULL, &err), 1);
}
END_TEST

static int t_hold_fd = -1;

/* edit_hold - hold the user's lock: report, then wait to be killed */
static int
edit_hold(struct reg_user *u, void *ctx, const char **error_r)
{
	(void)u;
	(void)ctx;
	(void)error_r;
	if (write(t_hold_fd, "h", 1) != 1)
		_exit(3);
	for (;;)
		pause();
}

START_TEST(test_lock_timeout)
{
	struct registry_opts o;
	struct registry *reg;
	const char *err = NULL;
	double start, waited;
	pid_t holder, waiter;
	int fds[2], rc = -1;
	char c;

	t_reg = tutil_registry_open(&t_opts);
	tutil_domain(t_reg, "example.org");
	tutil_user(t_reg, "held@example.org", 0, 0);
	registry_close(&t_reg);
	ck_assert_int_eq(pipe(fds), 0);
	holder = fork();
	ck_assert_int_ge(holder, 0);
	if (holder == 0) {
		close(fds[0]);
		t_hold_fd = fds[1];
		if ((reg = registry_open(&t_opts, &err)) == NULL)
			_exit(1);
		(void)registry_user_update(reg, "held@example.org", edit_hold,
		    NULL, &err);
		_exit(2);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], &c, 1), 1);
	close(fds[0]);
	/* its process dies with the lock still held */
	kill(holder, SIGKILL);
	ck_assert_int_eq(tutil_wait(holder), 128 + SIGKILL);

	waiter = fork();
	ck_assert_int_ge(waiter, 0);
	if (waiter == 0) {
		alarm(10);
		o = t_opts;
		o.lock_timeout = 1;
		if ((reg = registry_open(&o, &err)) == NULL)
			_exit(1);
		start = t_now();
		if (registry_user_update(reg, "held@example.org", edit_user,
		    "login", &err) == 0)
			_exit(2);
		waited = t_now() - start;
		fprintf(stderr, "waiter: %.2fs: %s\n", waited, err);
		_exit(strstr(err, "lock wait timed out") != NULL &&
		    waited >= 0.9 ? 0 : 4);
	}
	/*
	 * Lock waits expire when somebody runs the deadlock detector; the
	 * periodic checkpoint does. Run it until the waiter gives up.
	 */
	start = t_now();
	while (t_now() - start < 8) {
		usleep(250000);
		ck_assert_msg(registry_checkpoint(&t_opts, &err) == 0,
		    "checkpoint: %s", err);
		if ((rc = waitpid(waiter, NULL, WNOHANG)) != 0)
			break;
	}
	if (rc == 0)
		kill(waiter, SIGKILL);
	ck_assert_msg(rc == waiter, "the waiter never timed out");

	/*
	 * The holder died outside any Berkeley DB call, so it held no
	 * mutex: failchk aborts its transaction and frees the lock.
	 */
	rc = t_failchk();
	ck_assert_msg(rc == 0, "failchk after the holder died: got %d, "
	    "want 0%s", rc, rc == 128 + SIGALRM ? " (it hung)" : "");
	t_reg = registry_open(&t_opts, &err);
	ck_assert_msg(t_reg != NULL, "open: %s", err);
	ck_assert_msg(registry_user_update(t_reg, "held@example.org",
	    edit_user, "login", &err) == 0, "update after failchk: %s", err);
}
END_TEST

/* tc_new - a test case with its base directory and per-test directory */
static TCase *
tc_new(const char *name, int timeout)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_dir_setup, t_dir_teardown);
	tcase_set_timeout(tc, timeout);
	return (tc);
}

static Suite *
registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc;

	tc = tc_new("open", 20);
	tcase_add_test(tc, test_setup_open);
	tcase_add_test(tc, test_open_missing);
	tcase_add_test(tc, test_open_bad_opts);
	suite_add_tcase(s, tc);

	tc = tc_new("domain", 20);
	tcase_add_test(tc, test_domain_crud);
	tcase_add_test(tc, test_domain_add_refused);
	tcase_add_test(tc, test_domain_list);
	tcase_add_test(tc, test_domain_del_refused);
	suite_add_tcase(s, tc);

	tc = tc_new("names", 20);
	tcase_add_loop_test(tc, test_bad_domain, 0, NELEM(bad_domains));
	tcase_add_test(tc, test_bad_domain_long);
	tcase_add_loop_test(tc, test_bad_address, 0, NELEM(bad_addresses));
	suite_add_tcase(s, tc);

	tc = tc_new("user", 20);
	tcase_add_test(tc, test_user_crud);
	tcase_add_test(tc, test_user_list_order);
	suite_add_tcase(s, tc);

	tc = tc_new("alias", 20);
	tcase_add_test(tc, test_alias);
	tcase_add_test(tc, test_alias_limits);
	suite_add_tcase(s, tc);

	tc = tc_new("text", 5);
	tcase_add_loop_test(tc, test_services_parse, 0, NELEM(services_cases));
	tcase_add_loop_test(tc, test_services_format, 0, NELEM(format_cases));
	tcase_add_test(tc, test_services_round_trip);
	tcase_add_loop_test(tc, test_state_parse, 0, NELEM(state_cases));
	tcase_add_test(tc, test_state_name);
	suite_add_tcase(s, tc);

	tc = tc_new("record", 20);
	tcase_add_loop_test(tc, test_record, 0, NELEM(record_cases));
	tcase_add_test(tc, test_record_long_field);
	tcase_add_test(tc, test_record_bad_keys);
	tcase_add_test(tc, test_record_alias);
	suite_add_tcase(s, tc);

	tc = tc_new("processes", 30);
	tcase_add_test(tc, test_concurrent_adds);
	tcase_add_test(tc, test_crash_recovery);
	tcase_add_test(tc, test_failchk_clean);
	tcase_add_test(tc, test_lock_timeout);
	suite_add_tcase(s, tc);

	return (s);
}

int
main(void)
{
	return (tutil_run(registry_suite()));
}
