/*
 * mem - allocation that succeeds or stops the process.
 *
 * Every allocation in the suite goes through these. Running out of memory
 * is a msg_fatal(): nobody tests the results for NULL. Size arithmetic is
 * checked for overflow here, so callers can pass counts and sizes as they
 * are.
 */
#ifndef MEM_H
#define MEM_H

#include <stddef.h>

/* xmalloc - allocate size bytes (size 0 gives a valid unique pointer) */
void	*xmalloc(size_t size);

/* xcalloc - allocate n zeroed elements of size bytes; fatal on overflow */
void	*xcalloc(size_t n, size_t size);

/* xrealloc - resize ptr (which may be NULL) to size bytes */
void	*xrealloc(void *ptr, size_t size);

/* xreallocarray - resize ptr to n elements of size bytes; fatal on overflow */
void	*xreallocarray(void *ptr, size_t n, size_t size);

/* xstrdup - copy a NUL-terminated string */
char	*xstrdup(const char *s);

/* xstrndup - copy at most n bytes of s, always NUL-terminated */
char	*xstrndup(const char *s, size_t n);

/* xmemdup - copy n bytes, with an extra NUL after them */
void	*xmemdup(const void *p, size_t n);

/* xfree_secret - wipe n bytes at p, then free it; p may be NULL */
void	xfree_secret(void *p, size_t n);

#endif
