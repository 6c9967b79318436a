/*
 * smtpd_check - the per-recipient rules (the acceptance flow of
 * virtual-domains fig. 5), in this order:
 *
 *	domain not hosted	relay (queue) for an authenticated submission
 *				or smtps user, else 554 5.7.1
 *	domain inactive		450 4.2.1
 *	domain deleted		550 5.1.2
 *	service not allowed	550 5.7.1 (smtp needs "smtp", submission and
 *				smtps need "submission")
 *	postmaster@domain	always taken: to the domain's postmaster
 *				address (local, or queued), else a user or
 *				alias of that name, else the domain's admin
 *	no user, no alias	550 5.1.1
 *	user inactive		450 4.2.1
 *	user over quota		452 4.2.2 (store_quota_check with SIZE=)
 *	alias			each target resolved the same way (without
 *				the relay and service rules: an alias target
 *				outside the hosted domains is queued)
 *
 * Alias expansion keeps the chain of addresses being expanded: a target
 * already on it is a loop and is not followed, nor is anything deeper
 * than smtpd_alias_depth. A temporary failure of any target defers the
 * whole recipient (the client retries and nothing is half delivered); a
 * target that fails for good is dropped with a log line as long as
 * another target remains; when none remains the recipient gets the
 * failure (550 5.1.1, or 550 5.4.6 for a loop).
 *
 * Results collect in scratch lists and join the transaction only when the
 * recipient is accepted. Lookups that fail give 451 4.3.0.
 *
 * XXX "<postmaster>" without a domain is taken as postmaster@myhostname,
 * so it is only accepted when myhostname is a hosted domain. XXX Users in
 * migration (DESIGN.md: 4xx, or relay to the legacy server) wait for the
 * registry to record that state.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mem.h"
#include "msg.h"
#include "name.h"
#include "param_table.h"
#include "registry.h"
#include "smtpd.h"
#include "store.h"

enum res {
	RES_OK,				/* at least one target */
	RES_UNKNOWN,			/* no such user or alias */
	RES_TEMP,			/* try again later */
	RES_PERM,			/* refused for good */
	RES_LOOP,			/* alias loop or too deep */
};

struct resolve {
	struct smtpd_session *sess;
	struct smtpd_list local;	/* users found */
	struct smtpd_list remote;	/* addresses to queue */
	struct smtpd_list chain;	/* aliases being expanded */
};

/* smtpd_list_has - is s in l? */
int
smtpd_list_has(const struct smtpd_list *l, const char *s)
{
	int i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return (1);
	return (0);
}

/* smtpd_list_add - add a copy unless present */
int
smtpd_list_add(struct smtpd_list *l, const char *s)
{
	if (smtpd_list_has(l, s))
		return (0);
	if (l->n == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 8;
		l->v = xreallocarray(l->v, (size_t)l->alloc, sizeof(*l->v));
	}
	l->v[l->n++] = xstrdup(s);
	return (1);
}

/* list_pop - drop the last entry */
static void
list_pop(struct smtpd_list *l)
{
	if (l->n > 0)
		free(l->v[--l->n]);
}

/* smtpd_list_clear - empty it */
void
smtpd_list_clear(struct smtpd_list *l)
{
	while (l->n > 0)
		list_pop(l);
	free(l->v);
	l->v = NULL;
	l->alloc = 0;
}

/* verdict - fill a verdict */
static enum res
verdict(struct smtpd_verdict *v, enum res res, int code, const char *enh,
    const char *fmt, ...)
{
	va_list ap;

	v->code = code;
	v->enhanced = enh;
	va_start(ap, fmt);
	if (vsnprintf(v->text, sizeof(v->text), fmt, ap) < 0)
		v->text[0] = '\0';
	va_end(ap);
	v->status = code < 300 ? "accepted" : code < 500 ? "deferred" :
	    "rejected";
	return (res);
}

static enum res resolve_addr(struct resolve *r, const char *addr,
	    int depth, int top, struct smtpd_verdict *v);

/* resolve_user - a hosted user: state and quota */
static enum res
resolve_user(struct resolve *r, const struct reg_user *u,
    struct smtpd_verdict *v)
{
	const char *error;
	int fits;

	if (u->state == REG_STATE_INACTIVE)
		return (verdict(v, RES_TEMP, 450, "4.2.1", "Mailbox "
		    "temporarily disabled"));
	if (u->state != REG_STATE_ACTIVE)
		return (verdict(v, RES_UNKNOWN, 550, "5.1.1", "User unknown"));
	fits = store_quota_check(r->sess->ctx->store, u->address,
	    r->sess->txn.size, &error);
	if (fits < 0) {
		msg_warn("quota check for %s: %s", u->address, error);
		return (verdict(v, RES_TEMP, 451, "4.3.0", "Temporary lookup "
		    "failure"));
	}
	if (fits == 0)
		return (verdict(v, RES_TEMP, 452, "4.2.2", "Mailbox full"));
	(void)smtpd_list_add(&r->local, u->address);
	return (verdict(v, RES_OK, 250, "2.1.5", "Ok"));
}

/* resolve_alias - expand each target; combine as the prose says */
static enum res
resolve_alias(struct resolve *r, const struct reg_alias *a, int depth,
    struct smtpd_verdict *v)
{
	struct smtpd_verdict tv, first_loop, first_temp, first_perm;
	int i, ok = 0, temp = 0, loop = 0, perm = 0;
	enum res res;

	(void)smtpd_list_add(&r->chain, a->address);
	for (i = 0; i < a->target_count; i++) {
		memset(&tv, 0, sizeof(tv));
		res = resolve_addr(r, a->targets[i], depth + 1, 0, &tv);
		switch (res) {
		case RES_OK:
			ok++;
			break;
		case RES_TEMP:
			if (temp++ == 0)
				first_temp = tv;
			break;
		case RES_LOOP:
			if (loop++ == 0)
				first_loop = tv;
			msg_info("alias <%s>: target <%s> not followed: %s",
			    a->address, a->targets[i], tv.text);
			break;
		default:
			if (perm++ == 0)
				first_perm = tv;
			msg_info("alias <%s>: target <%s> dropped: %d %s %s",
			    a->address, a->targets[i], tv.code, tv.enhanced,
			    tv.text);
			break;
		}
		if (temp)
			break;
	}
	list_pop(&r->chain);
	if (temp) {
		*v = first_temp;
		return (RES_TEMP);
	}
	if (ok)
		return (verdict(v, RES_OK, 250, "2.1.5", "Ok"));
	if (loop) {
		*v = first_loop;
		return (RES_LOOP);
	}
	if (perm) {
		*v = first_perm;
		return (RES_PERM);
	}
	return (verdict(v, RES_UNKNOWN, 550, "5.1.1", "User unknown"));
}

/*
 * resolve_addr - one address (lower-cased unless top), at alias depth;
 * top: the envelope recipient itself (relay and service rules apply).
 */
static enum res
resolve_addr(struct resolve *r, const char *addr, int depth, int top,
    struct smtpd_verdict *v)
{
	struct smtpd_session *sess = r->sess;
	struct registry *reg = sess->ctx->reg;
	char local[NAME_LOCAL_MAX + 1], domain[SMTP_DOMAIN_MAX + 1];
	char key[SMTP_ADDRESS_MAX + 1];
	struct reg_domain d;
	struct reg_user *u;
	struct reg_alias *a;
	const char *error;
	unsigned need;
	enum res res = RES_UNKNOWN;
	int found, pm;

	if (depth > var_smtpd_alias_depth)
		return (verdict(v, RES_LOOP, 550, "5.4.6", "Alias nesting "
		    "too deep"));
	if (name_normalize(addr, key, sizeof(key)) < 0 ||
	    name_split(key, local, sizeof(local), domain, sizeof(domain)) < 0)
		return (verdict(v, RES_UNKNOWN, 550, "5.1.1", "User unknown"));
	if (smtpd_list_has(&r->chain, key))
		return (verdict(v, RES_LOOP, 550, "5.4.6", "Alias loop "
		    "detected"));

	found = 0;
	if (name_domain_check(domain, &error) == 0 &&
	    (found = registry_domain_get(reg, domain, &d, &error)) < 0) {
		msg_warn("domain lookup %s: %s", domain, error);
		return (verdict(v, RES_TEMP, 451, "4.3.0", "Temporary lookup "
		    "failure"));
	}
	if (!found) {
		if (!top) {
			(void)smtpd_list_add(&r->remote, addr);
			return (verdict(v, RES_OK, 250, "2.1.5", "Ok"));
		}
		if (sess->ctx->kind != SMTPD_KIND_SMTP &&
		    sess->auth_user != NULL) {
			(void)smtpd_list_add(&r->remote, addr);
			return (verdict(v, RES_OK, 250, "2.1.5", "Ok"));
		}
		return (verdict(v, RES_PERM, 554, "5.7.1", "Relay access "
		    "denied"));
	}
	if (d.state == REG_STATE_INACTIVE)
		return (verdict(v, RES_TEMP, 450, "4.2.1", "Domain %s is "
		    "temporarily unavailable", d.name));
	if (d.state != REG_STATE_ACTIVE)
		return (verdict(v, RES_PERM, 550, "5.1.2", "Domain %s does "
		    "not accept mail", d.name));
	need = sess->ctx->kind == SMTPD_KIND_SMTP ? REG_SVC_SMTP :
	    REG_SVC_SUBMISSION;
	if (top && (d.services & need) == 0)
		return (verdict(v, RES_PERM, 550, "5.7.1", "Service %s is not "
		    "allowed for domain %s", need == REG_SVC_SMTP ? "smtp" :
		    "submission", d.name));

	/* postmaster@: the domain's postmaster address comes first. */
	pm = strcmp(local, "postmaster") == 0;
	if (pm && d.postmaster[0] != '\0' && strcmp(d.postmaster, key) != 0) {
		(void)smtpd_list_add(&r->chain, key);
		res = resolve_addr(r, d.postmaster, depth + 1, 0, v);
		list_pop(&r->chain);
		if (res == RES_OK || res == RES_TEMP)
			return (res);
		msg_warn("domain %s: postmaster address <%s>: %d %s %s",
		    d.name, d.postmaster, v->code, v->enhanced, v->text);
	}
	if (name_local_check(local, &error) < 0)
		return (verdict(v, RES_UNKNOWN, 550, "5.1.1", "User unknown"));

	u = xmalloc(sizeof(*u));
	found = registry_user_get(reg, key, u, &error);
	if (found == 1)
		res = resolve_user(r, u, v);
	free(u);
	if (found < 0) {
		msg_warn("user lookup %s: %s", key, error);
		return (verdict(v, RES_TEMP, 451, "4.3.0", "Temporary lookup "
		    "failure"));
	}
	if (found == 1)
		return (res);

	a = xmalloc(sizeof(*a));
	found = registry_alias_get(reg, key, a, &error);
	if (found == 1)
		res = resolve_alias(r, a, depth, v);
	free(a);
	if (found < 0) {
		msg_warn("alias lookup %s: %s", key, error);
		return (verdict(v, RES_TEMP, 451, "4.3.0", "Temporary lookup "
		    "failure"));
	}
	if (found == 1)
		return (res);

	if (pm) {
		/* Always taken: fall back to the domain's admin. */
		if (d.admin[0] != '\0' && strcmp(d.admin, key) != 0) {
			(void)smtpd_list_add(&r->chain, key);
			res = resolve_addr(r, d.admin, depth + 1, 0, v);
			list_pop(&r->chain);
			if (res == RES_OK || res == RES_TEMP)
				return (res);
		}
		msg_warn("domain %s has no usable postmaster or admin address",
		    d.name);
		return (verdict(v, RES_TEMP, 451, "4.3.5", "Postmaster "
		    "address of %s is not configured", d.name));
	}
	return (verdict(v, RES_UNKNOWN, 550, "5.1.1", "User unknown"));
}

/* smtpd_check_rcpt - the rules for one RCPT */
void
smtpd_check_rcpt(struct smtpd_session *sess, const struct smtp_path *path,
    struct smtpd_verdict *v)
{
	struct resolve r;
	char addr[SMTP_ADDRESS_MAX + 1], text[sizeof(v->text)];
	int i, n;

	memset(&r, 0, sizeof(r));
	memset(v, 0, sizeof(*v));
	r.sess = sess;
	if (path->flags & SMTP_PATH_POSTMASTER) {
		/* "<postmaster>": this host's postmaster (RFC 5321 4.5.1). */
		n = snprintf(addr, sizeof(addr), "postmaster@%s",
		    var_myhostname);
		if (n < 0 || (size_t)n >= sizeof(addr))
			addr[0] = '\0';
	} else {
		memcpy(addr, path->address, sizeof(addr));
	}
	if (resolve_addr(&r, addr, 0, 1, v) == RES_OK) {
		for (i = 0; i < r.local.n; i++)
			(void)smtpd_list_add(&sess->txn.local, r.local.v[i]);
		for (i = 0; i < r.remote.n; i++)
			(void)smtpd_list_add(&sess->txn.remote, r.remote.v[i]);
	} else if (v->code == 250) {
		msg_panic("smtpd_check_rcpt: 250 without a target");
	}
	if (v->code >= 400) {
		memcpy(text, v->text, sizeof(text));
		n = snprintf(v->text, sizeof(v->text), "<%s>: Recipient "
		    "address rejected: %s", path->address, text);
		if (n < 0 || (size_t)n >= sizeof(v->text))
			memcpy(v->text, text, sizeof(text));
	}
	smtpd_list_clear(&r.local);
	smtpd_list_clear(&r.remote);
	smtpd_list_clear(&r.chain);
}
