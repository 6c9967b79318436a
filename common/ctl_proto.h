/*
 * ctl_proto - the control protocol between estuaryctl and admind.
 *
 * Transport: a stream UNIX socket (control_socket, created by the master,
 * mode 0660, group admin_group) carrying ipc messages (ipc.h). Both sides
 * first exchange a hello with protocol CTL_PROTOCOL and version
 * CTL_VERSION; another major version closes the connection.
 *
 * The server checks the peer's credentials before it reads a request:
 * root, the server's own user (a master run by an unprivileged user), or a
 * member of admin_group. Anyone else gets one {status=error, error=
 * "permission denied"} and the connection is closed.
 *
 * Then, any number of times until the client closes:
 *
 *	client:	{request=VERB, ARG=VALUE...}
 *	server:	{record=KIND, FIELD=VALUE...}	zero or more
 *		{status=ok} or {status=error, error=TEXT}
 *
 * The final message always comes, even after records (an error in the
 * middle of a listing follows the records already sent). Error texts are
 * for an administrator and name what was wrong ("unknown key 'x' for a
 * domain", "domain example.org has users"). Values obey ipc.h's limits
 * (name 64 bytes, value 4 KiB, 256 attributes per message); each request
 * is bounded by control_timeout, for reading it and for writing the
 * answer.
 *
 * Verbs and their arguments (repeated attributes are marked ...):
 *
 *	status				records: master, then one service each
 *	reload				forwarded to the master
 *	stop				forwarded to the master
 *	config [all=yes]		records: param (set and not default;
 *					every parameter with all=yes)
 *	domain-add name [set...]	domain-list	domain-show name
 *	domain-set name set...		domain-del name
 *	user-add address (password | set=password_hash=HASH) [set...]
 *	user-list [domain]		user-show address
 *	user-set address set...		user-del address
 *	user-passwd address (password | password_hash)
 *	alias-add address target...	alias-list [domain]
 *	alias-del address [target]
 *	queue-list			records: queue, one per entry
 *	queue-show id			record: queue
 *	queue-flush			wakes the relay: deliver all pending
 *	queue-delete id			removes an entry (not while the relay
 *					is delivering it)
 *
 * "set" values are "key=value". Domain keys: state=active|inactive|
 * deleted, services=LIST|all|none, admin=ADDR, postmaster=ADDR (empty
 * clears), quota=SIZE (k, M, G; 0 = none), quota_messages=N. User keys:
 * state, quota, quota_messages, password_hash. "password" holds the
 * plaintext: the server hashes it with the default scheme and wipes it;
 * it is never logged nor stored. "password_hash" is an existing
 * "{SCHEME}hash" (bulk imports from password files), checked before it is
 * stored.
 *
 * Records carry raw values: numbers in decimal, times as seconds since the
 * epoch (0 = never), quotas in bytes (0 = none or the domain's default),
 * lists as repeated attributes. A user record shows the password's scheme
 * only (password_scheme), never the hash.
 */
#ifndef CTL_PROTO_H
#define CTL_PROTO_H

#define CTL_PROTOCOL		"estuary-control"
#define CTL_VERSION		"1.0"

/* Requests (the value of IPC_ATTR_REQUEST). */
#define CTL_REQ_STATUS		"status"
#define CTL_REQ_RELOAD		"reload"
#define CTL_REQ_STOP		"stop"
#define CTL_REQ_CONFIG		"config"
#define CTL_REQ_DOMAIN_ADD	"domain-add"
#define CTL_REQ_DOMAIN_LIST	"domain-list"
#define CTL_REQ_DOMAIN_SHOW	"domain-show"
#define CTL_REQ_DOMAIN_SET	"domain-set"
#define CTL_REQ_DOMAIN_DEL	"domain-del"
#define CTL_REQ_USER_ADD	"user-add"
#define CTL_REQ_USER_LIST	"user-list"
#define CTL_REQ_USER_SHOW	"user-show"
#define CTL_REQ_USER_SET	"user-set"
#define CTL_REQ_USER_PASSWD	"user-passwd"
#define CTL_REQ_USER_DEL	"user-del"
#define CTL_REQ_ALIAS_ADD	"alias-add"
#define CTL_REQ_ALIAS_LIST	"alias-list"
#define CTL_REQ_ALIAS_DEL	"alias-del"
#define CTL_REQ_QUEUE_LIST	"queue-list"
#define CTL_REQ_QUEUE_SHOW	"queue-show"
#define CTL_REQ_QUEUE_FLUSH	"queue-flush"
#define CTL_REQ_QUEUE_DELETE	"queue-delete"

/* Request arguments. */
#define CTL_ATTR_NAME		"name"		/* a domain */
#define CTL_ATTR_ADDRESS	"address"	/* a user or an alias */
#define CTL_ATTR_DOMAIN		"domain"	/* list filter */
#define CTL_ATTR_SET		"set"		/* "key=value", repeated */
#define CTL_ATTR_TARGET		"target"	/* alias target, repeated */
#define CTL_ATTR_PASSWORD	"password"	/* plaintext, wiped after use */
#define CTL_ATTR_PASSWORD_HASH	"password_hash"	/* "{SCHEME}hash" */
#define CTL_ATTR_ALL		"all"		/* config: "yes" */
#define CTL_ATTR_ID		"id"		/* a queue id */

/* Replies: records, then IPC_ATTR_STATUS (and IPC_ATTR_ERROR). */
#define CTL_ATTR_RECORD		"record"
#define CTL_REC_DOMAIN		"domain"
#define CTL_REC_USER		"user"
#define CTL_REC_ALIAS		"alias"
#define CTL_REC_SERVICE		"service"	/* master_proto.h's fields */
#define CTL_REC_PARAM		"param"
#define CTL_REC_MASTER		"master"	/* master_pid, uptime, ... */
#define CTL_REC_QUEUE		"queue"		/* one queue entry */

#define CTL_STATUS_OK		"ok"
#define CTL_STATUS_ERROR	"error"

/* Settable keys ("set" attribute). */
#define CTL_KEY_STATE		"state"
#define CTL_KEY_SERVICES	"services"
#define CTL_KEY_ADMIN		"admin"
#define CTL_KEY_POSTMASTER	"postmaster"
#define CTL_KEY_QUOTA		"quota"
#define CTL_KEY_QUOTA_MESSAGES	"quota_messages"
#define CTL_KEY_PASSWORD_HASH	"password_hash"
#define CTL_KEY_APOP		"apop"		/* user: APOP secret; "" clears */

/* Record fields, besides the settable keys above. */
#define CTL_FIELD_NAME		"name"
#define CTL_FIELD_ADDRESS	"address"
#define CTL_FIELD_DOMAIN	"domain"
#define CTL_FIELD_CREATED	"created"	/* epoch seconds */
#define CTL_FIELD_LAST_LOGIN	"last_login"	/* epoch seconds; 0 = never */
#define CTL_FIELD_USERS		"users"		/* domain-show: user count */
#define CTL_FIELD_PASSWORD_SCHEME "password_scheme"	/* "" = none */
#define CTL_FIELD_APOP		"apop"		/* user: "yes" or "no" */
#define CTL_FIELD_TARGET	"target"	/* alias, repeated */
#define CTL_FIELD_VALUE		"value"		/* param */
#define CTL_FIELD_DEFAULT	"default"	/* param, as written */
#define CTL_FIELD_DOC		"doc"		/* param */
/*
 * Queue entries: id, arrival (epoch), sender ("" = null sender), size
 * (bytes), envid, client, auth, error (an unreadable entry: nothing else
 * but id), and per recipient, in parallel repeated attributes: rcpt,
 * rcpt_state (pending, sent, failed), rcpt_attempts, rcpt_next_try
 * (epoch, 0 = now), rcpt_status ("" = none), rcpt_error (the last one).
 * rcpts is the recipient count (a record carries at most
 * CTL_QUEUE_RCPTS_MAX of them).
 */
#define CTL_QUEUE_RCPTS_MAX	40
#define CTL_FIELD_ID		"id"
#define CTL_FIELD_ARRIVAL	"arrival"
#define CTL_FIELD_SENDER	"sender"
#define CTL_FIELD_SIZE		"size"
#define CTL_FIELD_ENVID		"envid"
#define CTL_FIELD_CLIENT	"client"
#define CTL_FIELD_AUTH		"auth"
#define CTL_FIELD_ERROR		"error"
#define CTL_FIELD_RCPTS		"rcpts"
#define CTL_FIELD_RCPT		"rcpt"
#define CTL_FIELD_RCPT_STATE	"rcpt_state"
#define CTL_FIELD_RCPT_ATTEMPTS	"rcpt_attempts"
#define CTL_FIELD_RCPT_NEXT_TRY	"rcpt_next_try"
#define CTL_FIELD_RCPT_STATUS	"rcpt_status"
#define CTL_FIELD_RCPT_ERROR	"rcpt_error"

/* The error text for a refused peer. */
#define CTL_ERROR_DENIED	"permission denied"

#endif
