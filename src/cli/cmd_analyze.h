/* cmd_analyze.h — `revlens analyze`: Korean review sentiment, keywords, aspects. */
#ifndef REVLENS_CMD_ANALYZE_H
#define REVLENS_CMD_ANALYZE_H

/* argv[0] is "analyze". Returns the exit status: 0 success (invalid UTF-8
 * lines are reported on stderr and skipped, they do not fail the run),
 * 1 bad usage or unusable model/lexicon/input file, 2 I/O failure. */
int cmd_analyze(int argc, char **argv);

#endif
