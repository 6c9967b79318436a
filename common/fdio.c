/*
 * fdio - write a whole buffer to a descriptor.
 *
 * One loop over write() for short writes and EINTR, so callers only
 * handle a real failure. Logs nothing, never exits.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include "fdio.h"

/* fdio_write_all - the whole buffer, or -1 with errno */
int
fdio_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-1);
		if (n == 0) {
			errno = EIO;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}
