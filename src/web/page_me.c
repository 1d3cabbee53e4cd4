/* page_me.c — GET/POST /me: nickname, time zone and notification preferences. */
#include <string.h>

#include "lib/account.h"
#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"

#define TZ_MAX 64

/* Offered in the list; any other IANA name PostgreSQL knows is accepted too. */
static const char *const zones[][2] = {
	{ "Asia/Seoul", "서울 (UTC+9)" }, { "Asia/Tokyo", "도쿄 (UTC+9)" },
	{ "Asia/Shanghai", "베이징·상하이 (UTC+8)" }, { "Asia/Singapore", "싱가포르 (UTC+8)" },
	{ "Asia/Ho_Chi_Minh", "호찌민 (UTC+7)" }, { "Asia/Kolkata", "인도 (UTC+5:30)" },
	{ "Europe/London", "런던" }, { "Europe/Berlin", "베를린·파리" },
	{ "America/New_York", "뉴욕" }, { "America/Los_Angeles", "로스앤젤레스" },
	{ "Australia/Sydney", "시드니" }, { "UTC", "협정 세계시 (UTC)" },
};

struct profile {
	const char *email, *name, *tz, *since;
	int n_email, n_analysis, n_price;
	const char *e_name, *e_tz;
};

static void checkbox(struct req *r, const char *name, int on, const char *label, const char *hint)
{
	html_printf(&r->body, "<label class=\"check\"><input type=\"checkbox\" name=\"%s\" value=\"on\"%s>"
	    " <span>%s<small>%s</small></span></label>\n", name, on ? " checked" : "", label, hint);
}

static int render(struct req *r, int status, const struct profile *p, const char *notice,
    const char *error)
{
	struct field f_name = { .name = "nickname", .label = "닉네임", .type = "text", .value = p->name,
		.error = p->e_name, .autocomplete = "nickname", .maxlength = ACCOUNT_NAME_MAX,
		.required = 1 };
	int listed = 0;

	layout_begin(r, "내 정보");
	html_raw(&r->body, "<section class=\"card narrow\">\n<h1>내 정보</h1>\n");
	if (notice != NULL)
		layout_notice(r, "ok", notice);
	if (error != NULL)
		layout_notice(r, "error", error);
	html_printf(&r->body, "<dl class=\"facts\"><dt>이메일</dt><dd>%s</dd><dt>가입일</dt><dd>%s</dd></dl>\n",
	    p->email, p->since);
	html_raw(&r->body, "<form method=\"post\" action=\"/me\" class=\"stack\">\n");
	layout_csrf(r);
	layout_field(r, &f_name);
	html_printf(&r->body, "<div class=\"field%s\">\n<label for=\"f-timezone\">시간대</label>\n"
	    "<select id=\"f-timezone\" name=\"timezone\">\n", p->e_tz ? " invalid" : "");
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		int sel = strcmp(zones[i][0], p->tz) == 0;
		listed |= sel;
		html_printf(&r->body, "<option value=\"%s\"%s>%s</option>\n", zones[i][0],
		    sel ? " selected" : "", zones[i][1]);
	}
	if (!listed)
		html_printf(&r->body, "<option value=\"%s\" selected>%s</option>\n", p->tz, p->tz);
	html_raw(&r->body, "</select>\n");
	if (p->e_tz != NULL)
		html_printf(&r->body, "<p class=\"field-error\">%s</p>\n", p->e_tz);
	else
		html_raw(&r->body, "<p class=\"hint\">날짜와 시각을 이 시간대로 보여 드립니다.</p>\n");
	html_raw(&r->body, "</div>\n<fieldset class=\"checks\"><legend>알림</legend>\n");
	checkbox(r, "notify_email", p->n_email, "이메일 알림", "알림을 이메일로도 받습니다.");
	checkbox(r, "notify_analysis_done", p->n_analysis, "분석 완료", "요청한 분석이 끝나면 알려 드립니다.");
	checkbox(r, "notify_price_drop", p->n_price, "가격 하락", "관심 상품이 목표가 이하로 내려가면 알려 드립니다.");
	html_raw(&r->body, "</fieldset>\n<button type=\"submit\" class=\"button primary\">저장</button>\n"
	    "</form>\n<p class=\"alt\"><a href=\"/me/password\">비밀번호 변경</a> · "
	    "<a href=\"/me/sessions\">로그인 기기</a> · <a href=\"/me/tokens\">수집 토큰</a> · <a href=\"/me/webhook\">알림 웹훅</a></p>\n</section>\n");
	layout_end(r);
	return status;
}

/* Load the stored profile of r's user into p. 0 or -1. */
static int load(struct req *r, struct profile *p)
{
	struct pg_conn *pg = &r->app->pg;
	char uid[24];
	const char *q[2] = { uid, r->sess->tz };

	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	if (pg_exec(pg, "SELECT u.email, u.display_name, coalesce(pr.timezone, 'Asia/Seoul'), "
	    "to_char(u.created_at AT TIME ZONE $2, 'YYYY-MM-DD'), coalesce(pr.notify_email, true), "
	    "coalesce(pr.notify_analysis_done, true), coalesce(pr.notify_price_drop, true) "
	    "FROM users u LEFT JOIN user_profiles pr ON pr.user_id = u.id WHERE u.id = $1", 2, q) == -1 ||
	    pg_ntuples(pg) != 1) {
		log_error("profile of user %lld: %s", r->sess->uid, pg->err);
		return -1;
	}
	p->email = arena_strdup(&r->arena, pg_value(pg, 0, 0));
	p->name = arena_strdup(&r->arena, pg_value(pg, 0, 1));
	p->tz = arena_strdup(&r->arena, pg_value(pg, 0, 2));
	p->since = arena_strdup(&r->arena, pg_value(pg, 0, 3));
	p->n_email = pg_value(pg, 0, 4)[0] == 't';
	p->n_analysis = pg_value(pg, 0, 5)[0] == 't';
	p->n_price = pg_value(pg, 0, 6)[0] == 't';
	return p->email && p->name && p->tz && p->since ? 0 : -1;
}

int page_me(struct req *r)
{
	struct profile p;

	memset(&p, 0, sizeof(p));
	if (load(r, &p) == -1)
		return req_error(r, 503, NULL, "내 정보를 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.");
	return render(r, 200, &p, strstr(r->query, "saved=1") ? "저장했습니다." :
	    strstr(r->query, "password=1") ? "비밀번호를 바꿨습니다. 다른 기기의 로그인은 모두 종료했습니다."
	                                    : NULL, NULL);
}

int page_me_save(struct req *r)
{
	struct pg_conn *pg = &r->app->pg;
	struct profile p, in;
	char *name = NULL, uid[24];
	const char *tz = req_form(r, "timezone");

	memset(&p, 0, sizeof(p));
	if (load(r, &p) == -1)
		return req_error(r, 503, NULL, "내 정보를 불러올 수 없습니다. 잠시 후 다시 시도해 주세요.");
	in = p;
	in.name = req_form(r, "nickname");
	in.tz = tz;
	in.n_email = strcmp(req_form(r, "notify_email"), "on") == 0;
	in.n_analysis = strcmp(req_form(r, "notify_analysis_done"), "on") == 0;
	in.n_price = strcmp(req_form(r, "notify_price_drop"), "on") == 0;
	if (account_name_check(&r->arena, in.name, &name, &in.e_name) == 0)
		in.name = name;
	if (strlen(tz) == 0 || strlen(tz) > TZ_MAX) {
		in.e_tz = "시간대를 골라 주세요.";
	} else {
		const char *q[1] = { tz };
		if (pg_exec(pg, "SELECT 1 FROM pg_timezone_names WHERE name = $1", 1, q) == -1)
			return req_error(r, 503, NULL, "저장할 수 없습니다. 잠시 후 다시 시도해 주세요.");
		if (pg_ntuples(pg) == 0) {
			in.e_tz = "알 수 없는 시간대입니다.";
			in.tz = p.tz;
		}
	}
	if (in.e_name != NULL || in.e_tz != NULL)
		return render(r, 422, &in, NULL, "입력한 내용을 확인해 주세요.");
	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	{
		const char *q[6] = { uid, name, tz, in.n_email ? "t" : "f", in.n_analysis ? "t" : "f",
			in.n_price ? "t" : "f" };
		if (pg_exec(pg, "WITH u AS (UPDATE users SET display_name = $2 WHERE id = $1) "
		    "INSERT INTO user_profiles (user_id, timezone, notify_email, notify_analysis_done, "
		    "notify_price_drop) VALUES ($1, $3, $4, $5, $6) ON CONFLICT (user_id) DO UPDATE SET "
		    "timezone = EXCLUDED.timezone, notify_email = EXCLUDED.notify_email, "
		    "notify_analysis_done = EXCLUDED.notify_analysis_done, "
		    "notify_price_drop = EXCLUDED.notify_price_drop", 6, q) == -1) {
			log_error("profile save: %s", pg->err);
			return req_error(r, 503, NULL, "저장할 수 없습니다. 잠시 후 다시 시도해 주세요.");
		}
	}
	if (session_refresh_user(r, r->sess->uid, name, tz) == -1)
		log_warn("user %lld: sessions keep the old nickname until they end", r->sess->uid);
	return req_redirect(r, "/me?saved=1");
}
