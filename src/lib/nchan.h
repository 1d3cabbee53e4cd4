/* nchan.h — publishing to nchan channels (live progress, live notifications).
 *
 * POST /pub/<channel> on nginx's internal publisher socket (nchan.publish_socket),
 * the body as application/json; nchan answers 201 (delivered to subscribers) or 202
 * (stored for later ones), and both succeed. A round trip is bounded by
 * NCHAN_TIMEOUT_MS; SIGPIPE is never raised (nginx closing on us is an error).
 */
#ifndef REVLENS_NCHAN_H
#define REVLENS_NCHAN_H

#include <stddef.h>

#define NCHAN_TIMEOUT_MS 2000

/* 0, or -1 with the reason in err (nginx down, a channel name too long, another
 * status than 201/202). */
int nchan_publish(const char *publish_socket, const char *channel, const char *body, char *err,
    size_t errlen);

#endif
