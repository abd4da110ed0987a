/*
 * Pyramidal Lucas–Kanade point tracking, translation only, in the inverse-compositional form
 * (Baker and Matthews 2004): the template's gradients and their 2x2 matrix are computed once per
 * level; each Gauss-Newton step only resamples the moving window. Coarse to fine, the
 * displacement found at one level, doubled, starts the next. A point is then tracked back from B
 * to A and lost if it does not come home (forward-backward error).
 */
#include "track/features.h"

#include <errno.h>
#include <math.h>

#define MAX_WIN 31
#define MAX_SIDE (2 * MAX_WIN + 3)

void vni_klt_default_params(VniKltParams *p)
{
    p->win = 7;
    p->levels = 4;
    p->max_iters = 20;
    p->eps = 0.01f;
    p->min_eig = 1e-2f;
    p->fb_max = 1.0f;
    p->use_guess = 0;
}

/* Bilinear sample of a VN_F32 image, coordinates clamped to the image. */
static inline float sample(const VnImage *im, float x, float y)
{
    x = VNI_CLAMP(x, 0.0f, (float)(im->width - 1));
    y = VNI_CLAMP(y, 0.0f, (float)(im->height - 1));
    int ix = VNI_MIN((int)x, im->width - 2 < 0 ? 0 : im->width - 2);
    int iy = VNI_MIN((int)y, im->height - 2 < 0 ? 0 : im->height - 2);
    float ax = x - ix, ay = y - iy;
    const float *r0 = (const float *)vn_image_row(im, iy);
    const float *r1 = (const float *)vn_image_row(im, VNI_MIN(iy + 1, im->height - 1));
    int ix1 = VNI_MIN(ix + 1, im->width - 1);
    float a = r0[ix] + (r0[ix1] - r0[ix]) * ax, b = r1[ix] + (r1[ix1] - r1[ix]) * ax;
    return a + (b - a) * ay;
}

/* The template at (px, py) of level image A with a one-pixel ring, its central-difference
 * gradients, and their summed 2x2 matrix (a b; b c). */
typedef struct Tmpl {
    float t[MAX_SIDE * MAX_SIDE], gx[MAX_SIDE * MAX_SIDE], gy[MAX_SIDE * MAX_SIDE];
    double a, b, c;
} Tmpl;

static void make_template(Tmpl *T, const VnImage *A, float px, float py, int win)
{
    const int side = 2 * win + 3;
    for (int j = 0; j < side; j++)
        for (int i = 0; i < side; i++)
            T->t[j * side + i] = sample(A, px + (float)(i - win - 1), py + (float)(j - win - 1));
    T->a = T->b = T->c = 0.0;
    for (int j = 1; j < side - 1; j++)
        for (int i = 1; i < side - 1; i++) {
            int k = j * side + i;
            float gx = 0.5f * (T->t[k + 1] - T->t[k - 1]), gy = 0.5f * (T->t[k + side] - T->t[k - side]);
            T->gx[k] = gx, T->gy[k] = gy;
            T->a += gx * gx, T->b += gx * gy, T->c += gy * gy;
        }
}

/* Smaller eigenvalue of the template's matrix, per window pixel. */
static double template_min_eig(const Tmpl *T, int win)
{
    double n = (double)(2 * win + 1) * (2 * win + 1);
    return 0.5 * (T->a + T->c - sqrt((T->a - T->c) * (T->a - T->c) + 4 * T->b * T->b)) / n;
}

/* Gauss-Newton at one level: refine the displacement (dx, dy) of the window at (px, py).
 * Returns 0, or -1 if the matrix is singular or the window runs away. */
static int refine_level(const Tmpl *T, const VnImage *B, float px, float py, int win, const VniKltParams *p,
                        float *dx, float *dy)
{
    const int side = 2 * win + 3;
    double det = T->a * T->c - T->b * T->b;
    if (!(det > 1e-9 * (T->a + T->c) * (T->a + T->c)) || det <= 0)
        return -1;
    for (int it = 0; it < p->max_iters; it++) {
        double bx = 0.0, by = 0.0;
        for (int j = 1; j < side - 1; j++)
            for (int i = 1; i < side - 1; i++) {
                int k = j * side + i;
                float e = sample(B, px + *dx + (float)(i - win - 1), py + *dy + (float)(j - win - 1)) - T->t[k];
                bx += T->gx[k] * e, by += T->gy[k] * e;
            }
        double ux = (T->c * bx - T->b * by) / det, uy = (T->a * by - T->b * bx) / det;
        *dx -= (float)ux, *dy -= (float)uy;
        if (fabsf(*dx) > 4.0f * B->width || fabsf(*dy) > 4.0f * B->height)
            return -1;
        if (ux * ux + uy * uy < (double)p->eps * p->eps)
            break;
    }
    return 0;
}

/* Track one point from A to B starting from the displacement guess (level-0 px). */
static int track_point(const VniPyramid *A, const VniPyramid *B, int levels, VniPt from, VniPt guess,
                       const VniKltParams *p, VniPt *to)
{
    Tmpl T;
    float scale = 1.0f / (float)(1 << (levels - 1));
    float dx = (guess.x - from.x) * scale, dy = (guess.y - from.y) * scale;
    for (int L = levels - 1; L >= 0; L--, scale *= 2.0f) {
        float px = from.x * scale, py = from.y * scale;
        make_template(&T, A->lv[L], px, py, p->win);
        if (L == 0 && template_min_eig(&T, p->win) < p->min_eig)
            return -1;
        if (refine_level(&T, B->lv[L], px, py, p->win, p, &dx, &dy) < 0 && L == 0)
            return -1;
        if (L > 0)
            dx *= 2.0f, dy *= 2.0f;
    }
    to->x = from.x + dx, to->y = from.y + dy;
    if (!(to->x >= 0.0f && to->y >= 0.0f && to->x <= A->lv[0]->width - 1 && to->y <= A->lv[0]->height - 1))
        return -1;
    return 0;
}

typedef struct KltJob {
    const VniPyramid *a, *b;
    const VniPt *pa;
    VniPt *pb;
    uint8_t *status;
    float *fb;
    int n, levels;
    const VniKltParams *p;
} KltJob;

/* Forward, then backward, for the points of one job. */
static void klt_job(void *opaque, int job, int n_jobs)
{
    KltJob *k = opaque;
    int i0 = (int)((int64_t)k->n * job / n_jobs), i1 = (int)((int64_t)k->n * (job + 1) / n_jobs);
    for (int i = i0; i < i1; i++) {
        VniPt guess = k->p->use_guess ? k->pb[i] : k->pa[i], fwd, back;
        int ok = track_point(k->a, k->b, k->levels, k->pa[i], guess, k->p, &fwd) == 0;
        float err = 0.0f;
        if (ok && k->p->fb_max > 0.0f) {
            ok = track_point(k->b, k->a, k->levels, fwd, fwd, k->p, &back) == 0;
            err = ok ? hypotf(back.x - k->pa[i].x, back.y - k->pa[i].y) : -1.0f;
            ok = ok && err <= k->p->fb_max;
        }
        k->pb[i] = ok ? fwd : k->pa[i];
        k->status[i] = (uint8_t)ok;
        if (k->fb)
            k->fb[i] = ok ? err : -1.0f;
    }
}

int vni_klt_track(const VnContext *ctx, const VniPyramid *a, const VniPyramid *b, const VniPt *pa, VniPt *pb,
                  uint8_t *status, float *fb_err, int n, const VniKltParams *params)
{
    VniKltParams def;
    const VniKltParams *p = params ? params : (vni_klt_default_params(&def), &def);
    KltJob k = {a, b, pa, pb, status, fb_err, n, 0, p};
    int count = 0;
    if (!a || !b || n < 0 || (n > 0 && (!pa || !pb || !status)) || a->n < 1 || b->n < 1 ||
        p->win < 2 || p->win > MAX_WIN || p->levels < 1 || p->max_iters < 1 || !(p->eps > 0))
        return -EINVAL;
    k.levels = VNI_MIN(p->levels, VNI_MIN(a->n, b->n));
    for (int L = 0; L < k.levels; L++)
        if (a->lv[L]->width != b->lv[L]->width || a->lv[L]->height != b->lv[L]->height)
            return -EINVAL;
    if (n == 0)
        return 0;
    vni_parallel(ctx, klt_job, &k, vni_row_jobs(ctx, (n + 15) / 16));
    for (int i = 0; i < n; i++)
        count += status[i];
    return count;
}
