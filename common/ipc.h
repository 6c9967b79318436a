/*
 * ipc - named-attribute messages over UNIX sockets.
 *
 * A message is a sequence of "name NUL value NUL" pairs closed by one more
 * NUL (an empty name). Requests start with a "request" attribute, replies
 * with "status". On connect both sides send a hello message holding
 * "protocol" and "version" ("MAJOR.MINOR"); a different protocol or major
 * version closes the channel. Every channel enforces a name limit (64
 * bytes), a value limit (4 KiB unless the channel's _proto.h says more), an
 * attribute count (256), and a deadline for the whole message. Names are
 * [a-z0-9_-]; values may hold any byte but NUL (binary travels as base64).
 * Numbers are decimal and go through strnum. Unknown attributes are kept in
 * the parsed message and ignored by lookups that do not ask for them, so
 * protocols can grow; a missing attribute is the caller's error.
 *
 * The parser is a pure function over a buffer: no I/O, no globals, so it is
 * unit-tested and fuzzed directly. A malformed message is logged by the
 * receiving end with the peer and reason, and its connection dropped.
 */
#ifndef IPC_H
#define IPC_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

struct stream;

#define IPC_NAME_MAX	64
#define IPC_VALUE_MAX	4096
#define IPC_ATTR_MAX	256

#define IPC_ATTR_PROTOCOL	"protocol"
#define IPC_ATTR_VERSION	"version"
#define IPC_ATTR_REQUEST	"request"
#define IPC_ATTR_STATUS		"status"
#define IPC_ATTR_ERROR		"error"

struct ipc_limits {
	size_t	name_max;		/* 0 = IPC_NAME_MAX */
	size_t	value_max;		/* 0 = IPC_VALUE_MAX */
	size_t	attr_max;		/* 0 = IPC_ATTR_MAX */
};

struct ipc_attr {
	const char *name;		/* points into the message's buffer */
	const char *value;
	size_t	value_len;
};

/* A parsed message; owns a copy of its bytes. */
struct ipc_msg {
	struct ipc_attr *attrs;
	size_t	count;
	char   *buf;			/* private */
	size_t	buf_len;		/* private */
};

enum ipc_parse_status {
	IPC_PARSE_OK = 0,		/* a whole message; *used_r bytes */
	IPC_PARSE_MORE = 1,		/* well-formed so far, incomplete */
	IPC_PARSE_ERROR = -1,		/* malformed or over a limit */
};

/*
 * ipc_parse - parse one message from the start of buf[0..len). On OK, msg
 * holds the attributes (copied; release with ipc_msg_clear()) and *used_r
 * the bytes consumed. On MORE, nothing is stored: call again with more
 * bytes. On ERROR, *error_r says what ("attribute name too long", "bad
 * character in name", "too many attributes", "value too long", ...).
 * Feeding a message one byte at a time gives MORE until the final NUL, then
 * the same result as the whole message. limits may be NULL (defaults).
 * Here and in the receiving functions msg is an output: what it held is
 * not released, and after a failure it is empty (ipc_msg_clear() is safe).
 */
enum ipc_parse_status ipc_parse(const char *buf, size_t len,
	    const struct ipc_limits *limits, struct ipc_msg *msg,
	    size_t *used_r, const char **error_r);

/* ipc_msg_init - an empty message (no allocation) */
void	ipc_msg_init(struct ipc_msg *msg);

/* ipc_msg_clear - release what a message holds; it is empty afterwards */
void	ipc_msg_clear(struct ipc_msg *msg);

/* ipc_get - value of the first attribute called name, or NULL */
const char *ipc_get(const struct ipc_msg *msg, const char *name);

/*
 * ipc_get_next - iterate over every attribute called name: start with
 * *pos = 0; returns NULL when there are no more.
 */
const char *ipc_get_next(const struct ipc_msg *msg, const char *name,
	    size_t *pos);

/* ipc_get_u64 - strict decimal value in [min, max]; 0, or -1 (missing/bad) */
int	ipc_get_u64(const struct ipc_msg *msg, const char *name, uint64_t min,
	    uint64_t max, uint64_t *val_r);

/*
 * Building a message: append attributes to an sbuf, then ipc_end(). Each
 * returns 0, or -1 if the name is invalid, the value holds a NUL or is over
 * IPC_VALUE_MAX, or the sbuf's cap is reached.
 */
int	ipc_put(struct sbuf *out, const char *name, const char *value);
int	ipc_put_n(struct sbuf *out, const char *name, const void *value,
	    size_t n);
int	ipc_put_u64(struct sbuf *out, const char *name, uint64_t value);
int	ipc_putf(struct sbuf *out, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	ipc_end(struct sbuf *out);

/* ipc_send - write a built message and flush; 0, or -1 */
int	ipc_send(struct stream *s, const struct sbuf *msg);

/*
 * ipc_recv - read one whole message within the stream's timeout and
 * deadline. 0 with msg filled (release with ipc_msg_clear()), or -1 with
 * *error_r ("eof", "timeout", or the parse error). EOF before the first
 * byte of a message gives -1 with *error_r "eof".
 */
int	ipc_recv(struct stream *s, const struct ipc_limits *limits,
	    struct ipc_msg *msg, const char **error_r);

/*
 * ipc_hello - send our protocol and version, read the peer's and compare:
 * 0 if the protocol names and major versions agree, else -1 with *error_r.
 */
int	ipc_hello(struct stream *s, const char *protocol, const char *version,
	    const char **error_r);

/*
 * ipc_seq_send / ipc_seq_recv - the same messages over a SOCK_SEQPACKET
 * socket, one message per packet, no stream (the master's channels).
 * ipc_seq_recv reads one packet (blocking unless the socket is not) and
 * parses it; 0, or -1 with *error_r ("eof" when the peer closed).
 */
int	ipc_seq_send(int fd, const struct sbuf *msg);
int	ipc_seq_recv(int fd, const struct ipc_limits *limits,
	    struct ipc_msg *msg, const char **error_r);

#endif
