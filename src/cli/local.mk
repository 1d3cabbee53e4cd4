# revlens — the operator CLI.
bin_PROGRAMS += revlens
revlens_SOURCES = src/cli/main.c src/cli/cmd_user.c src/cli/cmd_user.h \
	src/cli/cmd_progress.c src/cli/cmd_progress.h src/cli/cmd_token.c src/cli/cmd_token.h \
	src/cli/cmd_ingest.c src/cli/cmd_ingest.h \
	src/cli/cmd_jobs.c src/cli/cmd_jobs.h
revlens_LDADD = librevlens.a $(REVLENS_LIBS)
revlens_SOURCES += src/cli/cmd_dump.c src/cli/cmd_dump.h src/cli/cmd_restore.c src/cli/dumpfile.c src/cli/dumpfile.h
revlens_SOURCES += src/cli/cmd_stats.c src/cli/cmd_stats.h
