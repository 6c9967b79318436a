/*
 * privs - dropping root for the mail owner.
 *
 * The drop sets the supplementary groups to the primary group alone, then
 * the real, effective and saved group ids, then the real, effective and
 * saved user ids, in that order because only root may change groups. It
 * then checks the result instead of trusting the calls: every id is the
 * mail owner's and setuid(0) fails. Lookups go through the reentrant
 * getpwnam_r() family with buffers grown on ERANGE, so a large group or
 * an NSS module with long entries works. Nothing here logs; errors go back
 * to the caller, who must not carry on after a failed drop.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem.h"
#include "privs.h"

#define PRIVS_BUF_MIN	1024
#define PRIVS_BUF_MAX	(1024 * 1024)	/* larger is a broken NSS entry */
#define PRIVS_GROUPS_MAX (65536 + 1)	/* Linux's limit, and the primary */

/* errors that name a system call carry its errno text */
static char privs_error[128];

/* privs_errno - "what: strerror(errno)" in static storage */
static const char *
privs_errno(const char *what)
{
	snprintf(privs_error, sizeof(privs_error), "%s: %s", what,
	    strerror(errno));
	return (privs_error);
}

/* buf_start - a first buffer size for the getpw / getgr calls */
static size_t
buf_start(int name)
{
	long n = sysconf(name);

	return (n > PRIVS_BUF_MIN && n < PRIVS_BUF_MAX ? (size_t)n :
	    PRIVS_BUF_MIN);
}

/*
 * pw_lookup - look a user up by name, or by uid if name is NULL, into pw
 * (strings in *buf, which the caller frees). 1 found, 0 not found, -1
 * error (errno set).
 */
static int
pw_lookup(const char *name, uid_t uid, struct passwd *pw, char **buf)
{
	struct passwd *res = NULL;
	size_t size = buf_start(_SC_GETPW_R_SIZE_MAX);
	int err;

	for (*buf = NULL;; size *= 2) {
		*buf = xrealloc(*buf, size);
		err = name ? getpwnam_r(name, pw, *buf, size, &res) :
		    getpwuid_r(uid, pw, *buf, size, &res);
		if (err != ERANGE || size >= PRIVS_BUF_MAX)
			break;
	}
	if (err == 0)
		return (res != NULL);
	errno = err;
	return (-1);
}

/* gr_by_name - look a group up; as pw_lookup() */
static int
gr_by_name(const char *name, struct group *gr, char **buf)
{
	struct group *res = NULL;
	size_t size = buf_start(_SC_GETGR_R_SIZE_MAX);
	int err;

	for (*buf = NULL;; size *= 2) {
		*buf = xrealloc(*buf, size);
		err = getgrnam_r(name, gr, *buf, size, &res);
		if (err != ERANGE || size >= PRIVS_BUF_MAX)
			break;
	}
	if (err == 0)
		return (res != NULL);
	errno = err;
	return (-1);
}

/* privs_lookup - uid and primary gid of a user */
int
privs_lookup(const char *user, uid_t *uid_r, gid_t *gid_r,
    const char **error_r)
{
	struct passwd pw;
	char *buf;
	int found;

	if (user == NULL || *user == '\0') {
		*error_r = "empty user name";
		return (-1);
	}
	found = pw_lookup(user, 0, &pw, &buf);
	if (found > 0) {
		*uid_r = pw.pw_uid;
		*gid_r = pw.pw_gid;
	} else if (found == 0)
		*error_r = "no such user";
	else
		*error_r = privs_errno("user lookup");
	free(buf);
	return (found > 0 ? 0 : -1);
}

/* privs_check - are all ids the user's, with no way back to root? */
static int
privs_check(uid_t uid, gid_t gid, const char **error_r)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid, groups[2];

	if (getresuid(&ruid, &euid, &suid) < 0) {
		*error_r = privs_errno("getresuid");
		return (-1);
	}
	if (getresgid(&rgid, &egid, &sgid) < 0) {
		*error_r = privs_errno("getresgid");
		return (-1);
	}
	if (ruid != uid || euid != uid || suid != uid || getuid() != uid
	    || geteuid() != uid) {
		*error_r = "user ids did not change";
		return (-1);
	}
	if (rgid != gid || egid != gid || sgid != gid) {
		*error_r = "group ids did not change";
		return (-1);
	}
	if (getgroups(2, groups) != 1 || groups[0] != gid) {
		*error_r = "supplementary groups did not change";
		return (-1);
	}
	if (setuid(0) != -1 || seteuid(0) != -1) {
		*error_r = "root could be regained after dropping privileges";
		return (-1);
	}
	return (0);
}

/*
 * privs_drop - become user if root. A process that is not root does not
 * even look the user up: a developer running the suite as themselves has
 * no use for the mail owner, and may not have one.
 */
int
privs_drop(const char *user, const char **error_r)
{
	uid_t uid;
	gid_t gid;

	if (geteuid() != 0)
		return (0);
	if (privs_lookup(user, &uid, &gid, error_r) < 0)
		return (-1);
	if (uid == 0) {
		*error_r = "mail_owner must not be root";
		return (-1);
	}
	if (gid == 0) {
		*error_r = "mail_owner must not have group id 0";
		return (-1);
	}
	if (setgroups(1, &gid) < 0) {
		*error_r = privs_errno("setgroups");
		return (-1);
	}
	if (setresgid(gid, gid, gid) < 0) {
		*error_r = privs_errno("setresgid");
		return (-1);
	}
	if (setresuid(uid, uid, uid) < 0) {
		*error_r = privs_errno("setresuid");
		return (-1);
	}
	return (privs_check(uid, gid, error_r));
}

/* privs_group_member - is uid (primary gid gid) a member of group? */
int
privs_group_member(uid_t uid, gid_t gid, const char *group)
{
	struct group gr;
	struct passwd pw;
	gid_t want, *list = NULL;
	char *buf;
	int n, size, i, found, member = 0;

	if (group == NULL || *group == '\0')
		return (0);
	found = gr_by_name(group, &gr, &buf);
	want = found > 0 ? gr.gr_gid : 0;
	free(buf);
	if (found <= 0)
		return (0);
	if (want == gid)
		return (1);

	/* supplementary groups need the user's name */
	found = pw_lookup(NULL, uid, &pw, &buf);
	if (found > 0) {
		for (size = 16;; ) {
			list = xreallocarray(list, (size_t)size, sizeof(*list));
			n = size;
			if (getgrouplist(pw.pw_name, gid, list, &n) >= 0)
				break;
			if (size >= PRIVS_GROUPS_MAX) {
				n = 0;
				break;
			}
			size = n > size ? n : size * 2;
			if (size > PRIVS_GROUPS_MAX)
				size = PRIVS_GROUPS_MAX;
		}
		for (i = 0; i < n; i++)
			if (list[i] == want)
				member = 1;
		free(list);
	}
	free(buf);
	return (member);
}
