/* pages.h — the handlers of the pages and the API; each page lives in its own
 * page_<name>.c, and route.c is the one place that lists them. */
#ifndef REVLENS_PAGES_H
#define REVLENS_PAGES_H

struct req;

int page_home(struct req *r);                   /* GET / */
int page_signup_form(struct req *r);            /* GET /signup */
int page_signup(struct req *r);                 /* POST /signup */
int page_login_form(struct req *r);             /* GET /login */
int page_login(struct req *r);                  /* POST /login */
int page_logout(struct req *r);                 /* POST /logout */
int page_me(struct req *r);                     /* GET /me */
int page_me_save(struct req *r);                /* POST /me */
int page_password_form(struct req *r);          /* GET /me/password */
int page_password(struct req *r);               /* POST /me/password */
int page_sessions(struct req *r);               /* GET /me/sessions */
int page_session_end(struct req *r);            /* POST /me/sessions/{id}/end */
int page_sessions_end_all(struct req *r);       /* POST /me/sessions/end-all */
int page_api_token(struct req *r);              /* POST /api/auth/token */
int page_api_logout(struct req *r);             /* POST /api/auth/logout */
int page_api_me(struct req *r);                 /* GET /api/me */
int page_products(struct req *r);               /* GET /products?q=&page= */
int page_product_register(struct req *r);       /* POST /products */
int page_product(struct req *r);                /* GET /products/{id} */
int page_analyze(struct req *r);                /* POST /products/{id}/analyze */
int page_requests(struct req *r);               /* GET /requests */
int page_request(struct req *r);                /* GET /requests/{id} */
int page_request_cancel(struct req *r);         /* POST /requests/{id}/cancel */
int page_request_status(struct req *r);         /* GET /requests/{id}/status (JSON, cookie) */
int page_live_auth(struct req *r);              /* GET /_auth/live/{id} (nchan, internal) */
int page_api_analyze(struct req *r);            /* POST /api/products/{id}/analyses */
int page_api_requests(struct req *r);           /* GET /api/requests */
int page_api_request(struct req *r);            /* GET /api/requests/{id} */
int page_api_request_cancel(struct req *r);     /* POST /api/requests/{id}/cancel */
int page_watchlist(struct req *r);              /* GET /watchlist */
int page_watch_add(struct req *r);              /* POST /watchlist */
int page_watch_target(struct req *r);           /* POST /watchlist/{id} */
int page_watch_delete(struct req *r);           /* POST /watchlist/{id}/delete */
int page_api_watchlist(struct req *r);          /* GET /api/watchlist */
int page_api_watch_add(struct req *r);          /* POST /api/watchlist */
int page_api_watch(struct req *r);              /* GET /api/watchlist/{id} */
int page_api_watch_delete(struct req *r);       /* DELETE /api/watchlist/{id} */
int page_history(struct req *r);                /* GET /history */
int page_history_delete(struct req *r);         /* POST /history/{id}/delete */
int page_history_clear(struct req *r);          /* POST /history/clear */
int page_api_products(struct req *r);           /* GET /api/products?q=&page= */
int page_api_product_register(struct req *r);   /* POST /api/products */
int page_api_product(struct req *r);            /* GET /api/products/{id} */
int page_api_product_summary(struct req *r);    /* GET /api/products/{id}/summary */
int page_api_history(struct req *r);            /* GET /api/history */
int page_api_history_delete(struct req *r);     /* DELETE /api/history/{id} */
int page_api_history_clear(struct req *r);      /* DELETE /api/history */
int page_admin_config(struct req *r);           /* GET /admin/config */
int page_admin_config_save(struct req *r);      /* POST /admin/config */
int page_ingest_reviews(struct req *r);         /* POST /api/ingest/reviews (ingest token) */
int page_ingest_prices(struct req *r);          /* POST /api/ingest/prices */
int page_ingest_tags(struct req *r);            /* POST /api/ingest/keyword-tags */
int page_ingest_crawl_status(struct req *r);    /* POST /api/ingest/crawl-status */
int page_tokens(struct req *r);                 /* GET /me/tokens */
int page_token_create(struct req *r);           /* POST /me/tokens */
int page_token_revoke(struct req *r);           /* POST /me/tokens/{id}/revoke */

#endif
