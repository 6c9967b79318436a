/*
 * imap_search - IMAP SEARCH programs (RFC 3501 section 6.4.4, the MODSEQ
 * key of RFC 7162 CONDSTORE): compile the parsed arguments, then test
 * messages one at a time.
 *
 * imap_search_parse() takes the arguments of SEARCH (or UID SEARCH) as the
 * command parser left them (common/imap_parse.h): an optional CHARSET
 * (US-ASCII or UTF-8; anything else is IMAP_SEARCH_BADCHARSET, answered
 * NO [BADCHARSET (US-ASCII UTF-8)]), then one or more search keys, which
 * all must match. Keys are case-insensitive words; a parenthesised list is
 * an AND of its keys; OR and NOT take keys; an atom starting with a digit
 * or "*" is a message sequence set. Every string a key takes is an astring
 * and must be well-formed UTF-8 without NUL. The program is bounded by
 * struct imap_search_limits: keys in all, nesting of lists, NOT and OR
 * (so a hostile "NOT NOT NOT ..." cannot exhaust the stack), and ranges in
 * one sequence set.
 *
 * imap_search_match() evaluates the program for one message described by
 * struct imap_search_msg. What is in the index (numbers, flags, keywords,
 * dates, size, modseq) is given directly; headers, text and the Date:
 * header come through callbacks, asked only when a key needs them and
 * only after the cheap keys beside them have not already decided the
 * answer. imap_search_needs() tells which callbacks the program may use,
 * so the caller can skip opening message files.
 *
 * Matching of strings is case-insensitive by simple case folding:
 * ASCII, Latin-1, Latin Extended-A, Latin Extended Additional, Greek and
 * Cyrillic letters, and a few signs (KELVIN, ANGSTROM, OHM, MICRO, long s,
 * capital sharp s). imap_search_fold() and imap_search_text_contains()
 * expose it so the text callback matches exactly as the header keys do.
 *
 * Pure: no I/O, nothing logged; the only global is the buffer that holds
 * the latest error text (common/errbuf.h), valid until the next call.
 *
 * XXX: "$" (SEARCHRES, RFC 5182) is refused as a sequence set; the MODSEQ
 * entry name and type are checked but ignored, as the store keeps one
 * modseq per message, not one per flag.
 */
#ifndef IMAP_SEARCH_H
#define IMAP_SEARCH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "imap_parse.h"
#include "sbuf.h"

/* The charsets taken, as the BADCHARSET response code lists them. */
#define IMAP_SEARCH_CHARSETS	"US-ASCII UTF-8"

struct imap_search_limits {
	size_t	keys_max;	/* keys in all (NOT, OR and lists count) */
	size_t	depth_max;	/* nesting of lists, NOT and OR */
	size_t	ranges_max;	/* ranges in one sequence set */
};

enum imap_search_status {
	IMAP_SEARCH_OK = 0,
	IMAP_SEARCH_BAD_SYNTAX,		/* BAD: unknown key, missing or
					   wrong argument */
	IMAP_SEARCH_BAD_DATE,		/* BAD: not an IMAP date */
	IMAP_SEARCH_BAD_SET,		/* BAD: not a sequence set, or over
					   ranges_max */
	IMAP_SEARCH_BAD_STRING,		/* BAD: bad UTF-8 or NUL in a
					   string, bad header field name */
	IMAP_SEARCH_TOO_DEEP,		/* BAD: over depth_max */
	IMAP_SEARCH_TOO_MANY,		/* BAD: over keys_max */
	IMAP_SEARCH_BADCHARSET,		/* NO [BADCHARSET (...)] */
};

/* Bits of imap_search_needs(): which callbacks the program may call. */
#define IMAP_SEARCH_NEED_HEADER		(1 << 0)	/* header() */
#define IMAP_SEARCH_NEED_TEXT		(1 << 1)	/* text() */
#define IMAP_SEARCH_NEED_SENT_DATE	(1 << 2)	/* sent_date() */

/* One message, filled by the caller for imap_search_match(). */
struct imap_search_msg {
	uint32_t seq, uid;		/* this message */
	uint32_t max_seq, max_uid;	/* the mailbox's largest: "*" */
	unsigned flags;			/* STORE_FLAG_* of store.h */
	int	recent;			/* \Recent in this session */
	const char *keywords;		/* space-separated as stored; NULL
					   or "" when none */
	time_t	internal_date;		/* INTERNALDATE, UTC */
	int	internal_zone_min;	/* the zone it is shown in */
	uint64_t size;			/* RFC822.SIZE */
	uint64_t modseq;		/* CONDSTORE mod-sequence */

	/*
	 * header - append to out all values of the field name (any case),
	 * unfolded and RFC 2047-decoded, joined by "\n"; 1 when the field
	 * is present (even empty), 0 when absent, -1 on error (a full out
	 * is an error too).
	 */
	int	(*header)(void *ctx, const char *name, struct sbuf *out);

	/*
	 * text - does the decoded body (body_only) or the whole message,
	 * headers included (!body_only), contain needle? needle is already
	 * folded by imap_search_fold(); imap_search_text_contains() does
	 * the matching. 1 match, 0 none, -1 error.
	 */
	int	(*text)(void *ctx, int body_only, const char *needle);

	/*
	 * sent_date - the Date: header as UTC seconds and zone (minutes
	 * east); 1 found, 0 absent or unparsable (no SENT* key matches),
	 * -1 error.
	 */
	int	(*sent_date)(void *ctx, time_t *t_r, int *zone_r);
	void   *ctx;
};

struct imap_search;

/*
 * imap_search_parse - compile args[0..count) (the arguments after SEARCH)
 * into *search_r. On failure *search_r is NULL and *error_r a short text
 * for the BAD reply (for IMAP_SEARCH_BADCHARSET too, but that one is
 * answered NO [BADCHARSET (IMAP_SEARCH_CHARSETS)]).
 */
enum imap_search_status imap_search_parse(const struct imap_arg *args,
	    size_t count, const struct imap_search_limits *lim,
	    struct imap_search **search_r, const char **error_r);

/* imap_search_free - free the program (NULL allowed) and NULL the pointer */
void	imap_search_free(struct imap_search **s);

/*
 * imap_search_uses_modseq - does the program have a MODSEQ key anywhere?
 * The reply then ends in "(MODSEQ n)" (RFC 7162 section 3.1.5).
 */
int	imap_search_uses_modseq(const struct imap_search *s);

/* imap_search_needs - IMAP_SEARCH_NEED_* bits the program may use */
int	imap_search_needs(const struct imap_search *s);

/*
 * imap_search_match - does message m match? 1 yes, 0 no, -1 when a
 * callback failed (or is NULL but needed) and the answer depends on it.
 */
int	imap_search_match(const struct imap_search *s,
	    const struct imap_search_msg *m);

/*
 * imap_search_fold - case-fold s[0..n) in place (see the top of this
 * file) and return the new length, never more than n. Bytes that are not
 * well-formed UTF-8 are kept as they are.
 */
size_t	imap_search_fold(char *s, size_t n);

/*
 * imap_search_text_contains - does text[0..n), folded on the fly, contain
 * needle[0..needle_len) (already folded)? An empty needle always does.
 * Allocates nothing; text may hold any bytes.
 */
int	imap_search_text_contains(const char *text, size_t n,
	    const char *needle, size_t needle_len);

/* imap_search_status_name - a status as a short word, for logs */
const char *imap_search_status_name(enum imap_search_status st);

#endif /* IMAP_SEARCH_H */
