/* crawler_fuzz.c — libFuzzer harness: Coupang review-page answers of untrusted bytes
 * (review_page_parse, what revlens-crawler reads from the network). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/review_page.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An item must be what docs/ingest.md calls a review, whatever the input was. */
static void check_item(json_object *it, long long pid, long long newest)
{
	json_object *v;
	long long x;

	if (!json_object_is_type(it, json_type_object))
		abort();
	if (!json_object_object_get_ex(it, "product_id", &v) || !json_object_is_type(v, json_type_int) ||
	    (pid > 0 && json_object_get_int64(v) != pid) || json_object_get_int64(v) <= 0)
		abort();
	if (!json_object_object_get_ex(it, "review_id", &v))
		abort();
	if (json_object_is_type(v, json_type_int) ? json_object_get_int64(v) <= 0 :
	    !json_object_is_type(v, json_type_string) || json_object_get_string_len(v) < 1 ||
	    json_object_get_string_len(v) > REVIEW_PAGE_MAX_ID)
		abort();
	if (!json_object_object_get_ex(it, "rating", &v) || !json_object_is_type(v, json_type_int) ||
	    (x = json_object_get_int64(v)) < 1 || x > 5)
		abort();
	if (!json_object_object_get_ex(it, "written_at", &v) || !json_object_is_type(v, json_type_int) ||
	    (x = json_object_get_int64(v)) <= 0 || x > newest)
		abort();
	if (!json_object_object_get_ex(it, "content", &v) || !json_object_is_type(v, json_type_string))
		abort();
	/* and it serialises (what the crawler sends) */
	if (json_object_to_json_string_ext(it, JSON_C_TO_STRING_PLAIN) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct review_page p;
	char err[200];
	long long pid = size > 0 && (data[0] & 1) ? 1001 : 0;

	for (int pass = 0; pass < 2; pass++, pid = pid ? 0 : 1001) {
		enum review_page_status st = review_page_parse((const char *)data, size, pid, &p, err, sizeof(err));
		size_t n;

		if (st != REVIEW_PAGE_OK) {
			/* a refusal says why and leaves nothing behind */
			if (err[0] == '\0' || strlen(err) >= sizeof(err) || p.items != NULL || p.total_pages != 0 ||
			    p.skipped != 0 || p.newest_ms != 0)
				abort();
			if (st == REVIEW_PAGE_CHALLENGE && !review_page_is_challenge((const char *)data, size))
				abort();
			continue;
		}
		if (p.items == NULL || p.total_pages < 0 || p.skipped < 0)
			abort();
		n = json_object_array_length(p.items);
		if (n + (size_t)p.skipped > REVIEW_PAGE_MAX_REVIEWS)
			abort();
		if ((n == 0) != (p.newest_ms == 0))
			abort();
		for (size_t i = 0; i < n; i++)
			check_item(json_object_array_get_idx(p.items, i), pid, p.newest_ms);
		review_page_free(&p);
		if (p.items != NULL)
			abort();
	}
	return 0;
}
