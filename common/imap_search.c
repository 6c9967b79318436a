/*
 * imap_search - compile IMAP SEARCH arguments into a tree of nodes and
 * evaluate it per message.
 *
 * The tree is built by recursive descent over the argument tree; depth is
 * bounded by the caller's limits before each descent, so neither parsing,
 * evaluation nor freeing can run deep. Strings are checked (UTF-8, no NUL)
 * and case-folded once at parse time; haystacks are folded on the fly
 * while matching, so nothing is allocated per comparison. Sequence sets
 * are split in two: the ranges without "*" are sorted and merged once and
 * searched by bisection, those with "*" (which depends on the mailbox) are
 * kept as sent and tested linearly. An AND or OR evaluates its cheap
 * operands (index data only) before those that need message content.
 * Nothing is logged.
 */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "errbuf.h"
#include "imap_date.h"
#include "imap_search.h"
#include "imap_seqset.h"
#include "mem.h"
#include "store.h"
#include "strnum.h"
#include "utf8.h"

enum node_type {
	N_ALL = 1,
	N_AND,			/* kids all match (list, top level) */
	N_OR,			/* two kids */
	N_NOT,			/* one kid */
	N_FLAG,			/* flag set (or clear with neg) */
	N_RECENT,
	N_NEW,			/* RECENT UNSEEN */
	N_OLD,			/* NOT RECENT */
	N_KEYWORD,		/* neg for UNKEYWORD */
	N_BEFORE, N_ON, N_SINCE,
	N_SENTBEFORE, N_SENTON, N_SENTSINCE,
	N_LARGER, N_SMALLER,
	N_HEADER,		/* name, value */
	N_BODY, N_TEXT,		/* value */
	N_SEQ, N_UID,		/* sets */
	N_MODSEQ,
};

struct node {
	enum node_type type;
	int	neg;
	unsigned flag;
	int64_t	day;
	uint64_t num;
	char   *name;		/* HEADER field name */
	char   *value;		/* folded; KEYWORD as sent */
	size_t	value_len;
	struct imap_seqset plain;	/* sorted, without "*" */
	struct imap_seqset star;	/* as sent, each touching "*" */
	int	needs;		/* IMAP_SEARCH_NEED_* of the subtree */
	struct node *kids;
	struct node *next;
};

struct imap_search {
	struct node *root;
	int	needs;
	int	modseq;
};

/* The parser's state: limits, counts, the failure. */
struct pstate {
	const struct imap_search_limits *lim;
	size_t	keys;
	int	modseq;
	enum imap_search_status st;
	const char *error;
};

/* The evaluator's state for one message. */
struct estate {
	const struct imap_search_msg *m;
	struct sbuf *hdr;	/* created on first header key */
	int	sent_known;	/* 0 not asked, 1 found, 2 absent, -1 error */
	time_t	sent_t;
	int	sent_zone;
};

static char search_errbuf[160];

/* The search keys, in the RFC's alphabetical order. */
enum arg_kind {
	A_NONE, A_STRING, A_HEADER, A_DATE, A_NUMBER, A_KEYWORD, A_SET,
	A_KEY, A_KEY2, A_MODSEQ,
};

static const struct keydef {
	const char *word;
	enum node_type type;
	enum arg_kind arg;
	unsigned flag;		/* N_FLAG */
	int	neg;		/* N_FLAG, N_KEYWORD */
	const char *hdr;	/* header keys with a fixed field */
} keydefs[] = {
	{ "ALL", N_ALL, A_NONE, 0, 0, NULL },
	{ "ANSWERED", N_FLAG, A_NONE, STORE_FLAG_ANSWERED, 0, NULL },
	{ "BCC", N_HEADER, A_STRING, 0, 0, "Bcc" },
	{ "BEFORE", N_BEFORE, A_DATE, 0, 0, NULL },
	{ "BODY", N_BODY, A_STRING, 0, 0, NULL },
	{ "CC", N_HEADER, A_STRING, 0, 0, "Cc" },
	{ "DELETED", N_FLAG, A_NONE, STORE_FLAG_DELETED, 0, NULL },
	{ "DRAFT", N_FLAG, A_NONE, STORE_FLAG_DRAFT, 0, NULL },
	{ "FLAGGED", N_FLAG, A_NONE, STORE_FLAG_FLAGGED, 0, NULL },
	{ "FROM", N_HEADER, A_STRING, 0, 0, "From" },
	{ "HEADER", N_HEADER, A_HEADER, 0, 0, NULL },
	{ "KEYWORD", N_KEYWORD, A_KEYWORD, 0, 0, NULL },
	{ "LARGER", N_LARGER, A_NUMBER, 0, 0, NULL },
	{ "MODSEQ", N_MODSEQ, A_MODSEQ, 0, 0, NULL },
	{ "NEW", N_NEW, A_NONE, 0, 0, NULL },
	{ "NOT", N_NOT, A_KEY, 0, 0, NULL },
	{ "OLD", N_OLD, A_NONE, 0, 0, NULL },
	{ "ON", N_ON, A_DATE, 0, 0, NULL },
	{ "OR", N_OR, A_KEY2, 0, 0, NULL },
	{ "RECENT", N_RECENT, A_NONE, 0, 0, NULL },
	{ "SEEN", N_FLAG, A_NONE, STORE_FLAG_SEEN, 0, NULL },
	{ "SENTBEFORE", N_SENTBEFORE, A_DATE, 0, 0, NULL },
	{ "SENTON", N_SENTON, A_DATE, 0, 0, NULL },
	{ "SENTSINCE", N_SENTSINCE, A_DATE, 0, 0, NULL },
	{ "SINCE", N_SINCE, A_DATE, 0, 0, NULL },
	{ "SMALLER", N_SMALLER, A_NUMBER, 0, 0, NULL },
	{ "SUBJECT", N_HEADER, A_STRING, 0, 0, "Subject" },
	{ "TEXT", N_TEXT, A_STRING, 0, 0, NULL },
	{ "TO", N_HEADER, A_STRING, 0, 0, "To" },
	{ "UID", N_UID, A_SET, 0, 0, NULL },
	{ "UNANSWERED", N_FLAG, A_NONE, STORE_FLAG_ANSWERED, 1, NULL },
	{ "UNDELETED", N_FLAG, A_NONE, STORE_FLAG_DELETED, 1, NULL },
	{ "UNDRAFT", N_FLAG, A_NONE, STORE_FLAG_DRAFT, 1, NULL },
	{ "UNFLAGGED", N_FLAG, A_NONE, STORE_FLAG_FLAGGED, 1, NULL },
	{ "UNKEYWORD", N_KEYWORD, A_KEYWORD, 0, 1, NULL },
	{ "UNSEEN", N_FLAG, A_NONE, STORE_FLAG_SEEN, 1, NULL },
};

/*
 * Case folding.
 */

/*
 * fold_char - fold the character at p (n >= 1 bytes readable) into out
 * (UTF8_MAX_LEN bytes), set *adv_r to the bytes read and return the bytes
 * written, never more than *adv_r. A malformed byte is copied alone.
 */
static size_t
fold_char(const unsigned char *p, size_t n, unsigned char *out,
    size_t *adv_r)
{
	uint32_t cp;
	size_t len, olen;

	if (p[0] < 0x80) {
		*adv_r = 1;
		out[0] = (p[0] >= 'A' && p[0] <= 'Z') ? p[0] + 32 : p[0];
		return (1);
	}
	len = utf8_decode(p, n, &cp);
	if (len == 0) {
		*adv_r = 1;
		out[0] = p[0];
		return (1);
	}
	*adv_r = len;
	olen = utf8_encode(utf8_fold(cp), out);
	if (olen == 0 || olen > len) {	/* not in the table: keep it */
		memcpy(out, p, len);
		return (len);
	}
	return (olen);
}

/* imap_search_fold - case-fold s[0..n) in place */
size_t
imap_search_fold(char *s, size_t n)
{
	unsigned char buf[UTF8_MAX_LEN], *u = (unsigned char *)s;
	size_t r = 0, w = 0, adv, olen;

	while (r < n) {
		olen = fold_char(u + r, n - r, buf, &adv);
		/* bounds: olen <= adv and w <= r, so w + olen <= r + adv */
		memcpy(u + w, buf, olen);
		w += olen;
		r += adv;
	}
	return (w);
}

/* imap_search_text_contains - folded substring search */
int
imap_search_text_contains(const char *text, size_t n, const char *needle,
    size_t needle_len)
{
	const unsigned char *t = (const unsigned char *)text;
	unsigned char buf[UTF8_MAX_LEN];
	size_t i, j, k, adv, first_adv, olen;

	if (needle_len == 0)
		return (1);
	for (i = 0; i < n; i += first_adv) {
		first_adv = 1;
		for (j = i, k = 0; k < needle_len && j < n; j += adv) {
			olen = fold_char(t + j, n - j, buf, &adv);
			if (j == i)
				first_adv = adv;
			if (olen > needle_len - k
			    || memcmp(buf, needle + k, olen) != 0)
				break;
			k += olen;
		}
		if (k == needle_len)
			return (1);
	}
	return (0);
}

/*
 * Parsing.
 */

/* fail - record a failure with a fixed or formatted text; NULL */
static struct node *
fail(struct pstate *ps, enum imap_search_status st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ps->st = st;
	ps->error = errbuf_vformat(search_errbuf, sizeof(search_errbuf),
	    "Invalid search", fmt, ap);
	va_end(ap);
	return (NULL);
}

/* node_free - free a node, its kids and its siblings */
static void
node_free(struct node *n)
{
	struct node *next;

	for (; n != NULL; n = next) {
		next = n->next;
		node_free(n->kids);
		free(n->name);
		free(n->value);
		free(n->plain.ranges);
		free(n->star.ranges);
		free(n);
	}
}

/* get_string - a checked astring argument, folded, into the node */
static int
get_string(struct pstate *ps, const struct imap_arg *arg, const char *key,
    struct node *n)
{
	const char *s;
	size_t len;

	if (!imap_arg_astring(arg, &s, &len)) {
		fail(ps, IMAP_SEARCH_BAD_SYNTAX, "%s needs a string", key);
		return (-1);
	}
	if (memchr(s, '\0', len) != NULL || !utf8_valid(s, len)) {
		fail(ps, IMAP_SEARCH_BAD_STRING,
		    "%s: string is not valid UTF-8", key);
		return (-1);
	}
	n->value = xmalloc(len + 1);
	memcpy(n->value, s, len);
	n->value_len = imap_search_fold(n->value, len);
	n->value[n->value_len] = '\0';
	return (0);
}

/* get_field - a header field name (RFC 5322 ftext) */
static int
get_field(struct pstate *ps, const struct imap_arg *arg, struct node *n)
{
	const char *s;
	size_t len, i;

	if (!imap_arg_astring(arg, &s, &len)) {
		fail(ps, IMAP_SEARCH_BAD_SYNTAX,
		    "HEADER needs a field name");
		return (-1);
	}
	if (len == 0) {
		fail(ps, IMAP_SEARCH_BAD_STRING, "HEADER: empty field name");
		return (-1);
	}
	for (i = 0; i < len; i++)
		if (s[i] < 33 || s[i] > 126 || s[i] == ':') {
			fail(ps, IMAP_SEARCH_BAD_STRING,
			    "HEADER: invalid field name");
			return (-1);
		}
	n->name = xstrndup(s, len);
	return (0);
}

/* get_date - an IMAP date (atom or quoted) into n->day */
static int
get_date(struct pstate *ps, const struct imap_arg *arg, const char *key,
    struct node *n)
{
	const char *s;
	size_t len;

	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_QUOTED) {
		fail(ps, IMAP_SEARCH_BAD_SYNTAX, "%s needs a date", key);
		return (-1);
	}
	s = arg->str;
	len = arg->len;
	if (imap_date_parse(s, len, &n->day) != IMAP_DATE_OK) {
		fail(ps, IMAP_SEARCH_BAD_DATE, "%s: invalid date", key);
		return (-1);
	}
	return (0);
}

/* get_number - an atom of digits within [0, max] into *v_r */
static int
get_number(struct pstate *ps, const struct imap_arg *arg, const char *key,
    uint64_t max, uint64_t *v_r)
{
	if (arg->type != IMAP_ARG_ATOM
	    || strnum_u64_n(arg->str, arg->len, 0, max, v_r) < 0) {
		fail(ps, IMAP_SEARCH_BAD_SYNTAX, "%s needs a number", key);
		return (-1);
	}
	return (0);
}

/* get_keyword - a flag-keyword atom, kept as sent */
static int
get_keyword(struct pstate *ps, const struct imap_arg *arg, const char *key,
    struct node *n)
{
	if (arg->type != IMAP_ARG_ATOM || arg->len == 0
	    || strpbrk(arg->str, "\\*%]") != NULL) {
		fail(ps, IMAP_SEARCH_BAD_SYNTAX, "%s needs a keyword", key);
		return (-1);
	}
	n->value = xstrndup(arg->str, arg->len);
	n->value_len = arg->len;
	return (0);
}

/* get_set - a sequence set atom, split into plain and star ranges */
static int
get_set(struct pstate *ps, const struct imap_arg *arg, const char *key,
    struct node *n)
{
	struct imap_seqset all;
	struct imap_seq_range *r;
	enum imap_seqset_status st;
	size_t cap = ps->lim->ranges_max, i;

	if (arg->type != IMAP_ARG_ATOM) {
		fail(ps, IMAP_SEARCH_BAD_SYNTAX, "%s needs a sequence set",
		    key);
		return (-1);
	}
	if (cap == 0)
		cap = 1;
	r = xcalloc(cap, sizeof(*r));
	imap_seqset_init(&all, r, cap);
	st = imap_seqset_parse(arg->str, arg->len, 0, &all);
	if (st != IMAP_SEQSET_OK) {
		free(r);
		fail(ps, IMAP_SEARCH_BAD_SET, "%s: invalid sequence set (%s)",
		    key, imap_seqset_status_name(st));
		return (-1);
	}
	imap_seqset_init(&n->plain, xcalloc(all.count, sizeof(*r)),
	    all.count);
	imap_seqset_init(&n->star, xcalloc(all.count, sizeof(*r)),
	    all.count);
	for (i = 0; i < all.count; i++) {
		if (r[i].lo == IMAP_SEQ_STAR || r[i].hi == IMAP_SEQ_STAR)
			(void)imap_seqset_add(&n->star, r[i].lo, r[i].hi);
		else
			(void)imap_seqset_add(&n->plain, r[i].lo, r[i].hi);
	}
	imap_seqset_normalise(&n->plain, 0);
	free(r);
	return (0);
}

/* get_modseq - MODSEQ [entry-name entry-type-req] value */
static int
get_modseq(struct pstate *ps, const struct imap_arg *args, size_t count,
    size_t *i, struct node *n)
{
	const struct imap_arg *a;
	const char *s;
	size_t len;

	if (*i < count && args[*i].type != IMAP_ARG_ATOM) {
		/* the entry name is a quoted "/flags/..." */
		a = &args[(*i)++];
		if (!imap_arg_astring(a, &s, &len) || len < 8
		    || strncasecmp(s, "/flags/", 7) != 0) {
			fail(ps, IMAP_SEARCH_BAD_SYNTAX,
			    "MODSEQ: invalid entry name");
			return (-1);
		}
		if (*i >= count || (!imap_arg_atom_eq(&args[*i], "priv")
		    && !imap_arg_atom_eq(&args[*i], "shared")
		    && !imap_arg_atom_eq(&args[*i], "all"))) {
			fail(ps, IMAP_SEARCH_BAD_SYNTAX,
			    "MODSEQ: invalid entry type");
			return (-1);
		}
		(*i)++;
	}
	if (*i >= count) {
		fail(ps, IMAP_SEARCH_BAD_SYNTAX, "Missing argument for MODSEQ");
		return (-1);
	}
	ps->modseq = 1;
	return (get_number(ps, &args[(*i)++], "MODSEQ", INT64_MAX, &n->num));
}

static struct node *parse_key(struct pstate *, const struct imap_arg *,
	    size_t, size_t *, size_t);

/* parse_list - all keys of args[0..count) under one AND node */
static struct node *
parse_list(struct pstate *ps, const struct imap_arg *args, size_t count,
    size_t depth)
{
	struct node *and, *kid, **tail;
	size_t i = 0;

	and = xcalloc(1, sizeof(*and));
	and->type = N_AND;
	tail = &and->kids;
	if (count == 0) {
		node_free(and);
		return (fail(ps, IMAP_SEARCH_BAD_SYNTAX,
		    "Missing search key"));
	}
	while (i < count) {
		if ((kid = parse_key(ps, args, count, &i, depth)) == NULL) {
			node_free(and);
			return (NULL);
		}
		and->needs |= kid->needs;
		*tail = kid;
		tail = &kid->next;
	}
	return (and);
}

/* parse_key - the key at args[*i], moving *i past it and its arguments */
static struct node *
parse_key(struct pstate *ps, const struct imap_arg *args, size_t count,
    size_t *i, size_t depth)
{
	const struct imap_arg *arg = &args[(*i)++];
	const struct keydef *kd = NULL;
	struct node *n, *k2;
	size_t j;
	int rc = 0;

	if (++ps->keys > ps->lim->keys_max)
		return (fail(ps, IMAP_SEARCH_TOO_MANY, "Too many search keys"));
	if (arg->type == IMAP_ARG_LIST) {
		if (depth + 1 > ps->lim->depth_max)
			return (fail(ps, IMAP_SEARCH_TOO_DEEP,
			    "Search keys nested too deeply"));
		return (parse_list(ps, arg->list, arg->count, depth + 1));
	}
	if (arg->type != IMAP_ARG_ATOM)
		return (fail(ps, IMAP_SEARCH_BAD_SYNTAX,
		    "Search key expected"));
	n = xcalloc(1, sizeof(*n));
	if ((arg->str[0] >= '0' && arg->str[0] <= '9') || arg->str[0] == '*'
	    || arg->str[0] == '$') {
		n->type = N_SEQ;
		if (get_set(ps, arg, "Sequence set", n) < 0) {
			node_free(n);
			return (NULL);
		}
		return (n);
	}
	for (j = 0; j < sizeof(keydefs) / sizeof(keydefs[0]); j++)
		if (imap_arg_atom_eq(arg, keydefs[j].word)) {
			kd = &keydefs[j];
			break;
		}
	if (kd == NULL) {
		free(n);
		return (fail(ps, IMAP_SEARCH_BAD_SYNTAX,
		    "Unknown search key: %.40s", arg->str));
	}
	n->type = kd->type;
	n->flag = kd->flag;
	n->neg = kd->neg;
	if (kd->arg != A_NONE && kd->arg != A_MODSEQ && *i >= count) {
		free(n);
		return (fail(ps, IMAP_SEARCH_BAD_SYNTAX,
		    "Missing argument for %s", kd->word));
	}
	switch (kd->arg) {
	case A_NONE:
		break;
	case A_STRING:
		if (kd->hdr != NULL)
			n->name = xstrdup(kd->hdr);
		rc = get_string(ps, &args[(*i)++], kd->word, n);
		break;
	case A_HEADER:
		rc = get_field(ps, &args[(*i)++], n);
		if (rc == 0 && *i >= count) {
			rc = -1;
			fail(ps, IMAP_SEARCH_BAD_SYNTAX,
			    "Missing argument for HEADER");
		}
		if (rc == 0)
			rc = get_string(ps, &args[(*i)++], kd->word, n);
		break;
	case A_DATE:
		rc = get_date(ps, &args[(*i)++], kd->word, n);
		break;
	case A_NUMBER:
		rc = get_number(ps, &args[(*i)++], kd->word, INT64_MAX,
		    &n->num);
		break;
	case A_KEYWORD:
		rc = get_keyword(ps, &args[(*i)++], kd->word, n);
		break;
	case A_SET:
		rc = get_set(ps, &args[(*i)++], kd->word, n);
		break;
	case A_MODSEQ:
		rc = get_modseq(ps, args, count, i, n);
		break;
	case A_KEY:
	case A_KEY2:
		if (depth + 1 > ps->lim->depth_max) {
			rc = -1;
			fail(ps, IMAP_SEARCH_TOO_DEEP,
			    "Search keys nested too deeply");
			break;
		}
		if ((n->kids = parse_key(ps, args, count, i, depth + 1))
		    == NULL) {
			rc = -1;
			break;
		}
		n->needs = n->kids->needs;
		if (kd->arg == A_KEY)
			break;
		if (*i >= count) {
			rc = -1;
			fail(ps, IMAP_SEARCH_BAD_SYNTAX,
			    "Missing argument for OR");
			break;
		}
		if ((k2 = parse_key(ps, args, count, i, depth + 1)) == NULL) {
			rc = -1;
			break;
		}
		n->kids->next = k2;
		n->needs |= k2->needs;
		break;
	}
	if (rc < 0) {
		node_free(n);
		return (NULL);
	}
	switch (n->type) {
	case N_HEADER:
		n->needs |= IMAP_SEARCH_NEED_HEADER;
		break;
	case N_BODY:
	case N_TEXT:
		if (n->value_len > 0)
			n->needs |= IMAP_SEARCH_NEED_TEXT;
		break;
	case N_SENTBEFORE:
	case N_SENTON:
	case N_SENTSINCE:
		n->needs |= IMAP_SEARCH_NEED_SENT_DATE;
		break;
	default:
		break;
	}
	return (n);
}

/* imap_search_parse - compile SEARCH arguments */
enum imap_search_status
imap_search_parse(const struct imap_arg *args, size_t count,
    const struct imap_search_limits *lim, struct imap_search **search_r,
    const char **error_r)
{
	struct pstate ps;
	struct imap_search *s;
	struct node *root;
	const char *cs;
	size_t len, start = 0;

	*search_r = NULL;
	memset(&ps, 0, sizeof(ps));
	ps.lim = lim;
	ps.st = IMAP_SEARCH_OK;
	if (count > 0 && imap_arg_atom_eq(&args[0], "CHARSET")) {
		if (count < 2 || !imap_arg_astring(&args[1], &cs, &len)) {
			*error_r = "CHARSET needs a charset name";
			return (IMAP_SEARCH_BAD_SYNTAX);
		}
		if ((len != 8 || strncasecmp(cs, "US-ASCII", 8) != 0)
		    && (len != 5 || strncasecmp(cs, "UTF-8", 5) != 0)) {
			*error_r = "Unsupported charset";
			return (IMAP_SEARCH_BADCHARSET);
		}
		start = 2;
	}
	if ((root = parse_list(&ps, args + start, count - start, 0)) == NULL) {
		*error_r = ps.error;
		return (ps.st);
	}
	s = xcalloc(1, sizeof(*s));
	s->root = root;
	s->needs = root->needs;
	s->modseq = ps.modseq;
	*search_r = s;
	return (IMAP_SEARCH_OK);
}

/* imap_search_free - free a program */
void
imap_search_free(struct imap_search **s)
{
	if (*s == NULL)
		return;
	node_free((*s)->root);
	free(*s);
	*s = NULL;
}

/* imap_search_uses_modseq - any MODSEQ key? */
int
imap_search_uses_modseq(const struct imap_search *s)
{
	return (s->modseq);
}

/* imap_search_needs - the callbacks the program may use */
int
imap_search_needs(const struct imap_search *s)
{
	return (s->needs);
}

/*
 * Evaluation.
 */

/* set_contains - is v in the node's sets, "*" meaning max? */
static int
set_contains(const struct node *n, uint32_t v, uint32_t max)
{
	size_t lo = 0, hi = n->plain.count, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v < n->plain.ranges[mid].lo)
			hi = mid;
		else if (v > n->plain.ranges[mid].hi)
			lo = mid + 1;
		else
			return (1);
	}
	return (n->star.count > 0 && imap_seqset_contains(&n->star, v, max));
}

/* has_keyword - is kw (any ASCII case) among the space-separated list? */
static int
has_keyword(const char *list, const char *kw, size_t kwlen)
{
	const char *p = list, *e;

	if (list == NULL)
		return (0);
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (e = p; *e != '\0' && *e != ' '; e++)
			;
		if ((size_t)(e - p) == kwlen && strncasecmp(p, kw, kwlen) == 0)
			return (1);
		p = e;
	}
	return (0);
}

/* sent_day - the Date: header's day in its own zone: 1, 0 absent, -1 */
static int
sent_day(struct estate *es, int64_t *day_r)
{
	const struct imap_search_msg *m = es->m;

	if (es->sent_known == 0) {
		if (m->sent_date == NULL)
			es->sent_known = -1;
		else {
			es->sent_known = m->sent_date(m->ctx, &es->sent_t,
			    &es->sent_zone);
			if (es->sent_known == 0)
				es->sent_known = 2;	/* absent */
			else if (es->sent_known != 1)
				es->sent_known = -1;
		}
	}
	if (es->sent_known != 1)
		return (es->sent_known == 2 ? 0 : -1);
	*day_r = imap_date_day_of((int64_t)es->sent_t, es->sent_zone);
	return (1);
}

/* match_header - the field's values contain the folded value? */
static int
match_header(struct estate *es, const struct node *n)
{
	const struct imap_search_msg *m = es->m;
	int r;

	if (m->header == NULL)
		return (-1);
	if (es->hdr == NULL)
		es->hdr = sbuf_new(0);
	sbuf_reset(es->hdr);
	r = m->header(m->ctx, n->name, es->hdr);
	if (r <= 0)
		return (r < 0 ? -1 : 0);
	return (imap_search_text_contains(sbuf_str(es->hdr),
	    sbuf_len(es->hdr), n->value, n->value_len));
}

static int eval(struct estate *, const struct node *);

/*
 * eval_kids - AND (want_any 0) or OR (want_any 1) of the kids: the cheap
 * ones first, then those needing content; an error counts only when no
 * other kid decides.
 */
static int
eval_kids(struct estate *es, const struct node *n, int want_any)
{
	const struct node *k;
	int pass, r, err = 0;

	for (pass = 0; pass < 2; pass++)
		for (k = n->kids; k != NULL; k = k->next) {
			if ((k->needs != 0) != pass)
				continue;
			r = eval(es, k);
			if (r < 0)
				err = 1;
			else if (r == want_any)
				return (want_any);
		}
	return (err ? -1 : !want_any);
}

/* day_cmp - BEFORE, ON, SINCE (and SENT*) of day against want */
static int
day_cmp(enum node_type t, int64_t day, int64_t want)
{
	switch (t) {
	case N_BEFORE:
	case N_SENTBEFORE:
		return (day < want);
	case N_ON:
	case N_SENTON:
		return (day == want);
	default:
		return (day >= want);
	}
}

/* eval - one node for the message: 1, 0 or -1 */
static int
eval(struct estate *es, const struct node *n)
{
	const struct imap_search_msg *m = es->m;
	int64_t day;
	int r;

	switch (n->type) {
	case N_ALL:
		return (1);
	case N_AND:
		return (eval_kids(es, n, 0));
	case N_OR:
		return (eval_kids(es, n, 1));
	case N_NOT:
		r = eval(es, n->kids);
		return (r < 0 ? -1 : !r);
	case N_FLAG:
		return (((m->flags & n->flag) != 0) != n->neg);
	case N_RECENT:
		return (m->recent != 0);
	case N_NEW:
		return (m->recent && !(m->flags & STORE_FLAG_SEEN));
	case N_OLD:
		return (!m->recent);
	case N_KEYWORD:
		return (has_keyword(m->keywords, n->value, n->value_len)
		    != n->neg);
	case N_BEFORE:
	case N_ON:
	case N_SINCE:
		day = imap_date_day_of((int64_t)m->internal_date,
		    m->internal_zone_min);
		return (day_cmp(n->type, day, n->day));
	case N_SENTBEFORE:
	case N_SENTON:
	case N_SENTSINCE:
		if ((r = sent_day(es, &day)) <= 0)
			return (r);
		return (day_cmp(n->type, day, n->day));
	case N_LARGER:
		return (m->size > n->num);
	case N_SMALLER:
		return (m->size < n->num);
	case N_HEADER:
		return (match_header(es, n));
	case N_BODY:
	case N_TEXT:
		if (n->value_len == 0)
			return (1);
		if (m->text == NULL)
			return (-1);
		r = m->text(m->ctx, n->type == N_BODY, n->value);
		return (r < 0 ? -1 : r > 0);
	case N_SEQ:
		return (set_contains(n, m->seq, m->max_seq));
	case N_UID:
		return (set_contains(n, m->uid, m->max_uid));
	case N_MODSEQ:
		return (m->modseq >= n->num);
	}
	return (-1);
}

/* imap_search_match - evaluate the program for one message */
int
imap_search_match(const struct imap_search *s,
    const struct imap_search_msg *m)
{
	struct estate es;
	int r;

	memset(&es, 0, sizeof(es));
	es.m = m;
	r = eval(&es, s->root);
	sbuf_free(&es.hdr);
	return (r);
}

/* imap_search_status_name - a status as a short word */
const char *
imap_search_status_name(enum imap_search_status st)
{
	switch (st) {
	case IMAP_SEARCH_OK:
		return ("ok");
	case IMAP_SEARCH_BAD_SYNTAX:
		return ("bad_syntax");
	case IMAP_SEARCH_BAD_DATE:
		return ("bad_date");
	case IMAP_SEARCH_BAD_SET:
		return ("bad_set");
	case IMAP_SEARCH_BAD_STRING:
		return ("bad_string");
	case IMAP_SEARCH_TOO_DEEP:
		return ("too_deep");
	case IMAP_SEARCH_TOO_MANY:
		return ("too_many");
	case IMAP_SEARCH_BADCHARSET:
		return ("badcharset");
	}
	return ("unknown");
}
