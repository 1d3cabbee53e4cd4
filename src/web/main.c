/* main.c — revlens-web's master: owns the FastCGI socket, forks and
 * supervises the workers, and handles signals the way nginx does.
 *
 *   QUIT  drain: workers finish their in-flight request, then everyone exits
 *         (after web.drain_timeout seconds stragglers are killed).
 *   TERM, INT  fast: workers are terminated at once.
 *   HUP   reload: read the configuration again; on success fork a new
 *         generation of workers, wait until they are ready, then drain the
 *         old one. A bad file is logged and the running configuration kept.
 *
 * A worker that dies unexpectedly is logged with what it was serving (from
 * the scoreboard) and replaced; one that dies soon after starting is
 * replaced with exponential back-off so a crash loop cannot spin the CPU.
 * Signal handlers only set flags; the loop waits in pselect() with the
 * signals unblocked, so no signal is lost between checks.
 */
#include <errno.h>
#include <fcgiapp.h>
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
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif
#include "web/scoreboard.h"
#include "web/worker.h"

#define LISTEN_BACKLOG     1024
#define READY_TIMEOUT_MS   10000   /* a new generation must be ready within this */
#define TERM_GRACE_MS      2000    /* TERM: time before stragglers get SIGKILL */
#define QUICK_DEATH_MS     2000    /* a worker dying younger than this counts as a crash loop */
#define BACKOFF_MAX_MS     10000

struct child {
	pid_t pid;              /* 0 when the slot is empty */
	unsigned gen;
	int ready;
	uint64_t born_ms;
	int quick_deaths;       /* consecutive deaths soon after start */
	uint64_t restart_at_ms; /* 0 = no restart pending */
};

static volatile sig_atomic_t got_quit, got_term, got_hup, got_chld;

static struct config cfg;
static const char *conf_path;
static struct scoreboard *sb;
static struct child children[SB_SLOTS];
static unsigned generation = 1;
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
	pid_t pid;

	memset(&sb->slot[slot].current, 0, sizeof(sb->slot[slot].current));
	sb->slot[slot].state = SB_STARTING;
	sb->slot[slot].generation = generation;
	pid = fork();
	if (pid == -1) {
		log_error("fork: %s", strerror(errno));
		sb->slot[slot].state = SB_FREE;
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		int rc;

		close(ready_r);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		rc = worker_main(&cfg, listen_fd, ready_w, sb, slot);
#if defined(__SANITIZE_ADDRESS__)
		/* _exit skips LeakSanitizer's atexit check: run it for every worker. */
		__lsan_do_leak_check();
#endif
		_exit(rc);
	}
	sb->slot[slot].pid = pid;
	children[slot].pid = pid;
	children[slot].gen = generation;
	children[slot].ready = 0;
	children[slot].born_ms = now_ms();
	children[slot].restart_at_ms = 0;
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

static void signal_all(int sig, unsigned gen)
{
	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid > 0 && (gen == 0 || children[i].gen == gen))
			kill(children[i].pid, sig);
}

/* Read readiness bytes (each is a slot number). */
static void drain_ready_pipe(void)
{
	unsigned char buf[64];
	ssize_t n;

	(void)buf;
	while ((n = read(ready_r, buf, sizeof(buf))) > 0)
		;
	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid > 0 && !children[i].ready &&
		    __atomic_load_n(&sb->slot[i].state, __ATOMIC_ACQUIRE) >= SB_IDLE)
			children[i].ready = 1;
}

/* Reap dead children; schedule replacements for the current generation. */
static void reap(int shutting_down)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		int slot = -1;
		struct sb_slot *s;
		int crashed;
		uint64_t now = now_ms();

		for (int i = 0; i < SB_SLOTS; i++)
			if (children[i].pid == pid)
				slot = i;
		if (slot < 0)
			continue;
		s = &sb->slot[slot];
		crashed = WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0);
		if (crashed) {
			char what[SB_CURRENT_MAX + 32];
			if (s->state == SB_BUSY)
				snprintf(what, sizeof(what), "while serving \"%s\"", s->current);
			else
				snprintf(what, sizeof(what), "while %s",
				    s->state == SB_STARTING ? "starting" : "idle");
			if (WIFSIGNALED(st))
				log_error("worker %ld (slot %d) killed by signal %d %s", (long)pid, slot,
				    WTERMSIG(st), what);
			else
				log_error("worker %ld (slot %d) exited with status %d %s", (long)pid, slot,
				    WEXITSTATUS(st), what);
			sb->worker_crashes++;
		}
		s->pid = 0;
		s->state = SB_FREE;
		children[slot].pid = 0;
		if (shutting_down || children[slot].gen != generation)
			continue;
		if (!crashed)
			log_warn("worker %ld (slot %d) exited on its own; replacing it", (long)pid, slot);
		if (now - children[slot].born_ms < QUICK_DEATH_MS) {
			uint64_t delay = 100;
			for (int k = 1; k < children[slot].quick_deaths && delay < BACKOFF_MAX_MS; k++)
				delay *= 2;
			children[slot].quick_deaths++;
			if (delay > BACKOFF_MAX_MS)
				delay = BACKOFF_MAX_MS;
			children[slot].restart_at_ms = now + (children[slot].quick_deaths > 1 ? delay : 0);
			if (children[slot].quick_deaths > 1)
				log_warn("worker in slot %d is dying right after start; next try in %llu ms",
				    slot, (unsigned long long)delay);
		} else {
			children[slot].quick_deaths = 0;
			children[slot].restart_at_ms = now;
		}
		if (children[slot].restart_at_ms == 0)
			children[slot].restart_at_ms = 1;
	}
}

static void restart_due(void)
{
	uint64_t now = now_ms();

	for (int i = 0; i < SB_SLOTS; i++)
		if (children[i].pid == 0 && children[i].restart_at_ms != 0 &&
		    children[i].restart_at_ms <= now && children[i].gen == generation) {
			if (spawn(i) == 0) {
				sb->worker_restarts++;
				log_info("worker in slot %d replaced by pid %ld", i, (long)children[i].pid);
			}
		}
}

/* Wait in pselect for a signal or a readiness byte, at most timeout_ms. */
static void wait_events(const sigset_t *unblocked, uint64_t timeout_ms)
{
	struct timespec ts = { (time_t)(timeout_ms / 1000), (long)(timeout_ms % 1000) * 1000000L };
	fd_set rfds;

	FD_ZERO(&rfds);
	FD_SET(ready_r, &rfds);
	if (pselect(ready_r + 1, &rfds, NULL, NULL, &ts, unblocked) > 0)
		drain_ready_pipe();
}

/* Fork web.workers workers of the current generation; wait until each is ready. */
static int start_generation(const sigset_t *unblocked)
{
	uint64_t deadline = now_ms() + READY_TIMEOUT_MS;
	int started = 0;

	for (int i = 0; i < SB_SLOTS && started < cfg.web_workers; i++) {
		if (children[i].pid != 0)
			continue;
		children[i].quick_deaths = 0;
		children[i].gen = generation;
		if (spawn(i) == -1)
			return -1;
		started++;
	}
	while (live_count(generation, 1) < cfg.web_workers) {
		uint64_t now = now_ms();
		if (now >= deadline || got_term)
			return -1;
		wait_events(unblocked, deadline - now);
		if (got_chld) {
			got_chld = 0;
			reap(0);
			restart_due();
		}
	}
	return 0;
}

static int open_socket(void)
{
	struct sockaddr_un sun;
	int probe, fd;
	struct group *gr;

	if (strlen(cfg.web_socket) >= sizeof(sun.sun_path)) {
		log_error("web.socket %s: path too long", cfg.web_socket);
		return -1;
	}
	/* Refuse to steal the socket of a running instance; remove a stale one. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, cfg.web_socket);
	probe = socket(AF_UNIX, SOCK_STREAM, 0);
	if (probe >= 0 && connect(probe, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		close(probe);
		log_error("web.socket %s is in use by a running revlens-web", cfg.web_socket);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	unlink(cfg.web_socket);
	fd = FCGX_OpenSocket(cfg.web_socket, LISTEN_BACKLOG);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", cfg.web_socket, strerror(errno));
		return -1;
	}
	if (cfg.web_socket_group[0] != '\0') {
		gr = getgrnam(cfg.web_socket_group);
		if (gr == NULL || chown(cfg.web_socket, (uid_t)-1, gr->gr_gid) == -1) {
			log_error("web.socket_group %s: cannot set group on %s", cfg.web_socket_group,
			    cfg.web_socket);
			close(fd);
			return -1;
		}
	}
	if (chmod(cfg.web_socket, (mode_t)cfg.web_socket_mode) == -1) {
		log_error("chmod %s: %s", cfg.web_socket, strerror(errno));
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

static void reload(const sigset_t *unblocked)
{
	struct config next;
	char err[CONFIG_ERR_MAX];
	unsigned old = generation;

	if (config_load(&next, conf_path, err, sizeof(err)) == -1) {
		log_error("reload failed, keeping the running configuration: %s", err);
		return;
	}
	if (strcmp(next.web_socket, cfg.web_socket) != 0)
		log_warn("web.socket changed to %s: takes effect on restart, not on reload",
		    next.web_socket);
	/* Keep the socket settings the running master actually holds. */
	free(next.web_socket);
	next.web_socket = cfg.web_socket;
	cfg.web_socket = NULL;
	config_free(&cfg);
	cfg = next;
	if (log_open(cfg.log_file, cfg.log_level) == -1)
		fprintf(stderr, "revlens-web: cannot reopen log %s\n", cfg.log_file);
	generation++;
	if (start_generation(unblocked) == -1) {
		log_error("reload: the new workers did not become ready; keeping the old ones");
		signal_all(SIGTERM, generation);
		generation = old;
		return;
	}
	signal_all(SIGQUIT, old);
	sb->reloads++;
	log_info("reloaded %s: generation %u with %d workers", conf_path, generation, cfg.web_workers);
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
	uint64_t drain_deadline = 0;
	int test_only = 0, opt, rc = 1, draining = 0;

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
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGQUIT);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGHUP);
	sigdelset(&unblocked, SIGCHLD);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;          /* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (FCGX_Init() != 0 || (listen_fd = open_socket()) < 0)
		goto out;
	if ((sb = sb_create()) == NULL) {
		log_error("cannot map the scoreboard: %s", strerror(errno));
		goto out;
	}
	sb->started_at = (uint64_t)time(NULL);
	{
		int p[2];
		if (pipe(p) == -1) {
			log_error("pipe: %s", strerror(errno));
			goto out;
		}
		ready_r = p[0];
		ready_w = p[1];
		fcntl(ready_r, F_SETFL, O_NONBLOCK);
		fcntl(ready_r, F_SETFD, FD_CLOEXEC);
	}
	if (start_generation(&unblocked) == -1) {
		log_error("workers did not become ready within %d ms; see the errors above",
		    READY_TIMEOUT_MS);
		goto stop;
	}
	if (write_pidfile() == -1)
		goto stop;
	log_info("revlens-web ready: %d workers on %s", cfg.web_workers, cfg.web_socket);

	for (;;) {
		uint64_t timeout = 1000, now = now_ms();

		for (int i = 0; i < SB_SLOTS; i++)
			if (children[i].pid == 0 && children[i].restart_at_ms != 0) {
				uint64_t t = children[i].restart_at_ms > now ? children[i].restart_at_ms - now : 0;
				if (t < timeout)
					timeout = t;
			}
		wait_events(&unblocked, timeout);
		if (got_chld) {
			got_chld = 0;
			reap(draining);
		}
		if (got_term) {
			log_info("TERM: stopping now");
			break;
		}
		if (got_quit && !draining) {
			got_quit = 0;
			draining = 1;
			drain_deadline = now_ms() + (uint64_t)cfg.web_drain_timeout * 1000u;
			for (int i = 0; i < SB_SLOTS; i++)
				children[i].restart_at_ms = 0;
			log_info("QUIT: draining %d workers", live_count(0, 0));
			signal_all(SIGQUIT, 0);
		}
		if (got_hup) {
			got_hup = 0;
			if (!draining)
				reload(&unblocked);
		}
		if (draining) {
			if (live_count(0, 0) == 0) {
				rc = 0;
				goto done;
			}
			if (now_ms() >= drain_deadline) {
				log_warn("drain timeout: killing %d workers", live_count(0, 0));
				signal_all(SIGKILL, 0);
				draining = 2;
			}
			continue;
		}
		restart_due();
	}
stop:
	signal_all(SIGTERM, 0);
	{
		uint64_t deadline = now_ms() + TERM_GRACE_MS;
		while (live_count(0, 0) > 0 && now_ms() < deadline) {
			wait_events(&unblocked, 50);
			reap(1);
		}
		if (live_count(0, 0) > 0) {
			signal_all(SIGKILL, 0);
			while (live_count(0, 0) > 0) {
				wait_events(&unblocked, 50);
				reap(1);
			}
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
