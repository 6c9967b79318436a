/*
 * fuzz_smtp_parse - libFuzzer harness for the parsers of smtp_parse.c.
 *
 * The first input byte picks the entry point (unless FUZZ_TARGET is
 * defined at build time, which fixes it), the second holds options (the
 * extensions offered, the decoder's limits, a chunk size); the rest is the
 * input. Each parse is made on an exact-size copy, so the sanitizers catch
 * a read past the end. Beyond their checks, results must hold together,
 * else the harness aborts:
 *
 *   0 command	a line splits within itself; a failure maps to a 5xx reply;
 *		MAIL and RCPT leave bounded strings, nothing on failure, and a
 *		stored address parses again to itself; HELO, AUTH, BDAT too.
 *   1 sasl	strict base64 decodes only its own encoding; encoding then
 *		decoding gives the input back; a PLAIN message reassembles
 *		to its input.
 *   2 reply	lines ('\n'-separated) keep a reply within its bounds, and
 *		after the end or an error every line is refused.
 *   3 decode	the DATA decoder gives the same result whole, a byte at a
 *		time, in chunks and into a two-byte buffer; its output has no
 *		bare LF; a complete message re-encodes and decodes to itself.
 *   4 encode	encoding then decoding gives the CR LF-normalised input.
 *   5 xtext	decoding and encoding agree.
 *
 * Not built by default: see README.md beside it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "smtp_parse.h"

#define TARGETS	6

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort, for the fuzzer to report, unless cond holds */
static void
check(int cond)
{
	if (!cond)
		abort();
}

/* copy - an exact-size heap copy of n bytes (free it) */
static char *
copy(const char *p, size_t n)
{
	char *c = malloc(n ? n : 1);

	check(c != NULL);
	memcpy(c, p, n);
	return (c);
}

/* bounded - is s NUL-terminated within size bytes, at most max long? */
static int
bounded(const char *s, size_t size, size_t max)
{
	size_t n = strnlen(s, size);

	return (n < size && n <= max);
}

/* ext_of - the extensions offered, from the options byte */
static unsigned int
ext_of(unsigned int opt)
{
	unsigned int ext = SMTP_EXT_PIPELINING;

	if (opt & 1)
		ext |= SMTP_EXT_SIZE | SMTP_EXT_8BITMIME;
	if (opt & 2)
		ext |= SMTP_EXT_DSN;
	if (opt & 4)
		ext |= SMTP_EXT_SMTPUTF8;
	if (opt & 8)
		ext |= SMTP_EXT_AUTH | SMTP_EXT_BINARYMIME;
	return (ext);
}

/* fuzz_path - MAIL or RCPT argument */
static void
fuzz_path(const char *arg, size_t len, int rcpt, unsigned int flags)
{
	struct smtp_path path, again;
	struct smtp_params params, p2;
	enum smtp_parse_status st;
	char buf[SMTP_PATH_MAX + 32];
	size_t i;
	int n;

	st = rcpt ? smtp_parse_rcpt(arg, len, flags, &path, &params) :
	    smtp_parse_mail(arg, len, flags, &path, &params);
	check(st <= SMTP_PARSE_RESPONSE_TOO_LONG);
	check(bounded(path.local, sizeof(path.local), SMTP_LOCAL_MAX));
	check(bounded(path.domain, sizeof(path.domain), SMTP_DOMAIN_MAX));
	check(bounded(path.address, sizeof(path.address), SMTP_ADDRESS_MAX));
	check(bounded(params.envid, sizeof(params.envid), SMTP_ENVID_MAX));
	check(bounded(params.auth, sizeof(params.auth), SMTP_AUTH_PARAM_MAX));
	check(bounded(params.orcpt, sizeof(params.orcpt), SMTP_ORCPT_MAX));
	check(bounded(params.orcpt_type, sizeof(params.orcpt_type),
	    SMTP_ADDR_TYPE_MAX));
	if (st != SMTP_PARSE_OK) {
		check(path.flags == 0 && path.address[0] == '\0'
		    && path.local[0] == '\0' && params.seen == 0);
		check(smtp_parse_reply_for(rcpt ? SMTP_VERB_RCPT :
		    SMTP_VERB_MAIL, st).code >= 500);
		return;
	}
	/* nothing outside printable ASCII but what SMTPUTF8 allowed */
	for (i = 0; path.address[i] != '\0'; i++) {
		unsigned char c = (unsigned char)path.address[i];

		check(c >= 0x20 && c != 0x7f);
		check(c < 0x80 || (path.flags & SMTP_PATH_UTF8));
	}
	check(!(path.flags & SMTP_PATH_NULL) || !rcpt);
	/* the stored form is accepted as it is */
	n = snprintf(buf, sizeof(buf), "%s<%s>%s", rcpt ? "TO:" : "FROM:",
	    path.address, !rcpt && (path.flags & SMTP_PATH_UTF8) ?
	    " SMTPUTF8" : "");
	check(n > 0 && (size_t)n < sizeof(buf));
	st = rcpt ? smtp_parse_rcpt(buf, (size_t)n, flags, &again, &p2) :
	    smtp_parse_mail(buf, (size_t)n, flags | SMTP_EXT_SMTPUTF8,
	    &again, &p2);
	check(st == SMTP_PARSE_OK);
	check(strcmp(again.address, path.address) == 0
	    && strcmp(again.local, path.local) == 0
	    && strcmp(again.domain, path.domain) == 0);
	check((again.flags & ~SMTP_PATH_ROUTE) == (path.flags
	    & ~SMTP_PATH_ROUTE));
}

/* fuzz_command - a command line, then its argument by verb */
static void
fuzz_command(const char *in, size_t len, unsigned int opt)
{
	struct smtp_command cmd;
	struct smtp_parse_reply r;
	struct smtp_helo helo;
	struct smtp_auth auth;
	enum smtp_parse_status st;
	char out[64];
	size_t out_len, i;
	uint64_t size;
	int last;

	st = smtp_parse_command(in, len, &cmd);
	r = smtp_parse_reply_for(cmd.verb, st);
	if (st != SMTP_PARSE_OK) {
		check(r.code >= 500 && r.code <= 559 && *r.text != '\0');
		return;
	}
	check(r.code == 0);
	check(cmd.verb != SMTP_VERB_NONE);
	check(cmd.arg_len == 0 || (cmd.arg >= in
	    && cmd.arg + cmd.arg_len <= in + len));
	if (cmd.arg_len > 0)
		check(cmd.arg[0] != ' ' && cmd.arg[0] != '\t'
		    && cmd.arg[cmd.arg_len - 1] != ' '
		    && cmd.arg[cmd.arg_len - 1] != '\t');
	for (i = 0; i < len; i++)
		check((unsigned char)in[i] >= 0x20 || in[i] == '\t');

	switch (cmd.verb) {
	case SMTP_VERB_MAIL:
		fuzz_path(cmd.arg, cmd.arg_len, 0, ext_of(opt));
		break;
	case SMTP_VERB_RCPT:
		fuzz_path(cmd.arg, cmd.arg_len, 1, ext_of(opt)
		    | (opt & 16 ? SMTP_TXN_UTF8 : 0));
		break;
	case SMTP_VERB_HELO:
	case SMTP_VERB_EHLO:
		st = smtp_parse_helo(cmd.arg, cmd.arg_len, &helo);
		check(bounded(helo.name, sizeof(helo.name), SMTP_DOMAIN_MAX));
		if (st == SMTP_PARSE_OK)
			check(strlen(helo.name) == cmd.arg_len
			    && memcmp(helo.name, cmd.arg, cmd.arg_len) == 0);
		else
			check(helo.name[0] == '\0');
		break;
	case SMTP_VERB_AUTH:
		st = smtp_parse_auth(cmd.arg, cmd.arg_len, &auth);
		check(bounded(auth.mech, sizeof(auth.mech), SMTP_MECH_MAX));
		if (st != SMTP_PARSE_OK) {
			check(auth.mech[0] == '\0' && !auth.has_response);
			break;
		}
		for (i = 0; auth.mech[i] != '\0'; i++)
			check(auth.mech[i] < 'a' || auth.mech[i] > 'z');
		if (auth.has_response) {
			st = smtp_parse_auth_response(auth.response,
			    auth.response_len, 1, out, sizeof(out), &out_len);
			check(out_len <= sizeof(out));
			check(st == SMTP_PARSE_OK || out_len == 0);
		}
		break;
	case SMTP_VERB_BDAT:
		st = smtp_parse_bdat(cmd.arg, cmd.arg_len, &size, &last);
		check(st == SMTP_PARSE_OK || (size == 0 && last == 0));
		break;
	default:
		break;
	}
}

/* fuzz_sasl - base64 both ways, PLAIN, and SASL responses */
static void
fuzz_sasl(const char *in, size_t len, unsigned int opt)
{
	struct sasl_plain plain;
	char *dec, *enc, *again;
	size_t dec_len, enc_len, again_len, zl, cl, pl, enc_size;
	enum smtp_parse_status st;

	enc_size = (len + 2) / 3 * 4 + 1;
	dec = malloc(len + 1);
	enc = malloc(enc_size);
	again = malloc(len + 1);
	check(dec != NULL && enc != NULL && again != NULL);

	/* strict decoding accepts exactly the encoder's output */
	if (sasl_base64_decode(in, len, dec, len, &dec_len) == SASL_OK) {
		check(dec_len <= len / 4 * 3);
		check(sasl_base64_encode(dec, dec_len, enc, enc_size,
		    &enc_len) == SASL_OK);
		check(enc_len == len && memcmp(enc, in, len) == 0);
	}
	/* encoding then decoding gives the input back */
	check(sasl_base64_encode(in, len, enc, enc_size, &enc_len) == SASL_OK);
	check(enc_len == enc_size - 1 && enc[enc_len] == '\0');
	check(sasl_base64_decode(enc, enc_len, again, len, &again_len)
	    == SASL_OK);
	check(again_len == len && memcmp(again, in, len) == 0);
	if (len > 0)
		check(sasl_base64_encode(in, len, enc, enc_size - 1, &enc_len)
		    == SASL_TOO_LONG);

	/* a PLAIN message reassembles to its input */
	if (sasl_plain_decode(in, len, &plain) == SASL_OK) {
		zl = strlen(plain.authzid);
		cl = strlen(plain.authcid);
		pl = strlen(plain.passwd);
		check(zl <= SASL_PLAIN_ID_MAX && cl >= 1
		    && cl <= SASL_PLAIN_ID_MAX && pl >= 1
		    && pl <= SASL_PLAIN_PASS_MAX);
		check(zl + cl + pl + 2 == len);
		check(memcmp(in, plain.authzid, zl) == 0 && in[zl] == '\0'
		    && memcmp(in + zl + 1, plain.authcid, cl) == 0
		    && in[zl + cl + 1] == '\0'
		    && memcmp(in + zl + cl + 2, plain.passwd, pl) == 0);
	} else
		check(plain.authzid[0] == '\0' && plain.authcid[0] == '\0'
		    && plain.passwd[0] == '\0');

	/* a SASL response agrees with plain base64 */
	st = smtp_parse_auth_response(in, len, opt & 1, dec, len, &dec_len);
	if (st == SMTP_PARSE_OK && !(len == 1 && in[0] == '=')) {
		check(sasl_base64_decode(in, len, again, len, &again_len)
		    == SASL_OK);
		check(again_len == dec_len && memcmp(again, dec, dec_len) == 0);
	}
	check(st != SMTP_PARSE_AUTH_CANCELLED
	    || (!(opt & 1) && len == 1 && in[0] == '*'));
	free(dec);
	free(enc);
	free(again);
}

/* fuzz_reply - a server reply, one '\n'-separated line at a time */
static void
fuzz_reply(const char *in, size_t len)
{
	struct smtp_reply r;
	struct smtp_ehlo ehlo;
	enum smtp_reply_status st, first = SMTP_REPLY_MORE;
	const char *p = in, *end = in + len, *nl;
	char *line;

	smtp_reply_init(&r);
	for (;;) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		line = copy(p, (size_t)(nl - p));
		st = smtp_reply_parse(&r, line, (size_t)(nl - p));
		free(line);
		check(st >= SMTP_REPLY_AFTER_END && st <= SMTP_REPLY_MORE);
		/* once over, it stays over */
		if (first == SMTP_REPLY_DONE)
			check(st == SMTP_REPLY_AFTER_END);
		else if (first != SMTP_REPLY_MORE)
			check(st == first);
		if (first == SMTP_REPLY_MORE)
			first = st;
		check(r.text_len < sizeof(r.text) && r.text[r.text_len] == '\0'
		    && strlen(r.text) == r.text_len);
		check(r.lines <= SMTP_REPLY_LINES_MAX);
		check(bounded(r.enhanced, sizeof(r.enhanced),
		    SMTP_ENHANCED_MAX));
		if (r.lines > 0)
			check(r.code >= 200 && r.code <= 559);
		if (r.enhanced[0] != '\0')
			check(r.enhanced[0] == '0' + r.code / 100);
		if (nl == end)
			break;
		p = nl + 1;
	}
	smtp_reply_ehlo(&r, &ehlo);
	check(ehlo.ext == 0 || (r.code == 250 && first == SMTP_REPLY_DONE));
}

struct decoded {
	enum smtp_data_status st;
	size_t	used;
	char   *out;
	size_t	out_len;
	struct smtp_data_decoder dec;
};

/*
 * decode - in[0..len) in chunks of chunk bytes (0 = all), each an exact
 * copy, into out_size-byte buffers; out (size out_cap) collects it all
 */
static void
decode(const char *in, size_t len, size_t chunk, size_t out_size,
    uint64_t max_size, size_t max_line, struct decoded *d, size_t out_cap)
{
	char buf[8192];
	size_t pos = 0, n, used, got;
	char *c;

	check(out_size <= sizeof(buf));
	smtp_data_decoder_init(&d->dec, max_size, max_line);
	d->st = SMTP_DATA_MORE;
	d->out_len = 0;
	do {
		n = chunk == 0 || len - pos < chunk ? len - pos : chunk;
		if (n > out_size / 2)
			n = out_size / 2 > 0 ? out_size / 2 : 1;
		c = copy(in + pos, n);
		d->st = smtp_data_decode(&d->dec, c, n, buf, out_size, &used,
		    &got);
		free(c);
		check(used <= n && got <= out_size);
		check(d->st == SMTP_DATA_DONE || used == n);
		check(d->out_len + got <= out_cap);
		memcpy(d->out + d->out_len, buf, got);
		d->out_len += got;
		pos += used;
	} while (d->st != SMTP_DATA_DONE && pos < len);
	d->used = pos;
}

/* same - two decodings agree in everything */
static void
same(const struct decoded *a, const struct decoded *b)
{
	check(a->st == b->st && a->used == b->used
	    && a->out_len == b->out_len
	    && memcmp(a->out, b->out, a->out_len) == 0
	    && a->dec.flags == b->dec.flags && a->dec.size == b->dec.size
	    && a->dec.longest == b->dec.longest);
}

/* encode - the whole of in, encoded and ended, into out (size cap) */
static size_t
encode(const char *in, size_t len, char *out, size_t cap)
{
	struct smtp_data_encoder enc;
	size_t used, got, total;

	check(cap >= 2 * len + SMTP_DATA_END_MAX);
	smtp_data_encoder_init(&enc);
	check(smtp_data_encode(&enc, in, len, out, cap, &used, &got)
	    == SMTP_DATA_MORE);
	check(used == len && got <= 2 * len);
	total = got;
	check(smtp_data_encode_end(&enc, out + total, cap - total, &got)
	    == SMTP_DATA_DONE);
	return (total + got);
}

/* fuzz_decode - the DATA decoder, several ways, with its invariants */
static void
fuzz_decode(const char *in, size_t len, unsigned int opt)
{
	struct decoded whole, other;
	uint64_t max_size = opt & 0x0f ? (opt & 0x0f) * 7 : 0;
	size_t max_line = opt & 0x30 ? ((opt >> 4) & 3) * 5 : 0;
	size_t cap = 2 * len + 8, i, enc_cap, enc_len;
	char *enc;

	whole.out = malloc(cap);
	other.out = malloc(cap);
	check(whole.out != NULL && other.out != NULL);
	decode(in, len, 0, 4096, max_size, max_line, &whole, cap);
	if (len <= 2048) {
		decode(in, len, 0, 2 * len + 2, max_size, max_line, &other,
		    cap);
		same(&whole, &other);
	}
	decode(in, len, 1, 2, max_size, max_line, &other, cap);
	same(&whole, &other);
	decode(in, len, 1 + (opt >> 6), 64, max_size, max_line, &other, cap);
	same(&whole, &other);
	decode(in, len, 0, SMTP_DATA_OUT_MIN, max_size, max_line, &other,
	    cap);
	same(&whole, &other);

	/* the end is a line of "." ending in LF; nothing after it taken */
	if (whole.st == SMTP_DATA_DONE)
		check(whole.used >= 2 && in[whole.used - 1] == '\n'
		    && (in[whole.used - 2] == '.'
		    || (whole.used >= 3 && in[whole.used - 2] == '\r'
		    && in[whole.used - 3] == '.')));
	else
		check(whole.used == len);
	/* no bare LF in the output */
	for (i = 0; i < whole.out_len; i++)
		if (whole.out[i] == '\n')
			check(i > 0 && whole.out[i - 1] == '\r');
	check((whole.dec.flags & SMTP_DATA_TOO_BIG) != 0
	    || whole.dec.size == whole.out_len);
	check((whole.dec.flags & SMTP_DATA_TOO_BIG) == 0
	    || (max_size != 0 && whole.out_len == max_size
	    && whole.dec.size > max_size));
	check(max_line == 0 || whole.dec.longest <= max_line
	    || (whole.dec.flags & SMTP_DATA_LINE_TOO_LONG));

	/* a whole message encodes and decodes to itself */
	if (whole.st == SMTP_DATA_DONE
	    && !(whole.dec.flags & SMTP_DATA_TOO_BIG)) {
		check(whole.out_len == 0
		    || (whole.out_len >= 2
		    && whole.out[whole.out_len - 2] == '\r'
		    && whole.out[whole.out_len - 1] == '\n'));
		enc_cap = 2 * whole.out_len + SMTP_DATA_END_MAX;
		enc = malloc(enc_cap);
		check(enc != NULL);
		enc_len = encode(whole.out, whole.out_len, enc, enc_cap);
		decode(enc, enc_len, 0, 4096, 0, 0, &other, cap);
		check(other.st == SMTP_DATA_DONE && other.used == enc_len
		    && other.out_len == whole.out_len
		    && memcmp(other.out, whole.out, whole.out_len) == 0);
		check((other.dec.flags & SMTP_DATA_BARE_LF) == 0);
		free(enc);
	}
	free(whole.out);
	free(other.out);
}

/* fuzz_encode - encoding then decoding normalises line ends */
static void
fuzz_encode(const char *in, size_t len)
{
	struct decoded d;
	size_t enc_cap = 2 * len + SMTP_DATA_END_MAX, enc_len, i, o = 0;
	char *enc, *want;

	enc = malloc(enc_cap);
	want = malloc(2 * len + 2);
	d.out = malloc(2 * enc_cap + 8);
	check(enc != NULL && want != NULL && d.out != NULL);
	enc_len = encode(in, len, enc, enc_cap);
	for (i = 0; i < len; i++) {
		if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r'))
			want[o++] = '\r';
		want[o++] = in[i];
	}
	if (len > 0 && in[len - 1] != '\n') {
		if (in[len - 1] != '\r')
			want[o++] = '\r';
		want[o++] = '\n';
	}
	decode(enc, enc_len, 0, 4096, 0, 0, &d, 2 * enc_cap + 8);
	check(d.st == SMTP_DATA_DONE && d.used == enc_len);
	check(d.out_len == o && memcmp(d.out, want, o) == 0);
	check((d.dec.flags & SMTP_DATA_BARE_LF) == 0);
	free(enc);
	free(want);
	free(d.out);
}

/* fuzz_xtext - decoding and encoding agree */
static void
fuzz_xtext(const char *in, size_t len)
{
	char *dec, *enc, *again;
	size_t dec_len, enc_len, again_len, i;
	enum smtp_parse_status st;
	int printable = 1;

	dec = malloc(len + 1);
	enc = malloc(3 * len + 1);
	again = malloc(len + 1);
	check(dec != NULL && enc != NULL && again != NULL);
	st = smtp_xtext_decode(in, len, dec, len + 1, &dec_len);
	check(st == SMTP_PARSE_OK || st == SMTP_PARSE_BAD_PARAM_VALUE);
	if (st == SMTP_PARSE_OK) {
		check(dec_len <= len && strlen(dec) == dec_len);
		check(smtp_xtext_encode(dec, dec_len, enc, 3 * len + 1,
		    &enc_len) == SMTP_PARSE_OK);
		check(smtp_xtext_decode(enc, enc_len, again, len + 1,
		    &again_len) == SMTP_PARSE_OK);
		check(again_len == dec_len && memcmp(again, dec, dec_len) == 0);
	}
	check(smtp_xtext_encode(in, len, enc, 3 * len + 1, &enc_len)
	    == SMTP_PARSE_OK);
	for (i = 0; i < enc_len; i++)
		check(enc[i] >= '!' && enc[i] <= '~' && enc[i] != '=');
	for (i = 0; i < len; i++)
		if ((unsigned char)in[i] < 0x20 || (unsigned char)in[i] > 0x7e)
			printable = 0;
	st = smtp_xtext_decode(enc, enc_len, again, len + 1, &again_len);
	if (printable)
		check(st == SMTP_PARSE_OK && again_len == len
		    && memcmp(again, in, len) == 0);
	else
		check(st == SMTP_PARSE_BAD_PARAM_VALUE);
	free(dec);
	free(enc);
	free(again);
}

/* fuzz_smtp_parse - one input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int target, opt;
	char *in;
	size_t len;

	if (size < 2)
		return (0);
#ifdef FUZZ_TARGET
	target = FUZZ_TARGET;
#else
	target = data[0] % TARGETS;
#endif
	opt = data[1];
	len = size - 2;
	in = copy((const char *)data + 2, len);
	switch (target) {
	case 0:
		fuzz_command(in, len, opt);
		break;
	case 1:
		fuzz_sasl(in, len, opt);
		break;
	case 2:
		fuzz_reply(in, len);
		break;
	case 3:
		fuzz_decode(in, len, opt);
		break;
	case 4:
		fuzz_encode(in, len);
		break;
	default:
		fuzz_xtext(in, len);
		break;
	}
	free(in);
	return (0);
}
