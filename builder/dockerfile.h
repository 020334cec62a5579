/* The Dockerfile's syntax: parser directives, comments, line
 * continuations, heredocs, flags and the exec (JSON) form, as the
 * Dockerfile reference and BuildKit's parser read them. It only parses:
 * what an instruction means, and variable substitution (expand.h), is the
 * builder's. */
#ifndef BOXCAR_DOCKERFILE_H
#define BOXCAR_DOCKERFILE_H
#include <stddef.h>
#include "../common/err.h"

enum df_kind {
	DF_FROM, DF_RUN, DF_COPY, DF_ADD, DF_ENV, DF_ARG, DF_WORKDIR, DF_USER,
	DF_ENTRYPOINT, DF_CMD, DF_LABEL, DF_EXPOSE, DF_VOLUME, DF_STOPSIGNAL,
	DF_SHELL, DF_HEALTHCHECK, DF_ONBUILD, DF_MAINTAINER,
};

struct df_flag {
	char *name;                /* "from" for --from=x */
	char *value;               /* "x"; NULL for a bare --link */
};

struct df_heredoc {
	char *name;                /* the delimiter word, quotes removed ("EOF") */
	char *body;                /* the lines up to the delimiter, each ending in \n */
	int expand;                /* delimiter unquoted: $VARs in body are expanded */
	int strip_tabs;            /* <<-EOF: leading tabs removed (done by the parser) */
};

struct df_inst {
	enum df_kind kind;
	int line;                  /* its first line in the file, 1-based */
	char *text;                /* as written, continuations joined, heredoc bodies
				    * left out: history's created_by, the cache key */
	struct df_flag *flags;     /* leading --name[=value], in order */
	int nflags;
	char *rest;                /* what follows the flags, trimmed; heredoc bodies
				    * left out ("<<EOF" stays) */
	int json;                  /* rest is a JSON array of strings: args has them */
	char **args;               /* json: the array; else rest split into words
				    * on blanks, quotes and escapes KEPT (a "b c"=d
				    * stays one word), for the builder to expand */
	int nargs;
	struct df_heredoc *heredocs;   /* RUN, COPY, ADD: <<EOF bodies, in order
					* (ONBUILD RUN <<EOF: on its sub) */
	int nheredocs;
	struct df_inst *sub;       /* ONBUILD: the instruction it holds; HEALTHCHECK
				    * CMD ...: the CMD (kind DF_CMD); else NULL */
};

struct dockerfile {
	char escape;               /* '\\' or '`' (# escape=) */
	char *syntax;              /* # syntax= (accepted, ignored), or NULL */
	struct df_inst *inst;
	int ninst;
};

/* Parse text (len bytes, need not be NUL-terminated). name is the file's
 * name for messages. Errors: code 1, one line "NAME:LINE: what is wrong"
 * (an unknown instruction, an unterminated heredoc or JSON array, a flag
 * the instruction does not take, an instruction missing its arguments).
 * Instruction names are case-insensitive. */
int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *df,
		     struct err *e);
void dockerfile_free(struct dockerfile *df);
const char *df_kind_name(enum df_kind k);   /* "FROM" */
/* The value of flag `name` ("" for a bare flag), or NULL when absent.
 * A flag that may repeat (--mount, --exclude): the first; walk flags[]
 * for the others. */
const char *df_flag(const struct df_inst *in, const char *name);
/* A boolean flag (--link, --parents, --keep-git-dir): 1 when given bare or
 * as =true (any case), 0 when absent or =false. The parser has checked
 * that its value is one of those. */
int df_flag_bool(const struct df_inst *in, const char *name);
/* The heredoc that an argument such as "<<EOF", "<<-EOF" or "<<'EOF'"
 * names (COPY <<EOF /dst), or NULL when the word is not one. Points
 * into in. */
const struct df_heredoc *df_heredoc_for(const struct df_inst *in, const char *word);

#endif
