/*
 * smtp_client - an SMTP client over a stream (RFC 5321), for the relay.
 *
 * The caller connects (it knows about relay hosts, MX records and
 * addresses) and hands over the socket. smtp_client_hello() reads the
 * greeting, says EHLO (HELO if EHLO is refused), and starts TLS when the
 * server offers STARTTLS and a TLS context was given (RFC 3207: then EHLO
 * again). smtp_client_send() runs one transaction: MAIL, each RCPT, DATA
 * with the message dot-stuffed and every line ended by CR LF, pipelined
 * when the server offers PIPELINING (RFC 2920); SIZE, ENVID and RET are
 * passed on when offered. Each recipient gets its own result: the RCPT
 * reply if that failed, else the reply to the end of data. Replies are
 * read with smtp_parse.h's smtp_reply parser.
 *
 * Every read and write is bounded by the timeout. A broken connection, a
 * timeout or a malformed reply is reported as code 0 ("no reply"): a
 * temporary failure for the caller. Nothing here logs; texts from the
 * server are passed on raw (log them through log_safe()).
 */
#ifndef SMTP_CLIENT_H
#define SMTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "smtp_parse.h"

struct smtp_client;
struct tls_ctx;

struct smtp_client_opts {
	const char *helo_name;		/* our name in EHLO */
	int	timeout;		/* seconds per read or write */
	struct tls_ctx *tls;		/* client context; NULL = no STARTTLS */
	const char *servername;		/* SNI, NULL = none */
};

/* A server's answer to one step, or the reason there was none. */
#define SMTP_CLIENT_TEXT_MAX	512
struct smtp_client_result {
	int	code;			/* 200..559; 0 = no reply (I/O) */
	char	enhanced[SMTP_ENHANCED_MAX + 1];	/* "5.1.1" or "" */
	char	text[SMTP_CLIENT_TEXT_MAX];	/* first line(s), or why none */
};

/* What smtp_client_outcome() makes of a result. */
enum smtp_client_outcome {
	SMTP_CLIENT_OK = 0,		/* 2xx */
	SMTP_CLIENT_TEMPFAIL,		/* 4xx, or no reply */
	SMTP_CLIENT_PERMFAIL,		/* 5xx */
};

/*
 * smtp_client_new - a client on the connected socket fd (it becomes the
 * client's; smtp_client_free() closes it).
 */
struct smtp_client *smtp_client_new(int fd,
	    const struct smtp_client_opts *opts);

/*
 * smtp_client_free - send QUIT (when the session is healthy), close, free,
 * NULL the pointer.
 */
void	smtp_client_free(struct smtp_client **c);

/*
 * smtp_client_hello - greeting, EHLO/HELO, STARTTLS when offered and
 * possible. 0 ready for a transaction; -1 with *res saying why (the
 * server's refusal, or code 0 and a reason).
 */
int	smtp_client_hello(struct smtp_client *c,
	    struct smtp_client_result *res);

/* smtp_client_ehlo - what the server's EHLO offered (after hello) */
const struct smtp_ehlo *smtp_client_ehlo(const struct smtp_client *c);

/* smtp_client_tls - non-zero when the session runs over TLS */
int	smtp_client_tls(const struct smtp_client *c);

/* smtp_client_tls_info - protocol and cipher, "" without TLS */
const char *smtp_client_tls_info(const struct smtp_client *c);

/* One message to send. */
struct smtp_client_msg {
	const char *sender;		/* "" = null reverse-path */
	const char *const *rcpts;
	int	rcpt_count;
	int	data_fd;		/* the message, LF or CR LF line ends */
	uint64_t size;			/* its size, for SIZE= (0 = unknown) */
	const char *envid;		/* DSN ENVID or NULL */
	int	ret_hdrs;		/* RET=HDRS, else RET=FULL (DSN) */
};

/*
 * smtp_client_send - one transaction. rcpt_res (rcpt_count results) gets
 * each recipient's outcome; *res the transaction's last word (MAIL or
 * end-of-data reply, or the I/O failure). Returns 0 when the session can
 * carry another transaction, -1 when it is unusable (then close it).
 * The message is read from data_fd's current offset to its end.
 */
int	smtp_client_send(struct smtp_client *c,
	    const struct smtp_client_msg *msg,
	    struct smtp_client_result *rcpt_res,
	    struct smtp_client_result *res);

/* Pure helpers, unit-tested. */

/* smtp_client_outcome - 2xx OK, 5xx PERMFAIL, anything else TEMPFAIL */
enum smtp_client_outcome smtp_client_outcome(
	    const struct smtp_client_result *res);

/*
 * smtp_client_result_set - fill res from a complete reply: code, enhanced
 * code, and its text (lines joined by "; ", control bytes as '?',
 * truncated to fit).
 */
void	smtp_client_result_set(struct smtp_client_result *res,
	    const struct smtp_reply *reply);

/* smtp_client_result_fail - no reply: code 0 and the reason */
void	smtp_client_result_fail(struct smtp_client_result *res,
	    const char *reason);

/*
 * smtp_client_format_result - "550 5.1.1 text" (or "no reply: reason")
 * into out (size bytes, NUL-terminated, truncated).
 */
void	smtp_client_format_result(const struct smtp_client_result *res,
	    char *out, size_t size);

/*
 * smtp_client_parse_nexthop - "[host]:port", "[host]", "host:port" or
 * "host" into host (hsize bytes), *port_r (default 25) and *no_mx_r (1
 * with brackets: connect to the host itself, no MX lookup). Inside
 * brackets the host may be a name or an IPv4 or IPv6 address. 0, or -1
 * for an empty, over-long or malformed value.
 */
int	smtp_client_parse_nexthop(const char *s, char *host, size_t hsize,
	    int *port_r, int *no_mx_r);

/*
 * smtp_client_format_mail - "MAIL FROM:<sender>" with the parameters the
 * server's ext allows (SIZE=, RET=, ENVID= xtext); into out, NUL-
 * terminated. -1 if it does not fit.
 */
int	smtp_client_format_mail(const struct smtp_client_msg *msg,
	    unsigned ext, char *out, size_t size);

#endif
