/* worker.c — one pre-forked worker: accept, dispatch, finish, repeat.
 *
 * Signals: TERM keeps its default action (the process dies at once: "fast").
 * QUIT and HUP ask for a drain: they are blocked while a request is being
 * served and unblocked only around FCGX_Accept_r, whose accept is made to
 * fail on EINTR (FCGI_FAIL_ACCEPT_ON_INTR + FCGX_ShutdownPending), so an
 * in-flight request always finishes and an idle worker leaves at once.
 */
#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "web/app.h"
#include "web/req.h"
#include "web/worker.h"

#define REQ_ARENA_BLOCK   (64 * 1024)           /* first block, kept across requests */
#define REQ_ARENA_HEADROOM (16L * 1024 * 1024)  /* beyond web.max_body, per request */

static volatile sig_atomic_t quit;

/* Read what is left of the request body, up to DRAIN_MAX bytes; 1 when the
 * input stream has ended (nginx sends the whole request before waiting). */
#define DRAIN_MAX 65536
static int input_consumed(FCGX_Request *fcgi)
{
	char sink[4096];
	long left = DRAIN_MAX;
	int n;

	while (left > 0 && (n = FCGX_GetStr(sink, (int)sizeof(sink), fcgi->in)) > 0)
		left -= n;
	return FCGX_HasSeenEOF(fcgi->in) != 0 && FCGX_GetError(fcgi->in) == 0;
}

static void on_quit(int sig)
{
	(void)sig;
	quit = 1;
	FCGX_ShutdownPending();
}

int worker_main(const struct config *cfg, int listen_fd, int ready_fd, struct scoreboard *sb,
    int slot)
{
	struct sigaction sa;
	sigset_t drain;
	FCGX_Request fcgi;
	struct app app;
	struct req r;
	int rc = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_quit;            /* no SA_RESTART: accept must see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* The master forks with its signals blocked; only now that the handlers are
	 * ours does TERM (default action) get through, and QUIT/HUP wait for accept. */
	sigemptyset(&drain);
	sigaddset(&drain, SIGQUIT);
	sigaddset(&drain, SIGHUP);
	sigprocmask(SIG_SETMASK, &drain, NULL);

	if (app_init(&app, cfg, sb, slot) == -1) {
		app_close(&app);
		return 1;
	}
	memset(&r, 0, sizeof(r));
	memset(&fcgi, 0, sizeof(fcgi));
	fcgi.ipcFd = -1;
	arena_init(&r.arena, REQ_ARENA_BLOCK, (size_t)cfg->web_max_body + REQ_ARENA_HEADROOM);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&fcgi, listen_fd, FCGI_FAIL_ACCEPT_ON_INTR) != 0) {
		log_error("FastCGI initialisation failed");
		goto out;
	}
	/* FCGX_Init installs a SIGUSR1 handler that makes every later accept fail:
	 * ignore the signal again, after it. */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, NULL);
	__atomic_store_n(&sb->slot[slot].state, SB_IDLE, __ATOMIC_RELEASE);
	if (write(ready_fd, "r", 1) != 1)
		log_warn("could not report readiness: %s", strerror(errno));
	close(ready_fd);

	for (;;) {
		int ar;

		sigprocmask(SIG_UNBLOCK, &drain, NULL);
		ar = quit ? -1 : FCGX_Accept_r(&fcgi);
		sigprocmask(SIG_BLOCK, &drain, NULL);
		if (ar < 0) {
			if (quit)
				break;
			/* An interrupted accept that is not our drain: leave, the master
			 * replaces us (libfcgi may keep failing every later accept). */
			log_error("FastCGI accept failed: %s", strerror(-ar));
			goto out;
		}
		req_init(&r, &fcgi, &app);
		req_dispatch(&r);
		/* libfcgi closes with a lingering shutdown: it waits until nginx has
		 * closed its end (a round trip), so that unread input cannot turn into
		 * a reset that loses the response. When the input is all read there is
		 * nothing to reset: close at once and take the next request. */
		if (input_consumed(&fcgi))
			FCGX_Detach(&fcgi);
		FCGX_Finish_r(&fcgi);
		req_finish(&r);
	}
	rc = 0;
out:
	if (fcgi.ipcFd >= 0)
		FCGX_Free(&fcgi, 1);
	arena_free(&r.arena);
	app_close(&app);
	return rc;
}
