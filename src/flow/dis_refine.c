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

enum { IX, IY, IZ, IXX, IXY, IYY, IXZ, IYZ, VALID, DU, DV, A11, A12, A22, B1, B2, WX, WY, N_PLANES };

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

/* Rows [y0, y1) of the lagged linear system: robust data weights at the current increment and
 * the robust smoothness weight of every pixel (stored in WX, turned into link weights next). */
static void system_rows(Refine *r, int y0, int y1)
{
    const DisLevel *l = r->l;
    const int w = l->w, h = l->h;
    const float delta = l->p->var_delta, gamma = l->p->var_gamma;
    float **p = r->pl;
    for (int y = y0; y < y1; y++) {
        const float *f = dis_row(l->flow, y), *fd = dis_row(l->flow, VNI_MIN(y + 1, h - 1));
        const size_t o = (size_t)y * w, od = (size_t)VNI_MIN(y + 1, h - 1) * w;
        for (int x = 0; x < w; x++) {
            const size_t i = o + x;
            const int xr = VNI_MIN(x + 1, w - 1);
            float du = p[DU][i], dv = p[DV][i];
            float ix = p[IX][i], iy = p[IY][i], ixx = p[IXX][i], ixy = p[IXY][i], iyy = p[IYY][i];
            float b0 = 1.0f / (ix * ix + iy * iy + ZETA2);
            float bx = 1.0f / (ixx * ixx + ixy * ixy + ZETA2), by = 1.0f / (ixy * ixy + iyy * iyy + ZETA2);
            float e0 = p[IZ][i] + ix * du + iy * dv;
            float ex = p[IXZ][i] + ixx * du + ixy * dv, ey = p[IYZ][i] + ixy * du + iyy * dv;
            float wd = p[VALID][i] * delta * b0 / sqrtf(b0 * e0 * e0 + EPS_D * EPS_D);
            float wg = p[VALID][i] * gamma / sqrtf(bx * ex * ex + by * ey * ey + EPS_D * EPS_D);
            float gxw = wg * bx, gyw = wg * by;
            p[A11][i] = wd * ix * ix + gxw * ixx * ixx + gyw * ixy * ixy;
            p[A12][i] = wd * ix * iy + gxw * ixx * ixy + gyw * ixy * iyy;
            p[A22][i] = wd * iy * iy + gxw * ixy * ixy + gyw * iyy * iyy;
            p[B1][i] = -(wd * ix * p[IZ][i] + gxw * ixx * p[IXZ][i] + gyw * ixy * p[IYZ][i]);
            p[B2][i] = -(wd * iy * p[IZ][i] + gxw * ixy * p[IXZ][i] + gyw * iyy * p[IYZ][i]);
            float ux = f[2 * xr] + p[DU][o + xr] - f[2 * x] - du;
            float vx = f[2 * xr + 1] + p[DV][o + xr] - f[2 * x + 1] - dv;
            float uy = fd[2 * x] + p[DU][od + x] - f[2 * x] - du;
            float vy = fd[2 * x + 1] + p[DV][od + x] - f[2 * x + 1] - dv;
            p[WX][i] = 1.0f / sqrtf(ux * ux + vx * vx + uy * uy + vy * vy + EPS_S * EPS_S);
        }
    }
}

/* Rows [y0, y1) of the horizontal link weights (into WX): α times the mean robust weight of
 * the two pixels a link joins, 0 past the border. The per-pixel weights were moved to WY. */
static void link_rows(Refine *r, int y0, int y1)
{
    const int w = r->l->w;
    const float alpha = r->l->p->var_alpha;
    for (int y = y0; y < y1; y++) {
        const float *s = r->pl[WY] + (size_t)y * w;
        float *wx = r->pl[WX] + (size_t)y * w;
        for (int x = 0; x + 1 < w; x++)
            wx[x] = 0.5f * alpha * (s[x] + s[x + 1]);
        wx[w - 1] = 0.0f;
    }
}

/* Vertical link weight between pixels i and j, from the per-pixel weights in WY. */
static inline float vlink(const Refine *r, size_t i, size_t j)
{
    return 0.5f * r->l->p->var_alpha * (r->pl[WY][i] + r->pl[WY][j]);
}

/* One red-black SOR half-sweep (pixels with (x + y) % 2 == color) over rows [y0, y1). */
static void sor_rows(Refine *r, int y0, int y1)
{
    const DisLevel *l = r->l;
    const int w = l->w, h = l->h;
    float **p = r->pl;
    for (int y = y0; y < y1; y++) {
        const float *f = dis_row(l->flow, y);
        const float *fu = dis_row(l->flow, VNI_MAX(y - 1, 0)), *fd = dis_row(l->flow, VNI_MIN(y + 1, h - 1));
        const size_t o = (size_t)y * w, ou = (size_t)VNI_MAX(y - 1, 0) * w, od = (size_t)VNI_MIN(y + 1, h - 1) * w;
        for (int x = (y + r->color) & 1; x < w; x += 2) {
            const size_t i = o + x;
            float wl = x > 0 ? p[WX][i - 1] : 0.0f, wr = p[WX][i];
            float wu = y > 0 ? vlink(r, ou + x, i) : 0.0f, wd = y + 1 < h ? vlink(r, i, od + x) : 0.0f;
            const int xl = VNI_MAX(x - 1, 0), xr = VNI_MIN(x + 1, w - 1);
            float u0 = f[2 * x], v0 = f[2 * x + 1], sw = wl + wr + wu + wd;
            float su = wl * (f[2 * xl] + p[DU][o + xl]) + wr * (f[2 * xr] + p[DU][o + xr]) +
                       wu * (fu[2 * x] + p[DU][ou + x]) + wd * (fd[2 * x] + p[DU][od + x]) - sw * u0;
            float sv = wl * (f[2 * xl + 1] + p[DV][o + xl]) + wr * (f[2 * xr + 1] + p[DV][o + xr]) +
                       wu * (fu[2 * x + 1] + p[DV][ou + x]) + wd * (fd[2 * x + 1] + p[DV][od + x]) - sw * v0;
            float den_u = p[A11][i] + sw, den_v = p[A22][i] + sw;
            if (den_u > 0.0f) {
                float nu = (p[B1][i] - p[A12][i] * p[DV][i] + su) / den_u;
                p[DU][i] += OMEGA * (nu - p[DU][i]);
            }
            if (den_v > 0.0f) {
                float nv = (p[B2][i] - p[A12][i] * p[DU][i] + sv) / den_v;
                p[DV][i] += OMEGA * (nv - p[DV][i]);
            }
        }
    }
}

enum { PH_WARP, PH_DERIV, PH_SYSTEM, PH_MOVE, PH_LINK, PH_SOR, PH_APPLY };

typedef struct Job {
    Refine *r;
    int phase;
    float *w1;
} Job;

/* Rows [y0, y1): flow += increment. */
static void apply_rows(Refine *r, int y0, int y1)
{
    const int w = r->l->w;
    for (int y = y0; y < y1; y++) {
        float *f = dis_row(r->l->flow, y);
        for (int x = 0; x < w; x++) {
            f[2 * x] += r->pl[DU][(size_t)y * w + x];
            f[2 * x + 1] += r->pl[DV][(size_t)y * w + x];
        }
    }
}

static void run_rows(void *opaque, int job, int n_jobs)
{
    Job *j = opaque;
    Refine *r = j->r;
    const int y0 = (int)((int64_t)r->l->h * job / n_jobs), y1 = (int)((int64_t)r->l->h * (job + 1) / n_jobs);
    const size_t w = (size_t)r->l->w;
    switch (j->phase) {
    case PH_WARP: warp_rows(r, y0, y1); break;
    case PH_DERIV: derivative_rows(r, j->w1, y0, y1); break;
    case PH_SYSTEM: system_rows(r, y0, y1); break;
    case PH_MOVE:
        for (size_t i = (size_t)y0 * w; i < (size_t)y1 * w; i++)
            r->pl[WY][i] = r->pl[WX][i];
        break;
    case PH_LINK: link_rows(r, y0, y1); break;
    case PH_SOR: sor_rows(r, y0, y1); break;
    case PH_APPLY: apply_rows(r, y0, y1); break;
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
    float *buf = vni_calloc_array(n, sizeof(float) * (N_PLANES + 1));
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
        phase(ctx, &j, PH_MOVE);
        phase(ctx, &j, PH_LINK);
        for (int s = 0; s < l->p->sor_iters; s++)
            for (r.color = 0; r.color < 2; r.color++)
                phase(ctx, &j, PH_SOR);
    }
    phase(ctx, &j, PH_APPLY);
    vni_free(buf);
    return 0;
}
