/*
 * fuzz_mime - libFuzzer harness for common/mime.c and common/imap_fetch.c.
 *
 * The first input byte holds options: its low bits pick the default
 * limits or tiny ones (depth 3, 8 parts, 64 header bytes, 2 parameters,
 * so every bound is reached with short inputs), and select a SEARCH
 * needle. The rest is the message, parsed from an exact-size copy so the
 * sanitizers catch a read past the end, then run through every generator:
 * BODY, BODYSTRUCTURE, ENVELOPE, a set of BODY[section] specifiers, the
 * text search, header decoding and body decoding. Beyond the sanitizers'
 * checks the harness aborts when the tree's offsets leave the message,
 * when sizes disagree with a CRLF conversion of the part, when a
 * generated list has unbalanced parentheses, or when BODY[] is not the
 * CRLF form of the whole message.
 *
 * Not built by default: see README.md beside it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imap_fetch.h"
#include "mime.h"
#include "sbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort, for the fuzzer to report, unless cond holds */
static void
check(int cond)
{
	if (!cond)
		abort();
}

/* balanced - parentheses outside quoted strings and literals balance */
static void
balanced(const struct sbuf *sb)
{
	const char *s = sbuf_str(sb), *end = s + sbuf_len(sb);
	long depth = 0;
	unsigned long lit;
	int q = 0;

	for (; s < end; s++) {
		if (q) {
			if (*s == '\\')
				s++;
			else if (*s == '"')
				q = 0;
		} else if (*s == '"')
			q = 1;
		else if (*s == '{') {
			lit = strtoul(s + 1, (char **)&s, 10);
			check(s + 3 + lit <= end && s[0] == '}');
			s += 2 + lit;
		} else if (*s == '(')
			depth++;
		else if (*s == ')')
			check(--depth >= 0);
	}
	check(depth == 0 && !q);
}

/* walk - check every part's offsets and sizes, decode it */
static void
walk(const char *msg, size_t len, const struct mime_part *p,
    struct sbuf *tmp)
{
	const struct mime_part *c;
	unsigned int n = 0;

	check(p->hdr_off <= len && p->hdr_len <= len - p->hdr_off);
	check(p->body_off == p->hdr_off + p->hdr_len);
	check(p->body_len <= len - p->body_off);
	check(p->type != NULL && p->subtype != NULL);
	sbuf_reset(tmp);
	check(imap_fetch_crlf(msg, p->body_off, p->body_len, tmp) == 0);
	check(sbuf_len(tmp) == p->body_size);
	check(mime_crlf_size(msg, p->hdr_off, p->hdr_len) == p->hdr_size);
	sbuf_reset(tmp);
	check(mime_part_decode(msg, len, p, tmp) == 0);
	for (c = p->children; c != NULL; c = c->next) {
		check(c->parent == p && c->depth == p->depth + 1);
		check(c->hdr_off >= p->body_off && c->body_off + c->body_len
		    <= p->body_off + p->body_len);
		walk(msg, len, c, tmp);
		n++;
	}
	check(n == p->nchildren);
	if (p->message != NULL) {
		check(p->message->hdr_off == p->body_off);
		walk(msg, len, p->message, tmp);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sections[] = { "", "HEADER", "TEXT", "1",
	    "2", "1.1", "1.MIME", "2.HEADER", "2.TEXT", "1.2.3",
	    "HEADER.FIELDS (Subject From)", "1.HEADER.FIELDS.NOT (To)",
	    "2.1.MIME" };
	static const char *const needles[] = { "a", "text", "\xc3\xa9",
	    "" };
	struct mime_limits tiny = { 3, 8, 64, 2 };
	struct mime_part *root;
	struct sbuf *out, *tmp;
	const char *err;
	char *msg;
	size_t len, i;
	int opt;

	if (size < 1)
		return (0);
	opt = data[0];
	len = size - 1;
	msg = malloc(len ? len : 1);
	check(msg != NULL);
	memcpy(msg, data + 1, len);
	root = mime_parse(msg, len, opt & 1 ? &tiny : NULL, &err);
	check(root != NULL);
	out = sbuf_new(64 * 1024 * 1024);
	tmp = sbuf_new(64 * 1024 * 1024);
	walk(msg, len, root, tmp);
	check(imap_fetch_bodystructure(msg, len, root, 1, out) == 0);
	balanced(out);
	sbuf_reset(out);
	check(imap_fetch_bodystructure(msg, len, root, 0, out) == 0);
	balanced(out);
	sbuf_reset(out);
	check(imap_fetch_envelope(msg, len, root, out) == 0);
	balanced(out);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		sbuf_reset(out);
		check(imap_fetch_section(msg, len, root, sections[i], out,
		    &err) == 0);
		if (i == 0)
			check(sbuf_len(out) == root->hdr_size
			    + root->body_size);
	}
	(void)mime_text_contains(msg, len, root, opt & 2,
	    needles[(opt >> 2) & 3]);
	sbuf_reset(out);
	check(mime_header_decode(msg, len, out) == 0);
	sbuf_reset(out);
	(void)mime_header_get(msg + root->hdr_off, root->hdr_len, "subject",
	    out);
	mime_free(&root);
	check(root == NULL);
	sbuf_free(&out);
	sbuf_free(&tmp);
	free(msg);
	return (0);
}
