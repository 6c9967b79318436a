/*
 * imapd_list - mailbox names and the commands on whole mailboxes: LIST
 * and LSUB (patterns "*" and "%", CHILDREN and SPECIAL-USE attributes),
 * SUBSCRIBE/UNSUBSCRIBE, CREATE, DELETE, RENAME, STATUS, and the QUOTA
 * commands.
 *
 * RENAME INBOX (RFC 3501 6.3.5) creates the new mailbox, copies every
 * message of the INBOX into it with the COPY code (imapd_copy_uids) and
 * then expunges them from the INBOX; the INBOX's inferiors stay. LSUB
 * with "%" also lists, with \Noselect, an unsubscribed parent of a
 * subscribed name that only "%" hides (RFC 3501 6.3.9).
 *
 * A name from a client is checked before anything else: it must decode
 * as modified UTF-7 (mutf7.h, strict), "/" separates levels, a level may
 * not be empty or hold "." (the store's separator), and the result must
 * pass store_folder_check(), which keeps it inside the user's Maildir.
 *
 * Subscriptions live in the user's Maildir in a file "subscriptions", one
 * name (as the client sees it) per line, replaced atomically. Its absence
 * marks a first login: then the special-use folders Drafts, Sent, Trash
 * and Junk are created and subscribed together with the INBOX.
 *
 * Quota: one root "" for all the user's mailboxes, STORAGE in KiB and
 * MESSAGE from store_usage(), limits from the user record, else the
 * domain's default; a resource without a limit is not listed. SETQUOTA is
 * refused: limits are the administrator's (estuaryctl).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "imapd.h"
#include "mem.h"
#include "msg.h"
#include "mutf7.h"
#include "registry.h"
#include "sbuf.h"
#include "store.h"
#include "stream.h"

#define SUBS_FILE	"subscriptions"
#define SUBS_MAX	10000		/* names in the file */

static const char *const special[][2] = {
	{ "Drafts", "\\Drafts" },
	{ "Sent", "\\Sent" },
	{ "Trash", "\\Trash" },
	{ "Junk", "\\Junk" },
};

/* imapd_name_to_folder - client name to store folder */
int
imapd_name_to_folder(const char *name, size_t len, char *folder,
    const char **error_r)
{
	char utf8[IMAPD_NAME_MAX * 4 + 1];
	size_t i, olen;
	enum mutf7_status st;

	if (len == 0 || strlen(name) != len) {
		*error_r = "Invalid mailbox name";
		return (-1);
	}
	if (len > IMAPD_NAME_MAX) {
		*error_r = "Mailbox name too long";
		return (-1);
	}
	if (strcasecmp(name, "INBOX") == 0) {
		memcpy(folder, "INBOX", 6);
		return (0);
	}
	st = mutf7_decode(name, len, utf8, sizeof(utf8), &olen);
	if (st != MUTF7_OK) {
		*error_r = "Mailbox name is not valid modified UTF-7";
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (name[i] == '.') {
			*error_r = "Mailbox names may not contain \".\"";
			return (-1);
		}
		if (name[i] == IMAPD_DELIM && (i == 0 || i + 1 == len ||
		    name[i + 1] == IMAPD_DELIM)) {
			*error_r = "Empty hierarchy level in mailbox name";
			return (-1);
		}
		folder[i] = name[i] == IMAPD_DELIM ? '.' : name[i];
	}
	folder[len] = '\0';
	if (strncasecmp(folder, "INBOX.", 6) == 0)
		memcpy(folder, "INBOX", 5);	/* one spelling of the inbox */
	if (store_folder_check(folder, error_r) < 0)
		return (-1);
	return (0);
}

/* imapd_folder_to_name - store folder to client name */
void
imapd_folder_to_name(const char *folder, char *name)
{
	size_t i;

	for (i = 0; folder[i] != '\0' && i < IMAPD_NAME_MAX; i++)
		name[i] = folder[i] == '.' ? IMAPD_DELIM : folder[i];
	name[i] = '\0';
}

/* mailbox_arg - a mailbox argument into folder; -1 after replying */
static int
mailbox_arg(struct imapd_session *sess, const struct imap_arg *arg,
    char *folder, int strip_delim)
{
	const char *name, *error;
	char buf[IMAPD_NAME_MAX + 2];
	size_t len;

	if (!imap_arg_astring(arg, &name, &len)) {
		imapd_bad(sess, "Mailbox name expected");
		return (-1);
	}
	if (strip_delim && len > 1 && len <= IMAPD_NAME_MAX &&
	    name[len - 1] == IMAPD_DELIM) {
		memcpy(buf, name, len - 1);
		buf[len - 1] = '\0';
		name = buf;
		len--;
	}
	if (imapd_name_to_folder(name, len, folder, &error) < 0) {
		imapd_tagged(sess, "NO", "[CANNOT] %s", error);
		return (-1);
	}
	return (0);
}

/* pattern_match - "*" any, "%" any but the delimiter */
static int
pattern_match(const char *p, const char *s, int icase)
{
	for (; *p != '\0'; p++, s++) {
		if (*p == '*' || *p == '%') {
			for (;;) {
				if (pattern_match(p + 1, s, icase))
					return (1);
				if (*s == '\0' || (*p == '%' &&
				    *s == IMAPD_DELIM))
					return (0);
				s++;
			}
		}
		if (icase ? (*s == '\0' || strncasecmp(p, s, 1) != 0) :
		    *p != *s)
			return (0);
	}
	return (*s == '\0');
}

/* name_match - with INBOX matched in any case */
static int
name_match(const char *pattern, const char *name)
{
	if (strcmp(name, "INBOX") == 0)
		return (pattern_match(pattern, name, 1));
	return (pattern_match(pattern, name, 0));
}

/* subs_path - the user's subscription file */
static int
subs_path(struct imapd_session *sess, char *buf, size_t size)
{
	char dir[4096];
	int n;

	if (imapd_user_dir(sess, NULL, dir, sizeof(dir)) < 0)
		return (-1);
	n = snprintf(buf, size, "%s/%s", dir, SUBS_FILE);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

/* subs_load - the subscribed names; 0, 1 when there is no file, -1 */
static int
subs_load(struct imapd_session *sess, char ***names_r, size_t *n_r)
{
	char path[4200], line[IMAPD_NAME_MAX + 4];
	char **names = NULL;
	size_t n = 0, len;
	FILE *f;

	*names_r = NULL;
	*n_r = 0;
	if (subs_path(sess, path, sizeof(path)) < 0)
		return (-1);
	if ((f = fopen(path, "r")) == NULL)
		return (errno == ENOENT ? 1 : -1);
	while (n < SUBS_MAX && fgets(line, sizeof(line), f) != NULL) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (len == 0)
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(line);
	}
	fclose(f);
	*names_r = names;
	*n_r = n;
	return (0);
}

/* subs_free - the list */
static void
subs_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* subs_save - write the list atomically */
static int
subs_save(struct imapd_session *sess, char **names, size_t n)
{
	char path[4200], tmp[4300];
	size_t i;
	FILE *f;
	int fd;

	if (subs_path(sess, path, sizeof(path)) < 0)
		return (-1);
	(void)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) < 0)
		return (-1);
	if ((f = fdopen(fd, "w")) == NULL) {
		close(fd);
		return (-1);
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%s\n", names[i]);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
		fclose(f);
		unlink(tmp);
		return (-1);
	}
	if (fclose(f) != 0 || rename(tmp, path) < 0) {
		unlink(tmp);
		return (-1);
	}
	return (0);
}

/* imapd_first_login - special-use folders when there is no subs file */
void
imapd_first_login(struct imapd_session *sess)
{
	struct store_mailbox *mb;
	char **names;
	const char *error;
	char *subs[5];
	size_t n, i;
	int r;

	if ((r = subs_load(sess, &names, &n)) != 1) {
		subs_free(names, n);
		return;
	}
	/* The INBOX (and with it the user's directory) first. */
	if ((mb = store_mailbox_open(sess->ctx->st, sess->user, NULL, NULL,
	    &error)) == NULL) {
		msg_warn("user %s: cannot open INBOX: %s", sess->user, error);
		return;
	}
	store_mailbox_close(&mb);
	subs[0] = "INBOX";
	for (i = 0; i < 4; i++) {
		subs[i + 1] = (char *)special[i][0];
		if (store_folder_exists(sess->ctx->st, sess->user,
		    special[i][0], &error) == 0 &&
		    store_folder_create(sess->ctx->st, sess->user,
		    special[i][0], &error) < 0)
			msg_warn("user %s: cannot create %s: %s", sess->user,
			    special[i][0], error);
	}
	if (subs_save(sess, subs, 5) < 0)
		msg_warn("user %s: cannot write the subscriptions: %s",
		    sess->user, strerror(errno));
	else
		msg_info("user %s: first login, special-use folders created",
		    sess->user);
}

/* special_use - the attribute of a top-level special folder, or NULL */
static const char *
special_use(const char *name)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(name, special[i][0]) == 0)
			return (special[i][1]);
	return (NULL);
}

struct entry {
	char	name[IMAPD_NAME_MAX + 1];
	int	exists;
	int	children;
};

/* entries - INBOX, every folder and every implied parent, sorted */
static int
entries(struct imapd_session *sess, struct entry **e_r, size_t *n_r)
{
	char **folders, name[IMAPD_NAME_MAX + 1];
	struct entry *e;
	const char *error;
	size_t count, n = 0, i, j, k;
	char *p;

	if (store_folder_list(sess->ctx->st, sess->user, &folders, &count,
	    &error) < 0) {
		msg_warn("user %s: list: %s", sess->user, error);
		return (-1);
	}
	/* Each folder may add itself and its parents. */
	e = xcalloc(count * 8 + 2, sizeof(*e));
	memcpy(e[n].name, "INBOX", 6);
	e[n++].exists = 1;
	for (i = 0; i < count; i++) {
		imapd_folder_to_name(folders[i], name);
		for (p = name;; ) {
			p = strchr(p, IMAPD_DELIM);
			if (p != NULL)
				*p = '\0';
			for (j = 0; j < n; j++)
				if (strcmp(e[j].name, name) == 0)
					break;
			if (j == n && n < count * 8 + 1) {
				memcpy(e[n].name, name, strlen(name) + 1);
				n++;
			}
			if (j < n) {
				if (p == NULL)
					e[j].exists = 1;
				else
					e[j].children = 1;
			}
			if (p == NULL)
				break;
			*p++ = IMAPD_DELIM;
		}
	}
	store_folders_free(&folders, count);
	/* Sort by name (insertion: folder counts are small). */
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && strcmp(e[k - 1].name, e[k].name) > 0;
		    k--) {
			struct entry t = e[k];

			e[k] = e[k - 1];
			e[k - 1] = t;
		}
	*e_r = e;
	*n_r = n;
	return (0);
}

/* is_subscribed - name in the list? */
static int
is_subscribed(char **subs, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(subs[i], name) == 0)
			return (1);
	return (0);
}

/*
 * lsub_parents - LSUB with "%" (RFC 3501 6.3.9): a superior name of a
 * subscribed name that matches the pattern while the subscribed name does
 * not (it is only reached through "%"), and is not subscribed itself, is
 * listed with \Noselect, once
 */
static void
lsub_parents(struct imapd_session *sess, const char *pattern, char **subs,
    size_t nsubs)
{
	char name[IMAPD_NAME_MAX + 1], **done = NULL;
	size_t i, k, ndone = 0;
	char *p;

	for (i = 0; i < nsubs; i++) {
		if (strlen(subs[i]) > IMAPD_NAME_MAX ||
		    name_match(pattern, subs[i]))
			continue;
		memcpy(name, subs[i], strlen(subs[i]) + 1);
		for (p = name; (p = strchr(p, IMAPD_DELIM)) != NULL; p++) {
			*p = '\0';
			for (k = 0; k < ndone; k++)
				if (strcmp(done[k], name) == 0)
					break;
			if (k == ndone && name_match(pattern, name) &&
			    !is_subscribed(subs, nsubs, name)) {
				done = xreallocarray(done, ndone + 1,
				    sizeof(*done));
				done[ndone++] = xstrdup(name);
				(void)stream_printf(sess->s, "* LSUB "
				    "(\\Noselect) \"%c\" ", IMAPD_DELIM);
				imapd_write_string(sess, name, strlen(name));
				(void)stream_puts(sess->s, "\r\n");
			}
			*p = IMAPD_DELIM;
		}
	}
	subs_free(done, ndone);
}

/* imapd_cmd_list - LIST/LSUB [(selection)] reference pattern [RETURN] */
void
imapd_cmd_list(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	int lsub = strcasecmp(imap_parser_command(sess->parser), "LSUB") == 0;
	const char *verb = lsub ? "LSUB" : "LIST";
	const char *ref, *pat, *su;
	int sel_subscribed = 0, sel_special = 0;
	char pattern[2 * IMAPD_NAME_MAX + 2];
	struct entry *e = NULL;
	char **subs = NULL;
	size_t rlen, plen, n = 0, nsubs = 0, i, a = 0;
	struct sbuf *attrs;

	(void)uid;
	if (!lsub && count > 0 && args[0].type == IMAP_ARG_LIST) {
		for (i = 0; i < args[0].count; i++) {
			if (imap_arg_atom_eq(&args[0].list[i], "SUBSCRIBED"))
				sel_subscribed = 1;
			else if (imap_arg_atom_eq(&args[0].list[i],
			    "SPECIAL-USE"))
				sel_special = 1;
		}
		a = 1;
	}
	if (!lsub && count == a + 4 && imap_arg_atom_eq(&args[a + 2],
	    "RETURN") && args[a + 3].type == IMAP_ARG_LIST)
		count -= 2;		/* SPECIAL-USE is returned anyway */
	if (count != a + 2 || !imap_arg_astring(&args[a], &ref, &rlen) ||
	    !imap_arg_astring(&args[a + 1], &pat, &plen)) {
		imapd_bad(sess, "%s: want reference and mailbox pattern",
		    verb);
		return;
	}
	if (!lsub && plen == 0) {
		imapd_untagged(sess, "LIST (\\Noselect) \"%c\" \"\"",
		    IMAPD_DELIM);
		imapd_tagged(sess, "OK", "LIST completed");
		return;
	}
	if (rlen + plen + 1 > sizeof(pattern) || strlen(ref) != rlen ||
	    strlen(pat) != plen) {
		imapd_tagged(sess, "NO", "[CANNOT] Pattern too long");
		return;
	}
	(void)snprintf(pattern, sizeof(pattern), "%s%s", ref, pat);
	if (entries(sess, &e, &n) < 0) {
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot list mailboxes");
		return;
	}
	if ((lsub || sel_subscribed) && subs_load(sess, &subs, &nsubs) < 0)
		msg_warn("user %s: cannot read the subscriptions",
		    sess->user);
	attrs = sbuf_new(0);
	for (i = 0; i < n; i++) {
		if (!name_match(pattern, e[i].name))
			continue;
		su = e[i].exists ? special_use(e[i].name) : NULL;
		if ((lsub || sel_subscribed) &&
		    !is_subscribed(subs, nsubs, e[i].name))
			continue;
		if (sel_special && su == NULL)
			continue;
		sbuf_reset(attrs);
		if (!e[i].exists)
			(void)sbuf_appends(attrs, " \\Noselect");
		if (!lsub)
			(void)sbuf_appends(attrs, e[i].children ?
			    " \\HasChildren" : " \\HasNoChildren");
		if (su != NULL && !lsub)
			(void)sbuf_appendf(attrs, " %s", su);
		if (sel_subscribed)
			(void)sbuf_appends(attrs, " \\Subscribed");
		(void)stream_printf(sess->s, "* %s (%s) \"%c\" ", verb,
		    sbuf_len(attrs) ? sbuf_str(attrs) + 1 : "", IMAPD_DELIM);
		imapd_write_string(sess, e[i].name, strlen(e[i].name));
		(void)stream_puts(sess->s, "\r\n");
	}
	/* Subscribed names with no mailbox behind them (LSUB). */
	if (lsub)
		for (i = 0; i < nsubs; i++) {
			size_t j;

			for (j = 0; j < n; j++)
				if (strcmp(e[j].name, subs[i]) == 0)
					break;
			if (j < n || !name_match(pattern, subs[i]))
				continue;
			(void)stream_printf(sess->s, "* LSUB (\\Noselect) "
			    "\"%c\" ", IMAPD_DELIM);
			imapd_write_string(sess, subs[i], strlen(subs[i]));
			(void)stream_puts(sess->s, "\r\n");
		}
	if (lsub && strchr(pattern, '%') != NULL)
		lsub_parents(sess, pattern, subs, nsubs);
	sbuf_free(&attrs);
	subs_free(subs, nsubs);
	free(e);
	imapd_tagged(sess, "OK", "%s completed", verb);
}

/* imapd_cmd_subscribe - SUBSCRIBE/UNSUBSCRIBE name */
void
imapd_cmd_subscribe(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	int unsub = strcasecmp(imap_parser_command(sess->parser),
	    "UNSUBSCRIBE") == 0;
	char folder[IMAPD_NAME_MAX + 1], name[IMAPD_NAME_MAX + 1];
	const char *error;
	char **subs;
	size_t n, i;
	int r;

	(void)uid;
	if (count != 1) {
		imapd_bad(sess, "%sSUBSCRIBE: want a mailbox name",
		    unsub ? "UN" : "");
		return;
	}
	if (mailbox_arg(sess, &args[0], folder, 1) < 0)
		return;
	imapd_folder_to_name(folder, name);
	if (!unsub && strcmp(folder, "INBOX") != 0 &&
	    (r = store_folder_exists(sess->ctx->st, sess->user, folder,
	    &error)) != 1) {
		imapd_tagged(sess, "NO", "[NONEXISTENT] Mailbox does not "
		    "exist");
		return;
	}
	if (subs_load(sess, &subs, &n) < 0) {
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot read the "
		    "subscriptions");
		return;
	}
	for (i = 0; i < n; i++)
		if (strcmp(subs[i], name) == 0)
			break;
	if (unsub && i < n) {
		free(subs[i]);
		memmove(&subs[i], &subs[i + 1], (n - i - 1) * sizeof(*subs));
		n--;
	} else if (!unsub && i == n) {
		if (n >= SUBS_MAX) {
			subs_free(subs, n);
			imapd_tagged(sess, "NO", "[LIMIT] Too many "
			    "subscriptions");
			return;
		}
		subs = xreallocarray(subs, n + 1, sizeof(*subs));
		subs[n++] = xstrdup(name);
	}
	r = subs_save(sess, subs, n);
	subs_free(subs, n);
	if (r < 0) {
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot write the "
		    "subscriptions");
		return;
	}
	imapd_tagged(sess, "OK", "%sSUBSCRIBE completed", unsub ? "UN" : "");
}

/* create_parents - the superior folders of folder that do not exist */
static void
create_parents(struct imapd_session *sess, char *folder)
{
	const char *error;
	char *p;

	for (p = folder; (p = strchr(p, '.')) != NULL; p++) {
		*p = '\0';
		if (strcmp(folder, "INBOX") != 0 && store_folder_exists(
		    sess->ctx->st, sess->user, folder, &error) == 0)
			(void)store_folder_create(sess->ctx->st, sess->user,
			    folder, &error);
		*p = '.';
	}
}

/* imapd_cmd_create - CREATE name (parents too) */
void
imapd_cmd_create(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	char folder[IMAPD_NAME_MAX + 1];
	const char *error;
	int r;

	(void)uid;
	if (count != 1) {
		imapd_bad(sess, "CREATE: want a mailbox name");
		return;
	}
	if (mailbox_arg(sess, &args[0], folder, 1) < 0)
		return;
	if (strcmp(folder, "INBOX") == 0 || (r = store_folder_exists(
	    sess->ctx->st, sess->user, folder, &error)) == 1) {
		imapd_tagged(sess, "NO", "[ALREADYEXISTS] Mailbox exists");
		return;
	}
	/* Superior names first (RFC 3501 6.3.3). */
	create_parents(sess, folder);
	if (store_folder_create(sess->ctx->st, sess->user, folder,
	    &error) < 0) {
		msg_warn("user %s: create %s: %s", sess->user, folder, error);
		imapd_tagged(sess, "NO", "[CANNOT] Cannot create the mailbox");
		return;
	}
	imapd_tagged(sess, "OK", "CREATE completed");
}

/* imapd_cmd_delete - DELETE name (its inferiors stay) */
void
imapd_cmd_delete(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	char folder[IMAPD_NAME_MAX + 1];
	const char *error;

	(void)uid;
	if (count != 1) {
		imapd_bad(sess, "DELETE: want a mailbox name");
		return;
	}
	if (mailbox_arg(sess, &args[0], folder, 0) < 0)
		return;
	if (strcmp(folder, "INBOX") == 0) {
		imapd_tagged(sess, "NO", "[CANNOT] The INBOX cannot be "
		    "deleted");
		return;
	}
	if (store_folder_exists(sess->ctx->st, sess->user, folder,
	    &error) != 1) {
		imapd_tagged(sess, "NO", "[NONEXISTENT] Mailbox does not "
		    "exist");
		return;
	}
	if (sess->sel != NULL && strcmp(sess->sel->folder, folder) == 0) {
		imapd_tagged(sess, "NO", "[INUSE] Mailbox is selected");
		return;
	}
	if (store_folder_delete(sess->ctx->st, sess->user, folder,
	    &error) < 0) {
		msg_warn("user %s: delete %s: %s", sess->user, folder, error);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot delete the "
		    "mailbox");
		return;
	}
	imapd_tagged(sess, "OK", "DELETE completed");
}

/*
 * rename_inbox - RENAME INBOX to (RFC 3501 6.3.5): create to, copy every
 * message of the INBOX into it (flags, keywords, internal date kept),
 * then expunge the copied ones from the INBOX; inferiors of the INBOX
 * stay where they are. XXX: not atomic: a crash or error between the
 * copy and the expunge leaves the messages in both mailboxes (duplicates,
 * never a loss).
 */
static void
rename_inbox(struct imapd_session *sess, char *to)
{
	struct store_mailbox *mb, *own = NULL;
	struct store_msg_light *msgs = NULL;
	uint32_t *uids = NULL, *copied = NULL;
	size_t i, n = 0, ncopied = 0;
	struct sbuf *code;
	const char *error;
	int r;

	if (sess->sel != NULL && strcmp(sess->sel->folder, "INBOX") == 0)
		mb = sess->sel->mb;
	else if ((mb = own = store_mailbox_open(sess->ctx->st, sess->user,
	    NULL, NULL, &error)) == NULL) {
		msg_warn("user %s: rename INBOX: %s", sess->user, error);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot open the INBOX");
		return;
	}
	create_parents(sess, to);
	if (store_mailbox_list_light(mb, 1, 0, &msgs, &n, &error) < 0 ||
	    store_folder_create(sess->ctx->st, sess->user, to, &error) < 0) {
		msg_warn("user %s: rename INBOX %s: %s", sess->user, to,
		    error);
		store_msgs_light_free(&msgs, n);
		store_mailbox_close(&own);
		imapd_tagged(sess, "NO", "[CANNOT] Cannot rename the INBOX");
		return;
	}
	uids = xcalloc(n + 1, sizeof(*uids));
	copied = xcalloc(n + 1, sizeof(*copied));
	for (i = 0; i < n; i++)
		uids[i] = msgs[i].uid;
	store_msgs_light_free(&msgs, n);
	/* Copy first, expunge after: a failure leaves duplicates. */
	code = sbuf_new(0);
	r = imapd_copy_uids(sess, mb, uids, n, to, 0, code, copied, &ncopied);
	sbuf_free(&code);
	if (r < 0) {
		imapd_tagged(sess, "NO", "[SERVERBUG] RENAME INBOX copied %zu "
		    "of %zu messages; the INBOX is unchanged", ncopied, n);
	} else if (ncopied > 0 && store_expunge(mb, copied, ncopied,
	    &error) < 0) {
		msg_warn("user %s: rename INBOX: expunge: %s", sess->user,
		    error);
		imapd_tagged(sess, "NO", "[SERVERBUG] RENAME INBOX copied the "
		    "messages but could not remove them from the INBOX");
	} else {
		msg_info("user %s: INBOX renamed to %s, %zu messages moved",
		    sess->user, to, ncopied);
		imapd_tagged(sess, "OK", "RENAME completed");
	}
	free(uids);
	free(copied);
	store_mailbox_close(&own);
}

/* imapd_cmd_rename - RENAME from to */
void
imapd_cmd_rename(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	char from[IMAPD_NAME_MAX + 1], to[IMAPD_NAME_MAX + 1];
	const char *error;

	(void)uid;
	if (count != 2) {
		imapd_bad(sess, "RENAME: want two mailbox names");
		return;
	}
	if (mailbox_arg(sess, &args[0], from, 0) < 0 ||
	    mailbox_arg(sess, &args[1], to, 1) < 0)
		return;
	if (strcmp(to, "INBOX") == 0 || store_folder_exists(sess->ctx->st,
	    sess->user, to, &error) == 1) {
		imapd_tagged(sess, "NO", "[ALREADYEXISTS] Mailbox exists");
		return;
	}
	if (strcmp(from, "INBOX") == 0) {
		rename_inbox(sess, to);
		return;
	}
	if (store_folder_exists(sess->ctx->st, sess->user, from,
	    &error) != 1) {
		imapd_tagged(sess, "NO", "[NONEXISTENT] Mailbox does not "
		    "exist");
		return;
	}
	if (store_folder_rename(sess->ctx->st, sess->user, from, to,
	    &error) < 0) {
		msg_warn("user %s: rename %s %s: %s", sess->user, from, to,
		    error);
		imapd_tagged(sess, "NO", "[CANNOT] Cannot rename the mailbox");
		return;
	}
	imapd_tagged(sess, "OK", "RENAME completed");
}

/* imapd_cmd_status - STATUS name (items) */
void
imapd_cmd_status(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	enum { MESSAGES = 1, RECENT = 2, UIDNEXT = 4, UIDVALIDITY = 8,
	    UNSEEN = 16, HIGHESTMODSEQ = 32 } want = 0;
	static const char *const names[] = { "MESSAGES", "RECENT", "UIDNEXT",
	    "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ" };
	char folder[IMAPD_NAME_MAX + 1], name[IMAPD_NAME_MAX + 1];
	struct store_mailbox_info info;
	struct store_mailbox *mb;
	struct store_msg_light *msgs = NULL;
	const char *error;
	size_t i, j, n = 0, recent = 0, unseen = 0;
	uint32_t first_recent = 1;
	struct sbuf *sb;
	int notfound = 0;

	(void)uid;
	if (count != 2 || args[1].type != IMAP_ARG_LIST ||
	    args[1].count == 0) {
		imapd_bad(sess, "STATUS: want a mailbox name and a list of "
		    "items");
		return;
	}
	for (i = 0; i < args[1].count; i++) {
		for (j = 0; j < 6; j++)
			if (imap_arg_atom_eq(&args[1].list[i], names[j]))
				break;
		if (j == 6) {
			imapd_bad(sess, "STATUS: unknown item");
			return;
		}
		want |= 1u << j;
	}
	if (mailbox_arg(sess, &args[0], folder, 0) < 0)
		return;
	mb = store_mailbox_open(sess->ctx->st, sess->user,
	    strcmp(folder, "INBOX") == 0 ? NULL : folder, &notfound, &error);
	if (mb == NULL) {
		imapd_tagged(sess, "NO", notfound ? "[NONEXISTENT] Mailbox "
		    "does not exist" : "[SERVERBUG] Cannot open the mailbox");
		return;
	}
	if (store_mailbox_info(mb, &info, &error) < 0 ||
	    ((want & RECENT) && store_mailbox_first_recent(mb, &first_recent,
	    &error) < 0) ||
	    ((want & (RECENT | UNSEEN)) && store_mailbox_list_light(mb, 1, 0,
	    &msgs, &n, &error) < 0)) {
		store_mailbox_close(&mb);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot read the "
		    "mailbox");
		return;
	}
	/* Recent: not yet claimed by any session's SELECT (RFC 3501 2.3.2). */
	for (i = 0; i < n; i++) {
		unseen += !(msgs[i].flags & STORE_FLAG_SEEN);
		recent += msgs[i].uid >= first_recent;
	}
	store_msgs_light_free(&msgs, n);
	store_mailbox_close(&mb);
	sb = sbuf_new(0);
	if (want & MESSAGES)
		(void)sbuf_appendf(sb, " MESSAGES %u", (unsigned)info.count);
	if (want & RECENT)
		(void)sbuf_appendf(sb, " RECENT %zu", recent);
	if (want & UIDNEXT)
		(void)sbuf_appendf(sb, " UIDNEXT %u", (unsigned)info.uidnext);
	if (want & UIDVALIDITY)
		(void)sbuf_appendf(sb, " UIDVALIDITY %u",
		    (unsigned)info.uidvalidity);
	if (want & UNSEEN)
		(void)sbuf_appendf(sb, " UNSEEN %zu", unseen);
	if (want & HIGHESTMODSEQ)
		(void)sbuf_appendf(sb, " HIGHESTMODSEQ %llu",
		    (unsigned long long)(info.highestmodseq ?
		    info.highestmodseq : 1));
	imapd_folder_to_name(folder, name);
	(void)stream_puts(sess->s, "* STATUS ");
	imapd_write_string(sess, name, strlen(name));
	(void)stream_printf(sess->s, " (%s)\r\n", sbuf_str(sb) + 1);
	sbuf_free(&sb);
	imapd_tagged(sess, "OK", "STATUS completed");
}

/* quota_limits - the user's limits (0 = none); -1 on error */
static int
quota_limits(struct imapd_session *sess, uint64_t *bytes_r,
    uint64_t *msgs_r)
{
	char local[NAME_ADDRESS_MAX + 1], domain[NAME_ADDRESS_MAX + 1];
	struct reg_user u;
	struct reg_domain d;
	const char *error;

	*bytes_r = *msgs_r = 0;
	if (registry_user_get(sess->ctx->reg, sess->user, &u, &error) != 1)
		return (-1);
	*bytes_r = u.quota_bytes;
	*msgs_r = u.quota_messages;
	explicit_bzero(&u, sizeof(u));
	if ((*bytes_r == 0 || *msgs_r == 0) && name_split(sess->user, local,
	    sizeof(local), domain, sizeof(domain)) == 0 &&
	    registry_domain_get(sess->ctx->reg, domain, &d, &error) == 1) {
		if (*bytes_r == 0)
			*bytes_r = d.quota_bytes;
		if (*msgs_r == 0)
			*msgs_r = d.quota_messages;
	}
	return (0);
}

/* imapd_cmd_getquota - GETQUOTA root, GETQUOTAROOT name, SETQUOTA */
void
imapd_cmd_getquota(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	const char *verb = imap_parser_command(sess->parser), *s, *error;
	char folder[IMAPD_NAME_MAX + 1], name[IMAPD_NAME_MAX + 1];
	uint64_t lb, lm, ub, um;
	struct sbuf *sb;
	size_t len;

	(void)uid;
	if (strcasecmp(verb, "SETQUOTA") == 0) {
		imapd_tagged(sess, "NO", "[NOPERM] Quotas are set by the "
		    "administrator");
		return;
	}
	if (count != 1 || !imap_arg_astring(&args[0], &s, &len)) {
		imapd_bad(sess, "%s: want one argument", verb);
		return;
	}
	if (strcasecmp(verb, "GETQUOTAROOT") == 0) {
		if (mailbox_arg(sess, &args[0], folder, 0) < 0)
			return;
		if (strcmp(folder, "INBOX") != 0 && store_folder_exists(
		    sess->ctx->st, sess->user, folder, &error) != 1) {
			imapd_tagged(sess, "NO", "[NONEXISTENT] Mailbox does "
			    "not exist");
			return;
		}
		imapd_folder_to_name(folder, name);
		(void)stream_puts(sess->s, "* QUOTAROOT ");
		imapd_write_string(sess, name, strlen(name));
		(void)stream_puts(sess->s, " \"\"\r\n");
	} else if (len != 0) {
		imapd_tagged(sess, "NO", "[NONEXISTENT] No such quota root");
		return;
	}
	if (quota_limits(sess, &lb, &lm) < 0 || store_usage(sess->ctx->st,
	    sess->user, &um, &ub, &error) < 0) {
		imapd_tagged(sess, "NO", "[UNAVAILABLE] Cannot read the "
		    "quota");
		return;
	}
	sb = sbuf_new(0);
	if (lb != 0)
		(void)sbuf_appendf(sb, " STORAGE %llu %llu",
		    (unsigned long long)((ub + 1023) / 1024),
		    (unsigned long long)(lb / 1024));
	if (lm != 0)
		(void)sbuf_appendf(sb, " MESSAGE %llu %llu",
		    (unsigned long long)um, (unsigned long long)lm);
	imapd_untagged(sess, "QUOTA \"\" (%s)", sbuf_len(sb) ? sbuf_str(sb) +
	    1 : "");
	sbuf_free(&sb);
	imapd_tagged(sess, "OK", "%s completed", verb);
}
