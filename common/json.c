/*
 * json - writing JSON for scripts.
 *
 * Output is compact (no blanks, no newlines) so a document is one line and
 * tests can compare it byte for byte. The writer remembers, per open
 * container, whether it is an object and whether a member was written, so
 * it places the commas itself and notices misuse: a value without a key in
 * an object, a key outside one, a second top-level value, closing the wrong
 * container, nesting deeper than JSON_DEPTH_MAX. Misuse and a full sbuf set
 * a sticky error that json_finish() reports; after it nothing more is
 * written. Nothing is logged.
 *
 * Strings are escaped per RFC 8259. Valid UTF-8 passes through unchanged;
 * every byte that does not start a valid sequence (stray continuation
 * bytes, overlong forms, surrogates, code points past U+10FFFF, truncated
 * sequences) becomes \ufffd, so any registry value prints as valid JSON.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "json.h"
#include "sbuf.h"
#include "utf8.h"

/* json_init - start a document appended to out */
void
json_init(struct json *j, struct sbuf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

/* json_put - append bytes, or remember that the sbuf is full */
static void
json_put(struct json *j, const char *p, size_t n)
{
	if (!j->error && sbuf_append(j->out, p, n) < 0)
		j->error = 1;
}

/* json_value_begin - check a value may come here and write its comma */
static int
json_value_begin(struct json *j)
{
	int d = j->depth - 1;

	if (j->error)
		return (-1);
	if (j->depth == 0) {
		if (j->done)
			j->error = 1;
	} else if (j->object[d]) {
		if (!j->after_key)
			j->error = 1;
		j->after_key = 0;
	} else {
		if (!j->first[d])
			json_put(j, ",", 1);
		j->first[d] = 0;
	}
	return (j->error ? -1 : 0);
}

/* json_value_end - a value is complete; at top level, the document is */
static void
json_value_end(struct json *j)
{
	if (j->depth == 0)
		j->done = 1;
}

/* json_open - begin an object or an array */
static void
json_open(struct json *j, int object)
{
	if (json_value_begin(j) < 0)
		return;
	if (j->depth >= JSON_DEPTH_MAX) {
		j->error = 1;
		return;
	}
	json_put(j, object ? "{" : "[", 1);
	j->object[j->depth] = object;
	j->first[j->depth] = 1;
	j->depth++;
}

/* json_close - end the innermost container, which must be of this kind */
static void
json_close(struct json *j, int object)
{
	if (j->error)
		return;
	if (j->depth == 0 || j->object[j->depth - 1] != object
	    || j->after_key) {
		j->error = 1;
		return;
	}
	json_put(j, object ? "}" : "]", 1);
	j->depth--;
	json_value_end(j);
}

/* json_object_begin - "{" */
void
json_object_begin(struct json *j)
{
	json_open(j, 1);
}

/* json_object_end - "}" */
void
json_object_end(struct json *j)
{
	json_close(j, 1);
}

/* json_array_begin - "[" */
void
json_array_begin(struct json *j)
{
	json_open(j, 0);
}

/* json_array_end - "]" */
void
json_array_end(struct json *j)
{
	json_close(j, 0);
}

/* json_put_string - write s[0..n) as a quoted, escaped JSON string */
static void
json_put_string(struct json *j, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0, len;
	char esc[7];

	json_put(j, "\"", 1);
	while (i < n) {
		unsigned char c = p[i];

		/* Plain ASCII and valid UTF-8 are copied in runs. */
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && (len = utf8_char_len(p + i, n - i)) != 0) {
			i += len;
			continue;
		}
		json_put(j, s + run, i - run);
		switch (c) {
		case '"':
			json_put(j, "\\\"", 2);
			break;
		case '\\':
			json_put(j, "\\\\", 2);
			break;
		case '\b':
			json_put(j, "\\b", 2);
			break;
		case '\f':
			json_put(j, "\\f", 2);
			break;
		case '\n':
			json_put(j, "\\n", 2);
			break;
		case '\r':
			json_put(j, "\\r", 2);
			break;
		case '\t':
			json_put(j, "\\t", 2);
			break;
		default:
			if (c >= 0x80) {
				json_put(j, "\\ufffd", 6);
				break;
			}
			/* Other controls and DEL, which terminals interpret. */
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			json_put(j, esc, 6);
			break;
		}
		run = ++i;
	}
	json_put(j, s + run, n - run);
	json_put(j, "\"", 1);
}

/* json_key - the name of the next member of the current object */
void
json_key(struct json *j, const char *key)
{
	int d = j->depth - 1;

	if (j->error)
		return;
	if (j->depth == 0 || !j->object[d] || j->after_key) {
		j->error = 1;
		return;
	}
	if (!j->first[d])
		json_put(j, ",", 1);
	j->first[d] = 0;
	json_put_string(j, key, strlen(key));
	json_put(j, ":", 1);
	j->after_key = 1;
}

/* json_string - a string value */
void
json_string(struct json *j, const char *s)
{
	json_string_n(j, s, strlen(s));
}

/* json_string_n - a string value of n bytes, which may hold NULs */
void
json_string_n(struct json *j, const char *s, size_t n)
{
	if (json_value_begin(j) < 0)
		return;
	json_put_string(j, s, n);
	json_value_end(j);
}

/* json_u64 - an unsigned number */
void
json_u64(struct json *j, uint64_t v)
{
	if (json_value_begin(j) < 0)
		return;
	if (sbuf_appendf(j->out, "%" PRIu64, v) < 0)
		j->error = 1;
	json_value_end(j);
}

/* json_i64 - a signed number */
void
json_i64(struct json *j, int64_t v)
{
	if (json_value_begin(j) < 0)
		return;
	if (sbuf_appendf(j->out, "%" PRId64, v) < 0)
		j->error = 1;
	json_value_end(j);
}

/* json_bool - true or false */
void
json_bool(struct json *j, int v)
{
	if (json_value_begin(j) < 0)
		return;
	if (v)
		json_put(j, "true", 4);
	else
		json_put(j, "false", 5);
	json_value_end(j);
}

/* json_null - null */
void
json_null(struct json *j)
{
	if (json_value_begin(j) < 0)
		return;
	json_put(j, "null", 4);
	json_value_end(j);
}

/* json_finish - 0 if one complete, well-nested value was written */
int
json_finish(struct json *j)
{
	if (j->error || j->depth != 0 || !j->done || j->after_key)
		return (-1);
	return (0);
}
