/* cmd_analyze.h — `revlens analyze`: Korean review sentiment, keywords, aspects. */
#ifndef REVLENS_CMD_ANALYZE_H
#define REVLENS_CMD_ANALYZE_H

/* argv[0] is "analyze". Returns the exit status: 0 success (invalid UTF-8
 * lines are reported on stderr and skipped, they do not fail the run),
 * 1 failure (unusable model/lexicon/input file, I/O error), 2 usage error.
 * Needs no configuration: the model comes from --model, $REVLENS_KR_MODEL
 * or the installed data directory. */
int cmd_analyze(int argc, char **argv);

#endif
