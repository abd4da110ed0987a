/* One run of the segmenter: prompts to working-resolution constraints and priors, the three
 * candidates, their scores and ranking, and the full-resolution masks. */
#include "segment/session.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/resample.h"

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
        int i = to_working(q->y0, s->sy, h) * w + to_working(q->x0, s->sx, w);
        if (q->type == VN_PROMPT_POSITIVE) {
            p->pos[p->n_pos++] = i;
            s->hard[i] = 1;
        } else {
            p->neg[p->n_neg++] = i;
            s->hard[i] = 2;
        }
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

/* Labels the colour models start from. */
static void initial_labels(VnSegmenter *s, const VniSegPrompts *p, uint8_t *init)
{
    const int w = s->f.w, n = w * s->f.h;
    const float r0 = vni_seg_radius(s, VN_SEGMENT_PART);
    for (int i = 0; i < n; i++) {
        int x = i % w, y = i / w, v;
        if (p->has_mask)
            v = s->mprior[i] >= 0.5f;
        else if (p->n_pos)
            v = s->df[i] < r0;
        else
            v = 1;
        if (p->has_box && (x < p->bx0 || x > p->bx1 || y < p->by0 || y > p->by1))
            v = 0;
        init[i] = (uint8_t)(s->hard[i] ? s->hard[i] == 1 : v);
    }
}

/* Confidence of a labelling: mean contrast (1 - exp(-beta ‖ΔI‖²)) across its boundary. */
static float score_labels(const VnSegmenter *s, const uint8_t *lab)
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

/* Solve the candidates at working resolution: the object with full GrabCut iterations, then
 * part and larger from its colour models with their own prior scale. Returns their count. */
static int solve_candidates(VnSegmenter *s, const VniSegPrompts *p, Cand *c)
{
    const int n = s->f.w * s->f.h, multi = p->n_pos > 0 && !p->has_mask;
    const int kinds[3] = {VN_SEGMENT_OBJECT, VN_SEGMENT_PART, VN_SEGMENT_LARGER};
    int nc = 0, ret;
    memset(c, 0, 3 * sizeof(*c));
    initial_labels(s, p, s->lab[VN_SEGMENT_PART]);
    for (int k = 0; k < (multi ? 3 : 1); k++) {
        Cand *cc = &c[nc];
        cc->kind = kinds[k];
        if (k > 0) {
            cc->fg = c[0].fg;
            cc->bg = c[0].bg;
        }
        const uint8_t *init = k == 0 ? s->lab[VN_SEGMENT_PART] : s->lab[VN_SEGMENT_OBJECT];
        ret = vni_seg_solve(s, p, cc->kind, &cc->fg, &cc->bg, k == 0 ? s->s.iterations : 1, init);
        if (ret < 0)
            return ret;
        cc->score = score_labels(s, s->lab[cc->kind]);
        int dup = 0;
        for (int j = 0; j < nc; j++)
            if (iou(s->lab[c[j].kind], s->lab[cc->kind], n) > 0.92)
                dup = 1;
        if (!dup)
            nc++;
    }
    return nc;
}

/* Best first by score. With more than one point the prompts are no longer ambiguous (as in
 * SAM, several clicks ask for one object): the object candidate leads. */
static void rank(Cand *c, int nc, int n_points)
{
    for (int i = 1; i < nc; i++)
        for (int j = i; j > 0 && c[j].score > c[j - 1].score; j--) {
            Cand t = c[j];
            c[j] = c[j - 1];
            c[j - 1] = t;
        }
    for (int i = 1; n_points > 1 && i < nc; i++)
        if (c[i].kind == VN_SEGMENT_OBJECT) {
            Cand t = c[i];
            memmove(c + 1, c, sizeof(*c) * (size_t)i);
            c[0] = t;
        }
}

int vn_segmenter_run(VnSegmenter *s, const VnPrompt *prompts, int n, const VnImage *refine,
                     VnSegmentResult *out)
{
    const int np = s ? s->f.w * s->f.h : 0;
    VniSegPrompts p = {0};
    Cand c[3];
    int ret, nc;
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
    vni_geodesic(&s->f, p.pos, p.n_pos, GEO_GAMMA / s->f.mean_diff, NULL, s->df, s->par, s->heap);
    vni_geodesic(&s->f, p.neg, p.n_neg, GEO_GAMMA / s->f.mean_diff, NULL, s->db, s->parb, s->heap);
    if (refine && (ret = mask_prior(s, refine)) < 0)
        goto fail;
    if ((nc = ret = solve_candidates(s, &p, c)) < 0)
        goto fail;
    rank(c, nc, p.n_pos + p.n_neg);
    nc = VNI_MIN(nc, s->s.candidates);
    for (int k = 0; k < nc; k++) {
        VnSegmentCandidate *oc = &out->c[k];
        if ((ret = vn_image_alloc(&oc->mask, s->frame->width, s->frame->height, 1, VN_U8)) < 0 ||
            (ret = vni_seg_refine_band(s, &p, s->lab[c[k].kind], &c[k].fg, &c[k].bg, oc->mask)) < 0)
            goto fail;
        oc->score = c[k].score;
        oc->kind = c[k].kind;
        out->n = k + 1;
    }
    (void)np;
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
