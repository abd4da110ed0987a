/* The overlay half of the inpainting job: estimate α and W once, then un-blend every frame. */
#include "pipeline/inpaint_overlay.h"

#include <errno.h>

#include "core/maskops.h"
#include "inpaint/overlay.h"
#include "vanish/overlay.h"
#include "vanish/video.h"

struct VniOverlayJob {
    VnContext *ctx;
    VnImage *alpha, *color, *written;
    VniOverlayApplyParams p;
};

void vni_overlay_job_close(VniOverlayJob **po)
{
    if (!po || !*po)
        return;
    vn_image_free(&(*po)->alpha);
    vn_image_free(&(*po)->color);
    vn_image_free(&(*po)->written);
    vni_freep(po);
}

/* Two estimators fed in one pass over the video: `all` every frame, `clean` the frames where
 * the moving masks leave the footprint alone. */
typedef struct Estimate {
    VnContext *ctx;
    VnOverlayEstimator *all, *clean;
    VnMaskReader *moving;
    VnImage *mask, *near; /* a frame's moving mask, and the footprint grown by NEAR pixels */
    int64_t n_all, n_clean;
} Estimate;

#define NEAR 4          /* pixels round the footprint that a moving mask may not touch */
#define MIN_CLEAN 8     /* the clean frames are used when there are this many ... */
#define MIN_CLEAN_SHARE 4 /* ... and at least 1/this of the frames */

static void estimate_close(Estimate *e)
{
    vn_overlay_estimator_free(&e->all);
    vn_overlay_estimator_free(&e->clean);
    vn_mask_close(&e->moving);
    vn_image_free(&e->mask);
    vn_image_free(&e->near);
}

/* Whether the moving mask of this frame touches the grown footprint. */
static int touches(const Estimate *e)
{
    for (int y = 0; y < e->near->height; y++) {
        const uint8_t *a = vn_image_row(e->near, y), *b = vn_image_row(e->mask, y);
        for (int x = 0; x < e->near->width; x++)
            if (a[x] && b[x])
                return 1;
    }
    return 0;
}

/* Offer one frame to the estimators. */
static int estimate_add(Estimate *e, const VnImage *rgb, const char *moving)
{
    int ret = vn_mask_read(e->moving, e->mask);
    if (ret == 0)
        ret = vni_error(e->ctx, VN_ERR_MISMATCH, "%s: masks end at %lld but the video goes on",
                        moving, (long long)e->n_all);
    if (ret < 0 || (ret = vn_overlay_estimator_add(e->all, rgb)) < 0)
        return ret;
    e->n_all++;
    if (touches(e))
        return 0;
    e->n_clean++;
    return vn_overlay_estimator_add(e->clean, rgb);
}

/* Read the video once, feeding the estimators; progress as stage "overlay". */
static int estimate_stream(Estimate *e, const char *input, const char *moving)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int64_t n;
    int ret;
    if ((ret = vn_video_open(e->ctx, &r, input)) < 0)
        return ret;
    n = vn_video_info(r)->n_frames_header;
    while ((ret = vn_video_read(r, &f)) > 0) {
        ret = estimate_add(e, vn_frame_rgb(f), moving);
        vn_frame_free(&f);
        if (ret < 0)
            break;
        if (n > 0 && (ret = vni_progress(e->ctx, "overlay", (double)VNI_MIN(e->n_all, n) / n)) < 0) {
            ret = vni_error(e->ctx, ret, "cancelled at frame %lld", (long long)e->n_all);
            break;
        }
    }
    vn_video_close(&r);
    if (ret >= 0 && e->n_all == 0)
        ret = vni_error(e->ctx, VN_ERR_INVALIDDATA, "%s: no frame could be decoded", input);
    return ret;
}

/*
 * Estimate α and W under footprint, leaving out the frames where a moving mask comes near it
 * (a moving overlay, a subtitle, over the static one breaks the blend) when enough are left.
 */
static int estimate_beside(VnContext *ctx, const char *input, const VnImage *footprint,
                           const char *moving, const VnOverlaySettings *os, VnImage **alpha,
                           VnImage **color)
{
    const int w = footprint->width, h = footprint->height;
    Estimate e = {ctx, NULL, NULL, NULL, NULL, NULL, 0, 0};
    int ret;
    if ((ret = vn_mask_open(ctx, &e.moving, moving, w, h, -1)) < 0)
        goto fail;
    if ((ret = vn_image_alloc(&e.mask, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&e.near, w, h, 1, VN_U8)) < 0 ||
        (ret = vni_mask_dilate(ctx, e.near, footprint, NEAR)) < 0) {
        ret = vni_error(ctx, ret, "overlay: %s", vn_strerror(ret));
        goto fail;
    }
    if ((ret = vn_overlay_estimator_open(ctx, &e.all, footprint, os)) < 0 ||
        (ret = vn_overlay_estimator_open(ctx, &e.clean, footprint, os)) < 0 ||
        (ret = estimate_stream(&e, input, moving)) < 0)
        goto fail;
    if (e.n_clean >= MIN_CLEAN && e.n_clean * MIN_CLEAN_SHARE >= e.n_all) {
        vni_log(ctx, VN_LOG_INFO, "overlay: estimated from the %lld of %lld frames the masks leave alone",
                (long long)e.n_clean, (long long)e.n_all);
        ret = vn_overlay_estimator_solve(e.clean, alpha, color);
    } else
        ret = vn_overlay_estimator_solve(e.all, alpha, color);
fail:
    estimate_close(&e);
    return ret;
}

int vni_overlay_job_open(VnContext *ctx, VniOverlayJob **po, const char *input,
                         const VnImage *footprint, const VnInpaintSettings *s, const char *moving)
{
    VnOverlaySettings os;
    VniOverlayJob *o;
    int ret;
    *po = NULL;
    if (!(o = vni_calloc_array(1, sizeof(*o))))
        return vni_error(ctx, -ENOMEM, "overlay: out of memory");
    o->ctx = ctx;
    vn_overlay_default_settings(&os);
    vni_overlay_apply_default_params(&o->p);
    o->p.opaque_lo = os.opaque_lo;
    o->p.opaque_hi = os.opaque_hi;
    o->p.noise = os.noise;
    (void)s;
    if ((ret = vn_image_alloc(&o->written, footprint->width, footprint->height, 1, VN_U8)) < 0) {
        ret = vni_error(ctx, ret, "overlay: %s", vn_strerror(ret));
        goto fail;
    }
    if (moving)
        ret = estimate_beside(ctx, input, footprint, moving, &os, &o->alpha, &o->color);
    else
        ret = vn_overlay_estimate_file(ctx, input, footprint, &os, &o->alpha, &o->color);
fail:
    if (ret < 0)
        vni_overlay_job_close(&o);
    *po = o;
    return ret;
}

int64_t vni_overlay_job_unblend(VniOverlayJob *o, VnImage *rgb, VnImage *hole)
{
    int64_t n = vni_overlay_unblend(o->ctx, rgb, o->alpha, o->color, &o->p, hole);
    return n < 0 ? vni_error(o->ctx, (int)n, "overlay: %s", vn_strerror((int)n)) : n;
}

int vni_overlay_job_remove(VniOverlayJob *o, VnImage *rgb)
{
    int ret = vni_overlay_apply(o->ctx, rgb, o->alpha, o->color, &o->p);
    return ret < 0 ? vni_error(o->ctx, ret, "overlay: %s", vn_strerror(ret)) : 0;
}

const VnImage *vni_overlay_job_written(VniOverlayJob *o, const VnImage *filled)
{
    for (int y = 0; y < o->written->height; y++) {
        const float *a = (const float *)vn_image_row(o->alpha, y);
        const uint8_t *f = filled ? vn_image_row(filled, y) : NULL;
        uint8_t *d = vn_image_row(o->written, y);
        for (int x = 0; x < o->written->width; x++)
            d[x] = a[x] > 0.0f || (f && f[x]) ? 255 : 0;
    }
    return o->written;
}
