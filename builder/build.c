/* boxcar build: plan the stages the target needs, run each instruction on
 * its stage's image, write the target's image as a packed file. */
#include "builder.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "../common/fsutil.h"
#include "../common/json.h"
#include "../common/log.h"
#include "../common/xio.h"
#include "../runner/net.h"
#include "../pack/save.h"
#include "expand.h"
#include "sandbox.h"

#define DOCKERFILE_MAX (16u << 20)

/* ------------------------------------------------------------ variables */

const struct var *vars_get(const struct vars *vs, const char *name)
{
	for (int i = vs->n - 1; i >= 0; i--)
		if (!strcmp(vs->v[i].name, name))
			return &vs->v[i];
	return NULL;
}

int vars_set(struct vars *vs, const char *name, const char *value)
{
	char *n = strdup(name), *v = value ? strdup(value) : NULL;
	struct var *nv = realloc(vs->v, ((size_t)vs->n + 1) * sizeof *nv);
	if (!n || (value && !v) || !nv) {
		free(n), free(v);
		if (nv)
			vs->v = nv;
		return -1;
	}
	vs->v = nv;
	for (int i = 0; i < vs->n; i++)
		if (!strcmp(vs->v[i].name, name)) {
			free(vs->v[i].value);
			free(n);
			vs->v[i].value = v;
			return 0;
		}
	vs->v[vs->n++] = (struct var){ n, v };
	return 0;
}

void vars_free(struct vars *vs)
{
	for (int i = 0; i < vs->n; i++)
		free(vs->v[i].name), free(vs->v[i].value);
	free(vs->v);
	vs->v = NULL, vs->n = 0;
}

const char *b_arch(const struct builder *b)
{
	const char *a = image_arch();
	struct err e = { 0 };
	if (b->o->pull.platform && image_target_arch(b->o->pull.platform, &a, &e) < 0)
		a = image_arch();   /* (checked when the options were read) */
	return a;
}

int b_fail(struct builder *b, struct err *e, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (b->in)
		return err_set(e, EXIT_PACK, "%s:%d: %s", b->dfname, b->in->line, msg);
	return err_set(e, EXIT_PACK, "%s: %s", b->dfname, msg);
}

int b_wrap(struct builder *b, struct err *e, const char *what)
{
	char why[sizeof e->msg];
	snprintf(why, sizeof why, "%s", e->msg);
	*e = (struct err){ 0 };
	return b_fail(b, e, "%s: %s", what, why);
}

static cJSON *cfg_obj(cJSON *config)
{
	cJSON *c = cJSON_GetObjectItemCaseSensitive(config, "config");
	if (!cJSON_IsObject(c)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "config");
		c = cJSON_AddObjectToObject(config, "config");
	}
	return c;
}

/* The value of NAME in the image's Env, or NULL. */
static const char *env_get(const cJSON *config, const char *name)
{
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(config, "config"), "Env"), *v;
	size_t n = strlen(name);
	cJSON_ArrayForEach(v, env)
		if (cJSON_IsString(v) && !strncmp(v->valuestring, name, n) && v->valuestring[n] == '=')
			return v->valuestring + n + 1;
	return NULL;
}

/* ENV wins over ARG, as in Docker; before the first FROM, the global ARGs. */
static const char *lookup(const char *name, void *arg)
{
	struct builder *b = arg;
	if (!b->cur) {
		const struct var *g = vars_get(&b->global, name);
		return g ? g->value : NULL;
	}
	const char *v = b->cur->img.config ? env_get(b->cur->img.config, name) : NULL;
	if (v)
		return v;
	const struct var *a = vars_get(&b->cur->args, name);
	return a ? a->value : NULL;
}

char *b_expand(struct builder *b, const char *word, struct err *e)
{
	struct err why = { 0 };
	char *s = df_expand_word(word, b->df.escape, lookup, b, &why);
	if (!s)
		b_fail(b, e, "%s", why.msg);
	return s;
}

char *b_expand_text(struct builder *b, const char *text, struct err *e)
{
	struct err why = { 0 };
	char *s = df_expand_text(text, b->df.escape, lookup, b, &why);
	if (!s)
		b_fail(b, e, "%s", why.msg);
	return s;
}

int b_expand_words(struct builder *b, const char *text, char ***out, int *n, struct err *e)
{
	struct err why = { 0 };
	if (df_expand_words(text, b->df.escape, lookup, b, out, n, &why) < 0)
		return b_fail(b, e, "%s", why.msg);
	return 0;
}

static int expand_all(struct builder *b, char ***out, int *n, struct err *e)
{
	return b_expand_words(b, b->in->rest, out, n, e);
}

void b_key(const char *parent, const char *text, size_t len, char out[DIGEST_STR])
{
	struct digest d;
	digest_init(&d);
	digest_update(&d, parent, strlen(parent));
	digest_update(&d, "\n", 1);
	digest_update(&d, text, len);
	digest_final(&d, out);
}

/* ------------------------------------------------------------ the config */

static void now_string(const struct builder *b, char out[32])
{
	time_t t = b->epoch >= 0 ? (time_t)b->epoch : time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The time of the last history entry, or "" */
static const char *last_created(const cJSON *config)
{
	const cJSON *h = cJSON_GetObjectItemCaseSensitive(config, "history");
	const char *t = json_str(cJSON_GetArrayItem(h, cJSON_GetArraySize(h) - 1), "created");
	return t ? t : "";
}

/* A step that adds a layer is stamped now; one that only changes the
 * config takes its parent's time, so that a rebuild where every layer
 * comes from the cache gives the very same config (and file). */
int b_history(struct builder *b, cJSON *config, int empty)
{
	char when[32], *by = NULL;
	now_string(b, when);
	if (empty && *last_created(config) && b->epoch < 0)
		snprintf(when, sizeof when, "%s", last_created(config));
	cJSON *h = cJSON_GetObjectItemCaseSensitive(config, "history");
	if (!cJSON_IsArray(h)) {
		cJSON_DeleteItemFromObjectCaseSensitive(config, "history");
		h = cJSON_AddArrayToObject(config, "history");
	}
	cJSON *ent = cJSON_CreateObject();
	if (!h || !ent || asprintf(&by, "%s # buildkit", b->in->text) < 0) {
		cJSON_Delete(ent);
		return -1;
	}
	cJSON_AddStringToObject(ent, "created", when);
	cJSON_AddStringToObject(ent, "created_by", by);
	cJSON_AddStringToObject(ent, "comment", "buildkit.dockerfile.v0");
	if (empty)
		cJSON_AddBoolToObject(ent, "empty_layer", 1);
	cJSON_AddItemToArray(h, ent);
	free(by);
	return 0;
}

/* Set NAME=VALUE in the config's Env (replacing NAME's earlier value). */
static int env_put(cJSON *config, const char *name, const char *value)
{
	cJSON *c = cfg_obj(config), *env = cJSON_GetObjectItemCaseSensitive(c, "Env"), *v;
	char *kv = NULL;
	if (!cJSON_IsArray(env)) {
		cJSON_DeleteItemFromObjectCaseSensitive(c, "Env");
		env = cJSON_AddArrayToObject(c, "Env");
	}
	if (!env || asprintf(&kv, "%s=%s", name, value) < 0)
		return -1;
	size_t n = strlen(name);
	int i = 0;
	cJSON_ArrayForEach(v, env) {
		if (cJSON_IsString(v) && !strncmp(v->valuestring, name, n) && v->valuestring[n] == '=') {
			cJSON_ReplaceItemInArray(env, i, cJSON_CreateString(kv));
			free(kv);
			return 0;
		}
		i++;
	}
	cJSON_AddItemToArray(env, cJSON_CreateString(kv));
	free(kv);
	return 0;
}

/* An object member of the config ("Labels", "ExposedPorts", "Volumes"). */
static cJSON *cfg_map(cJSON *config, const char *key)
{
	cJSON *c = cfg_obj(config), *m = cJSON_GetObjectItemCaseSensitive(c, key);
	if (!cJSON_IsObject(m)) {
		cJSON_DeleteItemFromObjectCaseSensitive(c, key);
		m = cJSON_AddObjectToObject(c, key);
	}
	return m;
}

static void map_put(cJSON *m, const char *key, cJSON *val)
{
	cJSON_DeleteItemFromObjectCaseSensitive(m, key);
	cJSON_AddItemToObject(m, key, val);
}

static void cfg_set(cJSON *config, const char *key, cJSON *val)
{
	cJSON *c = cfg_obj(config);
	cJSON_DeleteItemFromObjectCaseSensitive(c, key);
	cJSON_AddItemToObject(c, key, val);
}

static cJSON *strv_json(char *const *v, int n)
{
	cJSON *a = cJSON_CreateArray();
	for (int i = 0; a && i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* The stage's SHELL (default /bin/sh -c) as a cJSON array. */
static const cJSON *stage_shell(struct builder *b)
{
	const cJSON *sh = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b->cur->img.config, "config"), "Shell");
	return cJSON_IsArray(sh) && cJSON_GetArraySize(sh) ? sh : NULL;
}

/* CMD, ENTRYPOINT, RUN: the exec form as it is, the shell form with SHELL. */
static cJSON *command_json(struct builder *b, const char *text)
{
	const struct df_inst *in = b->in;
	if (in->json)
		return strv_json(in->args, in->nargs);
	const cJSON *sh = stage_shell(b);
	cJSON *a = sh ? cJSON_Duplicate(sh, 1) : cJSON_CreateArray();
	if (!sh && a)
		cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh")), cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
	if (a)
		cJSON_AddItemToArray(a, cJSON_CreateString(text));
	return a;
}

/* "KEY=VALUE ..." pairs (ENV, LABEL, ARG), or ENV's old "KEY VALUE". */
static int pairs(struct builder *b, int legacy_ok, int (*put)(struct builder *, const char *, const char *, struct err *),
		 struct err *e)
{
	const struct df_inst *in = b->in;
	if (legacy_ok && in->nargs && !strchr(in->args[0], '=')) {
		const char *val = in->rest + strlen(in->args[0]);
		val += strspn(val, " \t");
		char *k = b_expand(b, in->args[0], e), *v = k ? b_expand(b, val, e) : NULL;
		int rc = v ? put(b, k, v, e) : -1;
		free(k), free(v);
		return rc;
	}
	/* every word is expanded before any is set: within one instruction a
	 * variable has the value it had before it (Docker's rule) */
	char **kv = calloc((size_t)in->nargs + 1, sizeof *kv);
	int rc = kv ? 0 : err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; rc == 0 && i < in->nargs; i++) {
		if (!(kv[i] = b_expand(b, in->args[i], e)))
			rc = -1;
		else if (!strchr(kv[i], '='))
			rc = b_fail(b, e, "%s needs KEY=VALUE, not '%s'", df_kind_name(in->kind), in->args[i]);
	}
	for (int i = 0; rc == 0 && i < in->nargs; i++) {
		char *eq = strchr(kv[i], '=');
		*eq = 0;
		rc = put(b, kv[i], eq + 1, e);
	}
	for (int i = 0; kv && i < in->nargs; i++)
		free(kv[i]);
	free(kv);
	return rc;
}

static int put_env(struct builder *b, const char *k, const char *v, struct err *e)
{
	if (!*k)
		return b_fail(b, e, "ENV names no variable");
	return env_put(b->cur->img.config, k, v) < 0 ? err_set(e, EXIT_PACK, "out of memory") : 0;
}

static int put_label(struct builder *b, const char *k, const char *v, struct err *e)
{
	map_put(cfg_map(b->cur->img.config, "Labels"), k, cJSON_CreateString(v));
	return 0;
}

/* ------------------------------------------------------------ ARG */

static const char *const proxy_args[] = {
	"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY", "ftp_proxy",
	"NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", NULL,
};

static int is_proxy_arg(const char *name)
{
	for (int i = 0; proxy_args[i]; i++)
		if (!strcmp(name, proxy_args[i]))
			return 1;
	return 0;
}

/* A --build-arg's value, marked used; NULL when not given. */
static const char *build_arg(struct builder *b, const char *name)
{
	const struct var *v = vars_get(&b->bargs, name);
	if (!v)
		return NULL;
	b->bargs_used[v - b->bargs.v] = 1;
	return v->value;
}

/* ARG NAME[=DEFAULT] ...: the build arg, else the default, else (in a
 * stage) the global ARG of that name. */
static int arg_step(struct builder *b, struct vars *scope, struct err *e)
{
	const struct df_inst *in = b->in;
	for (int i = 0; i < in->nargs; i++) {
		const char *eq = strchr(in->args[i], '=');
		char *name = strndup(in->args[i], eq ? (size_t)(eq - in->args[i]) : strlen(in->args[i]));
		char *def = name && eq ? b_expand(b, eq + 1, e) : NULL;
		if (!name || (eq && !def)) {
			free(name);
			return name ? -1 : err_set(e, EXIT_PACK, "out of memory");
		}
		const char *val = build_arg(b, name);
		const struct var *g = vars_get(&b->global, name);
		if (!val)
			val = def ? def : g ? g->value : NULL;
		int rc = *name ? vars_set(scope, name, val) : b_fail(b, e, "ARG names no variable");
		free(name), free(def);
		if (rc < 0)
			return e->code ? -1 : err_set(e, EXIT_PACK, "out of memory");
	}
	return 0;
}

/* The ARGs a RUN sees in its environment: the stage's with values, and
 * the proxy build args (which stay out of the image and its history). */
static char **run_env(struct builder *b)
{
	int n = 0, cap = b->cur->args.n + 11;
	char **env = calloc((size_t)cap + 1, sizeof *env);
	for (int i = 0; env && i < b->cur->args.n; i++) {
		const struct var *v = &b->cur->args.v[i];
		if (v->value && !env_get(b->cur->img.config, v->name) && asprintf(&env[n], "%s=%s", v->name, v->value) >= 0)
			n++;
	}
	for (int i = 0; env && proxy_args[i]; i++) {
		const char *v = vars_get(&b->cur->args, proxy_args[i]) ? NULL : build_arg(b, proxy_args[i]);
		if (v && asprintf(&env[n], "%s=%s", proxy_args[i], v) >= 0)
			n++;
	}
	return env;
}

/* ------------------------------------------------------------ metadata */

static int expose_step(struct builder *b, struct err *e)
{
	char **w;
	int n;
	if (expand_all(b, &w, &n, e) < 0)
		return -1;
	cJSON *m = cfg_map(b->cur->img.config, "ExposedPorts");
	int rc = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		char port[64];
		const char *slash = strchr(w[i], '/');
		long p = strtol(w[i], NULL, 10);
		int ok = p > 0 && p < 65536 && strspn(w[i], "0123456789-") == (size_t)(slash ? slash - w[i] : (long)strlen(w[i])) &&
			 (!slash || !strcmp(slash, "/tcp") || !strcmp(slash, "/udp") || !strcmp(slash, "/sctp"));
		if (!ok || strlen(w[i]) > 40)
			rc = b_fail(b, e, "EXPOSE: bad port '%s' (want PORT or PORT/tcp|udp|sctp)", w[i]);
		else {
			snprintf(port, sizeof port, "%s%s", w[i], slash ? "" : "/tcp");
			map_put(m, port, cJSON_CreateObject());
		}
	}
	df_strv_free(w);
	return rc;
}

static int volume_step(struct builder *b, struct err *e)
{
	char **w = b->in->args;
	int n = b->in->nargs, own = 0, rc = 0;
	if (!b->in->json) {
		if (expand_all(b, &w, &n, e) < 0)
			return -1;
		own = 1;
	}
	cJSON *m = cfg_map(b->cur->img.config, "Volumes");
	for (int i = 0; rc == 0 && i < n; i++)
		if (!*w[i])
			rc = b_fail(b, e, "VOLUME: an empty path");
		else
			map_put(m, w[i], cJSON_CreateObject());
	if (own)
		df_strv_free(w);
	return rc;
}

/* A clean absolute path: WORKDIR relative to the previous one. */
char *b_clean_path(const char *base, const char *p)
{
	size_t n = strlen(base) + strlen(p) + 3;
	char *in = malloc(n), *out = malloc(n);
	if (!in || !out)
		return free(in), free(out), NULL;
	snprintf(in, n, "%s/%s", *p == '/' ? "" : base, p);
	size_t o = 0;
	for (char *s = in, *tok; (tok = strsep(&s, "/")); ) {
		if (!*tok || !strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			while (o > 0 && out[--o] != '/')
				;
			continue;
		}
		o += (size_t)sprintf(out + o, "/%s", tok);
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = 0;
	free(in);
	return out;
}

const char *b_workdir(const cJSON *config)
{
	const char *w = json_str(cJSON_GetObjectItemCaseSensitive(config, "config"), "WorkingDir");
	return w && *w ? w : "/";
}

static int workdir_step(struct builder *b, struct err *e)
{
	char *w = b_expand(b, b->in->rest, e);
	if (!w)
		return -1;
	char *p = b_clean_path(b_workdir(b->cur->img.config), w);
	free(w);
	if (!p)
		return err_set(e, EXIT_PACK, "out of memory");
	cfg_set(b->cur->img.config, "WorkingDir", cJSON_CreateString(p));
	free(p);
	return 0;
}

static int word_step(struct builder *b, const char *key, struct err *e)
{
	char *w = b_expand(b, b->in->rest, e);
	if (!w)
		return -1;
	if (!*w) {
		free(w);
		return b_fail(b, e, "%s needs a value", df_kind_name(b->in->kind));
	}
	cfg_set(b->cur->img.config, key, cJSON_CreateString(w));
	free(w);
	return 0;
}

static int cmd_step(struct builder *b, const char *key, struct err *e)
{
	cJSON *a = command_json(b, b->in->rest);
	if (!a)
		return err_set(e, EXIT_PACK, "out of memory");
	cfg_set(b->cur->img.config, key, a);
	if (!strcmp(key, "Cmd"))
		b->cur->cmd_set = 1;
	else if (!b->cur->cmd_set)   /* an inherited Cmd goes with a new ENTRYPOINT */
		cfg_set(b->cur->img.config, "Cmd", cJSON_CreateNull());
	return 0;
}

static int shell_step(struct builder *b, struct err *e)
{
	if (!b->in->json || b->in->nargs == 0)
		return b_fail(b, e, "SHELL needs the JSON form, e.g. SHELL [\"/bin/bash\", \"-c\"]");
	cfg_set(b->cur->img.config, "Shell", strv_json(b->in->args, b->in->nargs));
	return 0;
}

/* Go's duration syntax ("30s", "1m30s", "500ms") in nanoseconds; -1 if bad. */
static double duration_ns(const char *s)
{
	static const struct { const char *u; double ns; } units[] = {
		{ "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
	};
	double total = 0;
	if (!*s)
		return -1;
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t ul = strspn(end, "nusmh");
		int found = 0;
		if (end == s || ul == 0)
			return -1;
		for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
			if (strlen(units[i].u) == ul && !strncmp(end, units[i].u, ul))
				total += v * units[i].ns, found = 1;
		if (!found)
			return -1;
		s = end + ul;
	}
	return total;
}

static int healthcheck_step(struct builder *b, struct err *e)
{
	static const char *const flags[][2] = {
		{ "interval", "Interval" }, { "timeout", "Timeout" }, { "start-period", "StartPeriod" },
		{ "start-interval", "StartInterval" },
	};
	const struct df_inst *in = b->in;
	cJSON *h = cJSON_CreateObject(), *test;
	if (!in->sub) {
		test = cJSON_CreateArray();
		cJSON_AddItemToArray(test, cJSON_CreateString("NONE"));
	} else if (in->sub->json) {
		test = strv_json(in->sub->args, in->sub->nargs);
		cJSON_InsertItemInArray(test, 0, cJSON_CreateString("CMD"));
	} else {
		test = cJSON_CreateArray();
		cJSON_AddItemToArray(test, cJSON_CreateString("CMD-SHELL"));
		cJSON_AddItemToArray(test, cJSON_CreateString(in->sub->rest));
	}
	cJSON_AddItemToObject(h, "Test", test);
	for (size_t i = 0; in->sub && i < sizeof flags / sizeof flags[0]; i++) {
		const char *v = df_flag(in, flags[i][0]);
		double ns = v ? duration_ns(v) : 0;
		if (ns < 0) {
			cJSON_Delete(h);
			return b_fail(b, e, "HEALTHCHECK --%s: bad duration '%s' (e.g. 30s, 1m30s)", flags[i][0], v);
		}
		if (v)
			cJSON_AddNumberToObject(h, flags[i][1], ns);
	}
	const char *r = in->sub ? df_flag(in, "retries") : NULL;
	if (r) {
		char *end;
		long n = strtol(r, &end, 10);
		if (!*r || *end || n < 0 || n > 1000000) {
			cJSON_Delete(h);
			return b_fail(b, e, "HEALTHCHECK --retries: bad number '%s'", r);
		}
		cJSON_AddNumberToObject(h, "Retries", (double)n);
	}
	cfg_set(b->cur->img.config, "Healthcheck", h);
	return 0;
}

static int onbuild_step(struct builder *b, struct err *e)
{
	const char *t = b->in->text + strspn(b->in->text, " \t") + 7;   /* after "ONBUILD" */
	cJSON *c = cfg_obj(b->cur->img.config), *ob = cJSON_GetObjectItemCaseSensitive(c, "OnBuild");
	if (!cJSON_IsArray(ob)) {
		cJSON_DeleteItemFromObjectCaseSensitive(c, "OnBuild");
		ob = cJSON_AddArrayToObject(c, "OnBuild");
	}
	cJSON_AddItemToArray(ob, cJSON_CreateString(t + strspn(t, " \t")));
	return 0;
}

static int maintainer_step(struct builder *b, struct err *e)
{
	cJSON_DeleteItemFromObjectCaseSensitive(b->cur->img.config, "author");
	cJSON_AddStringToObject(b->cur->img.config, "author", b->in->rest);
	return 0;
}

/* ------------------------------------------------------------ layers */

void b_set_diff_ids(struct bimage *img)
{
	cJSON *rootfs = cJSON_CreateObject(), *ids = cJSON_CreateArray();
	cJSON_AddStringToObject(rootfs, "type", "layers");
	for (int i = 0; i < img->nlayers; i++)
		cJSON_AddItemToArray(ids, cJSON_CreateString(img->layers[i].diff_id));
	cJSON_AddItemToObject(rootfs, "diff_ids", ids);
	cJSON_DeleteItemFromObjectCaseSensitive(img->config, "rootfs");
	cJSON_AddItemToObject(img->config, "rootfs", rootfs);
}

/* A tar with no entries: its first block is all zeros. */
static int tar_empty(const char *tar)
{
	unsigned char blk[512];
	int fd = open(tar, O_RDONLY | O_CLOEXEC);
	int ok = fd >= 0 && read_full(fd, blk, sizeof blk) == 0;
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; ok && i < sizeof blk; i++)
		if (blk[i])
			return 0;
	return 1;
}

int b_add_layer(struct builder *b, const char *tar, const char *key, struct err *e)
{
	struct bimage *img = &b->cur->img;
	int empty = tar_empty(tar), rc = 0;
	if (!empty) {
		struct image_layer l = { .path = (char *)tar };
		struct payload_layer pl;
		if (store_add_layer(&b->s, &l, &b->o->wo, &pl, e) < 0)
			rc = -1;
		else if (bimage_add_layer(img, &pl) < 0)
			rc = err_set(e, EXIT_PACK, "out of memory");
		else
			b_set_diff_ids(img);
	}
	unlink(tar);
	if (rc == 0 && b_history(b, img->config, empty) < 0)
		rc = err_set(e, EXIT_PACK, "out of memory");
	if (rc == 0)
		rc = store_put_step(&b->s, key, img, e);
	return rc;
}

int b_cached(struct builder *b, const char *key)
{
	struct bimage hit;
	if (b->o->no_cache || !store_get_step(&b->s, key, &hit))
		return 0;
	bimage_free(&b->cur->img);
	b->cur->img = hit;
	return 1;
}

/* ------------------------------------------------------------ RUN */

/* RUN <<EOF alone runs the heredoc as the script; otherwise the
 * heredocs follow the command as the shell reads them. */
static char *run_text(struct builder *b, struct err *e)
{
	const struct df_inst *in = b->in;
	char *t = NULL;
	if (!in->nheredocs)
		return strdup(in->rest);
	if (in->nheredocs == 1 && !strncmp(in->rest, "<<", 2) && !strpbrk(in->rest, " \t")) {
		return strdup(in->heredocs[0].body);   /* (the shell expands it, as it runs it) */
	}
	size_t n = strlen(in->rest) + 2;
	for (int i = 0; i < in->nheredocs; i++)
		n += strlen(in->heredocs[i].body) + strlen(in->heredocs[i].name) + 2;
	if (!(t = malloc(n)))
		return NULL;
	size_t o = (size_t)sprintf(t, "%s\n", in->rest);
	for (int i = 0; i < in->nheredocs; i++)
		o += (size_t)sprintf(t + o, "%s%s\n", in->heredocs[i].body, in->heredocs[i].name);
	return t;
}

static char **json_to_argv(const cJSON *a)
{
	int n = cJSON_GetArraySize(a), i = 0;
	char **v = calloc((size_t)n + 1, sizeof *v);
	const cJSON *s;
	cJSON_ArrayForEach(s, a)
		if (v && cJSON_IsString(s))
			v[i++] = s->valuestring;
	return v;
}

static int run_step(struct builder *b, struct err *e)
{
	/* (qemu-user, which could run another arch's programs, cannot make the namespaces a RUN needs) */
	if (strcmp(b_arch(b), image_arch()))
		return b_fail(b, e, "RUN runs programs of the image, and this linux/%s host cannot run linux/%s ones: "
			      "build for linux/%s on a linux/%s host, or leave RUN out", image_arch(), b_arch(b),
			      b_arch(b), b_arch(b));
	char *text = b->in->json ? NULL : run_text(b, e);
	if (!b->in->json && !text)
		return e->code ? -1 : err_set(e, EXIT_PACK, "out of memory");
	cJSON *cmd = command_json(b, text ? text : "");
	char **argv = cmd ? json_to_argv(cmd) : NULL, **env = run_env(b);
	char *key_text = cmd ? cJSON_PrintUnformatted(cmd) : NULL, key[DIGEST_STR];
	int rc = -1;
	if (!argv || !env || !key_text) {
		err_set(e, EXIT_PACK, "out of memory");
		goto out;
	}
	/* the key: the command, the args it sees, the network */
	struct digest d;
	digest_init(&d);
	digest_update(&d, b->cur->key, strlen(b->cur->key));
	digest_update(&d, key_text, strlen(key_text) + 1);
	for (int i = 0; env[i]; i++) {   /* (proxies stay out of it, as in BuildKit) */
		char name[128];
		snprintf(name, sizeof name, "%.*s", (int)strcspn(env[i], "="), env[i]);
		if (!is_proxy_arg(name))
			digest_update(&d, env[i], strlen(env[i]) + 1);
	}
	digest_update(&d, b->o->net == RUNNER_NET_NONE ? "none" : "host", 5);
	digest_final(&d, key);
	if (b_cached(b, key)) {
		rc = 1;
		goto out;
	}
	struct run_req r = { argv, env, b->o->net, b->epoch };
	char *scratch = store_scratch(&b->s, e), *tar = NULL;
	if (scratch && asprintf(&tar, "%s.tar", scratch) < 0)
		tar = NULL;
	if (scratch && tar)
		rc = sandbox_run(&b->s, &b->cur->img, &r, scratch, tar, e);
	if (rc < 0 && e->code)
		b_wrap(b, e, "RUN failed");
	if (rc == 0)
		rc = b_add_layer(b, tar, key, e);
	if (scratch)
		rmtree_at(AT_FDCWD, scratch);
	if (tar)
		unlink(tar);
	free(scratch), free(tar);
out:
	memcpy(b->cur->key, key, sizeof key);
	for (int i = 0; env && env[i]; i++)
		free(env[i]);
	free(env), free(argv), free(key_text), free(text);
	cJSON_Delete(cmd);
	return rc;
}

/* ------------------------------------------------------------ a stage */

/* Instructions that only change the config: a history entry, and a key
 * that covers what they made of it. */
static int meta_step(struct builder *b, struct err *e)
{
	const struct df_inst *in = b->in;
	int rc;
	switch (in->kind) {
	case DF_ENV: rc = pairs(b, 1, put_env, e); break;
	case DF_LABEL: rc = pairs(b, 0, put_label, e); break;
	case DF_ARG: rc = arg_step(b, &b->cur->args, e); break;
	case DF_USER: rc = word_step(b, "User", e); break;
	case DF_STOPSIGNAL: rc = word_step(b, "StopSignal", e); break;
	case DF_EXPOSE: rc = expose_step(b, e); break;
	case DF_VOLUME: rc = volume_step(b, e); break;
	case DF_CMD: rc = cmd_step(b, "Cmd", e); break;
	case DF_ENTRYPOINT: rc = cmd_step(b, "Entrypoint", e); break;
	case DF_SHELL: rc = shell_step(b, e); break;
	case DF_HEALTHCHECK: rc = healthcheck_step(b, e); break;
	case DF_ONBUILD: rc = onbuild_step(b, e); break;
	case DF_MAINTAINER: rc = maintainer_step(b, e); break;
	default: return b_fail(b, e, "%s is not allowed here", df_kind_name(in->kind));
	}
	if (rc < 0)
		return -1;
	cJSON *c = cJSON_GetObjectItemCaseSensitive(b->cur->img.config, "config");
	char *cfg = c ? cJSON_PrintUnformatted(c) : strdup("");
	char *args = NULL;
	size_t alen = 0;
	FILE *f = open_memstream(&args, &alen);
	for (int i = 0; f && i < b->cur->args.n; i++)
		fprintf(f, "%s=%s\n", b->cur->args.v[i].name, b->cur->args.v[i].value ? b->cur->args.v[i].value : "");
	if (!cfg || !f || fclose(f) != 0) {
		free(cfg), free(args);
		return err_set(e, EXIT_PACK, "out of memory");
	}
	size_t n = strlen(in->text) + strlen(cfg) + alen + 2;
	char *t = malloc(n);
	if (t) {
		snprintf(t, n, "%s\n%s\n%s", in->text, cfg, args);
		b_key(b->cur->key, t, strlen(t), b->cur->key);
	}
	free(cfg), free(args), free(t);
	if (!t || b_history(b, b->cur->img.config, 1) < 0)
		return err_set(e, EXIT_PACK, "out of memory");
	return 0;
}

static int step(struct builder *b, struct err *e)
{
	uint64_t t0 = now_ms();
	int rc;
	b->step++;
	if (log_level > LOG_QUIET)
		fprintf(stderr, "[%d/%d] %s\n", b->step, b->nsteps, b->in->text);
	switch (b->in->kind) {
	case DF_RUN: rc = run_step(b, e); break;
	case DF_COPY: case DF_ADD: rc = copy_step(b, e); break;
	case DF_WORKDIR: rc = workdir_step(b, e) < 0 ? -1 : workdir_layer(b, e); break;
	default: rc = meta_step(b, e); break;
	}
	if (rc < 0 || log_level <= LOG_QUIET || (rc == 0 && b->in->kind != DF_RUN && b->in->kind != DF_COPY &&
						b->in->kind != DF_ADD && b->in->kind != DF_WORKDIR))
		return rc < 0 ? -1 : 0;
	if (rc > 0)
		fprintf(stderr, "  -> cached\n");
	else
		fprintf(stderr, "  -> done in %.2f s\n", (double)(now_ms() - t0) / 1000);
	return 0;
}

/* The base image's ONBUILD triggers run first, then are dropped. */
static int onbuild_triggers(struct builder *b, struct err *e)
{
	cJSON *c = cfg_obj(b->cur->img.config), *ob = cJSON_DetachItemFromObjectCaseSensitive(c, "OnBuild"), *t;
	int rc = 0;
	cJSON_ArrayForEach(t, ob) {
		struct dockerfile sub;
		const struct df_inst *saved = b->in;
		if (!cJSON_IsString(t))
			continue;
		/* (a FROM first, so the parser takes the trigger alone) */
		char *text = NULL;
		if (asprintf(&text, "FROM scratch\n%s\n", t->valuestring) < 0)
			rc = err_set(e, EXIT_PACK, "out of memory");
		else if (dockerfile_parse(text, strlen(text), "ONBUILD trigger", &sub, e) < 0)
			rc = -1;
		else {
			for (int i = 1; rc == 0 && i < sub.ninst; i++) {
				b->in = &sub.inst[i];
				rc = step(b, e);
			}
			b->in = saved;
			dockerfile_free(&sub);
		}
		free(text);
		if (rc < 0)
			break;
	}
	cJSON_Delete(ob);
	return rc;
}

static int stage_run(struct builder *b, struct stage *st, struct err *e)
{
	b->cur = st;
	b->in = &b->df.inst[st->first];
	b->step++;
	if (log_level > LOG_QUIET)
		fprintf(stderr, "[%d/%d] %s\n", b->step, b->nsteps, b->in->text);
	b->cur = NULL;   /* (FROM sees the global ARGs only) */
	char *ref = b_expand(b, b->in->args[0], e);
	b->cur = st;
	int rc = ref ? from_image(b, ref, &st->img, st->key, e) : -1;
	free(ref);
	if (rc < 0)
		return -1;
	if (onbuild_triggers(b, e) < 0)
		return -1;
	for (int i = st->first + 1; i < st->end; i++) {
		b->in = &b->df.inst[i];
		if (step(b, e) < 0)
			return -1;
	}
	st->done = 1;
	return 0;
}

/* ------------------------------------------------------------ the plan */

struct stage *b_stage(struct builder *b, const char *ref)
{
	char *end;
	long n = strtol(ref, &end, 10);
	if (*ref && !*end && n >= 0 && n < b->nstages)
		return &b->stages[n];
	for (int i = 0; i < b->nstages; i++)
		if (b->stages[i].name && !strcasecmp(b->stages[i].name, ref))
			return &b->stages[i];
	return NULL;
}

/* Split the instructions into stages; the ARGs before the first FROM are
 * the global ones. */
static int plan_stages(struct builder *b, struct err *e)
{
	b->stages = calloc((size_t)b->df.ninst + 1, sizeof *b->stages);
	if (!b->stages)
		return err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; i < b->df.ninst; i++) {
		const struct df_inst *in = b->in = &b->df.inst[i];
		if (in->kind != DF_FROM) {
			if (b->nstages)
				b->stages[b->nstages - 1].end = i + 1;
			else if (in->kind != DF_ARG)
				return b_fail(b, e, "%s before the first FROM (only ARG may come before it)", df_kind_name(in->kind));
			else if (arg_step(b, &b->global, e) < 0)
				return -1;
			continue;
		}
		if (in->nargs != 1 && !(in->nargs == 3 && !strcasecmp(in->args[1], "AS")))
			return b_fail(b, e, "FROM takes IMAGE [AS NAME]");
		struct stage *st = &b->stages[b->nstages++];
		st->first = i, st->end = i + 1;
		if (in->nargs == 3) {
			if (b_stage(b, in->args[2]) || !(st->name = strdup(in->args[2])))
				return e->code ? -1 : b_fail(b, e, "a stage named '%s' already exists", in->args[2]);
			for (char *p = st->name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		}
	}
	b->in = NULL;
	return b->nstages ? 0 : b_fail(b, e, "no FROM instruction");
}

/* A ref (FROM's, COPY --from's) expanded with the global ARGs. */
static struct stage *ref_stage(struct builder *b, const char *word, const struct stage *before)
{
	struct err ignored = { 0 };
	struct stage *saved = b->cur;
	b->cur = NULL;
	char *ref = df_expand_word(word, b->df.escape, lookup, b, &ignored);
	b->cur = saved;
	struct stage *st = ref ? b_stage(b, ref) : NULL;
	free(ref);
	return st && st < before ? st : NULL;
}

static void mark_needed(struct builder *b, struct stage *st)
{
	if (st->needed)
		return;
	st->needed = 1;
	b->nsteps += st->end - st->first;
	const struct df_inst *from = &b->df.inst[st->first];
	struct stage *dep = ref_stage(b, from->args[0], st);
	if (dep)
		mark_needed(b, dep);
	for (int i = st->first + 1; i < st->end; i++) {
		const char *f = (b->df.inst[i].kind == DF_COPY || b->df.inst[i].kind == DF_ADD) ? df_flag(&b->df.inst[i], "from") : NULL;
		if (f && (dep = ref_stage(b, f, st)))
			mark_needed(b, dep);
	}
}

static int parse_build_args(struct builder *b, struct err *e)
{
	for (int i = 0; i < b->o->nbuild_args; i++) {
		const char *a = b->o->build_args[i], *eq = strchr(a, '=');
		char *name = strndup(a, eq ? (size_t)(eq - a) : strlen(a));
		const char *val = eq ? eq + 1 : name ? getenv(name) : NULL;
		int bad = !name || !*name || strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_") != strlen(name);
		int rc = bad ? -1 : (eq || val) ? vars_set(&b->bargs, name, val) : 0;
		free(name);
		if (bad)
			return err_set(e, EXIT_USAGE, "bad --build-arg '%s' (want NAME=VALUE or NAME)", a);
		if (rc < 0)
			return err_set(e, EXIT_PACK, "out of memory");
	}
	b->bargs_used = calloc((size_t)b->bargs.n + 1, 1);
	return b->bargs_used ? 0 : err_set(e, EXIT_PACK, "out of memory");
}

/* The automatic platform ARGs (TARGETARCH & co.), in the global scope. */
static int platform_args(struct builder *b, struct err *e)
{
	char plat[64], target[64];
	snprintf(plat, sizeof plat, "linux/%s", image_arch());
	snprintf(target, sizeof target, "linux/%s", b_arch(b));
	const char *kv[][2] = {
		{ "TARGETPLATFORM", target }, { "TARGETOS", "linux" }, { "TARGETARCH", b_arch(b) }, { "TARGETVARIANT", "" },
		{ "BUILDPLATFORM", plat }, { "BUILDOS", "linux" }, { "BUILDARCH", image_arch() }, { "BUILDVARIANT", "" },
	};
	for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
		if (vars_set(&b->global, kv[i][0], kv[i][1]) < 0)
			return err_set(e, EXIT_PACK, "out of memory");
	return 0;
}

/* ------------------------------------------------------------ the build */

static int load_dockerfile(struct builder *b, struct err *e)
{
	const struct build_opts *o = b->o;
	char *path = o->dockerfile ? strdup(o->dockerfile) : path_join(o->context, "Dockerfile");
	size_t len;
	if (!path)
		return err_set(e, EXIT_PACK, "out of memory");
	b->dfname = path;
	char *text = read_file_at(AT_FDCWD, path, DOCKERFILE_MAX, &len);
	if (!text)
		return errno == EFBIG ? err_set(e, EXIT_PACK, "%s is larger than 16 MiB", path)
			: err_sys(e, EXIT_PACK, "cannot read the Dockerfile %s", path);
	int rc = dockerfile_parse(text, len, path, &b->df, e);
	free(text);
	return rc;
}

static int open_context(struct builder *b, struct err *e)
{
	b->ctx = open(b->o->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b->ctx < 0)
		return err_sys(e, EXIT_PACK, "cannot open the build context %s", b->o->context);
	return ignore_load(b->ctx, b->dfname, &b->ig, e);
}

static void warn_unused_args(struct builder *b)
{
	for (int i = 0; i < b->bargs.n; i++)
		if (!b->bargs_used[i] && !is_proxy_arg(b->bargs.v[i].name))
			log_info("warning: --build-arg %s was not used by any ARG of the stages built", b->bargs.v[i].name);
}

/* ./NAME from the context directory's name. */
static char *default_out(const char *context)
{
	char *real = realpath(context, NULL), *out = NULL;
	const char *base = real ? strrchr(real, '/') : NULL;
	base = base && base[1] ? base + 1 : "image";
	if (asprintf(&out, "./%s", base) < 0)
		out = NULL;
	free(real);
	return out;
}

/* Where the output file is in the context, if it is: `boxcar build .`
 * writes ./NAME there, and the next build must not COPY it in. */
static char *output_in_context(const struct build_opts *o)
{
	char *out = o->out ? strdup(o->out) : default_out(o->context), *rel = NULL;
	char *slash = out ? strrchr(out, '/') : NULL;
	char *dir = out ? (slash ? strndup(out, (size_t)(slash - out + 1)) : strdup(".")) : NULL;
	char *rdir = dir ? realpath(dir, NULL) : NULL, *rctx = realpath(o->context, NULL);
	size_t n = rctx ? strlen(rctx) : 0;
	if (rdir && rctx && !strncmp(rdir, rctx, n) && (rdir[n] == '/' || !rdir[n]) &&
	    asprintf(&rel, "%s%s%s", rdir[n] ? rdir + n + 1 : "", rdir[n] ? "/" : "", slash ? slash + 1 : out) < 0)
		rel = NULL;
	free(out), free(dir), free(rdir), free(rctx);
	return rel;
}

/* Is out already this image (its config, its layers, this stub)? Then a
 * rebuild that changed nothing need not write it again. */
static int same_output(const char *out, const struct bimage *img, const struct writer_opts *wo)
{
	struct payload p;
	struct err ignored = { 0 };
	if (payload_open(out, NULL, &p, &ignored) < 0)
		return 0;
	int same = p.nlayers == img->nlayers && cJSON_Compare(p.config, img->config, 1) && !p.is_signed &&
	       !cJSON_GetObjectItemCaseSensitive(p.index, "trust") && payload_stub_end(&p) == wo->stub_len;
	for (int i = 0; same && i < p.nlayers; i++)
		same = !strcmp(p.layers[i].digest, img->layers[i].digest);
	unsigned char *buf = same ? malloc(wo->stub_len) : NULL;
	same = buf && pread_full(p.fd, buf, wo->stub_len, 0) == 0 && !memcmp(buf, wo->stub, wo->stub_len);
	free(buf);
	payload_close(&p);
	return same;
}

/* --oci, --docker-archive: the packed file saved as an image (pack/save.h). */
static int save_as(const char *file, const struct build_opts *o, struct err *e)
{
	struct save_opts so = { .format = SAVE_OCI, .dest = o->oci, .enc = (enum layer_enc)o->oci_enc };
	if (o->oci && save_image(file, &so, e) < 0)
		return -1;
	so = (struct save_opts){ .format = SAVE_DOCKER_ARCHIVE, .dest = o->docker_archive, .enc = ENC_NONE };
	if (o->docker_archive && save_image(file, &so, e) < 0)
		return -1;
	if (o->oci)
		log_info("saved %s as the OCI layout %s", file, o->oci);
	if (o->docker_archive)
		log_info("saved %s as the docker-archive %s", file, o->docker_archive);
	return 0;
}

/* Where the packed file goes: -o, ./NAME, or (only a layout or archive
 * asked for) a scratch file. */
static char *out_path(struct builder *b, int *scratch, struct err *e)
{
	char *p = NULL;
	*scratch = !b->o->out && (b->o->oci || b->o->docker_archive);
	if (*scratch) {
		char *d = store_scratch(&b->s, e);
		if (d && asprintf(&p, "%s/image", d) < 0)
			p = NULL;
		free(d);
		return p;
	}
	return b->o->out ? strdup(b->o->out) : default_out(b->o->context);
}

/* Before any work: the default ./NAME must not be a directory (it is the
 * context itself when building ./NAME from its parent). */
static int check_output(const struct build_opts *o, struct err *e)
{
	struct stat st;
	if (o->out || o->oci || o->docker_archive)
		return 0;
	char *p = default_out(o->context);
	int rc = p && stat(p, &st) == 0 && S_ISDIR(st.st_mode) ?
		 err_set(e, EXIT_USAGE, "the default output %s is a directory (the context?); name the file with -o FILE", p) : 0;
	free(p);
	return rc;
}

static int write_output(struct builder *b, struct stage *st, struct err *e)
{
	struct image img = { 0 };
	int scratch;
	char *out = out_path(b, &scratch, e), when[32];
	int rc = out ? 0 : e->code ? -1 : err_set(e, EXIT_PACK, "out of memory");
	for (int i = 0; rc == 0 && i < b->o->nlabels; i++) {
		const char *eq = strchr(b->o->labels[i], '=');
		char *k = strndup(b->o->labels[i], eq ? (size_t)(eq - b->o->labels[i]) : strlen(b->o->labels[i]));
		if (k)
			map_put(cfg_map(st->img.config, "Labels"), k, cJSON_CreateString(eq ? eq + 1 : ""));
		free(k);
	}
	now_string(b, when);
	if (*last_created(st->img.config) && b->epoch < 0)
		snprintf(when, sizeof when, "%s", last_created(st->img.config));
	cJSON_DeleteItemFromObjectCaseSensitive(st->img.config, "created");
	cJSON_AddStringToObject(st->img.config, "created", when);
	img.config = st->img.config;
	img.source = "boxcar build";
	for (int i = 0; rc == 0 && i < st->img.nlayers; i++) {
		const struct payload_layer *pl = &st->img.layers[i];
		char *path = store_blob_path(&b->s, pl->diff_id);
		struct image_layer *l = path ? image_add_layer(&img, path) : NULL;
		free(path);
		if (!l) {
			rc = err_set(e, EXIT_PACK, "out of memory");
			break;
		}
		l->verbatim = 1, l->offset = 0, l->size = pl->size, l->usize = pl->usize;
		memcpy(l->digest, pl->digest, sizeof l->digest);
		memcpy(l->diff_id, pl->diff_id, sizeof l->diff_id);
	}
	if (rc == 0 && same_output(out, &st->img, &b->o->wo))
		log_info("%s is up to date (%d layer%s)", out, img.nlayers, img.nlayers == 1 ? "" : "s");
	else if (rc == 0 && (rc = payload_write(&img, out, &b->o->wo, e)) == 0 && !scratch)
		log_info("wrote %s (%d layer%s)", out, img.nlayers, img.nlayers == 1 ? "" : "s");
	if (rc == 0)
		rc = save_as(out, b->o, e);
	if (scratch && out) {   /* (the scratch dir and its image go) */
		unlink(out);
		*strrchr(out, '/') = 0;
		rmdir(out);
	}
	img.config = NULL, img.source = NULL;
	image_free(&img);
	free(out);
	return rc;
}

static void builder_free(struct builder *b)
{
	for (int i = 0; b->stages && i < b->nstages; i++) {
		free(b->stages[i].name);
		bimage_free(&b->stages[i].img);
		vars_free(&b->stages[i].args);
	}
	free(b->stages);
	vars_free(&b->global);
	vars_free(&b->bargs);
	free(b->bargs_used);
	ignore_free(b->ig);
	if (b->ctx >= 0)
		close(b->ctx);
	store_close(&b->s);
	dockerfile_free(&b->df);
	free(b->dfname);
	free(b->out_rel);
}

static long long source_date_epoch(struct err *e)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	if (!s || !*s)
		return -1;
	long long v = strtoll(s, &end, 10);
	if (*end || v < 0)
		return err_set(e, EXIT_USAGE, "SOURCE_DATE_EPOCH='%s' is not a number of seconds", s), -2;
	return v;
}

int build_run(const struct build_opts *o, struct err *e)
{
	struct builder b = { .o = o, .ctx = -1 };
	struct stage *target = NULL;
	uint64_t t0 = now_ms();
	b.s.blobs = b.s.steps = b.s.tmp = -1;
	int rc = (b.epoch = source_date_epoch(e)) < -1 ? -1 : 0;
	if (rc == 0 && (parse_build_args(&b, e) < 0 || platform_args(&b, e) < 0 || load_dockerfile(&b, e) < 0 ||
			open_context(&b, e) < 0 || plan_stages(&b, e) < 0))
		rc = -1;
	if (rc == 0)
		b.out_rel = output_in_context(o);
	if (rc == 0)
		rc = check_output(o, e);
	if (rc == 0) {
		target = o->target ? b_stage(&b, o->target) : &b.stages[b.nstages - 1];
		if (!target)
			rc = err_set(e, EXIT_PACK, "%s: --target %s: no stage of that name", b.dfname, o->target);
	}
	if (rc == 0) {
		mark_needed(&b, target);
		rc = store_open(&b.s, e);
	}
	for (int i = 0; rc == 0 && i < b.nstages; i++)
		if (b.stages[i].needed && &b.stages[i] <= target)
			rc = stage_run(&b, &b.stages[i], e);
	if (rc == 0) {
		warn_unused_args(&b);
		rc = write_output(&b, target, e);
	}
	if (rc == 0)
		log_info("built in %.2f s", (double)(now_ms() - t0) / 1000);
	builder_free(&b);
	return rc;
}
