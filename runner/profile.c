#include "profile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include "../common/json.h"
#include "security.h"

#define MAX_ARGS 6

static int parse_action(const char *s, const cJSON *errno_ret, uint32_t *out, struct err *e)
{
	uint64_t en = EPERM;
	if (!s)
		return err_set(e, EXIT_SETUP, "a rule has no action");
	if (errno_ret && (!cJSON_IsNumber(errno_ret) || errno_ret->valuedouble < 0 || errno_ret->valuedouble > 4095))
		return err_set(e, EXIT_SETUP, "bad errnoRet for %s", s);
	if (errno_ret)
		en = (uint64_t)errno_ret->valuedouble;
	static const struct { const char *name; uint32_t act; } acts[] = {
		{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW }, { "SCMP_ACT_KILL", SCMP_ACT_KILL },
		{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD }, { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
		{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP }, { "SCMP_ACT_LOG", SCMP_ACT_LOG },
	};
	for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
		if (!strcmp(s, acts[i].name))
			return *out = acts[i].act, 0;
	if (!strcmp(s, "SCMP_ACT_ERRNO"))
		return *out = SCMP_ACT_ERRNO((uint32_t)en), 0;
	if (!strcmp(s, "SCMP_ACT_TRACE"))
		return *out = SCMP_ACT_TRACE((uint32_t)en), 0;
	return err_set(e, EXIT_SETUP, "unsupported seccomp action '%s'", s);
}

static int parse_op(const char *s, enum scmp_compare *out)
{
	static const struct { const char *name; enum scmp_compare op; } ops[] = {
		{ "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
		{ "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
	};
	for (size_t i = 0; s && i < sizeof ops / sizeof ops[0]; i++)
		if (!strcmp(s, ops[i].name))
			return *out = ops[i].op, 0;
	return -1;
}

/* "SCMP_ARCH_X86_64" -> libseccomp's token, 0 if unknown */
static uint32_t arch_token(const char *s)
{
	char name[32];
	size_t i = 0;
	if (!s || strncmp(s, "SCMP_ARCH_", 10) != 0)
		return 0;
	for (s += 10; *s && i < sizeof name - 1; s++)
		name[i++] = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	name[i] = 0;
	return seccomp_arch_resolve_name(name);
}

/* The architectures the profile lists for this machine: its archMap entry
 * for the native arch, with sub-architectures (x86, x32 on x86-64). */
static int add_arches(scmp_filter_ctx ctx, const cJSON *prof)
{
	uint32_t native = seccomp_arch_native();
	const cJSON *m, *map = cJSON_GetObjectItemCaseSensitive(prof, "archMap");
	cJSON_ArrayForEach(m, map) {
		if (arch_token(json_str(m, "architecture")) != native)
			continue;
		const cJSON *sub;
		cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(m, "subArchitectures")) {
			uint32_t t = arch_token(cJSON_GetStringValue(sub));
			int rc = t && t != native ? seccomp_arch_add(ctx, t) : 0;
			if (rc < 0 && rc != -EEXIST)
				return rc;
		}
	}
	return 0;
}

/* Go's names for this machine, as Docker's includes/excludes use them. */
static int arch_listed(const cJSON *list)
{
	const cJSON *a;
	cJSON_ArrayForEach(a, list) {
		const char *s = cJSON_GetStringValue(a);
		if (s && (!strcmp(s, "amd64") || !strcmp(s, "x86_64")) && seccomp_arch_native() == SCMP_ARCH_X86_64)
			return 1;
		if (s && (!strcmp(s, "arm64") || !strcmp(s, "aarch64")) && seccomp_arch_native() == SCMP_ARCH_AARCH64)
			return 1;
	}
	return 0;
}

/* Every capability listed is held (includes) / any is held (excludes). */
static int caps_listed(const cJSON *list, uint64_t caps, int all)
{
	const cJSON *c;
	int any = 0;
	cJSON_ArrayForEach(c, list) {
		uint64_t m = cJSON_IsString(c) ? security_cap_mask(c->valuestring) : 0;
		int held = m && (caps & m) == m;
		if (all && !held)
			return 0;
		any |= held;
	}
	return all ? 1 : any;
}

static int kernel_at_least(const char *want)
{
	struct utsname u;
	int a = 0, b = 0, x = 0, y = 0;
	if (!want || uname(&u) < 0 || sscanf(want, "%d.%d", &a, &b) < 1 || sscanf(u.release, "%d.%d", &x, &y) < 1)
		return 1;
	return x > a || (x == a && y >= b);
}

/* Docker's rule: includes must all match, excludes must not. */
static int rule_applies(const cJSON *rule, uint64_t caps)
{
	const cJSON *inc = cJSON_GetObjectItemCaseSensitive(rule, "includes");
	const cJSON *exc = cJSON_GetObjectItemCaseSensitive(rule, "excludes");
	const cJSON *l;
	if ((l = cJSON_GetObjectItemCaseSensitive(inc, "arches")) && cJSON_GetArraySize(l) && !arch_listed(l))
		return 0;
	if ((l = cJSON_GetObjectItemCaseSensitive(inc, "caps")) && !caps_listed(l, caps, 1))
		return 0;
	if (!kernel_at_least(json_str(inc, "minKernel")))
		return 0;
	if ((l = cJSON_GetObjectItemCaseSensitive(exc, "arches")) && arch_listed(l))
		return 0;
	if ((l = cJSON_GetObjectItemCaseSensitive(exc, "caps")) && caps_listed(l, caps, 0))
		return 0;
	return 1;
}

#define MAX_CMP 12

/* A rule's args. dup: an index appears twice (libseccomp cannot AND
 * those; like runc, each comparison then becomes a rule of its own). */
static int parse_args(const cJSON *args, struct scmp_arg_cmp *cmp, int *n, int *dup)
{
	const cJSON *a;
	unsigned seen = 0;
	*n = *dup = 0;
	cJSON_ArrayForEach(a, args) {
		uint64_t idx, v, v2 = 0;
		enum scmp_compare op;
		if (*n >= MAX_CMP || json_u64(a, "index", &idx) < 0 || idx > 5 || json_u64(a, "value", &v) < 0 ||
		    parse_op(json_str(a, "op"), &op) < 0 ||
		    (cJSON_GetObjectItemCaseSensitive(a, "valueTwo") && json_u64(a, "valueTwo", &v2) < 0))
			return -1;
		*dup |= (seen >> idx) & 1;
		seen |= 1u << idx;
		cmp[(*n)++] = (struct scmp_arg_cmp){ (unsigned)idx, op, v, v2 };
	}
	return 0;
}

static int add_rule(scmp_filter_ctx ctx, const cJSON *rule, uint32_t def, uint64_t caps, struct err *e)
{
	struct scmp_arg_cmp cmp[MAX_CMP];
	uint32_t act;
	int n, dup, rc = 0;
	if (!rule_applies(rule, caps))
		return 0;
	if (parse_action(json_str(rule, "action"), cJSON_GetObjectItemCaseSensitive(rule, "errnoRet"), &act, e) < 0)
		return -1;
	if (parse_args(cJSON_GetObjectItemCaseSensitive(rule, "args"), cmp, &n, &dup) < 0)
		return err_set(e, EXIT_SETUP, "bad args (index 0-5, value, op SCMP_CMP_*)");
	const char **names = json_strv(rule, "names");
	if (!names)
		return err_set(e, EXIT_SETUP, "names is not a list of strings");
	for (int i = 0; rc == 0 && act != def && names[i]; i++) {
		int nr = seccomp_syscall_resolve_name(names[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;   /* not a call of this architecture or kernel */
		if (!dup)
			rc = seccomp_rule_add_array(ctx, act, nr, (unsigned)n, cmp);
		for (int k = 0; dup && rc == 0 && k < n; k++)
			rc = seccomp_rule_add_array(ctx, act, nr, 1, &cmp[k]);
		if (rc == -EEXIST)
			rc = 0;   /* an earlier rule (or fakeroot's) already decides it */
		if (rc < 0)
			err_set(e, EXIT_SETUP, "cannot add the rule for %s: %s", names[i], strerror(-rc));
	}
	free(names);
	return rc < 0 ? -1 : 0;
}

scmp_filter_ctx profile_build(const char *json, size_t len, uint64_t caps,
			      int (*first)(scmp_filter_ctx), struct err *e)
{
	cJSON *p = json_parse_buf(json, len, "seccomp profile", e);
	scmp_filter_ctx ctx = NULL;
	uint32_t def;
	if (!p)
		return NULL;
	if (parse_action(json_str(p, "defaultAction"), cJSON_GetObjectItemCaseSensitive(p, "defaultErrnoRet"),
			 &def, e) < 0) {
		err_ctx(e, "defaultAction");
		goto out;
	}
	if (!(ctx = seccomp_init(def))) {
		err_set(e, EXIT_SETUP, "seccomp_init failed");
		goto out;
	}
	/* a binary tree of syscall numbers (a profile lists hundreds) */
	int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2), i = 0;
	if (rc == 0 && first)
		rc = first(ctx);
	if (rc < 0) {
		err_set(e, EXIT_SETUP, "seccomp rules: %s", strerror(-rc));
		goto fail;
	}
	if ((rc = add_arches(ctx, p)) < 0) {
		err_set(e, EXIT_SETUP, "archMap: %s", strerror(-rc));
		goto fail;
	}
	const cJSON *rule, *list = cJSON_GetObjectItemCaseSensitive(p, "syscalls");
	if (list && !cJSON_IsArray(list)) {
		err_set(e, EXIT_SETUP, "syscalls is not a list");
		goto fail;
	}
	cJSON_ArrayForEach(rule, list) {
		if (add_rule(ctx, rule, def, caps, e) < 0) {
			err_ctx(e, "syscalls[%d]", i);
			goto fail;
		}
		i++;
	}
	goto out;
fail:
	seccomp_release(ctx);
	ctx = NULL;
out:
	cJSON_Delete(p);
	return ctx;
}
