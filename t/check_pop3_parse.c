/*
 * check_pop3_parse - unit tests for common/pop3_parse.c.
 *
 * A table of command lines (every verb, case, missing, extra and
 * malformed arguments, numbers at and past their limits, NULs, spaces in
 * the wrong places) with the exact status and parsed fields; each line is
 * parsed from an exact-size heap copy so the sanitizers see reads past
 * the end. The transfer encoder runs each case whole and a byte at a time
 * and must give the same bytes both ways; TOP's line limit and the APOP
 * timestamp check have their own tables.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "pop3_parse.h"
#include "sbuf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define L(lit)		lit, sizeof(lit) - 1	/* NULs too */

#define X10	"xxxxxxxxxx"
#define X50	X10 X10 X10 X10 X10
#define X250	X50 X50 X50 X50 X50

static const struct {
	const char *in;
	size_t	len;
	enum pop3_parse_status want;
	enum pop3_verb verb;
	int	has_msg;
	uint32_t msg, lines;
	const char *arg, *arg2;
} cmd_cases[] = {
	{ L(""), POP3_PARSE_EMPTY, POP3_VERB_NONE, 0, 0, 0, "", "" },
	{ L("STAT"), POP3_PARSE_OK, POP3_VERB_STAT, 0, 0, 0, "", "" },
	{ L("stat"), POP3_PARSE_OK, POP3_VERB_STAT, 0, 0, 0, "", "" },
	{ L("StAt"), POP3_PARSE_OK, POP3_VERB_STAT, 0, 0, 0, "", "" },
	{ L("STAT "), POP3_PARSE_BAD_ARG, POP3_VERB_STAT, 0, 0, 0, "", "" },
	{ L("STAT 1"), POP3_PARSE_EXTRA_ARG, POP3_VERB_STAT, 0, 0, 0, "", "" },
	{ L("STATX"), POP3_PARSE_UNKNOWN, POP3_VERB_NONE, 0, 0, 0, "", "" },
	{ L("XTND XMIT"), POP3_PARSE_UNKNOWN, POP3_VERB_NONE, 0, 0, 0, "", "" },
	{ L(" STAT"), POP3_PARSE_UNKNOWN, POP3_VERB_NONE, 0, 0, 0, "", "" },
	{ L("ST\0T"), POP3_PARSE_NUL, POP3_VERB_NONE, 0, 0, 0, "", "" },
	{ L("NOOP"), POP3_PARSE_OK, POP3_VERB_NOOP, 0, 0, 0, "", "" },
	{ L("RSET"), POP3_PARSE_OK, POP3_VERB_RSET, 0, 0, 0, "", "" },
	{ L("QUIT"), POP3_PARSE_OK, POP3_VERB_QUIT, 0, 0, 0, "", "" },
	{ L("QUIT now"), POP3_PARSE_EXTRA_ARG, POP3_VERB_QUIT, 0, 0, 0, "", "" },
	{ L("CAPA"), POP3_PARSE_OK, POP3_VERB_CAPA, 0, 0, 0, "", "" },
	{ L("STLS"), POP3_PARSE_OK, POP3_VERB_STLS, 0, 0, 0, "", "" },
	{ L("LIST"), POP3_PARSE_OK, POP3_VERB_LIST, 0, 0, 0, "", "" },
	{ L("LIST 1"), POP3_PARSE_OK, POP3_VERB_LIST, 1, 1, 0, "", "" },
	{ L("list 4294967295"), POP3_PARSE_OK, POP3_VERB_LIST, 1, 4294967295u,
	    0, "", "" },
	{ L("LIST 4294967296"), POP3_PARSE_BAD_NUMBER, POP3_VERB_LIST, 0, 0,
	    0, "", "" },
	{ L("LIST 99999999999"), POP3_PARSE_BAD_NUMBER, POP3_VERB_LIST, 0, 0,
	    0, "", "" },
	{ L("LIST 0"), POP3_PARSE_BAD_NUMBER, POP3_VERB_LIST, 0, 0, 0, "", "" },
	{ L("LIST 01"), POP3_PARSE_BAD_NUMBER, POP3_VERB_LIST, 0, 0, 0, "",
	    "" },
	{ L("LIST -1"), POP3_PARSE_BAD_NUMBER, POP3_VERB_LIST, 0, 0, 0, "",
	    "" },
	{ L("LIST +1"), POP3_PARSE_BAD_NUMBER, POP3_VERB_LIST, 0, 0, 0, "",
	    "" },
	{ L("LIST 1x"), POP3_PARSE_BAD_NUMBER, POP3_VERB_LIST, 0, 0, 0, "",
	    "" },
	{ L("LIST 1 2"), POP3_PARSE_EXTRA_ARG, POP3_VERB_LIST, 1, 1, 0, "",
	    "" },
	{ L("LIST 1 "), POP3_PARSE_BAD_ARG, POP3_VERB_LIST, 1, 1, 0, "", "" },
	{ L("LIST  1"), POP3_PARSE_BAD_ARG, POP3_VERB_LIST, 0, 0, 0, "", "" },
	{ L("UIDL"), POP3_PARSE_OK, POP3_VERB_UIDL, 0, 0, 0, "", "" },
	{ L("UIDL 7"), POP3_PARSE_OK, POP3_VERB_UIDL, 1, 7, 0, "", "" },
	{ L("RETR"), POP3_PARSE_MISSING_ARG, POP3_VERB_RETR, 0, 0, 0, "", "" },
	{ L("RETR 12"), POP3_PARSE_OK, POP3_VERB_RETR, 1, 12, 0, "", "" },
	{ L("RETR a"), POP3_PARSE_BAD_NUMBER, POP3_VERB_RETR, 0, 0, 0, "",
	    "" },
	{ L("DELE 3"), POP3_PARSE_OK, POP3_VERB_DELE, 1, 3, 0, "", "" },
	{ L("DELE"), POP3_PARSE_MISSING_ARG, POP3_VERB_DELE, 0, 0, 0, "", "" },
	{ L("DELE 1 1"), POP3_PARSE_EXTRA_ARG, POP3_VERB_DELE, 1, 1, 0, "",
	    "" },
	{ L("TOP 1 0"), POP3_PARSE_OK, POP3_VERB_TOP, 1, 1, 0, "", "" },
	{ L("top 2 10"), POP3_PARSE_OK, POP3_VERB_TOP, 1, 2, 10, "", "" },
	{ L("TOP 1"), POP3_PARSE_MISSING_ARG, POP3_VERB_TOP, 1, 1, 0, "", "" },
	{ L("TOP"), POP3_PARSE_MISSING_ARG, POP3_VERB_TOP, 0, 0, 0, "", "" },
	{ L("TOP 1 x"), POP3_PARSE_BAD_NUMBER, POP3_VERB_TOP, 1, 1, 0, "", "" },
	{ L("TOP 1 00"), POP3_PARSE_BAD_NUMBER, POP3_VERB_TOP, 1, 1, 0, "",
	    "" },
	{ L("TOP 1 2 3"), POP3_PARSE_EXTRA_ARG, POP3_VERB_TOP, 1, 1, 2, "",
	    "" },
	{ L("TOP 0 1"), POP3_PARSE_BAD_NUMBER, POP3_VERB_TOP, 0, 0, 0, "", "" },
	{ L("USER alice@good.test"), POP3_PARSE_OK, POP3_VERB_USER, 0, 0, 0,
	    "alice@good.test", "" },
	{ L("USER"), POP3_PARSE_MISSING_ARG, POP3_VERB_USER, 0, 0, 0, "", "" },
	{ L("USER a b"), POP3_PARSE_EXTRA_ARG, POP3_VERB_USER, 0, 0, 0, "",
	    "" },
	{ L("USER " X250 "xxxxx"), POP3_PARSE_OK, POP3_VERB_USER, 0, 0, 0,
	    X250 "xxxxx", "" },
	{ L("USER " X250 "xxxxxx"), POP3_PARSE_BAD_ARG, POP3_VERB_USER, 0, 0,
	    0, "", "" },
	{ L("USER a\0b"), POP3_PARSE_NUL, POP3_VERB_USER, 0, 0, 0, "", "" },
	{ L("PASS secret"), POP3_PARSE_OK, POP3_VERB_PASS, 0, 0, 0, "secret",
	    "" },
	{ L("PASS with spaces "), POP3_PARSE_OK, POP3_VERB_PASS, 0, 0, 0,
	    "with spaces ", "" },
	{ L("PASS"), POP3_PARSE_MISSING_ARG, POP3_VERB_PASS, 0, 0, 0, "", "" },
	{ L("APOP mrose c4c9334bac560ecc979e58001b3e22fb"), POP3_PARSE_OK,
	    POP3_VERB_APOP, 0, 0, 0, "mrose",
	    "c4c9334bac560ecc979e58001b3e22fb" },
	{ L("APOP mrose c4c9334bac560ecc979e58001b3e22f"), POP3_PARSE_BAD_ARG,
	    POP3_VERB_APOP, 0, 0, 0, "", "" },
	{ L("APOP mrose c4c9334bac560ecc979e58001b3e22fg"), POP3_PARSE_BAD_ARG,
	    POP3_VERB_APOP, 0, 0, 0, "", "" },
	{ L("APOP mrose"), POP3_PARSE_MISSING_ARG, POP3_VERB_APOP, 0, 0, 0,
	    "", "" },
	{ L("APOP mrose c4c9334bac560ecc979e58001b3e22fb x"),
	    POP3_PARSE_EXTRA_ARG, POP3_VERB_APOP, 0, 0, 0, "", "" },
	{ L("AUTH"), POP3_PARSE_OK, POP3_VERB_AUTH, 0, 0, 0, "", "" },
	{ L("AUTH PLAIN"), POP3_PARSE_OK, POP3_VERB_AUTH, 0, 0, 0, "PLAIN",
	    "" },
	{ L("AUTH PLAIN AGFAAGI="), POP3_PARSE_OK, POP3_VERB_AUTH, 0, 0, 0,
	    "PLAIN", "AGFAAGI=" },
	{ L("AUTH PLAIN ="), POP3_PARSE_OK, POP3_VERB_AUTH, 0, 0, 0,
	    "PLAIN", "=" },
	{ L("AUTH PLAIN a b"), POP3_PARSE_EXTRA_ARG, POP3_VERB_AUTH, 0, 0, 0,
	    "", "" },
	{ L("AUTH PLAIN "), POP3_PARSE_BAD_ARG, POP3_VERB_AUTH, 0, 0, 0, "",
	    "" },
};

START_TEST(test_command)
{
	struct pop3_cmd cmd;
	enum pop3_parse_status got;
	char *copy = xmemdup(cmd_cases[_i].in, cmd_cases[_i].len);

	got = pop3_parse_command(copy, cmd_cases[_i].len, &cmd);
	ck_assert_msg(got == cmd_cases[_i].want, "case %d \"%s\": got %d (%s), "
	    "want %d", _i, cmd_cases[_i].in, got, pop3_parse_status_text(got),
	    cmd_cases[_i].want);
	ck_assert_msg(cmd.verb == cmd_cases[_i].verb, "case %d \"%s\": verb "
	    "%d, want %d", _i, cmd_cases[_i].in, cmd.verb, cmd_cases[_i].verb);
	if (got == POP3_PARSE_OK) {
		ck_assert_int_eq(cmd.has_msg, cmd_cases[_i].has_msg);
		ck_assert_uint_eq(cmd.msg, cmd_cases[_i].msg);
		ck_assert_uint_eq(cmd.lines, cmd_cases[_i].lines);
		ck_assert_uint_eq(cmd.arg_len, strlen(cmd_cases[_i].arg));
		ck_assert(memcmp(cmd.arg, cmd_cases[_i].arg,
		    cmd.arg_len) == 0);
		ck_assert_uint_eq(cmd.arg2_len, strlen(cmd_cases[_i].arg2));
		ck_assert(memcmp(cmd.arg2, cmd_cases[_i].arg2,
		    cmd.arg2_len) == 0);
	}
	free(copy);
}
END_TEST

/* Every prefix of every case parses without reading past its end. */
START_TEST(test_prefixes)
{
	struct pop3_cmd cmd;
	size_t n;
	char *copy;

	for (n = 0; n <= cmd_cases[_i].len; n++) {
		copy = xmemdup(cmd_cases[_i].in, n ? n : 1);
		(void)pop3_parse_command(copy, n, &cmd);
		free(copy);
	}
}
END_TEST

static const struct {
	const char *name, *in;
	size_t	len;
	int	top;
	uint32_t lines;
	const char *want;
} enc_cases[] = {
	{ "empty", L(""), 0, 0, ".\r\n" },
	{ "lf", L("a\nb\n"), 0, 0, "a\r\nb\r\n.\r\n" },
	{ "crlf kept", L("a\r\nb\r\n"), 0, 0, "a\r\nb\r\n.\r\n" },
	{ "mixed", L("a\r\nb\nc\r\n"), 0, 0, "a\r\nb\r\nc\r\n.\r\n" },
	{ "no final lf", L("a\nb"), 0, 0, "a\r\nb\r\n.\r\n" },
	{ "final cr", L("a\r"), 0, 0, "a\r\n.\r\n" },
	{ "dots", L(".\n..x\n.\r\nx.\n"), 0, 0,
	    "..\r\n...x\r\n..\r\nx.\r\n.\r\n" },
	{ "dot first", L(".hidden"), 0, 0, "..hidden\r\n.\r\n" },
	{ "8bit", L("S\xc3\xa9\n\xff\x80\n"), 0, 0,
	    "S\xc3\xa9\r\n\xff\x80\r\n.\r\n" },
	{ "nul", L("a\0b\n"), 0, 0, NULL },	/* checked by length */
	{ "top 0", L("H: 1\nH: 2\n\nb1\nb2\n"), 1, 0,
	    "H: 1\r\nH: 2\r\n\r\n.\r\n" },
	{ "top 1", L("H: 1\n\nb1\nb2\n"), 1, 1, "H: 1\r\n\r\nb1\r\n.\r\n" },
	{ "top crlf", L("H: 1\r\n\r\nb1\r\nb2\r\n"), 1, 1,
	    "H: 1\r\n\r\nb1\r\n.\r\n" },
	{ "top more", L("H: 1\n\nb1\n"), 1, 5, "H: 1\r\n\r\nb1\r\n.\r\n" },
	{ "top no body", L("H: 1\n"), 1, 5, "H: 1\r\n.\r\n" },
	{ "top dot body", L("H: 1\n\n.x\n.\nz\n"), 1, 2,
	    "H: 1\r\n\r\n..x\r\n..\r\n.\r\n" },
	{ "top cr in header", L("H: 1\r\nX: \r\n\r\nb\r\n"), 1, 0,
	    "H: 1\r\nX: \r\n\r\n.\r\n" },
};

/* encode_with - the whole encoding of case i with chunk size step */
static struct sbuf *
encode_with(int i, size_t step)
{
	struct sbuf *out = sbuf_new(4096);
	struct pop3_encode e;
	size_t off, n;

	pop3_encode_init(&e, enc_cases[i].top, enc_cases[i].lines);
	for (off = 0; off < enc_cases[i].len; off += n) {
		n = enc_cases[i].len - off < step ? enc_cases[i].len - off :
		    step;
		ck_assert_int_eq(pop3_encode(&e, enc_cases[i].in + off, n,
		    out), 0);
	}
	ck_assert_int_eq(pop3_encode_end(&e, out), 0);
	return (out);
}

START_TEST(test_encode)
{
	struct sbuf *whole = encode_with(_i, 1 << 20);
	struct sbuf *bytes = encode_with(_i, 1);
	struct sbuf *pairs = encode_with(_i, 2);

	if (enc_cases[_i].want != NULL)
		ck_assert_msg(sbuf_len(whole) == strlen(enc_cases[_i].want) &&
		    memcmp(sbuf_str(whole), enc_cases[_i].want,
		    sbuf_len(whole)) == 0, "%s: got \"%s\"", enc_cases[_i].name,
		    sbuf_str(whole));
	else
		ck_assert_uint_eq(sbuf_len(whole), 8);	/* a\0b\r\n.\r\n */
	ck_assert_msg(sbuf_len(bytes) == sbuf_len(whole) &&
	    memcmp(sbuf_str(bytes), sbuf_str(whole), sbuf_len(whole)) == 0,
	    "%s: byte at a time differs", enc_cases[_i].name);
	ck_assert_msg(sbuf_len(pairs) == sbuf_len(whole) &&
	    memcmp(sbuf_str(pairs), sbuf_str(whole), sbuf_len(whole)) == 0,
	    "%s: two at a time differs", enc_cases[_i].name);
	sbuf_free(&whole);
	sbuf_free(&bytes);
	sbuf_free(&pairs);
}
END_TEST

/* A full output buffer is reported, not overrun. */
START_TEST(test_encode_cap)
{
	struct sbuf *out = sbuf_new(4);
	struct pop3_encode e;

	pop3_encode_init(&e, 0, 0);
	ck_assert_int_eq(pop3_encode(&e, "abcdefgh\n", 9, out), -1);
	sbuf_free(&out);
}
END_TEST

static const struct {
	const char *in;
	int	want;
} ts_cases[] = {
	{ "<1896.697170952@dbc.mtview.ca.us>", 1 },
	{ "<1.2.3@host>", 1 },
	{ "<@>", 1 },
	{ "<no-at>", 0 },
	{ "1.2@host", 0 },
	{ "<a b@host>", 0 },
	{ "<a<b@host>", 0 },
	{ "<a\x7f@host>", 0 },
	{ "", 0 },
};

START_TEST(test_timestamp)
{
	ck_assert_int_eq(pop3_apop_timestamp_check(ts_cases[_i].in,
	    strlen(ts_cases[_i].in)), ts_cases[_i].want);
}
END_TEST

static Suite *
pop3_parse_suite(void)
{
	Suite *s = suite_create("pop3_parse");
	TCase *tc;

	tc = tcase_create("command");
	tcase_add_loop_test(tc, test_command, 0, (int)NELEM(cmd_cases));
	tcase_add_loop_test(tc, test_prefixes, 0, (int)NELEM(cmd_cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("encode");
	tcase_add_loop_test(tc, test_encode, 0, (int)NELEM(enc_cases));
	tcase_add_test(tc, test_encode_cap);
	suite_add_tcase(s, tc);
	tc = tcase_create("timestamp");
	tcase_add_loop_test(tc, test_timestamp, 0, (int)NELEM(ts_cases));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(pop3_parse_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
