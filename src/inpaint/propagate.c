#include "inpaint/propagate.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int vni_sources_alloc(VniSources *s, int w, int h)
{
    size_t n = (size_t)w * (size_t)h;
    memset(s, 0, sizeof(*s));
    s->w = w;
    s->h = h;
    for (int k = 0; k < 2; k++) {
        s->frame[k] = vni_malloc_array(n, sizeof(int16_t));
        s->x[k] = vni_malloc_array(n, sizeof(float));
        s->y[k] = vni_malloc_array(n, sizeof(float));
        if (!s->frame[k] || !s->x[k] || !s->y[k]) {
            vni_sources_free(s);
            return -ENOMEM;
        }
    }
    vni_sources_reset(s);
    return 0;
}

void vni_sources_free(VniSources *s)
{
    for (int k = 0; k < 2; k++) {
        vni_freep(&s->frame[k]);
        vni_freep(&s->x[k]);
        vni_freep(&s->y[k]);
    }
}

void vni_sources_reset(VniSources *s)
{
    size_t n = (size_t)s->w * (size_t)s->h;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++)
            s->frame[k][i] = -1;
}

void vni_propagate_default_params(VniPropagateParams *p)
{
    p->consistency = 1.0f;
    p->max_steps = 1 << 14;
    p->own = p->moving = NULL;
}

/* Bilinear sample of a 2-channel float image at (x, y), clamped to the border. */
static inline void sample2(const VnImage *f, float x, float y, float *u, float *v)
{
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float ax = x - x0, ay = y - y0;
    int x1 = VNI_MIN(x0 + 1, f->width - 1), y1 = VNI_MIN(y0 + 1, f->height - 1);
    x0 = VNI_CLAMP(x0, 0, f->width - 1);
    y0 = VNI_CLAMP(y0, 0, f->height - 1);
    const float *r0 = (const float *)vn_image_row(f, y0), *r1 = (const float *)vn_image_row(f, y1);
    *u = (1 - ay) * ((1 - ax) * r0[2 * x0] + ax * r0[2 * x1]) + ay * ((1 - ax) * r1[2 * x0] + ax * r1[2 * x1]);
    *v = (1 - ay) * ((1 - ax) * r0[2 * x0 + 1] + ax * r0[2 * x1 + 1]) +
         ay * ((1 - ax) * r1[2 * x0 + 1] + ax * r1[2 * x1 + 1]);
}

int vni_visible(const VnImage *hole, float x, float y)
{
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    if (x0 < 0 || y0 < 0 || x0 >= hole->width || y0 >= hole->height)
        return 0;
    /* a neighbour with zero weight does not count */
    int x1 = x > (float)x0 ? VNI_MIN(x0 + 1, hole->width - 1) : x0;
    int y1 = y > (float)y0 ? VNI_MIN(y0 + 1, hole->height - 1) : y0;
    const uint8_t *r0 = vn_image_row(hole, y0), *r1 = vn_image_row(hole, y1);
    return !r0[x0] && !r0[x1] && !r1[x0] && !r1[x1];
}

int vni_mask_at(const VnImage *m, float x, float y)
{
    int ix, iy;
    if (!m)
        return 0;
    ix = VNI_CLAMP((int)lrintf(x), 0, m->width - 1);
    iy = VNI_CLAMP((int)lrintf(y), 0, m->height - 1);
    return vn_image_row(m, iy)[ix] != 0;
}

int vni_moving_source(const VnImage *own, const VnImage *moving, float x, float y, int tx, int ty)
{
    return own && vni_mask_at(moving, x, y) && !vni_mask_at(own, x, y) && vni_mask_at(own, (float)tx, (float)ty);
}

/*
 * The source that neighbour frame `nb`'s pixel at (qx, qy) gives to direction k: the point
 * itself when it is visible there, else what that frame inherited, its position interpolated
 * over the neighbouring pixels that share the nearest one's source frame. Returns 0 if none.
 */
static int inherit(const VnImage *hole, const VniSources *s, int k, int nb, float qx, float qy,
                   int16_t *sf, float *sx, float *sy)
{
    int ix = (int)lrintf(qx), iy = (int)lrintf(qy);
    ptrdiff_t i;
    if (!vn_image_row(hole, iy)[ix]) {
        *sf = (int16_t)nb;
        *sx = qx;
        *sy = qy;
        return 1;
    }
    i = (ptrdiff_t)iy * s->w + ix;
    if (s->frame[k][i] < 0)
        return 0;
    /* nearest neighbour's source, moved by the sub-pixel offset (locally a translation) */
    *sf = s->frame[k][i];
    *sx = s->x[k][i] + (qx - ix);
    *sy = s->y[k][i] + (qy - iy);
    return 1;
}

typedef struct SweepArg {
    int n, k, t;
    const VnImage *const *holes, *const *fwd, *const *bwd;
    VniSources *out;
    const VniPropagateParams *p;
} SweepArg;

/* One frame t of a sweep in direction k: look into frame t-1 (past) or t+1 (future). */
static void sweep_rows(void *opaque, int job, int n_jobs)
{
    const SweepArg *a = opaque;
    const int t = a->t, k = a->k, nb = k == VNI_PAST ? t - 1 : t + 1;
    const VnImage *to_nb = k == VNI_PAST ? a->bwd[t] : a->fwd[t];
    const VnImage *back = k == VNI_PAST ? a->fwd[nb] : a->bwd[nb];
    const VnImage *hole = a->holes[t];
    VniSources *s = &a->out[t];
    const int w = hole->width, h = hole->height;
    int y0 = (int)((int64_t)h * job / n_jobs), y1 = (int)((int64_t)h * (job + 1) / n_jobs);
    if (!to_nb || !back) { /* a broken link: no chain crosses it */
        for (ptrdiff_t i = (ptrdiff_t)y0 * w; i < (ptrdiff_t)y1 * w; i++)
            s->frame[k][i] = -1;
        return;
    }
    for (int y = y0; y < y1; y++) {
        const uint8_t *m = vn_image_row(hole, y);
        const float *d = (const float *)vn_image_row(to_nb, y);
        for (int x = 0; x < w; x++) {
            ptrdiff_t i = (ptrdiff_t)y * w + x;
            float qx, qy, bu, bv, err, mag;
            int16_t sf;
            float sx, sy;
            s->frame[k][i] = -1;
            if (!m[x])
                continue;
            qx = x + d[2 * x];
            qy = y + d[2 * x + 1];
            if (qx < 0 || qy < 0 || qx > w - 1 || qy > h - 1)
                continue;
            /* Check forward-backward consistency where the chain lands on a visible point: its
             * real motion must lead back here. Inside both holes both flows are completions,
             * and comparing them says nothing about occlusion. */
            if (!vn_image_row(a->holes[nb], (int)lrintf(qy))[(int)lrintf(qx)]) {
                sample2(back, qx, qy, &bu, &bv);
                err = hypotf(d[2 * x] + bu, d[2 * x + 1] + bv);
                mag = hypotf(d[2 * x], d[2 * x + 1]);
                if (err > a->p->consistency + 0.05f * mag)
                    continue;
            }
            if (!inherit(a->holes[nb], &a->out[nb], k, nb, qx, qy, &sf, &sx, &sy))
                continue;
            /* sub-pixel offsets carried along a chain must not walk into the source's hole */
            if (!vni_visible(a->holes[sf], sx, sy) ||
                (a->p->own && a->p->moving && vni_moving_source(a->p->own[sf], a->p->moving[sf], sx, sy, x, y)))
                continue;
            if (abs(sf - t) > a->p->max_steps)
                continue;
            s->frame[k][i] = sf;
            s->x[k][i] = sx;
            s->y[k][i] = sy;
        }
    }
}

int vni_propagate(const VnContext *ctx, int n, const VnImage *const *holes,
                  const VnImage *const *fwd, const VnImage *const *bwd, VniSources *out,
                  const VniPropagateParams *params)
{
    VniPropagateParams p;
    SweepArg a;
    if (n <= 0 || !holes || !out)
        return -EINVAL;
    for (int t = 0; t < n; t++) {
        if (!holes[t] || out[t].w != holes[t]->width || out[t].h != holes[t]->height)
            return -EINVAL;
        vni_sources_reset(&out[t]);
    }
    if (params)
        p = *params;
    else
        vni_propagate_default_params(&p);
    a = (SweepArg){n, VNI_PAST, 0, holes, fwd, bwd, out, &p};
    for (int t = 1; t < n; t++) {
        a.t = t;
        vni_parallel(ctx, sweep_rows, &a, vni_row_jobs(ctx, holes[t]->height));
    }
    a.k = VNI_FUTURE;
    for (int t = n - 2; t >= 0; t--) {
        a.t = t;
        vni_parallel(ctx, sweep_rows, &a, vni_row_jobs(ctx, holes[t]->height));
    }
    return 0;
}
