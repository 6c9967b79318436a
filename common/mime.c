/*
 * mime - MIME structure of a stored message: the part tree, header field
 * access, transfer and header decoding, and text search for IMAP.
 *
 * The parser is recursive over byte ranges: a part is its header (up to
 * and with the first empty line) and its body; a multipart body is split
 * at the lines that are exactly its boundary delimiter, a message/rfc822
 * body is parsed as a message. The line end before a delimiter belongs to
 * the delimiter. Each level scans only its own range, so the work is
 * bounded by the nesting depth times the size. Nothing is logged; bounds
 * reached are reported through error_r and turn the part into a leaf.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mime.h"
#include "sbuf.h"
#include "utf8.h"

const struct mime_limits mime_limits_default = {
	50, 10000, 256 * 1024, 64
};

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')
#define COMMENT_DEPTH	20

/* Parser state for one mime_parse() call. */
struct mime_ctx {
	const char *msg;
	size_t	len;
	const struct mime_limits *lim;
	unsigned int nparts;
	const char *error;
};

/* lcase - ASCII lower case of c */
static int
lcase(int c)
{
	return (c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* strndup_lc - a lower-cased NUL-terminated copy of n bytes */
static char *
strndup_lc(const char *s, size_t n)
{
	char *c = xmemdup(s, n);
	size_t i;

	for (i = 0; i < n; i++)
		c[i] = (char)lcase((unsigned char)c[i]);
	return (c);
}

/* ci_equal - s[0..n) equals the C string w, ASCII case ignored */
static int
ci_equal(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (w[i] == '\0' || lcase((unsigned char)s[i])
		    != lcase((unsigned char)w[i]))
			return (0);
	return (w[n] == '\0');
}

/* mime_crlf_size - bytes of msg[off..off+n) in CRLF terms */
size_t
mime_crlf_size(const char *msg, size_t off, size_t n)
{
	size_t i, size = n;

	for (i = off; i < off + n; i++)
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			size++;
	return (size);
}

/* count_lf - line ends in s[0..n) */
static size_t
count_lf(const char *s, size_t n)
{
	const char *p, *end = s + n;
	size_t lines = 0;

	while (s < end && (p = memchr(s, '\n', (size_t)(end - s))) != NULL) {
		lines++;
		s = p + 1;
	}
	return (lines);
}

/*
 * Header fields.
 */

/* mime_header_next - the field at *pos, advancing *pos; 0 at the end */
int
mime_header_next(const char *h, size_t n, size_t *pos, struct mime_field *f)
{
	size_t i = *pos, e, c;
	const char *nl;

	if (i >= n || h[i] == '\n' || (h[i] == '\r' && i + 1 < n
	    && h[i + 1] == '\n'))
		return (0);
	f->start = h + i;
	/* The field runs to the line end not followed by a blank. */
	e = i;
	for (;;) {
		nl = memchr(h + e, '\n', n - e);
		if (nl == NULL) {
			e = n;
			break;
		}
		e = (size_t)(nl - h) + 1;
		if (e >= n || !IS_WSP(h[e]))
			break;
	}
	f->len = e - i;
	*pos = e;
	f->name = NULL;
	f->name_len = 0;
	f->value = NULL;
	f->value_len = 0;
	for (c = i; c < e && h[c] != ':' && h[c] != '\n'; c++)
		;
	if (c < e && h[c] == ':') {
		f->name = h + i;
		f->name_len = c - i;
		while (f->name_len > 0 && IS_WSP(f->name[f->name_len - 1]))
			f->name_len--;
		f->value = h + c + 1;
		f->value_len = e - c - 1;
	}
	return (1);
}

/* unfold - append v[0..n) without line ends, blanks trimmed at both ends */
static int
unfold(const char *v, size_t n, struct sbuf *out)
{
	size_t i, start = sbuf_len(out);

	while (n > 0 && (IS_WSP(v[0]) || v[0] == '\r' || v[0] == '\n')) {
		v++;
		n--;
	}
	while (n > 0 && (IS_WSP(v[n - 1]) || v[n - 1] == '\r'
	    || v[n - 1] == '\n'))
		n--;
	for (i = 0; i < n; i++) {
		if (v[i] == '\n' || (v[i] == '\r' && i + 1 < n
		    && v[i + 1] == '\n'))
			continue;
		if (sbuf_appendc(out, v[i]) < 0) {
			sbuf_truncate(out, start);
			return (-1);
		}
	}
	return (0);
}

/* unfold_dup - an unfolded, trimmed copy of v[0..n) */
static char *
unfold_dup(const char *v, size_t n)
{
	struct sbuf *sb = sbuf_new(n + 1);
	char *s;

	(void)unfold(v, n, sb);
	s = xmemdup(sbuf_str(sb), sbuf_len(sb));
	sbuf_free(&sb);
	return (s);
}

/* header_get - the values of the fields called name (all, or first) */
static int
header_get(const char *hdr, size_t hdr_len, const char *name, int all,
    struct sbuf *out)
{
	struct mime_field f;
	size_t pos = 0;
	int found = 0;

	while (mime_header_next(hdr, hdr_len, &pos, &f)) {
		if (f.name == NULL || !ci_equal(f.name, f.name_len, name))
			continue;
		if (found && sbuf_append(out, ", ", 2) < 0)
			return (-1);
		if (unfold(f.value, f.value_len, out) < 0)
			return (-1);
		found = 1;
		if (!all)
			break;
	}
	return (found);
}

/* mime_header_first - the value of the first field called name */
int
mime_header_first(const char *hdr, size_t hdr_len, const char *name,
    struct sbuf *out)
{
	return (header_get(hdr, hdr_len, name, 0, out));
}

/* mime_header_get - all values of the fields called name, joined */
int
mime_header_get(const char *hdr, size_t hdr_len, const char *name,
    struct sbuf *out)
{
	return (header_get(hdr, hdr_len, name, 1, out));
}

/*
 * Structured field lexing (RFC 5322 section 3.2, RFC 2045 section 5.1).
 */

/* skip_cfws - skip blanks, line ends and (nested) comments */
static void
skip_cfws(const char *s, size_t n, size_t *i)
{
	int depth;

	while (*i < n) {
		if (IS_WSP(s[*i]) || s[*i] == '\r' || s[*i] == '\n') {
			(*i)++;
			continue;
		}
		if (s[*i] != '(')
			return;
		depth = 0;
		while (*i < n) {
			if (s[*i] == '\\' && *i + 1 < n)
				(*i)++;
			else if (s[*i] == '(')
				depth++;
			else if (s[*i] == ')' && --depth == 0) {
				(*i)++;
				break;
			}
			(*i)++;
		}
	}
}

/* is_tspecial - a MIME tspecial (RFC 2045) or control */
static int
is_tspecial(int c)
{
	return (c <= ' ' || c == 127 || strchr("()<>@,;:\\\"/[]?=", c)
	    != NULL);
}

/* lex_token - a MIME token at *i, advancing; 0 when there is none */
static int
lex_token(const char *s, size_t n, size_t *i, const char **tok,
    size_t *tlen)
{
	size_t b = *i;

	while (*i < n && !is_tspecial((unsigned char)s[*i]))
		(*i)++;
	*tok = s + b;
	*tlen = *i - b;
	return (*tlen > 0);
}

/* lex_quoted - a quoted string at *i into out (unescaped, unfolded) */
static void
lex_quoted(const char *s, size_t n, size_t *i, struct sbuf *out)
{
	(*i)++;
	while (*i < n && s[*i] != '"') {
		if (s[*i] == '\\' && *i + 1 < n)
			(*i)++;
		if (s[*i] != '\r' && s[*i] != '\n')
			(void)sbuf_appendc(out, s[*i]);
		(*i)++;
	}
	if (*i < n)
		(*i)++;
}

/*
 * Parameters and RFC 2231.
 */

/* One parameter as sent, before continuations are joined. */
struct raw_param {
	char   *name;			/* lower-cased, without the * parts */
	int	section;		/* -1: not RFC 2231 sectioned */
	int	extended;		/* name ended in "*" */
	char   *value;
	size_t	value_len;
};

/* hexval - value of a hex digit, or -1 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = lcase(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/* Code points 0x80..0x9f of windows-1252 (0: as ISO-8859-1). */
static const uint16_t cp1252[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178
};

/* put_cp - append code point cp as UTF-8 */
static int
put_cp(struct sbuf *out, uint32_t cp)
{
	unsigned char b[UTF8_MAX_LEN];
	size_t n = utf8_encode(cp, b);

	if (n == 0)
		n = utf8_encode(0xfffd, b);
	return (sbuf_append(out, b, n));
}

/*
 * to_utf8 - append s[0..n) in charset cs (NULL: unknown) as UTF-8: the
 * single-byte charsets known are converted, anything else is kept where
 * it is valid UTF-8 and read as ISO-8859-1 where it is not.
 */
static int
to_utf8(const char *cs, const char *s, size_t n, struct sbuf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, l;
	uint32_t cp;
	int latin1 = 0, w1252 = 0;

	if (cs != NULL) {
		if (ci_equal(cs, strlen(cs), "iso-8859-1")
		    || ci_equal(cs, strlen(cs), "latin1")
		    || ci_equal(cs, strlen(cs), "iso_8859-1"))
			latin1 = 1;
		else if (ci_equal(cs, strlen(cs), "windows-1252")
		    || ci_equal(cs, strlen(cs), "cp1252"))
			latin1 = w1252 = 1;
	}
	while (i < n) {
		if (p[i] < 0x80) {
			if (sbuf_appendc(out, p[i]) < 0)
				return (-1);
			i++;
			continue;
		}
		if (!latin1 && (l = utf8_decode(p + i, n - i, &cp)) > 0) {
			if (sbuf_append(out, p + i, l) < 0)
				return (-1);
			i += l;
			continue;
		}
		cp = p[i];
		if (w1252 && cp < 0xa0 && cp1252[cp - 0x80] != 0)
			cp = cp1252[cp - 0x80];
		if (put_cp(out, cp) < 0)
			return (-1);
		i++;
	}
	return (0);
}

/* pct_decode - append s[0..n) with %XX decoded */
static void
pct_decode(const char *s, size_t n, struct sbuf *out)
{
	size_t i;
	int h, l;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n
		    && (h = hexval((unsigned char)s[i + 1])) >= 0
		    && (l = hexval((unsigned char)s[i + 2])) >= 0) {
			(void)sbuf_appendc(out, h * 16 + l);
			i += 2;
		} else
			(void)sbuf_appendc(out, s[i]);
	}
}

/* pct_encode - append s[0..n) with RFC 2231 attribute-chars kept */
static void
pct_encode(const char *s, size_t n, struct sbuf *out)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c > ' ' && c < 127 && c != '*' && c != '\'' && c != '%'
		    && !is_tspecial(c))
			(void)sbuf_appendc(out, c);
		else
			(void)sbuf_appendf(out, "%%%02X", c);
	}
}

/* raw_cmp - order raw parameters by name, kind, then section */
static int
raw_cmp(const void *a, const void *b)
{
	const struct raw_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return (c);
	if ((x->section >= 0) != (y->section >= 0))
		return (x->section >= 0 ? 1 : -1);
	return (x->section < y->section ? -1 : x->section > y->section);
}

/*
 * join_params - turn the raw parameters into mime_params: RFC 2231
 * sections of one name joined from *0 while consecutive, extended
 * segments percent-decoded, the whole converted to UTF-8.
 */
static struct mime_param *
join_params(struct raw_param *raw, unsigned int nraw, unsigned int *n_r)
{
	struct mime_param *out, *p;
	struct sbuf *bytes, *imap;
	unsigned int i, j, k, n = 0;
	const char *v, *q1, *q2;
	size_t vlen;
	int ext;

	*n_r = 0;
	if (nraw == 0)
		return (NULL);
	/* Sort stably enough: ties cannot happen but for duplicates. */
	qsort(raw, nraw, sizeof(*raw), raw_cmp);
	out = xcalloc(nraw, sizeof(*out));
	bytes = sbuf_new(0);
	imap = sbuf_new(0);
	for (i = 0; i < nraw; i = j) {
		for (j = i + 1; j < nraw && strcmp(raw[j].name, raw[i].name)
		    == 0 && (raw[j].section >= 0) == (raw[i].section >= 0);
		    j++)
			;
		p = &out[n];
		sbuf_reset(bytes);
		sbuf_reset(imap);
		/* Consecutive sections from 0 (or the one unsectioned). */
		if (raw[i].section > 0)
			continue;
		ext = raw[i].extended;
		p->name = xstrdup(raw[i].name);
		vlen = strlen(raw[i].name);
		p->imap_name = xmalloc(vlen + 2);
		memcpy(p->imap_name, raw[i].name, vlen);
		p->imap_name[vlen] = ext ? '*' : '\0';
		p->imap_name[vlen + 1] = '\0';
		for (k = i; k < j && (raw[k].section < 0 ? k == i
		    : raw[k].section == (int)(k - i)); k++) {
			v = raw[k].value;
			vlen = raw[k].value_len;
			if (k == i && ext && (q1 = memchr(v, '\'', vlen))
			    != NULL && (q2 = memchr(q1 + 1, '\'',
			    vlen - (size_t)(q1 + 1 - v))) != NULL) {
				if (q1 > v)
					p->charset = strndup_lc(v,
					    (size_t)(q1 - v));
				if (q2 > q1 + 1)
					p->language = xstrndup(q1 + 1,
					    (size_t)(q2 - q1 - 1));
				(void)sbuf_append(imap, v,
				    (size_t)(q2 + 1 - v));
				vlen -= (size_t)(q2 + 1 - v);
				v = q2 + 1;
			} else if (k == i && ext)
				(void)sbuf_append(imap, "''", 2);
			if (raw[k].extended) {
				pct_decode(v, vlen, bytes);
				if (ext)
					(void)sbuf_append(imap, v, vlen);
				else
					pct_decode(v, vlen, imap);
			} else {
				(void)sbuf_append(bytes, v, vlen);
				if (ext)
					pct_encode(v, vlen, imap);
				else
					(void)sbuf_append(imap, v, vlen);
			}
		}
		p->imap_value = xmemdup(sbuf_str(imap), sbuf_len(imap));
		sbuf_reset(imap);
		(void)to_utf8(p->charset, sbuf_str(bytes), sbuf_len(bytes),
		    imap);
		p->value = xmemdup(sbuf_str(imap), sbuf_len(imap));
		p->value_len = sbuf_len(imap);
		n++;
	}
	sbuf_free(&bytes);
	sbuf_free(&imap);
	*n_r = n;
	return (out);
}

/* parse_name_star - split "name*2*" into name, section and extended */
static void
parse_name_star(const char *t, size_t tl, struct raw_param *rp)
{
	const char *star = memchr(t, '*', tl);
	size_t i;
	int sec = 0;

	rp->section = -1;
	rp->extended = 0;
	if (star == NULL) {
		rp->name = strndup_lc(t, tl);
		return;
	}
	rp->name = strndup_lc(t, (size_t)(star - t));
	i = (size_t)(star - t) + 1;
	if (i == tl) {
		rp->extended = 1;
		return;
	}
	if (t[i] < '0' || t[i] > '9') {
		/* Not RFC 2231: keep the name whole. */
		free(rp->name);
		rp->name = strndup_lc(t, tl);
		return;
	}
	for (; i < tl && t[i] >= '0' && t[i] <= '9'; i++)
		if (sec < 10000)
			sec = sec * 10 + t[i] - '0';
	rp->section = sec;
	if (i < tl && t[i] == '*')
		rp->extended = 1;
}

/*
 * parse_params - the ";" name "=" value list at *i of s[0..n); values may
 * be tokens, quoted strings or (leniently) any run of non-blank
 * characters but ";". At most max parameters are kept.
 */
static struct mime_param *
parse_params(const char *s, size_t n, size_t i, unsigned int max,
    unsigned int *n_r, struct mime_ctx *ctx)
{
	struct raw_param *raw;
	struct mime_param *params;
	struct sbuf *val = sbuf_new(n + 1);
	unsigned int nraw = 0, k;
	const char *t;
	size_t tl, b;

	raw = xcalloc(max ? max : 1, sizeof(*raw));
	for (;;) {
		skip_cfws(s, n, &i);
		while (i < n && s[i] != ';')
			i++;			/* skip junk up to ";" */
		if (i >= n)
			break;
		i++;
		skip_cfws(s, n, &i);
		if (!lex_token(s, n, &i, &t, &tl))
			continue;
		skip_cfws(s, n, &i);
		if (i >= n || s[i] != '=')
			continue;
		i++;
		skip_cfws(s, n, &i);
		sbuf_reset(val);
		if (i < n && s[i] == '"')
			lex_quoted(s, n, &i, val);
		else {
			b = i;
			while (i < n && s[i] != ';' && !IS_WSP(s[i])
			    && s[i] != '\r' && s[i] != '\n' && s[i] != '"')
				i++;
			(void)sbuf_append(val, s + b, i - b);
		}
		if (nraw >= max) {
			if (ctx != NULL && ctx->error == NULL)
				ctx->error = "too many MIME parameters";
			continue;
		}
		parse_name_star(t, tl, &raw[nraw]);
		raw[nraw].value = xmemdup(sbuf_str(val), sbuf_len(val));
		raw[nraw].value_len = sbuf_len(val);
		nraw++;
	}
	sbuf_free(&val);
	params = join_params(raw, nraw, n_r);
	for (k = 0; k < nraw; k++) {
		free(raw[k].name);
		free(raw[k].value);
	}
	free(raw);
	return (params);
}

/* free_params - release n parameters */
static void
free_params(struct mime_param *p, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		free(p[i].value);
		free(p[i].charset);
		free(p[i].language);
		free(p[i].imap_name);
		free(p[i].imap_value);
	}
	free(p);
}

/* mime_param_get - the parameter called name (lower case), or NULL */
const struct mime_param *
mime_param_get(const struct mime_param *params, unsigned int n,
    const char *name)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (strcmp(params[i].name, name) == 0)
			return (&params[i]);
	return (NULL);
}

/*
 * The part tree.
 */

/* set_type - parse a Content-Type value into part; 0 if unusable */
static int
set_type(struct mime_ctx *ctx, struct mime_part *part, const char *v,
    size_t n)
{
	const char *t, *st;
	size_t tl, stl, i = 0;

	skip_cfws(v, n, &i);
	if (!lex_token(v, n, &i, &t, &tl))
		return (0);
	skip_cfws(v, n, &i);
	if (i >= n || v[i] != '/')
		return (0);
	i++;
	skip_cfws(v, n, &i);
	if (!lex_token(v, n, &i, &st, &stl))
		return (0);
	free(part->type);
	free(part->subtype);
	free_params(part->params, part->nparams);
	part->type = strndup_lc(t, tl);
	part->subtype = strndup_lc(st, stl);
	part->params = parse_params(v, n, i, ctx->lim->params_max,
	    &part->nparams, ctx);
	return (1);
}

/* set_disposition - parse a Content-Disposition value into part */
static void
set_disposition(struct mime_ctx *ctx, struct mime_part *part,
    const char *v, size_t n)
{
	const char *t;
	size_t tl, i = 0;

	skip_cfws(v, n, &i);
	if (!lex_token(v, n, &i, &t, &tl))
		return;
	part->disposition = strndup_lc(t, tl);
	part->dparams = parse_params(v, n, i, ctx->lim->params_max,
	    &part->ndparams, ctx);
}

/* set_language - parse a Content-Language list of tags */
static void
set_language(struct mime_ctx *ctx, struct mime_part *part, const char *v,
    size_t n)
{
	const char *t;
	size_t tl, i = 0;

	for (;;) {
		skip_cfws(v, n, &i);
		if (i >= n)
			break;
		if (v[i] == ',') {
			i++;
			continue;
		}
		t = v + i;
		while (i < n && v[i] != ',' && v[i] != '(' && !IS_WSP(v[i])
		    && v[i] != '\r' && v[i] != '\n')
			i++;
		tl = (size_t)(v + i - t);
		if (tl == 0) {
			i++;
			continue;
		}
		if (part->nlanguage >= ctx->lim->params_max)
			break;
		part->language = xreallocarray(part->language,
		    part->nlanguage + 1, sizeof(*part->language));
		part->language[part->nlanguage++] = xstrndup(t, tl);
	}
}

/* set_token - a lower-cased token field value (encoding), or NULL */
static char *
token_dup(const char *v, size_t n)
{
	const char *t;
	size_t tl, i = 0;

	skip_cfws(v, n, &i);
	if (!lex_token(v, n, &i, &t, &tl))
		return (NULL);
	return (strndup_lc(t, tl));
}

/* replace - set *dst to a new string, freeing an earlier one */
static void
replace(char **dst, char *s)
{
	free(*dst);
	*dst = s;
}

/*
 * parse_header - find the header of the part starting at off (up to end)
 * and read its MIME fields (the first of each counts).
 */
static void
parse_header(struct mime_ctx *ctx, struct mime_part *part, size_t off,
    size_t end, int digest_child)
{
	const char *m = ctx->msg;
	struct mime_field f;
	size_t pos = 0, hlen, hend, plen;
	int have_type = 0, have[8] = { 0 };

	/* The header ends with the first empty line, or at end. */
	hend = off;
	while (hend < end) {
		if (m[hend] == '\n') {
			hend++;
			break;
		}
		if (m[hend] == '\r' && hend + 1 < end && m[hend + 1] == '\n') {
			hend += 2;
			break;
		}
		while (hend < end && m[hend] != '\n')
			hend++;
		if (hend < end)
			hend++;
	}
	part->hdr_off = off;
	part->hdr_len = hend - off;
	part->body_off = hend;
	part->body_len = end - hend;
	hlen = part->hdr_len;
	if (hlen > ctx->lim->header_max) {
		hlen = ctx->lim->header_max;
		if (ctx->error == NULL)
			ctx->error = "MIME header too long";
	}
	while (mime_header_next(m + off, hlen, &pos, &f)) {
		if (f.name == NULL || f.name_len < 8
		    || !ci_equal(f.name, 8, "content-"))
			continue;
		plen = f.name_len - 8;
		if (ci_equal(f.name + 8, plen, "type")) {
			if (!have_type)
				have_type = set_type(ctx, part, f.value,
				    f.value_len) ? 1 : -1;
		} else if (ci_equal(f.name + 8, plen,
		    "transfer-encoding") && !have[0]++)
			replace(&part->encoding, token_dup(f.value,
			    f.value_len));
		else if (ci_equal(f.name + 8, plen, "id") && !have[1]++)
			replace(&part->id, unfold_dup(f.value, f.value_len));
		else if (ci_equal(f.name + 8, plen, "description")
		    && !have[2]++)
			replace(&part->description, unfold_dup(f.value,
			    f.value_len));
		else if (ci_equal(f.name + 8, plen, "disposition")
		    && !have[3]++)
			set_disposition(ctx, part, f.value, f.value_len);
		else if (ci_equal(f.name + 8, plen, "language")
		    && !have[4]++)
			set_language(ctx, part, f.value, f.value_len);
		else if (ci_equal(f.name + 8, plen, "location")
		    && !have[5]++)
			replace(&part->location, unfold_dup(f.value,
			    f.value_len));
		else if (ci_equal(f.name + 8, plen, "md5") && !have[6]++)
			replace(&part->md5, unfold_dup(f.value, f.value_len));
	}
	if (have_type <= 0) {
		part->flags |= MIME_PART_NO_TYPE;
		part->type = xstrdup(digest_child ? "message" : "text");
		part->subtype = xstrdup(digest_child ? "rfc822" : "plain");
	}
}

/* make_leaf - a part that cannot be what it says: text/plain us-ascii */
static void
make_leaf(struct mime_ctx *ctx, struct mime_part *part, const char *why)
{
	replace(&part->type, xstrdup("text"));
	replace(&part->subtype, xstrdup("plain"));
	free_params(part->params, part->nparams);
	part->params = xcalloc(1, sizeof(*part->params));
	part->nparams = 1;
	part->params[0].name = xstrdup("charset");
	part->params[0].imap_name = xstrdup("charset");
	part->params[0].value = xstrdup("us-ascii");
	part->params[0].value_len = 8;
	part->params[0].imap_value = xstrdup("us-ascii");
	part->flags |= MIME_PART_LIMITED;
	if (why != NULL && ctx->error == NULL)
		ctx->error = why;
}

/*
 * delim_at - is there a delimiter line for boundary b at p (a line
 * start) in m[..end)? Sets *close for "--b--" and *next to the start of
 * the following line.
 */
static int
delim_at(const char *m, size_t p, size_t end, const char *b, size_t blen,
    int *close, size_t *next)
{
	size_t i;

	if (end - p < blen + 2 || m[p] != '-' || m[p + 1] != '-'
	    || memcmp(m + p + 2, b, blen) != 0)
		return (0);
	i = p + 2 + blen;
	*close = 0;
	if (end - i >= 2 && m[i] == '-' && m[i + 1] == '-') {
		*close = 1;
		i += 2;
	}
	while (i < end && (IS_WSP(m[i]) || m[i] == '\r'))
		i++;
	if (i < end && m[i] != '\n')
		return (0);
	*next = i < end ? i + 1 : end;
	return (1);
}

/*
 * find_delim - the first delimiter line for b in m[from..end) that starts
 * a line (from itself is a line start): its position, or end.
 */
static size_t
find_delim(const char *m, size_t from, size_t end, const char *b,
    size_t blen, int *close, size_t *next)
{
	size_t p = from;
	const char *nl;

	while (p < end) {
		if (delim_at(m, p, end, b, blen, close, next))
			return (p);
		nl = memchr(m + p, '\n', end - p);
		if (nl == NULL)
			break;
		p = (size_t)(nl - m) + 1;
	}
	return (end);
}

static struct mime_part *parse_part(struct mime_ctx *, struct mime_part *,
	    size_t, size_t, unsigned int, int);

/* parse_multipart - split the body of part at its boundary */
static void
parse_multipart(struct mime_ctx *ctx, struct mime_part *part,
    const char *b, size_t blen)
{
	const char *m = ctx->msg;
	size_t end = part->body_off + part->body_len, p, d, next, pend;
	struct mime_part **tail = &part->children, *child;
	int close = 0, digest;

	digest = strcmp(part->subtype, "digest") == 0;
	d = find_delim(m, part->body_off, end, b, blen, &close, &next);
	while (d < end && !close) {
		p = next;
		d = find_delim(m, p, end, b, blen, &close, &next);
		/* The line end before a delimiter belongs to it. */
		pend = d;
		if (d < end || (d == end && close)) {
			if (pend > p && m[pend - 1] == '\n')
				pend--;
			if (pend > p && m[pend - 1] == '\r')
				pend--;
		}
		if (ctx->nparts >= ctx->lim->parts_max) {
			if (ctx->error == NULL)
				ctx->error = "too many MIME parts";
			break;
		}
		child = parse_part(ctx, part, p, pend, part->depth + 1,
		    digest);
		*tail = child;
		tail = &child->next;
		part->nchildren++;
	}
}

/*
 * parse_part - the part in msg[off..end) below parent, at depth: header,
 * then its children or embedded message as its type says and the bounds
 * allow.
 */
static struct mime_part *
parse_part(struct mime_ctx *ctx, struct mime_part *parent, size_t off,
    size_t end, unsigned int depth, int digest_child)
{
	struct mime_part *part = xcalloc(1, sizeof(*part));
	const struct mime_param *bp;
	const char *m = ctx->msg;

	ctx->nparts++;
	part->parent = parent;
	part->depth = depth;
	parse_header(ctx, part, off, end, digest_child);
	part->hdr_size = mime_crlf_size(m, part->hdr_off, part->hdr_len);
	part->body_size = mime_crlf_size(m, part->body_off, part->body_len);
	part->hdr_lines = count_lf(m + part->hdr_off, part->hdr_len);
	part->body_lines = count_lf(m + part->body_off, part->body_len);
	if (strcmp(part->type, "multipart") == 0) {
		bp = mime_param_get(part->params, part->nparams, "boundary");
		if (bp == NULL || bp->value_len == 0
		    || memchr(bp->value, '\n', bp->value_len) != NULL)
			make_leaf(ctx, part, NULL);
		else if (depth >= ctx->lim->depth_max)
			make_leaf(ctx, part, "MIME nesting too deep");
		else if (ctx->nparts >= ctx->lim->parts_max)
			make_leaf(ctx, part, "too many MIME parts");
		else {
			part->flags |= MIME_PART_MULTIPART;
			parse_multipart(ctx, part, bp->value, bp->value_len);
		}
	} else if (strcmp(part->type, "message") == 0
	    && strcmp(part->subtype, "rfc822") == 0) {
		if (part->encoding != NULL
		    && (strcmp(part->encoding, "base64") == 0
		    || strcmp(part->encoding, "quoted-printable") == 0))
			make_leaf(ctx, part, NULL);
		else if (depth >= ctx->lim->depth_max)
			make_leaf(ctx, part, "MIME nesting too deep");
		else if (ctx->nparts >= ctx->lim->parts_max)
			make_leaf(ctx, part, "too many MIME parts");
		else {
			part->flags |= MIME_PART_MESSAGE;
			part->message = parse_part(ctx, part, part->body_off,
			    part->body_off + part->body_len, depth + 1, 0);
		}
	}
	return (part);
}

/* mime_parse - build the part tree of msg[0..len) */
struct mime_part *
mime_parse(const char *msg, size_t len, const struct mime_limits *lim,
    const char **error_r)
{
	struct mime_ctx ctx;
	struct mime_part *root;

	ctx.msg = msg;
	ctx.len = len;
	ctx.lim = lim != NULL ? lim : &mime_limits_default;
	ctx.nparts = 0;
	ctx.error = NULL;
	root = parse_part(&ctx, NULL, 0, len, 0, 0);
	if (error_r != NULL)
		*error_r = ctx.error;
	return (root);
}

/* mime_free - release the tree *p and set it to NULL */
void
mime_free(struct mime_part **p)
{
	struct mime_part *part = *p, *c, *next;
	unsigned int i;

	if (part == NULL)
		return;
	for (c = part->children; c != NULL; c = next) {
		next = c->next;
		mime_free(&c);
	}
	mime_free(&part->message);
	free(part->type);
	free(part->subtype);
	free_params(part->params, part->nparams);
	free(part->id);
	free(part->description);
	free(part->encoding);
	free(part->disposition);
	free_params(part->dparams, part->ndparams);
	for (i = 0; i < part->nlanguage; i++)
		free(part->language[i]);
	free(part->language);
	free(part->location);
	free(part->md5);
	free(part);
	*p = NULL;
}

/*
 * Decoding.
 */

/* b64val - value of a base64 character, or -1 */
static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* b64_decode - append s[0..n) base64-decoded; other characters skipped */
static int
b64_decode(const char *s, size_t n, struct sbuf *out)
{
	uint32_t acc = 0;
	int bits = 0, v;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '=')
			break;
		if ((v = b64val((unsigned char)s[i])) < 0)
			continue;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (sbuf_appendc(out, (int)((acc >> bits) & 0xff)) < 0)
				return (-1);
		}
	}
	return (0);
}

/* qp_decode - append s[0..n) quoted-printable-decoded (q: RFC 2047 Q) */
static int
qp_decode(const char *s, size_t n, int q, struct sbuf *out)
{
	size_t i, j;
	int h, l, c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (q && c == '_')
			c = ' ';
		else if (c == '=') {
			if (i + 2 < n && (h = hexval((unsigned char)
			    s[i + 1])) >= 0 && (l = hexval((unsigned char)
			    s[i + 2])) >= 0) {
				c = h * 16 + l;
				i += 2;
			} else {
				/* A soft line break: "=" blanks line end. */
				for (j = i + 1; j < n && (IS_WSP(s[j])
				    || s[j] == '\r'); j++)
					;
				if (j < n && s[j] == '\n') {
					i = j;
					continue;
				}
				if (j == n) {
					i = j;
					continue;
				}
			}
		} else if (!q && (c == ' ' || c == '\t')) {
			/* Trailing blanks of a line are dropped. */
			for (j = i; j < n && IS_WSP(s[j]); j++)
				;
			if (j == n || s[j] == '\n' || s[j] == '\r') {
				i = j - 1;
				continue;
			}
		}
		if (sbuf_appendc(out, c) < 0)
			return (-1);
	}
	return (0);
}

/* mime_part_decode - the body of part with its encoding undone */
int
mime_part_decode(const char *msg, size_t len, const struct mime_part *part,
    struct sbuf *out)
{
	const char *b = msg + part->body_off;
	size_t n = part->body_len;

	if (part->body_off > len || n > len - part->body_off)
		return (-1);
	if (part->encoding != NULL && strcmp(part->encoding, "base64") == 0)
		return (b64_decode(b, n, out));
	if (part->encoding != NULL
	    && strcmp(part->encoding, "quoted-printable") == 0)
		return (qp_decode(b, n, 0, out));
	return (sbuf_append(out, b, n));
}

/*
 * encoded_word - decode the RFC 2047 encoded word at s[0..n) into out;
 * returns its length, or 0 when s does not start with a valid one.
 */
static size_t
encoded_word(const char *s, size_t n, struct sbuf *out, struct sbuf *tmp)
{
	size_t i, cs_end, enc, text, end;
	char cs[64];
	const char *star;

	if (n < 8 || s[0] != '=' || s[1] != '?')
		return (0);
	for (i = 2; i < n && s[i] != '?' && !IS_WSP(s[i]); i++)
		;
	if (i >= n || s[i] != '?' || i - 2 >= sizeof(cs) || i == 2)
		return (0);
	cs_end = i;
	enc = i + 1;
	if (enc + 2 >= n || s[enc + 1] != '?')
		return (0);
	text = enc + 2;
	for (end = text; end + 1 < n; end++) {
		if (s[end] == '?' && s[end + 1] == '=')
			break;
		if (IS_WSP(s[end]) || s[end] == '\n' || s[end] == '\r')
			return (0);
	}
	if (end + 1 >= n)
		return (0);
	memcpy(cs, s + 2, cs_end - 2);
	cs[cs_end - 2] = '\0';
	if ((star = strchr(cs, '*')) != NULL)
		cs[star - cs] = '\0';		/* RFC 2231 language */
	sbuf_reset(tmp);
	if (lcase((unsigned char)s[enc]) == 'b')
		(void)b64_decode(s + text, end - text, tmp);
	else if (lcase((unsigned char)s[enc]) == 'q')
		(void)qp_decode(s + text, end - text, 1, tmp);
	else
		return (0);
	if (to_utf8(cs, sbuf_str(tmp), sbuf_len(tmp), out) < 0)
		return (0);
	return (end + 2);
}

/* mime_header_decode - s[0..n) with RFC 2047 encoded words decoded */
int
mime_header_decode(const char *s, size_t n, struct sbuf *out)
{
	struct sbuf *tmp = sbuf_new(n + 1);
	size_t i = 0, w, j, start = sbuf_len(out), mark;
	int last_ew = 0;

	while (i < n) {
		if (s[i] == '=' && i + 1 < n && s[i + 1] == '?') {
			mark = sbuf_len(out);
			w = encoded_word(s + i, n - i, out, tmp);
			if (w > 0) {
				i += w;
				last_ew = 1;
				continue;
			}
			sbuf_truncate(out, mark);
		}
		if (last_ew && (IS_WSP(s[i]) || s[i] == '\r'
		    || s[i] == '\n')) {
			/* Blanks between two encoded words vanish. */
			for (j = i; j < n && (IS_WSP(s[j]) || s[j] == '\r'
			    || s[j] == '\n'); j++)
				;
			if (j + 1 < n && s[j] == '=' && s[j + 1] == '?') {
				mark = sbuf_len(out);
				w = encoded_word(s + j, n - j, out, tmp);
				if (w > 0) {
					i = j + w;
					continue;
				}
				sbuf_truncate(out, mark);
			}
		}
		last_ew = 0;
		for (j = i + 1; j < n && s[j] != '=' && !IS_WSP(s[j]); j++)
			;
		if (to_utf8(NULL, s + i, j - i, out) < 0) {
			sbuf_truncate(out, start);
			sbuf_free(&tmp);
			return (-1);
		}
		i = j;
	}
	sbuf_free(&tmp);
	return (0);
}

/*
 * Case-insensitive search over code points.
 */

/* A needle as folded code points with its KMP failure table. */
struct matcher {
	uint32_t *cp;
	size_t	*fail;
	size_t	n;
};

/* decode_cps - folded code points of s[0..n) (non-UTF-8 as Latin-1) */
static uint32_t *
decode_cps(const char *s, size_t n, size_t *count)
{
	uint32_t *cp = xcalloc(n + 1, sizeof(*cp)), c;
	size_t i = 0, k = 0, l;

	while (i < n) {
		l = utf8_decode((const unsigned char *)s + i, n - i, &c);
		if (l == 0) {
			c = (unsigned char)s[i];
			l = 1;
		}
		cp[k++] = utf8_fold(c);
		i += l;
	}
	*count = k;
	return (cp);
}

/* matcher_init - prepare needle */
static void
matcher_init(struct matcher *m, const char *needle)
{
	size_t i, k = 0;

	m->cp = decode_cps(needle, strlen(needle), &m->n);
	m->fail = xcalloc(m->n + 1, sizeof(*m->fail));
	for (i = 1; i < m->n; i++) {
		while (k > 0 && m->cp[i] != m->cp[k])
			k = m->fail[k - 1];
		if (m->cp[i] == m->cp[k])
			k++;
		m->fail[i] = k;
	}
}

/* matcher_free - release m */
static void
matcher_free(struct matcher *m)
{
	free(m->cp);
	free(m->fail);
}

/* matcher_find - does the UTF-8 text s[0..n) contain the needle? */
static int
matcher_find(const struct matcher *m, const char *s, size_t n)
{
	size_t i = 0, k = 0, l;
	uint32_t c;

	if (m->n == 0)
		return (1);
	while (i < n) {
		l = utf8_decode((const unsigned char *)s + i, n - i, &c);
		if (l == 0) {
			c = (unsigned char)s[i];
			l = 1;
		}
		i += l;
		c = utf8_fold(c);
		while (k > 0 && c != m->cp[k])
			k = m->fail[k - 1];
		if (c == m->cp[k] && ++k == m->n)
			return (1);
	}
	return (0);
}

/* mime_str_contains - case-insensitive substring test */
int
mime_str_contains(const char *hay, size_t n, const char *needle)
{
	struct matcher m;
	int found;

	matcher_init(&m, needle);
	found = matcher_find(&m, hay, n);
	matcher_free(&m);
	return (found);
}

/* search_header - does any field of a header block match? */
static int
search_header(const char *msg, const struct mime_part *part,
    const struct matcher *m, struct sbuf *a, struct sbuf *b)
{
	struct mime_field f;
	size_t pos = 0;

	while (mime_header_next(msg + part->hdr_off, part->hdr_len, &pos, &f)) {
		sbuf_reset(a);
		sbuf_reset(b);
		if (f.name != NULL) {
			(void)sbuf_append(a, f.name, f.name_len);
			(void)sbuf_append(a, ": ", 2);
			(void)unfold(f.value, f.value_len, a);
		} else
			(void)unfold(f.start, f.len, a);
		if (mime_header_decode(sbuf_str(a), sbuf_len(a), b) < 0)
			continue;
		if (matcher_find(m, sbuf_str(b), sbuf_len(b)))
			return (1);
	}
	return (0);
}

/* search_part - search the part and everything below it */
static int
search_part(const char *msg, size_t len, const struct mime_part *part,
    int headers, const struct matcher *m, struct sbuf *a, struct sbuf *b)
{
	const struct mime_part *c;
	const struct mime_param *cs;

	if (headers && search_header(msg, part, m, a, b))
		return (1);
	if (part->flags & MIME_PART_MULTIPART) {
		for (c = part->children; c != NULL; c = c->next)
			if (search_part(msg, len, c, headers, m, a, b))
				return (1);
		return (0);
	}
	if (part->flags & MIME_PART_MESSAGE)
		/* An attached message's header is text of the body. */
		return (search_part(msg, len, part->message, 1, m, a, b));
	if (strcmp(part->type, "text") != 0)
		return (0);
	sbuf_reset(a);
	sbuf_reset(b);
	if (mime_part_decode(msg, len, part, a) < 0)
		return (0);
	cs = mime_param_get(part->params, part->nparams, "charset");
	if (to_utf8(cs != NULL ? cs->value : NULL, sbuf_str(a), sbuf_len(a),
	    b) < 0)
		return (0);
	return (matcher_find(m, sbuf_str(b), sbuf_len(b)));
}

/* mime_text_contains - SEARCH TEXT / BODY over the decoded message */
int
mime_text_contains(const char *msg, size_t len,
    const struct mime_part *root, int body_only, const char *needle)
{
	struct matcher m;
	struct sbuf *a, *b;
	size_t cap = len * 4 + 1024;
	int found;

	/* bounds: decoded text is at most the raw size; UTF-8 of Latin-1
	 * at most doubles it, a replacement character triples a byte. */
	a = sbuf_new(cap);
	b = sbuf_new(cap);
	matcher_init(&m, needle);
	found = search_part(msg, len, root, !body_only, &m, a, b);
	matcher_free(&m);
	sbuf_free(&a);
	sbuf_free(&b);
	return (found);
}
