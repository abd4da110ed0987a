/*
 * Overlay detection where the region step cannot part an overlay from the scene: a scene whose
 * own edges persist everywhere (leaves that wobble in place) closes with a logo's edges into one
 * region too large to be an overlay. Under a semi-transparent overlay I = αW + (1 − α)J the
 * picture's change over time is damped by (1 − α) everywhere inside, and a light overlay lifts
 * the picture's median; both hold over the whole overlay with a sharp edge, while a quiet patch of
 * a scene is quiet by its own nature and, where it is darker, is a shadow. So the log of the
 * temporal spread is compared with a smooth background of it (a Gaussian over the pixels not yet
 * taken, refined a few rounds), the median with a smooth background of the median, and the pixels
 * that are both quieter and lighter are grouped into regions tested like the region step's.
 */
#include "inpaint/overlay_lift.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "core/select.h"
#include "inpaint/overlay_region.h"

#define SPREAD_FLOOR 0.5f /* grey levels added to the spread before its log (a still pixel) */
#define DROP (-0.35f)     /* log drop of the spread against its background: 1 − α below 0.7 */
#define LIFT 8.0f         /* grey levels the median must rise above its background */
#define SIGMA_S 8.0f      /* px: the spread's background */
#define SIGMA_M 4.0f      /* px: the median's background */
#define ROUNDS 3          /* of the backgrounds, each without what the last one found */
#define EX_R 2            /* px round what is found that the backgrounds leave out */
#define GROUP_R 3         /* closing that groups the found pixels into regions */
#define SHAPE_R 2         /* closing that shapes the footprint inside a region kept */
#define MIN_EDGES 40      /* persistent edge pixels of a region */
#define MIN_DENSITY 0.08f /* persistent edge pixels per pixel of a region */
#define MIN_SHARE 0.4f    /* share of a region's pixels that are quieter and lighter */
#define EDGE_GAP 8        /* px from the frame border that a region must keep */
#define MIN_SIDE 6        /* px: a region's box at least this on both sides */
#define CLOSE_R 7         /* the region step's closing of the persistent edges ... */
#define TOO_LARGE 5       /* ... into a region larger than a 1/TOO_LARGE of the frame */

/* dst = the Gaussian (sigma) blur of src weighted by wgt, over the blur of wgt (0 where no
 * weight reaches): a background that ignores the pixels of weight 0. tmp: 2*w*h floats. */
static void weighted_blur(const float *src, const float *wgt, float *dst, int w, int h,
                          float sigma, float *tmp)
{
    enum { RMAX = 32 };
    const int r = VNI_MIN((int)(3.0f * sigma), RMAX);
    const size_t n = (size_t)w * h;
    float k[2 * RMAX + 1];
    for (int j = -r; j <= r; j++)
        k[j + r] = expf(-(float)(j * j) / (2.0f * sigma * sigma));
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0.0f, sw = 0.0f;
            for (int j = VNI_MAX(-r, -x); j <= VNI_MIN(r, w - 1 - x); j++) {
                size_t q = (size_t)y * w + x + j;
                s += k[j + r] * wgt[q] * src[q];
                sw += k[j + r] * wgt[q];
            }
            tmp[(size_t)y * w + x] = s;
            tmp[n + (size_t)y * w + x] = sw;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0.0f, sw = 0.0f;
            for (int j = VNI_MAX(-r, -y); j <= VNI_MIN(r, h - 1 - y); j++) {
                size_t q = (size_t)(y + j) * w + x;
                s += k[j + r] * tmp[q];
                sw += k[j + r] * tmp[n + q];
            }
            dst[(size_t)y * w + x] = sw > 1e-6f ? s / sw : 0.0f;
        }
}

/* ls = the log of the spread (plus SPREAD_FLOOR), median-filtered over 3x3 (the border copied). */
static void log_spread(const float *spread, float *ls, float *tmp, int w, int h)
{
    const size_t n = (size_t)w * h;
    for (size_t p = 0; p < n; p++)
        tmp[p] = logf(spread[p] + SPREAD_FLOOR);
    memcpy(ls, tmp, n * sizeof(float));
    for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++) {
            float v[9];
            int k = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    v[k++] = tmp[(size_t)(y + dy) * w + x + dx];
            ls[(size_t)y * w + x] = vni_select_f32(v, 9, 4);
        }
}

/* found (0/1) = the pixels quieter (by DROP in log) and lighter (by LIFT) than the backgrounds of
 * the log spread ls and the median m, taken ROUNDS times without the pixels found the round
 * before. f: 5*w*h floats scratch; ex: w*h bytes scratch. */
static void quieter_lighter(const float *m, const float *ls, int w, int h, uint8_t *found,
                            uint8_t *ex, float *f)
{
    const size_t n = (size_t)w * h;
    float *wgt = f, *bs = f + n, *bm = f + 2 * n, *tmp = f + 3 * n;
    memset(ex, 0, n);
    for (int round = 0; round < ROUNDS; round++) {
        for (size_t p = 0; p < n; p++)
            wgt[p] = ex[p] ? 0.0f : 1.0f;
        weighted_blur(ls, wgt, bs, w, h, SIGMA_S, tmp);
        weighted_blur(m, wgt, bm, w, h, SIGMA_M, tmp);
        for (size_t p = 0; p < n; p++)
            found[p] = ls[p] - bs[p] < DROP && m[p] - bm[p] > LIFT;
        vni_overlay_morph(found, ex, w, h, EX_R, 1);
    }
}

/* Whether the region labelled lab (area, box) in a looks like a light overlay: a logo's size,
 * clear of the border, dense in persistent edges, and found pixels a good share of it. */
static int plausible(const uint8_t *a, const uint8_t *found, const uint8_t *edges, int w, int h,
                     uint8_t lab, int64_t area, const int box[4])
{
    const int64_t frame = (int64_t)w * h;
    int64_t ne = 0, nf = 0;
    if (area < frame / 400 || area > frame / 5 || box[0] < EDGE_GAP || box[1] < EDGE_GAP ||
        box[2] >= w - EDGE_GAP || box[3] >= h - EDGE_GAP ||
        VNI_MIN(box[2] - box[0], box[3] - box[1]) + 1 < MIN_SIDE)
        return 0;
    for (int y = box[1]; y <= box[3]; y++)
        for (int x = box[0]; x <= box[2]; x++) {
            size_t p = (size_t)y * w + x;
            if (a[p] != lab)
                continue;
            ne += edges[p] == VNI_OVL_EDGE;
            nf += found[p];
        }
    return ne >= MIN_EDGES && (float)ne >= MIN_DENSITY * (float)area &&
           (float)nf >= MIN_SHARE * (float)area;
}

/* Whether the persistent edges (VNI_OVL_EDGE in edges) close (CLOSE_R, holes filled) into a
 * region larger than a TOO_LARGE-th of the frame, as in the region step: a scene whose own
 * edges persist everywhere, where edges cannot part an overlay from it. a, b: w*h scratch. */
static int edges_too_dense(const uint8_t *edges, int w, int h, uint8_t *a, uint8_t *b,
                           int32_t *stack)
{
    const size_t n = (size_t)w * h;
    int box[4];
    for (size_t p = 0; p < n; p++)
        a[p] = edges[p] == VNI_OVL_EDGE;
    vni_overlay_morph(a, b, w, h, CLOSE_R, 1);
    vni_overlay_morph(b, a, w, h, CLOSE_R, 0);
    vni_overlay_fill_holes(a, w, h, stack);
    for (size_t p = 0; p < n; p++)
        if (a[p] == 1 && vni_overlay_flood(a, w, h, p, 1, 2, 1, stack, box) > (int64_t)n / TOO_LARGE)
            return 1;
    return 0;
}

int64_t vni_overlay_lift(const float *m, const float *spread, const uint8_t *edges, int w, int h,
                         uint8_t *out)
{
    const size_t n = (size_t)w * h;
    float *f = vni_malloc_array(n, 6 * sizeof(float));
    uint8_t *b = vni_malloc_array(n, 3);
    int32_t *stack = vni_malloc_array(n, sizeof(int32_t));
    uint8_t *found, *a, *c;
    int64_t kept = 0;
    int box[4];
    if (!f || !b || !stack) {
        kept = -ENOMEM;
        goto fail;
    }
    found = b, a = b + n, c = b + 2 * n;
    memset(out, 0, n);
    if (!edges_too_dense(edges, w, h, a, c, stack))
        goto fail;
    log_spread(spread, f + 5 * n, f, w, h);
    quieter_lighter(m, f + 5 * n, w, h, found, a, f);
    /* regions: the found pixels grouped (closed, holes filled); labels in a: 1 unvisited, 2 under
     * test, 3 kept, 4 dropped */
    vni_overlay_morph(found, c, w, h, GROUP_R, 1);
    vni_overlay_morph(c, a, w, h, GROUP_R, 0);
    vni_overlay_fill_holes(a, w, h, stack);
    for (size_t p = 0; p < n; p++) {
        int64_t area;
        if (a[p] != 1)
            continue;
        area = vni_overlay_flood(a, w, h, p, 1, 2, 1, stack, box);
        vni_overlay_flood(a, w, h, p, 2,
                          plausible(a, found, edges, w, h, 2, area, box) ? 3 : 4, 1, stack, box);
    }
    /* the footprint: the found pixels shaped by a smaller closing, inside the regions kept */
    vni_overlay_morph(found, c, w, h, SHAPE_R, 1);
    vni_overlay_morph(c, out, w, h, SHAPE_R, 0);
    vni_overlay_fill_holes(out, w, h, stack);
    for (size_t p = 0; p < n; p++) {
        out[p] = out[p] && a[p] == 3;
        kept += out[p];
    }
fail:
    vni_free(f);
    vni_free(b);
    vni_free(stack);
    return kept;
}
