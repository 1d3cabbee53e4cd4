/* worker_main.c — revlens-worker: the master that keeps worker.processes analysis
 * processes running (docs/worker.md), or with --once a single process that handles
 * what is on the job stream now and exits (tests, one-off runs).
 *
 * The master forks the processes and only supervises: a process that dies is started
 * again after a back-off that doubles (1 s to 60 s) while it keeps dying young, so a
 * crash loop does not spin. TERM or INT: the processes are told to stop (each leaves
 * its job at the next batch boundary, pending for the next worker) and are killed
 * after STOP_GRACE_S. HUP: the configuration is read again; when valid, every process
 * finishes its job (QUIT) and is replaced by one running the new configuration; when
 * not, the old one stays and the error is logged. Signal handlers only set flags; the master waits in pselect()
 * with its signals unblocked, so none is lost between checks.
 *
 * Metrics (docs/worker.md "## Metrics"): the master maps the counters' shared
 * memory (metrics.h) before the first fork and gives process slot i counter slot i;
 * with worker.metrics_listen set it serves GET /metrics from the same pselect()
 * loop (metrics_server.h), reading the queue's numbers from Redis at each scrape.
 * --once keeps its counters to itself and serves nothing.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/log.h"
#include "lib/rds.h"
#include "worker/metrics.h"
#include "worker/metrics_server.h"
#include "worker/worker.h"

#define ME "revlens-worker"
#define MAX_PROCS       WM_SLOTS        /* worker.processes' maximum */
#define BACKOFF_MIN_MS  1000
#define BACKOFF_MAX_MS  60000
#define YOUNG_MS        10000   /* a process dying sooner counts as a crash loop */
#define STOP_GRACE_S    30      /* TERM to KILL */

static volatile sig_atomic_t got_term, got_hup, got_chld, child_stop, child_drain;
static struct config cfg;
static const char *conf_path;
static struct wm_board *board;          /* shared with the processes */
static struct msrv msrv;                /* GET /metrics, lfd -1 when not served */
static struct rds_conn mq;              /* the master's own queue connection, for scrapes */
static int mq_ok;                       /* mq initialised */

static struct slot {
	pid_t pid;              /* 0 when not running */
	int64_t started_ms;
	int64_t start_at_ms;    /* when to start it again */
	long backoff_ms;
	int told;               /* the master stopped it: no back-off */
} slots[MAX_PROCS];

static void on_master_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

static void on_child_signal(int sig)
{
	if (sig == SIGQUIT)
		child_drain = 1;
	else
		child_stop = 1;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: " ME " -c CONF [--once]\n"
	    "  -c CONF  configuration file (worker.* keys, the stores)\n"
	    "  --once   one process: handle the jobs on the stream now, then exit\n"
	    "           (serves no metrics)\n");
}

static void set_handler(int sig, void (*fn)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;     /* no SA_RESTART: a blocked wait returns */
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

/* One analysis process in slot i; never returns. */
static void child_main(int i, const sigset_t *unblocked)
{
	struct worker w;
	int rc = 1;

	/* the master's sockets are not the process's: a process outliving its master
	 * must not keep the metrics port */
	msrv_close(&msrv);
	if (mq_ok)
		rds_close(&mq);
	mq_ok = 0;
	set_handler(SIGTERM, on_child_signal);
	set_handler(SIGINT, on_child_signal);
	set_handler(SIGQUIT, on_child_signal);
	set_handler(SIGHUP, SIG_IGN);
	set_handler(SIGCHLD, SIG_DFL);
	sigprocmask(SIG_SETMASK, unblocked, NULL);
	log_after_fork();
	if (worker_open(&w, &cfg, &child_stop, &child_drain, &board->slot[i]) == 0 && worker_run(&w, 0) == 0)
		rc = 0;
	worker_close(&w);
	log_close();
	_exit(rc);
}

static void start_slot(int i, const sigset_t *unblocked)
{
	pid_t pid = fork();

	if (pid == -1) {
		log_error("fork: %s", strerror(errno));
		slots[i].start_at_ms = mono_ms() + BACKOFF_MIN_MS;
		return;
	}
	if (pid == 0)
		child_main(i, unblocked);
	slots[i].pid = pid;
	slots[i].started_ms = mono_ms();
	slots[i].told = 0;
}

static int running(void)
{
	int n = 0;

	for (int i = 0; i < MAX_PROCS; i++)
		n += slots[i].pid != 0;
	return n;
}

static void signal_all(int sig)
{
	for (int i = 0; i < MAX_PROCS; i++)
		if (slots[i].pid != 0) {
			kill(slots[i].pid, sig);
			slots[i].told = 1;
		}
}

static void reap(int stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < MAX_PROCS; i++) {
			struct slot *s = &slots[i];
			int64_t lived;
			if (s->pid != pid)
				continue;
			s->pid = 0;
			wm_busy(&board->slot[i], 0);
			lived = mono_ms() - s->started_ms;
			if (s->told || stopping) {
				s->start_at_ms = 0;
				s->backoff_ms = 0;
				break;
			}
			if (WIFSIGNALED(status))
				log_error("worker process %ld killed by signal %d after %lld ms", (long)pid,
				    WTERMSIG(status), (long long)lived);
			else
				log_error("worker process %ld exited with status %d after %lld ms", (long)pid,
				    WEXITSTATUS(status), (long long)lived);
			if (lived >= YOUNG_MS || s->backoff_ms == 0)
				s->backoff_ms = BACKOFF_MIN_MS;
			else if ((s->backoff_ms *= 2) > BACKOFF_MAX_MS)
				s->backoff_ms = BACKOFF_MAX_MS;
			s->start_at_ms = mono_ms() + s->backoff_ms;
			__atomic_add_fetch(&board->restarts, 1, __ATOMIC_RELAXED);
			log_info("restarting it in %ld ms", s->backoff_ms);
			break;
		}
	}
}

/* The master's queue connection for scrapes, on cfg.redis_queue. */
static void queue_conn(void)
{
	if (mq_ok)
		rds_close(&mq);
	mq_ok = rds_init(&mq, "queue", cfg.redis_queue, cfg.redis_timeout_ms) == 0;
	if (!mq_ok)
		log_error("metrics: Redis: %s", mq.err);
}

/* GET /metrics' body: the counters and the queue as Redis tells it now. */
static int render(void *arg, FILE *f)
{
	struct wm_queue q;

	(void)arg;
	if (mq_ok) {
		wm_queue_read(&mq, &q);
	} else {
		memset(&q, 0, sizeof(q));
	}
	return wm_render(board, &q, running(), f);
}

static void reload(void)
{
	struct config next;
	struct msrv fresh;
	char err[CONFIG_ERR_MAX];

	if (config_load(&next, conf_path, err, sizeof(err)) == -1) {
		log_error("HUP: keeping the running configuration: %s", err);
		return;
	}
	if (strcmp(next.worker_metrics_listen, msrv.spec) != 0) {
		/* the old port is released only once the new one is held */
		if (msrv_open(&fresh, next.worker_metrics_listen, err, sizeof(err)) == -1) {
			log_error("HUP: keeping the running configuration: %s", err);
			config_free(&next);
			return;
		}
		msrv_close(&msrv);
		msrv = fresh;
	}
	config_free(&cfg);
	cfg = next;
	queue_conn();
	__atomic_add_fetch(&board->reloads, 1, __ATOMIC_RELAXED);
	if (log_open(cfg.log_file, cfg.log_level) == -1)
		fprintf(stderr, ME ": cannot open log %s: %s\n", cfg.log_file, strerror(errno));
	log_info("HUP: configuration reloaded; replacing %d processes as they finish their jobs", running());
	signal_all(SIGQUIT);
}

static int write_pidfile(void)
{
	FILE *f;

	if (cfg.worker_pidfile[0] == '\0')
		return 0;
	if ((f = fopen(cfg.worker_pidfile, "w")) == NULL || fprintf(f, "%ld\n", (long)getpid()) < 0 ||
	    fclose(f) != 0) {
		log_error("pidfile %s: %s", cfg.worker_pidfile, strerror(errno));
		return -1;
	}
	return 0;
}

static int run_once(void)
{
	static struct wm_slot counters;         /* counted, served nowhere */
	struct worker w;
	int rc = 1;

	set_handler(SIGTERM, on_child_signal);
	set_handler(SIGINT, on_child_signal);
	if (worker_open(&w, &cfg, &child_stop, &child_drain, &counters) == 0 && worker_run(&w, 1) == 0)
		rc = 0;
	worker_close(&w);
	return rc;
}

static int run_master(void)
{
	static const int caught[] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	sigset_t block, unblocked;
	int64_t kill_at = 0;
	char err[CONFIG_ERR_MAX];
	int rc = 0;

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaddset(&block, caught[i]);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		set_handler(caught[i], on_master_signal);
	if ((board = wm_create()) == NULL) {
		log_error("metrics: shared memory: %s", strerror(errno));
		return 1;
	}
	board->started_at = (uint64_t)time(NULL);
	if (msrv_open(&msrv, cfg.worker_metrics_listen, err, sizeof(err)) == -1) {
		fprintf(stderr, ME ": %s\n", err);
		log_error("%s", err);
		wm_destroy(board);
		return 1;
	}
	queue_conn();
	if (write_pidfile() == -1) {
		rc = 1;
		goto out;
	}
	log_info(ME " starting %d processes%s%s", cfg.worker_processes,
	    msrv.lfd != -1 ? "; metrics on " : "", msrv.lfd != -1 ? msrv.spec : "");
	for (;;) {
		struct timespec ts;
		int64_t now = mono_ms();
		long wait_ms = 500;
		fd_set rd, wr;
		int maxfd;

		if (got_term && kill_at == 0) {
			log_info("stopping %d processes", running());
			signal_all(SIGTERM);
			kill_at = now + STOP_GRACE_S * 1000;
		}
		if (got_hup) {
			got_hup = 0;
			if (kill_at == 0)
				reload();
		}
		got_chld = 0;
		reap(kill_at != 0);
		if (kill_at != 0) {
			if (running() == 0)
				break;
			if (now >= kill_at) {
				log_warn("processes still running after %d s: killing them", STOP_GRACE_S);
				signal_all(SIGKILL);
				kill_at = now + 3600 * 1000;
			}
		} else {
			for (int i = 0; i < cfg.worker_processes && i < MAX_PROCS; i++)
				if (slots[i].pid == 0 && now >= slots[i].start_at_ms)
					start_slot(i, &unblocked);
		}
		FD_ZERO(&rd);
		FD_ZERO(&wr);
		maxfd = msrv_fds(&msrv, &rd, &wr, now, &wait_ms);
		ts.tv_sec = wait_ms / 1000;
		ts.tv_nsec = (wait_ms % 1000) * 1000000L;
		if (pselect(maxfd + 1, &rd, &wr, NULL, &ts, &unblocked) <= 0) {
			FD_ZERO(&rd);   /* interrupted or timed out: nothing is ready */
			FD_ZERO(&wr);
		}
		msrv_step(&msrv, &rd, &wr, mono_ms(), render, NULL);
	}
	if (cfg.worker_pidfile[0] != '\0')
		unlink(cfg.worker_pidfile);
	log_info(ME " stopped");
out:
	msrv_close(&msrv);
	if (mq_ok)
		rds_close(&mq);
	mq_ok = 0;
	wm_destroy(board);
	board = NULL;
	return rc;
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];
	int once = 0, rc;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			conf_path = argv[++i];
		} else if (strcmp(argv[i], "--once") == 0) {
			once = 1;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, ME ": unknown argument \"%s\"\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (conf_path == NULL) {
		fprintf(stderr, ME ": -c CONF is required\n");
		usage(stderr);
		return 2;
	}
	if (config_load(&cfg, conf_path, err, sizeof(err)) == -1) {
		fprintf(stderr, ME ": %s\n", err);
		return 2;
	}
	if (log_open(cfg.log_file, cfg.log_level) == -1) {
		fprintf(stderr, ME ": cannot open log %s: %s\n", cfg.log_file, strerror(errno));
		config_free(&cfg);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	rc = once ? run_once() : run_master();
	log_close();
	config_free(&cfg);
	return rc;
}
