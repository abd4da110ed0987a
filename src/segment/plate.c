/* Growing a logo's mask to the plate it lies on. A logo pasted on a plate (the Windows flag on
 * its blue panel) is the flag and the plate; the grouping may stop at a part that contrasts
 * better than the plate does against the scene (the green pill round the flag, over a blue
 * shirt). At full resolution: if, beyond each side of the mask's box, a straight sharp edge of
 * the frame (a step of a pixel or two, smooth just inside it) runs along a good part of the
 * mask's extent, the four edges make a rectangle, each covers most of its side, and the
 * rectangle is smooth round the mask, then that rectangle is the plate, and joins the mask. */
#include "segment/session.h"

#include <string.h>

/* A side pixel: on a sharp side (vni_seg_on_side) by its step to the next pixel or the one
 * after it outwards. */
#define PL_REACH_OUT 2
/* Longest gap in a side's run, in pixels. */
#define PL_GAP 2
/* A side is looked for up to this many times the mask box's larger side beyond the box. */
#define PL_REACH 1.0
/* The nearest line whose side pixels cover this share of the mask's extent along it is the side. */
#define PL_COVER 0.4
/* The side's run covers this share of the plate's side. */
#define PL_SIDE_SHARE 0.6
/* The plate is at least this many times the mask's box, at most PL_MAX_AREA times the mask and
 * PL_MAX_FRAME of the frame. */
#define PL_MIN_GROW 1.3
#define PL_MAX_AREA 8.0
#define PL_MAX_FRAME 0.4
/* A plate is smooth: the median step in it, round the mask, is at most this. */
#define PL_FLAT 8

/* Outward directions: up, down, left, right. */
static const int DX[4] = {0, 0, -1, 1}, DY[4] = {-1, 1, 0, 0};

/* Whether frame pixel t of line `line` (a row for d < 2, else a column) is on a sharp side
 * facing d. */
static int side_at(const VnImage *im, int d, int line, int t)
{
    return vni_seg_on_side(im, d < 2 ? t : line, d < 2 ? line : t, DX[d], DY[d], PL_REACH_OUT);
}

/* If the side pixels facing d on line `line` cover PL_COVER of t0..t1: the ends of their run
 * round t0..t1 (gaps of PL_GAP bridged) in *r0, *r1, and 1; else 0. */
static int side_run(const VnImage *im, int d, int line, int t0, int t1, int *r0, int *r1)
{
    const int extent = d < 2 ? im->width : im->height;
    int on = 0, a = t0, b = t1;
    for (int t = t0; t <= t1; t++)
        on += side_at(im, d, line, t);
    if (on < PL_COVER * (t1 - t0 + 1))
        return 0;
    for (int gap = 0; a > 0 && gap <= PL_GAP; a--)
        gap = side_at(im, d, line, a - 1) ? 0 : gap + 1;
    for (int gap = 0; b + 1 < extent && gap <= PL_GAP; b++)
        gap = side_at(im, d, line, b + 1) ? 0 : gap + 1;
    *r0 = a + PL_GAP;
    *r1 = b - PL_GAP;
    return 1;
}

/* The nearest side facing d beyond mask box b, within `reach`: its line (or -1) and run. */
static int find_side(const VnImage *im, const VniSegBox *b, int d, int reach, int *r0, int *r1)
{
    const int t0 = d < 2 ? b->x0 : b->y0, t1 = d < 2 ? b->x1 : b->y1;
    const int start = d == 0 ? b->y0 - 1 : d == 1 ? b->y1 + 1 : d == 2 ? b->x0 - 1 : b->x1 + 1;
    const int size = d < 2 ? im->height : im->width, dir = d == 0 || d == 2 ? -1 : 1;
    for (int k = 0; k <= reach; k++) {
        const int l = start + dir * k;
        if (l < 0 || l >= size) {
            /* the frame's edge cuts the plate: it is the side, all along */
            *r0 = 0;
            *r1 = (d < 2 ? im->width : im->height) - 1;
            return VNI_CLAMP(l, 0, size - 1);
        }
        if (!side_run(im, d, l, t0, t1, r0, r1))
            continue;
        /* a side one pixel sharp is also found a pixel inside it (the step taken over two) */
        if (l + dir >= 0 && l + dir < size && side_run(im, d, l + dir, t0, t1, r0, r1))
            return l + dir;
        return l;
    }
    return -1;
}

/* Texture of plate x0..x1, y0..y1 round the mask: the median colour step from each of its
 * pixels outside the mask, two pixels or more inside its sides, to the next right or below. */
static int plate_texture(const VnImage *im, const VnImage *mask, int x0, int y0, int x1, int y1)
{
    int hist[766] = {0};
    int64_t n = 0, acc = 0;
    for (int y = y0 + 2; y <= y1 - 2; y++)
        for (int x = x0 + 2; x <= x1 - 2; x++)
            if (!vn_image_row(mask, y)[x]) {
                hist[VNI_MAX(vni_seg_step(im, x, y, x + 1, y), vni_seg_step(im, x, y, x, y + 1))]++;
                n++;
            }
    for (int v = 0; v < 766; v++)
        if ((acc += hist[v]) * 2 >= n)
            return v;
    return 765;
}

void vni_seg_grow_plate(VnSegmenter *s, VnImage *mask)
{
    const VnImage *im = s->frame;
    VniSegBox b;
    int line[4], r0[4], r1[4];
    const int64_t area = vni_seg_mask_box(mask, &b);
    if (area == 0)
        return;
    const int reach = (int)(PL_REACH * VNI_MAX(b.x1 - b.x0 + 1, b.y1 - b.y0 + 1));
    for (int d = 0; d < 4; d++)
        if ((line[d] = find_side(im, &b, d, reach, &r0[d], &r1[d])) < 0)
            return;
    const int x0 = line[2], x1 = line[3], y0 = line[0], y1 = line[1];
    const int64_t pa = (int64_t)(x1 - x0 + 1) * (y1 - y0 + 1);
    if (pa < PL_MIN_GROW * (double)(b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1) || pa > PL_MAX_AREA * (double)area ||
        pa > PL_MAX_FRAME * (double)im->width * im->height)
        return;
    for (int d = 0; d < 4; d++) {
        const int lo = d < 2 ? x0 : y0, hi = d < 2 ? x1 : y1;
        if (VNI_MIN(r1[d], hi) - VNI_MAX(r0[d], lo) + 1 < PL_SIDE_SHARE * (hi - lo + 1))
            return;
    }
    if (plate_texture(im, mask, x0, y0, x1, y1) > PL_FLAT)
        return;
    for (int y = y0; y <= y1; y++)
        memset(vn_image_row(mask, y) + x0, 255, (size_t)(x1 - x0 + 1));
}
