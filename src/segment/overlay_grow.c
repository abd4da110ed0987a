/*
 * Growing a clicked static overlay's mask by the overlay model (overlay_grow.h). Under an overlay
 * I = αW + (1 − α)J the picture's change over time is scaled by (1 − α): the logarithm of the
 * temporal standard deviation drops by c = log(1 − α) against the picture's own, which is taken
 * as a smooth background of it from round what is held to be overlay so far; the clicked part
 * tells c. A graph cut of that drop, with the edges of the temporal mean as the cost of its
 * boundary, finds the overlay's other parts. A piece of the cut is kept where, just across its
 * edge, the picture inside changes frame by frame as (1 − α) of the picture outside (the picture
 * runs on under the overlay's edge); a patch that is merely stiller than its surroundings (a
 * shadow, a still corner next to a moving one) does not.
 */
#include "segment/overlay_grow.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/internal.h"
#include "core/mem.h"
#include "core/select.h"
#include "segment/maxflow.h"

#define MIN_FRAMES 8
#define SD_FLOOR 0.5f     /* grey levels added to the deviation: a still, noiseless pixel */
#define SIGMA 8.0f        /* px: the picture's background of the log deviation */
#define ROUNDS 4          /* of the background, each without what the last took as overlay */
#define TAKE_SHARE 0.4f   /* a pixel dropping this share of c is kept out of the background */
#define MIN_ALPHA 0.1     /* the click's opacity by its drop: below, nothing is grown */
#define MAX_ALPHA 0.9     /* above, an opaque overlay: its change is noise only */
#define DATA_CLIP 9.0f    /* the data cost's most, in units of (c / 2)^2 */
#define LAMBDA 40.0f      /* boundary cost of a 4-neighbour pair of the same mean colour */
#define BORDER 2          /* px at the window's edge held to be picture */
#define MIN_PIECE 32      /* px: a smaller piece apart from the click is a speck */
#define TOUCH_PIECE 64    /* px: a smaller piece touching the click refines its outline */
#define BAND 4            /* px round the click where any piece touching it refines its outline */
#define STEP 3            /* px across an edge from inside to the picture outside */
#define MIN_CORR 0.7      /* the two sides of an edge change together in time (correlation) */
#define MIN_PAIRS 8       /* pairs across an edge, at least */
#define CORR_SHARE 0.6    /* of which at least this share change together, */
#define FIT 0.12          /* their median ratio inside to outside within this share of the click's */
#define SPREAD 0.5        /* and their quartiles no further apart than this share of it */

typedef struct Grow {
    const uint8_t *stack;
    int w, h, n;
    size_t np;
    uint8_t *held, *exc, *fg;
    float *lsd, *r, *mean, *num, *den, *tmp;
    float c;          /* the click's drop of the log deviation: about log(1 − α) */
    float gain;       /* the click's ratio of deviations across its edge: about 1 − α */
} Grow;

/* Per pixel, the temporal mean colour and the log of the temporal deviation (channels' mean). */
static void temporal_stats(Grow *g)
{
    for (size_t i = 0; i < g->np; i++) {
        double s[3] = {0, 0, 0}, q[3] = {0, 0, 0}, sd = 0;
        for (int t = 0; t < g->n; t++) {
            const uint8_t *p = g->stack + ((size_t)t * g->np + i) * 3;
            for (int k = 0; k < 3; k++)
                s[k] += p[k], q[k] += (double)p[k] * p[k];
        }
        for (int k = 0; k < 3; k++) {
            double m = s[k] / g->n;
            g->mean[3 * i + k] = (float)m;
            sd += sqrt(fmax(q[k] / g->n - m * m, 0.0));
        }
        g->lsd[i] = logf((float)(sd / 3.0) + SD_FLOOR);
    }
}

/* a (w x h) blurred by a Gaussian of SIGMA, outside the window taken as 0, in place. */
static void blur(Grow *g, float *a)
{
    enum { R = (int)(3 * SIGMA) };
    float k[2 * R + 1];
    for (int j = -R; j <= R; j++)
        k[j + R] = expf(-(float)(j * j) / (2.0f * SIGMA * SIGMA));
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            float s = 0;
            for (int j = VNI_MAX(-R, -x); j <= VNI_MIN(R, g->w - 1 - x); j++)
                s += k[j + R] * a[(size_t)y * g->w + x + j];
            g->tmp[(size_t)y * g->w + x] = s;
        }
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            float s = 0;
            for (int j = VNI_MAX(-R, -y); j <= VNI_MIN(R, g->h - 1 - y); j++)
                s += k[j + R] * g->tmp[(size_t)(y + j) * g->w + x];
            a[(size_t)y * g->w + x] = s;
        }
}

/* Whether m has a set pixel within Chebyshev distance d of (x, y). */
static int near_set(const Grow *g, const uint8_t *m, int x, int y, int d)
{
    for (int yy = VNI_MAX(0, y - d); yy <= VNI_MIN(g->h - 1, y + d); yy++)
        for (int xx = VNI_MAX(0, x - d); xx <= VNI_MIN(g->w - 1, x + d); xx++)
            if (m[(size_t)yy * g->w + xx])
                return 1;
    return 0;
}

/* Whether (x, y) is set in m with its 8 neighbours (inside the window). */
static int inner(const Grow *g, const uint8_t *m, int x, int y)
{
    for (int yy = y - 1; yy <= y + 1; yy++)
        for (int xx = x - 1; xx <= x + 1; xx++)
            if (xx < 0 || yy < 0 || xx >= g->w || yy >= g->h || !m[(size_t)yy * g->w + xx])
                return 0;
    return 1;
}

/* r = the log deviation less the picture's background of it: its blur over the pixels 2 px or
 * more away from g->exc. */
static void residual(Grow *g)
{
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            size_t i = (size_t)y * g->w + x;
            g->den[i] = !near_set(g, g->exc, x, y, 2);
            g->num[i] = g->den[i] * g->lsd[i];
        }
    blur(g, g->num);
    blur(g, g->den);
    for (size_t i = 0; i < g->np; i++)
        g->r[i] = g->den[i] > 1e-3f ? g->lsd[i] - g->num[i] / g->den[i] : 0.0f;
}

/* The median residual over the click's inside (over all of it when that is thin). */
static float click_drop(Grow *g)
{
    int n = 0;
    for (int pass = 0; pass < 2 && n < 16; pass++) {
        n = 0;
        for (int y = 0; y < g->h; y++)
            for (int x = 0; x < g->w; x++)
                if (g->held[(size_t)y * g->w + x] && (pass || inner(g, g->held, x, y)))
                    g->tmp[n++] = g->r[(size_t)y * g->w + x];
    }
    return n ? vni_select_f32(g->tmp, n, n / 2) : 0.0f;
}

/* The residual and the drop c, each round without what the last round took as overlay. 1 when
 * the click dims the picture's change as a semi-transparent overlay does (MIN_ALPHA, MAX_ALPHA,
 * after the last round: a click that took a small patch inside a part of the overlay reads
 * little drop against the rest of the part at first), else 0. */
static int drop(Grow *g)
{
    memcpy(g->exc, g->held, g->np);
    for (int round = 0; round < ROUNDS; round++) {
        residual(g);
        if ((g->c = click_drop(g)) >= 0.0f)
            return 0;
        for (size_t i = 0; i < g->np; i++)
            g->exc[i] = g->held[i] || g->r[i] < TAKE_SHARE * g->c;
    }
    return g->c <= logf(1.0f - MIN_ALPHA) && g->c >= logf(1.0f - MAX_ALPHA);
}

/* Squared colour distance of the temporal means at pixels i and j. */
static float mean_dist(const Grow *g, size_t i, size_t j)
{
    float s = 0;
    for (int k = 0; k < 3; k++) {
        float d = g->mean[3 * i + k] - g->mean[3 * j + k];
        s += d * d;
    }
    return s;
}

/* Add the data costs: near c is overlay, near 0 picture; the click's inside is overlay and the
 * window's edge picture. */
static void data_costs(Grow *g, VniMaxflow *mf)
{
    float s = 0.5f * fabsf(g->c), big = 1e6f;
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            size_t i = (size_t)y * g->w + x;
            float a = (g->r[i] - g->c) / s, b = g->r[i] / s;
            float dfg = fminf(a * a, DATA_CLIP), dbg = fminf(b * b, DATA_CLIP);
            if (x < BORDER || y < BORDER || x >= g->w - BORDER || y >= g->h - BORDER)
                dfg = big;
            else if (g->held[i] && inner(g, g->held, x, y))
                dbg = big;
            /* source side = overlay: a node there pays dfg */
            vni_maxflow_add_tweights(mf, (int)i, dbg, dfg);
        }
}

/* The graph cut into g->fg (1 = overlay). */
static int cut(Grow *g)
{
    VniMaxflow *mf = NULL;
    double beta = 0;
    int64_t pairs = 0;
    int ret = vni_maxflow_alloc(&mf, (int)g->np, 2 * (int64_t)g->np);
    if (ret < 0)
        return ret;
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) {
            size_t i = (size_t)y * g->w + x;
            if (x + 1 < g->w)
                beta += mean_dist(g, i, i + 1), pairs++;
            if (y + 1 < g->h)
                beta += mean_dist(g, i, i + g->w), pairs++;
        }
    beta = 2.0 * fmax(beta / (double)VNI_MAX(pairs, 1), 1.0);
    data_costs(g, mf);
    for (int y = 0; y < g->h && ret >= 0; y++)
        for (int x = 0; x < g->w && ret >= 0; x++) {
            size_t i = (size_t)y * g->w + x;
            float wgt;
            if (x + 1 < g->w) {
                wgt = LAMBDA * (float)exp(-mean_dist(g, i, i + 1) / beta);
                ret = vni_maxflow_add_edge(mf, (int)i, (int)i + 1, wgt, wgt);
            }
            if (ret >= 0 && y + 1 < g->h) {
                wgt = LAMBDA * (float)exp(-mean_dist(g, i, i + g->w) / beta);
                ret = vni_maxflow_add_edge(mf, (int)i, (int)(i + g->w), wgt, wgt);
            }
        }
    if (ret >= 0) {
        vni_maxflow_solve(mf);
        for (size_t i = 0; i < g->np; i++)
            g->fg[i] = vni_maxflow_source_side(mf, (int)i) || g->held[i];
    }
    vni_maxflow_free(&mf);
    return ret < 0 ? ret : 0;
}

/* The grey level of frame t at pixel i. */
static double grey(const Grow *g, int t, size_t i)
{
    const uint8_t *p = g->stack + ((size_t)t * g->np + i) * 3;
    return (p[0] + p[1] + p[2]) / 3.0;
}

/* Over the frames, whether the pixels a (inside) and b (outside) change together; if so, the
 * ratio of their temporal deviations into *ratio (an overlay's edge: 1 − α). */
static int pair_ratio(const Grow *g, size_t a, size_t b, float *ratio)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    for (int t = 0; t < g->n; t++) {
        double u = grey(g, t, a), v = grey(g, t, b);
        sa += u, sb += v, saa += u * u, sbb += v * v, sab += u * v;
    }
    double n = g->n, va = saa - sa * sa / n, vb = sbb - sb * sb / n, cov = sab - sa * sb / n;
    if (va < 1e-6 || vb < 1e-6 || cov < MIN_CORR * sqrt(va * vb))
        return 0;
    *ratio = (float)sqrt(va / vb);
    return 1;
}

/* Across the edge of the piece labelled `id` in lab (its pixels px[0..n); the rest of the
 * overlay taken so far in g->fg): the ratios of the pairs that change together into g->tmp.
 * Returns their count, the pairs looked at in *pairs. */
static int64_t edge_ratios(const Grow *g, const int32_t *lab, int32_t id, const int32_t *px, int64_t n,
                           int64_t *pairs)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    int64_t corr = 0;
    *pairs = 0;
    for (int64_t k = 0; k < n; k++) {
        int x = px[k] % g->w, y = px[k] / g->w;
        for (int d = 0; d < 4; d++) {
            int ox = x + STEP * dx[d], oy = y + STEP * dy[d], ix = x - dx[d], iy = y - dy[d];
            /* an edge of the piece towards d, with picture STEP px out */
            if (ox < 0 || oy < 0 || ox >= g->w || oy >= g->h || g->fg[(size_t)(y + dy[d]) * g->w + x + dx[d]] ||
                g->fg[(size_t)oy * g->w + ox])
                continue;
            /* a pixel in from the edge, which may be blended with the picture */
            size_t in = ix >= 0 && iy >= 0 && ix < g->w && iy < g->h && lab[(size_t)iy * g->w + ix] == id
                            ? (size_t)iy * g->w + ix : (size_t)px[k];
            (*pairs)++;
            corr += pair_ratio(g, in, (size_t)oy * g->w + ox, &g->tmp[corr]);
            break;
        }
    }
    return corr;
}

/* Whether the piece labelled `id` (pixels px[0..n)) dims the picture's change across its edge as
 * the click does (g->gain): most of its edge's pairs change together, their median ratio is the
 * click's and their quartiles lie close (a patch of picture of its own may match the ratio at
 * the median, seldom all along its edge). */
static int piece_fits(Grow *g, const int32_t *lab, int32_t id, const int32_t *px, int64_t n)
{
    int64_t pairs, corr = edge_ratios(g, lab, id, px, n, &pairs);
    if (pairs < MIN_PAIRS || (double)corr < CORR_SHARE * (double)pairs || corr < 4)
        return 0;
    float q1 = vni_select_f32(g->tmp, (int)corr, (int)(corr / 4));
    float q2 = vni_select_f32(g->tmp, (int)corr, (int)(corr / 2));
    float q3 = vni_select_f32(g->tmp, (int)corr, (int)(3 * corr / 4));
    return fabsf(q2 / g->gain - 1.0f) < FIT && (q3 - q1) / g->gain < SPREAD;
}

/* Spread the label id from the pixels queued in px[0..n) to the pixels of the cut 8-connected to
 * them (apart from held's when `apart`), queuing them too; returns the new count, *touch whether
 * one borders held. */
static int64_t spread(const Grow *g, int32_t *lab, int32_t *px, int64_t n, int32_t id, int apart, int *touch)
{
    *touch = 0;
    for (int64_t head = 0; head < n; head++) {
        int x = px[head] % g->w, y = px[head] / g->w;
        for (int yy = VNI_MAX(0, y - 1); yy <= VNI_MIN(g->h - 1, y + 1); yy++)
            for (int xx = VNI_MAX(0, x - 1); xx <= VNI_MIN(g->w - 1, x + 1); xx++) {
                size_t j = (size_t)yy * g->w + xx;
                *touch |= g->held[j];
                if (g->fg[j] && !(apart && g->held[j]) && !lab[j])
                    lab[j] = id, px[n++] = (int32_t)j;
            }
    }
    return n;
}

/* The pixels of the cut apart from held, 8-connected from seed, labelled id in lab and listed in
 * px; returns their count, *touch whether one borders held. */
static int64_t flood(const Grow *g, int32_t *lab, int32_t *px, size_t seed, int32_t id, int *touch)
{
    lab[seed] = id, px[0] = (int32_t)seed;
    return spread(g, lab, px, 1, id, 1, touch);
}

/* Whether the part labelled 1 in lab (pixels px[0..n)), the click or what the cut took round it,
 * dims the picture's change across its edge (g->fg outside) as a semi-transparent overlay does:
 * g->gain is the median ratio of its edge's pairs. lab is left all 0. */
static int part_fits(Grow *g, int32_t *lab, const int32_t *px, int64_t n)
{
    int64_t pairs, corr = edge_ratios(g, lab, 1, px, n, &pairs);
    memset(lab, 0, g->np * sizeof(*lab));
    if (pairs < MIN_PAIRS || (double)corr < CORR_SHARE * (double)pairs)
        return 0;
    g->gain = vni_select_f32(g->tmp, (int)corr, (int)(corr / 2));
    return g->gain >= 1.0 - MAX_ALPHA && g->gain <= 1.0 - MIN_ALPHA;
}

/* Whether the click itself fits (part_fits; a clicked part that is no overlay would grow a wrong
 * one). */
static int click_fits(Grow *g, int32_t *lab, int32_t *px)
{
    int64_t n = 0;
    for (size_t i = 0; i < g->np; i++) {
        g->fg[i] = g->held[i];
        if (g->held[i])
            lab[i] = 1, px[n++] = (int32_t)i;
    }
    return part_fits(g, lab, px, n);
}

/* Whether the click with what the cut took connected to it fits (part_fits): a click that took a
 * small patch inside a part of the overlay has its own edge's pairs on both sides inside it. */
static int click_part_fits(Grow *g, int32_t *lab, int32_t *px)
{
    int64_t n = 0;
    int touch;
    for (size_t i = 0; i < g->np; i++)
        if (g->held[i])
            lab[i] = 1, px[n++] = (int32_t)i;
    return part_fits(g, lab, px, spread(g, lab, px, n, 1, 0, &touch));
}

/* Add to held the pieces of the cut that pass; of a piece touching the click that does not (the
 * cut ran on past the click's part into a patch of still picture), the pixels within BAND px of
 * the click: the outline of the clicked part that its segmentation left (not when held is a seed
 * the detector found). Returns the pixels added. */
static int64_t keep_pieces(Grow *g, int32_t *lab, int32_t *px, int seed)
{
    int64_t added = 0;
    int32_t id = 0;
    memcpy(g->exc, g->held, g->np); /* the click as it came */
    for (size_t i = 0; i < g->np; i++) {
        int touch;
        if (!g->fg[i] || g->held[i] || lab[i])
            continue;
        int64_t n = flood(g, lab, px, i, ++id, &touch);
        int whole = (touch && n < TOUCH_PIECE) || (n >= MIN_PIECE && piece_fits(g, lab, id, px, n));
        for (int64_t k = 0; k < n && (whole || (touch && !seed)); k++)
            if (whole || near_set(g, g->exc, px[k] % g->w, px[k] / g->w, BAND))
                g->held[px[k]] = 1, added++;
    }
    return added;
}

/* How a seed is grown: a click (0); a footprint the detector found (SEED: pieces whole or not at
 * all, no band of the ones touching it: round a footprint that is the picture in the logo's
 * holes); with TRUST too, the ratio from its drop where its own edge does not tell it. */
enum { SEED = 1, TRUST = 2 };

static int64_t grow_held(const uint8_t *stack, int w, int h, int n, uint8_t *held, int mode)
{
    Grow g = {stack, w, h, n, (size_t)w * (size_t)h, held, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, 0};
    int32_t *lab = NULL, *px = NULL;
    int64_t ret = 0;
    if (!stack || !held || w < 2 * BORDER + 3 || h < 2 * BORDER + 3 || n < MIN_FRAMES || g.np > INT32_MAX / 2)
        return -EINVAL;
    if (!(g.exc = vni_malloc_array(g.np, 1)) || !(g.fg = vni_malloc_array(g.np, 1)) ||
        !(g.lsd = vni_malloc_array(g.np, sizeof(float))) || !(g.r = vni_malloc_array(g.np, sizeof(float))) ||
        !(g.mean = vni_malloc_array(g.np, 3 * sizeof(float))) || !(g.num = vni_malloc_array(g.np, sizeof(float))) ||
        !(g.den = vni_malloc_array(g.np, sizeof(float))) || !(g.tmp = vni_malloc_array(g.np, sizeof(float))) ||
        !(lab = vni_calloc_array(g.np, sizeof(int32_t))) || !(px = vni_malloc_array(g.np, sizeof(int32_t)))) {
        ret = -ENOMEM;
        goto done;
    }
    temporal_stats(&g);
    if (!drop(&g))
        goto done;
    int fits = click_fits(&g, lab, px);
    if ((ret = cut(&g)) < 0)
        goto done;
    if (!fits && !click_part_fits(&g, lab, px)) {
        if (!(mode & TRUST))
            goto done;
        g.gain = expf(g.c);
    }
    ret = keep_pieces(&g, lab, px, mode & SEED);
done:
    vni_free(g.exc);
    vni_free(g.fg);
    vni_free(g.lsd);
    vni_free(g.r);
    vni_free(g.mean);
    vni_free(g.num);
    vni_free(g.den);
    vni_free(g.tmp);
    vni_free(lab);
    vni_free(px);
    return ret;
}

int64_t vni_overlay_grow(const uint8_t *stack, int w, int h, int n, uint8_t *held)
{
    return grow_held(stack, w, h, n, held, 0);
}

int64_t vni_overlay_grow_seed(const uint8_t *stack, int w, int h, int n, uint8_t *held, int trust)
{
    return grow_held(stack, w, h, n, held, SEED | (trust ? TRUST : 0));
}
