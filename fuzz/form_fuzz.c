/* form_fuzz.c — libFuzzer harness: URL decoding and form parsing of untrusted bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct form f;
	struct arena a;
	char *out = malloc(size + 1);
	size_t n;

	if (out == NULL)
		return 0;
	for (int flags = 0; flags < 4; flags++)
		if (form_url_decode((const char *)data, size, flags, out, &n) == FORM_OK) {
			/* the contract: never longer than the input, no NUL, valid UTF-8 */
			if (n > size || memchr(out, '\0', n) != NULL || !form_utf8_valid(out, n))
				abort();
			if (!(flags & FORM_ALLOW_NEWLINE) && memchr(out, '\n', n) != NULL)
				abort();
		}
	arena_init(&a, 4096, 1 << 24);
	if (form_parse(&f, &a, (const char *)data, size, FORM_ALLOW_NEWLINE) == FORM_OK)
		for (int i = 0; i < f.n; i++)
			if (strlen(f.params[i].key) > FORM_MAX_KEY || strchr(f.params[i].key, '\n') != NULL)
				abort();
	arena_free(&a);
	free(out);
	return 0;
}
