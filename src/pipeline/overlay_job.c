/*
 * File-level overlay jobs over the media API: estimate a static overlay's α and W from a video,
 * and detect its footprint without a click. Both stream: memory does not grow with the length
 * (the estimator keeps at most max_frames crops of the region, evenly spaced).
 */
#include "vanish/overlay.h"
#include "vanish/video.h"

#include <errno.h>

#include "core/internal.h"
#include "core/maskops.h"
#include "inpaint/overlay_region.h"

/* Offer every frame of `input` to fn (an estimator's or a detector's add), with progress. */
static int stream_frames(VnContext *ctx, const char *input, int (*fn)(void *, const VnImage *),
                         void *obj, const char *stage)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int64_t n_frames, i = 0;
    int ret;
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        return ret;
    n_frames = vn_video_info(r)->n_frames_header;
    while ((ret = vn_video_read(r, &f)) > 0) {
        ret = fn(obj, vn_frame_rgb(f));
        vn_frame_free(&f);
        if (ret < 0)
            break;
        i++;
        if (n_frames > 0 && (ret = vni_progress(ctx, stage, (double)VNI_MIN(i, n_frames) / n_frames)) < 0) {
            ret = vni_error(ctx, ret, "cancelled at frame %lld", (long long)i);
            break;
        }
    }
    vn_video_close(&r);
    if (ret >= 0 && i == 0)
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: no frame could be decoded", input);
    return ret < 0 ? ret : 0;
}

static int est_add(void *e, const VnImage *rgb)
{
    return vn_overlay_estimator_add(e, rgb);
}

static int det_add(void *d, const VnImage *rgb)
{
    return vni_overlay_detect_add(d, rgb);
}

int vn_overlay_estimate_file(VnContext *ctx, const char *input, const VnImage *region,
                             const VnOverlaySettings *s, VnImage **alpha, VnImage **color)
{
    VnOverlayEstimator *e = NULL;
    int ret;
    if (!ctx || !input || !alpha || !color)
        return -EINVAL;
    *alpha = *color = NULL;
    if ((ret = vn_overlay_estimator_open(ctx, &e, region, s)) < 0)
        return ret;
    if ((ret = stream_frames(ctx, input, est_add, e, "overlay")) >= 0)
        ret = vn_overlay_estimator_solve(e, alpha, color);
    vn_overlay_estimator_free(&e);
    return ret;
}

/* Pass 1: the detector's coarse footprint into *mask, and into *opaque its parts that are
 * constant over time (vni_overlay_detect_opaque). The size comes from the input's header. */
static int64_t coarse_footprint(VnContext *ctx, const char *input, VnImage **mask,
                                VnImage **opaque)
{
    VnVideoReader *r = NULL;
    VniOverlayDetect *d = NULL;
    int64_t ret, n_opaque = 0;
    int w, h;
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        return ret;
    w = vn_video_info(r)->width;
    h = vn_video_info(r)->height;
    vn_video_close(&r);
    if ((ret = vn_image_alloc(mask, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(opaque, w, h, 1, VN_U8)) < 0)
        return vni_error(ctx, (int)ret, "%s: %s", input, vn_strerror((int)ret));
    if ((ret = vni_overlay_detect_open(ctx, &d, w, h)) < 0)
        return vni_error(ctx, (int)ret, "%s: cannot detect an overlay in frames of %dx%d", input, w,
                         h);
    if ((ret = stream_frames(ctx, input, det_add, d, "detect")) >= 0 &&
        ((ret = vni_overlay_detect_propose(d, *mask)) < 0 ||
         (n_opaque = vni_overlay_detect_opaque(d, *opaque)) < 0))
        ret = vni_error(ctx, (int)VNI_MIN(ret, n_opaque), "%s: overlay detection: %s", input,
                        vn_strerror((int)VNI_MIN(ret, n_opaque)));
    vni_overlay_detect_free(&d);
    return ret;
}

int64_t vn_overlay_detect_file(VnContext *ctx, const char *input, const VnOverlaySettings *s,
                               VnImage **mask)
{
    VnImage *coarse = NULL, *region = NULL, *near = NULL, *opaque = NULL, *alpha = NULL,
            *color = NULL;
    int64_t ret;
    int w, h;
    if (!ctx || !input || !s || !mask)
        return -EINVAL;
    *mask = NULL;
    if ((ret = coarse_footprint(ctx, input, &coarse, &opaque)) == 0) {
        *mask = coarse; /* empty */
        coarse = NULL;
    }
    if (ret <= 0)
        goto fail;
    /* pass 2: α on the coarse footprint grown by 2, the footprint where α is visible, within a
     * pixel of the coarse one (where the picture never moved α says nothing: it is taken as
     * opaque, and would add the 2 pixels all round). The parts that are constant over time stay
     * whatever α says (an opaque logo hides the picture α is fitted to; over a still picture α
     * sees nothing); where the detector knows their edge to the pixel, α's soft edge adds none
     * beside them. */
    w = coarse->width;
    h = coarse->height;
    if ((ret = vn_image_alloc(mask, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&region, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&near, w, h, 1, VN_U8)) < 0 ||
        (ret = vni_mask_dilate(ctx, region, coarse, 2)) < 0 ||
        (ret = vn_image_copy(*mask, coarse)) < 0 ||
        (ret = vni_mask_dilate(ctx, near, coarse, 1)) < 0) {
        ret = vni_error(ctx, (int)ret, "%s: %s", input, vn_strerror((int)ret));
        goto fail;
    }
    if ((ret = vn_overlay_estimate_file(ctx, input, region, s, &alpha, &color)) < 0 ||
        (ret = vn_overlay_refine_mask(ctx, *mask, alpha, s)) < 0)
        goto fail;
    ret = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *v = vn_image_row(*mask, y) + x, was = vn_image_row(coarse, y)[x];
            uint8_t o = vn_image_row(opaque, y)[x];
            *v = o == 255 || (*v && (was || (vn_image_row(near, y)[x] && !o))) ? 255 : 0;
            ret += *v != 0;
        }
fail:
    if (ret < 0)
        vn_image_free(mask);
    vn_image_free(&coarse);
    vn_image_free(&region);
    vn_image_free(&near);
    vn_image_free(&opaque);
    vn_image_free(&alpha);
    vn_image_free(&color);
    return ret;
}
