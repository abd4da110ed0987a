/*
 * Rigid tracking registered back to the keyframe: the keyframe is warped by the predicted
 * keyframe→frame homography and its corners are tracked by KLT from that warped keyframe into the
 * frame, so that each frame's homography is measured against the keyframe itself and errors do
 * not accumulate from frame to frame (drift). The residual homography comes from RANSAC.
 */
#include "track/tracker.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define MARGIN 24

/* Box of the predicted corners inside the frame, grown by MARGIN; 0 if too small. */
static int predicted_box(const VniPt *q, int n, int w, int h, VniRect *r)
{
    float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
    for (int i = 0; i < n; i++)
        if (isfinite(q[i].x) && isfinite(q[i].y)) {
            x0 = fminf(x0, q[i].x), x1 = fmaxf(x1, q[i].x), y0 = fminf(y0, q[i].y), y1 = fmaxf(y1, q[i].y);
        }
    r->x0 = (int)VNI_CLAMP(x0 - MARGIN, 0.0f, (float)w), r->y0 = (int)VNI_CLAMP(y0 - MARGIN, 0.0f, (float)h);
    r->x1 = (int)VNI_CLAMP(x1 + MARGIN + 1, 0.0f, (float)w), r->y1 = (int)VNI_CLAMP(y1 + MARGIN + 1, 0.0f, (float)h);
    return r->x1 - r->x0 >= 16 && r->y1 - r->y0 >= 16;
}

/* RMS residual of the inliers under H. */
static float inlier_rms(const double H[9], const VniPt *a, const VniPt *b, const uint8_t *inl, int n)
{
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; i++)
        if (inl[i]) {
            VniPt q;
            vni_homography_apply(H, &a[i], &q, 1);
            s += (q.x - b[i].x) * (q.x - b[i].x) + (q.y - b[i].y) * (q.y - b[i].y);
            k++;
        }
    return k ? (float)sqrt(s / k) : 1e9f;
}

typedef struct Reg {
    VnImage *warped;
    VniPyramid pa, pb;
    VniPt *q, *qa, *b;
    uint8_t *st, *inl;
} Reg;

static void reg_free(Reg *g)
{
    vn_image_free(&g->warped);
    vni_pyramid_free(&g->pa);
    vni_pyramid_free(&g->pb);
    vni_free(g->q);
    vni_free(g->qa);
    vni_free(g->b);
    vni_free(g->st);
    vni_free(g->inl);
}

/* Track the predicted corners from the warped keyframe into the frame; returns the count of
 * matches (q: predicted, b: measured, both in frame coordinates). */
static int track_predicted(const VnContext *ctx, Reg *g, const VnImage *key, const VnImage *cur,
                           const double H_pred[9], VniRect r, int nk)
{
    double T[9], Hr[9];
    VniKltParams kp;
    int ret, n = 0, w = r.x1 - r.x0, h = r.y1 - r.y0;
    vni_homography_identity(T);
    T[2] = -r.x0, T[5] = -r.y0;
    vni_homography_mul(T, H_pred, Hr);
    if ((ret = vn_image_alloc(&g->warped, w, h, 1, VN_F32)) < 0 ||
        (ret = vni_warp_image(ctx, g->warped, key, Hr, NULL)) < 0)
        return ret;
    VnImage cv = vni_image_view(cur, r.x0, r.y0, w, h);
    if ((ret = vni_pyramid_build(ctx, &g->pa, g->warped, 3, 16)) < 0 ||
        (ret = vni_pyramid_build(ctx, &g->pb, &cv, 3, 16)) < 0)
        return ret;
    for (int i = 0; i < nk; i++)
        if (g->q[i].x >= r.x0 + 2 && g->q[i].y >= r.y0 + 2 && g->q[i].x <= r.x1 - 3 && g->q[i].y <= r.y1 - 3)
            g->qa[n++] = (VniPt){g->q[i].x - (float)r.x0, g->q[i].y - (float)r.y0};
    vni_klt_default_params(&kp);
    kp.levels = VNI_MIN(g->pa.n, g->pb.n);
    kp.max_iters = 10;
    if (n == 0)
        return 0;
    if ((ret = vni_klt_track(ctx, &g->pa, &g->pb, g->qa, g->b, g->st, NULL, n, &kp)) < 0)
        return ret;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (g->st[i]) {
            g->q[m] = (VniPt){g->qa[i].x + (float)r.x0, g->qa[i].y + (float)r.y0};
            g->b[m] = (VniPt){g->b[i].x + (float)r.x0, g->b[i].y + (float)r.y0};
            m++;
        }
    return m;
}

int vni_rigid_register(const VnContext *ctx, const VnImage *key, const VniPt *kpts, int nk,
                       const VnImage *cur, const VniPyramid *cur_pyr, const double H_pred[9],
                       VniRigid *r)
{
    Reg g = {0};
    VniRect box;
    VniRansacParams rp;
    double Hres[9];
    int ret = 0, m;
    (void)cur_pyr;
    memcpy(r->H, H_pred, sizeof(r->H));
    r->ok = 0, r->inliers = 0, r->tracked = 0, r->rms = 1e9f;
    if (nk < 4)
        return 0;
    g.q = vni_malloc_array((size_t)nk, sizeof(VniPt));
    g.qa = vni_malloc_array((size_t)nk, sizeof(VniPt));
    g.b = vni_malloc_array((size_t)nk, sizeof(VniPt));
    g.st = vni_malloc_array((size_t)nk, 1);
    g.inl = vni_malloc_array((size_t)nk, 1);
    if (!g.q || !g.qa || !g.b || !g.st || !g.inl) {
        ret = -ENOMEM;
        goto done;
    }
    vni_homography_apply(H_pred, kpts, g.q, nk);
    if (!predicted_box(g.q, nk, cur->width, cur->height, &box))
        goto done;
    if ((m = track_predicted(ctx, &g, key, cur, H_pred, box, nk)) < 0) {
        ret = m;
        goto done;
    }
    r->tracked = m;
    vni_ransac_default_params(&rp);
    rp.threshold = 1.5f;
    if (m < 6 || (r->inliers = vni_homography_ransac(g.q, g.b, m, &rp, Hres, g.inl)) < 0) {
        r->inliers = 0;
        goto done;
    }
    r->rms = inlier_rms(Hres, g.q, g.b, g.inl, m);
    vni_homography_mul(Hres, H_pred, r->H);
    r->ok = r->inliers >= 8 && r->inliers * 10 >= m * 6 && r->rms < 1.0f;
done:
    reg_free(&g);
    return ret;
}

int vni_homography_near_identity(const double H[9], VniRect r, double tol)
{
    VniPt c[4] = {{(float)r.x0, (float)r.y0}, {(float)r.x1, (float)r.y0}, {(float)r.x0, (float)r.y1},
                  {(float)r.x1, (float)r.y1}};
    VniPt q[4];
    vni_homography_apply(H, c, q, 4);
    for (int i = 0; i < 4; i++)
        if (!(fabs(q[i].x - c[i].x) < tol && fabs(q[i].y - c[i].y) < tol))
            return 0;
    return 1;
}
