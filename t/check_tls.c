/*
 * check_tls - unit tests for common/tls.c and TLS under common/stream.c.
 *
 * Certificates are made at test time in a private temporary directory (two
 * unrelated self-signed ones for "localhost", plus broken files), removed at
 * the end. Server and client run in two processes over a socketpair; the
 * child reports by exit code, so the parent asserts on one place. A plain
 * OpenSSL client plays peers our API will not be (old protocol versions).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "mem.h"
#include "sbuf.h"
#include "stream.h"
#include "tls.h"

static char t_dir[] = "/tmp/check_tls.XXXXXX";
static char t_cert[128];		/* localhost, self-signed */
static char t_key[128];
static char t_other_cert[128];		/* another localhost, another key */
static char t_other_key[128];
static char t_empty[128];		/* zero bytes */
static char t_garbage[128];		/* not PEM */
static char t_truncated[128];		/* t_cert cut in half */
static char t_encrypted[128];		/* t_key under a passphrase */

/* t_now - monotonic seconds */
static double
t_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* t_path - name a file in the test directory */
static void
t_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", t_dir, name);

	if (n < 0 || (size_t)n >= size)
		abort();
}

/* t_write_file - create path holding n bytes of data */
static void
t_write_file(const char *path, const void *data, size_t n)
{
	FILE *fp;

	if ((fp = fopen(path, "w")) == NULL
	    || fwrite(data, 1, n, fp) != n || fclose(fp) != 0) {
		perror(path);
		abort();
	}
}

/* t_add_ext - add one v3 extension in openssl.cnf syntax */
static void
t_add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext;

	if ((ext = X509V3_EXT_conf_nid(NULL, v3, nid, value)) == NULL
	    || !X509_add_ext(x, ext, -1))
		abort();
	X509_EXTENSION_free(ext);
}

/*
 * t_make_cert - a self-signed P-256 certificate for localhost, and its key
 * (also encrypted into enc_path unless NULL)
 */
static void
t_make_cert(const char *cert_path, const char *key_path, const char *enc_path,
    long serial)
{
	EVP_PKEY *pkey;
	X509_NAME *name;
	X509V3_CTX v3;
	X509 *x;
	FILE *fp;

	if ((pkey = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pkey);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	t_add_ext(x, &v3, NID_basic_constraints, "critical,CA:TRUE");
	t_add_ext(x, &v3, NID_key_usage,
	    "critical,digitalSignature,keyCertSign");
	t_add_ext(x, &v3, NID_subject_key_identifier, "hash");
	t_add_ext(x, &v3, NID_subject_alt_name, "DNS:localhost");
	if (!X509_sign(x, pkey, EVP_sha256()))
		abort();
	if ((fp = fopen(cert_path, "w")) == NULL || !PEM_write_X509(fp, x)
	    || fclose(fp) != 0)
		abort();
	if ((fp = fopen(key_path, "w")) == NULL
	    || !PEM_write_PrivateKey(fp, pkey, NULL, NULL, 0, NULL, NULL)
	    || fclose(fp) != 0)
		abort();
	if (enc_path != NULL && ((fp = fopen(enc_path, "w")) == NULL
	    || !PEM_write_PrivateKey(fp, pkey, EVP_aes_128_cbc(),
	    (unsigned char *)"secret", 6, NULL, NULL) || fclose(fp) != 0))
		abort();
	X509_free(x);
	EVP_PKEY_free(pkey);
}

/* t_setup - make the directory and files */
static void
t_setup(void)
{
	char buf[8192];
	FILE *fp;
	size_t n;

	if (mkdtemp(t_dir) == NULL) {
		perror("mkdtemp");
		abort();
	}
	t_path(t_cert, sizeof(t_cert), "cert.pem");
	t_path(t_key, sizeof(t_key), "key.pem");
	t_path(t_other_cert, sizeof(t_other_cert), "other.pem");
	t_path(t_other_key, sizeof(t_other_key), "otherkey.pem");
	t_path(t_empty, sizeof(t_empty), "empty.pem");
	t_path(t_garbage, sizeof(t_garbage), "garbage.pem");
	t_path(t_truncated, sizeof(t_truncated), "truncated.pem");
	t_path(t_encrypted, sizeof(t_encrypted), "encrypted.pem");
	t_make_cert(t_cert, t_key, t_encrypted, 1);
	t_make_cert(t_other_cert, t_other_key, NULL, 2);
	t_write_file(t_empty, "", 0);
	t_write_file(t_garbage, "not a certificate\n\0\x01\xff\n", 22);
	if ((fp = fopen(t_cert, "r")) == NULL)
		abort();
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	t_write_file(t_truncated, buf, n / 2);
}

/* t_teardown - remove the files and the directory */
static void
t_teardown(void)
{
	const char *files[] = { t_cert, t_key, t_other_cert, t_other_key,
	    t_empty, t_garbage, t_truncated, t_encrypted };
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		(void)unlink(files[i]);
	(void)rmdir(t_dir);
}

/* t_pair - a connected socketpair */
static void
t_pair(int sv[2])
{
	ck_assert_msg(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0,
	    "socketpair: %s", strerror(errno));
}

/* t_wait - the child's exit code, or 100 + signal */
static int
t_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return (-1);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	return (100 + WTERMSIG(status));
}

/* t_server_stream - a server stream with TLS started, or NULL */
static struct stream *
t_server_stream(int fd, int timeout, const char **error_r)
{
	struct tls_ctx *ctx;
	struct stream *s;

	if ((ctx = tls_server_ctx(t_cert, t_key, error_r)) == NULL)
		return (NULL);
	s = stream_fdopen(fd, STREAM_RDWR, 1000);
	stream_set_timeout(s, timeout);
	if (stream_start_tls(s, ctx, 1, NULL, error_r) < 0) {
		stream_free(&s);
		tls_ctx_free(&ctx);
		return (NULL);
	}
	/* The session keeps what it needs from the context. */
	tls_ctx_free(&ctx);
	return (s);
}

/* Bad server and client files: the error names the file and the cause. */
static const struct {
	const char *name;
	const char *cert, *key;
	const char *want1, *want2;	/* substrings of the error */
} ctx_cases[] = {
	{ "missing cert", "/nonexistent/cert.pem", t_key,
	    "/nonexistent/cert.pem", "No such file" },
	{ "missing key", t_cert, "/nonexistent/key.pem",
	    "/nonexistent/key.pem", "No such file" },
	{ "mismatched key", t_cert, t_other_key, t_other_key,
	    "do not match" },
	{ "empty cert", t_empty, t_key, t_empty, ": " },
	{ "garbage cert", t_garbage, t_key, t_garbage, ": " },
	{ "truncated cert", t_truncated, t_key, t_truncated, ": " },
	{ "empty key", t_cert, t_empty, t_empty, ": " },
	{ "cert as key", t_cert, t_cert, t_cert, ": " },
	{ "no cert name", "", t_key, "certificate file", ": " },
	{ "encrypted key", t_cert, t_encrypted, t_encrypted, "encrypted" },
	{ "directory as cert", t_dir, t_key, t_dir, "Is a directory" },
};

START_TEST(test_server_ctx_errors)
{
	const char *error = NULL;
	struct tls_ctx *ctx;

	ctx = tls_server_ctx(ctx_cases[_i].cert, ctx_cases[_i].key, &error);
	ck_assert_msg(ctx == NULL, "%s: got a context, want an error",
	    ctx_cases[_i].name);
	ck_assert_msg(error != NULL && strstr(error, ctx_cases[_i].want1)
	    && strstr(error, ctx_cases[_i].want2),
	    "%s: got error \"%s\", want \"%s\" and \"%s\" in it",
	    ctx_cases[_i].name, error ? error : "(null)", ctx_cases[_i].want1,
	    ctx_cases[_i].want2);
	ck_assert_msg(strlen(error) > strlen(ctx_cases[_i].want1) + 2,
	    "%s: no reason in \"%s\"", ctx_cases[_i].name, error);
}
END_TEST

START_TEST(test_ctx_ok)
{
	const char *error = NULL;
	struct tls_ctx *ctx;

	ctx = tls_server_ctx(t_cert, t_key, &error);
	ck_assert_msg(ctx != NULL, "server: %s", error);
	tls_ctx_free(&ctx);
	ck_assert_ptr_null(ctx);
	tls_ctx_free(&ctx);			/* NULL: no-op */
	ctx = tls_client_ctx(1, t_cert, &error);
	ck_assert_msg(ctx != NULL, "client with CA file: %s", error);
	tls_ctx_free(&ctx);
	ctx = tls_client_ctx(1, NULL, &error);
	ck_assert_msg(ctx != NULL, "client with system store: %s", error);
	tls_ctx_free(&ctx);
	ctx = tls_client_ctx(0, "/nonexistent/ca.pem", &error);
	ck_assert_msg(ctx != NULL, "client not verifying: %s", error);
	tls_ctx_free(&ctx);
}
END_TEST

static const struct {
	const char *name;
	const char *ca_file;
	const char *want;
} ca_cases[] = {
	{ "missing CA file", "/nonexistent/ca.pem", "/nonexistent/ca.pem" },
	{ "empty CA file", t_empty, t_empty },
	{ "garbage CA file", t_garbage, t_garbage },
};

START_TEST(test_client_ctx_errors)
{
	const char *error = NULL;
	struct tls_ctx *ctx;

	ctx = tls_client_ctx(1, ca_cases[_i].ca_file, &error);
	ck_assert_msg(ctx == NULL, "%s: got a context, want an error",
	    ca_cases[_i].name);
	ck_assert_msg(error != NULL && strstr(error, ca_cases[_i].want),
	    "%s: got error \"%s\", want \"%s\" in it", ca_cases[_i].name,
	    error ? error : "(null)", ca_cases[_i].want);
}
END_TEST

/* t_blob - the bulk data sent over TLS, larger than any buffer on the way */
static char *
t_blob(size_t n)
{
	char *p = xmalloc(n);
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(i % 251);
	return (p);
}

#define BLOB_LEN	(300 * 1024)

/* t_client_exchange - the child's half of test_exchange; an exit code */
static int
t_client_exchange(int fd)
{
	struct sbuf *line = sbuf_new(0);
	struct tls_ctx *ctx;
	struct stream *s;
	const char *error;
	char *want = t_blob(BLOB_LEN), *got = xmalloc(BLOB_LEN);

	if ((ctx = tls_client_ctx(1, t_cert, &error)) == NULL)
		return (10);
	s = stream_fdopen(fd, STREAM_RDWR, 1000);
	stream_set_timeout(s, 5);
	if (stream_start_tls(s, ctx, 0, "localhost", &error) < 0)
		return (11);
	if (!stream_is_tls(s) || strstr(stream_tls_info(s), "TLSv1.") == NULL)
		return (12);
	if (stream_puts(s, "hello from client\r\n") < 0 || stream_flush(s) < 0)
		return (13);
	if (stream_read_line(s, line) != STREAM_LINE_OK
	    || strcmp(sbuf_str(line), "hello from server") != 0)
		return (14);
	if (stream_read_exact(s, got, BLOB_LEN) < 0
	    || memcmp(got, want, BLOB_LEN) != 0)
		return (15);
	if (stream_read_line(s, line) != STREAM_LINE_OK
	    || strcmp(sbuf_str(line), "done") != 0)
		return (16);
	if (stream_write(s, want, BLOB_LEN) < 0
	    || stream_puts(s, "bye\r\n") < 0 || stream_flush(s) < 0)
		return (17);
	stream_free(&s);			/* close_notify */
	tls_ctx_free(&ctx);
	sbuf_free(&line);
	free(want);
	free(got);
	return (0);
}

START_TEST(test_exchange)
{
	struct sbuf *line = sbuf_new(0);
	struct stream *s;
	const char *error = NULL, *info;
	char *blob = t_blob(BLOB_LEN), *got = xmalloc(BLOB_LEN);
	int sv[2];
	pid_t pid;

	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		_exit(t_client_exchange(sv[1]));
	}
	(void)close(sv[1]);
	s = t_server_stream(sv[0], 5, &error);
	ck_assert_msg(s != NULL, "server handshake: %s", error);
	ck_assert_int_ne(stream_is_tls(s), 0);
	info = stream_tls_info(s);
	ck_assert_msg((strncmp(info, "TLSv1.3 with cipher ", 20) == 0
	    || strncmp(info, "TLSv1.2 with cipher ", 20) == 0)
	    && strstr(info, " bits)") != NULL,
	    "got info \"%s\", want \"TLSv1.x with cipher ... bits)\"", info);
	ck_assert_int_eq(stream_read_line(s, line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(line), "hello from client");
	ck_assert_int_eq(stream_puts(s, "hello from server\r\n"), 0);
	ck_assert_int_eq(stream_write(s, blob, BLOB_LEN), 0);
	ck_assert_int_eq(stream_printf(s, "%s\r\n", "done"), 0);
	ck_assert_int_eq(stream_flush(s), 0);
	ck_assert_int_eq(stream_read_exact(s, got, BLOB_LEN), 0);
	ck_assert_msg(memcmp(got, blob, BLOB_LEN) == 0, "blob differs");
	ck_assert_int_eq(stream_read_line(s, line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(line), "bye");

	/* The client's close_notify is end of input. */
	ck_assert_int_eq(stream_read_line(s, line), STREAM_EOF);
	ck_assert_str_eq(stream_reason(s), "eof");
	stream_free(&s);
	ck_assert_int_eq(t_wait(pid), 0);
	sbuf_free(&line);
	free(blob);
	free(got);
}
END_TEST

/* Plain OpenSSL clients limited to one protocol version. */
static const struct {
	const char *name;
	int	version;
	const char *info;		/* NULL: the handshake must fail */
} version_cases[] = {
	{ "TLS 1.3", TLS1_3_VERSION, "TLSv1.3 with cipher " },
	{ "TLS 1.2", TLS1_2_VERSION, "TLSv1.2 with cipher " },
	{ "TLS 1.1", TLS1_1_VERSION, NULL },
	{ "TLS 1.0", TLS1_VERSION, NULL },
};

/* t_raw_client - child: handshake at one version, ping, expect pong */
static int
t_raw_client(int fd, int version)
{
	SSL_CTX *ctx;
	char buf[16];
	SSL *ssl;

	(void)signal(SIGPIPE, SIG_IGN);
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return (10);
	/* Let the old versions really be offered, not refused at home. */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_cipher_list(ctx, "DEFAULT:@SECLEVEL=0");
	SSL_CTX_set_min_proto_version(ctx, version);
	SSL_CTX_set_max_proto_version(ctx, version);
	if ((ssl = SSL_new(ctx)) == NULL || !SSL_set_fd(ssl, fd))
		return (11);
	if (SSL_connect(ssl) != 1)
		return (1);
	if (SSL_write(ssl, "ping\n", 5) != 5)
		return (12);
	if (SSL_read(ssl, buf, sizeof(buf)) != 5 || memcmp(buf, "pong\n", 5))
		return (13);
	SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return (0);
}

START_TEST(test_versions)
{
	struct sbuf *line = sbuf_new(0);
	struct stream *s;
	const char *error = NULL;
	int sv[2], code;
	pid_t pid;

	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		_exit(t_raw_client(sv[1], version_cases[_i].version));
	}
	(void)close(sv[1]);
	s = t_server_stream(sv[0], 5, &error);
	if (version_cases[_i].info == NULL) {
		ck_assert_msg(s == NULL, "%s: handshake done, want refused",
		    version_cases[_i].name);
		ck_assert_msg(strstr(error, "TLS handshake: ") == error
		    && strstr(error, "protocol") != NULL,
		    "%s: got error \"%s\", want a protocol version error",
		    version_cases[_i].name, error);
		code = t_wait(pid);
		ck_assert_msg(code == 1, "%s: client exit %d, want 1",
		    version_cases[_i].name, code);
		sbuf_free(&line);
		return;
	}
	ck_assert_msg(s != NULL, "%s: %s", version_cases[_i].name, error);
	ck_assert_msg(strstr(stream_tls_info(s), version_cases[_i].info)
	    == stream_tls_info(s), "%s: got info \"%s\", want \"%s...\"",
	    version_cases[_i].name, stream_tls_info(s),
	    version_cases[_i].info);
	ck_assert_int_eq(stream_read_line(s, line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(line), "ping");
	ck_assert_int_eq(stream_puts(s, "pong\n"), 0);
	ck_assert_int_eq(stream_flush(s), 0);
	ck_assert_int_eq(stream_read_line(s, line), STREAM_EOF);
	stream_free(&s);
	code = t_wait(pid);
	ck_assert_msg(code == 0, "%s: client exit %d, want 0",
	    version_cases[_i].name, code);
	sbuf_free(&line);
}
END_TEST

/* Client verification: our client in the parent, our server in a child. */
static const struct {
	const char *name;
	int	verify;
	const char *ca_file;
	const char *servername;
	const char *want;		/* NULL: success; else in the error */
	const char *want2;
} verify_cases[] = {
	{ "trusted", 1, t_cert, "localhost", NULL, NULL },
	{ "trusted, no name", 1, t_cert, NULL, NULL, NULL },
	{ "not verifying", 0, NULL, "mail.example.org", NULL, NULL },
	{ "unrelated CA", 1, t_other_cert, "localhost",
	    "certificate verify failed", "self-signed" },
	{ "wrong name", 1, t_cert, "mail.example.org",
	    "certificate verify failed", "hostname mismatch" },
	{ "wrong address", 1, t_cert, "127.0.0.1",
	    "certificate verify failed", "IP address mismatch" },
};

START_TEST(test_verify)
{
	struct sbuf *line = sbuf_new(0);
	struct tls_ctx *ctx;
	struct stream *s;
	const char *error = NULL;
	int sv[2], ret, code;
	pid_t pid;

	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		if ((s = t_server_stream(sv[1], 5, &error)) == NULL)
			_exit(1);
		_exit(stream_puts(s, "ok\r\n") < 0 || stream_flush(s) < 0 ?
		    2 : 0);
	}
	(void)close(sv[1]);
	ctx = tls_client_ctx(verify_cases[_i].verify, verify_cases[_i].ca_file,
	    &error);
	ck_assert_msg(ctx != NULL, "%s: %s", verify_cases[_i].name, error);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 5);
	ret = stream_start_tls(s, ctx, 0, verify_cases[_i].servername, &error);
	if (verify_cases[_i].want == NULL) {
		ck_assert_msg(ret == 0, "%s: got error \"%s\", want success",
		    verify_cases[_i].name, error);
		ck_assert_int_eq(stream_read_line(s, line), STREAM_LINE_OK);
		ck_assert_str_eq(sbuf_str(line), "ok");
	} else {
		ck_assert_msg(ret == -1, "%s: got success, want \"%s\"",
		    verify_cases[_i].name, verify_cases[_i].want);
		ck_assert_msg(strstr(error, verify_cases[_i].want)
		    && strstr(error, verify_cases[_i].want2),
		    "%s: got error \"%s\", want \"%s\" and \"%s\"",
		    verify_cases[_i].name, error, verify_cases[_i].want,
		    verify_cases[_i].want2);
		ck_assert_int_eq(stream_error(s), STREAM_ERROR);
		ck_assert_msg(strstr(stream_reason(s), verify_cases[_i].want),
		    "%s: got reason \"%s\"", verify_cases[_i].name,
		    stream_reason(s));
		ck_assert_int_eq(stream_is_tls(s), 0);
	}
	stream_free(&s);
	tls_ctx_free(&ctx);
	code = t_wait(pid);
	ck_assert_msg(code == (verify_cases[_i].want ? 1 : 0),
	    "%s: server exit %d", verify_cases[_i].name, code);
	sbuf_free(&line);
}
END_TEST

/* Handshakes with peers that do not play: what each side reports. */
enum peer { PEER_SILENT, PEER_CLOSED, PEER_PLAINTEXT };

static const struct {
	const char *name;
	int	is_server;
	enum peer peer;
	int	want_status;
	const char *want;		/* in the error */
	double	min_secs, max_secs;
} handshake_cases[] = {
	{ "server, silent peer", 1, PEER_SILENT, STREAM_TIMEOUT,
	    "TLS handshake: timeout", 0.95, 3.5 },
	{ "client, silent peer", 0, PEER_SILENT, STREAM_TIMEOUT,
	    "TLS handshake: timeout", 0.95, 3.5 },
	{ "server, closed peer", 1, PEER_CLOSED, STREAM_ERROR,
	    "TLS handshake: ", 0, 3.5 },
	{ "client, closed peer", 0, PEER_CLOSED, STREAM_ERROR,
	    "TLS handshake: ", 0, 3.5 },
	{ "server, plaintext peer", 1, PEER_PLAINTEXT, STREAM_ERROR,
	    "TLS handshake: ", 0, 3.5 },
	{ "client, plaintext peer", 0, PEER_PLAINTEXT, STREAM_ERROR,
	    "TLS handshake: ", 0, 3.5 },
};

START_TEST(test_handshake_failures)
{
	struct tls_ctx *ctx;
	struct stream *s;
	const char *error = NULL;
	char reason[300];
	double t0, dt;
	int sv[2], ret;

	ctx = handshake_cases[_i].is_server ?
	    tls_server_ctx(t_cert, t_key, &error) :
	    tls_client_ctx(0, NULL, &error);
	ck_assert_msg(ctx != NULL, "%s", error);
	t_pair(sv);
	switch (handshake_cases[_i].peer) {
	case PEER_SILENT:
		break;
	case PEER_CLOSED:
		(void)close(sv[1]);
		break;
	case PEER_PLAINTEXT:
		ck_assert_int_eq(write(sv[1], "220 mail.example.org ESMTP\r\n"
		    "EHLO x\r\n", 36), 36);
		(void)shutdown(sv[1], SHUT_WR);
		break;
	}
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 1);
	t0 = t_now();
	ret = stream_start_tls(s, ctx, handshake_cases[_i].is_server,
	    "localhost", &error);
	dt = t_now() - t0;
	ck_assert_msg(ret == -1, "%s: handshake done",
	    handshake_cases[_i].name);
	ck_assert_msg(strstr(error, handshake_cases[_i].want) == error
	    && strlen(error) > strlen("TLS handshake: "),
	    "%s: got error \"%s\", want \"%s...\"", handshake_cases[_i].name,
	    error, handshake_cases[_i].want);
	ck_assert_msg(stream_error(s) == handshake_cases[_i].want_status,
	    "%s: got status %d, want %d", handshake_cases[_i].name,
	    stream_error(s), handshake_cases[_i].want_status);
	ck_assert_msg(dt >= handshake_cases[_i].min_secs
	    && dt < handshake_cases[_i].max_secs,
	    "%s: took %.2f s, want %.2f to %.2f", handshake_cases[_i].name,
	    dt, handshake_cases[_i].min_secs, handshake_cases[_i].max_secs);
	ck_assert_int_eq(stream_is_tls(s), 0);
	ck_assert_str_eq(stream_tls_info(s), "");

	/* The failure sticks, and a second attempt is refused the same way. */
	ck_assert_int_lt(snprintf(reason, sizeof(reason), "%s",
	    stream_reason(s)), (int)sizeof(reason));
	ck_assert_int_eq(stream_start_tls(s, ctx, 1, NULL, &error), -1);
	ck_assert_str_eq(error, reason);
	ck_assert_int_eq(stream_write(s, "x", 1), -1);
	stream_free(&s);
	tls_ctx_free(&ctx);
	if (handshake_cases[_i].peer != PEER_CLOSED)
		(void)close(sv[1]);
}
END_TEST

START_TEST(test_starttls_discard)
{
	struct sbuf *line = sbuf_new(0);
	struct tls_ctx *ctx;
	struct stream *s;
	const char *error = NULL;
	int sv[2];
	pid_t pid;

	/*
	 * A client that pipelines a command after STARTTLS (RFC 3207, 4.2):
	 * the plaintext command must not be read as if it came over TLS.
	 */
	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		if ((ctx = tls_client_ctx(1, t_cert, &error)) == NULL)
			_exit(10);
		s = stream_fdopen(sv[1], STREAM_RDWR, 100);
		stream_set_timeout(s, 5);
		if (stream_puts(s, "STARTTLS\r\nRCPT TO:<injected>\r\n") < 0
		    || stream_flush(s) < 0)
			_exit(11);
		if (stream_read_line(s, line) != STREAM_LINE_OK
		    || strcmp(sbuf_str(line), "220 go ahead") != 0)
			_exit(12);
		if (stream_start_tls(s, ctx, 0, "localhost", &error) < 0)
			_exit(13);
		if (stream_puts(s, "EHLO client\r\n") < 0
		    || stream_flush(s) < 0)
			_exit(14);
		stream_free(&s);
		_exit(0);
	}
	(void)close(sv[1]);
	ctx = tls_server_ctx(t_cert, t_key, &error);
	ck_assert_msg(ctx != NULL, "%s", error);
	s = stream_fdopen(sv[0], STREAM_RDWR, 100);
	stream_set_timeout(s, 5);
	ck_assert_int_eq(stream_read_line(s, line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(line), "STARTTLS");
	ck_assert_int_eq(stream_is_tls(s), 0);
	ck_assert_int_eq(stream_puts(s, "220 go ahead\r\n"), 0);

	/* stream_start_tls() flushes the reply itself. */
	ck_assert_msg(stream_start_tls(s, ctx, 1, NULL, &error) == 0, "%s",
	    error);
	ck_assert_int_ne(stream_is_tls(s), 0);
	ck_assert_int_eq(stream_read_line(s, line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(line), "EHLO client");
	ck_assert_int_eq(stream_read_line(s, line), STREAM_EOF);

	/* Once is enough. */
	ck_assert_int_eq(stream_start_tls(s, ctx, 1, NULL, &error), -1);
	stream_free(&s);
	tls_ctx_free(&ctx);
	ck_assert_int_eq(t_wait(pid), 0);
	sbuf_free(&line);
}
END_TEST

START_TEST(test_peer_vanishes)
{
	struct sbuf *line = sbuf_new(0);
	struct tls_ctx *ctx;
	struct stream *s;
	const char *error = NULL;
	char *blob = t_blob(BLOB_LEN);
	int sv[2], code;
	pid_t pid;

	/*
	 * A client that shakes hands, says one line and vanishes without
	 * close_notify: end of input for reading, an error (not SIGPIPE,
	 * which fork mode would report) for writing.
	 */
	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		if ((ctx = tls_client_ctx(0, NULL, &error)) == NULL)
			_exit(10);
		s = stream_fdopen(sv[1], STREAM_RDWR, 100);
		stream_set_timeout(s, 5);
		if (stream_start_tls(s, ctx, 0, NULL, &error) < 0)
			_exit(11);
		if (stream_puts(s, "last words\r\n") < 0 || stream_flush(s) < 0)
			_exit(12);
		_exit(0);
	}
	(void)close(sv[1]);
	s = t_server_stream(sv[0], 5, &error);
	ck_assert_msg(s != NULL, "%s", error);
	code = t_wait(pid);
	ck_assert_int_eq(code, 0);
	ck_assert_int_eq(stream_read_line(s, line), STREAM_LINE_OK);
	ck_assert_str_eq(sbuf_str(line), "last words");
	ck_assert_int_eq(stream_read_line(s, line), STREAM_EOF);
	stream_free(&s);

	/* The same again, writing instead. */
	t_pair(sv);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		(void)close(sv[0]);
		if ((ctx = tls_client_ctx(0, NULL, &error)) == NULL)
			_exit(10);
		s = stream_fdopen(sv[1], STREAM_RDWR, 100);
		stream_set_timeout(s, 5);
		_exit(stream_start_tls(s, ctx, 0, NULL, &error) < 0 ? 11 : 0);
	}
	(void)close(sv[1]);
	s = t_server_stream(sv[0], 5, &error);
	ck_assert_msg(s != NULL, "%s", error);
	ck_assert_int_eq(t_wait(pid), 0);
	ck_assert_int_eq(stream_write(s, blob, BLOB_LEN), -1);
	ck_assert_int_eq(stream_error(s), STREAM_ERROR);
	ck_assert_msg(strncmp(stream_reason(s), "error: TLS: ", 12) == 0,
	    "got reason \"%s\", want \"error: TLS: ...\"", stream_reason(s));
	stream_free(&s);
	free(blob);
	sbuf_free(&line);
}
END_TEST

/* tls_suite - every behaviour of the TLS module */
static Suite *
tls_suite(void)
{
	Suite *su = suite_create("tls");
	TCase *tc;

	tc = tcase_create("contexts");
	tcase_add_loop_test(tc, test_server_ctx_errors, 0,
	    sizeof(ctx_cases) / sizeof(ctx_cases[0]));
	tcase_add_loop_test(tc, test_client_ctx_errors, 0,
	    sizeof(ca_cases) / sizeof(ca_cases[0]));
	tcase_add_test(tc, test_ctx_ok);
	suite_add_tcase(su, tc);

	tc = tcase_create("exchange");
	tcase_add_test(tc, test_exchange);
	tcase_add_test(tc, test_starttls_discard);
	tcase_add_test(tc, test_peer_vanishes);
	suite_add_tcase(su, tc);

	tc = tcase_create("versions");
	tcase_add_loop_test(tc, test_versions, 0,
	    sizeof(version_cases) / sizeof(version_cases[0]));
	suite_add_tcase(su, tc);

	tc = tcase_create("verify");
	tcase_add_loop_test(tc, test_verify, 0,
	    sizeof(verify_cases) / sizeof(verify_cases[0]));
	suite_add_tcase(su, tc);

	tc = tcase_create("handshake_failures");
	tcase_add_loop_test(tc, test_handshake_failures, 0,
	    sizeof(handshake_cases) / sizeof(handshake_cases[0]));
	suite_add_tcase(su, tc);
	return (su);
}

int
main(void)
{
	SRunner *sr = srunner_create(tls_suite());
	int failures;

	/* One set of files for every test; the tests only read them. */
	t_setup();
	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	t_teardown();
	return (failures ? 1 : 0);
}
