/*
 * The tracking job over a video (vn_track_video). Keyframes k0 < k1 < ... split the video:
 * before k0 one backward propagation, between two keyframes a backward propagation from the
 * later one (spooled) and a forward one from the earlier one, blended by the hand-over, after
 * the last keyframe one forward propagation. Forward passes stream from one reader; backward
 * passes decode with a second reader in chunks of s->chunk frames, last chunk first (rewinding
 * and decoding forward to each chunk's start), so that at most a chunk of frames is held.
 * Masks come out in frame order through the sink. A propagation runs only as far as its masks
 * are used: the forward one up to the last frame where its weight is above 0, the backward one
 * down to the first. With a plan (vn_track_update_dir), only the frames whose mask the plan
 * changes come out, and the propagations run only as far as those frames need.
 *
 * Without a plan, the masks of one object (ids 0 and 1) are held back in a spool until the end:
 * a click on a semi-transparent watermark is tracked as a mask that stays put, and such masks are
 * a static overlay whose footprint the overlay model grows from the clicked part
 * (vni_masks_static_grow); that footprint, what the fill removes, then goes to the sink for every
 * frame.
 */
#include "vanish/track.h"
#include "vanish/video.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "pipeline/mask_spool.h"
#include "pipeline/mask_static.h"
#include "pipeline/track_dir.h"
#include "pipeline/track_job.h"
#include "track/tracker.h"

typedef struct Job {
    VnContext *ctx;
    const char *input;
    VnTrackSettings s;
    VnTrackKey *keys;        /* sorted by frame */
    int n_keys;
    VnMaskSinkFn sink;
    void *cookie;
    VnVideoReader *fwd, *bwd;
    int64_t bwd_next;        /* index of the next frame the backward reader gives */
    VnFrame *pending;        /* frame the forward reader read ahead */
    VniSpool *spool;
    VniSpool *held;          /* the masks held back (frames 0 .. n_held - 1); NULL: none are */
    int64_t n_held;
    VnImage *m0, *m1;        /* frame-size masks */
    VnImage **chunk;         /* the backward chunk's frames */
    int w, h;
    const VniTrackPlan *plan; /* NULL: every frame */
    int64_t n_total, n_done;  /* frames to emit (0 if unknown), emitted */
    int64_t n_steps;          /* tracker steps */
} Job;

/* The frames after keyframe a up to the next keyframe (or the end) that a job handles: the
 * last frame to emit (hi), the last one that needs the forward propagation (fwd_hi) and the
 * first one that needs the backward propagation from the next keyframe (bwd_lo); -1 for none. */
typedef struct Span {
    int64_t hi, fwd_hi, bwd_lo;
} Span;

int vni_cmp_track_key(const void *a, const void *b)
{
    return vni_cmp_i64(&((const VnTrackKey *)a)->frame, &((const VnTrackKey *)b)->frame);
}

static void job_close(Job *j)
{
    vn_video_close(&j->fwd);
    vn_video_close(&j->bwd);
    vn_frame_free(&j->pending);
    vni_spool_close(&j->spool);
    vni_spool_close(&j->held);
    vn_image_free(&j->m0);
    vn_image_free(&j->m1);
    for (int i = 0; j->chunk && i < j->s.chunk; i++)
        vn_image_free(&j->chunk[i]);
    vni_free(j->chunk);
    vni_free(j->keys);
}

/* The held masks to the sink as they are; the masks after them go there directly. */
static int release(Job *j)
{
    int ret = 0;
    for (int64_t i = 0; i < j->n_held && ret >= 0; i++)
        if ((ret = vni_spool_get(j->held, i, j->m1)) >= 0)
            ret = j->sink(j->cookie, i, j->m1);
    vni_spool_close(&j->held);
    return ret;
}

/* Hold mask `frame` back (the frames come in order, none left out, without a plan: else they go
 * as they are). */
static int hold(Job *j, int64_t frame, const VnImage *mask)
{
    int ret;
    if (frame != j->n_held)
        return (ret = release(j)) < 0 ? ret : j->sink(j->cookie, frame, mask);
    j->n_held++;
    return vni_spool_put(j->held, frame, mask);
}

/* Hand a mask to the sink (or hold it back), with progress. */
static int emit(Job *j, int64_t frame, const VnImage *mask)
{
    int ret = j->held ? hold(j, frame, mask) : j->sink(j->cookie, frame, mask);
    if (ret < 0)
        return ret;
    j->n_done++;
    return j->n_total > 0 ? vni_progress(j->ctx, "track", VNI_MIN(1.0, (double)j->n_done / j->n_total)) : 0;
}

/* 1 if frame i's mask is to be emitted. */
static int need(const Job *j, int64_t i)
{
    return !j->plan || vni_track_plan_need(j->plan, i);
}

/* Weight of the backward propagation from `next` at frame i after keyframe k. */
static float weight(const VnTrackKey *k, const VnTrackKey *next, int64_t i)
{
    return next ? vni_handover_weight(k->frame, next->frame, i) : 0.0f;
}

/* What the job does between keyframe k and `next` (NULL: to the end). */
static Span span(const Job *j, const VnTrackKey *k, const VnTrackKey *next)
{
    Span r = {-1, -1, -1};
    int64_t end = next ? next->frame : j->plan ? j->plan->n_frames : INT64_MAX;
    if (!next && !j->plan)
        return (Span){INT64_MAX, INT64_MAX, -1};
    for (int64_t i = k->frame + 1; i < end; i++) {
        if (!need(j, i))
            continue;
        float w = weight(k, next, i);
        r.hi = i;
        if (w < 1)
            r.fwd_hi = i;
        if (w > 0 && r.bwd_lo < 0)
            r.bwd_lo = i;
    }
    return r;
}

/* The forward reader's next frame (the read-ahead one first); 0 at the end. */
static int fwd_read(Job *j, VnFrame **f)
{
    if (j->pending) {
        *f = j->pending;
        j->pending = NULL;
        return 1;
    }
    return vn_video_read(j->fwd, f);
}

/* ---- backward ---- */

/* Decode frames [s, e] into the chunk with the backward reader. */
static int load_chunk(Job *j, int64_t s, int64_t e)
{
    VnFrame *f = NULL;
    int ret;
    if (j->bwd_next > s) {
        if ((ret = vn_video_rewind(j->bwd)) < 0)
            return ret;
        j->bwd_next = 0;
    }
    while (j->bwd_next <= e) {
        if ((ret = vn_video_read(j->bwd, &f)) <= 0)
            return ret ? ret : vni_error(j->ctx, -EINVAL, "%s: has only %lld frames, no frame %lld",
                                         j->input, (long long)j->bwd_next, (long long)e);
        VnImage *rgb = vn_frame_rgb(f);
        if (j->bwd_next >= s) {
            VnImage **slot = &j->chunk[j->bwd_next - s];
            if (rgb->width != j->w || rgb->height != j->h)
                ret = vni_error(j->ctx, VN_ERR_MISMATCH, "%s: frame %lld changes size", j->input, (long long)j->bwd_next);
            else if (!*slot && (ret = vn_image_alloc(slot, j->w, j->h, 3, VN_U8)) < 0)
                ;
            else
                ret = vn_image_copy(*slot, rgb);
        }
        vn_frame_free(&f);
        if (ret < 0)
            return ret;
        j->bwd_next++;
    }
    return 0;
}

/* 1 if mask m holds no object. */
static int mask_empty(const VnImage *m)
{
    for (int y = 0; y < m->height; y++) {
        const uint8_t *r = vn_image_row(m, y);
        for (int x = 0; x < m->width; x++)
            if (r[x])
                return 0;
    }
    return 1;
}

static void mask_clear(VnImage *m)
{
    for (int y = 0; y < m->height; y++)
        memset(vn_image_row(m, y), 0, (size_t)m->width);
}

/* An empty keyframe (the object is hidden or gone there) propagates as empty masks. */
static int backward_empty(Job *j, const VnTrackKey *k, int64_t stop)
{
    int ret = 0;
    mask_clear(j->m0);
    for (int64_t i = k->frame - 1; i >= stop && ret >= 0; i--)
        ret = vni_spool_put(j->spool, i, j->m0);
    return ret;
}

/* Track backward from key k down to frame `stop`, spooling each frame's mask. */
static int backward(Job *j, const VnTrackKey *k, int64_t stop)
{
    VnTracker *t = NULL;
    int ret = 0;
    if (mask_empty(k->mask))
        return backward_empty(j, k, stop);
    for (int64_t e = k->frame; e >= stop && ret >= 0;) {
        int64_t s = VNI_MAX(stop, e - j->s.chunk + 1);
        if ((ret = load_chunk(j, s, e)) < 0)
            break;
        for (int64_t i = e; i >= s && ret >= 0; i--) {
            VnImage *rgb = j->chunk[i - s];
            if (!t)
                ret = vn_tracker_open(j->ctx, &t, rgb, k->mask, &j->s);
            else if ((ret = vn_tracker_step(t, rgb, j->m0)) >= 0) {
                j->n_steps++;
                ret = vni_spool_put(j->spool, i, j->m0);
            }
        }
        e = s - 1;
    }
    vn_tracker_close(&t);
    return ret;
}

/* ---- forward ---- */

/* Read forward frames up to key k; returns its frame in *f. */
static int seek_key(Job *j, const VnTrackKey *k, VnFrame **f)
{
    int ret;
    for (;;) {
        if ((ret = fwd_read(j, f)) <= 0)
            return ret ? ret : vni_error(j->ctx, -EINVAL, "%s: keyframe %lld is past the end of the video",
                                         j->input, (long long)k->frame);
        if (vn_frame_index(*f) == k->frame)
            return 0;
        vn_frame_free(f);
    }
}

/* The mask of frame i into m0: the forward tracker's (already in m0 when w < 1), blended with
 * the spooled backward one by the hand-over weight w. */
static int frame_mask(Job *j, float w, int64_t i)
{
    int ret;
    if (w <= 0)
        return 0;
    if ((ret = vni_spool_get(j->spool, i, j->m1)) < 0)
        return ret;
    if (w >= 1)
        return vn_image_copy(j->m0, j->m1);
    return vni_mask_handover(j->m0, j->m1, w, j->m0);
}

/* One frame after keyframe k: step the forward tracker while its mask is needed, emit the
 * frame's mask if it is to be emitted. */
static int forward_frame(Job *j, VnTracker *t, const VnTrackKey *k, const VnTrackKey *next, const Span *r,
                         VnFrame *f)
{
    int64_t i = vn_frame_index(f);
    float w = weight(k, next, i);
    int ret;
    if (i <= r->fwd_hi && !t)
        mask_clear(j->m0); /* from an empty keyframe */
    else if (i <= r->fwd_hi) {
        if ((ret = vn_tracker_step(t, vn_frame_rgb(f), j->m0)) < 0)
            return ret;
        j->n_steps++;
    }
    if (!need(j, i))
        return 0;
    if ((ret = frame_mask(j, w, i)) < 0)
        return ret;
    return emit(j, i, j->m0);
}

/* Track forward from key k over the span r (up to `next` or the end), emitting masks. */
static int forward(Job *j, const VnTrackKey *k, const VnTrackKey *next, const Span *r)
{
    VnTracker *t = NULL;
    VnFrame *f = NULL;
    int ret;
    if (r->hi < 0 && !need(j, k->frame))
        return 0;
    if ((ret = seek_key(j, k, &f)) < 0)
        goto done;
    if (r->fwd_hi > k->frame && !mask_empty(k->mask) &&
        (ret = vn_tracker_open(j->ctx, &t, vn_frame_rgb(f), k->mask, &j->s)) < 0)
        goto done;
    if (need(j, k->frame) && (ret = emit(j, k->frame, k->mask)) < 0)
        goto done;
    for (;;) {
        vn_frame_free(&f);
        if ((ret = fwd_read(j, &f)) <= 0)
            break;
        if (vn_frame_index(f) > r->hi || (next && vn_frame_index(f) >= next->frame)) {
            j->pending = f, f = NULL;
            break;
        }
        if ((ret = forward_frame(j, t, k, next, r, f)) < 0)
            break;
    }
done:
    vn_frame_free(&f);
    vn_tracker_close(&t);
    return ret;
}

/* ---- the job ---- */

static int job_open(Job *j, const VnTrackKey *keys, int n_keys)
{
    int ret;
    const VnVideoInfo *info;
    if (!(j->keys = vni_malloc_array((size_t)n_keys, sizeof(*keys))))
        return -ENOMEM;
    memcpy(j->keys, keys, sizeof(*keys) * (size_t)n_keys);
    qsort(j->keys, (size_t)n_keys, sizeof(*keys), vni_cmp_track_key);
    for (int i = 0; i < n_keys; i++) {
        if (j->keys[i].frame < 0 || !j->keys[i].mask)
            return vni_error(j->ctx, -EINVAL, "track: keyframe %lld is not a frame", (long long)j->keys[i].frame);
        if (i && j->keys[i].frame == j->keys[i - 1].frame)
            return vni_error(j->ctx, -EINVAL, "track: two masks for frame %lld", (long long)j->keys[i].frame);
    }
    if ((ret = vn_video_open(j->ctx, &j->fwd, j->input)) < 0 || (ret = vn_video_open(j->ctx, &j->bwd, j->input)) < 0)
        return ret;
    info = vn_video_info(j->fwd);
    j->w = info->width, j->h = info->height, j->n_total = info->n_frames_header;
    if (j->plan) {
        j->n_total = 0;
        for (int64_t i = 0; i < j->plan->n_frames; i++)
            j->n_total += need(j, i);
    }
    for (int i = 0; i < n_keys; i++) {
        const VnImage *m = j->keys[i].mask;
        if (m->width != j->w || m->height != j->h || m->channels != 1 || m->type != VN_U8)
            return vni_error(j->ctx, VN_ERR_MISMATCH, "track: the mask of frame %lld is %dx%d, the video %dx%d",
                             (long long)j->keys[i].frame, m->width, m->height, j->w, j->h);
    }
    if ((ret = vn_image_alloc(&j->m0, j->w, j->h, 1, VN_U8)) < 0 || (ret = vn_image_alloc(&j->m1, j->w, j->h, 1, VN_U8)) < 0)
        return ret;
    int empty = 1;
    for (int i = 0; i < n_keys && empty; i++)
        empty = mask_empty(j->keys[i].mask);
    if (empty)
        return vni_error(j->ctx, -EINVAL, "track: the keyframe mask%s no object", n_keys > 1 ? "s hold" : " holds");
    if (!(j->chunk = vni_calloc_array((size_t)j->s.chunk, sizeof(VnImage *))))
        return -ENOMEM;
    if (!j->plan && vni_only_id_one(keys, n_keys) &&
        (ret = vni_spool_open(&j->held, VNI_MAX(j->n_total, 1), j->w, j->h)) < 0)
        return ret;
    return vni_spool_open(&j->spool, j->keys[n_keys - 1].frame + 1, j->w, j->h);
}

/* Mask i of the held ones (VniMaskFetch). */
static int held_fetch(void *cookie, int64_t i, VnImage *m)
{
    int ret = vni_spool_get(cookie, i, m);
    return ret == -ENOENT ? 0 : ret < 0 ? ret : 1;
}

/* The held masks out: the static overlay's footprint (0/1) for every frame when they are one,
 * else as they are. */
static int finish(Job *j)
{
    int ret;
    if (!j->held)
        return 0;
    if ((ret = vni_masks_static_grow(j->ctx, j->input, held_fetch, j->held, j->w, j->h, j->n_held, j->m0)) <= 0)
        return ret < 0 ? ret : release(j);
    for (int64_t i = 0; i < j->n_held && ret >= 0; i++)
        ret = j->sink(j->cookie, i, j->m0);
    vni_spool_close(&j->held);
    return ret;
}

/* Frames before the first keyframe: backward, then out in order. */
static int before_first(Job *j)
{
    int ret;
    int64_t k0 = j->keys[0].frame, lo = 0;
    while (lo < k0 && !need(j, lo))
        lo++;
    if (lo == k0)
        return 0;
    if ((ret = backward(j, &j->keys[0], lo)) < 0)
        return ret;
    for (int64_t i = lo; i < k0; i++)
        if (need(j, i) && ((ret = vni_spool_get(j->spool, i, j->m0)) < 0 || (ret = emit(j, i, j->m0)) < 0))
            return ret;
    return 0;
}

/* Every keyframe's span: the backward propagation from the next keyframe, then the forward one. */
static int run_keys(Job *j)
{
    int ret;
    for (int i = 0; i < j->n_keys; i++) {
        const VnTrackKey *next = i + 1 < j->n_keys ? &j->keys[i + 1] : NULL;
        Span r = span(j, &j->keys[i], next);
        if (next && r.bwd_lo >= 0 && (ret = backward(j, next, r.bwd_lo)) < 0)
            return ret;
        if ((ret = forward(j, &j->keys[i], next, &r)) < 0)
            return ret;
    }
    if (j->plan && j->n_done < j->n_total)
        return vni_error(j->ctx, VN_ERR_MISMATCH, "%s: ends before frame %lld of the tracked masks", j->input,
                         (long long)(j->plan->n_frames - 1));
    return 0;
}

int64_t vni_track_run(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                      const VnTrackSettings *s, const VniTrackPlan *plan, VnMaskSinkFn sink, void *cookie,
                      int64_t *n_steps)
{
    Job j = {0};
    int ret;
    if (!ctx || !input || !keys || n_keys < 1 || !sink)
        return ctx ? vni_error(ctx, -EINVAL, "track: an input, at least one keyframe and a sink are needed") : -EINVAL;
    j.ctx = ctx, j.input = input, j.sink = sink, j.cookie = cookie, j.n_keys = n_keys, j.plan = plan;
    if (s)
        j.s = *s;
    else
        vn_track_default_settings(&j.s);
    if (j.s.chunk < 2 || j.s.chunk > 1000)
        return vni_error(ctx, -EINVAL, "track: chunk = %d is outside 2..1000", j.s.chunk);
    if ((ret = job_open(&j, keys, n_keys)) < 0 || (ret = before_first(&j)) < 0 || (ret = run_keys(&j)) < 0 ||
        (ret = finish(&j)) < 0)
        goto fail;
    job_close(&j);
    if (n_steps)
        *n_steps = j.n_steps;
    return j.n_done;
fail:
    job_close(&j);
    if (ret == -ENOMEM)
        vni_error(ctx, ret, "%s: out of memory while tracking", input);
    else if (ret == -EIO)
        vni_error(ctx, ret, "track: cannot write the temporary mask spool");
    return ret;
}

int64_t vn_track_video(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                       const VnTrackSettings *s, VnMaskSinkFn sink, void *cookie)
{
    return vni_track_run(ctx, input, keys, n_keys, s, NULL, sink, cookie, NULL);
}
