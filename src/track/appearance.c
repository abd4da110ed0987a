/*
 * Colour models of a tracked object: Gaussian mixtures of its colours and of the colours around
 * it (GrabCut's models, Rother et al. 2004), learned on the keyframe and kept as long-term memory,
 * refitted on recent frames as short-term memory; and the search for a lost object by them.
 */
#include "track/tracker.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define MAX_SAMPLES 4000
#define VAR_FLOOR 20.0

/* Count of pixels of the object and its bounding box, grown by ring and clipped. */
static int64_t object_box(const VnImage *mask, int id, int ring, VniRect *r)
{
    int64_t n = 0;
    r->x0 = mask->width, r->y0 = mask->height, r->x1 = -1, r->y1 = -1;
    for (int y = 0; y < mask->height; y++) {
        const uint8_t *row = vn_image_row(mask, y);
        for (int x = 0; x < mask->width; x++)
            if (row[x] == id) {
                n++;
                r->x0 = VNI_MIN(r->x0, x), r->x1 = VNI_MAX(r->x1, x);
                r->y0 = VNI_MIN(r->y0, y), r->y1 = VNI_MAX(r->y1, y);
            }
    }
    if (!n)
        return 0;
    r->x0 = VNI_MAX(0, r->x0 - ring), r->y0 = VNI_MAX(0, r->y0 - ring);
    r->x1 = VNI_MIN(mask->width, r->x1 + 1 + ring), r->y1 = VNI_MIN(mask->height, r->y1 + 1 + ring);
    return n;
}

/* Up to MAX_SAMPLES colours of one side inside r, on a regular lattice. Returns the count. */
static int gather(const VnImage *rgb, const VnImage *mask, int id, int side, VniRect r, int64_t count,
                  float *col)
{
    int step = 1, n = 0;
    while (count / ((int64_t)step * step) > MAX_SAMPLES)
        step++;
    for (int y = r.y0; y < r.y1; y += step) {
        const uint8_t *m = vn_image_row(mask, y), *c = vn_image_row(rgb, y);
        for (int x = r.x0; x < r.x1 && n < MAX_SAMPLES; x += step)
            if ((m[x] == id) == side) {
                col[3 * n] = c[3 * x], col[3 * n + 1] = c[3 * x + 1], col[3 * n + 2] = c[3 * x + 2];
                n++;
            }
    }
    return n;
}

int vni_colour_fit(VniColourModel *m, const VnImage *rgb, const VnImage *mask, int id, int ring,
                   int components)
{
    VniRect r;
    int64_t nf = object_box(mask, id, ring, &r), nb;
    float *col = vni_malloc_array(MAX_SAMPLES * 3, sizeof(float));
    float *wt = vni_malloc_array(MAX_SAMPLES, sizeof(float));
    unsigned char *lab = vni_malloc_array(MAX_SAMPLES, 1);
    int ret = -ENOMEM;
    m->valid = 0;
    if (!col || !wt || !lab)
        goto fail;
    ret = 0;
    nb = (int64_t)(r.x1 - r.x0) * (r.y1 - r.y0) - nf;
    if (nf < 4 || nb < 4)
        goto fail;
    for (int i = 0; i < MAX_SAMPLES; i++)
        wt[i] = 1.0f;
    for (int side = 1; side >= 0; side--) {
        VniGmm *g = side ? &m->fg : &m->bg;
        int n = gather(rgb, mask, id, side, r, side ? nf : nb, col);
        if (n < 2)
            goto fail;
        g->k = 0;
        vni_gmm_fit(g, VNI_MIN(components, n), col, wt, n, VAR_FLOOR, lab);
        vni_gmm_fit(g, VNI_MIN(components, n), col, wt, n, VAR_FLOOR, lab);
    }
    m->valid = 1;
fail:
    vni_free(col);
    vni_free(wt);
    vni_free(lab);
    return ret;
}

/* -log of the mean of two densities given as costs. */
static double mix_cost(double a, double b)
{
    double m = fmin(a, b);
    return m - log(0.5 * (exp(m - a) + exp(m - b)));
}

float vni_colour_posterior(const VniColourModel *lt, const VniColourModel *st, const float *c)
{
    double cf = vni_gmm_cost(&lt->fg, c), cb = vni_gmm_cost(&lt->bg, c);
    if (st && st->valid) {
        cf = mix_cost(cf, vni_gmm_cost(&st->fg, c));
        cb = mix_cost(cb, vni_gmm_cost(&st->bg, c));
    }
    double t = VNI_CLAMP(cf - cb, -30.0, 30.0);
    return (float)(1.0 / (1.0 + exp(t)));
}

double vni_colour_mean_cost(const VniColourModel *m, const VnImage *rgb, const VnImage *mask, int id)
{
    double s = 0;
    int64_t n = 0;
    for (int y = 0; y < mask->height; y += 2) {
        const uint8_t *mr = vn_image_row(mask, y), *cr = vn_image_row(rgb, y);
        for (int x = 0; x < mask->width; x += 2)
            if (mr[x] == id) {
                float c[3] = {cr[3 * x], cr[3 * x + 1], cr[3 * x + 2]};
                s += vni_gmm_cost(&m->fg, c);
                n++;
            }
    }
    return n ? s / (double)n : 0;
}

typedef struct Blob {
    int64_t area;
    double cost;
} Blob;

/* Flood-fill the 4-connected component of lab==1 at seed with label `l`, summing its fg cost. */
static Blob flood(uint8_t *lab, const float *cost, int w, int h, int seed, uint8_t l, int *stack)
{
    Blob b = {0, 0};
    int top = 0;
    stack[top++] = seed;
    lab[seed] = l;
    while (top) {
        int p = stack[--top], x = p % w, y = p / w;
        b.area++;
        b.cost += cost[p];
        const int nb[4] = {x > 0 ? p - 1 : -1, x + 1 < w ? p + 1 : -1, y > 0 ? p - w : -1, y + 1 < h ? p + w : -1};
        for (int k = 0; k < 4; k++)
            if (nb[k] >= 0 && lab[nb[k]] == 1) {
                lab[nb[k]] = l;
                stack[top++] = nb[k];
            }
    }
    return b;
}

/* The coarse grid's posterior and fg cost, f x f blocks averaged. */
static void coarse_scores(const VnImage *rgb, const VniColourModel *lt, int f, int w, int h, uint8_t *lab,
                          float *cost)
{
    for (int by = 0; by < h; by++)
        for (int bx = 0; bx < w; bx++) {
            float c[3] = {0, 0, 0};
            int n = 0;
            for (int y = by * f; y < VNI_MIN(rgb->height, (by + 1) * f); y++) {
                const uint8_t *row = vn_image_row(rgb, y);
                for (int x = bx * f; x < VNI_MIN(rgb->width, (bx + 1) * f); x++, n++)
                    c[0] += row[3 * x], c[1] += row[3 * x + 1], c[2] += row[3 * x + 2];
            }
            for (int k = 0; k < 3; k++)
                c[k] /= (float)VNI_MAX(n, 1);
            int i = by * w + bx;
            lab[i] = vni_colour_posterior(lt, NULL, c) > 0.8f;
            cost[i] = (float)vni_gmm_cost(&lt->fg, c);
        }
}

int64_t vni_colour_redetect(const VnContext *ctx, const VnImage *rgb, const VniColourModel *lt,
                            int64_t area, double mean_cost, VnImage *out)
{
    const int f = VNI_MAX(2, VNI_MAX(rgb->width, rgb->height) / 160);
    const int w = (rgb->width + f - 1) / f, h = (rgb->height + f - 1) / f;
    uint8_t *lab = vni_malloc_array((size_t)w * h, 1);
    float *cost = vni_malloc_array((size_t)w * h, sizeof(float));
    int *stack = vni_malloc_array((size_t)w * h, sizeof(int));
    int64_t best_area = 0;
    int best_l = 0, next = 2;
    if (!lab || !cost || !stack || !lt->valid)
        goto done;
    coarse_scores(rgb, lt, f, w, h, lab, cost);
    for (int p = 0; p < w * h && next < 255; p++) {
        if (lab[p] != 1)
            continue;
        Blob b = flood(lab, cost, w, h, p, (uint8_t)next, stack);
        int64_t a = b.area * f * f;
        if (a >= area * 3 / 10 && a <= area * 3 && b.cost / (double)b.area <= mean_cost + 2.0 && a > best_area) {
            best_area = a;
            best_l = next;
        }
        next++;
    }
    for (int y = 0; y < out->height; y++) {
        uint8_t *o = vn_image_row(out, y);
        for (int x = 0; x < out->width; x++)
            o[x] = best_l && lab[(y / f) * w + x / f] == best_l ? 255 : 0;
    }
done:
    vni_free(lab);
    vni_free(cost);
    vni_free(stack);
    return best_l ? best_area : 0;
}
