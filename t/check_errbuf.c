/*
 * check_errbuf - unit tests for formatting error texts into a fixed buffer.
 *
 * Each row formats one text into a buffer of a given size and checks the
 * result: whole when it fits, cut to end in "..." when it does not.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "errbuf.h"
#include "tutil.h"

#define BUFSZ	16

static const struct {
	const char *name;
	size_t	size;
	const char *arg;
	const char *want;
} cases[] = {
	{ "empty", BUFSZ, "", "x: " },
	{ "short", BUFSZ, "abc", "x: abc" },
	{ "fits exactly", BUFSZ, "abcdefghijkl", "x: abcdefghijkl" },
	{ "one over", BUFSZ, "abcdefghijklm", "x: abcdefghi..." },
	{ "far over", BUFSZ, "abcdefghijklmnopqrstuvwxyz", "x: abcdefghi..." },
	{ "smallest buffer", 4, "abc", "..." },
	{ "small fits", 7, "abc", "x: abc" },
	{ "small over", 7, "abcd", "x: ..." },
};

START_TEST(test_format)
{
	char buf[BUFSZ + 1];
	const char *got;

	/* a byte past the given size shows any write beyond it */
	memset(buf, '#', sizeof(buf));
	got = errbuf_format(buf, cases[_i].size, "fallback", "x: %s",
	    cases[_i].arg);
	ck_assert_msg(got == buf, "%s: not the buffer", cases[_i].name);
	ck_assert_msg(strcmp(got, cases[_i].want) == 0,
	    "%s: got \"%s\", want \"%s\"", cases[_i].name, got,
	    cases[_i].want);
	ck_assert_msg(buf[cases[_i].size] == '#', "%s: wrote past the buffer",
	    cases[_i].name);
}
END_TEST

static Suite *
errbuf_suite(void)
{
	Suite *s = suite_create("errbuf");
	TCase *tc;

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_format, 0, NELEM(cases));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	return (tutil_run(errbuf_suite()));
}
