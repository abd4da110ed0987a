#include "flow/dis.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/resample.h"
#include "inpaint/multigrid.h"

void vni_dis_preset(VniDisParams *p, int preset)
{
    p->patch = 8;
    p->stride = 4;
    p->iters = 16;
    p->finest = 0;
    p->var_iters = 5;
    p->var_alpha = 20.0f;
    p->min_side = 16;
    if (preset == 0) {
        p->stride = 6;
        p->iters = 12;
        p->finest = 1;
        p->var_iters = 0;
    } else if (preset == 2) {
        p->patch = 12;
        p->stride = 3;
        p->iters = 24;
        p->var_iters = 10;
    }
}

/* Everything one pyramid level needs. */
typedef struct Level {
    const VnImage *i0, *i1;
    VnImage *gx, *gy;        /* gradients of i0 */
    VnImage *m0, *m1;        /* masks at this level (U8, 1 = ignore), may be NULL */
    VnImage *flow;           /* F32 x2: the level's dense flow */
    float *pu, *pv;          /* patch flows */
    uint8_t *pok;            /* patch usable */
    int nx, ny;              /* patch grid */
    int *ox, *oy;            /* patch origins */
    VnImage *hole;           /* pixels no patch explained, plus m0 */
    const VniDisParams *p;
} Level;

static inline float px_f(const VnImage *img, int x, int y)
{
    return ((const float *)vn_image_row(img, y))[x];
}

/* Bilinear sample of a 1-channel float image, clamped to the border. */
static inline float bilin(const VnImage *img, float x, float y)
{
    int x0, y0, x1, y1;
    float ax, ay;
    x = VNI_CLAMP(x, 0.0f, (float)(img->width - 1));
    y = VNI_CLAMP(y, 0.0f, (float)(img->height - 1));
    x0 = (int)x;
    y0 = (int)y;
    x1 = VNI_MIN(x0 + 1, img->width - 1);
    y1 = VNI_MIN(y0 + 1, img->height - 1);
    ax = x - x0;
    ay = y - y0;
    const float *r0 = (const float *)vn_image_row(img, y0), *r1 = (const float *)vn_image_row(img, y1);
    return (1 - ay) * ((1 - ax) * r0[x0] + ax * r0[x1]) + ay * ((1 - ax) * r1[x0] + ax * r1[x1]);
}

static inline int masked(const VnImage *m, int x, int y)
{
    return m && vn_image_row(m, VNI_CLAMP(y, 0, m->height - 1))[VNI_CLAMP(x, 0, m->width - 1)];
}

/* Central-difference gradients of i0. */
static void gradients(Level *l)
{
    const VnImage *i = l->i0;
    for (int y = 0; y < i->height; y++) {
        const float *r = (const float *)vn_image_row(i, y);
        const float *ru = (const float *)vn_image_row(i, VNI_MAX(y - 1, 0));
        const float *rd = (const float *)vn_image_row(i, VNI_MIN(y + 1, i->height - 1));
        float *gx = (float *)vn_image_row(l->gx, y), *gy = (float *)vn_image_row(l->gy, y);
        for (int x = 0; x < i->width; x++) {
            gx[x] = 0.5f * (r[VNI_MIN(x + 1, i->width - 1)] - r[VNI_MAX(x - 1, 0)]);
            gy[x] = 0.5f * (rd[x] - ru[x]);
        }
    }
}

/* Inverse-compositional Lucas–Kanade for one patch, on mean-normalised intensities. */
static void match_patch(Level *l, int k)
{
    const int ps = l->p->patch, x0 = l->ox[k % l->nx], y0 = l->oy[k / l->nx];
    float t[16 * 16], gx[16 * 16], gy[16 * 16], w[16 * 16];
    double h11 = 0, h12 = 0, h22 = 0, tmean = 0, n = 0;
    float u, v, u0, v0;
    const float *f = (const float *)vn_image_row(l->flow, y0 + ps / 2) + 2 * (x0 + ps / 2);
    u = u0 = f[0];
    v = v0 = f[1];
    for (int j = 0, i = 0; j < ps; j++)
        for (int q = 0; q < ps; q++, i++) {
            w[i] = masked(l->m0, x0 + q, y0 + j) ? 0.0f : 1.0f;
            t[i] = px_f(l->i0, x0 + q, y0 + j);
            gx[i] = px_f(l->gx, x0 + q, y0 + j);
            gy[i] = px_f(l->gy, x0 + q, y0 + j);
            tmean += w[i] * t[i];
            n += w[i];
        }
    l->pok[k] = 0;
    if (n < 0.4 * ps * ps)
        return;
    tmean /= n;
    for (int i = 0; i < ps * ps; i++) {
        h11 += w[i] * gx[i] * gx[i];
        h12 += w[i] * gx[i] * gy[i];
        h22 += w[i] * gy[i] * gy[i];
    }
    double det = h11 * h22 - h12 * h12;
    if (det < 1e-6 * (h11 + h22 + 1e-9) * (h11 + h22 + 1e-9) || h11 + h22 < 1e-3 * n) {
        /* textureless: keep the coarser level's flow */
        l->pu[k] = u0;
        l->pv[k] = v0;
        l->pok[k] = 1;
        return;
    }
    for (int it = 0; it < l->p->iters; it++) {
        double bx = 0, by = 0, imean = 0, m = 0;
        float s[16 * 16], ww[16 * 16];
        for (int j = 0, i = 0; j < ps; j++)
            for (int q = 0; q < ps; q++, i++) {
                float xx = x0 + q + u, yy = y0 + j + v;
                ww[i] = w[i] && !masked(l->m1, (int)lrintf(xx), (int)lrintf(yy)) ? 1.0f : 0.0f;
                s[i] = bilin(l->i1, xx, yy);
                imean += ww[i] * s[i];
                m += ww[i];
            }
        if (m < 0.25 * ps * ps)
            break;
        imean /= m;
        for (int i = 0; i < ps * ps; i++) {
            float e = ww[i] * ((s[i] - (float)imean) - (t[i] - (float)tmean));
            bx += gx[i] * e;
            by += gy[i] * e;
        }
        float du = (float)((h22 * bx - h12 * by) / det), dv = (float)((h11 * by - h12 * bx) / det);
        u -= du;
        v -= dv;
        if (du * du + dv * dv < 1e-4f)
            break;
    }
    if (fabsf(u - u0) > ps || fabsf(v - v0) > ps || !isfinite(u) || !isfinite(v)) {
        u = u0;
        v = v0;
    }
    l->pu[k] = u;
    l->pv[k] = v;
    l->pok[k] = 1;
}

static void match_rows(void *opaque, int job, int n_jobs)
{
    Level *l = opaque;
    int r0 = (int)((int64_t)l->ny * job / n_jobs), r1 = (int)((int64_t)l->ny * (job + 1) / n_jobs);
    for (int r = r0; r < r1; r++)
        for (int c = 0; c < l->nx; c++)
            match_patch(l, r * l->nx + c);
}

/* Range of patch indices along one axis whose patches cover coordinate x. */
static void covering(const int *o, int n, int ps, int x, int *a, int *b)
{
    int lo = 0, hi = n - 1;
    while (lo < n && o[lo] + ps <= x)
        lo++;
    while (hi >= 0 && o[hi] > x)
        hi--;
    *a = lo;
    *b = hi;
}

/* Per-pixel flow: the patches covering a pixel, weighted by 1/max(1, |photometric error|). */
static void densify_rows(void *opaque, int job, int n_jobs)
{
    Level *l = opaque;
    const int w = l->i0->width, h = l->i0->height, ps = l->p->patch;
    int y0 = (int)((int64_t)h * job / n_jobs), y1 = (int)((int64_t)h * (job + 1) / n_jobs);
    int xa[4096], xb[4096];
    for (int x = 0; x < w && x < 4096; x++)
        covering(l->ox, l->nx, ps, x, &xa[x], &xb[x]);
    for (int y = y0; y < y1; y++) {
        int ya, yb;
        float *f = (float *)vn_image_row(l->flow, y);
        uint8_t *hole = vn_image_row(l->hole, y);
        covering(l->oy, l->ny, ps, y, &ya, &yb);
        for (int x = 0; x < w; x++) {
            float i0 = px_f(l->i0, x, y), su = 0, sv = 0, sw = 0;
            for (int r = ya; r <= yb; r++)
                for (int c = xa[x]; c <= xb[x]; c++) {
                    int k = r * l->nx + c;
                    float d, wt;
                    if (!l->pok[k])
                        continue;
                    d = fabsf(bilin(l->i1, x + l->pu[k], y + l->pv[k]) - i0);
                    wt = 1.0f / VNI_MAX(1.0f, d);
                    su += wt * l->pu[k];
                    sv += wt * l->pv[k];
                    sw += wt;
                }
            hole[x] = sw <= 0.0f || masked(l->m0, x, y);
            if (sw > 0.0f) {
                f[2 * x] = su / sw;
                f[2 * x + 1] = sv / sw;
            }
        }
    }
}

/*
 * Variational refinement: minimise Σ ψ(I1(x+u+du) − I0(x))² + α Σ |∇(u+du)|², the data term
 * linearised around the current flow with Charbonnier weights ψ', zero data weight under the
 * masks, by red-black SOR on (du, dv).
 */
static int refine(const VnContext *ctx, Level *l)
{
    const int w = l->i0->width, h = l->i0->height;
    const float alpha = l->p->var_alpha, omega = 1.6f;
    size_t n = (size_t)w * h;
    float *a11 = vni_malloc_array(n, sizeof(float) * 7), *a12 = a11 + n, *a22 = a12 + n;
    float *b1 = a22 + n, *b2 = b1 + n, *du = b2 + n, *dv = du + n;
    (void)ctx;
    if (!a11)
        return -ENOMEM;
    for (int y = 0; y < h; y++) {
        const float *f = (const float *)vn_image_row(l->flow, y);
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            float xx = x + f[2 * x], yy = y + f[2 * x + 1];
            float ix = 0.5f * (bilin(l->i1, xx + 1, yy) - bilin(l->i1, xx - 1, yy));
            float iy = 0.5f * (bilin(l->i1, xx, yy + 1) - bilin(l->i1, xx, yy - 1));
            float iz = bilin(l->i1, xx, yy) - px_f(l->i0, x, y);
            float wd = (masked(l->m0, x, y) || masked(l->m1, (int)lrintf(xx), (int)lrintf(yy)))
                           ? 0.0f : 1.0f / sqrtf(iz * iz + 1.0f);
            a11[i] = wd * ix * ix;
            a12[i] = wd * ix * iy;
            a22[i] = wd * iy * iy;
            b1[i] = -wd * ix * iz;
            b2[i] = -wd * iy * iz;
            du[i] = dv[i] = 0.0f;
        }
    }
    for (int it = 0; it < l->p->var_iters; it++)
        for (int color = 0; color < 2; color++)
            for (int y = 0; y < h; y++) {
                const float *fu = (const float *)vn_image_row(l->flow, y);
                for (int x = (y + color) & 1; x < w; x += 2) {
                    size_t i = (size_t)y * w + x;
                    float su = 0, sv = 0, nn = 0;
                    static const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
                    for (int k = 0; k < 4; k++) {
                        int xn = x + dx[k], yn = y + dy[k];
                        if (xn < 0 || yn < 0 || xn >= w || yn >= h)
                            continue;
                        const float *fn = (const float *)vn_image_row(l->flow, yn) + 2 * xn;
                        size_t j = (size_t)yn * w + xn;
                        su += fn[0] + du[j] - fu[2 * x];
                        sv += fn[1] + dv[j] - fu[2 * x + 1];
                        nn += 1.0f;
                    }
                    float nu = (b1[i] - a12[i] * dv[i] + alpha * su) / (a11[i] + alpha * nn);
                    du[i] += omega * (nu - du[i]);
                    float nv = (b2[i] - a12[i] * du[i] + alpha * sv) / (a22[i] + alpha * nn);
                    dv[i] += omega * (nv - dv[i]);
                }
            }
    for (int y = 0; y < h; y++) {
        float *f = (float *)vn_image_row(l->flow, y);
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            f[2 * x] += du[i];
            f[2 * x + 1] += dv[i];
        }
    }
    vni_free(a11);
    return 0;
}

/* Patch origins along an axis of length len: every stride, the last one flush with the end. */
static int grid(int len, int ps, int stride, int *o)
{
    int n = 0;
    for (int x = 0; x + ps <= len; x += stride)
        o[n++] = x;
    if (n == 0 || o[n - 1] + ps < len)
        o[n++] = VNI_MAX(0, len - ps);
    return n;
}

/* dst = src resampled bilinearly to dst's size, vectors scaled with it (flow fields). */
static void resample_flow(VnImage *dst, const VnImage *src)
{
    const float sx = (float)src->width / dst->width, sy = (float)src->height / dst->height;
    for (int y = 0; y < dst->height; y++) {
        float *d = (float *)vn_image_row(dst, y);
        float fy = VNI_CLAMP((y + 0.5f) * sy - 0.5f, 0.0f, (float)(src->height - 1));
        int y0 = (int)fy, y1 = VNI_MIN(y0 + 1, src->height - 1);
        float ay = fy - y0;
        const float *r0 = (const float *)vn_image_row(src, y0), *r1 = (const float *)vn_image_row(src, y1);
        for (int x = 0; x < dst->width; x++) {
            float fx = VNI_CLAMP((x + 0.5f) * sx - 0.5f, 0.0f, (float)(src->width - 1));
            int x0 = (int)fx, x1 = VNI_MIN(x0 + 1, src->width - 1);
            float ax = fx - x0;
            for (int c = 0; c < 2; c++)
                d[2 * x + c] = ((1 - ay) * ((1 - ax) * r0[2 * x0 + c] + ax * r0[2 * x1 + c]) +
                                ay * ((1 - ax) * r1[2 * x0 + c] + ax * r1[2 * x1 + c])) / sx;
        }
    }
}

static int fill_holes(const VnContext *ctx, VnImage *flow, const VnImage *hole)
{
    VnMgParams mp;
    vni_mg_default_params(&mp);
    mp.tol = 0.01f;
    mp.max_cycles = 4;
    return vni_mg_solve(ctx, flow, hole, NULL, NULL, NULL, &mp);
}

static void level_free(Level *l)
{
    vn_image_free(&l->gx);
    vn_image_free(&l->gy);
    vn_image_free(&l->m0);
    vn_image_free(&l->m1);
    vn_image_free(&l->hole);
    vni_freep(&l->pu);
    vni_freep(&l->pv);
    vni_freep(&l->pok);
    vni_freep(&l->ox);
    vni_freep(&l->oy);
}

/* Masks at a level's size, or NULL when there is no mask. */
static int level_mask(VnImage **dst, const VnImage *m, int w, int h)
{
    int ret;
    *dst = NULL;
    if (!m)
        return 0;
    if ((ret = vn_image_alloc(dst, w, h, 1, VN_U8)) < 0)
        return ret;
    return vni_mask_downscale_any(*dst, m);
}

static int solve_level(const VnContext *ctx, Level *l, const VnImage *m0, const VnImage *m1)
{
    const int w = l->i0->width, h = l->i0->height, ps = l->p->patch;
    int ret;
    if ((ret = vn_image_alloc(&l->gx, w, h, 1, VN_F32)) < 0 || (ret = vn_image_alloc(&l->gy, w, h, 1, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&l->hole, w, h, 1, VN_U8)) < 0 || (ret = level_mask(&l->m0, m0, w, h)) < 0 ||
        (ret = level_mask(&l->m1, m1, w, h)) < 0)
        return ret;
    l->ox = vni_malloc_array((size_t)w / VNI_MAX(1, l->p->stride) + 2, sizeof(int));
    l->oy = vni_malloc_array((size_t)h / VNI_MAX(1, l->p->stride) + 2, sizeof(int));
    if (!l->ox || !l->oy)
        return -ENOMEM;
    l->nx = grid(w, VNI_MIN(ps, w), l->p->stride, l->ox);
    l->ny = grid(h, VNI_MIN(ps, h), l->p->stride, l->oy);
    l->pu = vni_malloc_array((size_t)l->nx * l->ny, sizeof(float));
    l->pv = vni_malloc_array((size_t)l->nx * l->ny, sizeof(float));
    l->pok = vni_malloc_array((size_t)l->nx * l->ny, 1);
    if (!l->pu || !l->pv || !l->pok)
        return -ENOMEM;
    gradients(l);
    vni_parallel(ctx, match_rows, l, vni_row_jobs(ctx, l->ny));
    vni_parallel(ctx, densify_rows, l, vni_row_jobs(ctx, h));
    if (l->p->var_iters > 0 && (ret = refine(ctx, l)) < 0)
        return ret;
    return fill_holes(ctx, l->flow, l->hole);
}

int vni_dis_flow(const VnContext *ctx, const VniPyramid *p0, const VniPyramid *p1, const VnImage *m0,
                 const VnImage *m1, VnImage *flow, int init, const VniDisParams *params)
{
    VniDisParams p = *params;
    VnImage *cur = NULL, *next = NULL;
    int coarsest, ret = 0;
    if (!p0 || !p1 || p0->n < 1 || p1->n < 1 || !flow || flow->channels != 2 || flow->type != VN_F32 ||
        flow->width != p0->lv[0]->width || flow->height != p0->lv[0]->height ||
        p1->lv[0]->width != flow->width || p1->lv[0]->height != flow->height || p.patch > 16 || p.patch < 4)
        return -EINVAL;
    coarsest = VNI_MIN(p0->n, p1->n) - 1;
    while (coarsest > 0 && VNI_MIN(p0->lv[coarsest]->width, p0->lv[coarsest]->height) < p.min_side)
        coarsest--;
    p.finest = VNI_MIN(p.finest, coarsest);
    if (p0->lv[coarsest]->width > 4096)
        return VN_ERR_TOOBIG;
    for (int lv = coarsest; lv >= p.finest; lv--) {
        Level l;
        const VnImage *i0 = p0->lv[lv];
        memset(&l, 0, sizeof(l));
        if ((ret = vn_image_alloc(&next, i0->width, i0->height, 2, VN_F32)) < 0)
            goto fail;
        if (cur)
            resample_flow(next, cur);
        else if (init)
            resample_flow(next, flow);
        vn_image_free(&cur);
        cur = next;
        next = NULL;
        l.i0 = i0;
        l.i1 = p1->lv[lv];
        l.flow = cur;
        l.p = &p;
        ret = solve_level(ctx, &l, m0, m1);
        level_free(&l);
        if (ret < 0)
            goto fail;
    }
    if (cur->width != flow->width)
        resample_flow(flow, cur);
    else
        vn_image_copy(flow, cur);
    /* complete the flow in frame 0's hole at full resolution */
    if (m0 && (ret = fill_holes(ctx, flow, m0)) < 0)
        goto fail;
fail:
    vn_image_free(&cur);
    vn_image_free(&next);
    return ret;
}
