/*
 * check_mem - unit tests for the allocation wrappers.
 *
 * The copies must be exact and always NUL-terminated; every overflowing
 * size and every failed allocation must end the process with status 1
 * (msg_fatal), never return NULL.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"

/*
 * Under AddressSanitizer a huge malloc() aborts by default; the fatal
 * paths need it to fail the way the C library does, by returning NULL.
 */
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return ("allocator_may_return_null=1");
}

START_TEST(test_xmalloc)
{
	char *a = xmalloc(0), *b = xmalloc(0), *c = xmalloc(100);

	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_ne(a, b);
	memset(c, 'x', 100);
	c = xrealloc(c, 200);
	ck_assert_int_eq(c[99], 'x');
	c = xrealloc(c, 0);
	ck_assert_ptr_nonnull(c);
	free(a);
	free(b);
	free(c);
	a = xrealloc(NULL, 10);
	ck_assert_ptr_nonnull(a);
	free(a);
}
END_TEST

START_TEST(test_xcalloc)
{
	unsigned char *p = xcalloc(100, 3);
	size_t i;

	for (i = 0; i < 300; i++)
		ck_assert_msg(p[i] == 0, "byte %zu not zero", i);
	free(p);
	p = xcalloc(0, 16);
	ck_assert_ptr_nonnull(p);
	free(p);
	p = xcalloc(16, 0);
	ck_assert_ptr_nonnull(p);
	free(p);
}
END_TEST

START_TEST(test_xreallocarray)
{
	int *p = xreallocarray(NULL, 10, sizeof(int));
	int i;

	for (i = 0; i < 10; i++)
		p[i] = i;
	p = xreallocarray(p, 1000, sizeof(int));
	for (i = 0; i < 10; i++)
		ck_assert_int_eq(p[i], i);
	free(p);
}
END_TEST

/* xstrndup: at most n bytes, stopping at a NUL; always terminated. */
static const struct {
	const char *name;
	const char *in;
	size_t	size;			/* bytes of the source object */
	size_t	n;
	const char *want;
} strndups[] = {
	{ "shorter", "hello", 6, 3, "hel" },
	{ "exact", "hello", 6, 5, "hello" },
	{ "longer than the string", "hi", 3, 10, "hi" },
	{ "zero", "abc", 4, 0, "" },
	{ "empty", "", 1, 5, "" },
	{ "nul inside", "a\0b", 4, 3, "a" },
	{ "no nul in range", "abcdef", 3, 3, "abc" },
};

START_TEST(test_xstrndup)
{
	char *src = xmalloc(strndups[_i].size), *got;

	/* A source of exactly its size, so reading past it is caught. */
	memcpy(src, strndups[_i].in, strndups[_i].size);
	got = xstrndup(src, strndups[_i].n);
	ck_assert_msg(strcmp(got, strndups[_i].want) == 0,
	    "%s: got '%s', want '%s'", strndups[_i].name, got,
	    strndups[_i].want);
	free(got);
	free(src);
}
END_TEST

START_TEST(test_xstrdup)
{
	char *p = xstrdup("estuary");

	ck_assert_str_eq(p, "estuary");
	free(p);
	p = xstrdup("");
	ck_assert_str_eq(p, "");
	free(p);
}
END_TEST

/* xmemdup: NULs copied, one more NUL added. */
START_TEST(test_xmemdup)
{
	char *p = xmemdup("a\0b\0c", 5);

	ck_assert_int_eq(memcmp(p, "a\0b\0c\0", 6), 0);
	free(p);
	p = xmemdup("xyz", 0);
	ck_assert_int_eq(p[0], '\0');
	free(p);
}
END_TEST

START_TEST(test_xfree_secret)
{
	char *p = xstrdup("secret");

	xfree_secret(p, strlen(p));
	xfree_secret(NULL, 10);
}
END_TEST

/* Fatal paths: each must exit with status 1. */

START_TEST(test_xcalloc_overflow)
{
	(void)xcalloc(SIZE_MAX / 2, 3);
}
END_TEST

START_TEST(test_xcalloc_overflow_max)
{
	(void)xcalloc(SIZE_MAX, SIZE_MAX);
}
END_TEST

START_TEST(test_xreallocarray_overflow)
{
	(void)xreallocarray(NULL, (SIZE_MAX >> 4) + 1, 16);
}
END_TEST

START_TEST(test_xmemdup_overflow)
{
	(void)xmemdup("", SIZE_MAX);
}
END_TEST

START_TEST(test_xmalloc_fail)
{
	(void)xmalloc(SIZE_MAX - 4096);
}
END_TEST

START_TEST(test_xrealloc_fail)
{
	char *p = xmalloc(8);

	p = xrealloc(p, SIZE_MAX - 4096);
	free(p);
}
END_TEST

START_TEST(test_xcalloc_fail)
{
	(void)xcalloc(1, SIZE_MAX - 4096);
}
END_TEST

static Suite *
mem_suite(void)
{
	Suite *s = suite_create("mem");
	TCase *tc;

	tc = tcase_create("allocate");
	tcase_add_test(tc, test_xmalloc);
	tcase_add_test(tc, test_xcalloc);
	tcase_add_test(tc, test_xreallocarray);
	tcase_add_test(tc, test_xfree_secret);
	suite_add_tcase(s, tc);

	tc = tcase_create("copy");
	tcase_add_loop_test(tc, test_xstrndup, 0,
	    sizeof(strndups) / sizeof(strndups[0]));
	tcase_add_test(tc, test_xstrdup);
	tcase_add_test(tc, test_xmemdup);
	suite_add_tcase(s, tc);

	tc = tcase_create("overflow");
	tcase_add_exit_test(tc, test_xcalloc_overflow, 1);
	tcase_add_exit_test(tc, test_xcalloc_overflow_max, 1);
	tcase_add_exit_test(tc, test_xreallocarray_overflow, 1);
	tcase_add_exit_test(tc, test_xmemdup_overflow, 1);
	suite_add_tcase(s, tc);

	tc = tcase_create("out of memory");
	tcase_add_exit_test(tc, test_xmalloc_fail, 1);
	tcase_add_exit_test(tc, test_xrealloc_fail, 1);
	tcase_add_exit_test(tc, test_xcalloc_fail, 1);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(mem_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
