/* vanish track: masks on keyframes → a mask for every frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "vanish/track.h"
#include "vanish/video.h"

#define MAX_KEYS 256

static void help(FILE *f, const VnTrackSettings *s)
{
    fputs("usage: vanish track INPUT --mask N:MASK.png [--mask M:MASK.png ...] -o OUTDIR/ [--rigid]\n"
          "       vanish track INPUT --mask N:EDITED.png [...] --update OUTDIR/\n\n"
          "Follow the objects of the keyframe masks through every frame of INPUT and write\n"
          "OUTDIR/00000.png, 00001.png, ... (DAVIS convention: grey 0/255 for one object, palette\n"
          "ids for several). Between two keyframes the nearer one wins, handing over smoothly.\n\n"
          "  --mask N:MASK.png   the mask of frame N (from 0): grey, 0/255, or palette ids\n"
          "                      (repeatable, one per keyframe); an empty mask: the object\n"
          "                      is gone on that frame\n"
          "  -o, --output DIR    the output directory (-y replaces the masks of a non-empty one);\n"
          "                      OUTDIR/keyframes.json records the keyframes and settings\n"
          "  --update DIR        DIR holds masks tracked before: the --mask files are edits that\n"
          "                      become keyframes; only the frames they affect (up to the\n"
          "                      keyframes before and after) are tracked again and rewritten,\n"
          "                      with the recorded settings unless options are given\n"
          "  --rigid             follow a homography only (logos, flat surfaces); same as\n"
          "                      --mode rigid\n\n"
          "Tracking options:\n", f);
    cli_print_table(f, vn_track_options(), s);
    fputc('\n', f);
    cli_print_common(f);
}

typedef struct Keys {
    VnTrackKey k[MAX_KEYS];
    const char *path[MAX_KEYS];
    VnImage *img[MAX_KEYS];
    int n;
} Keys;

/* "N:FILE" → a key to load; 0 or an exit status. */
static int add_key(Keys *k, const char *v)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    if (end == v || *end != ':' || !end[1] || n < 0)
        return cli_error("--mask: '%s' is not N:FILE.png (frame number, colon, file)", v) + 1;
    if (k->n >= MAX_KEYS)
        return cli_error("--mask: more than %d keyframes", MAX_KEYS) + 1;
    k->k[k->n].frame = n;
    k->path[k->n++] = end + 1;
    return 0;
}

/* Load every keyframe mask at the video's size (at w x h if w > 0: the size of the masks
 * being updated). */
static int load_keys(VnContext *ctx, const char *input, Keys *k, int w, int h)
{
    VnVideoReader *r = NULL;
    VnMaskReader *m = NULL;
    int ret;
    if (w <= 0) {
        if ((ret = vn_video_open(ctx, &r, input)) < 0)
            return cli_fail(ctx, ret, input);
        w = vn_video_info(r)->width, h = vn_video_info(r)->height;
        vn_video_close(&r);
    }
    for (int i = 0; i < k->n; i++) {
        if ((ret = vn_image_alloc(&k->img[i], w, h, 1, VN_U8)) < 0)
            return cli_fail(ctx, ret, k->path[i]);
        if ((ret = vn_mask_open(ctx, &m, k->path[i], w, h, -1)) < 0)
            return cli_fail(ctx, ret, k->path[i]);
        ret = vn_mask_read(m, k->img[i]);
        vn_mask_close(&m);
        if (ret <= 0)
            return ret < 0 ? cli_fail(ctx, ret, k->path[i]) : cli_error("%s: holds no mask", k->path[i]);
        k->k[i].mask = k->img[i];
    }
    return 0;
}

/* With --update DIR, start from the settings recorded in DIR (flags then override them) and
 * take the size of its masks into size[2]. */
static int recorded_settings(int argc, char **argv, VnTrackSettings *s, int size[2])
{
    const char *dir = NULL;
    VnContext *ctx = NULL;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--update"))
            dir = argv[i + 1];
    if (!dir)
        return 0;
    VnSettings cs;
    vn_default_settings(&cs);
    cs.n_threads = 1;
    VnTrackRecord *rec = calloc(1, sizeof(*rec));
    int ret = rec ? vn_open(&ctx, &cs) : -1;
    if (ret >= 0 && (ret = vn_track_record_load(ctx, dir, rec)) < 0)
        cli_fail(ctx, ret, dir);
    else if (ret >= 0) {
        *s = rec->settings;
        size[0] = rec->width, size[1] = rec->height;
    }
    else
        cli_error("track: out of memory");
    vn_close(&ctx);
    free(rec);
    return ret < 0;
}

/* Re-track the frames that the edited keyframes affect in `dir`. */
static int run_update(VnContext *ctx, const char *input, const Keys *k, const char *dir, const VnTrackSettings *s,
                      int quiet)
{
    VnTrackUpdateStats st;
    int64_t n = vn_track_update_dir(ctx, input, k->k, k->n, dir, s, &st);
    cli_progress_done();
    if (n < 0)
        return cli_fail(ctx, (int)n, input);
    if (!quiet && st.n_written == 0)
        fprintf(stderr, "vanish: the edits change no mask in %s\n", dir);
    else if (!quiet)
        fprintf(stderr, "vanish: %lld of %lld masks rewritten in %s (frames %lld to %lld, %lld frames tracked)\n",
                (long long)st.n_written, (long long)st.n_frames, dir, (long long)st.first, (long long)st.last,
                (long long)st.n_steps);
    return 0;
}

int cmd_track(int argc, char **argv)
{
    const char *input = NULL, *output = NULL, *update = NULL, *v;
    VnTrackSettings s;
    CliCommon common = {0};
    VnContext *ctx = NULL;
    Keys *k = calloc(1, sizeof(*k));
    int ret, bad = 0, status = 1, size[2] = {0, 0};
    if (!k)
        return cli_error("track: out of memory");
    vn_track_default_settings(&s);
    if (recorded_settings(argc, argv, &s, size))
        goto done;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            help(stdout, &s);
            status = 0;
            goto done;
        }
        if ((ret = cli_common_flag(&common, argc, argv, &i)) || (ret = cli_table_flag(vn_track_options(), &s, argc, argv, &i))) {
            if (ret < 0) {
                status = 2;
                goto done;
            }
            continue;
        }
        if ((v = cli_flag_value("--mask", argc, argv, &i, &bad))) {
            if ((status = add_key(k, v)))
                goto done;
            status = 1;
        } else if ((v = cli_flag_value("-o", argc, argv, &i, &bad)) || (v = cli_flag_value("--output", argc, argv, &i, &bad)))
            output = v;
        else if ((v = cli_flag_value("--update", argc, argv, &i, &bad)))
            update = v;
        else if (!strcmp(a, "--rigid"))
            s.mode = VN_TRACK_RIGID;
        else if (bad)
            break;
        else if (a[0] == '-' && a[1]) {
            status = cli_error("track: unknown option '%s' (see 'vanish track --help')", a) + 1;
            goto done;
        } else if (!input)
            input = a;
        else {
            status = cli_error("track: unexpected argument '%s'", a) + 1;
            goto done;
        }
    }
    if (bad) {
        status = 2;
        goto done;
    }
    if (update && output) {
        status = cli_error("track: --update DIR rewrites DIR in place; -o is not used with it") + 1;
        goto done;
    }
    if (update) {
        if (!input || k->n == 0) {
            status = cli_error("track: --update needs INPUT and at least one --mask N:EDITED.png") + 1;
            goto done;
        }
        if (!cli_open_context(&ctx, &common) && !load_keys(ctx, input, k, size[0], size[1]))
            status = run_update(ctx, input, k, update, &s, common.quiet) ? 1 : 0;
        goto done;
    }
    if (!input || !output || k->n == 0) {
        status = cli_error("track: needs INPUT, at least one --mask N:MASK.png and -o OUTDIR/ (see 'vanish track --help')") + 1;
        goto done;
    }
    if (cli_open_context(&ctx, &common) || load_keys(ctx, input, k, 0, 0))
        goto done;
    int64_t n = vn_track_to_dir(ctx, input, k->k, k->n, output, common.overwrite, &s);
    cli_progress_done();
    if (n < 0) {
        cli_fail(ctx, (int)n, input);
        goto done;
    }
    if (!common.quiet)
        fprintf(stderr, "vanish: %lld masks in %s\n", (long long)n, output);
    status = 0;
done:
    for (int i = 0; i < k->n; i++)
        vn_image_free(&k->img[i]);
    free(k);
    vn_close(&ctx);
    return status;
}
