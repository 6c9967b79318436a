/*
 * imap_seqset - IMAP sequence sets: parse, normalise, test, iterate,
 * format.
 *
 * Ranges live in the caller's array, so a hostile "1,2,3,..." costs at
 * most the array the caller chose. Normalising is an insertion-free
 * qsort() and one merging pass. Numbers use 64-bit arithmetic where a
 * range end plus one could pass 4294967295. Nothing is logged.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_seqset.h"

/* imap_seqset_init - an empty set over the caller's array */
void
imap_seqset_init(struct imap_seqset *set, struct imap_seq_range *ranges,
    size_t cap)
{
	set->ranges = ranges;
	set->cap = cap;
	set->count = 0;
	set->dollar = 0;
}

/* parse_number - an nz-number or "*" at s[*i], into *v_r */
static enum imap_seqset_status
parse_number(const char *s, size_t n, size_t *i, uint32_t *v_r)
{
	uint64_t v = 0;

	if (*i < n && s[*i] == '*') {
		(*i)++;
		*v_r = IMAP_SEQ_STAR;
		return (IMAP_SEQSET_OK);
	}
	if (*i >= n || s[*i] == ',')
		return (IMAP_SEQSET_EMPTY);
	if (s[*i] < '0' || s[*i] > '9')
		return (IMAP_SEQSET_BAD_SYNTAX);
	if (s[*i] == '0')
		return (IMAP_SEQSET_ZERO);
	while (*i < n && s[*i] >= '0' && s[*i] <= '9') {
		v = v * 10 + (uint64_t)(s[*i] - '0');
		if (v > UINT32_MAX)
			return (IMAP_SEQSET_TOO_BIG);
		(*i)++;
	}
	*v_r = (uint32_t)v;
	return (IMAP_SEQSET_OK);
}

/* imap_seqset_parse - parse a sequence set */
enum imap_seqset_status
imap_seqset_parse(const char *s, size_t n, int flags,
    struct imap_seqset *set)
{
	enum imap_seqset_status st;
	uint32_t lo, hi;
	size_t i = 0;

	set->count = 0;
	set->dollar = 0;
	if (n == 0)
		return (IMAP_SEQSET_EMPTY);
	if (n == 1 && s[0] == '$') {
		if ((flags & IMAP_SEQSET_ALLOW_DOLLAR) == 0)
			return (IMAP_SEQSET_DOLLAR);
		set->dollar = 1;
		return (IMAP_SEQSET_OK);
	}
	for (;;) {
		if ((st = parse_number(s, n, &i, &lo)) != IMAP_SEQSET_OK)
			break;
		hi = lo;
		if (i < n && s[i] == ':') {
			i++;
			if ((st = parse_number(s, n, &i, &hi))
			    != IMAP_SEQSET_OK) {
				if (st == IMAP_SEQSET_EMPTY)
					st = IMAP_SEQSET_BAD_SYNTAX;
				break;
			}
		}
		if ((st = imap_seqset_add(set, lo, hi)) != IMAP_SEQSET_OK)
			break;
		if (i == n)
			return (IMAP_SEQSET_OK);
		if (s[i] != ',') {
			st = s[i] == '$' ? IMAP_SEQSET_DOLLAR :
			    IMAP_SEQSET_BAD_SYNTAX;
			break;
		}
		i++;
	}
	set->count = 0;
	return (st);
}

/* imap_seqset_add - append a range */
enum imap_seqset_status
imap_seqset_add(struct imap_seqset *set, uint32_t lo, uint32_t hi)
{
	if (set->count >= set->cap)
		return (IMAP_SEQSET_TOO_MANY);
	set->ranges[set->count].lo = lo;
	set->ranges[set->count].hi = hi;
	set->count++;
	return (IMAP_SEQSET_OK);
}

/* range_cmp - qsort() order: by lo, then hi */
static int
range_cmp(const void *a, const void *b)
{
	const struct imap_seq_range *x = a, *y = b;

	if (x->lo != y->lo)
		return (x->lo < y->lo ? -1 : 1);
	if (x->hi != y->hi)
		return (x->hi < y->hi ? -1 : 1);
	return (0);
}

/* resolve - a range with "*" as max and its ends in order; 0 to drop */
static int
resolve(struct imap_seq_range *r, uint32_t max)
{
	uint32_t t;

	if (r->lo == IMAP_SEQ_STAR || r->hi == IMAP_SEQ_STAR) {
		if (max == 0)
			return (0);
		if (r->lo == IMAP_SEQ_STAR)
			r->lo = max;
		if (r->hi == IMAP_SEQ_STAR)
			r->hi = max;
	}
	if (r->lo > r->hi) {
		t = r->lo;
		r->lo = r->hi;
		r->hi = t;
	}
	return (1);
}

/* imap_seqset_normalise - resolve "*", sort, merge */
void
imap_seqset_normalise(struct imap_seqset *set, uint32_t max)
{
	size_t i, out = 0;

	for (i = 0; i < set->count; i++)
		if (resolve(&set->ranges[i], max))
			set->ranges[out++] = set->ranges[i];
	set->count = out;
	if (set->count < 2)
		return;
	qsort(set->ranges, set->count, sizeof(set->ranges[0]), range_cmp);
	out = 0;
	for (i = 1; i < set->count; i++) {
		struct imap_seq_range *last = &set->ranges[out];

		/* Merge when overlapping or adjacent; 64 bits for hi + 1. */
		if ((uint64_t)set->ranges[i].lo <= (uint64_t)last->hi + 1) {
			if (set->ranges[i].hi > last->hi)
				last->hi = set->ranges[i].hi;
		} else
			set->ranges[++out] = set->ranges[i];
	}
	set->count = out + 1;
}

/* imap_seqset_contains - membership, "*" meaning max */
int
imap_seqset_contains(const struct imap_seqset *set, uint32_t value,
    uint32_t max)
{
	struct imap_seq_range r;
	size_t i;

	if (value == 0)
		return (0);
	for (i = 0; i < set->count; i++) {
		r = set->ranges[i];
		if (resolve(&r, max) && value >= r.lo && value <= r.hi)
			return (1);
	}
	return (0);
}

/* imap_seqset_count - number of values in a normalised set */
uint64_t
imap_seqset_count(const struct imap_seqset *set)
{
	uint64_t total = 0;
	size_t i;

	for (i = 0; i < set->count; i++)
		total += (uint64_t)set->ranges[i].hi - set->ranges[i].lo + 1;
	return (total);
}

/* imap_seqset_iter_init - start iterating */
void
imap_seqset_iter_init(struct imap_seqset_iter *it,
    const struct imap_seqset *set)
{
	it->set = set;
	it->range = 0;
	it->next = set->count > 0 ? set->ranges[0].lo : 0;
}

/* imap_seqset_iter_next - the next value, or 0 at the end */
int
imap_seqset_iter_next(struct imap_seqset_iter *it, uint32_t *value_r)
{
	while (it->range < it->set->count) {
		if (it->next <= it->set->ranges[it->range].hi) {
			*value_r = (uint32_t)it->next++;
			return (1);
		}
		if (++it->range < it->set->count)
			it->next = it->set->ranges[it->range].lo;
	}
	return (0);
}

/* put_number - append a number or "*"; 0 when it does not fit */
static int
put_number(char *out, size_t size, size_t *len, uint32_t v)
{
	int k;

	if (v == IMAP_SEQ_STAR)
		k = snprintf(out + *len, size - *len, "*");
	else
		k = snprintf(out + *len, size - *len, "%u", (unsigned)v);
	if (k < 0 || (size_t)k >= size - *len)
		return (0);
	*len += (size_t)k;
	return (1);
}

/* imap_seqset_format - write the set as IMAP text */
enum imap_seqset_status
imap_seqset_format(const struct imap_seqset *set, char *out, size_t size,
    size_t *len_r)
{
	enum imap_seqset_status st = IMAP_SEQSET_OK;
	size_t len = 0, i;

	*len_r = 0;
	if (size == 0)
		return (IMAP_SEQSET_TOO_LONG);
	out[0] = '\0';
	if (set->dollar) {
		if (size < 2)
			return (IMAP_SEQSET_TOO_LONG);
		out[0] = '$';
		out[1] = '\0';
		*len_r = 1;
		return (IMAP_SEQSET_OK);
	}
	if (set->count == 0)
		return (IMAP_SEQSET_EMPTY);
	for (i = 0; i < set->count && st == IMAP_SEQSET_OK; i++) {
		const struct imap_seq_range *r = &set->ranges[i];

		if (i > 0) {
			if (size - len < 2) {
				st = IMAP_SEQSET_TOO_LONG;
				break;
			}
			out[len++] = ',';
			out[len] = '\0';
		}
		if (!put_number(out, size, &len, r->lo))
			st = IMAP_SEQSET_TOO_LONG;
		else if (r->hi != r->lo) {
			if (size - len < 2)
				st = IMAP_SEQSET_TOO_LONG;
			else {
				out[len++] = ':';
				out[len] = '\0';
				if (!put_number(out, size, &len, r->hi))
					st = IMAP_SEQSET_TOO_LONG;
			}
		}
	}
	if (st != IMAP_SEQSET_OK) {
		out[0] = '\0';
		return (st);
	}
	*len_r = len;
	return (IMAP_SEQSET_OK);
}

/* imap_seqset_status_name - a status as a word */
const char *
imap_seqset_status_name(enum imap_seqset_status st)
{
	switch (st) {
	case IMAP_SEQSET_OK:
		return ("ok");
	case IMAP_SEQSET_EMPTY:
		return ("empty");
	case IMAP_SEQSET_BAD_SYNTAX:
		return ("bad-syntax");
	case IMAP_SEQSET_ZERO:
		return ("zero");
	case IMAP_SEQSET_TOO_BIG:
		return ("too-big");
	case IMAP_SEQSET_TOO_MANY:
		return ("too-many");
	case IMAP_SEQSET_DOLLAR:
		return ("dollar");
	case IMAP_SEQSET_TOO_LONG:
		return ("too-long");
	}
	return ("unknown");
}
