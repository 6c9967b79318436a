/*
 * fdio - whole writes on plain descriptors.
 *
 * write() may write less than asked (pipes, sockets, signals); every
 * caller that must write a whole buffer to a descriptor without a stream
 * (spool and queue files, simple test services) loops through here.
 */
#ifndef FDIO_H
#define FDIO_H

#include <stddef.h>

/*
 * fdio_write_all - write all len bytes of buf to fd, retrying after EINTR
 * and short writes: 0, or -1 with errno (EIO when write() wrote nothing).
 * On a blocking descriptor only; a non-blocking one may fail with EAGAIN.
 */
int	fdio_write_all(int fd, const void *buf, size_t len);

#endif
