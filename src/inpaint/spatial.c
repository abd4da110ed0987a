#include "inpaint/spatial.h"

#include <errno.h>
#include <math.h>

#include "core/maskops.h"
#include "inpaint/multigrid.h"

/* Crop [x0,x1]x[y0,y1] of an 8-bit image into a float image and of the mask into a mask. */
static void load_crop(const VnImage *img, const VnImage *mask, VnImage *fu, VnImage *fm, int x0, int y0)
{
    const int nch = img->channels;
    for (int y = 0; y < fu->height; y++) {
        const uint8_t *s = vn_image_row(img, y0 + y) + (ptrdiff_t)x0 * nch;
        const uint8_t *m = vn_image_row(mask, y0 + y) + x0;
        float *d = (float *)vn_image_row(fu, y);
        uint8_t *dm = vn_image_row(fm, y);
        for (int x = 0; x < fu->width * nch; x++)
            d[x] = s[x];
        for (int x = 0; x < fu->width; x++)
            dm[x] = m[x] != 0;
    }
}

/* Write the solved unknowns back, rounded and clamped. */
static void store_crop(VnImage *img, const VnImage *fu, const VnImage *fm, int x0, int y0)
{
    const int nch = img->channels;
    for (int y = 0; y < fu->height; y++) {
        uint8_t *d = vn_image_row(img, y0 + y) + (ptrdiff_t)x0 * nch;
        const float *s = (const float *)vn_image_row(fu, y);
        const uint8_t *m = vn_image_row(fm, y);
        for (int x = 0; x < fu->width; x++)
            if (m[x])
                for (int c = 0; c < nch; c++) {
                    float v = s[x * nch + c] + 0.5f;
                    d[x * nch + c] = (uint8_t)(v <= 0.0f ? 0 : v >= 255.0f ? 255 : (int)v);
                }
    }
}

int vni_fill_harmonic(const VnContext *ctx, VnImage *img, const VnImage *mask)
{
    VnImage *fu = NULL, *fm = NULL;
    VnMgParams p;
    int x0, y0, x1, y1, pad, ret;
    if (!img || !mask || img->type != VN_U8 || mask->type != VN_U8 || mask->channels != 1 ||
        mask->width != img->width || mask->height != img->height)
        return -EINVAL;
    if (!vni_mask_bbox(mask, &x0, &y0, &x1, &y1))
        return 0;
    /* the solver keeps a ring of known pixels as wide as the hole's smaller side */
    pad = VNI_MIN(x1 - x0, y1 - y0) + 2;
    x0 = VNI_MAX(0, x0 - pad);
    y0 = VNI_MAX(0, y0 - pad);
    x1 = VNI_MIN(img->width - 1, x1 + pad);
    y1 = VNI_MIN(img->height - 1, y1 + pad);
    if ((ret = vn_image_alloc(&fu, x1 - x0 + 1, y1 - y0 + 1, img->channels, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&fm, x1 - x0 + 1, y1 - y0 + 1, 1, VN_U8)) < 0)
        goto fail;
    load_crop(img, mask, fu, fm, x0, y0);
    vni_mg_default_params(&p);
    p.tol = 0.05f; /* far below one grey level */
    if ((ret = vni_mg_solve(ctx, fu, fm, NULL, NULL, NULL, &p)) < 0)
        goto fail;
    store_crop(img, fu, fm, x0, y0);
fail:
    vn_image_free(&fu);
    vn_image_free(&fm);
    return ret;
}
