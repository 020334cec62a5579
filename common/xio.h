/* Whole-buffer I/O that retries on EINTR and short counts. */
#ifndef BOXCAR_XIO_H
#define BOXCAR_XIO_H
#include <stddef.h>
#include <sys/types.h>

/* 0 on success, -1 with errno set (EIO for a short read at end of file). */
int read_full(int fd, void *buf, size_t n);
int write_full(int fd, const void *buf, size_t n);
int pread_full(int fd, void *buf, size_t n, off_t off);
/* Read a whole small file (at most max bytes) into a NUL-terminated malloc'd
 * buffer. Returns NULL with errno set (EFBIG if larger than max). */
/* The same for an open fd, read from its current position. */
char *read_fd_all(int fd, size_t max, size_t *len);
char *read_file_at(int dirfd, const char *path, size_t max, size_t *len);
/* close(fd) on an error path, leaving errno as the first failure set it. */
void close_keep_errno(int fd);

#endif
