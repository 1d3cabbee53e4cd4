/* webhook.c — webhook URLs and addresses allowed for deliveries, secrets, signatures. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lib/webhook.h"

static int alnum(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int webhook_url_parse(const char *url, int allow_private, struct webhook_url *u,
    const char **msg)
{
	const char *p, *auth, *end, *h, *hend, *port = NULL;
	size_t len = strlen(url), hl;

	memset(u, 0, sizeof(*u));
	if (len == 0) {
		*msg = "웹훅 주소를 입력해 주세요 (예: https://example.com/revlens).";
		return -1;
	}
	if (len > WEBHOOK_URL_MAX) {
		*msg = "웹훅 주소는 2,000자 이하로 입력해 주세요.";
		return -1;
	}
	for (p = url; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			*msg = "웹훅 주소에 공백이나 한글 같은 문자를 쓸 수 없습니다. 퍼센트 인코딩(%XX)한 주소를 입력해 주세요.";
			return -1;
		}
	if (strncasecmp(url, "https://", 8) == 0) {
		u->https = 1;
		auth = url + 8;
	} else if (strncasecmp(url, "http://", 7) == 0) {
		auth = url + 7;
	} else {
		*msg = "웹훅 주소는 https:// 로 시작해야 합니다.";
		return -1;
	}
	if (!u->https && !allow_private) {
		*msg = "웹훅 주소는 https여야 합니다. https:// 로 시작하는 주소를 입력해 주세요.";
		return -1;
	}
	end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(end - auth)) != NULL) {
		*msg = "웹훅 주소에 사용자 이름이나 비밀번호(@)를 넣을 수 없습니다. 받는 쪽은 "
		    "X-Revlens-Signature 서명으로 revlens를 확인해 주세요.";
		return -1;
	}
	h = auth;
	if (*h == '[') {
		char tmp[INET6_ADDRSTRLEN];
		struct in6_addr a6;
		hend = memchr(h, ']', (size_t)(end - h));
		if (hend == NULL || (size_t)(hend - h - 1) >= sizeof(tmp)) {
			*msg = "웹훅 주소의 IPv6 주소를 확인해 주세요 (예: https://[2001:db8::1]/hook).";
			return -1;
		}
		memcpy(tmp, h + 1, (size_t)(hend - h - 1));
		tmp[hend - h - 1] = '\0';
		if (inet_pton(AF_INET6, tmp, &a6) != 1) {
			*msg = "웹훅 주소의 IPv6 주소를 확인해 주세요 (예: https://[2001:db8::1]/hook).";
			return -1;
		}
		strcpy(u->host, tmp);
		u->literal = 1;
		if (hend + 1 < end) {
			if (hend[1] != ':') {
				*msg = "웹훅 주소의 IPv6 주소를 확인해 주세요 (예: https://[2001:db8::1]/hook).";
				return -1;
			}
			port = hend + 2;
		}
	} else {
		int dots_digits = 1;
		hend = memchr(h, ':', (size_t)(end - h));
		if (hend == NULL)
			hend = end;
		else
			port = hend + 1;
		hl = (size_t)(hend - h);
		if (hl == 0 || hl > WEBHOOK_HOST_MAX) {
			*msg = "웹훅 주소에 호스트 이름을 넣어 주세요 (예: https://example.com/revlens).";
			return -1;
		}
		for (size_t i = 0; i < hl; i++) {
			char c = h[i];
			if (!alnum(c) && c != '-' && c != '.') {
				*msg = "웹훅 주소의 호스트 이름에는 영문, 숫자, 하이픈(-), 점(.)만 쓸 수 있습니다. "
				    "한글 도메인은 퓨니코드(xn--…)로 입력해 주세요.";
				return -1;
			}
			if ((c == '.' && (i == 0 || i == hl - 1 || h[i - 1] == '.')) ||
			    (c == '-' && (i == 0 || h[i - 1] == '.' || i == hl - 1 || h[i + 1] == '.'))) {
				*msg = "웹훅 주소의 호스트 이름을 확인해 주세요 (예: https://example.com/revlens).";
				return -1;
			}
			if (!(c == '.' || (c >= '0' && c <= '9')))
				dots_digits = 0;
		}
		memcpy(u->host, h, hl);
		u->host[hl] = '\0';
		if (dots_digits) {
			/* numbers and dots only: a dotted quad, never the short or decimal forms
			 * ("127.1", "2130706433") that resolvers read in surprising ways */
			struct in_addr a4;
			if (inet_pton(AF_INET, u->host, &a4) != 1) {
				*msg = "IP 주소는 점으로 나눈 숫자 네 개로 적어 주세요 (예: 203.0.113.5).";
				return -1;
			}
			u->literal = 1;
		}
	}
	u->port = u->https ? 443 : 80;
	if (port != NULL) {
		long v = 0;
		if (port == end || end - port > 5) {
			*msg = "웹훅 주소의 포트 번호를 확인해 주세요 (1–65535).";
			return -1;
		}
		for (const char *q = port; q < end; q++) {
			if (*q < '0' || *q > '9') {
				*msg = "웹훅 주소의 포트 번호를 확인해 주세요 (1–65535).";
				return -1;
			}
			v = v * 10 + (*q - '0');
		}
		if (v < 1 || v > 65535) {
			*msg = "웹훅 주소의 포트 번호를 확인해 주세요 (1–65535).";
			return -1;
		}
		u->port = (int)v;
	}
	return 0;
}

static int v4_allowed(uint32_t a, int allow_private)
{
	/* never: this network (0/8: 0.0.0.0 reaches the local host), multicast and the
	 * reserved 240/4 (with the broadcast address) */
	if ((a >> 24) == 0 || (a >> 28) == 0xE || (a >> 28) == 0xF)
		return 0;
	if (allow_private)
		return 1;
	return !((a >> 24) == 10 ||                    /* 10/8 private */
	    (a >> 22) == (100u << 2 | 1) ||            /* 100.64/10 shared (CGNAT) */
	    (a >> 24) == 127 ||                        /* loopback */
	    (a >> 16) == (169u << 8 | 254) ||          /* link-local */
	    (a >> 20) == (172u << 4 | 1) ||            /* 172.16/12 private */
	    (a >> 8) == (192u << 16 | 0 << 8 | 0) ||   /* 192.0.0/24 protocol assignments */
	    (a >> 8) == (192u << 16 | 0 << 8 | 2) ||   /* 192.0.2/24 documentation */
	    (a >> 16) == (192u << 8 | 168) ||          /* 192.168/16 private */
	    (a >> 17) == (198u << 7 | 18 >> 1) ||      /* 198.18/15 benchmarking */
	    (a >> 8) == (198u << 16 | 51 << 8 | 100) ||/* 198.51.100/24 documentation */
	    (a >> 8) == (203u << 16 | 0 << 8 | 113));  /* 203.0.113/24 documentation */
}

static uint32_t v4_at(const unsigned char *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int webhook_addr_allowed(const struct sockaddr *sa, int allow_private)
{
	static const unsigned char mapped[12] = { 0,0,0,0,0,0,0,0,0,0,0xff,0xff };
	static const unsigned char nat64[12] = { 0,0x64,0xff,0x9b,0,0,0,0,0,0,0,0 };
	static const unsigned char zero[12];
	const unsigned char *b;

	if (sa->sa_family == AF_INET)
		return v4_allowed(ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr),
		    allow_private);
	if (sa->sa_family != AF_INET6)
		return 0;
	b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return v4_allowed(v4_at(b + 12), allow_private);
	if (b[0] == 0x20 && b[1] == 0x02)                       /* 2002::/16 6to4 */
		return v4_allowed(v4_at(b + 2), allow_private);
	if (b[0] == 0xff)                                       /* multicast */
		return 0;
	if (memcmp(b, zero, 12) == 0 && v4_at(b + 12) <= 1)     /* :: and ::1 */
		return allow_private && v4_at(b + 12) == 1;
	if (allow_private)
		return 1;
	if (memcmp(b, zero, 12) == 0)                           /* ::/96 IPv4-compatible (deprecated) */
		return 0;
	if ((b[0] & 0xfe) == 0xfc ||                            /* fc00::/7 unique local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||          /* fe80::/10 link-local */
	    (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) ||          /* fec0::/10 site-local (old) */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) ||  /* 2001:db8::/32 */
	    (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0) ||        /* 2001::/32 Teredo */
	    (b[0] == 0x01 && b[1] == 0 && memcmp(b + 2, zero, 6) == 0))        /* 100::/64 discard */
		return 0;
	return 1;
}

int webhook_url_check(const char *url, int allow_private, const char **msg)
{
	struct webhook_url u;
	struct addrinfo hints, *res = NULL;
	int rc = -1, n = 0;

	if (webhook_url_parse(url, allow_private, &u, msg) == -1)
		return -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = u.literal ? AI_NUMERICHOST : 0;
	if (getaddrinfo(u.host, NULL, &hints, &res) != 0 || res == NULL) {
		*msg = "웹훅 주소의 호스트 이름을 찾을 수 없습니다. 주소를 확인해 주세요.";
		goto out;
	}
	for (struct addrinfo *a = res; a != NULL; a = a->ai_next, n++) {
		if (!webhook_addr_allowed(a->ai_addr, allow_private)) {
			*msg = "웹훅 주소가 내부망·루프백 같은 사설 주소를 가리킵니다. 인터넷에서 접속할 수 있는 "
			    "공인 주소의 https 웹훅을 입력해 주세요.";
			goto out;
		}
		if (!u.https && webhook_addr_allowed(a->ai_addr, 0)) {
			*msg = "http 웹훅은 내부망·루프백 주소에만 쓸 수 있습니다. 공인 주소에는 https:// 주소를 입력해 주세요.";
			goto out;
		}
	}
	rc = n > 0 ? 0 : -1;
	if (rc == -1)
		*msg = "웹훅 주소의 호스트 이름을 찾을 수 없습니다. 주소를 확인해 주세요.";
out:
	if (res != NULL)
		freeaddrinfo(res);
	return rc;
}

void webhook_secret_new(char out[WEBHOOK_SECRET_LEN + 1])
{
	unsigned char raw[32];

	randombytes_buf(raw, sizeof(raw));
	memcpy(out, "rlwh_", 5);
	sodium_bin2base64(out + 5, WEBHOOK_SECRET_LEN - 5 + 1, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

void webhook_sign(const char *secret, long long t, const char *body, size_t len,
    char hex[WEBHOOK_SIG_HEX])
{
	crypto_auth_hmacsha256_state st;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char ts[32];
	int n = snprintf(ts, sizeof(ts), "%lld.", t);

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)secret, strlen(secret));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, len);
	crypto_auth_hmacsha256_final(&st, mac);
	sodium_bin2hex(hex, WEBHOOK_SIG_HEX, mac, sizeof(mac));
	sodium_memzero(&st, sizeof(st));
}
