/* t/unit/coupang.c — what a pasted Coupang address or id is read as, or why it is refused. */
#include <stdlib.h>
#include <string.h>

#include "lib/coupang.h"
#include "tap.h"

struct accept_case {
	const char *in;
	long long product_id, item_id, vendor_item_id;
};

static const struct accept_case accepted[] = {
	{"https://www.coupang.com/vp/products/7335597976", 7335597976LL, 0, 0},
	{"http://www.coupang.com/vp/products/7335597976", 7335597976LL, 0, 0},
	{"https://coupang.com/vp/products/7335597976", 7335597976LL, 0, 0},
	{"http://coupang.com/vp/products/7335597976", 7335597976LL, 0, 0},
	{"www.coupang.com/vp/products/7335597976", 7335597976LL, 0, 0},
	{"coupang.com/vp/products/7335597976", 7335597976LL, 0, 0},
	{"https://www.coupang.com/vp/products/7335597976/", 7335597976LL, 0, 0},
	{"https://www.coupang.com/vp/products/7335597976#sdpReview", 7335597976LL, 0, 0},
	{"https://www.coupang.com/vp/products/7335597976/#top", 7335597976LL, 0, 0},
	{"https://www.coupang.com/vp/products/7335597976?itemId=18850416380&vendorItemId=86000000000",
	    7335597976LL, 18850416380LL, 86000000000LL},
	{"https://www.coupang.com/vp/products/7335597976?vendorItemId=86000000000&itemId=18850416380",
	    7335597976LL, 18850416380LL, 86000000000LL},
	{"https://www.coupang.com/vp/products/7335597976?itemId=18850416380", 7335597976LL,
	    18850416380LL, 0},
	{"https://www.coupang.com/vp/products/7335597976?vendorItemId=86000000000", 7335597976LL, 0,
	    86000000000LL},
	{"https://www.coupang.com/vp/products/7335597976?itemId=18850416380&vendorItemId=86000000000"
	    "&q=%EB%85%B8%ED%8A%B8%EB%B6%81&itemsCount=36&searchId=4f1c2a&rank=1&isAddedCart=",
	    7335597976LL, 18850416380LL, 86000000000LL},
	{"https://www.coupang.com/vp/products/7335597976?src=1139000&spec=10799999&addtag=400"
	    "&ctag=7335597976&lptag=AF1234567&itime=20240101&pageType=PRODUCT&pageValue=7335597976"
	    "&wPcid=17000&wRef=&wTime=20240101&redirect=landing&gclid=Cj0KCQ&traceid=V0-1"
	    "&clickEventId=a-b-c&mcid=abc&sourceType=srp_product_ads&vendorItemId=86000000000",
	    7335597976LL, 0, 86000000000LL},
	{"https://m.coupang.com/vm/products/7335597976", 7335597976LL, 0, 0},
	{"https://m.coupang.com/vm/products/7335597976?itemId=1&vendorItemId=2", 7335597976LL, 1, 2},
	{"m.coupang.com/vm/products/7335597976", 7335597976LL, 0, 0},
	{"https://m.coupang.com/vp/products/7335597976", 7335597976LL, 0, 0},
	{"m.coupang.com/vp/products/7335597976/", 7335597976LL, 0, 0},
	{"http://m.coupang.com/vm/products/7335597976/?sourceType=MOBILE#x", 7335597976LL, 0, 0},
	{"7335597976", 7335597976LL, 0, 0},
	{"1", 1, 0, 0},
	{"999999999999999", 999999999999999LL, 0, 0},
	{" 7335597976\n", 7335597976LL, 0, 0},
	{"  https://www.coupang.com/vp/products/42  ", 42, 0, 0},
	{"\t\v\fhttps://www.coupang.com/vp/products/42\r\n", 42, 0, 0},
	{"HTTPS://WWW.COUPANG.COM/vp/products/42", 42, 0, 0},
	{"Https://Www.Coupang.Com/vp/products/42", 42, 0, 0},
	{"hTTp://M.COUPANG.COM/vm/products/42", 42, 0, 0},
	{"COUPANG.COM/vp/products/42", 42, 0, 0},
	{"https://www.coupang.com/vp/products/42?", 42, 0, 0},
	{"https://www.coupang.com/vp/products/42?&&itemId=5&&", 42, 5, 0},
	{"https://www.coupang.com/vp/products/42?itemId=5&itemId=6", 42, 5, 0},
	{"https://www.coupang.com/vp/products/42?itemId=5&itemId=abc", 42, 5, 0},
	{"https://www.coupang.com/vp/products/42?ItemId=abc&VENDORITEMID=x", 42, 0, 0},
	{"https://www.coupang.com/vp/products/42?q=itemId%3D7", 42, 0, 0},
	{"https://www.coupang.com/vp/products/42?xitemId=9&itemIdx=8&vendorItemId2=7", 42, 0, 0},
	{"https://www.coupang.com/vp/products/42?q=\xEB\x85\xB8\xED\x8A\xB8\xEB\xB6\x81&itemId=3",
	    42, 3, 0},
	{"https://www.coupang.com/vp/products/42#itemId=7", 42, 0, 0},
	{"https://www.coupang.com/vp/products/42?itemId=5#?vendorItemId=6", 42, 5, 0},
	{"https://www.coupang.com/vp/products/42?vendorItemId=999999999999999&itemId=1", 42, 1,
	    999999999999999LL},
	{"https://www.coupang.com/vp/products/42/?itemId=3#x", 42, 3, 0},
	{"https://www.coupang.com/vp/products/42?redirect=https://evil.example/&itemId=3", 42, 3, 0},
	{"https://www.coupang.com/vp/products/42?a=1?b=2&itemId=3", 42, 3, 0},
	{"https://www.coupang.com/vp/products/42?q=%zz%00&itemId=3", 42, 3, 0},
	{"coupang.com/vp/products/42?itemId=5", 42, 5, 0},
	{"https://www.coupang.com/vp/products/42#", 42, 0, 0},
};

struct refuse_case {
	const char *in;
	enum coupang_err want;
};

static const struct refuse_case refused[] = {
	{"", COUPANG_E_EMPTY},
	{"   \t\r\n", COUPANG_E_EMPTY},
	{"javascript:alert(1)", COUPANG_E_SCHEME},
	{"JavaScript:alert(1)//www.coupang.com/vp/products/1", COUPANG_E_SCHEME},
	{"data:text/html,<script>alert(1)</script>", COUPANG_E_SCHEME},
	{"ftp://www.coupang.com/vp/products/1", COUPANG_E_SCHEME},
	{"file:///etc/passwd", COUPANG_E_SCHEME},
	{"mailto:help@coupang.com", COUPANG_E_SCHEME},
	{"blob:https://www.coupang.com/vp/products/1", COUPANG_E_SCHEME},
	{"https://coupang.com.evil.example/vp/products/1", COUPANG_E_HOST},
	{"https://evilcoupang.com/vp/products/1", COUPANG_E_HOST},
	{"https://www.coupang.co/vp/products/1", COUPANG_E_HOST},
	{"user@evil.example/coupang.com/vp/products/1", COUPANG_E_HOST},
	{"https://www.coupang.com./vp/products/1", COUPANG_E_HOST},
	{"https://a@www.coupang.com/vp/products/1", COUPANG_E_HOST},
	{"https://www.coupang.com@evil.example/vp/products/1", COUPANG_E_HOST},
	{"https://www.coupang.com\\@evil.example/vp/products/1", COUPANG_E_HOST},
	{"https://www.coupang.com:443/vp/products/1", COUPANG_E_HOST},
	{"www.coupang.com:8080/vp/products/1", COUPANG_E_HOST},
	{"https://www.coupang.com:/vp/products/1", COUPANG_E_HOST},
	{"https://login.coupang.com/vp/products/1", COUPANG_E_HOST},
	{"https://www.cou pang.com/vp/products/1", COUPANG_E_HOST},
	{"https://www.coupang.com%2Fvp/products/1", COUPANG_E_HOST},
	{"http:/www.coupang.com/vp/products/1", COUPANG_E_HOST},
	{"https:www.coupang.com/vp/products/1", COUPANG_E_HOST},
	{"//www.coupang.com/vp/products/1", COUPANG_E_HOST},
	{"https:///vp/products/1", COUPANG_E_HOST},
	{"java\nscript:alert(1)", COUPANG_E_HOST},
	{"\xEC\xBF\xA0\xED\x8C\xA1 https://www.coupang.com/vp/products/1", COUPANG_E_HOST},
	{"https://link.coupang.com/a/xyz", COUPANG_E_SHORTLINK},
	{"link.coupang.com/re/AFFSDP?lptag=AF1234567", COUPANG_E_SHORTLINK},
	{"https://www.coupang.com/np/search?q=%EB%85%B8%ED%8A%B8%EB%B6%81", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/123/reviews", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/123//", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products//123", COUPANG_E_PATH},
	{"https://www.coupang.com/VP/products/1", COUPANG_E_PATH},
	{"https://www.coupang.com/vm/products/1", COUPANG_E_PATH},
	{"https://www.coupang.com/", COUPANG_E_PATH},
	{"www.coupang.com", COUPANG_E_PATH},
	{"https://www.coupang.com?itemId=1", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/1 2", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/1\x01", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/pro\nducts/1", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/1?q=a b", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/1#a\x7f", COUPANG_E_PATH},
	{"https://www.coupang.com/vp/products/abc", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/0123", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/0", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/-5", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/+5", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1234567890123456", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/99999999999999999999", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/12%33", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1?itemId=abc", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1?itemId=0", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1?vendorItemId=-1", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1?itemId=", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1?vendorItemId", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1?itemId=0012", COUPANG_E_ID},
	{"https://www.coupang.com/vp/products/1?itemId=1234567890123456", COUPANG_E_ID},
	{"https://m.coupang.com/vm/products/1?itemId=1&vendorItemId=1x", COUPANG_E_ID},
	{"+7335597976", COUPANG_E_ID},
	{"-7335597976", COUPANG_E_ID},
	{"7335 597976", COUPANG_E_ID},
	{"07335597976", COUPANG_E_ID},
	{"0", COUPANG_E_ID},
	{"1234567890123456", COUPANG_E_ID},
	{"9223372036854775808", COUPANG_E_ID},
	{"7,335,597,976", COUPANG_E_ID},
	{"1.5", COUPANG_E_ID},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 1 when s holds a Hangul syllable (U+AC00..U+D7A3) in UTF-8. */
static int has_hangul(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
			unsigned cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 |
			    (unsigned)(p[2] & 0x3F);
			if (cp >= 0xAC00 && cp <= 0xD7A3)
				return 1;
		}
	return 0;
}

int main(void)
{
	struct coupang_ref r;
	char url[COUPANG_URL_SIZE];
	enum coupang_err e;

	ok(N(accepted) >= 40 && N(refused) >= 40, "at least 40 cases each (%zu, %zu)",
	    N(accepted), N(refused));

	for (size_t i = 0; i < N(accepted); i++) {
		const struct accept_case *c = &accepted[i];
		e = coupang_parse(c->in, &r);
		is_int(e, COUPANG_OK, "accepted: %s", c->in);
		ok(r.product_id == c->product_id && r.item_id == c->item_id &&
		    r.vendor_item_id == c->vendor_item_id,
		    "ids %lld/%lld/%lld (want %lld/%lld/%lld)", r.product_id, r.item_id,
		    r.vendor_item_id, c->product_id, c->item_id, c->vendor_item_id);
		/* what gets stored reads back as the same product, trackers gone */
		if (coupang_canonical_url(r.product_id, url, sizeof(url)) == 0) {
			struct coupang_ref again;
			ok(coupang_parse(url, &again) == COUPANG_OK && again.product_id == c->product_id &&
			    again.item_id == 0 && again.vendor_item_id == 0, "canonical %s re-parses", url);
		} else {
			ok(0, "canonical URL of %lld", r.product_id);
		}
	}

	for (size_t i = 0; i < N(refused); i++) {
		const struct refuse_case *c = &refused[i];
		r.product_id = r.item_id = r.vendor_item_id = 77;
		e = coupang_parse(c->in, &r);
		is_int(e, c->want, "refused: %s", c->in);
		ok(r.product_id == 0 && r.item_id == 0 && r.vendor_item_id == 0, "  and *out zeroed");
	}
	is_int(coupang_parse(NULL, &r), COUPANG_E_EMPTY, "NULL input is empty");

	/* the length limit: exactly COUPANG_INPUT_MAX bytes is read, one more is not */
	{
		char *big = malloc(COUPANG_INPUT_MAX + 2);
		const char *head = "https://www.coupang.com/vp/products/42?itemId=9&q=";
		size_t hl = strlen(head);

		if (big == NULL)
			return 1;
		memcpy(big, head, hl);
		memset(big + hl, 'a', COUPANG_INPUT_MAX + 1 - hl);
		big[COUPANG_INPUT_MAX] = '\0';
		is_int(strlen(big), COUPANG_INPUT_MAX, "input of COUPANG_INPUT_MAX bytes");
		is_int(coupang_parse(big, &r), COUPANG_OK, "  is read");
		ok(r.product_id == 42 && r.item_id == 9, "  with its ids");
		big[COUPANG_INPUT_MAX] = 'a';
		big[COUPANG_INPUT_MAX + 1] = '\0';
		is_int(coupang_parse(big, &r), COUPANG_E_TOO_LONG, "one byte more is too long");
		ok(r.product_id == 0, "  and *out zeroed");
		memset(big, ' ', COUPANG_INPUT_MAX);
		big[COUPANG_INPUT_MAX] = '\0';
		is_int(coupang_parse(big, &r), COUPANG_E_EMPTY, "COUPANG_INPUT_MAX spaces are empty");
		big[COUPANG_INPUT_MAX] = ' ';
		is_int(coupang_parse(big, &r), COUPANG_E_TOO_LONG, "  one more space is too long");
		free(big);
	}

	/* the canonical URL */
	is_int(coupang_canonical_url(7335597976LL, url, sizeof(url)), 0, "canonical URL");
	is_str(url, "https://www.coupang.com/vp/products/7335597976", "  text");
	is_int(coupang_canonical_url(999999999999999LL, url, sizeof(url)), 0,
	    "COUPANG_URL_SIZE holds the longest id");
	is_str(url, "https://www.coupang.com/vp/products/999999999999999", "  text");
	is_int(strlen(url) + 1, COUPANG_URL_SIZE, "  and is exactly COUPANG_URL_SIZE");
	{
		char small[47];   /* 36 bytes of prefix + 10 digits + NUL */
		is_int(coupang_canonical_url(7335597976LL, small, sizeof(small)), 0, "exact fit");
		is_str(small, "https://www.coupang.com/vp/products/7335597976", "  text");
		is_int(coupang_canonical_url(7335597976LL, small, sizeof(small) - 1), -1,
		    "one byte short is -1");
		is_str(small, "", "  and leaves an empty string");
	}
	is_int(coupang_canonical_url(7335597976LL, NULL, 0), -1, "no buffer is -1");
	is_int(coupang_canonical_url(0, url, sizeof(url)), -1, "id 0 is -1");
	is_int(coupang_canonical_url(-1, url, sizeof(url)), -1, "negative id is -1");
	is_int(coupang_canonical_url(1000000000000000LL, url, sizeof(url)), -1, "16-digit id is -1");
	is_str(url, "", "  and leaves an empty string");

	/* every error has its own Korean sentence */
	for (int i = COUPANG_OK; i <= COUPANG_E_ID; i++) {
		const char *m = coupang_strerror((enum coupang_err)i);
		ok(m != NULL && m[0] != '\0' && has_hangul(m), "message %d is Korean: %s", i,
		    m != NULL ? m : "(null)");
		for (int j = COUPANG_OK; j < i; j++)
			if (m != NULL && strcmp(m, coupang_strerror((enum coupang_err)j)) == 0)
				ok(0, "message %d is the same as %d", i, j);
	}
	ok(strstr(coupang_strerror(COUPANG_E_SHORTLINK), "link.coupang.com") != NULL,
	    "the short-link message names link.coupang.com");
	ok(strstr(coupang_strerror(COUPANG_E_TOO_LONG), "2048") != NULL,
	    "the too-long message names the limit");
	ok(coupang_strerror((enum coupang_err)99) != NULL, "an unknown value still has a message");
	return tap_done();
}
