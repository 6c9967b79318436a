/*
 * mem - allocation that succeeds or stops the process.
 *
 * A failed allocation is logged with msg_fatal() and the process exits; the
 * master restarts the worker. Overflowing size products never reach malloc.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "msg.h"

/* xmalloc - allocate or die */
void *
xmalloc(size_t size)
{
	void *p;

	if ((p = malloc(size ? size : 1)) == NULL)
		msg_fatal("out of memory allocating %zu bytes", size);
	return (p);
}

/* xcalloc - allocate zeroed memory or die */
void *
xcalloc(size_t n, size_t size)
{
	void *p;

	if (n != 0 && size > SIZE_MAX / n)
		msg_fatal("xcalloc: size overflow (%zu * %zu)", n, size);
	if ((p = calloc(n ? n : 1, size ? size : 1)) == NULL)
		msg_fatal("out of memory allocating %zu * %zu bytes", n, size);
	return (p);
}

/* xrealloc - resize or die */
void *
xrealloc(void *ptr, size_t size)
{
	void *p;

	if ((p = realloc(ptr, size ? size : 1)) == NULL)
		msg_fatal("out of memory reallocating %zu bytes", size);
	return (p);
}

/* xreallocarray - resize an array or die */
void *
xreallocarray(void *ptr, size_t n, size_t size)
{
	if (n != 0 && size > SIZE_MAX / n)
		msg_fatal("xreallocarray: size overflow (%zu * %zu)", n, size);
	return (xrealloc(ptr, n * size));
}

/* xstrdup - copy a string or die */
char *
xstrdup(const char *s)
{
	return (xmemdup(s, strlen(s)));
}

/* xstrndup - copy a bounded string or die */
char *
xstrndup(const char *s, size_t n)
{
	const char *end;

	if ((end = memchr(s, '\0', n)) != NULL)
		n = (size_t)(end - s);
	return (xmemdup(s, n));
}

/* xmemdup - copy bytes plus a terminating NUL or die */
void *
xmemdup(const void *p, size_t n)
{
	char *copy;

	if (n == SIZE_MAX)
		msg_fatal("xmemdup: size overflow");
	copy = xmalloc(n + 1);
	if (n)
		memcpy(copy, p, n);
	copy[n] = '\0';
	return (copy);
}

/* xfree_secret - wipe and free */
void
xfree_secret(void *p, size_t n)
{
	if (p == NULL)
		return;
	explicit_bzero(p, n);
	free(p);
}
