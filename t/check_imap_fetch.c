/*
 * check_imap_fetch - unit tests for common/imap_fetch.c.
 *
 * A corpus of messages (simple text, no final newline, multipart/
 * alternative, nested multipart/mixed with an attachment carrying every
 * extension field, message/rfc822 inside a multipart, base64 and
 * quoted-printable parts, RFC 2231 continuations, group addresses and
 * RFC 5322's own odd examples, encoded-word subjects, and the malformed:
 * missing close delimiter, boundary-like lines in a body, no blank line
 * after the header, multipart without boundary or without parts, mixed
 * line ends) with the exact BODYSTRUCTURE, BODY and ENVELOPE Dovecot
 * sends for each. Every message is also converted to CRLF and must give
 * the same answers, which checks the sizes and line counts. Then
 * BODY[section] contents, nesting past the limit, quoting and output
 * caps. Inputs are exact-size heap copies, so the sanitizers see any read
 * past the end.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imap_fetch.h"
#include "mem.h"
#include "mime.h"
#include "sbuf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The corpus: name and message (LF line ends, as stored). */
static const struct {
	const char *name, *msg;
} corpus[] = {
	{ "simple",
	"From: John Doe <jdoe@example.com>\n"
	"To: Mary Smith <mary@example.net>, bob@example.org (Bob B)\n"
	"Subject: Saying Hello\n"
	"Date: Fri, 21 Nov 1997 09:55:06 -0600\n"
	"Message-ID: <1234@local.machine.example>\n"
	"\n"
	"This is a message just to say hello.\n"
	"So, \"Hello\".\n" },
	{ "nofinalnl",
	"Subject: x\n\nabc\ndef" },
	{ "alternative",
	"From: a@b.c\n"
	"Subject: alt\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/alternative; boundary=\"XX\"\n"
	"\n"
	"preamble\n"
	"--XX\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"plain\n"
	"--XX\n"
	"Content-Type: text/html; charset=\"utf-8\"\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"<p>h=C3=A9llo</p>\n"
	"--XX--\n"
	"epilogue\n" },
	{ "mixed",
	"From: \"Doe, John\" <john@x.org>\n"
	"Subject: nested\n"
	"Content-Type: multipart/mixed; boundary=outer\n"
	"\n"
	"--outer\n"
	"Content-Type: multipart/alternative; boundary=inner\n"
	"\n"
	"--inner\n"
	"\n"
	"default type\n"
	"--inner\n"
	"Content-Type: text/html\n"
	"\n"
	"<b>x</b>\n"
	"--inner--\n"
	"\n"
	"--outer\n"
	"Content-Type: application/pdf; name=\"doc.pdf\"\n"
	"Content-Transfer-Encoding: base64\n"
	"Content-Disposition: attachment; filename=\"doc.pdf\"\n"
	"Content-ID: <part1@x.org>\n"
	"Content-Description: A PDF\n"
	"Content-Language: en, fr\n"
	"Content-Location: http://x.org/doc.pdf\n"
	"Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==\n"
	"\n"
	"JVBERi0xLjQK\n"
	"--outer--\n" },
	{ "rfc822",
	"From: outer@x.org\n"
	"Subject: fwd\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	"--b1\n"
	"Content-Type: text/plain\n"
	"\n"
	"see attached\n"
	"--b1\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"From: inner@y.org\n"
	"To: someone@z.org\n"
	"Subject: inner subject\n"
	"Content-Type: multipart/mixed; boundary=\"b2\"\n"
	"\n"
	"--b2\n"
	"Content-Type: text/plain; charset=iso-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"caf=E9\n"
	"--b2\n"
	"Content-Type: image/png\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"iVBORw0KGgo=\n"
	"--b2--\n"
	"\n"
	"--b1--\n" },
	{ "rfc2231",
	"Content-Type: application/octet-stream;\n"
	" name*0*=utf-8'en'%E2%82%AC%20rates;\n"
	" name*1=\" for 2024.txt\"\n"
	"Content-Disposition: attachment;\n"
	" filename*=iso-8859-1''caf%E9.txt; size=42\n"
	"\n"
	"data\n" },
	{ "groups",
	"From: Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>\n"
	"To: A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;\n"
	"Cc: Undisclosed recipients:;\n"
	"Reply-To: \"Mary Smith: Personal Account\" <smith@home.example>\n"
	"Subject: =?iso-8859-1?q?caf=E9?= =?utf-8?b?w6k=?= is \"quoted\"\n"
	"Date: Thu,\n"
	"      13\n"
	"        Feb\n"
	"          1969\n"
	"      23:32\n"
	"               -0330 (Newfoundland Time)\n"
	"In-Reply-To: <a@b>\n"
	"Message-ID:              <testabcd.1234@silly.test>\n"
	"\n"
	"Testing.\n" },
	{ "noend",
	"Content-Type: multipart/mixed; boundary=\"zz\"\n"
	"\n"
	"--zz\n"
	"\n"
	"first\n"
	"--zz\n"
	"Content-Type: text/plain\n"
	"\n"
	"second, never closed\n" },
	{ "bodybound",
	"Content-Type: multipart/mixed; boundary=\"b\"\n"
	"\n"
	"--b\n"
	"\n"
	"line --b inside\n"
	"--bx is not a boundary\n"
	"--b --\n"
	"--b  \n"
	"\n"
	"two\n"
	"--b--\n" },
	{ "noblank",
	"Subject: only headers\n"
	"X-Other: yes" },
	{ "headeronly",
	"Subject: header only\n"
	"\n" },
	{ "noboundary",
	"Content-Type: multipart/mixed\n"
	"\n"
	"text\n" },
	{ "emptymulti",
	"Content-Type: multipart/mixed; boundary=q\n"
	"\n"
	"no parts here\n" },
	{ "crlf",
	"Subject: crlf\r\n"
	"\r\n"
	"line1\r\n"
	"line2\n" },
};

/* What Dovecot sends for each message of the corpus, in order. */
static const struct {
	const char *name, *bodystructure, *body, *envelope;
} want[] = {
	{ "simple",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 52 2 NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 52 2)",
	    "(\"Fri, 21 Nov 1997 09:55:06 -0600\" \"Saying Hello"
	    "\" ((\"John Doe\" NIL \"jdoe\" \"example.com\")) ((\"Joh"
	    "n Doe\" NIL \"jdoe\" \"example.com\")) ((\"John Doe\" N"
	    "IL \"jdoe\" \"example.com\")) ((\"Mary Smith\" NIL \"ma"
	    "ry\" \"example.net\")(\"Bob B\" NIL \"bob\" \"example.or"
	    "g\")) NIL NIL NIL \"<1234@local.machine.example>\")" },
	{ "nofinalnl",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 8 1 NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 8 1)",
	    "(NIL \"x\" NIL NIL NIL NIL NIL NIL NIL NIL)" },
	{ "alternative",
	    "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7b"
	    "it\" 5 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset"
	    "\" \"utf-8\") NIL NIL \"quoted-printable\" 17 0 NIL N"
	    "IL NIL NIL) \"alternative\" (\"boundary\" \"XX\") NIL "
	    "NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7b"
	    "it\" 5 0)(\"text\" \"html\" (\"charset\" \"utf-8\") NIL N"
	    "IL \"quoted-printable\" 17 0) \"alternative\")",
	    "(NIL \"alt\" ((NIL NIL \"a\" \"b.c\")) ((NIL NIL \"a\" \""
	    "b.c\")) ((NIL NIL \"a\" \"b.c\")) NIL NIL NIL NIL NIL"
	    ")" },
	{ "mixed",
	    "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
	    " \"7bit\" 12 0 NIL NIL NIL NIL)(\"text\" \"html\" (\"ch"
	    "arset\" \"us-ascii\") NIL NIL \"7bit\" 8 0 NIL NIL NI"
	    "L NIL) \"alternative\" (\"boundary\" \"inner\") NIL NI"
	    "L NIL)(\"application\" \"pdf\" (\"name\" \"doc.pdf\") \"<"
	    "part1@x.org>\" \"A PDF\" \"base64\" 12 \"Q2hlY2sgSW50Z"
	    "WdyaXR5IQ==\" (\"attachment\" (\"filename\" \"doc.pdf\""
	    ")) (\"en\" \"fr\") \"http://x.org/doc.pdf\") \"mixed\" ("
	    "\"boundary\" \"outer\") NIL NIL NIL)",
	    "(((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL"
	    " \"7bit\" 12 0)(\"text\" \"html\" (\"charset\" \"us-ascii"
	    "\") NIL NIL \"7bit\" 8 0) \"alternative\")(\"applicati"
	    "on\" \"pdf\" (\"name\" \"doc.pdf\") \"<part1@x.org>\" \"A "
	    "PDF\" \"base64\" 12) \"mixed\")",
	    "(NIL \"nested\" ((\"Doe, John\" NIL \"john\" \"x.org\"))"
	    " ((\"Doe, John\" NIL \"john\" \"x.org\")) ((\"Doe, John"
	    "\" NIL \"john\" \"x.org\")) NIL NIL NIL NIL NIL)" },
	{ "rfc822",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 12 0 NIL NIL NIL NIL)(\"message\" \"rfc822\" "
	    "NIL NIL NIL \"7bit\" 307 (NIL \"inner subject\" ((NI"
	    "L NIL \"inner\" \"y.org\")) ((NIL NIL \"inner\" \"y.org"
	    "\")) ((NIL NIL \"inner\" \"y.org\")) ((NIL NIL \"someo"
	    "ne\" \"z.org\")) NIL NIL NIL NIL) ((\"text\" \"plain\" "
	    "(\"charset\" \"iso-8859-1\") NIL NIL \"quoted-printab"
	    "le\" 6 0 NIL NIL NIL NIL)(\"image\" \"png\" NIL NIL N"
	    "IL \"base64\" 12 NIL NIL NIL NIL) \"mixed\" (\"bounda"
	    "ry\" \"b2\") NIL NIL NIL) 16 NIL NIL NIL NIL) \"mixe"
	    "d\" (\"boundary\" \"b1\") NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 12 0)(\"message\" \"rfc822\" NIL NIL NIL \"7bi"
	    "t\" 307 (NIL \"inner subject\" ((NIL NIL \"inner\" \"y"
	    ".org\")) ((NIL NIL \"inner\" \"y.org\")) ((NIL NIL \"i"
	    "nner\" \"y.org\")) ((NIL NIL \"someone\" \"z.org\")) NI"
	    "L NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"iso-"
	    "8859-1\") NIL NIL \"quoted-printable\" 6 0)(\"image\""
	    " \"png\" NIL NIL NIL \"base64\" 12) \"mixed\") 16) \"mi"
	    "xed\")",
	    "(NIL \"fwd\" ((NIL NIL \"outer\" \"x.org\")) ((NIL NIL"
	    " \"outer\" \"x.org\")) ((NIL NIL \"outer\" \"x.org\")) N"
	    "IL NIL NIL NIL NIL)" },
	{ "rfc2231",
	    "(\"application\" \"octet-stream\" (\"name*\" \"utf-8'en"
	    "'%E2%82%AC%20rates%20for%202024.txt\") NIL NIL \"7"
	    "bit\" 6 NIL (\"attachment\" (\"filename*\" \"iso-8859-"
	    "1''caf%E9.txt\" \"size\" \"42\")) NIL NIL)",
	    "(\"application\" \"octet-stream\" (\"name*\" \"utf-8'en"
	    "'%E2%82%AC%20rates%20for%202024.txt\") NIL NIL \"7"
	    "bit\" 6)",
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)" },
	{ "groups",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 10 1 NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 10 1)",
	    "(\"Thu,      13        Feb          1969      23:"
	    "32               -0330 (Newfoundland Time)\" \"=?i"
	    "so-8859-1?q?caf=E9?= =?utf-8?b?w6k=?= is \\\"quote"
	    "d\\\"\" ((\"Pete\" NIL \"pete\" \"silly.test\")) ((\"Pete\""
	    " NIL \"pete\" \"silly.test\")) ((\"Mary Smith: Person"
	    "al Account\" NIL \"smith\" \"home.example\")) ((NIL N"
	    "IL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")(N"
	    "IL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"on"
	    "e.test\")(NIL NIL NIL NIL)) ((NIL NIL \"Undisclose"
	    "d recipients\" NIL)(NIL NIL NIL NIL)) NIL \"<a@b>\""
	    " \"<testabcd.1234@silly.test>\")" },
	{ "noend",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 5 0 NIL NIL NIL NIL)(\"text\" \"plain\" (\"cha"
	    "rset\" \"us-ascii\") NIL NIL \"7bit\" 22 1 NIL NIL NI"
	    "L NIL) \"mixed\" (\"boundary\" \"zz\") NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 5 0)(\"text\" \"plain\" (\"charset\" \"us-ascii\""
	    ") NIL NIL \"7bit\" 22 1) \"mixed\")",
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)" },
	{ "bodybound",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 47 2 NIL NIL NIL NIL)(\"text\" \"plain\" (\"ch"
	    "arset\" \"us-ascii\") NIL NIL \"7bit\" 3 0 NIL NIL NI"
	    "L NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 47 2)(\"text\" \"plain\" (\"charset\" \"us-ascii"
	    "\") NIL NIL \"7bit\" 3 0) \"mixed\")",
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)" },
	{ "noblank",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 0 0 NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 0 0)",
	    "(NIL \"only headers\" NIL NIL NIL NIL NIL NIL NIL "
	    "NIL)" },
	{ "headeronly",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 0 0 NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 0 0)",
	    "(NIL \"header only\" NIL NIL NIL NIL NIL NIL NIL N"
	    "IL)" },
	{ "noboundary",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 6 1 NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 6 1)",
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)" },
	{ "emptymulti",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 0 0 NIL NIL NIL NIL) \"mixed\" (\"boundary\" "
	    "\"q\") NIL NIL NIL)",
	    "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
	    "\"7bit\" 0 0) \"mixed\")",
	    "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)" },
	{ "crlf",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 14 2 NIL NIL NIL NIL)",
	    "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \""
	    "7bit\" 14 2)",
	    "(NIL \"crlf\" NIL NIL NIL NIL NIL NIL NIL NIL)" },
};

/* exact - an exact-size heap copy (free it) */
static char *
exact(const char *p, size_t n)
{
	char *c = xmalloc(n ? n : 1);

	memcpy(c, p, n);
	return (c);
}

/* to_crlf - a heap copy of s with every bare LF made CR LF (free it) */
static char *
to_crlf(const char *s, size_t *len_r)
{
	size_t n = strlen(s), i, k = 0;
	char *c = xmalloc(2 * n + 1);

	for (i = 0; i < n; i++) {
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			c[k++] = '\r';
		c[k++] = s[i];
	}
	c[k] = '\0';
	*len_r = k;
	return (c);
}

/* find - the corpus message called name */
static const char *
find(const char *name)
{
	size_t i;

	for (i = 0; i < NELEM(corpus); i++)
		if (strcmp(corpus[i].name, name) == 0)
			return (corpus[i].msg);
	ck_abort_msg("no corpus message %s", name);
	return (NULL);
}

/* check_all - BODYSTRUCTURE, BODY and ENVELOPE of m against want[i] */
static void
check_all(size_t i, const char *m, size_t n, const char *how)
{
	struct mime_part *root;
	struct sbuf *out = sbuf_new(0);
	char *in = exact(m, n);
	const char *err;

	root = mime_parse(in, n, NULL, &err);
	ck_assert_msg(err == NULL, "%s %s: error %s", want[i].name, how, err);
	ck_assert_int_eq(imap_fetch_bodystructure(in, n, root, 1, out), 0);
	ck_assert_msg(strcmp(sbuf_str(out), want[i].bodystructure) == 0,
	    "%s %s BODYSTRUCTURE:\n got %s\nwant %s", want[i].name, how,
	    sbuf_str(out), want[i].bodystructure);
	sbuf_reset(out);
	ck_assert_int_eq(imap_fetch_bodystructure(in, n, root, 0, out), 0);
	ck_assert_msg(strcmp(sbuf_str(out), want[i].body) == 0,
	    "%s %s BODY:\n got %s\nwant %s", want[i].name, how,
	    sbuf_str(out), want[i].body);
	sbuf_reset(out);
	ck_assert_int_eq(imap_fetch_envelope(in, n, root, out), 0);
	ck_assert_msg(strcmp(sbuf_str(out), want[i].envelope) == 0,
	    "%s %s ENVELOPE:\n got %s\nwant %s", want[i].name, how,
	    sbuf_str(out), want[i].envelope);
	mime_free(&root);
	ck_assert_ptr_null(root);
	sbuf_free(&out);
	free(in);
}

START_TEST(test_structure)
{
	size_t n;
	char *crlf;

	ck_assert_str_eq(corpus[_i].name, want[_i].name);
	check_all((size_t)_i, corpus[_i].msg, strlen(corpus[_i].msg), "LF");
	/* Sizes and line counts are in CRLF terms: a CRLF copy agrees. */
	crlf = to_crlf(corpus[_i].msg, &n);
	check_all((size_t)_i, crlf, n, "CRLF");
	free(crlf);
}
END_TEST

/* BODY[section] contents (CRLF), or a failure. */
static const struct {
	const char *msg, *section, *want;
	int	status;
} sections[] = {
	{ "simple", "1", "This is a message just to say hello.\r\n"
	    "So, \"Hello\".\r\n", 0 },
	{ "simple", "TEXT", "This is a message just to say hello.\r\n"
	    "So, \"Hello\".\r\n", 0 },
	{ "simple", "1.1", "This is a message just to say hello.\r\n"
	    "So, \"Hello\".\r\n", 0 },
	{ "simple", "2", "", 0 },
	{ "simple", "HEADER.FIELDS (\"Subject\" date)",
	    "Subject: Saying Hello\r\n"
	    "Date: Fri, 21 Nov 1997 09:55:06 -0600\r\n\r\n", 0 },
	{ "simple", "header.fields.not (from to message-id DATE)",
	    "Subject: Saying Hello\r\n\r\n", 0 },
	{ "simple", "HEADER.FIELDS (X-None)", "\r\n", 0 },
	{ "nofinalnl", "TEXT", "abc\r\ndef", 0 },
	{ "nofinalnl", "HEADER", "Subject: x\r\n\r\n", 0 },
	{ "alternative", "1", "plain", 0 },
	{ "alternative", "2", "<p>h=C3=A9llo</p>", 0 },
	{ "alternative", "2.MIME", "Content-Type: text/html; "
	    "charset=\"utf-8\"\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\n", 0 },
	{ "alternative", "3", "", 0 },
	{ "mixed", "1", "--inner\r\n\r\ndefault type\r\n--inner\r\n"
	    "Content-Type: text/html\r\n\r\n<b>x</b>\r\n--inner--\r\n", 0 },
	{ "mixed", "1.1", "default type", 0 },
	{ "mixed", "1.2", "<b>x</b>", 0 },
	{ "mixed", "1.2.MIME", "Content-Type: text/html\r\n\r\n", 0 },
	{ "mixed", "1.1.MIME", "\r\n", 0 },
	{ "mixed", "2", "JVBERi0xLjQK", 0 },
	{ "mixed", "1.3", "", 0 },
	{ "mixed", "2.HEADER", "", 0 },
	{ "rfc822", "1", "see attached", 0 },
	{ "rfc822", "1.TEXT", "", 0 },
	{ "rfc822", "2.MIME", "Content-Type: message/rfc822\r\n\r\n", 0 },
	{ "rfc822", "2.HEADER", "From: inner@y.org\r\nTo: someone@z.org\r\n"
	    "Subject: inner subject\r\nContent-Type: multipart/mixed; "
	    "boundary=\"b2\"\r\n\r\n", 0 },
	{ "rfc822", "2.HEADER.FIELDS (Subject to)",
	    "To: someone@z.org\r\nSubject: inner subject\r\n\r\n", 0 },
	{ "rfc822", "2.1", "caf=E9", 0 },
	{ "rfc822", "2.2", "iVBORw0KGgo=", 0 },
	{ "rfc822", "2.2.MIME", "Content-Type: image/png\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\n", 0 },
	{ "rfc822", "2.3", "", 0 },
	{ "rfc822", "2.TEXT", "--b2\r\nContent-Type: text/plain; "
	    "charset=iso-8859-1\r\nContent-Transfer-Encoding: "
	    "quoted-printable\r\n\r\ncaf=E9\r\n--b2\r\nContent-Type: "
	    "image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	    "iVBORw0KGgo=\r\n--b2--\r\n", 0 },
	{ "noblank", "HEADER", "Subject: only headers\r\nX-Other: yes", 0 },
	{ "noblank", "TEXT", "", 0 },
	{ "noblank", "HEADER.FIELDS (x-other)", "X-Other: yes\r\n\r\n", 0 },
	{ "headeronly", "TEXT", "", 0 },
	{ "noend", "2", "second, never closed\r\n", 0 },
	{ "bodybound", "2", "two", 0 },
	{ "emptymulti", "1", "", 0 },
	{ "crlf", "1", "line1\r\nline2\r\n", 0 },
	{ "simple", "0", "", -1 },
	{ "simple", "1.", "", -1 },
	{ "simple", "MIME", "", -1 },
	{ "simple", "1.FOO", "", -1 },
	{ "simple", "TEXT.X", "", -1 },
	{ "simple", "HEADER.FIELDS", "", -1 },
	{ "simple", "HEADER.FIELDS ()", "", -1 },
	{ "simple", "HEADER.FIELDS (A", "", -1 },
	{ "simple", "HEADER.FIELDS (A) x", "", -1 },
	{ "simple", "HEADER.FIELDS ({1}\r\nA)", "", -1 },
};

START_TEST(test_section)
{
	const char *m = find(sections[_i].msg), *err = NULL;
	size_t n = strlen(m);
	char *in = exact(m, n);
	struct mime_part *root = mime_parse(in, n, NULL, NULL);
	struct sbuf *out = sbuf_new(0);
	int r;

	r = imap_fetch_section(in, n, root, sections[_i].section, out, &err);
	ck_assert_msg(r == sections[_i].status, "%s [%s]: got %d, want %d",
	    sections[_i].msg, sections[_i].section, r, sections[_i].status);
	ck_assert_msg(r == 0 || err != NULL, "no error text");
	ck_assert_msg(strcmp(sbuf_str(out), sections[_i].want) == 0,
	    "%s [%s]:\n got {%s}\nwant {%s}", sections[_i].msg,
	    sections[_i].section, sbuf_str(out), sections[_i].want);
	mime_free(&root);
	sbuf_free(&out);
	free(in);
}
END_TEST

/* BODY[] is the whole message in CRLF terms, for every message. */
START_TEST(test_section_whole)
{
	const char *m = corpus[_i].msg, *err;
	size_t n = strlen(m), cn;
	char *in = exact(m, n), *crlf = to_crlf(m, &cn);
	struct mime_part *root = mime_parse(in, n, NULL, NULL);
	struct sbuf *out = sbuf_new(0);

	ck_assert_int_eq(imap_fetch_section(in, n, root, "", out, &err), 0);
	ck_assert_uint_eq(sbuf_len(out), cn);
	ck_assert(memcmp(sbuf_str(out), crlf, cn) == 0);
	/* HEADER and TEXT make up the whole, in CRLF terms. */
	sbuf_reset(out);
	ck_assert_int_eq(imap_fetch_section(in, n, root, "HEADER", out, &err),
	    0);
	ck_assert_int_eq(imap_fetch_section(in, n, root, "TEXT", out, &err),
	    0);
	ck_assert_uint_eq(sbuf_len(out), cn);
	ck_assert_uint_eq(root->hdr_size + root->body_size, cn);
	mime_free(&root);
	sbuf_free(&out);
	free(crlf);
	free(in);
}
END_TEST

/* nested - depth multiparts inside each other (free it) */
static char *
nested(int depth, size_t *len_r)
{
	struct sbuf *sb = sbuf_new(0);
	char *s;
	int i;

	for (i = 0; i < depth; i++)
		sbuf_appendf(sb, "Content-Type: multipart/mixed; "
		    "boundary=b%d\n\n--b%d\n", i, i);
	sbuf_appends(sb, "\ntext\n");
	for (i = depth - 1; i >= 0; i--)
		sbuf_appendf(sb, "--b%d--\n", i);
	*len_r = sbuf_len(sb);
	s = exact(sbuf_str(sb), sbuf_len(sb));
	sbuf_free(&sb);
	return (s);
}

/* parens - leading "(" count; aborts unless the text is balanced */
static int
parens(const char *s)
{
	int lead = 0, depth = 0, q = 0;

	while (s[lead] == '(')
		lead++;
	for (; *s != '\0'; s++) {
		if (q && *s == '\\')
			s++;
		else if (*s == '"')
			q = !q;
		else if (!q && *s == '(')
			depth++;
		else if (!q && *s == ')')
			ck_assert_int_ge(--depth, 0);
	}
	ck_assert_int_eq(depth, 0);
	return (lead);
}

START_TEST(test_deep)
{
	struct mime_limits lim = mime_limits_default;
	struct mime_part *root;
	struct sbuf *out = sbuf_new(0);
	const char *err;
	size_t n;
	char *m = nested(100, &n);

	root = mime_parse(m, n, NULL, &err);
	ck_assert_str_eq(err, "MIME nesting too deep");
	ck_assert_int_eq(imap_fetch_bodystructure(m, n, root, 1, out), 0);
	/* 50 multipart levels, then a text/plain leaf. */
	ck_assert_int_eq(parens(sbuf_str(out)), 51);
	mime_free(&root);
	sbuf_reset(out);
	lim.depth_max = 3;
	root = mime_parse(m, n, &lim, &err);
	ck_assert_str_eq(err, "MIME nesting too deep");
	ck_assert_int_eq(imap_fetch_bodystructure(m, n, root, 0, out), 0);
	ck_assert_int_eq(parens(sbuf_str(out)), 4);
	ck_assert(strstr(sbuf_str(out), "(\"text\" \"plain\" (\"charset\" "
	    "\"us-ascii\") NIL NIL \"7bit\" ") != NULL);
	ck_assert(strstr(sbuf_str(out), "\"mixed\") \"mixed\") \"mixed\")")
	    != NULL);
	mime_free(&root);
	sbuf_free(&out);
	free(m);
}
END_TEST

/* Strings and what imap_quote() makes of them. */
static const struct {
	const char *in;
	size_t	len;
	const char *want;
} quotes[] = {
	{ "abc", 3, "\"abc\"" },
	{ "", 0, "\"\"" },
	{ "a\"b\\c", 5, "\"a\\\"b\\\\c\"" },
	{ "a\nb", 3, "{3}\r\na\nb" },
	{ "a\rb", 3, "{3}\r\na\rb" },
	{ "caf\xc3\xa9", 5, "{5}\r\ncaf\xc3\xa9" },
	{ "a\0b", 3, "{3}\r\na\0b" },
	{ NULL, 0, "NIL" },
};

START_TEST(test_quote)
{
	struct sbuf *out = sbuf_new(0);
	char *big;

	ck_assert_int_eq(imap_quote(quotes[_i].in, quotes[_i].len, out), 0);
	if (quotes[_i].in != NULL && memchr(quotes[_i].want, '{', 1)) {
		/* literal: compare prefix and bytes */
		ck_assert(strncmp(sbuf_str(out), quotes[_i].want,
		    strlen(quotes[_i].want)) == 0);
		ck_assert(memcmp(sbuf_str(out) + sbuf_len(out)
		    - quotes[_i].len, quotes[_i].in, quotes[_i].len) == 0);
	} else
		ck_assert_str_eq(sbuf_str(out), quotes[_i].want);
	/* More than 1024 bytes: a literal. */
	sbuf_reset(out);
	big = xmalloc(1025);
	memset(big, 'x', 1025);
	ck_assert_int_eq(imap_quote(big, 1025, out), 0);
	ck_assert(strncmp(sbuf_str(out), "{1025}\r\nxxx", 11) == 0);
	ck_assert_uint_eq(sbuf_len(out), 1025 + 8);
	free(big);
	sbuf_free(&out);
}
END_TEST

/* A full sbuf fails cleanly: -1, nothing left behind. */
START_TEST(test_cap)
{
	const char *m = find("mixed"), *err = NULL;
	size_t n = strlen(m);
	struct mime_part *root = mime_parse(m, n, NULL, NULL);
	struct sbuf *out = sbuf_new(40);

	ck_assert_int_eq(imap_fetch_bodystructure(m, n, root, 1, out), -1);
	ck_assert_uint_eq(sbuf_len(out), 0);
	ck_assert_int_eq(imap_fetch_envelope(m, n, root, out), -1);
	ck_assert_uint_eq(sbuf_len(out), 0);
	ck_assert_int_eq(imap_fetch_section(m, n, root, "", out, &err), -1);
	ck_assert_str_eq(err, "result too large");
	ck_assert_uint_eq(sbuf_len(out), 0);
	ck_assert_int_eq(imap_fetch_section(m, n, root, "1.2", out, &err), 0);
	ck_assert_str_eq(sbuf_str(out), "<b>x</b>");
	mime_free(&root);
	sbuf_free(&out);
}
END_TEST

/* Every prefix of every message: no crash, balanced output. */
START_TEST(test_truncated)
{
	const char *m = corpus[_i].msg, *err;
	size_t n = strlen(m), k;
	struct mime_part *root;
	struct sbuf *out = sbuf_new(0);
	char *in;

	for (k = 0; k <= n; k++) {
		in = exact(m, k);
		root = mime_parse(in, k, NULL, NULL);
		sbuf_reset(out);
		ck_assert_int_eq(imap_fetch_bodystructure(in, k, root, 1, out),
		    0);
		(void)parens(sbuf_str(out));
		sbuf_reset(out);
		ck_assert_int_eq(imap_fetch_envelope(in, k, root, out), 0);
		(void)parens(sbuf_str(out));
		sbuf_reset(out);
		(void)imap_fetch_section(in, k, root, "2.1.MIME", out, &err);
		mime_free(&root);
		free(in);
	}
	sbuf_free(&out);
}
END_TEST

/* imap_fetch_suite - the test suite */
static Suite *
imap_fetch_suite(void)
{
	Suite *s = suite_create("imap_fetch");
	TCase *tc;

	tc = tcase_create("structure");
	tcase_add_loop_test(tc, test_structure, 0, (int)NELEM(corpus));
	suite_add_tcase(s, tc);
	tc = tcase_create("section");
	tcase_add_loop_test(tc, test_section, 0, (int)NELEM(sections));
	tcase_add_loop_test(tc, test_section_whole, 0, (int)NELEM(corpus));
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_deep);
	tcase_add_test(tc, test_cap);
	tcase_add_loop_test(tc, test_truncated, 0, (int)NELEM(corpus));
	suite_add_tcase(s, tc);
	tc = tcase_create("quote");
	tcase_add_loop_test(tc, test_quote, 0, (int)NELEM(quotes));
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(imap_fetch_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
