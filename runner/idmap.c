#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../common/xio.h"

/* pid 0: ourselves */
static int write_proc(pid_t pid, const char *file, const char *text, struct err *e)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	else
		snprintf(path, sizeof path, "/proc/self/%s", file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "open %s", path);
	int rc = write_full(fd, text, strlen(text));
	close_keep_errno(fd);
	if (rc < 0)
		return err_sys(e, EXIT_SETUP, "write %s ('%s'); are unprivileged user namespaces enabled?", path, text);
	return 0;
}

/* Our own map ("/proc/self/uid_map") as an identity map for a child
 * namespace: every id we have keeps its number. */
static int mirror(const char *file, char *out, size_t len, struct err *e)
{
	char *text = read_file_at(AT_FDCWD, file, 4096, NULL);
	if (!text)
		return err_sys(e, EXIT_SETUP, "read %s", file);
	size_t k = 0;
	unsigned long in, outside, count;
	int used;
	out[0] = 0;
	for (char *p = text; sscanf(p, " %lu %lu %lu%n", &in, &outside, &count, &used) == 3; p += used)
		if (k < len)
			k += (size_t)snprintf(out + k, len - k, "%lu %lu %lu\n", in, in, count);
	free(text);
	if (!out[0] || k >= len)
		return err_set(e, EXIT_SETUP, "cannot read the id map in %s", file);
	return 0;
}

int idmap_write(pid_t pid, uid_t in_uid, gid_t in_gid, struct err *e)
{
	char map[1024];
	if (geteuid() == 0) {   /* real root, or root of a subordinate-id namespace */
		if (mirror("/proc/self/uid_map", map, sizeof map, e) < 0 || write_proc(pid, "uid_map", map, e) < 0 ||
		    mirror("/proc/self/gid_map", map, sizeof map, e) < 0 || write_proc(pid, "gid_map", map, e) < 0)
			return -1;
		return 0;
	}
	return idmap_single(pid, in_uid, in_gid, geteuid(), getegid(), e);
}

int idmap_single(pid_t pid, uid_t in_uid, gid_t in_gid, uid_t out_uid, gid_t out_gid, struct err *e)
{
	char map[64];
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)in_uid, (unsigned)out_uid);
	if (write_proc(pid, "uid_map", map, e) < 0 || write_proc(pid, "setgroups", "deny", e) < 0)
		return -1;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)in_gid, (unsigned)out_gid);
	return write_proc(pid, "gid_map", map, e);
}
