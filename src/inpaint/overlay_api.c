/* The public image-level overlay API (include/vanish/overlay.h) over the internal estimator,
 * un-blending and detector, and the options of VnOverlaySettings. */
#include "vanish/overlay.h"

#include <errno.h>

#include "core/maskops.h"
#include "inpaint/overlay.h"

struct VnOverlayEstimator {
    VnContext *ctx;
    VniOverlayEst *est;
};

struct VnOverlayDetector {
    VnContext *ctx;
    VniOverlayDetect *det;
};

static const VnOption overlay_options[] = {
    {"max-frames", "frames kept to estimate the overlay, evenly spaced over the video",
     VN_OPT_INT, offsetof(VnOverlaySettings, max_frames), 200, 2, 1000, NULL},
    {"opaque-lo", "opacity from which the fill starts to take over from un-blending",
     VN_OPT_FLOAT, offsetof(VnOverlaySettings, opaque_lo), 0.85, 0.05, 0.99, NULL},
    {"opaque-hi", "opacity from which the overlay is filled rather than un-blended",
     VN_OPT_FLOAT, offsetof(VnOverlaySettings, opaque_hi), 0.95, 0.06, 1.0, NULL},
    {"noise", "noise of the input in grey levels (clean-up of the noise un-blending amplifies)",
     VN_OPT_FLOAT, offsetof(VnOverlaySettings, noise), 1.0, 0.0, 20.0, NULL},
    {"min-alpha", "detection: drop pixels of the footprint whose opacity is below this",
     VN_OPT_FLOAT, offsetof(VnOverlaySettings, min_alpha), 0.08, 0.0, 0.5, NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};

void vn_overlay_default_settings(VnOverlaySettings *s)
{
    s->max_frames = 200;
    s->opaque_lo = 0.85f;
    s->opaque_hi = 0.95f;
    s->noise = 1.0f;
    s->min_alpha = 0.08f;
}

const VnOption *vn_overlay_options(void)
{
    return overlay_options;
}

static int settings_ok(const VnOverlaySettings *s)
{
    return s && s->max_frames >= 2 && s->max_frames <= 1000 && s->opaque_lo >= 0.05f &&
           s->opaque_lo < s->opaque_hi && s->opaque_hi <= 1.0f && s->noise >= 0.0f &&
           s->noise <= 20.0f && s->min_alpha >= 0.0f && s->min_alpha <= 0.5f;
}

int vn_overlay_estimator_open(VnContext *ctx, VnOverlayEstimator **pe, const VnImage *region,
                              const VnOverlaySettings *s)
{
    VnOverlayEstimator *e;
    int ret;
    if (!pe)
        return -EINVAL;
    *pe = NULL;
    if (!region || region->type != VN_U8 || region->channels != 1 || !settings_ok(s))
        return vni_error(ctx, -EINVAL, "overlay: invalid region or settings");
    if ((ret = vni_check_size(ctx, region->width, region->height)) < 0)
        return vni_error(ctx, ret, "overlay: region of %dx%d is beyond the limits", region->width,
                         region->height);
    if (!(e = vni_calloc_array(1, sizeof(*e))))
        return vni_error(ctx, -ENOMEM, "overlay: out of memory");
    e->ctx = ctx;
    if ((ret = vni_overlay_est_open(ctx, &e->est, region, s->max_frames)) < 0) {
        vni_freep(&e);
        return vni_error(ctx, ret, ret == -EINVAL ? "overlay: the region is empty"
                                                  : "overlay: out of memory");
    }
    *pe = e;
    return 0;
}

int vn_overlay_estimator_add(VnOverlayEstimator *e, const VnImage *rgb)
{
    int ret;
    if (!e)
        return -EINVAL;
    if ((ret = vni_overlay_accumulate(e->est, rgb)) < 0)
        return vni_error(e->ctx, ret, "overlay: the frame is not RGB24 of the region's size");
    return 0;
}

void vni_overlay_estimator_presence(VnOverlayEstimator *e)
{
    vni_overlay_est_presence(e->est);
}

int vn_overlay_estimator_solve(VnOverlayEstimator *e, VnImage **alpha, VnImage **color)
{
    int ret;
    if (!e || !alpha || !color)
        return -EINVAL;
    if (vni_overlay_est_frames(e->est) < 2) {
        *alpha = *color = NULL;
        return vni_error(e->ctx, -EINVAL, "overlay: at least 2 frames are needed, got %d",
                         vni_overlay_est_frames(e->est));
    }
    if ((ret = vni_overlay_solve(e->est, alpha, color)) < 0)
        return vni_error(e->ctx, ret, "overlay: %s", vn_strerror(ret));
    return 0;
}

void vn_overlay_estimator_free(VnOverlayEstimator **pe)
{
    if (!pe || !*pe)
        return;
    vni_overlay_est_free(&(*pe)->est);
    vni_freep(pe);
}

int vn_overlay_remove_image(VnContext *ctx, VnImage *rgb, const VnImage *alpha,
                            const VnImage *color, const VnOverlaySettings *s)
{
    VniOverlayApplyParams p;
    int ret;
    if (!settings_ok(s))
        return vni_error(ctx, -EINVAL, "overlay: invalid settings");
    vni_overlay_apply_default_params(&p);
    p.opaque_lo = s->opaque_lo;
    p.opaque_hi = s->opaque_hi;
    p.noise = s->noise;
    if ((ret = vni_overlay_apply(ctx, rgb, alpha, color, &p)) < 0)
        return vni_error(ctx, ret, "overlay: %s", ret == -EINVAL
                         ? "the frame, alpha and colour images do not match" : vn_strerror(ret));
    return 0;
}

int vn_overlay_detector_open(VnContext *ctx, VnOverlayDetector **pd, int width, int height)
{
    VnOverlayDetector *d;
    int ret;
    if (!pd)
        return -EINVAL;
    *pd = NULL;
    if ((ret = vni_check_size(ctx, width, height)) < 0)
        return vni_error(ctx, ret, "overlay: frames of %dx%d are beyond the limits", width, height);
    if (!(d = vni_calloc_array(1, sizeof(*d))))
        return vni_error(ctx, -ENOMEM, "overlay: out of memory");
    d->ctx = ctx;
    if ((ret = vni_overlay_detect_open(ctx, &d->det, width, height)) < 0) {
        vni_freep(&d);
        return vni_error(ctx, ret, "overlay: cannot detect in frames of %dx%d", width, height);
    }
    *pd = d;
    return 0;
}

int vn_overlay_detector_add(VnOverlayDetector *d, const VnImage *rgb)
{
    int ret;
    if (!d)
        return -EINVAL;
    if ((ret = vni_overlay_detect_add(d->det, rgb)) < 0)
        return vni_error(d->ctx, ret, "overlay: the frame is not RGB24 of the detector's size");
    return 0;
}

int64_t vn_overlay_detector_propose(VnOverlayDetector *d, VnImage *mask)
{
    int64_t ret;
    if (!d)
        return -EINVAL;
    if ((ret = vni_overlay_detect_propose(d->det, mask)) < 0)
        return vni_error(d->ctx, (int)ret, "overlay: %s", ret == -EINVAL
                         ? "the mask is not 8-bit grey of the frame size" : vn_strerror((int)ret));
    return ret;
}

void vn_overlay_detector_free(VnOverlayDetector **pd)
{
    if (!pd || !*pd)
        return;
    vni_overlay_detect_free(&(*pd)->det);
    vni_freep(pd);
}

int64_t vn_overlay_refine_mask(VnContext *ctx, VnImage *mask, const VnImage *alpha,
                               const VnOverlaySettings *s)
{
    VnImage *grown = NULL;
    int64_t n = 0;
    int ret;
    if (!mask || !alpha || !settings_ok(s) || mask->type != VN_U8 || mask->channels != 1 ||
        alpha->type != VN_F32 || alpha->channels != 1 || alpha->width != mask->width ||
        alpha->height != mask->height)
        return vni_error(ctx, -EINVAL, "overlay: the mask and alpha images do not match");
    if ((ret = vn_image_alloc(&grown, mask->width, mask->height, 1, VN_U8)) < 0 ||
        (ret = vni_mask_dilate(ctx, grown, mask, 2)) < 0) {
        vn_image_free(&grown);
        return vni_error(ctx, ret, "overlay: %s", vn_strerror(ret));
    }
    for (int y = 0; y < mask->height; y++)
        for (int x = 0; x < mask->width; x++) {
            int on = vn_image_row(grown, y)[x] &&
                     ((const float *)vn_image_row(alpha, y))[x] >= s->min_alpha;
            vn_image_row(mask, y)[x] = on ? 255 : 0;
            n += on;
        }
    vn_image_free(&grown);
    return n;
}
