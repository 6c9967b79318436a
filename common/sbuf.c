/*
 * sbuf - growable byte strings with a hard cap.
 *
 * Growth doubles the allocation up to the cap; appends are all-or-nothing,
 * so a failed append leaves the previous contents intact for the caller's
 * error reply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "sbuf.h"

#define SBUF_INITIAL	64

/* sbuf_new - create an empty sbuf */
struct sbuf *
sbuf_new(size_t cap)
{
	struct sbuf *sb = xmalloc(sizeof(*sb));

	sb->cap = cap ? cap : SBUF_CAP_DEFAULT;
	sb->alloc = SBUF_INITIAL;
	sb->data = xmalloc(sb->alloc);
	sb->data[0] = '\0';
	sb->len = 0;
	return (sb);
}

/* sbuf_free - release an sbuf */
void
sbuf_free(struct sbuf **sb)
{
	if (*sb == NULL)
		return;
	free((*sb)->data);
	free(*sb);
	*sb = NULL;
}

/* sbuf_reserve - make room for n more bytes plus the NUL */
static int
sbuf_reserve(struct sbuf *sb, size_t n)
{
	size_t want, alloc;

	if (n > sb->cap - sb->len)
		return (-1);
	want = sb->len + n + 1;		/* bounds: len + n <= cap < SIZE_MAX */
	if (want <= sb->alloc)
		return (0);
	for (alloc = sb->alloc; alloc < want; alloc *= 2)
		if (alloc > (size_t)-1 / 2) {
			alloc = want;
			break;
		}
	sb->data = xrealloc(sb->data, alloc);
	sb->alloc = alloc;
	return (0);
}

/* sbuf_append - add bytes */
int
sbuf_append(struct sbuf *sb, const void *p, size_t n)
{
	if (sbuf_reserve(sb, n) < 0)
		return (-1);
	if (n)
		memcpy(sb->data + sb->len, p, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
	return (0);
}

/* sbuf_appends - add a string */
int
sbuf_appends(struct sbuf *sb, const char *s)
{
	return (sbuf_append(sb, s, strlen(s)));
}

/* sbuf_appendc - add a byte */
int
sbuf_appendc(struct sbuf *sb, int c)
{
	char ch = (char)c;

	return (sbuf_append(sb, &ch, 1));
}

/* sbuf_vappendf - add formatted output */
int
sbuf_vappendf(struct sbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(sb->data + sb->len, sb->alloc - sb->len, fmt, aq);
	va_end(aq);
	if (n < 0) {
		sb->data[sb->len] = '\0';
		return (-1);
	}
	if ((size_t)n < sb->alloc - sb->len) {
		if ((size_t)n > sb->cap - sb->len) {
			sb->data[sb->len] = '\0';
			return (-1);
		}
		sb->len += (size_t)n;
		return (0);
	}
	if (sbuf_reserve(sb, (size_t)n) < 0) {
		sb->data[sb->len] = '\0';
		return (-1);
	}
	va_copy(aq, ap);
	n = vsnprintf(sb->data + sb->len, sb->alloc - sb->len, fmt, aq);
	va_end(aq);
	if (n < 0) {
		sb->data[sb->len] = '\0';
		return (-1);
	}
	sb->len += (size_t)n;
	return (0);
}

/* sbuf_appendf - add formatted output */
int
sbuf_appendf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sbuf_vappendf(sb, fmt, ap);
	va_end(ap);
	return (ret);
}

/* sbuf_set - replace the contents */
int
sbuf_set(struct sbuf *sb, const char *s)
{
	size_t n = strlen(s);

	if (n > sb->cap)
		return (-1);
	sbuf_reset(sb);
	return (sbuf_append(sb, s, n));
}

/* sbuf_reset - empty */
void
sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	sb->data[0] = '\0';
}

/* sbuf_truncate - shorten */
void
sbuf_truncate(struct sbuf *sb, size_t len)
{
	if (len < sb->len) {
		sb->len = len;
		sb->data[len] = '\0';
	}
}

/* sbuf_wipe - zero and empty */
void
sbuf_wipe(struct sbuf *sb)
{
	explicit_bzero(sb->data, sb->alloc);
	sb->len = 0;
}
