/*
 * Robust homography: RANSAC over minimal samples of 4 matches (rejecting samples with three
 * nearly collinear points), the number of samples adapted to the best inlier ratio so far; then
 * the DLT on all inliers and Levenberg-Marquardt-damped Gauss-Newton on their reprojection error.
 */
#include "track/homography.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/linsolve.h"

void vni_ransac_default_params(VniRansacParams *p)
{
    p->threshold = 2.0f;
    p->confidence = 0.995f;
    p->max_iters = 2000;
    p->refine_iters = 10;
    p->seed = 1;
}

/* xorshift64*: the sampler's generator. */
static uint32_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* Mark and count the matches whose reprojection error is below thr. */
static int count_inliers(const double H[9], const VniPt *a, const VniPt *b, int n, float thr, uint8_t *mask)
{
    int count = 0;
    const double t2 = (double)thr * thr;
    for (int i = 0; i < n; i++) {
        double x = a[i].x, y = a[i].y, w = H[6] * x + H[7] * y + H[8];
        double u = (H[0] * x + H[1] * y + H[2]) / w - b[i].x, v = (H[3] * x + H[4] * y + H[5]) / w - b[i].y;
        int in = w != 0.0 && u * u + v * v < t2;
        if (mask)
            mask[i] = (uint8_t)in;
        count += in;
    }
    return count;
}

/* Twice the area of the triangle p, q, r. */
static double area2(VniPt p, VniPt q, VniPt r)
{
    return fabs((double)(q.x - p.x) * (r.y - p.y) - (double)(q.y - p.y) * (r.x - p.x));
}

/* Whether some three of the four points are nearly collinear (under 1 px^2). */
static int degenerate4(const VniPt *p)
{
    return area2(p[0], p[1], p[2]) < 2.0 || area2(p[0], p[1], p[3]) < 2.0 || area2(p[0], p[2], p[3]) < 2.0 ||
           area2(p[1], p[2], p[3]) < 2.0;
}

/* Draw 4 distinct matches. */
static void draw4(uint64_t *rng, int n, const VniPt *a, const VniPt *b, VniPt *sa, VniPt *sb)
{
    int idx[4];
    for (int k = 0; k < 4; k++) {
        int dup;
        do {
            idx[k] = (int)(((uint64_t)next_rand(rng) * (uint32_t)n) >> 32);
            dup = 0;
            for (int j = 0; j < k; j++)
                dup |= idx[j] == idx[k];
        } while (dup);
        sa[k] = a[idx[k]], sb[k] = b[idx[k]];
    }
}

/* Samples needed to draw one all-inlier sample with the given confidence. */
static double needed_iters(int inliers, int n, double conf)
{
    double w = (double)inliers / n, w4 = w * w * w * w;
    if (w4 >= 1.0)
        return 0.0;
    if (w4 <= 0.0)
        return INFINITY;
    return log(1.0 - conf) / log(1.0 - w4);
}

/* Sum of squared reprojection errors of the matches under H (h8 = 1), with J^T J and J^T r
 * of the 8 free entries when jtj is not NULL. */
static double reproj(const double *h, const VniPt *a, const VniPt *b, int n, double *jtj, double *jtr)
{
    double cost = 0.0;
    if (jtj)
        memset(jtj, 0, 64 * sizeof(double)), memset(jtr, 0, 8 * sizeof(double));
    for (int i = 0; i < n; i++) {
        double x = a[i].x, y = a[i].y, w = h[6] * x + h[7] * y + 1.0;
        double u = (h[0] * x + h[1] * y + h[2]) / w, v = (h[3] * x + h[4] * y + h[5]) / w;
        double ru = u - b[i].x, rv = v - b[i].y;
        cost += ru * ru + rv * rv;
        if (!jtj)
            continue;
        const double ju[8] = {x / w, y / w, 1 / w, 0, 0, 0, -u * x / w, -u * y / w};
        const double jv[8] = {0, 0, 0, x / w, y / w, 1 / w, -v * x / w, -v * y / w};
        for (int r = 0; r < 8; r++) {
            jtr[r] += ju[r] * ru + jv[r] * rv;
            for (int c = 0; c < 8; c++)
                jtj[r * 8 + c] += ju[r] * ju[c] + jv[r] * jv[c];
        }
    }
    return cost;
}

/* Similarity moving the points to their centroid and a mean distance of sqrt(2), applied in
 * place; returns it in T. */
static void normalise_points(VniPt *p, int m, double T[9])
{
    double cx = 0, cy = 0, d = 0;
    for (int i = 0; i < m; i++)
        cx += p[i].x, cy += p[i].y;
    cx /= m, cy /= m;
    for (int i = 0; i < m; i++)
        d += hypot(p[i].x - cx, p[i].y - cy);
    double s = d > 0 ? sqrt(2.0) * m / d : 1.0;
    double t[9] = {s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1};
    for (int i = 0; i < m; i++)
        p[i].x = (float)(s * (p[i].x - cx)), p[i].y = (float)(s * (p[i].y - cy));
    memcpy(T, t, sizeof(t));
}

/* Damped Gauss-Newton on the reprojection error of the m matches pa -> pb (the inliers; both
 * are overwritten), starting from H. Works in normalised coordinates for conditioning. */
static void refine(VniPt *pa, VniPt *pb, int m, int iters, double H[9])
{
    double Ta[9], Tb[9], Tai[9], Tbi[9], h[9], jtj[64], jtr[8], lambda = 1e-3;
    normalise_points(pa, m, Ta);
    normalise_points(pb, m, Tb);
    if (vni_homography_invert(Ta, Tai) < 0 || vni_homography_invert(Tb, Tbi) < 0)
        return;
    vni_homography_mul(Tb, H, h);
    vni_homography_mul(h, Tai, h);
    if (!(fabs(h[8]) > 1e-9))
        return;
    for (int k = 0; k < 9; k++)
        h[k] /= h[8];
    double cost = reproj(h, pa, pb, m, NULL, NULL);
    for (int it = 0; it < iters && cost > 0.0; it++) {
        double step[8], trial[9];
        reproj(h, pa, pb, m, jtj, jtr);
        for (int k = 0; k < 8; k++)
            jtj[k * 9] *= 1.0 + lambda, step[k] = -jtr[k];
        if (vni_solve_linear(jtj, step, 8) < 0)
            break;
        for (int k = 0; k < 8; k++)
            trial[k] = h[k] + step[k];
        trial[8] = 1.0;
        double c = reproj(trial, pa, pb, m, NULL, NULL);
        if (c < cost) {
            double gain = cost - c;
            memcpy(h, trial, sizeof(h));
            cost = c;
            lambda = VNI_MAX(lambda * 0.1, 1e-9);
            if (gain < 1e-12 * cost)
                break;
        } else {
            lambda *= 10.0;
        }
    }
    vni_homography_mul(h, Ta, h);
    vni_homography_mul(Tbi, h, H);
    if (fabs(H[8]) > 1e-12)
        for (int k = 0; k < 9; k++)
            H[k] /= H[8];
}

/* Inliers' points gathered into pa/pb. */
static int gather(const VniPt *a, const VniPt *b, int n, const uint8_t *in, VniPt *pa, VniPt *pb)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (in[i])
            pa[m] = a[i], pb[m++] = b[i];
    return m;
}

/* The sampling loop: best model by inlier count. Returns its count (0: none). */
static int sample_models(const VniPt *a, const VniPt *b, int n, const VniRansacParams *p, double best[9])
{
    uint64_t rng = ((uint64_t)p->seed << 32 | 0x9e3779b9u) ^ 0x2545f4914f6cdd1dull;
    int best_count = 0, tries = 0;
    for (int it = 0; it < p->max_iters && it < needed_iters(best_count, n, p->confidence); it++) {
        VniPt sa[4], sb[4];
        double H[9];
        draw4(&rng, n, a, b, sa, sb);
        if (degenerate4(sa) || degenerate4(sb) || vni_homography_dlt(sa, sb, 4, H) < 0) {
            if (++tries >= 10 * p->max_iters)
                break;
            it--; /* a degenerate sample does not count, within reason */
            continue;
        }
        int c = count_inliers(H, a, b, n, p->threshold, NULL);
        if (c > best_count)
            best_count = c, memcpy(best, H, sizeof(H));
    }
    return best_count;
}

int vni_homography_ransac(const VniPt *a, const VniPt *b, int n, const VniRansacParams *params, double H[9],
                          uint8_t *inliers)
{
    VniRansacParams def;
    const VniRansacParams *p = params ? params : (vni_ransac_default_params(&def), &def);
    uint8_t *in = NULL;
    VniPt *pa = NULL, *pb = NULL;
    double best[9];
    int ret = -EINVAL, count;
    if (!a || !b || !H || n < 4 || !(p->threshold > 0) || !(p->confidence > 0 && p->confidence < 1) ||
        p->max_iters < 1 || p->refine_iters < 0)
        return -EINVAL;
    if (!(in = vni_malloc_array((size_t)n, 1)) || !(pa = vni_malloc_array((size_t)n, sizeof(VniPt))) ||
        !(pb = vni_malloc_array((size_t)n, sizeof(VniPt)))) {
        ret = -ENOMEM;
        goto fail;
    }
    if (sample_models(a, b, n, p, best) < 4)
        goto fail;
    /* re-estimate on all inliers, then polish; keep the sample's model if that goes wrong */
    count = count_inliers(best, a, b, n, p->threshold, in);
    int m = gather(a, b, n, in, pa, pb);
    double H2[9];
    if (vni_homography_dlt(pa, pb, m, H2) == 0 && count_inliers(H2, a, b, n, p->threshold, NULL) >= count)
        memcpy(best, H2, sizeof(best));
    count = count_inliers(best, a, b, n, p->threshold, in);
    m = gather(a, b, n, in, pa, pb);
    refine(pa, pb, m, p->refine_iters, best);
    count = count_inliers(best, a, b, n, p->threshold, in);
    if (count < 4)
        goto fail;
    memcpy(H, best, sizeof(best));
    if (inliers)
        memcpy(inliers, in, (size_t)n);
    ret = count;
fail:
    vni_free(in);
    vni_free(pa);
    vni_free(pb);
    return ret;
}
