/*
 * check_imap_search - unit tests for common/imap_search.c.
 *
 * Search arguments are written as IMAP text and turned into an argument
 * tree by the real command parser (common/imap_parse.h), then compiled.
 * A table of programs checks the status (every key, and malformed ones:
 * missing arguments, bad dates, numbers, sets, strings, charsets) and
 * what the program says it needs; the bounds are tried at their exact
 * edges. A table of evaluations runs each program over a corpus of six
 * fake messages whose headers, text and Date: come from small callbacks
 * here (no MIME code), and compares the matches with a string of 0 and 1,
 * one per message. Further cases cover callback failures, laziness, and
 * case folding.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_date.h"
#include "imap_parse.h"
#include "imap_search.h"
#include "mem.h"
#include "sbuf.h"
#include "store.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define L(lit)		lit, sizeof(lit) - 1
#define NMSG		6

static const struct imap_parse_limits parse_limits = {
	4096,	/* literal_max */
	10000,	/* args_max */
	64,	/* depth_max */
	100000,	/* command_max */
};

static const struct imap_search_limits search_limits = {
	50,	/* keys_max */
	8,	/* depth_max */
	8,	/* ranges_max */
};

/*
 * compile - parse "T SEARCH <args>" (len bytes of args) and compile it;
 * the status, with *s_r set on success.
 */
static enum imap_search_status
compile(const char *args, size_t len, struct imap_search **s_r,
    const char **error_r)
{
	struct imap_parser *p = imap_parser_create(&parse_limits);
	const struct imap_arg *a;
	enum imap_parse_status pst;
	enum imap_search_status st;
	size_t count, used, pos = 0, n;
	char *line;

	n = len + 12;
	line = xmalloc(n);
	memcpy(line, "T SEARCH ", 9);
	memcpy(line + 9, args, len);
	memcpy(line + 9 + len, "\r\n", 2);
	n = len + 11;
	do {
		pst = imap_parser_feed(p, line + pos, n - pos, &used);
		pos += used;
	} while (pst == IMAP_PARSE_LITERAL);
	ck_assert_msg(pst == IMAP_PARSE_OK, "command parser: %s for %s",
	    imap_parse_status_name(pst), args);
	a = imap_parser_args(p, &count);
	*error_r = NULL;
	st = imap_search_parse(a, count, &search_limits, s_r, error_r);
	imap_parser_free(&p);
	free(line);
	return (st);
}

#define N_H	IMAP_SEARCH_NEED_HEADER
#define N_T	IMAP_SEARCH_NEED_TEXT
#define N_D	IMAP_SEARCH_NEED_SENT_DATE
#define OK(in, needs)	{ L(in), IMAP_SEARCH_OK, needs, 0 }
#define OKM(in, needs)	{ L(in), IMAP_SEARCH_OK, needs, 1 }
#define BAD(in, st)	{ L(in), IMAP_SEARCH_##st, 0, 0 }

static const struct {
	const char *in;
	size_t	len;
	enum imap_search_status want;
	int	needs;
	int	modseq;
} parse_cases[] = {
	OK("ALL", 0),
	OK("all", 0),
	OK("ANSWERED BCC x BEFORE 1-Feb-1994 BODY x CC x", N_H | N_T),
	OK("DELETED DRAFT FLAGGED FROM x HEADER X-Foo x", N_H),
	OK("KEYWORD $Forwarded LARGER 0 NEW NOT SEEN OLD ON 01-Feb-1994", 0),
	OK("OR SEEN RECENT SEEN SENTBEFORE 1-Feb-1994", N_D),
	OK("SENTON \"1-Feb-1994\" SENTSINCE 1-Feb-1994 SINCE 1-Feb-1994", N_D),
	OK("SMALLER 9223372036854775807 SUBJECT x TEXT x TO x", N_H | N_T),
	OK("UID 1:* UNANSWERED UNDELETED UNDRAFT UNFLAGGED UNKEYWORD a", 0),
	OK("UNSEEN 1:5,7,9:* *", 0),
	OKM("MODSEQ 0", 0),
	OKM("MODSEQ 9223372036854775807", 0),
	OKM("MODSEQ \"/flags/\\\\Seen\" all 5", 0),
	OKM("MODSEQ \"/flags/$Junk\" PRIV 5", 0),
	OKM("NOT (SEEN OR MODSEQ \"/flags/x\" shared 5 ALL)", 0),
	OK("CHARSET UTF-8 ALL", 0),
	OK("CHARSET us-ascii ALL", 0),
	OK("CHARSET \"UTF-8\" SUBJECT \"Gr\xc3\xbc\xc3\x9f" "e\"", N_H),
	OK("SUBJECT {3+}\r\nabc", N_H),
	OK("BODY \"\"", 0),
	OK("TEXT \"\" BODY x", N_T),
	OK("HEADER Subject \"\"", N_H),
	OK("NOT NOT NOT NOT NOT NOT NOT NOT SEEN", 0),
	OK("((((((((SEEN))))))))", 0),
	OK("OR SUBJECT x (BODY y)", N_H | N_T),
	OK("NOT SENTON 1-Jan-2000", N_D),
	OK("1,2,3,4,5,6,7,8", 0),
	/* malformed */
	BAD("", BAD_SYNTAX),
	BAD("FOO", BAD_SYNTAX),
	BAD("SEEN FOO", BAD_SYNTAX),
	BAD("\"SEEN\"", BAD_SYNTAX),
	BAD("NIL", BAD_SYNTAX),
	BAD("SUBJECT", BAD_SYNTAX),
	BAD("SUBJECT (x)", BAD_SYNTAX),
	BAD("HEADER From", BAD_SYNTAX),
	BAD("HEADER", BAD_SYNTAX),
	BAD("HEADER \"\" x", BAD_STRING),
	BAD("HEADER \"a:b\" x", BAD_STRING),
	BAD("HEADER \"a b\" x", BAD_STRING),
	BAD("SUBJECT {3+}\r\n\xff\xfe\xfd", BAD_STRING),
	BAD("SUBJECT {3+}\r\na\0b", BAD_STRING),
	BAD("BEFORE", BAD_SYNTAX),
	BAD("BEFORE 31-Feb-2020", BAD_DATE),
	BAD("BEFORE Feb-1-2020", BAD_DATE),
	BAD("SINCE 1-Feb-1994x", BAD_DATE),
	BAD("ON \"1-Feb-1994 00:00:00 +0000\"", BAD_DATE),
	BAD("SENTON (1-Feb-1994)", BAD_SYNTAX),
	BAD("LARGER", BAD_SYNTAX),
	BAD("LARGER x", BAD_SYNTAX),
	BAD("LARGER -1", BAD_SYNTAX),
	BAD("SMALLER \"5\"", BAD_SYNTAX),
	BAD("SMALLER 9223372036854775808", BAD_SYNTAX),
	BAD("KEYWORD", BAD_SYNTAX),
	BAD("KEYWORD \\Seen", BAD_SYNTAX),
	BAD("KEYWORD \"x\"", BAD_SYNTAX),
	BAD("UNKEYWORD a*", BAD_SYNTAX),
	BAD("UID", BAD_SYNTAX),
	BAD("UID x", BAD_SET),
	BAD("UID 0", BAD_SET),
	BAD("UID 1:x", BAD_SET),
	BAD("UID \"1\"", BAD_SYNTAX),
	BAD("1,,2", BAD_SET),
	BAD("4294967296", BAD_SET),
	BAD("$", BAD_SET),
	BAD("1,2,3,4,5,6,7,8,9", BAD_SET),
	BAD("NOT", BAD_SYNTAX),
	BAD("OR SEEN", BAD_SYNTAX),
	BAD("OR", BAD_SYNTAX),
	BAD("()", BAD_SYNTAX),
	BAD("SEEN (FLAGGED ())", BAD_SYNTAX),
	BAD("MODSEQ", BAD_SYNTAX),
	BAD("MODSEQ x", BAD_SYNTAX),
	BAD("MODSEQ 9223372036854775808", BAD_SYNTAX),
	BAD("MODSEQ \"/flags/\\\\Seen\" bogus 5", BAD_SYNTAX),
	BAD("MODSEQ \"/flags/\\\\Seen\" all", BAD_SYNTAX),
	BAD("MODSEQ \"/other/x\" all 5", BAD_SYNTAX),
	BAD("MODSEQ \"/flags/\" all 5", BAD_SYNTAX),
	BAD("CHARSET", BAD_SYNTAX),
	BAD("CHARSET UTF-8", BAD_SYNTAX),
	BAD("CHARSET (UTF-8) ALL", BAD_SYNTAX),
	BAD("ALL CHARSET UTF-8", BAD_SYNTAX),
	BAD("CHARSET ISO-8859-1 ALL", BADCHARSET),
	BAD("CHARSET UTF-8x ALL", BADCHARSET),
	BAD("CHARSET \"UTF-8\\\\\" ALL", BADCHARSET),
	BAD("CHARSET {6+}\r\nUTF-8\0 ALL", BADCHARSET),
	BAD("NOT NOT NOT NOT NOT NOT NOT NOT NOT SEEN", TOO_DEEP),
	BAD("(((((((((SEEN)))))))))", TOO_DEEP),
	BAD("OR (((((((SEEN))))))) (((((((((SEEN)))))))))", TOO_DEEP),
};

/* test_parse - one program: status, error text, needs, modseq */
START_TEST(test_parse)
{
	struct imap_search *s = NULL;
	const char *error;
	enum imap_search_status st;

	st = compile(parse_cases[_i].in, parse_cases[_i].len, &s, &error);
	ck_assert_msg(st == parse_cases[_i].want, "%s: got %s, want %s (%s)",
	    parse_cases[_i].in, imap_search_status_name(st),
	    imap_search_status_name(parse_cases[_i].want),
	    error ? error : "");
	if (st != IMAP_SEARCH_OK) {
		ck_assert_msg(s == NULL, "%s: program on failure",
		    parse_cases[_i].in);
		ck_assert_msg(error != NULL && *error != '\0',
		    "%s: no error text", parse_cases[_i].in);
		return;
	}
	ck_assert_msg(imap_search_needs(s) == parse_cases[_i].needs,
	    "%s: needs %d, want %d", parse_cases[_i].in,
	    imap_search_needs(s), parse_cases[_i].needs);
	ck_assert_msg(imap_search_uses_modseq(s) == parse_cases[_i].modseq,
	    "%s: modseq %d", parse_cases[_i].in, imap_search_uses_modseq(s));
	imap_search_free(&s);
	ck_assert(s == NULL);
	imap_search_free(&s);
}
END_TEST

/* repeat - word n times, blank-separated, with prefix and suffix */
static char *
repeat(const char *prefix, const char *word, size_t n, const char *suffix)
{
	struct sbuf *b = sbuf_new(0);
	char *r;
	size_t i;

	sbuf_appends(b, prefix);
	for (i = 0; i < n; i++)
		sbuf_appends(b, word);
	sbuf_appends(b, suffix);
	r = xstrdup(sbuf_str(b));
	sbuf_free(&b);
	return (r);
}

/* test_limits - the key count and depth at their exact edges */
START_TEST(test_limits)
{
	struct imap_search *s = NULL;
	const char *error;
	char *in;

	in = repeat("", "SEEN ", 50, "ALL");	/* 51 keys */
	ck_assert(compile(in, strlen(in), &s, &error) == IMAP_SEARCH_TOO_MANY);
	ck_assert_str_eq(error, "Too many search keys");
	free(in);
	in = repeat("", "SEEN ", 49, "ALL");
	ck_assert(compile(in, strlen(in), &s, &error) == IMAP_SEARCH_OK);
	imap_search_free(&s);
	free(in);
	/* a list and OR count as keys too: 2 + 48 + 1 = 51 */
	in = repeat("(OR ", "SEEN ", 48, "ALL)");
	ck_assert(compile(in, strlen(in), &s, &error) == IMAP_SEARCH_TOO_MANY);
	free(in);
	in = repeat("(OR ", "SEEN ", 47, "ALL)");
	ck_assert(compile(in, strlen(in), &s, &error) == IMAP_SEARCH_OK);
	imap_search_free(&s);
	free(in);
	/* 1000 NOTs stop at the depth bound, not the stack */
	in = repeat("", "NOT ", 1000, "ALL");
	ck_assert(compile(in, strlen(in), &s, &error) == IMAP_SEARCH_TOO_DEEP);
	free(in);
	ck_assert(compile(L("FOOBAR"), &s, &error) == IMAP_SEARCH_BAD_SYNTAX);
	ck_assert_str_eq(error, "Unknown search key: FOOBAR");
	ck_assert(compile(L("SUBJECT"), &s, &error) == IMAP_SEARCH_BAD_SYNTAX);
	ck_assert_str_eq(error, "Missing argument for SUBJECT");
}
END_TEST

/*
 * The corpus.
 */
struct fake_hdr {
	const char *name, *value;
};

struct fake {
	uint32_t uid;
	unsigned flags;
	int	recent;
	const char *keywords;
	const char *idate;
	uint64_t size, modseq;
	struct fake_hdr hdrs[6];
	const char *body;
	int	fail;		/* callbacks return -1 */
	int	calls;		/* callbacks made */
};

static struct fake corpus[NMSG] = {
	{ 10, STORE_FLAG_SEEN | STORE_FLAG_ANSWERED, 0, "$Forwarded Work",
	    "01-Feb-1994 23:30:00 -0800", 1000, 5,
	    { { "From", "Alice <alice@example.org>" },
	      { "To", "bob@example.com" },
	      { "Subject", "Hello World" },
	      { "Date", "Tue, 1 Feb 1994 21:52:25 -0800" } },
	    "The quick brown fox", 0, 0 },
	{ 20, STORE_FLAG_FLAGGED, 1, "", "15-Mar-2020 12:00:00 +0000", 5000,
	    10,
	    { { "From", "J\xc3\xb6rg M\xc3\xbcller <joerg@example.de>" },
	      { "Cc", "carol@example.net" },
	      { "Subject", "Gr\xc3\xbc\xc3\x9f" "e aus M\xc3\x9cNCHEN" },
	      { "Date", "Sun, 15 Mar 2020 01:00:00 +1400" } },
	    "Stra\xc3\x9f" "e in der \xc3\x89T\xc3\x89-Zeit", 0, 0 },
	{ 30, STORE_FLAG_DELETED | STORE_FLAG_SEEN, 1, "work",
	    "16-Mar-2020 00:30:00 +0100", 200, 7,
	    { { "From", "bob@example.com" },
	      { "Bcc", "secret@example.com" },
	      { "X-Mailer", "" },
	      { "Subject", "Re: hello" } },
	    "\xce\x9a\xce\x91\xce\x9b\xce\x97\xce\x9c\xce\x95\xce\xa1\xce\x91 "
	    "k\xcf\x8csme", 0, 0 },
	{ 35, STORE_FLAG_DRAFT, 0, NULL, "01-Jan-2021 00:00:00 +0000", 5001,
	    12,
	    { { "From", "Zo\xc3\xab <zoe@example.org>" },
	      { "To", "\xd0\x94\xd0\xbc\xd0\xb8\xd1\x82\xd1\x80\xd0\xb8\xd0\xb9"
		" <d@example.ru>" },
	      { "Subject", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82" },
	      { "Date", "1 Jan 2021 00:00 +0000" } },
	    "nothing here", 0, 0 },
	{ 40, 0, 0, "$Junk", "31-Dec-2020 23:59:59 -0500", 4999, 1,
	    { { "Received", "from a" },
	      { "Received", "from b" },
	      { "X-Tag", "needle-in-header" },
	      { "Date", "Thu, 31 Dec 2020 23:00:00 -0500" } },
	    "", 0, 0 },
	{ 100, STORE_FLAG_SEEN, 1, "Work $Forwarded",
	    "02-Jan-2021 10:00:00 +0000", 5000, 100,
	    { { "From", "alice@example.org" },
	      { "To", "ALICE@EXAMPLE.ORG" },
	      { "Subject", "Temp 5 \xe2\x84\xaa" },
	      { "Date", "Sat, 2 Jan 2021 10:00:00 +0000" } },
	    "Payment of 100 EUR", 0, 0 },
};

/* fake_header - the values of a field, joined by "\n" */
static int
fake_header(void *ctx, const char *name, struct sbuf *out)
{
	struct fake *f = ctx;
	size_t i;
	int found = 0;

	f->calls++;
	if (f->fail)
		return (-1);
	for (i = 0; i < NELEM(f->hdrs) && f->hdrs[i].name != NULL; i++) {
		if (strcasecmp(f->hdrs[i].name, name) != 0)
			continue;
		if (found++)
			sbuf_appendc(out, '\n');
		sbuf_appends(out, f->hdrs[i].value);
	}
	return (found > 0);
}

/* fake_text - the body, or the header lines and the body */
static int
fake_text(void *ctx, int body_only, const char *needle)
{
	struct fake *f = ctx;
	struct sbuf *b = sbuf_new(0);
	size_t i;
	int r;

	f->calls++;
	if (f->fail) {
		sbuf_free(&b);
		return (-1);
	}
	for (i = 0; !body_only && i < NELEM(f->hdrs)
	    && f->hdrs[i].name != NULL; i++)
		sbuf_appendf(b, "%s: %s\n", f->hdrs[i].name, f->hdrs[i].value);
	if (!body_only)
		sbuf_appendc(b, '\n');
	sbuf_appends(b, f->body);
	r = imap_search_text_contains(sbuf_str(b), sbuf_len(b), needle,
	    strlen(needle));
	sbuf_free(&b);
	return (r);
}

/* fake_sent_date - the Date: field */
static int
fake_sent_date(void *ctx, time_t *t_r, int *zone_r)
{
	struct fake *f = ctx;
	int64_t t;
	size_t i;

	f->calls++;
	if (f->fail)
		return (-1);
	for (i = 0; i < NELEM(f->hdrs) && f->hdrs[i].name != NULL; i++)
		if (strcmp(f->hdrs[i].name, "Date") == 0) {
			if (imap_date_rfc5322_parse(f->hdrs[i].value,
			    strlen(f->hdrs[i].value), &t, zone_r)
			    != IMAP_DATE_OK)
				return (0);
			*t_r = (time_t)t;
			return (1);
		}
	return (0);
}

/* fake_msg - the search view of corpus message seq (1-based) */
static void
fake_msg(struct fake *f, uint32_t seq, struct imap_search_msg *m)
{
	int64_t t;

	memset(m, 0, sizeof(*m));
	m->seq = seq;
	m->uid = f->uid;
	m->max_seq = NMSG;
	m->max_uid = corpus[NMSG - 1].uid;
	m->flags = f->flags;
	m->recent = f->recent;
	m->keywords = f->keywords;
	ck_assert(imap_date_time_parse(f->idate, strlen(f->idate), &t,
	    &m->internal_zone_min) == IMAP_DATE_OK);
	m->internal_date = (time_t)t;
	m->size = f->size;
	m->modseq = f->modseq;
	m->header = fake_header;
	m->text = fake_text;
	m->sent_date = fake_sent_date;
	m->ctx = f;
}

static const struct {
	const char *in;
	const char *want;	/* per message: 1 match, 0 not */
} eval_cases[] = {
	{ "ALL", "111111" },
	{ "ANSWERED", "100000" },
	{ "UNANSWERED", "011111" },
	{ "DELETED", "001000" },
	{ "UNDELETED", "110111" },
	{ "DRAFT", "000100" },
	{ "UNDRAFT", "111011" },
	{ "FLAGGED", "010000" },
	{ "UNFLAGGED", "101111" },
	{ "SEEN", "101001" },
	{ "UNSEEN", "010110" },
	{ "RECENT", "011001" },
	{ "NEW", "010000" },
	{ "OLD", "100110" },
	{ "KEYWORD work", "101001" },
	{ "KEYWORD $forwarded", "100001" },
	{ "UNKEYWORD WORK", "010110" },
	{ "KEYWORD $Junk", "000010" },
	{ "KEYWORD Wor", "000000" },
	{ "LARGER 4999", "010101" },
	{ "LARGER 5001", "000000" },
	{ "SMALLER 1000", "001000" },
	{ "SMALLER 1001", "101000" },
	/* internal date: the day in its own zone */
	{ "ON 1-Feb-1994", "100000" },
	{ "ON 2-Feb-1994", "000000" },
	{ "ON 15-Mar-2020", "010000" },
	{ "ON 16-Mar-2020", "001000" },
	{ "ON 31-Dec-2020", "000010" },
	{ "BEFORE 1-Jan-2021", "111010" },
	{ "SINCE 01-Jan-2021", "000101" },
	{ "SINCE \"16-Mar-2020\"", "001111" },
	/* Date: header, its day in its own zone; none in message 3 */
	{ "SENTON 15-Mar-2020", "010000" },
	{ "SENTON 14-Mar-2020", "000000" },
	{ "SENTBEFORE 1-Jan-2021", "110010" },
	{ "SENTSINCE 1-Jan-2021", "000101" },
	{ "NOT SENTON 1-Jan-2021", "111011" },
	{ "SENTSINCE 1-Jan-1900", "110111" },
	/* headers */
	{ "FROM alice", "100001" },
	{ "FROM ALICE", "100001" },
	{ "FROM \"m\xc3\xbcller\"", "010000" },
	{ "FROM \"M\xc3\x9cLLER\"", "010000" },
	{ "FROM \"zo\xc3\x8b\"", "000100" },
	{ "TO \"\xd0\x94\xd0\x9c\xd0\x98\xd0\xa2\xd0\xa0\xd0\x98\xd0\x99\"",
	    "000100" },
	{ "TO alice@example.org", "000001" },
	{ "TO bob", "100000" },
	{ "CC carol", "010000" },
	{ "BCC secret", "001000" },
	{ "SUBJECT hello", "101000" },
	{ "SUBJECT \"GR\xc3\x9cSSE\"", "000000" },
	{ "SUBJECT \"GR\xc3\x9c\xe1\xba\x9e" "E\"", "010000" },
	{ "SUBJECT \"m\xc3\xbcnchen\"", "010000" },
	{ "SUBJECT \"\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2\"",
	    "000100" },
	{ "SUBJECT \"temp 5 k\"", "000001" },
	{ "SUBJECT \"\"", "111101" },
	{ "HEADER X-Mailer \"\"", "001000" },
	{ "HEADER x-tag NEEDLE", "000010" },
	{ "HEADER Received \"from b\"", "000010" },
	{ "HEADER RECEIVED \"from\"", "000010" },
	{ "HEADER Date -0800", "100000" },
	/* text */
	{ "BODY fox", "100000" },
	{ "BODY FOX", "100000" },
	{ "BODY \"STRA\xc3\x9f" "E\"", "010000" },
	{ "BODY \"\xc3\xa9t\xc3\xa9\"", "010000" },
	{ "BODY \"\xce\xba\xce\xb1\xce\xbb\xce\xb7\xce\xbc\xce\xb5\xcf\x81"
	    "\xce\xb1\"", "001000" },
	{ "BODY \"K\xcf\x8cSME\"", "001000" },
	{ "BODY alice", "000000" },
	{ "TEXT alice", "100001" },
	{ "TEXT needle", "000010" },
	{ "BODY \"\"", "111111" },
	{ "TEXT \"\"", "111111" },
	{ "TEXT {3+}\r\nEUR", "000001" },
	/* sequence sets and UIDs */
	{ "1", "100000" },
	{ "2:4", "011100" },
	{ "*", "000001" },
	{ "5:*", "000011" },
	{ "*:5", "000011" },
	{ "1,3,5", "101010" },
	{ "4:2,6", "011101" },
	{ "7:*", "000001" },
	{ "7:9", "000000" },
	{ "UID 30", "001000" },
	{ "UID 20:35", "011100" },
	{ "UID *", "000001" },
	{ "UID 36:*", "000011" },
	{ "UID 101:*", "000001" },
	{ "UID 1:9", "000000" },
	{ "UID 40,10", "100010" },
	/* MODSEQ: at least n */
	{ "MODSEQ 10", "010101" },
	{ "MODSEQ \"/flags/\\\\Seen\" all 7", "011101" },
	{ "MODSEQ 0", "111111" },
	{ "MODSEQ 101", "000000" },
	/* boolean combinations */
	{ "OR SEEN FLAGGED", "111001" },
	{ "NOT SEEN", "010110" },
	{ "NOT NOT SEEN", "101001" },
	{ "OR (SEEN DELETED) DRAFT", "001100" },
	{ "NOT (SEEN RECENT)", "110110" },
	{ "OR OR ANSWERED DRAFT DELETED", "101100" },
	{ "OR ANSWERED OR DRAFT DELETED", "101100" },
	{ "NOT OR SEEN RECENT", "000110" },
	{ "SEEN FROM alice", "100001" },
	{ "(FROM alice) (SMALLER 2000)", "100000" },
	{ "OR NOT SEEN UID 10", "110110" },
	{ "1:3 NOT 2", "101000" },
	{ "OR (SUBJECT hello NOT 3) (LARGER 4999 NOT TO alice)", "110100" },
	{ "CHARSET UTF-8 SUBJECT \"M\xc3\xbcnchen\"", "010000" },
	{ "CHARSET US-ASCII NOT ALL", "000000" },
};

/* test_eval - one program over the corpus */
START_TEST(test_eval)
{
	struct imap_search *s = NULL;
	struct imap_search_msg m;
	const char *error;
	char got[NMSG + 1];
	uint32_t i;
	int r;

	ck_assert_msg(compile(eval_cases[_i].in, strlen(eval_cases[_i].in),
	    &s, &error) == IMAP_SEARCH_OK, "%s: %s", eval_cases[_i].in,
	    error);
	for (i = 0; i < NMSG; i++) {
		fake_msg(&corpus[i], i + 1, &m);
		r = imap_search_match(s, &m);
		ck_assert_msg(r == 0 || r == 1, "%s: message %u: %d",
		    eval_cases[_i].in, i + 1, r);
		got[i] = (char)('0' + r);
	}
	got[NMSG] = '\0';
	ck_assert_msg(strcmp(got, eval_cases[_i].want) == 0,
	    "%s: got %s, want %s", eval_cases[_i].in, got,
	    eval_cases[_i].want);
	imap_search_free(&s);
}
END_TEST

static const struct {
	const char *in;
	uint32_t msg;		/* corpus index */
	int	want;		/* with failing callbacks */
	int	calls;		/* callbacks made */
} fail_cases[] = {
	{ "SUBJECT x", 0, -1, 1 },
	{ "NOT SUBJECT x", 0, -1, 1 },
	{ "BODY x", 0, -1, 1 },
	{ "SENTON 1-Feb-1994", 0, -1, 1 },
	{ "SENTON 1-Feb-1994 SENTBEFORE 1-Feb-2000", 0, -1, 1 },
	{ "BODY \"\"", 0, 1, 0 },
	/* a cheap key decides first, in any order */
	{ "SUBJECT x UNSEEN", 0, 0, 0 },
	{ "OR BODY x SEEN", 0, 1, 0 },
	{ "SUBJECT x SEEN", 0, -1, 1 },
	/* an error that does not decide */
	{ "OR SUBJECT x (SEEN FROM y)", 0, -1, 2 },
	{ "SUBJECT x NOT BODY y", 0, -1, 2 },
	{ "OR SUBJECT x 1", 0, 1, 0 },
	{ "(SUBJECT x BODY y) 2", 0, 0, 0 },
};

/* test_fail - failing callbacks, and which are called */
START_TEST(test_fail)
{
	struct imap_search *s = NULL;
	struct imap_search_msg m;
	struct fake f = corpus[fail_cases[_i].msg];
	const char *error;
	int r;

	ck_assert(compile(fail_cases[_i].in, strlen(fail_cases[_i].in), &s,
	    &error) == IMAP_SEARCH_OK);
	f.fail = 1;
	f.calls = 0;
	fake_msg(&f, fail_cases[_i].msg + 1, &m);
	r = imap_search_match(s, &m);
	ck_assert_msg(r == fail_cases[_i].want
	    && f.calls == fail_cases[_i].calls,
	    "%s: got %d after %d calls, want %d after %d", fail_cases[_i].in,
	    r, f.calls, fail_cases[_i].want, fail_cases[_i].calls);
	/* no callbacks at all: the same answers */
	m.header = NULL;
	m.text = NULL;
	m.sent_date = NULL;
	r = imap_search_match(s, &m);
	ck_assert_msg(r == fail_cases[_i].want, "%s: NULL callbacks: %d",
	    fail_cases[_i].in, r);
	imap_search_free(&s);
}
END_TEST

/* test_sent_once - the Date: header is asked once per message */
START_TEST(test_sent_once)
{
	struct imap_search *s = NULL;
	struct imap_search_msg m;
	struct fake f = corpus[0];
	const char *error;

	ck_assert(compile(L("SENTSINCE 1-Jan-1990 SENTBEFORE 1-Jan-2000 "
	    "NOT SENTON 2-Feb-1994"), &s, &error) == IMAP_SEARCH_OK);
	f.calls = 0;
	fake_msg(&f, 1, &m);
	ck_assert_int_eq(imap_search_match(s, &m), 1);
	ck_assert_int_eq(f.calls, 1);
	imap_search_free(&s);
}
END_TEST

static const struct {
	const char *in, *want;
} fold_cases[] = {
	{ "", "" },
	{ "ABC xyz 09 @[`{", "abc xyz 09 @[`{" },
	/* À Þ × ß ÿ */
	{ "\xc3\x80\xc3\x9e\xc3\x97\xc3\x9f\xc3\xbf",
	    "\xc3\xa0\xc3\xbe\xc3\x97\xc3\x9f\xc3\xbf" },
	/* Ā Ĺ Ÿ Ž ſ */
	{ "\xc4\x80\xc4\xb9\xc5\xb8\xc5\xbd\xc5\xbf",
	    "\xc4\x81\xc4\xba\xc3\xbf\xc5\xbes" },
	{ "\xc4\xb0\xc4\xb1",				/* İ ı kept */
	    "\xc4\xb0\xc4\xb1" },
	{ "\xce\x86\xce\xa3\xcf\x82\xce\x8f",		/* Ά Σ ς Ώ */
	    "\xce\xac\xcf\x83\xcf\x83\xcf\x8e" },
	{ "\xd0\x81\xd0\xaf",				/* Ё Я */
	    "\xd1\x91\xd1\x8f" },
	{ "\xe1\xba\xa0\xe1\xba\x9e",			/* Ạ ẞ */
	    "\xe1\xba\xa1\xc3\x9f" },
	{ "\xe2\x84\xaa\xe2\x84\xab\xe2\x84\xa6\xc2\xb5", /* K Å Ω µ */
	    "k\xc3\xa5\xcf\x89\xce\xbc" },
	{ "A\xff" "B\xc3", "a\xff" "b\xc3" },	/* malformed kept */
	{ "\xe2\x82\xac\xf0\x9f\x98\x80", "\xe2\x82\xac\xf0\x9f\x98\x80" },
};

/* test_fold - folding in place */
START_TEST(test_fold)
{
	size_t n = strlen(fold_cases[_i].in);
	char *buf = xmalloc(n + 1);

	memcpy(buf, fold_cases[_i].in, n);
	n = imap_search_fold(buf, n);
	buf[n] = '\0';
	ck_assert_msg(strcmp(buf, fold_cases[_i].want) == 0, "case %d: %s",
	    _i, buf);
	free(buf);
}
END_TEST

/* test_contains - folded substring search */
START_TEST(test_contains)
{
	ck_assert(imap_search_text_contains(L("abc"), L("")));
	ck_assert(imap_search_text_contains("", 0, L("")));
	ck_assert(!imap_search_text_contains("", 0, L("a")));
	ck_assert(imap_search_text_contains(L("xxABCxx"), L("abc")));
	ck_assert(imap_search_text_contains(L("aab"), L("ab")));
	ck_assert(!imap_search_text_contains(L("AB"), L("abc")));
	ck_assert(imap_search_text_contains(L("x\0ABC"), L("abc")));
	ck_assert(imap_search_text_contains(L("\xff" "ABC"), L("abc")));
	/* a needle byte never matches inside a longer character */
	ck_assert(!imap_search_text_contains(L("\xc3\xa9"), L("\xa9")));
	/* long s and KELVIN fold to ASCII */
	ck_assert(imap_search_text_contains(L("\xc5\xbfpe\xe2\x84\xaa"),
	    L("spek")));
	ck_assert(imap_search_text_contains(L("\xc3\x89T\xc3\x89"),
	    L("\xc3\xa9t\xc3\xa9")));
	/* truncated at the end */
	ck_assert(!imap_search_text_contains(L("ab\xc3"), L("ab\xc3\xa9")));
}
END_TEST

/* imap_search_suite - the test suite */
static Suite *
imap_search_suite(void)
{
	Suite *s = suite_create("imap_search");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse, 0, NELEM(parse_cases));
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("eval");
	tcase_add_loop_test(tc, test_eval, 0, NELEM(eval_cases));
	tcase_add_loop_test(tc, test_fail, 0, NELEM(fail_cases));
	tcase_add_test(tc, test_sent_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("fold");
	tcase_add_loop_test(tc, test_fold, 0, NELEM(fold_cases));
	tcase_add_test(tc, test_contains);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(imap_search_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
