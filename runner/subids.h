/* Subordinate id ranges (/etc/subuid, /etc/subgid) and entering a user
 * namespace that maps them, through the setuid newuidmap/newgidmap
 * helpers (shadow's uidmap package), as rootless Podman does. */
#ifndef BOXCAR_SUBIDS_H
#define BOXCAR_SUBIDS_H
#include <stdint.h>
#include <sys/types.h>
#include "../common/err.h"

#define SUBIDS_MAX 8

struct idrange {
	uint32_t start, count;
};

struct subids {
	struct idrange uid[SUBIDS_MAX], gid[SUBIDS_MAX];
	int nuid, ngid;
	uint32_t uids, gids;      /* ids inside: 1 (the caller, as 0) + the ranges */
};

/* The caller's ranges, looked up by user name or uid. Returns 1 if both
 * files give at least one range, 0 if not (with e saying what is missing,
 * code 0), -1 on error. */
int subids_lookup(struct subids *s, struct err *e);
/* A short name for the map, e.g. "u165536+65536.g165536+65536": layers
 * extracted under one map are only valid under that map. */
void subids_tag(const struct subids *s, char *buf, size_t len);
/* Move this process into a new user namespace where it is root and ids
 * 1.. map onto the ranges (newuidmap/newgidmap write the maps). */
int subids_enter(const struct subids *s, struct err *e);

#endif
