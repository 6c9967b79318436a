/*
 * check_mutf7 - unit tests for common/mutf7.c.
 *
 * Tables of UTF-8 names with their modified UTF-7 spelling (RFC 3501
 * section 5.1.3's examples among them), checked both ways; malformed
 * names for each direction with the exact status; output buffers one
 * byte too small; and a round trip over every code point of the BMP and
 * a sample beyond it. Inputs are exact-size heap copies, so the
 * sanitizers catch a read past the end.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mutf7.h"
#include "utf8.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define L(lit)		lit, sizeof(lit) - 1

/* exact - an exact-size heap copy (free it) */
static char *
exact(const char *p, size_t n)
{
	char *c = xmalloc(n ? n : 1);

	memcpy(c, p, n);
	return (c);
}

/* Pairs that must convert both ways. */
static const struct {
	const char *name;
	const char *utf8;
	const char *mutf7;
} pairs[] = {
	{ "empty", "", "" },
	{ "ascii", "INBOX", "INBOX" },
	{ "printable", " !\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~",
	    " !\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~" },
	{ "ampersand", "&", "&-" },
	{ "ampersands", "a&&b", "a&-&-b" },
	{ "rfc 3501", "~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	    "~peter/mail/&U,BTFw-/&ZeVnLIqe-" },
	{ "smiley", "\xe2\x98\xba!", "&Jjo-!" },
	{ "e acute", "Entw\xc3\xbcrfe", "Entw&APw-rfe" },
	{ "two units", "\xc3\xa9\xc3\xa9", "&AOkA6Q-" },
	{ "three units", "\xc3\xa9\xc3\xa9\xc3\xa9", "&AOkA6QDp-" },
	{ "run then amp", "\xc3\xa9&", "&AOk-&-" },
	{ "amp then run", "&\xc3\xa9", "&-&AOk-" },
	{ "surrogate pair", "\xf0\x9f\x93\xa7", "&2D3c5w-" },
	{ "max code point", "\xf4\x8f\xbf\xbf", "&2,,f,w-" },
	{ "control", "a\tb", "a&AAk-b" },
	{ "del", "\x7f", "&AH8-" },
	{ "slash alphabet", "\xef\xbf\xbf", "&,,8-" },
};

START_TEST(test_encode)
{
	char out[256], *in;
	size_t n = 99;
	enum mutf7_status st;

	in = exact(pairs[_i].utf8, strlen(pairs[_i].utf8));
	st = mutf7_encode(in, strlen(pairs[_i].utf8), out, sizeof(out), &n);
	ck_assert_msg(st == MUTF7_OK, "%s: %s", pairs[_i].name,
	    mutf7_status_name(st));
	ck_assert_msg(strcmp(out, pairs[_i].mutf7) == 0, "%s: got \"%s\", "
	    "want \"%s\"", pairs[_i].name, out, pairs[_i].mutf7);
	ck_assert_uint_eq(n, strlen(out));
	free(in);
}
END_TEST

START_TEST(test_decode)
{
	char out[256], *in;
	size_t n = 99;
	enum mutf7_status st;

	in = exact(pairs[_i].mutf7, strlen(pairs[_i].mutf7));
	st = mutf7_decode(in, strlen(pairs[_i].mutf7), out, sizeof(out), &n);
	ck_assert_msg(st == MUTF7_OK, "%s: %s", pairs[_i].name,
	    mutf7_status_name(st));
	ck_assert_msg(strcmp(out, pairs[_i].utf8) == 0, "%s: wrong output",
	    pairs[_i].name);
	ck_assert_uint_eq(n, strlen(out));
	free(in);
}
END_TEST

/* Exactly-sized buffers work, one byte less is TOO_LONG and "". */
START_TEST(test_buffer_edges)
{
	const char *u = pairs[_i].utf8, *m = pairs[_i].mutf7;
	char out[256];
	size_t n;

	ck_assert(mutf7_encode(u, strlen(u), out, strlen(m) + 1, &n)
	    == MUTF7_OK);
	ck_assert(mutf7_decode(m, strlen(m), out, strlen(u) + 1, &n)
	    == MUTF7_OK);
	ck_assert(mutf7_encode(u, strlen(u), out, strlen(m), &n)
	    == MUTF7_TOO_LONG);
	ck_assert_msg(out[0] == '\0' && n == 0, "%s: not emptied",
	    pairs[_i].name);
	ck_assert(mutf7_decode(m, strlen(m), out, strlen(u), &n)
	    == MUTF7_TOO_LONG);
	ck_assert(out[0] == '\0' && n == 0);
	ck_assert(mutf7_encode(u, strlen(u), out, 0, &n) == MUTF7_TOO_LONG);
}
END_TEST

/* A malformed input and the status it must fail with. */
struct bad_case {
	const char *name;
	const char *in;
	size_t	len;
	enum mutf7_status want;
};

typedef enum mutf7_status (*mutf7_fn)(const char *, size_t, char *,
	    size_t, size_t *);

/* check_bad - run one malformed case through fn: status and "" output */
static void
check_bad(const struct bad_case *c, mutf7_fn fn)
{
	char out[64], *in = exact(c->in, c->len);
	size_t n = 99;
	enum mutf7_status st;

	st = fn(in, c->len, out, sizeof(out), &n);
	ck_assert_msg(st == c->want, "%s: got %s, want %s", c->name,
	    mutf7_status_name(st), mutf7_status_name(c->want));
	ck_assert_msg(out[0] == '\0' && n == 0, "%s: output left", c->name);
	free(in);
}

/* Spellings the decoder refuses. */
static const struct bad_case bad_decode[] = {
	{ "unterminated", L("&Jjo!"), MUTF7_BAD_BASE64 },
	{ "unterminated end", L("&Jjo"), MUTF7_BAD_BASE64 },
	{ "lone amp", L("&"), MUTF7_BAD_BASE64 },
	{ "superfluous shift", L("&U,BTFw-&ZeVnLIqe-"), MUTF7_NOT_SHORTEST },
	{ "slash not comma", L("&U/BTFw-"), MUTF7_BAD_BASE64 },
	{ "padding", L("&AOk=-"), MUTF7_BAD_BASE64 },
	{ "encoded ascii", L("&AGE-"), MUTF7_NOT_SHORTEST },
	{ "encoded amp", L("&ACY-"), MUTF7_NOT_SHORTEST },
	{ "encoded space", L("&ACA-"), MUTF7_NOT_SHORTEST },
	{ "encoded nul", L("&AAA-"), MUTF7_BAD_CHAR },
	{ "nonzero pad bits", L("&AOl-"), MUTF7_NOT_SHORTEST },
	{ "extra char", L("&AOkA-"), MUTF7_NOT_SHORTEST },
	{ "too few bits", L("&AO-"), MUTF7_BAD_BASE64 },
	{ "one char", L("&A-"), MUTF7_BAD_BASE64 },
	{ "lone high", L("&2D0-"), MUTF7_BAD_SURROGATE },
	{ "lone low", L("&3OU-"), MUTF7_BAD_SURROGATE },
	{ "high then bmp", L("&2D0A6Q-"), MUTF7_BAD_SURROGATE },
	{ "high high", L("&2D3YPQ-"), MUTF7_BAD_SURROGATE },
	{ "8bit", L("caf\xc3\xa9"), MUTF7_BAD_CHAR },
	{ "tab", L("a\tb"), MUTF7_BAD_CHAR },
	{ "nul", L("a\0b"), MUTF7_BAD_CHAR },
	{ "del", L("\x7f"), MUTF7_BAD_CHAR },
	{ "8bit in run", L("&AO\xc3\xa9-"), MUTF7_BAD_CHAR },
	{ "nul in run", L("&AO\0-"), MUTF7_BAD_CHAR },
	{ "space in run", L("&AO k-"), MUTF7_BAD_BASE64 },
};

START_TEST(test_bad_decode)
{
	check_bad(&bad_decode[_i], mutf7_decode);
}
END_TEST

/* UTF-8 the encoder refuses. */
static const struct bad_case bad_encode[] = {
	{ "nul", L("a\0b"), MUTF7_BAD_CHAR },
	{ "truncated", L("caf\xc3"), MUTF7_BAD_UTF8 },
	{ "stray cont", L("\x80"), MUTF7_BAD_UTF8 },
	{ "overlong", L("\xc0\xaf"), MUTF7_BAD_UTF8 },
	{ "overlong 3", L("\xe0\x80\xaf"), MUTF7_BAD_UTF8 },
	{ "surrogate", L("\xed\xa0\x80"), MUTF7_BAD_UTF8 },
	{ "past max", L("\xf4\x90\x80\x80"), MUTF7_BAD_UTF8 },
	{ "nul in run", L("\xc3\xa9\0"), MUTF7_BAD_CHAR },
	{ "latin1", L("caf\xe9"), MUTF7_BAD_UTF8 },
};

START_TEST(test_bad_encode)
{
	check_bad(&bad_encode[_i], mutf7_encode);
}
END_TEST

/*
 * Every BMP code point (and a sample above it), alone and between two
 * letters, encodes, decodes back, and re-encodes to the same bytes.
 */
START_TEST(test_round_trip)
{
	unsigned char u[16];
	char m[64], back[64], again[64];
	size_t ulen, mlen, blen, alen, k;
	uint32_t cp;

	for (cp = 1; cp <= UTF8_MAX_CP; cp += cp < 0x10000 ? 1 : 97) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		u[0] = 'x';
		k = utf8_encode(cp, u + 1);
		u[1 + k] = 'y';
		ulen = k + 2;
		/* Plain ifs: a ck_assert per code point is too slow here. */
		if (mutf7_encode((char *)u, ulen, m, sizeof(m), &mlen)
		    != MUTF7_OK)
			ck_abort_msg("U+%X does not encode", cp);
		if (mutf7_decode(m, mlen, back, sizeof(back), &blen)
		    != MUTF7_OK)
			ck_abort_msg("U+%X: \"%s\" does not decode", cp, m);
		if (blen != ulen || memcmp(back, u, ulen) != 0)
			ck_abort_msg("U+%X: differs after round trip", cp);
		if (mutf7_encode(back, blen, again, sizeof(again), &alen)
		    != MUTF7_OK || alen != mlen || memcmp(again, m, mlen) != 0)
			ck_abort_msg("U+%X: encodes differently", cp);
	}
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(mutf7_status_name(MUTF7_OK), "ok");
	ck_assert_str_eq(mutf7_status_name(MUTF7_NOT_SHORTEST),
	    "not-shortest");
	ck_assert_str_eq(mutf7_status_name((enum mutf7_status)99), "unknown");
}
END_TEST

/* mutf7_suite - the test suite */
static Suite *
mutf7_suite(void)
{
	Suite *s = suite_create("mutf7");
	TCase *tc;

	tc = tcase_create("pairs");
	tcase_add_loop_test(tc, test_encode, 0, NELEM(pairs));
	tcase_add_loop_test(tc, test_decode, 0, NELEM(pairs));
	tcase_add_loop_test(tc, test_buffer_edges, 0, NELEM(pairs));
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_loop_test(tc, test_bad_decode, 0, NELEM(bad_decode));
	tcase_add_loop_test(tc, test_bad_encode, 0, NELEM(bad_encode));
	suite_add_tcase(s, tc);
	tc = tcase_create("round_trip");
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(mutf7_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
