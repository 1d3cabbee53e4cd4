/* t/unit/mongo_open.c — the timeouts mongo_open() and mongo_open_bounded() give the
 * driver (no server: creating a client does no I/O). */
#include "lib/mongo.h"
#include "tap.h"

static int option(const struct mongo_conn *m, const char *name)
{
	return mongoc_uri_get_option_as_int32(mongoc_client_get_uri(m->client), name, -1);
}

int main(void)
{
	struct mongo_conn m;

	mongo_global_init();
	ok(mongo_open(&m, "mongodb://127.0.0.1:9/", "revlens", 700) == 0, "mongo_open: a client");
	is_int(option(&m, MONGOC_URI_CONNECTTIMEOUTMS), 700, "... connecting bounded by timeout_ms");
	is_int(option(&m, MONGOC_URI_SERVERSELECTIONTIMEOUTMS), 700, "... server selection too");
	is_int(option(&m, MONGOC_URI_SOCKETTIMEOUTMS), -1, "... socket reads left to the driver (long queries)");
	mongo_close(&m);

	ok(mongo_open_bounded(&m, "mongodb://127.0.0.1:9/", "revlens", 700) == 0, "mongo_open_bounded: a client");
	is_int(option(&m, MONGOC_URI_SOCKETTIMEOUTMS), 700, "... every socket read bounded by timeout_ms");
	is_int(option(&m, MONGOC_URI_CONNECTTIMEOUTMS), 700, "... and connecting");
	mongo_close(&m);

	ok(mongo_open_bounded(&m, "mongodb://127.0.0.1:9/?socketTimeoutMS=5000&connectTimeoutMS=900", "revlens",
	    700) == 0, "mongo_open_bounded with the URI's own timeouts");
	is_int(option(&m, MONGOC_URI_SOCKETTIMEOUTMS), 5000, "... the URI's socketTimeoutMS wins");
	is_int(option(&m, MONGOC_URI_CONNECTTIMEOUTMS), 900, "... the URI's connectTimeoutMS wins");
	mongo_close(&m);

	ok(mongo_open_bounded(&m, "mongodb://", "revlens", 700) == -1, "a bad URI: -1");
	mongo_global_cleanup();
	return tap_done();
}
