/* page_admin_config.c — GET/POST /admin/config: runtime settings, for admins only.
 *
 * The route is flagged NEED_ADMIN: everyone else gets 404. A change is
 * checked against the setting's type and range, written to system_config
 * and recorded in system_config_audit (who, when, old and new value) in one
 * statement.
 */
#include <string.h>

#include "lib/html.h"
#include "lib/log.h"
#include "web/layout.h"
#include "web/pages.h"
#include "web/req.h"
#include "web/session.h"
#include "web/settings.h"

static int render(struct req *r, int status, const char *bad_key, const char *bad_value,
    const char *error)
{
	struct pg_conn *pg = &r->app->pg;
	const char *q[1] = { r->sess->tz };

	layout_begin(r, "관리 — 설정");
	html_raw(&r->body, "<section class=\"card\">\n<h1>운영 설정</h1>\n"
	    "<p class=\"lead\">바꾼 값은 다음 요청부터 적용되고, 누가 언제 바꿨는지 기록됩니다.</p>\n");
	if (strncmp(r->query, "saved=", 6) == 0)
		layout_notice(r, "ok", "설정을 저장했습니다.");
	if (error != NULL)
		layout_notice(r, "error", bad_key != NULL ? "입력한 값을 확인해 주세요. 설정은 바뀌지 않았습니다." : error);
	for (int i = 0; i < settings_count; i++) {
		const struct setting *s = &settings_table[i];
		int bad = bad_key != NULL && strcmp(bad_key, s->key) == 0;
		const char *v = bad ? bad_value : settings_get(r, s->key);

		html_printf(&r->body, "<form method=\"post\" action=\"/admin/config\" class=\"setting%s\">\n",
		    bad ? " invalid" : "");
		layout_csrf(r);
		html_printf(&r->body, "<input type=\"hidden\" name=\"key\" value=\"%s\">\n"
		    "<div class=\"setting-text\"><label for=\"s-%d\"><strong>%s</strong> <code>%s</code></label>\n"
		    "<p class=\"hint\">%s</p>", s->key, i, s->label, s->key, s->doc);
		if (bad)
			html_printf(&r->body, "<p class=\"field-error\">%s</p>", error);
		html_raw(&r->body, "</div>\n<div class=\"setting-input\">");
		switch (s->type) {
		case SETTING_BOOL:
			html_printf(&r->body, "<select id=\"s-%d\" name=\"value\"><option value=\"true\"%s>켜기</option>"
			    "<option value=\"false\"%s>끄기</option></select>", i,
			    strcmp(v, "true") == 0 ? " selected" : "", strcmp(v, "true") != 0 ? " selected" : "");
			break;
		case SETTING_INT:
			html_printf(&r->body, "<input id=\"s-%d\" name=\"value\" type=\"text\" inputmode=\"numeric\" "
			    "value=\"%s\">", i, v);
			break;
		case SETTING_TEXT:
			html_printf(&r->body, "<input id=\"s-%d\" name=\"value\" type=\"text\" maxlength=\"%lld\" "
			    "value=\"%s\">", i, s->max, v);
			break;
		}
		html_raw(&r->body, "<button type=\"submit\" class=\"button small\">저장</button></div>\n</form>\n");
	}
	html_raw(&r->body, "</section>\n<section class=\"card\">\n<h2>변경 기록</h2>\n");
	if (pg_exec(pg, "SELECT to_char(a.changed_at AT TIME ZONE $1, 'YYYY-MM-DD HH24:MI'), a.key, "
	    "coalesce(a.old_value::text, '(기본값)'), a.new_value::text, coalesce(u.email, '(삭제된 계정)') "
	    "FROM system_config_audit a LEFT JOIN users u ON u.id = a.changed_by "
	    "ORDER BY a.changed_at DESC, a.id DESC LIMIT 20", 1, q) == -1) {
		log_error("admin config audit: %s", pg->err);
		html_raw(&r->body, "<p class=\"muted\">기록을 불러오지 못했습니다.</p>\n");
	} else if (pg_ntuples(pg) == 0) {
		html_raw(&r->body, "<p class=\"muted\">아직 바뀐 설정이 없습니다.</p>\n");
	} else {
		html_raw(&r->body, "<table class=\"list\"><thead><tr><th>시각</th><th>설정</th><th>이전 값</th>"
		    "<th>새 값</th><th>바꾼 사람</th></tr></thead><tbody>\n");
		for (int i = 0; i < pg_ntuples(pg); i++)
			html_printf(&r->body, "<tr><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td>"
			    "<td>%s</td></tr>\n", pg_value(pg, i, 0), pg_value(pg, i, 1), pg_value(pg, i, 2),
			    pg_value(pg, i, 3), pg_value(pg, i, 4));
		html_raw(&r->body, "</tbody></table>\n");
	}
	html_raw(&r->body, "</section>\n");
	layout_end(r);
	return status;
}

int page_admin_config(struct req *r)
{
	return render(r, 200, NULL, NULL, NULL);
}

int page_admin_config_save(struct req *r)
{
	const char *key = req_form(r, "key"), *value = req_form(r, "value"), *json, *msg;
	const struct setting *s = settings_find(key);
	char uid[24];

	if (s == NULL)
		return render(r, 422, NULL, NULL, "알 수 없는 설정입니다.");
	if (settings_parse(r, s, value, &json, &msg) == -1)
		return render(r, 422, s->key, value, msg != NULL ? msg : "값을 확인해 주세요.");
	snprintf(uid, sizeof(uid), "%lld", r->sess->uid);
	{
		const char *q[4] = { s->key, json, uid, s->doc };
		if (pg_exec(&r->app->pg,
		    "WITH old AS (SELECT value FROM system_config WHERE key = $1), "
		    "up AS (INSERT INTO system_config (key, value, description, updated_by) "
		    "VALUES ($1, $2::jsonb, $4, $3) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
		    "updated_by = EXCLUDED.updated_by RETURNING key) "
		    "INSERT INTO system_config_audit (key, old_value, new_value, changed_by) "
		    "SELECT $1, (SELECT value FROM old), $2::jsonb, $3 FROM up", 4, q) == -1) {
			log_error("admin config save: %s", r->app->pg.err);
			return req_error(r, 503, NULL, "설정을 저장하지 못했습니다. 잠시 후 다시 시도해 주세요.");
		}
	}
	log_info("user %lld set %s = %s", r->sess->uid, s->key, json);
	return req_redirect(r, arena_printf(&r->arena, "/admin/config?saved=%s", s->key));
}
