/*
 * Overlay detection, tightening: a footprint closed from edges, or grown over the edges near it,
 * takes in some of the picture around and between the strokes of a logo. What belongs to the
 * overlay stands out of the picture behind it in the temporal median: a semi-transparent overlay
 * shifts it by α(W − J), an opaque one replaces it. The picture expected behind is the harmonic
 * (membrane) fill of the median from just outside the footprint; pixels that differ from it by
 * less than `contrast` are dropped. So are the pixels that vary more in time than the picture
 * around them (the fill of the temporal spread): an overlay never adds variation, it scales the
 * picture's by 1 − α. Pixels marked 2 (constant and tested) are kept whatever.
 *
 * Last, at the frame's resolution, the edge is moved to where the temporal median's colours put
 * it (vni_overlay_refine_edge): each pixel near the edge goes to the side, footprint or picture,
 * whose colour in its window (the mean; to leave the footprint, the median too) is clearly nearer
 * to its own. A footprint found at the working resolution misses or adds a band along the edge,
 * and over a still picture α cannot tell.
 */
#include "inpaint/overlay_region.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/select.h"
#include "inpaint/multigrid.h"

#define SPREAD_RATIO 1.1f  /* a pixel of an overlay varies at most this share of the picture ... */
#define SPREAD_EPS 0.5f    /* ... plus this many grey levels */
#define EDGE_WIN 3         /* half side of the window of the edge refinement */
#define EDGE_MIN 30        /* pixels of a component whose edge is refined */
#define EDGE_MARGIN 0.7f   /* a pixel changes side when this much nearer to the other side */

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

/* Box sum over the (2r+1)² window round (x, y) of an integral image s ((w+1) x (h+1)). */
static double box_sum(const double *s, int w, int h, int x, int y, int r)
{
    int x0 = VNI_MAX(x - r, 0), y0 = VNI_MAX(y - r, 0);
    int x1 = VNI_MIN(x + r + 1, w), y1 = VNI_MIN(y + r + 1, h);
    const size_t W = (size_t)w + 1;
    return s[(size_t)y1 * W + x1] - s[(size_t)y0 * W + x1] - s[(size_t)y1 * W + x0] +
           s[(size_t)y0 * W + x0];
}

/* Integral images ((w+1) x (h+1) each) of the footprint (mask set) and of the picture (unset):
 * planes 0 and 4 count their pixels, planes 1..3 and 5..7 sum the median's channels on them. */
static void integrals(const uint8_t *mask, const float *med, int w, int h, double *s)
{
    const size_t W = (size_t)w + 1, plane = W * ((size_t)h + 1);
    for (int k = 0; k < 8; k++)
        memset(s + k * plane, 0, W * sizeof(double));
    for (int y = 0; y < h; y++) {
        double row[8] = {0};
        for (int k = 0; k < 8; k++)
            s[k * plane + (size_t)(y + 1) * W] = 0.0;
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)y * w + x, q = (size_t)(y + 1) * W + x + 1;
            int o = mask[p] ? 0 : 4;
            row[o] += 1.0;
            for (int c = 0; c < 3; c++)
                row[o + 1 + c] += med[3 * p + c];
            for (int k = 0; k < 8; k++)
                s[k * plane + q] = s[k * plane + q - W] + row[k];
        }
    }
}

/* Whether a pixel equal to `want` lies in a within Chebyshev distance r of (x, y). */
static int within(const uint8_t *a, int w, int h, int x, int y, int r, uint8_t want)
{
    for (int yy = VNI_MAX(y - r, 0); yy <= VNI_MIN(y + r, h - 1); yy++)
        for (int xx = VNI_MAX(x - r, 0); xx <= VNI_MIN(x + r, w - 1); xx++)
            if (a[(size_t)yy * w + xx] == want)
                return 1;
    return 0;
}

/* Per pixel of the footprint mask (0/1), whether the refinement may move it (1): within reach
 * of a component of at least EDGE_MIN pixels (specks are left alone: a scene's bit taken in by
 * the detector would grow into the scene round it), and for a footprint pixel, within reach of
 * the outside. lab, stack: w*h scratch. */
static void movable(const uint8_t *mask, int w, int h, int reach, uint8_t *mv, uint8_t *lab,
                    int32_t *stack)
{
    const size_t n = (size_t)w * h;
    int box[4];
    memcpy(lab, mask, n);
    for (size_t p = 0; p < n; p++)
        if (lab[p] == 1 && vni_overlay_flood(lab, w, h, p, 1, 3, 1, stack, box) >= EDGE_MIN)
            vni_overlay_flood(lab, w, h, p, 3, 5, 1, stack, box);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)y * w + x;
            mv[p] = within(lab, w, h, x, y, reach, 5) &&
                    (!mask[p] || within(mask, w, h, x, y, reach, 0));
        }
}

/* The colours of the two sides in the window round (x, y), footprint into f and picture into b:
 * their means (integral images s), or the median of each channel (median = 1). Returns 0 when a
 * side has no pixel there. */
static int side_colours(const uint8_t *mask, const float *med, int w, int h, const double *s,
                        int x, int y, int median, double f[3], double b[3])
{
    enum { WIN = (2 * EDGE_WIN + 1) * (2 * EDGE_WIN + 1) };
    const size_t plane = ((size_t)w + 1) * ((size_t)h + 1);
    float vf[3][WIN], vb[3][WIN];
    int nf = 0, nb = 0;
    if (!median) {
        double cf = box_sum(s, w, h, x, y, EDGE_WIN), cb = box_sum(s + 4 * plane, w, h, x, y, EDGE_WIN);
        if (cf < 0.5 || cb < 0.5)
            return 0;
        for (int c = 0; c < 3; c++) {
            f[c] = box_sum(s + (1 + c) * plane, w, h, x, y, EDGE_WIN) / cf;
            b[c] = box_sum(s + (5 + c) * plane, w, h, x, y, EDGE_WIN) / cb;
        }
        return 1;
    }
    for (int yy = VNI_MAX(y - EDGE_WIN, 0); yy <= VNI_MIN(y + EDGE_WIN, h - 1); yy++)
        for (int xx = VNI_MAX(x - EDGE_WIN, 0); xx <= VNI_MIN(x + EDGE_WIN, w - 1); xx++) {
            size_t q = (size_t)yy * w + xx;
            float(*v)[WIN] = mask[q] ? vf : vb;
            int *k = mask[q] ? &nf : &nb;
            for (int c = 0; c < 3; c++)
                v[c][*k] = med[3 * q + c];
            (*k)++;
        }
    if (!nf || !nb)
        return 0;
    for (int c = 0; c < 3; c++) {
        f[c] = vni_select_f32(vf[c], nf, nf / 2);
        b[c] = vni_select_f32(vb[c], nb, nb / 2);
    }
    return 1;
}

/* Whether the pixel (x, y) of mask belongs to the other side: its colour clearly nearer that
 * side's (EDGE_MARGIN), the sides' colours by side_colours. */
static int moves(const uint8_t *mask, const float *med, int w, int h, const double *s, int x,
                 int y, int median)
{
    const size_t p = (size_t)y * w + x;
    double f[3], b[3], dF = 0.0, dB = 0.0;
    if (!side_colours(mask, med, w, h, s, x, y, median, f, b))
        return 0;
    for (int c = 0; c < 3; c++) {
        dF += fabs(med[3 * p + c] - f[c]);
        dB += fabs(med[3 * p + c] - b[c]);
    }
    return mask[p] ? dB < EDGE_MARGIN * dF : dF < EDGE_MARGIN * dB;
}

/* One half-round of the edge refinement, mask into next: footprint pixels leave it (grow = 0) or
 * pixels of the picture join it (grow = 1). Returns the number of pixels changed. The footprint
 * that comes here holds picture (pass 2's ring of α over a still picture, a band of wall taken
 * with thin letters at the working resolution) that pulls its mean towards the picture's, so
 * that it keeps itself; where it is a minority of a window the footprint's median is still the
 * overlay's colour: a pixel leaves when it is clearly nearer the picture by the sides' means or by
 * their medians. A pixel joins by the means alone: where the footprint missed much of a ring,
 * the picture side's median is the ring's own colour. */
static int64_t refine_round(const uint8_t *mask, const uint8_t *mv, const float *med, int w,
                            int h, const double *s, int grow, uint8_t *next)
{
    int64_t changed = 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)y * w + x;
            next[p] = mask[p];
            if (!mv[p] || mask[p] == grow)
                continue;
            if (moves(mask, med, w, h, s, x, y, 0) || (!grow && moves(mask, med, w, h, s, x, y, 1))) {
                next[p] = !mask[p];
                changed++;
            }
        }
    return changed;
}

int64_t vni_overlay_refine_edge(uint8_t *mask, const float *med, int w, int h, int reach)
{
    const size_t n = (size_t)w * h, plane = ((size_t)w + 1) * ((size_t)h + 1);
    uint8_t *mv = vni_malloc_array(n, 2), *next;
    int32_t *stack = vni_malloc_array(n, sizeof(int32_t));
    double *s = vni_malloc_array(plane, 8 * sizeof(double));
    int64_t kept = 0;
    if (!mv || !stack || !s) {
        kept = -ENOMEM;
        goto fail;
    }
    next = mv + n;
    movable(mask, w, h, reach, mv, next, stack);
    for (int it = 0; it < reach; it++) {
        int64_t changed = 0;
        /* the footprint's strays leave first, so that they do not pull its side's colour */
        for (int grow = 0; grow <= 1; grow++) {
            integrals(mask, med, w, h, s);
            changed += refine_round(mask, mv, med, w, h, s, grow, next);
            memcpy(mask, next, n);
        }
        if (!changed)
            break;
    }
    for (size_t p = 0; p < n; p++)
        kept += mask[p];
fail:
    vni_free(mv);
    vni_free(stack);
    vni_free(s);
    return kept;
}
