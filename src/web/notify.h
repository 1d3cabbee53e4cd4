/* notify.h — a user's price-alert notifications on /watchlist (docs/aggregator.md
 * "Price alerts"): the list with unread marks and webhook outcomes, marking them read,
 * and the authorisation of the user's live channel /live/users/me, where new ones are
 * pushed (static/notify.js shows them without a reload).
 */
#ifndef REVLENS_NOTIFY_H
#define REVLENS_NOTIFY_H

struct req;

#define NOTIFY_LIST_MAX 20      /* notifications shown on /watchlist, newest first */

/* The notifications section of /watchlist into r's body: 0, or -1 (logged) when
 * PostgreSQL failed (the section then says so; the page still renders). */
int notify_render(struct req *r);

int page_notifications_read(struct req *r);     /* POST /watchlist/notifications/read */
int page_live_user_auth(struct req *r);         /* GET /_auth/live/user (nginx, internal) */

#endif
