/*
 * ipc - named-attribute messages over UNIX sockets.
 *
 * One scanner checks the wire format. It can resume where it stopped, so
 * ipc_recv() feeds it each byte as it arrives and the work stays linear in
 * the message size, while ipc_parse() runs it over a whole buffer. It stops
 * at the first byte that breaks a rule or passes a limit, without waiting
 * for the NUL that would end the name or value: a peer cannot make us
 * buffer more than the limits allow.
 *
 * ipc_recv() takes bytes from the stream one at a time. The stream is
 * buffered, so that is a copy per byte, and it never consumes a byte past
 * the end of the message: whatever follows stays in the stream for the
 * next call, and no per-stream remainder is needed.
 *
 * The parsed message is a private copy of the wire bytes, whose NULs end
 * the names and values in place, plus an array pointing into it.
 *
 * Received messages are written into the caller's struct ipc_msg as an
 * output: whatever it held before is not released (clear it first), and on
 * failure it is left empty, so ipc_msg_clear() is always safe afterwards.
 * Nothing here logs; the caller knows the peer and logs *error_r.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipc.h"
#include "mem.h"
#include "sbuf.h"
#include "stream.h"
#include "strnum.h"

/* Where the scanner stopped; all zero at the start of a message. */
struct ipc_scan {
	size_t	pos;			/* bytes accepted so far */
	size_t	start;			/* start of the current name or value */
	size_t	count;			/* attributes begun */
	int	in_value;		/* inside a value, else a name */
};

/* ipc_limits_get - the limits to apply, with 0 meaning the default */
static void
ipc_limits_get(const struct ipc_limits *in, struct ipc_limits *out)
{
	out->name_max = (in && in->name_max) ? in->name_max : IPC_NAME_MAX;
	out->value_max = (in && in->value_max) ? in->value_max : IPC_VALUE_MAX;
	out->attr_max = (in && in->attr_max) ? in->attr_max : IPC_ATTR_MAX;
}

/*
 * ipc_limits_bound - the largest message the limits allow: attr_max pairs
 * of a longest name and value with their NULs, and the final NUL. Huge
 * limits saturate at SIZE_MAX / 2, which no buffer reaches anyway.
 */
static size_t
ipc_limits_bound(const struct ipc_limits *lim)
{
	const size_t top = SIZE_MAX / 2;
	size_t pair;

	if (lim->name_max > top / 2 || lim->value_max > top / 2)
		return (top);
	pair = lim->name_max + lim->value_max + 2;
	if (lim->attr_max > (top - 1) / pair)
		return (top);
	return (lim->attr_max * pair + 1);
}

/* ipc_name_char - may c appear in an attribute name? */
static int
ipc_name_char(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'
	    || c == '-');
}

/* ipc_scan - check buf[st->pos..len) against the format, resuming at st */
static enum ipc_parse_status
ipc_scan(const char *buf, size_t len, const struct ipc_limits *lim,
    struct ipc_scan *st, const char **error_r)
{
	while (st->pos < len) {
		unsigned char c = (unsigned char)buf[st->pos];

		if (st->in_value) {
			size_t left, look;
			const char *nul;

			/* bounds: pos - start <= value_max, checked below */
			left = lim->value_max - (st->pos - st->start);
			/* Look one byte past what is allowed, if it is there. */
			look = len - st->pos <= left ? len - st->pos : left + 1;
			nul = memchr(buf + st->pos, '\0', look);
			if (nul == NULL) {
				if (look > left) {
					*error_r = "value too long";
					return (IPC_PARSE_ERROR);
				}
				st->pos += look;
				return (IPC_PARSE_MORE);
			}
			st->pos = (size_t)(nul - buf) + 1;
			st->start = st->pos;
			st->in_value = 0;
			continue;
		}
		if (c == '\0') {
			st->pos++;
			if (st->pos - 1 == st->start)
				return (IPC_PARSE_OK);	/* the empty name */
			st->start = st->pos;
			st->in_value = 1;
			continue;
		}
		if (st->pos == st->start && ++st->count > lim->attr_max) {
			*error_r = "too many attributes";
			return (IPC_PARSE_ERROR);
		}
		if (!ipc_name_char(c)) {
			*error_r = "bad character in name";
			return (IPC_PARSE_ERROR);
		}
		if (st->pos - st->start >= lim->name_max) {
			*error_r = "attribute name too long";
			return (IPC_PARSE_ERROR);
		}
		st->pos++;
	}
	return (IPC_PARSE_MORE);
}

/* ipc_msg_init - an empty message */
void
ipc_msg_init(struct ipc_msg *msg)
{
	msg->attrs = NULL;
	msg->count = 0;
	msg->buf = NULL;
	msg->buf_len = 0;
}

/* ipc_msg_clear - release a message */
void
ipc_msg_clear(struct ipc_msg *msg)
{
	free(msg->attrs);
	free(msg->buf);
	ipc_msg_init(msg);
}

/* ipc_parse - parse one message from the start of buf */
enum ipc_parse_status
ipc_parse(const char *buf, size_t len, const struct ipc_limits *limits,
    struct ipc_msg *msg, size_t *used_r, const char **error_r)
{
	struct ipc_limits lim;
	struct ipc_scan st = { 0, 0, 0, 0 };
	enum ipc_parse_status status;
	const char *p;
	size_t i;

	ipc_limits_get(limits, &lim);
	ipc_msg_init(msg);
	if ((status = ipc_scan(buf, len, &lim, &st, error_r)) != IPC_PARSE_OK)
		return (status);

	/*
	 * The scanner proved the layout: count names, each followed by a
	 * value, all NUL-terminated, then the final NUL at pos - 1.
	 */
	msg->buf = xmemdup(buf, st.pos);
	msg->buf_len = st.pos;
	msg->count = st.count;
	if (st.count > 0)
		msg->attrs = xcalloc(st.count, sizeof(*msg->attrs));
	for (p = msg->buf, i = 0; i < st.count; i++) {
		msg->attrs[i].name = p;
		p += strlen(p) + 1;
		msg->attrs[i].value = p;
		msg->attrs[i].value_len = strlen(p);
		p += msg->attrs[i].value_len + 1;
	}
	*used_r = st.pos;
	return (IPC_PARSE_OK);
}

/* ipc_get - the first value of name */
const char *
ipc_get(const struct ipc_msg *msg, const char *name)
{
	size_t pos = 0;

	return (ipc_get_next(msg, name, &pos));
}

/* ipc_get_next - the next value of name at or after *pos */
const char *
ipc_get_next(const struct ipc_msg *msg, const char *name, size_t *pos)
{
	size_t i;

	for (i = *pos; i < msg->count; i++) {
		if (strcmp(msg->attrs[i].name, name) == 0) {
			*pos = i + 1;
			return (msg->attrs[i].value);
		}
	}
	*pos = msg->count;
	return (NULL);
}

/* ipc_get_u64 - the first value of name as a strict decimal number */
int
ipc_get_u64(const struct ipc_msg *msg, const char *name, uint64_t min,
    uint64_t max, uint64_t *val_r)
{
	size_t i;

	for (i = 0; i < msg->count; i++)
		if (strcmp(msg->attrs[i].name, name) == 0)
			return (strnum_u64_n(msg->attrs[i].value,
			    msg->attrs[i].value_len, min, max, val_r));
	return (-1);
}

/* ipc_name_ok - is name a valid attribute name? */
static int
ipc_name_ok(const char *name)
{
	size_t i;

	for (i = 0; name[i] != '\0'; i++)
		if (i >= IPC_NAME_MAX || !ipc_name_char((unsigned char)name[i]))
			return (0);
	return (i > 0);
}

/* ipc_put_n - append one attribute whose value is n bytes */
int
ipc_put_n(struct sbuf *out, const char *name, const void *value, size_t n)
{
	size_t old = sbuf_len(out);

	if (!ipc_name_ok(name) || n > IPC_VALUE_MAX
	    || (n > 0 && memchr(value, '\0', n) != NULL))
		return (-1);
	/* All or nothing, like the sbuf it goes into. */
	if (sbuf_append(out, name, strlen(name) + 1) < 0
	    || sbuf_append(out, value, n) < 0
	    || sbuf_appendc(out, '\0') < 0) {
		sbuf_truncate(out, old);
		return (-1);
	}
	return (0);
}

/* ipc_put - append one attribute with a string value */
int
ipc_put(struct sbuf *out, const char *name, const char *value)
{
	return (ipc_put_n(out, name, value, strlen(value)));
}

/* ipc_put_u64 - append one attribute with a decimal value */
int
ipc_put_u64(struct sbuf *out, const char *name, uint64_t value)
{
	return (ipc_putf(out, name, "%" PRIu64, value));
}

/* ipc_putf - append one attribute with a formatted value */
int
ipc_putf(struct sbuf *out, const char *name, const char *fmt, ...)
{
	size_t old = sbuf_len(out), vstart;
	va_list ap;
	int ret;

	if (!ipc_name_ok(name))
		return (-1);
	if (sbuf_append(out, name, strlen(name) + 1) < 0)
		return (-1);
	vstart = sbuf_len(out);
	va_start(ap, fmt);
	ret = sbuf_vappendf(out, fmt, ap);
	va_end(ap);
	/* Format straight into place, then check what came out. */
	if (ret < 0 || sbuf_len(out) - vstart > IPC_VALUE_MAX
	    || memchr(sbuf_str(out) + vstart, '\0',
	    sbuf_len(out) - vstart) != NULL
	    || sbuf_appendc(out, '\0') < 0) {
		sbuf_truncate(out, old);
		return (-1);
	}
	return (0);
}

/* ipc_end - close the message */
int
ipc_end(struct sbuf *out)
{
	return (sbuf_appendc(out, '\0'));
}

/* ipc_send - write a message and flush */
int
ipc_send(struct stream *s, const struct sbuf *msg)
{
	if (stream_write(s, sbuf_str(msg), sbuf_len(msg)) < 0
	    || stream_flush(s) < 0)
		return (-1);
	return (0);
}

/* ipc_recv - read one whole message from a stream */
int
ipc_recv(struct stream *s, const struct ipc_limits *limits,
    struct ipc_msg *msg, const char **error_r)
{
	struct ipc_limits lim;
	struct ipc_scan st = { 0, 0, 0, 0 };
	enum ipc_parse_status status = IPC_PARSE_MORE;
	struct sbuf *buf;
	size_t used;
	ssize_t n;
	char c;

	ipc_limits_get(limits, &lim);
	ipc_msg_init(msg);
	buf = sbuf_new(ipc_limits_bound(&lim));
	while (status == IPC_PARSE_MORE) {
		if ((n = stream_read(s, &c, 1)) < 0) {
			*error_r = stream_reason(s);
			break;
		}
		if (n == 0) {
			*error_r = sbuf_len(buf) == 0 ? "eof" :
			    "eof inside a message";
			break;
		}
		if (sbuf_appendc(buf, c) < 0) {
			/* The scanner stops long before; belt and braces. */
			*error_r = "message too long";
			break;
		}
		status = ipc_scan(sbuf_str(buf), sbuf_len(buf), &lim, &st,
		    error_r);
	}
	if (status == IPC_PARSE_OK)
		status = ipc_parse(sbuf_str(buf), sbuf_len(buf), &lim, msg,
		    &used, error_r);
	sbuf_free(&buf);
	return (status == IPC_PARSE_OK ? 0 : -1);
}

/* ipc_version - split "MAJOR.MINOR" strictly; 0, or -1 */
static int
ipc_version(const char *version, uint64_t *major_r)
{
	const char *dot = strchr(version, '.');
	uint64_t minor;

	if (dot == NULL
	    || strnum_u64_n(version, (size_t)(dot - version), 0, UINT64_MAX,
	    major_r) < 0
	    || strnum_u64(dot + 1, 0, UINT64_MAX, &minor) < 0)
		return (-1);
	return (0);
}

/* ipc_hello - exchange protocol and version with the peer */
int
ipc_hello(struct stream *s, const char *protocol, const char *version,
    const char **error_r)
{
	struct sbuf *out;
	struct ipc_msg msg;
	const char *peer_protocol, *peer_version;
	uint64_t major, peer_major;
	int ret = -1;

	if (ipc_version(version, &major) < 0) {
		*error_r = "bad local version";
		return (-1);
	}
	out = sbuf_new(0);
	if (ipc_put(out, IPC_ATTR_PROTOCOL, protocol) < 0
	    || ipc_put(out, IPC_ATTR_VERSION, version) < 0
	    || ipc_end(out) < 0) {
		sbuf_free(&out);
		*error_r = "bad local protocol name";
		return (-1);
	}
	if (ipc_send(s, out) < 0) {
		sbuf_free(&out);
		*error_r = stream_reason(s);
		return (-1);
	}
	sbuf_free(&out);
	if (ipc_recv(s, NULL, &msg, error_r) < 0)
		return (-1);
	peer_protocol = ipc_get(&msg, IPC_ATTR_PROTOCOL);
	peer_version = ipc_get(&msg, IPC_ATTR_VERSION);
	if (peer_protocol == NULL || peer_version == NULL)
		*error_r = "hello without protocol or version";
	else if (strcmp(peer_protocol, protocol) != 0)
		*error_r = "protocol mismatch";
	else if (ipc_version(peer_version, &peer_major) < 0)
		*error_r = "bad version from peer";
	else if (peer_major != major)
		*error_r = "major version mismatch";
	else
		ret = 0;
	ipc_msg_clear(&msg);
	return (ret);
}

/* ipc_seq_send - send a message as one packet */
int
ipc_seq_send(int fd, const struct sbuf *msg)
{
	ssize_t n;

	do {
		n = send(fd, sbuf_str(msg), sbuf_len(msg), MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	/* A packet is sent whole or not at all; anything else is an error. */
	return (n >= 0 && (size_t)n == sbuf_len(msg) ? 0 : -1);
}

/* ipc_seq_recv - receive one packet and parse it as one message */
int
ipc_seq_recv(int fd, const struct ipc_limits *limits, struct ipc_msg *msg,
    const char **error_r)
{
	struct ipc_limits lim;
	size_t size, used;
	ssize_t n;
	char *buf;
	int ret = -1;

	ipc_limits_get(limits, &lim);
	ipc_msg_init(msg);
	size = ipc_limits_bound(&lim);
	buf = xmalloc(size);
	/* MSG_TRUNC: the packet's real length, even if it did not fit. */
	do {
		n = recv(fd, buf, size, MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		*error_r = strerror(errno);
	else if (n == 0)
		*error_r = "eof";
	else if ((size_t)n > size)
		*error_r = "packet too large";
	else {
		switch (ipc_parse(buf, (size_t)n, &lim, msg, &used, error_r)) {
		case IPC_PARSE_OK:
			if (used == (size_t)n) {
				ret = 0;
				break;
			}
			ipc_msg_clear(msg);
			*error_r = "data after the message";
			break;
		case IPC_PARSE_MORE:
			*error_r = "truncated message";
			break;
		case IPC_PARSE_ERROR:
			break;
		}
	}
	free(buf);
	return (ret);
}
