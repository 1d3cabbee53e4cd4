/* config_fuzz.c — libFuzzer harness: the configuration parser on arbitrary text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	char err[CONFIG_ERR_MAX];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (config_defaults(&c) == 0) {
		if (config_parse(&c, "fuzz.conf", text, err, sizeof(err)) == 0 &&
		    (c.web_workers < 1 || c.web_workers > 64 || c.web_max_body < 1024))
			abort();
		config_free(&c);
	}
	free(text);
	return 0;
}
