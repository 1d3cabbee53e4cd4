/* t/unit/crawler_req.c — the fields of a revlens:crawl entry: read, checked, expired. */
#include <string.h>

#include "crawler/crawl_req.h"
#include "tap.h"

/* Parse n "name", "value" pairs given as one array of strings. */
static int parse(const char *const *kv, size_t n, struct crawl_req *req, char *err, size_t errlen)
{
	const char *names[16], *values[16];
	size_t nl[16], vl[16];

	for (size_t i = 0; i < n; i++) {
		names[i] = kv[2 * i];
		nl[i] = strlen(kv[2 * i]);
		values[i] = kv[2 * i + 1];
		vl[i] = strlen(kv[2 * i + 1]);
	}
	return crawl_req_parse("1700000000000-0", names, nl, values, vl, n, req, err, errlen);
}

int main(void)
{
	struct crawl_req req;
	char err[200];

	{
		/* what `revlens crawl` puts on the stream */
		const char *kv[] = { "product_id", "17", "coupang_product_id", "7335597976",
			"coupang_item_id", "", "coupang_vendor_item_id", "", "url",
			"https://www.coupang.com/vp/products/7335597976", "request_id", "42",
			"known_reviews", "35", "newest_review_at", "1740798000000", "deadline", "1800000000" };
		is_int(parse(kv, 9, &req, err, sizeof(err)), 0, "a full entry is read");
		is_str(req.id, "1700000000000-0", "entry id");
		is_int(req.product_id, 17, "product_id");
		is_int(req.coupang_product_id, 7335597976LL, "coupang_product_id");
		is_int(req.request_id, 42, "request_id");
		is_int(req.known_reviews, 35, "known_reviews");
		is_int(req.newest_review_at, 1740798000000LL, "newest_review_at");
		is_int(req.deadline, 1800000000, "deadline");
		ok(!crawl_req_expired(&req, 1800000000), "not expired at its deadline");
		ok(crawl_req_expired(&req, 1800000001), "expired a second later");
	}
	{
		const char *kv[] = { "coupang_product_id", "1001", "request_id", "", "newest_review_at", "",
			"deadline", "", "unknown", "whatever" };
		is_int(parse(kv, 5, &req, err, sizeof(err)), 0, "empty optional fields and unknown ones are fine");
		ok(req.request_id == 0 && req.newest_review_at == 0 && req.deadline == 0 && req.product_id == 0,
		    "... and read as none");
		ok(!crawl_req_expired(&req, 4000000000LL), "no deadline: never expired");
	}
	{
		static const char *const bad[][2] = {
			{ "coupang_product_id", "" }, { "coupang_product_id", "0" }, { "coupang_product_id", "-5" },
			{ "coupang_product_id", "12x" }, { "coupang_product_id", " 12" },
			{ "coupang_product_id", "1234567890123456" }, { "coupang_product_id", "0x10" },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			const char *kv[] = { bad[i][0], bad[i][1] };
			err[0] = '\0';
			is_int(parse(kv, 1, &req, err, sizeof(err)), -1, "coupang_product_id \"%s\" refused", bad[i][1]);
			ok(strstr(err, "coupang_product_id") != NULL, "... naming the field");
		}
	}
	{
		const char *kv[] = { "product_id", "3" };
		is_int(parse(kv, 1, &req, err, sizeof(err)), -1, "no coupang_product_id: refused");
		is_str(err, "coupang_product_id missing", "... saying so");
	}
	{
		const char *kv[] = { "coupang_product_id", "1001", "deadline", "soon" };
		is_int(parse(kv, 2, &req, err, sizeof(err)), -1, "a malformed deadline: refused");
		ok(strstr(err, "deadline") != NULL, "... naming it");
	}
	{
		const char *kv[] = { "coupang_product_id", "1001", "newest_review_at", "-1" };
		is_int(parse(kv, 2, &req, err, sizeof(err)), -1, "a negative date: refused");
	}
	{
		char longid[100];
		const char *names[] = { "coupang_product_id" }, *values[] = { "1" };
		size_t nl[] = { 18 }, vl[] = { 1 };
		memset(longid, '9', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		is_int(crawl_req_parse(longid, names, nl, values, vl, 1, &req, err, sizeof(err)), -1,
		    "an over-long entry id: refused");
	}
	{
		/* values are length-delimited, not NUL-terminated */
		const char *names[] = { "coupang_product_idXX" }, *values[] = { "100199" };
		size_t nl[] = { 18 }, vl[] = { 4 };
		is_int(crawl_req_parse("1-0", names, nl, values, vl, 1, &req, err, sizeof(err)), 0,
		    "length-delimited fields");
		is_int(req.coupang_product_id, 1001, "... read to their length");
	}
	return tap_done();
}
