/* vanish detect-overlay: propose the mask of a static overlay (logo, watermark) of a video. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "vanish/overlay.h"
#include "vanish/video.h"

static void help(FILE *f, const VnOverlaySettings *s)
{
    fputs("usage: vanish detect-overlay INPUT -o MASK.png [options]\n\n"
          "Find a static overlay (a logo or a watermark, opaque or semi-transparent) from the\n"
          "edges that stay put while the picture under them moves, and write its footprint as a\n"
          "grey PNG (255 = overlay) for 'vanish inpaint --masks MASK.png'. Writes nothing and\n"
          "exits with status 3 when no overlay is seen.\n\n"
          "  INPUT                 a video file, a directory of images, or a pattern (dir/%05d.png)\n"
          "  -o, --output MASK     the mask to write (.png)\n\n"
          "Overlay options:\n", f);
    cli_print_table(f, vn_overlay_options(), s);
    fputc('\n', f);
    cli_print_common(f);
}

int cmd_detect_overlay(int argc, char **argv)
{
    const char *input = NULL, *output = NULL, *v;
    VnOverlaySettings s;
    CliCommon common = {0};
    VnContext *ctx = NULL;
    VnImage *mask = NULL;
    int64_t n;
    int ret, bad = 0;
    vn_overlay_default_settings(&s);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout, &s);
            return 0;
        }
        if ((ret = cli_common_flag(&common, argc, argv, &i)) ||
            (ret = cli_table_flag(vn_overlay_options(), &s, argc, argv, &i))) {
            if (ret < 0)
                return 2;
            continue;
        }
        if ((v = cli_flag_value("-o", argc, argv, &i, &bad)) ||
            (v = cli_flag_value("--output", argc, argv, &i, &bad)))
            output = v;
        else if (bad)
            return 2;
        else if (a[0] == '-' && a[1])
            return cli_error("detect-overlay: unknown option '%s' (see 'vanish detect-overlay --help')", a) + 1;
        else if (!input)
            input = a;
        else
            return cli_error("detect-overlay: unexpected argument '%s'", a) + 1;
    }
    if (!input || !output)
        return cli_error("detect-overlay: needs INPUT and -o MASK.png (see 'vanish detect-overlay --help')") + 1;
    if (cli_open_context(&ctx, &common))
        return 1;
    n = vn_overlay_detect_file(ctx, input, &s, &mask);
    cli_progress_done();
    if (n < 0)
        ret = cli_fail(ctx, (int)n, input);
    else if (n == 0) {
        if (!common.quiet)
            fprintf(stderr, "vanish: no static overlay found in %s\n", input);
        ret = 3;
    } else if ((ret = vn_mask_save_png(ctx, output, mask, 1)) < 0)
        ret = cli_fail(ctx, ret, output);
    else {
        if (!common.quiet)
            fprintf(stderr, "vanish: overlay of %lld pixels written to %s\n", (long long)n, output);
        ret = 0;
    }
    vn_image_free(&mask);
    vn_close(&ctx);
    return ret;
}
