/*
 * testsvc - a tiny service on server_main(), for the master's tests.
 *
 * Greets each connection with "testsvc SERVICE pid=PID euid=EUID gen=G",
 * then answers one line per command:
 *
 *	ECHO text	text
 *	SLEEP n		(n seconds later, n <= 60) slept
 *	COUNT		the number of users in the registry ("registry" only)
 *	PEER		peer=ADDR:PORT local=ADDR:PORT listen=INDEX
 *	QUIT		bye, and the connection is closed
 *
 * Service arguments: "fail" makes it die in post_drop (a service that
 * never comes up, for the back-off tests); "registry" makes it join the
 * registry in post_drop, as the mail owner, like a real daemon.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fdio.h"
#include "msg.h"
#include "registry.h"
#include "server.h"
#include "strnum.h"

#define LINE_MAX_LEN	512
#define READ_TIMEOUT_MS	60000

static struct registry *reg;

/* reply - one line with CR LF */
static int
reply(int fd, const char *text)
{
	char buf[LINE_MAX_LEN + 3];
	int n = snprintf(buf, sizeof(buf), "%s\r\n", text);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return (-1);
	return (fdio_write_all(fd, buf, (size_t)n));
}

/*
 * read_line - the next line without CR LF into line; 0, or -1 at EOF,
 * timeout, error or a line over LINE_MAX_LEN. buf/len carry what was read
 * past the line.
 */
static int
read_line(int fd, char *buf, size_t *len, char *line)
{
	struct pollfd pfd;
	char *nl;
	size_t used;
	ssize_t n;

	for (;;) {
		if ((nl = memchr(buf, '\n', *len)) != NULL) {
			used = (size_t)(nl - buf) + 1;
			memcpy(line, buf, used - 1);
			line[used - 1] = '\0';
			if (used >= 2 && line[used - 2] == '\r')
				line[used - 2] = '\0';
			memmove(buf, buf + used, *len - used);
			*len -= used;
			return (0);
		}
		if (*len >= LINE_MAX_LEN)
			return (-1);
		pfd.fd = fd;
		pfd.events = POLLIN;
		n = poll(&pfd, 1, READ_TIMEOUT_MS);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		n = read(fd, buf + *len, LINE_MAX_LEN - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		*len += (size_t)n;
	}
}

/* sleep_secs - sleep the whole time, whatever signals arrive */
static void
sleep_secs(int secs)
{
	struct timespec ts = { secs, 0 }, left;

	while (nanosleep(&ts, &left) < 0 && errno == EINTR)
		ts = left;
}

/* count_users - COUNT */
static void
count_users(char *out, size_t size)
{
	const char *error;
	long n;

	if (reg == NULL) {
		snprintf(out, size, "error: not in the registry");
		return;
	}
	if ((n = registry_user_count(reg, NULL, &error)) < 0)
		snprintf(out, size, "error: %s", error);
	else
		snprintf(out, size, "%ld", n);
}

/* testsvc_conn - one session */
static void
testsvc_conn(struct server_conn *conn, void *ctx)
{
	char buf[LINE_MAX_LEN], line[LINE_MAX_LEN + 1], out[LINE_MAX_LEN];
	size_t len = 0;
	int secs;

	snprintf(out, sizeof(out), "testsvc %s pid=%ld euid=%ld gen=%u",
	    conn->service, (long)getpid(), (long)geteuid(),
	    server_generation());
	if (reply(conn->fd, out) < 0)
		return;
	while (read_line(conn->fd, buf, &len, line) == 0) {
		if (strncmp(line, "ECHO ", 5) == 0) {
			snprintf(out, sizeof(out), "%s", line + 5);
		} else if (strncmp(line, "SLEEP ", 6) == 0) {
			if (strnum_int(line + 6, 0, 60, &secs) < 0) {
				snprintf(out, sizeof(out), "error: bad number");
			} else {
				sleep_secs(secs);
				snprintf(out, sizeof(out), "slept");
			}
		} else if (strcmp(line, "PEER") == 0) {
			snprintf(out, sizeof(out), "peer=%s:%d local=%s:%d "
			    "listen=%d", conn->peer_addr, conn->peer_port,
			    conn->local_addr, conn->local_port,
			    conn->listen_index);
		} else if (strcmp(line, "COUNT") == 0) {
			count_users(out, sizeof(out));
		} else if (strcmp(line, "QUIT") == 0) {
			(void)reply(conn->fd, "bye");
			return;
		} else {
			snprintf(out, sizeof(out), "error: unknown command");
		}
		if (reply(conn->fd, out) < 0)
			return;
	}
}

/* testsvc_post_drop - the service arguments */
static void
testsvc_post_drop(void *ctx)
{
	char **args;
	int argc, i;

	args = server_args(&argc);
	for (i = 0; i < argc; i++) {
		if (strcmp(args[i], "fail") == 0)
			msg_fatal("failing as asked");
		if (strcmp(args[i], "registry") == 0)
			reg = registry_open_from_params();
	}
}

/* testsvc_pre_exit - leave the registry cleanly */
static void
testsvc_pre_exit(void *ctx)
{
	if (reg != NULL)
		registry_close(&reg);
}

int
main(int argc, char **argv)
{
	static const struct server_ops ops = {
		.program = "testsvc",
		.pre_drop = NULL,
		.post_drop = testsvc_post_drop,
		.conn = testsvc_conn,
		.pre_exit = testsvc_pre_exit,
		.ctx = NULL,
	};

	server_main(argc, argv, &ops);
}
