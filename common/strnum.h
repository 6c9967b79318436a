/*
 * strnum - the one strict parser for numbers, times and sizes.
 *
 * Every number that comes from a peer, a file or the command line goes
 * through here, never through atoi(): decimal digits only, no sign, no
 * blanks, no trailing text, no overflow, inside [min, max].
 */
#ifndef STRNUM_H
#define STRNUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * strnum_u64 - parse the decimal number s into *val_r; 0 on success, -1 if
 * s is empty, has anything but digits, overflows or lies outside [min, max]
 * (*val_r is then unchanged).
 */
int	strnum_u64(const char *s, uint64_t min, uint64_t max, uint64_t *val_r);

/* strnum_u64_n - as strnum_u64() for the n bytes at s (no NUL needed) */
int	strnum_u64_n(const char *s, size_t n, uint64_t min, uint64_t max,
	    uint64_t *val_r);

/* strnum_int - as strnum_u64() into an int, with int bounds */
int	strnum_int(const char *s, int min, int max, int *val_r);

/*
 * strnum_time - a duration: a number with an optional unit s, m, h, d or w
 * (none = seconds) into seconds. "300", "300s", "5m", "2h", "1d".
 */
int	strnum_time(const char *s, uint64_t *secs_r);

/*
 * strnum_size - a size: a number with an optional unit k, M, G (powers of
 * 1024; none = bytes) into bytes. "4096", "10M", "1G".
 */
int	strnum_size(const char *s, uint64_t *bytes_r);

#endif
