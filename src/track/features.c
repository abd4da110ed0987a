/*
 * Shi–Tomasi corners: the smaller eigenvalue of the structure tensor summed over a block, its
 * 3x3 local maxima above a fraction of the strongest, then a greedy pick, strongest first, that
 * keeps a minimum distance between corners.
 */
#include "track/features.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void vni_corner_default_params(VniCornerParams *p)
{
    p->max_corners = 500;
    p->quality = 0.01f;
    p->min_distance = 8.0f;
    p->block = 5;
    p->border = 4;
}

typedef struct Cand {
    float v;
    int32_t i;
} Cand;

/* Strongest first; ties by position so that the order is total. */
static int cand_cmp(const void *pa, const void *pb)
{
    const Cand *a = pa, *b = pb;
    if (a->v != b->v)
        return a->v > b->v ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

/* In place: each value becomes the mean over the k x k window around it weighted by the
 * binomial coefficients of order k-1 (a Gaussian-like window with a unique centre; edges
 * replicated). */
static void binomial_blur(float *m, float *tmp, int w, int h, int k)
{
    const int r = k / 2;
    float wt[16];
    wt[0] = 1.0f;
    for (int i = 1; i < k; i++) { /* row i of Pascal's triangle, in place */
        wt[i] = 1.0f;
        for (int j = i - 1; j > 0; j--)
            wt[j] += wt[j - 1];
    }
    for (int i = 0; i < k; i++)
        wt[i] /= (float)(1 << (k - 1));
    for (int y = 0; y < h; y++) {
        const float *row = m + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            float s = 0.0f;
            for (int d = -r; d <= r; d++)
                s += wt[d + r] * row[VNI_CLAMP(x + d, 0, w - 1)];
            tmp[(size_t)y * w + x] = s;
        }
    }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float s = 0.0f;
            for (int d = -r; d <= r; d++)
                s += wt[d + r] * tmp[(size_t)VNI_CLAMP(y + d, 0, h - 1) * w + x];
            m[(size_t)y * w + x] = s;
        }
}

/* Structure tensor products from Sobel gradients (scaled by 1/8), averaged over the block with
 * binomial weights, and their smaller eigenvalue into resp. */
static void min_eigen(const VnImage *g, int block, float *xx, float *xy, float *yy, float *tmp, float *resp)
{
    const int w = g->width, h = g->height;
    for (int y = 0; y < h; y++) {
        const float *r0 = (const float *)vn_image_row(g, VNI_MAX(y - 1, 0));
        const float *r1 = (const float *)vn_image_row(g, y);
        const float *r2 = (const float *)vn_image_row(g, VNI_MIN(y + 1, h - 1));
        for (int x = 0; x < w; x++) {
            int xm = VNI_MAX(x - 1, 0), xp = VNI_MIN(x + 1, w - 1);
            float gx = (r0[xp] - r0[xm] + 2 * (r1[xp] - r1[xm]) + r2[xp] - r2[xm]) * 0.125f;
            float gy = (r2[xm] - r0[xm] + 2 * (r2[x] - r0[x]) + r2[xp] - r0[xp]) * 0.125f;
            size_t i = (size_t)y * w + x;
            xx[i] = gx * gx, xy[i] = gx * gy, yy[i] = gy * gy;
        }
    }
    binomial_blur(xx, tmp, w, h, block);
    binomial_blur(xy, tmp, w, h, block);
    binomial_blur(yy, tmp, w, h, block);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        float a = xx[i], b = xy[i], c = yy[i];
        resp[i] = 0.5f * (a + c - sqrtf((a - c) * (a - c) + 4 * b * b));
    }
}

/* 3x3 local maxima of resp inside the border and the mask, above the quality threshold. */
static int local_maxima(const float *resp, int w, int h, const VnImage *mask, const VniCornerParams *p, Cand *c)
{
    float vmax = 0.0f;
    int n = 0, b = VNI_MAX(p->border, 1);
    for (int y = b; y < h - b; y++)
        for (int x = b; x < w - b; x++) {
            const float *q = resp + (size_t)y * w + x;
            float v = *q;
            if (v <= 0.0f || (mask && !vn_image_row(mask, y)[x]))
                continue;
            if (v < q[-1] || v < q[1] || v < q[-w - 1] || v < q[-w] || v < q[-w + 1] || v < q[w - 1] ||
                v < q[w] || v < q[w + 1])
                continue;
            c[n].v = v;
            c[n++].i = y * w + x;
            vmax = VNI_MAX(vmax, v);
        }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (c[i].v >= p->quality * vmax)
            c[m++] = c[i];
    return m;
}

/* Greedy pick, strongest first, with a grid of cells of side min_distance to find neighbours. */
static int pick(const Cand *c, int n, int w, int h, float mind, VniPt *out, int max_out, int32_t *grid)
{
    const float cell = VNI_MAX(mind, 1.0f);
    const int gw = (int)(w / cell) + 1, gh = (int)(h / cell) + 1;
    int count = 0;
    for (int i = 0; i < gw * gh; i++)
        grid[i] = -1;
    for (int i = 0; i < n && count < max_out; i++) {
        float x = (float)(c[i].i % w), y = (float)(c[i].i / w);
        int cx = (int)(x / cell), cy = (int)(y / cell), ok = 1;
        for (int yy = VNI_MAX(cy - 1, 0); ok && yy <= VNI_MIN(cy + 1, gh - 1); yy++)
            for (int xx = VNI_MAX(cx - 1, 0); ok && xx <= VNI_MIN(cx + 1, gw - 1); xx++)
                for (int j = grid[yy * gw + xx]; j >= 0 && ok; j = grid[gw * gh + j]) {
                    float dx = out[j].x - x, dy = out[j].y - y;
                    ok = dx * dx + dy * dy >= mind * mind;
                }
        if (!ok)
            continue;
        out[count].x = x, out[count].y = y;
        grid[gw * gh + count] = grid[cy * gw + cx]; /* chain of points in the cell */
        grid[cy * gw + cx] = count++;
    }
    return count;
}

int vni_corners_find(const VnContext *ctx, const VnImage *grey, const VnImage *mask,
                     const VniCornerParams *params, VniPt *out, int max_out)
{
    VniCornerParams def;
    const VniCornerParams *p = params ? params : (vni_corner_default_params(&def), &def);
    float *buf = NULL;
    Cand *cand = NULL;
    int32_t *grid = NULL;
    int ret = -ENOMEM, n;
    (void)ctx;
    if (!grey || !out || max_out < 0 || grey->type != VN_F32 || grey->channels != 1 || p->max_corners < 0 ||
        p->block < 3 || p->block > 15 || !(p->block & 1) || !(p->quality >= 0) || !(p->min_distance >= 0) ||
        p->border < 0)
        return -EINVAL;
    if (mask && (mask->type != VN_U8 || mask->channels != 1 || mask->width != grey->width ||
                 mask->height != grey->height))
        return -EINVAL;
    const size_t np = (size_t)grey->width * grey->height;
    const float cell = VNI_MAX(p->min_distance, 1.0f);
    const size_t ncell = ((size_t)(grey->width / cell) + 1) * ((size_t)(grey->height / cell) + 1);
    max_out = VNI_MIN(max_out, p->max_corners);
    if (!(buf = vni_malloc_array(np, 5 * sizeof(float))) || !(cand = vni_malloc_array(np, sizeof(Cand))) ||
        !(grid = vni_malloc_array(ncell + (size_t)max_out + 1, sizeof(int32_t))))
        goto fail;
    min_eigen(grey, p->block, buf, buf + np, buf + 2 * np, buf + 3 * np, buf + 4 * np);
    n = local_maxima(buf + 4 * np, grey->width, grey->height, mask, p, cand);
    qsort(cand, (size_t)n, sizeof(*cand), cand_cmp);
    ret = pick(cand, n, grey->width, grey->height, p->min_distance, out, max_out, grid);
fail:
    vni_free(buf);
    vni_free(cand);
    vni_free(grid);
    return ret;
}
