/*
 * check_sbuf - unit tests for capped byte strings.
 *
 * The cap is the point of the module: every way of appending is taken to
 * the cap and one byte past it, from an empty buffer and from one whose
 * allocation is already larger than what the append needs, and a refused
 * append must leave contents, length and the trailing NUL as they were.
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "sbuf.h"

/* same - sb holds exactly the n bytes at want, NUL-terminated */
static void
same(const struct sbuf *sb, const char *want, size_t n, const char *what)
{
	ck_assert_msg(sbuf_len(sb) == n, "%s: len %zu, want %zu", what,
	    sbuf_len(sb), n);
	ck_assert_msg(memcmp(sbuf_str(sb), want, n) == 0,
	    "%s: got '%s', want '%s'", what, sbuf_str(sb), want);
	ck_assert_msg(sbuf_str(sb)[n] == '\0', "%s: no NUL after the end",
	    what);
	ck_assert_msg(sb->alloc > sb->len, "%s: alloc %zu <= len %zu", what,
	    sb->alloc, sb->len);
}

START_TEST(test_new)
{
	struct sbuf *sb = sbuf_new(0);

	same(sb, "", 0, "new");
	ck_assert_uint_eq(sb->cap, SBUF_CAP_DEFAULT);
	sbuf_free(&sb);
	ck_assert_ptr_null(sb);
	sbuf_free(&sb);			/* NULL is fine */
	sb = sbuf_new(5);
	ck_assert_uint_eq(sb->cap, 5);
	sbuf_free(&sb);
}
END_TEST

START_TEST(test_append)
{
	struct sbuf *sb = sbuf_new(0);

	ck_assert_int_eq(sbuf_append(sb, "ab", 2), 0);
	ck_assert_int_eq(sbuf_appends(sb, "cd"), 0);
	ck_assert_int_eq(sbuf_appendc(sb, 'e'), 0);
	ck_assert_int_eq(sbuf_appendf(sb, "%d-%s", 42, "x"), 0);
	ck_assert_int_eq(sbuf_append(sb, "", 0), 0);
	ck_assert_int_eq(sbuf_append(sb, NULL, 0), 0);
	ck_assert_int_eq(sbuf_appends(sb, ""), 0);
	ck_assert_int_eq(sbuf_appendf(sb, "%s", ""), 0);
	same(sb, "abcde42-x", 9, "append");
	sbuf_free(&sb);
}
END_TEST

/* NULs are bytes like any other; sbuf_str() stops at them, len does not. */
START_TEST(test_nul_bytes)
{
	struct sbuf *sb = sbuf_new(0);

	ck_assert_int_eq(sbuf_append(sb, "a\0b", 3), 0);
	ck_assert_int_eq(sbuf_appendc(sb, '\0'), 0);
	ck_assert_int_eq(sbuf_appendf(sb, "%c", 0), 0);
	ck_assert_int_eq(sbuf_appendc(sb, 'z'), 0);
	same(sb, "a\0b\0\0z", 6, "nul bytes");
	ck_assert_str_eq(sbuf_str(sb), "a");
	sbuf_free(&sb);
}
END_TEST

/* Growth well past the initial allocation keeps every byte. */
START_TEST(test_growth)
{
	struct sbuf *sb = sbuf_new(0);
	char want[20000];
	size_t i;

	for (i = 0; i < sizeof(want); i++) {
		want[i] = (char)('a' + i % 26);
		ck_assert_int_eq(sbuf_appendc(sb, want[i]), 0);
	}
	same(sb, want, sizeof(want), "bytewise");
	sbuf_reset(sb);
	ck_assert_int_eq(sbuf_append(sb, want, sizeof(want)), 0);
	same(sb, want, sizeof(want), "whole");
	sbuf_reset(sb);
	/* One format result larger than the allocation. */
	ck_assert_int_eq(sbuf_appendf(sb, "<%.*s>", (int)sizeof(want) - 2,
	    want), 0);
	ck_assert_uint_eq(sbuf_len(sb), sizeof(want));
	ck_assert_int_eq(sbuf_str(sb)[0], '<');
	ck_assert_int_eq(sbuf_str(sb)[sizeof(want) - 1], '>');
	ck_assert_int_eq(memcmp(sbuf_str(sb) + 1, want, sizeof(want) - 2), 0);
	sbuf_free(&sb);
}
END_TEST

/*
 * The cap: each append first fills the sbuf to `pre` bytes (pre_big
 * grows the allocation beyond the cap first, then empties it, so the
 * format fits the allocation but not the cap), then tries to add `n`.
 */
enum how { APPEND, APPENDS, APPENDC, APPENDF, SET };

static const struct {
	const char *name;
	size_t	cap;
	int	pre_big;
	size_t	pre;
	enum how how;
	size_t	n;
	int	want;
} caps[] = {
	{ "append to cap", 8, 0, 3, APPEND, 5, 0 },
	{ "append past cap", 8, 0, 3, APPEND, 6, -1 },
	{ "append to empty past cap", 8, 0, 0, APPEND, 9, -1 },
	{ "append at full", 8, 0, 8, APPEND, 1, -1 },
	{ "append nothing at full", 8, 0, 8, APPEND, 0, 0 },
	{ "appends to cap", 8, 0, 3, APPENDS, 5, 0 },
	{ "appends past cap", 8, 0, 3, APPENDS, 6, -1 },
	{ "appendc to cap", 8, 0, 7, APPENDC, 1, 0 },
	{ "appendc past cap", 8, 0, 8, APPENDC, 1, -1 },
	{ "appendf to cap", 8, 0, 3, APPENDF, 5, 0 },
	{ "appendf past cap", 8, 0, 3, APPENDF, 6, -1 },
	{ "appendf at full", 8, 0, 8, APPENDF, 1, -1 },
	{ "appendf fits alloc, not cap", 70, 1, 60, APPENDF, 11, -1 },
	{ "appendf fits alloc and cap", 70, 1, 60, APPENDF, 10, 0 },
	{ "appendf needs growth, past cap", 70, 0, 60, APPENDF, 11, -1 },
	{ "appendf needs growth, to cap", 70, 0, 60, APPENDF, 10, 0 },
	{ "appendf large past cap", 100, 0, 0, APPENDF, 5000, -1 },
	{ "append past default-sized growth", 100, 0, 64, APPEND, 37, -1 },
	{ "set to cap", 8, 0, 3, SET, 8, 0 },
	{ "set past cap", 8, 0, 3, SET, 9, -1 },
	{ "cap zero is the default", 0, 0, 0, APPEND, SBUF_CAP_DEFAULT, 0 },
	{ "past the default", 0, 0, 1, APPEND, SBUF_CAP_DEFAULT, -1 },
};

START_TEST(test_cap)
{
	static char fill[SBUF_CAP_DEFAULT + 1];
	struct sbuf *sb = sbuf_new(caps[_i].cap);
	char before[128];
	size_t before_len, want_len, i;
	int ret = 0;

	memset(fill, 'x', sizeof(fill) - 1);
	if (caps[_i].pre_big) {
		ck_assert_int_eq(sbuf_append(sb, fill, caps[_i].cap), 0);
		sbuf_reset(sb);
	}
	for (i = 0; i < caps[_i].pre; i++)
		ck_assert_int_eq(sbuf_appendc(sb, 'a' + (int)(i % 26)), 0);
	before_len = sbuf_len(sb);
	memcpy(before, sbuf_str(sb), before_len < sizeof(before) ?
	    before_len + 1 : sizeof(before));

	switch (caps[_i].how) {
	case APPEND:
		ret = sbuf_append(sb, fill, caps[_i].n);
		break;
	case APPENDS:
		fill[caps[_i].n] = '\0';
		ret = sbuf_appends(sb, fill);
		break;
	case APPENDC:
		ret = sbuf_appendc(sb, 'x');
		break;
	case APPENDF:
		ret = sbuf_appendf(sb, "%.*s", (int)caps[_i].n, fill);
		break;
	case SET:
		fill[caps[_i].n] = '\0';
		ret = sbuf_set(sb, fill);
		break;
	}
	ck_assert_msg(ret == caps[_i].want, "%s: got %d, want %d",
	    caps[_i].name, ret, caps[_i].want);
	if (ret < 0) {
		if (before_len < sizeof(before))
			same(sb, before, before_len, caps[_i].name);
		else
			ck_assert_uint_eq(sbuf_len(sb), before_len);
	} else {
		want_len = caps[_i].how == SET ? caps[_i].n :
		    before_len + caps[_i].n;
		ck_assert_msg(sbuf_len(sb) == want_len, "%s: len %zu, want %zu",
		    caps[_i].name, sbuf_len(sb), want_len);
		ck_assert_int_eq(sbuf_str(sb)[want_len], '\0');
		ck_assert_msg(sbuf_len(sb) <= (caps[_i].cap ? caps[_i].cap :
		    SBUF_CAP_DEFAULT), "%s: past the cap", caps[_i].name);
	}
	sbuf_free(&sb);
}
END_TEST

START_TEST(test_set)
{
	struct sbuf *sb = sbuf_new(0);

	ck_assert_int_eq(sbuf_appends(sb, "old contents"), 0);
	ck_assert_int_eq(sbuf_set(sb, "new"), 0);
	same(sb, "new", 3, "set");
	ck_assert_int_eq(sbuf_set(sb, ""), 0);
	same(sb, "", 0, "set empty");
	sbuf_free(&sb);
}
END_TEST

START_TEST(test_truncate)
{
	struct sbuf *sb = sbuf_new(0);

	ck_assert_int_eq(sbuf_appends(sb, "abcdef"), 0);
	sbuf_truncate(sb, 10);
	same(sb, "abcdef", 6, "longer is a no-op");
	sbuf_truncate(sb, 6);
	same(sb, "abcdef", 6, "same length");
	sbuf_truncate(sb, 3);
	same(sb, "abc", 3, "shorter");
	ck_assert_int_eq(sbuf_appends(sb, "XY"), 0);
	same(sb, "abcXY", 5, "append after truncate");
	sbuf_truncate(sb, 0);
	same(sb, "", 0, "to zero");
	sbuf_free(&sb);
}
END_TEST

START_TEST(test_reset)
{
	struct sbuf *sb = sbuf_new(0);
	size_t alloc;

	ck_assert_int_eq(sbuf_appendf(sb, "%0500d", 1), 0);
	alloc = sb->alloc;
	sbuf_reset(sb);
	same(sb, "", 0, "reset");
	ck_assert_uint_eq(sb->alloc, alloc);
	sbuf_free(&sb);
}
END_TEST

START_TEST(test_wipe)
{
	struct sbuf *sb = sbuf_new(0);
	size_t i;

	ck_assert_int_eq(sbuf_appends(sb, "secret password 1234567890"), 0);
	ck_assert_int_eq(sbuf_appendf(sb, "%0200d", 7), 0);
	sbuf_truncate(sb, 10);			/* the rest is still there */
	sbuf_wipe(sb);
	same(sb, "", 0, "wipe");
	for (i = 0; i < sb->alloc; i++)
		ck_assert_msg(sb->data[i] == '\0', "byte %zu of %zu not wiped",
		    i, sb->alloc);
	ck_assert_int_eq(sbuf_appends(sb, "again"), 0);
	same(sb, "again", 5, "usable after wipe");
	sbuf_free(&sb);
}
END_TEST

static Suite *
sbuf_suite(void)
{
	Suite *s = suite_create("sbuf");
	TCase *tc;

	tc = tcase_create("append");
	tcase_add_test(tc, test_new);
	tcase_add_test(tc, test_append);
	tcase_add_test(tc, test_nul_bytes);
	tcase_add_test(tc, test_set);
	suite_add_tcase(s, tc);

	tc = tcase_create("growth");
	tcase_add_test(tc, test_growth);
	suite_add_tcase(s, tc);

	tc = tcase_create("cap");
	tcase_add_loop_test(tc, test_cap, 0, sizeof(caps) / sizeof(caps[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("shrink");
	tcase_add_test(tc, test_truncate);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_wipe);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(sbuf_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
