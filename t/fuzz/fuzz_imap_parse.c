/*
 * fuzz_imap_parse - libFuzzer harness for the IMAP parsers: imap_parse.c,
 * imap_seqset.c, mutf7.c and imap_date.c.
 *
 * The first input byte picks the target (unless FUZZ_TARGET is defined at
 * build time, which fixes it), the second holds options; the rest is the
 * input, parsed from exact-size copies so the sanitizers catch a read
 * past the end. Beyond their checks, results must hold together, else the
 * harness aborts:
 *
 *   0 command	the command parser, with limits picked by the option byte
 *		(tiny ones reach every bound), reports the same events and
 *		the same trees whole, a byte at a time and in chunks of the
 *		option's size; used never exceeds what was fed; MORE uses
 *		everything; a failed parser sticks only for nonsync-too-big.
 *   1 seqset	a parsed set formats and parses back to the same text;
 *		normalising keeps membership and leaves sorted, disjoint
 *		ranges whose count matches iteration.
 *   2 mutf7	a name that decodes encodes back to itself; UTF-8 that
 *		encodes decodes back to itself.
 *   3 date	each date form that parses formats and parses back to the
 *		same time (date-time and date); the RFC 5322 parser is run
 *		for its crashes only.
 *
 * Not built by default: see README.md beside it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_date.h"
#include "imap_parse.h"
#include "imap_seqset.h"
#include "mutf7.h"

#define TARGETS	4

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort, for the fuzzer to report, unless cond holds */
static void
check(int cond)
{
	if (!cond)
		abort();
}

/* copy - an exact-size heap copy of n bytes (free it) */
static char *
copy(const char *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	check(c != NULL);
	memcpy(c, p, n);
	return (c);
}

/* A growing transcript of parser events. */
struct text {
	char	*buf;
	size_t	len, size;
};

/* text_put - append n bytes */
static void
text_put(struct text *t, const void *p, size_t n)
{
	if (t->len + n + 1 > t->size) {
		t->size = (t->len + n + 1) * 2;
		t->buf = realloc(t->buf, t->size);
		check(t->buf != NULL);
	}
	memcpy(t->buf + t->len, p, n);
	t->len += n;
}

/* text_num - append a number and a separator */
static void
text_num(struct text *t, unsigned long long v)
{
	char b[32];
	int n = snprintf(b, sizeof(b), "%llu;", v);

	check(n > 0 && (size_t)n < sizeof(b));
	text_put(t, b, (size_t)n);
}

/* text_args - append a tree, checking its shape */
static void
text_args(struct text *t, const struct imap_arg *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		check(a[i].str != NULL && a[i].str[a[i].len] == '\0');
		check((a[i].count == 0) == (a[i].list == NULL));
		text_num(t, a[i].type);
		text_num(t, a[i].len);
		text_put(t, a[i].str, a[i].len);
		text_num(t, a[i].nonsync);
		if (a[i].type == IMAP_ARG_SECTION) {
			text_put(t, a[i].section, a[i].section_len);
			text_num(t, a[i].partial);
			text_num(t, a[i].partial_offset);
			text_num(t, a[i].partial_length);
		} else
			check(a[i].type != IMAP_ARG_LIST || a[i].len == 0);
		text_num(t, a[i].count);
		text_args(t, a[i].list, a[i].count);
	}
}

/* run - feed in pieces of chunk bytes (0: all), writing the events */
static void
run(const struct imap_parse_limits *lim, const char *in, size_t len,
    size_t chunk, struct text *t)
{
	struct imap_parser *p = imap_parser_create(lim);
	const struct imap_arg *a;
	enum imap_parse_status st;
	size_t pos = 0, n, used, size, count;
	int sync;

	t->len = 0;
	while (pos < len) {
		n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
		st = imap_parser_feed(p, in + pos, n, &used);
		check(used <= n);
		pos += used;
		if (st == IMAP_PARSE_MORE) {
			check(used == n);
			continue;
		}
		text_num(t, st);
		if (st == IMAP_PARSE_LITERAL) {
			imap_parser_literal(p, &size, &sync);
			check(size <= lim->literal_max);
			text_num(t, size);
			text_num(t, sync);
			continue;
		}
		check(imap_parse_status_reply(st) != IMAP_REPLY_NONE
		    || st == IMAP_PARSE_OK);
		text_put(t, imap_parser_tag(p), strlen(imap_parser_tag(p)));
		text_put(t, ";", 1);
		if (st == IMAP_PARSE_NONSYNC_TOO_BIG) {
			check(imap_parser_feed(p, "a", 1, &used) == st
			    && used == 0);
			break;
		}
		if (st == IMAP_PARSE_OK) {
			text_put(t, imap_parser_command(p),
			    strlen(imap_parser_command(p)));
			a = imap_parser_args(p, &count);
			text_num(t, count);
			text_args(t, a, count);
		}
	}
	imap_parser_free(&p);
}

/* fuzz_command - the command parser three ways */
static void
fuzz_command(int opt, const char *in, size_t len)
{
	struct imap_parse_limits lim;
	struct text whole = { NULL, 0, 0 }, other = { NULL, 0, 0 };

	if (opt & 0x80) {
		lim.literal_max = 8;
		lim.args_max = 6;
		lim.depth_max = 2;
		lim.command_max = 40;
	} else {
		lim.literal_max = 65536;
		lim.args_max = 1000;
		lim.depth_max = 20;
		lim.command_max = 100000;
	}
	run(&lim, in, len, 0, &whole);
	run(&lim, in, len, 1, &other);
	check(whole.len == other.len
	    && memcmp(whole.buf, other.buf, whole.len) == 0);
	run(&lim, in, len, (size_t)(opt & 0x7f) + 2, &other);
	check(whole.len == other.len
	    && memcmp(whole.buf, other.buf, whole.len) == 0);
	free(whole.buf);
	free(other.buf);
}

/* fuzz_seqset - parse, format, normalise */
static void
fuzz_seqset(int opt, const char *in, size_t len)
{
	struct imap_seq_range r[16], r2[16];
	struct imap_seqset set, again;
	struct imap_seqset_iter it;
	char out[512];
	size_t n, i;
	uint32_t max = (uint32_t)opt * 1000, v, prev = 0;
	uint64_t iterated = 0;

	imap_seqset_init(&set, r, 16);
	imap_seqset_init(&again, r2, 16);
	if (imap_seqset_parse(in, len, IMAP_SEQSET_ALLOW_DOLLAR, &set)
	    != IMAP_SEQSET_OK)
		return;
	check(imap_seqset_format(&set, out, sizeof(out), &n)
	    == IMAP_SEQSET_OK);
	check(imap_seqset_parse(out, n, IMAP_SEQSET_ALLOW_DOLLAR, &again)
	    == IMAP_SEQSET_OK && again.count == set.count);
	check(memcmp(r, r2, set.count * sizeof(r[0])) == 0);
	for (v = 0; v < 50; v++)
		check(imap_seqset_contains(&set, v, max)
		    == imap_seqset_contains(&again, v, max));
	imap_seqset_normalise(&again, max);
	for (i = 1; i < again.count; i++)
		check(r2[i].lo > r2[i - 1].hi + 1ULL);
	for (v = 0; v < 50; v++)
		check(imap_seqset_contains(&set, v, max)
		    == imap_seqset_contains(&again, v, max));
	if (imap_seqset_count(&again) > 100000)
		return;
	imap_seqset_iter_init(&it, &again);
	while (imap_seqset_iter_next(&it, &v)) {
		check(iterated == 0 || v > prev);
		prev = v;
		iterated++;
	}
	check(iterated == imap_seqset_count(&again));
}

/* fuzz_mutf7 - both directions round trip */
static void
fuzz_mutf7(const char *in, size_t len)
{
	char a[1024], b[1024];
	size_t na, nb;

	if (mutf7_decode(in, len, a, sizeof(a), &na) == MUTF7_OK) {
		check(mutf7_encode(a, na, b, sizeof(b), &nb) == MUTF7_OK);
		check(nb == len && memcmp(b, in, len) == 0);
	}
	if (mutf7_encode(in, len, a, sizeof(a), &na) == MUTF7_OK) {
		check(mutf7_decode(a, na, b, sizeof(b), &nb) == MUTF7_OK);
		check(nb == len && memcmp(b, in, len) == 0);
	}
}

/* fuzz_date - parse and format agree */
static void
fuzz_date(const char *in, size_t len)
{
	char out[IMAP_DATE_TIME_SIZE];
	int64_t t, back, day;
	int zone, zback;

	if (imap_date_time_parse(in, len, &t, &zone) == IMAP_DATE_OK) {
		check(imap_date_time_format(t, zone, out) == IMAP_DATE_OK);
		check(imap_date_time_parse(out, strlen(out), &back, &zback)
		    == IMAP_DATE_OK && back == t && zback == zone);
	}
	if (imap_date_parse(in, len, &day) == IMAP_DATE_OK) {
		check(imap_date_format(day, out) == IMAP_DATE_OK);
		check(imap_date_parse(out, strlen(out), &back) == IMAP_DATE_OK
		    && back == day);
	}
	(void)imap_date_rfc5322_parse(in, len, &t, &zone);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in;
	int target, opt;
	size_t len;

	if (size < 2)
		return (0);
#ifdef FUZZ_TARGET
	target = FUZZ_TARGET;
#else
	target = data[0] % TARGETS;
#endif
	opt = data[1];
	len = size - 2;
	in = copy((const char *)data + 2, len);
	switch (target) {
	case 0:
		fuzz_command(opt, in, len);
		break;
	case 1:
		fuzz_seqset(opt, in, len);
		break;
	case 2:
		fuzz_mutf7(in, len);
		break;
	default:
		fuzz_date(in, len);
		break;
	}
	free(in);
	return (0);
}
