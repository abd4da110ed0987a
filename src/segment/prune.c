/* Pruning a logo's mask of what its parts' colours do not explain. The grouping at the working
 * scale may fill the gap between two parts, or the inside of a ring, with the background seen
 * there (the wood and gilt between the OpenCV logo's rings on the demo). An opaque logo is made
 * of a few flat colours: at full resolution, the colours that hold a share of the mask are its
 * parts' colours; a solid piece of the mask (not the thin blends along its edges) whose colours
 * are none of them is background and leaves the mask. Masks that are not mostly flat colours
 * (natural objects) are left alone. The background seen between the parts may itself be flat
 * and hold a share of the mask (a pale wall between the rings): for the answer to one click, a
 * colour that the band round the mask holds a larger share of than the mask is the
 * surroundings', not a part's. */
#include "segment/session.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Colour cells: 16 levels per channel. */
#define PR_LEVELS 16
#define PR_CELLS (PR_LEVELS * PR_LEVELS * PR_LEVELS)
/* A cell is a part's colour when it holds this share of the mask. */
#define PR_PART_SHARE 0.02
/* Only masks whose inner pixels are this much explained by their parts' colours are pruned (the
 * blends along the edges, wider in an upscaled frame, are left out of the count). */
#define PR_FLAT_SHARE 0.8
/* Long side of a standard-definition frame: a larger one may be upscaled, its edges blurred over
 * about (long side / this) pixels. */
#define PR_SD_SIDE 640.0
/* Width, in pixels, of the band round the mask's box whose colours are the surroundings'. */
#define PR_BAND 8
/* Smallest piece removed, as a share of the mask. */
#define PR_PIECE_SHARE 0.005

typedef struct Prune {
    const VnImage *im;
    VnImage *mask;
    int x0, y0, w, h; /* the mask's box */
    uint8_t *near;    /* PR_CELLS: 1 where a part's colour is within one cell */
    uint8_t *f, *o;   /* w*h: foreign pixels, and their opening */
    int *lab, *queue; /* w*h: the pieces of o */
    int edge;         /* pixels from the mask's edge at which its colours are judged */
} Prune;

static int cell(const uint8_t *c)
{
    return (c[0] >> 4) * PR_LEVELS * PR_LEVELS + (c[1] >> 4) * PR_LEVELS + (c[2] >> 4);
}

static uint8_t in_mask(const Prune *p, int x, int y)
{
    return vn_image_row(p->mask, p->y0 + y)[p->x0 + x] != 0;
}

static const uint8_t *colour(const Prune *p, int x, int y)
{
    return vn_image_row(p->im, p->y0 + y) + 3 * (p->x0 + x);
}

/* The mask's box and area. */
static int64_t box_of(Prune *p)
{
    VniSegBox b;
    int64_t area = vni_seg_mask_box(p->mask, &b);
    p->x0 = b.x0;
    p->y0 = b.y0;
    p->w = b.x1 - b.x0 + 1;
    p->h = b.y1 - b.y0 + 1;
    return area;
}

/* Whether box pixel (x, y) lies p->edge pixels or more inside the mask (along the axes). */
static int inner(const Prune *p, int x, int y)
{
    const int e = p->edge;
    return x >= e && y >= e && x + e < p->w && y + e < p->h && in_mask(p, x, y) && in_mask(p, x - e, y) &&
           in_mask(p, x + e, y) && in_mask(p, x, y - e) && in_mask(p, x, y + e);
}

/* Mark in p->near the cells within one of a part's colour: a cell holding PR_PART_SHARE of the
 * mask (hist), unless `around` (the histogram of the band round the mask, of `band` pixels)
 * holds a larger share of it: the surroundings' colour seen between the parts. */
static void mark_parts(Prune *p, int64_t area, const int *hist, const int *around, int64_t band)
{
    memset(p->near, 0, PR_CELLS);
    for (int c = 0; c < PR_CELLS; c++) {
        const int r = c / (PR_LEVELS * PR_LEVELS), g = c / PR_LEVELS % PR_LEVELS, b = c % PR_LEVELS;
        if (hist[c] < PR_PART_SHARE * (double)area ||
            (around && band > 0 && (double)around[c] / (double)band >= (double)hist[c] / (double)area))
            continue;
        for (int i = VNI_MAX(r - 1, 0); i <= VNI_MIN(r + 1, PR_LEVELS - 1); i++)
            for (int j = VNI_MAX(g - 1, 0); j <= VNI_MIN(g + 1, PR_LEVELS - 1); j++)
                for (int k = VNI_MAX(b - 1, 0); k <= VNI_MIN(b + 1, PR_LEVELS - 1); k++)
                    p->near[(i * PR_LEVELS + j) * PR_LEVELS + k] = 1;
    }
}

/* Histogram of the colour cells of the pixels outside the mask within PR_BAND pixels of its box;
 * returns their count. */
static int64_t band_colours(const Prune *p, int *around)
{
    const int x0 = VNI_MAX(p->x0 - PR_BAND, 0), x1 = VNI_MIN(p->x0 + p->w - 1 + PR_BAND, p->mask->width - 1);
    const int y0 = VNI_MAX(p->y0 - PR_BAND, 0), y1 = VNI_MIN(p->y0 + p->h - 1 + PR_BAND, p->mask->height - 1);
    int64_t band = 0;
    memset(around, 0, sizeof(int) * PR_CELLS);
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            if (!vn_image_row(p->mask, y)[x]) {
                around[cell(vn_image_row(p->im, y) + 3 * x)]++;
                band++;
            }
    return band;
}

/* Mark the cells within one of a part's colour; returns the share of the mask's inner pixels
 * (the blends along its edges left out) they explain, or of all its pixels if it has none. */
static double part_colours(Prune *p, int64_t area, int *hist)
{
    int64_t explained = 0, explained_in = 0, n_in = 0;
    memset(hist, 0, sizeof(int) * PR_CELLS);
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++)
            if (in_mask(p, x, y))
                hist[cell(colour(p, x, y))]++;
    mark_parts(p, area, hist, NULL, 0);
    for (int c = 0; c < PR_CELLS; c++)
        explained += p->near[c] ? hist[c] : 0;
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++)
            if (inner(p, x, y)) {
                n_in++;
                explained_in += p->near[cell(colour(p, x, y))];
            }
    return n_in ? (double)explained_in / (double)n_in : (double)explained / (double)area;
}

/* 3x3 erosion (op 0) or dilation (op 1) of src into dst, over the box. */
static void morph(const Prune *p, const uint8_t *src, uint8_t *dst, int op)
{
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            int v = !op;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int qx = x + dx, qy = y + dy;
                    int s = qx >= 0 && qy >= 0 && qx < p->w && qy < p->h && src[qy * p->w + qx];
                    v = op ? v | s : v & s;
                }
            dst[y * p->w + x] = (uint8_t)v;
        }
}

/* Whether a pixel outside the mask lies within two pixels of box pixel (x, y). */
static int near_outside(const Prune *p, int x, int y)
{
    const int fx = p->x0 + x, fy = p->y0 + y;
    for (int qy = VNI_MAX(fy - 2, 0); qy <= VNI_MIN(fy + 2, p->mask->height - 1); qy++)
        for (int qx = VNI_MAX(fx - 2, 0); qx <= VNI_MIN(fx + 2, p->mask->width - 1); qx++)
            if (!vn_image_row(p->mask, qy)[qx])
                return 1;
    return 0;
}

/* Clear from the mask the piece of opened foreign pixels whose `len` pixels are queue[k..] if
 * it holds at least `least` pixels and borders the outside of the mask: a piece that the mask
 * encloses is a part of the logo in colours of its own (a shaded emblem in a plate), one that
 * opens to the outside is the background seen between or inside the parts. */
static void drop_piece(Prune *p, int64_t k, int64_t len, int64_t least)
{
    int open = 0;
    for (int64_t j = k; j < k + len; j++)
        open += open < 3 && near_outside(p, p->queue[j] % p->w, p->queue[j] / p->w);
    if (len < least || open < 3)
        return;
    for (int64_t j = k; j < k + len; j++)
        vn_image_row(p->mask, p->y0 + p->queue[j] / p->w)[p->x0 + p->queue[j] % p->w] = 0;
}

/* Drop the pieces of opened foreign pixels (p->o) that open to the outside, one after the
 * other in raster order of their first pixels (a dropped piece opens the mask to the next). */
static void drop_pieces(Prune *p, int64_t least)
{
    const int n = p->w * p->h;
    int64_t total = 0;
    vni_seg_label_pieces(p->o, p->w, p->h, p->lab, p->queue);
    for (int i = 0; i < n; i++)
        total += p->o[i] != 0;
    for (int64_t k = 0, len; k < total; k += len) {
        const int a = p->lab[p->queue[k]];
        for (len = 1; k + len < total && p->lab[p->queue[k + len]] == a; len++)
            ;
        drop_piece(p, k, len, least);
    }
}

int vni_seg_prune(VnSegmenter *s, VnImage *mask, int cut)
{
    Prune p = {s->frame, mask, 0, 0, 0, 0, NULL, NULL, NULL, NULL, NULL, 0};
    int *hist = NULL, ret = 0;
    const int64_t area = box_of(&p);
    if (area == 0)
        return 0;
    const size_t n = (size_t)p.w * p.h;
    /* a pixel or two of blends along the edges, more where an upscaled frame blurs them */
    p.edge = 1 + (int)ceil(VNI_MAX(mask->width, mask->height) / PR_SD_SIDE);
    hist = vni_malloc_array(PR_CELLS, sizeof(int));
    p.near = vni_malloc_array(PR_CELLS, 1);
    p.f = vni_malloc_array(n, 1);
    p.o = vni_malloc_array(n, 1);
    p.queue = vni_malloc_array(n, sizeof(int));
    p.lab = vni_malloc_array(n, sizeof(int));
    if (!hist || !p.near || !p.f || !p.o || !p.queue || !p.lab) {
        ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
        goto fail;
    }
    if (part_colours(&p, area, hist) < PR_FLAT_SHARE)
        goto fail; /* not a logo of flat colours */
    ret = 1;
    if (!cut)
        goto fail;
    if (cut == VNI_PRUNE_SURROUND) {
        int *around = vni_malloc_array(PR_CELLS, sizeof(int));
        if (!around) {
            ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
            goto fail;
        }
        mark_parts(&p, area, hist, around, band_colours(&p, around));
        vni_free(around);
    }
    for (int y = 0; y < p.h; y++)
        for (int x = 0; x < p.w; x++)
            p.f[y * p.w + x] = in_mask(&p, x, y) && !p.near[cell(colour(&p, x, y))];
    /* the opening keeps solid pieces, not the blends along the parts' edges */
    morph(&p, p.f, p.o, 0);
    memcpy(p.f, p.o, n);
    morph(&p, p.f, p.o, 1);
    drop_pieces(&p, VNI_MAX((int64_t)(PR_PIECE_SHARE * (double)area), 9));
fail:
    vni_free(hist);
    vni_free(p.near);
    vni_free(p.f);
    vni_free(p.o);
    vni_free(p.queue);
    vni_free(p.lab);
    return ret;
}
