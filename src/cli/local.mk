# revlens — the operator CLI.
bin_PROGRAMS += revlens
revlens_SOURCES = src/cli/main.c
revlens_LDADD = librevlens.a $(REVLENS_LIBS)
