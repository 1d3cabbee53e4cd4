/* webhook.h — users' webhooks (docs/aggregator.md "Webhooks"): which URLs and which
 * addresses a delivery may go to, the secret, and the signature.
 *
 * A URL is http(s)://host[:port][/path][?query], printable ASCII, at most
 * WEBHOOK_URL_MAX bytes, with no userinfo; http only when webhook.allow_private is on,
 * and then only to loopback or private addresses (public ones need https).
 * An address is public unless it is unspecified, loopback, private, shared (CGNAT),
 * link-local, multicast, reserved or documentation space (IPv4-mapped, NAT64 and 6to4
 * IPv6 addresses are judged by the IPv4 address inside). With allow_private on, every
 * unicast address is allowed. The check is made when the URL is saved (every address
 * the name resolves to) and again by revlens-notifier on the very address it connects
 * to, so a name that re-resolves elsewhere later (DNS rebinding) is still refused.
 *
 * Signature: X-Revlens-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret,
 * "<t>.<body>")>, the secret's text being the key.
 */
#ifndef REVLENS_WEBHOOK_H
#define REVLENS_WEBHOOK_H

#include <stddef.h>
#include <sys/socket.h>

#define WEBHOOK_URL_MAX     2000    /* bytes; user_webhooks.url's CHECK */
#define WEBHOOK_HOST_MAX    253     /* bytes of a DNS name */
#define WEBHOOK_SECRET_LEN  48      /* "rlwh_" + base64url of 32 random bytes */
#define WEBHOOK_SIG_HEX     65      /* 64 hex digits + NUL */

struct webhook_url {
	int https;                      /* 0: http */
	int literal;                    /* host is an IP address */
	char host[WEBHOOK_HOST_MAX + 1];/* without brackets for IPv6 */
	int port;                       /* explicit or the scheme's */
};

/* Check the form of url (no DNS): 0 with u filled, or -1 with *msg a Korean sentence
 * saying what to fix. */
int webhook_url_parse(const char *url, int allow_private, struct webhook_url *u, const char **msg);

/* 1 when a delivery may connect to sa (AF_INET or AF_INET6), 0 when not. With
 * allow_private 0 this is "sa is public". */
int webhook_addr_allowed(const struct sockaddr *sa, int allow_private);

/* webhook_url_parse(), then resolve the host and check every address it has: 0, or
 * -1 with *msg in Korean. Blocks on DNS. */
int webhook_url_check(const char *url, int allow_private, const char **msg);

/* A new secret (WEBHOOK_SECRET_LEN characters + NUL) from libsodium's generator. */
void webhook_secret_new(char out[WEBHOOK_SECRET_LEN + 1]);

/* hex HMAC-SHA256(secret, "<t>.<body>") into hex. */
void webhook_sign(const char *secret, long long t, const char *body, size_t len,
    char hex[WEBHOOK_SIG_HEX]);

#endif
