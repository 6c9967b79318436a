/*
 * stream - buffered I/O on a socket with timeouts, a deadline, line limits
 * and optional TLS underneath.
 *
 * The timeout bounds each wait for the peer (one read or one write). The
 * deadline bounds a whole phase (a command, a DATA transfer): it starts at
 * its limit and earns one second per min_data_rate bytes moved, never past
 * the timeout, so an honest slow transfer completes and a trickle does not.
 * Errors stick: once a read or write fails, every later call fails the same
 * way and stream_reason() says why. Reads never buffer more than max_line
 * plus one block; output is buffered up to a fixed cap and flushed when
 * full or by stream_flush().
 *
 * The descriptor is made non-blocking; waits use poll(). TLS (see tls.h) is
 * plugged in under the stream by stream_start_tls(); callers read and write
 * the same way before and after.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stddef.h>
#include <sys/types.h>

#include "sbuf.h"

struct stream;
struct tls_ctx;

/* stream_fdopen() flags */
#define STREAM_RDWR	0		/* the usual */
#define STREAM_NOCLOSE	(1 << 0)	/* stream_free() leaves fd open */

/* Results of stream_read_line(); negative values are also sticky errors. */
enum stream_status {
	STREAM_LINE_OK = 0,		/* a line, CR LF or bare LF stripped */
	STREAM_LINE_TOO_LONG = 1,	/* over max_line; the rest was skipped */
	STREAM_EOF = -1,		/* peer closed (mid-line counts too) */
	STREAM_TIMEOUT = -2,		/* timeout or deadline passed */
	STREAM_ERROR = -3,		/* I/O or TLS error */
};

/* stream_fdopen - wrap fd; max_line bounds stream_read_line() (bytes) */
struct stream *stream_fdopen(int fd, int flags, size_t max_line);

/* stream_free - flush nothing, release, close fd (unless NOCLOSE), NULL it */
void	stream_free(struct stream **s);

/* stream_fd - the descriptor */
int	stream_fd(const struct stream *s);

/* stream_set_timeout - seconds per wait for the peer; 0 = wait forever */
void	stream_set_timeout(struct stream *s, int secs);

/*
 * stream_start_deadline - start a deadline of secs seconds that earns one
 * second per min_data_rate bytes read or written (0 = earns nothing). The
 * deadline never extends more than the timeout beyond now.
 */
void	stream_start_deadline(struct stream *s, int secs, int min_data_rate);

/* stream_stop_deadline - no deadline any more (timeouts still apply) */
void	stream_stop_deadline(struct stream *s);

/*
 * stream_read_line - read one line into line (reset first), without its
 * CR LF or LF. A line longer than max_line is consumed up to and including
 * its LF and STREAM_LINE_TOO_LONG returned, with line empty. A NUL in the
 * line is kept (use sbuf_len()). At EOF with a partial line: STREAM_EOF.
 */
int	stream_read_line(struct stream *s, struct sbuf *line);

/*
 * stream_read - read up to n bytes (at least one, waiting if none are
 * buffered). Returns the count, 0 at EOF, or -1 on error/timeout.
 */
ssize_t	stream_read(struct stream *s, void *buf, size_t n);

/* stream_read_exact - read exactly n bytes; 0, or -1 (EOF counts as error) */
int	stream_read_exact(struct stream *s, void *buf, size_t n);

/* stream_pending - bytes already buffered for reading (pipelining checks) */
size_t	stream_pending(const struct stream *s);

/* stream_discard_input - drop buffered input (after STARTTLS, RFC 3207) */
void	stream_discard_input(struct stream *s);

/*
 * stream_write - buffer n bytes for output; 0, or -1 on (sticky) error.
 * End of input is no error here: a peer that half-closed still reads.
 */
int	stream_write(struct stream *s, const void *buf, size_t n);

/* stream_puts - buffer a C string */
int	stream_puts(struct stream *s, const char *str);

/* stream_printf - buffer formatted output */
int	stream_printf(struct stream *s, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* stream_flush - write out everything buffered (after EOF too); 0, or -1 */
int	stream_flush(struct stream *s);

/* stream_error - 0, or the sticky error (STREAM_EOF/_TIMEOUT/_ERROR) */
int	stream_error(const struct stream *s);

/*
 * stream_reason - why the stream failed, for a log line: "eof", "timeout",
 * "deadline", "error: <strerror or TLS reason>"; "" while healthy.
 */
const char *stream_reason(const struct stream *s);

/*
 * stream_start_tls - run a TLS handshake as server (is_server != 0) or
 * client on the stream's socket, within the timeout, then carry all I/O
 * over TLS. Buffered plaintext input is discarded first. servername (client
 * only, may be NULL) is sent as SNI. 0, or -1 with *error_r set (the stream
 * is then in error).
 */
int	stream_start_tls(struct stream *s, struct tls_ctx *ctx, int is_server,
	    const char *servername, const char **error_r);

/* stream_is_tls - non-zero once TLS carries the stream */
int	stream_is_tls(const struct stream *s);

/*
 * stream_tls_info - "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256
 * bits)" style text for logs and Received headers; "" without TLS.
 */
const char *stream_tls_info(const struct stream *s);

/*
 * Pluggable transport, for tls.c: read/write like read(2)/write(2) on a
 * non-blocking descriptor, returning -1 with errno EAGAIN when they must
 * wait; *want_write_r (read) or *want_read_r (write) say which way to wait
 * when a TLS record needs the other direction. Tests may use them too.
 */
struct stream_io {
	ssize_t	(*read)(void *ctx, void *buf, size_t n, int *want_write_r);
	ssize_t	(*write)(void *ctx, const void *buf, size_t n, int *want_read_r);
	const char *(*error)(void *ctx);	/* reason after a -1 */
	void	(*close)(void *ctx);		/* shut down and free ctx */
	void   *ctx;
};

/* stream_set_io - put io under the stream (replaces plain read/write) */
void	stream_set_io(struct stream *s, const struct stream_io *io);

/*
 * stream_wait - wait until the descriptor is readable (events POLLIN) or
 * writable (POLLOUT) within the remaining timeout/deadline; 0, or -1 (and
 * the stream is in STREAM_TIMEOUT). For tls.c's handshake.
 */
int	stream_wait(struct stream *s, short events);

#endif
