/*
 * check_password - unit tests for common/password.c.
 *
 * The known vectors were made outside this code: the SHA-crypt and
 * MD5-crypt ones with "openssl passwd", the SSHA ones with "openssl dgst"
 * and base64, one bcrypt vector is Openwall's published "U*U" test and one
 * SHA512-crypt vector is from Drepper's specification; the yescrypt, DES
 * and other bcrypt ones come from libcrypt. Every new hash is checked
 * by verifying it, by its shape, and by a wrong password failing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "password.h"
#include "sbuf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Openwall's crypt_blowfish test vector, password "U*U" */
#define BCRYPT_UU \
	"$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW"
/* Drepper's SHA-crypt specification, password "Hello world!" */
#define SHA512_DREPPER \
	"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJu" \
	"esI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
/* The rest are of the password "secret". */
#define SHA512_SECRET \
	"$6$saltsalt$TVLlQcbpFVof5W3Yz4DTP6gRstiNuHwwTt6GLc1E5n0U0aDehy0S5kn" \
	"V8wiOQSpT0Y77vwPZN.Pq.H91p5hVO1"
#define SHA512_ROUNDS \
	"$6$rounds=1000$saltsalt$LAV5VE5Y7w1d73x1mFNspYWUpazfmwv2SoepNXNKJ/o" \
	"top/Zok96Hr8Q13LEv0DRY/x8v0/crpIjl8NJSAqXV/"
#define SHA256_SECRET \
	"$5$saltsalt$0IyaXrmV7.sGNS6tirgqHLqX/G.FBvgkYA.lpPdS5sA"
#define MD5_SECRET \
	"$1$saltsalt$9xy1btjgzLYfb7hivXtC//"
#define BCRYPT_SECRET \
	"$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a"
#define BCRYPT_Y_SECRET \
	"$2y$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a"
#define YESCRYPT_SECRET \
	"$y$j9T$H3NVHxFPBblD9UNUEHwh/0$mVhvVGaVUiNCy07BWPkrSN2oA/EL/uHOtOce" \
	"uRPI9bA"
#define DES_SECRET \
	"abNANd1rDfiNc"
/* base64(digest("secret" || "saltsalt") || "saltsalt") */
#define SSHA_SECRET \
	"1G904nLkTkGWjKNnQuB/hpWXC/hzYWx0c2FsdA=="
#define SSHA256_SECRET \
	"oBmrdHcA6OZEkkCLeXh71YAerbvhXz1qqwjrPsXmEtNzYWx0c2FsdA=="
#define SSHA512_SECRET \
	"aCu7JRc+kLsuEmFs1zTY+AiP7DSGnjjG+dH28Dp+E5usqoAixeTPihKqZmkWal4mUfp6" \
	"3tqvCAkFV1LKTDFH6XNhbHRzYWx0"

static char *
repeat(int c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return (s);
}

/* Round trips: hash under each scheme, then verify. */
static const struct {
	const char *scheme;		/* NULL = default */
	const char *want_prefix;	/* start of the stored form */
} round_cases[] = {
	{ NULL,			"{YESCRYPT}$y$" },
	{ "YESCRYPT",		"{YESCRYPT}$y$" },
	{ "SHA512-CRYPT",	"{SHA512-CRYPT}$6$rounds=100000$" },
	{ "SHA256-CRYPT",	"{SHA256-CRYPT}$5$rounds=100000$" },
	{ "BLF-CRYPT",		"{BLF-CRYPT}$2b$10$" },
	{ "MD5-CRYPT",		"{MD5-CRYPT}$1$" },
	{ "CRYPT",		"{CRYPT}$y$" },
	{ "SSHA",		"{SSHA}" },
	{ "SSHA256",		"{SSHA256}" },
	{ "SSHA512",		"{SSHA512}" },
	{ "sha512-crypt",	"{SHA512-CRYPT}$6$" },
	{ "Blf-Crypt",		"{BLF-CRYPT}$2b$" },
	{ "ssha256",		"{SSHA256}" },
};

START_TEST(test_round_trip)
{
	struct sbuf *out = sbuf_new(0);
	const char *err = NULL, *sch = round_cases[_i].scheme;
	const char *want = round_cases[_i].want_prefix;
	int got;

	got = password_hash("correct horse", sch, out, &err);
	ck_assert_msg(got == 0, "%s: hash got %d (%s), want 0",
	    sch ? sch : "default", got, err ? err : "");
	ck_assert_msg(strncmp(sbuf_str(out), want, strlen(want)) == 0,
	    "%s: got %s, want prefix %s", sch ? sch : "default",
	    sbuf_str(out), want);
	got = password_verify("correct horse", sbuf_str(out), &err);
	ck_assert_msg(got == 1, "%s: verify got %d (%s), want 1",
	    sbuf_str(out), got, got < 0 ? err : "");
	got = password_verify("correct horsf", sbuf_str(out), &err);
	ck_assert_msg(got == 0, "%s: wrong password got %d, want 0",
	    sbuf_str(out), got);
	got = password_verify("Correct horse", sbuf_str(out), &err);
	ck_assert_msg(got == 0, "%s: other case got %d, want 0",
	    sbuf_str(out), got);
	got = password_check_stored(sbuf_str(out), &err);
	ck_assert_msg(got == 0, "%s: check_stored got %d (%s), want 0",
	    sbuf_str(out), got, got < 0 ? err : "");
	sbuf_free(&out);
}
END_TEST

/* A fresh salt each time: two hashes of one password differ. */
static const char *const salt_schemes[] = {
	"YESCRYPT", "SHA512-CRYPT", "BLF-CRYPT", "MD5-CRYPT", "SSHA",
	"SSHA512",
};

START_TEST(test_salt_differs)
{
	struct sbuf *a = sbuf_new(0), *b = sbuf_new(0);
	const char *err;

	ck_assert_int_eq(password_hash("secret", salt_schemes[_i], a, &err), 0);
	ck_assert_int_eq(password_hash("secret", salt_schemes[_i], b, &err), 0);
	ck_assert_msg(strcmp(sbuf_str(a), sbuf_str(b)) != 0,
	    "%s: got the same hash twice: %s", salt_schemes[_i], sbuf_str(a));
	ck_assert_int_eq(password_verify("secret", sbuf_str(a), &err), 1);
	ck_assert_int_eq(password_verify("secret", sbuf_str(b), &err), 1);
	sbuf_free(&a);
	sbuf_free(&b);
}
END_TEST

/* Hashes made elsewhere verify, with the right and a wrong password. */
static const struct {
	const char *stored, *plain;
	int	want;
} known_cases[] = {
	{ "{SHA512-CRYPT}" SHA512_SECRET,	"secret",	1 },
	{ "{SHA512-CRYPT}" SHA512_SECRET,	"Secret",	0 },
	{ "{SHA512-CRYPT}" SHA512_SECRET,	"secret ",	0 },
	{ "{SHA512-CRYPT}" SHA512_SECRET,	"secre",	0 },
	{ "{SHA512-CRYPT}" SHA512_DREPPER,	"Hello world!",	1 },
	{ "{SHA512-CRYPT}" SHA512_ROUNDS,	"secret",	1 },
	{ "{SHA256-CRYPT}" SHA256_SECRET,	"secret",	1 },
	{ "{SHA256-CRYPT}" SHA256_SECRET,	"secreT",	0 },
	{ "{MD5-CRYPT}" MD5_SECRET,		"secret",	1 },
	{ "{MD5-CRYPT}" MD5_SECRET,		"wrong",	0 },
	{ "{MD5}" MD5_SECRET,			"secret",	1 },
	{ "{BLF-CRYPT}" BCRYPT_UU,		"U*U",		1 },
	{ "{BLF-CRYPT}" BCRYPT_UU,		"U*V",		0 },
	{ "{BLF-CRYPT}" BCRYPT_SECRET,		"secret",	1 },
	{ "{BLF-CRYPT}" BCRYPT_Y_SECRET,	"secret",	1 },
	{ "{BLF-CRYPT}" BCRYPT_Y_SECRET,	"secreu",	0 },
	{ "{YESCRYPT}" YESCRYPT_SECRET,		"secret",	1 },
	{ "{YESCRYPT}" YESCRYPT_SECRET,		"secrets",	0 },
	{ "{CRYPT}" YESCRYPT_SECRET,		"secret",	1 },
	{ "{CRYPT}" SHA512_SECRET,		"secret",	1 },
	{ "{CRYPT}" DES_SECRET,			"secret",	1 },
	{ "{CRYPT}" DES_SECRET,			"wrong",	0 },
	{ "{SSHA}" SSHA_SECRET,			"secret",	1 },
	{ "{SSHA}" SSHA_SECRET,			"secreT",	0 },
	{ "{SSHA256}" SSHA256_SECRET,		"secret",	1 },
	{ "{SSHA256}" SSHA256_SECRET,		"",		0 },
	{ "{SSHA512}" SSHA512_SECRET,		"secret",	1 },
	{ "{SSHA512}" SSHA512_SECRET,		"secret\n",	0 },
	/* scheme names are case-insensitive */
	{ "{sha512-crypt}" SHA512_SECRET,	"secret",	1 },
	{ "{Blf-Crypt}" BCRYPT_UU,		"U*U",		1 },
	{ "{ssha}" SSHA_SECRET,			"secret",	1 },
	{ "{yesCRYPT}" YESCRYPT_SECRET,		"secret",	1 },
	/* no {SCHEME}: a crypt(3) string */
	{ SHA512_SECRET,			"secret",	1 },
	{ SHA512_SECRET,			"wrong",	0 },
	{ BCRYPT_UU,				"U*U",		1 },
	{ YESCRYPT_SECRET,			"secret",	1 },
	{ MD5_SECRET,				"secret",	1 },
	{ DES_SECRET,				"secret",	1 },
	{ DES_SECRET,				"secret12",	0 },
	/* empty never matches, a C string ends at its NUL */
	{ SHA512_SECRET,			"",		0 },
	{ "{SSHA}" SSHA_SECRET,			"sec\0ret",	0 },
	{ "{SHA512-CRYPT}" SHA512_SECRET,	"secret\0x",	1 },
};

START_TEST(test_known)
{
	const char *err = "";
	int got;

	got = password_verify(known_cases[_i].plain, known_cases[_i].stored,
	    &err);
	ck_assert_msg(got == known_cases[_i].want,
	    "case %d %s / \"%s\": got %d (%s), want %d", _i,
	    known_cases[_i].stored, known_cases[_i].plain, got,
	    got < 0 ? err : "", known_cases[_i].want);
	got = password_check_stored(known_cases[_i].stored, &err);
	ck_assert_msg(got == 0, "case %d %s: check_stored got %d (%s)", _i,
	    known_cases[_i].stored, got, got < 0 ? err : "");
}
END_TEST

/* Stored forms that are refused, by both verify and check_stored. */
static const struct {
	const char *name, *stored, *want_error;
} bad_cases[] = {
	{ "empty", "", "empty stored hash" },
	{ "unknown scheme", "{FOO}bar", "unknown scheme" },
	{ "unknown scheme like known", "{SSHA1}" SSHA_SECRET,
	    "unknown scheme" },
	{ "plain", "{PLAIN}secret",
	    "{PLAIN} is not a hashed scheme; import a hash instead" },
	{ "plain lower case", "{plain}secret",
	    "{PLAIN} is not a hashed scheme; import a hash instead" },
	{ "cleartext", "{CLEARTEXT}secret",
	    "{CLEARTEXT} is not a hashed scheme; import a hash instead" },
	{ "plain-md5", "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69",
	    "{PLAIN-MD5} is not a salted hash; import a salted hash instead" },
	{ "sha", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
	    "{SHA} is not a salted hash; import a salted hash instead" },
	{ "cram-md5", "{CRAM-MD5}abc",
	    "{CRAM-MD5} is not a salted hash; import a salted hash instead" },
	{ "no closing brace", "{SSHA" SSHA_SECRET,
	    "malformed {SCHEME} prefix" },
	{ "empty scheme", "{}" SHA512_SECRET, "malformed {SCHEME} prefix" },
	{ "space in scheme", "{SSHA }" SSHA_SECRET,
	    "malformed {SCHEME} prefix" },
	{ "nested brace", "{{SSHA}}" SSHA_SECRET, "malformed {SCHEME} prefix" },
	{ "scheme only", "{SSHA}", "bad base64" },
	{ "crypt scheme only", "{SHA512-CRYPT}", "empty hash" },
	{ "ssha bad base64", "{SSHA}1G904nLkTkGWjKNnQuB/hpWXC/hzYWx0c2FsdA=!",
	    "bad base64" },
	{ "ssha not a multiple of 4",
	    "{SSHA}1G904nLkTkGWjKNnQuB/hpWXC/hzYWx0c2FsdA=", "bad base64" },
	{ "ssha blank", "{SSHA}1G904nLkTkGWjKNnQuB/hpWXC/hzYWx0c2Fs dA==",
	    "bad base64" },
	{ "ssha padding inside",
	    "{SSHA}1G90=nLkTkGWjKNnQuB/hpWXC/hzYWx0c2FsdA==",
	    "bad base64" },
	{ "ssha all padding", "{SSHA}====", "bad base64" },
	{ "ssha digest only", "{SSHA}1G904nLkTkGWjKNnQuB/hpWXC/g=",
	    "hash too short for its digest and a salt" },
	{ "ssha too short", "{SSHA}AAAA",
	    "hash too short for its digest and a salt" },
	{ "ssha512 with sha1 size", "{SSHA512}" SSHA_SECRET,
	    "hash too short for its digest and a salt" },
	{ "crypt failure token", "*0",
	    "not a crypt hash (locked or failure marker)" },
	{ "crypt failure token 1", "{CRYPT}*1",
	    "not a crypt hash (locked or failure marker)" },
	{ "locked", "!" SHA512_SECRET,
	    "not a crypt hash (locked or failure marker)" },
	{ "star", "*", "not a crypt hash (locked or failure marker)" },
	{ "scheme mismatch", "{SHA512-CRYPT}" MD5_SECRET,
	    "hash does not match its scheme" },
	{ "bcrypt as yescrypt", "{YESCRYPT}" BCRYPT_UU,
	    "hash does not match its scheme" },
	{ "des as bcrypt", "{BLF-CRYPT}" DES_SECRET,
	    "hash does not match its scheme" },
	{ "bcrypt 2x", "{BLF-CRYPT}$2x$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRG"
	    "yh0XouQYb4YMJKvyOeW", "hash does not match its scheme" },
	{ "truncated sha512", "{SHA512-CRYPT}$6$saltsalt$TVLlQcbpFVof5W3Yz4",
	    "malformed or truncated crypt hash" },
	{ "sha512 one char long", "{SHA512-CRYPT}" SHA512_SECRET "1",
	    "malformed or truncated crypt hash" },
	{ "truncated yescrypt", "$y$j9T$H3NVHxFPBblD9UNUEHwh/0$mVhvVGaVU",
	    "malformed or truncated crypt hash" },
	{ "setting only", "$6$saltsalt", "malformed or truncated crypt hash" },
	{ "truncated bcrypt", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRG",
	    "malformed bcrypt hash" },
	{ "bcrypt prefix only", "$2b$", "malformed bcrypt hash" },
	{ "bcrypt cost 3", "$2a$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0Xou"
	    "QYb4YMJKvyOeW", "malformed bcrypt hash" },
	{ "bcrypt cost 32", "$2a$32$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0Xou"
	    "QYb4YMJKvyOeW", "malformed bcrypt hash" },
	{ "bcrypt cost letters", "$2a$0x$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0X"
	    "ouQYb4YMJKvyOeW", "malformed bcrypt hash" },
	{ "space in crypt", "$6$salt salt$TVLlQcbpFVof5W3Yz4",
	    "bad character in crypt hash" },
	{ "colon in crypt", "$1$saltsalt:9xy1btjgzLYfb7hivXtC//",
	    "bad character in crypt hash" },
	{ "newline after crypt", MD5_SECRET "\n",
	    "bad character in crypt hash" },
	{ "8-bit in crypt", "$1$salt\xe9lt$9xy1btjgzLYfb7hivXtC//",
	    "bad character in crypt hash" },
	{ "unknown crypt method", "$9$abc$def", "not a crypt hash" },
	{ "bare dollar", "$", "not a crypt hash" },
	{ "plain text as crypt", "secret",
	    "malformed or truncated crypt hash" },
	{ "des one char short", "abNANd1rDfiN",
	    "malformed or truncated crypt hash" },
	{ "des one char long", DES_SECRET "x",
	    "malformed or truncated crypt hash" },
};

START_TEST(test_bad_stored)
{
	const char *err = NULL;
	int got;

	got = password_verify("secret", bad_cases[_i].stored, &err);
	ck_assert_msg(got == -1, "%s: verify got %d, want -1",
	    bad_cases[_i].name, got);
	ck_assert_msg(err != NULL && strcmp(err, bad_cases[_i].want_error) == 0,
	    "%s: verify error got \"%s\", want \"%s\"", bad_cases[_i].name,
	    err ? err : "(null)", bad_cases[_i].want_error);
	err = NULL;
	got = password_check_stored(bad_cases[_i].stored, &err);
	ck_assert_msg(got == -1, "%s: check_stored got %d, want -1",
	    bad_cases[_i].name, got);
	ck_assert_msg(err != NULL && strcmp(err, bad_cases[_i].want_error) == 0,
	    "%s: check_stored error got \"%s\", want \"%s\"",
	    bad_cases[_i].name, err ? err : "(null)", bad_cases[_i].want_error);
}
END_TEST

/* NULL stored is refused, not a crash. */
START_TEST(test_null_stored)
{
	const char *err = NULL;

	ck_assert_int_eq(password_verify("secret", NULL, &err), -1);
	ck_assert_str_eq(err, "empty stored hash");
	ck_assert_int_eq(password_check_stored(NULL, &err), -1);
	ck_assert_int_eq(password_verify(NULL, SHA512_SECRET, &err), 0);
}
END_TEST

/* Every proper prefix of a crypt hash is refused: truncation shows. */
static const char *const trunc_cases[] = {
	"{SHA512-CRYPT}" SHA512_SECRET, "{SHA512-CRYPT}" SHA512_ROUNDS,
	"{SHA256-CRYPT}" SHA256_SECRET, "{MD5-CRYPT}" MD5_SECRET,
	"{BLF-CRYPT}" BCRYPT_UU, "{YESCRYPT}" YESCRYPT_SECRET,
	SHA512_SECRET, BCRYPT_SECRET, YESCRYPT_SECRET, MD5_SECRET,
};

START_TEST(test_truncated)
{
	const char *full = trunc_cases[_i], *err;
	char buf[PASSWORD_HASH_MAX + 1];
	size_t n;

	ck_assert_int_eq(password_check_stored(full, &err), 0);
	for (n = 0; n < strlen(full); n++) {
		memcpy(buf, full, n);
		buf[n] = '\0';
		err = NULL;
		ck_assert_msg(password_check_stored(buf, &err) == -1,
		    "prefix \"%s\": got 0, want -1", buf);
		ck_assert_msg(password_verify("secret", buf, &err) == -1,
		    "prefix \"%s\": verify got not -1", buf);
	}
}
END_TEST

/* SSHA cut below digest + one salt byte is refused. */
START_TEST(test_ssha_truncated)
{
	const char *err;
	char buf[64];
	size_t n;

	/* 28 base64 characters are 21 bytes: digest and one salt byte */
	for (n = 0; n < 28; n++) {
		snprintf(buf, sizeof(buf), "{SSHA}%.*s", (int)n, SSHA_SECRET);
		ck_assert_msg(password_check_stored(buf, &err) == -1,
		    "\"%s\": got 0, want -1", buf);
	}
}
END_TEST

/* Stored forms at and past PASSWORD_HASH_MAX. */
START_TEST(test_stored_length)
{
	char *s = repeat('A', PASSWORD_HASH_MAX + 1);
	const char *err = NULL;
	int got;

	/* a well-formed SSHA of 510 bytes (its salt fills it) */
	memcpy(s, "{SSHA}", 6);
	s[510] = '\0';
	got = password_check_stored(s, &err);
	ck_assert_msg(got == 0, "%zu bytes: got %d (%s), want 0", strlen(s),
	    got, got < 0 ? err : "");
	ck_assert_int_eq(password_verify("secret", s, &err), 0);
	/* exactly PASSWORD_HASH_MAX is looked at (and is not base64) */
	s[510] = 'A';
	s[PASSWORD_HASH_MAX] = '\0';
	ck_assert_int_eq(password_check_stored(s, &err), -1);
	ck_assert_str_eq(err, "bad base64");
	/* one more byte is refused before anything else is looked at */
	s[PASSWORD_HASH_MAX] = 'A';
	ck_assert_int_eq(password_check_stored(s, &err), -1);
	ck_assert_str_eq(err, "stored hash too long");
	ck_assert_int_eq(password_verify("secret", s, &err), -1);
	ck_assert_str_eq(err, "stored hash too long");
	free(s);
}
END_TEST

/* Hashing refused: bad schemes, bad passwords. */
static const struct {
	const char *name, *plain, *scheme, *want_error;
} hash_bad_cases[] = {
	{ "unknown scheme", "secret", "FOO", "unknown scheme" },
	{ "empty scheme", "secret", "", "unknown scheme" },
	{ "braced scheme", "secret", "{SSHA}", "unknown scheme" },
	{ "plain", "secret", "PLAIN",
	    "{PLAIN} is not a hashed scheme; import a hash instead" },
	{ "plain lower", "secret", "plain",
	    "{PLAIN} is not a hashed scheme; import a hash instead" },
	{ "cleartext", "secret", "CLEARTEXT",
	    "{CLEARTEXT} is not a hashed scheme; import a hash instead" },
	{ "sha256", "secret", "SHA256",
	    "{SHA256} is not a salted hash; import a salted hash instead" },
	{ "md5 alias", "secret", "MD5",
	    "scheme is accepted for verifying only" },
	{ "empty password", "", NULL, "empty password" },
	{ "empty password ssha", "", "SSHA", "empty password" },
	{ "NUL first", "\0secret", NULL, "empty password" },
};

START_TEST(test_hash_bad)
{
	struct sbuf *out = sbuf_new(0);
	const char *err = NULL;
	int got;

	got = password_hash(hash_bad_cases[_i].plain, hash_bad_cases[_i].scheme,
	    out, &err);
	ck_assert_msg(got == -1, "%s: got %d, want -1",
	    hash_bad_cases[_i].name, got);
	ck_assert_msg(err != NULL && strcmp(err,
	    hash_bad_cases[_i].want_error) == 0, "%s: got \"%s\", want \"%s\"",
	    hash_bad_cases[_i].name, err ? err : "(null)",
	    hash_bad_cases[_i].want_error);
	ck_assert_msg(sbuf_len(out) == 0, "%s: output written",
	    hash_bad_cases[_i].name);
	sbuf_free(&out);
}
END_TEST

/* Password lengths: PASSWORD_MAX, one more, and libcrypt's own limit. */
START_TEST(test_password_length)
{
	struct sbuf *out = sbuf_new(0);
	char *max = repeat('p', PASSWORD_MAX);
	char *over = repeat('p', PASSWORD_MAX + 1);
	char *crypt_max = repeat('p', 511), *crypt_over = repeat('p', 512);
	const char *err = NULL;

	ck_assert_int_eq(password_hash(over, "SSHA256", out, &err), -1);
	ck_assert_str_eq(err, "password too long");
	ck_assert_int_eq(password_hash(over, NULL, out, &err), -1);
	ck_assert_str_eq(err, "password too long");
	ck_assert_uint_eq(sbuf_len(out), 0);

	ck_assert_int_eq(password_hash(max, "SSHA256", out, &err), 0);
	ck_assert_int_eq(password_verify(max, sbuf_str(out), &err), 1);
	ck_assert_int_eq(password_verify(over, sbuf_str(out), &err), 0);
	max[PASSWORD_MAX - 1] = 'q';
	ck_assert_int_eq(password_verify(max, sbuf_str(out), &err), 0);

	sbuf_reset(out);
	ck_assert_int_eq(password_hash(crypt_over, "SHA512-CRYPT", out, &err),
	    -1);
	ck_assert_str_eq(err, "password too long for a crypt scheme");
	ck_assert_int_eq(password_hash(crypt_max, "SHA512-CRYPT", out, &err),
	    0);
	ck_assert_int_eq(password_verify(crypt_max, sbuf_str(out), &err), 1);
	ck_assert_int_eq(password_verify(crypt_over, sbuf_str(out), &err), 0);
	ck_assert_int_eq(password_verify(over, sbuf_str(out), &err), 0);

	free(max);
	free(over);
	free(crypt_max);
	free(crypt_over);
	sbuf_free(&out);
}
END_TEST

/* A full output buffer fails cleanly and keeps what it held. */
START_TEST(test_output_full)
{
	static const char *const schemes[] = { "MD5-CRYPT", "SSHA" };
	struct sbuf *out = sbuf_new(20);
	const char *err = NULL;
	size_t i;

	for (i = 0; i < NELEM(schemes); i++) {
		ck_assert_int_eq(sbuf_set(out, "kept"), 0);
		ck_assert_int_eq(password_hash("secret", schemes[i], out, &err),
		    -1);
		ck_assert_str_eq(err, "output buffer full");
		ck_assert_str_eq(sbuf_str(out), "kept");
	}
	sbuf_free(&out);
}
END_TEST

/* The new hash is appended after what the sbuf already held. */
START_TEST(test_appends)
{
	struct sbuf *out = sbuf_new(0);
	const char *err;

	ck_assert_int_eq(sbuf_set(out, "user:"), 0);
	ck_assert_int_eq(password_hash("secret", "SSHA", out, &err), 0);
	ck_assert_int_eq(strncmp(sbuf_str(out), "user:{SSHA}", 11), 0);
	ck_assert_int_eq(password_verify("secret", sbuf_str(out) + 5, &err), 1);
	sbuf_free(&out);
}
END_TEST

static const struct {
	const char *scheme;
	int	want;
} known_scheme_cases[] = {
	{ "YESCRYPT", 1 }, { "yescrypt", 1 }, { "SHA512-CRYPT", 1 },
	{ "SHA256-CRYPT", 1 }, { "BLF-CRYPT", 1 }, { "MD5-CRYPT", 1 },
	{ "CRYPT", 1 }, { "SSHA", 1 }, { "SSHA256", 1 }, { "SSHA512", 1 },
	{ "ssha512", 1 }, { "MD5", 0 }, { "PLAIN", 0 }, { "CLEARTEXT", 0 },
	{ "SHA", 0 }, { "", 0 }, { "{SSHA}", 0 }, { "SSHA ", 0 },
	{ "YESCRYPTX", 0 }, { "YESCRYP", 0 }, { NULL, 0 },
};

START_TEST(test_scheme_known)
{
	int got = password_scheme_known(known_scheme_cases[_i].scheme) != 0;

	ck_assert_msg(got == known_scheme_cases[_i].want, "\"%s\": got %d, "
	    "want %d", known_scheme_cases[_i].scheme ?
	    known_scheme_cases[_i].scheme : "(null)", got,
	    known_scheme_cases[_i].want);
}
END_TEST

static Suite *
password_suite(void)
{
	Suite *s = suite_create("password");
	TCase *tc;

	tc = tcase_create("round_trip");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_round_trip, 0, NELEM(round_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("salt_differs");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_salt_differs, 0, NELEM(salt_schemes));
	suite_add_tcase(s, tc);

	tc = tcase_create("known_vectors");
	tcase_add_loop_test(tc, test_known, 0, NELEM(known_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("bad_stored");
	tcase_add_loop_test(tc, test_bad_stored, 0, NELEM(bad_cases));
	tcase_add_test(tc, test_null_stored);
	suite_add_tcase(s, tc);

	tc = tcase_create("truncated");
	tcase_add_loop_test(tc, test_truncated, 0, NELEM(trunc_cases));
	tcase_add_test(tc, test_ssha_truncated);
	suite_add_tcase(s, tc);

	tc = tcase_create("lengths");
	tcase_add_test(tc, test_stored_length);
	tcase_add_test(tc, test_password_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("hash_refused");
	tcase_add_loop_test(tc, test_hash_bad, 0, NELEM(hash_bad_cases));
	tcase_add_test(tc, test_output_full);
	tcase_add_test(tc, test_appends);
	suite_add_tcase(s, tc);

	tc = tcase_create("scheme_known");
	tcase_add_loop_test(tc, test_scheme_known, 0,
	    NELEM(known_scheme_cases));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(password_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
