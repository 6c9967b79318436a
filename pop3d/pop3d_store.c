/*
 * pop3d_store - the mailbox interface (pop3d.h) over the local store and
 * the registry.
 *
 * Logins go through auth.h's shared rules. Opening a mailbox opens the
 * user's INBOX (which synchronises its index with the directory, so mail
 * written straight into the Maildir is picked up), takes the store's
 * one-session lock, and lists every message once: that list is the
 * session's snapshot, its sizes the store's vsize plus eol_pad (the CR LF
 * RETR adds to a file without a final newline) and its UIDLs the
 * store's (stored or derived, stable for the message's life). Commit is
 * store_expunge(), which is durable once it returns. A successful login
 * is recorded as the user's last_login in the registry (auth.h), one short
 * transaction, which is also where LOGIN-DELAY is enforced.
 *
 * APOP needs the user's secret in a form it can use (RFC 1939 section 7):
 * the registry holds it encrypted (secret.h, set by estuaryctl user set
 * ADDR apop=...). It is decrypted with the key in secret_key_file for
 * each attempt, the MD5 of timestamp and secret compared in constant
 * time, and the secret wiped. A user without one is "without an APOP
 * secret" (a clear -ERR); a secret that does not decrypt (changed key or
 * record) is logged and the login refused as a temporary failure.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "auth.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "pop3d.h"
#include "registry.h"
#include "secret.h"
#include "store.h"

struct pop3d_mbox {
	struct store_mailbox *mb;
};

static struct store_backend_ctx {
	struct registry *reg;
	struct store *st;
} sb;

/* sb_login - the shared rules and the password */
static enum auth_result
sb_login(void *ctx, const char *login, const char *passwd, unsigned service,
    char *user_r, const char **why_r)
{
	struct store_backend_ctx *c = ctx;

	return (auth_login(c->reg, login, passwd, service, user_r, why_r));
}

/*
 * apop_digest - the hex MD5 of timestamp and secret into hex (33 bytes);
 * 0, or -1 if the digest cannot be computed
 */
static int
apop_digest(const char *timestamp, const char *secret, char *hex)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	ok = EVP_DigestInit_ex(ctx, EVP_md5(), NULL) == 1
	    && EVP_DigestUpdate(ctx, timestamp, strlen(timestamp)) == 1
	    && EVP_DigestUpdate(ctx, secret, strlen(secret)) == 1
	    && EVP_DigestFinal_ex(ctx, md, &len) == 1
	    && len * 2 == POP3_APOP_DIGEST_LEN;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return (-1);
	for (i = 0; i < len; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[2 * len] = '\0';
	explicit_bzero(md, sizeof(md));
	return (0);
}

/* sb_apop - the shared rules, then the digest against the secret */
static enum auth_result
sb_apop(void *ctx, const char *login, const char *timestamp,
    const char *digest, unsigned service, char *user_r, int *no_secret_r,
    const char **why_r)
{
	struct store_backend_ctx *c = ctx;
	char secret[SECRET_MAX + 1], want[POP3_APOP_DIGEST_LEN + 1];
	struct secret_key key;
	struct reg_user u;
	const char *error;
	enum auth_result r;

	*no_secret_r = 0;
	r = auth_check(c->reg, login, service, user_r, &u, why_r);
	if (r != AUTH_OK)
		goto out;
	if (u.apop[0] == '\0') {
		*no_secret_r = 1;
		*why_r = "no APOP secret";
		r = AUTH_FAILED;
		goto out;
	}
	if (secret_key_load(var_secret_key_file, &key, &error) < 0) {
		msg_warn("APOP: %s", error);
		*why_r = "secret key unreadable";
		r = AUTH_TEMPFAIL;
		goto out;
	}
	if (secret_decrypt(&key, u.apop, secret, sizeof(secret),
	    &error) < 0) {
		msg_warn("APOP: user %s: %s", user_r, error);
		*why_r = "APOP secret does not decrypt";
		r = AUTH_TEMPFAIL;
	} else if (apop_digest(timestamp, secret, want) < 0) {
		*why_r = "MD5 unavailable";
		r = AUTH_TEMPFAIL;
	} else if (strlen(digest) != POP3_APOP_DIGEST_LEN
	    || CRYPTO_memcmp(want, digest, POP3_APOP_DIGEST_LEN) != 0) {
		*why_r = "wrong APOP digest";
		r = AUTH_FAILED;
	}
	secret_key_wipe(&key);
	explicit_bzero(secret, sizeof(secret));
	explicit_bzero(want, sizeof(want));
out:
	explicit_bzero(&u, sizeof(u));
	return (r);
}

/* sb_open - INBOX, lock, snapshot */
static int
sb_open(void *ctx, const char *user, struct pop3d_mbox **mb_r,
    struct pop3d_msg **msgs_r, size_t *count_r, const char **error_r)
{
	struct store_backend_ctx *c = ctx;
	struct store_mailbox *mb;
	struct store_msg *list;
	struct pop3d_msg *msgs;
	size_t n, i;
	int r;

	if ((mb = store_mailbox_open(c->st, user, NULL, NULL,
	    error_r)) == NULL)
		return (-1);
	if ((r = store_mailbox_trylock(mb, error_r)) <= 0) {
		store_mailbox_close(&mb);
		return (r);
	}
	if (store_mailbox_list(mb, 1, 0, &list, &n, error_r) < 0) {
		store_mailbox_close(&mb);
		return (-1);
	}
	msgs = xcalloc(n + 1, sizeof(*msgs));
	for (i = 0; i < n; i++) {
		msgs[i].id = list[i].uid;
		/* RETR ends an unterminated last line with CR LF */
		msgs[i].size = list[i].vsize + list[i].eol_pad;
		if (strlen(list[i].uidl) > POP3D_UIDL_MAX)
			msg_panic("store UIDL over %d bytes", POP3D_UIDL_MAX);
		memcpy(msgs[i].uidl, list[i].uidl, strlen(list[i].uidl) + 1);
	}
	store_msgs_free(&list, n);
	*mb_r = xmalloc(sizeof(**mb_r));
	(*mb_r)->mb = mb;
	*msgs_r = msgs;
	*count_r = n;
	return (1);
}

/* sb_retr - the message file */
static int
sb_retr(struct pop3d_mbox *mb, uint32_t id, const char **error_r)
{
	return (store_msg_open(mb->mb, id, error_r));
}

/* sb_commit - expunge */
static int
sb_commit(struct pop3d_mbox *mb, const uint32_t *ids, size_t n,
    const char **error_r)
{
	return (store_expunge(mb->mb, ids, n, error_r));
}

/* sb_close - unlock, close */
static void
sb_close(struct pop3d_mbox **mb)
{
	if (*mb == NULL)
		return;
	store_mailbox_close(&(*mb)->mb);
	free(*mb);
	*mb = NULL;
}

/* sb_stamp - last_login in the user's registry record */
static int
sb_stamp(void *ctx, const char *user, int delay, time_t *last_r,
    const char **error_r)
{
	struct store_backend_ctx *c = ctx;

	return (auth_login_stamp(c->reg, user, time(NULL), delay, last_r,
	    error_r));
}

/* pop3d_store_backend - the backend over reg and st */
const struct pop3d_backend *
pop3d_store_backend(struct registry *reg, struct store *st)
{
	static struct pop3d_backend be = {
		.login = sb_login,
		.apop = sb_apop,
		.open = sb_open,
		.retr = sb_retr,
		.commit = sb_commit,
		.close = sb_close,
		.stamp = sb_stamp,
		.ctx = &sb,
	};

	sb.reg = reg;
	sb.st = st;
	return (&be);
}
