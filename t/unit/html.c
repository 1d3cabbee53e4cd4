/* t/unit/html.c — escapers named by output context. */
#include <string.h>

#include "lib/html.h"
#include "tap.h"

static const char *run(void (*fn)(struct buf *, const char *), const char *in, struct arena *a)
{
	struct buf b;

	buf_init(&b, a);
	fn(&b, in);
	return b.data ? b.data : "";
}

int main(void)
{
	struct arena a;
	struct buf b;

	arena_init(&a, 512, 0);
	is_str(run(html_txt, "<script>alert('x')</script> & \"q\"", &a),
	    "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"q\"", "html_txt escapes markup");
	is_str(run(html_attr, "\" onmouseover='x' <a>&", &a),
	    "&quot; onmouseover=&#39;x&#39; &lt;a&gt;&amp;", "html_attr escapes quotes too");
	is_str(run(html_txt, "가성비 최고", &a), "가성비 최고", "Korean passes through");
	is_str(run(html_txt, "", &a), "", "empty string");
	is_str(run(html_url_arg, "a b&c=d/한", &a), "a%20b%26c%3Dd%2F%ED%95%9C",
	    "html_url_arg percent-encodes everything but unreserved");
	is_str(run(html_url_arg, "AZaz09-_.~", &a), "AZaz09-_.~", "unreserved kept");
	is_str(run(html_raw, "<b>", &a), "<b>", "html_raw is raw");

	buf_init(&b, &a);
	html_page_begin(&b, "<제목>");
	html_page_end(&b);
	ok(strstr(b.data, "<title>&lt;제목&gt; — revlens</title>") != NULL, "page title escaped");
	ok(strstr(b.data, "<html lang=\"ko\">") != NULL, "page is Korean");

	/* a buffer that grows past many blocks keeps its content */
	buf_init(&b, &a);
	for (int i = 0; i < 10000; i++)
		html_txt(&b, "<>");
	ok(b.len == 80000 && memcmp(b.data + 79992, "&lt;&gt;", 8) == 0, "large output intact");
	/* formatted output across the growth boundary */
	buf_init(&b, &a);
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "%03d,", i);
	ok(b.len == 1200 && memcmp(b.data, "000,001,", 8) == 0 &&
	    memcmp(b.data + 1192, "298,299,", 8) == 0 && b.data[1200] == '\0', "buf_printf grows intact");
	html_rawf(&b, "%s", "");
	ok(b.len == 1200, "empty format adds nothing");
	/* an arena limit makes the buffer fail, never overflow */
	{
		struct arena small;
		arena_init(&small, 256, 1024);
		buf_init(&b, &small);
		for (int i = 0; i < 1000; i++)
			html_txt(&b, "<>");
		ok(b.failed && b.len < 1024, "arena limit marks the buffer failed");
		arena_free(&small);
	}
	arena_free(&a);
	return tap_done();
}
