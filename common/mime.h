/*
 * mime - MIME structure of a stored message (RFC 2045-2047, RFC 2231,
 * RFC 5322 headers), for IMAP FETCH and SEARCH.
 *
 * Messages are stored with LF line ends; every size and line count here is
 * in CRLF terms (each bare LF counts as CR LF, an existing CR LF stays), as
 * IMAP reports them. mime_parse() builds a tree of parts with byte offsets
 * into the caller's buffer; the tree holds no pointer into it, so the
 * buffer must be passed again to the functions that read contents.
 *
 * Every function is pure: no I/O, no globals, nothing logged. Hostile or
 * broken MIME never fails: nesting depth, number of parts, bytes of one
 * header block parsed for fields and parameters per field are bounded by
 * struct mime_limits; a part that cannot be what its Content-Type says
 * (multipart without boundary parameter, multipart or message/rfc822 past
 * a bound, message/rfc822 with a base64 or quoted-printable encoding) is a
 * text/plain leaf with charset us-ascii, as IMAP servers show it. A header
 * without the blank line after it runs to the end of its part (empty
 * body); a missing close delimiter ends the last part at the end of its
 * parent; boundaries are matched strictly ("--" boundary ["--"] then only
 * blanks to the line end), and a line matching an enclosing multipart's
 * boundary ends every part inside it.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

struct sbuf;

/* Bounds on what one message may make mime_parse() build. */
struct mime_limits {
	unsigned int depth_max;		/* nesting of multipart/message parts */
	unsigned int parts_max;		/* parts in the whole tree */
	size_t	header_max;		/* header bytes read for fields */
	unsigned int params_max;	/* parameters kept per field */
};

/* The defaults: 50 levels, 10000 parts, 256 KiB, 64 parameters. */
extern const struct mime_limits mime_limits_default;

/*
 * A Content-Type or Content-Disposition parameter. RFC 2231 continuations
 * (name*0, name*1*, ...) are joined and decoded: value holds the decoded
 * bytes converted to UTF-8 (us-ascii, utf-8, iso-8859-1 and windows-1252
 * known; other charsets kept as UTF-8 when valid, else as ISO-8859-1),
 * charset and language the RFC 2231 ones (NULL when absent). For IMAP
 * BODYSTRUCTURE, which passes parameters through as Dovecot does, imap_name
 * and imap_value are the joined form: "name*" and "charset'lang'%XX..."
 * for an extended parameter, else the name and the value as sent.
 */
struct mime_param {
	char   *name;			/* lower-cased, without "*" */
	char   *value;			/* decoded, UTF-8, NUL-terminated */
	size_t	value_len;
	char   *charset;		/* RFC 2231, lower-cased, or NULL */
	char   *language;		/* RFC 2231, or NULL */
	char   *imap_name;		/* lower-cased, "*" when extended */
	char   *imap_value;
};

#define MIME_PART_MULTIPART	0x01	/* children are the parts */
#define MIME_PART_MESSAGE	0x02	/* message is the embedded message */
#define MIME_PART_LIMITED	0x04	/* a bound made this a leaf */
#define MIME_PART_NO_TYPE	0x08	/* no (usable) Content-Type field */

/*
 * One part. A message (the root, or the message inside a message/rfc822
 * part) is a part too: its header is the RFC 5322 header. Offsets are
 * into the parsed buffer; hdr_len includes the blank line ending the
 * header when there is one. Strings are NUL-terminated copies, unfolded,
 * NULL when the field is absent; type, subtype, encoding and
 * disposition are lower-cased.
 */
struct mime_part {
	struct mime_part *parent;	/* NULL for the root */
	struct mime_part *next;		/* next sibling in a multipart */
	struct mime_part *children;	/* MIME_PART_MULTIPART: first part */
	unsigned int nchildren;
	struct mime_part *message;	/* MIME_PART_MESSAGE: embedded root */
	unsigned int flags;		/* MIME_PART_* */
	unsigned int depth;		/* 0 for the root */

	size_t	hdr_off, hdr_len;	/* raw bytes */
	size_t	body_off, body_len;
	size_t	hdr_size, body_size;	/* CRLF terms */
	size_t	hdr_lines, body_lines;	/* line ends in each */

	char   *type, *subtype;		/* "text" "plain" by default */
	struct mime_param *params;
	unsigned int nparams;
	char   *id;			/* Content-ID */
	char   *description;		/* Content-Description, not decoded */
	char   *encoding;		/* Content-Transfer-Encoding */
	char   *disposition;		/* Content-Disposition type */
	struct mime_param *dparams;
	unsigned int ndparams;
	char  **language;		/* Content-Language tags */
	unsigned int nlanguage;
	char   *location;		/* Content-Location */
	char   *md5;			/* Content-MD5 */
};

/*
 * mime_parse - build the part tree of msg[0..len). lim NULL means
 * mime_limits_default. Never fails on message contents: returns the
 * tree (free it with mime_free()); *error_r (when error_r is not NULL) is
 * set to NULL, or to a static text naming the first bound that was
 * reached (the tree is still complete and usable; the caller may log it).
 */
struct mime_part *mime_parse(const char *msg, size_t len,
	    const struct mime_limits *lim, const char **error_r);

/* mime_free - release the tree *p (which may be NULL) and set it to NULL */
void	mime_free(struct mime_part **p);

/* mime_param_get - the parameter called name (lower case), or NULL */
const struct mime_param *mime_param_get(const struct mime_param *params,
	    unsigned int n, const char *name);

/*
 * mime_header_get - the values of every field called name (ASCII case
 * ignored) in the header block hdr[0..hdr_len), appended to out: each
 * value unfolded (line ends removed, the blanks after them kept) and
 * trimmed of leading and trailing blanks, several values joined by ", ".
 * Encoded words are left as they are (see mime_header_decode()).
 * Returns 1 when at least one field was found, 0 when none was, -1 when
 * out's cap was reached.
 */
int	mime_header_get(const char *hdr, size_t hdr_len, const char *name,
	    struct sbuf *out);

/* mime_header_first - as mime_header_get(), the first field only */
int	mime_header_first(const char *hdr, size_t hdr_len, const char *name,
	    struct sbuf *out);

/* One field of a header block, as mime_header_next() finds it. */
struct mime_field {
	const char *start;		/* whole field, line ends and all */
	size_t	len;
	const char *name;		/* NULL for a line without a colon */
	size_t	name_len;		/* blanks before the colon excluded */
	const char *value;		/* after the colon, folds included */
	size_t	value_len;
};

/*
 * mime_header_next - the field at *pos (start at 0) of the header block
 * hdr[0..hdr_len), advancing *pos; 0 at the end of the block (its empty
 * line, or hdr_len). A line without a colon is a field without a name.
 */
int	mime_header_next(const char *hdr, size_t hdr_len, size_t *pos,
	    struct mime_field *f);

/*
 * mime_header_decode - append s[0..n) to out as UTF-8 with its RFC 2047
 * encoded words decoded (blanks between two adjacent encoded words
 * dropped; malformed encoded words kept as they are; bytes that are not
 * UTF-8 read as ISO-8859-1). Returns 0, or -1 when out's cap was reached.
 */
int	mime_header_decode(const char *s, size_t n, struct sbuf *out);

/*
 * mime_part_decode - append the body of part, with its
 * Content-Transfer-Encoding (base64, quoted-printable) undone, to out;
 * other encodings are copied as stored (LF line ends). Returns 0, or -1
 * when out's cap was reached.
 */
int	mime_part_decode(const char *msg, size_t len,
	    const struct mime_part *part, struct sbuf *out);

/*
 * mime_str_contains - does hay[0..n) (UTF-8; other bytes read as
 * ISO-8859-1) contain the UTF-8 string needle, case ignored? Case
 * folding covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic
 * (XXX: not full Unicode folding). An empty needle is always found.
 */
int	mime_str_contains(const char *hay, size_t n, const char *needle);

/*
 * mime_text_contains - SEARCH TEXT (body_only 0) and BODY (body_only 1):
 * is needle (UTF-8) a substring, case ignored as in mime_str_contains(),
 * of the decoded text of the message? Bodies: every "text" leaf (and the
 * text of embedded messages, their headers included) with its transfer
 * encoding undone and its charset converted to UTF-8. With body_only 0
 * also every header field of the message and its parts, RFC 2047
 * decoded. Each field and each body is searched on its own (a match
 * never spans two). Returns 1 found, 0 not.
 */
int	mime_text_contains(const char *msg, size_t len,
	    const struct mime_part *root, int body_only, const char *needle);

/* mime_crlf_size - bytes of msg[off..off+n) in CRLF terms */
size_t	mime_crlf_size(const char *msg, size_t off, size_t n);

#endif /* MIME_H */
