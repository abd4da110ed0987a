/* The working-resolution graph cut of one candidate: GrabCut iterations of colour-model fits and
 * min-cuts, with the geodesic prior and star-convexity constraint of the clicks, on the pixels of
 * a box (the rest of the frame is background). */
#include "segment/session.h"

#include <math.h>
#include <string.h>

/* Added to colour variances: keeps models fitted to few pixels from overfitting. */
#define VAR_FLOOR 30.0

/* Grouping: the share of background samples that may cost more than the outlier level, and the
 * margin (in nats) above it at which a colour may join the object. */
#define OUTLIER_FRACTION 0.02
#define OUTLIER_MARGIN 1.0f

/* Radius of the geodesic prior for part / object / larger, as a fraction of the working
 * diagonal (in geodesic units: pixels on flat colour). */
static const float scale_radius[3] = {0.05f, 0.15f, 0.45f};

float vni_seg_radius(const VnSegmenter *s, int kind)
{
    return scale_radius[kind] * sqrtf((float)s->f.w * s->f.w + (float)s->f.h * s->f.h);
}

static int in_box(const VniSegBox *b, int x, int y)
{
    return x >= b->x0 && x <= b->x1 && y >= b->y0 && y <= b->y1;
}

/* The colours around each click always belong to its model, whatever the last cut said, so
 * that a negative click on a region of the object's colours makes those colours ambiguous and
 * lets the geodesic prior decide there. Seeds weigh a quarter of each model. */
static void add_seed_samples(const VnSegmenter *s, const VniSegPrompts *p, float *wf, float *wb)
{
    const VniSegFeatures *f = &s->f;
    const float r = vni_seg_radius(s, VN_SEGMENT_PART) * 0.5f;
    const int n = f->w * f->h;
    for (int side = 0; side < 2; side++) {
        const float *d = side ? s->db : s->df;
        float *w = side ? wb : wf;
        int64_t cnt = 0, mass = 0;
        if (!(side ? p->n_neg : p->n_pos))
            continue;
        for (int i = 0; i < n; i++)
            cnt += d[i] < r && (side || s->sample[i]);
        for (int b = 0; b < f->n_bins; b++)
            mass += (int64_t)w[b];
        float boost = VNI_MAX(1.0f, 0.25f * (float)mass / (float)VNI_MAX(cnt, 1));
        for (int i = 0; i < n; i++)
            if (d[i] < r && (side || s->sample[i]))
                w[f->bin[i]] += boost;
    }
}

/* Fit both colour models, on the colour clusters: inside the cut's box the labels say which
 * model a pixel feeds; outside it every pixel is background. With `box_init` the object model
 * is fitted to the whole box, as GrabCut starts from a box. */
static void fit_models(VnSegmenter *s, const VniSegPrompts *p, const VniSegCut *c, const uint8_t *lab,
                       int first, VniGmm *fg, VniGmm *bg)
{
    const VniSegFeatures *f = &s->f;
    float *wf = s->bw, *wb = s->bw + f->n_bins;
    memset(s->bw, 0, sizeof(float) * 2 * (size_t)f->n_bins);
    const VniSegBox *b = &c->box;
    const int m = VNI_MAX(b->x1 - b->x0, b->y1 - b->y0) / 2 + 8;
    const VniSegBox near = {b->x0 - m, b->y0 - m, b->x1 + m, b->y1 + m};
    for (int y = 0; y < f->h; y++)
        for (int x = 0; x < f->w; x++) {
            int i = y * f->w + x, inside = in_box(b, x, y);
            int obj = inside && ((first && c->box_init) || lab[i]);
            float wt = 1.0f;
            /* grouping: the background is the band around the box, and at first only that
             * (inside the box may lie parts not found yet) */
            if (c->local && !obj && (inside ? first : !in_box(&near, x, y)))
                wt = 0.0f;
            (obj ? wf : wb)[f->bin[i]] += wt;
        }
    add_seed_samples(s, p, wf, wb);
    vni_gmm_fit(fg, s->s.components, f->bin_col, wf, f->n_bins, VAR_FLOOR, s->blab);
    vni_gmm_fit(bg, s->s.components, f->bin_col, wb, f->n_bins, VAR_FLOOR, s->blab);
}

/* The background cost that all but OUTLIER_FRACTION of the background samples (weights wb per
 * cluster) stay under. */
static float outlier_cost(const VnSegmenter *s, const float *wb)
{
    const VniSegFeatures *f = &s->f;
    double total = 0, acc = 0;
    float lo = INFINITY, hi = -INFINITY;
    for (int b = 0; b < f->n_bins; b++)
        if (wb[b] > 0) {
            total += wb[b];
            lo = fminf(lo, s->ubg[b]);
            hi = fmaxf(hi, s->ubg[b]);
        }
    if (total <= 0)
        return INFINITY;
    /* bisection on the cost: no sort, no scratch */
    for (int it = 0; it < 30; it++) {
        float mid = 0.5f * (lo + hi);
        acc = 0;
        for (int b = 0; b < f->n_bins; b++)
            if (wb[b] > 0 && s->ubg[b] > mid)
                acc += wb[b];
        if (acc > OUTLIER_FRACTION * total)
            lo = mid;
        else
            hi = mid;
    }
    return hi;
}

/* Per-cluster data costs of both models. With `outlier` (grouping), a colour costs the object
 * no more than the outlier level plus a margin: what the surroundings do not explain stands out
 * from them. */
static void model_costs(VnSegmenter *s, const VniGmm *fg, const VniGmm *bg, int outlier)
{
    const VniSegFeatures *f = &s->f;
    for (int b = 0; b < f->n_bins; b++) {
        s->ufg[b] = (float)vni_gmm_cost(fg, f->bin_col + 3 * b);
        s->ubg[b] = (float)vni_gmm_cost(bg, f->bin_col + 3 * b);
    }
    if (!outlier)
        return;
    const float t = outlier_cost(s, s->bw + f->n_bins) + OUTLIER_MARGIN;
    for (int b = 0; b < f->n_bins; b++)
        s->ufg[b] = fminf(s->ufg[b], t);
}

/* The click prior at p: extra cost of the object label (negative: of the background label). */
static float click_prior(const VnSegmenter *s, const VniSegPrompts *p, int i, float R)
{
    float df, db, t;
    if (!p->n_pos && !p->n_neg)
        return 0;
    df = p->n_pos ? s->df[i] : R;
    db = p->n_neg ? fminf(s->db[i], R) : R;
    t = s->s.prior * (fminf(df, 4 * R) - db) / R;
    if (p->has_mask)
        t *= 1.0f - s->att[i];
    return t;
}

/* Data term of pixel i (working index) as (cost of object, cost of background). */
static void unary(const VnSegmenter *s, const VniSegPrompts *p, const VniSegCut *c, int i, float R,
                  float *pcf, float *pcb)
{
    const int b = s->f.bin[i];
    float cf = s->ufg[b], cb = s->ubg[b];
    if (c->prior) {
        float t = click_prior(s, p, i, R);
        if (t > 0)
            cf += t;
        else
            cb -= t;
    }
    if (p->has_mask) {
        const float mw = 4.0f;
        cf += mw * s->att[i] * (1.0f - s->mprior[i]);
        cb += mw * s->att[i] * s->mprior[i];
    }
    if (s->hard[i] == 1)
        cb = VNI_SEG_HARD;
    else if (s->hard[i] == 2)
        cf = VNI_SEG_HARD;
    *pcf = cf;
    *pcb = cb;
}

/* The graph of the box, built node by node so that the arcs of neighbouring nodes lie close in
 * memory: data terms, contrast-sensitive Potts terms on the 8-connected grid (edges to pixels
 * outside the box, which are background, become data terms), and the star-convexity constraint
 * (an object pixel's parent in the geodesic forest is object) merged into the grid edges. */
static void build_graph(VnSegmenter *s, const VniSegPrompts *p, const VniSegCut *c, float R)
{
    static const int dx[8] = {1, 0, 1, -1, -1, 0, -1, 1}, dy[8] = {0, 1, 1, 1, 0, -1, -1, -1};
    const VniSegFeatures *f = &s->f;
    const VniSegBox *b = &c->box;
    const int bw = b->x1 - b->x0 + 1, star = c->prior && p->n_pos && s->s.star && !p->has_mask;
    const float lambda = s->s.smoothness, beta = (float)f->beta;
    for (int y = b->y0; y <= b->y1; y++)
        for (int x = b->x0; x <= b->x1; x++) {
            const int i = y * f->w + x, u = (y - b->y0) * bw + (x - b->x0);
            float cf, cb;
            unary(s, p, c, i, R, &cf, &cb);
            for (int d = 0; d < 8; d++) {
                int qx = x + dx[d], qy = y + dy[d];
                if (qx < 0 || qy < 0 || qx >= f->w || qy >= f->h)
                    continue;
                int q = qy * f->w + qx;
                float v = d < 4 ? f->diff[d][i] : vni_seg_diff(f, i, dx[d], dy[d]);
                float wgt = lambda * (d & 2 ? 0.70710678f : 1.0f) * expf(-beta * v * v);
                if (!in_box(b, qx, qy)) {
                    cf += wgt; /* the neighbour is background */
                    if (star && s->par[i] == q)
                        cf += VNI_SEG_HARD;
                } else if (d < 4) {
                    float a = wgt, r = wgt;
                    if (star && s->par[i] == q)
                        a += VNI_SEG_HARD;
                    if (star && s->par[q] == i)
                        r += VNI_SEG_HARD;
                    vni_maxflow_add_edge(s->g, u, (qy - b->y0) * bw + (qx - b->x0), a, r);
                }
            }
            float m = fminf(cf, cb);
            vni_maxflow_add_tweights(s->g, u, cb - m, cf - m);
        }
}

/* Shift the terminal capacities of the solved graph from the colour costs it was built with
 * (their per-cluster difference `old`) to the current ones; pixels with a hard
 * label keep theirs. */
static void update_unaries(VnSegmenter *s, const VniSegCut *c, const float *old)
{
    const VniSegFeatures *f = &s->f;
    const VniSegBox *b = &c->box;
    const int bw = b->x1 - b->x0 + 1;
    for (int k = 0; k < f->n_bins; k++)
        s->bw[k] = (s->ubg[k] - s->ufg[k]) - old[k];
    for (int y = b->y0; y <= b->y1; y++)
        for (int x = b->x0; x <= b->x1; x++) {
            const int i = y * f->w + x;
            if (!s->hard[i])
                vni_maxflow_add_tdelta(s->g, (y - b->y0) * bw + (x - b->x0), s->bw[f->bin[i]]);
        }
}

int vni_seg_solve(VnSegmenter *s, const VniSegPrompts *p, const VniSegCut *c, VniGmm *fg, VniGmm *bg,
                  const uint8_t *init, uint8_t *lab)
{
    const VniSegFeatures *f = &s->f;
    const VniSegBox *b = &c->box;
    const int n = f->w * f->h, bw = b->x1 - b->x0 + 1, nodes = bw * (b->y1 - b->y0 + 1);
    const float R = vni_seg_radius(s, c->kind);
    if (init != lab)
        memcpy(lab, init, (size_t)n);
    for (int it = 0; it < c->iterations; it++) {
        if (it > 0 || c->refit)
            fit_models(s, p, c, lab, it == 0, fg, bg);
        if (it == 0) {
            model_costs(s, fg, bg, c->local);
            vni_maxflow_reset(s->g, nodes);
            build_graph(s, p, c, R);
        } else {
            /* same graph, new colour costs: reuse the flow of the last solve */
            for (int k = 0; k < f->n_bins; k++)
                s->udiff[k] = s->ubg[k] - s->ufg[k];
            model_costs(s, fg, bg, c->local);
            update_unaries(s, c, s->udiff);
        }
        vni_maxflow_solve(s->g);
        memset(lab, 0, (size_t)n);
        for (int y = b->y0; y <= b->y1; y++)
            for (int x = b->x0; x <= b->x1; x++)
                lab[y * f->w + x] = (uint8_t)vni_maxflow_source_side(s->g, (y - b->y0) * bw + x - b->x0);
        int ret = vni_progress(s->ctx, "segment", (it + 1.0) / c->iterations);
        if (ret < 0)
            return ret;
    }
    return 0;
}
