/* boxcar's version line and its JSON form (version.h). */
#include "version.h"
#include "arch.h"
#include "payload.h"

struct lib_version {
	const char *name, *version;
	int in_stub;     /* 0: linked into boxcar only (the registry client) */
};

/* LIB(name, version, in_stub) lines, generated from build.sh's record */
#define LIB(n, v, s) { n, v, s },
static const struct lib_version libs[] = {
#include "libversions.h"
	{ NULL, NULL, 0 }
};
#undef LIB

static int linked(const struct lib_version *l, enum version_of which)
{
	return which == VERSION_BOXCAR || l->in_stub;
}

int version_print(FILE *f, enum version_of which)
{
	fprintf(f, "boxcar %s (payload format %d, linux/%s)", BOXCAR_VERSION, PAYLOAD_VERSION, ARCH_SELF);
	for (const struct lib_version *l = libs; l->name; l++)
		if (linked(l, which))
			fprintf(f, " %s/%s", l->name, l->version);
	fputc('\n', f);
	return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

cJSON *version_json(enum version_of which)
{
	cJSON *v = cJSON_CreateObject(), *lib = NULL;
	if (!cJSON_AddStringToObject(v, "boxcar", BOXCAR_VERSION) ||
	    !cJSON_AddNumberToObject(v, "payload_format", PAYLOAD_VERSION) ||
	    !cJSON_AddStringToObject(v, "architecture", ARCH_SELF) ||
	    !(lib = cJSON_AddObjectToObject(v, "libraries"))) {
		cJSON_Delete(v);
		return NULL;
	}
	for (const struct lib_version *l = libs; l->name; l++)
		if (linked(l, which) && !cJSON_AddStringToObject(lib, l->name, l->version)) {
			cJSON_Delete(v);
			return NULL;
		}
	return v;
}
