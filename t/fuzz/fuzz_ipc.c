/*
 * fuzz_ipc - libFuzzer harness for ipc_parse().
 *
 * The first input byte picks the limits (the defaults, or small ones so the
 * fuzzer reaches every limit with short inputs); the rest is the message.
 * Beyond the sanitizers' checks, a parse that succeeds must describe its
 * input exactly: the attributes, written out again with the builder, give
 * back the bytes consumed, each within the limits; and the same input one
 * byte short must be incomplete. Any violation aborts. Not built by
 * default: see README.md beside it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "sbuf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* check - abort, for the fuzzer to report, unless cond holds */
static void
check(int cond)
{
	if (!cond)
		abort();
}

/* fuzz_ipc - one input */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipc_limits lim = { 0, 0, 0 };
	struct ipc_msg msg, again;
	enum ipc_parse_status st;
	const char *error = NULL, *in;
	struct sbuf *out;
	size_t used = 0, used2, i;

	if (size == 0)
		return (0);
	if (data[0] & 1) {
		/* bounds: 1..8 each, so every limit is within easy reach */
		lim.name_max = 1 + ((data[0] >> 1) & 7);
		lim.value_max = 1 + ((data[0] >> 4) & 7);
		lim.attr_max = 1 + (data[0] >> 7);
	}
	in = (const char *)data + 1;
	size--;

	st = ipc_parse(in, size, &lim, &msg, &used, &error);
	if (st != IPC_PARSE_OK) {
		check(st == IPC_PARSE_MORE || (st == IPC_PARSE_ERROR
		    && error != NULL && *error != '\0'));
		check(msg.count == 0 && msg.attrs == NULL && msg.buf == NULL);
		return (0);
	}
	check(used >= 1 && used <= size && in[used - 1] == '\0');
	check(msg.count <= (lim.attr_max ? lim.attr_max : IPC_ATTR_MAX));

	/* The builder writes back exactly the bytes consumed. */
	out = sbuf_new(used);
	for (i = 0; i < msg.count; i++) {
		const struct ipc_attr *a = &msg.attrs[i];
		size_t nlen = strlen(a->name);

		check(nlen >= 1
		    && nlen <= (lim.name_max ? lim.name_max : IPC_NAME_MAX));
		check(a->value_len
		    <= (lim.value_max ? lim.value_max : IPC_VALUE_MAX));
		check(memchr(a->value, '\0', a->value_len) == NULL
		    && a->value[a->value_len] == '\0');
		check(ipc_put_n(out, a->name, a->value, a->value_len) == 0);
	}
	check(ipc_end(out) == 0);
	check(sbuf_len(out) == used && memcmp(sbuf_str(out), in, used) == 0);
	sbuf_free(&out);

	/* One byte short is incomplete, never a different verdict. */
	st = ipc_parse(in, used - 1, &lim, &again, &used2, &error);
	check(st == IPC_PARSE_MORE);
	ipc_msg_clear(&again);
	ipc_msg_clear(&msg);
	return (0);
}
