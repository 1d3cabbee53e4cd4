/* analyze_driver.c — runs cmd_analyze() as `analyze-driver ARGS...` for kr_cli.t. */
#include "cli/cmd_analyze.h"

int main(int argc, char **argv);

int main(int argc, char **argv)
{
	argv[0] = "analyze";
	return cmd_analyze(argc, argv);
}
