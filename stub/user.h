/* Resolve an image's User ("name", "uid", "name:group", "uid:gid") with
 * the image's own /etc/passwd and /etc/group, as docker does. */
#ifndef BOXCAR_USER_H
#define BOXCAR_USER_H
#include <sys/types.h>
#include "../common/err.h"

#define USER_MAX_GROUPS 64

struct user_info {
	uid_t uid;
	gid_t gid;
	char home[256];   /* from passwd, "" if unknown */
	gid_t groups[USER_MAX_GROUPS];   /* supplementary: /etc/group lists the user */
	int ngroups;
};

/* rootfds: the layer directories, topmost first; the topmost one holding
 * etc/passwd (etc/group) is used. */
int user_resolve(const char *spec, const int *rootfds, int n, struct user_info *u,
		 struct err *e);

#endif
