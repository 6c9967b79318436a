/*
 * check_strnum - unit tests for the strict number, time and size parsers.
 *
 * Every table row gives the input, the bounds where they apply, and the
 * expected result; a failed parse must leave the output untouched.
 */
#include "config.h"

#include <check.h>
#include <limits.h>
#include <stdint.h>

#include "strnum.h"

#define UNTOUCHED	UINT64_C(0xdeadbeef)

static const struct {
	const char *name;
	const char *in;
	uint64_t min, max;
	int	want;
	uint64_t val;
} u64s[] = {
	{ "empty", "", 0, UINT64_MAX, -1, 0 },
	{ "zero", "0", 0, UINT64_MAX, 0, 0 },
	{ "plain", "12345", 0, UINT64_MAX, 0, 12345 },
	{ "leading zeros", "0007", 0, UINT64_MAX, 0, 7 },
	{ "max", "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
	{ "max with zeros", "00018446744073709551615", 0, UINT64_MAX, 0,
	    UINT64_MAX },
	{ "overflow by one", "18446744073709551616", 0, UINT64_MAX, -1, 0 },
	{ "overflow far", "99999999999999999999", 0, UINT64_MAX, -1, 0 },
	{ "overflow long", "1000000000000000000000000000000", 0, UINT64_MAX,
	    -1, 0 },
	{ "plus", "+1", 0, UINT64_MAX, -1, 0 },
	{ "minus", "-1", 0, UINT64_MAX, -1, 0 },
	{ "minus zero", "-0", 0, UINT64_MAX, -1, 0 },
	{ "leading blank", " 1", 0, UINT64_MAX, -1, 0 },
	{ "trailing blank", "1 ", 0, UINT64_MAX, -1, 0 },
	{ "inner blank", "1 2", 0, UINT64_MAX, -1, 0 },
	{ "tab", "\t1", 0, UINT64_MAX, -1, 0 },
	{ "trailing newline", "1\n", 0, UINT64_MAX, -1, 0 },
	{ "hex", "0x1f", 0, UINT64_MAX, -1, 0 },
	{ "hex digits", "1f", 0, UINT64_MAX, -1, 0 },
	{ "exponent", "1e3", 0, UINT64_MAX, -1, 0 },
	{ "decimal point", "1.0", 0, UINT64_MAX, -1, 0 },
	{ "unit", "5k", 0, UINT64_MAX, -1, 0 },
	{ "high byte", "1\xff", 0, UINT64_MAX, -1, 0 },
	{ "below min", "4", 5, 10, -1, 0 },
	{ "at min", "5", 5, 10, 0, 5 },
	{ "at max", "10", 5, 10, 0, 10 },
	{ "above max", "11", 5, 10, -1, 0 },
	{ "zero below min", "0", 1, 10, -1, 0 },
	{ "min equals max", "7", 7, 7, 0, 7 },
	{ "max one below", "18446744073709551615", 0, UINT64_MAX - 1, -1,
	    0 },
};

START_TEST(test_u64)
{
	uint64_t v = UNTOUCHED;
	int ret = strnum_u64(u64s[_i].in, u64s[_i].min, u64s[_i].max, &v);

	ck_assert_msg(ret == u64s[_i].want, "%s: got %d, want %d",
	    u64s[_i].name, ret, u64s[_i].want);
	ck_assert_msg(v == (ret == 0 ? u64s[_i].val : UNTOUCHED),
	    "%s: value %ju, want %ju", u64s[_i].name, (uintmax_t)v,
	    (uintmax_t)(ret == 0 ? u64s[_i].val : UNTOUCHED));
}
END_TEST

/* strnum_u64_n: only n bytes count, NULs included. */
static const struct {
	const char *name;
	const char *in;
	size_t	n;
	int	want;
	uint64_t val;
} u64ns[] = {
	{ "prefix", "123abc", 3, 0, 123 },
	{ "one byte", "9", 1, 0, 9 },
	{ "none", "123", 0, -1, 0 },
	{ "into the letters", "123abc", 4, -1, 0 },
	{ "nul inside", "1\0" "2", 3, -1, 0 },
	{ "nul last", "12\0", 3, -1, 0 },
	{ "max, no nul after", "184467440737095516150", 20, 0, UINT64_MAX },
	{ "overflow, no nul after", "184467440737095516160", 20, -1, 0 },
};

START_TEST(test_u64_n)
{
	uint64_t v = UNTOUCHED;
	int ret = strnum_u64_n(u64ns[_i].in, u64ns[_i].n, 0, UINT64_MAX, &v);

	ck_assert_msg(ret == u64ns[_i].want, "%s: got %d, want %d",
	    u64ns[_i].name, ret, u64ns[_i].want);
	ck_assert_msg(v == (ret == 0 ? u64ns[_i].val : UNTOUCHED),
	    "%s: value %ju", u64ns[_i].name, (uintmax_t)v);
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	int	min, max;
	int	want;
	int	val;
} ints[] = {
	{ "plain", "42", 0, 100, 0, 42 },
	{ "int max", "2147483647", 0, INT_MAX, 0, INT_MAX },
	{ "past int max", "2147483648", 0, INT_MAX, -1, 0 },
	{ "far past int max", "18446744073709551615", 0, INT_MAX, -1, 0 },
	{ "u64 overflow", "18446744073709551616", 0, INT_MAX, -1, 0 },
	{ "below min", "0", 1, 10, -1, 0 },
	{ "above max", "11", 1, 10, -1, 0 },
	{ "negative input", "-1", 0, 10, -1, 0 },
	{ "negative min refused", "1", -5, 10, -1, 0 },
	{ "empty", "", 0, 10, -1, 0 },
	{ "blank", " 1", 0, 10, -1, 0 },
};

START_TEST(test_int)
{
	int v = -77;
	int ret = strnum_int(ints[_i].in, ints[_i].min, ints[_i].max, &v);

	ck_assert_msg(ret == ints[_i].want, "%s: got %d, want %d",
	    ints[_i].name, ret, ints[_i].want);
	ck_assert_msg(v == (ret == 0 ? ints[_i].val : -77),
	    "%s: value %d", ints[_i].name, v);
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	int	want;
	uint64_t val;
} times[] = {
	{ "bare", "300", 0, 300 },
	{ "seconds", "300s", 0, 300 },
	{ "minutes", "5m", 0, 300 },
	{ "hours", "2h", 0, 7200 },
	{ "days", "1d", 0, 86400 },
	{ "weeks", "1w", 0, 604800 },
	{ "zero", "0", 0, 0 },
	{ "zero with unit", "0h", 0, 0 },
	{ "leading zeros", "010m", 0, 600 },
	{ "largest weeks", "30500568904943w", 0,
	    UINT64_C(18446744073709526400) },
	{ "weeks overflow", "30500568904944w", -1, 0 },
	{ "seconds overflow", "18446744073709551616s", -1, 0 },
	{ "bare overflow", "18446744073709551616", -1, 0 },
	{ "empty", "", -1, 0 },
	{ "unit alone", "m", -1, 0 },
	{ "seconds unit alone", "s", -1, 0 },
	{ "bad unit", "5x", -1, 0 },
	{ "uppercase unit", "5M", -1, 0 },
	{ "size unit", "5k", -1, 0 },
	{ "two units", "5mm", -1, 0 },
	{ "unit then digits", "5m3", -1, 0 },
	{ "word unit", "5min", -1, 0 },
	{ "blank before unit", "5 m", -1, 0 },
	{ "trailing blank", "5m ", -1, 0 },
	{ "leading blank", " 5m", -1, 0 },
	{ "sign", "-5m", -1, 0 },
	{ "plus", "+5m", -1, 0 },
	{ "fraction", "1.5h", -1, 0 },
	{ "hex", "0x10", -1, 0 },
};

START_TEST(test_time)
{
	uint64_t v = UNTOUCHED;
	int ret = strnum_time(times[_i].in, &v);

	ck_assert_msg(ret == times[_i].want, "%s: got %d, want %d",
	    times[_i].name, ret, times[_i].want);
	ck_assert_msg(v == (ret == 0 ? times[_i].val : UNTOUCHED),
	    "%s: value %ju, want %ju", times[_i].name, (uintmax_t)v,
	    (uintmax_t)times[_i].val);
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	int	want;
	uint64_t val;
} sizes[] = {
	{ "bare", "4096", 0, 4096 },
	{ "kilo", "10k", 0, 10240 },
	{ "mega", "10M", 0, 10485760 },
	{ "giga", "1G", 0, 1073741824 },
	{ "zero", "0", 0, 0 },
	{ "zero with unit", "0M", 0, 0 },
	{ "largest giga", "17179869183G", 0, UINT64_C(18446744072635809792) },
	{ "giga overflow", "17179869184G", -1, 0 },
	{ "largest kilo", "18014398509481983k", 0,
	    UINT64_C(18446744073709550592) },
	{ "kilo overflow", "18014398509481984k", -1, 0 },
	{ "bare overflow", "18446744073709551616", -1, 0 },
	{ "empty", "", -1, 0 },
	{ "unit alone", "M", -1, 0 },
	{ "lowercase mega", "10m", -1, 0 },
	{ "lowercase giga", "1g", -1, 0 },
	{ "bytes suffix", "10MB", -1, 0 },
	{ "time unit", "10s", -1, 0 },
	{ "tera", "1T", -1, 0 },
	{ "blank", "10 M", -1, 0 },
	{ "sign", "-1k", -1, 0 },
	{ "fraction", "1.5G", -1, 0 },
};

START_TEST(test_size)
{
	uint64_t v = UNTOUCHED;
	int ret = strnum_size(sizes[_i].in, &v);

	ck_assert_msg(ret == sizes[_i].want, "%s: got %d, want %d",
	    sizes[_i].name, ret, sizes[_i].want);
	ck_assert_msg(v == (ret == 0 ? sizes[_i].val : UNTOUCHED),
	    "%s: value %ju, want %ju", sizes[_i].name, (uintmax_t)v,
	    (uintmax_t)sizes[_i].val);
}
END_TEST

static Suite *
strnum_suite(void)
{
	Suite *s = suite_create("strnum");
	TCase *tc;

	tc = tcase_create("u64");
	tcase_add_loop_test(tc, test_u64, 0, sizeof(u64s) / sizeof(u64s[0]));
	tcase_add_loop_test(tc, test_u64_n, 0,
	    sizeof(u64ns) / sizeof(u64ns[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("int");
	tcase_add_loop_test(tc, test_int, 0, sizeof(ints) / sizeof(ints[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("time");
	tcase_add_loop_test(tc, test_time, 0, sizeof(times) / sizeof(times[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("size");
	tcase_add_loop_test(tc, test_size, 0, sizeof(sizes) / sizeof(sizes[0]));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(strnum_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
