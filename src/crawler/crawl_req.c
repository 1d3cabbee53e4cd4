/* crawl_req.c — the fields of a revlens:crawl entry, checked (see crawl_req.h). */
#include <stdio.h>
#include <string.h>

#include "crawler/crawl_req.h"
#include "lib/strnum.h"

#define ID_MAX 999999999999999LL   /* Coupang and revlens ids: 15 digits */

struct field {
	const char *name;
	int required;
	long long min, max;
	size_t off;
};

#define F(x) offsetof(struct crawl_req, x)
static const struct field fields[] = {
	{ "coupang_product_id", 1, 1, ID_MAX, F(coupang_product_id) },
	{ "product_id", 0, 1, ID_MAX, F(product_id) },
	{ "request_id", 0, 1, ID_MAX, F(request_id) },
	{ "known_reviews", 0, 0, 1000000000LL, F(known_reviews) },
	{ "newest_review_at", 0, 0, 253402300799999LL, F(newest_review_at) },
	{ "deadline", 0, 0, 253402300799LL, F(deadline) },
};
#undef F
#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

int crawl_req_parse(const char *id, const char *const *names, const size_t *name_lens,
    const char *const *values, const size_t *value_lens, size_t n, struct crawl_req *req,
    char *err, size_t errlen)
{
	int seen[NFIELDS] = { 0 };

	memset(req, 0, sizeof(*req));
	if (strlen(id) >= sizeof(req->id)) {
		snprintf(err, errlen, "entry id too long");
		return -1;
	}
	strcpy(req->id, id);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < NFIELDS; k++) {
			const struct field *f = &fields[k];
			long long v;

			if (name_lens[i] != strlen(f->name) || memcmp(names[i], f->name, name_lens[i]) != 0)
				continue;
			if (value_lens[i] == 0 && !f->required)
				break;   /* "" = unknown / none */
			if (strnum_parse_n(values[i], value_lens[i], 10, f->min, f->max, &v) == -1) {
				snprintf(err, errlen, "%s: not a number in %lld..%lld", f->name, f->min, f->max);
				return -1;
			}
			*(long long *)((char *)req + f->off) = v;
			seen[k] = 1;
			break;
		}
	}
	for (size_t k = 0; k < NFIELDS; k++)
		if (fields[k].required && !seen[k]) {
			snprintf(err, errlen, "%s missing", fields[k].name);
			return -1;
		}
	return 0;
}

int crawl_req_expired(const struct crawl_req *req, long long now)
{
	return req->deadline > 0 && now > req->deadline;
}
