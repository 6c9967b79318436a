/*
 * service - read and check the service table, services.conf.
 *
 * Every check the master needs before it binds anything is made here, so a
 * bad line stops start-up (or a reload) with "file:line: reason" instead
 * of a half-started suite: names, types, addresses (numeric only, so
 * start-up never waits for DNS), socket paths that fit a sockaddr_un,
 * process numbers within the ranges of their default parameters, program
 * names that cannot leave daemon_directory, and no address or path used
 * twice. "*:PORT" and a bare "PORT" become two addresses, 0.0.0.0:PORT and
 * [::]:PORT, so the IPv6 one must be bound with IPV6_V6ONLY for both to fit.
 *
 * A table is built on the side and handed over only when every line is
 * good. Nothing here logs or exits; msg_panic() if the parameters were not
 * loaded first.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "mem.h"
#include "msg.h"
#include "param.h"
#include "param_table.h"
#include "sbuf.h"
#include "service.h"
#include "strnum.h"

#define SERVICE_LINE_MAX	4096		/* bytes per line */
#define SERVICE_FILE_MAX	(1024 * 1024)	/* bytes per file */
#define SERVICE_NAME_MAX	32
#define SERVICE_PROGRAM_MAX	255		/* a file name */
#define SERVICE_FIXED_COLS	7		/* name .. program */

static struct sbuf *service_err;	/* the last *error_r */

/* service_fail - set service_err from a format; -1 */
static int __attribute__((format(printf, 1, 2)))
service_fail(const char *fmt, ...)
{
	va_list ap;

	if (service_err == NULL)
		service_err = sbuf_new(0);
	sbuf_reset(service_err);
	va_start(ap, fmt);
	(void)sbuf_vappendf(service_err, fmt, ap);
	va_end(ap);
	return (-1);
}

/* service_type_name - the word for a type */
const char *
service_type_name(enum service_type type)
{
	switch (type) {
	case SERVICE_INET:
		return ("inet");
	case SERVICE_UNIX:
		return ("unix");
	case SERVICE_CONTROL:
		return ("control");
	}
	msg_panic("service_type_name: type %d", (int)type);
}

/* service_inet - parse one address; *wild_r says "*:PORT" or "PORT" */
static int
service_inet(const char *spec, struct service_addr *addr, int *wild_r)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&addr->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr->ss;
	char host[INET6_ADDRSTRLEN + 1], text[INET6_ADDRSTRLEN];
	const char *colon, *port, *h;
	size_t hlen;
	int num, n;

	memset(addr, 0, sizeof(*addr));
	*wild_r = 0;
	if (*spec == '\0')
		return (service_fail("empty address"));
	if ((colon = strrchr(spec, ':')) == NULL) {
		h = "*";		/* "25": every address */
		hlen = 1;
		port = spec;
	} else {
		h = spec;
		hlen = (size_t)(colon - spec);
		port = colon + 1;
	}
	if (hlen >= 2 && h[0] == '[' && h[hlen - 1] == ']') {
		h++;
		hlen -= 2;
		if (memchr(h, ':', hlen) == NULL)
			return (service_fail("\"%s\": only an IPv6 address "
			    "goes in brackets", log_safe(spec)));
	} else if (memchr(h, '[', hlen) != NULL || memchr(h, ']', hlen)) {
		return (service_fail("\"%s\": bad brackets (want "
		    "[IPV6]:PORT)", log_safe(spec)));
	} else if (memchr(h, ':', hlen) != NULL) {
		return (service_fail("\"%s\": an IPv6 address needs brackets, "
		    "as in [::1]:25", log_safe(spec)));
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return (service_fail("\"%s\": bad host (want a numeric "
		    "address or *)", log_safe(spec)));
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (strnum_int(port, 1, 65535, &num) < 0) {
		if (*port != '\0' && port[strspn(port, "0123456789")] == '\0')
			return (service_fail("\"%s\": port %s is out of range "
			    "(1..65535)", log_safe(spec), log_safe(port)));
		return (service_fail("\"%s\": bad port \"%s\" (want "
		    "1..65535)", log_safe(spec), log_safe(port)));
	}

	if (strcmp(host, "*") == 0) {
		*wild_r = 1;
		memcpy(host, "0.0.0.0", 8);	/* bounds: 8 < sizeof(host) */
	}
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)num);
		addr->len = sizeof(*sin);
		if (inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text))
		    == NULL)
			msg_panic("service_inet: inet_ntop: %m");
		n = snprintf(addr->text, sizeof(addr->text), "%s:%d", text,
		    num);
	} else if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)num);
		addr->len = sizeof(*sin6);
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text))
		    == NULL)
			msg_panic("service_inet: inet_ntop: %m");
		n = snprintf(addr->text, sizeof(addr->text), "[%s]:%d", text,
		    num);
	} else {
		return (service_fail("\"%s\": host \"%s\" is not a numeric "
		    "address (no DNS here)", log_safe(spec), log_safe(host)));
	}
	if (n < 0 || (size_t)n >= sizeof(addr->text))
		msg_panic("service_inet: address text too long");
	return (0);
}

/* service_parse_inet - one address ("*:25" gives 0.0.0.0:25) */
int
service_parse_inet(const char *spec, struct service_addr *addr,
    const char **error_r)
{
	int wild;

	if (service_inet(spec, addr, &wild) < 0) {
		*error_r = sbuf_str(service_err);
		return (-1);
	}
	return (0);
}

/* service_any6 - [::]:PORT, the IPv6 half of a wildcard */
static void
service_any6(struct service_addr *addr, const struct service_addr *v4)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&addr->ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&v4->ss;

	memset(addr, 0, sizeof(*addr));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_addr = in6addr_any;
	sin6->sin6_port = sin->sin_port;
	addr->len = sizeof(*sin6);
	if (snprintf(addr->text, sizeof(addr->text), "[::]:%u",
	    (unsigned)ntohs(sin->sin_port)) >= (int)sizeof(addr->text))
		msg_panic("service_any6: address text too long");
}

/* service_listen_inet - the comma-separated addresses of an inet service */
static int
service_listen_inet(struct service_def *sd)
{
	struct service_addr addr;
	char *copy, *spec, *next;
	int wild, i, ret = 0;

	copy = xstrdup(sd->listen);
	for (spec = copy; spec != NULL && ret == 0; spec = next) {
		if ((next = strchr(spec, ',')) != NULL)
			*next++ = '\0';
		if (*spec == '\0') {
			ret = service_fail("empty address in \"%s\"",
			    log_safe(sd->listen));
			break;
		}
		if (service_inet(spec, &addr, &wild) < 0) {
			ret = -1;
			break;
		}
		for (i = 0; i <= wild && ret == 0; i++) {
			if (sd->addr_count >= SERVICE_LISTEN_MAX) {
				ret = service_fail("more than %d listen "
				    "addresses", SERVICE_LISTEN_MAX);
				break;
			}
			if (i == 1)	/* after the IPv4 half */
				service_any6(&addr,
				    &sd->addrs[sd->addr_count - 1]);
			sd->addrs[sd->addr_count++] = addr;
		}
	}
	free(copy);
	return (ret);
}

/* service_listen_path - the absolute socket path of a unix service */
static int
service_listen_path(struct service_def *sd)
{
	const char *want = sd->listen;
	struct sockaddr_un sun;
	struct sbuf *sb;
	int ret = 0;

	if (strcmp(want, "-") == 0)
		return (service_fail("a unix service needs a socket path, "
		    "not -"));
	sb = sbuf_new(0);
	if (want[0] != '/') {
		(void)sbuf_appends(sb, var_run_dir);
		if (sbuf_len(sb) == 0 || sb->data[sbuf_len(sb) - 1] != '/')
			(void)sbuf_appendc(sb, '/');
	}
	(void)sbuf_appends(sb, want);
	if (sb->data[0] != '/')
		ret = service_fail("socket path %s is not absolute (see "
		    "run_dir)", log_safe(sb->data));
	else if (sbuf_len(sb) >= sizeof(sun.sun_path))
		ret = service_fail("socket path %s is too long (%zu bytes, "
		    "at most %zu)", log_safe(sb->data), sbuf_len(sb),
		    sizeof(sun.sun_path) - 1);
	else
		sd->path = xstrdup(sb->data);
	sbuf_free(&sb);
	return (ret);
}

/* service_number - one numeric column, "-" meaning dflt */
static int
service_number(const char *col, const char *text, int dflt,
    const char *param, int *val_r)
{
	const struct param_def *def;

	if (strcmp(text, "-") == 0) {
		*val_r = dflt;
		return (0);
	}

	/* The ranges of the default parameters hold for each service. */
	if ((def = param_find(param)) == NULL)
		msg_panic("service_number: no parameter %s", param);
	if (strnum_int(text, (int)def->min, (int)def->max, val_r) == 0)
		return (0);
	if (text[strspn(text, "0123456789")] != '\0')
		return (service_fail("%s: \"%s\" is not a number or -", col,
		    log_safe(text)));
	return (service_fail("%s: %s is out of range (%llu..%llu)", col,
	    log_safe(text), (unsigned long long)def->min,
	    (unsigned long long)def->max));
}

/* service_name_ok - [a-z0-9_-]{1,32}? */
static int
service_name_ok(const char *name)
{
	size_t n = strlen(name);

	return (n >= 1 && n <= SERVICE_NAME_MAX &&
	    strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n);
}

/* service_program_ok - the program column; -1 with service_err */
static int
service_program_ok(const char *prog)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-";
	size_t n = strlen(prog);

	if (strchr(prog, '/') != NULL)
		return (service_fail("program \"%s\" must be a name under "
		    "daemon_directory, not a path", log_safe(prog)));
	if (strspn(prog, ok) != n || strcmp(prog, ".") == 0 ||
	    strcmp(prog, "..") == 0)
		return (service_fail("program \"%s\": want a name of "
		    "A-Z a-z 0-9 _ . -", log_safe(prog)));
	if (n > SERVICE_PROGRAM_MAX)
		return (service_fail("program name longer than %d bytes",
		    SERVICE_PROGRAM_MAX));
	return (0);
}

/* service_def_free - release one definition */
static void
service_def_free(struct service_def *sd)
{
	int i;

	free(sd->name);
	free(sd->listen);
	free(sd->path);
	free(sd->program);
	for (i = 0; i < sd->argc; i++)
		free(sd->args[i]);
	memset(sd, 0, sizeof(*sd));
}

/* service_conflict - is an address or path of sd used before? */
static int
service_conflict(const struct service_table *tab, const struct service_def *sd)
{
	const struct service_def *o;
	int i, j, k;

	for (i = 0; i < sd->addr_count; i++)
		for (j = 0; j < i; j++)
			if (strcmp(sd->addrs[i].text, sd->addrs[j].text) == 0)
				return (service_fail("listen address %s given "
				    "twice", sd->addrs[i].text));
	for (k = 0; k < tab->count; k++) {
		o = &tab->defs[k];
		if (sd->path != NULL && o->path != NULL &&
		    strcmp(sd->path, o->path) == 0)
			return (service_fail("socket path %s is already used "
			    "by service %s", log_safe(sd->path), o->name));
		for (i = 0; i < sd->addr_count; i++)
			for (j = 0; j < o->addr_count; j++)
				if (strcmp(sd->addrs[i].text,
				    o->addrs[j].text) == 0)
					return (service_fail("listen address "
					    "%s is already used by service %s",
					    sd->addrs[i].text, o->name));
	}
	return (0);
}

/* service_line - one line's columns into sd; -1 with service_err */
static int
service_line(const struct service_table *tab, char **col, int ncol,
    struct service_def *sd)
{
	const struct service_def *o;
	int i;

	if (ncol < SERVICE_FIXED_COLS)
		return (service_fail("too few columns (want name type listen "
		    "limit idle max_use program [args])"));
	if (ncol > SERVICE_FIXED_COLS + SERVICE_ARGS_MAX)
		return (service_fail("more than %d arguments",
		    SERVICE_ARGS_MAX));
	if (!service_name_ok(col[0]))
		return (service_fail("bad service name \"%s\" (want 1 to %d "
		    "of a-z 0-9 _ -)", log_safe(col[0]), SERVICE_NAME_MAX));
	if ((o = service_find(tab, col[0])) != NULL)
		return (service_fail("service %s is already defined on line "
		    "%d", col[0], o->line));
	sd->name = xstrdup(col[0]);
	if (strcmp(col[1], "inet") == 0)
		sd->type = SERVICE_INET;
	else if (strcmp(col[1], "unix") == 0)
		sd->type = SERVICE_UNIX;
	else if (strcmp(col[1], "control") == 0)
		sd->type = SERVICE_CONTROL;
	else
		return (service_fail("unknown type \"%s\" (want inet, unix or "
		    "control)", log_safe(col[1])));

	switch (sd->type) {
	case SERVICE_INET:
		sd->listen = xstrdup(col[2]);
		if (service_listen_inet(sd) < 0)
			return (-1);
		break;
	case SERVICE_CONTROL:
		for (i = 0; i < tab->count; i++)
			if (tab->defs[i].type == SERVICE_CONTROL)
				return (service_fail("a second control "
				    "service (the first is %s on line %d)",
				    tab->defs[i].name, tab->defs[i].line));
		sd->listen = xstrdup(strcmp(col[2], "-") == 0 ?
		    var_control_socket : col[2]);
		if (service_listen_path(sd) < 0)
			return (-1);
		break;
	case SERVICE_UNIX:
		sd->listen = xstrdup(col[2]);
		if (service_listen_path(sd) < 0)
			return (-1);
		break;
	}
	if (service_conflict(tab, sd) < 0)
		return (-1);

	if (service_number("limit", col[3], var_process_limit,
	    "default_process_limit", &sd->process_limit) < 0 ||
	    service_number("idle", col[4], var_idle_min,
	    "default_idle_min", &sd->idle_min) < 0 ||
	    service_number("max_use", col[5], var_max_use,
	    "default_max_use", &sd->max_use) < 0)
		return (-1);
	if (sd->idle_min > sd->process_limit)
		return (service_fail("idle %d is above limit %d",
		    sd->idle_min, sd->process_limit));
	if (service_program_ok(col[6]) < 0)
		return (-1);
	sd->program = xstrdup(col[6]);
	for (i = SERVICE_FIXED_COLS; i < ncol; i++)
		sd->args[sd->argc++] = xstrdup(col[i]);
	sd->args[sd->argc] = NULL;
	return (0);
}

/* service_table_parse - text into tab */
int
service_table_parse(const char *name, const char *text,
    struct service_table *tab, const char **error_r)
{
	struct service_table nt = { NULL, 0 };
	struct service_def sd;
	char *col[SERVICE_FIXED_COLS + SERVICE_ARGS_MAX + 1];
	char buf[SERVICE_LINE_MAX + 1];
	const char *p = text, *eol;
	char *s, *save;
	size_t n;
	int line = 0, ncol, ret = 0;

	if (var_run_dir == NULL || var_control_socket == NULL)
		msg_panic("service_table_parse: parameters not loaded");
	tab->defs = NULL;
	tab->count = 0;
	for (; *p != '\0' && ret == 0; p = *eol ? eol + 1 : eol) {
		line++;
		eol = strchrnul(p, '\n');
		n = (size_t)(eol - p);
		if (n > SERVICE_LINE_MAX) {
			ret = service_fail("%s:%d: line longer than %d bytes",
			    name, line, SERVICE_LINE_MAX);
			break;
		}
		memcpy(buf, p, n);
		buf[n] = '\0';

		/* Columns; one past the most allowed, so excess shows. */
		ncol = 0;
		for (s = strtok_r(buf, " \t\r\f\v", &save); s != NULL &&
		    ncol < (int)(sizeof(col) / sizeof(col[0]));
		    s = strtok_r(NULL, " \t\r\f\v", &save))
			col[ncol++] = s;
		if (ncol == 0 || col[0][0] == '#')
			continue;
		memset(&sd, 0, sizeof(sd));
		sd.line = line;
		if (service_line(&nt, col, ncol, &sd) < 0) {
			service_def_free(&sd);
			s = xstrdup(sbuf_str(service_err));
			ret = service_fail("%s:%d: %s", name, line, s);
			free(s);
			break;
		}
		nt.defs = xreallocarray(nt.defs, (size_t)nt.count + 1,
		    sizeof(*nt.defs));
		nt.defs[nt.count++] = sd;
	}
	if (ret < 0) {
		service_table_free(&nt);
		*error_r = sbuf_str(service_err);
		return (-1);
	}
	*tab = nt;
	return (0);
}

/* service_table_load - read path and parse it */
int
service_table_load(const char *path, struct service_table *tab,
    const char **error_r)
{
	struct sbuf *text = sbuf_new(SERVICE_FILE_MAX);
	const char *nul;
	char buf[8192];
	struct stat st;
	ssize_t n;
	size_t i;
	int fd, line, ret;

	tab->defs = NULL;
	tab->count = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		ret = service_fail("%s: cannot open: %s", path,
		    strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ret = service_fail("%s: not a regular file", path);
		(void)close(fd);
		goto out;
	}
	ret = 0;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = service_fail("%s: read: %s", path,
			    strerror(errno));
			break;
		}
		if (sbuf_append(text, buf, (size_t)n) < 0) {
			ret = service_fail("%s: file larger than %d bytes",
			    path, SERVICE_FILE_MAX);
			break;
		}
	}
	(void)close(fd);
	if (ret == 0 && (nul = memchr(text->data, '\0', sbuf_len(text)))) {
		for (line = 1, i = 0; text->data + i < nul; i++)
			if (text->data[i] == '\n')
				line++;
		ret = service_fail("%s:%d: NUL byte in line", path, line);
	}
	if (ret == 0) {
		ret = service_table_parse(path, text->data, tab, error_r);
		sbuf_free(&text);
		return (ret);
	}
out:
	sbuf_free(&text);
	*error_r = sbuf_str(service_err);
	return (-1);
}

/* service_table_free - release a table */
void
service_table_free(struct service_table *tab)
{
	int i;

	for (i = 0; i < tab->count; i++)
		service_def_free(&tab->defs[i]);
	free(tab->defs);
	tab->defs = NULL;
	tab->count = 0;
}

/* service_find - look a service up by name */
const struct service_def *
service_find(const struct service_table *tab, const char *name)
{
	int i;

	for (i = 0; i < tab->count; i++)
		if (strcmp(tab->defs[i].name, name) == 0)
			return (&tab->defs[i]);
	return (NULL);
}
