/*
 * registry_private - what other common/ modules that keep their own
 * databases in the registry's environment (the mail store's index) need
 * from the registry: the environment handle and the transaction runner
 * with its deadlock retries. Not for daemons: they use registry.h or the
 * module's own API.
 *
 * Databases listed here are created by registry_setup() along with the
 * registry's own, so a process that joins with registry_open() can open
 * them without DB_CREATE.
 */
#ifndef REGISTRY_PRIVATE_H
#define REGISTRY_PRIVATE_H

#include <db.h>

#include "registry.h"

/* The mail store's index (see store.c). */
#define REG_MAILBOXES_FILE	"mailboxes.db"
#define REG_MESSAGES_FILE	"messages.db"

/* Return codes of transaction bodies besides 0 and Berkeley DB's own. */
#define REG_FAIL		(-1)	/* refused; *error_r says why */
#define REG_STOP		(-2)	/* a scan has seen enough */

typedef int (*reg_body_fn)(struct registry *, DB_TXN *, void *,
	    const char **);

/*
 * reg_run - run body in a transaction until it commits (synchronously):
 * 0, or -1 with *error_r. body returns 0 (commit), REG_FAIL (abort,
 * *error_r set), or a Berkeley DB error: deadlocks and lock timeouts are
 * retried after a short random pause (so body may run more than once and
 * must only change state it resets itself), anything else aborts with the
 * library's text. txn_flags go to txn_begin (e.g. DB_READ_COMMITTED).
 */
int	reg_run(struct registry *reg, const char *op, u_int32_t txn_flags,
	    reg_body_fn body, void *ctx, const char **error_r);

/* registry_env - the environment of an open registry (same process only) */
DB_ENV *registry_env(struct registry *reg);

/*
 * registry_db_open - open database file, one of those registry_setup()
 * makes, in the environment of reg (same process only): the handle, or
 * NULL with *error_r
 */
DB     *registry_db_open(struct registry *reg, const char *file,
	    const char **error_r);

/* registry_db_close - close a handle (NULL: none), logging a failure */
void	registry_db_close(DB *db, const char *file);

#endif
