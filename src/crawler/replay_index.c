/* replay_index.c — index a JSON-lines replay file by Coupang product id (see replay_index.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crawler/replay_index.h"
#include "lib/log.h"

#define BAD_LINES_LOGGED 20   /* past this, bad lines are only counted */
#define JSON_DEPTH 16

static const char *const kind_names[REPLAY_NKINDS] = { "review", "price", "tag" };

const char *replay_kind_name(enum replay_kind k)
{
	return (unsigned)k < REPLAY_NKINDS ? kind_names[k] : "?";
}

/* Parse one line as a JSON object (strict, UTF-8 checked); NULL when it is not one. */
static json_object *parse_line(const char *s, size_t len)
{
	json_tokener *tok = json_tokener_new_ex(JSON_DEPTH);
	json_object *o;

	if (tok == NULL)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, s, (int)len);
	if (o != NULL && (json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	if (o != NULL) {
		for (size_t i = json_tokener_get_parse_end(tok); i < len; i++)
			if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
				json_object_put(o);
				o = NULL;
				break;
			}
	}
	json_tokener_free(tok);
	return o;
}

/* What a parsed line is: 0 with its kind and product, or -1 with a reason. */
static int classify(json_object *o, struct replay_line *l, const char **why)
{
	json_object *v;
	const char *k;

	if (o == NULL) {
		*why = "not a JSON object";
		return -1;
	}
	if (!json_object_object_get_ex(o, "kind", &v) || !json_object_is_type(v, json_type_string)) {
		*why = "no \"kind\"";
		return -1;
	}
	k = json_object_get_string(v);
	for (l->kind = 0; l->kind < REPLAY_NKINDS; l->kind++)
		if (strcmp(k, kind_names[l->kind]) == 0)
			break;
	if (l->kind == REPLAY_NKINDS) {
		*why = "\"kind\" is not review, price or tag";
		return -1;
	}
	if (!json_object_object_get_ex(o, "product_id", &v) || !json_object_is_type(v, json_type_int) ||
	    (l->product_id = json_object_get_int64(v)) <= 0 || l->product_id > 999999999999999LL) {
		*why = "no positive integer \"product_id\"";
		return -1;
	}
	return 0;
}

/* 1 when line[0..len) holds only spaces, tabs and CRs (a CRLF file's empty line). */
static int blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			return 0;
	return 1;
}

static int cmp_line(const void *a, const void *b)
{
	const struct replay_line *x = a, *y = b;

	if (x->product_id != y->product_id)
		return x->product_id < y->product_id ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The next line of f into buf (cap bytes: at most cap - 1 kept, NUL-terminated), however
 * long it is: what does not fit is read past, never held. Returns the line's length in
 * the file, its newline included (0 at the end of the file); *kept: the bytes in buf. */
static size_t next_line(FILE *f, char *buf, size_t cap, size_t *kept)
{
	size_t total = 0, k = 0;
	int ch;

	while ((ch = getc_unlocked(f)) != EOF) {
		if (k + 1 < cap)
			buf[k++] = (char)ch;
		total++;
		if (ch == '\n')
			break;
	}
	buf[k] = '\0';
	*kept = k;
	return total;
}

int replay_index_open(struct replay_index *ix, const char *path, char *err, size_t errlen)
{
	char *line = NULL;
	size_t alloc = 0, got, len;
	off_t at = 0;
	int rc = -1;

	memset(ix, 0, sizeof(*ix));
	if ((ix->f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* a line of REPLAY_LINE_MAX bytes, its CR LF and a NUL */
	if ((ix->buf = malloc(REPLAY_LINE_MAX + 1)) == NULL || (line = malloc(REPLAY_LINE_MAX + 3)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	while ((got = next_line(ix->f, line, REPLAY_LINE_MAX + 3, &len)) > 0) {
		struct replay_line l = { 0 };
		const char *why = NULL;
		int whole = len == got;

		ix->lines_read++;
		l.offset = at;
		at += (off_t)got;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (whole && blank(line, len))
			continue;   /* empty line */
		if (!whole || len > REPLAY_LINE_MAX)
			why = "line too long";
		else if (memchr(line, '\0', len) != NULL)
			why = "NUL byte";
		else {
			json_object *o = parse_line(line, len);
			classify(o, &l, &why);
			json_object_put(o);
		}
		if (why != NULL) {
			if (ix->bad++ < BAD_LINES_LOGGED)
				log_warn("%s: line %zu: %s: left out", path, ix->lines_read, why);
			continue;
		}
		l.len = (unsigned)len;
		if (ix->n == alloc) {
			size_t na = alloc ? alloc * 2 : 1024;
			struct replay_line *nl = realloc(ix->lines, na * sizeof(*nl));
			if (nl == NULL) {
				snprintf(err, errlen, "%s: out of memory at line %zu", path, ix->lines_read);
				goto out;
			}
			ix->lines = nl;
			alloc = na;
		}
		ix->lines[ix->n++] = l;
	}
	if (ferror(ix->f)) {
		snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
		goto out;
	}
	if (ix->bad > BAD_LINES_LOGGED)
		log_warn("%s: %zu bad lines in all were left out", path, ix->bad);
	if (ix->n > 1)
		qsort(ix->lines, ix->n, sizeof(*ix->lines), cmp_line);
	rc = 0;
out:
	free(line);
	if (rc == -1)
		replay_index_close(ix);
	return rc;
}

size_t replay_index_find(const struct replay_index *ix, long long product_id, size_t *first)
{
	size_t lo = 0, hi = ix->n, end;

	while (lo < hi) {   /* first line with product >= product_id */
		size_t mid = lo + (hi - lo) / 2;
		if (ix->lines[mid].product_id < product_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (end = lo; end < ix->n && ix->lines[end].product_id == product_id; end++)
		;
	*first = lo;
	return end - lo;
}

json_object *replay_index_item(struct replay_index *ix, size_t i, char *err, size_t errlen)
{
	const struct replay_line *l = &ix->lines[i];
	struct replay_line again = { 0 };
	const char *why = NULL;
	json_object *o;

	/* pread, not stdio: a stdio seek inside its buffer would serve stale bytes */
	if (pread(fileno(ix->f), ix->buf, l->len, l->offset) != (ssize_t)l->len) {
		snprintf(err, errlen, "cannot read the line at byte %lld back", (long long)l->offset);
		return NULL;
	}
	o = parse_line(ix->buf, l->len);
	if (classify(o, &again, &why) == -1 || again.product_id != l->product_id ||
	    again.kind != l->kind) {
		snprintf(err, errlen, "the line at byte %lld changed since the file was indexed",
		    (long long)l->offset);
		json_object_put(o);
		return NULL;
	}
	json_object_object_del(o, "kind");
	return o;
}

void replay_index_close(struct replay_index *ix)
{
	if (ix->f != NULL)
		fclose(ix->f);
	free(ix->lines);
	free(ix->buf);
	memset(ix, 0, sizeof(*ix));
}
