#include "inpaint/layer.h"

#include <errno.h>
#include <math.h>

#include "core/maskops.h"
#include "inpaint/multigrid.h"

/* Known pixels within this many px of the hole's box set the flow inside it. */
#define FLOW_MARGIN 24

/* The motion H gives pixel (x, y). */
static inline void h_motion(const double H[9], int x, int y, float *u, float *v)
{
    double w = H[6] * x + H[7] * y + H[8];
    if (fabs(w) < 1e-12) {
        *u = *v = 0.0f;
        return;
    }
    *u = (float)((H[0] * x + H[1] * y + H[2]) / w - x);
    *v = (float)((H[3] * x + H[4] * y + H[5]) / w - y);
}

/* Whether flow (u, v) at pixel (x, y) moves otherwise than H: its residual against H's motion
 * is over tol px plus a tenth of that motion. */
static inline int moves_otherwise(const double H[9], int x, int y, float u, float v, float tol)
{
    float hu, hv;
    h_motion(H, x, y, &hu, &hv);
    return hypotf(u - hu, v - hv) > tol + 0.1f * hypotf(hu, hv);
}

void vni_mark_moving(const VnImage *flow, const double H[9], float tol, VnImage *moving)
{
    for (int y = 0; y < flow->height; y++) {
        const float *f = (const float *)vn_image_row(flow, y);
        uint8_t *m = vn_image_row(moving, y);
        for (int x = 0; x < flow->width; x++)
            if (moves_otherwise(H, x, y, f[2 * x], f[2 * x + 1], tol))
                m[x] = 255;
    }
}

int vni_complete_flow_background(const VnContext *ctx, VnImage *flow, const VnImage *hole, const VnImage *moving,
                                 const double H[9])
{
    VnImage *r = NULL, *m = NULL;
    VnMgParams mp;
    int x0, y0, x1, y1, bw, bh, ret;
    int64_t known = 0, ring = 0, ring_moving = 0;
    if (!vni_mask_bbox(hole, &x0, &y0, &x1, &y1))
        return 0;
    x0 = VNI_MAX(0, x0 - FLOW_MARGIN);
    y0 = VNI_MAX(0, y0 - FLOW_MARGIN);
    x1 = VNI_MIN(hole->width - 1, x1 + FLOW_MARGIN);
    y1 = VNI_MIN(hole->height - 1, y1 + FLOW_MARGIN);
    bw = x1 - x0 + 1;
    bh = y1 - y0 + 1;
    if ((ret = vn_image_alloc(&r, bw, bh, 2, VN_F32)) < 0 || (ret = vn_image_alloc(&m, bw, bh, 1, VN_U8)) < 0)
        goto fail;
    /* the residual of the flow against the camera's motion; the hole and what moves otherwise
     * are unknown */
    for (int y = 0; y < bh; y++) {
        const uint8_t *hm = vn_image_row(hole, y0 + y), *mv = vn_image_row(moving, y0 + y);
        const float *f = (const float *)vn_image_row(flow, y0 + y);
        float *rr = (float *)vn_image_row(r, y);
        uint8_t *mm = vn_image_row(m, y);
        for (int x = 0; x < bw; x++) {
            mm[x] = hm[x0 + x] || mv[x0 + x];
            rr[2 * x] = rr[2 * x + 1] = 0.0f;
            if (!mm[x]) {
                h_motion(H, x0 + x, y0 + y, &rr[2 * x], &rr[2 * x + 1]);
                rr[2 * x] = f[2 * (x0 + x)] - rr[2 * x];
                rr[2 * x + 1] = f[2 * (x0 + x) + 1] - rr[2 * x + 1];
            }
            known += !mm[x];
        }
    }
    /* the hole's border itself: what lies next to the hole moves with the background? */
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            const uint8_t *hm = vn_image_row(hole, y0 + y);
            int X = x0 + x, Y = y0 + y;
            if (hm[X] || !((X > 0 && hm[X - 1]) || (X + 1 < hole->width && hm[X + 1]) ||
                           (Y > 0 && vn_image_row(hole, Y - 1)[X]) || (Y + 1 < hole->height && vn_image_row(hole, Y + 1)[X])))
                continue;
            ring++;
            ring_moving += vn_image_row(m, y)[x] != 0;
        }
    /* mostly not (three quarters of it): the hole lies on a moving object, whose own motion the
     * membrane continues */
    if (4 * ring_moving > 3 * ring)
        goto fail;
    vni_mg_default_params(&mp);
    mp.tol = 0.01f;
    mp.max_cycles = 4;
    if (known && (ret = vni_mg_solve(ctx, r, m, NULL, NULL, NULL, &mp)) < 0)
        goto fail;
    for (int y = 0; y < bh; y++) {
        const uint8_t *hm = vn_image_row(hole, y0 + y);
        const float *rr = (const float *)vn_image_row(r, y);
        float *f = (float *)vn_image_row(flow, y0 + y);
        for (int x = 0; x < bw; x++) {
            float u, v;
            if (!hm[x0 + x])
                continue;
            h_motion(H, x0 + x, y0 + y, &u, &v);
            f[2 * (x0 + x)] = u + rr[2 * x];
            f[2 * (x0 + x) + 1] = v + rr[2 * x + 1];
        }
    }
fail:
    vn_image_free(&r);
    vn_image_free(&m);
    return ret;
}
