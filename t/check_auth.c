/*
 * check_auth - unit tests for common/auth.c: the shared login rules over a
 * real registry (each rule failing in turn, in the documented order, and
 * the result a protocol sees), and the shared failure table (counting
 * across two handles on one file, decay after the window, clear).
 */
#include "config.h"

#include <sys/stat.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "password.h"
#include "registry.h"
#include "sbuf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char t_dir[] = "/tmp/check_auth.XXXXXX";
static struct registry *t_reg;

/* t_domain - add a domain */
static void
t_domain(const char *name, enum reg_state state, unsigned services)
{
	struct reg_domain d;
	const char *err;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.state = state;
	d.services = services;
	ck_assert_msg(registry_domain_add(t_reg, &d, &err) == 0, "%s: %s",
	    name, err);
}

/* t_user - add a user with password "pw" */
static void
t_user(const char *addr, enum reg_state state)
{
	struct reg_user u;
	struct sbuf *h = sbuf_new(0);
	const char *err;

	memset(&u, 0, sizeof(u));
	snprintf(u.address, sizeof(u.address), "%s", addr);
	ck_assert(password_hash("pw", "SHA256-CRYPT", h, &err) == 0);
	snprintf(u.password, sizeof(u.password), "%s", sbuf_str(h));
	u.state = state;
	ck_assert_msg(registry_user_add(t_reg, &u, &err) == 0, "%s: %s",
	    addr, err);
	sbuf_free(&h);
}

/* t_setup - a registry with the domains and users the cases use */
static void
t_setup(void)
{
	struct registry_opts o;
	const char *err;

	snprintf(t_dir, sizeof(t_dir), "/tmp/check_auth.XXXXXX");
	ck_assert(mkdtemp(t_dir) != NULL);
	memset(&o, 0, sizeof(o));
	o.dir = t_dir;
	o.cache_size = 4 * 1024 * 1024;
	o.max_processes = 64;
	o.lock_timeout = 10;
	ck_assert_msg(registry_setup(&o, &err) == 0, "setup: %s", err);
	ck_assert_msg((t_reg = registry_open(&o, &err)) != NULL, "open: %s",
	    err);
	t_domain("good.test", REG_STATE_ACTIVE, REG_SVC_ALL);
	t_domain("sleepy.test", REG_STATE_INACTIVE, REG_SVC_ALL);
	t_domain("gone.test", REG_STATE_ACTIVE, REG_SVC_ALL);
	t_domain("nopop.test", REG_STATE_ACTIVE, REG_SVC_SMTP |
	    REG_SVC_SUBMISSION);
	t_user("alice@good.test", REG_STATE_ACTIVE);
	t_user("carol@good.test", REG_STATE_INACTIVE);
	t_user("sam@sleepy.test", REG_STATE_ACTIVE);
	t_user("nina@nopop.test", REG_STATE_ACTIVE);
}

/* t_teardown - close, remove */
static void
t_teardown(void)
{
	char cmd[300];

	registry_close(&t_reg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t_dir);
	(void)!system(cmd);
}

static const struct {
	const char *login, *pass;
	unsigned service;
	enum auth_result want;
	const char *why;
} cases[] = {
	{ "alice@good.test", "pw", REG_SVC_POP3, AUTH_OK, "" },
	{ "ALICE@Good.Test", "pw", REG_SVC_POP3S, AUTH_OK, "" },
	{ "alice@good.test", "pw", REG_SVC_SUBMISSION, AUTH_OK, "" },
	{ "alice@good.test", "wrong", REG_SVC_POP3, AUTH_FAILED,
	    "wrong password" },
	{ "bob@good.test", "pw", REG_SVC_POP3, AUTH_FAILED, "no such user" },
	{ "carol@good.test", "pw", REG_SVC_POP3, AUTH_FAILED,
	    "user not active" },
	{ "x@nowhere.test", "pw", REG_SVC_POP3, AUTH_FAILED,
	    "no such domain" },
	/* the domain comes first: an inactive one hides everything else */
	{ "sam@sleepy.test", "wrong", REG_SVC_POP3, AUTH_DOMAIN_INACTIVE,
	    "domain not active" },
	{ "nobody@sleepy.test", "pw", REG_SVC_POP3, AUTH_DOMAIN_INACTIVE,
	    "domain not active" },
	/* then the service */
	{ "nina@nopop.test", "pw", REG_SVC_POP3, AUTH_FAILED,
	    "service not allowed for the domain" },
	{ "nobody@nopop.test", "pw", REG_SVC_POP3, AUTH_FAILED,
	    "service not allowed for the domain" },
	{ "nina@nopop.test", "pw", REG_SVC_SUBMISSION, AUTH_OK, "" },
	{ "not an address", "pw", REG_SVC_POP3, AUTH_FAILED,
	    "malformed user name" },
	{ "", "pw", REG_SVC_POP3, AUTH_FAILED, "malformed user name" },
};

START_TEST(test_login)
{
	char user[NAME_ADDRESS_MAX + 1];
	const char *why = "?";
	enum auth_result r;

	r = auth_login(t_reg, cases[_i].login, cases[_i].pass,
	    cases[_i].service, user, &why);
	ck_assert_msg(r == cases[_i].want, "%s: got %s, want %s",
	    cases[_i].login, auth_result_name(r),
	    auth_result_name(cases[_i].want));
	ck_assert_msg(strcmp(why, cases[_i].why) == 0, "%s: why \"%s\", "
	    "want \"%s\"", cases[_i].login, why, cases[_i].why);
	if (r == AUTH_OK)
		ck_assert_str_eq(user, strchr(cases[_i].login, 'A') ?
		    "alice@good.test" : cases[_i].login);
}
END_TEST

/* auth_check gives the user record without looking at the password. */
START_TEST(test_check)
{
	char user[NAME_ADDRESS_MAX + 1];
	struct reg_user u;
	const char *why;

	ck_assert_int_eq(auth_check(t_reg, "alice@good.test", REG_SVC_POP3,
	    user, &u, &why), AUTH_OK);
	ck_assert_str_eq(u.address, "alice@good.test");
	ck_assert_int_eq(auth_check(t_reg, "carol@good.test", REG_SVC_POP3,
	    user, NULL, &why), AUTH_FAILED);
}
END_TEST

/* last_login is recorded; LOGIN-DELAY refuses a login too soon after */
START_TEST(test_login_stamp)
{
	struct reg_user u;
	const char *err;
	time_t last = -1;

	ck_assert_msg(auth_login_stamp(t_reg, "alice@good.test", 1000, 60,
	    &last, &err) == 1, "stamp: %s", err);
	ck_assert_int_eq(last, 0);
	ck_assert_int_eq(registry_user_get(t_reg, "alice@good.test", &u,
	    &err), 1);
	ck_assert_int_eq(u.last_login, 1000);
	/* the same second again: nothing to write, no refusal without delay */
	ck_assert_int_eq(auth_login_stamp(t_reg, "alice@good.test", 1000, 0,
	    &last, &err), 1);
	/* too soon: refused, not recorded */
	ck_assert_int_eq(auth_login_stamp(t_reg, "alice@good.test", 1059, 60,
	    &last, &err), 0);
	ck_assert_int_eq(last, 1000);
	ck_assert_int_eq(registry_user_get(t_reg, "alice@good.test", &u,
	    &err), 1);
	ck_assert_int_eq(u.last_login, 1000);
	/* a clock set back does not lock the user out */
	ck_assert_int_eq(auth_login_stamp(t_reg, "alice@good.test", 900, 60,
	    &last, &err), 1);
	ck_assert_int_eq(auth_login_stamp(t_reg, "alice@good.test", 960, 60,
	    &last, &err), 1);
	ck_assert_int_eq(registry_user_get(t_reg, "alice@good.test", &u,
	    &err), 1);
	ck_assert_int_eq(u.last_login, 960);
	ck_assert_int_eq(auth_login_stamp(t_reg, "nobody@good.test", 960, 60,
	    &last, &err), -1);
}
END_TEST

/* The failure table counts, is shared, decays and clears. */
START_TEST(test_fails)
{
	char path[400];
	struct auth_fails *a, *b;
	const char *err;

	snprintf(path, sizeof(path), "%s/%s", t_dir, AUTH_FAILS_FILE);
	ck_assert((a = auth_fails_open(path, &err)) != NULL);
	ck_assert((b = auth_fails_open(path, &err)) != NULL);
	ck_assert_uint_eq(auth_fails_get(a, "addr:1", 60), 0);
	ck_assert_uint_eq(auth_fails_add(a, "addr:1", 60), 1);
	ck_assert_uint_eq(auth_fails_add(b, "addr:1", 60), 2);
	ck_assert_uint_eq(auth_fails_get(b, "addr:1", 60), 2);
	ck_assert_uint_eq(auth_fails_get(a, "addr:2", 60), 0);
	auth_fails_clear(a, "addr:1");
	ck_assert_uint_eq(auth_fails_get(b, "addr:1", 60), 0);
	ck_assert_uint_eq(auth_fails_add(a, "user:x", 1), 1);
	sleep(2);
	ck_assert_uint_eq(auth_fails_get(a, "user:x", 1), 0);
	ck_assert_uint_eq(auth_fails_add(a, "user:x", 1), 1);
	auth_fails_close(&a);
	auth_fails_close(&b);
	ck_assert(a == NULL);
	/* A file of another size is reset, not trusted. */
	ck_assert(truncate(path, 10) == 0);
	ck_assert((a = auth_fails_open(path, &err)) != NULL);
	ck_assert_uint_eq(auth_fails_get(a, "user:x", 60), 0);
	auth_fails_close(&a);
	/* Many keys: every one of them counted. */
	ck_assert((a = auth_fails_open(path, &err)) != NULL);
	{
		char key[32];
		int i, miss = 0;

		for (i = 0; i < 1000; i++) {
			snprintf(key, sizeof(key), "addr:%d", i);
			(void)auth_fails_add(a, key, 60);
		}
		for (i = 0; i < 1000; i++) {
			snprintf(key, sizeof(key), "addr:%d", i);
			miss += auth_fails_get(a, key, 60) != 1;
		}
		ck_assert_int_eq(miss, 0);
	}
	auth_fails_close(&a);
}
END_TEST

/* t_verify - a fake credential check: *ctx is the result, calls counted */
static int t_calls;

static enum auth_result
t_verify(void *ctx, const char *login, char *user_r, const char **why_r)
{
	t_calls++;
	snprintf(user_r, NAME_ADDRESS_MAX + 1, "%s", login);
	*why_r = "test";
	return (*(enum auth_result *)ctx);
}

/* auth_attempt: failures count per address and user, then throttle */
START_TEST(test_attempt)
{
	char path[400], user[NAME_ADDRESS_MAX + 1];
	struct auth_throttle th = { NULL, 2, 60, 0 };
	enum auth_result want;
	const char *err;

	snprintf(path, sizeof(path), "%s/%s", t_dir, AUTH_FAILS_FILE);
	ck_assert((th.fails = auth_fails_open(path, &err)) != NULL);
	want = AUTH_FAILED;
	ck_assert_int_eq(auth_attempt(&th, "10.0.0.1", "A@x.test", "T",
	    t_verify, &want, user), AUTH_FAILED);
	ck_assert_uint_eq(auth_fails_get(th.fails, "addr:10.0.0.1", 60), 1);
	ck_assert_uint_eq(auth_fails_get(th.fails, "user:a@x.test", 60), 1);
	want = AUTH_TEMPFAIL;
	ck_assert_int_eq(auth_attempt(&th, "10.0.0.1", "a@x.test", "T",
	    t_verify, &want, user), AUTH_TEMPFAIL);
	ck_assert_uint_eq(auth_fails_get(th.fails, "user:a@x.test", 60), 1);
	want = AUTH_OK;
	ck_assert_int_eq(auth_attempt(&th, "10.0.0.2", "a@x.test", "T",
	    t_verify, &want, user), AUTH_OK);
	ck_assert_str_eq(user, "a@x.test");
	ck_assert_uint_eq(auth_fails_get(th.fails, "user:a@x.test", 60), 0);
	ck_assert_uint_eq(auth_fails_get(th.fails, "addr:10.0.0.1", 60), 1);
	want = AUTH_FAILED;
	(void)auth_attempt(&th, "10.0.0.1", "b@x.test", "T", t_verify, &want,
	    user);
	/* the address has had enough: verify is not even asked */
	t_calls = 0;
	want = AUTH_OK;
	ck_assert_int_eq(auth_attempt(&th, "10.0.0.1", "c@x.test", "T",
	    t_verify, &want, user), AUTH_THROTTLED);
	ck_assert_int_eq(t_calls, 0);
	auth_fails_close(&th.fails);
	/* no table: no throttling */
	want = AUTH_FAILED;
	ck_assert_int_eq(auth_attempt(&th, "10.0.0.1", "c@x.test", "T",
	    t_verify, &want, user), AUTH_FAILED);
	ck_assert_int_eq(t_calls, 1);
	ck_assert_str_eq(auth_result_name(AUTH_THROTTLED), "throttled");
}
END_TEST

/* auth_plain: decode, refuse malformed and proxy logins */
START_TEST(test_plain)
{
	struct sasl_plain plain;
	enum sasl_status st;
	/* "\0alice@good.test\0pw" and "bob@good.test\0alice@good.test\0pw" */
	const char *ok = "AGFsaWNlQGdvb2QudGVzdABwdw==";
	const char *proxy = "Ym9iQGdvb2QudGVzdABhbGljZUBnb29kLnRlc3QAcHc=";

	memset(&plain, 0, sizeof(plain));
	ck_assert_int_eq(auth_plain(ok, strlen(ok), &plain, &st), 0);
	ck_assert_str_eq(plain.authcid, "alice@good.test");
	ck_assert_str_eq(plain.passwd, "pw");
	ck_assert_int_eq(auth_plain("!!!!", 4, &plain, &st), -1);
	ck_assert_int_ne(st, SASL_OK);
	ck_assert_int_eq(auth_plain("", 0, &plain, &st), -1);
	ck_assert_int_eq(auth_plain(proxy, strlen(proxy), &plain, &st), 1);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite *s = suite_create("auth");
	TCase *tc;

	tc = tcase_create("login");
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_login, 0, (int)NELEM(cases));
	tcase_add_test(tc, test_check);
	tcase_add_test(tc, test_login_stamp);
	tcase_add_test(tc, test_attempt);
	tcase_add_test(tc, test_plain);
	tcase_add_test(tc, test_fails);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(auth_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
