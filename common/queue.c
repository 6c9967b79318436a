/*
 * queue - the outbound queue's files (see queue.h for the layout and the
 * envelope format).
 *
 * The order of every step is what makes a crash harmless: the data file
 * is durable (fsync of the file and of data/) before the envelope exists,
 * the envelope is durable in tmp/ before the rename makes it visible, and
 * env/ is fsynced after the rename, so "0 from queue_enqueue()" means the
 * entry survives a power cut. While it is being made, the data file is
 * held locked (flock), and queue_cleanup() only removes an envelope-less
 * data file that is unlocked and older than QUEUE_ORPHAN_AGE, so it never
 * races with an enqueue in progress.
 *
 * Hard links are tried first (the store's spool file and the queue are
 * usually on one file system); across file systems the file is copied.
 * Nothing here logs.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include "fdio.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "queue.h"
#include "sbuf.h"
#include "strnum.h"

#define QUEUE_DATA	"data"
#define QUEUE_ENV	"env"
#define QUEUE_TMP	"tmp"
#define QUEUE_COPY_BLOCK 65536
#define QUEUE_ID_TRIES	20

static struct sbuf *queue_err;

/* qfail - set the error text; returns -1 */
static int __attribute__((format(printf, 1, 2)))
qfail(const char *fmt, ...)
{
	va_list ap;

	if (queue_err == NULL)
		queue_err = sbuf_new(0);
	sbuf_reset(queue_err);
	va_start(ap, fmt);
	(void)sbuf_vappendf(queue_err, fmt, ap);
	va_end(ap);
	return (-1);
}

/* qerror - the last error text */
static const char *
qerror(void)
{
	return (queue_err != NULL ? sbuf_str(queue_err) : "");
}

/* qpath - queue_dir/sub/name into path (reset first) */
static void
qpath(struct sbuf *path, const char *queue_dir, const char *sub,
    const char *name)
{
	sbuf_reset(path);
	(void)sbuf_appendf(path, "%s/%s%s%s", queue_dir, sub,
	    name != NULL ? "/" : "", name != NULL ? name : "");
}

/* queue_state_name - the word for a state */
const char *
queue_state_name(enum queue_rcpt_state state)
{
	switch (state) {
	case QUEUE_RCPT_PENDING:
		return ("pending");
	case QUEUE_RCPT_SENT:
		return ("sent");
	case QUEUE_RCPT_FAILED:
		return ("failed");
	}
	return ("unknown");
}

/* queue_id_check - [0-9A-F], 8 to QUEUE_ID_MAX - 1 of them */
int
queue_id_check(const char *id)
{
	size_t n = strlen(id);

	if (n < 8 || n >= QUEUE_ID_MAX || strspn(id, "0123456789ABCDEF") != n)
		return (-1);
	return (0);
}

/* new_id - time in seconds and microseconds, and 32 random bits */
static void
new_id(char id[QUEUE_ID_MAX])
{
	struct timeval tv;
	uint32_t rnd;

	gettimeofday(&tv, NULL);
	if (getrandom(&rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		rnd = (uint32_t)getpid() ^ (uint32_t)tv.tv_usec << 12;
	/* bounds: 16 + 5 + 8 digits < QUEUE_ID_MAX */
	snprintf(id, QUEUE_ID_MAX, "%" PRIX64 "%05lX%08" PRIX32,
	    (uint64_t)tv.tv_sec, (unsigned long)tv.tv_usec, rnd);
}

/* fsync_dir - make a directory's entries durable */
static int
fsync_dir(const char *dir)
{
	int fd, ret;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return (qfail("open %s: %s", dir, strerror(errno)));
	ret = fsync(fd);
	if (ret < 0)
		ret = qfail("fsync %s: %s", dir, strerror(errno));
	(void)close(fd);
	return (ret);
}

/* queue_init - the subdirectories */
int
queue_init(const char *queue_dir, const char **error_r)
{
	static const char *subs[] = { QUEUE_DATA, QUEUE_ENV, QUEUE_TMP };
	struct sbuf *path = sbuf_new(0);
	size_t i;
	int ret = 0;

	for (i = 0; i < sizeof(subs) / sizeof(subs[0]) && ret == 0; i++) {
		qpath(path, queue_dir, subs[i], NULL);
		if (mkdir(sbuf_str(path), 0770) < 0 && errno != EEXIST)
			ret = qfail("mkdir %s: %s", sbuf_str(path),
			    strerror(errno));
	}
	sbuf_free(&path);
	if (ret < 0)
		*error_r = qerror();
	return (ret);
}

/* value_ok - may s be a field of an envelope line? */
static int
value_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\t' || *s == '\r' || *s == '\n')
			return (0);
	return (1);
}

/* put_field - "\t" value, cleaning control bytes (error texts) */
static void
put_clean(struct sbuf *out, const char *s)
{
	size_t n = 0;

	for (; *s != '\0' && n < QUEUE_ERROR_MAX; s++, n++)
		(void)sbuf_appendc(out, (unsigned char)*s < 0x20
		    || *s == 0x7f ? ' ' : *s);
}

/* queue_envelope_format - the text of e */
int
queue_envelope_format(const struct queue_entry *e, struct sbuf *out,
    const char **error_r)
{
	const struct queue_rcpt *r;
	size_t start = sbuf_len(out);
	int i, bad = 0;

	if (!value_ok(e->sender) || (e->envid != NULL && !value_ok(e->envid))
	    || (e->client != NULL && !value_ok(e->client))
	    || (e->auth_user != NULL && !value_ok(e->auth_user))) {
		*error_r = "control character in an envelope field";
		return (-1);
	}
	bad |= sbuf_appendf(out, "version\t%d\narrival\t%" PRId64
	    "\nsender\t%s\n", QUEUE_VERSION, (int64_t)e->arrival, e->sender);
	if (e->envid != NULL)
		bad |= sbuf_appendf(out, "envid\t%s\n", e->envid);
	if (e->ret_hdrs)
		bad |= sbuf_appends(out, "ret\thdrs\n");
	if (e->client != NULL)
		bad |= sbuf_appendf(out, "client\t%s\n", e->client);
	if (e->auth_user != NULL)
		bad |= sbuf_appendf(out, "auth\t%s\n", e->auth_user);
	for (i = 0; i < e->rcpt_count; i++) {
		r = &e->rcpts[i];
		if (!value_ok(r->address) || *r->address == '\0'
		    || !value_ok(r->status) || strchr(r->status, ' ')) {
			sbuf_truncate(out, start);
			*error_r = "bad recipient address or status";
			return (-1);
		}
		bad |= sbuf_appendf(out, "rcpt\t%s\t%d\t%" PRId64 "\t%d\t%s\t"
		    "%s\t", queue_state_name(r->state), r->attempts,
		    (int64_t)r->next_try, r->notified ? 1 : 0,
		    *r->status != '\0' ? r->status : "-", r->address);
		put_clean(out, r->error != NULL ? r->error : "");
		bad |= sbuf_appendc(out, '\n');
	}
	bad |= sbuf_appends(out, "end\n");
	if (bad < 0) {
		sbuf_truncate(out, start);
		*error_r = "envelope too large";
		return (-1);
	}
	return (0);
}

/* queue_entry_free - release e's strings */
void
queue_entry_free(struct queue_entry *e)
{
	int i;

	free(e->sender);
	free(e->envid);
	free(e->client);
	free(e->auth_user);
	for (i = 0; i < e->rcpt_count; i++) {
		free(e->rcpts[i].address);
		free(e->rcpts[i].error);
	}
	free(e->rcpts);
	memset(e, 0, sizeof(*e));
}

/* split - cut line at TABs into at most max fields; the count */
static int
split(char *line, char **fields, int max)
{
	int n = 0;
	char *tab;

	fields[n++] = line;
	while (n < max && (tab = strchr(line, '\t')) != NULL) {
		*tab = '\0';
		line = tab + 1;
		fields[n++] = line;
	}
	return (strchr(line, '\t') != NULL ? max + 1 : n);
}

/* parse_time - epoch seconds, strict */
static int
parse_time(const char *s, time_t *t_r)
{
	uint64_t v;

	if (strnum_u64(s, 0, (uint64_t)INT64_MAX, &v) < 0)
		return (-1);
	*t_r = (time_t)v;
	return (0);
}

/* parse_rcpt - the fields after "rcpt" into a new recipient of e */
static int
parse_rcpt(char **f, struct queue_entry *e, unsigned line)
{
	struct queue_rcpt *r;
	int state;

	if (strcmp(f[0], "pending") == 0)
		state = QUEUE_RCPT_PENDING;
	else if (strcmp(f[0], "sent") == 0)
		state = QUEUE_RCPT_SENT;
	else if (strcmp(f[0], "failed") == 0)
		state = QUEUE_RCPT_FAILED;
	else
		return (qfail("line %u: bad recipient state", line));
	if (e->rcpt_count >= QUEUE_RCPTS_MAX)
		return (qfail("line %u: more than %d recipients", line,
		    QUEUE_RCPTS_MAX));
	e->rcpts = xreallocarray(e->rcpts, (size_t)e->rcpt_count + 1,
	    sizeof(*e->rcpts));
	r = &e->rcpts[e->rcpt_count];
	memset(r, 0, sizeof(*r));
	r->state = state;
	if (strnum_int(f[1], 0, 1000000, &r->attempts) < 0
	    || parse_time(f[2], &r->next_try) < 0
	    || strnum_int(f[3], 0, 1, &r->notified) < 0)
		return (qfail("line %u: bad recipient number", line));
	if (strlen(f[4]) >= sizeof(r->status) || *f[4] == '\0')
		return (qfail("line %u: bad recipient status", line));
	if (strcmp(f[4], "-") != 0)
		memcpy(r->status, f[4], strlen(f[4]) + 1);
	if (*f[5] == '\0')
		return (qfail("line %u: empty recipient address", line));
	r->address = xstrdup(f[5]);
	r->error = xstrdup(f[6]);
	e->rcpt_count++;
	return (0);
}

/* parse_line - one line (NUL-terminated, no LF) into e */
static int
parse_line(char *line, struct queue_entry *e, unsigned n, unsigned *seen)
{
	char *f[8];
	int nf = split(line, f, 8);
	uint64_t v;

#define ONCE(bit) do { \
		if (*seen & (bit)) \
			return (qfail("line %u: %s given twice", n, f[0])); \
		*seen |= (bit); \
	} while (0)

	if (n == 1) {
		if (nf != 2 || strcmp(f[0], "version") != 0)
			return (qfail("line 1: not an envelope (no version)"));
		if (strnum_u64(f[1], 1, 1000, &v) < 0 || v != QUEUE_VERSION)
			return (qfail("line 1: unsupported version %s",
			    log_safe(f[1])));
		e->version = (int)v;
		return (0);
	}
	if (strcmp(f[0], "rcpt") == 0) {
		if (nf != 8)
			return (qfail("line %u: rcpt needs 7 fields", n));
		return (parse_rcpt(f + 1, e, n));
	}
	if (nf != 2)
		return (qfail("line %u: want keyword TAB value", n));
	if (strcmp(f[0], "arrival") == 0) {
		ONCE(1u << 0);
		if (parse_time(f[1], &e->arrival) < 0)
			return (qfail("line %u: bad arrival time", n));
	} else if (strcmp(f[0], "sender") == 0) {
		ONCE(1u << 1);
		e->sender = xstrdup(f[1]);
	} else if (strcmp(f[0], "envid") == 0) {
		ONCE(1u << 2);
		e->envid = xstrdup(f[1]);
	} else if (strcmp(f[0], "ret") == 0) {
		ONCE(1u << 3);
		if (strcmp(f[1], "hdrs") != 0 && strcmp(f[1], "full") != 0)
			return (qfail("line %u: bad ret value", n));
		e->ret_hdrs = strcmp(f[1], "hdrs") == 0;
	} else if (strcmp(f[0], "client") == 0) {
		ONCE(1u << 4);
		e->client = xstrdup(f[1]);
	} else if (strcmp(f[0], "auth") == 0) {
		ONCE(1u << 5);
		e->auth_user = xstrdup(f[1]);
	} else {
		return (qfail("line %u: unknown keyword \"%s\"", n,
		    log_safe(f[0])));
	}
	return (0);
#undef ONCE
}

/* queue_envelope_parse - the text of an envelope into e */
int
queue_envelope_parse(const char *buf, size_t len, struct queue_entry *e,
    const char **error_r)
{
	char *copy, *line, *nl;
	unsigned n = 0, seen = 0;
	int ended = 0, ret = 0;

	memset(e, 0, sizeof(*e));
	if (len > QUEUE_ENVELOPE_MAX) {
		*error_r = "envelope too large";
		return (-1);
	}
	if (memchr(buf, '\0', len) != NULL) {
		*error_r = "NUL byte in the envelope";
		return (-1);
	}
	copy = xstrndup(buf, len);
	for (line = copy; ret == 0 && *line != '\0'; line = nl + 1) {
		n++;
		if ((nl = strchr(line, '\n')) == NULL) {
			ret = qfail("line %u: truncated (no line end)", n);
			break;
		}
		*nl = '\0';
		if (ended) {
			ret = qfail("line %u: text after end", n);
			break;
		}
		if (strcmp(line, "end") == 0 && n > 1) {
			ended = 1;
			continue;
		}
		if (memchr(line, '\r', (size_t)(nl - line)) != NULL)
			ret = qfail("line %u: CR in a line", n);
		else
			ret = parse_line(line, e, n, &seen);
	}
	if (ret == 0 && n == 0)
		ret = qfail("empty envelope");
	else if (ret == 0 && !ended)
		ret = qfail("truncated (no end line)");
	else if (ret == 0 && (seen & 3) != 3)
		ret = qfail("no %s line", (seen & 1) ? "sender" : "arrival");
	else if (ret == 0 && e->rcpt_count == 0)
		ret = qfail("no recipients");
	free(copy);
	if (ret < 0) {
		queue_entry_free(e);
		*error_r = qerror();
	}
	return (ret);
}

/* read_file - a whole small file into out; 1, 0 (ENOENT), -1 */
static int
read_file(const char *path, struct sbuf *out)
{
	char buf[8192];
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return (0);
		return (qfail("open %s: %s", path, strerror(errno)));
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			(void)close(fd);
			return (qfail("read %s: %s", path, strerror(errno)));
		}
		if (n == 0)
			break;
		if (sbuf_append(out, buf, (size_t)n) < 0) {
			(void)close(fd);
			return (qfail("%s: envelope too large", path));
		}
	}
	(void)close(fd);
	return (1);
}

/* queue_read - an entry's envelope */
int
queue_read(const char *queue_dir, const char *id, struct queue_entry *e,
    const char **error_r)
{
	struct sbuf *path, *text;
	const char *why;
	int ret;

	memset(e, 0, sizeof(*e));
	if (queue_id_check(id) < 0) {
		*error_r = "bad queue id";
		return (-1);
	}
	path = sbuf_new(0);
	text = sbuf_new(QUEUE_ENVELOPE_MAX);
	qpath(path, queue_dir, QUEUE_ENV, id);
	ret = read_file(sbuf_str(path), text);
	if (ret > 0 && queue_envelope_parse(sbuf_str(text), sbuf_len(text), e,
	    &why) < 0) {
		/* why is in queue_err itself: copy it before the rewrite. */
		sbuf_set(text, why);
		ret = qfail("%s: %s", sbuf_str(path), sbuf_str(text));
	}
	if (ret > 0)
		memcpy(e->id, id, strlen(id) + 1);
	sbuf_free(&path);
	sbuf_free(&text);
	if (ret < 0)
		*error_r = qerror();
	return (ret);
}

/*
 * write_envelope - e's text into tmp/, fsync, rename to env/ID, fsync
 * env/. After a failure nothing new is visible (the temp file is gone).
 */
static int
write_envelope(const char *queue_dir, const struct queue_entry *e)
{
	struct sbuf *text = sbuf_new(QUEUE_ENVELOPE_MAX);
	struct sbuf *tmp = sbuf_new(0), *dst = sbuf_new(0);
	const char *why;
	int fd = -1, ret = -1;

	if (queue_envelope_format(e, text, &why) < 0) {
		qfail("%s", why);
		goto out;
	}
	qpath(tmp, queue_dir, QUEUE_TMP, e->id);
	(void)sbuf_appendf(tmp, ".%ld", (long)getpid());
	qpath(dst, queue_dir, QUEUE_ENV, e->id);
	if ((fd = open(sbuf_str(tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0660)) < 0) {
		qfail("create %s: %s", sbuf_str(tmp), strerror(errno));
		goto out;
	}
	if (fdio_write_all(fd, sbuf_str(text), sbuf_len(text)) < 0
	    || fsync(fd) < 0) {
		qfail("write %s: %s", sbuf_str(tmp), strerror(errno));
		goto out_unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		qfail("close %s: %s", sbuf_str(tmp), strerror(errno));
		goto out_unlink;
	}
	fd = -1;
	if (rename(sbuf_str(tmp), sbuf_str(dst)) < 0) {
		qfail("rename %s: %s", sbuf_str(tmp), strerror(errno));
		goto out_unlink;
	}
	qpath(tmp, queue_dir, QUEUE_ENV, NULL);
	ret = fsync_dir(sbuf_str(tmp));
	goto out;
out_unlink:
	(void)unlink(sbuf_str(tmp));
out:
	if (fd >= 0)
		(void)close(fd);
	sbuf_free(&text);
	sbuf_free(&tmp);
	sbuf_free(&dst);
	return (ret);
}

/* queue_update - replace an envelope */
int
queue_update(const char *queue_dir, const struct queue_entry *e,
    const char **error_r)
{
	if (queue_id_check(e->id) < 0) {
		*error_r = "bad queue id";
		return (-1);
	}
	if (write_envelope(queue_dir, e) < 0) {
		*error_r = qerror();
		return (-1);
	}
	return (0);
}

/* copy_file - src's bytes into the new file dst_fd */
static int
copy_file(const char *src, int dst_fd)
{
	char *buf = xmalloc(QUEUE_COPY_BLOCK);
	ssize_t n;
	int fd, ret = 0;

	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		free(buf);
		return (qfail("open %s: %s", src, strerror(errno)));
	}
	for (;;) {
		n = read(fd, buf, QUEUE_COPY_BLOCK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = qfail("read %s: %s", src, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		if (fdio_write_all(dst_fd, buf, (size_t)n) < 0) {
			ret = qfail("write queue file: %s", strerror(errno));
			break;
		}
	}
	(void)close(fd);
	free(buf);
	return (ret);
}

/*
 * make_data - data/ID for a fresh id, linked or copied from path, locked
 * and fsynced (with data/). The open, locked descriptor, or -1.
 */
static int
make_data(const char *queue_dir, const char *path, char id[QUEUE_ID_MAX])
{
	struct sbuf *dst = sbuf_new(0);
	int tries, fd = -1, linked = 0, saved;

	for (tries = 0; tries < QUEUE_ID_TRIES; tries++) {
		new_id(id);
		qpath(dst, queue_dir, QUEUE_DATA, id);
		if (link(path, sbuf_str(dst)) == 0) {
			linked = 1;
			fd = open(sbuf_str(dst), O_RDONLY | O_CLOEXEC);
		} else if (errno == EEXIST) {
			continue;
		} else if (errno == ENOENT) {
			qfail("link %s: %s", path, strerror(errno));
			goto out;
		} else {
			/* EXDEV, EPERM (no links here), EMLINK: copy. */
			fd = open(sbuf_str(dst), O_WRONLY | O_CREAT | O_EXCL
			    | O_CLOEXEC, 0660);
			if (fd < 0 && errno == EEXIST)
				continue;
		}
		break;
	}
	if (fd < 0) {
		if (tries == QUEUE_ID_TRIES)
			qfail("no free queue id");
		else
			qfail("create %s: %s", sbuf_str(dst), strerror(errno));
		goto out_unlink;
	}
	if (flock(fd, LOCK_EX) < 0) {
		qfail("lock %s: %s", sbuf_str(dst), strerror(errno));
		goto out_unlink;
	}
	if (!linked && copy_file(path, fd) < 0)
		goto out_unlink;
	if (fsync(fd) < 0) {
		qfail("fsync %s: %s", sbuf_str(dst), strerror(errno));
		goto out_unlink;
	}
	qpath(dst, queue_dir, QUEUE_DATA, NULL);
	if (fsync_dir(sbuf_str(dst)) < 0) {
		qpath(dst, queue_dir, QUEUE_DATA, id);
		goto out_unlink;
	}
	sbuf_free(&dst);
	return (fd);
out_unlink:
	saved = errno;
	if (tries < QUEUE_ID_TRIES)
		(void)unlink(sbuf_str(dst));
	if (fd >= 0)
		(void)close(fd);
	errno = saved;
out:
	sbuf_free(&dst);
	return (-1);
}

/* queue_enqueue - a message file and its envelope into the queue */
int
queue_enqueue(const char *queue_dir, const char *path,
    const struct queue_envelope *env, char id_r[QUEUE_ID_MAX],
    const char **error_r)
{
	struct queue_entry e;
	struct sbuf *data;
	int i, fd, ret;

	id_r[0] = '\0';
	if (env->rcpt_count <= 0 || env->rcpt_count > QUEUE_RCPTS_MAX) {
		*error_r = "bad recipient count";
		return (-1);
	}
	if (queue_init(queue_dir, error_r) < 0)
		return (-1);
	if ((fd = make_data(queue_dir, path, id_r)) < 0) {
		id_r[0] = '\0';
		*error_r = qerror();
		return (-1);
	}
	memset(&e, 0, sizeof(e));
	memcpy(e.id, id_r, strlen(id_r) + 1);
	e.version = QUEUE_VERSION;
	e.arrival = time(NULL);
	e.sender = (char *)(env->sender != NULL ? env->sender : "");
	e.envid = (char *)env->envid;
	e.ret_hdrs = env->ret_hdrs;
	e.client = (char *)env->client;
	e.auth_user = (char *)env->auth_user;
	e.rcpt_count = env->rcpt_count;
	e.rcpts = xcalloc((size_t)env->rcpt_count, sizeof(*e.rcpts));
	for (i = 0; i < env->rcpt_count; i++) {
		e.rcpts[i].address = (char *)env->rcpts[i];
		e.rcpts[i].error = (char *)"";
	}
	ret = write_envelope(queue_dir, &e);
	free(e.rcpts);
	if (ret < 0) {
		*error_r = qerror();
		data = sbuf_new(0);
		qpath(data, queue_dir, QUEUE_DATA, id_r);
		(void)unlink(sbuf_str(data));
		sbuf_free(&data);
		id_r[0] = '\0';
	}
	(void)close(fd);
	return (ret);
}

/* queue_data_path - data/ID */
void
queue_data_path(const char *queue_dir, const char *id, struct sbuf *path)
{
	qpath(path, queue_dir, QUEUE_DATA, id);
}

/* queue_delete - envelope first, then the data */
int
queue_delete(const char *queue_dir, const char *id, const char **error_r)
{
	struct sbuf *path;
	int ret = 0;

	if (queue_id_check(id) < 0) {
		*error_r = "bad queue id";
		return (-1);
	}
	path = sbuf_new(0);
	qpath(path, queue_dir, QUEUE_ENV, id);
	if (unlink(sbuf_str(path)) < 0 && errno != ENOENT)
		ret = qfail("unlink %s: %s", sbuf_str(path), strerror(errno));
	if (ret == 0) {
		qpath(path, queue_dir, QUEUE_ENV, NULL);
		ret = fsync_dir(sbuf_str(path));
	}
	if (ret == 0) {
		qpath(path, queue_dir, QUEUE_DATA, id);
		if (unlink(sbuf_str(path)) < 0 && errno != ENOENT)
			ret = qfail("unlink %s: %s", sbuf_str(path),
			    strerror(errno));
	}
	sbuf_free(&path);
	if (ret < 0)
		*error_r = qerror();
	return (ret);
}

/* queue_lock - flock the data file */
int
queue_lock(const char *queue_dir, const char *id, int wait,
    const char **error_r)
{
	struct sbuf *path;
	int fd;

	if (queue_id_check(id) < 0) {
		*error_r = "bad queue id";
		return (-1);
	}
	path = sbuf_new(0);
	qpath(path, queue_dir, QUEUE_DATA, id);
	if ((fd = open(sbuf_str(path), O_RDONLY | O_CLOEXEC)) < 0) {
		qfail("open %s: %s", sbuf_str(path), strerror(errno));
		sbuf_free(&path);
		*error_r = qerror();
		return (-1);
	}
	while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EWOULDBLOCK) {
			(void)close(fd);
			sbuf_free(&path);
			return (-2);
		}
		qfail("lock %s: %s", sbuf_str(path), strerror(errno));
		(void)close(fd);
		sbuf_free(&path);
		*error_r = qerror();
		return (-1);
	}
	sbuf_free(&path);
	return (fd);
}

/* queue_list - each envelope's id */
int
queue_list(const char *queue_dir, int (*fn)(const char *id, void *ctx),
    void *ctx, const char **error_r)
{
	struct sbuf *path = sbuf_new(0);
	struct dirent *de;
	DIR *dir;
	int ret = 0;

	qpath(path, queue_dir, QUEUE_ENV, NULL);
	if ((dir = opendir(sbuf_str(path))) == NULL) {
		if (errno != ENOENT)
			ret = qfail("open %s: %s", sbuf_str(path),
			    strerror(errno));
		sbuf_free(&path);
		if (ret < 0)
			*error_r = qerror();
		return (ret);
	}
	while ((de = readdir(dir)) != NULL) {
		if (queue_id_check(de->d_name) < 0)
			continue;
		if (fn(de->d_name, ctx) < 0) {
			ret = qfail("stopped");
			break;
		}
	}
	(void)closedir(dir);
	sbuf_free(&path);
	if (ret < 0)
		*error_r = qerror();
	return (ret);
}

/* old_enough - is path's last change older than age seconds? */
static int
old_enough(const char *path, int age, time_t now)
{
	struct stat st;

	return (lstat(path, &st) == 0 && st.st_ctime + age <= now);
}

/* queue_cleanup - remove half-made entries and stale temp files */
int
queue_cleanup(const char *queue_dir, int older_than, const char **error_r)
{
	struct sbuf *path = sbuf_new(0), *env = sbuf_new(0);
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *dir;
	int removed = 0, fd;

	/* Temp envelopes: a writer finishes in well under the age. */
	qpath(path, queue_dir, QUEUE_TMP, NULL);
	if ((dir = opendir(sbuf_str(path))) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			qpath(path, queue_dir, QUEUE_TMP, de->d_name);
			if (old_enough(sbuf_str(path), older_than, now)
			    && unlink(sbuf_str(path)) == 0)
				removed++;
		}
		(void)closedir(dir);
	}

	/* Data without an envelope, old and not locked by an enqueue. */
	qpath(path, queue_dir, QUEUE_DATA, NULL);
	if ((dir = opendir(sbuf_str(path))) == NULL) {
		sbuf_free(&path);
		sbuf_free(&env);
		if (errno == ENOENT)
			return (removed);
		qfail("open %s/%s: %s", queue_dir, QUEUE_DATA,
		    strerror(errno));
		*error_r = qerror();
		return (-1);
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		qpath(env, queue_dir, QUEUE_ENV, de->d_name);
		if (queue_id_check(de->d_name) == 0
		    && stat(sbuf_str(env), &st) == 0)
			continue;
		qpath(path, queue_dir, QUEUE_DATA, de->d_name);
		if (!old_enough(sbuf_str(path), older_than, now))
			continue;
		if ((fd = open(sbuf_str(path), O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		/* Locked, or an envelope appeared meanwhile: in use. */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0
		    && stat(sbuf_str(env), &st) < 0 && errno == ENOENT
		    && unlink(sbuf_str(path)) == 0)
			removed++;
		(void)close(fd);
	}
	(void)closedir(dir);
	sbuf_free(&path);
	sbuf_free(&env);
	return (removed);
}

/* queue_kick_socket - one byte to the relay's socket, never blocking */
int
queue_kick_socket(const char *path, int command, const char **error_r)
{
	struct sockaddr_un sun;
	size_t len = strlen(path);
	char c = (char)command;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sun.sun_path)) {
		*error_r = "bad relay socket path";
		return (-1);
	}
	memcpy(sun.sun_path, path, len + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0) {
		qfail("socket: %s", strerror(errno));
		*error_r = qerror();
		return (-1);
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0
	    || send(fd, &c, 1, MSG_NOSIGNAL) != 1) {
		qfail("%s: %s", path, strerror(errno));
		(void)close(fd);
		*error_r = qerror();
		return (-1);
	}
	(void)close(fd);
	return (0);
}

/* queue_kick - wake the relay; failures do not matter */
void
queue_kick(const char *queue_dir)
{
	const char *error;

	(void)queue_dir;
	if (var_relay_socket != NULL && *var_relay_socket != '\0')
		(void)queue_kick_socket(var_relay_socket, QUEUE_KICK_DUE,
		    &error);
}
