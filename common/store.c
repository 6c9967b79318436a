/*
 * store - Maildir++ mailboxes with an index in the registry environment.
 *
 * Two btree databases in the registry's environment (created by
 * registry_setup()) hold the index. "mailboxes.db" is keyed by "user NUL
 * folder" (the INBOX is "INBOX"), so one user's mailboxes are one range of
 * keys; its record holds the mailbox's private id, UIDVALIDITY, UIDNEXT,
 * HIGHESTMODSEQ, count, size, vsize, the directory mtimes of the last
 * full scan and the first UID no IMAP session has claimed as \Recent
 * ("recent", absent while 1). One more record, under the key "NUL
 * counter" (no address is empty), hands out mailbox ids and UIDVALIDITY
 * values. "messages.db" is keyed by the mailbox id and the UID, both
 * big-endian, so a mailbox's messages are one range in UID order and a
 * rename moves only mailbox records. Records are ipc attribute lists
 * starting with "v", like the registry's; unknown attributes are
 * ignored, missing ones are zero.
 *
 * Every index change runs through the registry's reg_run(): one short
 * transaction, committed synchronously, deadlocks retried. A transaction
 * that changes a mailbox first reads its record with DB_RMW, so writers of
 * one mailbox queue on it; the message records follow. Nothing but local
 * stat()s happens inside a transaction; files are written, linked,
 * renamed and fsynced outside. Large jobs (a scan picking up thousands of
 * files, flag changes over a whole mailbox) run in batches of STORE_BATCH
 * records so no transaction outgrows the lock table.
 *
 * Delivery order: spool file fsynced; link into each recipient's tmp/
 * under the final name; fsync those tmp/ directories; one transaction
 * records every copy as "new/NAME"; rename tmp/NAME -> new/NAME; fsync
 * new/. A file reaches new/ or cur/ only after its index entry is
 * committed, which is what lets a scan that reads the directories before
 * the index take an unindexed file there for a foreign one. A scan
 * re-checks, inside the transaction that holds the mailbox record, that a
 * file it picks up still exists (expunge unlinks before it deletes the
 * entry) and that nobody indexed it meanwhile (entries at or above the
 * UIDNEXT it saw).
 *
 * Logs: warnings for files it cannot handle and for clean-up failures;
 * the callers log errors returned through *error_r.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <db.h>

#include "errbuf.h"
#include "fdio.h"
#include "ipc.h"
#include "mem.h"
#include "msg.h"
#include "name.h"
#include "registry.h"
#include "registry_private.h"
#include "sbuf.h"
#include "store.h"
#include "strnum.h"

#define STORE_FORMAT_VERSION	1
#define STORE_DIR_MODE		0700
#define STORE_FILE_MODE		0600
#define STORE_ERROR_MAX		512
#define STORE_RECORD_MAX	(64 * 1024)
#define STORE_BATCH		256	/* records per transaction */
#define STORE_LIST_BATCH	1000	/* records per listing transaction */
#define STORE_STR_MAX		998	/* message id, origin, remote id */
#define STORE_DIRTY_SECS	2	/* mtimes this recent are not trusted */
#define STORE_SPOOL		".spool"
#define STORE_INBOX		"INBOX"

/* "NUL counter": the id and UIDVALIDITY allocator in mailboxes.db */
static const char store_counter_key[] = "\0counter";
#define STORE_COUNTER_KEYLEN	(sizeof(store_counter_key) - 1)

/* user NUL folder */
#define STORE_MBKEY_MAX		(NAME_ADDRESS_MAX + 1 + STORE_FOLDER_MAX)
#define STORE_MSGKEY_LEN	12	/* id (8) + uid (4), big-endian */

struct store {
	struct registry *reg;
	DB     *mailboxes;
	DB     *messages;
	char   *mail_dir;
	char   *spool_dir;
	char	host[64];		/* for unique file names */
	pid_t	pid;
	unsigned seq;			/* unique file names */
	int	crash_at;		/* STORE_TEST_CRASH_AT */
	struct sbuf *rec;		/* encoding buffer */
};

/* a checked, normalised user and folder, with their key and directory */
struct st_box {
	char	user[NAME_ADDRESS_MAX + 1];
	char	folder[STORE_FOLDER_MAX + 1];	/* "INBOX" or the name */
	char	key[STORE_MBKEY_MAX];
	size_t	keylen;
	char   *dir;			/* the mailbox directory */
	char   *userdir;		/* mail_dir/DOMAIN/LOCAL */
	char   *domdir;			/* mail_dir/DOMAIN */
	int	inbox;
};

/* a mailbox record */
struct st_mbox {
	uint64_t id;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t modseq;
	uint64_t count;
	uint64_t size;
	uint64_t vsize;
	uint64_t scan_new;		/* new/ mtime (ns) at the last scan */
	uint64_t scan_cur;
	uint32_t first_recent;		/* first UID still \Recent; 0 = 1 */
};

struct store_rcpt {
	struct st_box box;
	uint32_t uidvalidity;
	uint32_t uid;
	int	linked;			/* tmp/NAME exists */
};

struct store_delivery {
	struct store *st;
	int	fd;			/* -1 for begin_file */
	char   *path;			/* spool file (or the given file) */
	int	own_file;		/* unlink path on free */
	char   *base;			/* unique part of the file name */
	char   *name;			/* final name: base,S=..,W=.. */
	struct store_rcpt *rcpts;
	size_t	count;
	size_t	alloc;
	int	committed;
};

struct store_mailbox {
	struct store *st;
	struct st_box box;
	struct st_mbox rec;		/* as of the last sync or info */
	int	lock_fd;		/* store_mailbox_trylock */
};

static char store_errbuf[STORE_ERROR_MAX];

static const struct ipc_limits store_limits = {
	IPC_NAME_MAX, IPC_VALUE_MAX, IPC_ATTR_MAX,
};

/* Maildir info letters, in the order they are written */
static const struct {
	char	letter;
	unsigned flag;
} store_letters[] = {
	{ 'D', STORE_FLAG_DRAFT },
	{ 'F', STORE_FLAG_FLAGGED },
	{ 'R', STORE_FLAG_ANSWERED },
	{ 'S', STORE_FLAG_SEEN },
	{ 'T', STORE_FLAG_DELETED },
};

/* ST_ERROR - format an error text into the static buffer, return it */
#define ST_ERROR(...) \
	errbuf_format(store_errbuf, sizeof(store_errbuf), \
	    "store error (unprintable)", __VA_ARGS__)

/* st_crash - the test hook: die at step n if asked to */
static void
st_crash(const struct store *st, int n)
{
	if (st->crash_at == n)
		_exit(99);
}

/* st_path - dir "/" name, allocated */
static char *
st_path(const char *dir, const char *name)
{
	size_t dl = strlen(dir), nl = strlen(name);
	char *p = xmalloc(dl + 1 + nl + 1);

	memcpy(p, dir, dl);
	p[dl] = '/';
	memcpy(p + dl + 1, name, nl + 1);
	return (p);
}

/* st_path3 - dir "/" sub "/" name, allocated */
static char *
st_path3(const char *dir, const char *sub, const char *name)
{
	char *a = st_path(dir, sub), *b = st_path(a, name);

	free(a);
	return (b);
}

/* st_fsync_dir - fsync a directory: 0, or -1 with *error_r */
static int
st_fsync_dir(const char *dir, const char **error_r)
{
	int fd, ret;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*error_r = ST_ERROR("open %s: %s", dir, strerror(errno));
		return (-1);
	}
	ret = fsync(fd);
	if (ret < 0)
		*error_r = ST_ERROR("fsync %s: %s", dir, strerror(errno));
	(void)close(fd);
	return (ret);
}

/*
 * st_mkdir - make dir (mode 0700) if missing; *made set when it was made
 * (so the caller fsyncs the parent). 0, or -1 with *error_r.
 */
static int
st_mkdir(const char *dir, int *made, const char **error_r)
{
	if (mkdir(dir, STORE_DIR_MODE) == 0) {
		*made = 1;
		return (0);
	}
	if (errno == EEXIST)
		return (0);
	*error_r = ST_ERROR("mkdir %s: %s", dir, strerror(errno));
	return (-1);
}

/*
 * st_maildir_make - make a Maildir (cur new tmp, and maildirfolder for a
 * folder) at dir if missing, with the parents up to mail_dir, fsyncing
 * every directory that got a new entry. 0, or -1 with *error_r.
 */
static int
st_maildir_make(struct store *st, const struct st_box *b,
    const char **error_r)
{
	static const char *const subs[] = { "cur", "tmp", "new" };
	struct stat sb;
	char *p;
	size_t i;
	int made = 0, fd;

	/* the usual case: it is all there (new/ is made last) */
	p = st_path(b->dir, "new");
	i = stat(p, &sb) == 0;
	free(p);
	if (i)
		return (0);
	if (st_mkdir(b->domdir, &made, error_r) < 0)
		return (-1);
	if (made && st_fsync_dir(st->mail_dir, error_r) < 0)
		return (-1);
	made = 0;
	if (st_mkdir(b->userdir, &made, error_r) < 0)
		return (-1);
	if (made && st_fsync_dir(b->domdir, error_r) < 0)
		return (-1);
	if (!b->inbox) {
		made = 0;
		if (st_mkdir(b->dir, &made, error_r) < 0)
			return (-1);
		if (made && st_fsync_dir(b->userdir, error_r) < 0)
			return (-1);
	}
	made = 0;
	if (!b->inbox) {
		p = st_path(b->dir, "maildirfolder");
		if ((fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    STORE_FILE_MODE)) >= 0) {
			made = 1;
			(void)close(fd);
		} else if (errno != EEXIST) {
			*error_r = ST_ERROR("create %s: %s", p,
			    strerror(errno));
			free(p);
			return (-1);
		}
		free(p);
	}
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		p = st_path(b->dir, subs[i]);
		if (st_mkdir(p, &made, error_r) < 0) {
			free(p);
			return (-1);
		}
		free(p);
	}
	if (made && st_fsync_dir(b->dir, error_r) < 0)
		return (-1);
	return (0);
}

/* Names. */

/* store_folder_check - is name a folder name we accept? */
int
store_folder_check(const char *name, const char **error_r)
{
	size_t n, i;

	if (name == NULL || strcasecmp(name, STORE_INBOX) == 0)
		return (0);
	n = strlen(name);
	if (n == 0) {
		*error_r = "empty folder name";
		return (-1);
	}
	if (n > STORE_FOLDER_MAX) {
		*error_r = "folder name too long";
		return (-1);
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c > 0x7e) {
			*error_r = "folder name has a control or non-ASCII "
			    "character";
			return (-1);
		}
		if (c == '/') {
			*error_r = "folder name contains '/'";
			return (-1);
		}
	}
	if (name[0] == '.' || name[n - 1] == '.') {
		*error_r = "folder name starts or ends with '.'";
		return (-1);
	}
	if (strstr(name, "..") != NULL) {
		*error_r = "folder name contains '..'";
		return (-1);
	}
	return (0);
}

/*
 * st_box_init - check user and folder, fill in their key and directories.
 * 0, or -1 with *error_r.
 */
static int
st_box_init(struct store *st, const char *user, const char *folder,
    struct st_box *b, const char **error_r)
{
	char local[NAME_LOCAL_MAX + 1], domain[NAME_DOMAIN_MAX + 1];
	char *dot;
	const char *why;
	size_t ul, fl;

	memset(b, 0, sizeof(*b));
	if (user == NULL)
		user = "";
	if (name_address_check(user, &why) < 0) {
		*error_r = ST_ERROR("bad user address '%s': %s",
		    log_safe(user), why);
		return (-1);
	}
	if (name_normalize(user, b->user, sizeof(b->user)) < 0 ||
	    name_split(b->user, local, sizeof(local), domain,
	    sizeof(domain)) < 0) {
		*error_r = ST_ERROR("bad user address '%s': too long",
		    log_safe(user));
		return (-1);
	}
	if (store_folder_check(folder, &why) < 0) {
		*error_r = ST_ERROR("bad folder name '%s': %s",
		    log_safe(folder), why);
		return (-1);
	}
	b->inbox = folder == NULL || strcasecmp(folder, STORE_INBOX) == 0;
	/* bounds: checked above, folder <= STORE_FOLDER_MAX */
	(void)snprintf(b->folder, sizeof(b->folder), "%s",
	    b->inbox ? STORE_INBOX : folder);
	ul = strlen(b->user);
	fl = strlen(b->folder);
	/* bounds: ul <= NAME_ADDRESS_MAX, fl <= STORE_FOLDER_MAX */
	memcpy(b->key, b->user, ul);
	b->key[ul] = '\0';
	memcpy(b->key + ul + 1, b->folder, fl);
	b->keylen = ul + 1 + fl;
	b->domdir = st_path(st->mail_dir, domain);
	b->userdir = st_path(b->domdir, local);
	if (b->inbox) {
		b->dir = xstrdup(b->userdir);
	} else {
		dot = xmalloc(fl + 2);
		dot[0] = '.';
		memcpy(dot + 1, b->folder, fl + 1);
		b->dir = st_path(b->userdir, dot);
		free(dot);
	}
	return (0);
}

/* st_box_free - release what st_box_init allocated */
static void
st_box_free(struct st_box *b)
{
	free(b->dir);
	free(b->userdir);
	free(b->domdir);
	b->dir = b->userdir = b->domdir = NULL;
}

/* Records. */

/* st_dbt - a DBT over n bytes at p */
static void
st_dbt(DBT *dbt, const void *p, size_t n)
{
	memset(dbt, 0, sizeof(*dbt));
	dbt->data = (void *)p;
	dbt->size = (u_int32_t)n;
}

/* st_msgkey - the messages.db key of (id, uid) into key */
static void
st_msgkey(uint64_t id, uint32_t uid, unsigned char key[STORE_MSGKEY_LEN])
{
	int i;

	for (i = 0; i < 8; i++)
		key[i] = (unsigned char)(id >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		key[8 + i] = (unsigned char)(uid >> (24 - 8 * i));
}

/* st_msgkey_uid - the uid of a messages.db key of mailbox id; 0 if not */
static uint32_t
st_msgkey_uid(const DBT *k, uint64_t id)
{
	unsigned char want[STORE_MSGKEY_LEN];
	const unsigned char *p = k->data;

	if (k->size != STORE_MSGKEY_LEN)
		return (0);
	st_msgkey(id, 0, want);
	if (memcmp(p, want, 8) != 0)
		return (0);
	return ((uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 |
	    (uint32_t)p[10] << 8 | (uint32_t)p[11]);
}

/*
 * st_parse - parse a stored record (what, for errors) and check its
 * version: 0 with msg filled (clear it), or -1 with *error_r.
 */
static int
st_parse(const char *what, const DBT *data, struct ipc_msg *msg,
    const char **error_r)
{
	const char *why = "unparsable", *v, *dot;
	uint64_t major;
	size_t used = 0;

	ipc_msg_init(msg);
	if (ipc_parse(data->data, data->size, &store_limits, msg, &used,
	    &why) != IPC_PARSE_OK || used != data->size) {
		ipc_msg_clear(msg);
		*error_r = ST_ERROR("store: %s: malformed record: %s", what,
		    why);
		return (-1);
	}
	if ((v = ipc_get(msg, "v")) == NULL ||
	    strnum_u64_n(v, (dot = strchr(v, '.')) != NULL ?
	    (size_t)(dot - v) : strlen(v), 1, UINT32_MAX, &major) < 0) {
		ipc_msg_clear(msg);
		*error_r = ST_ERROR("store: %s: malformed record: bad or no "
		    "format version", what);
		return (-1);
	}
	if (major > STORE_FORMAT_VERSION) {
		ipc_msg_clear(msg);
		*error_r = ST_ERROR("store: %s: record format %s is newer "
		    "than this program understands (%d)", what, log_safe(v),
		    STORE_FORMAT_VERSION);
		return (-1);
	}
	return (0);
}

/* st_num - an optional number attribute in [0, max]; absent = 0 */
static int
st_num(const struct ipc_msg *msg, const char *attr, uint64_t max,
    uint64_t *val_r)
{
	*val_r = 0;
	if (ipc_get(msg, attr) == NULL)
		return (0);
	return (ipc_get_u64(msg, attr, 0, max, val_r));
}

/* st_str - an optional text attribute, allocated; absent = "" */
static char *
st_str(const struct ipc_msg *msg, const char *attr)
{
	const char *v = ipc_get(msg, attr);

	return (xstrdup(v != NULL ? v : ""));
}

/* st_mbox_encode - a mailbox record into out */
static int
st_mbox_encode(const struct st_mbox *m, struct sbuf *out)
{
	sbuf_reset(out);
	if (ipc_put_u64(out, "v", STORE_FORMAT_VERSION) < 0 ||
	    ipc_put_u64(out, "id", m->id) < 0 ||
	    ipc_put_u64(out, "uidvalidity", m->uidvalidity) < 0 ||
	    ipc_put_u64(out, "uidnext", m->uidnext) < 0 ||
	    ipc_put_u64(out, "modseq", m->modseq) < 0 ||
	    ipc_put_u64(out, "count", m->count) < 0 ||
	    ipc_put_u64(out, "size", m->size) < 0 ||
	    ipc_put_u64(out, "vsize", m->vsize) < 0 ||
	    ipc_put_u64(out, "scan_new", m->scan_new) < 0 ||
	    ipc_put_u64(out, "scan_cur", m->scan_cur) < 0 ||
	    (m->first_recent > 1 && ipc_put_u64(out, "recent",
	    m->first_recent) < 0) ||
	    ipc_end(out) < 0)
		return (-1);
	return (0);
}

/* st_mbox_decode - a mailbox record */
static int
st_mbox_decode(const DBT *data, struct st_mbox *m, const char **error_r)
{
	struct ipc_msg msg;
	uint64_t uv, un, fr;
	int bad;

	memset(m, 0, sizeof(*m));
	if (st_parse("mailbox", data, &msg, error_r) < 0)
		return (-1);
	bad = st_num(&msg, "id", UINT64_MAX, &m->id) < 0 ||
	    st_num(&msg, "uidvalidity", UINT32_MAX, &uv) < 0 ||
	    st_num(&msg, "uidnext", UINT32_MAX, &un) < 0 ||
	    st_num(&msg, "modseq", UINT64_MAX, &m->modseq) < 0 ||
	    st_num(&msg, "count", UINT64_MAX, &m->count) < 0 ||
	    st_num(&msg, "size", UINT64_MAX, &m->size) < 0 ||
	    st_num(&msg, "vsize", UINT64_MAX, &m->vsize) < 0 ||
	    st_num(&msg, "scan_new", UINT64_MAX, &m->scan_new) < 0 ||
	    st_num(&msg, "scan_cur", UINT64_MAX, &m->scan_cur) < 0 ||
	    st_num(&msg, "recent", UINT32_MAX, &fr) < 0;
	ipc_msg_clear(&msg);
	if (bad || m->id == 0 || uv == 0 || un == 0) {
		*error_r = "store: mailbox: malformed record: bad field";
		return (-1);
	}
	m->uidvalidity = (uint32_t)uv;
	m->uidnext = (uint32_t)un;
	m->first_recent = (uint32_t)fr;
	return (0);
}

/*
 * st_msg_encode - a message record into out; a UIDL equal to the one
 * derived from uidvalidity and the UID is not stored.
 */
static int
st_msg_encode(const struct store_msg *m, uint32_t uidvalidity,
    struct sbuf *out)
{
	char derived[20];

	(void)snprintf(derived, sizeof(derived), "%08x%08x", uidvalidity,
	    m->uid);
	sbuf_reset(out);
	if (ipc_put_u64(out, "v", STORE_FORMAT_VERSION) < 0 ||
	    ipc_put(out, "file", m->file) < 0 ||
	    ipc_put_u64(out, "size", m->size) < 0 ||
	    ipc_put_u64(out, "vsize", m->vsize) < 0 ||
	    ipc_put_u64(out, "date", (uint64_t)(m->internal_date < 0 ? 0 :
	    m->internal_date)) < 0 ||
	    ipc_put_u64(out, "flags", m->flags) < 0 ||
	    ipc_put_u64(out, "modseq", m->modseq) < 0)
		return (-1);
	if (m->eol_pad != 0 && ipc_put_u64(out, "eolpad", m->eol_pad) < 0)
		return (-1);
	if (m->keywords != NULL && *m->keywords != '\0' &&
	    ipc_put(out, "kw", m->keywords) < 0)
		return (-1);
	if (m->message_id != NULL && *m->message_id != '\0' &&
	    ipc_put(out, "msgid", m->message_id) < 0)
		return (-1);
	if (m->origin != NULL && *m->origin != '\0' &&
	    ipc_put(out, "origin", m->origin) < 0)
		return (-1);
	if (m->remote_id != NULL && *m->remote_id != '\0' &&
	    ipc_put(out, "rid", m->remote_id) < 0)
		return (-1);
	if (m->uidl != NULL && *m->uidl != '\0' &&
	    strcmp(m->uidl, derived) != 0 &&
	    ipc_put(out, "uidl", m->uidl) < 0)
		return (-1);
	return (ipc_end(out));
}

/*
 * st_msg_decode - a message record of uid in a mailbox of uidvalidity;
 * the UIDL is derived when none is stored. Clear m with store_msg_clear.
 */
static int
st_msg_decode(const DBT *data, uint32_t uid, uint32_t uidvalidity,
    struct store_msg *m, const char **error_r)
{
	struct ipc_msg msg;
	uint64_t date, flags, eol_pad;
	char uidl[20];
	const char *u;
	int bad;

	memset(m, 0, sizeof(*m));
	if (st_parse("message", data, &msg, error_r) < 0)
		return (-1);
	bad = ipc_get(&msg, "file") == NULL ||
	    st_num(&msg, "size", UINT64_MAX, &m->size) < 0 ||
	    st_num(&msg, "vsize", UINT64_MAX, &m->vsize) < 0 ||
	    st_num(&msg, "date", INT32_MAX, &date) < 0 ||
	    st_num(&msg, "flags", STORE_FLAG_ALL, &flags) < 0 ||
	    st_num(&msg, "modseq", UINT64_MAX, &m->modseq) < 0 ||
	    st_num(&msg, "eolpad", 2, &eol_pad) < 0;
	if (bad) {
		ipc_msg_clear(&msg);
		*error_r = ST_ERROR("store: message %u: malformed record: "
		    "bad field", uid);
		return (-1);
	}
	m->uid = uid;
	m->internal_date = (time_t)date;
	m->flags = (unsigned)flags;
	m->eol_pad = (unsigned)eol_pad;
	m->file = st_str(&msg, "file");
	m->keywords = st_str(&msg, "kw");
	m->message_id = st_str(&msg, "msgid");
	m->origin = st_str(&msg, "origin");
	m->remote_id = st_str(&msg, "rid");
	if ((u = ipc_get(&msg, "uidl")) != NULL && *u != '\0') {
		m->uidl = xstrdup(u);
	} else {
		(void)snprintf(uidl, sizeof(uidl), "%08x%08x", uidvalidity,
		    uid);
		m->uidl = xstrdup(uidl);
	}
	ipc_msg_clear(&msg);
	return (0);
}

/* store_msg_clear - free one entry's strings */
void
store_msg_clear(struct store_msg *m)
{
	free(m->file);
	free(m->keywords);
	free(m->message_id);
	free(m->origin);
	free(m->remote_id);
	free(m->uidl);
	memset(m, 0, sizeof(*m));
}

/* store_msgs_free - free a listing */
void
store_msgs_free(struct store_msg **msgs, size_t count)
{
	size_t i;

	if (*msgs == NULL)
		return;
	for (i = 0; i < count; i++)
		store_msg_clear(&(*msgs)[i]);
	free(*msgs);
	*msgs = NULL;
}

/* Index primitives (inside a transaction). */

/* st_mbox_read - get and decode a mailbox record: 1, 0, or an error */
static int
st_mbox_read(struct store *st, DB_TXN *txn, const struct st_box *b,
    u_int32_t flags, struct st_mbox *m, const char **error_r)
{
	DBT k, d;
	int ret;

	st_dbt(&k, b->key, b->keylen);
	memset(&d, 0, sizeof(d));
	if ((ret = st->mailboxes->get(st->mailboxes, txn, &k, &d,
	    flags)) != 0)
		return (ret == DB_NOTFOUND ? 0 : ret);
	if (st_mbox_decode(&d, m, error_r) < 0)
		return (REG_FAIL);
	return (1);
}

/* st_mbox_put - write a mailbox record */
static int
st_mbox_put(struct store *st, DB_TXN *txn, const struct st_box *b,
    const struct st_mbox *m, const char **error_r)
{
	DBT k, d;

	if (st_mbox_encode(m, st->rec) < 0) {
		*error_r = "store: cannot encode a mailbox record";
		return (REG_FAIL);
	}
	st_dbt(&k, b->key, b->keylen);
	st_dbt(&d, sbuf_str(st->rec), sbuf_len(st->rec));
	return (st->mailboxes->put(st->mailboxes, txn, &k, &d, 0));
}

/*
 * st_mbox_lock - read an open mailbox's record for update into rec: 0,
 * REG_FAIL when the index was rebuilt since the mailbox was opened, or an
 * error
 */
static int
st_mbox_lock(struct store_mailbox *mb, DB_TXN *txn, struct st_mbox *rec,
    const char **error_r)
{
	int ret;

	if ((ret = st_mbox_read(mb->st, txn, &mb->box, DB_RMW, rec,
	    error_r)) < 0)
		return (ret);
	if (ret == 0 || rec->id != mb->rec.id) {
		*error_r = "store: index was rebuilt, reopen the mailbox";
		return (REG_FAIL);
	}
	return (0);
}

/* st_mbox_update - if changed, write rec and make it the mailbox's */
static int
st_mbox_update(struct store_mailbox *mb, DB_TXN *txn,
    const struct st_mbox *rec, int changed, const char **error_r)
{
	int ret;

	if (!changed)
		return (0);
	if ((ret = st_mbox_put(mb->st, txn, &mb->box, rec, error_r)) != 0)
		return (ret);
	mb->rec = *rec;
	return (0);
}

/* st_msg_put - write a message record */
static int
st_msg_put(struct store *st, DB_TXN *txn, const struct st_mbox *mb,
    const struct store_msg *m, const char **error_r)
{
	unsigned char key[STORE_MSGKEY_LEN];
	DBT k, d;

	if (st_msg_encode(m, mb->uidvalidity, st->rec) < 0) {
		*error_r = "store: cannot encode a message record";
		return (REG_FAIL);
	}
	st_msgkey(mb->id, m->uid, key);
	st_dbt(&k, key, sizeof(key));
	st_dbt(&d, sbuf_str(st->rec), sbuf_len(st->rec));
	return (st->messages->put(st->messages, txn, &k, &d, 0));
}

/* st_msg_read - get and decode a message record: 1, 0, or an error */
static int
st_msg_read(struct store *st, DB_TXN *txn, const struct st_mbox *mb,
    uint32_t uid, u_int32_t flags, struct store_msg *m,
    const char **error_r)
{
	unsigned char key[STORE_MSGKEY_LEN];
	DBT k, d;
	int ret;

	st_msgkey(mb->id, uid, key);
	st_dbt(&k, key, sizeof(key));
	memset(&d, 0, sizeof(d));
	if ((ret = st->messages->get(st->messages, txn, &k, &d, flags)) != 0)
		return (ret == DB_NOTFOUND ? 0 : ret);
	if (st_msg_decode(&d, uid, mb->uidvalidity, m, error_r) < 0)
		return (REG_FAIL);
	return (1);
}

/* st_msg_del - delete a message record (absent is fine) */
static int
st_msg_del(struct store *st, DB_TXN *txn, uint64_t id, uint32_t uid)
{
	unsigned char key[STORE_MSGKEY_LEN];
	DBT k;
	int ret;

	st_msgkey(id, uid, key);
	st_dbt(&k, key, sizeof(key));
	ret = st->messages->del(st->messages, txn, &k, 0);
	return (ret == DB_NOTFOUND ? 0 : ret);
}

/*
 * st_batch_next - the next message of uids[*i..to) still in the index,
 * read for update into m, *i moved past it: 1, 0 when none is left, or an
 * error
 */
static int
st_batch_next(struct store_mailbox *mb, DB_TXN *txn,
    const struct st_mbox *rec, const uint32_t *uids, size_t *i, size_t to,
    struct store_msg *m, const char **error_r)
{
	int ret;

	while (*i < to)
		if ((ret = st_msg_read(mb->st, txn, rec, uids[(*i)++], DB_RMW,
		    m, error_r)) != 0)
			return (ret);
	return (0);
}

/*
 * st_msg_same - read entry e's message record for update into m: 1 when it
 * still names e's file, 0 when it is gone or names another one (m left
 * empty), or an error
 */
static int
st_msg_same(struct store *st, DB_TXN *txn, const struct st_mbox *mb,
    const struct store_msg *e, struct store_msg *m, const char **error_r)
{
	int ret;

	if ((ret = st_msg_read(st, txn, mb, e->uid, DB_RMW, m,
	    error_r)) <= 0)
		return (ret);
	if (strcmp(m->file, e->file) != 0) {
		store_msg_clear(m);
		return (0);
	}
	return (1);
}

/*
 * st_msg_drop - delete message m's record and take it off the mailbox
 * record's counters: 0 or an error (counters then unchanged)
 */
static int
st_msg_drop(struct store *st, DB_TXN *txn, struct st_mbox *mb,
    const struct store_msg *m)
{
	int ret;

	if ((ret = st_msg_del(st, txn, mb->id, m->uid)) != 0)
		return (ret);
	mb->count -= mb->count > 0;
	mb->size -= m->size <= mb->size ? m->size : mb->size;
	mb->vsize -= m->vsize <= mb->vsize ? m->vsize : mb->vsize;
	mb->modseq++;
	return (0);
}

/*
 * st_msgs_purge - delete up to max message records of mailbox id (stale
 * ones left by a lost mailbox record): the number deleted, or an error.
 */
static int
st_msgs_purge(struct store *st, DB_TXN *txn, uint64_t id, int max)
{
	unsigned char key[STORE_MSGKEY_LEN];
	DBC *c;
	DBT k, d;
	int ret, n = 0;

	if ((ret = st->messages->cursor(st->messages, txn, &c, 0)) != 0)
		return (ret);
	st_msgkey(id, 0, key);
	st_dbt(&k, key, sizeof(key));
	k.ulen = sizeof(key);
	k.flags = DB_DBT_USERMEM;
	memset(&d, 0, sizeof(d));
	d.flags = DB_DBT_PARTIAL;	/* the data is not needed */
	ret = c->get(c, &k, &d, DB_SET_RANGE | DB_RMW);
	while (ret == 0 && n < max && st_msgkey_uid(&k, id) != 0) {
		if ((ret = c->del(c, 0)) != 0)
			break;
		n++;
		ret = c->get(c, &k, &d, DB_NEXT | DB_RMW);
	}
	(void)c->close(c);
	if (ret == DB_NOTFOUND || ret == DB_BUFFER_SMALL || ret == 0)
		return (n);
	return (ret);
}

/*
 * st_mbox_create - a fresh mailbox record for b (inside txn): a new id and
 * UIDVALIDITY from the counter, stale message records under the id
 * removed. 0, or an error.
 */
static int
st_mbox_create(struct store *st, DB_TXN *txn, const struct st_box *b,
    struct st_mbox *m, const char **error_r)
{
	struct ipc_msg msg;
	uint64_t next_id = 0, last_uv = 0;
	uint32_t uv;
	DBT k, d;
	int ret;

	st_dbt(&k, store_counter_key, STORE_COUNTER_KEYLEN);
	memset(&d, 0, sizeof(d));
	ret = st->mailboxes->get(st->mailboxes, txn, &k, &d, DB_RMW);
	if (ret == 0) {
		if (st_parse("counter", &d, &msg, error_r) < 0)
			return (REG_FAIL);
		if (st_num(&msg, "next_id", UINT64_MAX, &next_id) < 0 ||
		    st_num(&msg, "uidvalidity", UINT32_MAX, &last_uv) < 0) {
			ipc_msg_clear(&msg);
			*error_r = "store: counter: malformed record";
			return (REG_FAIL);
		}
		ipc_msg_clear(&msg);
	} else if (ret != DB_NOTFOUND) {
		return (ret);
	}
	/*
	 * A new (or lost) counter starts from the time: ids handed out
	 * before stay below it unless a million mailboxes were made per
	 * second since, so stale message records never belong to a live
	 * mailbox.
	 */
	if (next_id == 0)
		next_id = ((uint64_t)time(NULL) << 20) | 1;
	/* UIDVALIDITY: the time, but always more than the last one given */
	uv = (uint32_t)time(NULL);
	if ((uint64_t)uv <= last_uv)
		uv = last_uv >= UINT32_MAX ? 1 : (uint32_t)last_uv + 1;
	memset(m, 0, sizeof(*m));
	m->id = next_id;
	m->uidvalidity = uv;
	m->uidnext = 1;
	sbuf_reset(st->rec);
	if (ipc_put_u64(st->rec, "v", STORE_FORMAT_VERSION) < 0 ||
	    ipc_put_u64(st->rec, "next_id", next_id + 1) < 0 ||
	    ipc_put_u64(st->rec, "uidvalidity", uv) < 0 ||
	    ipc_end(st->rec) < 0) {
		*error_r = "store: cannot encode the counter";
		return (REG_FAIL);
	}
	st_dbt(&d, sbuf_str(st->rec), sbuf_len(st->rec));
	if ((ret = st->mailboxes->put(st->mailboxes, txn, &k, &d, 0)) != 0)
		return (ret);
	/* records left under the id by a lost index go (a batch at most) */
	if ((ret = st_msgs_purge(st, txn, m->id, STORE_BATCH)) < 0)
		return (ret);
	return (st_mbox_put(st, txn, b, m, error_r));
}

/* Opening. */

/* st_hostname - this host's name, safe in a Maildir file name */
static void
st_hostname(char *buf, size_t size)
{
	char host[256];
	size_t i, n = 0;

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	for (i = 0; host[i] != '\0' && n + 1 < size; i++) {
		unsigned char c = (unsigned char)host[i];

		/* '/' and ':' cannot be in a Maildir name; ',' is ours */
		if (c == '/' || c == ':' || c == ',' || c < 0x21 || c > 0x7e)
			continue;
		buf[n++] = (char)c;
	}
	if (n == 0 && size > 9) {
		memcpy(buf, "localhost", 9);
		n = 9;
	}
	buf[n] = '\0';
}

/* st_spool_clean - remove spool files older than STORE_TMP_MAX_AGE */
static void
st_spool_clean(struct store *st)
{
	DIR *dir;
	struct dirent *e;
	struct stat sb;
	time_t now = time(NULL);
	char *p;

	if ((dir = opendir(st->spool_dir)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		p = st_path(st->spool_dir, e->d_name);
		if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode) &&
		    now - sb.st_mtime > STORE_TMP_MAX_AGE && unlink(p) == 0)
			msg_info("store: removed stale spool file %s", p);
		free(p);
	}
	(void)closedir(dir);
}

/* store_open - a store over reg and mail_dir */
struct store *
store_open(struct registry *reg, const char *mail_dir, const char **error_r)
{
	struct store *st;
	struct stat sb;
	const char *crash;
	uint64_t n;
	int made = 0;

	if (mail_dir == NULL || *mail_dir != '/') {
		*error_r = "store: mail_dir must be an absolute path";
		return (NULL);
	}
	if (stat(mail_dir, &sb) < 0) {
		*error_r = ST_ERROR("store: mail_dir %s: %s", mail_dir,
		    strerror(errno));
		return (NULL);
	}
	if (!S_ISDIR(sb.st_mode)) {
		*error_r = ST_ERROR("store: mail_dir %s: not a directory",
		    mail_dir);
		return (NULL);
	}
	st = xcalloc(1, sizeof(*st));
	st->reg = reg;
	st->mail_dir = xstrdup(mail_dir);
	st->spool_dir = st_path(mail_dir, STORE_SPOOL);
	st->pid = getpid();
	st_hostname(st->host, sizeof(st->host));
	st->rec = sbuf_new(STORE_RECORD_MAX);
	if ((crash = getenv("STORE_TEST_CRASH_AT")) != NULL &&
	    strnum_u64(crash, 1, 100, &n) == 0)
		st->crash_at = (int)n;
	if ((st->mailboxes = registry_db_open(reg, REG_MAILBOXES_FILE,
	    error_r)) == NULL ||
	    (st->messages = registry_db_open(reg, REG_MESSAGES_FILE,
	    error_r)) == NULL ||
	    st_mkdir(st->spool_dir, &made, error_r) < 0 ||
	    (made && st_fsync_dir(st->mail_dir, error_r) < 0)) {
		store_close(&st);
		return (NULL);
	}
	st_spool_clean(st);
	return (st);
}

/* store_close - close the databases and free the store */
void
store_close(struct store **stp)
{
	struct store *st = *stp;

	if (st == NULL)
		return;
	*stp = NULL;
	/* handles inherited across fork belong to the parent */
	if (st->pid == getpid()) {
		registry_db_close(st->messages, REG_MESSAGES_FILE);
		registry_db_close(st->mailboxes, REG_MAILBOXES_FILE);
	}
	sbuf_free(&st->rec);
	free(st->spool_dir);
	free(st->mail_dir);
	free(st);
}

/* st_check_pid - a store handle must not be used across fork */
static void
st_check_pid(const struct store *st)
{
	if (st->pid != getpid())
		msg_panic("store: handle of process %ld used in process %ld",
		    (long)st->pid, (long)getpid());
}

/* st_unique - a new unique Maildir base name */
static char *
st_unique(struct store *st)
{
	struct timeval tv;
	char buf[128];

	(void)gettimeofday(&tv, NULL);
	st->seq++;
	(void)snprintf(buf, sizeof(buf), "%lld.M%06ldP%ldQ%u.%s",
	    (long long)tv.tv_sec, (long)tv.tv_usec, (long)st->pid, st->seq,
	    st->host);
	return (xstrdup(buf));
}

/*
 * st_vsize - the size of fd's contents with each bare LF counted as CR LF,
 * and the eol_pad of its end (store.h); 0, or -1 with *error_r.
 */
static int
st_vsize(int fd, const char *path, uint64_t *size_r, uint64_t *vsize_r,
    unsigned *eol_pad_r, const char **error_r)
{
	char buf[65536];
	uint64_t size = 0, lf = 0;
	off_t off = 0;
	ssize_t n, i;
	int prev_cr = 0, last = '\n';

	for (;;) {
		n = pread(fd, buf, sizeof(buf), off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*error_r = ST_ERROR("read %s: %s", path,
			    strerror(errno));
			return (-1);
		}
		if (n == 0)
			break;
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n' && !prev_cr)
				lf++;
			prev_cr = buf[i] == '\r';
		}
		last = (unsigned char)buf[n - 1];
		size += (uint64_t)n;
		off += n;
	}
	*size_r = size;
	*vsize_r = size + lf;
	*eol_pad_r = last == '\n' ? 0 : last == '\r' ? 1 : 2;
	return (0);
}

/* Delivery. */

/* st_delivery_new - the common part of both begin functions */
static struct store_delivery *
st_delivery_new(struct store *st)
{
	struct store_delivery *d = xcalloc(1, sizeof(*d));

	d->st = st;
	d->fd = -1;
	d->base = st_unique(st);
	return (d);
}

/* store_delivery_begin - create a spool file */
struct store_delivery *
store_delivery_begin(struct store *st, const char **error_r)
{
	struct store_delivery *d;

	st_check_pid(st);
	d = st_delivery_new(st);
	d->path = st_path(st->spool_dir, d->base);
	d->fd = open(d->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    STORE_FILE_MODE);
	if (d->fd < 0) {
		*error_r = ST_ERROR("store: create %s: %s", d->path,
		    strerror(errno));
		store_delivery_free(&d);
		return (NULL);
	}
	d->own_file = 1;
	return (d);
}

/* store_delivery_begin_file - a delivery of an existing file */
struct store_delivery *
store_delivery_begin_file(struct store *st, const char *path,
    const char **error_r)
{
	struct store_delivery *d;
	struct stat sb;

	st_check_pid(st);
	if (path == NULL || stat(path, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		*error_r = ST_ERROR("store: %s: not a readable file",
		    path != NULL ? path : "(null)");
		return (NULL);
	}
	d = st_delivery_new(st);
	d->path = xstrdup(path);
	return (d);
}

/* store_delivery_fd - where to write the message */
int
store_delivery_fd(const struct store_delivery *d)
{
	return (d->fd);
}

/* store_delivery_path - the spool file */
const char *
store_delivery_path(const struct store_delivery *d)
{
	return (d->path);
}

/* store_delivery_add - add a recipient mailbox */
int
store_delivery_add(struct store_delivery *d, const char *user,
    const char *folder, const char **error_r)
{
	struct st_box b;
	size_t i;

	if (d->committed) {
		*error_r = "store: delivery already committed";
		return (-1);
	}
	if (st_box_init(d->st, user, folder, &b, error_r) < 0)
		return (-1);
	for (i = 0; i < d->count; i++)
		if (d->rcpts[i].box.keylen == b.keylen &&
		    memcmp(d->rcpts[i].box.key, b.key, b.keylen) == 0) {
			st_box_free(&b);
			return (0);
		}
	if (d->count == d->alloc) {
		d->alloc = d->alloc ? d->alloc * 2 : 4;
		d->rcpts = xreallocarray(d->rcpts, d->alloc,
		    sizeof(*d->rcpts));
	}
	memset(&d->rcpts[d->count], 0, sizeof(d->rcpts[0]));
	d->rcpts[d->count++].box = b;
	return (0);
}

struct st_deliver_op {
	struct store_delivery *d;
	size_t *order;			/* recipients in key order */
	struct store_msg m;		/* the record, uid and modseq vary */
	uint32_t want_uid;
};

/* st_deliver_body - allocate a UID in every recipient's mailbox */
static int
st_deliver_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_deliver_op *o = ctx;
	struct store_delivery *d = o->d;
	struct store *st = d->st;
	struct store_rcpt *r;
	struct st_mbox mb;
	size_t i;
	int ret;

	(void)reg;
	for (i = 0; i < d->count; i++) {
		r = &d->rcpts[o->order[i]];
		if ((ret = st_mbox_read(st, txn, &r->box, DB_RMW, &mb,
		    error_r)) < 0)
			return (ret);
		if (ret == 0 && (ret = st_mbox_create(st, txn, &r->box, &mb,
		    error_r)) != 0)
			return (ret);
		if (o->want_uid != 0) {
			if (o->want_uid < mb.uidnext) {
				*error_r = ST_ERROR("store: %s: UID %u is "
				    "below UIDNEXT %u", r->box.folder,
				    o->want_uid, mb.uidnext);
				return (REG_FAIL);
			}
			mb.uidnext = o->want_uid;
		}
		if (mb.uidnext == UINT32_MAX) {
			*error_r = ST_ERROR("store: %s: out of UIDs",
			    r->box.folder);
			return (REG_FAIL);
		}
		r->uidvalidity = mb.uidvalidity;
		r->uid = mb.uidnext++;
		o->m.uid = r->uid;
		o->m.modseq = ++mb.modseq;
		mb.count++;
		mb.size += o->m.size;
		mb.vsize += o->m.vsize;
		if ((ret = st_msg_put(st, txn, &mb, &o->m, error_r)) != 0 ||
		    (ret = st_mbox_put(st, txn, &r->box, &mb, error_r)) != 0)
			return (ret);
	}
	return (0);
}

/* st_rcpt_cmp - order recipients by their mailbox key (lock order) */
static const struct store_delivery *st_sort_d;

static int
st_rcpt_cmp(const void *a, const void *b)
{
	const struct st_box *x = &st_sort_d->rcpts[*(const size_t *)a].box;
	const struct st_box *y = &st_sort_d->rcpts[*(const size_t *)b].box;
	size_t n = x->keylen < y->keylen ? x->keylen : y->keylen;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return (c);
	return (x->keylen < y->keylen ? -1 : x->keylen > y->keylen);
}

/* st_trunc - s cut to max bytes, allocated; NULL stays "" */
static char *
st_trunc(const char *s, size_t max)
{
	if (s == NULL)
		return (xstrdup(""));
	return (xstrndup(s, max));
}

/* st_unlink_links - undo the tmp/ links of a delivery that failed */
static void
st_unlink_links(struct store_delivery *d)
{
	size_t i;
	char *p;

	for (i = 0; i < d->count; i++) {
		if (!d->rcpts[i].linked)
			continue;
		p = st_path3(d->rcpts[i].box.dir, "tmp", d->name);
		if (unlink(p) < 0 && errno != ENOENT)
			msg_warn("store: unlink %s: %s", p, strerror(errno));
		free(p);
		d->rcpts[i].linked = 0;
	}
}

/*
 * st_link - hard-link src to dst; across file systems (begin_file from
 * elsewhere) copy instead, fsynced. 0, or -1 with *error_r.
 */
static int
st_link(const char *src, const char *dst, const char **error_r)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	if (link(src, dst) == 0)
		return (0);
	if (errno != EXDEV) {
		*error_r = ST_ERROR("link %s to %s: %s", src, dst,
		    strerror(errno));
		return (-1);
	}
	if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		*error_r = ST_ERROR("open %s: %s", src, strerror(errno));
		return (-1);
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    STORE_FILE_MODE)) < 0) {
		*error_r = ST_ERROR("create %s: %s", dst, strerror(errno));
		(void)close(in);
		return (-1);
	}
	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*error_r = ST_ERROR("read %s: %s", src,
			    strerror(errno));
			goto fail;
		}
		if (fdio_write_all(out, buf, (size_t)n) < 0) {
			*error_r = ST_ERROR("write %s: %s", dst,
			    strerror(errno));
			goto fail;
		}
	}
	if (fsync(out) < 0) {
		*error_r = ST_ERROR("fsync %s: %s", dst, strerror(errno));
		goto fail;
	}
	(void)close(in);
	if (close(out) < 0) {
		*error_r = ST_ERROR("close %s: %s", dst, strerror(errno));
		(void)unlink(dst);
		return (-1);
	}
	return (0);

fail:
	(void)close(in);
	(void)close(out);
	(void)unlink(dst);
	return (-1);
}

/*
 * st_roll_forward - move an indexed message from tmp/NAME to its place
 * (new/NAME); someone else doing it at the same time is fine. 0 if the
 * file is now there, -1 with *error_r.
 */
static int
st_roll_forward(const char *dir, const char *name, const char **error_r)
{
	char *from = st_path3(dir, "tmp", name), *to = st_path3(dir, "new",
	    name);
	struct stat sb;
	int ret = 0;

	if (rename(from, to) < 0 && (errno != ENOENT ||
	    stat(to, &sb) < 0)) {
		*error_r = ST_ERROR("rename %s to %s: %s", from, to,
		    strerror(errno));
		ret = -1;
	}
	free(from);
	free(to);
	return (ret);
}

/* store_delivery_commit - make the message durable in every mailbox */
int
store_delivery_commit(struct store_delivery *d,
    const struct store_meta *meta, const char **error_r)
{
	static const struct store_meta no_meta;
	struct store *st = d->st;
	struct st_deliver_op o;
	struct store_rcpt *r;
	const char *why;
	char *p, *name;
	size_t i, n;
	int fd, ret = -1;

	st_check_pid(st);
	if (meta == NULL)
		meta = &no_meta;
	if (d->committed) {
		*error_r = "store: delivery already committed";
		return (-1);
	}
	if (d->count == 0) {
		*error_r = "store: delivery has no recipients";
		return (-1);
	}
	if (meta->uid != 0 && d->count != 1) {
		*error_r = "store: a given UID needs a single recipient";
		return (-1);
	}
	if (meta->keywords != NULL &&
	    strlen(meta->keywords) > STORE_KEYWORDS_MAX) {
		*error_r = "store: too many keywords";
		return (-1);
	}
	if (meta->uidl != NULL && (strlen(meta->uidl) > STORE_UIDL_MAX ||
	    strchr(meta->uidl, ' ') != NULL)) {
		*error_r = "store: bad UIDL";
		return (-1);
	}
	if (d->name != NULL)	/* a failed commit left tmp/ links */
		st_unlink_links(d);
	memset(&o, 0, sizeof(o));
	o.d = d;
	o.want_uid = meta->uid;

	/* 1. the file, on disk */
	fd = d->fd;
	if (fd < 0 && (fd = open(d->path, O_RDONLY | O_CLOEXEC)) < 0) {
		*error_r = ST_ERROR("store: open %s: %s", d->path,
		    strerror(errno));
		return (-1);
	}
	if (d->own_file && fsync(fd) < 0) {
		*error_r = ST_ERROR("store: fsync %s: %s", d->path,
		    strerror(errno));
		goto out_fd;
	}
	/*
	 * The spool directory is not fsynced: the message's durable names
	 * are the links in tmp/ (fsynced below); the spool name is scratch.
	 */
	if (st_vsize(fd, d->path, &o.m.size, &o.m.vsize, &o.m.eol_pad,
	    error_r) < 0)
		goto out_fd;
	st_crash(st, 1);

	/* 2. a link in every recipient's tmp/, directories fsynced */
	n = strlen(d->base) + 64;
	name = xmalloc(n);
	(void)snprintf(name, n, "%s,S=%llu,W=%llu", d->base,
	    (unsigned long long)o.m.size, (unsigned long long)o.m.vsize);
	free(d->name);
	d->name = name;
	for (i = 0; i < d->count; i++) {
		r = &d->rcpts[i];
		if (st_maildir_make(st, &r->box, error_r) < 0)
			goto out_links;
		p = st_path3(r->box.dir, "tmp", d->name);
		if (st_link(d->path, p, &why) < 0) {
			*error_r = ST_ERROR("store: %s", why);
			free(p);
			goto out_links;
		}
		free(p);
		r->linked = 1;
		st_crash(st, 2);
	}
	for (i = 0; i < d->count; i++) {
		p = st_path(d->rcpts[i].box.dir, "tmp");
		ret = st_fsync_dir(p, error_r);
		free(p);
		if (ret < 0)
			goto out_links;
	}
	st_crash(st, 3);

	/* 3. one synchronous transaction for every copy */
	n = strlen(d->name) + 5;
	o.m.file = xmalloc(n);
	(void)snprintf(o.m.file, n, "new/%s", d->name);
	o.m.internal_date = meta->internal_date != 0 ? meta->internal_date :
	    time(NULL);
	o.m.flags = meta->flags & STORE_FLAG_ALL;
	o.m.keywords = st_trunc(meta->keywords, STORE_KEYWORDS_MAX);
	o.m.message_id = st_trunc(meta->message_id, STORE_STR_MAX);
	o.m.origin = st_trunc(meta->origin != NULL ? meta->origin : "local",
	    STORE_STR_MAX);
	o.m.remote_id = st_trunc(meta->remote_id, STORE_STR_MAX);
	o.m.uidl = st_trunc(meta->uidl, STORE_UIDL_MAX);
	o.order = xcalloc(d->count, sizeof(*o.order));
	for (i = 0; i < d->count; i++)
		o.order[i] = i;
	st_sort_d = d;
	qsort(o.order, d->count, sizeof(*o.order), st_rcpt_cmp);
	st_sort_d = NULL;
	ret = reg_run(st->reg, "delivery", 0, st_deliver_body, &o, error_r);
	free(o.order);
	o.m.uid = 0;
	free(o.m.uidl);
	o.m.uidl = NULL;
	store_msg_clear(&o.m);
	if (ret < 0)
		goto out_links;
	d->committed = 1;
	st_crash(st, 4);

	/*
	 * 4. into new/. The message is indexed and durable in tmp/ already:
	 * a failure here is logged and left to the next open to finish.
	 */
	for (i = 0; i < d->count; i++) {
		r = &d->rcpts[i];
		if (st_roll_forward(r->box.dir, d->name, &why) < 0) {
			msg_warn("store: %s (the next open finishes it)", why);
			continue;
		}
		r->linked = 0;
		st_crash(st, 5);
	}
	for (i = 0; i < d->count; i++) {
		p = st_path(d->rcpts[i].box.dir, "new");
		if (st_fsync_dir(p, &why) < 0)
			msg_warn("store: %s", why);
		free(p);
	}
	st_crash(st, 6);
	ret = 0;
	goto out_fd;

out_links:
	st_unlink_links(d);
	ret = -1;
out_fd:
	if (fd != d->fd)
		(void)close(fd);
	return (ret);
}

/* store_delivery_uid - what the i-th recipient got */
int
store_delivery_uid(const struct store_delivery *d, int i,
    uint32_t *uidvalidity_r, uint32_t *uid_r)
{
	if (!d->committed || i < 0 || (size_t)i >= d->count)
		return (-1);
	if (uidvalidity_r != NULL)
		*uidvalidity_r = d->rcpts[i].uidvalidity;
	if (uid_r != NULL)
		*uid_r = d->rcpts[i].uid;
	return (0);
}

/* store_delivery_free - unlink the spool file, free the delivery */
void
store_delivery_free(struct store_delivery **dp)
{
	struct store_delivery *d = *dp;
	size_t i;

	if (d == NULL)
		return;
	*dp = NULL;
	if (!d->committed && d->name != NULL)
		st_unlink_links(d);
	if (d->fd >= 0)
		(void)close(d->fd);
	if (d->own_file && d->path != NULL && unlink(d->path) < 0 &&
	    errno != ENOENT)
		msg_warn("store: unlink %s: %s", d->path, strerror(errno));
	for (i = 0; i < d->count; i++)
		st_box_free(&d->rcpts[i].box);
	free(d->rcpts);
	free(d->path);
	free(d->base);
	free(d->name);
	free(d);
}

/* store_append - deliver a buffer to one mailbox */
int
store_append(struct store *st, const char *user, const char *folder,
    const void *data, size_t n, const struct store_meta *meta,
    uint32_t *uidvalidity_r, uint32_t *uid_r, const char **error_r)
{
	struct store_delivery *d;
	int ret = -1;

	if ((d = store_delivery_begin(st, error_r)) == NULL)
		return (-1);
	if (store_delivery_add(d, user, folder, error_r) < 0)
		goto out;
	if (fdio_write_all(d->fd, data, n) < 0) {
		*error_r = ST_ERROR("store: write %s: %s", d->path,
		    strerror(errno));
		goto out;
	}
	if (store_delivery_commit(d, meta, error_r) < 0)
		goto out;
	(void)store_delivery_uid(d, 0, uidvalidity_r, uid_r);
	ret = 0;
out:
	store_delivery_free(&d);
	return (ret);
}

/* Usage and quota. */

struct st_usage_op {
	char	prefix[NAME_ADDRESS_MAX + 1];
	size_t	plen;			/* with the NUL */
	uint64_t messages;
	uint64_t bytes;
	struct store *st;
};

/* st_usage_body - sum the mailbox records of one user */
static int
st_usage_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_usage_op *o = ctx;
	struct store *st = o->st;
	struct st_mbox m;
	DBC *c;
	DBT k, d;
	int ret;

	(void)reg;
	o->messages = o->bytes = 0;
	if ((ret = st->mailboxes->cursor(st->mailboxes, txn, &c, 0)) != 0)
		return (ret);
	st_dbt(&k, o->prefix, o->plen);
	memset(&d, 0, sizeof(d));
	ret = c->get(c, &k, &d, DB_SET_RANGE);
	while (ret == 0 && k.size >= o->plen &&
	    memcmp(k.data, o->prefix, o->plen) == 0) {
		if (st_mbox_decode(&d, &m, error_r) < 0) {
			ret = REG_FAIL;
			break;
		}
		o->messages += m.count;
		o->bytes += m.size;
		ret = c->get(c, &k, &d, DB_NEXT);
	}
	(void)c->close(c);
	return (ret == DB_NOTFOUND ? 0 : ret);
}

/* store_usage - messages and bytes over all of a user's folders */
int
store_usage(struct store *st, const char *user, uint64_t *messages_r,
    uint64_t *bytes_r, const char **error_r)
{
	struct st_usage_op o;
	struct st_box b;

	st_check_pid(st);
	if (st_box_init(st, user, NULL, &b, error_r) < 0)
		return (-1);
	memset(&o, 0, sizeof(o));
	o.st = st;
	o.plen = strlen(b.user) + 1;
	memcpy(o.prefix, b.user, o.plen);
	st_box_free(&b);
	if (reg_run(st->reg, "usage", DB_READ_COMMITTED, st_usage_body, &o,
	    error_r) < 0)
		return (-1);
	if (messages_r != NULL)
		*messages_r = o.messages;
	if (bytes_r != NULL)
		*bytes_r = o.bytes;
	return (0);
}

/* store_quota_check - does a message of size bytes fit? 1, 0 or -1 */
int
store_quota_check(struct store *st, const char *user, uint64_t size,
    const char **error_r)
{
	struct reg_user u;
	struct reg_domain dom;
	const char *at;
	uint64_t max_bytes, max_msgs, msgs, bytes;
	int ret;

	st_check_pid(st);
	if ((ret = registry_user_get(st->reg, user, &u, error_r)) < 0)
		return (-1);
	if (ret == 0) {
		*error_r = ST_ERROR("store: quota: no such user: %s",
		    log_safe(user));
		return (-1);
	}
	max_bytes = u.quota_bytes;
	max_msgs = u.quota_messages;
	if ((max_bytes == 0 || max_msgs == 0) &&
	    (at = strrchr(u.address, '@')) != NULL) {
		if ((ret = registry_domain_get(st->reg, at + 1, &dom,
		    error_r)) < 0)
			return (-1);
		if (ret == 1) {
			if (max_bytes == 0)
				max_bytes = dom.quota_bytes;
			if (max_msgs == 0)
				max_msgs = dom.quota_messages;
		}
	}
	if (max_bytes == 0 && max_msgs == 0)
		return (1);
	if (store_usage(st, user, &msgs, &bytes, error_r) < 0)
		return (-1);
	if (max_msgs != 0 && msgs + 1 > max_msgs)
		return (0);
	if (max_bytes != 0 && (size > max_bytes || bytes > max_bytes - size))
		return (0);
	return (1);
}

/* store_flags_letters - flags as Maildir info letters */
void
store_flags_letters(unsigned flags, char *buf)
{
	size_t i, n = 0;

	for (i = 0; i < sizeof(store_letters) / sizeof(store_letters[0]); i++)
		if (flags & store_letters[i].flag)
			buf[n++] = store_letters[i].letter;
	buf[n] = '\0';
}

/* Reading the index. */

struct st_get_op {
	struct store *st;
	const struct st_box *box;
	struct st_mbox rec;
	int	found;
	int	create;			/* make the record if missing */
	int	fresh;			/* replace it in any case */
	uint64_t old_id;		/* fresh: the id it replaced (0 none) */
};

/* st_get_body - read (and maybe create) a mailbox record */
static int
st_get_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_get_op *o = ctx;
	int ret;

	(void)reg;
	o->old_id = 0;
	if ((ret = st_mbox_read(o->st, txn, o->box, o->create ? DB_RMW : 0,
	    &o->rec, error_r)) < 0)
		return (ret);
	o->found = ret;
	if (o->fresh && ret == 1)
		o->old_id = o->rec.id;
	if (o->create && (ret == 0 || o->fresh)) {
		if ((ret = st_mbox_create(o->st, txn, o->box, &o->rec,
		    error_r)) != 0)
			return (ret);
		o->found = 1;
	}
	return (0);
}

/*
 * st_mbox_get - the mailbox record of b: 1 found, 0 not, -1 error; with
 * create, a missing record is made (a new UIDVALIDITY), so never 0.
 */
static int
st_mbox_get(struct store *st, const struct st_box *b, int create,
    struct st_mbox *rec_r, const char **error_r)
{
	struct st_get_op o;

	/* a plain read first: most opens find the record */
	memset(&o, 0, sizeof(o));
	o.st = st;
	o.box = b;
	if (reg_run(st->reg, "mailbox get", 0, st_get_body, &o,
	    error_r) < 0)
		return (-1);
	if (!o.found && create) {
		o.create = 1;
		if (reg_run(st->reg, "mailbox create", 0, st_get_body, &o,
		    error_r) < 0)
			return (-1);
	}
	if (o.found)
		*rec_r = o.rec;
	return (o.found);
}

struct st_purge_op {
	struct store *st;
	uint64_t id;
	int	n;
};

/* st_purge_body - delete a batch of a dropped mailbox's messages */
static int
st_purge_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_purge_op *o = ctx;
	int ret;

	(void)reg;
	(void)error_r;
	if ((ret = st_msgs_purge(o->st, txn, o->id, STORE_BATCH)) < 0)
		return (ret);
	o->n = ret;
	return (0);
}

/*
 * st_purge_id - delete every message record of a mailbox id nobody uses
 * any more, a batch per transaction. Leftovers after a failure are
 * harmless garbage (ids are never handed out twice while the counter is
 * there, and a reused id is purged at creation).
 */
static void
st_purge_id(struct store *st, uint64_t id)
{
	struct st_purge_op o;
	const char *why;

	memset(&o, 0, sizeof(o));
	o.st = st;
	o.id = id;
	do {
		if (reg_run(st->reg, "purge", 0, st_purge_body, &o,
		    &why) < 0) {
			msg_warn("store: %s", why);
			return;
		}
	} while (o.n == STORE_BATCH);
}

/*
 * Listing. One walk serves the full listing (struct store_msg) and the
 * light one (struct store_msg_light): a cursor reads the records in bulk
 * (DB_MULTIPLE_KEY), at most STORE_LIST_BATCH per transaction, and hands
 * each to the kind's decoder.
 */
#define ST_BULK_SIZE	(256 * 1024)	/* bulk buffer, a multiple of 1024 */

struct st_list_op {
	struct store *st;
	struct st_mbox rec;		/* id and uidvalidity */
	uint32_t from;			/* next UID to read */
	uint32_t last;			/* 0 = no limit */
	int	light;			/* lmsgs, else msgs */
	struct store_msg *msgs;
	struct store_msg_light *lmsgs;
	size_t	count;
	size_t	alloc;
	size_t	batch_start;
	uint32_t last_uid;		/* of the last entry listed */
	void   *bulk;			/* bulk_size bytes */
	size_t	bulk_size;
	int	done;
};

/*
 * st_u64 - strnum_u64_n(s, n, 0, max, val_r), quicker for the short
 * numbers of a record (19 digits cannot overflow)
 */
static int
st_u64(const char *s, size_t n, uint64_t max, uint64_t *val_r)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return (strnum_u64_n(s, n, 0, max, val_r));
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return (-1);
	*val_r = v;
	return (0);
}

/*
 * st_light_fast - the light fields of a message record read in place: 1,
 * or 0 when the record is not of the plain shape this reader accepts
 * (then st_msg_decode gives the verdict). Accepts only what st_msg_decode
 * accepts, with the same values: known attribute names, each at most
 * once, values within the limits, the end marker at the record's end.
 */
static int
st_light_fast(const DBT *data, uint32_t uid, struct store_msg_light *m)
{
	static const char *const names[] = { "v", "file", "size", "vsize",
	    "date", "flags", "modseq", "eolpad", "kw", "msgid", "origin",
	    "rid", "uidl" };
	static const unsigned char lens[] = { 1, 4, 4, 5, 4, 5, 6, 6, 2, 5,
	    6, 3, 4 };
	enum { A_V, A_FILE, A_SIZE, A_VSIZE, A_DATE, A_FLAGS, A_MODSEQ,
	    A_EOLPAD, A_KW, A_N = 13 };
	const char *p = data->data, *end = p + data->size, *nul, *dot;
	const char *val[A_N];
	size_t vlen[A_N], nlen, attrs = 0, i;
	uint64_t major, date, flags, eol_pad;

	memset(val, 0, sizeof(val));
	for (;;) {
		if (p >= end || (nul = memchr(p, '\0', (size_t)(end - p))) ==
		    NULL)
			return (0);
		if ((nlen = (size_t)(nul - p)) == 0)
			break;
		for (i = 0; i < A_N; i++)
			if (lens[i] == nlen && names[i][0] == *p &&
			    memcmp(names[i], p, nlen) == 0)
				break;
		if (i == A_N || val[i] != NULL || ++attrs > IPC_ATTR_MAX)
			return (0);
		p = nul + 1;
		if (p >= end || (nul = memchr(p, '\0', (size_t)(end - p))) ==
		    NULL || (size_t)(nul - p) > IPC_VALUE_MAX)
			return (0);
		val[i] = p;
		vlen[i] = (size_t)(nul - p);
		p = nul + 1;
	}
	if (nul + 1 != end || val[A_V] == NULL || val[A_FILE] == NULL)
		return (0);
	dot = memchr(val[A_V], '.', vlen[A_V]);
	if (strnum_u64_n(val[A_V], dot != NULL ? (size_t)(dot - val[A_V]) :
	    vlen[A_V], 1, UINT32_MAX, &major) < 0 ||
	    major > STORE_FORMAT_VERSION)
		return (0);
#define ST_NUM(a, max, v) (*(v) = 0, val[a] != NULL && \
	    st_u64(val[a], vlen[a], (max), (v)) < 0)
	memset(m, 0, sizeof(*m));
	if (ST_NUM(A_SIZE, UINT64_MAX, &m->size) ||
	    ST_NUM(A_VSIZE, UINT64_MAX, &m->vsize) ||
	    ST_NUM(A_DATE, INT32_MAX, &date) ||
	    ST_NUM(A_FLAGS, STORE_FLAG_ALL, &flags) ||
	    ST_NUM(A_MODSEQ, UINT64_MAX, &m->modseq) ||
	    ST_NUM(A_EOLPAD, 2, &eol_pad))
		return (0);
#undef ST_NUM
	m->uid = uid;
	m->internal_date = (time_t)date;
	m->flags = (unsigned)flags;
	m->eol_pad = (unsigned)eol_pad;
	if (val[A_KW] != NULL && vlen[A_KW] > 0)
		m->keywords = xstrndup(val[A_KW], vlen[A_KW]);
	return (1);
}

/* st_light_decode - the light fields of a message record; -1 */
static int
st_light_decode(const DBT *data, uint32_t uid, uint32_t uidvalidity,
    struct store_msg_light *m, const char **error_r)
{
	struct store_msg full;

	if (st_light_fast(data, uid, m))
		return (0);
	if (st_msg_decode(data, uid, uidvalidity, &full, error_r) < 0)
		return (-1);
	memset(m, 0, sizeof(*m));
	m->uid = uid;
	m->size = full.size;
	m->vsize = full.vsize;
	m->eol_pad = full.eol_pad;
	m->internal_date = full.internal_date;
	m->flags = full.flags;
	m->modseq = full.modseq;
	if (*full.keywords != '\0')
		m->keywords = xstrdup(full.keywords);
	store_msg_clear(&full);
	return (0);
}

/* st_list_drop - drop the entries of the batch being read */
static void
st_list_drop(struct st_list_op *o)
{
	while (o->count > o->batch_start) {
		o->count--;
		if (o->light)
			free(o->lmsgs[o->count].keywords);
		else
			store_msg_clear(&o->msgs[o->count]);
	}
}

/* st_list_add - decode one record onto the listing; -1 */
static int
st_list_add(struct st_list_op *o, uint32_t uid, const DBT *d,
    const char **error_r)
{
	int r;

	if (o->count == o->alloc) {
		o->alloc = o->alloc ? o->alloc * 2 : 64;
		if (o->light)
			o->lmsgs = xreallocarray(o->lmsgs, o->alloc,
			    sizeof(*o->lmsgs));
		else
			o->msgs = xreallocarray(o->msgs, o->alloc,
			    sizeof(*o->msgs));
	}
	if (o->light)
		r = st_light_decode(d, uid, o->rec.uidvalidity,
		    &o->lmsgs[o->count], error_r);
	else
		r = st_msg_decode(d, uid, o->rec.uidvalidity,
		    &o->msgs[o->count], error_r);
	if (r < 0)
		return (-1);
	o->count++;
	o->last_uid = uid;
	return (0);
}

/* st_list_body - read the next batch of message records */
static int
st_list_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_list_op *o = ctx;
	struct store *st = o->st;
	unsigned char key[STORE_MSGKEY_LEN];
	DBC *c;
	DBT k, d, rk, rd;
	void *pos;
	u_int32_t op = DB_SET_RANGE;
	uint32_t uid;
	int ret, n = 0;

	(void)reg;
	/* a retried batch starts over */
	st_list_drop(o);
	o->done = 0;
	if ((ret = st->messages->cursor(st->messages, txn, &c, 0)) != 0)
		return (ret);
	st_msgkey(o->rec.id, o->from, key);
	st_dbt(&k, key, sizeof(key));
	memset(&d, 0, sizeof(d));
	d.data = o->bulk;
	d.ulen = (u_int32_t)o->bulk_size;
	d.flags = DB_DBT_USERMEM;
	for (;;) {
		ret = c->get(c, &k, &d, op | DB_MULTIPLE_KEY);
		if (ret == DB_BUFFER_SMALL && d.size > o->bulk_size &&
		    d.size < UINT32_MAX / 2) {
			/* one record larger than the buffer: grow it */
			o->bulk_size = ((size_t)d.size + 1023) / 1024 * 1024;
			o->bulk = xrealloc(o->bulk, o->bulk_size);
			d.data = o->bulk;
			d.ulen = (u_int32_t)o->bulk_size;
			continue;
		}
		if (ret != 0)
			break;
		op = DB_NEXT;
		DB_MULTIPLE_INIT(pos, &d);
		for (;;) {
			memset(&rk, 0, sizeof(rk));
			memset(&rd, 0, sizeof(rd));
			DB_MULTIPLE_KEY_NEXT(pos, &d, rk.data, rk.size,
			    rd.data, rd.size);
			if (pos == NULL)
				break;
			uid = st_msgkey_uid(&rk, o->rec.id);
			if (uid == 0 || (o->last != 0 && uid > o->last)) {
				ret = DB_NOTFOUND;
				goto out;
			}
			if (n == STORE_LIST_BATCH)
				goto out;
			if (st_list_add(o, uid, &rd, error_r) < 0) {
				ret = REG_FAIL;
				goto out;
			}
			n++;
		}
	}
out:
	(void)c->close(c);
	if (ret == DB_NOTFOUND) {
		o->done = 1;
		return (0);
	}
	return (ret);
}

/*
 * st_list_run - the message records of mailbox rec with from <= uid <=
 * last (0 = no limit), a batch per transaction, into o (light or full,
 * set by the caller); on -1 the entries are freed.
 */
static int
st_list_run(struct store *st, const struct st_mbox *rec, uint32_t from,
    uint32_t last, struct st_list_op *o, const char **error_r)
{
	int r = 0;

	o->st = st;
	o->rec = *rec;
	o->from = from;
	o->last = last;
	o->bulk_size = ST_BULK_SIZE;
	o->bulk = xmalloc(o->bulk_size);
	for (;;) {
		o->batch_start = o->count;
		if (reg_run(st->reg, "list", DB_READ_COMMITTED, st_list_body,
		    o, error_r) < 0) {
			o->batch_start = 0;
			st_list_drop(o);
			r = -1;
			break;
		}
		if (o->done || o->count == o->batch_start ||
		    o->last_uid == UINT32_MAX)
			break;
		o->from = o->last_uid + 1;
	}
	free(o->bulk);
	o->bulk = NULL;
	if (r < 0) {
		free(o->msgs);
		free(o->lmsgs);
		o->msgs = NULL;
		o->lmsgs = NULL;
	}
	return (r);
}

/* st_list - the full records (see st_list_run), appended to *msgs_r */
static int
st_list(struct store *st, const struct st_mbox *rec, uint32_t from,
    uint32_t last, struct store_msg **msgs_r, size_t *count_r,
    const char **error_r)
{
	struct st_list_op o;

	memset(&o, 0, sizeof(o));
	if (st_list_run(st, rec, from, last, &o, error_r) < 0)
		return (-1);
	*msgs_r = o.msgs;
	*count_r = o.count;
	return (0);
}

/* Synchronising index and directory. */

/* a file found in new/ or cur/ ("new/NAME"), or an index entry */
struct st_name {
	const char *name;		/* "new/NAME", "cur/NAME:2,FS" */
	const char *base;		/* NAME without the ":" suffix */
	size_t	blen;
	struct store_msg *e;		/* index entry (entries only) */
	int	used;			/* file: matched; entry: seen */
	int	taken;			/* file: indexed by somebody else */
	struct st_name *moved;		/* entry: its file under a new name */
	/* pickups */
	uint64_t size;
	uint64_t vsize;
	unsigned eol_pad;
	time_t	mtime;
	unsigned flags;
};

enum st_op_type {
	ST_OP_PICKUP,
	ST_OP_MOVE,
	ST_OP_EXPUNGE,
};

struct st_op {
	enum st_op_type type;
	struct st_name *n;		/* the file or the entry */
};

/* st_name_set - fill name and base of an st_name over name */
static void
st_name_set(struct st_name *n, const char *name)
{
	const char *colon;

	n->name = name;
	n->base = strlen(name) > 4 ? name + 4 : name;
	colon = strchr(n->base, ':');
	n->blen = colon != NULL ? (size_t)(colon - n->base) :
	    strlen(n->base);
}

/* st_name_cmp - order st_names by base */
static int
st_name_cmp(const void *a, const void *b)
{
	const struct st_name *x = a, *y = b;
	size_t n = x->blen < y->blen ? x->blen : y->blen;
	int c = memcmp(x->base, y->base, n);

	if (c != 0)
		return (c);
	return (x->blen < y->blen ? -1 : x->blen > y->blen);
}

/* st_name_find - the st_name with base (blen bytes) in a sorted array */
static struct st_name *
st_name_find(struct st_name *arr, size_t n, const char *base, size_t blen)
{
	struct st_name key;

	memset(&key, 0, sizeof(key));
	key.base = base;
	key.blen = blen;
	if (n == 0)
		return (NULL);
	return (bsearch(&key, arr, n, sizeof(*arr), st_name_cmp));
}

/* st_pickup_cmp - pickups in arrival order: mtime, then name */
static int
st_pickup_cmp(const void *a, const void *b)
{
	const struct st_name *x = ((const struct st_op *)a)->n;
	const struct st_name *y = ((const struct st_op *)b)->n;

	if (x->mtime != y->mtime)
		return (x->mtime < y->mtime ? -1 : 1);
	return (strcmp(x->name, y->name));
}

/*
 * st_readdir - the names in dir/sub not starting with '.', as "sub/NAME",
 * appended to *names (count *n, allocated *alloc). ENOENT gives none.
 */
static int
st_readdir(const char *dir, const char *sub, char ***names, size_t *n,
    size_t *alloc, const char **error_r)
{
	char *p = st_path(dir, sub);
	DIR *d;
	struct dirent *e;
	size_t sl = strlen(sub), nl;
	char *s;

	if ((d = opendir(p)) == NULL) {
		if (errno == ENOENT) {
			free(p);
			return (0);
		}
		*error_r = ST_ERROR("store: opendir %s: %s", p,
		    strerror(errno));
		free(p);
		return (-1);
	}
	free(p);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (*n == *alloc) {
			*alloc = *alloc ? *alloc * 2 : 64;
			*names = xreallocarray(*names, *alloc,
			    sizeof(**names));
		}
		nl = strlen(e->d_name);
		s = xmalloc(sl + 1 + nl + 1);
		memcpy(s, sub, sl);
		s[sl] = '/';
		memcpy(s + sl + 1, e->d_name, nl + 1);
		(*names)[(*n)++] = s;
	}
	(void)closedir(d);
	return (0);
}

/* st_free_names - free a st_readdir result */
static void
st_free_names(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* st_mtime_ns - the mtime of dir/sub in ns; 0 if it cannot be read */
static uint64_t
st_mtime_ns(const char *dir, const char *sub, time_t *sec_r)
{
	char *p = st_path(dir, sub);
	struct stat sb;

	*sec_r = 0;
	if (stat(p, &sb) < 0) {
		free(p);
		return (0);
	}
	free(p);
	*sec_r = sb.st_mtim.tv_sec;
	return ((uint64_t)sb.st_mtim.tv_sec * 1000000000u +
	    (uint64_t)sb.st_mtim.tv_nsec);
}

/* st_exists - does dir/name exist? */
static int
st_exists(const char *dir, const char *name)
{
	char *p = st_path(dir, name);
	struct stat sb;
	int ret = lstat(p, &sb) == 0;

	free(p);
	return (ret);
}

/* st_info_flags - flags from a Maildir name's ":2," suffix */
static unsigned
st_info_flags(const char *name)
{
	const char *info = strstr(name, ":2,");
	unsigned flags = 0;
	size_t i;

	if (info == NULL)
		return (0);
	for (info += 3; *info != '\0'; info++)
		for (i = 0; i < sizeof(store_letters) /
		    sizeof(store_letters[0]); i++)
			if (*info == store_letters[i].letter)
				flags |= store_letters[i].flag;
	return (flags);
}

struct st_apply_op {
	struct store_mailbox *mb;
	uint64_t id;
	uint32_t check_from;		/* entries from here: somebody's new */
	struct st_name *files;		/* sorted by base */
	size_t	nfiles;
	struct st_op *ops;
	size_t	from, to;
	int	last;
	uint64_t stamp_new, stamp_cur;
	struct st_mbox out;
	int	gone;			/* the record was dropped meanwhile */
};

/*
 * st_taken - mark files that entries at or above check_from (indexed by
 * somebody else since our index snapshot) already stand for
 */
static int
st_taken(struct st_apply_op *o, DB_TXN *txn, uint32_t uidnext)
{
	struct store *st = o->mb->st;
	unsigned char key[STORE_MSGKEY_LEN];
	struct store_msg m;
	struct st_name n, *f;
	const char *why;
	DBC *c;
	DBT k, d;
	uint32_t uid;
	int ret;

	if (o->check_from >= uidnext)
		return (0);
	if ((ret = st->messages->cursor(st->messages, txn, &c, 0)) != 0)
		return (ret);
	st_msgkey(o->id, o->check_from, key);
	st_dbt(&k, key, sizeof(key));
	memset(&d, 0, sizeof(d));
	ret = c->get(c, &k, &d, DB_SET_RANGE);
	while (ret == 0 && (uid = st_msgkey_uid(&k, o->id)) != 0) {
		if (st_msg_decode(&d, uid, 1, &m, &why) == 0) {
			memset(&n, 0, sizeof(n));
			st_name_set(&n, m.file);
			if ((f = st_name_find(o->files, o->nfiles, n.base,
			    n.blen)) != NULL)
				f->taken = 1;
			store_msg_clear(&m);
		}
		ret = c->get(c, &k, &d, DB_NEXT);
	}
	(void)c->close(c);
	return (ret == DB_NOTFOUND ? 0 : ret);
}

/* st_apply_body - apply one batch of a scan's findings */
static int
st_apply_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_apply_op *o = ctx;
	struct store_mailbox *mb = o->mb;
	struct store *st = mb->st;
	struct st_mbox rec;
	struct store_msg m;
	struct st_name *n;
	struct stat sb;
	char *p, *tmpname;
	size_t i;
	int ret, changed = 0;

	(void)reg;
	o->gone = 0;
	if ((ret = st_mbox_read(st, txn, &mb->box, DB_RMW, &rec,
	    error_r)) < 0)
		return (ret);
	if (ret == 0 || rec.id != o->id) {
		o->gone = 1;
		*error_r = "store: mailbox was dropped during a scan";
		return (REG_FAIL);
	}
	if ((ret = st_taken(o, txn, rec.uidnext)) != 0)
		return (ret);
	for (i = o->from; i < o->to; i++) {
		n = o->ops[i].n;
		switch (o->ops[i].type) {
		case ST_OP_PICKUP:
			if (n->taken)
				continue;
			/* expunge unlinks before it drops the entry */
			p = st_path(mb->box.dir, n->name);
			ret = lstat(p, &sb);
			free(p);
			if (ret < 0 || !S_ISREG(sb.st_mode))
				continue;
			if (rec.uidnext == UINT32_MAX) {
				*error_r = "store: mailbox out of UIDs";
				return (REG_FAIL);
			}
			memset(&m, 0, sizeof(m));
			m.uid = rec.uidnext++;
			m.file = (char *)n->name;
			m.size = n->size;
			m.vsize = n->vsize;
			m.eol_pad = n->eol_pad;
			m.internal_date = n->mtime;
			m.flags = n->flags;
			m.modseq = ++rec.modseq;
			m.origin = (char *)"maildir";
			if ((ret = st_msg_put(st, txn, &rec, &m,
			    error_r)) != 0)
				return (ret);
			rec.count++;
			rec.size += m.size;
			rec.vsize += m.vsize;
			changed = 1;
			break;
		case ST_OP_MOVE:
			if ((ret = st_msg_same(st, txn, &rec, n->e, &m,
			    error_r)) <= 0) {
				if (ret < 0)
					return (ret);
				continue;
			}
			free(m.file);
			m.file = xstrdup(n->moved->name);
			ret = st_msg_put(st, txn, &rec, &m, error_r);
			store_msg_clear(&m);
			if (ret != 0)
				return (ret);
			break;
		case ST_OP_EXPUNGE:
			tmpname = xstrndup(n->base, n->blen);
			p = st_path(mb->box.dir, "tmp");
			ret = st_exists(mb->box.dir, n->e->file) ||
			    st_exists(p, tmpname);
			free(p);
			free(tmpname);
			if (ret)
				continue;
			if ((ret = st_msg_same(st, txn, &rec, n->e, &m,
			    error_r)) <= 0) {
				if (ret < 0)
					return (ret);
				continue;
			}
			ret = st_msg_drop(st, txn, &rec, &m);
			store_msg_clear(&m);
			if (ret != 0)
				return (ret);
			changed = 1;
			break;
		}
	}
	if (o->last && (rec.scan_new != o->stamp_new ||
	    rec.scan_cur != o->stamp_cur)) {
		rec.scan_new = o->stamp_new;
		rec.scan_cur = o->stamp_cur;
		changed = 1;
	}
	if (changed && (ret = st_mbox_put(st, txn, &mb->box, &rec,
	    error_r)) != 0)
		return (ret);
	o->out = rec;
	return (0);
}

/* st_base_dup - the base of a name, allocated */
static char *
st_base_dup(const struct st_name *n)
{
	return (xstrndup(n->base, n->blen));
}

/*
 * st_sync_full - the full reconciliation; see the top of the file. rec is
 * the record read after the directories; tmp the tmp/ listing.
 */
static int
st_sync_full(struct store_mailbox *mb, struct st_mbox *rec,
    char **tmp, size_t ntmp, uint64_t stamp_new, uint64_t stamp_cur,
    const char **error_r)
{
	struct store *st = mb->st;
	const char *dir = mb->box.dir;
	char **names = NULL, *tmpdir = st_path(dir, "tmp"), *p, *b;
	size_t nnames = 0, anames = 0, nents = 0, i, nops = 0, npick;
	struct store_msg *ents = NULL;
	struct st_name *files = NULL, *eidx = NULL, *e, *f;
	struct st_op *ops = NULL;
	struct st_apply_op ao;
	struct stat sb;
	time_t now = time(NULL);
	int fd, ret = -1;

	/* the directories first, then the index (see the top) */
	if (st_readdir(dir, "new", &names, &nnames, &anames, error_r) < 0 ||
	    st_readdir(dir, "cur", &names, &nnames, &anames, error_r) < 0)
		goto out;
	if (st_list(st, rec, 1, 0, &ents, &nents, error_r) < 0)
		goto out;
	files = xcalloc(nnames + 1, sizeof(*files));
	for (i = 0; i < nnames; i++)
		st_name_set(&files[i], names[i]);
	qsort(files, nnames, sizeof(*files), st_name_cmp);
	eidx = xcalloc(nents + 1, sizeof(*eidx));
	for (i = 0; i < nents; i++) {
		st_name_set(&eidx[i], ents[i].file);
		eidx[i].e = &ents[i];
	}
	qsort(eidx, nents, sizeof(*eidx), st_name_cmp);

	/* tmp/: finish indexed deliveries, drop stale leftovers */
	for (i = 0; i < ntmp; i++) {
		b = tmp[i] + 4;
		e = st_name_find(eidx, nents, b, strlen(b));
		if (e != NULL && !st_exists(dir, e->name) &&
		    strncmp(e->name, "new/", 4) == 0 &&
		    strcmp(e->name + 4, b) == 0) {
			p = st_path(dir, tmp[i]);
			/* an old one was left by a crash; a young one is
			 * most likely being renamed by its deliverer now */
			if (lstat(p, &sb) == 0 && now - sb.st_mtime > 60)
				msg_info("store: %s: finishing the delivery "
				    "of %s", dir, b);
			free(p);
			if (st_roll_forward(dir, b, error_r) < 0)
				goto out;
			e->used = 1;
			continue;
		}
		p = st_path(dir, tmp[i]);
		if (lstat(p, &sb) == 0 && now - sb.st_mtime >
		    STORE_TMP_MAX_AGE) {
			if (unlink(p) == 0)
				msg_info("store: removed stale %s", p);
		}
		free(p);
	}

	/* files against entries: exact names, then moved files */
	for (i = 0; i < nnames; i++) {
		f = &files[i];
		if ((e = st_name_find(eidx, nents, f->base, f->blen)) ==
		    NULL)
			continue;
		/* several entries or files may share a base: scan them */
		while (e > eidx && st_name_cmp(e - 1, f) == 0)
			e--;
		for (; e < eidx + nents && st_name_cmp(e, f) == 0; e++)
			if (strcmp(e->name, f->name) == 0) {
				e->used = 1;
				f->used = 1;
			}
	}
	ops = xcalloc(nnames + nents + 1, sizeof(*ops));
	for (i = 0; i < nnames; i++) {
		f = &files[i];
		if (f->used)
			continue;
		if ((e = st_name_find(eidx, nents, f->base, f->blen)) !=
		    NULL) {
			while (e > eidx && st_name_cmp(e - 1, f) == 0)
				e--;
			for (; e < eidx + nents && st_name_cmp(e, f) == 0;
			    e++)
				if (!e->used && !st_exists(dir, e->name)) {
					e->used = 1;
					e->moved = f;
					ops[nops].type = ST_OP_MOVE;
					ops[nops++].n = e;
					break;
				}
			/* a second copy of an indexed file stays unindexed */
			f->used = 1;
			continue;
		}
	}
	/* entries without a file: in flight, or gone */
	for (i = 0; i < nents; i++) {
		e = &eidx[i];
		if (e->used || st_exists(dir, e->name))
			continue;
		b = st_base_dup(e);
		p = st_path(tmpdir, b);
		if (lstat(p, &sb) == 0 && strncmp(e->name, "new/", 4) == 0 &&
		    strcmp(e->name + 4, b) == 0) {
			if (st_roll_forward(dir, b, error_r) < 0) {
				free(p);
				free(b);
				goto out;
			}
		} else if (!st_exists(dir, e->name)) {
			ops[nops].type = ST_OP_EXPUNGE;
			ops[nops++].n = e;
		}
		free(p);
		free(b);
	}
	/* files nobody indexed: picked up in arrival order */
	npick = nops;
	for (i = 0; i < nnames; i++) {
		f = &files[i];
		if (f->used)
			continue;
		p = st_path(dir, f->name);
		fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) ||
		    st_vsize(fd, p, &f->size, &f->vsize, &f->eol_pad,
		    error_r) < 0) {
			if (fd >= 0 || errno != ENOENT)
				msg_warn("store: %s: cannot pick up %s",
				    dir, log_safe(f->name));
			if (fd >= 0)
				(void)close(fd);
			free(p);
			continue;
		}
		(void)close(fd);
		free(p);
		f->mtime = sb.st_mtime;
		f->flags = strncmp(f->name, "cur/", 4) == 0 ?
		    st_info_flags(f->name) : 0;
		ops[nops].type = ST_OP_PICKUP;
		ops[nops++].n = f;
	}
	qsort(ops + npick, nops - npick, sizeof(*ops), st_pickup_cmp);

	/* apply, a batch per transaction; the last one stores the stamps */
	memset(&ao, 0, sizeof(ao));
	ao.mb = mb;
	ao.id = rec->id;
	ao.check_from = rec->uidnext;
	ao.files = files;
	ao.nfiles = nnames;
	ao.ops = ops;
	ao.stamp_new = stamp_new;
	ao.stamp_cur = stamp_cur;
	ao.from = 0;
	do {
		ao.to = nops - ao.from > STORE_BATCH ? ao.from + STORE_BATCH :
		    nops;
		ao.last = ao.to == nops;
		if (reg_run(st->reg, "scan", 0, st_apply_body, &ao,
		    error_r) < 0) {
			ret = ao.gone ? 1 : -1;
			goto out;
		}
		ao.check_from = ao.out.uidnext;
		ao.from = ao.to;
	} while (ao.from < nops);
	*rec = ao.out;
	ret = 0;
out:
	free(ops);
	free(files);
	free(eidx);
	store_msgs_free(&ents, nents);
	st_free_names(names, nnames);
	free(tmpdir);
	return (ret);
}

/*
 * st_sync - reconcile the index of mb with its directory when something
 * may have changed (see the top of the file); mb->rec updated.
 */
static int
st_sync(struct store_mailbox *mb, const char **error_r)
{
	struct st_mbox rec;
	char **tmp = NULL;
	size_t ntmp = 0, atmp = 0;
	uint64_t mnew, mcur;
	time_t snew, scur, now;
	int ret = -1, attempt;

	for (attempt = 0; attempt < 3; attempt++) {
		mnew = st_mtime_ns(mb->box.dir, "new", &snew);
		mcur = st_mtime_ns(mb->box.dir, "cur", &scur);
		if ((mnew == 0 || mcur == 0) &&
		    st_maildir_make(mb->st, &mb->box, error_r) < 0)
			return (-1);
		now = time(NULL);
		/* a directory changed within the clock's grain may change
		 * again unseen: do not trust its mtime next time */
		if (now - snew < STORE_DIRTY_SECS)
			mnew = 0;
		if (now - scur < STORE_DIRTY_SECS)
			mcur = 0;
		st_free_names(tmp, ntmp);
		tmp = NULL;
		ntmp = atmp = 0;
		if (st_readdir(mb->box.dir, "tmp", &tmp, &ntmp, &atmp,
		    error_r) < 0)
			return (-1);
		if (st_mbox_get(mb->st, &mb->box, 1, &rec, error_r) < 0)
			break;
		if (ntmp == 0 && rec.scan_new != 0 && rec.scan_new == mnew &&
		    rec.scan_cur != 0 && rec.scan_cur == mcur) {
			mb->rec = rec;
			ret = 0;
			break;
		}
		ret = st_sync_full(mb, &rec, tmp, ntmp, mnew, mcur, error_r);
		if (ret == 0)
			mb->rec = rec;
		if (ret != 1)
			break;
		ret = -1;	/* dropped meanwhile: start over */
	}
	st_free_names(tmp, ntmp);
	return (ret);
}

/* Mailboxes. */

/* store_mailbox_open - open and synchronise (user, folder) */
struct store_mailbox *
store_mailbox_open(struct store *st, const char *user, const char *folder,
    int *notfound_r, const char **error_r)
{
	struct store_mailbox *mb;
	struct stat sb;

	st_check_pid(st);
	if (notfound_r != NULL)
		*notfound_r = 0;
	mb = xcalloc(1, sizeof(*mb));
	mb->st = st;
	mb->lock_fd = -1;
	if (st_box_init(st, user, folder, &mb->box, error_r) < 0) {
		free(mb);
		return (NULL);
	}
	if (mb->box.inbox) {
		if (st_maildir_make(st, &mb->box, error_r) < 0)
			goto fail;
	} else if (stat(mb->box.dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		*error_r = ST_ERROR("no such folder: %s",
		    log_safe(mb->box.folder));
		if (notfound_r != NULL)
			*notfound_r = 1;
		goto fail;
	}
	if (st_sync(mb, error_r) < 0)
		goto fail;
	return (mb);

fail:
	st_box_free(&mb->box);
	free(mb);
	return (NULL);
}

/* store_mailbox_close - free the handle (and its lock) */
void
store_mailbox_close(struct store_mailbox **mbp)
{
	struct store_mailbox *mb = *mbp;

	if (mb == NULL)
		return;
	*mbp = NULL;
	if (mb->lock_fd >= 0)
		(void)close(mb->lock_fd);
	st_box_free(&mb->box);
	free(mb);
}

/* store_mailbox_sync - synchronise again */
int
store_mailbox_sync(struct store_mailbox *mb, const char **error_r)
{
	st_check_pid(mb->st);
	return (st_sync(mb, error_r));
}

/* st_info_fill - public info from a record */
static void
st_info_fill(const struct st_mbox *rec, struct store_mailbox_info *info)
{
	info->uidvalidity = rec->uidvalidity;
	info->uidnext = rec->uidnext;
	info->highestmodseq = rec->modseq;
	info->count = rec->count > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)rec->count;
	info->size = rec->size;
	info->vsize = rec->vsize;
}

/*
 * st_refresh - re-read mb's record; a mailbox whose index was dropped (or
 * recreated) since it was opened is an error: the caller must reopen.
 */
static int
st_refresh(struct store_mailbox *mb, const char **error_r)
{
	struct st_mbox rec;
	int ret;

	if ((ret = st_mbox_get(mb->st, &mb->box, 0, &rec, error_r)) < 0)
		return (-1);
	if (ret == 0 || rec.id != mb->rec.id) {
		*error_r = ST_ERROR("store: %s: index was rebuilt, reopen "
		    "the mailbox", log_safe(mb->box.folder));
		return (-1);
	}
	mb->rec = rec;
	return (0);
}

/* store_mailbox_info - the record as it is now */
int
store_mailbox_info(struct store_mailbox *mb,
    struct store_mailbox_info *info_r, const char **error_r)
{
	st_check_pid(mb->st);
	if (st_refresh(mb, error_r) < 0)
		return (-1);
	st_info_fill(&mb->rec, info_r);
	return (0);
}

struct st_uv_op {
	struct store_mailbox *mb;
	uint32_t uidvalidity;
};

/* st_uv_body - set the UIDVALIDITY of an empty mailbox */
static int
st_uv_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_uv_op *o = ctx;
	struct st_mbox rec;
	int ret;

	(void)reg;
	if ((ret = st_mbox_lock(o->mb, txn, &rec, error_r)) != 0)
		return (ret);
	if (rec.count != 0 || rec.uidnext != 1) {
		*error_r = "store: UIDVALIDITY can only be set on an empty, "
		    "unused mailbox";
		return (REG_FAIL);
	}
	rec.uidvalidity = o->uidvalidity;
	rec.modseq++;
	return (st_mbox_update(o->mb, txn, &rec, 1, error_r));
}

/* store_mailbox_set_uidvalidity - for migration into an empty mailbox */
int
store_mailbox_set_uidvalidity(struct store_mailbox *mb,
    uint32_t uidvalidity, const char **error_r)
{
	struct st_uv_op o;

	st_check_pid(mb->st);
	if (uidvalidity == 0) {
		*error_r = "store: UIDVALIDITY 0 is not valid";
		return (-1);
	}
	o.mb = mb;
	o.uidvalidity = uidvalidity;
	return (reg_run(mb->st->reg, "set uidvalidity", 0, st_uv_body, &o,
	    error_r));
}

struct st_recent_op {
	struct store_mailbox *mb;
	uint32_t first;
};

/* st_recent_body - hand the \Recent messages to one session */
static int
st_recent_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_recent_op *o = ctx;
	struct st_mbox rec;
	int ret;

	(void)reg;
	if ((ret = st_mbox_lock(o->mb, txn, &rec, error_r)) != 0)
		return (ret);
	o->first = rec.first_recent > 1 ? rec.first_recent : 1;
	if (o->first >= rec.uidnext) {
		o->first = rec.uidnext;
		return (0);
	}
	rec.first_recent = rec.uidnext;
	return (st_mbox_update(o->mb, txn, &rec, 1, error_r));
}

/* store_mailbox_claim_recent - take the \Recent messages */
int
store_mailbox_claim_recent(struct store_mailbox *mb, uint32_t *first_r,
    const char **error_r)
{
	struct st_recent_op o;

	st_check_pid(mb->st);
	o.mb = mb;
	o.first = 0;
	if (reg_run(mb->st->reg, "claim recent", 0, st_recent_body, &o,
	    error_r) < 0)
		return (-1);
	*first_r = o.first;
	return (0);
}

/* store_mailbox_first_recent - the first \Recent UID, claiming nothing */
int
store_mailbox_first_recent(struct store_mailbox *mb, uint32_t *first_r,
    const char **error_r)
{
	st_check_pid(mb->st);
	if (st_refresh(mb, error_r) < 0)
		return (-1);
	*first_r = mb->rec.first_recent > 1 ? mb->rec.first_recent : 1;
	if (*first_r > mb->rec.uidnext)
		*first_r = mb->rec.uidnext;
	return (0);
}

/* store_mailbox_list - messages by UID range */
int
store_mailbox_list(struct store_mailbox *mb, uint32_t first, uint32_t last,
    struct store_msg **msgs_r, size_t *count_r, const char **error_r)
{
	st_check_pid(mb->st);
	*msgs_r = NULL;
	*count_r = 0;
	if (first == 0)
		first = 1;
	if (last != 0 && last < first)
		return (0);
	return (st_list(mb->st, &mb->rec, first, last, msgs_r, count_r,
	    error_r));
}

/* store_mailbox_list_light - the light listing by UID range */
int
store_mailbox_list_light(struct store_mailbox *mb, uint32_t first,
    uint32_t last, struct store_msg_light **msgs_r, size_t *count_r,
    const char **error_r)
{
	struct st_list_op o;

	st_check_pid(mb->st);
	*msgs_r = NULL;
	*count_r = 0;
	if (first == 0)
		first = 1;
	if (last != 0 && last < first)
		return (0);
	memset(&o, 0, sizeof(o));
	o.light = 1;
	/* room for the whole mailbox as last seen, in one allocation */
	if (mb->rec.count > 0 && mb->rec.count < 10000000) {
		o.alloc = (size_t)mb->rec.count + 1;
		o.lmsgs = xreallocarray(NULL, o.alloc, sizeof(*o.lmsgs));
	}
	if (st_list_run(mb->st, &mb->rec, first, last, &o, error_r) < 0)
		return (-1);
	*msgs_r = o.lmsgs;
	*count_r = o.count;
	return (0);
}

/* store_msgs_light_free - free a light listing */
void
store_msgs_light_free(struct store_msg_light **msgs, size_t count)
{
	size_t i;

	if (*msgs == NULL)
		return;
	for (i = 0; i < count; i++)
		free((*msgs)[i].keywords);
	free(*msgs);
	*msgs = NULL;
}

/* store_msg_get - one message by UID */
int
store_msg_get(struct store_mailbox *mb, uint32_t uid, struct store_msg *m_r,
    const char **error_r)
{
	struct store_msg *msgs;
	size_t n;

	st_check_pid(mb->st);
	if (uid == 0)
		return (0);
	if (st_list(mb->st, &mb->rec, uid, uid, &msgs, &n, error_r) < 0)
		return (-1);
	if (n == 0) {
		free(msgs);
		return (0);
	}
	*m_r = msgs[0];
	free(msgs);
	return (1);
}

/*
 * st_msg_file - the path of message m's file: where the index says, or
 * in tmp/ while its delivery is being finished. Allocated; NULL if gone.
 */
static char *
st_msg_file(struct store_mailbox *mb, const struct store_msg *m)
{
	struct st_name n;
	char *p, *b;
	struct stat sb;

	p = st_path(mb->box.dir, m->file);
	if (stat(p, &sb) == 0)
		return (p);
	free(p);
	memset(&n, 0, sizeof(n));
	st_name_set(&n, m->file);
	b = xstrndup(n.base, n.blen);
	p = st_path3(mb->box.dir, "tmp", b);
	free(b);
	if (stat(p, &sb) == 0)
		return (p);
	free(p);
	/* it may have moved from tmp/ meanwhile */
	p = st_path(mb->box.dir, m->file);
	if (stat(p, &sb) == 0)
		return (p);
	free(p);
	return (NULL);
}

/* store_msg_open - a descriptor for reading message uid */
int
store_msg_open(struct store_mailbox *mb, uint32_t uid, const char **error_r)
{
	struct store_msg m;
	char *p;
	int ret, fd;

	if ((ret = store_msg_get(mb, uid, &m, error_r)) <= 0) {
		if (ret == 0)
			*error_r = ST_ERROR("store: no message with UID %u",
			    uid);
		return (-1);
	}
	if ((p = st_msg_file(mb, &m)) == NULL) {
		*error_r = ST_ERROR("store: message %u: file %s is gone", uid,
		    log_safe(m.file));
		store_msg_clear(&m);
		return (-1);
	}
	store_msg_clear(&m);
	if ((fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		*error_r = ST_ERROR("store: open %s: %s", p, strerror(errno));
	free(p);
	return (fd);
}

/* store_msg_path - the current path of message uid's file */
int
store_msg_path(struct store_mailbox *mb, uint32_t uid, char *buf,
    size_t size, const char **error_r)
{
	struct store_msg m;
	char *p;
	int ret;

	if ((ret = store_msg_get(mb, uid, &m, error_r)) <= 0) {
		if (ret == 0)
			*error_r = ST_ERROR("store: no message with UID %u",
			    uid);
		return (-1);
	}
	p = st_msg_file(mb, &m);
	store_msg_clear(&m);
	if (p == NULL) {
		*error_r = ST_ERROR("store: message %u: file is gone", uid);
		return (-1);
	}
	if (strlen(p) >= size) {
		*error_r = "store: message path too long";
		free(p);
		return (-1);
	}
	memcpy(buf, p, strlen(p) + 1);
	free(p);
	return (0);
}

/* Changing messages. */

/* st_kw_has - is keyword w (n bytes) in the space-separated list? */
static int
st_kw_has(const char *list, const char *w, size_t n)
{
	const char *p = list, *e;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		e = p;
		while (*e != '\0' && *e != ' ')
			e++;
		if ((size_t)(e - p) == n && n > 0 && memcmp(p, w, n) == 0)
			return (1);
		p = e;
	}
	return (0);
}

/* st_kw_check - keywords: printable ASCII atoms separated by spaces */
static int
st_kw_check(const char *kw, const char **error_r)
{
	const char *p;

	if (kw == NULL)
		return (0);
	if (strlen(kw) > STORE_KEYWORDS_MAX) {
		*error_r = "store: too many keywords";
		return (-1);
	}
	for (p = kw; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) {
			*error_r = "store: bad character in a keyword";
			return (-1);
		}
	return (0);
}

/*
 * st_kw_apply - old keywords changed by op with kw, into a new string;
 * NULL if the result would be too long.
 */
static char *
st_kw_apply(const char *old, enum store_flag_op op, const char *kw)
{
	struct sbuf *sb = sbuf_new(STORE_KEYWORDS_MAX);
	const char *src[2], *p, *e;
	char *out;
	int i, keep;

	if (kw == NULL)
		kw = "";
	src[0] = op == STORE_FLAGS_SET ? "" : old;
	src[1] = op == STORE_FLAGS_REMOVE ? "" : kw;
	for (i = 0; i < 2; i++)
		for (p = src[i]; *p != '\0'; p = e) {
			while (*p == ' ')
				p++;
			e = p;
			while (*e != '\0' && *e != ' ')
				e++;
			if (e == p)
				continue;
			keep = !st_kw_has(sbuf_str(sb), p, (size_t)(e - p));
			if (i == 0 && op == STORE_FLAGS_REMOVE &&
			    st_kw_has(kw, p, (size_t)(e - p)))
				keep = 0;
			if (keep && ((sbuf_len(sb) > 0 &&
			    sbuf_appendc(sb, ' ') < 0) ||
			    sbuf_append(sb, p, (size_t)(e - p)) < 0)) {
				sbuf_free(&sb);
				return (NULL);
			}
		}
	out = xstrdup(sbuf_str(sb));
	sbuf_free(&sb);
	return (out);
}

struct st_flags_op {
	struct store_mailbox *mb;
	const uint32_t *uids;
	size_t	from, to;
	enum store_flag_op op;
	unsigned flags;
	const char *kw;
	uint64_t unchanged_since;
	uint32_t *failed;
	size_t	nfailed;
	size_t	failed_start;
};

/* st_flags_body - change the flags of one batch of messages */
static int
st_flags_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_flags_op *o = ctx;
	struct store_mailbox *mb = o->mb;
	struct st_mbox rec;
	struct store_msg m;
	unsigned nf;
	char *kw;
	size_t i;
	int ret, changed = 0;

	(void)reg;
	o->nfailed = o->failed_start;
	if ((ret = st_mbox_lock(mb, txn, &rec, error_r)) != 0)
		return (ret);
	i = o->from;
	while ((ret = st_batch_next(mb, txn, &rec, o->uids, &i, o->to, &m,
	    error_r)) > 0) {
		switch (o->op) {
		case STORE_FLAGS_SET:
			nf = o->flags;
			break;
		case STORE_FLAGS_ADD:
			nf = m.flags | o->flags;
			break;
		default:
			nf = m.flags & ~o->flags;
			break;
		}
		if ((kw = st_kw_apply(m.keywords, o->op, o->kw)) == NULL) {
			store_msg_clear(&m);
			*error_r = "store: too many keywords";
			return (REG_FAIL);
		}
		if (nf == m.flags && strcmp(kw, m.keywords) == 0) {
			free(kw);
			store_msg_clear(&m);
			continue;
		}
		if (o->unchanged_since != 0 &&
		    m.modseq > o->unchanged_since) {
			o->failed[o->nfailed++] = m.uid;
			free(kw);
			store_msg_clear(&m);
			continue;
		}
		m.flags = nf;
		free(m.keywords);
		m.keywords = kw;
		m.modseq = ++rec.modseq;
		ret = st_msg_put(mb->st, txn, &rec, &m, error_r);
		store_msg_clear(&m);
		if (ret != 0)
			return (ret);
		changed = 1;
	}
	if (ret < 0)
		return (ret);
	return (st_mbox_update(mb, txn, &rec, changed, error_r));
}

/*
 * st_changes_touch - tell watchers (IMAP IDLE) that the index changed
 * without a file moving: open (creating it if need be) and close the
 * mailbox directory's STORE_CHANGES_FILE and set its mtime to now. Best
 * effort: a failure is only logged, the change itself is committed.
 */
static void
st_changes_touch(struct store_mailbox *mb)
{
	char *p = st_path(mb->box.dir, STORE_CHANGES_FILE);
	int fd;

	if ((fd = open(p, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) < 0) {
		msg_warn("store: open %s: %s", p, strerror(errno));
	} else {
		if (futimens(fd, NULL) < 0)
			msg_warn("store: futimens %s: %s", p, strerror(errno));
		(void)close(fd);
	}
	free(p);
}

/* store_msg_flags - change flags and keywords */
int
store_msg_flags(struct store_mailbox *mb, const uint32_t *uids,
    size_t count, enum store_flag_op op, unsigned flags,
    const char *keywords, uint64_t unchanged_since, uint32_t **failed_r,
    size_t *failed_count_r, const char **error_r)
{
	struct st_flags_op o;
	uint64_t modseq;

	st_check_pid(mb->st);
	if (failed_r != NULL)
		*failed_r = NULL;
	if (failed_count_r != NULL)
		*failed_count_r = 0;
	if (st_kw_check(keywords, error_r) < 0)
		return (-1);
	if (unchanged_since != 0 && failed_r == NULL) {
		*error_r = "store: unchanged_since needs failed_r";
		return (-1);
	}
	memset(&o, 0, sizeof(o));
	o.mb = mb;
	o.uids = uids;
	o.op = op;
	o.flags = flags & STORE_FLAG_ALL;
	o.kw = keywords;
	o.unchanged_since = unchanged_since;
	o.failed = xcalloc(count + 1, sizeof(*o.failed));
	modseq = mb->rec.modseq;
	for (o.from = 0; o.from < count; o.from = o.to) {
		o.to = count - o.from > STORE_BATCH ? o.from + STORE_BATCH :
		    count;
		o.failed_start = o.nfailed;
		if (reg_run(mb->st->reg, "flags", 0, st_flags_body, &o,
		    error_r) < 0) {
			free(o.failed);
			if (mb->rec.modseq != modseq)
				st_changes_touch(mb);
			return (-1);
		}
	}
	if (mb->rec.modseq != modseq)
		st_changes_touch(mb);
	if (failed_r != NULL && o.nfailed > 0) {
		*failed_r = o.failed;
		*failed_count_r = o.nfailed;
	} else {
		free(o.failed);
	}
	return (0);
}

struct st_uidl_op {
	struct store_mailbox *mb;
	uint32_t uid;
	const char *uidl;
};

/* st_uidl_body - store an explicit UIDL */
static int
st_uidl_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_uidl_op *o = ctx;
	struct store_msg m;
	int ret;

	(void)reg;
	if ((ret = st_msg_read(o->mb->st, txn, &o->mb->rec, o->uid, DB_RMW,
	    &m, error_r)) < 0)
		return (ret);
	if (ret == 0) {
		*error_r = ST_ERROR("store: no message with UID %u", o->uid);
		return (REG_FAIL);
	}
	free(m.uidl);
	m.uidl = xstrdup(o->uidl);
	ret = st_msg_put(o->mb->st, txn, &o->mb->rec, &m, error_r);
	store_msg_clear(&m);
	return (ret);
}

/* store_msg_set_uidl - store an explicit POP3 UIDL */
int
store_msg_set_uidl(struct store_mailbox *mb, uint32_t uid, const char *uidl,
    const char **error_r)
{
	struct st_uidl_op o;
	size_t i, n;

	st_check_pid(mb->st);
	n = uidl != NULL ? strlen(uidl) : 0;
	if (n == 0 || n > STORE_UIDL_MAX) {
		*error_r = "store: a UIDL has 1 to 70 characters";
		return (-1);
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)uidl[i] < 0x21 ||
		    (unsigned char)uidl[i] > 0x7e) {
			*error_r = "store: bad character in a UIDL";
			return (-1);
		}
	o.mb = mb;
	o.uid = uid;
	o.uidl = uidl;
	return (reg_run(mb->st->reg, "set uidl", 0, st_uidl_body, &o,
	    error_r));
}

struct st_expunge_op {
	struct store_mailbox *mb;
	const uint32_t *uids;
	size_t	from, to;
};

/* st_expunge_body - drop one batch of index entries */
static int
st_expunge_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_expunge_op *o = ctx;
	struct store_mailbox *mb = o->mb;
	struct st_mbox rec;
	struct store_msg m;
	size_t i;
	int ret, changed = 0;

	(void)reg;
	if ((ret = st_mbox_lock(mb, txn, &rec, error_r)) != 0)
		return (ret);
	i = o->from;
	while ((ret = st_batch_next(mb, txn, &rec, o->uids, &i, o->to, &m,
	    error_r)) > 0) {
		ret = st_msg_drop(mb->st, txn, &rec, &m);
		store_msg_clear(&m);
		if (ret != 0)
			return (ret);
		changed = 1;
	}
	if (ret < 0)
		return (ret);
	return (st_mbox_update(mb, txn, &rec, changed, error_r));
}

/* st_unlink_msg - remove a message's file (and a tmp/ twin); 0 or -1 */
static int
st_unlink_msg(struct store_mailbox *mb, const struct store_msg *m,
    const char **error_r)
{
	struct st_name n;
	char *p, *b;
	int ret = 0;

	memset(&n, 0, sizeof(n));
	st_name_set(&n, m->file);
	b = xstrndup(n.base, n.blen);
	/* tmp/ first: a roll-forward must not bring it back */
	p = st_path3(mb->box.dir, "tmp", b);
	if (unlink(p) < 0 && errno != ENOENT) {
		*error_r = ST_ERROR("store: unlink %s: %s", p,
		    strerror(errno));
		ret = -1;
	}
	free(p);
	p = st_path(mb->box.dir, m->file);
	if (ret == 0 && unlink(p) < 0 && errno != ENOENT) {
		*error_r = ST_ERROR("store: unlink %s: %s", p,
		    strerror(errno));
		ret = -1;
	}
	free(p);
	free(b);
	return (ret);
}

/* store_expunge - remove messages: files first, then the index */
int
store_expunge(struct store_mailbox *mb, const uint32_t *uids, size_t count,
    const char **error_r)
{
	struct st_expunge_op o;
	struct store_msg m;
	size_t i;
	int ret;
	char *p;

	st_check_pid(mb->st);
	memset(&o, 0, sizeof(o));
	o.mb = mb;
	o.uids = uids;
	for (o.from = 0; o.from < count; o.from = o.to) {
		o.to = count - o.from > STORE_BATCH ? o.from + STORE_BATCH :
		    count;
		for (i = o.from; i < o.to; i++) {
			if ((ret = store_msg_get(mb, uids[i], &m,
			    error_r)) < 0)
				return (-1);
			if (ret == 0)
				continue;
			ret = st_unlink_msg(mb, &m, error_r);
			store_msg_clear(&m);
			if (ret < 0)
				return (-1);
		}
		/* the unlinks must hold before the entries go */
		p = st_path(mb->box.dir, "new");
		ret = st_fsync_dir(p, error_r);
		free(p);
		if (ret < 0)
			return (-1);
		p = st_path(mb->box.dir, "cur");
		ret = st_fsync_dir(p, error_r);
		free(p);
		if (ret < 0)
			return (-1);
		if (reg_run(mb->st->reg, "expunge", 0, st_expunge_body, &o,
		    error_r) < 0)
			return (-1);
	}
	return (0);
}

/* store_mailbox_trylock - exclusive advisory lock for the handle's life */
int
store_mailbox_trylock(struct store_mailbox *mb, const char **error_r)
{
	int fd;

	if (mb->lock_fd >= 0)
		return (1);
	if ((fd = open(mb->box.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		*error_r = ST_ERROR("store: open %s: %s", mb->box.dir,
		    strerror(errno));
		return (-1);
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		(void)close(fd);
		if (errno == EWOULDBLOCK)
			return (0);
		*error_r = ST_ERROR("store: lock %s: %s", mb->box.dir,
		    strerror(errno));
		return (-1);
	}
	mb->lock_fd = fd;
	return (1);
}

struct st_drop_op {
	struct store *st;
	const struct st_box *box;
	uint64_t id;			/* 0: there was none */
};

/* st_drop_body - delete a mailbox record */
static int
st_drop_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_drop_op *o = ctx;
	struct st_mbox rec;
	DBT k;
	int ret;

	(void)reg;
	o->id = 0;
	if ((ret = st_mbox_read(o->st, txn, o->box, DB_RMW, &rec,
	    error_r)) <= 0)
		return (ret);
	o->id = rec.id;
	st_dbt(&k, o->box->key, o->box->keylen);
	return (o->st->mailboxes->del(o->st->mailboxes, txn, &k, 0));
}

/* st_drop - drop the index of a mailbox (record, then its messages) */
static int
st_drop(struct store *st, const struct st_box *b, const char **error_r)
{
	struct st_drop_op o;

	o.st = st;
	o.box = b;
	o.id = 0;
	if (reg_run(st->reg, "drop", 0, st_drop_body, &o, error_r) < 0)
		return (-1);
	if (o.id != 0)
		st_purge_id(st, o.id);
	return (0);
}

/* store_mailbox_reindex - drop the index; the next open rebuilds it */
int
store_mailbox_reindex(struct store *st, const char *user, const char *folder,
    const char **error_r)
{
	struct st_box b;
	int ret;

	st_check_pid(st);
	if (st_box_init(st, user, folder, &b, error_r) < 0)
		return (-1);
	ret = st_drop(st, &b, error_r);
	st_box_free(&b);
	return (ret);
}

/* Folders. */

/* st_rm - nftw() callback removing one entry */
static int
st_rm(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	if (remove(path) < 0 && errno != ENOENT)
		msg_warn("store: remove %s: %s", path, strerror(errno));
	return (0);
}

/* st_rm_tree - remove a directory tree (inside mail_dir) */
static void
st_rm_tree(const char *path)
{
	(void)nftw(path, st_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* store_folder_exists - 1 if the folder's directory is there */
int
store_folder_exists(struct store *st, const char *user, const char *folder,
    const char **error_r)
{
	struct st_box b;
	struct stat sb;
	int ret;

	if (st_box_init(st, user, folder, &b, error_r) < 0)
		return (-1);
	ret = b.inbox || (stat(b.dir, &sb) == 0 && S_ISDIR(sb.st_mode));
	st_box_free(&b);
	return (ret);
}

/* store_folder_create - a new, empty folder */
int
store_folder_create(struct store *st, const char *user, const char *folder,
    const char **error_r)
{
	struct st_get_op o;
	struct st_box b;
	struct stat sb;
	int ret = -1;

	st_check_pid(st);
	if (st_box_init(st, user, folder, &b, error_r) < 0)
		return (-1);
	if (b.inbox || stat(b.dir, &sb) == 0) {
		*error_r = ST_ERROR("folder exists: %s", log_safe(b.folder));
		goto out;
	}
	if (st_maildir_make(st, &b, error_r) < 0)
		goto out;
	/* a record left by an interrupted rename or delete is replaced */
	memset(&o, 0, sizeof(o));
	o.st = st;
	o.box = &b;
	o.create = 1;
	o.fresh = 1;
	if (reg_run(st->reg, "folder create", 0, st_get_body, &o,
	    error_r) < 0)
		goto out;
	if (o.old_id != 0)
		st_purge_id(st, o.old_id);
	ret = 0;
out:
	st_box_free(&b);
	return (ret);
}

/* store_folder_delete - remove a folder and its messages */
int
store_folder_delete(struct store *st, const char *user, const char *folder,
    const char **error_r)
{
	struct st_box b;
	struct stat sb;
	char *trash, *name;
	int ret = -1;

	st_check_pid(st);
	if (st_box_init(st, user, folder, &b, error_r) < 0)
		return (-1);
	if (b.inbox) {
		*error_r = "the INBOX cannot be deleted";
		goto out;
	}
	if (stat(b.dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		*error_r = ST_ERROR("no such folder: %s", log_safe(b.folder));
		goto out;
	}
	/*
	 * Out of sight first ("..del.*" is no folder name), so a crash
	 * leaves nothing that looks like the folder; then the index; then
	 * the files.
	 */
	name = xmalloc(64);
	st->seq++;
	(void)snprintf(name, 64, "..del.%ld.%u.%lld", (long)st->pid,
	    st->seq, (long long)time(NULL));
	trash = st_path(b.userdir, name);
	free(name);
	if (rename(b.dir, trash) < 0) {
		*error_r = ST_ERROR("store: rename %s: %s", b.dir,
		    strerror(errno));
		free(trash);
		goto out;
	}
	if (st_fsync_dir(b.userdir, error_r) < 0 ||
	    st_drop(st, &b, error_r) < 0) {
		free(trash);
		goto out;
	}
	st_rm_tree(trash);
	free(trash);
	ret = 0;
out:
	st_box_free(&b);
	return (ret);
}

struct st_rename_op {
	struct store *st;
	struct st_box *from;
	struct st_box *to;
	size_t	n;
};

/* st_rename_body - move mailbox records to their new keys */
static int
st_rename_body(struct registry *reg, DB_TXN *txn, void *ctx,
    const char **error_r)
{
	struct st_rename_op *o = ctx;
	struct st_mbox rec;
	DBT k;
	size_t i;
	int ret;

	(void)reg;
	for (i = 0; i < o->n; i++) {
		if ((ret = st_mbox_read(o->st, txn, &o->from[i], DB_RMW, &rec,
		    error_r)) < 0)
			return (ret);
		if (ret == 0)
			continue;
		st_dbt(&k, o->from[i].key, o->from[i].keylen);
		if ((ret = o->st->mailboxes->del(o->st->mailboxes, txn, &k,
		    0)) != 0)
			return (ret);
		/* the directories moved: rescan once under the new name */
		rec.scan_new = rec.scan_cur = 0;
		if ((ret = st_mbox_put(o->st, txn, &o->to[i], &rec,
		    error_r)) != 0)
			return (ret);
	}
	return (0);
}

/* store_folder_rename - rename a folder and its subfolders */
int
store_folder_rename(struct store *st, const char *user, const char *from,
    const char *to, const char **error_r)
{
	struct st_rename_op o;
	struct st_box bf, bt;
	struct stat sb;
	char **names = NULL, *nn;
	size_t nnames = 0, i, fl, k;
	int ret = -1;

	st_check_pid(st);
	memset(&o, 0, sizeof(o));
	if (st_box_init(st, user, from, &bf, error_r) < 0)
		return (-1);
	if (st_box_init(st, user, to, &bt, error_r) < 0) {
		st_box_free(&bf);
		return (-1);
	}
	/*
	 * The INBOX is the user's directory itself, so it cannot move;
	 * imapd's RENAME INBOX moves its messages instead (RFC 3501 6.3.5).
	 */
	if (bf.inbox || bt.inbox) {
		*error_r = "store: the INBOX cannot be renamed (move its "
		    "messages instead)";
		goto out;
	}
	if (stat(bf.dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		*error_r = ST_ERROR("no such folder: %s", log_safe(bf.folder));
		goto out;
	}
	if (store_folder_list(st, user, &names, &nnames, error_r) < 0)
		goto out;
	fl = strlen(bf.folder);
	o.st = st;
	o.from = xcalloc(nnames + 1, sizeof(*o.from));
	o.to = xcalloc(nnames + 1, sizeof(*o.to));
	for (i = 0; i < nnames; i++) {
		if (strcmp(names[i], bf.folder) != 0 &&
		    (strncmp(names[i], bf.folder, fl) != 0 ||
		    names[i][fl] != '.'))
			continue;
		k = strlen(bt.folder) + strlen(names[i] + fl) + 1;
		nn = xmalloc(k);
		(void)snprintf(nn, k, "%s%s", bt.folder, names[i] + fl);
		if (st_box_init(st, user, names[i], &o.from[o.n],
		    error_r) < 0) {
			free(nn);
			goto out;
		}
		if (st_box_init(st, user, nn, &o.to[o.n], error_r) < 0) {
			st_box_free(&o.from[o.n]);
			free(nn);
			goto out;
		}
		free(nn);
		o.n++;
		if (stat(o.to[o.n - 1].dir, &sb) == 0) {
			*error_r = ST_ERROR("folder exists: %s",
			    log_safe(o.to[o.n - 1].folder));
			goto out;
		}
	}
	/*
	 * Directories first: a crash before the index follows leaves
	 * folders under their new names that an open rebuilds (new
	 * UIDVALIDITY), never an index entry pointing at no directory.
	 */
	for (i = 0; i < o.n; i++)
		if (rename(o.from[i].dir, o.to[i].dir) < 0) {
			*error_r = ST_ERROR("store: rename %s: %s",
			    o.from[i].dir, strerror(errno));
			while (i-- > 0)
				(void)rename(o.to[i].dir, o.from[i].dir);
			goto out;
		}
	if (st_fsync_dir(bf.userdir, error_r) < 0)
		goto out;
	if (reg_run(st->reg, "folder rename", 0, st_rename_body, &o,
	    error_r) < 0)
		goto out;
	ret = 0;
out:
	for (i = 0; i < o.n; i++) {
		st_box_free(&o.from[i]);
		st_box_free(&o.to[i]);
	}
	free(o.from);
	free(o.to);
	store_folders_free(&names, nnames);
	st_box_free(&bf);
	st_box_free(&bt);
	return (ret);
}

/* st_strcmp - qsort comparison of strings */
static int
st_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* store_folder_list - every folder but the INBOX, sorted */
int
store_folder_list(struct store *st, const char *user, char ***names_r,
    size_t *count_r, const char **error_r)
{
	struct st_box b;
	struct dirent *e;
	struct stat sb;
	const char *why;
	char **names = NULL, *p;
	size_t n = 0, alloc = 0;
	DIR *d;

	*names_r = NULL;
	*count_r = 0;
	if (st_box_init(st, user, NULL, &b, error_r) < 0)
		return (-1);
	if ((d = opendir(b.userdir)) == NULL) {
		st_box_free(&b);
		if (errno == ENOENT)
			return (0);
		*error_r = ST_ERROR("store: opendir %s: %s", b.userdir,
		    strerror(errno));
		return (-1);
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.' || e->d_name[1] == '\0')
			continue;
		p = st_path(b.userdir, e->d_name);
		if (strncmp(e->d_name, "..del.", 6) == 0) {
			/* an interrupted delete: finish it */
			st_rm_tree(p);
			free(p);
			continue;
		}
		if (store_folder_check(e->d_name + 1, &why) < 0 ||
		    strcasecmp(e->d_name + 1, STORE_INBOX) == 0 ||
		    stat(p, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			free(p);
			continue;
		}
		free(p);
		if (n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			names = xreallocarray(names, alloc, sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name + 1);
	}
	(void)closedir(d);
	st_box_free(&b);
	if (n > 0)
		qsort(names, n, sizeof(*names), st_strcmp);
	*names_r = names;
	*count_r = n;
	return (0);
}

/* store_folders_free - free a folder list */
void
store_folders_free(char ***names, size_t count)
{
	size_t i;

	if (*names == NULL)
		return;
	for (i = 0; i < count; i++)
		free((*names)[i]);
	free(*names);
	*names = NULL;
}
