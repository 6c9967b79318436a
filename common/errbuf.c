/*
 * errbuf - format error texts into a caller's fixed buffer.
 *
 * One implementation of "format, and mark a text cut short", so every
 * module's errors are cut the same way. Logs nothing, never exits.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "errbuf.h"

/* errbuf_vformat - format into buf, marking a cut text with "..." */
const char *
errbuf_vformat(char *buf, size_t size, const char *fallback,
    const char *fmt, va_list ap)
{
	int n;

	n = vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		return (fallback);
	/* bounds: size >= 4, so the mark and its NUL end at buf[size - 1] */
	if ((size_t)n >= size)
		memcpy(buf + size - 4, "...", 4);
	return (buf);
}

/* errbuf_format - errbuf_vformat() with an argument list */
const char *
errbuf_format(char *buf, size_t size, const char *fallback,
    const char *fmt, ...)
{
	va_list ap;
	const char *text;

	va_start(ap, fmt);
	text = errbuf_vformat(buf, size, fallback, fmt, ap);
	va_end(ap);
	return (text);
}
