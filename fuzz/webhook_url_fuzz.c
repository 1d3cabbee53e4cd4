/* webhook_url_fuzz.c — libFuzzer harness: the webhook URL checker (lib/webhook.c) on
 * arbitrary bytes, without DNS, and the address rules on arbitrary addresses. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/webhook.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_url(const char *s, int allow_private)
{
	struct webhook_url u;
	const char *msg = NULL, *auth;
	size_t hl;

	if (webhook_url_parse(s, allow_private, &u, &msg) == -1) {
		if (msg == NULL || msg[0] == '\0')
			abort();                    /* a refusal always says what to fix */
		return;
	}
	/* the contract of an accepted URL */
	if (strlen(s) > WEBHOOK_URL_MAX || (!u.https && !allow_private) || u.port < 1 || u.port > 65535)
		abort();
	hl = strlen(u.host);
	if (hl == 0 || hl > WEBHOOK_HOST_MAX)
		abort();
	auth = s + (u.https ? 8 : 7);
	if (memchr(auth, '@', strcspn(auth, "/?#")) != NULL)
		abort();                            /* never userinfo */
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), hex[WEBHOOK_SIG_HEX];
	struct sockaddr_in a4;
	struct sockaddr_in6 a6;

	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_url(s, 0);
	check_url(s, 1);
	/* allowed without allow_private implies allowed with it */
	if (size >= 16) {
		memset(&a6, 0, sizeof(a6));
		a6.sin6_family = AF_INET6;
		memcpy(&a6.sin6_addr, data, 16);
		if (webhook_addr_allowed((struct sockaddr *)&a6, 0) && !webhook_addr_allowed((struct sockaddr *)&a6, 1))
			abort();
	}
	if (size >= 4) {
		memset(&a4, 0, sizeof(a4));
		a4.sin_family = AF_INET;
		memcpy(&a4.sin_addr, data, 4);
		if (webhook_addr_allowed((struct sockaddr *)&a4, 0) && !webhook_addr_allowed((struct sockaddr *)&a4, 1))
			abort();
	}
	webhook_sign(s, 1764000000, (const char *)data, size, hex);
	if (strlen(hex) != 64)
		abort();
	free(s);
	return 0;
}
