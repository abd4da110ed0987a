/* vanish info: what an input holds — streams, codecs, size, rate, duration, frame count. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "vanish/video.h"

static void help(FILE *f)
{
    fputs("usage: vanish info INPUT [--json] [--count]\n\n"
          "Describe INPUT (a video file, a directory of images or a pattern such as\n"
          "dir/%05d.png): container, streams, codecs, size, frame rate, duration, pixel format,\n"
          "colour, rotation and frame count.\n\n"
          "  --json     print one JSON object\n"
          "  --count    count the frames by decoding (headers can be wrong)\n\n", f);
    cli_print_common(f);
}

/* A JSON string literal (quotes, backslashes and control characters escaped). */
static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void print_json(const char *path, VnVideoReader *r, int64_t counted)
{
    const VnVideoInfo *in = vn_video_info(r);
    VnStreamInfo s;
    printf("{\"input\": ");
    json_str(stdout, path);
    printf(", \"container\": ");
    json_str(stdout, in->container);
    printf(", \"duration\": %.6f, \"bit_rate_kbps\": %d,\n", in->duration, in->bit_rate_kbps);
    printf(" \"video\": {\"stream\": %d, \"codec\": ", in->stream_index);
    json_str(stdout, in->codec);
    printf(", \"width\": %d, \"height\": %d, \"pix_fmt\": ", in->width, in->height);
    json_str(stdout, in->pix_fmt);
    printf(", \"color_range\": ");
    json_str(stdout, in->color_range);
    printf(", \"color_space\": ");
    json_str(stdout, in->color_space);
    printf(", \"frame_rate\": \"%d/%d\", \"time_base\": \"%d/%d\", \"vfr\": %s, \"rotation\": %d, "
           "\"frames_header\": %lld, \"frames_counted\": %lld},\n",
           in->frame_rate.num, in->frame_rate.den, in->time_base.num, in->time_base.den,
           in->vfr ? "true" : "false", in->rotation, (long long)in->n_frames_header,
           (long long)counted);
    printf(" \"streams\": [");
    for (int i = 0; i < vn_video_stream_count(r); i++) {
        vn_video_stream_info(r, i, &s);
        printf("%s\n  {\"index\": %d, \"type\": ", i ? "," : "", s.index);
        json_str(stdout, s.type);
        printf(", \"codec\": ");
        json_str(stdout, s.codec);
        printf(", \"language\": ");
        json_str(stdout, s.language);
        printf(", \"width\": %d, \"height\": %d, \"sample_rate\": %d, \"channels\": %d, "
               "\"bit_rate\": %lld}", s.width, s.height, s.sample_rate, s.channels,
               (long long)s.bit_rate);
    }
    printf("]}\n");
}

static void print_text(const char *path, VnVideoReader *r, int64_t counted)
{
    const VnVideoInfo *in = vn_video_info(r);
    VnStreamInfo s;
    printf("%s: %s", path, in->container);
    if (in->duration >= 0)
        printf(", %.3f s", in->duration);
    if (in->bit_rate_kbps > 0)
        printf(", %d kb/s", in->bit_rate_kbps);
    printf("\n  video:     %s %dx%d %s (range %s, matrix %s)\n", in->codec, in->width, in->height,
           in->pix_fmt, in->color_range, in->color_space);
    if (in->frame_rate.num > 0)
        printf("  rate:      %d/%d fps (%.3f)%s\n", in->frame_rate.num, in->frame_rate.den,
               (double)in->frame_rate.num / in->frame_rate.den, in->vfr ? ", variable" : "");
    printf("  rotation:  %d\n", in->rotation);
    printf("  frames:    ");
    if (counted >= 0)
        printf("%lld (counted)", (long long)counted);
    if (in->n_frames_header >= 0)
        printf("%s%lld (header)", counted >= 0 ? ", " : "", (long long)in->n_frames_header);
    if (counted < 0 && in->n_frames_header < 0)
        printf("unknown (use --count)");
    printf("\n  audio:     %d stream%s; subtitles %d; data %d\n", in->n_audio,
           in->n_audio == 1 ? "" : "s", in->n_subtitle, in->n_data);
    for (int i = 0; i < vn_video_stream_count(r); i++) {
        vn_video_stream_info(r, i, &s);
        printf("  stream %d:  %s %s", s.index, s.type, s.codec);
        if (s.width > 0)
            printf(" %dx%d", s.width, s.height);
        if (s.sample_rate > 0)
            printf(" %d Hz %d ch", s.sample_rate, s.channels);
        if (s.bit_rate > 0)
            printf(" %lld kb/s", (long long)(s.bit_rate / 1000));
        if (s.language[0])
            printf(" [%s]", s.language);
        printf("\n");
    }
}

int cmd_info(int argc, char **argv)
{
    const char *input = NULL;
    CliCommon common = {0};
    VnContext *ctx = NULL;
    VnVideoReader *r = NULL;
    int json = 0, count = 0, ret;
    int64_t counted = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout);
            return 0;
        }
        if ((ret = cli_common_flag(&common, argc, argv, &i))) {
            if (ret < 0)
                return 2;
        } else if (!strcmp(a, "--json")) {
            json = 1;
        } else if (!strcmp(a, "--count")) {
            count = 1;
        } else if (a[0] == '-' && a[1]) {
            return cli_error("info: unknown option '%s' (see 'vanish info --help')", a) + 1;
        } else if (!input) {
            input = a;
        } else {
            return cli_error("info: unexpected argument '%s'", a) + 1;
        }
    }
    if (!input)
        return cli_error("info: needs INPUT (see 'vanish info --help')") + 1;
    if (cli_open_context(&ctx, &common))
        return 1;
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        goto fail;
    if (count && (counted = vn_video_count_frames(r)) < 0) {
        ret = (int)counted;
        goto fail;
    }
    cli_progress_done();
    if (json)
        print_json(input, r, counted);
    else
        print_text(input, r, counted);
    vn_video_close(&r);
    vn_close(&ctx);
    return 0;
fail:
    cli_progress_done();
    ret = cli_fail(ctx, ret, input);
    vn_video_close(&r);
    vn_close(&ctx);
    return ret;
}
