/*
 * check_pop3d - unit tests for pop3d's session state machine
 * (pop3d/pop3d_conn.c and pop3d_cmd.c).
 *
 * Each case runs one session in a child process over a socketpair, with
 * a fake mailbox backend (three messages: LF, CR LF and 8-bit, one with a
 * line starting with '.') and fake credentials, and drives it as a client
 * would: a table of steps, each a line to send (or none) and the exact
 * reply expected ('*' matches any run of bytes; a NULL reply means the
 * server must close). Covered: every command in every state, malformed
 * arguments, over-long lines, the bad command limit, the idle timeout,
 * pipelining, plaintext refusal, USER/PASS, APOP, AUTH PLAIN (initial
 * response, continuation, cancel, malformed), every login failure reply,
 * [IN-USE], throttling through the shared failure table, LOGIN-DELAY
 * (announced in both states; a user whose previous login is too recent
 * refused with [LOGIN-DELAY] and not recorded), DELE/RSET, and that only
 * QUIT in TRANSACTION commits deletions (commits and recorded logins are
 * checked through memory shared with the child).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <check.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "pop3d.h"
#include "registry.h"
#include "sbuf.h"
#include "stream.h"
#include "tutil.h"

/* The fake mailbox. */
static const char *const t_bodies[] = {
	"Subject: one\n\nbody1\n.dot line\n",
	"Subject: two\r\n\r\nbody2\r\n",
	"Subject: three\n\n\xe9t\xe9\n",
};
static const char *const t_uidls[] = { "u1", "u2", "u3" };

/* Shared with the session's child: what commit was given. */
struct t_shared {
	int	commits;
	size_t	n;
	uint32_t ids[8];
	int	stamps;			/* logins recorded */
};
static struct t_shared *t_sh;

struct pop3d_mbox {
	int	dummy;
};

/*
 * fake_login - alice/pw good; sleepy inactive; temp fails; busy locked;
 * recent logged in 5 seconds ago
 */
static enum auth_result
fake_login(void *ctx, const char *login, const char *passwd,
    unsigned service, char *user_r, const char **why_r)
{
	(void)ctx;
	(void)service;
	*why_r = "test";
	snprintf(user_r, NAME_ADDRESS_MAX + 1, "%s", login);
	if (strcmp(login, "sleepy@sleepy.test") == 0)
		return (AUTH_DOMAIN_INACTIVE);
	if (strcmp(login, "temp@good.test") == 0)
		return (AUTH_TEMPFAIL);
	if ((strcmp(login, "alice@good.test") == 0 ||
	    strcmp(login, "busy@good.test") == 0 ||
	    strcmp(login, "recent@good.test") == 0) &&
	    strcmp(passwd, "pw") == 0)
		return (AUTH_OK);
	return (AUTH_FAILED);
}

/* t_apop_digest - hex MD5 of timestamp and secret into out (33 bytes) */
static void
t_apop_digest(const char *timestamp, const char *secret, char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len, i;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	EVP_DigestInit_ex(c, EVP_md5(), NULL);
	EVP_DigestUpdate(c, timestamp, strlen(timestamp));
	EVP_DigestUpdate(c, secret, strlen(secret));
	EVP_DigestFinal_ex(c, md, &len);
	EVP_MD_CTX_free(c);
	for (i = 0; i < len; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* fake_apop - alice's secret is "tanstaafl"; bob has none */
static enum auth_result
fake_apop(void *ctx, const char *login, const char *timestamp,
    const char *digest, unsigned service, char *user_r, int *no_secret_r,
    const char **why_r)
{
	char want[33];

	(void)ctx;
	(void)service;
	*why_r = "test";
	*no_secret_r = 0;
	snprintf(user_r, NAME_ADDRESS_MAX + 1, "%s", login);
	if (strcmp(login, "bob@good.test") == 0) {
		*no_secret_r = 1;
		return (AUTH_FAILED);
	}
	if (strcmp(login, "alice@good.test") != 0)
		return (AUTH_FAILED);
	t_apop_digest(timestamp, "tanstaafl", want);
	return (strcmp(want, digest) == 0 ? AUTH_OK : AUTH_FAILED);
}

/* fake_open - busy is locked; everyone else sees the three messages */
static int
fake_open(void *ctx, const char *user, struct pop3d_mbox **mb_r,
    struct pop3d_msg **msgs_r, size_t *count_r, const char **error_r)
{
	struct pop3d_msg *m;
	size_t i, j;

	(void)ctx;
	(void)error_r;
	if (strcmp(user, "busy@good.test") == 0)
		return (0);
	m = xcalloc(NELEM(t_bodies), sizeof(*m));
	for (i = 0; i < NELEM(t_bodies); i++) {
		m[i].id = 11 + (uint32_t)i;
		m[i].size = strlen(t_bodies[i]);
		for (j = 0; t_bodies[i][j] != '\0'; j++)
			if (t_bodies[i][j] == '\n' &&
			    (j == 0 || t_bodies[i][j - 1] != '\r'))
				m[i].size++;
		snprintf(m[i].uidl, sizeof(m[i].uidl), "%s", t_uidls[i]);
	}
	*mb_r = xcalloc(1, sizeof(**mb_r));
	*msgs_r = m;
	*count_r = NELEM(t_bodies);
	return (1);
}

/* fake_retr - the body in a temporary file */
static int
fake_retr(struct pop3d_mbox *mb, uint32_t id, const char **error_r)
{
	FILE *f = tmpfile();
	int fd;

	(void)mb;
	if (f == NULL || id < 11 || id > 13) {
		*error_r = "no such message";
		return (-1);
	}
	fputs(t_bodies[id - 11], f);
	fflush(f);
	rewind(f);
	fd = dup(fileno(f));
	fclose(f);
	return (fd);
}

/* fake_commit - record the ids */
static int
fake_commit(struct pop3d_mbox *mb, const uint32_t *ids, size_t n,
    const char **error_r)
{
	(void)mb;
	(void)error_r;
	t_sh->commits++;
	t_sh->n = n;
	memcpy(t_sh->ids, ids, n * sizeof(*ids));
	return (0);
}

/* fake_close - free */
static void
fake_close(struct pop3d_mbox **mb)
{
	free(*mb);
	*mb = NULL;
}

/* fake_stamp - recent's previous login was 5 seconds ago, others never */
static int
fake_stamp(void *ctx, const char *user, int delay, time_t *last_r,
    const char **error_r)
{
	time_t now = time(NULL);

	(void)ctx;
	(void)error_r;
	*last_r = strcmp(user, "recent@good.test") == 0 ? now - 5 : 0;
	if (delay > 0 && *last_r != 0 && now - *last_r < delay)
		return (0);
	t_sh->stamps++;
	return (1);
}

static const struct pop3d_backend fake_backend = {
	.login = fake_login,
	.apop = fake_apop,
	.open = fake_open,
	.retr = fake_retr,
	.commit = fake_commit,
	.close = fake_close,
	.stamp = fake_stamp,
	.ctx = NULL,
};

struct step {
	const char *send;		/* NULL: send nothing */
	const char *want;		/* NULL: the server closes */
};

#define GREET	{ NULL, "+OK Estuary POP3 ready <*.*.*@mx.test>\r\n" }
#define LOGIN	{ "USER alice@good.test", "+OK Send your password\r\n" }, \
		{ "PASS pw", "+OK Logged in, 3 messages (80 octets)\r\n" }
#define CLOSED	{ NULL, NULL }
#define DROP_SEND	"<drop>"
#define DROP	{ DROP_SEND, "" }	/* the client hangs up */
#define LONGLINE	"<long>"	/* 2999 bytes */

static const char capa_auth[] = "+OK Capability list follows\r\nTOP\r\n"
	"UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUSER\r\n"
	"SASL PLAIN\r\nIMPLEMENTATION Estuary\r\n.\r\n";
static const char capa_tx[] = "+OK Capability list follows\r\nTOP\r\n"
	"UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
	"IMPLEMENTATION Estuary\r\n.\r\n";
static const char capa_noplain[] = "+OK Capability list follows\r\nTOP\r\n"
	"UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
	"EXPIRE NEVER\r\nIMPLEMENTATION Estuary\r\n.\r\n";

static const char capa_delay[] = "+OK Capability list follows\r\nTOP\r\n"
	"UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\nUSER\r\n"
	"SASL PLAIN\r\nLOGIN-DELAY 60\r\nIMPLEMENTATION Estuary\r\n.\r\n";
static const char capa_tx_delay[] = "+OK Capability list follows\r\nTOP\r\n"
	"UIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
	"LOGIN-DELAY 60\r\nIMPLEMENTATION Estuary\r\n.\r\n";

#define AUTHERR	"-ERR [AUTH] Authentication failed\r\n"
#define NOTAUTH(v) { v, "-ERR * not valid in the authorization state\r\n" }
#define NOTTX(v) { v, "-ERR * not valid in the transaction state\r\n" }

static const struct {
	const char *name;
	int	plaintext;		/* pop3d_plaintext_auth */
	int	bad_limit;
	int	commits;		/* expected commit calls */
	int	throttle;		/* use a failure table, limit 2 */
	struct step steps[40];
} cases[] = {
	{ "authorization state", 1, 50, 0, 0, {
		GREET,
		NOTAUTH("STAT"), NOTAUTH("LIST"), NOTAUTH("LIST 1"),
		NOTAUTH("UIDL"), NOTAUTH("UIDL 1"), NOTAUTH("RETR 1"),
		NOTAUTH("TOP 1 1"), NOTAUTH("DELE 1"), NOTAUTH("NOOP"),
		NOTAUTH("RSET"), NOTAUTH("stat"),
		{ "CAPA", capa_auth },
		{ "STLS", "-ERR STLS is not available\r\n" },
		{ "AUTH", "+OK Supported mechanisms follow\r\nPLAIN\r\n.\r\n" },
		{ "AUTH CRAM-MD5", "-ERR Unsupported authentication "
		    "mechanism\r\n" },
		{ "PASS pw", "-ERR No user name given: send USER first\r\n" },
		{ "BOGUS", "-ERR Unknown command\r\n" },
		{ "", "-ERR Unknown command\r\n" },
		{ "QUIT", "+OK Estuary POP3 server signing off\r\n" },
		CLOSED } },
	{ "transaction state", 1, 50, 1, 0, {
		GREET, LOGIN,
		NOTTX("USER alice@good.test"), NOTTX("PASS pw"),
		NOTTX("APOP alice@good.test 0123456789abcdef0123456789abcdef"),
		NOTTX("AUTH PLAIN"), NOTTX("STLS"),
		{ "CAPA", capa_tx },
		{ "STAT", "+OK 3 80\r\n" },
		{ "LIST", "+OK 3 messages (80 octets)\r\n1 34\r\n2 23\r\n"
		    "3 23\r\n.\r\n" },
		{ "LIST 2", "+OK 2 23\r\n" },
		{ "LIST 4", "-ERR No such message, only 3 in the maildrop\r\n" },
		{ "UIDL", "+OK Unique-ID listing follows\r\n1 u1\r\n2 u2\r\n"
		    "3 u3\r\n.\r\n" },
		{ "UIDL 3", "+OK 3 u3\r\n" },
		{ "RETR 1", "+OK 34 octets\r\nSubject: one\r\n\r\nbody1\r\n"
		    "..dot line\r\n.\r\n" },
		{ "RETR 2", "+OK 23 octets\r\nSubject: two\r\n\r\nbody2\r\n"
		    ".\r\n" },
		{ "RETR 3", "+OK 23 octets\r\nSubject: three\r\n\r\n\xe9t\xe9"
		    "\r\n.\r\n" },
		{ "TOP 1 0", "+OK Top of message follows\r\nSubject: one\r\n"
		    "\r\n.\r\n" },
		{ "TOP 1 1", "+OK Top of message follows\r\nSubject: one\r\n"
		    "\r\nbody1\r\n.\r\n" },
		{ "TOP 1 9", "+OK Top of message follows\r\nSubject: one\r\n"
		    "\r\nbody1\r\n..dot line\r\n.\r\n" },
		{ "NOOP", "+OK\r\n" },
		{ "DELE 1", "+OK Message 1 deleted\r\n" },
		{ "DELE 1", "-ERR Message 1 already deleted\r\n" },
		{ "RETR 1", "-ERR Message 1 already deleted\r\n" },
		{ "LIST 1", "-ERR Message 1 already deleted\r\n" },
		{ "STAT", "+OK 2 46\r\n" },
		{ "LIST", "+OK 2 messages (46 octets)\r\n2 23\r\n3 23\r\n"
		    ".\r\n" },
		{ "RSET", "+OK Maildrop has 3 messages (80 octets)\r\n" },
		{ "DELE 2", "+OK Message 2 deleted\r\n" },
		{ "DELE 3", "+OK Message 3 deleted\r\n" },
		{ "QUIT", "+OK Estuary POP3 server signing off (2 messages "
		    "removed)\r\n" },
		CLOSED } },
	{ "malformed arguments", 1, 50, 0, 0, {
		GREET,
		{ "USER", "-ERR USER: missing argument\r\n" },
		{ "USER a b", "-ERR USER: too many arguments\r\n" },
		{ "APOP x", "-ERR APOP: missing argument\r\n" },
		{ "APOP x y", "-ERR APOP: malformed argument\r\n" },
		{ "CAPA x", "-ERR CAPA: too many arguments\r\n" },
		LOGIN,
		{ "RETR", "-ERR RETR: missing argument\r\n" },
		{ "RETR x", "-ERR RETR: invalid number\r\n" },
		{ "RETR 0", "-ERR RETR: invalid number\r\n" },
		{ "DELE 1 2", "-ERR DELE: too many arguments\r\n" },
		{ "TOP 1", "-ERR TOP: missing argument\r\n" },
		{ "TOP 1 -1", "-ERR TOP: invalid number\r\n" },
		{ "LIST 99999999999", "-ERR LIST: invalid number\r\n" },
		{ "NOOP x", "-ERR NOOP: too many arguments\r\n" },
		{ "STAT\x01", "-ERR Unknown command\r\n" },
		{ "DELE 1", "+OK Message 1 deleted\r\n" },
		{ "STAT", "+OK 2 46\r\n" },
		DROP } },
	{ "over-long line", 1, 50, 0, 0, {
		GREET, LOGIN,
		{ LONGLINE, "-ERR Line too long\r\n" },
		{ "NOOP", "+OK\r\n" },
		{ "QUIT", "+OK Estuary POP3 server signing off (0 messages "
		    "removed)\r\n" },
		CLOSED } },
	{ "bad command limit", 1, 3, 0, 0, {
		GREET,
		{ "XYZZY", "-ERR Unknown command\r\n" },
		{ "STAT", "-ERR * not valid in the authorization state\r\n" },
		{ "LIST x", "-ERR * not valid in the authorization state\r\n"
		    "-ERR Too many bad commands, closing\r\n" },
		CLOSED } },
	{ "pipelining", 1, 50, 0, 0, {
		GREET,
		{ "USER alice@good.test\r\nPASS pw\r\nSTAT\r\nLIST 1\r\n"
		    "UIDL 2\r\nNOOP", "+OK Send your password\r\n+OK Logged "
		    "in, 3 messages (80 octets)\r\n+OK 3 80\r\n+OK 1 34\r\n"
		    "+OK 2 u2\r\n+OK\r\n" },
		DROP } },
	{ "plaintext refused", 0, 50, 0, 0, {
		GREET,
		{ "CAPA", capa_noplain },
		{ "USER alice@good.test", "-ERR [AUTH] Plaintext "
		    "authentication disallowed on non-secure connections\r\n" },
		{ "PASS pw", "-ERR [AUTH] Plaintext authentication disallowed "
		    "on non-secure connections\r\n" },
		{ "AUTH PLAIN AGFsaWNlQGdvb2QudGVzdABwdw==", "-ERR [AUTH] "
		    "Plaintext authentication disallowed on non-secure "
		    "connections\r\n" },
		{ "AUTH", "+OK Supported mechanisms follow\r\n.\r\n" },
		{ "APOP alice@good.test %DIGEST%", "+OK Logged in, 3 messages "
		    "(80 octets)\r\n" },
		DROP } },
	{ "login failures", 1, 50, 0, 0, {
		GREET,
		{ "USER alice@good.test", "+OK Send your password\r\n" },
		{ "PASS wrong", AUTHERR },
		{ "PASS pw", "-ERR No user name given: send USER first\r\n" },
		{ "USER nobody@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", AUTHERR },
		{ "USER sleepy@sleepy.test", "+OK Send your password\r\n" },
		{ "PASS pw", "-ERR [SYS/TEMP] Mail service for this domain is "
		    "temporarily unavailable\r\n" },
		{ "USER temp@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", "-ERR [SYS/TEMP] Temporary authentication "
		    "failure\r\n" },
		{ "USER busy@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", "-ERR [IN-USE] Mailbox is locked by another POP3 "
		    "session\r\n" },
		{ "APOP alice@good.test 0123456789abcdef0123456789abcdef",
		    AUTHERR },
		{ "APOP bob@good.test 0123456789abcdef0123456789abcdef",
		    "-ERR [AUTH] APOP is not enabled for this account: use "
		    "USER/PASS or AUTH PLAIN\r\n" },
		{ "AUTH PLAIN AGFsaWNlQGdvb2QudGVzdAB4", AUTHERR },
		{ "AUTH PLAIN Ym9iAGFsaWNlQGdvb2QudGVzdABwdw==", AUTHERR },
		{ "AUTH PLAIN !!!!", "-ERR [AUTH] Malformed PLAIN response "
		    "(bad-base64)\r\n" },
		{ "AUTH PLAIN =", "-ERR [AUTH] Malformed PLAIN response "
		    "(missing-nul)\r\n" },
		{ "AUTH PLAIN", "+ \r\n" },
		{ "*", "-ERR Authentication cancelled\r\n" },
		{ "USER alice@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", "+OK Logged in, 3 messages (80 octets)\r\n" },
		DROP } },
	{ "auth plain", 1, 50, 0, 0, {
		GREET,
		{ "AUTH PLAIN", "+ \r\n" },
		{ "AGFsaWNlQGdvb2QudGVzdABwdw==", "+OK Logged in, 3 messages "
		    "(80 octets)\r\n" },
		{ "STAT", "+OK 3 80\r\n" },
		{ "QUIT", "+OK Estuary POP3 server signing off (0 messages "
		    "removed)\r\n" },
		CLOSED } },
	{ "auth plain initial", 1, 50, 0, 0, {
		GREET,
		{ "auth plain YWxpY2VAZ29vZC50ZXN0AGFsaWNlQGdvb2QudGVzdABwdw==",
		    "+OK Logged in, 3 messages (80 octets)\r\n" },
		DROP } },
	{ "apop", 1, 50, 0, 0, {
		GREET,
		{ "APOP alice@good.test %DIGEST%", "+OK Logged in, 3 messages "
		    "(80 octets)\r\n" },
		{ "DELE 1", "+OK Message 1 deleted\r\n" },
		DROP } },
	{ "throttle", 1, 50, 0, 1, {
		GREET,
		{ "USER alice@good.test", "+OK Send your password\r\n" },
		{ "PASS x", AUTHERR },
		{ "USER alice@good.test", "+OK Send your password\r\n" },
		{ "PASS y", AUTHERR },
		{ "USER alice@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", "-ERR [SYS/TEMP] Too many failed logins, try "
		    "again later\r\n" },
		DROP } },
	/* pop3d_login_delay 60 (set by name below) */
	{ "login delay", 1, 50, 0, 0, {
		GREET,
		{ "CAPA", capa_delay },
		{ "USER recent@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", "-ERR [LOGIN-DELAY] Logins are allowed once every "
		    "60 seconds\r\n" },
		NOTAUTH("STAT"),
		{ "USER alice@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", "+OK Logged in, 3 messages (80 octets)\r\n" },
		{ "CAPA", capa_tx_delay },
		{ "QUIT", "+OK Estuary POP3 server signing off (0 messages "
		    "removed)\r\n" },
		CLOSED } },
	{ "login delay off", 1, 50, 0, 0, {
		GREET,
		{ "USER recent@good.test", "+OK Send your password\r\n" },
		{ "PASS pw", "+OK Logged in, 3 messages (80 octets)\r\n" },
		{ "CAPA", capa_tx },
		DROP } },
	{ "quit in authorization", 1, 50, 0, 0, {
		GREET,
		{ "quit", "+OK Estuary POP3 server signing off\r\n" },
		CLOSED } },
	{ "idle timeout", 1, 50, 0, 0, {
		GREET, LOGIN,
		{ "DELE 1", "+OK Message 1 deleted\r\n" },
		{ NULL, "-ERR Disconnected for inactivity.\r\n" },
		CLOSED } },
};

static char t_longline[3000];

/* t_expand - a step's line with %DIGEST% filled in, CR LF added */
static char *
t_expand(const char *send, const char *timestamp)
{
	struct sbuf *sb = sbuf_new(0);
	const char *d = strstr(send, "%DIGEST%");
	char digest[33], *r;

	if (strcmp(send, LONGLINE) == 0)
		send = t_longline;
	if (d != NULL) {
		t_apop_digest(timestamp, "tanstaafl", digest);
		sbuf_append(sb, send, (size_t)(d - send));
		sbuf_appends(sb, digest);
		sbuf_appends(sb, d + 8);
	} else {
		sbuf_appends(sb, send);
	}
	sbuf_appends(sb, "\r\n");
	r = xstrdup(sbuf_str(sb));
	sbuf_free(&sb);
	return (r);
}

START_TEST(test_session)
{
	struct server_conn conn;
	struct pop3d_ctx ctx;
	struct pop3d_session sess;
	struct auth_fails *af = NULL;
	char tpath[] = "/tmp/check_pop3d.XXXXXX", timestamp[128] = "";
	const struct step *st;
	const char *err, *lt, *gt;
	char *got, *line;
	int sv[2], status, i, tfd;
	pid_t pid;

	memset(t_longline, 'A', sizeof(t_longline) - 1);
	t_sh = mmap(NULL, sizeof(*t_sh), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ck_assert(t_sh != MAP_FAILED);
	memset(t_sh, 0, sizeof(*t_sh));
	var_myhostname = "mx.test";
	var_pop3d_plaintext_auth = cases[_i].plaintext;
	var_pop3d_bad_command_limit = cases[_i].bad_limit;
	var_pop3d_line_length_limit = 1024;
	var_pop3d_timeout = 1;
	var_pop3d_auth_fail_delay = 0;
	var_pop3d_auth_fail_limit = 2;
	var_pop3d_auth_fail_window = 60;
	var_pop3d_expire = cases[_i].plaintext ? "" : "NEVER";
	var_pop3d_login_delay = strcmp(cases[_i].name, "login delay") == 0 ?
	    60 : 0;
	if (cases[_i].throttle) {
		ck_assert((tfd = mkstemp(tpath)) >= 0);
		close(tfd);
		af = auth_fails_open(tpath, &err);
		ck_assert_msg(af != NULL, "auth_fails_open: %s", err);
	}
	ck_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if ((pid = fork()) == 0) {
		close(sv[0]);
		memset(&conn, 0, sizeof(conn));
		conn.fd = sv[1];
		snprintf(conn.peer_addr, sizeof(conn.peer_addr), "unix");
		memset(&ctx, 0, sizeof(ctx));
		ctx.service_name = "pop3";
		ctx.service = REG_SVC_POP3;
		ctx.backend = &fake_backend;
		ctx.fails = af;
		memset(&sess, 0, sizeof(sess));
		sess.conn = &conn;
		sess.ctx = &ctx;
		sess.state = POP3D_AUTHORIZATION;
		sess.s = stream_fdopen(sv[1], STREAM_RDWR,
		    (size_t)var_pop3d_line_length_limit - 2);
		stream_set_timeout(sess.s, var_pop3d_timeout);
		sess.line = sbuf_new((size_t)var_pop3d_line_length_limit);
		pop3d_session_run(&sess);
		sbuf_free(&sess.line);
		stream_free(&sess.s);
		auth_fails_close(&ctx.fails);
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; ; i++) {
		st = &cases[_i].steps[i];
		if (st->send != NULL && strcmp(st->send, DROP_SEND) == 0) {
			close(sv[0]);
			sv[0] = -1;
			break;
		}
		if (st->send != NULL) {
			line = t_expand(st->send, timestamp);
			ck_assert(write(sv[0], line, strlen(line)) ==
			    (ssize_t)strlen(line));
			free(line);
		}
		got = tutil_expect(sv[0], cases[_i].name, i, st->send,
		    st->want);
		if (got == NULL)
			break;
		if (i == 0 && (lt = strchr(got, '<')) != NULL &&
		    (gt = strchr(lt, '>')) != NULL)
			snprintf(timestamp, sizeof(timestamp), "%.*s",
			    (int)(gt - lt + 1), lt);
		free(got);
	}
	if (sv[0] >= 0)
		close(sv[0]);
	ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s: session exited with %d", cases[_i].name, status);
	ck_assert_msg(t_sh->commits == cases[_i].commits, "%s: %d commits, "
	    "want %d", cases[_i].name, t_sh->commits, cases[_i].commits);
	if (strcmp(cases[_i].name, "login delay") == 0 ||
	    strcmp(cases[_i].name, "login delay off") == 0)
		ck_assert_int_eq(t_sh->stamps, 1);
	if (strcmp(cases[_i].name, "transaction state") == 0) {
		ck_assert_int_eq(t_sh->stamps, 1);
		ck_assert_uint_eq(t_sh->n, 2);
		ck_assert_uint_eq(t_sh->ids[0], 12);
		ck_assert_uint_eq(t_sh->ids[1], 13);
	}
	if (af != NULL) {
		auth_fails_close(&af);
		unlink(tpath);
	}
	munmap(t_sh, sizeof(*t_sh));
}
END_TEST

static Suite *
pop3d_suite(void)
{
	Suite *s = suite_create("pop3d");
	TCase *tc;

	tc = tcase_create("session");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_session, 0, (int)NELEM(cases));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(pop3d_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
