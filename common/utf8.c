/*
 * utf8 - strict UTF-8 validation, decoding and encoding (RFC 3629).
 *
 * One table-free decoder: the lead byte fixes the length and the range of
 * the second byte, which is where overlong forms (E0, F0), surrogates (ED)
 * and code points past U+10FFFF (F4) are excluded; later bytes are plain
 * continuation bytes. Nothing is logged.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "utf8.h"

/* utf8_char_len - length of the well-formed non-ASCII sequence at p, or 0 */
size_t
utf8_char_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (n == 0)
		return (0);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (len > n)
		return (0);
	/* Only the second byte has the narrowed range. */
	if (p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (len);
}

/* utf8_decode - decode one character at p into *cp_r; length or 0 */
size_t
utf8_decode(const unsigned char *p, size_t n, uint32_t *cp_r)
{
	uint32_t cp;
	size_t len, i;

	if (n == 0)
		return (0);
	if (p[0] < 0x80) {
		*cp_r = p[0];
		return (1);
	}
	if ((len = utf8_char_len(p, n)) == 0)
		return (0);
	/* bounds: utf8_char_len() checked that len bytes are readable */
	cp = p[0] & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
	for (i = 1; i < len; i++)
		cp = (cp << 6) | (p[i] & 0x3f);
	*cp_r = cp;
	return (len);
}

/* utf8_encode - encode cp into out; length, or 0 if cp is not a scalar */
size_t
utf8_encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return (1);
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xc0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3f));
		return (2);
	}
	if (cp >= 0xd800 && cp <= 0xdfff)
		return (0);
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xe0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (unsigned char)(0x80 | (cp & 0x3f));
		return (3);
	}
	if (cp > UTF8_MAX_CP)
		return (0);
	out[0] = (unsigned char)(0xf0 | (cp >> 18));
	out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (unsigned char)(0x80 | (cp & 0x3f));
	return (4);
}

/* utf8_valid - is the whole of s[0..n) well-formed UTF-8? */
int
utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((k = utf8_char_len(p + i, n - i)) == 0)
			return (0);
		i += k;
	}
	return (1);
}

/* utf8_fold - the simple case folding of one code point */
uint32_t
utf8_fold(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z' ? c + 32 : c);
	if (c == 0xb5)				/* MICRO SIGN */
		return (0x3bc);
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return (c + 32);
	if (c >= 0x100 && c <= 0x17f) {		/* Latin Extended-A */
		if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149)
			return (c);
		if (c == 0x178)
			return (0xff);
		if (c == 0x17f)			/* long s */
			return ('s');
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return ((c & 1) ? c + 1 : c);
		return ((c & 1) ? c : c + 1);
	}
	if (c >= 0x386 && c <= 0x3a9) {		/* Greek capitals */
		if (c >= 0x391 && c != 0x3a2)
			return (c + 32);
		if (c == 0x386)
			return (0x3ac);
		if (c >= 0x388 && c <= 0x38a)
			return (c + 37);
		if (c == 0x38c)
			return (0x3cc);
		if (c == 0x38e || c == 0x38f)
			return (c + 63);
		return (c);
	}
	if (c == 0x3c2)				/* final sigma */
		return (0x3c3);
	if (c >= 0x410 && c <= 0x42f)		/* Cyrillic */
		return (c + 32);
	if (c >= 0x400 && c <= 0x40f)
		return (c + 80);
	if ((c >= 0x1e00 && c <= 0x1e95) || (c >= 0x1ea0 && c <= 0x1eff))
		return ((c & 1) ? c : c + 1);
	if (c == 0x1e9e)			/* capital sharp s */
		return (0xdf);
	if (c == 0x2126)			/* OHM SIGN */
		return (0x3c9);
	if (c == 0x212a)			/* KELVIN SIGN */
		return ('k');
	if (c == 0x212b)			/* ANGSTROM SIGN */
		return (0xe5);
	return (c);
}
