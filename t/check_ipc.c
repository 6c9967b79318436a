/*
 * check_ipc - unit tests for named-attribute messages.
 *
 * The parser is run over a table of valid, truncated, malformed and
 * over-limit messages, whole and one byte at a time (each prefix copied to
 * a buffer of exactly its size, so the sanitizers catch any read past the
 * end). The builders are checked for exact bytes and refusals. Streams and
 * the hello exchange run over socketpairs, the master's channel over a
 * SOCK_SEQPACKET socketpair; the timeout case waits one second.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "ipc.h"
#include "mem.h"
#include "sbuf.h"
#include "stream.h"

/* M - a literal with embedded NULs, as bytes and length */
#define M(lit)	lit, sizeof(lit) - 1

#define A10	"aaaaaaaaaa"
#define A64	A10 A10 A10 A10 A10 A10 "aaaa"

/* dump - the attributes as "name=value;" with odd bytes as \xHH */
static void
dump(const struct ipc_msg *msg, struct sbuf *out)
{
	size_t i, k;

	sbuf_reset(out);
	for (i = 0; i < msg->count; i++) {
		const unsigned char *v =
		    (const unsigned char *)msg->attrs[i].value;

		sbuf_appendf(out, "%s=", msg->attrs[i].name);
		for (k = 0; k < msg->attrs[i].value_len; k++) {
			if (v[k] < 0x20 || v[k] >= 0x7f || v[k] == '\\')
				sbuf_appendf(out, "\\x%02x", v[k]);
			else
				sbuf_appendc(out, v[k]);
		}
		sbuf_appendc(out, ';');
	}
}

static const char *
status_name(enum ipc_parse_status st)
{
	switch (st) {
	case IPC_PARSE_OK:
		return ("OK");
	case IPC_PARSE_MORE:
		return ("MORE");
	case IPC_PARSE_ERROR:
		return ("ERROR");
	}
	return ("?");
}

/* parse_copy - ipc_parse() over an exact-size copy of n bytes */
static enum ipc_parse_status
parse_copy(const char *in, size_t n, const struct ipc_limits *lim,
    struct ipc_msg *msg, size_t *used_r, const char **error_r)
{
	char *copy = xmalloc(n);
	enum ipc_parse_status st;

	memcpy(copy, in, n);
	st = ipc_parse(copy, n, lim, msg, used_r, error_r);
	/* The message owns its bytes: scribble over the input. */
	memset(copy, 'X', n);
	free(copy);
	return (st);
}

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	struct ipc_limits lim;
	enum ipc_parse_status want;
	size_t	used;			/* OK */
	const char *dump;		/* OK: attributes; ERROR: error text */
} parses[] = {
	{ "empty input", M(""), { 0, 0, 0 }, IPC_PARSE_MORE, 0, "" },
	{ "lone nul", M("\0"), { 0, 0, 0 }, IPC_PARSE_OK, 1, "" },
	{ "one attribute", M("request\0status\0\0"), { 0, 0, 0 },
	    IPC_PARSE_OK, 16, "request=status;" },
	{ "two attributes", M("a\0b\0c-d_9\0ef\0\0"), { 0, 0, 0 },
	    IPC_PARSE_OK, 14, "a=b;c-d_9=ef;" },
	{ "empty value", M("a\0\0\0"), { 0, 0, 0 }, IPC_PARSE_OK, 4, "a=;" },
	{ "bytes after the message", M("a\0b\0\0c\0d\0\0"), { 0, 0, 0 },
	    IPC_PARSE_OK, 5, "a=b;" },
	{ "garbage after the message", M("\0NOT VALID"), { 0, 0, 0 },
	    IPC_PARSE_OK, 1, "" },
	{ "binary value", M("v\0\x01\x02\xff\r\n=;\\\0\0"), { 0, 0, 0 },
	    IPC_PARSE_OK, 12, "v=\\x01\\x02\\xff\\x0d\\x0a=;\\x5c;" },
	{ "repeated names", M("rcpt\0a@x\0rcpt\0b@y\0\0"), { 0, 0, 0 },
	    IPC_PARSE_OK, 19, "rcpt=a@x;rcpt=b@y;" },
	{ "all name characters",
	    M("abcdefghijklmnopqrstuvwxyz0123456789_-\0v\0\0"), { 0, 0, 0 },
	    IPC_PARSE_OK, 42, "abcdefghijklmnopqrstuvwxyz0123456789_-=v;" },
	{ "name at default limit", M(A64 "\0v\0\0"), { 0, 0, 0 },
	    IPC_PARSE_OK, 68, A64 "=v;" },

	{ "name without nul", M("request"), { 0, 0, 0 }, IPC_PARSE_MORE, 0,
	    "" },
	{ "name only", M("request\0"), { 0, 0, 0 }, IPC_PARSE_MORE, 0, "" },
	{ "value without nul", M("request\0sta"), { 0, 0, 0 },
	    IPC_PARSE_MORE, 0, "" },
	{ "missing final nul", M("a\0b\0"), { 0, 0, 0 }, IPC_PARSE_MORE, 0,
	    "" },
	{ "second name unfinished", M("a\0b\0c"), { 0, 0, 0 },
	    IPC_PARSE_MORE, 0, "" },

	{ "name too long", M(A64 "a\0v\0\0"), { 0, 0, 0 }, IPC_PARSE_ERROR, 0,
	    "attribute name too long" },
	{ "name too long, no nul yet", M(A64 "a"), { 0, 0, 0 },
	    IPC_PARSE_ERROR, 0, "attribute name too long" },
	{ "name over a small limit", M("abcd\0v\0\0"), { 3, 0, 0 },
	    IPC_PARSE_ERROR, 0, "attribute name too long" },
	{ "name at a small limit", M("abc\0v\0\0"), { 3, 0, 0 },
	    IPC_PARSE_OK, 7, "abc=v;" },
	{ "uppercase name", M("Request\0v\0\0"), { 0, 0, 0 },
	    IPC_PARSE_ERROR, 0, "bad character in name" },
	{ "dot in name", M("a.b\0v\0\0"), { 0, 0, 0 }, IPC_PARSE_ERROR, 0,
	    "bad character in name" },
	{ "blank in name", M("a b\0v\0\0"), { 0, 0, 0 }, IPC_PARSE_ERROR, 0,
	    "bad character in name" },
	{ "control in name", M("a\nb\0v\0\0"), { 0, 0, 0 }, IPC_PARSE_ERROR,
	    0, "bad character in name" },
	{ "utf-8 in name", M("caf\xc3\xa9\0v\0\0"), { 0, 0, 0 },
	    IPC_PARSE_ERROR, 0, "bad character in name" },
	{ "bad character, no nul yet", M("a\0b\0X"), { 0, 0, 0 },
	    IPC_PARSE_ERROR, 0, "bad character in name" },
	{ "value over a small limit", M("a\0abcde\0\0"), { 0, 4, 0 },
	    IPC_PARSE_ERROR, 0, "value too long" },
	{ "value over, no nul yet", M("a\0abcde"), { 0, 4, 0 },
	    IPC_PARSE_ERROR, 0, "value too long" },
	{ "value at a small limit", M("a\0abcd\0\0"), { 0, 4, 0 },
	    IPC_PARSE_OK, 8, "a=abcd;" },
	{ "too many attributes", M("a\0\0b\0\0c\0\0\0"), { 0, 0, 2 },
	    IPC_PARSE_ERROR, 0, "too many attributes" },
	{ "too many, no nul yet", M("a\0\0b\0\0c"), { 0, 0, 2 },
	    IPC_PARSE_ERROR, 0, "too many attributes" },
	{ "attributes at the limit", M("a\0\0b\0\0\0"), { 0, 0, 2 },
	    IPC_PARSE_OK, 7, "a=;b=;" },
	{ "one attribute allowed", M("a\0x\0\0"), { 0, 0, 1 },
	    IPC_PARSE_OK, 5, "a=x;" },
	{ "huge limits", M("a\0xyz\0b\0\0\0"),
	    { SIZE_MAX, SIZE_MAX, SIZE_MAX }, IPC_PARSE_OK, 10, "a=xyz;b=;" },
	{ "huge limits, incomplete", M("a\0xyz"),
	    { SIZE_MAX, SIZE_MAX, SIZE_MAX }, IPC_PARSE_MORE, 0, "" },
};

START_TEST(test_parse)
{
	struct sbuf *got = sbuf_new(0);
	struct ipc_msg msg;
	enum ipc_parse_status st;
	const char *error = "unset";
	size_t used = 12345;

	st = parse_copy(parses[_i].in, parses[_i].len, &parses[_i].lim, &msg,
	    &used, &error);
	ck_assert_msg(st == parses[_i].want, "%s: got %s (%s), want %s",
	    parses[_i].name, status_name(st), error,
	    status_name(parses[_i].want));
	switch (st) {
	case IPC_PARSE_OK:
		ck_assert_msg(used == parses[_i].used, "%s: used %zu, want %zu",
		    parses[_i].name, used, parses[_i].used);
		dump(&msg, got);
		ck_assert_msg(strcmp(sbuf_str(got), parses[_i].dump) == 0,
		    "%s: got '%s', want '%s'", parses[_i].name, sbuf_str(got),
		    parses[_i].dump);
		break;
	case IPC_PARSE_ERROR:
		ck_assert_msg(strcmp(error, parses[_i].dump) == 0,
		    "%s: error '%s', want '%s'", parses[_i].name, error,
		    parses[_i].dump);
		/* FALLTHROUGH */
	case IPC_PARSE_MORE:
		ck_assert_msg(msg.count == 0 && msg.attrs == NULL
		    && msg.buf == NULL, "%s: message not empty after %s",
		    parses[_i].name, status_name(st));
		break;
	}
	ipc_msg_clear(&msg);
	sbuf_free(&got);
}
END_TEST

/*
 * Byte at a time: every prefix shorter than the decisive byte says MORE;
 * from there on (OK: exactly the used bytes; ERROR: the offending byte)
 * the result is the whole input's.
 */
START_TEST(test_parse_bytewise)
{
	struct sbuf *got = sbuf_new(0);
	struct ipc_msg msg;
	enum ipc_parse_status st, want = parses[_i].want;
	const char *error = NULL;
	size_t k, used, decided = 0;
	int seen = 0;

	for (k = 0; k <= parses[_i].len; k++) {
		st = parse_copy(parses[_i].in, k, &parses[_i].lim, &msg, &used,
		    &error);
		if (!seen && st == IPC_PARSE_MORE) {
			ipc_msg_clear(&msg);
			continue;
		}
		if (!seen)
			decided = k;
		seen = 1;
		ck_assert_msg(st == want, "%s: %zu bytes: got %s, want %s",
		    parses[_i].name, k, status_name(st), status_name(want));
		if (st == IPC_PARSE_OK) {
			ck_assert_msg(used == parses[_i].used,
			    "%s: %zu bytes: used %zu, want %zu",
			    parses[_i].name, k, used, parses[_i].used);
			dump(&msg, got);
			ck_assert_msg(strcmp(sbuf_str(got), parses[_i].dump)
			    == 0, "%s: %zu bytes: got '%s', want '%s'",
			    parses[_i].name, k, sbuf_str(got), parses[_i].dump);
		} else
			ck_assert_msg(strcmp(error, parses[_i].dump) == 0,
			    "%s: %zu bytes: error '%s', want '%s'",
			    parses[_i].name, k, error, parses[_i].dump);
		ipc_msg_clear(&msg);
	}
	if (want == IPC_PARSE_MORE)
		ck_assert_msg(!seen, "%s: decided before the end",
		    parses[_i].name);
	else
		ck_assert_msg(seen, "%s: never decided", parses[_i].name);
	if (want == IPC_PARSE_OK)
		ck_assert_msg(decided == parses[_i].used,
		    "%s: decided at %zu bytes, want %zu", parses[_i].name,
		    decided, parses[_i].used);
	sbuf_free(&got);
}
END_TEST

/* build_many - count attributes with names of nlen bytes, values of vlen */
static struct sbuf *
build_many(size_t count, size_t nlen, size_t vlen)
{
	struct sbuf *b = sbuf_new(64 * 1024 * 1024);
	size_t i;

	for (i = 0; i < count; i++) {
		size_t k;

		for (k = 0; k < nlen; k++)
			sbuf_appendc(b, 'n');
		sbuf_appendc(b, '\0');
		for (k = 0; k < vlen; k++)
			sbuf_appendc(b, (int)(1 + (i + k) % 255));
		sbuf_appendc(b, '\0');
	}
	sbuf_appendc(b, '\0');
	return (b);
}

/* The default limits, at and just past each one. */
static const struct {
	const char *name;
	size_t	count, nlen, vlen;
	enum ipc_parse_status want;
	const char *error;
} defaults[] = {
	{ "value 4096", 1, 1, IPC_VALUE_MAX, IPC_PARSE_OK, NULL },
	{ "value 4097", 1, 1, IPC_VALUE_MAX + 1, IPC_PARSE_ERROR,
	    "value too long" },
	{ "name 64", 1, IPC_NAME_MAX, 1, IPC_PARSE_OK, NULL },
	{ "name 65", 1, IPC_NAME_MAX + 1, 1, IPC_PARSE_ERROR,
	    "attribute name too long" },
	{ "256 attributes", IPC_ATTR_MAX, 3, 3, IPC_PARSE_OK, NULL },
	{ "257 attributes", IPC_ATTR_MAX + 1, 3, 3, IPC_PARSE_ERROR,
	    "too many attributes" },
	{ "largest message", IPC_ATTR_MAX, IPC_NAME_MAX, IPC_VALUE_MAX,
	    IPC_PARSE_OK, NULL },
};

START_TEST(test_parse_defaults)
{
	struct sbuf *b = build_many(defaults[_i].count, defaults[_i].nlen,
	    defaults[_i].vlen);
	struct ipc_msg msg;
	const char *error = "";
	size_t used = 0;
	enum ipc_parse_status st;

	st = parse_copy(sbuf_str(b), sbuf_len(b), NULL, &msg, &used, &error);
	ck_assert_msg(st == defaults[_i].want, "%s: got %s (%s), want %s",
	    defaults[_i].name, status_name(st), error,
	    status_name(defaults[_i].want));
	if (st == IPC_PARSE_OK) {
		ck_assert_msg(used == sbuf_len(b) && msg.count
		    == defaults[_i].count, "%s: used %zu of %zu, count %zu",
		    defaults[_i].name, used, sbuf_len(b), msg.count);
		ck_assert_uint_eq(msg.attrs[msg.count - 1].value_len,
		    defaults[_i].vlen);
	} else
		ck_assert_msg(strcmp(error, defaults[_i].error) == 0,
		    "%s: error '%s', want '%s'", defaults[_i].name, error,
		    defaults[_i].error);
	ipc_msg_clear(&msg);
	sbuf_free(&b);
}
END_TEST

/* ipc_get / ipc_get_next over repeated and missing names */
START_TEST(test_get_next)
{
	static const char in[] =
	    "rcpt\0a@x\0other\0o\0rcpt\0b@y\0rcpt\0\0rcpts\0no\0";
	struct ipc_msg msg;
	const char *error, *v;
	size_t used, pos = 0;

	ck_assert_int_eq(ipc_parse(in, sizeof(in), NULL, &msg, &used, &error),
	    IPC_PARSE_OK);
	ck_assert_uint_eq(used, sizeof(in));
	ck_assert_uint_eq(msg.count, 5);
	ck_assert_str_eq(ipc_get(&msg, "rcpt"), "a@x");
	ck_assert_str_eq(ipc_get(&msg, "rcpts"), "no");
	ck_assert_ptr_null(ipc_get(&msg, "rcp"));
	ck_assert_ptr_null(ipc_get(&msg, ""));
	ck_assert_str_eq(ipc_get_next(&msg, "rcpt", &pos), "a@x");
	ck_assert_str_eq(ipc_get_next(&msg, "rcpt", &pos), "b@y");
	v = ipc_get_next(&msg, "rcpt", &pos);
	ck_assert_ptr_nonnull(v);
	ck_assert_str_eq(v, "");
	ck_assert_ptr_null(ipc_get_next(&msg, "rcpt", &pos));
	ck_assert_ptr_null(ipc_get_next(&msg, "rcpt", &pos));
	pos = 0;
	ck_assert_ptr_null(ipc_get_next(&msg, "missing", &pos));
	ipc_msg_clear(&msg);
	ck_assert_uint_eq(msg.count, 0);
	ck_assert_ptr_null(ipc_get(&msg, "rcpt"));
	ipc_msg_clear(&msg);
}
END_TEST

/* ipc_get_u64 strictness */
static const struct {
	const char *name;
	const char *value;		/* NULL: attribute absent */
	uint64_t min, max;
	int	want;
	uint64_t val;
} u64s[] = {
	{ "zero", "0", 0, UINT64_MAX, 0, 0 },
	{ "plain", "42", 0, UINT64_MAX, 0, 42 },
	{ "leading zeros", "007", 0, UINT64_MAX, 0, 7 },
	{ "max", "18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX },
	{ "overflow", "18446744073709551616", 0, UINT64_MAX, -1, 0 },
	{ "empty", "", 0, UINT64_MAX, -1, 0 },
	{ "minus", "-1", 0, UINT64_MAX, -1, 0 },
	{ "plus", "+1", 0, UINT64_MAX, -1, 0 },
	{ "leading blank", " 1", 0, UINT64_MAX, -1, 0 },
	{ "trailing blank", "1 ", 0, UINT64_MAX, -1, 0 },
	{ "trailing newline", "1\n", 0, UINT64_MAX, -1, 0 },
	{ "hex", "0x10", 0, UINT64_MAX, -1, 0 },
	{ "trailing letter", "12a", 0, UINT64_MAX, -1, 0 },
	{ "below min", "4", 5, 10, -1, 0 },
	{ "at min", "5", 5, 10, 0, 5 },
	{ "at max", "10", 5, 10, 0, 10 },
	{ "above max", "11", 5, 10, -1, 0 },
	{ "absent", NULL, 0, UINT64_MAX, -1, 0 },
};

START_TEST(test_get_u64)
{
	struct sbuf *b = sbuf_new(0);
	struct ipc_msg msg;
	const char *error;
	size_t used;
	uint64_t val = 999;
	int ret;

	ck_assert_int_eq(ipc_put(b, "other", "1"), 0);
	if (u64s[_i].value != NULL) {
		ck_assert_int_eq(ipc_put(b, "n", u64s[_i].value), 0);
		/* Only the first one counts. */
		ck_assert_int_eq(ipc_put(b, "n", "3"), 0);
	}
	ck_assert_int_eq(ipc_end(b), 0);
	ck_assert_int_eq(ipc_parse(sbuf_str(b), sbuf_len(b), NULL, &msg,
	    &used, &error), IPC_PARSE_OK);
	ret = ipc_get_u64(&msg, "n", u64s[_i].min, u64s[_i].max, &val);
	ck_assert_msg(ret == u64s[_i].want, "%s: got %d, want %d",
	    u64s[_i].name, ret, u64s[_i].want);
	if (ret == 0)
		ck_assert_msg(val == u64s[_i].val, "%s: value %ju, want %ju",
		    u64s[_i].name, (uintmax_t)val, (uintmax_t)u64s[_i].val);
	else
		ck_assert_msg(val == 999, "%s: value changed on failure",
		    u64s[_i].name);
	ipc_msg_clear(&msg);
	sbuf_free(&b);
}
END_TEST

/* Building: exact bytes. */
START_TEST(test_put)
{
	static const char want[] = "request\0status\0n\0" "18446744073709551615"
	    "\0f\0x=7 y\0bin\0a\xff\x01\0e\0\0";
	struct sbuf *b = sbuf_new(0);

	ck_assert_int_eq(ipc_put(b, IPC_ATTR_REQUEST, "status"), 0);
	ck_assert_int_eq(ipc_put_u64(b, "n", UINT64_MAX), 0);
	ck_assert_int_eq(ipc_putf(b, "f", "x=%d %s", 7, "y"), 0);
	ck_assert_int_eq(ipc_put_n(b, "bin", "a\xff\x01", 3), 0);
	ck_assert_int_eq(ipc_put_n(b, "e", NULL, 0), 0);
	ck_assert_int_eq(ipc_end(b), 0);
	ck_assert_uint_eq(sbuf_len(b), sizeof(want));
	ck_assert_msg(memcmp(sbuf_str(b), want, sizeof(want)) == 0,
	    "built bytes differ");
	sbuf_free(&b);
}
END_TEST

/* Building: refusals leave the sbuf as it was. */
static char long_value[IPC_VALUE_MAX + 2];

static const struct {
	const char *name;
	const char *attr;
	const char *value;
	size_t	len;
	int	want;
} puts_[] = {
	{ "empty name", "", "v", 1, -1 },
	{ "uppercase name", "Name", "v", 1, -1 },
	{ "blank in name", "a b", "v", 1, -1 },
	{ "dot in name", "a.b", "v", 1, -1 },
	{ "utf-8 name", "caf\xc3\xa9", "v", 1, -1 },
	{ "name 64", A64, "v", 1, 0 },
	{ "name 65", A64 "a", "v", 1, -1 },
	{ "nul in value", "a", "x\0y", 3, -1 },
	{ "trailing nul in value", "a", "x\0", 2, -1 },
	{ "value 4096", "a", long_value, IPC_VALUE_MAX, 0 },
	{ "value 4097", "a", long_value, IPC_VALUE_MAX + 1, -1 },
	{ "empty value", "a", "", 0, 0 },
	{ "binary value", "a", "\x01\xff\n", 3, 0 },
};

START_TEST(test_put_refused)
{
	struct sbuf *b = sbuf_new(0);
	int ret;

	memset(long_value, 'v', sizeof(long_value) - 1);
	ck_assert_int_eq(ipc_put(b, "first", "1"), 0);
	ret = ipc_put_n(b, puts_[_i].attr, puts_[_i].value, puts_[_i].len);
	ck_assert_msg(ret == puts_[_i].want, "%s: got %d, want %d",
	    puts_[_i].name, ret, puts_[_i].want);
	if (ret < 0) {
		ck_assert_msg(sbuf_len(b) == 8 && memcmp(sbuf_str(b),
		    "first\0" "1\0", 8) == 0, "%s: sbuf changed (len %zu)",
		    puts_[_i].name, sbuf_len(b));
	} else {
		ck_assert_uint_eq(sbuf_len(b),
		    8 + strlen(puts_[_i].attr) + 1 + puts_[_i].len + 1);
	}
	sbuf_free(&b);
}
END_TEST

START_TEST(test_putf_refused)
{
	struct sbuf *b = sbuf_new(0);

	memset(long_value, 'v', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	ck_assert_int_eq(ipc_put(b, "first", "1"), 0);
	ck_assert_int_eq(ipc_putf(b, "a", "%c", 0), -1);
	ck_assert_int_eq(ipc_putf(b, "a", "x%cy", 0), -1);
	ck_assert_int_eq(ipc_putf(b, "a", "%s", long_value), -1);
	ck_assert_int_eq(ipc_putf(b, "Bad", "%d", 1), -1);
	ck_assert_int_eq(ipc_put(b, "a", long_value), -1);
	ck_assert_uint_eq(sbuf_len(b), 8);
	ck_assert_int_eq(ipc_putf(b, "a", "%.4096s", long_value), 0);
	ck_assert_uint_eq(sbuf_len(b), 8 + 2 + IPC_VALUE_MAX + 1);
	sbuf_free(&b);
}
END_TEST

/* The sbuf's cap: refused whole, never half an attribute. */
START_TEST(test_put_cap)
{
	struct sbuf *b = sbuf_new(12);

	ck_assert_int_eq(ipc_put(b, "abc", "defg"), 0);	/* 9 bytes */
	ck_assert_int_eq(ipc_put(b, "x", "y"), -1);		/* 13 */
	ck_assert_uint_eq(sbuf_len(b), 9);
	ck_assert_int_eq(ipc_putf(b, "x", "%s", "y"), -1);
	ck_assert_uint_eq(sbuf_len(b), 9);
	ck_assert_int_eq(ipc_put_u64(b, "n", 1), -1);
	ck_assert_uint_eq(sbuf_len(b), 9);
	ck_assert_int_eq(ipc_put(b, "x", ""), 0);		/* 12 */
	ck_assert_int_eq(ipc_end(b), -1);
	ck_assert_uint_eq(sbuf_len(b), 12);
	sbuf_free(&b);
}
END_TEST

/* Streams over a socketpair. */

static struct stream *t_a, *t_b;	/* two ends */
static int t_fd_a, t_fd_b;

static void
stream_setup(void)
{
	int sv[2];

	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	t_fd_a = sv[0];
	t_fd_b = sv[1];
	t_a = stream_fdopen(sv[0], STREAM_RDWR, 1024);
	t_b = stream_fdopen(sv[1], STREAM_RDWR, 1024);
	stream_set_timeout(t_a, 5);
	stream_set_timeout(t_b, 5);
}

static void
stream_teardown(void)
{
	stream_free(&t_a);
	stream_free(&t_b);
}

/* write_all - raw bytes onto a descriptor (made non-blocking by stream) */
static void
write_all(int fd, const void *p, size_t n)
{
	struct pollfd pfd = { fd, POLLOUT, 0 };
	const char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			ck_assert_int_eq(poll(&pfd, 1, 5000), 1);
			continue;
		}
		ck_assert_msg(w > 0, "write: %s", strerror(errno));
		c += w;
		n -= (size_t)w;
	}
}

/* expect_msg - ipc_recv() gives a message dumping as want */
static void
expect_msg(struct stream *s, const struct ipc_limits *lim, const char *want)
{
	struct sbuf *got = sbuf_new(0);
	struct ipc_msg msg;
	const char *error = "";
	int ret;

	ret = ipc_recv(s, lim, &msg, &error);
	ck_assert_msg(ret == 0, "recv: got -1 (%s), want '%s'", error, want);
	dump(&msg, got);
	ck_assert_msg(strcmp(sbuf_str(got), want) == 0, "got '%s', want '%s'",
	    sbuf_str(got), want);
	ipc_msg_clear(&msg);
	sbuf_free(&got);
}

/* expect_fail - ipc_recv() fails with error want */
static void
expect_fail(struct stream *s, const struct ipc_limits *lim, const char *want)
{
	struct ipc_msg msg;
	const char *error = "";
	int ret;

	ret = ipc_recv(s, lim, &msg, &error);
	ck_assert_msg(ret == -1, "recv: got %d, want -1 (%s)", ret, want);
	ck_assert_msg(strcmp(error, want) == 0, "error '%s', want '%s'", error,
	    want);
	ck_assert_msg(msg.count == 0 && msg.buf == NULL,
	    "message not empty after failure");
	ipc_msg_clear(&msg);
}

START_TEST(test_send_recv)
{
	struct sbuf *b = sbuf_new(0);

	ck_assert_int_eq(ipc_put(b, IPC_ATTR_REQUEST, "lookup"), 0);
	ck_assert_int_eq(ipc_put(b, "domain", "example.test"), 0);
	ck_assert_int_eq(ipc_put_n(b, "bin", "\x01\xff", 2), 0);
	ck_assert_int_eq(ipc_end(b), 0);
	ck_assert_int_eq(ipc_send(t_a, b), 0);
	expect_msg(t_b, NULL, "request=lookup;domain=example.test;"
	    "bin=\\x01\\xff;");
	/* And back the other way. */
	ck_assert_int_eq(ipc_send(t_b, b), 0);
	expect_msg(t_a, NULL, "request=lookup;domain=example.test;"
	    "bin=\\x01\\xff;");
	sbuf_free(&b);
}
END_TEST

/* Two messages in one write: the second stays for the next call. */
START_TEST(test_back_to_back)
{
	static const char two[] = "a\0" "1\0\0b\0" "2\0c\0" "3\0\0\0";

	write_all(t_fd_a, two, sizeof(two) - 1);
	shutdown(t_fd_a, SHUT_WR);
	expect_msg(t_b, NULL, "a=1;");
	expect_msg(t_b, NULL, "b=2;c=3;");
	expect_msg(t_b, NULL, "");
	expect_fail(t_b, NULL, "eof");
}
END_TEST

START_TEST(test_eof)
{
	shutdown(t_fd_a, SHUT_WR);
	expect_fail(t_b, NULL, "eof");
}
END_TEST

START_TEST(test_eof_inside)
{
	write_all(t_fd_a, "a\0b", 3);
	shutdown(t_fd_a, SHUT_WR);
	expect_fail(t_b, NULL, "eof inside a message");
}
END_TEST

START_TEST(test_timeout)
{
	time_t start = time(NULL);

	stream_set_timeout(t_b, 1);
	write_all(t_fd_a, "a\0b", 3);		/* and then nothing */
	expect_fail(t_b, NULL, "timeout");
	ck_assert_msg(time(NULL) - start <= 3, "took %ld s",
	    (long)(time(NULL) - start));
}
END_TEST

START_TEST(test_recv_malformed)
{
	write_all(t_fd_a, M("Bad\0v\0\0"));
	expect_fail(t_b, NULL, "bad character in name");
}
END_TEST

/*
 * An over-long name is refused at its first byte past the limit, with the
 * peer still connected and silent: no waiting for a NUL that never comes.
 */
START_TEST(test_recv_limit_early)
{
	static const struct ipc_limits small = { 4, 8, 2 };
	time_t start = time(NULL);

	stream_set_timeout(t_b, 4);
	write_all(t_fd_a, M("abcde"));
	expect_fail(t_b, &small, "attribute name too long");
	ck_assert_msg(time(NULL) - start < 2, "waited %ld s for more",
	    (long)(time(NULL) - start));
}
END_TEST

START_TEST(test_recv_value_limit)
{
	static const struct ipc_limits small = { 4, 8, 2 };

	write_all(t_fd_a, M("a\0" "123456789"));
	expect_fail(t_b, &small, "value too long");
}
END_TEST

START_TEST(test_recv_attr_limit)
{
	static const struct ipc_limits small = { 4, 8, 2 };

	write_all(t_fd_a, M("a\0\0b\0\0\0c\0\0d\0\0e"));
	expect_msg(t_b, &small, "a=;b=;");
	expect_fail(t_b, &small, "too many attributes");
}
END_TEST

/* A child that trickles bytes: the message arrives in many reads. */
START_TEST(test_recv_trickle)
{
	static const char in[] = "request\0status\0n\0" "42\0\0";
	pid_t pid;
	size_t i;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		for (i = 0; i < sizeof(in) - 1; i++) {
			write_all(t_fd_a, in + i, 1);
			usleep(2000);
		}
		_exit(0);
	}
	expect_msg(t_b, NULL, "request=status;n=42;");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "writer failed");
}
END_TEST

/* The largest message the defaults allow, written by a child. */
START_TEST(test_recv_largest)
{
	struct sbuf *b = build_many(IPC_ATTR_MAX, IPC_NAME_MAX, IPC_VALUE_MAX);
	struct ipc_msg msg;
	const char *error = "";
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		write_all(t_fd_a, sbuf_str(b), sbuf_len(b));
		write_all(t_fd_a, M("z\0" "1\0\0"));
		_exit(0);
	}
	ck_assert_msg(ipc_recv(t_b, NULL, &msg, &error) == 0, "recv: %s",
	    error);
	ck_assert_uint_eq(msg.count, IPC_ATTR_MAX);
	ck_assert_uint_eq(msg.attrs[IPC_ATTR_MAX - 1].value_len,
	    IPC_VALUE_MAX);
	ipc_msg_clear(&msg);
	expect_msg(t_b, NULL, "z=1;");
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "writer failed");
	sbuf_free(&b);
}
END_TEST

/* Hello: the peer's side is written raw, then ours runs. */
static const struct {
	const char *name;
	const char *protocol, *version;		/* ours */
	const char *peer_protocol, *peer_version; /* NULL: not sent */
	int	want;
	const char *error;
} hellos[] = {
	{ "same", "registry", "1.0", "registry", "1.0", 0, NULL },
	{ "minor differs", "registry", "1.0", "registry", "1.7", 0, NULL },
	{ "minor differs, peer older", "registry", "3.12", "registry", "3.2",
	    0, NULL },
	{ "major differs", "registry", "1.0", "registry", "2.0", -1,
	    "major version mismatch" },
	{ "major differs, peer older", "registry", "2.1", "registry", "1.9",
	    -1, "major version mismatch" },
	{ "protocol differs", "registry", "1.0", "master", "1.0", -1,
	    "protocol mismatch" },
	{ "protocol case differs", "registry", "1.0", "Registry", "1.0", -1,
	    "protocol mismatch" },
	{ "peer version without minor", "registry", "1.0", "registry", "1",
	    -1, "bad version from peer" },
	{ "peer version not a number", "registry", "1.0", "registry", "1.x",
	    -1, "bad version from peer" },
	{ "peer version signed", "registry", "1.0", "registry", "-1.0",
	    -1, "bad version from peer" },
	{ "peer version empty", "registry", "1.0", "registry", "", -1,
	    "bad version from peer" },
	{ "peer without version", "registry", "1.0", "registry", NULL, -1,
	    "hello without protocol or version" },
	{ "peer without protocol", "registry", "1.0", NULL, "1.0", -1,
	    "hello without protocol or version" },
	{ "bad local version", "registry", "1", "registry", "1.0", -1,
	    "bad local version" },
};

START_TEST(test_hello)
{
	struct sbuf *b = sbuf_new(0);
	const char *error = "";
	int ret;

	if (hellos[_i].peer_protocol != NULL)
		ck_assert_int_eq(ipc_put(b, IPC_ATTR_PROTOCOL,
		    hellos[_i].peer_protocol), 0);
	if (hellos[_i].peer_version != NULL)
		ck_assert_int_eq(ipc_put(b, IPC_ATTR_VERSION,
		    hellos[_i].peer_version), 0);
	ck_assert_int_eq(ipc_end(b), 0);
	ck_assert_int_eq(ipc_send(t_b, b), 0);
	ret = ipc_hello(t_a, hellos[_i].protocol, hellos[_i].version, &error);
	ck_assert_msg(ret == hellos[_i].want, "%s: got %d (%s), want %d",
	    hellos[_i].name, ret, error, hellos[_i].want);
	if (ret < 0)
		ck_assert_msg(strcmp(error, hellos[_i].error) == 0,
		    "%s: error '%s', want '%s'", hellos[_i].name, error,
		    hellos[_i].error);
	/* Ours went out first, whole (unless it could not be built). */
	if (hellos[_i].error == NULL
	    || strcmp(hellos[_i].error, "bad local version") != 0) {
		struct sbuf *want = sbuf_new(0);

		sbuf_appendf(want, "protocol=%s;version=%s;",
		    hellos[_i].protocol, hellos[_i].version);
		expect_msg(t_b, NULL, sbuf_str(want));
		sbuf_free(&want);
	}
	sbuf_free(&b);
}
END_TEST

/* Both ends running ipc_hello() at once, one in a child. */
START_TEST(test_hello_both)
{
	const char *error = "";
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(ipc_hello(t_b, "ctl", "1.4", &error) == 0 ? 0 : 1);
	ck_assert_msg(ipc_hello(t_a, "ctl", "1.0", &error) == 0, "hello: %s",
	    error);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "peer's hello failed");
}
END_TEST

START_TEST(test_hello_eof)
{
	const char *error = "";

	shutdown(t_fd_b, SHUT_WR);
	ck_assert_int_eq(ipc_hello(t_a, "ctl", "1.0", &error), -1);
	ck_assert_str_eq(error, "eof");
}
END_TEST

START_TEST(test_hello_malformed)
{
	const char *error = "";

	write_all(t_fd_b, M("protocol\0ctl\0VERSION\0" "1.0\0\0"));
	ck_assert_int_eq(ipc_hello(t_a, "ctl", "1.0", &error), -1);
	ck_assert_str_eq(error, "bad character in name");
}
END_TEST

/* SOCK_SEQPACKET: one message per packet. */

static int t_seq[2];

static void
seq_setup(void)
{
	signal(SIGPIPE, SIG_IGN);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, t_seq), 0);
}

static void
seq_teardown(void)
{
	close(t_seq[0]);
	if (t_seq[1] >= 0)
		close(t_seq[1]);
}

/* seq_expect - ipc_seq_recv() gives want (a dump) or fails with error */
static void
seq_expect(const struct ipc_limits *lim, const char *want, const char *werr)
{
	struct sbuf *got = sbuf_new(0);
	struct ipc_msg msg;
	const char *error = "";
	int ret;

	ret = ipc_seq_recv(t_seq[1], lim, &msg, &error);
	if (want != NULL) {
		ck_assert_msg(ret == 0, "seq recv: got -1 (%s), want '%s'",
		    error, want);
		dump(&msg, got);
		ck_assert_msg(strcmp(sbuf_str(got), want) == 0,
		    "got '%s', want '%s'", sbuf_str(got), want);
	} else {
		ck_assert_msg(ret == -1, "seq recv: got %d, want -1 (%s)",
		    ret, werr);
		ck_assert_msg(strcmp(error, werr) == 0, "error '%s', want '%s'",
		    error, werr);
		ck_assert_msg(msg.count == 0 && msg.buf == NULL,
		    "message not empty after failure");
	}
	ipc_msg_clear(&msg);
	sbuf_free(&got);
}

START_TEST(test_seq)
{
	struct sbuf *b = sbuf_new(0);

	ck_assert_int_eq(ipc_put(b, IPC_ATTR_STATUS, "ok"), 0);
	ck_assert_int_eq(ipc_put_u64(b, "uptime", 12), 0);
	ck_assert_int_eq(ipc_end(b), 0);
	ck_assert_int_eq(ipc_seq_send(t_seq[0], b), 0);
	ck_assert_int_eq(ipc_seq_send(t_seq[0], b), 0);
	seq_expect(NULL, "status=ok;uptime=12;", NULL);
	seq_expect(NULL, "status=ok;uptime=12;", NULL);
	sbuf_free(&b);
}
END_TEST

/*
 * Bad packets, each followed by a good one that must still arrive: the
 * bad packet was consumed whole.
 */
static const struct {
	const char *name;
	const char *in;
	size_t	len;
	const char *error;
} seqs[] = {
	{ "over-sized packet", M(A64 A64 "\0v\0\0"), "packet too large" },
	{ "one byte over the bound",
	    M("abcd\0" "12345678\0abcd\0" "12345678\0\0x"),
	    "packet too large" },
	{ "truncated", M("a\0b\0"), "truncated message" },
	{ "name without nul", M("abc"), "truncated message" },
	{ "data after the message", M("a\0b\0\0c"), "data after the message" },
	{ "two messages in a packet", M("a\0b\0\0c\0d\0\0"),
	    "data after the message" },
	{ "bad name", M("A\0b\0\0"), "bad character in name" },
	{ "name too long", M("abcde\0b\0\0"), "attribute name too long" },
	{ "value too long", M("a\0" "123456789\0\0"), "value too long" },
	{ "too many attributes", M("a\0\0b\0\0c\0\0\0"),
	    "too many attributes" },
};

START_TEST(test_seq_bad)
{
	/* bound: 2 * (4 + 8 + 2) + 1 = 29 bytes */
	static const struct ipc_limits small = { 4, 8, 2 };
	ssize_t n;

	n = send(t_seq[0], seqs[_i].in, seqs[_i].len, 0);
	ck_assert_int_eq(n, (ssize_t)seqs[_i].len);
	n = send(t_seq[0], M("abcd\0" "12345678\0abcd\0" "12345678\0\0"), 0);
	ck_assert_int_eq(n, 29);
	seq_expect(&small, NULL, seqs[_i].error);
	seq_expect(&small, "abcd=12345678;abcd=12345678;", NULL);
}
END_TEST

START_TEST(test_seq_eof)
{
	close(t_seq[0]);
	t_seq[0] = socket(AF_UNIX, SOCK_SEQPACKET, 0);	/* for teardown */
	seq_expect(NULL, NULL, "eof");
}
END_TEST

/* Sending to a closed peer fails without SIGPIPE killing us. */
START_TEST(test_seq_send_closed)
{
	struct sbuf *b = sbuf_new(0);

	signal(SIGPIPE, SIG_DFL);
	close(t_seq[1]);
	t_seq[1] = -1;
	ck_assert_int_eq(ipc_end(b), 0);
	ck_assert_int_eq(ipc_seq_send(t_seq[0], b), -1);
	sbuf_free(&b);
}
END_TEST

static Suite *
ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0,
	    sizeof(parses) / sizeof(parses[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("parse bytewise");
	tcase_add_loop_test(tc, test_parse_bytewise, 0,
	    sizeof(parses) / sizeof(parses[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("parse default limits");
	tcase_add_loop_test(tc, test_parse_defaults, 0,
	    sizeof(defaults) / sizeof(defaults[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("lookup");
	tcase_add_test(tc, test_get_next);
	tcase_add_loop_test(tc, test_get_u64, 0,
	    sizeof(u64s) / sizeof(u64s[0]));
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_test(tc, test_put);
	tcase_add_loop_test(tc, test_put_refused, 0,
	    sizeof(puts_) / sizeof(puts_[0]));
	tcase_add_test(tc, test_putf_refused);
	tcase_add_test(tc, test_put_cap);
	suite_add_tcase(s, tc);

	tc = tcase_create("stream");
	tcase_add_checked_fixture(tc, stream_setup, stream_teardown);
	tcase_add_test(tc, test_send_recv);
	tcase_add_test(tc, test_back_to_back);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_eof_inside);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_recv_malformed);
	tcase_add_test(tc, test_recv_limit_early);
	tcase_add_test(tc, test_recv_value_limit);
	tcase_add_test(tc, test_recv_attr_limit);
	tcase_add_test(tc, test_recv_trickle);
	tcase_add_test(tc, test_recv_largest);
	suite_add_tcase(s, tc);

	tc = tcase_create("hello");
	tcase_add_checked_fixture(tc, stream_setup, stream_teardown);
	tcase_add_loop_test(tc, test_hello, 0,
	    sizeof(hellos) / sizeof(hellos[0]));
	tcase_add_test(tc, test_hello_both);
	tcase_add_test(tc, test_hello_eof);
	tcase_add_test(tc, test_hello_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("seqpacket");
	tcase_add_checked_fixture(tc, seq_setup, seq_teardown);
	tcase_add_test(tc, test_seq);
	tcase_add_loop_test(tc, test_seq_bad, 0,
	    sizeof(seqs) / sizeof(seqs[0]));
	tcase_add_test(tc, test_seq_eof);
	tcase_add_test(tc, test_seq_send_closed);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(ipc_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
