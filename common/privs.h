/*
 * privs - dropping root for the mail owner.
 *
 * Workers start as root only long enough to read TLS keys; then they call
 * privs_drop() before they read a client's first byte. When the process is
 * not root (tests, a developer's laptop) nothing changes and the call
 * succeeds. After a drop, regaining root is checked to fail.
 */
#ifndef PRIVS_H
#define PRIVS_H

#include <sys/types.h>

/* privs_lookup - uid and primary gid of user; 0, or -1 with *error_r */
int	privs_lookup(const char *user, uid_t *uid_r, gid_t *gid_r,
	    const char **error_r);

/*
 * privs_drop - if root, become user (its uid, primary gid, and only that
 * group), and verify that setuid(0) now fails. 0, or -1 with *error_r; a
 * user with uid 0 or gid 0 is refused. When not root it returns 0 at once,
 * without looking user up (it need not exist on a developer's machine).
 * After -1 the ids may be half changed: the caller must exit.
 */
int	privs_drop(const char *user, const char **error_r);

/*
 * privs_group_member - is the user with this uid (and primary gid) a
 * member of group (by name)? 1 yes, 0 no or no such group.
 */
int	privs_group_member(uid_t uid, gid_t gid, const char *group);

#endif
