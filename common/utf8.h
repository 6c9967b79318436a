/*
 * utf8 - strict UTF-8 validation, decoding and encoding (RFC 3629).
 *
 * Well-formed means the byte ranges of RFC 3629 section 4: no overlong
 * forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no
 * truncated sequence. Every function is pure: no I/O, no globals, no
 * allocation, nothing logged. The JSON writer, the SMTP path parser and
 * the IMAP modified UTF-7 codec all judge UTF-8 here, so they agree.
 */
#ifndef UTF8_H
#define UTF8_H

#include <stddef.h>
#include <stdint.h>

#define UTF8_MAX_LEN	4		/* bytes of one encoded code point */
#define UTF8_MAX_CP	0x10ffffU	/* largest code point */

/*
 * utf8_char_len - length (2 to 4) of the well-formed sequence of a
 * non-ASCII character starting at p, of which n >= 1 bytes are readable;
 * 0 when p[0] is ASCII, a continuation byte, or starts a malformed or
 * truncated sequence.
 */
size_t	utf8_char_len(const unsigned char *p, size_t n);

/*
 * utf8_decode - decode the character at p (n >= 1 bytes readable): ASCII
 * or a well-formed sequence. Returns its length and sets *cp_r, or 0 for
 * a malformed or truncated sequence (*cp_r unchanged).
 */
size_t	utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_r);

/*
 * utf8_encode - write code point cp to out (UTF8_MAX_LEN bytes of room)
 * and return the length, or 0 for a surrogate or a value above
 * UTF8_MAX_CP (nothing written).
 */
size_t	utf8_encode(uint32_t cp, unsigned char *out);

/* utf8_valid - is all of s[0..n) well-formed UTF-8 (ASCII included)? */
int	utf8_valid(const char *s, size_t n);

/*
 * utf8_fold - simple case folding of one code point, for case-insensitive
 * matching (IMAP SEARCH and the like): ASCII, Latin-1, Latin Extended-A
 * and Additional, Greek, Cyrillic, and the signs that fold into them
 * (micro, Ohm, Kelvin, Angstrom, long s, capital sharp s). Code points it
 * does not know are returned unchanged; folding twice changes nothing.
 */
uint32_t utf8_fold(uint32_t cp);

#endif /* UTF8_H */
