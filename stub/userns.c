#include "userns.h"

#include "../runner/idmap.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const char *const names[] = { "auto", "root", "keep-id", "subids", "host" };

int userns_parse(const char *s)
{
	for (int i = 0; i < USERNS_HOST; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

const char *userns_name(enum userns_mode m)
{
	return names[m];
}

/* An executable `prog` in $PATH (or the usual places without one). */
static int in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	if (!path || !*path)
		path = "/usr/bin:/bin:/usr/sbin:/sbin";
	for (const char *p = path; *p; ) {
		size_t n = strcspn(p, ":");
		if (n && n < sizeof buf - strlen(prog) - 2) {
			snprintf(buf, sizeof buf, "%.*s/%s", (int)n, p, prog);
			if (access(buf, X_OK) == 0)
				return 1;
		}
		p += n + (p[n] == ':');
	}
	return 0;
}

/* Why subordinate ids cannot be used though `have` says the ranges
 * exist, or that they don't: the cause in why->msg, its fix in fix
 * ("" when they can be used). */
static void subids_missing(int have, struct err *why, char *fix, size_t len)
{
	const char *user = getenv("USER") ? getenv("USER") : "$USER";
	*fix = 0;
	if (!have)
		snprintf(fix, len, "an admin can run `usermod --add-subuids 100000-165535 --add-subgids "
			 "100000-165535 %s`", user);
	else if (!(in_path("newuidmap") && in_path("newgidmap"))) {
		snprintf(why->msg, sizeof why->msg, "newuidmap/newgidmap are not installed");
		snprintf(fix, len, "an admin can install the uidmap package (`apt-get install uidmap`)");
	} else if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
		snprintf(why->msg, sizeof why->msg, "no_new_privs is set on this process (a sandbox set it), so "
			 "the setuid newuidmap cannot map them");
		snprintf(fix, len, "run the file outside that sandbox");
	}
}

int userns_choose(enum userns_mode want, struct userns *u, struct err *e)
{
	memset(u, 0, sizeof *u);
	if (geteuid() == 0) {
		u->mode = USERNS_HOST;
		return 0;
	}
	if (want == USERNS_ROOT || want == USERNS_KEEPID) {
		u->mode = want;
		return 0;
	}
	struct err why = { 0 };
	int have = subids_lookup(&u->ids, &why);
	if (have < 0)
		return *e = why, -1;
	subids_missing(have, &why, u->fix, sizeof u->fix);
	have = have && !*u->fix;
	if (!have && want == USERNS_SUBIDS)
		return err_set(e, EXIT_SETUP, "--boxcar-userns=subids: %s; %s", why.msg, u->fix);
	u->automatic = want == USERNS_AUTO;
	if (!have) {   /* auto, without ranges: one id */
		u->mode = USERNS_ROOT;
		snprintf(u->why, sizeof u->why, "%s", why.msg);
		return 0;
	}
	u->mode = USERNS_SUBIDS;
	subids_tag(&u->ids, u->tag, sizeof u->tag);
	return 0;
}

int userns_cache_open(const struct userns *u, struct cache *c, struct err *e)
{
	char store[sizeof u->tag + 8];
	snprintf(store, sizeof store, "ids/%s", u->tag);
	if (cache_open(c, u->mode == USERNS_SUBIDS ? store : NULL, e) < 0)
		return -1;
	if (u->mode == USERNS_SUBIDS)
		c->how = (struct layer_how){ .mode = LAYER_OVERLAY, .owners = 1,
					     .uids = u->ids.uids, .gids = u->ids.gids };
	return 0;
}

int userns_enter(const struct userns *u, struct err *e)
{
	return u->mode == USERNS_SUBIDS ? subids_enter(&u->ids, e) : 0;
}

int userns_enter_files(const struct userns *u, struct err *e)
{
	if (u->mode == USERNS_SUBIDS)
		return subids_enter(&u->ids, e);
	if (u->mode == USERNS_HOST)
		return 0;
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER) < 0)
		return err_sys(e, EXIT_SETUP, "create a user namespace");
	return idmap_single(0, 0, 0, uid, gid, e);
}
