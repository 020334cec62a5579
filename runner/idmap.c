#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "../common/xio.h"

static int write_proc(pid_t pid, const char *file, const char *text, struct err *e)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "open %s", path);
	int rc = write_full(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	if (rc < 0)
		return err_sys(e, EXIT_SETUP, "write %s ('%s'); are unprivileged user namespaces enabled?", path, text);
	return 0;
}

int idmap_write(pid_t pid, uid_t in_uid, gid_t in_gid, struct err *e)
{
	char map[64];
	if (geteuid() == 0) {
		const char *all = "0 0 4294967295\n";
		if (write_proc(pid, "uid_map", all, e) < 0 || write_proc(pid, "gid_map", all, e) < 0)
			return -1;
		return 0;
	}
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)in_uid, (unsigned)geteuid());
	if (write_proc(pid, "uid_map", map, e) < 0)
		return -1;
	if (write_proc(pid, "setgroups", "deny", e) < 0)
		return -1;
	snprintf(map, sizeof map, "%u %u 1\n", (unsigned)in_gid, (unsigned)getegid());
	return write_proc(pid, "gid_map", map, e);
}
