/*
 * check_name - unit tests for common/name.c.
 *
 * Tables of valid and invalid domains, local parts and addresses, each
 * with its exact reason; the length limits at their exact edges; every
 * byte value in each position class; normalising and splitting with
 * buffers of exactly the right size and one byte less.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "name.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* want_error NULL: valid */
struct name_case {
	const char *in, *want_error;
};

static const struct name_case domain_cases[] = {
	{ "example.com", NULL },
	{ "EXAMPLE.COM", NULL },
	{ "Mail.Example.Org", NULL },
	{ "a.b", NULL },
	{ "a-b.c-d.example", NULL },
	{ "x--y.example", NULL },
	{ "xn--bcher-kva.example", NULL },
	{ "example.xn--p1ai", NULL },
	{ "123.com", NULL },
	{ "1a.2b", NULL },
	{ "sub.123.example", NULL },
	{ "0.example", NULL },
	{ "a.b.c.d.e.f.g", NULL },
	{ "example.c0m", NULL },
	{ "", "empty" },
	{ "com", "needs at least two labels" },
	{ "localhost", "needs at least two labels" },
	{ "xn--p1ai", "needs at least two labels" },
	{ "example.com.", "trailing dot" },
	{ "com.", "trailing dot" },
	{ ".example.com", "empty label" },
	{ "example..com", "empty label" },
	{ ".", "empty label" },
	{ "..", "empty label" },
	{ "-example.com", "label starts or ends with '-'" },
	{ "example-.com", "label starts or ends with '-'" },
	{ "example.-com", "label starts or ends with '-'" },
	{ "example.com-", "label starts or ends with '-'" },
	{ "-.com", "label starts or ends with '-'" },
	{ "exa mple.com", "bad character" },
	{ " example.com", "bad character" },
	{ "example.com ", "bad character" },
	{ "exa_mple.com", "bad character" },
	{ "ex/ample.com", "bad character" },
	{ "../etc.example", "empty label" },
	{ "user@example.com", "bad character" },
	{ "[192.0.2.1]", "bad character" },
	{ "example.com:25", "bad character" },
	{ "*.example.com", "bad character" },
	{ "ex\x01" "ample.com", "control character" },
	{ "ex\x7f" "ample.com", "control character" },
	{ "exa\tmple.com", "control character" },
	{ "example.com\n", "control character" },
	{ "example.com\r\n", "control character" },
	{ "b\xc3\xbc" "cher.example", "8-bit character" },
	{ "example.\xff", "8-bit character" },
	{ "1.2.3.4", "numeric top-level label" },
	{ "192.0.2.1", "numeric top-level label" },
	{ "example.123", "numeric top-level label" },
	/* a C string ends at its NUL */
	{ "ex\0ample.com", "needs at least two labels" },
	{ "example.com\0.evil", NULL },
};

static const struct name_case local_cases[] = {
	{ "user", NULL },
	{ "User.Name", NULL },
	{ "a", NULL },
	{ "0", NULL },
	{ "first.last", NULL },
	{ "a.b.c", NULL },
	{ "user+tag", NULL },
	{ "!#$%&'*+-=?^_`{|}~", NULL },
	{ "-", NULL },
	{ "x-", NULL },
	{ "{user}", NULL },
	{ "", "empty" },
	{ ".", "starts with '.'" },
	{ "..", "starts with '.'" },
	{ ".user", "starts with '.'" },
	{ "../x", "starts with '.'" },
	{ "user.", "ends with '.'" },
	{ "us..er", "double dot" },
	{ "a...b", "double dot" },
	{ "us/er", "'/' not allowed" },
	{ "/", "'/' not allowed" },
	{ "a/..", "'/' not allowed" },
	{ "us er", "bad character" },
	{ " user", "bad character" },
	{ "\"quoted\"", "bad character" },
	{ "us@er", "bad character" },
	{ "us(er)", "bad character" },
	{ "us,er", "bad character" },
	{ "us:er", "bad character" },
	{ "us;er", "bad character" },
	{ "us<er>", "bad character" },
	{ "us[er]", "bad character" },
	{ "us\\er", "bad character" },
	{ "\x01", "control character" },
	{ "us\ter", "control character" },
	{ "user\x7f", "control character" },
	{ "user\n", "control character" },
	{ "\xc3\xa9t\xc3\xa9", "8-bit character" },
	{ "us\x80", "8-bit character" },
	{ "us\0/er", NULL },
};

static const struct name_case address_cases[] = {
	{ "user@example.com", NULL },
	{ "User.Name+tag@Example.COM", NULL },
	{ "a@b.c", NULL },
	{ "x@xn--bcher-kva.example", NULL },
	{ "!#$%&'*+-=?^_`{|}~@example.com", NULL },
	{ "", "empty" },
	{ "user", "missing '@'" },
	{ "example.com", "missing '@'" },
	{ "@example.com", "local part: empty" },
	{ "user@", "domain: empty" },
	{ "@", "local part: empty" },
	{ "a@b@example.com", "more than one '@'" },
	{ "user@@example.com", "more than one '@'" },
	{ "user@example.com@", "more than one '@'" },
	{ "\"a b\"@example.com", "local part: bad character" },
	{ "\"a@b\"@example.com", "more than one '@'" },
	{ "user@[192.0.2.1]", "domain: bad character" },
	{ "user@example.com.", "domain: trailing dot" },
	{ "user@localhost", "domain: needs at least two labels" },
	{ ".user@example.com", "local part: starts with '.'" },
	{ "user.@example.com", "local part: ends with '.'" },
	{ "us..er@example.com", "local part: double dot" },
	{ "user@exa..mple.com", "domain: empty label" },
	{ "user@-example.com", "domain: label starts or ends with '-'" },
	{ "us/er@example.com", "local part: '/' not allowed" },
	{ "../../etc@example.com", "local part: starts with '.'" },
	{ "user@1.2.3.4", "domain: numeric top-level label" },
	{ "user @example.com", "local part: bad character" },
	{ "user@ example.com", "domain: bad character" },
	{ "<user@example.com>", "local part: bad character" },
	{ "user@example.com\r\n", "domain: control character" },
	{ "us\x80" "er@example.com", "local part: 8-bit character" },
	{ "user@ex\xc3\xa4mple.com", "domain: 8-bit character" },
	{ "user@example.com\0junk", NULL },
	{ "user\0@example.com", "missing '@'" },
};

static void
check_case(const char *what, int (*fn)(const char *, const char **),
    const struct name_case *c, int i)
{
	const char *err = NULL;
	int got = fn(c->in, &err);

	if (c->want_error == NULL) {
		ck_assert_msg(got == 0, "%s case %d \"%s\": got -1 (%s), "
		    "want 0", what, i, c->in, err ? err : "(null)");
		return;
	}
	ck_assert_msg(got == -1, "%s case %d \"%s\": got %d, want -1 (%s)",
	    what, i, c->in, got, c->want_error);
	ck_assert_msg(err != NULL && strcmp(err, c->want_error) == 0,
	    "%s case %d \"%s\": got \"%s\", want \"%s\"", what, i, c->in,
	    err ? err : "(null)", c->want_error);
}

START_TEST(test_domain)
{
	check_case("domain", name_domain_check, &domain_cases[_i], _i);
}
END_TEST

START_TEST(test_local)
{
	check_case("local", name_local_check, &local_cases[_i], _i);
}
END_TEST

START_TEST(test_address)
{
	check_case("address", name_address_check, &address_cases[_i], _i);
}
END_TEST

/* NULL is refused as empty, not a crash. */
START_TEST(test_null)
{
	const char *err = NULL;

	ck_assert_int_eq(name_domain_check(NULL, &err), -1);
	ck_assert_str_eq(err, "empty");
	err = NULL;
	ck_assert_int_eq(name_local_check(NULL, &err), -1);
	ck_assert_str_eq(err, "empty");
	err = NULL;
	ck_assert_int_eq(name_address_check(NULL, &err), -1);
	ck_assert_str_eq(err, "empty");
}
END_TEST

/*
 * Lengths at their edges. A domain spec is a list of label lengths; labels
 * are letters, so no label is numeric.
 */
static const struct {
	const char *name;
	size_t	local_len;		/* 0: check the domain alone */
	size_t	labels[6];		/* 0-terminated */
	size_t	want_len;		/* of the whole input */
	const char *want_error;		/* NULL: valid */
} length_cases[] = {
	{ "label 63", 0, { 63, 3 }, 67, NULL },
	{ "label 64", 0, { 64, 3 }, 68, "label too long" },
	{ "tld 63", 0, { 3, 63 }, 67, NULL },
	{ "tld 64", 0, { 3, 64 }, 68, "label too long" },
	{ "domain 253", 0, { 63, 63, 63, 61 }, 253, NULL },
	{ "domain 254", 0, { 63, 63, 63, 62 }, 254, "too long" },
	{ "domain 253 short labels", 0, { 50, 50, 50, 50, 49 }, 253, NULL },
	{ "domain 254 short labels", 0, { 50, 50, 50, 50, 50 }, 254,
	    "too long" },
	{ "domain 319", 0, { 63, 63, 63, 63, 63 }, 319, "too long" },
	{ "local 64", 64, { 7, 3 }, 76, NULL },
	{ "local 65", 65, { 7, 3 }, 77, "local part: too long" },
	{ "address 254", 64, { 63, 63, 61 }, 254, NULL },
	{ "address 255", 64, { 63, 63, 62 }, 255, "too long" },
	{ "address 254 short local", 1, { 63, 63, 63, 60 }, 254, NULL },
	{ "address domain 253 too long", 1, { 63, 63, 63, 61 }, 255,
	    "too long" },
	{ "address label 64", 10, { 64, 3 }, 79, "domain: label too long" },
	{ "address label 63", 10, { 63, 3 }, 78, NULL },
};

START_TEST(test_lengths)
{
	char buf[1024];
	size_t n = 0, i, k;
	const char *err = NULL;
	int got;

	if (length_cases[_i].local_len > 0) {
		memset(buf, 'u', length_cases[_i].local_len);
		n = length_cases[_i].local_len;
		buf[n++] = '@';
	}
	for (i = 0; length_cases[_i].labels[i] != 0; i++) {
		if (i > 0)
			buf[n++] = '.';
		for (k = 0; k < length_cases[_i].labels[i]; k++)
			buf[n++] = (char)('a' + i);
	}
	buf[n] = '\0';
	ck_assert_msg(n == length_cases[_i].want_len, "%s: built %zu bytes, "
	    "want %zu", length_cases[_i].name, n, length_cases[_i].want_len);
	if (length_cases[_i].local_len > 0)
		got = name_address_check(buf, &err);
	else
		got = name_domain_check(buf, &err);
	if (length_cases[_i].want_error == NULL)
		ck_assert_msg(got == 0, "%s: got -1 (%s), want 0",
		    length_cases[_i].name, err);
	else
		ck_assert_msg(got == -1 && strcmp(err,
		    length_cases[_i].want_error) == 0,
		    "%s: got %d (%s), want -1 (%s)", length_cases[_i].name,
		    got, got < 0 ? err : "", length_cases[_i].want_error);
}
END_TEST

/* A local part alone at 64 and 65 bytes, and far over. */
START_TEST(test_local_length)
{
	char buf[4096];
	const char *err = NULL;

	memset(buf, 'x', sizeof(buf));
	buf[NAME_LOCAL_MAX] = '\0';
	ck_assert_int_eq(name_local_check(buf, &err), 0);
	buf[NAME_LOCAL_MAX - 1] = '.';
	ck_assert_int_eq(name_local_check(buf, &err), -1);
	ck_assert_str_eq(err, "ends with '.'");
	buf[NAME_LOCAL_MAX - 1] = 'x';
	buf[NAME_LOCAL_MAX] = 'x';
	buf[NAME_LOCAL_MAX + 1] = '\0';
	ck_assert_int_eq(name_local_check(buf, &err), -1);
	ck_assert_str_eq(err, "too long");
	/* the same 65 bytes as a domain are one over-long label */
	ck_assert_int_eq(name_domain_check(buf, &err), -1);
	ck_assert_str_eq(err, "label too long");
	buf[NAME_LOCAL_MAX + 1] = 'x';
	buf[sizeof(buf) - 1] = '\0';
	ck_assert_int_eq(name_local_check(buf, &err), -1);
	ck_assert_str_eq(err, "too long");
	ck_assert_int_eq(name_domain_check(buf, &err), -1);
	ck_assert_str_eq(err, "too long");
	ck_assert_int_eq(name_address_check(buf, &err), -1);
	ck_assert_str_eq(err, "too long");
}
END_TEST

/*
 * Every byte value in the middle of a local part and of a domain label:
 * exactly the documented classes pass. One test for all 256 values, as a
 * forked test per byte would take longer than the checks.
 */
static void
check_byte(int c)
{
	char local[4] = { 'a', (char)c, 'b', '\0' };
	char domain[8] = { 'a', (char)c, 'b', '.', 'c', 'o', 'm', '\0' };
	char address[16];
	const char *err = NULL;
	int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
	    || (c >= '0' && c <= '9');
	int want_local = c == 0 || alnum || c == '.'
	    || (c != 0 && strchr("!#$%&'*+-=?^_`{|}~", c) != NULL);
	int want_domain = alnum || c == '-' || c == '.';
	int got;

	got = name_local_check(local, &err) == 0;
	ck_assert_msg(got == want_local, "local byte 0x%02x: got %d, want %d "
	    "(%s)", c, got, want_local, got ? "" : err);
	got = name_domain_check(domain, &err) == 0;
	ck_assert_msg(got == want_domain, "domain byte 0x%02x: got %d, "
	    "want %d (%s)", c, got, want_domain, got ? "" : err);
	/* inside an address too; '@' there makes two of them */
	snprintf(address, sizeof(address), "%s@x.com", local);
	got = name_address_check(address, &err) == 0;
	ck_assert_msg(got == (want_local && c != '@'), "address byte 0x%02x: "
	    "got %d (%s)", c, got, got ? "" : err);
	if (c >= 0x80) {
		ck_assert_str_eq(err, "local part: 8-bit character");
		ck_assert_int_eq(name_domain_check(domain, &err), -1);
		ck_assert_str_eq(err, "8-bit character");
	} else if (c != 0 && (c < 0x20 || c == 0x7f)) {
		ck_assert_str_eq(err, "local part: control character");
		ck_assert_int_eq(name_domain_check(domain, &err), -1);
		ck_assert_str_eq(err, "control character");
	}
}

START_TEST(test_every_byte)
{
	int c;

	for (c = 0; c < 256; c++)
		check_byte(c);
}
END_TEST

/* name_normalize: ASCII folding, exact buffer sizes. */
static const struct {
	const char *in;
	size_t	size;
	int	want;
	const char *want_out;
} normalize_cases[] = {
	{ "User@Example.COM", 17, 0, "user@example.com" },
	{ "User@Example.COM", 16, -1, "" },
	{ "User@Example.COM", 1, -1, "" },
	{ "already.lower", 64, 0, "already.lower" },
	{ "ABCDEFGHIJKLMNOPQRSTUVWXYZ", 27, 0, "abcdefghijklmnopqrstuvwxyz" },
	{ "@[\\]^_`{|}~", 12, 0, "@[\\]^_`{|}~" },
	{ "\xc3\x84" "B\xc4\xb0", 6, 0, "\xc3\x84" "b\xc4\xb0" },
	{ "I", 2, 0, "i" },
	{ "", 1, 0, "" },
	{ "x", 1, -1, "" },
};

START_TEST(test_normalize)
{
	char buf[65];
	int got;

	memset(buf, '#', sizeof(buf));
	got = name_normalize(normalize_cases[_i].in, buf,
	    normalize_cases[_i].size);
	ck_assert_msg(got == normalize_cases[_i].want, "\"%s\" size %zu: "
	    "got %d, want %d", normalize_cases[_i].in, normalize_cases[_i].size,
	    got, normalize_cases[_i].want);
	ck_assert_msg(strcmp(buf, normalize_cases[_i].want_out) == 0,
	    "\"%s\" size %zu: got \"%s\", want \"%s\"", normalize_cases[_i].in,
	    normalize_cases[_i].size, buf, normalize_cases[_i].want_out);
	/* nothing written past size */
	ck_assert_int_eq(buf[normalize_cases[_i].size], '#');
}
END_TEST

/* name_normalize with size 0 writes nothing; in place works. */
START_TEST(test_normalize_edges)
{
	char buf[32] = "#";

	ck_assert_int_eq(name_normalize("x", buf, 0), -1);
	ck_assert_int_eq(buf[0], '#');
	ck_assert_int_eq(name_normalize("", buf, 0), -1);
	ck_assert_int_eq(buf[0], '#');
	snprintf(buf, sizeof(buf), "Mixed@Case.Example");
	ck_assert_int_eq(name_normalize(buf, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "mixed@case.example");
}
END_TEST

/* name_split: last '@', exact sizes. */
static const struct {
	const char *in;
	size_t	local_size, domain_size;
	int	want;
	const char *want_local, *want_domain;
} split_cases[] = {
	{ "user@example.com", 5, 12, 0, "user", "example.com" },
	{ "user@example.com", 64, 254, 0, "user", "example.com" },
	{ "user@example.com", 4, 12, -1, "", "" },
	{ "user@example.com", 5, 11, -1, "", "" },
	{ "user@example.com", 0, 12, -1, NULL, "" },
	{ "user@example.com", 5, 0, -1, "", NULL },
	{ "noat", 64, 64, -1, "", "" },
	{ "", 64, 64, -1, "", "" },
	{ "a@b@c.d", 64, 64, 0, "a@b", "c.d" },
	{ "@x.y", 64, 64, 0, "", "x.y" },
	{ "x@", 64, 64, 0, "x", "" },
	{ "@", 1, 1, 0, "", "" },
	{ "User@Example.COM", 64, 64, 0, "User", "Example.COM" },
};

START_TEST(test_split)
{
	char local[300], domain[300];
	int got;

	memset(local, '#', sizeof(local));
	memset(domain, '#', sizeof(domain));
	got = name_split(split_cases[_i].in, local, split_cases[_i].local_size,
	    domain, split_cases[_i].domain_size);
	ck_assert_msg(got == split_cases[_i].want, "\"%s\" %zu/%zu: got %d, "
	    "want %d", split_cases[_i].in, split_cases[_i].local_size,
	    split_cases[_i].domain_size, got, split_cases[_i].want);
	if (split_cases[_i].want_local != NULL)
		ck_assert_msg(strcmp(local, split_cases[_i].want_local) == 0,
		    "\"%s\": local got \"%.20s\", want \"%s\"",
		    split_cases[_i].in, local, split_cases[_i].want_local);
	else
		ck_assert_int_eq(local[0], '#');
	if (split_cases[_i].want_domain != NULL)
		ck_assert_msg(strcmp(domain, split_cases[_i].want_domain) == 0,
		    "\"%s\": domain got \"%.20s\", want \"%s\"",
		    split_cases[_i].in, domain, split_cases[_i].want_domain);
	else
		ck_assert_int_eq(domain[0], '#');
	ck_assert_int_eq(local[split_cases[_i].local_size], '#');
	ck_assert_int_eq(domain[split_cases[_i].domain_size], '#');
}
END_TEST

/* Every valid address splits into a valid local part and domain. */
START_TEST(test_split_checked)
{
	char local[NAME_LOCAL_MAX + 1], domain[NAME_DOMAIN_MAX + 1];
	const char *err;
	size_t i;

	for (i = 0; i < NELEM(address_cases); i++) {
		if (address_cases[i].want_error != NULL)
			continue;
		ck_assert_int_eq(name_split(address_cases[i].in, local,
		    sizeof(local), domain, sizeof(domain)), 0);
		ck_assert_msg(name_local_check(local, &err) == 0,
		    "%s: local \"%s\" refused", address_cases[i].in, local);
		ck_assert_msg(name_domain_check(domain, &err) == 0,
		    "%s: domain \"%s\" refused", address_cases[i].in, domain);
	}
}
END_TEST

static Suite *
name_suite(void)
{
	Suite *s = suite_create("name");
	TCase *tc;

	tc = tcase_create("domain");
	tcase_add_loop_test(tc, test_domain, 0, NELEM(domain_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("local");
	tcase_add_loop_test(tc, test_local, 0, NELEM(local_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("address");
	tcase_add_loop_test(tc, test_address, 0, NELEM(address_cases));
	tcase_add_test(tc, test_null);
	suite_add_tcase(s, tc);

	tc = tcase_create("lengths");
	tcase_add_loop_test(tc, test_lengths, 0, NELEM(length_cases));
	tcase_add_test(tc, test_local_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("every_byte");
	tcase_add_test(tc, test_every_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("normalize");
	tcase_add_loop_test(tc, test_normalize, 0, NELEM(normalize_cases));
	tcase_add_test(tc, test_normalize_edges);
	suite_add_tcase(s, tc);

	tc = tcase_create("split");
	tcase_add_loop_test(tc, test_split, 0, NELEM(split_cases));
	tcase_add_test(tc, test_split_checked);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(name_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
