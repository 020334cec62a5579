/* A dynamic (glibc) program for the arm64 VM test (tests/t-arm64-vm.sh): what
 * the trace engine translates, seen from inside, one "key=value" line each.
 * Built with Debian's aarch64-linux-gnu-gcc; its loader is the image's. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void *reader(void *arg)
{
	char buf[64];
	int fd = open("/etc/fixture-release", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	if (fd >= 0)
		close(fd);
	*(int *)arg = n > 0;
	return NULL;
}

static void link_of(const char *name, const char *path)
{
	char buf[4096];
	ssize_t n = readlink(path, buf, sizeof buf - 1);
	printf("%s=%.*s\n", name, n < 0 ? 0 : (int)n, buf);
}

int main(int argc, char **argv)
{
	char cwd[4096];
	link_of("exe", "/proc/self/exe");
	printf("argv0=%s\n", argv[0]);
	printf("cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : strerror(errno));
	printf("uid=%u euid=%u gid=%u\n", getuid(), geteuid(), getgid());
	/* threads reading through the tree at once */
	pthread_t th[4];
	int ok[4] = { 0 }, all = 0;
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, reader, &ok[i]);
	for (int i = 0; i < 4; i++)
		all += pthread_join(th[i], NULL) == 0 && ok[i];
	printf("threads=%d\n", all);
	struct stat st;
	printf("stat-owner=%d\n", stat("/etc/fixture-release", &st) == 0 ? (int)st.st_uid : -errno);
	printf("escape=%s\n", access("/../../../host-marker", F_OK) == 0 ? "reached" : strerror(errno));
	int fd = open("/etc/probe-new", O_WRONLY | O_CREAT, 0644);
	printf("write-tree=%s\n", fd >= 0 ? "written" : strerror(errno));
	/* a #! script, run from a forked child */
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execl("/bin/hello.sh", "hello.sh", argc > 1 ? argv[1] : "none", (char *)NULL);
		_exit(127);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	printf("script-status=%d\n", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return 7;
}
