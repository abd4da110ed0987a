/* Textured pieces apart from the clicked part. The grouping takes a logo whole from a click on
 * one part by adding what its surroundings do not explain; now and then that is something of
 * the scene that stands out as well (the white top of a capacitor beside the Linux "X", a ball
 * beside a plate). An opaque logo's parts are flat, as flat as the part that was clicked: at
 * full resolution, a separate piece of the mask that does not hold the clicked object and is
 * clearly more textured inside than that object is scene, and leaves the mask. Texture is the
 * median of the largest colour step from each inner pixel to its 4-neighbours. */
#include "segment/session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Pixels of a piece within this distance of its edge do not count (its blends). */
#define PC_INNER 2
/* Fewest inner pixels of a piece for its texture to be judged. */
#define PC_MIN_INNER 16
/* A piece is clearly more textured when its median step exceeds the object's by this factor
 * plus this many levels. */
#define PC_FACTOR 2
#define PC_LEVELS 2

typedef struct Pieces {
    const VnSegmenter *s;
    const VnImage *mask;
    int x0, y0, w, h;  /* the mask's box */
    int *lab;          /* w*h: piece of each mask pixel (from 1), 0 outside */
    int *queue;
    uint8_t *set;      /* w*h: the mask over its box */
    int n;             /* pieces */
} Pieces;

static int in_mask(const Pieces *p, int x, int y)
{
    return x >= 0 && y >= 0 && x < p->w && y < p->h && vn_image_row(p->mask, p->y0 + y)[p->x0 + x];
}

/* Number the 8-connected pieces of the mask. */
static void label(Pieces *p)
{
    for (int i = 0; i < p->w * p->h; i++)
        p->set[i] = (uint8_t)in_mask(p, i % p->w, i / p->w);
    p->n = vni_seg_label_pieces(p->set, p->w, p->h, p->lab, p->queue);
}

/* Largest colour step from box pixel (x, y) to its 4-neighbours in the frame. */
static int step(const Pieces *p, int x, int y)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    const VnImage *im = p->s->frame;
    const int fx = p->x0 + x, fy = p->y0 + y;
    const uint8_t *c = vn_image_row(im, fy) + 3 * fx;
    int best = 0;
    for (int d = 0; d < 4; d++) {
        const int qx = fx + dx[d], qy = fy + dy[d];
        if (qx < 0 || qy < 0 || qx >= im->width || qy >= im->height)
            continue;
        const uint8_t *q = vn_image_row(im, qy) + 3 * qx;
        for (int k = 0; k < 3; k++)
            best = VNI_MAX(best, abs((int)c[k] - q[k]));
    }
    return best;
}

/* Whether box pixel (x, y) lies PC_INNER pixels or more inside its piece (along the axes). */
static int inner(const Pieces *p, int x, int y)
{
    const int e = PC_INNER, a = p->lab[y * p->w + x];
    return a && x >= e && y >= e && x + e < p->w && y + e < p->h && p->lab[y * p->w + x - e] == a &&
           p->lab[y * p->w + x + e] == a && p->lab[(y - e) * p->w + x] == a && p->lab[(y + e) * p->w + x] == a;
}

/* Whether box pixel (x, y) lies on the object candidate's working labels. */
static int on_object(const Pieces *p, int x, int y)
{
    const VnSegmenter *s = p->s;
    const int wx = VNI_MIN((int)((p->x0 + x + 0.5) / s->sx), s->f.w - 1);
    const int wy = VNI_MIN((int)((p->y0 + y + 0.5) / s->sy), s->f.h - 1);
    return s->lab[VN_SEGMENT_OBJECT][wy * s->f.w + wx] != 0;
}

/* Texture of every piece (hist: n+1 histograms of 256), which pieces hold the object (obj), and
 * the texture of those together; returns that texture, or -1 when no piece holds it. */
static int measure(Pieces *p, int *hist, uint8_t *obj)
{
    int ref[256] = {0};
    int64_t n_ref = 0;
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            const int a = p->lab[y * p->w + x];
            if (!a)
                continue;
            obj[a] |= (uint8_t)on_object(p, x, y);
            if (inner(p, x, y))
                hist[a * 256 + step(p, x, y)]++;
        }
    for (int a = 1; a <= p->n; a++)
        for (int v = 0; obj[a] && v < 256; v++) {
            ref[v] += hist[a * 256 + v];
            n_ref += hist[a * 256 + v];
        }
    return n_ref ? vni_seg_hist_median(ref, 256, n_ref) : -1;
}

/* Clear the pieces marked in `drop` from the mask. */
static void clear(Pieces *p, const uint8_t *drop, VnImage *mask)
{
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++)
            if (drop[p->lab[y * p->w + x]])
                vn_image_row(mask, p->y0 + y)[p->x0 + x] = 0;
}

int vni_seg_drop_textured(VnSegmenter *s, VnImage *mask)
{
    Pieces p = {s, mask, 0, 0, 0, 0, NULL, NULL, NULL, 0};
    VniSegBox b;
    int *hist = NULL, ret = 0;
    uint8_t *obj = NULL, *drop = NULL;
    if (vni_seg_mask_box(mask, &b) == 0)
        return 0;
    p.x0 = b.x0;
    p.y0 = b.y0;
    p.w = b.x1 - b.x0 + 1;
    p.h = b.y1 - b.y0 + 1;
    p.lab = vni_malloc_array((size_t)p.w * p.h, sizeof(int));
    p.queue = vni_malloc_array((size_t)p.w * p.h, sizeof(int));
    p.set = vni_malloc_array((size_t)p.w * p.h, 1);
    if (!p.lab || !p.queue || !p.set) {
        ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
        goto fail;
    }
    label(&p);
    hist = vni_calloc_array((size_t)(p.n + 1) * 256, sizeof(int));
    obj = vni_calloc_array((size_t)p.n + 1, 1);
    drop = vni_calloc_array((size_t)p.n + 1, 1);
    if (!hist || !obj || !drop) {
        ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
        goto fail;
    }
    const int t = measure(&p, hist, obj);
    if (t < 0)
        goto fail;
    for (int a = 1; a <= p.n; a++) {
        int64_t n_in = 0;
        for (int v = 0; v < 256; v++)
            n_in += hist[a * 256 + v];
        drop[a] = !obj[a] && n_in >= PC_MIN_INNER &&
                  vni_seg_hist_median(hist + a * 256, 256, n_in) > PC_FACTOR * t + PC_LEVELS;
    }
    clear(&p, drop, mask);
fail:
    vni_free(p.lab);
    vni_free(p.queue);
    vni_free(p.set);
    vni_free(hist);
    vni_free(obj);
    vni_free(drop);
    return ret;
}
