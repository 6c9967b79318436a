/*
 * check_imap_date - unit tests for common/imap_date.c.
 *
 * Tables of IMAP date-times, IMAP dates and RFC 5322 Date: values (the
 * obsolete forms, comments and zones among them) with the exact UTC
 * seconds and zone each gives or the status each must fail with; calendar
 * edges (leap years, 9999, year 1); formatting against known text and a
 * round trip over many days. Inputs are exact-size heap copies, so the
 * sanitizers see any read past the end.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_date.h"
#include "mem.h"

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

/* 1996-07-17 09:44:25 UTC, the RFC 3501 example */
#define RFC_T	837596665LL

/* A text that gives a time and zone, or fails with a status. */
struct time_case {
	const char *name;
	const char *in;
	size_t	len;
	enum imap_date_status want;
	int64_t	t;
	int	zone;
};

typedef enum imap_date_status (*time_parser)(const char *, size_t,
	    int64_t *, int *);

/* check_time - run one time case through parse */
static void
check_time(const struct time_case *c, time_parser parse)
{
	char *in = exact(c->in, c->len);
	int64_t t = 12345;
	int zone = 777;
	enum imap_date_status st;

	st = parse(in, c->len, &t, &zone);
	ck_assert_msg(st == c->want, "%s: got %s, want %s", c->name,
	    imap_date_status_name(st), imap_date_status_name(c->want));
	if (st == IMAP_DATE_OK)
		ck_assert_msg(t == c->t && zone == c->zone,
		    "%s: got %lld %d, want %lld %d", c->name, (long long)t,
		    zone, (long long)c->t, c->zone);
	else
		ck_assert(t == 12345 && zone == 777);
	free(in);
}

static const struct time_case dt_cases[] = {
	{ "rfc", L("17-Jul-1996 02:44:25 -0700"), IMAP_DATE_OK, RFC_T, -420 },
	{ "lower month", L("17-jul-1996 02:44:25 -0700"), IMAP_DATE_OK, RFC_T,
	    -420 },
	{ "space day", L(" 1-Jan-1970 00:00:00 +0000"), IMAP_DATE_OK, 0, 0 },
	{ "zero day", L("01-Jan-1970 00:00:00 +0000"), IMAP_DATE_OK, 0, 0 },
	{ "east", L("01-Jan-1970 01:30:00 +0130"), IMAP_DATE_OK, 0, 90 },
	{ "before epoch", L("31-Dec-1969 23:59:59 +0000"), IMAP_DATE_OK, -1,
	    0 },
	{ "leap day", L("29-Feb-2000 12:00:00 +0000"), IMAP_DATE_OK,
	    951825600LL, 0 },
	{ "leap second", L("31-Dec-2016 23:59:60 +0000"), IMAP_DATE_OK,
	    1483228800LL, 0 },
	{ "y2038", L("19-Jan-2038 03:14:08 +0000"), IMAP_DATE_OK,
	    2147483648LL, 0 },
	{ "year 9999", L("31-Dec-9999 23:59:59 +0000"), IMAP_DATE_OK,
	    253402300799LL, 0 },
	{ "one digit day", L("1-Jan-1970 00:00:00 +0000"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "no zone", L("17-Jul-1996 02:44:25"), IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "quoted", L("\"17-Jul-1996 02:44:25 -0700\""),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "bad month", L("17-Jux-1996 02:44:25 -0700"), IMAP_DATE_BAD_SYNTAX, 0,
	    0 },
	{ "slashes", L("17/Jul/1996 02:44:25 -0700"), IMAP_DATE_BAD_SYNTAX, 0,
	    0 },
	{ "nul", L("17-Jul-1996 02:44:25 -07\0000"), IMAP_DATE_BAD_ZONE, 0, 0 },
	{ "letters zone", L("17-Jul-1996 02:44:25 +07O0"), IMAP_DATE_BAD_ZONE,
	    0, 0 },
	{ "zone minutes", L("17-Jul-1996 02:44:25 +0760"), IMAP_DATE_BAD_ZONE,
	    0, 0 },
	{ "no sign", L("17-Jul-1996 02:44:25 00700"), IMAP_DATE_BAD_ZONE, 0,
	    0 },
	{ "31 feb", L("31-Feb-1996 02:44:25 -0700"), IMAP_DATE_BAD_VALUE, 0,
	    0 },
	{ "29 feb 1900", L("29-Feb-1900 02:44:25 -0700"), IMAP_DATE_BAD_VALUE,
	    0, 0 },
	{ "day 0", L("00-Jul-1996 02:44:25 -0700"), IMAP_DATE_BAD_VALUE, 0, 0 },
	{ "hour 24", L("17-Jul-1996 24:00:00 -0700"), IMAP_DATE_BAD_VALUE, 0,
	    0 },
	{ "minute 60", L("17-Jul-1996 02:60:00 -0700"), IMAP_DATE_BAD_VALUE, 0,
	    0 },
	{ "second 61", L("17-Jul-1996 02:44:61 -0700"), IMAP_DATE_BAD_VALUE, 0,
	    0 },
	{ "year 0", L("17-Jul-0000 02:44:25 -0700"), IMAP_DATE_BAD_VALUE, 0,
	    0 },
	{ "empty", L(""), IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "one more", L("17-Jul-1996 02:44:25 -07000"), IMAP_DATE_BAD_SYNTAX, 0,
	    0 },
};

START_TEST(test_date_time)
{
	check_time(&dt_cases[_i], imap_date_time_parse);
}
END_TEST

/* Formatting, and parsing the result back. */
START_TEST(test_date_time_format)
{
	char out[IMAP_DATE_TIME_SIZE];
	int64_t t, back;
	int zone;

	ck_assert(imap_date_time_format(RFC_T, -420, out) == IMAP_DATE_OK);
	ck_assert_str_eq(out, "17-Jul-1996 02:44:25 -0700");
	ck_assert(imap_date_time_format(0, 0, out) == IMAP_DATE_OK);
	ck_assert_str_eq(out, "01-Jan-1970 00:00:00 +0000");
	ck_assert(imap_date_time_format(-1, 90, out) == IMAP_DATE_OK);
	ck_assert_str_eq(out, "01-Jan-1970 01:29:59 +0130");
	ck_assert(imap_date_time_format(253402300799LL, 0, out)
	    == IMAP_DATE_OK);
	ck_assert_str_eq(out, "31-Dec-9999 23:59:59 +0000");
	ck_assert(imap_date_time_format(253402300799LL + 86400 * 5, 0, out)
	    == IMAP_DATE_BAD_VALUE);
	ck_assert_str_eq(out, "");
	ck_assert(imap_date_time_format(-62135596800LL - 86400, 0, out)
	    == IMAP_DATE_BAD_VALUE);
	ck_assert(imap_date_time_format(0, 100 * 60, out)
	    == IMAP_DATE_BAD_VALUE);
	/* every ~17 hours from 1900 to 2100 in a few zones */
	for (t = -2208988800LL; t < 4102444800LL; t += 61237) {
		static const int zones[] = { 0, -420, 330, 59, -59, 845 };
		size_t k;

		for (k = 0; k < NELEM(zones); k++) {
			if (imap_date_time_format(t, zones[k], out)
			    != IMAP_DATE_OK)
				ck_abort_msg("%lld: format", (long long)t);
			if (imap_date_time_parse(out, strlen(out), &back,
			    &zone) != IMAP_DATE_OK || back != t
			    || zone != zones[k])
				ck_abort_msg("%lld: \"%s\" back %lld",
				    (long long)t, out, (long long)back);
		}
	}
}
END_TEST

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	enum imap_date_status want;
	int64_t	day;
} d_cases[] = {
	{ "rfc", L("1-Feb-1994"), IMAP_DATE_OK, 8797 },
	{ "two digits", L("01-Feb-1994"), IMAP_DATE_OK, 8797 },
	{ "epoch", L("1-jan-1970"), IMAP_DATE_OK, 0 },
	{ "before", L("31-Dec-1969"), IMAP_DATE_OK, -1 },
	{ "first", L("1-Jan-0001"), IMAP_DATE_OK, -719162 },
	{ "last", L("31-Dec-9999"), IMAP_DATE_OK, 2932896 },
	{ "space day", L(" 1-Feb-1994"), IMAP_DATE_BAD_SYNTAX, 0 },
	{ "three digit day", L("001-Feb-1994"), IMAP_DATE_BAD_SYNTAX, 0 },
	{ "two digit year", L("1-Feb-94"), IMAP_DATE_BAD_SYNTAX, 0 },
	{ "with time", L("1-Feb-1994 00:00:00 +0000"), IMAP_DATE_BAD_SYNTAX,
	    0 },
	{ "full month", L("1-February-1994"), IMAP_DATE_BAD_SYNTAX, 0 },
	{ "bad sep", L("1 Feb 1994"), IMAP_DATE_BAD_SYNTAX, 0 },
	{ "nul", L("1-Feb-199\0"), IMAP_DATE_BAD_SYNTAX, 0 },
	{ "30 feb", L("30-Feb-1994"), IMAP_DATE_BAD_VALUE, 0 },
	{ "29 feb 2100", L("29-Feb-2100"), IMAP_DATE_BAD_VALUE, 0 },
	{ "29 feb 2400", L("29-Feb-2400"), IMAP_DATE_OK, 157113 },
	{ "day 0", L("0-Feb-1994"), IMAP_DATE_BAD_VALUE, 0 },
	{ "day 32", L("32-Jan-1994"), IMAP_DATE_BAD_VALUE, 0 },
	{ "empty", L(""), IMAP_DATE_BAD_SYNTAX, 0 },
};

START_TEST(test_date)
{
	char *in = exact(d_cases[_i].in, d_cases[_i].len);
	char out[IMAP_DATE_SIZE];
	int64_t day = 12345, back;
	enum imap_date_status st;

	st = imap_date_parse(in, d_cases[_i].len, &day);
	ck_assert_msg(st == d_cases[_i].want, "%s: got %s, want %s",
	    d_cases[_i].name, imap_date_status_name(st),
	    imap_date_status_name(d_cases[_i].want));
	if (st == IMAP_DATE_OK) {
		ck_assert_msg(day == d_cases[_i].day, "%s: day %lld",
		    d_cases[_i].name, (long long)day);
		ck_assert(imap_date_format(day, out) == IMAP_DATE_OK);
		ck_assert(imap_date_parse(out, strlen(out), &back)
		    == IMAP_DATE_OK && back == day);
	} else
		ck_assert(day == 12345);
	free(in);
}
END_TEST

START_TEST(test_date_format)
{
	char out[IMAP_DATE_SIZE];
	int64_t day, back;

	ck_assert(imap_date_format(8797, out) == IMAP_DATE_OK);
	ck_assert_str_eq(out, "1-Feb-1994");
	ck_assert(imap_date_format(2932896, out) == IMAP_DATE_OK);
	ck_assert_str_eq(out, "31-Dec-9999");
	ck_assert(imap_date_format(2932897, out) == IMAP_DATE_BAD_VALUE);
	ck_assert_str_eq(out, "");
	ck_assert(imap_date_format(-719163, out) == IMAP_DATE_BAD_VALUE);
	for (day = -719162; day <= 2932896; day += 7) {
		if (imap_date_format(day, out) != IMAP_DATE_OK
		    || imap_date_parse(out, strlen(out), &back) != IMAP_DATE_OK
		    || back != day)
			ck_abort_msg("day %lld: \"%s\"", (long long)day, out);
	}
	ck_assert(imap_date_day_of(0, 0) == 0);
	ck_assert(imap_date_day_of(-1, 0) == -1);
	ck_assert(imap_date_day_of(-86400, 0) == -1);
	ck_assert(imap_date_day_of(-86401, 0) == -2);
	/* 1996-07-17 02:44:25 -0700 is the 17th there, 09:44 UTC */
	ck_assert(imap_date_day_of(RFC_T, -420) == 9694);
	ck_assert(imap_date_day_of(RFC_T - 10 * 3600, 0) == 9693);
	ck_assert(imap_date_day_of(RFC_T - 10 * 3600, -420) == 9693);
}
END_TEST

static const struct time_case h_cases[] = {
	{ "full", L("Wed, 17 Jul 1996 02:44:25 -0700"), IMAP_DATE_OK, RFC_T,
	    -420 },
	{ "no day name", L("17 Jul 1996 02:44:25 -0700"), IMAP_DATE_OK, RFC_T,
	    -420 },
	{ "no seconds", L("17 Jul 1996 02:44 -0700"), IMAP_DATE_OK,
	    RFC_T - 25, -420 },
	{ "one digit", L("Thu, 1 Jan 1970 00:00:00 +0000"), IMAP_DATE_OK, 0,
	    0 },
	{ "wrong day name", L("Mon, 1 Jan 1970 00:00:00 +0000"), IMAP_DATE_OK,
	    0, 0 },
	{ "folded", L("Wed,\r\n 17 Jul\r\n\t1996 02:44:25\r\n -0700"),
	    IMAP_DATE_OK, RFC_T, -420 },
	{ "comments", L("(c) Wed (x(y)z) , 17 Jul 1996 02:44:25 -0700 (PDT)"),
	    IMAP_DATE_OK, RFC_T, -420 },
	{ "escaped paren", L("17 Jul 1996 02:44:25 -0700 (a \\) b)"),
	    IMAP_DATE_OK, RFC_T, -420 },
	{ "obs cfws time", L("17 Jul 1996 02 : 44 : 25 -0700"), IMAP_DATE_OK,
	    RFC_T, -420 },
	{ "lower", L("wed, 17 jul 1996 02:44:25 -0700"), IMAP_DATE_OK, RFC_T,
	    -420 },
	{ "2-digit 96", L("17 Jul 96 02:44:25 -0700"), IMAP_DATE_OK, RFC_T,
	    -420 },
	{ "2-digit 00", L("1 Jan 00 00:00:00 +0000"), IMAP_DATE_OK,
	    946684800LL, 0 },
	{ "2-digit 49", L("1 Jan 49 00:00:00 +0000"), IMAP_DATE_OK,
	    2493072000LL, 0 },
	{ "2-digit 50", L("1 Jan 50 00:00:00 +0000"), IMAP_DATE_OK,
	    -631152000LL, 0 },
	{ "3-digit", L("1 Jan 100 00:00:00 +0000"), IMAP_DATE_OK, 946684800LL,
	    0 },
	{ "pdt", L("17 Jul 1996 02:44:25 PDT"), IMAP_DATE_OK, RFC_T, -420 },
	{ "est", L("17 Jul 1996 04:44:25 EST"), IMAP_DATE_OK, RFC_T, -300 },
	{ "gmt", L("17 Jul 1996 09:44:25 GMT"), IMAP_DATE_OK, RFC_T, 0 },
	{ "ut", L("17 Jul 1996 09:44:25 UT"), IMAP_DATE_OK, RFC_T, 0 },
	{ "military", L("17 Jul 1996 09:44:25 Z"), IMAP_DATE_OK, RFC_T, 0 },
	{ "military a", L("17 Jul 1996 09:44:25 a"), IMAP_DATE_OK, RFC_T, 0 },
	{ "minus zero", L("17 Jul 1996 09:44:25 -0000"), IMAP_DATE_OK, RFC_T,
	    0 },
	{ "trailing blank", L("17 Jul 1996 09:44:25 +0000 \r\n"),
	    IMAP_DATE_OK, RFC_T, 0 },
	{ "military j", L("17 Jul 1996 09:44:25 J"), IMAP_DATE_BAD_ZONE, 0, 0 },
	{ "unknown zone", L("17 Jul 1996 09:44:25 CET"), IMAP_DATE_BAD_ZONE, 0,
	    0 },
	{ "no zone", L("17 Jul 1996 09:44:25"), IMAP_DATE_BAD_ZONE, 0, 0 },
	{ "short zone", L("17 Jul 1996 09:44:25 +000"), IMAP_DATE_BAD_ZONE, 0,
	    0 },
	{ "long zone", L("17 Jul 1996 09:44:25 +00000"), IMAP_DATE_BAD_ZONE, 0,
	    0 },
	{ "spaced zone", L("17 Jul 1996 09:44:25 + 0000"), IMAP_DATE_BAD_ZONE,
	    0, 0 },
	{ "zone minutes", L("17 Jul 1996 09:44:25 +0099"), IMAP_DATE_BAD_ZONE,
	    0, 0 },
	{ "junk after", L("17 Jul 1996 09:44:25 +0000 x"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "two zones", L("17 Jul 1996 09:44:25 +0000 GMT"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "bad day name", L("Wen, 17 Jul 1996 02:44:25 -0700"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "no comma", L("Wed 17 Jul 1996 02:44:25 -0700"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "full month", L("17 July 1996 02:44:25 -0700"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "iso", L("1996-07-17T02:44:25-07:00"), IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "unclosed comment", L("17 Jul 1996 02:44:25 -0700 (x"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "nul", L("17 Jul 1996\0 02:44:25 -0700"), IMAP_DATE_BAD_SYNTAX, 0,
	    0 },
	{ "8bit", L("17 Jul 1996 02:44:25 -0700 \xc3\xa9"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "truncated", L("17 Jul 1996 02:"), IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "empty", L(""), IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "blank", L("   "), IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "5-digit year", L("17 Jul 19960 02:44:25 -0700"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
	{ "31 apr", L("31 Apr 1996 02:44:25 -0700"), IMAP_DATE_BAD_VALUE, 0,
	    0 },
	{ "hour 25", L("17 Jul 1996 25:44:25 -0700"), IMAP_DATE_BAD_VALUE, 0,
	    0 },
	{ "3-digit day", L("017 Jul 1996 02:44:25 -0700"),
	    IMAP_DATE_BAD_SYNTAX, 0, 0 },
};

START_TEST(test_rfc5322)
{
	check_time(&h_cases[_i], imap_date_rfc5322_parse);
}
END_TEST

/* Deep comments are refused, not recursed into. */
START_TEST(test_rfc5322_deep)
{
	char buf[2048];
	int64_t t;
	int zone;
	size_t n;

	n = (size_t)snprintf(buf, sizeof(buf), "17 Jul 1996 02:44:25 -0700 ");
	memset(buf + n, '(', 500);
	memset(buf + n + 500, ')', 500);
	ck_assert(imap_date_rfc5322_parse(buf, n + 1000, &t, &zone)
	    == IMAP_DATE_BAD_SYNTAX);
	ck_assert(imap_date_rfc5322_parse(buf, n + 100, &t, &zone)
	    == IMAP_DATE_BAD_SYNTAX);
	memset(buf + n, '(', 50);
	memset(buf + n + 50, ')', 50);
	ck_assert(imap_date_rfc5322_parse(buf, n + 100, &t, &zone)
	    == IMAP_DATE_OK);
	ck_assert_str_eq(imap_date_status_name(IMAP_DATE_BAD_ZONE),
	    "bad-zone");
	ck_assert_str_eq(imap_date_status_name((enum imap_date_status)99),
	    "unknown");
}
END_TEST

/* imap_date_suite - the test suite */
static Suite *
imap_date_suite(void)
{
	Suite *s = suite_create("imap_date");
	TCase *tc;

	tc = tcase_create("date_time");
	tcase_add_loop_test(tc, test_date_time, 0, NELEM(dt_cases));
	tcase_add_test(tc, test_date_time_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("date");
	tcase_add_loop_test(tc, test_date, 0, NELEM(d_cases));
	tcase_add_test(tc, test_date_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("rfc5322");
	tcase_add_loop_test(tc, test_rfc5322, 0, NELEM(h_cases));
	tcase_add_test(tc, test_rfc5322_deep);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(imap_date_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
