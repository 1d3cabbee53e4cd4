/* page_metrics.c — GET /metrics: the scoreboard summed over every slot, then the
 * stores' part (metrics_stores.c: the aggregator's last runs, MongoDB serverStatus). */
#include <stdio.h>
#include <time.h>

#include "web/metrics_stores.h"
#include "web/page_metrics.h"
#include "web/req.h"

static uint64_t load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static const char *route_name(int i)
{
	return i < route_count ? route_table[i].pattern : "unmatched";
}

static int route_index_ok(int i)
{
	return i < route_count || i == SB_ROUTES - 1;
}

int page_metrics(struct req *r)
{
	const struct scoreboard *sb = r->app->sb;
	struct buf *b = &r->body;
	int states[4] = { 0 };

	buf_puts(b, "# HELP revlens_http_requests_total HTTP requests served, by route and status.\n"
	    "# TYPE revlens_http_requests_total counter\n");
	for (int rt = 0; rt < SB_ROUTES; rt++) {
		if (!route_index_ok(rt))
			continue;
		for (int st = 0; st < SB_NSTATUS; st++) {
			uint64_t n = 0;
			for (int s = 0; s < SB_SLOTS; s++)
				n += load(&sb->slot[s].requests[rt][st]);
			if (n == 0)
				continue;
			if (st < SB_NSTATUS - 1)
				buf_printf(b, "revlens_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				    route_name(rt), sb_status_code[st], (unsigned long long)n);
			else
				buf_printf(b, "revlens_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
				    route_name(rt), (unsigned long long)n);
		}
	}
	buf_puts(b, "# HELP revlens_http_request_duration_seconds Time from accept to the last byte written.\n"
	    "# TYPE revlens_http_request_duration_seconds histogram\n");
	for (int rt = 0; rt < SB_ROUTES; rt++) {
		uint64_t cum = 0, sum_us = 0;
		if (!route_index_ok(rt))
			continue;
		for (int s = 0; s < SB_SLOTS; s++)
			sum_us += load(&sb->slot[s].duration_us[rt]);
		for (int k = 0; k <= SB_BUCKETS; k++) {
			for (int s = 0; s < SB_SLOTS; s++)
				cum += load(&sb->slot[s].hist[rt][k]);
			if (k < SB_BUCKETS)
				buf_printf(b, "revlens_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				    route_name(rt), sb_bucket_le[k], (unsigned long long)cum);
			else
				buf_printf(b, "revlens_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
				    route_name(rt), (unsigned long long)cum);
		}
		buf_printf(b, "revlens_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
		    route_name(rt), (double)sum_us / 1e6);
		buf_printf(b, "revlens_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		    route_name(rt), (unsigned long long)cum);
	}
	for (int s = 0; s < SB_SLOTS; s++) {
		int st = __atomic_load_n(&sb->slot[s].state, __ATOMIC_RELAXED);
		if (st >= 0 && st < 4)
			states[st]++;
	}
	buf_printf(b, "# HELP revlens_web_workers Worker processes by state.\n"
	    "# TYPE revlens_web_workers gauge\n"
	    "revlens_web_workers{state=\"starting\"} %d\n"
	    "revlens_web_workers{state=\"idle\"} %d\n"
	    "revlens_web_workers{state=\"busy\"} %d\n",
	    states[SB_STARTING], states[SB_IDLE], states[SB_BUSY]);
	buf_printf(b, "# HELP revlens_web_worker_restarts_total Workers replaced after dying.\n"
	    "# TYPE revlens_web_worker_restarts_total counter\n"
	    "revlens_web_worker_restarts_total %llu\n"
	    "# HELP revlens_web_worker_crashes_total Workers that died by a signal or an error exit.\n"
	    "# TYPE revlens_web_worker_crashes_total counter\n"
	    "revlens_web_worker_crashes_total %llu\n"
	    "# HELP revlens_web_reloads_total Successful configuration reloads (HUP).\n"
	    "# TYPE revlens_web_reloads_total counter\n"
	    "revlens_web_reloads_total %llu\n"
	    "# HELP revlens_web_start_time_seconds When the master started, Unix time.\n"
	    "# TYPE revlens_web_start_time_seconds gauge\n"
	    "revlens_web_start_time_seconds %llu\n",
	    (unsigned long long)load(&sb->worker_restarts),
	    (unsigned long long)load(&sb->worker_crashes),
	    (unsigned long long)load(&sb->reloads),
	    (unsigned long long)sb->started_at);
	metrics_stores_render(r->app, b);
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	return 200;
}
