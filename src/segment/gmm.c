/* Gaussian mixture colour models: k-means seeding, hard-assignment refits, evaluation. */
#include "segment/gmm.h"

#include <math.h>
#include <string.h>

typedef struct Acc {
    double w, s[3], ss[9];
} Acc;

static double sq_dist(const float *c, const double *m)
{
    double d0 = c[0] - m[0], d1 = c[1] - m[1], d2 = c[2] - m[2];
    return d0 * d0 + d1 * d1 + d2 * d2;
}

/* Mahalanobis term of component j at c. */
static double maha(const VniGmm *g, int j, const float *c)
{
    const double *A = g->icov[j];
    double d[3] = {c[0] - g->mean[j][0], c[1] - g->mean[j][1], c[2] - g->mean[j][2]};
    double q = 0;
    for (int r = 0; r < 3; r++)
        q += d[r] * (A[r * 3] * d[0] + A[r * 3 + 1] * d[1] + A[r * 3 + 2] * d[2]);
    return q;
}

static int best_component(const VniGmm *g, const float *c)
{
    int best = 0;
    double bv = -INFINITY;
    for (int j = 0; j < g->k; j++) {
        double v = g->lnorm[j] - 0.5 * maha(g, j, c);
        if (v > bv) {
            bv = v;
            best = j;
        }
    }
    return best;
}

/* Weighted k-means with farthest-point seeding: a deterministic start for the first fit. */
static void kmeans_assign(int k, const float *col, const float *wt, int n, unsigned char *lab)
{
    double cen[VNI_GMM_MAX][3] = {{0}};
    double tw = 0;
    int kk = 1;
    for (int i = 0; i < n; i++) {
        for (int c = 0; c < 3; c++)
            cen[0][c] += wt[i] * col[3 * i + c];
        tw += wt[i];
    }
    for (int c = 0; c < 3; c++)
        cen[0][c] /= tw;
    for (; kk < k; kk++) {
        double bv = 0;
        int bi = -1;
        for (int i = 0; i < n; i++) {
            double dm = INFINITY;
            for (int j = 0; j < kk; j++)
                dm = fmin(dm, sq_dist(col + 3 * i, cen[j]));
            if (wt[i] > 0 && dm * wt[i] > bv) {
                bv = dm * wt[i];
                bi = i;
            }
        }
        if (bi < 0)
            break;
        for (int c = 0; c < 3; c++)
            cen[kk][c] = col[3 * bi + c];
    }
    for (int it = 0; it < 6; it++) {
        double s[VNI_GMM_MAX][4] = {{0}};
        for (int i = 0; i < n; i++) {
            int b = 0;
            double bd = INFINITY;
            for (int j = 0; j < kk; j++) {
                double d = sq_dist(col + 3 * i, cen[j]);
                if (d < bd) {
                    bd = d;
                    b = j;
                }
            }
            lab[i] = (unsigned char)b;
            for (int c = 0; c < 3; c++)
                s[b][c] += wt[i] * col[3 * i + c];
            s[b][3] += wt[i];
        }
        for (int j = 0; j < kk; j++)
            if (s[j][3] > 0)
                for (int c = 0; c < 3; c++)
                    cen[j][c] = s[j][c] / s[j][3];
    }
}

/* Invert a symmetric 3x3 matrix; returns its determinant. */
static double invert3(const double *m, double *inv)
{
    double a = m[0], b = m[1], c = m[2], d = m[4], e = m[5], f = m[8];
    double A = d * f - e * e, B = c * e - b * f, C = b * e - c * d;
    double det = a * A + b * B + c * C;
    inv[0] = A / det;
    inv[1] = inv[3] = B / det;
    inv[2] = inv[6] = C / det;
    inv[4] = (a * f - c * c) / det;
    inv[5] = inv[7] = (b * c - a * e) / det;
    inv[8] = (a * d - b * b) / det;
    return det;
}

/* Turn per-component sums into weights, means and inverse covariances; drop empty ones. */
static void finish(VniGmm *g, const Acc *acc, int k, double var_floor)
{
    double tw = 0;
    int out = 0;
    for (int j = 0; j < k; j++)
        tw += acc[j].w;
    for (int j = 0; j < k; j++) {
        if (acc[j].w <= 0 || tw <= 0)
            continue;
        double cov[9], *m = g->mean[out];
        for (int c = 0; c < 3; c++)
            m[c] = acc[j].s[c] / acc[j].w;
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 3; c++)
                cov[r * 3 + c] = acc[j].ss[r * 3 + c] / acc[j].w - m[r] * m[c];
        for (int c = 0; c < 3; c++)
            cov[c * 4] += var_floor;
        double det = invert3(cov, g->icov[out]);
        if (!(det > 1e-12))
            continue;
        g->w[out] = acc[j].w / tw;
        g->lnorm[out] = log(g->w[out]) - 0.5 * log(det);
        out++;
    }
    g->k = out;
}

void vni_gmm_fit(VniGmm *g, int k, const float *col, const float *wt, int n, double var_floor,
                 unsigned char *lab)
{
    Acc acc[VNI_GMM_MAX];
    memset(acc, 0, sizeof(acc));
    k = k < 1 ? 1 : k > VNI_GMM_MAX ? VNI_GMM_MAX : k;
    if (g->k > 0) {
        k = g->k;
        for (int i = 0; i < n; i++)
            lab[i] = (unsigned char)best_component(g, col + 3 * i);
    } else {
        kmeans_assign(k, col, wt, n, lab);
    }
    for (int i = 0; i < n; i++) {
        const float *c = col + 3 * i;
        Acc *a = &acc[lab[i]];
        double w = wt[i];
        a->w += w;
        for (int r = 0; r < 3; r++) {
            a->s[r] += w * c[r];
            for (int q = 0; q < 3; q++)
                a->ss[r * 3 + q] += w * c[r] * c[q];
        }
    }
    finish(g, acc, k, var_floor);
}

double vni_gmm_cost(const VniGmm *g, const float *c)
{
    double v[VNI_GMM_MAX], mx = -INFINITY, s = 0;
    if (g->k == 0)
        return 50.0;
    for (int j = 0; j < g->k; j++) {
        v[j] = g->lnorm[j] - 0.5 * maha(g, j, c);
        mx = fmax(mx, v[j]);
    }
    for (int j = 0; j < g->k; j++)
        s += exp(v[j] - mx);
    return -(mx + log(s));
}
