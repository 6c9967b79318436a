/*
 * mutf7 - IMAP mailbox names in modified UTF-7 (RFC 3501 section 5.1.3).
 *
 * On the wire a mailbox name is printable US-ASCII (0x20..0x7e) in which
 * "&" starts a run of modified base64 (the alphabet of RFC 2045 with ","
 * for "/", no padding) holding UTF-16BE, ended by "-"; "&-" is "&". Inside
 * the server names are UTF-8. Both directions are strict so that one name
 * has exactly one spelling, and two spellings never reach the store as two
 * mailboxes: the decoder refuses bytes outside 0x20..0x7e, a bad base64
 * character, a run without its "-", an empty run other than "&-",
 * printable ASCII (the "&" included) that was encoded, two runs back to
 * back (one would do), leftover bits that are not zero or that fill a
 * whole base64 character, and unpaired surrogates; the encoder refuses
 * input that is not well-formed UTF-8 (common/utf8.h). U+0000 is refused
 * both ways, since names are C strings.
 *
 * Pure functions: the output goes to the caller's buffer, always
 * NUL-terminated when it has room for one byte; nothing is allocated or
 * logged.
 */
#ifndef MUTF7_H
#define MUTF7_H

#include <stddef.h>

enum mutf7_status {
	MUTF7_OK = 0,
	MUTF7_BAD_CHAR,		/* byte outside 0x20..0x7e, or U+0000 */
	MUTF7_BAD_UTF8,		/* encoder: input not well-formed UTF-8 */
	MUTF7_BAD_BASE64,	/* bad character, empty run, no "-" */
	MUTF7_BAD_SURROGATE,	/* unpaired high or low surrogate */
	MUTF7_NOT_SHORTEST,	/* encoded printable ASCII, adjacent runs,
				   stray bits */
	MUTF7_TOO_LONG,		/* output does not fit the buffer */
};

/*
 * mutf7_encode - encode the UTF-8 name in[0..len) into out (size bytes,
 * NUL-terminated) and set *out_len_r to its length without the NUL.
 * Printable ASCII is copied, "&" becomes "&-", every other run of
 * characters one base64 run. On failure out holds "" (when size > 0).
 */
enum mutf7_status mutf7_encode(const char *in, size_t len, char *out,
	    size_t size, size_t *out_len_r);

/*
 * mutf7_decode - decode the modified UTF-7 name in[0..len) into UTF-8 in
 * out (size bytes, NUL-terminated), *out_len_r its length. Refuses every
 * spelling mutf7_encode() would not produce, so decode then encode gives
 * the input back. On failure out holds "" (when size > 0).
 */
enum mutf7_status mutf7_decode(const char *in, size_t len, char *out,
	    size_t size, size_t *out_len_r);

/* mutf7_status_name - a status as a short lowercase word, for logs */
const char *mutf7_status_name(enum mutf7_status st);

#endif /* MUTF7_H */
