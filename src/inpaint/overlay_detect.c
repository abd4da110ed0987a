/*
 * Finding a static overlay without a click: its edges stay put while the picture under them
 * changes. Frames are reduced to a working resolution (at most 480 pixels a side) in grey. At
 * each pixel, over the frames where the pixel changed since the previous frame offered, the
 * gradient's orientation (doubled angle, so that an edge whose contrast flips with the picture
 * still counts) is accumulated: a static overlay's edge keeps one orientation in every such
 * frame, the moving picture's do not, and a static background never changes, so it gives no
 * evidence either way. Consistent pixels are closed, their holes filled, and components kept
 * that are small relative to the frame.
 */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define WORK_SIDE 480
#define CHANGE 4.0f        /* grey levels: the pixel changed since the previous frame */
#define CONSISTENT 0.7f    /* orientation coherence of an overlay edge */
#define STRENGTH 40.0f     /* Sobel response of a persistent edge (a step of about 10 levels) */

struct VniOverlayDetect {
    const VnContext *ctx;
    int fw, fh, scale, w, h;
    float *prev, *cur, *n, *mag, *sx, *sy;
    int n_frames;
};

int vni_overlay_detect_open(const VnContext *ctx, VniOverlayDetect **pd, int width, int height)
{
    VniOverlayDetect *d;
    size_t n;
    *pd = NULL;
    if (width < 8 || height < 8)
        return -EINVAL;
    if (!(d = vni_calloc_array(1, sizeof(*d))))
        return -ENOMEM;
    d->ctx = ctx;
    d->fw = width;
    d->fh = height;
    d->scale = (VNI_MAX(width, height) + WORK_SIDE - 1) / WORK_SIDE;
    d->w = width / d->scale;
    d->h = height / d->scale;
    n = (size_t)d->w * d->h;
    d->prev = vni_calloc_array(n, 6 * sizeof(float));
    if (!d->prev) {
        vni_freep(&d);
        return -ENOMEM;
    }
    d->cur = d->prev + n, d->n = d->cur + n, d->mag = d->n + n, d->sx = d->mag + n;
    d->sy = d->sx + n;
    *pd = d;
    return 0;
}

void vni_overlay_detect_free(VniOverlayDetect **pd)
{
    if (!pd || !*pd)
        return;
    vni_free((*pd)->prev);
    vni_freep(pd);
}

/* Box-average the frame to the working resolution, in grey. */
static void reduce(const VniOverlayDetect *d, const VnImage *rgb, float *g)
{
    const int s = d->scale;
    for (int y = 0; y < d->h; y++)
        for (int x = 0; x < d->w; x++) {
            float acc = 0.0f;
            for (int yy = 0; yy < s; yy++) {
                const uint8_t *p = vn_image_row(rgb, y * s + yy) + (size_t)x * s * 3;
                for (int xx = 0; xx < s * 3; xx += 3)
                    acc += 0.299f * p[xx] + 0.587f * p[xx + 1] + 0.114f * p[xx + 2];
            }
            g[(size_t)y * d->w + x] = acc / (float)(s * s);
        }
}

/* Accumulate the orientation of the gradients of the pixels that changed. */
static void accumulate(VniOverlayDetect *d)
{
    const int w = d->w;
    for (int y = 1; y + 1 < d->h; y++)
        for (int x = 1; x + 1 < w; x++) {
            size_t p = (size_t)y * w + x;
            const float *g = d->cur;
            float gx, gy, m;
            if (fabsf(g[p] - d->prev[p]) < CHANGE)
                continue;
            gx = (g[p - w + 1] + 2 * g[p + 1] + g[p + w + 1]) - (g[p - w - 1] + 2 * g[p - 1] + g[p + w - 1]);
            gy = (g[p + w - 1] + 2 * g[p + w] + g[p + w + 1]) - (g[p - w - 1] + 2 * g[p - w] + g[p - w + 1]);
            m = sqrtf(gx * gx + gy * gy);
            d->n[p] += 1.0f;
            d->mag[p] += m;
            if (m > 1e-3f) {
                d->sx[p] += (gx * gx - gy * gy) / m;
                d->sy[p] += 2.0f * gx * gy / m;
            }
        }
}

int vni_overlay_detect_add(VniOverlayDetect *d, const VnImage *rgb)
{
    float *t;
    if (!rgb || rgb->type != VN_U8 || rgb->channels != 3 || rgb->width != d->fw ||
        rgb->height != d->fh)
        return -EINVAL;
    reduce(d, rgb, d->cur);
    if (d->n_frames++ > 0)
        accumulate(d);
    t = d->prev, d->prev = d->cur, d->cur = t;
    return 0;
}

/* Pixels whose edge kept its orientation over enough changes. */
static int64_t persistent_edges(const VniOverlayDetect *d, uint8_t *e)
{
    const size_t n = (size_t)d->w * d->h;
    const float n_min = VNI_MAX(8.0f, 0.05f * (float)(d->n_frames - 1));
    int64_t count = 0;
    for (size_t p = 0; p < n; p++) {
        float coh = d->mag[p] > 0.0f ? sqrtf(d->sx[p] * d->sx[p] + d->sy[p] * d->sy[p]) / d->mag[p] : 0.0f;
        /* n random orientations have a coherence of about 1/sqrt(n): ask for far more */
        e[p] = d->n[p] >= n_min && coh >= CONSISTENT + 1.5f / sqrtf(d->n[p]) - 0.2f &&
               coh * d->mag[p] / d->n[p] >= STRENGTH;
        count += e[p];
    }
    return count;
}

/* Grow set pixels by one (3x3) into dst. */
static void grow(const uint8_t *src, uint8_t *dst, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = 0;
            for (int dy = -1; dy <= 1 && !v; dy++)
                for (int dx = -1; dx <= 1 && !v; dx++) {
                    int xx = x + dx, yy = y + dy;
                    v = xx >= 0 && yy >= 0 && xx < w && yy < h && src[(size_t)yy * w + xx];
                }
            dst[(size_t)y * w + x] = v;
        }
}

/* Flood-fill label `lab` from seed over pixels equal to `val` in m (4-connected), using stack;
 * returns the area and the bounding box. */
static int64_t flood(uint8_t *m, int w, int h, size_t seed, uint8_t val, uint8_t lab, int32_t *stack,
                     int box[4])
{
    int64_t area = 0, top = 0;
    stack[top++] = (int32_t)seed;
    m[seed] = lab;
    box[0] = box[2] = (int)(seed % w), box[1] = box[3] = (int)(seed / w);
    while (top > 0) {
        int32_t p = stack[--top];
        int x = p % w, y = p / w;
        int32_t q[4] = {p - 1, p + 1, p - w, p + w};
        int ok[4] = {x > 0, x + 1 < w, y > 0, y + 1 < h};
        area++;
        box[0] = VNI_MIN(box[0], x), box[2] = VNI_MAX(box[2], x);
        box[1] = VNI_MIN(box[1], y), box[3] = VNI_MAX(box[3], y);
        for (int k = 0; k < 4; k++)
            if (ok[k] && m[q[k]] == val) {
                m[q[k]] = lab;
                stack[top++] = q[k];
            }
    }
    return area;
}

/* Fill the holes of m (0/1): background reached from the frame border becomes 2, the rest 1. */
static void fill_holes(uint8_t *m, int w, int h, int32_t *stack)
{
    int box[4];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if ((x == 0 || y == 0 || x == w - 1 || y == h - 1) && m[(size_t)y * w + x] == 0)
                flood(m, w, h, (size_t)y * w + x, 0, 2, stack, box);
    for (size_t p = 0; p < (size_t)w * h; p++)
        m[p] = m[p] != 2;
}

/* Keep components of plausible overlay size (label 3), drop the rest (label 4). */
static int64_t keep_components(uint8_t *m, int w, int h, int32_t *stack)
{
    const int64_t frame = (int64_t)w * h;
    int64_t kept = 0;
    int box[4];
    for (size_t p = 0; p < (size_t)frame; p++) {
        int64_t area;
        int bw, bh;
        if (m[p] != 1)
            continue;
        area = flood(m, w, h, p, 1, 4, stack, box);
        bw = box[2] - box[0] + 1, bh = box[3] - box[1] + 1;
        /* an overlay is neither a speck nor a large part of the frame, nor a thin line */
        if (area < frame / 800 + 24 || area > frame / 6 || VNI_MIN(bw, bh) < 3)
            continue;
        kept += area;
        flood(m, w, h, p, 4, 3, stack, box);
    }
    return kept;
}

int64_t vni_overlay_detect_propose(VniOverlayDetect *d, VnImage *mask)
{
    const size_t n = (size_t)d->w * d->h;
    uint8_t *e = NULL;
    int32_t *stack = NULL;
    int64_t kept = 0;
    if (!mask || mask->type != VN_U8 || mask->channels != 1 || mask->width != d->fw ||
        mask->height != d->fh)
        return -EINVAL;
    for (int y = 0; y < d->fh; y++)
        memset(vn_image_row(mask, y), 0, (size_t)d->fw);
    if (d->n_frames < 3)
        return 0;
    e = vni_malloc_array(n, 2);
    stack = vni_malloc_array(n, sizeof(int32_t));
    if (!e || !stack) {
        kept = -ENOMEM;
        goto fail;
    }
    if (persistent_edges(d, e) == 0)
        goto fail;
    /* close gaps in the outline (grow by 2), fill it, and take back one of the two pixels (the
     * estimate of α tightens the footprint afterwards) */
    grow(e, e + n, d->w, d->h);
    grow(e + n, e, d->w, d->h);
    fill_holes(e, d->w, d->h, stack);
    for (size_t p = 0; p < n; p++)
        e[p] = !e[p];
    grow(e, e + n, d->w, d->h);
    for (size_t p = 0; p < n; p++)
        e[n + p] = !e[n + p];
    if (!(kept = keep_components(e + n, d->w, d->h, stack)))
        goto fail;
    kept = 0;
    for (int y = 0; y < d->fh; y++)
        for (int x = 0; x < d->fw; x++) {
            int xs = VNI_MIN(x / d->scale, d->w - 1), ys = VNI_MIN(y / d->scale, d->h - 1);
            int on = e[n + (size_t)ys * d->w + xs] == 3;
            vn_image_row(mask, y)[x] = on ? 255 : 0;
            kept += on;
        }
fail:
    vni_free(e);
    vni_free(stack);
    return kept;
}
