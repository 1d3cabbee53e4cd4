/* main.c — revlens-web's master: owns the FastCGI socket, forks and
 * supervises the workers, and handles signals the way nginx does.
 *
 *   QUIT  drain: the socket path is removed (new connections fail at once),
 *         workers finish their in-flight request and exit; a worker still busy
 *         after web.drain_timeout seconds is killed.
 *   TERM, INT  fast: workers are terminated at once.
 *   HUP   reload: read the configuration again; on success fork a new
 *         generation of workers, wait until they are ready, then drain the old
 *         one (with the same deadline). A bad file, or new workers that do not
 *         become ready, leave the running configuration and workers in place.
 *   USR1  ignored (libfcgi would otherwise install a handler that wedges accept).
 *
 * A worker that dies unexpectedly is logged with what it was serving (from
 * the scoreboard) and replaced; one that dies soon after starting is replaced
 * with exponential back-off so a crash loop cannot spin the CPU. A worker the
 * master itself signalled is never counted as a crash. Signal handlers only
 * set flags; the loop waits in pselect() with the signals unblocked, so no
 * signal is lost between checks. Signals stay blocked across fork until the
 * worker has installed its own handlers.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/log.h"
#include "web/scoreboard.h"
#include "web/worker.h"
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#define LISTEN_BACKLOG     4096    /* bursts: thousands of live subscribers authorised at once */
#define READY_TIMEOUT_MS   10000   /* a new generation must be ready within this */
#define TERM_GRACE_MS      2000    /* TERM: time before stragglers get SIGKILL */
#define QUICK_DEATH_MS     2000    /* a worker dying younger than this counts as a crash loop */
#define BACKOFF_MAX_MS     10000

struct child {
	pid_t pid;              /* 0 when the slot is empty */
	unsigned gen;
	int ready;
	int told;               /* the master signalled it: its death is expected */
	uint64_t born_ms;
	int quick_deaths;       /* consecutive deaths soon after start */
	uint64_t restart_at_ms; /* 0 = no restart pending */
	uint64_t kill_at_ms;    /* draining: SIGKILL at this time (0 = none) */
};

static volatile sig_atomic_t got_quit, got_term, got_hup, got_chld;

static struct config cfg;
static const char *conf_path;
static struct scoreboard *sb;
static struct child children[SB_SLOTS];
static unsigned generation, last_generation;
static int listen_fd = -1, ready_r = -1, ready_w = -1;

static void on_signal(int sig)
{
	switch (sig) {
	case SIGQUIT: got_quit = 1; break;
	case SIGTERM: case SIGINT: got_term = 1; break;
	case SIGHUP: got_hup = 1; break;
	case SIGCHLD: got_chld = 1; break;
	}
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int spawn(int slot)
{
	struct child *c = &children[slot];
	pid_t pid;

	memset(sb->slot[slot].current, 0, sizeof(sb->slot[slot].current));
	sb->slot[slot].state = SB_STARTING;
	sb->slot[slot].generation = generation;
	pid = fork();
	if (pid == -1) {
		log_error("fork: %s", strerror(errno));
		sb->slot[slot].state = SB_FREE;
		return -1;
	}
	if (pid == 0) {
		int rc;

		close(ready_r);
		log_after_fork();
		rc = worker_main(&cfg, listen_fd, ready_w, sb, slot);
#if defined(__SANITIZE_ADDRESS__)
		/* _exit skips LeakSanitizer's atexit check: run it for every worker. */
		__lsan_do_leak_check();
#endif
		_exit(rc);
	}
	sb->slot[slot].pid = pid;
	c->pid = pid;
	c->gen = generation;
	c->ready = 0;
	c->told = 0;
	c->born_ms = now_ms();
	c->restart_at_ms = 0;
	c->kill_at_ms = 0;
	return 0;
}

static int live_count(unsigned gen, int only_ready)
{
	int n = 0;

	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid > 0 && (gen == 0 || children[i].gen == gen) &&
		    (!only_ready || children[i].ready))
			n++;
	return n;
}

/* Signal the live workers of generation gen (0 = all; NOT_CURRENT = every
 * generation but the current one). QUIT starts each one's drain deadline. */
#define NOT_CURRENT ((unsigned)-1)
static void signal_workers(int sig, unsigned gen)
{
	uint64_t now = now_ms();

	for (int i = 0; i < SB_SLOTS; i++) {
		struct child *c = &children[i];
		if (c->pid <= 0 || (gen == NOT_CURRENT ? c->gen == generation : gen != 0 && c->gen != gen))
			continue;
		kill(c->pid, sig);
		c->told = 1;
		c->restart_at_ms = 0;
		if (sig == SIGQUIT && c->kill_at_ms == 0)
			c->kill_at_ms = now + (uint64_t)cfg.web_drain_timeout * 1000u;
	}
}

/* Kill workers whose drain deadline has passed. */
static void enforce_deadlines(void)
{
	uint64_t now = now_ms();

	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid > 0 && children[i].kill_at_ms && children[i].kill_at_ms <= now) {
			log_warn("worker %ld (slot %d) still busy after %d s of draining: killing it",
			    (long)children[i].pid, i, cfg.web_drain_timeout);
			kill(children[i].pid, SIGKILL);
			children[i].kill_at_ms = 0;
		}
}

/* Mark workers ready once they report it (the pipe only wakes us up). */
static void drain_ready_pipe(void)
{
	unsigned char buf[64];

	while (read(ready_r, buf, sizeof(buf)) > 0)
		;
	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid > 0 && !children[i].ready &&
		    __atomic_load_n(&sb->slot[i].state, __ATOMIC_ACQUIRE) >= SB_IDLE)
			children[i].ready = 1;
}

/* Reap dead children; a death the master did not ask for is logged as a crash
 * and the slot is scheduled for a restart (taken up by restart_due() only if
 * the slot's generation is still the current one). */
static void reap(int shutting_down)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		uint64_t now = now_ms();
		struct child *c = NULL;
		struct sb_slot *s;
		int slot = -1;

		for (int i = 0; i < SB_SLOTS; i++)
			if (children[i].pid == pid)
				slot = i;
		if (slot < 0)
			continue;
		c = &children[slot];
		s = &sb->slot[slot];
		if (!c->told) {
			char what[SB_CURRENT_MAX * 2 + 32], safe[SB_CURRENT_MAX * 2];
			if (s->state == SB_BUSY)
				snprintf(what, sizeof(what), "while serving \"%s\"",
				    log_safe(safe, sizeof(safe), s->current, strnlen(s->current, sizeof(s->current))));
			else
				snprintf(what, sizeof(what), "while %s",
				    s->state == SB_STARTING ? "starting" : "idle");
			if (WIFSIGNALED(st)) {
				log_error("worker %ld (slot %d) killed by signal %d %s", (long)pid, slot,
				    WTERMSIG(st), what);
				__atomic_add_fetch(&sb->worker_crashes, 1, __ATOMIC_RELAXED);
			} else if (WEXITSTATUS(st) != 0) {
				log_error("worker %ld (slot %d) exited with status %d %s", (long)pid, slot,
				    WEXITSTATUS(st), what);
				__atomic_add_fetch(&sb->worker_crashes, 1, __ATOMIC_RELAXED);
			} else {
				log_warn("worker %ld (slot %d) exited on its own %s", (long)pid, slot, what);
			}
		}
		s->pid = 0;
		s->state = SB_FREE;
		c->pid = 0;
		c->kill_at_ms = 0;
		if (shutting_down || c->told)
			continue;
		if (now - c->born_ms < QUICK_DEATH_MS) {
			uint64_t delay = 0;
			if (c->quick_deaths > 0) {
				delay = 100;
				for (int k = 1; k < c->quick_deaths && delay < BACKOFF_MAX_MS; k++)
					delay *= 2;
				if (delay > BACKOFF_MAX_MS)
					delay = BACKOFF_MAX_MS;
				log_warn("worker in slot %d is dying right after start; next try in %llu ms",
				    slot, (unsigned long long)delay);
			}
			c->quick_deaths++;
			c->restart_at_ms = now + delay;
		} else {
			c->quick_deaths = 0;
			c->restart_at_ms = now;
		}
	}
}

static void restart_due(void)
{
	uint64_t now = now_ms();

	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid == 0 && children[i].restart_at_ms != 0 &&
		    children[i].restart_at_ms <= now && children[i].gen == generation &&
		    spawn(i) == 0) {
			__atomic_add_fetch(&sb->worker_restarts, 1, __ATOMIC_RELAXED);
			log_info("worker in slot %d replaced by pid %ld", i, (long)children[i].pid);
		}
}

/* Milliseconds until the next restart or drain deadline, at most limit. */
static uint64_t next_timer(uint64_t limit)
{
	uint64_t now = now_ms(), t = limit;

	for (int i = 0; i < SB_SLOTS; i++) {
		const struct child *c = &children[i];
		uint64_t at = c->pid == 0 && c->gen == generation ? c->restart_at_ms
		    : c->pid > 0 ? c->kill_at_ms : 0;
		if (at != 0)
			t = at <= now ? 0 : at - now < t ? at - now : t;
	}
	return t;
}

/* Wait in pselect for a signal or a readiness byte, at most timeout_ms; then
 * do the bookkeeping every wake-up needs. */
static void wait_events(const sigset_t *unblocked, uint64_t timeout_ms, int shutting_down)
{
	struct timespec ts = { (time_t)(timeout_ms / 1000), (long)(timeout_ms % 1000) * 1000000L };
	fd_set rfds;

	FD_ZERO(&rfds);
	FD_SET(ready_r, &rfds);
	if (pselect(ready_r + 1, &rfds, NULL, NULL, &ts, unblocked) > 0)
		drain_ready_pipe();
	if (got_chld) {
		got_chld = 0;
		reap(shutting_down);
	}
	enforce_deadlines();
	if (!shutting_down)
		restart_due();
}

/* Fork web.workers workers of a new generation; wait until each is ready. */
static int start_generation(const sigset_t *unblocked)
{
	uint64_t deadline = now_ms() + READY_TIMEOUT_MS;
	int started = 0;

	generation = ++last_generation;
	for (int i = 0; i < SB_SLOTS && started < cfg.web_workers; i++) {
		if (children[i].pid != 0 || children[i].restart_at_ms != 0)
			continue;
		children[i].quick_deaths = 0;
		if (spawn(i) == -1)
			return -1;
		started++;
	}
	if (started < cfg.web_workers) {
		log_error("no free scoreboard slot for %d workers", cfg.web_workers);
		return -1;
	}
	while (live_count(generation, 1) < cfg.web_workers) {
		uint64_t now = now_ms();
		if (now >= deadline || got_term)
			return -1;
		wait_events(unblocked, next_timer(deadline - now), 0);
	}
	return 0;
}

static int open_socket(void)
{
	struct sockaddr_un sun;
	struct group *gr = NULL;
	mode_t old_umask;
	int probe, fd, rc;

	if (cfg.web_socket[0] != '/' || strlen(cfg.web_socket) >= sizeof(sun.sun_path)) {
		log_error("web.socket %s: must be an absolute path shorter than %zu bytes",
		    cfg.web_socket, sizeof(sun.sun_path));
		return -1;
	}
	if (cfg.web_socket_group[0] != '\0' && (gr = getgrnam(cfg.web_socket_group)) == NULL) {
		log_error("web.socket_group %s: no such group", cfg.web_socket_group);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, cfg.web_socket, strlen(cfg.web_socket) + 1);
	/* Refuse to steal the socket of a running instance; remove a stale one. */
	probe = socket(AF_UNIX, SOCK_STREAM, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		log_error("web.socket %s is in use by a running revlens-web", cfg.web_socket);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(cfg.web_socket);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1) {
		log_error("socket: %s", strerror(errno));
		return -1;
	}
	/* Created with the final mode: no window in which others could connect. */
	old_umask = umask((mode_t)(0777 & ~cfg.web_socket_mode));
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_umask);
	if (rc == -1 || (gr != NULL && chown(cfg.web_socket, (uid_t)-1, gr->gr_gid) == -1) ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		log_error("cannot listen on %s: %s", cfg.web_socket, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int write_pidfile(void)
{
	char line[32];
	int fd, n;

	if (cfg.web_pidfile[0] == '\0')
		return 0;
	fd = open(cfg.web_pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1) {
		log_error("pidfile %s: %s", cfg.web_pidfile, strerror(errno));
		return -1;
	}
	n = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (write(fd, line, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* Move the settings only a restart can change from `from` into `to`. */
static void keep_restart_only(struct config *to, struct config *from, int warn)
{
	if (warn && strcmp(to->web_socket, from->web_socket) != 0)
		log_warn("web.socket changed: takes effect on restart, not on reload");
	if (warn && (to->web_socket_mode != from->web_socket_mode ||
	    strcmp(to->web_socket_group, from->web_socket_group) != 0))
		log_warn("web.socket_mode / web.socket_group changed: take effect on restart");
	if (warn && strcmp(to->web_pidfile, from->web_pidfile) != 0)
		log_warn("web.pidfile changed: takes effect on restart");
	free(to->web_socket);
	free(to->web_socket_group);
	free(to->web_pidfile);
	to->web_socket = from->web_socket;
	to->web_socket_group = from->web_socket_group;
	to->web_pidfile = from->web_pidfile;
	to->web_socket_mode = from->web_socket_mode;
	from->web_socket = from->web_socket_group = from->web_pidfile = NULL;
}

static void reload(const sigset_t *unblocked)
{
	struct config prev, next;
	char err[CONFIG_ERR_MAX];
	unsigned old = generation;

	if (config_load(&next, conf_path, err, sizeof(err)) == -1) {
		log_error("reload failed, keeping the running configuration: %s", err);
		return;
	}
	keep_restart_only(&next, &cfg, 1);
	prev = cfg;
	cfg = next;
	/* New workers inherit the log descriptor: open the new log before forking. */
	if (log_open(cfg.log_file, cfg.log_level) == -1) {
		log_error("reload failed: cannot open log %s: %s; keeping the running configuration",
		    cfg.log_file, strerror(errno));
		goto rollback;
	}
	if (start_generation(unblocked) == -1) {
		signal_workers(SIGTERM, generation);
		for (int i = 0; i < SB_SLOTS; i++)     /* free the failed generation's slots */
			if (children[i].pid == 0 && children[i].gen == generation)
				children[i].restart_at_ms = 0;
		log_error("reload failed: the new workers did not become ready; "
		    "keeping the running configuration and workers");
		goto rollback;
	}
	config_free(&prev);
	/* The old generations drain; their empty slots are not refilled. */
	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid == 0 && children[i].gen != generation)
			children[i].restart_at_ms = 0;
	signal_workers(SIGQUIT, NOT_CURRENT);
	__atomic_add_fetch(&sb->reloads, 1, __ATOMIC_RELAXED);
	log_info("reloaded %s: generation %u with %d workers", conf_path, generation, cfg.web_workers);
	return;
rollback:
	keep_restart_only(&prev, &cfg, 0);
	config_free(&cfg);
	cfg = prev;
	log_open(cfg.log_file, cfg.log_level);
	generation = old;   /* its slots that died meanwhile are restarted by restart_due() */
}

static void usage(void)
{
	fprintf(stderr, "usage: revlens-web -c CONF [-t]\n"
	    "  -c CONF  configuration file\n  -t       check the configuration and exit\n");
}

int main(int argc, char **argv)
{
	char err[CONFIG_ERR_MAX];
	sigset_t block, unblocked;
	struct sigaction sa;
	int test_only = 0, opt, rc = 1, draining = 0, p[2];
	static const int caught[] = { SIGQUIT, SIGTERM, SIGINT, SIGHUP, SIGCHLD };

	while ((opt = getopt(argc, argv, "c:th")) != -1) {
		switch (opt) {
		case 'c': conf_path = optarg; break;
		case 't': test_only = 1; break;
		case 'h': usage(); return 0;
		default: usage(); return 2;
		}
	}
	if (conf_path == NULL || optind != argc) {
		usage();
		return 2;
	}
	if (config_load(&cfg, conf_path, err, sizeof(err)) == -1) {
		fprintf(stderr, "revlens-web: %s\n", err);
		return 2;
	}
	if (test_only) {
		printf("revlens-web: configuration %s is valid\n", conf_path);
		config_free(&cfg);
		return 0;
	}
	if (log_open(cfg.log_file, cfg.log_level) == -1) {
		fprintf(stderr, "revlens-web: cannot open log %s: %s\n", cfg.log_file, strerror(errno));
		goto out;
	}

	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaddset(&block, caught[i]);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigdelset(&unblocked, caught[i]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;          /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaction(caught[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	if ((listen_fd = open_socket()) < 0)
		goto out;
	if ((sb = sb_create()) == NULL) {
		log_error("cannot map the scoreboard: %s", strerror(errno));
		goto out;
	}
	sb->started_at = (uint64_t)time(NULL);
	if (pipe(p) == -1) {
		log_error("pipe: %s", strerror(errno));
		goto out;
	}
	ready_r = p[0];
	ready_w = p[1];
	fcntl(ready_r, F_SETFL, O_NONBLOCK);
	if (start_generation(&unblocked) == -1) {
		log_error("workers did not become ready within %d ms; see the errors above",
		    READY_TIMEOUT_MS);
		goto stop;
	}
	if (write_pidfile() == -1)
		goto stop;
	log_info("revlens-web ready: %d workers on %s", cfg.web_workers, cfg.web_socket);

	for (;;) {
		wait_events(&unblocked, next_timer(1000), draining);
		if (got_term) {
			log_info("TERM: stopping now");
			break;
		}
		if (got_quit && !draining) {
			got_quit = 0;
			draining = 1;
			/* New connections now fail at once instead of waiting in the backlog. */
			unlink(cfg.web_socket);
			log_info("QUIT: draining %d workers", live_count(0, 0));
			signal_workers(SIGQUIT, 0);
		}
		if (got_hup) {
			got_hup = 0;
			if (!draining)
				reload(&unblocked);
		}
		if (draining && live_count(0, 0) == 0) {
			rc = 0;
			goto done;
		}
	}
stop:
	signal_workers(SIGTERM, 0);
	{
		uint64_t deadline = now_ms() + TERM_GRACE_MS;
		while (live_count(0, 0) > 0 && now_ms() < deadline)
			wait_events(&unblocked, 50, 1);
		if (live_count(0, 0) > 0) {
			signal_workers(SIGKILL, 0);
			while (live_count(0, 0) > 0)
				wait_events(&unblocked, 50, 1);
		}
	}
	rc = got_term ? 0 : 1;
done:
	log_info("revlens-web stopped");
	if (cfg.web_socket != NULL)
		unlink(cfg.web_socket);
	if (cfg.web_pidfile != NULL && cfg.web_pidfile[0] != '\0')
		unlink(cfg.web_pidfile);
out:
	sb_destroy(sb);
	config_free(&cfg);
	log_close();
	return rc;
}
