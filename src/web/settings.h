/* settings.h — runtime settings an admin edits on /admin/config.
 *
 * The table in settings.c is the list of keys, each with its type, range,
 * default and Korean label; system_config holds the values that differ from
 * the default (as JSON), and system_config_audit every change. A key absent
 * from the table can be neither read nor written.
 */
#ifndef REVLENS_SETTINGS_H
#define REVLENS_SETTINGS_H

struct req;

enum setting_type { SETTING_BOOL, SETTING_INT, SETTING_TEXT };

struct setting {
	const char *key;
	enum setting_type type;
	long long min, max;         /* SETTING_INT: range; SETTING_TEXT: max characters in max */
	const char *def;            /* default, as a form would send it ("true", "0", "") */
	const char *label;          /* Korean */
	const char *doc;            /* Korean, one sentence */
};

extern const struct setting settings_table[];
extern const int settings_count;

const struct setting *settings_find(const char *key);

/* The value of key as form text ("true"/"false", digits, text): the stored
 * one or the default. Falls back to the default when PostgreSQL fails. */
const char *settings_get(struct req *r, const char *key);
int settings_bool(struct req *r, const char *key);

/* 1 when signup.daily_limit is set and reached. */
int settings_signup_full(struct req *r);

/* Check a value typed into the form for s: 0 with *json its JSON text
 * (arena), or -1 with *msg a Korean sentence. */
int settings_parse(struct req *r, const struct setting *s, const char *in, const char **json,
    const char **msg);

#endif
