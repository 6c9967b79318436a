/*
 * strnum - strict parsing of numbers, times and sizes.
 *
 * One implementation, so every caller refuses the same things: a sign,
 * blanks, hex, trailing garbage and overflow.
 */
#include "config.h"

#include <string.h>

#include "strnum.h"

/* strnum_u64_n - parse n bytes of decimal digits */
int
strnum_u64_n(const char *s, size_t n, uint64_t min, uint64_t max,
    uint64_t *val_r)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return (-1);
	for (i = 0; i < n; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return (-1);
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return (-1);
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return (-1);
	*val_r = v;
	return (0);
}

/* strnum_u64 - parse a decimal string */
int
strnum_u64(const char *s, uint64_t min, uint64_t max, uint64_t *val_r)
{
	return (strnum_u64_n(s, strlen(s), min, max, val_r));
}

/* strnum_int - parse a decimal string into an int */
int
strnum_int(const char *s, int min, int max, int *val_r)
{
	uint64_t v;

	if (min < 0 || max < min)
		return (-1);		/* no signed input anywhere in the suite */
	if (strnum_u64(s, (uint64_t)min, (uint64_t)max, &v) < 0)
		return (-1);
	*val_r = (int)v;
	return (0);
}

/* strnum_scaled - a number with one optional unit letter */
static int
strnum_scaled(const char *s, const char *units, const uint64_t *scale,
    uint64_t *val_r)
{
	size_t n = strlen(s);
	uint64_t mult = 1, v;
	const char *u;

	if (n > 1 && s[n - 1] != '\0' && (s[n - 1] < '0' || s[n - 1] > '9')) {
		if ((u = strchr(units, s[n - 1])) == NULL)
			return (-1);
		mult = scale[u - units];
		n--;
	}
	if (strnum_u64_n(s, n, 0, UINT64_MAX, &v) < 0)
		return (-1);
	if (v > UINT64_MAX / mult)
		return (-1);
	*val_r = v * mult;
	return (0);
}

/* strnum_time - parse a duration into seconds */
int
strnum_time(const char *s, uint64_t *secs_r)
{
	static const uint64_t scale[] = { 1, 60, 3600, 86400, 604800 };

	return (strnum_scaled(s, "smhdw", scale, secs_r));
}

/* strnum_size - parse a size into bytes */
int
strnum_size(const char *s, uint64_t *bytes_r)
{
	static const uint64_t scale[] = {
		1024, 1024, 1024 * 1024, 1024 * 1024 * 1024ULL
	};

	return (strnum_scaled(s, "kKMG", scale, bytes_r));
}
