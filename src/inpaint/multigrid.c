/*
 * Masked multigrid for Σ_j w_ij (u_j − u_i) = f_i on the unknown pixels (see multigrid.h).
 *
 * Cell-centred hierarchy: a coarse cell covers 2x2 fine cells and is unknown if most children are.
 * Error equations on coarse levels use the same unit stencil (with averaged link weights) and
 * the summed residual of the children as right-hand side, which is the consistent scaling when
 * the mesh size doubles. Corrections come back by bilinear (9-3-3-1) interpolation; known cells
 * carry zero error. Smoothing is red-black Gauss–Seidel, parallel over row slices.
 */
#include "inpaint/multigrid.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define MAX_LEVELS 16

typedef struct Level {
    int w, h, nch;
    float *u, *f, *r;      /* w*h*nch */
    uint8_t *t;            /* w*h: 1 = unknown */
    float *wx, *wy;        /* w*h link weights, or NULL for uniform */
    int n_unknown;
} Level;

void vni_mg_default_params(VnMgParams *p)
{
    p->max_cycles = 8;
    p->tol = 1e-3f;
    p->pre_smooth = 2;
    p->post_smooth = 2;
    p->init = 1;
}

static void level_free(Level *l)
{
    vni_freep(&l->u);
    vni_freep(&l->f);
    vni_freep(&l->r);
    vni_freep(&l->t);
    vni_freep(&l->wx);
    vni_freep(&l->wy);
}

static int level_alloc(Level *l, int w, int h, int nch, int weighted)
{
    size_t n = (size_t)w * (size_t)h, nc = n * (size_t)nch;
    memset(l, 0, sizeof(*l));
    l->w = w;
    l->h = h;
    l->nch = nch;
    l->u = vni_calloc_array(nc, sizeof(float));
    l->f = vni_calloc_array(nc, sizeof(float));
    l->r = vni_calloc_array(nc, sizeof(float));
    l->t = vni_calloc_array(n, 1);
    if (weighted) {
        l->wx = vni_calloc_array(n, sizeof(float));
        l->wy = vni_calloc_array(n, sizeof(float));
    }
    if (!l->u || !l->f || !l->r || !l->t || (weighted && (!l->wx || !l->wy))) {
        level_free(l);
        return -ENOMEM;
    }
    return 0;
}

/* Weighted sum of the neighbours of (x,y) per channel into acc; returns the weight sum.
 * Neighbours outside the level are left out (Neumann boundary). */
static inline float gather(const Level *l, const float *u, int x, int y, float *acc)
{
    const int w = l->w, nch = l->nch;
    const ptrdiff_t i = (ptrdiff_t)y * w + x;
    float sw = 0.0f, wt;
    for (int c = 0; c < nch; c++)
        acc[c] = 0.0f;
    if (x > 0) {
        wt = l->wx ? l->wx[i - 1] : 1.0f;
        sw += wt;
        for (int c = 0; c < nch; c++)
            acc[c] += wt * u[(i - 1) * nch + c];
    }
    if (x < w - 1) {
        wt = l->wx ? l->wx[i] : 1.0f;
        sw += wt;
        for (int c = 0; c < nch; c++)
            acc[c] += wt * u[(i + 1) * nch + c];
    }
    if (y > 0) {
        wt = l->wy ? l->wy[i - w] : 1.0f;
        sw += wt;
        for (int c = 0; c < nch; c++)
            acc[c] += wt * u[(i - w) * nch + c];
    }
    if (y < l->h - 1) {
        wt = l->wy ? l->wy[i] : 1.0f;
        sw += wt;
        for (int c = 0; c < nch; c++)
            acc[c] += wt * u[(i + w) * nch + c];
    }
    return sw;
}

typedef struct SweepArg {
    Level *l;
    int color;
} SweepArg;

static void sweep_rows(void *opaque, int job, int n_jobs)
{
    SweepArg *a = opaque;
    Level *l = a->l;
    const int nch = l->nch;
    int y0 = (int)((int64_t)l->h * job / n_jobs), y1 = (int)((int64_t)l->h * (job + 1) / n_jobs);
    float acc[4];
    for (int y = y0; y < y1; y++) {
        const uint8_t *t = l->t + (ptrdiff_t)y * l->w;
        for (int x = (y + a->color) & 1; x < l->w; x += 2) {
            ptrdiff_t i = (ptrdiff_t)y * l->w + x;
            float sw;
            if (!t[x])
                continue;
            sw = gather(l, l->u, x, y, acc);
            if (sw <= 0.0f)
                continue;
            for (int c = 0; c < nch; c++)
                l->u[i * nch + c] = (acc[c] - l->f[i * nch + c]) / sw;
        }
    }
}

/* n red-black Gauss–Seidel sweeps over the unknowns of a level. */
static void smooth(const VnContext *ctx, Level *l, int n)
{
    int64_t area = (int64_t)l->w * l->h;
    int jobs = area > 32768 ? vni_row_jobs(ctx, l->h) : 1;
    for (int it = 0; it < n; it++)
        for (int color = 0; color < 2; color++) {
            SweepArg a = {l, color};
            if (jobs > 1)
                vni_parallel(ctx, sweep_rows, &a, jobs);
            else
                sweep_rows(&a, 0, 1);
        }
}

/* r = f − A u on the unknowns (0 elsewhere); returns the max-norm of r. */
static float residual(Level *l)
{
    const int nch = l->nch;
    float acc[4], maxr = 0.0f;
    for (int y = 0; y < l->h; y++)
        for (int x = 0; x < l->w; x++) {
            ptrdiff_t i = (ptrdiff_t)y * l->w + x;
            if (!l->t[i]) {
                for (int c = 0; c < nch; c++)
                    l->r[i * nch + c] = 0.0f;
                continue;
            }
            float sw = gather(l, l->u, x, y, acc);
            for (int c = 0; c < nch; c++) {
                float r = l->f[i * nch + c] - (acc[c] - sw * l->u[i * nch + c]);
                l->r[i * nch + c] = r;
                maxr = fmaxf(maxr, fabsf(r));
            }
        }
    return maxr;
}

/* Make the coarse level's shape, unknown flags and link weights from the fine level. */
static int coarsen(const Level *fl, Level *cl)
{
    int w = (fl->w + 1) / 2, h = (fl->h + 1) / 2, ret;
    if ((ret = level_alloc(cl, w, h, fl->nch, fl->wx != NULL)) < 0)
        return ret;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int n = 0, k = 0;
            for (int dy = 0; dy < 2; dy++)
                for (int dx = 0; dx < 2; dx++) {
                    int fx = 2 * x + dx, fy = 2 * y + dy;
                    if (fx < fl->w && fy < fl->h) {
                        n++;
                        k += fl->t[(ptrdiff_t)fy * fl->w + fx];
                    }
                }
            /* unknown when most children are: a coarse domain larger than the fine one would
             * over-correct near the boundary and can lose every known cell (singular) */
            int unk = k >= 3 || (k == n && n > 0);
            cl->t[(ptrdiff_t)y * w + x] = (uint8_t)unk;
            cl->n_unknown += unk;
        }
    if (!fl->wx)
        return 0;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            /* the fine links that cross the right and the bottom edge of the coarse cell */
            int fx = VNI_MIN(2 * x + 1, fl->w - 1), fy = VNI_MIN(2 * y + 1, fl->h - 1);
            int fy2 = VNI_MIN(2 * y, fl->h - 1), fx2 = VNI_MIN(2 * x, fl->w - 1);
            ptrdiff_t c = (ptrdiff_t)y * w + x;
            cl->wx[c] = 0.5f * (fl->wx[(ptrdiff_t)fy2 * fl->w + fx] + fl->wx[(ptrdiff_t)fy * fl->w + fx]);
            cl->wy[c] = 0.5f * (fl->wy[(ptrdiff_t)fy * fl->w + fx2] + fl->wy[(ptrdiff_t)fy * fl->w + fx]);
        }
    return 0;
}

/* Coarse right-hand side: the summed residual of each cell's children; coarse error := 0. */
static void restrict_residual(const Level *fl, Level *cl)
{
    const int nch = fl->nch;
    memset(cl->u, 0, sizeof(float) * (size_t)cl->w * cl->h * nch);
    memset(cl->f, 0, sizeof(float) * (size_t)cl->w * cl->h * nch);
    for (int fy = 0; fy < fl->h; fy++)
        for (int fx = 0; fx < fl->w; fx++) {
            ptrdiff_t fi = (ptrdiff_t)fy * fl->w + fx, ci = (ptrdiff_t)(fy / 2) * cl->w + fx / 2;
            for (int c = 0; c < nch; c++)
                cl->f[ci * nch + c] += fl->r[fi * nch + c];
        }
}

/* Add the bilinearly interpolated coarse values (vals) to the unknown fine cells. With
 * replace = 1 the fine unknowns are set instead (initial guess). */
static void prolong(const Level *cl, const float *vals, Level *fl, int replace)
{
    const int nch = fl->nch;
    for (int fy = 0; fy < fl->h; fy++) {
        int cy = fy / 2, cy2 = VNI_CLAMP(fy & 1 ? cy + 1 : cy - 1, 0, cl->h - 1);
        for (int fx = 0; fx < fl->w; fx++) {
            ptrdiff_t fi = (ptrdiff_t)fy * fl->w + fx;
            int cx = fx / 2, cx2 = VNI_CLAMP(fx & 1 ? cx + 1 : cx - 1, 0, cl->w - 1);
            const float *a = vals + ((ptrdiff_t)cy * cl->w + cx) * nch;
            const float *b = vals + ((ptrdiff_t)cy * cl->w + cx2) * nch;
            const float *c = vals + ((ptrdiff_t)cy2 * cl->w + cx) * nch;
            const float *d = vals + ((ptrdiff_t)cy2 * cl->w + cx2) * nch;
            if (!fl->t[fi])
                continue;
            for (int k = 0; k < nch; k++) {
                float v = 0.5625f * a[k] + 0.1875f * (b[k] + c[k]) + 0.0625f * d[k];
                fl->u[fi * nch + k] = replace ? v : fl->u[fi * nch + k] + v;
            }
        }
    }
}

static void vcycle(const VnContext *ctx, Level *lv, int n_levels, int li, const VnMgParams *p)
{
    Level *l = &lv[li];
    if (li == n_levels - 1) {
        smooth(ctx, l, 4 * (l->w + l->h) + 20);
        return;
    }
    smooth(ctx, l, p->pre_smooth);
    residual(l);
    restrict_residual(l, &lv[li + 1]);
    vcycle(ctx, lv, n_levels, li + 1, p);
    prolong(&lv[li + 1], lv[li + 1].u, l, 0);
    smooth(ctx, l, p->post_smooth);
}

/*
 * Initial guess, coarse to fine: known values are averaged down (a coarse cell is known if any
 * child is known), the coarsest level is relaxed, and each finer level starts from the
 * interpolated coarser solution. Uses the levels' u and f as scratch; level 0's u keeps its
 * known values.
 */
static void initial_guess(const VnContext *ctx, Level *lv, int n_levels)
{
    const int nch = lv[0].nch;
    /* on coarse levels, t marks "no known child" while guessing; restore afterwards */
    for (int li = 1; li < n_levels; li++) {
        Level *fl = &lv[li - 1], *cl = &lv[li];
        memset(cl->u, 0, sizeof(float) * (size_t)cl->w * cl->h * nch);
        memset(cl->f, 0, sizeof(float) * (size_t)cl->w * cl->h * nch);
        memset(cl->r, 0, sizeof(float) * (size_t)cl->w * cl->h * nch); /* r[.*nch] = count */
        for (int fy = 0; fy < fl->h; fy++)
            for (int fx = 0; fx < fl->w; fx++) {
                ptrdiff_t fi = (ptrdiff_t)fy * fl->w + fx, ci = (ptrdiff_t)(fy / 2) * cl->w + fx / 2;
                if (li == 1 ? fl->t[fi] != 0 : fl->r[fi * nch] == 0.0f)
                    continue;
                for (int c = 0; c < nch; c++)
                    cl->u[ci * nch + c] += fl->u[fi * nch + c];
                cl->r[ci * nch] += 1.0f;
            }
        for (ptrdiff_t ci = 0; ci < (ptrdiff_t)cl->w * cl->h; ci++) {
            float n = cl->r[ci * nch];
            if (n > 0.0f)
                for (int c = 0; c < nch; c++)
                    cl->u[ci * nch + c] /= n;
        }
    }
    /* relax each level with "unknown" = no known child, then hand down */
    for (int li = n_levels - 1; li >= 0; li--) {
        Level *l = &lv[li];
        uint8_t *saved = NULL;
        if (li > 0) {
            /* swap in the guessing flags: unknown where no child was known */
            saved = l->t;
            l->t = vni_malloc_array((size_t)l->w * l->h, 1);
            if (!l->t) {
                l->t = saved;
                saved = NULL;
            } else {
                for (ptrdiff_t i = 0; i < (ptrdiff_t)l->w * l->h; i++)
                    l->t[i] = l->r[i * nch] == 0.0f;
            }
        }
        if (li < n_levels - 1)
            prolong(&lv[li + 1], lv[li + 1].u, l, 1);
        smooth(ctx, l, li == n_levels - 1 ? 4 * (l->w + l->h) + 20 : 4);
        if (saved) {
            vni_free(l->t);
            l->t = saved;
        }
    }
}

/* Bounding box of the unknowns. 0 if empty. */
static int mask_bbox(const VnImage *mask, int *x0, int *y0, int *x1, int *y1)
{
    int bx0 = mask->width, by0 = mask->height, bx1 = -1, by1 = -1;
    for (int y = 0; y < mask->height; y++) {
        const uint8_t *m = vn_image_row(mask, y);
        for (int x = 0; x < mask->width; x++)
            if (m[x]) {
                bx0 = VNI_MIN(bx0, x);
                bx1 = VNI_MAX(bx1, x);
                by0 = VNI_MIN(by0, y);
                by1 = y;
            }
    }
    if (bx1 < 0)
        return 0;
    *x0 = bx0;
    *y0 = by0;
    *x1 = bx1;
    *y1 = by1;
    return 1;
}

static int check_args(const VnImage *u, const VnImage *mask, const VnImage *rhs,
                      const VnImage *wx, const VnImage *wy)
{
    if (!u || !mask || u->type != VN_F32 || mask->type != VN_U8 || mask->channels != 1 ||
        mask->width != u->width || mask->height != u->height)
        return -EINVAL;
    if (rhs && !vni_image_same(rhs, u))
        return -EINVAL;
    if ((wx != NULL) != (wy != NULL))
        return -EINVAL;
    for (int k = 0; wx && k < 2; k++) {
        const VnImage *w = k ? wy : wx;
        if (w->type != VN_F32 || w->channels != 1 || w->width != u->width || w->height != u->height)
            return -EINVAL;
    }
    return 0;
}

/* Copy the bbox of the inputs into level 0. */
static void load_level0(Level *l, const VnImage *u, const VnImage *mask, const VnImage *rhs,
                        const VnImage *wx, const VnImage *wy, int x0, int y0)
{
    const int nch = l->nch;
    for (int y = 0; y < l->h; y++) {
        const float *us = (const float *)vn_image_row(u, y0 + y) + (ptrdiff_t)x0 * nch;
        const uint8_t *ms = vn_image_row(mask, y0 + y) + x0;
        ptrdiff_t i = (ptrdiff_t)y * l->w;
        memcpy(l->u + i * nch, us, sizeof(float) * (size_t)l->w * nch);
        if (rhs)
            memcpy(l->f + i * nch, (const float *)vn_image_row(rhs, y0 + y) + (ptrdiff_t)x0 * nch,
                   sizeof(float) * (size_t)l->w * nch);
        for (int x = 0; x < l->w; x++) {
            l->t[i + x] = ms[x] != 0;
            l->n_unknown += ms[x] != 0;
        }
        if (wx) {
            memcpy(l->wx + i, (const float *)vn_image_row(wx, y0 + y) + x0, sizeof(float) * (size_t)l->w);
            memcpy(l->wy + i, (const float *)vn_image_row(wy, y0 + y) + x0, sizeof(float) * (size_t)l->w);
        }
    }
}

int vni_mg_solve(const VnContext *ctx, VnImage *u, const VnImage *mask, const VnImage *rhs,
                 const VnImage *wx, const VnImage *wy, const VnMgParams *params)
{
    Level lv[MAX_LEVELS];
    VnMgParams p;
    int n_levels = 0, max_levels, pad, x0, y0, x1, y1, ret;
    const int nch = u ? u->channels : 0;
    if ((ret = check_args(u, mask, rhs, wx, wy)) < 0)
        return ret;
    if (params)
        p = *params;
    else
        vni_mg_default_params(&p);
    if (!mask_bbox(mask, &x0, &y0, &x1, &y1))
        return 0;
    /* Levels while the hole spans a few coarse cells. The box is grown by 2^levels so that every
     * coarse level keeps a ring of known cells: a coarse unknown never meets the box edge
     * (which would act as a free Neumann boundary) except where the box meets the image's. */
    max_levels = 1;
    while (max_levels < MAX_LEVELS - 1 && VNI_MIN(x1 - x0 + 1, y1 - y0 + 1) >> max_levels >= 2)
        max_levels++;
    pad = 1 << VNI_MIN(max_levels, 8);
    x0 = VNI_MAX(0, x0 - pad);
    y0 = VNI_MAX(0, y0 - pad);
    x1 = VNI_MIN(u->width - 1, x1 + pad);
    y1 = VNI_MIN(u->height - 1, y1 + pad);
    memset(lv, 0, sizeof(lv));
    if ((ret = level_alloc(&lv[0], x1 - x0 + 1, y1 - y0 + 1, nch, wx != NULL)) < 0)
        return ret;
    n_levels = 1;
    load_level0(&lv[0], u, mask, rhs, wx, wy, x0, y0);
    while (n_levels < max_levels && VNI_MIN(lv[n_levels - 1].w, lv[n_levels - 1].h) > 4 &&
           lv[n_levels - 1].n_unknown > 16) {
        if ((ret = coarsen(&lv[n_levels - 1], &lv[n_levels])) < 0)
            goto fail;
        n_levels++;
    }
    if (p.init)
        initial_guess(ctx, lv, n_levels);
    for (int cyc = 0; cyc < p.max_cycles; cyc++) {
        if (residual(&lv[0]) <= p.tol)
            break;
        vcycle(ctx, lv, n_levels, 0, &p);
    }
    for (int y = 0; y < lv[0].h; y++) {
        float *ud = (float *)vn_image_row(u, y0 + y) + (ptrdiff_t)x0 * nch;
        const ptrdiff_t i = (ptrdiff_t)y * lv[0].w;
        for (int x = 0; x < lv[0].w; x++)
            if (lv[0].t[i + x])
                for (int c = 0; c < nch; c++)
                    ud[x * nch + c] = lv[0].u[(i + x) * nch + c];
    }
    ret = 0;
fail:
    for (int i = 0; i < n_levels + 1 && i < MAX_LEVELS; i++)
        level_free(&lv[i]);
    return ret;
}
