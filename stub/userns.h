/* Which user-namespace id map a run uses, and the cache store that goes
 * with it (layers extracted under one map are only right under it).
 *
 *   subids  caller -> 0, the subordinate ranges -> 1..; layers keep their
 *           owners (extracted inside the namespace); store ROOT/ids/TAG
 *   root    caller -> the image's user (one id); store ROOT
 *   keep-id caller -> the caller's own uid (one id); store ROOT
 *   host    real root: every id maps onto itself; store ROOT
 * auto picks subids when /etc/subuid and /etc/subgid give the caller
 * ranges and newuidmap is installed and can work (no no_new_privs, under
 * which its setuid bit counts for nothing), root otherwise. */
#ifndef BOXCAR_USERNS_H
#define BOXCAR_USERNS_H
#include "../runner/subids.h"
#include "cache.h"

enum userns_mode { USERNS_AUTO, USERNS_ROOT, USERNS_KEEPID, USERNS_SUBIDS, USERNS_HOST };

struct userns {
	enum userns_mode mode;     /* never AUTO once chosen */
	int automatic;             /* chosen by auto */
	struct subids ids;
	char tag[160];             /* the subids store's name */
	char why[256];             /* why auto did not pick subids */
	char fix[256];             /* and what an admin (or the user) can do */
};

/* "auto", "root", "keep-id", "subids" -> mode; -1 if unknown. */
int userns_parse(const char *s);
const char *userns_name(enum userns_mode m);
int userns_choose(enum userns_mode want, struct userns *u, struct err *e);
/* Open u's cache store and set how layers are written into it. */
int userns_cache_open(const struct userns *u, struct cache *c, struct err *e);
/* Enter the subids namespace (after the cache is open); no-op otherwise. */
int userns_enter(const struct userns *u, struct err *e);
/* Enter a namespace where every file of u's store is root's to read and
 * remove (whatever its mode): the subids one, or one mapping the caller
 * to 0 (one-id modes; real root needs none). Not for running containers. */
int userns_enter_files(const struct userns *u, struct err *e);

#endif
