/*
 * DIS step 3: variational refinement (Brox, Bruhn, Papenberg, Weickert, ECCV 2004, as used by
 * Kroeger et al.). Minimises over an increment (du, dv) of the level's flow
 *
 *   Σ δ ψ(β0 (Iz + Ix du + Iy dv)²) + γ ψ(βx (Ixz + Ixx du + Ixy dv)² + βy (Iyz + Ixy du + Iyy dv)²)
 *     + α ψ(|∇(u + du)|² + |∇(v + dv)|²),     ψ(s²) = sqrt(s² + ε²),
 *
 * the data terms linearised once around the current flow and normalised by the local gradient
 * (β = 1 / (|∇·|² + ζ²)), the robust weights lagged (fixed-point iterations), each linear
 * system solved by a few red-black SOR sweeps. The data term is zero under either frame's mask.
 */
#include <errno.h>
#include <math.h>

#include "flow/dis_level.h"

/* Planes: derivatives, data validity, the flow at linearisation (U0, V0) and the current flow
 * (U, V), the lagged system (A, B: A (U, V) = B + smoothness) and link weights (WX: to x+1,
 * WY: to y+1; PSI: per-pixel robust smoothness weight). */
enum { IX, IY, IZ, VALID, U0, V0, U, V, A11, A12, A22, B1, B2, WX, WY, PSI, N_BASE,
       IXX = N_BASE, IXY, IYY, IXZ, IYZ, N_PLANES }; /* the last five only with gradient constancy */

/* The planes the SOR sweeps read, in red-black split layout: each row split into its even and
 * odd pixels (half-rows of hw entries, one zero entry on each side), one zero row above and
 * below, so that a half-sweep runs over unit-stride, branch-free rows that vectorise. */
enum { S_U, S_V, S_IA11, S_A12, S_IA22, S_B1, S_B2, S_WX, S_WY, N_SPLIT };

typedef struct Refine {
    DisLevel *l;
    float *pl[N_PLANES];
    float *sp[N_SPLIT];
    int hw;          /* entries of a half-row, padding included */
    int color;
} Refine;

/* Entry k of parity `par` (0 even, 1 odd) in row y (-1..h) of a split plane. */
static inline float *split_at(const Refine *r, int plane, int y, int par)
{
    return r->sp[plane] + ((size_t)(y + 1) * 2 + (size_t)par) * (size_t)r->hw + 1;
}

#define ZETA2 1.0f
#define EPS_D 0.01f
#define EPS_S 0.001f
#define OMEGA 1.6f

/* Frame 1 sampled at x + flow(x), bilinear, from the padded copy (positions clamped into it). */
static float warp_at(const DisLevel *l, const VnImage *img, float x, float y)
{
    x = VNI_CLAMP(x, (float)-DIS_PAD, (float)(l->w + DIS_PAD - 2));
    y = VNI_CLAMP(y, (float)-DIS_PAD, (float)(l->h + DIS_PAD - 2));
    const float fx = floorf(x), fy = floorf(y), ax = x - fx, ay = y - fy;
    const float *r0 = dis_pad_at(img, (int)fx, (int)fy), *r1 = dis_pad_at(img, (int)fx, (int)fy + 1);
    return (1 - ay) * ((1 - ax) * r0[0] + ax * r0[1]) + ay * ((1 - ax) * r1[0] + ax * r1[1]);
}

/* Rows [y0, y1) of the warped frame 1 (into IZ for now) and the validity of the data term. */
static void warp_rows(Refine *r, int y0, int y1)
{
    const DisLevel *l = r->l;
    for (int y = y0; y < y1; y++) {
        const float *f = dis_row(l->flow, y), *v0 = l->v0 ? dis_row(l->v0, y) : NULL;
        float *wz = r->pl[IZ] + (size_t)y * l->w, *ok = r->pl[VALID] + (size_t)y * l->w;
        for (int x = 0; x < l->w; x++) {
            float xx = x + f[2 * x], yy = y + f[2 * x + 1];
            wz[x] = warp_at(l, l->i1p, xx, yy);
            ok[x] = 1.0f;
            if (v0 && (v0[x] < 0.99f || warp_at(l, l->v1p, xx, yy) < 0.99f))
                ok[x] = 0.0f;
        }
    }
}

static inline float dx_at(const float *row, int x, int w)
{
    return 0.5f * (row[VNI_MIN(x + 1, w - 1)] - row[VNI_MAX(x - 1, 0)]);
}

/* Rows [y0, y1) of the derivatives, from the warped frame 1 (in a separate plane `w1`) and
 * frame 0: first derivatives averaged over both frames, temporal differences of intensity and
 * gradient, second derivatives of the average. */
static void derivative_rows(Refine *r, const float *w1, int y0, int y1)
{
    const DisLevel *l = r->l;
    const int w = l->w, h = l->h;
    for (int y = y0; y < y1; y++) {
        const int yu = VNI_MAX(y - 1, 0), yd = VNI_MIN(y + 1, h - 1);
        const float *a = w1 + (size_t)y * w, *au = w1 + (size_t)yu * w, *ad = w1 + (size_t)yd * w;
        const float *b = dis_row(l->i0, y), *bu = dis_row(l->i0, yu), *bd = dis_row(l->i0, yd);
        size_t o = (size_t)y * w;
        for (int x = 0; x < w; x++) {
            const int xl = VNI_MAX(x - 1, 0), xr = VNI_MIN(x + 1, w - 1);
            float ax = dx_at(a, x, w), ay = 0.5f * (ad[x] - au[x]);
            float bx = dx_at(b, x, w), by = 0.5f * (bd[x] - bu[x]);
            float sxx = a[xr] - 2 * a[x] + a[xl] + b[xr] - 2 * b[x] + b[xl];
            float syy = ad[x] - 2 * a[x] + au[x] + bd[x] - 2 * b[x] + bu[x];
            float sxy = 0.25f * (ad[xr] - ad[xl] - au[xr] + au[xl] + bd[xr] - bd[xl] - bu[xr] + bu[xl]);
            r->pl[IX][o + x] = 0.5f * (ax + bx);
            r->pl[IY][o + x] = 0.5f * (ay + by);
            r->pl[IZ][o + x] = a[x] - b[x];
            if (!r->pl[IXX])
                continue;
            r->pl[IXZ][o + x] = ax - bx;
            r->pl[IYZ][o + x] = ay - by;
            r->pl[IXX][o + x] = 0.5f * sxx;
            r->pl[IYY][o + x] = 0.5f * syy;
            r->pl[IXY][o + x] = 0.5f * sxy;
        }
    }
}

/* Brightness constancy of n pixels: robust weight at the current increment (du, dv), the system
 * A (U, V) = B in total flow (B = b + A (U0, V0)). Unit stride and branch-free: it vectorises. */
static void data_term(int n, float delta, float *const restrict p[N_PLANES], size_t o)
{
    const float *restrict ix = p[IX] + o, *restrict iy = p[IY] + o, *restrict iz = p[IZ] + o;
    const float *restrict ok = p[VALID] + o, *restrict u = p[U] + o, *restrict v = p[V] + o;
    const float *restrict u0 = p[U0] + o, *restrict v0 = p[V0] + o;
    float *restrict a11 = p[A11] + o, *restrict a12 = p[A12] + o, *restrict a22 = p[A22] + o;
    float *restrict b1 = p[B1] + o, *restrict b2 = p[B2] + o;
    /* the planes are distinct: no store feeds a later load of another pixel */
#pragma GCC ivdep
    for (int x = 0; x < n; x++) {
        const float b0 = 1.0f / (ix[x] * ix[x] + iy[x] * iy[x] + ZETA2);
        const float e0 = iz[x] + ix[x] * (u[x] - u0[x]) + iy[x] * (v[x] - v0[x]);
        const float wd = ok[x] * delta * b0 / sqrtf(b0 * e0 * e0 + EPS_D * EPS_D);
        a11[x] = wd * ix[x] * ix[x];
        a12[x] = wd * ix[x] * iy[x];
        a22[x] = wd * iy[x] * iy[x];
        b1[x] = -wd * ix[x] * iz[x] + a11[x] * u0[x] + a12[x] * v0[x];
        b2[x] = -wd * iy[x] * iz[x] + a12[x] * u0[x] + a22[x] * v0[x];
    }
}

/* Gradient constancy of n pixels, added to the system (only when its weight γ is not 0). */
static void gradient_term(int n, float gamma, float *const restrict p[N_PLANES], size_t o)
{
    for (int x = 0; x < n; x++) {
        const size_t i = o + x;
        const float du = p[U][i] - p[U0][i], dv = p[V][i] - p[V0][i];
        const float ixx = p[IXX][i], ixy = p[IXY][i], iyy = p[IYY][i];
        const float bx = 1.0f / (ixx * ixx + ixy * ixy + ZETA2), by = 1.0f / (ixy * ixy + iyy * iyy + ZETA2);
        const float ex = p[IXZ][i] + ixx * du + ixy * dv, ey = p[IYZ][i] + ixy * du + iyy * dv;
        const float wg = p[VALID][i] * gamma / sqrtf(bx * ex * ex + by * ey * ey + EPS_D * EPS_D);
        const float gxw = wg * bx, gyw = wg * by;
        const float c11 = gxw * ixx * ixx + gyw * ixy * ixy, c12 = gxw * ixx * ixy + gyw * ixy * iyy;
        const float c22 = gxw * ixy * ixy + gyw * iyy * iyy;
        p[A11][i] += c11;
        p[A12][i] += c12;
        p[A22][i] += c22;
        p[B1][i] += -(gxw * ixx * p[IXZ][i] + gyw * ixy * p[IYZ][i]) + c11 * p[U0][i] + c12 * p[V0][i];
        p[B2][i] += -(gxw * ixy * p[IXZ][i] + gyw * iyy * p[IYZ][i]) + c12 * p[U0][i] + c22 * p[V0][i];
    }
}

/* Robust smoothness weight of n pixels from forward differences to the right (the last pixel of
 * the row against itself) and to row `down` (the same row at the bottom). */
static void smooth_weights(int n, const float *restrict u, const float *restrict v, const float *restrict ud,
                           const float *restrict vd, float *restrict psi)
{
    for (int x = 0; x < n; x++) {
        const int xr = x + 1 < n ? x + 1 : x;
        const float ux = u[xr] - u[x], vx = v[xr] - v[x], uy = ud[x] - u[x], vy = vd[x] - v[x];
        psi[x] = 1.0f / sqrtf(ux * ux + vx * vx + uy * uy + vy * vy + EPS_S * EPS_S);
    }
}

/* Rows [y0, y1) of the lagged linear system: robust data weights at the current flow, the
 * right-hand side moved to total flow, and the robust smoothness weight of every pixel. */
static void system_rows(Refine *r, int y0, int y1)
{
    const DisLevel *l = r->l;
    const int w = l->w, h = l->h;
    float *const *p = r->pl;
    for (int y = y0; y < y1; y++) {
        const size_t o = (size_t)y * w, od = (size_t)VNI_MIN(y + 1, h - 1) * w;
        data_term(w, l->p->var_delta, p, o);
        if (l->p->var_gamma > 0.0f)
            gradient_term(w, l->p->var_gamma, p, o);
        smooth_weights(w, p[U] + o, p[V] + o, p[U] + od, p[V] + od, p[PSI] + o);
    }
}

/* Rows [y0, y1) of the link weights: α times the mean robust weight of the two pixels a link
 * joins, 0 past the border. Reads PSI of row y+1, so it runs after system_rows everywhere. */
static void link_rows(Refine *r, int y0, int y1)
{
    const int w = r->l->w, h = r->l->h;
    const float ha = 0.5f * r->l->p->var_alpha;
    for (int y = y0; y < y1; y++) {
        const float *s = r->pl[PSI] + (size_t)y * w, *sd = s + w;
        float *wx = r->pl[WX] + (size_t)y * w, *wy = r->pl[WY] + (size_t)y * w;
        for (int x = 0; x + 1 < w; x++)
            wx[x] = ha * (s[x] + s[x + 1]);
        wx[w - 1] = 0.0f;
        if (y + 1 < h)
            for (int x = 0; x < w; x++)
                wy[x] = ha * (s[x] + sd[x]);
        else
            for (int x = 0; x < w; x++)
                wy[x] = 0.0f;
    }
}

/* Rows [y0, y1): A11 and A22 become the reciprocals of the SOR denominators (A + Σ links), 0
 * where a pixel has neither data nor links. Needs the link weights of row y-1. */
static void denominator_rows(Refine *r, int y0, int y1)
{
    const int w = r->l->w;
    float *a11 = r->pl[A11], *a22 = r->pl[A22];
    const float *wx = r->pl[WX], *wy = r->pl[WY];
    for (int y = y0; y < y1; y++) {
        const size_t o = (size_t)y * w;
        for (int x = 0; x < w; x++) {
            const size_t i = o + x;
            float sw = wx[i] + wy[i] + (x > 0 ? wx[i - 1] : 0.0f) + (y > 0 ? wy[i - w] : 0.0f);
            float du = a11[i] + sw, dv = a22[i] + sw;
            a11[i] = du > 0.0f ? 1.0f / du : 0.0f;
            a22[i] = dv > 0.0f ? 1.0f / dv : 0.0f;
        }
    }
}

/* One red-black SOR half-sweep (pixels with (x + y) % 2 == color) over rows [y0, y1), in the
 * split layout: the pixels updated in row y are the half-row of parity p = (color + y) % 2; their
 * left and right neighbours are in the other half-row (entries k - 1 + p and k + p), the ones
 * above and below in half-rows of parity p. Links past the border have weight 0 and the padding
 * holds zeros, so no pixel needs a test. */
/* The update of one half-row: n pixels, unit stride. */
static void sor_half_row(int n, float *restrict pu, float *restrict pv, const float *restrict ul,
                         const float *restrict vl, const float *restrict uu, const float *restrict ud,
                         const float *restrict vu, const float *restrict vd, const float *restrict wl,
                         const float *restrict wr, const float *restrict wu, const float *restrict wd,
                         const float *restrict c[5])
{
    const float *restrict ia11 = c[0], *restrict a12 = c[1], *restrict ia22 = c[2], *restrict b1 = c[3];
    const float *restrict b2 = c[4];
    for (int k = 0; k < n; k++) {
        const float su = wl[k] * ul[k] + wr[k] * ul[k + 1] + wu[k] * uu[k] + wd[k] * ud[k];
        const float sv = wl[k] * vl[k] + wr[k] * vl[k + 1] + wu[k] * vu[k] + wd[k] * vd[k];
        const float nu = pu[k] + OMEGA * ((b1[k] - a12[k] * pv[k] + su) * ia11[k] - pu[k]);
        pu[k] = nu;
        pv[k] += OMEGA * ((b2[k] - a12[k] * nu + sv) * ia22[k] - pv[k]);
    }
}

static void sor_rows(Refine *r, int y0, int y1)
{
    for (int y = y0; y < y1; y++) {
        const int p = (r->color + y) & 1, q = 1 - p;
        const float *c[5] = {split_at(r, S_IA11, y, p), split_at(r, S_A12, y, p), split_at(r, S_IA22, y, p),
                             split_at(r, S_B1, y, p), split_at(r, S_B2, y, p)};
        sor_half_row(r->hw - 2, split_at(r, S_U, y, p), split_at(r, S_V, y, p), split_at(r, S_U, y, q) - q,
                     split_at(r, S_V, y, q) - q, split_at(r, S_U, y - 1, p), split_at(r, S_U, y + 1, p),
                     split_at(r, S_V, y - 1, p), split_at(r, S_V, y + 1, p), split_at(r, S_WX, y, q) - q,
                     split_at(r, S_WX, y, p), split_at(r, S_WY, y - 1, p), split_at(r, S_WY, y, p), c);
    }
}

/* Rows [y0, y1) of the SOR planes into (to_split) or out of (U and V only) the split layout. */
static void split_rows(Refine *r, int y0, int y1, int to_split)
{
    static const int from[N_SPLIT] = {U, V, A11, A12, A22, B1, B2, WX, WY};
    const int w = r->l->w, ne = (w + 1) / 2, no = w / 2;
    for (int k = 0; k < (to_split ? N_SPLIT : 2); k++)
        for (int y = y0; y < y1; y++) {
            float *restrict src = r->pl[from[k]] + (size_t)y * w;
            float *restrict e = split_at(r, k, y, 0), *restrict o = split_at(r, k, y, 1);
            if (to_split) {
                for (int i = 0; i < ne; i++)
                    e[i] = src[2 * i];
                for (int i = 0; i < no; i++)
                    o[i] = src[2 * i + 1];
            } else {
                for (int i = 0; i < ne; i++)
                    src[2 * i] = e[i];
                for (int i = 0; i < no; i++)
                    src[2 * i + 1] = o[i];
            }
        }
}

enum { PH_WARP, PH_DERIV, PH_SYSTEM, PH_LINK, PH_DENOM, PH_SPLIT, PH_SOR, PH_UNSPLIT, PH_APPLY };

typedef struct Job {
    Refine *r;
    int phase;
    float *w1;
} Job;

/* Rows [y0, y1): the interleaved flow <-> the U, V planes (to_planes also sets U0, V0). */
static void copy_rows(Refine *r, int y0, int y1, int to_planes)
{
    const int w = r->l->w;
    for (int y = y0; y < y1; y++) {
        float *f = dis_row(r->l->flow, y);
        const size_t o = (size_t)y * w;
        for (int x = 0; x < w; x++) {
            if (to_planes) {
                r->pl[U][o + x] = r->pl[U0][o + x] = f[2 * x];
                r->pl[V][o + x] = r->pl[V0][o + x] = f[2 * x + 1];
            } else {
                f[2 * x] = r->pl[U][o + x];
                f[2 * x + 1] = r->pl[V][o + x];
            }
        }
    }
}

static void run_rows(void *opaque, int job, int n_jobs)
{
    Job *j = opaque;
    Refine *r = j->r;
    const int y0 = (int)((int64_t)r->l->h * job / n_jobs), y1 = (int)((int64_t)r->l->h * (job + 1) / n_jobs);
    switch (j->phase) {
    case PH_WARP:
        warp_rows(r, y0, y1);
        copy_rows(r, y0, y1, 1);
        break;
    case PH_DERIV: derivative_rows(r, j->w1, y0, y1); break;
    case PH_SYSTEM: system_rows(r, y0, y1); break;
    case PH_LINK: link_rows(r, y0, y1); break;
    case PH_DENOM: denominator_rows(r, y0, y1); break;
    case PH_SPLIT: split_rows(r, y0, y1, 1); break;
    case PH_SOR: sor_rows(r, y0, y1); break;
    case PH_UNSPLIT: split_rows(r, y0, y1, 0); break;
    case PH_APPLY: copy_rows(r, y0, y1, 0); break;
    }
}

static void phase(const VnContext *ctx, Job *j, int ph)
{
    j->phase = ph;
    vni_parallel(ctx, run_rows, j, vni_row_jobs(ctx, j->r->l->h));
}

int vni_dis_refine(const VnContext *ctx, DisLevel *l)
{
    const size_t n = (size_t)l->w * l->h;
    Refine r = {.l = l};
    Job j = {.r = &r};
    const size_t split = (size_t)((l->w + 1) / 2 + 2) * 2 * (size_t)(l->h + 2);
    const int np = l->p->var_gamma > 0.0f ? N_PLANES : N_BASE;
    float *buf = vni_malloc_array(n, sizeof(float) * (size_t)(np + 1));
    float *sbuf = vni_calloc_array(split, sizeof(float) * N_SPLIT);
    if (!buf || !sbuf) {
        vni_free(buf);
        vni_free(sbuf);
        return -ENOMEM;
    }
    for (int k = 0; k < np; k++)
        r.pl[k] = buf + k * n;
    r.hw = (l->w + 1) / 2 + 2;
    for (int k = 0; k < N_SPLIT; k++)
        r.sp[k] = sbuf + k * split;
    j.w1 = buf + np * n;
    /* warp into IZ, then move it aside: derivatives need the whole warped image */
    phase(ctx, &j, PH_WARP);
    for (size_t i = 0; i < n; i++)
        j.w1[i] = r.pl[IZ][i];
    phase(ctx, &j, PH_DERIV);
    for (int it = 0; it < l->p->var_iters; it++) {
        phase(ctx, &j, PH_SYSTEM);
        phase(ctx, &j, PH_LINK);
        phase(ctx, &j, PH_DENOM);
        phase(ctx, &j, PH_SPLIT);
        for (int s = 0; s < l->p->sor_iters; s++)
            for (r.color = 0; r.color < 2; r.color++)
                phase(ctx, &j, PH_SOR);
        phase(ctx, &j, PH_UNSPLIT);
    }
    phase(ctx, &j, PH_APPLY);
    vni_free(buf);
    vni_free(sbuf);
    return 0;
}
