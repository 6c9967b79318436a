/*
 * stream - buffered I/O on a non-blocking socket with timeouts, a deadline
 * and line limits.
 *
 * Every read or write first tries the descriptor (or the transport that
 * stream_set_io() put under it) and waits with poll() only when told to
 * retry, so a busy peer costs no extra system calls. Each wait is bounded by
 * the timeout and by the deadline, whichever comes first; the deadline is
 * also checked before each transfer, so a peer that keeps data flowing below
 * the minimum rate is stopped even if it never makes us wait.
 *
 * Input goes through one block-sized buffer; stream_read_line() copies a
 * line into the caller's sbuf only while it fits max_line (plus a CR), then
 * skips the rest, so a peer can make us hold at most max_line + 1 bytes of
 * line plus one block. Output is buffered up to STREAM_OBUF_CAP and written
 * out when the buffer is full, by stream_flush(), or when a read would have
 * to wait for the peer (which must see our replies before it sends more;
 * pipelined input is answered in one write).
 *
 * Errors stick, end of input included: once a call fails, every later read
 * fails the same way and stream_reason() says why. End of input stops
 * input only: a peer that sends its commands and then half-closes
 * (shutdown(SHUT_WR)) still gets the replies, so writes and flushes go on
 * after it, and a write failure then replaces it and sticks. Plain sockets
 * are written with send(MSG_NOSIGNAL) so a vanished peer is an EPIPE error,
 * not a SIGPIPE; a descriptor that is not a socket (a pipe in a test or a
 * filter) falls back to write(2) after the first ENOTSOCK.
 *
 * Nothing is logged here: callers log stream_reason() with their context.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>

#include "mem.h"
#include "msg.h"
#include "stream.h"
#include "tls.h"

#define STREAM_BLOCK	8192		/* bytes per read */
#define STREAM_OBUF_CAP	(64 * 1024)	/* output buffered before a write */
#define STREAM_REASON	256		/* stream_reason() text, with NUL */

#define NO_END		INT64_MAX	/* no time limit, in ms */

/* OUT_FAILED - may output no longer go out? (evaluates s twice) */
#define OUT_FAILED(s)	((s)->error != 0 && (s)->error != STREAM_EOF)

struct stream {
	int	fd;
	int	flags;			/* STREAM_NOCLOSE */
	size_t	max_line;
	int	timeout;		/* seconds per wait, 0 = none */
	int	deadline_on;
	int64_t	deadline;		/* monotonic ms */
	int	min_data_rate;		/* bytes that earn a second */
	size_t	rate_bytes;		/* moved, not yet earned */
	char   *ibuf;			/* STREAM_BLOCK bytes */
	size_t	ipos;			/* next unread byte */
	size_t	iend;			/* end of buffered input */
	char   *obuf;			/* STREAM_OBUF_CAP bytes, lazily */
	size_t	olen;
	int	error;			/* 0 or a negative enum stream_status */
	char	reason[STREAM_REASON];
	int	not_socket;		/* send() said ENOTSOCK: use write() */
	struct stream_io io;		/* io.read == NULL: plain descriptor */
	int	is_tls;
};

/* now_ms - monotonic clock in milliseconds */
static int64_t
now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		msg_panic("clock_gettime(CLOCK_MONOTONIC): %s",
		    strerror(errno));
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* stream_fail - make the stream fail with status and reason; returns -1 */
static int
stream_fail(struct stream *s, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
stream_fail(struct stream *s, int status, const char *fmt, ...)
{
	va_list ap;
	int n;

	/*
	 * The first failure is the one worth reporting; later ones follow.
	 * Only output goes on after end of input, so a failure there is new.
	 */
	if (OUT_FAILED(s) || (s->error == STREAM_EOF && status == STREAM_EOF))
		return (-1);
	s->error = status;
	va_start(ap, fmt);
	n = vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	if (n < 0)
		(void)snprintf(s->reason, sizeof(s->reason), "error");
	return (-1);
}

/* stream_fdopen - wrap a descriptor */
struct stream *
stream_fdopen(int fd, int flags, size_t max_line)
{
	struct stream *s;
	int fl;

	if ((fl = fcntl(fd, F_GETFL)) < 0
	    || (!(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0))
		msg_fatal("stream_fdopen: descriptor %d: %s", fd,
		    strerror(errno));
	s = xcalloc(1, sizeof(*s));
	s->fd = fd;
	s->flags = flags;
	s->max_line = max_line;
	s->ibuf = xmalloc(STREAM_BLOCK);
	return (s);
}

/* stream_free - release without flushing */
void
stream_free(struct stream **sp)
{
	struct stream *s = *sp;

	if (s == NULL)
		return;
	/* The transport (TLS) may still want the descriptor to say goodbye. */
	if (s->io.close != NULL)
		s->io.close(s->io.ctx);
	if (!(s->flags & STREAM_NOCLOSE))
		(void)close(s->fd);
	free(s->ibuf);
	free(s->obuf);
	free(s);
	*sp = NULL;
}

/* stream_fd - the descriptor */
int
stream_fd(const struct stream *s)
{
	return (s->fd);
}

/* stream_set_timeout - seconds per wait */
void
stream_set_timeout(struct stream *s, int secs)
{
	s->timeout = secs > 0 ? secs : 0;
}

/* stream_start_deadline - bound a phase */
void
stream_start_deadline(struct stream *s, int secs, int min_data_rate)
{
	s->deadline_on = 1;
	s->deadline = now_ms() + (int64_t)(secs > 0 ? secs : 0) * 1000;
	s->min_data_rate = min_data_rate > 0 ? min_data_rate : 0;
	s->rate_bytes = 0;
}

/* stream_stop_deadline - end the phase */
void
stream_stop_deadline(struct stream *s)
{
	s->deadline_on = 0;
}

/* stream_earn - extend the deadline for n bytes moved */
static void
stream_earn(struct stream *s, size_t n)
{
	int64_t end, cap;
	size_t secs;

	if (!s->deadline_on || s->min_data_rate == 0)
		return;
	/* bounds: n <= SSIZE_MAX and rate_bytes < rate before this */
	s->rate_bytes += n;
	if (s->rate_bytes < (size_t)s->min_data_rate)
		return;
	secs = s->rate_bytes / (size_t)s->min_data_rate;
	s->rate_bytes %= (size_t)s->min_data_rate;
	if (secs > INT32_MAX)
		secs = INT32_MAX;
	end = s->deadline + (int64_t)secs * 1000;

	/*
	 * A burst must not buy the right to stall: earned time never reaches
	 * past one timeout from now, though a generous start is not cut.
	 */
	if (s->timeout > 0) {
		cap = now_ms() + (int64_t)s->timeout * 1000;
		if (end > cap)
			end = s->deadline > cap ? s->deadline : cap;
	}
	s->deadline = end;
}

/* stream_check_deadline - fail if the deadline has passed */
static int
stream_check_deadline(struct stream *s)
{
	if (s->deadline_on && now_ms() >= s->deadline)
		return (stream_fail(s, STREAM_TIMEOUT, "deadline"));
	return (0);
}

/* stream_wait - poll for events within the timeout and the deadline */
int
stream_wait(struct stream *s, short events)
{
	struct pollfd pfd;
	int64_t now, end, timeout_end;
	int by_deadline, ms, n;

	if (OUT_FAILED(s))
		return (-1);
	now = now_ms();
	timeout_end = s->timeout > 0 ? now + (int64_t)s->timeout * 1000 :
	    NO_END;
	for (;;) {
		by_deadline = s->deadline_on && s->deadline <= timeout_end;
		end = by_deadline ? s->deadline : timeout_end;
		if (end != NO_END && now >= end)
			return (stream_fail(s, STREAM_TIMEOUT, "%s",
			    by_deadline ? "deadline" : "timeout"));
		if (end == NO_END)
			ms = -1;
		else if (end - now > INT_MAX)
			ms = INT_MAX;
		else
			ms = (int)(end - now);
		pfd.fd = s->fd;
		pfd.events = events;
		pfd.revents = 0;
		/* POLLERR, POLLHUP: the next transfer reports what happened. */
		if ((n = poll(&pfd, 1, ms)) > 0)
			return (0);
		if (n < 0 && errno != EINTR)
			return (stream_fail(s, STREAM_ERROR, "error: poll: %s",
			    strerror(errno)));
		now = now_ms();
	}
}

/* stream_io_reason - why the last transfer failed */
static const char *
stream_io_reason(struct stream *s, int err)
{
	const char *why;

	if (s->io.error != NULL && (why = s->io.error(s->io.ctx)) != NULL
	    && *why != '\0')
		return (why);
	return (strerror(err));
}

/* stream_sys_read - one read from the transport */
static ssize_t
stream_sys_read(struct stream *s, void *buf, size_t n, int *want_write_r)
{
	*want_write_r = 0;
	if (s->io.read != NULL)
		return (s->io.read(s->io.ctx, buf, n, want_write_r));
	return (read(s->fd, buf, n));
}

/* stream_sys_write - one write to the transport */
static ssize_t
stream_sys_write(struct stream *s, const void *buf, size_t n,
    int *want_read_r)
{
	ssize_t r;

	*want_read_r = 0;
	if (s->io.write != NULL)
		return (s->io.write(s->io.ctx, buf, n, want_read_r));
	if (!s->not_socket) {
		if ((r = send(s->fd, buf, n, MSG_NOSIGNAL)) >= 0
		    || errno != ENOTSOCK)
			return (r);
		s->not_socket = 1;
	}
	return (write(s->fd, buf, n));
}

/* stream_write_all - write n bytes from p, waiting as needed */
static int
stream_write_all(struct stream *s, const char *p, size_t n)
{
	ssize_t r;
	int want_read, err;

	while (n > 0) {
		if (stream_check_deadline(s) < 0)
			return (-1);
		r = stream_sys_write(s, p, n, &want_read);
		if (r > 0) {
			p += r;
			n -= (size_t)r;
			stream_earn(s, (size_t)r);
			continue;
		}
		err = errno;
		if (r < 0 && err == EINTR)
			continue;
		if (r < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
			if (stream_wait(s, want_read ? POLLIN : POLLOUT) < 0)
				return (-1);
			continue;
		}
		if (r == 0)
			return (stream_fail(s, STREAM_ERROR,
			    "error: write made no progress"));
		return (stream_fail(s, STREAM_ERROR, "error: %s",
		    stream_io_reason(s, err)));
	}
	return (0);
}

/* stream_flush - write out the output buffer */
int
stream_flush(struct stream *s)
{
	if (OUT_FAILED(s))
		return (-1);
	if (s->olen == 0)
		return (0);
	if (stream_write_all(s, s->obuf, s->olen) < 0)
		return (-1);
	s->olen = 0;
	return (0);
}

/* stream_fill - read at least one byte into the empty input buffer */
static int
stream_fill(struct stream *s)
{
	ssize_t r;
	int want_write, err;

	s->ipos = s->iend = 0;
	for (;;) {
		if (s->error != 0 || stream_check_deadline(s) < 0)
			return (-1);
		r = stream_sys_read(s, s->ibuf, STREAM_BLOCK, &want_write);
		if (r > 0) {
			s->iend = (size_t)r;
			stream_earn(s, (size_t)r);
			return (0);
		}
		if (r == 0)
			return (stream_fail(s, STREAM_EOF, "eof"));
		err = errno;
		if (err == EINTR)
			continue;
		if (err != EAGAIN && err != EWOULDBLOCK)
			return (stream_fail(s, STREAM_ERROR, "error: %s",
			    stream_io_reason(s, err)));
		/* The peer may be waiting for our replies before it sends. */
		if (s->olen > 0) {
			if (stream_flush(s) < 0)
				return (-1);
			continue;
		}
		if (stream_wait(s, want_write ? POLLOUT : POLLIN) < 0)
			return (-1);
	}
}

/* stream_read_line - one line without its terminator, bounded */
int
stream_read_line(struct stream *s, struct sbuf *line)
{
	size_t limit, chunk, len;
	const char *start, *lf;
	int skipping = 0;

	sbuf_reset(line);
	if (s->error != 0)
		return (s->error);

	/* Room for a CR before the LF, which is not part of the line. */
	limit = s->max_line < SIZE_MAX ? s->max_line + 1 : s->max_line;
	for (;;) {
		if (s->ipos == s->iend && stream_fill(s) < 0) {
			sbuf_reset(line);
			return (s->error);
		}
		start = s->ibuf + s->ipos;
		lf = memchr(start, '\n', s->iend - s->ipos);
		chunk = lf ? (size_t)(lf - start) : s->iend - s->ipos;
		if (!skipping && (chunk > limit - sbuf_len(line)
		    || sbuf_append(line, start, chunk) < 0)) {
			/* Too long for us or for the caller's sbuf. */
			skipping = 1;
			sbuf_reset(line);
		}
		s->ipos += chunk;
		if (lf == NULL)
			continue;
		s->ipos++;			/* the LF */
		if (skipping)
			return (STREAM_LINE_TOO_LONG);
		len = sbuf_len(line);
		if (len > 0 && sbuf_str(line)[len - 1] == '\r')
			sbuf_truncate(line, --len);
		if (len > s->max_line) {
			sbuf_reset(line);
			return (STREAM_LINE_TOO_LONG);
		}
		return (STREAM_LINE_OK);
	}
}

/* stream_read - up to n bytes, at least one */
ssize_t
stream_read(struct stream *s, void *buf, size_t n)
{
	size_t avail;

	if (s->error == STREAM_EOF)
		return (0);
	if (s->error != 0)
		return (-1);
	if (n == 0)
		return (0);
	if (s->ipos == s->iend && stream_fill(s) < 0)
		return (s->error == STREAM_EOF ? 0 : -1);
	avail = s->iend - s->ipos;
	if (n > avail)
		n = avail;
	memcpy(buf, s->ibuf + s->ipos, n);
	s->ipos += n;
	return ((ssize_t)n);
}

/* stream_read_exact - exactly n bytes or failure */
int
stream_read_exact(struct stream *s, void *buf, size_t n)
{
	char *p = buf;
	ssize_t r;

	while (n > 0) {
		if ((r = stream_read(s, p, n)) <= 0)
			return (-1);
		p += r;
		n -= (size_t)r;
	}
	return (0);
}

/* stream_pending - buffered input */
size_t
stream_pending(const struct stream *s)
{
	return (s->iend - s->ipos);
}

/* stream_discard_input - forget buffered input */
void
stream_discard_input(struct stream *s)
{
	s->ipos = s->iend = 0;
}

/* stream_write - buffer output, writing when the buffer is full */
int
stream_write(struct stream *s, const void *buf, size_t n)
{
	const char *p = buf;
	size_t chunk;

	if (OUT_FAILED(s))
		return (-1);
	if (s->obuf == NULL)
		s->obuf = xmalloc(STREAM_OBUF_CAP);
	while (n > 0) {
		/* Copying a big block through the buffer gains nothing. */
		if (s->olen == 0 && n >= STREAM_OBUF_CAP)
			return (stream_write_all(s, p, n));
		if (s->olen == STREAM_OBUF_CAP) {
			if (stream_flush(s) < 0)
				return (-1);
			continue;
		}
		chunk = STREAM_OBUF_CAP - s->olen;
		if (chunk > n)
			chunk = n;
		memcpy(s->obuf + s->olen, p, chunk);
		s->olen += chunk;
		p += chunk;
		n -= chunk;
	}
	return (0);
}

/* stream_puts - buffer a string */
int
stream_puts(struct stream *s, const char *str)
{
	return (stream_write(s, str, strlen(str)));
}

/* stream_printf - buffer formatted output */
int
stream_printf(struct stream *s, const char *fmt, ...)
{
	va_list ap, ap2;
	char *tmp;
	int len, ret;

	if (OUT_FAILED(s))
		return (-1);
	if (s->obuf == NULL)
		s->obuf = xmalloc(STREAM_OBUF_CAP);
	va_start(ap, fmt);
	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0) {
		va_end(ap2);
		return (stream_fail(s, STREAM_ERROR, "error: bad format"));
	}

	/* Format in place when it fits, else through a temporary copy. */
	if ((size_t)len < STREAM_OBUF_CAP - s->olen) {
		ret = vsnprintf(s->obuf + s->olen, STREAM_OBUF_CAP - s->olen,
		    fmt, ap2);
		va_end(ap2);
		if (ret != len)
			return (stream_fail(s, STREAM_ERROR,
			    "error: bad format"));
		s->olen += (size_t)len;
		return (0);
	}
	tmp = xmalloc((size_t)len + 1);
	ret = vsnprintf(tmp, (size_t)len + 1, fmt, ap2);
	va_end(ap2);
	if (ret != len) {
		free(tmp);
		return (stream_fail(s, STREAM_ERROR, "error: bad format"));
	}
	ret = stream_write(s, tmp, (size_t)len);
	free(tmp);
	return (ret);
}

/* stream_error - the sticky status */
int
stream_error(const struct stream *s)
{
	return (s->error);
}

/* stream_reason - the sticky status in words */
const char *
stream_reason(const struct stream *s)
{
	return (s->error != 0 ? s->reason : "");
}

/* stream_set_io - slide a transport under the stream */
void
stream_set_io(struct stream *s, const struct stream_io *io)
{
	/* The stream owns its transport: the old one goes. */
	if (s->io.close != NULL)
		s->io.close(s->io.ctx);
	if (io != NULL)
		s->io = *io;
	else
		memset(&s->io, 0, sizeof(s->io));
	s->is_tls = 0;
}

/* stream_start_tls - handshake, then carry the stream over TLS */
int
stream_start_tls(struct stream *s, struct tls_ctx *ctx, int is_server,
    const char *servername, const char **error_r)
{
	const char *why;

	if (s->error != 0) {
		*error_r = s->reason;
		return (-1);
	}
	if (s->is_tls) {
		stream_fail(s, STREAM_ERROR, "error: TLS is already active");
		*error_r = s->reason;
		return (-1);
	}

	/*
	 * Our last plaintext reply ("220 Ready to start TLS") must go first;
	 * input that came with the command was sent before the handshake and
	 * must not be taken as protected (RFC 3207, section 4.2).
	 */
	if (stream_flush(s) < 0) {
		*error_r = s->reason;
		return (-1);
	}
	stream_discard_input(s);
	if (tls_handshake(s, ctx, is_server, servername, &why) < 0) {
		stream_fail(s, STREAM_ERROR, "error: %s", why);
		*error_r = why;
		return (-1);
	}
	s->is_tls = 1;
	return (0);
}

/* stream_is_tls - TLS carries the stream */
int
stream_is_tls(const struct stream *s)
{
	return (s->is_tls);
}

/* stream_tls_info - protocol and cipher, or "" */
const char *
stream_tls_info(const struct stream *s)
{
	return (s->is_tls ? tls_info(s->io.ctx) : "");
}
