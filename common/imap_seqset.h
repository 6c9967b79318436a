/*
 * imap_seqset - IMAP sequence sets (RFC 3501 section 9, RFC 9051).
 *
 * A sequence set such as "1:5,7,9:*" names message sequence numbers or
 * UIDs: numbers 1..4294967295, "*" for the largest one in use, ranges in
 * either order ("4:2" is "2:4"), and, where the command allows it
 * (SEARCHRES, RFC 5182), "$" alone for the saved search result.
 *
 * The caller owns the storage: a struct imap_seqset points at an array of
 * ranges and its capacity, which is also the bound on how many ranges a
 * peer may send (each extra one is IMAP_SEQSET_TOO_MANY, never an
 * allocation). Parsing keeps "*" as IMAP_SEQ_STAR; imap_seqset_normalise()
 * replaces it by the current maximum and sorts and merges the ranges, after
 * which iteration is in ascending order with no value twice. Formatting
 * writes the compact form ("1:3,5") used in UIDPLUS COPYUID and APPENDUID
 * responses. Pure functions: no I/O, no globals, nothing logged.
 */
#ifndef IMAP_SEQSET_H
#define IMAP_SEQSET_H

#include <stddef.h>
#include <stdint.h>

#define IMAP_SEQ_STAR	0	/* "*" before normalisation (0 is no number) */

enum imap_seqset_status {
	IMAP_SEQSET_OK = 0,
	IMAP_SEQSET_EMPTY,	/* nothing, or an empty element (",,") */
	IMAP_SEQSET_BAD_SYNTAX,	/* anything but digits, "*", ":" and "," */
	IMAP_SEQSET_ZERO,	/* 0 or a leading zero: not an nz-number */
	IMAP_SEQSET_TOO_BIG,	/* a number above 4294967295 */
	IMAP_SEQSET_TOO_MANY,	/* more ranges than the set can hold */
	IMAP_SEQSET_DOLLAR,	/* "$" where the caller does not allow it */
	IMAP_SEQSET_TOO_LONG,	/* format: output does not fit */
};

struct imap_seq_range {
	uint32_t lo, hi;	/* lo <= hi once normalised; IMAP_SEQ_STAR */
};

struct imap_seqset {
	struct imap_seq_range *ranges;	/* the caller's array */
	size_t	cap;			/* its size: the bound on ranges */
	size_t	count;			/* ranges in use */
	int	dollar;			/* the set was "$" (no ranges) */
};

/* Flags for imap_seqset_parse(). */
#define IMAP_SEQSET_ALLOW_DOLLAR	(1 << 0)	/* accept "$" alone */

/*
 * imap_seqset_init - an empty set over the caller's ranges[0..cap).
 */
void	imap_seqset_init(struct imap_seqset *set,
	    struct imap_seq_range *ranges, size_t cap);

/*
 * imap_seqset_parse - parse s[0..n) into set (emptied first): ranges in
 * the order given, "*" kept as IMAP_SEQ_STAR, "n:m" as sent. "$" sets
 * set->dollar when flags has IMAP_SEQSET_ALLOW_DOLLAR. On failure the set
 * is empty.
 */
enum imap_seqset_status imap_seqset_parse(const char *s, size_t n,
	    int flags, struct imap_seqset *set);

/*
 * imap_seqset_add - append the range lo..hi (either order; IMAP_SEQ_STAR
 * allowed), for building sets such as COPYUID's. IMAP_SEQSET_TOO_MANY when
 * full; IMAP_SEQSET_ZERO never (0 is IMAP_SEQ_STAR).
 */
enum imap_seqset_status imap_seqset_add(struct imap_seqset *set,
	    uint32_t lo, uint32_t hi);

/*
 * imap_seqset_normalise - replace "*" by max (the largest number in use;
 * with max 0, an empty mailbox, a range touching "*" is dropped), put each
 * range in order, then sort and merge overlapping and adjacent ranges, so
 * that ranges are ascending and disjoint with gaps between them.
 */
void	imap_seqset_normalise(struct imap_seqset *set, uint32_t max);

/*
 * imap_seqset_contains - is value in the set, "*" meaning max? Works on
 * sets normalised or not (linear in the number of ranges); 0 is never in.
 */
int	imap_seqset_contains(const struct imap_seqset *set, uint32_t value,
	    uint32_t max);

/* imap_seqset_count - how many values a normalised set holds */
uint64_t imap_seqset_count(const struct imap_seqset *set);

/* Iteration over a normalised set. */
struct imap_seqset_iter {
	const struct imap_seqset *set;
	size_t	range;
	uint64_t next;
};

/* imap_seqset_iter_init - start at the smallest value */
void	imap_seqset_iter_init(struct imap_seqset_iter *it,
	    const struct imap_seqset *set);

/* imap_seqset_iter_next - the next value in *value_r and 1, or 0 at end */
int	imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *value_r);

/*
 * imap_seqset_format - write the set as IMAP text ("1:3,5,7:*"; "$" for
 * a dollar set) to out (size bytes, NUL-terminated), *len_r the length.
 * Ranges come out in their stored order; normalise first for the compact
 * form. An empty set is IMAP_SEQSET_EMPTY, a short buffer
 * IMAP_SEQSET_TOO_LONG; either way out holds "" (when size > 0).
 */
enum imap_seqset_status imap_seqset_format(const struct imap_seqset *set,
	    char *out, size_t size, size_t *len_r);

/* imap_seqset_status_name - a status as a short word, for logs */
const char *imap_seqset_status_name(enum imap_seqset_status st);

#endif /* IMAP_SEQSET_H */
