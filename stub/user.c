#include "user.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/xio.h"

/* The image's copy of `rel`: the topmost layer that has it (a whiteout,
 * being a char device, stops the search). NULL if none. */
static char *image_file(const int *rootfds, int n, const char *rel)
{
	for (int i = 0; i < n; i++) {
		struct err e = { 0 };
		char leaf[NAME_MAX + 1];
		struct stat st;
		int dfd = path_parent_beneath(rootfds[i], rel, 0, leaf, &e);
		if (dfd < 0)
			continue;
		int found = fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0;
		char *text = found && S_ISREG(st.st_mode) ? read_file_at(dfd, leaf, 4 << 20, NULL) : NULL;
		close(dfd);
		if (found)
			return text;
	}
	return NULL;
}

static int parse_id(const char *s, unsigned long *out)
{
	char *end;
	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || *out > 0x7fffffffUL ? -1 : 0;
}

/* Cut the next line off *text (advancing it) and split it at ':' into
 * at most nf fields. Returns the number of fields, -1 at the end. */
static int next_entry(char **text, char **f, int nf)
{
	char *line = *text;
	if (!line || !*line)
		return -1;
	if ((*text = strchr(line, '\n')))
		*(*text)++ = 0;
	int k = 0;
	for (char *p = line; p && k < nf; k++) {
		f[k] = p;
		if ((p = strchr(p, ':')))
			*p++ = 0;
	}
	return k;
}

/* Find `name` (or numeric id) in a passwd/group text. Returns the line's
 * fields in f (up to nf), or 0 if not found. */
static int find_entry(char *text, const char *name, int by_id, char **f, int nf)
{
	int k;
	while ((k = next_entry(&text, f, nf)) >= 0)
		if (k >= 3 && strcmp(by_id ? f[2] : f[0], name) == 0)
			return k;
	return 0;
}

static int resolve_group(const char *g, const int *rootfds, int n, gid_t *gid, struct err *e)
{
	unsigned long v;
	if (parse_id(g, &v) == 0) {
		*gid = (gid_t)v;
		return 0;
	}
	char *text = image_file(rootfds, n, "etc/group"), *f[4];
	int k = text ? find_entry(text, g, 0, f, 4) : 0;
	int ok = k >= 3 && parse_id(f[2], &v) == 0;
	free(text);
	if (!ok)
		return err_set(e, EXIT_SETUP, "group '%s' not found in the image's /etc/group", g);
	*gid = (gid_t)v;
	return 0;
}

/* The groups whose member list (4th field of /etc/group) names `user`. */
static void supplementary(const char *user, const int *rootfds, int n, struct user_info *u)
{
	char *text = image_file(rootfds, n, "etc/group"), *cur = text, *f[4], *m;
	int k;
	while (u->ngroups < USER_MAX_GROUPS && (k = next_entry(&cur, f, 4)) >= 0) {
		unsigned long gid;
		if (k < 4 || parse_id(f[2], &gid) < 0)
			continue;
		for (char *mem = strtok_r(f[3], ",", &m); mem; mem = strtok_r(NULL, ",", &m))
			if (!strcmp(mem, user)) {
				u->groups[u->ngroups++] = (gid_t)gid;
				break;
			}
	}
	free(text);
}

int user_resolve(const char *spec, const int *rootfds, int n, struct user_info *u,
		 struct err *e)
{
	char buf[256], *f[7];
	unsigned long v;
	memset(u, 0, sizeof *u);
	if (!spec || !*spec)
		spec = "0";
	if (strlen(spec) >= sizeof buf)
		return err_set(e, EXIT_SETUP, "user '%.40s...' is too long", spec);
	strcpy(buf, spec);
	char *group = strchr(buf, ':');
	if (group)
		*group++ = 0;
	int numeric = parse_id(buf, &v) == 0;
	char *text = image_file(rootfds, n, "etc/passwd");
	int k = text ? find_entry(text, buf, numeric, f, 7) : 0;
	if (!numeric && k < 4) {
		free(text);
		return err_set(e, EXIT_SETUP, "user '%s' not found in the image's /etc/passwd", buf);
	}
	unsigned long gid = 0;
	if (k >= 4 && (parse_id(f[2], &v) < 0 || parse_id(f[3], &gid) < 0)) {
		free(text);
		return err_set(e, EXIT_SETUP, "bad /etc/passwd entry for '%s' in the image", buf);
	}
	if (numeric && k < 4)
		parse_id(buf, &v);
	u->uid = (uid_t)v;
	u->gid = (gid_t)gid;
	if (k >= 6)
		snprintf(u->home, sizeof u->home, "%s", f[5]);
	if (k >= 4)
		supplementary(f[0], rootfds, n, u);
	free(text);
	return group ? resolve_group(group, rootfds, n, &u->gid, e) : 0;
}
