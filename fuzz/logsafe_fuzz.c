/* logsafe_fuzz.c — libFuzzer harness: log_safe() on arbitrary bytes must give
 * bounded, NUL-terminated, valid UTF-8 without control characters. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[64];
	size_t outlen = size ? 4 + data[0] % 60 : 4;
	size_t n;

	log_safe(out, outlen, (const char *)data, size);
	n = strlen(out);
	if (n >= outlen || !utf8_valid(out, n))
		abort();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	return 0;
}
