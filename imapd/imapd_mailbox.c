/*
 * imapd_mailbox - SELECT and EXAMINE, the selected mailbox's sequence
 * number <-> UID map, NOOP, IDLE, and the untagged updates that tell a
 * client what other sessions changed.
 *
 * The session keeps the mailbox's messages in sequence order with the
 * flags, keywords and modseq it last reported. imapd_mailbox_update()
 * synchronises the store (store_mailbox_sync) and, when the mailbox
 * record (count, UIDNEXT, HIGHESTMODSEQ) moved, re-reads the index and
 * reports the difference: "n EXPUNGE" for each message gone (highest
 * number first, so earlier numbers stay valid), "n EXISTS" and
 * "n RECENT" for new ones, "n FETCH (FLAGS ...)" for flag changes (with
 * MODSEQ once CONDSTORE is on). The session's own changes update the map
 * as they are reported, so the diff finds nothing of them. When EXPUNGE
 * may not be sent (after FETCH, STORE or SEARCH) and something was
 * expunged, the whole update waits for a later command.
 *
 * \Recent (RFC 3501 2.3.2): a message is recent in exactly one session,
 * the first to see it. SELECT claims the mailbox's unclaimed messages
 * from the store (store_mailbox_claim_recent), and so does a selected
 * session when it notices new messages; EXAMINE claims nothing and shows
 * as recent what nobody has claimed yet (store_mailbox_first_recent).
 * The claim comes before the index is listed, so a message delivered in
 * between is recent here and again for the next claimer: when it cannot
 * tell, a session SHOULD consider a message recent (RFC 3501 2.3.2).
 *
 * IDLE waits on the client and on inotify watches of the mailbox's new/
 * and cur/ directories (so a delivery by another process wakes it at
 * once) and of the store's STORE_CHANGES_FILE in the mailbox directory
 * (touched when another session changes flags), with a store sync every
 * imapd_idle_check_interval as a fallback, and ends with DONE, or with
 * BYE after imapd_timeout.
 */
#include "config.h"

#include <sys/inotify.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "imapd.h"
#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "store.h"
#include "stream.h"

/* imapd_user_dir - the user's Maildir or one folder's */
int
imapd_user_dir(const struct imapd_session *sess, const char *folder,
    char *buf, size_t size)
{
	char local[NAME_ADDRESS_MAX + 1], domain[NAME_ADDRESS_MAX + 1];
	int n;

	if (name_split(sess->user, local, sizeof(local), domain,
	    sizeof(domain)) < 0)
		return (-1);
	if (folder == NULL || strcasecmp(folder, "INBOX") == 0)
		n = snprintf(buf, size, "%s/%s/%s", sess->ctx->mail_dir, domain,
		    local);
	else
		n = snprintf(buf, size, "%s/%s/%s/.%s", sess->ctx->mail_dir,
		    domain, local, folder);
	return (n < 0 || (size_t)n >= size ? -1 : 0);
}

/* imapd_flags_format - "(\Seen kw ...)" */
void
imapd_flags_format(struct sbuf *out, unsigned flags, const char *keywords,
    int recent)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ STORE_FLAG_SEEN, "\\Seen" },
		{ STORE_FLAG_ANSWERED, "\\Answered" },
		{ STORE_FLAG_FLAGGED, "\\Flagged" },
		{ STORE_FLAG_DELETED, "\\Deleted" },
		{ STORE_FLAG_DRAFT, "\\Draft" },
	};
	const char *sep = "";
	size_t i;

	(void)sbuf_appendc(out, '(');
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].bit) {
			(void)sbuf_appendf(out, "%s%s", sep, names[i].name);
			sep = " ";
		}
	if (recent) {
		(void)sbuf_appendf(out, "%s\\Recent", sep);
		sep = " ";
	}
	if (keywords != NULL && *keywords != '\0')
		(void)sbuf_appendf(out, "%s%s", sep, keywords);
	(void)sbuf_appendc(out, ')');
}

/* free_msgs - the map's entries */
static void
free_msgs(struct imapd_msg *msgs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(msgs[i].keywords);
	free(msgs);
}

/* imapd_mailbox_close - forget the selected mailbox */
void
imapd_mailbox_close(struct imapd_session *sess)
{
	struct imapd_mbox *m = sess->sel;

	if (m == NULL)
		return;
	if (m->mb != NULL)
		store_mailbox_close(&m->mb);
	free_msgs(m->msgs, m->n);
	free(m);
	sess->sel = NULL;
	if (sess->state == IMAPD_SELECTED)
		imapd_set_state(sess, IMAPD_AUTHENTICATED);
}

/* imapd_find_uid - binary search of the map */
long
imapd_find_uid(const struct imapd_mbox *m, uint32_t uid)
{
	size_t lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->msgs[mid].uid == uid)
			return ((long)mid);
		if (m->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (-1);
}

/* first_at_least - index of the first message with UID >= uid */
static size_t
first_at_least(const struct imapd_mbox *m, uint32_t uid)
{
	size_t lo = 0, hi = m->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (m->msgs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

/* imapd_seqset - a set argument into message indexes */
int
imapd_seqset(struct imapd_session *sess, const struct imap_arg *arg, int uid,
    size_t **idx_r, size_t *n_r)
{
	struct imapd_mbox *m = sess->sel;
	struct imap_seq_range *ranges;
	struct imap_seqset set;
	enum imap_seqset_status st;
	size_t *idx = NULL, n = 0, cap = 0, r, i, end;
	uint32_t max;

	if (arg == NULL || arg->type != IMAP_ARG_ATOM) {
		imapd_bad(sess, "Invalid sequence set");
		return (-1);
	}
	ranges = xcalloc(IMAPD_SEQ_RANGES, sizeof(*ranges));
	imap_seqset_init(&set, ranges, IMAPD_SEQ_RANGES);
	st = imap_seqset_parse(arg->str, arg->len, 0, &set);
	if (st != IMAP_SEQSET_OK) {
		free(ranges);
		imapd_bad(sess, "Invalid sequence set (%s)",
		    imap_seqset_status_name(st));
		return (-1);
	}
	/* "*" is the largest UID or number; in an empty mailbox none. */
	max = uid ? (m->n ? m->msgs[m->n - 1].uid : 0) : (uint32_t)m->n;
	imap_seqset_normalise(&set, max);
	if (!uid) {
		/* A number past the end is an error (RFC 3501 6.4.8 says
		 * BAD for a non-existent message). */
		for (r = 0; r < set.count; r++)
			if (set.ranges[r].hi > m->n) {
				free(ranges);
				imapd_bad(sess, "Invalid messageset");
				return (-1);
			}
	}
	for (r = 0; r < set.count; r++) {
		if (uid) {
			i = first_at_least(m, set.ranges[r].lo);
			end = m->n;
		} else {
			i = set.ranges[r].lo - 1;
			end = set.ranges[r].hi;
		}
		for (; i < end; i++) {
			if (uid && m->msgs[i].uid > set.ranges[r].hi)
				break;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				idx = xreallocarray(idx, cap, sizeof(*idx));
			}
			idx[n++] = i;
		}
	}
	free(ranges);
	*idx_r = idx;
	*n_r = n;
	return (0);
}

/*
 * first_recent - the first UID that is \Recent for this session: claimed
 * from the store unless read-only; on error none (UINT32_MAX), logged
 */
static uint32_t
first_recent(struct store_mailbox *mb, int readonly, const char *folder)
{
	const char *error;
	uint32_t first;
	int r;

	if (readonly)
		r = store_mailbox_first_recent(mb, &first, &error);
	else
		r = store_mailbox_claim_recent(mb, &first, &error);
	if (r < 0) {
		msg_warn("mailbox %s: recent: %s", log_safe(folder), error);
		return (UINT32_MAX);
	}
	return (first);
}

/* load - the index into a map (\Recent from UID recent_from on); -1 */
static int
load(struct store_mailbox *mb, uint32_t recent_from,
    struct imapd_msg **msgs_r, size_t *n_r, const char **error_r)
{
	struct store_msg_light *sm;
	struct imapd_msg *msgs;
	size_t i, n;

	if (store_mailbox_list_light(mb, 1, 0, &sm, &n, error_r) < 0)
		return (-1);
	msgs = xcalloc(n + 1, sizeof(*msgs));
	for (i = 0; i < n; i++) {
		msgs[i].uid = sm[i].uid;
		msgs[i].flags = sm[i].flags;
		msgs[i].keywords = sm[i].keywords;	/* taken over */
		sm[i].keywords = NULL;
		msgs[i].modseq = sm[i].modseq;
		msgs[i].recent = sm[i].uid >= recent_from;
	}
	store_msgs_light_free(&sm, n);
	*msgs_r = msgs;
	*n_r = n;
	return (0);
}

/* recent_count - \Recent messages in the map */
static size_t
recent_count(const struct imapd_mbox *m)
{
	size_t i, r = 0;

	for (i = 0; i < m->n; i++)
		r += m->msgs[i].recent != 0;
	return (r);
}

/* fetch_flags - one unsolicited "n FETCH (FLAGS ...)" */
static void
fetch_flags(struct imapd_session *sess, size_t i)
{
	const struct imapd_msg *msg = &sess->sel->msgs[i];
	struct sbuf *sb = sbuf_new(0);

	imapd_flags_format(sb, msg->flags, msg->keywords, msg->recent);
	if (sess->condstore)
		imapd_untagged(sess, "%zu FETCH (UID %u FLAGS %s MODSEQ (%llu))",
		    i + 1, (unsigned)msg->uid, sbuf_str(sb),
		    (unsigned long long)msg->modseq);
	else
		imapd_untagged(sess, "%zu FETCH (UID %u FLAGS %s)", i + 1,
		    (unsigned)msg->uid, sbuf_str(sb));
	sbuf_free(&sb);
}

/* imapd_mailbox_reload - re-read the map without reporting */
int
imapd_mailbox_reload(struct imapd_session *sess)
{
	struct imapd_mbox *m = sess->sel;
	struct store_mailbox_info info;
	struct imapd_msg *msgs;
	const char *error;
	size_t n, i;
	uint32_t first = UINT32_MAX;
	long j;

	if (m == NULL)
		return (0);
	if (store_mailbox_info(m->mb, &info, &error) < 0 ||
	    load(m->mb, UINT32_MAX, &msgs, &n, &error) < 0) {
		msg_warn("mailbox %s: %s", m->folder, error);
		return (-1);
	}
	for (i = 0; i < n; i++)
		if ((j = imapd_find_uid(m, msgs[i].uid)) >= 0) {
			msgs[i].recent = m->msgs[j].recent;
		} else {
			if (first == UINT32_MAX)
				first = first_recent(m->mb, m->readonly,
				    m->folder);
			msgs[i].recent = msgs[i].uid >= first;
		}
	free_msgs(m->msgs, m->n);
	m->msgs = msgs;
	m->n = n;
	m->uidnext = info.uidnext;
	m->highestmodseq = info.highestmodseq;
	m->count = info.count;
	return (0);
}

/* imapd_mailbox_update - report what others changed */
void
imapd_mailbox_update(struct imapd_session *sess, int force)
{
	struct imapd_mbox *m = sess->sel;
	struct store_mailbox_info info;
	struct imapd_msg *msgs, *o;
	const char *error;
	size_t n, i, k, old_n, gone = 0;
	uint32_t maxuid, first = 0;
	long j;

	if (m == NULL || sess->state != IMAPD_SELECTED)
		return;
	if (store_mailbox_sync(m->mb, &error) < 0 ||
	    store_mailbox_info(m->mb, &info, &error) < 0) {
		msg_warn("mailbox %s: %s", m->folder, error);
		return;
	}
	(void)force;
	if (info.uidnext == m->uidnext && info.count == m->count &&
	    info.highestmodseq == m->highestmodseq)
		return;
	/* Claim before listing (see the top of this file). */
	if (info.uidnext != m->uidnext)
		first = first_recent(m->mb, m->readonly, m->folder);
	if (load(m->mb, UINT32_MAX, &msgs, &n, &error) < 0) {
		msg_warn("mailbox %s: %s", m->folder, error);
		return;
	}
	/* Expunged: in the map, not in the index. */
	k = 0;
	for (i = 0; i < m->n; i++) {
		while (k < n && msgs[k].uid < m->msgs[i].uid)
			k++;
		if (k >= n || msgs[k].uid != m->msgs[i].uid)
			gone++;
	}
	if (gone > 0 && sess->no_expunge) {
		free_msgs(msgs, n);
		return;
	}
	if (gone > 0) {
		for (i = m->n; i-- > 0; ) {
			j = -1;
			{
				size_t lo = 0, hi = n, mid;

				while (lo < hi) {
					mid = lo + (hi - lo) / 2;
					if (msgs[mid].uid < m->msgs[i].uid)
						lo = mid + 1;
					else
						hi = mid;
				}
				if (lo < n && msgs[lo].uid == m->msgs[i].uid)
					j = (long)lo;
			}
			if (j < 0) {
				imapd_untagged(sess, "%zu EXPUNGE", i + 1);
				free(m->msgs[i].keywords);
				memmove(&m->msgs[i], &m->msgs[i + 1],
				    (m->n - i - 1) * sizeof(m->msgs[0]));
				m->n--;
			}
		}
	}
	/* Flag changes, then new messages. */
	maxuid = m->n ? m->msgs[m->n - 1].uid : 0;
	old_n = m->n;
	for (i = 0; i < n; i++) {
		if (msgs[i].uid <= maxuid) {
			if ((j = imapd_find_uid(m, msgs[i].uid)) < 0)
				continue;	/* cannot happen: listed */
			o = &m->msgs[j];
			msgs[i].recent = o->recent;
			if (o->flags != msgs[i].flags || o->modseq !=
			    msgs[i].modseq || strcmp(o->keywords != NULL ?
			    o->keywords : "", msgs[i].keywords != NULL ?
			    msgs[i].keywords : "") != 0) {
				o->flags = msgs[i].flags;
				o->modseq = msgs[i].modseq;
				free(o->keywords);
				o->keywords = msgs[i].keywords != NULL ?
				    xstrdup(msgs[i].keywords) : NULL;
				fetch_flags(sess, (size_t)j);
			}
		} else {
			/* New to this session: recent if nobody else
			 * claimed it first. */
			if (first == 0)
				first = first_recent(m->mb, m->readonly,
				    m->folder);
			msgs[i].recent = msgs[i].uid >= first;
		}
	}
	/* The map becomes the index (same order, same entries). */
	free_msgs(m->msgs, m->n);
	m->msgs = msgs;
	m->n = n;
	if (n != old_n) {
		imapd_untagged(sess, "%zu EXISTS", n);
		imapd_untagged(sess, "%zu RECENT", recent_count(m));
	}
	m->uidnext = info.uidnext;
	m->highestmodseq = info.highestmodseq;
	m->count = info.count;
}

/* imapd_cmd_select - SELECT/EXAMINE name [(CONDSTORE)] */
void
imapd_cmd_select(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	struct store_mailbox_info info;
	struct imapd_mbox *m;
	const char *name, *error;
	int examine, notfound = 0;
	size_t len, i, unseen = 0;

	(void)uid;
	examine = strcasecmp(imap_parser_command(sess->parser), "EXAMINE") == 0;
	if (count < 1 || count > 2 || !imap_arg_astring(&args[0], &name, &len)
	    || (count == 2 && (args[1].type != IMAP_ARG_LIST))) {
		imapd_bad(sess, "%s: want a mailbox name",
		    examine ? "EXAMINE" : "SELECT");
		return;
	}
	if (count == 2) {
		for (i = 0; i < args[1].count; i++)
			if (!imap_arg_atom_eq(&args[1].list[i], "CONDSTORE")) {
				imapd_bad(sess, "Unknown SELECT parameter");
				return;
			}
		if (args[1].count > 0)
			sess->condstore = 1;
	}
	/* Selecting anything first deselects (RFC 3501 6.3.1). */
	imapd_mailbox_close(sess);
	m = xcalloc(1, sizeof(*m));
	if (imapd_name_to_folder(name, len, m->folder, &error) < 0) {
		free(m);
		imapd_tagged(sess, "NO", "[CANNOT] %s", error);
		return;
	}
	imapd_folder_to_name(m->folder, m->name);
	m->readonly = examine;
	m->mb = store_mailbox_open(sess->ctx->st, sess->user,
	    strcmp(m->folder, "INBOX") == 0 ? NULL : m->folder, &notfound,
	    &error);
	if (m->mb == NULL) {
		free(m);
		if (notfound) {
			imapd_tagged(sess, "NO", "[NONEXISTENT] Mailbox does "
			    "not exist");
		} else {
			msg_warn("user %s: select %s: %s", sess->user,
			    log_safe(name), error);
			imapd_tagged(sess, "NO", "[SERVERBUG] Cannot open the "
			    "mailbox");
		}
		return;
	}
	if (store_mailbox_info(m->mb, &info, &error) < 0 ||
	    load(m->mb, first_recent(m->mb, examine, m->folder), &m->msgs,
	    &m->n, &error) < 0) {
		msg_warn("user %s: select %s: %s", sess->user, m->folder,
		    error);
		store_mailbox_close(&m->mb);
		free(m);
		imapd_tagged(sess, "NO", "[SERVERBUG] Cannot read the "
		    "mailbox");
		return;
	}
	m->uidvalidity = info.uidvalidity;
	m->uidnext = info.uidnext;
	m->highestmodseq = info.highestmodseq;
	m->count = info.count;
	sess->sel = m;
	imapd_set_state(sess, IMAPD_SELECTED);
	for (i = 0; i < m->n; i++)
		if (!(m->msgs[i].flags & STORE_FLAG_SEEN)) {
			unseen = i + 1;
			break;
		}
	imapd_untagged(sess, "FLAGS (\\Answered \\Flagged \\Deleted \\Seen "
	    "\\Draft)");
	imapd_untagged(sess, "OK [PERMANENTFLAGS (%s)] Flags permitted",
	    examine ? "" : "\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*");
	imapd_untagged(sess, "%zu EXISTS", m->n);
	imapd_untagged(sess, "%zu RECENT", recent_count(m));
	if (unseen)
		imapd_untagged(sess, "OK [UNSEEN %zu] First unseen", unseen);
	imapd_untagged(sess, "OK [UIDVALIDITY %u] UIDs valid",
	    (unsigned)m->uidvalidity);
	imapd_untagged(sess, "OK [UIDNEXT %u] Predicted next UID",
	    (unsigned)m->uidnext);
	imapd_untagged(sess, "OK [HIGHESTMODSEQ %llu] Highest",
	    (unsigned long long)(m->highestmodseq ? m->highestmodseq : 1));
	msg_info("select user=%s mailbox=%s messages=%zu%s", sess->user,
	    log_safe(m->folder), m->n, examine ? " readonly" : "");
	imapd_tagged(sess, "OK", "[%s] %s completed", examine ? "READ-ONLY" :
	    "READ-WRITE", examine ? "EXAMINE" : "SELECT");
}

/* imapd_cmd_noop - NOOP: a chance for updates */
void
imapd_cmd_noop(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "NOOP takes no arguments");
		return;
	}
	imapd_mailbox_update(sess, 1);
	imapd_tagged(sess, "OK", "NOOP completed");
}

/*
 * idle_watch - inotify on the selected mailbox's new/ and cur/, and on
 * its directory for the store's STORE_CHANGES_FILE (see idle_relevant)
 */
static int
idle_watch(struct imapd_session *sess, int *dirwd_r)
{
	char dir[4096], path[4200];
	const char *sub[] = { "new", "cur" };
	size_t i;
	int fd;

	if (sess->sel == NULL || imapd_user_dir(sess, sess->sel->folder, dir,
	    sizeof(dir)) < 0)
		return (-1);
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0) {
		msg_warn("inotify_init1: %s", strerror(errno));
		return (-1);
	}
	for (i = 0; i < 2; i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dir, sub[i]);
		if (inotify_add_watch(fd, path, IN_CREATE | IN_DELETE |
		    IN_MOVED_TO | IN_MOVED_FROM | IN_ATTRIB) < 0)
			msg_warn("inotify_add_watch %s: %s", path,
			    strerror(errno));
	}
	if ((*dirwd_r = inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_ATTRIB
	    | IN_ONLYDIR)) < 0)
		msg_warn("inotify_add_watch %s: %s", dir, strerror(errno));
	return (fd);
}

/*
 * idle_relevant - drain the inotify events: 1 if one is worth a sync
 * (anything in new/ or cur/, or STORE_CHANGES_FILE in the mailbox
 * directory; not the other files and folders there)
 */
static int
idle_relevant(int ifd, int dirwd)
{
	char evbuf[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;
	int any = 0;

	while ((n = read(ifd, evbuf, sizeof(evbuf))) > 0)
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		    off += (ssize_t)sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(evbuf + off);
			if (ev->wd != dirwd || (ev->mask & IN_Q_OVERFLOW) ||
			    (ev->len > 0 && strcmp(ev->name,
			    STORE_CHANGES_FILE) == 0))
				any = 1;
		}
	return (any);
}

/* imapd_cmd_idle - RFC 2177 */
void
imapd_cmd_idle(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	struct sbuf *line;
	time_t start = time(NULL), now, last = start;
	int ifd, dirwd = -1, r, ms;
	long left;

	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "IDLE takes no arguments");
		return;
	}
	ifd = idle_watch(sess, &dirwd);
	imapd_mailbox_update(sess, 0);
	(void)stream_puts(sess->s, "+ idling\r\n");
	line = sbuf_new(1024);
	for (;;) {
		now = time(NULL);
		left = (long)var_imapd_timeout - (long)(now - start);
		if (left <= 0) {
			imapd_untagged(sess, "BYE Autologout; idle for too "
			    "long");
			sess->quit = 2;
			sess->end_reason = "timeout";
			break;
		}
		if (left > var_imapd_idle_check_interval)
			left = var_imapd_idle_check_interval;
		ms = (int)left * 1000;
		r = imapd_wait_input(sess, ifd, ms);
		if (r < 0) {
			sess->quit = 2;
			sess->end_reason = "error";
			break;
		}
		if (r == 1) {
			r = imapd_read_line(sess, line, 1000);
			if (r < 0)
				break;
			if (r == 0 && strcasecmp(sbuf_str(line), "DONE") == 0) {
				imapd_tagged(sess, "OK", "IDLE terminated");
			} else {
				imapd_bad(sess, "Expected DONE");
			}
			break;
		}
		if (r == 2 && !idle_relevant(ifd, dirwd))
			r = 0;
		if (r == 2 || time(NULL) - last >=
		    var_imapd_idle_check_interval) {
			last = time(NULL);
			imapd_mailbox_update(sess, r != 2);
			(void)stream_flush(sess->s);
		}
	}
	sbuf_free(&line);
	if (ifd >= 0)
		close(ifd);
}
