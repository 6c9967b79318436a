/*
 * check_json - unit tests for the JSON writer.
 *
 * Documents are built by small functions and compared byte for byte with
 * the compact output; strings cover every escape, NULs, valid UTF-8 and
 * each kind of invalid UTF-8; misuse and a full sbuf must make
 * json_finish() fail.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "sbuf.h"

/* Documents: a builder and its exact output. */

static void
build_empty_object(struct json *j)
{
	json_object_begin(j);
	json_object_end(j);
}

static void
build_empty_array(struct json *j)
{
	json_array_begin(j);
	json_array_end(j);
}

static void
build_scalar(struct json *j)
{
	json_u64(j, 42);
}

static void
build_flat(struct json *j)
{
	json_object_begin(j);
	json_key(j, "name");
	json_string(j, "smtpd");
	json_key(j, "count");
	json_u64(j, UINT64_MAX);
	json_key(j, "delta");
	json_i64(j, INT64_MIN);
	json_key(j, "on");
	json_bool(j, 1);
	json_key(j, "off");
	json_bool(j, 0);
	json_key(j, "none");
	json_null(j);
	json_object_end(j);
}

static void
build_nested(struct json *j)
{
	json_object_begin(j);
	json_key(j, "services");
	json_array_begin(j);
	json_object_begin(j);
	json_key(j, "name");
	json_string(j, "pop3d");
	json_key(j, "pids");
	json_array_begin(j);
	json_u64(j, 1);
	json_u64(j, 2);
	json_array_end(j);
	json_object_end(j);
	json_object_begin(j);
	json_object_end(j);
	json_array_begin(j);
	json_array_end(j);
	json_array_end(j);
	json_key(j, "ok");
	json_bool(j, 1);
	json_object_end(j);
}

static void
build_array_mixed(struct json *j)
{
	json_array_begin(j);
	json_null(j);
	json_i64(j, -1);
	json_string(j, "");
	json_array_begin(j);
	json_array_begin(j);
	json_array_end(j);
	json_array_end(j);
	json_array_end(j);
}

static void
build_escaped_key(struct json *j)
{
	json_object_begin(j);
	json_key(j, "a\"b\n");
	json_u64(j, 0);
	json_object_end(j);
}

/* build_deep - JSON_DEPTH_MAX nested arrays, the most allowed */
static void
build_deep(struct json *j)
{
	int i;

	for (i = 0; i < JSON_DEPTH_MAX; i++)
		json_array_begin(j);
	for (i = 0; i < JSON_DEPTH_MAX; i++)
		json_array_end(j);
}

static const struct {
	const char *name;
	void	(*build)(struct json *);
	const char *want;
} docs[] = {
	{ "empty object", build_empty_object, "{}" },
	{ "empty array", build_empty_array, "[]" },
	{ "scalar", build_scalar, "42" },
	{ "flat", build_flat,
	    "{\"name\":\"smtpd\",\"count\":18446744073709551615,"
	    "\"delta\":-9223372036854775808,\"on\":true,\"off\":false,"
	    "\"none\":null}" },
	{ "nested", build_nested,
	    "{\"services\":[{\"name\":\"pop3d\",\"pids\":[1,2]},{},[]],"
	    "\"ok\":true}" },
	{ "array mixed", build_array_mixed, "[null,-1,\"\",[[]]]" },
	{ "escaped key", build_escaped_key, "{\"a\\\"b\\n\":0}" },
	{ "deep", build_deep,
	    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" },
};

START_TEST(test_docs)
{
	struct sbuf *out = sbuf_new(0);
	struct json j;
	int ret;

	/* Appends to what the sbuf already holds. */
	sbuf_set(out, ">");
	json_init(&j, out);
	docs[_i].build(&j);
	ret = json_finish(&j);
	ck_assert_msg(ret == 0, "%s: finish got %d, want 0", docs[_i].name,
	    ret);
	ck_assert_msg(strcmp(sbuf_str(out) + 1, docs[_i].want) == 0
	    && sbuf_str(out)[0] == '>', "%s: got '%s', want '>%s'",
	    docs[_i].name, sbuf_str(out), docs[_i].want);
	sbuf_free(&out);
}
END_TEST

/* Strings: bytes in, JSON text out (with its quotes). */
#define S(lit)	lit, sizeof(lit) - 1

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	const char *want;
} strs[] = {
	{ "empty", S(""), "\"\"" },
	{ "plain", S("hello world"), "\"hello world\"" },
	{ "quote", S("say \"hi\""), "\"say \\\"hi\\\"\"" },
	{ "backslash", S("a\\b"), "\"a\\\\b\"" },
	{ "slash kept", S("a/b"), "\"a/b\"" },
	{ "short escapes", S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"" },
	{ "other controls", S("\x01\x1f"), "\"\\u0001\\u001f\"" },
	{ "del", S("\x7f"), "\"\\u007f\"" },
	{ "nul", S("a\0b"), "\"a\\u0000b\"" },
	{ "only nul", S("\0"), "\"\\u0000\"" },
	{ "utf8 2", S("caf\xc3\xa9"), "\"caf\xc3\xa9\"" },
	{ "utf8 3", S("\xe2\x82\xac"), "\"\xe2\x82\xac\"" },
	{ "utf8 4", S("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"" },
	{ "utf8 max", S("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"" },
	{ "utf8 e0 lowest", S("\xe0\xa0\x80"), "\"\xe0\xa0\x80\"" },
	{ "utf8 before surrogates", S("\xed\x9f\xbf"), "\"\xed\x9f\xbf\"" },
	{ "lone continuation", S("a\x80z"), "\"a\\ufffdz\"" },
	{ "latin1", S("caf\xe9"), "\"caf\\ufffd\"" },
	{ "overlong c0", S("\xc0\xaf"), "\"\\ufffd\\ufffd\"" },
	{ "overlong c1", S("\xc1\xbf"), "\"\\ufffd\\ufffd\"" },
	{ "overlong e0", S("\xe0\x80\xaf"), "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "overlong f0", S("\xf0\x8f\xbf\xbf"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "surrogate", S("\xed\xa0\x80"), "\"\\ufffd\\ufffd\\ufffd\"" },
	{ "past 10ffff", S("\xf4\x90\x80\x80"),
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\"" },
	{ "f5", S("\xf5\x80"), "\"\\ufffd\\ufffd\"" },
	{ "ff", S("\xff"), "\"\\ufffd\"" },
	{ "truncated at end", S("x\xe2\x82"), "\"x\\ufffd\\ufffd\"" },
	{ "truncated before ascii", S("\xe2\x82z"), "\"\\ufffd\\ufffdz\"" },
	{ "truncated before nul", S("\xc3\0"), "\"\\ufffd\\u0000\"" },
	{ "mixed", S("\xc3\xa9\x80\"\xe2\x82\xac"),
	    "\"\xc3\xa9\\ufffd\\\"\xe2\x82\xac\"" },
};

START_TEST(test_strings)
{
	struct sbuf *out = sbuf_new(0);
	struct json j;
	int ret;

	json_init(&j, out);
	json_string_n(&j, strs[_i].in, strs[_i].len);
	ret = json_finish(&j);
	ck_assert_msg(ret == 0, "%s: finish got %d, want 0", strs[_i].name,
	    ret);
	ck_assert_msg(strcmp(sbuf_str(out), strs[_i].want) == 0,
	    "%s: got '%s', want '%s'", strs[_i].name, sbuf_str(out),
	    strs[_i].want);
	sbuf_free(&out);
}
END_TEST

START_TEST(test_string_c)
{
	struct sbuf *out = sbuf_new(0);
	struct json j;

	json_init(&j, out);
	json_string(&j, "tab\there");
	ck_assert_int_eq(json_finish(&j), 0);
	ck_assert_str_eq(sbuf_str(out), "\"tab\\there\"");
	sbuf_free(&out);
}
END_TEST

/* Misuse: each must make json_finish() fail. */

static void
bad_nothing(struct json *j)
{
	(void)j;
}

static void
bad_value_without_key(struct json *j)
{
	json_object_begin(j);
	json_u64(j, 1);
	json_object_end(j);
}

static void
bad_key_in_array(struct json *j)
{
	json_array_begin(j);
	json_key(j, "a");
	json_u64(j, 1);
	json_array_end(j);
}

static void
bad_key_at_top(struct json *j)
{
	json_key(j, "a");
	json_u64(j, 1);
}

static void
bad_two_keys(struct json *j)
{
	json_object_begin(j);
	json_key(j, "a");
	json_key(j, "b");
	json_u64(j, 1);
	json_object_end(j);
}

static void
bad_key_then_end(struct json *j)
{
	json_object_begin(j);
	json_key(j, "a");
	json_object_end(j);
}

static void
bad_unclosed(struct json *j)
{
	json_object_begin(j);
	json_key(j, "a");
	json_array_begin(j);
}

static void
bad_extra_close(struct json *j)
{
	json_array_begin(j);
	json_array_end(j);
	json_array_end(j);
}

static void
bad_close_at_top(struct json *j)
{
	json_object_end(j);
}

static void
bad_wrong_close(struct json *j)
{
	json_object_begin(j);
	json_array_end(j);
}

static void
bad_wrong_close_array(struct json *j)
{
	json_array_begin(j);
	json_object_end(j);
}

static void
bad_two_top_values(struct json *j)
{
	json_u64(j, 1);
	json_u64(j, 2);
}

static void
bad_two_top_objects(struct json *j)
{
	json_object_begin(j);
	json_object_end(j);
	json_object_begin(j);
	json_object_end(j);
}

static void
bad_too_deep(struct json *j)
{
	int i;

	for (i = 0; i < JSON_DEPTH_MAX + 1; i++)
		json_array_begin(j);
	for (i = 0; i < JSON_DEPTH_MAX + 1; i++)
		json_array_end(j);
}

static const struct {
	const char *name;
	void	(*build)(struct json *);
} misuse[] = {
	{ "nothing written", bad_nothing },
	{ "value without key", bad_value_without_key },
	{ "key in array", bad_key_in_array },
	{ "key at top level", bad_key_at_top },
	{ "two keys", bad_two_keys },
	{ "key then end", bad_key_then_end },
	{ "unclosed", bad_unclosed },
	{ "extra close", bad_extra_close },
	{ "close at top level", bad_close_at_top },
	{ "object closed as array", bad_wrong_close },
	{ "array closed as object", bad_wrong_close_array },
	{ "two top-level values", bad_two_top_values },
	{ "two top-level objects", bad_two_top_objects },
	{ "too deep", bad_too_deep },
};

START_TEST(test_misuse)
{
	struct sbuf *out = sbuf_new(0);
	struct json j;
	int ret;

	json_init(&j, out);
	misuse[_i].build(&j);
	ret = json_finish(&j);
	ck_assert_msg(ret == -1, "%s: finish got %d, want -1 (output '%s')",
	    misuse[_i].name, ret, sbuf_str(out));
	sbuf_free(&out);
}
END_TEST

/* A full sbuf fails the document and leaves no partial token behind. */
START_TEST(test_cap)
{
	struct sbuf *out = sbuf_new(8);
	struct json j;

	json_init(&j, out);
	json_array_begin(&j);
	json_string(&j, "abcdefghij");
	json_array_end(&j);
	ck_assert_int_eq(json_finish(&j), -1);
	ck_assert_msg(sbuf_len(out) <= 8, "len %zu past the cap",
	    sbuf_len(out));
	sbuf_free(&out);
}
END_TEST

/* Exactly at the cap is fine. */
START_TEST(test_cap_exact)
{
	struct sbuf *out = sbuf_new(7);
	struct json j;

	json_init(&j, out);
	json_array_begin(&j);
	json_string(&j, "abc");
	json_array_end(&j);
	ck_assert_int_eq(json_finish(&j), 0);
	ck_assert_str_eq(sbuf_str(out), "[\"abc\"]");
	sbuf_free(&out);
}
END_TEST

/* After misuse nothing more is written. */
START_TEST(test_sticky)
{
	struct sbuf *out = sbuf_new(0);
	struct json j;

	json_init(&j, out);
	json_array_begin(&j);
	json_key(&j, "k");
	json_u64(&j, 1);
	json_array_end(&j);
	ck_assert_int_eq(json_finish(&j), -1);
	ck_assert_str_eq(sbuf_str(out), "[");
	sbuf_free(&out);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase_create("documents");
	tcase_add_loop_test(tc, test_docs, 0, sizeof(docs) / sizeof(docs[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("strings");
	tcase_add_loop_test(tc, test_strings, 0,
	    sizeof(strs) / sizeof(strs[0]));
	tcase_add_test(tc, test_string_c);
	suite_add_tcase(s, tc);

	tc = tcase_create("misuse");
	tcase_add_loop_test(tc, test_misuse, 0,
	    sizeof(misuse) / sizeof(misuse[0]));
	tcase_add_test(tc, test_sticky);
	suite_add_tcase(s, tc);

	tc = tcase_create("cap");
	tcase_add_test(tc, test_cap);
	tcase_add_test(tc, test_cap_exact);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
