/* --boxcar-gpu's discovery on the host (gpu.h). What NVIDIA documents of
 * its driver: /proc/driver/nvidia/gpus/BUS/information ("Device Minor",
 * "GPU UUID"; the directories' names sort in PCI order, nvidia-smi's
 * index order), the nodes /dev/nvidiaMINOR, nvidiactl, nvidia-uvm(-tools),
 * nvidia-modeset; the libraries nvidia-container-cli lists for compute and
 * utility, found by name in the loader's cache. */
#include "gpu.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/ldcache.h"
#include "../common/xio.h"

#define MAX_GPUS 64

struct gpu {
	int minor;          /* of /dev/nvidiaMINOR */
	char uuid[80];      /* "GPU-...", or "" when unknown */
};

/* the driver's libraries for compute and utility (names before ".so.N") */
static const char *const libs[] = {
	"libcuda.so", "libnvidia-ml.so", "libnvidia-ptxjitcompiler.so", "libnvidia-nvvm.so",
	"libnvidia-gpucomp.so", "libnvidia-fatbinaryloader.so", "libnvidia-opencl.so",
	"libnvidia-allocator.so", "libnvidia-cfg.so", "libcudadebugger.so", "libnvidia-compiler.so",
	"libnvidia-pkcs11.so", "libnvidia-pkcs11-openssl3.so",
};
static const char *const tools[] = {
	"nvidia-smi", "nvidia-debugdump", "nvidia-cuda-mps-control", "nvidia-cuda-mps-server",
};
static const char *const tool_dirs[] = { "/usr/bin", "/usr/local/bin", "/bin" };
static const char *const ctl_nodes[] = { "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset" };

/* A host path: path under the test prefix (gpu.h), or path itself. */
static int hpath(const char *path, char out[PATH_MAX], struct err *e)
{
	const char *pfx = getenv("BOXCAR_TEST_GPUHOST");
	if (snprintf(out, PATH_MAX, "%s%s", pfx ? pfx : "", path) >= PATH_MAX)
		return err_set(e, EXIT_SETUP, "BOXCAR_TEST_GPUHOST is too long");
	return 0;
}

static int push(struct runner_bind **v, int *n, const char *host, const char *target, struct err *e)
{
	struct runner_bind *nv = realloc(*v, ((size_t)*n + 1) * sizeof *nv);
	if (!nv)
		return err_set(e, EXIT_SETUP, "out of memory");
	*v = nv;
	nv[*n] = (struct runner_bind){ strdup(host), strdup(target) };
	if (!nv[*n].host || !nv[*n].target) {
		free((char *)nv[*n].host), free((char *)nv[*n].target);
		return err_set(e, EXIT_SETUP, "out of memory");
	}
	(*n)++;
	return 0;
}

/* s as a number (digits only, at most max), or -1 */
static int number(const char *s, int max)
{
	long v = 0;
	if (!*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 9)
		return -1;
	v = strtol(s, NULL, 10);
	return v <= max ? (int)v : -1;
}

/* The value of the line "KEY: value" in an information file, trimmed. */
static int info_field(const char *text, const char *key, char *out, size_t n)
{
	size_t k = strlen(key);
	for (const char *l = text; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, k) || l[k] != ':')
			continue;
		const char *v = l + k + 1;
		v += strspn(v, " \t");
		size_t len = strcspn(v, "\n");
		while (len && isspace((unsigned char)v[len - 1]))
			len--;
		if (len >= n)
			return -1;
		memcpy(out, v, len);
		out[len] = 0;
		return 0;
	}
	return -1;
}

/* One GPU's information file (dir/name/information) into g. */
static int read_info(const char *dir, const char *name, struct gpu *g, struct err *e)
{
	char path[PATH_MAX], minor[16];
	snprintf(path, sizeof path, "%s/%s/information", dir, name);
	char *text = read_file_at(AT_FDCWD, path, 1 << 16, NULL);
	if (!text)
		return err_sys(e, EXIT_SETUP, "--boxcar-gpu: cannot read %s", path);
	int ok = info_field(text, "Device Minor", minor, sizeof minor) == 0 && (g->minor = number(minor, 255)) >= 0;
	if (info_field(text, "GPU UUID", g->uuid, sizeof g->uuid) < 0)
		g->uuid[0] = 0;
	free(text);
	return ok ? 0 : err_set(e, EXIT_SETUP, "--boxcar-gpu: %s has no Device Minor that boxcar can read", path);
}

/* The GPUs in index order from the driver's /proc files: how many, 0 when
 * the driver shows none there (then the nodes tell), or -1 with e. */
static int gpus_from_proc(struct gpu *g, struct err *e)
{
	char dir[PATH_MAX];
	struct dirent **names;
	if (hpath("/proc/driver/nvidia/gpus", dir, e) < 0)
		return -1;
	int n = scandir(dir, &names, NULL, alphasort), k = 0, rc = 0;
	if (n < 0)
		return errno == ENOENT ? 0 : err_sys(e, EXIT_SETUP, "--boxcar-gpu: cannot list %s", dir);
	for (int i = 0; i < n; i++) {
		if (rc == 0 && names[i]->d_name[0] != '.') {
			if (k == MAX_GPUS)
				rc = err_set(e, EXIT_SETUP, "--boxcar-gpu: %s lists more than %d GPUs", dir, MAX_GPUS);
			else if ((rc = read_info(dir, names[i]->d_name, &g[k], e)) == 0)
				k++;
		}
		free(names[i]);
	}
	free(names);
	return rc < 0 ? -1 : k;
}

/* Without the /proc files: the nodes /dev/nvidiaN, by minor (index order
 * when minors follow the PCI order, as they usually do). */
static int gpus_from_dev(struct gpu *g, struct err *e)
{
	char dir[PATH_MAX];
	if (hpath("/dev", dir, e) < 0)
		return -1;
	DIR *d = opendir(dir);
	if (!d)
		return err_sys(e, EXIT_SETUP, "--boxcar-gpu: cannot list %s", dir);
	int k = 0, m;
	for (struct dirent *de; (de = readdir(d));) {
		if (strncmp(de->d_name, "nvidia", 6) || (m = number(de->d_name + 6, 255)) < 0 || k == MAX_GPUS)
			continue;
		int j = k++;
		for (; j > 0 && g[j - 1].minor > m; j--)
			g[j] = g[j - 1];
		g[j] = (struct gpu){ .minor = m };
	}
	closedir(d);
	return k;
}

/* The GPUs `list` names (what: where it came from), as indices into g,
 * each once, in the list's order. How many, or -1 with e. */
static int pick_list(const char *list, const char *what, const struct gpu *g, int ng, int *pick, struct err *e)
{
	int n = 0;
	for (const char *p = list; *p; p += *p == ',') {
		size_t len = strcspn(p, ",");
		char buf[96], *item;
		if (len >= sizeof buf)
			return err_set(e, EXIT_SETUP, "--boxcar-gpu: %s has an item too long to be a GPU", what);
		snprintf(buf, sizeof buf, "%.*s", (int)len, p);
		p += len;
		item = buf + strspn(buf, " ");
		item[strcspn(item, " ")] = 0;
		if (!*item)
			continue;
		int idx = number(item, ng - 1);
		for (int j = 0; idx < 0 && j < ng; j++)
			if (g[j].uuid[0] && !strcasecmp(g[j].uuid, item))
				idx = j;
		if (idx < 0 && ng == 0)
			return err_set(e, EXIT_SETUP, "--boxcar-gpu: %s names GPU '%s', and this host shows none "
				       "(no /dev/nvidiaN); run on a GPU node", what, item);
		if (idx < 0)
			return err_set(e, EXIT_SETUP, "--boxcar-gpu: %s names GPU '%s', which this host does not have (it has %d%s); "
				       "give indices 0 to %d or the UUIDs nvidia-smi -L lists", what, item, ng,
				       ng == 1 ? " GPU" : " GPUs", ng - 1);
		int seen = 0;
		for (int j = 0; j < n; j++)
			seen |= pick[j] == idx;
		if (!seen)
			pick[n++] = idx;
	}
	return n;
}

/* Which GPUs sel selects (gpu.h), as indices into g. */
static int select_gpus(const char *sel, const struct gpu *g, int ng, int *pick, struct err *e)
{
	static const char *const vars[] = { "$SLURM_STEP_GPUS", "$SLURM_JOB_GPUS", "$CUDA_VISIBLE_DEVICES" };
	if (*sel && strcmp(sel, "all"))
		return pick_list(sel, "its value", g, ng, pick, e);
	for (size_t i = 0; !*sel && i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i] + 1);
		if (v)
			return pick_list(v, vars[i], g, ng, pick, e);
	}
	for (int i = 0; i < ng; i++)
		pick[i] = i;
	return ng;
}

/* /dev/NAME of the host (under the test prefix) bound at /dev/NAME. */
static int add_node(struct gpu_set *s, const char *name, int required, struct err *e)
{
	char host[PATH_MAX], in[64];
	struct stat st;
	snprintf(in, sizeof in, "/dev/%s", name);
	if (hpath(in, host, e) < 0)
		return -1;
	if (stat(host, &st) < 0)
		return required ? err_sys(e, EXIT_SETUP, "the NVIDIA device %s is missing", host) : 0;
	return push(&s->devs, &s->ndevs, host, in, e);
}

static int add_devices(struct gpu_set *s, const char *sel, struct err *e)
{
	struct gpu g[MAX_GPUS];
	int pick[MAX_GPUS], ng = gpus_from_proc(g, e), n;
	if (ng == 0)
		ng = gpus_from_dev(g, e);
	if (ng < 0 || (n = select_gpus(sel, g, ng, pick, e)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof name, "nvidia%d", g[pick[i]].minor);
		if (add_node(s, name, 1, e) < 0)
			return err_ctx(e, "--boxcar-gpu: GPU %d", pick[i]);
	}
	s->ngpus = n;
	for (size_t i = 0; i < sizeof ctl_nodes / sizeof ctl_nodes[0]; i++)
		if (add_node(s, ctl_nodes[i], 0, e) < 0)
			return -1;
	return 0;
}

struct lib_walk {
	struct gpu_set *s;
	int cuda;          /* libcuda.so.1 found */
	struct err *e;
};

static int wanted(const char *name)
{
	for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
		size_t k = strlen(libs[i]);
		if (!strncmp(name, libs[i], k) && (name[k] == 0 || name[k] == '.'))
			return 1;
	}
	return 0;
}

/* A cache entry: a driver library of this arch, bound under its name (the
 * first entry of a name wins, as it does for the loader). */
static int take_lib(const struct ldcache_entry *en, void *arg)
{
	struct lib_walk *w = arg;
	char target[PATH_MAX], real[PATH_MAX];
	if (en->flags != LDCACHE_SELF || strchr(en->name, '/') || !wanted(en->name) ||
	    snprintf(target, sizeof target, "%s/%s", GPU_LIB, en->name) >= (int)sizeof target)
		return 0;
	for (int i = 0; i < w->s->nfiles; i++)
		if (!strcmp(w->s->files[i].target, target))
			return 0;
	if (!realpath(en->path, real))
		return 0;   /* a stale entry: the loader would not find it either */
	if (!strcmp(en->name, "libcuda.so.1"))
		w->cuda = 1;
	return push(&w->s->files, &w->s->nfiles, real, target, w->e);
}

static int add_libraries(struct gpu_set *s, struct err *e)
{
	char path[PATH_MAX];
	size_t len;
	if (hpath("/etc/ld.so.cache", path, e) < 0)
		return -1;
	char *cache = read_file_at(AT_FDCWD, path, 64 << 20, &len);
	if (!cache)
		return err_sys(e, EXIT_SETUP, "--boxcar-gpu: cannot read the loader's cache %s (to find the NVIDIA driver's libraries)", path);
	struct lib_walk w = { s, 0, e };
	int rc = ldcache_walk(cache, len, take_lib, &w, e);
	free(cache);
	if (rc < 0)
		return err_ctx(e, "--boxcar-gpu: %s", path);
	if (!w.cuda)
		return err_set(e, EXIT_SETUP, "--boxcar-gpu: the NVIDIA driver's libcuda.so.1 is not in the loader's cache %s: "
			       "install the driver's libraries (or run ldconfig)", path);
	return 0;
}

static int add_tools(struct gpu_set *s, struct err *e)
{
	char rel[PATH_MAX], host[PATH_MAX], real[PATH_MAX], target[PATH_MAX];
	for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
		for (size_t d = 0; d < sizeof tool_dirs / sizeof tool_dirs[0]; d++) {
			struct stat st;
			snprintf(rel, sizeof rel, "%s/%s", tool_dirs[d], tools[i]);
			if (hpath(rel, host, e) < 0)
				return -1;
			if (stat(host, &st) < 0 || !S_ISREG(st.st_mode) || !realpath(host, real))
				continue;
			snprintf(target, sizeof target, "%s/%s", GPU_BIN, tools[i]);
			if (push(&s->files, &s->nfiles, real, target, e) < 0)
				return -1;
			break;
		}
	return 0;
}

int gpu_discover(const char *sel, struct gpu_set *g, struct err *e)
{
	char ctl[PATH_MAX];
	struct stat st;
	memset(g, 0, sizeof *g);
	if (hpath("/dev/nvidiactl", ctl, e) < 0)
		return -1;
	if (stat(ctl, &st) < 0)
		return err_set(e, EXIT_SETUP, "--boxcar-gpu: no NVIDIA driver on this host (%s: %s); run on a GPU "
			       "node with the driver loaded, or without --boxcar-gpu", ctl, strerror(errno));
	return add_node(g, "nvidiactl", 1, e) < 0 || add_devices(g, sel, e) < 0 ||
	       add_libraries(g, e) < 0 || add_tools(g, e) < 0 ? -1 : 0;
}

void gpu_free(struct gpu_set *g)
{
	for (int i = 0; i < g->ndevs; i++)
		free((char *)g->devs[i].host), free((char *)g->devs[i].target);
	for (int i = 0; i < g->nfiles; i++)
		free((char *)g->files[i].host), free((char *)g->files[i].target);
	free(g->devs);
	free(g->files);
	memset(g, 0, sizeof *g);
}
