/*
 * password - salted password hashes with libcrypt, Dovecot-style schemes.
 *
 * Stored form: "{SCHEME}hash", the way Dovecot writes passdb files, so
 * existing password files import unchanged. New hashes use YESCRYPT unless
 * told otherwise. Verified schemes:
 *	{YESCRYPT} $y$...	{SHA512-CRYPT} $6$...	{SHA256-CRYPT} $5$...
 *	{BLF-CRYPT} $2b$/$2y$/$2a$...	{MD5-CRYPT} $1$...	{CRYPT} any crypt(3)
 *	{SSHA} {SSHA256} {SSHA512}	base64(digest || salt)
 * A hash without a {SCHEME} prefix is taken as a crypt(3) string. Plain
 * text schemes ({PLAIN}, {CLEARTEXT}, {PLAIN-MD5}, ...) are refused: the
 * suite stores no password it could give back. Comparisons run in constant
 * time with respect to the stored hash.
 */
#ifndef PASSWORD_H
#define PASSWORD_H

#include "sbuf.h"

#define PASSWORD_DEFAULT_SCHEME	"YESCRYPT"
#define PASSWORD_MAX		1024	/* longest password accepted */
#define PASSWORD_HASH_MAX	512	/* longest stored form accepted */

/*
 * password_hash - hash plain with a fresh random salt under scheme (NULL =
 * default) and append "{SCHEME}..." to out. 0, or -1 with *error_r
 * (unknown scheme, over-long or NUL-bearing password, libcrypt failure).
 */
int	password_hash(const char *plain, const char *scheme, struct sbuf *out,
	    const char **error_r);

/*
 * password_verify - does plain match stored? 1 yes, 0 no, -1 stored is
 * malformed or of an unknown scheme (*error_r says which).
 */
int	password_verify(const char *plain, const char *stored,
	    const char **error_r);

/*
 * password_check_stored - is stored an acceptable stored form (a known,
 * hashed scheme, well-formed, at most PASSWORD_HASH_MAX bytes)? For
 * importing existing hashes. 0, or -1 with *error_r.
 */
int	password_check_stored(const char *stored, const char **error_r);

/* password_scheme_known - non-zero if scheme (without braces) can hash */
int	password_scheme_known(const char *scheme);

#endif
