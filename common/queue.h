/*
 * queue - the outbound mail queue: spool files under queue_dir.
 *
 * An entry is two files named by its queue id: the message, data/ID (LF
 * line ends, as the store keeps it), and its envelope, env/ID. The
 * envelope is what makes an entry exist: it is written to tmp/, fsynced
 * and renamed into env/ only after the data file and its directory are
 * fsynced, and removed first when the entry is deleted. So a crash leaves
 * an entry whole or absent; a data file without an envelope (or a stale
 * file in tmp/) is a half-made entry that queue_cleanup() removes.
 *
 * The envelope is a text file of lines, fields separated by one TAB, the
 * first field a keyword (one record per line, nothing to parse beyond a
 * split):
 *
 *	version	1
 *	arrival	1700000000
 *	sender	alice@a.test			(empty for the null sender)
 *	envid	ABC123				(optional, DSN ENVID)
 *	ret	hdrs				(optional, DSN RET=HDRS)
 *	client	mail.example [192.0.2.1]	(optional)
 *	auth	alice@a.test			(optional)
 *	rcpt	STATE ATTEMPTS NEXT_TRY NOTIFIED STATUS ADDRESS ERROR
 *	end
 *
 * (rcpt fields TAB-separated too): STATE pending, sent or failed; NEXT_TRY
 * epoch seconds; NOTIFIED 1 once a failure was reported (bounce queued or
 * not wanted); STATUS an RFC 3463 code or "-"; ERROR the last error text,
 * maybe empty. "end" closes a complete envelope. Values never hold TAB,
 * CR, LF or NUL: addresses with them are refused, error texts have such
 * bytes replaced. Another version, an unknown keyword, a missing field or
 * a missing "end" makes the envelope malformed.
 *
 * Envelope changes (queue_update()) write a whole new envelope the same
 * way (tmp/, fsync, rename, fsync the directory). Whoever changes or
 * delivers an entry holds its lock (queue_lock(): flock on the data file,
 * whose inode never changes), so two queue runners never deliver one
 * message twice. Queue ids are hex time, microseconds and random bits,
 * [0-9A-F] only, so they are safe file names.
 *
 * Nothing here logs; failures return -1 with *error_r (valid until the
 * next queue call).
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <stdint.h>
#include <time.h>

#include "sbuf.h"

#define QUEUE_ID_MAX		32	/* with the NUL */
#define QUEUE_VERSION		1
#define QUEUE_ENVELOPE_MAX	(1024 * 1024)	/* bytes of one envelope */
#define QUEUE_RCPTS_MAX		10000	/* recipients of one entry */
#define QUEUE_ERROR_MAX		512	/* bytes of a stored error text */
/* Half-made entries younger than this may still be in the making. */
#define QUEUE_ORPHAN_AGE	600

struct queue_envelope {
	const char *sender;		/* "" = null reverse-path */
	const char *const *rcpts;	/* recipient addresses */
	int	rcpt_count;
	const char *envid;		/* DSN ENVID or NULL */
	int	ret_hdrs;		/* DSN RET=HDRS */
	const char *client;		/* "helo [addr]" for logs/DSN */
	const char *auth_user;		/* NULL if not authenticated */
};

/*
 * queue_enqueue - copy (or hard-link, when on the same file system) the
 * complete, already-written message file at path into the queue, write
 * the envelope, fsync file and directories, make it visible to the relay
 * service. 0 with id_r filled = durably queued; -1 with *error_r (nothing
 * is left behind that the relay would deliver).
 */
int	queue_enqueue(const char *queue_dir, const char *path,
	    const struct queue_envelope *env, char id_r[QUEUE_ID_MAX],
	    const char **error_r);

/*
 * queue_kick - wake the relay service, best effort and never blocking: a
 * one-byte message on the relay's socket (the parameter relay_socket).
 * Mail is delivered anyway at the next periodic queue run.
 */
void	queue_kick(const char *queue_dir);

/*
 * queue_kick_socket - the same with a given socket path and command byte
 * (QUEUE_KICK_DUE: deliver what is due; QUEUE_KICK_FLUSH: everything,
 * deferred or not). 0 sent, -1 with *error_r.
 */
#define QUEUE_KICK_DUE		'k'
#define QUEUE_KICK_FLUSH	'f'
int	queue_kick_socket(const char *path, int command, const char **error_r);

enum queue_rcpt_state {
	QUEUE_RCPT_PENDING = 0,
	QUEUE_RCPT_SENT,
	QUEUE_RCPT_FAILED,
};

struct queue_rcpt {
	char   *address;
	enum queue_rcpt_state state;
	int	attempts;
	time_t	next_try;		/* 0 = as soon as possible */
	int	notified;		/* failure reported (or not wanted) */
	char	status[16];		/* "5.1.1", "" = none yet */
	char   *error;			/* last error, "" = none */
};

/* One entry as read back; all strings are owned by the entry. */
struct queue_entry {
	char	id[QUEUE_ID_MAX];
	int	version;
	time_t	arrival;
	char   *sender;			/* "" = null sender */
	char   *envid;			/* NULL = none */
	int	ret_hdrs;
	char   *client;			/* NULL = none */
	char   *auth_user;		/* NULL = none */
	struct queue_rcpt *rcpts;
	int	rcpt_count;
};

/* queue_id_check - is id a well-formed queue id? 0 yes, -1 no */
int	queue_id_check(const char *id);

/* queue_state_name - "pending", "sent", "failed" */
const char *queue_state_name(enum queue_rcpt_state state);

/*
 * queue_envelope_parse - an envelope's text into e (pure: no I/O). The id
 * is not set. 0, or -1 with *error_r naming the line and what is wrong;
 * e is then empty.
 */
int	queue_envelope_parse(const char *buf, size_t len,
	    struct queue_entry *e, const char **error_r);

/*
 * queue_envelope_format - e as envelope text, appended to out. -1 with
 * *error_r if a value holds TAB, CR, LF or NUL (error texts are cleaned
 * instead) or out's cap passes.
 */
int	queue_envelope_format(const struct queue_entry *e, struct sbuf *out,
	    const char **error_r);

/* queue_entry_free - release what e holds; e is empty afterwards */
void	queue_entry_free(struct queue_entry *e);

/*
 * queue_read - read entry id's envelope into e. 1 found, 0 no such entry
 * (never made, or deleted), -1 with *error_r (unreadable or malformed).
 */
int	queue_read(const char *queue_dir, const char *id,
	    struct queue_entry *e, const char **error_r);

/*
 * queue_update - replace e's envelope atomically (temp file, fsync,
 * rename, directory fsync). Hold the entry's lock. 0, or -1 with *error_r.
 */
int	queue_update(const char *queue_dir, const struct queue_entry *e,
	    const char **error_r);

/*
 * queue_delete - remove entry id: the envelope first (the entry is gone
 * from then on), then the data file. Hold the entry's lock. 0 (also when
 * it did not exist), or -1 with *error_r.
 */
int	queue_delete(const char *queue_dir, const char *id,
	    const char **error_r);

/* queue_data_path - the data file of id into path (reset first) */
void	queue_data_path(const char *queue_dir, const char *id,
	    struct sbuf *path);

/*
 * queue_lock - lock entry id for delivery or change: an open descriptor
 * of its data file holding flock(LOCK_EX); close() it to unlock. wait:
 * block until it is free, else return -2 at once when someone holds it.
 * -1 with *error_r when the data file cannot be opened (ENOENT: the entry
 * was deleted meanwhile). Re-read the envelope after locking.
 */
int	queue_lock(const char *queue_dir, const char *id, int wait,
	    const char **error_r);

/*
 * queue_list - call fn for each entry id (visible envelopes, in no set
 * order); fn returning -1 stops the walk (-1 returned). -1 with *error_r
 * if env/ cannot be read; a missing env/ is an empty queue.
 */
int	queue_list(const char *queue_dir,
	    int (*fn)(const char *id, void *ctx), void *ctx,
	    const char **error_r);

/*
 * queue_cleanup - remove half-made entries older than QUEUE_ORPHAN_AGE
 * (older_than seconds, for tests): data files without an envelope that
 * nobody holds locked, and leftover temp files. Returns how many files
 * were removed, or -1 with *error_r.
 */
int	queue_cleanup(const char *queue_dir, int older_than,
	    const char **error_r);

/* queue_init - make queue_dir's subdirectories; 0, or -1 with *error_r */
int	queue_init(const char *queue_dir, const char **error_r);

#endif
