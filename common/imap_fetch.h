/*
 * imap_fetch - the FETCH data items of RFC 3501 that depend on a message's
 * MIME structure: ENVELOPE, BODY, BODYSTRUCTURE and BODY[section].
 *
 * Every function reads the message msg[0..len) (LF line ends, as stored)
 * and the tree mime_parse() built from it, and appends IMAP syntax to
 * out; sizes and contents are in CRLF terms. Output follows what Dovecot
 * sends: lower-case types as parsed, "7bit" for a missing encoding,
 * ("charset" "us-ascii") added to text parts without one, parameters
 * passed through with RFC 2231 continuations joined (an extended one as
 * "name*" "charset'lang'%XX"), every extension field written (NIL when
 * absent), and a multipart without parts shown with one empty text/plain
 * part. Functions return 0, or -1 when out's cap was reached (out then
 * holds a partial result the caller must discard). Pure: no I/O, no
 * globals, nothing logged.
 */
#ifndef IMAP_FETCH_H
#define IMAP_FETCH_H

#include <stddef.h>

struct mime_part;
struct sbuf;

/*
 * imap_quote - append s[0..n) as an IMAP string: "quoted" (with \ and "
 * escaped) when it is at most 1024 bytes of 7-bit characters without CR,
 * LF or NUL, else as a {n}\r\n literal; NIL when s is NULL.
 */
int	imap_quote(const char *s, size_t n, struct sbuf *out);

/*
 * imap_fetch_envelope - append the RFC 3501 ENVELOPE (its parenthesised
 * list) of the message whose root part is root: the top of the tree, or
 * an embedded message (part->message of a message/rfc822 part). Date,
 * Subject, In-Reply-To and Message-ID are the first such field, unfolded
 * and not decoded (NIL when absent); the address fields are parsed into
 * (name adl mailbox host) lists, groups as (NIL NIL "group" NIL) ...
 * (NIL NIL NIL NIL), NIL when absent or empty; Sender and Reply-To
 * default to From.
 */
int	imap_fetch_envelope(const char *msg, size_t len,
	    const struct mime_part *root, struct sbuf *out);

/*
 * imap_fetch_bodystructure - append BODY (extended 0) or BODYSTRUCTURE
 * (extended 1) of the part root (normally the top of the tree).
 */
int	imap_fetch_bodystructure(const char *msg, size_t len,
	    const struct mime_part *root, int extended, struct sbuf *out);

/*
 * imap_fetch_section - append the contents of BODY[section] (without the
 * string framing; the caller applies <partial> and quotes the result),
 * CRLF line ends. section is the text between "[" and "]", NUL-
 * terminated, case ignored: "" (whole message), "HEADER", "TEXT",
 * "HEADER.FIELDS (A B)", "HEADER.FIELDS.NOT (A B)", a part number
 * "1.2" alone or followed by ".MIME" or (for message/rfc822 parts) one of
 * the message specifiers. Part numbers follow RFC 3501 section 6.4.5: a
 * non-multipart message has only part 1, a message/rfc822 part's numbers
 * go on into its message. HEADER.FIELDS results always end with the
 * blank line. A part that does not exist, or HEADER/TEXT on a part that
 * is not message/rfc822, gives empty contents and 0 (as Dovecot does).
 * Returns -1 with *error_r (static text) for a malformed section, or -1
 * with *error_r "result too large" when out's cap was reached.
 */
int	imap_fetch_section(const char *msg, size_t len,
	    const struct mime_part *root, const char *section,
	    struct sbuf *out, const char **error_r);

/* imap_fetch_crlf - append msg[off..off+n) with bare LF sent as CR LF */
int	imap_fetch_crlf(const char *msg, size_t off, size_t n,
	    struct sbuf *out);

#endif /* IMAP_FETCH_H */
