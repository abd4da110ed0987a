/*
 * Warping images and masks by a homography: every destination pixel is mapped back through
 * H^-1 and sampled bilinearly; row bands run on the pool.
 */
#include "track/homography.h"

#include <errno.h>
#include <math.h>
#include <string.h>

enum { WARP_U8, WARP_F32, WARP_MASK };

typedef struct WarpJob {
    VnImage *dst, *valid;
    const VnImage *src;
    double Hi[9];
    int kind;
} WarpJob;

/* Bilinear sample of channel c at (x, y), inside [0, w-1] x [0, h-1]. */
static float sample_u8(const VnImage *s, double x, double y, int c, int mask)
{
    int ix = (int)x, iy = (int)y, nch = s->channels;
    int ix1 = VNI_MIN(ix + 1, s->width - 1), iy1 = VNI_MIN(iy + 1, s->height - 1);
    float ax = (float)(x - ix), ay = (float)(y - iy);
    const uint8_t *r0 = vn_image_row(s, iy), *r1 = vn_image_row(s, iy1);
    float p00 = r0[ix * nch + c], p01 = r0[ix1 * nch + c], p10 = r1[ix * nch + c], p11 = r1[ix1 * nch + c];
    if (mask)
        p00 = p00 != 0, p01 = p01 != 0, p10 = p10 != 0, p11 = p11 != 0;
    float a = p00 + (p01 - p00) * ax, b = p10 + (p11 - p10) * ax;
    return a + (b - a) * ay;
}

static float sample_f32(const VnImage *s, double x, double y)
{
    int ix = (int)x, iy = (int)y;
    int ix1 = VNI_MIN(ix + 1, s->width - 1), iy1 = VNI_MIN(iy + 1, s->height - 1);
    float ax = (float)(x - ix), ay = (float)(y - iy);
    const float *r0 = (const float *)vn_image_row(s, iy), *r1 = (const float *)vn_image_row(s, iy1);
    float a = r0[ix] + (r0[ix1] - r0[ix]) * ax, b = r1[ix] + (r1[ix1] - r1[ix]) * ax;
    return a + (b - a) * ay;
}

/* One destination pixel from source position (x, y), known to lie inside the source. */
static void put_pixel(const WarpJob *j, int dx, int dy, double x, double y)
{
    const VnImage *s = j->src;
    uint8_t *row = vn_image_row(j->dst, dy);
    if (j->kind == WARP_F32) {
        ((float *)row)[dx] = sample_f32(s, x, y);
    } else if (j->kind == WARP_MASK) {
        row[dx] = sample_u8(s, x, y, 0, 1) >= 0.5f ? 255 : 0;
    } else {
        for (int c = 0; c < s->channels; c++)
            row[dx * s->channels + c] = (uint8_t)(sample_u8(s, x, y, c, 0) + 0.5f);
    }
}

static void warp_rows(void *opaque, int job, int n_jobs)
{
    const WarpJob *j = opaque;
    const double *H = j->Hi;
    const VnImage *d = j->dst, *s = j->src;
    const size_t px = j->kind == WARP_F32 ? sizeof(float) : (size_t)d->channels;
    /* a rounding tolerance so that the identity keeps the last row and column */
    const double eps = 1e-6, xmax = s->width - 1 + eps, ymax = s->height - 1 + eps;
    int y0 = (int)((int64_t)d->height * job / n_jobs), y1 = (int)((int64_t)d->height * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        uint8_t *vrow = j->valid ? vn_image_row(j->valid, y) : NULL;
        memset(vn_image_row(d, y), 0, px * (size_t)d->width);
        for (int x = 0; x < d->width; x++) {
            double w = H[6] * x + H[7] * y + H[8];
            double sx = (H[0] * x + H[1] * y + H[2]) / w, sy = (H[3] * x + H[4] * y + H[5]) / w;
            int in = w > 0.0 && sx >= -eps && sy >= -eps && sx <= xmax && sy <= ymax;
            if (in)
                put_pixel(j, x, y, VNI_CLAMP(sx, 0.0, s->width - 1.0), VNI_CLAMP(sy, 0.0, s->height - 1.0));
            if (vrow)
                vrow[x] = in ? 255 : 0;
        }
    }
}

/* Common checks, then the bands. */
static int warp(const VnContext *ctx, VnImage *dst, const VnImage *src, const double H[9], VnImage *valid,
                int kind)
{
    WarpJob j = {dst, valid, src, {0}, kind};
    if (!dst || !src || !H || dst->channels != src->channels || dst->type != src->type || dst == src)
        return -EINVAL;
    if (valid && (valid->type != VN_U8 || valid->channels != 1 || valid->width != dst->width ||
                  valid->height != dst->height))
        return -EINVAL;
    if (vni_homography_invert(H, j.Hi) < 0)
        return -EINVAL;
    /* w > 0 on the visible side: make the inverse's w positive at the destination's centre */
    double wc = j.Hi[6] * dst->width * 0.5 + j.Hi[7] * dst->height * 0.5 + j.Hi[8];
    if (wc < 0)
        for (int i = 0; i < 9; i++)
            j.Hi[i] = -j.Hi[i];
    vni_parallel(ctx, warp_rows, &j, vni_row_jobs(ctx, dst->height));
    return 0;
}

int vni_warp_image(const VnContext *ctx, VnImage *dst, const VnImage *src, const double H[9], VnImage *valid)
{
    if (!src || !dst || (src->type == VN_F32 && src->channels != 1))
        return -EINVAL;
    return warp(ctx, dst, src, H, valid, src->type == VN_F32 ? WARP_F32 : WARP_U8);
}

int vni_warp_mask(const VnContext *ctx, VnImage *dst, const VnImage *src, const double H[9])
{
    if (!src || !dst || src->type != VN_U8 || src->channels != 1)
        return -EINVAL;
    return warp(ctx, dst, src, H, NULL, WARP_MASK);
}
