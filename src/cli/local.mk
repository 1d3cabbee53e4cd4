# revlens — the operator CLI.
bin_PROGRAMS += revlens
revlens_SOURCES = src/cli/main.c src/cli/cmd_user.c src/cli/cmd_user.h
revlens_LDADD = librevlens.a $(REVLENS_LIBS)
