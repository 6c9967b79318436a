/*
 * imap_fetch - ENVELOPE, BODY, BODYSTRUCTURE and BODY[section] from a
 * message and its MIME tree (common/mime.h).
 *
 * Everything is appended to the caller's sbuf, whose cap bounds the
 * result; the first append that fails makes the function return -1.
 * Addresses are parsed with a small RFC 5322 lexer that is lenient the
 * way mail readers are: junk between addresses is skipped, a lone word is
 * a mailbox with host "MISSING_DOMAIN" (a NIL host would mean a group),
 * the last comment is the name of a bare addr-spec. Nothing is logged.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "imap_fetch.h"
#include "mime.h"
#include "sbuf.h"

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')
#define QUOTED_MAX	1024

/* Appends go through this so the first failure sticks. */
struct out {
	struct sbuf *sb;
	int	failed;
};

/* put - append n bytes */
static void
put(struct out *o, const char *s, size_t n)
{
	if (!o->failed && sbuf_append(o->sb, s, n) < 0)
		o->failed = 1;
}

/* puts_ - append a C string */
static void
puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* imap_quote - an IMAP string, quoted or literal, or NIL */
int
imap_quote(const char *s, size_t n, struct sbuf *out)
{
	size_t i, start = sbuf_len(out);
	int literal = n > QUOTED_MAX, r = 0;
	unsigned char c;

	if (s == NULL)
		return (sbuf_append(out, "NIL", 3));
	for (i = 0; i < n && !literal; i++) {
		c = (unsigned char)s[i];
		if (c == '\0' || c == '\r' || c == '\n' || c >= 0x80)
			literal = 1;
	}
	if (literal) {
		r |= sbuf_appendf(out, "{%zu}\r\n", n);
		r |= sbuf_append(out, s, n);
	} else {
		r |= sbuf_appendc(out, '"');
		for (i = 0; i < n; i++) {
			if (s[i] == '"' || s[i] == '\\')
				r |= sbuf_appendc(out, '\\');
			r |= sbuf_appendc(out, s[i]);
		}
		r |= sbuf_appendc(out, '"');
	}
	if (r < 0) {
		sbuf_truncate(out, start);
		return (-1);
	}
	return (0);
}

/* quote - imap_quote() of a C string (or NIL) into o */
static void
quote(struct out *o, const char *s)
{
	if (!o->failed && imap_quote(s, s != NULL ? strlen(s) : 0, o->sb) < 0)
		o->failed = 1;
}

/* quote_n - imap_quote() of n bytes into o */
static void
quote_n(struct out *o, const char *s, size_t n)
{
	if (!o->failed && imap_quote(s, n, o->sb) < 0)
		o->failed = 1;
}

/* imap_fetch_crlf - msg[off..off+n) with bare LF sent as CR LF */
int
imap_fetch_crlf(const char *msg, size_t off, size_t n, struct sbuf *out)
{
	size_t i, from = off, start = sbuf_len(out);

	for (i = off; i < off + n; i++) {
		if (msg[i] != '\n' || (i > 0 && msg[i - 1] == '\r'))
			continue;
		if (sbuf_append(out, msg + from, i - from) < 0
		    || sbuf_append(out, "\r\n", 2) < 0)
			goto full;
		from = i + 1;
	}
	if (sbuf_append(out, msg + from, off + n - from) < 0)
		goto full;
	return (0);
full:
	sbuf_truncate(out, start);
	return (-1);
}

/*
 * Addresses (RFC 5322 section 3.4, with the obsolete forms readers meet).
 */

/* Lexer over one unfolded address field. */
struct alex {
	const char *s;
	size_t	n, i;
	struct sbuf *comment;		/* the last comment's text */
};

/* is_atext - atom character; "." too, for obsolete phrases and locals */
static int
is_atext(int c)
{
	return (c > ' ' && c != 127 && strchr("()<>[]:;@\\,\"", c) == NULL);
}

/* a_cfws - skip blanks and comments, keeping the last comment's text */
static void
a_cfws(struct alex *a)
{
	int depth;

	while (a->i < a->n) {
		if (IS_WSP(a->s[a->i]) || a->s[a->i] == '\r'
		    || a->s[a->i] == '\n') {
			a->i++;
			continue;
		}
		if (a->s[a->i] != '(')
			return;
		sbuf_reset(a->comment);
		depth = 0;
		while (a->i < a->n) {
			if (a->s[a->i] == '\\' && a->i + 1 < a->n) {
				a->i++;
				(void)sbuf_appendc(a->comment, a->s[a->i]);
			} else if (a->s[a->i] == '(') {
				if (depth++ > 0)
					(void)sbuf_appendc(a->comment, '(');
			} else if (a->s[a->i] == ')') {
				if (--depth == 0) {
					a->i++;
					break;
				}
				(void)sbuf_appendc(a->comment, ')');
			} else
				(void)sbuf_appendc(a->comment, a->s[a->i]);
			a->i++;
		}
	}
}

/* a_word - an atom or quoted string into w (appended); 0 if none */
static int
a_word(struct alex *a, struct sbuf *w)
{
	size_t b;

	if (a->i >= a->n)
		return (0);
	if (a->s[a->i] == '"') {
		a->i++;
		while (a->i < a->n && a->s[a->i] != '"') {
			if (a->s[a->i] == '\\' && a->i + 1 < a->n)
				a->i++;
			(void)sbuf_appendc(w, a->s[a->i]);
			a->i++;
		}
		if (a->i < a->n)
			a->i++;
		return (1);
	}
	b = a->i;
	while (a->i < a->n && is_atext((unsigned char)a->s[a->i]))
		a->i++;
	(void)sbuf_append(w, a->s + b, a->i - b);
	return (a->i > b);
}

/* a_phrase - words joined by single spaces into w; 0 if none */
static int
a_phrase(struct alex *a, struct sbuf *w)
{
	int words = 0;
	size_t mark;

	for (;;) {
		a_cfws(a);
		mark = sbuf_len(w);
		if (words > 0)
			(void)sbuf_appendc(w, ' ');
		if (!a_word(a, w)) {
			sbuf_truncate(w, mark);
			return (words > 0);
		}
		words++;
	}
}

/* a_domain - a domain (dot-atoms or a [literal]) into w */
static void
a_domain(struct alex *a, struct sbuf *w)
{
	size_t b;

	for (;;) {
		a_cfws(a);
		if (a->i < a->n && a->s[a->i] == '[') {
			b = a->i;
			while (a->i < a->n && a->s[a->i] != ']')
				a->i++;
			if (a->i < a->n)
				a->i++;
			(void)sbuf_append(w, a->s + b, a->i - b);
		} else if (!a_word(a, w))
			return;
		a_cfws(a);
		if (a->i < a->n && a->s[a->i] == '.') {
			(void)sbuf_appendc(w, '.');
			a->i++;
		} else
			return;
	}
}

/* put_addr - one (name adl mailbox host) */
static void
put_addr(struct out *o, const struct sbuf *name, const struct sbuf *adl,
    const struct sbuf *box, const struct sbuf *host)
{
	puts_(o, "(");
	if (name != NULL && sbuf_len(name) > 0)
		quote_n(o, sbuf_str(name), sbuf_len(name));
	else
		puts_(o, "NIL");
	puts_(o, " ");
	if (adl != NULL && sbuf_len(adl) > 0)
		quote_n(o, sbuf_str(adl), sbuf_len(adl));
	else
		puts_(o, "NIL");
	puts_(o, " ");
	if (box != NULL)
		quote_n(o, sbuf_str(box), sbuf_len(box));
	else
		puts_(o, "NIL");
	puts_(o, " ");
	if (host != NULL)
		quote_n(o, sbuf_str(host), sbuf_len(host));
	else
		puts_(o, "NIL");
	puts_(o, ")");
}

/* Scratch buffers for one address. */
struct abufs {
	struct sbuf *phrase, *adl, *box, *host;
};

/*
 * a_mailbox - the mailbox at the lexer (after its phrase, already in
 * b->phrase), written to o; stop is the character that ends it; returns
 * 1 when one was written.
 */
static int
a_mailbox(struct alex *a, struct abufs *b, struct out *o)
{
	size_t b0;
	int angle = 0;

	sbuf_reset(b->adl);
	sbuf_reset(b->box);
	sbuf_reset(b->host);
	a_cfws(a);
	if (a->i < a->n && a->s[a->i] == '<') {
		angle = 1;
		a->i++;
		a_cfws(a);
		if (a->i < a->n && a->s[a->i] == '@') {
			/* An obsolete route: keep it as written. */
			b0 = a->i;
			while (a->i < a->n && a->s[a->i] != ':'
			    && a->s[a->i] != '>')
				a->i++;
			for (; b0 < a->i; b0++)
				if (!IS_WSP(a->s[b0]))
					(void)sbuf_appendc(b->adl, a->s[b0]);
			if (a->i < a->n && a->s[a->i] == ':')
				a->i++;
		}
		(void)a_phrase(a, b->box);
	} else {
		/* addr-spec: the phrase was the local part. */
		(void)sbuf_append(b->box, sbuf_str(b->phrase),
		    sbuf_len(b->phrase));
		sbuf_reset(b->phrase);
	}
	a_cfws(a);
	if (a->i < a->n && a->s[a->i] == '@') {
		a->i++;
		a_domain(a, b->host);
	}
	a_cfws(a);
	if (angle) {
		while (a->i < a->n && a->s[a->i] != '>' && a->s[a->i] != ','
		    && a->s[a->i] != ';')
			a->i++;
		if (a->i < a->n && a->s[a->i] == '>')
			a->i++;
		if (sbuf_len(b->box) == 0 && sbuf_len(b->host) == 0)
			return (0);	/* "<>" */
	} else if (sbuf_len(b->phrase) == 0 && sbuf_len(a->comment) > 0) {
		sbuf_reset(b->phrase);
		(void)sbuf_append(b->phrase, sbuf_str(a->comment),
		    sbuf_len(a->comment));
	}
	if (sbuf_len(b->box) == 0)
		(void)sbuf_set(b->box, "MISSING_MAILBOX");
	if (sbuf_len(b->host) == 0)
		(void)sbuf_set(b->host, "MISSING_DOMAIN");
	put_addr(o, b->phrase, b->adl, b->box, b->host);
	return (1);
}

/* put_addresses - the address list of one field value, or NIL */
static void
put_addresses(const char *s, size_t n, struct out *o)
{
	struct alex a;
	struct abufs b;
	size_t start = sbuf_len(o->sb), before;
	int count = 0, in_group = 0;

	a.s = s;
	a.n = n;
	a.i = 0;
	a.comment = sbuf_new(n + 1);
	b.phrase = sbuf_new(n + 1);
	b.adl = sbuf_new(n + 1);
	b.box = sbuf_new(n + 32);
	b.host = sbuf_new(n + 32);
	puts_(o, "(");
	while (a.i < a.n) {
		a_cfws(&a);
		if (a.i >= a.n)
			break;
		before = a.i;
		if (a.s[a.i] == ',') {
			a.i++;
			continue;
		}
		if (a.s[a.i] == ';') {
			a.i++;
			if (in_group) {
				puts_(o, "(NIL NIL NIL NIL)");
				in_group = 0;
			}
			continue;
		}
		sbuf_reset(b.phrase);
		sbuf_reset(a.comment);
		(void)a_phrase(&a, b.phrase);
		a_cfws(&a);
		if (a.i < a.n && a.s[a.i] == ':' && !in_group) {
			a.i++;
			puts_(o, "(NIL NIL ");
			quote_n(o, sbuf_str(b.phrase), sbuf_len(b.phrase));
			puts_(o, " NIL)");
			in_group = 1;
			count++;
			continue;
		}
		if (sbuf_len(b.phrase) > 0 || (a.i < a.n
		    && (a.s[a.i] == '<' || a.s[a.i] == '@'))) {
			if (a_mailbox(&a, &b, o))
				count++;
		}
		if (a.i == before)
			a.i++;		/* junk: skip it */
	}
	if (in_group)
		puts_(o, "(NIL NIL NIL NIL)");
	puts_(o, ")");
	if (count == 0 && !o->failed) {
		sbuf_truncate(o->sb, start);
		puts_(o, "NIL");
	}
	sbuf_free(&a.comment);
	sbuf_free(&b.phrase);
	sbuf_free(&b.adl);
	sbuf_free(&b.box);
	sbuf_free(&b.host);
}

/* header_value - the first field called name of part's header, or -1 */
static int
header_value(const char *msg, const struct mime_part *p, const char *name,
    struct sbuf *v)
{
	sbuf_reset(v);
	return (mime_header_first(msg + p->hdr_off, p->hdr_len, name, v) == 1
	    ? 0 : -1);
}

/* put_envelope - the ENVELOPE list of message root p */
static void
put_envelope(const char *msg, const struct mime_part *p, struct out *o)
{
	static const char *const strs[] = { "date", "subject" };
	static const char *const addrs[] = { "from", "sender", "reply-to",
	    "to", "cc", "bcc" };
	static const char *const ids[] = { "in-reply-to", "message-id" };
	struct sbuf *v = sbuf_new(p->hdr_len + 1);
	struct sbuf *from = sbuf_new(0);
	size_t i, mark;
	struct out fo;

	puts_(o, "(");
	for (i = 0; i < 2; i++) {
		if (header_value(msg, p, strs[i], v) == 0)
			quote_n(o, sbuf_str(v), sbuf_len(v));
		else
			puts_(o, "NIL");
		puts_(o, " ");
	}
	fo.sb = from;
	fo.failed = 0;
	if (header_value(msg, p, "from", v) == 0)
		put_addresses(sbuf_str(v), sbuf_len(v), &fo);
	else
		puts_(&fo, "NIL");
	for (i = 0; i < 6; i++) {
		if (i == 0) {
			put(o, sbuf_str(from), sbuf_len(from));
		} else {
			mark = sbuf_len(o->sb);
			if (header_value(msg, p, addrs[i], v) == 0)
				put_addresses(sbuf_str(v), sbuf_len(v), o);
			else
				puts_(o, "NIL");
			/* Sender and Reply-To default to From. */
			if (i <= 2 && !o->failed && strcmp(o->sb->data + mark,
			    "NIL") == 0) {
				sbuf_truncate(o->sb, mark);
				put(o, sbuf_str(from), sbuf_len(from));
			}
		}
		puts_(o, " ");
	}
	for (i = 0; i < 2; i++) {
		if (header_value(msg, p, ids[i], v) == 0)
			quote_n(o, sbuf_str(v), sbuf_len(v));
		else
			puts_(o, "NIL");
		if (i == 0)
			puts_(o, " ");
	}
	puts_(o, ")");
	if (fo.failed)
		o->failed = 1;
	sbuf_free(&v);
	sbuf_free(&from);
}

/* imap_fetch_envelope - the ENVELOPE of the message rooted at root */
int
imap_fetch_envelope(const char *msg, size_t len,
    const struct mime_part *root, struct sbuf *out)
{
	struct out o = { out, 0 };
	size_t start = sbuf_len(out);

	(void)len;
	put_envelope(msg, root, &o);
	if (o.failed) {
		sbuf_truncate(out, start);
		return (-1);
	}
	return (0);
}

/*
 * BODY and BODYSTRUCTURE.
 */

#define EMPTY_BODY	"(\"text\" \"plain\" (\"charset\" \"us-ascii\") " \
	"NIL NIL \"7bit\" 0 0"

/* put_params - ("name" "value" ...) or NIL; text adds a default charset */
static void
put_params(const struct mime_param *p, unsigned int n, int text,
    struct out *o)
{
	unsigned int i;
	int charset = 0;

	if (n == 0 && !text) {
		puts_(o, "NIL");
		return;
	}
	puts_(o, "(");
	for (i = 0; i < n; i++) {
		if (i > 0)
			puts_(o, " ");
		if (strcmp(p[i].name, "charset") == 0)
			charset = 1;
		quote(o, p[i].imap_name);
		puts_(o, " ");
		quote(o, p[i].imap_value);
	}
	if (text && !charset)
		puts_(o, n > 0 ? " \"charset\" \"us-ascii\""
		    : "\"charset\" \"us-ascii\"");
	puts_(o, ")");
}

/* put_ext_common - disposition, language and location */
static void
put_ext_common(const struct mime_part *p, struct out *o)
{
	unsigned int i;

	puts_(o, " ");
	if (p->disposition == NULL)
		puts_(o, "NIL");
	else {
		puts_(o, "(");
		quote(o, p->disposition);
		puts_(o, " ");
		put_params(p->dparams, p->ndparams, 0, o);
		puts_(o, ")");
	}
	puts_(o, " ");
	if (p->nlanguage == 0)
		puts_(o, "NIL");
	else {
		puts_(o, "(");
		for (i = 0; i < p->nlanguage; i++) {
			if (i > 0)
				puts_(o, " ");
			quote(o, p->language[i]);
		}
		puts_(o, ")");
	}
	puts_(o, " ");
	quote(o, p->location);
}

/* put_body - the body structure of part p */
static void
put_body(const char *msg, const struct mime_part *p, int ext,
    struct out *o)
{
	const struct mime_part *c;
	int text;

	if (o->failed)
		return;
	if (p->flags & MIME_PART_MULTIPART) {
		puts_(o, "(");
		if (p->children == NULL) {
			puts_(o, EMPTY_BODY);
			puts_(o, ext ? " NIL NIL NIL NIL)" : ")");
		}
		for (c = p->children; c != NULL; c = c->next)
			put_body(msg, c, ext, o);
		puts_(o, " ");
		quote(o, p->subtype);
		if (ext) {
			puts_(o, " ");
			put_params(p->params, p->nparams, 0, o);
			put_ext_common(p, o);
		}
		puts_(o, ")");
		return;
	}
	text = strcmp(p->type, "text") == 0;
	puts_(o, "(");
	quote(o, p->type);
	puts_(o, " ");
	quote(o, p->subtype);
	puts_(o, " ");
	put_params(p->params, p->nparams, text, o);
	puts_(o, " ");
	quote(o, p->id);
	puts_(o, " ");
	quote(o, p->description);
	puts_(o, " ");
	quote(o, p->encoding != NULL ? p->encoding : "7bit");
	if (!o->failed && sbuf_appendf(o->sb, " %zu", p->body_size) < 0)
		o->failed = 1;
	if (text) {
		if (!o->failed && sbuf_appendf(o->sb, " %zu", p->body_lines)
		    < 0)
			o->failed = 1;
	} else if (p->flags & MIME_PART_MESSAGE) {
		puts_(o, " ");
		put_envelope(msg, p->message, o);
		puts_(o, " ");
		put_body(msg, p->message, ext, o);
		if (!o->failed && sbuf_appendf(o->sb, " %zu", p->body_lines)
		    < 0)
			o->failed = 1;
	}
	if (ext) {
		puts_(o, " ");
		quote(o, p->md5);
		put_ext_common(p, o);
	}
	puts_(o, ")");
}

/* imap_fetch_bodystructure - BODY or BODYSTRUCTURE of root */
int
imap_fetch_bodystructure(const char *msg, size_t len,
    const struct mime_part *root, int extended, struct sbuf *out)
{
	struct out o = { out, 0 };
	size_t start = sbuf_len(out);

	(void)len;
	put_body(msg, root, extended, &o);
	if (o.failed) {
		sbuf_truncate(out, start);
		return (-1);
	}
	return (0);
}

/*
 * BODY[section].
 */

/* kw - does s start with keyword w (case ignored)? advance past it */
static int
kw(const char **s, const char *w)
{
	size_t n = strlen(w), i;

	for (i = 0; i < n; i++)
		if ((*s)[i] == '\0' || ((*s)[i] | 0x20) != (w[i] | 0x20))
			return (0);
	*s += n;
	return (1);
}

/* name_eq - header field name f[0..fn) equals list entry e[0..en)? */
static int
name_eq(const char *f, size_t fn, const char *e, size_t en)
{
	size_t i;

	if (fn != en)
		return (0);
	for (i = 0; i < fn; i++)
		if ((f[i] | 0x20) != (e[i] | 0x20))
			return (0);
	return (1);
}

/* A parsed header-list: names as offsets into one buffer. */
#define FIELDS_MAX	256

struct fields {
	struct sbuf *buf;
	size_t	off[FIELDS_MAX], len[FIELDS_MAX];
	unsigned int n;
};

/* parse_fields - " (A "B" C)" at *s to its end; -1 when malformed */
static int
parse_fields(const char *s, struct fields *f)
{
	size_t b;

	while (*s == ' ')
		s++;
	if (*s++ != '(')
		return (-1);
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == ')')
			break;
		if (f->n >= FIELDS_MAX)
			return (-1);
		b = sbuf_len(f->buf);
		if (*s == '"') {
			for (s++; *s != '"'; s++) {
				if (*s == '\\' && s[1] != '\0')
					s++;
				if (*s == '\0')
					return (-1);
				(void)sbuf_appendc(f->buf, *s);
			}
			s++;
		} else {
			for (; *s > ' ' && *s < 127 && *s != '(' && *s != ')'
			    && *s != '"' && *s != '{'; s++)
				(void)sbuf_appendc(f->buf, *s);
		}
		if (sbuf_len(f->buf) == b)
			return (-1);
		f->off[f->n] = b;
		f->len[f->n] = sbuf_len(f->buf) - b;
		f->n++;
	}
	s++;
	while (*s == ' ')
		s++;
	return (*s == '\0' && f->n > 0 ? 0 : -1);
}

/* put_fields - header fields of p in (not: not in) the list, blank line */
static int
put_fields(const char *msg, const struct mime_part *p,
    const struct fields *f, int not, struct sbuf *out)
{
	struct mime_field hf;
	size_t pos = 0, off;
	unsigned int i;
	int in;

	while (mime_header_next(msg + p->hdr_off, p->hdr_len, &pos, &hf)) {
		in = 0;
		for (i = 0; hf.name != NULL && i < f->n && !in; i++)
			in = name_eq(hf.name, hf.name_len,
			    sbuf_str(f->buf) + f->off[i], f->len[i]);
		if (in != not) {
			off = (size_t)(hf.start - msg);
			if (imap_fetch_crlf(msg, off, hf.len, out) < 0)
				return (-1);
			if ((hf.len == 0 || hf.start[hf.len - 1] != '\n')
			    && sbuf_append(out, "\r\n", 2) < 0)
				return (-1);
		}
	}
	return (sbuf_append(out, "\r\n", 2));
}

/* imap_fetch_section - the contents of BODY[section] */
int
imap_fetch_section(const char *msg, size_t len,
    const struct mime_part *root, const char *section,
    struct sbuf *out, const char **error_r)
{
	const struct mime_part *cur = root, *m;
	const char *s = section;
	struct fields f;
	unsigned long num;
	int nums = 0, r, not;
	size_t start = sbuf_len(out);

	(void)len;
	f.buf = NULL;
	f.n = 0;
	/* The part numbers. */
	while (*s >= '0' && *s <= '9') {
		if (*s == '0') {
			*error_r = "invalid part number";
			return (-1);
		}
		num = 0;
		for (; *s >= '0' && *s <= '9'; s++)
			if (num < 100000000UL)
				num = num * 10 + (unsigned long)(*s - '0');
		if (cur != NULL && nums > 0 && (cur->flags & MIME_PART_MESSAGE))
			cur = cur->message;
		if (cur != NULL && (cur->flags & MIME_PART_MULTIPART)) {
			for (cur = cur->children; cur != NULL && num > 1; num--)
				cur = cur->next;
		} else if (num != 1)
			cur = NULL;
		nums++;
		if (*s == '\0')
			break;
		if (*s != '.' || s[1] == '\0') {
			*error_r = "invalid section";
			return (-1);
		}
		s++;
	}
	if (*s == '\0') {
		if (cur == NULL)
			return (0);
		if (nums == 0)
			r = imap_fetch_crlf(msg, 0, len, out);
		else
			r = imap_fetch_crlf(msg, cur->body_off, cur->body_len,
			    out);
		goto done;
	}
	if (nums > 0 && kw(&s, "MIME")) {
		if (*s != '\0') {
			*error_r = "invalid section";
			return (-1);
		}
		r = cur == NULL ? 0 : imap_fetch_crlf(msg, cur->hdr_off,
		    cur->hdr_len, out);
		goto done;
	}
	/* A message specifier: on the message, or a message/rfc822 part. */
	m = cur;
	if (nums > 0)
		m = cur != NULL && (cur->flags & MIME_PART_MESSAGE)
		    ? cur->message : NULL;
	if (kw(&s, "TEXT")) {
		if (*s != '\0') {
			*error_r = "invalid section";
			return (-1);
		}
		r = m == NULL ? 0 : imap_fetch_crlf(msg, m->body_off,
		    m->body_len, out);
		goto done;
	}
	if (!kw(&s, "HEADER")) {
		*error_r = "invalid section";
		return (-1);
	}
	if (*s == '\0') {
		r = m == NULL ? 0 : imap_fetch_crlf(msg, m->hdr_off,
		    m->hdr_len, out);
		goto done;
	}
	if (!kw(&s, ".FIELDS")) {
		*error_r = "invalid section";
		return (-1);
	}
	not = kw(&s, ".NOT");
	if (*s != ' ' && *s != '(') {
		*error_r = "invalid section";
		return (-1);
	}
	f.buf = sbuf_new(strlen(s) + 1);
	if (parse_fields(s, &f) < 0) {
		sbuf_free(&f.buf);
		*error_r = "invalid header field list";
		return (-1);
	}
	r = m == NULL ? 0 : put_fields(msg, m, &f, not, out);
	sbuf_free(&f.buf);
done:
	if (r < 0) {
		sbuf_truncate(out, start);
		*error_r = "result too large";
		return (-1);
	}
	return (0);
}
