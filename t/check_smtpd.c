/*
 * check_smtpd - unit tests for smtpd's session state machine (smtpd/
 * smtpd_conn.c, smtpd_cmd.c, smtpd_check.c, smtpd_deliver.c, linked from
 * libsmtpd.a without the main).
 *
 * Each test gets a fresh directory with a registry environment and a
 * mail_dir, parameters set through param_set() as the daemon would have
 * them, and a few domains, users and aliases made with the registry API.
 * A session runs in the forked test process itself, smtpd_conn_run() over
 * one end of a socketpair; the client is a child (it touches no registry
 * handle) that writes the whole script at once, reads until as many
 * replies as the case wants have come, then shuts its end for writing and
 * reads to the server's close, so extra replies show too. The child must
 * wait for the replies before it closes: the stream's end-of-input error
 * sticks, so replies still buffered when a half-close is read are never
 * sent. Since the script is all there before the first command is read,
 * every case is also a pipelining case: replies must come in order, one
 * per command. Messages are read back through store.h and compared byte
 * for byte after the Received: header.
 *
 * Covered: every command in every state (before and after EHLO, after
 * MAIL, after RCPT, as text during DATA) with its exact reply and
 * enhanced code; malformed commands (500/501, the session going on);
 * over-long command and DATA lines; the error limit closing with 421; bad
 * sequences (503, 554 5.5.1); MAIL parameters SIZE and BODY; the
 * recipient limit; each per-recipient rule; dot-unstuffing and CR LF to
 * LF; bare LF and CR refused with 550 5.6.11 (or kept with
 * smtpd_normalize_bare_newlines); message size; EOF or a timeout during
 * DATA leaving no message; several messages pipelined in one connection;
 * the EHLO reply; the submission service without authentication.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "param_table.h"
#include "queue.h"
#include "registry.h"
#include "sbuf.h"
#include "server.h"
#include "smtpd.h"
#include "store.h"
#include "tutil.h"

#define T_OUT_MAX	(1024 * 1024)	/* most bytes of a script or replies */
#define T_REPLIES_MAX	256

static char t_dir[320];			/* per test */
static char t_mail[400];		/* mail_dir */
static char t_regdir[400];		/* registry_dir */
static char t_queue[400];		/* queue_dir */
static struct registry_opts t_opts;
static struct registry *t_reg;
static struct store *t_st;

/* t_param - set one parameter as the configuration file would */
static void
t_param(const char *name, const char *value)
{
	const char *err = NULL;

	ck_assert_msg(param_set(name, value, &err) == 0, "param %s=%s: %s",
	    name, value, err);
}

/* t_params - "name=value,name=value" (NULL: none) */
static void
t_params(const char *list)
{
	char *copy, *item, *save = NULL, *eq;

	if (list == NULL)
		return;
	copy = xstrdup(list);
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		eq = strchr(item, '=');
		ck_assert_msg(eq != NULL, "bad parameter list %s", list);
		*eq = '\0';
		t_param(item, eq + 1);
	}
	free(copy);
}

/* t_domain - add a domain with a state, services, admin and postmaster */
static void
t_domain(const char *name, enum reg_state state, unsigned services,
    const char *admin, const char *postmaster)
{
	struct reg_domain d;
	const char *err = NULL;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.state = state;
	d.services = services;
	snprintf(d.admin, sizeof(d.admin), "%s", admin);
	snprintf(d.postmaster, sizeof(d.postmaster), "%s", postmaster);
	ck_assert_msg(registry_domain_add(t_reg, &d, &err) == 0,
	    "domain add %s: %s", name, err);
}

/* t_user - add a user in a state with a byte quota */
static void
t_user(const char *address, enum reg_state state, uint64_t quota_bytes)
{
	struct reg_user u;
	const char *err = NULL;

	memset(&u, 0, sizeof(u));
	snprintf(u.address, sizeof(u.address), "%s", address);
	u.state = state;
	u.quota_bytes = quota_bytes;
	ck_assert_msg(registry_user_add(t_reg, &u, &err) == 0,
	    "user add %s: %s", address, err);
}

/* t_alias - add an alias with one or two targets */
static void
t_alias(const char *address, const char *t1, const char *t2)
{
	const char *targets[2] = { t1, t2 }, *err = NULL;

	ck_assert_msg(registry_alias_add(t_reg, address, targets,
	    t2 != NULL ? 2 : 1, &err) == 0, "alias add %s: %s", address, err);
}

/*
 * t_setup - directories, parameters, registry and store, and the hosted
 * world the cases speak to:
 *
 *	example.org	active, every service, admin alice
 *	  alice		active
 *	  bob		inactive
 *	  gone		deleted
 *	  full		quota 1000 bytes
 *	  list		alias: alice, nobody (unknown, dropped)
 *	  loop1, loop2	aliases of each other
 *	  fwd		alias: alice, someone@remote.example (queued)
 *	pm.org		active, postmaster alice@example.org
 *	nopm.org	active, no postmaster, no admin
 *	inactive.org	inactive
 *	deleted.org	deleted
 *	subonly.org	active, submission only
 */
static void
t_setup(void)
{
	const char *err = NULL;
	char path[512];

	tutil_dir(t_dir, sizeof(t_dir));
	snprintf(t_mail, sizeof(t_mail), "%s/mail", t_dir);
	snprintf(t_regdir, sizeof(t_regdir), "%s/reg", t_dir);
	snprintf(t_queue, sizeof(t_queue), "%s/queue", t_dir);
	ck_assert_int_eq(mkdir(t_mail, 0700), 0);
	ck_assert_int_eq(mkdir(t_regdir, 0700), 0);
	ck_assert_int_eq(mkdir(t_queue, 0700), 0);

	param_defaults();
	t_param("myhostname", "example.org");
	t_param("mail_dir", t_mail);
	t_param("queue_dir", t_queue);
	t_param("registry_dir", t_regdir);
	t_param("smtpd_timeout", "5s");
	t_param("smtpd_data_timeout", "5s");
	t_param("smtpd_message_size_limit", "10k");
	snprintf(path, sizeof(path), "%s/relay.sock", t_dir);
	t_param("relay_socket", path);
	ck_assert_msg(queue_init(t_queue, &err) == 0, "queue_init: %s", err);

	tutil_registry_opts(&t_opts, t_regdir);
	t_reg = tutil_registry_open(&t_opts);
	t_st = store_open(t_reg, t_mail, &err);
	ck_assert_msg(t_st != NULL, "store_open: %s", err);

	t_domain("example.org", REG_STATE_ACTIVE, REG_SVC_ALL,
	    "alice@example.org", "");
	t_user("alice@example.org", REG_STATE_ACTIVE, 0);
	t_user("bob@example.org", REG_STATE_INACTIVE, 0);
	t_user("gone@example.org", REG_STATE_DELETED, 0);
	t_user("full@example.org", REG_STATE_ACTIVE, 1000);
	t_alias("list@example.org", "alice@example.org", "nobody@example.org");
	t_alias("loop1@example.org", "loop2@example.org", NULL);
	t_alias("loop2@example.org", "loop1@example.org", NULL);
	t_alias("fwd@example.org", "alice@example.org",
	    "someone@remote.example");
	t_domain("pm.org", REG_STATE_ACTIVE, REG_SVC_ALL, "",
	    "alice@example.org");
	t_domain("nopm.org", REG_STATE_ACTIVE, REG_SVC_ALL, "", "");
	t_domain("inactive.org", REG_STATE_INACTIVE, REG_SVC_ALL, "", "");
	t_domain("deleted.org", REG_STATE_DELETED, REG_SVC_ALL, "", "");
	t_domain("subonly.org", REG_STATE_ACTIVE, REG_SVC_SUBMISSION, "", "");
}

/* t_teardown - close what the test left open */
static void
t_teardown(void)
{
	if (t_st != NULL)
		store_close(&t_st);
	if (t_reg != NULL)
		registry_close(&t_reg);
	tutil_rm_tree(t_dir);
}

/*
 * t_expand - the len bytes of script in, with "{N}" standing for N bytes
 * of 'x' (over-long lines without writing them out)
 */
static struct sbuf *
t_expand(const char *in, size_t len)
{
	struct sbuf *sb = sbuf_new(T_OUT_MAX);
	const char *p;
	char *end;
	unsigned long n;

	for (p = in; p < in + len; p++) {
		if (*p == '{') {
			n = strtoul(p + 1, &end, 10);
			ck_assert_msg(*end == '}', "bad script %s", in);
			while (n-- > 0)
				ck_assert_int_eq(sbuf_append(sb, "x", 1), 0);
			p = end;
			continue;
		}
		ck_assert_int_eq(sbuf_append(sb, p, 1), 0);
	}
	return (sb);
}

/* t_count_replies - complete replies (final lines) in buf[0..n) */
static int
t_count_replies(const char *buf, size_t n)
{
	const char *p = buf, *end = buf + n, *crlf;
	int count = 0;

	while ((crlf = memmem(p, (size_t)(end - p), "\r\n", 2)) != NULL) {
		if (crlf - p == 3 || (crlf - p > 3 && p[3] == ' '))
			count++;
		p = crlf + 2;
	}
	return (count);
}

/*
 * t_client - the client, in a child: send the script, read replies until
 * nwant have come (or none for two seconds), shut the connection for
 * writing, read to the server's close, and hand everything read to the
 * parent through out_fd. Never returns; touches no registry or store.
 */
static void
t_client(int fd, int out_fd, const struct sbuf *script, int nwant)
{
	struct pollfd pfd;
	struct sbuf *got = sbuf_new(T_OUT_MAX);
	char buf[8192];
	size_t off;
	ssize_t n;
	int shut = 0;

	for (off = 0; off < sbuf_len(script); off += (size_t)n)
		if ((n = send(fd, sbuf_str(script) + off,
		    sbuf_len(script) - off, MSG_NOSIGNAL)) <= 0)
			break;		/* the server closed early: fine */
	for (;;) {
		if (!shut && t_count_replies(sbuf_str(got),
		    sbuf_len(got)) >= nwant) {
			(void)shutdown(fd, SHUT_WR);
			shut = 1;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 2000) == 0) {
			if (shut)
				_exit(3);	/* the server hangs */
			(void)shutdown(fd, SHUT_WR);
			shut = 1;
			continue;
		}
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		if (sbuf_append(got, buf, (size_t)n) < 0)
			_exit(2);
	}
	for (off = 0; off < sbuf_len(got); off += (size_t)n)
		if ((n = write(out_fd, sbuf_str(got) + off,
		    sbuf_len(got) - off)) <= 0)
			_exit(2);
	_exit(0);
}

/*
 * t_session - serve one connection of service kind, here, to a client
 * (a child) that sends the len bytes of script (see t_expand) and closes
 * once nwant replies have come; everything the server wrote
 */
static struct sbuf *
t_session(enum smtpd_kind kind, const char *script, size_t len, int nwant)
{
	static const char *names[] = { "smtp", "submission", "smtps" };
	struct server_conn conn;
	struct smtpd_ctx ctx;
	struct sbuf *in = t_expand(script, len), *out = sbuf_new(T_OUT_MAX);
	int sv[2], pv[2], size = 4 * 1024 * 1024;
	ssize_t n;
	pid_t pid;
	char buf[8192];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(pipe(pv), 0);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	ck_assert_int_ge(pid = fork(), 0);
	if (pid == 0) {
		(void)close(sv[1]);
		(void)close(pv[0]);
		t_client(sv[0], pv[1], in, nwant);
	}
	(void)close(sv[0]);
	(void)close(pv[1]);
	sbuf_free(&in);

	memset(&conn, 0, sizeof(conn));
	conn.fd = sv[1];
	snprintf(conn.peer_addr, sizeof(conn.peer_addr), "127.0.0.1");
	conn.peer_port = 40000;
	snprintf(conn.local_addr, sizeof(conn.local_addr), "127.0.0.1");
	conn.local_port = 25;
	conn.service = names[kind];
	conn.session = msg_session_new();
	memset(&ctx, 0, sizeof(ctx));
	ctx.kind = kind;
	ctx.kind_name = names[kind];
	ctx.reg = t_reg;
	ctx.store = t_st;
	ctx.tls = NULL;
	smtpd_conn_run(&conn, &ctx);
	msg_set_session(NULL);
	ck_assert_int_eq(close(sv[1]), 0);

	while ((n = read(pv[0], buf, sizeof(buf))) > 0)
		ck_assert_int_eq(sbuf_append(out, buf, (size_t)n), 0);
	ck_assert_int_eq(n, 0);
	(void)close(pv[0]);
	ck_assert_int_eq(tutil_wait(pid), 0);
	return (out);
}

/*
 * t_replies - the replies in out, one string each: the last line of a
 * multi-line reply, without its CR LF. Asserts every line is well formed
 * and CR LF ended.
 */
static int
t_replies(const struct sbuf *out, char **v, int max)
{
	const char *p = sbuf_str(out), *end = p + sbuf_len(out), *crlf;
	int n = 0;

	while (p < end) {
		crlf = memmem(p, (size_t)(end - p), "\r\n", 2);
		ck_assert_msg(crlf != NULL, "reply without CR LF: %s", p);
		ck_assert_msg(crlf - p >= 3 && p[0] >= '2' && p[0] <= '5' &&
		    (crlf - p == 3 || p[3] == ' ' || p[3] == '-'),
		    "malformed reply line: %.*s", (int)(crlf - p), p);
		if (crlf - p == 3 || p[3] == ' ') {
			ck_assert_int_lt(n, max);
			v[n++] = xstrndup(p, (size_t)(crlf - p));
		}
		p = crlf + 2;
	}
	return (n);
}

/*
 * t_check_replies - the replies must be want: "220;250 2.1.0;..." with
 * each item a reply's start (code, and the enhanced code when the reply
 * has one), in order, none missing, none extra
 */
static void
t_check_replies(const char *name, const struct sbuf *out, const char *want)
{
	char *got[T_REPLIES_MAX], *copy, *item, *save = NULL;
	int n, i = 0;
	size_t len;

	n = t_replies(out, got, T_REPLIES_MAX);
	copy = xstrdup(want);
	for (item = strtok_r(copy, ";", &save); item != NULL;
	    item = strtok_r(NULL, ";", &save), i++) {
		ck_assert_msg(i < n, "%s: reply %d missing, want \"%s\"; "
		    "server said:\n%s", name, i + 1, item, sbuf_str(out));
		len = strlen(item);
		ck_assert_msg(strncmp(got[i], item, len) == 0 &&
		    (got[i][len] == ' ' || got[i][len] == '\0'),
		    "%s: reply %d: got \"%s\", want \"%s\"", name, i + 1,
		    got[i], item);
	}
	ck_assert_msg(i == n, "%s: %d replies, want %d; extra: \"%s\"", name,
	    n, i, got[i < n ? i : 0]);
	for (i = 0; i < n; i++)
		free(got[i]);
	free(copy);
}

/*
 * t_run - a session of kind with the len bytes of script; its replies
 * must be want
 */
static struct sbuf *
t_run(const char *name, enum smtpd_kind kind, const char *script,
    size_t len, const char *want)
{
	const char *p;
	int nwant = *want != '\0';
	struct sbuf *out;

	for (p = want; *p != '\0'; p++)
		nwant += *p == ';';
	out = t_session(kind, script, len, nwant);

	t_check_replies(name, out, want);
	return (out);
}

/* t_count - messages in user's INBOX */
static uint32_t
t_count(const char *user)
{
	struct store_mailbox *mb;
	struct store_mailbox_info info;
	const char *err = NULL;

	mb = store_mailbox_open(t_st, user, NULL, NULL, &err);
	ck_assert_msg(mb != NULL, "open %s: %s", user, err);
	ck_assert_msg(store_mailbox_info(mb, &info, &err) == 0, "info: %s",
	    err);
	store_mailbox_close(&mb);
	return (info.count);
}

/*
 * t_message - message number i (1 = oldest) of user's INBOX as stored,
 * split into its Received: field (first line and continuations) and the
 * rest
 */
static void
t_message(const char *user, size_t i, struct sbuf *received,
    struct sbuf *body)
{
	struct store_mailbox *mb;
	struct store_msg *msgs;
	size_t count;
	const char *err = NULL, *p, *end;
	struct sbuf *all = sbuf_new(T_OUT_MAX);
	char buf[8192];
	ssize_t n;
	int fd;

	mb = store_mailbox_open(t_st, user, NULL, NULL, &err);
	ck_assert_msg(mb != NULL, "open %s: %s", user, err);
	ck_assert_msg(store_mailbox_list(mb, 1, 0, &msgs, &count, &err) == 0,
	    "list: %s", err);
	ck_assert_msg(i >= 1 && i <= count, "message %zu of %zu", i, count);
	fd = store_msg_open(mb, msgs[i - 1].uid, &err);
	ck_assert_msg(fd >= 0, "msg_open: %s", err);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		ck_assert_int_eq(sbuf_append(all, buf, (size_t)n), 0);
	ck_assert_int_eq(n, 0);
	(void)close(fd);
	ck_assert_int_eq((long)msgs[i - 1].size, (long)sbuf_len(all));
	store_msgs_free(&msgs, count);
	store_mailbox_close(&mb);

	p = sbuf_str(all);
	end = p + sbuf_len(all);
	ck_assert_msg(strncmp(p, "Received: ", 10) == 0, "no Received: %s", p);
	do {
		p = memchr(p, '\n', (size_t)(end - p));
		ck_assert_msg(p != NULL, "Received: not ended");
		p++;
	} while (p < end && *p == '\t');
	sbuf_reset(received);
	sbuf_reset(body);
	ck_assert_int_eq(sbuf_append(received, sbuf_str(all),
	    (size_t)(p - sbuf_str(all))), 0);
	ck_assert_int_eq(sbuf_append(body, p, (size_t)(end - p)), 0);
	sbuf_free(&all);
}

/* t_spool_empty - nothing left in mail_dir/.spool */
static void
t_spool_empty(const char *name)
{
	char path[512];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "%s/.spool", t_mail);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	ck_assert_msg(n == 0, "%s: %d spool files left", name, n);
}

/*
 * Every command in every state. The script puts the session in the
 * state, sends the command, then QUIT (unless the command ends the
 * session or starts a message); the replies are the state's, the
 * command's, and 221.
 */
#define EHLO	"EHLO client.example\r\n"
#define MAIL	"MAIL FROM:<sender@remote.example>\r\n"
#define RCPT	"RCPT TO:<alice@example.org>\r\n"

static const struct {
	const char *prefix, *want;
} states[] = {
	{ "", "220" },						/* init */
	{ EHLO, "220;250" },					/* ready */
	{ EHLO MAIL, "220;250;250 2.1.0" },			/* mail */
	{ EHLO MAIL RCPT, "220;250;250 2.1.0;250 2.1.5" },	/* rcpt */
};

static const struct {
	const char *line;
	const char *want[4];		/* init, ready, mail, rcpt */
	int	last;			/* no QUIT after it */
} commands[] = {
	{ "HELO client.example", { "250", "250", "250", "250" }, 0 },
	{ "EHLO client.example", { "250", "250", "250", "250" }, 0 },
	{ "MAIL FROM:<a@remote.example>",
	    { "503 5.5.1", "250 2.1.0", "503 5.5.1", "503 5.5.1" }, 0 },
	{ "RCPT TO:<alice@example.org>",
	    { "503 5.5.1", "503 5.5.1", "250 2.1.5", "250 2.1.5" }, 0 },
	{ "DATA\r\n.",
	    { "503 5.5.1;500 5.5.2", "503 5.5.1;500 5.5.2",
	    "554 5.5.1;500 5.5.2", "354;250 2.0.0" }, 0 },
	{ "BDAT 0 LAST",
	    { "502 5.5.1", "502 5.5.1", "502 5.5.1", "502 5.5.1" }, 0 },
	{ "RSET", { "250 2.0.0", "250 2.0.0", "250 2.0.0", "250 2.0.0" }, 0 },
	{ "NOOP", { "250 2.0.0", "250 2.0.0", "250 2.0.0", "250 2.0.0" }, 0 },
	{ "NOOP any argument",
	    { "250 2.0.0", "250 2.0.0", "250 2.0.0", "250 2.0.0" }, 0 },
	{ "VRFY alice@example.org",
	    { "252 2.5.2", "252 2.5.2", "252 2.5.2", "252 2.5.2" }, 0 },
	{ "EXPN list@example.org",
	    { "502 5.5.1", "502 5.5.1", "502 5.5.1", "502 5.5.1" }, 0 },
	{ "HELP", { "214 2.0.0", "214 2.0.0", "214 2.0.0", "214 2.0.0" }, 0 },
	{ "STARTTLS",
	    { "502 5.5.1", "502 5.5.1", "503 5.5.1", "503 5.5.1" }, 0 },
	{ "AUTH PLAIN",
	    { "503 5.5.1", "502 5.5.1", "503 5.5.1", "503 5.5.1" }, 0 },
	{ "QUIT", { "221 2.0.0", "221 2.0.0", "221 2.0.0", "221 2.0.0" }, 1 },
	{ "XYZZY", { "500 5.5.2", "500 5.5.2", "500 5.5.2", "500 5.5.2" }, 0 },
	{ "mail from:<a@remote.example>",
	    { "503 5.5.1", "250 2.1.0", "503 5.5.1", "503 5.5.1" }, 0 },
};

START_TEST(test_command_state)
{
	int c = _i / 4, st = _i % 4;
	char script[512], want[256], name[128];
	struct sbuf *out;

	snprintf(name, sizeof(name), "%s in state %d", commands[c].line, st);
	snprintf(script, sizeof(script), "%s%s\r\n%s", states[st].prefix,
	    commands[c].line, commands[c].last ? "" : "QUIT\r\n");
	snprintf(want, sizeof(want), "%s;%s%s", states[st].want,
	    commands[c].want[st], commands[c].last ? "" : ";221 2.0.0");
	out = t_run(name, SMTPD_KIND_SMTP, script, strlen(script), want);
	sbuf_free(&out);
	/* Only DATA after RCPT delivers. */
	ck_assert_int_eq(t_count("alice@example.org"),
	    strncmp(commands[c].line, "DATA", 4) == 0 && st == 3 ? 1 : 0);
}
END_TEST

/*
 * Sequences: after a command the state is what it should be (the next
 * command tells); malformed and over-long commands, the error limit, MAIL
 * parameters, the recipient limit, pipelining. PIPE is one transaction,
 * pipelined, and PIPE_WANT its replies.
 */
#define PIPE	MAIL RCPT "RCPT TO:<nobody@example.org>\r\nNOOP\r\nRSET\r\n"
#define PIPE_WANT "250 2.1.0;250 2.1.5;550 5.1.1;250 2.0.0;250 2.0.0;"

#define SEQ(name, script, want, params) \
	{ name, script, sizeof(script) - 1, want, params }

static const struct {
	const char *name, *script;
	size_t	len;			/* of script, which may hold NULs */
	const char *want;
	const char *params;		/* "name=value,..." or NULL */
} sequences[] = {
	SEQ("rset ends the transaction",
	    EHLO MAIL RCPT "RSET\r\n" RCPT "DATA\r\nQUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;250 2.0.0;503 5.5.1;503 5.5.1;"
	    "221 2.0.0", NULL),
	SEQ("helo ends the transaction",
	    EHLO MAIL RCPT "HELO again.example\r\n" RCPT "QUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;250;503 5.5.1;221 2.0.0", NULL),
	SEQ("rset before helo stays in init",
	    "RSET\r\n" MAIL "QUIT\r\n",
	    "220;250 2.0.0;503 5.5.1;221 2.0.0", NULL),
	SEQ("refused rcpt keeps mail state",
	    EHLO MAIL "RCPT TO:<nobody@example.org>\r\nDATA\r\n" RCPT
	    "DATA\r\n.\r\nQUIT\r\n",
	    "220;250;250 2.1.0;550 5.1.1;554 5.5.1;250 2.1.5;354;250 2.0.0;"
	    "221 2.0.0", NULL),
	SEQ("after data a new transaction",
	    EHLO MAIL RCPT "DATA\r\n.\r\n" RCPT MAIL RCPT "QUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;354;250 2.0.0;503 5.5.1;250 2.1.0;"
	    "250 2.1.5;221 2.0.0", NULL),
	SEQ("helo then mail",
	    "HELO client.example\r\n" MAIL RCPT "QUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;221 2.0.0", NULL),
	SEQ("null sender",
	    EHLO "MAIL FROM:<>\r\n" RCPT "QUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;221 2.0.0", NULL),
	SEQ("nothing after quit is read",
	    EHLO "QUIT\r\nNOOP\r\nNOOP\r\n", "220;250;221 2.0.0", NULL),
	SEQ("pipelined transactions", EHLO PIPE PIPE PIPE PIPE "QUIT\r\n",
	    "220;250;" PIPE_WANT PIPE_WANT PIPE_WANT PIPE_WANT "221 2.0.0",
	    NULL),
	SEQ("eof without quit", EHLO "NOOP\r\n", "220;250;250 2.0.0", NULL),
	SEQ("empty session", "", "220", NULL),
	/* Malformed commands: 500/501, and the session goes on. */
	SEQ("empty line", "\r\nNOOP\r\n", "220;500 5.5.2;250 2.0.0", NULL),
	SEQ("blank line", "   \r\nNOOP\r\n", "220;500 5.5.2;250 2.0.0", NULL),
	SEQ("control character", "NO\001OP\r\nNOOP\r\n",
	    "220;500 5.5.2;250 2.0.0", NULL),
	SEQ("nul in command", "NOOP\0\r\nNOOP\r\n", "220;500 5.5.2;250 2.0.0",
	    NULL),
	SEQ("ehlo without domain", "EHLO\r\nHELO\r\nNOOP\r\n",
	    "220;501 5.5.2;501 5.5.2;250 2.0.0", NULL),
	SEQ("ehlo with two words", "EHLO a b\r\nNOOP\r\n",
	    "220;501 5.5.2;250 2.0.0", NULL),
	SEQ("mail without brackets",
	    EHLO "MAIL FROM:a@remote.example\r\nNOOP\r\n",
	    "220;250;501 5.5.4;250 2.0.0", NULL),
	SEQ("mail without from", EHLO "MAIL <a@remote.example>\r\nNOOP\r\n",
	    "220;250;501 5.5.4;250 2.0.0", NULL),
	SEQ("mail bad address", EHLO "MAIL FROM:<a@@remote>\r\nNOOP\r\n",
	    "220;250;501 5.1.7;250 2.0.0", NULL),
	SEQ("mail without argument", EHLO "MAIL\r\nNOOP\r\n",
	    "220;250;501 5.5.4;250 2.0.0", NULL),
	SEQ("rcpt null", EHLO MAIL "RCPT TO:<>\r\n" RCPT,
	    "220;250;250 2.1.0;553 5.1.3;250 2.1.5", NULL),
	SEQ("rcpt bad address", EHLO MAIL "RCPT TO:<a b@example.org>\r\n" RCPT,
	    "220;250;250 2.1.0;553 5.1.3;250 2.1.5", NULL),
	SEQ("rcpt without to", EHLO MAIL "RCPT <alice@example.org>\r\n" RCPT,
	    "220;250;250 2.1.0;501 5.5.4;250 2.1.5", NULL),
	SEQ("rcpt unknown parameter",
	    EHLO MAIL "RCPT TO:<alice@example.org> FOO=1\r\n" RCPT,
	    "220;250;250 2.1.0;555 5.5.4;250 2.1.5", NULL),
	SEQ("rcpt 8-bit address",
	    EHLO MAIL "RCPT TO:<\303\251@example.org>\r\n" RCPT,
	    "220;250;250 2.1.0;553 5.6.7;250 2.1.5", NULL),
	SEQ("data with argument", EHLO MAIL RCPT "DATA x\r\nQUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;501 5.5.4;221 2.0.0", NULL),
	SEQ("quit with argument", "QUIT now\r\nQUIT\r\n",
	    "220;501 5.5.4;221 2.0.0", NULL),
	/* Over-long command lines: skipped, answered, counted. */
	SEQ("line at the limit", "NOOP {4089}\r\nQUIT\r\n",
	    "220;250 2.0.0;221 2.0.0", NULL),
	SEQ("line one over the limit", "NOOP {4090}\r\nQUIT\r\n",
	    "220;500 5.5.2;221 2.0.0", NULL),
	SEQ("line far over the limit", EHLO "MAIL FROM:<{9000}@a.example>\r\n"
	    "NOOP\r\n" MAIL "QUIT\r\n",
	    "220;250;500 5.5.2;250 2.0.0;250 2.1.0;221 2.0.0", NULL),
	SEQ("long line with a smaller limit", "NOOP {600}\r\nNOOP\r\n",
	    "220;500 5.5.2;250 2.0.0", "smtpd_line_length_limit=512"),
	SEQ("long line unended at eof", "NOOP\r\n{5000}", "220;250 2.0.0",
	    NULL),
	/* The error limit. */
	SEQ("error limit", "A\r\nB\r\nC\r\nD\r\nNOOP\r\n",
	    "220;500 5.5.2;500 5.5.2;500 5.5.2;421 4.7.0",
	    "smtpd_error_limit=3"),
	SEQ("error limit counts every 4xx and 5xx",
	    "MAIL FROM:<a@b.example>\r\nEHLO\r\nRCPT TO:<a@b.example>\r\n"
	    "NOOP\r\n",
	    "220;503 5.5.1;501 5.5.2;503 5.5.1;421 4.7.0",
	    "smtpd_error_limit=3"),
	SEQ("error limit with long lines", "{5000}\r\n{5000}\r\nNOOP\r\n",
	    "220;500 5.5.2;500 5.5.2;421 4.7.0", "smtpd_error_limit=2"),
	SEQ("errors below the limit", "A\r\nB\r\nNOOP\r\nQUIT\r\n",
	    "220;500 5.5.2;500 5.5.2;250 2.0.0;221 2.0.0",
	    "smtpd_error_limit=3"),
	/* MAIL parameters. */
	SEQ("size accepted", EHLO "MAIL FROM:<a@r.example> SIZE=100\r\n",
	    "220;250;250 2.1.0", NULL),
	SEQ("size at the limit", EHLO "MAIL FROM:<a@r.example> SIZE=10240\r\n",
	    "220;250;250 2.1.0", NULL),
	SEQ("size over the limit",
	    EHLO "MAIL FROM:<a@r.example> SIZE=10241\r\n" MAIL,
	    "220;250;552 5.3.4;250 2.1.0", NULL),
	SEQ("size not a number", EHLO "MAIL FROM:<a@r.example> SIZE=ten\r\n",
	    "220;250;501 5.5.4", NULL),
	SEQ("size negative", EHLO "MAIL FROM:<a@r.example> SIZE=-1\r\n",
	    "220;250;501 5.5.4", NULL),
	SEQ("size huge",
	    EHLO "MAIL FROM:<a@r.example> SIZE=99999999999999999999999\r\n",
	    "220;250;501 5.5.4", NULL),
	SEQ("size twice",
	    EHLO "MAIL FROM:<a@r.example> SIZE=1 SIZE=2\r\n",
	    "220;250;501 5.5.4", NULL),
	SEQ("size without value", EHLO "MAIL FROM:<a@r.example> SIZE\r\n",
	    "220;250;501 5.5.4", NULL),
	SEQ("size after helo",
	    "HELO c.example\r\nMAIL FROM:<a@r.example> SIZE=100\r\n",
	    "220;250;555 5.5.4", NULL),
	SEQ("body 8bitmime",
	    EHLO "MAIL FROM:<a@r.example> BODY=8BITMIME\r\n",
	    "220;250;250 2.1.0", NULL),
	SEQ("body 7bit", EHLO "MAIL FROM:<a@r.example> BODY=7bit\r\n",
	    "220;250;250 2.1.0", NULL),
	SEQ("body binarymime",
	    EHLO "MAIL FROM:<a@r.example> BODY=BINARYMIME\r\n",
	    "220;250;555 5.5.4", NULL),
	SEQ("body unknown", EHLO "MAIL FROM:<a@r.example> BODY=9BIT\r\n",
	    "220;250;501 5.5.4", NULL),
	SEQ("body after helo",
	    "HELO c.example\r\nMAIL FROM:<a@r.example> BODY=8BITMIME\r\n",
	    "220;250;555 5.5.4", NULL),
	SEQ("unknown parameter", EHLO "MAIL FROM:<a@r.example> X=1\r\n",
	    "220;250;555 5.5.4", NULL),
	SEQ("auth parameter not offered on smtp",
	    EHLO "MAIL FROM:<a@r.example> AUTH=<>\r\n",
	    "220;250;555 5.5.4", NULL),
	SEQ("smtputf8 not offered",
	    EHLO "MAIL FROM:<a@r.example> SMTPUTF8\r\n",
	    "220;250;555 5.5.4", NULL),
	/* The recipient limit: 452 4.5.3, not counted as an error. */
	SEQ("recipient limit",
	    EHLO MAIL RCPT "RCPT TO:<list@example.org>\r\n"
	    "RCPT TO:<full@example.org>\r\nRCPT TO:<full@example.org>\r\n"
	    "DATA\r\n.\r\nQUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;250 2.1.5;452 4.5.3;452 4.5.3;354;"
	    "250 2.0.0;221 2.0.0",
	    "smtpd_recipient_limit=2,smtpd_error_limit=2"),
	SEQ("recipient limit per transaction",
	    EHLO MAIL RCPT "RCPT TO:<full@example.org>\r\nRSET\r\n" MAIL RCPT
	    "QUIT\r\n",
	    "220;250;250 2.1.0;250 2.1.5;452 4.5.3;250 2.0.0;250 2.1.0;"
	    "250 2.1.5;221 2.0.0", "smtpd_recipient_limit=1"),
};

START_TEST(test_sequence)
{
	struct sbuf *out;

	t_params(sequences[_i].params);
	out = t_run(sequences[_i].name, SMTPD_KIND_SMTP, sequences[_i].script,
	    sequences[_i].len, sequences[_i].want);
	sbuf_free(&out);
}
END_TEST

/* The EHLO reply, line by line, per service and parameters. */
static const struct {
	const char *name;
	enum smtpd_kind kind;
	const char *params, *want;
} ehlo_cases[] = {
	{ "smtp", SMTPD_KIND_SMTP, NULL,
	    "250-example.org\r\n250-PIPELINING\r\n250-SIZE 10240\r\n"
	    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n" },
	{ "submission without tls", SMTPD_KIND_SUBMISSION, NULL,
	    "250-example.org\r\n250-PIPELINING\r\n250-SIZE 10240\r\n"
	    "250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n" },
	{ "submission with plaintext auth", SMTPD_KIND_SUBMISSION,
	    "smtpd_plaintext_auth=yes,smtpd_message_size_limit=1M",
	    "250-example.org\r\n250-PIPELINING\r\n250-SIZE 1048576\r\n"
	    "250-AUTH PLAIN LOGIN\r\n250-8BITMIME\r\n"
	    "250 ENHANCEDSTATUSCODES\r\n" },
};

START_TEST(test_ehlo)
{
	static const char greeting[] = "220 example.org ESMTP Estuary\r\n";
	struct sbuf *out;
	const char *p;

	t_params(ehlo_cases[_i].params);
	out = t_run(ehlo_cases[_i].name, ehlo_cases[_i].kind,
	    "EHLO client.example\r\n", 21, "220;250");
	p = sbuf_str(out);
	ck_assert_msg(strncmp(p, greeting, sizeof(greeting) - 1) == 0,
	    "%s: greeting %s", ehlo_cases[_i].name, p);
	ck_assert_str_eq(p + sizeof(greeting) - 1, ehlo_cases[_i].want);
	sbuf_free(&out);
}
END_TEST

/* The submission service, without TLS: nothing goes without AUTH. */
static const struct {
	const char *name, *script, *want;
	const char *params;
} submission[] = {
	{ "mail without auth", EHLO MAIL "QUIT\r\n",
	    "220;250;530 5.7.0;221 2.0.0", NULL },
	{ "auth without tls", EHLO "AUTH PLAIN\r\nQUIT\r\n",
	    "220;250;538 5.7.11;221 2.0.0", NULL },
	{ "auth before ehlo", "HELO c.example\r\nAUTH PLAIN\r\nQUIT\r\n",
	    "220;250;503 5.5.1;221 2.0.0", NULL },
	{ "auth bad mechanism", EHLO "AUTH N@PE\r\nQUIT\r\n",
	    "220;250;501 5.5.4;221 2.0.0", "smtpd_plaintext_auth=yes" },
	{ "auth cancelled", EHLO "AUTH PLAIN\r\n*\r\nQUIT\r\n",
	    "220;250;334;501 5.0.0;221 2.0.0", "smtpd_plaintext_auth=yes" },
	{ "auth wrong password",
	    /* "\0alice@example.org\0secret" */
	    EHLO "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==\r\n"
	    "QUIT\r\n",
	    "220;250;535 5.7.8;221 2.0.0", "smtpd_plaintext_auth=yes" },
};

START_TEST(test_submission)
{
	struct sbuf *out;

	t_params(submission[_i].params);
	out = t_run(submission[_i].name, SMTPD_KIND_SUBMISSION,
	    submission[_i].script, strlen(submission[_i].script),
	    submission[_i].want);
	sbuf_free(&out);
}
END_TEST

/* t_queue_one - queue_list() callback counting entries */
static int
t_queue_one(const char *id, void *ctx)
{
	(void)id;
	(*(int *)ctx)++;
	return (0);
}

/* t_queued - entries in the queue */
static int
t_queued(void)
{
	const char *err = NULL;
	int n = 0;

	ck_assert_msg(queue_list(t_queue, t_queue_one, &n, &err) == 0,
	    "queue_list: %s", err);
	return (n);
}

/*
 * The per-recipient rules: each recipient alone, then DATA when it was
 * accepted; the message must land in the mailbox the rule names (and in
 * the queue for an alias pointing outside).
 */
static const struct {
	const char *rcpt, *mail_param, *want;
	const char *mailbox;		/* where it lands, NULL: nowhere */
	int	queued;			/* queue entries made */
} rules[] = {
	{ "alice@example.org", "", "250 2.1.5", "alice@example.org", 0 },
	{ "ALICE@Example.ORG", "", "250 2.1.5", "alice@example.org", 0 },
	{ "x@not-hosted.example", "", "554 5.7.1", NULL, 0 },
	{ "x@[192.0.2.1]", "", "554 5.7.1", NULL, 0 },
	{ "x@inactive.org", "", "450 4.2.1", NULL, 0 },
	{ "x@deleted.org", "", "550 5.1.2", NULL, 0 },
	{ "x@subonly.org", "", "550 5.7.1", NULL, 0 },
	{ "postmaster@example.org", "", "250 2.1.5", "alice@example.org", 0 },
	{ "Postmaster@pm.org", "", "250 2.1.5", "alice@example.org", 0 },
	{ "postmaster@nopm.org", "", "451 4.3.5", NULL, 0 },
	{ "postmaster", "", "250 2.1.5", "alice@example.org", 0 },
	{ "nobody@example.org", "", "550 5.1.1", NULL, 0 },
	{ "bob@example.org", "", "450 4.2.1", NULL, 0 },
	{ "gone@example.org", "", "550 5.1.1", NULL, 0 },
	{ "full@example.org", " SIZE=5000", "452 4.2.2", NULL, 0 },
	{ "full@example.org", " SIZE=500", "250 2.1.5", "full@example.org", 0 },
	{ "full@example.org", "", "250 2.1.5", "full@example.org", 0 },
	{ "list@example.org", "", "250 2.1.5", "alice@example.org", 0 },
	{ "loop1@example.org", "", "550 5.4.6", NULL, 0 },
	{ "fwd@example.org", "", "250 2.1.5", "alice@example.org", 1 },
};

START_TEST(test_rcpt_rule)
{
	char script[512], want[256], name[128];
	struct sbuf *out;
	int ok = strncmp(rules[_i].want, "250", 3) == 0;
	const char *boxes[] = { "alice@example.org", "full@example.org" };
	size_t b;

	snprintf(name, sizeof(name), "RCPT %s", rules[_i].rcpt);
	snprintf(script, sizeof(script), EHLO "MAIL FROM:<a@r.example>%s\r\n"
	    "RCPT TO:<%s>\r\nDATA\r\n%sQUIT\r\n", rules[_i].mail_param,
	    rules[_i].rcpt, ok ? "Subject: rule\r\n\r\nhello\r\n.\r\n" : "");
	snprintf(want, sizeof(want), "220;250;250 2.1.0;%s;%s;221 2.0.0",
	    rules[_i].want, ok ? "354;250 2.0.0" : "554 5.5.1");
	out = t_run(name, SMTPD_KIND_SMTP, script, strlen(script), want);
	sbuf_free(&out);
	for (b = 0; b < NELEM(boxes); b++)
		ck_assert_msg(t_count(boxes[b]) == (rules[_i].mailbox != NULL &&
		    strcmp(rules[_i].mailbox, boxes[b]) == 0 ? 1u : 0u),
		    "%s: %s has %u", name, boxes[b], t_count(boxes[b]));
	ck_assert_int_eq(t_queued(), rules[_i].queued);
}
END_TEST

/*
 * DATA: the message as sent after "DATA" (to alice), the replies from the
 * 354 on, how many messages alice then has, and what the first holds
 * after its Received: field (NULL: not compared).
 */
#define S(x)	x, sizeof(x) - 1	/* a string that may hold NULs */

static const struct {
	const char *name;
	const char *data;
	size_t	data_len;
	const char *want;
	uint32_t count;
	const char *stored;
	size_t	stored_len;
	const char *params;
} data_cases[] = {
	{ "crlf to lf", S("Subject: a\r\n\r\nline 1\r\nline 2\r\n.\r\n"),
	    "354;250 2.0.0", 1, S("Subject: a\n\nline 1\nline 2\n"), NULL },
	{ "empty message", S(".\r\n"), "354;250 2.0.0", 1, S(""), NULL },
	{ "dot unstuffing",
	    S("..\r\n..leading\r\n...\r\n. \r\nmid.dle\r\n..\r\n.\r\n"),
	    "354;250 2.0.0", 1, S(".\n.leading\n..\n \nmid.dle\n.\n"), NULL },
	{ "empty lines", S("\r\n\r\n.\r\n"), "354;250 2.0.0", 1, S("\n\n"),
	    NULL },
	{ "commands as text",
	    S("RSET\r\nQUIT\r\nMAIL FROM:<x@y.example>\r\nDATA\r\n.\r\n"),
	    "354;250 2.0.0", 1,
	    S("RSET\nQUIT\nMAIL FROM:<x@y.example>\nDATA\n"), NULL },
	{ "nul and 8-bit kept", S("a\0b\r\n\303\251\r\n.\r\n"),
	    "354;250 2.0.0", 1, S("a\0b\n\303\251\n"), NULL },
	{ "bare lf refused", S("a\nb\r\n.\r\nNOOP\r\n"), "354;550 5.6.11", 0,
	    NULL, 0, NULL },
	{ "bare lf end marker refused",
	    S("a\r\n.\nNOOP\r\n.\r\nNOOP\r\n"), "354;550 5.6.11", 0, NULL, 0,
	    NULL },
	{ "bare cr refused", S("a\rb\r\n.\r\nNOOP\r\n"), "354;550 5.6.11", 0,
	    NULL, 0, NULL },
	{ "bare lf normalized", S("a\nb\r\n.\r\nNOOP\r\n"),
	    "354;250 2.0.0;250 2.0.0", 1, S("a\nb\n"),
	    "smtpd_normalize_bare_newlines=yes" },
	{ "line at the limit", S("{4094}\r\n.\r\nNOOP\r\n"),
	    "354;250 2.0.0;250 2.0.0", 1, NULL, 0, NULL },
	{ "line over the limit", S("{4095}\r\n.\r\nNOOP\r\n"),
	    "354;500 5.5.2;250 2.0.0", 0, NULL, 0, NULL },
	{ "message too big", S("{1000}\r\n{1000}\r\n.\r\nNOOP\r\n"),
	    "354;552 5.3.4;250 2.0.0", 0, NULL, 0,
	    "smtpd_message_size_limit=1k" },
	{ "eof in a line", S("Subject: cut\r\n\r\nhalf"), "354", 0, NULL, 0,
	    NULL },
	{ "eof after a line", S("Subject: cut\r\n"), "354", 0, NULL, 0,
	    NULL },
	{ "eof before the end marker ends", S("x\r\n."), "354", 0, NULL, 0,
	    NULL },
	{ "eof at once", S(""), "354", 0, NULL, 0, NULL },
	{ "timeout in the message", S("Subject: slow\r\n"), "354;421 4.4.2",
	    0, NULL, 0, "smtpd_data_timeout=1s" },
	{ "pipelined after the end marker",
	    S("one\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<alice@example.org>\r\n"
	    "DATA\r\ntwo\r\n.\r\nNOOP\r\n"),
	    "354;250 2.0.0;250 2.1.0;250 2.1.5;354;250 2.0.0;250 2.0.0", 2,
	    S("one\n"), NULL },
};

START_TEST(test_data)
{
	static const char head[] = EHLO MAIL RCPT "DATA\r\n";
	static const char rcvd[] = "Received: from client.example "
	    "([127.0.0.1])\n\tby example.org (Estuary) with ESMTP id ";
	struct sbuf *script = sbuf_new(T_OUT_MAX), *out, *received, *body;
	char want[256];

	t_params(data_cases[_i].params);
	ck_assert_int_eq(sbuf_append(script, head, sizeof(head) - 1), 0);
	ck_assert_int_eq(sbuf_append(script, data_cases[_i].data,
	    data_cases[_i].data_len), 0);
	snprintf(want, sizeof(want), "220;250;250 2.1.0;250 2.1.5;%s",
	    data_cases[_i].want);
	out = t_run(data_cases[_i].name, SMTPD_KIND_SMTP, sbuf_str(script),
	    sbuf_len(script), want);
	sbuf_free(&out);
	sbuf_free(&script);

	ck_assert_msg(t_count("alice@example.org") == data_cases[_i].count,
	    "%s: %u messages, want %u", data_cases[_i].name,
	    t_count("alice@example.org"), data_cases[_i].count);
	t_spool_empty(data_cases[_i].name);
	if (data_cases[_i].stored == NULL)
		return;
	received = sbuf_new(T_OUT_MAX);
	body = sbuf_new(T_OUT_MAX);
	t_message("alice@example.org", 1, received, body);
	ck_assert_msg(strncmp(sbuf_str(received), rcvd, sizeof(rcvd) - 1) ==
	    0, "%s: Received: %s", data_cases[_i].name, sbuf_str(received));
	ck_assert_msg(strstr(sbuf_str(received), "\n\tfor "
	    "<alice@example.org>;\n\t") != NULL, "%s: Received: %s",
	    data_cases[_i].name, sbuf_str(received));
	ck_assert_msg(sbuf_len(body) == data_cases[_i].stored_len &&
	    memcmp(sbuf_str(body), data_cases[_i].stored,
	    data_cases[_i].stored_len) == 0, "%s: stored \"%s\" (%zu bytes), "
	    "want \"%s\"", data_cases[_i].name, log_safe_n(sbuf_str(body),
	    sbuf_len(body)), sbuf_len(body), data_cases[_i].stored);
	if (data_cases[_i].count == 2) {
		t_message("alice@example.org", 2, received, body);
		ck_assert_str_eq(sbuf_str(body), "two\n");
	}
	sbuf_free(&received);
	sbuf_free(&body);
}
END_TEST
/* suite - the test cases */
static Suite *
suite(void)
{
	Suite *s = suite_create("smtpd");
	TCase *tc;

	tc = tcase_create("command_state");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_command_state, 0,
	    (int)(4 * NELEM(commands)));
	suite_add_tcase(s, tc);

	tc = tcase_create("sequence");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_sequence, 0, (int)NELEM(sequences));
	suite_add_tcase(s, tc);

	tc = tcase_create("ehlo");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_ehlo, 0, (int)NELEM(ehlo_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("submission");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_submission, 0, (int)NELEM(submission));
	suite_add_tcase(s, tc);

	tc = tcase_create("rcpt_rules");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_rcpt_rule, 0, (int)NELEM(rules));
	suite_add_tcase(s, tc);

	tc = tcase_create("data");
	tcase_add_unchecked_fixture(tc, tutil_base_setup, tutil_base_teardown);
	tcase_add_checked_fixture(tc, t_setup, t_teardown);
	tcase_add_loop_test(tc, test_data, 0, (int)NELEM(data_cases));
	suite_add_tcase(s, tc);
	return (s);
}

/*
 * main - run the suite. Each test sets up a registry and delivers with
 * fsync: many synchronous writes that have nothing to do with what is
 * tested, and that a busy disk makes slow. Unless TMPDIR says where, the
 * tests run in /dev/shm when it is there.
 */
int
main(void)
{
	SRunner *sr;
	int failed;

	if (getenv("TMPDIR") == NULL && access("/dev/shm", W_OK | X_OK) == 0)
		(void)setenv("TMPDIR", "/dev/shm", 0);
	sr = srunner_create(suite());
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
