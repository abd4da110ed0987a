/*
 * Per-frame masks that stay put (mask_static.h). Two passes over the masks: the first counts,
 * per pixel, the frames that set it (the majority is the mask held), the second compares every
 * frame with the majority. The majority, not the union, is held: the frames that differ are the
 * tracker's slips (the mask pulled by the picture passing under the overlay, a pose off by a
 * pixel), and a slip that spans a quarter of the frames at most cannot move the majority.
 */
#include "pipeline/mask_static.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/maskops.h"
#include "pipeline/mask_complete.h"
#include "vanish/overlay.h"
#include "vanish/video.h"

#define MIN_FRAMES 10     /* fewer frames tell too little about the overlay to un-blend it */
#define NEAR_SHARE 0.02   /* a frame equals the majority up to this share of its area */
#define HELD_SHARE 0.75   /* on at least this share of the frames */
#define MIN_IOU 0.5       /* and every frame overlaps the majority at least this much */
/* Two frames that each equal the majority differ by at most 2 * NEAR_SHARE / (1 - NEAR_SHARE)
 * of either's area: a pair differing more holds a frame off the majority (bound for the first
 * pass to stop early on a moving object). */
#define PAIR_SHARE 0.05
/* The overlay can be told from the picture only where the picture moves under it: the picture
 * in a ring round the mask (RING_IN to RING_OUT px out) must change, by a standard deviation
 * over up to RING_FRAMES evenly spaced frames of RING_STD grey levels (past compression noise
 * and exposure drift), on RING_SHARE of the ring. A still object over a still scene (a pen on a
 * table) is not: its masks stay put, but un-blending would take it for a half-transparent overlay
 * and leave it; it keeps the fill. */
#define RING_IN 2
#define RING_OUT 5
#define RING_FRAMES 32
#define RING_STD 8.0
#define RING_SHARE 0.25

typedef struct Scan {
    VnContext *ctx;
    VniMaskFetch fetch;
    void *cookie;
    int64_t n, spare;     /* frames; frames that may differ from the majority */
    int64_t off;          /* frames found to differ */
    int w, h;
    VnImage *cur, *prev;
    int32_t *count;       /* per pixel, the frames that set it */
} Scan;

/* Pixels set in a, in b and in both. */
typedef struct Overlap {
    int64_t a, b, both;
} Overlap;

static Overlap overlap(const VnImage *a, const VnImage *b)
{
    Overlap o = {0, 0, 0};
    for (int y = 0; y < a->height; y++) {
        const uint8_t *p = vn_image_row(a, y), *q = vn_image_row(b, y);
        for (int x = 0; x < a->width; x++) {
            o.a += p[x] != 0;
            o.b += q[x] != 0;
            o.both += p[x] && q[x];
        }
    }
    return o;
}

/* Mask i into m: 1, 0 when there is none or it is empty (the object is gone there: not a static
 * overlay), or a negative error. */
static int next(const Scan *s, int64_t i, VnImage *m)
{
    int ret = s->fetch(s->cookie, i, m);
    if (ret <= 0)
        return ret;
    return vni_mask_bbox(m, &(int){0}, &(int){0}, &(int){0}, &(int){0}) > 0;
}

/* First pass: the per-pixel counts. 1 when the masks may stay put, 0 when they move, or an error. */
static int count_pass(Scan *s)
{
    int64_t changed = 0;
    int ret = 0;
    for (int64_t i = 0; i < s->n; i++) {
        if ((ret = next(s, i, s->cur)) <= 0)
            break;
        Overlap o = i > 0 ? overlap(s->cur, s->prev) : (Overlap){0, 0, 0};
        if ((double)(o.a + o.b - 2 * o.both) > PAIR_SHARE * (double)VNI_MAX(o.a, o.b) && ++changed > 2 * s->spare) {
            ret = 0;
            break;
        }
        for (int y = 0; y < s->h; y++) {
            const uint8_t *p = vn_image_row(s->cur, y);
            int32_t *c = s->count + (size_t)y * (size_t)s->w;
            for (int x = 0; x < s->w; x++)
                c[x] += p[x] != 0;
        }
        VnImage *t = s->prev;
        s->prev = s->cur, s->cur = t;
    }
    return ret;
}

/* The majority of the counts into held (0/1); returns its area. */
static int64_t majority(const Scan *s, VnImage *held)
{
    int64_t area = 0;
    for (int y = 0; y < s->h; y++) {
        const int32_t *c = s->count + (size_t)y * (size_t)s->w;
        uint8_t *d = vn_image_row(held, y);
        for (int x = 0; x < s->w; x++) {
            d[x] = 2 * (int64_t)c[x] > s->n;
            area += d[x];
        }
    }
    return area;
}

/* Second pass: every frame against the majority. 1 when they stay put, 0, or an error. */
static int compare_pass(Scan *s, const VnImage *held)
{
    int ret = 0;
    for (int64_t i = 0; i < s->n; i++) {
        if ((ret = next(s, i, s->cur)) <= 0)
            break;
        Overlap o = overlap(s->cur, held);
        double uni = (double)(o.a + o.b - o.both);
        if ((double)o.both < MIN_IOU * uni ||
            ((double)(o.a + o.b - 2 * o.both) > NEAR_SHARE * (double)o.b && ++s->off > s->spare)) {
            ret = 0;
            break;
        }
    }
    return ret;
}

/* The ring round held: the offsets (y * w + x) of its pixels into *out; returns their count. */
static int64_t ring_pixels(VnContext *ctx, const VnImage *held, int32_t **out)
{
    VnImage *in = NULL, *outer = NULL;
    int64_t n = 0;
    int ret;
    *out = NULL;
    if ((ret = vn_image_alloc(&in, held->width, held->height, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&outer, held->width, held->height, 1, VN_U8)) < 0 ||
        (ret = vni_mask_dilate(ctx, in, held, RING_IN)) < 0 || (ret = vni_mask_dilate(ctx, outer, held, RING_OUT)) < 0 ||
        !(*out = vni_malloc_array((size_t)held->width * (size_t)held->height, sizeof(int32_t)))) {
        n = ret < 0 ? ret : -ENOMEM;
        goto done;
    }
    for (int y = 0; y < held->height; y++) {
        const uint8_t *a = vn_image_row(in, y), *b = vn_image_row(outer, y);
        for (int x = 0; x < held->width; x++)
            if (b[x] && !a[x])
                (*out)[n++] = y * held->width + x;
    }
done:
    vn_image_free(&in);
    vn_image_free(&outer);
    return n;
}

/* Add the grey values of frame rgb at the ring's pixels to the sums. */
static void add_ring(const VnImage *rgb, const int32_t *ring, int64_t n, double *sum, double *sq)
{
    for (int64_t k = 0; k < n; k++) {
        const uint8_t *p = vn_image_row(rgb, ring[k] / rgb->width) + 3 * (ring[k] % rgb->width);
        double g = (p[0] + p[1] + p[2]) / 3.0;
        sum[k] += g;
        sq[k] += g * g;
    }
}

/* Whether the picture round held moves over the video (RING_*): 1, 0 or a negative error. */
static int picture_moves(VnContext *ctx, const char *input, const VnImage *held, int64_t n_frames)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int32_t *ring = NULL;
    double *sum = NULL, *sq = NULL;
    int64_t n = ring_pixels(ctx, held, &ring), k = VNI_MIN(RING_FRAMES, n_frames), taken = 0, moving = 0;
    int ret = n < 0 ? (int)n : 0;
    if (ret >= 0 && (!(sum = vni_calloc_array((size_t)VNI_MAX(n, 1), sizeof(double))) ||
                     !(sq = vni_calloc_array((size_t)VNI_MAX(n, 1), sizeof(double)))))
        ret = -ENOMEM;
    if (ret < 0) {
        ret = vni_error(ctx, ret, "%s: %s", input, vn_strerror(ret));
        goto done;
    }
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        goto done;
    /* frame i is taken when it is the next of k evenly spaced over [0, n_frames) */
    for (int64_t i = 0; taken < k && (ret = vn_video_read(r, &f)) > 0; i++) {
        if (i == taken * (n_frames - 1) / VNI_MAX(k - 1, 1)) {
            add_ring(vn_frame_rgb(f), ring, n, sum, sq);
            taken++;
        }
        vn_frame_free(&f);
    }
    if (ret < 0)
        goto done;
    for (int64_t j = 0; j < n && taken > 1; j++) {
        double mean = sum[j] / (double)taken;
        moving += sq[j] / (double)taken - mean * mean > RING_STD * RING_STD;
    }
    ret = n > 0 && (double)moving >= RING_SHARE * (double)n;
done:
    vn_frame_free(&f);
    vn_video_close(&r);
    vni_free(ring);
    vni_free(sum);
    vni_free(sq);
    return ret;
}

/* The picture test and, once it passes and `grow` is set, held grown by the overlay model to the
 * overlay's other parts, or where that grows nothing, completed with those the overlay detector
 * finds round it (the detector's pass over the video only then; the pixels added into *added):
 * 1, 0 or a negative error. */
static int overlay_test(VnContext *ctx, const char *input, VnImage *held, int64_t n_frames, int grow,
                        int64_t *added)
{
    VnOverlaySettings os;
    VnImage *found = NULL;
    int64_t n;
    int ret = picture_moves(ctx, input, held, n_frames);
    if (ret <= 0 || !grow)
        return ret;
    if ((n = vni_mask_grow(ctx, input, n_frames, held)) == 0) {
        vn_overlay_default_settings(&os);
        /* the detector names its own errors */
        if ((n = vn_overlay_detect_file(ctx, input, &os, &found)) > 0 &&
            (n = vni_mask_complete(ctx, held, found)) < 0)
            vni_error(ctx, (int)n, "%s: %s", input, vn_strerror((int)n));
    } else if (n < 0)
        vni_error(ctx, (int)n, "%s: %s", input, vn_strerror((int)n));
    vn_image_free(&found);
    *added = VNI_MAX(n, 0);
    return n < 0 ? (int)n : 1;
}

/* vni_masks_static and vni_masks_static_grow over the masks of s (`name` names them). */
static int held_static(Scan *s, const char *input, const char *name, int grow, VnImage *held)
{
    VnContext *ctx = s->ctx;
    int level = ctx->s.log_level, ret, put = 0;
    int64_t added = 0;
    if (s->n < MIN_FRAMES)
        return 0;
    if ((ret = vn_image_alloc(&s->cur, s->w, s->h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&s->prev, s->w, s->h, 1, VN_U8)) < 0 ||
        !(s->count = vni_calloc_array((size_t)s->w * (size_t)s->h, sizeof(int32_t)))) {
        ret = vni_error(ctx, ret < 0 ? ret : -ENOMEM, "%s: out of memory", name);
        goto fail;
    }
    /* the job's own readers warn about the masks and the input once; these keep quiet */
    ctx->s.log_level = VN_LOG_ERROR;
    ret = count_pass(s);
    if (ret > 0)
        ret = majority(s, held) > 0;
    if (ret > 0)
        ret = put = compare_pass(s, held);
    if (ret > 0)
        ret = overlay_test(ctx, input, held, s->n, grow, &added);
    ctx->s.log_level = level;
    if (put > 0 && ret >= 0)
        vni_log(ctx, VN_LOG_INFO, "%s: the masks stay put (%lld of %lld frames equal their majority)%s", name,
                (long long)(s->n - s->off), (long long)s->n,
                ret > 0 ? ": taken as one static mask" : ", but the picture round them never moves: not an overlay");
    if (ret > 0 && added > 0)
        vni_log(ctx, VN_LOG_INFO, "%s: the static mask grown by %lld pixels to the overlay's footprint", name,
                (long long)added);
fail:
    ctx->s.log_level = level;
    vni_free(s->count);
    vn_image_free(&s->cur);
    vn_image_free(&s->prev);
    return ret;
}

/* A mask source read in order (vn_mask_open), reopened when asked for a frame behind it. */
typedef struct PathSource {
    VnContext *ctx;
    const char *path;
    int w, h;
    VnMaskReader *r;
    int64_t next;
} PathSource;

static int path_fetch(void *cookie, int64_t i, VnImage *m)
{
    PathSource *p = cookie;
    int ret;
    if (!p->r || i < p->next) {
        vn_mask_close(&p->r);
        p->next = 0;
        if ((ret = vn_mask_open(p->ctx, &p->r, p->path, p->w, p->h, -1)) < 0)
            return ret;
    }
    for (; p->next <= i; p->next++)
        if ((ret = vn_mask_read(p->r, m)) <= 0)
            return ret;
    return 1;
}

static Scan scan(VnContext *ctx, VniMaskFetch fetch, void *cookie, int w, int h, int64_t n_frames)
{
    return (Scan){ctx, fetch, cookie, n_frames, n_frames - (int64_t)ceil(HELD_SHARE * (double)n_frames), 0, w, h,
                  NULL, NULL, NULL};
}

int vni_masks_static(VnContext *ctx, const char *input, const char *path, int w, int h, int64_t n_frames,
                     VnImage *held)
{
    PathSource p = {ctx, path, w, h, NULL, 0};
    Scan s = scan(ctx, path_fetch, &p, w, h, n_frames);
    int ret = held_static(&s, input, path, 0, held);
    vn_mask_close(&p.r);
    return ret;
}

int vni_masks_static_grow(VnContext *ctx, const char *input, VniMaskFetch fetch, void *cookie, int w, int h,
                          int64_t n_frames, VnImage *held)
{
    Scan s = scan(ctx, fetch, cookie, w, h, n_frames);
    return held_static(&s, input, input, 1, held);
}

/* Whether a w x h mask and a frame of fw x fh differ in shape by more than 1%. */
static int other_shape(int w, int h, int fw, int fh)
{
    int64_t a = (int64_t)w * fh, b = (int64_t)h * fw;
    return llabs(a - b) * 100 > VNI_MAX(a, b);
}

static int several(VnContext *ctx, const char *path, const VnMaskReader *m)
{
    return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: an overlay mask is one image for every frame, not %lld masks",
                     path, (long long)vn_mask_count(m));
}

int64_t vni_mask_footprint_load(VnContext *ctx, const char *path, int w, int h,
                                VnImage **footprint)
{
    VnMaskReader *m = NULL;
    VnImage *img = NULL;
    int64_t ret;
    int x0, y0, x1, y1;
    *footprint = NULL;
    /* the image first, so that a mask of another shape is refused before it is scaled; what is
     * not an image may be a directory or a video of masks, which is named as such */
    if ((ret = vn_image_load(ctx, path, &img)) < 0) {
        if (vn_mask_open(ctx, &m, path, w, h, -1) >= 0 && vn_mask_count(m) >= 0)
            ret = several(ctx, path, m);
        goto fail;
    }
    if (other_shape(img->width, img->height, w, h)) {
        ret = vni_error(ctx, VN_ERR_MISMATCH, "%s: overlay mask is %dx%d, the video %dx%d", path,
                        img->width, img->height, w, h);
        goto fail;
    }
    if ((ret = vn_mask_open(ctx, &m, path, w, h, -1)) < 0)
        goto fail;
    if (vn_mask_count(m) >= 0) {
        ret = several(ctx, path, m);
        goto fail;
    }
    if ((ret = vn_image_alloc(footprint, w, h, 1, VN_U8)) < 0) {
        ret = vni_error(ctx, (int)ret, "%s: %s", path, vn_strerror((int)ret));
        goto fail;
    }
    if ((ret = vn_mask_read(m, *footprint)) == 0)
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: no mask could be read", path);
    if (ret > 0 && (ret = vni_mask_bbox(*footprint, &x0, &y0, &x1, &y1)) == 0)
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: the overlay mask is empty", path);
fail:
    if (ret < 0)
        vn_image_free(footprint);
    vn_image_free(&img);
    vn_mask_close(&m);
    return ret;
}
