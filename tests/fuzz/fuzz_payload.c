/* libFuzzer target: the packed file's trailer, index and layer table, as
 * read by every launch (common/payload.c). Input = a whole packed file. */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../common/payload.h"
#include "../../common/xio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("payload", MFD_CLOEXEC);
	if (fd < 0 || write_full(fd, data, size) < 0)
		return 0;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct payload p;
	struct err e = { 0 };
	if (payload_open(path, NULL, &p, &e) == 0)
		payload_close(&p);
	close(fd);
	return 0;
}
