/*
 * errbuf - error texts formatted into a module's static buffer.
 *
 * Modules that hand error texts back through *error_r without the caller
 * freeing them format each one into a static buffer of their own; the next
 * error overwrites it. A text that does not fit is cut and ends in "...",
 * so a cut text never passes for the whole.
 */
#ifndef ERRBUF_H
#define ERRBUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * errbuf_format - format into buf (size bytes, at least 4) and return buf;
 * a text longer than size - 1 is cut to end in "...". When the format
 * itself fails, returns fallback and leaves buf undefined.
 */
const char *errbuf_format(char *buf, size_t size, const char *fallback,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* errbuf_vformat - errbuf_format() with a va_list */
const char *errbuf_vformat(char *buf, size_t size, const char *fallback,
	    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

#endif
