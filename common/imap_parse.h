/*
 * imap_parse - incremental IMAP4rev1 command parser (RFC 3501 section 9,
 * LITERAL+ and LITERAL- of RFC 7888).
 *
 * A server feeds the bytes it reads, in pieces of any size, and the
 * parser answers with what it needs: IMAP_PARSE_MORE (everything used, send
 * more), IMAP_PARSE_LITERAL (a literal was announced at the end of a line:
 * imap_parser_literal() gives its size and whether it synchronises, so the
 * server sends "+ " before feeding the literal and the rest of the command),
 * IMAP_PARSE_OK (the command is complete: tag, name and arguments are ready)
 * or a failure. *used_r says how far it read, so pipelined input after a
 * command stays with the caller. Feeding a byte at a time gives exactly the
 * results of one call with everything.
 *
 * A command is a tag, a name and arguments separated by blanks, ended by
 * CR LF (a bare LF is taken too). Arguments form a tree: atoms, NIL,
 * quoted strings (\" and \\ are the only escapes; well-formed UTF-8 is
 * allowed, as RFC 9051 and RFC 6855 clients send it), literals {n} and
 * {n+} (any bytes, NUL included), parenthesised lists, and fetch
 * attributes with a section, BODY[1.HEADER.FIELDS (From To)]<0.100> and
 * the BODY.PEEK, BINARY, BINARY.PEEK and BINARY.SIZE forms, as one node
 * whose children are the header names. Atoms take the characters that the
 * special syntaxes need and plain ATOM-CHARs do not give: "*" and ":" of
 * sequence sets ("1:5,7,9:*", checked later by common/imap_seqset.h), "%"
 * and "*" of LIST patterns, "]" of astrings ("[Gmail]/Sent"), and one
 * leading backslash of flags ("\Seen", "\*"). Which argument is which is
 * the command's business, not the parser's. The parser is lenient in one
 * way only: extra blanks between arguments, after "(" and before ")" or
 * at the end of the line are skipped.
 *
 * Everything a peer controls is bounded by struct imap_parse_limits, and
 * each bound has its own status; imap_parse_status_reply() says how the
 * server answers. A failure other than IMAP_PARSE_NONSYNC_TOO_BIG is
 * reported only once the rest of the command has been read and thrown
 * away (to the end of its line, and through any {n+} literals it still
 * announces), so the next byte fed starts a new command. A non-synchronising
 * literal over the limit cannot be skipped cheaply: that failure comes at
 * once and the parser stays failed; the server says BYE. A synchronising
 * literal over the limit is refused before the client sends it.
 *
 * The tree lives in the parser and stays valid until the next feed or
 * reset; strings are NUL-terminated (a literal's len may count NULs
 * inside). Memory grows with the command and is bounded by the limits.
 * Nothing is logged, there is no I/O and no global state.
 *
 * XXX: a literal is held in memory, so literal_max is also the largest
 * APPEND the server takes; literal8 (~{n}, RFC 3516 BINARY) is refused.
 */
#ifndef IMAP_PARSE_H
#define IMAP_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct imap_parse_limits {
	size_t	literal_max;	/* octets in one literal */
	size_t	args_max;	/* nodes in all: atoms, strings, lists... */
	size_t	depth_max;	/* parenthesis nesting (section lists too) */
	size_t	command_max;	/* octets of a command: lines and literals */
};

enum imap_parse_status {
	IMAP_PARSE_OK = 0,		/* command complete */
	IMAP_PARSE_MORE,		/* all input used; feed more */
	IMAP_PARSE_LITERAL,		/* literal announced: see below */
	IMAP_PARSE_EMPTY,		/* * BAD: empty line */
	IMAP_PARSE_BAD_TAG,		/* * BAD: missing or invalid tag */
	IMAP_PARSE_BAD_COMMAND,		/* tag BAD: missing or bad name */
	IMAP_PARSE_BAD_SYNTAX,		/* tag BAD */
	IMAP_PARSE_BAD_CHAR,		/* tag BAD: NUL, control, 8-bit, bad
					   UTF-8 outside a literal */
	IMAP_PARSE_TOO_DEEP,		/* tag BAD: over depth_max */
	IMAP_PARSE_TOO_MANY_ARGS,	/* tag BAD: over args_max */
	IMAP_PARSE_COMMAND_TOO_LONG,	/* tag BAD [TOOBIG]: over
					   command_max */
	IMAP_PARSE_LITERAL_TOO_BIG,	/* tag NO [TOOBIG]: {n} over
					   literal_max or command_max; the
					   client waits and sends nothing */
	IMAP_PARSE_NONSYNC_TOO_BIG,	/* * BYE [TOOBIG]: {n+} over a limit;
					   the parser stays failed */
};

/* How a server answers a status (see the comments above). */
enum imap_parse_reply {
	IMAP_REPLY_NONE = 0,		/* not a failure */
	IMAP_REPLY_BAD,			/* BAD, tagged when a tag was read */
	IMAP_REPLY_BAD_TOOBIG,		/* tagged BAD [TOOBIG] */
	IMAP_REPLY_NO_TOOBIG,		/* tagged NO [TOOBIG] */
	IMAP_REPLY_BYE,			/* * BYE [TOOBIG], then close */
};

enum imap_arg_type {
	IMAP_ARG_ATOM = 1,	/* also sequence sets, flags, patterns */
	IMAP_ARG_NIL,		/* unquoted NIL, any case */
	IMAP_ARG_QUOTED,
	IMAP_ARG_LITERAL,
	IMAP_ARG_LIST,
	IMAP_ARG_SECTION,	/* BODY[...]<...>: see struct imap_arg */
};

struct imap_arg {
	enum imap_arg_type type;
	const char *str;	/* text, NUL-terminated; SECTION: the name,
				   "BODY", "BODY.PEEK", ... as sent */
	size_t	len;
	const struct imap_arg *list;	/* LIST elements; SECTION header
					   names; NULL when none */
	size_t	count;
	const char *section;	/* SECTION: between "[" and "]" without
				   the header list: "", "1.2.MIME",
				   "HEADER.FIELDS" */
	size_t	section_len;
	int	partial;	/* SECTION: "<offset.length>" was given */
	uint32_t partial_offset, partial_length;
	int	nonsync;	/* LITERAL: it was {n+} */
};

struct imap_parser;

/* imap_parser_create - a parser with the given limits (copied) */
struct imap_parser *imap_parser_create(const struct imap_parse_limits *lim);

/* imap_parser_free - free the parser and NULL the pointer */
void	imap_parser_free(struct imap_parser **p);

/* imap_parser_reset - forget everything and wait for a new command */
void	imap_parser_reset(struct imap_parser *p);

/*
 * imap_parser_feed - parse data[0..len) and set *used_r to the bytes used.
 * After IMAP_PARSE_OK or a failure the next call starts a new command
 * (except after IMAP_PARSE_NONSYNC_TOO_BIG, which sticks: nothing more is
 * used). IMAP_PARSE_LITERAL comes right after the announcement's line end;
 * the literal's bytes are the next ones fed.
 */
enum imap_parse_status imap_parser_feed(struct imap_parser *p,
	    const char *data, size_t len, size_t *used_r);

/*
 * imap_parser_literal - after IMAP_PARSE_LITERAL: the literal's size and
 * whether the client waits for "+ " (*sync_r 1) or not ({n+}: 0).
 */
void	imap_parser_literal(const struct imap_parser *p, size_t *size_r,
	    int *sync_r);

/*
 * imap_parser_tag - the tag, "" when none was read completely (the reply
 * is then untagged); valid after IMAP_PARSE_OK or a failure.
 */
const char *imap_parser_tag(const struct imap_parser *p);

/* imap_parser_command - the command name as sent, "" when none */
const char *imap_parser_command(const struct imap_parser *p);

/*
 * imap_parser_args - after IMAP_PARSE_OK: the top-level arguments, count
 * in *count_r (NULL when there are none).
 */
const struct imap_arg *imap_parser_args(const struct imap_parser *p,
	    size_t *count_r);

/* imap_arg_atom_eq - is arg an atom equal to word, ignoring ASCII case? */
int	imap_arg_atom_eq(const struct imap_arg *arg, const char *word);

/*
 * imap_arg_astring - if arg is an atom, quoted string or literal, set
 * *str_r and *len_r and return 1; else 0.
 */
int	imap_arg_astring(const struct imap_arg *arg, const char **str_r,
	    size_t *len_r);

/* imap_parse_status_reply - how a server answers st */
enum imap_parse_reply imap_parse_status_reply(enum imap_parse_status st);

/* imap_parse_status_text - the human-readable text for a reply to st */
const char *imap_parse_status_text(enum imap_parse_status st);

/* imap_parse_status_name - st as a short lowercase word, for logs */
const char *imap_parse_status_name(enum imap_parse_status st);

#endif /* IMAP_PARSE_H */
