/*
 * master_service - running services: directories, listeners, status pipes.
 *
 * Every listener is bound here, by the master, before any worker exists:
 * inet (SO_REUSEADDR, IPV6_V6ONLY on v6, backlog 128), unix (a stale
 * socket removed first; mode 0660, group mail_owner's when root) and
 * control (mode 0660 with group admin_group when root and the group
 * exists, else 0600). All are non-blocking: several workers poll the same
 * socket and the losers of an accept() race must not block.
 *
 * master_services_sync() turns a service table into running services. On
 * a reload it works in two phases so a failure changes nothing: first
 * every listener of the new table is found among the open ones (same
 * address, same socket) or bound anew; only when all of them are there
 * are removed listeners closed and removed services retired. A retired
 * service keeps its status pipe until its last worker has gone.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "master.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "secret.h"
#include "service.h"

#define LISTEN_BACKLOG	128

/* mkdir_parents - create the directories above path (mode 0755) */
static void
mkdir_parents(const char *path)
{
	char *copy = xstrdup(path);
	char *p;

	for (p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) < 0 && errno != EEXIST)
			msg_fatal("mkdir %s: %s", copy, strerror(errno));
		*p = '/';
	}
	free(copy);
}

/*
 * ensure_dir - create path with mode (and, as root, uid:gid) if it is
 * missing. With fix, an existing directory with the wrong owner or mode is
 * corrected. Only the directory itself: following its contents as root
 * would let its owner trick us into chowning files elsewhere.
 */
static void
ensure_dir(const char *path, mode_t mode, uid_t uid, gid_t gid, int fix)
{
	int root = geteuid() == 0;
	struct stat st;
	int fd, created = 0;

	if (*path != '/')
		msg_fatal("directory %s: not an absolute path", path);
	if (mkdir(path, mode) == 0) {
		created = 1;
	} else if (errno == ENOENT) {
		mkdir_parents(path);
		if (mkdir(path, mode) < 0 && errno != EEXIST)
			msg_fatal("mkdir %s: %s", path, strerror(errno));
		created = 1;
	} else if (errno != EEXIST) {
		msg_fatal("mkdir %s: %s", path, strerror(errno));
	}
	if ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC))
	    < 0)
		msg_fatal("open directory %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		msg_fatal("stat %s: %s", path, strerror(errno));
	if (!created && !fix) {
		(void)close(fd);
		return;
	}
	if (root && (st.st_uid != uid || st.st_gid != gid)) {
		if (!created)
			msg_warn("%s: owner %ld:%ld, want %ld:%ld: fixing",
			    path, (long)st.st_uid, (long)st.st_gid, (long)uid,
			    (long)gid);
		if (fchown(fd, uid, gid) < 0)
			msg_fatal("chown %s: %s", path, strerror(errno));
	}
	/* chown clears the set-gid bit, so the mode comes last */
	if ((st.st_mode & 07777) != mode || created)
		if (fchmod(fd, mode) < 0)
			msg_fatal("chmod %s: %s", path, strerror(errno));
	(void)close(fd);
}

/*
 * master_secret_key_init - the key for stored secrets (secret.h), made
 * before any worker runs so admind and the daemons find it: as root
 * root:<mail_owner's group> 0640 (the workers read it, only root writes
 * it), else ours, 0600. An existing key is kept, its owner and mode set
 * again.
 */
static void
master_secret_key_init(void)
{
	int root = geteuid() == 0;
	const char *error;
	int r;

	if (*var_secret_key_file != '/')
		msg_fatal("secret_key_file %s: not an absolute path",
		    var_secret_key_file);
	r = secret_key_create(var_secret_key_file, root ? 0 : (uid_t)-1,
	    root ? master_owner_gid : (gid_t)-1, root ? 0640 : 0600, &error);
	if (r < 0)
		msg_fatal("%s", error);
	if (r > 0)
		msg_info("created the secret key %s", var_secret_key_file);
}

/*
 * master_dirs_init - the directories the suite needs. As root the
 * registry, mail and queue belong to mail_owner (the registry with its
 * group and the set-gid bit, so every file in it stays in that group) and
 * run_dir to root; otherwise everything belongs to whoever runs us.
 */
void
master_dirs_init(void)
{
	uid_t uid = master_owner_uid;
	gid_t gid = master_owner_gid;

	ensure_dir(var_registry_dir, 02770, uid, gid, 1);
	ensure_dir(var_mail_dir, 0750, uid, gid, 0);
	ensure_dir(var_queue_dir, 0750, uid, gid, 0);
	ensure_dir(var_run_dir, 0755, 0, 0, 0);
	master_secret_key_init();
}

/* addr_key - "inet ADDR PORT" for a socket address */
static void
addr_key(const struct service_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)&a->ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		port = ntohs(sin->sin_port);
	} else if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)&a->ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		port = ntohs(sin6->sin6_port);
	}
	if (snprintf(buf, len, "inet %s %d", host, port) >= (int)len)
		buf[len - 1] = '\0';
}

/* listener_perms - mode and group of a UNIX socket by its service type */
static int
listener_perms(const char *path, enum service_type type,
    const char **error_r)
{
	static char errbuf[300];
	mode_t mode = type == SERVICE_UNIX ? 0660 : 0600;
	gid_t gid = (gid_t)-1;
	struct group *gr;

	/* Not root: the socket stays ours, in our own group. */
	if (geteuid() == 0) {
		if (type == SERVICE_UNIX) {
			gid = master_owner_gid;
		} else if ((gr = getgrnam(var_admin_group)) != NULL) {
			mode = 0660;
			gid = gr->gr_gid;
		}
		if (gid != (gid_t)-1 && chown(path, 0, gid) < 0)
			goto fail;
	}
	if (chmod(path, mode) < 0)
		goto fail;
	return (0);
fail:
	snprintf(errbuf, sizeof(errbuf), "%s: %s", path, strerror(errno));
	*error_r = errbuf;
	return (-1);
}

/* listener_open_inet - bind and listen on one TCP address */
static int
listener_open_inet(const struct service_addr *a, struct master_listener *l,
    const char **error_r)
{
	static char errbuf[300];
	int on = 1, fd;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
		goto fail;
	if (a->ss.ss_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &on, sizeof(on)) < 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0
	    || listen(fd, LISTEN_BACKLOG) < 0)
		goto fail;
	l->fd = fd;
	l->path = NULL;
	addr_key(a, l->key, sizeof(l->key));
	return (0);
fail:
	snprintf(errbuf, sizeof(errbuf), "listen on %s: %s", a->text,
	    strerror(errno));
	*error_r = errbuf;
	if (fd >= 0)
		(void)close(fd);
	return (-1);
}

/* listener_open_unix - bind and listen on a UNIX socket path */
static int
listener_open_unix(const char *path, enum service_type type,
    struct master_listener *l, const char **error_r)
{
	static char errbuf[300];
	struct sockaddr_un sun;
	struct stat st;
	mode_t old_umask;
	int fd = -1, ret;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* A socket left by a master that died: remove it. Nothing else. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			errno = EEXIST;
			goto fail;
		}
		if (unlink(path) < 0)
			goto fail;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* Nobody may connect before the mode and group are right. */
	old_umask = umask(0177);
	ret = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (ret < 0 || listen(fd, LISTEN_BACKLOG) < 0)
		goto fail;
	if (listener_perms(path, type, error_r) < 0) {
		(void)unlink(path);
		(void)close(fd);
		return (-1);
	}
	l->fd = fd;
	l->path = xstrdup(path);
	if (snprintf(l->key, sizeof(l->key), "unix %s", path)
	    >= (int)sizeof(l->key))
		l->key[sizeof(l->key) - 1] = '\0';
	return (0);
fail:
	snprintf(errbuf, sizeof(errbuf), "listen on %s: %s", path,
	    strerror(errno));
	*error_r = errbuf;
	if (fd >= 0)
		(void)close(fd);
	return (-1);
}

/* listener_close - close (and for a path, remove) one listener */
static void
listener_close(struct master_listener *l)
{
	if (l->path != NULL) {
		(void)unlink(l->path);
		free(l->path);
		l->path = NULL;
	}
	if (l->fd >= 0)
		(void)close(l->fd);
	l->fd = -1;
}

/* master_service_close_listeners - stop accepting for one service */
void
master_service_close_listeners(struct master_service *svc)
{
	int i;

	for (i = 0; i < svc->listen_count; i++)
		listener_close(&svc->listeners[i]);
	svc->listen_count = 0;
}

/* master_service_find - the running (not retired) service called name */
struct master_service *
master_service_find(const char *name)
{
	struct master_service *svc;

	for (svc = master_services; svc != NULL; svc = svc->next)
		if (svc->def != NULL && strcmp(svc->name, name) == 0)
			return (svc);
	return (NULL);
}

/* service_new - a running service with its status pipe */
static struct master_service *
service_new(const struct service_def *def)
{
	struct master_service *svc = xcalloc(1, sizeof(*svc));
	struct master_service **tail;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		msg_fatal("pipe: %s", strerror(errno));
	if (fcntl(fds[0], F_SETFL, O_NONBLOCK) < 0)
		msg_fatal("fcntl: %s", strerror(errno));
	svc->status_rd = fds[0];
	svc->status_wr = fds[1];
	svc->name = xstrdup(def->name);
	svc->def = def;
	for (tail = &master_services; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = svc;
	return (svc);
}

/* master_service_release - free a service; its workers must be gone */
void
master_service_release(struct master_service *svc)
{
	struct master_service **pp;

	for (pp = &master_services; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == svc) {
			*pp = svc->next;
			break;
		}
	}
	master_service_close_listeners(svc);
	(void)close(svc->status_rd);
	(void)close(svc->status_wr);
	free(svc->name);
	free(svc);
}

/* master_services_close_all - at exit */
void
master_services_close_all(void)
{
	while (master_services != NULL)
		master_service_release(master_services);
}

/* The listeners a new table needs, before they are handed out. */
struct pending {
	struct master_listener l[SERVICE_LISTEN_MAX];
	int	reused[SERVICE_LISTEN_MAX];
	int	count;
};

/* find_open - the open listener with this key, or NULL */
static struct master_listener *
find_open(const char *key)
{
	struct master_service *svc;
	int i;

	for (svc = master_services; svc != NULL; svc = svc->next)
		for (i = 0; i < svc->listen_count; i++)
			if (strcmp(svc->listeners[i].key, key) == 0)
				return (&svc->listeners[i]);
	return (NULL);
}

/* key_taken - is key already among the pending listeners? */
static int
key_taken(const struct pending *pend, int npend, const char *key)
{
	int i, j;

	for (i = 0; i < npend; i++)
		for (j = 0; j < pend[i].count; j++)
			if (strcmp(pend[i].l[j].key, key) == 0)
				return (1);
	return (0);
}

/* pending_add - reuse the open listener with key, or bind a new one */
static int
pending_add(struct pending *pend, int idx, const struct service_def *def,
    const struct service_addr *addr, const char **error_r)
{
	static char errbuf[300];
	struct pending *p = &pend[idx];
	struct master_listener *old, l;
	char key[sizeof(l.key)];
	const char *what;

	if (addr != NULL) {
		addr_key(addr, key, sizeof(key));
		what = addr->text;
	} else {
		if (snprintf(key, sizeof(key), "unix %s", def->path)
		    >= (int)sizeof(key))
			key[sizeof(key) - 1] = '\0';
		what = def->path;
	}
	if (key_taken(pend, idx + 1, key)) {
		snprintf(errbuf, sizeof(errbuf),
		    "service %s: %s is already used by another service",
		    def->name, what);
		*error_r = errbuf;
		return (-1);
	}
	if ((old = find_open(key)) != NULL) {
		l = *old;
		if (l.path != NULL) {
			l.path = xstrdup(l.path);
			if (listener_perms(l.path, def->type, error_r) < 0) {
				free(l.path);
				return (-1);
			}
		}
		p->reused[p->count] = 1;
	} else {
		if ((addr != NULL ? listener_open_inet(addr, &l, error_r)
		    : listener_open_unix(def->path, def->type, &l, error_r))
		    < 0)
			return (-1);
		p->reused[p->count] = 0;
	}
	p->l[p->count++] = l;
	return (0);
}

/* pending_free - undo phase one after a failure */
static void
pending_free(struct pending *pend, int n)
{
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < pend[i].count; j++) {
			if (pend[i].reused[j]) {
				free(pend[i].l[j].path);
			} else {
				listener_close(&pend[i].l[j]);
			}
		}
	}
	free(pend);
}

/*
 * master_services_sync - make the running services match tab (which must
 * outlive them: services point at its rows). 0, or -1 with *error_r and
 * nothing changed.
 */
int
master_services_sync(const struct service_table *tab, const char **error_r)
{
	struct pending *pend = xcalloc(tab->count ? tab->count : 1,
	    sizeof(*pend));
	struct master_service *svc, *next;
	const struct service_def *def;
	int i, j;

	/* Phase one: every listener the new table needs, or nothing. */
	for (i = 0; i < tab->count; i++) {
		def = &tab->defs[i];
		if (def->type == SERVICE_INET) {
			for (j = 0; j < def->addr_count; j++)
				if (pending_add(pend, i, def, &def->addrs[j],
				    error_r) < 0)
					goto fail;
		} else if (pending_add(pend, i, def, NULL, error_r) < 0) {
			goto fail;
		}
	}

	/*
	 * Phase two: close what the new table does not use (the reused
	 * descriptors now belong to the pending entries), retire removed
	 * services, then hand out the listeners.
	 */
	for (svc = master_services; svc != NULL; svc = svc->next) {
		for (j = 0; j < svc->listen_count; j++) {
			if (key_taken(pend, tab->count,
			    svc->listeners[j].key)) {
				free(svc->listeners[j].path);
				svc->listeners[j].path = NULL;
				svc->listeners[j].fd = -1;
			} else {
				msg_info("service %s: closing %s", svc->name,
				    svc->listeners[j].key);
				listener_close(&svc->listeners[j]);
			}
		}
		svc->listen_count = 0;
		if (svc->def != NULL && service_find(tab, svc->name) == NULL) {
			msg_info("service %s: removed", svc->name);
			svc->def = NULL;
		}
	}
	for (i = 0; i < tab->count; i++) {
		def = &tab->defs[i];
		if ((svc = master_service_find(def->name)) == NULL)
			svc = service_new(def);
		svc->def = def;
		for (j = 0; j < pend[i].count; j++)
			svc->listeners[j] = pend[i].l[j];
		svc->listen_count = pend[i].count;
	}
	free(pend);
	/* Retired services without workers can go at once. */
	for (svc = master_services; svc != NULL; svc = next) {
		next = svc->next;
		if (svc->def == NULL && svc->nprocs == 0)
			master_service_release(svc);
	}
	return (0);
fail:
	pending_free(pend, i + 1);
	return (-1);
}
