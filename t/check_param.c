/*
 * check_param - unit tests for common/param.c and the shipped estuary.conf
 * and estuary.conf(5).
 *
 * Each case writes a configuration file into a private temporary
 * directory, loads it and compares variables, param_value() text and
 * error messages exactly. The directory is made and removed by an
 * unchecked fixture, so it goes away even when a case fails.
 */
#include "config.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <check.h>

#include "mem.h"
#include "param.h"
#include "param_table.h"
#include "sbuf.h"

static char t_dir[] = "/tmp/check_param.XXXXXX";
static char t_path[sizeof(t_dir) + 32];

/* t_setup - make the temporary directory */
static void
t_setup(void)
{
	memcpy(t_dir, "/tmp/check_param.XXXXXX", sizeof(t_dir));
	if (mkdtemp(t_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(t_path, sizeof(t_path), "%s/estuary.conf", t_dir);
}

/* t_teardown - remove the temporary directory and what is in it */
static void
t_teardown(void)
{
	char path[sizeof(t_path) + 256];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(t_dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", t_dir, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
	(void)rmdir(t_dir);
}

/* t_write - put len bytes (strlen if 0) into t_path */
static const char *
t_write(const char *text, size_t len)
{
	FILE *fp;

	if (len == 0)
		len = strlen(text);
	fp = fopen(t_path, "w");
	ck_assert_msg(fp != NULL, "cannot create %s", t_path);
	ck_assert(fwrite(text, 1, len, fp) == len);
	ck_assert(fclose(fp) == 0);
	return (t_path);
}

/* t_row - the row for name, which must exist */
static const struct param_def *
t_row(const char *name)
{
	const struct param_def *def = param_find(name);

	ck_assert_msg(def != NULL, "no parameter %s", name);
	return (def);
}

/* t_value - param_value() of the row called name */
static const char *
t_value(const char *name)
{
	return (param_value(t_row(name)));
}

/* t_assert_defaults - the variables hold the defaults, nothing is set */
static void
t_assert_defaults(const char *what)
{
	int i;

	ck_assert_msg(var_max_idle == 100, "%s: max_idle %d, want 100", what,
	    var_max_idle);
	ck_assert_msg(strcmp(var_myhostname, "localhost") == 0,
	    "%s: myhostname \"%s\", want localhost", what, var_myhostname);
	ck_assert_msg(strcmp(var_registry_dir,
	    ESTUARY_STATEDIR "/lib/estuary/registry") == 0,
	    "%s: registry_dir %s", what, var_registry_dir);
	for (i = 0; param_table[i].name != NULL; i++) {
		ck_assert_msg(!param_is_set(&param_table[i]),
		    "%s: %s is set", what, param_table[i].name);
		ck_assert_msg(param_raw(&param_table[i]) == NULL,
		    "%s: %s has raw text", what, param_table[i].name);
	}
}

/*
 * Defaults.
 */

START_TEST(test_defaults)
{
	param_defaults();
	ck_assert_str_eq(var_daemon_dir, ESTUARY_LIBEXECDIR);
	ck_assert_str_eq(var_state_dir, ESTUARY_STATEDIR "/lib/estuary");
	ck_assert_str_eq(var_registry_dir,
	    ESTUARY_STATEDIR "/lib/estuary/registry");
	ck_assert_str_eq(var_mail_dir, ESTUARY_STATEDIR "/lib/estuary/mail");
	ck_assert_str_eq(var_queue_dir, ESTUARY_STATEDIR "/spool/estuary");
	ck_assert_str_eq(var_run_dir, ESTUARY_STATEDIR "/run/estuary");
	ck_assert_str_eq(var_pid_file,
	    ESTUARY_STATEDIR "/run/estuary/estuary.pid");
	ck_assert_str_eq(var_control_socket,
	    ESTUARY_STATEDIR "/run/estuary/estuary.ctl");
	ck_assert_str_eq(var_mail_owner, "estuary");
	ck_assert_str_eq(var_admin_group, "estuary-admin");
	ck_assert_str_eq(var_tls_cert_file, "");
	ck_assert_int_eq(var_debug, 0);
	ck_assert_int_eq(var_process_limit, 100);
	ck_assert_int_eq(var_idle_min, 1);
	ck_assert_int_eq(var_max_use, 100);
	ck_assert_int_eq(var_max_idle, 100);
	ck_assert_int_eq(var_stop_timeout, 30);
	ck_assert_int_eq(var_registry_lock_timeout, 10);
	ck_assert(var_registry_cache_size == 16 * 1024 * 1024);
	t_assert_defaults("defaults");

	/* Again: the strings of the first call are freed (ASan checks). */
	param_defaults();
	t_assert_defaults("defaults twice");
}
END_TEST

/* Every default without a reference prints as it is written. */
START_TEST(test_default_text)
{
	const struct param_def *def = &param_table[_i];

	param_defaults();
	if (strchr(def->def, '$') != NULL)
		return;
	ck_assert_msg(strcmp(param_value(def), def->def) == 0,
	    "%s: got \"%s\", want \"%s\"", def->name, param_value(def),
	    def->def);
}
END_TEST

START_TEST(test_find)
{
	ck_assert(param_find("max_idle") != NULL);
	ck_assert_str_eq(param_find("max_idle")->name, "max_idle");
	ck_assert(param_find("nosuch") == NULL);
	ck_assert(param_find("") == NULL);
	ck_assert(param_find("max_idl") == NULL);
	ck_assert(param_find("max_idlex") == NULL);
	ck_assert(param_find("MAX_IDLE") == NULL);
}
END_TEST

/*
 * Files that load.
 */

static const struct {
	const char *name, *text, *param, *want;
} good_cases[] = {
	{ "plain", "myhostname = mx.example.test\n", "myhostname",
	    "mx.example.test" },
	{ "blanks", "\n \t\nmyhostname\t=\t mx \t\n", "myhostname", "mx" },
	{ "no spaces", "myhostname=mx\n", "myhostname", "mx" },
	{ "crlf", "myhostname = mx\r\nmail_owner = o\r\n", "myhostname",
	    "mx" },
	{ "no final newline", "myhostname = mx", "myhostname", "mx" },
	{ "equals in value", "myhostname = a=b\n", "myhostname", "a=b" },
	{ "hash in value", "myhostname = a # b\n", "myhostname", "a # b" },
	{ "comments", "# myhostname = a\nmyhostname = b\n  # myhostname = c\n",
	    "myhostname", "b" },
	{ "empty file", "", "myhostname", "localhost" },
	{ "only comments", "#\n# x = y\n\n", "myhostname", "localhost" },
	{ "last wins", "max_idle = 5\nmax_idle = 7m\n", "max_idle", "420s" },
	{ "default follows", "state_directory = /srv/e\n", "registry_dir",
	    "/srv/e/registry" },
	{ "default follows 2", "state_directory = /srv/e\n", "mail_dir",
	    "/srv/e/mail" },
	{ "run_dir chain", "run_dir = /r\n", "control_socket",
	    "/r/estuary.ctl" },
	{ "order free", "registry_dir = $mail_dir/x\nmail_dir = /m\n",
	    "registry_dir", "/m/x" },
	{ "chain", "myhostname = $mail_owner.$admin_group\n"
	    "mail_owner = $syslog_facility\nsyslog_facility = local3\n",
	    "myhostname", "local3.estuary-admin" },
	{ "deep chain", "pid_file = $control_socket.pid\n"
	    "control_socket = $run_dir/c\nrun_dir = $state_directory/run\n"
	    "state_directory = /s\n", "pid_file", "/s/run/c.pid" },
	{ "braces", "myhostname = ${mail_owner}x\n", "myhostname",
	    "estuaryx" },
	{ "braces twice", "myhostname = ${mail_owner}${mail_owner}\n",
	    "myhostname", "estuaryestuary" },
	{ "name ends at dot", "myhostname = $mail_owner.x\n", "myhostname",
	    "estuary.x" },
	{ "dollar", "myhostname = a$$b\n", "myhostname", "a$$b" },
	{ "dollar before name", "myhostname = $$mail_owner\n", "myhostname",
	    "$$mail_owner" },
	{ "time ref", "stop_timeout = $max_idle\nmax_idle = 2m\n",
	    "stop_timeout", "120s" },
	{ "continuation", "myhostname = a\n  b\n\tc\n", "myhostname",
	    "a b c" },
	{ "continuation after comment", "myhostname = a\n# x\n\n  b\n",
	    "myhostname", "a b" },
	{ "continuation name", "myhostname\n = mx\n", "myhostname", "mx" },
	{ "continuation ref", "myhostname = $mail_owner\n  x\n", "myhostname",
	    "estuary x" },
	{ "empty value", "tls_cert_file =\n", "tls_cert_file", "" },
	{ "empty ref", "myhostname = a$tls_cert_file\n", "myhostname", "a" },
	{ "expanded trimmed", "myhostname = $tls_cert_file x\n", "myhostname",
	    "x" },
	{ "int", "default_process_limit = 10000\n", "default_process_limit",
	    "10000" },
	{ "int min", "default_idle_min = 0\n", "default_idle_min", "0" },
	{ "int zeros", "default_max_use = 007\n", "default_max_use", "7" },
	{ "time plain", "max_idle = 86400\n", "max_idle", "86400s" },
	{ "time days", "max_idle = 1d\n", "max_idle", "86400s" },
	{ "time hours", "max_idle = 2h\n", "max_idle", "7200s" },
	{ "time zero", "registry_lock_timeout = 0\n", "registry_lock_timeout",
	    "0s" },
	{ "size bytes", "registry_cache_size = 262145\n",
	    "registry_cache_size", "262145" },
	{ "size k", "registry_cache_size = 4096k\n", "registry_cache_size",
	    "4M" },
	{ "size K", "registry_cache_size = 1536K\n", "registry_cache_size",
	    "1536k" },
	{ "size exact", "registry_cache_size = 2097152\n",
	    "registry_cache_size", "2M" },
	{ "size G", "registry_cache_size = 4G\n", "registry_cache_size",
	    "4G" },
	{ "size M", "registry_cache_size = 1024M\n", "registry_cache_size",
	    "1G" },
	{ "bool yes", "debug = yes\n", "debug", "yes" },
	{ "bool ON", "debug = ON\n", "debug", "yes" },
	{ "bool true", "debug = True\n", "debug", "yes" },
	{ "bool 1", "debug = 1\n", "debug", "yes" },
	{ "bool no", "debug = no\n", "debug", "no" },
	{ "bool off", "debug = off\n", "debug", "no" },
	{ "bool false", "debug = FALSE\n", "debug", "no" },
	{ "bool 0", "debug = 0\n", "debug", "no" },
};

START_TEST(test_load_good)
{
	const char *err = NULL, *got;

	t_write(good_cases[_i].text, 0);
	ck_assert_msg(param_load(t_path, 0, &err) == 0, "%s: error %s",
	    good_cases[_i].name, err);
	got = t_value(good_cases[_i].param);
	ck_assert_msg(strcmp(got, good_cases[_i].want) == 0,
	    "%s: got \"%s\", want \"%s\"", good_cases[_i].name, got,
	    good_cases[_i].want);
}
END_TEST

START_TEST(test_load_vars)
{
	const char *err = NULL;

	t_write("myhostname = a$$b\nmax_idle = 5m\nregistry_cache_size = 1G\n"
	    "debug = on\nstate_directory = /srv/e\n"
	    "mail_dir = ${registry_dir}2\n", 0);
	ck_assert_msg(param_load(t_path, 0, &err) == 0, "error %s", err);
	ck_assert_str_eq(var_myhostname, "a$b");
	ck_assert_int_eq(var_max_idle, 300);
	ck_assert(var_registry_cache_size == 1024ULL * 1024 * 1024);
	ck_assert_int_eq(var_debug, 1);
	ck_assert_str_eq(var_registry_dir, "/srv/e/registry");
	ck_assert_str_eq(var_mail_dir, "/srv/e/registry2");
	ck_assert_str_eq(var_state_dir, "/srv/e");

	ck_assert(param_is_set(t_row("myhostname")));
	ck_assert(param_is_set(t_row("mail_dir")));
	ck_assert(!param_is_set(t_row("registry_dir")));
	ck_assert(!param_is_set(t_row("stop_timeout")));
	ck_assert_str_eq(param_raw(t_row("myhostname")), "a$$b");
	ck_assert_str_eq(param_raw(t_row("mail_dir")), "${registry_dir}2");
	ck_assert_str_eq(param_raw(t_row("max_idle")), "5m");
	ck_assert(param_raw(t_row("registry_dir")) == NULL);

	/* A second load starts from the defaults again. */
	t_write("max_idle = 7\n", 0);
	ck_assert_msg(param_load(t_path, 0, &err) == 0, "error %s", err);
	ck_assert_int_eq(var_max_idle, 7);
	ck_assert_str_eq(var_myhostname, "localhost");
	ck_assert_str_eq(var_registry_dir,
	    ESTUARY_STATEDIR "/lib/estuary/registry");
	ck_assert(!param_is_set(t_row("myhostname")));
	ck_assert_str_eq(param_raw(t_row("max_idle")), "7");
}
END_TEST

START_TEST(test_continuation_raw)
{
	const char *err = NULL;

	t_write("myhostname = a  \n   b\t\n# c\n\n\t c  \nmax_idle = 1\n", 0);
	ck_assert_msg(param_load(t_path, 0, &err) == 0, "error %s", err);
	ck_assert_str_eq(param_raw(t_row("myhostname")), "a b c");
	ck_assert_str_eq(var_myhostname, "a b c");
	ck_assert_int_eq(var_max_idle, 1);
}
END_TEST

/*
 * Files that do not load: exact messages, after the file's path.
 */

static const struct {
	const char *name, *text;
	size_t	len;			/* 0: strlen(text) */
	const char *want;		/* after the path */
} bad_cases[] = {
	{ "no equals", "myhostname mx\n", 0,
	    ":1: no equals sign in \"myhostname mx\"" },
	{ "no equals line 3", "\n# c\nfoo\n", 0,
	    ":3: no equals sign in \"foo\"" },
	{ "no equals continued", "max_idle = 1\nfoo\n  bar\n", 0,
	    ":2: no equals sign in \"foo bar\"" },
	{ "empty name", "= x\n", 0, ":1: empty parameter name" },
	{ "continued into value", "max_idle = 1\n\t= x\n", 0,
	    ":1: max_idle: \"1 = x\" is not a time (a number with s, m, h, "
	    "d or w)" },
	{ "empty name 2", "max_idle = 1\n= x\n", 0,
	    ":2: empty parameter name" },
	{ "unknown", "nosuch = 1\n", 0, ":1: unknown parameter \"nosuch\"" },
	{ "unknown case", "MyHostname = x\n", 0,
	    ":1: unknown parameter \"MyHostname\"" },
	{ "unknown spaced", "my hostname = x\n", 0,
	    ":1: unknown parameter \"my hostname\"" },
	{ "unknown control", "my\033x = 1\n", 0,
	    ":1: unknown parameter \"my?x\"" },
	{ "unknown after good", "max_idle = 5\n\nnosuch = 1\n", 0,
	    ":3: unknown parameter \"nosuch\"" },
	{ "continuation first", "  myhostname = x\n", 0,
	    ":1: continuation line without a parameter before it" },
	{ "continuation after comment", "# c\n\tx\n", 0,
	    ":2: continuation line without a parameter before it" },
	{ "unknown ref", "myhostname = $nosuch\n", 0,
	    ":1: myhostname: reference to unknown parameter $nosuch" },
	{ "unknown ref braces", "myhostname = ${nosuch}x\n", 0,
	    ":1: myhostname: reference to unknown parameter $nosuch" },
	{ "run-on ref", "myhostname = $mail_ownerx\n", 0,
	    ":1: myhostname: reference to unknown parameter $mail_ownerx" },
	{ "config_dir ref", "myhostname = $config_dir\n", 0,
	    ":1: myhostname: reference to unknown parameter $config_dir" },
	{ "unterminated", "myhostname = ${mail_owner\n", 0,
	    ":1: myhostname: missing } after ${ (write $$ for a $)" },
	{ "lone dollar", "myhostname = a$\n", 0,
	    ":1: myhostname: $ without a parameter name (write $$ for a $)" },
	{ "dollar space", "myhostname = $ x\n", 0,
	    ":1: myhostname: $ without a parameter name (write $$ for a $)" },
	{ "empty braces", "myhostname = ${}\n", 0,
	    ":1: myhostname: $ without a parameter name (write $$ for a $)" },
	{ "triple dollar", "myhostname = $$$\n", 0,
	    ":1: myhostname: $ without a parameter name (write $$ for a $)" },
	{ "ref in later line", "max_idle = 5\nmyhostname = $nosuch\n", 0,
	    ":2: myhostname: reference to unknown parameter $nosuch" },
	{ "ref error in referenced row",
	    "myhostname = $mail_owner\nmail_owner = $nosuch\n", 0,
	    ":2: mail_owner: reference to unknown parameter $nosuch" },
	{ "self loop", "myhostname = $myhostname\n", 0,
	    ":1: myhostname: reference loop $myhostname -> $myhostname" },
	{ "self loop braces", "myhostname = x${myhostname}\n", 0,
	    ":1: myhostname: reference loop $myhostname -> $myhostname" },
	{ "loop of two",
	    "mail_owner = $admin_group\nadmin_group = $mail_owner\n", 0,
	    ":1: mail_owner: reference loop $mail_owner -> $admin_group "
	    "-> $mail_owner" },
	{ "loop through default", "state_directory = $registry_dir\n", 0,
	    ":1: state_directory: reference loop $state_directory -> "
	    "$registry_dir -> $state_directory" },
	{ "loop of three", "myhostname = $pid_file\nrun_dir = $myhostname\n",
	    0, ":2: run_dir: reference loop $run_dir -> $myhostname -> "
	    "$pid_file -> $run_dir" },
	{ "int word", "default_process_limit = ten\n", 0,
	    ":1: default_process_limit: \"ten\" is not a number" },
	{ "int sign", "default_process_limit = -1\n", 0,
	    ":1: default_process_limit: \"-1\" is not a number" },
	{ "int plus", "default_process_limit = +1\n", 0,
	    ":1: default_process_limit: \"+1\" is not a number" },
	{ "int hex", "default_process_limit = 0x10\n", 0,
	    ":1: default_process_limit: \"0x10\" is not a number" },
	{ "int unit", "default_process_limit = 10s\n", 0,
	    ":1: default_process_limit: \"10s\" is not a number" },
	{ "int inner space", "default_process_limit = 1 0\n", 0,
	    ":1: default_process_limit: \"1 0\" is not a number" },
	{ "int empty", "default_process_limit =\n", 0,
	    ":1: default_process_limit: \"\" is not a number" },
	{ "int low", "default_process_limit = 0\n", 0,
	    ":1: default_process_limit: 0 is out of range (1..10000)" },
	{ "int high", "default_process_limit = 10001\n", 0,
	    ":1: default_process_limit: 10001 is out of range (1..10000)" },
	{ "int overflow", "default_process_limit = 99999999999999999999999\n",
	    0, ":1: default_process_limit: 99999999999999999999999 is out "
	    "of range (1..10000)" },
	{ "time zero", "max_idle = 0\n", 0,
	    ":1: max_idle: 0 is out of range (1s..86400s)" },
	{ "time high", "max_idle = 2d\n", 0,
	    ":1: max_idle: 2d is out of range (1s..86400s)" },
	{ "time high plain", "max_idle = 86401\n", 0,
	    ":1: max_idle: 86401 is out of range (1s..86400s)" },
	{ "time overflow", "max_idle = 99999999999999999999w\n", 0,
	    ":1: max_idle: 99999999999999999999w is out of range "
	    "(1s..86400s)" },
	{ "time unit", "max_idle = 5x\n", 0,
	    ":1: max_idle: \"5x\" is not a time (a number with s, m, h, d "
	    "or w)" },
	{ "time unit only", "max_idle = s\n", 0,
	    ":1: max_idle: \"s\" is not a time (a number with s, m, h, d "
	    "or w)" },
	{ "time two units", "max_idle = 5ms\n", 0,
	    ":1: max_idle: \"5ms\" is not a time (a number with s, m, h, d "
	    "or w)" },
	{ "time space", "max_idle = 5 m\n", 0,
	    ":1: max_idle: \"5 m\" is not a time (a number with s, m, h, d "
	    "or w)" },
	{ "time upper unit", "max_idle = 5M\n", 0,
	    ":1: max_idle: \"5M\" is not a time (a number with s, m, h, d "
	    "or w)" },
	{ "size low", "registry_cache_size = 1k\n", 0,
	    ":1: registry_cache_size: 1k is out of range (256k..4G)" },
	{ "size high", "registry_cache_size = 5G\n", 0,
	    ":1: registry_cache_size: 5G is out of range (256k..4G)" },
	{ "size just high", "registry_cache_size = 4294967297\n", 0,
	    ":1: registry_cache_size: 4294967297 is out of range "
	    "(256k..4G)" },
	{ "size unit", "registry_cache_size = 16MB\n", 0,
	    ":1: registry_cache_size: \"16MB\" is not a size (a number with "
	    "k, M or G)" },
	{ "size lower m", "registry_cache_size = 16m\n", 0,
	    ":1: registry_cache_size: \"16m\" is not a size (a number with "
	    "k, M or G)" },
	{ "bool word", "debug = maybe\n", 0,
	    ":1: debug: \"maybe\" is not a boolean (yes or no)" },
	{ "bool 2", "debug = 2\n", 0,
	    ":1: debug: \"2\" is not a boolean (yes or no)" },
	{ "bool empty", "debug =\n", 0,
	    ":1: debug: \"\" is not a boolean (yes or no)" },
	{ "bool prefix", "debug = ye\n", 0,
	    ":1: debug: \"ye\" is not a boolean (yes or no)" },
	{ "line of logical line", "myhostname = a\n  b\nmax_idle = 0\n", 0,
	    ":3: max_idle: 0 is out of range (1s..86400s)" },
	{ "line of last setting", "max_idle = 0\nmax_idle = 0x\n", 0,
	    ":2: max_idle: \"0x\" is not a time (a number with s, m, h, d "
	    "or w)" },
	{ "bad value through ref", "max_idle = $myhostname\n", 0,
	    ":1: max_idle: \"localhost\" is not a time (a number with s, m, "
	    "h, d or w)" },
	{ "NUL", "myhostname = a\0b\n", 17, ":1: NUL byte in line" },
	{ "NUL line 2", "# ok\nx\0", 7, ":2: NUL byte in line" },
	{ "NUL in comment", "max_idle = 5\n# \0\n", 17,
	    ":2: NUL byte in line" },
	{ "NUL only", "\0", 1, ":1: NUL byte in line" },
};

START_TEST(test_load_bad)
{
	char want[512];
	const char *err = NULL;

	t_write(bad_cases[_i].text, bad_cases[_i].len);
	snprintf(want, sizeof(want), "%s%s", t_path, bad_cases[_i].want);
	ck_assert_msg(param_load(t_path, 0, &err) == -1, "%s: loaded",
	    bad_cases[_i].name);
	ck_assert_msg(err != NULL && strcmp(err, want) == 0,
	    "%s: got \"%s\", want \"%s\"", bad_cases[_i].name, err, want);
	t_assert_defaults(bad_cases[_i].name);
}
END_TEST

/* A good load, then a bad one: the variables go back to the defaults. */
START_TEST(test_bad_after_good)
{
	const char *err = NULL;

	t_write("max_idle = 5\nmyhostname = mx\n", 0);
	ck_assert(param_load(t_path, 0, &err) == 0);
	ck_assert_int_eq(var_max_idle, 5);
	t_write("max_idle = 6\nmyhostname = mx2\ndebug = 2\n", 0);
	ck_assert(param_load(t_path, 0, &err) == -1);
	t_assert_defaults("bad after good");
}
END_TEST

/*
 * Long lines and values.
 */

START_TEST(test_long_lines)
{
	struct sbuf *sb = sbuf_new(0);
	char want[512];
	const char *err = NULL;
	size_t n;

	/* Exactly 4096 bytes before the newline: accepted. */
	sbuf_appends(sb, "myhostname = ");
	for (n = sbuf_len(sb); n < 4096; n++)
		sbuf_appendc(sb, 'x');
	sbuf_appends(sb, "\n");
	t_write(sbuf_str(sb), 0);
	ck_assert_msg(param_load(t_path, 0, &err) == 0, "4096: %s", err);
	ck_assert_uint_eq(strlen(var_myhostname), 4096 - 13);

	/* 4097: refused, and so without a newline at the end. */
	sbuf_truncate(sb, 4096);
	sbuf_appends(sb, "y\n");
	t_write(sbuf_str(sb), 0);
	snprintf(want, sizeof(want), "%s:1: line longer than 4096 bytes",
	    t_path);
	ck_assert(param_load(t_path, 0, &err) == -1);
	ck_assert_str_eq(err, want);
	sbuf_truncate(sb, 4097);
	t_write(sbuf_str(sb), 0);
	ck_assert(param_load(t_path, 0, &err) == -1);
	ck_assert_str_eq(err, want);
	t_assert_defaults("4097");

	/* A long comment on line 2 is refused too. */
	sbuf_set(sb, "max_idle = 5\n#");
	for (n = 0; n < 5000; n++)
		sbuf_appendc(sb, ' ');
	sbuf_appends(sb, "\n");
	t_write(sbuf_str(sb), 0);
	snprintf(want, sizeof(want), "%s:2: line longer than 4096 bytes",
	    t_path);
	ck_assert(param_load(t_path, 0, &err) == -1);
	ck_assert_str_eq(err, want);

	/* Continuation lines may add up to 65536 bytes, not more. */
	sbuf_set(sb, "myhostname = a\n");
	for (n = 0; n < 16; n++) {
		sbuf_appendc(sb, ' ');
		for (size_t j = 0; j < 4000; j++)
			sbuf_appendc(sb, 'x');
		sbuf_appendc(sb, '\n');
	}
	t_write(sbuf_str(sb), 0);
	ck_assert_msg(param_load(t_path, 0, &err) == 0, "64000: %s", err);
	ck_assert_uint_eq(strlen(var_myhostname), 1 + 16 * 4001);
	for (n = 0; n < 2; n++) {
		sbuf_appendc(sb, ' ');
		for (size_t j = 0; j < 4000; j++)
			sbuf_appendc(sb, 'x');
		sbuf_appendc(sb, '\n');
	}
	t_write(sbuf_str(sb), 0);
	snprintf(want, sizeof(want), "%s:1: value longer than 65536 bytes",
	    t_path);
	ck_assert(param_load(t_path, 0, &err) == -1);
	ck_assert_str_eq(err, want);
	sbuf_free(&sb);
}
END_TEST

START_TEST(test_long_expansion)
{
	struct sbuf *sb = sbuf_new(0);
	char want[512];
	const char *err = NULL;
	int n;

	/* 17 x 4000 bytes > 65536. */
	sbuf_appends(sb, "myhostname = ");
	for (n = 0; n < 4000; n++)
		sbuf_appendc(sb, 'x');
	sbuf_appends(sb, "\nmail_owner = ");
	for (n = 0; n < 17; n++)
		sbuf_appends(sb, "$myhostname");
	sbuf_appends(sb, "\n");
	t_write(sbuf_str(sb), 0);
	snprintf(want, sizeof(want), "%s:2: mail_owner: value longer than "
	    "65536 bytes after $ expansion", t_path);
	ck_assert(param_load(t_path, 0, &err) == -1);
	ck_assert_str_eq(err, want);

	/*
	 * Doubling at each step would reach 2^20 copies; memoised
	 * expansion stops at the cap quickly.
	 */
	t_write("myhostname = $mail_owner$mail_owner\n"
	    "mail_owner = $admin_group$admin_group\n"
	    "admin_group = $syslog_facility$syslog_facility\n"
	    "syslog_facility = $tls_cert_file$tls_cert_file\n"
	    "tls_cert_file = $tls_key_file$tls_key_file\n"
	    "tls_key_file = $pid_file$pid_file\n"
	    "pid_file = $control_socket$control_socket\n"
	    "control_socket = $queue_dir$queue_dir\n"
	    "queue_dir = $daemon_directory$daemon_directory\n"
	    "daemon_directory = $mail_dir$mail_dir\n"
	    "mail_dir = $registry_dir$registry_dir\n"
	    "registry_dir = $state_directory$state_directory\n"
	    "state_directory = 0123456789012345678901234567890123456789\n",
	    0);
	ck_assert(param_load(t_path, 0, &err) == -1);
	ck_assert_msg(strstr(err, "value longer than 65536 bytes after $ "
	    "expansion") != NULL, "got %s", err);
	sbuf_free(&sb);
}
END_TEST

/*
 * Missing and odd files.
 */

START_TEST(test_missing)
{
	char path[sizeof(t_dir) + 32], want[512];
	const char *err = NULL;

	snprintf(path, sizeof(path), "%s/nosuch.conf", t_dir);
	ck_assert_int_eq(param_load(path, 1, &err), 0);
	t_assert_defaults("missing ok");

	ck_assert_int_eq(param_load(path, 0, &err), -1);
	snprintf(want, sizeof(want), "%s: cannot read: No such file or "
	    "directory", path);
	ck_assert_str_eq(err, want);
	t_assert_defaults("missing");

	/* A directory is not a configuration file, even with missing_ok. */
	ck_assert_int_eq(param_load(t_dir, 1, &err), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", t_dir);
	ck_assert_str_eq(err, want);
}
END_TEST

/*
 * param_set(), param_check_value(), param_value().
 */

START_TEST(test_set)
{
	const char *err = NULL;

	param_defaults();
	ck_assert_int_eq(param_set("myhostname", " $mail_owner.example ",
	    &err), 0);
	ck_assert_str_eq(var_myhostname, "estuary.example");
	ck_assert(param_is_set(t_row("myhostname")));
	ck_assert_str_eq(param_raw(t_row("myhostname")), "$mail_owner.example");

	/* Against current values: a later change does not follow. */
	ck_assert_int_eq(param_set("mail_owner", "o", &err), 0);
	ck_assert_str_eq(var_myhostname, "estuary.example");

	/* Self reference takes the current value. */
	ck_assert_int_eq(param_set("myhostname", "$myhostname.x", &err), 0);
	ck_assert_str_eq(var_myhostname, "estuary.example.x");

	ck_assert_int_eq(param_set("max_idle", "$stop_timeout", &err), 0);
	ck_assert_int_eq(var_max_idle, 30);
	ck_assert_int_eq(param_set("registry_cache_size", "1G", &err), 0);
	ck_assert_int_eq(param_set("myhostname", "$registry_cache_size",
	    &err), 0);
	ck_assert_str_eq(var_myhostname, "1G");

	ck_assert_int_eq(param_set("nosuch", "1", &err), -1);
	ck_assert_str_eq(err, "unknown parameter \"nosuch\"");
	ck_assert_int_eq(param_set("max_idle", "0", &err), -1);
	ck_assert_str_eq(err, "max_idle: 0 is out of range (1s..86400s)");
	ck_assert_int_eq(var_max_idle, 30);
	ck_assert_int_eq(param_set("myhostname", "$nosuch", &err), -1);
	ck_assert_str_eq(err, "myhostname: reference to unknown parameter "
	    "$nosuch");
	ck_assert_str_eq(var_myhostname, "1G");
	ck_assert_int_eq(param_set("debug", "perhaps", &err), -1);
	ck_assert_str_eq(err,
	    "debug: \"perhaps\" is not a boolean (yes or no)");
	ck_assert_int_eq(param_set("myhostname", "${x", &err), -1);
	ck_assert_str_eq(err, "myhostname: missing } after ${ (write $$ for "
	    "a $)");

	/* A load forgets what param_set() did. */
	param_defaults();
	ck_assert(!param_is_set(t_row("myhostname")));
	ck_assert_str_eq(var_myhostname, "localhost");
}
END_TEST

START_TEST(test_check_value)
{
	const char *err = NULL;

	param_defaults();
	ck_assert_int_eq(param_check_value(t_row("max_idle"), "5m", &err), 0);
	ck_assert_int_eq(var_max_idle, 100);
	ck_assert(!param_is_set(t_row("max_idle")));
	ck_assert_int_eq(param_check_value(t_row("max_idle"), "0", &err), -1);
	ck_assert_str_eq(err, "max_idle: 0 is out of range (1s..86400s)");
	ck_assert_int_eq(param_check_value(t_row("myhostname"), "$x", &err),
	    -1);
	ck_assert_str_eq(err, "myhostname: reference to unknown parameter $x");
	ck_assert_int_eq(param_check_value(t_row("myhostname"), "a$$b", &err),
	    0);
	ck_assert_str_eq(var_myhostname, "localhost");
	ck_assert_int_eq(param_check_value(t_row("registry_cache_size"),
	    "128k", &err), -1);
	ck_assert_str_eq(err, "registry_cache_size: 128k is out of range "
	    "(256k..4G)");
	ck_assert_int_eq(param_check_value(t_row("debug"), "off", &err), 0);
	ck_assert_int_eq(param_check_value(t_row("default_idle_min"), "1001",
	    &err), -1);
	ck_assert_str_eq(err, "default_idle_min: 1001 is out of range "
	    "(0..1000)");
}
END_TEST

static const char *const round_samples[] = {
	"0", "1", "7", "16", "100", "1000", "10000", "86400", "1000000",
	"100000", "5m", "1h", "1d", "1w", "90m", "256k", "1536k", "4096k",
	"2G", "4G", "4294967296", "262145", "yes", "no", "ON", "0",
	"mx.example.test", "a$$b", "$$", "", "/var/x y", "$mail_owner",
};

#define ROUND_SAMPLES	(sizeof(round_samples) / sizeof(round_samples[0]))

/* Whatever param_value() prints reads back as the same value. */
START_TEST(test_round_trip)
{
	const struct param_def *def;
	const char *err = NULL;
	char *first;
	size_t s;
	int i;

	for (i = 0; param_table[i].name != NULL; i++) {
		def = &param_table[i];
		for (s = 0; s < ROUND_SAMPLES; s++) {
			param_defaults();
			if (param_set(def->name, round_samples[s], &err) < 0)
				continue;
			first = xstrdup(param_value(def));
			ck_assert_msg(param_set(def->name, first, &err) == 0,
			    "%s = %s: value \"%s\" refused: %s", def->name,
			    round_samples[s], first, err);
			ck_assert_msg(strcmp(param_value(def), first) == 0,
			    "%s = %s: got \"%s\", want \"%s\"", def->name,
			    round_samples[s], param_value(def), first);
			free(first);
		}
		/* And the default. */
		param_defaults();
		first = xstrdup(param_value(def));
		ck_assert_msg(param_set(def->name, first, &err) == 0,
		    "%s default \"%s\" refused: %s", def->name, first, err);
		ck_assert_str_eq(param_value(def), first);
		free(first);
	}

	/* The variable itself survives the trip. */
	param_defaults();
	ck_assert_int_eq(param_set("myhostname", "a$$b$$", &err), 0);
	ck_assert_str_eq(var_myhostname, "a$b$");
	ck_assert_str_eq(t_value("myhostname"), "a$$b$$");
	first = xstrdup(t_value("myhostname"));
	ck_assert_int_eq(param_set("myhostname", first, &err), 0);
	ck_assert_str_eq(var_myhostname, "a$b$");
	free(first);
	ck_assert_int_eq(param_set("registry_cache_size", "1536k", &err), 0);
	ck_assert(var_registry_cache_size == 1536 * 1024);
	ck_assert_int_eq(param_set("registry_cache_size",
	    t_value("registry_cache_size"), &err), 0);
	ck_assert(var_registry_cache_size == 1536 * 1024);
}
END_TEST

/*
 * The shipped configuration and manual document every row.
 */

/* t_confsrc - the conf/ directory of the source tree */
static const char *
t_confsrc(void)
{
	static char dir[4096];
	const char *s;

	if ((s = getenv("ESTUARY_CONFSRC")) != NULL && *s != '\0')
		return (s);
	if ((s = getenv("srcdir")) != NULL && *s != '\0') {
		snprintf(dir, sizeof(dir), "%s/../conf", s);
		return (dir);
	}
	return ("../conf");
}

/* t_slurp - the whole of conf/name, with roff's \- made plain */
static char *
t_slurp(const char *name)
{
	char path[4200];
	struct sbuf *sb = sbuf_new(0);
	char buf[4096], *s;
	size_t n, i, j;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", t_confsrc(), name);
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "cannot open %s (set ESTUARY_CONFSRC)", path);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		sbuf_append(sb, buf, n);
	fclose(fp);
	s = xstrdup(sbuf_str(sb));
	sbuf_free(&sb);
	for (i = j = 0; s[i]; i++) {
		if (s[i] == '\\' && s[i + 1] == '-')
			i++;
		s[j++] = s[i];
	}
	s[j] = '\0';
	return (s);
}

/* t_path_default - a default that depends on configure's directories */
static int
t_path_default(const struct param_def *def)
{
	return (def->def[0] == '/');
}

START_TEST(test_man_page)
{
	const struct param_def *def = &param_table[_i];
	char *man = t_slurp("estuary.conf.5"), *entry, *end, want[256];

	snprintf(want, sizeof(want), "\n.TP\n.B %s\n", def->name);
	entry = strstr(man, want);
	ck_assert_msg(entry != NULL, "%s: no \".TP/.B %s\" entry in "
	    "estuary.conf.5", def->name, def->name);
	entry += strlen(want);
	if ((end = strstr(entry, "\n.TP")) != NULL)
		*end = '\0';
	if ((end = strstr(entry, "\n.S")) != NULL)
		*end = '\0';
	if (def->def[0] == '\0')
		ck_assert_msg(strstr(entry, "default empty") != NULL,
		    "%s: entry does not say \"default empty\"", def->name);
	else if (!t_path_default(def))
		ck_assert_msg(strstr(entry, def->def) != NULL,
		    "%s: entry does not give the default %s", def->name,
		    def->def);
	free(man);
}
END_TEST

START_TEST(test_sample_conf)
{
	const struct param_def *def = &param_table[_i];
	char *conf = t_slurp("estuary.conf"), *line, *eol, want[256];
	size_t n;

	n = (size_t)snprintf(want, sizeof(want), "\n#%s =", def->name);
	line = strstr(conf, want);
	ck_assert_msg(line != NULL, "%s: no \"#%s =\" line in estuary.conf",
	    def->name, def->name);
	line += n;
	if ((eol = strchr(line, '\n')) != NULL)
		*eol = '\0';
	if (*line == ' ')
		line++;
	if (!t_path_default(def))
		ck_assert_msg(strcmp(line, def->def) == 0,
		    "%s: estuary.conf says \"%s\", want \"%s\"", def->name,
		    line, def->def);
	free(conf);
}
END_TEST

/* The sample loads and, all commented out, sets nothing. */
START_TEST(test_sample_loads)
{
	char path[4200];
	const char *err = NULL;

	snprintf(path, sizeof(path), "%s/estuary.conf", t_confsrc());
	ck_assert_msg(param_load(path, 0, &err) == 0, "%s", err);
	t_assert_defaults("sample");
}
END_TEST

/* param_suite - every test case */
static Suite *
param_suite(void)
{
	Suite *s = suite_create("param");
	TCase *tc;
	int rows;

	for (rows = 0; param_table[rows].name != NULL; rows++)
		continue;

	tc = tcase_create("defaults");
	tcase_add_test(tc, test_defaults);
	tcase_add_loop_test(tc, test_default_text, 0, rows);
	tcase_add_test(tc, test_find);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_unchecked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_load_good, 0,
	    sizeof(good_cases) / sizeof(good_cases[0]));
	tcase_add_test(tc, test_load_vars);
	tcase_add_test(tc, test_continuation_raw);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_unchecked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_load_bad, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_bad_after_good);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_unchecked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_long_lines);
	tcase_add_test(tc, test_long_expansion);
	tcase_add_test(tc, test_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("set");
	tcase_add_test(tc, test_set);
	tcase_add_test(tc, test_check_value);
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);

	tc = tcase_create("documented");
	tcase_add_loop_test(tc, test_man_page, 0, rows);
	tcase_add_loop_test(tc, test_sample_conf, 0, rows);
	tcase_add_test(tc, test_sample_loads);
	suite_add_tcase(s, tc);
	return (s);
}

/* main - run the suite; non-zero exit if a test failed */
int
main(void)
{
	SRunner *sr = srunner_create(param_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? 1 : 0);
}
