/*
 * registry - the suite's shared Berkeley DB environment.
 *
 * Three btree databases live in the environment: "domains.db" keyed by
 * the domain name, "users.db" and "aliases.db" keyed by "domain NUL
 * localpart", so one domain's users (or aliases) are one range of keys,
 * found with DB_SET_RANGE and listed in address order. (registry_setup()
 * also creates the mail store's index databases, which store.c keeps;
 * see registry_private.h.) Values are ipc
 * attribute lists whose first attribute "v" holds the format version
 * ("MAJOR" or "MAJOR.MINOR"); a reader refuses a newer major version, or a
 * malformed record, with an error naming the key, and ignores attributes it
 * does not know, so fields can be added without a migration. Fields that
 * are missing take their zero value.
 *
 * Every operation runs in one transaction through reg_run(): begin, do the
 * work, commit synchronously. A deadlock or a lock timeout aborts the
 * transaction, and it is retried after a short random pause, up to
 * REG_RETRIES times and never once lock_timeout seconds have passed since
 * the first attempt, so a lock held by a crashed process ends in an error
 * instead of a hang. Keys are always taken in the order domain, user,
 * alias, and records about to be rewritten are read with DB_RMW, so
 * concurrent writers queue instead of deadlocking on lock upgrades.
 *
 * Listings never call back into the caller inside a transaction: records
 * are copied out in batches, the batch's transaction commits, and only then
 * are they decoded and handed to the caller, who may therefore take its
 * time or use the registry itself.
 *
 * Berkeley DB's own error messages go to msg_warn(), its informational
 * ones (what failchk cleaned up after a dead process) to msg_info(). Error
 * texts returned through *error_r live in a static buffer, valid until the
 * next registry call.
 * Handles are per process: an operation on a handle opened by another
 * process (inherited across fork) is a panic.
 */
#include "config.h"

#include <sys/types.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <db.h>

#include "errbuf.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "name.h"
#include "param_table.h"
#include "registry.h"
#include "registry_private.h"
#include "sbuf.h"
#include "strnum.h"

#define REG_DOMAINS_FILE	"domains.db"
#define REG_USERS_FILE		"users.db"
#define REG_ALIASES_FILE	"aliases.db"

#define REG_MODE		0660
#define REG_ENV_FLAGS \
	(DB_INIT_TXN | DB_INIT_LOCK | DB_INIT_LOG | DB_INIT_MPOOL)

#define REG_RETRIES		20	/* attempts per operation */
#define REG_BACKOFF_MAX		50000	/* microseconds */
#define REG_LIST_BATCH		128	/* records per listing transaction */
#define REG_RECORD_MAX		(64 * 1024)	/* largest encoded record */
#define REG_ERROR_MAX		512

/*
 * Lock table sizing, per process that may attach. Each process holds a
 * locker and a handle lock for each of its three database handles, plus a
 * locker per transaction, whose page locks are few (a user add reads the
 * domain, writes a user page, a couple more while a page splits, reads an
 * alias page). Measured with 2,000 processes attached at once, each inside
 * a transaction holding a DB_RMW lock: 5 lockers, 4 locks and 1 object
 * per process, and a 15 MB lock region for the limits below at 2,000.
 */
#define REG_LOCKERS_PER_PROC	8
#define REG_LOCKS_PER_PROC	16
#define REG_OBJECTS_PER_PROC	16
#define REG_LOCK_MIN		1000

/* domain + NUL + local part: the longest user or alias key */
#define REG_KEY_MAX		(NAME_DOMAIN_MAX + 1 + NAME_LOCAL_MAX)

#if defined(__LP64__) || defined(_LP64)
#define REG_TIME_MAX		((uint64_t)INT64_MAX)
#else
#define REG_TIME_MAX		((uint64_t)INT32_MAX)
#endif

struct registry {
	DB_ENV *env;
	DB     *domains;
	DB     *users;
	DB     *aliases;
	pid_t	pid;			/* the process that opened it */
	int	lock_timeout;		/* seconds; 0 = none */
	uint32_t seed;			/* back-off jitter */
	struct sbuf *rec;		/* encoding buffer */
	char   *dir;			/* registry_dir, for error texts */
};

struct reg_key {
	char	buf[REG_KEY_MAX];
	size_t	len;
};

static char reg_errbuf[REG_ERROR_MAX];

static const struct ipc_limits reg_limits = {
	IPC_NAME_MAX, IPC_VALUE_MAX, IPC_ATTR_MAX,
};

static const struct {
	const char *name;
	unsigned bit;
} reg_services[] = {
	{ "smtp", REG_SVC_SMTP },
	{ "submission", REG_SVC_SUBMISSION },
	{ "pop3", REG_SVC_POP3 },
	{ "pop3s", REG_SVC_POP3S },
	{ "imap", REG_SVC_IMAP },
	{ "imaps", REG_SVC_IMAPS },
};

#define REG_NSERVICES	(sizeof(reg_services) / sizeof(reg_services[0]))

static const char *const reg_state_names[] = {
	[REG_STATE_ACTIVE] = "active",
	[REG_STATE_INACTIVE] = "inactive",
	[REG_STATE_DELETED] = "deleted",
};

/* REG_ERROR - format an error text into the static buffer, return it */
#define REG_ERROR(...) \
	errbuf_format(reg_errbuf, sizeof(reg_errbuf), \
	    "registry error (unprintable)", __VA_ARGS__)

/* reg_errcall - Berkeley DB's own diagnostics, into our log */
static void
reg_errcall(const DB_ENV *env, const char *prefix, const char *text)
{
	(void)env;
	(void)prefix;
	msg_warn("registry: %s", text);
}

/* reg_msgcall - Berkeley DB's informational messages (failchk's clean-up) */
static void
reg_msgcall(const DB_ENV *env, const char *text)
{
	(void)env;
	msg_info("registry: %s", text);
}

/*
 * reg_isalive - failchk's question: is this process still there? EPERM
 * means alive under another uid. A zombie counts as alive, so the master
 * reaps a dead worker before it runs failchk.
 */
static int
reg_isalive(DB_ENV *env, pid_t pid, db_threadid_t tid, u_int32_t flags)
{
	int saved = errno;
	int alive;

	(void)env;
	(void)tid;
	(void)flags;
	alive = kill(pid, 0) == 0 || errno == EPERM;
	errno = saved;
	return (alive);
}

/* reg_lock_size - a lock table dimension for max processes, saturating */
static u_int32_t
reg_lock_size(int max_processes, u_int32_t per_proc)
{
	uint64_t n = (uint64_t)max_processes * per_proc;

	if (n < REG_LOCK_MIN)
		n = REG_LOCK_MIN;
	if (n > UINT32_MAX)
		n = UINT32_MAX;
	return ((u_int32_t)n);
}

/*
 * reg_env_open - configure a handle the way every process must (the
 * settings that size regions only count for the process that creates
 * them, the others must match it anyway) and open it with flags.
 */
static DB_ENV *
reg_env_open(const struct registry_opts *opts, u_int32_t flags,
    const char **error_r)
{
	DB_ENV *env;
	const char *what;
	uint64_t cache;
	int ret;

	if (opts->dir == NULL || *opts->dir == '\0') {
		*error_r = "registry: registry_dir is not set";
		return (NULL);
	}
	if (opts->max_processes < 1) {
		*error_r = "registry: max_processes must be at least 1";
		return (NULL);
	}
	if (opts->lock_timeout < 0 || opts->lock_timeout > 4000) {
		*error_r = "registry: lock_timeout out of range (0..4000s)";
		return (NULL);
	}
	if ((ret = db_env_create(&env, 0)) != 0) {
		*error_r = REG_ERROR("registry %s: db_env_create: %s",
		    opts->dir, db_strerror(ret));
		return (NULL);
	}
	env->set_errcall(env, reg_errcall);
	env->set_msgcall(env, reg_msgcall);
	cache = opts->cache_size ? opts->cache_size : 16 * 1024 * 1024;
	what = "set_lk_detect";
	if ((ret = env->set_lk_detect(env, DB_LOCK_DEFAULT)) != 0)
		goto fail;
	what = "set_thread_count";
	if ((ret = env->set_thread_count(env,
	    (u_int32_t)opts->max_processes)) != 0)
		goto fail;
	what = "set_isalive";
	if ((ret = env->set_isalive(env, reg_isalive)) != 0)
		goto fail;
	what = "set_cachesize";
	if ((ret = env->set_cachesize(env, (u_int32_t)(cache >> 30),
	    (u_int32_t)(cache & ((1u << 30) - 1)), 1)) != 0)
		goto fail;
	what = "log_set_config";
	if ((ret = env->log_set_config(env, DB_LOG_AUTO_REMOVE, 1)) != 0)
		goto fail;
	what = "set_lk_max_lockers";
	if ((ret = env->set_lk_max_lockers(env, reg_lock_size(
	    opts->max_processes, REG_LOCKERS_PER_PROC))) != 0)
		goto fail;
	what = "set_lk_max_locks";
	if ((ret = env->set_lk_max_locks(env, reg_lock_size(
	    opts->max_processes, REG_LOCKS_PER_PROC))) != 0)
		goto fail;
	what = "set_lk_max_objects";
	if ((ret = env->set_lk_max_objects(env, reg_lock_size(
	    opts->max_processes, REG_OBJECTS_PER_PROC))) != 0)
		goto fail;
	/* A timed-out wait says so (DB_LOCK_NOTGRANTED), not "deadlock". */
	what = "set_flags";
	if ((ret = env->set_flags(env, DB_TIME_NOTGRANTED, 1)) != 0)
		goto fail;
	what = "set_timeout";
	if (opts->lock_timeout > 0 && (ret = env->set_timeout(env,
	    (db_timeout_t)opts->lock_timeout * 1000000u,
	    DB_SET_LOCK_TIMEOUT)) != 0)
		goto fail;
	what = "open";
	if ((ret = env->open(env, opts->dir, flags, REG_MODE)) != 0)
		goto fail;
	return (env);

fail:
	*error_r = REG_ERROR("registry %s: %s: %s", opts->dir, what,
	    db_strerror(ret));
	(void)env->close(env, 0);
	return (NULL);
}

/* reg_env_close - close an environment handle, logging a failure */
static void
reg_env_close(DB_ENV *env)
{
	int ret;

	if ((ret = env->close(env, 0)) != 0)
		msg_warn("registry: close environment: %s", db_strerror(ret));
}

/* reg_db_open - open one database, creating it if create is set */
static DB *
reg_db_open(DB_ENV *env, const char *dir, const char *file, int create,
    const char **error_r)
{
	DB *db;
	int ret;

	if ((ret = db_create(&db, env, 0)) != 0) {
		*error_r = REG_ERROR("registry %s: db_create %s: %s", dir,
		    file, db_strerror(ret));
		return (NULL);
	}
	if ((ret = db->open(db, NULL, file, NULL, DB_BTREE,
	    DB_AUTO_COMMIT | (create ? DB_CREATE : 0), REG_MODE)) != 0) {
		*error_r = REG_ERROR("registry %s: open %s: %s%s", dir, file,
		    db_strerror(ret), ret == ENOENT ?
		    " (the registry has not been set up)" : "");
		(void)db->close(db, 0);
		return (NULL);
	}
	return (db);
}

/* registry_db_close - close a database handle, logging a failure */
void
registry_db_close(DB *db, const char *file)
{
	int ret;

	if (db != NULL && (ret = db->close(db, 0)) != 0)
		msg_warn("registry: close %s: %s", file, db_strerror(ret));
}

/*
 * reg_env_checkpoint_close - checkpoint (kbyte, min and flags as for
 * txn_checkpoint()), then close the environment, which is closed either
 * way: 0, or -1 with *error_r
 */
static int
reg_env_checkpoint_close(DB_ENV *env, const char *dir, u_int32_t kbyte,
    u_int32_t min, u_int32_t flags, const char **error_r)
{
	int ret;

	if ((ret = env->txn_checkpoint(env, kbyte, min, flags)) != 0) {
		*error_r = REG_ERROR("registry %s: checkpoint: %s", dir,
		    db_strerror(ret));
		reg_env_close(env);
		return (-1);
	}
	if ((ret = env->close(env, 0)) != 0) {
		*error_r = REG_ERROR("registry %s: close: %s", dir,
		    db_strerror(ret));
		return (-1);
	}
	return (0);
}

/* registry_setup - create, recover, checkpoint, close */
int
registry_setup(const struct registry_opts *opts, const char **error_r)
{
	static const char *const files[] = {
		REG_DOMAINS_FILE, REG_USERS_FILE, REG_ALIASES_FILE,
		REG_MAILBOXES_FILE, REG_MESSAGES_FILE,
	};
	DB_ENV *env;
	DB *db;
	size_t i;

	if ((env = reg_env_open(opts, REG_ENV_FLAGS | DB_CREATE | DB_RECOVER,
	    error_r)) == NULL)
		return (-1);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((db = reg_db_open(env, opts->dir, files[i], 1,
		    error_r)) == NULL) {
			reg_env_close(env);
			return (-1);
		}
		registry_db_close(db, files[i]);
	}
	/* Recovery leaves a fresh log: make it the starting point. */
	return (reg_env_checkpoint_close(env, opts->dir, 0, 0, DB_FORCE,
	    error_r));
}

/* registry_failchk - join, ask whether a dead process left damage */
int
registry_failchk(const struct registry_opts *opts, const char **error_r)
{
	DB_ENV *env;
	int ret;

	if ((env = reg_env_open(opts, REG_ENV_FLAGS, error_r)) == NULL)
		return (-1);
	ret = env->failchk(env, 0);
	(void)env->close(env, 0);
	if (ret != 0) {
		*error_r = REG_ERROR("registry %s: failchk: %s", opts->dir,
		    db_strerror(ret));
		return (-1);
	}
	return (0);
}

/*
 * registry_checkpoint - join, checkpoint if a megabyte of log or a minute
 * has gone by since the last one (which also lets old logs go), leave.
 *
 * It also expires lock waits older than the lock timeout. Berkeley DB
 * checks lock timeouts only when its deadlock detector runs, and with
 * set_lk_detect() that happens only when a new lock request blocks: a
 * process waiting on a lock that a wedged or dead process holds would
 * otherwise wait until somebody else happened to collide.
 */
int
registry_checkpoint(const struct registry_opts *opts, const char **error_r)
{
	DB_ENV *env;
	int ret, expired = 0;

	if ((env = reg_env_open(opts, REG_ENV_FLAGS, error_r)) == NULL)
		return (-1);
	if ((ret = env->lock_detect(env, 0, DB_LOCK_EXPIRE, &expired)) != 0)
		msg_warn("registry %s: lock_detect: %s", opts->dir,
		    db_strerror(ret));
	else if (expired > 0)
		msg_warn("registry %s: %d lock wait%s timed out", opts->dir,
		    expired, expired == 1 ? "" : "s");
	return (reg_env_checkpoint_close(env, opts->dir, 1024, 1, 0,
	    error_r));
}

/* registry_open - join the environment and open the databases */
struct registry *
registry_open(const struct registry_opts *opts, const char **error_r)
{
	struct registry *reg;
	DB_ENV *env;

	if ((env = reg_env_open(opts, REG_ENV_FLAGS, error_r)) == NULL)
		return (NULL);
	reg = xcalloc(1, sizeof(*reg));
	reg->env = env;
	reg->dir = xstrdup(opts->dir);
	if ((reg->domains = reg_db_open(env, opts->dir, REG_DOMAINS_FILE, 0,
	    error_r)) == NULL ||
	    (reg->users = reg_db_open(env, opts->dir, REG_USERS_FILE, 0,
	    error_r)) == NULL ||
	    (reg->aliases = reg_db_open(env, opts->dir, REG_ALIASES_FILE, 0,
	    error_r)) == NULL) {
		registry_close(&reg);
		return (NULL);
	}
	reg->pid = getpid();
	reg->lock_timeout = opts->lock_timeout;
	reg->seed = (uint32_t)reg->pid * 2654435761u ^ (uint32_t)time(NULL);
	if (reg->seed == 0)
		reg->seed = 1;
	reg->rec = sbuf_new(REG_RECORD_MAX);
	return (reg);
}

/* registry_opts_from_params - the options the parameters give */
void
registry_opts_from_params(struct registry_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->dir = var_registry_dir;
	opts->cache_size = var_registry_cache_size;
	opts->max_processes = var_registry_max_processes;
	opts->lock_timeout = var_registry_lock_timeout;
}

/* registry_open_from_params - join as the parameters say, or die */
struct registry *
registry_open_from_params(void)
{
	struct registry_opts opts;
	struct registry *reg;
	const char *error;

	registry_opts_from_params(&opts);
	if ((reg = registry_open(&opts, &error)) == NULL)
		msg_fatal("cannot open the registry in %s: %s",
		    var_registry_dir, error);
	return (reg);
}

/* registry_close - close databases and environment, free the handle */
void
registry_close(struct registry **regp)
{
	struct registry *reg = *regp;

	if (reg == NULL)
		return;
	*regp = NULL;
	/*
	 * A handle inherited across fork belongs to the parent: closing it
	 * here would tear down state the parent still uses. Just forget it.
	 * (reg->pid is 0 only while registry_open() fails half-way.)
	 */
	if (reg->pid == 0 || reg->pid == getpid()) {
		registry_db_close(reg->aliases, REG_ALIASES_FILE);
		registry_db_close(reg->users, REG_USERS_FILE);
		registry_db_close(reg->domains, REG_DOMAINS_FILE);
		reg_env_close(reg->env);
	}
	sbuf_free(&reg->rec);
	free(reg->dir);
	free(reg);
}

/* reg_check_pid - a handle must not be used across fork */
static void
reg_check_pid(const struct registry *reg)
{
	if (reg->pid != getpid())
		msg_panic("registry: handle of process %ld used in process %ld",
		    (long)reg->pid, (long)getpid());
}

/* reg_backoff - sleep a short random while before a retry */
static void
reg_backoff(struct registry *reg, int attempt)
{
	struct timespec ts;
	uint32_t x = reg->seed, limit;

	/* xorshift32: cheap jitter so retrying processes drift apart */
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	reg->seed = x;
	limit = attempt >= 6 ? REG_BACKOFF_MAX : 1000u << attempt;
	if (limit > REG_BACKOFF_MAX)
		limit = REG_BACKOFF_MAX;
	ts.tv_sec = 0;
	ts.tv_nsec = (long)(x % limit + 1) * 1000;
	(void)nanosleep(&ts, NULL);
}

/* reg_seconds - a clock for retry limits that wall-clock steps do not move */
static time_t
reg_seconds(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return (time(NULL));
	return (ts.tv_sec);
}

/*
 * reg_run - run body in a transaction until it commits: 0, or -1 with
 * *error_r. body returns 0 (commit), REG_FAIL (abort, *error_r set), or a
 * Berkeley DB error: deadlocks and lock timeouts are retried, anything
 * else aborts with the library's text. Also used by the store's index
 * (registry_private.h).
 */
int
reg_run(struct registry *reg, const char *op, u_int32_t txn_flags,
    reg_body_fn body, void *ctx, const char **error_r)
{
	DB_TXN *txn;
	time_t start = reg_seconds();
	int ret, attempt;

	reg_check_pid(reg);
	for (attempt = 1;; attempt++) {
		if ((ret = reg->env->txn_begin(reg->env, NULL, &txn,
		    txn_flags)) != 0)
			break;
		ret = body(reg, txn, ctx, error_r);
		if (ret == 0) {
			/* commit releases the handle whatever it returns */
			if ((ret = txn->commit(txn, 0)) == 0)
				return (0);
			break;
		}
		(void)txn->abort(txn);
		if (ret == REG_FAIL)
			return (-1);
		if (ret != DB_LOCK_DEADLOCK && ret != DB_LOCK_NOTGRANTED)
			break;
		if (attempt >= REG_RETRIES || (reg->lock_timeout > 0 &&
		    reg_seconds() - start >= reg->lock_timeout))
			break;
		reg_backoff(reg, attempt);
	}
	if (ret == DB_LOCK_NOTGRANTED)
		*error_r = REG_ERROR("registry: %s: lock wait timed out after "
		    "%ds (a crashed process may hold it)", op,
		    reg->lock_timeout);
	else if (ret == DB_LOCK_DEADLOCK)
		*error_r = REG_ERROR("registry: %s: still deadlocked after %d "
		    "attempts", op, attempt);
	else
		*error_r = REG_ERROR("registry: %s: %s", op, db_strerror(ret));
	return (-1);
}

/* registry_env - the environment handle, for registry_private.h users */
DB_ENV *
registry_env(struct registry *reg)
{
	reg_check_pid(reg);
	return (reg->env);
}

/* registry_db_open - open a database registry_setup() made */
DB *
registry_db_open(struct registry *reg, const char *file,
    const char **error_r)
{
	reg_check_pid(reg);
	return (reg_db_open(reg->env, reg->dir, file, 0, error_r));
}

/* reg_dbt - a DBT over n bytes at p */
static void
reg_dbt(DBT *dbt, const void *p, size_t n)
{
	memset(dbt, 0, sizeof(*dbt));
	dbt->data = (void *)p;
	dbt->size = (u_int32_t)n;
}

/* reg_domain_key - check and lower-case a domain name into key */
static int
reg_domain_key(const char *name, struct reg_key *key, const char **error_r)
{
	const char *why;

	if (name == NULL)
		name = "";
	if (name_domain_check(name, &why) < 0) {
		*error_r = REG_ERROR("bad domain name '%s': %s",
		    log_safe(name), why);
		return (-1);
	}
	if (name_normalize(name, key->buf, sizeof(key->buf)) < 0) {
		*error_r = REG_ERROR("bad domain name '%s': too long",
		    log_safe(name));
		return (-1);
	}
	key->len = strlen(key->buf);
	return (0);
}

/*
 * reg_address_key - check and lower-case an address into norm (NAME_ADDRESS_
 * MAX + 1 bytes) and its key "domain NUL local"; domain_key gets the key
 * of its domain. what names the address in errors ("user", "alias").
 */
static int
reg_address_key(const char *what, const char *address, char *norm,
    struct reg_key *key, struct reg_key *domain_key, const char **error_r)
{
	char local[NAME_LOCAL_MAX + 1], domain[NAME_DOMAIN_MAX + 1];
	const char *why;
	size_t dl, ll;

	if (address == NULL)
		address = "";
	if (name_address_check(address, &why) < 0) {
		*error_r = REG_ERROR("bad %s address '%s': %s", what,
		    log_safe(address), why);
		return (-1);
	}
	if (name_normalize(address, norm, NAME_ADDRESS_MAX + 1) < 0 ||
	    name_split(norm, local, sizeof(local), domain,
	    sizeof(domain)) < 0) {
		*error_r = REG_ERROR("bad %s address '%s': too long", what,
		    log_safe(address));
		return (-1);
	}
	dl = strlen(domain);
	ll = strlen(local);
	/* bounds: dl <= NAME_DOMAIN_MAX, ll <= NAME_LOCAL_MAX (split sizes) */
	memcpy(key->buf, domain, dl);
	key->buf[dl] = '\0';
	memcpy(key->buf + dl + 1, local, ll);
	key->len = dl + 1 + ll;
	if (domain_key != NULL) {
		memcpy(domain_key->buf, domain, dl + 1);
		domain_key->len = dl;
	}
	return (0);
}

/*
 * reg_key_address - the address a user or alias key stands for, into
 * addr (NAME_ADDRESS_MAX + 1 bytes); -1 if the key is not well formed.
 */
static int
reg_key_address(const DBT *key, char *addr)
{
	const char *k = key->data, *nul;
	size_t dl, ll;

	if (key->size == 0 || (nul = memchr(k, '\0', key->size)) == NULL)
		return (-1);
	dl = (size_t)(nul - k);
	ll = key->size - dl - 1;
	if (dl == 0 || ll == 0 || dl > NAME_DOMAIN_MAX || ll > NAME_LOCAL_MAX
	    || ll + 1 + dl > NAME_ADDRESS_MAX || memchr(nul + 1, '\0', ll))
		return (-1);
	memcpy(addr, nul + 1, ll);
	addr[ll] = '@';
	memcpy(addr + ll + 1, k, dl);
	addr[ll + 1 + dl] = '\0';
	return (0);
}

/* reg_key_domain - the domain name a domains key stands for */
static int
reg_key_domain(const DBT *key, char *name)
{
	if (key->size == 0 || key->size > NAME_DOMAIN_MAX ||
	    memchr(key->data, '\0', key->size) != NULL)
		return (-1);
	memcpy(name, key->data, key->size);
	name[key->size] = '\0';
	return (0);
}

/*
 * reg_parse - parse a stored record of kind what ("domain", "user",
 * "alias") named name and check its version. 0 with msg filled (clear it),
 * or -1 with *error_r naming the record.
 */
static int
reg_parse(const char *what, const char *name, const DBT *data,
    struct ipc_msg *msg, const char **error_r)
{
	const char *why = NULL, *v, *dot;
	uint64_t major, minor;
	size_t used = 0, mlen;

	ipc_msg_init(msg);
	switch (ipc_parse(data->data, data->size, &reg_limits, msg, &used,
	    &why)) {
	case IPC_PARSE_OK:
		if (used != data->size) {
			why = "bytes after the end";
			goto bad;
		}
		break;
	case IPC_PARSE_MORE:
		why = "truncated";
		goto bad;
	default:
		goto bad;
	}
	if ((v = ipc_get(msg, "v")) == NULL) {
		why = "no format version";
		goto bad;
	}
	dot = strchr(v, '.');
	mlen = dot != NULL ? (size_t)(dot - v) : strlen(v);
	if (strnum_u64_n(v, mlen, 1, UINT32_MAX, &major) < 0 || (dot != NULL &&
	    strnum_u64(dot + 1, 0, UINT32_MAX, &minor) < 0)) {
		why = "bad format version";
		goto bad;
	}
	if (major > REGISTRY_FORMAT_VERSION) {
		*error_r = REG_ERROR("registry: %s %s: record format %s is "
		    "newer than this program understands (%d)", what,
		    log_safe(name), log_safe(v), REGISTRY_FORMAT_VERSION);
		ipc_msg_clear(msg);
		return (-1);
	}
	return (0);

bad:
	*error_r = REG_ERROR("registry: %s %s: malformed record: %s", what,
	    log_safe(name), why ? why : "unparsable");
	ipc_msg_clear(msg);
	return (-1);
}

/* reg_get_num - an optional number attribute in [0, max]; absent = 0 */
static int
reg_get_num(const struct ipc_msg *msg, const char *attr, uint64_t max,
    uint64_t *val_r, const char **why_r)
{
	*val_r = 0;
	if (ipc_get(msg, attr) == NULL)
		return (0);
	if (ipc_get_u64(msg, attr, 0, max, val_r) < 0) {
		*why_r = attr;
		return (-1);
	}
	return (0);
}

/* reg_get_str - an optional text attribute into buf (size); absent = "" */
static int
reg_get_str(const struct ipc_msg *msg, const char *attr, char *buf,
    size_t size, const char **why_r)
{
	const char *v = ipc_get(msg, attr);
	size_t n;

	buf[0] = '\0';
	if (v == NULL)
		return (0);
	if ((n = strlen(v)) >= size) {
		*why_r = attr;
		return (-1);
	}
	memcpy(buf, v, n + 1);
	return (0);
}

/* reg_bad_field - the error for a field that does not decode */
static int
reg_bad_field(const char *what, const char *name, const char *field,
    const char **error_r)
{
	*error_r = REG_ERROR("registry: %s %s: malformed record: bad %s",
	    what, log_safe(name), field);
	return (-1);
}

/* reg_domain_decode - a domains record into d */
static int
reg_domain_decode(const DBT *key, const DBT *data, struct reg_domain *d,
    const char **error_r)
{
	struct ipc_msg msg;
	const char *why = NULL;
	uint64_t state, services, created;
	int bad;

	memset(d, 0, sizeof(*d));
	if (reg_key_domain(key, d->name) < 0) {
		*error_r = REG_ERROR("registry: domain key '%s' is malformed",
		    log_safe_n(key->data, key->size));
		return (-1);
	}
	if (reg_parse("domain", d->name, data, &msg, error_r) < 0)
		return (-1);
	bad = reg_get_num(&msg, "state", REG_STATE_DELETED, &state, &why) < 0
	    || reg_get_num(&msg, "services", UINT32_MAX, &services, &why) < 0
	    || reg_get_str(&msg, "admin", d->admin, sizeof(d->admin),
	    &why) < 0
	    || reg_get_str(&msg, "postmaster", d->postmaster,
	    sizeof(d->postmaster), &why) < 0
	    || reg_get_num(&msg, "quota_bytes", UINT64_MAX, &d->quota_bytes,
	    &why) < 0
	    || reg_get_num(&msg, "quota_messages", UINT64_MAX,
	    &d->quota_messages, &why) < 0
	    || reg_get_num(&msg, "created", REG_TIME_MAX, &created, &why) < 0;
	ipc_msg_clear(&msg);
	if (bad)
		return (reg_bad_field("domain", d->name, why, error_r));
	d->state = (enum reg_state)state;
	/* bits a newer minor version may have added mean nothing here */
	d->services = (unsigned)services & REG_SVC_ALL;
	d->created = (time_t)created;
	return (0);
}

/* reg_user_decode - a users record into u */
static int
reg_user_decode(const DBT *key, const DBT *data, struct reg_user *u,
    const char **error_r)
{
	struct ipc_msg msg;
	const char *why = NULL;
	uint64_t state, created, last;
	int bad;

	memset(u, 0, sizeof(*u));
	if (reg_key_address(key, u->address) < 0) {
		*error_r = REG_ERROR("registry: user key '%s' is malformed",
		    log_safe_n(key->data, key->size));
		return (-1);
	}
	if (reg_parse("user", u->address, data, &msg, error_r) < 0)
		return (-1);
	bad = reg_get_str(&msg, "password", u->password, sizeof(u->password),
	    &why) < 0
	    || reg_get_num(&msg, "state", REG_STATE_DELETED, &state, &why) < 0
	    || reg_get_num(&msg, "quota_bytes", UINT64_MAX, &u->quota_bytes,
	    &why) < 0
	    || reg_get_num(&msg, "quota_messages", UINT64_MAX,
	    &u->quota_messages, &why) < 0
	    || reg_get_num(&msg, "created", REG_TIME_MAX, &created, &why) < 0
	    || reg_get_num(&msg, "last_login", REG_TIME_MAX, &last, &why) < 0
	    || reg_get_str(&msg, "apop", u->apop, sizeof(u->apop), &why) < 0;
	ipc_msg_clear(&msg);
	if (bad)
		return (reg_bad_field("user", u->address, why, error_r));
	u->state = (enum reg_state)state;
	u->created = (time_t)created;
	u->last_login = (time_t)last;
	return (0);
}

/* reg_alias_decode - an aliases record into a */
static int
reg_alias_decode(const DBT *key, const DBT *data, struct reg_alias *a,
    const char **error_r)
{
	struct ipc_msg msg;
	const char *t;
	size_t pos = 0, n;

	a->target_count = 0;
	if (reg_key_address(key, a->address) < 0) {
		*error_r = REG_ERROR("registry: alias key '%s' is malformed",
		    log_safe_n(key->data, key->size));
		return (-1);
	}
	if (reg_parse("alias", a->address, data, &msg, error_r) < 0)
		return (-1);
	while ((t = ipc_get_next(&msg, "target", &pos)) != NULL) {
		if (a->target_count >= REG_ALIAS_TARGETS_MAX ||
		    (n = strlen(t)) == 0 || n > NAME_ADDRESS_MAX) {
			ipc_msg_clear(&msg);
			return (reg_bad_field("alias", a->address, "target",
			    error_r));
		}
		memcpy(a->targets[a->target_count++], t, n + 1);
	}
	ipc_msg_clear(&msg);
	return (0);
}

/* reg_put_time - a time attribute (times before 1970 are stored as 0) */
static int
reg_put_time(struct sbuf *out, const char *attr, time_t t)
{
	return (ipc_put_u64(out, attr, t > 0 ? (uint64_t)t : 0));
}

/* reg_put_opt - a text attribute, left out when empty */
static int
reg_put_opt(struct sbuf *out, const char *attr, const char *value)
{
	return (*value ? ipc_put(out, attr, value) : 0);
}

/* reg_domain_encode - d as a record into out */
static int
reg_domain_encode(const struct reg_domain *d, struct sbuf *out,
    const char **error_r)
{
	sbuf_reset(out);
	if (ipc_put_u64(out, "v", REGISTRY_FORMAT_VERSION) < 0 ||
	    ipc_put_u64(out, "state", (uint64_t)d->state) < 0 ||
	    ipc_put_u64(out, "services", d->services) < 0 ||
	    reg_put_opt(out, "admin", d->admin) < 0 ||
	    reg_put_opt(out, "postmaster", d->postmaster) < 0 ||
	    ipc_put_u64(out, "quota_bytes", d->quota_bytes) < 0 ||
	    ipc_put_u64(out, "quota_messages", d->quota_messages) < 0 ||
	    reg_put_time(out, "created", d->created) < 0 ||
	    ipc_end(out) < 0) {
		*error_r = REG_ERROR("registry: domain %s: cannot encode "
		    "record", d->name);
		return (-1);
	}
	return (0);
}

/* reg_user_encode - u as a record into out */
static int
reg_user_encode(const struct reg_user *u, struct sbuf *out,
    const char **error_r)
{
	sbuf_reset(out);
	if (ipc_put_u64(out, "v", REGISTRY_FORMAT_VERSION) < 0 ||
	    reg_put_opt(out, "password", u->password) < 0 ||
	    ipc_put_u64(out, "state", (uint64_t)u->state) < 0 ||
	    ipc_put_u64(out, "quota_bytes", u->quota_bytes) < 0 ||
	    ipc_put_u64(out, "quota_messages", u->quota_messages) < 0 ||
	    reg_put_time(out, "created", u->created) < 0 ||
	    reg_put_time(out, "last_login", u->last_login) < 0 ||
	    reg_put_opt(out, "apop", u->apop) < 0 ||
	    ipc_end(out) < 0) {
		*error_r = REG_ERROR("registry: user %s: cannot encode record",
		    u->address);
		return (-1);
	}
	return (0);
}

/* reg_alias_encode - a as a record into out */
static int
reg_alias_encode(const struct reg_alias *a, struct sbuf *out,
    const char **error_r)
{
	int i;

	sbuf_reset(out);
	if (ipc_put_u64(out, "v", REGISTRY_FORMAT_VERSION) < 0)
		goto bad;
	for (i = 0; i < a->target_count; i++)
		if (ipc_put(out, "target", a->targets[i]) < 0)
			goto bad;
	if (ipc_end(out) < 0)
		goto bad;
	return (0);

bad:
	*error_r = REG_ERROR("registry: alias %s: cannot encode record",
	    a->address);
	return (-1);
}

/* reg_state_ok - is state one of ours? */
static int
reg_state_ok(enum reg_state state)
{
	return (state == REG_STATE_ACTIVE || state == REG_STATE_INACTIVE ||
	    state == REG_STATE_DELETED);
}

/* reg_opt_address - check and lower-case an optional address field */
static int
reg_opt_address(const char *what, char *addr, const char **error_r)
{
	char norm[NAME_ADDRESS_MAX + 1];
	const char *why;

	if (*addr == '\0')
		return (0);
	if (name_address_check(addr, &why) < 0) {
		*error_r = REG_ERROR("bad %s address '%s': %s", what,
		    log_safe(addr), why);
		return (-1);
	}
	if (name_normalize(addr, norm, sizeof(norm)) < 0) {
		*error_r = REG_ERROR("bad %s address '%s': too long", what,
		    log_safe(addr));
		return (-1);
	}
	/* bounds: addr is a NAME_ADDRESS_MAX + 1 field, as norm is */
	memcpy(addr, norm, strlen(norm) + 1);
	return (0);
}

/* reg_domain_check - validate and normalize a domain record in place */
static int
reg_domain_check(struct reg_domain *d, const char **error_r)
{
	if (!reg_state_ok(d->state)) {
		*error_r = REG_ERROR("domain %s: bad state %d", d->name,
		    (int)d->state);
		return (-1);
	}
	if (d->services & ~REG_SVC_ALL) {
		*error_r = REG_ERROR("domain %s: unknown service bits 0x%x",
		    d->name, d->services & ~REG_SVC_ALL);
		return (-1);
	}
	d->admin[sizeof(d->admin) - 1] = '\0';
	d->postmaster[sizeof(d->postmaster) - 1] = '\0';
	if (reg_opt_address("admin", d->admin, error_r) < 0 ||
	    reg_opt_address("postmaster", d->postmaster, error_r) < 0)
		return (-1);
	return (0);
}

/* reg_user_check - validate a user record in place */
static int
reg_user_check(struct reg_user *u, const char **error_r)
{
	if (!reg_state_ok(u->state)) {
		*error_r = REG_ERROR("user %s: bad state %d", u->address,
		    (int)u->state);
		return (-1);
	}
	if (memchr(u->password, '\0', sizeof(u->password)) == NULL) {
		*error_r = REG_ERROR("user %s: password hash too long",
		    u->address);
		return (-1);
	}
	return (0);
}

/* reg_exists - does key exist in db? 1, 0, or a Berkeley DB error */
static int
reg_exists(DB *db, DB_TXN *txn, const struct reg_key *key, u_int32_t flags)
{
	DBT k, d;
	int ret;

	reg_dbt(&k, key->buf, key->len);
	memset(&d, 0, sizeof(d));
	/* Only existence matters: ask for no bytes of the value. */
	d.flags = DB_DBT_PARTIAL;
	ret = db->get(db, txn, &k, &d, flags);
	if (ret == 0)
		return (1);
	return (ret == DB_NOTFOUND ? 0 : ret);
}

/*
 * reg_scan - call fn for each record of db whose key starts with prefix
 * (every record when plen is 0), beginning at start (a key; NULL = at the
 * prefix) and skipping start itself. fn returns 0 to go on, REG_STOP to
 * end the scan (success), or an error. 0, or the error.
 */
static int
reg_scan(DB *db, DB_TXN *txn, const void *prefix, size_t plen,
    const void *start, size_t slen,
    int (*fn)(const DBT *, const DBT *, void *), void *ctx)
{
	DBC *c;
	DBT k, d;
	u_int32_t op = DB_SET_RANGE;
	int ret, cret;

	if ((ret = db->cursor(db, txn, &c, 0)) != 0)
		return (ret);
	if (start == NULL) {
		start = prefix;
		slen = plen;
	}
	reg_dbt(&k, start, slen);
	memset(&d, 0, sizeof(d));
	if (slen == 0)
		op = DB_FIRST;
	for (;;) {
		if ((ret = c->get(c, &k, &d, op)) != 0) {
			if (ret == DB_NOTFOUND)
				ret = 0;
			break;
		}
		op = DB_NEXT;
		if (k.size < plen || memcmp(k.data, prefix, plen) != 0)
			break;
		if (start != prefix && k.size == slen &&
		    memcmp(k.data, start, slen) == 0)
			continue;
		if ((ret = fn(&k, &d, ctx)) != 0) {
			if (ret == REG_STOP)
				ret = 0;
			break;
		}
	}
	if ((cret = c->close(c)) != 0 && ret == 0)
		ret = cret;
	return (ret);
}

/* reg_count_fn - reg_scan() callback that counts */
static int
reg_count_fn(const DBT *key, const DBT *data, void *ctx)
{
	(void)key;
	(void)data;
	++*(long *)ctx;
	return (0);
}

/*
 * Listing in batches: each transaction copies up to REG_LIST_BATCH records
 * after the last key seen, then the copies are decoded and delivered.
 */
struct reg_batch_item {
	void   *key;
	size_t	key_len;
	void   *data;
	size_t	data_len;
};

struct reg_list {
	DB     *db;
	const void *prefix;
	size_t	prefix_len;
	char	last[REG_KEY_MAX];	/* resume after this key */
	size_t	last_len;
	int	started;
	int	more;			/* the batch was full */
	struct reg_batch_item items[REG_LIST_BATCH];
	int	count;
};

/* reg_batch_clear - free the copies of a batch */
static void
reg_batch_clear(struct reg_list *l)
{
	int i;

	for (i = 0; i < l->count; i++) {
		free(l->items[i].key);
		free(l->items[i].data);
	}
	l->count = 0;
}

/* reg_batch_fn - reg_scan() callback that copies a record into the batch */
static int
reg_batch_fn(const DBT *key, const DBT *data, void *ctx)
{
	struct reg_list *l = ctx;
	struct reg_batch_item *it;

	if (l->count == REG_LIST_BATCH) {
		l->more = 1;
		return (REG_STOP);
	}
	it = &l->items[l->count++];
	it->key = xmemdup(key->data, key->size);
	it->key_len = key->size;
	it->data = xmemdup(data->data, data->size);
	it->data_len = data->size;
	return (0);
}

/* reg_batch_body - transaction body: read one batch */
static int
reg_batch_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_list *l = ctx;

	(void)reg;
	(void)error_r;
	reg_batch_clear(l);
	l->more = 0;
	return (reg_scan(l->db, txn, l->prefix, l->prefix_len,
	    l->started ? l->last : NULL, l->last_len, reg_batch_fn, l));
}

/*
 * reg_list - deliver every record of db under prefix to deliver(), in key
 * order; deliver returns 0 or -1 (stop, *error_r set). 0 or -1.
 */
static int
reg_list(struct registry *reg, const char *op, DB *db, const void *prefix,
    size_t plen, int (*deliver)(const DBT *, const DBT *, void *,
    const char **), void *ctx, const char **error_r)
{
	struct reg_list *l = xcalloc(1, sizeof(*l));
	DBT k, d;
	int i, ret = 0;

	l->db = db;
	l->prefix = prefix;
	l->prefix_len = plen;
	do {
		if (reg_run(reg, op, DB_READ_COMMITTED, reg_batch_body, l,
		    error_r) < 0) {
			ret = -1;
			break;
		}
		for (i = 0; i < l->count && ret == 0; i++) {
			reg_dbt(&k, l->items[i].key, l->items[i].key_len);
			reg_dbt(&d, l->items[i].data, l->items[i].data_len);
			ret = deliver(&k, &d, ctx, error_r);
		}
		if (ret == 0 && l->count > 0) {
			/* bounds: every key of ours is at most REG_KEY_MAX */
			i = l->count - 1;
			if (l->items[i].key_len > sizeof(l->last)) {
				*error_r = REG_ERROR("registry: %s: key too "
				    "long", op);
				ret = -1;
			} else {
				memcpy(l->last, l->items[i].key,
				    l->items[i].key_len);
				l->last_len = l->items[i].key_len;
				l->started = 1;
			}
		}
	} while (ret == 0 && l->more);
	reg_batch_clear(l);
	free(l);
	return (ret);
}

/* Domains. */

struct reg_domain_op {
	struct reg_key key;
	struct reg_domain d;
	int	found;
	int	(*edit)(struct reg_domain *, void *, const char **);
	void   *edit_ctx;
	long	users;
	long	aliases;
};

/* reg_domain_add_body - store a new domain record */
static int
reg_domain_add_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_domain_op *o = ctx;
	DBT k, d;
	int ret;

	reg_dbt(&k, o->key.buf, o->key.len);
	reg_dbt(&d, sbuf_str(reg->rec), sbuf_len(reg->rec));
	ret = reg->domains->put(reg->domains, txn, &k, &d, DB_NOOVERWRITE);
	if (ret == DB_KEYEXIST) {
		*error_r = REG_ERROR("domain %s already exists", o->key.buf);
		return (REG_FAIL);
	}
	return (ret);
}

/* registry_domain_add - add a domain that is not there yet */
int
registry_domain_add(struct registry *reg, const struct reg_domain *d,
    const char **error_r)
{
	struct reg_domain_op o;

	memset(&o, 0, sizeof(o));
	if (reg_domain_key(d->name, &o.key, error_r) < 0)
		return (-1);
	o.d = *d;
	memcpy(o.d.name, o.key.buf, o.key.len + 1);
	if (o.d.created == 0)
		o.d.created = time(NULL);
	if (reg_domain_check(&o.d, error_r) < 0 ||
	    reg_domain_encode(&o.d, reg->rec, error_r) < 0)
		return (-1);
	return (reg_run(reg, "domain add", 0, reg_domain_add_body, &o,
	    error_r));
}

/* reg_domain_read - get and decode a domain record: 1, 0, or an error */
static int
reg_domain_read(struct registry *reg, DB_TXN *txn, const struct reg_key *key,
    u_int32_t flags, struct reg_domain *d_r, const char **error_r)
{
	DBT k, d;
	int ret;

	reg_dbt(&k, key->buf, key->len);
	memset(&d, 0, sizeof(d));
	if ((ret = reg->domains->get(reg->domains, txn, &k, &d, flags)) != 0)
		return (ret == DB_NOTFOUND ? 0 : ret);
	if (reg_domain_decode(&k, &d, d_r, error_r) < 0)
		return (REG_FAIL);
	return (1);
}

/* reg_domain_get_body - read one domain */
static int
reg_domain_get_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_domain_op *o = ctx;
	int ret;

	if ((ret = reg_domain_read(reg, txn, &o->key, 0, &o->d,
	    error_r)) < 0)
		return (ret);
	o->found = ret;
	return (0);
}

/* registry_domain_get - look a domain up */
int
registry_domain_get(struct registry *reg, const char *name,
    struct reg_domain *d_r, const char **error_r)
{
	struct reg_domain_op o;

	memset(&o, 0, sizeof(o));
	if (reg_domain_key(name, &o.key, error_r) < 0 ||
	    reg_run(reg, "domain get", 0, reg_domain_get_body, &o,
	    error_r) < 0)
		return (-1);
	if (o.found)
		*d_r = o.d;
	return (o.found);
}

/* reg_domain_update_body - read for update, edit, write back */
static int
reg_domain_update_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_domain_op *o = ctx;
	DBT k, d;
	int ret;

	if ((ret = reg_domain_read(reg, txn, &o->key, DB_RMW, &o->d,
	    error_r)) < 0)
		return (ret);
	if (ret == 0) {
		*error_r = REG_ERROR("no such domain: %s", o->key.buf);
		return (REG_FAIL);
	}
	*error_r = "domain update refused";
	if (o->edit(&o->d, o->edit_ctx, error_r) < 0)
		return (REG_FAIL);
	o->d.name[sizeof(o->d.name) - 1] = '\0';
	if (strcmp(o->d.name, o->key.buf) != 0) {
		*error_r = REG_ERROR("domain %s: an update may not rename it",
		    o->key.buf);
		return (REG_FAIL);
	}
	if (reg_domain_check(&o->d, error_r) < 0 ||
	    reg_domain_encode(&o->d, reg->rec, error_r) < 0)
		return (REG_FAIL);
	reg_dbt(&k, o->key.buf, o->key.len);
	reg_dbt(&d, sbuf_str(reg->rec), sbuf_len(reg->rec));
	return (reg->domains->put(reg->domains, txn, &k, &d, 0));
}

/* registry_domain_update - change a domain record in one transaction */
int
registry_domain_update(struct registry *reg, const char *name,
    int (*edit)(struct reg_domain *d, void *ctx, const char **error_r),
    void *ctx, const char **error_r)
{
	struct reg_domain_op o;

	memset(&o, 0, sizeof(o));
	if (reg_domain_key(name, &o.key, error_r) < 0)
		return (-1);
	o.edit = edit;
	o.edit_ctx = ctx;
	return (reg_run(reg, "domain update", 0, reg_domain_update_body, &o,
	    error_r));
}

/* reg_domain_del_body - delete a domain that has no users or aliases */
static int
reg_domain_del_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_domain_op *o = ctx;
	char prefix[NAME_DOMAIN_MAX + 1];
	DBT k;
	int ret;

	/* The domain first, for update, so no user_add slips in between. */
	if ((ret = reg_exists(reg->domains, txn, &o->key, DB_RMW)) < 0)
		return (ret);
	if (ret == 0) {
		*error_r = REG_ERROR("no such domain: %s", o->key.buf);
		return (REG_FAIL);
	}
	/* bounds: key.len <= NAME_DOMAIN_MAX, plus the NUL */
	memcpy(prefix, o->key.buf, o->key.len + 1);
	o->users = o->aliases = 0;
	if ((ret = reg_scan(reg->users, txn, prefix, o->key.len + 1, NULL, 0,
	    reg_count_fn, &o->users)) != 0 ||
	    (ret = reg_scan(reg->aliases, txn, prefix, o->key.len + 1, NULL, 0,
	    reg_count_fn, &o->aliases)) != 0)
		return (ret);
	if (o->users > 0 || o->aliases > 0) {
		*error_r = REG_ERROR("domain %s still has %ld user%s and %ld "
		    "alias%s", o->key.buf, o->users, o->users == 1 ? "" : "s",
		    o->aliases, o->aliases == 1 ? "" : "es");
		return (REG_FAIL);
	}
	reg_dbt(&k, o->key.buf, o->key.len);
	return (reg->domains->del(reg->domains, txn, &k, 0));
}

/* registry_domain_del - remove an empty domain */
int
registry_domain_del(struct registry *reg, const char *name,
    const char **error_r)
{
	struct reg_domain_op o;

	memset(&o, 0, sizeof(o));
	if (reg_domain_key(name, &o.key, error_r) < 0)
		return (-1);
	return (reg_run(reg, "domain delete", 0, reg_domain_del_body, &o,
	    error_r));
}

struct reg_domain_list {
	int	(*fn)(const struct reg_domain *, void *);
	void   *ctx;
	struct reg_domain d;
};

/* reg_domain_deliver - decode a listed domain and pass it on */
static int
reg_domain_deliver(const DBT *key, const DBT *data, void *ctx,
    const char **error_r)
{
	struct reg_domain_list *dl = ctx;

	if (reg_domain_decode(key, data, &dl->d, error_r) < 0)
		return (-1);
	if (dl->fn(&dl->d, dl->ctx) < 0) {
		*error_r = "registry: domain listing stopped";
		return (-1);
	}
	return (0);
}

/* registry_domain_list - every domain in name order */
int
registry_domain_list(struct registry *reg,
    int (*fn)(const struct reg_domain *d, void *ctx), void *ctx,
    const char **error_r)
{
	struct reg_domain_list dl;

	dl.fn = fn;
	dl.ctx = ctx;
	return (reg_list(reg, "domain list", reg->domains, "", 0,
	    reg_domain_deliver, &dl, error_r));
}

/* Users. */

struct reg_user_op {
	char	address[NAME_ADDRESS_MAX + 1];
	struct reg_key key;
	struct reg_key domain;
	struct reg_user u;
	int	found;
	int	(*edit)(struct reg_user *, void *, const char **);
	void   *edit_ctx;
};

/* reg_user_add_body - domain must exist, address must be free */
static int
reg_user_add_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_user_op *o = ctx;
	DBT k, d;
	int ret;

	if ((ret = reg_exists(reg->domains, txn, &o->domain, 0)) < 0)
		return (ret);
	if (ret == 0) {
		*error_r = REG_ERROR("user has no domain: %s (add domain %s "
		    "first)", o->address, o->domain.buf);
		return (REG_FAIL);
	}
	reg_dbt(&k, o->key.buf, o->key.len);
	reg_dbt(&d, sbuf_str(reg->rec), sbuf_len(reg->rec));
	ret = reg->users->put(reg->users, txn, &k, &d, DB_NOOVERWRITE);
	if (ret == DB_KEYEXIST) {
		*error_r = REG_ERROR("user %s already exists", o->address);
		return (REG_FAIL);
	}
	if (ret != 0)
		return (ret);
	/* alias last (key order); the abort takes the put back */
	if ((ret = reg_exists(reg->aliases, txn, &o->key, 0)) < 0)
		return (ret);
	if (ret == 1) {
		*error_r = REG_ERROR("%s is an alias", o->address);
		return (REG_FAIL);
	}
	return (0);
}

/* registry_user_add - add a user to a hosted domain */
int
registry_user_add(struct registry *reg, const struct reg_user *u,
    const char **error_r)
{
	struct reg_user_op *o = xcalloc(1, sizeof(*o));
	int ret = -1;

	if (reg_address_key("user", u->address, o->address, &o->key,
	    &o->domain, error_r) < 0)
		goto out;
	o->u = *u;
	memcpy(o->u.address, o->address, sizeof(o->address));
	if (o->u.created == 0)
		o->u.created = time(NULL);
	if (reg_user_check(&o->u, error_r) < 0 ||
	    reg_user_encode(&o->u, reg->rec, error_r) < 0)
		goto out;
	ret = reg_run(reg, "user add", 0, reg_user_add_body, o, error_r);
out:
	explicit_bzero(o, sizeof(*o));
	free(o);
	return (ret);
}

/* reg_user_read - get and decode a user record: 1, 0, or an error */
static int
reg_user_read(struct registry *reg, DB_TXN *txn, const struct reg_key *key,
    u_int32_t flags, struct reg_user *u_r, const char **error_r)
{
	DBT k, d;
	int ret;

	reg_dbt(&k, key->buf, key->len);
	memset(&d, 0, sizeof(d));
	if ((ret = reg->users->get(reg->users, txn, &k, &d, flags)) != 0)
		return (ret == DB_NOTFOUND ? 0 : ret);
	if (reg_user_decode(&k, &d, u_r, error_r) < 0)
		return (REG_FAIL);
	return (1);
}

/* reg_user_get_body - read one user */
static int
reg_user_get_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_user_op *o = ctx;
	int ret;

	if ((ret = reg_user_read(reg, txn, &o->key, 0, &o->u, error_r)) < 0)
		return (ret);
	o->found = ret;
	return (0);
}

/* registry_user_get - look a user up: 1 found, 0 not, -1 error */
int
registry_user_get(struct registry *reg, const char *address,
    struct reg_user *u_r, const char **error_r)
{
	struct reg_user_op *o = xcalloc(1, sizeof(*o));
	int ret = -1;

	if (reg_address_key("user", address, o->address, &o->key, NULL,
	    error_r) == 0 && reg_run(reg, "user get", 0, reg_user_get_body, o,
	    error_r) == 0) {
		if ((ret = o->found) != 0)
			*u_r = o->u;
	}
	explicit_bzero(o, sizeof(*o));
	free(o);
	return (ret);
}

/* reg_user_update_body - read for update, edit, write back */
static int
reg_user_update_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_user_op *o = ctx;
	DBT k, d;
	int ret;

	if ((ret = reg_user_read(reg, txn, &o->key, DB_RMW, &o->u,
	    error_r)) < 0)
		return (ret);
	if (ret == 0) {
		*error_r = REG_ERROR("no such user: %s", o->address);
		return (REG_FAIL);
	}
	*error_r = "user update refused";
	if (o->edit(&o->u, o->edit_ctx, error_r) < 0)
		return (REG_FAIL);
	o->u.address[sizeof(o->u.address) - 1] = '\0';
	if (strcmp(o->u.address, o->address) != 0) {
		*error_r = REG_ERROR("user %s: an update may not rename it",
		    o->address);
		return (REG_FAIL);
	}
	if (reg_user_check(&o->u, error_r) < 0 ||
	    reg_user_encode(&o->u, reg->rec, error_r) < 0)
		return (REG_FAIL);
	reg_dbt(&k, o->key.buf, o->key.len);
	reg_dbt(&d, sbuf_str(reg->rec), sbuf_len(reg->rec));
	return (reg->users->put(reg->users, txn, &k, &d, 0));
}

/* registry_user_update - change a user record in one transaction */
int
registry_user_update(struct registry *reg, const char *address,
    int (*edit)(struct reg_user *u, void *ctx, const char **error_r),
    void *ctx, const char **error_r)
{
	struct reg_user_op *o = xcalloc(1, sizeof(*o));
	int ret = -1;

	if (reg_address_key("user", address, o->address, &o->key, NULL,
	    error_r) == 0) {
		o->edit = edit;
		o->edit_ctx = ctx;
		ret = reg_run(reg, "user update", 0, reg_user_update_body, o,
		    error_r);
	}
	explicit_bzero(o, sizeof(*o));
	free(o);
	return (ret);
}

/* reg_user_del_body - delete one user record */
static int
reg_user_del_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_user_op *o = ctx;
	DBT k;
	int ret;

	reg_dbt(&k, o->key.buf, o->key.len);
	ret = reg->users->del(reg->users, txn, &k, 0);
	if (ret == DB_NOTFOUND) {
		*error_r = REG_ERROR("no such user: %s", o->address);
		return (REG_FAIL);
	}
	return (ret);
}

/* registry_user_del - remove a user */
int
registry_user_del(struct registry *reg, const char *address,
    const char **error_r)
{
	struct reg_user_op *o = xcalloc(1, sizeof(*o));
	int ret = -1;

	if (reg_address_key("user", address, o->address, &o->key, NULL,
	    error_r) == 0)
		ret = reg_run(reg, "user delete", 0, reg_user_del_body, o,
		    error_r);
	free(o);
	return (ret);
}

struct reg_user_list {
	int	(*fn)(const struct reg_user *, void *);
	void   *ctx;
	struct reg_user u;
};

/* reg_user_deliver - decode a listed user and pass it on */
static int
reg_user_deliver(const DBT *key, const DBT *data, void *ctx,
    const char **error_r)
{
	struct reg_user_list *ul = ctx;

	if (reg_user_decode(key, data, &ul->u, error_r) < 0)
		return (-1);
	if (ul->fn(&ul->u, ul->ctx) < 0) {
		*error_r = "registry: user listing stopped";
		return (-1);
	}
	return (0);
}

/* reg_prefix - the key prefix of a domain's users or aliases ("" = all) */
static int
reg_prefix(const char *domain, struct reg_key *prefix, const char **error_r)
{
	prefix->len = 0;
	if (domain == NULL)
		return (0);
	if (reg_domain_key(domain, prefix, error_r) < 0)
		return (-1);
	/* the key's NUL separator belongs to the prefix */
	prefix->len++;
	return (0);
}

/* registry_user_list - users of a domain (NULL = all), in address order */
int
registry_user_list(struct registry *reg, const char *domain,
    int (*fn)(const struct reg_user *u, void *ctx), void *ctx,
    const char **error_r)
{
	struct reg_user_list *ul;
	struct reg_key prefix;
	int ret;

	if (reg_prefix(domain, &prefix, error_r) < 0)
		return (-1);
	ul = xcalloc(1, sizeof(*ul));
	ul->fn = fn;
	ul->ctx = ctx;
	ret = reg_list(reg, "user list", reg->users, prefix.buf, prefix.len,
	    reg_user_deliver, ul, error_r);
	explicit_bzero(ul, sizeof(*ul));
	free(ul);
	return (ret);
}

struct reg_count_op {
	struct reg_key prefix;
	long	count;
};

/* reg_user_count_body - count the users under a prefix */
static int
reg_user_count_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_count_op *o = ctx;

	(void)error_r;
	o->count = 0;
	return (reg_scan(reg->users, txn, o->prefix.buf, o->prefix.len, NULL,
	    0, reg_count_fn, &o->count));
}

/* registry_user_count - users in a domain (NULL = all), or -1 */
long
registry_user_count(struct registry *reg, const char *domain,
    const char **error_r)
{
	struct reg_count_op o;

	if (reg_prefix(domain, &o.prefix, error_r) < 0 ||
	    reg_run(reg, "user count", DB_READ_COMMITTED, reg_user_count_body,
	    &o, error_r) < 0)
		return (-1);
	return (o.count);
}

/* Aliases. */

struct reg_alias_op {
	char	address[NAME_ADDRESS_MAX + 1];
	struct reg_key key;
	struct reg_key domain;
	struct reg_alias a;
	int	found;
	char	(*targets)[NAME_ADDRESS_MAX + 1];	/* normalized */
	int	count;
	int	all;				/* alias_del: every target */
};

/* reg_alias_read - get and decode an alias record: 1, 0, or an error */
static int
reg_alias_read(struct registry *reg, DB_TXN *txn, const struct reg_key *key,
    u_int32_t flags, struct reg_alias *a_r, const char **error_r)
{
	DBT k, d;
	int ret;

	reg_dbt(&k, key->buf, key->len);
	memset(&d, 0, sizeof(d));
	if ((ret = reg->aliases->get(reg->aliases, txn, &k, &d, flags)) != 0)
		return (ret == DB_NOTFOUND ? 0 : ret);
	if (reg_alias_decode(&k, &d, a_r, error_r) < 0)
		return (REG_FAIL);
	return (1);
}

/* reg_alias_put - write an alias record */
static int
reg_alias_put(struct registry *reg, DB_TXN *txn, struct reg_alias_op *o,
    const char **error_r)
{
	DBT k, d;

	if (reg_alias_encode(&o->a, reg->rec, error_r) < 0)
		return (REG_FAIL);
	reg_dbt(&k, o->key.buf, o->key.len);
	reg_dbt(&d, sbuf_str(reg->rec), sbuf_len(reg->rec));
	return (reg->aliases->put(reg->aliases, txn, &k, &d, 0));
}

/* reg_alias_add_body - check domain and users, merge targets, write */
static int
reg_alias_add_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_alias_op *o = ctx;
	int ret, i, j;

	if ((ret = reg_exists(reg->domains, txn, &o->domain, 0)) < 0)
		return (ret);
	if (ret == 0) {
		*error_r = REG_ERROR("alias has no domain: %s (domain %s is "
		    "not hosted)", o->address, o->domain.buf);
		return (REG_FAIL);
	}
	if ((ret = reg_exists(reg->users, txn, &o->key, 0)) < 0)
		return (ret);
	if (ret == 1) {
		*error_r = REG_ERROR("%s is a user", o->address);
		return (REG_FAIL);
	}
	if ((ret = reg_alias_read(reg, txn, &o->key, DB_RMW, &o->a,
	    error_r)) < 0)
		return (ret);
	if (ret == 0) {
		o->a.target_count = 0;
		memcpy(o->a.address, o->address, sizeof(o->address));
	}
	for (i = 0; i < o->count; i++) {
		for (j = 0; j < o->a.target_count; j++)
			if (strcmp(o->a.targets[j], o->targets[i]) == 0)
				break;
		if (j < o->a.target_count)
			continue;
		if (o->a.target_count == REG_ALIAS_TARGETS_MAX) {
			*error_r = REG_ERROR("alias %s would have more than "
			    "%d targets", o->address, REG_ALIAS_TARGETS_MAX);
			return (REG_FAIL);
		}
		memcpy(o->a.targets[o->a.target_count++], o->targets[i],
		    sizeof(o->targets[i]));
	}
	return (reg_alias_put(reg, txn, o, error_r));
}

/* reg_alias_target - check and lower-case one target into buf */
static int
reg_alias_target(const char *target, char *buf, const char **error_r)
{
	const char *why;

	if (target == NULL)
		target = "";
	if (name_address_check(target, &why) < 0) {
		*error_r = REG_ERROR("bad target address '%s': %s",
		    log_safe(target), why);
		return (-1);
	}
	if (name_normalize(target, buf, NAME_ADDRESS_MAX + 1) < 0) {
		*error_r = REG_ERROR("bad target address '%s': too long",
		    log_safe(target));
		return (-1);
	}
	return (0);
}

/* registry_alias_add - create an alias or add targets to it */
int
registry_alias_add(struct registry *reg, const char *address,
    const char *const *targets, int count, const char **error_r)
{
	struct reg_alias_op *o;
	int i, ret = -1;

	if (count < 1 || count > REG_ALIAS_TARGETS_MAX) {
		*error_r = REG_ERROR("an alias takes 1 to %d targets at once",
		    REG_ALIAS_TARGETS_MAX);
		return (-1);
	}
	o = xcalloc(1, sizeof(*o));
	o->targets = xcalloc((size_t)count, sizeof(*o->targets));
	o->count = count;
	if (reg_address_key("alias", address, o->address, &o->key, &o->domain,
	    error_r) < 0)
		goto out;
	for (i = 0; i < count; i++)
		if (reg_alias_target(targets[i], o->targets[i], error_r) < 0)
			goto out;
	ret = reg_run(reg, "alias add", 0, reg_alias_add_body, o, error_r);
out:
	free(o->targets);
	free(o);
	return (ret);
}

/* reg_alias_get_body - read one alias */
static int
reg_alias_get_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_alias_op *o = ctx;
	int ret;

	if ((ret = reg_alias_read(reg, txn, &o->key, 0, &o->a, error_r)) < 0)
		return (ret);
	o->found = ret;
	return (0);
}

/* registry_alias_get - look an alias up: 1 found, 0 not, -1 error */
int
registry_alias_get(struct registry *reg, const char *address,
    struct reg_alias *a_r, const char **error_r)
{
	struct reg_alias_op *o = xcalloc(1, sizeof(*o));
	int ret = -1;

	if (reg_address_key("alias", address, o->address, &o->key, NULL,
	    error_r) == 0 && reg_run(reg, "alias get", 0, reg_alias_get_body,
	    o, error_r) == 0) {
		if ((ret = o->found) != 0)
			*a_r = o->a;
	}
	free(o);
	return (ret);
}

/* reg_alias_del_body - remove the alias or one of its targets */
static int
reg_alias_del_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct reg_alias_op *o = ctx;
	DBT k;
	int ret, i;

	if ((ret = reg_alias_read(reg, txn, &o->key, DB_RMW, &o->a,
	    error_r)) < 0)
		return (ret);
	if (ret == 0) {
		*error_r = REG_ERROR("no such alias: %s", o->address);
		return (REG_FAIL);
	}
	if (!o->all) {
		for (i = 0; i < o->a.target_count; i++)
			if (strcmp(o->a.targets[i], o->targets[0]) == 0)
				break;
		if (i == o->a.target_count) {
			*error_r = REG_ERROR("alias %s has no target %s",
			    o->address, o->targets[0]);
			return (REG_FAIL);
		}
		memmove(o->a.targets[i], o->a.targets[i + 1],
		    (size_t)(o->a.target_count - i - 1) *
		    sizeof(o->a.targets[0]));
		if (--o->a.target_count > 0)
			return (reg_alias_put(reg, txn, o, error_r));
	}
	reg_dbt(&k, o->key.buf, o->key.len);
	return (reg->aliases->del(reg->aliases, txn, &k, 0));
}

/* registry_alias_del - remove an alias (target NULL) or one target */
int
registry_alias_del(struct registry *reg, const char *address,
    const char *target, const char **error_r)
{
	struct reg_alias_op *o = xcalloc(1, sizeof(*o));
	int ret = -1;

	o->targets = xcalloc(1, sizeof(*o->targets));
	o->all = target == NULL;
	if (reg_address_key("alias", address, o->address, &o->key, NULL,
	    error_r) < 0 ||
	    (target != NULL && reg_alias_target(target, o->targets[0],
	    error_r) < 0))
		goto out;
	ret = reg_run(reg, "alias delete", 0, reg_alias_del_body, o, error_r);
out:
	free(o->targets);
	free(o);
	return (ret);
}

struct reg_alias_list {
	int	(*fn)(const struct reg_alias *, void *);
	void   *ctx;
	struct reg_alias a;
};

/* reg_alias_deliver - decode a listed alias and pass it on */
static int
reg_alias_deliver(const DBT *key, const DBT *data, void *ctx,
    const char **error_r)
{
	struct reg_alias_list *al = ctx;

	if (reg_alias_decode(key, data, &al->a, error_r) < 0)
		return (-1);
	if (al->fn(&al->a, al->ctx) < 0) {
		*error_r = "registry: alias listing stopped";
		return (-1);
	}
	return (0);
}

/* registry_alias_list - aliases of a domain (NULL = all), in order */
int
registry_alias_list(struct registry *reg, const char *domain,
    int (*fn)(const struct reg_alias *a, void *ctx), void *ctx,
    const char **error_r)
{
	struct reg_alias_list *al;
	struct reg_key prefix;
	int ret;

	if (reg_prefix(domain, &prefix, error_r) < 0)
		return (-1);
	al = xcalloc(1, sizeof(*al));
	al->fn = fn;
	al->ctx = ctx;
	ret = reg_list(reg, "alias list", reg->aliases, prefix.buf,
	    prefix.len, reg_alias_deliver, al, error_r);
	free(al);
	return (ret);
}

/* Text forms. */

/* registry_state_name - "active", "inactive", "deleted" */
const char *
registry_state_name(enum reg_state state)
{
	if (!reg_state_ok(state))
		return ("unknown");
	return (reg_state_names[state]);
}

/* registry_state_parse - a state name, any case: 0, or -1 */
int
registry_state_parse(const char *s, enum reg_state *state_r)
{
	size_t i;

	if (s == NULL)
		return (-1);
	for (i = 0; i < sizeof(reg_state_names) / sizeof(reg_state_names[0]);
	    i++)
		if (strcasecmp(s, reg_state_names[i]) == 0) {
			*state_r = (enum reg_state)i;
			return (0);
		}
	return (-1);
}

/* registry_services_format - the set bits by name, in bit order */
const char *
registry_services_format(unsigned services)
{
	/* every name and a comma each: well under the size */
	static char buf[64];
	size_t i, len = 0, n;

	if ((services & REG_SVC_ALL) == 0)
		return ("none");
	for (i = 0; i < REG_NSERVICES; i++) {
		if ((services & reg_services[i].bit) == 0)
			continue;
		n = strlen(reg_services[i].name);
		/* bounds: sum of names + commas = 37 < sizeof(buf) */
		if (len > 0)
			buf[len++] = ',';
		memcpy(buf + len, reg_services[i].name, n);
		len += n;
	}
	buf[len] = '\0';
	return (buf);
}

/*
 * registry_services_parse - a comma list of service names in any case,
 * blanks around items allowed, or "all" or "none" alone.
 */
int
registry_services_parse(const char *s, unsigned *services_r,
    const char **error_r)
{
	const char *p, *end, *b, *e;
	unsigned mask = 0;
	int items = 0, alone = 0;
	size_t i, n;

	if (s == NULL)
		s = "";
	for (p = s;; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		for (b = p; b < end && (*b == ' ' || *b == '\t'); b++)
			;
		for (e = end; e > b && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		n = (size_t)(e - b);
		items++;
		if (n == 0) {
			*error_r = "empty item in service list";
			return (-1);
		}
		if (n == 3 && strncasecmp(b, "all", 3) == 0) {
			mask |= REG_SVC_ALL;
			alone = 1;
		} else if (n == 4 && strncasecmp(b, "none", 4) == 0) {
			alone = 1;
		} else {
			for (i = 0; i < REG_NSERVICES; i++)
				if (strlen(reg_services[i].name) == n &&
				    strncasecmp(b, reg_services[i].name,
				    n) == 0)
					break;
			if (i == REG_NSERVICES) {
				*error_r = REG_ERROR("unknown service '%s' "
				    "(known: smtp, submission, pop3, pop3s, "
				    "imap, imaps, all, none)",
				    log_safe_n(b, n));
				return (-1);
			}
			mask |= reg_services[i].bit;
		}
		if (*end == '\0')
			break;
	}
	if (alone && items > 1) {
		*error_r = "'all' and 'none' must stand alone";
		return (-1);
	}
	*services_r = mask;
	return (0);
}
