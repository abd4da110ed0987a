/*
 * Overlay detection, tightening: a footprint closed from edges, or grown over the edges near it,
 * takes in some of the picture around and between the strokes of a logo. What belongs to the
 * overlay stands out of the picture behind it in the temporal median: a semi-transparent overlay
 * shifts it by α(W − J), an opaque one replaces it. The picture expected behind is the harmonic
 * (membrane) fill of the median from just outside the footprint; pixels that differ from it by
 * less than `contrast` are dropped. So are the pixels that vary more in time than the picture
 * around them (the fill of the temporal spread): an overlay never adds variation, it scales the
 * picture's by 1 − α. Pixels marked 2 (constant and tested) are kept whatever.
 */
#include "inpaint/overlay_region.h"

#include <math.h>

#include "inpaint/multigrid.h"

#define SPREAD_RATIO 1.1f  /* a pixel of an overlay varies at most this share of the picture ... */
#define SPREAD_EPS 0.5f    /* ... plus this many grey levels */

int64_t vni_overlay_tighten(const VnContext *ctx, uint8_t *out, const float *m,
                            const float *spread, int w, int h, float contrast)
{
    VnImage *u = NULL, *hole = NULL;
    VnMgParams mp;
    int64_t kept = 0;
    int ret;
    if ((ret = vn_image_alloc(&u, w, h, 2, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&hole, w, h, 1, VN_U8)) < 0) {
        kept = ret;
        goto fail;
    }
    /* unknown: the footprint grown by one pixel (its soft edge is no part of the picture) */
    for (int y = 0; y < h; y++) {
        float *ur = (float *)vn_image_row(u, y);
        uint8_t *hr = vn_image_row(hole, y);
        for (int x = 0; x < w; x++) {
            ur[2 * x] = m[(size_t)y * w + x];
            ur[2 * x + 1] = spread[(size_t)y * w + x];
            for (int yy = VNI_MAX(0, y - 1); yy <= VNI_MIN(h - 1, y + 1) && !hr[x]; yy++)
                for (int xx = VNI_MAX(0, x - 1); xx <= VNI_MIN(w - 1, x + 1); xx++)
                    hr[x] |= out[(size_t)yy * w + xx] != 0;
        }
    }
    vni_mg_default_params(&mp);
    if ((ret = vni_mg_solve(ctx, u, hole, NULL, NULL, NULL, &mp)) < 0) {
        kept = ret;
        goto fail;
    }
    for (int y = 0; y < h; y++) {
        const float *ur = (const float *)vn_image_row(u, y);
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)y * w + x;
            if (!out[p])
                continue;
            if (out[p] == 2) {
                out[p] = 1;
                kept++;
                continue;
            }
            out[p] = fabsf(m[p] - ur[2 * x]) >= contrast &&
                     spread[p] <= SPREAD_RATIO * ur[2 * x + 1] + SPREAD_EPS;
            kept += out[p];
        }
    }
fail:
    vn_image_free(&u);
    vn_image_free(&hole);
    return kept;
}
