/* page_home.c — GET /: what revlens does; for a logged-in user, their recent activity. */
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"
#include "web/settings.h"

static void features(struct req *r)
{
	html_raw(&r->body, "<section class=\"features\">\n"
	    "<article class=\"feature\"><h3>긍정·부정 비율</h3>"
	    "<p>리뷰마다 감정을 분석해 만족과 불만의 비율을 보여 줍니다. 몇 개의 리뷰, 어느 기간을 바탕으로 했는지도 함께 밝힙니다.</p></article>\n"
	    "<article class=\"feature\"><h3>키워드와 감정</h3>"
	    "<p>배송, 포장, 가격, 품질처럼 사람들이 자주 말하는 주제와 그 주제에 대한 평가를 정리합니다.</p></article>\n"
	    "<article class=\"feature\"><h3>설문 태그</h3>"
	    "<p>쿠팡의 설문 태그(예: ‘맛 만족도’)를 항목별 비율로 보여 줍니다.</p></article>\n"
	    "<article class=\"feature\"><h3>감정과 가격 추이</h3>"
	    "<p>일별·월별 감정 변화와 가격 변동을 한 타임라인에서 비교하고, 목표가에 닿으면 알 수 있습니다.</p></article>\n"
	    "</section>\n");
}

/* The user's latest log-ins, newest first (their activity until analyses exist). */
static void activity(struct req *r)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24];
	const char *p[2] = { uid, r->sess->tz };
	int n;

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	html_raw(&r->body, "<section class=\"card\">\n<h2>최근 활동</h2>\n");
	if (pg_exec(pg, "SELECT to_char(created_at AT TIME ZONE $2, 'YYYY-MM-DD HH24:MI'), kind, "
	    "coalesce(host(ip), '-'), ended_at IS NULL AND expires_at > now() FROM user_sessions "
	    "WHERE user_id = $1 ORDER BY created_at DESC LIMIT 5", 2, p) == -1) {
		log_error("home activity: %s", pg->err);
		html_raw(&r->body, "<p class=\"muted\">활동 기록을 불러오지 못했습니다.</p>\n</section>\n");
		return;
	}
	n = pg_ntuples(pg);
	html_raw(&r->body, "<ul class=\"activity\">\n");
	for (int i = 0; i < n; i++)
		html_printf(&r->body, "<li><time>%s</time> %s (%s)%s</li>\n", pg_value(pg, i, 0),
		    strcmp(pg_value(pg, i, 1), "api") == 0 ? "API 토큰 발급" : "로그인",
		    pg_value(pg, i, 2), strcmp(pg_value(pg, i, 3), "t") == 0 ? " · 사용 중" : "");
	html_raw(&r->body, "</ul>\n<p><a href=\"/me/sessions\">로그인 기기 관리</a> · "
	    "<a href=\"/me\">내 정보</a></p>\n</section>\n");
}

int page_home(struct req *r)
{
	const char *notice = settings_get(r, "site.notice");

	layout_begin(r, r->sess != NULL ? "홈" : "쿠팡 리뷰 분석");
	if (notice[0] != '\0')
		layout_notice(r, "info", notice);
	if (r->sess != NULL) {
		if (strstr(r->query, "welcome=1") != NULL)
			layout_notice(r, "ok", "가입을 환영합니다! 이제 revlens를 쓸 수 있습니다.");
		html_printf(&r->body, "<section class=\"hero small\">\n<h1>%s님, 반갑습니다</h1>\n"
		    "<p class=\"lead\">쿠팡 상품의 리뷰를 읽기 쉬운 숫자와 그래프로 바꿔 드립니다.</p>\n"
		    "</section>\n", r->sess->name);
		activity(r);
		features(r);
	} else {
		html_raw(&r->body, "<section class=\"hero\">\n<p class=\"eyebrow\">쿠팡 리뷰 분석</p>\n"
		    "<h1>수천 개의 리뷰,<br>한눈에 읽으세요</h1>\n"
		    "<p class=\"lead\">revlens는 쿠팡 상품 리뷰를 모아 긍정·부정 비율, 자주 나오는 키워드와 "
		    "그에 대한 평가, 설문 태그, 감정과 가격의 추이를 보여 주는 서비스입니다.</p>\n"
		    "<p class=\"cta\"><a class=\"button primary\" href=\"/signup\">무료로 시작하기</a> "
		    "<a class=\"button\" href=\"/login\">로그인</a></p>\n</section>\n");
		features(r);
	}
	layout_end(r);
	return 200;
}
