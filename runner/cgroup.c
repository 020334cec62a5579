#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "../common/xio.h"

#define CGROOT "/sys/fs/cgroup"
#define CGROUP2_MAGIC 0x63677270

static int write_at(const char *dir, const char *file, const char *text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write_full(fd, text, strlen(text));
	close_keep_errno(fd);
	return rc;
}

int cgroup_own(char *dir, size_t len, struct err *e)
{
	struct statfs sf;
	if (statfs(CGROOT, &sf) < 0 || sf.f_type != CGROUP2_MAGIC)
		return err_set(e, EXIT_SETUP, "resource limits need cgroup v2, and " CGROOT " is cgroup v1 here; "
			       "use the batch system's limits (e.g. Slurm's) or --boxcar-ulimit");
	char *text = read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 16, NULL);
	char *line = text ? strstr(text, "0::/") : NULL;
	if (line && line != text && line[-1] != '\n')
		line = NULL;
	if (line) {
		line[strcspn(line, "\n")] = 0;
		snprintf(dir, len, CGROOT "%s", line + 3);
	}
	free(text);
	if (!line)
		return err_set(e, EXIT_SETUP, "cannot find this process's cgroup v2 path in /proc/self/cgroup");
	return 0;
}

/* Enable the controllers for children of base. The no-internal-process
 * rule forbids that while base has processes: move ourselves into a leaf
 * first (which works when we are base's only process, as in a systemd
 * scope with Delegate=yes). */
static int enable_controllers(const char *base, const char *want, struct err *e)
{
	char leaf[4096], pid[32];
	if (write_at(base, "cgroup.subtree_control", want) == 0)
		return 0;
	snprintf(leaf, sizeof leaf, "%s/boxcar-launcher-%d", base, (int)getpid());
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	if ((mkdir(leaf, 0755) == 0 || errno == EEXIST) && write_at(leaf, "cgroup.procs", pid) == 0 &&
	    write_at(base, "cgroup.subtree_control", want) == 0)
		return 0;
	int saved = errno;
	write_at(base, "cgroup.procs", pid);   /* back where we were */
	rmdir(leaf);
	errno = saved;
	return err_sys(e, EXIT_SETUP, "cannot enable '%s' in cgroup %s (it must be delegated to you and hold "
		       "no other processes: run under `systemd-run --user --scope -p Delegate=yes`)", want, base);
}

int cgroup_create(const struct cgroup_limits *l, char *path, size_t len, struct err *e)
{
	char base[4096], want[64] = "", val[64];
	if (cgroup_own(base, sizeof base, e) < 0)
		return -1;
	if (access(base, W_OK) < 0 || access(base, X_OK) < 0)
		return err_set(e, EXIT_SETUP, "cgroup %s is not delegated to you; run under "
			       "`systemd-run --user --scope -p Delegate=yes`", base);
	snprintf(want, sizeof want, "%s%s%s", l->memory ? "+memory " : "", l->cpu_millis ? "+cpu " : "",
		 l->pids ? "+pids" : "");
	if (enable_controllers(base, want, e) < 0)
		return -1;
	snprintf(path, len, "%s/boxcar-%d", base, (int)getpid());
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return err_sys(e, EXIT_SETUP, "create cgroup %s", path);
	int rc = 0;
	if (l->memory && rc == 0) {
		snprintf(val, sizeof val, "%llu", (unsigned long long)l->memory);
		rc = write_at(path, "memory.max", val) < 0 ? err_sys(e, EXIT_SETUP, "set memory.max in %s", path) : 0;
	}
	if (l->cpu_millis && rc == 0) {
		snprintf(val, sizeof val, "%llu 100000", (unsigned long long)l->cpu_millis * 100);
		rc = write_at(path, "cpu.max", val) < 0 ? err_sys(e, EXIT_SETUP, "set cpu.max in %s", path) : 0;
	}
	if (l->pids && rc == 0) {
		snprintf(val, sizeof val, "%llu", (unsigned long long)l->pids);
		rc = write_at(path, "pids.max", val) < 0 ? err_sys(e, EXIT_SETUP, "set pids.max in %s", path) : 0;
	}
	if (rc < 0)
		rmdir(path);
	return rc;
}

int cgroup_enter(const char *path, pid_t pid, struct err *e)
{
	char num[32];
	snprintf(num, sizeof num, "%d", (int)pid);
	return write_at(path, "cgroup.procs", num) < 0 ? err_sys(e, EXIT_SETUP, "move the container into cgroup %s", path) : 0;
}

void cgroup_destroy(const char *path)
{
	if (path && *path)
		rmdir(path);
}
