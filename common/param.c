/*
 * param - configuration parameters: defaults, estuary.conf, $name expansion.
 *
 * A load works on copies. The file's "name = value" lines are collected
 * per row (the last one wins, as in Postfix), then every row's text (the
 * file's, else the default) is expanded and converted, and only when all
 * rows are good are the var_* variables replaced. So a bad file never
 * leaves a half-applied configuration behind: the variables hold the
 * defaults and the caller gets one "file:line: parameter: reason" message.
 *
 * Expansion is recursive and memoised: each row is expanded at most once
 * per load, so chains of references cost linear time, and a row met again
 * while it is being expanded is a loop. Values are capped (PARAM_VALUE_MAX)
 * after joining and expansion, so "$a$a$a..." chains cannot grow without
 * bound. The file itself is read whole, up to PARAM_FILE_MAX bytes.
 *
 * Nothing here logs or exits, except msg_panic() when the compiled-in
 * table itself is wrong (a default that does not parse, a range an int
 * cannot hold, a name used twice).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "param_table.h"
#include "sbuf.h"
#include "strnum.h"

#define PARAM_LINE_MAX	4096		/* bytes per physical line */
#define PARAM_FILE_MAX	(1024 * 1024)	/* bytes per file */
#define PARAM_VALUE_MAX	(64 * 1024)	/* bytes per value, joined, expanded */
#define PARAM_NAME_MAX	64

#define K	1024ULL
#define M	(1024ULL * 1024)
#define G	(1024ULL * 1024 * 1024)

/* What a file (or param_set()) said about one row. */
struct param_src {
	char   *raw;			/* as written, trimmed; NULL: unset */
	int	line;			/* where; 0 for param_set() */
};

/* A converted value, before it is stored in the row's variable. */
union param_val {
	char   *s;
	int	i;
	uint64_t u;
};

/* One expansion pass over the table. */
struct param_ctx {
	const char *path;		/* for messages; NULL outside a load */
	const struct param_src *src;	/* per row; NULL: use current values */
	char  **done;			/* per row: expanded text, once known */
	unsigned char *busy;		/* per row: being expanded */
	int    *stack;			/* rows being expanded, outermost 1st */
	int	depth;
};

static int param_rows = -1;		/* rows in param_table[] */
static struct param_src *param_file;	/* per row, from the last good load */
static struct sbuf *param_err;		/* the last *error_r */
static struct sbuf *param_why;		/* a reason, before its location */
static struct sbuf *param_out;		/* param_value()'s result */

static const struct {
	const char *word;
	int	value;
} param_bools[] = {
	{ "yes", 1 }, { "true", 1 }, { "on", 1 }, { "1", 1 },
	{ "no", 0 }, { "false", 0 }, { "off", 0 }, { "0", 0 },
};

#define PARAM_BOOLS	(sizeof(param_bools) / sizeof(param_bools[0]))

/* is_blank - white space inside a line (a CR of a CRLF file counts) */
static int
is_blank(int c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v');
}

/* is_name_char - may c appear in a parameter name? */
static int
is_name_char(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_');
}

/* param_init - count and check the table, once */
static void
param_init(void)
{
	const struct param_def *def;
	int i, j;

	if (param_rows >= 0)
		return;
	for (i = 0; param_table[i].name != NULL; i++) {
		def = &param_table[i];
		if (def->name[0] == '\0' ||
		    strlen(def->name) > PARAM_NAME_MAX ||
		    def->target == NULL || def->def == NULL)
			msg_panic("param_table row %d is malformed", i);
		for (j = 0; def->name[j]; j++)
			if (!is_name_char((unsigned char)def->name[j]))
				msg_panic("param_table: bad name %s",
				    def->name);
		for (j = 0; j < i; j++)
			if (strcmp(param_table[j].name, def->name) == 0)
				msg_panic("param_table: %s twice", def->name);
		if (def->type != PARAM_STR && def->min > def->max)
			msg_panic("param_table: %s: min above max", def->name);
		if ((def->type == PARAM_INT || def->type == PARAM_TIME ||
		    def->type == PARAM_BOOL) && def->max > INT_MAX)
			msg_panic("param_table: %s: max above INT_MAX",
			    def->name);
	}
	param_rows = i;
	param_file = xcalloc((size_t)param_rows + 1, sizeof(*param_file));
	param_err = sbuf_new(0);
	param_why = sbuf_new(0);
	param_out = sbuf_new(0);
}

/* param_index_n - the row of the n-byte name, or -1 */
static int
param_index_n(const char *name, size_t n)
{
	int i;

	for (i = 0; i < param_rows; i++)
		if (strncmp(param_table[i].name, name, n) == 0 &&
		    param_table[i].name[n] == '\0')
			return (i);
	return (-1);
}

/* param_find - the row for name */
const struct param_def *
param_find(const char *name)
{
	int i;

	param_init();
	i = param_index_n(name, strlen(name));
	return (i < 0 ? NULL : &param_table[i]);
}

/* param_why_set - record a reason (without location) in param_why */
static int __attribute__((format(printf, 1, 2)))
param_why_set(const char *fmt, ...)
{
	va_list ap;

	sbuf_reset(param_why);
	va_start(ap, fmt);
	(void)sbuf_vappendf(param_why, fmt, ap);
	va_end(ap);
	return (-1);
}

/* param_fail - set param_err to "file:line: name: reason"; -1 */
static int __attribute__((format(printf, 3, 4)))
param_fail(const struct param_ctx *ctx, int row, const char *fmt, ...)
{
	va_list ap;

	sbuf_reset(param_err);
	if (ctx != NULL && ctx->path != NULL) {
		if (row >= 0 && ctx->src != NULL && ctx->src[row].raw != NULL)
			(void)sbuf_appendf(param_err, "%s:%d: ", ctx->path,
			    ctx->src[row].line);
		else
			(void)sbuf_appendf(param_err, "%s: ", ctx->path);
	}
	if (row >= 0)
		(void)sbuf_appendf(param_err, "%s: ", param_table[row].name);
	va_start(ap, fmt);
	(void)sbuf_vappendf(param_err, fmt, ap);
	va_end(ap);
	return (-1);
}

/* fmt_time - seconds as written: "100s" */
static void
fmt_time(struct sbuf *sb, uint64_t secs)
{
	(void)sbuf_appendf(sb, "%llus", (unsigned long long)secs);
}

/* fmt_size - bytes as written: the largest exact unit, or plain bytes */
static void
fmt_size(struct sbuf *sb, uint64_t bytes)
{
	unsigned long long b = bytes;

	if (b != 0 && b % G == 0)
		(void)sbuf_appendf(sb, "%lluG", b / G);
	else if (b != 0 && b % M == 0)
		(void)sbuf_appendf(sb, "%lluM", b / M);
	else if (b != 0 && b % K == 0)
		(void)sbuf_appendf(sb, "%lluk", b / K);
	else
		(void)sbuf_appendf(sb, "%llu", b);
}

/* fmt_range - "(1..10000)", "(1s..86400s)", "(256k..4G)" */
static const char *
fmt_range(const struct param_def *def)
{
	static struct sbuf *sb;

	if (sb == NULL)
		sb = sbuf_new(0);
	(void)sbuf_set(sb, "(");
	switch (def->type) {
	case PARAM_TIME:
		fmt_time(sb, def->min);
		(void)sbuf_appends(sb, "..");
		fmt_time(sb, def->max);
		break;
	case PARAM_SIZE:
		fmt_size(sb, def->min);
		(void)sbuf_appends(sb, "..");
		fmt_size(sb, def->max);
		break;
	default:
		(void)sbuf_appendf(sb, "%llu..%llu",
		    (unsigned long long)def->min, (unsigned long long)def->max);
		break;
	}
	(void)sbuf_appends(sb, ")");
	return (sbuf_str(sb));
}

/* looks_numeric - digits and at most one trailing unit from units? */
static int
looks_numeric(const char *s, const char *units)
{
	size_t n = strlen(s), i;

	if (n > 1 && units != NULL && strchr(units, s[n - 1]) != NULL)
		n--;
	if (n == 0)
		return (0);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	return (1);
}

/* param_convert - text to a value for def; -1 with param_why */
static int
param_convert(const struct param_def *def, const char *text,
    union param_val *val)
{
	uint64_t v = 0;
	size_t i;

	switch (def->type) {
	case PARAM_STR:
		val->s = xstrdup(text);
		return (0);
	case PARAM_BOOL:
		for (i = 0; i < PARAM_BOOLS; i++)
			if (strcasecmp(text, param_bools[i].word) == 0) {
				val->i = param_bools[i].value;
				return (0);
			}
		return (param_why_set("\"%s\" is not a boolean (yes or no)",
		    log_safe(text)));
	case PARAM_INT:
		if (strnum_u64(text, 0, UINT64_MAX, &v) < 0) {
			if (looks_numeric(text, NULL))
				goto range;	/* too many digits */
			return (param_why_set("\"%s\" is not a number",
			    log_safe(text)));
		}
		break;
	case PARAM_TIME:
		if (strnum_time(text, &v) < 0) {
			if (looks_numeric(text, "smhdw"))
				goto range;
			return (param_why_set("\"%s\" is not a time "
			    "(a number with s, m, h, d or w)", log_safe(text)));
		}
		break;
	case PARAM_SIZE:
		if (strnum_size(text, &v) < 0) {
			if (looks_numeric(text, "kKMG"))
				goto range;
			return (param_why_set("\"%s\" is not a size "
			    "(a number with k, M or G)", log_safe(text)));
		}
		break;
	default:
		msg_panic("param_convert: %s: type %d", def->name,
		    (int)def->type);
	}
	if (v < def->min || v > def->max)
		goto range;
	if (def->type == PARAM_SIZE)
		val->u = v;
	else
		val->i = (int)v;	/* bounds: max <= INT_MAX, see init */
	return (0);

range:
	return (param_why_set("%s is out of range %s", log_safe(text),
	    fmt_range(def)));
}

/* param_text - append the current value of row, unescaped */
static int
param_text(int row, struct sbuf *sb)
{
	const struct param_def *def = &param_table[row];
	size_t before = sbuf_len(sb);
	char *s;

	switch (def->type) {
	case PARAM_STR:
		s = *(char **)def->target;
		if (s != NULL && sbuf_appends(sb, s) < 0)
			return (-1);
		return (0);
	case PARAM_BOOL:
		return (sbuf_appends(sb, *(int *)def->target ? "yes" : "no"));
	case PARAM_INT:
		return (sbuf_appendf(sb, "%d", *(int *)def->target));
	case PARAM_TIME:
		fmt_time(sb, (uint64_t)*(int *)def->target);
		break;
	case PARAM_SIZE:
		fmt_size(sb, *(uint64_t *)def->target);
		break;
	}
	return (sbuf_len(sb) > before ? 0 : -1);
}

/* param_value - the current value as a user would write it */
const char *
param_value(const struct param_def *def)
{
	struct sbuf *tmp;
	const char *p;

	param_init();
	sbuf_reset(param_out);
	if (def->type != PARAM_STR) {
		(void)param_text((int)(def - param_table), param_out);
		return (sbuf_str(param_out));
	}

	/*
	 * A literal '$' is written "$$", so what is printed here reads back
	 * as the same value.
	 */
	tmp = sbuf_new(0);
	(void)param_text((int)(def - param_table), tmp);
	for (p = sbuf_str(tmp); *p; p++)
		if ((*p == '$' && sbuf_appendc(param_out, '$') < 0) ||
		    sbuf_appendc(param_out, *p) < 0)
			break;
	sbuf_free(&tmp);
	return (sbuf_str(param_out));
}

/* param_raw - the text the file gave */
const char *
param_raw(const struct param_def *def)
{
	param_init();
	return (param_file[def - param_table].raw);
}

/* param_is_set - did the file give a value? */
int
param_is_set(const struct param_def *def)
{
	param_init();
	return (param_file[def - param_table].raw != NULL);
}

/* trim - strip blanks from both ends of s, in place */
static char *
trim(char *s)
{
	size_t n;

	while (is_blank((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_blank((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	return (s);
}

/* trim_end - strip blanks from the end of sb */
static void
trim_end(struct sbuf *sb)
{
	size_t n = sbuf_len(sb);

	while (n > 0 && is_blank((unsigned char)sb->data[n - 1]))
		n--;
	sbuf_truncate(sb, n);
}

static int param_expand(struct param_ctx *, int, const char **);

/* param_expand_text - expand the $references in text into out */
static int
param_expand_text(struct param_ctx *ctx, int row, const char *text,
    struct sbuf *out)
{
	const char *p = text, *name, *end, *val;
	size_t len;
	int ref;

	while (*p != '\0') {
		if (*p != '$' || p[1] == '$') {
			if (sbuf_appendc(out, *p) < 0)
				goto toolong;
			p += (*p == '$') ? 2 : 1;
			continue;
		}
		if (p[1] == '{') {
			name = p + 2;
			if ((end = strchr(name, '}')) == NULL)
				return (param_fail(ctx, row, "missing } after "
				    "${ (write $$ for a $)"));
			len = (size_t)(end - name);
			p = end + 1;
		} else {
			name = p + 1;
			for (p = name; is_name_char((unsigned char)*p); p++)
				continue;
			len = (size_t)(p - name);
		}
		if (len == 0)
			return (param_fail(ctx, row, "$ without a parameter "
			    "name (write $$ for a $)"));
		if ((ref = param_index_n(name, len)) < 0)
			return (param_fail(ctx, row, "reference to unknown "
			    "parameter $%s", log_safe_n(name, len)));
		if (ctx->src == NULL) {
			if (param_text(ref, out) < 0)
				goto toolong;
			continue;
		}
		if (param_expand(ctx, ref, &val) < 0)
			return (-1);
		if (sbuf_appends(out, val) < 0)
			goto toolong;
	}
	return (0);

toolong:
	return (param_fail(ctx, row, "value longer than %d bytes after "
	    "$ expansion", PARAM_VALUE_MAX));
}

/* param_loop - report the reference loop that returns to row */
static int
param_loop(struct param_ctx *ctx, int row)
{
	struct sbuf *sb = sbuf_new(0);
	int first, n, start, i, at;

	for (first = ctx->depth - 1; first > 0; first--)
		if (ctx->stack[first] == row)
			break;
	n = ctx->depth - first;

	/* Blame a row the file set: the defaults alone never loop. */
	start = 0;
	for (i = 0; i < n; i++)
		if (ctx->src[ctx->stack[first + i]].raw != NULL) {
			start = i;
			break;
		}
	for (i = 0; i <= n; i++) {
		at = ctx->stack[first + (start + i) % n];
		(void)sbuf_appendf(sb, "%s$%s", i ? " -> " : "",
		    param_table[at].name);
	}
	(void)param_fail(ctx, ctx->stack[first + start], "reference loop %s",
	    sbuf_str(sb));
	sbuf_free(&sb);
	return (-1);
}

/* param_expand - the expanded text of row, computed once per pass */
static int
param_expand(struct param_ctx *ctx, int row, const char **val_r)
{
	const char *text;
	struct sbuf *out;
	int ret;

	if (ctx->done[row] != NULL) {
		*val_r = ctx->done[row];
		return (0);
	}
	if (ctx->busy[row])
		return (param_loop(ctx, row));
	ctx->busy[row] = 1;
	ctx->stack[ctx->depth++] = row;	/* bounds: each row once, busy[] */
	text = ctx->src[row].raw ? ctx->src[row].raw : param_table[row].def;
	out = sbuf_new(PARAM_VALUE_MAX);
	ret = param_expand_text(ctx, row, text, out);
	ctx->depth--;
	ctx->busy[row] = 0;
	if (ret == 0) {
		ctx->done[row] = xstrdup(trim(out->data));
		*val_r = ctx->done[row];
	}
	sbuf_free(&out);
	return (ret);
}

/* param_store - put a converted value into its variable */
static void
param_store(int row, union param_val *val)
{
	const struct param_def *def = &param_table[row];

	switch (def->type) {
	case PARAM_STR:
		free(*(char **)def->target);
		*(char **)def->target = val->s;
		val->s = NULL;
		break;
	case PARAM_SIZE:
		*(uint64_t *)def->target = val->u;
		break;
	default:
		*(int *)def->target = val->i;
		break;
	}
}

/* param_resolve - expand and convert every row from src, then store all */
static int
param_resolve(const char *path, const struct param_src *src)
{
	struct param_ctx ctx;
	union param_val *vals;
	const char *text;
	int i, n = param_rows, ret = 0;

	ctx.path = path;
	ctx.src = src;
	ctx.done = xcalloc((size_t)n + 1, sizeof(*ctx.done));
	ctx.busy = xcalloc((size_t)n + 1, sizeof(*ctx.busy));
	ctx.stack = xcalloc((size_t)n + 1, sizeof(*ctx.stack));
	ctx.depth = 0;
	vals = xcalloc((size_t)n + 1, sizeof(*vals));
	for (i = 0; i < n; i++) {
		if (param_expand(&ctx, i, &text) < 0) {
			ret = -1;
			break;
		}
		if (param_convert(&param_table[i], text, &vals[i]) < 0) {
			ret = param_fail(&ctx, i, "%s", sbuf_str(param_why));
			break;
		}
	}
	for (i = 0; i < n; i++) {
		if (ret == 0)
			param_store(i, &vals[i]);
		else if (param_table[i].type == PARAM_STR)
			free(vals[i].s);
		free(ctx.done[i]);
	}
	free(vals);
	free(ctx.done);
	free(ctx.busy);
	free(ctx.stack);
	return (ret);
}

/* param_forget - drop what the last file said */
static void
param_forget(void)
{
	int i;

	for (i = 0; i < param_rows; i++) {
		free(param_file[i].raw);
		param_file[i].raw = NULL;
		param_file[i].line = 0;
	}
}

/* param_defaults - every variable to its expanded default */
void
param_defaults(void)
{
	param_init();
	param_forget();
	if (param_resolve(NULL, param_file) < 0)
		msg_panic("param_defaults: %s", sbuf_str(param_err));
}

/* param_read - the whole file into sb; -1 with errno */
static int
param_read(const char *path, struct sbuf *sb)
{
	char buf[8192];
	struct stat st;
	ssize_t n;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-1);
	if (fstat(fd, &st) < 0) {
		saved = errno;
		(void)close(fd);
		errno = saved;
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);
		errno = EINVAL;
		return (-1);
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (sbuf_append(sb, buf, (size_t)n) < 0) {
			n = -1;
			errno = EFBIG;
			break;
		}
	}
	saved = errno;
	(void)close(fd);
	errno = saved;
	return (n < 0 ? -1 : 0);
}

/* param_assign - one logical "name = value" line into src */
static int
param_assign(struct param_ctx *ctx, struct param_src *src, char *text,
    int line)
{
	char *eq, *name, *value;
	int row;

	if ((eq = strchr(text, '=')) == NULL)
		return (param_fail(NULL, -1, "%s:%d: no equals sign in \"%s\"",
		    ctx->path, line, log_safe(text)));
	*eq = '\0';
	name = trim(text);
	value = trim(eq + 1);
	if (*name == '\0')
		return (param_fail(NULL, -1, "%s:%d: empty parameter name",
		    ctx->path, line));
	if ((row = param_index_n(name, strlen(name))) < 0)
		return (param_fail(NULL, -1, "%s:%d: unknown parameter \"%s\"",
		    ctx->path, line, log_safe(name)));
	free(src[row].raw);
	src[row].raw = xstrdup(value);
	src[row].line = line;
	return (0);
}

/* param_parse - the lines of text (len bytes) into src */
static int
param_parse(struct param_ctx *ctx, struct param_src *src, const char *text,
    size_t len)
{
	struct sbuf *logical = sbuf_new(PARAM_VALUE_MAX);
	const char *p = text, *end = text + len, *eol, *s;
	int line = 0, start = 0, ret = 0;
	size_t n;

	for (; p < end && ret == 0; p = eol + 1) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > PARAM_LINE_MAX) {
			ret = param_fail(NULL, -1, "%s:%d: line longer than %d "
			    "bytes", ctx->path, line, PARAM_LINE_MAX);
			break;
		}
		if (memchr(p, '\0', n) != NULL) {
			ret = param_fail(NULL, -1, "%s:%d: NUL byte in line",
			    ctx->path, line);
			break;
		}
		for (s = p; s < eol && is_blank((unsigned char)*s); s++)
			continue;
		if (s == eol || *s == '#')
			continue;		/* blank or comment */
		if (s > p) {
			/* White space first: more of the previous line. */
			if (start == 0) {
				ret = param_fail(NULL, -1, "%s:%d: "
				    "continuation line without a parameter "
				    "before it", ctx->path, line);
				break;
			}
			trim_end(logical);
			for (n = (size_t)(eol - s); n > 0 &&
			    is_blank((unsigned char)s[n - 1]); n--)
				continue;
			if (sbuf_appendc(logical, ' ') < 0 ||
			    sbuf_append(logical, s, n) < 0)
				ret = param_fail(NULL, -1, "%s:%d: value "
				    "longer than %d bytes", ctx->path, start,
				    PARAM_VALUE_MAX);
			continue;
		}
		if (start != 0)
			ret = param_assign(ctx, src, logical->data, start);
		sbuf_reset(logical);
		(void)sbuf_append(logical, p, n);	/* bounds: n <= 4096 */
		start = line;
	}
	if (ret == 0 && start != 0)
		ret = param_assign(ctx, src, logical->data, start);
	sbuf_free(&logical);
	return (ret);
}

/* param_load - defaults, then the file */
int
param_load(const char *path, int missing_ok, const char **error_r)
{
	struct param_ctx ctx;
	struct param_src *src;
	struct sbuf *text;
	int i, ret;

	param_defaults();
	text = sbuf_new(PARAM_FILE_MAX);
	if (param_read(path, text) < 0) {
		ret = errno;
		sbuf_free(&text);
		if (ret == ENOENT && missing_ok)
			return (0);
		if (ret == EFBIG)
			(void)param_fail(NULL, -1, "%s: file larger than %d "
			    "bytes", path, PARAM_FILE_MAX);
		else if (ret == EINVAL)
			(void)param_fail(NULL, -1, "%s: not a regular file",
			    path);
		else
			(void)param_fail(NULL, -1, "%s: cannot read: %s", path,
			    strerror(ret));
		*error_r = sbuf_str(param_err);
		return (-1);
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.path = path;
	src = xcalloc((size_t)param_rows + 1, sizeof(*src));
	ret = param_parse(&ctx, src, text->data, sbuf_len(text));
	sbuf_free(&text);
	if (ret == 0)
		ret = param_resolve(path, src);
	if (ret == 0) {
		for (i = 0; i < param_rows; i++)
			param_file[i] = src[i];
	} else {
		for (i = 0; i < param_rows; i++)
			free(src[i].raw);
		*error_r = sbuf_str(param_err);
	}
	free(src);
	return (ret);
}

/* param_prepare - trim and expand value for row against current values */
static int
param_prepare(int row, const char *value, union param_val *val,
    char **text_r)
{
	struct param_ctx ctx;
	struct sbuf *out;
	char *copy;
	int ret;

	memset(&ctx, 0, sizeof(ctx));
	copy = xstrdup(value);
	out = sbuf_new(PARAM_VALUE_MAX);
	ret = param_expand_text(&ctx, row, trim(copy), out);
	if (ret == 0 && param_convert(&param_table[row], trim(out->data),
	    val) < 0)
		ret = param_fail(NULL, row, "%s", sbuf_str(param_why));
	sbuf_free(&out);
	if (ret == 0 && text_r != NULL)
		*text_r = xstrdup(trim(copy));
	free(copy);
	return (ret);
}

/* param_set - one parameter from text */
int
param_set(const char *name, const char *value, const char **error_r)
{
	union param_val val;
	char *text;
	int row;

	param_init();
	if ((row = param_index_n(name, strlen(name))) < 0) {
		(void)param_fail(NULL, -1, "unknown parameter \"%s\"",
		    log_safe(name));
		*error_r = sbuf_str(param_err);
		return (-1);
	}
	if (param_prepare(row, value, &val, &text) < 0) {
		*error_r = sbuf_str(param_err);
		return (-1);
	}
	param_store(row, &val);
	free(param_file[row].raw);
	param_file[row].raw = text;
	param_file[row].line = 0;
	return (0);
}

/* param_check_value - would value do for def? */
int
param_check_value(const struct param_def *def, const char *value,
    const char **error_r)
{
	union param_val val;

	param_init();
	if (param_prepare((int)(def - param_table), value, &val, NULL) < 0) {
		*error_r = sbuf_str(param_err);
		return (-1);
	}
	if (def->type == PARAM_STR)
		free(val.s);
	return (0);
}
