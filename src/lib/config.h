/* config.h — typed configuration shared by every revlens binary.
 *
 * The key table in config.c is the single source of truth: name, type, range,
 * default, target field and a one-line doc. etc/revlens.conf.example mirrors it.
 * Return convention everywhere in revlens: 0 on success, -1 on error.
 */
#ifndef REVLENS_CONFIG_H
#define REVLENS_CONFIG_H

#include <stddef.h>

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

struct config {
	/* web */
	char *web_socket;
	int web_socket_mode;        /* octal file mode, 0600..0770 */
	char *web_socket_group;     /* "" = leave as is */
	int web_workers;            /* 1..64 */
	long web_max_body;          /* bytes */
	int web_drain_timeout;      /* seconds */
	char *web_pidfile;          /* "" = none */
	char *web_origin;           /* "" = from the request; else "https://host[:port]" */
	/* log */
	int log_level;              /* enum log_level */
	char *log_file;             /* "-" = stderr */
	/* stores */
	char *pg_conninfo;
	char *pg_password_file;     /* "" = none */
	char *mongo_uri;
	char *mongo_database;
	char *redis_sessions;       /* host:port or unix:/path */
	char *redis_cache;
	char *redis_queue;
	char *redis_pubsub;
	int redis_timeout_ms;
	char *nchan_publish_socket;
	int health_timeout_ms;
	/* accounts */
	int auth_pwhash_opslimit;       /* Argon2id passes */
	long auth_pwhash_memlimit;      /* Argon2id memory, bytes */
	int auth_session_idle;          /* seconds a browser session lives unused */
	int auth_session_lifetime;      /* seconds a browser session lives at most */
	char *auth_jwt_key_file;        /* "" = API tokens disabled */
	int auth_token_ttl;             /* seconds an API token is valid */
	int auth_login_account_limit;   /* failed log-ins per account before waits */
	int auth_login_address_limit;   /* failed log-ins per address and hour */
	int auth_signup_address_limit;  /* sign-ups per address and hour */
	/* analysis worker */
	int worker_processes;           /* analysis processes per host */
	char *worker_model_file;        /* "" = kr_model_default_path() */
	int worker_batch_size;          /* reviews per batch */
	int worker_collect_timeout;     /* seconds to wait for a crawl */
	int worker_visibility_timeout;  /* seconds before a silent job is reclaimed */
	int worker_max_attempts;        /* before the dead-letter stream */
	int worker_retry_backoff_ms;    /* first retry wait, doubling */
	char *worker_pidfile;           /* "" = none */
	char *worker_metrics_listen;    /* "" = none, else loopback host:port */
	/* ingestion and crawlers */
	long ingest_max_body;           /* bytes of one ingest batch */
	char *aggregator_timezone;      /* IANA zone of the rollups' days */
	int aggregator_lock_ttl;        /* seconds the run lock outlives a crash */
	int webhook_allow_private;      /* 1: http and private addresses allowed */
	int webhook_timeout_ms;         /* one webhook delivery attempt */
	char *crawler_coupang_url;      /* origin the crawler fetches from */
	char *crawler_ca_file;          /* "" = system CAs */
	char *crawler_revlens_url;      /* where crawlers post ingest batches */
	char *crawler_token_file;       /* ingest token of the crawlers */
	int crawler_page_interval_ms;   /* least ms between two fetches */
	int crawler_max_pages;          /* pages per crawl request */
	int crawler_max_retries;        /* retries of a page on 429/5xx */
	int crawler_backoff_ms;         /* first back-off, doubling */
	int crawler_timeout_ms;         /* one HTTP request */
	/* query and capacity reports (docs/capacity.md) */
	int pg_slow_query_ms;           /* log statements slower than this; 0 = off */
	int mongo_slow_query_ms;        /* log MongoDB commands slower than this; 0 = off */
	long stats_exact_count_max;     /* tables estimated above this many rows */
	char *stats_postgres_path;      /* data directories whose disks `revlens stats` */
	char *stats_mongodb_path;       /* projects; "" = unknown */
	char *stats_redis_path;
};

#define CONFIG_ERR_MAX 512

/* Set every field to its default. Strings are heap copies owned by cfg. */
int config_defaults(struct config *cfg);

/* Load defaults, then the file at path. On error returns -1 and writes a message
 * naming file:line into err (CONFIG_ERR_MAX bytes); cfg is then left freed. */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/* Parse from a memory buffer; name is used in messages in place of a path. */
int config_parse(struct config *cfg, const char *name, const char *text, char *err, size_t errlen);

/* Free every string in cfg (NULL-safe, idempotent). */
void config_free(struct config *cfg);

/* Write "key = value" for every key (documentation and `revlens config`). */
int config_dump(const struct config *cfg, char *buf, size_t len);

#endif
