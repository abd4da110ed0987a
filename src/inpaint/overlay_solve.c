/* Small solvers the overlay estimator shares: edge-aware smoothing of a field with data (by
 * conjugate gradients, preconditioned by the aggregation multigrid of overlay_amg.c) and harmonic
 * interpolation of a float field (by multigrid). */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "inpaint/multigrid.h"

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

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* Preconditioned conjugate gradients on A x = b, from the guess in x; r, z, pv, ap: scratch. */
static void pcg(VniAmg *a, float *x, const float *b, float *r, float *z, float *pv, float *ap,
                size_t n)
{
    double rz, bnorm = sqrt(dot(b, b, n)) + 1e-12;
    vni_amg_apply(a, x, ap);
    for (size_t i = 0; i < n; i++)
        r[i] = b[i] - ap[i];
    vni_amg_precondition(a, r, z);
    memcpy(pv, z, n * sizeof(float));
    rz = dot(r, z, n);
    for (int it = 0; it < 500 && sqrt(dot(r, r, n)) > 1e-6 * bnorm; it++) {
        double pap, alpha, rz2;
        vni_amg_apply(a, pv, ap);
        pap = dot(pv, ap, n);
        if (pap <= 0.0 || rz <= 0.0)
            break;
        alpha = rz / pap;
        for (size_t i = 0; i < n; i++) {
            x[i] += (float)(alpha * pv[i]);
            r[i] -= (float)(alpha * ap[i]);
        }
        vni_amg_precondition(a, r, z);
        rz2 = dot(r, z, n);
        for (size_t i = 0; i < n; i++)
            pv[i] = z[i] + (float)(rz2 / rz) * pv[i];
        rz = rz2;
    }
}

int vni_overlay_smooth_fields(float *x, const float *d, int n_fields, const float *w,
                              const float *gx, const float *gy, const uint8_t *mask, int width,
                              int height, float lambda, int has_outside, float outside)
{
    size_t n = (size_t)width * height, m;
    VniAmg *a = NULL;
    float *buf = vni_malloc_array(n, 5 * sizeof(float)), *vec = NULL, *bo, *b;
    int ret = -ENOMEM;
    if (!buf)
        goto fail;
    bo = buf + 3 * n;
    b = buf + 4 * n;
    setup(w, gx, gy, mask, width, height, lambda, has_outside, outside, buf, buf + n, buf + 2 * n,
          bo);
    if ((ret = vni_amg_open(&a, buf, buf + n, buf + 2 * n, mask, width, height)) < 0)
        goto fail;
    m = (size_t)vni_amg_nodes(a);
    ret = -ENOMEM;
    if (!(vec = vni_malloc_array(VNI_MAX(m, 1), 6 * sizeof(float))))
        goto fail;
    for (int f = 0; f < n_fields; f++) {
        float *xf = x + f * n;
        const float *df = d + f * n;
        for (size_t i = 0; i < n; i++)
            b[i] = w[i] * df[i] + bo[i];
        vni_amg_gather(a, b, vec);
        vni_amg_gather(a, xf, vec + m);
        pcg(a, vec + m, vec, vec + 2 * m, vec + 3 * m, vec + 4 * m, vec + 5 * m, m);
        vni_amg_scatter(a, vec + m, xf);
    }
    ret = 0;
fail:
    vni_amg_free(&a);
    vni_free(vec);
    vni_free(buf);
    return ret;
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
