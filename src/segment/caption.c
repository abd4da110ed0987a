/* A logo's caption at full resolution: the line of letters that many logos carry under or above
 * their parts ("OpenCV" under its rings). Its strokes are a few pixels wide, so they vanish at
 * the working scale, and a dark caption on a dark scene is no outlier to a colour model of the
 * surroundings. What marks them is local: each letter is a patch of flat colour with a crisp
 * step to what lies around it, the letters share one colour, and they stand in a row of like
 * heights, centred on the logo. The region around the grouped parts is cut into flat patches by
 * region growing; the patches that contrast with their rim are grouped by colour; a colour
 * whose patches form such a row joins the mask. */
#include "segment/session.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Region growing: a pixel joins a patch when no channel differs from the patch's mean by more
 * than this. */
#define CAP_TOL 10
/* A patch contrasts with its rim when this share of its rim differs by more than CAP_STEP. */
#define CAP_STEP 18
#define CAP_RIM_SHARE 0.6
/* Long side of a standard-definition frame: a larger frame may be one upscaled, whose edges
 * blur over about (long side / this) pixels. */
#define CAP_SD_SIDE 640.0
/* Patches closer than this in colour (per channel) are of one caption colour. */
#define CAP_SAME 18
#define CAP_MAX_COLOURS 64
#define CAP_MAX_LETTERS 256
/* A caption's letters are at least 1/CAP_MIN_HEIGHT of the parts' height: a caption is read
 * at the logo's scale; a board's printed part numbers beside a logo are far smaller. */
#define CAP_MIN_HEIGHT 9
/* Fewest letters of a row. */
#define CAP_MIN_LETTERS 3

/* One flat patch of the region. */
typedef struct Patch {
    int64_t area;
    double sum[3];
    int x0, y0, x1, y1; /* bounding box, region coordinates */
    int rim, steep;     /* rim pixels, and those that differ by more than CAP_STEP */
    int edge;           /* touches the region's border or the mask */
    int colour;         /* caption colour it belongs to, or -1 */
    int letter;         /* letter it belongs to (union-find root), or -1 */
} Patch;

typedef struct Caption {
    const VnImage *im;
    VnImage *mask;
    int x0, y0, w, h;   /* the region in frame pixels */
    int *lab;           /* w*h patch of each pixel; -1 in the mask */
    int *queue;
    Patch *p;
    int np, cap;
    int *member;        /* scratch: the patches of one colour */
    double col[CAP_MAX_COLOURS][3];
    int nc;
    int64_t mask_area;
    int reach;          /* pixels beyond a patch in which its rim step is looked for */
    int gx0, gy0, gx1, gy1; /* the mask's box, frame pixels */
} Caption;

static VniSegBox box_union(VniSegBox a, VniSegBox b)
{
    return (VniSegBox){VNI_MIN(a.x0, b.x0), VNI_MIN(a.y0, b.y0), VNI_MAX(a.x1, b.x1), VNI_MAX(a.y1, b.y1)};
}

static int same_box(const VniSegBox *a, int x0, int y0, int x1, int y1)
{
    return a->x0 == x0 && a->y0 == y0 && a->x1 == x1 && a->y1 == y1;
}

static const uint8_t *pix(const Caption *c, int i)
{
    return vn_image_row(c->im, c->y0 + i / c->w) + 3 * (c->x0 + i % c->w);
}

static int differs(const uint8_t *a, const double *m, double t)
{
    return fabs(a[0] - m[0]) > t || fabs(a[1] - m[1]) > t || fabs(a[2] - m[2]) > t;
}

/* Grow the patch that starts at pixel i: a breadth-first fill that admits neighbours within
 * CAP_TOL of the running mean. */
static void grow(Caption *c, int i)
{
    Patch *pt = &c->p[c->np];
    int head = 0, tail = 0;
    memset(pt, 0, sizeof(*pt));
    pt->x0 = pt->x1 = i % c->w;
    pt->y0 = pt->y1 = i / c->w;
    pt->colour = pt->letter = -1;
    c->lab[i] = c->np;
    c->queue[tail++] = i;
    while (head < tail) {
        const int j = c->queue[head++], x = j % c->w, y = j / c->w;
        const uint8_t *v = pix(c, j);
        const int nb[4] = {x > 0 ? j - 1 : -1, x + 1 < c->w ? j + 1 : -1, y > 0 ? j - c->w : -1,
                           y + 1 < c->h ? j + c->w : -1};
        pt->area++;
        for (int k = 0; k < 3; k++)
            pt->sum[k] += v[k];
        pt->x0 = VNI_MIN(pt->x0, x);
        pt->x1 = VNI_MAX(pt->x1, x);
        pt->y0 = VNI_MIN(pt->y0, y);
        pt->y1 = VNI_MAX(pt->y1, y);
        for (int k = 0; k < 4; k++) {
            double m[3] = {pt->sum[0] / pt->area, pt->sum[1] / pt->area, pt->sum[2] / pt->area};
            if (nb[k] >= 0 && c->lab[nb[k]] == -2 && !differs(pix(c, nb[k]), m, CAP_TOL)) {
                c->lab[nb[k]] = c->np;
                c->queue[tail++] = nb[k];
            }
        }
    }
    pt->edge = pt->x0 == 0 || pt->y0 == 0 || pt->x1 == c->w - 1 || pt->y1 == c->h - 1;
    c->np++;
}

/* Cut the region into patches (the mask's pixels belong to none). */
static int cut_patches(Caption *c)
{
    const int n = c->w * c->h;
    for (int i = 0; i < n; i++)
        c->lab[i] = vn_image_row(c->mask, c->y0 + i / c->w)[c->x0 + i % c->w] ? -1 : -2;
    for (int i = 0; i < n; i++) {
        if (c->lab[i] != -2)
            continue;
        if (c->np == c->cap) {
            Patch *q = realloc(c->p, sizeof(*q) * (size_t)c->cap * 2);
            if (!q)
                return -ENOMEM;
            c->p = q;
            c->cap *= 2;
        }
        grow(c, i);
    }
    return 0;
}

/* Whether a pixel within `reach` steps of rim pixel i (region coordinates x, y) in direction
 * (dx, dy) differs from colour m by more than CAP_STEP: an upscaled frame blurs a letter's edge
 * over a few pixels, and the step is then found a little further out. */
static int steps_away(const Caption *c, int x, int y, int dx, int dy, const double *m)
{
    for (int r = 0; r < c->reach; r++, x += dx, y += dy) {
        if (x < 0 || y < 0 || x >= c->w || y >= c->h || c->lab[y * c->w + x] == -1)
            return 0;
        if (differs(pix(c, y * c->w + x), m, CAP_STEP))
            return 1;
    }
    return 0;
}

/* Rim statistics of every patch: its 4-neighbours in other patches, and how many of them
 * step away from its colour; a patch next to the mask is part of it, not a letter. */
static void measure_rims(Caption *c)
{
    static const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
    for (int y = 0; y < c->h; y++)
        for (int x = 0; x < c->w; x++) {
            const int i = y * c->w + x, a = c->lab[i];
            if (a < 0)
                continue;
            Patch *pt = &c->p[a];
            double m[3] = {pt->sum[0] / pt->area, pt->sum[1] / pt->area, pt->sum[2] / pt->area};
            for (int k = 0; k < 4; k++) {
                const int qx = x + dx[k], qy = y + dy[k], q = qy * c->w + qx;
                if (qx < 0 || qy < 0 || qx >= c->w || qy >= c->h || c->lab[q] == a)
                    continue;
                if (c->lab[q] == -1) {
                    pt->edge = 1;
                    continue;
                }
                pt->rim++;
                pt->steep += steps_away(c, qx, qy, dx[k], dy[k], m);
            }
        }
}

/* Whether patch a could be a letter's stroke: flat, inside the region, apart from the mask,
 * and stepping away from most of its rim. */
static int stroke_like(const Caption *c, int a)
{
    const Patch *pt = &c->p[a];
    return !pt->edge && pt->area >= 4 && pt->area <= c->mask_area && pt->rim > 0 &&
           pt->steep >= CAP_RIM_SHARE * pt->rim;
}

typedef struct Ranked {
    int64_t area;
    int idx;
} Ranked;

static int cmp_area(const void *a, const void *b)
{
    int64_t x = ((const Ranked *)a)->area, y = ((const Ranked *)b)->area;
    return (x < y) - (x > y);
}

/* Give each patch that could be a letter's stroke a caption colour, the largest patches first
 * (the colours are few: small specks of texture must not take them before the letters). */
static int colour_patches(Caption *c)
{
    Ranked *order = vni_malloc_array((size_t)c->np, sizeof(*order));
    int n = 0;
    if (!order)
        return -ENOMEM;
    for (int a = 0; a < c->np; a++)
        if (stroke_like(c, a))
            order[n++] = (Ranked){c->p[a].area, a};
    qsort(order, (size_t)n, sizeof(*order), cmp_area);
    for (int i = 0; i < n; i++) {
        Patch *pt = &c->p[order[i].idx];
        double m[3] = {pt->sum[0] / pt->area, pt->sum[1] / pt->area, pt->sum[2] / pt->area};
        int k = 0;
        while (k < c->nc && (fabs(c->col[k][0] - m[0]) > CAP_SAME || fabs(c->col[k][1] - m[1]) > CAP_SAME ||
                             fabs(c->col[k][2] - m[2]) > CAP_SAME))
            k++;
        if (k == CAP_MAX_COLOURS)
            continue;
        if (k == c->nc) {
            memcpy(c->col[k], m, sizeof(m));
            c->nc++;
        }
        pt->colour = k;
    }
    vni_free(order);
    return 0;
}

static int find(Caption *c, int a)
{
    while (c->p[a].letter != a)
        a = c->p[a].letter = c->p[c->p[a].letter].letter;
    return a;
}

static int touch(const Patch *a, const Patch *b)
{
    return a->x0 <= b->x1 + 1 && b->x0 <= a->x1 + 1 && a->y0 <= b->y1 + 1 && b->y0 <= a->y1 + 1;
}

/* The letters of colour k: its patches joined where their boxes touch. Returns their boxes
 * (region coordinates) and count; every patch of the colour gets its letter's root. */
static int letters(Caption *c, int k, VniSegBox *lb)
{
    int n = 0, m = 0;
    for (int a = 0; a < c->np; a++)
        if (c->p[a].colour == k) {
            c->p[a].letter = a;
            c->member[m++] = a;
        }
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++)
            if (touch(&c->p[c->member[i]], &c->p[c->member[j]]))
                c->p[find(c, c->member[j])].letter = find(c, c->member[i]);
    for (int i = 0; i < m; i++) {
        int a = c->member[i], r = find(c, a);
        Patch *pa = &c->p[a], *pr = &c->p[r];
        pr->x0 = VNI_MIN(pr->x0, pa->x0);
        pr->y0 = VNI_MIN(pr->y0, pa->y0);
        pr->x1 = VNI_MAX(pr->x1, pa->x1);
        pr->y1 = VNI_MAX(pr->y1, pa->y1);
    }
    for (int i = 0; i < m && n < CAP_MAX_LETTERS; i++) {
        const Patch *pa = &c->p[c->member[i]];
        if (pa->letter == c->member[i] && pa->y1 - pa->y0 >= 2)
            lb[n++] = (VniSegBox){pa->x0, pa->y0, pa->x1, pa->y1};
    }
    return n;
}

static int cmp_int(const void *a, const void *b)
{
    return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

/* Median of n values (n >= 1; sorts them). */
static int median(int *v, int n)
{
    qsort(v, (size_t)n, sizeof(int), cmp_int);
    return v[n / 2];
}

/* Whether the letter boxes lb form a caption row: at least CAP_MIN_LETTERS of like height on
 * one line, that line outside the parts' box, near it, and centred on it. The row's box goes
 * to `row` (frame coordinates); letters off the line are marked (x1 = -1). Returns the row's
 * weight (the letters on it times their median height: a caption is read, specks of texture
 * in a row are small), 0 if it is no row. */
static int is_row(const Caption *c, VniSegBox *lb, int n, VniSegBox *row)
{
    int hs[CAP_MAX_LETTERS], cs[CAP_MAX_LETTERS], m = 0;
    const int gw = c->gx1 - c->gx0 + 1, gh = c->gy1 - c->gy0 + 1;
    if (n < CAP_MIN_LETTERS)
        return 0;
    for (int i = 0; i < n; i++) {
        hs[i] = lb[i].y1 - lb[i].y0 + 1;
        cs[i] = lb[i].y0 + lb[i].y1;
    }
    const int hm = median(hs, n), cm = median(cs, n);
    *row = (VniSegBox){INT32_MAX, INT32_MAX, -1, -1};
    for (int i = 0; i < n; i++) {
        int hi = lb[i].y1 - lb[i].y0 + 1, ci = lb[i].y0 + lb[i].y1;
        if (abs(ci - cm) > hm || 2 * hi < hm || hi > 2 * hm) {
            lb[i].x1 = -1;
            continue;
        }
        m++;
        *row = box_union(*row, (VniSegBox){lb[i].x0 + c->x0, lb[i].y0 + c->y0, lb[i].x1 + c->x0,
                                           lb[i].y1 + c->y0});
    }
    if (m < CAP_MIN_LETTERS)
        return 0;
    const int rh = row->y1 - row->y0 + 1, rw = row->x1 - row->x0 + 1;
    const int gap = row->y0 > c->gy1 ? row->y0 - c->gy1 : c->gy0 - row->y1;
    const int off = abs((row->x0 + row->x1) - (c->gx0 + c->gx1)) / 2;
    return gap > 0 && gap <= gh / 2 && rh <= 0.6 * gh && hm * CAP_MIN_HEIGHT >= gh && rw >= 0.3 * gw &&
                   off <= gw / 4
               ? m * hm
               : 0;
}

/* Add the patches of colour k that belong to letters on the row, and the blended pixels on
 * their rims that lie nearer the caption's colour than the side they border. */
static int64_t take(Caption *c, int k, const VniSegBox *lb, int n)
{
    int64_t added = 0;
    for (int i = 0; i < c->w * c->h; i++) {
        const int a = c->lab[i];
        if (a < 0 || c->p[a].colour != k)
            continue;
        const Patch *r = &c->p[c->p[a].letter];
        int on = 0;
        for (int j = 0; j < n; j++)
            on |= lb[j].x1 >= 0 && same_box(&lb[j], r->x0, r->y0, r->x1, r->y1);
        if (!on)
            continue;
        vn_image_row(c->mask, c->y0 + i / c->w)[c->x0 + i % c->w] = 255;
        c->lab[i] = -3;
        added++;
    }
    return added;
}

static double dist2(const uint8_t *v, const double *m)
{
    return (v[0] - m[0]) * (v[0] - m[0]) + (v[1] - m[1]) * (v[1] - m[1]) + (v[2] - m[2]) * (v[2] - m[2]);
}

/* Whether pixel (x, y) of the region, next to a taken letter pixel (lab -3), lies nearer the
 * caption colour `cc` than the side it borders: its own patch's mean, or the pixel c->reach
 * steps further out from the letter (a blend in a thin patch of its own, on a blurred edge). */
static int blends_in(const Caption *c, int x, int y, const double *cc)
{
    static const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
    const int i = y * c->w + x;
    const Patch *pt = &c->p[c->lab[i]];
    const double m[3] = {pt->sum[0] / pt->area, pt->sum[1] / pt->area, pt->sum[2] / pt->area};
    const double dc = dist2(pix(c, i), cc);
    int next = 0;
    for (int k = 0; k < 4; k++) {
        const int tx = x - dx[k], ty = y - dy[k];
        if (tx < 0 || ty < 0 || tx >= c->w || ty >= c->h || c->lab[ty * c->w + tx] != -3)
            continue;
        next = 1;
        const int fx = VNI_CLAMP(x + c->reach * dx[k], 0, c->w - 1), fy = VNI_CLAMP(y + c->reach * dy[k], 0, c->h - 1);
        double far[3];
        for (int q = 0; q < 3; q++)
            far[q] = pix(c, fy * c->w + fx)[q];
        if (dc < dist2(pix(c, i), far))
            return 1;
    }
    return next && dc < dist2(pix(c, i), m);
}

/* Blended pixels around the taken letters (lab -3) that lie nearer the caption colour than
 * the side they border (blends_in); up to c->reach rings of them, as a blurred edge spreads the
 * blend over that many pixels. */
static void take_rims(Caption *c, int k)
{
    const int n = c->w * c->h;
    for (int ring = 0; ring < c->reach; ring++) {
        for (int y = 0; y < c->h; y++)
            for (int x = 0; x < c->w; x++) {
                const int i = y * c->w + x;
                if (c->lab[i] < 0 || !blends_in(c, x, y, c->col[k]))
                    continue;
                vn_image_row(c->mask, c->y0 + y)[c->x0 + x] = 255;
                c->lab[i] = -4; /* taken in this ring */
            }
        for (int i = 0; i < n; i++)
            c->lab[i] = c->lab[i] == -4 ? -3 : c->lab[i];
    }
}

/* Of the pieces numbered in lab (box width w at frame offset x0, y0; queue from
 * vni_seg_label_pieces), the one whose pixels start at queue[k] (of `total`): its area, and
 * its box in frame pixels in `pb`. */
static int64_t piece_box(const int *lab, const int *queue, int64_t k, int64_t total, int w, int x0,
                         int y0, VniSegBox *pb)
{
    const int a = lab[queue[k]];
    int64_t j = k;
    VniSegBox q = {INT_MAX, INT_MAX, -1, -1};
    for (; j < total && lab[queue[j]] == a; j++) {
        const int x = queue[j] % w + x0, y = queue[j] / w + y0;
        q = box_union(q, (VniSegBox){x, y, x, y});
    }
    *pb = q;
    return j - k;
}

/* The box of the logo's parts: of the mask's pieces, those that hold 5% of it (a later click's
 * blob on a letter is no part); their area goes to c->mask_area. Returns the mask's area, 0
 * when it is empty, or -ENOMEM. */
static int64_t parts_box(Caption *c)
{
    VniSegBox b, pb = {c->mask->width, c->mask->height, -1, -1};
    const int64_t area = vni_seg_mask_box(c->mask, &b);
    if (area == 0)
        return 0;
    const int w = b.x1 - b.x0 + 1, h = b.y1 - b.y0 + 1, n = w * h;
    uint8_t *set = vni_malloc_array((size_t)n, 1);
    int *lab = vni_malloc_array((size_t)n, sizeof(int)), *queue = vni_malloc_array((size_t)n, sizeof(int));
    const int ok = set && lab && queue;
    c->mask_area = 0;
    for (int i = 0; ok && i < n; i++)
        set[i] = vn_image_row(c->mask, b.y0 + i / w)[b.x0 + i % w] != 0;
    if (ok)
        vni_seg_label_pieces(set, w, h, lab, queue);
    for (int64_t k = 0, a; ok && k < area; k += a) {
        VniSegBox qb;
        a = piece_box(lab, queue, k, area, w, b.x0, b.y0, &qb);
        if (a >= 0.05 * (double)area) {
            c->mask_area += a;
            pb = box_union(pb, qb);
        }
    }
    vni_free(set);
    vni_free(lab);
    vni_free(queue);
    if (!ok)
        return -ENOMEM;
    c->gx0 = pb.x0;
    c->gy0 = pb.y0;
    c->gx1 = pb.x1;
    c->gy1 = pb.y1;
    return area;
}

/* Find the caption's colour and take its row: the colour whose row weighs most (is_row). */
static int64_t find_caption(Caption *c)
{
    VniSegBox lb[CAP_MAX_LETTERS], row;
    int best = -1, best_wt = 0;
    for (int k = 0; k < c->nc; k++) {
        int n = letters(c, k, lb);
        int wt = is_row(c, lb, n, &row);
        if (wt > best_wt) {
            best = k;
            best_wt = wt;
        }
    }
    if (best < 0)
        return 0;
    int n = letters(c, best, lb);
    is_row(c, lb, n, &row);
    int64_t added = take(c, best, lb, n);
    if (added < 0.02 * (double)c->mask_area)
        return 0;
    take_rims(c, best);
    return added;
}

int vni_seg_caption(VnSegmenter *s, VnImage *mask)
{
    Caption c = {0};
    int64_t ret = 0;
    c.im = s->frame;
    c.mask = mask;
    if ((ret = parts_box(&c)) <= 0 || c.gx1 < 0) {
        ret = VNI_MIN(ret, 0);
        goto fail;
    }
    const int gw = c.gx1 - c.gx0 + 1, gh = c.gy1 - c.gy0 + 1;
    c.x0 = VNI_MAX(c.gx0 - gw / 4, 0);
    c.y0 = VNI_MAX(c.gy0 - gh * 3 / 4, 0);
    c.w = VNI_MIN(c.gx1 + gw / 4, mask->width - 1) - c.x0 + 1;
    c.h = VNI_MIN(c.gy1 + gh * 3 / 4, mask->height - 1) - c.y0 + 1;
    c.reach = VNI_CLAMP((int)ceil(VNI_MAX(mask->width, mask->height) / CAP_SD_SIDE), 1, 4);
    c.cap = 1024;
    c.lab = vni_malloc_array((size_t)c.w * c.h, sizeof(int));
    c.queue = vni_malloc_array((size_t)c.w * c.h, sizeof(int));
    c.p = malloc(sizeof(*c.p) * (size_t)c.cap);
    if (!c.lab || !c.queue || !c.p) {
        ret = -ENOMEM;
        goto fail;
    }
    if ((ret = cut_patches(&c)) < 0)
        goto fail;
    c.member = c.queue; /* the fills are done: np <= w*h */
    measure_rims(&c);
    if ((ret = colour_patches(&c)) < 0)
        goto fail;
    ret = find_caption(&c) > 0;
fail:
    vni_free(c.lab);
    vni_free(c.queue);
    free(c.p);
    return ret < 0 ? vni_error(s->ctx, (int)ret, "segment: out of memory") : (int)ret;
}
