/* Cutting a plate's mask at its straight edges. A logo on a plate (the Windows flag on its
 * blue panel) is pasted over the scene: its sides are straight, axis-aligned and sharp (a step
 * of one pixel, the plate smooth right inside it). The grouping at the working scale may run
 * across such a side into a part of the scene of the plate's colours (a blue shirt or sock
 * touching a blue panel). At full resolution, a straight sharp edge that is mostly the mask's
 * own outline, and that the mask crosses elsewhere along it, is the plate's side: the mask is
 * cut along it, and what the cut severs beyond it, apart from the clicked object, leaves the
 * mask. An edge that the mask crosses along most of its length (two plates stacked, a band on
 * a plate) is a boundary inside the object and is left alone. The sides must be sharp at full
 * resolution: the blurred sides of an upscaled frame are not found, and its mask stays as it is. */
#include "segment/session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Longest gap in an edge's run, in pixels. */
#define ST_GAP 2
/* A side is at least this long, in pixels, and this share of the mask's extent along it. */
#define ST_MIN_LEN 24
#define ST_MIN_SHARE 0.3
/* ... and the mask's outline along at least this share of it. */
#define ST_OUTLINE 0.5
/* No cut is made if it would remove more than this share of the mask. */
#define ST_MAX_DROP 0.4

/* Outward directions: up, down, left, right. */
static const int DX[4] = {0, 0, -1, 1}, DY[4] = {-1, 1, 0, 0};

typedef struct Straight {
    const VnSegmenter *s;
    VnImage *mask;
    int x0, y0, w, h; /* the mask's box */
    int ox0, oy0, ox1, oy1; /* the object candidate's box, frame pixels */
    uint8_t *cut;     /* w*h: 1 + outward direction of the pixels cut, 0 elsewhere */
    int *lab, *queue; /* w*h: pieces of the cut mask (from 1) */
    uint8_t *set;     /* w*h: the cut mask over its box */
    int n;
} Straight;

static int in_mask(const Straight *p, int x, int y)
{
    return x >= 0 && y >= 0 && x < p->w && y < p->h && vn_image_row(p->mask, p->y0 + y)[p->x0 + x];
}

/* Whether mask pixel (x, y) lies on a sharp edge facing direction d (vni_seg_on_side): a strong
 * step to the next pixel outwards, a small one to the next inwards. */
static int on_edge(const Straight *p, int x, int y, int d)
{
    return in_mask(p, x, y) && vni_seg_on_side(p->s->frame, p->x0 + x, p->y0 + y, DX[d], DY[d], 1);
}

/* Whether the object candidate lies on the inner side of the side facing d through box pixel
 * (x, y). */
static int object_inside(const Straight *p, int x, int y, int d)
{
    const int fx = p->x0 + x, fy = p->y0 + y;
    const int cx = (p->ox0 + p->ox1) / 2, cy = (p->oy0 + p->oy1) / 2;
    return d == 0 ? cy >= fy : d == 1 ? cy <= fy : d == 2 ? cx >= fx : cx <= fx;
}

/* Mark the crossings of a side facing d along line `line` (a row for d < 2, else a column) from
 * t0 to t1 inclusive, if it qualifies: the mask's outline along enough of it, the object inside. */
static void mark_side(Straight *p, int d, int line, int t0, int t1)
{
    const int horiz = d < 2, extent = horiz ? p->w : p->h, len = t1 - t0 + 1;
    int outline = 0, cross = 0;
    if (len < ST_MIN_LEN || len < ST_MIN_SHARE * extent)
        return;
    for (int t = t0; t <= t1; t++) {
        const int x = horiz ? t : line, y = horiz ? line : t;
        if (!in_mask(p, x, y))
            continue;
        if (in_mask(p, x + DX[d], y + DY[d]))
            cross++;
        else
            outline++;
    }
    if (!cross || outline < ST_OUTLINE * len ||
        !object_inside(p, horiz ? t0 : line, horiz ? line : t0, d))
        return;
    /* the crossings, and the mask's run beyond the side's ends along the outer line (a
     * spill wider than the side would join round its corner) */
    while (t0 > 0 && in_mask(p, horiz ? t0 - 1 + DX[d] : line + DX[d], horiz ? line + DY[d] : t0 - 1 + DY[d]))
        t0--;
    while (t1 + 1 < extent && in_mask(p, horiz ? t1 + 1 + DX[d] : line + DX[d], horiz ? line + DY[d] : t1 + 1 + DY[d]))
        t1++;
    for (int t = t0; t <= t1; t++) {
        const int x = (horiz ? t : line) + DX[d], y = (horiz ? line : t) + DY[d];
        if (in_mask(p, x, y) && !p->cut[y * p->w + x])
            p->cut[y * p->w + x] = (uint8_t)(1 + d);
    }
}

/* Find the straight sharp sides facing every direction and mark where the mask crosses them. */
static void find_sides(Straight *p)
{
    for (int d = 0; d < 4; d++) {
        const int horiz = d < 2, lines = horiz ? p->h : p->w, extent = horiz ? p->w : p->h;
        for (int line = 0; line < lines; line++) {
            int t0 = -1, last = -1;
            for (int t = 0; t <= extent; t++) {
                const int e = t < extent && on_edge(p, horiz ? t : line, horiz ? line : t, d);
                if (e && t0 < 0)
                    t0 = t;
                if (e)
                    last = t;
                else if (t0 >= 0 && (t - last > ST_GAP || t == extent)) {
                    mark_side(p, d, line, t0, last);
                    t0 = -1;
                }
            }
        }
    }
}

/* Number the 8-connected pieces of the mask without its cut pixels. */
static void label(Straight *p)
{
    for (int i = 0; i < p->w * p->h; i++)
        p->set[i] = (uint8_t)(!p->cut[i] && in_mask(p, i % p->w, i / p->w));
    p->n = vni_seg_label_pieces(p->set, p->w, p->h, p->lab, p->queue);
}

/* Mark in `drop` the pieces that a cut pixel faces outwards, unless they hold the object
 * candidate (`obj`, from the working labels). */
static void severed(const Straight *p, uint8_t *drop)
{
    const VnSegmenter *s = p->s;
    uint8_t *obj = drop + p->n + 1;
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            const int a = p->lab[y * p->w + x];
            const int wx = VNI_MIN((int)((p->x0 + x + 0.5) / s->sx), s->f.w - 1);
            const int wy = VNI_MIN((int)((p->y0 + y + 0.5) / s->sy), s->f.h - 1);
            if (a && s->lab[VN_SEGMENT_OBJECT][wy * s->f.w + wx])
                obj[a] = 1;
        }
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++) {
            const int c = p->cut[y * p->w + x];
            if (!c)
                continue;
            const int qx = x + DX[c - 1], qy = y + DY[c - 1];
            const int a = in_mask(p, qx, qy) ? p->lab[qy * p->w + qx] : 0;
            if (a && !obj[a])
                drop[a] = 1;
        }
}

/* Clear the dropped pieces, and the cut pixels that face a dropped piece or the outside of the
 * mask, unless that is most of the mask. */
static void clear(Straight *p, const uint8_t *drop, int64_t area)
{
    int64_t gone = 0;
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && gone > ST_MAX_DROP * (double)area)
            return;
        for (int y = 0; y < p->h; y++)
            for (int x = 0; x < p->w; x++) {
                const int i = y * p->w + x, c = p->cut[i];
                int off = drop[p->lab[i]];
                if (c) {
                    const int qx = x + DX[c - 1], qy = y + DY[c - 1];
                    off = !in_mask(p, qx, qy) || drop[p->lab[qy * p->w + qx]];
                }
                if (off && pass == 0)
                    gone++;
                else if (off)
                    vn_image_row(p->mask, p->y0 + y)[p->x0 + x] = 0;
            }
    }
}

int vni_seg_cut_straight(VnSegmenter *s, VnImage *mask)
{
    Straight p = {s, mask, 0, 0, 0, 0, 0, 0, 0, 0, NULL, NULL, NULL, NULL, 0};
    VniSegBox b, ob;
    uint8_t *drop = NULL;
    int ret = 0;
    const int64_t area = vni_seg_mask_box(mask, &b);
    if (area == 0 || vni_seg_label_box(s, s->lab[VN_SEGMENT_OBJECT], &ob) == 0)
        return 0;
    p.x0 = b.x0;
    p.y0 = b.y0;
    p.w = b.x1 - b.x0 + 1;
    p.h = b.y1 - b.y0 + 1;
    p.ox0 = (int)(ob.x0 * s->sx);
    p.oy0 = (int)(ob.y0 * s->sy);
    p.ox1 = (int)((ob.x1 + 1) * s->sx) - 1;
    p.oy1 = (int)((ob.y1 + 1) * s->sy) - 1;
    const size_t n = (size_t)p.w * p.h;
    p.cut = vni_calloc_array(n, 1);
    p.lab = vni_malloc_array(n, sizeof(int));
    p.queue = vni_malloc_array(n, sizeof(int));
    p.set = vni_malloc_array(n, 1);
    if (!p.cut || !p.lab || !p.queue || !p.set) {
        ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
        goto fail;
    }
    find_sides(&p);
    label(&p);
    if (!(drop = vni_calloc_array(2 * ((size_t)p.n + 1), 1))) {
        ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
        goto fail;
    }
    severed(&p, drop);
    clear(&p, drop, area);
fail:
    vni_free(p.cut);
    vni_free(p.lab);
    vni_free(p.queue);
    vni_free(p.set);
    vni_free(drop);
    return ret;
}
