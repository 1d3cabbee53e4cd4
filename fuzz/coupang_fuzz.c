/* coupang_fuzz.c — libFuzzer harness: pasted Coupang addresses and ids of untrusted bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/coupang.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct coupang_ref r, again;
	char url[COUPANG_URL_SIZE], digits[32];
	char *in = malloc(size + 1);
	enum coupang_err e;
	const char *m;

	if (in == NULL)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	e = coupang_parse(in, &r);
	m = coupang_strerror(e);
	if (m == NULL || m[0] == '\0')
		abort();
	if (e != COUPANG_OK) {
		/* a refusal leaves nothing behind */
		if (r.product_id != 0 || r.item_id != 0 || r.vendor_item_id != 0)
			abort();
		goto out;
	}
	if (r.product_id <= 0 || r.item_id < 0 || r.vendor_item_id < 0)
		abort();
	if (strlen(in) > COUPANG_INPUT_MAX)
		abort();
	/* the id was in the input as written, not conjured from escapes */
	snprintf(digits, sizeof(digits), "%lld", r.product_id);
	if (strstr(in, digits) == NULL)
		abort();
	/* what gets stored reads back as the same product and nothing else */
	if (coupang_canonical_url(r.product_id, url, sizeof(url)) != 0)
		abort();
	if (coupang_parse(url, &again) != COUPANG_OK || again.product_id != r.product_id ||
	    again.item_id != 0 || again.vendor_item_id != 0)
		abort();
out:
	free(in);
	return 0;
}
