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
	buf_init(&b, &a);
	html_raw(&b, "<b>");
	is_str(b.data, "<b>", "html_raw writes its literal");

	/* html_printf: %s is escaped whatever the context, numbers are numbers */
	buf_init(&b, &a);
	html_printf(&b, "<a title=\"%s\">%s</a>", "\" onclick='x'", "<script>&");
	is_str(b.data, "<a title=\"&quot; onclick=&#39;x&#39;\">&lt;script&gt;&amp;</a>",
	    "html_printf escapes every string argument");
	buf_init(&b, &a);
	{
	const char *volatile none = NULL;
	html_printf(&b, "%d|%ld|%lld|%u|%lu|%llu|%zu|%i|%c|%.1f|%.0f|%%|%s", -1, 2L, -3LL, 4u, 5UL,
	    6ULL, (size_t)7, 8, '<', 12.25, 99.5, none);
	}
	is_str(b.data, "-1|2|-3|4|5|6|7|8|&lt;|12.2|100|%|", "html_printf numbers, a char, a percent sign, NULL");
	ok(!b.failed, "known conversions leave the buffer intact");
	buf_init(&b, &a);
	html_printf(&b, "%s 가성비 %d", "한글", 3);
	is_str(b.data, "한글 가성비 3", "Korean text and arguments");
	buf_init(&b, &a);
	html_printf_fmt(&b, "x%p", (void *)&b);
	ok(b.failed, "an unknown conversion fails the buffer instead of guessing");
	buf_init(&b, &a);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
	html_printf_fmt(&b, "x%", 0);
#pragma GCC diagnostic pop
	ok(b.failed, "a trailing percent sign fails the buffer");
	is_str(html_url_enc(&a, "가 b&"), "%EA%B0%80%20b%26", "html_url_enc");
	is_str(html_url_enc(&a, ""), "", "html_url_enc of empty");

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
	html_printf(&b, "%s", "");
	ok(b.len == 1200, "empty argument adds nothing");
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
