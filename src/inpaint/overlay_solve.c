/* Small solvers the overlay estimator shares: edge-aware smoothing of a field with data (by
 * conjugate gradients) and harmonic interpolation of a float field (by multigrid). */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "inpaint/multigrid.h"

typedef struct Smooth {
    const float *w, *gx, *gy;
    const uint8_t *mask;
    int width, height, has_outside;
    float lambda;
} Smooth;

/* y = A x for the pixels in the mask (0 elsewhere), A = diag(w) + λ·(weighted Laplacian). */
static void apply_a(const Smooth *s, const float *x, float *y)
{
    const int W = s->width, H = s->height;
    for (int yy = 0; yy < H; yy++)
        for (int xx = 0; xx < W; xx++) {
            size_t p = (size_t)yy * W + xx;
            float acc = 0.0f;
            if (!s->mask[p]) {
                y[p] = 0.0f;
                continue;
            }
            acc = (s->w[p] + 1e-6f) * x[p];
            /* (neighbour index, link weight) for the four links */
            size_t q[4] = {p + 1, p - 1, p + W, p - W};
            float g[4] = {xx + 1 < W ? s->gx[p] : 0, xx > 0 ? s->gx[p - 1] : 0,
                          yy + 1 < H ? s->gy[p] : 0, yy > 0 ? s->gy[p - W] : 0};
            for (int k = 0; k < 4; k++) {
                if (g[k] <= 0.0f)
                    continue;
                if (s->mask[q[k]])
                    acc += s->lambda * g[k] * (x[p] - x[q[k]]);
                else if (s->has_outside)
                    acc += s->lambda * g[k] * x[p];
            }
            y[p] = acc;
        }
}

/* Diagonal of A, and the right-hand side b = w·d + λ·Σ g·outside over links that leave the mask. */
static void diag_rhs(const Smooth *s, const float *d, float outside, float *diag, float *b)
{
    const int W = s->width, H = s->height;
    for (int yy = 0; yy < H; yy++)
        for (int xx = 0; xx < W; xx++) {
            size_t p = (size_t)yy * W + xx;
            size_t q[4] = {p + 1, p - 1, p + W, p - W};
            float g[4] = {xx + 1 < W ? s->gx[p] : 0, xx > 0 ? s->gx[p - 1] : 0,
                          yy + 1 < H ? s->gy[p] : 0, yy > 0 ? s->gy[p - W] : 0};
            diag[p] = 1.0f;
            b[p] = 0.0f;
            if (!s->mask[p])
                continue;
            diag[p] = s->w[p] + 1e-6f;
            b[p] = s->w[p] * d[p];
            for (int k = 0; k < 4; k++) {
                if (g[k] <= 0.0f || (!s->mask[q[k]] && !s->has_outside))
                    continue;
                diag[p] += s->lambda * g[k];
                if (!s->mask[q[k]])
                    b[p] += s->lambda * g[k] * outside;
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

/* Preconditioned conjugate gradients on A x = b, from the guess in x. */
static void pcg(const Smooth *s, float *x, const float *b, const float *diag, float *r, float *z,
                float *pv, float *ap, size_t n)
{
    double rz, bnorm = sqrt(dot(b, b, n)) + 1e-12;
    apply_a(s, x, ap);
    for (size_t i = 0; i < n; i++) {
        r[i] = s->mask[i] ? b[i] - ap[i] : 0.0f;
        z[i] = r[i] / diag[i];
        pv[i] = z[i];
    }
    rz = dot(r, z, n);
    for (int it = 0; it < 2000 && sqrt(dot(r, r, n)) > 1e-6 * bnorm; it++) {
        double pap, alpha, rz2;
        apply_a(s, pv, ap);
        pap = dot(pv, ap, n);
        if (pap <= 0.0)
            break;
        alpha = rz / pap;
        for (size_t i = 0; i < n; i++) {
            x[i] += (float)(alpha * pv[i]);
            r[i] -= (float)(alpha * ap[i]);
            z[i] = r[i] / diag[i];
        }
        rz2 = dot(r, z, n);
        for (size_t i = 0; i < n; i++)
            pv[i] = z[i] + (float)(rz2 / rz) * pv[i];
        rz = rz2;
    }
}

int vni_overlay_smooth(float *x, const float *d, const float *w, const float *gx, const float *gy,
                       const uint8_t *mask, int width, int height, float lambda, int has_outside,
                       float outside)
{
    Smooth s = {w, gx, gy, mask, width, height, has_outside, lambda};
    size_t n = (size_t)width * height;
    float *buf = vni_malloc_array(n, 6 * sizeof(float));
    if (!buf)
        return -ENOMEM;
    diag_rhs(&s, d, outside, buf, buf + n);
    pcg(&s, x, buf + n, buf, buf + 2 * n, buf + 3 * n, buf + 4 * n, buf + 5 * n, n);
    vni_free(buf);
    return 0;
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
