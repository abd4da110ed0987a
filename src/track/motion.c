/*
 * Carrying a mask from one frame to the next along sparse motion: Shi–Tomasi corners in and
 * around the object tracked by pyramidal KLT, a robust homography of the object's motion, and a
 * smooth field of the residual motion of the matches (Gaussian-weighted Shepard interpolation,
 * pulled towards zero where no match is near) for its non-rigid part.
 */
#include "track/tracker.h"
#include "core/maskops.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CELL 8

/* Mean absolute difference of the region's pixels (sampled every `step` at level l) between
 * prev and cur shifted by (dx, dy) at that level; pixels shifted outside are skipped. */
static float block_cost(const VnImage *a, const VnImage *b, const VnImage *region, VniRect roi, int l, int step,
                        int dx, int dy)
{
    double s = 0;
    int n = 0, total = 0;
    for (int y = roi.y0 >> l; y < (roi.y1 >> l) && y < a->height; y += step) {
        const uint8_t *m = vn_image_row(region, VNI_MIN(y << l, region->height - 1));
        const float *pa = (const float *)vn_image_row(a, y);
        int yb = y + dy;
        const float *pb = (const float *)vn_image_row(b, VNI_CLAMP(yb, 0, b->height - 1));
        for (int x = roi.x0 >> l; x < (roi.x1 >> l) && x < a->width; x += step) {
            int xb = x + dx;
            if (!m[VNI_MIN(x << l, region->width - 1)])
                continue;
            total++;
            if (xb < 0 || xb >= b->width || yb < 0 || yb >= b->height)
                continue;
            s += fabsf(pa[x] - pb[xb]);
            n++;
        }
    }
    /* shifts that leave most of the region outside the frame say too little */
    return n >= 8 && n * 5 >= total * 2 ? (float)(s / n) : 1e30f;
}

/* The region's dominant translation from prev to cur, by coarse-to-fine block matching of its
 * pixels (±32 px around the predicted (*tx, *ty) at the coarsest level used, ±2 px at each finer
 * one): a guess for KLT that does not fall into the local minima of fine textures. */
static void region_translation(const VniPyramid *prev, const VniPyramid *cur, const VnImage *region, VniRect roi,
                               int *tx, int *ty)
{
    int L = VNI_MIN(2, VNI_MIN(prev->n, cur->n) - 1), dx = *tx >> L, dy = *ty >> L;
    for (int l = L; l >= 0; l--) {
        int range = l == L ? (32 >> l) + 1 : 2, bx = dx, by = dy;
        int64_t npx = (int64_t)((roi.x1 - roi.x0) >> l) * ((roi.y1 - roi.y0) >> l);
        int step = npx > 4000 ? (int)sqrt((double)npx / 4000) + 1 : 1;
        float best = 1e30f;
        for (int ey = -range; ey <= range; ey++)
            for (int ex = -range; ex <= range; ex++) {
                /* a mild preference for the prediction, which near the frame's edges (where
                 * little of the region stays inside) matters */
                float c = block_cost(prev->lv[l], cur->lv[l], region, roi, l, step, dx + ex, dy + ey) +
                          2.0f * (float)VNI_MAX(abs(ex), abs(ey));
                if (c < best)
                    best = c, bx = dx + ex, by = dy + ey;
            }
        dx = l ? 2 * bx : bx, dy = l ? 2 * by : by;
    }
    *tx = dx, *ty = dy;
}

int vni_motion_matches(const VnContext *ctx, const VniPyramid *prev, const VniPyramid *cur,
                       const VnImage *region, VniRect roi, int max_pts, VniMatches *m)
{
    VniCornerParams cp;
    VniKltParams kp;
    uint8_t *st = NULL;
    VniPt *a = vni_malloc_array((size_t)max_pts, sizeof(VniPt));
    VniPt *b = vni_malloc_array((size_t)max_pts, sizeof(VniPt));
    int ret = -ENOMEM, n = 0;
    st = vni_malloc_array((size_t)max_pts, 1);
    if (!a || !b || !st)
        goto fail;
    vni_corner_default_params(&cp);
    cp.max_corners = max_pts;
    cp.min_distance = 5;
    cp.border = 2;
    VnImage gv = vni_image_view(prev->lv[0], roi.x0, roi.y0, roi.x1 - roi.x0, roi.y1 - roi.y0);
    VnImage mv = vni_image_view(region, roi.x0, roi.y0, roi.x1 - roi.x0, roi.y1 - roi.y0);
    if (gv.width < 8 || gv.height < 8) {
        ret = 0;
        goto done;
    }
    region_translation(prev, cur, region, roi, &m->tx, &m->ty);
    if ((ret = vni_corners_find(ctx, &gv, &mv, &cp, a, max_pts)) <= 0)
        goto done;
    for (int i = 0; i < ret; i++)
        a[i].x += (float)roi.x0, a[i].y += (float)roi.y0;
    int nt = ret;
    for (int i = 0; i < nt; i++)
        b[i] = (VniPt){a[i].x + (float)m->tx, a[i].y + (float)m->ty};
    vni_klt_default_params(&kp);
    kp.levels = VNI_MIN(2, VNI_MIN(prev->n, cur->n));
    kp.use_guess = 1;
    kp.win = 5;        /* the guess is within a few pixels: a smaller window, fewer iterations */
    kp.max_iters = 10;
    if ((ret = vni_klt_track(ctx, prev, cur, a, b, st, NULL, nt, &kp)) < 0)
        goto fail;
    for (int i = 0; i < nt; i++)
        if (st[i])
            a[n] = a[i], b[n] = b[i], n++;
    ret = 0;
done:
    if (ret < 0)
        goto fail;
    vni_free(m->a);
    vni_free(m->b);
    m->a = a, m->b = b, m->n = n;
    vni_free(st);
    return n;
fail:
    vni_free(a);
    vni_free(b);
    vni_free(st);
    m->n = 0;
    return ret;
}

static int cmp_float(const void *x, const void *y)
{
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

/* Inliers of the translation (dx, dy) among the matches, within 2 px. */
static int translation_inliers(const VniMatches *m, float dx, float dy, uint8_t *inl)
{
    int k = 0;
    for (int i = 0; i < m->n; i++) {
        inl[i] = fabsf(m->b[i].x - m->a[i].x - dx) < 2 && fabsf(m->b[i].y - m->a[i].y - dy) < 2;
        k += inl[i];
    }
    return k;
}

/* The median translation of the matches into H; returns its inlier count. */
static int fit_translation(const VniMatches *m, double H[9], uint8_t *inl)
{
    vni_homography_identity(H);
    H[2] = m->tx, H[5] = m->ty;
    if (m->n < 1)
        return 0;
    float *d = vni_malloc_array((size_t)m->n * 2, sizeof(float));
    if (!d)
        return 0;
    for (int i = 0; i < m->n; i++)
        d[i] = m->b[i].x - m->a[i].x, d[m->n + i] = m->b[i].y - m->a[i].y;
    qsort(d, (size_t)m->n, sizeof(float), cmp_float);
    qsort(d + m->n, (size_t)m->n, sizeof(float), cmp_float);
    H[2] = d[m->n / 2], H[5] = d[m->n + m->n / 2];
    vni_free(d);
    int km = translation_inliers(m, (float)H[2], (float)H[5], inl);
    /* the block matching's translation wins unless the matches clearly agree on another */
    int kb = translation_inliers(m, (float)m->tx, (float)m->ty, inl);
    if (km >= 4 && km > kb + 1)
        return translation_inliers(m, (float)H[2], (float)H[5], inl);
    H[2] = m->tx, H[5] = m->ty;
    return kb;
}

/* A homography that changes areas by less than a quarter between two frames and bends little. */
static int sane(const double H[9])
{
    double det = H[0] * H[4] - H[1] * H[3];
    return det > 0.8 && det < 1.25 && fabs(H[6]) < 2e-3 && fabs(H[7]) < 2e-3 && fabs(H[8] - 1) < 1e-6;
}

/* The motion of the matches: a RANSAC homography when there are many matches and it explains
 * clearly more of them than the median translation, else that translation (a homography of 8
 * parameters fitted to a dozen matches of a small object mixes object and background). */
static void fit_motion(const VniMatches *m, double H[9], uint8_t *inl)
{
    VniRansacParams rp;
    double Hh[9];
    int kt = fit_translation(m, H, inl);
    if (m->n < 16)
        return;
    vni_ransac_default_params(&rp);
    rp.threshold = 2.0f;
    uint8_t *hin = vni_malloc_array((size_t)m->n, 1);
    if (!hin)
        return;
    int kh = vni_homography_ransac(m->a, m->b, m->n, &rp, Hh, hin);
    if (kh >= 12 && kh >= kt + 3 && kh * 2 >= m->n && sane(Hh)) {
        memcpy(H, Hh, sizeof(Hh));
        memcpy(inl, hin, (size_t)m->n);
    }
    vni_free(hin);
}

typedef struct Field {
    VniRect r;            /* region of the destination covered */
    int gw, gh;           /* grid size */
    float *u, *v;         /* residual at grid nodes (cell corners) */
} Field;

/* Residuals of the matches that start on the object, interpolated on a grid over r. */
static int residual_field(const VniMatches *m, const VnImage *src, const double H[9], VniRect r, float sigma,
                          Field *f)
{
    int n = 0;
    VniPt *p = vni_malloc_array((size_t)VNI_MAX(m->n, 1), sizeof(VniPt));
    float *ru = vni_malloc_array((size_t)VNI_MAX(m->n, 1) * 2, sizeof(float));
    f->r = r;
    f->gw = (r.x1 - r.x0) / CELL + 2, f->gh = (r.y1 - r.y0) / CELL + 2;
    f->u = vni_calloc_array((size_t)f->gw * f->gh, sizeof(float));
    f->v = vni_calloc_array((size_t)f->gw * f->gh, sizeof(float));
    if (!p || !ru || !f->u || !f->v) {
        vni_free(p);
        vni_free(ru);
        return -ENOMEM;
    }
    for (int i = 0; i < m->n; i++) {
        int ax = (int)lrintf(m->a[i].x), ay = (int)lrintf(m->a[i].y);
        if (ax < 0 || ay < 0 || ax >= src->width || ay >= src->height || !vn_image_row(src, ay)[ax])
            continue;
        VniPt q;
        vni_homography_apply(H, &m->a[i], &q, 1);
        float du = m->b[i].x - q.x, dv = m->b[i].y - q.y;
        if (!(fabsf(du) < 6 && fabsf(dv) < 6))
            continue;
        p[n] = m->b[i], ru[2 * n] = du, ru[2 * n + 1] = dv, n++;
    }
    const float inv = 1.0f / (2 * sigma * sigma);
    for (int gy = 0; gy < f->gh && n; gy++)
        for (int gx = 0; gx < f->gw; gx++) {
            float x = (float)(r.x0 + gx * CELL), y = (float)(r.y0 + gy * CELL), su = 0, sv = 0, sw = 0.5f;
            for (int i = 0; i < n; i++) {
                float ex = x - p[i].x, ey = y - p[i].y, w = expf(-(ex * ex + ey * ey) * inv);
                su += w * ru[2 * i], sv += w * ru[2 * i + 1], sw += w;
            }
            f->u[gy * f->gw + gx] = su / sw, f->v[gy * f->gw + gx] = sv / sw;
        }
    vni_free(p);
    vni_free(ru);
    return 0;
}

/* Bilinear value of the binary mask at (x, y); 0 outside. */
static float mask_at(const VnImage *s, float x, float y)
{
    if (!(x >= 0 && y >= 0 && x <= s->width - 1 && y <= s->height - 1))
        return 0;
    int ix = (int)x, iy = (int)y, ix1 = VNI_MIN(ix + 1, s->width - 1), iy1 = VNI_MIN(iy + 1, s->height - 1);
    float ax = x - ix, ay = y - iy;
    const uint8_t *r0 = vn_image_row(s, iy), *r1 = vn_image_row(s, iy1);
    float a = (r0[ix] != 0) + ((r0[ix1] != 0) - (r0[ix] != 0)) * ax;
    float b = (r1[ix] != 0) + ((r1[ix1] != 0) - (r1[ix] != 0)) * ax;
    return a + (b - a) * ay;
}

/* dst(x) = src(H^-1 (x - r(x))) over f->r; 0 elsewhere. */
static void warp_with_field(const VnImage *src, VnImage *dst, const double Hi[9], const Field *f)
{
    for (int y = 0; y < dst->height; y++)
        memset(vn_image_row(dst, y), 0, (size_t)dst->width);
    for (int y = f->r.y0; y < f->r.y1; y++) {
        uint8_t *o = vn_image_row(dst, y);
        int gy = (y - f->r.y0) / CELL;
        float ty = (float)((y - f->r.y0) % CELL) / CELL;
        for (int x = f->r.x0; x < f->r.x1; x++) {
            int gx = (x - f->r.x0) / CELL, i = gy * f->gw + gx;
            float tx = (float)((x - f->r.x0) % CELL) / CELL;
            float u0 = f->u[i] + (f->u[i + 1] - f->u[i]) * tx;
            float u1 = f->u[i + f->gw] + (f->u[i + f->gw + 1] - f->u[i + f->gw]) * tx;
            float v0 = f->v[i] + (f->v[i + 1] - f->v[i]) * tx;
            float v1 = f->v[i + f->gw] + (f->v[i + f->gw + 1] - f->v[i + f->gw]) * tx;
            double qx = x - (u0 + (u1 - u0) * ty), qy = y - (v0 + (v1 - v0) * ty);
            double w = Hi[6] * qx + Hi[7] * qy + Hi[8];
            float sx = (float)((Hi[0] * qx + Hi[1] * qy + Hi[2]) / w), sy = (float)((Hi[3] * qx + Hi[4] * qy + Hi[5]) / w);
            o[x] = mask_at(src, sx, sy) >= 0.5f ? 255 : 0;
        }
    }
}

/* The destination region the carried mask can reach: its box moved by H, grown by margin. */
static VniRect carried_box(const VnImage *src, const double H[9], int margin)
{
    VniRect r = {0, 0, 0, 0};
    int x0, y0, x1, y1;
    if (!vni_mask_bbox(src, &x0, &y0, &x1, &y1))
        return r;
    VniPt c[4] = {{(float)x0, (float)y0}, {(float)x1, (float)y0}, {(float)x0, (float)y1}, {(float)x1, (float)y1}};
    vni_homography_apply(H, c, c, 4);
    float mx0 = 1e9f, my0 = 1e9f, mx1 = -1e9f, my1 = -1e9f;
    for (int i = 0; i < 4; i++) {
        if (!isfinite(c[i].x) || !isfinite(c[i].y))
            return (VniRect){0, 0, src->width, src->height};
        mx0 = fminf(mx0, c[i].x), mx1 = fmaxf(mx1, c[i].x), my0 = fminf(my0, c[i].y), my1 = fmaxf(my1, c[i].y);
    }
    r.x0 = (int)VNI_CLAMP(mx0 - margin, 0.0f, (float)src->width);
    r.y0 = (int)VNI_CLAMP(my0 - margin, 0.0f, (float)src->height);
    r.x1 = (int)VNI_CLAMP(mx1 + margin + 1, 0.0f, (float)src->width);
    r.y1 = (int)VNI_CLAMP(my1 + margin + 1, 0.0f, (float)src->height);
    if (r.x1 < r.x0)
        r.x1 = r.x0;
    if (r.y1 < r.y0)
        r.y1 = r.y0;
    return r;
}

int vni_motion_carry(const VnContext *ctx, const VniMatches *m, const VnImage *src, VnImage *dst,
                     double H[9])
{
    double Hl[9], Hi[9];
    Field f = {0};
    int ret = -ENOMEM;
    uint8_t *inl = vni_malloc_array((size_t)VNI_MAX(m->n, 1), 1);
    if (!inl)
        return -ENOMEM;
    fit_motion(m, Hl, inl);
    if (H)
        memcpy(H, Hl, sizeof(Hl));
    if (vni_homography_invert(Hl, Hi) < 0) {
        vni_homography_identity(Hl);
        vni_homography_identity(Hi);
    }
    VniRect r = carried_box(src, Hl, 16);
    int x0, y0, x1, y1;
    float sigma = 16;
    if (vni_mask_bbox(src, &x0, &y0, &x1, &y1))
        sigma = fmaxf(8.0f, 0.2f * sqrtf((float)(x1 - x0 + 1) * (float)(y1 - y0 + 1)));
    if (residual_field(m, src, Hl, r, sigma, &f) < 0)
        goto fail;
    warp_with_field(src, dst, Hi, &f);
    ret = 0;
fail:
    vni_free(f.u);
    vni_free(f.v);
    vni_free(inl);
    return ret;
}
