#include "state.h"

#include <dirent.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/xio.h"

static int valid_name(const char *n)
{
	size_t len = strlen(n);
	if (len == 0 || len > 63 || !strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", n[0]))
		return 0;
	return strspn(n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == len;
}

int state_open(struct err *e)
{
	char path[512];
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	if (xdg && xdg[0] == '/' && access(xdg, W_OK) == 0)
		snprintf(path, sizeof path, "%s/boxcar", xdg);
	else
		snprintf(path, sizeof path, "/tmp/boxcar-%u", (unsigned)geteuid());
	int fd = private_dir_open(AT_FDCWD, path, &st);
	if (fd < 0 && errno == EPERM)
		return err_set(e, EXIT_SETUP, "state directory %s is not private (owner uid %u, mode %03o); "
			       "remove it or set XDG_RUNTIME_DIR", path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777));
	if (fd < 0)
		return err_sys(e, EXIT_SETUP, "state directory %s", path);
	if (mkdirat(fd, "names", 0700) < 0 && errno != EEXIST) {
		close(fd);
		return err_sys(e, EXIT_SETUP, "state directory %s/names", path);
	}
	return fd;
}

int state_create(int sfd, const char *name, struct state_rec *r, struct err *e)
{
	unsigned char rnd[STATE_ID_LEN / 2];
	char link[STATE_ID_LEN + 8];
	if (name && !valid_name(name))
		return err_set(e, EXIT_SETUP, "bad container name '%s' (letters, digits, '_', '.', '-'; "
			       "up to 63, starting with a letter or digit)", name);
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return err_sys(e, EXIT_SETUP, "getrandom");
	for (size_t i = 0; i < sizeof rnd; i++)
		snprintf(r->id + 2 * i, 3, "%02x", rnd[i]);
	if (mkdirat(sfd, r->id, 0700) < 0)
		return err_sys(e, EXIT_SETUP, "create the container's state");
	snprintf(r->name, sizeof r->name, "%s", name ? name : "");
	snprintf(link, sizeof link, "../%s", r->id);
	char at[80];
	snprintf(at, sizeof at, "names/%s", name ? name : "");
	if (name && symlinkat(link, sfd, at) < 0) {
		int saved = errno;
		unlinkat(sfd, r->id, AT_REMOVEDIR);
		if (saved == EEXIST)
			return err_set(e, EXIT_SETUP, "the name '%s' is in use by another container; "
				       "choose another or `boxcar rm %s` first", name, name);
		errno = saved;
		return err_sys(e, EXIT_SETUP, "claim the name '%s'", name);
	}
	return 0;
}

/* The record's text fields, as they are named in its info file. */
#define FIELD(f) { #f, offsetof(struct state_rec, f), sizeof ((struct state_rec *)0)->f }
static const struct { const char *key; size_t off, len; } fields[] = {
	FIELD(name), FIELD(file), FIELD(command), FIELD(ports), FIELD(cwd), FIELD(keep), FIELD(userns),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

static int write_at(int dfd, const char *path, const char *text, size_t len)
{
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write_full(fd, text, len);
	if (close(fd) < 0 || rc < 0 || renameat(dfd, tmp, dfd, path) < 0) {
		unlinkat(dfd, tmp, 0);
		return -1;
	}
	return 0;
}

int state_write_info(int sfd, struct state_rec *r, struct err *e)
{
	char path[STATE_ID_LEN + 8];
	r->pid = getpid();
	r->start = state_proc_start(r->pid);
	r->created = time(NULL);
	cJSON *o = cJSON_CreateObject();
	if (o) {
		cJSON_AddStringToObject(o, "id", r->id);
		for (size_t i = 0; i < NFIELDS; i++)
			cJSON_AddStringToObject(o, fields[i].key, (const char *)r + fields[i].off);
		cJSON_AddNumberToObject(o, "pid", (double)r->pid);
		cJSON_AddNumberToObject(o, "start", (double)r->start);
		cJSON_AddNumberToObject(o, "created", (double)r->created);
	}
	char *text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	snprintf(path, sizeof path, "%s/info", r->id);
	int rc = text ? write_at(sfd, path, text, strlen(text)) : -1;
	free(text);
	return rc < 0 ? err_sys(e, EXIT_SETUP, "write the container's state") : 0;
}

void state_set_exit(int sfd, const char *id, int code)
{
	char path[STATE_ID_LEN + 8], text[16];
	snprintf(path, sizeof path, "%s/exit", id);
	snprintf(text, sizeof text, "%d\n", code);
	write_at(sfd, path, text, strlen(text));
}

static int load(int sfd, const char *id, struct state_rec *r)
{
	char path[STATE_ID_LEN + 8];
	size_t len;
	uint64_t v;
	struct err e = { 0 };
	memset(r, 0, sizeof *r);
	if (strlen(id) != STATE_ID_LEN)
		return -1;
	snprintf(path, sizeof path, "%s/info", id);
	char *text = read_file_at(sfd, path, 1 << 16, &len);
	cJSON *o = text ? json_parse_buf(text, len, "info", &e) : NULL;
	free(text);
	if (!o)
		return -1;
	const char *s;
	snprintf(r->id, sizeof r->id, "%s", id);
	for (size_t i = 0; i < NFIELDS; i++)
		if ((s = json_str(o, fields[i].key)))
			snprintf((char *)r + fields[i].off, fields[i].len, "%s", s);
	if (json_u64(o, "pid", &v) == 0)
		r->pid = (pid_t)v;
	if (json_u64(o, "start", &v) == 0)
		r->start = v;
	if (json_u64(o, "created", &v) == 0)
		r->created = (time_t)v;
	cJSON_Delete(o);
	snprintf(path, sizeof path, "%s/exit", id);
	char *ex = read_file_at(sfd, path, 64, NULL);
	if (ex) {
		r->exited = 1;
		r->code = atoi(ex);
		free(ex);
	}
	return 0;
}

int state_reuse(int sfd, const char *id, struct state_rec *r, struct err *e)
{
	char path[STATE_ID_LEN + 8];
	if (load(sfd, id, r) < 0)
		return err_set(e, EXIT_SETUP, "container %s is gone (removed?)", id);
	if (state_running(r))
		return err_set(e, EXIT_SETUP, "container %s is already running", r->name[0] ? r->name : id);
	snprintf(path, sizeof path, "%s/exit", id);
	if (unlinkat(sfd, path, 0) < 0 && errno != ENOENT)
		return err_sys(e, EXIT_SETUP, "reset the container's state");
	r->exited = 0;
	return 0;
}

int state_write_argv(int sfd, const char *id, int argc, char *const *argv, struct err *e)
{
	char path[STATE_ID_LEN + 8];
	size_t len = 0;
	for (int i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	char *buf = malloc(len + 1), *p = buf;
	if (!buf)
		return err_set(e, EXIT_SETUP, "out of memory");
	for (int i = 0; i < argc; i++)
		p += strlen(strcpy(p, argv[i])) + 1;
	snprintf(path, sizeof path, "%s/argv", id);
	int rc = write_at(sfd, path, buf, len);
	free(buf);
	return rc < 0 ? err_sys(e, EXIT_SETUP, "write the container's state") : 0;
}

char **state_read_argv(int sfd, const char *id, char **buf, struct err *e)
{
	char path[STATE_ID_LEN + 8];
	size_t len, n = 0;
	snprintf(path, sizeof path, "%s/argv", id);
	if (!(*buf = read_file_at(sfd, path, 1 << 20, &len))) {
		err_set(e, EXIT_SETUP, "container %s has no recorded arguments; run its file again", id);
		return NULL;
	}
	for (size_t i = 0; i < len; i++)
		n += (*buf)[i] == 0;
	char **v = calloc(n + 1, sizeof *v);
	for (size_t i = 0, k = 0; v && k < n; i += strlen(*buf + i) + 1)
		v[k++] = *buf + i;
	if (!v) {
		free(*buf);
		err_set(e, EXIT_SETUP, "out of memory");
	}
	return v;
}

int state_find(int sfd, const char *key, struct state_rec *r, struct err *e)
{
	char link[64], path[80];
	snprintf(path, sizeof path, "names/%s", key);
	ssize_t n = strchr(key, '/') ? -1 : readlinkat(sfd, path, link, sizeof link - 1);
	if (n > 3) {
		link[n] = 0;
		if (load(sfd, link + 3, r) == 0)
			return 0;
	}
	/* an id, or a unique prefix of one */
	DIR *d = dir_stream(sfd);
	struct dirent *de;
	int found = 0;
	size_t k = strlen(key);
	while (d && k && (de = readdir(d)))
		if (strlen(de->d_name) == STATE_ID_LEN && !strncmp(de->d_name, key, k) && found++ == 0)
			load(sfd, de->d_name, r);
	if (d)
		closedir(d);
	if (found == 1 && r->id[0])
		return 0;
	return err_set(e, EXIT_SETUP, found > 1 ? "'%s' matches several containers; give more of the id"
		       : "no container named '%s' (see `boxcar ps -a`)", key);
}

int state_each(int sfd, int (*fn)(const struct state_rec *, void *), void *arg)
{
	DIR *d = dir_stream(sfd);
	struct dirent *de;
	struct state_rec r;
	int rc = 0;
	while (d && rc == 0 && (de = readdir(d)))
		if (strlen(de->d_name) == STATE_ID_LEN && load(sfd, de->d_name, &r) == 0)
			rc = fn(&r, arg);
	if (d)
		closedir(d);
	return rc;
}

int state_remove(int sfd, const struct state_rec *r)
{
	char path[80], link[64];
	if (r->name[0]) {
		snprintf(path, sizeof path, "names/%s", r->name);
		ssize_t n = readlinkat(sfd, path, link, sizeof link - 1);
		if (n > 0 && (link[n] = 0, !strcmp(link + 3, r->id)))
			unlinkat(sfd, path, 0);
	}
	return rmtree_at(sfd, r->id);
}

void state_discard(int sfd, const struct state_rec *r)
{
	if (r->keep[0])
		rmtree_at(AT_FDCWD, r->keep);
	state_remove(sfd, r);
}

unsigned long long state_proc_start(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	char *text = read_file_at(AT_FDCWD, path, 4096, NULL);
	char *p = text ? strrchr(text, ')') : NULL;
	unsigned long long start = 0;
	if (p && (p[2] == 'Z' || p[2] == 'X'))   /* exited, not yet reaped: gone */
		p = NULL;
	/* after "pid (comm)": state is field 3, starttime field 22 */
	for (int field = 2; p && *p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	free(text);
	return start;
}

int state_running(const struct state_rec *r)
{
	return !r->exited && r->pid > 0 && r->start && state_proc_start(r->pid) == r->start;
}

/* The first child of pid whose command line differs from pid's: under the
 * container's init that is the app (the port relay is init's own copy). */
static pid_t app_of(pid_t pid)
{
	char path[64], *self, *kids;
	snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
	self = read_file_at(AT_FDCWD, path, 4096, NULL);
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	kids = read_file_at(AT_FDCWD, path, 4096, NULL);
	pid_t found = 0;
	for (char *p = kids, *end; p && *p && !found; p = end) {
		long k = strtol(p, &end, 10);
		if (end == p)
			break;
		snprintf(path, sizeof path, "/proc/%ld/cmdline", k);
		char *cmd = read_file_at(AT_FDCWD, path, 4096, NULL);
		if (cmd && (!self || strcmp(cmd, self) != 0))
			found = (pid_t)k;
		free(cmd);
	}
	free(self);
	free(kids);
	return found;
}

static pid_t first_child(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	char *kids = read_file_at(AT_FDCWD, path, 4096, NULL);
	pid_t c = kids ? (pid_t)strtol(kids, NULL, 10) : 0;
	free(kids);
	return c;
}

pid_t state_app(const struct state_rec *r)
{
	return state_running(r) ? app_of(first_child(r->pid)) : 0;
}
