/*
 * Estimating a static overlay's opacity α and colour W from many frames.
 *
 * Per pixel the blend I = α·W + (1 − α)·J is an affine map of the picture J, the same in every
 * frame: I is a line in J with slope c = 1 − α and intercept α·W. After Dekel et al. (CVPR 2017,
 * who use the statistics of many images that share one watermark), written here as a regression
 * over the frames and over space:
 *  - at the region's border the picture under the overlay is nearly the picture just outside it
 *    (Ĵ, the mean of the outside 4-neighbours), in every frame: each border pixel and frame gives
 *    one sample (Ĵ, I) per channel, where the picture moves and where it only varies in space;
 *  - the temporal median of the spatial differences is the overlay's own edges (the picture's
 *    come and go); the samples' sums are pooled along the overlay with links that these edges
 *    cut, so that every part of the overlay, its inside too, is fitted with the samples of its
 *    border: c = cov(I, Ĵ)/var(Ĵ) over much of the part (α is the same over large parts), α·W =
 *    mean(I) − c·mean(Ĵ) more locally (W may vary, as in a gradient);
 *  - the fit is made robust by reweighting (IRLS): a sample far from the fitted line is one where
 *    Ĵ is not the picture (a picture edge along the border) and counts less. The rounds settle
 *    only because the pooling is solved in double to a tight tolerance (overlay_solve.c): with
 *    float CG their α on thin letters swung by up to 0.09 from solver noise alone. More rounds
 *    than 5 let some clips drift (vtest, α 0.3: the fit slides toward an opaque overlay of the
 *    mean colour, 29.2 -> 20.1 dB at 8 rounds), so the rounds stop at 5 or once settled.
 *  - W may vary inside a part (a gradient logo, which one pooled W per part fits badly): α·W
 *    is refitted from the border samples with the temporal median of the overlay's spatial
 *    differences as guidance (averaged along the overlay, shrunk where small), taken where it
 *    departs from the pooled fit by several grey levels; only when the picture is seen to move
 *    under a fifth of the region at least (a still picture's edges would be taken for W's);
 *    else, where W varies, W and α are fitted from the still picture's own pixels
 *    (overlay_still.c).
 *  - the spreads over time of I and Ĵ at the border correct c: where I stays still while the
 *    picture moves, the overlay is opaque (still_overlay); where the picture hardly moves, the
 *    regression is diluted and the ratio of the spreads is mixed in (spread_ratio); c never
 *    exceeds the largest value for which W can be a colour (feasible_c), which keeps noise
 *    added after the blend from passing for the picture; where two channels' bounds agree, W is
 *    at the edge of its range there (white, black, pure colours) and c is the bound (at_edge).
 *  - on frames from 4:2:0 video (most users' H.264) the samples nearest the region's edge do
 *    not follow the blend: the encoder's chroma, filtered and taken once per 2x2 block, spreads
 *    the overlay's colour over ±2 pixels of its edge, and its rounding of the sharp static edge
 *    rings over ±1 pixel. There the regression takes I and Ĵ one pixel away from the edge on
 *    each side (HALF_GAP) and the means that fit W two pixels away (HALF_WGAP). Before (the
 *    region grown by a pixel instead), box.mp4 with the 50% OpenCV logo at CRF 20 came out with
 *    α 0.25 on the green ring, 0.42 on the red one, and W pulled toward the picture's colour by
 *    up to 20 grey levels: a faint coloured ghost of the rings over the still table; now
 *    α 0.48-0.53 and W within ~5 levels. The ring of pixels round the region gets the opacity
 *    VNI_OVERLAY_RING, for the un-blending of its chroma and the smoothing of the edge.
 * Only a box around the region is kept, for at most max_frames evenly spaced frames.
 */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/maskops.h"
#include "core/select.h"

#define RING 8              /* pixels of picture kept around the region */
#define EDGE_SIGMA 3.0f     /* median-gradient size (grey levels) that halves a link */
#define LAMBDA_C 1000.0f    /* pooling of the sums that give c (α is constant over large parts) */
#define LAMBDA_G 20.0f      /* pooling of α·W with the overlay's median differences as guidance */
#define LAMBDA_V 30.0f      /* averaging of the median differences along the overlay */
#define SHRINK_TAU 0.6f     /* joint size of the averaged median differences taken as noise */
#define GATE_T 8.0f         /* change of α·W (grey levels) from which the guided fit counts fully */
#define MOVE_FRAC 0.2f      /* part of the region that must move for the guided fit of W */
#define MOVE_S 0.5f         /* spread over time (grey levels) at which a pixel counts as moving */
#define LAMBDA_W 20.0f      /* pooling of the sums that give α·W (W may vary) */
#define VAR_PRIOR 5.0f      /* variance of Ĵ (grey levels², 3 channels) at which the prior counts half */
#define C_PRIOR 0.5f        /* 1 − α where the picture never varies */
#define ROBUST_S 5.0f       /* residual (grey levels) at which a sample counts half */
#define DD_LO 0.05f         /* one-pixel change / var(Ĵ) up to which Ĵ's offset is corrected ... */
#define DD_HI 0.1f          /* ... and from which it is not (rough, noisy pictures) */
#define PEEL_ALPHA 0.04f    /* α under which a border pixel of the region is taken as picture ... */
#define PEEL_KEEP 0.15f     /* ... unless its own means need an α of this at least (feasible_c) */
#define PEEL_STILL 0.2f     /* stillness (vni_overlay_median) from which the ring test peels ... */
#define PEEL_SPREAD 200.0f  /* ... where Ĵ's spread over time (grey levels², 3 channels; H.264's
                               noise over a still wall: up to ~130) is under this, for where the
                               picture moves, the frames' fit knows better ... */
#define PEEL_FIT 0.35f      /* ... where the frames' fit does not show an α of this ...     */
#define PEEL_RING 0.15f     /* ... a border pixel whose step from outside shows less α than this */
#define PEEL_ROUNDS 8       /* pixels peeled off a region drawn too large, at most */
#define REACH_EPS 0.01f     /* pull to 0 of the border samples' reach, per pixel */
#define REACH_MIN 0.05f     /* reach under which a part of the overlay is taken as opaque */
#define R_LO 0.05f          /* spread of I over c²·spread of Ĵ under which the overlay is still ... */
#define R_HI 0.1f           /* ... and from which the fit is kept */
#define STILL_J 0.5f        /* spread of Ĵ (grey levels², 3 channels) at which that counts half */
#define ROUNDING 0.25f      /* spread of I from its rounding to grey levels (3 channels × 1/12) */
#define RATIO_MOVE 1.0f     /* spread of Ĵ at which the spreads' ratio counts half ... */
#define RATIO_STILL 5.0f    /* ... and at which it counts half again (the regression takes over) */
#define W_SLACK 2.0f        /* grey levels by which the fitted W may leave 0..255 */
#define SATURATED 8.0f      /* distance of mean(Ĵ) from 0 or 255 under which W's bound is not used */
#define EDGE_AGREE 0.03f    /* difference of two channels' bounds under which W is at their edge */
#define EDGE_APART 20.0f    /* ... when the two channels' mean(Ĵ) lie this far apart (grey levels) */
#define EDGE_GAP 0.3f       /* c rises to such a bound by this much at most (more fades out over ... */
#define EDGE_FADE 0.1f      /* ... this): two bounds can agree by chance over an opaque gradient */
#define IRLS_ROUNDS 5       /* fits at most, the first unweighted ... */
#define IRLS_SETTLED 5e-4f  /* ... until α changes by less than this over the region, on average */
#define HALF_GAP 1          /* 4:2:0: pixels between the region's edge and the regression's I and Ĵ */
#define HALF_WGAP 2         /* ... and those whose means fit W */
#define SPLIT_VAR_Y 100.0f  /* variance over time at a part's border (grey levels², weighted as the
                               fit's samples) of Ĵ's luma ... */
#define SPLIT_VAR_C 500.0f  /* ... and of its chroma from which the two fits are compared
                               (testsrc2's colours panning: 225 and 1750; box.mp4 under a gradient
                               logo, H.264 4:2:0, 150 frames: 114 and 830, α 0.58 and 0.36; over
                               vtest's dull colours, under 60: chroma α from -0.14 to 1.28) ... */
#define SPLIT_GAP 0.3f      /* ... and the gap between their α from which the part is not one
                               blend in all channels (it goes to the fill) */

/* the regression's sums; those from S_N on are all that the fit of W needs; S_JM and S_IM
 * (the means of samples further from the region's edge, see VniOverlayEst.wgap) only on 4:2:0 */
enum { S_JJ, S_IJ, S_DD, S_IW, S_JW, S_N, S_J, S_I = S_J + 3, S_JM = S_I + 3, S_IM = S_JM + 3,
       N_STATS = S_IM + 3 };

struct VniOverlayEst {
    const VnContext *ctx;
    int fw, fh;             /* frame size */
    int x0, y0, bw, bh;     /* the box kept */
    uint8_t *in;            /* bw*bh: 1 inside the region */
    uint8_t *frames;        /* max_frames crops of bw*bh*3 */
    int max_frames, n_kept, stride;
    int64_t n_offered;
    int short_of;           /* smoothing solves of this estimate that stopped short of their tolerance */
    float shift[3];         /* subtracted from the samples before their sums (see regress_sums) */
    int half;               /* the frames' chroma is of half resolution (4:2:0) */
    int presence;           /* fit for the detector's test of where there is an overlay: the
                               samples at the region's edge even on 4:2:0 */
    int gap, wgap;          /* pixels between the region's edge and the border samples' I and Ĵ:
                               those of the regression, and those whose means fit W */
    int n_stats;            /* the sums kept: N_STATS with wgap, else S_JM */
    int sj, si;             /* the sums of Ĵ and I that fit W: S_JM, S_IM with wgap, else S_J, S_I */
};

int vni_overlay_est_open(const VnContext *ctx, VniOverlayEst **pe, const VnImage *region,
                         int max_frames)
{
    VniOverlayEst *e;
    int x0, y0, x1, y1;
    size_t crop;
    *pe = NULL;
    if (!region || region->type != VN_U8 || region->channels != 1 || max_frames < 2 ||
        max_frames > 1000)
        return -EINVAL;
    if (!vni_mask_bbox(region, &x0, &y0, &x1, &y1))
        return -EINVAL;
    if (!(e = vni_calloc_array(1, sizeof(*e))))
        return -ENOMEM;
    e->ctx = ctx;
    e->fw = region->width;
    e->fh = region->height;
    e->x0 = VNI_MAX(0, x0 - RING);
    e->y0 = VNI_MAX(0, y0 - RING);
    e->bw = VNI_MIN(e->fw - 1, x1 + RING) - e->x0 + 1;
    e->bh = VNI_MIN(e->fh - 1, y1 + RING) - e->y0 + 1;
    e->max_frames = max_frames & ~1; /* even, so that halving keeps the spacing */
    e->stride = 1;
    crop = (size_t)e->bw * e->bh;
    e->in = vni_malloc_array(crop, 1);
    e->frames = vni_malloc_array((size_t)e->max_frames, crop * 3);
    if (!e->in || !e->frames) {
        vni_overlay_est_free(&e);
        return -ENOMEM;
    }
    for (int y = 0; y < e->bh; y++)
        for (int x = 0; x < e->bw; x++)
            e->in[(size_t)y * e->bw + x] = vn_image_row(region, e->y0 + y)[e->x0 + x] != 0;
    *pe = e;
    return 0;
}

void vni_overlay_est_free(VniOverlayEst **pe)
{
    if (!pe || !*pe)
        return;
    vni_free((*pe)->in);
    vni_free((*pe)->frames);
    vni_freep(pe);
}

int vni_overlay_est_frames(const VniOverlayEst *e)
{
    return e->n_kept;
}

void vni_overlay_est_presence(VniOverlayEst *e)
{
    e->presence = 1;
}

/* Keep every other frame and take every other offered frame from now on. */
static void halve(VniOverlayEst *e)
{
    size_t crop3 = (size_t)e->bw * e->bh * 3;
    for (int i = 1; 2 * i < e->n_kept; i++)
        memcpy(e->frames + i * crop3, e->frames + 2 * i * crop3, crop3);
    e->n_kept = (e->n_kept + 1) / 2;
    e->stride *= 2;
}

int vni_overlay_accumulate(VniOverlayEst *e, const VnImage *rgb)
{
    size_t crop3 = (size_t)e->bw * e->bh * 3;
    uint8_t *dst;
    if (!rgb || rgb->type != VN_U8 || rgb->channels != 3 || rgb->width != e->fw ||
        rgb->height != e->fh)
        return -EINVAL;
    if (e->n_offered++ % e->stride)
        return 0;
    if (e->n_kept == e->max_frames) {
        halve(e);
        if ((e->n_offered - 1) % e->stride)
            return 0;
    }
    dst = e->frames + e->n_kept++ * crop3;
    for (int y = 0; y < e->bh; y++)
        memcpy(dst + (size_t)y * e->bw * 3, vn_image_row(rgb, e->y0 + y) + (size_t)e->x0 * 3,
               (size_t)e->bw * 3);
    return 0;
}

/* Link weights from the temporal median of the differences between pixel p and p+off: the
 * overlay's edges, which stay while the picture's gradients come and go, cut the links. */
static void edge_links(const VniOverlayEst *e, float *g, int dx, int dy, float *tmp)
{
    const size_t n = (size_t)e->bw * e->bh, n3 = n * 3;
    for (int y = 0; y < e->bh; y++)
        for (int x = 0; x < e->bw; x++) {
            size_t p = (size_t)y * e->bw + x, q = p + (size_t)dy * e->bw + dx;
            float m = 0.0f;
            g[p] = 0.0f;
            if (x + dx >= e->bw || y + dy >= e->bh)
                continue;
            for (int c = 0; c < 3; c++) {
                for (int t = 0; t < e->n_kept; t++) {
                    const uint8_t *f = e->frames + t * n3;
                    tmp[t] = (float)f[q * 3 + c] - (float)f[p * 3 + c];
                }
                m = VNI_MAX(m, fabsf(vni_select_f32(tmp, e->n_kept, e->n_kept / 2)));
            }
            m = (m / EDGE_SIGMA) * (m / EDGE_SIGMA);
            g[p] = 1.0f / (1.0f + m * m);
        }
}

/* The temporal median of the difference between pixel p+off and p, per channel, into v (3
 * packed fields of bw*bh): the overlay's own α·W changes there, where the picture moves; in
 * conf (bw*bh, or NULL) how far the picture is seen to move there, s²/(s² + MOVE_S²) for the
 * largest median absolute deviation s over time of pixel p's channels (a still picture's
 * changes are as steady as the overlay's and would be taken for it). */
static void median_diffs(const VniOverlayEst *e, float *v, float *conf, int dx, int dy,
                         float *tmp)
{
    const size_t n = (size_t)e->bw * e->bh, n3 = n * 3;
    for (int y = 0; y < e->bh; y++)
        for (int x = 0; x < e->bw; x++) {
            size_t p = (size_t)y * e->bw + x, q = p + (size_t)dy * e->bw + dx;
            float s = 0.0f;
            for (int c = 0; c < 3; c++)
                v[c * n + p] = 0.0f;
            if (conf)
                conf[p] = 0.0f;
            if (x + dx >= e->bw || y + dy >= e->bh)
                continue;
            for (int c = 0; c < 3; c++) {
                float m;
                for (int t = 0; t < e->n_kept; t++) {
                    const uint8_t *f = e->frames + t * n3;
                    tmp[t] = (float)f[q * 3 + c] - (float)f[p * 3 + c];
                }
                v[c * n + p] = vni_select_f32(tmp, e->n_kept, e->n_kept / 2);
                if (!conf)
                    continue;
                for (int t = 0; t < e->n_kept; t++)
                    tmp[t] = (float)e->frames[t * n3 + p * 3 + c];
                m = vni_select_f32(tmp, e->n_kept, e->n_kept / 2);
                for (int t = 0; t < e->n_kept; t++)
                    tmp[t] = fabsf(tmp[t] - m);
                s = VNI_MAX(s, vni_select_f32(tmp, e->n_kept, e->n_kept / 2));
            }
            if (conf)
                conf[p] = s * s / (s * s + MOVE_S * MOVE_S);
        }
}

/* A pixel of the region's border: its 4-neighbours outside the region (k of them); for each,
 * the pixel v whose value is I (the border pixel, or with a gap the pixel that far inside), q
 * whose value is Ĵ (the outside neighbour, or the pixel that far further out), q2 one step past
 * q, and vm, qm those of v and q for the means that fit W (each falls back to the pixel before
 * it where it is not on its side of the border). */
typedef struct BorderPx {
    size_t i, v[4], q[4], q2[4], vm[4], qm[4];
    int k;
} BorderPx;

/* Pixel i stepped n times by (dx, dy) while it stays inside the crop and on the side `inside`
 * of the region (1: in it, 0: out of it); i itself when the first step fails. */
static size_t step_on(const VniOverlayEst *e, size_t i, int dx, int dy, int n, int inside)
{
    int x = (int)(i % e->bw), y = (int)(i / e->bw);
    for (int s = 0; s < n; s++) {
        int x1 = x + dx, y1 = y + dy;
        if (x1 < 0 || y1 < 0 || x1 >= e->bw || y1 >= e->bh ||
            (e->in[(size_t)y1 * e->bw + x1] != 0) != inside)
            break;
        x = x1, y = y1;
    }
    return (size_t)y * e->bw + x;
}

/* The region's border pixels as it is now, in raster order, into *bp (a new array of *nb; NULL
 * when there are none) and w: 1 at them, 0 elsewhere. 0 or -ENOMEM. */
static int border_pixels(const VniOverlayEst *e, BorderPx **bp, size_t *nb, float *w)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    const size_t n = (size_t)e->bw * e->bh;
    size_t m = 0;
    vni_freep(bp);
    *nb = 0;
    memset(w, 0, n * sizeof(float));
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < n; i++) {
            int x = (int)(i % e->bw), y = (int)(i / e->bw), k = 0;
            BorderPx b;
            if (!e->in[i])
                continue;
            for (int d = 0; d < 4; d++) {
                int x1 = x + dx[d], y1 = y + dy[d];
                size_t q = (size_t)y1 * e->bw + x1;
                if (x1 < 0 || y1 < 0 || x1 >= e->bw || y1 >= e->bh || e->in[q])
                    continue;
                b.v[k] = step_on(e, i, -dx[d], -dy[d], e->gap, 1);
                b.q[k] = step_on(e, q, dx[d], dy[d], e->gap, 0);
                b.q2[k] = step_on(e, b.q[k], dx[d], dy[d], 1, 0);
                b.vm[k] = step_on(e, i, -dx[d], -dy[d], e->wgap, 1);
                b.qm[k] = step_on(e, q, dx[d], dy[d], e->wgap, 0);
                k++;
            }
            if (!k)
                continue;
            b.i = i;
            b.k = k;
            if (pass)
                (*bp)[m] = b;
            w[i] = 1.0f;
            m++;
        }
        if (pass || !m)
            break;
        if (!(*bp = vni_malloc_array(m, sizeof(BorderPx))))
            return -ENOMEM;
        m = 0;
    }
    *nb = m;
    return 0;
}

/* Add the mean of frame fr's colours at the pixels px[0..k) to x[0..3). */
static void add_mean(float *x, const uint8_t *fr, const size_t *px, int k)
{
    float sum[3] = {0.0f, 0.0f, 0.0f};
    for (int d = 0; d < k; d++)
        for (int ch = 0; ch < 3; ch++)
            sum[ch] += fr[px[d] * 3 + ch];
    for (int ch = 0; ch < 3; ch++)
        x[ch] += sum[ch] / (float)k;
}

/* The sample of border pixel b in frame fr: in v, I (the mean of its pixels v); in j, Ĵ (the mean
 * of its outside pixels q); in j2, the mean of the pixels q2 one step further out, whose
 * difference from Ĵ measures how much the picture changes over one pixel; in vm and jm (unless
 * NULL), the means over its pixels vm and qm. */
static void border_value(const BorderPx *b, const uint8_t *fr, float *v, float *j, float *j2,
                         float *vm, float *jm)
{
    for (int ch = 0; ch < 3; ch++)
        v[ch] = j[ch] = j2[ch] = 0.0f;
    add_mean(v, fr, b->v, b->k);
    add_mean(j, fr, b->q, b->k);
    add_mean(j2, fr, b->q2, b->k);
    if (!vm)
        return;
    for (int ch = 0; ch < 3; ch++)
        vm[ch] = jm[ch] = 0.0f;
    add_mean(vm, fr, b->vm, b->k);
    add_mean(jm, fr, b->qm, b->k);
}

/* The weight of one sample given the current fit (c, wcol; NULL for the first round): small
 * where I is far from the blend of Ĵ, i.e. where Ĵ is not the picture under the overlay. */
static float sample_weight(const float *v, const float *j, float c, const float *wcol)
{
    float r2 = 0.0f;
    if (!wcol)
        return 1.0f;
    for (int ch = 0; ch < 3; ch++) {
        float r = v[ch] - c * j[ch] - (1.0f - c) * wcol[ch];
        r2 += r * r;
    }
    return 1.0f / (1.0f + r2 / (3.0f * ROBUST_S * ROBUST_S));
}

/* The mean of Ĵ over the border samples of the region as it is, per channel, into e->shift. */
static void sample_shift(VniOverlayEst *e, const BorderPx *bp, size_t nb)
{
    const size_t n = (size_t)e->bw * e->bh;
    double sum[3] = {0.0, 0.0, 0.0}, k = 0.0;
    for (int t = 0; t < e->n_kept; t++)
        for (size_t b = 0; b < nb; b++) {
            float v[3], j[3], j2[3];
            border_value(bp + b, e->frames + t * n * 3, v, j, j2, NULL, NULL);
            for (int ch = 0; ch < 3; ch++)
                sum[ch] += j[ch];
            k += 1.0;
        }
    for (int ch = 0; ch < 3; ch++)
        e->shift[ch] = k > 0.0 ? (float)(sum[ch] / k) : 0.0f;
}

/* The spread over time of I and of Ĵ at each border pixel (its samples' variances about their
 * own means, summed over the channels, times Σ ω) into st[S_IW] (which holds Σ ω·I² on entry)
 * and st[S_JW]. */
static void within(const VniOverlayEst *e, const BorderPx *bp, size_t nb, float *st)
{
    const size_t n = (size_t)e->bw * e->bh;
    for (size_t b = 0; b < nb; b++) {
        size_t i = bp[b].i;
        float sn = st[S_N * n + i], mi2 = 0.0f, mj2 = 0.0f;
        if (sn <= 1e-6f)
            continue;
        for (int ch = 0; ch < 3; ch++) {
            mi2 += st[(S_I + ch) * n + i] * st[(S_I + ch) * n + i] / sn;
            mj2 += st[(S_J + ch) * n + i] * st[(S_J + ch) * n + i] / sn;
        }
        st[S_IW * n + i] -= mi2;
        st[S_JW * n + i] = st[S_JJ * n + i] - mj2;
    }
}

/* Weighted sums of the samples at each border pixel over the kept frames and the 3 channels,
 * divided by the frame count: st[S_N] = Σ ω, st[S_JJ] = Σ ω·Ĵ², st[S_IJ] = Σ ω·I·Ĵ,
 * st[S_J + c] = Σ ω·Ĵ_c, st[S_I + c] = Σ ω·I_c, st[S_IW] and st[S_JW] as by within() (bp: the
 * border pixels); with e->wgap, st[S_JM + c] and st[S_IM + c] the same as S_J, S_I for the
 * samples further from the edge. I and Ĵ are taken less e->shift: the fit takes differences of these sums
 * (var = E[Ĵ²] − E[Ĵ]²), and of raw grey levels (E[Ĵ²] ~ 85000 for a picture of grey 170) the
 * pooling's float rounding (~1e-4 of it) left α on thin letters off by up to 0.2. */
static void regress_sums(const VniOverlayEst *e, const BorderPx *bp, size_t nb, const float *c,
                         const float *wcol, float *st)
{
    const size_t n = (size_t)e->bw * e->bh, n3 = n * 3;
    memset(st, 0, (size_t)e->n_stats * n * sizeof(float));
    for (int t = 0; t < e->n_kept; t++) {
        const uint8_t *fr = e->frames + t * n3;
        for (size_t b = 0; b < nb; b++) {
            size_t i = bp[b].i;
            float v[3], j[3], j2[3], vm[3], jm[3], om;
            border_value(bp + b, fr, v, j, j2, e->wgap ? vm : NULL, jm);
            om = sample_weight(v, j, c[i], wcol ? wcol + i * 3 : NULL);
            st[S_N * n + i] += om;
            for (int ch = 0; ch < 3; ch++) {
                float jc = j[ch] - e->shift[ch], vc = v[ch] - e->shift[ch];
                st[S_JJ * n + i] += om * jc * jc;
                st[S_DD * n + i] += om * (j[ch] - j2[ch]) * (j[ch] - j2[ch]);
                st[S_IJ * n + i] += om * jc * vc;
                st[S_IW * n + i] += om * vc * vc;
                st[(S_J + ch) * n + i] += om * jc;
                st[(S_I + ch) * n + i] += om * vc;
                if (!e->wgap)
                    continue;
                st[(S_JM + ch) * n + i] += om * (jm[ch] - e->shift[ch]);
                st[(S_IM + ch) * n + i] += om * (vm[ch] - e->shift[ch]);
            }
        }
    }
    for (size_t i = 0; i < (size_t)e->n_stats * n; i++)
        st[i] /= (float)e->n_kept;
    within(e, bp, nb, st);
}

/* A smoothing solve's result r: the fields that stopped short of the solver's tolerance (r > 0)
 * are counted in e->short_of, for vni_overlay_solve to report; an error is passed on, else 0. */
static int counted(VniOverlayEst *e, int r)
{
    if (r > 0)
        e->short_of += r;
    return VNI_MIN(r, 0);
}

/* Pool the sums raw from field `first` on along the overlay (the system p: data weight w, links
 * cut at its edges) into out. The solves start from the raw sums: a part that the border samples hardly
 * reach keeps much of its starting value, and a warm start from the previous round's pooling
 * moved α there (unblend_still_grown: mean error 0.014 -> 0.022). */
static void pool(VniOverlayEst *e, VniOverlayPool *p, const float *raw, float *out, int first)
{
    const size_t n = (size_t)e->bw * e->bh;
    memcpy(out + first * n, raw + first * n, (e->n_stats - first) * n * sizeof(float));
    counted(e, vni_overlay_pool_solve(p, out + first * n, raw + first * n, e->n_stats - first, NULL,
                                      NULL));
}

/* The pooling system with data weight w and link scale lambda over the region as it is now. */
static int pool_open(const VniOverlayEst *e, VniOverlayPool **p, const float *w, const float *gx,
                     const float *gy, float lambda)
{
    return vni_overlay_pool_open(p, w, gx, gy, e->in, e->bw, e->bh, lambda, 0, 0.0f);
}

/* c = 1 − α at pixel i from the pooled sums: cov(I, Ĵ)/var(Ĵ), pulled toward C_PRIOR where
 * the picture hardly varies. Ĵ is the picture one pixel away, whose correlation with the picture
 * under the border is 1 − dd/var(Ĵ) (dd: half the mean square change over one pixel, measured
 * just outside): on smooth pictures var(Ĵ) − dd undoes that loss; on rough ones the measure is
 * not trusted and the loss not undone. */
static float fit_c(const float *st, size_t n, size_t i)
{
    float sn = st[S_N * n + i], var, cov, dd;
    if (sn <= 1e-6f)
        return 1.0f;
    var = st[S_JJ * n + i] / sn;
    dd = 0.5f * st[S_DD * n + i] / sn;
    cov = st[S_IJ * n + i] / sn;
    for (int ch = 0; ch < 3; ch++) {
        float mj = st[(S_J + ch) * n + i] / sn, mi = st[(S_I + ch) * n + i] / sn;
        var -= mj * mj;
        cov -= mj * mi;
    }
    var -= dd * VNI_CLAMP(DD_HI - dd / VNI_MAX(var, 1e-3f), 0.0f, DD_HI - DD_LO) / (DD_HI - DD_LO);
    return VNI_CLAMP((cov + VAR_PRIOR * C_PRIOR) / (VNI_MAX(var, 0.0f) + VAR_PRIOR), 0.0f, 1.0f);
}

/* c where I stays far stiller over time than the fit c predicts from Ĵ's spread: an opaque
 * overlay whose W varies along the border (a gradient) gets a small c from the border samples'
 * spatial spread, but its I does not follow the picture's changes at all. Where the spread of I
 * is under R_LO of c²·spread(Ĵ), c is the ratio of the spreads' roots (about 0); from R_HI on it
 * is kept. On the bench the two never mix: opaque rows' ratio is under 0.05 for most pixels,
 * semi-transparent rows' at least 0.1 everywhere. Where the picture is still itself (spread(Ĵ)
 * of the order of STILL_J) nothing is known and c is kept. */
static float still_overlay(const float *st, size_t n, size_t i, float c)
{
    float vi = VNI_MAX(st[S_IW * n + i], 0.0f), vj = st[S_JW * n + i], sn = st[S_N * n + i], r, t;
    if (c <= 0.0f || vj <= 1e-6f || sn <= 1e-6f)
        return c;
    r = vi / (c * c * vj);
    t = VNI_CLAMP((R_HI - r) / (R_HI - R_LO), 0.0f, 1.0f) * vj / (vj + STILL_J * sn);
    return c + t * (sqrtf(vi / vj) - c);
}

/*
 * c mixed with the ratio of the spreads over time, sqrt((spread(I) − rounding)/spread(Ĵ)), where
 * the picture at the border hardly moves. There the regression's c comes mostly from the border
 * samples' spread in space, which Ĵ (the picture one pixel away) follows only in part on fine
 * texture and thin letters: c is biased low, α high. The ratio has no such loss, but it trusts
 * that the picture varies as much under the overlay as just outside it, which fails where the
 * picture moves much (box: the moving box passes by one part's border, not under it), and it
 * takes noise added after the blend for the picture (feasible_c bounds it). Its weight is
 * k = m/(m + RATIO_MOVE) · RATIO_STILL/(m + RATIO_STILL) for the spread m of Ĵ.
 */
static float spread_ratio(const float *st, size_t n, size_t i, float c)
{
    float sn = st[S_N * n + i], vi, vj, k;
    if (sn <= 1e-6f || st[S_JW * n + i] <= 1e-6f)
        return c;
    vj = st[S_JW * n + i] / sn;
    vi = VNI_MAX(st[S_IW * n + i] / sn - ROUNDING, 0.0f);
    k = vj / (vj + RATIO_MOVE) * RATIO_STILL / (vj + RATIO_STILL);
    return c + k * (VNI_MIN(sqrtf(vi / vj), 1.0f) - c);
}

/* Per channel, the largest c for which that channel of W stays within 0..255 (give or take
 * W_SLACK), from the means of the sums s, into b (2 where the channel bounds nothing), with the
 * side that bounds it in side (1: W ≤ 255, 0: W ≥ 0, -1: none) and mean(Ĵ) in mj. */
static void channel_bounds(const VniOverlayEst *e, const float *s, size_t n, size_t i, float *b,
                           int *side, float *mj)
{
    float sn = s[S_N * n + i];
    for (int ch = 0; ch < 3; ch++) {
        float mi = sn > 1e-6f ? s[(e->si + ch) * n + i] / sn + e->shift[ch] : 0.0f;
        mj[ch] = sn > 1e-6f ? s[(e->sj + ch) * n + i] / sn + e->shift[ch] : 0.0f;
        b[ch] = 2.0f;
        side[ch] = -1;
        if (sn <= 1e-6f)
            continue;
        if (255.0f + W_SLACK - mj[ch] > SATURATED) {
            b[ch] = (255.0f + W_SLACK - mi) / (255.0f + W_SLACK - mj[ch]);
            side[ch] = 1;
        }
        if (mj[ch] + W_SLACK > SATURATED && (mi + W_SLACK) / (mj[ch] + W_SLACK) < b[ch]) {
            b[ch] = (mi + W_SLACK) / (mj[ch] + W_SLACK);
            side[ch] = 0;
        }
    }
}

/* The tightest of the channels' bounds b on c (channel_bounds), within 0..1. */
static float tightest(const float *b)
{
    return VNI_CLAMP(VNI_MIN(VNI_MIN(b[0], b[1]), b[2]), 0.0f, 1.0f);
}

/*
 * The largest c for which W = (mean(I) − c·mean(Ĵ))/(1 − c) stays within 0..255 (give or take
 * W_SLACK) in every channel, from the pooled means of sw: a larger c cannot make mean(I) from
 * mean(Ĵ). Where the spread ratio takes the noise added after the blend for the picture showing
 * through (H.264 on an opaque logo over a still wall: I and Ĵ spread alike, ratio ~1), W would
 * leave 0..255 and be clamped, and the un-blending would keep the logo's colour (the bundled
 * demo's red ring); bounded, the fit keeps mean(I) and the ring goes. For a white or black
 * overlay the bound is the true c. Channels where the picture is within SATURATED of the bound
 * W meets tell nothing.
 */
static float feasible_c(const VniOverlayEst *e, const float *sw, size_t n, size_t i)
{
    float b[3], mj[3];
    int side[3];
    channel_bounds(e, sw, n, i, b, side, mj);
    return tightest(b);
}

/*
 * How surely W sits at the edge of 0..255 in two channels at least (a white, black or pure
 * colour overlay), 0..1: the two tightest bounds of b agree within EDGE_AGREE, on different
 * sides or on channels whose mean(Ĵ) lie EDGE_APART apart (where the picture's channels are
 * alike, as on grey, a grey W of any level makes them agree). There the bound is c itself: the
 * regression and the spread ratio each leave c low by a few hundredths on fine texture (vtest
 * text 0.3: alpha +0.07 on average, +0.15 on two letters), and W at the edge of its range is
 * known exactly, where its fit from the pooled means of Ĵ carries the picture's texture.
 */
static float at_edge(const float *b, const int *side, const float *mj)
{
    int i0 = 0, i1;
    float d;
    for (int ch = 1; ch < 3; ch++)
        if (b[ch] < b[i0])
            i0 = ch;
    i1 = i0 == 0 ? 1 : 0;
    for (int ch = 0; ch < 3; ch++)
        if (ch != i0 && b[ch] < b[i1])
            i1 = ch;
    if (b[i1] > 1.0f)
        return 0.0f;
    d = side[i0] != side[i1] ? 1.0f : VNI_CLAMP(fabsf(mj[i0] - mj[i1]) / EDGE_APART, 0.0f, 1.0f);
    return VNI_CLAMP(1.0f - (b[i1] - b[i0]) / EDGE_AGREE, 0.0f, 1.0f) * d;
}

/* The fit per pixel of the region: c from st, W = (mean(I) − c·mean(Ĵ))/α from sw; where W is
 * at the edge of 0..255 (at_edge, from st's means pooled like c), c is the bound and the
 * channels at their bound take W = 0 or 255, unless the bound lies more than EDGE_GAP above the
 * fitted c (over box's opaque gradient, whose mid-range R and B bounds met by chance near 0.5
 * where c was ~0, the un-blending lost 0.28 dB against the fill). */
static void fit(const VniOverlayEst *e, const float *st, const float *sw, float *c, float *wcol,
                float *edge)
{
    const size_t n = (size_t)e->bw * e->bh;
    for (size_t i = 0; i < n; i++) {
        float a, sn = sw[S_N * n + i];
        float b[3], mj[3], ag = 0.0f;
        int side[3];
        c[i] = 1.0f;
        if (e->in[i]) {
            float cb;
            c[i] = VNI_MIN(spread_ratio(st, n, i, still_overlay(st, n, i, fit_c(st, n, i))),
                           feasible_c(e, sw, n, i));
            channel_bounds(e, st, n, i, b, side, mj);
            cb = tightest(b);
            ag = at_edge(b, side, mj) *
                 VNI_CLAMP((EDGE_GAP + EDGE_FADE - (cb - c[i])) / EDGE_FADE, 0.0f, 1.0f);
            c[i] += ag * (cb - c[i]);
        }
        edge[i] = ag;
        a = 1.0f - c[i];
        for (int ch = 0; ch < 3; ch++) {
            float aw = sn > 1e-6f ? (sw[(e->si + ch) * n + i] - c[i] * sw[(e->sj + ch) * n + i]) / sn +
                                        a * e->shift[ch]
                                  : 0.0f;
            wcol[i * 3 + ch] = a > 0.02f ? VNI_CLAMP(aw / a, 0.0f, 255.0f) : 0.0f;
            if (ag > 0.0f && a > 0.02f && side[ch] >= 0) {
                float t = ag * VNI_CLAMP(1.0f - (b[ch] - c[i]) / EDGE_AGREE, 0.0f, 1.0f);
                wcol[i * 3 + ch] += t * ((side[ch] ? 255.0f : 0.0f) - wcol[i * 3 + ch]);
            }
        }
    }
}

/* The median differences v (3 fields) averaged along the overlay, each weighted by its own link
 * gl (those across the overlay's edges hardly count): a gradient's changes vary slowly, the
 * medians' noise does not. off: the link's other end; d (3n), dw (n): scratch. */
static int smooth_diffs(VniOverlayEst *e, float *v, const float *gx, const float *gy,
                        const float *gl, size_t off, float *d, float *dw)
{
    const size_t n = (size_t)e->bw * e->bh;
    for (size_t i = 0; i < n; i++)
        dw[i] = e->in[i] && i + off < n && e->in[i + off] ? gl[i] : 0.0f;
    memcpy(d, v, 3 * n * sizeof(float));
    return counted(e, vni_overlay_smooth_fields(v, d, 3, dw, gx, gy, e->in, e->bw, e->bh,
                                                LAMBDA_V, 0, 0.0f));
}

/* Shrink the averaged differences toward 0 by their joint size m over the channels and both
 * directions (factor max(0, 1 − τ²/m²)): what is left of the picture's median changes is small
 * and would be integrated into a slope of W over a part whose W is constant. */
static void shrink_diffs(size_t n, float *vx, float *vy, float tau)
{
    for (size_t i = 0; i < n; i++) {
        float m2 = 0.0f, f;
        for (int ch = 0; ch < 3; ch++)
            m2 += vx[ch * n + i] * vx[ch * n + i] + vy[ch * n + i] * vy[ch * n + i];
        f = m2 > tau * tau ? 1.0f - tau * tau / m2 : 0.0f;
        for (int ch = 0; ch < 3; ch++) {
            vx[ch * n + i] *= f;
            vy[ch * n + i] *= f;
        }
    }
}

/*
 * W where it varies inside a part (a gradient): α·W per channel from the border samples' own fit
 * (raw sums, unpooled; c as fitted) and, along the overlay, the temporal median of its spatial
 * differences (the picture's come and go), by a guided smoothing; then W = α·W / α where the fit
 * reached (w: the border indicator). 1 when fitted, 0 when the picture moves too little for it
 * (vni_overlay_fit_still's case), or -ENOMEM.
 */
static int fit_w_guided(VniOverlayEst *e, const float *raw, const float *c, const float *gx,
                        const float *gy, float *wcol, float *buf)
{
    const size_t n = (size_t)e->bw * e->bh;
    float *aw = buf, *d = buf + 3 * n, *vx = buf + 6 * n, *vy = buf + 9 * n, *dw = buf + 12 * n;
    float *cx = buf + 13 * n, *tmp = buf + 14 * n;
    double moving = 0.0, inside = 0.0;
    int ret;
    median_diffs(e, vx, cx, 1, 0, tmp);
    for (size_t i = 0; i < n; i++) {
        moving += e->in[i] ? cx[i] : 0.0f;
        inside += e->in[i];
    }
    if (moving < MOVE_FRAC * inside)
        return 0;
    median_diffs(e, vy, NULL, 0, 1, tmp);
    if ((ret = smooth_diffs(e, vx, gx, gy, gx, 1, d, dw)) < 0 ||
        (ret = smooth_diffs(e, vy, gx, gy, gy, e->bw, d, dw)) < 0)
        return ret;
    shrink_diffs(n, vx, vy, SHRINK_TAU);
    for (size_t i = 0; i < n; i++) {
        float sn = raw[S_N * n + i], a = 1.0f - c[i];
        dw[i] = e->in[i] ? sn : 0.0f;
        for (int ch = 0; ch < 3; ch++) {
            float mi = raw[(e->si + ch) * n + i], mj = raw[(e->sj + ch) * n + i];
            d[ch * n + i] = sn > 1e-6f ? (mi - c[i] * mj) / sn + a * e->shift[ch] : 0.0f;
            aw[ch * n + i] = a * wcol[i * 3 + ch];
        }
    }
    if ((ret = counted(e, vni_overlay_smooth_guided(aw, d, 3, dw, gx, gy, vx, vy, e->in, e->bw,
                                                    e->bh, LAMBDA_G))) < 0)
        return ret;
    for (size_t i = 0; i < n; i++) {
        float a = 1.0f - c[i], d2 = 0.0f, k;
        for (int ch = 0; ch < 3; ch++) {
            float dd = aw[ch * n + i] - a * wcol[i * 3 + ch];
            d2 += dd * dd;
        }
        k = d2 / (d2 + GATE_T * GATE_T);
        for (int ch = 0; ch < 3 && e->in[i]; ch++) {
            float v = a * wcol[i * 3 + ch] + k * (aw[ch * n + i] - a * wcol[i * 3 + ch]);
            wcol[i * 3 + ch] = a > 0.02f ? VNI_CLAMP(v / a, 0.0f, 255.0f) : 0.0f;
        }
    }
    return 1;
}

/* The mean of |a − b| over the region. */
static float mean_change(const VniOverlayEst *e, const float *a, const float *b)
{
    const size_t n = (size_t)e->bw * e->bh;
    double sum = 0.0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (e->in[i]) {
            sum += fabsf(a[i] - b[i]);
            k++;
        }
    return k ? (float)(sum / (double)k) : 0.0f;
}

/* The samples' gaps from the region's edge (see VniOverlayEst) and the sums they need. */
static void set_gaps(VniOverlayEst *e, int gap, int wgap)
{
    e->gap = gap;
    e->wgap = wgap;
    e->n_stats = wgap ? N_STATS : S_JM;
    e->sj = wgap ? S_JM : S_J;
    e->si = wgap ? S_IM : S_I;
}

/* Whether crop pixel x, y, outside the region, has a pixel of the region among its 8-neighbours. */
static int next_to(const VniOverlayEst *e, int x, int y)
{
    for (int yy = VNI_MAX(y - 1, 0); yy <= VNI_MIN(y + 1, e->bh - 1); yy++)
        for (int xx = VNI_MAX(x - 1, 0); xx <= VNI_MIN(x + 1, e->bw - 1); xx++)
            if (e->in[(size_t)yy * e->bw + xx])
                return 1;
    return 0;
}

/* Paste the crop's α and W into frame-size images, with the ring that records the 4:2:0
 * decision (VNI_OVERLAY_RING or VNI_OVERLAY_RING_FULL) round the region. */
static void paste(const VniOverlayEst *e, const float *c, const float *wcol, VnImage *alpha,
                  VnImage *color)
{
    for (int y = 0; y < e->bh; y++) {
        float *a = (float *)vn_image_row(alpha, e->y0 + y) + e->x0;
        float *w = (float *)vn_image_row(color, e->y0 + y) + (size_t)e->x0 * 3;
        for (int x = 0; x < e->bw; x++) {
            size_t p = (size_t)y * e->bw + x;
            float av = e->in[p] ? VNI_CLAMP(1.0f - c[p], 0.0f, 1.0f)
                       : e->presence || !next_to(e, x, y) ? 0.0f
                       : e->half                          ? VNI_OVERLAY_RING
                                                          : VNI_OVERLAY_RING_FULL;
            a[x] = av;
            for (int ch = 0; ch < 3; ch++)
                w[x * 3 + ch] = av > 0.0f && e->in[p] ? wcol[p * 3 + ch] : 0.0f;
        }
    }
}

/* Mark in ext (n bytes) the pixels outside the region that the crop's edge reaches without
 * crossing it (not its holes); queue: n ints of scratch. */
static void exterior(const VniOverlayEst *e, uint8_t *ext, int *queue)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    size_t head = 0, tail = 0;
    memset(ext, 0, (size_t)e->bw * e->bh);
    for (int y = 0; y < e->bh; y++)
        for (int x = 0; x < e->bw; x++) {
            int p = y * e->bw + x;
            if ((x == 0 || y == 0 || x == e->bw - 1 || y == e->bh - 1) && !e->in[p]) {
                ext[p] = 1;
                queue[tail++] = p;
            }
        }
    while (head < tail) {
        int p = queue[head++], x = p % e->bw, y = p / e->bw;
        for (int d = 0; d < 4; d++) {
            int x1 = x + dx[d], y1 = y + dy[d], q = y1 * e->bw + x1;
            if (x1 < 0 || y1 < 0 || x1 >= e->bw || y1 >= e->bh || e->in[q] || ext[q])
                continue;
            ext[q] = 1;
            queue[tail++] = q;
        }
    }
}

/* Whether pixel i has a 4-neighbour in ext. */
static int touches(const VniOverlayEst *e, const uint8_t *ext, size_t i)
{
    int x = (int)(i % e->bw), y = (int)(i / e->bw);
    return (x > 0 && ext[i - 1]) || (x + 1 < e->bw && ext[i + 1]) ||
           (y > 0 && ext[i - e->bw]) || (y + 1 < e->bh && ext[i + e->bw]);
}

/*
 * Whether outer border pixel i of the region is picture rather than overlay: its fit (sw, lightly
 * pooled) shows no overlay, or over a still picture the ring test (ahat, from
 * vni_overlay_ring_alpha) shows no step into the region. There the frames' fit has no change over
 * time to go on (a border pixel's samples are the codec's noise, and the fit falls back to
 * C_PRIOR): drawtext 'NEWS 24' at 50% over vtest's still building, H.264, had the 2 px of
 * picture round the footprint at α 0.22. The ring test is taken only where the picture is still
 * (still, from vni_overlay_median), where Ĵ spreads over time no more than a codec's noise, and
 * where the frames' fit does not see an overlay of PEEL_FIT: on overlays of α 0.3 whose colour
 * is near the picture's, it says "no step" at pixels the moving picture shows to be overlay
 * (box 432 gradient 0.3: 84 pixels peeled, 35.1 -> 32.5 dB, without those two conditions). A
 * pixel whose own means (raw, unpooled) cannot be made from the picture next to it without an α
 * of PEEL_KEEP stays: the fit on a thin stroke's end can say α ~ 0 (vtest, the foot of the
 * text's "i": its two pixels, left with the text on them, were 85% of the row's squared error).
 */
static int looks_picture(const VniOverlayEst *e, const float *sw, const float *raw,
                         const float *still, const float *ahat, size_t n, size_t i)
{
    float a = 1.0f - fit_c(sw, n, i);
    int ring = still[i] > PEEL_STILL && ahat[i] >= 0.0f && ahat[i] < PEEL_RING &&
               sw[S_JW * n + i] < PEEL_SPREAD * sw[S_N * n + i] && a < PEEL_FIT;
    return (a < PEEL_ALPHA || ring) && 1.0f - feasible_c(e, raw, n, i) < PEEL_KEEP;
}

/*
 * A region drawn larger than the overlay has picture at its border, whose samples say α = 0 and
 * would pull the overlay's α down through the pooling: outer border pixels that look like
 * picture (looks_picture) leave the region, and the new border is tested again. The borders of
 * holes are left alone (a hole in a detected footprint may be overlay). bp, nb and w
 * (border_pixels) follow the region; med and still: the frames' temporal medians and stillness
 * (vni_overlay_median). When the last round peels nothing, its pooling system (w, LAMBDA_W) is
 * the final region's: it is handed back in *pw, raw and sw as pooled with it (c = 0); else *pw
 * is NULL.
 */
static int peel(VniOverlayEst *e, BorderPx **bp, size_t *nb, float *raw, float *sw, float *w,
                const float *gx, const float *gy, const float *c, const float *med,
                const float *still, VniOverlayPool **pw)
{
    const size_t n = (size_t)e->bw * e->bh;
    uint8_t *ext = vni_malloc_array(n, 1);
    int *queue = vni_malloc_array(n, sizeof(int));
    float *ahat = vni_malloc_array(n, sizeof(float));
    int64_t left = 0, peeled = 1;
    int ret = -ENOMEM;
    if (!ext || !queue || !ahat)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        left += e->in[i];
        ahat[i] = -1.0f; /* the detector's fit for presence keeps to the frames' fit */
    }
    ret = 0;
    for (int round = 0; round < PEEL_ROUNDS && peeled && left > peeled; round++) {
        vni_overlay_pool_free(pw);
        regress_sums(e, *bp, *nb, c, NULL, raw);
        if ((ret = pool_open(e, pw, w, gx, gy, LAMBDA_W)) < 0)
            break;
        pool(e, *pw, raw, sw, 0);
        peeled = 0;
        exterior(e, ext, queue);
        if (!e->presence &&
            (ret = vni_overlay_ring_alpha(med, e->in, ext, e->bw, e->bh, ahat)) < 0)
            break;
        for (size_t i = 0; i < n; i++)
            if (w[i] > 0.0f && touches(e, ext, i) &&
                looks_picture(e, sw, raw, still, ahat, n, i)) {
                e->in[i] = 0;
                peeled++;
            }
        left -= peeled;
        if (peeled && (ret = border_pixels(e, bp, nb, w)) < 0)
            break;
    }
    if (peeled) /* the region has changed since (or the loop never ran) */
        vni_overlay_pool_free(pw);
fail:
    vni_free(ext);
    vni_free(queue);
    vni_free(ahat);
    return ret;
}

/*
 * Parts of the overlay that no border sample reaches (a part inside another, behind an edge of
 * the overlay's own: the fit there only leaks in through the cut links) are taken as opaque
 * (c = 0), for the fill rather than a guessed un-blending: the reach of the border samples is
 * the border indicator w spread along the overlay against a small pull to 0 everywhere. Their W
 * is interpolated from the reached parts' (the pooled fit there is whatever leaked in through
 * the cut links, 0 to 255, and the picture that the un-blending leaves there is read by the
 * temporal fill: overlay_cli's auto case 23.2 dB with W = 0 there, 27.9 dB interpolated).
 */
static int mark_unreached(VniOverlayEst *e, const float *w, const float *gx,
                          const float *gy, float *c, float *wcol, float *reach, float *wt)
{
    const size_t n = (size_t)e->bw * e->bh;
    uint8_t *other = NULL;
    int ret, any = 0;
    for (size_t i = 0; i < n; i++) {
        wt[i] = w[i] + REACH_EPS;
        reach[i] = w[i];
    }
    if ((ret = counted(e, vni_overlay_smooth(reach, w, wt, gx, gy, e->in, e->bw, e->bh, LAMBDA_C,
                                             0, 0.0f))) < 0)
        return ret;
    if (!(other = vni_malloc_array(n, 1)))
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        other[i] = !e->in[i] || reach[i] < REACH_MIN;
        if (e->in[i] && reach[i] < REACH_MIN) {
            c[i] = 0.0f;
            any = 1;
        }
    }
    ret = any ? vni_overlay_harmonic(e->ctx, wcol, other, e->bw, e->bh, 3) : 0;
    vni_free(other);
    return ret;
}

/* Label the region's 8-connected parts 1, 2, ... in lab (n ints; 0 outside), with queue (n
 * ints) as scratch; returns the number of parts. */
static int label_parts(const VniOverlayEst *e, int *lab, int *queue)
{
    const size_t n = (size_t)e->bw * e->bh;
    int parts = 0;
    memset(lab, 0, n * sizeof(int));
    for (size_t s = 0; s < n; s++) {
        size_t head = 0, tail = 0;
        if (!e->in[s] || lab[s])
            continue;
        lab[s] = ++parts;
        queue[tail++] = (int)s;
        while (head < tail) {
            int p = queue[head++], x = p % e->bw, y = p / e->bw;
            for (int yy = VNI_MAX(y - 1, 0); yy <= VNI_MIN(y + 1, e->bh - 1); yy++)
                for (int xx = VNI_MAX(x - 1, 0); xx <= VNI_MIN(x + 1, e->bw - 1); xx++) {
                    int q = yy * e->bw + xx;
                    if (e->in[q] && !lab[q]) {
                        lab[q] = parts;
                        queue[tail++] = q;
                    }
                }
        }
    }
    return parts;
}

/* The luma of an RGB triple (BT.601's weights: the chroma of Y'CbCr adds none to it). */
static double luma(const float *v)
{
    return 0.299 * v[0] + 0.587 * v[1] + 0.114 * v[2];
}

/* A border pixel's samples over the frames, split into luma (Y) and chroma (the RGB less Y),
 * weighted by ω: Σ ω, Σ ω·Ĵ_Y, Σ ω·I_Y, Σ ω·Ĵ_Y², Σ ω·I_Y·Ĵ_Y, then Σ ω·Ĵ_C and Σ ω·I_C per
 * channel, Σ ω·|Ĵ_C|², Σ ω·I_C·Ĵ_C. */
enum { P_N, P_JY, P_IY, P_JJY, P_IJY, P_JC, P_IC = P_JC + 3, P_JJC = P_IC + 3, P_IJC, P_STATS };

static void split_add(double *s, const float *v, const float *j, double om)
{
    double jy = luma(j), iy = luma(v);
    s[P_N] += om;
    s[P_JY] += om * jy;
    s[P_IY] += om * iy;
    s[P_JJY] += om * jy * jy;
    s[P_IJY] += om * iy * jy;
    for (int ch = 0; ch < 3; ch++) {
        double jc = j[ch] - jy, ic = v[ch] - iy;
        s[P_JC + ch] += om * jc;
        s[P_IC + ch] += om * ic;
        s[P_JJC] += om * jc * jc;
        s[P_IJC] += om * ic * jc;
    }
}

/* Fold border pixel sums q (P_STATS, over the kept frames) into its part's sums s about the
 * pixel's own means over time: s[P_JJY] and s[P_IJY], s[P_JJC] and s[P_IJC] get the variance of
 * Ĵ and its covariance with I over time, so that W, which may vary along the border (a
 * gradient), drops out; s[P_N] the weight. */
static void split_fold(double *s, const double *q)
{
    double n = q[P_N];
    if (n < 1e-6)
        return;
    s[P_N] += n;
    s[P_JJY] += q[P_JJY] - q[P_JY] * q[P_JY] / n;
    s[P_IJY] += q[P_IJY] - q[P_JY] * q[P_IY] / n;
    s[P_JJC] += q[P_JJC];
    s[P_IJC] += q[P_IJC];
    for (int ch = 0; ch < 3; ch++) {
        s[P_JJC] -= q[P_JC + ch] * q[P_JC + ch] / n;
        s[P_IJC] -= q[P_JC + ch] * q[P_IC + ch] / n;
    }
}

/* α of a part's luma (chroma = 0) or chroma (1) from its folded sums: 1 − cov(I, Ĵ)/var(Ĵ) over
 * time; the variance in *var; -1 where there is none. */
static double split_alpha(const double *s, int chroma, double *var)
{
    double n = s[P_N];
    if (n < 1e-6)
        return *var = 0.0, -1.0;
    *var = s[chroma ? P_JJC : P_JJY] / n;
    return *var > 0.0 ? 1.0 - s[chroma ? P_IJC : P_IJY] / n / *var : -1.0;
}

/*
 * The check of the fit's one-α model, per part of the region: the border samples' regression of
 * I on Ĵ is made apart in luma and in chroma. A blend I = α·W + (1 − α)·J gives both the same
 * slope; where the picture varies in both and their α lie SPLIT_GAP apart, the overlay was not
 * blended with one α in every channel and no one-α un-blending gives the picture back: FFmpeg's
 * drawbox at 50% on 4:2:0 frames blends the chroma once per luma pixel of its 2x2 block (α 0.94
 * in chroma; testsrc2 under a white box: luma α 0.49, chroma 0.93, the fit's α 0.8, the
 * un-blend 13.8 dB in the box against 23.8 for the fill). Such a part is handed to the fill
 * whole: its α is VNI_OVERLAY_HANDED. The regression is over time, about each border pixel's
 * own means (a W that varies along the border, a gradient, drops out: over space box.mp4's
 * gradient logo showed luma α 0.60, chroma 0.22), its samples weighted as in the fit's last
 * round (the picture's edges along the border count less); it is not corrected as the fit is
 * (Ĵ is not quite the picture under the border, and near a 4:2:0 edge its chroma less so),
 * hence the wide gap and the variances asked for. lab, queue: n ints of scratch. 0 or -ENOMEM.
 */
static int check_split(VniOverlayEst *e, const BorderPx *bp, size_t nb, float *c,
                       const float *wcol, int *lab, int *queue)
{
    const size_t n = (size_t)e->bw * e->bh;
    int parts = label_parts(e, lab, queue);
    double *s = vni_calloc_array((size_t)parts + 1, P_STATS * sizeof(double));
    double *q = vni_calloc_array(nb + 1, P_STATS * sizeof(double));
    if (!s || !q) {
        vni_free(s);
        vni_free(q);
        return -ENOMEM;
    }
    for (int t = 0; t < e->n_kept; t++)
        for (size_t b = 0; b < nb; b++) {
            float v[3], j[3], j2[3];
            size_t i = bp[b].i;
            border_value(bp + b, e->frames + t * n * 3, v, j, j2, NULL, NULL);
            split_add(q + b * P_STATS, v, j, sample_weight(v, j, c[i], wcol + i * 3));
        }
    for (size_t b = 0; b < nb; b++)
        split_fold(s + (size_t)lab[bp[b].i] * P_STATS, q + b * P_STATS);
    vni_free(q);
    for (int k = 1; k <= parts; k++) {
        double vy, vc, ay = split_alpha(s + (size_t)k * P_STATS, 0, &vy),
                       ac = split_alpha(s + (size_t)k * P_STATS, 1, &vc);
        int apart = vy > SPLIT_VAR_Y && vc > SPLIT_VAR_C && fabs(ac - ay) > SPLIT_GAP;
        vni_log(e->ctx, VN_LOG_DEBUG, "overlay: part %d: luma alpha %.3f (var %.1f), chroma alpha "
                "%.3f (var %.1f)%s", k, ay, vy, ac, vc, apart ? ": not one blend, filled" : "");
        for (size_t i = 0; i < n && apart; i++)
            if (lab[i] == k)
                c[i] = 1.0f - VNI_OVERLAY_HANDED;
    }
    vni_free(s);
    return 0;
}

int vni_overlay_solve(VniOverlayEst *e, VnImage **alpha, VnImage **color)
{
    const size_t n = (size_t)e->bw * e->bh;
    float *raw = NULL, *st = NULL, *sw = NULL, *gx = NULL, *gy = NULL, *w = NULL, *c = NULL;
    float *wcol = NULL, *tmp = NULL, *gbuf = NULL, *edge = NULL, *med = NULL, *still;
    VniOverlayPool *pc = NULL, *pw = NULL;
    BorderPx *bp = NULL;
    size_t nb = 0;
    int ret = -ENOMEM, pooled_w;
    *alpha = *color = NULL;
    if (e->n_kept < 2)
        return -EINVAL;
    e->short_of = 0;
    raw = vni_malloc_array(n, N_STATS * sizeof(float));
    st = vni_malloc_array(n, N_STATS * sizeof(float));
    sw = vni_malloc_array(n, N_STATS * sizeof(float));
    wcol = vni_malloc_array(n, 3 * sizeof(float));
    gx = vni_malloc_array(n, sizeof(float));
    gy = vni_malloc_array(n, sizeof(float));
    w = vni_malloc_array(n, sizeof(float));
    c = vni_calloc_array(n, sizeof(float));
    edge = vni_calloc_array(n, sizeof(float));
    tmp = vni_malloc_array(VNI_MAX(n, (size_t)e->n_kept), sizeof(float));
    gbuf = vni_malloc_array(14 * n + (size_t)e->n_kept, sizeof(float));
    med = vni_malloc_array(n, 4 * sizeof(float));
    if (!raw || !st || !sw || !wcol || !gx || !gy || !w || !c || !tmp || !gbuf || !edge || !med)
        goto fail;
    still = med + 3 * n;
    vni_overlay_median(e->frames, e->n_kept, e->bw, e->bh, med, still, tmp);
    e->half = !e->presence && vni_overlay_half_chroma(e->frames + (size_t)(e->n_kept / 2) * n * 3,
                                      (size_t)e->bw * 3, e->x0, e->y0, e->bw, e->bh);
    set_gaps(e, 0, 0);
    edge_links(e, gx, 1, 0, tmp);
    edge_links(e, gy, 0, 1, tmp);
    if ((ret = border_pixels(e, &bp, &nb, w)) < 0)
        goto fail;
    sample_shift(e, bp, nb);
    if ((ret = peel(e, &bp, &nb, raw, sw, w, gx, gy, c, med, still, &pw)) < 0)
        goto fail;
    if (e->half) { /* peeled with the samples at the edge, which there are of the picture */
        vni_log(e->ctx, VN_LOG_DEBUG, "overlay: chroma of half resolution: samples %d and %d "
                "pixels from the region's edge", HALF_GAP, HALF_WGAP);
        set_gaps(e, HALF_GAP, HALF_WGAP);
        if ((ret = border_pixels(e, &bp, &nb, w)) < 0)
            goto fail;
    }
    if ((ret = pool_open(e, &pc, w, gx, gy, LAMBDA_C)) < 0)
        goto fail;
    /* the first round's unweighted sums and their W pooling are peel's last when it kept them */
    pooled_w = pw != NULL && !e->half;
    if (!pw && (ret = pool_open(e, &pw, w, gx, gy, LAMBDA_W)) < 0)
        goto fail;
    for (int round = 0; round < IRLS_ROUNDS; round++) {
        if (round || !pooled_w) {
            regress_sums(e, bp, nb, c, round ? wcol : NULL, raw);
            pool(e, pw, raw, sw, S_N);
        }
        pool(e, pc, raw, st, 0);
        memcpy(tmp, c, n * sizeof(float));
        fit(e, st, sw, c, wcol, edge);
        if (round > 1 && mean_change(e, tmp, c) < IRLS_SETTLED)
            break;
    }
    if ((ret = fit_w_guided(e, raw, c, gx, gy, wcol, gbuf)) < 0 ||
        (!ret && (ret = counted(e, vni_overlay_fit_still(e->ctx, e->frames, e->n_kept, e->in,
                                                          e->bw, e->bh, c, edge, gx, gy,
                                                          wcol))) < 0) ||
        (ret = mark_unreached(e, w, gx, gy, c, wcol, st, st + n)) < 0 ||
        (!e->presence && (ret = check_split(e, bp, nb, c, wcol, (int *)raw, (int *)raw + n)) < 0))
        goto fail;
    if ((ret = vn_image_alloc(alpha, e->fw, e->fh, 1, VN_F32)) < 0 ||
        (ret = vn_image_alloc(color, e->fw, e->fh, 3, VN_F32)) < 0)
        goto fail;
    paste(e, c, wcol, *alpha, *color);
    if (e->short_of)
        vni_log(e->ctx, VN_LOG_DEBUG, "overlay: %d of the estimate's smoothing solves stopped "
                "short of their tolerance", e->short_of);
fail:
    if (ret < 0) {
        vn_image_free(alpha);
        vn_image_free(color);
    }
    vni_overlay_pool_free(&pc);
    vni_overlay_pool_free(&pw);
    vni_free(bp);
    vni_free(raw);
    vni_free(st);
    vni_free(sw);
    vni_free(wcol);
    vni_free(gx);
    vni_free(gy);
    vni_free(w);
    vni_free(c);
    vni_free(tmp);
    vni_free(gbuf);
    vni_free(edge);
    vni_free(med);
    return ret;
}
