#include "core/maskops.h"

#include <errno.h>
#include <math.h>
#include <string.h>

int64_t vni_mask_bbox(const VnImage *m, int *x0, int *y0, int *x1, int *y1)
{
    int bx0 = m->width, by0 = m->height, bx1 = -1, by1 = -1;
    int64_t n = 0;
    for (int y = 0; y < m->height; y++) {
        const uint8_t *row = vn_image_row(m, y);
        int first = -1, last = -1;
        for (int x = 0; x < m->width; x++)
            if (row[x]) {
                if (first < 0)
                    first = x;
                last = x;
                n++;
            }
        if (first < 0)
            continue;
        bx0 = VNI_MIN(bx0, first);
        bx1 = VNI_MAX(bx1, last);
        if (by1 < 0)
            by0 = y;
        by1 = y;
    }
    if (n) {
        *x0 = bx0;
        *y0 = by0;
        *x1 = bx1;
        *y1 = by1;
    }
    return n;
}

typedef struct DilateArg {
    VnImage *dst;
    const VnImage *src;
    int r;
    int *dist;       /* per pixel: horizontal distance to the nearest set pixel in its row */
    const int *half; /* half[dy + r]: half-width of the disc at vertical offset dy */
} DilateArg;

/* Horizontal pass: distance along the row to the nearest set pixel, capped at r + 1. */
static void row_distance(void *opaque, int job, int n_jobs)
{
    DilateArg *a = opaque;
    const int w = a->src->width, cap = a->r + 1;
    int y0 = (int)((int64_t)a->src->height * job / n_jobs);
    int y1 = (int)((int64_t)a->src->height * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        const uint8_t *s = vn_image_row(a->src, y);
        int *d = a->dist + (ptrdiff_t)y * w, run = cap;
        for (int x = 0; x < w; x++) {
            run = s[x] ? 0 : VNI_MIN(run + 1, cap);
            d[x] = run;
        }
        run = cap;
        for (int x = w - 1; x >= 0; x--) {
            run = s[x] ? 0 : VNI_MIN(run + 1, cap);
            d[x] = VNI_MIN(d[x], run);
        }
    }
}

/* Vertical pass: set if some row within the disc has a set pixel close enough. */
static void disc_rows(void *opaque, int job, int n_jobs)
{
    DilateArg *a = opaque;
    const int w = a->src->width, h = a->src->height, r = a->r;
    int y0 = (int)((int64_t)h * job / n_jobs), y1 = (int)((int64_t)h * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        uint8_t *o = vn_image_row(a->dst, y);
        memset(o, 0, (size_t)w);
        for (int dy = -r; dy <= r; dy++) {
            int yy = y + dy, hw = a->half[dy + r];
            const int *d;
            if (yy < 0 || yy >= h)
                continue;
            d = a->dist + (ptrdiff_t)yy * w;
            for (int x = 0; x < w; x++)
                o[x] |= (uint8_t)(d[x] <= hw ? 255 : 0);
        }
    }
}

int vni_mask_dilate(const VnContext *ctx, VnImage *dst, const VnImage *src, int r)
{
    DilateArg a;
    int half[2 * 64 + 1];
    if (!dst || !src || dst == src || src->channels != 1 || src->type != VN_U8 ||
        !vni_image_same(dst, src) || r < 0 || r > 64)
        return -EINVAL;
    for (int dy = -r; dy <= r; dy++)
        half[dy + r] = (int)floor(sqrt((double)r * r - (double)dy * dy) + 1e-9);
    a.dst = dst;
    a.src = src;
    a.r = r;
    a.half = half;
    a.dist = vni_malloc_array((size_t)src->width * (size_t)src->height, sizeof(int));
    if (!a.dist)
        return -ENOMEM;
    vni_parallel(ctx, row_distance, &a, vni_row_jobs(ctx, src->height));
    vni_parallel(ctx, disc_rows, &a, vni_row_jobs(ctx, src->height));
    vni_free(a.dist);
    return 0;
}
