/*
 * password - salted password hashes with libcrypt, Dovecot-style schemes.
 *
 * A stored form is "{SCHEME}hash", or a bare crypt(3) string. The crypt
 * schemes hand the whole hash to crypt_rn() as the setting and compare its
 * output with the stored string; the SSHA schemes recompute
 * digest(password || salt) with OpenSSL and compare the digests. Both
 * comparisons use CRYPTO_memcmp(), so the time taken does not depend on
 * how much of a guess was right.
 *
 * Stored forms are checked before any hashing: a scheme we do not know, a
 * plain text scheme, a crypt failure token ("*0", "*1") or a locked
 * marker ("!", "*") is an error, never a match. Every buffer that held the
 * password or a value derived from it is wiped before it is freed.
 *
 * New hashes get a fresh salt from the kernel's random source:
 * crypt_gensalt_rn() with no random bytes of our own reads it itself, and
 * the SSHA salts come from RAND_bytes(). Nothing here logs; callers log the
 * error text with their own context.
 */
#include "config.h"

#include <sys/types.h>

#include <crypt.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "mem.h"
#include "password.h"
#include "sbuf.h"

#define SSHA_SALT_LEN	8		/* bytes of salt in new SSHA hashes */
#define SCHEME_NAME_MAX	32		/* longest "{NAME}" we look inside */

/* Decoded SSHA values are at most 3/4 of PASSWORD_HASH_MAX. */
#define SSHA_RAW_MAX	(PASSWORD_HASH_MAX / 4 * 3)

enum scheme_kind {
	KIND_CRYPT,			/* crypt(3) string */
	KIND_SSHA,			/* base64(digest || salt) */
};

struct scheme {
	const char *name;		/* canonical, upper case */
	enum scheme_kind kind;
	int	can_hash;		/* 0: accepted for verifying only */
	const char *gensalt;		/* crypt prefix for new hashes */
	unsigned long count;		/* cost for new hashes, 0 = default */
	const char *accept[3];		/* crypt prefixes; none = any */
	const EVP_MD *(*md)(void);	/* SSHA digest */
};

/*
 * The schemes we verify. The costs for new non-default hashes are chosen
 * so each takes about as long as a default yescrypt hash (tens of
 * milliseconds); libcrypt's own defaults for bcrypt (cost 5) and SHA-crypt
 * (5000 rounds) take about a millisecond, which is too cheap against an
 * offline guesser. {MD5} is Dovecot's old alias for {MD5-CRYPT}; it still
 * appears in password files, so it verifies, but nothing new is written
 * under it. {CRYPT} takes any crypt(3) string and hashes as yescrypt.
 */
static const struct scheme password_schemes[] = {
	{ "YESCRYPT", KIND_CRYPT, 1, "$y$", 0, { "$y$" }, NULL },
	{ "SHA512-CRYPT", KIND_CRYPT, 1, "$6$", 100000, { "$6$" }, NULL },
	{ "SHA256-CRYPT", KIND_CRYPT, 1, "$5$", 100000, { "$5$" }, NULL },
	{ "BLF-CRYPT", KIND_CRYPT, 1, "$2b$", 10,
	    { "$2b$", "$2y$", "$2a$" }, NULL },
	{ "MD5-CRYPT", KIND_CRYPT, 1, "$1$", 0, { "$1$" }, NULL },
	{ "MD5", KIND_CRYPT, 0, NULL, 0, { "$1$" }, NULL },
	{ "CRYPT", KIND_CRYPT, 1, "$y$", 0, { NULL }, NULL },
	{ "SSHA", KIND_SSHA, 1, NULL, 0, { NULL }, EVP_sha1 },
	{ "SSHA256", KIND_SSHA, 1, NULL, 0, { NULL }, EVP_sha256 },
	{ "SSHA512", KIND_SSHA, 1, NULL, 0, { NULL }, EVP_sha512 },
};

/*
 * Dovecot schemes we refuse, each with its reason. Plain text gives the
 * password back; the others are unsalted digests or plain text equivalents
 * (a CRAM-MD5 or NTLM value logs in as well as the password does).
 */
#define PLAIN_TEXT(n)	{ n, "{" n "} is not a hashed scheme; " \
			    "import a hash instead" }
#define UNSALTED(n)	{ n, "{" n "} is not a salted hash; " \
			    "import a salted hash instead" }

static const struct {
	const char *name;
	const char *why;
} password_refused[] = {
	PLAIN_TEXT("PLAIN"), PLAIN_TEXT("CLEARTEXT"), PLAIN_TEXT("PLAIN-TRUNC"),
	UNSALTED("PLAIN-MD4"), UNSALTED("PLAIN-MD5"), UNSALTED("LDAP-MD5"),
	UNSALTED("SHA"), UNSALTED("SHA256"), UNSALTED("SHA512"),
	UNSALTED("CRAM-MD5"), UNSALTED("HMAC-MD5"), UNSALTED("DIGEST-MD5"),
	UNSALTED("NTLM"), UNSALTED("LANMAN"), UNSALTED("RPA"),
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/*
 * Expected length of the part after the last '$' for the crypt methods
 * whose shape we know, so a truncated hash is refused at import instead
 * of locking its user out later. bcrypt has no '$' before its hash and is
 * checked apart.
 */
static const struct {
	const char *prefix;
	size_t	hash_len;
} password_crypt_shapes[] = {
	{ "$y$", 43 }, { "$6$", 86 }, { "$5$", 43 }, { "$1$", 22 },
};

static const char password_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* is_ascii64 - is c in crypt's base-64 alphabet? */
static int
is_ascii64(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
	    || (c >= '0' && c <= '9') || c == '.' || c == '/');
}

/* isdigit_ascii - is c an ASCII digit, whatever the locale? */
static int
isdigit_ascii(int c)
{
	return (c >= '0' && c <= '9');
}

/* ascii_upper - upper-case one ASCII letter, whatever the locale */
static int
ascii_upper(int c)
{
	return (c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
}

/* scheme_name_eq - do the n bytes at s name name, ignoring ASCII case? */
static int
scheme_name_eq(const char *s, size_t n, const char *name)
{
	size_t i;

	if (strlen(name) != n)
		return (0);
	for (i = 0; i < n; i++)
		if (ascii_upper((unsigned char)s[i]) != name[i])
			return (0);
	return (1);
}

/* scheme_find - the scheme named by the n bytes at s; NULL + why if none */
static const struct scheme *
scheme_find(const char *s, size_t n, const char **error_r)
{
	size_t i;

	for (i = 0; i < NELEM(password_schemes); i++)
		if (scheme_name_eq(s, n, password_schemes[i].name))
			return (&password_schemes[i]);
	*error_r = "unknown scheme";
	for (i = 0; i < NELEM(password_refused); i++)
		if (scheme_name_eq(s, n, password_refused[i].name))
			*error_r = password_refused[i].why;
	return (NULL);
}

/* b64_value - the 6-bit value of base64 character c, or -1 */
static int
b64_value(int c)
{
	const char *p;

	if (c == '\0' || (p = strchr(password_b64, c)) == NULL)
		return (-1);
	return ((int)(p - password_b64));
}

/*
 * b64_decode - strict standard base64 (padded, no blanks) of s into out
 * (room for SSHA_RAW_MAX bytes); the decoded length, or -1.
 */
static ssize_t
b64_decode(const char *s, unsigned char *out)
{
	size_t len = strlen(s), i, n = 0, pad = 0;
	int v[4], k;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > SSHA_RAW_MAX)
		return (-1);
	if (s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++) {
			if (i + k >= len - pad) {
				v[k] = 0;	/* the final '=' padding */
				continue;
			}
			if ((v[k] = b64_value((unsigned char)s[i + k])) < 0)
				return (-1);
		}
		/* bounds: n + 3 <= len / 4 * 3 <= SSHA_RAW_MAX */
		out[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		out[n++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		out[n++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	return ((ssize_t)(n - pad));
}

/* check_crypt - is hash a well-formed crypt string for scheme? */
static int
check_crypt(const struct scheme *sch, const char *hash, const char **error_r)
{
	const char *last;
	size_t i, len = strlen(hash);
	int ok, cost;

	if (len == 0) {
		*error_r = "empty hash";
		return (-1);
	}
	/* "*0", "*1" are crypt's failure tokens; "!" and "*" lock accounts */
	if (hash[0] == '*' || hash[0] == '!') {
		*error_r = "not a crypt hash (locked or failure marker)";
		return (-1);
	}
	for (i = 0; i < len; i++)
		if (!is_ascii64((unsigned char)hash[i])
		    && strchr("$=,_", hash[i]) == NULL) {
			*error_r = "bad character in crypt hash";
			return (-1);
		}
	if (sch->accept[0] != NULL) {
		for (ok = 0, i = 0; i < NELEM(sch->accept); i++)
			if (sch->accept[i] != NULL && strncmp(hash,
			    sch->accept[i], strlen(sch->accept[i])) == 0)
				ok = 1;
		if (!ok) {
			*error_r = "hash does not match its scheme";
			return (-1);
		}
	}
	if (hash[0] == '$' && hash[1] == '2' && hash[2] != '\0'
	    && hash[3] == '$') {
		/* $2b$NN$ (cost 04..31), 22 salt and 31 hash characters */
		if (len != 7 + 53 || !isdigit_ascii(hash[4])
		    || !isdigit_ascii(hash[5]) || hash[6] != '$'
		    || strchr(hash + 7, '$') != NULL
		    || (cost = (hash[4] - '0') * 10 + (hash[5] - '0')) < 4
		    || cost > 31) {
			*error_r = "malformed bcrypt hash";
			return (-1);
		}
	}
	/* traditional DES: 13 characters; BSDi extended DES: '_' and 19 */
	if (hash[0] != '$' && len != (hash[0] == '_' ? 20 : 13)) {
		*error_r = "malformed or truncated crypt hash";
		return (-1);
	}
	for (i = 0; i < NELEM(password_crypt_shapes); i++) {
		if (strncmp(hash, password_crypt_shapes[i].prefix, 3) != 0)
			continue;
		last = strrchr(hash, '$');
		if (last == hash + 2 || strlen(last + 1)
		    != password_crypt_shapes[i].hash_len) {
			*error_r = "malformed or truncated crypt hash";
			return (-1);
		}
	}
#ifdef CRYPT_CHECKSALT_AVAILABLE
	/* legacy and cheap methods still verify: they are being imported */
	switch (crypt_checksalt(hash)) {
	case CRYPT_SALT_OK:
	case CRYPT_SALT_METHOD_LEGACY:
	case CRYPT_SALT_TOO_CHEAP:
		break;
	case CRYPT_SALT_METHOD_DISABLED:
		*error_r = "crypt method disabled in libcrypt";
		return (-1);
	default:
		*error_r = "not a crypt hash";
		return (-1);
	}
#endif
	return (0);
}

/* check_ssha - is hash well-formed base64 of a digest and a salt? */
static int
check_ssha(const struct scheme *sch, const char *hash, const char **error_r)
{
	unsigned char raw[SSHA_RAW_MAX];
	ssize_t n;

	if ((n = b64_decode(hash, raw)) < 0) {
		*error_r = "bad base64";
		return (-1);
	}
	if ((size_t)n <= (size_t)EVP_MD_size(sch->md())) {
		*error_r = "hash too short for its digest and a salt";
		return (-1);
	}
	return (0);
}

/*
 * parse_stored - split stored into its scheme and hash, and check both.
 * A missing {SCHEME} means a crypt(3) string.
 */
static int
parse_stored(const char *stored, const struct scheme **sch_r,
    const char **hash_r, const char **error_r)
{
	const char *end, *p;
	const struct scheme *sch;

	if (stored == NULL || *stored == '\0') {
		*error_r = "empty stored hash";
		return (-1);
	}
	if (strnlen(stored, PASSWORD_HASH_MAX + 1) > PASSWORD_HASH_MAX) {
		*error_r = "stored hash too long";
		return (-1);
	}
	if (stored[0] == '{') {
		end = memchr(stored, '}', strnlen(stored, SCHEME_NAME_MAX + 2));
		if (end == NULL || end == stored + 1) {
			*error_r = "malformed {SCHEME} prefix";
			return (-1);
		}
		for (p = stored + 1; p < end; p++)
			if (*p < 0x21 || *p > 0x7e || *p == '{') {
				*error_r = "malformed {SCHEME} prefix";
				return (-1);
			}
		if ((sch = scheme_find(stored + 1, (size_t)(end - stored - 1),
		    error_r)) == NULL)
			return (-1);
		*hash_r = end + 1;
	} else {
		sch = scheme_find("CRYPT", 5, error_r);
		*hash_r = stored;
	}
	*sch_r = sch;
	if (sch->kind == KIND_SSHA)
		return (check_ssha(sch, *hash_r, error_r));
	return (check_crypt(sch, *hash_r, error_r));
}

/* password_check_stored - is stored an acceptable stored form? */
int
password_check_stored(const char *stored, const char **error_r)
{
	const struct scheme *sch;
	const char *hash;

	return (parse_stored(stored, &sch, &hash, error_r));
}

/* password_scheme_known - can this scheme hash? */
int
password_scheme_known(const char *scheme)
{
	const struct scheme *sch;
	const char *why;

	if (scheme == NULL)
		return (0);
	sch = scheme_find(scheme, strlen(scheme), &why);
	return (sch != NULL && sch->can_hash);
}

/* ssha_digest - digest(plain || salt) into md_out; its length, or -1 */
static int
ssha_digest(const struct scheme *sch, const char *plain,
    const unsigned char *salt, size_t salt_len,
    unsigned char md_out[EVP_MAX_MD_SIZE])
{
	EVP_MD_CTX *ctx;
	unsigned int md_len = 0;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	/* two updates, so the password is never copied next to the salt */
	ok = EVP_DigestInit_ex(ctx, sch->md(), NULL) == 1
	    && EVP_DigestUpdate(ctx, plain, strlen(plain)) == 1
	    && EVP_DigestUpdate(ctx, salt, salt_len) == 1
	    && EVP_DigestFinal_ex(ctx, md_out, &md_len) == 1;
	EVP_MD_CTX_free(ctx);		/* cleanses the digest state */
	return (ok ? (int)md_len : -1);
}

/* verify_ssha - recompute the digest with the stored salt and compare */
static int
verify_ssha(const struct scheme *sch, const char *plain, const char *hash,
    const char **error_r)
{
	unsigned char raw[SSHA_RAW_MAX], md[EVP_MAX_MD_SIZE];
	ssize_t n;
	int md_len, ret;

	n = b64_decode(hash, raw);	/* checked by parse_stored() */
	md_len = EVP_MD_size(sch->md());
	if (n <= md_len || ssha_digest(sch, plain, raw + md_len,
	    (size_t)n - (size_t)md_len, md) != md_len) {
		*error_r = "digest failed";
		ret = -1;
	} else
		ret = CRYPTO_memcmp(md, raw, (size_t)md_len) == 0;
	explicit_bzero(md, sizeof(md));
	return (ret);
}

/* verify_crypt - crypt plain with the stored hash as setting and compare */
static int
verify_crypt(const char *plain, const char *hash, const char **error_r)
{
	struct crypt_data *data;
	const char *out;
	size_t len = strlen(hash);
	int ret;

	/* libcrypt refuses such passwords, so no stored hash can be of one */
	if (strlen(plain) >= CRYPT_MAX_PASSPHRASE_SIZE)
		return (0);
	data = xcalloc(1, sizeof(*data));
	out = crypt_rn(plain, hash, data, sizeof(*data));
	if (out == NULL || out[0] == '*') {
		*error_r = "crypt failed on the stored hash";
		ret = -1;
	} else
		ret = strlen(out) == len && CRYPTO_memcmp(out, hash, len) == 0;
	xfree_secret(data, sizeof(*data));
	return (ret);
}

/* password_verify - does plain match stored? */
int
password_verify(const char *plain, const char *stored, const char **error_r)
{
	const struct scheme *sch;
	const char *hash;

	if (parse_stored(stored, &sch, &hash, error_r) < 0)
		return (-1);

	/*
	 * No empty password ever logs in, even against an imported hash of
	 * one, and an over-long one cannot have been hashed here.
	 */
	if (plain == NULL || *plain == '\0'
	    || strnlen(plain, PASSWORD_MAX + 1) > PASSWORD_MAX)
		return (0);
	if (sch->kind == KIND_SSHA)
		return (verify_ssha(sch, plain, hash, error_r));
	return (verify_crypt(plain, hash, error_r));
}

/* hash_crypt - a new crypt(3) hash of plain, appended to out */
static int
hash_crypt(const struct scheme *sch, const char *plain, struct sbuf *out,
    const char **error_r)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data;
	const char *res;
	int ret = -1;

	if (strlen(plain) >= CRYPT_MAX_PASSPHRASE_SIZE) {
		*error_r = "password too long for a crypt scheme";
		return (-1);
	}
	/* no random bytes of ours: libcrypt reads the kernel's source */
	if (crypt_gensalt_rn(sch->gensalt, sch->count, NULL, 0, setting,
	    sizeof(setting)) == NULL) {
		*error_r = "cannot make a salt";
		return (-1);
	}
	data = xcalloc(1, sizeof(*data));
	res = crypt_rn(plain, setting, data, sizeof(*data));
	if (res == NULL || res[0] == '*')
		*error_r = "crypt failed";
	else if (sbuf_appendf(out, "{%s}%s", sch->name, res) < 0)
		*error_r = "output buffer full";
	else
		ret = 0;
	xfree_secret(data, sizeof(*data));
	return (ret);
}

/* hash_ssha - a new salted digest of plain, appended to out */
static int
hash_ssha(const struct scheme *sch, const char *plain, struct sbuf *out,
    const char **error_r)
{
	unsigned char raw[EVP_MAX_MD_SIZE + SSHA_SALT_LEN];
	unsigned char b64[(sizeof(raw) + 2) / 3 * 4 + 1];
	int md_len, ret = -1;

	md_len = EVP_MD_size(sch->md());
	if (RAND_bytes(raw + md_len, SSHA_SALT_LEN) != 1) {
		*error_r = "cannot make a salt";
		return (-1);
	}
	if (ssha_digest(sch, plain, raw + md_len, SSHA_SALT_LEN, raw)
	    != md_len)
		*error_r = "digest failed";
	else {
		EVP_EncodeBlock(b64, raw, md_len + SSHA_SALT_LEN);
		if (sbuf_appendf(out, "{%s}%s", sch->name, (char *)b64) < 0)
			*error_r = "output buffer full";
		else
			ret = 0;
	}
	explicit_bzero(raw, sizeof(raw));
	return (ret);
}

/* password_hash - hash plain with a fresh salt under scheme */
int
password_hash(const char *plain, const char *scheme, struct sbuf *out,
    const char **error_r)
{
	const struct scheme *sch;

	if (scheme == NULL)
		scheme = PASSWORD_DEFAULT_SCHEME;
	if ((sch = scheme_find(scheme, strlen(scheme), error_r)) == NULL)
		return (-1);
	if (!sch->can_hash) {
		*error_r = "scheme is accepted for verifying only";
		return (-1);
	}
	if (plain == NULL || *plain == '\0') {
		*error_r = "empty password";
		return (-1);
	}
	if (strnlen(plain, PASSWORD_MAX + 1) > PASSWORD_MAX) {
		*error_r = "password too long";
		return (-1);
	}
	if (sch->kind == KIND_SSHA)
		return (hash_ssha(sch, plain, out, error_r));
	return (hash_crypt(sch, plain, out, error_r));
}
