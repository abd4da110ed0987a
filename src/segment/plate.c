/* Growing a logo's mask to the plate it lies on. A logo pasted on a plate (the Windows flag on
 * its blue panel) is the flag and the plate; the grouping may stop at a part that contrasts
 * better than the plate does against the scene (the green pill round the flag, over a blue
 * shirt). At full resolution, two ways:
 * - a flood: the smooth regions reached from just outside the mask (colour steps under
 *   PL_SMOOTH), within a window round it. A region that stays inside the window, surrounds the
 *   mask's main piece, nearly fills its box with the mask, is flat, and is enclosed by sharp
 *   sides (vni_seg_on_side) along most of its outline is a plate of any outline (a slanted or
 *   ragged side; the frame's edge may cut it): it and what it encloses join the mask, and the
 *   flood runs again from the grown mask (a flag, then its pill, then the plate);
 * - else a rectangle: if, beyond each side of the mask's box, a straight sharp edge of the
 *   frame (a step of a pixel or two, smooth just inside it) runs along a good part of the
 *   mask's extent, the four edges make a rectangle, each covers most of its side, and the
 *   rectangle is smooth round the mask, then that rectangle is the plate, and joins the mask.
 *   A rectangle that is not smooth is a part of the logo (the shaded pill round the flag): the
 *   flood then runs from the mask with that rectangle. */
#include "segment/session.h"

#include <errno.h>
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
/* The flood crosses colour steps under this. */
#define PL_SMOOTH 20
/* It looks within this many times the mask box's larger side beyond the box, and takes a
 * plate of up to PL_FLOOD_AREA times the mask and PL_FLOOD_FRAME of the frame. */
#define PL_FLOOD_REACH 2
#define PL_FLOOD_AREA 16.0
#define PL_FLOOD_FRAME 0.7
/* A flooded plate holds at least this share of the mask's main piece, fills this share of its
 * box with the mask, and sharp sides make this share of its outline. */
#define PL_MIN_REGION 0.3
#define PL_FILL 0.85
#define PL_SHARP_SHARE 0.75
/* Most flood rounds. */
#define PL_FLOOD_ROUNDS 3

/* Outward directions (and the flood's 4-neighbours): up, down, left, right. */
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

/* Largest colour step from pixel (x, y) to the next right or below (0 at the frame's corner). */
static int step_on(const VnImage *im, int x, int y)
{
    return VNI_MAX(VNI_MAX(vni_seg_step(im, x, y, x + 1, y), vni_seg_step(im, x, y, x, y + 1)), 0);
}

/* Texture of plate x0..x1, y0..y1 round the mask: the median colour step from each of its
 * pixels outside the mask, two pixels or more inside its sides, to the next right or below. */
static int plate_texture(const VnImage *im, const VnImage *mask, int x0, int y0, int x1, int y1)
{
    int hist[766] = {0};
    int64_t n = 0;
    for (int y = y0 + 2; y <= y1 - 2; y++)
        for (int x = x0 + 2; x <= x1 - 2; x++)
            if (!vn_image_row(mask, y)[x]) {
                hist[step_on(im, x, y)]++;
                n++;
            }
    return vni_seg_hist_median(hist, 766, n);
}

/* Set box b of the mask. */
static void fill_box(VnImage *mask, const VniSegBox *b)
{
    for (int y = b->y0; y <= b->y1; y++)
        memset(vn_image_row(mask, y) + b->x0, 255, (size_t)(b->x1 - b->x0 + 1));
}

/* The rectangle of straight sharp sides round the mask: returns 1 if it is smooth round the
 * mask (it then joins the mask), 2 if it qualifies but for that (a part of the logo, in
 * *inner), else 0. */
static int grow_rectangle(VnSegmenter *s, VnImage *mask, VniSegBox *inner)
{
    const VnImage *im = s->frame;
    VniSegBox b;
    int line[4], r0[4], r1[4];
    const int64_t area = vni_seg_mask_box(mask, &b);
    if (area == 0)
        return 0;
    const int reach = (int)(PL_REACH * VNI_MAX(b.x1 - b.x0 + 1, b.y1 - b.y0 + 1));
    for (int d = 0; d < 4; d++)
        if ((line[d] = find_side(im, &b, d, reach, &r0[d], &r1[d])) < 0)
            return 0;
    const int x0 = line[2], x1 = line[3], y0 = line[0], y1 = line[1];
    /* the frame's edge may cut one side; cut on two, the "plate" is the scene in a corner of the
     * frame (the demo's logo on the dark wall at the top right) */
    if ((y0 == 0) + (x0 == 0) + (y1 == im->height - 1) + (x1 == im->width - 1) >= 2)
        return 0;
    const int64_t pa = (int64_t)(x1 - x0 + 1) * (y1 - y0 + 1);
    if (pa < PL_MIN_GROW * (double)(b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1) || pa > PL_MAX_AREA * (double)area ||
        pa > PL_MAX_FRAME * (double)im->width * im->height)
        return 0;
    for (int d = 0; d < 4; d++) {
        const int lo = d < 2 ? x0 : y0, hi = d < 2 ? x1 : y1;
        if (VNI_MIN(r1[d], hi) - VNI_MAX(r0[d], lo) + 1 < PL_SIDE_SHARE * (hi - lo + 1))
            return 0;
    }
    *inner = (VniSegBox){x0, y0, x1, y1};
    if (plate_texture(im, mask, x0, y0, x1, y1) > PL_FLAT)
        return 2;
    fill_box(mask, inner);
    return 1;
}

typedef struct Flood {
    const VnImage *im;
    VniSegBox win;    /* the window, frame pixels */
    int w, h;         /* its size */
    uint8_t *st;      /* w*h: 1 main piece of the mask, 2 rest of the mask, 3 flooded, 4 plate */
    uint8_t *set;     /* w*h+1: scratch */
    int *lab, *queue; /* w*h: pieces, then flooded regions (from 1) */
    VniSegBox mb;     /* the main piece's box, window pixels */
    int64_t main;     /* its size */
    int64_t most;     /* largest plate, pixels */
} Flood;

/* Mark the mask's largest piece 1 (its box in f->mb, size in f->main) and its other pixels 2. */
static void main_piece(Flood *f, const VnImage *mask)
{
    const int n = f->w * f->h;
    int64_t total = 0;
    int pick = 0;
    for (int i = 0; i < n; i++)
        total += f->set[i] = vn_image_row(mask, f->win.y0 + i / f->w)[f->win.x0 + i % f->w] != 0;
    vni_seg_label_pieces(f->set, f->w, f->h, f->lab, f->queue);
    f->main = 0;
    for (int64_t k = 0, len; k < total; k += len) {
        const int a = f->lab[f->queue[k]];
        for (len = 1; k + len < total && f->lab[f->queue[k + len]] == a; len++)
            ;
        if (len > f->main) {
            f->main = len;
            pick = a;
        }
    }
    f->mb = (VniSegBox){f->w, f->h, -1, -1};
    for (int i = 0; i < n; i++) {
        const int x = i % f->w, y = i / f->w;
        f->st[i] = (uint8_t)(f->lab[i] == pick ? 1 : f->lab[i] ? 2 : 0);
        if (f->st[i] == 1)
            f->mb = (VniSegBox){VNI_MIN(f->mb.x0, x), VNI_MIN(f->mb.y0, y), VNI_MAX(f->mb.x1, x),
                                VNI_MAX(f->mb.y1, y)};
    }
}

/* Flood region c from window pixel i through steps under PL_SMOOTH: its pixels go to
 * queue[*tail..] (st 3, lab c). Returns whether it runs out of the window. */
static int flood_from(Flood *f, int i, int c, int64_t *tail)
{
    int64_t head = *tail;
    int leaves = 0;
    f->st[i] = 3;
    f->lab[i] = c;
    f->queue[(*tail)++] = i;
    while (head < *tail) {
        const int j = f->queue[head++], x = j % f->w, y = j / f->w;
        const int fx = f->win.x0 + x, fy = f->win.y0 + y;
        for (int d = 0; d < 4; d++) {
            const int qx = x + DX[d], qy = y + DY[d], q = qy * f->w + qx;
            const int step = vni_seg_step(f->im, fx, fy, fx + DX[d], fy + DY[d]);
            if (step < 0 || step >= PL_SMOOTH)
                continue;
            if (qx < 0 || qy < 0 || qx >= f->w || qy >= f->h) {
                leaves = 1;
            } else if (!f->st[q]) {
                f->st[q] = 3;
                f->lab[q] = c;
                f->queue[(*tail)++] = q;
            }
        }
    }
    return leaves;
}

/* Whether window pixel (x, y), next to a pixel of region c, lies outside the region and the
 * mask (off the frame it does not: the frame's edge may cut a plate). */
static int outside(const Flood *f, int x, int y, int c)
{
    const int fx = f->win.x0 + x, fy = f->win.y0 + y;
    if (fx < 0 || fy < 0 || fx >= f->im->width || fy >= f->im->height)
        return 0;
    if (x < 0 || y < 0 || x >= f->w || y >= f->h)
        return 1;
    const int i = y * f->w + x;
    return !(f->st[i] == 1 || f->st[i] == 2 || (f->st[i] == 3 && f->lab[i] == c));
}

/* Whether region c (its `len` pixels at queue[k..]) is a plate round the main piece. */
static int is_plate(const Flood *f, int c, int64_t k, int64_t len)
{
    int64_t sides = 0, sharp = 0, inside = 0;
    int hist[766] = {0};
    VniSegBox b = f->mb;
    if (len < PL_MIN_REGION * (double)f->main || len > f->most)
        return 0;
    for (int64_t j = k; j < k + len; j++) {
        const int x = f->queue[j] % f->w, y = f->queue[j] / f->w;
        const int fx = f->win.x0 + x, fy = f->win.y0 + y;
        b = (VniSegBox){VNI_MIN(b.x0, x), VNI_MIN(b.y0, y), VNI_MAX(b.x1, x), VNI_MAX(b.y1, y)};
        hist[step_on(f->im, fx, fy)]++;
        for (int d = 0; d < 4; d++)
            if (outside(f, x + DX[d], y + DY[d], c)) {
                sides++;
                sharp += vni_seg_on_side(f->im, fx, fy, DX[d], DY[d], PL_REACH_OUT);
            }
    }
    /* it surrounds the main piece */
    if (b.x0 == f->mb.x0 || b.y0 == f->mb.y0 || b.x1 == f->mb.x1 || b.y1 == f->mb.y1)
        return 0;
    for (int y = b.y0; y <= b.y1; y++)
        for (int x = b.x0; x <= b.x1; x++)
            inside += !outside(f, x, y, c);
    return vni_seg_hist_median(hist, 766, len) <= PL_FLAT && sharp >= PL_SHARP_SHARE * (double)sides &&
           inside >= PL_FILL * (double)(b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1);
}

/* Whether window pixel i lies next to the mask. */
static int next_to_mask(const Flood *f, int i)
{
    const int x = i % f->w, y = i / f->w;
    for (int d = 0; d < 4; d++) {
        const int qx = x + DX[d], qy = y + DY[d];
        if (qx >= 0 && qy >= 0 && qx < f->w && qy < f->h && (f->st[qy * f->w + qx] == 1 || f->st[qy * f->w + qx] == 2))
            return 1;
    }
    return 0;
}

/* Flood every region next to the mask and mark the plates 4; returns how many were found. */
static int find_plates(Flood *f)
{
    const int n = f->w * f->h;
    int64_t tail = 0;
    int c = 0, found = 0;
    memset(f->lab, 0, sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) {
        if (f->st[i] || !next_to_mask(f, i))
            continue;
        const int64_t k = tail;
        if (flood_from(f, i, ++c, &tail) || !is_plate(f, c, k, tail - k))
            continue;
        for (int64_t j = k; j < tail; j++)
            f->st[f->queue[j]] = 4;
        found++;
    }
    return found;
}

/* Set in the mask the plates with what they and the mask enclose (the pixels that no plate
 * joined: the blends along the parts' edges, a highlight): the pieces of the other pixels
 * that do not reach the window's border. */
static void join_plates(Flood *f, VnImage *mask)
{
    const int n = f->w * f->h;
    for (int i = 0; i < n; i++)
        f->set[i] = f->st[i] == 0 || f->st[i] == 3;
    const int pieces = vni_seg_label_pieces(f->set, f->w, f->h, f->lab, f->queue);
    memset(f->set, 0, (size_t)pieces + 1); /* now: the piece reaches the border */
    for (int i = 0; i < n; i++) {
        const int x = i % f->w, y = i / f->w;
        if (x == 0 || y == 0 || x == f->w - 1 || y == f->h - 1)
            f->set[f->lab[i]] = 1;
    }
    for (int i = 0; i < n; i++)
        if (!f->lab[i] || !f->set[f->lab[i]])
            vn_image_row(mask, f->win.y0 + i / f->w)[f->win.x0 + i % f->w] = 255;
}

/* One flood round: returns 1 if a plate joined the mask, 0 if none, or an error. */
static int flood_round(VnSegmenter *s, VnImage *mask)
{
    Flood f = {.im = s->frame};
    VniSegBox b;
    int ret = 0;
    const int64_t area = vni_seg_mask_box(mask, &b);
    if (area == 0)
        return 0;
    const int reach = PL_FLOOD_REACH * VNI_MAX(b.x1 - b.x0 + 1, b.y1 - b.y0 + 1);
    f.win = (VniSegBox){VNI_MAX(b.x0 - reach, 0), VNI_MAX(b.y0 - reach, 0), VNI_MIN(b.x1 + reach, mask->width - 1),
                        VNI_MIN(b.y1 + reach, mask->height - 1)};
    f.w = f.win.x1 - f.win.x0 + 1;
    f.h = f.win.y1 - f.win.y0 + 1;
    f.most = (int64_t)(VNI_MIN(PL_FLOOD_AREA * (double)area, PL_FLOOD_FRAME * (double)mask->width * mask->height) -
                       (double)area);
    const size_t n = (size_t)f.w * f.h;
    f.st = vni_malloc_array(n, 1);
    f.set = vni_malloc_array(n + 1, 1);
    f.lab = vni_malloc_array(n, sizeof(int));
    f.queue = vni_malloc_array(n, sizeof(int));
    if (!f.st || !f.set || !f.lab || !f.queue) {
        ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
        goto fail;
    }
    main_piece(&f, mask);
    if (find_plates(&f)) {
        join_plates(&f, mask);
        ret = 1;
    }
fail:
    vni_free(f.st);
    vni_free(f.set);
    vni_free(f.lab);
    vni_free(f.queue);
    return ret;
}

/* Flood rounds from the mask: returns how many found a plate, or an error. */
static int flood_rounds(VnSegmenter *s, VnImage *mask)
{
    int k = 0, ret = 0;
    while (k < PL_FLOOD_ROUNDS && (ret = flood_round(s, mask)) == 1)
        k++;
    return ret < 0 ? ret : k;
}

int vni_seg_grow_plate(VnSegmenter *s, VnImage *mask)
{
    VniSegBox inner;
    VnImage *tmp = NULL;
    int ret;
    if ((ret = flood_rounds(s, mask)) != 0 || grow_rectangle(s, mask, &inner) != 2)
        return VNI_MIN(ret, 0);
    /* a shaded part of the logo: the plate may lie round it */
    if ((ret = vn_image_alloc(&tmp, mask->width, mask->height, 1, VN_U8)) < 0 || (ret = vn_image_copy(tmp, mask)) < 0)
        goto fail;
    fill_box(tmp, &inner);
    if ((ret = flood_rounds(s, tmp)) > 0)
        ret = vn_image_copy(mask, tmp);
fail:
    vn_image_free(&tmp);
    return VNI_MIN(ret, 0);
}
