/*
 * check_smtp_client - unit tests for common/smtp_client.c.
 *
 * The pure helpers from tables: next-hop syntax, MAIL parameters, result
 * classes and their one-line form. Whole sessions run over a socketpair
 * against a scripted server in a forked child, which answers each command
 * line with the reply the script gives and records what it received, so
 * the test can check pipelining, per-recipient results, dot-stuffing and
 * LF to CR LF, a refused sender, a failed DATA and a server that hangs up.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "mem.h"
#include "sbuf.h"
#include "smtp_client.h"

static const struct {
	const char *in, *host;
	int port, no_mx, ret;
} hop_cases[] = {
	{ "[127.0.0.1]:2525", "127.0.0.1", 2525, 1, 0 },
	{ "[mx.example]", "mx.example", 25, 1, 0 },
	{ "relay.example:587", "relay.example", 587, 0, 0 },
	{ "relay.example", "relay.example", 25, 0, 0 },
	{ "[::1]:25", "::1", 25, 1, 0 },
	{ "", "", 25, 0, -1 },
	{ "[]", "", 25, 1, -1 },
	{ "[x", "", 25, 0, -1 },
	{ "[x]y", "", 25, 1, -1 },
	{ "host:0", "", 0, 0, -1 },
	{ "host:65536", "", 0, 0, -1 },
	{ "host:x", "", 0, 0, -1 },
	{ "::1", "", 25, 0, -1 },
	{ "a b", "", 25, 0, -1 },
};

START_TEST(test_nexthop)
{
	char host[300];
	int port, no_mx, ret;

	ret = smtp_client_parse_nexthop(hop_cases[_i].in, host, sizeof(host),
	    &port, &no_mx);
	ck_assert_msg(ret == hop_cases[_i].ret, "%s: got %d", hop_cases[_i].in,
	    ret);
	if (ret == 0) {
		ck_assert_str_eq(host, hop_cases[_i].host);
		ck_assert_int_eq(port, hop_cases[_i].port);
		ck_assert_int_eq(no_mx, hop_cases[_i].no_mx);
	}
}
END_TEST

START_TEST(test_format_mail)
{
	struct smtp_client_msg m;
	char out[600];

	memset(&m, 0, sizeof(m));
	m.sender = "a@b.test";
	m.size = 1234;
	ck_assert(smtp_client_format_mail(&m, 0, out, sizeof(out)) == 0);
	ck_assert_str_eq(out, "MAIL FROM:<a@b.test>");
	ck_assert(smtp_client_format_mail(&m, SMTP_EXT_SIZE, out,
	    sizeof(out)) == 0);
	ck_assert_str_eq(out, "MAIL FROM:<a@b.test> SIZE=1234");
	m.envid = "id+1=x";
	m.ret_hdrs = 1;
	ck_assert(smtp_client_format_mail(&m, SMTP_EXT_SIZE | SMTP_EXT_DSN,
	    out, sizeof(out)) == 0);
	ck_assert_str_eq(out, "MAIL FROM:<a@b.test> SIZE=1234 RET=HDRS "
	    "ENVID=id+2B1+3Dx");
	m.sender = "";
	ck_assert(smtp_client_format_mail(&m, 0, out, sizeof(out)) == 0);
	ck_assert_str_eq(out, "MAIL FROM:<>");
	ck_assert(smtp_client_format_mail(&m, 0, out, 10) == -1);
}
END_TEST

START_TEST(test_result)
{
	struct smtp_reply r;
	struct smtp_client_result res;
	char line[600];

	smtp_reply_init(&r);
	ck_assert(smtp_reply_parse(&r, "550-5.1.1 no such", 17)
	    == SMTP_REPLY_MORE);
	ck_assert(smtp_reply_parse(&r, "550 5.1.1 user\001here", 19)
	    == SMTP_REPLY_BAD_CHAR);
	smtp_reply_init(&r);
	ck_assert(smtp_reply_parse(&r, "550-5.1.1 no such", 17)
	    == SMTP_REPLY_MORE);
	ck_assert(smtp_reply_parse(&r, "550 5.1.1 user\there", 19)
	    == SMTP_REPLY_DONE);
	smtp_client_result_set(&res, &r);
	ck_assert_int_eq(res.code, 550);
	ck_assert_str_eq(res.enhanced, "5.1.1");
	ck_assert_str_eq(res.text, "no such; user?here");
	ck_assert_int_eq(smtp_client_outcome(&res), SMTP_CLIENT_PERMFAIL);
	smtp_client_format_result(&res, line, sizeof(line));
	ck_assert_str_eq(line, "550 5.1.1 no such; user?here");
	res.code = 451;
	ck_assert_int_eq(smtp_client_outcome(&res), SMTP_CLIENT_TEMPFAIL);
	res.code = 250;
	ck_assert_int_eq(smtp_client_outcome(&res), SMTP_CLIENT_OK);
	smtp_client_result_fail(&res, "lost connection: eof");
	ck_assert_int_eq(smtp_client_outcome(&res), SMTP_CLIENT_TEMPFAIL);
	smtp_client_format_result(&res, line, sizeof(line));
	ck_assert_str_eq(line, "no reply: lost connection: eof");
}
END_TEST

/*
 * A scripted server. Each step: the reply (lines joined by "\n", sent
 * with CR LF) to the next command line ("-": none, as for a pipelined
 * command; "!reply": sent without reading a line); "DATA-BODY" reads the
 * message up to "." and records it; "HANGUP" closes. What came in is
 * written to the record pipe.
 */
struct t_server {
	pid_t	pid;
	int	fd;			/* the client's end */
	int	rec;			/* read end of the record */
};

/* t_read_line - one line from fd without CR LF; -1 at EOF */
static int
t_read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (c == '\n') {
			if (n > 0 && buf[n - 1] == '\r')
				n--;
			buf[n] = '\0';
			return ((int)n);
		}
		if (n + 1 < size)
			buf[n++] = c;
	}
	return (-1);
}

/* t_reply - send a scripted reply, "\n" between lines */
static void
t_reply(int fd, const char *r)
{
	for (; *r != '\0'; r++) {
		if (*r == '\n')
			(void)write(fd, "\r", 1);
		(void)write(fd, r, 1);
	}
	(void)write(fd, "\r\n", 2);
}

/* t_server_start - the child serving script[] on a socketpair */
static struct t_server
t_server_start(const char *const *script)
{
	struct t_server t;
	int sv[2], pp[2], i;
	char line[2048];

	ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ck_assert(pipe(pp) == 0);
	t.pid = fork();
	ck_assert(t.pid >= 0);
	if (t.pid == 0) {
		FILE *rec;

		close(sv[0]);
		close(pp[0]);
		rec = fdopen(pp[1], "w");
		t_reply(sv[1], script[0]);	/* the greeting */
		for (i = 1; script[i] != NULL; i++) {
			if (strcmp(script[i], "HANGUP") == 0)
				break;
			if (strcmp(script[i], "DATA-BODY") == 0) {
				while (t_read_line(sv[1], line,
				    sizeof(line)) >= 0) {
					fprintf(rec, "B:%s\n", line);
					if (strcmp(line, ".") == 0)
						break;
				}
				continue;
			}
			if (script[i][0] == '!') {
				t_reply(sv[1], script[i] + 1);
				continue;
			}
			if (t_read_line(sv[1], line, sizeof(line)) < 0)
				break;
			fprintf(rec, "C:%s\n", line);
			if (strcmp(script[i], "-") != 0)
				t_reply(sv[1], script[i]);
		}
		fclose(rec);
		_exit(0);
	}
	close(sv[1]);
	close(pp[1]);
	t.fd = sv[0];
	t.rec = pp[0];
	return (t);
}

/* t_server_record - everything the server received */
static char *
t_server_record(struct t_server *t)
{
	struct sbuf *sb = sbuf_new(0);
	char buf[1024], *s;
	ssize_t n;
	int st;

	while ((n = read(t->rec, buf, sizeof(buf))) > 0)
		sbuf_append(sb, buf, (size_t)n);
	close(t->rec);
	waitpid(t->pid, &st, 0);
	s = xstrdup(sbuf_str(sb));
	sbuf_free(&sb);
	return (s);
}

/* t_msg_fd - a message file with LF line ends */
static int
t_msg_fd(const char *text)
{
	char path[] = "/tmp/check_smtp_client.XXXXXX";
	int fd = mkstemp(path);

	ck_assert(fd >= 0);
	unlink(path);
	ck_assert(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	lseek(fd, 0, SEEK_SET);
	return (fd);
}

static const struct smtp_client_opts t_opts = { "client.test", 5, NULL,
    NULL };

/* Pipelined: two recipients, one refused; dots stuffed; CR LF. */
START_TEST(test_session_pipelined)
{
	static const char *const script[] = {
		"220 mx.test ESMTP",
		"250-mx.test\n250-PIPELINING\n250-SIZE 100000\n250 8BITMIME",
		"-",				/* MAIL (pipelined) */
		"-",				/* RCPT 1 */
		"-",				/* RCPT 2 */
		"250 2.1.0 ok\n250 2.1.5 ok\n550 5.1.1 no such user\n"
		    "354 go",			/* DATA: all four replies */
		"DATA-BODY",
		"!250 2.0.0 queued as X",	/* after the "." */
		"221 bye",
		NULL,
	};
	const char *rcpts[] = { "a@x.test", "b@x.test" };
	struct smtp_client_result res, rr[2];
	struct smtp_client_msg m;
	struct t_server t;
	struct smtp_client *c;
	char *rec;

	t = t_server_start(script);
	c = smtp_client_new(t.fd, &t_opts);
	ck_assert(smtp_client_hello(c, &res) == 0);
	ck_assert(smtp_client_ehlo(c)->ext & SMTP_EXT_PIPELINING);
	memset(&m, 0, sizeof(m));
	m.sender = "s@y.test";
	m.rcpts = rcpts;
	m.rcpt_count = 2;
	m.data_fd = t_msg_fd("Subject: x\n\n.dot\nline\n.\n");
	m.size = 25;
	ck_assert(smtp_client_send(c, &m, rr, &res) == 0);
	ck_assert_int_eq(rr[0].code, 250);
	ck_assert_str_eq(rr[0].text, "queued as X");
	ck_assert_int_eq(rr[1].code, 550);
	ck_assert_str_eq(rr[1].enhanced, "5.1.1");
	ck_assert_int_eq(res.code, 250);
	smtp_client_free(&c);
	close(m.data_fd);
	rec = t_server_record(&t);
	ck_assert_str_eq(rec,
	    "C:EHLO client.test\n"
	    "C:MAIL FROM:<s@y.test> SIZE=25\n"
	    "C:RCPT TO:<a@x.test>\n"
	    "C:RCPT TO:<b@x.test>\n"
	    "C:DATA\n"
	    "B:Subject: x\nB:\nB:..dot\nB:line\nB:..\nB:.\n"
	    "C:QUIT\n");
	free(rec);
}
END_TEST

/* Not pipelined: the sender is refused; every recipient gets that. */
START_TEST(test_session_mail_refused)
{
	static const char *const script[] = {
		"220 mx.test",
		"250 mx.test",
		"451 4.3.0 try later",		/* MAIL */
		"250 reset",			/* RSET */
		"221 bye",
		NULL,
	};
	const char *rcpts[] = { "a@x.test", "b@x.test" };
	struct smtp_client_result res, rr[2];
	struct smtp_client_msg m;
	struct t_server t = t_server_start(script);
	struct smtp_client *c = smtp_client_new(t.fd, &t_opts);
	char *rec;

	ck_assert(smtp_client_hello(c, &res) == 0);
	memset(&m, 0, sizeof(m));
	m.sender = "";
	m.rcpts = rcpts;
	m.rcpt_count = 2;
	m.data_fd = -1;
	ck_assert(smtp_client_send(c, &m, rr, &res) == 0);
	ck_assert_int_eq(rr[0].code, 451);
	ck_assert_int_eq(rr[1].code, 451);
	ck_assert_int_eq(smtp_client_outcome(&rr[1]), SMTP_CLIENT_TEMPFAIL);
	smtp_client_free(&c);
	rec = t_server_record(&t);
	ck_assert_str_eq(rec, "C:EHLO client.test\nC:MAIL FROM:<>\nC:RSET\n"
	    "C:QUIT\n");
	free(rec);
}
END_TEST

/* EHLO refused: HELO; the server hangs up during DATA: no reply. */
START_TEST(test_session_hangup)
{
	static const char *const script[] = {
		"220 old.test",
		"502 what",			/* EHLO */
		"250 old.test",			/* HELO */
		"250 ok",			/* MAIL */
		"250 ok",			/* RCPT */
		"354 go",			/* DATA */
		"HANGUP",
		NULL,
	};
	const char *rcpts[] = { "a@x.test" };
	struct smtp_client_result res, rr[1];
	struct smtp_client_msg m;
	struct t_server t = t_server_start(script);
	struct smtp_client *c = smtp_client_new(t.fd, &t_opts);
	char *rec;

	signal(SIGPIPE, SIG_IGN);
	ck_assert(smtp_client_hello(c, &res) == 0);
	ck_assert_int_eq(smtp_client_ehlo(c)->ext, 0);
	memset(&m, 0, sizeof(m));
	m.sender = "s@y.test";
	m.rcpts = rcpts;
	m.rcpt_count = 1;
	m.data_fd = t_msg_fd("hello\n");
	ck_assert(smtp_client_send(c, &m, rr, &res) == -1);
	ck_assert_int_eq(rr[0].code, 0);
	ck_assert_int_eq(smtp_client_outcome(&rr[0]), SMTP_CLIENT_TEMPFAIL);
	ck_assert_msg(strstr(rr[0].text, "lost connection") != NULL, "%s",
	    rr[0].text);
	smtp_client_free(&c);
	close(m.data_fd);
	rec = t_server_record(&t);
	ck_assert_str_eq(rec, "C:EHLO client.test\nC:HELO client.test\n"
	    "C:MAIL FROM:<s@y.test>\nC:RCPT TO:<a@x.test>\nC:DATA\n");
	free(rec);
}
END_TEST

/* A greeting that is not 220, and a malformed reply. */
START_TEST(test_session_greeting)
{
	static const char *const busy[] = { "421 4.3.2 busy", NULL };
	static const char *const junk[] = { "220 ok", "25O nonsense", NULL };
	struct smtp_client_result res;
	struct t_server t = t_server_start(busy);
	struct smtp_client *c = smtp_client_new(t.fd, &t_opts);

	ck_assert(smtp_client_hello(c, &res) == -1);
	ck_assert_int_eq(res.code, 421);
	smtp_client_free(&c);
	free(t_server_record(&t));

	t = t_server_start(junk);
	c = smtp_client_new(t.fd, &t_opts);
	ck_assert(smtp_client_hello(c, &res) == -1);
	ck_assert_int_eq(res.code, 0);
	ck_assert_msg(strstr(res.text, "malformed reply") != NULL, "%s",
	    res.text);
	smtp_client_free(&c);
	free(t_server_record(&t));
}
END_TEST

/* smtp_client_suite - every behaviour of the SMTP client */
static Suite *
smtp_client_suite(void)
{
	Suite *su = suite_create("smtp_client");
	TCase *tc;

	tc = tcase_create("pure");
	tcase_add_loop_test(tc, test_nexthop, 0,
	    sizeof(hop_cases) / sizeof(hop_cases[0]));
	tcase_add_test(tc, test_format_mail);
	tcase_add_test(tc, test_result);
	suite_add_tcase(su, tc);

	tc = tcase_create("session");
	tcase_add_test(tc, test_session_pipelined);
	tcase_add_test(tc, test_session_mail_refused);
	tcase_add_test(tc, test_session_hangup);
	tcase_add_test(tc, test_session_greeting);
	suite_add_tcase(su, tc);
	return (su);
}

int
main(void)
{
	SRunner *sr = srunner_create(smtp_client_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
