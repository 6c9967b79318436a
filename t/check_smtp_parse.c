/*
 * check_smtp_parse - unit tests for common/smtp_parse.c.
 *
 * Tables of command lines, MAIL and RCPT arguments, parameters, HELO
 * names, AUTH lines, base64, PLAIN messages, xtext and server replies,
 * each with its exact status and parsed fields; the RFC 5321 length
 * limits at their exact edges; every byte value in a local part and a
 * domain; every prefix of a valid path. Each parser reads an exact-size
 * heap copy of its input, so the sanitizers catch a read past the end.
 * The DATA decoder runs each case whole, a byte at a time, split at every
 * point and into a two-byte output buffer, and must agree with itself;
 * the encoder is checked for exact bytes and by a round trip through the
 * decoder over every short string of '.', CR, LF and a letter.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "smtp_parse.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define L(lit)		lit, sizeof(lit) - 1	/* NULs too */

#define EXT_ALL	(SMTP_EXT_SIZE | SMTP_EXT_8BITMIME | SMTP_EXT_BINARYMIME \
	| SMTP_EXT_CHUNKING | SMTP_EXT_DSN | SMTP_EXT_AUTH | SMTP_EXT_SMTPUTF8 \
	| SMTP_EXT_PIPELINING | SMTP_EXT_STARTTLS \
	| SMTP_EXT_ENHANCEDSTATUSCODES)

#define X10	"xxxxxxxxxx"
#define X50	X10 X10 X10 X10 X10

/* esc - bytes as a C-like string for failure messages (static buffer) */
static const char *
esc(const char *p, size_t n)
{
	static char buf[4][512];
	static int which;
	char *b = buf[which++ & 3];
	size_t i, o = 0;

	for (i = 0; i < n && o < sizeof(buf[0]) - 8; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			o += (size_t)snprintf(b + o, sizeof(buf[0]) - o,
			    "\\x%02x", c);
		else
			b[o++] = (char)c;
	}
	if (i < n)
		o += (size_t)snprintf(b + o, sizeof(buf[0]) - o, "...");
	b[o] = '\0';
	return (b);
}

/* stname - a parse status's name */
static const char *
stname(enum smtp_parse_status st)
{
	return (smtp_parse_status_name(st));
}

/* exact - an exact-size heap copy of n bytes (free it) */
static char *
exact(const char *p, size_t n)
{
	char *c = xmalloc(n ? n : 1);

	memcpy(c, p, n);
	return (c);
}

/* repeat - a NUL-terminated heap string of n copies of c (free it) */
static char *
repeat(int c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return (s);
}

/* Command lines. */
static const struct {
	const char *name;
	const char *in;
	size_t	len;
	enum smtp_parse_status want;
	enum smtp_verb verb;
	const char *arg;
} command_cases[] = {
	{ "helo", L("HELO mail.example.com"), SMTP_PARSE_OK,
	    SMTP_VERB_HELO, "mail.example.com" },
	{ "helo lower", L("helo x"), SMTP_PARSE_OK, SMTP_VERB_HELO, "x" },
	{ "ehlo mixed", L("eHlO x.y"), SMTP_PARSE_OK, SMTP_VERB_EHLO, "x.y" },
	{ "helo two words", L("HELO  a  b "), SMTP_PARSE_OK, SMTP_VERB_HELO,
	    "a  b" },
	{ "ehlo bare", L("EHLO"), SMTP_PARSE_NO_DOMAIN, SMTP_VERB_EHLO, "" },
	{ "ehlo blanks", L("EHLO   "), SMTP_PARSE_NO_DOMAIN, SMTP_VERB_EHLO,
	    "" },
	{ "helo bare", L("HELO"), SMTP_PARSE_NO_DOMAIN, SMTP_VERB_HELO, "" },
	{ "mail", L("MAIL FROM:<a@b>"), SMTP_PARSE_OK, SMTP_VERB_MAIL,
	    "FROM:<a@b>" },
	{ "mail lower blanks", L("mail from:<>  "), SMTP_PARSE_OK,
	    SMTP_VERB_MAIL, "from:<>" },
	{ "mail bare", L("MAIL"), SMTP_PARSE_NO_ARGUMENT, SMTP_VERB_MAIL,
	    "" },
	{ "rcpt params", L("RCPT TO:<x@y> NOTIFY=NEVER"), SMTP_PARSE_OK,
	    SMTP_VERB_RCPT, "TO:<x@y> NOTIFY=NEVER" },
	{ "rcpt bare", L("RCPT "), SMTP_PARSE_NO_ARGUMENT, SMTP_VERB_RCPT,
	    "" },
	{ "data", L("DATA"), SMTP_PARSE_OK, SMTP_VERB_DATA, "" },
	{ "data lower", L("data"), SMTP_PARSE_OK, SMTP_VERB_DATA, "" },
	{ "data trailing blanks", L("DATA \t "), SMTP_PARSE_OK,
	    SMTP_VERB_DATA, "" },
	{ "data arg", L("DATA x"), SMTP_PARSE_EXTRA_ARGUMENT, SMTP_VERB_DATA,
	    "x" },
	{ "bdat", L("BDAT 10 LAST"), SMTP_PARSE_OK, SMTP_VERB_BDAT,
	    "10 LAST" },
	{ "bdat bare", L("BDAT"), SMTP_PARSE_NO_ARGUMENT, SMTP_VERB_BDAT, "" },
	{ "rset", L("RSET"), SMTP_PARSE_OK, SMTP_VERB_RSET, "" },
	{ "rset arg", L("RSET x"), SMTP_PARSE_EXTRA_ARGUMENT, SMTP_VERB_RSET,
	    "x" },
	{ "noop", L("NOOP"), SMTP_PARSE_OK, SMTP_VERB_NOOP, "" },
	{ "noop text", L("NOOP hello there"), SMTP_PARSE_OK, SMTP_VERB_NOOP,
	    "hello there" },
	{ "noop tab", L("NOOP\t"), SMTP_PARSE_OK, SMTP_VERB_NOOP, "" },
	{ "noop 8-bit", L("NOOP caf\xc3\xa9"), SMTP_PARSE_OK, SMTP_VERB_NOOP,
	    "caf\xc3\xa9" },
	{ "quit", L("QUIT"), SMTP_PARSE_OK, SMTP_VERB_QUIT, "" },
	{ "quit arg", L("QUIT now"), SMTP_PARSE_EXTRA_ARGUMENT,
	    SMTP_VERB_QUIT, "now" },
	{ "quit tab arg", L("QUIT\tnow"), SMTP_PARSE_EXTRA_ARGUMENT,
	    SMTP_VERB_QUIT, "now" },
	{ "vrfy", L("VRFY user"), SMTP_PARSE_OK, SMTP_VERB_VRFY, "user" },
	{ "vrfy bare", L("VRFY"), SMTP_PARSE_NO_ARGUMENT, SMTP_VERB_VRFY,
	    "" },
	{ "expn", L("EXPN list"), SMTP_PARSE_OK, SMTP_VERB_EXPN, "list" },
	{ "expn bare", L("EXPN"), SMTP_PARSE_NO_ARGUMENT, SMTP_VERB_EXPN, "" },
	{ "help", L("HELP"), SMTP_PARSE_OK, SMTP_VERB_HELP, "" },
	{ "help topic", L("HELP MAIL"), SMTP_PARSE_OK, SMTP_VERB_HELP,
	    "MAIL" },
	{ "starttls", L("STARTTLS"), SMTP_PARSE_OK, SMTP_VERB_STARTTLS, "" },
	{ "starttls lower", L("starttls"), SMTP_PARSE_OK, SMTP_VERB_STARTTLS,
	    "" },
	{ "starttls arg", L("STARTTLS x"), SMTP_PARSE_EXTRA_ARGUMENT,
	    SMTP_VERB_STARTTLS, "x" },
	{ "auth", L("AUTH PLAIN"), SMTP_PARSE_OK, SMTP_VERB_AUTH, "PLAIN" },
	{ "auth response", L("AUTH PLAIN dGVzdA=="), SMTP_PARSE_OK,
	    SMTP_VERB_AUTH, "PLAIN dGVzdA==" },
	{ "auth bare", L("AUTH"), SMTP_PARSE_NO_ARGUMENT, SMTP_VERB_AUTH, "" },
	{ "empty", L(""), SMTP_PARSE_EMPTY, SMTP_VERB_NONE, "" },
	{ "blanks", L("   "), SMTP_PARSE_EMPTY, SMTP_VERB_NONE, "" },
	{ "tab", L("\t"), SMTP_PARSE_EMPTY, SMTP_VERB_NONE, "" },
	{ "leading blank", L(" NOOP"), SMTP_PARSE_UNKNOWN_COMMAND,
	    SMTP_VERB_NONE, "" },
	{ "unknown", L("XYZZY"), SMTP_PARSE_UNKNOWN_COMMAND, SMTP_VERB_NONE,
	    "" },
	{ "glued", L("MAILFROM:<a@b>"), SMTP_PARSE_UNKNOWN_COMMAND,
	    SMTP_VERB_NONE, "" },
	{ "helox", L("HELOx"), SMTP_PARSE_UNKNOWN_COMMAND, SMTP_VERB_NONE,
	    "" },
	{ "prefix", L("MAI"), SMTP_PARSE_UNKNOWN_COMMAND, SMTP_VERB_NONE, "" },
	{ "longer", L("STARTTLSX"), SMTP_PARSE_UNKNOWN_COMMAND,
	    SMTP_VERB_NONE, "" },
	{ "fullwidth", L("\xef\xbc\xb1UIT"), SMTP_PARSE_UNKNOWN_COMMAND,
	    SMTP_VERB_NONE, "" },
	{ "nul alone", L("\0"), SMTP_PARSE_BAD_CHAR, SMTP_VERB_NONE, "" },
	{ "nul after verb", L("NOOP\0"), SMTP_PARSE_BAD_CHAR, SMTP_VERB_NONE,
	    "" },
	{ "nul in path", L("MAIL FROM:<a\0@b>"), SMTP_PARSE_BAD_CHAR,
	    SMTP_VERB_NONE, "" },
	{ "bare cr", L("NOOP\r"), SMTP_PARSE_BAD_CHAR, SMTP_VERB_NONE, "" },
	{ "lf", L("NOOP \n"), SMTP_PARSE_BAD_CHAR, SMTP_VERB_NONE, "" },
	{ "del", L("NOOP \x7f"), SMTP_PARSE_BAD_CHAR, SMTP_VERB_NONE, "" },
	{ "escape", L("NOOP \x1b[0m"), SMTP_PARSE_BAD_CHAR, SMTP_VERB_NONE,
	    "" },
	{ "nul in blanks", L(" \0 "), SMTP_PARSE_BAD_CHAR, SMTP_VERB_NONE,
	    "" },
};

START_TEST(test_command)
{
	struct smtp_command cmd;
	char *in = exact(command_cases[_i].in, command_cases[_i].len);
	enum smtp_parse_status st;

	st = smtp_parse_command(in, command_cases[_i].len, &cmd);
	ck_assert_msg(st == command_cases[_i].want, "%s: got %s, want %s",
	    command_cases[_i].name, stname(st),
	    stname(command_cases[_i].want));
	ck_assert_msg(cmd.verb == command_cases[_i].verb,
	    "%s: verb got %d, want %d", command_cases[_i].name, cmd.verb,
	    command_cases[_i].verb);
	ck_assert_msg(cmd.arg_len == strlen(command_cases[_i].arg)
	    && memcmp(cmd.arg, command_cases[_i].arg, cmd.arg_len) == 0,
	    "%s: arg got \"%s\", want \"%s\"", command_cases[_i].name,
	    esc(cmd.arg, cmd.arg_len), command_cases[_i].arg);
	free(in);
}
END_TEST

/* Every verb's name parses back to the verb. */
START_TEST(test_verb_names)
{
	struct smtp_command cmd;
	const char *name;
	int v;

	ck_assert_str_eq(smtp_verb_name(SMTP_VERB_NONE), "");
	ck_assert_str_eq(smtp_verb_name((enum smtp_verb)99), "");
	for (v = SMTP_VERB_HELO; v <= SMTP_VERB_AUTH; v++) {
		name = smtp_verb_name((enum smtp_verb)v);
		ck_assert_msg(*name != '\0', "verb %d has no name", v);
		(void)smtp_parse_command(name, strlen(name), &cmd);
		ck_assert_msg(cmd.verb == (enum smtp_verb)v,
		    "%s: got verb %d, want %d", name, cmd.verb, v);
	}
}
END_TEST

/* Replies for failures. */
static const struct {
	enum smtp_verb verb;
	enum smtp_parse_status st;
	int	code;
	const char *enhanced;
	const char *text;
} reply_cases[] = {
	{ SMTP_VERB_NONE, SMTP_PARSE_OK, 0, "", "" },
	{ SMTP_VERB_NONE, SMTP_PARSE_EMPTY, 500, "5.5.2", NULL },
	{ SMTP_VERB_NONE, SMTP_PARSE_BAD_CHAR, 500, "5.5.2", NULL },
	{ SMTP_VERB_NONE, SMTP_PARSE_UNKNOWN_COMMAND, 500, "5.5.2",
	    "Syntax error, command unrecognized" },
	{ SMTP_VERB_MAIL, SMTP_PARSE_NO_ARGUMENT, 501, "5.5.4",
	    "Syntax: MAIL FROM:<address> [parameters]" },
	{ SMTP_VERB_DATA, SMTP_PARSE_EXTRA_ARGUMENT, 501, "5.5.4",
	    "Syntax: DATA" },
	{ SMTP_VERB_BDAT, SMTP_PARSE_BAD_ARGUMENT, 501, "5.5.4",
	    "Syntax: BDAT size [LAST]" },
	{ SMTP_VERB_EHLO, SMTP_PARSE_NO_DOMAIN, 501, "5.5.2",
	    "Syntax: EHLO domain" },
	{ SMTP_VERB_HELO, SMTP_PARSE_NO_DOMAIN, 501, "5.5.2",
	    "Syntax: HELO domain" },
	{ SMTP_VERB_HELO, SMTP_PARSE_BAD_DOMAIN, 501, "5.5.2", NULL },
	{ SMTP_VERB_EHLO, SMTP_PARSE_DOMAIN_TOO_LONG, 501, "5.5.2", NULL },
	{ SMTP_VERB_RCPT, SMTP_PARSE_BAD_PATH, 501, "5.5.4",
	    "Syntax: RCPT TO:<address> [parameters]" },
	{ SMTP_VERB_MAIL, SMTP_PARSE_BAD_ADDRESS, 501, "5.1.7",
	    "Bad sender address syntax" },
	{ SMTP_VERB_RCPT, SMTP_PARSE_BAD_ADDRESS, 553, "5.1.3",
	    "Bad recipient address syntax" },
	{ SMTP_VERB_RCPT, SMTP_PARSE_NULL_RECIPIENT, 553, "5.1.3", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_LOCAL_TOO_LONG, 501, "5.1.7", NULL },
	{ SMTP_VERB_RCPT, SMTP_PARSE_LOCAL_TOO_LONG, 501, "5.1.3", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_DOMAIN_TOO_LONG, 501, "5.1.7", NULL },
	{ SMTP_VERB_RCPT, SMTP_PARSE_DOMAIN_TOO_LONG, 501, "5.1.3", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_PATH_TOO_LONG, 501, "5.1.7",
	    "Path too long" },
	{ SMTP_VERB_RCPT, SMTP_PARSE_PATH_TOO_LONG, 501, "5.1.3",
	    "Path too long" },
	{ SMTP_VERB_MAIL, SMTP_PARSE_NON_ASCII, 553, "5.6.7", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_BAD_PARAM, 501, "5.5.4", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_UNKNOWN_PARAM, 555, "5.5.4", NULL },
	{ SMTP_VERB_RCPT, SMTP_PARSE_DUPLICATE_PARAM, 501, "5.5.4", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_TOO_MANY_PARAMS, 501, "5.5.4", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_BAD_PARAM_VALUE, 501, "5.5.4", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_PARAM_TOO_LONG, 501, "5.5.4", NULL },
	{ SMTP_VERB_AUTH, SMTP_PARSE_BAD_BASE64, 501, "5.5.2", NULL },
	{ SMTP_VERB_AUTH, SMTP_PARSE_AUTH_CANCELLED, 501, "5.0.0", NULL },
	{ SMTP_VERB_AUTH, SMTP_PARSE_RESPONSE_TOO_LONG, 500, "5.5.6", NULL },
	{ SMTP_VERB_NONE, SMTP_PARSE_LINE_TOO_LONG, 500, "5.5.6",
	    "Line too long" },
	{ SMTP_VERB_DATA, SMTP_PARSE_MESSAGE_TOO_BIG, 552, "5.3.4", NULL },
	{ SMTP_VERB_MAIL, SMTP_PARSE_MESSAGE_TOO_BIG, 552, "5.3.4", NULL },
	{ SMTP_VERB_NONE, (enum smtp_parse_status)999, 501, "5.5.4", NULL },
};

START_TEST(test_reply_for)
{
	struct smtp_parse_reply r;

	r = smtp_parse_reply_for(reply_cases[_i].verb, reply_cases[_i].st);
	ck_assert_msg(r.code == reply_cases[_i].code
	    && strcmp(r.enhanced, reply_cases[_i].enhanced) == 0,
	    "%s %s: got %d %s, want %d %s",
	    smtp_verb_name(reply_cases[_i].verb), stname(reply_cases[_i].st),
	    r.code, r.enhanced, reply_cases[_i].code,
	    reply_cases[_i].enhanced);
	if (reply_cases[_i].text != NULL)
		ck_assert_str_eq(r.text, reply_cases[_i].text);
	else
		ck_assert_msg(*r.text != '\0', "%s: empty text",
		    stname(reply_cases[_i].st));
}
END_TEST

/* Every status, with every verb: a 5xx reply whose class matches. */
START_TEST(test_reply_all)
{
	struct smtp_parse_reply r;
	int st, v, j;

	for (st = SMTP_PARSE_EMPTY; st <= SMTP_PARSE_MESSAGE_TOO_BIG; st++) {
		ck_assert_str_ne(stname((enum smtp_parse_status)st),
		    "unknown-status");
		for (j = SMTP_PARSE_OK; j < st; j++)
			ck_assert_str_ne(stname((enum smtp_parse_status)st),
			    stname((enum smtp_parse_status)j));
		for (v = SMTP_VERB_NONE; v <= SMTP_VERB_AUTH; v++) {
			r = smtp_parse_reply_for((enum smtp_verb)v,
			    (enum smtp_parse_status)st);
			ck_assert_msg(r.code >= 500 && r.code <= 559
			    && r.enhanced[0] == '5' && r.enhanced[1] == '.'
			    && *r.text != '\0' && strchr(r.text, '\n') == NULL,
			    "%s %s: %d %s %s", smtp_verb_name(v),
			    stname(st), r.code, r.enhanced, r.text);
		}
	}
	ck_assert_str_eq(stname((enum smtp_parse_status)999),
	    "unknown-status");
}
END_TEST

/* MAIL and RCPT paths. */
struct path_case {
	const char *name;
	const char *in;
	size_t	len;
	unsigned int flags;
	enum smtp_parse_status want;
	const char *local, *domain, *address;
	unsigned int path_flags;
};

#define OK	SMTP_PARSE_OK
#define BADP	SMTP_PARSE_BAD_PATH
#define BADA	SMTP_PARSE_BAD_ADDRESS
#define NONA	SMTP_PARSE_NON_ASCII
#define FAIL(name, in, st)	{ name, L(in), EXT_ALL, st, "", "", "", 0 }

static const struct path_case mail_cases[] = {
	{ "plain", L("FROM:<user@example.com>"), EXT_ALL, OK, "user",
	    "example.com", "user@example.com", 0 },
	{ "case kept", L("from:<User@Example.COM>"), EXT_ALL, OK, "User",
	    "Example.COM", "User@Example.COM", 0 },
	{ "space after colon", L("FROM: <user@example.com>"), EXT_ALL, OK,
	    "user", "example.com", "user@example.com", 0 },
	{ "blanks after colon", L("FROM: \t <a@b>"), EXT_ALL, OK, "a", "b",
	    "a@b", 0 },
	{ "trailing blank", L("FROM:<a@b> "), EXT_ALL, OK, "a", "b", "a@b",
	    0 },
	{ "null", L("FROM:<>"), EXT_ALL, OK, "", "", "", SMTP_PATH_NULL },
	{ "null size", L("FROM:<> SIZE=100"), EXT_ALL, OK, "", "", "",
	    SMTP_PATH_NULL },
	{ "quoted space", L("FROM:<\"john doe\"@example.com>"), EXT_ALL, OK,
	    "john doe", "example.com", "\"john doe\"@example.com",
	    SMTP_PATH_QUOTED },
	{ "quoted needless", L("FROM:<\"john\"@example.com>"), EXT_ALL, OK,
	    "john", "example.com", "john@example.com", 0 },
	{ "quoted dots", L("FROM:<\"a.b.c\"@x.y>"), EXT_ALL, OK, "a.b.c",
	    "x.y", "a.b.c@x.y", 0 },
	{ "quoted quote", L("FROM:<\"a\\\"b\"@x.y>"), EXT_ALL, OK, "a\"b",
	    "x.y", "\"a\\\"b\"@x.y", SMTP_PATH_QUOTED },
	{ "quoted backslash", L("FROM:<\"a\\\\b\"@x.y>"), EXT_ALL, OK,
	    "a\\b", "x.y", "\"a\\\\b\"@x.y", SMTP_PATH_QUOTED },
	{ "needless escape", L("FROM:<\"\\a\"@x.y>"), EXT_ALL, OK, "a", "x.y",
	    "a@x.y", 0 },
	{ "escaped space", L("FROM:<\"a\\ b\"@x.y>"), EXT_ALL, OK, "a b",
	    "x.y", "\"a b\"@x.y", SMTP_PATH_QUOTED },
	{ "quoted empty", L("FROM:<\"\"@x.y>"), EXT_ALL, OK, "", "x.y",
	    "\"\"@x.y", SMTP_PATH_QUOTED },
	{ "quoted double dot", L("FROM:<\"a..b\"@x.y>"), EXT_ALL, OK, "a..b",
	    "x.y", "\"a..b\"@x.y", SMTP_PATH_QUOTED },
	{ "quoted leading dot", L("FROM:<\".a\"@x.y>"), EXT_ALL, OK, ".a",
	    "x.y", "\".a\"@x.y", SMTP_PATH_QUOTED },
	{ "quoted at", L("FROM:<\"a@b\"@x.y>"), EXT_ALL, OK, "a@b", "x.y",
	    "\"a@b\"@x.y", SMTP_PATH_QUOTED },
	{ "quoted bracket", L("FROM:<\"a>b\"@x.y>"), EXT_ALL, OK, "a>b",
	    "x.y", "\"a>b\"@x.y", SMTP_PATH_QUOTED },
	{ "dots", L("FROM:<first.last@x.y>"), EXT_ALL, OK, "first.last",
	    "x.y", "first.last@x.y", 0 },
	{ "atext", L("FROM:<!#$%&'*+-/=?^_`{|}~@x.y>"), EXT_ALL, OK,
	    "!#$%&'*+-/=?^_`{|}~", "x.y", "!#$%&'*+-/=?^_`{|}~@x.y", 0 },
	{ "ipv4", L("FROM:<a@[192.0.2.1]>"), EXT_ALL, OK, "a",
	    "[192.0.2.1]", "a@[192.0.2.1]", SMTP_PATH_LITERAL },
	{ "ipv4 zeros", L("FROM:<a@[001.002.003.004]>"), EXT_ALL, OK, "a",
	    "[001.002.003.004]", "a@[001.002.003.004]", SMTP_PATH_LITERAL },
	{ "ipv4 edges", L("FROM:<a@[0.0.0.0]>"), EXT_ALL, OK, "a",
	    "[0.0.0.0]", "a@[0.0.0.0]", SMTP_PATH_LITERAL },
	{ "ipv4 max", L("FROM:<a@[255.255.255.255]>"), EXT_ALL, OK, "a",
	    "[255.255.255.255]", "a@[255.255.255.255]", SMTP_PATH_LITERAL },
	{ "ipv6", L("FROM:<a@[IPv6:2001:db8::1]>"), EXT_ALL, OK, "a",
	    "[IPv6:2001:db8::1]", "a@[IPv6:2001:db8::1]", SMTP_PATH_LITERAL },
	{ "ipv6 lower tag", L("FROM:<a@[ipv6:::1]>"), EXT_ALL, OK, "a",
	    "[ipv6:::1]", "a@[ipv6:::1]", SMTP_PATH_LITERAL },
	{ "ipv6 full", L("FROM:<a@[IPv6:1:2:3:4:5:6:7:8]>"), EXT_ALL, OK,
	    "a", "[IPv6:1:2:3:4:5:6:7:8]", "a@[IPv6:1:2:3:4:5:6:7:8]",
	    SMTP_PATH_LITERAL },
	{ "ipv6v4", L("FROM:<a@[IPv6:::ffff:192.0.2.1]>"), EXT_ALL, OK, "a",
	    "[IPv6:::ffff:192.0.2.1]", "a@[IPv6:::ffff:192.0.2.1]",
	    SMTP_PATH_LITERAL },
	{ "route", L("FROM:<@relay.example:user@x.y>"), EXT_ALL, OK, "user",
	    "x.y", "user@x.y", SMTP_PATH_ROUTE },
	{ "route two", L("FROM:<@a.example,@b.example:user@x.y>"), EXT_ALL,
	    OK, "user", "x.y", "user@x.y", SMTP_PATH_ROUTE },
	{ "single label", L("FROM:<a@localhost>"), EXT_ALL, OK, "a",
	    "localhost", "a@localhost", 0 },
	{ "digit label", L("FROM:<a@123.example>"), EXT_ALL, OK, "a",
	    "123.example", "a@123.example", 0 },
	{ "double hyphen", L("FROM:<a@x--y.example>"), EXT_ALL, OK, "a",
	    "x--y.example", "a@x--y.example", 0 },
	{ "utf8 local", L("FROM:<j\xc3\xb6rg@x.y> SMTPUTF8"), EXT_ALL, OK,
	    "j\xc3\xb6rg", "x.y", "j\xc3\xb6rg@x.y", SMTP_PATH_UTF8 },
	{ "utf8 domain", L("FROM:<a@b\xc3\xbc" "cher.de> SMTPUTF8"), EXT_ALL,
	    OK, "a", "b\xc3\xbc" "cher.de", "a@b\xc3\xbc" "cher.de",
	    SMTP_PATH_UTF8 },
	{ "utf8 quoted", L("FROM:<\"j\xc3\xb6 rg\"@x.y> smtputf8"), EXT_ALL,
	    OK, "j\xc3\xb6 rg", "x.y", "\"j\xc3\xb6 rg\"@x.y",
	    SMTP_PATH_UTF8 | SMTP_PATH_QUOTED },
	{ "utf8 4-byte", L("FROM:<\xf0\x9f\x93\xa7@x.y> SMTPUTF8"), EXT_ALL,
	    OK, "\xf0\x9f\x93\xa7", "x.y", "\xf0\x9f\x93\xa7@x.y",
	    SMTP_PATH_UTF8 },
	{ "utf8 3-byte", L("FROM:<\xe2\x82\xac@x.y> SMTPUTF8"), EXT_ALL, OK,
	    "\xe2\x82\xac", "x.y", "\xe2\x82\xac@x.y", SMTP_PATH_UTF8 },
	{ "utf8 U+FFFF", L("FROM:<\xef\xbf\xbf@x.y> SMTPUTF8"), EXT_ALL, OK,
	    "\xef\xbf\xbf", "x.y", "\xef\xbf\xbf@x.y", SMTP_PATH_UTF8 },
	{ "utf8 U+10FFFF", L("FROM:<\xf4\x8f\xbf\xbf@x.y> SMTPUTF8"),
	    EXT_ALL, OK, "\xf4\x8f\xbf\xbf", "x.y",
	    "\xf4\x8f\xbf\xbf@x.y", SMTP_PATH_UTF8 },
	{ "utf8 U+0080", L("FROM:<\xc2\x80@x.y> SMTPUTF8"), EXT_ALL, OK,
	    "\xc2\x80", "x.y", "\xc2\x80@x.y", SMTP_PATH_UTF8 },

	FAIL("empty", "", BADP),
	FAIL("prefix only", "FROM:", BADP),
	FAIL("no brackets", "FROM:user@x.y", BADP),
	FAIL("no colon", "FROM <a@b>", BADP),
	FAIL("space before colon", "FROM :<a@b>", BADP),
	FAIL("to", "TO:<a@b>", BADP),
	FAIL("fromx", "FROMX:<a@b>", BADP),
	FAIL("unclosed", "FROM:<a@b", BADP),
	FAIL("open only", "FROM:<", BADP),
	FAIL("glued junk", "FROM:<a@b>x", BADP),
	FAIL("glued param", "FROM:<a@b>SIZE=1", BADP),
	FAIL("doubled bracket", "FROM:<a@b>>", BADP),
	FAIL("unclosed quote", "FROM:<\"a@b>", BADP),
	FAIL("unclosed literal", "FROM:<a@[1.2.3.4", BADP),
	FAIL("no domain", "FROM:<a>", BADA),
	FAIL("postmaster sender", "FROM:<postmaster>", BADA),
	FAIL("empty domain", "FROM:<a@>", BADA),
	FAIL("empty local", "FROM:<@x.y>", BADA),
	FAIL("double dot domain", "FROM:<a@b..c>", BADA),
	FAIL("leading dot domain", "FROM:<a@.b>", BADA),
	FAIL("trailing dot domain", "FROM:<a@b.>", BADA),
	FAIL("leading hyphen", "FROM:<a@-b.c>", BADA),
	FAIL("trailing hyphen", "FROM:<a@b-.c>", BADA),
	FAIL("underscore", "FROM:<a@b_c.d>", BADA),
	FAIL("space in local", "FROM:<a b@c.d>", BADA),
	FAIL("leading dot", "FROM:<.a@b.c>", BADA),
	FAIL("trailing dot", "FROM:<a.@b.c>", BADA),
	FAIL("double dot", "FROM:<a..b@c.d>", BADA),
	FAIL("comment", "FROM:<a(b)@c.d>", BADA),
	FAIL("two ats", "FROM:<a@b@c.d>", BADA),
	FAIL("after quote", "FROM:<\"a\"b@c.d>", BADA),
	FAIL("tab in quotes", "FROM:<\"a\tb\"@c.d>", BADA),
	FAIL("escaped tab", "FROM:<\"a\\\tb\"@c.d>", BADA),
	FAIL("escaped nul", "FROM:<\"a\\\0b\"@c.d>", BADA),
	FAIL("nul in quotes", "FROM:<\"a\0b\"@c.d>", BADA),
	FAIL("ipv4 256", "FROM:<a@[192.0.2.256]>", BADA),
	FAIL("ipv4 three", "FROM:<a@[192.0.2]>", BADA),
	FAIL("ipv4 five", "FROM:<a@[1.2.3.4.5]>", BADA),
	FAIL("ipv4 four digits", "FROM:<a@[1.2.3.0004]>", BADA),
	FAIL("ipv4 empty part", "FROM:<a@[1..3.4]>", BADA),
	FAIL("ipv6 bad", "FROM:<a@[IPv6:zz::1]>", BADA),
	FAIL("ipv6 no tag", "FROM:<a@[2001:db8::1]>", BADA),
	FAIL("ipv6 two gaps", "FROM:<a@[IPv6:1::2::3]>", BADA),
	FAIL("general literal", "FROM:<a@[x400:c=us]>", BADA),
	FAIL("ipv4 tag", "FROM:<a@[IPv4:1.2.3.4]>", BADA),
	FAIL("empty literal", "FROM:<a@[]>", BADA),
	FAIL("bracket in literal", "FROM:<a@[a[b]>", BADA),
	FAIL("space in literal", "FROM:<a@[1.2.3.4 ]>", BADA),
	FAIL("after literal", "FROM:<a@[1.2.3.4]x>", BADA),
	FAIL("space before local", "FROM:< a@b>", BADA),
	FAIL("space after domain", "FROM:<a@b >", BADA),
	FAIL("space inside", "FROM:< >", BADA),
	FAIL("route only", "FROM:<@a.example>", BADA),
	FAIL("route no at", "FROM:<@a,b:c@d>", BADA),
	FAIL("route semicolon", "FROM:<@a;c@d>", BADA),
	FAIL("route empty", "FROM:<@:c@d>", BADA),
	FAIL("route then at", "FROM:<@a:@b:c@d>", BADA),
	FAIL("route literal", "FROM:<@[1.2.3.4]:c@d>", BADA),
	FAIL("route 8-bit", "FROM:<@b\xc3\xbc.de:c@d> SMTPUTF8", BADA),
	FAIL("nested", "FROM:<<a@b>>", BADA),
	FAIL("nul local", "FROM:<a\0@b>", BADA),
	FAIL("nul domain", "FROM:<a@b\0.c>", BADA),
	FAIL("label 64", "FROM:<a@" X50 "xxxxxxxxxxxxxx.y>", BADA),
	FAIL("utf8 no param", "FROM:<j\xc3\xb6rg@x.y>", NONA),
	FAIL("utf8 domain no param", "FROM:<a@b\xc3\xbc" "cher.de>", NONA),
	FAIL("latin1 no param", "FROM:<a\xff@x.y>", NONA),
	FAIL("latin1 with param", "FROM:<a\xff@x.y> SMTPUTF8", BADA),
	FAIL("truncated utf8", "FROM:<a\xc3@x.y> SMTPUTF8", BADA),
	FAIL("overlong utf8", "FROM:<a\xc0\xaf@x.y> SMTPUTF8", BADA),
	FAIL("overlong 3-byte", "FROM:<a\xe0\x80\xaf@x.y> SMTPUTF8", BADA),
	FAIL("overlong 4-byte", "FROM:<a\xf0\x8f\xbf\xbf@x.y> SMTPUTF8",
	    BADA),
	FAIL("lone continuation", "FROM:<a\x80@x.y> SMTPUTF8", BADA),
	FAIL("f5 lead", "FROM:<a\xf5\x80\x80\x80@x.y> SMTPUTF8", BADA),
	FAIL("surrogate", "FROM:<a\xed\xa0\x80@x.y> SMTPUTF8", BADA),
	FAIL("above U+10FFFF", "FROM:<a\xf4\x90\x80\x80@x.y> SMTPUTF8", BADA),
	FAIL("utf8 in literal", "FROM:<a@[1.2.3.\xc3\xa9]> SMTPUTF8", BADA),
	FAIL("utf8 escaped", "FROM:<\"\\\xc3\xa9\"@x.y> SMTPUTF8", BADA),
	/* the parameter check comes before the UTF-8 verdict */
	FAIL("utf8 bad param", "FROM:<j\xc3\xb6rg@x.y> FOO",
	    SMTP_PARSE_UNKNOWN_PARAM),
	{ "utf8 not offered", L("FROM:<j\xc3\xb6rg@x.y> SMTPUTF8"),
	    EXT_ALL & ~SMTP_EXT_SMTPUTF8, SMTP_PARSE_UNKNOWN_PARAM, "", "", "",
	    0 },
};

static const struct path_case rcpt_cases[] = {
	{ "plain", L("TO:<a@b.c>"), EXT_ALL, OK, "a", "b.c", "a@b.c", 0 },
	{ "lower", L("to:<a@b.c>"), EXT_ALL, OK, "a", "b.c", "a@b.c", 0 },
	{ "space", L("TO: <a@b.c>"), EXT_ALL, OK, "a", "b.c", "a@b.c", 0 },
	{ "postmaster", L("TO:<postmaster>"), EXT_ALL, OK, "postmaster", "",
	    "postmaster", SMTP_PATH_POSTMASTER },
	{ "postmaster case", L("TO:<PostMaster>"), EXT_ALL, OK, "PostMaster",
	    "", "PostMaster", SMTP_PATH_POSTMASTER },
	{ "postmaster params", L("TO:<postmaster> NOTIFY=NEVER"), EXT_ALL, OK,
	    "postmaster", "", "postmaster", SMTP_PATH_POSTMASTER },
	{ "postmaster domain", L("TO:<postmaster@example.com>"), EXT_ALL, OK,
	    "postmaster", "example.com", "postmaster@example.com", 0 },
	{ "route", L("TO:<@x.y:a@b.c>"), EXT_ALL, OK, "a", "b.c", "a@b.c",
	    SMTP_PATH_ROUTE },
	{ "literal", L("TO:<a@[IPv6:::1]>"), EXT_ALL, OK, "a", "[IPv6:::1]",
	    "a@[IPv6:::1]", SMTP_PATH_LITERAL },
	{ "utf8 txn", L("TO:<j\xc3\xb6rg@x.y>"), EXT_ALL | SMTP_TXN_UTF8, OK,
	    "j\xc3\xb6rg", "x.y", "j\xc3\xb6rg@x.y", SMTP_PATH_UTF8 },
	FAIL("null", "TO:<>", SMTP_PARSE_NULL_RECIPIENT),
	FAIL("null params", "TO:<> NOTIFY=NEVER", SMTP_PARSE_NULL_RECIPIENT),
	FAIL("quoted postmaster", "TO:<\"postmaster\">", BADA),
	FAIL("routed postmaster", "TO:<@a.b:postmaster>", BADA),
	FAIL("not postmaster", "TO:<postmast>", BADA),
	FAIL("postmasters", "TO:<postmasters>", BADA),
	FAIL("from", "FROM:<a@b.c>", BADP),
	FAIL("unclosed postmaster", "TO:<postmaster", BADP),
	FAIL("utf8 no txn", "TO:<j\xc3\xb6rg@x.y>", NONA),
	{ "latin1 txn", L("TO:<j\xf6rg@x.y>"), EXT_ALL | SMTP_TXN_UTF8, BADA,
	    "", "", "", 0 },
	/* SMTPUTF8 is a MAIL parameter */
	FAIL("smtputf8 on rcpt", "TO:<a@b.c> SMTPUTF8",
	    SMTP_PARSE_UNKNOWN_PARAM),
};

/* check_path - run one path case through smtp_parse_mail/rcpt */
static void
check_path(const struct path_case *c, int rcpt)
{
	struct smtp_path path;
	struct smtp_params params;
	char *in = exact(c->in, c->len);
	enum smtp_parse_status st;

	memset(&path, 'Z', sizeof(path));
	st = rcpt ? smtp_parse_rcpt(in, c->len, c->flags, &path, &params) :
	    smtp_parse_mail(in, c->len, c->flags, &path, &params);
	ck_assert_msg(st == c->want, "%s \"%s\": got %s, want %s", c->name,
	    esc(c->in, c->len), stname(st), stname(c->want));
	ck_assert_msg(strcmp(path.local, c->local) == 0, "%s: local \"%s\", "
	    "want \"%s\"", c->name, esc(path.local, strlen(path.local)),
	    esc(c->local, strlen(c->local)));
	ck_assert_msg(strcmp(path.domain, c->domain) == 0, "%s: domain \"%s\""
	    ", want \"%s\"", c->name, esc(path.domain, strlen(path.domain)),
	    esc(c->domain, strlen(c->domain)));
	ck_assert_msg(strcmp(path.address, c->address) == 0, "%s: address "
	    "\"%s\", want \"%s\"", c->name,
	    esc(path.address, strlen(path.address)),
	    esc(c->address, strlen(c->address)));
	ck_assert_msg(path.flags == c->path_flags, "%s: flags %#x, want %#x",
	    c->name, path.flags, c->path_flags);
	if (st != SMTP_PARSE_OK)
		ck_assert_msg(params.seen == 0, "%s: params left", c->name);
	free(in);
}

START_TEST(test_mail)
{
	check_path(&mail_cases[_i], 0);
}
END_TEST

START_TEST(test_rcpt)
{
	check_path(&rcpt_cases[_i], 1);
}
END_TEST

/* path_end - the offset just past the closing '>' of in's path */
static size_t
path_end(const char *in, size_t len)
{
	size_t i;
	int quoted = 0;

	for (i = 0; i < len && in[i] != '<'; i++)
		;
	for (; i < len; i++) {
		if (quoted && in[i] == '\\')
			i++;
		else if (in[i] == '"')
			quoted = !quoted;
		else if (!quoted && in[i] == '>')
			return (i + 1);
	}
	ck_abort_msg("no path in \"%s\"", esc(in, len));
	return (0);
}

/*
 * Truncation: every proper prefix of a valid path that stops inside it is
 * BAD_PATH, whatever byte it stops at.
 */
static void
check_prefixes(const struct path_case *c, int rcpt)
{
	struct smtp_path path;
	struct smtp_params params;
	enum smtp_parse_status st;
	size_t k, end;
	char *in;

	if (c->want != SMTP_PARSE_OK)
		return;
	end = path_end(c->in, c->len);
	for (k = 0; k < end; k++) {
		in = exact(c->in, k);
		st = rcpt ? smtp_parse_rcpt(in, k, c->flags, &path, &params) :
		    smtp_parse_mail(in, k, c->flags, &path, &params);
		ck_assert_msg(st == SMTP_PARSE_BAD_PATH, "%s: prefix \"%s\": "
		    "got %s, want bad-path", c->name, esc(c->in, k),
		    stname(st));
		ck_assert_str_eq(path.address, "");
		free(in);
	}
}

START_TEST(test_mail_prefixes)
{
	size_t i;

	for (i = 0; i < NELEM(mail_cases); i++)
		check_prefixes(&mail_cases[i], 0);
	for (i = 0; i < NELEM(rcpt_cases); i++)
		check_prefixes(&rcpt_cases[i], 1);
}
END_TEST

/*
 * Stored addresses parse again to themselves: what smtpd stores and the
 * relay sends is accepted as it is.
 */
START_TEST(test_address_reparse)
{
	struct smtp_path path, again;
	struct smtp_params params;
	char buf[SMTP_PATH_MAX + 16];
	enum smtp_parse_status st;
	size_t i;
	int n;

	for (i = 0; i < NELEM(mail_cases); i++) {
		if (mail_cases[i].want != SMTP_PARSE_OK)
			continue;
		st = smtp_parse_mail(mail_cases[i].in, mail_cases[i].len,
		    EXT_ALL, &path, &params);
		ck_assert_int_eq(st, SMTP_PARSE_OK);
		n = snprintf(buf, sizeof(buf), "FROM:<%s>%s", path.address,
		    path.flags & SMTP_PATH_UTF8 ? " SMTPUTF8" : "");
		ck_assert(n > 0 && (size_t)n < sizeof(buf));
		st = smtp_parse_mail(buf, (size_t)n, EXT_ALL, &again, &params);
		ck_assert_msg(st == SMTP_PARSE_OK, "%s: \"%s\" gives %s",
		    mail_cases[i].name, esc(buf, (size_t)n), stname(st));
		ck_assert_str_eq(again.address, path.address);
		ck_assert_str_eq(again.local, path.local);
		ck_assert_str_eq(again.domain, path.domain);
	}
}
END_TEST

/* Lengths at the exact limits of RFC 5321 4.5.3.1. */
static const struct {
	const char *name;
	int	rcpt;
	size_t	route, local, domain;	/* generated lengths, 0 = fixed */
	int	quoted;
	enum smtp_parse_status want;
} length_cases[] = {
	/* local part, as sent */
	{ "local 64", 0, 0, 64, 1, 0, OK },
	{ "local 65", 0, 0, 65, 1, 0, SMTP_PARSE_LOCAL_TOO_LONG },
	{ "local 1000", 0, 0, 1000, 1, 0, SMTP_PARSE_LOCAL_TOO_LONG },
	{ "quoted 64", 1, 0, 64, 1, 1, OK },
	{ "quoted 65", 1, 0, 65, 1, 1, SMTP_PARSE_LOCAL_TOO_LONG },
	{ "quoted 2000", 1, 0, 2000, 1, 1, SMTP_PARSE_LOCAL_TOO_LONG },
	/* "<" a "@" domain ">" is domain + 4 */
	{ "path 256", 0, 0, 1, 252, 0, OK },
	{ "path 257", 0, 0, 1, 253, 0, SMTP_PARSE_PATH_TOO_LONG },
	{ "path 257 rcpt", 1, 0, 1, 253, 0, SMTP_PARSE_PATH_TOO_LONG },
	{ "local 64 path 256", 0, 0, 64, 189, 0, OK },
	{ "local 64 path 257", 0, 0, 64, 190, 0, SMTP_PARSE_PATH_TOO_LONG },
	{ "domain 255", 0, 0, 1, 255, 0, SMTP_PARSE_PATH_TOO_LONG },
	{ "domain 256", 0, 0, 1, 256, 0, SMTP_PARSE_DOMAIN_TOO_LONG },
	{ "domain 5000", 1, 0, 1, 5000, 0, SMTP_PARSE_DOMAIN_TOO_LONG },
	/* "<@" route ":a@b.c>" is route + 9 */
	{ "route path 256", 0, 247, 0, 0, 0, OK },
	{ "route path 257", 0, 248, 0, 0, 0, SMTP_PARSE_PATH_TOO_LONG },
	{ "route domain 256", 0, 256, 0, 0, 0, SMTP_PARSE_DOMAIN_TOO_LONG },
};

/* domain_of - a valid domain of exactly n bytes: labels of 50 and a rest */
static char *
domain_of(size_t n)
{
	char *d = repeat('d', n);
	size_t i;

	for (i = 50; i < n - 1; i += 51)
		d[i] = '.';
	return (d);
}

START_TEST(test_lengths)
{
	struct smtp_path path;
	struct smtp_params params;
	enum smtp_parse_status st;
	char *arg, *local, *domain, *route, *in;
	size_t n, alloc;

	if (length_cases[_i].route > 0) {
		route = domain_of(length_cases[_i].route);
		local = xstrdup("a");
		domain = xstrdup("b.c");
	} else {
		route = NULL;
		local = repeat('l', length_cases[_i].local);
		if (length_cases[_i].quoted) {
			local[0] = '"';
			local[length_cases[_i].local - 1] = '"';
			local[1] = ' ';	/* so the stored form keeps them */
		}
		domain = domain_of(length_cases[_i].domain);
	}
	alloc = strlen(local) + strlen(domain) + (route ? strlen(route) : 0)
	    + 16;
	arg = xmalloc(alloc);
	n = (size_t)snprintf(arg, alloc, "%s<%s%s%s%s@%s>",
	    length_cases[_i].rcpt ? "TO:" : "FROM:", route ? "@" : "",
	    route ? route : "", route ? ":" : "", local, domain);
	in = exact(arg, n);
	st = length_cases[_i].rcpt ?
	    smtp_parse_rcpt(in, n, EXT_ALL, &path, &params) :
	    smtp_parse_mail(in, n, EXT_ALL, &path, &params);
	ck_assert_msg(st == length_cases[_i].want, "%s: got %s, want %s",
	    length_cases[_i].name, stname(st),
	    stname(length_cases[_i].want));
	if (st == SMTP_PARSE_OK) {
		ck_assert_str_eq(path.domain, domain);
		ck_assert_uint_le(strlen(path.address), SMTP_ADDRESS_MAX);
		if (route == NULL)
			ck_assert_uint_eq(strlen(path.address),
			    n - strlen(length_cases[_i].rcpt ? "TO:" :
			    "FROM:") - 2);
	}
	free(in);
	free(arg);
	free(local);
	free(domain);
	free(route);
}
END_TEST

/* A label of 63 passes, 64 does not, in a path and as a HELO name. */
START_TEST(test_label_length)
{
	struct smtp_path path;
	struct smtp_params params;
	struct smtp_helo helo;
	char arg[128];
	char *label;
	int n;

	label = repeat('x', 63);
	n = snprintf(arg, sizeof(arg), "FROM:<a@%s.y>", label);
	ck_assert_int_eq(smtp_parse_mail(arg, (size_t)n, EXT_ALL, &path,
	    &params), SMTP_PARSE_OK);
	ck_assert_int_eq(smtp_parse_helo(label, 63, &helo), SMTP_PARSE_OK);
	ck_assert_int_eq(helo.kind, SMTP_HELO_DOMAIN);
	free(label);
	label = repeat('x', 64);
	n = snprintf(arg, sizeof(arg), "FROM:<a@%s.y>", label);
	ck_assert_int_eq(smtp_parse_mail(arg, (size_t)n, EXT_ALL, &path,
	    &params), SMTP_PARSE_BAD_ADDRESS);
	ck_assert_int_eq(smtp_parse_helo(label, 64, &helo), SMTP_PARSE_OK);
	ck_assert_int_eq(helo.kind, SMTP_HELO_OTHER);
	free(label);
}
END_TEST

/*
 * An address literal counts against SMTP_DOMAIN_MAX with its brackets:
 * at 255 bytes it is only invalid, at 256 too long.
 */
START_TEST(test_literal_length)
{
	struct smtp_path path;
	struct smtp_params params;
	char arg[SMTP_DOMAIN_MAX + 32];
	char *lit;
	int n;

	lit = repeat('1', SMTP_DOMAIN_MAX);
	lit[0] = '[';
	lit[SMTP_DOMAIN_MAX - 1] = ']';
	n = snprintf(arg, sizeof(arg), "FROM:<a@%s>", lit);
	ck_assert_int_eq(smtp_parse_mail(arg, (size_t)n, EXT_ALL, &path,
	    &params), SMTP_PARSE_BAD_ADDRESS);
	free(lit);
	lit = repeat('1', SMTP_DOMAIN_MAX + 1);
	lit[0] = '[';
	lit[SMTP_DOMAIN_MAX] = ']';
	n = snprintf(arg, sizeof(arg), "FROM:<a@%s>", lit);
	ck_assert_int_eq(smtp_parse_mail(arg, (size_t)n, EXT_ALL, &path,
	    &params), SMTP_PARSE_DOMAIN_TOO_LONG);
	free(lit);
}
END_TEST

/* Every byte value in a local part, a quoted local part and a domain. */
static void
check_path_byte(int c)
{
	struct smtp_path path;
	struct smtp_params params;
	char in[32];
	enum smtp_parse_status st, want;
	int n;

	/* dot-string */
	n = snprintf(in, sizeof(in), "FROM:<a%cb@x.y>", c ? c : '#');
	in[7] = (char)c;
	st = smtp_parse_mail(in, (size_t)n, EXT_ALL, &path, &params);
	if (c >= 0x80)
		want = SMTP_PARSE_NON_ASCII;
	else if (c == '.' || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c))
	    || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
	    || (c >= 'A' && c <= 'Z'))
		want = SMTP_PARSE_OK;
	else
		want = SMTP_PARSE_BAD_ADDRESS;
	ck_assert_msg(st == want, "local byte 0x%02x: got %s, want %s", c,
	    stname(st), stname(want));

	/* quoted-string */
	n = snprintf(in, sizeof(in), "FROM:<\"a%cb\"@x.y>", c ? c : '#');
	in[8] = (char)c;
	st = smtp_parse_mail(in, (size_t)n, EXT_ALL, &path, &params);
	if (c >= 0x80)
		want = SMTP_PARSE_NON_ASCII;
	else if (c >= 32 && c <= 126)
		want = SMTP_PARSE_OK;	/* '"' ends it, '\\' escapes 'b' */
	else
		want = SMTP_PARSE_BAD_ADDRESS;
	if (c == '"')
		want = SMTP_PARSE_BAD_ADDRESS;
	ck_assert_msg(st == want, "quoted byte 0x%02x: got %s, want %s", c,
	    stname(st), stname(want));
	if (st == SMTP_PARSE_OK && c == '\\')
		ck_assert_str_eq(path.local, "ab");

	/* domain label */
	n = snprintf(in, sizeof(in), "FROM:<a@x%cy.z>", c ? c : '#');
	in[9] = (char)c;
	st = smtp_parse_mail(in, (size_t)n, EXT_ALL, &path, &params);
	if (c >= 0x80)
		want = SMTP_PARSE_NON_ASCII;
	else if (c == '>')
		want = SMTP_PARSE_BAD_PATH;
	else if (c == '-' || c == '.' || (c >= '0' && c <= '9')
	    || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		want = SMTP_PARSE_OK;
	else
		want = SMTP_PARSE_BAD_ADDRESS;
	ck_assert_msg(st == want, "domain byte 0x%02x: got %s, want %s", c,
	    stname(st), stname(want));
}

START_TEST(test_every_byte)
{
	int c;

	for (c = 0; c < 256; c++)
		check_path_byte(c);
}
END_TEST

/* ESMTP parameters. */
struct param_case {
	const char *name;
	int	rcpt;
	const char *in;
	unsigned int flags;
	enum smtp_parse_status want;
	unsigned int seen;
	uint64_t size;
	int	body, ret;
	unsigned int notify;
	const char *envid, *auth, *orcpt_type, *orcpt;
};

#define M_OK(name, in, seen)	{ name, 0, in, EXT_ALL, OK, seen, 0, 0, 0, \
	0, "", "", "", "" }
#define M_ERR(name, in, st)	{ name, 0, in, EXT_ALL, st, 0, 0, 0, 0, 0, \
	"", "", "", "" }
#define R_ERR(name, in, st)	{ name, 1, in, EXT_ALL, st, 0, 0, 0, 0, 0, \
	"", "", "", "" }
#define BADV	SMTP_PARSE_BAD_PARAM_VALUE
#define UNKN	SMTP_PARSE_UNKNOWN_PARAM
#define BADPM	SMTP_PARSE_BAD_PARAM

static const struct param_case param_cases[] = {
	M_OK("none", "FROM:<a@b>", 0),
	{ "size", 0, "FROM:<a@b> SIZE=12345", EXT_ALL, OK, SMTP_PARAM_SIZE,
	    12345, 0, 0, 0, "", "", "", "" },
	{ "size lower", 0, "FROM:<a@b> size=0", EXT_ALL, OK, SMTP_PARAM_SIZE,
	    0, 0, 0, 0, "", "", "", "" },
	{ "size blanks", 0, "FROM:<a@b>   SIZE=7  ", EXT_ALL, OK,
	    SMTP_PARAM_SIZE, 7, 0, 0, 0, "", "", "", "" },
	{ "size max", 0, "FROM:<a@b> SIZE=18446744073709551615", EXT_ALL, OK,
	    SMTP_PARAM_SIZE, UINT64_MAX, 0, 0, 0, "", "", "", "" },
	{ "size over 64 bits", 0, "FROM:<a@b> SIZE=18446744073709551616",
	    EXT_ALL, OK, SMTP_PARAM_SIZE, UINT64_MAX, 0, 0, 0, "", "", "",
	    "" },
	{ "size 20 nines", 0, "FROM:<a@b> SIZE=99999999999999999999", EXT_ALL,
	    OK, SMTP_PARAM_SIZE, UINT64_MAX, 0, 0, 0, "", "", "", "" },
	{ "size leading zeros", 0, "FROM:<a@b> SIZE=00000000000000000001",
	    EXT_ALL, OK, SMTP_PARAM_SIZE, 1, 0, 0, 0, "", "", "", "" },
	M_ERR("size 21 digits", "FROM:<a@b> SIZE=100000000000000000000", BADV),
	M_ERR("size empty", "FROM:<a@b> SIZE=", BADPM),
	M_ERR("size no value", "FROM:<a@b> SIZE", BADV),
	M_ERR("size negative", "FROM:<a@b> SIZE=-1", BADV),
	M_ERR("size plus", "FROM:<a@b> SIZE=+1", BADV),
	M_ERR("size unit", "FROM:<a@b> SIZE=1k", BADV),
	M_ERR("size hex", "FROM:<a@b> SIZE=0x10", BADV),
	M_ERR("size space", "FROM:<a@b> SIZE= 10", BADPM),
	M_ERR("size twice", "FROM:<a@b> SIZE=1 SIZE=2",
	    SMTP_PARSE_DUPLICATE_PARAM),
	M_ERR("size twice case", "FROM:<a@b> SIZE=1 size=1",
	    SMTP_PARSE_DUPLICATE_PARAM),
	{ "size not offered", 0, "FROM:<a@b> SIZE=1", EXT_ALL & ~SMTP_EXT_SIZE,
	    UNKN, 0, 0, 0, 0, 0, "", "", "", "" },
	{ "body 8bit", 0, "FROM:<a@b> BODY=8BITMIME", EXT_ALL, OK,
	    SMTP_PARAM_BODY, 0, SMTP_BODY_8BITMIME, 0, 0, "", "", "", "" },
	{ "body 7bit lower", 0, "FROM:<a@b> body=7bit", EXT_ALL, OK,
	    SMTP_PARAM_BODY, 0, SMTP_BODY_7BIT, 0, 0, "", "", "", "" },
	{ "body binary", 0, "FROM:<a@b> BODY=BINARYMIME", EXT_ALL, OK,
	    SMTP_PARAM_BODY, 0, SMTP_BODY_BINARYMIME, 0, 0, "", "", "", "" },
	{ "body binary not offered", 0, "FROM:<a@b> BODY=BINARYMIME",
	    SMTP_EXT_8BITMIME, UNKN, 0, 0, 0, 0, 0, "", "", "", "" },
	{ "body 8bit not offered", 0, "FROM:<a@b> BODY=8BITMIME",
	    SMTP_EXT_BINARYMIME, UNKN, 0, 0, 0, 0, 0, "", "", "", "" },
	{ "body not offered", 0, "FROM:<a@b> BODY=7BIT", SMTP_EXT_SIZE, UNKN,
	    0, 0, 0, 0, 0, "", "", "", "" },
	M_ERR("body 9bit", "FROM:<a@b> BODY=9BIT", BADV),
	M_ERR("body no value", "FROM:<a@b> BODY", BADV),
	M_OK("smtputf8", "FROM:<a@b> SMTPUTF8", SMTP_PARAM_SMTPUTF8),
	M_OK("smtputf8 lower", "FROM:<a@b> smtputf8", SMTP_PARAM_SMTPUTF8),
	M_ERR("smtputf8 value", "FROM:<a@b> SMTPUTF8=yes", BADV),
	M_ERR("smtputf8 twice", "FROM:<a@b> SMTPUTF8 SMTPUTF8",
	    SMTP_PARSE_DUPLICATE_PARAM),
	{ "ret full", 0, "FROM:<a@b> RET=FULL", EXT_ALL, OK, SMTP_PARAM_RET,
	    0, 0, SMTP_RET_FULL, 0, "", "", "", "" },
	{ "ret hdrs", 0, "FROM:<a@b> ret=hdrs", EXT_ALL, OK, SMTP_PARAM_RET,
	    0, 0, SMTP_RET_HDRS, 0, "", "", "", "" },
	M_ERR("ret part", "FROM:<a@b> RET=PART", BADV),
	{ "ret no dsn", 0, "FROM:<a@b> RET=FULL", EXT_ALL & ~SMTP_EXT_DSN,
	    UNKN, 0, 0, 0, 0, 0, "", "", "", "" },
	{ "envid", 0, "FROM:<a@b> ENVID=QQ314159", EXT_ALL, OK,
	    SMTP_PARAM_ENVID, 0, 0, 0, 0, "QQ314159", "", "", "" },
	{ "envid xtext", 0, "FROM:<a@b> ENVID=a+2Bb+3Dc+20d", EXT_ALL, OK,
	    SMTP_PARAM_ENVID, 0, 0, 0, 0, "a+b=c d", "", "", "" },
	{ "envid 100", 0, "FROM:<a@b> ENVID=" X50 X50, EXT_ALL, OK,
	    SMTP_PARAM_ENVID, 0, 0, 0, 0, X50 X50, "", "", "" },
	M_ERR("envid 101", "FROM:<a@b> ENVID=" X50 X50 "x",
	    SMTP_PARSE_PARAM_TOO_LONG),
	M_ERR("envid lower hex", "FROM:<a@b> ENVID=a+2bb", BADV),
	M_ERR("envid short hex", "FROM:<a@b> ENVID=a+2", BADV),
	M_ERR("envid control", "FROM:<a@b> ENVID=a+0Ab", BADV),
	M_ERR("envid nul", "FROM:<a@b> ENVID=a+00b", BADV),
	M_ERR("envid 8-bit", "FROM:<a@b> ENVID=a+C3b", BADV),
	{ "auth null", 0, "FROM:<a@b> AUTH=<>", EXT_ALL, OK, SMTP_PARAM_AUTH,
	    0, 0, 0, 0, "", "<>", "", "" },
	{ "auth mailbox", 0, "FROM:<a@b> AUTH=e+3Dmc2@example.com", EXT_ALL,
	    OK, SMTP_PARAM_AUTH, 0, 0, 0, 0, "", "e=mc2@example.com", "",
	    "" },
	{ "auth not offered", 0, "FROM:<a@b> AUTH=<>",
	    EXT_ALL & ~SMTP_EXT_AUTH, UNKN, 0, 0, 0, 0, 0, "", "", "", "" },
	{ "all mail params", 0, "FROM:<a@b> SIZE=10 BODY=8BITMIME AUTH=<> "
	    "RET=HDRS ENVID=x SMTPUTF8", EXT_ALL, OK, SMTP_PARAM_SIZE
	    | SMTP_PARAM_BODY | SMTP_PARAM_AUTH | SMTP_PARAM_RET
	    | SMTP_PARAM_ENVID | SMTP_PARAM_SMTPUTF8, 10, SMTP_BODY_8BITMIME,
	    SMTP_RET_HDRS, 0, "x", "<>", "", "" },
	M_ERR("unknown", "FROM:<a@b> XFOO=1", UNKN),
	M_ERR("unknown no value", "FROM:<a@b> XFOO", UNKN),
	M_ERR("unknown hyphen", "FROM:<a@b> X-Y=1", UNKN),
	M_ERR("no keyword", "FROM:<a@b> =1", BADPM),
	M_ERR("leading hyphen", "FROM:<a@b> -X=1", BADPM),
	M_ERR("underscore", "FROM:<a@b> X_Y=1", BADPM),
	M_ERR("equals in value", "FROM:<a@b> SIZE=1=2", BADPM),
	M_ERR("double equals", "FROM:<a@b> SIZE==1", BADPM),
	M_ERR("control in value", "FROM:<a@b> SIZE=\x01", BADPM),
	M_ERR("8-bit in value", "FROM:<a@b> ENVID=\xc3\xa9", BADPM),
	M_ERR("8-bit keyword", "FROM:<a@b> \xc3\xa9=1", BADPM),
	M_ERR("rcpt param on mail", "FROM:<a@b> NOTIFY=NEVER", UNKN),
	M_ERR("orcpt on mail", "FROM:<a@b> ORCPT=rfc822;a@b", UNKN),
	M_ERR("bad before unknown", "FROM:<a@b> SIZE=x XFOO", BADV),
	M_ERR("16 then dup", "FROM:<a@b> SIZE=1 SIZE=1 X X X X X X X X X X X X "
	    "X X", SMTP_PARSE_DUPLICATE_PARAM),
	M_ERR("17 params", "FROM:<a@b> SIZE=1 SIZE=1 X X X X X X X X X X X X "
	    "X X X", SMTP_PARSE_TOO_MANY_PARAMS),
	{ "notify never", 1, "TO:<a@b> NOTIFY=NEVER", EXT_ALL, OK,
	    SMTP_PARAM_NOTIFY, 0, 0, 0, SMTP_NOTIFY_NEVER, "", "", "", "" },
	{ "notify list", 1, "TO:<a@b> notify=success,Failure,DELAY", EXT_ALL,
	    OK, SMTP_PARAM_NOTIFY, 0, 0, 0, SMTP_NOTIFY_SUCCESS
	    | SMTP_NOTIFY_FAILURE | SMTP_NOTIFY_DELAY, "", "", "", "" },
	{ "notify one", 1, "TO:<a@b> NOTIFY=DELAY", EXT_ALL, OK,
	    SMTP_PARAM_NOTIFY, 0, 0, 0, SMTP_NOTIFY_DELAY, "", "", "", "" },
	R_ERR("notify never and", "TO:<a@b> NOTIFY=NEVER,SUCCESS", BADV),
	R_ERR("notify and never", "TO:<a@b> NOTIFY=DELAY,NEVER", BADV),
	R_ERR("notify twice", "TO:<a@b> NOTIFY=SUCCESS,SUCCESS", BADV),
	R_ERR("notify trailing comma", "TO:<a@b> NOTIFY=SUCCESS,", BADV),
	R_ERR("notify leading comma", "TO:<a@b> NOTIFY=,SUCCESS", BADV),
	R_ERR("notify unknown", "TO:<a@b> NOTIFY=SOMETIMES", BADV),
	R_ERR("notify no value", "TO:<a@b> NOTIFY", BADV),
	R_ERR("notify dup", "TO:<a@b> NOTIFY=NEVER NOTIFY=NEVER",
	    SMTP_PARSE_DUPLICATE_PARAM),
	{ "orcpt", 1, "TO:<a@b> ORCPT=rfc822;user+40example.com", EXT_ALL, OK,
	    SMTP_PARAM_ORCPT, 0, 0, 0, 0, "", "", "rfc822",
	    "user@example.com" },
	{ "orcpt upper", 1, "TO:<a@b> ORCPT=RFC822;a@b", EXT_ALL, OK,
	    SMTP_PARAM_ORCPT, 0, 0, 0, 0, "", "", "RFC822", "a@b" },
	{ "orcpt utf-8 kept", 1, "TO:<a@b> ORCPT=utf-8;j\\x{00F6}rg@x.y",
	    EXT_ALL, OK, SMTP_PARAM_ORCPT, 0, 0, 0, 0, "", "", "utf-8",
	    "j\\x{00F6}rg@x.y" },
	{ "orcpt and notify", 1, "TO:<a@b> NOTIFY=FAILURE ORCPT=rfc822;a@b",
	    EXT_ALL, OK, SMTP_PARAM_ORCPT | SMTP_PARAM_NOTIFY, 0, 0, 0,
	    SMTP_NOTIFY_FAILURE, "", "", "rfc822", "a@b" },
	R_ERR("orcpt no type", "TO:<a@b> ORCPT=rfc822", BADV),
	R_ERR("orcpt empty type", "TO:<a@b> ORCPT=;a@b", BADV),
	R_ERR("orcpt empty value", "TO:<a@b> ORCPT=rfc822;", BADV),
	R_ERR("orcpt bad xtext", "TO:<a@b> ORCPT=rfc822;a+ZZ", BADV),
	R_ERR("orcpt bad type", "TO:<a@b> ORCPT=r(fc;a", BADV),
	R_ERR("orcpt long type", "TO:<a@b> ORCPT=" X10 X10 X10 "abc;a",
	    SMTP_PARSE_PARAM_TOO_LONG),
	R_ERR("size on rcpt", "TO:<a@b> SIZE=1", UNKN),
	R_ERR("ret on rcpt", "TO:<a@b> RET=FULL", UNKN),
	{ "notify no dsn", 1, "TO:<a@b> NOTIFY=NEVER", EXT_ALL & ~SMTP_EXT_DSN,
	    UNKN, 0, 0, 0, 0, 0, "", "", "", "" },
};

START_TEST(test_params)
{
	const struct param_case *c = &param_cases[_i];
	struct smtp_path path;
	struct smtp_params p;
	size_t len = strlen(c->in);
	char *in = exact(c->in, len);
	enum smtp_parse_status st;

	memset(&p, 'Z', sizeof(p));
	st = c->rcpt ? smtp_parse_rcpt(in, len, c->flags, &path, &p) :
	    smtp_parse_mail(in, len, c->flags, &path, &p);
	ck_assert_msg(st == c->want, "%s: got %s, want %s", c->name,
	    stname(st), stname(c->want));
	ck_assert_msg(p.seen == c->seen, "%s: seen %#x, want %#x", c->name,
	    p.seen, c->seen);
	ck_assert_msg(p.size == c->size, "%s: size %llu, want %llu", c->name,
	    (unsigned long long)p.size, (unsigned long long)c->size);
	ck_assert_int_eq(p.body, c->body);
	ck_assert_int_eq(p.ret, c->ret);
	ck_assert_uint_eq(p.notify, c->notify);
	ck_assert_str_eq(p.envid, c->envid);
	ck_assert_str_eq(p.auth, c->auth);
	ck_assert_str_eq(p.orcpt_type, c->orcpt_type);
	ck_assert_str_eq(p.orcpt, c->orcpt);
	free(in);
}
END_TEST

/* ORCPT values at 500 and 501 bytes, raw and decoded. */
START_TEST(test_orcpt_length)
{
	struct smtp_path path;
	struct smtp_params p;
	char arg[1100];
	char *v;
	int n;

	v = repeat('v', SMTP_ORCPT_MAX);
	n = snprintf(arg, sizeof(arg), "TO:<a@b> ORCPT=rfc822;%s", v);
	ck_assert_int_eq(smtp_parse_rcpt(arg, (size_t)n, EXT_ALL, &path, &p),
	    SMTP_PARSE_OK);
	ck_assert_str_eq(p.orcpt, v);
	n = snprintf(arg, sizeof(arg), "TO:<a@b> ORCPT=x-other;%s", v);
	ck_assert_int_eq(smtp_parse_rcpt(arg, (size_t)n, EXT_ALL, &path, &p),
	    SMTP_PARSE_OK);
	ck_assert_str_eq(p.orcpt, v);
	free(v);
	v = repeat('v', SMTP_ORCPT_MAX + 1);
	n = snprintf(arg, sizeof(arg), "TO:<a@b> ORCPT=rfc822;%s", v);
	ck_assert_int_eq(smtp_parse_rcpt(arg, (size_t)n, EXT_ALL, &path, &p),
	    SMTP_PARSE_PARAM_TOO_LONG);
	n = snprintf(arg, sizeof(arg), "TO:<a@b> ORCPT=x-other;%s", v);
	ck_assert_int_eq(smtp_parse_rcpt(arg, (size_t)n, EXT_ALL, &path, &p),
	    SMTP_PARSE_PARAM_TOO_LONG);
	free(v);
	/* 166 encoded bytes of "+41" decode to 166 bytes: fits */
	n = snprintf(arg, sizeof(arg), "TO:<a@b> ORCPT=rfc822;");
	while (n < 22 + 3 * 166)
		n += snprintf(arg + n, sizeof(arg) - (size_t)n, "+41");
	ck_assert_int_eq(smtp_parse_rcpt(arg, (size_t)n, EXT_ALL, &path, &p),
	    SMTP_PARSE_OK);
	ck_assert_uint_eq(strlen(p.orcpt), 166);
}
END_TEST

/* EHLO and HELO names. */
static const struct {
	const char *name;
	const char *in;
	size_t	len;
	enum smtp_parse_status want;
	enum smtp_helo_kind kind;
} helo_cases[] = {
	{ "domain", L("mail.example.com"), OK, SMTP_HELO_DOMAIN },
	{ "single label", L("localhost"), OK, SMTP_HELO_DOMAIN },
	{ "digits", L("1.2.3.4"), OK, SMTP_HELO_DOMAIN },
	{ "ipv4 literal", L("[192.0.2.1]"), OK, SMTP_HELO_LITERAL },
	{ "ipv6 literal", L("[IPv6:::1]"), OK, SMTP_HELO_LITERAL },
	{ "underscore", L("my_host"), OK, SMTP_HELO_OTHER },
	{ "leading hyphen", L("-x"), OK, SMTP_HELO_OTHER },
	{ "double dot", L("a..b"), OK, SMTP_HELO_OTHER },
	{ "trailing dot", L("x.y."), OK, SMTP_HELO_OTHER },
	{ "bad literal", L("[1.2.3]"), OK, SMTP_HELO_OTHER },
	{ "unclosed literal", L("[1.2.3.4"), OK, SMTP_HELO_OTHER },
	{ "literal junk", L("[1.2.3.4]x"), OK, SMTP_HELO_OTHER },
	{ "punctuation", L("!?#"), OK, SMTP_HELO_OTHER },
	{ "empty", L(""), SMTP_PARSE_NO_DOMAIN, SMTP_HELO_OTHER },
	{ "space", L("a b"), SMTP_PARSE_BAD_DOMAIN, SMTP_HELO_OTHER },
	{ "tab", L("a\tb"), SMTP_PARSE_BAD_DOMAIN, SMTP_HELO_OTHER },
	{ "control", L("a\x01"), SMTP_PARSE_BAD_DOMAIN, SMTP_HELO_OTHER },
	{ "del", L("a\x7f"), SMTP_PARSE_BAD_DOMAIN, SMTP_HELO_OTHER },
	{ "nul", L("a\0"), SMTP_PARSE_BAD_DOMAIN, SMTP_HELO_OTHER },
	{ "8-bit", L("caf\xc3\xa9"), SMTP_PARSE_BAD_DOMAIN, SMTP_HELO_OTHER },
};

START_TEST(test_helo)
{
	struct smtp_helo helo;
	char *in = exact(helo_cases[_i].in, helo_cases[_i].len);
	enum smtp_parse_status st;

	st = smtp_parse_helo(in, helo_cases[_i].len, &helo);
	ck_assert_msg(st == helo_cases[_i].want, "%s: got %s, want %s",
	    helo_cases[_i].name, stname(st), stname(helo_cases[_i].want));
	ck_assert_msg(helo.kind == helo_cases[_i].kind, "%s: kind %d, want %d",
	    helo_cases[_i].name, helo.kind, helo_cases[_i].kind);
	if (st == SMTP_PARSE_OK)
		ck_assert_str_eq(helo.name, helo_cases[_i].in);
	else
		ck_assert_str_eq(helo.name, "");
	free(in);
}
END_TEST

/* HELO names of 255 and 256 bytes. */
START_TEST(test_helo_length)
{
	struct smtp_helo helo;
	char *d;

	d = domain_of(SMTP_DOMAIN_MAX);
	ck_assert_int_eq(smtp_parse_helo(d, SMTP_DOMAIN_MAX, &helo),
	    SMTP_PARSE_OK);
	ck_assert_str_eq(helo.name, d);
	ck_assert_int_eq(helo.kind, SMTP_HELO_DOMAIN);
	free(d);
	d = domain_of(SMTP_DOMAIN_MAX + 1);
	ck_assert_int_eq(smtp_parse_helo(d, SMTP_DOMAIN_MAX + 1, &helo),
	    SMTP_PARSE_DOMAIN_TOO_LONG);
	ck_assert_str_eq(helo.name, "");
	free(d);
}
END_TEST

/* AUTH lines. */
static const struct {
	const char *name;
	const char *in;
	enum smtp_parse_status want;
	const char *mech;
	int	has_response;
	const char *response;
} auth_cases[] = {
	{ "plain", "PLAIN", OK, "PLAIN", 0, "" },
	{ "lower", "plain", OK, "PLAIN", 0, "" },
	{ "response", "PLAIN dGVzdA==", OK, "PLAIN", 1, "dGVzdA==" },
	{ "empty response", "PLAIN =", OK, "PLAIN", 1, "=" },
	{ "hyphen", "CRAM-MD5", OK, "CRAM-MD5", 0, "" },
	{ "scram", "scram-sha-256 biwsbj11c2VyLHI9", OK, "SCRAM-SHA-256", 1,
	    "biwsbj11c2VyLHI9" },
	{ "underscore", "X_Y", OK, "X_Y", 0, "" },
	{ "blanks", "  LOGIN \t abc  ", OK, "LOGIN", 1, "abc" },
	{ "20 chars", "ABCDEFGHIJKLMNOPQRST", OK, "ABCDEFGHIJKLMNOPQRST", 0,
	    "" },
	{ "21 chars", "ABCDEFGHIJKLMNOPQRSTU", SMTP_PARSE_BAD_ARGUMENT, "", 0,
	    "" },
	{ "empty", "", SMTP_PARSE_NO_ARGUMENT, "", 0, "" },
	{ "three words", "PLAIN a b", SMTP_PARSE_BAD_ARGUMENT, "", 0, "" },
	{ "bad char", "PL@IN", SMTP_PARSE_BAD_ARGUMENT, "", 0, "" },
	{ "dot", "PLAIN.X", SMTP_PARSE_BAD_ARGUMENT, "", 0, "" },
	{ "8-bit", "PLA\xc3\x8fN", SMTP_PARSE_BAD_ARGUMENT, "", 0, "" },
};

START_TEST(test_auth)
{
	struct smtp_auth auth;
	size_t len = strlen(auth_cases[_i].in);
	char *in = exact(auth_cases[_i].in, len);
	enum smtp_parse_status st;

	st = smtp_parse_auth(in, len, &auth);
	ck_assert_msg(st == auth_cases[_i].want, "%s: got %s, want %s",
	    auth_cases[_i].name, stname(st), stname(auth_cases[_i].want));
	ck_assert_str_eq(auth.mech, auth_cases[_i].mech);
	ck_assert_int_eq(auth.has_response, auth_cases[_i].has_response);
	ck_assert_msg(auth.response_len == strlen(auth_cases[_i].response)
	    && memcmp(auth.response, auth_cases[_i].response,
	    auth.response_len) == 0, "%s: response \"%s\"",
	    auth_cases[_i].name, esc(auth.response, auth.response_len));
	free(in);
}
END_TEST

/* SASL responses on the AUTH line (initial) or a line of their own. */
static const struct {
	const char *name;
	const char *in;
	int	initial;
	size_t	out_size;
	enum smtp_parse_status want;
	const char *out;
	size_t	out_len;
} response_cases[] = {
	{ "initial", "dGVzdA==", 1, 64, OK, L("test") },
	{ "initial equals", "=", 1, 64, OK, L("") },
	{ "initial equals no room", "=", 1, 0, OK, L("") },
	{ "initial empty", "", 1, 64, SMTP_PARSE_BAD_BASE64, L("") },
	{ "initial star", "*", 1, 64, SMTP_PARSE_BAD_BASE64, L("") },
	{ "line", "dGVzdA==", 0, 64, OK, L("test") },
	{ "line empty", "", 0, 64, OK, L("") },
	{ "line equals", "=", 0, 64, SMTP_PARSE_BAD_BASE64, L("") },
	{ "line star", "*", 0, 64, SMTP_PARSE_AUTH_CANCELLED, L("") },
	{ "line stars", "**", 0, 64, SMTP_PARSE_BAD_BASE64, L("") },
	{ "exact fit", "dGVzdA==", 0, 4, OK, L("test") },
	{ "one short", "dGVzdA==", 1, 3, SMTP_PARSE_RESPONSE_TOO_LONG, L("") },
	{ "plain", "AHVzZXIAcGFzcw==", 1, 64, OK, L("\0user\0pass") },
	{ "bad padding", "dGVzdA=", 1, 64, SMTP_PARSE_BAD_BASE64, L("") },
	{ "blank", "dGVz dA==", 0, 64, SMTP_PARSE_BAD_BASE64, L("") },
};

START_TEST(test_auth_response)
{
	char out[64];
	size_t len = strlen(response_cases[_i].in), out_len = 99;
	char *in = exact(response_cases[_i].in, len);
	enum smtp_parse_status st;

	st = smtp_parse_auth_response(in, len, response_cases[_i].initial, out,
	    response_cases[_i].out_size, &out_len);
	ck_assert_msg(st == response_cases[_i].want, "%s: got %s, want %s",
	    response_cases[_i].name, stname(st),
	    stname(response_cases[_i].want));
	ck_assert_msg(out_len == response_cases[_i].out_len
	    && memcmp(out, response_cases[_i].out, out_len) == 0,
	    "%s: out \"%s\"", response_cases[_i].name, esc(out, out_len));
	free(in);
}
END_TEST

/* Base64 decoding, RFC 4648 test vectors and strictness. */
static const struct {
	const char *in;
	size_t	out_size;
	enum sasl_status want;
	const char *out;
	size_t	out_len;
} b64_cases[] = {
	{ "", 0, SASL_OK, L("") },
	{ "Zg==", 8, SASL_OK, L("f") },
	{ "Zm8=", 8, SASL_OK, L("fo") },
	{ "Zm9v", 8, SASL_OK, L("foo") },
	{ "Zm9vYg==", 8, SASL_OK, L("foob") },
	{ "Zm9vYmE=", 8, SASL_OK, L("fooba") },
	{ "Zm9vYmFy", 8, SASL_OK, L("foobar") },
	{ "Zm9vYmFy", 6, SASL_OK, L("foobar") },
	{ "Zm9vYmFy", 5, SASL_TOO_LONG, L("") },
	{ "Zg==", 1, SASL_OK, L("f") },
	{ "Zg==", 0, SASL_TOO_LONG, L("") },
	{ "AA==", 8, SASL_OK, L("\0") },
	{ "AAA=", 8, SASL_OK, L("\0\0") },
	{ "AAAA", 8, SASL_OK, L("\0\0\0") },
	{ "//8=", 8, SASL_OK, L("\xff\xff") },
	{ "+/+/", 8, SASL_OK, L("\xfb\xff\xbf") },
	{ "Zg", 8, SASL_BAD_BASE64, L("") },
	{ "Zg=", 8, SASL_BAD_BASE64, L("") },
	{ "Zg===", 8, SASL_BAD_BASE64, L("") },
	{ "Z===", 8, SASL_BAD_BASE64, L("") },
	{ "====", 8, SASL_BAD_BASE64, L("") },
	{ "=Zg=", 8, SASL_BAD_BASE64, L("") },
	{ "Zm9v\n", 8, SASL_BAD_BASE64, L("") },
	{ "Zm9v\r\n", 8, SASL_BAD_BASE64, L("") },
	{ "Zm 9v", 8, SASL_BAD_BASE64, L("") },
	{ "Zm9v    ", 8, SASL_BAD_BASE64, L("") },
	{ "Zh==", 8, SASL_BAD_BASE64, L("") },
	{ "Zm9=", 8, SASL_BAD_BASE64, L("") },
	{ "Zg==Zg==", 8, SASL_BAD_BASE64, L("") },
	{ "Zm=v", 8, SASL_BAD_BASE64, L("") },
	{ "Zm9v-_==", 8, SASL_BAD_BASE64, L("") },
	{ "Zm9\xc3", 8, SASL_BAD_BASE64, L("") },
	{ "Zm.v", 8, SASL_BAD_BASE64, L("") },
};

START_TEST(test_base64_decode)
{
	char out[16];
	size_t len = strlen(b64_cases[_i].in), out_len = 99;
	char *in = exact(b64_cases[_i].in, len);
	enum sasl_status st;

	st = sasl_base64_decode(in, len, out, b64_cases[_i].out_size,
	    &out_len);
	ck_assert_msg(st == b64_cases[_i].want, "\"%s\": got %s, want %s",
	    esc(b64_cases[_i].in, len), sasl_status_name(st),
	    sasl_status_name(b64_cases[_i].want));
	ck_assert_msg(out_len == b64_cases[_i].out_len
	    && memcmp(out, b64_cases[_i].out, out_len) == 0,
	    "\"%s\": out \"%s\"", b64_cases[_i].in, esc(out, out_len));
	free(in);
}
END_TEST

/* A NUL inside base64 is refused. */
START_TEST(test_base64_nul)
{
	char out[16];
	size_t out_len;

	ck_assert_int_eq(sasl_base64_decode("Zm9\0", 4, out, sizeof(out),
	    &out_len), SASL_BAD_BASE64);
	ck_assert_int_eq(sasl_base64_decode("\0\0\0\0", 4, out, sizeof(out),
	    &out_len), SASL_BAD_BASE64);
	ck_assert_int_eq(sasl_base64_decode("Zg=\0", 4, out, sizeof(out),
	    &out_len), SASL_BAD_BASE64);
}
END_TEST

/* Encoding, exact output sizes, and round trips over many lengths. */
START_TEST(test_base64_encode)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char raw[300], enc[512], dec[300];
	size_t i, n, enc_len, dec_len, need;

	for (i = 0; i < NELEM(vec); i++) {
		n = strlen(vec[i][0]);
		need = strlen(vec[i][1]) + 1;
		ck_assert_int_eq(sasl_base64_encode(vec[i][0], n, enc, need,
		    &enc_len), SASL_OK);
		ck_assert_str_eq(enc, vec[i][1]);
		ck_assert_uint_eq(enc_len, need - 1);
		ck_assert_int_eq(sasl_base64_encode(vec[i][0], n, enc,
		    need - 1, &enc_len), SASL_TOO_LONG);
		ck_assert_uint_eq(enc_len, 0);
	}
	ck_assert_int_eq(sasl_base64_encode("", 0, enc, 0, &enc_len),
	    SASL_TOO_LONG);
	for (n = 0; n < sizeof(raw); n++) {
		for (i = 0; i < n; i++)
			raw[i] = (char)((i * 37 + n * 11) & 0xff);
		ck_assert_int_eq(sasl_base64_encode(raw, n, enc, sizeof(enc),
		    &enc_len), SASL_OK);
		ck_assert_uint_eq(enc_len, (n + 2) / 3 * 4);
		ck_assert_int_eq(sasl_base64_decode(enc, enc_len, dec, n,
		    &dec_len), SASL_OK);
		ck_assert_uint_eq(dec_len, n);
		ck_assert(memcmp(dec, raw, n) == 0);
	}
}
END_TEST

/* SASL PLAIN messages. */
static const struct {
	const char *name;
	const char *in;
	size_t	len;
	enum sasl_status want;
	const char *authzid, *authcid, *passwd;
} plain_cases[] = {
	{ "no authzid", L("\0user\0pass"), SASL_OK, "", "user", "pass" },
	{ "authzid", L("admin\0user\0pass"), SASL_OK, "admin", "user",
	    "pass" },
	{ "utf-8", L("\0j\xc3\xb6rg\0p\xc3\xa4ss"), SASL_OK, "",
	    "j\xc3\xb6rg", "p\xc3\xa4ss" },
	{ "spaces kept", L(" a \0 b \0 c "), SASL_OK, " a ", " b ", " c " },
	{ "one nul", L("user\0pass"), SASL_MISSING_NUL, "", "", "" },
	{ "no nul", L("userpass"), SASL_MISSING_NUL, "", "", "" },
	{ "empty", L(""), SASL_MISSING_NUL, "", "", "" },
	{ "nul only", L("\0"), SASL_MISSING_NUL, "", "", "" },
	{ "two nuls", L("\0\0"), SASL_EMPTY_FIELD, "", "", "" },
	{ "empty password", L("\0user\0"), SASL_EMPTY_FIELD, "", "", "" },
	{ "empty authcid", L("\0\0pass"), SASL_EMPTY_FIELD, "", "", "" },
	{ "extra nul", L("\0user\0pa\0ss"), SASL_EXTRA_NUL, "", "", "" },
	{ "trailing nul", L("a\0b\0c\0"), SASL_EXTRA_NUL, "", "", "" },
	{ "three nuls", L("\0\0\0"), SASL_EXTRA_NUL, "", "", "" },
	{ "bad utf-8 password", L("\0user\0\xff"), SASL_BAD_UTF8, "", "",
	    "" },
	{ "bad utf-8 authzid", L("\xc3\0user\0pass"), SASL_BAD_UTF8, "", "",
	    "" },
	{ "overlong", L("\0\xc0\xaf\0pass"), SASL_BAD_UTF8, "", "", "" },
};

START_TEST(test_plain)
{
	struct sasl_plain p;
	char *in = exact(plain_cases[_i].in, plain_cases[_i].len);
	enum sasl_status st;

	memset(&p, 'Z', sizeof(p));
	st = sasl_plain_decode(in, plain_cases[_i].len, &p);
	ck_assert_msg(st == plain_cases[_i].want, "%s: got %s, want %s",
	    plain_cases[_i].name, sasl_status_name(st),
	    sasl_status_name(plain_cases[_i].want));
	ck_assert_str_eq(p.authzid, plain_cases[_i].authzid);
	ck_assert_str_eq(p.authcid, plain_cases[_i].authcid);
	ck_assert_str_eq(p.passwd, plain_cases[_i].passwd);
	free(in);
}
END_TEST

/* PLAIN field lengths at their limits. */
START_TEST(test_plain_lengths)
{
	static const struct {
		size_t	z, c, p;
		enum sasl_status want;
	} sizes[] = {
		{ SASL_PLAIN_ID_MAX, SASL_PLAIN_ID_MAX, SASL_PLAIN_PASS_MAX,
		    SASL_OK },
		{ SASL_PLAIN_ID_MAX + 1, 1, 1, SASL_TOO_LONG },
		{ 0, SASL_PLAIN_ID_MAX + 1, 1, SASL_TOO_LONG },
		{ 0, 1, SASL_PLAIN_PASS_MAX + 1, SASL_TOO_LONG },
	};
	struct sasl_plain p;
	char buf[SASL_PLAIN_ID_MAX * 2 + SASL_PLAIN_PASS_MAX + 8];
	size_t i, n;

	for (i = 0; i < NELEM(sizes); i++) {
		n = 0;
		memset(buf + n, 'z', sizes[i].z);
		n += sizes[i].z;
		buf[n++] = '\0';
		memset(buf + n, 'c', sizes[i].c);
		n += sizes[i].c;
		buf[n++] = '\0';
		memset(buf + n, 'p', sizes[i].p);
		n += sizes[i].p;
		ck_assert_msg(sasl_plain_decode(buf, n, &p) == sizes[i].want,
		    "sizes %zu %zu %zu", sizes[i].z, sizes[i].c, sizes[i].p);
		if (sizes[i].want == SASL_OK) {
			ck_assert_uint_eq(strlen(p.authzid), sizes[i].z);
			ck_assert_uint_eq(strlen(p.authcid), sizes[i].c);
			ck_assert_uint_eq(strlen(p.passwd), sizes[i].p);
		} else
			ck_assert_str_eq(p.authcid, "");
	}
	ck_assert_str_eq(sasl_status_name(SASL_EXTRA_NUL), "extra-nul");
	ck_assert_str_eq(sasl_status_name((enum sasl_status)99),
	    "unknown-status");
}
END_TEST

/* xtext */
static const struct {
	const char *in;
	size_t	out_size;
	enum smtp_parse_status want;
	const char *out;
} xtext_cases[] = {
	{ "", 1, OK, "" },
	{ "abc", 4, OK, "abc" },
	{ "abc", 3, SMTP_PARSE_PARAM_TOO_LONG, "" },
	{ "abc", 0, SMTP_PARSE_PARAM_TOO_LONG, NULL },
	{ "a+2Bb", 8, OK, "a+b" },
	{ "+3D", 8, OK, "=" },
	{ "+20", 8, OK, " " },
	{ "+7E", 8, OK, "~" },
	{ "+41+42", 3, OK, "AB" },
	{ "+41+42", 2, SMTP_PARSE_PARAM_TOO_LONG, "" },
	{ "!~", 8, OK, "!~" },
	{ "+7F", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "+00", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "+1F", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "+80", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "+FF", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "+2b", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "+2", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "+", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "a+G0", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "a=b", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "a b", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "a\x7f", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
	{ "\xc3\xa9", 8, SMTP_PARSE_BAD_PARAM_VALUE, "" },
};

START_TEST(test_xtext)
{
	char out[16];
	size_t len = strlen(xtext_cases[_i].in), out_len = 99;
	char *in = exact(xtext_cases[_i].in, len);
	enum smtp_parse_status st;

	memset(out, 'Z', sizeof(out));
	st = smtp_xtext_decode(in, len, out, xtext_cases[_i].out_size,
	    &out_len);
	ck_assert_msg(st == xtext_cases[_i].want, "\"%s\": got %s, want %s",
	    esc(xtext_cases[_i].in, len), stname(st),
	    stname(xtext_cases[_i].want));
	if (xtext_cases[_i].out != NULL) {
		ck_assert_str_eq(out, xtext_cases[_i].out);
		ck_assert_uint_eq(out_len, st == OK ? strlen(out) : 0);
	} else
		ck_assert_int_eq(out[0], 'Z');
	free(in);
}
END_TEST

/* xtext encoding: exact bytes, sizes, and a round trip over ASCII */
START_TEST(test_xtext_encode)
{
	char in[128], enc[400], dec[128];
	size_t n = 0, enc_len, dec_len;
	int c;

	ck_assert_int_eq(smtp_xtext_encode("a+b=c d", 7, enc, sizeof(enc),
	    &enc_len), OK);
	ck_assert_str_eq(enc, "a+2Bb+3Dc+20d");
	ck_assert_uint_eq(enc_len, 13);
	ck_assert_int_eq(smtp_xtext_encode("\x01\xff", 2, enc, 7, &enc_len),
	    OK);
	ck_assert_str_eq(enc, "+01+FF");
	ck_assert_int_eq(smtp_xtext_encode("\x01\xff", 2, enc, 6, &enc_len),
	    SMTP_PARSE_PARAM_TOO_LONG);
	ck_assert_str_eq(enc, "");
	ck_assert_int_eq(smtp_xtext_encode("", 0, enc, 1, &enc_len), OK);
	ck_assert_str_eq(enc, "");
	ck_assert_int_eq(smtp_xtext_encode("", 0, enc, 0, &enc_len),
	    SMTP_PARSE_PARAM_TOO_LONG);
	ck_assert_int_eq(smtp_xtext_encode("ab", 2, enc, 2, &enc_len),
	    SMTP_PARSE_PARAM_TOO_LONG);
	for (c = 32; c <= 126; c++)
		in[n++] = (char)c;
	ck_assert_int_eq(smtp_xtext_encode(in, n, enc, sizeof(enc), &enc_len),
	    OK);
	ck_assert_int_eq(smtp_xtext_decode(enc, enc_len, dec, sizeof(dec),
	    &dec_len), OK);
	ck_assert_uint_eq(dec_len, n);
	ck_assert(memcmp(dec, in, n) == 0);
}
END_TEST

/* BDAT */
static const struct {
	const char *in;
	enum smtp_parse_status want;
	uint64_t size;
	int	last;
} bdat_cases[] = {
	{ "100", OK, 100, 0 },
	{ "0 LAST", OK, 0, 1 },
	{ "100 last", OK, 100, 1 },
	{ "  5 \t LAST  ", OK, 5, 1 },
	{ "18446744073709551615", OK, UINT64_MAX, 0 },
	{ "", SMTP_PARSE_NO_ARGUMENT, 0, 0 },
	{ "x", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "-1", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "+1", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "1.5", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "18446744073709551616", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "1 LAST x", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "1 FIRST", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "1 LASTX", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
	{ "LAST", SMTP_PARSE_BAD_ARGUMENT, 0, 0 },
};

START_TEST(test_bdat)
{
	uint64_t size = 77;
	int last = 77;
	size_t len = strlen(bdat_cases[_i].in);
	char *in = exact(bdat_cases[_i].in, len);
	enum smtp_parse_status st;

	st = smtp_parse_bdat(in, len, &size, &last);
	ck_assert_msg(st == bdat_cases[_i].want, "\"%s\": got %s, want %s",
	    bdat_cases[_i].in, stname(st), stname(bdat_cases[_i].want));
	ck_assert(size == bdat_cases[_i].size);
	ck_assert_int_eq(last, bdat_cases[_i].last);
	free(in);
}
END_TEST

/* The word splitter. */
START_TEST(test_next_word)
{
	const char *s = "  a \tbc  d ", *w;
	size_t pos = 0, wlen;

	ck_assert_int_eq(smtp_next_word(s, strlen(s), &pos, &w, &wlen), 1);
	ck_assert(wlen == 1 && w[0] == 'a');
	ck_assert_int_eq(smtp_next_word(s, strlen(s), &pos, &w, &wlen), 1);
	ck_assert(wlen == 2 && memcmp(w, "bc", 2) == 0);
	ck_assert_int_eq(smtp_next_word(s, strlen(s), &pos, &w, &wlen), 1);
	ck_assert(wlen == 1 && w[0] == 'd');
	ck_assert_int_eq(smtp_next_word(s, strlen(s), &pos, &w, &wlen), 0);
	ck_assert_uint_eq(pos, strlen(s));
	ck_assert_int_eq(smtp_next_word(s, strlen(s), &pos, &w, &wlen), 0);
	pos = 0;
	ck_assert_int_eq(smtp_next_word("", 0, &pos, &w, &wlen), 0);
	pos = 0;
	ck_assert_int_eq(smtp_next_word(" \t ", 3, &pos, &w, &wlen), 0);
	/* a NUL is not a blank */
	pos = 0;
	ck_assert_int_eq(smtp_next_word("a\0b c", 5, &pos, &w, &wlen), 1);
	ck_assert_uint_eq(wlen, 3);
}
END_TEST

/*
 * Replies: lines separated by '\n' in the table, all fed; want is the
 * status after the last, the at'th.
 */
static const struct {
	const char *name;
	const char *in;
	size_t	len;
	enum smtp_reply_status want;
	size_t	at;
	int	code;
	const char *enhanced;
	const char *text;
} reply_parse_cases[] = {
	{ "ok", L("250 OK"), SMTP_REPLY_DONE, 1, 250, "", "OK" },
	{ "code only", L("250"), SMTP_REPLY_DONE, 1, 250, "", "" },
	{ "code space", L("250 "), SMTP_REPLY_DONE, 1, 250, "", "" },
	{ "enhanced", L("250 2.1.0 Ok"), SMTP_REPLY_DONE, 1, 250, "2.1.0",
	    "Ok" },
	{ "enhanced only", L("250 2.1.0"), SMTP_REPLY_DONE, 1, 250, "2.1.0",
	    "" },
	{ "enhanced wide", L("550 5.123.456 x"), SMTP_REPLY_DONE, 1, 550,
	    "5.123.456", "x" },
	{ "enhanced rejected", L("550 5.1.1 <x@y>: Recipient address "
	    "rejected"), SMTP_REPLY_DONE, 1, 550, "5.1.1",
	    "<x@y>: Recipient address rejected" },
	{ "class mismatch", L("550 2.1.0 odd"), SMTP_REPLY_DONE, 1, 550, "",
	    "2.1.0 odd" },
	{ "enhanced glued", L("250 2.1.0Ok"), SMTP_REPLY_DONE, 1, 250, "",
	    "2.1.0Ok" },
	{ "enhanced 4 digits", L("250 2.1234.0 x"), SMTP_REPLY_DONE, 1, 250,
	    "", "2.1234.0 x" },
	{ "enhanced short", L("250 2.1 x"), SMTP_REPLY_DONE, 1, 250, "",
	    "2.1 x" },
	{ "two spaces", L("250  x"), SMTP_REPLY_DONE, 1, 250, "", " x" },
	{ "tab", L("250 a\tb"), SMTP_REPLY_DONE, 1, 250, "", "a\tb" },
	{ "8-bit", L("250 caf\xc3\xa9"), SMTP_REPLY_DONE, 1, 250, "",
	    "caf\xc3\xa9" },
	{ "ehlo", L("250-mail.example.com\n250-PIPELINING\n250-SIZE 1024\n"
	    "250 8BITMIME"), SMTP_REPLY_DONE, 4, 250, "",
	    "mail.example.com\nPIPELINING\nSIZE 1024\n8BITMIME" },
	{ "multi enhanced", L("250-2.0.0 a\n250 2.0.0 b"), SMTP_REPLY_DONE,
	    2, 250, "2.0.0", "a\nb" },
	{ "multi later enhanced", L("250-a\n250 2.0.0 b"), SMTP_REPLY_DONE, 2,
	    250, "", "a\nb" },
	{ "empty continuation", L("220-\n220 x"), SMTP_REPLY_DONE, 2, 220,
	    "", "\nx" },
	{ "incomplete", L("250-a\n250-b"), SMTP_REPLY_MORE, 2, 250, "",
	    "a\nb" },
	{ "code mismatch", L("250-a\n251 b"), SMTP_REPLY_CODE_MISMATCH, 2,
	    250, "", "a" },
	{ "mismatch class", L("250-a\n550 b"), SMTP_REPLY_CODE_MISMATCH, 2,
	    250, "", "a" },
	{ "short", L("25 x"), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "empty", L(""), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "letters", L("abc"), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "650", L("650 x"), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "160", L("160 x"), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "260", L("260 x"), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "25a", L("25a x"), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "leading blank", L(" 250 x"), SMTP_REPLY_BAD_CODE, 1, 0, "", "" },
	{ "four digits", L("2500 x"), SMTP_REPLY_BAD_SEPARATOR, 1, 0, "",
	    "" },
	{ "glued", L("250x"), SMTP_REPLY_BAD_SEPARATOR, 1, 0, "", "" },
	{ "underscore", L("250_x"), SMTP_REPLY_BAD_SEPARATOR, 1, 0, "", "" },
	{ "tab separator", L("250\tx"), SMTP_REPLY_BAD_SEPARATOR, 1, 0, "",
	    "" },
	{ "control", L("250 a\x01"), SMTP_REPLY_BAD_CHAR, 1, 0, "", "" },
	{ "nul", L("250 a\0b"), SMTP_REPLY_BAD_CHAR, 1, 0, "", "" },
	{ "cr", L("250 a\r"), SMTP_REPLY_BAD_CHAR, 1, 0, "", "" },
	{ "bad second line", L("250-a\n250x"), SMTP_REPLY_BAD_SEPARATOR, 2,
	    250, "", "a" },
	{ "after end", L("250 a\n250 b"), SMTP_REPLY_AFTER_END, 2, 250, "",
	    "a" },
};

/* feed_reply - feed every '\n'-separated line of in; the last status */
static enum smtp_reply_status
feed_reply(struct smtp_reply *r, const char *in, size_t len, size_t *lines_r)
{
	enum smtp_reply_status st = SMTP_REPLY_MORE;
	const char *p = in, *end = in + len, *nl;
	char *line;

	smtp_reply_init(r);
	*lines_r = 0;
	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line = exact(p, (size_t)(nl - p));
		st = smtp_reply_parse(r, line, (size_t)(nl - p));
		free(line);
		(*lines_r)++;
		if (nl == end)
			break;
		p = nl + 1;
	}
	return (st);
}

START_TEST(test_reply_parse)
{
	struct smtp_reply r;
	enum smtp_reply_status st, again;
	size_t at;

	st = feed_reply(&r, reply_parse_cases[_i].in, reply_parse_cases[_i].len,
	    &at);
	ck_assert_msg(st == reply_parse_cases[_i].want && at ==
	    reply_parse_cases[_i].at, "%s: got %s at line %zu, want %s at %zu",
	    reply_parse_cases[_i].name, smtp_reply_status_name(st), at,
	    smtp_reply_status_name(reply_parse_cases[_i].want),
	    reply_parse_cases[_i].at);
	if (st == SMTP_REPLY_DONE || st == SMTP_REPLY_MORE) {
		ck_assert_int_eq(r.code, reply_parse_cases[_i].code);
		ck_assert_uint_eq(r.lines, reply_parse_cases[_i].at);
	}
	if (reply_parse_cases[_i].code != 0) {
		ck_assert_str_eq(r.enhanced, reply_parse_cases[_i].enhanced);
		ck_assert_msg(strcmp(r.text, reply_parse_cases[_i].text) == 0,
		    "%s: text \"%s\", want \"%s\"", reply_parse_cases[_i].name,
		    esc(r.text, r.text_len), reply_parse_cases[_i].text);
		ck_assert_uint_eq(r.text_len, strlen(r.text));
	}
	/* after the end or an error, lines are refused the same way */
	if (st != SMTP_REPLY_MORE) {
		again = smtp_reply_parse(&r, "250 x", 5);
		ck_assert_int_eq(again, st == SMTP_REPLY_DONE ?
		    SMTP_REPLY_AFTER_END : st == SMTP_REPLY_AFTER_END ?
		    SMTP_REPLY_AFTER_END : st);
	}
}
END_TEST

/* Line counts and lengths at their limits. */
START_TEST(test_reply_limits)
{
	struct smtp_reply r;
	char *line;
	size_t i;

	/* SMTP_REPLY_LINES_MAX lines pass, one more does not */
	smtp_reply_init(&r);
	for (i = 1; i < SMTP_REPLY_LINES_MAX; i++)
		ck_assert_int_eq(smtp_reply_parse(&r, "250-x", 5),
		    SMTP_REPLY_MORE);
	ck_assert_int_eq(smtp_reply_parse(&r, "250 x", 5), SMTP_REPLY_DONE);
	ck_assert_uint_eq(r.lines, SMTP_REPLY_LINES_MAX);
	smtp_reply_init(&r);
	for (i = 0; i < SMTP_REPLY_LINES_MAX; i++)
		ck_assert_int_eq(smtp_reply_parse(&r, "250-x", 5),
		    SMTP_REPLY_MORE);
	ck_assert_int_eq(smtp_reply_parse(&r, "250 x", 5),
	    SMTP_REPLY_TOO_MANY_LINES);
	ck_assert_int_eq(smtp_reply_parse(&r, "250 x", 5),
	    SMTP_REPLY_TOO_MANY_LINES);

	/* a line of SMTP_REPLY_LINE_MAX bytes passes, one more does not */
	line = repeat('t', SMTP_REPLY_LINE_MAX + 1);
	memcpy(line, "250-", 4);
	smtp_reply_init(&r);
	ck_assert_int_eq(smtp_reply_parse(&r, line, SMTP_REPLY_LINE_MAX),
	    SMTP_REPLY_MORE);
	ck_assert_uint_eq(r.text_len, SMTP_REPLY_LINE_MAX - 4);
	ck_assert_int_eq(smtp_reply_parse(&r, line, SMTP_REPLY_LINE_MAX + 1),
	    SMTP_REPLY_LINE_TOO_LONG);

	/* four full lines fit the text buffer, a fifth does not */
	smtp_reply_init(&r);
	for (i = 0; i < 4; i++)
		ck_assert_int_eq(smtp_reply_parse(&r, line,
		    SMTP_REPLY_LINE_MAX), SMTP_REPLY_MORE);
	ck_assert_uint_eq(r.text_len, 4 * (SMTP_REPLY_LINE_MAX - 4) + 3);
	ck_assert_int_eq(smtp_reply_parse(&r, line, SMTP_REPLY_LINE_MAX),
	    SMTP_REPLY_TEXT_TOO_LONG);
	free(line);
	ck_assert_str_eq(smtp_reply_status_name(SMTP_REPLY_TEXT_TOO_LONG),
	    "text-too-long");
	ck_assert_str_eq(smtp_reply_status_name((enum smtp_reply_status)42),
	    "unknown-status");
}
END_TEST

/* EHLO replies. */
static const struct {
	const char *name;
	const char *in;
	unsigned int ext;
	uint64_t size;
	unsigned int auth;
} ehlo_cases[] = {
	{ "everything", "250-mx.example\n250-PIPELINING\n250-SIZE 35882577\n"
	    "250-8BITMIME\n250-AUTH PLAIN LOGIN CRAM-MD5\n"
	    "250-ENHANCEDSTATUSCODES\n250-STARTTLS\n250-DSN\n250-SMTPUTF8\n"
	    "250-CHUNKING\n250 BINARYMIME", EXT_ALL, 35882577,
	    SMTP_AUTH_PLAIN | SMTP_AUTH_LOGIN },
	{ "old auth", "250-mx\n250-AUTH=LOGIN PLAIN", 0, 0, 0 },
	{ "old auth done", "250-mx\n250 AUTH=LOGIN", SMTP_EXT_AUTH, 0,
	    SMTP_AUTH_LOGIN },
	{ "lower", "250-mx\n250-size\n250 auth cram-md5 plain",
	    SMTP_EXT_SIZE | SMTP_EXT_AUTH, 0, SMTP_AUTH_PLAIN },
	{ "bad size", "250-mx\n250 SIZE abc", SMTP_EXT_SIZE, 0, 0 },
	{ "size overflow", "250-mx\n250 SIZE 18446744073709551616",
	    SMTP_EXT_SIZE, 0, 0 },
	{ "greeting only", "250 mx.example PIPELINING", 0, 0, 0 },
	{ "first line ignored", "250-PIPELINING\n250 mx", 0, 0, 0 },
	{ "unknown", "250-mx\n250-X-FOO\n250 XEXPS", 0, 0, 0 },
	{ "not 250", "550-mx\n550 PIPELINING", 0, 0, 0 },
	{ "empty lines", "250-mx\n250-\n250 DSN", SMTP_EXT_DSN, 0, 0 },
};

START_TEST(test_ehlo)
{
	struct smtp_reply r;
	struct smtp_ehlo e;
	size_t lines;

	(void)feed_reply(&r, ehlo_cases[_i].in, strlen(ehlo_cases[_i].in),
	    &lines);
	memset(&e, 'Z', sizeof(e));
	smtp_reply_ehlo(&r, &e);
	ck_assert_msg(e.ext == ehlo_cases[_i].ext, "%s: ext %#x, want %#x",
	    ehlo_cases[_i].name, e.ext, ehlo_cases[_i].ext);
	ck_assert_msg(e.size == ehlo_cases[_i].size, "%s: size %llu",
	    ehlo_cases[_i].name, (unsigned long long)e.size);
	ck_assert_uint_eq(e.auth, ehlo_cases[_i].auth);
}
END_TEST

/* The DATA decoder. */
struct data_case {
	const char *name;
	const char *in;
	size_t	len;
	uint64_t max_size;
	size_t	max_line;
	enum smtp_data_status want;
	size_t	used;
	const char *out;
	size_t	out_len;
	unsigned int flags;
	uint64_t size;
	size_t	longest;
};

#define BLF	SMTP_DATA_BARE_LF
#define BCR	SMTP_DATA_BARE_CR
#define DONE	SMTP_DATA_DONE
#define MORE	SMTP_DATA_MORE

static const struct data_case data_cases[] = {
	{ "empty message", L(".\r\n"), 0, 0, DONE, 3, L(""), 0, 0, 0 },
	{ "simple", L("Subject: x\r\n\r\nbody\r\n.\r\n"), 0, 0, DONE, 23,
	    L("Subject: x\r\n\r\nbody\r\n"), 0, 20, 12 },
	{ "unstuff", L("..leading\r\n.\r\n"), 0, 0, DONE, 14,
	    L(".leading\r\n"), 0, 10, 10 },
	{ "dot text", L(".x\r\n.\r\n"), 0, 0, DONE, 7, L("x\r\n"), 0, 3, 3 },
	{ "dot dot alone", L("..\r\n.\r\n"), 0, 0, DONE, 7, L(".\r\n"), 0, 3,
	    3 },
	{ "dot space", L(". \r\n.\r\n"), 0, 0, DONE, 7, L(" \r\n"), 0, 3,
	    3 },
	{ "three dots", L("...\r\n.\r\n"), 0, 0, DONE, 8, L("..\r\n"), 0, 4,
	    4 },
	{ "dot mid line", L("a.\r\n.\r\n"), 0, 0, DONE, 7, L("a.\r\n"), 0, 4,
	    4 },
	{ "dot after bare cr", L("a\r.\r\n.\r\n"), 0, 0, DONE, 8,
	    L("a\r.\r\n"), BCR, 5, 5 },
	{ "lone cr then dot", L("\r.\r\nx"), 0, 0, MORE, 5, L("\r.\r\nx"),
	    BCR, 5, 4 },
	{ "dot cr mid message", L("a\r\n\r.\r\n"), 0, 0, MORE, 7,
	    L("a\r\n\r.\r\n"), BCR, 7, 4 },
	{ "no end", L("abc\r\n"), 0, 0, MORE, 5, L("abc\r\n"), 0, 5, 5 },
	{ "no end dot", L("abc\r\n."), 0, 0, MORE, 6, L("abc\r\n"), 0, 5, 5 },
	{ "no end dot cr", L("abc\r\n.\r"), 0, 0, MORE, 7, L("abc\r\n"), 0, 5,
	    5 },
	{ "held cr", L("abc\r"), 0, 0, MORE, 4, L("abc"), 0, 3, 0 },
	{ "empty input", L(""), 0, 0, MORE, 0, L(""), 0, 0, 0 },
	{ "bare lf lines", L("a\nb\n.\n"), 0, 0, DONE, 6, L("a\r\nb\r\n"),
	    BLF, 6, 3 },
	{ "lf then crlf end", L("a\n.\r\n"), 0, 0, DONE, 5, L("a\r\n"), BLF,
	    3, 3 },
	{ "crlf then lf end", L("a\r\n.\n"), 0, 0, DONE, 5, L("a\r\n"), BLF,
	    3, 3 },
	{ "lf end only", L(".\n"), 0, 0, DONE, 2, L(""), BLF, 0, 0 },
	{ "lf empty line", L("\n.\n"), 0, 0, DONE, 3, L("\r\n"), BLF, 2, 2 },
	{ "dot dot lf", L("..\n.\n"), 0, 0, DONE, 5, L(".\r\n"), BLF, 3, 3 },
	{ "pipelined", L("a\r\n.\r\nQUIT\r\n"), 0, 0, DONE, 6, L("a\r\n"), 0,
	    3, 3 },
	{ "pipelined lf", L("a\n.\nRSET\n"), 0, 0, DONE, 4, L("a\r\n"), BLF,
	    3, 3 },
	{ "pipelined dot", L(".\r\n.\r\n"), 0, 0, DONE, 3, L(""), 0, 0, 0 },
	{ "dot cr x", L(".\rx\r\n.\r\n"), 0, 0, DONE, 8, L("\rx\r\n"), BCR,
	    4, 4 },
	{ "dot cr cr lf", L(".\r\r\n.\r\n"), 0, 0, DONE, 7, L("\r\r\n"), BCR,
	    3, 3 },
	{ "cr cr lf", L("a\r\r\n.\r\n"), 0, 0, DONE, 7, L("a\r\r\n"), BCR, 4,
	    4 },
	{ "crlf crlf", L("\r\n\r\n.\r\n"), 0, 0, DONE, 7, L("\r\n\r\n"), 0, 4,
	    2 },
	{ "nul", L("a\0b\r\n.\r\n"), 0, 0, DONE, 8, L("a\0b\r\n"),
	    SMTP_DATA_NUL, 5, 5 },
	{ "8bit", L("caf\xc3\xa9\r\n.\r\n"), 0, 0, DONE, 10,
	    L("caf\xc3\xa9\r\n"), SMTP_DATA_8BIT, 7, 7 },
	{ "too big", L("abcdef\r\n.\r\nX"), 5, 0, DONE, 11, L("abcde"),
	    SMTP_DATA_TOO_BIG, 8, 8 },
	{ "exactly max", L("abcdef\r\n.\r\n"), 8, 0, DONE, 11,
	    L("abcdef\r\n"), 0, 8, 8 },
	{ "one over", L("abcdef\r\n.\r\n"), 7, 0, DONE, 11, L("abcdef\r"),
	    SMTP_DATA_TOO_BIG, 8, 8 },
	{ "too big lines", L("ab\r\ncd\r\nef\r\n.\r\n"), 6, 0, DONE, 15,
	    L("ab\r\ncd"), SMTP_DATA_TOO_BIG, 12, 4 },
	{ "line at max", L("abc\r\n.\r\n"), 0, 5, DONE, 8, L("abc\r\n"), 0,
	    5, 5 },
	{ "line over", L("abcd\r\n.\r\n"), 0, 5, DONE, 9, L("abcd\r\n"),
	    SMTP_DATA_LINE_TOO_LONG, 6, 6 },
	{ "stuffed at max", L("..ab\r\n.\r\n"), 0, 5, DONE, 9, L(".ab\r\n"),
	    0, 5, 5 },
	{ "stuffed over", L("..abc\r\n.\r\n"), 0, 5, DONE, 10,
	    L(".abc\r\n"), SMTP_DATA_LINE_TOO_LONG, 6, 6 },
	{ "bare cr counts", L("a\rb\r\n.\r\n"), 0, 4, DONE, 8, L("a\rb\r\n"),
	    BCR | SMTP_DATA_LINE_TOO_LONG, 5, 5 },
	{ "long then short", L("abcdefg\r\nab\r\n.\r\n"), 0, 5, DONE, 16,
	    L("abcdefg\r\nab\r\n"), SMTP_DATA_LINE_TOO_LONG, 13, 9 },
	{ "all flags", L("..ab\xff\0\rc\nd\r\n.\n"), 6, 4, DONE, 14,
	    L(".ab\xff\0\r"), SMTP_DATA_TOO_BIG | SMTP_DATA_LINE_TOO_LONG
	    | BLF | BCR | SMTP_DATA_8BIT | SMTP_DATA_NUL, 12, 9 },
};

struct data_result {
	enum smtp_data_status st;
	size_t	used;
	char	out[256];
	size_t	out_len;
	struct smtp_data_decoder dec;
};

/*
 * decode_chunks - feed in[0..len) as a first chunk of first bytes, then
 * chunks of chunk bytes (0 = all the rest), each through an exact-size
 * copy, into an output buffer of out_size bytes, until the end or the
 * input runs out. What the decoder leaves of a chunk is fed again.
 */
static void
decode_chunks(const struct data_case *c, size_t first, size_t chunk,
    size_t out_size, struct data_result *res)
{
	char buf[256];
	size_t pos = 0, n, used, got, want;
	char *in;

	smtp_data_decoder_init(&res->dec, c->max_size, c->max_line);
	res->st = SMTP_DATA_MORE;
	res->out_len = 0;
	while (pos < c->len || (pos == 0 && c->len == 0)) {
		want = pos == 0 && first != 0 ? first : chunk;
		n = want == 0 || c->len - pos < want ? c->len - pos : want;
		in = exact(c->in + pos, n);
		res->st = smtp_data_decode(&res->dec, in, n, buf, out_size,
		    &used, &got);
		free(in);
		ck_assert_msg(used <= n && got <= out_size, "%s: used %zu of "
		    "%zu, got %zu of %zu", c->name, used, n, got, out_size);
		ck_assert(res->out_len + got <= sizeof(res->out));
		memcpy(res->out + res->out_len, buf, got);
		res->out_len += got;
		pos += used;
		if (res->st == SMTP_DATA_DONE || n == 0)
			break;
		/* before the end, a chunk's bytes are all taken in the end */
		ck_assert_msg(used > 0, "%s: no progress", c->name);
	}
	res->used = pos;
}

/* same_result - a and b agree in every observable */
static void
same_result(const struct data_case *c, const char *how,
    const struct data_result *a, const struct data_result *b)
{
	ck_assert_msg(a->st == b->st && a->used == b->used
	    && a->out_len == b->out_len
	    && memcmp(a->out, b->out, a->out_len) == 0
	    && a->dec.flags == b->dec.flags && a->dec.size == b->dec.size
	    && a->dec.longest == b->dec.longest,
	    "%s: %s differs: st %d/%d used %zu/%zu out \"%s\"/\"%s\" "
	    "flags %#x/%#x", c->name, how, a->st, b->st, a->used, b->used,
	    esc(a->out, a->out_len), esc(b->out, b->out_len), a->dec.flags,
	    b->dec.flags);
}

/* check_bytewise - MORE for every byte before the end, DONE on it */
static void
check_bytewise(const struct data_case *c)
{
	struct smtp_data_decoder dec;
	enum smtp_data_status st;
	char out[4];
	size_t i, used, got;

	smtp_data_decoder_init(&dec, c->max_size, c->max_line);
	for (i = 0; i < c->len; i++) {
		st = smtp_data_decode(&dec, c->in + i, 1, out, sizeof(out),
		    &used, &got);
		if (c->want == SMTP_DATA_DONE && i + 1 == c->used) {
			ck_assert_msg(st == SMTP_DATA_DONE && used == 1,
			    "%s: byte %zu: got %d used %zu", c->name, i, st,
			    used);
		} else if (c->want == SMTP_DATA_DONE && i + 1 > c->used) {
			/* after the end nothing more is consumed */
			ck_assert_msg(st == SMTP_DATA_DONE && used == 0
			    && got == 0, "%s: byte %zu after the end",
			    c->name, i);
		} else
			ck_assert_msg(st == SMTP_DATA_MORE && used == 1,
			    "%s: byte %zu: got %d used %zu", c->name, i, st,
			    used);
	}
}

START_TEST(test_data_decode)
{
	const struct data_case *c = &data_cases[_i];
	struct data_result whole, other;
	size_t k;

	decode_chunks(c, 0, 0, sizeof(whole.out), &whole);
	ck_assert_msg(whole.st == c->want && whole.used == c->used,
	    "%s: got %d used %zu, want %d used %zu", c->name, whole.st,
	    whole.used, c->want, c->used);
	ck_assert_msg(whole.out_len == c->out_len
	    && memcmp(whole.out, c->out, c->out_len) == 0,
	    "%s: out \"%s\", want \"%s\"", c->name,
	    esc(whole.out, whole.out_len), esc(c->out, c->out_len));
	ck_assert_msg(whole.dec.flags == c->flags, "%s: flags %#x, want %#x",
	    c->name, whole.dec.flags, c->flags);
	ck_assert_msg(whole.dec.size == c->size && whole.dec.longest ==
	    c->longest, "%s: size %llu longest %zu, want %llu %zu", c->name,
	    (unsigned long long)whole.dec.size, whole.dec.longest,
	    (unsigned long long)c->size, c->longest);

	/* a byte at a time */
	decode_chunks(c, 0, 1, sizeof(other.out), &other);
	same_result(c, "byte at a time", &whole, &other);
	/* into the smallest output buffer */
	decode_chunks(c, 0, 0, SMTP_DATA_OUT_MIN, &other);
	same_result(c, "two-byte output", &whole, &other);
	decode_chunks(c, 0, 1, SMTP_DATA_OUT_MIN, &other);
	same_result(c, "byte at a time, two-byte output", &whole, &other);
	/* split in two at every point, and in chunks of every size */
	for (k = 1; k < c->len; k++) {
		decode_chunks(c, k, 0, sizeof(other.out), &other);
		same_result(c, "split", &whole, &other);
		decode_chunks(c, 0, k, sizeof(other.out), &other);
		same_result(c, "chunked", &whole, &other);
	}
	check_bytewise(c);
}
END_TEST

/* The end marker split over two calls; the next command untouched. */
START_TEST(test_data_split_end)
{
	struct smtp_data_decoder dec;
	char out[64];
	size_t used, got;

	smtp_data_decoder_init(&dec, 0, SMTP_TEXT_LINE_MAX);
	ck_assert_int_eq(smtp_data_decode(&dec, "hello\r\n.\r", 9, out,
	    sizeof(out), &used, &got), SMTP_DATA_MORE);
	ck_assert_uint_eq(used, 9);
	ck_assert_uint_eq(got, 7);
	ck_assert_int_eq(smtp_data_decode(&dec, "\nMAIL FROM:<>\r\n", 15, out,
	    sizeof(out), &used, &got), SMTP_DATA_DONE);
	ck_assert_uint_eq(used, 1);
	ck_assert_uint_eq(got, 0);
	/* done stays done, and takes nothing */
	ck_assert_int_eq(smtp_data_decode(&dec, "x", 1, out, sizeof(out),
	    &used, &got), SMTP_DATA_DONE);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(got, 0);

	/* split after the CR LF before the dot */
	smtp_data_decoder_init(&dec, 0, 0);
	ck_assert_int_eq(smtp_data_decode(&dec, "a\r\n", 3, out, sizeof(out),
	    &used, &got), SMTP_DATA_MORE);
	ck_assert_int_eq(smtp_data_decode(&dec, ".", 1, out, sizeof(out),
	    &used, &got), SMTP_DATA_MORE);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(smtp_data_decode(&dec, "\r\nQUIT", 6, out,
	    sizeof(out), &used, &got), SMTP_DATA_DONE);
	ck_assert_uint_eq(used, 2);

	/* an output buffer below the minimum takes nothing */
	smtp_data_decoder_init(&dec, 0, 0);
	ck_assert_int_eq(smtp_data_decode(&dec, "abc", 3, out, 1, &used,
	    &got), SMTP_DATA_MORE);
	ck_assert_uint_eq(used, 0);
	ck_assert_uint_eq(got, 0);
}
END_TEST

/* RFC 5321's 1000-byte line: 998 bytes and CR LF pass, 999 do not. */
START_TEST(test_data_line_limit)
{
	struct smtp_data_decoder dec;
	char *in, *out;
	size_t used, got, n;

	for (n = 998; n <= 999; n++) {
		in = repeat('x', n + 5);
		memcpy(in + n, "\r\n.\r\n", 5);
		out = xmalloc(2 * (n + 5));
		smtp_data_decoder_init(&dec, 0, SMTP_TEXT_LINE_MAX);
		ck_assert_int_eq(smtp_data_decode(&dec, in, n + 5, out,
		    2 * (n + 5), &used, &got), SMTP_DATA_DONE);
		ck_assert_uint_eq(used, n + 5);
		ck_assert_uint_eq(got, n + 2);
		ck_assert_uint_eq(dec.longest, n + 2);
		ck_assert_uint_eq(dec.flags, n == 998 ? 0 :
		    SMTP_DATA_LINE_TOO_LONG);
		free(in);
		free(out);
	}
}
END_TEST

/* The encoder. */
static const struct {
	const char *in;
	size_t	len;
	const char *want;
	size_t	want_len;
} encode_cases[] = {
	{ L(""), L(".\r\n") },
	{ L("a"), L("a\r\n.\r\n") },
	{ L("a\r\n"), L("a\r\n.\r\n") },
	{ L("a\n"), L("a\r\n.\r\n") },
	{ L(".x\n"), L("..x\r\n.\r\n") },
	{ L("."), L("..\r\n.\r\n") },
	{ L("a\n.\n"), L("a\r\n..\r\n.\r\n") },
	{ L("a\r\n.\r\nb"), L("a\r\n..\r\nb\r\n.\r\n") },
	{ L("a\r.\n"), L("a\r.\r\n.\r\n") },
	{ L("a\r"), L("a\r\n.\r\n") },
	{ L("\r\n.\r\n"), L("\r\n..\r\n.\r\n") },
	{ L("a\r\r\n"), L("a\r\r\n.\r\n") },
	{ L("\n\n"), L("\r\n\r\n.\r\n") },
	{ L("..\n"), L("...\r\n.\r\n") },
	{ L("a\0b"), L("a\0b\r\n.\r\n") },
};

/* encode_all - encode in chunks into res (size *res_len); its length */
static size_t
encode_all(const char *in, size_t len, size_t chunk, size_t out_size,
    char *res, size_t res_size)
{
	struct smtp_data_encoder enc;
	char buf[SMTP_DATA_END_MAX + 512];
	size_t pos = 0, n, used, got, total = 0;

	ck_assert(out_size <= sizeof(buf));
	smtp_data_encoder_init(&enc);
	while (pos < len) {
		n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
		ck_assert_int_eq(smtp_data_encode(&enc, in + pos, n, buf,
		    out_size, &used, &got), SMTP_DATA_MORE);
		ck_assert(used > 0 && used <= n && got <= out_size);
		ck_assert(total + got <= res_size);
		memcpy(res + total, buf, got);
		total += got;
		pos += used;
	}
	ck_assert_int_eq(smtp_data_encode_end(&enc, buf, SMTP_DATA_END_MAX - 1,
	    &got), SMTP_DATA_MORE);
	ck_assert_uint_eq(got, 0);
	ck_assert_int_eq(smtp_data_encode_end(&enc, buf, SMTP_DATA_END_MAX,
	    &got), SMTP_DATA_DONE);
	ck_assert(total + got <= res_size);
	memcpy(res + total, buf, got);
	return (total + got);
}

START_TEST(test_data_encode)
{
	char out[128];
	size_t n;

	n = encode_all(encode_cases[_i].in, encode_cases[_i].len, 0,
	    sizeof(out), out, sizeof(out));
	ck_assert_msg(n == encode_cases[_i].want_len
	    && memcmp(out, encode_cases[_i].want, n) == 0,
	    "\"%s\": got \"%s\", want \"%s\"",
	    esc(encode_cases[_i].in, encode_cases[_i].len), esc(out, n),
	    esc(encode_cases[_i].want, encode_cases[_i].want_len));
	n = encode_all(encode_cases[_i].in, encode_cases[_i].len, 1,
	    SMTP_DATA_OUT_MIN, out, sizeof(out));
	ck_assert_msg(n == encode_cases[_i].want_len
	    && memcmp(out, encode_cases[_i].want, n) == 0,
	    "\"%s\" byte at a time: got \"%s\"",
	    esc(encode_cases[_i].in, encode_cases[_i].len), esc(out, n));
}
END_TEST

/* normalise - what a message should look like after encode and decode */
static size_t
normalise(const char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = in[i];
	}
	if (len > 0 && in[len - 1] != '\n') {
		if (in[len - 1] != '\r')
			out[o++] = '\r';
		out[o++] = '\n';
	}
	return (o);
}

/*
 * Every string of up to 6 bytes from ".", CR, LF, "a": encoded then
 * decoded, it is the normalised original, and the decoder stops exactly
 * at the end of what the encoder wrote.
 */
START_TEST(test_data_round_trip)
{
	static const char alphabet[] = ".\r\na";
	struct smtp_data_decoder dec;
	char in[8], enc[64], dec_out[64], want[32];
	size_t n, k, total, i, enc_len, used, got, want_len;

	for (n = 0; n <= 6; n++) {
		total = 1;
		for (i = 0; i < n; i++)
			total *= 4;
		for (k = 0; k < total; k++) {
			size_t v = k;

			for (i = 0; i < n; i++, v /= 4)
				in[i] = alphabet[v % 4];
			enc_len = encode_all(in, n, 0, sizeof(enc), enc,
			    sizeof(enc));
			/* pipelined bytes after the end must stay */
			memcpy(enc + enc_len, "NEXT", 4);
			smtp_data_decoder_init(&dec, 0, 0);
			ck_assert_int_eq(smtp_data_decode(&dec, enc,
			    enc_len + 4, dec_out, sizeof(dec_out), &used,
			    &got), SMTP_DATA_DONE);
			want_len = normalise(in, n, want);
			ck_assert_msg(used == enc_len && got == want_len
			    && memcmp(dec_out, want, got) == 0,
			    "\"%s\": encoded \"%s\", decoded \"%s\"",
			    esc(in, n), esc(enc, enc_len),
			    esc(dec_out, got));
			ck_assert_uint_eq(dec.flags & ~SMTP_DATA_BARE_CR, 0);
		}
	}
}
END_TEST

static Suite *
smtp_parse_suite(void)
{
	Suite *s = suite_create("smtp_parse");
	TCase *tc;

	tc = tcase_create("command");
	tcase_add_loop_test(tc, test_command, 0, NELEM(command_cases));
	tcase_add_test(tc, test_verb_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply_for");
	tcase_add_loop_test(tc, test_reply_for, 0, NELEM(reply_cases));
	tcase_add_test(tc, test_reply_all);
	suite_add_tcase(s, tc);

	tc = tcase_create("mail");
	tcase_add_loop_test(tc, test_mail, 0, NELEM(mail_cases));
	tcase_add_test(tc, test_mail_prefixes);
	tcase_add_test(tc, test_address_reparse);
	suite_add_tcase(s, tc);

	tc = tcase_create("rcpt");
	tcase_add_loop_test(tc, test_rcpt, 0, NELEM(rcpt_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("lengths");
	tcase_add_loop_test(tc, test_lengths, 0, NELEM(length_cases));
	tcase_add_test(tc, test_label_length);
	tcase_add_test(tc, test_literal_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("every_byte");
	tcase_add_test(tc, test_every_byte);
	suite_add_tcase(s, tc);

	tc = tcase_create("params");
	tcase_add_loop_test(tc, test_params, 0, NELEM(param_cases));
	tcase_add_test(tc, test_orcpt_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("helo");
	tcase_add_loop_test(tc, test_helo, 0, NELEM(helo_cases));
	tcase_add_test(tc, test_helo_length);
	suite_add_tcase(s, tc);

	tc = tcase_create("auth");
	tcase_add_loop_test(tc, test_auth, 0, NELEM(auth_cases));
	tcase_add_loop_test(tc, test_auth_response, 0,
	    NELEM(response_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("base64");
	tcase_add_loop_test(tc, test_base64_decode, 0, NELEM(b64_cases));
	tcase_add_test(tc, test_base64_nul);
	tcase_add_test(tc, test_base64_encode);
	suite_add_tcase(s, tc);

	tc = tcase_create("plain");
	tcase_add_loop_test(tc, test_plain, 0, NELEM(plain_cases));
	tcase_add_test(tc, test_plain_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("xtext");
	tcase_add_loop_test(tc, test_xtext, 0, NELEM(xtext_cases));
	tcase_add_test(tc, test_xtext_encode);
	suite_add_tcase(s, tc);

	tc = tcase_create("bdat");
	tcase_add_loop_test(tc, test_bdat, 0, NELEM(bdat_cases));
	tcase_add_test(tc, test_next_word);
	suite_add_tcase(s, tc);

	tc = tcase_create("reply");
	tcase_add_loop_test(tc, test_reply_parse, 0,
	    NELEM(reply_parse_cases));
	tcase_add_test(tc, test_reply_limits);
	tcase_add_loop_test(tc, test_ehlo, 0, NELEM(ehlo_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("data_decode");
	tcase_add_loop_test(tc, test_data_decode, 0, NELEM(data_cases));
	tcase_add_test(tc, test_data_split_end);
	tcase_add_test(tc, test_data_line_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("data_encode");
	tcase_add_loop_test(tc, test_data_encode, 0, NELEM(encode_cases));
	tcase_add_test(tc, test_data_round_trip);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(smtp_parse_suite());
	int failures;

	srunner_run_all(sr, CK_NORMAL);
	failures = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failures ? 1 : 0);
}
