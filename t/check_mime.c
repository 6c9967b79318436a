/*
 * check_mime - unit tests for common/mime.c.
 *
 * Parameters (quoting, RFC 2231 continuations in any order, charsets and
 * languages, broken ones), header field access and RFC 2047 decoding,
 * transfer decoding, the text search behind SEARCH TEXT and BODY, the
 * shape of the part tree (offsets, sizes and line counts against a CRLF
 * copy, digest defaults) and its bounds. Inputs are exact-size heap
 * copies, so the sanitizers see any read past the end.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "mime.h"
#include "sbuf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* exact - an exact-size heap copy (free it) */
static char *
exact(const char *p, size_t n)
{
	char *c = xmalloc(n ? n : 1);

	memcpy(c, p, n);
	return (c);
}

/* parse - parse a C string message from an exact copy (*in_r: free it) */
static struct mime_part *
parse(const char *m, char **in_r, const struct mime_limits *lim,
    const char **err)
{
	*in_r = exact(m, strlen(m));
	return (mime_parse(*in_r, strlen(m), lim, err));
}

/* A Content-Type value and the parameter it must give. */
static const struct {
	const char *ctype, *name, *value, *charset, *language;
	const char *imap_name, *imap_value;
} params[] = {
	{ "text/plain; charset=us-ascii", "charset", "us-ascii", NULL, NULL,
	    "charset", "us-ascii" },
	{ "text/plain; CharSet=\"UTF-8\" (comment)", "charset", "UTF-8",
	    NULL, NULL, "charset", "UTF-8" },
	{ "a/b; name=\"say \\\"hi\\\".txt\"", "name", "say \"hi\".txt", NULL,
	    NULL, "name", "say \"hi\".txt" },
	{ "a/b; name=odd/unquoted.txt", "name", "odd/unquoted.txt", NULL,
	    NULL, "name", "odd/unquoted.txt" },
	{ "a/b; name*=utf-8''%E2%82%AC", "name", "\xe2\x82\xac", "utf-8",
	    NULL, "name*", "utf-8''%E2%82%AC" },
	{ "a/b; name*=iso-8859-1'fr'caf%E9", "name", "caf\xc3\xa9",
	    "iso-8859-1", "fr", "name*", "iso-8859-1'fr'caf%E9" },
	{ "a/b; name*1=\"two\"; name*0=\"one \"; name*2=three", "name",
	    "one twothree", NULL, NULL, "name", "one twothree" },
	{ "a/b;\n name*0*=us-ascii'en'a%20b;\n name*1=\" c\"", "name",
	    "a b c", "us-ascii", "en", "name*", "us-ascii'en'a%20b%20c" },
	{ "a/b; name*1=lost; x=y", "x", "y", NULL, NULL, "x", "y" },
	{ "a/b; name*0=a; name*2=gap", "name", "a", NULL, NULL, "name",
	    "a" },
	{ "a/b; name*=noquotes", "name", "noquotes", NULL, NULL, "name*",
	    "''noquotes" },
	{ "a/b; junk; ; =x; x=1", "x", "1", NULL, NULL, "x", "1" },
	{ "a/b; s=\"a\\", "s", "a", NULL, NULL, "s", "a" },
};

START_TEST(test_params)
{
	struct sbuf *sb = sbuf_new(0);
	struct mime_part *p;
	const struct mime_param *mp;
	char *in;

	sbuf_appendf(sb, "Content-Type: %s\n\nbody\n", params[_i].ctype);
	p = parse(sbuf_str(sb), &in, NULL, NULL);
	mp = mime_param_get(p->params, p->nparams, params[_i].name);
	ck_assert_msg(mp != NULL, "%s: no %s", params[_i].ctype,
	    params[_i].name);
	ck_assert_str_eq(mp->value, params[_i].value);
	ck_assert_uint_eq(mp->value_len, strlen(params[_i].value));
	if (params[_i].charset == NULL)
		ck_assert_ptr_null(mp->charset);
	else
		ck_assert_str_eq(mp->charset, params[_i].charset);
	if (params[_i].language == NULL)
		ck_assert_ptr_null(mp->language);
	else
		ck_assert_str_eq(mp->language, params[_i].language);
	ck_assert_str_eq(mp->imap_name, params[_i].imap_name);
	ck_assert_str_eq(mp->imap_value, params[_i].imap_value);
	mime_free(&p);
	sbuf_free(&sb);
	free(in);
}
END_TEST

/* Content-Type values that are not usable: text/plain. */
START_TEST(test_bad_type)
{
	static const char *const bad[] = { "", "text", "/plain", "text/",
	    "(c) ; x", "multipart/mixed", "multipart/mixed; boundary=\"\"" };
	struct sbuf *sb = sbuf_new(0);
	struct mime_part *p;
	char *in;
	size_t i;

	for (i = 0; i < NELEM(bad); i++) {
		sbuf_reset(sb);
		sbuf_appendf(sb, "Content-Type: %s\n\nbody\n", bad[i]);
		p = parse(sbuf_str(sb), &in, NULL, NULL);
		ck_assert_msg(strcmp(p->type, "text") == 0
		    && strcmp(p->subtype, "plain") == 0, "%s: %s/%s", bad[i],
		    p->type, p->subtype);
		ck_assert_ptr_null(p->children);
		mime_free(&p);
		free(in);
	}
	sbuf_free(&sb);
}
END_TEST

/* Header fields and what mime_header_get()/first() return. */
static const struct {
	const char *hdr, *name, *all, *first;
	int	found;
} fields[] = {
	{ "Subject: a\nX: b\n\nSubject: body\n", "subject", "a", "a", 1 },
	{ "To: a\nCc: x\nTO:  b \n\n", "To", "a, b", "a", 1 },
	{ "Subject: one\n  two\n\tthree\n\n", "Subject", "one  two\tthree",
	    "one  two\tthree", 1 },
	{ "Subject : spaced\n\n", "subject", "spaced", "spaced", 1 },
	{ "Subject:\n\n", "subject", "", "", 1 },
	{ "Subject: a\r\n b\r\n\r\n", "subject", "a b", "a b", 1 },
	{ "garbage line\nSubject: x", "subject", "x", "x", 1 },
	{ "Subject: a\n", "from", "", "", 0 },
	{ "", "from", "", "", 0 },
};

START_TEST(test_header_get)
{
	struct sbuf *out = sbuf_new(0);
	size_t n = strlen(fields[_i].hdr);
	char *in = exact(fields[_i].hdr, n);

	ck_assert_int_eq(mime_header_get(in, n, fields[_i].name, out),
	    fields[_i].found);
	ck_assert_str_eq(sbuf_str(out), fields[_i].all);
	sbuf_reset(out);
	ck_assert_int_eq(mime_header_first(in, n, fields[_i].name, out),
	    fields[_i].found);
	ck_assert_str_eq(sbuf_str(out), fields[_i].first);
	sbuf_free(&out);
	free(in);
}
END_TEST

/* RFC 2047 texts and their UTF-8 decoding. */
static const struct {
	const char *in, *want;
} words[] = {
	{ "plain text", "plain text" },
	{ "=?iso-8859-1?q?caf=E9?=", "caf\xc3\xa9" },
	{ "=?ISO-8859-1?Q?a_b?= =?utf-8?B?w6k=?= end", "a b\xc3\xa9 end" },
	{ "x =?utf-8?q?y?=  z", "x y  z" },
	{ "=?utf-8*en?q?lang?=", "lang" },
	{ "=?windows-1252?q?=80?=", "\xe2\x82\xac" },
	{ "=?utf-8?x?bad?=", "=?utf-8?x?bad?=" },
	{ "=?utf-8?q?no end", "=?utf-8?q?no end" },
	{ "=?utf-8?q?sp ace?=", "=?utf-8?q?sp ace?=" },
	{ "=??q?x?=", "=??q?x?=" },
	{ "raw \xe9t\xc3\xa9", "raw \xc3\xa9t\xc3\xa9" },
	{ "=?utf-8?b?/w==?=", "\xc3\xbf" },
	{ "a=b =?", "a=b =?" },
};

START_TEST(test_header_decode)
{
	struct sbuf *out = sbuf_new(0);
	size_t n = strlen(words[_i].in);
	char *in = exact(words[_i].in, n);

	ck_assert_int_eq(mime_header_decode(in, n, out), 0);
	ck_assert_str_eq(sbuf_str(out), words[_i].want);
	sbuf_free(&out);
	free(in);
}
END_TEST

/* Bodies and their decoding. */
static const struct {
	const char *msg, *want;
} decodes[] = {
	{ "Content-Transfer-Encoding: base64\n\naGVs\nbG8=\n", "hello" },
	{ "Content-Transfer-Encoding: BASE64\n\naG!VsbG8\n", "hello" },
	{ "Content-Transfer-Encoding: quoted-printable\n\n"
	    "a=3Db =\nc  \nd=\n", "a=b c\nd" },
	{ "Content-Transfer-Encoding: quoted-printable\n\n=4x=\r\nz",
	    "=4xz" },
	{ "Content-Transfer-Encoding: 8bit\n\nraw=41\n", "raw=41\n" },
	{ "\nno header\n", "no header\n" },
};

START_TEST(test_decode)
{
	struct sbuf *out = sbuf_new(0);
	struct mime_part *p;
	char *in;

	p = parse(decodes[_i].msg, &in, NULL, NULL);
	ck_assert_int_eq(mime_part_decode(in, strlen(decodes[_i].msg), p,
	    out), 0);
	ck_assert_str_eq(sbuf_str(out), decodes[_i].want);
	mime_free(&p);
	sbuf_free(&out);
	free(in);
}
END_TEST

static const char search_msg[] =
	"From: outer@x.org\n"
	"Subject: =?iso-8859-1?q?Gr=FC=DFe?= fwd\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	"preamble is not searched\n"
	"--b1\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"zpHOu8+GzrEg0J/RgNC40LLQtdGC\n"
	"--b1\n"
	"Content-Type: message/rfc822\n"
	"\n"
	"Subject: inner subject\n"
	"\n"
	"caf=E9 soft=\n"
	"break\n"
	"--b1\n"
	"Content-Type: text/plain; charset=iso-8859-1\n"
	"Content-Transfer-Encoding: quoted-printable\n"
	"\n"
	"CAF=C9 soft=\n"
	"break\n"
	"--b1\n"
	"Content-Type: image/png\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"aW1hZ2VkYXRh\n"
	"--b1--\n";

/* SEARCH TEXT / BODY needles and whether they are found. */
static const struct {
	const char *needle;
	int	body, text;
} searches[] = {
	{ "", 1, 1 },
	{ "gr\xc3\xbc\xc3\x9f" "e", 0, 1 },		/* decoded subject */
	{ "GR\xc3\x9c\xc3\x9f" "E FWD", 0, 1 },
	{ "outer@x.org", 0, 1 },
	{ "from: outer", 0, 1 },
	{ "boundary", 0, 1 },			/* a MIME header */
	{ "\xce\xb1\xce\xbb\xcf\x86\xce\xb1", 1, 1 },	/* base64 UTF-8 */
	{ "\xce\x91\xce\x9b\xce\xa6\xce\x91", 1, 1 },	/* Greek upper */
	{ "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2", 1, 1 },
	{ "inner subject", 1, 1 },		/* attached message */
	{ "caf\xc3\xa9 softbreak", 1, 1 },	/* QP, Latin-1 */
	{ "caf=e9 soft", 1, 1 },		/* 7bit stays raw */
	{ "preamble", 0, 0 },
	{ "imagedata", 0, 0 },			/* not text */
	{ "aW1hZ2VkYXRh", 0, 0 },
	{ "absent", 0, 0 },
};

START_TEST(test_search)
{
	struct mime_part *p;
	char *in;
	size_t n = strlen(search_msg);

	p = parse(search_msg, &in, NULL, NULL);
	ck_assert_msg(mime_text_contains(in, n, p, 1, searches[_i].needle)
	    == searches[_i].body, "BODY %s", searches[_i].needle);
	ck_assert_msg(mime_text_contains(in, n, p, 0, searches[_i].needle)
	    == searches[_i].text, "TEXT %s", searches[_i].needle);
	mime_free(&p);
	free(in);
}
END_TEST

START_TEST(test_str_contains)
{
	ck_assert(mime_str_contains("Hello World", 11, "o w"));
	ck_assert(mime_str_contains("\xc3\x89t\xc3\xa9", 5, "\xc3\xa9T"));
	ck_assert(mime_str_contains("\xc5\x81\xc3\xb3" "d\xc5\xba", 7,
	    "\xc5\x82\xc3\x93" "D\xc5\xb9"));
	ck_assert(!mime_str_contains("abc", 3, "abcd"));
	ck_assert(mime_str_contains("aaab", 4, "aab"));
	ck_assert(mime_str_contains("\xe9", 1, "\xc3\x89"));	/* Latin-1 */
	ck_assert(!mime_str_contains("", 0, "a"));
}
END_TEST

/* The tree: offsets, sizes, line counts, defaults. */
START_TEST(test_tree)
{
	static const char m[] =
	    "Content-Type: multipart/digest; boundary=d\n"
	    "\n"
	    "--d\n"
	    "\n"
	    "Subject: one\n"
	    "\n"
	    "body one\n"
	    "--d\n"
	    "Content-Type: text/plain\n"
	    "\n"
	    "two\n"
	    "lines\n"
	    "--d--\n";
	struct mime_part *p, *c;
	const char *err;
	char *in;

	p = parse(m, &in, NULL, &err);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(p->flags & MIME_PART_MULTIPART, MIME_PART_MULTIPART);
	ck_assert_uint_eq(p->nchildren, 2);
	ck_assert_uint_eq(p->hdr_len, 44);
	ck_assert_uint_eq(p->hdr_size, 46);
	ck_assert_uint_eq(p->hdr_lines, 2);
	c = p->children;
	ck_assert_str_eq(c->type, "message");		/* digest default */
	ck_assert_str_eq(c->subtype, "rfc822");
	ck_assert(c->flags & MIME_PART_NO_TYPE);
	ck_assert(c->flags & MIME_PART_MESSAGE);
	ck_assert_ptr_eq(c->parent, p);
	ck_assert_uint_eq(c->depth, 1);
	ck_assert_uint_eq(c->hdr_len, 1);
	ck_assert(memcmp(in + c->body_off, "Subject: one\n\nbody one", 22)
	    == 0);
	ck_assert_uint_eq(c->body_len, 22);
	ck_assert_uint_eq(c->body_size, 24);
	ck_assert_uint_eq(c->body_lines, 2);
	ck_assert_str_eq(c->message->type, "text");
	ck_assert_uint_eq(c->message->depth, 2);
	ck_assert_uint_eq(c->message->body_len, 8);
	c = c->next;
	ck_assert_str_eq(c->type, "text");
	ck_assert_uint_eq(c->body_len, 9);
	ck_assert_uint_eq(c->body_size, 10);
	ck_assert_uint_eq(c->body_lines, 1);
	ck_assert_ptr_null(c->next);
	mime_free(&p);
	ck_assert_ptr_null(p);
	mime_free(&p);
	free(in);
}
END_TEST

/* The parts bound: further parts are dropped, the tree stays sound. */
START_TEST(test_parts_max)
{
	struct mime_limits lim = mime_limits_default;
	struct sbuf *sb = sbuf_new(0);
	struct mime_part *p;
	const char *err;
	char *in;
	int i;

	sbuf_appends(sb, "Content-Type: multipart/mixed; boundary=x\n\n");
	for (i = 0; i < 20; i++)
		sbuf_appendf(sb, "--x\n\npart %d\n", i);
	sbuf_appends(sb, "--x--\n");
	lim.parts_max = 5;
	p = parse(sbuf_str(sb), &in, &lim, &err);
	ck_assert_str_eq(err, "too many MIME parts");
	ck_assert_uint_eq(p->nchildren, 4);
	mime_free(&p);
	free(in);
	/* Header bytes past header_max are not read for fields. */
	sbuf_reset(sb);
	sbuf_appends(sb, "X-Long: ");
	for (i = 0; i < 100; i++)
		sbuf_appends(sb, "xxxxxxxxxx");
	sbuf_appends(sb, "\nContent-Type: image/png\n\ndata\n");
	lim.header_max = 500;
	p = parse(sbuf_str(sb), &in, &lim, &err);
	ck_assert_str_eq(err, "MIME header too long");
	ck_assert_str_eq(p->type, "text");
	ck_assert_uint_eq(p->body_len, 5);
	mime_free(&p);
	free(in);
	sbuf_free(&sb);
}
END_TEST

/* mime_suite - the test suite */
static Suite *
mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc;

	tc = tcase_create("params");
	tcase_add_loop_test(tc, test_params, 0, (int)NELEM(params));
	tcase_add_test(tc, test_bad_type);
	suite_add_tcase(s, tc);
	tc = tcase_create("header");
	tcase_add_loop_test(tc, test_header_get, 0, (int)NELEM(fields));
	tcase_add_loop_test(tc, test_header_decode, 0, (int)NELEM(words));
	suite_add_tcase(s, tc);
	tc = tcase_create("decode");
	tcase_add_loop_test(tc, test_decode, 0, (int)NELEM(decodes));
	suite_add_tcase(s, tc);
	tc = tcase_create("search");
	tcase_add_loop_test(tc, test_search, 0, (int)NELEM(searches));
	tcase_add_test(tc, test_str_contains);
	suite_add_tcase(s, tc);
	tc = tcase_create("tree");
	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_parts_max);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner *sr = srunner_create(mime_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
