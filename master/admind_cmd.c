/*
 * admind_cmd - the control service's connection loop, command table and
 * handlers.
 *
 * A connection is checked by the peer's credentials (SO_PEERCRED) before
 * any request is read; then each request is looked up in the command
 * table, its arguments checked, and the work done: registry verbs through
 * registry.h, status/reload/stop forwarded to the master over the master
 * channel, config from the parameter table, queue verbs on
 * queue_dir's files (queue.h; admind runs as the mail owner) and, for a
 * flush, a kick to the relay's socket. A handler never writes to the
 * client: it appends whole record messages to the request's answer buffer,
 * which is sent after the handler returns. So no registry transaction or
 * cursor is ever held while a slow client reads (the notes on Berkeley DB:
 * no transaction across network I/O), at the price of holding one answer
 * in memory, bounded by ADMIND_ANSWER_MAX.
 *
 * A connection carries requests until the client closes it (estuaryctl
 * batch sends many), each bounded by control_timeout. A worker told to
 * stop still finishes its connection, like every worker; the master's
 * stop_timeout bounds that.
 *
 * Logging: one line per request, "uid=0 request=user-add address=a@b.c
 * result=ok" (after the session id), with peer text through log_safe();
 * a refused peer is a warning with its uid. Passwords are hashed here,
 * wiped from the request as soon as the handler returns, and never logged.
 * APOP secrets ("set" apop=...) are encrypted here with the key in
 * secret_key_file (secret.h), wiped and never logged the same way; only
 * whether a user has one ever leaves admind.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "admind.h"
#include "ctl_proto.h"
#include "ipc.h"
#include "master_proto.h"
#include "mem.h"
#include "msg.h"
#include "name.h"
#include "param.h"
#include "param_table.h"
#include "password.h"
#include "privs.h"
#include "queue.h"
#include "registry.h"
#include "sbuf.h"
#include "secret.h"
#include "server.h"
#include "stream.h"
#include "strnum.h"

/* One answer's records; a bigger listing must be narrowed by domain. */
#define ADMIND_ANSWER_MAX	(64 * 1024 * 1024)
#define ADMIND_RECORD_MAX	\
	(IPC_ATTR_MAX * (IPC_NAME_MAX + IPC_VALUE_MAX + 2))
#define ADMIND_ERROR_MAX	1024
/* Packets the master may send for one request (one per service). */
#define ADMIND_MASTER_PACKETS	10000

struct admind_req {
	struct registry *reg;
	const struct ipc_msg *msg;
	struct sbuf *answer;		/* record messages, sent afterwards */
	struct sbuf *error;		/* text for status=error */
};

struct admind_cmd {
	const char *verb;
	int	(*handler)(struct admind_req *req);
	const char *object;		/* argument named in the log line */
};

/* What a list of "set" attributes changes. */
#define CHG_STATE	(1u << 0)
#define CHG_SERVICES	(1u << 1)
#define CHG_ADMIN	(1u << 2)
#define CHG_POSTMASTER	(1u << 3)
#define CHG_QUOTA	(1u << 4)
#define CHG_QUOTA_MSGS	(1u << 5)
#define CHG_PASSWORD	(1u << 6)
#define CHG_APOP	(1u << 7)

struct admind_change {
	unsigned mask;			/* CHG_* */
	enum reg_state state;
	unsigned services;
	char	admin[NAME_ADDRESS_MAX + 1];
	char	postmaster[NAME_ADDRESS_MAX + 1];
	uint64_t quota_bytes;
	uint64_t quota_messages;
	char	password[sizeof(((struct reg_user *)0)->password)];
	char	apop[sizeof(((struct reg_user *)0)->apop)]; /* encrypted */
};

#define DOMAIN_KEYS	"state, services, admin, postmaster, quota, " \
			"quota_messages"
#define USER_KEYS	"state, quota, quota_messages, password_hash, apop"

/* fail - set the answer's error text; returns -1 */
static int __attribute__((format(printf, 2, 3)))
fail(struct admind_req *req, const char *fmt, ...)
{
	va_list ap;

	sbuf_reset(req->error);
	va_start(ap, fmt);
	if (sbuf_vappendf(req->error, fmt, ap) < 0)
		sbuf_set(req->error, "request failed (error text too long)");
	va_end(ap);
	return (-1);
}

/* failed - has a handler already said what went wrong? */
static int
failed(const struct admind_req *req)
{
	return (sbuf_len(req->error) > 0);
}

/* record_add - append one finished record message to the answer */
static int
record_add(struct admind_req *req, struct sbuf *rec, int bad)
{
	if (bad < 0 || ipc_end(rec) < 0)
		return (fail(req, "record too large"));
	if (sbuf_append(req->answer, sbuf_str(rec), sbuf_len(rec)) < 0)
		return (fail(req, "answer too large: list one domain at a "
		    "time"));
	return (0);
}

/* record_new - a fresh record of kind, in a buffer the caller frees */
static struct sbuf *
record_new(const char *kind, int *bad_r)
{
	struct sbuf *rec = sbuf_new(ADMIND_RECORD_MAX);

	*bad_r = ipc_put(rec, CTL_ATTR_RECORD, kind);
	return (rec);
}

/* epoch - a time as a record value (0 for none or before the epoch) */
static uint64_t
epoch(time_t t)
{
	return (t > 0 ? (uint64_t)t : 0);
}

/* domain_record - one domain as a record */
static int
domain_record(struct admind_req *req, const struct reg_domain *d,
    long users)
{
	int bad;
	struct sbuf *rec = record_new(CTL_REC_DOMAIN, &bad);
	int ret;

	bad |= ipc_put(rec, CTL_FIELD_NAME, d->name);
	bad |= ipc_put(rec, CTL_KEY_STATE, registry_state_name(d->state));
	bad |= ipc_put(rec, CTL_KEY_SERVICES,
	    registry_services_format(d->services));
	bad |= ipc_put(rec, CTL_KEY_ADMIN, d->admin);
	bad |= ipc_put(rec, CTL_KEY_POSTMASTER, d->postmaster);
	bad |= ipc_put_u64(rec, CTL_KEY_QUOTA, d->quota_bytes);
	bad |= ipc_put_u64(rec, CTL_KEY_QUOTA_MESSAGES, d->quota_messages);
	bad |= ipc_put_u64(rec, CTL_FIELD_CREATED, epoch(d->created));
	if (users >= 0)
		bad |= ipc_put_u64(rec, CTL_FIELD_USERS, (uint64_t)users);
	ret = record_add(req, rec, bad);
	sbuf_free(&rec);
	return (ret);
}

/*
 * password_scheme - the scheme of a stored password, without braces: ""
 * for none, "CRYPT" for a bare crypt(3) string. Only this much of a
 * password ever leaves admind.
 */
static void
password_scheme(const char *stored, char *buf, size_t size)
{
	const char *end;
	size_t n;

	buf[0] = '\0';
	if (stored[0] == '\0')
		return;
	if (stored[0] != '{' || (end = strchr(stored, '}')) == NULL) {
		if (size > 5)
			memcpy(buf, "CRYPT", 6);
		return;
	}
	n = (size_t)(end - stored - 1);
	if (n >= size)
		return;
	memcpy(buf, stored + 1, n);
	buf[n] = '\0';
}

/* user_record - one user as a record (never the hash itself) */
static int
user_record(struct admind_req *req, const struct reg_user *u)
{
	char scheme[64];
	const char *at = strrchr(u->address, '@');
	int bad;
	struct sbuf *rec = record_new(CTL_REC_USER, &bad);
	int ret;

	password_scheme(u->password, scheme, sizeof(scheme));
	bad |= ipc_put(rec, CTL_FIELD_ADDRESS, u->address);
	bad |= ipc_put(rec, CTL_FIELD_DOMAIN, at != NULL ? at + 1 : "");
	bad |= ipc_put(rec, CTL_KEY_STATE, registry_state_name(u->state));
	bad |= ipc_put(rec, CTL_FIELD_PASSWORD_SCHEME, scheme);
	bad |= ipc_put(rec, CTL_FIELD_APOP, u->apop[0] != '\0' ? "yes" : "no");
	bad |= ipc_put_u64(rec, CTL_KEY_QUOTA, u->quota_bytes);
	bad |= ipc_put_u64(rec, CTL_KEY_QUOTA_MESSAGES, u->quota_messages);
	bad |= ipc_put_u64(rec, CTL_FIELD_CREATED, epoch(u->created));
	bad |= ipc_put_u64(rec, CTL_FIELD_LAST_LOGIN, epoch(u->last_login));
	ret = record_add(req, rec, bad);
	sbuf_free(&rec);
	return (ret);
}

/* alias_record - one alias as a record, a target attribute each */
static int
alias_record(struct admind_req *req, const struct reg_alias *a)
{
	int bad, i;
	struct sbuf *rec = record_new(CTL_REC_ALIAS, &bad);
	int ret;

	bad |= ipc_put(rec, CTL_FIELD_ADDRESS, a->address);
	for (i = 0; i < a->target_count && i < REG_ALIAS_TARGETS_MAX; i++)
		bad |= ipc_put(rec, CTL_FIELD_TARGET, a->targets[i]);
	ret = record_add(req, rec, bad);
	sbuf_free(&rec);
	return (ret);
}

/* arg - a required argument, or -1 naming it */
static int
arg(struct admind_req *req, const char *name, const char **value_r)
{
	if ((*value_r = ipc_get(req->msg, name)) == NULL)
		return (fail(req, "missing argument: %s", name));
	return (0);
}

/* check_domain - a valid domain name, lower-cased into buf */
static int
check_domain(struct admind_req *req, const char *s, char *buf, size_t size)
{
	const char *why;

	if (name_domain_check(s, &why) < 0)
		return (fail(req, "bad domain name '%s': %s", log_safe(s),
		    why));
	if (name_normalize(s, buf, size) < 0)
		return (fail(req, "bad domain name '%s': too long",
		    log_safe(s)));
	return (0);
}

/* check_address - a valid address, lower-cased into buf */
static int
check_address(struct admind_req *req, const char *what, const char *s,
    char *buf, size_t size)
{
	const char *why;

	if (name_address_check(s, &why) < 0)
		return (fail(req, "bad %s '%s': %s", what, log_safe(s), why));
	if (name_normalize(s, buf, size) < 0)
		return (fail(req, "bad %s '%s': too long", what, log_safe(s)));
	return (0);
}

/* arg_domain - the required domain argument name, checked */
static int
arg_domain(struct admind_req *req, const char *name, char *buf, size_t size)
{
	const char *s;

	if (arg(req, name, &s) < 0)
		return (-1);
	return (check_domain(req, s, buf, size));
}

/* arg_address - the required address argument, checked */
static int
arg_address(struct admind_req *req, char *buf, size_t size)
{
	const char *s;

	if (arg(req, CTL_ATTR_ADDRESS, &s) < 0)
		return (-1);
	return (check_address(req, "address", s, buf, size));
}

/* check_hash - an imported "{SCHEME}hash", into buf */
static int
check_hash(struct admind_req *req, const char *key, const char *hash,
    char *buf, size_t size)
{
	const char *why;
	size_t n = strlen(hash);

	if (password_check_stored(hash, &why) < 0)
		return (fail(req, "bad value for %s: %s", key, why));
	if (n >= size)
		return (fail(req, "bad value for %s: too long", key));
	memcpy(buf, hash, n + 1);
	return (0);
}

/*
 * encrypt_apop - an APOP secret in its stored, encrypted form into buf;
 * "" (clear) stays "". The key is read for each request, so a key the
 * master made after admind started is found.
 */
static int
encrypt_apop(struct admind_req *req, const char *plain, char *buf,
    size_t size)
{
	struct secret_key key;
	struct sbuf *out;
	const char *why;
	int ret = -1;

	buf[0] = '\0';
	if (*plain == '\0')
		return (0);
	if (strlen(plain) > SECRET_MAX)
		return (fail(req, "bad value for %s: too long (at most %d "
		    "bytes)", CTL_KEY_APOP, SECRET_MAX));
	if (secret_key_load(var_secret_key_file, &key, &why) < 0)
		return (fail(req, "cannot encrypt the APOP secret: %s", why));
	out = sbuf_new(0);
	if (secret_encrypt(&key, plain, out, &why) < 0)
		fail(req, "cannot encrypt the APOP secret: %s", why);
	else if (sbuf_len(out) >= size)
		fail(req, "cannot encrypt the APOP secret: too long");
	else {
		memcpy(buf, sbuf_str(out), sbuf_len(out) + 1);
		ret = 0;
	}
	sbuf_free(&out);
	secret_key_wipe(&key);
	return (ret);
}

/*
 * parse_set - one "key=value" into the change; domain or user keys. Each
 * refusal names the key, and the value when it helps.
 */
static int
parse_set(struct admind_req *req, const char *set, int is_domain,
    struct admind_change *chg)
{
	const char *eq = strchr(set, '='), *value, *why;
	char key[IPC_NAME_MAX + 1];
	size_t klen;

	if (eq == NULL || eq == set)
		return (fail(req, "bad setting '%s': want key=value",
		    log_safe(set)));
	klen = (size_t)(eq - set);
	if (klen >= sizeof(key))
		return (fail(req, "unknown key '%s' for a %s (%s)",
		    log_safe_n(set, klen), is_domain ? "domain" : "user",
		    is_domain ? DOMAIN_KEYS : USER_KEYS));
	memcpy(key, set, klen);
	key[klen] = '\0';
	value = eq + 1;

	if (strcmp(key, CTL_KEY_STATE) == 0) {
		if (registry_state_parse(value, &chg->state) < 0)
			return (fail(req, "bad value for %s: '%s' (active, "
			    "inactive or deleted)", key, log_safe(value)));
		chg->mask |= CHG_STATE;
	} else if (strcmp(key, CTL_KEY_QUOTA) == 0) {
		if (strnum_size(value, &chg->quota_bytes) < 0)
			return (fail(req, "bad value for %s: '%s' (a size such "
			    "as 500M or 2G; 0 = none)", key, log_safe(value)));
		chg->mask |= CHG_QUOTA;
	} else if (strcmp(key, CTL_KEY_QUOTA_MESSAGES) == 0) {
		if (strnum_u64(value, 0, UINT64_MAX, &chg->quota_messages) < 0)
			return (fail(req, "bad value for %s: '%s' (a number of "
			    "messages; 0 = none)", key, log_safe(value)));
		chg->mask |= CHG_QUOTA_MSGS;
	} else if (is_domain && strcmp(key, CTL_KEY_SERVICES) == 0) {
		if (registry_services_parse(value, &chg->services, &why) < 0)
			return (fail(req, "bad value for %s: %s", key, why));
		chg->mask |= CHG_SERVICES;
	} else if (is_domain && (strcmp(key, CTL_KEY_ADMIN) == 0
	    || strcmp(key, CTL_KEY_POSTMASTER) == 0)) {
		int admin = strcmp(key, CTL_KEY_ADMIN) == 0;
		char *buf = admin ? chg->admin : chg->postmaster;

		/* An empty value clears the address. */
		buf[0] = '\0';
		if (*value != '\0'
		    && check_address(req, admin ? "value for admin" :
		    "value for postmaster", value, buf,
		    NAME_ADDRESS_MAX + 1) < 0)
			return (-1);
		chg->mask |= admin ? CHG_ADMIN : CHG_POSTMASTER;
	} else if (!is_domain && strcmp(key, CTL_KEY_PASSWORD_HASH) == 0) {
		if (check_hash(req, key, value, chg->password,
		    sizeof(chg->password)) < 0)
			return (-1);
		chg->mask |= CHG_PASSWORD;
	} else if (!is_domain && strcmp(key, CTL_KEY_APOP) == 0) {
		if (encrypt_apop(req, value, chg->apop, sizeof(chg->apop)) < 0)
			return (-1);
		chg->mask |= CHG_APOP;
	} else if (strcmp(key, CTL_ATTR_PASSWORD) == 0) {
		return (fail(req, "key 'password' is not accepted: send the "
		    "password by itself (estuaryctl --password-stdin)"));
	} else {
		return (fail(req, "unknown key '%s' for a %s (%s)",
		    log_safe(key), is_domain ? "domain" : "user",
		    is_domain ? DOMAIN_KEYS : USER_KEYS));
	}
	return (0);
}

/* parse_sets - every "set" attribute of the request; the last one wins */
static int
parse_sets(struct admind_req *req, int is_domain, struct admind_change *chg)
{
	const char *set;
	size_t pos = 0;

	memset(chg, 0, sizeof(*chg));
	while ((set = ipc_get_next(req->msg, CTL_ATTR_SET, &pos)) != NULL)
		if (parse_set(req, set, is_domain, chg) < 0)
			return (-1);
	return (0);
}

/* apply_domain - a parsed change onto a domain record */
static void
apply_domain(struct reg_domain *d, const struct admind_change *chg)
{
	if (chg->mask & CHG_STATE)
		d->state = chg->state;
	if (chg->mask & CHG_SERVICES)
		d->services = chg->services;
	if (chg->mask & CHG_ADMIN)
		memcpy(d->admin, chg->admin, sizeof(d->admin));
	if (chg->mask & CHG_POSTMASTER)
		memcpy(d->postmaster, chg->postmaster, sizeof(d->postmaster));
	if (chg->mask & CHG_QUOTA)
		d->quota_bytes = chg->quota_bytes;
	if (chg->mask & CHG_QUOTA_MSGS)
		d->quota_messages = chg->quota_messages;
}

/* apply_user - a parsed change onto a user record */
static void
apply_user(struct reg_user *u, const struct admind_change *chg)
{
	if (chg->mask & CHG_STATE)
		u->state = chg->state;
	if (chg->mask & CHG_QUOTA)
		u->quota_bytes = chg->quota_bytes;
	if (chg->mask & CHG_QUOTA_MSGS)
		u->quota_messages = chg->quota_messages;
	if (chg->mask & CHG_PASSWORD)
		memcpy(u->password, chg->password, sizeof(u->password));
	if (chg->mask & CHG_APOP)
		memcpy(u->apop, chg->apop, sizeof(u->apop));
}

/* edit_domain - registry_domain_update()'s callback */
static int
edit_domain(struct reg_domain *d, void *ctx, const char **error_r)
{
	(void)error_r;
	apply_domain(d, ctx);
	return (0);
}

/* edit_user - registry_user_update()'s callback */
static int
edit_user(struct reg_user *u, void *ctx, const char **error_r)
{
	(void)error_r;
	apply_user(u, ctx);
	return (0);
}

/*
 * new_password - the request's password: the plaintext hashed with the
 * default scheme, or an imported hash (attribute or "set" key, already in
 * chg). Exactly one must be given. The plaintext is wiped by the caller
 * of the handler (admind_request()).
 */
static int
new_password(struct admind_req *req, struct admind_change *chg)
{
	const char *plain = ipc_get(req->msg, CTL_ATTR_PASSWORD);
	const char *hash = ipc_get(req->msg, CTL_ATTR_PASSWORD_HASH);
	const char *why;
	struct sbuf *out;
	int given = (plain != NULL) + (hash != NULL)
	    + ((chg->mask & CHG_PASSWORD) != 0);

	if (given == 0)
		return (fail(req, "a password is needed (password or "
		    "password_hash)"));
	if (given > 1)
		return (fail(req, "give either a password or a password_hash, "
		    "not both"));
	if (hash != NULL) {
		if (check_hash(req, CTL_ATTR_PASSWORD_HASH, hash, chg->password,
		    sizeof(chg->password)) < 0)
			return (-1);
	} else if (plain != NULL) {
		if (*plain == '\0')
			return (fail(req, "empty password"));
		out = sbuf_new(sizeof(chg->password) - 1);
		if (password_hash(plain, NULL, out, &why) < 0) {
			sbuf_free(&out);
			return (fail(req, "cannot hash the password: %s", why));
		}
		memcpy(chg->password, sbuf_str(out), sbuf_len(out) + 1);
		sbuf_free(&out);
	}
	chg->mask |= CHG_PASSWORD;
	return (0);
}

/*
 * master_record - one packet from the master as a record: a service
 * record if it names a service, else a master record. Its status and
 * error are the answer's, not the record's.
 */
static int
master_record(struct admind_req *req, const struct ipc_msg *msg)
{
	const char *name;
	struct sbuf *rec;
	size_t i;
	int bad, ret;

	rec = record_new(ipc_get(msg, MASTER_ATTR_SERVICE) != NULL ?
	    CTL_REC_SERVICE : CTL_REC_MASTER, &bad);
	for (i = 0; i < msg->count; i++) {
		name = msg->attrs[i].name;
		if (strcmp(name, IPC_ATTR_STATUS) != 0
		    && strcmp(name, IPC_ATTR_ERROR) != 0
		    && strcmp(name, CTL_ATTR_RECORD) != 0)
			bad |= ipc_put_n(rec, name, msg->attrs[i].value,
			    msg->attrs[i].value_len);
	}
	ret = record_add(req, rec, bad);
	sbuf_free(&rec);
	return (ret);
}

/*
 * master_call - forward a request to the master over the master channel
 * and turn its packets into records: a packet naming a service is a
 * service record, any other one with fields (and fields on the final
 * packet) a master record.
 */
static int
master_call(struct admind_req *req, const char *verb)
{
	int fd = server_channel_fd();
	struct sbuf *out;
	struct ipc_msg msg;
	struct pollfd pfd;
	time_t deadline;
	const char *error, *status;
	char junk[1];
	int n, packets, ret = -1;

	if (fd < 0)
		return (fail(req, "no master channel (admind must run as the "
		    "control service)"));

	/* Answers to an earlier request that timed out are not ours. */
	while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT | MSG_TRUNC) > 0)
		continue;

	out = sbuf_new(0);
	if (ipc_put(out, IPC_ATTR_REQUEST, verb) < 0 || ipc_end(out) < 0
	    || ipc_seq_send(fd, out) < 0) {
		sbuf_free(&out);
		return (fail(req, "cannot reach the master: %s",
		    errno ? strerror(errno) : "send failed"));
	}
	sbuf_free(&out);

	deadline = time(NULL) + var_control_timeout;
	for (packets = 0; packets < ADMIND_MASTER_PACKETS; packets++) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, 1, (int)(deadline - time(NULL) > 0 ?
		    (deadline - time(NULL)) * 1000 : 0));
		if (n < 0 && errno == EINTR) {
			packets--;
			continue;
		}
		if (n <= 0)
			return (fail(req, "the master did not answer"));
		if (ipc_seq_recv(fd, NULL, &msg, &error) < 0) {
			msg_warn("master channel: %s", error);
			return (fail(req, "lost the master: %s", error));
		}
		status = ipc_get(&msg, IPC_ATTR_STATUS);
		if (msg.count > 0 && (status == NULL
		    || ipc_get(&msg, MASTER_ATTR_PID) != NULL)
		    && master_record(req, &msg) < 0) {
			ipc_msg_clear(&msg);
			return (-1);
		}
		if (status != NULL) {
			if (strcmp(status, MASTER_STATUS_OK) == 0)
				ret = 0;
			else
				ret = fail(req, "%s", (error = ipc_get(&msg,
				    IPC_ATTR_ERROR)) != NULL ? error :
				    "the master refused");
			ipc_msg_clear(&msg);
			return (ret);
		}
		ipc_msg_clear(&msg);
	}
	return (fail(req, "the master sent too many packets"));
}

/* cmd_status - the master's and every service's state */
static int
cmd_status(struct admind_req *req)
{
	return (master_call(req, MASTER_REQ_STATUS));
}

/* cmd_reload - have the master reload its configuration */
static int
cmd_reload(struct admind_req *req)
{
	return (master_call(req, MASTER_REQ_RELOAD));
}

/* cmd_stop - have the master stop the suite */
static int
cmd_stop(struct admind_req *req)
{
	return (master_call(req, MASTER_REQ_STOP));
}

/*
 * param_changed - did estuary.conf set this parameter to something other
 * than its default? Numbers are compared by value ("100" and "100s" are
 * the same time); strings as written, before $name expansion, so a file
 * repeating a default is not reported.
 */
static int
param_changed(const struct param_def *def)
{
	const char *raw;
	uint64_t v;

	if (!param_is_set(def))
		return (0);
	switch (def->type) {
	case PARAM_INT:
		return (strnum_u64(def->def, 0, UINT64_MAX, &v) < 0
		    || (uint64_t)*(int *)def->target != v);
	case PARAM_TIME:
		return (strnum_time(def->def, &v) < 0
		    || (uint64_t)*(int *)def->target != v);
	case PARAM_SIZE:
		return (strnum_size(def->def, &v) < 0
		    || *(uint64_t *)def->target != v);
	case PARAM_BOOL:
		return (*(int *)def->target != (strcmp(def->def, "yes") == 0));
	case PARAM_STR:
	default:
		raw = param_raw(def);
		return (raw == NULL || strcmp(raw, def->def) != 0);
	}
}

/* cmd_config - the parameters set in the file, or all of them */
static int
cmd_config(struct admind_req *req)
{
	const struct param_def *def;
	const char *all = ipc_get(req->msg, CTL_ATTR_ALL);
	struct sbuf *rec;
	int bad;

	if (all != NULL && strcmp(all, "yes") != 0 && strcmp(all, "no") != 0)
		return (fail(req, "bad value for all: '%s' (yes or no)",
		    log_safe(all)));
	for (def = param_table; def->name != NULL; def++) {
		if ((all == NULL || strcmp(all, "yes") != 0)
		    && !param_changed(def))
			continue;
		rec = record_new(CTL_REC_PARAM, &bad);
		bad |= ipc_put(rec, CTL_FIELD_NAME, def->name);
		bad |= ipc_put(rec, CTL_FIELD_VALUE, param_value(def));
		bad |= ipc_put(rec, CTL_FIELD_DEFAULT, def->def);
		bad |= ipc_put(rec, CTL_FIELD_DOC,
		    def->doc != NULL ? def->doc : "");
		bad = record_add(req, rec, bad);
		sbuf_free(&rec);
		if (bad < 0)
			return (-1);
	}
	return (0);
}

/* cmd_domain_add - a new domain: active, every service, no quota */
static int
cmd_domain_add(struct admind_req *req)
{
	struct reg_domain d;
	struct admind_change chg;
	const char *error;

	memset(&d, 0, sizeof(d));
	if (arg_domain(req, CTL_ATTR_NAME, d.name, sizeof(d.name)) < 0
	    || parse_sets(req, 1, &chg) < 0)
		return (-1);
	d.state = REG_STATE_ACTIVE;
	d.services = REG_SVC_ALL;
	d.created = time(NULL);
	apply_domain(&d, &chg);
	if (registry_domain_add(req->reg, &d, &error) < 0)
		return (fail(req, "%s", error));
	return (0);
}

/* domain_list_fn - registry_domain_list()'s callback */
static int
domain_list_fn(const struct reg_domain *d, void *ctx)
{
	return (domain_record(ctx, d, -1));
}

/* cmd_domain_list - every domain */
static int
cmd_domain_list(struct admind_req *req)
{
	const char *error;

	if (registry_domain_list(req->reg, domain_list_fn, req, &error) < 0)
		return (failed(req) ? -1 : fail(req, "%s", error));
	return (0);
}

/* cmd_domain_show - one domain, with its user count */
static int
cmd_domain_show(struct admind_req *req)
{
	char name[NAME_DOMAIN_MAX + 1];
	struct reg_domain d;
	const char *error;
	long users;

	if (arg_domain(req, CTL_ATTR_NAME, name, sizeof(name)) < 0)
		return (-1);
	switch (registry_domain_get(req->reg, name, &d, &error)) {
	case 1:
		break;
	case 0:
		return (fail(req, "no such domain: %s", name));
	default:
		return (fail(req, "%s", error));
	}
	if ((users = registry_user_count(req->reg, name, &error)) < 0)
		return (fail(req, "%s", error));
	return (domain_record(req, &d, users));
}

/* cmd_domain_set - change a domain's settings */
static int
cmd_domain_set(struct admind_req *req)
{
	char name[NAME_DOMAIN_MAX + 1];
	struct admind_change chg;
	const char *error;

	if (arg_domain(req, CTL_ATTR_NAME, name, sizeof(name)) < 0
	    || parse_sets(req, 1, &chg) < 0)
		return (-1);
	if (chg.mask == 0)
		return (fail(req, "nothing to set (keys: %s)", DOMAIN_KEYS));
	if (registry_domain_update(req->reg, name, edit_domain, &chg,
	    &error) < 0)
		return (fail(req, "%s", error));
	return (0);
}

/* cmd_domain_del - remove a domain that has no users or aliases */
static int
cmd_domain_del(struct admind_req *req)
{
	char name[NAME_DOMAIN_MAX + 1];
	const char *error;

	if (arg_domain(req, CTL_ATTR_NAME, name, sizeof(name)) < 0)
		return (-1);
	if (registry_domain_del(req->reg, name, &error) < 0)
		return (fail(req, "%s", error));
	return (0);
}

/* cmd_user_add - a new user, with a password */
static int
cmd_user_add(struct admind_req *req)
{
	struct reg_user u;
	struct admind_change chg;
	const char *error;
	int ret = -1;

	memset(&u, 0, sizeof(u));
	if (arg_address(req, u.address, sizeof(u.address)) < 0
	    || parse_sets(req, 0, &chg) < 0 || new_password(req, &chg) < 0)
		goto out;
	u.state = REG_STATE_ACTIVE;
	u.created = time(NULL);
	apply_user(&u, &chg);
	if (registry_user_add(req->reg, &u, &error) < 0)
		fail(req, "%s", error);
	else
		ret = 0;
out:
	explicit_bzero(&chg, sizeof(chg));
	explicit_bzero(&u, sizeof(u));
	return (ret);
}

/* user_list_fn - registry_user_list()'s callback */
static int
user_list_fn(const struct reg_user *u, void *ctx)
{
	return (user_record(ctx, u));
}

/* list_domain - the optional domain filter of a list request */
static int
list_domain(struct admind_req *req, char *buf, size_t size,
    const char **domain_r)
{
	const char *s = ipc_get(req->msg, CTL_ATTR_DOMAIN);

	*domain_r = NULL;
	if (s == NULL)
		return (0);
	if (check_domain(req, s, buf, size) < 0)
		return (-1);
	*domain_r = buf;
	return (0);
}

/* cmd_user_list - every user, or a domain's */
static int
cmd_user_list(struct admind_req *req)
{
	char buf[NAME_DOMAIN_MAX + 1];
	const char *domain, *error;

	if (list_domain(req, buf, sizeof(buf), &domain) < 0)
		return (-1);
	if (registry_user_list(req->reg, domain, user_list_fn, req,
	    &error) < 0)
		return (failed(req) ? -1 : fail(req, "%s", error));
	return (0);
}

/* cmd_user_show - one user */
static int
cmd_user_show(struct admind_req *req)
{
	char address[NAME_ADDRESS_MAX + 1];
	struct reg_user u;
	const char *error;
	int ret;

	if (arg_address(req, address, sizeof(address)) < 0)
		return (-1);
	switch (registry_user_get(req->reg, address, &u, &error)) {
	case 1:
		ret = user_record(req, &u);
		break;
	case 0:
		ret = fail(req, "no such user: %s", address);
		break;
	default:
		ret = fail(req, "%s", error);
		break;
	}
	explicit_bzero(&u, sizeof(u));
	return (ret);
}

/* cmd_user_set - change a user's settings */
static int
cmd_user_set(struct admind_req *req)
{
	char address[NAME_ADDRESS_MAX + 1];
	struct admind_change chg;
	const char *error;
	int ret = -1;

	if (arg_address(req, address, sizeof(address)) < 0
	    || parse_sets(req, 0, &chg) < 0)
		goto out;
	if (chg.mask == 0)
		fail(req, "nothing to set (keys: %s)", USER_KEYS);
	else if (registry_user_update(req->reg, address, edit_user, &chg,
	    &error) < 0)
		fail(req, "%s", error);
	else
		ret = 0;
out:
	explicit_bzero(&chg, sizeof(chg));
	return (ret);
}

/* cmd_user_passwd - a new password for a user */
static int
cmd_user_passwd(struct admind_req *req)
{
	char address[NAME_ADDRESS_MAX + 1];
	struct admind_change chg;
	const char *error;
	int ret = -1;

	memset(&chg, 0, sizeof(chg));
	if (arg_address(req, address, sizeof(address)) < 0
	    || new_password(req, &chg) < 0)
		goto out;
	if (registry_user_update(req->reg, address, edit_user, &chg,
	    &error) < 0)
		fail(req, "%s", error);
	else
		ret = 0;
out:
	explicit_bzero(&chg, sizeof(chg));
	return (ret);
}

/* cmd_user_del - remove a user */
static int
cmd_user_del(struct admind_req *req)
{
	char address[NAME_ADDRESS_MAX + 1];
	const char *error;

	if (arg_address(req, address, sizeof(address)) < 0)
		return (-1);
	if (registry_user_del(req->reg, address, &error) < 0)
		return (fail(req, "%s", error));
	return (0);
}

/* cmd_alias_add - create an alias or add targets to it */
static int
cmd_alias_add(struct admind_req *req)
{
	char address[NAME_ADDRESS_MAX + 1];
	char (*targets)[NAME_ADDRESS_MAX + 1];
	const char *ptrs[REG_ALIAS_TARGETS_MAX];
	const char *target, *error;
	size_t pos = 0;
	int count = 0, ret = -1;

	if (arg_address(req, address, sizeof(address)) < 0)
		return (-1);
	targets = xcalloc(REG_ALIAS_TARGETS_MAX, sizeof(*targets));
	while ((target = ipc_get_next(req->msg, CTL_ATTR_TARGET, &pos))
	    != NULL) {
		if (count == REG_ALIAS_TARGETS_MAX) {
			fail(req, "too many targets (at most %d)",
			    REG_ALIAS_TARGETS_MAX);
			goto out;
		}
		if (check_address(req, "target", target, targets[count],
		    sizeof(targets[count])) < 0)
			goto out;
		ptrs[count] = targets[count];
		count++;
	}
	if (count == 0)
		fail(req, "missing argument: %s", CTL_ATTR_TARGET);
	else if (registry_alias_add(req->reg, address, ptrs, count,
	    &error) < 0)
		fail(req, "%s", error);
	else
		ret = 0;
out:
	free(targets);
	return (ret);
}

/* alias_list_fn - registry_alias_list()'s callback */
static int
alias_list_fn(const struct reg_alias *a, void *ctx)
{
	return (alias_record(ctx, a));
}

/* cmd_alias_list - every alias, or a domain's */
static int
cmd_alias_list(struct admind_req *req)
{
	char buf[NAME_DOMAIN_MAX + 1];
	const char *domain, *error;

	if (list_domain(req, buf, sizeof(buf), &domain) < 0)
		return (-1);
	if (registry_alias_list(req->reg, domain, alias_list_fn, req,
	    &error) < 0)
		return (failed(req) ? -1 : fail(req, "%s", error));
	return (0);
}

/* cmd_alias_del - remove an alias, or one of its targets */
static int
cmd_alias_del(struct admind_req *req)
{
	char address[NAME_ADDRESS_MAX + 1], target[NAME_ADDRESS_MAX + 1];
	const char *s, *error;

	if (arg_address(req, address, sizeof(address)) < 0)
		return (-1);
	if ((s = ipc_get(req->msg, CTL_ATTR_TARGET)) != NULL
	    && check_address(req, "target", s, target, sizeof(target)) < 0)
		return (-1);
	if (registry_alias_del(req->reg, address, s != NULL ? target : NULL,
	    &error) < 0)
		return (fail(req, "%s", error));
	return (0);
}

/*
 * queue_record - one queue entry as a record. admind runs as the mail
 * owner, so it reads queue_dir itself; an entry it cannot read is listed
 * with its error.
 */
static int
queue_record(struct admind_req *req, const char *id, int must_exist)
{
	struct queue_entry e;
	struct sbuf *path, *rec;
	struct stat st;
	const char *error;
	int bad, ret, i;

	switch (queue_read(var_queue_dir, id, &e, &error)) {
	case 1:
		break;
	case 0:
		/* Delivered (or deleted) since the directory was read. */
		return (must_exist ? fail(req, "no such queue entry: %s", id) :
		    0);
	default:
		rec = record_new(CTL_REC_QUEUE, &bad);
		bad |= ipc_put(rec, CTL_FIELD_ID, id);
		bad |= ipc_put(rec, CTL_FIELD_ERROR, error);
		ret = record_add(req, rec, bad);
		sbuf_free(&rec);
		return (ret);
	}
	path = sbuf_new(0);
	queue_data_path(var_queue_dir, id, path);
	if (stat(sbuf_str(path), &st) < 0)
		st.st_size = 0;
	sbuf_free(&path);
	rec = record_new(CTL_REC_QUEUE, &bad);
	bad |= ipc_put(rec, CTL_FIELD_ID, id);
	bad |= ipc_put_u64(rec, CTL_FIELD_ARRIVAL, epoch(e.arrival));
	bad |= ipc_put(rec, CTL_FIELD_SENDER, e.sender);
	bad |= ipc_put_u64(rec, CTL_FIELD_SIZE, (uint64_t)st.st_size);
	if (e.envid != NULL)
		bad |= ipc_put(rec, CTL_FIELD_ENVID, e.envid);
	if (e.client != NULL)
		bad |= ipc_put(rec, CTL_FIELD_CLIENT, e.client);
	if (e.auth_user != NULL)
		bad |= ipc_put(rec, CTL_FIELD_AUTH, e.auth_user);
	bad |= ipc_put_u64(rec, CTL_FIELD_RCPTS, (uint64_t)e.rcpt_count);
	for (i = 0; i < e.rcpt_count && i < CTL_QUEUE_RCPTS_MAX; i++) {
		bad |= ipc_put(rec, CTL_FIELD_RCPT, e.rcpts[i].address);
		bad |= ipc_put(rec, CTL_FIELD_RCPT_STATE,
		    queue_state_name(e.rcpts[i].state));
		bad |= ipc_put_u64(rec, CTL_FIELD_RCPT_ATTEMPTS,
		    (uint64_t)e.rcpts[i].attempts);
		bad |= ipc_put_u64(rec, CTL_FIELD_RCPT_NEXT_TRY,
		    epoch(e.rcpts[i].next_try));
		bad |= ipc_put(rec, CTL_FIELD_RCPT_STATUS, e.rcpts[i].status);
		bad |= ipc_put(rec, CTL_FIELD_RCPT_ERROR, e.rcpts[i].error);
	}
	queue_entry_free(&e);
	ret = record_add(req, rec, bad);
	sbuf_free(&rec);
	return (ret);
}

/* queue_list_fn - queue_list()'s callback */
static int
queue_list_fn(const char *id, void *ctx)
{
	return (queue_record(ctx, id, 0));
}

/* arg_queue_id - the required id argument, checked */
static int
arg_queue_id(struct admind_req *req, const char **id_r)
{
	if (arg(req, CTL_ATTR_ID, id_r) < 0)
		return (-1);
	if (queue_id_check(*id_r) < 0)
		return (fail(req, "bad queue id '%s'", log_safe(*id_r)));
	return (0);
}

/* cmd_queue_list - every queue entry */
static int
cmd_queue_list(struct admind_req *req)
{
	const char *error;

	if (queue_list(var_queue_dir, queue_list_fn, req, &error) < 0)
		return (failed(req) ? -1 : fail(req, "%s", error));
	return (0);
}

/* cmd_queue_show - one queue entry */
static int
cmd_queue_show(struct admind_req *req)
{
	const char *id;

	if (arg_queue_id(req, &id) < 0)
		return (-1);
	return (queue_record(req, id, 1));
}

/* cmd_queue_flush - wake the relay to deliver every pending entry */
static int
cmd_queue_flush(struct admind_req *req)
{
	const char *error;

	if (queue_kick_socket(var_relay_socket, QUEUE_KICK_FLUSH, &error) < 0)
		return (fail(req, "cannot reach the relay service: %s (is a "
		    "relay service in services.conf?)", error));
	return (0);
}

/* cmd_queue_delete - remove an entry the relay is not delivering */
static int
cmd_queue_delete(struct admind_req *req)
{
	struct queue_entry e;
	const char *id, *error;
	int fd, ret;

	if (arg_queue_id(req, &id) < 0)
		return (-1);
	switch (queue_read(var_queue_dir, id, &e, &error)) {
	case 0:
		return (fail(req, "no such queue entry: %s", id));
	case 1:
		queue_entry_free(&e);
		break;
	default:
		break;			/* a broken entry may be removed too */
	}
	fd = queue_lock(var_queue_dir, id, 0, &error);
	if (fd == -2)
		return (fail(req, "queue entry %s is being delivered; try "
		    "again", id));
	if (fd < 0)
		return (fail(req, "no such queue entry: %s", id));
	ret = queue_delete(var_queue_dir, id, &error);
	(void)close(fd);
	if (ret < 0)
		return (fail(req, "%s", error));
	return (0);
}

static const struct admind_cmd admind_cmds[] = {
	{ CTL_REQ_STATUS, cmd_status, NULL },
	{ CTL_REQ_RELOAD, cmd_reload, NULL },
	{ CTL_REQ_STOP, cmd_stop, NULL },
	{ CTL_REQ_CONFIG, cmd_config, CTL_ATTR_ALL },
	{ CTL_REQ_DOMAIN_ADD, cmd_domain_add, CTL_ATTR_NAME },
	{ CTL_REQ_DOMAIN_LIST, cmd_domain_list, NULL },
	{ CTL_REQ_DOMAIN_SHOW, cmd_domain_show, CTL_ATTR_NAME },
	{ CTL_REQ_DOMAIN_SET, cmd_domain_set, CTL_ATTR_NAME },
	{ CTL_REQ_DOMAIN_DEL, cmd_domain_del, CTL_ATTR_NAME },
	{ CTL_REQ_USER_ADD, cmd_user_add, CTL_ATTR_ADDRESS },
	{ CTL_REQ_USER_LIST, cmd_user_list, CTL_ATTR_DOMAIN },
	{ CTL_REQ_USER_SHOW, cmd_user_show, CTL_ATTR_ADDRESS },
	{ CTL_REQ_USER_SET, cmd_user_set, CTL_ATTR_ADDRESS },
	{ CTL_REQ_USER_PASSWD, cmd_user_passwd, CTL_ATTR_ADDRESS },
	{ CTL_REQ_USER_DEL, cmd_user_del, CTL_ATTR_ADDRESS },
	{ CTL_REQ_ALIAS_ADD, cmd_alias_add, CTL_ATTR_ADDRESS },
	{ CTL_REQ_ALIAS_LIST, cmd_alias_list, CTL_ATTR_DOMAIN },
	{ CTL_REQ_ALIAS_DEL, cmd_alias_del, CTL_ATTR_ADDRESS },
	{ CTL_REQ_QUEUE_LIST, cmd_queue_list, NULL },
	{ CTL_REQ_QUEUE_SHOW, cmd_queue_show, CTL_ATTR_ID },
	{ CTL_REQ_QUEUE_FLUSH, cmd_queue_flush, NULL },
	{ CTL_REQ_QUEUE_DELETE, cmd_queue_delete, CTL_ATTR_ID },
	{ NULL, NULL, NULL },
};

/* wipe_secrets - zero every password and APOP secret of a request */
static void
wipe_secrets(const struct ipc_msg *msg)
{
	size_t i;

	/*
	 * The message owns its bytes (ipc_parse copies): ours to clear.
	 * XXX the copies in the stream's read buffer and in ipc_recv()'s
	 * scratch buffer are freed or overwritten, not wiped: neither module
	 * offers a way to clear them.
	 */
	for (i = 0; i < msg->count; i++)
		if (strcmp(msg->attrs[i].name, CTL_ATTR_PASSWORD) == 0
		    || (strcmp(msg->attrs[i].name, CTL_ATTR_SET) == 0
		    && strncmp(msg->attrs[i].value, CTL_KEY_APOP "=",
		    sizeof(CTL_KEY_APOP)) == 0))
			explicit_bzero((char *)msg->attrs[i].value,
			    msg->attrs[i].value_len);
}

/* send_status - the final message of an answer */
static int
send_status(struct stream *s, const char *error)
{
	struct sbuf *out = sbuf_new(0);
	int ret;

	if (error == NULL)
		ret = ipc_put(out, IPC_ATTR_STATUS, CTL_STATUS_OK);
	else
		ret = ipc_put(out, IPC_ATTR_STATUS, CTL_STATUS_ERROR) < 0
		    || ipc_put(out, IPC_ATTR_ERROR, error) < 0 ? -1 : 0;
	if (ret == 0)
		ret = ipc_end(out);
	if (ret == 0)
		ret = ipc_send(s, out);
	sbuf_free(&out);
	return (ret);
}

/*
 * admind_request - run one request and send its answer: the records, then
 * the status. Logs the request's line. 0, or -1 if the client is gone.
 */
static int
admind_request(struct stream *s, struct registry *reg, uid_t uid,
    const struct ipc_msg *msg)
{
	const struct admind_cmd *cmd;
	struct admind_req req;
	const char *verb = ipc_get(msg, IPC_ATTR_REQUEST);
	const char *object = NULL;
	struct sbuf *fields = sbuf_new(0);
	int ret;

	req.reg = reg;
	req.msg = msg;
	req.answer = sbuf_new(ADMIND_ANSWER_MAX);
	req.error = sbuf_new(ADMIND_ERROR_MAX);

	for (cmd = admind_cmds; verb != NULL && cmd->verb != NULL; cmd++)
		if (strcmp(cmd->verb, verb) == 0)
			break;
	if (verb == NULL) {
		fail(&req, "no request");
	} else if (cmd->verb == NULL) {
		fail(&req, "unknown request '%s'", log_safe(verb));
	} else {
		if (cmd->object != NULL)
			object = ipc_get(msg, cmd->object);
		if (cmd->handler(&req) < 0 && !failed(&req))
			fail(&req, "request failed");
	}
	wipe_secrets(msg);

	/* Quoted when it would not read as one key=value field. */
	if (object != NULL)
		sbuf_appendf(fields, strpbrk(object, " \"=") != NULL ?
		    " %s=\"%s\"" : " %s=%s", cmd->object, log_safe(object));
	if (failed(&req))
		msg_info("uid=%ld request=%s%s result=error reason=\"%s\"",
		    (long)uid, verb != NULL ? log_safe(verb) : "-",
		    sbuf_str(fields), log_safe(sbuf_str(req.error)));
	else
		msg_info("uid=%ld request=%s%s result=ok", (long)uid,
		    log_safe(verb), sbuf_str(fields));
	sbuf_free(&fields);

	/* Records first, as one write; the status closes the answer. */
	ret = 0;
	if (sbuf_len(req.answer) > 0
	    && (stream_write(s, sbuf_str(req.answer), sbuf_len(req.answer)) < 0
	    || stream_flush(s) < 0))
		ret = -1;
	if (ret == 0 && send_status(s, failed(&req) ? sbuf_str(req.error) :
	    NULL) < 0)
		ret = -1;
	sbuf_free(&req.answer);
	sbuf_free(&req.error);
	return (ret);
}

/* admind_peer_allowed - root, our own user, or the admin group */
int
admind_peer_allowed(uid_t uid, gid_t gid)
{
	if (uid == 0 || uid == geteuid())
		return (1);
	return (privs_group_member(uid, gid, var_admin_group) == 1);
}

/* admind_conn - serve one control connection */
void
admind_conn(struct server_conn *conn, struct registry *reg)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct stream *s;
	struct ipc_msg msg;
	const char *error;
	int allowed;

	/* The kernel's word on who connected, before anything is read. */
	if (getsockopt(conn->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0
	    || len != sizeof(cred)) {
		msg_warn("cannot get the peer's credentials: %s",
		    strerror(errno));
		return;
	}
	allowed = admind_peer_allowed(cred.uid, cred.gid);

	s = stream_fdopen(conn->fd, STREAM_NOCLOSE, IPC_VALUE_MAX);
	stream_set_timeout(s, var_control_timeout);
	stream_start_deadline(s, var_control_timeout, 0);
	if (ipc_hello(s, CTL_PROTOCOL, CTL_VERSION, &error) < 0) {
		msg_warn("uid=%ld pid=%ld: hello failed: %s", (long)cred.uid,
		    (long)cred.pid, error);
		stream_free(&s);
		return;
	}
	if (!allowed) {
		msg_warn("uid=%ld gid=%ld pid=%ld: permission denied (not "
		    "root, the instance's owner, or in group %s)",
		    (long)cred.uid, (long)cred.gid, (long)cred.pid,
		    var_admin_group);

		/*
		 * Answer first, then take the request the client is already
		 * sending, unread: closing on it would turn our answer into a
		 * broken pipe on the client's side.
		 */
		if (send_status(s, CTL_ERROR_DENIED) == 0
		    && ipc_recv(s, NULL, &msg, &error) == 0)
			ipc_msg_clear(&msg);
		stream_free(&s);
		return;
	}
	for (;;) {
		stream_start_deadline(s, var_control_timeout, 0);
		if (ipc_recv(s, NULL, &msg, &error) < 0) {
			if (strcmp(error, "eof") != 0)
				msg_warn("uid=%ld: bad request: %s",
				    (long)cred.uid, error);
			break;
		}
		if (admind_request(s, reg, cred.uid, &msg) < 0) {
			ipc_msg_clear(&msg);
			msg_warn("uid=%ld: cannot answer: %s", (long)cred.uid,
			    stream_reason(s));
			break;
		}
		ipc_msg_clear(&msg);
	}
	stream_free(&s);
}
