/* The public per-image inpainting entry point and the options of VnInpaintSettings. */
#include "vanish/inpaint.h"

#include <errno.h>

#include "core/internal.h"
#include "core/maskops.h"
#include "inpaint/spatial.h"

static const char *const method_names[] = {"fill", "spatial", "auto", "unblend", NULL};
static const char *const preset_names[] = {"fast", "medium", "best", NULL};

static const VnOption inpaint_options[] = {
    {"method", "fill: from other frames along the flow; spatial: per frame, from the border; "
     "auto: a static mask is an overlay, un-blended where it lets the picture through, filled "
     "where opaque; unblend: the same, opaque part filled per frame",
     VN_OPT_CHOICE, offsetof(VnInpaintSettings, method), VN_INPAINT_AUTO, 0, 3, method_names},
    {"dilate", "grow the mask by this many pixels to cover soft edges and compression halos",
     VN_OPT_INT, offsetof(VnInpaintSettings, dilate), 2, 0, 64, NULL},
    {"working-size", "long side of the working resolution for motion (the fill keeps full detail)",
     VN_OPT_INT, offsetof(VnInpaintSettings, working_size), 960, 64, 4096, NULL},
    {"window", "frames solved together (a quarter overlap the next window)",
     VN_OPT_INT, offsetof(VnInpaintSettings, window), 24, 4, 200, NULL},
    {"quality", "speed against quality of flow and completion", VN_OPT_CHOICE, offsetof(VnInpaintSettings, preset),
     VN_PRESET_MEDIUM, 0, 2, preset_names},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};

void vn_inpaint_default_settings(VnInpaintSettings *s)
{
    s->method = VN_INPAINT_AUTO;
    s->dilate = 2;
    s->working_size = 960;
    s->window = 24;
    s->preset = VN_PRESET_MEDIUM;
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
