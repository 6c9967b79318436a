/*
 * auth - shared login checks and the shared login failure table.
 *
 * The rules run in the order the virtual-domain design gives them
 * (domain, service, user, password), so a refusal for a whole domain does
 * not depend on whether the user exists. The password hash is compared
 * last and only for an active user, the only case in which its cost is
 * worth paying.
 *
 * The failure table: AUTH_FAILS_SLOTS records of {key hash, count, last
 * failure time}, probed linearly from the hash for AUTH_FAILS_PROBE slots.
 * Keys are hashed (FNV-1a, 64 bits), never stored, so the file holds no
 * addresses; a collision can only make two keys share a count.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "auth.h"
#include "mem.h"
#include "msg.h"
#include "password.h"

#define AUTH_FAILS_SLOTS	4096
#define AUTH_FAILS_PROBE	16
#define AUTH_FAILS_MAGIC	0x45534146u	/* "ESAF" */

/* auth_check - domain, service, user */
enum auth_result
auth_check(struct registry *reg, const char *login, unsigned service,
    char *user_r, struct reg_user *u_r, const char **why_r)
{
	char local[NAME_LOCAL_MAX + 1], domain[NAME_DOMAIN_MAX + 1];
	struct reg_user *u;
	struct reg_domain d;
	const char *error;
	enum auth_result ret = AUTH_FAILED;
	int r;

	*why_r = "";
	if (name_address_check(login, &error) < 0 ||
	    name_normalize(login, user_r, NAME_ADDRESS_MAX + 1) < 0 ||
	    name_split(user_r, local, sizeof(local), domain,
	    sizeof(domain)) < 0) {
		*why_r = "malformed user name";
		return (AUTH_FAILED);
	}
	if ((r = registry_domain_get(reg, domain, &d, &error)) < 0) {
		msg_warn("domain lookup %s: %s", domain, error);
		*why_r = "domain lookup failed";
		return (AUTH_TEMPFAIL);
	}
	if (r == 0 || d.state == REG_STATE_DELETED) {
		*why_r = "no such domain";
		return (AUTH_FAILED);
	}
	if (d.state != REG_STATE_ACTIVE) {
		*why_r = "domain not active";
		return (AUTH_DOMAIN_INACTIVE);
	}
	if ((d.services & service) == 0) {
		*why_r = "service not allowed for the domain";
		return (AUTH_FAILED);
	}
	u = xmalloc(sizeof(*u));
	if ((r = registry_user_get(reg, user_r, u, &error)) < 0) {
		msg_warn("user lookup %s: %s", user_r, error);
		*why_r = "user lookup failed";
		ret = AUTH_TEMPFAIL;
	} else if (r == 0) {
		*why_r = "no such user";
	} else if (u->state != REG_STATE_ACTIVE) {
		*why_r = "user not active";
	} else {
		ret = AUTH_OK;
		if (u_r != NULL)
			memcpy(u_r, u, sizeof(*u));
	}
	explicit_bzero(u, sizeof(*u));
	free(u);
	return (ret);
}

/* auth_login - the rules and the password */
enum auth_result
auth_login(struct registry *reg, const char *login, const char *passwd,
    unsigned service, char *user_r, const char **why_r)
{
	struct reg_user *u;
	enum auth_result ret;
	const char *error;
	int r;

	u = xmalloc(sizeof(*u));
	ret = auth_check(reg, login, service, user_r, u, why_r);
	if (ret == AUTH_OK) {
		if ((r = password_verify(passwd, u->password, &error)) < 0) {
			msg_warn("user %s: stored password: %s", user_r,
			    error);
			*why_r = "unusable stored password";
			ret = AUTH_FAILED;
		} else if (r == 0) {
			*why_r = "wrong password";
			ret = AUTH_FAILED;
		}
	}
	explicit_bzero(u, sizeof(*u));
	free(u);
	return (ret);
}

struct auth_stamp_op {
	time_t	now;
	int	delay;
	time_t	last;
	int	too_soon;
	int	unchanged;
};

/*
 * auth_stamp_edit - refuse a login within the delay, else set last_login;
 * refusing the edit also spares a write of the value already there
 */
static int
auth_stamp_edit(struct reg_user *u, void *ctx, const char **error_r)
{
	struct auth_stamp_op *o = ctx;

	o->last = u->last_login;
	/* a clock set back must not lock the user out */
	if (o->delay > 0 && u->last_login != 0 && o->now >= u->last_login &&
	    o->now - u->last_login < o->delay) {
		o->too_soon = 1;
		*error_r = "login delay";
		return (-1);
	}
	if (u->last_login == o->now) {
		o->unchanged = 1;
		*error_r = "unchanged";
		return (-1);
	}
	u->last_login = o->now;
	return (0);
}

/* auth_login_stamp - last_login, with the LOGIN-DELAY check */
int
auth_login_stamp(struct registry *reg, const char *user, time_t now,
    int delay, time_t *last_r, const char **error_r)
{
	struct auth_stamp_op o;

	memset(&o, 0, sizeof(o));
	o.now = now;
	o.delay = delay;
	if (registry_user_update(reg, user, auth_stamp_edit, &o,
	    error_r) < 0 && !o.too_soon && !o.unchanged)
		return (-1);
	if (last_r != NULL)
		*last_r = o.last;
	return (o.too_soon ? 0 : 1);
}

/* auth_result_name - for logs */
const char *
auth_result_name(enum auth_result r)
{
	switch (r) {
	case AUTH_OK:
		return ("ok");
	case AUTH_FAILED:
		return ("failed");
	case AUTH_DOMAIN_INACTIVE:
		return ("domain-inactive");
	case AUTH_TEMPFAIL:
		return ("tempfail");
	case AUTH_THROTTLED:
		return ("throttled");
	}
	return ("?");
}

struct auth_fails_slot {
	uint64_t hash;			/* 0 = free */
	uint32_t count;
	uint32_t pad;
	int64_t	last;
};

struct auth_fails_file {
	uint32_t magic;
	uint32_t slots;
	struct auth_fails_slot slot[AUTH_FAILS_SLOTS];
};

struct auth_fails {
	int	fd;
	struct auth_fails_file *map;
};

/* fails_hash - FNV-1a of key, never 0 */
static uint64_t
fails_hash(const char *key)
{
	uint64_t h = 14695981039346656037ull;

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ull;
	}
	return (h == 0 ? 1 : h);
}

/* auth_fails_open - map the shared table */
struct auth_fails *
auth_fails_open(const char *path, const char **error_r)
{
	struct auth_fails *af;
	struct stat st;
	void *p;
	int fd;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660)) < 0) {
		*error_r = strerror(errno);
		return (NULL);
	}
	if (flock(fd, LOCK_EX) < 0 || fstat(fd, &st) < 0) {
		*error_r = strerror(errno);
		(void)close(fd);
		return (NULL);
	}
	/* A new or foreign-sized file is (re)initialised to zeros. */
	if ((size_t)st.st_size != sizeof(struct auth_fails_file) &&
	    (ftruncate(fd, 0) < 0 ||
	    ftruncate(fd, sizeof(struct auth_fails_file)) < 0)) {
		*error_r = strerror(errno);
		(void)close(fd);
		return (NULL);
	}
	p = mmap(NULL, sizeof(struct auth_fails_file), PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		*error_r = strerror(errno);
		(void)close(fd);
		return (NULL);
	}
	af = xmalloc(sizeof(*af));
	af->fd = fd;
	af->map = p;
	if (af->map->magic != AUTH_FAILS_MAGIC ||
	    af->map->slots != AUTH_FAILS_SLOTS) {
		memset(af->map, 0, sizeof(*af->map));
		af->map->magic = AUTH_FAILS_MAGIC;
		af->map->slots = AUTH_FAILS_SLOTS;
	}
	(void)flock(fd, LOCK_UN);
	return (af);
}

/* auth_fails_close - unmap and close */
void
auth_fails_close(struct auth_fails **af)
{
	if (*af == NULL)
		return;
	(void)munmap((*af)->map, sizeof(struct auth_fails_file));
	(void)close((*af)->fd);
	free(*af);
	*af = NULL;
}

/*
 * fails_find - the slot for hash (create: a free, expired or the stalest
 * slot in its probe range); NULL when not found and not creating.
 */
static struct auth_fails_slot *
fails_find(struct auth_fails *af, uint64_t h, int create, time_t now,
    int window)
{
	struct auth_fails_slot *s, *victim = NULL;
	unsigned i;

	for (i = 0; i < AUTH_FAILS_PROBE; i++) {
		s = &af->map->slot[(h + i) % AUTH_FAILS_SLOTS];
		if (s->hash == h)
			return (s);
		if (s->hash == 0) {
			if (victim == NULL || victim->hash != 0)
				victim = s;
		} else if (victim == NULL || (victim->hash != 0 &&
		    s->last < victim->last))
			victim = s;
	}
	if (!create)
		return (NULL);
	if (victim->hash != 0 && victim->last + window > now)
		msg_debug("auth_fails: reusing a live slot");
	victim->hash = h;
	victim->count = 0;
	victim->last = now;
	return (victim);
}

/* auth_fails_get - the current count */
unsigned
auth_fails_get(struct auth_fails *af, const char *key, int window)
{
	struct auth_fails_slot *s;
	time_t now = time(NULL);
	unsigned n = 0;

	if (af == NULL || flock(af->fd, LOCK_SH) < 0)
		return (0);
	s = fails_find(af, fails_hash(key), 0, now, window);
	if (s != NULL && s->last + window > now)
		n = s->count;
	(void)flock(af->fd, LOCK_UN);
	return (n);
}

/* auth_fails_add - one more failure */
unsigned
auth_fails_add(struct auth_fails *af, const char *key, int window)
{
	struct auth_fails_slot *s;
	time_t now = time(NULL);
	unsigned n;

	if (af == NULL || flock(af->fd, LOCK_EX) < 0)
		return (0);
	s = fails_find(af, fails_hash(key), 1, now, window);
	if (s->last + window <= now)
		s->count = 0;
	if (s->count < UINT32_MAX)
		s->count++;
	s->last = now;
	n = s->count;
	(void)flock(af->fd, LOCK_UN);
	return (n);
}

/* auth_fails_clear - forget a key */
void
auth_fails_clear(struct auth_fails *af, const char *key)
{
	struct auth_fails_slot *s;

	if (af == NULL || flock(af->fd, LOCK_EX) < 0)
		return;
	s = fails_find(af, fails_hash(key), 0, time(NULL), 0);
	if (s != NULL)
		memset(s, 0, sizeof(*s));
	(void)flock(af->fd, LOCK_UN);
}

/* fail_key - "addr:IP" or "user:NAME", lowercased, into buf */
static const char *
fail_key(char *buf, size_t size, const char *kind, const char *val)
{
	size_t i;
	int n;

	n = snprintf(buf, size, "%s:%s", kind, val);
	if (n < 0 || (size_t)n >= size)
		buf[size - 1] = '\0';
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] = (char)(buf[i] - 'A' + 'a');
	return (buf);
}

/* auth_attempt - throttle, verify, count the failure or clear the user */
enum auth_result
auth_attempt(const struct auth_throttle *th, const char *peer_addr,
    const char *login, const char *mech, auth_verify_fn verify, void *vctx,
    char *user_r)
{
	char akey[128], ukey[NAME_ADDRESS_MAX + 8];
	enum auth_result ar;
	const char *why = "";

	fail_key(akey, sizeof(akey), "addr", peer_addr);
	fail_key(ukey, sizeof(ukey), "user", login);
	if (th->fails != NULL && (auth_fails_get(th->fails, akey,
	    th->window) >= (unsigned)th->limit || auth_fails_get(th->fails,
	    ukey, th->window) >= (unsigned)th->limit)) {
		msg_info("auth refused mech=%s user=%s reason=throttled",
		    mech, log_safe(login));
		if (th->delay > 0)
			sleep((unsigned)th->delay);
		return (AUTH_THROTTLED);
	}
	user_r[0] = '\0';
	ar = verify(vctx, login, user_r, &why);
	switch (ar) {
	case AUTH_OK:
		if (th->fails != NULL)
			auth_fails_clear(th->fails, ukey);
		break;
	case AUTH_FAILED:
		if (th->fails != NULL) {
			(void)auth_fails_add(th->fails, akey, th->window);
			(void)auth_fails_add(th->fails, ukey, th->window);
		}
		msg_info("auth failed mech=%s user=%s reason=\"%s\"", mech,
		    log_safe(login), why);
		if (th->delay > 0)
			sleep((unsigned)th->delay);
		break;
	case AUTH_DOMAIN_INACTIVE:
	case AUTH_THROTTLED:
		msg_info("auth refused mech=%s user=%s reason=\"%s\"", mech,
		    log_safe(login), why);
		break;
	case AUTH_TEMPFAIL:
		msg_info("auth tempfail mech=%s user=%s reason=\"%s\"", mech,
		    log_safe(login), why);
		break;
	}
	return (ar);
}

/* auth_plain - base64, then authzid NUL authcid NUL passwd */
int
auth_plain(const char *in, size_t len, struct sasl_plain *plain,
    enum sasl_status *st_r)
{
	enum sasl_status st;
	size_t n = 0;
	char *buf;

	buf = xmalloc(len + 1);
	st = sasl_base64_decode(in, len, buf, len + 1, &n);
	if (st == SASL_OK)
		st = sasl_plain_decode(buf, n, plain);
	explicit_bzero(buf, len + 1);
	free(buf);
	*st_r = st;
	if (st != SASL_OK)
		return (-1);
	if (plain->authzid[0] != '\0' &&
	    strcasecmp(plain->authzid, plain->authcid) != 0) {
		msg_info("auth failed mech=PLAIN user=%s reason=\"authorization "
		    "identity differs\"", log_safe(plain->authcid));
		return (1);
	}
	return (0);
}
