/* Shared pieces of the vanish command-line tool: context set-up, messages, progress bar and
 * flags generated from the library's option tables. Uses the public API only. */
#ifndef VANISH_TOOLS_CLI_H
#define VANISH_TOOLS_CLI_H

#include <stdio.h>

#include "vanish/vanish.h"

/* Flags every command accepts. */
typedef struct CliCommon {
    int quiet;      /* -q: no progress bar, warnings only */
    int verbose;    /* -v: debug messages */
    int overwrite;  /* -y: replace an existing output */
    int threads;    /* --threads N, 0 = all cores */
} CliCommon;

/* A command: name, one-line summary, usage text, entry point (argv[0] is the command name). */
typedef struct CliCommand {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} CliCommand;

/* Recognise a common flag at argv[*i] (advancing *i past its value); 1 if consumed, 0 if not
 * a common flag, -1 on a bad value (message printed). */
int cli_common_flag(CliCommon *c, int argc, char **argv, int *i);

/* Open a context with a log callback to stderr and a progress bar when stderr is a terminal. */
int cli_open_context(VnContext **ctx, const CliCommon *c);

/* Finish the progress bar line, if any. */
void cli_progress_done(void);

/* Print "vanish: error: <msg>" (one line) and return 1 (the exit status). */
int cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report a failed library call: prints vn_last_error(ctx) or, if empty, what + vn_strerror. */
int cli_fail(const VnContext *ctx, int err, const char *what);

/* Try to parse --NAME VALUE or --NAME=VALUE from an option table into settings s. Returns 1 if
 * consumed, 0 if not an option of the table, -1 on a bad value (message printed). A bool
 * option also takes --NAME alone and --no-NAME. */
int cli_table_flag(const VnOption *table, void *s, int argc, char **argv, int *i);

/* Print an option table as help lines with defaults from s. */
void cli_print_table(FILE *f, const VnOption *table, const void *s);

/* Value of --flag VALUE / --flag=VALUE at argv[*i]; NULL if argv[*i] is not that flag. Prints
 * an error and sets *bad when the value is missing. */
const char *cli_flag_value(const char *flag, int argc, char **argv, int *i, int *bad);

/* Print the common flags' help. */
void cli_print_common(FILE *f);

#endif
