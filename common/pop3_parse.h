/*
 * pop3_parse - pure POP3 parsers: one client command line (RFC 1939, 2449,
 * 2595, 5034) and the server side of message transfer (LF -> CR LF,
 * byte-stuffing, TOP's line limit).
 *
 * pop3_parse_command() takes a line without its CR LF and returns a verb
 * and checked arguments: message numbers are decimal 1..2^32-1 with no
 * sign, no leading zero and at most 10 digits; TOP's line count may be 0.
 * Keywords are case-insensitive. No I/O, no globals: t/check_pop3_parse.c
 * and fuzzers drive these directly.
 *
 * pop3_encode() turns message bytes as the store keeps them (LF line ends,
 * perhaps some CR LF, any 8-bit content) into what RETR or TOP send: every
 * bare LF becomes CR LF, a line starting with '.' gets one more. Bytes go
 * in any chunking; the result is the same as for the whole input.
 */
#ifndef POP3_PARSE_H
#define POP3_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

#define POP3_ARG_MAX		255	/* USER name, AUTH mechanism */
#define POP3_PASS_MAX		1024	/* PASS argument */
#define POP3_APOP_DIGEST_LEN	32	/* hex MD5 */

enum pop3_verb {
	POP3_VERB_NONE = 0,
	POP3_VERB_USER,
	POP3_VERB_PASS,
	POP3_VERB_APOP,
	POP3_VERB_AUTH,
	POP3_VERB_STLS,
	POP3_VERB_CAPA,
	POP3_VERB_STAT,
	POP3_VERB_LIST,
	POP3_VERB_RETR,
	POP3_VERB_DELE,
	POP3_VERB_NOOP,
	POP3_VERB_RSET,
	POP3_VERB_QUIT,
	POP3_VERB_TOP,
	POP3_VERB_UIDL,
};

enum pop3_parse_status {
	POP3_PARSE_OK = 0,
	POP3_PARSE_EMPTY,		/* empty line */
	POP3_PARSE_UNKNOWN,		/* not a command we know */
	POP3_PARSE_NUL,			/* NUL byte in the line */
	POP3_PARSE_MISSING_ARG,		/* an argument is required */
	POP3_PARSE_EXTRA_ARG,		/* too many arguments */
	POP3_PARSE_BAD_NUMBER,		/* not a valid message number/count */
	POP3_PARSE_BAD_ARG,		/* malformed argument (space, length) */
};

struct pop3_cmd {
	enum pop3_verb verb;
	const char *name;		/* "STAT": canonical, static */
	int	has_msg;		/* LIST/UIDL with an argument; always for
					 * RETR, DELE, TOP */
	uint32_t msg;			/* message number */
	uint32_t lines;			/* TOP */
	/* USER/PASS/APOP name, AUTH mechanism: points into the line */
	const char *arg;
	size_t	arg_len;
	/* APOP digest, AUTH initial response ("" if none): into the line */
	const char *arg2;
	size_t	arg2_len;
};

/*
 * pop3_parse_command - parse line[0..len) (no CR LF). POP3_PARSE_OK fills
 * cmd; on any other status cmd->verb and cmd->name are still set when the
 * keyword was recognised (so the reply can name it), else POP3_VERB_NONE.
 */
enum pop3_parse_status pop3_parse_command(const char *line, size_t len,
	    struct pop3_cmd *cmd);

/* pop3_parse_status_text - "unknown command", ... for -ERR replies */
const char *pop3_parse_status_text(enum pop3_parse_status st);

/* Encoder state for one message; zero it (or pop3_encode_init) to start. */
struct pop3_encode {
	int	line_bytes;		/* bytes on this line so far (max 2) */
	int	prev_cr;		/* last byte was CR */
	int	in_body;		/* past the blank line after headers */
	int	limit;			/* TOP: count body lines */
	uint32_t lines_left;		/* TOP: body lines still to send */
	int	done;			/* TOP limit reached: ignore the rest */
};

/* pop3_encode_init - start a message; top non-zero limits body lines */
void	pop3_encode_init(struct pop3_encode *e, int top, uint32_t lines);

/*
 * pop3_encode - append the transfer form of in[0..len) to out; -1 if out
 * reached its cap (out then holds a prefix; treat as fatal for the
 * transfer). Returns 0 otherwise.
 */
int	pop3_encode(struct pop3_encode *e, const char *in, size_t len,
	    struct sbuf *out);

/*
 * pop3_encode_end - finish: CR LF if the message did not end with a line
 * end, then the terminating ".\r\n". 0, or -1 past the cap.
 */
int	pop3_encode_end(struct pop3_encode *e, struct sbuf *out);

/*
 * pop3_apop_timestamp_check - is s[0..len) a msg-id style timestamp
 * "<...@...>" of printable ASCII without spaces? 1 yes, 0 no.
 */
int	pop3_apop_timestamp_check(const char *s, size_t len);

#endif
