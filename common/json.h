/*
 * json - writing JSON for scripts (estuaryctl --json).
 *
 * A small writer into an sbuf that keeps track of commas and nesting;
 * strings are escaped per RFC 8259 (control characters as \u00XX, invalid
 * UTF-8 bytes as U+FFFD), so any registry value prints as valid JSON.
 */
#ifndef JSON_H
#define JSON_H

#include <stdint.h>

#include "sbuf.h"

#define JSON_DEPTH_MAX	32

struct json {
	struct sbuf *out;
	int	depth;
	int	first[JSON_DEPTH_MAX];	/* no member written yet at depth */
	int	object[JSON_DEPTH_MAX];	/* that container is an object */
	int	done;			/* the top-level value is complete */
	int	after_key;		/* a key was written, value expected */
	int	error;			/* misuse or sbuf cap reached */
};

/* json_init - write into out (appended to) */
void	json_init(struct json *j, struct sbuf *out);

void	json_object_begin(struct json *j);
void	json_object_end(struct json *j);
void	json_array_begin(struct json *j);
void	json_array_end(struct json *j);

/* json_key - the name of the next member (inside an object) */
void	json_key(struct json *j, const char *key);

void	json_string(struct json *j, const char *s);
void	json_string_n(struct json *j, const char *s, size_t n);
void	json_u64(struct json *j, uint64_t v);
void	json_i64(struct json *j, int64_t v);
void	json_bool(struct json *j, int v);
void	json_null(struct json *j);

/* json_finish - 0 if the document is complete and well nested, else -1 */
int	json_finish(struct json *j);

#endif
