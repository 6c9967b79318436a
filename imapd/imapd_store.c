/*
 * imapd_store - the commands that change messages: STORE (with
 * UNCHANGEDSINCE, RFC 7162), COPY and MOVE (RFC 6851) with COPYUID,
 * APPEND with flags, internal date and APPENDUID (RFC 4315), EXPUNGE and
 * UID EXPUNGE, CLOSE and UNSELECT.
 *
 * Every change goes to the store first; only once it is committed is it
 * reported and applied to the session's map, so what a client is told is
 * always what is on disk. COPY links the message file into the target
 * mailbox (store_delivery_begin_file), one committed delivery per message,
 * keeping flags, keywords and the internal date (imapd_copy_uids, also
 * used by RENAME INBOX). APPEND turns the
 * literal's CR LF into LF (the store's form) and checks the quota first.
 * A read-only (EXAMINE) mailbox refuses STORE, MOVE, EXPUNGE.
 *
 * XXX: a COPY that fails half-way leaves the copies already committed
 * (each is a complete message); RFC 3501 asks for all or nothing.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_date.h"
#include "imapd.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "store.h"
#include "stream.h"
#include "strnum.h"

#define COPY_RANGES	4096

/* kw_char_ok - an atom character that may be in a keyword */
static int
kw_char_ok(int c)
{
	return (c > 0x20 && c < 0x7f && strchr("(){%*\"\\]", c) == NULL);
}

/* imapd_flags_parse - flags and keywords of a list or single flag */
int
imapd_flags_parse(const struct imap_arg *arg, unsigned *flags_r, char *kw,
    size_t kwsize, const char **error_r)
{
	static const struct {
		const char *name;
		unsigned bit;
	} sys[] = {
		{ "\\Seen", STORE_FLAG_SEEN },
		{ "\\Answered", STORE_FLAG_ANSWERED },
		{ "\\Flagged", STORE_FLAG_FLAGGED },
		{ "\\Deleted", STORE_FLAG_DELETED },
		{ "\\Draft", STORE_FLAG_DRAFT },
		{ "\\Recent", 0 },
	};
	const struct imap_arg *list = arg;
	size_t count = 1, i, j, klen = 0, len;
	const char *p;

	*flags_r = 0;
	kw[0] = '\0';
	if (arg->type == IMAP_ARG_LIST) {
		list = arg->list;
		count = arg->count;
	}
	for (i = 0; i < count; i++) {
		if (list[i].type != IMAP_ARG_ATOM) {
			*error_r = "Invalid flag";
			return (-1);
		}
		if (list[i].str[0] == '\\') {
			for (j = 0; j < sizeof(sys) / sizeof(sys[0]); j++)
				if (strcasecmp(list[i].str, sys[j].name) == 0)
					break;
			if (j == sizeof(sys) / sizeof(sys[0])) {
				*error_r = "Invalid system flag";
				return (-1);
			}
			*flags_r |= sys[j].bit;
			continue;
		}
		len = list[i].len;
		for (p = list[i].str; *p != '\0'; p++)
			if (!kw_char_ok((unsigned char)*p)) {
				*error_r = "Invalid keyword";
				return (-1);
			}
		/* Skip a keyword given twice. */
		for (p = kw; (p = strstr(p, list[i].str)) != NULL; p++)
			if ((p == kw || p[-1] == ' ') && (p[len] == ' ' ||
			    p[len] == '\0'))
				break;
		if (p != NULL)
			continue;
		if (klen + len + 2 > kwsize || klen + len + 1 >
		    STORE_KEYWORDS_MAX) {
			*error_r = "Too many keywords";
			return (-1);
		}
		if (klen > 0)
			kw[klen++] = ' ';
		memcpy(kw + klen, list[i].str, len + 1);
		klen += len;
	}
	return (0);
}

/* fetch_reply - "n FETCH (FLAGS ... [UID] [MODSEQ])" for index i */
static void
fetch_reply(struct imapd_session *sess, size_t i, int uid, int modseq)
{
	const struct imapd_msg *msg = &sess->sel->msgs[i];
	struct sbuf *sb = sbuf_new(0);

	(void)sbuf_appendf(sb, "%zu FETCH (", i + 1);
	if (uid)
		(void)sbuf_appendf(sb, "UID %u ", (unsigned)msg->uid);
	(void)sbuf_appends(sb, "FLAGS ");
	imapd_flags_format(sb, msg->flags, msg->keywords, msg->recent);
	if (modseq)
		(void)sbuf_appendf(sb, " MODSEQ (%llu)",
		    (unsigned long long)msg->modseq);
	(void)sbuf_appendc(sb, ')');
	imapd_untagged(sess, "%s", sbuf_str(sb));
	sbuf_free(&sb);
}

/* refresh - re-read one message's flags into the map; 0 if it is gone */
static int
refresh(struct imapd_session *sess, size_t i)
{
	struct imapd_msg *msg = &sess->sel->msgs[i];
	struct store_msg sm;
	const char *error;

	if (store_msg_get(sess->sel->mb, msg->uid, &sm, &error) != 1)
		return (0);
	msg->flags = sm.flags;
	msg->modseq = sm.modseq;
	free(msg->keywords);
	msg->keywords = xstrdup(sm.keywords ? sm.keywords : "");
	store_msg_clear(&sm);
	return (1);
}

/* imapd_cmd_store - STORE set [(UNCHANGEDSINCE n)] item flags */
void
imapd_cmd_store(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	char kw[STORE_KEYWORDS_MAX + 2];
	enum store_flag_op op;
	uint64_t unchanged = 0;
	uint32_t *uids, *failed = NULL;
	size_t *idx, n, nfailed = 0, i, j, a = 1;
	const char *item, *error;
	unsigned flags;
	int silent;
	struct sbuf *mod;

	if (count >= 2 && args[1].type == IMAP_ARG_LIST) {
		if (args[1].count != 2 || !imap_arg_atom_eq(&args[1].list[0],
		    "UNCHANGEDSINCE") || args[1].list[1].type != IMAP_ARG_ATOM
		    || strnum_u64(args[1].list[1].str, 0, UINT64_MAX,
		    &unchanged) < 0) {
			imapd_bad(sess, "STORE: bad modifier");
			return;
		}
		sess->condstore = 1;
		a = 2;
	}
	if (count != a + 2 || args[a].type != IMAP_ARG_ATOM) {
		imapd_bad(sess, "STORE: want a set, an item and flags");
		return;
	}
	item = args[a].str;
	if (*item == '+') {
		op = STORE_FLAGS_ADD;
		item++;
	} else if (*item == '-') {
		op = STORE_FLAGS_REMOVE;
		item++;
	} else {
		op = STORE_FLAGS_SET;
	}
	if (strcasecmp(item, "FLAGS") == 0)
		silent = 0;
	else if (strcasecmp(item, "FLAGS.SILENT") == 0)
		silent = 1;
	else {
		imapd_bad(sess, "STORE: unknown item");
		return;
	}
	if (imapd_flags_parse(&args[a + 1], &flags, kw, sizeof(kw),
	    &error) < 0) {
		imapd_bad(sess, "STORE: %s", error);
		return;
	}
	if (imapd_seqset(sess, &args[0], uid, &idx, &n) < 0)
		return;
	if (sess->sel->readonly) {
		free(idx);
		imapd_tagged(sess, "NO", "[READ-ONLY] Mailbox is read-only");
		return;
	}
	uids = xcalloc(n + 1, sizeof(*uids));
	for (i = 0; i < n; i++)
		uids[i] = sess->sel->msgs[idx[i]].uid;
	/* UNCHANGEDSINCE 0 can never hold: every message fails. */
	if (a == 2 && unchanged == 0) {
		failed = uids;
		nfailed = n;
		uids = NULL;
	} else if (n > 0 && store_msg_flags(sess->sel->mb, uids, n, op, flags,
	    *kw ? kw : NULL, unchanged, a == 2 ? &failed : NULL, &nfailed,
	    &error) < 0) {
		msg_warn("user %s: store: %s", sess->user, error);
		free(uids);
		free(idx);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot store flags");
		return;
	}
	for (i = 0; i < n; i++) {
		uint32_t u = sess->sel->msgs[idx[i]].uid;

		for (j = 0; j < nfailed; j++)
			if (failed[j] == u)
				break;
		if (j < nfailed)
			continue;
		if (refresh(sess, idx[i]) && (!silent || a == 2))
			fetch_reply(sess, idx[i], uid, sess->condstore);
	}
	mod = sbuf_new(0);
	for (j = 0; j < nfailed; j++) {
		long k = imapd_find_uid(sess->sel, failed[j]);

		if (k >= 0)
			(void)sbuf_appendf(mod, "%s%lu", j ? "," : "",
			    uid ? (unsigned long)failed[j] :
			    (unsigned long)k + 1);
	}
	if (sbuf_len(mod) > 0)
		imapd_tagged(sess, "OK", "[MODIFIED %s] Conditional STORE "
		    "failed", sbuf_str(mod));
	else
		imapd_tagged(sess, "OK", "STORE completed");
	sbuf_free(&mod);
	free(failed);
	free(uids);
	free(idx);
}

/* target_arg - the COPY/MOVE/APPEND target; -1 after replying */
static int
target_arg(struct imapd_session *sess, const struct imap_arg *arg,
    char *folder)
{
	const char *name, *error;
	size_t len;

	if (!imap_arg_astring(arg, &name, &len)) {
		imapd_bad(sess, "Mailbox name expected");
		return (-1);
	}
	if (imapd_name_to_folder(name, len, folder, &error) < 0) {
		imapd_tagged(sess, "NO", "[CANNOT] %s", error);
		return (-1);
	}
	if (strcmp(folder, "INBOX") != 0 && store_folder_exists(sess->ctx->st,
	    sess->user, folder, &error) != 1) {
		imapd_tagged(sess, "NO", "[TRYCREATE] Mailbox does not exist");
		return (-1);
	}
	return (0);
}

/* expunge_idx - remove idx[0..n) (ascending) from the store and map,
 * reporting each; -1 on a store error */
static int
expunge_idx(struct imapd_session *sess, const size_t *idx, size_t n)
{
	struct imapd_mbox *m = sess->sel;
	uint32_t *uids;
	const char *error;
	size_t i;

	if (n == 0)
		return (0);
	uids = xcalloc(n, sizeof(*uids));
	for (i = 0; i < n; i++)
		uids[i] = m->msgs[idx[i]].uid;
	if (store_expunge(m->mb, uids, n, &error) < 0) {
		msg_warn("user %s: expunge: %s", sess->user, error);
		free(uids);
		return (-1);
	}
	free(uids);
	for (i = n; i-- > 0; ) {
		imapd_untagged(sess, "%zu EXPUNGE", idx[i] + 1);
		free(m->msgs[idx[i]].keywords);
		memmove(&m->msgs[idx[i]], &m->msgs[idx[i] + 1],
		    (m->n - idx[i] - 1) * sizeof(m->msgs[0]));
		m->n--;
	}
	sess->expunged += n;
	return (0);
}

/* imapd_copy_uids - copy messages of mb to folder (see imapd.h) */
int
imapd_copy_uids(struct imapd_session *sess, struct store_mailbox *mb,
    const uint32_t *uids, size_t n, const char *folder, int quota,
    struct sbuf *code, uint32_t *copied, size_t *ncopied_r)
{
	struct imap_seq_range *r1, *r2;
	struct imap_seqset src, dst;
	struct store_delivery *d;
	struct store_meta meta;
	struct store_msg sm;
	char path[4096], *s1, *s2;
	const char *error;
	uint32_t uv = 0, nu;
	uint64_t total = 0;
	size_t i, l1, l2;
	int r, ret = -1;

	if (ncopied_r != NULL)
		*ncopied_r = 0;
	for (i = 0; quota && i < n; i++)
		if (store_msg_get(mb, uids[i], &sm, &error) == 1) {
			total += sm.size;
			store_msg_clear(&sm);
		}
	if (quota && (r = store_quota_check(sess->ctx->st, sess->user, total,
	    &error)) <= 0) {
		sbuf_set(code, r == 0 ? "OVERQUOTA" : "SERVERBUG");
		return (-1);
	}
	r1 = xcalloc(COPY_RANGES, sizeof(*r1));
	r2 = xcalloc(COPY_RANGES, sizeof(*r2));
	imap_seqset_init(&src, r1, COPY_RANGES);
	imap_seqset_init(&dst, r2, COPY_RANGES);
	for (i = 0; i < n; i++) {
		uint32_t u = uids[i];

		if (store_msg_get(mb, u, &sm, &error) != 1)
			continue;	/* expunged meanwhile */
		d = NULL;
		if (store_msg_path(mb, u, path, sizeof(path),
		    &error) < 0 || (d = store_delivery_begin_file(
		    sess->ctx->st, path, &error)) == NULL ||
		    store_delivery_add(d, sess->user, strcmp(folder, "INBOX")
		    == 0 ? NULL : folder, &error) < 0) {
			store_msg_clear(&sm);
			store_delivery_free(&d);
			goto fail;
		}
		memset(&meta, 0, sizeof(meta));
		meta.internal_date = sm.internal_date;
		meta.flags = sm.flags;
		meta.keywords = *sm.keywords ? sm.keywords : NULL;
		meta.message_id = *sm.message_id ? sm.message_id : NULL;
		r = store_delivery_commit(d, &meta, &error);
		store_msg_clear(&sm);
		if (r < 0 || store_delivery_uid(d, 0, &uv, &nu) < 0) {
			store_delivery_free(&d);
			goto fail;
		}
		store_delivery_free(&d);
		if (copied != NULL)
			copied[(*ncopied_r)++] = u;
		(void)imap_seqset_add(&src, u, u);
		(void)imap_seqset_add(&dst, nu, nu);
	}
	if (src.count > 0) {
		/* Both ascending, pairwise: merging keeps them aligned. */
		imap_seqset_normalise(&src, UINT32_MAX);
		imap_seqset_normalise(&dst, UINT32_MAX);
		s1 = xmalloc(COPY_RANGES * 24);
		s2 = xmalloc(COPY_RANGES * 24);
		if (imap_seqset_format(&src, s1, COPY_RANGES * 24, &l1) ==
		    IMAP_SEQSET_OK && imap_seqset_format(&dst, s2,
		    COPY_RANGES * 24, &l2) == IMAP_SEQSET_OK)
			(void)sbuf_appendf(code, "COPYUID %u %s %s",
			    (unsigned)uv, s1, s2);
		free(s1);
		free(s2);
	}
	ret = 0;
	goto done;
fail:
	msg_warn("user %s: copy to %s: %s", sess->user, folder, error);
	sbuf_set(code, "SERVERBUG");
done:
	free(r1);
	free(r2);
	return (ret);
}

/* copy_or_move - COPY/MOVE set mailbox */
static void
copy_or_move(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid, int move)
{
	const char *verb = move ? "MOVE" : "COPY";
	char folder[IMAPD_NAME_MAX + 1];
	struct sbuf *code;
	size_t *idx, n, i;
	uint32_t *uids;
	int r;

	if (count != 2) {
		imapd_bad(sess, "%s: want a set and a mailbox", verb);
		return;
	}
	if (imapd_seqset(sess, &args[0], uid, &idx, &n) < 0)
		return;
	if (target_arg(sess, &args[1], folder) < 0) {
		free(idx);
		return;
	}
	if (move && sess->sel->readonly) {
		free(idx);
		imapd_tagged(sess, "NO", "[READ-ONLY] Mailbox is read-only");
		return;
	}
	code = sbuf_new(0);
	uids = xcalloc(n + 1, sizeof(*uids));
	for (i = 0; i < n; i++)
		uids[i] = sess->sel->msgs[idx[i]].uid;
	r = imapd_copy_uids(sess, sess->sel->mb, uids, n, folder, 1, code,
	    NULL, NULL);
	free(uids);
	if (r < 0) {
		imapd_tagged(sess, "NO", "[%s] %s failed", sbuf_str(code),
		    verb);
	} else if (move) {
		if (sbuf_len(code) > 0)
			imapd_untagged(sess, "OK [%s] Moved", sbuf_str(code));
		if (expunge_idx(sess, idx, n) < 0)
			imapd_tagged(sess, "NO", "[SERVERBUG] MOVE copied but "
			    "could not expunge");
		else
			imapd_tagged(sess, "OK", "MOVE completed");
	} else if (sbuf_len(code) > 0) {
		imapd_tagged(sess, "OK", "[%s] COPY completed",
		    sbuf_str(code));
	} else {
		imapd_tagged(sess, "OK", "COPY completed");
	}
	sbuf_free(&code);
	free(idx);
}

/* imapd_cmd_copy - COPY */
void
imapd_cmd_copy(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	copy_or_move(sess, args, count, uid, 0);
}

/* imapd_cmd_move - MOVE */
void
imapd_cmd_move(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	copy_or_move(sess, args, count, uid, 1);
}

/* deleted_idx - indexes of \Deleted messages (in set when given) */
static size_t *
deleted_idx(struct imapd_session *sess, const size_t *in, size_t nin,
    size_t *n_r)
{
	struct imapd_mbox *m = sess->sel;
	size_t *idx = xcalloc(m->n + 1, sizeof(*idx)), i, n = 0;

	if (in == NULL) {
		for (i = 0; i < m->n; i++)
			if (m->msgs[i].flags & STORE_FLAG_DELETED)
				idx[n++] = i;
	} else {
		for (i = 0; i < nin; i++)
			if (m->msgs[in[i]].flags & STORE_FLAG_DELETED)
				idx[n++] = in[i];
	}
	*n_r = n;
	return (idx);
}

/* imapd_cmd_expunge - EXPUNGE, UID EXPUNGE set */
void
imapd_cmd_expunge(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	size_t *set = NULL, nset = 0, *idx, n;

	if (count != (size_t)(uid ? 1 : 0)) {
		imapd_bad(sess, uid ? "UID EXPUNGE: want a set" :
		    "EXPUNGE takes no arguments");
		return;
	}
	if (uid && imapd_seqset(sess, &args[0], 1, &set, &nset) < 0)
		return;
	if (sess->sel->readonly) {
		free(set);
		imapd_tagged(sess, "NO", "[READ-ONLY] Mailbox is read-only");
		return;
	}
	/* Flags set by others count too. */
	imapd_mailbox_update(sess, 0);
	if (uid) {
		free(set);
		if (imapd_seqset(sess, &args[0], 1, &set, &nset) < 0)
			return;
	}
	idx = deleted_idx(sess, uid ? set : NULL, nset, &n);
	if (expunge_idx(sess, idx, n) < 0)
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot expunge");
	else
		imapd_tagged(sess, "OK", "EXPUNGE completed");
	free(idx);
	free(set);
}

/* imapd_cmd_close - expunge silently (unless read-only) and deselect */
void
imapd_cmd_close(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	struct imapd_mbox *m = sess->sel;
	const char *error;
	uint32_t *uids;
	size_t *idx, n, i;

	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "CLOSE takes no arguments");
		return;
	}
	if (!m->readonly) {
		idx = deleted_idx(sess, NULL, 0, &n);
		uids = xcalloc(n + 1, sizeof(*uids));
		for (i = 0; i < n; i++)
			uids[i] = m->msgs[idx[i]].uid;
		if (n > 0 && store_expunge(m->mb, uids, n, &error) < 0)
			msg_warn("user %s: close: expunge: %s", sess->user,
			    error);
		else
			sess->expunged += n;
		free(uids);
		free(idx);
	}
	imapd_mailbox_close(sess);
	imapd_tagged(sess, "OK", "CLOSE completed");
}

/* imapd_cmd_unselect - deselect without expunging (RFC 3691) */
void
imapd_cmd_unselect(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "UNSELECT takes no arguments");
		return;
	}
	imapd_mailbox_close(sess);
	imapd_tagged(sess, "OK", "UNSELECT completed");
}

/* imapd_cmd_append - APPEND mailbox [(flags)] [date] literal */
void
imapd_cmd_append(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	char folder[IMAPD_NAME_MAX + 1], kw[STORE_KEYWORDS_MAX + 2];
	const struct imap_arg *msg;
	struct store_meta meta;
	const char *error;
	char *data;
	size_t a = 1, i, n;
	unsigned flags = 0;
	uint32_t uv, nuid;
	int64_t t = 0;
	int zone, r;

	(void)uid;
	kw[0] = '\0';
	if (count < 2 || count > 4) {
		imapd_bad(sess, "APPEND: want a mailbox, optional flags and "
		    "date, and the message");
		return;
	}
	if (args[a].type == IMAP_ARG_LIST && a + 1 < count) {
		if (imapd_flags_parse(&args[a], &flags, kw, sizeof(kw),
		    &error) < 0) {
			imapd_bad(sess, "APPEND: %s", error);
			return;
		}
		a++;
	}
	if (args[a].type == IMAP_ARG_QUOTED && a + 1 < count) {
		if (imap_date_time_parse(args[a].str, args[a].len, &t,
		    &zone) != IMAP_DATE_OK) {
			imapd_bad(sess, "APPEND: invalid date-time");
			return;
		}
		a++;
	}
	msg = &args[a];
	if (a + 1 != count || (msg->type != IMAP_ARG_LITERAL &&
	    msg->type != IMAP_ARG_QUOTED)) {
		imapd_bad(sess, "APPEND: want the message as a literal");
		return;
	}
	if (target_arg(sess, &args[0], folder) < 0)
		return;
	if (msg->len == 0) {
		imapd_tagged(sess, "NO", "Empty message");
		return;
	}
	if ((r = store_quota_check(sess->ctx->st, sess->user, msg->len,
	    &error)) <= 0) {
		imapd_tagged(sess, "NO", r == 0 ? "[OVERQUOTA] Quota exceeded" :
		    "[UNAVAILABLE] Cannot check the quota");
		return;
	}
	/* CR LF -> LF: the store keeps LF line ends. */
	data = xmalloc(msg->len);
	for (i = n = 0; i < msg->len; i++) {
		if (msg->str[i] == '\r' && i + 1 < msg->len &&
		    msg->str[i + 1] == '\n')
			continue;
		data[n++] = msg->str[i];
	}
	memset(&meta, 0, sizeof(meta));
	meta.internal_date = (time_t)t;
	meta.flags = flags;
	meta.keywords = *kw ? kw : NULL;
	meta.origin = "imap";
	r = store_append(sess->ctx->st, sess->user, strcmp(folder, "INBOX") ==
	    0 ? NULL : folder, data, n, &meta, &uv, &nuid, &error);
	free(data);
	if (r < 0) {
		msg_warn("user %s: append to %s: %s", sess->user, folder,
		    error);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot append");
		return;
	}
	sess->appended++;
	imapd_tagged(sess, "OK", "[APPENDUID %u %u] APPEND completed",
	    (unsigned)uv, (unsigned)nuid);
}
