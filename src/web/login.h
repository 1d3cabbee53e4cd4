/* login.h — checking an e-mail and password, shared by the log-in form and
 * POST /api/auth/token, so both have the same limits and the same answers. */
#ifndef REVLENS_LOGIN_H
#define REVLENS_LOGIN_H

struct req;

enum login_status { LOGIN_OK, LOGIN_BAD, LOGIN_WAIT, LOGIN_ERROR };

#include "web/session.h"

struct login_user {
	struct session_user u;  /* uid, normalised e-mail, role, nickname, time zone */
	long wait;              /* LOGIN_WAIT: seconds until the next try */
};

/* Check the credentials under the rate limits. LOGIN_BAD is the one answer for
 * an unknown e-mail, a wrong password and a suspended account, and takes as
 * long as a wrong password (an unknown e-mail is verified against a dummy
 * hash). On LOGIN_OK an outdated hash has been upgraded. */
enum login_status login_check(struct req *r, const char *email, const char *password,
    struct login_user *u);

/* "3분 20초" style Korean duration for wait messages, in r's arena. */
const char *login_wait_text(struct req *r, long seconds);

#endif
