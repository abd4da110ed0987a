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
enum { IX, IY, IZ, IXX, IXY, IYY, IXZ, IYZ, VALID, U0, V0, U, V, A11, A12, A22, B1, B2, WX, WY, PSI, N_PLANES };

typedef struct Refine {
    DisLevel *l;
    float *pl[N_PLANES];
    int color;
} Refine;

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
            r->pl[IXZ][o + x] = ax - bx;
            r->pl[IYZ][o + x] = ay - by;
            r->pl[IXX][o + x] = 0.5f * sxx;
            r->pl[IYY][o + x] = 0.5f * syy;
            r->pl[IXY][o + x] = 0.5f * sxy;
        }
    }
}

/* Rows [y0, y1) of the lagged linear system: robust data weights at the current flow, the
 * right-hand side moved to total flow (B = b + A (U0, V0)), and the robust smoothness weight of
 * every pixel from forward differences. */
static void system_rows(Refine *r, int y0, int y1)
{
    const DisLevel *l = r->l;
    const int w = l->w, h = l->h;
    const float delta = l->p->var_delta, gamma = l->p->var_gamma;
    float **p = r->pl;
    for (int y = y0; y < y1; y++) {
        const size_t o = (size_t)y * w, od = (size_t)VNI_MIN(y + 1, h - 1) * w;
        for (int x = 0; x < w; x++) {
            const size_t i = o + x, ir = o + VNI_MIN(x + 1, w - 1), id = od + x;
            const float du = p[U][i] - p[U0][i], dv = p[V][i] - p[V0][i];
            const float ix = p[IX][i], iy = p[IY][i], iz = p[IZ][i];
            const float b0 = 1.0f / (ix * ix + iy * iy + ZETA2);
            const float e0 = iz + ix * du + iy * dv;
            const float wd = p[VALID][i] * delta * b0 / sqrtf(b0 * e0 * e0 + EPS_D * EPS_D);
            float a11 = wd * ix * ix, a12 = wd * ix * iy, a22 = wd * iy * iy;
            float b1 = -wd * ix * iz, b2 = -wd * iy * iz;
            if (gamma > 0.0f) {
                const float ixx = p[IXX][i], ixy = p[IXY][i], iyy = p[IYY][i];
                const float bx = 1.0f / (ixx * ixx + ixy * ixy + ZETA2), by = 1.0f / (ixy * ixy + iyy * iyy + ZETA2);
                const float ex = p[IXZ][i] + ixx * du + ixy * dv, ey = p[IYZ][i] + ixy * du + iyy * dv;
                const float wg = p[VALID][i] * gamma / sqrtf(bx * ex * ex + by * ey * ey + EPS_D * EPS_D);
                const float gxw = wg * bx, gyw = wg * by;
                a11 += gxw * ixx * ixx + gyw * ixy * ixy;
                a12 += gxw * ixx * ixy + gyw * ixy * iyy;
                a22 += gxw * ixy * ixy + gyw * iyy * iyy;
                b1 -= gxw * ixx * p[IXZ][i] + gyw * ixy * p[IYZ][i];
                b2 -= gxw * ixy * p[IXZ][i] + gyw * iyy * p[IYZ][i];
            }
            p[A11][i] = a11;
            p[A12][i] = a12;
            p[A22][i] = a22;
            p[B1][i] = b1 + a11 * p[U0][i] + a12 * p[V0][i];
            p[B2][i] = b2 + a12 * p[U0][i] + a22 * p[V0][i];
            const float ux = p[U][ir] - p[U][i], vx = p[V][ir] - p[V][i];
            const float uy = p[U][id] - p[U][i], vy = p[V][id] - p[V][i];
            p[PSI][i] = 1.0f / sqrtf(ux * ux + vx * vx + uy * uy + vy * vy + EPS_S * EPS_S);
        }
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

/* One red-black SOR half-sweep (pixels with (x + y) % 2 == color) over rows [y0, y1). Links
 * past the border have weight 0, so the clamped neighbour indices there read harmless values. */
static void sor_rows(Refine *r, int y0, int y1)
{
    const int w = r->l->w, h = r->l->h;
    float *restrict pu = r->pl[U], *restrict pv = r->pl[V];
    const float *ia11 = r->pl[A11], *a12 = r->pl[A12], *ia22 = r->pl[A22], *b1 = r->pl[B1], *b2 = r->pl[B2];
    const float *wx = r->pl[WX], *wy = r->pl[WY];
    for (int y = y0; y < y1; y++) {
        const size_t o = (size_t)y * w;
        const ptrdiff_t up = y > 0 ? -(ptrdiff_t)w : 0, dn = y + 1 < h ? (ptrdiff_t)w : 0;
        for (int x = (y + r->color) & 1; x < w; x += 2) {
            const size_t i = o + x;
            const ptrdiff_t lf = x > 0 ? -1 : 0, rt = x + 1 < w ? 1 : 0;
            const float wl = x > 0 ? wx[i - 1] : 0.0f, wr = wx[i], wu = wy[i + up] * (up != 0), wd = wy[i];
            const float su = wl * pu[i + lf] + wr * pu[i + rt] + wu * pu[i + up] + wd * pu[i + dn];
            const float sv = wl * pv[i + lf] + wr * pv[i + rt] + wu * pv[i + up] + wd * pv[i + dn];
            pu[i] += OMEGA * ((b1[i] - a12[i] * pv[i] + su) * ia11[i] - pu[i]);
            pv[i] += OMEGA * ((b2[i] - a12[i] * pu[i] + sv) * ia22[i] - pv[i]);
        }
    }
}

enum { PH_WARP, PH_DERIV, PH_SYSTEM, PH_LINK, PH_DENOM, PH_SOR, PH_APPLY };

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
    case PH_SOR: sor_rows(r, y0, y1); break;
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
    float *buf = vni_malloc_array(n, sizeof(float) * (N_PLANES + 1));
    if (!buf)
        return -ENOMEM;
    for (int k = 0; k < N_PLANES; k++)
        r.pl[k] = buf + k * n;
    j.w1 = buf + N_PLANES * n;
    /* warp into IZ, then move it aside: derivatives need the whole warped image */
    phase(ctx, &j, PH_WARP);
    for (size_t i = 0; i < n; i++)
        j.w1[i] = r.pl[IZ][i];
    phase(ctx, &j, PH_DERIV);
    for (int it = 0; it < l->p->var_iters; it++) {
        phase(ctx, &j, PH_SYSTEM);
        phase(ctx, &j, PH_LINK);
        phase(ctx, &j, PH_DENOM);
        for (int s = 0; s < l->p->sor_iters; s++)
            for (r.color = 0; r.color < 2; r.color++)
                phase(ctx, &j, PH_SOR);
    }
    phase(ctx, &j, PH_APPLY);
    vni_free(buf);
    return 0;
}
