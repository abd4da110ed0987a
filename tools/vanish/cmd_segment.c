/* vanish segment: clicks and a box on one frame → the object's mask. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "commands.h"
#include "vanish/segment.h"
#include "vanish/video.h"

#define MAX_PROMPTS 256

static void help(FILE *f, const VnSegmentSettings *s)
{
    fputs("usage: vanish segment INPUT [--frame N] --point X,Y [--point X,Y ...] [--neg X,Y ...]\n"
          "                      [--box X0,Y0,X1,Y1] [--refine MASK.png] -o MASK.png [--all]\n\n"
          "Make the mask of the object under the clicks on one frame of INPUT (an image or a\n"
          "video). Coordinates are in input pixels, (0,0) at the top left.\n\n"
          "  --frame N             frame of a video, from 0 (default 0)\n"
          "  --point X,Y           a point on the object (repeatable)\n"
          "  --neg X,Y             a point on the background (repeatable)\n"
          "  --box X0,Y0,X1,Y1     a box around the object (corners inclusive)\n"
          "  --refine MASK.png     an existing mask that the points correct\n"
          "  -o, --output MASK.png the best mask, grey 0/255 PNG\n"
          "  --all                 also write every candidate (part / object / larger) as\n"
          "                        MASK-1.png, MASK-2.png, MASK-3.png, best first, and print their\n"
          "                        scores\n\n"
          "Segmentation options:\n", f);
    cli_print_table(f, vn_segment_options(), s);
    fputc('\n', f);
    cli_print_common(f);
}

/* Parse "A,B" or "A,B,C,D" into v; returns 0 or -1. */
static int parse_ints(const char *t, int *v, int n)
{
    char *end;
    for (int i = 0; i < n; i++) {
        long x = strtol(t, &end, 10);
        if (end == t || x < -1000000 || x > 1000000 || (i + 1 < n ? *end != ',' : *end != 0))
            return -1;
        v[i] = (int)x;
        t = end + 1;
    }
    return 0;
}

static int is_still(const char *path)
{
    static const char *ext[] = {".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".pgm", ".tif", ".tiff", ".webp", NULL};
    const char *dot = strrchr(path, '.');
    for (int i = 0; dot && ext[i]; i++)
        if (!strcasecmp(dot, ext[i]))
            return 1;
    return 0;
}

/* The frame to segment, owned by the caller. */
static int load_frame(VnContext *ctx, const char *input, long frame, VnImage **img)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int ret;
    *img = NULL;
    if (is_still(input) && frame == 0)
        return vn_image_load(ctx, input, img);
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        return ret;
    for (long k = 0; k <= frame; k++) {
        vn_frame_free(&f);
        if ((ret = vn_video_read(r, &f)) <= 0) {
            if (ret == 0)
                ret = cli_error("%s: has only %ld frames, no frame %ld", input, k, frame); /* 1: reported */
            goto done;
        }
    }
    VnImage *rgb = vn_frame_rgb(f);
    if ((ret = vn_image_alloc(img, rgb->width, rgb->height, 3, VN_U8)) >= 0)
        ret = vn_image_copy(*img, rgb);
done:
    vn_frame_free(&f);
    vn_video_close(&r);
    return ret;
}

static int read_refine(VnContext *ctx, const char *path, int w, int h, VnImage **mask)
{
    VnMaskReader *m = NULL;
    int ret;
    if ((ret = vn_image_alloc(mask, w, h, 1, VN_U8)) < 0)
        return ret;
    if ((ret = vn_mask_open(ctx, &m, path, w, h, -1)) < 0)
        return ret;
    ret = vn_mask_read(m, *mask);
    vn_mask_close(&m);
    return ret == 0 ? cli_error("%s: holds no mask", path) : ret;
}

/* MASK.png → MASK-k.png */
static void candidate_name(char *buf, size_t size, const char *out, int k)
{
    const char *dot = strrchr(out, '.'), *slash = strrchr(out, '/');
    int base = dot && (!slash || dot > slash) ? (int)(dot - out) : (int)strlen(out);
    snprintf(buf, size, "%.*s-%d%s", base, out, k, dot && (!slash || dot > slash) ? dot : ".png");
}

static int exists(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f)
        fclose(f);
    return f != NULL;
}

static const char *const kind_names[3] = {"part", "object", "larger"};

/* Segment and write the masks. */
static int segment(VnContext *ctx, const char *input, long frame, const VnPrompt *p, int n,
                   const char *refine_path, const char *output, int all, int overwrite,
                   const VnSegmentSettings *s)
{
    VnImage *img = NULL, *refine = NULL;
    VnSegmenter *seg = NULL;
    VnSegmentResult res = {0};
    char name[4096];
    int ret, status = 1;
    if (!overwrite && exists(output)) {
        cli_error("%s: exists (use -y to replace it)", output);
        goto done;
    }
    if ((ret = load_frame(ctx, input, frame, &img)) != 0) {
        if (ret < 0)
            cli_fail(ctx, ret, input);
        goto done;
    }
    if (refine_path && (ret = read_refine(ctx, refine_path, img->width, img->height, &refine)) != 0 && ret != 1) {
        if (ret < 0)
            cli_fail(ctx, ret, refine_path);
        goto done;
    }
    if ((ret = vn_segmenter_open(ctx, &seg, img, s)) < 0 || (ret = vn_segmenter_run(seg, p, n, refine, &res)) < 0) {
        cli_fail(ctx, ret, input);
        goto done;
    }
    if ((ret = vn_mask_save_png(ctx, output, res.c[0].mask, 1)) < 0) {
        cli_fail(ctx, ret, output);
        goto done;
    }
    for (int k = 0; all && k < res.n; k++) {
        candidate_name(name, sizeof(name), output, k + 1);
        if ((ret = vn_mask_save_png(ctx, name, res.c[k].mask, 1)) < 0) {
            cli_fail(ctx, ret, name);
            goto done;
        }
        printf("%s\t%s\tscore %.3f\n", name, kind_names[res.c[k].kind], res.c[k].score);
    }
    status = 0;
done:
    vn_segment_result_free(&res);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    vn_image_free(&refine);
    return status;
}

/* Add a point or box prompt from a flag's value; 0 or the exit status of an error. */
static int add_prompt(VnPrompt *p, int *n, int type, const char *flag, const char *v)
{
    int c[4] = {0, 0, 0, 0};
    if (*n >= MAX_PROMPTS)
        return cli_error("segment: more than %d prompts", MAX_PROMPTS) + 1;
    if (parse_ints(v, c, type == VN_PROMPT_BOX ? 4 : 2) < 0)
        return cli_error("%s: '%s' is not %s", flag, v, type == VN_PROMPT_BOX ? "X0,Y0,X1,Y1" : "X,Y") + 1;
    p[(*n)++] = (VnPrompt){type, c[0], c[1], c[2], c[3]};
    return 0;
}

int cmd_segment(int argc, char **argv)
{
    const char *input = NULL, *output = NULL, *refine = NULL, *v;
    VnPrompt p[MAX_PROMPTS];
    VnSegmentSettings s;
    CliCommon common = {0};
    VnContext *ctx = NULL;
    long frame = 0;
    int n = 0, all = 0, ret, bad = 0;
    vn_segment_default_settings(&s);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout, &s);
            return 0;
        }
        if ((ret = cli_common_flag(&common, argc, argv, &i)) || (ret = cli_table_flag(vn_segment_options(), &s, argc, argv, &i))) {
            if (ret < 0)
                return 2;
            continue;
        }
        if ((v = cli_flag_value("--point", argc, argv, &i, &bad))) {
            if ((ret = add_prompt(p, &n, VN_PROMPT_POSITIVE, "--point", v)))
                return ret;
        } else if ((v = cli_flag_value("--neg", argc, argv, &i, &bad))) {
            if ((ret = add_prompt(p, &n, VN_PROMPT_NEGATIVE, "--neg", v)))
                return ret;
        } else if ((v = cli_flag_value("--box", argc, argv, &i, &bad))) {
            if ((ret = add_prompt(p, &n, VN_PROMPT_BOX, "--box", v)))
                return ret;
        } else if ((v = cli_flag_value("--frame", argc, argv, &i, &bad))) {
            char *end;
            frame = strtol(v, &end, 10);
            if (end == v || *end || frame < 0)
                return cli_error("--frame: '%s' is not a frame number", v) + 1;
        } else if ((v = cli_flag_value("--refine", argc, argv, &i, &bad)))
            refine = v;
        else if ((v = cli_flag_value("-o", argc, argv, &i, &bad)) || (v = cli_flag_value("--output", argc, argv, &i, &bad)))
            output = v;
        else if (!strcmp(a, "--all"))
            all = 1;
        else if (bad)
            return 2;
        else if (a[0] == '-' && a[1])
            return cli_error("segment: unknown option '%s' (see 'vanish segment --help')", a) + 1;
        else if (!input)
            input = a;
        else
            return cli_error("segment: unexpected argument '%s'", a) + 1;
    }
    if (bad)
        return 2;
    if (!input || !output || (n == 0 && !refine))
        return cli_error("segment: needs INPUT, a --point, --neg or --box (or --refine) and -o MASK.png (see 'vanish segment --help')") + 1;
    if (cli_open_context(&ctx, &common))
        return 1;
    ret = segment(ctx, input, frame, p, n, refine, output, all, common.overwrite, &s);
    vn_close(&ctx);
    return ret;
}
