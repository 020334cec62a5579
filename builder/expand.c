/* Variable substitution as BuildKit's shell lexer does it
 * (frontend/dockerfile/shell/lex.go). One scanner serves the three entry
 * points: it always builds the whole result, and when asked it also
 * splits that result into words the way ProcessWords does (text from an
 * unquoted $ expansion is split on blanks, quoted or escaped text is not).
 * Errors are kept in the lexer as one line and handed to struct err at the
 * end, because BuildKit replaces some inner errors ("missing '}'"). */
#include "expand.h"

#include <stdarg.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ${A//x/${A//x/...}} multiplies the length at each level: cap any result
 * (at 1 MiB more than 4 times the text, far above what a Dockerfile needs:
 * Linux takes no environment string over 128 KiB) and the nesting, which
 * recurses. */
#define EXPAND_BASE ((size_t)1 << 20)
#define DEPTH_MAX 64

struct sbuf {
	char *p;
	size_t len, cap;
};

struct lex {
	const char *s;
	size_t i;
	char esc;
	int quotes;        /* quotes are special (not for df_expand_text) */
	int depth;         /* ${ nesting */
	int hard;          /* the error is out of memory or too long: keep it */
	size_t max;        /* the longest any result may grow */
	df_lookup fn;
	void *arg;
	char msg[512];     /* the error, "" while none */
};

/* Words split off the result, for df_expand_words. */
struct words {
	char **v;
	size_t n, cap;
	struct sbuf cur;
	int open;          /* cur is a word even if empty: it had quotes */
};

static int lex_run(struct lex *lx, char stop, int raw, struct sbuf *out, struct words *w);

__attribute__((format(printf, 2, 3)))
static int fail(struct lex *lx, const char *fmt, ...)
{
	if (lx->msg[0])
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(lx->msg, sizeof lx->msg, fmt, ap);
	va_end(ap);
	return -1;
}

static int fail_hard(struct lex *lx, const char *what)
{
	lx->hard = 1;
	return fail(lx, "%s", what);
}

static int sb_put(struct lex *lx, struct sbuf *b, const char *s, size_t n)
{
	if (b->len > lx->max || n > lx->max - b->len)
		return fail_hard(lx, "expansion too long");
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 32;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return fail_hard(lx, "out of memory");
		b->p = p, b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

/* The buffer's text as a malloc'd string ("" when nothing was put). */
static char *sb_take(struct lex *lx, struct sbuf *b)
{
	char *s = b->p ? b->p : strdup("");
	if (!s)
		fail_hard(lx, "out of memory");
	*b = (struct sbuf){ 0 };
	return s;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int w_end(struct lex *lx, struct words *w)
{
	if (w->n + 2 > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 8;
		char **v = realloc(w->v, cap * sizeof *v);
		if (!v)
			return fail_hard(lx, "out of memory");
		w->v = v, w->cap = cap;
	}
	char *s = sb_take(lx, &w->cur);
	if (!s)
		return -1;
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
	w->open = 0;
	return 0;
}

/* Text that stays in the current word whatever it holds. */
static int w_raw(struct lex *lx, struct words *w, const char *s, size_t n)
{
	w->open = 1;
	return sb_put(lx, &w->cur, s, n);
}

/* Text whose blanks separate words (unquoted text, unquoted $ values). */
static int w_split(struct lex *lx, struct words *w, const char *s, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (!is_blank(s[k])) {
			if (w_raw(lx, w, s + k, 1) < 0)
				return -1;
		} else if ((w->open || w->cur.len) && w_end(lx, w) < 0)
			return -1;
	}
	return 0;
}

/* Put text in the result and, when splitting, in the words. */
static int emit(struct lex *lx, struct sbuf *out, struct words *w, const char *s, size_t n,
		int split)
{
	if (sb_put(lx, out, s, n) < 0)
		return -1;
	if (!w)
		return 0;
	return split ? w_split(lx, w, s, n) : w_raw(lx, w, s, n);
}

/* The value of the name s[at..at+n), or NULL when unset. */
static int lookup(struct lex *lx, size_t at, size_t n, const char **v)
{
	char *name = strndup(lx->s + at, n);
	if (!name)
		return fail_hard(lx, "out of memory");
	*v = lx->fn ? lx->fn(name, lx->arg) : NULL;
	free(name);
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_namech(char c)
{
	return is_digit(c) || c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Read a name: letters, digits and _; or all the digits of a positional
 * parameter; or one special parameter character. Returns its length. */
static size_t lex_name(struct lex *lx)
{
	const char *s = lx->s + lx->i;
	size_t n = 0;
	if (is_digit(s[0]))
		while (is_digit(s[n]))
			n++;
	else if (s[0] && strchr("@*#?-$!", s[0]))
		n = 1;
	else
		while (is_namech(s[n]))
			n++;
	lx->i += n;
	return n;
}

/* ---- patterns of ${A#p} ${A%p} ${A/p/r}: '*', '?', '\' escapes ---- */

struct ptok {
	char kind;           /* '*', '?' or 'c' (the character c[0..n)) */
	const char *c;
	size_t n;
};

/* Bytes in the UTF-8 character at s (a stray byte counts as one). */
static size_t ch_len(const char *s, size_t n)
{
	size_t k = 1;
	if ((unsigned char)s[0] >= 0xc0)
		while (k < n && k < 4 && ((unsigned char)s[k] & 0xc0) == 0x80)
			k++;
	return k;
}

/* Cut the pattern into tokens. A '\' escapes '*', '?' or '\'; before '}'
 * or '/' it only kept them from ending the ${...}; anything else is an
 * error, as BuildKit's convertShellPatternToRegex has it. */
static struct ptok *pat_compile(struct lex *lx, const char *p, size_t pn, size_t *nt)
{
	struct ptok *t = calloc(pn + 1, sizeof *t);
	if (!t)
		return fail_hard(lx, "out of memory"), NULL;
	size_t k = 0;
	for (size_t i = 0; i < pn; k++) {
		if (p[i] == '*' || p[i] == '?') {
			t[k].kind = p[i++];
			continue;
		}
		if (p[i] == '\\' && (i + 1 == pn || !strchr("*?\\}/", p[i + 1]))) {
			free(t);
			fail(lx, "invalid pattern (%.100s) in substitution", p);
			return NULL;
		}
		i += p[i] == '\\';
		t[k] = (struct ptok){ 'c', p + i, ch_len(p + i, pn - i) };
		i += t[k].n;
	}
	*nt = k;
	return t;
}

/* Mark the states reachable without reading: a '*' may match nothing. */
static void pat_close(const struct ptok *t, size_t nt, unsigned char *on)
{
	for (size_t k = 0; k < nt; k++)
		if (on[k] && t[k].kind == '*')
			on[k + 1] = 1;
}

/* Step every live state over the character s[0..cn). */
static int pat_step(const struct ptok *t, size_t nt, const unsigned char *on,
		    unsigned char *next, const char *s, size_t cn)
{
	int any = 0;
	memset(next, 0, nt + 1);
	for (size_t k = 0; k < nt; k++) {
		if (!on[k])
			continue;
		if (t[k].kind == '*')
			next[k] = 1;
		else if (t[k].kind == '?' || (t[k].n == cn && memcmp(t[k].c, s, cn) == 0))
			next[k + 1] = 1;
	}
	pat_close(t, nt, next);
	for (size_t k = 0; k <= nt; k++)
		any |= next[k];
	return any;
}

/* Where a match of the whole pattern starting at s[from] ends: the
 * shortest or the longest one. -1 when none. Runs the pattern as a set
 * of states, so its time is linear in the text. */
static long pat_end(struct lex *lx, const struct ptok *t, size_t nt, const char *s, size_t sn,
		    size_t from, int longest)
{
	unsigned char *on = calloc(2 * (nt + 1), 1);
	if (!on)
		return fail_hard(lx, "out of memory"), -2;
	unsigned char *next = on + nt + 1;
	long end = -1;
	on[0] = 1;
	pat_close(t, nt, on);
	for (size_t i = from;; ) {
		if (on[nt]) {
			end = (long)i;
			if (!longest)
				break;
		}
		if (i >= sn)
			break;
		size_t cn = ch_len(s + i, sn - i);
		if (!pat_step(t, nt, on, next, s + i, cn))
			break;
		memcpy(on, next, nt + 1);
		i += cn;
	}
	free(on);
	return end;
}

/* s with its characters in reverse order (each character's bytes kept). */
static char *rev_chars(const char *s, size_t n)
{
	char *r = malloc(n + 1);
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; ) {
		size_t cn = ch_len(s + i, n - i);
		memcpy(r + n - i - cn, s + i, cn);
		i += cn;
	}
	r[n] = 0;
	return r;
}

static void rev_toks(struct ptok *t, size_t nt)
{
	for (size_t a = 0, b = nt; a + 1 < b; a++, b--) {
		struct ptok x = t[a];
		t[a] = t[b - 1], t[b - 1] = x;
	}
}

/* ${A#p} ${A##p} (suffix 0) and ${A%p} ${A%%p} (suffix 1): remove the
 * shortest (or, greedy, longest) prefix or suffix that p matches. A
 * suffix is a prefix of the reversed value against the reversed pattern. */
static int pat_trim(struct lex *lx, const char *v, const char *p, int suffix, struct sbuf *val)
{
	int greedy = p[0] == (suffix ? '%' : '#');
	size_t nt, vn = strlen(v);
	struct ptok *t = pat_compile(lx, p + greedy, strlen(p + greedy), &nt);
	if (!t)
		return -1;
	char *rv = suffix ? rev_chars(v, vn) : NULL;
	long end = -2;
	if (suffix && !rv)
		fail_hard(lx, "out of memory");
	else {
		if (suffix)
			rev_toks(t, nt);
		end = pat_end(lx, t, nt, suffix ? rv : v, vn, 0, greedy);
	}
	free(rv);
	free(t);
	if (end < -1)
		return -1;
	size_t cut = end < 0 ? 0 : (size_t)end;
	return sb_put(lx, val, suffix ? v : v + cut, vn - cut);
}

/* ${A/p/r} and ${A//p/r}: replace the first (every) leftmost-longest match
 * of p with r. Like Go's ReplaceAll, an empty match right after a match
 * is not replaced. */
static int pat_replace(struct lex *lx, const char *v, const char *p, const char *r, int all,
		       struct sbuf *val)
{
	size_t nt, vn = strlen(v), done = 0;
	struct ptok *t = pat_compile(lx, p, strlen(p), &nt);
	if (!t)
		return -1;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i <= vn; ) {
		size_t step = i < vn ? ch_len(v + i, vn - i) : 1;
		long end = pat_end(lx, t, nt, v, vn, i, 1);
		if (end < -1)
			rc = -1;
		if (end < 0) {
			i += step;
			continue;
		}
		rc = sb_put(lx, val, v + done, i - done);
		if (rc == 0 && ((size_t)end > done || i == 0))
			rc = sb_put(lx, val, r, strlen(r));
		done = (size_t)end;
		if (!all)
			break;
		i = i + step > done ? i + step : done;
	}
	free(t);
	return rc ? rc : sb_put(lx, val, v + done, vn - done);
}

/* ---- ${...} ---- */

static int braced_plain(struct lex *lx, size_t at, size_t n, struct sbuf *val)
{
	const char *v;
	if (lookup(lx, at, n, &v) < 0)
		return -1;
	return v ? sb_put(lx, val, v, strlen(v)) : 0;
}

/* The word of ${A-word} up to the closing '}'. */
static int braced_word(struct lex *lx, int raw, struct sbuf *word)
{
	if (lex_run(lx, '}', raw, word, NULL) == 0)
		return 0;
	if (!lx->s[lx->i] && !lx->hard) {
		lx->msg[0] = 0;
		fail(lx, "syntax error: missing '}'");
	}
	return -1;
}

static int braced_test(struct lex *lx, size_t at, size_t n, char op, int colon,
		       const char *v, const char *word, struct sbuf *val)
{
	int unset = !v || (colon && !*v);
	switch (op) {
	case '-':
		v = unset ? word : v;
		break;
	case '+':
		v = unset ? "" : word;
		break;
	case '?':
		if (unset)
			return fail(lx, "%.*s: %.200s", (int)(n < 100 ? n : 100), lx->s + at,
				    *word ? word : !v ? "is not allowed to be unset" :
				    "is not allowed to be empty");
		break;
	default:
		return pat_trim(lx, v ? v : "", word, op == '%', val);
	}
	return sb_put(lx, val, v, strlen(v));
}

/* ${A-w} ${A:-w} ${A+w} ${A:+w} ${A?w} ${A:?w} ${A#p} ${A##p} ${A%p} ${A%%p} */
static int braced_modifier(struct lex *lx, size_t at, size_t n, char op, struct sbuf *val)
{
	int colon = op == ':';
	if (colon)
		op = lx->s[lx->i] ? lx->s[lx->i++] : 0;
	if (!op)
		return fail(lx, "syntax error: missing '}'");
	int raw = op == '#' || op == '%';
	if (!strchr("+-?#%", op) || (colon && raw))
		return fail(lx, "unsupported modifier (%s%c) in substitution", colon ? ":" : "", op);
	struct sbuf word = { 0 };
	const char *v = NULL;
	int rc = braced_word(lx, raw, &word);
	if (rc == 0)
		rc = lookup(lx, at, n, &v);
	if (rc == 0)
		rc = braced_test(lx, at, n, op, colon, v, word.p ? word.p : "", val);
	free(word.p);
	return rc;
}

/* ${A/p/r} ${A//p/r} */
static int braced_replace(struct lex *lx, size_t at, size_t n, struct sbuf *val)
{
	int all = lx->s[lx->i] == '/';
	lx->i += all;
	struct sbuf pat = { 0 }, rep = { 0 };
	const char *v = NULL;
	int rc = lex_run(lx, '/', 1, &pat, NULL);
	if (rc < 0 && !lx->s[lx->i] && !lx->hard) {
		lx->msg[0] = 0;
		fail(lx, "syntax error: missing '/' in ${}");
	}
	if (rc == 0)
		rc = braced_word(lx, 1, &rep);
	if (rc == 0)
		rc = lookup(lx, at, n, &v);
	if (rc == 0)
		rc = pat_replace(lx, v ? v : "", pat.p ? pat.p : "", rep.p ? rep.p : "", all, val);
	free(pat.p);
	free(rep.p);
	return rc;
}

static int lex_braced(struct lex *lx, struct sbuf *val)
{
	char c = lx->s[++lx->i];
	if (!c)
		return fail(lx, "syntax error: missing '}'");
	if (c == '{' || c == '}' || c == ':')
		return fail(lx, "syntax error: bad substitution");
	if (lx->depth >= DEPTH_MAX)
		return fail(lx, "substitution nested too deeply");
	size_t at = lx->i, n = lex_name(lx);
	char op = lx->s[lx->i];
	lx->i += op != 0;
	lx->depth++;
	int rc = op == '}' ? braced_plain(lx, at, n, val) :
		 op == '/' ? braced_replace(lx, at, n, val) :
		 braced_modifier(lx, at, n, op, val);
	lx->depth--;
	return rc;
}

/* $NAME or ${...} at s[i] == '$': its value into val. A '$' that no name
 * follows stays itself. */
static int lex_dollar(struct lex *lx, struct sbuf *val)
{
	lx->i++;
	if (lx->s[lx->i] == '{')
		return lex_braced(lx, val);
	size_t at = lx->i, n = lex_name(lx);
	if (!n)
		return sb_put(lx, val, "$", 1);
	return braced_plain(lx, at, n, val);
}

/* ---- quotes, escapes, the main loop ---- */

static int lex_dollar_emit(struct lex *lx, struct sbuf *out, struct words *w, int split)
{
	struct sbuf val = { 0 };
	int rc = lex_dollar(lx, &val);
	if (rc == 0)
		rc = emit(lx, out, w, val.p ? val.p : "", val.len, split);
	free(val.p);
	return rc;
}

/* '...': every character as it is; no escapes. */
static int lex_squote(struct lex *lx, struct sbuf *out, struct words *w)
{
	const char *s = lx->s + ++lx->i;
	const char *q = strchr(s, '\'');
	if (!q)
		return fail(lx, "unexpected end of statement while looking for matching single-quote");
	lx->i += (size_t)(q - s) + 1;
	return emit(lx, out, w, s, (size_t)(q - s), 0);
}

/* "...": $ expands; the escape character escapes only " $ and itself. */
static int lex_dquote(struct lex *lx, int raw, struct sbuf *out, struct words *w)
{
	lx->i++;
	if (emit(lx, out, w, "", 0, 0) < 0)   /* "" is a word */
		return -1;
	for (;;) {
		char c = lx->s[lx->i];
		if (!c)
			return fail(lx, "unexpected end of statement while looking for matching double-quote");
		if (c == '"') {
			lx->i++;
			return 0;
		}
		if (c == '$') {
			if (lex_dollar_emit(lx, out, w, 0) < 0)
				return -1;
			continue;
		}
		lx->i++;
		char n = c == lx->esc ? lx->s[lx->i] : 0;
		int escapes = n == '"' || n == '$' || n == lx->esc;
		if ((raw || !escapes) && emit(lx, out, w, &c, 1, 0) < 0)
			return -1;
		if (escapes && emit(lx, out, w, &lx->s[lx->i++], 1, 0) < 0)
			return -1;
	}
}

/* A plain character, or the escape character and the one it escapes (an
 * escape at the very end is dropped). */
static int lex_plain(struct lex *lx, int raw, struct sbuf *out, struct words *w)
{
	char c = lx->s[lx->i++];
	if (c != lx->esc)
		return emit(lx, out, w, &c, 1, 1);
	if (raw && emit(lx, out, w, &c, 1, 0) < 0)
		return -1;
	if (!lx->s[lx->i])
		return 0;
	return emit(lx, out, w, &lx->s[lx->i++], 1, 0);
}

/* Scan to the end of the text or past `stop` (then an error when it is
 * missing). raw: escape characters are kept in the result (patterns). */
static int lex_run(struct lex *lx, char stop, int raw, struct sbuf *out, struct words *w)
{
	while (lx->s[lx->i]) {
		char c = lx->s[lx->i];
		int rc;
		if (stop && c == stop) {
			lx->i++;
			return 0;
		}
		if (c == '$')
			rc = lex_dollar_emit(lx, out, w, 1);
		else if (lx->quotes && c == '\'')
			rc = lex_squote(lx, out, w);
		else if (lx->quotes && c == '"')
			rc = lex_dquote(lx, raw, out, w);
		else
			rc = lex_plain(lx, raw, out, w);
		if (rc < 0)
			return -1;
	}
	if (stop)
		return fail(lx, "unexpected end of statement while looking for matching %c", stop);
	return 0;
}

/* ---- the entry points ---- */

static size_t limit(const char *s)
{
	size_t n = strlen(s);
	return n < (SIZE_MAX - EXPAND_BASE) / 4 ? EXPAND_BASE + 4 * n : SIZE_MAX / 2;
}

static char *expand(const char *s, char escape, int quotes, df_lookup fn, void *arg,
		    struct err *e)
{
	struct lex lx = { .s = s, .esc = escape, .quotes = quotes, .fn = fn, .arg = arg,
			  .max = limit(s) };
	struct sbuf out = { 0 };
	char *r = lex_run(&lx, 0, 0, &out, NULL) == 0 ? sb_take(&lx, &out) : NULL;
	if (!r) {
		free(out.p);
		err_set(e, 1, "%s", lx.msg);
	}
	return r;
}

char *df_expand_word(const char *word, char escape, df_lookup fn, void *arg, struct err *e)
{
	char *r = expand(word, escape, 1, fn, arg, e);
	if (!r)
		err_ctx(e, "failed to process \"%.200s\"", word);
	return r;
}

char *df_expand_text(const char *s, char escape, df_lookup fn, void *arg, struct err *e)
{
	return expand(s, escape, 0, fn, arg, e);
}

int df_expand_words(const char *s, char escape, df_lookup fn, void *arg, char ***out, int *n,
		    struct err *e)
{
	struct lex lx = { .s = s, .esc = escape, .quotes = 1, .fn = fn, .arg = arg,
			  .max = limit(s) };
	struct sbuf all = { 0 };
	struct words w = { 0 };
	int rc = lex_run(&lx, 0, 0, &all, &w);
	if (rc == 0 && (w.open || w.cur.len))
		rc = w_end(&lx, &w);
	if (rc == 0 && !w.v && !(w.v = calloc(1, sizeof *w.v)))
		rc = fail_hard(&lx, "out of memory");
	if (rc == 0 && w.n > INT_MAX)
		rc = fail_hard(&lx, "too many words");
	free(all.p);
	free(w.cur.p);
	if (rc < 0) {
		df_strv_free(w.v);
		err_set(e, 1, "%s", lx.msg);
		return err_ctx(e, "failed to process \"%.200s\"", s);
	}
	*out = w.v;
	*n = (int)w.n;
	return 0;
}

void df_strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}
