/*
 * service - the service table, services.conf.
 *
 * One service per line, white-space separated columns:
 *
 *	# name    type     listen               limit idle max_use program [args]
 *	smtp      inet     127.0.0.1:25         100   1    100     smtpd
 *	control   control  -                    4     1    100     admind
 *
 * type is inet (TCP; listen is a comma-separated list of HOST:PORT, with
 * [v6addr]:PORT and *:PORT or PORT alone for every address), unix (a UNIX
 * socket: listen is a path, relative paths are under run_dir; mode 0660,
 * group mail_owner's) or control (the estuaryctl socket: listen "-" means
 * control_socket; mode 0660, group admin_group; its workers also get the
 * master channel). "-" in a numeric column means the default parameter
 * (process_limit, idle_min, max_use). '#' starts a comment line. Errors
 * name file and line.
 */
#ifndef SERVICE_H
#define SERVICE_H

#include <sys/socket.h>

enum service_type {
	SERVICE_INET,
	SERVICE_UNIX,
	SERVICE_CONTROL,
};

#define SERVICE_LISTEN_MAX	8	/* addresses per inet service */
#define SERVICE_ARGS_MAX	16

struct service_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	char	text[80];		/* "127.0.0.1:25", "[::1]:25", "*:25" */
};

struct service_def {
	char   *name;			/* [a-z0-9_-], unique */
	enum service_type type;
	char   *listen;			/* as written (after "-" expansion) */
	struct service_addr addrs[SERVICE_LISTEN_MAX];	/* inet */
	int	addr_count;
	char   *path;			/* unix, control: absolute path */
	int	process_limit;		/* >= 1 */
	int	idle_min;		/* 0 .. process_limit */
	int	max_use;		/* >= 1 */
	char   *program;		/* name under daemon_dir, no '/' */
	char   *args[SERVICE_ARGS_MAX + 1];	/* NULL-terminated */
	int	argc;
	int	line;			/* where it was defined */
};

struct service_table {
	struct service_def *defs;
	int	count;
};

/*
 * service_table_load - read and check path (uses param variables for
 * defaults, run_dir and control_socket, so load estuary.conf first). 0, or
 * -1 with *error_r "path:line: reason" (duplicate name, unknown type, bad
 * address, number out of range, idle above limit, program with '/', more
 * than one control service).
 */
int	service_table_load(const char *path, struct service_table *tab,
	    const char **error_r);

/*
 * service_table_parse - the same over text in memory (name is used in
 * error messages). Pure apart from the param variables it reads.
 */
int	service_table_parse(const char *name, const char *text,
	    struct service_table *tab, const char **error_r);

/* service_table_free - release what the table holds; it is empty afterwards */
void	service_table_free(struct service_table *tab);

/* service_find - the service called name, or NULL */
const struct service_def *service_find(const struct service_table *tab,
	    const char *name);

/*
 * service_parse_inet - one "HOST:PORT" / "[V6]:PORT" / "*:PORT" / "PORT"
 * into addr (numeric hosts only: no DNS at start-up). 0, or -1 with *error_r.
 */
int	service_parse_inet(const char *spec, struct service_addr *addr,
	    const char **error_r);

/* service_type_name - "inet", "unix", "control" */
const char *service_type_name(enum service_type type);

#endif
