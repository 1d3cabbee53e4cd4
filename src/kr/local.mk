# Korean review analysis (src/kr/): its modules in librevlens.a, `revlens analyze`, the
# model trainer, the installed model and lexicons, and their tests.
librevlens_a_SOURCES += \
	src/kr/kr.h \
	src/kr/kr_text.c src/kr/kr_text.h \
	src/kr/kr_stem.c src/kr/kr_stem.h \
	src/kr/kr_feat.c src/kr/kr_feat.h \
	src/kr/kr_lex.c src/kr/kr_lex.h \
	src/kr/kr_polar.c src/kr/kr_polar.h \
	src/kr/kr_model.c src/kr/kr_model.h \
	src/kr/kr_analyze.c \
	src/kr/kr_agg.c \
	src/kr/kr_tsv.c src/kr/kr_tsv.h

# `revlens analyze` (src/cli/main.c dispatches to cmd_analyze()).
revlens_SOURCES += src/cli/cmd_analyze.c src/cli/cmd_analyze.h

# The training tool: rebuilds data/kr/sentiment.model from the review TSVs.
bin_PROGRAMS += revlens-kr-train
revlens_kr_train_SOURCES = src/kr/kr_train.c
revlens_kr_train_LDADD = librevlens.a $(REVLENS_LIBS)

# The committed model and lexicon are installed next to each other; the
# library finds aspects.tsv in the model's directory.
krdir = $(pkgdatadir)
dist_kr_DATA = data/kr/sentiment.model data/kr/aspects.tsv data/kr/polarity.tsv

# Tests: unit tests in C, the CLI end to end in Perl.
KR_UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(srcdir)/t -DKR_SRCDIR='"$(abs_top_srcdir)"'
check_PROGRAMS += t/unit/kr_norm t/unit/kr_analyze bench/kr_bench
t_unit_kr_norm_CPPFLAGS = $(KR_UNIT_CPPFLAGS)
t_unit_kr_norm_LDADD = librevlens.a $(REVLENS_LIBS)
t_unit_kr_analyze_CPPFLAGS = $(KR_UNIT_CPPFLAGS)
t_unit_kr_analyze_LDADD = librevlens.a $(REVLENS_LIBS)
bench_kr_bench_SOURCES = bench/kr_bench.c
bench_kr_bench_LDADD = librevlens.a $(REVLENS_LIBS)
TESTS += t/unit/kr_norm t/unit/kr_analyze t/integ/kr_cli.t
EXTRA_DIST += t/integ/kr_cli.t t/kr/aspects.tsv t/kr/small.tsv t/kr/train-small.tsv \
	fuzz/kr_fuzz.c bench/kr_bench.sh docs/kr.md
