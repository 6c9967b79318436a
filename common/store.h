/*
 * store - the mail store: Maildir++ message files with an index in the
 * registry's Berkeley DB environment.
 *
 * Layout. Each user's mail lives under mail_dir/DOMAIN/LOCALPART/ (the
 * normalised address, checked with name.h). That directory is the INBOX
 * (cur/ new/ tmp/); every other folder is a ".Name" subdirectory with its
 * own cur/ new/ tmp/ and an empty "maildirfolder" file, Maildir++ style,
 * "." separating hierarchy levels ("Archive.2024"). Message files hold the
 * message with LF line ends. Directories are created on first delivery or
 * open, mode 0700; spool files live in mail_dir/.spool/.
 *
 * Index. Per mailbox: UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, message count,
 * size and vsize. Per message: UID, file (relative to the mailbox
 * directory, "new/NAME" or "cur/NAME"), size (bytes on disk), vsize (the
 * size with every bare LF sent as CR LF: what POP3 and IMAP report),
 * eol_pad (what a protocol that must end the last line adds to a file
 * that does not end with LF: POP3 RETR), the internal date, flags and
 * keywords, modseq, Message-ID, origin, remote id and the POP3 UIDL.
 * The index is authoritative for flags; file names are not renamed when
 * flags change.
 *
 * Synchronisation. Opening a mailbox reconciles the index with the
 * directory when new/ or cur/ changed since the last scan (or tmp/ is not
 * empty): files nobody indexed are picked up with new UIDs (flags from a
 * ":2," suffix), entries whose file is gone are expunged, indexed
 * messages whose file is still in tmp/ (a delivery that crashed after its
 * index commit) are moved on to new/, and unindexed tmp/ files older than
 * 36 hours are removed. A mailbox whose index record is gone is rebuilt
 * from its files with a new UIDVALIDITY.
 *
 * Crash safety. A delivery writes one spool file, fsyncs it, hard-links it
 * into each recipient's tmp/ (fsyncing those directories), records every
 * copy in ONE synchronous index transaction, then renames tmp/ -> new/ and
 * fsyncs new/. A crash at any point leaves each copy either fully
 * delivered (indexed; rolled forward by the next open if need be) or
 * absent (at worst an unindexed tmp/ file, removed later), never half,
 * never twice. Expunge removes the files (fsyncing the directories) before
 * the index entries, so no scan can mistake a file being expunged for a
 * foreign one.
 *
 * Names. User addresses go through name.h. Folder names are 1..200 bytes
 * of printable ASCII without '/', must not start or end with '.', must not
 * contain "..", and "INBOX" (any case, or NULL) is the inbox itself. IMAP's
 * modified UTF-7 fits these rules, so folder names on disk are what
 * imapd shows after decoding.
 *
 * Errors. Functions returning int give 0 (or 1 = found, 0 = not found
 * where documented) on success and -1 with *error_r on failure. Error
 * texts are fit for a log line and stay valid until the next store call
 * in the process. A handle must not be used across fork(), like the
 * registry it sits on. Close every store handle before the registry.
 *
 * Test hook: when the environment variable STORE_TEST_CRASH_AT=n is set at
 * store_open(), store_delivery_commit() calls _exit(99) at step n (1 after
 * the spool fsync, 2 after the first link into a tmp/, 3 after all links,
 * 4 after the index commit, 5 after the first rename into new/, 6 after
 * the last fsync of new/).
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "registry.h"

/* Flags (bit mask); Maildir letters S R F T D. \Recent is per session. */
#define STORE_FLAG_SEEN		(1u << 0)
#define STORE_FLAG_ANSWERED	(1u << 1)
#define STORE_FLAG_FLAGGED	(1u << 2)
#define STORE_FLAG_DELETED	(1u << 3)
#define STORE_FLAG_DRAFT	(1u << 4)
#define STORE_FLAG_ALL		((1u << 5) - 1)

#define STORE_FOLDER_MAX	200	/* bytes in a folder name */
#define STORE_KEYWORDS_MAX	1000	/* bytes of the keyword list */
#define STORE_UIDL_MAX		70	/* RFC 1939 */
#define STORE_TMP_MAX_AGE	(36 * 3600)	/* unindexed tmp/ files */
#define STORE_CHANGES_FILE	"estuary-changes" /* see store_msg_flags */

struct store;
struct store_delivery;
struct store_mailbox;

/*
 * store_open - a store over an open registry (which must outlive it) and
 * mail_dir (which must exist). Cleans spool files older than
 * STORE_TMP_MAX_AGE left by crashed deliveries. NULL with *error_r.
 */
struct store *store_open(struct registry *reg, const char *mail_dir,
	    const char **error_r);

/* store_close - close the store's databases, free it, NULL the pointer */
void	store_close(struct store **st);

/*
 * Delivery of one message to one or more local mailboxes.
 *
 * store_delivery_begin - create a spool file under mail_dir/.spool/.
 * store_delivery_fd - where to write the message (LF line ends); the
 *   descriptor stays owned by the delivery.
 * store_delivery_path - the spool file's path (so the queue can link it).
 * store_delivery_add - add a recipient mailbox (folder NULL = INBOX); the
 *   address is checked and normalised; a recipient given twice counts
 *   once. A folder that does not exist yet is created on commit. Neither
 *   the registry (does the user exist, is it active) nor the quota is
 *   consulted: that is the caller's policy (store_quota_check).
 * store_delivery_commit - fsync the file, link it into every recipient's
 *   tmp/, one synchronous index transaction allocating a UID in each
 *   mailbox, rename into new/, fsync. 0 means every copy is durable and
 *   indexed; after -1 no copy is indexed (and the delivery can only be
 *   freed). meta may be NULL (all defaults). meta->uid, if not 0, asks
 *   for that UID (migration; single recipient only; it must not be below
 *   the mailbox's UIDNEXT).
 * store_delivery_uid - after a successful commit, the UIDVALIDITY and UID
 *   the i-th added recipient got (in the order of store_delivery_add,
 *   duplicates not counted); -1 if i is out of range or not committed.
 * store_delivery_free - unlink the spool file (a committed message stays
 *   in the mailboxes) and free; NULL is fine.
 */
struct store_meta {
	time_t	internal_date;		/* 0 = now */
	const char *message_id;		/* may be NULL */
	const char *origin;		/* "local", "smtp", "account:<id>"...;
					 * NULL = "local" */
	const char *remote_id;		/* remote UID/UIDL, may be NULL */
	unsigned flags;			/* STORE_FLAG_* */
	const char *keywords;		/* space-separated; NULL = none */
	const char *uidl;		/* POP3 UIDL; NULL = derived */
	uint32_t uid;			/* 0 = next; see _commit */
};

struct store_delivery *store_delivery_begin(struct store *st,
	    const char **error_r);
/*
 * store_delivery_begin_file - the same over an existing, complete message
 * file (e.g. another mailbox's message, for IMAP COPY): it is linked, not
 * copied, and neither written nor unlinked by the delivery. The file must
 * be on mail_dir's file system. store_delivery_fd gives -1 for it.
 */
struct store_delivery *store_delivery_begin_file(struct store *st,
	    const char *path, const char **error_r);
int	store_delivery_fd(const struct store_delivery *d);
const char *store_delivery_path(const struct store_delivery *d);
int	store_delivery_add(struct store_delivery *d, const char *user,
	    const char *folder, const char **error_r);
int	store_delivery_commit(struct store_delivery *d,
	    const struct store_meta *meta, const char **error_r);
int	store_delivery_uid(const struct store_delivery *d, int i,
	    uint32_t *uidvalidity_r, uint32_t *uid_r);
void	store_delivery_free(struct store_delivery **d);

/*
 * store_append - deliver the n bytes at data (LF line ends) to one
 * mailbox, with meta (may be NULL), the same crash-safe way; UIDVALIDITY
 * and UID of the new message into the optional _r pointers.
 */
int	store_append(struct store *st, const char *user, const char *folder,
	    const void *data, size_t n, const struct store_meta *meta,
	    uint32_t *uidvalidity_r, uint32_t *uid_r, const char **error_r);

/*
 * Quota. store_quota_check: 1 = a message of size bytes fits, 0 = over
 * quota (messages or bytes), -1 error. Limits come from the user record,
 * else the domain's default; 0 = unlimited. Usage is the sum over all the
 * user's folders (bytes on disk). store_usage gives that sum.
 */
int	store_quota_check(struct store *st, const char *user, uint64_t size,
	    const char **error_r);
int	store_usage(struct store *st, const char *user, uint64_t *messages_r,
	    uint64_t *bytes_r, const char **error_r);

/* Mailboxes. */

struct store_mailbox_info {
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;
	uint32_t count;			/* messages */
	uint64_t size;			/* bytes on disk */
	uint64_t vsize;			/* bytes with CR LF */
};

/* One message's index entry; strings are owned by the entry. */
struct store_msg {
	uint32_t uid;
	char   *file;			/* "new/NAME" or "cur/NAME" */
	uint64_t size;			/* bytes on disk (LF) */
	uint64_t vsize;			/* bytes with CR LF */
	unsigned eol_pad;		/* 0 when the file is empty or ends
					 * with LF, else the bytes ending its
					 * last line as CR LF: 1 after a final
					 * CR, 2 after anything else */
	time_t	internal_date;
	unsigned flags;			/* STORE_FLAG_* */
	char   *keywords;		/* space-separated; "" = none */
	uint64_t modseq;
	char   *message_id;		/* "" = unknown */
	char   *origin;			/* "local", "account:<id>", ... */
	char   *remote_id;		/* "" = none */
	char   *uidl;			/* always set: stored or derived */
};

/*
 * store_mailbox_open - open (user, folder) and synchronise its index with
 * the directory (see the top of this file). The INBOX is created if it
 * does not exist; another folder must exist (store_folder_create), else
 * NULL with *error_r "no such folder: ..." and, if notfound_r is not
 * NULL, *notfound_r = 1.
 */
struct store_mailbox *store_mailbox_open(struct store *st, const char *user,
	    const char *folder, int *notfound_r, const char **error_r);
void	store_mailbox_close(struct store_mailbox **mb);

/* store_mailbox_sync - synchronise again (IMAP NOOP, IDLE, CHECK) */
int	store_mailbox_sync(struct store_mailbox *mb, const char **error_r);

/* store_mailbox_info - the mailbox record as it is now in the index */
int	store_mailbox_info(struct store_mailbox *mb,
	    struct store_mailbox_info *info_r, const char **error_r);

/*
 * store_mailbox_set_uidvalidity - give an empty mailbox (no messages,
 * UIDNEXT 1) the UIDVALIDITY of the server it is migrated from; -1 if it
 * is not empty.
 */
int	store_mailbox_set_uidvalidity(struct store_mailbox *mb,
	    uint32_t uidvalidity, const char **error_r);

/*
 * \Recent (RFC 3501 2.3.2): the mailbox record keeps the first UID that
 * no session has claimed yet (a record without it, from before it
 * existed or rebuilt, reads as 1: every message is recent to the next
 * claimer). store_mailbox_claim_recent - one short synchronous
 * transaction: *first_r = that UID, and the record's value becomes
 * UIDNEXT; messages with UID >= *first_r (and below UIDNEXT) are recent
 * to the caller and to nobody else (IMAP SELECT, and again when a
 * selected session notices new messages). store_mailbox_first_recent -
 * the same UID, claiming nothing (EXAMINE, STATUS RECENT).
 */
int	store_mailbox_claim_recent(struct store_mailbox *mb, uint32_t *first_r,
	    const char **error_r);
int	store_mailbox_first_recent(struct store_mailbox *mb, uint32_t *first_r,
	    const char **error_r);

/*
 * store_mailbox_list - the messages with first <= UID <= last (last 0 =
 * no limit), in UID order, read in batches (several short transactions;
 * a message expunged meanwhile may still be listed). *msgs_r is a new
 * array (free with store_msgs_free), *count_r its length.
 */
int	store_mailbox_list(struct store_mailbox *mb, uint32_t first,
	    uint32_t last, struct store_msg **msgs_r, size_t *count_r,
	    const char **error_r);
void	store_msgs_free(struct store_msg **msgs, size_t count);

/*
 * The light listing, for what a client asks of every message (IMAP
 * SELECT, FETCH FLAGS RFC822.SIZE INTERNALDATE, SEARCH on flags, size or
 * date, STATUS): the numbers of each entry, no strings but keywords, and
 * those only when there are any. Fetch the rest of an entry (file,
 * Message-ID, origin, UIDL...) with store_msg_get when it is needed.
 */
struct store_msg_light {
	uint32_t uid;
	unsigned flags;			/* STORE_FLAG_* */
	uint64_t size;			/* bytes on disk (LF) */
	uint64_t vsize;			/* bytes with CR LF */
	uint64_t modseq;
	time_t	internal_date;
	unsigned eol_pad;		/* as in struct store_msg */
	char   *keywords;		/* space-separated; NULL = none */
};

/*
 * store_mailbox_list_light - like store_mailbox_list, light entries:
 * *msgs_r is a new array (free with store_msgs_light_free).
 */
int	store_mailbox_list_light(struct store_mailbox *mb, uint32_t first,
	    uint32_t last, struct store_msg_light **msgs_r, size_t *count_r,
	    const char **error_r);
void	store_msgs_light_free(struct store_msg_light **msgs, size_t count);
/* store_msg_clear - free one entry's strings (store_msg_get results) */
void	store_msg_clear(struct store_msg *m);

/* store_msg_get - one message by UID: 1 found (clear it), 0 not, -1 */
int	store_msg_get(struct store_mailbox *mb, uint32_t uid,
	    struct store_msg *m_r, const char **error_r);

/*
 * store_msg_open - open message uid for reading: a descriptor (the
 * caller closes it), or -1 with *error_r (also when it was expunged).
 * The descriptor stays readable even if the message is expunged later.
 */
int	store_msg_open(struct store_mailbox *mb, uint32_t uid,
	    const char **error_r);

/*
 * store_msg_path - the current path of message uid's file into buf (size
 * bytes), e.g. for store_delivery_begin_file (IMAP COPY); 0, or -1.
 */
int	store_msg_path(struct store_mailbox *mb, uint32_t uid, char *buf,
	    size_t size, const char **error_r);

enum store_flag_op {
	STORE_FLAGS_SET,		/* replace flags and keywords */
	STORE_FLAGS_ADD,
	STORE_FLAGS_REMOVE,
};

/*
 * store_msg_flags - change flags (and keywords, space-separated, NULL =
 * none) of the messages uids[0..count) in one transaction per batch;
 * UIDs no longer in the index are skipped. A message whose flags change
 * gets a new modseq (the mailbox's HIGHESTMODSEQ + 1); when any did,
 * the mtime of STORE_CHANGES_FILE in the mailbox directory is set to now
 * (created if missing) so that a watcher (IMAP IDLE, inotify
 * IN_CLOSE_WRITE) notices changes that move no file. With
 * unchanged_since != 0 (CONDSTORE), a message whose modseq is greater is
 * left alone and its UID put in *failed_r (a new array, free() it;
 * *failed_count_r its length); failed_r may be NULL otherwise.
 */
int	store_msg_flags(struct store_mailbox *mb, const uint32_t *uids,
	    size_t count, enum store_flag_op op, unsigned flags,
	    const char *keywords, uint64_t unchanged_since,
	    uint32_t **failed_r, size_t *failed_count_r,
	    const char **error_r);

/* store_msg_set_uidl - store an explicit POP3 UIDL (migration) */
int	store_msg_set_uidl(struct store_mailbox *mb, uint32_t uid,
	    const char *uidl, const char **error_r);

/*
 * store_expunge - remove the messages uids[0..count) (UIDs not in the
 * index are skipped): files first (directories fsynced), then the index
 * entries, in one synchronous transaction per batch. Once it returns 0
 * they are gone for good.
 */
int	store_expunge(struct store_mailbox *mb, const uint32_t *uids,
	    size_t count, const char **error_r);

/*
 * store_mailbox_trylock - an exclusive advisory lock on the mailbox for
 * the life of the handle (POP3's one session per mailbox): 1 taken, 0
 * held by another handle or process, -1 error. Released by close, or by
 * the holder's death.
 */
int	store_mailbox_trylock(struct store_mailbox *mb, const char **error_r);

/*
 * store_mailbox_reindex - throw away the index of (user, folder): the
 * next open rebuilds it from the files with a new UIDVALIDITY (flags come
 * from the file names only, keywords and explicit UIDLs are lost).
 */
int	store_mailbox_reindex(struct store *st, const char *user,
	    const char *folder, const char **error_r);

/*
 * Folders. create: a new, empty folder (-1 if it exists); delete: the
 * folder and its messages (not the INBOX; subfolders stay); rename: the
 * folder and its subfolders ("A" -> "B" also moves "A.x" to "B.x"),
 * keeping UIDVALIDITY and UIDs (not the INBOX; the new name must not
 * exist); exists: 1, 0 or -1; list: every folder but the INBOX, sorted
 * (free with store_folders_free).
 */
int	store_folder_create(struct store *st, const char *user,
	    const char *folder, const char **error_r);
int	store_folder_delete(struct store *st, const char *user,
	    const char *folder, const char **error_r);
int	store_folder_rename(struct store *st, const char *user,
	    const char *from, const char *to, const char **error_r);
int	store_folder_exists(struct store *st, const char *user,
	    const char *folder, const char **error_r);
int	store_folder_list(struct store *st, const char *user,
	    char ***names_r, size_t *count_r, const char **error_r);
void	store_folders_free(char ***names, size_t count);

/* store_folder_check - 0 if name is an acceptable folder name, else -1
 * with *error_r the reason (pure; NULL and "INBOX" pass) */
int	store_folder_check(const char *name, const char **error_r);

/* store_flags_letters - flags as Maildir info letters ("DFRST" order)
 * into buf (at least 6 bytes) */
void	store_flags_letters(unsigned flags, char *buf);

#endif
