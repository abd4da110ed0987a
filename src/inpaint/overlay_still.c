/*
 * α and W of a static overlay where the picture under it stays put (overlay_est.c's fit needs
 * the picture to move: its guided fit of W runs only when a fifth of the region moves).
 *
 * Over a still picture the frames say no more than one picture does. The border fit of α·W,
 * pooled along the overlay, is flat over each part: a gradient logo's W, which varies by a hundred
 * grey levels across a part, stays in the picture given back, divided by 1 − α (vtest 432
 * gradient 0.7: 16.6 dB). And its α is high: Ĵ, the picture one pixel outside, follows the
 * picture under the border only in part on fine texture (grass), and W's own change along the
 * border adds to the spread (vtest gradient: +0.06 to +0.08, the left "C" at 0.7 +0.19, so that
 * it was filled as opaque). But the overlay is smooth inside its parts and the picture is not:
 *  - every pixel of the region gives α·W = I − c·Ĵ, with I its temporal median and Ĵ the picture
 *    around the region interpolated into it (harmonic), up to c·(J − Ĵ): the picture's texture
 *    and objects;
 *  - whether W varies inside a part is decided first: the part (pixels joined by links that no
 *    strong edge cuts) is fitted with an affine α·W per channel by reweighted least squares (an
 *    object under the overlay that Ĵ does not show is far from the plane and counts little); a
 *    part whose plane rises by less than SLOPE_LO over AFF_SCALE pixels is taken as flat (the
 *    OpenCV logo's colours over vtest: slopes up to 25 from the picture alone; the gradient
 *    logo's 30 to 100), and the border fit is kept there; parts too small for a plane (letters)
 *    follow the large ones;
 *  - in a part that varies, c = 1 − α is moved halfway to the ratio of the fine texture inside
 *    the part to that around the region (the picture shows through with its texture times c;
 *    a smooth W adds none). The ratio alone is exact on a picture of even texture (the unit
 *    test) but trusts the picture under the overlay to be as rough as around it, which vtest's
 *    grass beside the pavement is not (±0.05); the border fit errs the other way;
 *  - α·W is then the data I − c·Ĵ smoothed over the region (membrane, with the data's own
 *    differences averaged along the overlay as guidance, so that a gradient is kept and not
 *    flattened toward each part's mean), reweighted so that the picture's objects count little;
 *  - α and W take these by how still each pixel is, except where W is known at the edge of its
 *    range (white, black, pure colours: overlay_est.c's at_edge).
 * It also holds the ring test by which overlay_est.c peels a region drawn larger than an overlay
 * over a still picture (vni_overlay_ring_alpha).
 */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/linsolve.h"
#include "core/select.h"

#define STILL_MOVE 3.0f    /* median absolute deviation over time (grey levels) at which a pixel
                              counts half as still */
#define PART_LINK 5e-4f    /* link weight from which two pixels are in one part (a median
                              difference under ~20 grey levels, for overlay_est.c's EDGE_SIGMA) */
#define PART_MIN 100       /* pixels of a part from which it gets its own plane */
#define PART_ALPHA 0.1f    /* mean α of a part under which it is taken as picture, at twice
                              which it counts fully (a region drawn larger than the overlay) */
#define N_AFF 9            /* unknowns of a part's plane: 3 per channel */
#define AFF_SCALE 32.0f    /* pixels over which a plane's slope is measured */
#define AFF_ROUNDS 6       /* reweighted fits of a plane */
#define AFF_S 8.0f         /* residual (grey levels) at which a pixel counts half in a plane */
#define SLOPE_LO 26.0f     /* rise of α·W over AFF_SCALE (grey levels) up to which a part is flat */
#define SLOPE_HI 40.0f     /* ... and from which it is a gradient */
#define FIT_LO 2.5f        /* median distance from a part's plane over its median texture up to
                              which the plane is trusted ... */
#define FIT_HI 3.5f        /* ... and from which not at all (a picture object under the part) */
#define GRAIN_MIN 0.5f     /* least median texture (grey levels) that the distance is taken over */
#define TEX_MIN 3.0f       /* median texture around the region (grey levels, 3 channels) under
                              which it is noise rather than the picture's, and tells nothing */
#define TEX_MIX 0.5f       /* share of the texture ratio in c where W varies */
#define LAMBDA_GUIDE 100.0f /* averaging of the data's differences along the overlay */
#define LAMBDA_STILL 100.0f /* smoothing of α·W */
#define STILL_ROUNDS 4     /* reweighted smoothings */
#define STILL_S 10.0f      /* residual (grey levels) at which a pixel counts half in them */
#define RING_R 7           /* half-size of the window of ring pixels pooled by the ring test */
#define RING_TEX 4.0f      /* variance of the picture (grey levels², 3 channels) under which the
                              window is flat and the ring test takes the step instead */
#define RING_STEP 4.0f     /* rms step (grey levels) that counts as overlay over a flat picture */
#define RING_C0_MIN 0.3f   /* least slope taken for the picture's own one-pixel prediction */

/* The crop the fit works on: frames and region as overlay_est.c keeps them. */
typedef struct Still {
    const VnContext *ctx;
    const uint8_t *frames, *in;
    int n_frames, w, h;
    size_t n;
} Still;

/* The temporal median of every pixel, per channel, into med (n*3 interleaved), and in still (n)
 * how surely the picture there stays put: STILL_MOVE²/(s² + STILL_MOVE²) for the largest median
 * absolute deviation s over time of its channels. tmp: n_frames floats. */
static void temporal_median(const Still *s, float *med, float *still, float *tmp)
{
    const size_t n3 = s->n * 3;
    for (size_t p = 0; p < s->n; p++) {
        float dev = 0.0f;
        for (int c = 0; c < 3; c++) {
            for (int t = 0; t < s->n_frames; t++)
                tmp[t] = (float)s->frames[t * n3 + p * 3 + c];
            med[p * 3 + c] = vni_select_f32(tmp, s->n_frames, s->n_frames / 2);
            for (int t = 0; t < s->n_frames; t++)
                tmp[t] = fabsf(tmp[t] - med[p * 3 + c]);
            dev = VNI_MAX(dev, vni_select_f32(tmp, s->n_frames, s->n_frames / 2));
        }
        still[p] = STILL_MOVE * STILL_MOVE / (dev * dev + STILL_MOVE * STILL_MOVE);
    }
}

/* A part of the region: its pixels (indices into the crop) and centre. */
typedef struct Part {
    const int *px;
    int np;
    float cx, cy;
} Part;

/* The plane x (N_AFF) of part pt at pixel p for channel ch. */
static float plane_at(const Still *s, const Part *pt, const double *x, int p, int ch)
{
    float u = ((float)(p % s->w) - pt->cx) / AFF_SCALE, v = ((float)(p / s->w) - pt->cy) / AFF_SCALE;
    return (float)(x[3 * ch] + x[3 * ch + 1] * u + x[3 * ch + 2] * v);
}

/* The plane through the data d (3 packed fields) of part pt by reweighted least squares, each
 * pixel weighted by still, into x. 0, or -1 when the system is singular. */
static int fit_plane(const Still *s, const Part *pt, const float *d, const float *still,
                     double *x)
{
    for (int round = 0; round < AFF_ROUNDS; round++) {
        double m[9] = {0}, r[3][3] = {{0}};
        for (int k = 0; k < pt->np; k++) {
            int p = pt->px[k];
            double f[3] = {1.0, ((float)(p % s->w) - pt->cx) / AFF_SCALE,
                           ((float)(p / s->w) - pt->cy) / AFF_SCALE};
            float om = still[p], r2 = 0.0f;
            for (int ch = 0; ch < 3 && round; ch++) {
                float e = d[ch * s->n + p] - plane_at(s, pt, x, p, ch);
                r2 += e * e;
            }
            om /= 1.0f + r2 / (3.0f * AFF_S * AFF_S);
            for (int a = 0; a < 3; a++) {
                for (int ch = 0; ch < 3; ch++)
                    r[ch][a] += om * f[a] * d[ch * s->n + p];
                for (int b = 0; b < 3; b++)
                    m[a * 3 + b] += om * f[a] * f[b];
            }
        }
        for (int ch = 0; ch < 3; ch++) {
            double a[9];
            memcpy(a, m, sizeof(a));
            memcpy(x + 3 * ch, r[ch], sizeof(r[ch]));
            if (vni_solve_linear(a, x + 3 * ch, 3) < 0)
                return -1;
        }
    }
    return 0;
}

/* The fine texture of the picture at pixel p: the sum over the channels of |med − its 3x3 mean|,
 * or -1 where the 3x3 window leaves the crop or is not all of one kind: all of part k (k ≥ 0)
 * or all outside the region (k < 0). */
static float grain_at(const Still *s, const float *med, const int *part, int p, int k)
{
    int x = p % s->w, y = p / s->w;
    float m[3] = {0.0f, 0.0f, 0.0f}, e = 0.0f;
    if (x < 1 || y < 1 || x + 1 >= s->w || y + 1 >= s->h)
        return -1.0f;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++) {
            int q = p + dy * s->w + dx;
            if (k >= 0 ? part[q] != k : s->in[q] != 0)
                return -1.0f;
            for (int ch = 0; ch < 3; ch++)
                m[ch] += med[q * 3 + ch] / 9.0f;
        }
    for (int ch = 0; ch < 3; ch++)
        e += fabsf(med[p * 3 + ch] - m[ch]);
    return e;
}

/* The median of grain_at over the pixels px (np of them) for kind k; -1 when none has one.
 * tmp: np floats. */
static float median_grain(const Still *s, const float *med, const int *part, const int *px,
                          int np, int k, float *tmp)
{
    int m = 0;
    for (int j = 0; j < np; j++) {
        float e = grain_at(s, med, part, px ? px[j] : j, k);
        if (e >= 0.0f)
            tmp[m++] = e;
    }
    return m >= 16 ? vni_select_f32(tmp, m, m / 2) : -1.0f;
}

/* The parts of the region: 4-connected pixels joined by links gx, gy above PART_LINK. part[p]:
 * the part of pixel p (-1 outside); order: the pixels grouped by part, part k's at
 * order[start[k] .. start[k + 1] - 1] (start: n + 1 ints). Returns the number of parts. */
static int find_parts(const Still *s, const float *gx, const float *gy, int *part, int *order,
                      int *start)
{
    const int n = (int)s->n;
    int np = 0, tail = 0;
    for (int i = 0; i < n; i++)
        part[i] = -1;
    for (int i = 0; i < n; i++) {
        int head = tail;
        if (!s->in[i] || part[i] >= 0)
            continue;
        start[np] = tail;
        part[i] = np;
        order[tail++] = i;
        while (head < tail) {
            int p = order[head++], x = p % s->w, y = p / s->w;
            int q[4] = {p + 1, p - 1, p + s->w, p - s->w};
            int ok[4] = {x + 1 < s->w && gx[p] > PART_LINK, x > 0 && gx[p - 1] > PART_LINK,
                         y + 1 < s->h && gy[p] > PART_LINK, y > 0 && gy[p - s->w] > PART_LINK};
            for (int k = 0; k < 4; k++)
                if (ok[k] && s->in[q[k]] && part[q[k]] < 0) {
                    part[q[k]] = np;
                    order[tail++] = q[k];
                }
        }
        np++;
    }
    start[np] = tail;
    return np;
}

/* The median over the pixels of part pt of the distance of d (3 packed fields) from the plane x
 * over the channels. tmp: pt->np floats. */
static float plane_residual(const Still *s, const Part *pt, const float *d, const double *x,
                            float *tmp)
{
    for (int j = 0; j < pt->np; j++) {
        float r2 = 0.0f;
        for (int ch = 0; ch < 3; ch++) {
            float e = d[ch * s->n + pt->px[j]] - plane_at(s, pt, x, pt->px[j], ch);
            r2 += e * e;
        }
        tmp[j] = sqrtf(r2);
    }
    return vni_select_f32(tmp, pt->np, pt->np / 2);
}

/*
 * How surely W varies inside part pt (number k of part), 0..1: the largest slope of its plane
 * through d (fit_plane) over the channels and directions, between SLOPE_LO and SLOPE_HI; its
 * mean α (c), between PART_ALPHA and twice that; and how well the plane fits: the median distance
 * of d from it over the part's median fine texture (grain_at of the temporal median med), between
 * FIT_LO and FIT_HI. A large object of the picture under the part (vtest's white van under the
 * OpenCV logo's red ring at the top right corner: 3.8 to 5.2) tilts the plane as a gradient
 * would, and fits it badly (gradient rings over grass, trees, Megamind's dark: 1.0 to 2.3). The median texture into *ei (-1 when too few pixels have
 * one); tmp: pt->np floats.
 */
static float part_gate(const Still *s, Part *pt, int k, const float *d, const float *still,
                       const float *c, const float *med, const int *part, float *tmp, float *ei)
{
    double x[N_AFF];
    float m = 0.0f, a = 0.0f, res;
    *ei = -1.0f;
    for (int j = 0; j < pt->np; j++) {
        pt->cx += (float)(pt->px[j] % s->w) / (float)pt->np;
        pt->cy += (float)(pt->px[j] / s->w) / (float)pt->np;
        a += (1.0f - c[pt->px[j]]) / (float)pt->np;
    }
    if (fit_plane(s, pt, d, still, x) < 0)
        return 0.0f;
    for (int q = 0; q < N_AFF; q++)
        if (q % 3)
            m = VNI_MAX(m, (float)fabs(x[q]));
    res = plane_residual(s, pt, d, x, tmp);
    if ((*ei = median_grain(s, med, part, pt->px, pt->np, k, tmp)) < 0.0f)
        return 0.0f;
    return VNI_CLAMP((m - SLOPE_LO) / (SLOPE_HI - SLOPE_LO), 0.0f, 1.0f) *
           VNI_CLAMP((a - PART_ALPHA) / PART_ALPHA, 0.0f, 1.0f) *
           VNI_CLAMP((FIT_HI - res / VNI_MAX(*ei, GRAIN_MIN)) / (FIT_HI - FIT_LO), 0.0f, 1.0f);
}

/*
 * How surely W varies inside each part, 0..1, into gate (n) (part_gate); parts under PART_MIN
 * pixels take the mean of the others', by their sizes. Into ctex (n), for the parts that vary, the
 * ratio of the median fine texture inside the part to that outside the region, where the texture
 * outside is the picture's (TEX_MIN) and not below the inside's; -1 elsewhere. 0 or -ENOMEM.
 */
static int gradient_gate(const Still *s, const float *d, const float *still, const float *c,
                         const float *med, const float *gx, const float *gy, float *gate,
                         float *ctex)
{
    float *tmp = vni_malloc_array(s->n, sizeof(float)), eo;
    int *part = vni_malloc_array(s->n, sizeof(int)), *order = vni_malloc_array(s->n, sizeof(int));
    int *start = vni_malloc_array(s->n + 1, sizeof(int)), np, ret = -ENOMEM;
    double sum = 0.0, num = 0.0;
    if (!part || !order || !start || !tmp)
        goto fail;
    memset(gate, 0, s->n * sizeof(float));
    for (size_t i = 0; i < s->n; i++)
        ctex[i] = -1.0f;
    np = find_parts(s, gx, gy, part, order, start);
    eo = median_grain(s, med, part, NULL, (int)s->n, -1, tmp);
    for (int k = 0; k < np; k++) {
        Part pt = {order + start[k], start[k + 1] - start[k], 0.0f, 0.0f};
        float ei, g;
        if (pt.np < PART_MIN)
            continue;
        g = part_gate(s, &pt, k, d, still, c, med, part, tmp, &ei);
        for (int j = 0; j < pt.np; j++) {
            gate[pt.px[j]] = g;
            if (g > 0.0f && eo >= TEX_MIN && ei >= 0.0f && ei <= eo)
                ctex[pt.px[j]] = ei / eo;
        }
        sum += (double)pt.np * g;
        num += (double)pt.np;
    }
    for (int k = 0; k < np && num > 0.0; k++)
        for (int j = start[k]; j < start[k + 1] && start[k + 1] - start[k] < PART_MIN; j++)
            gate[order[j]] = (float)(sum / num);
    ret = 0;
fail:
    vni_free(part);
    vni_free(order);
    vni_free(start);
    vni_free(tmp);
    return ret;
}

/* The guidance for the smoothing of d: its differences to the right (vx) and down (vy) inside
 * the region, averaged along it (the picture's texture and objects cancel, a gradient's slope
 * stays). ones: n floats of 1; t (3n), tw (n): scratch. The number of solves that stopped short,
 * or -ENOMEM. */
static int guidance(const Still *s, const float *d, const float *ones, float *vx, float *vy,
                    float *t, float *tw)
{
    int shorts = 0;
    for (int dir = 0; dir < 2; dir++) {
        size_t off = dir ? (size_t)s->w : 1;
        float *v = dir ? vy : vx;
        for (size_t i = 0; i < s->n; i++) {
            int ok = s->in[i] && (dir ? i + off < s->n : (int)(i % s->w) + 1 < s->w) &&
                     s->in[i + off];
            tw[i] = ok ? 1.0f : 0.0f;
            for (int ch = 0; ch < 3; ch++)
                t[ch * s->n + i] = v[ch * s->n + i] =
                    ok ? d[ch * s->n + i + off] - d[ch * s->n + i] : 0.0f;
        }
        int r = vni_overlay_smooth_fields(v, t, 3, tw, ones, ones, s->in, s->w, s->h,
                                          LAMBDA_GUIDE, 0, 0.0f);
        if (r < 0)
            return r;
        shorts += r;
    }
    return shorts;
}

/* α·W in aw (3 packed fields, holding a guess) from the data d by reweighted guided smoothing
 * (ws: n floats of scratch; the rest as for guidance). The number of solves that stopped short,
 * or -ENOMEM. */
static int smooth_aw(const Still *s, float *aw, const float *d, const float *ones,
                     const float *vx, const float *vy, float *ws)
{
    int r, shorts = 0;
    for (int round = 0; round < STILL_ROUNDS; round++) {
        for (size_t i = 0; i < s->n; i++) {
            float r2 = 0.0f;
            for (int ch = 0; ch < 3 && round; ch++) {
                float e = aw[ch * s->n + i] - d[ch * s->n + i];
                r2 += e * e;
            }
            ws[i] = s->in[i] ? 1.0f / (1.0f + r2 / (3.0f * STILL_S * STILL_S)) : 0.0f;
        }
        if ((r = vni_overlay_smooth_guided(aw, d, 3, ws, ones, ones, vx, vy, s->in, s->w, s->h,
                                           LAMBDA_STILL)) < 0)
            return r;
        shorts += r;
    }
    return shorts;
}

int vni_overlay_fit_still(const VnContext *ctx, const uint8_t *frames, int n_frames,
                        const uint8_t *in, int width, int height, float *c,
                        const float *edge, const float *gx, const float *gy, float *wcol)
{
    const size_t n = (size_t)width * height;
    Still s = {ctx, frames, in, n_frames, width, height, n};
    float *buf = vni_malloc_array(n, 26 * sizeof(float));
    float *tmp = vni_malloc_array((size_t)n_frames, sizeof(float));
    float *med, *jh, *d, *aw, *vx, *vy, *t, *still, *gate, *ones, *ws, *ctex;
    int ret = -ENOMEM, shorts = 0;
    if (!buf || !tmp)
        goto fail;
    med = buf, jh = buf + 3 * n, d = buf + 6 * n, aw = buf + 9 * n, vx = buf + 12 * n;
    vy = buf + 15 * n, t = buf + 18 * n, still = buf + 21 * n, gate = buf + 22 * n;
    ones = buf + 23 * n, ws = buf + 24 * n, ctex = buf + 25 * n;
    temporal_median(&s, med, still, tmp);
    memcpy(jh, med, n * 3 * sizeof(float));
    if ((ret = vni_overlay_harmonic(ctx, jh, in, width, height, 3)) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        ones[i] = 1.0f;
        for (int ch = 0; ch < 3; ch++)
            d[ch * n + i] = med[i * 3 + ch] - c[i] * jh[i * 3 + ch];
    }
    if ((ret = gradient_gate(&s, d, still, c, med, gx, gy, gate, ctex)) < 0)
        goto fail;
    ret = 0;
    for (size_t i = 0; i < n && !ret; i++)
        ret = in[i] && gate[i] * (1.0f - edge[i]) * still[i] > 0.0f;
    if (!ret) /* no part varies: nothing to change */
        goto fail;
    for (size_t i = 0; i < n; i++) {
        float k = gate[i] * (1.0f - edge[i]) * still[i], a0 = 1.0f - c[i];
        if (in[i] && ctex[i] >= 0.0f)
            c[i] += TEX_MIX * k * (ctex[i] - c[i]);
        for (int ch = 0; ch < 3; ch++) {
            d[ch * n + i] = med[i * 3 + ch] - c[i] * jh[i * 3 + ch];
            aw[ch * n + i] = a0 * wcol[i * 3 + ch];
        }
    }
    if ((ret = guidance(&s, d, ones, vx, vy, t, ws)) < 0)
        goto fail;
    shorts = ret;
    if ((ret = smooth_aw(&s, aw, d, ones, vx, vy, ws)) < 0)
        goto fail;
    shorts += ret;
    for (size_t i = 0; i < n; i++) {
        float a = 1.0f - c[i], k = gate[i] * (1.0f - edge[i]) * still[i];
        for (int ch = 0; ch < 3 && in[i] && a > 0.02f; ch++) {
            float v = VNI_CLAMP(aw[ch * n + i] / a, 0.0f, 255.0f);
            wcol[i * 3 + ch] += k * (v - wcol[i * 3 + ch]);
        }
    }
    ret = shorts;
fail:
    vni_free(buf);
    vni_free(tmp);
    return ret;
}

void vni_overlay_median(const uint8_t *frames, int n_frames, int width, int height, float *med,
                        float *still, float *tmp)
{
    Still s = {NULL, frames, NULL, n_frames, width, height, (size_t)width * height};
    temporal_median(&s, med, still, tmp);
}

/* The sums of one ring pixel: over its outside 4-neighbours q whose next pixel q2 is outside too,
 * and the channels, of the medians p (the ring pixel), q and q2. */
enum { R_N, R_P, R_Q = R_P + 3, R_Q2 = R_Q + 3, R_PQ = R_Q2 + 3, R_QQ, R_QQ2, R_Q2Q2, N_RING };

/* Add ring pixel (x, y)'s sums to s (N_RING doubles); 1 when it has a pair (q, q2), else 0. */
static int ring_sums(const float *med, const uint8_t *ext, int w, int h, int x, int y, double *s)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    const size_t i = (size_t)y * w + x;
    int k = 0;
    for (int d = 0; d < 4; d++) {
        int x2 = x + 2 * dx[d], y2 = y + 2 * dy[d];
        size_t q = (size_t)(y + dy[d]) * w + x + dx[d], q2 = (size_t)y2 * w + x2;
        if (x2 < 0 || y2 < 0 || x2 >= w || y2 >= h || !ext[q] || !ext[q2])
            continue;
        s[R_N] += 1.0;
        for (int ch = 0; ch < 3; ch++) {
            double p = med[i * 3 + ch], a = med[q * 3 + ch], b = med[q2 * 3 + ch];
            s[R_P + ch] += p;
            s[R_Q + ch] += a;
            s[R_Q2 + ch] += b;
            s[R_PQ] += p * a;
            s[R_QQ] += a * a;
            s[R_QQ2] += a * b;
            s[R_Q2Q2] += b * b;
        }
        k = 1;
    }
    return k;
}

/* α at a ring pixel from its window's pooled sums s: the picture one pixel outside predicts the
 * ring pixel with the slope c = cov(p, q)/var(q); the picture's own slope one pixel further out,
 * c0 = cov(q, q2)/var(q2), is what c is over picture alone (fine texture is only partly
 * predicted one pixel away), and 1 − c/c0 is the share the overlay takes. Over flat picture (no
 * texture to regress on) a step of RING_STEP between p and q beyond the one between q and q2
 * counts as overlay (α 1), none as picture (0). */
static float ring_alpha(const double *s)
{
    double n = s[R_N], vq = s[R_QQ] / n, vq2 = s[R_Q2Q2] / n, cpq = s[R_PQ] / n;
    double cqq = s[R_QQ2] / n, step = 0.0, c, c0;
    for (int ch = 0; ch < 3; ch++) {
        double mp = s[R_P + ch] / n, mq = s[R_Q + ch] / n, mq2 = s[R_Q2 + ch] / n;
        vq -= mq * mq;
        vq2 -= mq2 * mq2;
        cpq -= mp * mq;
        cqq -= mq * mq2;
        step += (mp - mq) * (mp - mq) - (mq - mq2) * (mq - mq2);
    }
    if (vq < RING_TEX || vq2 < RING_TEX)
        return step > 3.0 * RING_STEP * RING_STEP ? 1.0f : -1.0f;
    c = cpq / vq;
    c0 = VNI_MAX(cqq / vq2, RING_C0_MIN);
    return (float)VNI_CLAMP(1.0 - c / c0, 0.0, 1.0);
}

int vni_overlay_ring_alpha(const float *med, const uint8_t *in, const uint8_t *ext, int width,
                           int height, float *ahat)
{
    const size_t n = (size_t)width * height;
    double *sums = vni_calloc_array(n, N_RING * sizeof(double));
    if (!sums)
        return -ENOMEM;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            size_t i = (size_t)y * width + x;
            ahat[i] = -1.0f;
            if (in[i])
                ring_sums(med, ext, width, height, x, y, sums + i * N_RING);
        }
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            double s[N_RING] = {0};
            if (sums[((size_t)y * width + x) * N_RING + R_N] <= 0.0)
                continue;
            for (int yy = VNI_MAX(y - RING_R, 0); yy <= VNI_MIN(y + RING_R, height - 1); yy++)
                for (int xx = VNI_MAX(x - RING_R, 0); xx <= VNI_MIN(x + RING_R, width - 1); xx++) {
                    const double *t = sums + ((size_t)yy * width + xx) * N_RING;
                    for (int k = 0; k < N_RING && t[R_N] > 0.0; k++)
                        s[k] += t[k];
                }
            ahat[(size_t)y * width + x] = ring_alpha(s);
        }
    vni_free(sums);
    return 0;
}
