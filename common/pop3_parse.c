/*
 * pop3_parse - POP3 command line parser and message transfer encoder.
 *
 * The command parser splits the keyword at the first space, looks it up
 * case-insensitively, then checks the arguments the verb takes: exactly
 * one space between arguments, no trailing garbage, numbers strict. PASS
 * takes the rest of the line as it is (RFC 1939 allows spaces in it).
 * Nothing here logs or allocates.
 */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "pop3_parse.h"

static const struct {
	const char *name;
	enum pop3_verb verb;
} verbs[] = {
	{ "USER", POP3_VERB_USER }, { "PASS", POP3_VERB_PASS },
	{ "APOP", POP3_VERB_APOP }, { "AUTH", POP3_VERB_AUTH },
	{ "STLS", POP3_VERB_STLS }, { "CAPA", POP3_VERB_CAPA },
	{ "STAT", POP3_VERB_STAT }, { "LIST", POP3_VERB_LIST },
	{ "RETR", POP3_VERB_RETR }, { "DELE", POP3_VERB_DELE },
	{ "NOOP", POP3_VERB_NOOP }, { "RSET", POP3_VERB_RSET },
	{ "QUIT", POP3_VERB_QUIT }, { "TOP", POP3_VERB_TOP },
	{ "UIDL", POP3_VERB_UIDL },
};

/* parse_number - strict decimal in [min, 2^32-1]; 0, or -1 */
static int
parse_number(const char *s, size_t len, uint32_t min, uint32_t *val_r)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 10 || (len > 1 && s[0] == '0'))
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v < min || v > UINT32_MAX)
		return (-1);
	*val_r = (uint32_t)v;
	return (0);
}

/* split - the next space-separated word of [*p, end): 0, or -1 if empty */
static int
split(const char **p, const char *end, const char **w_r, size_t *len_r)
{
	const char *sp;

	if (*p >= end)
		return (-1);
	sp = memchr(*p, ' ', (size_t)(end - *p));
	if (sp == NULL)
		sp = end;
	*w_r = *p;
	*len_r = (size_t)(sp - *p);
	*p = sp < end ? sp + 1 : end;
	/* bounds: a space at the very end leaves an empty last word */
	if (sp < end && sp + 1 == end)
		return (*len_r == 0 ? -1 : 1);
	return (*len_r == 0 ? -1 : 0);
}

/* pop3_parse_command - one command line */
enum pop3_parse_status
pop3_parse_command(const char *line, size_t len, struct pop3_cmd *cmd)
{
	const char *p, *end = line + len, *w;
	size_t i, kw, wl;
	int r;

	memset(cmd, 0, sizeof(*cmd));
	cmd->arg = cmd->arg2 = "";
	if (len == 0)
		return (POP3_PARSE_EMPTY);
	for (kw = 0; kw < len && line[kw] != ' '; kw++)
		;
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == kw &&
		    strncasecmp(verbs[i].name, line, kw) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0]))
		return (memchr(line, '\0', len) ? POP3_PARSE_NUL :
		    POP3_PARSE_UNKNOWN);
	cmd->verb = verbs[i].verb;
	cmd->name = verbs[i].name;
	if (memchr(line, '\0', len) != NULL)
		return (POP3_PARSE_NUL);
	p = kw < len ? line + kw + 1 : end;
	if (kw < len && p == end)
		return (POP3_PARSE_BAD_ARG);	/* "STAT " */

	switch (cmd->verb) {
	case POP3_VERB_STLS:
	case POP3_VERB_CAPA:
	case POP3_VERB_STAT:
	case POP3_VERB_NOOP:
	case POP3_VERB_RSET:
	case POP3_VERB_QUIT:
		return (p == end ? POP3_PARSE_OK : POP3_PARSE_EXTRA_ARG);
	case POP3_VERB_LIST:
	case POP3_VERB_UIDL:
		if (p == end)
			return (POP3_PARSE_OK);
		/* FALLTHROUGH */
	case POP3_VERB_RETR:
	case POP3_VERB_DELE:
	case POP3_VERB_TOP:
		if ((r = split(&p, end, &w, &wl)) < 0)
			return (p == end ? POP3_PARSE_MISSING_ARG :
			    POP3_PARSE_BAD_ARG);
		if (parse_number(w, wl, 1, &cmd->msg) < 0)
			return (POP3_PARSE_BAD_NUMBER);
		cmd->has_msg = 1;
		if (r == 1)
			return (POP3_PARSE_BAD_ARG);
		if (cmd->verb != POP3_VERB_TOP)
			return (p == end ? POP3_PARSE_OK :
			    POP3_PARSE_EXTRA_ARG);
		if ((r = split(&p, end, &w, &wl)) < 0)
			return (p == end ? POP3_PARSE_MISSING_ARG :
			    POP3_PARSE_BAD_ARG);
		if (parse_number(w, wl, 0, &cmd->lines) < 0)
			return (POP3_PARSE_BAD_NUMBER);
		if (r == 1)
			return (POP3_PARSE_BAD_ARG);
		return (p == end ? POP3_PARSE_OK : POP3_PARSE_EXTRA_ARG);
	case POP3_VERB_USER:
		if ((r = split(&p, end, &w, &wl)) < 0)
			return (p == end ? POP3_PARSE_MISSING_ARG :
			    POP3_PARSE_BAD_ARG);
		if (r == 1 || wl > POP3_ARG_MAX)
			return (POP3_PARSE_BAD_ARG);
		if (p != end)
			return (POP3_PARSE_EXTRA_ARG);
		cmd->arg = w;
		cmd->arg_len = wl;
		return (POP3_PARSE_OK);
	case POP3_VERB_PASS:
		if (p == end)
			return (POP3_PARSE_MISSING_ARG);
		if ((size_t)(end - p) > POP3_PASS_MAX)
			return (POP3_PARSE_BAD_ARG);
		cmd->arg = p;
		cmd->arg_len = (size_t)(end - p);
		return (POP3_PARSE_OK);
	case POP3_VERB_APOP:
		if ((r = split(&p, end, &w, &wl)) < 0)
			return (p == end ? POP3_PARSE_MISSING_ARG :
			    POP3_PARSE_BAD_ARG);
		if (r == 1 || wl > POP3_ARG_MAX)
			return (POP3_PARSE_BAD_ARG);
		cmd->arg = w;
		cmd->arg_len = wl;
		if ((r = split(&p, end, &w, &wl)) < 0)
			return (p == end ? POP3_PARSE_MISSING_ARG :
			    POP3_PARSE_BAD_ARG);
		if (r == 1 || wl != POP3_APOP_DIGEST_LEN)
			return (POP3_PARSE_BAD_ARG);
		for (i = 0; i < wl; i++)
			if (strchr("0123456789abcdefABCDEF", w[i]) == NULL)
				return (POP3_PARSE_BAD_ARG);
		if (p != end)
			return (POP3_PARSE_EXTRA_ARG);
		cmd->arg2 = w;
		cmd->arg2_len = wl;
		return (POP3_PARSE_OK);
	case POP3_VERB_AUTH:
		if (p == end)
			return (POP3_PARSE_OK);		/* list mechanisms */
		if ((r = split(&p, end, &w, &wl)) < 0 || r == 1 ||
		    wl > POP3_ARG_MAX)
			return (POP3_PARSE_BAD_ARG);
		cmd->arg = w;
		cmd->arg_len = wl;
		if (p == end)
			return (POP3_PARSE_OK);
		if ((r = split(&p, end, &w, &wl)) < 0 || r == 1)
			return (POP3_PARSE_BAD_ARG);
		if (p != end)
			return (POP3_PARSE_EXTRA_ARG);
		cmd->arg2 = w;
		cmd->arg2_len = wl;
		return (POP3_PARSE_OK);
	case POP3_VERB_NONE:
		break;
	}
	return (POP3_PARSE_UNKNOWN);
}

/* pop3_parse_status_text - reply text for a parse failure */
const char *
pop3_parse_status_text(enum pop3_parse_status st)
{
	switch (st) {
	case POP3_PARSE_OK:
		return ("ok");
	case POP3_PARSE_EMPTY:
		return ("empty command");
	case POP3_PARSE_UNKNOWN:
		return ("unknown command");
	case POP3_PARSE_NUL:
		return ("NUL byte in command");
	case POP3_PARSE_MISSING_ARG:
		return ("missing argument");
	case POP3_PARSE_EXTRA_ARG:
		return ("too many arguments");
	case POP3_PARSE_BAD_NUMBER:
		return ("invalid number");
	case POP3_PARSE_BAD_ARG:
		return ("malformed argument");
	}
	return ("?");
}

/* pop3_encode_init - start one message */
void
pop3_encode_init(struct pop3_encode *e, int top, uint32_t lines)
{
	memset(e, 0, sizeof(*e));
	e->limit = top != 0;
	e->lines_left = lines;
}

/* pop3_encode - LF -> CR LF, byte-stuffing, TOP's body line limit */
int
pop3_encode(struct pop3_encode *e, const char *in, size_t len,
    struct sbuf *out)
{
	size_t i, start;
	int empty;

	for (i = 0; i < len && !e->done; ) {
		if (e->line_bytes == 0) {
			if (e->limit && e->in_body && e->lines_left == 0) {
				e->done = 1;
				break;
			}
			if (in[i] == '.' && sbuf_appendc(out, '.') < 0)
				return (-1);
		}
		/* Copy a run of ordinary bytes at once. */
		start = i;
		while (i < len && in[i] != '\n')
			i++;
		if (i > start) {
			if (sbuf_append(out, in + start, i - start) < 0)
				return (-1);
			e->prev_cr = in[i - 1] == '\r';
			if (e->line_bytes < 2)
				e->line_bytes += i - start > 2 ? 2 :
				    (int)(i - start);
		}
		if (i == len)
			break;
		/* in[i] is LF; an empty line (LF or CR LF) ends the headers */
		if (!e->prev_cr && sbuf_appendc(out, '\r') < 0)
			return (-1);
		if (sbuf_appendc(out, '\n') < 0)
			return (-1);
		i++;
		empty = e->line_bytes == 0 || (e->line_bytes == 1 &&
		    e->prev_cr);
		if (!e->in_body && empty)
			e->in_body = 1;
		else if (e->in_body && e->limit && e->lines_left > 0)
			e->lines_left--;
		e->prev_cr = 0;
		e->line_bytes = 0;
	}
	return (0);
}

/* pop3_encode_end - close the last line, then the terminating dot */
int
pop3_encode_end(struct pop3_encode *e, struct sbuf *out)
{
	if (e->line_bytes > 0 && !e->done) {
		if (!e->prev_cr && sbuf_appendc(out, '\r') < 0)
			return (-1);
		if (sbuf_appendc(out, '\n') < 0)
			return (-1);
	}
	e->line_bytes = 0;
	return (sbuf_appends(out, ".\r\n"));
}

/* pop3_apop_timestamp_check - "<...@...>" printable, no spaces */
int
pop3_apop_timestamp_check(const char *s, size_t len)
{
	size_t i;

	if (len < 3 || s[0] != '<' || s[len - 1] != '>' ||
	    memchr(s, '@', len) == NULL)
		return (0);
	for (i = 1; i + 1 < len; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '<' || s[i] == '>')
			return (0);
	return (1);
}
