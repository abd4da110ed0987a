#include "inpaint/compose.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/maskops.h"
#include "inpaint/multigrid.h"

/* Bilinear sample of an RGB U8 image at (x, y), clamped; out as floats. */
static inline void sample_rgb(const VnImage *img, float x, float y, float *out)
{
    int x0, y0, x1, y1;
    float ax, ay;
    x = VNI_CLAMP(x, 0.0f, (float)(img->width - 1));
    y = VNI_CLAMP(y, 0.0f, (float)(img->height - 1));
    x0 = (int)x;
    y0 = (int)y;
    ax = x - x0;
    ay = y - y0;
    x1 = VNI_MIN(x0 + 1, img->width - 1);
    y1 = VNI_MIN(y0 + 1, img->height - 1);
    const uint8_t *r0 = vn_image_row(img, y0), *r1 = vn_image_row(img, y1);
    for (int c = 0; c < 3; c++)
        out[c] = (1 - ay) * ((1 - ax) * r0[3 * x0 + c] + ax * r0[3 * x1 + c]) +
                 ay * ((1 - ax) * r1[3 * x0 + c] + ax * r1[3 * x1 + c]);
}

static inline uint8_t to_u8(float v)
{
    v += 0.5f;
    return (uint8_t)(v <= 0.0f ? 0 : v >= 255.0f ? 255 : (int)v);
}

/*
 * Fused colour at working-resolution pixel i of a frame, displaced by (ox, oy) working pixels,
 * with positions mapped to each sampled frame by its scale: its size / its working hole's size
 * (full-resolution frames of the window, working-resolution ones from the long-term memory).
 * Returns 0 if the pixel has no source.
 */
static int fuse(VnImage *const *frames, const VnImage *const *holes, int t, const VniSources *src,
                ptrdiff_t i, float ox, float oy, float *rgb)
{
    float acc[3] = {0, 0, 0}, wsum = 0.0f, c[3], sx, sy;
    for (int k = 0; k < 2; k++) {
        int s = src->frame[k][i];
        float w;
        if (s < 0 || !vni_visible(holes[s], src->x[k][i] + ox, src->y[k][i] + oy))
            continue;
        w = 1.0f / (float)VNI_MAX(1, abs(s - t));
        sx = (float)frames[s]->width / holes[s]->width;
        sy = (float)frames[s]->height / holes[s]->height;
        sample_rgb(frames[s], (src->x[k][i] + ox + 0.5f) * sx - 0.5f, (src->y[k][i] + oy + 0.5f) * sy - 0.5f, c);
        for (int ch = 0; ch < 3; ch++)
            acc[ch] += w * c[ch];
        wsum += w;
    }
    if (wsum <= 0.0f)
        return 0;
    for (int ch = 0; ch < 3; ch++)
        rgb[ch] = acc[ch] / wsum;
    return 1;
}

int64_t vni_compose_small(const VnContext *ctx, VnImage *const *frames, const VnImage *const *holes,
                          int t, const VniSources *src, VnImage *unfilled)
{
    const VnImage *hole = holes[t];
    int64_t n = 0;
    (void)ctx;
    for (int y = 0; y < hole->height; y++) {
        const uint8_t *m = vn_image_row(hole, y);
        uint8_t *u = vn_image_row(unfilled, y), *d = vn_image_row(frames[t], y);
        for (int x = 0; x < hole->width; x++) {
            float c[3];
            u[x] = 0;
            if (!m[x])
                continue;
            if (fuse(frames, holes, t, src, (ptrdiff_t)y * src->w + x, 0.0f, 0.0f, c)) {
                for (int ch = 0; ch < 3; ch++)
                    d[3 * x + ch] = to_u8(c[ch]);
            } else {
                u[x] = 1;
                n++;
            }
        }
    }
    return n;
}

typedef struct FullArg {
    VnImage *const *full;
    const VnImage *const *holes;
    int t;
    const VnImage *region;  /* where to evaluate: hole plus a ring */
    const VniSources *src;
    const VnImage *fallback;
    VnImage *cand;          /* F32 3ch: the fill, over region */
    VnImage *has;           /* U8: 1 where cand is from sources, 2 from the fallback */
    float sx, sy;           /* working / full */
    int x0, y0;             /* position of the region's crop in the full frame */
} FullArg;

/* The working-resolution pixel nearest to full-resolution (X, Y) that has a source, searching
 * a 3x3 neighbourhood (the working hole may be a pixel smaller after downsampling). */
static ptrdiff_t nearest_source(const VniSources *s, float px, float py, int *ix, int *iy)
{
    int cx = VNI_CLAMP((int)lrintf(px), 0, s->w - 1), cy = VNI_CLAMP((int)lrintf(py), 0, s->h - 1);
    float best = 1e30f;
    ptrdiff_t bi = -1;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            int x = cx + dx, y = cy + dy;
            ptrdiff_t i = (ptrdiff_t)y * s->w + x;
            float d;
            if (x < 0 || y < 0 || x >= s->w || y >= s->h)
                continue;
            if (s->frame[0][i] < 0 && s->frame[1][i] < 0)
                continue;
            d = (x - px) * (x - px) + (y - py) * (y - py);
            if (d < best) {
                best = d;
                bi = i;
                *ix = x;
                *iy = y;
            }
        }
    return bi;
}

static void full_rows(void *opaque, int job, int n_jobs)
{
    FullArg *a = opaque;
    const int h = a->region->height, w = a->region->width;
    int y0 = (int)((int64_t)h * job / n_jobs), y1 = (int)((int64_t)h * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        const uint8_t *m = vn_image_row(a->region, y);
        float *c = (float *)vn_image_row(a->cand, y);
        uint8_t *has = vn_image_row(a->has, y);
        for (int x = 0; x < w; x++) {
            float px = (x + a->x0 + 0.5f) * a->sx - 0.5f, py = (y + a->y0 + 0.5f) * a->sy - 0.5f;
            int ix = 0, iy = 0;
            ptrdiff_t i;
            has[x] = 0;
            if (!m[x])
                continue;
            i = nearest_source(a->src, px, py, &ix, &iy);
            if (i >= 0 && fuse(a->full, a->holes, a->t, a->src, i, px - ix, py - iy, c + 3 * x)) {
                has[x] = 1;
            } else if (a->fallback) {
                sample_rgb(a->fallback, px, py, c + 3 * x);
                has[x] = 2;
            }
        }
    }
}

/* Gradient-domain correction: D = image − fill on the ring, harmonic inside, fill += D. */
static int poisson_correct(const VnContext *ctx, const VnImage *img, const VnImage *hole,
                           const VnImage *region, VnImage *cand, const VnImage *has)
{
    VnImage *d = NULL, *m = NULL;
    VnMgParams p;
    int ret;
    if ((ret = vn_image_alloc(&d, img->width, img->height, 3, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&m, img->width, img->height, 1, VN_U8)) < 0)
        goto fail;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *hm = vn_image_row(hole, y), *rg = vn_image_row(region, y), *hs = vn_image_row(has, y);
        const uint8_t *px = vn_image_row(img, y);
        const float *c = (const float *)vn_image_row(cand, y);
        float *dd = (float *)vn_image_row(d, y);
        uint8_t *mm = vn_image_row(m, y);
        for (int x = 0; x < img->width; x++) {
            mm[x] = hm[x] != 0;
            if (!hm[x] && rg[x] && hs[x])
                for (int ch = 0; ch < 3; ch++)
                    dd[3 * x + ch] = px[3 * x + ch] - c[3 * x + ch];
        }
    }
    vni_mg_default_params(&p);
    p.tol = 0.05f;
    if ((ret = vni_mg_solve(ctx, d, m, NULL, NULL, NULL, &p)) < 0)
        goto fail;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *hm = vn_image_row(hole, y);
        const float *dd = (const float *)vn_image_row(d, y);
        float *c = (float *)vn_image_row(cand, y);
        for (int x = 0; x < img->width; x++)
            if (hm[x])
                for (int ch = 0; ch < 3; ch++)
                    c[3 * x + ch] += dd[3 * x + ch];
    }
fail:
    vn_image_free(&d);
    vn_image_free(&m);
    return ret;
}

int vni_compose_full(const VnContext *ctx, VnImage *const *full, const VnImage *const *holes, int t,
                     const VnImage *hole_full, const VniSources *src, const VnImage *fallback, int poisson)
{
    VnImage *region = NULL, *cand = NULL, *has = NULL, img, hole;
    FullArg a;
    int x0, y0, x1, y1, ret;
    if (hole_full->width != full[t]->width || hole_full->height != full[t]->height)
        return -EINVAL;
    if (!vni_mask_bbox(hole_full, &x0, &y0, &x1, &y1))
        return 0;
    /* work on the hole's box and a margin for the blending ring */
    x0 = VNI_MAX(0, x0 - 2);
    y0 = VNI_MAX(0, y0 - 2);
    x1 = VNI_MIN(hole_full->width - 1, x1 + 2);
    y1 = VNI_MIN(hole_full->height - 1, y1 + 2);
    img = vni_image_view(full[t], x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    hole = vni_image_view(hole_full, x0, y0, x1 - x0 + 1, y1 - y0 + 1);
    if ((ret = vn_image_alloc(&region, img.width, img.height, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&cand, img.width, img.height, 3, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&has, img.width, img.height, 1, VN_U8)) < 0)
        goto fail;
    if ((ret = vni_mask_dilate(ctx, region, &hole, poisson ? 1 : 0)) < 0)
        goto fail;
    a = (FullArg){full, holes, t, region, src, fallback, cand, has,
                  (float)src->w / full[t]->width, (float)src->h / full[t]->height, x0, y0};
    vni_parallel(ctx, full_rows, &a, vni_row_jobs(ctx, img.height));
    if (poisson && (ret = poisson_correct(ctx, &img, &hole, region, cand, has)) < 0)
        goto fail;
    for (int y = 0; y < img.height; y++) {
        const uint8_t *hm = vn_image_row(&hole, y), *hs = vn_image_row(has, y);
        const float *c = (const float *)vn_image_row(cand, y);
        uint8_t *px = vn_image_row(&img, y);
        for (int x = 0; x < img.width; x++)
            if (hm[x] && hs[x])
                for (int ch = 0; ch < 3; ch++)
                    px[3 * x + ch] = to_u8(c[3 * x + ch]);
    }
fail:
    vn_image_free(&region);
    vn_image_free(&cand);
    vn_image_free(&has);
    return ret;
}
