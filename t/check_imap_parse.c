/*
 * check_imap_parse - unit tests for common/imap_parse.c.
 *
 * Each case is a byte string (one command or several, pipelined) and the
 * exact sequence of events the parser must report: LIT<n>[+] for a
 * literal announcement, then for each command either OK with the whole
 * parsed tree written out again, or the failure's name and tag. Every
 * case runs three ways that must agree: whole (one call per event), a
 * byte at a time, and split in two at every point. The tables hold
 * malformed, truncated, over-long, NUL-bearing and 8-bit input, every
 * limit at its edge, and literal corners ({0}, huge sizes, {n} against
 * {n+}, failures before a {n+} that must still be skipped). Inputs are
 * exact-size heap copies, so the sanitizers see any read past the end.
 */
#include "config.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_parse.h"
#include "mem.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define L(lit)		lit, sizeof(lit) - 1
#define OUT_MAX		8192

static const struct imap_parse_limits small_limits = {
	100,	/* literal_max */
	20,	/* args_max */
	3,	/* depth_max */
	200,	/* command_max */
};

/* Output text being built for a case. */
struct out {
	char	buf[OUT_MAX];
	size_t	len;
};

/* outf - append formatted text (truncation fails the test) */
static void
outf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, sizeof(o->buf) - o->len, fmt, ap);
	va_end(ap);
	ck_assert(n >= 0 && (size_t)n < sizeof(o->buf) - o->len);
	o->len += (size_t)n;
}

/* out_esc - append bytes, escaping \, " and anything unprintable */
static void
out_esc(struct out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '"')
			outf(o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			outf(o, "\\x%02x", c);
		else
			outf(o, "%c", c);
	}
}

/* dump - write an argument list back as text */
static void
dump(struct out *o, const struct imap_arg *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			outf(o, " ");
		/* strings are NUL-terminated at len */
		ck_assert(a[i].str != NULL && a[i].str[a[i].len] == '\0');
		ck_assert((a[i].count == 0) == (a[i].list == NULL));
		switch (a[i].type) {
		case IMAP_ARG_ATOM:
			out_esc(o, a[i].str, a[i].len);
			break;
		case IMAP_ARG_NIL:
			outf(o, "NIL");
			break;
		case IMAP_ARG_QUOTED:
			outf(o, "\"");
			out_esc(o, a[i].str, a[i].len);
			outf(o, "\"");
			break;
		case IMAP_ARG_LITERAL:
			outf(o, "{%zu%s}", a[i].len, a[i].nonsync ? "+" : "");
			out_esc(o, a[i].str, a[i].len);
			break;
		case IMAP_ARG_LIST:
			outf(o, "(");
			dump(o, a[i].list, a[i].count);
			outf(o, ")");
			break;
		case IMAP_ARG_SECTION:
			out_esc(o, a[i].str, a[i].len);
			outf(o, "[");
			out_esc(o, a[i].section, a[i].section_len);
			if (a[i].count > 0) {
				outf(o, " (");
				dump(o, a[i].list, a[i].count);
				outf(o, ")");
			}
			outf(o, "]");
			if (a[i].partial)
				outf(o, "<%u.%u>", a[i].partial_offset,
				    a[i].partial_length);
			break;
		default:
			ck_abort_msg("bad type %d", a[i].type);
		}
	}
}

/* event - append the text of one reported status */
static void
event(struct out *o, struct imap_parser *p, enum imap_parse_status st)
{
	const struct imap_arg *args;
	size_t n, size;
	int sync;

	if (o->len > 0)
		outf(o, " ");
	if (st == IMAP_PARSE_LITERAL) {
		imap_parser_literal(p, &size, &sync);
		outf(o, "LIT%zu%s", size, sync ? "" : "+");
		return;
	}
	if (st != IMAP_PARSE_OK) {
		outf(o, "%s:%s", imap_parse_status_name(st),
		    imap_parser_tag(p));
		return;
	}
	outf(o, "OK:%s %s", imap_parser_tag(p), imap_parser_command(p));
	args = imap_parser_args(p, &n);
	if (n > 0) {
		outf(o, " ");
		dump(o, args, n);
	}
}

/*
 * run - feed in[0..len) in pieces of at most chunk bytes (0: all that is
 * left), or in two pieces split at split when chunk is (size_t)-1;
 * write the events to o, then MORE if input ran out inside a command.
 */
static void
run(const struct imap_parse_limits *lim, const char *in, size_t len,
    size_t chunk, size_t split, struct out *o)
{
	struct imap_parser *p = imap_parser_create(lim);
	enum imap_parse_status st = IMAP_PARSE_OK;
	size_t pos = 0, n, used, end;
	int dead = 0;

	o->len = 0;
	o->buf[0] = '\0';
	while (pos < len && !dead) {
		if (chunk == (size_t)-1)
			end = pos < split ? split : len;
		else if (chunk == 0)
			end = len;
		else
			end = pos + chunk < len ? pos + chunk : len;
		n = end - pos;
		st = imap_parser_feed(p, in + pos, n, &used);
		ck_assert_msg(used <= n, "used %zu of %zu", used, n);
		pos += used;
		if (st == IMAP_PARSE_MORE) {
			ck_assert_msg(used == n, "MORE used %zu of %zu", used,
			    n);
			continue;
		}
		event(o, p, st);
		if (st == IMAP_PARSE_NONSYNC_TOO_BIG) {
			/* it sticks, and uses nothing more */
			ck_assert(imap_parser_feed(p, "x", 1, &used)
			    == IMAP_PARSE_NONSYNC_TOO_BIG && used == 0);
			dead = 1;
		}
	}
	if (st == IMAP_PARSE_MORE || st == IMAP_PARSE_LITERAL)
		outf(o, "%sMORE", o->len > 0 ? " " : "");
	imap_parser_free(&p);
	ck_assert(p == NULL);
}

#define X10	"xxxxxxxxxx"
#define X50	X10 X10 X10 X10 X10
#define X100	X50 X50
#define ARGS20	"1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20"

static const struct {
	const char *name;
	const char *in;
	size_t	len;
	const char *want;
} cases[] = {
	/* plain commands */
	{ "noop", L("A1 NOOP\r\n"), "OK:A1 NOOP" },
	{ "bare lf", L("A1 NOOP\n"), "OK:A1 NOOP" },
	{ "lower", L("a.b-c capability\r\n"), "OK:a.b-c capability" },
	{ "tag with bracket", L("x]1 NOOP\r\n"), "OK:x]1 NOOP" },
	{ "trailing blank", L("A1 NOOP \r\n"), "OK:A1 NOOP" },
	{ "pipelined", L("A1 NOOP\r\nA2 CHECK\r\n"), "OK:A1 NOOP OK:A2 CHECK" },
	{ "truncated", L("A1 NOO"), "MORE" },
	{ "truncated cr", L("A1 NOOP\r"), "MORE" },
	{ "login", L("A2 LOGIN joe \"p\\\"w\\\\d\"\r\n"),
	    "OK:A2 LOGIN joe \"p\\\"w\\\\d\"" },
	{ "empty quoted", L("A X \"\"\r\n"), "OK:A X \"\"" },
	{ "nil", L("A X NIL nil \"NIL\" NILS\r\n"),
	    "OK:A X NIL NIL \"NIL\" NILS" },
	{ "utf8 quoted", L("A SEARCH CHARSET UTF-8 TEXT \"caf\xc3\xa9\"\r\n"),
	    "OK:A SEARCH CHARSET UTF-8 TEXT \"caf\\xc3\\xa9\"" },
	{ "lists", L("A X (a (b (c)) ()) d\r\n"),
	    "OK:A X (a (b (c)) ()) d" },
	{ "blanks in lists", L("A X  ( a  b )  (  )\r\n"),
	    "OK:A X (a b) ()" },
	{ "list at end", L("A X (a)\r\n"), "OK:A X (a)" },
	{ "flags", L("A STORE 1 +FLAGS.SILENT (\\Seen \\Answered $Junk)\r\n"),
	    "OK:A STORE 1 +FLAGS.SILENT (\\\\Seen \\\\Answered $Junk)" },
	{ "flag star", L("A X \\*\r\n"), "OK:A X \\\\*" },
	{ "seqset", L("A UID FETCH 1:5,7,9:* FLAGS\r\n"),
	    "OK:A UID FETCH 1:5,7,9:* FLAGS" },
	{ "searchres", L("A UID FETCH $ FLAGS\r\n"), "OK:A UID FETCH $ FLAGS" },
	{ "list patterns", L("A LIST \"\" %/*\r\n"), "OK:A LIST \"\" %/*" },
	{ "gmail box", L("A SELECT [Gmail]/Sent\r\n"),
	    "OK:A SELECT [Gmail]/Sent" },
	/* fetch attributes with sections */
	{ "fetch", L("A7 FETCH 1:5 (FLAGS BODY.PEEK[HEADER.FIELDS (From "
	    "\"To\")] BODY[1.2.MIME] BODY[]<0.100> body[text] "
	    "RFC822.SIZE)\r\n"),
	    "OK:A7 FETCH 1:5 (FLAGS BODY.PEEK[HEADER.FIELDS (From \"To\")] "
	    "BODY[1.2.MIME] BODY[]<0.100> body[text] RFC822.SIZE)" },
	{ "fetch macro", L("A FETCH 1 BODY[HEADER.FIELDS.NOT (X)]<5.10>\r\n"),
	    "OK:A FETCH 1 BODY[HEADER.FIELDS.NOT (X)]<5.10>" },
	{ "fetch part text", L("A FETCH 1 BODY[1.TEXT] BODY[3.2.HEADER]\r\n"),
	    "OK:A FETCH 1 BODY[1.TEXT] BODY[3.2.HEADER]" },
	{ "binary",
	    L("A FETCH 1 (BINARY[1] BINARY.PEEK[] BINARY.SIZE[2.3])\r\n"),
	    "OK:A FETCH 1 (BINARY[1] BINARY.PEEK[] BINARY.SIZE[2.3])" },
	{ "partial max", L("A FETCH 1 BODY[]<4294967295.4294967295>\r\n"),
	    "OK:A FETCH 1 BODY[]<4294967295.4294967295>" },
	{ "header literal",
	    L("A FETCH 1 BODY[HEADER.FIELDS ({4}\r\nFrom)]\r\n"),
	    "LIT4 OK:A FETCH 1 BODY[HEADER.FIELDS ({4}From)]" },
	{ "header nil", L("A FETCH 1 BODY[HEADER.FIELDS (NIL)]\r\n"),
	    "OK:A FETCH 1 BODY[HEADER.FIELDS (NIL)]" },
	{ "bad section", L("A FETCH 1 BODY[FOO]\r\n"), "bad-syntax:A" },
	{ "section no list", L("A FETCH 1 BODY[HEADER.FIELDS]\r\n"),
	    "bad-syntax:A" },
	{ "section list extra", L("A FETCH 1 BODY[TEXT (a)]\r\n"),
	    "bad-syntax:A" },
	{ "section empty list", L("A FETCH 1 BODY[HEADER.FIELDS ()]\r\n"),
	    "bad-syntax:A" },
	{ "section nested", L("A FETCH 1 BODY[HEADER.FIELDS (a (b))]\r\n"),
	    "bad-syntax:A" },
	{ "section flag", L("A FETCH 1 BODY[HEADER.FIELDS (\\a)]\r\n"),
	    "bad-syntax:A" },
	{ "section no close", L("A FETCH 1 BODY[HEADER.FIELDS (a)\r\n"),
	    "bad-syntax:A" },
	{ "section unclosed", L("A FETCH 1 BODY[1\r\n"), "bad-syntax:A" },
	{ "section zero", L("A FETCH 1 BODY[0]\r\n"), "bad-syntax:A" },
	{ "section zero part", L("A FETCH 1 BODY[1.0]\r\n"), "bad-syntax:A" },
	{ "section dot end", L("A FETCH 1 BODY[1.]\r\n"), "bad-syntax:A" },
	{ "section mime alone", L("A FETCH 1 BODY[MIME]\r\n"), "bad-syntax:A" },
	{ "binary header", L("A FETCH 1 BINARY[HEADER]\r\n"), "bad-syntax:A" },
	{ "section blank", L("A FETCH 1 BODY[ ]\r\n"), "bad-syntax:A" },
	{ "partial one", L("A FETCH 1 BODY[]<0>\r\n"), "bad-syntax:A" },
	{ "partial zero len", L("A FETCH 1 BODY[]<0.0>\r\n"), "bad-syntax:A" },
	{ "partial big", L("A FETCH 1 BODY[]<4294967296.1>\r\n"),
	    "bad-syntax:A" },
	{ "partial open", L("A FETCH 1 BODY[]<1.2\r\n"), "bad-syntax:A" },
	{ "section junk after", L("A FETCH 1 BODY[]x\r\n"), "bad-syntax:A" },
	{ "not a fetch name", L("A X FOO[1]\r\n"), "OK:A X FOO[1]" },
	/* literals */
	{ "literal", L("A3 LOGIN {3}\r\njoe {4}\r\npass\r\n"),
	    "LIT3 LIT4 OK:A3 LOGIN {3}joe {4}pass" },
	{ "nonsync", L("A3 LOGIN {3+}\r\njoe pw\r\n"),
	    "LIT3+ OK:A3 LOGIN {3+}joe pw" },
	{ "literal zero", L("A4 X {0}\r\n\r\n"), "LIT0 OK:A4 X {0}" },
	{ "literal zero plus", L("A4 X {0+}\r\n {0}\r\n\r\n"),
	    "LIT0+ LIT0 OK:A4 X {0+} {0}" },
	{ "literal leading zeros", L("A X {003}\r\nabc\r\n"),
	    "LIT3 OK:A X {3}abc" },
	{ "literal bytes", L("A5 APPEND INBOX {6}\r\na\0\r\nb\xff\r\n"),
	    "LIT6 OK:A5 APPEND INBOX {6}a\\x00\\x0d\\x0ab\\xff" },
	{ "literal bare lf", L("A X {1}\nz\n"), "LIT1 OK:A X {1}z" },
	{ "literal in list", L("A X ({1}\r\na {1+}\r\nb)\r\n"),
	    "LIT1 LIT1+ OK:A X ({1}a {1+}b)" },
	{ "literal max", L("A X {100}\r\n" X100 "\r\n"),
	    "LIT100 OK:A X {100}" X100 },
	{ "append", L("A6 APPEND INBOX (\\Seen) \"17-Jul-1996 02:44:25 -0700\" "
	    "{3}\r\nabc\r\n"), "LIT3 OK:A6 APPEND INBOX (\\\\Seen) "
	    "\"17-Jul-1996 02:44:25 -0700\" {3}abc" },
	{ "literal truncated", L("A X {5}\r\nab"), "LIT5 MORE" },
	{ "literal then junk", L("A X {3}abc\r\n"), "bad-syntax:A" },
	{ "literal no digits", L("A X {}\r\n"), "bad-syntax:A" },
	{ "literal plus only", L("A X {+}\r\n"), "bad-syntax:A" },
	{ "literal unclosed", L("A X {3+\r\n"), "bad-syntax:A" },
	{ "literal letters", L("A X {3a}\r\n"), "bad-syntax:A" },
	{ "literal8", L("A X ~{3}\r\n"), "bad-syntax:A" },
	{ "literal after atom", L("A X a{3}\r\n"), "bad-syntax:A" },
	{ "literal then atom", L("A X {1}\r\nab\r\n"), "LIT1 bad-syntax:A" },
	{ "literal too big", L("A X {101}\r\nB NOOP\r\n"),
	    "literal-too-big:A OK:B NOOP" },
	{ "literal huge", L("A X {99999999999999999999999999}\r\nB NOOP\r\n"),
	    "literal-too-big:A OK:B NOOP" },
	{ "nonsync too big", L("A X {101+}\r\n" X100 "x\r\nB NOOP\r\n"),
	    "nonsync-too-big:A" },
	{ "nonsync huge", L("A X {99999999999999999999999+}\r\nB NOOP\r\n"),
	    "nonsync-too-big:A" },
	{ "literal over command", L("A X " X100 X50 " {50}\r\n"),
	    "literal-too-big:A" },
	/* failures are reported after the rest of the command */
	{ "empty line", L("\r\nA1 NOOP\r\n"), "empty: OK:A1 NOOP" },
	{ "empty lf", L("\n"), "empty:" },
	{ "tag only", L("A1\r\n"), "bad-command:A1" },
	{ "tag blank", L("A1 \r\n"), "bad-command:A1" },
	{ "two blanks", L("A1  NOOP\r\n"), "bad-command:A1" },
	{ "plus tag", L("+ NOOP\r\n"), "bad-tag:" },
	{ "star tag", L("* NOOP\r\n"), "bad-tag:" },
	{ "brace tag", L("A{1} NOOP\r\n"), "bad-tag:" },
	{ "blank first", L(" A NOOP\r\n"), "bad-tag:" },
	{ "nul tag", L("A\0 NOOP\r\nB NOOP\r\n"), "bad-tag: OK:B NOOP" },
	{ "8bit tag", L("\xc3\xa9 NOOP\r\n"), "bad-tag:" },
	{ "bad command char", L("A NO\"OP\r\n"), "bad-command:A" },
	{ "nul atom", L("A X a\0b\r\nB NOOP\r\n"), "bad-char:A OK:B NOOP" },
	{ "nul arg", L("A X \0\r\n"), "bad-char:A" },
	{ "nul quoted", L("A X \"a\0b\"\r\n"), "bad-char:A" },
	{ "8bit atom", L("A X caf\xc3\xa9\r\n"), "bad-char:A" },
	{ "bad utf8 quoted", L("A X \"caf\xe9\"\r\n"), "bad-char:A" },
	{ "tab quoted", L("A X \"a\tb\"\r\n"), "bad-char:A" },
	{ "tab separator", L("A X a\tb\r\n"), "bad-char:A" },
	{ "bare cr", L("A X a\rb\r\nB NOOP\r\n"), "bad-char:A OK:B NOOP" },
	{ "unterminated quote", L("A X \"abc\r\nB NOOP\r\n"),
	    "bad-syntax:A OK:B NOOP" },
	{ "bad escape", L("A X \"a\\b\"\r\n"), "bad-syntax:A" },
	{ "unclosed list", L("A X (a\r\n"), "bad-syntax:A" },
	{ "extra paren", L("A X a)\r\n"), "bad-syntax:A" },
	{ "paren after atom", L("A X a(b)\r\n"), "bad-syntax:A" },
	{ "quote after atom", L("A X a\"b\"\r\n"), "bad-syntax:A" },
	{ "no blank after quoted", L("A X \"a\"b\r\n"), "bad-syntax:A" },
	{ "no blank after list", L("A X (a)b\r\n"), "bad-syntax:A" },
	{ "lone backslash", L("A X \\\r\n"), "bad-syntax:A" },
	{ "double backslash", L("A X \\\\Seen\r\n"), "bad-syntax:A" },
	{ "backslash inside", L("A X a\\b\r\n"), "bad-syntax:A" },
	/* limits */
	{ "depth 3", L("A X (((a)))\r\n"), "OK:A X (((a)))" },
	{ "depth 4", L("A X ((((a))))\r\nB NOOP\r\n"),
	    "too-deep:A OK:B NOOP" },
	{ "section depth", L("A X ((BODY[HEADER.FIELDS (a)]))\r\n"),
	    "OK:A X ((BODY[HEADER.FIELDS (a)]))" },
	{ "section too deep", L("A X (((BODY[HEADER.FIELDS (a)])))\r\n"),
	    "too-deep:A" },
	{ "args 20", L("A X " ARGS20 "\r\n"), "OK:A X " ARGS20 },
	{ "args 21", L("A X " ARGS20 " 21\r\nB NOOP\r\n"),
	    "too-many-args:A OK:B NOOP" },
	{ "args in lists", L("A X (1 2 3 4 5 6 7 8 9) (1 2 3 4 5 6 7 8 9) "
	    "(1)\r\n"), "too-many-args:A" },
	{ "literal arg 21", L("A X " ARGS20 " {2}\r\n"), "too-many-args:A" },
	{ "literal arg 21 nonsync",
	    L("A X " ARGS20 " {2+}\r\nab\r\nB NOOP\r\n"),
	    "too-many-args:A OK:B NOOP" },
	{ "command 200", L("A X " X100 X50 X10 X10 X10 X10 "xxxx\r\n"),
	    "OK:A X " X100 X50 X10 X10 X10 X10 "xxxx" },
	{ "command 201",
	    L("A X " X100 X50 X10 X10 X10 X10 "xxxxx\r\nB NOOP\r\n"),
	    "command-too-long:A OK:B NOOP" },
	{ "long with nonsync", L("A X " X100 X100 " {3+}\r\nabc\r\nB NOOP\r\n"),
	    "command-too-long:A OK:B NOOP" },
	/* skipping the rest of a failed command */
	{ "skip nonsync", L("A X ((((x {3+}\r\nB N\r\nC NOOP\r\n"),
	    "too-deep:A OK:C NOOP" },
	{ "skip two nonsync", L("A X \0 {1+}\r\n\n {2+}\r\n\r\n\r\nC NOOP\r\n"),
	    "bad-char:A OK:C NOOP" },
	{ "skip nonsync too big", L("A X \0 {101+}\r\n"), "nonsync-too-big:A" },
	{ "skip sync", L("A X (((( {3}\r\nC NOOP\r\n"),
	    "too-deep:A OK:C NOOP" },
	{ "skip brace junk", L("A X \0 {3+x}\r\nC NOOP\r\n"),
	    "bad-char:A OK:C NOOP" },
	{ "skip truncated", L("A X \0 abc"), "MORE" },
	{ "skip in literal", L("A X \0 {3+}\r\nab"), "MORE" },
};

START_TEST(test_case)
{
	static struct out whole, piece;
	char *in = xmalloc(cases[_i].len ? cases[_i].len : 1);
	size_t split;

	memcpy(in, cases[_i].in, cases[_i].len);
	run(&small_limits, in, cases[_i].len, 0, 0, &whole);
	ck_assert_msg(strcmp(whole.buf, cases[_i].want) == 0,
	    "%s: got \"%s\", want \"%s\"", cases[_i].name, whole.buf,
	    cases[_i].want);
	run(&small_limits, in, cases[_i].len, 1, 0, &piece);
	ck_assert_msg(strcmp(piece.buf, whole.buf) == 0,
	    "%s: byte at a time \"%s\", whole \"%s\"", cases[_i].name,
	    piece.buf, whole.buf);
	for (split = 1; split < cases[_i].len; split++) {
		run(&small_limits, in, cases[_i].len, (size_t)-1, split,
		    &piece);
		ck_assert_msg(strcmp(piece.buf, whole.buf) == 0,
		    "%s: split at %zu \"%s\", whole \"%s\"", cases[_i].name,
		    split, piece.buf, whole.buf);
	}
	free(in);
}
END_TEST

/* Every prefix of a valid command stops with MORE and nothing else. */
START_TEST(test_prefixes)
{
	static const char cmd[] = "A7 FETCH 1:* (FLAGS BODY.PEEK[HEADER."
	    "FIELDS (From \"To\")]<0.10> \"q\\\\\")\r\n";
	static struct out o;
	size_t n;

	for (n = 0; n < sizeof(cmd) - 1; n++) {
		run(&small_limits, cmd, n, 0, 0, &o);
		ck_assert_msg(strcmp(o.buf, n == 0 ? "" : "MORE") == 0,
		    "prefix %zu: \"%s\"", n, o.buf);
	}
}
END_TEST

/* A big literal in 4 KiB pieces, and the tree's accessors. */
START_TEST(test_big_literal)
{
	static const struct imap_parse_limits lim = {
		1 << 20, 100, 10, (1 << 20) + 100,
	};
	struct imap_parser *p = imap_parser_create(&lim);
	const char *head = "T1 APPEND \"Sent Items\" (\\Seen) {1048576}\r\n";
	const struct imap_arg *a;
	const char *s;
	char *body = xmalloc(1 << 20);
	size_t i, used, n, size;
	int sync;

	for (i = 0; i < (1 << 20); i++)
		body[i] = (char)(i % 251);
	ck_assert(imap_parser_feed(p, head, strlen(head), &used)
	    == IMAP_PARSE_LITERAL);
	ck_assert_uint_eq(used, strlen(head));
	imap_parser_literal(p, &size, &sync);
	ck_assert(size == (1 << 20) && sync);
	for (i = 0; i < (1 << 20); i += 4096) {
		ck_assert(imap_parser_feed(p, body + i, 4096, &used)
		    == IMAP_PARSE_MORE);
		ck_assert_uint_eq(used, 4096);
	}
	ck_assert(imap_parser_feed(p, "\r\nT2", 4, &used) == IMAP_PARSE_OK);
	ck_assert_uint_eq(used, 2);
	ck_assert_str_eq(imap_parser_tag(p), "T1");
	ck_assert_str_eq(imap_parser_command(p), "APPEND");
	a = imap_parser_args(p, &n);
	ck_assert_uint_eq(n, 3);
	ck_assert(imap_arg_astring(&a[0], &s, &size) && size == 10
	    && strcmp(s, "Sent Items") == 0);
	ck_assert(a[1].type == IMAP_ARG_LIST && a[1].count == 1);
	ck_assert(imap_arg_atom_eq(&a[1].list[0], "\\SEEN"));
	ck_assert(!imap_arg_atom_eq(&a[1].list[0], "\\Seen2"));
	ck_assert(!imap_arg_astring(&a[1], &s, &size));
	ck_assert(a[2].type == IMAP_ARG_LITERAL && !a[2].nonsync);
	ck_assert(imap_arg_astring(&a[2], &s, &size) && size == (1 << 20));
	ck_assert(memcmp(s, body, size) == 0);
	/* the next command starts afresh; a reset forgets a partial one */
	ck_assert(imap_parser_feed(p, "T2 NO", 5, &used) == IMAP_PARSE_MORE);
	imap_parser_reset(p);
	ck_assert(imap_parser_feed(p, "T3 NOOP\r\n", 9, &used)
	    == IMAP_PARSE_OK);
	ck_assert_str_eq(imap_parser_tag(p), "T3");
	a = imap_parser_args(p, &n);
	ck_assert(a == NULL && n == 0);
	free(body);
	imap_parser_free(&p);
	imap_parser_free(&p);
}
END_TEST

/* How each status is answered, and its words. */
START_TEST(test_replies)
{
	ck_assert(imap_parse_status_reply(IMAP_PARSE_OK) == IMAP_REPLY_NONE);
	ck_assert(imap_parse_status_reply(IMAP_PARSE_LITERAL)
	    == IMAP_REPLY_NONE);
	ck_assert(imap_parse_status_reply(IMAP_PARSE_BAD_SYNTAX)
	    == IMAP_REPLY_BAD);
	ck_assert(imap_parse_status_reply(IMAP_PARSE_TOO_DEEP)
	    == IMAP_REPLY_BAD);
	ck_assert(imap_parse_status_reply(IMAP_PARSE_COMMAND_TOO_LONG)
	    == IMAP_REPLY_BAD_TOOBIG);
	ck_assert(imap_parse_status_reply(IMAP_PARSE_LITERAL_TOO_BIG)
	    == IMAP_REPLY_NO_TOOBIG);
	ck_assert(imap_parse_status_reply(IMAP_PARSE_NONSYNC_TOO_BIG)
	    == IMAP_REPLY_BYE);
	ck_assert_str_eq(imap_parse_status_name(IMAP_PARSE_NONSYNC_TOO_BIG),
	    "nonsync-too-big");
	ck_assert_str_eq(imap_parse_status_text(IMAP_PARSE_TOO_DEEP),
	    "Lists nested too deeply");
	ck_assert_str_eq(imap_parse_status_name((enum imap_parse_status)99),
	    "unknown");
	ck_assert_str_eq(imap_parse_status_text((enum imap_parse_status)99),
	    "Unknown error");
}
END_TEST

/* imap_parse_suite - the test suite */
static Suite *
imap_parse_suite(void)
{
	Suite *s = suite_create("imap_parse");
	TCase *tc;

	tc = tcase_create("cases");
	tcase_add_loop_test(tc, test_case, 0, NELEM(cases));
	tcase_add_test(tc, test_prefixes);
	suite_add_tcase(s, tc);
	tc = tcase_create("api");
	tcase_add_test(tc, test_big_literal);
	tcase_add_test(tc, test_replies);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(imap_parse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
