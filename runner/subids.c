#include "subids.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../common/xio.h"

/* Lines "NAME-or-UID:START:COUNT" for this user, in file order. */
static int parse_ranges(char *text, const char *name, const char *uid, struct idrange *r)
{
	int n = 0;
	for (char *line = text, *next; line && *line && n < SUBIDS_MAX; line = next) {
		if ((next = strchr(line, '\n')))
			*next++ = 0;
		char *who = line, *start = strchr(line, ':'), *count = start ? strchr(start + 1, ':') : NULL;
		if (!count)
			continue;
		*start++ = 0;
		*count++ = 0;
		if (strcmp(who, uid) != 0 && (!name || strcmp(who, name) != 0))
			continue;
		char *e1, *e2;
		errno = 0;
		unsigned long a = strtoul(start, &e1, 10), c = strtoul(count, &e2, 10);
		if (errno || *e1 || *e2 || !*start || !*count || c == 0 || a > UINT32_MAX ||
		    c > UINT32_MAX - a)
			continue;
		r[n++] = (struct idrange){ (uint32_t)a, (uint32_t)c };
	}
	return n;
}

static uint32_t inside_count(const struct idrange *r, int n)
{
	uint64_t total = 1;
	for (int i = 0; i < n; i++)
		total += r[i].count;
	return total > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)total;
}

int subids_lookup(struct subids *s, struct err *e)
{
	char uid[16];
	struct passwd *pw = getpwuid(geteuid());
	const char *name = pw ? pw->pw_name : NULL;
	memset(s, 0, sizeof *s);
	snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
	char *u = read_file_at(AT_FDCWD, "/etc/subuid", 1 << 22, NULL);
	char *g = read_file_at(AT_FDCWD, "/etc/subgid", 1 << 22, NULL);
	if (u)
		s->nuid = parse_ranges(u, name, uid, s->uid);
	if (g)
		s->ngid = parse_ranges(g, name, uid, s->gid);
	free(u);
	free(g);
	s->uids = inside_count(s->uid, s->nuid);
	s->gids = inside_count(s->gid, s->ngid);
	if (s->nuid && s->ngid)
		return 1;
	err_set(e, 0, "no subordinate %s range for user %s in %s", s->nuid ? "gid" : "uid",
		name ? name : uid, s->nuid ? "/etc/subgid" : "/etc/subuid");
	e->code = 0;
	return 0;
}

void subids_tag(const struct subids *s, char *buf, size_t len)
{
	size_t k = 0;
	const struct idrange *r[2] = { s->uid, s->gid };
	int n[2] = { s->nuid, s->ngid };
	for (int t = 0; t < 2; t++)
		for (int i = 0; i < n[t] && k < len; i++)
			k += (size_t)snprintf(buf + k, len - k, "%s%c%u+%u", k ? "." : "", "ug"[t],
					      (unsigned)r[t][i].start, (unsigned)r[t][i].count);
	if (len && k >= len)
		buf[len - 1] = 0;
}

/* Read what a helper printed (at most len-1 bytes kept), to EOF. */
static void slurp(int fd, char *buf, size_t len)
{
	size_t k = 0;
	char sink[256];
	for (;;) {
		ssize_t r = k + 1 < len ? read(fd, buf + k, len - 1 - k) : read(fd, sink, sizeof sink);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (k + 1 < len)
			k += (size_t)r;
	}
	buf[k] = 0;
}

/* Run newuidmap/newgidmap for `pid`: the caller's id -> 0, the ranges ->
 * 1.. . On failure, msg gets the tool's first line of complaint. */
static int run_map(const char *tool, pid_t pid, unsigned own, const struct idrange *r, int n,
		   char *msg, size_t msglen)
{
	char num[3 * SUBIDS_MAX + 2][12];
	char *argv[3 * SUBIDS_MAX + 6];
	int k = 0, out[2];
	uint32_t inside = 1;
	snprintf(num[0], sizeof num[0], "%d", (int)pid);
	snprintf(num[1], sizeof num[1], "%u", own);
	argv[k++] = (char *)tool;
	argv[k++] = num[0];
	argv[k++] = "0";
	argv[k++] = num[1];
	argv[k++] = "1";
	for (int i = 0; i < n; i++) {
		char *in = num[2 + 3 * i], *start = num[3 + 3 * i], *count = num[4 + 3 * i];
		snprintf(in, sizeof num[0], "%u", (unsigned)inside);
		snprintf(start, sizeof num[0], "%u", (unsigned)r[i].start);
		snprintf(count, sizeof num[0], "%u", (unsigned)r[i].count);
		argv[k++] = in;
		argv[k++] = start;
		argv[k++] = count;
		inside += r[i].count;
	}
	argv[k] = NULL;
	if (pipe2(out, O_CLOEXEC) < 0)
		return snprintf(msg, msglen, "pipe: %s", strerror(errno)), -1;
	pid_t c = fork();
	if (c == 0) {
		dup2(out[1], 2);
		execvp(tool, argv);
		dprintf(2, "cannot run %s: %s (install the uidmap package)\n", tool, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	if (c > 0)
		slurp(out[0], msg, msglen);
	close(out[0]);
	int st = 0;
	if (c < 0 || waitpid(c, &st, 0) < 0)
		return snprintf(msg, msglen, "fork: %s", strerror(errno)), -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	msg[strcspn(msg, "\n")] = 0;
	if (!*msg)
		snprintf(msg, msglen, "%s failed", tool);
	return -1;
}

/* The helper: once the parent has unshared, map it; report over `res`. */
static void helper(const struct subids *s, pid_t parent, uid_t uid, gid_t gid, int go, int res)
{
	char msg[512] = "", c;
	if (read_full(go, &c, 1) < 0 || c != 'y')
		_exit(0);
	if (run_map("newuidmap", parent, uid, s->uid, s->nuid, msg, sizeof msg) == 0)
		run_map("newgidmap", parent, gid, s->gid, s->ngid, msg, sizeof msg);
	write_full(res, msg, strlen(msg));
	_exit(0);
}

int subids_enter(const struct subids *s, struct err *e)
{
	int go[2], res[2];
	uid_t uid = geteuid();
	gid_t gid = getegid();
	pid_t self = getpid();
	if (pipe2(go, O_CLOEXEC) < 0)
		return err_sys(e, EXIT_SETUP, "pipe");
	if (pipe2(res, O_CLOEXEC) < 0) {
		close(go[0]), close(go[1]);
		return err_sys(e, EXIT_SETUP, "pipe");
	}
	fflush(NULL);
	pid_t h = fork();
	if (h == 0) {
		close(go[1]), close(res[0]);
		helper(s, self, uid, gid, go[0], res[1]);
	}
	close(go[0]), close(res[1]);
	int rc = h < 0 ? -1 : unshare(CLONE_NEWUSER), saved = errno;
	if (h > 0)
		write_full(go[1], rc == 0 ? "y" : "n", 1);
	close(go[1]);
	char msg[512] = "";
	if (h > 0) {
		slurp(res[0], msg, sizeof msg);
		waitpid(h, NULL, 0);
	}
	close(res[0]);
	errno = saved;
	if (h < 0)
		return err_sys(e, EXIT_SETUP, "fork");
	if (rc < 0)
		return err_sys(e, EXIT_SETUP, "cannot create a user namespace; see `boxcar doctor`");
	if (*msg)
		return err_set(e, EXIT_SETUP, "cannot map subordinate ids: %s; check /etc/subuid and /etc/subgid "
			       "(or use --boxcar-userns=root)", msg);
	return 0;
}
