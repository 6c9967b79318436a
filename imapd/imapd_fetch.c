/*
 * imapd_fetch - FETCH and UID FETCH, SEARCH and UID SEARCH.
 *
 * FETCH compiles its item list once (macros ALL, FAST and FULL expanded;
 * FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE BODY[...]<..>
 * BODY.PEEK RFC822 RFC822.HEADER RFC822.TEXT UID MODSEQ), reads the index
 * entries of the whole range in one listing, and opens a message file
 * only when an item needs its contents; the MIME structure comes from
 * common/mime.h and the items built on it from common/imap_fetch.h. A
 * body item other than a .PEEK, RFC822 or RFC822.TEXT sets \Seen first
 * (in a read-write mailbox), and the new FLAGS go out with the message.
 * CHANGEDSINCE (CONDSTORE) limits the answer to messages whose modseq is
 * greater and adds MODSEQ.
 *
 * SEARCH compiles the keys with common/imap_search.h and tests each
 * message, giving it the index data at once and the header, text and
 * Date: callbacks that read and parse the message only when a key needs
 * them.
 */
#include "config.h"

#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fdio.h"
#include "imap_date.h"
#include "imap_fetch.h"
#include "imap_search.h"
#include "imapd.h"
#include "mem.h"
#include "mime.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "store.h"
#include "stream.h"
#include "strnum.h"

#define OUT_CAP		((size_t)1 << 31)	/* one FETCH response */

enum item_kind {
	I_FLAGS = 1, I_INTERNALDATE, I_SIZE, I_ENVELOPE, I_BODY,
	I_BODYSTRUCTURE, I_UID, I_MODSEQ, I_SECTION, I_RFC822,
	I_RFC822_HEADER, I_RFC822_TEXT,
};

struct item {
	enum item_kind kind;
	char   *section;	/* I_SECTION: for imap_fetch_section */
	char   *label;		/* I_SECTION: "BODY[...]" as answered */
	int	partial;
	uint32_t off, len;
};

/* A message being looked at: its index entry, maybe its contents. */
struct msgctx {
	struct imapd_session *sess;
	uint32_t uid;
	char   *data;		/* the file, LF line ends */
	size_t	len;
	struct mime_part *root;
	int	failed;
};

/* msg_load - read the message file (once); -1 on error */
static int
msg_load(struct msgctx *mc)
{
	struct stat sb;
	const char *error;
	ssize_t n;
	size_t got = 0;
	int fd;

	if (mc->data != NULL)
		return (0);
	if (mc->failed)
		return (-1);
	if ((fd = store_msg_open(mc->sess->sel->mb, mc->uid, &error)) < 0 ||
	    fstat(fd, &sb) < 0) {
		if (fd >= 0)
			close(fd);
		msg_warn("user %s: uid %u: %s", mc->sess->user,
		    (unsigned)mc->uid, fd < 0 ? error : "fstat failed");
		mc->failed = 1;
		return (-1);
	}
	mc->data = xmalloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size && (n = read(fd, mc->data + got,
	    (size_t)sb.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	mc->len = got;
	mc->data[got] = '\0';
	return (0);
}

/* msg_parse - the MIME tree (once); -1 on error */
static int
msg_parse(struct msgctx *mc)
{
	const char *error;

	if (mc->root != NULL)
		return (0);
	if (msg_load(mc) < 0)
		return (-1);
	if ((mc->root = mime_parse(mc->data, mc->len, &mime_limits_default,
	    &error)) == NULL) {
		msg_warn("user %s: uid %u: MIME: %s", mc->sess->user,
		    (unsigned)mc->uid, error);
		mc->failed = 1;
		return (-1);
	}
	return (0);
}

/* msg_done - forget the contents */
static void
msg_done(struct msgctx *mc)
{
	mime_free(&mc->root);
	free(mc->data);
	mc->data = NULL;
	mc->len = 0;
	mc->failed = 0;
}

/* items_free - the compiled list */
static void
items_free(struct item *it, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(it[i].section);
		free(it[i].label);
	}
	free(it);
}

/* upper - ASCII upper case copy into sb */
static void
append_upper(struct sbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		(void)sbuf_appendc(sb, s[i] >= 'a' && s[i] <= 'z' ?
		    s[i] - 'a' + 'A' : s[i]);
}

/* add_item - one attribute into the list; -1 if unknown */
static int
add_item(const struct imap_arg *a, struct item **it, size_t *n, int *peek_r)
{
	static const struct {
		const char *name;
		enum item_kind kind;
	} atoms[] = {
		{ "FLAGS", I_FLAGS }, { "INTERNALDATE", I_INTERNALDATE },
		{ "RFC822.SIZE", I_SIZE }, { "ENVELOPE", I_ENVELOPE },
		{ "BODY", I_BODY }, { "BODYSTRUCTURE", I_BODYSTRUCTURE },
		{ "UID", I_UID }, { "MODSEQ", I_MODSEQ },
		{ "RFC822", I_RFC822 }, { "RFC822.HEADER", I_RFC822_HEADER },
		{ "RFC822.TEXT", I_RFC822_TEXT },
	};
	struct item x;
	struct sbuf *sec, *lab;
	size_t i;

	memset(&x, 0, sizeof(x));
	if (a->type == IMAP_ARG_ATOM) {
		if (imap_arg_atom_eq(a, "ALL") || imap_arg_atom_eq(a, "FAST") ||
		    imap_arg_atom_eq(a, "FULL"))
			return (-1);	/* macros only alone */
		for (i = 0; i < sizeof(atoms) / sizeof(atoms[0]); i++)
			if (imap_arg_atom_eq(a, atoms[i].name))
				break;
		if (i == sizeof(atoms) / sizeof(atoms[0]))
			return (-1);
		x.kind = atoms[i].kind;
		if (x.kind == I_RFC822 || x.kind == I_RFC822_TEXT)
			*peek_r = 0;
	} else if (a->type == IMAP_ARG_SECTION) {
		if (strcasecmp(a->str, "BODY") == 0)
			*peek_r = 0;
		else if (strcasecmp(a->str, "BODY.PEEK") != 0)
			return (-1);	/* BINARY is not offered */
		x.kind = I_SECTION;
		sec = sbuf_new(0);
		lab = sbuf_new(0);
		(void)sbuf_appends(lab, "BODY[");
		append_upper(sec, a->section, a->section_len);
		append_upper(lab, a->section, a->section_len);
		if (a->list != NULL || (a->section_len >= 13 &&
		    strncasecmp(a->section + a->section_len - 13,
		    "HEADER.FIELDS", 13) == 0) || (a->section_len >= 17 &&
		    strncasecmp(a->section + a->section_len - 17,
		    "HEADER.FIELDS.NOT", 17) == 0)) {
			(void)sbuf_appends(sec, " (");
			(void)sbuf_appends(lab, " (");
			for (i = 0; i < a->count; i++) {
				(void)sbuf_appendf(sec, "%s%s", i ? " " : "",
				    a->list[i].str);
				(void)sbuf_appendf(lab, "%s", i ? " " : "");
				append_upper(lab, a->list[i].str,
				    a->list[i].len);
			}
			(void)sbuf_appendc(sec, ')');
			(void)sbuf_appendc(lab, ')');
		}
		(void)sbuf_appendc(lab, ']');
		if (a->partial) {
			x.partial = 1;
			x.off = a->partial_offset;
			x.len = a->partial_length;
			(void)sbuf_appendf(lab, "<%u>", (unsigned)x.off);
		}
		x.section = xstrdup(sbuf_str(sec));
		x.label = xstrdup(sbuf_str(lab));
		sbuf_free(&sec);
		sbuf_free(&lab);
	} else {
		return (-1);
	}
	*it = xreallocarray(*it, *n + 1, sizeof(**it));
	(*it)[(*n)++] = x;
	return (0);
}

/* compile - the item argument into a list; -1 if bad */
static int
compile(const struct imap_arg *a, struct item **it_r, size_t *n_r,
    int *peek_r)
{
	static const enum item_kind all[] = { I_FLAGS, I_INTERNALDATE,
	    I_SIZE, I_ENVELOPE, I_BODY };
	size_t i, k = 0;

	*it_r = NULL;
	*n_r = 0;
	*peek_r = 1;
	if (a->type == IMAP_ARG_ATOM && (imap_arg_atom_eq(a, "ALL") ||
	    imap_arg_atom_eq(a, "FAST") || imap_arg_atom_eq(a, "FULL"))) {
		k = imap_arg_atom_eq(a, "FAST") ? 3 :
		    imap_arg_atom_eq(a, "ALL") ? 4 : 5;
		*it_r = xcalloc(k, sizeof(**it_r));
		for (i = 0; i < k; i++)
			(*it_r)[i].kind = all[i];
		*n_r = k;
		return (0);
	}
	if (a->type != IMAP_ARG_LIST)
		return (add_item(a, it_r, n_r, peek_r));
	if (a->count == 0)
		return (-1);
	for (i = 0; i < a->count; i++)
		if (add_item(&a->list[i], it_r, n_r, peek_r) < 0)
			return (-1);
	return (0);
}

/* put_literal - "{n}\r\n" and bytes, with <partial> applied */
static void
put_literal(struct sbuf *out, const char *p, size_t n, const struct item *it)
{
	if (it != NULL && it->partial) {
		if (it->off >= n) {
			n = 0;
		} else {
			p += it->off;
			n -= it->off;
			if (n > it->len)
				n = it->len;
		}
	}
	(void)sbuf_appendf(out, "{%zu}\r\n", n);
	(void)sbuf_append(out, p, n);
}

/* one_item - append one item of one message; -1 on a message error */
static int
one_item(struct imapd_session *sess, struct msgctx *mc, const struct item *it,
    const struct imapd_msg *m, const struct store_msg_light *sm,
    struct sbuf *out)
{
	char date[IMAP_DATE_TIME_SIZE];
	struct sbuf *tmp;
	const char *error;
	size_t hl;
	int r = 0;

	switch (it->kind) {
	case I_FLAGS:
		(void)sbuf_appends(out, "FLAGS ");
		imapd_flags_format(out, m->flags, m->keywords, m->recent);
		return (0);
	case I_UID:
		(void)sbuf_appendf(out, "UID %u", (unsigned)m->uid);
		return (0);
	case I_MODSEQ:
		(void)sbuf_appendf(out, "MODSEQ (%llu)",
		    (unsigned long long)m->modseq);
		return (0);
	case I_INTERNALDATE:
		if (imap_date_time_format((int64_t)sm->internal_date, 0,
		    date) != IMAP_DATE_OK)
			(void)snprintf(date, sizeof(date),
			    "01-Jan-1970 00:00:00 +0000");
		(void)sbuf_appendf(out, "INTERNALDATE \"%s\"", date);
		return (0);
	case I_SIZE:
		(void)sbuf_appendf(out, "RFC822.SIZE %llu",
		    (unsigned long long)sm->vsize);
		return (0);
	default:
		break;
	}
	if (msg_parse(mc) < 0)
		return (-1);
	(void)sess;
	switch (it->kind) {
	case I_ENVELOPE:
		(void)sbuf_appends(out, "ENVELOPE ");
		r = imap_fetch_envelope(mc->data, mc->len, mc->root, out);
		break;
	case I_BODY:
	case I_BODYSTRUCTURE:
		(void)sbuf_appends(out, it->kind == I_BODY ? "BODY " :
		    "BODYSTRUCTURE ");
		r = imap_fetch_bodystructure(mc->data, mc->len, mc->root,
		    it->kind == I_BODYSTRUCTURE, out);
		break;
	case I_RFC822:
	case I_RFC822_HEADER:
	case I_RFC822_TEXT:
	case I_SECTION:
		tmp = sbuf_new(OUT_CAP);
		if (it->kind == I_RFC822)
			r = imap_fetch_crlf(mc->data, 0, mc->len, tmp);
		else if (it->kind == I_RFC822_HEADER) {
			hl = mc->root->hdr_len;
			r = imap_fetch_crlf(mc->data, mc->root->hdr_off, hl,
			    tmp);
		} else if (it->kind == I_RFC822_TEXT)
			r = imap_fetch_crlf(mc->data, mc->root->body_off,
			    mc->root->body_len, tmp);
		else
			r = imap_fetch_section(mc->data, mc->len, mc->root,
			    it->section, tmp, &error);
		if (r == 0) {
			(void)sbuf_appendf(out, "%s ", it->kind == I_RFC822 ?
			    "RFC822" : it->kind == I_RFC822_HEADER ?
			    "RFC822.HEADER" : it->kind == I_RFC822_TEXT ?
			    "RFC822.TEXT" : it->label);
			put_literal(out, sbuf_str(tmp), sbuf_len(tmp),
			    it->kind == I_SECTION ? it : NULL);
		}
		sbuf_free(&tmp);
		break;
	default:
		break;
	}
	return (r < 0 ? -1 : 0);
}

/* section_ok - check the section text before any message is read */
static int
section_ok(const struct item *it, size_t n, const char **error_r)
{
	static const char msg[] = "Subject: x\n\nx\n";
	struct mime_part *root;
	struct sbuf *tmp;
	size_t i;
	int r = 0;

	if ((root = mime_parse(msg, sizeof(msg) - 1, &mime_limits_default,
	    error_r)) == NULL)
		return (-1);
	tmp = sbuf_new(0);
	for (i = 0; i < n && r == 0; i++)
		if (it[i].kind == I_SECTION)
			r = imap_fetch_section(msg, sizeof(msg) - 1, root,
			    it[i].section, tmp, error_r);
	sbuf_free(&tmp);
	mime_free(&root);
	return (r);
}

/* imapd_cmd_fetch - FETCH set items [(CHANGEDSINCE n)] */
void
imapd_cmd_fetch(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	struct imapd_mbox *m = sess->sel;
	struct store_msg_light *sms = NULL;
	struct item *it = NULL;
	struct msgctx mc;
	struct sbuf *out;
	const char *error;
	uint64_t changedsince = 0;
	uint32_t *seen = NULL;
	size_t *idx = NULL, n, nit, nsms = 0, i, j, k, nseen = 0;
	int peek, want_uid = uid, want_modseq = 0, bad = 0;
	unsigned char *seen_now = NULL;

	if (count < 2 || count > 3) {
		imapd_bad(sess, "FETCH: want a set and items");
		return;
	}
	if (count == 3) {
		if (args[2].type != IMAP_ARG_LIST || args[2].count != 2 ||
		    !imap_arg_atom_eq(&args[2].list[0], "CHANGEDSINCE") ||
		    args[2].list[1].type != IMAP_ARG_ATOM ||
		    strnum_u64(args[2].list[1].str, 0, UINT64_MAX,
		    &changedsince) < 0) {
			imapd_bad(sess, "FETCH: bad modifier");
			return;
		}
		sess->condstore = 1;
		want_modseq = 1;
	}
	if (compile(&args[1], &it, &nit, &peek) < 0) {
		items_free(it, nit);
		imapd_bad(sess, "FETCH: invalid data item");
		return;
	}
	if (section_ok(it, nit, &error) < 0) {
		items_free(it, nit);
		imapd_bad(sess, "FETCH: %s", error);
		return;
	}
	for (i = 0; i < nit; i++) {
		if (it[i].kind == I_UID)
			want_uid = 0;	/* already listed */
		if (it[i].kind == I_MODSEQ) {
			sess->condstore = 1;
			want_modseq = 0;
		}
	}
	if (imapd_seqset(sess, &args[0], uid, &idx, &n) < 0) {
		items_free(it, nit);
		return;
	}
	if (n > 0 && store_mailbox_list_light(m->mb, m->msgs[idx[0]].uid,
	    m->msgs[idx[n - 1]].uid, &sms, &nsms, &error) < 0) {
		msg_warn("user %s: fetch: %s", sess->user, error);
		free(idx);
		items_free(it, nit);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot read the mailbox");
		return;
	}
	/* \Seen first, so the FLAGS that go out are the new ones. */
	if (!peek && !m->readonly) {
		seen = xcalloc(n + 1, sizeof(*seen));
		seen_now = xcalloc(n + 1, 1);
		for (i = 0; i < n; i++)
			if (!(m->msgs[idx[i]].flags & STORE_FLAG_SEEN)) {
				seen[nseen++] = m->msgs[idx[i]].uid;
				seen_now[i] = 1;
			}
		if (nseen > 0 && store_msg_flags(m->mb, seen, nseen,
		    STORE_FLAGS_ADD, STORE_FLAG_SEEN, NULL, 0, NULL, NULL,
		    &error) < 0) {
			msg_warn("user %s: fetch: set \\Seen: %s", sess->user,
			    error);
			memset(seen_now, 0, n + 1);
		}
		for (i = 0; i < n; i++)
			if (seen_now[i]) {
				struct store_msg sm;

				m->msgs[idx[i]].flags |= STORE_FLAG_SEEN;
				if (store_msg_get(m->mb, m->msgs[idx[i]].uid,
				    &sm, &error) == 1) {
					m->msgs[idx[i]].modseq = sm.modseq;
					store_msg_clear(&sm);
				}
			}
	}
	memset(&mc, 0, sizeof(mc));
	mc.sess = sess;
	out = sbuf_new(OUT_CAP);
	for (i = j = 0; i < n; i++) {
		const struct imapd_msg *msg = &m->msgs[idx[i]];
		int flags_listed = 0;

		while (j < nsms && sms[j].uid < msg->uid)
			j++;
		if (j >= nsms || sms[j].uid != msg->uid)
			continue;	/* expunged by another session */
		if (changedsince && msg->modseq <= changedsince)
			continue;
		mc.uid = msg->uid;
		sbuf_reset(out);
		(void)sbuf_appendf(out, "* %zu FETCH (", idx[i] + 1);
		if (want_uid)
			(void)sbuf_appendf(out, "UID %u ", (unsigned)msg->uid);
		for (k = 0; k < nit; k++) {
			size_t mark = sbuf_len(out);

			if (it[k].kind == I_FLAGS)
				flags_listed = 1;
			if (one_item(sess, &mc, &it[k], msg, &sms[j],
			    out) < 0) {
				sbuf_truncate(out, mark);
				bad = 1;
				continue;
			}
			(void)sbuf_appendc(out, ' ');
		}
		if (seen_now != NULL && seen_now[i] && !flags_listed) {
			(void)sbuf_appends(out, "FLAGS ");
			imapd_flags_format(out, msg->flags, msg->keywords,
			    msg->recent);
			(void)sbuf_appendc(out, ' ');
		}
		if (want_modseq || (sess->condstore && seen_now != NULL &&
		    seen_now[i] && !want_modseq))
			(void)sbuf_appendf(out, "MODSEQ (%llu) ",
			    (unsigned long long)msg->modseq);
		if (sbuf_str(out)[sbuf_len(out) - 1] == ' ')
			sbuf_truncate(out, sbuf_len(out) - 1);
		(void)sbuf_appends(out, ")\r\n");
		(void)stream_write(sess->s, sbuf_str(out), sbuf_len(out));
		msg_done(&mc);
		sess->fetched++;
		if (stream_error(sess->s))
			break;
	}
	sbuf_free(&out);
	store_msgs_light_free(&sms, nsms);
	free(seen);
	free(seen_now);
	free(idx);
	items_free(it, nit);
	if (bad)
		imapd_tagged(sess, "NO", "[SERVERBUG] Some messages could not "
		    "be read");
	else
		imapd_tagged(sess, "OK", "FETCH completed");
}

/* cb_header - SEARCH HEADER and friends: values, decoded */
static int
cb_header(void *ctx, const char *name, struct sbuf *out)
{
	struct msgctx *mc = ctx;
	struct sbuf *raw;
	int r;

	if (msg_parse(mc) < 0)
		return (-1);
	raw = sbuf_new(0);
	r = mime_header_get(mc->data + mc->root->hdr_off, mc->root->hdr_len,
	    name, raw);
	if (r > 0 && mime_header_decode(sbuf_str(raw), sbuf_len(raw),
	    out) < 0)
		r = -1;
	sbuf_free(&raw);
	return (r);
}

/* cb_text - SEARCH TEXT and BODY */
static int
cb_text(void *ctx, int body_only, const char *needle)
{
	struct msgctx *mc = ctx;

	if (msg_parse(mc) < 0)
		return (-1);
	return (mime_text_contains(mc->data, mc->len, mc->root, body_only,
	    needle));
}

/* cb_sent_date - the Date: field */
static int
cb_sent_date(void *ctx, time_t *t_r, int *zone_r)
{
	struct msgctx *mc = ctx;
	struct sbuf *v;
	int64_t t;
	int r;

	if (msg_parse(mc) < 0)
		return (-1);
	v = sbuf_new(0);
	r = mime_header_first(mc->data + mc->root->hdr_off, mc->root->hdr_len,
	    "Date", v);
	if (r > 0 && imap_date_rfc5322_parse(sbuf_str(v), sbuf_len(v), &t,
	    zone_r) == IMAP_DATE_OK) {
		*t_r = (time_t)t;
		r = 1;
	} else if (r >= 0) {
		r = 0;
	}
	sbuf_free(&v);
	return (r);
}

/* imapd_cmd_search - SEARCH keys */
void
imapd_cmd_search(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	struct imapd_mbox *m = sess->sel;
	struct imap_search_limits lim;
	struct imap_search *prog = NULL;
	struct imap_search_msg sm;
	enum imap_search_status st;
	struct store_msg_light *sms = NULL;
	struct msgctx mc;
	struct sbuf *out;
	const char *error;
	uint64_t maxmod = 0;
	size_t nsms = 0, i, j;
	int r, bad = 0;

	if (count == 0) {
		imapd_bad(sess, "SEARCH: missing search keys");
		return;
	}
	lim.keys_max = 1000;
	lim.depth_max = (size_t)var_imapd_nesting_limit;
	lim.ranges_max = IMAPD_SEQ_RANGES;
	st = imap_search_parse(args, count, &lim, &prog, &error);
	if (st == IMAP_SEARCH_BADCHARSET) {
		imapd_tagged(sess, "NO", "[BADCHARSET (%s)] Unsupported "
		    "charset", IMAP_SEARCH_CHARSETS);
		return;
	}
	if (st != IMAP_SEARCH_OK) {
		imapd_bad(sess, "SEARCH: %s", error);
		return;
	}
	if (imap_search_uses_modseq(prog))
		sess->condstore = 1;
	if (m->n > 0 && store_mailbox_list_light(m->mb, 1, 0, &sms, &nsms,
	    &error) < 0) {
		imap_search_free(&prog);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot read the mailbox");
		return;
	}
	memset(&mc, 0, sizeof(mc));
	mc.sess = sess;
	out = sbuf_new(0);
	(void)sbuf_appends(out, "SEARCH");
	for (i = j = 0; i < m->n; i++) {
		const struct imapd_msg *msg = &m->msgs[i];

		while (j < nsms && sms[j].uid < msg->uid)
			j++;
		memset(&sm, 0, sizeof(sm));
		sm.seq = (uint32_t)(i + 1);
		sm.uid = msg->uid;
		sm.max_seq = (uint32_t)m->n;
		sm.max_uid = m->msgs[m->n - 1].uid;
		sm.flags = msg->flags;
		sm.recent = msg->recent;
		sm.keywords = msg->keywords;
		sm.modseq = msg->modseq;
		if (j < nsms && sms[j].uid == msg->uid) {
			sm.internal_date = sms[j].internal_date;
			sm.size = sms[j].vsize;
		}
		sm.header = cb_header;
		sm.text = cb_text;
		sm.sent_date = cb_sent_date;
		sm.ctx = &mc;
		mc.uid = msg->uid;
		r = imap_search_match(prog, &sm);
		msg_done(&mc);
		if (r < 0) {
			bad = 1;
			continue;
		}
		if (r == 1) {
			(void)sbuf_appendf(out, " %u", uid ? (unsigned)msg->uid :
			    (unsigned)(i + 1));
			if (msg->modseq > maxmod)
				maxmod = msg->modseq;
		}
	}
	if (imap_search_uses_modseq(prog) && maxmod > 0)
		(void)sbuf_appendf(out, " (MODSEQ %llu)",
		    (unsigned long long)maxmod);
	imapd_untagged(sess, "%s", sbuf_str(out));
	sbuf_free(&out);
	store_msgs_light_free(&sms, nsms);
	imap_search_free(&prog);
	if (bad)
		imapd_tagged(sess, "NO", "[SERVERBUG] Some messages could not "
		    "be searched");
	else
		imapd_tagged(sess, "OK", "SEARCH completed");
}
