/* t/unit/crawler_page.c — Coupang review pages read into ingest review items, or refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crawler/review_page.h"
#include "tap.h"

static enum review_page_status parse(const char *s, long long pid, struct review_page *p)
{
	char err[200];
	enum review_page_status st = review_page_parse(s, strlen(s), pid, p, err, sizeof(err));

	if (st != REVIEW_PAGE_OK && err[0] == '\0')
		printf("# no reason given for a refusal\n");
	return st;
}

static const char *field(json_object *item, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(item, key, &v))
		return NULL;
	return json_object_get_string(v);
}

#define REVIEW(id, rating, at, extra) \
	"{\"reviewId\":" id ",\"productId\":1001,\"rating\":" #rating ",\"reviewAt\":" #at extra "}"
/* contents: the reviews as one string literal, joined with "," */
#define PAGE(total, contents) "{\"rCode\":\"RET0000\",\"rData\":{\"paging\":{\"totalPage\":" #total \
	",\"contents\":[" contents "]}}}"

static void test_normal(void)
{
	struct review_page p;
	json_object *it;
	const char *page = PAGE(4,
	    REVIEW("71234567", 5, 1714526430000, ",\"title\":\"맛있어요\",\"content\":\"정말 맛있어요/추천\","
		"\"member\":{\"name\":\"김**\",\"id\":1},\"itemName\":\"두유 190ml 24개\",\"helpful\":3") ","
	    REVIEW("\"r-2\"", 1, 1714526440000, ",\"content\":null,\"member\":null"));

	is_int(parse(page, 1001, &p), REVIEW_PAGE_OK, "a page of two reviews is read");
	is_int(p.total_pages, 4, "totalPage");
	is_int(json_object_array_length(p.items), 2, "two items");
	is_int(p.skipped, 0, "none left out");
	is_int(p.newest_ms, 1714526440000LL, "the newest reviewAt");
	it = json_object_array_get_idx(p.items, 0);
	is_str(field(it, "product_id"), "1001", "product_id");
	ok(json_object_is_type(json_object_object_get(it, "review_id"), json_type_int), "an integer review id stays one");
	is_str(field(it, "review_id"), "71234567", "review_id");
	is_str(field(it, "rating"), "5", "rating");
	is_str(field(it, "written_at"), "1714526430000", "written_at from reviewAt (epoch ms)");
	is_str(field(it, "title"), "맛있어요", "title");
	is_str(field(it, "content"), "정말 맛있어요/추천", "content, Korean and a slash intact");
	is_str(field(it, "author"), "김**", "author from member.name");
	is_str(field(it, "option"), "두유 190ml 24개", "option from itemName");
	ok(json_object_object_get(it, "helpful") == NULL, "fields outside the contract are not passed on");
	it = json_object_array_get_idx(p.items, 1);
	ok(json_object_is_type(json_object_object_get(it, "review_id"), json_type_string), "a string review id stays one");
	is_str(field(it, "review_id"), "r-2", "string review_id");
	is_str(field(it, "content"), "", "null content is the empty string");
	ok(field(it, "title") == NULL && field(it, "author") == NULL && field(it, "option") == NULL,
	    "absent optional fields are left out");
	review_page_free(&p);
	ok(p.items == NULL, "freed");
	review_page_free(&p);
}

static void test_product_id(void)
{
	struct review_page p;
	const char *page = PAGE(1, "{\"reviewId\":1,\"productId\":555,\"rating\":3,\"reviewAt\":1714526430000}" ","
	    "{\"reviewId\":2,\"rating\":3,\"reviewAt\":1714526430000}");

	is_int(parse(page, 1001, &p), REVIEW_PAGE_OK, "product ids: read");
	is_str(field(json_object_array_get_idx(p.items, 0), "product_id"), "1001",
	    "the product asked for is what items carry");
	is_int(json_object_array_length(p.items), 2, "a review without productId is kept when the product is known");
	review_page_free(&p);
	is_int(parse(page, 0, &p), REVIEW_PAGE_OK, "without a product asked for");
	is_int(json_object_array_length(p.items), 1, "... a review without its own productId is left out");
	is_str(field(json_object_array_get_idx(p.items, 0), "product_id"), "555", "... its own productId is used");
	review_page_free(&p);
}

static void test_lenient_reviews(void)
{
	struct review_page p;
	const char *page = PAGE(2,
	    REVIEW("1", 5, 1714526430000, "") ","
	    "{\"productId\":1001,\"rating\":5,\"reviewAt\":1714526430000}" ","      /* no id */
	    REVIEW("2", 0, 1714526430000, "") ","                                  /* rating 0 */
	    REVIEW("3", 6, 1714526430000, "") ","                                  /* rating 6 */
	    REVIEW("4", "5", 1714526430000, "") ","                                /* rating as a string */
	    REVIEW("5", 4.5, 1714526430000, "") ","                                /* fractional rating */
	    REVIEW("6", 5, "1714526430000", "") ","                                /* date as a string */
	    REVIEW("7", 5, 12, "") ","                                             /* 1970 */
	    REVIEW("\"\"", 5, 1714526430000, "") ","                               /* empty id */
	    REVIEW("-8", 5, 1714526430000, "") ","                                 /* negative id */
	    REVIEW("\"0123456789012345678901234567890123456789012345678901234567890123456789\"", 5, 1714526430000, "") ","
	    REVIEW("9", 5, 1714526430000, ",\"content\":42") ","                   /* content not a string */
	    "17" "," "null" "," "[]");

	is_int(parse(page, 1001, &p), REVIEW_PAGE_OK, "a page with bad reviews is still read");
	is_int(json_object_array_length(p.items), 2, "the good reviews are kept");
	is_int(p.skipped, 13, "the bad ones are counted");
	is_str(field(json_object_array_get_idx(p.items, 1), "content"), "", "content of another type: empty");
	review_page_free(&p);
}

static void test_refused(void)
{
	static const char *const malformed[] = {
		"",
		"   ",
		"{",
		"{\"rData\":{\"paging\":{\"totalPage\":1,\"contents\":[]}}",
		"{\"rData\":{\"paging\":{\"totalPage\":1,\"contents\":[]}}} x",
		"{\"rData\":{\"paging\":{\"totalPage\":1,\"contents\":[]}}}{}",
		"{\"rData\":null}",
		"{\"rData\":{\"paging\":null}}",
		"{\"rData\":{\"paging\":{\"totalPage\":1}}}",
		"{\"rData\":{\"paging\":{\"contents\":[]}}}",
		"{\"rData\":{\"paging\":{\"totalPage\":\"1\",\"contents\":[]}}}",
		"{\"rData\":{\"paging\":{\"totalPage\":-1,\"contents\":[]}}}",
		"{\"rData\":{\"paging\":{\"totalPage\":1,\"contents\":{}}}}",
		"{'rData':{}}",
		"{\"rData\":{\"paging\":{\"totalPage\":1,\"contents\":[],}}}",
		"{\"rData\":{\"paging\":{\"totalPage\":1,\"contents\":[\"\xff\"]}}}",
		"[]",
		"null",
		"12",
	};
	struct review_page p;

	for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		is_int(parse(malformed[i], 1001, &p), REVIEW_PAGE_MALFORMED, "malformed %zu refused", i);
		ok(p.items == NULL && p.total_pages == 0, "... and leaves nothing");
	}
	{
		char buf[2200], *w = buf;
		w += sprintf(w, "{\"rData\":{\"paging\":{\"totalPage\":1,\"contents\":[");
		for (int i = 0; i < REVIEW_PAGE_MAX_REVIEWS + 1; i++)
			w += sprintf(w, "%s{}", i ? "," : "");
		sprintf(w, "]}}}");
		is_int(parse(buf, 1001, &p), REVIEW_PAGE_MALFORMED, "more than %d reviews on a page: refused",
		    REVIEW_PAGE_MAX_REVIEWS);
	}
	{
		char deep[200];
		memset(deep, '[', 100);
		memset(deep + 100, ']', 99);
		deep[199] = '\0';
		is_int(parse(deep, 1001, &p), REVIEW_PAGE_MALFORMED, "nesting past the depth limit: refused");
	}
	{
		size_t n = REVIEW_PAGE_MAX_BYTES + 1;
		char *big = malloc(n + 1), err[200];
		memset(big, ' ', n);
		big[0] = '{';
		big[n] = '\0';
		is_int(review_page_parse(big, n, 1001, &p, err, sizeof(err)), REVIEW_PAGE_MALFORMED,
		    "over %d bytes: refused", REVIEW_PAGE_MAX_BYTES);
		free(big);
	}
}

static void test_challenge(void)
{
	static const char *const challenges[] = {
		"<!DOCTYPE html><html><head><title>Access Denied</title></head></html>",
		"  \n<html><body>You don't have permission</body></html>",
		"<HTML><script src=\"/_sec/cp_challenge/ak-challenge-4-5.js\"></script></HTML>",
		"Access Denied\nReference #18.2f3c",
		"sec-if-cpt",
	};
	struct review_page p;

	for (size_t i = 0; i < sizeof(challenges) / sizeof(challenges[0]); i++)
		is_int(parse(challenges[i], 1001, &p), REVIEW_PAGE_CHALLENGE, "challenge %zu is recognised", i);
	is_int(parse("Internal Server Error", 1001, &p), REVIEW_PAGE_MALFORMED, "plain text is malformed, not a block");
	is_int(parse(PAGE(1, REVIEW("1", 5, 1714526430000, ",\"content\":\"<html> captcha Access Denied\"")), 1001, &p),
	    REVIEW_PAGE_OK, "markers inside a JSON review are just text");
	review_page_free(&p);
	ok(review_page_is_challenge("<p>", 3), "is_challenge: HTML");
	ok(!review_page_is_challenge("{\"a\":1}", 7), "is_challenge: JSON is not");
}

static void test_empty_page(void)
{
	struct review_page p;

	is_int(parse(PAGE(0, ""), 1002, &p), REVIEW_PAGE_OK, "a product without reviews");
	is_int(json_object_array_length(p.items), 0, "no items");
	is_int(p.total_pages, 0, "totalPage 0");
	is_int(p.newest_ms, 0, "no newest date");
	review_page_free(&p);
}

int main(void)
{
	test_normal();
	test_product_id();
	test_lenient_reviews();
	test_refused();
	test_challenge();
	test_empty_page();
	return tap_done();
}
