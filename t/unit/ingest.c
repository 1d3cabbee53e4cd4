/* t/unit/ingest.c — the times the ingest contract accepts, and the checks of each item
 * kind (docs/ingest.md): what is accepted, and each refusal's code. */
#include <json-c/json.h>
#include <string.h>

#include "lib/ingest.h"
#include "tap.h"

#define NOW 1764460800000LL     /* 2025-11-30T00:00:00Z */

static long long t(const char *json)
{
	json_object *o = json_tokener_parse(json);
	long long ms = -1;

	if (o == NULL || ingest_parse_time(o, &ms) == -1)
		ms = -1;
	json_object_put(o);
	return ms;
}

static const char *code(enum ingest_kind k, const char *json)
{
	json_object *o = json_tokener_parse(json);
	const char *c = "ok";
	char msg[INGEST_MSG];

	if (o == NULL)
		return "unparsed";
	msg[0] = '\0';
	if (ingest_check(k, o, NOW, &c, msg) == -1 && msg[0] == '\0')
		c = "no message";
	json_object_put(o);
	return c;
}

int main(void)
{
	enum ingest_kind k;

	/* times */
	is_int(t("1714500000000"), 1714500000000LL, "epoch milliseconds");
	is_int(t("\"2024-05-01T10:20:30Z\""), 1714558830000LL, "ISO 8601 with Z");
	is_int(t("\"2024-05-01T19:20:30+09:00\""), 1714558830000LL, "with +09:00");
	is_int(t("\"2024-05-01T19:20:30+0900\""), 1714558830000LL, "with +0900");
	is_int(t("\"2024-05-01T05:20:30-05\""), 1714558830000LL, "with -05");
	is_int(t("\"2024-05-01T19:20:30\""), 1714558830000LL, "without a zone: Seoul time");
	is_int(t("\"2024-05-01 19:20\""), 1714558800000LL, "a space and no seconds");
	is_int(t("\"2024-05-01T10:20:30.123456Z\""), 1714558830123LL, "fractions to the millisecond");
	is_int(t("\"2024-05-02\""), 1714575600000LL, "a date: midnight in Seoul");
	is_int(t("\"2024-02-29\""), 1709132400000LL, "29 February of a leap year");
	is_int(t("\"2023-02-29\""), -1, "29 February of another year");
	is_int(t("\"2000-02-29\""), 951750000000LL, "2000 was a leap year");
	is_int(t("\"2100-02-29\""), -1, "2100 is not");
	is_int(t("\"2024-13-01\""), -1, "month 13");
	is_int(t("\"2024-04-31\""), -1, "31 April");
	is_int(t("\"2024-05-01T24:00:00Z\""), -1, "hour 24");
	is_int(t("\"2024-05-01T10:60Z\""), -1, "minute 60");
	is_int(t("\"2024-05-01T10:20:30+25:00\""), -1, "offset +25:00");
	is_int(t("\"2024-05-01T10:20:30+09:0\""), -1, "a cut offset");
	is_int(t("\"2024-05-01T10:20:30Zjunk\""), -1, "junk after Z");
	is_int(t("\"2024-05-01T10:20:30.Z\""), -1, "a dot without digits");
	is_int(t("\"2024-5-1\""), -1, "unpadded");
	is_int(t("\"어제\""), -1, "words");
	is_int(t("\"\""), -1, "empty");
	is_int(t("1.5"), -1, "a fraction");
	is_int(t("true"), -1, "a boolean");

	/* kinds */
	ok(ingest_kind_parse("review", &k) == 0 && k == INGEST_REVIEW, "kind review");
	ok(ingest_kind_parse("price", &k) == 0 && k == INGEST_PRICE, "kind price");
	ok(ingest_kind_parse("tag", &k) == 0 && k == INGEST_TAG, "kind tag");
	ok(ingest_kind_parse("crawl-status", &k) == -1, "crawl states are not imported");
	ok(ingest_kind_parse(NULL, &k) == -1, "no kind");
	ok(ingest_collector_ok("extension") && ingest_collector_ok("a-b_9"), "collector names");
	ok(!ingest_collector_ok("") && !ingest_collector_ok("Ext") && !ingest_collector_ok("a b") &&
	    !ingest_collector_ok("abcdefghijklmnopqrstuvwxyz0123456"), "bad collector names");

	/* reviews */
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":5,\"content\":\"좋아요\",\"written_at\":\"2024-05-01\"}"), "ok", "a review");
	is_str(code(INGEST_REVIEW, "{\"product_id\":\"123\",\"review_id\":77,\"rating\":1,\"content\":\"\",\"written_at\":1714500000000,\"title\":null}"), "ok", "ids as string and integer, empty content, null title");
	is_str(code(INGEST_REVIEW, "[]"), "not_object", "an array");
	is_str(code(INGEST_REVIEW, "{\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "missing_field", "no product");
	is_str(code(INGEST_REVIEW, "{\"product_id\":0,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_product_id", "product 0");
	is_str(code(INGEST_REVIEW, "{\"product_id\":\"0123\",\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_product_id", "a leading zero");
	is_str(code(INGEST_REVIEW, "{\"product_id\":\"99999999999999999999\",\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_product_id", "a product id past int64");
	is_str(code(INGEST_REVIEW, "{\"product_id\":9223372036854775808,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_product_id", "an integer product id past int64 (json-c clamps it)");
	is_str(code(INGEST_REVIEW, "{\"product_id\":\"123\\u0000\",\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_product_id", "a NUL after the product id's digits");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":99999999999999999999,\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_review_id", "an integer review id past int64 (not taken as another one)");
	is_str(code(INGEST_CRAWL, "{\"product_id\":1,\"state\":\"done\",\"request_id\":9223372036854775808}"), "bad_type", "a request id past int64");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":0,\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_review_id", "review id 0");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a/b\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_review_id", "a slash in the review id");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "missing_field", "no rating");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":\"5\",\"content\":\"x\",\"written_at\":\"2024-05-01\"}"), "bad_rating", "a rating as a string");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2025-12-02\"}"), "bad_date", "a date two days ahead");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2025-11-30T20:00:00Z\"}"), "ok", "a time less than a day ahead (clock skew)");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2024-05-01\",\"option\":5}"), "bad_type", "a number as option");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\\u0000y\",\"written_at\":\"2024-05-01\"}"), "bad_text", "NUL in the content");

	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"2000-01-01\"}"), "ok", "2000-01-01 in Seoul, the first day taken");
	is_str(code(INGEST_REVIEW, "{\"product_id\":1,\"review_id\":\"a\",\"rating\":5,\"content\":\"x\",\"written_at\":\"1999-12-31T23:59:59+09:00\"}"), "bad_date", "a second before it");

	/* prices */
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":12900,\"observed_at\":\"2024-05-01\",\"name\":\"두유\",\"image_url\":\"https://a.example/x.jpg\"}"), "ok", "a price with name and image");
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":0,\"observed_at\":\"2024-05-01\"}"), "ok", "a price of 0 won");
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":2000000001,\"observed_at\":\"2024-05-01\"}"), "bad_price", "over 2 billion won");
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":12.5,\"observed_at\":\"2024-05-01\"}"), "bad_price", "a fraction of a won");
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":1,\"observed_at\":\"2024-05-01\",\"image_url\":\"http://a.example/x.jpg\"}"), "bad_url", "an http image");
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":1,\"observed_at\":\"2024-05-01\",\"image_url\":\"https://a.example/x\\\".jpg\"}"), "bad_url", "a quote in the image URL");
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":1,\"observed_at\":\"2024-05-01\",\"name\":\"\"}"), "too_long", "an empty name");
	is_str(code(INGEST_PRICE, "{\"product_id\":1,\"price\":1}"), "missing_field", "no time");

	/* tags */
	is_str(code(INGEST_TAG, "{\"product_id\":1,\"question\":\"맛\",\"answer\":\"아주 맛있어요\",\"percent\":72,\"observed_at\":\"2024-05-01\"}"), "ok", "a survey tag");
	is_str(code(INGEST_TAG, "{\"product_id\":1,\"question\":\"맛\",\"answer\":\"별로\",\"percent\":0.5,\"observed_at\":\"2024-05-01\",\"respondents\":30}"), "ok", "a fraction of a percent and respondents");
	is_str(code(INGEST_TAG, "{\"product_id\":1,\"question\":\"맛\",\"answer\":\"별로\",\"percent\":-1,\"observed_at\":\"2024-05-01\"}"), "bad_percent", "a negative percentage");
	is_str(code(INGEST_TAG, "{\"product_id\":1,\"question\":\"맛\",\"answer\":\"별로\",\"percent\":\"72%\",\"observed_at\":\"2024-05-01\"}"), "bad_percent", "a percentage as text");
	is_str(code(INGEST_TAG, "{\"product_id\":1,\"question\":\"맛\",\"percent\":1,\"observed_at\":\"2024-05-01\"}"), "missing_field", "no answer");

	/* crawl states */
	is_str(code(INGEST_CRAWL, "{\"product_id\":1,\"state\":\"done\",\"reviews\":35,\"pages\":4,\"request_id\":9}"), "ok", "a crawl state");
	is_str(code(INGEST_CRAWL, "{\"product_id\":1,\"state\":\"paused\"}"), "bad_state", "an unknown state");
	is_str(code(INGEST_CRAWL, "{\"product_id\":1,\"state\":\"done\",\"reviews\":-1}"), "bad_type", "a negative count");
	return tap_done();
}
