/* vanish inpaint: fill the masked region of every frame and write the video back. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "vanish/inpaint.h"

static void help(FILE *f, const VnInpaintSettings *s)
{
    fputs("usage: vanish inpaint INPUT --masks MASKS -o OUTPUT [options]\n"
          "       vanish inpaint INPUT --auto-overlay -o OUTPUT [options]\n"
          "       vanish inpaint INPUT --masks MOVING --overlay-mask LOGO.png -o OUTPUT [options]\n"
          "       vanish inpaint INPUT --masks MOVING --auto-overlay -o OUTPUT [options]\n\n"
          "Fill the masked region of every frame of INPUT and write OUTPUT with the input's\n"
          "audio, subtitles, timestamps, frame rate and metadata. Pixels outside the (dilated)\n"
          "mask keep the input's values.\n\n"
          "  INPUT                 a video file, a directory of images, or a pattern (dir/%05d.png)\n"
          "  --masks MASKS         a directory of PNGs (one per frame), one PNG for every frame,\n"
          "                        or a mask video; grey, palette (DAVIS ids) or RGB, non-zero = remove\n"
          "  --overlay-mask PNG    the footprint of a static overlay (logo, watermark), one PNG\n"
          "                        for every frame: un-blended where it lets the picture through,\n"
          "                        filled where opaque (method auto); the --masks beside it are\n"
          "                        filled as they are, also where they cross the overlay\n"
          "  --auto-overlay        find a static overlay (see 'vanish detect-overlay') and remove\n"
          "                        it, alone or with the --masks of other objects\n"
          "  -o, --output OUTPUT   .mp4/.mov/.mkv (H.264), .mkv with --lossless (FFV1), or DIR/\n"
          "                        for PNG frames\n"
          "  --crf N               H.264 quality, lower is better (default 18)\n"
          "  --lossless            lossless output (FFV1 in .mkv, x264 qp 0 otherwise)\n"
          "  --x264-preset NAME    x264 speed preset (default medium)\n\n"
          "Fill options:\n", f);
    cli_print_table(f, vn_inpaint_options(), s);
    fputc('\n', f);
    cli_print_common(f);
}

int cmd_inpaint(int argc, char **argv)
{
    const char *input = NULL, *masks = NULL, *overlay = NULL, *output = NULL, *v;
    VnInpaintSettings s;
    VnWriterSettings ws;
    VnInpaintSources src = {0};
    CliCommon common = {0};
    VnContext *ctx = NULL;
    int ret, bad = 0, auto_overlay = 0;
    vn_inpaint_default_settings(&s);
    vn_writer_default_settings(&ws);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout, &s);
            return 0;
        }
        if ((ret = cli_common_flag(&common, argc, argv, &i)) || (ret = cli_table_flag(vn_inpaint_options(), &s, argc, argv, &i))) {
            if (ret < 0)
                return 2;
            continue;
        }
        if ((v = cli_flag_value("--masks", argc, argv, &i, &bad)))
            masks = v;
        else if ((v = cli_flag_value("--overlay-mask", argc, argv, &i, &bad)))
            overlay = v;
        else if ((v = cli_flag_value("-o", argc, argv, &i, &bad)) ||
                 (v = cli_flag_value("--output", argc, argv, &i, &bad)))
            output = v;
        else if ((v = cli_flag_value("--crf", argc, argv, &i, &bad))) {
            if (sscanf(v, "%d", &ws.crf) != 1 || ws.crf < 0 || ws.crf > 51)
                return cli_error("--crf: '%s' is not a number from 0 to 51", v) + 1;
        } else if ((v = cli_flag_value("--x264-preset", argc, argv, &i, &bad)))
            ws.preset = v;
        else if (!strcmp(a, "--lossless"))
            ws.lossless = 1;
        else if (!strcmp(a, "--auto-overlay"))
            auto_overlay = 1;
        else if (bad)
            return 2;
        else if (a[0] == '-' && a[1])
            return cli_error("inpaint: unknown option '%s' (see 'vanish inpaint --help')", a) + 1;
        else if (!input)
            input = a;
        else
            return cli_error("inpaint: unexpected argument '%s'", a) + 1;
    }
    if (bad)
        return 2;
    if (overlay && auto_overlay)
        return cli_error("inpaint: --overlay-mask and --auto-overlay exclude each other") + 1;
    if (!input || !(masks || overlay || auto_overlay) || !output)
        return cli_error("inpaint: needs INPUT, --masks MASKS (or --overlay-mask, --auto-overlay) and -o OUTPUT (see 'vanish inpaint --help')") + 1;
    ws.overwrite = common.overwrite;
    if (cli_open_context(&ctx, &common))
        return 1;
    src.masks = masks;
    src.overlay = overlay;
    src.detect_overlay = auto_overlay;
    ret = vn_inpaint_file_sources(ctx, input, &src, output, &s, &ws, NULL, NULL);
    cli_progress_done();
    if (ret < 0)
        ret = cli_fail(ctx, ret, input);
    vn_close(&ctx);
    return ret;
}
