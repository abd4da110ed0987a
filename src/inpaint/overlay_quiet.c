/*
 * Finding a semi-transparent overlay where the picture under it barely changes, so that no edge
 * is ever tested by a change of the picture (overlay_detect.c): what is left is the picture's
 * small changes, shared over some pixels (light, the camera's exposure, a codec's drift), and its
 * noise. Inside an overlay I = αW + (1 − α)J, so both are (1 − α) of what they are just outside:
 * the inside follows the outside's shared change by a steady gain r = 1 − α < 1, on every step
 * of its boundary, and its own noise is thinned by as much. A scene's edge under a change of
 * exposure follows by the ratio of its sides' brightness (no light added on the darker side), or
 * by 1 under an offset; its texture gives such steps here and there. Along an overlay's edge
 * the colour W = (m_q − r·m_o)/(1 − r) that a step implies stays the same, also where the
 * working resolution mixes the overlay into a pixel (both the lift and 1 − r scale by the share
 * covered); along a scene's steps it varies.
 * Per pixel, the gain is measured against the outside's shared change alone: the covariance
 * of two outside pixels (o1, o2) is the variance of what they share, free of each one's noise,
 * which would bias a plain regression towards 0.
 */
#include "inpaint/overlay_quiet.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/select.h"
#include "inpaint/overlay_region.h"

#define STEP 8.0f        /* grey levels between the medians across a step */
#define SHARED_MIN 1.5f  /* rms grey levels of the outside's shared change: something to follow */
#define RHO_MIN 0.6f     /* correlation of the inside with the outside */
#define SHARED_LOOSE 1.0f /* the two, looser, for the steps that complete an overlay found */
#define RHO_LOOSE 0.4f
#define GAIN_LO 0.1f     /* the gain r of an overlay's inside (1 − α) */
#define GAIN_HI 0.85f
#define NOISE_HI 0.85f   /* the inside's own noise at most this share of the outside's */
#define NOISE_FLOOR 0.7f /* rms grey levels of noise below which the outside counts as quiet as this
                            (rounding to 8 bits leaves 0.3 on both sides) */
#define LIFT 8.0f        /* grey levels the inside holds above r times the outside */
#define BRIGHT 250.0f    /* a brighter inside is clipped (it follows nothing) */
#define CLOSE_R 3        /* radius (chamfer) of the closing that joins the steps into regions */
#define PART_GAIN 12     /* gain pixels of a region that is part of an overlay (a letter) */
#define MIN_GAIN 40      /* gain pixels of all the parts of an overlay together */
#define MAX_PARTS 200    /* parts looked at */
#define AGREE 0.1f       /* a part's ratio at most this far from the median of all */
#define AGREE_LOOSE 0.15f /* a loose step's ratio at most this far from it */
#define SHARE 0.3f       /* share of the region's step pixels that are gain steps */
#define SPREAD_MAX 30.0f /* interquartile range of the colour along a part's steps, alone */
#define SPREAD_WEAK 50.0f /* the same for a part beside another */
#define COLOR_MAX 275.0f /* the colour implied at most (255 and the estimate's noise) */
#define AGREE_COLOR 30.0f /* or its colour as far from the median colour */
#define EDGE_GAP 8       /* a region this near the frame border is dropped */

/* The gain of q towards o1 (and o2 beyond it) from the sums over the frames: cqq = Σ d_q²,
 * c11 = Σ d_o1², cq2 = Σ d_q d_o2, c12 = Σ d_o1 d_o2, c22 = Σ d_o2²; -1 when it is no
 * overlay's inside. mq, m1, m2: the medians. `loose`: the test of the steps that complete an
 * overlay found, near it: a weaker shared change and correlation, o2 within a step of o1, and
 * no test of the noise (where people pass, what o1 and o2 share leaves more of q unexplained). */
static float gain_of(float cqq, float c11, float c22, float cq2, float c12, float mq, float m1,
                     float m2, int k, int loose)
{
    const float shared_min = loose ? SHARED_LOOSE : SHARED_MIN;
    const float rho_min = loose ? RHO_LOOSE : RHO_MIN, surface = loose ? STEP : 0.5f * STEP;
    float r, noise_q, noise_o;
    if (fabsf(mq - m1) < STEP || fabsf(m1 - m2) >= surface || mq > BRIGHT || cqq >= c11 ||
        c12 < shared_min * shared_min * (float)k)
        return -1.0f;
    r = cq2 / c12;
    if (r < GAIN_LO || r > GAIN_HI || cq2 < rho_min * sqrtf(cqq * c22) || mq - r * m1 < LIFT)
        return -1.0f;
    noise_q = VNI_MAX(cqq - r * cq2, 0.0f);
    noise_o = VNI_MAX(c11 - c12, NOISE_FLOOR * NOISE_FLOOR * (float)k);
    return loose || noise_q <= NOISE_HI * NOISE_HI * noise_o ? r : -1.0f;
}

/* The sums over the frames into s (6 planes of w*h): Σ d², Σ d_p d_{p+1}, Σ d_p d_{p+2},
 * Σ d_p d_{p+w}, Σ d_p d_{p+2w} (0 where the partner is outside the frame). */
static void sums(const float *frames, int n_frames, const float *m, int w, int h, float *s)
{
    const size_t n = (size_t)w * h;
    memset(s, 0, 5 * n * sizeof(float));
    for (int k = 0; k < n_frames; k++) {
        const float *g = frames + (size_t)k * n;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                size_t p = (size_t)y * w + x;
                float d = g[p] - m[p];
                s[p] += d * d;
                if (x + 1 < w)
                    s[n + p] += d * (g[p + 1] - m[p + 1]);
                if (x + 2 < w)
                    s[2 * n + p] += d * (g[p + 2] - m[p + 2]);
                if (y + 1 < h)
                    s[3 * n + p] += d * (g[p + w] - m[p + w]);
                if (y + 2 < h)
                    s[4 * n + p] += d * (g[p + 2 * (size_t)w] - m[p + 2 * (size_t)w]);
            }
    }
}

/* Mark pixel p (away from the border) as the inside of a gain step (gain 1, or 2 with the loose
 * thresholds), with the mean ratio and colour of the ways it is one into r; s: the sums. Returns
 * the mark. */
static int mark(const float *s, const float *m, int w, int h, int k, size_t p, int loose,
                uint8_t *gain, float *r)
{
    const size_t n = (size_t)w * h;
    float acc = 0.0f, acc_w = 0.0f;
    int hits = 0;
    /* the four ways: +x, −x (planes 1, 2), +y, −y (planes 3, 4) */
    for (int dir = 0; dir < 4; dir++) {
        const size_t st = dir < 2 ? 1 : (size_t)w;
        const float *c1 = s + (dir < 2 ? 1 : 3) * n, *c2 = c1 + n;
        size_t o1 = dir % 2 ? p - st : p + st, o2 = dir % 2 ? p - 2 * st : p + 2 * st;
        float cq2 = dir % 2 ? c2[o2] : c2[p], c12 = dir % 2 ? c1[o2] : c1[o1];
        float v = gain_of(s[p], s[o1], s[o2], cq2, c12, m[p], m[o1], m[o2], k, loose);
        if (v >= 0.0f) {
            acc += v;
            acc_w += (m[p] - v * m[o1]) / (1.0f - v);
            hits++;
        }
    }
    if (!hits)
        return 0;
    gain[p] = (uint8_t)(1 + loose);
    r[p] = acc / (float)hits;
    r[n + p] = acc_w / (float)hits;
    return gain[p];
}

int64_t vni_overlay_gain_steps(const float *frames, int n_frames, const float *m, int w, int h,
                               uint8_t *gain, float *r)
{
    const size_t n = (size_t)w * h;
    float *s = vni_malloc_array(n, 5 * sizeof(float));
    int64_t count = 0;
    if (!s)
        return -ENOMEM;
    sums(frames, n_frames, m, w, h, s);
    memset(gain, 0, n);
    memset(r, 0, 2 * n * sizeof(float));
    for (int y = 2; y < h - 2; y++)
        for (int x = 2; x < w - 2; x++)
            for (int loose = 0; loose < 2 && !gain[(size_t)y * w + x]; loose++)
                count += mark(s, m, w, h, n_frames, (size_t)y * w + x, loose, gain, r) == 1;
    vni_free(s);
    return count;
}

/* Chamfer (3-4) distance of every pixel to the nearest pixel of a with value `val`, into dist. */
static void chamfer(const uint8_t *a, uint8_t val, int w, int h, uint16_t *dist)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t p = (size_t)y * w + x;
            int v = a[p] == val ? 0 : 65535;
            if (x > 0)
                v = VNI_MIN(v, dist[p - 1] + 3);
            if (y > 0) {
                v = VNI_MIN(v, dist[p - w] + 3);
                if (x > 0)
                    v = VNI_MIN(v, dist[p - w - 1] + 4);
                if (x + 1 < w)
                    v = VNI_MIN(v, dist[p - w + 1] + 4);
            }
            dist[p] = (uint16_t)v;
        }
    for (int y = h - 1; y >= 0; y--)
        for (int x = w - 1; x >= 0; x--) {
            size_t p = (size_t)y * w + x;
            int v = dist[p];
            if (x + 1 < w)
                v = VNI_MIN(v, dist[p + 1] + 3);
            if (y + 1 < h) {
                v = VNI_MIN(v, dist[p + w] + 3);
                if (x + 1 < w)
                    v = VNI_MIN(v, dist[p + w + 1] + 4);
                if (x > 0)
                    v = VNI_MIN(v, dist[p + w - 1] + 4);
            }
            dist[p] = (uint16_t)v;
        }
}

/* Closing of the set a (0/1) by CLOSE_R into c (0/1). dist: w*h. */
static void closing(const uint8_t *a, uint8_t *c, int w, int h, uint16_t *dist)
{
    const size_t n = (size_t)w * h;
    chamfer(a, 1, w, h, dist);
    for (size_t p = 0; p < n; p++)
        c[p] = dist[p] <= 3 * CLOSE_R;
    chamfer(c, 0, w, h, dist);
    for (size_t p = 0; p < n; p++)
        c[p] = dist[p] > 3 * CLOSE_R;
}

typedef struct Part {
    float ratio; /* the median ratio r along its gain steps */
    float color; /* the median colour W they imply, (m_q − r·m_o1)/(1 − r) */
    int strong;  /* an overlay's part by itself (its colour steady), else only beside one */
    int box[4];
} Part;

/* Whether a region (the pixels of lab equal to `val` in box) has gain steps of an overlay's part:
 * enough of them, a good share of its median steps, implying a steady colour (part->strong), or
 * a colour a little less steady (a part over a textured picture, taken beside a strong part).
 * part->ratio and part->color get their medians. tmp, tmp_w: w*h floats each. */
static int steady(const uint8_t *lab, uint8_t val, const uint8_t *gain, const float *r,
                  const float *rw, const float *m, int w, Part *part, float *tmp, float *tmp_w)
{
    const int *box = part->box;
    int nq = 0, ns = 0;
    float iqr;
    for (int y = box[1]; y <= box[3]; y++)
        for (int x = box[0]; x <= box[2]; x++) {
            size_t p = (size_t)y * w + x;
            if (lab[p] != val)
                continue;
            if (gain[p] == 1) {
                tmp_w[nq] = rw[p];
                tmp[nq++] = r[p];
            }
            ns += fabsf(m[p] - m[p + 1]) >= STEP || fabsf(m[p] - m[p - 1]) >= STEP ||
                  fabsf(m[p] - m[p + w]) >= STEP || fabsf(m[p] - m[p - w]) >= STEP;
        }
    if (nq < PART_GAIN || (float)nq < SHARE * (float)ns)
        return 0;
    part->ratio = vni_select_f32(tmp, nq, nq / 2);
    part->color = vni_select_f32(tmp_w, nq, nq / 2);
    iqr = vni_select_f32(tmp_w, nq, 3 * nq / 4) - vni_select_f32(tmp_w, nq, nq / 4);
    part->strong = iqr <= SPREAD_MAX;
    return iqr <= SPREAD_WEAK && part->color <= COLOR_MAX;
}

/* Label the regions of the closing c (1 on them) that may be parts of an overlay (steady)
 * 3 + i, i < MAX_PARTS, described in parts[i]; the others 2. Returns the number of parts. */
static int find_parts(uint8_t *c, const uint8_t *gain, const float *r, const float *m, int w,
                      int h, Part *parts, float *tmp, int32_t *stack)
{
    const size_t n = (size_t)w * h;
    int n_parts = 0;
    /* the regions lie inside the frame (steps, closing) by 2 pixels at least */
    for (size_t p = 0; p < n; p++) {
        int64_t area;
        int ok = 0;
        Part *q = parts + n_parts;
        if (c[p] != 1)
            continue;
        area = vni_overlay_flood(c, w, h, p, 1, 255, 1, stack, q->box);
        if (n_parts < MAX_PARTS && area <= (int64_t)(n / 5) && q->box[0] >= EDGE_GAP &&
            q->box[1] >= EDGE_GAP && q->box[2] < w - EDGE_GAP && q->box[3] < h - EDGE_GAP)
            ok = steady(c, 255, gain, r, r + n, m, w, q, tmp, tmp + n);
        vni_overlay_flood(c, w, h, p, 255, (uint8_t)(ok ? 3 + n_parts : 2), 1, stack, q->box);
        n_parts += ok;
    }
    return n_parts;
}

/* Whether box b meets box a grown by half its larger side (as far as an overlay's parts lie
 * from one another). */
static int beside(const int a[4], const int b[4])
{
    int g = VNI_MAX(a[2] - a[0], a[3] - a[1]) / 2;
    return b[0] <= a[2] + g && b[2] >= a[0] - g && b[1] <= a[3] + g && b[3] >= a[1] - g;
}

/* Which parts are kept (keep[i]): the strong ones whose ratio agrees with the median ratio of
 * the strong ones, and the others that agree too and lie beside a kept strong one. *ratio and
 * *color get the strong ones' median ratio and colour (left as they are when there is none). */
static void agree(const Part *parts, int n_parts, uint8_t *keep, float *ratio, float *color)
{
    float ratios[MAX_PARTS], colors[MAX_PARTS], mid, mid_c;
    int n_strong = 0;
    memset(keep, 0, (size_t)n_parts);
    for (int i = 0; i < n_parts; i++)
        if (parts[i].strong) {
            colors[n_strong] = parts[i].color;
            ratios[n_strong++] = parts[i].ratio;
        }
    if (!n_strong)
        return;
    *ratio = mid = vni_select_f32(ratios, n_strong, n_strong / 2);
    *color = mid_c = vni_select_f32(colors, n_strong, n_strong / 2);
    for (int i = 0; i < n_parts; i++)
        keep[i] = parts[i].strong && (fabsf(parts[i].ratio - mid) <= AGREE ||
                                      fabsf(parts[i].color - mid_c) <= AGREE_COLOR);
    for (int i = 0; i < n_parts; i++)
        for (int j = 0; j < n_parts && !keep[i]; j++)
            keep[i] = parts[j].strong && keep[j] && beside(parts[j].box, parts[i].box) &&
                      (fabsf(parts[i].ratio - mid) <= AGREE ||
                       fabsf(parts[i].color - mid_c) <= AGREE_COLOR);
}

/* The footprint (out, 0/1) of the kept parts (labels 3 + i in c): their gain pixels, grown over
 * the pixels of the part that no median step parts from them (the inside of a letter thicker
 * than the steps). Nothing when the parts hold fewer than MIN_GAIN gain pixels together.
 * stack: w*h. Returns the pixel count. */
static int64_t fill_parts(const uint8_t *c, const uint8_t *keep, const uint8_t *gain,
                          const float *m, int w, int h, uint8_t *out, int32_t *stack)
{
    const size_t n = (size_t)w * h;
    int64_t kept = 0, top = 0;
    memset(out, 0, n);
    for (size_t p = 0; p < n; p++)
        if (c[p] >= 3 && keep[c[p] - 3] && gain[p] == 1) {
            out[p] = 1;
            stack[top++] = (int32_t)p;
        }
    if (top < MIN_GAIN) {
        memset(out, 0, n);
        return 0;
    }
    while (top > 0) {
        int32_t p = stack[--top];
        const int32_t nb[4] = {p - 1, p + 1, p - w, p + w};
        kept++;
        for (int k = 0; k < 4; k++)
            if (c[nb[k]] >= 3 && keep[c[nb[k]] - 3] && !out[nb[k]] &&
                fabsf(m[nb[k]] - m[p]) < 0.5f * STEP) {
                out[nb[k]] = 1;
                stack[top++] = nb[k];
            }
    }
    return kept;
}

/* Add to out the pixels marked by the loose test (gain 2) beside the kept strong parts whose
 * ratio and colour (r, 2 planes) agree with the overlay's (ratio, color): the steps where the
 * picture's shared change is weaker or its own change disturbs it. Returns the pixels added. */
static int64_t complete_parts(const Part *parts, int n_parts, const uint8_t *keep,
                              const uint8_t *gain, const float *r, float ratio, float color,
                              int w, int h, uint8_t *out)
{
    const size_t n = (size_t)w * h;
    int64_t added = 0;
    for (int i = 0; i < n_parts; i++) {
        const int *b = parts[i].box;
        int g = VNI_MAX(b[2] - b[0], b[3] - b[1]) / 2;
        if (!keep[i] || !parts[i].strong)
            continue;
        for (int y = VNI_MAX(0, b[1] - g); y <= VNI_MIN(h - 1, b[3] + g); y++)
            for (int x = VNI_MAX(0, b[0] - g); x <= VNI_MIN(w - 1, b[2] + g); x++) {
                size_t p = (size_t)y * w + x;
                if (gain[p] != 2 || out[p] || fabsf(r[p] - ratio) > AGREE_LOOSE ||
                    fabsf(r[n + p] - color) > AGREE_COLOR)
                    continue;
                out[p] = 1;
                added++;
            }
    }
    return added;
}

int64_t vni_overlay_quiet(const float *frames, int n_frames, const float *m, int w, int h,
                          uint8_t *out)
{
    const size_t n = (size_t)w * h;
    uint8_t *gain = vni_malloc_array(n, 2), keep[MAX_PARTS];
    float *r = vni_malloc_array(n, 4 * sizeof(float));
    int32_t *stack = vni_malloc_array(n, sizeof(int32_t));
    Part *parts = vni_malloc_array(MAX_PARTS, sizeof(Part));
    int64_t kept = 0;
    int n_parts;
    memset(out, 0, n);
    if (!gain || !r || !stack || !parts) {
        kept = -ENOMEM;
        goto fail;
    }
    if ((kept = vni_overlay_gain_steps(frames, n_frames, m, w, h, gain, r)) < MIN_GAIN) {
        kept = VNI_MIN(kept, 0);
        goto fail;
    }
    kept = 0;
    closing(gain, gain + n, w, h, (uint16_t *)(void *)stack);
    if ((n_parts = find_parts(gain + n, gain, r, m, w, h, parts, r + 2 * n, stack)) > 0) {
        float ratio = 0.0f, color = 0.0f;
        agree(parts, n_parts, keep, &ratio, &color);
        if ((kept = fill_parts(gain + n, keep, gain, m, w, h, out, stack)) > 0)
            kept += complete_parts(parts, n_parts, keep, gain, r, ratio, color, w, h, out);
    }
fail:
    vni_free(gain);
    vni_free(r);
    vni_free(stack);
    vni_free(parts);
    return kept;
}
