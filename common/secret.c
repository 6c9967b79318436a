/*
 * secret - AES-256-GCM encryption of short secrets under a key file (see
 * secret.h for the stored form and the contracts).
 *
 * OpenSSL's EVP interface does the cipher and the random bytes; base64 is
 * done here, strictly (no whitespace, padding only at the end), so one
 * stored value has exactly one meaning. Nothing is logged: callers say
 * what failed and where.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "errbuf.h"
#include "secret.h"

#define NONCE_LEN	12
#define TAG_LEN		16
#define RAW_MAX		(NONCE_LEN + SECRET_MAX + TAG_LEN)

static char secret_err[512];

#define SECRET_ERROR(...) \
	errbuf_format(secret_err, sizeof(secret_err), "secret: error", \
	    __VA_ARGS__)

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_encode - n bytes of p as base64 onto out */
static int
b64_encode(struct sbuf *out, const unsigned char *p, size_t n)
{
	char q[4];
	size_t i;
	unsigned v;

	for (i = 0; i < n; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		q[0] = b64[(v >> 18) & 63];
		q[1] = b64[(v >> 12) & 63];
		q[2] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		if (sbuf_append(out, q, 4) < 0)
			return (-1);
	}
	return (0);
}

/* b64_value - a base64 digit's value, or -1 */
static int
b64_value(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return (-1);
	return ((int)(p - b64));
}

/* b64_decode - strict base64 s into buf (size); the length, or -1 */
static long
b64_decode(const char *s, unsigned char *buf, size_t size)
{
	size_t len = strlen(s), i, n = 0, pad = 0;
	int d[4], k;
	unsigned v;

	if (len == 0 || len % 4 != 0)
		return (-1);
	if (s[len - 1] == '=')
		pad++;
	if (s[len - 2] == '=')
		pad++;
	if (len / 4 * 3 - pad > size)
		return (-1);
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len
			    && k >= 4 - (int)pad)
				d[k] = 0;
			else if ((d[k] = b64_value(s[i + k])) < 0)
				return (-1);
		}
		v = (unsigned)d[0] << 18 | (unsigned)d[1] << 12
		    | (unsigned)d[2] << 6 | (unsigned)d[3];
		buf[n++] = (unsigned char)(v >> 16);
		if (i + 4 < len || pad < 2)
			buf[n++] = (unsigned char)(v >> 8);
		if (i + 4 < len || pad < 1)
			buf[n++] = (unsigned char)v;
	}
	return ((long)n);
}

/* secret_key_load - the key file's bytes */
int
secret_key_load(const char *path, struct secret_key *key,
    const char **error_r)
{
	unsigned char extra;
	size_t got = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		*error_r = SECRET_ERROR("cannot open the secret key %s: %s",
		    path, strerror(errno));
		return (-1);
	}
	while (got < SECRET_KEY_LEN) {
		n = read(fd, key->bytes + got, SECRET_KEY_LEN - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got == SECRET_KEY_LEN) {
		do {
			n = read(fd, &extra, 1);
		} while (n < 0 && errno == EINTR);
	} else {
		n = got == 0 && n < 0 ? -1 : 0;
	}
	(void)close(fd);
	if (got < SECRET_KEY_LEN || n != 0) {
		secret_key_wipe(key);
		*error_r = SECRET_ERROR("secret key %s: %s", path,
		    n < 0 ? strerror(errno) : got < SECRET_KEY_LEN ?
		    "file too short" : "file too long");
		return (-1);
	}
	return (0);
}

/* secret_key_create - a new random key file, unless there is one */
int
secret_key_create(const char *path, uid_t uid, gid_t gid, mode_t mode,
    const char **error_r)
{
	unsigned char key[SECRET_KEY_LEN];
	char tmp[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd, ret = -1;

	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			*error_r = SECRET_ERROR("secret key %s: not a regular "
			    "file", path);
			return (-1);
		}
		if (chown(path, uid, gid) < 0 || chmod(path, mode) < 0) {
			*error_r = SECRET_ERROR("secret key %s: %s", path,
			    strerror(errno));
			return (-1);
		}
		return (0);
	}
	if (errno != ENOENT) {
		*error_r = SECRET_ERROR("secret key %s: %s", path,
		    strerror(errno));
		return (-1);
	}
	n = snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		*error_r = SECRET_ERROR("secret key %s: path too long", path);
		return (-1);
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		*error_r = "secret: no random bytes for a key";
		return (-1);
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
	    | O_NOFOLLOW, 0600)) < 0) {
		*error_r = SECRET_ERROR("cannot create %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	n = write(fd, key, sizeof(key));
	if (n != (ssize_t)sizeof(key) || fchown(fd, uid, gid) < 0
	    || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
		*error_r = SECRET_ERROR("cannot write %s: %s", tmp,
		    n >= 0 && n != (ssize_t)sizeof(key) ? "short write" :
		    strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		goto out;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		*error_r = SECRET_ERROR("cannot install %s: %s", path,
		    strerror(errno));
		(void)unlink(tmp);
		goto out;
	}
	ret = 1;
out:
	explicit_bzero(key, sizeof(key));
	return (ret);
}

/* secret_key_wipe - clear the key */
void
secret_key_wipe(struct secret_key *key)
{
	explicit_bzero(key->bytes, sizeof(key->bytes));
}

/* secret_encrypt - plain into "{AES256-GCM}base64" */
int
secret_encrypt(const struct secret_key *key, const char *plain,
    struct sbuf *out, const char **error_r)
{
	unsigned char raw[RAW_MAX];
	size_t len = strlen(plain);
	EVP_CIPHER_CTX *ctx;
	int n, fin, ok;

	if (len == 0 || len > SECRET_MAX) {
		*error_r = len == 0 ? "secret: empty secret" :
		    "secret: secret too long";
		return (-1);
	}
	if (RAND_bytes(raw, NONCE_LEN) != 1) {
		*error_r = "secret: no random bytes for a nonce";
		return (-1);
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		*error_r = "secret: out of memory";
		return (-1);
	}
	ok = EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1
	    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
	    NULL) == 1
	    && EVP_EncryptInit_ex(ctx, NULL, NULL, key->bytes, raw) == 1
	    && EVP_EncryptUpdate(ctx, raw + NONCE_LEN, &n,
	    (const unsigned char *)plain, (int)len) == 1
	    && (size_t)n == len
	    && EVP_EncryptFinal_ex(ctx, raw + NONCE_LEN + n, &fin) == 1
	    && fin == 0
	    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, TAG_LEN,
	    raw + NONCE_LEN + len) == 1;
	EVP_CIPHER_CTX_free(ctx);
	sbuf_reset(out);
	if (!ok) {
		*error_r = "secret: encryption failed";
	} else if (sbuf_appends(out, SECRET_PREFIX) < 0
	    || b64_encode(out, raw, NONCE_LEN + len + TAG_LEN) < 0) {
		*error_r = "secret: encrypted form too long";
		ok = 0;
	}
	explicit_bzero(raw, sizeof(raw));
	return (ok ? 0 : -1);
}

/* secret_decrypt - "{AES256-GCM}base64" back into buf */
int
secret_decrypt(const struct secret_key *key, const char *enc, char *buf,
    size_t size, const char **error_r)
{
	unsigned char raw[RAW_MAX + 3];
	EVP_CIPHER_CTX *ctx;
	size_t len;
	long total;
	int n, fin, ok;

	if (!secret_is_encrypted(enc)) {
		*error_r = "secret: not an encrypted secret";
		return (-1);
	}
	total = b64_decode(enc + sizeof(SECRET_PREFIX) - 1, raw, sizeof(raw));
	if (total < 0 || total > RAW_MAX) {
		*error_r = "secret: malformed encrypted secret";
		return (-1);
	}
	if (total <= NONCE_LEN + TAG_LEN) {
		*error_r = "secret: truncated encrypted secret";
		return (-1);
	}
	len = (size_t)total - NONCE_LEN - TAG_LEN;
	if (len + 1 > size) {
		*error_r = "secret: buffer too small";
		return (-1);
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL) {
		*error_r = "secret: out of memory";
		return (-1);
	}
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1
	    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN,
	    NULL) == 1
	    && EVP_DecryptInit_ex(ctx, NULL, NULL, key->bytes, raw) == 1
	    && EVP_DecryptUpdate(ctx, (unsigned char *)buf, &n,
	    raw + NONCE_LEN, (int)len) == 1
	    && (size_t)n == len
	    && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, TAG_LEN,
	    raw + NONCE_LEN + len) == 1
	    && EVP_DecryptFinal_ex(ctx, (unsigned char *)buf + n, &fin) == 1;
	EVP_CIPHER_CTX_free(ctx);
	explicit_bzero(raw, sizeof(raw));
	if (!ok || memchr(buf, '\0', len) != NULL) {
		explicit_bzero(buf, size);
		*error_r = "secret: cannot decrypt (wrong key or changed "
		    "record)";
		return (-1);
	}
	buf[len] = '\0';
	return (0);
}

/* secret_is_encrypted - the prefix test */
int
secret_is_encrypted(const char *s)
{
	return (strncmp(s, SECRET_PREFIX, sizeof(SECRET_PREFIX) - 1) == 0);
}
