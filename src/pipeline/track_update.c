/*
 * vn_track_update_dir: masks edited on some frames of a tracked output become keyframes; the
 * plan (track_plan.c) says which frames that changes, the tracking job runs only as far as
 * those frames need, and only their PNGs are rewritten (through a temporary directory moved
 * in at the end, with the new keyframes.json).
 */
#include "vanish/track.h"
#include "vanish/video.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/internal.h"
#include "pipeline/track_dir.h"
#include "pipeline/track_job.h"
#include "pipeline/track_record.h"

typedef struct Update {
    VnContext *ctx;
    const char *input, *outdir;
    VnTrackRecord *rec;          /* as found in outdir, then as it will be */
    int64_t old_keys[VN_TRACK_MAX_KEYS], edited[VN_TRACK_MAX_KEYS];
    int n_old, n_edited;
    VnTrackKey keys[VN_TRACK_MAX_KEYS];
    VnImage *loaded[VN_TRACK_MAX_KEYS]; /* masks of the keyframes kept, read from outdir */
    int n_keys;
    VniDirSink sink;
} Update;

/* Every edit is a frame of the record's video, of its size, once. */
static int check_edits(Update *u, const VnTrackKey *edits, int n)
{
    const VnTrackRecord *r = u->rec;
    for (int i = 0; i < n; i++) {
        const VnImage *m = edits[i].mask;
        if (edits[i].frame < 0 || edits[i].frame >= r->n_frames)
            return vni_error(u->ctx, -EINVAL, "track: frame %lld is out of range: %s holds frames 0 to %lld",
                             (long long)edits[i].frame, u->outdir, (long long)(r->n_frames - 1));
        if (!m || m->width != r->width || m->height != r->height || m->channels != 1 || m->type != VN_U8)
            return vni_error(u->ctx, VN_ERR_MISMATCH, "track: the mask of frame %lld is %dx%d, the tracked masks %dx%d",
                             (long long)edits[i].frame, m ? m->width : 0, m ? m->height : 0, r->width, r->height);
        u->edited[i] = edits[i].frame;
    }
    qsort(u->edited, (size_t)n, sizeof(int64_t), vni_cmp_i64);
    for (int i = 1; i < n; i++)
        if (u->edited[i] == u->edited[i - 1])
            return vni_error(u->ctx, -EINVAL, "track: two masks for frame %lld", (long long)u->edited[i]);
    u->n_edited = n;
    return 0;
}

/* 1 if frame is one of the edits. */
static int is_edited(const Update *u, int64_t frame)
{
    return bsearch(&frame, u->edited, (size_t)u->n_edited, sizeof(int64_t), vni_cmp_i64) != NULL;
}

/* The mask of a kept keyframe, from its PNG in outdir. */
static int load_key(Update *u, int64_t frame, VnImage **out)
{
    char path[4200];
    VnMaskReader *m = NULL;
    int ret;
    snprintf(path, sizeof(path), "%s/%05lld.png", u->outdir, (long long)frame);
    if ((ret = vn_image_alloc(out, u->rec->width, u->rec->height, 1, VN_U8)) < 0 ||
        (ret = vn_mask_open(u->ctx, &m, path, u->rec->width, u->rec->height, -1)) < 0)
        return ret;
    ret = vn_mask_read(m, *out);
    vn_mask_close(&m);
    return ret < 0 ? ret : ret == 0 ? vni_error(u->ctx, VN_ERR_INVALIDDATA, "%s: holds no mask", path) : 0;
}

/* The keyframes from now on: the edits, and the recorded keyframes not edited (loaded). */
static int merge_keys(Update *u, const VnTrackKey *edits, int n_edits)
{
    int ret, n = 0;
    for (int i = 0; i < n_edits; i++)
        u->keys[n++] = edits[i];
    for (int i = 0; i < u->rec->n_keys; i++) {
        int64_t k = u->rec->keys[i];
        if (is_edited(u, k))
            continue;
        if (n >= VN_TRACK_MAX_KEYS)
            return vni_error(u->ctx, -EINVAL, "track: more than %d keyframes", VN_TRACK_MAX_KEYS);
        if ((ret = load_key(u, k, &u->loaded[i])) < 0)
            return ret;
        u->keys[n++] = (VnTrackKey){k, u->loaded[i]};
        if ((ret = vni_progress(u->ctx, "load", (double)(i + 1) / u->rec->n_keys)) < 0)
            return ret;
    }
    qsort(u->keys, (size_t)n, sizeof(VnTrackKey), vni_cmp_track_key);
    u->n_keys = n;
    return 0;
}

/* 1 if images a and b (same geometry) hold the same pixels. */
static int same_mask(const VnImage *a, const VnImage *b)
{
    for (int y = 0; y < a->height; y++)
        if (memcmp(vn_image_row(a, y), vn_image_row(b, y), (size_t)a->width))
            return 0;
    return 1;
}

/* An edit that gives a keyframe the mask it has already changes nothing: it is not counted as
 * edited (so re-sending every keyframe rewrites nothing). */
static int drop_unchanged(Update *u, const VnTrackKey *edits, int n_edits)
{
    int n = 0, ret = 0;
    VnImage *cur = NULL;
    for (int i = 0; i < n_edits && ret >= 0; i++) {
        int64_t f = edits[i].frame;
        int was_key = bsearch(&f, u->old_keys, (size_t)u->n_old, sizeof(int64_t), vni_cmp_i64) != NULL;
        if (!was_key || (ret = load_key(u, f, &cur)) < 0 || !same_mask(cur, edits[i].mask))
            u->edited[n++] = f;
        vn_image_free(&cur);
    }
    qsort(u->edited, (size_t)n, sizeof(int64_t), vni_cmp_i64);
    u->n_edited = n;
    return ret;
}

/* Every mask of the record is there: a directory missing some would be patched, not updated. */
static int check_files(Update *u)
{
    char path[4200];
    struct stat st;
    for (int64_t i = 0; i < u->rec->n_frames; i++) {
        snprintf(path, sizeof(path), "%s/%05lld.png", u->outdir, (long long)i);
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
            return vni_error(u->ctx, -ENOENT, "%s: missing; %s records %lld masks", path, VNI_TRACK_RECORD_NAME,
                             (long long)u->rec->n_frames);
    }
    return 0;
}

/* The input is the video the masks were tracked on, as far as its header tells. */
static int check_input(Update *u)
{
    VnVideoReader *r = NULL;
    int ret = vn_video_open(u->ctx, &r, u->input);
    if (ret < 0)
        return ret;
    const VnVideoInfo *info = vn_video_info(r);
    if (info->width != u->rec->width || info->height != u->rec->height)
        ret = vni_error(u->ctx, VN_ERR_MISMATCH, "%s: is %dx%d, the masks in %s were tracked at %dx%d", u->input,
                        info->width, info->height, u->outdir, u->rec->width, u->rec->height);
    else if (info->n_frames_header > 0 && info->n_frames_header != u->rec->n_frames)
        ret = vni_error(u->ctx, VN_ERR_MISMATCH, "%s: has %lld frames, %s holds %lld masks", u->input,
                        (long long)info->n_frames_header, u->outdir, (long long)u->rec->n_frames);
    vn_video_close(&r);
    return ret;
}

/* Track the changed frames into a temporary directory, then move them and the record in. */
static int64_t retrack(Update *u, const VnTrackSettings *s, int64_t *n_steps)
{
    VniTrackPlan plan = {u->old_keys, u->n_old, NULL, u->n_keys, u->edited, u->n_edited, u->rec->n_frames};
    int64_t keys[VN_TRACK_MAX_KEYS], ret;
    for (int i = 0; i < u->n_keys; i++)
        keys[i] = u->keys[i].frame;
    plan.keys = keys;
    snprintf(u->sink.dir, sizeof(u->sink.dir), "%s.tmp-XXXXXX", u->outdir);
    if (!mkdtemp(u->sink.dir))
        return vni_error(u->ctx, -errno, "%s: cannot make a temporary directory beside it: %s", u->outdir, strerror(errno));
    u->sink.binary = vni_only_id_one(u->keys, u->n_keys);
    ret = vni_track_run(u->ctx, u->input, u->keys, u->n_keys, s, &plan, vni_dir_sink_write, &u->sink, n_steps);
    if (ret >= 0) {
        int r = vni_track_record_make(u->ctx, u->rec, u->keys, u->n_keys, u->rec->n_frames, s);
        if (r >= 0)
            r = vni_track_record_write(u->ctx, u->sink.dir, u->rec);
        if (r >= 0 && (r = vni_dir_move_files(u->sink.dir, u->outdir)) < 0)
            vni_error(u->ctx, r, "%s: cannot move the new masks into it: %s", u->outdir, strerror(-r));
        if (r < 0)
            ret = r;
    }
    if (ret < 0)
        vni_dir_remove(u->sink.dir);
    return ret;
}

static int64_t update(Update *u, const VnTrackKey *edits, int n_edits, const VnTrackSettings *s, int64_t *n_steps)
{
    int64_t ret;
    VnTrackSettings set;
    if ((ret = vn_track_record_load(u->ctx, u->outdir, u->rec)) < 0 || (ret = check_files(u)) < 0 ||
        (ret = check_input(u)) < 0 || (ret = check_edits(u, edits, n_edits)) < 0)
        return ret;
    set = s ? *s : u->rec->settings;
    u->n_old = u->rec->n_keys;
    memcpy(u->old_keys, u->rec->keys, sizeof(int64_t) * (size_t)u->n_old);
    if ((ret = merge_keys(u, edits, n_edits)) < 0 || (ret = drop_unchanged(u, edits, n_edits)) < 0)
        return ret;
    return retrack(u, &set, n_steps);
}

int64_t vn_track_update_dir(VnContext *ctx, const char *input, const VnTrackKey *edits, int n_edits,
                            const char *outdir, const VnTrackSettings *s, VnTrackUpdateStats *stats)
{
    Update *u;
    char out[4096];
    int64_t ret, n_steps = 0;
    if (!ctx || !input || !outdir || !*outdir || strlen(outdir) >= sizeof(out) - 32 || !edits || n_edits < 1)
        return ctx ? vni_error(ctx, -EINVAL, "track: an input, a masks directory and at least one edited mask are needed")
                   : -EINVAL;
    if (n_edits > VN_TRACK_MAX_KEYS)
        return vni_error(ctx, -EINVAL, "track: more than %d edited masks", VN_TRACK_MAX_KEYS);
    snprintf(out, sizeof(out), "%s", outdir);
    for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
        out[n - 1] = 0;
    if (!(u = vni_calloc_array(1, sizeof(*u))) || !(u->rec = vni_calloc_array(1, sizeof(*u->rec)))) {
        vni_free(u);
        return vni_error(ctx, -ENOMEM, "%s: out of memory", outdir);
    }
    u->ctx = ctx, u->input = input, u->outdir = out;
    u->sink = (VniDirSink){ctx, "", 1, 0, -1, -1};
    ret = update(u, edits, n_edits, s, &n_steps);
    if (stats && ret >= 0)
        *stats = (VnTrackUpdateStats){u->rec->n_frames, u->sink.first, u->sink.last, u->sink.n_written, n_steps};
    for (int i = 0; i < VN_TRACK_MAX_KEYS; i++)
        vn_image_free(&u->loaded[i]);
    vni_free(u->rec);
    vni_free(u);
    return ret;
}
