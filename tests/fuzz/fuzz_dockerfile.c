/* libFuzzer target: a Dockerfile as `boxcar build` reads it
 * (builder/dockerfile.c), then every word the builder would expand
 * (builder/expand.c) against a few known variables: each instruction's
 * arguments and flag values, and its heredoc bodies. Input: the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../builder/dockerfile.h"
#include "../../builder/expand.h"

static const char *lookup(const char *name, void *arg)
{
	static const char *const vars[][2] = {
		{ "A", "a" }, { "SPACE", " x  y " }, { "EMPTY", "" }, { "PATH", "/usr/bin:/bin" },
		{ "GLOB", "*?\\}/" }, { "U", "\xc3\xa9\xe2\x82\xac" }, { "1", "one" },
	};
	(void)arg;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		if (strcmp(vars[i][0], name) == 0)
			return vars[i][1];
	return NULL;
}

/* A failed call must say why; a good one must give what it promised. */
static void check(int ok, const struct err *e)
{
	if (ok ? e->code != 0 : e->code == 0 || !e->msg[0])
		abort();
}

static void expand_word(const char *w, char esc)
{
	struct err e = { 0 };
	char **v;
	int n;
	int rc = df_expand_words(w, esc, lookup, NULL, &v, &n, &e);
	check(rc == 0, &e);
	if (rc == 0 && v[n] != NULL)
		abort();
	if (rc == 0)
		df_strv_free(v);
	struct err e2 = { 0 };
	char *s = df_expand_word(w, esc, lookup, NULL, &e2);
	check(s != NULL, &e2);
	free(s);
}

static void expand_inst(const struct df_inst *in, char esc)
{
	if (!in->text || !in->rest || (in->nargs && !in->args) || (in->args && in->args[in->nargs]))
		abort();
	for (int i = 0; i < in->nargs; i++) {
		expand_word(in->args[i], esc);
		df_heredoc_for(in, in->args[i]);
	}
	for (int i = 0; i < in->nflags; i++)
		if (in->flags[i].value)
			expand_word(in->flags[i].value, esc);
	for (int i = 0; i < in->nheredocs; i++) {
		struct err e = { 0 };
		char *s = df_expand_text(in->heredocs[i].body, '\\', lookup, NULL, &e);
		check(s != NULL, &e);
		free(s);
	}
	df_flag_bool(in, "link");
	if (in->sub)
		expand_inst(in->sub, esc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dockerfile df;
	struct err e = { 0 };
	int rc = dockerfile_parse((const char *)data, size, "Dockerfile", &df, &e);
	check(rc == 0, &e);
	if (rc < 0)
		return 0;
	for (int i = 0; i < df.ninst; i++)
		expand_inst(&df.inst[i], df.escape);
	dockerfile_free(&df);
	return 0;
}
