# Database layer: PostgreSQL and MongoDB wrappers, the SQL splitter, `revlens migrate`.
librevlens_a_SOURCES += \
	src/lib/pg.c src/lib/pg.h
