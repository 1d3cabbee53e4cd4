/* t/unit/webhook.c — lib/webhook.c: URL forms, the address rules at their edges, and
 * the signature against a vector computed with openssl
 * (printf '1764000000.{"a":1}' | openssl dgst -sha256 -hmac rlwh_test). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "lib/webhook.h"
#include "tap.h"

static int addr(const char *text, int allow_private)
{
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	memset(&a4, 0, sizeof(a4));
	memset(&a6, 0, sizeof(a6));
	if (inet_pton(AF_INET, text, &a4.sin_addr) == 1) {
		a4.sin_family = AF_INET;
		return webhook_addr_allowed((struct sockaddr *)&a4, allow_private);
	}
	if (inet_pton(AF_INET6, text, &a6.sin6_addr) == 1) {
		a6.sin6_family = AF_INET6;
		return webhook_addr_allowed((struct sockaddr *)&a6, allow_private);
	}
	return -1;
}

int main(void)
{
	static const struct { const char *a; int strict, lax; } A[] = {
		{ "8.8.8.8", 1, 1 }, { "1.1.1.1", 1, 1 },
		{ "0.0.0.0", 0, 0 }, { "0.1.2.3", 0, 0 },
		{ "127.0.0.1", 0, 1 }, { "127.255.255.254", 0, 1 },
		{ "10.0.0.1", 0, 1 }, { "9.255.255.255", 1, 1 }, { "11.0.0.0", 1, 1 },
		{ "100.64.0.1", 0, 1 }, { "100.127.255.255", 0, 1 }, { "100.63.255.255", 1, 1 }, { "100.128.0.0", 1, 1 },
		{ "169.254.169.254", 0, 1 }, { "169.253.0.1", 1, 1 },
		{ "172.16.0.1", 0, 1 }, { "172.31.255.255", 0, 1 }, { "172.15.255.255", 1, 1 }, { "172.32.0.0", 1, 1 },
		{ "192.0.0.8", 0, 1 }, { "192.0.2.1", 0, 1 }, { "192.0.3.1", 1, 1 },
		{ "192.168.1.1", 0, 1 }, { "192.169.0.1", 1, 1 },
		{ "198.18.0.1", 0, 1 }, { "198.19.255.255", 0, 1 }, { "198.17.255.255", 1, 1 }, { "198.20.0.0", 1, 1 },
		{ "198.51.100.7", 0, 1 }, { "203.0.113.9", 0, 1 }, { "203.0.114.1", 1, 1 },
		{ "224.0.0.1", 0, 0 }, { "239.255.255.255", 0, 0 }, { "240.0.0.1", 0, 0 }, { "255.255.255.255", 0, 0 },
		{ "2001:4860:4860::8888", 1, 1 }, { "2606:4700::1111", 1, 1 },
		{ "::", 0, 0 }, { "::1", 0, 1 }, { "::2", 0, 1 },
		{ "::ffff:127.0.0.1", 0, 1 }, { "::ffff:10.1.1.1", 0, 1 }, { "::ffff:8.8.8.8", 1, 1 },
		{ "64:ff9b::7f00:1", 0, 1 }, { "64:ff9b::808:808", 1, 1 },
		{ "2002:7f00:1::", 0, 1 }, { "2002:c0a8:101::1", 0, 1 }, { "2002:808:808::1", 1, 1 },
		{ "fc00::1", 0, 1 }, { "fdff::1", 0, 1 }, { "fe80::1", 0, 1 }, { "febf::1", 0, 1 }, { "fec0::1", 0, 1 },
		{ "ff02::1", 0, 0 }, { "2001:db8::1", 0, 1 }, { "2001::1", 0, 1 }, { "100::1", 0, 1 },
	};
	static const struct { const char *url; int strict, lax, port; const char *host; } U[] = {
		{ "https://example.com/hook", 1, 1, 443, "example.com" },
		{ "HTTPS://Example.COM:8443/h?x=1", 1, 1, 8443, "Example.COM" },
		{ "https://[2001:db8::1]:444/x", 1, 1, 444, "2001:db8::1" },
		{ "https://203.0.113.5", 1, 1, 443, "203.0.113.5" },
		{ "http://127.0.0.1:8080/hook", 0, 1, 8080, "127.0.0.1" },
		{ "http://example.com/", 0, 1, 80, "example.com" },
		{ "ftp://example.com/", 0, 0, 0, NULL },
		{ "https://user@example.com/", 0, 0, 0, NULL },
		{ "https://u:p@example.com/", 0, 0, 0, NULL },
		{ "https://example.com/a@b", 1, 1, 443, "example.com" },
		{ "https://", 0, 0, 0, NULL },
		{ "https://:443/", 0, 0, 0, NULL },
		{ "https://example.com:0/", 0, 0, 0, NULL },
		{ "https://example.com:65536/", 0, 0, 0, NULL },
		{ "https://example.com:/", 0, 0, 0, NULL },
		{ "https://exa mple.com/", 0, 0, 0, NULL },
		{ "https://예시.com/", 0, 0, 0, NULL },
		{ "https://.example.com/", 0, 0, 0, NULL },
		{ "https://example..com/", 0, 0, 0, NULL },
		{ "https://-example.com/", 0, 0, 0, NULL },
		{ "https://ex_ample.com/", 0, 0, 0, NULL },
		{ "https://2130706433/", 0, 0, 0, NULL },
		{ "https://127.1/", 0, 0, 0, NULL },
		{ "https://[::1/", 0, 0, 0, NULL },
		{ "https://[zz::1]/", 0, 0, 0, NULL },
		{ "https://[::1]x/", 0, 0, 0, NULL },
		{ "", 0, 0, 0, NULL },
	};
	char hex[WEBHOOK_SIG_HEX], s1[WEBHOOK_SECRET_LEN + 1], s2[WEBHOOK_SECRET_LEN + 1], longurl[2100];
	struct webhook_url u;
	const char *msg;

	for (size_t i = 0; i < sizeof(A) / sizeof(A[0]); i++) {
		is_int(addr(A[i].a, 0), A[i].strict, "%s %s without allow_private", A[i].a, A[i].strict ? "allowed" : "refused");
		is_int(addr(A[i].a, 1), A[i].lax, "%s %s with allow_private", A[i].a, A[i].lax ? "allowed" : "refused");
	}
	for (size_t i = 0; i < sizeof(U) / sizeof(U[0]); i++) {
		for (int ap = 0; ap <= 1; ap++) {
			int want = ap ? U[i].lax : U[i].strict, got;
			msg = NULL;
			got = webhook_url_parse(U[i].url, ap, &u, &msg) == 0;
			is_int(got, want, "\"%s\" %s (allow_private = %d)", U[i].url, want ? "accepted" : "refused", ap);
			if (want && got)
				ok(u.port == U[i].port && strcmp(u.host, U[i].host) == 0, "... host %s, port %d", U[i].host, U[i].port);
			if (!got)
				ok(msg != NULL && (strstr(msg, "주세요") != NULL || strstr(msg, "합니다") != NULL),
				    "... with a Korean message: %s", msg ? msg : "(none)");
		}
	}
	memset(longurl, 'a', sizeof(longurl) - 1);
	longurl[sizeof(longurl) - 1] = '\0';
	memcpy(longurl, "https://example.com/", 20);
	is_int(webhook_url_parse(longurl, 1, &u, &msg), -1, "a URL over %d bytes is refused", WEBHOOK_URL_MAX);
	is_int(webhook_url_check("https://127.0.0.1/x", 0, &msg), -1, "webhook_url_check: a loopback literal refused");
	is_int(webhook_url_check("https://127.0.0.1/x", 1, &msg), 0, "... allowed with allow_private");
	is_int(webhook_url_check("https://8.8.8.8/x", 0, &msg), 0, "... a public literal allowed (no DNS needed)");
	is_int(webhook_url_check("http://127.0.0.1:8080/x", 1, &msg), 0, "... http to loopback allowed with allow_private");
	is_int(webhook_url_check("http://10.0.0.5/x", 1, &msg), 0, "... http to a private address too");
	is_int(webhook_url_check("http://8.8.8.8/x", 1, &msg), -1, "... but never http to a public address");
	ok(msg != NULL && strstr(msg, "https://") != NULL, "... saying to use https: %s", msg ? msg : "");

	webhook_sign("rlwh_test", 1764000000, "{\"a\":1}", 7, hex);
	is_str(hex, "ab5c1bd179823a2301406048895f1d24f7c40eb7172b82bed91876e8d827cf62",
	    "the signature is hex HMAC-SHA256(secret, \"t.body\")");
	webhook_secret_new(s1);
	webhook_secret_new(s2);
	ok(strlen(s1) == WEBHOOK_SECRET_LEN && strncmp(s1, "rlwh_", 5) == 0 && strspn(s1 + 5,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43, "a secret: rlwh_ + 43 base64url");
	ok(strcmp(s1, s2) != 0, "... a new one each time");
	return tap_done();
}
