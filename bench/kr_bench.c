/* kr_bench.c — throughput of kr_analyze() (sentiment + keywords + aspects) on one core.
 *
 *   bench/kr_bench MODEL FILE.tsv [SECONDS]
 *
 * Loads every review of FILE (the shared TSV, or plain lines) into memory,
 * then analyses them in a loop for at least SECONDS (default 3) and prints
 * reviews/s and MB/s of review text, plus the same for sentiment alone.
 * Single-threaded: pin it with taskset (bench/kr_bench.sh does).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kr/kr.h"
#include "kr/kr_tsv.h"

static unsigned char mem[KR_ARENA_SIZE];

/* CPU time of this process: the figure is per core even on a busy machine
 * (wall-clock time is printed alongside). */
static double cpu(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	struct kr_model *m = NULL;
	struct kr_arena a;
	struct kr_result *r = malloc(sizeof *r);
	char err[KR_ERR_MAX], *line = NULL;
	const char **texts = NULL;
	size_t *lens = NULL, n = 0, cap = 0, lcap = 0, bytes = 0, i;
	double secs = 3.0, t0, t1, w0, w1;
	unsigned long long done, keywords = 0, aspects = 0;
	volatile float sink = 0.0f;
	FILE *fp;
	ssize_t got;
	int pass, rc = 1;

	if (argc < 3 || !r) {
		fprintf(stderr, "usage: kr_bench MODEL FILE.tsv [SECONDS]\n");
		goto out;
	}
	if (argc > 3)
		secs = strtod(argv[3], NULL);
	if (!(secs > 0.0 && secs < 3600.0))
		secs = 3.0;
	if (kr_model_open(&m, argv[1], NULL, err, sizeof err) < 0) {
		fprintf(stderr, "kr_bench: %s\n", err);
		goto out;
	}
	fp = fopen(argv[2], "rb");
	if (!fp) {
		perror(argv[2]);
		goto out;
	}
	while ((got = getline(&line, &lcap, fp)) >= 0) {
		size_t len = (size_t)got, tl;
		const char *t;
		int lab;
		char *copy;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!kr_tsv_split(line, len, &lab, &t, &tl)) {
			t = line;
			tl = len;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			texts = realloc(texts, cap * sizeof *texts);
			lens = realloc(lens, cap * sizeof *lens);
			if (!texts || !lens) {
				fclose(fp);
				goto out;
			}
		}
		copy = malloc(tl + 1);
		if (!copy) {
			fclose(fp);
			goto out;
		}
		memcpy(copy, t, tl);
		copy[tl] = '\0';
		texts[n] = copy;
		lens[n++] = tl;
		bytes += tl;
	}
	fclose(fp);
	kr_arena_init(&a, mem, sizeof mem);
	for (pass = 0; pass < 2; pass++) {
		done = 0;
		t0 = cpu();
		w0 = wall();
		do {
			for (i = 0; i < n; i++) {
				if (pass == 0) {
					kr_analyze(m, texts[i], lens[i], r, &a);
					keywords += r->nkeywords;
					aspects += r->naspects;
				} else {
					sink += kr_score(m, texts[i], lens[i], &a);
				}
			}
			done++;
			t1 = cpu();
		} while (t1 - t0 < secs);
		w1 = wall();
		printf("%s: %zu reviews x %llu rounds in %.2f s CPU (%.2f s wall): "
		    "%.0f reviews/s, %.1f MB/s per core\n",
		    pass == 0 ? "analyze (sentiment+keywords+aspects)" : "sentiment only", n, done,
		    t1 - t0, w1 - w0, (double)(n * done) / (t1 - t0), (double)(bytes * done) / (t1 - t0) / 1e6);
		if (pass == 0)
			printf("  avg keywords/review %.2f, aspects/review %.2f, text %.1f bytes/review\n",
			    (double)keywords / (double)(n * done), (double)aspects / (double)(n * done),
			    (double)bytes / (double)n);
	}
	rc = 0;
out:
	if (texts)
		for (i = 0; i < n; i++)
			free((void *)texts[i]);
	free(texts);
	free(lens);
	free(line);
	free(r);
	kr_model_close(m);
	return rc;
}
