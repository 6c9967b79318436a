/*
 * check_imap_seqset - unit tests for common/imap_seqset.c.
 *
 * A table of sequence sets, each with its status, the ranges as parsed,
 * and (for valid ones) the normalised form against a given "*", as text;
 * membership of every value near the edges against a brute-force answer;
 * iteration against the count; the range bound at its exact edge; and
 * formatting into buffers one byte too small. Inputs are exact-size heap
 * copies so the sanitizers catch a read past the end.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_seqset.h"
#include "mem.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define L(lit)		lit, sizeof(lit) - 1
#define CAP		8
#define BAD(name, in, flags, st) \
	{ name, L(in), flags, st, NULL, 0, NULL, 0 }

/* exact - an exact-size heap copy (free it) */
static char *
exact(const char *p, size_t n)
{
	char *c = xmalloc(n ? n : 1);

	memcpy(c, p, n);
	return (c);
}

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	int	flags;
	enum imap_seqset_status want;
	const char *parsed;	/* format() of the set as parsed */
	uint32_t max;		/* "*" for normalising */
	const char *norm;	/* format() once normalised */
	uint64_t count;
} cases[] = {
	{ "one", L("1"), 0, IMAP_SEQSET_OK, "1", 10, "1", 1 },
	{ "star", L("*"), 0, IMAP_SEQSET_OK, "*", 10, "10", 1 },
	{ "rfc", L("1:5,7,9:*"), 0, IMAP_SEQSET_OK, "1:5,7,9:*", 20,
	    "1:5,7,9:20", 18 },
	{ "reversed", L("4:2"), 0, IMAP_SEQSET_OK, "4:2", 10, "2:4", 3 },
	{ "star first", L("*:4"), 0, IMAP_SEQSET_OK, "*:4", 10, "4:10", 7 },
	{ "star beyond", L("12:*"), 0, IMAP_SEQSET_OK, "12:*", 10, "10:12",
	    3 },
	{ "merge", L("5,1:3,4,9,8,10:12,2"), 0, IMAP_SEQSET_OK,
	    "5,1:3,4,9,8,10:12,2", 100, "1:5,8:12", 10 },
	{ "overlap", L("1:10,5:20,3"), 0, IMAP_SEQSET_OK, "1:10,5:20,3", 100,
	    "1:20", 20 },
	{ "gap kept", L("1:3,5:6"), 0, IMAP_SEQSET_OK, "1:3,5:6", 100,
	    "1:3,5:6", 5 },
	{ "max number", L("4294967295"), 0, IMAP_SEQSET_OK, "4294967295",
	    1, "4294967295", 1 },
	{ "full range", L("1:4294967295"), 0, IMAP_SEQSET_OK,
	    "1:4294967295", 1, "1:4294967295", 4294967295ULL },
	{ "top merge", L("4294967295,4294967294"), 0, IMAP_SEQSET_OK,
	    "4294967295,4294967294", 1, "4294967294:4294967295", 2 },
	{ "star empty box", L("1:*,3"), 0, IMAP_SEQSET_OK, "1:*,3", 0, "3",
	    1 },
	{ "only star empty", L("*"), 0, IMAP_SEQSET_OK, "*", 0, "", 0 },
	{ "dollar", L("$"), IMAP_SEQSET_ALLOW_DOLLAR, IMAP_SEQSET_OK, "$", 5,
	    "$", 0 },
	{ "eight", L("1,3,5,7,9,11,13,15"), 0, IMAP_SEQSET_OK,
	    "1,3,5,7,9,11,13,15", 20, "1,3,5,7,9,11,13,15", 8 },
	/* failures */
	BAD("empty", "", 0, IMAP_SEQSET_EMPTY),
	BAD("nine", "1,3,5,7,9,11,13,15,17", 0, IMAP_SEQSET_TOO_MANY),
	BAD("dollar refused", "$", 0, IMAP_SEQSET_DOLLAR),
	BAD("dollar in list", "1,$", IMAP_SEQSET_ALLOW_DOLLAR,
	    IMAP_SEQSET_BAD_SYNTAX),
	BAD("dollar after", "1$", IMAP_SEQSET_ALLOW_DOLLAR,
	    IMAP_SEQSET_DOLLAR),
	BAD("zero", "0", 0, IMAP_SEQSET_ZERO),
	BAD("zero range", "1:0", 0, IMAP_SEQSET_ZERO),
	BAD("leading zero", "01", 0, IMAP_SEQSET_ZERO),
	BAD("too big", "4294967296", 0, IMAP_SEQSET_TOO_BIG),
	BAD("way too big", "99999999999999999999999", 0,
	    IMAP_SEQSET_TOO_BIG),
	BAD("empty element", "1,,2", 0, IMAP_SEQSET_EMPTY),
	BAD("trailing comma", "1,", 0, IMAP_SEQSET_EMPTY),
	BAD("leading comma", ",1", 0, IMAP_SEQSET_EMPTY),
	BAD("open range", "1:", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("range comma", "1:,2", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("double colon", "1:2:3", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("colon first", ":1", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("blank", "1, 2", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("sign", "+1", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("minus", "-1", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("letters", "1:a", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("double star", "**", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("nul", "1\0", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("nul inside", "1,\0002", 0, IMAP_SEQSET_BAD_SYNTAX),
	BAD("8bit", "1\xc2\xb9", 0, IMAP_SEQSET_BAD_SYNTAX),
};

START_TEST(test_parse)
{
	struct imap_seq_range r[CAP];
	struct imap_seqset set;
	char out[256], *in = exact(cases[_i].in, cases[_i].len);
	enum imap_seqset_status st;
	size_t n;

	imap_seqset_init(&set, r, CAP);
	st = imap_seqset_parse(in, cases[_i].len, cases[_i].flags, &set);
	ck_assert_msg(st == cases[_i].want, "%s: got %s, want %s",
	    cases[_i].name, imap_seqset_status_name(st),
	    imap_seqset_status_name(cases[_i].want));
	free(in);
	if (st != IMAP_SEQSET_OK) {
		ck_assert_msg(set.count == 0 && !set.dollar, "%s: not empty",
		    cases[_i].name);
		return;
	}
	st = imap_seqset_format(&set, out, sizeof(out), &n);
	ck_assert_msg(st == IMAP_SEQSET_OK, "%s: format %s", cases[_i].name,
	    imap_seqset_status_name(st));
	ck_assert_msg(strcmp(out, cases[_i].parsed) == 0, "%s: parsed as "
	    "\"%s\", want \"%s\"", cases[_i].name, out, cases[_i].parsed);
	imap_seqset_normalise(&set, cases[_i].max);
	st = imap_seqset_format(&set, out, sizeof(out), &n);
	ck_assert_msg(st == (strcmp(cases[_i].norm, "") == 0 ?
	    IMAP_SEQSET_EMPTY : IMAP_SEQSET_OK), "%s: format normalised %s",
	    cases[_i].name, imap_seqset_status_name(st));
	ck_assert_msg(strcmp(out, cases[_i].norm) == 0, "%s: normalised "
	    "\"%s\", want \"%s\"", cases[_i].name, out, cases[_i].norm);
	ck_assert_uint_eq(n, strlen(out));
	ck_assert_msg(imap_seqset_count(&set) == cases[_i].count,
	    "%s: count %llu", cases[_i].name,
	    (unsigned long long)imap_seqset_count(&set));
}
END_TEST

/*
 * Membership before and after normalising, against the normalised
 * ranges read the slow way, for every value 0..30 and the top ones.
 */
START_TEST(test_contains)
{
	static const uint32_t top[] = { 4294967293U, 4294967294U,
	    4294967295U };
	struct imap_seq_range r[CAP], rn[CAP];
	struct imap_seqset set, norm;
	uint32_t v, vals[34];
	size_t k, i, nv = 0;
	int want;

	if (cases[_i].want != IMAP_SEQSET_OK || cases[_i].flags != 0)
		return;
	for (v = 0; v <= 30; v++)
		vals[nv++] = v;
	for (k = 0; k < NELEM(top); k++)
		vals[nv++] = top[k];
	imap_seqset_init(&set, r, CAP);
	imap_seqset_init(&norm, rn, CAP);
	ck_assert(imap_seqset_parse(cases[_i].in, cases[_i].len, 0, &set)
	    == IMAP_SEQSET_OK);
	ck_assert(imap_seqset_parse(cases[_i].in, cases[_i].len, 0, &norm)
	    == IMAP_SEQSET_OK);
	imap_seqset_normalise(&norm, cases[_i].max);
	for (k = 0; k < nv; k++) {
		v = vals[k];
		want = 0;
		for (i = 0; i < norm.count; i++)
			if (v >= norm.ranges[i].lo && v <= norm.ranges[i].hi)
				want = 1;
		ck_assert_msg(imap_seqset_contains(&set, v, cases[_i].max)
		    == want, "%s: raw contains(%u) != %d", cases[_i].name, v,
		    want);
		ck_assert_msg(imap_seqset_contains(&norm, v, cases[_i].max)
		    == want, "%s: normalised contains(%u) != %d",
		    cases[_i].name, v, want);
	}
}
END_TEST

/* Iteration yields count ascending values, each a member. */
START_TEST(test_iterate)
{
	struct imap_seq_range r[CAP];
	struct imap_seqset set;
	struct imap_seqset_iter it;
	uint32_t v, prev = 0;
	uint64_t n = 0;

	if (cases[_i].want != IMAP_SEQSET_OK || cases[_i].count > 1000)
		return;
	imap_seqset_init(&set, r, CAP);
	ck_assert(imap_seqset_parse(cases[_i].in, cases[_i].len,
	    cases[_i].flags, &set) == IMAP_SEQSET_OK);
	imap_seqset_normalise(&set, cases[_i].max);
	imap_seqset_iter_init(&it, &set);
	while (imap_seqset_iter_next(&it, &v)) {
		ck_assert_msg(n == 0 || v > prev, "%s: %u after %u",
		    cases[_i].name, v, prev);
		ck_assert(imap_seqset_contains(&set, v, cases[_i].max));
		prev = v;
		n++;
	}
	ck_assert_msg(n == cases[_i].count, "%s: iterated %llu",
	    cases[_i].name, (unsigned long long)n);
	ck_assert(!imap_seqset_iter_next(&it, &v));
}
END_TEST

/* The top of the number space iterates without wrapping. */
START_TEST(test_iterate_top)
{
	struct imap_seq_range r[2];
	struct imap_seqset set;
	struct imap_seqset_iter it;
	uint32_t v;
	int n = 0;

	imap_seqset_init(&set, r, 2);
	ck_assert(imap_seqset_add(&set, 4294967295U, 4294967293U)
	    == IMAP_SEQSET_OK);
	ck_assert(imap_seqset_add(&set, 1, 1) == IMAP_SEQSET_OK);
	ck_assert(imap_seqset_add(&set, 2, 2) == IMAP_SEQSET_TOO_MANY);
	imap_seqset_normalise(&set, 5);
	imap_seqset_iter_init(&it, &set);
	while (imap_seqset_iter_next(&it, &v))
		n++;
	ck_assert_int_eq(n, 4);
	ck_assert(v == 4294967295U);
}
END_TEST

/* Formatting: exact fit, one byte short, empty set, dollar. */
START_TEST(test_format)
{
	struct imap_seq_range r[CAP];
	struct imap_seqset set;
	char out[32];
	size_t n = 99, len;

	imap_seqset_init(&set, r, CAP);
	ck_assert(imap_seqset_format(&set, out, sizeof(out), &n)
	    == IMAP_SEQSET_EMPTY);
	ck_assert(out[0] == '\0' && n == 0);
	ck_assert(imap_seqset_parse(L("1:3,10,200:*"), 0, &set)
	    == IMAP_SEQSET_OK);
	len = strlen("1:3,10,200:*");
	ck_assert(imap_seqset_format(&set, out, len + 1, &n)
	    == IMAP_SEQSET_OK);
	ck_assert_str_eq(out, "1:3,10,200:*");
	for (n = 0; n <= len; n++) {
		size_t got = 99;

		memset(out, 'x', sizeof(out));
		ck_assert_msg(imap_seqset_format(&set, out, n, &got)
		    == IMAP_SEQSET_TOO_LONG, "size %zu", n);
		ck_assert(got == 0);
		if (n > 0)
			ck_assert_msg(out[0] == '\0', "size %zu", n);
	}
	set.count = 0;
	set.dollar = 1;
	ck_assert(imap_seqset_format(&set, out, 1, &n) == IMAP_SEQSET_TOO_LONG);
	ck_assert(imap_seqset_format(&set, out, 2, &n) == IMAP_SEQSET_OK);
	ck_assert_str_eq(out, "$");
	ck_assert_str_eq(imap_seqset_status_name(IMAP_SEQSET_TOO_MANY),
	    "too-many");
	ck_assert_str_eq(imap_seqset_status_name(
	    (enum imap_seqset_status)99), "unknown");
}
END_TEST

/* Many ranges with a big array: normalising merges them all. */
START_TEST(test_many)
{
	enum { N = 10000 };
	struct imap_seq_range *r = xcalloc(N, sizeof(*r));
	struct imap_seqset set;
	char out[64];
	size_t i, n;

	imap_seqset_init(&set, r, N);
	/* N single values in reverse order: N..1 */
	for (i = N; i > 0; i--)
		ck_assert(imap_seqset_add(&set, (uint32_t)i, (uint32_t)i)
		    == IMAP_SEQSET_OK);
	ck_assert(imap_seqset_add(&set, 1, 1) == IMAP_SEQSET_TOO_MANY);
	imap_seqset_normalise(&set, 1);
	ck_assert(imap_seqset_format(&set, out, sizeof(out), &n)
	    == IMAP_SEQSET_OK);
	ck_assert_str_eq(out, "1:10000");
	free(r);
}
END_TEST

/* imap_seqset_suite - the test suite */
static Suite *
imap_seqset_suite(void)
{
	Suite *s = suite_create("imap_seqset");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0, NELEM(cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("contains");
	tcase_add_loop_test(tc, test_contains, 0, NELEM(cases));
	suite_add_tcase(s, tc);
	tc = tcase_create("iterate");
	tcase_add_loop_test(tc, test_iterate, 0, NELEM(cases));
	tcase_add_test(tc, test_iterate_top);
	suite_add_tcase(s, tc);
	tc = tcase_create("format");
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_many);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(imap_seqset_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
