/* kr_tsv.c — recognise and split lines of the shared review TSV format. */
#include "kr/kr_tsv.h"

#include <string.h>

int kr_tsv_split(const char *line, size_t len, int *label, const char **text, size_t *tlen)
{
	const char *t1 = memchr(line, '\t', len), *t2, *lab;
	size_t i, ll;

	if (!t1 || t1 == line || t1 - line > 3)
		return 0;
	for (i = 0; i < (size_t)(t1 - line); i++)
		if (line[i] < '0' || line[i] > '9')
			return 0;
	lab = t1 + 1;
	t2 = memchr(lab, '\t', len - (size_t)(lab - line));
	if (!t2)
		return 0;
	ll = (size_t)(t2 - lab);
	if (ll == 3 && !memcmp(lab, "pos", 3))
		*label = 1;
	else if (ll == 3 && !memcmp(lab, "neg", 3))
		*label = 0;
	else
		return 0;
	*text = t2 + 1;
	*tlen = len - (size_t)(t2 + 1 - line);
	return 1;
}
