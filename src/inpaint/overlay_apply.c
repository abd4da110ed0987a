/*
 * Giving back the picture under an estimated overlay, per pixel: invert the blend,
 * J = (I − α·W)/(1 − α), where the overlay lets enough of the picture through; fill where it is
 * (nearly) opaque; blend the two smoothly over a band of α so that no seam shows. The noise of
 * the input is amplified by 1/(1 − α): a small edge-preserving filter, stronger as α grows,
 * keeps it in check inside the overlay.
 */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "inpaint/spatial.h"

#define HALF_CHROMA 0.05 /* chroma steps inside 2x2 blocks / across them, under which the
                            frame's chroma is taken as of half resolution (4:2:0) */
#define EDGE_SWEEPS 16   /* Gauss-Seidel sweeps of the smoothing of a 4:2:0 overlay's edge */

void vni_overlay_apply_default_params(VniOverlayApplyParams *p)
{
    p->opaque_lo = 0.85f;
    p->opaque_hi = 0.95f;
    p->noise = 1.0f;
    p->fill = NULL;
    p->fill_cookie = NULL;
}

/* Luma (BT.601) of r, g, b. */
static float luma(float r, float g, float b)
{
    return 0.299f * r + 0.587f * g + 0.114f * b;
}

/* The squared change of chroma (R and B less the luma) from pixel p to pixel q. */
static float chroma_step(const uint8_t *p, const uint8_t *q)
{
    float lp = luma(p[0], p[1], p[2]), lq = luma(q[0], q[1], q[2]), e = 0.0f;
    for (int c = 0; c < 3; c += 2) {
        float d = (q[c] - lq) - (p[c] - lp);
        e += d * d;
    }
    return e;
}

int vni_overlay_half_chroma(const uint8_t *rgb, size_t stride, int x0, int y0, int width,
                            int height)
{
    double inside = 0.0, across = 0.0; /* chroma steps inside and across the 2x2 blocks */
    for (int y = 0; y + 1 < height; y++) {
        const uint8_t *r = rgb + (size_t)y * stride, *r1 = r + stride;
        for (int x = 0; x + 1 < width; x++) {
            float h = chroma_step(r + x * 3, r + x * 3 + 3), v = chroma_step(r + x * 3, r1 + x * 3);
            if ((x0 + x) & 1)
                across += h;
            else
                inside += h;
            if ((y0 + y) & 1)
                across += v;
            else
                inside += v;
        }
    }
    return across > 1000.0 && inside < HALF_CHROMA * across;
}

static float alpha_at(const VnImage *a, int x, int y)
{
    return ((const float *)vn_image_row(a, y))[x];
}

/* Bounding box of α > 0; 0 if there is none. */
static int alpha_box(const VnImage *a, int *x0, int *y0, int *x1, int *y1)
{
    *x0 = a->width, *y0 = a->height, *x1 = -1, *y1 = -1;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++)
            if (alpha_at(a, x, y) > 0.0f) {
                *x0 = VNI_MIN(*x0, x), *x1 = VNI_MAX(*x1, x);
                *y0 = VNI_MIN(*y0, y), *y1 = VNI_MAX(*y1, y);
            }
    return *x1 >= 0;
}

/* α (capped at a_max) and α·W at (x, y) into aw[0..3]. */
static void alpha_w(const VnImage *alpha, const VnImage *color, int x, int y, float a_max,
                    float *aw)
{
    const float *w = (const float *)vn_image_row(color, y) + (size_t)x * 3;
    aw[0] = VNI_MIN(alpha_at(alpha, x, y), a_max);
    for (int c = 0; c < 3; c++)
        aw[1 + c] = aw[0] * w[c];
}

/* The means of α and α·W (capped at a_max) over the aligned 2x2 blocks that meet the box at
 * x0, y0 of bw x bh, into blk (4 floats a block, (bw/2 + 1) blocks a row, rows from y0 & ~1). */
static void block_means(const VnImage *alpha, const VnImage *color, int x0, int y0, int bw,
                        int bh, float a_max, float *blk)
{
    const int bx0 = x0 & ~1, by0 = y0 & ~1, nbx = bw / 2 + 1, nby = bh / 2 + 1;
    for (int by = 0; by < nby; by++)
        for (int bx = 0; bx < nbx; bx++) {
            float *b = blk + ((size_t)by * nbx + bx) * 4, aw[4], k = 0.0f;
            int xs = bx0 + 2 * bx, ys = by0 + 2 * by;
            for (int c = 0; c < 4; c++)
                b[c] = 0.0f;
            for (int yy = ys; yy < VNI_MIN(ys + 2, alpha->height); yy++)
                for (int xx = xs; xx < VNI_MIN(xs + 2, alpha->width); xx++) {
                    alpha_w(alpha, color, xx, yy, a_max, aw);
                    for (int c = 0; c < 4; c++)
                        b[c] += aw[c];
                    k += 1.0f;
                }
            for (int c = 0; c < 4 && k > 0.0f; c++)
                b[c] /= k;
        }
}

/* The inverted blend at (x, y) of a frame whose chroma has half the resolution (4:2:0: one
 * chroma sample per aligned 2x2 block, the mean of the blend's there): the luma from α and α·W
 * at the pixel, the chroma (each channel less the luma) from their means ab over the block. */
static void unblend_half(const VnImage *rgb, const VnImage *alpha, const VnImage *color, int x,
                         int y, float a_max, const float *ab, float *j)
{
    const uint8_t *s = vn_image_row(rgb, y) + (size_t)x * 3;
    float aw[4], iy, jy, by;
    alpha_w(alpha, color, x, y, a_max, aw);
    iy = luma(s[0], s[1], s[2]);
    jy = (iy - luma(aw[1], aw[2], aw[3])) / (1.0f - aw[0]);
    by = luma(ab[1], ab[2], ab[3]);
    for (int c = 0; c < 3; c++) {
        float v = jy + ((s[c] - iy) - (ab[1 + c] - by)) / (1.0f - ab[0]);
        j[c] = VNI_CLAMP(v, 0.0f, 255.0f);
    }
}

/* The inverted blend into j (box crop, 3 floats a pixel; the input where α == 0), with the
 * chroma of half resolution when blk holds the block means (block_means), else NULL. */
static void unblend(const VnImage *rgb, const VnImage *alpha, const VnImage *color, float *j,
                    int x0, int y0, int bw, int bh, float a_max, const float *blk)
{
    const int nbx = bw / 2 + 1;
    for (int y = 0; y < bh; y++) {
        const uint8_t *s = vn_image_row(rgb, y0 + y) + (size_t)x0 * 3;
        const float *w = (const float *)vn_image_row(color, y0 + y) + (size_t)x0 * 3;
        for (int x = 0; x < bw; x++) {
            float a = VNI_MIN(alpha_at(alpha, x0 + x, y0 + y), a_max);
            if (blk && a > 0.0f) {
                size_t b = (size_t)(((y0 + y) >> 1) - (y0 >> 1)) * nbx +
                           (size_t)(((x0 + x) >> 1) - (x0 >> 1));
                unblend_half(rgb, alpha, color, x0 + x, y0 + y, a_max, blk + b * 4,
                             j + ((size_t)y * bw + x) * 3);
                continue;
            }
            for (int c = 0; c < 3; c++) {
                float v = (s[x * 3 + c] - a * w[x * 3 + c]) / (1.0f - a);
                j[((size_t)y * bw + x) * 3 + c] = VNI_CLAMP(v, 0.0f, 255.0f);
            }
        }
    }
}

/* Edge-preserving 3x3 mean of j inside the overlay, with a range scale that follows the noise
 * amplification 1/(1 − α), mixed in with weight α. */
static int denoise(float *j, const VnImage *alpha, int x0, int y0, int bw, int bh, float noise)
{
    float *o = vni_malloc_array((size_t)bw * bh, 3 * sizeof(float));
    if (!o)
        return -ENOMEM;
    memcpy(o, j, (size_t)bw * bh * 3 * sizeof(float));
    for (int y = 1; y + 1 < bh; y++)
        for (int x = 1; x + 1 < bw; x++) {
            float a = VNI_MIN(alpha_at(alpha, x0 + x, y0 + y), 0.95f), sr, acc[3] = {0}, ws = 0;
            const float *p = o + ((size_t)y * bw + x) * 3;
            if (a <= 0.0f)
                continue;
            sr = 2.0f * noise / (1.0f - a);
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    const float *q = o + ((size_t)(y + dy) * bw + x + dx) * 3;
                    float d2 = 0, wq;
                    for (int c = 0; c < 3; c++)
                        d2 += (q[c] - p[c]) * (q[c] - p[c]);
                    wq = expf(-d2 / (6.0f * sr * sr));
                    ws += wq;
                    for (int c = 0; c < 3; c++)
                        acc[c] += wq * q[c];
                }
            for (int c = 0; c < 3; c++)
                j[((size_t)y * bw + x) * 3 + c] = p[c] + a * (acc[c] / ws - p[c]);
        }
    vni_free(o);
    return 0;
}

/* Whether α at (x, y) marks the ring round a 4:2:0 overlay or no overlay (VNI_OVERLAY_RING). */
static int ring_or_out(const VnImage *alpha, int x, int y)
{
    return alpha_at(alpha, x, y) < 2.0f * VNI_OVERLAY_RING;
}

/*
 * The edge of an overlay on a frame from 4:2:0 video (the ring round the region and the region's
 * own pixels next to it) made harmonic from the un-blended inside and the picture outside, in j,
 * by Gauss-Seidel sweeps. There the encoder's rounding of the overlay's sharp edge (ringing that
 * stays with the static edge from frame to frame, a few grey levels, doubled by the un-blending)
 * and the chroma spread over the 2x2 blocks and the conversion's filter leave a thin dotted
 * outline of the logo (box.mp4, 50% OpenCV logo, H.264 CRF 20: the error of the un-blended edge
 * pixels has a persistent part of ~14 grey levels, the inside's ~3); a band 2 pixels wide loses
 * little of the picture. The part to fill (α ≥ a_lo) neither is smoothed nor lends its
 * un-blending (α capped at 0.95: the picture's changes times 20) to the band: an opaque part's
 * edge spread it to the ring, which the fill then took as the picture round its hole (testsrc2
 * under a box handed to the fill: 20.7 dB in the box, 22.8 without that, against 23.8 with
 * --method fill). band: bw*bh scratch.
 */
static void smooth_edge(float *j, const VnImage *alpha, uint8_t *band, int x0, int y0, int bw,
                        int bh, float a_lo)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++) {
            float a = alpha_at(alpha, x0 + x, y0 + y);
            int on = a > 0.0f && ring_or_out(alpha, x0 + x, y0 + y);
            for (int d = 0; d < 4 && !on && a > 0.0f && a < a_lo; d++) {
                int x1 = x0 + x + dx[d], y1 = y0 + y + dy[d];
                on = x1 >= 0 && y1 >= 0 && x1 < alpha->width && y1 < alpha->height &&
                     ring_or_out(alpha, x1, y1);
            }
            band[(size_t)y * bw + x] = (uint8_t)on;
        }
    for (int s = 0; s < EDGE_SWEEPS; s++)
        for (int y = 0; y < bh; y++)
            for (int x = 0; x < bw; x++) {
                float sum[3] = {0.0f, 0.0f, 0.0f};
                int k = 0;
                if (!band[(size_t)y * bw + x])
                    continue;
                for (int d = 0; d < 4; d++) {
                    int x1 = x + dx[d], y1 = y + dy[d];
                    if (x1 < 0 || y1 < 0 || x1 >= bw || y1 >= bh ||
                        alpha_at(alpha, x0 + x1, y0 + y1) >= a_lo)
                        continue;
                    for (int c = 0; c < 3; c++)
                        sum[c] += j[((size_t)y1 * bw + x1) * 3 + c];
                    k++;
                }
                for (int c = 0; c < 3 && k; c++)
                    j[((size_t)y * bw + x) * 3 + c] = sum[c] / (float)k;
            }
}

/* Write j where α > 0, but for the parts that the estimator handed to the fill whole
 * (VNI_OVERLAY_HANDED), which keep the input as --method fill has it: the un-blending there
 * (α capped at 0.95, the picture's changes times 20) is read by the temporal fill (testsrc2
 * under a drawbox on 4:2:0: 22.8 dB in the box against 23.8 with --method fill; written as
 * elsewhere, the opaque parts' un-blending does better than the input: the inner box that
 * the border samples do not reach on the same clip in 4:4:4 came back at 28.3 dB with it,
 * 25.9 with the input). Mark the (nearly) opaque pixels (α ≥ a_lo) in hole; return their count. */
static int64_t store(VnImage *rgb, const VnImage *alpha, const float *j, VnImage *hole, int x0,
                     int y0, int bw, int bh, float a_lo)
{
    int64_t n = 0;
    for (int y = 0; y < bh; y++) {
        uint8_t *d = vn_image_row(rgb, y0 + y) + (size_t)x0 * 3;
        uint8_t *h = vn_image_row(hole, y0 + y) + x0;
        for (int x = 0; x < bw; x++) {
            float a = alpha_at(alpha, x0 + x, y0 + y);
            if (a <= 0.0f)
                continue;
            for (int c = 0; c < 3 && a != VNI_OVERLAY_HANDED; c++)
                d[x * 3 + c] = (uint8_t)(j[((size_t)y * bw + x) * 3 + c] + 0.5f);
            h[x] = a >= a_lo ? 255 : 0;
            n += a >= a_lo;
        }
    }
    return n;
}

/* Fill the opaque part on a copy and hand over from the un-blended picture to the fill. */
static int fill_opaque(const VnContext *ctx, VnImage *rgb, const VnImage *alpha,
                       const VnImage *hole, const VniOverlayApplyParams *p, int x0, int y0,
                       int bw, int bh)
{
    VnImage *f = NULL;
    int ret;
    if ((ret = vn_image_alloc(&f, rgb->width, rgb->height, 3, VN_U8)) < 0 ||
        (ret = vn_image_copy(f, rgb)) < 0)
        goto fail;
    ret = p->fill ? p->fill(p->fill_cookie, f, hole) : vni_fill_harmonic(ctx, f, hole);
    if (ret < 0)
        goto fail;
    for (int y = y0; y < y0 + bh; y++) {
        uint8_t *d = vn_image_row(rgb, y) + (size_t)x0 * 3;
        const uint8_t *s = vn_image_row(f, y) + (size_t)x0 * 3;
        for (int x = 0; x < bw; x++) {
            float t = (alpha_at(alpha, x0 + x, y) - p->opaque_lo) / (p->opaque_hi - p->opaque_lo);
            if (t <= 0.0f)
                continue;
            t = t >= 1.0f ? 1.0f : t * t * (3.0f - 2.0f * t);
            for (int c = 0; c < 3; c++)
                d[x * 3 + c] = (uint8_t)(d[x * 3 + c] + t * (s[x * 3 + c] - d[x * 3 + c]) + 0.5f);
        }
    }
fail:
    vn_image_free(&f);
    return ret;
}

/* The checks shared by vni_overlay_unblend and vni_overlay_apply. */
static int args_ok(const VnImage *rgb, const VnImage *alpha, const VnImage *color,
                   const VniOverlayApplyParams *p)
{
    return rgb && alpha && color && p && rgb->type == VN_U8 && rgb->channels == 3 &&
           alpha->type == VN_F32 && alpha->channels == 1 && color->type == VN_F32 &&
           color->channels == 3 && alpha->width == rgb->width && alpha->height == rgb->height &&
           color->width == rgb->width && color->height == rgb->height &&
           p->opaque_lo > 0.0f && p->opaque_lo < p->opaque_hi && p->opaque_hi <= 1.0f &&
           p->noise >= 0.0f;
}

/* The estimator's decision on the frames' chroma, carried by the ring round the region
 * (vni_overlay_solve): 1 half resolution (VNI_OVERLAY_RING), 0 full (VNI_OVERLAY_RING_FULL), -1
 * no ring (an α not from the estimator). Decided once from the frames it kept, so that the
 * un-blending does not switch between frames whose chroma looks one way on some and the other
 * way on others. In the box x0..x1, y0..y1 of α > 0. */
static int marked_half(const VnImage *alpha, int x0, int y0, int x1, int y1)
{
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            float a = alpha_at(alpha, x, y);
            if (a == VNI_OVERLAY_RING || a == VNI_OVERLAY_RING_FULL)
                return a == VNI_OVERLAY_RING;
        }
    return -1;
}

int64_t vni_overlay_unblend(const VnContext *ctx, VnImage *rgb, const VnImage *alpha,
                            const VnImage *color, const VniOverlayApplyParams *p, VnImage *hole)
{
    float *j = NULL, *blk = NULL, a_max = VNI_MIN(p->opaque_hi, 0.98f);
    uint8_t *band = NULL;
    int x0, y0, x1, y1, bw, bh, half;
    int64_t ret;
    (void)ctx;
    if (!args_ok(rgb, alpha, color, p) || !hole || hole->type != VN_U8 || hole->channels != 1 ||
        hole->width != rgb->width || hole->height != rgb->height)
        return -EINVAL;
    for (int y = 0; y < hole->height; y++)
        memset(vn_image_row(hole, y), 0, (size_t)hole->width);
    if (!alpha_box(alpha, &x0, &y0, &x1, &y1))
        return 0;
    half = marked_half(alpha, x0, y0, x1, y1);
    if (half < 0)
        half = vni_overlay_half_chroma(vn_image_row(rgb, y0) + (size_t)x0 * 3,
                                       (size_t)rgb->stride, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    if (half) { /* the edge's smoothing reads a pixel of picture past the ring */
        x0 = VNI_MAX(x0 - 1, 0), y0 = VNI_MAX(y0 - 1, 0);
        x1 = VNI_MIN(x1 + 1, rgb->width - 1), y1 = VNI_MIN(y1 + 1, rgb->height - 1);
    }
    bw = x1 - x0 + 1;
    bh = y1 - y0 + 1;
    j = vni_malloc_array((size_t)bw * bh, 3 * sizeof(float));
    band = half ? vni_malloc_array((size_t)bw * bh, 1) : NULL;
    blk = half ? vni_malloc_array((size_t)(bw / 2 + 1) * (bh / 2 + 1), 4 * sizeof(float)) : NULL;
    if (!j || (half && (!band || !blk))) {
        ret = -ENOMEM;
        goto fail;
    }
    if (half)
        block_means(alpha, color, x0, y0, bw, bh, a_max, blk);
    unblend(rgb, alpha, color, j, x0, y0, bw, bh, a_max, blk);
    ret = p->noise > 0.0f ? denoise(j, alpha, x0, y0, bw, bh, p->noise) : 0;
    if (ret >= 0 && half)
        smooth_edge(j, alpha, band, x0, y0, bw, bh, p->opaque_lo);
    if (ret >= 0)
        ret = store(rgb, alpha, j, hole, x0, y0, bw, bh, p->opaque_lo);
fail:
    vni_free(j);
    vni_free(band);
    vni_free(blk);
    return ret;
}

int vni_overlay_apply(const VnContext *ctx, VnImage *rgb, const VnImage *alpha,
                      const VnImage *color, const VniOverlayApplyParams *p)
{
    VnImage *hole = NULL;
    int x0, y0, x1, y1, ret;
    int64_t n_opaque;
    if (!args_ok(rgb, alpha, color, p))
        return -EINVAL;
    if (!alpha_box(alpha, &x0, &y0, &x1, &y1))
        return 0;
    if ((ret = vn_image_alloc(&hole, rgb->width, rgb->height, 1, VN_U8)) < 0)
        return ret;
    n_opaque = vni_overlay_unblend(ctx, rgb, alpha, color, p, hole);
    ret = n_opaque < 0 ? (int)n_opaque
                       : n_opaque ? fill_opaque(ctx, rgb, alpha, hole, p, x0, y0, x1 - x0 + 1,
                                                y1 - y0 + 1)
                                  : 0;
    vn_image_free(&hole);
    return ret;
}
