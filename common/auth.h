/*
 * auth - the login checks every mail access service shares (smtpd's AUTH,
 * pop3d, later imapd), and a table of recent login failures all worker
 * processes see.
 *
 * auth_check() applies the access rules in their order: the address is
 * well-formed, its domain exists and is active, the domain allows the
 * service, the user exists and is active, and (auth_login) the password
 * matches the stored hash. Which rule failed goes to *why_r for the log
 * only; clients get one generic refusal, except that an inactive domain
 * is a temporary condition (AUTH_DOMAIN_INACTIVE) a protocol may report.
 *
 * The failure table is a small fixed-size file mapped shared by every
 * process (under registry_dir), guarded by flock(): per key ("addr:IP",
 * "user:ADDR") a failure count that decays to nothing after a quiet
 * window. Lost updates under a crash only forget failures; a full table
 * reuses its stalest slot.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>
#include <time.h>

#include "name.h"
#include "registry.h"

enum auth_result {
	AUTH_OK = 0,
	AUTH_FAILED,			/* any rule failed: generic refusal */
	AUTH_DOMAIN_INACTIVE,		/* domain exists but is inactive */
	AUTH_TEMPFAIL,			/* a lookup failed: try later */
};

/*
 * auth_check - every rule but the password, for login (as given by the
 * client) and service (one REG_SVC_* bit). On AUTH_OK the normalised
 * address is in user_r (NAME_ADDRESS_MAX + 1 bytes) and, if u_r is not
 * NULL, the user record in *u_r (wipe its secrets after use). *why_r says
 * why for any other result.
 */
enum auth_result auth_check(struct registry *reg, const char *login,
	    unsigned service, char *user_r, struct reg_user *u_r,
	    const char **why_r);

/* auth_login - auth_check plus the password against the stored hash */
enum auth_result auth_login(struct registry *reg, const char *login,
	    const char *passwd, unsigned service, char *user_r,
	    const char **why_r);

/*
 * auth_login_stamp - record in the registry that user (normalised, as
 * auth_check gives it) logged in at now, in one short transaction. When
 * delay > 0 and the recorded previous login is less than delay seconds
 * before now, nothing is recorded and the result is 0 (RFC 2449
 * LOGIN-DELAY); *last_r (if not NULL) then holds that previous login.
 * 1 recorded (or already recorded for this second), -1 with *error_r.
 */
int	auth_login_stamp(struct registry *reg, const char *user, time_t now,
	    int delay, time_t *last_r, const char **error_r);

/* auth_result_name - "ok", "failed", "domain-inactive", "tempfail" */
const char *auth_result_name(enum auth_result r);

/* The shared failure table. */
struct auth_fails;

#define AUTH_FAILS_FILE		"authfail.tab"	/* under registry_dir */

/*
 * auth_fails_open - map the table at path, creating it (mode 0660) if
 * missing. NULL with *error_r.
 */
struct auth_fails *auth_fails_open(const char *path, const char **error_r);

/* auth_fails_close - unmap, close, NULL the pointer */
void	auth_fails_close(struct auth_fails **af);

/*
 * auth_fails_get - failures recorded for key within window seconds of the
 * last one (0 when none, or when the table is unusable).
 */
unsigned auth_fails_get(struct auth_fails *af, const char *key, int window);

/* auth_fails_add - count one failure for key now; the new count */
unsigned auth_fails_add(struct auth_fails *af, const char *key, int window);

/* auth_fails_clear - forget key (a successful login) */
void	auth_fails_clear(struct auth_fails *af, const char *key);

#endif
