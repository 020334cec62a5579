/* The one JSON reader (cJSON underneath) plus the few typed getters every
 * parser needs. Getters return NULL/-1 when the member is missing or has
 * the wrong type; they never abort. */
#ifndef BOXCAR_JSON_H
#define BOXCAR_JSON_H
#include <cjson/cJSON.h>
#include <stdint.h>
#include "err.h"

/* Parse a whole file (at most max bytes) beneath dirfd. `what` names it in
 * errors ("manifest.json"). Returns a tree the caller frees with cJSON_Delete. */
cJSON *json_load_at(int dirfd, const char *path, size_t max, const char *what,
		    struct err *e);
cJSON *json_parse_buf(const char *buf, size_t len, const char *what, struct err *e);
const char *json_str(const cJSON *obj, const char *key);
/* A non-negative integer member that a double represents exactly. */
int json_u64(const cJSON *obj, const char *key, uint64_t *out);
/* A NULL-terminated malloc'd array of the strings in array member `key`
 * (pointers into the tree). NULL array member gives an empty list; a
 * member of the wrong type gives NULL. */
const char **json_strv(const cJSON *obj, const char *key);

#endif
