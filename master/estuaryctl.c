/*
 * estuaryctl - the administrator's command line: status, reload and stop,
 * the configuration, the registry's domains, users and aliases, and the
 * outbound queue.
 *
 * Each command becomes one request on the control socket (protocol in
 * common/ctl_proto.h); admind does the work and answers with records,
 * which are printed for people (aligned columns under a header for lists,
 * "key: value" lines for one object, times in ISO 8601 UTC) or, with
 * --json, for scripts. estuary.conf is read only to find control_socket
 * and control_timeout.
 *
 * Passwords never come from the command line (a ps listing would show
 * them): only from standard input (--password-stdin) or a prompt on the
 * terminal. They are wiped once sent.
 *
 * Exit status: 0 done, 1 refused by the server or cannot talk to it (one
 * "estuaryctl: ..." line on stderr), 2 bad usage.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl_proto.h"
#include "ipc.h"
#include "json.h"
#include "master_proto.h"
#include "mem.h"
#include "msg.h"
#include "param.h"
#include "param_table.h"
#include "password.h"
#include "sbuf.h"
#include "stream.h"
#include "strnum.h"

#define EXIT_REFUSED	1
#define EXIT_USAGE	2

/* Extra wait beyond the server's own limit, so its error arrives first. */
#define CTL_WAIT_MARGIN	10
/* The largest JSON document printed (the server bounds its answers too). */
#define CTL_JSON_MAX	((size_t)512 * 1024 * 1024)
/* The longest command line of a batch. */
#define CTL_BATCH_LINE_MAX	65536

/* How a record field is shown. */
enum field_type {
	F_STR,				/* text; "" shown as zero text */
	F_NUM,				/* decimal */
	F_SIZE,				/* bytes, shown as 10M */
	F_TIME,				/* epoch seconds, shown in ISO 8601 */
	F_DURATION,			/* seconds, shown as 1h2m3s */
	F_LIST,				/* "a,b,c" (or "none"), a JSON array */
	F_MULTI,			/* a repeated attribute, a JSON array */
	F_BOOL,				/* "yes" or "no", a JSON boolean */
};

struct field {
	const char *attr;		/* attribute in the record */
	const char *key;		/* JSON and "show" name */
	const char *header;		/* column in lists; NULL = not listed */
	enum field_type type;
	const char *zero;		/* text for 0 or "" (NULL: as is) */
};

static const struct field domain_fields[] = {
	{ CTL_FIELD_NAME, "name", "DOMAIN", F_STR, NULL },
	{ CTL_KEY_STATE, "state", "STATE", F_STR, NULL },
	{ CTL_KEY_SERVICES, "services", "SERVICES", F_LIST, NULL },
	{ CTL_KEY_ADMIN, "admin", NULL, F_STR, "none" },
	{ CTL_KEY_POSTMASTER, "postmaster", NULL, F_STR, "none" },
	{ CTL_KEY_QUOTA, "quota", "QUOTA", F_SIZE, "none" },
	{ CTL_KEY_QUOTA_MESSAGES, "quota_messages", "MESSAGES", F_NUM, "none" },
	{ CTL_FIELD_USERS, "users", NULL, F_NUM, NULL },
	{ CTL_FIELD_CREATED, "created", "CREATED", F_TIME, "-" },
	{ NULL, NULL, NULL, F_STR, NULL },
};

static const struct field user_fields[] = {
	{ CTL_FIELD_ADDRESS, "address", "ADDRESS", F_STR, NULL },
	{ CTL_FIELD_DOMAIN, "domain", NULL, F_STR, NULL },
	{ CTL_KEY_STATE, "state", "STATE", F_STR, NULL },
	{ CTL_FIELD_PASSWORD_SCHEME, "password_scheme", "PASSWORD", F_STR,
	    "none" },
	{ CTL_FIELD_APOP, "apop", NULL, F_BOOL, NULL },
	{ CTL_KEY_QUOTA, "quota", "QUOTA", F_SIZE, "default" },
	{ CTL_KEY_QUOTA_MESSAGES, "quota_messages", "MESSAGES", F_NUM,
	    "default" },
	{ CTL_FIELD_CREATED, "created", "CREATED", F_TIME, "-" },
	{ CTL_FIELD_LAST_LOGIN, "last_login", "LAST LOGIN", F_TIME, "never" },
	{ NULL, NULL, NULL, F_STR, NULL },
};

static const struct field alias_fields[] = {
	{ CTL_FIELD_ADDRESS, "address", "ALIAS", F_STR, NULL },
	{ CTL_FIELD_TARGET, "targets", "TARGETS", F_MULTI, NULL },
	{ NULL, NULL, NULL, F_STR, NULL },
};

static const struct field service_fields[] = {
	{ MASTER_ATTR_SERVICE, "service", "SERVICE", F_STR, NULL },
	{ MASTER_ATTR_TYPE, "type", "TYPE", F_STR, NULL },
	{ MASTER_ATTR_LISTEN, "listen", "LISTEN", F_STR, "-" },
	{ MASTER_ATTR_PROGRAM, "program", "PROGRAM", F_STR, NULL },
	{ MASTER_ATTR_LIMIT, "process_limit", "LIMIT", F_NUM, NULL },
	{ MASTER_ATTR_PROCESSES, "processes", "PROCS", F_NUM, NULL },
	{ MASTER_ATTR_BUSY, "busy", "BUSY", F_NUM, NULL },
	{ MASTER_ATTR_IDLE, "idle", "IDLE", F_NUM, NULL },
	{ MASTER_ATTR_CONNECTIONS, "connections", "CONNS", F_NUM, NULL },
	{ MASTER_ATTR_RESTARTS, "restarts", "RESTARTS", F_NUM, NULL },
	{ MASTER_ATTR_THROTTLED, "throttled", "THROTTLED", F_NUM, "no" },
	{ NULL, NULL, NULL, F_STR, NULL },
};

static const struct field master_fields[] = {
	{ MASTER_ATTR_PID, "master_pid", NULL, F_NUM, NULL },
	{ MASTER_ATTR_UPTIME, "uptime", NULL, F_DURATION, NULL },
	{ MASTER_ATTR_GENERATION, "generation", NULL, F_NUM, NULL },
	{ NULL, NULL, NULL, F_STR, NULL },
};

static const struct field param_fields[] = {
	{ CTL_FIELD_NAME, "name", "NAME", F_STR, NULL },
	{ CTL_FIELD_VALUE, "value", "VALUE", F_STR, NULL },
	{ CTL_FIELD_DEFAULT, "default", "DEFAULT", F_STR, NULL },
	{ CTL_FIELD_DOC, "doc", NULL, F_STR, NULL },
	{ NULL, NULL, NULL, F_STR, NULL },
};

static const struct field queue_fields[] = {
	{ CTL_FIELD_ID, "id", "ID", F_STR, NULL },
	{ CTL_FIELD_ARRIVAL, "arrival", "ARRIVAL", F_TIME, "-" },
	{ CTL_FIELD_SIZE, "size", "SIZE", F_NUM, NULL },
	{ CTL_FIELD_SENDER, "sender", "SENDER", F_STR, "<>" },
	{ CTL_FIELD_ENVID, "envid", NULL, F_STR, NULL },
	{ CTL_FIELD_CLIENT, "client", NULL, F_STR, NULL },
	{ CTL_FIELD_AUTH, "auth", NULL, F_STR, NULL },
	{ CTL_FIELD_RCPTS, "recipient_count", NULL, F_NUM, NULL },
	{ CTL_FIELD_ERROR, "error", NULL, F_STR, NULL },
	{ NULL, NULL, NULL, F_STR, NULL },
};

/* A queue record's recipients: parallel repeated attributes. */
static const struct field queue_rcpt_fields[] = {
	{ CTL_FIELD_RCPT, "address", NULL, F_STR, NULL },
	{ CTL_FIELD_RCPT_STATE, "state", NULL, F_STR, NULL },
	{ CTL_FIELD_RCPT_ATTEMPTS, "attempts", NULL, F_NUM, NULL },
	{ CTL_FIELD_RCPT_NEXT_TRY, "next_try", NULL, F_TIME, "now" },
	{ CTL_FIELD_RCPT_STATUS, "status", NULL, F_STR, NULL },
	{ CTL_FIELD_RCPT_ERROR, "error", NULL, F_STR, NULL },
	{ NULL, NULL, NULL, F_STR, NULL },
};

/* The answer to one request. */
struct answer {
	struct ipc_msg *recs;
	size_t	count;
	size_t	alloc;
};

struct ctl_cmd;
typedef int (*output_fn)(const struct ctl_cmd *cmd, const struct answer *ans);

/* Command flags. */
#define CMD_JSON	(1 << 0)	/* a read command: --json */
#define CMD_KV		(1 << 1)	/* further arguments: key=value */
#define CMD_PASSWORD	(1 << 2)	/* needs a password: --password-stdin */
#define CMD_ALL		(1 << 3)	/* config: -a, -d */

struct ctl_cmd {
	const char *group;		/* "domain", or NULL */
	const char *name;		/* "add" */
	const char *request;		/* CTL_REQ_* */
	int	min_args;		/* positional arguments */
	int	max_args;		/* -1 = any number */
	int	flags;			/* CMD_* */
	const char *first_attr;		/* attribute of the first argument */
	const char *rest_attr;		/* attribute of each further one */
	const struct field *fields;	/* for list and show output */
	output_fn output;		/* NULL = silent on success */
	const char *usage;		/* arguments, for the usage text */
	const char *what;		/* one line of help */
};

static int output_status(const struct ctl_cmd *, const struct answer *);
static int output_config(const struct ctl_cmd *, const struct answer *);
static int output_list(const struct ctl_cmd *, const struct answer *);
static int output_show(const struct ctl_cmd *, const struct answer *);
static int output_queue(const struct ctl_cmd *, const struct answer *);

static const struct ctl_cmd ctl_cmds[] = {
	{ NULL, "status", CTL_REQ_STATUS, 0, 0, CMD_JSON, NULL, NULL,
	    service_fields, output_status, "",
	    "the master and every service" },
	{ NULL, "reload", CTL_REQ_RELOAD, 0, 0, 0, NULL, NULL, NULL, NULL, "",
	    "reread the configuration" },
	{ NULL, "stop", CTL_REQ_STOP, 0, 0, 0, NULL, NULL, NULL, NULL, "",
	    "stop the suite" },
	{ NULL, "config", CTL_REQ_CONFIG, 0, 0, CMD_JSON | CMD_ALL, NULL,
	    NULL, param_fields, output_config, "[-a | -d]",
	    "parameters set in estuary.conf (-a: all; -d: defaults)" },
	{ "domain", "add", CTL_REQ_DOMAIN_ADD, 1, -1, CMD_KV, CTL_ATTR_NAME,
	    CTL_ATTR_SET, NULL, NULL, "NAME [key=value...]",
	    "host a new domain" },
	{ "domain", "list", CTL_REQ_DOMAIN_LIST, 0, 0, CMD_JSON, NULL, NULL,
	    domain_fields, output_list, "", "list the domains" },
	{ "domain", "show", CTL_REQ_DOMAIN_SHOW, 1, 1, CMD_JSON, CTL_ATTR_NAME,
	    NULL, domain_fields, output_show, "NAME", "show one domain" },
	{ "domain", "set", CTL_REQ_DOMAIN_SET, 2, -1, CMD_KV, CTL_ATTR_NAME,
	    CTL_ATTR_SET, NULL, NULL, "NAME key=value...",
	    "change a domain" },
	{ "domain", "del", CTL_REQ_DOMAIN_DEL, 1, 1, 0, CTL_ATTR_NAME, NULL,
	    NULL, NULL, "NAME", "remove a domain without users or aliases" },
	{ "user", "add", CTL_REQ_USER_ADD, 1, -1, CMD_KV | CMD_PASSWORD,
	    CTL_ATTR_ADDRESS, CTL_ATTR_SET, NULL, NULL,
	    "ADDRESS [key=value...] [--password-stdin]", "add a user" },
	{ "user", "list", CTL_REQ_USER_LIST, 0, 1, CMD_JSON, CTL_ATTR_DOMAIN,
	    NULL, user_fields, output_list, "[DOMAIN]", "list users" },
	{ "user", "show", CTL_REQ_USER_SHOW, 1, 1, CMD_JSON, CTL_ATTR_ADDRESS,
	    NULL, user_fields, output_show, "ADDRESS", "show one user" },
	{ "user", "set", CTL_REQ_USER_SET, 2, -1, CMD_KV, CTL_ATTR_ADDRESS,
	    CTL_ATTR_SET, NULL, NULL, "ADDRESS key=value...",
	    "change a user" },
	{ "user", "passwd", CTL_REQ_USER_PASSWD, 1, 1, CMD_PASSWORD,
	    CTL_ATTR_ADDRESS, NULL, NULL, NULL, "ADDRESS [--password-stdin]",
	    "set a user's password" },
	{ "user", "del", CTL_REQ_USER_DEL, 1, 1, 0, CTL_ATTR_ADDRESS, NULL,
	    NULL, NULL, "ADDRESS", "remove a user" },
	{ "alias", "add", CTL_REQ_ALIAS_ADD, 2, -1, 0, CTL_ATTR_ADDRESS,
	    CTL_ATTR_TARGET, NULL, NULL, "ADDRESS TARGET...",
	    "create an alias or add targets to it" },
	{ "alias", "list", CTL_REQ_ALIAS_LIST, 0, 1, CMD_JSON, CTL_ATTR_DOMAIN,
	    NULL, alias_fields, output_list, "[DOMAIN]", "list aliases" },
	{ "alias", "del", CTL_REQ_ALIAS_DEL, 1, 2, 0, CTL_ATTR_ADDRESS,
	    CTL_ATTR_TARGET, NULL, NULL, "ADDRESS [TARGET]",
	    "remove an alias, or one of its targets" },
	{ "queue", "list", CTL_REQ_QUEUE_LIST, 0, 0, CMD_JSON, NULL, NULL,
	    queue_fields, output_queue, "", "list the outbound queue" },
	{ "queue", "show", CTL_REQ_QUEUE_SHOW, 1, 1, CMD_JSON, CTL_ATTR_ID,
	    NULL, queue_fields, output_queue, "ID", "show one queue entry" },
	{ "queue", "flush", CTL_REQ_QUEUE_FLUSH, 0, 0, 0, NULL, NULL, NULL,
	    NULL, "", "deliver all queued mail now" },
	{ "queue", "delete", CTL_REQ_QUEUE_DELETE, 1, 1, 0, CTL_ATTR_ID, NULL,
	    NULL, NULL, "ID", "remove a queue entry" },
	{ NULL, NULL, NULL, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL },
};

static int opt_json;
static int opt_json_all;		/* --json before the command */
static int opt_all;
static int opt_defaults;		/* config -d */
static int opt_password_stdin;
static int opt_password_hash;		/* password_hash=... given */
static const char *ctl_socket_path;

/*
 * What lives until exit is held here, so a sanitizer build sees it as
 * reachable when usage() or die() exits in the middle.
 */
static char ctl_password[PASSWORD_MAX + 1];
static char ctl_password_again[PASSWORD_MAX + 1];
static char **ctl_args;
static struct sbuf *ctl_request;
static struct stream *ctl_stream;
static struct ipc_msg ctl_final;
static struct answer ctl_answer;
static char *ctl_batch_buf;
static unsigned long ctl_batch_line;	/* in a batch: the current line */

/* Terminal state while a prompt has echo off, for the signal handler. */
static struct termios ctl_saved_tty;
static volatile sig_atomic_t ctl_tty_changed;

/* batch_prefix - "estuaryctl: " and, in a batch, "line N: " */
static void
batch_prefix(void)
{
	fputs("estuaryctl: ", stderr);
	if (ctl_batch_line > 0)
		fprintf(stderr, "line %lu: ", ctl_batch_line);
}

/* die - a one-line failure: a refused request, no server, bad data */
static void __attribute__((format(printf, 1, 2), noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	batch_prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_REFUSED);
}

/* cmd_usage_line - "estuaryctl domain add NAME [key=value...]" */
static void
cmd_usage_line(FILE *fp, const struct ctl_cmd *cmd)
{
	fprintf(fp, "  estuaryctl %s%s%s%s%s\n",
	    cmd->group != NULL ? cmd->group : "",
	    cmd->group != NULL ? " " : "", cmd->name,
	    *cmd->usage != '\0' ? " " : "", cmd->usage);
}

/* usage_all - the whole command list */
static void
usage_all(FILE *fp)
{
	const struct ctl_cmd *cmd;

	fputs("usage: estuaryctl [-c CONFIG_DIR] [-s SOCKET] [--json] "
	    "COMMAND [ARGS]\n\ncommands:\n", fp);
	for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
		cmd_usage_line(fp, cmd);
	fputs("  estuaryctl batch < COMMANDS\n"
	    "  estuaryctl help\n\n"
	    "Read commands (status, config, list, show) take --json.\n"
	    "Domain keys: state=active|inactive|deleted, "
	    "services=LIST|all|none,\n"
	    "  admin=ADDR, postmaster=ADDR, quota=SIZE, quota_messages=N.\n"
	    "User keys: state, quota, quota_messages, password_hash={SCHEME}..."
	    "\nQueue ids: as queue list shows them.\nSee estuaryctl(8).\n", fp);
}

/*
 * usage_v - bad usage: what is wrong, then how the command (or the group's
 * commands, or estuaryctl) is used; exit 2
 */
static void __attribute__((format(printf, 3, 0), noreturn))
usage_v(const struct ctl_cmd *cmd, const char *group, const char *fmt,
    va_list ap)
{
	fflush(stdout);
	batch_prefix();
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (cmd != NULL) {
		fputs("usage:\n", stderr);
		cmd_usage_line(stderr, cmd);
	} else if (group != NULL) {
		fputs("usage:\n", stderr);
		for (cmd = ctl_cmds; cmd->name != NULL; cmd++)
			if (cmd->group != NULL
			    && strcmp(cmd->group, group) == 0)
				cmd_usage_line(stderr, cmd);
	} else {
		fputs("usage: estuaryctl [-c CONFIG_DIR] [-s SOCKET] [--json] "
		    "COMMAND [ARGS]\n(\"estuaryctl help\" lists the "
		    "commands)\n", stderr);
	}
	exit(EXIT_USAGE);
}

/* usage - bad usage of cmd (NULL: of estuaryctl); exit 2 */
static void __attribute__((format(printf, 2, 3), noreturn))
usage(const struct ctl_cmd *cmd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_v(cmd, NULL, fmt, ap);
}

/* usage_group - bad usage of a command group; exit 2 */
static void __attribute__((format(printf, 2, 3), noreturn))
usage_group(const char *group, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_v(NULL, group, fmt, ap);
}

/* tty_restore - put the terminal's echo back */
static void
tty_restore(void)
{
	if (ctl_tty_changed) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &ctl_saved_tty);
		ctl_tty_changed = 0;
	}
}

/* tty_signal - interrupted at a prompt: restore echo, then die of it */
static void
tty_signal(int sig)
{
	if (ctl_tty_changed)
		tcsetattr(STDIN_FILENO, TCSANOW, &ctl_saved_tty);
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * read_line_fd - one line from fd into buf (size bytes), without its
 * newline, a byte at a time so nothing past it is consumed or buffered.
 * Returns the length, or -1 with *error_r (EOF before any byte, too long,
 * NUL byte). An over-long line is consumed to its end.
 */
static ssize_t
read_line_fd(int fd, char *buf, size_t size, const char **error_r)
{
	size_t len = 0;
	int too_long = 0, has_nul = 0;
	ssize_t n;
	char c;

	for (;;) {
		n = read(fd, &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = strerror(errno);
			return (-1);
		}
		if (n == 0) {
			if (len == 0 && !too_long) {
				*error_r = "no password on standard input";
				return (-1);
			}
			break;
		}
		if (c == '\n')
			break;
		if (c == '\0')
			has_nul = 1;
		if (len + 1 >= size)
			too_long = 1;
		else
			buf[len++] = c;
	}
	buf[len] = '\0';
	if (too_long || has_nul) {
		explicit_bzero(buf, size);
		*error_r = too_long ? "password too long" :
		    "password holds a NUL byte";
		return (-1);
	}
	return ((ssize_t)len);
}

/* prompt_once - prompt on the terminal with echo off, read one line */
static int
prompt_once(const char *prompt, char *buf, size_t size, const char **error_r)
{
	struct termios tty;
	ssize_t n;

	if (tcgetattr(STDIN_FILENO, &ctl_saved_tty) < 0) {
		*error_r = strerror(errno);
		return (-1);
	}
	tty = ctl_saved_tty;
	tty.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	tty.c_lflag |= ICANON;
	ctl_tty_changed = 1;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty) < 0) {
		ctl_tty_changed = 0;
		*error_r = strerror(errno);
		return (-1);
	}
	fputs(prompt, stderr);
	fflush(stderr);
	n = read_line_fd(STDIN_FILENO, buf, size, error_r);
	tty_restore();
	fputc('\n', stderr);
	return (n < 0 ? -1 : 0);
}

/*
 * get_password - the new password into buf: one line of standard input
 * with --password-stdin, else typed twice at the terminal. Any failure is
 * a usage error (exit 2): the command needs a password it did not get.
 */
static void
get_password(const struct ctl_cmd *cmd, char *buf, size_t size)
{
	char *again = ctl_password_again;
	const char *error;
	int ret;

	if (opt_password_stdin) {
		if (read_line_fd(STDIN_FILENO, buf, size, &error) < 0)
			usage(cmd, "%s", error);
	} else if (isatty(STDIN_FILENO)) {
		signal(SIGINT, tty_signal);
		signal(SIGTERM, tty_signal);
		signal(SIGHUP, tty_signal);
		signal(SIGQUIT, tty_signal);
		if (prompt_once("New password: ", buf, size, &error) < 0
		    || prompt_once("Retype new password: ", again, size,
		    &error) < 0) {
			explicit_bzero(buf, size);
			explicit_bzero(again, size);
			usage(cmd, "cannot read the password: %s", error);
		}
		ret = strcmp(buf, again);
		explicit_bzero(again, size);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		if (ret != 0) {
			explicit_bzero(buf, size);
			usage(cmd, "the passwords do not match");
		}
	} else {
		usage(cmd, "a password is needed: give it on standard input "
		    "with --password-stdin%s", (cmd->flags & CMD_KV) ?
		    ", or password_hash=..." : "");
	}
	if (*buf == '\0')
		usage(cmd, "empty password");
}

/* ctl_connect - a connected control socket; exit 1 if there is none */
static int
ctl_connect(const char *path)
{
	struct sockaddr_un sun;
	size_t len = strlen(path);
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (len >= sizeof(sun.sun_path))
		die("cannot connect to %s: path too long (is estuary "
		    "running?)", path);
	memcpy(sun.sun_path, path, len + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		die("cannot make a socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		die("cannot connect to %s: %s (is estuary running?)", path,
		    strerror(errno));
	return (fd);
}

/* ctl_open - connect and exchange hellos; exit 1 if that fails */
static void
ctl_open(void)
{
	const char *error;

	ctl_stream = stream_fdopen(ctl_connect(ctl_socket_path), STREAM_RDWR,
	    IPC_VALUE_MAX);
	stream_set_timeout(ctl_stream, var_control_timeout + CTL_WAIT_MARGIN);
	if (ipc_hello(ctl_stream, CTL_PROTOCOL, CTL_VERSION, &error) < 0)
		die("%s: no control service here: %s", ctl_socket_path, error);
}

/*
 * ctl_call - send the request (and wipe it), collect the records into ans.
 * 0 on status=ok; -1 with *error_r (valid until the next call) when the
 * server refused. A broken connection exits 1.
 */
static int
ctl_call(struct sbuf *request, struct answer *ans, const char **error_r)
{
	struct ipc_msg msg;
	const char *error, *status;

	/*
	 * A refused peer is answered before it sends anything, and the
	 * request may then fail to go out: the answer is still read.
	 */
	(void)ipc_send(ctl_stream, request);
	sbuf_wipe(request);
	ipc_msg_clear(&ctl_final);
	for (;;) {
		if (ipc_recv(ctl_stream, NULL, &msg, &error) < 0)
			die("%s: no answer: %s", ctl_socket_path,
			    strcmp(error, "eof") == 0 ?
			    "the server closed the connection" : error);
		if ((status = ipc_get(&msg, IPC_ATTR_STATUS)) != NULL)
			break;
		if (ipc_get(&msg, CTL_ATTR_RECORD) == NULL) {
			/* Not ours to judge: skip what this version lacks. */
			ipc_msg_clear(&msg);
			continue;
		}
		if (ans->count == ans->alloc) {
			ans->alloc = ans->alloc ? 2 * ans->alloc : 64;
			ans->recs = xreallocarray(ans->recs, ans->alloc,
			    sizeof(*ans->recs));
		}
		ans->recs[ans->count++] = msg;
	}
	ctl_final = msg;
	if (strcmp(status, CTL_STATUS_OK) == 0)
		return (0);
	if ((*error_r = ipc_get(&ctl_final, IPC_ATTR_ERROR)) == NULL)
		*error_r = "the request failed";
	return (-1);
}

/* answer_clear - release the records of an answer */
static void
answer_clear(struct answer *ans)
{
	size_t i;

	for (i = 0; i < ans->count; i++)
		ipc_msg_clear(&ans->recs[i]);
	ans->count = 0;
}

/* record_kind - is rec a record of this kind? */
static int
record_kind(const struct ipc_msg *rec, const char *kind)
{
	const char *k = ipc_get(rec, CTL_ATTR_RECORD);

	return (k != NULL && strcmp(k, kind) == 0);
}

/* field_u64 - a numeric field, or -1 if absent or not a number */
static int
field_u64(const struct ipc_msg *rec, const struct field *f, uint64_t *v_r)
{
	const char *v = ipc_get(rec, f->attr);

	return (v != NULL ? strnum_u64(v, 0, UINT64_MAX, v_r) : -1);
}

/* fmt_size - 10485760 as "10M", 1536 as "1536" */
static void
fmt_size(struct sbuf *out, uint64_t v)
{
	static const struct {
		uint64_t unit;
		char	suffix;
	} units[] = {
		{ 1024ULL * 1024 * 1024, 'G' }, { 1024ULL * 1024, 'M' },
		{ 1024ULL, 'k' },
	};
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (v % units[i].unit == 0) {
			sbuf_appendf(out, "%" PRIu64 "%c", v / units[i].unit,
			    units[i].suffix);
			return;
		}
	sbuf_appendf(out, "%" PRIu64, v);
}

/* fmt_time - epoch seconds in ISO 8601 UTC */
static void
fmt_time(struct sbuf *out, uint64_t v)
{
	char buf[32];
	struct tm tm;
	time_t t = (time_t)v;

	if (v > (uint64_t)INT64_MAX || gmtime_r(&t, &tm) == NULL
	    || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		sbuf_appendf(out, "@%" PRIu64, v);
	else
		sbuf_appends(out, buf);
}

/* fmt_duration - 3723 seconds as "1h2m3s" */
static void
fmt_duration(struct sbuf *out, uint64_t v)
{
	if (v >= 86400)
		sbuf_appendf(out, "%" PRIu64 "d", v / 86400);
	if (v >= 3600)
		sbuf_appendf(out, "%" PRIu64 "h", v % 86400 / 3600);
	if (v >= 60)
		sbuf_appendf(out, "%" PRIu64 "m", v % 3600 / 60);
	sbuf_appendf(out, "%" PRIu64 "s", v % 60);
}

/* fmt_field - a field as people read it, appended to out */
static void
fmt_field(struct sbuf *out, const struct ipc_msg *rec, const struct field *f)
{
	const char *v = ipc_get(rec, f->attr);
	size_t pos = 0, n = 0;
	uint64_t num;

	if (v == NULL) {
		sbuf_appends(out, "-");
		return;
	}
	switch (f->type) {
	case F_MULTI:
		while ((v = ipc_get_next(rec, f->attr, &pos)) != NULL)
			sbuf_appendf(out, "%s%s", n++ ? ", " : "", v);
		if (n == 0)
			sbuf_appends(out, f->zero != NULL ? f->zero : "-");
		return;
	case F_NUM:
	case F_SIZE:
	case F_TIME:
	case F_DURATION:
		if (strnum_u64(v, 0, UINT64_MAX, &num) < 0)
			break;
		if (num == 0 && f->zero != NULL)
			sbuf_appends(out, f->zero);
		else if (f->type == F_SIZE)
			fmt_size(out, num);
		else if (f->type == F_TIME)
			fmt_time(out, num);
		else if (f->type == F_DURATION)
			fmt_duration(out, num);
		else
			sbuf_appends(out, v);
		return;
	case F_STR:
	case F_LIST:
	case F_BOOL:
		if (*v == '\0' && f->zero != NULL)
			v = f->zero;
		else if (*v == '\0')
			v = "-";
		break;
	}
	sbuf_appends(out, v);
}

/* json_field - a field as a JSON value (after its key) */
static void
json_field(struct json *j, const struct ipc_msg *rec, const struct field *f)
{
	const char *v = ipc_get(rec, f->attr), *p, *comma;
	size_t pos = 0;
	uint64_t num;

	switch (f->type) {
	case F_MULTI:
		json_array_begin(j);
		while ((v = ipc_get_next(rec, f->attr, &pos)) != NULL)
			json_string(j, v);
		json_array_end(j);
		return;
	case F_LIST:
		json_array_begin(j);
		for (p = v; strcmp(v, "none") != 0 && *p != '\0'; p = comma) {
			if ((comma = strchr(p, ',')) == NULL)
				comma = p + strlen(p);
			if (comma > p)
				json_string_n(j, p, (size_t)(comma - p));
			if (*comma == ',')
				comma++;
		}
		json_array_end(j);
		return;
	case F_TIME:
		if (field_u64(rec, f, &num) < 0)
			break;
		if (num == 0) {
			json_null(j);
		} else {
			struct sbuf *t = sbuf_new(64);

			fmt_time(t, num);
			json_string(j, sbuf_str(t));
			sbuf_free(&t);
		}
		return;
	case F_NUM:
	case F_SIZE:
	case F_DURATION:
		if (field_u64(rec, f, &num) < 0)
			break;
		json_u64(j, num);
		return;
	case F_BOOL:
		json_bool(j, strcmp(v, "yes") == 0);
		return;
	case F_STR:
		if (*v == '\0') {
			json_null(j);
			return;
		}
		break;
	}
	json_string(j, v);
}

/* json_record - a record as a JSON object of the fields it has */
static void
json_record(struct json *j, const struct ipc_msg *rec,
    const struct field *fields)
{
	const struct field *f;

	json_object_begin(j);
	for (f = fields; f->attr != NULL; f++) {
		if (ipc_get(rec, f->attr) == NULL && f->type != F_MULTI)
			continue;
		json_key(j, f->key);
		json_field(j, rec, f);
	}
	json_object_end(j);
}

/* json_print - print a finished document; exit 1 if it is not one */
static int
json_print(struct json *j, struct sbuf *out)
{
	if (json_finish(j) < 0)
		die("cannot format the answer as JSON");
	sbuf_appendc(out, '\n');
	fwrite(sbuf_str(out), 1, sbuf_len(out), stdout);
	return (0);
}

/* print_table - records of one kind as aligned columns under a header */
static void
print_table(const struct answer *ans, const char *kind,
    const struct field *fields)
{
	const struct field *f;
	struct sbuf ***cells;
	size_t rows = 0, cols = 0, r, c, i, *width;

	for (f = fields; f->attr != NULL; f++)
		if (f->header != NULL)
			cols++;
	for (i = 0; i < ans->count; i++)
		if (record_kind(&ans->recs[i], kind))
			rows++;
	cells = xcalloc(rows, sizeof(*cells));
	width = xcalloc(cols, sizeof(*width));
	for (c = 0, f = fields; f->attr != NULL; f++)
		if (f->header != NULL)
			width[c++] = strlen(f->header);
	for (r = 0, i = 0; i < ans->count; i++) {
		if (!record_kind(&ans->recs[i], kind))
			continue;
		cells[r] = xcalloc(cols, sizeof(**cells));
		for (c = 0, f = fields; f->attr != NULL; f++) {
			if (f->header == NULL)
				continue;
			cells[r][c] = sbuf_new(0);
			fmt_field(cells[r][c], &ans->recs[i], f);
			if (sbuf_len(cells[r][c]) > width[c])
				width[c] = sbuf_len(cells[r][c]);
			c++;
		}
		r++;
	}
	for (c = 0, f = fields; f->attr != NULL; f++)
		if (f->header != NULL) {
			if (c + 1 < cols)
				printf("%-*s  ", (int)width[c], f->header);
			else
				printf("%s\n", f->header);
			c++;
		}
	for (r = 0; r < rows; r++) {
		for (c = 0; c < cols; c++) {
			if (c + 1 < cols)
				printf("%-*s  ", (int)width[c],
				    sbuf_str(cells[r][c]));
			else
				printf("%s\n", sbuf_str(cells[r][c]));
			sbuf_free(&cells[r][c]);
		}
		free(cells[r]);
	}
	free(cells);
	free(width);
}

/* print_show - one record as "key: value" lines */
static void
print_show(const struct ipc_msg *rec, const struct field *fields)
{
	const struct field *f;
	struct sbuf *v = sbuf_new(0);

	for (f = fields; f->attr != NULL; f++) {
		if (ipc_get(rec, f->attr) == NULL && f->type != F_MULTI)
			continue;
		sbuf_reset(v);
		fmt_field(v, rec, f);
		printf("%s: %s\n", f->key, sbuf_str(v));
	}
	sbuf_free(&v);
}

/* output_list - a list command's records */
static int
output_list(const struct ctl_cmd *cmd, const struct answer *ans)
{
	const char *kind = cmd->group;
	struct sbuf *out;
	struct json j;
	size_t i;

	if (!opt_json) {
		print_table(ans, kind, cmd->fields);
		return (0);
	}
	out = sbuf_new(CTL_JSON_MAX);
	json_init(&j, out);
	json_array_begin(&j);
	for (i = 0; i < ans->count; i++)
		if (record_kind(&ans->recs[i], kind))
			json_record(&j, &ans->recs[i], cmd->fields);
	json_array_end(&j);
	json_print(&j, out);
	sbuf_free(&out);
	return (0);
}

/* output_show - a show command's record */
static int
output_show(const struct ctl_cmd *cmd, const struct answer *ans)
{
	struct sbuf *out;
	struct json j;
	size_t i;

	for (i = 0; i < ans->count; i++)
		if (record_kind(&ans->recs[i], cmd->group))
			break;
	if (i == ans->count)
		die("the server sent no %s record", cmd->group);
	if (!opt_json) {
		print_show(&ans->recs[i], cmd->fields);
		return (0);
	}
	out = sbuf_new(CTL_JSON_MAX);
	json_init(&j, out);
	json_record(&j, &ans->recs[i], cmd->fields);
	json_print(&j, out);
	sbuf_free(&out);
	return (0);
}

/*
 * output_status - the master's fields, then a service table; in JSON one
 * object: the master's fields and "services", an array.
 */
static int
output_status(const struct ctl_cmd *cmd, const struct answer *ans)
{
	const struct ipc_msg *master = NULL;
	const struct field *f;
	struct sbuf *out;
	struct json j;
	size_t i;

	for (i = 0; i < ans->count && master == NULL; i++)
		if (record_kind(&ans->recs[i], CTL_REC_MASTER))
			master = &ans->recs[i];
	if (!opt_json) {
		if (master != NULL) {
			print_show(master, master_fields);
			putchar('\n');
		}
		print_table(ans, CTL_REC_SERVICE, cmd->fields);
		return (0);
	}
	out = sbuf_new(CTL_JSON_MAX);
	json_init(&j, out);
	json_object_begin(&j);
	for (f = master_fields; master != NULL && f->attr != NULL; f++) {
		if (ipc_get(master, f->attr) == NULL)
			continue;
		json_key(&j, f->key);
		json_field(&j, master, f);
	}
	json_key(&j, "services");
	json_array_begin(&j);
	for (i = 0; i < ans->count; i++)
		if (record_kind(&ans->recs[i], CTL_REC_SERVICE))
			json_record(&j, &ans->recs[i], cmd->fields);
	json_array_end(&j);
	json_object_end(&j);
	json_print(&j, out);
	sbuf_free(&out);
	return (0);
}

/*
 * output_config - "name = value" lines, as in estuary.conf: the values,
 * or with -d the defaults as the table writes them
 */
static int
output_config(const struct ctl_cmd *cmd, const struct answer *ans)
{
	const char *name, *value;
	struct sbuf *out;
	struct json j;
	size_t i;

	if (!opt_json) {
		for (i = 0; i < ans->count; i++) {
			if (!record_kind(&ans->recs[i], CTL_REC_PARAM)
			    || (name = ipc_get(&ans->recs[i],
			    CTL_FIELD_NAME)) == NULL)
				continue;
			value = ipc_get(&ans->recs[i], opt_defaults ?
			    CTL_FIELD_DEFAULT : CTL_FIELD_VALUE);
			printf("%s = %s\n", name, value != NULL ? value : "");
		}
		return (0);
	}
	out = sbuf_new(CTL_JSON_MAX);
	json_init(&j, out);
	json_array_begin(&j);
	for (i = 0; i < ans->count; i++)
		if (record_kind(&ans->recs[i], CTL_REC_PARAM))
			json_record(&j, &ans->recs[i], cmd->fields);
	json_array_end(&j);
	json_print(&j, out);
	sbuf_free(&out);
	return (0);
}

/*
 * queue_rcpt_get - the n-th value of a recipient field (parallel
 * repeated attributes), or NULL
 */
static const char *
queue_rcpt_get(const struct ipc_msg *rec, const char *attr, size_t n)
{
	const char *v;
	size_t pos = 0, i = 0;

	while ((v = ipc_get_next(rec, attr, &pos)) != NULL)
		if (i++ == n)
			return (v);
	return (NULL);
}

/* queue_rcpt_json - a record's recipients as an array of objects */
static void
queue_rcpt_json(struct json *j, const struct ipc_msg *rec)
{
	const struct field *f;
	const char *v;
	uint64_t num;
	size_t n;

	json_array_begin(j);
	for (n = 0; queue_rcpt_get(rec, CTL_FIELD_RCPT, n) != NULL; n++) {
		json_object_begin(j);
		for (f = queue_rcpt_fields; f->attr != NULL; f++) {
			if ((v = queue_rcpt_get(rec, f->attr, n)) == NULL)
				continue;
			json_key(j, f->key);
			if (f->type == F_NUM && strnum_u64(v, 0, UINT64_MAX,
			    &num) == 0)
				json_u64(j, num);
			else if (f->type == F_TIME && strnum_u64(v, 0,
			    UINT64_MAX, &num) == 0) {
				struct sbuf *t = sbuf_new(64);

				if (num == 0)
					json_null(j);
				else {
					fmt_time(t, num);
					json_string(j, sbuf_str(t));
				}
				sbuf_free(&t);
			} else if (*v == '\0' && f->type == F_STR)
				json_null(j);
			else
				json_string(j, v);
		}
		json_object_end(j);
	}
	json_array_end(j);
}

/* queue_rcpt_print - a record's recipients, one indented line each */
static void
queue_rcpt_print(const struct ipc_msg *rec)
{
	const char *addr, *state, *attempts, *next, *err;
	struct sbuf *t = sbuf_new(64);
	uint64_t num;
	size_t n;

	for (n = 0; (addr = queue_rcpt_get(rec, CTL_FIELD_RCPT, n)) != NULL;
	    n++) {
		state = queue_rcpt_get(rec, CTL_FIELD_RCPT_STATE, n);
		attempts = queue_rcpt_get(rec, CTL_FIELD_RCPT_ATTEMPTS, n);
		next = queue_rcpt_get(rec, CTL_FIELD_RCPT_NEXT_TRY, n);
		err = queue_rcpt_get(rec, CTL_FIELD_RCPT_ERROR, n);
		sbuf_reset(t);
		if (next != NULL && strnum_u64(next, 0, UINT64_MAX, &num) == 0
		    && num > 0)
			fmt_time(t, num);
		else
			sbuf_appends(t, "now");
		printf("    <%s> %s attempts=%s next=%s%s%s%s\n", addr,
		    state != NULL ? state : "-",
		    attempts != NULL ? attempts : "-", sbuf_str(t),
		    err != NULL && *err != '\0' ? " (" : "",
		    err != NULL ? err : "", err != NULL && *err != '\0' ?
		    ")" : "");
	}
	sbuf_free(&t);
}

/*
 * output_queue - queue list and show: a line per entry (or "key: value"
 * lines for show) and an indented line per recipient; in JSON an array
 * (list) or one object (show), each with a "recipients" array of objects.
 */
static int
output_queue(const struct ctl_cmd *cmd, const struct answer *ans)
{
	int show = strcmp(cmd->name, "show") == 0;
	const struct ipc_msg *rec;
	struct sbuf *out;
	struct json j;
	const struct field *f;
	size_t i, shown = 0;

	if (!opt_json) {
		for (i = 0; i < ans->count; i++) {
			rec = &ans->recs[i];
			if (!record_kind(rec, CTL_REC_QUEUE))
				continue;
			if (show)
				print_show(rec, cmd->fields);
			else {
				struct sbuf *v = sbuf_new(0);

				for (f = cmd->fields; f->attr != NULL; f++) {
					if (f->header == NULL)
						continue;
					sbuf_reset(v);
					fmt_field(v, rec, f);
					printf("%s%s", f == cmd->fields ? "" :
					    "  ", sbuf_str(v));
				}
				if (ipc_get(rec, CTL_FIELD_ERROR) != NULL)
					printf("  (unreadable: %s)",
					    ipc_get(rec, CTL_FIELD_ERROR));
				putchar('\n');
				sbuf_free(&v);
			}
			queue_rcpt_print(rec);
			shown++;
		}
		if (!show && shown == 0)
			printf("the queue is empty\n");
		return (0);
	}
	out = sbuf_new(CTL_JSON_MAX);
	json_init(&j, out);
	if (!show)
		json_array_begin(&j);
	for (i = 0; i < ans->count; i++) {
		rec = &ans->recs[i];
		if (!record_kind(rec, CTL_REC_QUEUE))
			continue;
		json_object_begin(&j);
		for (f = cmd->fields; f->attr != NULL; f++) {
			if (ipc_get(rec, f->attr) == NULL)
				continue;
			json_key(&j, f->key);
			if (f->type == F_STR && strcmp(f->attr,
			    CTL_FIELD_SENDER) == 0)
				json_string(&j, ipc_get(rec, f->attr));
			else
				json_field(&j, rec, f);
		}
		json_key(&j, "recipients");
		queue_rcpt_json(&j, rec);
		json_object_end(&j);
		if (show)
			break;
	}
	if (show && i == ans->count)
		die("the server sent no queue record");
	if (!show)
		json_array_end(&j);
	json_print(&j, out);
	sbuf_free(&out);
	return (0);
}

/* find_cmd - the command named by the words at argv; *used_r words */
static const struct ctl_cmd *
find_cmd(int argc, char **argv, int *used_r)
{
	const struct ctl_cmd *cmd;
	int group_known = 0;

	for (cmd = ctl_cmds; cmd->name != NULL; cmd++) {
		if (cmd->group == NULL) {
			if (strcmp(argv[0], cmd->name) == 0) {
				*used_r = 1;
				return (cmd);
			}
			continue;
		}
		if (strcmp(argv[0], cmd->group) != 0)
			continue;
		group_known = 1;
		if (argc > 1 && strcmp(argv[1], cmd->name) == 0) {
			*used_r = 2;
			return (cmd);
		}
	}
	if (group_known && argc > 1)
		usage_group(argv[0], "unknown %s command: %s", argv[0],
		    argv[1]);
	if (group_known)
		usage_group(argv[0], "%s: which command?", argv[0]);
	usage(NULL, "unknown command: %s", argv[0]);
}

/*
 * put_apop_stdin - "apop=-": the APOP secret is one line of standard
 * input, so it never shows in the process list. Usage errors exit 2.
 */
static void
put_apop_stdin(const struct ctl_cmd *cmd, struct sbuf *req)
{
	char set[sizeof(CTL_KEY_APOP "=") + PASSWORD_MAX];
	const char *error;
	size_t klen = sizeof(CTL_KEY_APOP "=") - 1;
	int ret;

	if (ctl_batch_line > 0 || opt_password_stdin)
		usage(cmd, "apop=- reads standard input, which already holds "
		    "%s", ctl_batch_line > 0 ? "the commands" :
		    "the password");
	memcpy(set, CTL_KEY_APOP "=", klen);
	if (read_line_fd(STDIN_FILENO, set + klen, sizeof(set) - klen,
	    &error) < 0)
		usage(cmd, "cannot read the APOP secret: %s",
		    strcmp(error, "no password on standard input") == 0 ?
		    "nothing on standard input" : error);
	if (set[klen] == '\0')
		usage(cmd, "empty APOP secret on standard input (apop= "
		    "clears it)");
	ret = ipc_put(req, CTL_ATTR_SET, set);
	explicit_bzero(set, sizeof(set));
	if (ret < 0)
		usage(cmd, "APOP secret too long");
}

/*
 * build_request - the request message from the command's words: options
 * picked out (--json, --password-stdin, -a, "--" ends them), arguments
 * counted, key=value checked. Bad usage exits 2.
 */
static struct sbuf *
build_request(const struct ctl_cmd *cmd, int argc, char **argv)
{
	struct sbuf *req = ctl_request = sbuf_new(0);
	char **args = ctl_args = xcalloc((size_t)argc + 1, sizeof(*args));
	int nargs = 0, i, options = 1;

	for (i = 0; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0)
			options = 0;
		else if (options && strcmp(argv[i], "--json") == 0)
			opt_json = 1;
		else if (options && strcmp(argv[i], "--password-stdin") == 0
		    && (cmd->flags & CMD_PASSWORD))
			opt_password_stdin = 1;
		else if (options && (strcmp(argv[i], "-a") == 0
		    || strcmp(argv[i], "--all") == 0) && (cmd->flags & CMD_ALL))
			opt_all = 1;
		else if (options && (strcmp(argv[i], "-d") == 0
		    || strcmp(argv[i], "--defaults") == 0)
		    && (cmd->flags & CMD_ALL))
			opt_all = opt_defaults = 1;
		else if (options && argv[i][0] == '-' && argv[i][1] != '\0')
			usage(cmd, "unknown option: %s", argv[i]);
		else
			args[nargs++] = argv[i];
	}
	for (i = 0; i < nargs; i++)
		if (strncmp(args[i], "password=", 9) == 0)
			usage(cmd, "passwords are not accepted on the command "
			    "line: use --password-stdin");
	if (nargs < cmd->min_args)
		usage(cmd, "missing argument");
	if (cmd->max_args >= 0 && nargs > cmd->max_args)
		usage(cmd, "too many arguments");
	if (nargs > IPC_ATTR_MAX - 8)
		usage(cmd, "too many arguments (at most %d)", IPC_ATTR_MAX - 8);

	if (ipc_put(req, IPC_ATTR_REQUEST, cmd->request) < 0)
		die("cannot build the request");
	if (opt_all && ipc_put(req, CTL_ATTR_ALL, "yes") < 0)
		die("cannot build the request");
	for (i = 0; i < nargs; i++) {
		if (i > 0 && (cmd->flags & CMD_KV) && (strchr(args[i], '=')
		    == NULL || args[i][0] == '='))
			usage(cmd, "expected key=value, got '%s'", args[i]);
		if (i > 0 && (cmd->flags & CMD_KV)
		    && strncmp(args[i], CTL_KEY_PASSWORD_HASH "=",
		    sizeof(CTL_KEY_PASSWORD_HASH)) == 0)
			opt_password_hash = 1;
		if (i > 0 && (cmd->flags & CMD_KV)
		    && strcmp(args[i], CTL_KEY_APOP "=-") == 0) {
			put_apop_stdin(cmd, req);
			continue;
		}
		if (ipc_put(req, i == 0 ? cmd->first_attr : cmd->rest_attr,
		    args[i]) < 0)
			usage(cmd, "argument too long: %.40s...", args[i]);
	}
	free(ctl_args);
	ctl_args = NULL;
	return (req);
}

/* load_config - find control_socket and control_timeout */
static void
load_config(const char *config_dir, const char *socket_opt)
{
	struct sbuf *path = sbuf_new(0);
	const char *error;

	if (sbuf_appendf(path, "%s/%s", config_dir, ESTUARY_CONF_FILE) < 0)
		die("configuration directory name too long");
	if (param_load(sbuf_str(path), 1, &error) < 0 && socket_opt == NULL)
		die("%s (-s names the control socket without it)", error);
	sbuf_free(&path);
	ctl_socket_path = socket_opt != NULL ? socket_opt :
	    var_control_socket;
}

/*
 * run_command - one command from its words: build the request, ask,
 * print. 0 done, 1 refused (said on stderr). Bad usage exits 2. Outside a
 * batch the connection is made here, after any password prompt, so a slow
 * typist holds no server.
 */
static int
run_command(int argc, char **argv)
{
	const struct ctl_cmd *cmd;
	struct sbuf *req;
	const char *error;
	int used, ret;

	opt_json = opt_json_all;
	opt_all = opt_defaults = opt_password_stdin = opt_password_hash = 0;
	cmd = find_cmd(argc, argv, &used);
	req = build_request(cmd, argc - used, argv + used);
	if ((cmd->flags & CMD_PASSWORD)
	    && (opt_password_stdin || !opt_password_hash)) {
		if (ctl_batch_line > 0)
			usage(cmd, "in a batch, give password_hash=... "
			    "(standard input holds the commands)");
		get_password(cmd, ctl_password, sizeof(ctl_password));
		ret = ipc_put(req, CTL_ATTR_PASSWORD, ctl_password);
		explicit_bzero(ctl_password, sizeof(ctl_password));
		if (ret < 0)
			die("cannot build the request");
	}
	if (ipc_end(req) < 0)
		die("cannot build the request");
	if (ctl_stream == NULL)
		ctl_open();
	ret = ctl_call(req, &ctl_answer, &error);
	sbuf_free(&ctl_request);
	if (ret < 0) {
		fflush(stdout);
		batch_prefix();
		fprintf(stderr, "%s\n", error);
		ret = EXIT_REFUSED;
	} else if (cmd->output != NULL) {
		ret = cmd->output(cmd, &ctl_answer);
	}
	answer_clear(&ctl_answer);
	return (ret);
}

/*
 * run_batch - commands from standard input, one per line, over one
 * connection: words separated by blanks (no quoting), blank lines and
 * '#' comments skipped. A refused command is reported with its line
 * number and the batch goes on; bad usage stops it (exit 2). 0 if every
 * command succeeded, else 1.
 */
static int
run_batch(void)
{
	char *words[IPC_ATTR_MAX], *p, *save;
	size_t size = 0;
	ssize_t len;
	int n, failed = 0;

	ctl_open();
	while ((len = getline(&ctl_batch_buf, &size, stdin)) >= 0) {
		ctl_batch_line++;
		if ((size_t)len > CTL_BATCH_LINE_MAX)
			usage(NULL, "line too long");
		if (memchr(ctl_batch_buf, '\0', (size_t)len) != NULL)
			usage(NULL, "NUL byte in the line");
		for (n = 0, p = strtok_r(ctl_batch_buf, " \t\r\n", &save);
		    p != NULL; p = strtok_r(NULL, " \t\r\n", &save)) {
			if (n == 0 && *p == '#')
				break;
			if (n == IPC_ATTR_MAX - 1)
				usage(NULL, "too many words");
			words[n++] = p;
		}
		if (n == 0)
			continue;
		words[n] = NULL;
		if (strcmp(words[0], "batch") == 0
		    || strcmp(words[0], "help") == 0)
			usage(NULL, "%s: not in a batch", words[0]);
		if (run_command(n, words) != 0)
			failed = 1;
		if (fflush(stdout) != 0)
			die("cannot write the output: %s", strerror(errno));
	}
	if (ferror(stdin))
		die("cannot read standard input: %s", strerror(errno));
	free(ctl_batch_buf);
	ctl_batch_buf = NULL;
	return (failed ? EXIT_REFUSED : 0);
}

/* main - parse, ask, print */
int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config_dir = ESTUARY_CONFDIR, *socket_opt = NULL;
	int ch, used, ret;

	msg_open("estuaryctl", MSG_DEST_STDERR, NULL);
	signal(SIGPIPE, SIG_IGN);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:s:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config_dir = optarg;
			break;
		case 's':
			socket_opt = optarg;
			break;
		case 'j':
			opt_json_all = 1;
			break;
		case 'h':
			usage_all(stdout);
			return (0);
		case ':':
			usage(NULL, "option -%c needs an argument", optopt);
		default:
			if (optopt != 0)
				usage(NULL, "unknown option: -%c", optopt);
			usage(NULL, "unknown option: %s", argv[optind - 1]);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage(NULL, "no command");
	if (strcmp(argv[0], "help") == 0) {
		usage_all(stdout);
		return (0);
	}
	if (strcmp(argv[0], "batch") == 0) {
		if (argc > 1)
			usage(NULL, "batch takes no arguments (commands come "
			    "on standard input)");
		load_config(config_dir, socket_opt);
		ret = run_batch();
	} else {
		/* Usage is checked before the configuration is read. */
		(void)find_cmd(argc, argv, &used);
		load_config(config_dir, socket_opt);
		ret = run_command(argc, argv);
	}
	if (ctl_stream != NULL)
		stream_free(&ctl_stream);
	ipc_msg_clear(&ctl_final);
	free(ctl_answer.recs);
	if (fflush(stdout) != 0 || ferror(stdout))
		die("cannot write the output: %s", strerror(errno));
	return (ret);
}
