/* One run of the segmenter: prompts to working-resolution constraints and priors, the three
 * candidates, their scores and ranking, and the full-resolution masks. */
#include "segment/session.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/resample.h"

/* A corrected whole answer leads over the object if its boundary contrast is at least this
 * share of the object's. */
#define CONTINUE_RATIO 0.9f

/* The larger candidate leads only if it holds at least this share of the object candidate.
 * After one click the object may have spilled into background that the larger, learnt round
 * the whole logo, leaves out; after several, the object is what the clicks asked for. */
#define LEAD_HOLDS_ONE 0.75
#define LEAD_HOLDS 0.9

/* A larger candidate holds at least this share of the clicked part (holds_click). */
#define LARGER_HOLDS_CLICK 0.5

/* Weight of colour steps in geodesic distances, in units of the frame's mean neighbour step. */
#define GEO_GAMMA 1.0f

static int to_working(double v, double scale, int size)
{
    int i = (int)((v + 0.5) / scale);
    return VNI_CLAMP(i, 0, size - 1);
}

/* Check the prompts against the frame; one line names the first bad one. */
static int check_prompts(VnSegmenter *s, const VnPrompt *pr, int n, const VnImage *refine)
{
    const int W = s->frame->width, H = s->frame->height;
    int boxes = 0;
    if (n < 0 || (n > 0 && !pr) || (n == 0 && !refine))
        return vni_error(s->ctx, -EINVAL, "segment: needs at least one point, a box or a mask");
    if (refine && (refine->width != W || refine->height != H || refine->channels != 1 || refine->type != VN_U8))
        return vni_error(s->ctx, -EINVAL, "segment: the mask to refine must be %dx%d, 8-bit grey", W, H);
    for (int k = 0; k < n; k++) {
        const VnPrompt *q = &pr[k];
        if (q->type == VN_PROMPT_BOX) {
            if (++boxes > 1)
                return vni_error(s->ctx, -EINVAL, "segment: more than one box");
            if (q->x0 < 0 || q->y0 < 0 || q->x1 >= W || q->y1 >= H || q->x1 <= q->x0 || q->y1 <= q->y0)
                return vni_error(s->ctx, -EINVAL, "segment: box %d,%d,%d,%d is empty or outside the %dx%d frame",
                                 q->x0, q->y0, q->x1, q->y1, W, H);
        } else if (q->type == VN_PROMPT_POSITIVE || q->type == VN_PROMPT_NEGATIVE) {
            if (q->x0 < 0 || q->y0 < 0 || q->x0 >= W || q->y0 >= H)
                return vni_error(s->ctx, -EINVAL, "segment: %s point %d,%d is outside the %dx%d frame",
                                 q->type == VN_PROMPT_POSITIVE ? "positive" : "negative", q->x0, q->y0, W, H);
        } else {
            return vni_error(s->ctx, -EINVAL, "segment: prompt %d has an unknown type %d", k, q->type);
        }
    }
    return 0;
}

/* The working pixel a click seeds: of the working pixels within two of the click's, the one
 * whose colour is nearest the clicked full-resolution colour (the mean of its 3x3), so that a
 * click near an edge seeds the side it is on, not a blend of both sides. */
static int seed_pixel(const VnSegmenter *s, const VnPrompt *q)
{
    const VniSegFeatures *f = &s->f;
    const VnImage *im = s->frame;
    const int cx = to_working(q->x0, s->sx, f->w), cy = to_working(q->y0, s->sy, f->h);
    float c[3] = {0, 0, 0}, best = INFINITY;
    int cnt = 0, bi = cy * f->w + cx;
    for (int y = VNI_MAX(q->y0 - 1, 0); y <= VNI_MIN(q->y0 + 1, im->height - 1); y++)
        for (int x = VNI_MAX(q->x0 - 1, 0); x <= VNI_MIN(q->x0 + 1, im->width - 1); x++, cnt++)
            for (int k = 0; k < 3; k++)
                c[k] += vn_image_row(im, y)[3 * x + k];
    for (int k = 0; k < 3; k++)
        c[k] /= (float)cnt;
    for (int y = VNI_MAX(cy - 2, 0); y <= VNI_MIN(cy + 2, f->h - 1); y++)
        for (int x = VNI_MAX(cx - 2, 0); x <= VNI_MIN(cx + 2, f->w - 1); x++) {
            const float *w = f->col + 3 * (y * f->w + x);
            float d0 = w[0] - c[0], d1 = w[1] - c[1], d2 = w[2] - c[2];
            /* a small penalty for distance keeps the click's own pixel on flat colour */
            float d = d0 * d0 + d1 * d1 + d2 * d2 + 4.0f * (float)((x - cx) * (x - cx) + (y - cy) * (y - cy));
            if (d < best) {
                best = d;
                bi = y * f->w + x;
            }
        }
    return bi;
}

/* Seeds, hard labels and the box at working resolution. */
static void place_prompts(VnSegmenter *s, VniSegPrompts *p, const VnPrompt *pr, int n)
{
    const int w = s->f.w, h = s->f.h;
    memset(s->hard, 0, (size_t)w * h);
    for (int k = 0; k < n; k++) {
        const VnPrompt *q = &pr[k];
        if (q->type == VN_PROMPT_BOX) {
            p->has_box = 1;
            p->bx0 = to_working(q->x0, s->sx, w);
            p->by0 = to_working(q->y0, s->sy, h);
            p->bx1 = to_working(q->x1, s->sx, w);
            p->by1 = to_working(q->y1, s->sy, h);
        }
    }
    if (p->has_box)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                if (x < p->bx0 || x > p->bx1 || y < p->by0 || y > p->by1)
                    s->hard[y * w + x] = 2;
    for (int k = 0; k < n; k++) {
        const VnPrompt *q = &pr[k];
        if (q->type == VN_PROMPT_BOX)
            continue;
        int i = seed_pixel(s, q);
        if (q->type == VN_PROMPT_POSITIVE) {
            p->pos[p->n_pos++] = i;
            s->hard[i] = 1;
        } else {
            p->neg[p->n_neg++] = i;
            s->hard[i] = 2;
        }
    }
}

/* Every click holds a small geodesic disk around it (it stays on the click's side of a strong
 * edge): a click on a colour that the background also has, or next to an edge, still gives at
 * least the region under the finger, never a few pixels. */
static void hold_click_disks(VnSegmenter *s, const VniSegPrompts *p)
{
    const int n = s->f.w * s->f.h;
    const float r = 0.012f * sqrtf((float)s->f.w * s->f.w + (float)s->f.h * s->f.h);
    for (int i = 0; i < n; i++) {
        if (s->hard[i])
            continue;
        if (p->n_pos && s->df[i] < r && !(p->n_neg && s->db[i] < s->df[i]))
            s->hard[i] = 1;
        else if (p->n_neg && s->db[i] < r)
            s->hard[i] = 2;
    }
}

/* The mask to refine at working size, and how much it holds away from the clicks. */
static int mask_prior(VnSegmenter *s, const VnImage *refine)
{
    const int w = s->f.w, h = s->f.h;
    const float rc = vni_seg_radius(s, VN_SEGMENT_PART);
    VnImage *bin = NULL, *small = NULL;
    int ret;
    if ((ret = vn_image_alloc(&bin, refine->width, refine->height, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&small, w, h, 1, VN_U8)) < 0)
        goto fail;
    for (int y = 0; y < refine->height; y++)
        for (int x = 0; x < refine->width; x++)
            vn_image_row(bin, y)[x] = vn_image_row(refine, y)[x] ? 255 : 0;
    if ((ret = vni_resize_u8(s->ctx, small, bin)) < 0)
        goto fail;
    for (int i = 0; i < w * h; i++) {
        float d = fminf(s->df[i], s->db[i]);
        s->mprior[i] = vn_image_row(small, i / w)[i % w] / 255.0f;
        s->att[i] = 1.0f - expf(-d / rc);
    }
fail:
    vn_image_free(&bin);
    vn_image_free(&small);
    return ret;
}

/* Whether this run continues the last one's larger answer: no mask given, the last run's
 * prompts come first, and more follow. */
static int continues(const VnSegmenter *s, const VnPrompt *pr, int n, const VnImage *refine)
{
    if (refine || !s->lineage || !s->last || n <= s->n_last ||
        memcmp(pr, s->last, sizeof(*pr) * (size_t)s->n_last))
        return 0;
    return 1;
}

/* Whether this run adds one click to the last run's prompts, with no mask given: the click
 * then corrects the last best mask (local.c). */
static int follows(const VnSegmenter *s, const VnPrompt *pr, int n, const VnImage *refine)
{
    return !refine && s->prev && s->last && n == s->n_last + 1 && pr[n - 1].type != VN_PROMPT_BOX &&
           !memcmp(pr, s->last, sizeof(*pr) * (size_t)s->n_last);
}

/* Keep the best mask for the next click to correct. */
static int keep_best(VnSegmenter *s, const VnImage *mask)
{
    int ret;
    if (!s->prev && (ret = vn_image_alloc(&s->prev, mask->width, mask->height, 1, VN_U8)) < 0)
        return ret;
    return vn_image_copy(s->prev, mask);
}

/* The last answer as the mask that the new prompts correct, held less near the clicks. */
static void keep_prior(VnSegmenter *s)
{
    const int n = s->f.w * s->f.h;
    const float rc = vni_seg_radius(s, VN_SEGMENT_PART);
    for (int i = 0; i < n; i++) {
        s->mprior[i] = s->keep[i] ? 1.0f : 0.0f;
        s->att[i] = 1.0f - expf(-fminf(s->df[i], s->db[i]) / rc);
    }
}

/* Remember this run for the next: its prompts, its best labels, and whether later clicks
 * should keep correcting them (a larger answer, or one that continued it). */
static int remember(VnSegmenter *s, const VnPrompt *pr, int n, int whole)
{
    VnPrompt *cp = vni_malloc_array((size_t)n, sizeof(*pr));
    if (!cp)
        return vni_error(s->ctx, -ENOMEM, "segment: out of memory");
    memcpy(cp, pr, sizeof(*pr) * (size_t)n);
    vni_free(s->last);
    s->last = cp;
    s->n_last = n;
    s->lineage = whole;
    /* the working labels stand for the answer until keep_answer samples its full-resolution
     * mask (a run that fails before that keeps these) */
    if (whole)
        memcpy(s->keep, s->lab[VN_SEGMENT_LARGER], (size_t)s->f.w * s->f.h);
    return 0;
}

/* The next click corrects the best answer with its full-resolution steps (a plate grown round
 * the logo, a caption): the working labels it keeps are sampled from the best mask itself. */
static void keep_answer(VnSegmenter *s, const VnImage *mask)
{
    for (int y = 0; y < s->f.h; y++)
        for (int x = 0; x < s->f.w; x++) {
            const int fx = VNI_MIN((int)((x + 0.5) * s->sx), mask->width - 1);
            const int fy = VNI_MIN((int)((y + 0.5) * s->sy), mask->height - 1);
            s->keep[y * s->f.w + x] = vn_image_row(mask, fy)[fx] != 0;
        }
}

/* Labels the colour models start from. */
static void initial_labels(VnSegmenter *s, const VniSegPrompts *p, uint8_t *init)
{
    const int w = s->f.w, n = w * s->f.h;
    for (int i = 0; i < n; i++) {
        int x = i % w, y = i / w, v;
        if (p->has_mask)
            v = s->mprior[i] >= 0.5f;
        else if (p->n_pos)
            v = s->sample[i];
        else
            v = 1;
        if (p->has_box && (x < p->bx0 || x > p->bx1 || y < p->by0 || y > p->by1))
            v = 0;
        init[i] = (uint8_t)(s->hard[i] ? s->hard[i] == 1 : v);
    }
}

/* Confidence of a labelling: mean contrast (1 - exp(-beta ‖ΔI‖²)) across its boundary. */
float vni_seg_score(const VnSegmenter *s, const uint8_t *lab)
{
    const VniSegFeatures *f = &s->f;
    double sum = 0;
    int64_t cnt = 0, area = 0;
    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++) {
            int i = y * f->w + x;
            area += lab[i];
            if (x + 1 < f->w && lab[i] != lab[i + 1]) {
                sum += 1.0 - exp(-f->beta * f->diff[VNI_DIR_E][i] * f->diff[VNI_DIR_E][i]);
                cnt++;
            }
            if (y + 1 < f->h && lab[i] != lab[i + f->w]) {
                sum += 1.0 - exp(-f->beta * f->diff[VNI_DIR_S][i] * f->diff[VNI_DIR_S][i]);
                cnt++;
            }
        }
    return area == 0 || cnt == 0 ? 0.0f : (float)(sum / (double)cnt);
}

static double iou(const uint8_t *a, const uint8_t *b, int n)
{
    int64_t in = 0, un = 0;
    for (int i = 0; i < n; i++) {
        in += a[i] && b[i];
        un += a[i] || b[i];
    }
    return un ? (double)in / (double)un : 1.0;
}

typedef struct Cand {
    int kind;
    float score;
    VniGmm fg, bg;
} Cand;

VniSegBox vni_seg_grow_box(const VnSegmenter *s, VniSegBox b, int m)
{
    return (VniSegBox){VNI_MAX(b.x0 - m, 0), VNI_MAX(b.y0 - m, 0), VNI_MIN(b.x1 + m, s->f.w - 1),
                       VNI_MIN(b.y1 + m, s->f.h - 1)};
}

/* Bounding box of the object pixels of working labels; returns their count. */
int64_t vni_seg_label_box(const VnSegmenter *s, const uint8_t *lab, VniSegBox *b)
{
    int64_t area = 0;
    *b = (VniSegBox){s->f.w, s->f.h, -1, -1};
    for (int y = 0; y < s->f.h; y++)
        for (int x = 0; x < s->f.w; x++)
            if (lab[y * s->f.w + x]) {
                area++;
                b->x0 = VNI_MIN(b->x0, x);
                b->x1 = VNI_MAX(b->x1, x);
                b->y0 = VNI_MIN(b->y0, y);
                b->y1 = VNI_MAX(b->y1, y);
            }
    return area;
}

int64_t vni_seg_mask_box(const VnImage *mask, VniSegBox *b)
{
    int64_t area = 0;
    *b = (VniSegBox){mask->width, mask->height, -1, -1};
    for (int y = 0; y < mask->height; y++) {
        const uint8_t *r = vn_image_row(mask, y);
        for (int x = 0; x < mask->width; x++)
            if (r[x]) {
                area++;
                *b = (VniSegBox){VNI_MIN(b->x0, x), VNI_MIN(b->y0, y), VNI_MAX(b->x1, x), VNI_MAX(b->y1, y)};
            }
    }
    return area;
}

int vni_seg_box_reached(const VnSegmenter *s, const VniSegBox *box, const VniSegBox *rb)
{
    return (rb->x0 <= box->x0 && box->x0 > 0) || (rb->y0 <= box->y0 && box->y0 > 0) ||
           (rb->x1 >= box->x1 && box->x1 < s->f.w - 1) || (rb->y1 >= box->y1 && box->y1 < s->f.h - 1);
}

/* The box of the object cut: the prompt box (outside it all is background), else the frame. */
static VniSegBox object_box(const VnSegmenter *s, const VniSegPrompts *p)
{
    if (p->has_box)
        return (VniSegBox){p->bx0, p->by0, p->bx1, p->by1};
    return (VniSegBox){0, 0, s->f.w - 1, s->f.h - 1};
}

/* The part: the object's colour models with the prior of the part's scale, on a box around the
 * positive clicks that the part's prior leaves room for. */
static int solve_part(VnSegmenter *s, const VniSegPrompts *p, Cand *c, const Cand *obj)
{
    const int m = (int)ceilf(4.0f * vni_seg_radius(s, VN_SEGMENT_PART));
    VniSegBox b = {s->f.w, s->f.h, -1, -1};
    for (int k = 0; k < p->n_pos; k++) {
        int x = p->pos[k] % s->f.w, y = p->pos[k] / s->f.w;
        b = (VniSegBox){VNI_MIN(b.x0, x), VNI_MIN(b.y0, y), VNI_MAX(b.x1, x), VNI_MAX(b.y1, y)};
    }
    VniSegCut cut = {VN_SEGMENT_PART, vni_seg_grow_box(s, b, m), 1, 1, 0, 0, 0};
    c->fg = obj->fg;
    c->bg = obj->bg;
    return vni_seg_solve(s, p, &cut, &c->fg, &c->bg, s->lab[VN_SEGMENT_OBJECT], s->lab[VN_SEGMENT_PART]);
}

/* The GrabCut labelling of the larger candidate: GrabCut in a box around the object candidate,
 * without the click prior, the colour models fitted afresh (the object from the box, the
 * background from around it); while the result reaches a side of its box, the box grows around
 * the result and the cut runs again. */
static int solve_grabcut_larger(VnSegmenter *s, const VniSegPrompts *p, Cand *c, uint8_t *lab)
{
    VniSegBox ob, rb;
    memset(lab, 0, (size_t)s->f.w * s->f.h);
    if (vni_seg_label_box(s, s->lab[VN_SEGMENT_OBJECT], &ob) == 0)
        return 0; /* empty: scores 0 and is dropped */
    int m = VNI_MAX(ob.x1 - ob.x0, ob.y1 - ob.y0) + 4;
    VniSegBox b = vni_seg_grow_box(s, ob, m);
    for (int round = 0; round < 2; round++) {
        VniSegCut cut = {VN_SEGMENT_LARGER, b, 0, 1, 1, 1, 0};
        int ret;
        memset(&c->fg, 0, sizeof(c->fg));
        memset(&c->bg, 0, sizeof(c->bg));
        if ((ret = vni_seg_solve(s, p, &cut, &c->fg, &c->bg, lab, lab)) < 0)
            return ret;
        if (vni_seg_label_box(s, lab, &rb) == 0)
            return 0;
        if (!vni_seg_box_reached(s, &b, &rb))
            break;
        m = VNI_MAX(rb.x1 - rb.x0, rb.y1 - rb.y0) / 2 + 4;
        b = vni_seg_grow_box(s, rb, m);
    }
    c->score = vni_seg_score(s, lab);
    return 0;
}

/* Whether working labels add to the object candidate pixels on the frame's edge: they then
 * run off the frame, as the scene does and a logo's parts do not. */
static int runs_off_frame(const VnSegmenter *s, const uint8_t *lab)
{
    const int w = s->f.w, h = s->f.h;
    const uint8_t *obj = s->lab[VN_SEGMENT_OBJECT];
    for (int x = 0; x < w; x++)
        if ((lab[x] && !obj[x]) || (lab[(h - 1) * w + x] && !obj[(h - 1) * w + x]))
            return 1;
    for (int y = 0; y < h; y++)
        if ((lab[y * w] && !obj[y * w]) || (lab[y * w + w - 1] && !obj[y * w + w - 1]))
            return 1;
    return 0;
}

/* Whether working labels hold LARGER_HOLDS_CLICK of the clicked part: the object candidate's
 * pixels in the first colour sample round the click (sample.c). */
static int holds_click(const VnSegmenter *s, const uint8_t *lab)
{
    const uint8_t *obj = s->lab[VN_SEGMENT_OBJECT];
    const int n = s->f.w * s->f.h;
    int64_t part = 0, in = 0;
    for (int i = 0; i < n; i++)
        if (obj[i] && s->sample[i]) {
            part++;
            in += lab[i] != 0;
        }
    return in >= LARGER_HOLDS_CLICK * (double)part;
}

/* The larger candidate, for objects of several parts: of the grouping of a logo's parts
 * (group.c) and the GrabCut labelling, the one whose boundary contrasts better; a GrabCut
 * labelling that runs off the frame beyond the object is scene (sky, a wall round the logo),
 * and the grouping, which keeps inside the frame, replaces it whenever it found anything.
 * The one chosen is larger than the clicked part only if it holds it: on a semi-transparent
 * logo the clicked ring's colours are blends of the picture's, the surroundings explain them,
 * and both may keep nothing of the ring but the disk held round the click, with something
 * else of the scene that stands out sharply (a pen beside the logo); there is then no larger
 * candidate (nor, when the grouping was chosen over it, the GrabCut labelling that ran off
 * the frame: it is still scene). */
static int solve_larger(VnSegmenter *s, const VniSegPrompts *p, Cand *c)
{
    const size_t n = (size_t)s->f.w * s->f.h;
    Cand g = *c;
    int ret;
    if ((ret = solve_grabcut_larger(s, p, c, s->lab[VN_SEGMENT_LARGER])) < 0 ||
        (ret = vni_seg_group(s, p, &g.fg, &g.bg, &g.score, s->lab[3])) < 0)
        return ret;
    if (g.score > c->score || (g.score > 0 && runs_off_frame(s, s->lab[VN_SEGMENT_LARGER]))) {
        *c = g;
        memcpy(s->lab[VN_SEGMENT_LARGER], s->lab[3], n);
    }
    if (!holds_click(s, s->lab[VN_SEGMENT_LARGER])) {
        c->score = 0;
        memset(s->lab[VN_SEGMENT_LARGER], 0, n);
    }
    return 0;
}

/* The last run's larger answer corrected by the new prompts, as a refined mask is: a larger
 * candidate after the `nc` others. Returns the new count. */
static int solve_continued(VnSegmenter *s, const VniSegPrompts *p, Cand *c, int nc)
{
    VniSegPrompts q = *p;
    VniSegCut cut = {VN_SEGMENT_LARGER, object_box(s, p), 1, s->s.iterations, 1, 0, 0};
    Cand *cc = &c[nc];
    int ret;
    if (nc >= 3)
        return nc; /* not reached: several clicks give at most the object and the part */
    q.has_mask = 1;
    initial_labels(s, &q, s->lab[4]);
    if ((ret = vni_seg_solve(s, &q, &cut, &cc->fg, &cc->bg, s->lab[4], s->lab[VN_SEGMENT_LARGER])) < 0)
        return ret;
    cc->kind = VN_SEGMENT_LARGER;
    cc->score = vni_seg_score(s, s->lab[VN_SEGMENT_LARGER]);
    return cc->score > 0 ? nc + 1 : nc;
}

/* Solve the candidates at working resolution: the object with full GrabCut iterations, then
 * the part from its colour models and the larger from a box around it. Returns their count. */
static int solve_candidates(VnSegmenter *s, const VniSegPrompts *p, Cand *c)
{
    /* every kind is solved whatever settings.candidates: the best must not depend on how many
     * are returned */
    const int n = s->f.w * s->f.h, multi = p->n_pos > 0 && !p->has_mask;
    VniSegCut cut = {VN_SEGMENT_OBJECT, object_box(s, p), 1, s->s.iterations, 1, 0, 0};
    int nc = 1, ret;
    memset(c, 0, 3 * sizeof(*c));
    initial_labels(s, p, s->lab[VN_SEGMENT_PART]);
    c[0].kind = VN_SEGMENT_OBJECT;
    ret = vni_seg_solve(s, p, &cut, &c[0].fg, &c[0].bg, s->lab[VN_SEGMENT_PART], s->lab[VN_SEGMENT_OBJECT]);
    if (ret < 0)
        return ret;
    c[0].score = vni_seg_score(s, s->lab[VN_SEGMENT_OBJECT]);
    for (int k = 1; multi && k < 3; k++) {
        Cand *cc = &c[nc];
        if (k == 2 && p->n_pos + p->n_neg > 1)
            break; /* as SAM: the whole-object alternative only for the ambiguous single click */
        cc->kind = k == 1 ? VN_SEGMENT_PART : VN_SEGMENT_LARGER;
        ret = k == 1 ? solve_part(s, p, cc, &c[0]) : solve_larger(s, p, cc);
        if (ret < 0)
            return ret;
        cc->score = vni_seg_score(s, s->lab[cc->kind]);
        int dup = cc->score <= 0;
        for (int j = 0; j < nc; j++)
            if (iou(s->lab[c[j].kind], s->lab[cc->kind], n) > 0.92)
                dup = 1;
        if (!dup)
            nc++;
    }
    if (p->cont)
        return solve_continued(s, p, c, nc);
    return nc;
}

/* Whether the larger candidate `l` should lead over the object `o`: it holds most of the
 * object (LEAD_HOLDS_ONE after one point, else LEAD_HOLDS), stays compact (under 40% of the
 * frame) and its boundary contrasts nearly as well as the object's; a logo or a word of
 * several parts is then taken whole from one click. */
static int larger_leads(const VnSegmenter *s, const Cand *l, const Cand *o, int n_points)
{
    const double holds = n_points == 1 ? LEAD_HOLDS_ONE : LEAD_HOLDS;
    const uint8_t *a = s->lab[l->kind], *b = s->lab[o->kind];
    const int n = s->f.w * s->f.h;
    int64_t ob = 0, in = 0, la = 0;
    for (int i = 0; i < n; i++) {
        ob += b[i];
        in += a[i] && b[i];
        la += a[i];
    }
    /* an object of a few pixels is a detail of something larger: the larger one leads more
     * readily */
    const float ratio = ob < n / 100 ? 0.75f : 0.93f;
    return ob > 0 && in >= holds * (double)ob && la <= 0.4 * n && l->score >= ratio * o->score;
}

/* Best first by score. The larger candidate leads when it holds the object and qualifies as a
 * whole (larger_leads): after one click, a logo or a word of several parts is taken whole.
 * With more than one point the prompts are no longer ambiguous (as in SAM, several clicks ask
 * for one object): the object candidate leads, unless the last run's whole answer, corrected
 * by the new clicks (the larger candidate then), still qualifies or contrasts nearly as well
 * (for a logo with a caption, CONTINUE_RATIO: a click that mends it must not fall back to
 * one part of it). Returns whether a whole answer leads, for later clicks to
 * keep correcting. */
static int rank(const VnSegmenter *s, Cand *c, int nc, int n_points)
{
    /* a captioned logo that a later click mends stays whole unless the object contrasts
       clearly better (the caption is not in the working-scale score); for other objects,
       several clicks ask for the object */
    const float ratio = s->captioned ? CONTINUE_RATIO : 1.0f;
    int lead = -1, obj = -1, lg = -1, whole = 0;
    for (int i = 1; i < nc; i++)
        for (int j = i; j > 0 && c[j].score > c[j - 1].score; j--) {
            Cand t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
    for (int i = 0; i < nc; i++) {
        obj = c[i].kind == VN_SEGMENT_OBJECT ? i : obj;
        lg = c[i].kind == VN_SEGMENT_LARGER ? i : lg;
    }
    if (lg >= 0 && obj >= 0)
        whole = larger_leads(s, &c[lg], &c[obj], n_points) ||
                (n_points > 1 && c[lg].score >= ratio * c[obj].score);
    if (whole)
        lead = lg;
    else if (n_points > 1)
        lead = obj;
    if (lead > 0) {
        Cand t = c[lead];
        memmove(c + 1, c, sizeof(*c) * (size_t)lead);
        c[0] = t;
    }
    return whole;
}

/* The full-resolution steps of a candidate's mask. A logo of flat colours: the background
 * seen between its parts leaves the larger candidate (prune.c), and its outline joins (rim.c);
 * the larger candidate of a single click is cut along the straight sides of a plate that it
 * spills across (straight.c) or grows to the plate it lies on (plate.c), loses the textured
 * pieces apart from the object (pieces.c) and may carry a caption (caption.c). Returns 1 if a caption was added, 0 if
 * not, or an error. */
static int finish_mask(VnSegmenter *s, int kind, int single, VnImage *mask)
{
    const int larger = kind == VN_SEGMENT_LARGER;
    int flat, ret = 0;
    if (kind == VN_SEGMENT_PART)
        return 0;
    if ((flat = vni_seg_prune(s, mask, !larger ? VNI_PRUNE_NONE : single ? VNI_PRUNE_SURROUND : VNI_PRUNE_CUT)) < 0)
        return flat;
    if (larger && single) {
        if ((ret = vni_seg_cut_straight(s, mask)) < 0)
            return ret;
        if ((ret = vni_seg_grow_plate(s, mask)) < 0 || (ret = vni_seg_drop_textured(s, mask)) < 0)
            return ret;
    }
    if (larger && (ret = vni_seg_caption(s, mask)) < 0)
        return ret;
    if (flat) {
        int r = vni_seg_rim(s, mask);
        if (r < 0)
            return r;
    }
    return ret;
}

int vn_segmenter_run(VnSegmenter *s, const VnPrompt *prompts, int n, const VnImage *refine,
                     VnSegmentResult *out)
{
    VniSegPrompts p = {0};
    Cand c[3];
    int ret, nc, whole, single, local;
    if (!s || !out)
        return -EINVAL;
    memset(out, 0, sizeof(*out));
    if ((ret = check_prompts(s, prompts, n, refine)) < 0)
        return ret;
    p.pos = vni_malloc_array((size_t)n + 1, sizeof(int));
    p.neg = vni_malloc_array((size_t)n + 1, sizeof(int));
    if (!p.pos || !p.neg) {
        ret = vni_error(s->ctx, -ENOMEM, "segment: out of memory");
        goto fail;
    }
    p.full = prompts;
    p.n_full = n;
    p.has_mask = refine != NULL;
    place_prompts(s, &p, prompts, n);
    vni_geodesic(&s->f, p.pos, p.n_pos, GEO_GAMMA / s->f.mean_diff, 0.0f, INFINITY, s->df, s->par, s->heap);
    vni_geodesic(&s->f, p.neg, p.n_neg, GEO_GAMMA / s->f.mean_diff, 0.0f, INFINITY, s->db, s->parb, s->heap);
    hold_click_disks(s, &p);
    vni_seg_first_sample(s, &p, s->sample);
    if (refine && (ret = mask_prior(s, refine)) < 0)
        goto fail;
    if ((p.cont = continues(s, prompts, n, refine)) != 0)
        keep_prior(s);
    if ((nc = ret = solve_candidates(s, &p, c)) < 0)
        goto fail;
    whole = rank(s, c, nc, p.n_pos + p.n_neg);
    single = p.n_pos == 1 && p.n_neg == 0 && !p.has_box && !refine && !p.cont;
    local = follows(s, prompts, n, refine);
    if (nc > 0 && (ret = remember(s, prompts, n, whole)) < 0)
        goto fail;
    nc = VNI_MIN(nc, s->s.candidates);
    for (int k = 0; k < nc; k++) {
        VnSegmentCandidate *oc = &out->c[k];
        if ((ret = vn_image_alloc(&oc->mask, s->frame->width, s->frame->height, 1, VN_U8)) < 0 ||
            (ret = vni_seg_refine_band(s, &p, s->lab[c[k].kind], &c[k].fg, &c[k].bg, oc->mask)) < 0 ||
            (ret = finish_mask(s, c[k].kind, single, oc->mask)) < 0)
            goto fail;
        if (k == 0) {
            s->captioned = whole && c[k].kind == VN_SEGMENT_LARGER && ret == 1;
            if (whole)
                keep_answer(s, oc->mask);
            if ((local && (ret = vni_seg_localise(s, &prompts[n - 1], oc->mask)) < 0) ||
                (ret = keep_best(s, oc->mask)) < 0)
                goto fail;
        }
        oc->score = c[k].score;
        oc->kind = c[k].kind;
        out->n = k + 1;
    }
    ret = nc;
fail:
    vni_free(p.pos);
    vni_free(p.neg);
    if (ret < 0) {
        vn_segment_result_free(out);
        if (!*vn_last_error(s->ctx))
            vni_error(s->ctx, ret, "segment: %s", vn_strerror(ret));
    }
    return ret;
}
