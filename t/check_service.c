/*
 * check_service - unit tests for common/service.c and the shipped
 * services.conf.
 *
 * Lines are parsed from memory with service_table_parse() against the
 * parameter defaults; service_table_load() gets files in a private
 * temporary directory (made and removed by an unchecked fixture) for the
 * cases only a file can hold: NUL bytes, a missing file, a huge one.
 */
#include "config.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <check.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "param_table.h"
#include "sbuf.h"
#include "service.h"

#define T_NAME	"services.conf"

static char t_dir[] = "/tmp/check_service.XXXXXX";
static char t_path[sizeof(t_dir) + 32];

/* t_setup - make the temporary directory */
static void
t_setup(void)
{
	memcpy(t_dir, "/tmp/check_service.XXXXXX", sizeof(t_dir));
	if (mkdtemp(t_dir) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(t_path, sizeof(t_path), "%s/services.conf", t_dir);
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

/* t_params - the parameter defaults, which the parser reads */
static void
t_params(void)
{
	param_defaults();
}

/* t_write - put len bytes into t_path */
static void
t_write(const char *text, size_t len)
{
	FILE *fp = fopen(t_path, "w");

	ck_assert_msg(fp != NULL, "cannot create %s", t_path);
	ck_assert(fwrite(text, 1, len, fp) == len);
	ck_assert(fclose(fp) == 0);
}

/* t_under_run - var_run_dir/rel in a static buffer */
static const char *
t_under_run(const char *rel)
{
	static char buf[4200];

	snprintf(buf, sizeof(buf), "%s/%s", var_run_dir, rel);
	return (buf);
}

/* t_join_addrs - a service's address texts joined by ',' */
static const char *
t_join_addrs(const struct service_def *sd)
{
	static char buf[SERVICE_LISTEN_MAX * 81];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < sd->addr_count; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? "," : "", sd->addrs[i].text);
	return (buf);
}

/* t_join_args - a service's arguments joined by ' ' */
static const char *
t_join_args(const struct service_def *sd)
{
	static char buf[4200];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < sd->argc; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    i ? " " : "", sd->args[i]);
	return (buf);
}

/*
 * Lines that parse. path: NULL for none, "/..." exact, else under run_dir;
 * "=ctl" is control_socket.
 */

static const struct {
	const char *name, *text, *svc;
	enum service_type type;
	const char *addrs, *path;
	int	limit, idle, max_use;
	const char *program, *args;
} good_cases[] = {
	{ "v4", "smtp inet 127.0.0.1:25 100 1 100 smtpd", "smtp",
	    SERVICE_INET, "127.0.0.1:25", NULL, 100, 1, 100, "smtpd", "" },
	{ "v6", "smtp inet [::1]:2525 10 0 5 smtpd", "smtp",
	    SERVICE_INET, "[::1]:2525", NULL, 10, 0, 5, "smtpd", "" },
	{ "v6 long form", "smtp inet [0:0:0:0:0:0:0:1]:25 1 1 1 smtpd",
	    "smtp", SERVICE_INET, "[::1]:25", NULL, 1, 1, 1, "smtpd", "" },
	{ "v4 mapped", "smtp inet [::ffff:127.0.0.1]:25 1 1 1 smtpd",
	    "smtp", SERVICE_INET, "[::ffff:127.0.0.1]:25", NULL, 1, 1, 1,
	    "smtpd", "" },
	{ "wildcard", "smtp inet *:25 - - - smtpd", "smtp", SERVICE_INET,
	    "0.0.0.0:25,[::]:25", NULL, 100, 1, 100, "smtpd", "" },
	{ "bare port", "pop3 inet 110 - - - pop3d", "pop3", SERVICE_INET,
	    "0.0.0.0:110,[::]:110", NULL, 100, 1, 100, "pop3d", "" },
	{ "list", "smtp inet 127.0.0.1:25,[::1]:25,*:587 2 2 2 smtpd",
	    "smtp", SERVICE_INET,
	    "127.0.0.1:25,[::1]:25,0.0.0.0:587,[::]:587", NULL, 2, 2, 2,
	    "smtpd", "" },
	{ "eight", "smtp inet *:1,*:2,*:3,*:65535 1 0 1 smtpd", "smtp",
	    SERVICE_INET, "0.0.0.0:1,[::]:1,0.0.0.0:2,[::]:2,0.0.0.0:3,[::]:3,"
	    "0.0.0.0:65535,[::]:65535", NULL, 1, 0, 1, "smtpd", "" },
	{ "any v4", "smtp inet 0.0.0.0:25 1 1 1 smtpd", "smtp",
	    SERVICE_INET, "0.0.0.0:25", NULL, 1, 1, 1, "smtpd", "" },
	{ "args", "submission inet 127.0.0.1:587 - - - smtpd -o submission",
	    "submission", SERVICE_INET, "127.0.0.1:587", NULL, 100, 1, 100,
	    "smtpd", "-o submission" },
	{ "sixteen args", "s inet 1 1 1 1 p a b c d e f g h i j k l m n o p",
	    "s", SERVICE_INET, "0.0.0.0:1,[::]:1", NULL, 1, 1, 1, "p",
	    "a b c d e f g h i j k l m n o p" },
	{ "unix relative", "sync unix private/sync 1 1 1 syncd", "sync",
	    SERVICE_UNIX, "", "private/sync", 1, 1, 1, "syncd", "" },
	{ "unix absolute", "sync unix /tmp/x.sock 1 1 1 syncd", "sync",
	    SERVICE_UNIX, "", "/tmp/x.sock", 1, 1, 1, "syncd", "" },
	{ "control", "control control - 4 1 100 admind", "control",
	    SERVICE_CONTROL, "", "=ctl", 4, 1, 100, "admind", "" },
	{ "control path", "control control ctl.sock 4 1 100 admind",
	    "control", SERVICE_CONTROL, "", "ctl.sock", 4, 1, 100, "admind",
	    "" },
	{ "blanks", "  smtp\tinet \t127.0.0.1:25\t1  1\t1 smtpd  x\r",
	    "smtp", SERVICE_INET, "127.0.0.1:25", NULL, 1, 1, 1, "smtpd",
	    "x" },
	{ "comments", "# c\n\n   # c2\n\t\nsmtp inet 127.0.0.1:25 1 1 1 smtpd\n"
	    "# after\n", "smtp", SERVICE_INET, "127.0.0.1:25", NULL, 1, 1, 1,
	    "smtpd", "" },
	{ "name one char", "a inet 1 1 1 1 p", "a", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 1, 1, 1, "p", "" },
	{ "name 32", "abcdefghijklmnopqrstuvwxyz012345 inet 1 1 1 1 p",
	    "abcdefghijklmnopqrstuvwxyz012345", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 1, 1, 1, "p", "" },
	{ "name chars", "my-svc_2 inet 1 1 1 1 p", "my-svc_2", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 1, 1, 1, "p", "" },
	{ "program chars", "s inet 1 1 1 1 smtpd.v2-X_y", "s", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 1, 1, 1, "smtpd.v2-X_y", "" },
	{ "limits", "s inet 1 10000 1000 1000000 p", "s", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 10000, 1000, 1000000, "p", "" },
	{ "idle zero", "s inet 1 - 0 - p", "s", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 100, 0, 100, "p", "" },
	{ "idle is limit", "s inet 1 5 5 - p", "s", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 5, 5, 100, "p", "" },
	{ "arg with slash", "s inet 1 1 1 1 p /etc/x", "s", SERVICE_INET,
	    "0.0.0.0:1,[::]:1", NULL, 1, 1, 1, "p", "/etc/x" },
};

START_TEST(test_good)
{
	struct service_table tab;
	const struct service_def *sd;
	const char *err = NULL, *want_path, *path;
	const char *name = good_cases[_i].name;

	ck_assert_msg(service_table_parse(T_NAME, good_cases[_i].text, &tab,
	    &err) == 0, "%s: error %s", name, err);
	ck_assert_msg(tab.count == 1, "%s: got %d services, want 1", name,
	    tab.count);
	sd = service_find(&tab, good_cases[_i].svc);
	ck_assert_msg(sd != NULL, "%s: no service %s", name,
	    good_cases[_i].svc);
	ck_assert_msg(sd->type == good_cases[_i].type, "%s: type %s", name,
	    service_type_name(sd->type));
	ck_assert_msg(strcmp(t_join_addrs(sd), good_cases[_i].addrs) == 0,
	    "%s: addresses \"%s\", want \"%s\"", name, t_join_addrs(sd),
	    good_cases[_i].addrs);
	want_path = good_cases[_i].path;
	if (want_path != NULL && strcmp(want_path, "=ctl") == 0)
		want_path = var_control_socket;
	else if (want_path != NULL && want_path[0] != '/')
		want_path = t_under_run(want_path);
	path = sd->path ? sd->path : "(null)";
	ck_assert_msg(want_path == NULL ? sd->path == NULL :
	    strcmp(path, want_path) == 0, "%s: path %s, want %s", name, path,
	    want_path ? want_path : "(null)");
	ck_assert_msg(sd->process_limit == good_cases[_i].limit,
	    "%s: limit %d, want %d", name, sd->process_limit,
	    good_cases[_i].limit);
	ck_assert_msg(sd->idle_min == good_cases[_i].idle,
	    "%s: idle %d, want %d", name, sd->idle_min, good_cases[_i].idle);
	ck_assert_msg(sd->max_use == good_cases[_i].max_use,
	    "%s: max_use %d, want %d", name, sd->max_use,
	    good_cases[_i].max_use);
	ck_assert_msg(strcmp(sd->program, good_cases[_i].program) == 0,
	    "%s: program %s, want %s", name, sd->program,
	    good_cases[_i].program);
	ck_assert_msg(strcmp(t_join_args(sd), good_cases[_i].args) == 0,
	    "%s: args \"%s\", want \"%s\"", name, t_join_args(sd),
	    good_cases[_i].args);
	ck_assert_msg(sd->args[sd->argc] == NULL, "%s: args not terminated",
	    name);
	ck_assert_msg(sd->listen != NULL, "%s: no listen text", name);
	if (sd->type == SERVICE_CONTROL && strcmp(good_cases[_i].path,
	    "=ctl") == 0)
		ck_assert_str_eq(sd->listen, var_control_socket);
	service_table_free(&tab);
	ck_assert_int_eq(tab.count, 0);
	ck_assert(tab.defs == NULL);
}
END_TEST

/*
 * Lines that do not parse: the reason after "services.conf:".
 */

static const struct {
	const char *name, *text, *want;
} bad_cases[] = {
	{ "six columns", "smtp inet 127.0.0.1:25 100 1 100", "1: too few "
	    "columns (want name type listen limit idle max_use program "
	    "[args])" },
	{ "one column", "smtp", "1: too few columns (want name type listen "
	    "limit idle max_use program [args])" },
	{ "seventeen args", "s inet 1 1 1 1 p a b c d e f g h i j k l m n o p "
	    "q", "1: more than 16 arguments" },
	{ "many args", "s inet 1 1 1 1 p a b c d e f g h i j k l m n o p q r "
	    "s t u v w x y z", "1: more than 16 arguments" },
	{ "upper name", "Smtp inet 1 1 1 1 p", "1: bad service name "
	    "\"Smtp\" (want 1 to 32 of a-z 0-9 _ -)" },
	{ "name 33", "abcdefghijklmnopqrstuvwxyz0123456 inet 1 1 1 1 p",
	    "1: bad service name \"abcdefghijklmnopqrstuvwxyz0123456\" (want "
	    "1 to 32 of a-z 0-9 _ -)" },
	{ "name dot", "sm.tp inet 1 1 1 1 p", "1: bad service name "
	    "\"sm.tp\" (want 1 to 32 of a-z 0-9 _ -)" },
	{ "name control char", "s\001 inet 1 1 1 1 p", "1: bad service name "
	    "\"s?\" (want 1 to 32 of a-z 0-9 _ -)" },
	{ "type", "smtp tcp 1 1 1 1 p", "1: unknown type \"tcp\" (want inet, "
	    "unix or control)" },
	{ "type case", "smtp INET 1 1 1 1 p", "1: unknown type \"INET\" "
	    "(want inet, unix or control)" },
	{ "port 0", "s inet 127.0.0.1:0 1 1 1 p", "1: \"127.0.0.1:0\": port "
	    "0 is out of range (1..65535)" },
	{ "port 65536", "s inet 127.0.0.1:65536 1 1 1 p",
	    "1: \"127.0.0.1:65536\": port 65536 is out of range (1..65535)" },
	{ "port huge", "s inet [::1]:99999999999999999999 1 1 1 p",
	    "1: \"[::1]:99999999999999999999\": port 99999999999999999999 is "
	    "out of range (1..65535)" },
	{ "port abc", "s inet 127.0.0.1:abc 1 1 1 p", "1: \"127.0.0.1:abc\": "
	    "bad port \"abc\" (want 1..65535)" },
	{ "port sign", "s inet 127.0.0.1:+25 1 1 1 p", "1: \"127.0.0.1:+25\": "
	    "bad port \"+25\" (want 1..65535)" },
	{ "port empty", "s inet 127.0.0.1: 1 1 1 p", "1: \"127.0.0.1:\": bad "
	    "port \"\" (want 1..65535)" },
	{ "bare port 0", "s inet 0 1 1 1 p", "1: \"0\": port 0 is out of "
	    "range (1..65535)" },
	{ "bare word", "s inet abc 1 1 1 p", "1: \"abc\": bad port \"abc\" "
	    "(want 1..65535)" },
	{ "host only", "s inet 127.0.0.1 1 1 1 p", "1: \"127.0.0.1\": bad "
	    "port \"127.0.0.1\" (want 1..65535)" },
	{ "hostname", "s inet localhost:25 1 1 1 p", "1: \"localhost:25\": "
	    "host \"localhost\" is not a numeric address (no DNS here)" },
	{ "fqdn", "s inet mail.example.test:25 1 1 1 p",
	    "1: \"mail.example.test:25\": host \"mail.example.test\" is not "
	    "a numeric address (no DNS here)" },
	{ "short v4", "s inet 1.2.3:25 1 1 1 p", "1: \"1.2.3:25\": host "
	    "\"1.2.3\" is not a numeric address (no DNS here)" },
	{ "v4 overflow", "s inet 256.0.0.1:25 1 1 1 p", "1: \"256.0.0.1:25\": "
	    "host \"256.0.0.1\" is not a numeric address (no DNS here)" },
	{ "v6 no brackets", "s inet ::1:25 1 1 1 p", "1: \"::1:25\": an IPv6 "
	    "address needs brackets, as in [::1]:25" },
	{ "v6 open bracket", "s inet [::1:25 1 1 1 p", "1: \"[::1:25\": bad "
	    "brackets (want [IPV6]:PORT)" },
	{ "v6 zone", "s inet [fe80::1%eth0]:25 1 1 1 p",
	    "1: \"[fe80::1%eth0]:25\": host \"fe80::1%eth0\" is not a numeric "
	    "address (no DNS here)" },
	{ "v4 in brackets", "s inet [127.0.0.1]:25 1 1 1 p",
	    "1: \"[127.0.0.1]:25\": only an IPv6 address goes in brackets" },
	{ "empty host", "s inet :25 1 1 1 p", "1: \":25\": bad host (want a "
	    "numeric address or *)" },
	{ "empty entry", "s inet 127.0.0.1:25, 1 1 1 p", "1: empty address "
	    "in \"127.0.0.1:25,\"" },
	{ "empty first", "s inet ,127.0.0.1:25 1 1 1 p", "1: empty address "
	    "in \",127.0.0.1:25\"" },
	{ "same twice", "s inet 127.0.0.1:25,127.0.0.1:25 1 1 1 p",
	    "1: listen address 127.0.0.1:25 given twice" },
	{ "wildcard and any", "s inet *:25,0.0.0.0:25 1 1 1 p",
	    "1: listen address 0.0.0.0:25 given twice" },
	{ "nine", "s inet *:1,*:2,*:3,*:4,127.0.0.1:5 1 1 1 p",
	    "1: more than 8 listen addresses" },
	{ "nine by wildcard", "s inet 127.0.0.1:5,*:1,*:2,*:3,*:4 1 1 1 p",
	    "1: more than 8 listen addresses" },
	{ "unix dash", "s unix - 1 1 1 p", "1: a unix service needs a socket "
	    "path, not -" },
	{ "limit 0", "s inet 1 0 0 1 p", "1: limit: 0 is out of range "
	    "(1..10000)" },
	{ "limit high", "s inet 1 10001 0 1 p", "1: limit: 10001 is out of "
	    "range (1..10000)" },
	{ "limit word", "s inet 1 abc 0 1 p", "1: limit: \"abc\" is not a "
	    "number or -" },
	{ "limit negative", "s inet 1 -1 0 1 p", "1: limit: \"-1\" is not a "
	    "number or -" },
	{ "limit dashes", "s inet 1 -- 0 1 p", "1: limit: \"--\" is not a "
	    "number or -" },
	{ "idle high", "s inet 1 - 1001 1 p", "1: idle: 1001 is out of range "
	    "(0..1000)" },
	{ "idle word", "s inet 1 - x 1 p", "1: idle: \"x\" is not a number "
	    "or -" },
	{ "max_use 0", "s inet 1 - - 0 p", "1: max_use: 0 is out of range "
	    "(1..1000000)" },
	{ "max_use high", "s inet 1 - - 1000001 p", "1: max_use: 1000001 is "
	    "out of range (1..1000000)" },
	{ "idle above limit", "smtp inet 127.0.0.1:25 4 5 100 smtpd",
	    "1: idle 5 is above limit 4" },
	{ "idle above default", "smtp inet 127.0.0.1:25 4 - 100 smtpd",
	    NULL },	/* fine: default idle 1 */
	{ "program path", "s inet 1 1 1 1 /usr/sbin/smtpd", "1: program "
	    "\"/usr/sbin/smtpd\" must be a name under daemon_directory, not "
	    "a path" },
	{ "program up", "s inet 1 1 1 1 ../smtpd", "1: program \"../smtpd\" "
	    "must be a name under daemon_directory, not a path" },
	{ "program dotdot", "s inet 1 1 1 1 ..", "1: program \"..\": want a "
	    "name of A-Z a-z 0-9 _ . -" },
	{ "program dot", "s inet 1 1 1 1 .", "1: program \".\": want a name "
	    "of A-Z a-z 0-9 _ . -" },
	{ "program dollar", "s inet 1 1 1 1 smtp$d", "1: program \"smtp$d\": "
	    "want a name of A-Z a-z 0-9 _ . -" },
	{ "duplicate", "smtp inet 127.0.0.1:25 1 1 1 smtpd\n"
	    "smtp inet 127.0.0.1:26 1 1 1 smtpd\n",
	    "2: service smtp is already defined on line 1" },
	{ "two controls", "control control - 4 1 100 admind\n# x\n"
	    "ctl2 control /tmp/c2 4 1 100 admind\n", "3: a second control "
	    "service (the first is control on line 1)" },
	{ "shared address", "smtp inet 127.0.0.1:25 1 1 1 smtpd\n"
	    "sub inet 127.0.0.1:587,127.0.0.1:25 1 1 1 smtpd\n",
	    "2: listen address 127.0.0.1:25 is already used by service smtp" },
	{ "shared wildcard", "smtp inet [::]:25 1 1 1 smtpd\n"
	    "sub inet 25 1 1 1 smtpd\n",
	    "2: listen address [::]:25 is already used by service smtp" },
	{ "shared path", "x unix /tmp/s1 1 1 1 p\ny unix /tmp/s1 1 1 1 p\n",
	    "2: socket path /tmp/s1 is already used by service x" },
	{ "error line", "# one\n\nsmtp inet 127.0.0.1:25 1 1 1 smtpd\n"
	    "  bad\n", "4: too few columns (want name type listen limit idle "
	    "max_use program [args])" },
};

START_TEST(test_bad)
{
	struct service_table tab = { NULL, 0 };
	char want[1024];
	const char *err = NULL;
	int ret;

	ret = service_table_parse(T_NAME, bad_cases[_i].text, &tab, &err);
	if (bad_cases[_i].want == NULL) {
		ck_assert_msg(ret == 0, "%s: error %s", bad_cases[_i].name,
		    err);
		service_table_free(&tab);
		return;
	}
	snprintf(want, sizeof(want), T_NAME ":%s", bad_cases[_i].want);
	ck_assert_msg(ret == -1, "%s: parsed", bad_cases[_i].name);
	ck_assert_msg(err != NULL && strcmp(err, want) == 0,
	    "%s: got \"%s\", want \"%s\"", bad_cases[_i].name, err, want);
	ck_assert_msg(tab.count == 0 && tab.defs == NULL,
	    "%s: table not empty after an error", bad_cases[_i].name);
}
END_TEST

/* Each line of a longer table lands in the right row. */
START_TEST(test_table)
{
	struct service_table tab;
	const struct service_def *sd;
	const char *err = NULL;

	ck_assert_int_eq(service_table_parse(T_NAME,
	    "# services\n"
	    "smtp      inet     *:25            100 1 100 smtpd\n"
	    "\n"
	    "submission inet    127.0.0.1:587   -   - -   smtpd -o submission\n"
	    "sync      unix     private/sync    1   1 1   syncd\n"
	    "control   control  -               4   1 100 admind\n",
	    &tab, &err), 0);
	ck_assert_int_eq(tab.count, 4);
	ck_assert_str_eq(tab.defs[0].name, "smtp");
	ck_assert_int_eq(tab.defs[0].line, 2);
	ck_assert_str_eq(tab.defs[1].name, "submission");
	ck_assert_int_eq(tab.defs[1].line, 4);
	ck_assert_int_eq(tab.defs[2].line, 5);
	ck_assert_int_eq(tab.defs[3].line, 6);
	sd = service_find(&tab, "sync");
	ck_assert(sd == &tab.defs[2]);
	ck_assert_str_eq(sd->listen, "private/sync");
	ck_assert_str_eq(sd->path, t_under_run("private/sync"));
	ck_assert(service_find(&tab, "nosuch") == NULL);
	ck_assert(service_find(&tab, "") == NULL);
	ck_assert(service_find(&tab, "smt") == NULL);
	service_table_free(&tab);
	ck_assert(service_find(&tab, "smtp") == NULL);
	service_table_free(&tab);	/* twice is harmless */

	ck_assert_int_eq(service_table_parse(T_NAME, "", &tab, &err), 0);
	ck_assert_int_eq(tab.count, 0);
	ck_assert_int_eq(service_table_parse(T_NAME, "# only\n\n", &tab,
	    &err), 0);
	ck_assert_int_eq(tab.count, 0);
	service_table_free(&tab);
}
END_TEST

/* "-" follows the parameters, and idle above limit is caught there too. */
START_TEST(test_dash_defaults)
{
	struct service_table tab;
	const char *err = NULL;

	ck_assert_int_eq(param_set("default_process_limit", "7", &err), 0);
	ck_assert_int_eq(param_set("default_idle_min", "3", &err), 0);
	ck_assert_int_eq(param_set("default_max_use", "9", &err), 0);
	ck_assert_int_eq(param_set("control_socket", "/x/ctl", &err), 0);
	ck_assert_int_eq(param_set("run_dir", "/r/", &err), 0);
	ck_assert_int_eq(service_table_parse(T_NAME,
	    "s inet 1 - - - p\nu unix sock - 0 - p\n"
	    "control control - 1 1 1 admind\n", &tab, &err), 0);
	ck_assert_int_eq(tab.defs[0].process_limit, 7);
	ck_assert_int_eq(tab.defs[0].idle_min, 3);
	ck_assert_int_eq(tab.defs[0].max_use, 9);
	ck_assert_int_eq(tab.defs[1].idle_min, 0);
	ck_assert_str_eq(tab.defs[1].path, "/r/sock");
	ck_assert_str_eq(tab.defs[2].path, "/x/ctl");
	ck_assert_str_eq(tab.defs[2].listen, "/x/ctl");
	service_table_free(&tab);

	ck_assert_int_eq(param_set("default_idle_min", "8", &err), 0);
	ck_assert_int_eq(service_table_parse(T_NAME, "s inet 1 - - - p\n",
	    &tab, &err), -1);
	ck_assert_str_eq(err, T_NAME ":1: idle 8 is above limit 7");

	ck_assert_int_eq(param_set("control_socket", "rel.ctl", &err), 0);
	ck_assert_int_eq(service_table_parse(T_NAME,
	    "control control - 1 1 1 admind\n", &tab, &err), 0);
	ck_assert_str_eq(tab.defs[0].path, "/r/rel.ctl");
	service_table_free(&tab);

	ck_assert_int_eq(param_set("run_dir", "run", &err), 0);
	ck_assert_int_eq(service_table_parse(T_NAME, "u unix sock 1 1 1 p\n",
	    &tab, &err), -1);
	ck_assert_str_eq(err, T_NAME ":1: socket path run/sock is not "
	    "absolute (see run_dir)");
}
END_TEST

/* The longest path a sockaddr_un holds, and one byte more. */
START_TEST(test_unix_path_length)
{
	struct sockaddr_un sun;
	struct service_table tab;
	struct sbuf *path = sbuf_new(0), *line = sbuf_new(0);
	char want[1024];
	const char *err = NULL;
	size_t max = sizeof(sun.sun_path) - 1;

	sbuf_appends(path, "/tmp/");
	while (sbuf_len(path) < max)
		sbuf_appendc(path, 'a');
	sbuf_appendf(line, "u unix %s 1 1 1 p\n", sbuf_str(path));
	ck_assert_msg(service_table_parse(T_NAME, sbuf_str(line), &tab,
	    &err) == 0, "%zu bytes: %s", max, err);
	ck_assert_uint_eq(strlen(tab.defs[0].path), max);
	service_table_free(&tab);

	sbuf_appendc(path, 'a');
	sbuf_set(line, "");
	sbuf_appendf(line, "u unix %s 1 1 1 p\n", sbuf_str(path));
	ck_assert_int_eq(service_table_parse(T_NAME, sbuf_str(line), &tab,
	    &err), -1);
	snprintf(want, sizeof(want), T_NAME ":1: socket path %s is too long "
	    "(%zu bytes, at most %zu)", log_safe(sbuf_str(path)), max + 1, max);
	ck_assert_str_eq(err, want);

	/* Relative: run_dir counts. */
	sbuf_set(path, "");
	while (strlen(var_run_dir) + 1 + sbuf_len(path) <= max)
		sbuf_appendc(path, 'b');
	sbuf_set(line, "");
	sbuf_appendf(line, "u unix %s 1 1 1 p\n", sbuf_str(path));
	ck_assert_int_eq(service_table_parse(T_NAME, sbuf_str(line), &tab,
	    &err), -1);
	ck_assert_msg(strstr(err, "is too long (108 bytes, at most 107)") !=
	    NULL || sizeof(sun.sun_path) != 108, "got %s", err);
	sbuf_truncate(path, sbuf_len(path) - 1);
	sbuf_set(line, "");
	sbuf_appendf(line, "u unix %s 1 1 1 p\n", sbuf_str(path));
	ck_assert_msg(service_table_parse(T_NAME, sbuf_str(line), &tab,
	    &err) == 0, "relative at the limit: %s", err);
	ck_assert_str_eq(tab.defs[0].path, t_under_run(sbuf_str(path)));
	service_table_free(&tab);
	sbuf_free(&path);
	sbuf_free(&line);
}
END_TEST

START_TEST(test_long_line)
{
	struct service_table tab;
	struct sbuf *sb = sbuf_new(0);
	const char *err = NULL;

	/* 4096 bytes: fine (a long argument). */
	sbuf_appends(sb, "# c\ns inet 1 1 1 1 p ");
	while (sbuf_len(sb) < 4 + 4096)
		sbuf_appendc(sb, 'x');
	ck_assert_msg(service_table_parse(T_NAME, sbuf_str(sb), &tab, &err)
	    == 0, "4096: %s", err);
	ck_assert_uint_eq(strlen(tab.defs[0].args[0]), 4096 - 17);
	service_table_free(&tab);

	sbuf_appends(sb, "x\n");
	ck_assert_int_eq(service_table_parse(T_NAME, sbuf_str(sb), &tab,
	    &err), -1);
	ck_assert_str_eq(err, T_NAME ":2: line longer than 4096 bytes");
	sbuf_free(&sb);
}
END_TEST

/*
 * service_parse_inet() on its own.
 */

static const struct {
	const char *spec;
	int	ret, family, port;
	const char *text;
} inet_cases[] = {
	{ "127.0.0.1:25", 0, AF_INET, 25, "127.0.0.1:25" },
	{ "10.1.2.3:65535", 0, AF_INET, 65535, "10.1.2.3:65535" },
	{ "[::1]:2525", 0, AF_INET6, 2525, "[::1]:2525" },
	{ "[2001:DB8::1]:1", 0, AF_INET6, 1, "[2001:db8::1]:1" },
	{ "[::]:25", 0, AF_INET6, 25, "[::]:25" },
	{ "*:25", 0, AF_INET, 25, "0.0.0.0:25" },
	{ "25", 0, AF_INET, 25, "0.0.0.0:25" },
	{ "", -1, 0, 0, NULL },
	{ "*", -1, 0, 0, NULL },
	{ "*:", -1, 0, 0, NULL },
	{ "*:0", -1, 0, 0, NULL },
	{ "127.0.0.1:65536", -1, 0, 0, NULL },
	{ "127.0.0.1:abc", -1, 0, 0, NULL },
	{ "127.0.0.1:25x", -1, 0, 0, NULL },
	{ "127.0.0.1: 25", -1, 0, 0, NULL },
	{ "localhost:25", -1, 0, 0, NULL },
	{ "::1:25", -1, 0, 0, NULL },
	{ "[::1]", -1, 0, 0, NULL },
	{ "[::1]25", -1, 0, 0, NULL },
	{ "]::1[:25", -1, 0, 0, NULL },
	{ "[[::1]]:25", -1, 0, 0, NULL },
	{ "127.0.0.1:25,127.0.0.2:25", -1, 0, 0, NULL },
	{ "0x7f.1:25", -1, 0, 0, NULL },
	{ "[0000:0000:0000:0000:0000:0000:0000:0000:0000]:25", -1, 0, 0,
	    NULL },
};

START_TEST(test_inet)
{
	struct service_addr addr;
	const char *err = NULL;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&addr.ss;
	const struct sockaddr_in6 *sin6 =
	    (const struct sockaddr_in6 *)&addr.ss;
	int ret;

	ret = service_parse_inet(inet_cases[_i].spec, &addr, &err);
	ck_assert_msg(ret == inet_cases[_i].ret, "\"%s\": got %d, want %d (%s)",
	    inet_cases[_i].spec, ret, inet_cases[_i].ret,
	    ret < 0 ? err : addr.text);
	if (ret < 0) {
		ck_assert_msg(err != NULL && *err != '\0', "\"%s\": no error",
		    inet_cases[_i].spec);
		return;
	}
	ck_assert_str_eq(addr.text, inet_cases[_i].text);
	ck_assert_int_eq(addr.ss.ss_family, inet_cases[_i].family);
	if (inet_cases[_i].family == AF_INET) {
		ck_assert_uint_eq(addr.len, sizeof(struct sockaddr_in));
		ck_assert_int_eq(ntohs(sin->sin_port), inet_cases[_i].port);
	} else {
		ck_assert_uint_eq(addr.len, sizeof(struct sockaddr_in6));
		ck_assert_int_eq(ntohs(sin6->sin6_port), inet_cases[_i].port);
	}
}
END_TEST

/* The wildcard's two halves are real socket addresses. */
START_TEST(test_wildcard_addrs)
{
	struct service_table tab;
	const struct sockaddr_in *sin;
	const struct sockaddr_in6 *sin6;
	const char *err = NULL;

	ck_assert_int_eq(service_table_parse(T_NAME, "s inet *:2525 1 1 1 p",
	    &tab, &err), 0);
	ck_assert_int_eq(tab.defs[0].addr_count, 2);
	sin = (const struct sockaddr_in *)&tab.defs[0].addrs[0].ss;
	sin6 = (const struct sockaddr_in6 *)&tab.defs[0].addrs[1].ss;
	ck_assert_int_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(sin->sin_addr.s_addr, htonl(INADDR_ANY));
	ck_assert_int_eq(ntohs(sin->sin_port), 2525);
	ck_assert_uint_eq(tab.defs[0].addrs[0].len, sizeof(*sin));
	ck_assert_int_eq(sin6->sin6_family, AF_INET6);
	ck_assert(memcmp(&sin6->sin6_addr, &in6addr_any,
	    sizeof(in6addr_any)) == 0);
	ck_assert_int_eq(ntohs(sin6->sin6_port), 2525);
	ck_assert_uint_eq(tab.defs[0].addrs[1].len, sizeof(*sin6));
	service_table_free(&tab);
}
END_TEST

START_TEST(test_type_name)
{
	ck_assert_str_eq(service_type_name(SERVICE_INET), "inet");
	ck_assert_str_eq(service_type_name(SERVICE_UNIX), "unix");
	ck_assert_str_eq(service_type_name(SERVICE_CONTROL), "control");
}
END_TEST

/*
 * Files.
 */

START_TEST(test_load)
{
	struct service_table tab;
	struct sbuf *sb;
	char want[1024], path[sizeof(t_dir) + 32];
	const char *err = NULL;
	static const char text[] = "control control - 4 1 100 admind\n";

	t_write(text, sizeof(text) - 1);
	ck_assert_msg(service_table_load(t_path, &tab, &err) == 0, "%s", err);
	ck_assert_int_eq(tab.count, 1);
	ck_assert_str_eq(tab.defs[0].path, var_control_socket);
	service_table_free(&tab);

	/* NUL bytes, with the line they are on. */
	t_write("# a\ns inet 1 1 1 1 p\0x\n", 24);
	ck_assert_int_eq(service_table_load(t_path, &tab, &err), -1);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", t_path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(tab.count, 0);
	t_write("\0", 1);
	ck_assert_int_eq(service_table_load(t_path, &tab, &err), -1);
	snprintf(want, sizeof(want), "%s:1: NUL byte in line", t_path);
	ck_assert_str_eq(err, want);

	/* Errors name the file. */
	t_write("s inet 1 1 1 1 /p\n", 18);
	ck_assert_int_eq(service_table_load(t_path, &tab, &err), -1);
	snprintf(want, sizeof(want), "%s:1: program \"/p\" must be a name "
	    "under daemon_directory, not a path", t_path);
	ck_assert_str_eq(err, want);

	/* Missing, a directory, too big. */
	snprintf(path, sizeof(path), "%s/nosuch", t_dir);
	ck_assert_int_eq(service_table_load(path, &tab, &err), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
	    "directory", path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(service_table_load(t_dir, &tab, &err), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", t_dir);
	ck_assert_str_eq(err, want);
	sb = sbuf_new(2 * 1024 * 1024);
	while (sbuf_len(sb) <= 1024 * 1024)
		sbuf_appends(sb, "# comment comment comment comment comment\n");
	t_write(sbuf_str(sb), sbuf_len(sb));
	ck_assert_int_eq(service_table_load(t_path, &tab, &err), -1);
	snprintf(want, sizeof(want), "%s: file larger than 1048576 bytes",
	    t_path);
	ck_assert_str_eq(err, want);
	sbuf_free(&sb);
}
END_TEST

/* The shipped services.conf runs the control service. */
START_TEST(test_sample)
{
	struct service_table tab;
	const struct service_def *sd;
	char path[4200];
	const char *dir, *err = NULL;

	/* conf/ of the source tree, as t/Makefile.am exports it. */
	if ((dir = getenv("ESTUARY_CONFSRC")) != NULL && *dir != '\0')
		snprintf(path, sizeof(path), "%s/services.conf", dir);
	else if ((dir = getenv("srcdir")) != NULL && *dir != '\0')
		snprintf(path, sizeof(path), "%s/../conf/services.conf", dir);
	else
		snprintf(path, sizeof(path), "../conf/services.conf");
	ck_assert_msg(service_table_load(path, &tab, &err) == 0, "%s", err);
	ck_assert_int_eq(tab.count, 1);
	sd = service_find(&tab, "control");
	ck_assert(sd != NULL);
	ck_assert_int_eq(sd->type, SERVICE_CONTROL);
	ck_assert_str_eq(sd->listen, var_control_socket);
	ck_assert_str_eq(sd->path, var_control_socket);
	ck_assert_int_eq(sd->process_limit, 4);
	ck_assert_int_eq(sd->idle_min, 1);
	ck_assert_int_eq(sd->max_use, 100);
	ck_assert_str_eq(sd->program, "admind");
	ck_assert_int_eq(sd->argc, 0);
	service_table_free(&tab);
}
END_TEST

/* Parsing before the parameters are loaded is our own bug: a panic. */
START_TEST(test_no_params)
{
	struct service_table tab;
	const char *err = NULL;

	msg_open("check_service", MSG_DEST_STDERR, NULL);
	(void)service_table_parse(T_NAME, "s inet 1 1 1 1 p\n", &tab, &err);
}
END_TEST

/* service_suite - every test case */
static Suite *
service_suite(void)
{
	Suite *s = suite_create("service");
	TCase *tc;

	tc = tcase_create("lines");
	tcase_add_checked_fixture(tc, t_params, NULL);
	tcase_add_loop_test(tc, test_good, 0,
	    sizeof(good_cases) / sizeof(good_cases[0]));
	tcase_add_loop_test(tc, test_bad, 0,
	    sizeof(bad_cases) / sizeof(bad_cases[0]));
	tcase_add_test(tc, test_table);
	tcase_add_test(tc, test_dash_defaults);
	tcase_add_test(tc, test_unix_path_length);
	tcase_add_test(tc, test_long_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("addresses");
	tcase_add_loop_test(tc, test_inet, 0,
	    sizeof(inet_cases) / sizeof(inet_cases[0]));
	tcase_add_checked_fixture(tc, t_params, NULL);
	tcase_add_test(tc, test_wildcard_addrs);
	tcase_add_test(tc, test_type_name);
	suite_add_tcase(s, tc);

	tc = tcase_create("files");
	tcase_add_unchecked_fixture(tc, t_setup, t_teardown);
	tcase_add_checked_fixture(tc, t_params, NULL);
	tcase_add_test(tc, test_load);
	tcase_add_test(tc, test_sample);
	suite_add_tcase(s, tc);

	tc = tcase_create("panic");
	tcase_add_test_raise_signal(tc, test_no_params, SIGABRT);
	suite_add_tcase(s, tc);
	return (s);
}

/* main - run the suite; non-zero exit if a test failed */
int
main(void)
{
	SRunner *sr = srunner_create(service_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? 1 : 0);
}
