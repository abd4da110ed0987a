/* The working-resolution graph cut of one candidate: GrabCut iterations of colour-model fits and
 * min-cuts, with the geodesic prior and star-convexity constraint of the clicks. */
#include "segment/session.h"

#include <math.h>
#include <string.h>

/* Radius of the geodesic prior for part / object / larger, as a fraction of the working
 * diagonal (in geodesic units: pixels on flat colour). */
/* Added to colour variances: keeps models fitted to few pixels from overfitting. */
#define VAR_FLOOR 30.0

static const float scale_radius[3] = {0.05f, 0.15f, 0.45f};

float vni_seg_radius(const VnSegmenter *s, int kind)
{
    return scale_radius[kind] * sqrtf((float)s->f.w * s->f.w + (float)s->f.h * s->f.h);
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
            cnt += d[i] < r;
        for (int b = 0; b < f->n_bins; b++)
            mass += (int64_t)w[b];
        float boost = VNI_MAX(1.0f, 0.25f * (float)mass / (float)VNI_MAX(cnt, 1));
        for (int i = 0; i < n; i++)
            if (d[i] < r)
                w[f->bin[i]] += boost;
    }
}

/* Fit both colour models to the current labels, on the colour clusters. */
static void fit_models(VnSegmenter *s, const VniSegPrompts *p, const uint8_t *lab, VniGmm *fg, VniGmm *bg)
{
    const VniSegFeatures *f = &s->f;
    float *wf = s->bw, *wb = s->bw + f->n_bins;
    memset(s->bw, 0, sizeof(float) * 2 * (size_t)f->n_bins);
    for (int i = 0; i < f->w * f->h; i++)
        (lab[i] ? wf : wb)[f->bin[i]] += 1.0f;
    add_seed_samples(s, p, wf, wb);
    vni_gmm_fit(fg, s->s.components, f->bin_col, wf, f->n_bins, VAR_FLOOR, s->blab);
    vni_gmm_fit(bg, s->s.components, f->bin_col, wb, f->n_bins, VAR_FLOOR, s->blab);
    for (int b = 0; b < f->n_bins; b++) {
        s->ufg[b] = (float)vni_gmm_cost(fg, f->bin_col + 3 * b);
        s->ubg[b] = (float)vni_gmm_cost(bg, f->bin_col + 3 * b);
    }
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

/* Data terms of every pixel. */
static void add_unaries(VnSegmenter *s, const VniSegPrompts *p, float R)
{
    const VniSegFeatures *f = &s->f;
    const float mw = 4.0f;
    for (int i = 0; i < f->w * f->h; i++) {
        float cf = s->ufg[f->bin[i]], cb = s->ubg[f->bin[i]], t = click_prior(s, p, i, R);
        if (t > 0)
            cf += t;
        else
            cb -= t;
        if (p->has_mask) {
            cf += mw * s->att[i] * (1.0f - s->mprior[i]);
            cb += mw * s->att[i] * s->mprior[i];
        }
        if (s->hard[i] == 1)
            cb = VNI_SEG_HARD;
        else if (s->hard[i] == 2)
            cf = VNI_SEG_HARD;
        float m = fminf(cf, cb);
        vni_maxflow_add_tweights(s->g, i, cb - m, cf - m);
    }
}

/* Contrast-sensitive Potts terms on the 8-connected grid and the star-convexity edges. */
static void add_pairwise(VnSegmenter *s, const VniSegPrompts *p)
{
    static const int dx[4] = {1, 0, 1, -1}, dy[4] = {0, 1, 1, 1};
    const VniSegFeatures *f = &s->f;
    const float lambda = s->s.smoothness, beta = (float)f->beta;
    for (int d = 0; d < 4; d++) {
        const float inv_len = d < 2 ? 1.0f : 0.70710678f;
        for (int y = 0; y < f->h - dy[d]; y++)
            for (int x = d == 3 ? 1 : 0; x < f->w - (d == 0 || d == 2); x++) {
                int i = y * f->w + x;
                float v = f->diff[d][i], wgt = lambda * inv_len * expf(-beta * v * v);
                vni_maxflow_add_edge(s->g, i, (y + dy[d]) * f->w + x + dx[d], wgt, wgt);
            }
    }
    if (p->n_pos && s->s.star && !p->has_mask)
        for (int i = 0; i < f->w * f->h; i++)
            if (s->par[i] >= 0)
                vni_maxflow_add_edge(s->g, i, s->par[i], VNI_SEG_HARD, 0);
}

int vni_seg_solve(VnSegmenter *s, const VniSegPrompts *p, int kind, VniGmm *fg, VniGmm *bg,
                  int iterations, const uint8_t *init)
{
    const VniSegFeatures *f = &s->f;
    const int n = f->w * f->h;
    const float R = vni_seg_radius(s, kind);
    uint8_t *lab = s->lab[kind];
    if (init != lab)
        memcpy(lab, init, (size_t)n);
    for (int it = 0; it < iterations; it++) {
        fit_models(s, p, lab, fg, bg);
        vni_maxflow_reset(s->g, n);
        add_unaries(s, p, R);
        add_pairwise(s, p);
        vni_maxflow_solve(s->g);
        for (int i = 0; i < n; i++)
            lab[i] = (uint8_t)vni_maxflow_source_side(s->g, i);
        int ret = vni_progress(s->ctx, "segment", (it + 1.0) / iterations);
        if (ret < 0)
            return ret;
    }
    return 0;
}
