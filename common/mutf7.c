/*
 * mutf7 - IMAP modified UTF-7 (RFC 3501 section 5.1.3), both directions.
 *
 * The encoder walks the UTF-8 input a character at a time; printable
 * ASCII is copied, anything else joins the current base64 run as one
 * UTF-16 unit or a surrogate pair. The decoder collects 6 bits per base64
 * character and takes a UTF-16 unit whenever 16 are there; what is left at
 * the "-" must be fewer than 6 zero bits, or the spelling was not the
 * shortest. Output goes through put(), which keeps room for the NUL.
 * Nothing is logged.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "mutf7.h"
#include "utf8.h"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/* Output buffer: room for a NUL is always kept. */
struct out {
	char	*buf;
	size_t	size, len;
	int	full;
};

/* put - append n bytes, or remember that they did not fit */
static void
put(struct out *o, const void *p, size_t n)
{
	if (o->full || o->size == 0 || n > o->size - 1 - o->len) {
		o->full = 1;
		return;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* finish - NUL-terminate; on failure empty the output */
static enum mutf7_status
finish(struct out *o, enum mutf7_status st, size_t *out_len_r)
{
	if (st == MUTF7_OK && (o->full || o->size == 0))
		st = MUTF7_TOO_LONG;
	if (st != MUTF7_OK)
		o->len = 0;
	if (o->size > 0)
		o->buf[o->len] = '\0';
	*out_len_r = o->len;
	return (st);
}

/* printable - does byte c stand for itself on the wire? */
static int
printable(unsigned char c)
{
	return (c >= 0x20 && c <= 0x7e);
}

/* b64_value - the 6-bit value of a modified base64 character, or -1 */
static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == ',')
		return (63);
	return (-1);
}

/* Base64 writer state for the encoder. */
struct b64w {
	uint32_t bits;		/* the low nbits are pending */
	unsigned nbits;
};

/* push16 - add one UTF-16 unit to a run, writing whole characters */
static void
push16(struct out *o, struct b64w *w, uint32_t unit)
{
	w->bits = (w->bits << 16) | unit;
	w->nbits += 16;
	while (w->nbits >= 6) {
		w->nbits -= 6;
		put(o, &b64_alphabet[(w->bits >> w->nbits) & 0x3f], 1);
	}
	w->bits &= (1U << w->nbits) - 1;
}

/* mutf7_encode - UTF-8 to modified UTF-7 */
enum mutf7_status
mutf7_encode(const char *in, size_t len, char *out, size_t size,
    size_t *out_len_r)
{
	const unsigned char *p = (const unsigned char *)in;
	struct out o = { out, size, 0, 0 };
	struct b64w w;
	uint32_t cp;
	size_t i = 0, k;

	while (i < len) {
		if (printable(p[i])) {
			put(&o, p[i] == '&' ? "&-" : (const char *)p + i,
			    p[i] == '&' ? 2 : 1);
			i++;
			continue;
		}
		/* A run of everything up to the next printable character. */
		put(&o, "&", 1);
		w.bits = 0;
		w.nbits = 0;
		while (i < len && !printable(p[i])) {
			if (p[i] == '\0')
				return (finish(&o, MUTF7_BAD_CHAR, out_len_r));
			if ((k = utf8_decode(p + i, len - i, &cp)) == 0)
				return (finish(&o, MUTF7_BAD_UTF8, out_len_r));
			i += k;
			if (cp >= 0x10000) {
				cp -= 0x10000;
				push16(&o, &w, 0xd800 | (cp >> 10));
				push16(&o, &w, 0xdc00 | (cp & 0x3ff));
			} else
				push16(&o, &w, cp);
		}
		if (w.nbits > 0)
			put(&o, &b64_alphabet[(w.bits << (6 - w.nbits)) & 0x3f],
			    1);
		put(&o, "-", 1);
	}
	return (finish(&o, MUTF7_OK, out_len_r));
}

/* Base64 reader state for the decoder. */
struct b64r {
	uint32_t bits;
	unsigned nbits;
	uint32_t high;		/* pending high surrogate, or 0 */
	size_t	units;
};

/* take_unit - one decoded UTF-16 unit: write it, or say what is wrong */
static enum mutf7_status
take_unit(struct out *o, struct b64r *r, uint32_t u)
{
	unsigned char enc[UTF8_MAX_LEN];
	uint32_t cp;

	r->units++;
	if (r->high != 0) {
		if (u < 0xdc00 || u > 0xdfff)
			return (MUTF7_BAD_SURROGATE);
		cp = 0x10000 + ((r->high - 0xd800) << 10) + (u - 0xdc00);
		r->high = 0;
	} else if (u >= 0xd800 && u <= 0xdbff) {
		r->high = u;
		return (MUTF7_OK);
	} else if (u >= 0xdc00 && u <= 0xdfff)
		return (MUTF7_BAD_SURROGATE);
	else if (u == 0)
		return (MUTF7_BAD_CHAR);
	else if (printable((unsigned char)u) && u < 0x80)
		return (MUTF7_NOT_SHORTEST);
	else
		cp = u;
	put(o, enc, utf8_encode(cp, enc));
	return (MUTF7_OK);
}

/* mutf7_decode - modified UTF-7 to UTF-8 */
enum mutf7_status
mutf7_decode(const char *in, size_t len, char *out, size_t size,
    size_t *out_len_r)
{
	const unsigned char *p = (const unsigned char *)in;
	struct out o = { out, size, 0, 0 };
	enum mutf7_status st;
	struct b64r r;
	size_t i = 0;
	int v, after_run = 0;

	while (i < len) {
		if (!printable(p[i]))
			return (finish(&o, MUTF7_BAD_CHAR, out_len_r));
		if (p[i] != '&') {
			put(&o, p + i, 1);
			i++;
			after_run = 0;
			continue;
		}
		i++;
		if (i < len && p[i] == '-') {
			put(&o, "&", 1);
			i++;
			after_run = 0;
			continue;
		}
		/* Two runs back to back should have been one. */
		if (after_run)
			return (finish(&o, MUTF7_NOT_SHORTEST, out_len_r));
		memset(&r, 0, sizeof(r));
		for (;;) {
			if (i >= len)
				return (finish(&o, MUTF7_BAD_BASE64,
				    out_len_r));
			if (p[i] == '-') {
				i++;
				break;
			}
			if ((v = b64_value(p[i++])) < 0)
				return (finish(&o, printable(p[i - 1]) ?
				    MUTF7_BAD_BASE64 : MUTF7_BAD_CHAR,
				    out_len_r));
			r.bits = (r.bits << 6) | (uint32_t)v;
			r.nbits += 6;
			if (r.nbits >= 16) {
				r.nbits -= 16;
				st = take_unit(&o, &r,
				    (r.bits >> r.nbits) & 0xffff);
				if (st != MUTF7_OK)
					return (finish(&o, st, out_len_r));
				r.bits &= (1U << r.nbits) - 1;
			}
		}
		if (r.high != 0)
			return (finish(&o, MUTF7_BAD_SURROGATE, out_len_r));
		if (r.units == 0)
			return (finish(&o, MUTF7_BAD_BASE64, out_len_r));
		if (r.nbits >= 6 || r.bits != 0)
			return (finish(&o, MUTF7_NOT_SHORTEST, out_len_r));
		after_run = 1;
	}
	return (finish(&o, MUTF7_OK, out_len_r));
}

/* mutf7_status_name - a status as a word */
const char *
mutf7_status_name(enum mutf7_status st)
{
	switch (st) {
	case MUTF7_OK:
		return ("ok");
	case MUTF7_BAD_CHAR:
		return ("bad-char");
	case MUTF7_BAD_UTF8:
		return ("bad-utf8");
	case MUTF7_BAD_BASE64:
		return ("bad-base64");
	case MUTF7_BAD_SURROGATE:
		return ("bad-surrogate");
	case MUTF7_NOT_SHORTEST:
		return ("not-shortest");
	case MUTF7_TOO_LONG:
		return ("too-long");
	}
	return ("unknown");
}
