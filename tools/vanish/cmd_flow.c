/* vanish flow: dense optical flow between two images or two frames of a video, written as
 * Middlebury .flo files and a colour-wheel picture. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "vanish/flow.h"
#include "vanish/video.h"

typedef struct FlowArgs {
    const char *a, *b, *out, *bwd_out, *viz, *mask_a, *mask_b;
    long fi, fj; /* --frames I,J; fi < 0 = two images */
} FlowArgs;

static void help(FILE *f, const VnFlowSettings *s)
{
    fputs("usage: vanish flow A B -o FLOW.flo [--mask-a M] [--mask-b M] [--backward FLOW2.flo]\n"
          "                   [--viz FLOW.png] [--preset P] [options]\n"
          "       vanish flow INPUT --frames I,J -o FLOW.flo [...]\n\n"
          "Dense optical flow from image A to image B (or from frame I to frame J of a video),\n"
          "blind to the pixels under the masks, written as a Middlebury .flo file.\n\n"
          "  -o, --output FLOW.flo  the flow A -> B\n"
          "  --backward FLOW2.flo   also the flow B -> A\n"
          "  --viz FLOW.png         the forward flow in the Middlebury colour coding\n"
          "  --mask-a M, --mask-b M masks (PNG; non-zero = ignore) of A and B; with --frames,\n"
          "                         a directory or video of masks gives frame I's and J's\n"
          "  --frames I,J           two frames of a video, numbered from 0\n\n"
          "Flow options:\n",
          f);
    cli_print_table(f, vn_flow_options(), s);
    fputc('\n', f);
    cli_print_common(f);
}

static int exists(const char *path)
{
    return path && access(path, F_OK) == 0;
}

/* Frames I and J of a video, RGB, owned by the caller. */
static int load_frames(VnContext *ctx, const FlowArgs *fa, VnImage **a, VnImage **b)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    long last = fa->fi > fa->fj ? fa->fi : fa->fj;
    int ret = 0;
    if ((ret = vn_video_open(ctx, &r, fa->a)) < 0)
        return cli_fail(ctx, ret, fa->a);
    for (long k = 0; k <= last; k++) {
        vn_frame_free(&f);
        if ((ret = vn_video_read(r, &f)) <= 0) {
            ret = ret == 0 ? cli_error("%s: has only %ld frames, no frame %ld", fa->a, k, last) : cli_fail(ctx, ret, fa->a);
            goto done;
        }
        for (int s = 0; s < 2; s++) {
            VnImage **dst = s ? b : a, *rgb = vn_frame_rgb(f);
            if (k != (s ? fa->fj : fa->fi) || *dst)
                continue;
            if ((ret = vn_image_alloc(dst, rgb->width, rgb->height, 3, VN_U8)) < 0 || (ret = vn_image_copy(*dst, rgb)) < 0) {
                ret = cli_fail(ctx, ret, fa->a);
                goto done;
            }
        }
    }
    ret = 0;
done:
    vn_frame_free(&f);
    vn_video_close(&r);
    return ret;
}

/* Mask number `index` of path (a single PNG serves every index) at w x h; 0 or exit status. */
static int load_mask(VnContext *ctx, const char *path, long index, int w, int h, VnImage **mask)
{
    VnMaskReader *m = NULL;
    int ret;
    if ((ret = vn_image_alloc(mask, w, h, 1, VN_U8)) < 0 || (ret = vn_mask_open(ctx, &m, path, w, h, -1)) < 0)
        return cli_fail(ctx, ret, path);
    if (vn_mask_count(m) < 0)
        index = 0;
    for (long k = 0; k <= index; k++)
        if ((ret = vn_mask_read(m, *mask)) <= 0) {
            vn_mask_close(&m);
            return ret == 0 ? cli_error("%s: has no mask %ld", path, index) : cli_fail(ctx, ret, path);
        }
    vn_mask_close(&m);
    return 0;
}

static int load_inputs(VnContext *ctx, const FlowArgs *fa, VnImage **a, VnImage **b, VnImage **ma, VnImage **mb)
{
    int ret;
    if (fa->fi >= 0) {
        if ((ret = load_frames(ctx, fa, a, b)))
            return ret;
    } else {
        if ((ret = vn_image_load(ctx, fa->a, a)) < 0)
            return cli_fail(ctx, ret, fa->a);
        if ((ret = vn_image_load(ctx, fa->b, b)) < 0)
            return cli_fail(ctx, ret, fa->b);
        if ((*a)->width != (*b)->width || (*a)->height != (*b)->height)
            return cli_error("%s: is %dx%d but %s is %dx%d", fa->b, (*b)->width, (*b)->height, fa->a, (*a)->width,
                             (*a)->height);
    }
    if (fa->mask_a && (ret = load_mask(ctx, fa->mask_a, fa->fi < 0 ? 0 : fa->fi, (*a)->width, (*a)->height, ma)))
        return ret;
    if (fa->mask_b && (ret = load_mask(ctx, fa->mask_b, fa->fj < 0 ? 0 : fa->fj, (*a)->width, (*a)->height, mb)))
        return ret;
    return 0;
}

/* Write every output; on a failure remove the ones already written. */
static int write_outputs(VnContext *ctx, const FlowArgs *fa, const VnImage *fwd, const VnImage *bwd)
{
    VnImage *rgb = NULL;
    int ret;
    if ((ret = vn_flow_write_flo(ctx, fa->out, fwd)) < 0)
        return cli_fail(ctx, ret, fa->out);
    if (fa->bwd_out && (ret = vn_flow_write_flo(ctx, fa->bwd_out, bwd)) < 0) {
        ret = cli_fail(ctx, ret, fa->bwd_out);
        goto fail;
    }
    if (fa->viz && ((ret = vn_flow_visualize(fwd, 0.0f, &rgb)) < 0 || (ret = vn_image_save_png(ctx, fa->viz, rgb)) < 0)) {
        ret = cli_fail(ctx, ret, fa->viz);
        goto fail;
    }
    vn_image_free(&rgb);
    return 0;
fail:
    vn_image_free(&rgb);
    unlink(fa->out);
    if (fa->bwd_out)
        unlink(fa->bwd_out);
    return ret;
}

static int run_flow(const FlowArgs *fa, const CliCommon *common, const VnFlowSettings *s)
{
    const char *outs[3] = {fa->out, fa->bwd_out, fa->viz};
    VnContext *ctx = NULL;
    VnImage *a = NULL, *b = NULL, *ma = NULL, *mb = NULL, *fwd = NULL, *bwd = NULL;
    int ret;
    for (int k = 0; k < 3; k++)
        if (!common->overwrite && exists(outs[k]))
            return cli_error("%s: exists (use -y to replace it)", outs[k]);
    if (cli_open_context(&ctx, common))
        return 1;
    if ((ret = load_inputs(ctx, fa, &a, &b, &ma, &mb)))
        goto done;
    if ((ret = vn_flow_compute(ctx, a, b, ma, mb, s, &fwd, fa->bwd_out ? &bwd : NULL)) < 0) {
        ret = cli_fail(ctx, ret, fa->a);
        goto done;
    }
    ret = write_outputs(ctx, fa, fwd, bwd);
done:
    cli_progress_done();
    vn_image_free(&a);
    vn_image_free(&b);
    vn_image_free(&ma);
    vn_image_free(&mb);
    vn_image_free(&fwd);
    vn_image_free(&bwd);
    vn_close(&ctx);
    return ret ? 1 : 0;
}

static int parse_frames(const char *v, FlowArgs *fa)
{
    char *end, *end2;
    fa->fi = strtol(v, &end, 10);
    if (end == v || *end != ',' || fa->fi < 0)
        return -1;
    fa->fj = strtol(end + 1, &end2, 10);
    if (end2 == end + 1 || *end2 || fa->fj < 0)
        return -1;
    return 0;
}

/* Flags of the command itself; 1 consumed, 0 not ours, -1 bad (message printed). */
static int own_flag(FlowArgs *fa, int argc, char **argv, int *i)
{
    const char *v;
    int bad = 0;
    if ((v = cli_flag_value("-o", argc, argv, i, &bad)) || (v = cli_flag_value("--output", argc, argv, i, &bad)))
        fa->out = v;
    else if ((v = cli_flag_value("--backward", argc, argv, i, &bad)))
        fa->bwd_out = v;
    else if ((v = cli_flag_value("--viz", argc, argv, i, &bad)))
        fa->viz = v;
    else if ((v = cli_flag_value("--mask-a", argc, argv, i, &bad)))
        fa->mask_a = v;
    else if ((v = cli_flag_value("--mask-b", argc, argv, i, &bad)))
        fa->mask_b = v;
    else if ((v = cli_flag_value("--frames", argc, argv, i, &bad))) {
        if (parse_frames(v, fa) < 0)
            return cli_error("--frames: '%s' is not I,J (two frame numbers from 0)", v), -1;
    }
    return bad ? -1 : v != NULL;
}

static int same(const char *x, const char *y)
{
    return x && y && !strcmp(x, y);
}

/* Same file named twice among the outputs, or an output that is an input; 0 or exit status. */
static int clash(const FlowArgs *fa)
{
    const char *outs[3] = {fa->out, fa->bwd_out, fa->viz}, *ins[4] = {fa->a, fa->b, fa->mask_a, fa->mask_b};
    for (int k = 0; k < 3; k++) {
        for (int m = k + 1; m < 3; m++)
            if (same(outs[k], outs[m]))
                return cli_error("flow: '%s' is named as two outputs", outs[k]);
        for (int m = 0; m < 4; m++)
            if (same(outs[k], ins[m]))
                return cli_error("flow: '%s' is both an input and an output", outs[k]);
    }
    return 0;
}

int cmd_flow(int argc, char **argv)
{
    FlowArgs fa = {.fi = -1, .fj = -1};
    VnFlowSettings s;
    CliCommon common = {0};
    int ret;
    vn_flow_default_settings(&s);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout, &s);
            return 0;
        }
        if ((ret = cli_common_flag(&common, argc, argv, &i)) || (ret = cli_table_flag(vn_flow_options(), &s, argc, argv, &i)) ||
            (ret = own_flag(&fa, argc, argv, &i))) {
            if (ret < 0)
                return 2;
            continue;
        }
        if (a[0] == '-' && a[1])
            return cli_error("flow: unknown option '%s' (see 'vanish flow --help')", a) + 1;
        if (!fa.a)
            fa.a = a;
        else if (!fa.b)
            fa.b = a;
        else
            return cli_error("flow: unexpected argument '%s'", a) + 1;
    }
    if (!fa.a || !fa.out || (fa.fi < 0 && !fa.b))
        return cli_error("flow: needs A B (or INPUT --frames I,J) and -o FLOW.flo (see 'vanish flow --help')") + 1;
    if (fa.fi >= 0 && fa.b)
        return cli_error("flow: --frames takes one INPUT video, not '%s' as well", fa.b) + 1;
    if (clash(&fa))
        return 2;
    return run_flow(&fa, &common, &s);
}
