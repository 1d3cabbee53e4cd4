/* ingest_fuzz.c — libFuzzer harness: collectors' items (docs/ingest.md) of untrusted
 * bytes. The first byte picks the kind (review, price, tag, crawl state), the rest is
 * parsed as an item the way POST /api/ingest/ and `revlens import` parse it and checked.
 * A refusal must carry a code and a valid UTF-8 message; times must parse the same
 * twice. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/ingest.h"
#include "lib/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ingest_kind kinds[] = { INGEST_REVIEW, INGEST_PRICE, INGEST_TAG, INGEST_CRAWL };
	json_tokener *tok;
	json_object *o, *v;
	char msg[INGEST_MSG];
	const char *code = NULL;
	long long a, b;

	if (size < 1)
		return 0;
	if ((tok = json_tokener_new_ex(8)) == NULL)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, (const char *)data + 1, (int)(size - 1));
	json_tokener_free(tok);
	if (o == NULL)
		return 0;
	msg[0] = '\0';
	if (ingest_check(kinds[data[0] % 4], o, 1764460800000LL, &code, msg) == -1) {
		if (code == NULL || code[0] == '\0' || msg[0] == '\0' || !utf8_valid(msg, strlen(msg)))
			abort();
	}
	if (json_object_object_get_ex(o, "written_at", &v) && ingest_parse_time(v, &a) == 0 &&
	    (ingest_parse_time(v, &b) != 0 || a != b))
		abort();
	json_object_put(o);
	return 0;
}
