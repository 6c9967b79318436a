/*
 * sbuf - growable byte strings with a hard cap.
 *
 * Bytes plus a length, with an uncounted NUL after the end so the contents
 * can be used as a C string when they hold no NUL. Each sbuf has a cap
 * fixed at creation: an append that would pass it returns -1 and changes
 * nothing, so a peer can never make one grow without bound.
 */
#ifndef SBUF_H
#define SBUF_H

#include <stdarg.h>
#include <stddef.h>

#define SBUF_CAP_DEFAULT	(1024 * 1024)

struct sbuf {
	char   *data;			/* always NUL-terminated */
	size_t	len;			/* bytes used, without the NUL */
	size_t	alloc;			/* bytes allocated, with the NUL */
	size_t	cap;			/* largest len allowed */
};

/* sbuf_new - an empty sbuf that may hold up to cap bytes (0 = default) */
struct sbuf *sbuf_new(size_t cap);

/* sbuf_free - release *sb (which may be NULL) and set it to NULL */
void	sbuf_free(struct sbuf **sb);

/* sbuf_append - add n bytes; -1 (nothing added) if the cap would pass */
int	sbuf_append(struct sbuf *sb, const void *p, size_t n);

/* sbuf_appends - add a C string */
int	sbuf_appends(struct sbuf *sb, const char *s);

/* sbuf_appendc - add one byte */
int	sbuf_appendc(struct sbuf *sb, int c);

/* sbuf_appendf - add printf-style output; -1 (nothing added) past the cap */
int	sbuf_appendf(struct sbuf *sb, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	sbuf_vappendf(struct sbuf *sb, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

/* sbuf_set - replace the contents with a C string */
int	sbuf_set(struct sbuf *sb, const char *s);

/* sbuf_reset - make it empty (keeps the allocation) */
void	sbuf_reset(struct sbuf *sb);

/* sbuf_truncate - shorten to len bytes; no-op if already shorter */
void	sbuf_truncate(struct sbuf *sb, size_t len);

/* sbuf_wipe - zero the whole allocation, then make it empty (secrets) */
void	sbuf_wipe(struct sbuf *sb);

/* sbuf_str - the contents as a C string */
static inline const char *
sbuf_str(const struct sbuf *sb)
{
	return (sb->data);
}

/* sbuf_len - the number of bytes held */
static inline size_t
sbuf_len(const struct sbuf *sb)
{
	return (sb->len);
}

#endif
