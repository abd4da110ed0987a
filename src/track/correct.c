/*
 * Correction of a carried mask by a graph cut in a band around its boundary, after Video
 * SnapCut (Bai et al., SIGGRAPH 2009): each pixel's object probability mixes the carried label
 * and the colour models' posterior, with the carried label trusted more the farther the pixel is
 * from the carried boundary, over a width that grows with how well the colours separate object
 * and background there (the shape confidence of SnapCut, here over the whole band); a
 * contrast-sensitive Potts term joins neighbours. Solved by Boykov–Kolmogorov max-flow.
 */
#include "track/tracker.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define EPS_P 1e-4f
#define F_CUT 0.75f

typedef struct Band {
    VniRect r;
    int w, h, n;        /* roi size, band pixels */
    float *d;           /* signed distance over the roi */
    int *idx;           /* node of each roi pixel, -1 outside the band */
    float *pc;          /* colour posterior of each node */
    float *col;         /* colour of each node */
} Band;

static void band_free(Band *b)
{
    vni_free(b->d);
    vni_free(b->idx);
    vni_free(b->pc);
    vni_free(b->col);
}

/* The roi around the carried mask, its distances and the band's nodes. */
static int band_init(Band *b, const VnImage *rgb, const VnImage *warped, int R, const VniColourModel *lt,
                     const VniColourModel *st)
{
    int64_t area = 0;
    VniRect r = {warped->width, warped->height, -1, -1};
    for (int y = 0; y < warped->height; y++) {
        const uint8_t *row = vn_image_row(warped, y);
        for (int x = 0; x < warped->width; x++)
            if (row[x]) {
                area++;
                r.x0 = VNI_MIN(r.x0, x), r.x1 = VNI_MAX(r.x1, x), r.y0 = VNI_MIN(r.y0, y), r.y1 = VNI_MAX(r.y1, y);
            }
    }
    if (!area)
        return 0;
    r.x0 = VNI_MAX(0, r.x0 - R - 1), r.y0 = VNI_MAX(0, r.y0 - R - 1);
    r.x1 = VNI_MIN(warped->width, r.x1 + R + 2), r.y1 = VNI_MIN(warped->height, r.y1 + R + 2);
    b->r = r, b->w = r.x1 - r.x0, b->h = r.y1 - r.y0;
    size_t n = (size_t)b->w * b->h;
    b->d = vni_malloc_array(n, sizeof(float));
    b->idx = vni_malloc_array(n, sizeof(int));
    if (!b->d || !b->idx)
        return -ENOMEM;
    vni_signed_distance(warped, r, (float)R + 2, b->d);
    b->n = 0;
    for (size_t i = 0; i < n; i++)
        b->idx[i] = fabsf(b->d[i]) <= (float)R ? b->n++ : -1;
    b->pc = vni_malloc_array((size_t)VNI_MAX(b->n, 1), sizeof(float));
    b->col = vni_malloc_array((size_t)VNI_MAX(b->n, 1) * 3, sizeof(float));
    if (!b->pc || !b->col)
        return -ENOMEM;
    for (int y = 0; y < b->h; y++) {
        const uint8_t *c = vn_image_row(rgb, r.y0 + y) + 3 * r.x0;
        for (int x = 0; x < b->w; x++) {
            int k = b->idx[y * b->w + x];
            if (k < 0)
                continue;
            float *o = b->col + 3 * k;
            o[0] = c[3 * x], o[1] = c[3 * x + 1], o[2] = c[3 * x + 2];
            b->pc[k] = lt->valid ? vni_colour_posterior(lt, st, o) : (b->d[y * b->w + x] > 0);
        }
    }
    return 1;
}

/* SnapCut's shape width: the colour confidence over the band (agreement of the colour
 * posterior with the carried labels, weighted towards the boundary) widens the region where
 * colour decides. */
static float shape_width(const Band *b, float smin, float smax)
{
    double num = 0, den = 0;
    const float sc = fmaxf(1.0f, smax * 0.5f);
    for (int i = 0; i < b->w * b->h; i++) {
        int k = b->idx[i];
        if (k < 0)
            continue;
        float wgt = expf(-b->d[i] * b->d[i] / (sc * sc));
        num += wgt * fabsf((b->d[i] > 0) - b->pc[k]);
        den += wgt;
    }
    float fc = den > 0 ? 1.0f - (float)(num / den) : 0;
    if (fc <= F_CUT)
        return smin;
    float t = (fc - F_CUT) / (1.0f - F_CUT);
    return smin + (smax - smin) * t * t;
}

/* beta = 1 / (2 <|dI|^2>) over east neighbours in the band. */
static float contrast_beta(const Band *b)
{
    double s = 0;
    int64_t n = 0;
    for (int y = 0; y < b->h; y++)
        for (int x = 0; x + 1 < b->w; x++) {
            int k = b->idx[y * b->w + x], l = b->idx[y * b->w + x + 1];
            if (k < 0 || l < 0)
                continue;
            for (int c = 0; c < 3; c++) {
                float t = b->col[3 * k + c] - b->col[3 * l + c];
                s += t * t;
            }
            n++;
        }
    return n && s > 0 ? (float)(n / (2.0 * s)) : 0.0f;
}

/* Data terms of the band's nodes. */
static void add_unaries(VniMaxflow *g, const Band *b, float sigma)
{
    for (int i = 0; i < b->w * b->h; i++) {
        int k = b->idx[i];
        if (k < 0)
            continue;
        float d = b->d[i], fs = 1.0f - expf(-d * d / (sigma * sigma));
        float p = fs * (d > 0) + (1.0f - fs) * b->pc[k];
        p = VNI_CLAMP(p, EPS_P, 1.0f - EPS_P);
        float cf = -logf(p), cb = -logf(1.0f - p), m = fminf(cf, cb);
        vni_maxflow_add_tweights(g, k, cb - m, cf - m);
    }
}

/* Potts terms: between band nodes as edges, towards fixed pixels as data terms. */
static int add_pairwise(VniMaxflow *g, const Band *b, const VnImage *rgb, float lambda, float beta)
{
    static const int dx[8] = {1, 0, 1, -1, -1, 0, -1, 1}, dy[8] = {0, 1, 1, 1, 0, -1, -1, -1};
    for (int y = 0; y < b->h; y++)
        for (int x = 0; x < b->w; x++) {
            int k = b->idx[y * b->w + x];
            if (k < 0)
                continue;
            for (int d = 0; d < 8; d++) {
                int qx = x + dx[d], qy = y + dy[d];
                if (qx < 0 || qy < 0 || qx >= b->w || qy >= b->h)
                    continue;
                int q = qy * b->w + qx, l = b->idx[q];
                if (l >= 0 && d >= 4)
                    continue; /* each inner edge once */
                const uint8_t *cp = vn_image_row(rgb, b->r.y0 + y) + 3 * (b->r.x0 + x);
                const uint8_t *cq = vn_image_row(rgb, b->r.y0 + qy) + 3 * (b->r.x0 + qx);
                float s = 0;
                for (int c = 0; c < 3; c++)
                    s += (float)(cp[c] - cq[c]) * (float)(cp[c] - cq[c]);
                float wgt = lambda * expf(-beta * s) * (dx[d] && dy[d] ? 0.70710678f : 1.0f);
                if (l >= 0) {
                    if (vni_maxflow_add_edge(g, k, l, wgt, wgt) < 0)
                        return -ENOSPC;
                } else if (b->d[q] > 0) {
                    vni_maxflow_add_tweights(g, k, wgt, 0); /* fixed object: background costs */
                } else {
                    vni_maxflow_add_tweights(g, k, 0, wgt);
                }
            }
        }
    return 0;
}

/* Make sure the graph holds n nodes and 4n edges. */
static int graph_reserve(VniMaxflow **g, int64_t *cap, int n)
{
    if (*g && *cap >= n) {
        vni_maxflow_reset(*g, n);
        return 0;
    }
    vni_maxflow_free(g);
    int64_t c = VNI_MAX((int64_t)n + n / 2, 1024);
    if (c > INT32_MAX / 8)
        return -ENOMEM;
    *cap = 0;
    int ret = vni_maxflow_alloc(g, (int)c, 4 * c);
    if (ret < 0)
        return ret;
    *cap = c;
    vni_maxflow_reset(*g, n);
    return 0;
}

/* out = warped outside the band, the cut's labels inside. Returns the area. */
static int64_t write_out(const Band *b, const VnImage *warped, const VniMaxflow *g, VnImage *out)
{
    int64_t area = 0;
    for (int y = 0; y < out->height; y++)
        memcpy(vn_image_row(out, y), vn_image_row(warped, y), (size_t)out->width);
    for (int y = 0; y < b->h; y++) {
        uint8_t *o = vn_image_row(out, b->r.y0 + y) + b->r.x0;
        for (int x = 0; x < b->w; x++) {
            int k = b->idx[y * b->w + x];
            if (k >= 0)
                o[x] = vni_maxflow_source_side(g, k) ? 255 : 0;
        }
    }
    for (int y = 0; y < out->height; y++) {
        const uint8_t *o = vn_image_row(out, y);
        for (int x = 0; x < out->width; x++)
            area += o[x] != 0;
    }
    return area;
}

/* Fraction of the carried mask's pixels (sampled) whose colour the models give to the object. */
static float colour_support(const VnImage *rgb, const VnImage *warped, const VniColourModel *lt,
                            const VniColourModel *st)
{
    int64_t n = 0, yes = 0, area = 0;
    for (int y = 0; y < warped->height; y++) {
        const uint8_t *m = vn_image_row(warped, y);
        for (int x = 0; x < warped->width; x++)
            area += m[x] != 0;
    }
    int step = 1;
    while (area / ((int64_t)step * step) > 1500)
        step++;
    for (int y = 0; y < warped->height; y += step) {
        const uint8_t *m = vn_image_row(warped, y), *c = vn_image_row(rgb, y);
        for (int x = 0; x < warped->width; x += step)
            if (m[x]) {
                float col[3] = {c[3 * x], c[3 * x + 1], c[3 * x + 2]};
                yes += vni_colour_posterior(lt, st, col) > 0.5f;
                n++;
            }
    }
    return n ? (float)yes / (float)n : 0;
}

int64_t vni_cut_correct(const VnImage *rgb, const VnImage *warped, const VniColourModel *lt,
                        const VniColourModel *st, const VniCutParams *p, VniMaxflow **g,
                        int64_t *g_nodes, VnImage *out)
{
    Band b = {0};
    int64_t ret;
    VniCutParams q = *p;
    /* where the carried mask is mostly background-coloured the object is hidden or gone: the
     * colours decide over the whole carried region, without the shape prior */
    if (lt->valid && colour_support(rgb, warped, lt, st) < 0.25f) {
        q.band = VNI_MAX(warped->width, warped->height);
        q.shape = 0.5f;
    }
    p = &q;
    int got = band_init(&b, rgb, warped, p->band, lt, st);
    if (got <= 0) {
        for (int y = 0; y < out->height; y++)
            memset(vn_image_row(out, y), 0, (size_t)out->width);
        ret = got;
        goto done;
    }
    if ((ret = graph_reserve(g, g_nodes, b.n)) < 0)
        goto done;
    float sigma = shape_width(&b, p->shape, fmaxf(p->shape, (float)p->band));
    add_unaries(*g, &b, sigma);
    if ((ret = add_pairwise(*g, &b, rgb, p->smoothness, contrast_beta(&b))) < 0)
        goto done;
    vni_maxflow_solve(*g);
    ret = write_out(&b, warped, *g, out);
done:
    band_free(&b);
    return ret;
}
