/* DIS step 1: inverse-compositional patch search on mean-normalised intensities. */
#include <math.h>

#include "flow/dis_level.h"

#define MAXP (16 * 16)

/* How far (pixels) a patch may reach outside frame 1, into its replicated border. */
#define SEARCH_OUT 12

/* A patch's template: intensities, gradients and validity weights, zero-mean where it matters. */
typedef struct Patch {
    int ps, n2, x0, y0;
    float t[MAXP], gx[MAXP], gy[MAXP], w[MAXP];
    float tc[MAXP], gxc[MAXP], gyc[MAXP], ww[MAXP];
    float s[MAXP];
    float h11, h12, h22, wsum;
} Patch;

/* Bilinear samples of a padded image over a ps x ps window at (x, y): the weights are the
 * same for every pixel of the window, so the loop vectorises. */
static void sample_window(const VnImage *img, float x, float y, int ps, float *out)
{
    const float fx = floorf(x), fy = floorf(y), ax = x - fx, ay = y - fy;
    const float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
    const int ix = (int)fx, iy = (int)fy;
    for (int j = 0; j < ps; j++) {
        const float *r0 = dis_pad_at(img, ix, iy + j), *r1 = dis_pad_at(img, ix, iy + j + 1);
        float *o = out + j * ps;
        for (int q = 0; q < ps; q++)
            o[q] = w00 * r0[q] + w01 * r0[q + 1] + w10 * r1[q] + w11 * r1[q + 1];
    }
}

/* Keep a patch displaced by (u, v) inside the padded frame 1. */
static void clamp_motion(const DisLevel *l, const Patch *pt, float *u, float *v)
{
    const float out = SEARCH_OUT;
    *u = VNI_CLAMP(*u, -out - pt->x0, (float)(l->w + out - pt->ps - 1 - pt->x0));
    *v = VNI_CLAMP(*v, -out - pt->y0, (float)(l->h + out - pt->ps - 1 - pt->y0));
    if (!isfinite(*u) || !isfinite(*v))
        *u = *v = 0.0f;
}

/* Weighted means and the Gauss–Newton matrix of the template under weights ww. */
static void build_system(Patch *pt)
{
    const int n2 = pt->n2;
    float sw = 0, st = 0, sx = 0, sy = 0, h11 = 0, h12 = 0, h22 = 0;
    for (int i = 0; i < n2; i++) {
        sw += pt->ww[i];
        st += pt->ww[i] * pt->t[i];
        sx += pt->ww[i] * pt->gx[i];
        sy += pt->ww[i] * pt->gy[i];
    }
    pt->wsum = sw;
    if (sw <= 0.0f)
        return;
    st /= sw;
    sx /= sw;
    sy /= sw;
    for (int i = 0; i < n2; i++) {
        pt->tc[i] = pt->t[i] - st;
        pt->gxc[i] = pt->gx[i] - sx;
        pt->gyc[i] = pt->gy[i] - sy;
        h11 += pt->ww[i] * pt->gxc[i] * pt->gxc[i];
        h12 += pt->ww[i] * pt->gxc[i] * pt->gyc[i];
        h22 += pt->ww[i] * pt->gyc[i] * pt->gyc[i];
    }
    /* a little damping keeps textureless and edge-only patches near their start */
    pt->h11 = h11 + 1e-2f * sw;
    pt->h12 = h12;
    pt->h22 = h22 + 1e-2f * sw;
}

/* Sample frame 1 under the patch displaced by (u, v); with a frame-1 mask, update the weights
 * (and the system when they changed). Returns the mean of the samples under the weights. */
static float sample_frame1(const DisLevel *l, Patch *pt, float u, float v)
{
    const int n2 = pt->n2;
    float m = 0;
    sample_window(l->i1p, pt->x0 + u, pt->y0 + v, pt->ps, pt->s);
    if (l->v1p) {
        float vv[MAXP];
        sample_window(l->v1p, pt->x0 + u, pt->y0 + v, pt->ps, vv);
        for (int i = 0; i < n2; i++)
            pt->ww[i] = pt->w[i] * (vv[i] >= 0.99f ? 1.0f : 0.0f);
        build_system(pt);
    }
    if (pt->wsum <= 0.0f)
        return 0.0f;
    for (int i = 0; i < n2; i++)
        m += pt->ww[i] * pt->s[i];
    return m / pt->wsum;
}

/* Mean-normalised weighted SSD per usable pixel at (u, v); +inf when too little is usable. */
static float patch_cost(const DisLevel *l, Patch *pt, float u, float v)
{
    const float ms = sample_frame1(l, pt, u, v);
    float e = 0;
    if (pt->wsum < 0.25f * pt->n2)
        return INFINITY;
    for (int i = 0; i < pt->n2; i++) {
        float d = pt->s[i] - ms - pt->tc[i];
        e += pt->ww[i] * d * d;
    }
    return e / pt->wsum;
}

/* Load patch k's template from frame 0; 0 if too much of it is masked. */
static int load_patch(const DisLevel *l, Patch *pt, int k)
{
    const int ps = l->p->patch;
    pt->ps = ps;
    pt->n2 = ps * ps;
    pt->x0 = l->ox[k % l->nx];
    pt->y0 = l->oy[k / l->nx];
    for (int j = 0; j < ps; j++) {
        const float *t = dis_row(l->i0, pt->y0 + j) + pt->x0;
        const float *gx = dis_row(l->gx, pt->y0 + j) + pt->x0, *gy = dis_row(l->gy, pt->y0 + j) + pt->x0;
        const float *v = l->v0 ? dis_row(l->v0, pt->y0 + j) + pt->x0 : NULL;
        for (int q = 0; q < ps; q++) {
            pt->t[j * ps + q] = t[q];
            pt->gx[j * ps + q] = gx[q];
            pt->gy[j * ps + q] = gy[q];
            pt->w[j * ps + q] = v ? (v[q] >= 0.99f ? 1.0f : 0.0f) : 1.0f;
        }
    }
    for (int i = 0; i < pt->n2; i++)
        pt->ww[i] = pt->w[i];
    build_system(pt);
    return pt->wsum >= 0.4f * pt->n2;
}

/* Gauss–Newton from (u, v): inverse compositional, the template's matrix fixed unless a
 * frame-1 mask changes the weights. */
static void descend(const DisLevel *l, Patch *pt, float *pu, float *pv)
{
    float u = *pu, v = *pv;
    for (int it = 0; it < l->p->iters; it++) {
        const float ms = sample_frame1(l, pt, u, v);
        float bx = 0, by = 0, det, du, dv;
        if (pt->wsum < 0.25f * pt->n2)
            break;
        for (int i = 0; i < pt->n2; i++) {
            float e = pt->ww[i] * (pt->s[i] - ms - pt->tc[i]);
            bx += pt->gxc[i] * e;
            by += pt->gyc[i] * e;
        }
        det = pt->h11 * pt->h22 - pt->h12 * pt->h12;
        if (!(det > 0.0f))
            break;
        du = (pt->h22 * bx - pt->h12 * by) / det;
        dv = (pt->h11 * by - pt->h12 * bx) / det;
        u -= du;
        v -= dv;
        clamp_motion(l, pt, &u, &v);
        if (du * du + dv * dv < 1e-4f)
            break;
    }
    *pu = u;
    *pv = v;
}

/* Match patch k: the best start among the coarser flow at its centre and one patch away, then
 * Gauss–Newton; the result is kept only if it explains the patch better than the start. */
static void match_patch(const DisLevel *l, Patch *pt, int k)
{
    const int ps = l->p->patch;
    const float *f;
    float u, v, c0;
    l->pok[k] = 0;
    if (!load_patch(l, pt, k))
        return;
    f = dis_row(l->flow, pt->y0 + ps / 2) + 2 * (pt->x0 + ps / 2);
    u = f[0];
    v = f[1];
    clamp_motion(l, pt, &u, &v);
    c0 = patch_cost(l, pt, u, v);
    /* the coarser flow one patch away on each side: near a motion boundary the coarse flow at
     * the centre is a blend of both motions, one of these is the right one */
    for (int n = 0; n < 4; n++) {
        static const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
        const int cx = VNI_CLAMP(pt->x0 + ps / 2 + dx[n] * ps, 0, l->w - 1);
        const int cy = VNI_CLAMP(pt->y0 + ps / 2 + dy[n] * ps, 0, l->h - 1);
        const float *g = dis_row(l->flow, cy) + 2 * cx;
        float u1 = g[0], v1 = g[1], c1;
        if (fabsf(u1 - f[0]) + fabsf(v1 - f[1]) < 0.5f)
            continue; /* same start as the centre's, near enough */
        clamp_motion(l, pt, &u1, &v1);
        c1 = patch_cost(l, pt, u1, v1);
        if (c1 < c0) {
            u = u1;
            v = v1;
            c0 = c1;
        }
    }
    float su = u, sv = v, c;
    descend(l, pt, &u, &v);
    c = patch_cost(l, pt, u, v);
    if (!(c <= c0)) {
        u = su;
        v = sv;
        c = c0;
    }
    l->pu[k] = u;
    l->pv[k] = v;
    l->pok[k] = isfinite(c);
}

static void match_rows(void *opaque, int job, int n_jobs)
{
    const DisLevel *l = opaque;
    int r0 = (int)((int64_t)l->ny * job / n_jobs), r1 = (int)((int64_t)l->ny * (job + 1) / n_jobs);
    Patch *pt = vni_malloc_array(1, sizeof(Patch));
    if (!pt) {
        /* out of memory in a worker: leave these patches unusable; holes are completed later */
        for (int k = r0 * l->nx; k < r1 * l->nx; k++)
            l->pok[k] = 0;
        return;
    }
    for (int r = r0; r < r1; r++)
        for (int c = 0; c < l->nx; c++)
            match_patch(l, pt, r * l->nx + c);
    vni_free(pt);
}

void vni_dis_match(const VnContext *ctx, DisLevel *l)
{
    vni_parallel(ctx, match_rows, l, vni_row_jobs(ctx, l->ny));
}
