/*
 * Estimating a static overlay's opacity α and colour W from many frames.
 *
 * Per pixel the blend I = α·W + (1 − α)·J is an affine map of the picture J, the same in every
 * frame. So (after Dekel et al., CVPR 2017, who use the statistics of many images that share one
 * watermark):
 *  - the frame-to-frame variation of I is that of J scaled by c = 1 − α: c² is the ratio of the
 *    temporal-difference energy inside the overlay to the energy that the picture would have
 *    there, interpolated (membrane) from the pixels just outside the region;
 *  - the temporal mean of I is α·W + c·mean(J), with mean(J) interpolated from outside likewise;
 *  - the temporal median of the spatial gradients is the overlay's own gradient (the picture's
 *    gradients vary and cancel in the median): these are the overlay's edges. Both fields are smoothed
 *    with links that these edges cut, so that each part of the overlay pools the evidence of all
 *    its pixels (where the picture does not move, α comes from the parts where it does).
 * Only a box around the region is kept, for at most max_frames evenly spaced frames.
 */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/maskops.h"
#include "core/select.h"

#define RING 8            /* pixels of picture kept around the region */
#define NOISE_E 0.5f      /* temporal-difference energy of 8-bit rounding over 3 channels */
#define NOISE_MAX 8.0f    /* the most temporal energy taken as noise */
#define CONF_E 30.0f      /* energy at which the temporal evidence counts half */
#define EDGE_SIGMA 3.0f   /* median-gradient size (grey levels) that halves a link */
#define LAMBDA_C 2000.0f    /* smoothing of c against its data */
#define LAMBDA_W 2000.0f    /* smoothing of W against its data */
#define SPREAD_W 1.0f       /* data weight when spreading the confidence along the overlay */
#define UNSEEN 0.15f        /* confidence below which α is unknown (taken as opaque) ... */
#define SEEN_NEAR 0.5f      /* ... unless the confidence spread from nearby is above this */

struct VniOverlayEst {
    const VnContext *ctx;
    int fw, fh;             /* frame size */
    int x0, y0, bw, bh;     /* the box kept */
    uint8_t *in;            /* bw*bh: 1 inside the region */
    uint8_t *frames;        /* max_frames crops of bw*bh*3 */
    int max_frames, n_kept, stride;
    int64_t n_offered;
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

/* Temporal mean (3 channels) and mean squared frame-to-frame difference (summed over channels). */
static void temporal_stats(const VniOverlayEst *e, float *mean, float *energy)
{
    const size_t n = (size_t)e->bw * e->bh, n3 = n * 3;
    const int K = e->n_kept;
    memset(mean, 0, n3 * sizeof(float));
    memset(energy, 0, n * sizeof(float));
    for (int t = 0; t < K; t++) {
        const uint8_t *f = e->frames + t * n3, *g = t > 0 ? f - n3 : f;
        for (size_t i = 0; i < n3; i++) {
            mean[i] += f[i];
            energy[i / 3] += (float)((f[i] - g[i]) * (f[i] - g[i]));
        }
    }
    for (size_t i = 0; i < n3; i++)
        mean[i] /= (float)K;
    for (size_t i = 0; i < n; i++)
        energy[i] /= (float)(K - 1);
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

/*
 * Where the picture around the overlay never moves there is no information about α: the
 * confidence w is spread along the overlay (links cut at its edges, decay over ~45 pixels), and
 * where a pixel's own confidence is below UNSEEN and the spread one below SEEN_NEAR the overlay
 * is taken as opaque (c = 0), so that the fill
 * rather than a guessed un-blending takes care of it. spread and tmp: n floats of scratch.
 */
static int mark_unseen(VniOverlayEst *e, const float *w, const float *gx, const float *gy,
                       float *c, float *spread, float *tmp)
{
    const size_t n = (size_t)e->bw * e->bh;
    int ret;
    for (size_t i = 0; i < n; i++) {
        tmp[i] = e->in[i] ? SPREAD_W : 0.0f;
        spread[i] = w[i];
    }
    if ((ret = vni_overlay_smooth(spread, w, tmp, gx, gy, e->in, e->bw, e->bh, LAMBDA_C, 0,
                                  0.0f)) < 0)
        return ret;
    for (size_t i = 0; i < n; i++)
        if (e->in[i] && w[i] < UNSEEN && spread[i] < SEEN_NEAR)
            c[i] = 0.0f;
    return 0;
}

/* The temporal-difference energy of the video's noise (codec, sensor): the 10th percentile over
 * the box (its still parts: an opaque overlay, a static background), between the energy of
 * 8-bit rounding and NOISE_MAX. tmp: n floats of scratch. */
static float noise_floor(const float *energy, size_t n, float *tmp)
{
    memcpy(tmp, energy, n * sizeof(float));
    return VNI_CLAMP(vni_select_f32(tmp, (int)n, (int)(n / 10)), NOISE_E, NOISE_MAX);
}

/* c = 1 − α from the ratio of temporal energies, with its confidence, then smoothed. */
static int solve_c(VniOverlayEst *e, const float *energy, const float *gx, const float *gy,
                   float *c, float *w)
{
    const size_t n = (size_t)e->bw * e->bh;
    float *ej = vni_malloc_array(n, sizeof(float)), *d = vni_malloc_array(n, sizeof(float));
    float noise;
    int ret = -ENOMEM;
    if (!ej || !d)
        goto fail;
    noise = noise_floor(energy, n, d);
    memcpy(ej, energy, n * sizeof(float));
    if ((ret = vni_overlay_harmonic(e->ctx, ej, e->in, e->bw, e->bh, 1)) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        float num = VNI_MAX(energy[i] - noise, 0.0f), den = VNI_MAX(ej[i] - noise, 1e-3f);
        d[i] = VNI_MIN(sqrtf(num / den), 1.0f);
        w[i] = e->in[i] ? den / (den + CONF_E) : 0.0f;
        c[i] = e->in[i] ? d[i] : 1.0f;
    }
    if ((ret = vni_overlay_smooth(c, d, w, gx, gy, e->in, e->bw, e->bh, LAMBDA_C, 0, 1.0f)) < 0)
        goto fail;
    ret = mark_unseen(e, w, gx, gy, c, ej, d);
fail:
    vni_free(ej);
    vni_free(d);
    return ret;
}

/* W per channel from mean(I) = α·W + c·mean(J), with mean(J) interpolated from outside the
 * region, weighted by α² (W is only seen through α), then smoothed along the overlay. */
static int solve_w(VniOverlayEst *e, const float *mean, const float *c, const float *gx,
                   const float *gy, float *wcol)
{
    const size_t n = (size_t)e->bw * e->bh;
    float *v = vni_malloc_array(n, 3 * sizeof(float)), *d = vni_malloc_array(n, sizeof(float));
    float *ww = vni_malloc_array(n, sizeof(float)), *x = vni_malloc_array(n, sizeof(float));
    int ret = -ENOMEM;
    if (!v || !d || !ww || !x)
        goto fail;
    memcpy(v, mean, n * 3 * sizeof(float));
    if ((ret = vni_overlay_harmonic(e->ctx, v, e->in, e->bw, e->bh, 3)) < 0)
        goto fail;
    for (int ch = 0; ch < 3 && ret >= 0; ch++) {
        for (size_t i = 0; i < n; i++) {
            float a = 1.0f - c[i];
            ww[i] = e->in[i] && a > 0.02f ? a * a : 0.0f;
            d[i] = a > 0.02f ? (mean[i * 3 + ch] - c[i] * v[i * 3 + ch]) / a : 0.0f;
            d[i] = VNI_CLAMP(d[i], 0.0f, 255.0f);
            x[i] = d[i];
        }
        ret = vni_overlay_smooth(x, d, ww, gx, gy, e->in, e->bw, e->bh, LAMBDA_W, 0, 0.0f);
        for (size_t i = 0; i < n; i++)
            wcol[i * 3 + ch] = VNI_CLAMP(x[i], 0.0f, 255.0f);
    }
fail:
    vni_free(v);
    vni_free(d);
    vni_free(ww);
    vni_free(x);
    return ret;
}

/* Paste the crop's α and W into frame-size images. */
static void paste(const VniOverlayEst *e, const float *c, const float *wcol, VnImage *alpha,
                  VnImage *color)
{
    for (int y = 0; y < e->bh; y++) {
        float *a = (float *)vn_image_row(alpha, e->y0 + y) + e->x0;
        float *w = (float *)vn_image_row(color, e->y0 + y) + (size_t)e->x0 * 3;
        for (int x = 0; x < e->bw; x++) {
            size_t p = (size_t)y * e->bw + x;
            float av = e->in[p] ? VNI_CLAMP(1.0f - c[p], 0.0f, 1.0f) : 0.0f;
            a[x] = av;
            for (int ch = 0; ch < 3; ch++)
                w[x * 3 + ch] = av > 0.0f ? wcol[p * 3 + ch] : 0.0f;
        }
    }
}

int vni_overlay_solve(VniOverlayEst *e, VnImage **alpha, VnImage **color)
{
    const size_t n = (size_t)e->bw * e->bh;
    float *mean = NULL, *energy = NULL, *gx = NULL, *gy = NULL, *c = NULL, *w = NULL, *wcol = NULL;
    float *tmp = NULL;
    int ret = -ENOMEM;
    *alpha = *color = NULL;
    if (e->n_kept < 2)
        return -EINVAL;
    mean = vni_malloc_array(n, 3 * sizeof(float));
    wcol = vni_malloc_array(n, 3 * sizeof(float));
    energy = vni_malloc_array(n, sizeof(float));
    gx = vni_malloc_array(n, sizeof(float));
    gy = vni_malloc_array(n, sizeof(float));
    c = vni_malloc_array(n, sizeof(float));
    w = vni_malloc_array(n, sizeof(float));
    tmp = vni_malloc_array((size_t)e->n_kept, sizeof(float));
    if (!mean || !wcol || !energy || !gx || !gy || !c || !w || !tmp)
        goto fail;
    temporal_stats(e, mean, energy);
    edge_links(e, gx, 1, 0, tmp);
    edge_links(e, gy, 0, 1, tmp);
    if ((ret = solve_c(e, energy, gx, gy, c, w)) < 0 ||
        (ret = solve_w(e, mean, c, gx, gy, wcol)) < 0)
        goto fail;
    if ((ret = vn_image_alloc(alpha, e->fw, e->fh, 1, VN_F32)) < 0 ||
        (ret = vn_image_alloc(color, e->fw, e->fh, 3, VN_F32)) < 0)
        goto fail;
    paste(e, c, wcol, *alpha, *color);
fail:
    if (ret < 0) {
        vn_image_free(alpha);
        vn_image_free(color);
    }
    vni_free(mean);
    vni_free(wcol);
    vni_free(energy);
    vni_free(gx);
    vni_free(gy);
    vni_free(c);
    vni_free(w);
    vni_free(tmp);
    return ret;
}
