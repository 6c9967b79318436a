/*
 * check_secret - unit tests for common/secret.c: a round trip, a fresh
 * nonce per encryption, tampering anywhere, another key, truncated and
 * malformed values, and key files that are missing, short, long or made
 * by secret_key_create().
 */
#include "config.h"

#include <sys/stat.h>
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sbuf.h"
#include "secret.h"

static char t_dir[] = "/tmp/check_secret.XXXXXX";
static char t_path[256];
static struct secret_key t_key;

/* t_write - a key file of n bytes */
static void
t_write(const char *name, size_t n)
{
	unsigned char b[64];
	char p[256];
	int fd;

	memset(b, 0x5a, sizeof(b));
	snprintf(p, sizeof(p), "%s/%s", t_dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	close(fd);
}

/* t_setup - a directory and a created key */
static void
t_setup(void)
{
	const char *err;

	ck_assert_ptr_nonnull(mkdtemp(t_dir));
	snprintf(t_path, sizeof(t_path), "%s/secret.key", t_dir);
	ck_assert_int_eq(secret_key_create(t_path, (uid_t)-1, (gid_t)-1, 0600,
	    &err), 1);
	ck_assert_int_eq(secret_key_load(t_path, &t_key, &err), 0);
}

/* t_teardown - remove the directory */
static void
t_teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", t_dir);
	ck_assert_int_eq(system(cmd), 0);
	memcpy(t_dir + strlen(t_dir) - 6, "XXXXXX", 6);
}

START_TEST(test_round_trip)
{
	struct sbuf *a = sbuf_new(0), *b = sbuf_new(0);
	char buf[SECRET_MAX + 1], big[SECRET_MAX + 2];
	const char *err;

	ck_assert_int_eq(secret_encrypt(&t_key, "tanstaaf", a, &err), 0);
	ck_assert(secret_is_encrypted(sbuf_str(a)));
	ck_assert_ptr_null(strstr(sbuf_str(a), "tanstaaf"));
	ck_assert_uint_le(sbuf_len(a), SECRET_ENC_MAX);
	ck_assert_int_eq(secret_decrypt(&t_key, sbuf_str(a), buf, sizeof(buf),
	    &err), 0);
	ck_assert_str_eq(buf, "tanstaaf");

	/* a fresh nonce: the same secret twice gives two forms */
	ck_assert_int_eq(secret_encrypt(&t_key, "tanstaaf", b, &err), 0);
	ck_assert_str_ne(sbuf_str(a), sbuf_str(b));

	/* the longest secret, and one byte more */
	memset(big, 'x', SECRET_MAX);
	big[SECRET_MAX] = '\0';
	ck_assert_int_eq(secret_encrypt(&t_key, big, a, &err), 0);
	ck_assert_uint_le(sbuf_len(a), SECRET_ENC_MAX);
	ck_assert_int_eq(secret_decrypt(&t_key, sbuf_str(a), buf, sizeof(buf),
	    &err), 0);
	ck_assert_str_eq(buf, big);
	big[SECRET_MAX] = 'x';
	big[SECRET_MAX + 1] = '\0';
	ck_assert_int_eq(secret_encrypt(&t_key, big, a, &err), -1);
	ck_assert_int_eq(secret_encrypt(&t_key, "", a, &err), -1);

	/* a one-byte secret (base64 padding) */
	ck_assert_int_eq(secret_encrypt(&t_key, "k", a, &err), 0);
	ck_assert_int_eq(secret_decrypt(&t_key, sbuf_str(a), buf, sizeof(buf),
	    &err), 0);
	ck_assert_str_eq(buf, "k");

	/* too small a buffer */
	ck_assert_int_eq(secret_encrypt(&t_key, "tanstaaf", a, &err), 0);
	ck_assert_int_eq(secret_decrypt(&t_key, sbuf_str(a), buf, 4, &err),
	    -1);
	sbuf_free(&a);
	sbuf_free(&b);
}
END_TEST

START_TEST(test_tamper)
{
	struct sbuf *a = sbuf_new(0);
	char enc[SECRET_ENC_MAX + 1], buf[SECRET_MAX + 1];
	const char *err;
	size_t i, plen = strlen(SECRET_PREFIX), len;

	ck_assert_int_eq(secret_encrypt(&t_key, "a secret value", a, &err),
	    0);
	len = sbuf_len(a);
	/* every base64 digit changed in turn (padding left alone) */
	for (i = plen; i < len; i++) {
		memcpy(enc, sbuf_str(a), len + 1);
		if (enc[i] == '=')
			continue;
		enc[i] = enc[i] == 'A' ? 'B' : 'A';
		/* the last digit's low bits may be padding bits */
		if (i + 1 < len && enc[i + 1] != '=')
			ck_assert_msg(secret_decrypt(&t_key, enc, buf,
			    sizeof(buf), &err) == -1, "offset %zu", i);
	}
	/* a digit that is no digit */
	memcpy(enc, sbuf_str(a), len + 1);
	enc[plen + 3] = '*';
	ck_assert_int_eq(secret_decrypt(&t_key, enc, buf, sizeof(buf), &err),
	    -1);
	sbuf_free(&a);
}
END_TEST

START_TEST(test_wrong_key)
{
	struct secret_key other;
	struct sbuf *a = sbuf_new(0);
	char buf[SECRET_MAX + 1];
	const char *err;

	memcpy(&other, &t_key, sizeof(other));
	other.bytes[7] ^= 1;
	ck_assert_int_eq(secret_encrypt(&t_key, "tanstaaf", a, &err), 0);
	ck_assert_int_eq(secret_decrypt(&other, sbuf_str(a), buf, sizeof(buf),
	    &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "cannot decrypt"));
	secret_key_wipe(&other);
	sbuf_free(&a);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *bad[] = {
		"",
		"tanstaaf",
		"{SHA256-CRYPT}abc",
		SECRET_PREFIX,
		SECRET_PREFIX "AAAA",
		SECRET_PREFIX "AAA",
		SECRET_PREFIX "AAAAA===",
		SECRET_PREFIX "AA=A",
		SECRET_PREFIX " AAA",
		/* nonce and tag but nothing between: 28 bytes */
		SECRET_PREFIX "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
	};
	struct sbuf *a = sbuf_new(0);
	char buf[SECRET_MAX + 1], enc[SECRET_ENC_MAX + 1];
	const char *err;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(secret_decrypt(&t_key, bad[i], buf, sizeof(buf),
		    &err) == -1, "%s", bad[i]);
	ck_assert(!secret_is_encrypted("{AES256-GCM"));

	/* every truncation of a good value */
	ck_assert_int_eq(secret_encrypt(&t_key, "tanstaaf", a, &err), 0);
	len = sbuf_len(a);
	for (i = 0; i < len; i++) {
		memcpy(enc, sbuf_str(a), i);
		enc[i] = '\0';
		ck_assert_msg(secret_decrypt(&t_key, enc, buf, sizeof(buf),
		    &err) == -1, "length %zu", i);
	}
	/* too long to be ours */
	memset(enc, 'A', sizeof(enc) - 1);
	memcpy(enc, SECRET_PREFIX, strlen(SECRET_PREFIX));
	enc[sizeof(enc) - 1] = '\0';
	ck_assert_int_eq(secret_decrypt(&t_key, enc, buf, sizeof(buf), &err),
	    -1);
	sbuf_free(&a);
}
END_TEST

START_TEST(test_key_files)
{
	struct secret_key k;
	struct stat st;
	char p[256];
	const char *err;

	snprintf(p, sizeof(p), "%s/none", t_dir);
	ck_assert_int_eq(secret_key_load(p, &k, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	t_write("short", SECRET_KEY_LEN - 1);
	snprintf(p, sizeof(p), "%s/short", t_dir);
	ck_assert_int_eq(secret_key_load(p, &k, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too short"));
	t_write("empty", 0);
	snprintf(p, sizeof(p), "%s/empty", t_dir);
	ck_assert_int_eq(secret_key_load(p, &k, &err), -1);
	t_write("long", SECRET_KEY_LEN + 1);
	snprintf(p, sizeof(p), "%s/long", t_dir);
	ck_assert_int_eq(secret_key_load(p, &k, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "too long"));
	t_write("good", SECRET_KEY_LEN);
	snprintf(p, sizeof(p), "%s/good", t_dir);
	ck_assert_int_eq(secret_key_load(p, &k, &err), 0);
	ck_assert_int_eq(k.bytes[0], 0x5a);

	/* create leaves an existing key alone, and sets its mode */
	ck_assert_int_eq(secret_key_create(t_path, (uid_t)-1, (gid_t)-1, 0640,
	    &err), 0);
	ck_assert_int_eq(secret_key_load(t_path, &k, &err), 0);
	ck_assert_mem_eq(k.bytes, t_key.bytes, SECRET_KEY_LEN);
	ck_assert_int_eq(stat(t_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0640);
	ck_assert_int_eq(st.st_size, SECRET_KEY_LEN);

	/* a new key is another key, made 0600 as asked */
	snprintf(p, sizeof(p), "%s/new.key", t_dir);
	ck_assert_int_eq(secret_key_create(p, (uid_t)-1, (gid_t)-1, 0600,
	    &err), 1);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(secret_key_load(p, &k, &err), 0);
	ck_assert(memcmp(k.bytes, t_key.bytes, SECRET_KEY_LEN) != 0);

	/* not a regular file */
	ck_assert_int_eq(secret_key_create(t_dir, (uid_t)-1, (gid_t)-1, 0600,
	    &err), -1);
	/* a directory that is not there */
	snprintf(p, sizeof(p), "%s/no/such.key", t_dir);
	ck_assert_int_eq(secret_key_create(p, (uid_t)-1, (gid_t)-1, 0600,
	    &err), -1);
	secret_key_wipe(&k);
}
END_TEST

/* secret_suite - the cases */
static Suite *
secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("secret");

	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_tamper);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_key_files);
	suite_add_tcase(s, tc);
	return (s);
}

/* main - run the suite */
int
main(void)
{
	SRunner *sr = srunner_create(secret_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
