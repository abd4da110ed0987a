/* The public per-image inpainting entry point and the options of VnInpaintSettings. */
#include "vanish/inpaint.h"

#include <errno.h>

#include "core/internal.h"
#include "core/maskops.h"
#include "inpaint/spatial.h"

static const char *const method_names[] = {"spatial", NULL};

static const VnOption inpaint_options[] = {
    {"method", "how holes are filled: spatial = per-frame membrane fill from the hole's border",
     VN_OPT_CHOICE, offsetof(VnInpaintSettings, method), VN_INPAINT_SPATIAL, 0, 0, method_names},
    {"dilate", "grow the mask by this many pixels to cover soft edges and compression halos",
     VN_OPT_INT, offsetof(VnInpaintSettings, dilate), 2, 0, 64, NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};

void vn_inpaint_default_settings(VnInpaintSettings *s)
{
    s->method = VN_INPAINT_SPATIAL;
    s->dilate = 2;
}

const VnOption *vn_inpaint_options(void)
{
    return inpaint_options;
}

int vn_inpaint_image(VnContext *ctx, VnImage *rgb, const VnImage *mask, const VnInpaintSettings *s,
                     VnImage *dilated_out)
{
    VnImage *dil = dilated_out;
    int ret;
    if (!rgb || !mask || !s || rgb->type != VN_U8 || mask->type != VN_U8 || mask->channels != 1 ||
        mask->width != rgb->width || mask->height != rgb->height || s->dilate < 0 || s->dilate > 64)
        return vni_error(ctx, -EINVAL, "inpaint: invalid image, mask or settings");
    if (dil && (dil->width != mask->width || dil->height != mask->height || dil->channels != 1 ||
                dil->type != VN_U8))
        return vni_error(ctx, -EINVAL, "inpaint: the dilated-mask image has the wrong shape");
    if (!dil && (ret = vn_image_alloc(&dil, mask->width, mask->height, 1, VN_U8)) < 0)
        return vni_error(ctx, ret, "inpaint: %s", vn_strerror(ret));
    if ((ret = vni_mask_dilate(ctx, dil, mask, s->dilate)) >= 0)
        ret = vni_fill_harmonic(ctx, rgb, dil);
    if (dil != dilated_out)
        vn_image_free(&dil);
    return ret < 0 ? vni_error(ctx, ret, "inpaint: %s", vn_strerror(ret)) : 0;
}
