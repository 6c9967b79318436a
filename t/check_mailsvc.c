/*
 * check_mailsvc - unit tests for common/mailsvc.c: what every mail
 * protocol worker opens at start-up and closes at exit.
 *
 * TLS: no certificate configured gives no context; a certificate made
 * with the openssl command gives one; a missing file, or an implicit-TLS
 * service without a certificate, stops the worker (exit 1, msg_fatal).
 * Then the registry, the store and the failure table over a registry set
 * up in the test's directory, and the close that undoes all of it, twice.
 */
#include "config.h"

#include <sys/stat.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mailsvc.h"
#include "param_table.h"
#include "registry.h"
#include "tutil.h"

static char t_cert[4200], t_key[4200];

/* t_params - a fresh dir, parameters as the daemons have them, ms zeroed */
static void
t_params(char *dir, size_t size, struct mailsvc *ms)
{
	static char mail[4200];

	tutil_dir(dir, size);
	memset(ms, 0, sizeof(*ms));
	var_registry_dir = (char *)dir;
	var_registry_cache_size = 4 * 1024 * 1024;
	var_registry_max_processes = 64;
	var_registry_lock_timeout = 10;
	snprintf(mail, sizeof(mail), "%s/mail", dir);
	ck_assert(mkdir(mail, 0700) == 0);
	var_mail_dir = mail;
	var_tls_cert_file = "";
	var_tls_key_file = "";
}

START_TEST(test_no_tls)
{
	struct mailsvc ms;
	char dir[4096];

	t_params(dir, sizeof(dir), &ms);
	mailsvc_pre_drop(&ms, "pop3", 0);
	ck_assert_ptr_null(ms.tls);
	mailsvc_close(&ms);
}
END_TEST

START_TEST(test_tls)
{
	struct mailsvc ms;
	char dir[4096], cmd[9000];

	t_params(dir, sizeof(dir), &ms);
	snprintf(t_cert, sizeof(t_cert), "%s/cert.pem", dir);
	snprintf(t_key, sizeof(t_key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd), "openssl req -x509 -newkey ec "
	    "-pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
	    "-subj /CN=localhost -keyout %s -out %s >/dev/null 2>&1",
	    t_key, t_cert);
	ck_assert_msg(system(cmd) == 0, "openssl req failed");
	var_tls_cert_file = t_cert;
	var_tls_key_file = t_key;
	mailsvc_pre_drop(&ms, "imaps", 1);
	ck_assert_ptr_nonnull(ms.tls);
	mailsvc_close(&ms);
	ck_assert_ptr_null(ms.tls);
}
END_TEST

/* Exit tests: msg_fatal exits 1. */
START_TEST(test_need_tls)
{
	struct mailsvc ms;
	char dir[4096];

	t_params(dir, sizeof(dir), &ms);
	mailsvc_pre_drop(&ms, "smtps", 1);
}
END_TEST

START_TEST(test_bad_cert)
{
	struct mailsvc ms;
	char dir[4096];

	t_params(dir, sizeof(dir), &ms);
	var_tls_cert_file = "/nonexistent/cert.pem";
	var_tls_key_file = "/nonexistent/key.pem";
	mailsvc_pre_drop(&ms, "pop3", 0);
}
END_TEST

START_TEST(test_no_registry)
{
	struct mailsvc ms;
	char dir[4096];

	t_params(dir, sizeof(dir), &ms);
	mailsvc_post_drop(&ms, 1);
}
END_TEST

START_TEST(test_open_close)
{
	struct registry_opts opts;
	struct registry *reg;
	struct mailsvc ms;
	char dir[4096], path[4200];
	int want_fails = _i;

	t_params(dir, sizeof(dir), &ms);
	tutil_registry_opts(&opts, dir);
	reg = tutil_registry_open(&opts);
	registry_close(&reg);
	mailsvc_pre_drop(&ms, "imap", 0);
	mailsvc_post_drop(&ms, want_fails);
	ck_assert_ptr_nonnull(ms.reg);
	ck_assert_ptr_nonnull(ms.store);
	snprintf(path, sizeof(path), "%s/%s", dir, AUTH_FAILS_FILE);
	if (want_fails) {
		ck_assert_ptr_nonnull(ms.fails);
		ck_assert_int_eq(access(path, F_OK), 0);
	} else {
		ck_assert_ptr_null(ms.fails);
		ck_assert_int_ne(access(path, F_OK), 0);
	}
	mailsvc_close(&ms);
	ck_assert_ptr_null(ms.fails);
	ck_assert_ptr_null(ms.store);
	ck_assert_ptr_null(ms.reg);
	ck_assert_ptr_null(ms.tls);
	mailsvc_close(&ms);
}
END_TEST

/* mailsvc_suite - the cases */
static Suite *
mailsvc_suite(void)
{
	Suite *s = suite_create("mailsvc");
	TCase *tc;

	tc = tcase_create("tls");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_no_tls);
	tcase_add_test(tc, test_tls);
	tcase_add_exit_test(tc, test_need_tls, 1);
	tcase_add_exit_test(tc, test_bad_cert, 1);
	suite_add_tcase(s, tc);
	tc = tcase_create("open");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_open_close, 0, 2);
	tcase_add_exit_test(tc, test_no_registry, 1);
	suite_add_tcase(s, tc);
	return (s);
}

/* main - run the suite */
int
main(void)
{
	return (tutil_run(mailsvc_suite()));
}
