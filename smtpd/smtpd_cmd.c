/*
 * smtpd_cmd - the SMTP command table and its handlers.
 *
 * A row is verb, handler, the states the command is allowed in, flags.
 * smtpd_cmd_run() parses the line with smtp_parse_command() (its failures
 * get the replies smtp_parse_reply_for() gives), checks the state (503
 * 5.5.1 with what is missing), then runs the handler. Handlers check their
 * argument, then act; every state change goes through smtpd_set_state().
 *
 * DATA reads the message through the DATA decoder of smtp_parse.h, which
 * removes dot-stuffing and stops exactly at the end marker: bytes after it
 * (a pipelined next command) are put back for the command loop. The
 * message goes to the spool file as it arrives; the reply comes after the
 * end marker: 552 5.3.4 over smtpd_message_size_limit, 500 5.5.2 for a
 * line over smtpd_line_length_limit, 550 5.6.11 and a closed connection
 * for a bare LF or CR (unless smtpd_normalize_bare_newlines: a bare LF may
 * have ended the message where the sending MTA did not, and what follows
 * could be smuggled commands), else whatever delivery says (250
 * only once every copy is on stable storage). A timeout during DATA gets
 * 421 4.4.2 and ends the session; nothing is delivered.
 *
 * Logs: one line per recipient decision ("from=<> to=<> status=accepted"
 * or "status=rejected reply=..."); the delivery lines are
 * smtpd_deliver.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "msg.h"
#include "param_table.h"
#include "sbuf.h"
#include "smtp_parse.h"
#include "smtpd.h"
#include "stream.h"

/* Flags of a row. */
#define SMTPD_CMD_SYNC	(1u << 0)	/* pipelined input after it is dropped */

struct smtpd_cmd {
	enum smtp_verb verb;
	void	(*fn)(struct smtpd_session *, const struct smtp_command *);
	unsigned states;		/* SMTPD_STATE_* it is allowed in */
	unsigned flags;			/* SMTPD_CMD_* */
};

#define DATA_IN_SIZE	16384
#define DATA_OUT_SIZE	(2 * DATA_IN_SIZE)

/* ext_offered - the SMTP_EXT_* MAIL may use in this session */
static unsigned
ext_offered(const struct smtpd_session *sess)
{
	unsigned ext;

	if (!sess->esmtp)
		return (0);
	ext = SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_PIPELINING |
	    SMTP_EXT_ENHANCEDSTATUSCODES;
	if (smtpd_auth_offered(sess))
		ext |= SMTP_EXT_AUTH;
	return (ext);
}

/* reply_parse_error - the fixed reply for a parser's failure */
static void
reply_parse_error(struct smtpd_session *sess, enum smtp_verb verb,
    enum smtp_parse_status st)
{
	struct smtp_parse_reply r = smtp_parse_reply_for(verb, st);

	smtpd_reply(sess, r.code, r.enhanced, "%s", r.text);
}

/* cmd_helo - HELO domain */
static void
cmd_helo(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	struct smtp_helo helo;
	enum smtp_parse_status st;

	if ((st = smtp_parse_helo(cmd->arg, cmd->arg_len, &helo)) != 0) {
		reply_parse_error(sess, cmd->verb, st);
		return;
	}
	smtpd_txn_reset(sess);
	memcpy(sess->helo, helo.name, sizeof(sess->helo));
	sess->esmtp = 0;
	smtpd_set_state(sess, SMTPD_STATE_READY);
	smtpd_reply(sess, 250, NULL, "%s", var_myhostname);
}

/* cmd_ehlo - EHLO domain: the extensions */
static void
cmd_ehlo(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	struct smtp_helo helo;
	enum smtp_parse_status st;
	struct stream *s = sess->s;

	if ((st = smtp_parse_helo(cmd->arg, cmd->arg_len, &helo)) != 0) {
		reply_parse_error(sess, cmd->verb, st);
		return;
	}
	smtpd_txn_reset(sess);
	memcpy(sess->helo, helo.name, sizeof(sess->helo));
	sess->esmtp = 1;
	smtpd_set_state(sess, SMTPD_STATE_READY);
	(void)stream_printf(s, "250-%s\r\n", var_myhostname);
	(void)stream_puts(s, "250-PIPELINING\r\n");
	(void)stream_printf(s, "250-SIZE %llu\r\n",
	    (unsigned long long)var_smtpd_message_size_limit);
	if (sess->ctx->tls != NULL && !stream_is_tls(s))
		(void)stream_puts(s, "250-STARTTLS\r\n");
	if (smtpd_auth_offered(sess))
		(void)stream_puts(s, "250-AUTH PLAIN LOGIN\r\n");
	(void)stream_puts(s, "250-8BITMIME\r\n");
	(void)stream_puts(s, "250 ENHANCEDSTATUSCODES\r\n");
}

/* cmd_mail - MAIL FROM:<path> [SIZE= BODY= AUTH=] */
static void
cmd_mail(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	struct smtp_path path;
	struct smtp_params params;
	enum smtp_parse_status st;

	if (sess->ctx->kind != SMTPD_KIND_SMTP && sess->auth_user == NULL) {
		smtpd_reply(sess, 530, "5.7.0", "Authentication required");
		return;
	}
	st = smtp_parse_mail(cmd->arg, cmd->arg_len, ext_offered(sess),
	    &path, &params);
	if (st != SMTP_PARSE_OK) {
		reply_parse_error(sess, cmd->verb, st);
		return;
	}
	if ((params.seen & SMTP_PARAM_SIZE) &&
	    params.size > var_smtpd_message_size_limit) {
		reply_parse_error(sess, cmd->verb, SMTP_PARSE_MESSAGE_TOO_BIG);
		msg_info("from=<%s> status=rejected reply=\"552 5.3.4\" "
		    "size=%llu", log_safe(path.address),
		    (unsigned long long)params.size);
		return;
	}
	smtpd_txn_reset(sess);
	memcpy(sess->txn.sender, path.address, sizeof(sess->txn.sender));
	sess->txn.size = (params.seen & SMTP_PARAM_SIZE) ? params.size : 0;
	smtpd_set_state(sess, SMTPD_STATE_MAIL);
	smtpd_reply(sess, 250, "2.1.0", "Ok");
}

/* cmd_rcpt - RCPT TO:<path>: the per-recipient rules */
static void
cmd_rcpt(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	struct smtp_path path;
	struct smtp_params params;
	struct smtpd_verdict v;
	enum smtp_parse_status st;

	if (sess->txn.rcpts.n >= var_smtpd_recipient_limit) {
		smtpd_reply(sess, 452, "4.5.3", "Error: too many recipients");
		/* RFC 5321 4.5.3.1.10: normal, the client sends the rest later. */
		sess->errors--;
		return;
	}
	st = smtp_parse_rcpt(cmd->arg, cmd->arg_len, 0, &path, &params);
	if (st != SMTP_PARSE_OK) {
		reply_parse_error(sess, cmd->verb, st);
		return;
	}
	smtpd_check_rcpt(sess, &path, &v);
	msg_info("from=<%s> to=<%s> status=%s reply=\"%d %s\"%s%s",
	    log_safe(sess->txn.sender), log_safe(path.address), v.status,
	    v.code, v.enhanced, v.code >= 400 ? " text=" : "",
	    v.code >= 400 ? log_safe(v.text) : "");
	if (v.code == 250) {
		(void)smtpd_list_add(&sess->txn.rcpts, path.address);
		smtpd_set_state(sess, SMTPD_STATE_RCPT);
	}
	smtpd_reply(sess, v.code, v.enhanced, "%s", v.text);
}

/*
 * data_receive - read the message to its end marker into dv (which may be
 * NULL: read and drop). 0 at the end marker, -1 when the connection
 * failed (timeout: 421 said).
 */
static int
data_receive(struct smtpd_session *sess, struct smtpd_delivery *dv,
    struct smtp_data_decoder *dec, const char **write_error_r)
{
	char *in = xmalloc(DATA_IN_SIZE), *out = xmalloc(DATA_OUT_SIZE);
	size_t off, used, outlen;
	enum smtp_data_status ds = SMTP_DATA_MORE;
	ssize_t n;
	int ret = 0;

	stream_set_timeout(sess->s, var_smtpd_data_timeout);
	while (ds != SMTP_DATA_DONE) {
		if ((n = smtpd_read(sess, in, DATA_IN_SIZE)) <= 0) {
			if (stream_error(sess->s) == STREAM_TIMEOUT)
				smtpd_timeout_reply(sess);
			ret = -1;
			break;
		}
		off = 0;
		while (off < (size_t)n && ds != SMTP_DATA_DONE) {
			ds = smtp_data_decode(dec, in + off, (size_t)n - off,
			    out, DATA_OUT_SIZE, &used, &outlen);
			off += used;
			if (outlen > 0 && dv != NULL && *write_error_r == NULL)
				(void)smtpd_deliver_write(dv, out, outlen,
				    write_error_r);
		}
		if (ds == SMTP_DATA_DONE)
			smtpd_unread(sess, in + off, (size_t)n - off);
	}
	stream_set_timeout(sess->s, var_smtpd_timeout);
	free(in);
	free(out);
	return (ret);
}

/* cmd_data - DATA: receive, check, deliver, answer */
static void
cmd_data(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	struct smtp_data_decoder dec;
	struct smtpd_delivery *dv;
	struct smtpd_verdict v;
	const char *error = NULL;
	unsigned bad_nl = SMTP_DATA_BARE_LF | SMTP_DATA_BARE_CR;

	(void)cmd;
	if ((dv = smtpd_deliver_begin(sess, &error)) == NULL) {
		msg_warn("cannot start a delivery: %s", error);
		smtpd_reply(sess, 451, "4.3.0", "Error: cannot store the "
		    "message now, try again later");
		return;
	}
	smtpd_reply(sess, 354, NULL, "End data with <CR><LF>.<CR><LF>");
	/*
	 * The limit counts the message as sent; the line limit counts CR LF,
	 * as the parameter says.
	 */
	smtp_data_decoder_init(&dec, var_smtpd_message_size_limit,
	    (size_t)var_smtpd_line_length_limit);
	error = NULL;
	if (data_receive(sess, dv, &dec, &error) < 0) {
		msg_info("from=<%s> status=aborted reason=\"%s during DATA\" "
		    "size=%llu", log_safe(sess->txn.sender),
		    stream_reason(sess->s), (unsigned long long)dec.size);
		smtpd_deliver_abort(&dv);
		smtpd_txn_reset(sess);
		sess->quit = 2;
		return;
	}
	memset(&v, 0, sizeof(v));
	if (dec.flags & SMTP_DATA_TOO_BIG) {
		v.code = 552;
		v.enhanced = "5.3.4";
		snprintf(v.text, sizeof(v.text), "Error: message too big "
		    "(limit %llu bytes)",
		    (unsigned long long)var_smtpd_message_size_limit);
	} else if (dec.flags & SMTP_DATA_LINE_TOO_LONG) {
		v.code = 500;
		v.enhanced = "5.5.2";
		snprintf(v.text, sizeof(v.text), "Error: line too long "
		    "(limit %d bytes)", var_smtpd_line_length_limit);
	} else if ((dec.flags & bad_nl) && !var_smtpd_normalize_bare_newlines) {
		v.code = 550;
		v.enhanced = "5.6.11";
		snprintf(v.text, sizeof(v.text), "Error: bare %s received; "
		    "lines must end with <CR><LF>",
		    (dec.flags & SMTP_DATA_BARE_LF) ? "<LF>" : "<CR>");
	} else if (error != NULL) {
		msg_warn("cannot write the spool file: %s", error);
		v.code = 451;
		v.enhanced = "4.3.0";
		snprintf(v.text, sizeof(v.text), "Error: cannot store the "
		    "message now, try again later");
	}
	if (v.code != 0) {
		msg_info("from=<%s> status=rejected reply=\"%d %s\" size=%llu "
		    "nrcpt=%d", log_safe(sess->txn.sender), v.code, v.enhanced,
		    (unsigned long long)dec.size, sess->txn.rcpts.n);
		smtpd_deliver_abort(&dv);
		if (v.code == 550) {
			/*
			 * A bare LF may have ended the message early: what
			 * follows could be commands smuggled inside another
			 * MTA's message. Drop them and close.
			 */
			sbuf_reset(sess->pushback);
			sess->quit = 2;
		}
	} else {
		smtpd_deliver_finish(sess, &dv, dec.size, &v);
		if (v.code == 250) {
			sess->messages++;
			sess->rcpt_total += (unsigned long)sess->txn.rcpts.n;
		}
	}
	smtpd_txn_reset(sess);
	smtpd_reply(sess, v.code, v.enhanced, "%s", v.text);
}

/* cmd_bdat - BDAT: CHUNKING is not offered */
static void
cmd_bdat(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	(void)cmd;
	smtpd_reply(sess, 502, "5.5.1", "Error: BDAT not implemented "
	    "(CHUNKING is not offered)");
}

/* cmd_rset - RSET */
static void
cmd_rset(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	(void)cmd;
	smtpd_txn_reset(sess);
	smtpd_reply(sess, 250, "2.0.0", "Ok");
}

/* cmd_noop - NOOP (an argument is allowed and ignored, RFC 5321 4.1.1.9) */
static void
cmd_noop(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	(void)cmd;
	smtpd_reply(sess, 250, "2.0.0", "Ok");
}

/* cmd_quit - QUIT */
static void
cmd_quit(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	(void)cmd;
	smtpd_reply(sess, 221, "2.0.0", "Bye");
	sess->quit = 1;
}

/* cmd_vrfy - VRFY: tells nothing (RFC 5321 3.5.3) */
static void
cmd_vrfy(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	(void)cmd;
	smtpd_reply(sess, 252, "2.5.2", "Cannot VRFY user, but will accept "
	    "message and attempt delivery");
}

/* cmd_expn - EXPN: lists are not shown */
static void
cmd_expn(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	(void)cmd;
	smtpd_reply(sess, 502, "5.5.1", "Error: EXPN not available");
}

/* cmd_help - HELP */
static void
cmd_help(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	(void)cmd;
	smtpd_reply(sess, 214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA "
	    "RSET NOOP QUIT VRFY STARTTLS AUTH");
}

/*
 * cmd_starttls - STARTTLS (RFC 3207): the reply, the handshake, and a
 * fresh start: HELO, AUTH and anything the client pipelined after the
 * command are forgotten (section 4.2: it was not protected).
 */
static void
cmd_starttls(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	const char *error;

	(void)cmd;
	if (stream_is_tls(sess->s)) {
		smtpd_reply(sess, 503, "5.5.1", "Error: TLS already active");
		return;
	}
	if (sess->ctx->tls == NULL) {
		smtpd_reply(sess, 502, "5.5.1", "Error: STARTTLS not available");
		return;
	}
	smtpd_reply(sess, 220, "2.0.0", "Ready to start TLS");
	sbuf_reset(sess->pushback);
	if (stream_start_tls(sess->s, sess->ctx->tls, 1, NULL, &error) < 0) {
		msg_info("STARTTLS failed: %s", log_safe(error));
		sess->quit = 2;
		return;
	}
	msg_info("STARTTLS: %s", stream_tls_info(sess->s));
	smtpd_txn_reset(sess);
	sess->helo[0] = '\0';
	sess->esmtp = 0;
	free(sess->auth_user);
	sess->auth_user = NULL;
	smtpd_set_state(sess, SMTPD_STATE_INIT);
}

/* cmd_auth - AUTH mechanism [initial-response] */
static void
cmd_auth(struct smtpd_session *sess, const struct smtp_command *cmd)
{
	smtpd_auth_run(sess, cmd->arg, cmd->arg_len);
}

static const struct smtpd_cmd smtpd_cmds[] = {
	{ SMTP_VERB_HELO, cmd_helo, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_EHLO, cmd_ehlo, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_MAIL, cmd_mail, SMTPD_STATE_READY, 0 },
	{ SMTP_VERB_RCPT, cmd_rcpt, SMTPD_STATE_MAIL | SMTPD_STATE_RCPT, 0 },
	{ SMTP_VERB_DATA, cmd_data, SMTPD_STATE_RCPT, 0 },
	{ SMTP_VERB_BDAT, cmd_bdat, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_RSET, cmd_rset, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_NOOP, cmd_noop, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_QUIT, cmd_quit, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_VRFY, cmd_vrfy, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_EXPN, cmd_expn, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_HELP, cmd_help, SMTPD_STATE_ANY, 0 },
	{ SMTP_VERB_STARTTLS, cmd_starttls,
	    SMTPD_STATE_INIT | SMTPD_STATE_READY, SMTPD_CMD_SYNC },
	{ SMTP_VERB_AUTH, cmd_auth, SMTPD_STATE_READY, 0 },
	{ SMTP_VERB_NONE, NULL, 0, 0 },
};

/* bad_sequence - 503 (or 554) saying what must come first */
static void
bad_sequence(struct smtpd_session *sess, enum smtp_verb verb)
{
	if (sess->state == SMTPD_STATE_INIT && verb != SMTP_VERB_STARTTLS)
		smtpd_reply(sess, 503, "5.5.1", "Error: send HELO/EHLO first");
	else if (verb == SMTP_VERB_MAIL)
		smtpd_reply(sess, 503, "5.5.1", "Error: nested MAIL command");
	else if (verb == SMTP_VERB_DATA && sess->state == SMTPD_STATE_MAIL)
		smtpd_reply(sess, 554, "5.5.1", "Error: no valid recipients");
	else if (verb == SMTP_VERB_RCPT || verb == SMTP_VERB_DATA)
		smtpd_reply(sess, 503, "5.5.1", "Error: need MAIL command");
	else
		smtpd_reply(sess, 503, "5.5.1", "Error: %s not allowed during "
		    "a mail transaction", smtp_verb_name(verb));
}

/* smtpd_cmd_run - one command line */
void
smtpd_cmd_run(struct smtpd_session *sess, const char *line, size_t len)
{
	const struct smtpd_cmd *c;
	struct smtp_command cmd;
	enum smtp_parse_status st;

	st = smtp_parse_command(line, len, &cmd);
	if (cmd.verb != SMTP_VERB_AUTH)
		msg_debug("command %s", log_safe_n(line, len));
	if (st != SMTP_PARSE_OK) {
		if (cmd.verb == SMTP_VERB_NONE)
			msg_info("bad command: \"%s\" (%s)", log_safe_n(line,
			    len > 40 ? 40 : len), smtp_parse_status_name(st));
		reply_parse_error(sess, cmd.verb, st);
		return;
	}
	for (c = smtpd_cmds; c->fn != NULL; c++)
		if (c->verb == cmd.verb)
			break;
	if (c->fn == NULL)
		msg_panic("smtpd_cmd_run: no handler for verb %d", cmd.verb);
	if ((c->states & sess->state) == 0) {
		bad_sequence(sess, cmd.verb);
		return;
	}
	if ((c->flags & SMTPD_CMD_SYNC) && smtpd_input_pending(sess))
		msg_info("%s: input pipelined after it is dropped (RFC 3207 "
		    "4.2)", smtp_verb_name(cmd.verb));
	c->fn(sess, &cmd);
}
