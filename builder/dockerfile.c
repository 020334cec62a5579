/* The Dockerfile parser, reading the file as BuildKit's frontend does
 * (frontend/dockerfile/parser and the checks of instructions/parse.go
 * that need no build state): parser directives, comments, continuations,
 * the instruction and its leading --flags, the exec (JSON) form, heredoc
 * bodies. Lines are read one at a time from the buffer; an instruction's
 * line is joined into one string and parsed from there. */
#include "dockerfile.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "expand.h"

struct sbuf {
	char *p;
	size_t len, cap;
};

struct parser {
	const char *name;          /* the file, for messages */
	const char *p, *end;       /* what is left to read */
	int line;                  /* lines read so far */
	int at;                    /* the line errors name: the instruction's first */
	int directives_done;       /* a line that was no directive has been seen */
	unsigned seen;             /* directives seen (bit per key) */
	int from_seen;
	size_t cap;                /* of df->inst */
	struct dockerfile *df;
	struct err *e;
};

enum { F_BOOL, F_STRING, F_LIST };

struct flagdef {
	const char *name;
	int type;
};

static const struct flagdef from_flags[] = { { "platform", F_STRING }, { 0 } };
static const struct flagdef run_flags[] = {
	{ "mount", F_LIST }, { "network", F_STRING }, { "security", F_STRING }, { 0 }
};
static const struct flagdef copy_flags[] = {
	{ "from", F_STRING }, { "chown", F_STRING }, { "chmod", F_STRING }, { "link", F_BOOL },
	{ "parents", F_BOOL }, { "exclude", F_LIST }, { 0 }
};
static const struct flagdef add_flags[] = {
	{ "chown", F_STRING }, { "chmod", F_STRING }, { "link", F_BOOL }, { "exclude", F_LIST },
	{ "checksum", F_STRING }, { "keep-git-dir", F_BOOL }, { 0 }
};
static const struct flagdef health_flags[] = {
	{ "interval", F_STRING }, { "timeout", F_STRING }, { "start-period", F_STRING },
	{ "start-interval", F_STRING }, { "retries", F_STRING }, { 0 }
};
static const struct flagdef no_flags[] = { { 0 } };

static const char *const kind_names[] = {
	[DF_FROM] = "FROM", [DF_RUN] = "RUN", [DF_COPY] = "COPY", [DF_ADD] = "ADD",
	[DF_ENV] = "ENV", [DF_ARG] = "ARG", [DF_WORKDIR] = "WORKDIR", [DF_USER] = "USER",
	[DF_ENTRYPOINT] = "ENTRYPOINT", [DF_CMD] = "CMD", [DF_LABEL] = "LABEL",
	[DF_EXPOSE] = "EXPOSE", [DF_VOLUME] = "VOLUME", [DF_STOPSIGNAL] = "STOPSIGNAL",
	[DF_SHELL] = "SHELL", [DF_HEALTHCHECK] = "HEALTHCHECK", [DF_ONBUILD] = "ONBUILD",
	[DF_MAINTAINER] = "MAINTAINER",
};
#define NKINDS ((int)(sizeof kind_names / sizeof kind_names[0]))

const char *df_kind_name(enum df_kind k)
{
	return (int)k >= 0 && (int)k < NKINDS ? kind_names[k] : "?";
}

static const struct flagdef *flags_of(enum df_kind k)
{
	switch (k) {
	case DF_FROM: return from_flags;
	case DF_RUN: return run_flags;
	case DF_COPY: return copy_flags;
	case DF_ADD: return add_flags;
	case DF_HEALTHCHECK: return health_flags;
	default: return no_flags;
	}
}

/* The exec form is tried for these (parseMaybeJSON and parseMaybeJSONToList). */
static int takes_json(enum df_kind k)
{
	return k == DF_RUN || k == DF_CMD || k == DF_ENTRYPOINT || k == DF_SHELL ||
	       k == DF_VOLUME || k == DF_COPY || k == DF_ADD;
}

/* "NAME:LINE: message" for the instruction being read. Returns -1. */
__attribute__((format(printf, 2, 3)))
static int perr(struct parser *p, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return err_set(p->e, 1, "%s:%d: %s", p->name, p->at, msg);
}

static int oom(struct parser *p)
{
	return err_set(p->e, 1, "%s: out of memory", p->name);
}

static int sb_put(struct parser *p, struct sbuf *b, const char *s, size_t n)
{
	if (n > SIZE_MAX / 4 - b->len)
		return oom(p);
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np)
			return oom(p);
		b->p = np, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

/* Go's unicode.IsSpace, for the ASCII it meets here. */
static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static char *dup_n(struct parser *p, const char *s, size_t n)
{
	char *r = strndup(s, n);
	if (!r)
		oom(p);
	return r;
}

/* ---- lines ---- */

/* The next physical line, its end of line included; 0 at the end. */
static int next_line(struct parser *p, const char **s, size_t *n)
{
	if (p->p >= p->end)
		return 0;
	const char *nl = memchr(p->p, '\n', (size_t)(p->end - p->p));
	*s = p->p;
	*n = nl ? (size_t)(nl + 1 - p->p) : (size_t)(p->end - p->p);
	p->p += *n;
	p->line++;
	return 1;
}

/* Drop the end of line: every trailing \r and \n, as BuildKit does. */
static void chomp(const char *s, size_t *n)
{
	while (*n && (s[*n - 1] == '\n' || s[*n - 1] == '\r'))
		(*n)--;
}

/* Does the line go on (the escape character last, blanks after it
 * allowed, not itself escaped)? Then cut it and the blanks off. */
static int continued(char esc, const char *s, size_t *n)
{
	size_t k = *n;
	while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	if (!k || s[k - 1] != esc || (k >= 2 && s[k - 2] == esc))
		return 0;
	*n = k - 1;
	return 1;
}

/* ---- parser directives ---- */

static int set_directive(struct parser *p, const char *key, const char *v, size_t vn)
{
	static const char *const keys[] = { "syntax", "escape", "check" };
	unsigned bit = 0;
	for (unsigned i = 0; i < 3; i++)
		if (strcmp(key, keys[i]) == 0)
			bit = 1u << i;
	if (!bit)
		return 0;
	if (p->seen & bit)
		return perr(p, "only one %s parser directive can be used", key);
	p->seen |= bit;
	if (bit == 2 && (vn != 1 || (v[0] != '\\' && v[0] != '`')))
		return perr(p, "invalid escape token '%.*s' does not match ` or \\", (int)vn, v);
	if (bit == 2)
		p->df->escape = v[0];
	if (bit == 1 && !(p->df->syntax = dup_n(p, v, vn)))
		return -1;
	return 1;
}

/* A parser directive ("# escape=`") while they may still come: they stop
 * at the first line that is not one (a blank line, another comment, an
 * instruction). 1 when the line was one, 0 when not, -1 on error. */
static int directive(struct parser *p, const char *s, size_t n)
{
	if (p->directives_done)
		return 0;
	p->directives_done = 1;
	size_t i = 1, k;
	if (!n || s[0] != '#')
		return 0;
	while (i < n && is_space(s[i]))
		i++;
	char key[16];
	for (k = 0; i + k < n && k < sizeof key - 1; k++) {
		char c = s[i + k];
		if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && !(k && c >= '0' && c <= '9'))
			break;
		key[k] = (char)(c | 0x20);
	}
	key[k] = 0;
	for (i += k; i < n && is_space(s[i]) && s[i] != '\v'; i++)
		;
	if (!k || i >= n || s[i] != '=')
		return 0;
	size_t v = ++i, e = n;
	while (v < n && is_space(s[v]) && s[v] != '\v')
		v++;
	while (e > v && is_space(s[e - 1]) && s[e - 1] != '\v')
		e--;
	if (e == v && v > i)        /* "# k=  ": the regex keeps one blank */
		v--, e = v + 1;
	if (e == v)
		return 0;
	int rc = set_directive(p, key, s + v, e - v);
	p->directives_done = rc == 0;
	return rc;
}

/* ---- the joined line ---- */

/* Continuation lines, appended until one does not go on. Comment lines
 * and blank lines between them are dropped; their leading blanks stay. */
static int join_rest(struct parser *p, struct sbuf *buf)
{
	const char *s;
	size_t n, k;
	while (next_line(p, &s, &n)) {
		chomp(s, &n);
		for (k = 0; k < n && is_space(s[k]); k++)
			;
		if (k == n || s[k] == '#')
			continue;
		int more = continued(p->df->escape, s, &n);
		if (sb_put(p, buf, s, n) < 0)
			return -1;
		if (!more)
			break;
	}
	return 1;
}

/* The next instruction's line, continuations joined, into buf: 1, or 0 at
 * the end of the file, -1 on error. p->at is its first line. */
static int next_joined(struct parser *p, struct sbuf *buf)
{
	const char *s;
	size_t n;
	while (next_line(p, &s, &n)) {
		chomp(s, &n);
		while (n && is_space(*s))
			s++, n--;
		p->at = p->line;
		if (directive(p, s, n) < 0)
			return -1;
		if (n && s[0] == '#')
			n = 0;
		int more = continued(p->df->escape, s, &n);
		if (!more && !n)
			continue;
		buf->len = 0;
		if (sb_put(p, buf, s, n) < 0)
			return -1;
		return more ? join_rest(p, buf) : 1;
	}
	return 0;
}

/* ---- words ---- */

struct strv {
	char **v;
	int n, cap;
};

static int strv_push(struct parser *p, struct strv *sv, struct sbuf *w)
{
	if (sv->n + 2 > sv->cap) {
		if (sv->cap > INT_MAX / 4)
			return oom(p);
		int cap = sv->cap ? sv->cap * 2 : 8;
		char **v = realloc(sv->v, (size_t)cap * sizeof *v);
		if (!v)
			return oom(p);
		sv->v = v, sv->cap = cap;
	}
	sv->v[sv->n++] = w->p;
	sv->v[sv->n] = NULL;
	*w = (struct sbuf){ 0 };
	return 0;
}

/* After "<<" outside quotes, the shell lexer keeps the blanks with it, so
 * "cat << EOF" still names a heredoc. */
static size_t glued(const char *s)
{
	size_t k = 0;
	if (s[0] == '<' && s[1] == '<')
		for (k = 2; s[k] == ' ' || s[k] == '\t' || s[k] == '\r'; k++)
			;
	return k;
}

/* The characters of one word at s (quotes and escapes kept), as
 * BuildKit's parseWords reads them. Returns its length in s. *open: a
 * quote is left open at the end; *drop: the word ends in an escape
 * character that escapes nothing (parseWords drops it). */
static size_t word_len(const char *s, char esc, int glue, int *open, int *drop)
{
	size_t i = 0;
	char q = 0;
	*drop = 0;
	while (s[i] && (q || !is_space(s[i]))) {
		size_t g = glue && !q ? glued(s + i) : 0;
		if (g) {
			i += g;
			continue;
		}
		char c = s[i++];
		if (!q && (c == '\'' || c == '"'))
			q = c;
		else if (q && c == q)
			q = 0;
		else if (c == esc && q != '\'' && s[i])
			i++;
		else if (c == esc && q != '\'')
			*drop = 1;
	}
	*open = q != 0;
	return i;
}

/* s split on blanks outside quotes, quotes and escapes kept. glue: for
 * finding heredocs. A quote left open ends the last word (*open set). */
static int split_words(struct parser *p, const char *s, char esc, int glue, struct strv *out,
		       int *open)
{
	*out = (struct strv){ 0 };
	struct sbuf w = { 0 };
	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		int drop;
		size_t n = word_len(s, esc, glue, open, &drop);
		if ((n > (size_t)drop && sb_put(p, &w, s, n - (size_t)drop) < 0) ||
		    (w.p && strv_push(p, out, &w) < 0)) {
			free(w.p);
			df_strv_free(out->v);
			return -1;
		}
		s += n;
	}
	if (!out->v && !(out->v = calloc(1, sizeof *out->v)))
		return oom(p);
	return 0;
}

/* ---- flags ---- */

/* One --flag word from s, quotes and escapes removed, as BuildKit's
 * extractBuilderFlags reads it. Returns where it ends. */
static const char *flag_word(struct parser *p, const char *s, struct sbuf *w)
{
	char q = 0, esc = p->df->escape;
	if (sb_put(p, w, "", 0) < 0)
		return NULL;
	while (*s && (q || !is_space(*s))) {
		char c = *s++;
		if (!q && (c == '\'' || c == '"')) {
			q = c;
			continue;
		}
		if (q && c == q) {
			q = 0;
			continue;
		}
		if (c == esc && !*s)
			break;
		if (c == esc)
			c = *s++;
		if (sb_put(p, w, &c, 1) < 0)
			return NULL;
	}
	return s;
}

static int add_flag(struct parser *p, struct df_inst *in, const char *word)
{
	if (in->nflags >= 256)      /* check_flag's duplicate search is quadratic */
		return perr(p, "too many flags");
	struct df_flag *f = realloc(in->flags, (size_t)(in->nflags + 1) * sizeof *f);
	if (!f)
		return oom(p);
	in->flags = f;
	const char *eq = strchr(word + 2, '=');
	size_t nn = eq ? (size_t)(eq - word - 2) : strlen(word + 2);
	f[in->nflags] = (struct df_flag){ strndup(word + 2, nn), eq ? strdup(eq + 1) : NULL };
	if (!f[in->nflags].name || (eq && !f[in->nflags].value)) {
		free(f[in->nflags].name);
		free(f[in->nflags].value);
		return oom(p);
	}
	in->nflags++;
	return 0;
}

/* Take the leading --flags off s; "--" alone ends them. Returns where
 * the rest starts, NULL on error. */
static const char *take_flags(struct parser *p, const char *s, struct df_inst *in)
{
	for (;;) {
		while (is_space(*s))
			s++;
		if (s[0] != '-' || s[1] != '-')
			return s;
		struct sbuf w = { 0 };
		const char *end = flag_word(p, s, &w);
		int rc = !end ? -1 : strcmp(w.p, "--") == 0 ? 1 : add_flag(p, in, w.p);
		free(w.p);
		if (rc)
			return rc > 0 ? end : NULL;
		s = end;
	}
}

static int check_flag(struct parser *p, const struct df_inst *in, int i)
{
	const struct df_flag *f = &in->flags[i];
	const struct flagdef *d = flags_of(in->kind);
	while (d->name && strcmp(d->name, f->name) != 0)
		d++;
	if (!d->name)
		return perr(p, "unknown flag --%.100s for %s", f->name, df_kind_name(in->kind));
	for (int j = 0; j < i && d->type != F_LIST; j++)
		if (strcmp(in->flags[j].name, f->name) == 0)
			return perr(p, "duplicate flag specified: --%s", f->name);
	if (d->type != F_BOOL && !f->value)
		return perr(p, "missing a value on flag: --%s", f->name);
	if (d->type == F_BOOL && f->value && !*f->value)
		return perr(p, "missing a value on flag: --%s", f->name);
	if (d->type == F_BOOL && f->value && strcasecmp(f->value, "true") &&
	    strcasecmp(f->value, "false"))
		return perr(p, "expecting boolean value for flag --%s, not: %.100s", f->name,
			    f->value);
	return 0;
}

/* ---- arguments ---- */

/* rest as a JSON array of strings: 1 (args set), 0 when it is not JSON
 * (then it is the shell form), -1 for an array of other than strings. */
static int parse_json(struct parser *p, struct df_inst *in)
{
	if (in->rest[0] != '[')
		return 0;
	cJSON *j = cJSON_ParseWithOpts(in->rest, NULL, 1), *it;
	if (!cJSON_IsArray(j)) {
		cJSON_Delete(j);
		return 0;
	}
	int n = cJSON_GetArraySize(j), k = 0;
	int rc = (in->args = calloc((size_t)n + 1, sizeof *in->args)) ? 1 : oom(p);
	cJSON_ArrayForEach(it, j) {
		if (rc < 0)
			break;
		if (!cJSON_IsString(it))
			rc = perr(p, "when using JSON array syntax, arrays must be comprised of strings only");
		else if (!(in->args[k++] = strdup(it->valuestring)))
			rc = oom(p);
	}
	cJSON_Delete(j);
	in->nargs = k;
	in->json = rc > 0;
	return rc;
}

static int shell_words(struct parser *p, struct df_inst *in)
{
	struct strv sv;
	int open;
	if (split_words(p, in->rest, p->df->escape, 0, &sv, &open) < 0)
		return -1;
	in->args = sv.v;
	in->nargs = sv.n;
	return 0;
}

/* The arguments: the exec form where the instruction takes one, else words. */
static int parse_args(struct parser *p, struct df_inst *in)
{
	const char *name = df_kind_name(in->kind);
	if (!in->rest[0])
		return perr(p, "%s requires at least one argument", name);
	int rc = takes_json(in->kind) ? parse_json(p, in) : 0;
	if (rc < 0)
		return -1;
	if (rc == 0 && in->kind == DF_SHELL)
		return perr(p, "SHELL requires the arguments to be in JSON form");
	if (rc > 0 && !in->nargs && (in->kind == DF_SHELL || in->kind == DF_VOLUME))
		return perr(p, "%s requires at least one argument", name);
	return rc ? 0 : shell_words(p, in);
}

/* ---- instructions ---- */

static int parse_inst(struct parser *p, const char *line, struct df_inst *in, int depth);

static int kind_of(const char *cmd, size_t n)
{
	for (int k = 0; k < NKINDS; k++)
		if (strlen(kind_names[k]) == n && strncasecmp(kind_names[k], cmd, n) == 0)
			return k;
	return -1;
}

/* ONBUILD INSTRUCTION: the trigger is parsed into sub. */
static int parse_onbuild(struct parser *p, struct df_inst *in, int depth)
{
	if (!in->rest[0])
		return perr(p, "ONBUILD requires at least one argument");
	if (!(in->sub = calloc(1, sizeof *in->sub)))
		return oom(p);
	if (parse_inst(p, in->rest, in->sub, depth + 1) < 0)
		return -1;
	return shell_words(p, in);
}

/* HEALTHCHECK NONE, or HEALTHCHECK [flags] CMD command (sub, a DF_CMD). */
static int parse_healthcheck(struct parser *p, struct df_inst *in)
{
	const char *r = in->rest, *cmd = r;
	if (!*r)
		return perr(p, "HEALTHCHECK requires at least one argument");
	while (*cmd && !is_space(*cmd))
		cmd++;
	size_t tn = (size_t)(cmd - r);
	while (is_space(*cmd))
		cmd++;
	if (tn == 4 && strncasecmp(r, "NONE", 4) == 0)
		return *cmd ? perr(p, "HEALTHCHECK NONE takes no arguments") : shell_words(p, in);
	if (tn != 3 || strncasecmp(r, "CMD", 3) != 0)
		return perr(p, "Unknown type \"%.*s\" in HEALTHCHECK (try CMD)",
			    (int)(tn < 64 ? tn : 64), r);
	struct df_inst *sub = in->sub = calloc(1, sizeof *in->sub);
	if (!sub || !(sub->text = strdup(r)) || !(sub->rest = strdup(cmd)))
		return oom(p);
	sub->kind = DF_CMD;
	sub->line = in->line;
	int rc = *cmd ? parse_json(p, sub) : 0;
	if (rc < 0 || (rc == 0 && *cmd && shell_words(p, sub) < 0))
		return -1;
	if (!sub->nargs)
		return perr(p, "Missing command after HEALTHCHECK CMD");
	return shell_words(p, in);
}

/* Name the instruction at the start of text; its kind, or -1 with e set. */
static int inst_kind(struct parser *p, const char *text, size_t *n, int depth)
{
	*n = 0;
	while (text[*n] && !is_space(text[*n]))
		(*n)++;
	int k = kind_of(text, *n);
	if (!*n)
		return perr(p, "a line continuation with no instruction");
	if (k < 0)
		return perr(p, "unknown instruction: %.*s", (int)(*n < 64 ? *n : 64), text);
	if (depth && k == DF_ONBUILD)
		return perr(p, "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	if (depth && (k == DF_FROM || k == DF_MAINTAINER))
		return perr(p, "%s isn't allowed as an ONBUILD trigger", kind_names[k]);
	return k;
}

/* One instruction from its joined line. depth 1: an ONBUILD's trigger. */
static int parse_inst(struct parser *p, const char *line, struct df_inst *in, int depth)
{
	size_t n = strlen(line), cn;
	while (n && is_space(line[n - 1]))
		n--;
	while (n && is_space(*line))
		line++, n--;
	in->line = p->at;
	if (!(in->text = dup_n(p, line, n)))
		return -1;
	int k = inst_kind(p, in->text, &cn, depth);
	if (k < 0)
		return -1;
	in->kind = (enum df_kind)k;
	const char *rest = take_flags(p, in->text + cn, in);
	while (rest && is_space(*rest))
		rest++;
	if (!rest || !(in->rest = dup_n(p, rest, strlen(rest))))
		return -1;
	for (int i = 0; i < in->nflags; i++)
		if (check_flag(p, in, i) < 0)
			return -1;
	if (in->kind == DF_ONBUILD)
		return parse_onbuild(p, in, depth);
	if (in->kind == DF_HEALTHCHECK)
		return parse_healthcheck(p, in);
	return parse_args(p, in);
}

/* ---- heredocs ---- */

/* A heredoc's delimiter word with its quotes and escapes removed, as the
 * shell lexer reads it (escape '\\'). *quoted: some part was quoted.
 * 1, or 0 when it is not exactly one non-empty word, -1 out of memory. */
static int heredoc_name(const char *s, char **name, int *quoted)
{
	size_t n = strlen(s), k = 0, i;
	char *r = malloc(n + 1), q = 0;
	if (!r)
		return -1;
	*quoted = 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (!q && (c == '\'' || c == '"')) {
			q = c, *quoted = 1;
			continue;
		}
		if (q && c == q) {
			q = 0;
			continue;
		}
		if (!q && is_space(c))
			break;
		if (c == '\\' && q != '\'' && i + 1 < n && (!q || strchr("\"$\\", s[i + 1])))
			c = s[++i];
		else if (c == '\\' && !q)
			continue;   /* at the very end: dropped */
		r[k++] = c;
	}
	r[k] = 0;
	if (i < n || q || !k) {
		free(r);
		return 0;
	}
	*name = r;
	return 1;
}

/* Does the word open a heredoc (<<EOF, <<-EOF, <<"EOF", 3<<EOF: BuildKit's
 * ^(\d*)<<(-?)\s*([^<]*)$)? 1 with h's name, expand and strip_tabs set;
 * 0 when not; -1 out of memory. */
static int heredoc_word(const char *w, struct df_heredoc *h)
{
	while (*w >= '0' && *w <= '9')
		w++;
	if (w[0] != '<' || w[1] != '<')
		return 0;
	w += 2;
	int chomp_tabs = *w == '-', quoted;
	w += chomp_tabs;
	while (*w && is_space(*w) && *w != '\v')
		w++;
	int rc = *w && !strchr(w, '<') ? heredoc_name(w, &h->name, &quoted) : 0;
	h->expand = rc > 0 && !quoted;
	h->strip_tabs = chomp_tabs;
	return rc;
}

const struct df_heredoc *df_heredoc_for(const struct df_inst *in, const char *word)
{
	struct df_heredoc h = { 0 };
	if (heredoc_word(word, &h) <= 0)
		return NULL;
	const struct df_heredoc *found = NULL;
	for (int i = 0; i < in->nheredocs && !found; i++)
		if (strcmp(in->heredocs[i].name, h.name) == 0)
			found = &in->heredocs[i];
	free(h.name);
	return found;
}

/* The body: the lines up to the one that is the delimiter. */
static int read_body(struct parser *p, struct df_heredoc *h)
{
	struct sbuf b = { 0 };
	const char *s;
	size_t n, k, nn = strlen(h->name);
	if (sb_put(p, &b, "", 0) < 0)
		return -1;
	while (next_line(p, &s, &n)) {
		for (k = 0; h->strip_tabs && k < n && s[k] == '\t'; k++)
			;
		size_t tn = n - k;
		chomp(s + k, &tn);
		if (tn == nn && memcmp(s + k, h->name, nn) == 0) {
			h->body = b.p;
			return 0;
		}
		if (sb_put(p, &b, s + k, n - k) < 0)
			break;
	}
	free(b.p);
	return perr(p, "unterminated heredoc %.100s", h->name);
}

static int add_heredoc(struct parser *p, struct df_inst *t, struct df_heredoc *h)
{
	if (t->nheredocs >= 1024) {
		free(h->name);
		return perr(p, "too many heredocs");
	}
	struct df_heredoc *v = realloc(t->heredocs, (size_t)(t->nheredocs + 1) * sizeof *v);
	if (!v) {
		free(h->name);
		return oom(p);
	}
	t->heredocs = v;
	v[t->nheredocs++] = *h;
	return read_body(p, &v[t->nheredocs - 1]);
}

/* RUN, COPY and ADD (also as ONBUILD's trigger) in the shell form: the
 * heredocs that the line's words open, bodies read from the next lines. */
static int read_heredocs(struct parser *p, struct df_inst *in, const char *line)
{
	struct df_inst *t = in->sub && in->kind == DF_ONBUILD ? in->sub : in;
	if ((t->kind != DF_RUN && t->kind != DF_COPY && t->kind != DF_ADD) || t->json ||
	    !strstr(line, "<<"))
		return 0;
	struct strv sv;
	int open, rc = split_words(p, line, '\\', 1, &sv, &open);
	for (int i = 0; rc == 0 && !open && i < sv.n; i++) {
		struct df_heredoc h = { 0 };
		rc = heredoc_word(sv.v[i], &h);
		rc = rc > 0 ? add_heredoc(p, t, &h) : rc < 0 ? oom(p) : 0;
	}
	df_strv_free(sv.v);
	return rc;
}

/* ---- the file ---- */

static void inst_free(struct df_inst *in)
{
	free(in->text);
	for (int i = 0; i < in->nflags; i++) {
		free(in->flags[i].name);
		free(in->flags[i].value);
	}
	free(in->flags);
	free(in->rest);
	for (int i = 0; i < in->nargs; i++)
		free(in->args[i]);
	free(in->args);
	for (int i = 0; i < in->nheredocs; i++) {
		free(in->heredocs[i].name);
		free(in->heredocs[i].body);
	}
	free(in->heredocs);
	if (in->sub)
		inst_free(in->sub);
	free(in->sub);
}

static int push_inst(struct parser *p, struct df_inst *in)
{
	struct dockerfile *df = p->df;
	if ((size_t)df->ninst == p->cap) {
		if (p->cap > INT_MAX / 4)
			return perr(p, "too many instructions");
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct df_inst *v = realloc(df->inst, cap * sizeof *v);
		if (!v)
			return oom(p);
		df->inst = v, p->cap = cap;
	}
	df->inst[df->ninst++] = *in;
	return 0;
}

static int add_inst(struct parser *p, const char *line)
{
	struct df_inst in = { 0 };
	int rc = parse_inst(p, line, &in, 0);
	if (rc == 0)
		rc = read_heredocs(p, &in, line);
	if (rc == 0 && !p->from_seen && in.kind != DF_FROM && in.kind != DF_ARG)
		rc = perr(p, "the first instruction must be FROM (or ARG before it)");
	p->from_seen |= in.kind == DF_FROM;
	if (rc == 0)
		rc = push_inst(p, &in);
	if (rc < 0)
		inst_free(&in);
	return rc;
}

static int line_of(const char *text, const char *at)
{
	int line = 1;
	for (const char *s = text; (s = memchr(s, '\n', (size_t)(at - s))); s++)
		line++;
	return line;
}

int dockerfile_parse(const char *text, size_t len, const char *name, struct dockerfile *df,
		     struct err *e)
{
	*df = (struct dockerfile){ .escape = '\\' };
	if (len > INT_MAX / 2)
		return err_set(e, 1, "%s: too large", name);
	const char *nul = memchr(text, 0, len);
	if (nul)
		return err_set(e, 1, "%s:%d: a NUL byte in the file", name, line_of(text, nul));
	struct parser p = { .name = name, .p = text, .end = text + len, .df = df, .e = e };
	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		p.p += 3;
	struct sbuf buf = { 0 };
	int rc;
	while ((rc = next_joined(&p, &buf)) > 0)
		if ((rc = add_inst(&p, buf.p)) < 0)
			break;
	free(buf.p);
	if (rc == 0 && !df->ninst)
		rc = err_set(e, 1, "%s: file with no instructions", name);
	else if (rc == 0 && !p.from_seen)
		rc = err_set(e, 1, "%s: no build stage: the file has no FROM", name);
	if (rc < 0)
		dockerfile_free(df);
	return rc < 0 ? -1 : 0;
}

void dockerfile_free(struct dockerfile *df)
{
	for (int i = 0; i < df->ninst; i++)
		inst_free(&df->inst[i]);
	free(df->inst);
	free(df->syntax);
	*df = (struct dockerfile){ .escape = '\\' };
}

const char *df_flag(const struct df_inst *in, const char *name)
{
	for (int i = 0; i < in->nflags; i++)
		if (strcmp(in->flags[i].name, name) == 0)
			return in->flags[i].value ? in->flags[i].value : "";
	return NULL;
}

int df_flag_bool(const struct df_inst *in, const char *name)
{
	const char *v = df_flag(in, name);
	return v && (!*v || strcasecmp(v, "true") == 0);
}
