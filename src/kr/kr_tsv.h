/* kr_tsv.h — the shared review TSV format: rating<TAB>label<TAB>text. */
#ifndef REVLENS_KR_TSV_H
#define REVLENS_KR_TSV_H

#include <stddef.h>

/* Split one line (len bytes, no newline). Returns 1 and sets *label (1 pos,
 * 0 neg), *text and *tlen when the line is "rating<TAB>pos|neg<TAB>text" with a
 * numeric rating; returns 0 for anything else (then the whole line is text). */
int kr_tsv_split(const char *line, size_t len, int *label, const char **text, size_t *tlen);

#endif
