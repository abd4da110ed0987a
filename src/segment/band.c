/* Full-resolution boundary refinement: the working-resolution labels are upsampled, and a graph
 * cut with the same colour models and a contrast-sensitive boundary term is solved again on a
 * narrow band of full-resolution pixels around the boundary; pixels outside the band keep the
 * upsampled label and act as fixed neighbours. */
#include "segment/session.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Full-resolution pixels [x0, x1] x [y0, y1] that the band refinement looks at. */
typedef struct Region {
    int x0, y0, x1, y1;
} Region;

/* The region: the working labels' bounding box at full resolution, with room for the band and
 * its neighbours; empty (x1 < x0) when no label is set. */
static Region label_region(const VnSegmenter *s, const uint8_t *lab, int r, int W, int H)
{
    int bx0 = s->f.w, by0 = s->f.h, bx1 = -1, by1 = -1;
    for (int y = 0; y < s->f.h; y++)
        for (int x = 0; x < s->f.w; x++)
            if (lab[y * s->f.w + x]) {
                bx0 = VNI_MIN(bx0, x);
                bx1 = VNI_MAX(bx1, x);
                by0 = VNI_MIN(by0, y);
                by1 = VNI_MAX(by1, y);
            }
    if (bx1 < 0)
        return (Region){0, 0, -1, -1};
    const int mx = (int)ceil(s->sx) + r + 3, my = (int)ceil(s->sy) + r + 3;
    return (Region){VNI_MAX((int)(bx0 * s->sx) - mx, 0), VNI_MAX((int)(by0 * s->sy) - my, 0),
                    VNI_MIN((int)((bx1 + 1) * s->sx) + mx, W - 1), VNI_MIN((int)((by1 + 1) * s->sy) + my, H - 1)};
}

/* Bilinear upsampling of 0/1 labels, thresholded at one half, into a 0/255 mask; only inside
 * the region, which holds every object pixel (0 elsewhere). */
static void upsample(const VnSegmenter *s, const uint8_t *lab, const Region *rg, VnImage *mask)
{
    const int w = s->f.w, h = s->f.h;
    for (int y = 0; y < mask->height; y++)
        memset(vn_image_row(mask, y), 0, (size_t)mask->width);
    for (int y = rg->y0; y <= rg->y1; y++) {
        float fy = VNI_CLAMP((float)((y + 0.5) / s->sy - 0.5), 0.0f, (float)(h - 1));
        int y0 = (int)fy, y1 = VNI_MIN(y0 + 1, h - 1);
        float ay = fy - y0;
        uint8_t *o = vn_image_row(mask, y);
        for (int x = rg->x0; x <= rg->x1; x++) {
            float fx = VNI_CLAMP((float)((x + 0.5) / s->sx - 0.5), 0.0f, (float)(w - 1));
            int x0 = (int)fx, x1 = VNI_MIN(x0 + 1, w - 1);
            float ax = fx - x0;
            float v = (1 - ay) * ((1 - ax) * lab[y0 * w + x0] + ax * lab[y0 * w + x1]) +
                      ay * ((1 - ax) * lab[y1 * w + x0] + ax * lab[y1 * w + x1]);
            o[x] = v >= 0.5f ? 255 : 0;
        }
    }
}

/* Number the pixels within `r` (Chebyshev) of a label change; returns the count. */
static int mark_band(VnSegmenter *s, const VnImage *m, int r, const Region *rg)
{
    const int W = m->width, H = m->height;
    int n = 0;
    for (int y = rg->y0; y <= rg->y1; y++)
        for (int x = rg->x0; x <= rg->x1; x++)
            s->idx[(size_t)y * W + x] = -1;
    for (int y = rg->y0; y <= rg->y1; y++) {
        const uint8_t *row = vn_image_row(m, y), *below = y + 1 < H ? vn_image_row(m, y + 1) : row;
        for (int x = rg->x0; x <= rg->x1; x++) {
            if (!((x + 1 < W && row[x + 1] != row[x]) || below[x] != row[x]))
                continue;
            for (int yy = VNI_MAX(rg->y0, y - r); yy <= VNI_MIN(rg->y1, y + r + 1); yy++)
                for (int xx = VNI_MAX(rg->x0, x - r); xx <= VNI_MIN(rg->x1, x + r + 1); xx++)
                    s->idx[(size_t)yy * W + xx] = 0;
        }
    }
    /* numbered in raster order, so that neighbours in the graph lie close in memory */
    for (int y = rg->y0; y <= rg->y1; y++)
        for (int x = rg->x0; x <= rg->x1; x++)
            if (s->idx[(size_t)y * W + x] == 0)
                s->idx[(size_t)y * W + x] = n++;
            else
                s->idx[(size_t)y * W + x] = -1;
    return n;
}

static float pdist(const uint8_t *a, const uint8_t *b)
{
    float d0 = (float)a[0] - b[0], d1 = (float)a[1] - b[1], d2 = (float)a[2] - b[2];
    return d0 * d0 + d1 * d1 + d2 * d2;
}

/* beta over the band: 1 / (2 <‖ΔI‖²>) of full-resolution neighbours. */
static float band_beta(const VnSegmenter *s, const Region *rg)
{
    const VnImage *im = s->frame;
    double sum = 0;
    int64_t cnt = 0;
    for (int y = rg->y0; y <= rg->y1 && y + 1 < im->height; y++) {
        const uint8_t *r0 = vn_image_row(im, y), *r1 = vn_image_row(im, y + 1);
        const int *ix = s->idx + (size_t)y * im->width;
        for (int x = rg->x0; x <= rg->x1 && x + 1 < im->width; x++)
            if (ix[x] >= 0) {
                sum += pdist(r0 + 3 * x, r0 + 3 * x + 3) + pdist(r0 + 3 * x, r1 + 3 * x);
                cnt += 2;
            }
    }
    return sum > 0 ? (float)(0.5 / (sum / (double)cnt)) : 0.0f;
}

/* Hard label of full-resolution pixel (x, y) from the prompts: 1 object, 2 background, 0 free. */
static int hard_label(const VniSegPrompts *p, int x, int y)
{
    for (int k = 0; k < p->n_full; k++) {
        const VnPrompt *q = &p->full[k];
        if (q->type == VN_PROMPT_BOX) {
            if (x < q->x0 || x > q->x1 || y < q->y0 || y > q->y1)
                return 2;
        } else if (abs(x - q->x0) <= 1 && abs(y - q->y0) <= 1) {
            return q->type == VN_PROMPT_POSITIVE ? 1 : 2;
        }
    }
    return 0;
}

typedef struct BandCtx {
    VnSegmenter *s;
    const VniSegPrompts *p;
    const VniGmm *fg, *bg;
    const VnImage *mask;
    float beta, cf_fixed, cb_fixed;
} BandCtx;

/* Data term of band pixel (x, y) plus the boundary terms to fixed neighbours outside the band,
 * and the edges to band neighbours to the east, south-east, south and south-west. */
static void band_pixel(BandCtx *b, int x, int y, int i)
{
    static const int dx[8] = {1, 1, 0, -1, -1, -1, 0, 1}, dy[8] = {0, 1, 1, 1, 0, -1, -1, -1};
    VnSegmenter *s = b->s;
    const VnImage *im = s->frame;
    const int W = im->width, H = im->height;
    const uint8_t *c = vn_image_row(im, y) + 3 * x;
    float col[3] = {c[0], c[1], c[2]};
    float cf = (float)vni_gmm_cost(b->fg, col), cb = (float)vni_gmm_cost(b->bg, col);
    int hl = hard_label(b->p, x, y);
    for (int d = 0; d < 8; d++) {
        int qx = x + dx[d], qy = y + dy[d];
        if (qx < 0 || qy < 0 || qx >= W || qy >= H)
            continue;
        const uint8_t *qc = vn_image_row(im, qy) + 3 * qx;
        float wgt = s->s.smoothness * (d & 1 ? 0.70710678f : 1.0f) * expf(-b->beta * pdist(c, qc));
        int j = s->idx[(size_t)qy * W + qx];
        if (j < 0) {
            /* fixed neighbour: disagreeing with it costs the edge */
            if (vn_image_row(b->mask, qy)[qx])
                cb += wgt;
            else
                cf += wgt;
        } else if (d < 4) {
            vni_maxflow_add_edge(s->gb, i, j, wgt, wgt);
        }
    }
    if (hl == 1)
        cb = VNI_SEG_HARD;
    else if (hl == 2)
        cf = VNI_SEG_HARD;
    float m = fminf(cf, cb);
    vni_maxflow_add_tweights(s->gb, i, cb - m, cf - m);
}

static int ensure_graph(VnSegmenter *s, int n)
{
    if (s->gb && n <= s->gb_nodes) {
        vni_maxflow_reset(s->gb, n);
        return 0;
    }
    vni_maxflow_free(&s->gb);
    s->gb_nodes = VNI_MAX(n, 4096) * 3 / 2;
    return vni_maxflow_alloc(&s->gb, s->gb_nodes, (int64_t)s->gb_nodes * 4);
}

int vni_seg_refine_band(VnSegmenter *s, const VniSegPrompts *p, const uint8_t *lab,
                        const VniGmm *fg, const VniGmm *bg, VnImage *mask)
{
    const int W = mask->width;
    int r = s->s.band > 0 ? s->s.band : (int)ceil(fmax(s->sx, s->sy)) + 1, n, ret;
    BandCtx b = {s, p, fg, bg, mask, 0, 0, 0};
    Region rg = label_region(s, lab, r, mask->width, mask->height);
    upsample(s, lab, &rg, mask);
    if ((s->sx <= 1.0 && s->sy <= 1.0 && s->s.band == 0) || rg.x1 < rg.x0)
        return 0; /* solved at full resolution already, or empty */
    n = mark_band(s, mask, r, &rg);
    if (n == 0)
        return 0;
    if ((ret = ensure_graph(s, n)) < 0)
        return ret;
    b.beta = band_beta(s, &rg);
    for (int y = rg.y0; y <= rg.y1; y++)
        for (int x = rg.x0; x <= rg.x1; x++) {
            int i = s->idx[(size_t)y * W + x];
            if (i >= 0)
                band_pixel(&b, x, y, i);
        }
    vni_maxflow_solve(s->gb);
    for (int y = rg.y0; y <= rg.y1; y++) {
        uint8_t *o = vn_image_row(mask, y);
        for (int x = rg.x0; x <= rg.x1; x++) {
            int i = s->idx[(size_t)y * W + x];
            if (i >= 0)
                o[x] = vni_maxflow_source_side(s->gb, i) ? 255 : 0;
        }
    }
    return 0;
}
