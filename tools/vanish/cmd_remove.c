/* vanish remove: clicks on a frame → segment → track → inpaint, in one command. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "vanish/inpaint.h"
#include "vanish/segment.h"
#include "vanish/track.h"
#include "vanish/video.h"

#define MAX_PROMPTS 256
#define MAX_KEYS 64

static void help(FILE *f, const VnInpaintSettings *s)
{
    fputs("usage: vanish remove INPUT --point N:X,Y [--neg N:X,Y ...] [--box N:X0,Y0,X1,Y1]\n"
          "                     [--masks-out DIR] [--rigid] [--overlay-mask LOGO.png | --auto-overlay]\n"
          "                     -o OUTPUT\n\n"
          "Remove the object under the clicks: its mask is made on frame N from the points and box\n"
          "(vanish segment), followed through every frame (vanish track) and filled (vanish\n"
          "inpaint); the output keeps the input's sound, timing and metadata. Prompts on several\n"
          "frames make several keyframes. A watermark or logo whose tracked masks stay put while\n"
          "the picture round it moves is taken as a static overlay, its mask grown from the\n"
          "clicked part to its other parts: with --method auto (the default) the picture under\n"
          "it is un-blended where it shows through.\n\n"
          "  --point N:X,Y         a point on the object on frame N (repeatable)\n"
          "  --neg N:X,Y           a point on the background on frame N (repeatable)\n"
          "  --box N:X0,Y0,X1,Y1   a box around the object on frame N\n"
          "  --masks-out DIR       also keep the tracked masks (DIR/00000.png, ...): what is removed\n"
          "                        (a watermark's footprint, grown from the click)\n"
          "  --rigid               the object is a logo or lies on a flat surface\n"
          "  --overlay-mask PNG    also remove a static watermark with this footprint (one PNG for\n"
          "                        every frame): un-blended where see-through (method auto), while\n"
          "                        the clicked object is filled, also where it crosses it\n"
          "  --auto-overlay        the same with the watermark found (see 'vanish detect-overlay')\n"
          "  --crf N               H.264 quality (default 18)\n"
          "  -o, --output OUTPUT   the output video\n\n"
          "Fill options:\n", f);
    cli_print_table(f, vn_inpaint_options(), s);
    fputc('\n', f);
    cli_print_common(f);
}

typedef struct Prompts {
    int64_t frame[MAX_PROMPTS];
    VnPrompt p[MAX_PROMPTS];
    int n;
} Prompts;

/* Parse "N:A,B[,C,D]" into a prompt; 0 or an exit status. */
static int add_prompt(Prompts *ps, int type, const char *flag, const char *v)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    int c[4] = {0, 0, 0, 0}, k = type == VN_PROMPT_BOX ? 4 : 2;
    if (end == v || *end != ':' || n < 0)
        return cli_error("%s: '%s' is not N:%s (frame, colon, coordinates)", flag, v, k == 4 ? "X0,Y0,X1,Y1" : "X,Y") + 1;
    const char *t = end + 1;
    for (int i = 0; i < k; i++) {
        long x = strtol(t, &end, 10);
        if (end == t || x < -1000000 || x > 1000000 || (i + 1 < k ? *end != ',' : *end != 0))
            return cli_error("%s: '%s' is not N:%s", flag, v, k == 4 ? "X0,Y0,X1,Y1" : "X,Y") + 1;
        c[i] = (int)x;
        t = end + 1;
    }
    if (ps->n >= MAX_PROMPTS)
        return cli_error("remove: more than %d prompts", MAX_PROMPTS) + 1;
    ps->frame[ps->n] = n;
    ps->p[ps->n++] = (VnPrompt){type, c[0], c[1], c[2], c[3]};
    return 0;
}

/* The RGB frame `index` of the input, owned by the caller. */
static int read_frame(VnContext *ctx, const char *input, int64_t index, VnImage **img)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int ret;
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        return cli_fail(ctx, ret, input);
    for (int64_t k = 0; k <= index; k++) {
        vn_frame_free(&f);
        if ((ret = vn_video_read(r, &f)) <= 0) {
            vn_video_close(&r);
            return ret < 0 ? cli_fail(ctx, ret, input) : cli_error("%s: has no frame %lld", input, (long long)index);
        }
    }
    VnImage *rgb = vn_frame_rgb(f);
    if ((ret = vn_image_alloc(img, rgb->width, rgb->height, 3, VN_U8)) >= 0)
        ret = vn_image_copy(*img, rgb);
    vn_frame_free(&f);
    vn_video_close(&r);
    return ret < 0 ? cli_fail(ctx, ret, input) : 0;
}

/* The object's mask on frame `frame` from the prompts given for it (id 1). */
static int segment_key(VnContext *ctx, const char *input, const Prompts *ps, int64_t frame, VnImage **mask)
{
    VnPrompt p[MAX_PROMPTS];
    VnSegmentSettings ss;
    VnSegmenter *seg = NULL;
    VnSegmentResult res = {0};
    VnImage *img = NULL;
    int n = 0, ret;
    for (int i = 0; i < ps->n; i++)
        if (ps->frame[i] == frame)
            p[n++] = ps->p[i];
    if ((ret = read_frame(ctx, input, frame, &img)))
        return ret;
    vn_segment_default_settings(&ss);
    ss.candidates = 1;
    if ((ret = vn_segmenter_open(ctx, &seg, img, &ss)) < 0 || (ret = vn_segmenter_run(seg, p, n, NULL, &res)) < 0) {
        ret = cli_fail(ctx, ret, input);
        goto done;
    }
    *mask = res.c[0].mask, res.c[0].mask = NULL;
    for (int y = 0; y < (*mask)->height; y++)
        for (int x = 0; x < (*mask)->width; x++)
            vn_image_row(*mask, y)[x] = vn_image_row(*mask, y)[x] != 0;
    ret = 0;
done:
    vn_segment_result_free(&res);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    return ret;
}

/* Remove a directory of masks made for this run. */
static void remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4400];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

typedef struct Run {
    const char *input, *output, *masks_out;
    VnInpaintSources src; /* the overlay given or found beside the clicked object */
    int rigid;
    VnInpaintSettings is;
    VnWriterSettings ws;
} Run;

/* Segment every keyframe, track, fill. */
static int run(VnContext *ctx, const Run *r, const Prompts *ps, int overwrite)
{
    VnTrackKey keys[MAX_KEYS];
    VnImage *masks[MAX_KEYS] = {NULL};
    VnInpaintSources src;
    VnTrackSettings ts;
    char tmp[4096] = "", masks_dir[4096];
    int n = 0, status = 1, ret;
    for (int i = 0; i < ps->n; i++) {
        int seen = 0;
        for (int k = 0; k < n; k++)
            seen |= keys[k].frame == ps->frame[i];
        if (seen)
            continue;
        if (n >= MAX_KEYS) {
            cli_error("remove: prompts on more than %d frames", MAX_KEYS);
            goto done;
        }
        keys[n].frame = ps->frame[i];
        if (segment_key(ctx, r->input, ps, ps->frame[i], &masks[n]))
            goto done;
        keys[n].mask = masks[n];
        n++;
    }
    if (r->masks_out) {
        snprintf(masks_dir, sizeof(masks_dir), "%s", r->masks_out);
    } else {
        const char *td = getenv("TMPDIR");
        snprintf(tmp, sizeof(tmp), "%s/vanish-masks-XXXXXX", td && *td ? td : "/tmp");
        if (!mkdtemp(tmp)) {
            tmp[0] = 0;
            cli_error("remove: cannot make a temporary directory for the masks");
            goto done;
        }
        snprintf(masks_dir, sizeof(masks_dir), "%s", tmp);
    }
    vn_track_default_settings(&ts);
    if (r->rigid)
        ts.mode = VN_TRACK_RIGID;
    int64_t nt = vn_track_to_dir(ctx, r->input, keys, n, masks_dir, overwrite || tmp[0], &ts);
    cli_progress_done();
    if (nt < 0) {
        cli_fail(ctx, (int)nt, r->input);
        goto done;
    }
    src = r->src;
    src.masks = masks_dir;
    ret = vn_inpaint_file_sources(ctx, r->input, &src, r->output, &r->is, &r->ws, NULL, NULL);
    cli_progress_done();
    if (ret < 0) {
        cli_fail(ctx, ret, r->output);
        goto done;
    }
    status = 0;
done:
    if (tmp[0])
        remove_dir(tmp);
    for (int k = 0; k < MAX_KEYS; k++)
        vn_image_free(&masks[k]);
    return status;
}

/* One flag of the command; 1 consumed, 0 not ours, or an exit status + 10. */
static int parse_flag(Run *r, Prompts *ps, int argc, char **argv, int *i, int *bad)
{
    const char *v;
    int ret;
    if ((v = cli_flag_value("--point", argc, argv, i, bad)))
        return (ret = add_prompt(ps, VN_PROMPT_POSITIVE, "--point", v)) ? ret + 10 : 1;
    if ((v = cli_flag_value("--neg", argc, argv, i, bad)))
        return (ret = add_prompt(ps, VN_PROMPT_NEGATIVE, "--neg", v)) ? ret + 10 : 1;
    if ((v = cli_flag_value("--box", argc, argv, i, bad)))
        return (ret = add_prompt(ps, VN_PROMPT_BOX, "--box", v)) ? ret + 10 : 1;
    if ((v = cli_flag_value("--masks-out", argc, argv, i, bad)))
        return r->masks_out = v, 1;
    if ((v = cli_flag_value("-o", argc, argv, i, bad)) || (v = cli_flag_value("--output", argc, argv, i, bad)))
        return r->output = v, 1;
    if ((v = cli_flag_value("--crf", argc, argv, i, bad))) {
        if (sscanf(v, "%d", &r->ws.crf) != 1 || r->ws.crf < 0 || r->ws.crf > 51)
            return cli_error("--crf: '%s' is not 0..51", v) + 1 + 10;
        return 1;
    }
    if ((v = cli_flag_value("--overlay-mask", argc, argv, i, bad)))
        return r->src.overlay = v, 1;
    if (!strcmp(argv[*i], "--auto-overlay"))
        return r->src.detect_overlay = 1, 1;
    if (!strcmp(argv[*i], "--rigid"))
        return r->rigid = 1, 1;
    return 0;
}

int cmd_remove(int argc, char **argv)
{
    Run r = {0};
    CliCommon common = {0};
    VnContext *ctx = NULL;
    Prompts *ps = calloc(1, sizeof(*ps));
    int ret, bad = 0, status = 2;
    if (!ps)
        return cli_error("remove: out of memory");
    vn_inpaint_default_settings(&r.is);
    vn_writer_default_settings(&r.ws);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout, &r.is);
            status = 0;
            goto done;
        }
        if ((ret = cli_common_flag(&common, argc, argv, &i)) ||
            (ret = cli_table_flag(vn_inpaint_options(), &r.is, argc, argv, &i))) {
            if (ret < 0)
                goto done;
            continue;
        }
        if ((ret = parse_flag(&r, ps, argc, argv, &i, &bad)) == 1)
            continue;
        if (ret > 1) {
            status = ret - 10;
            goto done;
        }
        if (bad)
            goto done;
        if (a[0] == '-' && a[1]) {
            status = cli_error("remove: unknown option '%s' (see 'vanish remove --help')", a) + 1;
            goto done;
        }
        if (r.input) {
            status = cli_error("remove: unexpected argument '%s'", a) + 1;
            goto done;
        }
        r.input = a;
    }
    if (bad)
        goto done;
    if (r.src.overlay && r.src.detect_overlay) {
        status = cli_error("remove: --overlay-mask and --auto-overlay exclude each other") + 1;
        goto done;
    }
    if (!r.input || !r.output || ps->n == 0) {
        status = cli_error("remove: needs INPUT, a --point or --box and -o OUTPUT (see 'vanish remove --help')") + 1;
        goto done;
    }
    r.ws.overwrite = common.overwrite;
    status = cli_open_context(&ctx, &common) ? 1 : run(ctx, &r, ps, common.overwrite);
done:
    free(ps);
    vn_close(&ctx);
    return status;
}
