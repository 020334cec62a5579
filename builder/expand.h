/* Variable substitution and word splitting in Dockerfile instructions,
 * as BuildKit's shell lexer does it: $VAR, ${VAR}, ${VAR:-word},
 * ${VAR:+word}, ${VAR-word}, ${VAR+word}, ${VAR:?msg} and ${VAR?msg}
 * (an error when unset or empty), ${VAR#pat} ${VAR##pat} ${VAR%pat}
 * ${VAR%%pat} ${VAR/pat/rep} ${VAR//pat/rep} (pat: '*', '?', '\'
 * escapes); single and double quotes; the escape character. An unset
 * variable expands to "". Names are ASCII letters, digits and '_'; $1
 * and $@ style parameters are looked up by their name ("1", "@"). */
#ifndef BOXCAR_EXPAND_H
#define BOXCAR_EXPAND_H
#include "../common/err.h"

/* The value of NAME, or NULL when unset. */
typedef const char *(*df_lookup)(const char *name, void *arg);

/* One word: quotes removed, escapes applied, variables substituted
 * (malloc'd). NULL with e set (code 1, "what is wrong", no file:line: the
 * caller adds it) on a bad substitution or an unterminated quote. */
char *df_expand_word(const char *word, char escape, df_lookup fn, void *arg, struct err *e);
/* Expand s and split it into words as BuildKit's ProcessWords does: on
 * blanks outside quotes, including the blanks in the value of an
 * unquoted $VAR ("$A" with A="x y" is one word, $A is two); a quoted
 * empty "" stays a word, as in the shell. *out is a NULL-terminated malloc'd
 * vector of malloc'd strings, *n its length. 0, or -1 with e set. */
int df_expand_words(const char *s, char escape, df_lookup fn, void *arg, char ***out, int *n,
		    struct err *e);
/* A heredoc body of COPY/ADD <<EOF (delimiter unquoted): quotes stay as
 * they are, variables are substituted, and the escape character still
 * escapes the next character, which is how BuildKit has it ("\$A" gives
 * "$A", "\\" gives "\"; BuildKit passes '\\' whatever # escape= says).
 * malloc'd, or NULL with e set. */
char *df_expand_text(const char *s, char escape, df_lookup fn, void *arg, struct err *e);
void df_strv_free(char **v);

#endif
