/* page_webhook.h — /me/webhook: a user's webhook for price alerts. */
#ifndef REVLENS_PAGE_WEBHOOK_H
#define REVLENS_PAGE_WEBHOOK_H

struct req;

int page_webhook(struct req *r);        /* GET /me/webhook */
int page_webhook_post(struct req *r);   /* POST /me/webhook: action save | secret | delete */

#endif
