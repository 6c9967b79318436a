/*
 * registry - the suite's shared Berkeley DB environment: domains, users,
 * aliases (and, later, everything else the daemons share).
 *
 * One transactional environment in registry_dir, used by many processes.
 * Exactly one unprivileged helper forked by the master creates it and runs
 * recovery (registry_setup()) before any worker exists and after every
 * kill-all; everybody else joins without DB_CREATE or DB_RECOVER
 * (registry_open()), so a missing environment is an error, never a fresh
 * unrecovered one. Every process sets an is-alive check and a thread
 * count so the master can run registry_failchk() after a worker dies. The
 * root master never opens the environment: files it created would lock the
 * workers out.
 *
 * Every write is one transaction, committed synchronously (what a client
 * was told is on disk); deadlocks are retried here, reads for update use
 * DB_RMW, keys are taken in a fixed order (domain before user before
 * alias). Records are stored as ipc-encoded attribute lists starting with
 * "v" (format version), so fields can be added without a migration.
 *
 * Names are checked with name.h and lower-cased before any lookup or store.
 * Functions returning int give 0 (or 1 = found) on success and -1 with
 * *error_r on failure; error texts are fit for an administrator
 * ("domain example.org already exists", "user has no domain: ...") and
 * stay valid until the next registry call.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stdint.h>
#include <time.h>

#include "name.h"

#define REGISTRY_FORMAT_VERSION	1

enum reg_state {
	REG_STATE_ACTIVE = 0,
	REG_STATE_INACTIVE = 1,
	REG_STATE_DELETED = 2,
};

/* Services a domain may allow (bit mask). */
#define REG_SVC_SMTP		(1u << 0)
#define REG_SVC_SUBMISSION	(1u << 1)
#define REG_SVC_POP3		(1u << 2)
#define REG_SVC_POP3S		(1u << 3)
#define REG_SVC_IMAP		(1u << 4)
#define REG_SVC_IMAPS		(1u << 5)
#define REG_SVC_ALL		((1u << 6) - 1)

#define REG_ALIAS_TARGETS_MAX	64

struct reg_domain {
	char	name[NAME_DOMAIN_MAX + 1];
	enum reg_state state;
	unsigned services;			/* REG_SVC_* */
	char	admin[NAME_ADDRESS_MAX + 1];	/* "" = none */
	char	postmaster[NAME_ADDRESS_MAX + 1];	/* "" = none */
	uint64_t quota_bytes;			/* user default; 0 = none */
	uint64_t quota_messages;		/* user default; 0 = none */
	time_t	created;
};

struct reg_user {
	char	address[NAME_ADDRESS_MAX + 1];
	char	password[512];			/* "{SCHEME}hash"; "" = none */
	enum reg_state state;
	uint64_t quota_bytes;			/* 0 = the domain's default */
	uint64_t quota_messages;		/* 0 = the domain's default */
	time_t	created;
	time_t	last_login;			/* 0 = never */
	char	apop[512];			/* secret.h form; "" = none */
};

struct reg_alias {
	char	address[NAME_ADDRESS_MAX + 1];
	int	target_count;
	char	targets[REG_ALIAS_TARGETS_MAX][NAME_ADDRESS_MAX + 1];
};

struct registry;

struct registry_opts {
	const char *dir;		/* registry_dir */
	uint64_t cache_size;		/* bytes */
	int	max_processes;		/* set_thread_count */
	int	lock_timeout;		/* seconds a lock wait may take; 0 = none */
};

/*
 * registry_setup - create the environment and databases if missing, run
 * normal recovery, checkpoint, close. Call from the unprivileged helper
 * only, with umask 007. 0, or -1 with *error_r.
 */
int	registry_setup(const struct registry_opts *opts, const char **error_r);

/*
 * registry_failchk - join and run DB_ENV->failchk(). 0 when the
 * environment is usable; -1 (with *error_r) when recovery is needed. May
 * hang (see the notes on Berkeley DB 5.3): run it in a child under a time
 * limit.
 */
int	registry_failchk(const struct registry_opts *opts, const char **error_r);

/*
 * registry_checkpoint - join, checkpoint, leave. 0, or -1 with *error_r.
 * It also expires lock waits past lock_timeout: Berkeley DB only checks
 * lock timeouts when its deadlock detector runs, so call this periodically.
 */
int	registry_checkpoint(const struct registry_opts *opts,
	    const char **error_r);

/* registry_open - join the environment (no create, no recovery) */
struct registry *registry_open(const struct registry_opts *opts,
	    const char **error_r);

/* registry_close - leave it and NULL the pointer */
void	registry_close(struct registry **reg);

/*
 * registry_opts_from_params - options from the registry_* parameters
 * (param_table.h: registry_dir, registry_cache_size, ...), which must have
 * been read
 */
void	registry_opts_from_params(struct registry_opts *opts);

/*
 * registry_open_from_params - registry_open() with the options from the
 * parameters; a daemon that cannot join stops here with msg_fatal()
 */
struct registry *registry_open_from_params(void);

/* Text forms, for estuaryctl and logs. */
const char *registry_state_name(enum reg_state state);
int	registry_state_parse(const char *s, enum reg_state *state_r);
/* "smtp,submission,pop3"; "none" for 0. Static storage. */
const char *registry_services_format(unsigned services);
/* "imap,pop3,smtp", "all" or "none"; 0, or -1 with *error_r */
int	registry_services_parse(const char *s, unsigned *services_r,
	    const char **error_r);

/*
 * Domains. domain_add refuses an existing name; domain_update reads the
 * record for update, lets edit() change it (it must not change the name;
 * returning -1 with *error_r aborts), and writes it back, in one
 * transaction; edit() may run more than once (a deadlock retries the
 * transaction), so it must only change the record it is given (the same
 * holds for user_update). domain_del refuses while the domain has users
 * or aliases. domain_get returns 1 found, 0 not found, -1 error.
 */
int	registry_domain_add(struct registry *reg, const struct reg_domain *d,
	    const char **error_r);
int	registry_domain_get(struct registry *reg, const char *name,
	    struct reg_domain *d_r, const char **error_r);
int	registry_domain_update(struct registry *reg, const char *name,
	    int (*edit)(struct reg_domain *d, void *ctx, const char **error_r),
	    void *ctx, const char **error_r);
int	registry_domain_del(struct registry *reg, const char *name,
	    const char **error_r);
/* Calls fn for each domain in name order; fn returning -1 stops (-1). */
int	registry_domain_list(struct registry *reg,
	    int (*fn)(const struct reg_domain *d, void *ctx), void *ctx,
	    const char **error_r);

/*
 * Users. user_add refuses an existing address or alias of the same name, or
 * a domain that is not in the registry. user_list with domain NULL lists
 * all, else that domain's users, in address order.
 */
int	registry_user_add(struct registry *reg, const struct reg_user *u,
	    const char **error_r);
int	registry_user_get(struct registry *reg, const char *address,
	    struct reg_user *u_r, const char **error_r);
int	registry_user_update(struct registry *reg, const char *address,
	    int (*edit)(struct reg_user *u, void *ctx, const char **error_r),
	    void *ctx, const char **error_r);
int	registry_user_del(struct registry *reg, const char *address,
	    const char **error_r);
int	registry_user_list(struct registry *reg, const char *domain,
	    int (*fn)(const struct reg_user *u, void *ctx), void *ctx,
	    const char **error_r);
/* registry_user_count - users in domain (NULL = all); -1 on error */
long	registry_user_count(struct registry *reg, const char *domain,
	    const char **error_r);

/*
 * Aliases: address -> targets. alias_add creates the alias or adds targets
 * to it (duplicates ignored); its domain must be hosted, it must not be a
 * user's address; targets are any valid addresses (hosted or not).
 * alias_del with target NULL removes the alias, else that one target (the
 * alias goes when its last target does).
 */
int	registry_alias_add(struct registry *reg, const char *address,
	    const char *const *targets, int count, const char **error_r);
int	registry_alias_get(struct registry *reg, const char *address,
	    struct reg_alias *a_r, const char **error_r);
int	registry_alias_del(struct registry *reg, const char *address,
	    const char *target, const char **error_r);
int	registry_alias_list(struct registry *reg, const char *domain,
	    int (*fn)(const struct reg_alias *a, void *ctx), void *ctx,
	    const char **error_r);

#endif
