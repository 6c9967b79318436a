/*
 * auth - the login checks every mail access service shares (smtpd's AUTH,
 * pop3d, imapd), and a table of recent login failures all worker
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
 *
 * auth_attempt() is the one login path of the access protocols: the table
 * consulted before the protocol's check, a failure counted after it, the
 * log line written; the daemons keep only their reply texts. auth_plain()
 * decodes their SASL PLAIN responses.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stddef.h>
#include <time.h>

#include "name.h"
#include "registry.h"
#include "smtp_parse.h"

enum auth_result {
	AUTH_OK = 0,
	AUTH_FAILED,			/* any rule failed: generic refusal */
	AUTH_DOMAIN_INACTIVE,		/* domain exists but is inactive */
	AUTH_TEMPFAIL,			/* a lookup failed: try later */
	AUTH_THROTTLED,			/* auth_attempt: too many failures */
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

/* auth_result_name - "ok", "failed", "domain-inactive", "tempfail", ... */
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

/* How a login service throttles: its <service>_auth_fail_* parameters. */
struct auth_throttle {
	struct auth_fails *fails;	/* NULL: no throttling, no counting */
	int	limit;			/* failures that stop further tries */
	int	window;			/* seconds a failure is remembered */
	int	delay;			/* seconds to wait before a refusal */
};

/*
 * auth_verify_fn - the protocol's credential check for login (as the
 * client gave it): auth_login() or another mechanism's; on AUTH_OK the
 * normalised address into user_r, else why into *why_r
 */
typedef enum auth_result (*auth_verify_fn)(void *ctx, const char *login,
	    char *user_r, const char **why_r);

/*
 * auth_attempt - one login attempt from the client at peer_addr with
 * mechanism mech (for the log): AUTH_THROTTLED without calling verify
 * when the address ("addr:IP") or the login ("user:LOGIN") has limit
 * failures within window; else verify's result. AUTH_FAILED counts a
 * failure for both keys, AUTH_OK forgets the login's. Throttled and
 * failed attempts wait delay seconds before returning. Logs one line for
 * every result but AUTH_OK ("auth refused|failed|tempfail mech=
 * user=LOGIN reason="), which the caller logs with what it does next.
 * user_r: NAME_ADDRESS_MAX + 1 bytes.
 */
enum auth_result auth_attempt(const struct auth_throttle *th,
	    const char *peer_addr, const char *login, const char *mech,
	    auth_verify_fn verify, void *vctx, char *user_r);

/*
 * auth_plain - decode a SASL PLAIN response (base64, len bytes; the
 * caller maps "=" to empty) into *plain, wiping the decoded copy: 0;
 * -1 malformed, with the decoder's status in *st_r; 1 the authorization
 * identity is not the authentication identity (no proxy logins), logged
 * as a failed PLAIN login. Wipe *plain after use.
 */
int	auth_plain(const char *in, size_t len, struct sasl_plain *plain,
	    enum sasl_status *st_r);

#endif
