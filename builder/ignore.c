/* .dockerignore, read and matched as Docker does (moby/patternmatcher).
 *
 * Reading follows ignorefile.ReadAll then patternmatcher.New: a BOM on
 * the first line dropped, "#" lines skipped before trimming (so " #x" is
 * a pattern), Unicode spaces trimmed, "!" split off, filepath.Clean, a
 * leading "/" dropped, and the pattern checked with filepath.Match.
 *
 * Matching follows Pattern.match: a pattern without magic is compared
 * whole, as a prefix ("lit**") or as a suffix ("**lit": moby's plain
 * string test, so "**.log" matches "a/x.log"); any other becomes a short
 * program (where Docker builds a regexp: "*" and "?" stop at "/", "**"
 * is nothing or anything ending in "/", a trailing "**" is anything but
 * a newline, as the regexp's "." is). The program runs as a set of
 * states in one pass over the path, so a hostile pattern costs
 * O(path x pattern) and never more; the same pass sees every parent
 * directory (moby matches a path when the pattern matches it or any of
 * its parents).
 *
 * Character classes and "\" escapes inside a program are read as
 * filepath.Match reads them, which is what Docker's documentation
 * promises; moby's regexp translation reads a few odd spellings
 * differently ("\d", "[[:alpha:]]", "*" or "?" inside [...], a "^"
 * outside one), and those follow filepath.Match here. */
#include "ignore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../common/beneath.h"
#include "../common/xio.h"

/* Fixed buffers hold one pattern, so its length is bounded (Docker's own
 * line limit is bufio.Scanner's 64 KiB). */
#define MAX_LINE 4096
#define MAX_FILE (1 << 20)
#define RUNE_ERROR 0xFFFDu

enum pkind { P_EXACT, P_PREFIX, P_SUFFIX, P_PROGRAM };
/* T_DSTAR is "**" inside a pattern: nothing, or anything ending in "/";
 * T_TAIL a trailing "**": anything but a newline (the regexp's ".*"). */
enum tkind { T_LIT, T_ANY, T_STAR, T_CLASS, T_DSTAR, T_TAIL };

struct tok {
	uint8_t kind;
	uint32_t arg;              /* T_LIT: the rune; T_CLASS: offset after '[' */
};

struct pattern {
	char *text;                /* cleaned, without the "!" */
	size_t len;
	int exception;             /* it had "!" */
	enum pkind kind;
	struct tok *prog;          /* P_PROGRAM only */
	size_t nprog;
};

struct ignore {
	struct pattern *p;
	size_t n, cap;
};

/* ---- UTF-8 and text, as Go's standard library reads them ---- */

/* Go's utf8.DecodeRune on s[0..n), n > 0: the rune, its width in *w; a
 * byte that starts no valid sequence is U+FFFD of width 1. */
static uint32_t rune_at(const char *s, size_t n, size_t *w)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len;
	uint32_t r;
	*w = 1;
	if (u[0] < 0x80)
		return u[0];
	if (u[0] >= 0xC2 && u[0] <= 0xDF)
		len = 2, r = u[0] & 0x1F;
	else if (u[0] >= 0xE0 && u[0] <= 0xEF)
		len = 3, r = u[0] & 0x0F, lo = u[0] == 0xE0 ? 0xA0 : 0x80, hi = u[0] == 0xED ? 0x9F : 0xBF;
	else if (u[0] >= 0xF0 && u[0] <= 0xF4)
		len = 4, r = u[0] & 0x07, lo = u[0] == 0xF0 ? 0x90 : 0x80, hi = u[0] == 0xF4 ? 0x8F : 0xBF;
	else
		return RUNE_ERROR;
	if (n < len || u[1] < lo || u[1] > hi)
		return RUNE_ERROR;
	for (size_t i = 1; i < len; i++) {
		if (u[i] < 0x80 || u[i] > 0xBF)
			return RUNE_ERROR;
		r = r << 6 | (u[i] & 0x3F);
	}
	*w = len;
	return r;
}

/* Go's unicode.IsSpace. */
static int is_space(uint32_t r)
{
	switch (r) {
	case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
	case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F:
	case 0x205F: case 0x3000:
		return 1;
	}
	return r >= 0x2000 && r <= 0x200A;
}

/* Go's strings.TrimSpace on s[0..*n): the start; *n becomes the length. */
static const char *trim(const char *s, size_t *n)
{
	size_t i = 0, start = *n, end = 0, w;
	while (i < *n) {
		if (!is_space(rune_at(s + i, *n - i, &w))) {
			if (start == *n)
				start = i;
			end = i + w;
		}
		i += w;
	}
	if (start == *n)
		return *n = 0, s;
	*n = end - start;
	return s + start;
}

/* Go's filepath.Clean of s[0..n) into out (n + 1 bytes): its length.
 * The result is never longer than s, but "" becomes ".". */
static size_t clean(const char *s, size_t n, char *out)
{
	int rooted = n > 0 && s[0] == '/';
	size_t r = 0, w = 0, dotdot = 0;
	if (rooted)
		out[w++] = '/', r = 1, dotdot = 1;
	while (r < n) {
		if (s[r] == '/') {
			r++;
		} else if (s[r] == '.' && (r + 1 == n || s[r + 1] == '/')) {
			r++;
		} else if (s[r] == '.' && s[r + 1] == '.' && (r + 2 == n || s[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {     /* drop the element before */
				for (w--; w > dotdot && out[w] != '/'; w--)
					;
			} else if (!rooted) { /* a leading "..": kept */
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.', out[w++] = '.';
				dotdot = w;
			}
		} else {
			if (w != (size_t)rooted)
				out[w++] = '/';
			for (; r < n && s[r] != '/'; r++)
				out[w++] = s[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	return w;
}

/* ---- Go's filepath.Match ---- */

/* One possibly escaped character of a class (Go's getEsc) at c[*i]:
 * 0 with the rune in *r, or -1 for a bad pattern. */
static int class_char(const char *c, size_t n, size_t *i, uint32_t *r)
{
	size_t w;
	if (*i >= n || c[*i] == '-' || c[*i] == ']')
		return -1;
	if (c[*i] == '\\' && ++*i >= n)
		return -1;
	*r = rune_at(c + *i, n - *i, &w);
	if (*r == RUNE_ERROR && w == 1)
		return -1;
	*i += w;
	return *i < n ? 0 : -1;  /* a class must still be closed */
}

/* The class whose body starts at c[*i] (after '['), *i moved past its
 * ']': 1 when it holds r, 0 when not, -1 for a bad pattern. Only '^'
 * negates ("[!a]" holds '!' and 'a', as in Go). */
static int class_in(const char *c, size_t n, size_t *i, uint32_t r)
{
	int neg = 0, in = 0;
	size_t nrange = 0;
	if (*i < n && c[*i] == '^')
		neg = 1, ++*i;
	for (;; nrange++) {
		uint32_t lo, hi;
		if (*i < n && c[*i] == ']' && nrange > 0)
			return ++*i, in != neg;
		if (class_char(c, n, i, &lo) < 0)
			return -1;
		hi = lo;
		if (c[*i] == '-' && (++*i, class_char(c, n, i, &hi) < 0))
			return -1;
		if (lo <= r && r <= hi)
			in = 1;
	}
}

/* Does chunk c[0..cn) (no '*') match the start of s[0..sn)? 1 with the
 * bytes it took in *used, 0, or -1 for a bad pattern. Like Go, the chunk
 * is read to its end even after a mismatch, so errors are always found. */
static int match_chunk(const char *c, size_t cn, const char *s, size_t sn, size_t *used)
{
	int failed = 0;
	size_t i = 0, j = 0, w;
	while (i < cn) {
		uint32_t r = 0;
		failed |= j >= sn;
		switch (c[i]) {
		case '[':
			if (!failed) {
				r = rune_at(s + j, sn - j, &w);
				j += w;
			}
			i++;
			int in = class_in(c, cn, &i, r);
			if (in < 0)
				return -1;
			failed |= !in;
			break;
		case '?':
			if (!failed) {
				failed = s[j] == '/';
				rune_at(s + j, sn - j, &w);
				j += w;
			}
			i++;
			break;
		case '\\':
			if (++i >= cn)
				return -1;
			/* fall through */
		default:
			if (!failed)
				failed = c[i] != s[j++];
			i++;
		}
	}
	if (failed)
		return 0;
	*used = j;
	return 1;
}

/* Go's scanChunk: the length of the chunk at p (up to a '*' outside [...]). */
static size_t chunk_len(const char *p, size_t n)
{
	int inrange = 0;
	size_t i;
	for (i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n)
			i++;
		else if (p[i] == '[')
			inrange = 1;
		else if (p[i] == ']')
			inrange = 0;
		else if (p[i] == '*' && !inrange)
			break;
	}
	return i;
}

/* What is left of the pattern after a mismatch: 0 when well formed, -1 not. */
static int rest_valid(const char *p, size_t n)
{
	size_t used;
	while (n > 0) {
		while (n > 0 && *p == '*')
			p++, n--;
		size_t cn = chunk_len(p, n);
		if (match_chunk(p, cn, "", 0, &used) < 0)
			return -1;
		p += cn, n -= cn;
	}
	return 0;
}

/* After a '*': the chunk matched further on, skipping bytes but not a
 * '/' (Go skips bytes, not runes). 1 with *s moved, 0, -1 bad pattern. */
static int star_skip(const char *c, size_t cn, int last, const char **s, size_t *sn)
{
	size_t used;
	for (size_t i = 0; i < *sn && (*s)[i] != '/'; i++) {
		int m = match_chunk(c, cn, *s + i + 1, *sn - i - 1, &used);
		if (m < 0)
			return -1;
		if (m > 0 && !(last && used != *sn - i - 1)) {
			*s += i + 1 + used, *sn -= i + 1 + used;
			return 1;
		}
	}
	return 0;
}

/* Go's filepath.Match on byte strings: 1, 0, or -1 for a bad pattern. */
static int go_match(const char *p, size_t pn, const char *s, size_t sn)
{
	size_t used;
	while (pn > 0) {
		int star = 0;
		while (pn > 0 && *p == '*')
			p++, pn--, star = 1;
		size_t cn = chunk_len(p, pn);
		const char *c = p;
		p += cn, pn -= cn;
		if (star && cn == 0)   /* a trailing '*': the rest, if it has no '/' */
			return memchr(s, '/', sn) == NULL;
		int m = match_chunk(c, cn, s, sn, &used);
		if (m > 0 && (used == sn || pn > 0)) {
			s += used, sn -= used;
			continue;
		}
		if (m < 0)
			return -1;
		if (star && (m = star_skip(c, cn, pn == 0, &s, &sn)) != 0) {
			if (m < 0)
				return -1;
			continue;
		}
		return rest_valid(p, pn);
	}
	return sn == 0;
}

int glob_match(const char *pattern, const char *name)
{
	return go_match(pattern, strlen(pattern), name, strlen(name));
}

/* BuildKit's containsWildcards: a '\' makes the next character plain. */
int glob_has_magic(const char *pattern)
{
	for (const char *p = pattern; *p; p++) {
		if (*p == '\\' && p[1])
			p++;
		else if (*p == '*' || *p == '?' || *p == '[')
			return 1;
	}
	return 0;
}

/* ---- a pattern's program (moby's Pattern.compile) ---- */

/* A "**" at s[*i]: its kind, *i past it and past one '/' after it. */
static uint8_t dstar(const char *s, size_t n, size_t *i)
{
	*i += 2;
	if (*i < n && s[*i] == '/')
		++*i;
	return *i == n ? T_TAIL : T_DSTAR;
}

/* The token at s[*i] (a pattern that passed go_match), *i moved past it;
 * *magic set when the token makes the pattern a regexp for moby (an
 * escaped character, or a ']', does too). */
static int next_tok(const char *s, size_t n, size_t *i, struct tok *t, int *magic)
{
	size_t w, j;
	*magic = 1;
	t->arg = 0;
	if (s[*i] == '*' && *i + 1 < n && s[*i + 1] == '*') {
		t->kind = dstar(s, n, i);
		return 0;
	}
	if (s[*i] == '*' || s[*i] == '?') {
		t->kind = s[*i] == '*' ? T_STAR : T_ANY;
		++*i;
		return 0;
	}
	if (s[*i] == '[') {
		j = *i + 1;
		if (class_in(s, n, &j, 0) < 0)
			return -1;
		t->kind = T_CLASS, t->arg = (uint32_t)(*i + 1);
		*i = j;
		return 0;
	}
	if (s[*i] == '\\' && *i + 1 < n)
		++*i;
	else if (s[*i] != ']' && s[*i] != '\\')
		*magic = 0;
	t->kind = T_LIT;
	t->arg = rune_at(s + *i, n - *i, &w);
	*i += w;
	return 0;
}

/* Decide how pt is matched, and build its program: moby's compile. */
static int compile(struct pattern *pt, struct err *e)
{
	enum pkind kind = P_EXACT;
	size_t i = 0, n = 0;
	struct tok *t = malloc((pt->len + 1) * sizeof *t);
	if (!t)
		return err_set(e, EXIT_PACK, "out of memory");
	for (int first = 1; i < pt->len; first = 0, n++) {
		int magic;
		if (next_tok(pt->text, pt->len, &i, &t[n], &magic) < 0) {
			free(t);
			return err_set(e, EXIT_PACK, "syntax error in pattern");
		}
		if (t[n].kind == T_TAIL && kind == P_EXACT)
			kind = P_PREFIX;
		else if (magic)
			kind = P_PROGRAM;
		if (first && (t[n].kind == T_TAIL || t[n].kind == T_DSTAR))
			kind = P_SUFFIX;
	}
	pt->kind = kind;
	if (kind != P_PROGRAM)
		free(t), t = NULL, n = 0;
	pt->prog = t, pt->nprog = n;
	return 0;
}

/* ---- running a program ---- */

enum { ON = 1, IN = 2 };  /* at token i; inside the loop of a "**" at i */

struct run {
	unsigned char st[2][MAX_LINE + 2];
	int cur;
};

/* States reached without reading: past a '*' or "**" (and into its loop). */
static void closure(const struct pattern *pt, unsigned char *st)
{
	for (size_t i = 0; i < pt->nprog; i++) {
		uint8_t k = pt->prog[i].kind;
		if (!(st[i] & ON))
			continue;
		if (k == T_STAR || k == T_DSTAR || k == T_TAIL)
			st[i + 1] |= ON;
		if (k == T_DSTAR)
			st[i] |= IN;
	}
}

static void run_start(struct run *ru, const struct pattern *pt)
{
	ru->cur = 0;
	memset(ru->st[0], 0, pt->nprog + 1);
	ru->st[0][0] = ON;
	closure(pt, ru->st[0]);
}

/* Does the single-rune token t take r? */
static int tok_takes(const struct pattern *pt, const struct tok *t, uint32_t r)
{
	size_t j = t->arg;
	switch (t->kind) {
	case T_LIT: return r == t->arg;
	case T_ANY: return r != '/';
	case T_CLASS: return class_in(pt->text, pt->len, &j, r) == 1;
	default: return 0;
	}
}

/* Read rune r. 0 when no state is left. */
static int run_step(struct run *ru, const struct pattern *pt, uint32_t r)
{
	const unsigned char *cur = ru->st[ru->cur];
	unsigned char *nxt = ru->st[!ru->cur], live = 0;
	memset(nxt, 0, pt->nprog + 1);
	for (size_t i = 0; i < pt->nprog; i++) {
		const struct tok *t = &pt->prog[i];
		if ((cur[i] & IN) && r != '\n')
			nxt[i] |= IN;
		if ((cur[i] & IN) && r == '/')
			nxt[i + 1] |= ON;
		if (!(cur[i] & ON))
			continue;
		if ((t->kind == T_STAR && r != '/') || (t->kind == T_TAIL && r != '\n'))
			nxt[i] |= ON;
		else if (tok_takes(pt, t, r))
			nxt[i + 1] |= ON;
	}
	closure(pt, nxt);
	ru->cur = !ru->cur;
	for (size_t i = 0; i <= pt->nprog; i++)
		live |= nxt[i];
	return live != 0;
}

static int run_accepts(const struct run *ru, const struct pattern *pt)
{
	return ru->st[ru->cur][pt->nprog] & ON;
}

/* Does s[j] end a parent of s? (moby's parents come from filepath.Dir,
 * which folds a "//".) */
static int parent_end(const char *s, size_t j)
{
	return s[j] == '/' && (j == 0 || s[j - 1] != '/');
}

/* Feed s[0..n): 1 when a parent was accepted on the way, -1 when no state
 * is left, 0 when the run goes on. */
static int run_path(struct run *ru, const struct pattern *pt, const char *s, size_t n)
{
	size_t j = 0, w;
	while (j < n) {
		if (parent_end(s, j) && run_accepts(ru, pt))
			return 1;
		uint32_t r = rune_at(s + j, n - j, &w);
		j += w;
		if (!run_step(ru, pt, r))
			return -1;
	}
	return 0;
}

/* ---- matching ---- */

/* A pattern without magic against s[0..n): moby's exact, prefix and
 * suffix tests, on bytes. */
static int lit_match(const struct pattern *pt, const char *s, size_t n)
{
	const char *t = pt->text;
	size_t l = pt->len;
	switch (pt->kind) {
	case P_EXACT:
		return n == l && !memcmp(s, t, n);
	case P_PREFIX:
		return n >= l - 2 && !memcmp(s, t, l - 2);
	case P_SUFFIX:
		t += 2, l -= 2;
		if (n >= l && !memcmp(s + n - l, t, l))
			return 1;
		return l > 0 && t[0] == '/' && n == l - 1 && !memcmp(s, t + 1, n);
	default:
		return 0;
	}
}

/* Does pt match s[0..n) or one of its parents? */
static int pattern_hits(const struct pattern *pt, const char *s, size_t n)
{
	if (pt->kind == P_PROGRAM) {
		struct run ru;
		run_start(&ru, pt);
		int r = run_path(&ru, pt, s, n);
		return r ? r > 0 : run_accepts(&ru, pt);
	}
	if (lit_match(pt, s, n))
		return 1;
	for (size_t j = 0; j < n; j++)
		if (parent_end(s, j) && lit_match(pt, s, j))
			return 1;
	return 0;
}

static int is_root(const char *rel)
{
	return !rel[0] || !strcmp(rel, ".");
}

int ignore_match(const struct ignore *ig, const char *rel)
{
	int matched = 0;
	if (!ig || is_root(rel))   /* the context itself is never left out */
		return 0;
	size_t n = strlen(rel);
	for (size_t i = 0; i < ig->n; i++) {
		const struct pattern *pt = &ig->p[i];
		/* only a pattern that would change the answer is tried */
		if (pt->exception == matched && pattern_hits(pt, rel, n))
			matched = !pt->exception;
	}
	return matched;
}

/* Could the literal pattern pt match d[0..n), a directory above it, or
 * something below it? */
static int lit_below(const struct pattern *pt, const char *d, size_t n)
{
	const char *t = pt->text;
	size_t l = pt->len;
	if (pt->kind == P_SUFFIX)
		return 1;
	if (pt->kind == P_PREFIX) {    /* t[0..l-2) against d + "/" */
		l -= 2;
		return !memcmp(t, d, l < n ? l : n) && (l <= n || t[n] == '/');
	}
	if (l > n)
		return !memcmp(t, d, n) && t[n] == '/';
	return !memcmp(d, t, l) && (l == n || d[l] == '/');
}

/* Could pt match d[0..n), a directory above it, or something below it?
 * A program is run over d + "/": any state left means perhaps. */
static int pattern_below(const struct pattern *pt, const char *d, size_t n)
{
	struct run ru;
	if (pt->kind != P_PROGRAM)
		return lit_below(pt, d, n);
	run_start(&ru, pt);
	int r = run_path(&ru, pt, d, n);
	if (r)
		return r > 0;
	return run_accepts(&ru, pt) || run_step(&ru, pt, '/');
}

int ignore_may_include_below(const struct ignore *ig, const char *rel)
{
	if (!ig)
		return 0;
	size_t n = strlen(rel);
	for (size_t i = 0; i < ig->n; i++)
		if (ig->p[i].exception && (is_root(rel) || pattern_below(&ig->p[i], rel, n)))
			return 1;
	return 0;
}

/* ---- reading patterns ---- */

static int push(struct ignore *ig, const char *p, size_t n, int exception, struct err *e)
{
	if (ig->n == ig->cap) {
		size_t cap = ig->cap ? ig->cap * 2 : 16;
		struct pattern *np = realloc(ig->p, cap * sizeof *np);
		if (!np)
			return err_set(e, EXIT_PACK, "out of memory");
		ig->p = np, ig->cap = cap;
	}
	struct pattern *pt = &ig->p[ig->n];
	memset(pt, 0, sizeof *pt);
	if (!(pt->text = malloc(n + 1)))
		return err_set(e, EXIT_PACK, "out of memory");
	memcpy(pt->text, p, n);
	pt->text[n] = 0;
	pt->len = n, pt->exception = exception;
	if (compile(pt, e) < 0) {
		free(pt->text);
		return -1;
	}
	ig->n++;
	return 0;
}

/* patternmatcher.New on one pattern s[0..n) (n <= MAX_LINE). */
static int add_pattern(struct ignore *ig, const char *s, size_t n, const char *name, int line,
		       struct err *e)
{
	char p[MAX_LINE + 1];
	s = trim(s, &n);
	if (!n)
		return 0;
	n = clean(s, n, p);
	int exc = p[0] == '!';
	if (exc && n == 1)
		return err_set(e, EXIT_PACK, "%s:%d: illegal exclusion pattern: \"!\"", name, line);
	if (go_match(p + exc, n - exc, ".", 1) < 0)
		return err_set(e, EXIT_PACK, "%s:%d: syntax error in pattern \"%.*s\"", name, line,
			       (int)(n < 200 ? n : 200), p);
	if (push(ig, p + exc, n - exc, exc, e) < 0)
		return err_ctx(e, "%s:%d", name, line);
	return 0;
}

/* ignorefile.ReadAll on one line s[0..n) (its "\n" and "\r" gone). */
static int add_line(struct ignore *ig, const char *s, size_t n, const char *name, int line,
		    struct err *e)
{
	char p[MAX_LINE + 1];
	size_t k = 0;
	if (n > 0 && s[0] == '#')   /* a comment only when '#' is first */
		return 0;
	s = trim(s, &n);
	if (!n)
		return 0;
	if (n > MAX_LINE)
		return err_set(e, EXIT_PACK, "%s:%d: pattern longer than %d bytes", name, line,
			       MAX_LINE);
	if (s[0] == '!') {
		p[k++] = '!', s++, n--;
		s = trim(s, &n);
	}
	if (n > 0) {
		size_t c = clean(s, n, p + k);
		if (c > 1 && p[k] == '/')   /* relative to the context */
			memmove(p + k, p + k + 1, --c);
		k += c;
	}
	return add_pattern(ig, p, k, name, line, e);
}

/* Split text[0..len) into lines the way bufio.ScanLines does. */
static int add_buf(struct ignore *ig, const char *text, size_t len, const char *name,
		   struct err *e)
{
	const char *p = text, *end = text + len;
	if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3))
		p += 3;
	for (int line = 1; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		size_t n = (size_t)(eol - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (add_line(ig, p, n, name, line, e) < 0)
			return -1;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int ignore_add_text(struct ignore **ig, const char *text, const char *name, struct err *e)
{
	if (!*ig && !(*ig = calloc(1, sizeof **ig)))
		return err_set(e, EXIT_PACK, "out of memory");
	return add_buf(*ig, text, strlen(text), name, e);
}

void ignore_free(struct ignore *ig)
{
	if (!ig)
		return;
	for (size_t i = 0; i < ig->n; i++) {
		free(ig->p[i].text);
		free(ig->p[i].prog);
	}
	free(ig->p);
	free(ig);
}

/* Read the ignore file open as fd (-1: open failed, errno set): 1 with
 * *text and *len, 0 when there is none, -1 with e. O_NONBLOCK on the open
 * and the check for a regular file keep a FIFO from hanging the build. */
static int read_ignore(int fd, const char *name, char **text, size_t *len, struct err *e)
{
	struct stat st;
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0)
		return err_sys(e, EXIT_PACK, "open %s", name);
	if (fstat(fd, &st) < 0) {
		close_keep_errno(fd);
		return err_sys(e, EXIT_PACK, "stat %s", name);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, EXIT_PACK, "%s is not a regular file", name);
	}
	*text = read_fd_all(fd, MAX_FILE, len);
	close_keep_errno(fd);
	if (!*text && errno == EFBIG)
		return err_set(e, EXIT_PACK, "%s is larger than %d bytes", name, MAX_FILE);
	if (!*text)
		return err_sys(e, EXIT_PACK, "read %s", name);
	return 1;
}

/* NAME.dockerignore beside the Dockerfile (a path from the user, opened
 * as given), else the context's .dockerignore, opened inside it. */
static int find_ignore(int ctxfd, const char *dockerfile, char **name, char **text, size_t *len,
		       struct err *e)
{
	int r = 0;
	if (dockerfile && dockerfile[0] && strcmp(dockerfile, "-")) {
		size_t n = strlen(dockerfile);
		if (!(*name = malloc(n + sizeof ".dockerignore")))
			return err_set(e, EXIT_PACK, "out of memory");
		memcpy(*name, dockerfile, n);
		memcpy(*name + n, ".dockerignore", sizeof ".dockerignore");
		r = read_ignore(open(*name, O_RDONLY | O_NONBLOCK | O_CLOEXEC), *name, text, len, e);
		if (r != 0)
			return r;
		free(*name);
	}
	if (!(*name = strdup(".dockerignore")))
		return err_set(e, EXIT_PACK, "out of memory");
	return read_ignore(open_in_root(ctxfd, ".dockerignore", O_RDONLY | O_NONBLOCK), *name,
			   text, len, e);
}

int ignore_load(int ctxfd, const char *dockerfile, struct ignore **out, struct err *e)
{
	char *name = NULL, *text = NULL;
	size_t len = 0;
	*out = NULL;
	int r = find_ignore(ctxfd, dockerfile, &name, &text, &len, e);
	if (r > 0 && !(*out = calloc(1, sizeof **out)))
		r = err_set(e, EXIT_PACK, "out of memory");
	if (r > 0 && add_buf(*out, text, len, name, e) < 0) {
		ignore_free(*out);
		*out = NULL;
		r = -1;
	}
	free(name);
	free(text);
	return r < 0 ? -1 : 0;
}
