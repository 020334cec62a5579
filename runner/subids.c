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
#include "../common/child.h"
#include "../common/xio.h"
#include "diagnose.h"

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

/* One of newuidmap/newgidmap, forked before we unshare (run from inside
 * the new namespace, its setuid bit would not count) and waiting for the
 * go-ahead: the caller's id -> 0, the ranges -> 1.. . */
struct mapper {
	const char *tool;
	pid_t pid;
	int err;        /* its stderr */
};

static int spawn_map(struct mapper *m, pid_t target, unsigned own, const struct idrange *r, int n, int go)
{
	char num[3 * SUBIDS_MAX + 2][12];
	char *argv[3 * SUBIDS_MAX + 6];
	int k = 0, out[2];
	uint32_t inside = 1;
	snprintf(num[0], sizeof num[0], "%d", (int)target);
	snprintf(num[1], sizeof num[1], "%u", own);
	argv[k++] = (char *)m->tool;
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
	m->pid = -1;
	if (pipe2(out, O_CLOEXEC) < 0)
		return -1;
	if ((m->pid = fork()) == 0) {
		char c;
		if (read_full(go, &c, 1) < 0 || c != 'y')
			_exit(0);
		dup2(out[1], 2);
		execvp(m->tool, argv);
		dprintf(2, "cannot run %s: %s (install the uidmap package)\n", m->tool, strerror(errno));
		_exit(127);
	}
	close(out[1]);
	m->err = out[0];
	if (m->pid < 0)
		close(out[0]);
	return m->pid < 0 ? -1 : 0;
}

/* Wait for it; on failure msg gets its first line of complaint. */
static int finish_map(struct mapper *m, char *msg, size_t len)
{
	slurp(m->err, msg, len);
	close(m->err);
	if (child_wait(m->pid) == 0)
		return 0;
	msg[strcspn(msg, "\n")] = 0;
	if (!*msg)
		snprintf(msg, len, "%s failed", m->tool);
	return -1;
}

int subids_enter(const struct subids *s, struct err *e)
{
	struct mapper m[2] = { { "newuidmap", -1, -1 }, { "newgidmap", -1, -1 } };
	char msg[2][512] = { "", "" };
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		return err_sys(e, EXIT_SETUP, "pipe");
	fflush(NULL);
	pid_t self = getpid();
	int rc = spawn_map(&m[0], self, (unsigned)geteuid(), s->uid, s->nuid, go[0]) < 0 ||
		 spawn_map(&m[1], self, (unsigned)getegid(), s->gid, s->ngid, go[0]) < 0 ? -1 : 0;
	int saved = errno;
	close(go[0]);
	if (rc == 0 && (rc = unshare(CLONE_NEWUSER)) < 0)
		saved = errno;
	write_full(go[1], rc == 0 ? "yy" : "nn", 2);   /* one byte each */
	close(go[1]);
	int bad = 0;
	for (int i = 0; i < 2; i++)
		if (m[i].pid > 0 && finish_map(&m[i], msg[i], sizeof msg[i]) < 0 && rc == 0)
			bad = i + 1;
	errno = saved;
	if (rc < 0 && (m[0].pid < 0 || m[1].pid < 0))
		return err_sys(e, EXIT_SETUP, "fork");
	if (rc < 0)
		return diag_fail(e, DIAG_USERNS, saved, "mapping subordinate ids");
	if (bad)
		return err_set(e, EXIT_SETUP, "cannot map subordinate ids: %s; check /etc/subuid and /etc/subgid "
			       "(or use --boxcar-userns=root)", msg[bad - 1]);
	return 0;
}
