#include "xio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

int read_full(int fd, void *buf, size_t n)
{
	char *p = buf;
	while (n) {
		ssize_t r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return errno = EIO, -1;
		p += r, n -= (size_t)r;
	}
	return 0;
}

int write_full(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	while (n) {
		ssize_t r = write(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		p += r, n -= (size_t)r;
	}
	return 0;
}

int pread_full(int fd, void *buf, size_t n, off_t off)
{
	char *p = buf;
	while (n) {
		ssize_t r = pread(fd, p, n, off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return errno = EIO, -1;
		p += r, n -= (size_t)r, off += r;
	}
	return 0;
}

char *read_fd_all(int fd, size_t max, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf)
			return errno = ENOMEM, NULL;
		if (n + 1 >= cap) {
			if (n > max) {
				free(buf);
				return errno = EFBIG, NULL;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb, cap *= 2;
			continue;
		}
		ssize_t r = read(fd, buf + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int saved = errno;
			free(buf);
			return errno = saved, NULL;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max) {
		free(buf);
		return errno = EFBIG, NULL;
	}
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

char *read_file_at(int dirfd, const char *path, size_t max, size_t *len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	char *buf = read_fd_all(fd, max, len);
	close_keep_errno(fd);
	return buf;
}

void close_keep_errno(int fd)
{
	int saved = errno;
	close(fd);
	errno = saved;
}
