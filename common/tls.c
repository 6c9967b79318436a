/*
 * tls - OpenSSL contexts for the suite's servers and clients, and the TLS
 * transport that slides under a stream.
 *
 * Contexts refuse anything below TLS 1.2, compression and renegotiation;
 * a server keeps no session cache and issues no tickets, since each worker
 * process serves one connection and could not resume another's session.
 * Private keys never prompt for a passphrase (a daemon has no terminal):
 * an encrypted key is an error.
 *
 * The handshake and all later records run over the stream's non-blocking
 * descriptor through a small BIO that uses send(MSG_NOSIGNAL), so a peer
 * that vanishes mid-record is an error, never a SIGPIPE. Whenever OpenSSL
 * must wait, the stream's stream_wait() does, so the stream's timeout and
 * deadline bound the handshake too. A peer that closes without close_notify
 * is end of input, as for a plain socket: the line protocols we carry have
 * their own terminators, so a truncation cannot pass for a whole command.
 *
 * Error texts come from OpenSSL's error queue (and the certificate check
 * result), with control characters replaced, so they can be logged as they
 * are. Nothing is logged here.
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
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mem.h"
#include "stream.h"
#include "tls.h"

#define TLS_ERRLEN	512

struct tls_ctx {
	SSL_CTX *ssl_ctx;
	int	verify;			/* client: check the peer */
};

/* One TLS connection under a stream: the stream_io context. */
struct tls_conn {
	SSL    *ssl;
	int	failed;			/* fatal error: no close_notify */
	char	error[TLS_ERRLEN];	/* why the last transfer failed */
	char	info[128];		/* tls_info() text, made once */
};

/* Errors from context setup and handshakes; valid until the next call. */
static char tls_errbuf[TLS_ERRLEN];

/* tls_sanitize - replace control characters, so text is fit for a log */
static void
tls_sanitize(char *p)
{
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
}

/* tls_queue_text - append OpenSSL's queued errors to buf, then clear them */
static void
tls_queue_text(char *buf, size_t size)
{
	const char *data, *reason;
	unsigned long e;
	size_t used;
	char one[256];
	int flags, n, count = 0;

	while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
		/* Three entries say enough; the oldest is the cause. */
		if (count++ >= 3)
			continue;
		if ((reason = ERR_reason_error_string(e)) == NULL) {
			ERR_error_string_n(e, one, sizeof(one));
			reason = one;
		}
		used = strlen(buf);
		if (!(flags & ERR_TXT_STRING) || data == NULL || *data == '\0')
			data = NULL;
		n = snprintf(buf + used, size - used, "%s%s%s%s%s",
		    count > 1 ? ", " : "", reason, data ? " (" : "",
		    data ? data : "", data ? ")" : "");
		if (n < 0 || (size_t)n >= size - used)
			break;
	}
	ERR_clear_error();
}

/* tls_error - format prefix, then ": " and the queued errors or fallback */
static const char *
tls_error(const char *fallback, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static const char *
tls_error(const char *fallback, const char *fmt, ...)
{
	va_list ap;
	size_t used;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tls_errbuf, sizeof(tls_errbuf), fmt, ap);
	va_end(ap);
	if (n < 0)
		tls_errbuf[0] = '\0';
	used = strlen(tls_errbuf);
	if (used + 3 < sizeof(tls_errbuf)) {
		memcpy(tls_errbuf + used, ": ", 3);
		used += 2;
		tls_queue_text(tls_errbuf, sizeof(tls_errbuf));
		if (tls_errbuf[used] == '\0')
			(void)snprintf(tls_errbuf + used,
			    sizeof(tls_errbuf) - used, "%s",
			    fallback ? fallback : "unknown error");
	}
	ERR_clear_error();
	tls_sanitize(tls_errbuf);
	return (tls_errbuf);
}

/* tls_check_file - a file we cannot read is named with the reason */
static int
tls_check_file(const char *what, const char *path, const char **error_r)
{
	struct stat st;
	int fd, err = 0;

	ERR_clear_error();
	if (path == NULL || *path == '\0') {
		*error_r = tls_error("no file name given", "%s", what);
		return (-1);
	}
	/* O_NONBLOCK: a FIFO in the configuration must not hang startup. */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0)
		err = errno;
	else if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		err = EISDIR;
	if (fd >= 0)
		(void)close(fd);
	if (err != 0) {
		*error_r = tls_error(strerror(err), "%s", path);
		return (-1);
	}
	return (0);
}

/* tls_no_passphrase - refuse to prompt for a key's passphrase; note it */
static int
tls_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	if (arg != NULL)
		*(int *)arg = 1;
	return (0);
}

/* tls_common_ctx - a context with the options every side shares */
static SSL_CTX *
tls_common_ctx(const SSL_METHOD *method, const char **error_r)
{
	SSL_CTX *ssl_ctx;
	uint64_t opts;

	ERR_clear_error();
	if ((ssl_ctx = SSL_CTX_new(method)) == NULL) {
		*error_r = tls_error(NULL, "SSL_CTX_new");
		return (NULL);
	}
	if (!SSL_CTX_set_min_proto_version(ssl_ctx, TLS1_2_VERSION)) {
		*error_r = tls_error(NULL, "TLS 1.2 minimum");
		SSL_CTX_free(ssl_ctx);
		return (NULL);
	}
	opts = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
	opts |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
#ifdef SSL_OP_IGNORE_UNEXPECTED_EOF
	opts |= SSL_OP_IGNORE_UNEXPECTED_EOF;
#endif
	SSL_CTX_set_options(ssl_ctx, opts);

	/*
	 * The stream takes what each record wrote and retries with the rest
	 * of its buffer, which may have moved (a flush after a partial write).
	 */
	SSL_CTX_set_mode(ssl_ctx, SSL_MODE_ENABLE_PARTIAL_WRITE
	    | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	SSL_CTX_set_default_passwd_cb(ssl_ctx, tls_no_passphrase);
	return (ssl_ctx);
}

/* tls_server_ctx - a server context with our certificate and key */
struct tls_ctx *
tls_server_ctx(const char *cert_file, const char *key_file,
    const char **error_r)
{
	struct tls_ctx *ctx;
	SSL_CTX *ssl_ctx;
	EVP_PKEY *pkey;
	X509 *cert;
	FILE *fp;
	int encrypted = 0;

	if (tls_check_file("certificate file", cert_file, error_r) < 0
	    || tls_check_file("key file", key_file, error_r) < 0)
		return (NULL);
	if ((ssl_ctx = tls_common_ctx(TLS_server_method(), error_r)) == NULL)
		return (NULL);
	SSL_CTX_set_options(ssl_ctx, SSL_OP_CIPHER_SERVER_PREFERENCE
	    | SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_OFF);
	(void)SSL_CTX_set_num_tickets(ssl_ctx, 0);

	if (!SSL_CTX_use_certificate_chain_file(ssl_ctx, cert_file)) {
		*error_r = tls_error("no certificate", "%s", cert_file);
		goto fail;
	}

	/*
	 * Read the key ourselves: OpenSSL's loader reports a key that does
	 * not match like a key it cannot read, and the two need different
	 * fixes.
	 */
	if ((fp = fopen(key_file, "r")) == NULL) {
		*error_r = tls_error(strerror(errno), "%s", key_file);
		goto fail;
	}
	pkey = PEM_read_PrivateKey(fp, NULL, tls_no_passphrase, &encrypted);
	(void)fclose(fp);
	if (pkey == NULL) {
		*error_r = encrypted ? tls_error(NULL, "%s: encrypted private "
		    "key (no passphrase can be given)", key_file) :
		    tls_error("no private key", "%s", key_file);
		goto fail;
	}
	if ((cert = SSL_CTX_get0_certificate(ssl_ctx)) == NULL
	    || !X509_check_private_key(cert, pkey)) {
		EVP_PKEY_free(pkey);
		*error_r = tls_error("key values mismatch",
		    "%s and %s do not match", cert_file, key_file);
		goto fail;
	}
	if (!SSL_CTX_use_PrivateKey(ssl_ctx, pkey)
	    || !SSL_CTX_check_private_key(ssl_ctx)) {
		EVP_PKEY_free(pkey);
		*error_r = tls_error(NULL, "%s", key_file);
		goto fail;
	}
	EVP_PKEY_free(pkey);
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->ssl_ctx = ssl_ctx;
	return (ctx);

fail:
	SSL_CTX_free(ssl_ctx);
	return (NULL);
}

/* tls_client_ctx - a client context, verifying or not */
struct tls_ctx *
tls_client_ctx(int verify, const char *ca_file, const char **error_r)
{
	struct tls_ctx *ctx;
	SSL_CTX *ssl_ctx;

	if (verify && ca_file != NULL
	    && tls_check_file("CA file", ca_file, error_r) < 0)
		return (NULL);
	if ((ssl_ctx = tls_common_ctx(TLS_client_method(), error_r)) == NULL)
		return (NULL);
	if (verify) {
		if (ca_file != NULL) {
			if (!SSL_CTX_load_verify_locations(ssl_ctx, ca_file,
			    NULL)) {
				*error_r = tls_error("no certificates",
				    "%s", ca_file);
				SSL_CTX_free(ssl_ctx);
				return (NULL);
			}
		} else if (!SSL_CTX_set_default_verify_paths(ssl_ctx)) {
			*error_r = tls_error(NULL, "system CA store");
			SSL_CTX_free(ssl_ctx);
			return (NULL);
		}
		SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(ssl_ctx, SSL_VERIFY_NONE, NULL);
	}
	ctx = xcalloc(1, sizeof(*ctx));
	ctx->ssl_ctx = ssl_ctx;
	ctx->verify = verify;
	return (ctx);
}

/* tls_ctx_free - release a context */
void
tls_ctx_free(struct tls_ctx **ctxp)
{
	if (*ctxp == NULL)
		return;
	SSL_CTX_free((*ctxp)->ssl_ctx);
	free(*ctxp);
	*ctxp = NULL;
}

/* tls_bio_fd - the descriptor a BIO of ours carries */
static int
tls_bio_fd(BIO *bio)
{
	return ((int)(intptr_t)BIO_get_data(bio));
}

/* tls_bio_write - send without SIGPIPE */
static int
tls_bio_write(BIO *bio, const char *buf, int n)
{
	ssize_t r;

	BIO_clear_retry_flags(bio);
	r = send(tls_bio_fd(bio), buf, (size_t)n, MSG_NOSIGNAL);
	if (r < 0 && errno == ENOTSOCK)
		r = write(tls_bio_fd(bio), buf, (size_t)n);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
	    || errno == EINTR))
		BIO_set_retry_write(bio);
	return ((int)r);
}

/* tls_bio_read - read, marking "try again" for the caller's poll() */
static int
tls_bio_read(BIO *bio, char *buf, int n)
{
	ssize_t r;

	BIO_clear_retry_flags(bio);
	r = read(tls_bio_fd(bio), buf, (size_t)n);
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK
	    || errno == EINTR))
		BIO_set_retry_read(bio);
	return ((int)r);
}

/* tls_bio_ctrl - the few controls a socket BIO answers */
static long
tls_bio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return (1);
	case BIO_C_GET_FD:
		if (ptr != NULL)
			*(int *)ptr = tls_bio_fd(bio);
		return (tls_bio_fd(bio));
	default:
		return (0);
	}
}

/* tls_bio_method - our socket BIO method, made once per process */
static BIO_METHOD *
tls_bio_method(void)
{
	static BIO_METHOD *method;
	int type;

	if (method != NULL)
		return (method);
	if ((type = BIO_get_new_index()) == -1
	    || (method = BIO_meth_new(type | BIO_TYPE_SOURCE_SINK
	    | BIO_TYPE_DESCRIPTOR, "estuary socket")) == NULL)
		return (NULL);
	BIO_meth_set_write(method, tls_bio_write);
	BIO_meth_set_read(method, tls_bio_read);
	BIO_meth_set_ctrl(method, tls_bio_ctrl);
	return (method);
}

/* tls_conn_fail - record why a transfer failed; errno says it to stream */
static ssize_t
tls_conn_fail(struct tls_conn *conn, const char *fallback, int err)
{
	const char *why;

	conn->failed = 1;
	why = tls_error(fallback, "TLS");
	(void)snprintf(conn->error, sizeof(conn->error), "%s", why);
	errno = err ? err : EPROTO;
	return (-1);
}

/* tls_conn_result - map an SSL_read/SSL_write failure to read(2) terms */
static ssize_t
tls_conn_result(struct tls_conn *conn, int ret, int err, int reading,
    int *want_other_r)
{
	switch (SSL_get_error(conn->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		*want_other_r = !reading;
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_WANT_WRITE:
		*want_other_r = reading;
		errno = EAGAIN;
		return (-1);
	case SSL_ERROR_ZERO_RETURN:
		if (reading)
			return (0);
		return (tls_conn_fail(conn, "closed by peer", EPIPE));
	case SSL_ERROR_SYSCALL:
		/* Without the EOF option: a close without close_notify. */
		if (reading && ERR_peek_error() == 0 && (ret == 0 || err == 0))
			return (0);
		return (tls_conn_fail(conn, err ? strerror(err) :
		    "connection closed by peer", err ? err : EPIPE));
	default:
		return (tls_conn_fail(conn, "protocol error", EPROTO));
	}
}

/* tls_io_read - stream_io read over SSL_read */
static ssize_t
tls_io_read(void *ctx, void *buf, size_t n, int *want_write_r)
{
	struct tls_conn *conn = ctx;
	int ret, err;

	*want_write_r = 0;
	if (conn->failed) {
		errno = EPROTO;
		return (-1);
	}
	ERR_clear_error();
	errno = 0;
	ret = SSL_read(conn->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
	err = errno;
	if (ret > 0)
		return (ret);
	return (tls_conn_result(conn, ret, err, 1, want_write_r));
}

/* tls_io_write - stream_io write over SSL_write */
static ssize_t
tls_io_write(void *ctx, const void *buf, size_t n, int *want_read_r)
{
	struct tls_conn *conn = ctx;
	int ret, err;

	*want_read_r = 0;
	if (conn->failed) {
		errno = EPROTO;
		return (-1);
	}
	ERR_clear_error();
	errno = 0;
	ret = SSL_write(conn->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
	err = errno;
	if (ret > 0)
		return (ret);
	return (tls_conn_result(conn, ret, err, 0, want_read_r));
}

/* tls_io_error - why the last transfer failed */
static const char *
tls_io_error(void *ctx)
{
	struct tls_conn *conn = ctx;

	return (conn->error);
}

/* tls_io_close - say goodbye if we can, without waiting, and free */
static void
tls_io_close(void *ctx)
{
	struct tls_conn *conn = ctx;

	/* After a fatal error OpenSSL forbids a shutdown. */
	if (!conn->failed) {
		ERR_clear_error();
		(void)SSL_shutdown(conn->ssl);
	}
	ERR_clear_error();
	SSL_free(conn->ssl);
	free(conn);
}

/* tls_handshake_error - why the handshake failed */
static const char *
tls_handshake_error(SSL *ssl, int ret, int err)
{
	const char *fallback = "protocol error";
	char detail[160];
	long vr;
	int code;

	code = SSL_get_error(ssl, ret);
	if (code == SSL_ERROR_ZERO_RETURN
	    || (code == SSL_ERROR_SYSCALL && err == 0))
		fallback = "connection closed by peer";
	else if (code == SSL_ERROR_SYSCALL)
		fallback = strerror(err);

	/* "certificate verify failed" alone does not say what to fix. */
	detail[0] = '\0';
	if ((SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER)
	    && (vr = SSL_get_verify_result(ssl)) != X509_V_OK)
		(void)snprintf(detail, sizeof(detail), " (%s)",
		    X509_verify_cert_error_string(vr));
	tls_error(fallback, "TLS handshake");
	if (detail[0] != '\0' && strlen(tls_errbuf) + strlen(detail)
	    < sizeof(tls_errbuf)) {
		memcpy(tls_errbuf + strlen(tls_errbuf), detail,
		    strlen(detail) + 1);
		tls_sanitize(tls_errbuf);
	}
	return (tls_errbuf);
}

/* tls_is_ip - servername is an address literal (no SNI for those) */
static int
tls_is_ip(const char *name)
{
	unsigned char addr[16];

	return (inet_pton(AF_INET, name, addr) == 1
	    || inet_pton(AF_INET6, name, addr) == 1);
}

/* tls_handshake - make an SSL on the stream's socket and shake hands */
int
tls_handshake(struct stream *s, struct tls_ctx *ctx, int is_server,
    const char *servername, const char **error_r)
{
	struct stream_io io;
	struct tls_conn *conn;
	BIO_METHOD *method;
	BIO *bio;
	SSL *ssl;
	int ret, err;

	if (stream_error(s) != 0) {
		*error_r = stream_reason(s);
		return (-1);
	}
	ERR_clear_error();
	if ((method = tls_bio_method()) == NULL
	    || (ssl = SSL_new(ctx->ssl_ctx)) == NULL) {
		*error_r = tls_error(NULL, "TLS setup");
		return (-1);
	}
	if ((bio = BIO_new(method)) == NULL) {
		SSL_free(ssl);
		*error_r = tls_error(NULL, "TLS setup");
		return (-1);
	}
	BIO_set_data(bio, (void *)(intptr_t)stream_fd(s));
	BIO_set_init(bio, 1);
	SSL_set_bio(ssl, bio, bio);		/* ssl owns bio */

	if (is_server) {
		SSL_set_accept_state(ssl);
	} else {
		SSL_set_connect_state(ssl);
		if (servername != NULL && *servername != '\0') {
			if (!tls_is_ip(servername)
			    && !SSL_set_tlsext_host_name(ssl, servername)) {
				*error_r = tls_error(NULL, "TLS SNI");
				SSL_free(ssl);
				return (-1);
			}
			if (ctx->verify && !(tls_is_ip(servername) ?
			    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
			    servername) : SSL_set1_host(ssl, servername))) {
				*error_r = tls_error(NULL, "TLS peer name");
				SSL_free(ssl);
				return (-1);
			}
			SSL_set_hostflags(ssl,
			    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		}
	}

	for (;;) {
		ERR_clear_error();
		errno = 0;
		ret = SSL_do_handshake(ssl);
		err = errno;
		if (ret == 1)
			break;
		switch (SSL_get_error(ssl, ret)) {
		case SSL_ERROR_WANT_READ:
			if (stream_wait(s, POLLIN) < 0)
				goto wait_failed;
			continue;
		case SSL_ERROR_WANT_WRITE:
			if (stream_wait(s, POLLOUT) < 0)
				goto wait_failed;
			continue;
		default:
			*error_r = tls_handshake_error(ssl, ret, err);
			SSL_free(ssl);
			return (-1);
		}
	}

	conn = xcalloc(1, sizeof(*conn));
	conn->ssl = ssl;
	memset(&io, 0, sizeof(io));
	io.read = tls_io_read;
	io.write = tls_io_write;
	io.error = tls_io_error;
	io.close = tls_io_close;
	io.ctx = conn;
	stream_set_io(s, &io);
	return (0);

wait_failed:
	ERR_clear_error();
	(void)snprintf(tls_errbuf, sizeof(tls_errbuf), "TLS handshake: %s",
	    stream_reason(s));
	*error_r = tls_errbuf;
	SSL_free(ssl);
	return (-1);
}

/* tls_info - "TLSv1.3 with cipher X (256/256 bits)" */
const char *
tls_info(void *io_ctx)
{
	struct tls_conn *conn = io_ctx;
	const SSL_CIPHER *cipher;
	int bits, alg_bits = 0;

	if (conn == NULL)
		return ("");
	if (conn->info[0] != '\0')
		return (conn->info);
	if ((cipher = SSL_get_current_cipher(conn->ssl)) == NULL)
		return ("");
	bits = SSL_CIPHER_get_bits(cipher, &alg_bits);
	if (snprintf(conn->info, sizeof(conn->info),
	    "%s with cipher %s (%d/%d bits)", SSL_get_version(conn->ssl),
	    SSL_CIPHER_get_name(cipher), bits, alg_bits) < 0)
		conn->info[0] = '\0';
	tls_sanitize(conn->info);
	return (conn->info);
}
