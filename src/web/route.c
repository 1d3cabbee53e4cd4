/* route.c — every route revlens-web serves, in one table, and the matcher. */
#include <stdio.h>
#include <string.h>

#include "lib/strnum.h"
#include "web/page_healthz.h"
#include "web/page_metrics.h"
#include "web/page_version.h"
#include "web/route.h"
#include "web/scoreboard.h"

const struct route route_table[] = {
	{ "GET", "/healthz", page_healthz, ROUTE_API_JSON },
	{ "GET", "/metrics", page_metrics, ROUTE_LOOPBACK_ONLY },
	{ "GET", "/api/version", page_version, ROUTE_API_JSON },
};

const int route_count = (int)(sizeof(route_table) / sizeof(route_table[0]));

/* The scoreboard counts per route, with its last row for "no route". */
_Static_assert(sizeof(route_table) / sizeof(route_table[0]) < SB_ROUTES,
    "route table larger than the scoreboard's SB_ROUTES");

/* Match one pattern; fills ids. 1 on match. */
static int match(const char *pattern, const char *path, long long *ids, int *nids)
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p && *s) {
		if (strncmp(p, "{id}", 4) == 0) {
			const char *end = s;
			long long v;
			while (*end >= '0' && *end <= '9')
				end++;
			if (end == s || n == ROUTE_MAX_IDS || *s == '0' ||
			    strnum_parse_n(s, (unsigned long)(end - s), 10, 1, 9223372036854775807LL, &v) == -1)
				return 0;
			ids[n++] = v;
			p += 4;
			s = end;
			continue;
		}
		if (*p != *s)
			return 0;
		p++;
		s++;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	*nids = n;
	return 1;
}

int route_lookup(const char *method, const char *path, long long ids[ROUTE_MAX_IDS], int *nids,
    int *path_matched)
{
	const char *m = strcmp(method, "HEAD") == 0 ? "GET" : method;

	*path_matched = 0;
	for (int i = 0; i < route_count; i++) {
		if (!match(route_table[i].pattern, path, ids, nids))
			continue;
		if (strcmp(route_table[i].method, m) == 0)
			return i;
		*path_matched = 1;
	}
	return -1;
}

void route_allowed(const char *path, char *out, unsigned long outlen)
{
	long long ids[ROUTE_MAX_IDS];
	size_t used = 0;
	int nids;

	out[0] = '\0';
	for (int i = 0; i < route_count; i++) {
		const char *m = route_table[i].method;
		int n;
		if (!match(route_table[i].pattern, path, ids, &nids))
			continue;
		n = snprintf(out + used, outlen - used, "%s%s%s", used ? ", " : "", m,
		    strcmp(m, "GET") == 0 ? ", HEAD" : "");
		if (n < 0 || (size_t)n >= outlen - used)
			return;
		used += (size_t)n;
	}
}
