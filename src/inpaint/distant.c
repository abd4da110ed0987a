#include "inpaint/distant.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/maskops.h"
#include "flow/sample.h"
#include "track/homography.h"

#define FIT_POINTS 600   /* flow samples per pair fit */
#define MATCH_POINTS 400 /* grid points tried per candidate refinement */
#define PATCH_R 3        /* block matching: patch radius */
#define SEARCH_R 4       /* block matching: search radius around the prediction, px */
#define MAX_TRIED 6      /* candidates refined per direction */
#define RING 8           /* ring of known pixels around the hole checked, px */
#define RING_ERR 10.0    /* ring check: spread of the difference, grey levels, plus a share of the
                            ring's own spread */

/* Map (x, y) by H; far outside any image when H sends it to infinity. */
static inline void hmap(const double H[9], double x, double y, float *ox, float *oy)
{
    double w = H[6] * x + H[7] * y + H[8];
    if (fabs(w) < 1e-12) {
        *ox = *oy = -1e6f;
        return;
    }
    *ox = (float)VNI_CLAMP((H[0] * x + H[1] * y + H[2]) / w, -1e6, 1e6);
    *oy = (float)VNI_CLAMP((H[3] * x + H[4] * y + H[5]) / w, -1e6, 1e6);
}

static inline int hole_at(const VnImage *h, int x, int y)
{
    return vn_image_row(h, y)[x] != 0;
}

/* Sum of the three channels (0..765) at an integer position. */
static inline int lum(const VnImage *img, int x, int y)
{
    const uint8_t *p = vn_image_row(img, y) + 3 * x;
    return p[0] + p[1] + p[2];
}

/* RANSAC homography a[i] → b[i] with inliers within `threshold` px; -EINVAL unless at least
 * min_inliers agree. */
static int robust_fit(const VniPt *a, const VniPt *b, int n, float threshold, int min_inliers, double H[9])
{
    VniRansacParams p;
    int ret;
    if (n < min_inliers)
        return -EINVAL;
    vni_ransac_default_params(&p);
    p.threshold = threshold;
    p.max_iters = 500;
    ret = vni_homography_ransac(a, b, n, &p, H, NULL);
    return ret < 0 ? ret : ret < min_inliers ? -EINVAL : 0;
}

/* One flow sample a → b if it is visible in both frames and consistent; 1 if kept. */
static int flow_sample(const VnImage *fwd, const VnImage *bwd, const VnImage *hole_b, int x, int y,
                       VniPt *pa, VniPt *pb)
{
    const float *d = (const float *)vn_image_row(fwd, y) + 2 * x;
    float qx = x + d[0], qy = y + d[1];
    int ix = (int)lrintf(qx), iy = (int)lrintf(qy);
    const float *e;
    if (!(qx >= 0 && qy >= 0 && qx <= fwd->width - 1 && qy <= fwd->height - 1) || hole_at(hole_b, ix, iy))
        return 0;
    e = (const float *)vn_image_row(bwd, iy) + 2 * ix;
    if (hypotf(d[0] + e[0], d[1] + e[1]) > 1.0f + 0.05f * hypotf(d[0], d[1]))
        return 0;
    *pa = (VniPt){(float)x, (float)y};
    *pb = (VniPt){qx, qy};
    return 1;
}

int vni_homography_from_flow(const VnImage *fwd, const VnImage *bwd, const VnImage *hole_a,
                             const VnImage *hole_b, double H[9])
{
    const int w = fwd->width, h = fwd->height;
    int step = VNI_MAX(2, (int)sqrt((double)w * h / FIT_POINTS)), n = 0, ret;
    size_t cap = (size_t)(w / step + 1) * (size_t)(h / step + 1);
    VniPt *a = vni_malloc_array(cap, sizeof(*a)), *b = vni_malloc_array(cap, sizeof(*b));
    if (!a || !b) {
        ret = -ENOMEM;
        goto fail;
    }
    for (int y = step / 2; y < h; y += step)
        for (int x = step / 2; x < w; x += step)
            if (!hole_at(hole_a, x, y))
                n += flow_sample(fwd, bwd, hole_b, x, y, &a[n], &b[n]);
    /* a scene that no plane explains (large moving objects) gives no usable prediction */
    ret = robust_fit(a, b, n, 1.0f, VNI_MAX(12, n / 4), H);
fail:
    vni_free(a);
    vni_free(b);
    return ret;
}

/* Enough texture for block matching, and no hole pixel, in the patch at (x, y) of rgb. */
static int textured(const VnImage *rgb, const VnImage *hole, int x, int y)
{
    int g = 0;
    for (int dy = -PATCH_R; dy <= PATCH_R; dy++)
        for (int dx = -PATCH_R; dx <= PATCH_R; dx++) {
            int c = lum(rgb, x + dx, y + dy);
            if (hole_at(hole, x + dx, y + dy))
                return 0;
            g += abs(lum(rgb, x + dx + 1, y + dy) - c) + abs(lum(rgb, x + dx, y + dy + 1) - c);
        }
    return g >= (2 * PATCH_R + 1) * (2 * PATCH_R + 1) * 12;
}

static float patch_ssd(const VnImage *a, int ax, int ay, const VnImage *b, int bx, int by)
{
    float s = 0.0f;
    for (int dy = -PATCH_R; dy <= PATCH_R; dy++)
        for (int dx = -PATCH_R; dx <= PATCH_R; dx++) {
            float d = (float)(lum(a, ax + dx, ay + dy) - lum(b, bx + dx, by + dy));
            s += d * d;
        }
    return s;
}

/* Sub-pixel offset of a parabola's minimum through three samples. */
static float parabola(float m, float c, float p)
{
    float den = m - 2 * c + p;
    return den > 0 ? VNI_CLAMP(0.5f * (m - p) / den, -0.5f, 0.5f) : 0.0f;
}

/* Where the target's patch at (x, y) lies in the candidate, searched around H's prediction;
 * 0 if the prediction leaves the frame, lands in the hole or the best match is on the search
 * border (the prediction was too far off to trust the match). */
static int match_point(const VnImage *rgb, const VniCandidate *c, const double H[9], int x, int y, VniPt *out)
{
    float ssd[2 * SEARCH_R + 1][2 * SEARCH_R + 1], best = 1e30f, qx, qy;
    int bx = 0, by = 0, ix, iy;
    const int m = PATCH_R + SEARCH_R + 1;
    hmap(H, x, y, &qx, &qy);
    ix = (int)lrintf(qx);
    iy = (int)lrintf(qy);
    if (ix < m || iy < m || ix >= c->rgb->width - m || iy >= c->rgb->height - m || hole_at(c->hole, ix, iy))
        return 0;
    for (int dy = -SEARCH_R; dy <= SEARCH_R; dy++)
        for (int dx = -SEARCH_R; dx <= SEARCH_R; dx++) {
            float s = patch_ssd(rgb, x, y, c->rgb, ix + dx, iy + dy);
            ssd[dy + SEARCH_R][dx + SEARCH_R] = s;
            if (s < best) {
                best = s;
                bx = dx;
                by = dy;
            }
        }
    if (abs(bx) == SEARCH_R || abs(by) == SEARCH_R)
        return 0;
    bx += SEARCH_R;
    by += SEARCH_R;
    out->x = (float)(ix + bx - SEARCH_R) + parabola(ssd[by][bx - 1], ssd[by][bx], ssd[by][bx + 1]);
    out->y = (float)(iy + by - SEARCH_R) + parabola(ssd[by - 1][bx], ssd[by][bx], ssd[by + 1][bx]);
    return 1;
}

typedef struct Box {
    int x0, y0, x1, y1; /* inclusive */
} Box;

/* Refine H (target → candidate) on textured points of `region` matched in the candidate. */
static int refine(const VnImage *rgb, const VnImage *hole, Box r, const VniCandidate *c, double H[9])
{
    const int lo = PATCH_R + 1;
    int step, n = 0, ret;
    size_t cap;
    VniPt *a, *b;
    r.x0 = VNI_MAX(r.x0, lo);
    r.y0 = VNI_MAX(r.y0, lo);
    r.x1 = VNI_MIN(r.x1, rgb->width - 1 - lo);
    r.y1 = VNI_MIN(r.y1, rgb->height - 1 - lo);
    if (r.x1 < r.x0 || r.y1 < r.y0)
        return -EINVAL;
    step = VNI_MAX(2, (int)sqrt((double)(r.x1 - r.x0 + 1) * (r.y1 - r.y0 + 1) / MATCH_POINTS));
    cap = (size_t)((r.x1 - r.x0) / step + 1) * (size_t)((r.y1 - r.y0) / step + 1);
    a = vni_malloc_array(cap, sizeof(*a));
    b = vni_malloc_array(cap, sizeof(*b));
    ret = -ENOMEM;
    if (!a || !b)
        goto fail;
    for (int y = r.y0; y <= r.y1; y += step)
        for (int x = r.x0; x <= r.x1; x += step)
            if (textured(rgb, hole, x, y) && match_point(rgb, c, H, x, y, &b[n])) {
                a[n] = (VniPt){(float)x, (float)y};
                n++;
            }
    ret = robust_fit(a, b, n, 1.5f, VNI_MAX(8, n / 3), H);
fail:
    vni_free(a);
    vni_free(b);
    return ret;
}

/*
 * Does the aligned candidate agree with the target on the known pixels around the hole? The
 * spread of their difference (its mean removed: a change of light is the Poisson step's to
 * correct) must stay small next to the ring's own spread. 1 yes, 0 no, -1 nothing to compare
 * (the target shows almost nothing).
 */
static int ring_agrees(const VnImage *rgb, const VnImage *hole, Box r, const VniCandidate *c, const double H[9])
{
    double s[3] = {0, 0, 0}, s2[3] = {0, 0, 0}, t[3] = {0, 0, 0}, t2[3] = {0, 0, 0}, err = 0, spread = 0;
    int64_t n = 0;
    for (int y = r.y0; y <= r.y1; y++)
        for (int x = r.x0; x <= r.x1; x++) {
            const uint8_t *p = vn_image_row(rgb, y) + 3 * x;
            float qx, qy, v[3];
            if (hole_at(hole, x, y))
                continue;
            hmap(H, x, y, &qx, &qy);
            if (!vni_visible(c->hole, qx, qy))
                continue;
            vni_sample_u8(c->rgb, qx, qy, v);
            for (int ch = 0; ch < 3; ch++) {
                double d = p[ch] - v[ch];
                s[ch] += d;
                s2[ch] += d * d;
                t[ch] += p[ch];
                t2[ch] += (double)p[ch] * p[ch];
            }
            n++;
        }
    if (n < 16)
        return -1;
    for (int ch = 0; ch < 3; ch++) {
        err += sqrt(fmax(0.0, s2[ch] / n - (s[ch] / n) * (s[ch] / n))) / 3;
        spread += sqrt(fmax(0.0, t2[ch] / n - (t[ch] / n) * (t[ch] / n))) / 3;
    }
    return err <= RING_ERR + 0.35 * spread;
}

/* Give direction k's source from candidate c (aligned by H) to the unfilled pixels of box b that
 * still lack one and are visible there (not on an object beside a static hole); with `dry`,
 * only count them. */
static int64_t assign(const VnImage *unfilled, Box b, const VniCandidate *c, const double H[9], int k,
                      VniSources *src, int dry)
{
    int64_t n = 0;
    for (int y = b.y0; y <= b.y1; y++) {
        const uint8_t *u = vn_image_row(unfilled, y);
        for (int x = b.x0; x <= b.x1; x++) {
            ptrdiff_t i = (ptrdiff_t)y * src->w + x;
            float qx, qy;
            if (!u[x] || src->frame[k][i] >= 0)
                continue;
            hmap(H, x, y, &qx, &qy);
            if (!vni_visible(c->hole, qx, qy) || vni_moving_source(c->own, c->moving, qx, qy, x, y))
                continue;
            n++;
            if (dry)
                continue;
            src->frame[k][i] = (int16_t)c->index;
            src->x[k][i] = qx;
            src->y[k][i] = qy;
        }
    }
    return n;
}

/* Bounding box of the set pixels grown by `by`, clamped to the image; 0 if none is set. */
static int grown_box(const VnImage *m, int by, Box *b)
{
    if (!vni_mask_bbox(m, &b->x0, &b->y0, &b->x1, &b->y1))
        return 0;
    b->x0 = VNI_MAX(0, b->x0 - by);
    b->y0 = VNI_MAX(0, b->y0 - by);
    b->x1 = VNI_MIN(m->width - 1, b->x1 + by);
    b->y1 = VNI_MIN(m->height - 1, b->y1 + by);
    return 1;
}

int64_t vni_distant_sources(const VnImage *rgb, const VnImage *hole, const VnImage *unfilled,
                            const VniCandidate *cand, int n_cand, VniSources *src)
{
    Box ub, hb, region, ring;
    int64_t got = 0;
    if (!grown_box(unfilled, 0, &ub) || !grown_box(hole, 0, &hb))
        return 0;
    ring = hb;
    grown_box(hole, RING, &ring);
    region = hb;
    grown_box(hole, VNI_MAX(32, VNI_MAX(hb.x1 - hb.x0, hb.y1 - hb.y0) / 2), &region);
    for (int y = ub.y0; y <= ub.y1; y++)
        for (int x = ub.x0; x <= ub.x1; x++)
            if (vn_image_row(unfilled, y)[x])
                for (int k = 0; k < 2; k++)
                    src->frame[k][(ptrdiff_t)y * src->w + x] = -1;
    for (int k = 0; k < 2; k++) {
        int tried = 0;
        for (int j = 0; j < n_cand && tried < MAX_TRIED; j++) {
            const VniCandidate *c = &cand[j];
            double H[9];
            if (c->dir != k || !assign(unfilled, ub, c, c->H, k, src, 1))
                continue;
            tried++;
            memcpy(H, c->H, sizeof(H));
            /* a target that shows nothing to align or check on can only take the prediction */
            if (refine(rgb, hole, region, c, H) < 0) {
                if (ring_agrees(rgb, hole, ring, c, c->H) >= 0)
                    continue;
            } else if (!ring_agrees(rgb, hole, ring, c, H)) {
                continue;
            }
            assign(unfilled, ub, c, H, k, src, 0);
        }
    }
    for (int y = ub.y0; y <= ub.y1; y++)
        for (int x = ub.x0; x <= ub.x1; x++) {
            ptrdiff_t i = (ptrdiff_t)y * src->w + x;
            got += vn_image_row(unfilled, y)[x] && (src->frame[0][i] >= 0 || src->frame[1][i] >= 0);
        }
    return got;
}
