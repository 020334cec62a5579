/* The builder's own state, shared by its files (build.c runs the
 * instructions, from.c resolves FROM, copy.c does COPY and ADD). */
#ifndef BOXCAR_BUILDER_H
#define BOXCAR_BUILDER_H
#include "build.h"
#include "dockerfile.h"
#include "ignore.h"
#include "store.h"

/* Variables: build args, ARGs in scope. value NULL: declared, unset. */
struct var {
	char *name, *value;
};
struct vars {
	struct var *v;
	int n;
};
const struct var *vars_get(const struct vars *vs, const char *name);
int vars_set(struct vars *vs, const char *name, const char *value);
void vars_free(struct vars *vs);

struct stage {
	char *name;                 /* AS name, lowercased; NULL when none */
	int first, end;             /* its instructions: df.inst[first] is its FROM */
	int needed, done;
	struct bimage img;
	char key[DIGEST_STR];       /* the build cache's key for img */
	struct vars args;           /* ARGs declared in it */
	int cmd_set;                /* CMD given in this stage (ENTRYPOINT keeps it) */
};

struct builder {
	const struct build_opts *o;
	struct dockerfile df;
	char *dfname;               /* the Dockerfile as named in messages */
	char *out_rel;              /* the output file's path in the context (left
				     * out of it, as if .dockerignore said so), or NULL */
	int ctx;                    /* the context directory */
	struct ignore *ig;
	struct store s;
	struct stage *stages;
	int nstages;
	struct vars global;         /* ARGs before the first FROM */
	struct vars bargs;          /* --build-arg */
	char *bargs_used;           /* one flag per --build-arg */
	long long epoch;            /* SOURCE_DATE_EPOCH, or -1 */
	int step, nsteps;
	struct stage *cur;          /* the stage being built */
	const struct df_inst *in;   /* the instruction being run */
};

/* Expansion in the current stage (ENV over ARG, as Docker). */
char *b_expand(struct builder *b, const char *word, struct err *e);
/* Split on blanks, then expand each word (NULL-terminated, df_strv_free). */
int b_expand_words(struct builder *b, const char *text, char ***out, int *n, struct err *e);
/* Variables only (a heredoc's body). */
char *b_expand_text(struct builder *b, const char *text, struct err *e);
/* An error at the current instruction: "DOCKERFILE:LINE: ..." (code 1). */
int b_fail(struct builder *b, struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The arch the build is for (OCI's name): --platform's, else this boxcar's. */
const char *b_arch(const struct builder *b);
/* The stage named (or numbered) ref, or NULL. */
struct stage *b_stage(struct builder *b, const char *ref);

/* from.c: the image FROM names (expanded), with its cache key. */
int from_image(struct builder *b, const char *ref, struct bimage *out, char key[DIGEST_STR],
	       struct err *e);
/* Load an image source (FROM's, COPY --from's) into the store. */
int from_source(struct builder *b, const char *ref, struct bimage *out, char key[DIGEST_STR],
		struct err *e);

/* copy.c: COPY or ADD (b->in) on b->cur. */
int copy_step(struct builder *b, struct err *e);
/* copy.c: the WorkingDir made where the image lacks it (owned by its
 * USER, as buildah does), as a layer; 1 when the cache had it. */
int workdir_layer(struct builder *b, struct err *e);

/* build.c: the build cache's record of key, unless --no-cache: 1 when it
 * replaced the stage's image, 0 when there is none. */
int b_cached(struct builder *b, const char *key);
/* build.c: finish a step that made the layer `tar` (removed after), keyed by key. */
int b_add_layer(struct builder *b, const char *tar, const char *key, struct err *e);
/* p made absolute (relative to base) and clean; malloc'd. */
char *b_clean_path(const char *base, const char *p);
/* The config's WorkingDir, "/" when unset. */
const char *b_workdir(const cJSON *config);
/* Re-raise e (a step's failure) at the current line: "DOCKERFILE:LINE: what: why". */
int b_wrap(struct builder *b, struct err *e, const char *what);
/* config's rootfs.diff_ids from img's layers. */
void b_set_diff_ids(struct bimage *img);
/* A history entry for the current instruction. */
int b_history(struct builder *b, cJSON *config, int empty);
/* key = sha256(parent key, text) */
void b_key(const char *parent, const char *text, size_t len, char out[DIGEST_STR]);

#endif
