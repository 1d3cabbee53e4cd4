/* ingest.c — validation and storage of collected items (see ingest.h, docs/ingest.md). */
#define _GNU_SOURCE             /* qsort_r */
#include <errno.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "lib/alerts.h"
#include "lib/civil.h"
#include "lib/ingest.h"
#include "lib/log.h"
#include "lib/progress.h"
#include "lib/review_days.h"
#include "lib/utf8.h"

#define SEOUL_OFFSET_MS (9LL * 3600 * 1000)   /* Korea keeps no daylight saving time */
#define DAY_MS          86400000LL

/* ------------------------------------------------------------------ parsed items */

struct review {
	char id[INGEST_REVIEW_ID_MAX + 1];
	char hash[33];                  /* of what the collector sent */
	int rating;
	const char *content, *title, *option, *author;
	long long written_ms;
};

struct price {
	int price;
	long long observed_ms;
	const char *name, *image_url;
};

struct tag {
	const char *question, *answer;
	double percent;
	long long respondents;          /* -1 when absent */
	long long observed_ms;
	char day[16];                   /* YYYY-MM-DD in Seoul */
};

struct crawl {
	const char *state, *message;
	long long request_id, pages, reviews;   /* -1 when absent */
};

#define ITEM_KEY 96                     /* "<product>:<review id>" or 32 hex */

struct item {
	int ok;                         /* passed the checks and has a product */
	int skip;                       /* stored already: another copy in the batch wins,
	                                 * or MongoDB holds it as new */
	int stored;                     /* MongoDB has a document with its key */
	int failed;                     /* its write was refused (a duplicate included) */
	long long stored_ms;            /* the stored document's doc_kind.also time, 0: none */
	long index;
	char key[ITEM_KEY];             /* the document's _id */
	long long order;                /* which copy of a key wins: the highest */
	long long cp;                   /* Coupang product id */
	long long pid;                  /* products.id, once resolved */
	union {
		struct review r;
		struct price p;
		struct tag t;
		struct crawl c;
	} u;
};

/* ------------------------------------------------------------------ checks */

struct chk {
	const char *code;
	char *msg;
};

__attribute__((format(printf, 3, 4)))
static int bad(struct chk *k, const char *code, const char *fmt, ...)
{
	va_list ap;

	k->code = code;
	va_start(ap, fmt);
	vsnprintf(k->msg, INGEST_MSG, fmt, ap);
	va_end(ap);
	return -1;
}

static long long now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int ingest_kind_parse(const char *name, enum ingest_kind *k)
{
	if (name == NULL)
		return -1;
	if (strcmp(name, "review") == 0)
		*k = INGEST_REVIEW;
	else if (strcmp(name, "price") == 0)
		*k = INGEST_PRICE;
	else if (strcmp(name, "tag") == 0)
		*k = INGEST_TAG;
	else
		return -1;
	return 0;
}

int ingest_collector_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= INGEST_COLLECTOR_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

/* n digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int parse_iso(const char *s, size_t len, long long *ms)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
	long long off = SEOUL_OFFSET_MS;
	size_t i;

	if (len < 10 || (y = digits(s, 4)) < 0 || s[4] != '-' || (mo = digits(s + 5, 2)) < 1 ||
	    mo > 12 || s[7] != '-' || (d = digits(s + 8, 2)) < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
		return -1;
	i = 10;
	if (len > 10) {
		if ((s[10] != 'T' && s[10] != 't' && s[10] != ' ') || len < 16 ||
		    (h = digits(s + 11, 2)) < 0 || h > 23 || s[13] != ':' ||
		    (mi = digits(s + 14, 2)) < 0 || mi > 59)
			return -1;
		i = 16;
		if (i < len && s[i] == ':') {
			if (i + 3 > len || (sec = digits(s + i + 1, 2)) < 0 || sec > 60)
				return -1;
			if (sec == 60)
				sec = 59;       /* a leap second is the second before it */
			i += 3;
			if (i < len && (s[i] == '.' || s[i] == ',')) {
				int nd = 0;
				i++;
				while (i < len && s[i] >= '0' && s[i] <= '9') {
					if (nd < 3)
						frac = frac * 10 + (s[i] - '0');
					nd++;
					i++;
				}
				if (nd == 0 || nd > 9)
					return -1;
				for (; nd < 3; nd++)
					frac *= 10;
			}
		}
		if (i < len) {
			if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
				off = 0;
			} else if (s[i] == '+' || s[i] == '-') {
				int oh, om = 0;
				size_t rest = len - i - 1;
				if ((rest != 2 && rest != 4 && rest != 5) || (oh = digits(s + i + 1, 2)) < 0 ||
				    oh > 23)
					return -1;
				if (rest == 5 && (s[i + 3] != ':' || (om = digits(s + i + 4, 2)) < 0))
					return -1;
				if (rest == 4 && (om = digits(s + i + 3, 2)) < 0)
					return -1;
				if (om > 59)
					return -1;
				off = (s[i] == '-' ? -1 : 1) * ((long long)oh * 3600 + om * 60) * 1000;
			} else {
				return -1;
			}
		}
	}
	*ms = ((long long)civil_days((int)y, mo, d) * 86400 + (long long)h * 3600 + mi * 60 + sec) * 1000 +
	    frac - off;
	return 0;
}

int ingest_parse_time(json_object *v, long long *ms)
{
	if (json_object_is_type(v, json_type_int)) {
		*ms = json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string))
		return parse_iso(json_object_get_string(v), (size_t)json_object_get_string_len(v), ms);
	return -1;
}

static json_object *field(json_object *o, const char *name)
{
	json_object *v;

	return json_object_object_get_ex(o, name, &v) && !json_object_is_type(v, json_type_null) ?
	    v : NULL;
}

/* A text field: absent (optional: *out NULL) or a valid UTF-8 string without NUL of at
 * most max bytes. */
static int text(struct chk *k, json_object *o, const char *name, int required, size_t max,
    const char **out)
{
	json_object *v = field(o, name);
	const char *s;
	size_t n;

	*out = NULL;
	if (v == NULL)
		return required ? bad(k, "missing_field", "필수 항목이 없습니다: %s", name) : 0;
	if (!json_object_is_type(v, json_type_string))
		return bad(k, "bad_type", "%s은(는) 문자열이어야 합니다.", name);
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n > max)
		return bad(k, "too_long", "%s이(가) 너무 깁니다 (%zu바이트, 최대 %zu바이트).", name, n, max);
	if (memchr(s, '\0', n) != NULL || !utf8_valid(s, n))
		return bad(k, "bad_text", "%s이(가) 올바른 UTF-8 문자열이 아닙니다 (NUL 문자도 안 됩니다).", name);
	*out = s;
	return 0;
}

/* The value of a JSON integer. json-c parses one past int64 as INT64_MAX or INT64_MIN
 * without a word, so those two are out of range (else two huge ids would be one). */
static int int_value(json_object *v, long long *out)
{
	*out = json_object_get_int64(v);
	return *out == INT64_MAX || *out == INT64_MIN ? -1 : 0;
}

/* An integer field in [lo, hi]; absent optional -> *out = -1. */
static int integer(struct chk *k, json_object *o, const char *name, int required, long long lo,
    long long hi, const char *code, long long *out)
{
	json_object *v = field(o, name);

	*out = -1;
	if (v == NULL)
		return required ? bad(k, "missing_field", "필수 항목이 없습니다: %s", name) : 0;
	if (!json_object_is_type(v, json_type_int))
		return bad(k, code, "%s은(는) 정수여야 합니다.", name);
	if (int_value(v, out) == -1 || *out < lo || *out > hi)
		return bad(k, code, "%s은(는) %lld~%lld 사이의 정수여야 합니다.", name, lo, hi);
	return 0;
}

static int product_id(struct chk *k, json_object *o, long long *cp)
{
	json_object *v = field(o, "product_id");
	const char *s;

	if (v == NULL)
		return bad(k, "missing_field", "필수 항목이 없습니다: product_id");
	if (json_object_is_type(v, json_type_string)) {
		char *end;
		s = json_object_get_string(v);
		errno = 0;
		*cp = strtoll(s, &end, 10);
		if (s[0] < '1' || s[0] > '9' || end != s + json_object_get_string_len(v) || errno != 0)
			return bad(k, "bad_product_id", "product_id는 쿠팡 상품 번호(양의 정수)여야 합니다.");
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) || int_value(v, cp) == -1 || *cp <= 0)
		return bad(k, "bad_product_id", "product_id는 쿠팡 상품 번호(양의 정수)여야 합니다.");
	return 0;
}

static int when(struct chk *k, json_object *o, const char *name, long long now, long long *ms)
{
	json_object *v = field(o, name);

	if (v == NULL)
		return bad(k, "missing_field", "필수 항목이 없습니다: %s", name);
	if (ingest_parse_time(v, ms) == -1)
		return bad(k, "bad_date", "%s은(는) ISO 8601 시각(2024-05-01T10:20:30+09:00)이나 "
		    "epoch 밀리초여야 합니다.", name);
	if (*ms < INGEST_TIME_MIN_MS || *ms > now + DAY_MS)
		return bad(k, "bad_date", "%s이(가) 2000-01-01 이전이거나 미래입니다.", name);
	return 0;
}

static int check_review(struct chk *k, json_object *o, long long now, struct review *r)
{
	json_object *v = field(o, "review_id");
	long long rating;

	if (v == NULL)
		return bad(k, "missing_field", "필수 항목이 없습니다: review_id");
	if (json_object_is_type(v, json_type_int)) {
		long long id;
		if (int_value(v, &id) == -1 || id <= 0)
			return bad(k, "bad_review_id", "review_id는 양의 정수나 문자열이어야 합니다.");
		snprintf(r->id, sizeof(r->id), "%lld", id);
	} else if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		size_t n = (size_t)json_object_get_string_len(v);
		if (n == 0 || n > INGEST_REVIEW_ID_MAX || strlen(s) != n ||
		    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.:-") != n)
			return bad(k, "bad_review_id", "review_id는 영문·숫자·_.:- 로 된 1~%d자여야 합니다.",
			    INGEST_REVIEW_ID_MAX);
		memcpy(r->id, s, n + 1);
	} else {
		return bad(k, "bad_review_id", "review_id는 양의 정수나 문자열이어야 합니다.");
	}
	if (integer(k, o, "rating", 1, 1, 5, "bad_rating", &rating) == -1)
		return strcmp(k->code, "missing_field") == 0 ? -1 :
		    bad(k, "bad_rating", "rating은 1~5의 정수여야 합니다.");
	r->rating = (int)rating;
	if (text(k, o, "content", 1, INGEST_CONTENT_MAX, &r->content) == -1 ||
	    text(k, o, "title", 0, INGEST_TITLE_MAX, &r->title) == -1 ||
	    text(k, o, "option", 0, INGEST_OPTION_MAX, &r->option) == -1 ||
	    text(k, o, "author", 0, INGEST_AUTHOR_MAX, &r->author) == -1)
		return -1;
	return when(k, o, "written_at", now, &r->written_ms);
}

static int check_price(struct chk *k, json_object *o, long long now, struct price *p)
{
	long long price;

	if (integer(k, o, "price", 1, 0, 2000000000, "bad_price", &price) == -1)
		return -1;
	p->price = (int)price;
	if (when(k, o, "observed_at", now, &p->observed_ms) == -1 ||
	    text(k, o, "name", 0, INGEST_NAME_MAX * 4, &p->name) == -1 ||
	    text(k, o, "image_url", 0, INGEST_URL_MAX, &p->image_url) == -1)
		return -1;
	if (p->name != NULL) {
		size_t chars = 0;
		for (const unsigned char *s = (const unsigned char *)p->name; *s; s++)
			chars += (*s & 0xC0) != 0x80;
		if (chars == 0 || chars > INGEST_NAME_MAX)
			return bad(k, "too_long", "name은 1~%d자여야 합니다.", INGEST_NAME_MAX);
	}
	if (p->image_url != NULL && (strncmp(p->image_url, "https://", 8) != 0 ||
	    p->image_url[8] == '\0' || strpbrk(p->image_url, " \t\r\n\"'<>\\") != NULL))
		return bad(k, "bad_url", "image_url은 https:// 로 시작하는 주소여야 합니다.");
	return 0;
}

static int check_tag(struct chk *k, json_object *o, long long now, struct tag *t)
{
	json_object *v;

	if (text(k, o, "question", 1, INGEST_QUESTION_MAX, &t->question) == -1 ||
	    text(k, o, "answer", 1, INGEST_ANSWER_MAX, &t->answer) == -1)
		return -1;
	if (t->question[0] == '\0' || t->answer[0] == '\0')
		return bad(k, "missing_field", "question과 answer는 비어 있을 수 없습니다.");
	if ((v = field(o, "percent")) == NULL)
		return bad(k, "missing_field", "필수 항목이 없습니다: percent");
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return bad(k, "bad_percent", "percent는 0~100 사이의 수여야 합니다.");
	t->percent = json_object_get_double(v);
	if (!(t->percent >= 0 && t->percent <= 100))
		return bad(k, "bad_percent", "percent는 0~100 사이의 수여야 합니다.");
	if (integer(k, o, "respondents", 0, 0, 1000000000, "bad_type", &t->respondents) == -1)
		return -1;
	return when(k, o, "observed_at", now, &t->observed_ms);
}

static int check_crawl(struct chk *k, json_object *o, struct crawl *c)
{
	static const char *const states[] = { "running", "done", "blocked", "failed" };
	size_t i;

	if (text(k, o, "state", 1, 16, &c->state) == -1)
		return -1;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (strcmp(c->state, states[i]) == 0)
			break;
	if (i == sizeof(states) / sizeof(states[0]))
		return bad(k, "bad_state", "state는 running, done, blocked, failed 중 하나여야 합니다.");
	if (text(k, o, "message", 0, INGEST_MESSAGE_MAX, &c->message) == -1 ||
	    integer(k, o, "request_id", 0, 1, 9223372036854775807LL, "bad_type", &c->request_id) == -1 ||
	    integer(k, o, "pages", 0, 0, 1000000000, "bad_type", &c->pages) == -1 ||
	    integer(k, o, "reviews", 0, 0, 1000000000, "bad_type", &c->reviews) == -1)
		return -1;
	return 0;
}

static int check(enum ingest_kind kind, json_object *o, long long now, struct item *it,
    struct chk *k)
{
	if (!json_object_is_type(o, json_type_object))
		return bad(k, "not_object", "항목은 JSON 객체여야 합니다.");
	if (product_id(k, o, &it->cp) == -1)
		return -1;
	switch (kind) {
	case INGEST_REVIEW: return check_review(k, o, now, &it->u.r);
	case INGEST_PRICE:  return check_price(k, o, now, &it->u.p);
	case INGEST_TAG:    return check_tag(k, o, now, &it->u.t);
	case INGEST_CRAWL:  return check_crawl(k, o, &it->u.c);
	}
	return bad(k, "not_object", "알 수 없는 항목 종류입니다.");
}

int ingest_check(enum ingest_kind kind, json_object *item, long long now, const char **code,
    char *msg)
{
	struct item it;
	struct chk k = { NULL, msg };

	memset(&it, 0, sizeof(it));
	if (check(kind, item, now ? now : now_ms(), &it, &k) == -1) {
		*code = k.code;
		return -1;
	}
	return 0;
}

static void reject(struct ingest_result *res, long index, const char *code, const char *msg)
{
	struct ingest_reject *j = &res->rejected[res->nrejected++];

	j->index = index;
	j->code = code;
	snprintf(j->message, sizeof(j->message), "%s", msg);
}

/* ------------------------------------------------------------------ products */

static void store_failed(struct ingest_ctx *c, const char *store, const char *why)
{
	snprintf(c->err, sizeof(c->err), "%s: %.200s", store, why);
}

static void bump_cache(struct ingest_ctx *c)
{
	redisReply *rep;

	if (c->cache == NULL)
		return;
	if ((rep = rds_command(c->cache, "INCR c:gen")) == NULL)
		log_warn("ingest: product cache not invalidated: %s", c->cache->err);
	else
		freeReplyObject(rep);
}

/* The JSON array of the Coupang ids of the ok items (repeats are harmless: the look-up
 * takes them as a set). */
static char *cp_list(const struct item *v, int n)
{
	json_object *a = json_object_new_array();
	char *out;

	for (int i = 0; i < n; i++)
		if (v[i].ok)
			json_object_array_add(a, json_object_new_int64(v[i].cp));
	out = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN));
	json_object_put(a);
	return out;
}

/* The product of each Coupang id into v[].pid (0 when none). */
static int lookup_products(struct ingest_ctx *c, struct item *v, int n, const char *ids)
{
	const char *p[1] = { ids };

	if (pg_exec(c->pg, "SELECT DISTINCT ON (coupang_product_id) coupang_product_id, id "
	    "FROM products WHERE coupang_product_id = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint)) "
	    "ORDER BY coupang_product_id, id", 1, p) == -1) {
		store_failed(c, "postgresql", c->pg->err);
		return -1;
	}
	for (int row = 0; row < pg_ntuples(c->pg); row++) {
		long long cp = pg_value_ll(c->pg, row, 0), id = pg_value_ll(c->pg, row, 1);
		for (int i = 0; i < n; i++)
			if (v[i].cp == cp)
				v[i].pid = id;
	}
	return 0;
}

/* Resolve every ok item's product; create the missing ones when allowed, else reject
 * their items. names (may be NULL): a name per item for products created. */
static int resolve(struct ingest_ctx *c, struct item *v, int n, struct ingest_result *res,
    enum ingest_kind kind)
{
	char *ids = cp_list(v, n);
	int missing = 0, rc = -1;

	if (ids == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	if (lookup_products(c, v, n, ids) == -1)
		goto out;
	for (int i = 0; i < n; i++)
		missing += v[i].ok && v[i].pid == 0;
	if (missing > 0 && c->create_products) {
		json_object *a = json_object_new_array();
		char uid[24];
		const char *p[2];
		for (int i = 0; i < n; i++) {
			json_object *e;
			if (!v[i].ok || v[i].pid != 0)
				continue;
			e = json_object_new_object();
			json_object_object_add(e, "cp", json_object_new_int64(v[i].cp));
			if (kind == INGEST_PRICE && v[i].u.p.name != NULL)
				json_object_object_add(e, "name", json_object_new_string(v[i].u.p.name));
			json_object_array_add(a, e);
		}
		snprintf(uid, sizeof(uid), "%lld", c->user_id);
		p[0] = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
		p[1] = c->user_id > 0 ? uid : NULL;
		/* one product per Coupang id: a racing insert is a no-op; the name stays
		 * unknown (NULL) until a price item brings it */
		if (pg_exec(c->pg, "INSERT INTO products (coupang_product_id, url, name, added_by) "
		    "SELECT DISTINCT ON (cp) cp, 'https://www.coupang.com/vp/products/' || cp, "
		    "name, $2::bigint "
		    "FROM jsonb_to_recordset($1::jsonb) AS t(cp bigint, name text) "
		    "ORDER BY cp, name IS NULL ON CONFLICT DO NOTHING", 2, p) == -1) {
			json_object_put(a);
			store_failed(c, "postgresql", c->pg->err);
			goto out;
		}
		json_object_put(a);
		if (pg_affected(c->pg) > 0)
			bump_cache(c);
		if (lookup_products(c, v, n, ids) == -1)
			goto out;
	}
	for (int i = 0; i < n; i++) {
		if (v[i].ok && v[i].pid == 0) {
			v[i].ok = 0;
			reject(res, v[i].index, "unknown_product", c->create_products ?
			    "상품을 만들 수 없습니다." :
			    "revlens에 없는 상품입니다. 먼저 상품을 등록하거나, 상품을 만들 수 있는 토큰을 쓰세요.");
		}
	}
	rc = 0;
out:
	free(ids);
	return rc;
}

/* ------------------------------------------------------------------ MongoDB
 *
 * A review's or survey tag's document has an _id made from what identifies it
 * ("<product>:<review id>", or a hash of product, day, question and answer), so that
 * finding what is stored and writing go through the _id index alone: one find of the
 * batch's ids, then one unordered bulk of inserts (new) and updates by _id (changed).
 * (mongo-java-server, the local stand-in, uses an index only when a query's keys are
 * exactly the index's; any other filter would scan the collection for every item.)
 */

/* Hex BLAKE2b-128 of head and the strings parts[0..n) (NULL as ""), each after its
 * length, so that no two different lists hash alike by moving text across a border. */
static void hash_parts(const char *head, const char *const *parts, int n, char hex[33])
{
	crypto_generichash_state st;
	unsigned char h[16];

	crypto_generichash_init(&st, NULL, 0, sizeof(h));
	crypto_generichash_update(&st, (const unsigned char *)head, strlen(head));
	for (int i = 0; i < n; i++) {
		const char *s = parts[i] != NULL ? parts[i] : "";
		unsigned char len[8];
		size_t l = strlen(s);
		for (int b = 0; b < 8; b++)
			len[b] = (unsigned char)(l >> (8 * b));
		crypto_generichash_update(&st, len, sizeof(len));
		crypto_generichash_update(&st, (const unsigned char *)s, l);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, 33, h, sizeof(h));
}

/* "YYYY-MM-DD" of ms in Seoul. */
static void seoul_date(long long ms, char out[16])
{
	long long z = (ms + SEOUL_OFFSET_MS) / DAY_MS;
	int y, m, d;

	if ((ms + SEOUL_OFFSET_MS) % DAY_MS < 0)
		z--;
	civil_date((long)z, &y, &m, &d);
	snprintf(out, 16, "%04d-%02d-%02d", y % 10000, m, d);
}

static void review_prepare(struct item *it)
{
	const struct review *r = &it->u.r;
	const char *parts[4] = { r->content, r->title, r->option, r->author };
	char head[64];

	snprintf(head, sizeof(head), "%d|%lld|", r->rating, r->written_ms);
	hash_parts(head, parts, 4, it->u.r.hash);
	snprintf(it->key, sizeof(it->key), "%lld:%s", it->pid, it->u.r.id);
	it->order = it->index;                  /* the batch's last copy wins */
}

/* A review is written when what the collector sent differs from what is stored. */
static int review_fresh(const struct item *it, bson_iter_t *stored)
{
	return !BSON_ITER_HOLDS_UTF8(stored) || strcmp(bson_iter_utf8(stored, NULL), it->u.r.hash) != 0;
}

static void review_fields(const struct ingest_ctx *c, const struct item *it, bson_t *set)
{
	const struct review *r = &it->u.r;

	BSON_APPEND_INT64(set, "product_id", it->pid);
	BSON_APPEND_UTF8(set, "review_id", r->id);
	BSON_APPEND_INT64(set, "coupang_product_id", it->cp);
	BSON_APPEND_INT32(set, "rating", r->rating);
	BSON_APPEND_UTF8(set, "title", r->title ? r->title : "");
	BSON_APPEND_UTF8(set, "text", r->content);
	BSON_APPEND_UTF8(set, "option", r->option ? r->option : "");
	BSON_APPEND_UTF8(set, "author", r->author ? r->author : "");
	BSON_APPEND_DATE_TIME(set, "review_date", r->written_ms);
	BSON_APPEND_UTF8(set, "collector", c->collector);
	BSON_APPEND_UTF8(set, "hash", r->hash);
	BSON_APPEND_DATE_TIME(set, "ingested_at", c->now_ms);
}

/* What an edit of a review removes: its analysis (the worker analyses it again). */
static const char *const review_clear[] = { "sentiment", "keywords", "aspects", "analyzed_at", NULL };

static void tag_prepare(struct item *it)
{
	const struct tag *t = &it->u.t;
	const char *parts[2] = { t->question, t->answer };
	char head[48];

	seoul_date(t->observed_ms, it->u.t.day);
	snprintf(head, sizeof(head), "%lld|%s|", it->pid, t->day);
	hash_parts(head, parts, 2, it->key);
	/* the day's latest observation wins, then the batch's last copy */
	it->order = t->observed_ms * 1024 + it->index;
}

/* A tag is written unless what is stored was observed later. */
static int tag_fresh(const struct item *it, bson_iter_t *stored)
{
	return !BSON_ITER_HOLDS_DATE_TIME(stored) || bson_iter_date_time(stored) <= it->u.t.observed_ms;
}

static void tag_fields(const struct ingest_ctx *c, const struct item *it, bson_t *set)
{
	const struct tag *t = &it->u.t;

	BSON_APPEND_INT64(set, "product_id", it->pid);
	BSON_APPEND_UTF8(set, "snapshot_date", t->day);
	BSON_APPEND_UTF8(set, "category", t->question);
	BSON_APPEND_UTF8(set, "tag", t->answer);
	BSON_APPEND_INT64(set, "coupang_product_id", it->cp);
	BSON_APPEND_DOUBLE(set, "percent", t->percent);
	if (t->respondents >= 0)
		BSON_APPEND_INT64(set, "respondents", t->respondents);
	BSON_APPEND_DATE_TIME(set, "crawled_at", t->observed_ms);
	BSON_APPEND_UTF8(set, "collector", c->collector);
}

static const char *const tag_clear[] = { NULL };

struct doc_kind {
	const char *collection;
	const char *compare;            /* the stored field fresh() looks at */
	const char *also;               /* a stored time kept in stored_ms, or NULL */
	void (*prepare)(struct item *it);       /* key and order */
	int (*fresh)(const struct item *it, bson_iter_t *stored);
	void (*fields)(const struct ingest_ctx *c, const struct item *it, bson_t *doc);
	const char *const *clear;       /* fields an update removes */
	/* the review_days index: added to before the documents are written (NULL: none),
	 * moved entries removed after */
	int (*index_add)(struct ingest_ctx *c, const struct item *v, const int *pos, int n);
	void (*index_moved)(struct ingest_ctx *c, const struct item *v, const int *pos, int n);
};

/* ---- the index of each day's reviews (lib/review_days.h) */

struct day_entry {
	long long pid;
	int32_t day;
	const char *id;
};

static int by_day_entry(const void *a, const void *b)
{
	const struct day_entry *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->day > y->day) - (x->day < y->day);
}

static int run_index(struct ingest_ctx *c, mongoc_bulk_operation_t *bulk)
{
	bson_t reply;
	bson_error_t error;
	int ok = (int)mongoc_bulk_operation_execute(bulk, &reply, &error);

	if (!ok)
		store_failed(c, "mongodb", error.message);
	bson_destroy(&reply);
	return ok ? 0 : -1;
}

/* Add the reviews about to be written to their days' index documents: one upsert
 * per product and day. Before the reviews, so that a review is never stored
 * unindexed; a failure fails the batch with nothing written. */
static int review_index_add(struct ingest_ctx *c, const struct item *v, const int *pos, int n)
{
	mongoc_collection_t *coll;
	mongoc_bulk_operation_t *bulk;
	struct day_entry *e;
	const char **ids;
	bson_t bopts = BSON_INITIALIZER;
	bson_error_t error;
	int rc = 0;

	if (n == 0)
		return 0;
	e = malloc(sizeof(*e) * (size_t)n);
	ids = malloc(sizeof(*ids) * (size_t)n);
	if (e == NULL || ids == NULL) {
		free(e);
		free(ids);
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		e[i].pid = v[pos[i]].pid;
		e[i].day = review_days_day(v[pos[i]].u.r.written_ms);
		e[i].id = v[pos[i]].key;
	}
	qsort(e, (size_t)n, sizeof(*e), by_day_entry);
	coll = mongoc_client_get_collection(c->mongo->client, c->mongo->dbname, REVIEW_DAYS_COLLECTION);
	BSON_APPEND_BOOL(&bopts, "ordered", false);
	bulk = mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
	for (int i = 0, j; i < n && rc == 0; i = j) {
		for (j = i; j < n && e[j].pid == e[i].pid && e[j].day == e[i].day; j++)
			ids[j - i] = e[j].id;
		if (!review_days_add(bulk, e[i].pid, e[i].day, ids, j - i, &error)) {
			store_failed(c, "mongodb", error.message);
			rc = -1;
		}
	}
	if (rc == 0)
		rc = run_index(c, bulk);
	mongoc_bulk_operation_destroy(bulk);
	mongoc_collection_destroy(coll);
	bson_destroy(&bopts);
	free(e);
	free(ids);
	return rc;
}

/* Remove the reviews written to another day from their old day's document. A
 * failure leaves a stale entry, which readers skip: logged, not fatal. */
static void review_index_moved(struct ingest_ctx *c, const struct item *v, const int *pos, int n)
{
	mongoc_collection_t *coll = NULL;
	mongoc_bulk_operation_t *bulk = NULL;
	bson_error_t error;
	int ops = 0;

	for (int i = 0; i < n; i++) {
		const struct item *it = &v[pos[i]];
		int32_t old;
		if (it->failed || !it->stored || it->stored_ms == 0 ||
		    (old = review_days_day(it->stored_ms)) == review_days_day(it->u.r.written_ms))
			continue;
		if (bulk == NULL) {
			bson_t bopts = BSON_INITIALIZER;
			BSON_APPEND_BOOL(&bopts, "ordered", false);
			coll = mongoc_client_get_collection(c->mongo->client, c->mongo->dbname, REVIEW_DAYS_COLLECTION);
			bulk = mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
			bson_destroy(&bopts);
		}
		if (review_days_pull(bulk, it->pid, old, it->key, &error))
			ops++;
	}
	if (ops > 0 && run_index(c, bulk) == -1) {
		log_warn("ingest: review_days: moved reviews left on their old day: %s", c->err);
		c->err[0] = '\0';
	}
	if (bulk != NULL)
		mongoc_bulk_operation_destroy(bulk);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
}

static const struct doc_kind reviews_kind = {
	"product_reviews_raw", "hash", "review_date", review_prepare, review_fresh, review_fields, review_clear,
	review_index_add, review_index_moved
};
static const struct doc_kind tags_kind = {
	"coupang_keyword_tags", "crawled_at", NULL, tag_prepare, tag_fresh, tag_fields, tag_clear, NULL, NULL
};

static int by_key_order(const void *a, const void *b, void *items)
{
	const struct item *v = items, *x = &v[*(const int *)a], *y = &v[*(const int *)b];
	int c = strcmp(x->key, y->key);

	return c != 0 ? c : (x->order > y->order) - (x->order < y->order);
}

/* Position of key among the winners (sorted by key), or -1. */
static int find_key(const struct item *v, const int *win, int nwin, const char *key)
{
	int lo = 0, hi = nwin - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2, c = strcmp(v[win[mid]].key, key);
		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* Mark the winners whose stored document is as new as they are. 0 or -1. */
static int skip_stored(struct ingest_ctx *c, const struct doc_kind *k, mongoc_collection_t *coll,
    struct item *v, const int *win, int nwin, struct ingest_result *res)
{
	bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER, id, in, proj;
	const bson_t *doc;
	bson_error_t error;
	mongoc_cursor_t *cur;
	char idx[16];
	int rc = 0;

	BSON_APPEND_DOCUMENT_BEGIN(&filter, "_id", &id);
	BSON_APPEND_ARRAY_BEGIN(&id, "$in", &in);
	for (int i = 0; i < nwin; i++) {
		snprintf(idx, sizeof(idx), "%d", i);
		BSON_APPEND_UTF8(&in, idx, v[win[i]].key);
	}
	bson_append_array_end(&id, &in);
	bson_append_document_end(&filter, &id);
	BSON_APPEND_DOCUMENT_BEGIN(&opts, "projection", &proj);
	BSON_APPEND_INT32(&proj, k->compare, 1);
	if (k->also != NULL)
		BSON_APPEND_INT32(&proj, k->also, 1);
	bson_append_document_end(&opts, &proj);
	cur = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		bson_iter_t it, cmp;
		int w;
		if (!bson_iter_init_find(&it, doc, "_id") || !BSON_ITER_HOLDS_UTF8(&it) ||
		    (w = find_key(v, win, nwin, bson_iter_utf8(&it, NULL))) < 0)
			continue;
		v[win[w]].stored = 1;
		if (k->also != NULL && bson_iter_init_find(&cmp, doc, k->also) && BSON_ITER_HOLDS_DATE_TIME(&cmp))
			v[win[w]].stored_ms = bson_iter_date_time(&cmp);
		if (!bson_iter_init_find(&cmp, doc, k->compare))
			memset(&cmp, 0, sizeof(cmp));
		if (!k->fresh(&v[win[w]], &cmp)) {
			v[win[w]].skip = 1;
			res->unchanged++;
		}
	}
	if (mongoc_cursor_error(cur, &error)) {
		store_failed(c, "mongodb", error.message);
		rc = -1;
	}
	mongoc_cursor_destroy(cur);
	bson_destroy(&filter);
	bson_destroy(&opts);
	return rc;
}

/* Run bulk; count inserts and upserts as created, modified as updated, matched-but-same and
 * duplicate-key refusals (a racing writer stored it first) as unchanged; other
 * write errors reject their items. */
static int run_bulk(struct ingest_ctx *c, mongoc_bulk_operation_t *bulk, struct item *v,
    const int *pos, int nops, struct ingest_result *res)
{
	bson_t reply;
	bson_error_t error;
	bson_iter_t it, arr;
	long long inserted = 0, upserted = 0, matched = 0, modified = 0, dups = 0;

	if (nops == 0)
		return 0;
	/* a failed execute with write errors in the reply still wrote the rest */
	if (!mongoc_bulk_operation_execute(bulk, &reply, &error) &&
	    !(bson_iter_init_find(&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &arr) && bson_iter_next(&arr))) {
		store_failed(c, "mongodb", error.message);
		bson_destroy(&reply);
		return -1;
	}
	if (bson_iter_init_find(&it, &reply, "nUpserted"))
		upserted = bson_iter_as_int64(&it);
	if (bson_iter_init_find(&it, &reply, "nMatched"))
		matched = bson_iter_as_int64(&it);
	if (bson_iter_init_find(&it, &reply, "nModified"))
		modified = bson_iter_as_int64(&it);
	if (bson_iter_init_find(&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
	    bson_iter_recurse(&it, &arr)) {
		while (bson_iter_next(&arr)) {
			bson_iter_t e;
			long long idx = -1, code = 0;
			const char *msg = "";
			if (!BSON_ITER_HOLDS_DOCUMENT(&arr) || !bson_iter_recurse(&arr, &e))
				continue;
			while (bson_iter_next(&e)) {
				if (strcmp(bson_iter_key(&e), "index") == 0)
					idx = bson_iter_as_int64(&e);
				else if (strcmp(bson_iter_key(&e), "code") == 0)
					code = bson_iter_as_int64(&e);
				else if (strcmp(bson_iter_key(&e), "errmsg") == 0 && BSON_ITER_HOLDS_UTF8(&e))
					msg = bson_iter_utf8(&e, NULL);
			}
			if (idx >= 0 && idx < nops)
				v[pos[idx]].failed = 1;
			if (code == 11000) {
				dups++;
			} else if (idx >= 0 && idx < nops) {
				char m[INGEST_MSG];
				snprintf(m, sizeof(m), "저장하지 못했습니다: %.150s", msg);
				reject(res, v[pos[idx]].index, "store_error", m);
			}
		}
	}
	bson_destroy(&reply);
	/* inserts counted by item: mongo-java-server's nInserted counts refused ones too */
	for (int i = 0; i < nops; i++)
		inserted += !v[pos[i]].stored && !v[pos[i]].failed;
	res->created += inserted + upserted;
	res->updated += modified;
	res->unchanged += (matched - modified) + dups;
	return 0;
}

/* Store the ok items of kind k: the batch's winner of each key, unless what is stored
 * is as new. */
static int store_docs(struct ingest_ctx *c, const struct doc_kind *k, struct item *v, int n,
    struct ingest_result *res)
{
	mongoc_collection_t *coll = mongoc_client_get_collection(c->mongo->client, c->mongo->dbname, k->collection);
	mongoc_bulk_operation_t *bulk = NULL;
	bson_t bopts = BSON_INITIALIZER, opts = BSON_INITIALIZER;
	bson_error_t error;
	int *pos = malloc(sizeof(int) * (size_t)(n ? n : 1)), *win = malloc(sizeof(int) * (size_t)(n ? n : 1));
	int nok = 0, nwin = 0, nops = 0, rc = -1;

	if (pos == NULL || win == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!v[i].ok)
			continue;
		k->prepare(&v[i]);
		pos[nok++] = i;
	}
	if (nok == 0) {
		rc = 0;
		goto out;
	}
	/* one write per key: the last of each run (by order) wins, the others are
	 * stored as it is */
	qsort_r(pos, (size_t)nok, sizeof(int), by_key_order, v);
	for (int i = 0; i < nok; i++) {
		if (i + 1 < nok && strcmp(v[pos[i]].key, v[pos[i + 1]].key) == 0) {
			v[pos[i]].skip = 1;
			res->unchanged++;
			continue;
		}
		win[nwin++] = pos[i];
	}
	if (skip_stored(c, k, coll, v, win, nwin, res) == -1)
		goto out;
	BSON_APPEND_BOOL(&bopts, "ordered", false);
	BSON_APPEND_BOOL(&opts, "upsert", true);
	bulk = mongoc_collection_create_bulk_operation_with_opts(coll, &bopts);
	for (int i = 0; i < nwin; i++) {
		struct item *it = &v[win[i]];
		bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set, unset;
		bool added;
		if (it->skip)
			continue;
		if (!it->stored) {
			/* new: a plain insert (a racing writer's copy makes it a duplicate) */
			BSON_APPEND_UTF8(&update, "_id", it->key);
			k->fields(c, it, &update);
			added = mongoc_bulk_operation_insert_with_opts(bulk, &update, NULL, &error);
		} else {
			BSON_APPEND_UTF8(&filter, "_id", it->key);
			BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
			k->fields(c, it, &set);
			bson_append_document_end(&update, &set);
			if (k->clear[0] != NULL) {
				BSON_APPEND_DOCUMENT_BEGIN(&update, "$unset", &unset);
				for (const char *const *f = k->clear; *f != NULL; f++)
					BSON_APPEND_UTF8(&unset, *f, "");
				bson_append_document_end(&update, &unset);
			}
			added = mongoc_bulk_operation_update_one_with_opts(bulk, &filter, &update, &opts, &error);
		}
		bson_destroy(&filter);
		bson_destroy(&update);
		if (!added) {
			store_failed(c, "mongodb", error.message);
			goto out;
		}
		pos[nops++] = win[i];
	}
	if (k->index_add != NULL && k->index_add(c, v, pos, nops) == -1)
		goto out;
	rc = run_bulk(c, bulk, v, pos, nops, res);
	if (rc == 0 && k->index_moved != NULL)
		k->index_moved(c, v, pos, nops);
out:
	free(pos);
	free(win);
	bson_destroy(&bopts);
	bson_destroy(&opts);
	if (bulk != NULL)
		mongoc_bulk_operation_destroy(bulk);
	mongoc_collection_destroy(coll);
	return rc;
}

/* ------------------------------------------------------------------ PostgreSQL */

/* Days the aggregator must roll up again (sql/011): added, or queued_at moved to now. */
#define PENDING_INSERT "INSERT INTO rollup_pending AS r (product_id, day) "
#define PENDING_CONFLICT "ON CONFLICT (product_id, day) DO UPDATE SET queued_at = clock_timestamp()"

/* The zone of the rollups' days (aggregator.timezone). */
static const char *zone(const struct ingest_ctx *c)
{
	return c->zone != NULL ? c->zone : "Asia/Seoul";
}

/* Count the reviews this batch created, per product, with their date range, and mark
 * the days of the reviews it wrote (new or changed; a changed one's old day too)
 * pending for the aggregator (docs/aggregator.md). */
static int review_stats(struct ingest_ctx *c, const struct item *v, int n)
{
	json_object *a = json_object_new_array();
	const char *p[2];
	int rc = 0, any = 0;

	for (int i = 0; i < n; i++) {
		json_object *e;
		int written = !v[i].skip && !v[i].failed;
		if (!v[i].ok)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "p", json_object_new_int64(v[i].pid));
		json_object_object_add(e, "new", json_object_new_int(!v[i].stored && written));
		json_object_object_add(e, "w", json_object_new_int(written));
		json_object_object_add(e, "at", json_object_new_int64(v[i].u.r.written_ms));
		if (v[i].stored && v[i].stored_ms != v[i].u.r.written_ms)
			json_object_object_add(e, "old", json_object_new_int64(v[i].stored_ms));
		json_object_array_add(a, e);
		any = 1;
	}
	p[0] = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	p[1] = zone(c);
	if (any && pg_exec(c->pg, "WITH t AS (SELECT * FROM jsonb_to_recordset($1::jsonb) "
	    "  AS t(p bigint, new int, w int, at bigint, old bigint)), "
	    "s AS (INSERT INTO product_review_stats AS s "
	    "  (product_id, reviews, first_review_at, last_review_at, last_ingested_at) "
	    "  SELECT p, sum(new), min(to_timestamp(at / 1000.0)) FILTER (WHERE new = 1), "
	    "    max(to_timestamp(at / 1000.0)) FILTER (WHERE new = 1), now() FROM t GROUP BY p "
	    "  ON CONFLICT (product_id) DO UPDATE SET reviews = s.reviews + EXCLUDED.reviews, "
	    "    first_review_at = least(s.first_review_at, EXCLUDED.first_review_at), "
	    "    last_review_at = greatest(s.last_review_at, EXCLUDED.last_review_at), "
	    "    last_ingested_at = now()) "
	    PENDING_INSERT "SELECT DISTINCT p, (to_timestamp(d / 1000.0) AT TIME ZONE $2)::date "
	    "FROM t, LATERAL (VALUES (at), (old)) AS x(d) WHERE w = 1 AND d IS NOT NULL " PENDING_CONFLICT,
	    2, p) == -1) {
		store_failed(c, "postgresql", c->pg->err);
		rc = -1;
	}
	json_object_put(a);
	return rc;
}

/* Mark the snapshot days of the survey tags this batch wrote pending. */
static int tag_days(struct ingest_ctx *c, const struct item *v, int n)
{
	json_object *a = json_object_new_array();
	const char *p[1];
	int rc = 0, any = 0;

	for (int i = 0; i < n; i++) {
		json_object *e;
		if (!v[i].ok || v[i].skip || v[i].failed)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "p", json_object_new_int64(v[i].pid));
		json_object_object_add(e, "day", json_object_new_string(v[i].u.t.day));
		json_object_array_add(a, e);
		any = 1;
	}
	p[0] = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	if (any && pg_exec(c->pg, PENDING_INSERT "SELECT DISTINCT p, day FROM jsonb_to_recordset($1::jsonb) "
	    "AS t(p bigint, day date) " PENDING_CONFLICT, 1, p) == -1) {
		store_failed(c, "postgresql", c->pg->err);
		rc = -1;
	}
	json_object_put(a);
	return rc;
}

static int store_prices(struct ingest_ctx *c, struct item *v, int n, struct ingest_result *res)
{
	json_object *a = json_object_new_array();
	const char *p[3];
	long long total = 0, *ids;
	int rc = -1;

	for (int i = 0; i < n; i++) {
		json_object *e;
		if (!v[i].ok)
			continue;
		e = json_object_new_object();
		json_object_object_add(e, "i", json_object_new_int(i));
		json_object_object_add(e, "p", json_object_new_int64(v[i].pid));
		json_object_object_add(e, "cp", json_object_new_int64(v[i].cp));
		json_object_object_add(e, "at", json_object_new_int64(v[i].u.p.observed_ms));
		json_object_object_add(e, "price", json_object_new_int(v[i].u.p.price));
		if (v[i].u.p.name != NULL)
			json_object_object_add(e, "name", json_object_new_string(v[i].u.p.name));
		if (v[i].u.p.image_url != NULL)
			json_object_object_add(e, "image", json_object_new_string(v[i].u.p.image_url));
		json_object_array_add(a, e);
		total++;
	}
	if (total == 0) {
		json_object_put(a);
		return 0;
	}
	p[0] = json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN);
	p[1] = c->collector;
	p[2] = zone(c);
	/* one row per (product, time): the batch's last observation of a time wins; the
	 * days of the rows written are pending for the aggregator */
	if (pg_exec(c->pg, "WITH v AS (SELECT DISTINCT ON (p, at) p, at, price "
	    "  FROM jsonb_to_recordset($1::jsonb) AS t(i int, p bigint, at bigint, price int) ORDER BY p, at, i DESC), "
	    "w AS (INSERT INTO price_observations AS o (product_id, observed_at, source, price) "
	    "  SELECT p, to_timestamp(at / 1000.0), $2, price FROM v "
	    "  ON CONFLICT (product_id, observed_at, source) DO UPDATE SET price = EXCLUDED.price, ingested_at = now() "
	    "  WHERE o.price <> EXCLUDED.price RETURNING product_id, observed_at, (xmax = 0) AS inserted), "
	    "d AS (" PENDING_INSERT "SELECT DISTINCT product_id, (observed_at AT TIME ZONE $3)::date FROM w "
	    PENDING_CONFLICT ") "
	    "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), "
	    "  (SELECT count(*) FROM v) FROM w", 3, p) == -1) {
		store_failed(c, "postgresql", c->pg->err);
		goto out;
	}
	res->created += pg_value_ll(c->pg, 0, 0);
	res->updated += pg_value_ll(c->pg, 0, 1);
	/* duplicates inside the batch count as unchanged: they are stored, once */
	res->unchanged += total - pg_value_ll(c->pg, 0, 0) - pg_value_ll(c->pg, 0, 1);
	/* the product shows the batch's newest observation (unless it has a newer one),
	 * with the newest name and image the batch carries */
	if (pg_exec(c->pg, "UPDATE products AS pr SET price = v.price, price_updated_at = to_timestamp(v.at / 1000.0), "
	    "  name = coalesce(v.name, pr.name), image_url = coalesce(v.image, pr.image_url) "
	    "FROM (SELECT cp, (array_agg(at ORDER BY at DESC, i DESC))[1] AS at, "
	    "    (array_agg(price ORDER BY at DESC, i DESC))[1] AS price, "
	    "    (array_agg(name ORDER BY at DESC, i DESC) FILTER (WHERE name IS NOT NULL))[1] AS name, "
	    "    (array_agg(image ORDER BY at DESC, i DESC) FILTER (WHERE image IS NOT NULL))[1] AS image "
	    "  FROM jsonb_to_recordset($1::jsonb) AS t(i int, cp bigint, at bigint, price int, name text, image text) "
	    "  GROUP BY cp) AS v "
	    "WHERE pr.coupang_product_id = v.cp "
	    "  AND (pr.price_updated_at IS NULL OR pr.price_updated_at <= to_timestamp(v.at / 1000.0)) "
	    "  AND (pr.price IS DISTINCT FROM v.price OR pr.price_updated_at IS DISTINCT FROM to_timestamp(v.at / 1000.0) "
	    "    OR pr.name IS DISTINCT FROM coalesce(v.name, pr.name) OR pr.image_url IS DISTINCT FROM coalesce(v.image, pr.image_url))",
	    1, p) == -1) {
		store_failed(c, "postgresql", c->pg->err);
		goto out;
	}
	if (pg_affected(c->pg) > 0)
		bump_cache(c);
	rc = 0;
	/* price alerts of the products whose prices were stored (docs/aggregator.md); a
	 * failure is logged and never fails the batch: the nightly run checks them again */
	if ((ids = malloc((size_t)n * sizeof(*ids))) != NULL) {
		char why[256];
		size_t nid = 0;
		for (int i = 0; i < n; i++)
			if (v[i].ok && (nid == 0 || ids[nid - 1] != v[i].pid))
				ids[nid++] = v[i].pid;
		if (alerts_check(c->pg, c->publish_socket, ids, nid, why, sizeof(why)) == -1)
			log_warn("%s", why);
		free(ids);
	}
out:
	json_object_put(a);
	return rc;
}

/* What the product page and the live progress say for a crawl state: a trusted
 * collector's own words, or revlens's. */
static const char *crawl_message(const struct ingest_ctx *c, const struct crawl *k, char *buf, size_t len)
{
	if (c->trusted && k->message != NULL && k->message[0] != '\0')
		return k->message;
	if (strcmp(k->state, "running") == 0) {
		if (k->pages >= 0 && k->reviews >= 0)
			snprintf(buf, len, "쿠팡에서 리뷰를 모으는 중입니다 (%lld쪽, 리뷰 %lld개).", k->pages, k->reviews);
		else
			snprintf(buf, len, "쿠팡에서 리뷰를 모으는 중입니다.");
	} else if (strcmp(k->state, "done") == 0) {
		if (k->reviews >= 0)
			snprintf(buf, len, "리뷰 수집을 마쳤습니다 (리뷰 %lld개).", k->reviews);
		else
			snprintf(buf, len, "리뷰 수집을 마쳤습니다.");
	} else if (strcmp(k->state, "blocked") == 0) {
		snprintf(buf, len, "쿠팡이 수집을 차단했습니다. 쿠팡 상품 페이지에서 브라우저 확장 프로그램 "
		    "‘revlens로 보내기’로 리뷰를 보내 주세요.");
	} else {
		snprintf(buf, len, "리뷰를 모으지 못했습니다.");
	}
	return buf;
}

/* Show the crawl on the live progress of the analysis it serves, if that is active. */
static void crawl_progress(struct ingest_ctx *c, const struct item *it, const char *msg)
{
	char rid[24], cp[24], uid[24], err[256];
	const char *p[4] = { rid, cp, uid, c->trusted ? "t" : "f" };
	struct progress pr;

	if (it->u.c.request_id <= 0 || c->queue == NULL)
		return;
	snprintf(rid, sizeof(rid), "%lld", it->u.c.request_id);
	snprintf(cp, sizeof(cp), "%lld", it->cp);
	snprintf(uid, sizeof(uid), "%lld", c->user_id);
	/* an active request of this product that the collector may speak for */
	if (pg_exec(c->pg, "SELECT r.status, r.progress FROM analysis_requests r JOIN products p ON p.id = r.product_id "
	    "WHERE r.id = $1 AND p.coupang_product_id = $2 AND r.status IN ('queued', 'running') "
	    "  AND ($4::boolean OR EXISTS (SELECT 1 FROM analysis_request_users u "
	    "    WHERE u.request_id = r.id AND u.user_id = $3 AND u.cancelled_at IS NULL))", 4, p) == -1 ||
	    pg_ntuples(c->pg) != 1)
		return;
	memset(&pr, 0, sizeof(pr));
	pr.id = it->u.c.request_id;
	pr.status = strcmp(pg_value(c->pg, 0, 0), "running") == 0 ? "running" : "queued";
	pr.stage = "collect";
	pr.percent = (int)pg_value_ll(c->pg, 0, 1);
	pr.message = msg;
	if (progress_store(c->queue, &pr, err, sizeof(err)) == -1)
		log_warn("crawl progress of request %lld: %s", pr.id, err);
	if (c->publish_socket != NULL && progress_publish(c->publish_socket, &pr, err, sizeof(err)) == -1)
		log_warn("crawl progress of request %lld: %s", pr.id, err);
}

static int store_crawl(struct ingest_ctx *c, struct item *v, int n, struct ingest_result *res)
{
	for (int i = 0; i < n; i++) {
		const struct crawl *k = &v[i].u.c;
		char pid[24], rid[24], pages[24], reviews[24], buf[INGEST_MSG];
		const char *msg, *p[7];
		if (!v[i].ok)
			continue;
		msg = crawl_message(c, k, buf, sizeof(buf));
		snprintf(pid, sizeof(pid), "%lld", v[i].pid);
		snprintf(rid, sizeof(rid), "%lld", k->request_id);
		snprintf(pages, sizeof(pages), "%lld", k->pages);
		snprintf(reviews, sizeof(reviews), "%lld", k->reviews);
		p[0] = pid;
		p[1] = k->state;
		p[2] = msg;
		p[3] = c->collector;
		p[4] = k->request_id > 0 ? rid : NULL;
		p[5] = k->pages >= 0 ? pages : NULL;
		p[6] = k->reviews >= 0 ? reviews : NULL;
		if (pg_exec(c->pg, "INSERT INTO product_crawl_status AS s "
		    "(product_id, state, message, collector, request_id, pages, reviews) "
		    "VALUES ($1, $2, $3, $4, (SELECT r.id FROM analysis_requests r JOIN products p ON p.id = r.product_id "
		    "  WHERE r.id = $5::bigint AND p.coupang_product_id = (SELECT coupang_product_id FROM products WHERE id = $1)), "
		    "  $6, $7) "
		    "ON CONFLICT (product_id) DO UPDATE SET state = EXCLUDED.state, message = EXCLUDED.message, "
		    "  collector = EXCLUDED.collector, request_id = EXCLUDED.request_id, pages = EXCLUDED.pages, "
		    "  reviews = EXCLUDED.reviews, updated_at = now()", 7, p) == -1) {
			store_failed(c, "postgresql", c->pg->err);
			return -1;
		}
		res->updated++;
		crawl_progress(c, &v[i], msg);
	}
	return 0;
}

/* ------------------------------------------------------------------ the batch */

static int by_index(const void *a, const void *b)
{
	const struct ingest_reject *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

int ingest_items(struct ingest_ctx *c, enum ingest_kind k, json_object *const *items,
    const long *index, int n, struct ingest_result *res)
{
	struct item *v;
	int rc = -1, good = 0;

	res->stored = res->created = res->updated = res->unchanged = res->nrejected = 0;
	c->err[0] = '\0';
	if (c->now_ms == 0)
		c->now_ms = now_ms();
	if (n <= 0)
		return 0;
	if ((v = calloc((size_t)n, sizeof(*v))) == NULL) {
		snprintf(c->err, sizeof(c->err), "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char msg[INGEST_MSG];
		struct chk chk = { NULL, msg };
		v[i].index = index != NULL ? index[i] : i;
		if (check(k, items[i], c->now_ms, &v[i], &chk) == -1) {
			reject(res, v[i].index, chk.code, msg);
			continue;
		}
		v[i].ok = 1;
		good++;
	}
	if (good > 0 && resolve(c, v, n, res, k) == -1)
		goto out;
	switch (k) {
	case INGEST_REVIEW:
		if ((rc = store_docs(c, &reviews_kind, v, n, res)) == 0)
			rc = review_stats(c, v, n);
		break;
	case INGEST_PRICE:  rc = store_prices(c, v, n, res); break;
	case INGEST_TAG:
		if ((rc = store_docs(c, &tags_kind, v, n, res)) == 0)
			rc = tag_days(c, v, n);
		break;
	case INGEST_CRAWL:  rc = store_crawl(c, v, n, res); break;
	}
	res->stored = res->created + res->updated + res->unchanged;
	qsort(res->rejected, (size_t)res->nrejected, sizeof(res->rejected[0]), by_index);
out:
	free(v);
	return rc;
}
