/* vanish gui: serve the page that does the whole job (open, click, track, remove, download). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "server.h"

#define MAX_ALLOW 64

static void help(FILE *f)
{
    fputs("usage: vanish gui [INPUT] [--port P] [--host H] [--token T] [--max-upload MB]\n"
          "                  [--cache-mb MB] [--allow DIR ...]\n\n"
          "Serve a page that does the whole job in a browser: open a video, click the object,\n"
          "track it, remove it, compare and download. Prints the URL to open.\n\n"
          "  INPUT              a video to open at start\n"
          "  --port P           port to listen on; 0 = any free port (default 0)\n"
          "  --host H           address to listen on (default 127.0.0.1); any address that is\n"
          "                     not loopback needs a token\n"
          "  --token T          secret every request must carry (header X-Vanish-Token or\n"
          "                     ?token=); generated and printed for a non-loopback host\n"
          "  --max-upload MB    largest video the page may upload (default 2048)\n"
          "  --cache-mb MB      disk each open video's frame cache may hold (default 512); frames\n"
          "                     evicted past it are decoded again when needed; 0 keeps only the\n"
          "                     frames in use. The cache is removed when the server stops\n"
          "  --allow DIR        the page may open videos by path inside DIR (repeatable)\n\n", f);
    cli_print_common(f);
}

/* Parse a whole number from min to max for flag. */
static int whole(const char *flag, const char *v, long long min, long long max, long long *out)
{
    char *end;
    long long x = strtoll(v, &end, 10);
    if (!*v || *end || x < min || x > max)
        return cli_error("%s: '%s' is not a number from %lld to %lld", flag, v, min, max);
    *out = x;
    return 0;
}

/* Parse the command line into c; 0, or the exit status for a bad command line. */
static int parse(int argc, char **argv, SrvConfig *c, CliCommon *common, const char **allow)
{
    const char *v;
    long long x = 0;
    int bad = 0, ret;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((ret = cli_common_flag(common, argc, argv, &i))) {
            if (ret < 0)
                return 2;
        } else if ((v = cli_flag_value("--port", argc, argv, &i, &bad))) {
            if (whole("--port", v, 0, 65535, &x))
                return 2;
            c->port = (int)x;
        } else if ((v = cli_flag_value("--host", argc, argv, &i, &bad)))
            c->host = v;
        else if ((v = cli_flag_value("--token", argc, argv, &i, &bad)))
            c->token = v;
        else if ((v = cli_flag_value("--max-upload", argc, argv, &i, &bad))) {
            if (whole("--max-upload", v, 1, 1 << 20, &x))
                return 2;
            c->max_upload = (int64_t)x << 20;
        } else if ((v = cli_flag_value("--cache-mb", argc, argv, &i, &bad))) {
            if (whole("--cache-mb", v, 0, 1 << 24, &x))
                return 2;
            c->cache_bytes = (int64_t)x << 20;
        } else if ((v = cli_flag_value("--allow", argc, argv, &i, &bad))) {
            if (c->n_allow == MAX_ALLOW)
                return cli_error("--allow: at most %d directories", MAX_ALLOW) + 1;
            allow[c->n_allow++] = v;
        } else if (bad)
            return 2;
        else if (a[0] == '-' && a[1])
            return cli_error("gui: unknown option '%s' (see 'vanish gui --help')", a) + 1;
        else if (!c->input)
            c->input = a;
        else
            return cli_error("gui: unexpected argument '%s'", a) + 1;
    }
    return bad ? 2 : 0;
}

/* Print the URL (with the token when there is one). */
static void print_url(const SrvServer *s, const char *host)
{
    int v6 = strchr(host, ':') != NULL;
    printf("vanish gui: serving on http://%s%s%s:%d/%s%s\n", v6 ? "[" : "", host, v6 ? "]" : "",
           srv_port(s), *srv_token(s) ? "?token=" : "", srv_token(s));
    if (*srv_input_id(s))
        printf("vanish gui: opened video %s\n", srv_input_id(s));
    printf("vanish gui: press Ctrl-C to stop\n");
    fflush(stdout);
}

int cmd_gui(int argc, char **argv)
{
    const char *allow[MAX_ALLOW];
    CliCommon common = {0};
    SrvConfig c;
    SrvServer *s = NULL;
    sigset_t set;
    char err[600];
    int sig, ret;
    for (int i = 1; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            help(stdout);
            return 0;
        }
    srv_default_config(&c);
    if ((ret = parse(argc, argv, &c, &common, allow)))
        return ret;
    c.allow = allow;
    c.threads = common.threads;
    c.verbose = common.verbose;
    /* Signals are taken by sigwait on this thread; the server's threads inherit the mask. A
     * closed terminal (SIGHUP) stops the server as Ctrl-C does, removing its caches. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (srv_start(&s, &c, err, sizeof(err)) < 0)
        return cli_error("gui: %s", err);
    print_url(s, c.host);
    sigwait(&set, &sig);
    fprintf(stderr, "vanish gui: stopping\n");
    srv_stop(&s);
    return 0;
}
