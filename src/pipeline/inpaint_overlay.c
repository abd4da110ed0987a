/* The overlay half of the inpainting job: estimate α and W once, then un-blend every frame. */
#include "pipeline/inpaint_overlay.h"

#include <errno.h>

#include "inpaint/overlay.h"
#include "vanish/overlay.h"

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

int vni_overlay_job_open(VnContext *ctx, VniOverlayJob **po, const char *input,
                         const VnImage *footprint, const VnInpaintSettings *s)
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
