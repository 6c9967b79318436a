/*
 * smtp_parse - the SMTP protocol parsers shared by smtpd and the relay
 * client: command lines, paths and ESMTP parameters, EHLO/HELO names, AUTH
 * and its SASL PLAIN message, server replies, and the DATA body in both
 * directions.
 *
 * Every function is pure: it reads (const char *, size_t) input, writes
 * only what the caller passes in, keeps no globals, does no I/O and never
 * logs, so t/check_smtp_parse.c and t/fuzz/fuzz_smtp_parse.c drive it
 * directly. Input is never trusted: every length is bounded by a constant
 * below, fixed buffers are filled only after their bound is checked, and
 * output strings are always NUL-terminated (a failed call leaves them "").
 * Command parsers return an enum smtp_parse_status; smtp_parse_reply_for()
 * turns each failure into the reply a server sends (RFC 5321 codes with
 * RFC 3463 enhanced codes), so smtpd holds no reply texts of its own for
 * syntax errors.
 *
 * Command lines arrive without their CR LF (common/stream.c strips it and
 * answers over-long lines itself). A line is the verb, blanks, and an
 * argument; trailing blanks are ignored, as many clients send them. Paths
 * follow RFC 5321 section 4.1.2 strictly inside the angle brackets: a
 * dot-string or quoted-string local part, a domain of LDH labels or an
 * address literal ([IPv4] or [IPv6:...]; other tags are refused, as none is
 * registered), source routes accepted and dropped (section 4.1.1.3 and
 * appendix C), "<>" only as a sender, "<postmaster>" only as a recipient.
 * Blanks after "FROM:" or "TO:" are tolerated (many clients send one); a
 * path without angle brackets is not. 8-bit bytes in a path must be
 * well-formed UTF-8 and are accepted only in an SMTPUTF8 transaction
 * (RFC 6531).
 *
 * The DATA decoder is a state machine fed bytes as they arrive: it removes
 * dot-stuffing, normalises bare LF line ends to CR LF, stops at the end
 * marker, and never consumes a byte after it (a pipelined command). Feeding
 * it a byte at a time gives exactly what one call with everything gives.
 * For clients that send bare LFs it also takes "." as the end marker when
 * a bare LF ends that line or the one before, and says so in
 * SMTP_DATA_BARE_LF: a server that must not disagree with other MTAs
 * about where a message ends (the "SMTP smuggling" attacks) refuses
 * messages with that flag.
 *
 * The base64 and SASL PLAIN helpers are named sasl_ because POP3 and IMAP
 * will need them too; they move to a sasl module when a second protocol
 * uses them.
 */
#ifndef SMTP_PARSE_H
#define SMTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

/* RFC 5321 section 4.5.3.1 limits, in octets. */
#define SMTP_LOCAL_MAX		64	/* local part, as sent (quotes too) */
#define SMTP_DOMAIN_MAX		255	/* domain or address literal */
#define SMTP_PATH_MAX		256	/* "<" to ">" inclusive, routes too */
#define SMTP_ADDRESS_MAX	(SMTP_PATH_MAX - 2)	/* local@domain */
#define SMTP_LABEL_MAX		63	/* one domain label (RFC 1035) */
#define SMTP_TEXT_LINE_MAX	1000	/* a DATA line with its CR LF */

/* Other bounds on what a peer sends. */
#define SMTP_PARAMS_MAX		16	/* ESMTP parameters per MAIL or RCPT */
#define SMTP_ENVID_MAX		100	/* ENVID, decoded (RFC 3461 4.4) */
#define SMTP_ORCPT_MAX		500	/* ORCPT address (RFC 3461 4.2) */
#define SMTP_ADDR_TYPE_MAX	32	/* ORCPT address type ("rfc822") */
#define SMTP_AUTH_PARAM_MAX	SMTP_PATH_MAX	/* MAIL AUTH=, decoded */
#define SMTP_MECH_MAX		20	/* SASL mechanism name (RFC 4422) */

/* Verbs. SMTP_VERB_NONE is "not recognised". */
enum smtp_verb {
	SMTP_VERB_NONE = 0,
	SMTP_VERB_HELO,
	SMTP_VERB_EHLO,
	SMTP_VERB_MAIL,
	SMTP_VERB_RCPT,
	SMTP_VERB_DATA,
	SMTP_VERB_BDAT,
	SMTP_VERB_RSET,
	SMTP_VERB_NOOP,
	SMTP_VERB_QUIT,
	SMTP_VERB_VRFY,
	SMTP_VERB_EXPN,
	SMTP_VERB_HELP,
	SMTP_VERB_STARTTLS,
	SMTP_VERB_AUTH,
};

/*
 * Results of the command parsers. The comment gives the reply that
 * smtp_parse_reply_for() returns; "syntax" is the verb's usage text
 * ("Syntax: MAIL FROM:<address> [parameters]").
 */
enum smtp_parse_status {
	SMTP_PARSE_OK = 0,
	SMTP_PARSE_EMPTY,		/* 500 5.5.2 empty or blank line */
	SMTP_PARSE_BAD_CHAR,		/* 500 5.5.2 control character */
	SMTP_PARSE_UNKNOWN_COMMAND,	/* 500 5.5.2 */
	SMTP_PARSE_NO_ARGUMENT,		/* 501 5.5.4 syntax */
	SMTP_PARSE_EXTRA_ARGUMENT,	/* 501 5.5.4 syntax */
	SMTP_PARSE_BAD_ARGUMENT,	/* 501 5.5.4 syntax */
	SMTP_PARSE_NO_DOMAIN,		/* 501 5.5.2 syntax (HELO, EHLO) */
	SMTP_PARSE_BAD_DOMAIN,		/* 501 5.5.2 (HELO, EHLO) */
	SMTP_PARSE_BAD_PATH,		/* 501 5.5.4 syntax: no FROM:<...> */
	SMTP_PARSE_BAD_ADDRESS,		/* MAIL 501 5.1.7, RCPT 553 5.1.3 */
	SMTP_PARSE_NULL_RECIPIENT,	/* 553 5.1.3 RCPT TO:<> */
	SMTP_PARSE_LOCAL_TOO_LONG,	/* MAIL 501 5.1.7, RCPT 501 5.1.3 */
	SMTP_PARSE_DOMAIN_TOO_LONG,	/* same; HELO, EHLO 501 5.5.2 */
	SMTP_PARSE_PATH_TOO_LONG,	/* MAIL 501 5.1.7, RCPT 501 5.1.3 */
	SMTP_PARSE_NON_ASCII,		/* 553 5.6.7 8-bit path, no SMTPUTF8 */
	SMTP_PARSE_BAD_PARAM,		/* 501 5.5.4 not keyword[=value] */
	SMTP_PARSE_UNKNOWN_PARAM,	/* 555 5.5.4 unknown or not offered */
	SMTP_PARSE_DUPLICATE_PARAM,	/* 501 5.5.4 */
	SMTP_PARSE_TOO_MANY_PARAMS,	/* 501 5.5.4 over SMTP_PARAMS_MAX */
	SMTP_PARSE_BAD_PARAM_VALUE,	/* 501 5.5.4 SIZE=x, BODY=x, ... */
	SMTP_PARSE_PARAM_TOO_LONG,	/* 501 5.5.4 value over its bound */
	SMTP_PARSE_BAD_BASE64,		/* 501 5.5.2 (RFC 4954) */
	SMTP_PARSE_AUTH_CANCELLED,	/* 501 5.0.0 client sent "*" */
	SMTP_PARSE_RESPONSE_TOO_LONG,	/* 500 5.5.6 decoded over buffer */
	/* Never returned by a parser; here so their replies live here too. */
	SMTP_PARSE_LINE_TOO_LONG,	/* 500 5.5.6 stream said too long */
	SMTP_PARSE_MESSAGE_TOO_BIG,	/* 552 5.3.4 SIZE= or DATA too big */
};

/*
 * Extensions a server offers (the flags argument of smtp_parse_mail() and
 * smtp_parse_rcpt()) or a server's EHLO reply announced (struct
 * smtp_ehlo). A parameter whose extension is not offered is unknown.
 */
#define SMTP_EXT_SIZE		(1u << 0)	/* RFC 1870 */
#define SMTP_EXT_8BITMIME	(1u << 1)	/* RFC 6152: BODY= */
#define SMTP_EXT_BINARYMIME	(1u << 2)	/* RFC 3030: BODY=BINARYMIME */
#define SMTP_EXT_CHUNKING	(1u << 3)	/* RFC 3030: BDAT */
#define SMTP_EXT_DSN		(1u << 4)	/* RFC 3461: RET, ENVID, ... */
#define SMTP_EXT_AUTH		(1u << 5)	/* RFC 4954: AUTH, MAIL AUTH= */
#define SMTP_EXT_SMTPUTF8	(1u << 6)	/* RFC 6531 */
#define SMTP_EXT_PIPELINING	(1u << 7)	/* RFC 2920 */
#define SMTP_EXT_STARTTLS	(1u << 8)	/* RFC 3207 */
#define SMTP_EXT_ENHANCEDSTATUSCODES (1u << 9)	/* RFC 2034 */
/* For smtp_parse_rcpt(): the transaction's MAIL carried SMTPUTF8. */
#define SMTP_TXN_UTF8		(1u << 16)

/* One command line, split. */
struct smtp_command {
	enum smtp_verb verb;
	const char *arg;		/* into the line, not NUL-terminated */
	size_t	arg_len;		/* 0: no argument */
};

/* struct smtp_path flags */
#define SMTP_PATH_NULL		(1u << 0)	/* "<>" */
#define SMTP_PATH_POSTMASTER	(1u << 1)	/* "<postmaster>", no domain */
#define SMTP_PATH_QUOTED	(1u << 2)	/* address has "local"@ */
#define SMTP_PATH_LITERAL	(1u << 3)	/* domain is [literal] */
#define SMTP_PATH_ROUTE		(1u << 4)	/* a source route was dropped */
#define SMTP_PATH_UTF8		(1u << 5)	/* holds UTF-8 (SMTPUTF8) */

/*
 * A reverse-path or forward-path. local is the local part with quoting
 * undone ("john doe"), for lookups; domain is as sent (case kept, an
 * address literal with its brackets); address is local@domain as it should
 * be stored and passed on: the local part bare when it is a dot-string,
 * else quoted with only '"' and '\' escaped, so `"john"@x` becomes john@x
 * and `"john doe"@x` stays quoted. All three are "" for "<>"; for
 * "<postmaster>" domain is "" and local and address hold it as sent.
 */
struct smtp_path {
	char	local[SMTP_LOCAL_MAX + 1];
	char	domain[SMTP_DOMAIN_MAX + 1];
	char	address[SMTP_ADDRESS_MAX + 1];
	unsigned int flags;		/* SMTP_PATH_* */
};

/* struct smtp_params seen bits, one per parameter */
#define SMTP_PARAM_SIZE		(1u << 0)
#define SMTP_PARAM_BODY		(1u << 1)
#define SMTP_PARAM_AUTH		(1u << 2)
#define SMTP_PARAM_RET		(1u << 3)
#define SMTP_PARAM_ENVID	(1u << 4)
#define SMTP_PARAM_SMTPUTF8	(1u << 5)
#define SMTP_PARAM_NOTIFY	(1u << 6)
#define SMTP_PARAM_ORCPT	(1u << 7)

enum smtp_body {
	SMTP_BODY_NONE = 0,		/* no BODY= */
	SMTP_BODY_7BIT,
	SMTP_BODY_8BITMIME,
	SMTP_BODY_BINARYMIME,
};

enum smtp_ret {
	SMTP_RET_NONE = 0,		/* no RET= */
	SMTP_RET_FULL,
	SMTP_RET_HDRS,
};

/* NOTIFY= bits; NEVER comes alone */
#define SMTP_NOTIFY_NEVER	(1u << 0)
#define SMTP_NOTIFY_SUCCESS	(1u << 1)
#define SMTP_NOTIFY_FAILURE	(1u << 2)
#define SMTP_NOTIFY_DELAY	(1u << 3)

/*
 * The ESMTP parameters of one MAIL or RCPT, each at most once; fields of
 * parameters not in seen are zero or "". Keywords and the values of BODY,
 * RET and NOTIFY are case-insensitive. xtext values (ENVID, AUTH, an
 * rfc822 ORCPT) are stored decoded; another ORCPT type keeps its value as
 * sent, for passing on.
 */
struct smtp_params {
	unsigned int seen;		/* SMTP_PARAM_* */
	uint64_t size;			/* SIZE=; UINT64_MAX if over 2^64-1 */
	enum smtp_body body;
	enum smtp_ret ret;
	unsigned int notify;		/* SMTP_NOTIFY_* */
	char	envid[SMTP_ENVID_MAX + 1];
	char	auth[SMTP_AUTH_PARAM_MAX + 1];	/* "<>" or a mailbox */
	char	orcpt_type[SMTP_ADDR_TYPE_MAX + 1];	/* as sent */
	char	orcpt[SMTP_ORCPT_MAX + 1];
};

/* What HELO or EHLO named. */
enum smtp_helo_kind {
	SMTP_HELO_DOMAIN,		/* RFC 5321 Domain */
	SMTP_HELO_LITERAL,		/* address literal */
	SMTP_HELO_OTHER,		/* printable, but neither */
};

struct smtp_helo {
	char	name[SMTP_DOMAIN_MAX + 1];	/* as sent */
	enum smtp_helo_kind kind;
};

/* AUTH mechanism [initial-response] */
struct smtp_auth {
	char	mech[SMTP_MECH_MAX + 1];	/* upper-cased */
	int	has_response;		/* an initial response was sent */
	const char *response;		/* into the argument, base64 or "=" */
	size_t	response_len;
};

/* A reply to a command, as an error for the client. */
struct smtp_parse_reply {
	int	code;			/* 500, 501, 553, ...; 0 for OK */
	const char *enhanced;		/* "5.5.4"; "" for OK */
	const char *text;		/* "Syntax error in parameters" */
};

/*
 * smtp_parse_command - split a command line (without CR LF) into its verb
 * and argument. The verb is matched case-insensitively; blanks (SP, HTAB)
 * between verb and argument and after the argument are skipped. Fails with
 * EMPTY for a line of blanks, BAD_CHAR for any control byte but HTAB (NUL,
 * bare CR, DEL, ...), UNKNOWN_COMMAND (verb SMTP_VERB_NONE), EXTRA_ARGUMENT
 * for DATA, RSET, QUIT or STARTTLS with an argument, NO_DOMAIN for HELO or
 * EHLO without one, NO_ARGUMENT for MAIL, RCPT, VRFY, EXPN, BDAT or AUTH
 * without one. cmd->verb is set whenever the verb was recognised, also on
 * failure, so the reply can name it.
 */
enum smtp_parse_status smtp_parse_command(const char *line, size_t len,
	    struct smtp_command *cmd);

/* smtp_verb_name - "MAIL" for SMTP_VERB_MAIL; "" for SMTP_VERB_NONE */
const char *smtp_verb_name(enum smtp_verb verb);

/*
 * smtp_parse_status_name - a short fixed name for a status, for logs and
 * test messages: "bad-address", "unknown-param", ...
 */
const char *smtp_parse_status_name(enum smtp_parse_status st);

/*
 * smtp_parse_reply_for - the reply a server sends when a command with verb
 * failed with st. Texts are fixed (never peer text), so they are safe to
 * send and log. For SMTP_PARSE_OK the code is 0 and the texts "".
 */
struct smtp_parse_reply smtp_parse_reply_for(enum smtp_verb verb,
	    enum smtp_parse_status st);

/*
 * smtp_parse_mail - parse the argument of MAIL ("FROM:<path> params") into
 * path and params (both always written). flags are the SMTP_EXT_* the
 * server offers; SIZE, BODY, AUTH, RET, ENVID and SMTPUTF8 are known.
 * "<>" sets SMTP_PATH_NULL. Failures, the leftmost first: BAD_PATH (no
 * "FROM:", no "<", the input ending inside the path, text glued to the
 * ">"); BAD_ADDRESS; LOCAL_TOO_LONG (as sent, quotes included),
 * DOMAIN_TOO_LONG, PATH_TOO_LONG ("<" to ">", a route included); then
 * TOO_MANY_PARAMS; then each parameter's failure (BAD_PARAM,
 * UNKNOWN_PARAM, DUPLICATE_PARAM, BAD_PARAM_VALUE, PARAM_TOO_LONG; a BODY
 * type whose extension is not offered is UNKNOWN_PARAM); last NON_ASCII
 * for a UTF-8 path without SMTPUTF8 (8-bit bytes that are not UTF-8 are
 * BAD_ADDRESS when SMTPUTF8 is given, NON_ASCII otherwise). SIZE over the
 * server's limit is the caller's check (SMTP_PARSE_MESSAGE_TOO_BIG).
 */
enum smtp_parse_status smtp_parse_mail(const char *arg, size_t len,
	    unsigned int flags, struct smtp_path *path,
	    struct smtp_params *params);

/*
 * smtp_parse_rcpt - the same for the argument of RCPT ("TO:<path> params"):
 * NOTIFY and ORCPT are known; "<>" fails with NULL_RECIPIENT;
 * "<postmaster>" (any case, no domain) sets SMTP_PATH_POSTMASTER; UTF-8
 * needs SMTP_TXN_UTF8 in flags.
 */
enum smtp_parse_status smtp_parse_rcpt(const char *arg, size_t len,
	    unsigned int flags, struct smtp_path *path,
	    struct smtp_params *params);

/*
 * smtp_parse_helo - check the argument of HELO or EHLO and copy it to
 * helo->name. Lenient, as RFC 5321 section 4.1.4 asks servers not to
 * refuse a greeting for its name: any single word of printable ASCII
 * passes, and helo->kind says whether it is a proper domain or address
 * literal, for policy checks later. Fails with NO_DOMAIN (empty),
 * DOMAIN_TOO_LONG (over SMTP_DOMAIN_MAX) or BAD_DOMAIN (a blank, control,
 * DEL or 8-bit byte).
 */
enum smtp_parse_status smtp_parse_helo(const char *arg, size_t len,
	    struct smtp_helo *helo);

/*
 * smtp_parse_auth - split the argument of AUTH into the mechanism (1 to
 * SMTP_MECH_MAX of A-Z 0-9 '-' '_', any case) and an optional initial
 * response, which is only located here: decode it with
 * smtp_parse_auth_response(). BAD_ARGUMENT for a bad mechanism name or
 * more than two words.
 */
enum smtp_parse_status smtp_parse_auth(const char *arg, size_t len,
	    struct smtp_auth *auth);

/*
 * smtp_parse_auth_response - decode a client's SASL response (RFC 4954)
 * into out (out_size bytes, not NUL-terminated), *out_len_r its length.
 * initial: the response came on the AUTH line, where "=" is the empty
 * response (and an empty one is BAD_BASE64); otherwise it is a line of
 * its own, where "*" cancels (AUTH_CANCELLED) and an empty line is the
 * empty response. Fails with BAD_BASE64 (see sasl_base64_decode()) or
 * RESPONSE_TOO_LONG when the decoded bytes do not fit. Wipe out once
 * used: it holds secrets, also after a failure.
 */
enum smtp_parse_status smtp_parse_auth_response(const char *in, size_t len,
	    int initial, char *out, size_t out_size, size_t *out_len_r);

/*
 * smtp_parse_bdat - the argument of BDAT: "size [LAST]" (LAST in any
 * case), size strict decimal. BAD_ARGUMENT otherwise.
 */
enum smtp_parse_status smtp_parse_bdat(const char *arg, size_t len,
	    uint64_t *size_r, int *last_r);

/*
 * smtp_next_word - the argument splitter: skip blanks (SP, HTAB) from
 * *pos in s[0..len), then return 1 with the word (up to the next blank or
 * the end) in *word_r and *word_len_r and *pos after it; 0 when nothing is
 * left.
 */
int	smtp_next_word(const char *s, size_t len, size_t *pos,
	    const char **word_r, size_t *word_len_r);

/*
 * smtp_xtext_decode - decode RFC 3461 xtext ("+" and two upper-case hex
 * digits for a byte, other bytes '!'..'~' but '+' and '=' as themselves)
 * into out, NUL-terminated, *out_len_r its length. Decoded bytes must be
 * printable ASCII (SP to '~'). BAD_PARAM_VALUE for malformed xtext or a
 * decoded control or 8-bit byte; PARAM_TOO_LONG when it does not fit (out
 * is then "").
 */
enum smtp_parse_status smtp_xtext_decode(const char *in, size_t len,
	    char *out, size_t out_size, size_t *out_len_r);

/*
 * smtp_xtext_encode - the inverse: bytes outside '!'..'~', '+' and '='
 * become "+XX". NUL-terminated; PARAM_TOO_LONG if out is too small (three
 * bytes per input byte and one for the NUL always suffice).
 */
enum smtp_parse_status smtp_xtext_encode(const char *in, size_t len,
	    char *out, size_t out_size, size_t *out_len_r);

/*
 * Base64 (RFC 4648 section 4) and SASL PLAIN (RFC 4616), for AUTH in every
 * protocol.
 */
enum sasl_status {
	SASL_OK = 0,
	SASL_BAD_BASE64,		/* not strict base64 */
	SASL_TOO_LONG,			/* output or a field does not fit */
	SASL_MISSING_NUL,		/* PLAIN: fewer than two NULs */
	SASL_EXTRA_NUL,			/* PLAIN: more than two NULs */
	SASL_EMPTY_FIELD,		/* PLAIN: empty authcid or password */
	SASL_BAD_UTF8,			/* PLAIN: a field is not UTF-8 */
};

#define SASL_PLAIN_ID_MAX	255	/* authzid, authcid (RFC 4616) */
#define SASL_PLAIN_PASS_MAX	1024	/* password */

/* A decoded PLAIN message; explicit_bzero() it once used. */
struct sasl_plain {
	char	authzid[SASL_PLAIN_ID_MAX + 1];	/* "" if none */
	char	authcid[SASL_PLAIN_ID_MAX + 1];
	char	passwd[SASL_PLAIN_PASS_MAX + 1];
};

/*
 * sasl_base64_decode - strict base64: the standard alphabet, length a
 * multiple of four, "=" padding only at the end, zero padding bits, no
 * blanks or line breaks. "" decodes to nothing. Writes out (out_size bytes,
 * not NUL-terminated) and *out_len_r; BAD_BASE64 or TOO_LONG.
 */
enum sasl_status sasl_base64_decode(const char *in, size_t len, char *out,
	    size_t out_size, size_t *out_len_r);

/*
 * sasl_base64_encode - padded base64 of in, NUL-terminated; TOO_LONG
 * unless out_size >= 4 * ((len + 2) / 3) + 1.
 */
enum sasl_status sasl_base64_encode(const char *in, size_t len, char *out,
	    size_t out_size, size_t *out_len_r);

/*
 * sasl_plain_decode - split a decoded PLAIN message "[authzid] NUL authcid
 * NUL passwd" into plain. Fails with MISSING_NUL, EXTRA_NUL, EMPTY_FIELD,
 * TOO_LONG (authzid or authcid over SASL_PLAIN_ID_MAX, passwd over
 * SASL_PLAIN_PASS_MAX) or BAD_UTF8; plain is then all "".
 */
enum sasl_status sasl_plain_decode(const char *in, size_t len,
	    struct sasl_plain *plain);

/* sasl_status_name - "bad-base64", "missing-nul", ... for logs */
const char *sasl_status_name(enum sasl_status st);

/* Server replies, read by a client one line at a time. */
#define SMTP_REPLY_LINE_MAX	2048	/* one line, without CR LF */
#define SMTP_REPLY_LINES_MAX	100	/* lines in one reply */
#define SMTP_REPLY_TEXT_MAX	8192	/* joined text, with its NUL */
#define SMTP_ENHANCED_MAX	9	/* "5.123.456" */

enum smtp_reply_status {
	SMTP_REPLY_DONE = 0,		/* the last line: reply complete */
	SMTP_REPLY_MORE = 1,		/* a "NNN-" line: more to come */
	SMTP_REPLY_BAD_CODE = -1,	/* not three digits 2-5, 0-5, 0-9 */
	SMTP_REPLY_BAD_SEPARATOR = -2,	/* code not followed by ' ', '-', end */
	SMTP_REPLY_CODE_MISMATCH = -3,	/* another code than the first line's */
	SMTP_REPLY_BAD_CHAR = -4,	/* a control byte but HTAB */
	SMTP_REPLY_LINE_TOO_LONG = -5,	/* over SMTP_REPLY_LINE_MAX */
	SMTP_REPLY_TOO_MANY_LINES = -6,	/* over SMTP_REPLY_LINES_MAX */
	SMTP_REPLY_TEXT_TOO_LONG = -7,	/* joined text over its buffer */
	SMTP_REPLY_AFTER_END = -8,	/* a line after the last one */
};

/*
 * A reply being read. text holds each line's text (after the code, the
 * separator and, when present, the enhanced code and its blank) joined by
 * '\n', NUL-terminated. enhanced is the first line's RFC 3463 code when it
 * has one whose class matches the reply code; a code that does not match
 * stays in the text.
 */
struct smtp_reply {
	int	code;			/* 200..559 */
	char	enhanced[SMTP_ENHANCED_MAX + 1];	/* "2.1.0" or "" */
	char	text[SMTP_REPLY_TEXT_MAX];
	size_t	text_len;
	size_t	lines;
	int	state;			/* private */
};

/* smtp_reply_init - start reading a reply */
void	smtp_reply_init(struct smtp_reply *reply);

/*
 * smtp_reply_parse - add one line (without CR LF) to reply. Returns MORE
 * after a continuation line, DONE after the last, or an error (negative);
 * after DONE or an error every call fails (AFTER_END, or the same error)
 * until smtp_reply_init(). "250" alone is a complete reply with no text.
 */
enum smtp_reply_status smtp_reply_parse(struct smtp_reply *reply,
	    const char *line, size_t len);

/* smtp_reply_status_name - "bad-code", ... for logs */
const char *smtp_reply_status_name(enum smtp_reply_status st);

/* smtp_auth_* bits of struct smtp_ehlo */
#define SMTP_AUTH_PLAIN		(1u << 0)
#define SMTP_AUTH_LOGIN		(1u << 1)

/* What a server's EHLO reply offers. */
struct smtp_ehlo {
	unsigned int ext;		/* SMTP_EXT_* */
	uint64_t size;			/* SIZE limit; 0 = none given */
	unsigned int auth;		/* SMTP_AUTH_* */
};

/*
 * smtp_reply_ehlo - read the extensions from a complete 250 reply to EHLO
 * (keywords in any case, unknown ones ignored, a SIZE without a valid
 * number taken as no limit). The first line is the greeting and is not
 * read.
 */
void	smtp_reply_ehlo(const struct smtp_reply *reply, struct smtp_ehlo *ehlo);

/*
 * The DATA body. The decoder's input is the bytes after the 354 reply, as
 * they arrive; its output is the message with dot-stuffing removed and
 * every line ended by CR LF. A line starting with "." loses that dot
 * (RFC 5321 4.5.2); a line of only "." ends the message, whether it
 * starts the data or follows a line end (CR LF or bare LF), and whether CR
 * LF or a bare LF ends it. A bare CR is not a line end: it is passed on
 * and flagged. Flags describe the whole message; decoding always continues to
 * the end marker, so the server can answer after it.
 */
#define SMTP_DATA_TOO_BIG	(1u << 0)	/* past max_size: no output */
#define SMTP_DATA_LINE_TOO_LONG	(1u << 1)	/* a line over max_line */
#define SMTP_DATA_BARE_LF	(1u << 2)	/* a line ended by a bare LF */
#define SMTP_DATA_BARE_CR	(1u << 3)	/* a CR not followed by LF */
#define SMTP_DATA_8BIT		(1u << 4)	/* a byte >= 0x80 */
#define SMTP_DATA_NUL		(1u << 5)	/* a NUL byte */

/* Room the decoder and encoder need in out for any progress. */
#define SMTP_DATA_OUT_MIN	2
/* Room smtp_data_encode_end() needs: CR LF "." CR LF */
#define SMTP_DATA_END_MAX	5

enum smtp_data_status {
	SMTP_DATA_MORE = 0,		/* end marker not seen yet */
	SMTP_DATA_DONE = 1,		/* end marker consumed */
};

/* Read the public fields; the rest is private. */
struct smtp_data_decoder {
	uint64_t size;			/* message bytes, output or not */
	size_t	longest;		/* longest line, counting CR LF */
	unsigned int flags;		/* SMTP_DATA_* */
	uint64_t max_size;		/* private */
	size_t	max_line;		/* private */
	size_t	line_len;		/* private */
	int	state;			/* private */
};

/*
 * smtp_data_decoder_init - start a message: max_size bounds the output
 * (0 = none; past it SMTP_DATA_TOO_BIG is set and no more bytes are
 * output, the count goes on), max_line the length of a line counting its
 * CR LF, as in RFC 5321's 1000 (0 = none; past it SMTP_DATA_LINE_TOO_LONG
 * is set and the line is output whole).
 */
void	smtp_data_decoder_init(struct smtp_data_decoder *dec,
	    uint64_t max_size, size_t max_line);

/*
 * smtp_data_decode - feed len bytes of in. Decoded bytes go to out (at
 * most out_size, *out_len_r of them); *used_r says how many input bytes
 * were consumed. DONE: the end marker was the last of them, and in[*used_r]
 * onwards belongs to the next command. MORE: all of in was consumed, or
 * out filled up (*used_r < len: call again with the rest). out_size >=
 * 2 * len guarantees all input is consumed; below SMTP_DATA_OUT_MIN nothing
 * is. After DONE, calls consume nothing and return DONE.
 */
enum smtp_data_status smtp_data_decode(struct smtp_data_decoder *dec,
	    const char *in, size_t len, char *out, size_t out_size,
	    size_t *used_r, size_t *out_len_r);

/* The inverse, for sending a message (relay client, POP3 RETR). */
struct smtp_data_encoder {
	int	state;			/* private */
};

/* smtp_data_encoder_init - start a message */
void	smtp_data_encoder_init(struct smtp_data_encoder *enc);

/*
 * smtp_data_encode - dot-stuff and CR LF-normalise len bytes of in (a bare
 * LF becomes CR LF, a "." starting a line becomes ".."; a bare CR passes)
 * into out, as smtp_data_decode() does: *used_r consumed, *out_len_r
 * written, out_size >= 2 * len is always enough. Returns MORE.
 */
enum smtp_data_status smtp_data_encode(struct smtp_data_encoder *enc,
	    const char *in, size_t len, char *out, size_t out_size,
	    size_t *used_r, size_t *out_len_r);

/*
 * smtp_data_encode_end - close the message: a line end if the last line
 * has none, then "." CR LF. DONE, or MORE with nothing written if out_size
 * is below SMTP_DATA_END_MAX. Decoding what the encoder wrote gives the
 * input with every LF preceded by CR and, when it did not end in LF, a
 * final line end (a final bare CR gets its LF).
 */
enum smtp_data_status smtp_data_encode_end(struct smtp_data_encoder *enc,
	    char *out, size_t out_size, size_t *out_len_r);

#endif
