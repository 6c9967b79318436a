/*
 * check_privs - unit tests for common/privs.c.
 *
 * Lookups use accounts every Unix system has ("root", "nobody"). Drops
 * run in a child process of their own, which reports through its exit
 * status which check failed, so the test process keeps its ids. Run as
 * root, the drop to "nobody" is done and verified for real; run as
 * another user, privs_drop() must change nothing.
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <check.h>

#include "privs.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define NO_SUCH_USER	"estuary-no-such-user"
#define NO_SUCH_GROUP	"estuary-no-such-group"

/* nobody - uid and gid of "nobody" from the system, for comparison */
static void
nobody(uid_t *uid, gid_t *gid)
{
	struct passwd *pw = getpwnam("nobody");

	ck_assert_msg(pw != NULL, "no user \"nobody\" on this system");
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
}

/* run_child - run fn in a child; its exit status (0 = all good) */
static int
run_child(int (*fn)(void))
{
	pid_t pid;
	int status;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		_exit(fn());
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status), "child died of signal %d",
	    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return (WEXITSTATUS(status));
}

static const struct {
	const char *user;
	int	want;
	const char *want_error;
} lookup_cases[] = {
	{ "root", 0, NULL },
	{ "nobody", 0, NULL },
	{ NO_SUCH_USER, -1, "no such user" },
	{ "", -1, "empty user name" },
	{ NULL, -1, "empty user name" },
	{ "ROOT", -1, "no such user" },
	{ "root ", -1, "no such user" },
	{ " root", -1, "no such user" },
	{ "ro\0ot", -1, "no such user" },
	{ "root\0x", 0, NULL },
	{ "root\n", -1, "no such user" },
};

START_TEST(test_lookup)
{
	const char *user = lookup_cases[_i].user, *err = NULL;
	uid_t uid = 4242, want_uid = 4242;
	gid_t gid = 4242, want_gid = 4242;
	struct passwd *pw;
	int got;

	got = privs_lookup(user, &uid, &gid, &err);
	ck_assert_msg(got == lookup_cases[_i].want, "case %d \"%s\": got %d "
	    "(%s), want %d", _i, user ? user : "(null)", got, err ? err : "",
	    lookup_cases[_i].want);
	if (got == 0) {
		pw = getpwnam(user);
		ck_assert_ptr_nonnull(pw);
		want_uid = pw->pw_uid;
		want_gid = pw->pw_gid;
	} else
		ck_assert_msg(err != NULL && strcmp(err,
		    lookup_cases[_i].want_error) == 0, "case %d: got \"%s\", "
		    "want \"%s\"", _i, err ? err : "(null)",
		    lookup_cases[_i].want_error);
	/* unchanged on failure */
	ck_assert_msg(uid == want_uid && gid == want_gid, "case %d: got "
	    "%ld/%ld, want %ld/%ld", _i, (long)uid, (long)gid, (long)want_uid,
	    (long)want_gid);
}
END_TEST

/* root is uid 0, gid 0 everywhere */
START_TEST(test_lookup_root)
{
	const char *err;
	uid_t uid = 1;
	gid_t gid = 1;

	ck_assert_int_eq(privs_lookup("root", &uid, &gid, &err), 0);
	ck_assert_int_eq(uid, 0);
	ck_assert_int_eq(gid, 0);
}
END_TEST

/* A name far longer than any buffer is simply not found. */
START_TEST(test_lookup_long)
{
	char name[8192];
	const char *err = NULL;
	uid_t uid;
	gid_t gid;

	memset(name, 'u', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	ck_assert_int_eq(privs_lookup(name, &uid, &gid, &err), -1);
	ck_assert_str_eq(err, "no such user");
}
END_TEST

/*
 * Child bodies. Exit codes: 0 all good, 1..n the number of the check that
 * failed, so the parent's message says which.
 */
static int
child_drop_nobody(void)
{
	const char *err;
	uid_t uid, ruid, euid, suid;
	gid_t gid, rgid, egid, sgid, groups[4];
	struct passwd *pw = getpwnam("nobody");

	if (pw == NULL)
		return (1);
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (privs_drop("nobody", &err) != 0)
		return (2);
	if (getuid() != uid || geteuid() != uid)
		return (3);
	if (getresuid(&ruid, &euid, &suid) < 0 || suid != uid)
		return (4);
	if (getgid() != gid || getegid() != gid)
		return (5);
	if (getresgid(&rgid, &egid, &sgid) < 0 || sgid != gid)
		return (6);
	if (getgroups(4, groups) != 1 || groups[0] != gid)
		return (7);
	if (setuid(0) != -1 || errno != EPERM)
		return (8);
	if (seteuid(0) != -1 || setgid(0) != -1)
		return (9);
	/* now not root: a second drop is a no-op, even to root */
	if (privs_drop("root", &err) != 0 || geteuid() != uid)
		return (10);
	return (0);
}

static int
child_not_root(void)
{
	const char *err;
	uid_t uid;
	gid_t gid;

	if (geteuid() == 0) {
		/* get out of root first, so the no-op path can be seen */
		if (privs_drop("nobody", &err) != 0)
			return (1);
	}
	uid = geteuid();
	gid = getegid();
	if (privs_drop("nobody", &err) != 0)
		return (2);
	if (privs_drop(NO_SUCH_USER, &err) != 0)
		return (3);
	if (privs_drop("root", &err) != 0)
		return (4);
	if (privs_drop(NULL, &err) != 0)
		return (5);
	if (geteuid() != uid || getegid() != gid)
		return (6);
	return (0);
}

static int
child_refuse_root(void)
{
	const char *err = NULL;

	if (privs_drop("root", &err) != -1)
		return (1);
	if (err == NULL || strcmp(err, "mail_owner must not be root") != 0)
		return (2);
	if (geteuid() != 0 || getuid() != 0)
		return (3);
	err = NULL;
	if (privs_drop(NO_SUCH_USER, &err) != -1)
		return (4);
	if (err == NULL || strcmp(err, "no such user") != 0)
		return (5);
	err = NULL;
	if (privs_drop("", &err) != -1)
		return (6);
	if (err == NULL || strcmp(err, "empty user name") != 0)
		return (7);
	if (geteuid() != 0)
		return (8);
	return (0);
}

START_TEST(test_drop_not_root)
{
	int got = run_child(child_not_root);

	ck_assert_msg(got == 0, "not root: check %d failed", got);
}
END_TEST

START_TEST(test_drop_nobody)
{
	int got;

	if (geteuid() != 0) {
		/* only root can drop; the no-op path is tested above */
		return;
	}
	got = run_child(child_drop_nobody);
	ck_assert_msg(got == 0, "drop to nobody: check %d failed", got);
}
END_TEST

START_TEST(test_drop_refused)
{
	int got;

	if (geteuid() != 0)
		return;
	got = run_child(child_refuse_root);
	ck_assert_msg(got == 0, "drop refused: check %d failed", got);
}
END_TEST

/* privs_group_member with fixed accounts */
START_TEST(test_group_member)
{
	struct group *gr;
	uid_t nuid;
	gid_t ngid;
	char nogroup[256];

	nobody(&nuid, &ngid);
	gr = getgrgid(ngid);
	ck_assert_msg(gr != NULL, "no group for nobody's gid %ld", (long)ngid);
	ck_assert_uint_lt(strlen(gr->gr_name), sizeof(nogroup));
	memcpy(nogroup, gr->gr_name, strlen(gr->gr_name) + 1);

	ck_assert_int_eq(privs_group_member(0, 0, "root"), 1);
	ck_assert_int_eq(privs_group_member(0, 0, NO_SUCH_GROUP), 0);
	ck_assert_int_eq(privs_group_member(0, 0, ""), 0);
	ck_assert_int_eq(privs_group_member(0, 0, NULL), 0);
	ck_assert_int_eq(privs_group_member(0, 0, "ROOT"), 0);
	/* by primary gid alone, whatever the uid */
	ck_assert_int_eq(privs_group_member(nuid, ngid, nogroup), 1);
	ck_assert_int_eq(privs_group_member(nuid, 0, "root"), 1);
	ck_assert_int_eq(privs_group_member(nuid, ngid, "root"), 0);
	/* an unknown uid has no supplementary groups */
	ck_assert_int_eq(privs_group_member(3999999999u, 3999999999u, "root"),
	    0);
}
END_TEST

/*
 * Supplementary membership: a group listing a member whose primary group
 * is another. Taken from this system's group database; a system with none
 * has nothing to check here.
 */
START_TEST(test_group_supplementary)
{
	struct group *gr;
	struct passwd *pw;
	char group[256], member[256];
	uid_t uid = 0;
	gid_t gid = 0, ggid = 0;
	int found = 0;
	size_t i;

	setgrent();
	while (!found && (gr = getgrent()) != NULL) {
		for (i = 0; gr->gr_mem[i] != NULL; i++) {
			if ((pw = getpwnam(gr->gr_mem[i])) == NULL
			    || pw->pw_gid == gr->gr_gid
			    || strlen(gr->gr_name) >= sizeof(group)
			    || strlen(pw->pw_name) >= sizeof(member))
				continue;
			memcpy(group, gr->gr_name, strlen(gr->gr_name) + 1);
			memcpy(member, pw->pw_name, strlen(pw->pw_name) + 1);
			uid = pw->pw_uid;
			gid = pw->pw_gid;
			ggid = gr->gr_gid;
			found = 1;
			break;
		}
	}
	endgrent();
	if (!found)
		return;
	ck_assert_msg(privs_group_member(uid, gid, group) == 1,
	    "%s (uid %ld gid %ld) in %s (gid %ld): got 0, want 1", member,
	    (long)uid, (long)gid, group, (long)ggid);
	/* the same gid on an unknown uid is not a member */
	ck_assert_int_eq(privs_group_member(3999999999u, gid, group),
	    gid == ggid);
}
END_TEST

static Suite *
privs_suite(void)
{
	Suite *s = suite_create("privs");
	TCase *tc;

	tc = tcase_create("lookup");
	tcase_add_loop_test(tc, test_lookup, 0, NELEM(lookup_cases));
	tcase_add_test(tc, test_lookup_root);
	tcase_add_test(tc, test_lookup_long);
	suite_add_tcase(s, tc);

	tc = tcase_create("drop");
	tcase_add_test(tc, test_drop_not_root);
	tcase_add_test(tc, test_drop_nobody);
	tcase_add_test(tc, test_drop_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("group_member");
	tcase_add_test(tc, test_group_member);
	tcase_add_test(tc, test_group_supplementary);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(privs_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
