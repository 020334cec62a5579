/* The build context's .dockerignore (Dockerfile.dockerignore beside the
 * Dockerfile wins), matched as Docker matches it (moby's patternmatcher):
 * patterns are cleaned (filepath.Clean), a leading / dropped, Go's
 * filepath.Match syntax plus "**" for any number of directories, "!"
 * for an exception, the last matching pattern deciding; a pattern
 * matching a directory excludes everything below it. */
#ifndef BOXCAR_IGNORE_H
#define BOXCAR_IGNORE_H
#include "../common/err.h"

struct ignore;

/* Read the patterns. ctxfd: the context directory; dockerfile: the
 * Dockerfile's path as given (-f), used to look for NAME.dockerignore
 * beside it (its directory, then the context; NULL, "" or "-" for
 * none). The context's .dockerignore is opened inside the context (a
 * symlink cannot lead out of it). *out is NULL-safe to use and free when
 * there is no file. 0, or -1 with e set (code 1, "FILE:LINE: what is
 * wrong" for a bad pattern; a file over 1 MiB, or a pattern over 4096
 * bytes, is an error). */
int ignore_load(int ctxfd, const char *dockerfile, struct ignore **out, struct err *e);
/* Add patterns from text, one per line, read as a whole .dockerignore
 * named name (a first-line BOM dropped; "#" comments only when '#' is
 * the line's first byte, as in Docker; blank lines skipped). */
int ignore_add_text(struct ignore **ig, const char *text, const char *name, struct err *e);
/* 1 when rel ("a/b/c", relative to the context, clean: no leading "./"
 * or "/", no "//") is excluded, 0 when not; the context itself ("" or
 * ".") never is. Costs at most O(length of rel x length of a pattern)
 * per pattern, whatever the patterns. */
int ignore_match(const struct ignore *ig, const char *rel);
/* 1 when some "!" exception could re-include a path below directory rel,
 * so that a walk must descend into an excluded directory. 0 is certain
 * (nothing below rel can match an exception); 1 may be a false alarm. */
int ignore_may_include_below(const struct ignore *ig, const char *rel);
void ignore_free(struct ignore *ig);

/* Go's filepath.Match: '*' (not '/'), '?' (one UTF-8 character, not
 * '/'), '[...]' with ranges and '^' negation (as in Go, "[!a]" holds '!'
 * and 'a'), '\\' escapes. 1 match, 0 no match, -1 bad pattern (also when
 * the malformed part comes after the first mismatch, as current Go does). */
int glob_match(const char *pattern, const char *name);
/* Does the pattern have any of * ? [ (then it is matched, not named)?
 * A '\\' makes the next character plain (BuildKit's containsWildcards). */
int glob_has_magic(const char *pattern);

#endif
