/*
 * imapd_cmd - the IMAP command table, dispatch, and the small commands
 * (CAPABILITY, LOGOUT, CHECK, NAMESPACE, ID, ENABLE).
 *
 * A row gives the verb, its handler, the states it is allowed in and
 * flags. imapd_cmd_run() finds the row (UID picks its subcommand and
 * passes uid = 1), checks the state, and calls the handler with the
 * arguments; an unknown or out-of-state command is answered BAD and
 * counts towards imapd_bad_command_limit. In the SELECTED state changes
 * made by other sessions are reported before the tagged reply
 * (imapd_tagged), except after commands that must not send them: FETCH,
 * STORE and SEARCH by sequence number may not be followed by EXPUNGE
 * (RFC 3501 section 7.4.1), so their expunges wait for the next command.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imapd.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "store.h"
#include "stream.h"

#define S_NA	IMAPD_NOT_AUTHENTICATED
#define S_AUTH	(IMAPD_AUTHENTICATED | IMAPD_SELECTED)
#define S_SEL	IMAPD_SELECTED
#define S_ANY	(S_NA | S_AUTH)

struct imapd_cmd {
	const char *verb;
	imapd_cmd_fn fn;
	unsigned states;
	unsigned flags;
};

static void cmd_capability(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
static void cmd_logout(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
static void cmd_check(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
static void cmd_namespace(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
static void cmd_id(struct imapd_session *, const struct imap_arg *,
	    size_t, int);
static void cmd_enable(struct imapd_session *, const struct imap_arg *,
	    size_t, int);

static const struct imapd_cmd cmd_table[] = {
	{ "CAPABILITY", cmd_capability, S_ANY, 0 },
	{ "NOOP", imapd_cmd_noop, S_ANY, 0 },
	{ "LOGOUT", cmd_logout, S_ANY, IMAPD_CMD_NOUPDATE },
	{ "ID", cmd_id, S_ANY, 0 },
	{ "STARTTLS", imapd_cmd_starttls, S_NA, 0 },
	{ "AUTHENTICATE", imapd_cmd_authenticate, S_NA, 0 },
	{ "LOGIN", imapd_cmd_login, S_NA, 0 },
	{ "ENABLE", cmd_enable, S_AUTH, 0 },
	{ "SELECT", imapd_cmd_select, S_AUTH, IMAPD_CMD_NOUPDATE },
	{ "EXAMINE", imapd_cmd_select, S_AUTH, IMAPD_CMD_NOUPDATE },
	{ "CREATE", imapd_cmd_create, S_AUTH, 0 },
	{ "DELETE", imapd_cmd_delete, S_AUTH, 0 },
	{ "RENAME", imapd_cmd_rename, S_AUTH, 0 },
	{ "SUBSCRIBE", imapd_cmd_subscribe, S_AUTH, 0 },
	{ "UNSUBSCRIBE", imapd_cmd_subscribe, S_AUTH, 0 },
	{ "LIST", imapd_cmd_list, S_AUTH, 0 },
	{ "LSUB", imapd_cmd_list, S_AUTH, 0 },
	{ "STATUS", imapd_cmd_status, S_AUTH, 0 },
	{ "APPEND", imapd_cmd_append, S_AUTH, 0 },
	{ "NAMESPACE", cmd_namespace, S_AUTH, 0 },
	{ "GETQUOTA", imapd_cmd_getquota, S_AUTH, 0 },
	{ "GETQUOTAROOT", imapd_cmd_getquota, S_AUTH, 0 },
	{ "SETQUOTA", imapd_cmd_getquota, S_AUTH, 0 },
	{ "IDLE", imapd_cmd_idle, S_AUTH, 0 },
	{ "CHECK", cmd_check, S_SEL, 0 },
	{ "CLOSE", imapd_cmd_close, S_SEL, IMAPD_CMD_NOUPDATE },
	{ "UNSELECT", imapd_cmd_unselect, S_SEL, IMAPD_CMD_NOUPDATE },
	{ "EXPUNGE", imapd_cmd_expunge, S_SEL, 0 },
	{ "SEARCH", imapd_cmd_search, S_SEL, IMAPD_CMD_NOEXPUNGE },
	{ "FETCH", imapd_cmd_fetch, S_SEL, IMAPD_CMD_NOEXPUNGE },
	{ "STORE", imapd_cmd_store, S_SEL, IMAPD_CMD_NOEXPUNGE },
	{ "COPY", imapd_cmd_copy, S_SEL, 0 },
	{ "MOVE", imapd_cmd_move, S_SEL, 0 },
};

/* Commands UID may prefix. */
static const char *const uid_cmds[] = {
	"FETCH", "SEARCH", "STORE", "COPY", "MOVE", "EXPUNGE",
};

/* imapd_capability - the list for the current state */
void
imapd_capability(struct imapd_session *sess, struct sbuf *out)
{
	(void)sbuf_appends(out, "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE IDLE "
	    "NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE CONDSTORE "
	    "QUOTA");
	if (sess->state != IMAPD_NOT_AUTHENTICATED)
		return;
	if (sess->ctx->tls != NULL && !stream_is_tls(sess->s))
		(void)sbuf_appends(out, " STARTTLS");
	if (stream_is_tls(sess->s) || var_imapd_plaintext_auth)
		(void)sbuf_appends(out, " AUTH=PLAIN");
	else
		(void)sbuf_appends(out, " LOGINDISABLED");
}

/* find - the table row for a verb */
static const struct imapd_cmd *
find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcasecmp(cmd_table[i].verb, name) == 0)
			return (&cmd_table[i]);
	return (NULL);
}

/* imapd_cmd_run - dispatch one command */
void
imapd_cmd_run(struct imapd_session *sess, const char *tag, const char *name,
    const struct imap_arg *args, size_t count)
{
	const struct imapd_cmd *c;
	int uid = 0;
	size_t i;

	sess->tag = tag;
	sess->update_ok = 0;
	msg_debug("command %s", log_safe(name));
	if (strcasecmp(name, "UID") == 0) {
		if (count == 0 || args[0].type != IMAP_ARG_ATOM) {
			imapd_bad(sess, "UID: missing command");
			return;
		}
		for (i = 0; i < sizeof(uid_cmds) / sizeof(uid_cmds[0]); i++)
			if (strcasecmp(args[0].str, uid_cmds[i]) == 0)
				break;
		if (i == sizeof(uid_cmds) / sizeof(uid_cmds[0])) {
			imapd_bad(sess, "UID: unknown command");
			return;
		}
		name = args[0].str;
		args++;
		count--;
		uid = 1;
	}
	if ((c = find(name)) == NULL) {
		imapd_bad(sess, "Unknown command");
		return;
	}
	if ((c->states & sess->state) == 0) {
		imapd_bad(sess, "Command not allowed in the %s state",
		    imapd_state_name(sess->state));
		return;
	}
	if (count == 0)
		args = NULL;
	sess->update_ok = !(c->flags & IMAPD_CMD_NOUPDATE);
	sess->no_expunge = !uid && (c->flags & IMAPD_CMD_NOEXPUNGE);
	c->fn(sess, args, count, uid);
	sess->update_ok = 0;
	sess->no_expunge = 0;
}

/* cmd_capability - the list */
static void
cmd_capability(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	struct sbuf *caps;

	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "CAPABILITY takes no arguments");
		return;
	}
	caps = sbuf_new(0);
	imapd_capability(sess, caps);
	imapd_untagged(sess, "CAPABILITY %s", sbuf_str(caps));
	sbuf_free(&caps);
	imapd_tagged(sess, "OK", "CAPABILITY completed");
}

/* cmd_logout - BYE, OK, close */
static void
cmd_logout(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "LOGOUT takes no arguments");
		return;
	}
	imapd_untagged(sess, "BYE Estuary IMAP server logging out");
	imapd_mailbox_close(sess);
	imapd_set_state(sess, IMAPD_LOGOUT);
	imapd_tagged(sess, "OK", "LOGOUT completed");
	sess->quit = 1;
	sess->end_reason = "logout";
}

/* cmd_check - a sync point; the store is always durable */
static void
cmd_check(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "CHECK takes no arguments");
		return;
	}
	imapd_mailbox_update(sess, 1);
	imapd_tagged(sess, "OK", "CHECK completed");
}

/* cmd_namespace - one personal namespace, "/" delimited */
static void
cmd_namespace(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	(void)args;
	(void)uid;
	if (count != 0) {
		imapd_bad(sess, "NAMESPACE takes no arguments");
		return;
	}
	imapd_untagged(sess, "NAMESPACE ((\"\" \"%c\")) NIL NIL", IMAPD_DELIM);
	imapd_tagged(sess, "OK", "NAMESPACE completed");
}

/* cmd_id - RFC 2971: NIL or a list of string pairs */
static void
cmd_id(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	(void)uid;
	if (count != 1 || (args[0].type != IMAP_ARG_NIL &&
	    (args[0].type != IMAP_ARG_LIST || args[0].count % 2 != 0 ||
	    args[0].count > 60))) {
		imapd_bad(sess, "ID: want NIL or a list of field-value pairs");
		return;
	}
	imapd_untagged(sess, "ID (\"name\" \"Estuary\" \"vendor\" "
	    "\"Estuary\" \"version\" \"%s\")", PACKAGE_VERSION);
	imapd_tagged(sess, "OK", "ID completed");
}

/* cmd_enable - RFC 5161: only CONDSTORE is known */
static void
cmd_enable(struct imapd_session *sess, const struct imap_arg *args,
    size_t count, int uid)
{
	int cs = 0;
	size_t i;

	(void)uid;
	if (count == 0) {
		imapd_bad(sess, "ENABLE: missing capability");
		return;
	}
	for (i = 0; i < count; i++) {
		if (args[i].type != IMAP_ARG_ATOM) {
			imapd_bad(sess, "ENABLE: capabilities are atoms");
			return;
		}
		if (imap_arg_atom_eq(&args[i], "CONDSTORE"))
			cs = 1;
	}
	if (cs && !sess->condstore) {
		sess->condstore = 1;
		imapd_untagged(sess, "ENABLED CONDSTORE");
	} else {
		imapd_untagged(sess, "ENABLED");
	}
	imapd_tagged(sess, "OK", "ENABLE completed");
}
