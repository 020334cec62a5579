#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "xio.h"

cJSON *json_parse_buf(const char *buf, size_t len, const char *what, struct err *e)
{
	cJSON *j = cJSON_ParseWithLength(buf, len);
	if (!j)
		err_set(e, EXIT_SETUP, "%s is not valid JSON", what);
	return j;
}

cJSON *json_load_at(int dirfd, const char *path, size_t max, const char *what,
		    struct err *e)
{
	size_t len;
	char *buf = read_file_at(dirfd, path, max, &len);
	if (!buf) {
		err_sys(e, EXIT_SETUP, "cannot read %s", what);
		return NULL;
	}
	cJSON *j = json_parse_buf(buf, len, what, e);
	free(buf);
	return j;
}

const char *json_str(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int json_u64(const cJSON *obj, const char *key, uint64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > 9007199254740992.0)
		return -1;
	*out = (uint64_t)v->valuedouble;
	return (double)*out == v->valuedouble ? 0 : -1;
}

const char **json_strv(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
	int n = 0;
	if (v && !cJSON_IsNull(v)) {
		if (!cJSON_IsArray(v))
			return NULL;
		n = cJSON_GetArraySize(v);
	}
	const char **out = calloc((size_t)n + 1, sizeof *out);
	if (!out)
		return NULL;
	for (int i = 0; i < n; i++) {
		const cJSON *s = cJSON_GetArrayItem(v, i);
		if (!cJSON_IsString(s)) {
			free(out);
			return NULL;
		}
		out[i] = s->valuestring;
	}
	return out;
}
