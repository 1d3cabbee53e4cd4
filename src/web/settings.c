/* settings.c — the runtime settings table, reading values, checking new ones. */
#include <json-c/json.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strnum.h"
#include "lib/utf8.h"
#include "web/req.h"
#include "web/settings.h"

const struct setting settings_table[] = {
	{ "signup.enabled", SETTING_BOOL, 0, 0, "true", "회원가입 허용",
	  "끄면 새 계정을 만들 수 없습니다. 기존 사용자의 로그인에는 영향이 없습니다." },
	{ "signup.daily_limit", SETTING_INT, 0, 1000000, "0", "하루 최대 가입 수",
	  "최근 24시간 동안 만들어질 수 있는 계정 수입니다. 0이면 제한하지 않습니다." },
	{ "analysis.daily_limit", SETTING_INT, 0, 1000000, "50", "사용자별 하루 분석 요청 수",
	  "한 사용자가 24시간 동안 요청(또는 참여)할 수 있는 분석 수입니다. 0이면 제한하지 않습니다." },
	{ "analysis.max_active", SETTING_INT, 1, 1000, "5", "사용자별 동시 진행 분석 수",
	  "한 사용자가 동시에 대기·진행 중으로 둘 수 있는 분석 수입니다." },
	{ "site.notice", SETTING_TEXT, 0, 300, "", "홈 화면 공지",
	  "홈 화면 맨 위에 보일 안내 문구입니다(300자 이내). 비우면 보이지 않습니다." },
};

const int settings_count = (int)(sizeof(settings_table) / sizeof(settings_table[0]));

const struct setting *settings_find(const char *key)
{
	for (int i = 0; i < settings_count; i++)
		if (strcmp(settings_table[i].key, key) == 0)
			return &settings_table[i];
	return NULL;
}

const char *settings_get(struct req *r, const char *key)
{
	const struct setting *s = settings_find(key);
	const char *p[1] = { key }, *v;

	if (s == NULL)
		return "";
	if (pg_exec(&r->app->pg, "SELECT value #>> '{}' FROM system_config WHERE key = $1", 1, p) == -1) {
		log_error("settings %s: %s", key, r->app->pg.err);
		return s->def;
	}
	if (pg_ntuples(&r->app->pg) != 1 || (v = pg_value(&r->app->pg, 0, 0)) == NULL)
		return s->def;
	v = arena_strdup(&r->arena, v);
	return v != NULL ? v : s->def;
}

int settings_bool(struct req *r, const char *key)
{
	return strcmp(settings_get(r, key), "true") == 0;
}

int settings_signup_full(struct req *r)
{
	long long limit, v;

	if (strnum_parse(settings_get(r, "signup.daily_limit"), 10, 0, 1000000, &limit) == -1 ||
	    limit == 0)
		return 0;
	if (pg_exec(&r->app->pg, "SELECT count(*) FROM users WHERE created_at > now() - interval '1 day'",
	    0, NULL) == -1) {
		log_error("settings signup.daily_limit: %s", r->app->pg.err);
		return 0;
	}
	return strnum_parse(pg_value(&r->app->pg, 0, 0), 10, 0, 9223372036854775807LL, &v) == 0 && v >= limit;
}

int settings_parse(struct req *r, const struct setting *s, const char *in, const char **json,
    const char **msg)
{
	long long v;
	size_t chars = 0;
	json_object *o;

	*msg = NULL;
	switch (s->type) {
	case SETTING_BOOL:
		if (strcmp(in, "true") != 0 && strcmp(in, "false") != 0) {
			*msg = "켜기 또는 끄기 중에서 골라 주세요.";
			return -1;
		}
		*json = in;
		return 0;
	case SETTING_INT:
		if (strnum_parse(in, 10, s->min, s->max, &v) == -1) {
			*msg = arena_printf(&r->arena, "%lld부터 %lld까지의 정수를 입력해 주세요.", s->min, s->max);
			return -1;
		}
		*json = arena_printf(&r->arena, "%lld", v);
		return *json != NULL ? 0 : -1;
	case SETTING_TEXT:
		for (const char *p = in; *p; p++)
			chars += ((unsigned char)*p & 0xC0) != 0x80;
		if (!utf8_valid(in, strlen(in)) || chars > (size_t)s->max) {
			*msg = arena_printf(&r->arena, "%lld자 이내로 입력해 주세요.", s->max);
			return -1;
		}
		o = json_object_new_string(in);
		*json = arena_strdup(&r->arena, json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return *json != NULL ? 0 : -1;
	}
	return -1;
}
