/*
 * smtp_parse - SMTP commands, paths, parameters, replies and DATA bodies.
 *
 * Each parser walks its input once, left to right, and stops at the first
 * fault, so the status a client gets names the leftmost problem and the
 * work done is bounded by the input length. Lengths are checked as bytes
 * are taken, before anything is copied into a fixed buffer. Outputs are
 * cleared first and cleared again on failure, so a caller never sees half
 * a result. Nothing here allocates, logs or keeps state between calls but
 * what the caller's structures hold.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>

#include "smtp_parse.h"
#include "strnum.h"
#include "utf8.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ascii_digit - is c a decimal digit, whatever the locale? */
static int
ascii_digit(int c)
{
	return (c >= '0' && c <= '9');
}

/* ascii_alpha - is c an ASCII letter? */
static int
ascii_alpha(int c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
}

/* ascii_alnum - is c an ASCII letter or digit? */
static int
ascii_alnum(int c)
{
	return (ascii_alpha(c) || ascii_digit(c));
}

/* ascii_upper - c in upper case, ASCII only */
static int
ascii_upper(int c)
{
	return (c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
}

/* is_blank - SP or HTAB */
static int
is_blank(int c)
{
	return (c == ' ' || c == '\t');
}

/* is_control - a C0 control but HTAB, or DEL */
static int
is_control(int c)
{
	return ((c < 0x20 && c != '\t') || c == 0x7f);
}

/* is_atext - RFC 5322 atext, ASCII part */
static int
is_atext(int c)
{
	return (ascii_alnum(c) || (c != '\0'
	    && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL));
}

/* is_qtext - RFC 5321 qtextSMTP, ASCII part */
static int
is_qtext(int c)
{
	return (c == 32 || c == 33 || (c >= 35 && c <= 91)
	    || (c >= 93 && c <= 126));
}

/* mem_ieq - are the n bytes at s the C string w, ignoring ASCII case? */
static int
mem_ieq(const char *s, size_t n, const char *w)
{
	size_t i;

	if (strlen(w) != n)
		return (0);
	for (i = 0; i < n; i++)
		if (ascii_upper((unsigned char)s[i])
		    != ascii_upper((unsigned char)w[i]))
			return (0);
	return (1);
}

/* prefix_ieq - do the len bytes at s start with w, ignoring case? */
static int
prefix_ieq(const char *s, size_t len, const char *w)
{
	size_t n = strlen(w);

	return (len >= n && mem_ieq(s, n, w));
}

/*
 * Verbs: name, whether an argument is required, allowed or refused, and
 * the usage text a syntax error reply shows.
 */
enum arg_rule {
	ARG_NONE,
	ARG_OPTIONAL,
	ARG_REQUIRED,
};

static const struct verb_info {
	const char *name;
	enum arg_rule arg;
	const char *syntax;
} verb_table[] = {
	[SMTP_VERB_NONE] = { "", ARG_OPTIONAL,
	    "Syntax error in parameters or arguments" },
	[SMTP_VERB_HELO] = { "HELO", ARG_REQUIRED, "Syntax: HELO domain" },
	[SMTP_VERB_EHLO] = { "EHLO", ARG_REQUIRED, "Syntax: EHLO domain" },
	[SMTP_VERB_MAIL] = { "MAIL", ARG_REQUIRED,
	    "Syntax: MAIL FROM:<address> [parameters]" },
	[SMTP_VERB_RCPT] = { "RCPT", ARG_REQUIRED,
	    "Syntax: RCPT TO:<address> [parameters]" },
	[SMTP_VERB_DATA] = { "DATA", ARG_NONE, "Syntax: DATA" },
	[SMTP_VERB_BDAT] = { "BDAT", ARG_REQUIRED, "Syntax: BDAT size [LAST]" },
	[SMTP_VERB_RSET] = { "RSET", ARG_NONE, "Syntax: RSET" },
	[SMTP_VERB_NOOP] = { "NOOP", ARG_OPTIONAL, "Syntax: NOOP [text]" },
	[SMTP_VERB_QUIT] = { "QUIT", ARG_NONE, "Syntax: QUIT" },
	[SMTP_VERB_VRFY] = { "VRFY", ARG_REQUIRED, "Syntax: VRFY address" },
	[SMTP_VERB_EXPN] = { "EXPN", ARG_REQUIRED, "Syntax: EXPN list" },
	[SMTP_VERB_HELP] = { "HELP", ARG_OPTIONAL, "Syntax: HELP [topic]" },
	[SMTP_VERB_STARTTLS] = { "STARTTLS", ARG_NONE, "Syntax: STARTTLS" },
	[SMTP_VERB_AUTH] = { "AUTH", ARG_REQUIRED,
	    "Syntax: AUTH mechanism [initial-response]" },
};

/* verb_info - the table row of verb, the NONE row if out of range */
static const struct verb_info *
verb_info(enum smtp_verb verb)
{
	if ((size_t)verb >= NELEM(verb_table))
		return (&verb_table[SMTP_VERB_NONE]);
	return (&verb_table[verb]);
}

/* smtp_verb_name - the verb as a word */
const char *
smtp_verb_name(enum smtp_verb verb)
{
	return (verb_info(verb)->name);
}

/* smtp_next_word - the next blank-separated word of s from *pos */
int
smtp_next_word(const char *s, size_t len, size_t *pos, const char **word_r,
    size_t *word_len_r)
{
	size_t i = *pos, start;

	while (i < len && is_blank((unsigned char)s[i]))
		i++;
	if (i >= len) {
		*pos = len;
		return (0);
	}
	start = i;
	while (i < len && !is_blank((unsigned char)s[i]))
		i++;
	*word_r = s + start;
	*word_len_r = i - start;
	*pos = i;
	return (1);
}

/* smtp_parse_command - verb and argument of a command line */
enum smtp_parse_status
smtp_parse_command(const char *line, size_t len, struct smtp_command *cmd)
{
	size_t i, vlen, end;
	int v;

	cmd->verb = SMTP_VERB_NONE;
	cmd->arg = "";
	cmd->arg_len = 0;
	for (i = 0; i < len; i++)
		if (is_control((unsigned char)line[i]))
			return (SMTP_PARSE_BAD_CHAR);
	for (vlen = 0; vlen < len && !is_blank((unsigned char)line[vlen]);
	    vlen++)
		;
	if (vlen == 0) {
		/* a line that starts with a blank has no verb */
		for (i = 0; i < len && is_blank((unsigned char)line[i]); i++)
			;
		return (i == len ? SMTP_PARSE_EMPTY :
		    SMTP_PARSE_UNKNOWN_COMMAND);
	}
	for (v = SMTP_VERB_NONE + 1; v < (int)NELEM(verb_table); v++)
		if (mem_ieq(line, vlen, verb_table[v].name))
			break;
	if (v == (int)NELEM(verb_table))
		return (SMTP_PARSE_UNKNOWN_COMMAND);
	cmd->verb = (enum smtp_verb)v;

	for (i = vlen; i < len && is_blank((unsigned char)line[i]); i++)
		;
	for (end = len; end > i && is_blank((unsigned char)line[end - 1]);
	    end--)
		;
	if (end > i) {
		cmd->arg = line + i;
		cmd->arg_len = end - i;
	}
	switch (verb_table[v].arg) {
	case ARG_NONE:
		if (cmd->arg_len != 0)
			return (SMTP_PARSE_EXTRA_ARGUMENT);
		break;
	case ARG_REQUIRED:
		if (cmd->arg_len == 0)
			return (cmd->verb == SMTP_VERB_HELO
			    || cmd->verb == SMTP_VERB_EHLO ?
			    SMTP_PARSE_NO_DOMAIN : SMTP_PARSE_NO_ARGUMENT);
		break;
	case ARG_OPTIONAL:
		break;
	}
	return (SMTP_PARSE_OK);
}

/* Status names, for logs and tests. */
static const char *const status_names[] = {
	[SMTP_PARSE_OK] = "ok",
	[SMTP_PARSE_EMPTY] = "empty",
	[SMTP_PARSE_BAD_CHAR] = "bad-char",
	[SMTP_PARSE_UNKNOWN_COMMAND] = "unknown-command",
	[SMTP_PARSE_NO_ARGUMENT] = "no-argument",
	[SMTP_PARSE_EXTRA_ARGUMENT] = "extra-argument",
	[SMTP_PARSE_BAD_ARGUMENT] = "bad-argument",
	[SMTP_PARSE_NO_DOMAIN] = "no-domain",
	[SMTP_PARSE_BAD_DOMAIN] = "bad-domain",
	[SMTP_PARSE_BAD_PATH] = "bad-path",
	[SMTP_PARSE_BAD_ADDRESS] = "bad-address",
	[SMTP_PARSE_NULL_RECIPIENT] = "null-recipient",
	[SMTP_PARSE_LOCAL_TOO_LONG] = "local-too-long",
	[SMTP_PARSE_DOMAIN_TOO_LONG] = "domain-too-long",
	[SMTP_PARSE_PATH_TOO_LONG] = "path-too-long",
	[SMTP_PARSE_NON_ASCII] = "non-ascii",
	[SMTP_PARSE_BAD_PARAM] = "bad-param",
	[SMTP_PARSE_UNKNOWN_PARAM] = "unknown-param",
	[SMTP_PARSE_DUPLICATE_PARAM] = "duplicate-param",
	[SMTP_PARSE_TOO_MANY_PARAMS] = "too-many-params",
	[SMTP_PARSE_BAD_PARAM_VALUE] = "bad-param-value",
	[SMTP_PARSE_PARAM_TOO_LONG] = "param-too-long",
	[SMTP_PARSE_BAD_BASE64] = "bad-base64",
	[SMTP_PARSE_AUTH_CANCELLED] = "auth-cancelled",
	[SMTP_PARSE_RESPONSE_TOO_LONG] = "response-too-long",
	[SMTP_PARSE_LINE_TOO_LONG] = "line-too-long",
	[SMTP_PARSE_MESSAGE_TOO_BIG] = "message-too-big",
};

/* smtp_parse_status_name - fixed name of a status */
const char *
smtp_parse_status_name(enum smtp_parse_status st)
{
	if ((size_t)st >= NELEM(status_names) || status_names[st] == NULL)
		return ("unknown-status");
	return (status_names[st]);
}

/* make_reply - a struct smtp_parse_reply from its parts */
static struct smtp_parse_reply
make_reply(int code, const char *enhanced, const char *text)
{
	struct smtp_parse_reply r;

	r.code = code;
	r.enhanced = enhanced;
	r.text = text;
	return (r);
}

/*
 * address_reply - the reply for a fault in a path: RFC 3463 X.1.7 for a
 * sender, X.1.3 for a recipient. Syntax is 553 for a recipient as RFC
 * 5321 defines 553 for "mailbox syntax incorrect"; lengths are "501 Path
 * too long" (section 4.5.3.1.10) for both.
 */
static struct smtp_parse_reply
address_reply(enum smtp_verb verb, enum smtp_parse_status st)
{
	int mail = verb == SMTP_VERB_MAIL;
	const char *enh = mail ? "5.1.7" : "5.1.3";

	switch (st) {
	case SMTP_PARSE_BAD_ADDRESS:
		if (mail)
			return (make_reply(501, enh,
			    "Bad sender address syntax"));
		if (verb == SMTP_VERB_RCPT)
			return (make_reply(553, enh,
			    "Bad recipient address syntax"));
		return (make_reply(553, enh, "Bad address syntax"));
	case SMTP_PARSE_LOCAL_TOO_LONG:
		return (make_reply(501, enh, mail ?
		    "Sender local part too long" : "Local part too long"));
	case SMTP_PARSE_DOMAIN_TOO_LONG:
		return (make_reply(501, enh, mail ? "Sender domain too long" :
		    "Domain too long"));
	default:
		return (make_reply(501, enh, "Path too long"));
	}
}

/* smtp_parse_reply_for - the server's reply to a failed command */
struct smtp_parse_reply
smtp_parse_reply_for(enum smtp_verb verb, enum smtp_parse_status st)
{
	const char *syntax = verb_info(verb)->syntax;

	switch (st) {
	case SMTP_PARSE_OK:
		return (make_reply(0, "", ""));
	case SMTP_PARSE_EMPTY:
		return (make_reply(500, "5.5.2",
		    "Syntax error, empty command"));
	case SMTP_PARSE_BAD_CHAR:
		return (make_reply(500, "5.5.2",
		    "Syntax error, control character in command"));
	case SMTP_PARSE_UNKNOWN_COMMAND:
		return (make_reply(500, "5.5.2",
		    "Syntax error, command unrecognized"));
	case SMTP_PARSE_NO_ARGUMENT:
	case SMTP_PARSE_EXTRA_ARGUMENT:
	case SMTP_PARSE_BAD_ARGUMENT:
	case SMTP_PARSE_BAD_PATH:
		return (make_reply(501, "5.5.4", syntax));
	case SMTP_PARSE_NO_DOMAIN:
		return (make_reply(501, "5.5.2", syntax));
	case SMTP_PARSE_BAD_DOMAIN:
		return (make_reply(501, "5.5.2", "Invalid domain name"));
	case SMTP_PARSE_DOMAIN_TOO_LONG:
		if (verb == SMTP_VERB_HELO || verb == SMTP_VERB_EHLO)
			return (make_reply(501, "5.5.2",
			    "Domain name too long"));
		return (address_reply(verb, st));
	case SMTP_PARSE_BAD_ADDRESS:
	case SMTP_PARSE_LOCAL_TOO_LONG:
	case SMTP_PARSE_PATH_TOO_LONG:
		return (address_reply(verb, st));
	case SMTP_PARSE_NULL_RECIPIENT:
		return (make_reply(553, "5.1.3", "Null recipient not allowed"));
	case SMTP_PARSE_NON_ASCII:
		return (make_reply(553, "5.6.7",
		    "Non-ASCII address requires SMTPUTF8"));
	case SMTP_PARSE_BAD_PARAM:
		return (make_reply(501, "5.5.4", "Syntax error in parameters"));
	case SMTP_PARSE_UNKNOWN_PARAM:
		return (make_reply(555, "5.5.4", "Unsupported parameter"));
	case SMTP_PARSE_DUPLICATE_PARAM:
		return (make_reply(501, "5.5.4", "Duplicate parameter"));
	case SMTP_PARSE_TOO_MANY_PARAMS:
		return (make_reply(501, "5.5.4", "Too many parameters"));
	case SMTP_PARSE_BAD_PARAM_VALUE:
		return (make_reply(501, "5.5.4", "Invalid parameter value"));
	case SMTP_PARSE_PARAM_TOO_LONG:
		return (make_reply(501, "5.5.4", "Parameter value too long"));
	case SMTP_PARSE_BAD_BASE64:
		return (make_reply(501, "5.5.2", "Cannot decode response"));
	case SMTP_PARSE_AUTH_CANCELLED:
		return (make_reply(501, "5.0.0", "Authentication cancelled"));
	case SMTP_PARSE_RESPONSE_TOO_LONG:
		return (make_reply(500, "5.5.6",
		    "Authentication exchange line too long"));
	case SMTP_PARSE_LINE_TOO_LONG:
		return (make_reply(500, "5.5.6", "Line too long"));
	case SMTP_PARSE_MESSAGE_TOO_BIG:
		return (make_reply(552, "5.3.4",
		    "Message size exceeds fixed limit"));
	}
	/* a value outside the enum: still a syntax error, never a crash */
	return (make_reply(501, "5.5.4",
	    "Syntax error in parameters or arguments"));
}

/*
 * Paths. A cursor walks the argument; 8-bit bytes are taken wherever UTF-8
 * may stand and remembered, since for MAIL the SMTPUTF8 parameter that
 * allows them comes after the path.
 */
struct cursor {
	const char *s;
	size_t	len;
	size_t	pos;
	int	eightbit;		/* a byte >= 0x80 was taken */
	int	bad_utf8;		/* ... and it was not UTF-8 */
};

/* cur_byte - the byte at the cursor, or -1 at the end */
static int
cur_byte(const struct cursor *cur)
{
	return (cur->pos < cur->len ? (unsigned char)cur->s[cur->pos] : -1);
}

/*
 * take_8bit - take the non-ASCII character at the cursor; its length
 * (one byte for a byte that is not UTF-8, which is remembered)
 */
static size_t
take_8bit(struct cursor *cur)
{
	size_t n;

	n = utf8_char_len((const unsigned char *)cur->s + cur->pos,
	    cur->len - cur->pos);
	cur->eightbit = 1;
	if (n == 0) {
		cur->bad_utf8 = 1;
		n = 1;
	}
	cur->pos += n;
	return (n);
}

/*
 * scan_domain - take an RFC 5321 Domain at the cursor: LDH labels (UTF-8
 * too when allow8), none empty, none over SMTP_LABEL_MAX, none starting or
 * ending with '-'. Stops at the first byte that cannot continue it; the
 * caller checks what follows.
 */
static enum smtp_parse_status
scan_domain(struct cursor *cur, int allow8)
{
	size_t start = cur->pos, first, n;
	int c;

	for (;;) {
		first = cur->pos;
		for (;;) {
			c = cur_byte(cur);
			if (c >= 0 && (ascii_alnum(c) || c == '-'))
				cur->pos++;
			else if (c >= 0x80 && allow8)
				(void)take_8bit(cur);
			else
				break;
			if (cur->pos - start > SMTP_DOMAIN_MAX)
				return (SMTP_PARSE_DOMAIN_TOO_LONG);
		}
		n = cur->pos - first;
		if (n > SMTP_LABEL_MAX || (n > 0 && cur->s[first] == '-'))
			return (SMTP_PARSE_BAD_ADDRESS);
		/* what more input could still mend is a truncated path */
		if (n == 0 || cur->s[cur->pos - 1] == '-')
			return (cur_byte(cur) < 0 ? SMTP_PARSE_BAD_PATH :
			    SMTP_PARSE_BAD_ADDRESS);
		if (cur_byte(cur) != '.')
			return (SMTP_PARSE_OK);
		cur->pos++;
	}
}

/* ipv4_literal - is s[0..n) a dotted quad of 1-3 digit numbers <= 255? */
static int
ipv4_literal(const char *s, size_t n)
{
	size_t i = 0, digits;
	int part, v;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || s[i] != '.')
				return (0);
			i++;
		}
		v = 0;
		for (digits = 0; i < n && ascii_digit(s[i]) && digits < 3;
		    i++, digits++)
			v = v * 10 + (s[i] - '0');
		if (digits == 0 || v > 255)
			return (0);
	}
	return (i == n);
}

/*
 * literal_ok - is s[0..n), the text between the brackets, an IPv4 or an
 * "IPv6:" literal? General literals are refused: their tags must be
 * registered and none is.
 */
static int
literal_ok(const char *s, size_t n)
{
	char buf[SMTP_DOMAIN_MAX + 1];
	unsigned char addr[16];

	if (ipv4_literal(s, n))
		return (1);
	if (!prefix_ieq(s, n, "IPv6:") || n - 5 >= sizeof(buf))
		return (0);
	/* bounds: n - 5 < sizeof(buf), checked just above */
	memcpy(buf, s + 5, n - 5);
	buf[n - 5] = '\0';
	return (inet_pton(AF_INET6, buf, addr) == 1);
}

/*
 * scan_literal - take "[...]" at the cursor (on the '['): dcontent bytes
 * up to ']', at most SMTP_DOMAIN_MAX with the brackets, and a valid
 * literal. BAD_PATH if the input ends first.
 */
static enum smtp_parse_status
scan_literal(struct cursor *cur)
{
	size_t start = cur->pos;
	int c;

	cur->pos++;
	for (;;) {
		if ((c = cur_byte(cur)) < 0)
			return (SMTP_PARSE_BAD_PATH);
		if (c == ']')
			break;
		if (c < 33 || c > 126 || c == '[' || c == '\\')
			return (SMTP_PARSE_BAD_ADDRESS);
		cur->pos++;
		if (cur->pos - start + 1 > SMTP_DOMAIN_MAX)
			return (SMTP_PARSE_DOMAIN_TOO_LONG);
	}
	cur->pos++;
	if (!literal_ok(cur->s + start + 1, cur->pos - start - 2))
		return (SMTP_PARSE_BAD_ADDRESS);
	return (SMTP_PARSE_OK);
}

/*
 * scan_local - take a dot-string or quoted-string local part at the
 * cursor, its unquoted form into local (SMTP_LOCAL_MAX + 1 bytes, NUL
 * added), *quoted_r whether it came quoted. The wire form is what
 * SMTP_LOCAL_MAX bounds, and the unquoted form is never longer.
 */
static enum smtp_parse_status
scan_local(struct cursor *cur, char *local, int *quoted_r)
{
	size_t start = cur->pos, o = 0, n, atom = 0;
	int c;

	*quoted_r = cur_byte(cur) == '"';
	if (*quoted_r) {
		cur->pos++;
		for (;;) {
			if ((c = cur_byte(cur)) < 0)
				return (SMTP_PARSE_BAD_PATH);
			if (c == '"') {
				cur->pos++;
				break;
			}
			if (c == '\\') {
				cur->pos++;
				if ((c = cur_byte(cur)) < 0)
					return (SMTP_PARSE_BAD_PATH);
				if (c < 32 || c > 126)
					return (SMTP_PARSE_BAD_ADDRESS);
				local[o++] = (char)c;
				cur->pos++;
			} else if (is_qtext(c)) {
				local[o++] = (char)c;
				cur->pos++;
			} else if (c >= 0x80) {
				n = take_8bit(cur);
				if (cur->pos - start > SMTP_LOCAL_MAX)
					return (SMTP_PARSE_LOCAL_TOO_LONG);
				/* bounds: o + n <= pos - start - 1 < max */
				memcpy(local + o, cur->s + cur->pos - n, n);
				o += n;
			} else
				return (SMTP_PARSE_BAD_ADDRESS);
			if (cur->pos - start > SMTP_LOCAL_MAX)
				return (SMTP_PARSE_LOCAL_TOO_LONG);
		}
		if (cur->pos - start > SMTP_LOCAL_MAX)
			return (SMTP_PARSE_LOCAL_TOO_LONG);
		local[o] = '\0';
		return (SMTP_PARSE_OK);
	}

	for (;;) {
		c = cur_byte(cur);
		if (c >= 0 && c < 0x80 && is_atext(c)) {
			cur->pos++;
			atom++;
		} else if (c >= 0x80) {
			(void)take_8bit(cur);
			atom++;
		} else if (c == '.') {
			if (atom == 0)
				return (SMTP_PARSE_BAD_ADDRESS);
			cur->pos++;
			atom = 0;
		} else
			break;
		if (cur->pos - start > SMTP_LOCAL_MAX)
			return (SMTP_PARSE_LOCAL_TOO_LONG);
	}
	/* empty, or ending in '.': truncated if the input ended */
	if (atom == 0)
		return (c < 0 ? SMTP_PARSE_BAD_PATH : SMTP_PARSE_BAD_ADDRESS);
	/* bounds: pos - start <= SMTP_LOCAL_MAX, checked in the loop */
	memcpy(local, cur->s + start, cur->pos - start);
	local[cur->pos - start] = '\0';
	return (SMTP_PARSE_OK);
}

/* dot_string - is s (n bytes) a dot-string, so stored without quotes? */
static int
dot_string(const char *s, size_t n)
{
	size_t i, atom = 0;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '.') {
			if (atom == 0)
				return (0);
			atom = 0;
		} else if (c >= 0x80 || is_atext(c))
			atom++;
		else
			return (0);
	}
	return (atom > 0);
}

/* put - append n bytes to buf (size bytes) at *o; -1 if they do not fit */
static int
put(char *buf, size_t size, size_t *o, const char *p, size_t n)
{
	if (n >= size - *o)
		return (-1);
	memcpy(buf + *o, p, n);
	*o += n;
	buf[*o] = '\0';
	return (0);
}

/*
 * store_address - path->address from path->local and path->domain: the
 * local part bare if it is a dot-string, else quoted with '"' and '\'
 * escaped. -1 if it does not fit (cannot happen for a path within
 * SMTP_PATH_MAX, as quoting never grows what the client sent).
 */
static int
store_address(struct smtp_path *path)
{
	char *a = path->address;
	size_t size = sizeof(path->address), o = 0, i, n;

	a[0] = '\0';
	n = strlen(path->local);
	if (dot_string(path->local, n)) {
		if (put(a, size, &o, path->local, n) < 0)
			return (-1);
	} else {
		path->flags |= SMTP_PATH_QUOTED;
		if (put(a, size, &o, "\"", 1) < 0)
			return (-1);
		for (i = 0; i < n; i++) {
			if ((path->local[i] == '"' || path->local[i] == '\\')
			    && put(a, size, &o, "\\", 1) < 0)
				return (-1);
			if (put(a, size, &o, path->local + i, 1) < 0)
				return (-1);
		}
		if (put(a, size, &o, "\"", 1) < 0)
			return (-1);
	}
	if (put(a, size, &o, "@", 1) < 0
	    || put(a, size, &o, path->domain, strlen(path->domain)) < 0)
		return (-1);
	return (0);
}

/*
 * scan_path - take "<...>" at the cursor into path: null path, source
 * route, local part, domain or literal, in the order of RFC 5321 4.1.2.
 */
static enum smtp_parse_status
scan_path(struct cursor *cur, int is_mail, struct smtp_path *path)
{
	enum smtp_parse_status st;
	size_t start = cur->pos, dstart;
	int c, quoted, route = 0;

	if (cur_byte(cur) != '<')
		return (SMTP_PARSE_BAD_PATH);
	cur->pos++;
	if (cur_byte(cur) == '>') {
		cur->pos++;
		if (!is_mail)
			return (SMTP_PARSE_NULL_RECIPIENT);
		path->flags |= SMTP_PATH_NULL;
		return (SMTP_PARSE_OK);
	}

	/* A-d-l ":" - taken, checked and dropped */
	while (cur_byte(cur) == '@') {
		cur->pos++;
		route = 1;
		if ((st = scan_domain(cur, 0)) != SMTP_PARSE_OK)
			return (st);
		c = cur_byte(cur);
		if (c == ':') {
			cur->pos++;
			break;
		}
		if (c < 0)
			return (SMTP_PARSE_BAD_PATH);
		if (c != ',')
			return (SMTP_PARSE_BAD_ADDRESS);
		cur->pos++;
		if (cur_byte(cur) != '@')
			return (cur_byte(cur) < 0 ? SMTP_PARSE_BAD_PATH :
			    SMTP_PARSE_BAD_ADDRESS);
	}
	if (route)
		path->flags |= SMTP_PATH_ROUTE;

	if ((st = scan_local(cur, path->local, &quoted)) != SMTP_PARSE_OK)
		return (st);
	c = cur_byte(cur);
	if (c < 0)
		return (SMTP_PARSE_BAD_PATH);
	if (c == '>') {
		/* RFC 5321 4.1.1.3: "<Postmaster>" alone, as a recipient */
		if (is_mail || route || quoted
		    || !mem_ieq(path->local, strlen(path->local), "postmaster"))
			return (SMTP_PARSE_BAD_ADDRESS);
		cur->pos++;
		path->flags |= SMTP_PATH_POSTMASTER;
		/* bounds: address is larger than local */
		memcpy(path->address, path->local, sizeof(path->local));
		return (SMTP_PARSE_OK);
	}
	if (c != '@')
		return (SMTP_PARSE_BAD_ADDRESS);
	cur->pos++;

	dstart = cur->pos;
	if (cur_byte(cur) == '[') {
		if ((st = scan_literal(cur)) != SMTP_PARSE_OK)
			return (st);
		path->flags |= SMTP_PATH_LITERAL;
	} else if ((st = scan_domain(cur, 1)) != SMTP_PARSE_OK)
		return (st);
	c = cur_byte(cur);
	if (c < 0)
		return (SMTP_PARSE_BAD_PATH);
	if (c != '>')
		return (SMTP_PARSE_BAD_ADDRESS);
	cur->pos++;
	if (cur->pos - start > SMTP_PATH_MAX)
		return (SMTP_PARSE_PATH_TOO_LONG);
	/* bounds: the domain is within SMTP_DOMAIN_MAX, scanned above */
	memcpy(path->domain, cur->s + dstart, cur->pos - 1 - dstart);
	path->domain[cur->pos - 1 - dstart] = '\0';
	if (store_address(path) < 0)
		return (SMTP_PARSE_PATH_TOO_LONG);
	return (SMTP_PARSE_OK);
}

/*
 * ESMTP parameters known here: the SMTP_PARAM_ bit, the extensions any of
 * which offers it, and the command it belongs to.
 */
static const struct param_info {
	const char *name;
	unsigned int bit;
	unsigned int ext;
	int	rcpt;
} param_table[] = {
	{ "SIZE", SMTP_PARAM_SIZE, SMTP_EXT_SIZE, 0 },
	{ "BODY", SMTP_PARAM_BODY, SMTP_EXT_8BITMIME | SMTP_EXT_BINARYMIME, 0 },
	{ "AUTH", SMTP_PARAM_AUTH, SMTP_EXT_AUTH, 0 },
	{ "RET", SMTP_PARAM_RET, SMTP_EXT_DSN, 0 },
	{ "ENVID", SMTP_PARAM_ENVID, SMTP_EXT_DSN, 0 },
	{ "SMTPUTF8", SMTP_PARAM_SMTPUTF8, SMTP_EXT_SMTPUTF8, 0 },
	{ "NOTIFY", SMTP_PARAM_NOTIFY, SMTP_EXT_DSN, 1 },
	{ "ORCPT", SMTP_PARAM_ORCPT, SMTP_EXT_DSN, 1 },
};

/* param_size - SIZE=: up to 20 digits (RFC 1870), saturating at 2^64-1 */
static enum smtp_parse_status
param_size(const char *v, size_t n, struct smtp_params *p)
{
	size_t i;

	if (n == 0 || n > 20)
		return (SMTP_PARSE_BAD_PARAM_VALUE);
	for (i = 0; i < n; i++)
		if (!ascii_digit(v[i]))
			return (SMTP_PARSE_BAD_PARAM_VALUE);
	/* digits only, so strnum fails here only by overflow */
	if (strnum_u64_n(v, n, 0, UINT64_MAX, &p->size) < 0)
		p->size = UINT64_MAX;
	return (SMTP_PARSE_OK);
}

/* param_notify - NOTIFY=NEVER or a list of SUCCESS, FAILURE, DELAY */
static enum smtp_parse_status
param_notify(const char *v, size_t n, struct smtp_params *p)
{
	static const struct {
		const char *name;
		unsigned int bit;
	} words[] = {
		{ "NEVER", SMTP_NOTIFY_NEVER },
		{ "SUCCESS", SMTP_NOTIFY_SUCCESS },
		{ "FAILURE", SMTP_NOTIFY_FAILURE },
		{ "DELAY", SMTP_NOTIFY_DELAY },
	};
	size_t i = 0, j, k;

	for (;;) {
		for (j = i; j < n && v[j] != ','; j++)
			;
		for (k = 0; k < NELEM(words); k++)
			if (mem_ieq(v + i, j - i, words[k].name))
				break;
		if (k == NELEM(words) || (p->notify & words[k].bit))
			return (SMTP_PARSE_BAD_PARAM_VALUE);
		p->notify |= words[k].bit;
		if (j == n)
			break;
		i = j + 1;
	}
	if ((p->notify & SMTP_NOTIFY_NEVER) && p->notify != SMTP_NOTIFY_NEVER)
		return (SMTP_PARSE_BAD_PARAM_VALUE);
	return (SMTP_PARSE_OK);
}

/*
 * param_orcpt - ORCPT=addr-type;value. An rfc822 address is decoded from
 * xtext; any other type (utf-8 of RFC 6533, ...) is kept as sent, to be
 * passed on unchanged.
 */
static enum smtp_parse_status
param_orcpt(const char *v, size_t n, struct smtp_params *p)
{
	const char *semi;
	size_t tlen, i, dlen;

	if ((semi = memchr(v, ';', n)) == NULL)
		return (SMTP_PARSE_BAD_PARAM_VALUE);
	tlen = (size_t)(semi - v);
	if (tlen == 0 || tlen == n - 1)
		return (SMTP_PARSE_BAD_PARAM_VALUE);
	for (i = 0; i < tlen; i++)
		if (!is_atext((unsigned char)v[i]))
			return (SMTP_PARSE_BAD_PARAM_VALUE);
	if (tlen > SMTP_ADDR_TYPE_MAX || n - tlen - 1 > SMTP_ORCPT_MAX)
		return (SMTP_PARSE_PARAM_TOO_LONG);
	memcpy(p->orcpt_type, v, tlen);
	p->orcpt_type[tlen] = '\0';
	v += tlen + 1;
	n -= tlen + 1;
	if (mem_ieq(p->orcpt_type, tlen, "rfc822"))
		return (smtp_xtext_decode(v, n, p->orcpt, sizeof(p->orcpt),
		    &dlen));
	/* bounds: n <= SMTP_ORCPT_MAX, checked above */
	memcpy(p->orcpt, v, n);
	p->orcpt[n] = '\0';
	return (SMTP_PARSE_OK);
}

/*
 * param_value - check and store the value of a known parameter (v is
 * NULL when there was no '='); the extensions are those offered.
 */
static enum smtp_parse_status
param_value(const struct param_info *pi, const char *v, size_t n,
    unsigned int ext, struct smtp_params *p)
{
	size_t dlen;

	if (pi->bit == SMTP_PARAM_SMTPUTF8)
		return (v == NULL ? SMTP_PARSE_OK : SMTP_PARSE_BAD_PARAM_VALUE);
	if (v == NULL)
		return (SMTP_PARSE_BAD_PARAM_VALUE);
	switch (pi->bit) {
	case SMTP_PARAM_SIZE:
		return (param_size(v, n, p));
	case SMTP_PARAM_BODY:
		if (mem_ieq(v, n, "7BIT"))
			p->body = SMTP_BODY_7BIT;
		else if (mem_ieq(v, n, "8BITMIME"))
			p->body = SMTP_BODY_8BITMIME;
		else if (mem_ieq(v, n, "BINARYMIME"))
			p->body = SMTP_BODY_BINARYMIME;
		else
			return (SMTP_PARSE_BAD_PARAM_VALUE);
		/* a body type whose extension is not offered is unknown */
		if ((p->body == SMTP_BODY_8BITMIME
		    && !(ext & SMTP_EXT_8BITMIME))
		    || (p->body == SMTP_BODY_BINARYMIME
		    && !(ext & SMTP_EXT_BINARYMIME)))
			return (SMTP_PARSE_UNKNOWN_PARAM);
		return (SMTP_PARSE_OK);
	case SMTP_PARAM_AUTH:
		return (smtp_xtext_decode(v, n, p->auth, sizeof(p->auth),
		    &dlen));
	case SMTP_PARAM_RET:
		if (mem_ieq(v, n, "FULL"))
			p->ret = SMTP_RET_FULL;
		else if (mem_ieq(v, n, "HDRS"))
			p->ret = SMTP_RET_HDRS;
		else
			return (SMTP_PARSE_BAD_PARAM_VALUE);
		return (SMTP_PARSE_OK);
	case SMTP_PARAM_ENVID:
		return (smtp_xtext_decode(v, n, p->envid, sizeof(p->envid),
		    &dlen));
	case SMTP_PARAM_NOTIFY:
		return (param_notify(v, n, p));
	case SMTP_PARAM_ORCPT:
		return (param_orcpt(v, n, p));
	}
	return (SMTP_PARSE_UNKNOWN_PARAM);
}

/*
 * parse_param - one "keyword[=value]" word: esmtp-keyword is a letter or
 * digit then letters, digits and '-'; esmtp-value is one or more of '!'
 * to '~' but '='.
 */
static enum smtp_parse_status
parse_param(const char *w, size_t n, int rcpt, unsigned int ext,
    struct smtp_params *p)
{
	const struct param_info *pi;
	const char *v = NULL;
	size_t klen, vlen = 0, i;

	for (klen = 0; klen < n && w[klen] != '='; klen++)
		if (!ascii_alnum((unsigned char)w[klen])
		    && (klen == 0 || w[klen] != '-'))
			return (SMTP_PARSE_BAD_PARAM);
	if (klen == 0)
		return (SMTP_PARSE_BAD_PARAM);
	if (klen < n) {
		v = w + klen + 1;
		vlen = n - klen - 1;
		if (vlen == 0)
			return (SMTP_PARSE_BAD_PARAM);
		for (i = 0; i < vlen; i++)
			if ((unsigned char)v[i] < 33
			    || (unsigned char)v[i] > 126 || v[i] == '=')
				return (SMTP_PARSE_BAD_PARAM);
	}
	for (pi = param_table; pi < param_table + NELEM(param_table); pi++)
		if (mem_ieq(w, klen, pi->name))
			break;
	if (pi == param_table + NELEM(param_table) || pi->rcpt != rcpt
	    || (pi->ext & ext) == 0)
		return (SMTP_PARSE_UNKNOWN_PARAM);
	if (p->seen & pi->bit)
		return (SMTP_PARSE_DUPLICATE_PARAM);
	p->seen |= pi->bit;
	return (param_value(pi, v, vlen, ext, p));
}

/*
 * parse_mail_rcpt - MAIL or RCPT: the prefix, blanks, the path, then
 * blank-separated parameters; the UTF-8 verdict comes last, once SMTPUTF8
 * is known.
 */
static enum smtp_parse_status
parse_mail_rcpt(const char *arg, size_t len, unsigned int flags, int rcpt,
    struct smtp_path *path, struct smtp_params *params)
{
	struct cursor cur;
	enum smtp_parse_status st;
	const char *prefix = rcpt ? "TO:" : "FROM:";
	const char *w;
	size_t wlen, pos, count = 0;
	int utf8_ok;

	memset(path, 0, sizeof(*path));
	memset(params, 0, sizeof(*params));
	if (!prefix_ieq(arg, len, prefix))
		return (SMTP_PARSE_BAD_PATH);
	cur.s = arg;
	cur.len = len;
	cur.pos = strlen(prefix);
	cur.eightbit = cur.bad_utf8 = 0;
	while (cur.pos < len && is_blank((unsigned char)arg[cur.pos]))
		cur.pos++;
	if ((st = scan_path(&cur, !rcpt, path)) != SMTP_PARSE_OK)
		goto fail;
	if (cur.pos < len && !is_blank((unsigned char)arg[cur.pos])) {
		st = SMTP_PARSE_BAD_PATH;
		goto fail;
	}
	/* counted first: with few known keywords, duplicates come sooner */
	pos = cur.pos;
	while (smtp_next_word(arg, len, &pos, &w, &wlen))
		if (++count > SMTP_PARAMS_MAX) {
			st = SMTP_PARSE_TOO_MANY_PARAMS;
			goto fail;
		}
	while (smtp_next_word(arg, len, &cur.pos, &w, &wlen)) {
		if ((st = parse_param(w, wlen, rcpt, flags, params))
		    != SMTP_PARSE_OK)
			goto fail;
	}
	if (cur.eightbit) {
		utf8_ok = rcpt ? (flags & SMTP_TXN_UTF8) != 0 :
		    (params->seen & SMTP_PARAM_SMTPUTF8) != 0;
		st = !utf8_ok ? SMTP_PARSE_NON_ASCII : cur.bad_utf8 ?
		    SMTP_PARSE_BAD_ADDRESS : SMTP_PARSE_OK;
		if (st != SMTP_PARSE_OK)
			goto fail;
		path->flags |= SMTP_PATH_UTF8;
	}
	return (SMTP_PARSE_OK);

fail:
	memset(path, 0, sizeof(*path));
	memset(params, 0, sizeof(*params));
	return (st);
}

/* smtp_parse_mail - FROM:<reverse-path> [parameters] */
enum smtp_parse_status
smtp_parse_mail(const char *arg, size_t len, unsigned int flags,
    struct smtp_path *path, struct smtp_params *params)
{
	return (parse_mail_rcpt(arg, len, flags, 0, path, params));
}

/* smtp_parse_rcpt - TO:<forward-path> [parameters] */
enum smtp_parse_status
smtp_parse_rcpt(const char *arg, size_t len, unsigned int flags,
    struct smtp_path *path, struct smtp_params *params)
{
	return (parse_mail_rcpt(arg, len, flags, 1, path, params));
}

/* smtp_parse_helo - check a HELO or EHLO name, leniently */
enum smtp_parse_status
smtp_parse_helo(const char *arg, size_t len, struct smtp_helo *helo)
{
	struct cursor cur;
	size_t i;

	memset(helo, 0, sizeof(*helo));
	helo->kind = SMTP_HELO_OTHER;
	if (len == 0)
		return (SMTP_PARSE_NO_DOMAIN);
	if (len > SMTP_DOMAIN_MAX)
		return (SMTP_PARSE_DOMAIN_TOO_LONG);
	for (i = 0; i < len; i++)
		if ((unsigned char)arg[i] < 33 || (unsigned char)arg[i] > 126)
			return (SMTP_PARSE_BAD_DOMAIN);
	/* bounds: len <= SMTP_DOMAIN_MAX, checked above */
	memcpy(helo->name, arg, len);
	helo->name[len] = '\0';
	cur.s = arg;
	cur.len = len;
	cur.pos = 0;
	cur.eightbit = cur.bad_utf8 = 0;
	if (arg[0] == '[') {
		if (scan_literal(&cur) == SMTP_PARSE_OK && cur.pos == len)
			helo->kind = SMTP_HELO_LITERAL;
	} else if (scan_domain(&cur, 0) == SMTP_PARSE_OK && cur.pos == len)
		helo->kind = SMTP_HELO_DOMAIN;
	return (SMTP_PARSE_OK);
}

/* smtp_parse_auth - mechanism and optional initial response */
enum smtp_parse_status
smtp_parse_auth(const char *arg, size_t len, struct smtp_auth *auth)
{
	const char *w, *extra;
	size_t wlen, pos = 0, i, xlen;
	int c;

	memset(auth, 0, sizeof(*auth));
	auth->response = "";
	if (!smtp_next_word(arg, len, &pos, &w, &wlen))
		return (SMTP_PARSE_NO_ARGUMENT);
	if (wlen > SMTP_MECH_MAX)
		goto bad;
	for (i = 0; i < wlen; i++) {
		c = (unsigned char)w[i];
		if (!ascii_alnum(c) && c != '-' && c != '_')
			goto bad;
		auth->mech[i] = (char)ascii_upper(c);
	}
	if (smtp_next_word(arg, len, &pos, &w, &wlen)) {
		if (smtp_next_word(arg, len, &pos, &extra, &xlen))
			goto bad;
		auth->has_response = 1;
		auth->response = w;
		auth->response_len = wlen;
	}
	return (SMTP_PARSE_OK);

bad:
	memset(auth, 0, sizeof(*auth));
	auth->response = "";
	return (SMTP_PARSE_BAD_ARGUMENT);
}

/* smtp_parse_auth_response - decode one SASL response of AUTH */
enum smtp_parse_status
smtp_parse_auth_response(const char *in, size_t len, int initial, char *out,
    size_t out_size, size_t *out_len_r)
{
	*out_len_r = 0;
	if (initial) {
		if (len == 1 && in[0] == '=')
			return (SMTP_PARSE_OK);
		/* the empty initial response travels as "=" (RFC 4954) */
		if (len == 0)
			return (SMTP_PARSE_BAD_BASE64);
	} else if (len == 1 && in[0] == '*')
		return (SMTP_PARSE_AUTH_CANCELLED);
	switch (sasl_base64_decode(in, len, out, out_size, out_len_r)) {
	case SASL_OK:
		return (SMTP_PARSE_OK);
	case SASL_TOO_LONG:
		return (SMTP_PARSE_RESPONSE_TOO_LONG);
	default:
		return (SMTP_PARSE_BAD_BASE64);
	}
}

/* smtp_parse_bdat - "size [LAST]" */
enum smtp_parse_status
smtp_parse_bdat(const char *arg, size_t len, uint64_t *size_r, int *last_r)
{
	const char *w;
	size_t wlen, pos = 0;
	uint64_t size;

	*size_r = 0;
	*last_r = 0;
	if (!smtp_next_word(arg, len, &pos, &w, &wlen))
		return (SMTP_PARSE_NO_ARGUMENT);
	if (strnum_u64_n(w, wlen, 0, UINT64_MAX, &size) < 0)
		return (SMTP_PARSE_BAD_ARGUMENT);
	if (smtp_next_word(arg, len, &pos, &w, &wlen)) {
		if (!mem_ieq(w, wlen, "LAST")
		    || smtp_next_word(arg, len, &pos, &w, &wlen))
			return (SMTP_PARSE_BAD_ARGUMENT);
		*last_r = 1;
	}
	*size_r = size;
	return (SMTP_PARSE_OK);
}

/* hex_value - value of an upper-case hex digit, or -1 */
static int
hex_value(int c)
{
	if (ascii_digit(c))
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* smtp_xtext_decode - RFC 3461 xtext to printable ASCII */
enum smtp_parse_status
smtp_xtext_decode(const char *in, size_t len, char *out, size_t out_size,
    size_t *out_len_r)
{
	enum smtp_parse_status st = SMTP_PARSE_BAD_PARAM_VALUE;
	size_t i, o = 0;
	int c, hi, lo;

	*out_len_r = 0;
	if (out_size == 0)
		return (SMTP_PARSE_PARAM_TOO_LONG);
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c == '+') {
			if (len - i < 3 || (hi = hex_value(in[i + 1])) < 0
			    || (lo = hex_value(in[i + 2])) < 0)
				goto fail;
			c = hi * 16 + lo;
			i += 2;
			if (c < 32 || c > 126)
				goto fail;
		} else if (c < 33 || c > 126 || c == '=')
			goto fail;
		if (o + 1 >= out_size) {
			st = SMTP_PARSE_PARAM_TOO_LONG;
			goto fail;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*out_len_r = o;
	return (SMTP_PARSE_OK);

fail:
	out[0] = '\0';
	return (st);
}

/* smtp_xtext_encode - bytes to RFC 3461 xtext */
enum smtp_parse_status
smtp_xtext_encode(const char *in, size_t len, char *out, size_t out_size,
    size_t *out_len_r)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, o = 0;
	int c;

	*out_len_r = 0;
	if (out_size == 0)
		return (SMTP_PARSE_PARAM_TOO_LONG);
	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (c >= 33 && c <= 126 && c != '+' && c != '=') {
			if (o + 1 >= out_size)
				goto full;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= out_size)
				goto full;
			out[o++] = '+';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	*out_len_r = o;
	return (SMTP_PARSE_OK);

full:
	out[0] = '\0';
	return (SMTP_PARSE_PARAM_TOO_LONG);
}

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64_value - the 6-bit value of base64 character c, or -1 */
static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (ascii_digit(c))
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* sasl_base64_decode - strict RFC 4648 base64 */
enum sasl_status
sasl_base64_decode(const char *in, size_t len, char *out, size_t out_size,
    size_t *out_len_r)
{
	size_t i, pad = 0, need, o = 0;
	int v[4], k;

	*out_len_r = 0;
	if (len % 4 != 0)
		return (SASL_BAD_BASE64);
	if (len > 0 && in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	/* every byte but the padding must be in the alphabet */
	for (i = 0; i < len - pad; i++)
		if (b64_value((unsigned char)in[i]) < 0)
			return (SASL_BAD_BASE64);
	/* the pad bits of the last group must be zero (canonical form) */
	if (pad == 2 && (b64_value((unsigned char)in[len - 3]) & 0x0f) != 0)
		return (SASL_BAD_BASE64);
	if (pad == 1 && (b64_value((unsigned char)in[len - 2]) & 0x03) != 0)
		return (SASL_BAD_BASE64);
	need = len / 4 * 3 - pad;
	if (need > out_size)
		return (SASL_TOO_LONG);
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++)
			v[k] = in[i + k] == '=' ? 0 :
			    b64_value((unsigned char)in[i + k]);
		/* bounds: o + 3 <= need except in the padded last group */
		out[o++] = (char)(v[0] << 2 | v[1] >> 4);
		if (o < need)
			out[o++] = (char)((v[1] & 0x0f) << 4 | v[2] >> 2);
		if (o < need)
			out[o++] = (char)((v[2] & 0x03) << 6 | v[3]);
	}
	*out_len_r = need;
	return (SASL_OK);
}

/* sasl_base64_encode - padded base64 */
enum sasl_status
sasl_base64_encode(const char *in, size_t len, char *out, size_t out_size,
    size_t *out_len_r)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i, o = 0;
	unsigned int v;

	*out_len_r = 0;
	if (len > (SIZE_MAX - 1) / 4 * 3 - 2
	    || out_size < (len + 2) / 3 * 4 + 1) {
		if (out_size > 0)
			out[0] = '\0';
		return (SASL_TOO_LONG);
	}
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8
		    | p[i + 2];
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (i < len) {
		v = (unsigned int)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned int)p[i + 1] << 8;
		out[o++] = b64_alphabet[v >> 18];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	*out_len_r = o;
	return (SASL_OK);
}

/* sasl_plain_decode - authzid NUL authcid NUL passwd */
enum sasl_status
sasl_plain_decode(const char *in, size_t len, struct sasl_plain *plain)
{
	const char *nul1, *nul2;
	size_t zlen, clen, plen;

	memset(plain, 0, sizeof(*plain));
	if ((nul1 = memchr(in, '\0', len)) == NULL
	    || (nul2 = memchr(nul1 + 1, '\0', len - (size_t)(nul1 + 1 - in)))
	    == NULL)
		return (SASL_MISSING_NUL);
	zlen = (size_t)(nul1 - in);
	clen = (size_t)(nul2 - nul1 - 1);
	plen = len - zlen - clen - 2;
	if (memchr(nul2 + 1, '\0', plen) != NULL)
		return (SASL_EXTRA_NUL);
	if (clen == 0 || plen == 0)
		return (SASL_EMPTY_FIELD);
	if (zlen > SASL_PLAIN_ID_MAX || clen > SASL_PLAIN_ID_MAX
	    || plen > SASL_PLAIN_PASS_MAX)
		return (SASL_TOO_LONG);
	if (!utf8_valid(in, zlen) || !utf8_valid(nul1 + 1, clen)
	    || !utf8_valid(nul2 + 1, plen))
		return (SASL_BAD_UTF8);
	/* bounds: each length checked against its field just above */
	memcpy(plain->authzid, in, zlen);
	memcpy(plain->authcid, nul1 + 1, clen);
	memcpy(plain->passwd, nul2 + 1, plen);
	return (SASL_OK);
}

/* sasl_status_name - fixed name of a SASL status */
const char *
sasl_status_name(enum sasl_status st)
{
	switch (st) {
	case SASL_OK:
		return ("ok");
	case SASL_BAD_BASE64:
		return ("bad-base64");
	case SASL_TOO_LONG:
		return ("too-long");
	case SASL_MISSING_NUL:
		return ("missing-nul");
	case SASL_EXTRA_NUL:
		return ("extra-nul");
	case SASL_EMPTY_FIELD:
		return ("empty-field");
	case SASL_BAD_UTF8:
		return ("bad-utf8");
	}
	return ("unknown-status");
}

/* Reply reading states (struct smtp_reply state); errors are negative. */
#define REPLY_READING	0
#define REPLY_DONE	1

/* smtp_reply_init - an empty reply, ready for its first line */
void
smtp_reply_init(struct smtp_reply *reply)
{
	reply->code = 0;
	reply->enhanced[0] = '\0';
	reply->text[0] = '\0';
	reply->text_len = 0;
	reply->lines = 0;
	reply->state = REPLY_READING;
}

/*
 * enhanced_len - length of an RFC 3463 code of class cls at the start of
 * s (n bytes), followed by a blank or the end; 0 if there is none
 */
static size_t
enhanced_len(const char *s, size_t n, int cls)
{
	size_t i = 0, d;
	int part;

	if (n < 5 || s[0] != cls || s[1] != '.')
		return (0);
	i = 2;
	for (part = 0; part < 2; part++) {
		if (part == 1) {
			if (i >= n || s[i] != '.')
				return (0);
			i++;
		}
		for (d = 0; i < n && ascii_digit(s[i]) && d < 3; i++, d++)
			;
		if (d == 0)
			return (0);
	}
	if (i < n && s[i] != ' ')
		return (0);
	return (i);
}

/* reply_fail - make st the reply's sticky error */
static enum smtp_reply_status
reply_fail(struct smtp_reply *reply, enum smtp_reply_status st)
{
	reply->state = st;
	return (st);
}

/* smtp_reply_parse - one more line of a server reply */
enum smtp_reply_status
smtp_reply_parse(struct smtp_reply *reply, const char *line, size_t len)
{
	const char *text;
	size_t tlen, elen, i;
	int code, last;

	if (reply->state == REPLY_DONE)
		return (SMTP_REPLY_AFTER_END);
	if (reply->state < 0)
		return ((enum smtp_reply_status)reply->state);
	if (len > SMTP_REPLY_LINE_MAX)
		return (reply_fail(reply, SMTP_REPLY_LINE_TOO_LONG));
	for (i = 0; i < len; i++)
		if (is_control((unsigned char)line[i]))
			return (reply_fail(reply, SMTP_REPLY_BAD_CHAR));
	/* RFC 5321 4.2: %x32-35 %x30-35 %x30-39 */
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0'
	    || line[1] > '5' || !ascii_digit(line[2]))
		return (reply_fail(reply, SMTP_REPLY_BAD_CODE));
	code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
	if (len == 3)
		last = 1;
	else if (line[3] == '-')
		last = 0;
	else if (line[3] == ' ')
		last = 1;
	else
		return (reply_fail(reply, SMTP_REPLY_BAD_SEPARATOR));
	if (reply->lines > 0 && code != reply->code)
		return (reply_fail(reply, SMTP_REPLY_CODE_MISMATCH));
	if (reply->lines >= SMTP_REPLY_LINES_MAX)
		return (reply_fail(reply, SMTP_REPLY_TOO_MANY_LINES));

	text = len > 4 ? line + 4 : "";
	tlen = len > 4 ? len - 4 : 0;
	if ((elen = enhanced_len(text, tlen, line[0])) > 0) {
		if (reply->lines == 0) {
			/* bounds: elen <= 9, "c.ddd.ddd" */
			memcpy(reply->enhanced, text, elen);
			reply->enhanced[elen] = '\0';
		}
		text += elen;
		tlen -= elen;
		if (tlen > 0) {
			text++;
			tlen--;
		}
	}
	if (reply->text_len + (reply->lines > 0) + tlen
	    >= sizeof(reply->text))
		return (reply_fail(reply, SMTP_REPLY_TEXT_TOO_LONG));
	if (reply->lines > 0)
		reply->text[reply->text_len++] = '\n';
	memcpy(reply->text + reply->text_len, text, tlen);
	reply->text_len += tlen;
	reply->text[reply->text_len] = '\0';
	reply->code = code;
	reply->lines++;
	if (last) {
		reply->state = REPLY_DONE;
		return (SMTP_REPLY_DONE);
	}
	return (SMTP_REPLY_MORE);
}

/* smtp_reply_status_name - fixed name of a reply status */
const char *
smtp_reply_status_name(enum smtp_reply_status st)
{
	switch (st) {
	case SMTP_REPLY_DONE:
		return ("done");
	case SMTP_REPLY_MORE:
		return ("more");
	case SMTP_REPLY_BAD_CODE:
		return ("bad-code");
	case SMTP_REPLY_BAD_SEPARATOR:
		return ("bad-separator");
	case SMTP_REPLY_CODE_MISMATCH:
		return ("code-mismatch");
	case SMTP_REPLY_BAD_CHAR:
		return ("bad-char");
	case SMTP_REPLY_LINE_TOO_LONG:
		return ("line-too-long");
	case SMTP_REPLY_TOO_MANY_LINES:
		return ("too-many-lines");
	case SMTP_REPLY_TEXT_TOO_LONG:
		return ("text-too-long");
	case SMTP_REPLY_AFTER_END:
		return ("after-end");
	}
	return ("unknown-status");
}

/* ehlo_line - one "KEYWORD [params]" line of an EHLO reply into ehlo */
static void
ehlo_line(const char *s, size_t n, struct smtp_ehlo *ehlo)
{
	static const struct {
		const char *name;
		unsigned int ext;
	} keywords[] = {
		{ "SIZE", SMTP_EXT_SIZE },
		{ "8BITMIME", SMTP_EXT_8BITMIME },
		{ "BINARYMIME", SMTP_EXT_BINARYMIME },
		{ "CHUNKING", SMTP_EXT_CHUNKING },
		{ "DSN", SMTP_EXT_DSN },
		{ "AUTH", SMTP_EXT_AUTH },
		{ "SMTPUTF8", SMTP_EXT_SMTPUTF8 },
		{ "PIPELINING", SMTP_EXT_PIPELINING },
		{ "STARTTLS", SMTP_EXT_STARTTLS },
		{ "ENHANCEDSTATUSCODES", SMTP_EXT_ENHANCEDSTATUSCODES },
	};
	const char *w;
	size_t wlen, pos = 0, k;
	unsigned int ext;

	if (!smtp_next_word(s, n, &pos, &w, &wlen))
		return;
	/* old servers announce "AUTH=LOGIN PLAIN" as well */
	if (wlen > 5 && prefix_ieq(w, wlen, "AUTH=")) {
		pos = (size_t)(w - s) + 5;
		wlen = 4;
	}
	for (k = 0; k < NELEM(keywords); k++)
		if (mem_ieq(w, wlen, keywords[k].name))
			break;
	if (k == NELEM(keywords))
		return;
	ext = keywords[k].ext;
	ehlo->ext |= ext;
	if (ext == SMTP_EXT_SIZE) {
		if (smtp_next_word(s, n, &pos, &w, &wlen)
		    && strnum_u64_n(w, wlen, 0, UINT64_MAX, &ehlo->size) < 0)
			ehlo->size = 0;
	} else if (ext == SMTP_EXT_AUTH) {
		while (smtp_next_word(s, n, &pos, &w, &wlen)) {
			if (mem_ieq(w, wlen, "PLAIN"))
				ehlo->auth |= SMTP_AUTH_PLAIN;
			else if (mem_ieq(w, wlen, "LOGIN"))
				ehlo->auth |= SMTP_AUTH_LOGIN;
		}
	}
}

/* smtp_reply_ehlo - the extensions of a 250 EHLO reply */
void
smtp_reply_ehlo(const struct smtp_reply *reply, struct smtp_ehlo *ehlo)
{
	const char *p, *end, *nl;

	memset(ehlo, 0, sizeof(*ehlo));
	if (reply->code != 250 || reply->state != REPLY_DONE)
		return;
	p = reply->text;
	end = reply->text + reply->text_len;
	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return;
	for (p = nl + 1; p <= end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		ehlo_line(p, (size_t)(nl - p), ehlo);
		if (nl == end)
			break;
	}
}

/*
 * The DATA decoder's states: at the start of a line; inside one; after a
 * CR (held until we know whether LF follows); after a "." that starts a
 * line; after "." CR at the start of a line; after the end marker.
 */
enum {
	DEC_BOL,
	DEC_MID,
	DEC_CR,
	DEC_DOT,
	DEC_DOT_CR,
	DEC_DONE,
};

/* smtp_data_decoder_init - ready for the first byte after 354 */
void
smtp_data_decoder_init(struct smtp_data_decoder *dec, uint64_t max_size,
    size_t max_line)
{
	memset(dec, 0, sizeof(*dec));
	dec->max_size = max_size;
	dec->max_line = max_line;
	dec->state = DEC_BOL;
}

/* Output of the decoder: the buffer and how much of it is used. */
struct dec_out {
	char   *buf;
	size_t	len;
};

/* dec_emit - count one message byte; output it while within max_size */
static void
dec_emit(struct smtp_data_decoder *dec, struct dec_out *out, int c)
{
	dec->size++;
	if (dec->max_size != 0 && dec->size > dec->max_size) {
		dec->flags |= SMTP_DATA_TOO_BIG;
		return;
	}
	out->buf[out->len++] = (char)c;
}

/* dec_content - one byte of a line's content */
static void
dec_content(struct smtp_data_decoder *dec, struct dec_out *out, int c)
{
	dec_emit(dec, out, c);
	dec->line_len++;
	if (dec->max_line != 0 && dec->line_len + 2 > dec->max_line)
		dec->flags |= SMTP_DATA_LINE_TOO_LONG;
	if (c == '\0')
		dec->flags |= SMTP_DATA_NUL;
	else if (c >= 0x80)
		dec->flags |= SMTP_DATA_8BIT;
}

/* dec_line_end - CR LF ends the line */
static void
dec_line_end(struct smtp_data_decoder *dec, struct dec_out *out)
{
	dec_emit(dec, out, '\r');
	dec_emit(dec, out, '\n');
	if (dec->line_len + 2 > dec->longest)
		dec->longest = dec->line_len + 2;
	dec->line_len = 0;
	dec->state = DEC_BOL;
}

/* dec_mid - byte c inside a line */
static void
dec_mid(struct smtp_data_decoder *dec, struct dec_out *out, int c)
{
	if (c == '\r')
		dec->state = DEC_CR;
	else if (c == '\n') {
		dec->flags |= SMTP_DATA_BARE_LF;
		dec_line_end(dec, out);
	} else {
		dec_content(dec, out, c);
		dec->state = DEC_MID;
	}
}

/* dec_after_cr - byte c after a held CR */
static void
dec_after_cr(struct smtp_data_decoder *dec, struct dec_out *out, int c)
{
	if (c == '\n') {
		dec_line_end(dec, out);
		return;
	}
	/* the held CR was bare: it is content, and c starts afresh */
	dec->flags |= SMTP_DATA_BARE_CR;
	dec_content(dec, out, '\r');
	dec_mid(dec, out, c);
}

/* smtp_data_decode - feed bytes of a DATA body */
enum smtp_data_status
smtp_data_decode(struct smtp_data_decoder *dec, const char *in, size_t len,
    char *out, size_t out_size, size_t *used_r, size_t *out_len_r)
{
	struct dec_out o;
	size_t i = 0;
	int c;

	o.buf = out;
	o.len = 0;
	/* bounds: one input byte makes at most two output bytes */
	while (i < len && dec->state != DEC_DONE && out_size - o.len >= 2) {
		c = (unsigned char)in[i++];
		switch (dec->state) {
		case DEC_BOL:
			if (c == '.')
				dec->state = DEC_DOT;
			else
				dec_mid(dec, &o, c);
			break;
		case DEC_MID:
			dec_mid(dec, &o, c);
			break;
		case DEC_CR:
			dec_after_cr(dec, &o, c);
			break;
		case DEC_DOT:
			/* RFC 5321 4.5.2: the leading dot goes, unless alone */
			if (c == '\r')
				dec->state = DEC_DOT_CR;
			else if (c == '\n') {
				dec->flags |= SMTP_DATA_BARE_LF;
				dec->state = DEC_DONE;
			} else
				dec_mid(dec, &o, c);
			break;
		case DEC_DOT_CR:
			if (c == '\n')
				dec->state = DEC_DONE;
			else
				dec_after_cr(dec, &o, c);
			break;
		}
	}
	*used_r = i;
	*out_len_r = o.len;
	return (dec->state == DEC_DONE ? SMTP_DATA_DONE : SMTP_DATA_MORE);
}

/* Encoder states: at the start of a line, inside one, after a CR. */
enum {
	ENC_BOL,
	ENC_MID,
	ENC_CR,
};

/* smtp_data_encoder_init - ready for the first byte of a message */
void
smtp_data_encoder_init(struct smtp_data_encoder *enc)
{
	enc->state = ENC_BOL;
}

/* smtp_data_encode - dot-stuff and CR LF-normalise */
enum smtp_data_status
smtp_data_encode(struct smtp_data_encoder *enc, const char *in, size_t len,
    char *out, size_t out_size, size_t *used_r, size_t *out_len_r)
{
	size_t i = 0, o = 0;
	int c;

	/* bounds: one input byte makes at most two output bytes */
	while (i < len && out_size - o >= 2) {
		c = (unsigned char)in[i++];
		if (c == '\n') {
			if (enc->state != ENC_CR)
				out[o++] = '\r';
			out[o++] = '\n';
			enc->state = ENC_BOL;
			continue;
		}
		if (c == '.' && enc->state == ENC_BOL)
			out[o++] = '.';
		out[o++] = (char)c;
		enc->state = c == '\r' ? ENC_CR : ENC_MID;
	}
	*used_r = i;
	*out_len_r = o;
	return (SMTP_DATA_MORE);
}

/* smtp_data_encode_end - finish the last line, then "." CR LF */
enum smtp_data_status
smtp_data_encode_end(struct smtp_data_encoder *enc, char *out,
    size_t out_size, size_t *out_len_r)
{
	size_t o = 0;

	*out_len_r = 0;
	if (out_size < SMTP_DATA_END_MAX)
		return (SMTP_DATA_MORE);
	if (enc->state == ENC_MID)
		out[o++] = '\r';
	if (enc->state != ENC_BOL)
		out[o++] = '\n';
	memcpy(out + o, ".\r\n", 3);
	*out_len_r = o + 3;
	enc->state = ENC_BOL;
	return (SMTP_DATA_DONE);
}
