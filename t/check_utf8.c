/*
 * check_utf8 - unit tests for common/utf8.c.
 *
 * A table of byte sequences at every edge of RFC 3629 section 4 (the
 * smallest and largest of each length, overlong forms, surrogates, past
 * U+10FFFF, truncated and stray bytes, NUL) with the length and code
 * point each must give; every code point round-trips through
 * utf8_encode() and utf8_decode(); each case is read from an exact-size
 * heap copy so the sanitizers catch a read past the end.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "utf8.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define L(lit)		lit, sizeof(lit) - 1

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	size_t	want_len;	/* utf8_decode(); 0 = malformed */
	uint32_t want_cp;
} cases[] = {
	{ "empty", L(""), 0, 0 },
	{ "nul", L("\0"), 1, 0 },
	{ "ascii", L("A"), 1, 'A' },
	{ "del", L("\x7f"), 1, 0x7f },
	{ "2 min", L("\xc2\x80"), 2, 0x80 },
	{ "2 max", L("\xdf\xbf"), 2, 0x7ff },
	{ "2 overlong c0", L("\xc0\xaf"), 0, 0 },
	{ "2 overlong c1", L("\xc1\xbf"), 0, 0 },
	{ "2 truncated", L("\xc3"), 0, 0 },
	{ "2 bad cont", L("\xc3\x41"), 0, 0 },
	{ "3 min", L("\xe0\xa0\x80"), 3, 0x800 },
	{ "3 overlong", L("\xe0\x9f\xbf"), 0, 0 },
	{ "3 before surrogates", L("\xed\x9f\xbf"), 3, 0xd7ff },
	{ "3 high surrogate", L("\xed\xa0\x80"), 0, 0 },
	{ "3 low surrogate", L("\xed\xbf\xbf"), 0, 0 },
	{ "3 after surrogates", L("\xee\x80\x80"), 3, 0xe000 },
	{ "3 max", L("\xef\xbf\xbf"), 3, 0xffff },
	{ "3 truncated", L("\xe2\x82"), 0, 0 },
	{ "3 nul cont", L("\xe2\x82\0"), 0, 0 },
	{ "4 min", L("\xf0\x90\x80\x80"), 4, 0x10000 },
	{ "4 overlong", L("\xf0\x8f\xbf\xbf"), 0, 0 },
	{ "4 max", L("\xf4\x8f\xbf\xbf"), 4, 0x10ffff },
	{ "4 past max", L("\xf4\x90\x80\x80"), 0, 0 },
	{ "f5", L("\xf5\x80\x80\x80"), 0, 0 },
	{ "ff", L("\xff"), 0, 0 },
	{ "stray cont", L("\x80"), 0, 0 },
	{ "4 truncated", L("\xf0\x9f\x93"), 0, 0 },
	{ "4 then more", L("\xf0\x9f\x93\xa7x"), 4, 0x1f4e7 },
};

START_TEST(test_decode)
{
	char *in = xmalloc(cases[_i].len ? cases[_i].len : 1);
	uint32_t cp = 0xdeadbeef;
	size_t got, clen;

	memcpy(in, cases[_i].in, cases[_i].len);
	got = utf8_decode((unsigned char *)in, cases[_i].len, &cp);
	ck_assert_msg(got == cases[_i].want_len, "%s: got len %zu, want %zu",
	    cases[_i].name, got, cases[_i].want_len);
	if (got != 0)
		ck_assert_msg(cp == cases[_i].want_cp,
		    "%s: got U+%X, want U+%X",
		    cases[_i].name, cp, cases[_i].want_cp);
	else
		ck_assert_msg(cp == 0xdeadbeef, "%s: cp changed",
		    cases[_i].name);
	/* utf8_char_len() agrees, but says 0 for ASCII. */
	clen = utf8_char_len((unsigned char *)in, cases[_i].len);
	ck_assert_msg(clen == (got > 1 ? got : 0), "%s: char_len %zu",
	    cases[_i].name, clen);
	/* utf8_valid() on the sequence alone. */
	if (cases[_i].len > 0 && got == cases[_i].len)
		ck_assert_msg(utf8_valid(in, cases[_i].len), "%s: valid",
		    cases[_i].name);
	if (got == 0 && cases[_i].len > 0 && in[0] != '\0')
		ck_assert_msg(!utf8_valid(in, cases[_i].len), "%s: invalid",
		    cases[_i].name);
	free(in);
}
END_TEST

START_TEST(test_round_trip)
{
	unsigned char buf[UTF8_MAX_LEN];
	uint32_t cp, back;
	size_t n, m;

	/* Plain ifs: a ck_assert per code point is too slow here. */
	for (cp = 0; cp <= UTF8_MAX_CP + 10; cp++) {
		n = utf8_encode(cp, buf);
		if ((cp >= 0xd800 && cp <= 0xdfff) || cp > UTF8_MAX_CP) {
			if (n != 0)
				ck_abort_msg("U+%X encoded", cp);
			continue;
		}
		if (n != (cp < 0x80 ? 1U : cp < 0x800 ? 2U :
		    cp < 0x10000 ? 3U : 4U))
			ck_abort_msg("U+%X: len %zu", cp, n);
		m = utf8_decode(buf, n, &back);
		if (m != n || back != cp)
			ck_abort_msg("U+%X: back U+%X", cp, back);
		if (!utf8_valid((char *)buf, n))
			ck_abort_msg("U+%X invalid", cp);
		/* one byte short never decodes */
		if (n > 1 && utf8_decode(buf, n - 1, &back) != 0)
			ck_abort_msg("U+%X: truncated decoded", cp);
	}
	ck_assert(utf8_encode(0xffffffffU, buf) == 0);
}
END_TEST

START_TEST(test_valid_strings)
{
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid(L("plain ascii \x01\x7f")));
	ck_assert(utf8_valid(L("a\0b")));
	ck_assert(utf8_valid(L("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7")));
	ck_assert(!utf8_valid(L("caf\xc3")));
	ck_assert(!utf8_valid(L("\xc3\xa9\x80")));
	ck_assert(!utf8_valid(L("x\xed\xa0\x80y")));
}
END_TEST

static const struct {
	const char *name;
	uint32_t in, want;
} fold_cases[] = {
	{ "ascii upper", 'Q', 'q' },
	{ "ascii lower", 'q', 'q' },
	{ "digit", '7', '7' },
	{ "latin-1 A grave", 0xc0, 0xe0 },
	{ "multiplication sign", 0xd7, 0xd7 },
	{ "sharp s stays", 0xdf, 0xdf },
	{ "micro sign", 0xb5, 0x3bc },
	{ "L with stroke", 0x141, 0x142 },
	{ "dotless i stays", 0x131, 0x131 },
	{ "long s", 0x17f, 's' },
	{ "Y diaeresis", 0x178, 0xff },
	{ "greek sigma", 0x3a3, 0x3c3 },
	{ "final sigma", 0x3c2, 0x3c3 },
	{ "cyrillic ya", 0x42f, 0x44f },
	{ "cyrillic io", 0x401, 0x451 },
	{ "capital sharp s", 0x1e9e, 0xdf },
	{ "kelvin", 0x212a, 'k' },
	{ "unknown CJK", 0x4e2d, 0x4e2d },
};

START_TEST(test_fold)
{
	uint32_t got = utf8_fold(fold_cases[_i].in);

	ck_assert_msg(got == fold_cases[_i].want, "%s: got U+%04X, want U+%04X",
	    fold_cases[_i].name, (unsigned)got, (unsigned)fold_cases[_i].want);
	ck_assert_msg(utf8_fold(got) == got, "%s: folding twice changed it",
	    fold_cases[_i].name);
}
END_TEST

/* utf8_suite - the test suite */
static Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc;

	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_decode, 0, NELEM(cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("round_trip");
	tcase_add_test(tc, test_round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("valid");
	tcase_add_test(tc, test_valid_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("fold");
	tcase_add_loop_test(tc, test_fold, 0, NELEM(fold_cases));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(utf8_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
