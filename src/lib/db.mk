# Database layer: PostgreSQL and MongoDB wrappers, the SQL splitter, `revlens migrate`.
librevlens_a_SOURCES += \
	src/lib/pg.c src/lib/pg.h \
	src/lib/sqlsplit.c src/lib/sqlsplit.h

check_PROGRAMS += t/unit/sqlsplit
TESTS += t/unit/sqlsplit
t_unit_sqlsplit_SOURCES = t/unit/sqlsplit.c t/tap.h
t_unit_sqlsplit_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t
t_unit_sqlsplit_LDADD = librevlens.a $(REVLENS_LIBS)
