/*
 * imap_parse - incremental IMAP4rev1 command parser.
 *
 * One state machine takes a byte at a time (literal data in runs), so the
 * way input is cut into pieces cannot change the result. Strings go into
 * one growing buffer and nodes into one growing array, both by offset
 * while the command is being read (the arrays move as they grow); each node
 * knows its parent, first child and next sibling. When the command is
 * complete, finish() lays the nodes out again breadth-first so that every
 * list's elements are one contiguous array of struct imap_arg, and turns
 * offsets into pointers.
 *
 * After a failure the parser goes on reading in skip mode: it stores
 * nothing and only watches the line for a final "{n+}", whose n bytes it
 * then skips too, until a line ends without one; then it reports. CR must
 * be followed by LF; a bare LF ends a line as well. Nothing is logged.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imap_parse.h"
#include "mem.h"
#include "utf8.h"

#define NONE	((size_t)-1)

enum pstate {
	S_TAG,		/* reading the tag */
	S_CMD,		/* reading the command name */
	S_SEP,		/* before an argument, or at the end */
	S_AFTER,	/* after an argument: blank, ")" or end */
	S_ATOM,
	S_QUOTED,
	S_QUOTED_ESC,
	S_LIT_NUM,	/* "{" digits */
	S_LIT_PLUS,	/* "{" digits "+" */
	S_LIT_CLOSE,	/* "}" seen: line end next */
	S_LIT_DATA,
	S_SECT_TEXT,	/* after "[" */
	S_SECT_LIST,	/* "[HEADER.FIELDS " : "(" next */
	S_SECT_CLOSE,	/* after the header list: "]" next */
	S_SECT_AFTER,	/* after "]": "<" or the end of the argument */
	S_PART_OFF,	/* "<" digits */
	S_PART_LEN,	/* "<" digits "." digits */
	S_PART_END,	/* ">" seen */
	S_SKIP,		/* after a failure: to the end of the command */
	S_SKIP_LIT,	/* skipping a {n+} literal after a failure */
	S_DONE,		/* reported OK or a failure */
	S_DEAD,		/* IMAP_PARSE_NONSYNC_TOO_BIG */
};

/* A node while parsing: offsets, not pointers. */
struct pnode {
	enum imap_arg_type type;
	size_t	off, len;		/* into the string buffer */
	size_t	sect_off, sect_len;
	size_t	parent, first, last, next, count;
	int	partial, nonsync;
	uint32_t partial_offset, partial_length;
};

/* Skip-mode watcher for a "{n+}" at the end of a line. */
enum det {
	D_NONE, D_OPEN, D_NUM, D_PLUS, D_CLOSE_NONSYNC, D_CLOSE_SYNC,
};

struct imap_parser {
	struct imap_parse_limits lim;
	enum pstate state;
	enum imap_parse_status error;	/* first failure, in skip mode */
	int	cr;			/* a CR waits for its LF */

	char	*buf;			/* strings, NUL after each */
	size_t	buf_len, buf_size;
	size_t	tag_off, tag_len;
	size_t	cmd_off, cmd_len;
	int	have_tag, have_cmd;

	struct pnode *nodes;
	size_t	nnodes, nodes_size;
	size_t	cur;			/* open list or section, or NONE */
	size_t	tok;			/* node being read, or NONE */
	size_t	depth;
	size_t	top_first, top_last, top_count;
	size_t	total;			/* command octets so far */

	uint64_t num;			/* literal size or partial number */
	int	num_digits;
	int	lit_nonsync;
	size_t	lit_left;

	enum det det;			/* skip mode */
	uint64_t det_num;

	struct imap_arg *args;		/* finish(): the laid-out tree */
	size_t	args_size;
	size_t	result_count;
};

/* imap_parser_create - a new parser */
struct imap_parser *
imap_parser_create(const struct imap_parse_limits *lim)
{
	struct imap_parser *p = xcalloc(1, sizeof(*p));

	p->lim = *lim;
	imap_parser_reset(p);
	return (p);
}

/* imap_parser_free - free it all */
void
imap_parser_free(struct imap_parser **pp)
{
	struct imap_parser *p = *pp;

	if (p == NULL)
		return;
	free(p->buf);
	free(p->nodes);
	free(p->args);
	free(p);
	*pp = NULL;
}

/* imap_parser_reset - start over, keeping the allocations */
void
imap_parser_reset(struct imap_parser *p)
{
	p->state = S_TAG;
	p->error = IMAP_PARSE_OK;
	p->cr = 0;
	p->buf_len = 0;
	p->tag_off = p->tag_len = p->cmd_off = p->cmd_len = 0;
	p->have_tag = p->have_cmd = 0;
	p->nnodes = 0;
	p->cur = p->tok = NONE;
	p->depth = 0;
	p->top_first = p->top_last = NONE;
	p->top_count = 0;
	p->total = 0;
	p->num = 0;
	p->num_digits = 0;
	p->lit_nonsync = 0;
	p->lit_left = 0;
	p->det = D_NONE;
	p->det_num = 0;
	p->result_count = 0;
}

/* buf_reserve - room for n more string bytes */
static void
buf_reserve(struct imap_parser *p, size_t n)
{
	size_t want;

	/* bounds: n is bounded by the limits; check the sum anyway */
	if (n > SIZE_MAX / 2 - p->buf_len)
		n = SIZE_MAX / 2 - p->buf_len;
	want = p->buf_len + n;
	if (want <= p->buf_size)
		return;
	if (want < p->buf_size * 2)
		want = p->buf_size * 2;
	if (want < 256)
		want = 256;
	p->buf = xrealloc(p->buf, want);
	p->buf_size = want;
}

/* put - append one string byte */
static void
put(struct imap_parser *p, char c)
{
	buf_reserve(p, 1);
	p->buf[p->buf_len++] = c;
}

/* is_atom_char - ATOM-CHAR of RFC 3501: CHAR minus atom-specials */
static int
is_atom_char(unsigned char c)
{
	if (c <= 0x20 || c >= 0x7f)
		return (0);
	return (strchr("(){%*\"\\]", c) == NULL);
}

/* is_tag_char - ASTRING-CHAR except "+" */
static int
is_tag_char(unsigned char c)
{
	return (c != '+' && (is_atom_char(c) || c == ']'));
}

/* is_arg_char - a character inside an argument atom (see the header) */
static int
is_arg_char(unsigned char c)
{
	return (is_atom_char(c) || c == '*' || c == '%' || c == ']');
}

/* mem_ieq - does s[0..n) equal word, ignoring case (C locale)? */
static int
mem_ieq(const char *s, size_t n, const char *word)
{
	return (strlen(word) == n && strncasecmp(s, word, n) == 0);
}

/* fail - remember the first failure and skip the rest of the command */
static void
fail(struct imap_parser *p, enum imap_parse_status st)
{
	if (p->error == IMAP_PARSE_OK)
		p->error = st;
	p->state = S_SKIP;
	p->det = D_NONE;
}

/* in_section - is the open container a section's header list? */
static int
in_section(const struct imap_parser *p)
{
	return (p->cur != NONE && p->nodes[p->cur].type == IMAP_ARG_SECTION);
}

/* new_node - a node of type t under the open container; NONE if too many */
static size_t
new_node(struct imap_parser *p, enum imap_arg_type t)
{
	struct pnode *n;
	size_t i;

	if (p->nnodes >= p->lim.args_max) {
		fail(p, IMAP_PARSE_TOO_MANY_ARGS);
		return (NONE);
	}
	if (p->nnodes == p->nodes_size) {
		p->nodes_size = p->nodes_size ? p->nodes_size * 2 : 16;
		p->nodes = xreallocarray(p->nodes, p->nodes_size,
		    sizeof(*p->nodes));
	}
	i = p->nnodes++;
	n = &p->nodes[i];
	memset(n, 0, sizeof(*n));
	n->type = t;
	n->off = p->buf_len;
	n->parent = p->cur;
	n->first = n->last = n->next = NONE;
	if (p->cur == NONE) {
		if (p->top_last == NONE)
			p->top_first = i;
		else
			p->nodes[p->top_last].next = i;
		p->top_last = i;
		p->top_count++;
	} else {
		struct pnode *par = &p->nodes[p->cur];

		if (par->last == NONE)
			par->first = i;
		else
			p->nodes[par->last].next = i;
		par->last = i;
		par->count++;
	}
	return (i);
}

/* end_string - close the string of node i with its NUL */
static void
end_string(struct imap_parser *p, size_t i)
{
	p->nodes[i].len = p->buf_len - p->nodes[i].off;
	put(p, '\0');
}

/* open_list - "(" or a section's header list: one level deeper */
static int
open_list(struct imap_parser *p, size_t i)
{
	if (p->depth >= p->lim.depth_max) {
		fail(p, IMAP_PARSE_TOO_DEEP);
		return (0);
	}
	p->depth++;
	p->cur = i;
	return (1);
}

/* close_list - ")": back to the parent; the next state */
static void
close_list(struct imap_parser *p)
{
	size_t i = p->cur;

	if (i == NONE) {
		fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	}
	p->depth--;
	p->cur = p->nodes[i].parent;
	if (p->nodes[i].type == IMAP_ARG_SECTION) {
		/* header-list is 1*header-fld-name */
		if (p->nodes[i].count == 0)
			fail(p, IMAP_PARSE_BAD_SYNTAX);
		else {
			p->tok = i;	/* for the partial that may follow */
			p->state = S_SECT_CLOSE;
		}
	} else
		p->state = S_AFTER;
}

/* is_fetch_name - may this atom be followed by "[section]"? */
static int
is_fetch_name(const char *s, size_t n)
{
	return (mem_ieq(s, n, "BODY") || mem_ieq(s, n, "BODY.PEEK")
	    || mem_ieq(s, n, "BINARY") || mem_ieq(s, n, "BINARY.PEEK")
	    || mem_ieq(s, n, "BINARY.SIZE"));
}

/*
 * section_ok - is s[0..n) a valid section-spec for the fetch name, and
 * does it need a header list (*list_r)? section-part is nz-numbers joined
 * by "."; then, for BODY only, HEADER, HEADER.FIELDS[.NOT], TEXT, or
 * after a part also MIME.
 */
static int
section_ok(const char *name, size_t name_len, const char *s, size_t n,
    int *list_r)
{
	size_t i = 0, start;
	int parts = 0;

	*list_r = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		start = i;
		if (s[i] == '0')
			return (0);
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i - start > 10)
			return (0);
		parts++;
		if (i == n)
			return (1);
		if (s[i] != '.')
			return (0);
		i++;
		if (i == n)
			return (0);
	}
	if (i == n)
		return (1);	/* "" */
	if (name_len >= 6 && mem_ieq(name, 6, "BINARY"))
		return (0);	/* section-binary is parts only */
	s += i;
	n -= i;
	if (mem_ieq(s, n, "HEADER") || mem_ieq(s, n, "TEXT"))
		return (1);
	if (parts > 0 && mem_ieq(s, n, "MIME"))
		return (1);
	if (mem_ieq(s, n, "HEADER.FIELDS") || mem_ieq(s, n,
	    "HEADER.FIELDS.NOT")) {
		*list_r = 1;
		return (1);
	}
	return (0);
}

/* end_atom - the atom in p->tok is complete: NIL? */
static void
end_atom(struct imap_parser *p)
{
	struct pnode *n = &p->nodes[p->tok];

	end_string(p, p->tok);
	if (!in_section(p) && mem_ieq(p->buf + n->off, n->len, "NIL"))
		n->type = IMAP_ARG_NIL;
	/* A lone backslash is no flag. */
	if (n->len == 1 && p->buf[n->off] == '\\')
		fail(p, IMAP_PARSE_BAD_SYNTAX);
	p->tok = NONE;
}

/* end_quoted - the closing quote: the content must be UTF-8 */
static void
end_quoted(struct imap_parser *p)
{
	struct pnode *n = &p->nodes[p->tok];

	end_string(p, p->tok);
	p->tok = NONE;
	if (!utf8_valid(p->buf + n->off, n->len))
		fail(p, IMAP_PARSE_BAD_CHAR);
	else
		p->state = S_AFTER;
}

/*
 * finish - lay the nodes out breadth-first into p->args: the top level
 * first, then each container's children, contiguous, in container order
 */
static void
finish(struct imap_parser *p)
{
	size_t out = 0, k, c, *order;
	struct imap_arg *a;

	p->result_count = p->top_count;
	if (p->nnodes == 0)
		return;
	if (p->args_size < p->nnodes) {
		free(p->args);
		p->args = xcalloc(p->nnodes, sizeof(*p->args));
		p->args_size = p->nnodes;
	}
	order = xcalloc(p->nnodes, sizeof(*order));
	for (c = p->top_first; c != NONE; c = p->nodes[c].next)
		order[out++] = c;
	for (k = 0; k < p->nnodes; k++) {
		const struct pnode *n = &p->nodes[order[k]];

		a = &p->args[k];
		memset(a, 0, sizeof(*a));
		a->type = n->type;
		a->str = p->buf + n->off;
		a->len = n->len;
		a->nonsync = n->nonsync;
		if (n->type == IMAP_ARG_SECTION) {
			a->section = p->buf + n->sect_off;
			a->section_len = n->sect_len;
			a->partial = n->partial;
			a->partial_offset = n->partial_offset;
			a->partial_length = n->partial_length;
		}
		if (n->type == IMAP_ARG_LIST) {
			a->str = "";
			a->len = 0;
		}
		a->count = n->count;
		if (n->count > 0)
			a->list = &p->args[out];
		for (c = n->first; c != NONE; c = p->nodes[c].next)
			order[out++] = c;
	}
	free(order);
}

/* count_byte - one more command octet outside literals, or fail */
static void
count_byte(struct imap_parser *p)
{
	if (p->total >= p->lim.command_max)
		fail(p, IMAP_PARSE_COMMAND_TOO_LONG);
	else
		p->total++;
}

/*
 * announce - a literal's "{n}" or "{n+}" line has ended: check the limits
 * and make its node. Returns the status to report, or IMAP_PARSE_MORE to
 * go on (skip mode set up).
 */
static enum imap_parse_status
announce(struct imap_parser *p)
{
	int too_big;
	size_t i;

	too_big = p->num > p->lim.literal_max
	    || p->num > p->lim.command_max - p->total;
	if (too_big) {
		if (p->lit_nonsync) {
			p->state = S_DEAD;
			p->error = IMAP_PARSE_NONSYNC_TOO_BIG;
			return (IMAP_PARSE_NONSYNC_TOO_BIG);
		}
		if (p->error == IMAP_PARSE_OK)
			p->error = IMAP_PARSE_LITERAL_TOO_BIG;
		p->state = S_DONE;
		return (p->error);
	}
	p->lit_left = (size_t)p->num;
	if ((i = new_node(p, IMAP_ARG_LITERAL)) == NONE) {
		/* Failed: a {n+} literal's bytes come anyway. */
		if (p->lit_nonsync) {
			p->state = S_SKIP_LIT;
			return (IMAP_PARSE_MORE);
		}
		p->state = S_DONE;
		return (p->error);
	}
	p->nodes[i].nonsync = p->lit_nonsync;
	p->total += p->lit_left;
	buf_reserve(p, p->lit_left + 1);
	p->tok = i;
	p->state = S_LIT_DATA;
	if (p->lit_left == 0) {
		end_string(p, i);
		p->tok = NONE;
		p->state = S_AFTER;
	}
	return (IMAP_PARSE_LITERAL);
}

/* line_end - LF in a normal state: the command's status, or MORE */
static enum imap_parse_status
line_end(struct imap_parser *p)
{
	switch (p->state) {
	case S_TAG:
		if (p->tag_len == 0 && p->buf_len == 0) {
			p->state = S_DONE;
			return (IMAP_PARSE_EMPTY);
		}
		/* The tag is complete but no command followed. */
		p->tag_len = p->buf_len - p->tag_off;
		put(p, '\0');
		p->have_tag = 1;
		fail(p, IMAP_PARSE_BAD_COMMAND);
		return (IMAP_PARSE_MORE);
	case S_CMD:
		if (p->buf_len == p->cmd_off) {
			fail(p, IMAP_PARSE_BAD_COMMAND);
			return (IMAP_PARSE_MORE);
		}
		p->cmd_len = p->buf_len - p->cmd_off;
		put(p, '\0');
		p->have_cmd = 1;
		break;
	case S_ATOM:
		end_atom(p);
		if (p->state == S_SKIP)
			return (IMAP_PARSE_MORE);
		break;
	case S_SECT_AFTER:
	case S_PART_END:
	case S_SEP:
	case S_AFTER:
		break;
	case S_LIT_CLOSE:
		return (announce(p));
	default:
		fail(p, IMAP_PARSE_BAD_SYNTAX);
		return (IMAP_PARSE_MORE);
	}
	if (p->depth > 0) {
		fail(p, IMAP_PARSE_BAD_SYNTAX);
		return (IMAP_PARSE_MORE);
	}
	finish(p);
	p->state = S_DONE;
	return (IMAP_PARSE_OK);
}

/* skip_line_end - LF in skip mode: a {n+} to skip, or the end */
static enum imap_parse_status
skip_line_end(struct imap_parser *p)
{
	if (p->det == D_CLOSE_NONSYNC) {
		if (p->det_num > p->lim.literal_max) {
			p->state = S_DEAD;
			p->error = IMAP_PARSE_NONSYNC_TOO_BIG;
			return (IMAP_PARSE_NONSYNC_TOO_BIG);
		}
		p->lit_left = (size_t)p->det_num;
		p->det = D_NONE;
		p->state = S_SKIP_LIT;
		return (IMAP_PARSE_MORE);
	}
	p->state = S_DONE;
	return (p->error);
}

/* skip_byte - watch a skipped byte for "{n+}" */
static void
skip_byte(struct imap_parser *p, unsigned char c)
{
	if (c == '{') {
		p->det = D_OPEN;
		p->det_num = 0;
		return;
	}
	switch (p->det) {
	case D_OPEN:
	case D_NUM:
		if (c >= '0' && c <= '9') {
			p->det = D_NUM;
			/* saturate: only "over the limit" matters */
			if (p->det_num < UINT64_MAX / 20)
				p->det_num = p->det_num * 10 + (c - '0');
			return;
		}
		if (p->det == D_NUM && c == '+') {
			p->det = D_PLUS;
			return;
		}
		if (p->det == D_NUM && c == '}') {
			p->det = D_CLOSE_SYNC;
			return;
		}
		break;
	case D_PLUS:
		if (c == '}') {
			p->det = D_CLOSE_NONSYNC;
			return;
		}
		break;
	default:
		break;
	}
	p->det = D_NONE;
}

/* lit_digit - one more digit of a literal size or partial number */
static void
lit_digit(struct imap_parser *p, unsigned char c, uint64_t max)
{
	p->num = p->num * 10 + (c - '0');
	p->num_digits++;
	/* saturate past max: "too big" is all that matters */
	if (p->num > max)
		p->num = max + 1;
}

/*
 * step - one byte in a normal state (not CR, LF or literal data).
 * Returns with p->state changed; failures go through fail().
 */
static void
step(struct imap_parser *p, unsigned char c)
{
	size_t i;
	int need_list;

again:
	switch (p->state) {
	case S_TAG:
		if (c == ' ' && p->buf_len > 0) {
			p->tag_len = p->buf_len - p->tag_off;
			put(p, '\0');
			p->have_tag = 1;
			p->cmd_off = p->buf_len;
			p->state = S_CMD;
		} else if (is_tag_char(c))
			put(p, (char)c);
		else
			fail(p, IMAP_PARSE_BAD_TAG);
		return;
	case S_CMD:
		if (c == ' ' && p->buf_len > p->cmd_off) {
			p->cmd_len = p->buf_len - p->cmd_off;
			put(p, '\0');
			p->have_cmd = 1;
			p->state = S_SEP;
		} else if (is_atom_char(c))
			put(p, (char)c);
		else
			fail(p, IMAP_PARSE_BAD_COMMAND);
		return;
	case S_SEP:
		if (c == ' ')
			return;
		if (c == ')') {
			close_list(p);
			return;
		}
		if (c == '(') {
			if (in_section(p)) {
				fail(p, IMAP_PARSE_BAD_SYNTAX);
				return;
			}
			if ((i = new_node(p, IMAP_ARG_LIST)) == NONE)
				return;
			if (open_list(p, i))
				p->state = S_SEP;
			return;
		}
		if (c == '"') {
			if ((p->tok = new_node(p, IMAP_ARG_QUOTED)) != NONE)
				p->state = S_QUOTED;
			return;
		}
		if (c == '{') {
			p->num = 0;
			p->num_digits = 0;
			p->lit_nonsync = 0;
			p->state = S_LIT_NUM;
			return;
		}
		if (c == '\\' && !in_section(p)) {
			/* a flag: one leading backslash */
			if ((p->tok = new_node(p, IMAP_ARG_ATOM)) != NONE) {
				put(p, '\\');
				p->state = S_ATOM;
			}
			return;
		}
		if (in_section(p) ? is_atom_char(c) : is_arg_char(c)) {
			if ((p->tok = new_node(p, IMAP_ARG_ATOM)) != NONE) {
				put(p, (char)c);
				p->state = S_ATOM;
			}
			return;
		}
		fail(p, c < 0x20 || c >= 0x7f ? IMAP_PARSE_BAD_CHAR :
		    IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_AFTER:
		if (c == ' ')
			p->state = S_SEP;
		else if (c == ')')
			close_list(p);
		else
			fail(p, c < 0x20 || c >= 0x7f ? IMAP_PARSE_BAD_CHAR :
			    IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_ATOM:
		if (c == ' ' || c == ')') {
			end_atom(p);
			if (p->state == S_SKIP)
				return;
			p->state = S_AFTER;
			goto again;
		}
		if (c == '[' && !in_section(p) && is_fetch_name(p->buf +
		    p->nodes[p->tok].off, p->buf_len - p->nodes[p->tok].off)) {
			end_string(p, p->tok);
			p->nodes[p->tok].type = IMAP_ARG_SECTION;
			p->nodes[p->tok].sect_off = p->buf_len;
			p->state = S_SECT_TEXT;
			return;
		}
		if (in_section(p) ? is_atom_char(c) : is_arg_char(c))
			put(p, (char)c);
		else
			fail(p, c < 0x20 || c >= 0x7f ? IMAP_PARSE_BAD_CHAR :
			    IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_QUOTED:
		if (c == '"')
			end_quoted(p);
		else if (c == '\\')
			p->state = S_QUOTED_ESC;
		else if (c == '\0' || (c < 0x20) || c == 0x7f)
			fail(p, IMAP_PARSE_BAD_CHAR);
		else
			put(p, (char)c);
		return;
	case S_QUOTED_ESC:
		if (c == '"' || c == '\\') {
			put(p, (char)c);
			p->state = S_QUOTED;
		} else
			fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_LIT_NUM:
		if (c >= '0' && c <= '9')
			lit_digit(p, c, p->lim.command_max);
		else if (c == '+' && p->num_digits > 0) {
			p->lit_nonsync = 1;
			p->state = S_LIT_PLUS;
		} else if (c == '}' && p->num_digits > 0)
			p->state = S_LIT_CLOSE;
		else
			fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_LIT_PLUS:
		if (c == '}')
			p->state = S_LIT_CLOSE;
		else
			fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_LIT_CLOSE:
		/* a literal announcement ends its line */
		fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_SECT_TEXT:
		i = p->tok;
		if (c == ']' || c == ' ') {
			p->nodes[i].sect_len = p->buf_len -
			    p->nodes[i].sect_off;
			put(p, '\0');
			if (!section_ok(p->buf + p->nodes[i].off,
			    p->nodes[i].len, p->buf + p->nodes[i].sect_off,
			    p->nodes[i].sect_len, &need_list)
			    || need_list != (c == ' ')) {
				fail(p, IMAP_PARSE_BAD_SYNTAX);
				return;
			}
			p->state = c == ']' ? S_SECT_AFTER : S_SECT_LIST;
		} else if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		    || (c >= '0' && c <= '9') || c == '.')
			put(p, (char)c);
		else
			fail(p, c < 0x20 || c >= 0x7f ? IMAP_PARSE_BAD_CHAR :
			    IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_SECT_LIST:
		if (c == '(') {
			i = p->tok;
			p->tok = NONE;
			if (open_list(p, i))
				p->state = S_SEP;
		} else
			fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_SECT_CLOSE:
		if (c == ']') {
			/* the section node is the one just closed */
			p->state = S_SECT_AFTER;
		} else
			fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_SECT_AFTER:
		if (c == '<') {
			p->num = 0;
			p->num_digits = 0;
			p->state = S_PART_OFF;
			return;
		}
		p->tok = NONE;
		p->state = S_AFTER;
		goto again;
	case S_PART_OFF:
	case S_PART_LEN:
		i = p->tok;
		if (c >= '0' && c <= '9' && p->num_digits < 10) {
			lit_digit(p, c, UINT32_MAX);
			return;
		}
		if (p->num_digits == 0 || p->num > UINT32_MAX) {
			fail(p, IMAP_PARSE_BAD_SYNTAX);
			return;
		}
		if (p->state == S_PART_OFF && c == '.') {
			p->nodes[i].partial_offset = (uint32_t)p->num;
			p->num = 0;
			p->num_digits = 0;
			p->state = S_PART_LEN;
		} else if (p->state == S_PART_LEN && c == '>' && p->num > 0) {
			p->nodes[i].partial_length = (uint32_t)p->num;
			p->nodes[i].partial = 1;
			p->tok = NONE;
			p->state = S_PART_END;
		} else
			fail(p, IMAP_PARSE_BAD_SYNTAX);
		return;
	case S_PART_END:
		p->state = S_AFTER;
		goto again;
	default:
		/* S_LIT_DATA, S_SKIP, S_SKIP_LIT, S_DONE, S_DEAD: not here */
		return;
	}
}

/* imap_parser_feed - parse more input */
enum imap_parse_status
imap_parser_feed(struct imap_parser *p, const char *data, size_t len,
    size_t *used_r)
{
	const unsigned char *d = (const unsigned char *)data;
	enum imap_parse_status st;
	size_t i = 0, k;
	unsigned char c;

	*used_r = 0;
	if (p->state == S_DEAD)
		return (IMAP_PARSE_NONSYNC_TOO_BIG);
	if (p->state == S_DONE)
		imap_parser_reset(p);
	while (i < len) {
		if (p->state == S_LIT_DATA) {
			/* bounds: lit_left bytes were reserved by announce() */
			k = len - i < p->lit_left ? len - i : p->lit_left;
			memcpy(p->buf + p->buf_len, d + i, k);
			p->buf_len += k;
			p->lit_left -= k;
			i += k;
			if (p->lit_left == 0) {
				end_string(p, p->tok);
				p->tok = NONE;
				p->state = S_AFTER;
			}
			continue;
		}
		if (p->state == S_SKIP_LIT) {
			k = len - i < p->lit_left ? len - i : p->lit_left;
			p->lit_left -= k;
			i += k;
			if (p->lit_left == 0)
				p->state = S_SKIP;
			continue;
		}
		c = d[i++];
		/* Over command_max, this byte is the first one skipped. */
		if (p->state != S_SKIP)
			count_byte(p);
		if (p->cr) {
			p->cr = 0;
			if (c != '\n') {
				if (p->state != S_SKIP)
					fail(p, IMAP_PARSE_BAD_CHAR);
				skip_byte(p, '\r');
			}
		}
		if (c == '\r') {
			p->cr = 1;
			continue;
		}
		if (c == '\n') {
			st = p->state == S_SKIP ? skip_line_end(p) :
			    line_end(p);
			if (st == IMAP_PARSE_MORE && p->state == S_SKIP)
				st = skip_line_end(p);
			if (st != IMAP_PARSE_MORE) {
				*used_r = i;
				return (st);
			}
			continue;
		}
		if (p->state == S_SKIP) {
			skip_byte(p, c);
			continue;
		}
		step(p, c);
		if (p->state == S_SKIP)
			skip_byte(p, c);
	}
	*used_r = i;
	return (IMAP_PARSE_MORE);
}

/* imap_parser_literal - the announced literal */
void
imap_parser_literal(const struct imap_parser *p, size_t *size_r,
    int *sync_r)
{
	*size_r = (size_t)p->num;
	*sync_r = !p->lit_nonsync;
}

/* imap_parser_tag - the tag or "" */
const char *
imap_parser_tag(const struct imap_parser *p)
{
	return (p->have_tag ? p->buf + p->tag_off : "");
}

/* imap_parser_command - the command name or "" */
const char *
imap_parser_command(const struct imap_parser *p)
{
	return (p->have_cmd ? p->buf + p->cmd_off : "");
}

/* imap_parser_args - the parsed arguments */
const struct imap_arg *
imap_parser_args(const struct imap_parser *p, size_t *count_r)
{
	*count_r = p->result_count;
	return (p->result_count > 0 ? p->args : NULL);
}

/* imap_arg_atom_eq - an atom equal to word, ignoring case? */
int
imap_arg_atom_eq(const struct imap_arg *arg, const char *word)
{
	return (arg->type == IMAP_ARG_ATOM && mem_ieq(arg->str, arg->len,
	    word));
}

/* imap_arg_astring - the string of an atom, quoted string or literal */
int
imap_arg_astring(const struct imap_arg *arg, const char **str_r,
    size_t *len_r)
{
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_QUOTED
	    && arg->type != IMAP_ARG_LITERAL)
		return (0);
	*str_r = arg->str;
	*len_r = arg->len;
	return (1);
}

/* imap_parse_status_reply - how to answer */
enum imap_parse_reply
imap_parse_status_reply(enum imap_parse_status st)
{
	switch (st) {
	case IMAP_PARSE_OK:
	case IMAP_PARSE_MORE:
	case IMAP_PARSE_LITERAL:
		return (IMAP_REPLY_NONE);
	case IMAP_PARSE_COMMAND_TOO_LONG:
		return (IMAP_REPLY_BAD_TOOBIG);
	case IMAP_PARSE_LITERAL_TOO_BIG:
		return (IMAP_REPLY_NO_TOOBIG);
	case IMAP_PARSE_NONSYNC_TOO_BIG:
		return (IMAP_REPLY_BYE);
	default:
		return (IMAP_REPLY_BAD);
	}
}

/* Status names and texts, in enum order. */
static const struct {
	const char *name, *text;
} status_info[] = {
	{ "ok", "OK" },
	{ "more", "More input needed" },
	{ "literal", "Ready for literal data" },
	{ "empty", "Empty command line" },
	{ "bad-tag", "Missing or invalid tag" },
	{ "bad-command", "Missing or invalid command name" },
	{ "bad-syntax", "Syntax error in arguments" },
	{ "bad-char", "Invalid character in command" },
	{ "too-deep", "Lists nested too deeply" },
	{ "too-many-args", "Too many arguments" },
	{ "command-too-long", "Command too long" },
	{ "literal-too-big", "Literal too big" },
	{ "nonsync-too-big", "Non-synchronising literal too big" },
};

/* imap_parse_status_text - reply text */
const char *
imap_parse_status_text(enum imap_parse_status st)
{
	if ((size_t)st >= sizeof(status_info) / sizeof(status_info[0]))
		return ("Unknown error");
	return (status_info[st].text);
}

/* imap_parse_status_name - a word for logs */
const char *
imap_parse_status_name(enum imap_parse_status st)
{
	if ((size_t)st >= sizeof(status_info) / sizeof(status_info[0]))
		return ("unknown");
	return (status_info[st].name);
}
