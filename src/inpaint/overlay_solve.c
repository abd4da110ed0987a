/* Small solvers the overlay estimator shares: edge-aware smoothing of a field with data (by
 * conjugate gradients, preconditioned by the aggregation multigrid of overlay_amg.c) and harmonic
 * interpolation of a float field (by multigrid). */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "inpaint/multigrid.h"

#define PCG_TOL 1e-7   /* relative residual at which the pooling stops (double vectors) */
#define PCG_ITERS 500  /* ... or, short of it, after this many iterations */

/* The weight of link k (0: right, 1: left, 2: down, 3: up) of pixel p = (x, y), 0 where there
 * is none; its other end in *q. */
static float link(const float *gx, const float *gy, int width, int height, int x, int y, size_t p,
                  int k, size_t *q)
{
    switch (k) {
    case 0: *q = p + 1; return x + 1 < width ? gx[p] : 0.0f;
    case 1: *q = p - 1; return x > 0 ? gx[p - 1] : 0.0f;
    case 2: *q = p + width; return y + 1 < height ? gy[p] : 0.0f;
    default: *q = p - width; return y > 0 ? gy[p - width] : 0.0f;
    }
}

/* The system's screening s = w + λ·(links that leave the mask, when has_outside) and its links
 * λ·g; in bo the part of the right-hand side from the fixed outside values (λ·Σ g·outside). */
static void setup(const float *w, const float *gx, const float *gy, const uint8_t *mask, int width,
                  int height, float lambda, int has_outside, float outside, float *s, float *lgx,
                  float *lgy, float *bo)
{
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            size_t p = (size_t)y * width + x, q;
            lgx[p] = lambda * gx[p];
            lgy[p] = lambda * gy[p];
            s[p] = w[p] + 1e-6f;
            bo[p] = 0.0f;
            for (int k = 0; k < 4 && mask[p] && has_outside; k++) {
                float g = link(gx, gy, width, height, x, y, p, k, &q);
                if (g > 0.0f && !mask[q]) {
                    s[p] += lambda * g;
                    bo[p] += lambda * g * outside;
                }
            }
        }
}

/* z ≈ A⁻¹ r by the multigrid's V-cycle, which works in float (zf: n floats of scratch). */
static void precondition(VniAmg *a, const double *r, double *z, float *zf, size_t n)
{
    float *rf = zf + n;
    for (size_t i = 0; i < n; i++)
        rf[i] = (float)r[i];
    vni_amg_precondition(a, rf, zf);
    for (size_t i = 0; i < n; i++)
        z[i] = zf[i];
}

static double dot(const double *a, const double *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* Preconditioned conjugate gradients on A x = b, from the guess in x; r, pv, ap: scratch, zf
 * (float, 2n) the preconditioner's scratch, z its output. The vectors are double: the pooled
 * fields are ill-conditioned (links 1000 against data on the border only), the fit takes ratios
 * and differences of them, and float CG (residual 4e-7) moved α on thin letters by up to 0.09
 * between IRLS rounds whose weights differed by 1e-5; in double the rounds settle. Returns 1
 * when the residual reached PCG_TOL of b, 0 when the solve stopped short of it (PCG_ITERS
 * iterations, or a breakdown). */
static int pcg(VniAmg *a, double *x, const double *b, double *r, double *z, double *pv,
               double *ap, float *zf, size_t n)
{
    double rz, bnorm = sqrt(dot(b, b, n)) + 1e-30;
    vni_amg_apply_f64(a, x, ap);
    for (size_t i = 0; i < n; i++)
        r[i] = b[i] - ap[i];
    precondition(a, r, z, zf, n);
    memcpy(pv, z, n * sizeof(double));
    rz = dot(r, z, n);
    for (int it = 0;; it++) {
        double pap, alpha, rz2;
        if (sqrt(dot(r, r, n)) <= PCG_TOL * bnorm)
            return 1;
        if (it == PCG_ITERS)
            return 0;
        vni_amg_apply_f64(a, pv, ap);
        pap = dot(pv, ap, n);
        if (pap <= 0.0 || rz <= 0.0)
            return 0;
        alpha = rz / pap;
        for (size_t i = 0; i < n; i++) {
            x[i] += alpha * pv[i];
            r[i] -= alpha * ap[i];
        }
        precondition(a, r, z, zf, n);
        rz2 = dot(r, z, n);
        for (size_t i = 0; i < n; i++)
            pv[i] = z[i] + (rz2 / rz) * pv[i];
        rz = rz2;
    }
}

/* The grid field g at the multigrid's nodes, in double (vf: m floats of scratch). */
static void to_nodes(const VniAmg *a, const float *g, double *v, float *vf, size_t m)
{
    vni_amg_gather(a, g, vf);
    for (size_t i = 0; i < m; i++)
        v[i] = vf[i];
}

/* The right-hand side's part from a guidance (vx, vy: the wanted x(p+1) − x(p) and
 * x(p+width) − x(p)) on the links inside the mask, added into b. */
static void add_guidance(float *b, const float *vx, const float *vy, const float *gx,
                         const float *gy, const uint8_t *mask, int width, int height, float lambda)
{
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            size_t p = (size_t)y * width + x;
            if (!mask[p])
                continue;
            if (x + 1 < width && mask[p + 1]) {
                float f = lambda * gx[p] * vx[p];
                b[p] -= f;
                b[p + 1] += f;
            }
            if (y + 1 < height && mask[p + width]) {
                float f = lambda * gy[p] * vy[p];
                b[p] -= f;
                b[p + width] += f;
            }
        }
}

/* One system of the smoothing (data weight, links, λ, outside values) with its multigrid, set up
 * once for any number of solves. */
struct VniOverlayPool {
    VniAmg *amg;
    int width, height;
    size_t m;                /* the multigrid's nodes */
    float lambda;
    const float *gx, *gy;    /* the caller's links (for a guidance) */
    const uint8_t *mask;
    float *w, *bo, *b, *vf;  /* data weight, fixed part of the right-hand side, scratch */
    double *vec;             /* the solver's vectors at the nodes */
};

void vni_overlay_pool_free(VniOverlayPool **pp)
{
    if (!pp || !*pp)
        return;
    vni_amg_free(&(*pp)->amg);
    vni_free((*pp)->w);
    vni_free((*pp)->vec);
    vni_free((*pp)->vf);
    vni_freep(pp);
}

int vni_overlay_pool_open(VniOverlayPool **pp, const float *w, const float *gx, const float *gy,
                          const uint8_t *mask, int width, int height, float lambda,
                          int has_outside, float outside)
{
    size_t n = (size_t)width * height;
    VniOverlayPool *p;
    float *buf;
    int ret = -ENOMEM;
    if (!(*pp = p = vni_calloc_array(1, sizeof(*p))))
        return -ENOMEM;
    p->width = width;
    p->height = height;
    p->lambda = lambda;
    p->gx = gx;
    p->gy = gy;
    p->mask = mask;
    /* w, bo, b are kept; s, λ·gx, λ·gy only until the multigrid has its copies */
    if (!(buf = p->w = vni_malloc_array(n, 6 * sizeof(float))))
        goto fail;
    p->bo = buf + n;
    p->b = buf + 2 * n;
    memcpy(p->w, w, n * sizeof(float));
    setup(w, gx, gy, mask, width, height, lambda, has_outside, outside, buf + 3 * n, buf + 4 * n,
          buf + 5 * n, p->bo);
    if ((ret = vni_amg_open(&p->amg, buf + 3 * n, buf + 4 * n, buf + 5 * n, mask, width,
                            height)) < 0)
        goto fail;
    p->m = (size_t)vni_amg_nodes(p->amg);
    ret = -ENOMEM;
    if (!(p->vec = vni_malloc_array(VNI_MAX(p->m, 1), 6 * sizeof(double))) ||
        !(p->vf = vni_malloc_array(VNI_MAX(p->m, 1), 2 * sizeof(float))))
        goto fail;
    ret = 0;
fail:
    if (ret < 0)
        vni_overlay_pool_free(pp);
    return ret;
}

int vni_overlay_pool_solve(VniOverlayPool *p, float *x, const float *d, int n_fields,
                           const float *vx, const float *vy)
{
    size_t n = (size_t)p->width * p->height, m = p->m;
    double *vec = p->vec;
    int short_of = 0;
    for (int f = 0; f < n_fields; f++) {
        float *xf = x + f * n;
        const float *df = d + f * n;
        for (size_t i = 0; i < n; i++)
            p->b[i] = p->w[i] * df[i] + p->bo[i];
        if (vx && vy)
            add_guidance(p->b, vx + f * n, vy + f * n, p->gx, p->gy, p->mask, p->width, p->height,
                         p->lambda);
        to_nodes(p->amg, p->b, vec, p->vf, m);
        to_nodes(p->amg, xf, vec + m, p->vf, m);
        short_of += !pcg(p->amg, vec + m, vec, vec + 2 * m, vec + 3 * m, vec + 4 * m, vec + 5 * m,
                         p->vf, m);
        for (size_t i = 0; i < m; i++)
            p->vf[i] = (float)vec[m + i];
        vni_amg_scatter(p->amg, p->vf, xf);
    }
    return short_of;
}

/* vni_overlay_smooth_fields with an optional guidance per field (vx, vy: n_fields packed
 * fields each, or NULL), for one use of the system. */
static int smooth_guided(float *x, const float *d, int n_fields, const float *w, const float *gx,
                         const float *gy, const float *vx, const float *vy, const uint8_t *mask,
                         int width, int height, float lambda, int has_outside, float outside)
{
    VniOverlayPool *p;
    int ret = vni_overlay_pool_open(&p, w, gx, gy, mask, width, height, lambda, has_outside,
                                    outside);
    if (ret < 0)
        return ret;
    ret = vni_overlay_pool_solve(p, x, d, n_fields, vx, vy);
    vni_overlay_pool_free(&p);
    return ret;
}

int vni_overlay_smooth_fields(float *x, const float *d, int n_fields, const float *w,
                              const float *gx, const float *gy, const uint8_t *mask, int width,
                              int height, float lambda, int has_outside, float outside)
{
    return smooth_guided(x, d, n_fields, w, gx, gy, NULL, NULL, mask, width, height, lambda,
                         has_outside, outside);
}

int vni_overlay_smooth_guided(float *x, const float *d, int n_fields, const float *w,
                              const float *gx, const float *gy, const float *vx, const float *vy,
                              const uint8_t *mask, int width, int height, float lambda)
{
    return smooth_guided(x, d, n_fields, w, gx, gy, vx, vy, mask, width, height, lambda, 0, 0.0f);
}

int vni_overlay_smooth(float *x, const float *d, const float *w, const float *gx, const float *gy,
                       const uint8_t *mask, int width, int height, float lambda, int has_outside,
                       float outside)
{
    return vni_overlay_smooth_fields(x, d, 1, w, gx, gy, mask, width, height, lambda, has_outside,
                                     outside);
}

int vni_overlay_harmonic(const VnContext *ctx, float *f, const uint8_t *mask, int width,
                         int height, int nch)
{
    VnImage *u = NULL, *m = NULL;
    VnMgParams p;
    int ret;
    if ((ret = vn_image_alloc(&u, width, height, nch, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&m, width, height, 1, VN_U8)) < 0)
        goto fail;
    for (int y = 0; y < height; y++) {
        memcpy(vn_image_row(u, y), f + (size_t)y * width * nch, (size_t)width * nch * sizeof(float));
        for (int x = 0; x < width; x++)
            vn_image_row(m, y)[x] = mask[(size_t)y * width + x] != 0;
    }
    vni_mg_default_params(&p);
    p.tol = 1e-3f;
    p.max_cycles = 20;
    if ((ret = vni_mg_solve(ctx, u, m, NULL, NULL, NULL, &p)) < 0)
        goto fail;
    for (int y = 0; y < height; y++)
        memcpy(f + (size_t)y * width * nch, vn_image_row(u, y), (size_t)width * nch * sizeof(float));
fail:
    vn_image_free(&u);
    vn_image_free(&m);
    return ret;
}
