#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The progress bar belongs to the process: one command runs per process. */
static struct {
    int active;
    int on_line;
    char stage[32];
    int last_permille;
    double t0;
} bar;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_done(void)
{
    if (bar.on_line) {
        fputc('\n', stderr);
        bar.on_line = 0;
    }
}

static void log_cb(void *cookie, int level, const char *msg)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    (void)cookie;
    cli_progress_done();
    if (level == VN_LOG_INFO)
        fprintf(stderr, "vanish: %s\n", msg);
    else
        fprintf(stderr, "vanish: %s: %s\n", names[level < 0 ? 0 : level > 3 ? 3 : level], msg);
}

static int progress_cb(void *cookie, const char *stage, double fraction)
{
    int permille = (int)(fraction * 1000.0 + 0.5);
    char line[128];
    int filled;
    (void)cookie;
    if (strncmp(bar.stage, stage, sizeof(bar.stage) - 1)) {
        cli_progress_done();
        snprintf(bar.stage, sizeof(bar.stage), "%s", stage);
        bar.last_permille = -1;
        bar.t0 = now_s();
    }
    if (permille == bar.last_permille)
        return 0;
    bar.last_permille = permille;
    filled = permille * 30 / 1000;
    snprintf(line, sizeof(line), "\r%-10s [%.*s%*s] %5.1f%%  %6.1fs", stage, filled,
             "##############################", 30 - filled, "", permille / 10.0, now_s() - bar.t0);
    fputs(line, stderr);
    fflush(stderr);
    bar.on_line = 1;
    return 0;
}

int cli_error(const char *fmt, ...)
{
    va_list ap;
    cli_progress_done();
    fputs("vanish: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

int cli_fail(const VnContext *ctx, int err, const char *what)
{
    const char *msg = vn_last_error(ctx);
    if (msg && *msg)
        return cli_error("%s", msg);
    return cli_error("%s: %s", what, vn_strerror(err));
}

const char *cli_flag_value(const char *flag, int argc, char **argv, int *i, int *bad)
{
    size_t n = strlen(flag);
    const char *a = argv[*i];
    if (strncmp(a, flag, n))
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n])
        return NULL;
    if (*i + 1 >= argc) {
        cli_error("%s needs a value", flag);
        *bad = 1;
        return NULL;
    }
    return argv[++*i];
}

int cli_common_flag(CliCommon *c, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    int bad = 0;
    char *end;
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
        return c->quiet = 1;
    if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
        return c->verbose = 1;
    if (!strcmp(a, "-y") || !strcmp(a, "--overwrite"))
        return c->overwrite = 1;
    if ((v = cli_flag_value("--threads", argc, argv, i, &bad))) {
        long n = strtol(v, &end, 10);
        if (*end || end == v || n < 0 || n > 256) {
            cli_error("--threads: '%s' is not a number from 0 to 256", v);
            return -1;
        }
        c->threads = (int)n;
        return 1;
    }
    return bad ? -1 : 0;
}

void cli_print_common(FILE *f)
{
    fputs("Common options:\n"
          "  -y, --overwrite     replace an existing output file (never the input)\n"
          "  -q, --quiet         no progress bar, warnings and errors only\n"
          "  -v, --verbose       debug messages\n"
          "      --threads N     worker threads (0 = one per core, default 0)\n",
          f);
}

int cli_open_context(VnContext **ctx, const CliCommon *c)
{
    VnSettings s;
    int ret;
    vn_default_settings(&s);
    s.n_threads = c->threads;
    s.log_cb = log_cb;
    s.log_level = c->verbose ? VN_LOG_DEBUG : c->quiet ? VN_LOG_WARNING : VN_LOG_INFO;
    if (!c->quiet && isatty(STDERR_FILENO))
        s.progress_cb = progress_cb;
    if ((ret = vn_open(ctx, &s)) < 0)
        return cli_error("cannot start: %s", vn_strerror(ret));
    return 0;
}

int cli_table_flag(const VnOption *table, void *s, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *name, *eq, *value = NULL;
    char buf[64];
    const VnOption *o;
    int ret;
    if (strncmp(a, "--", 2))
        return 0;
    name = a + 2;
    eq = strchr(name, '=');
    snprintf(buf, sizeof(buf), "%.*s", eq ? (int)(eq - name) : (int)strlen(name), name);
    o = vn_option_find(table, buf);
    if (!o && !eq && !strncmp(buf, "no-", 3) && (o = vn_option_find(table, buf + 3)) &&
        o->type == VN_OPT_BOOL)
        value = "false";
    else if (!o)
        return 0;
    if (!value && eq)
        value = eq + 1;
    if (!value && o->type == VN_OPT_BOOL)
        value = "true";
    if (!value) {
        if (*i + 1 >= argc) {
            cli_error("--%s needs a value", o->name);
            return -1;
        }
        value = argv[++*i];
    }
    if ((ret = vn_option_set(table, s, o->name, value)) < 0) {
        if (o->type == VN_OPT_CHOICE) {
            char list[256] = "";
            for (int k = 0; o->choices[k]; k++)
                snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "",
                         o->choices[k]);
            cli_error("--%s: '%s' is not one of %s", o->name, value, list);
        } else if (ret == -ERANGE) {
            cli_error("--%s: %s is out of range [%g, %g]", o->name, value, o->min, o->max);
        } else {
            cli_error("--%s: '%s' is not a valid value", o->name, value);
        }
        return -1;
    }
    return 1;
}

void cli_print_table(FILE *f, const VnOption *table, const void *s)
{
    char val[64], flag[64];
    for (; table && table->name; table++) {
        vn_option_format(table, s, val, sizeof(val));
        if (table->type == VN_OPT_BOOL)
            snprintf(flag, sizeof(flag), "--[no-]%s", table->name);
        else if (table->type == VN_OPT_CHOICE)
            snprintf(flag, sizeof(flag), "--%s NAME", table->name);
        else
            snprintf(flag, sizeof(flag), "--%s %s", table->name,
                     table->type == VN_OPT_INT ? "N" : "X");
        fprintf(f, "  %-22s %s (default %s", flag, table->help, val);
        if (table->type == VN_OPT_CHOICE) {
            fputs("; one of", f);
            for (int k = 0; table->choices[k]; k++)
                fprintf(f, "%s %s", k ? "," : "", table->choices[k]);
        } else if (table->type != VN_OPT_BOOL) {
            fprintf(f, "; %g to %g", table->min, table->max);
        }
        fputs(")\n", f);
    }
}
