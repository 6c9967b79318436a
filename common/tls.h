/*
 * tls - OpenSSL contexts for the suite's servers and clients.
 *
 * TLS 1.2 is the minimum; the cipher list is OpenSSL's default for that
 * floor. A server context is made once per process, as root, before the
 * privilege drop (keys are typically readable by root only); a client
 * context verifies peers against the system store unless told not to
 * (opportunistic STARTTLS to an MX does not verify, as RFC 7435 allows).
 */
#ifndef TLS_H
#define TLS_H

struct tls_ctx;
struct stream;

/*
 * tls_server_ctx - load cert_file (PEM, chain allowed) and key_file; NULL
 * with *error_r set ("file: reason") when either is unusable or they do not
 * match.
 */
struct tls_ctx *tls_server_ctx(const char *cert_file, const char *key_file,
	    const char **error_r);

/*
 * tls_client_ctx - a client context; verify != 0 checks the peer's
 * certificate chain and name against ca_file (NULL = system default store).
 */
struct tls_ctx *tls_client_ctx(int verify, const char *ca_file,
	    const char **error_r);

/* tls_ctx_free - release *ctx and NULL it */
void	tls_ctx_free(struct tls_ctx **ctx);

/*
 * tls_handshake - used by stream_start_tls(): make an SSL for the stream's
 * descriptor, complete the handshake with stream_wait() for each wait, and
 * install it with stream_set_io(). 0, or -1 with *error_r.
 */
int	tls_handshake(struct stream *s, struct tls_ctx *ctx, int is_server,
	    const char *servername, const char **error_r);

/* tls_info - protocol and cipher text of the stream's session (for logs) */
const char *tls_info(void *io_ctx);

#endif
