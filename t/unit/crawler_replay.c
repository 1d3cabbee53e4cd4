/* t/unit/crawler_replay.c — the replay file index: lines by product, bad lines left out,
 * items read back without "kind". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "crawler/replay_index.h"
#include "lib/log.h"
#include "tap.h"

static const char FILE_TEXT[] =
    "{\"kind\":\"review\",\"product_id\":20,\"review_id\":\"a\",\"rating\":5,\"content\":\"좋아요\",\"written_at\":\"2025-01-01\"}\n"
    "{\"kind\":\"price\",\"product_id\":10,\"price\":1000,\"observed_at\":\"2025-01-01\"}\n"
    "\n"
    "not json\n"
    "{\"kind\":\"tag\",\"product_id\":20,\"question\":\"맛\",\"answer\":\"좋아요\",\"percent\":50,\"observed_at\":\"2025-01-01\"}\r\n"
    "{\"kind\":\"review\",\"product_id\":\"20\"}\n"
    "{\"kind\":\"review\",\"product_id\":0}\n"
    "{\"kind\":\"picture\",\"product_id\":20}\n"
    "{\"product_id\":20}\n"
    "[1,2]\n"
    "{\"kind\":\"review\",\"product_id\":20} trailing\n"
    "{\"kind\":\"review\",\"product_id\":20,\"review_id\":\"b\",\"rating\":1,\"content\":\"\",\"written_at\":1}";

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

#define HUGE_LINE (64 * 1024 * 1024)

/* Limit the address space to 32 MiB more than now (not under ASan, whose shadow memory
 * needs more). Returns 1 with the old limit in *old when limited, else 0. */
static int limit_memory(struct rlimit *old)
{
	int limited = 0;
#ifndef UNDER_ASAN
	struct rlimit lim;
	long pages;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL && fscanf(f, "%ld", &pages) == 1 && getrlimit(RLIMIT_AS, old) == 0) {
		lim = *old;
		lim.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + 32 * 1024 * 1024;
		limited = setrlimit(RLIMIT_AS, &lim) == 0;
	}
	if (f != NULL)
		fclose(f);
#else
	(void)old;
#endif
	return limited;
}

/* A file with a line of HUGE_LINE bytes between two good ones, read with the memory
 * limited: the index must not hold a line to find it too long. */
static void huge_line(const char *path)
{
	struct replay_index ix;
	struct rlimit old;
	char err[300];
	size_t first;
	int limited;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	fputs("{\"kind\":\"price\",\"product_id\":10}\n{\"kind\":\"review\",\"product_id\":30,\"x\":\"", f);
	for (size_t i = 0; i < HUGE_LINE / 64; i++)
		fputs("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", f);
	fputs("\"}\n{\"kind\":\"price\",\"product_id\":40}\n", f);
	if (fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		exit(1);
	}
	limited = limit_memory(&old);
	is_int(replay_index_open(&ix, path, err, sizeof(err)), 0, "a file with a 64 MiB line is indexed");
	if (limited)
		setrlimit(RLIMIT_AS, &old);
	is_int(ix.lines_read, 3, "... every line read");
	is_int(ix.bad, 1, "... the long one left out");
	is_int(replay_index_find(&ix, 40, &first), 1, "... the line after it indexed");
	is_int(ix.n, 2, "... 2 good lines");
	replay_index_close(&ix);
}

int main(void)
{
	char path[] = "/tmp/crawler_replay.XXXXXX", err[300];
	struct replay_index ix;
	size_t first, n;
	json_object *o, *v;
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	log_open("/dev/null", LOG_LEVEL_ERROR);
	if (f == NULL || fputs(FILE_TEXT, f) == EOF || fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		return 1;
	}
	is_int(replay_index_open(&ix, path, err, sizeof(err)), 0, "the file is indexed");
	is_int(ix.lines_read, 12, "12 lines read");
	is_int(ix.n, 4, "4 good lines");
	is_int(ix.bad, 7, "7 bad ones left out (the empty line is not bad)");

	n = replay_index_find(&ix, 20, &first);
	is_int(n, 3, "product 20: three lines");
	is_int(ix.lines[first].kind, REPLAY_REVIEW, "... in file order: the review");
	is_int(ix.lines[first + 1].kind, REPLAY_TAG, "... the tag");
	is_int(ix.lines[first + 2].kind, REPLAY_REVIEW, "... the last line (no newline at the end)");
	o = replay_index_item(&ix, first, err, sizeof(err));
	ok(o != NULL, "its first line read back");
	ok(o != NULL && !json_object_object_get_ex(o, "kind", NULL), "... without \"kind\"");
	ok(o != NULL && json_object_object_get_ex(o, "content", &v) && strcmp(json_object_get_string(v), "좋아요") == 0,
	    "... with its fields");
	json_object_put(o);
	o = replay_index_item(&ix, first + 1, err, sizeof(err));
	ok(o != NULL && json_object_object_get_ex(o, "question", NULL), "a CRLF line reads back too");
	json_object_put(o);
	o = replay_index_item(&ix, first + 2, err, sizeof(err));
	ok(o != NULL && json_object_object_get_ex(o, "review_id", &v) && strcmp(json_object_get_string(v), "b") == 0,
	    "the last line without a newline");
	json_object_put(o);

	n = replay_index_find(&ix, 10, &first);
	is_int(n, 1, "product 10: one line");
	is_int(ix.lines[first].kind, REPLAY_PRICE, "... the price");
	is_int(replay_index_find(&ix, 15, &first), 0, "product 15: none");
	is_int(replay_index_find(&ix, 1, &first), 0, "product 1 (below all): none");
	is_int(replay_index_find(&ix, 99, &first), 0, "product 99 (above all): none");
	is_str(replay_kind_name(REPLAY_TAG), "tag", "kind names");

	/* the file changed under the index: refused, not misread */
	n = replay_index_find(&ix, 20, &first);
	f = fopen(path, "r+");
	fputs("{\"kind\":\"price\"", f);
	fclose(f);
	o = replay_index_item(&ix, first, err, sizeof(err));
	ok(o == NULL, "a line changed since indexing is refused");
	ok(strstr(err, "changed") != NULL, "... saying so");
	replay_index_close(&ix);
	replay_index_close(&ix);

	/* a CRLF file's empty lines ("\r\n", blanks before "\r\n") are empty, not bad */
	f = fopen(path, "w");
	if (f == NULL || fputs("\r\n  \r\n\t\r\n{\"kind\":\"price\",\"product_id\":10}\r\n\r\n", f) == EOF ||
	    fclose(f) != 0) {
		printf("Bail out! cannot write %s\n", path);
		return 1;
	}
	is_int(replay_index_open(&ix, path, err, sizeof(err)), 0, "a CRLF file is indexed");
	is_int(ix.lines_read, 5, "... 5 lines read");
	is_int(ix.n, 1, "... 1 good line");
	is_int(ix.bad, 0, "... its empty lines are not bad");
	replay_index_close(&ix);

	huge_line(path);

	ok(replay_index_open(&ix, "/nonexistent/replay.jsonl", err, sizeof(err)) == -1, "a missing file: -1");
	ok(strstr(err, "/nonexistent/replay.jsonl: No such file") != NULL, "... naming it");
	unlink(path);
	return tap_done();
}
