/*
 * Finding a static overlay without a click: its edges stay put while the picture around and
 * under them changes (after Dekel et al., CVPR 2017, who take the median of the gradients of
 * many images that share a watermark).
 *
 * Frames are reduced to a working resolution (at most 480 pixels a side) in grey, and at most
 * KEEP of them are kept, evenly spaced over the video. Then, per pixel:
 *  - the temporal median M of the grey value, and per frame a "changed" flag where G_k − o_k is
 *    more than T outside the range of M within 2 pixels (o_k: the frame's median offset from M,
 *    so that an exposure change is not a change, and a wobble is not one either);
 *  - a frame tests the pixel when something changed within TEST_R pixels of it;
 *  - the median gradient across frames (of doubled-angle gradients: an overlay's edge may flip
 *    contrast with the picture behind it) is the persistent edge; the pixel is an overlay edge
 *    when it is strong and, in most of the frames that test it, the frame's own gradient keeps
 *    its orientation and at least half its size.
 * A static scene is never tested, so it gives no evidence. overlay_region.c turns the edges into
 * a footprint; strong edges that too few frames tested may extend an overlay found from the others.
 * Where the picture's own gradients break the per-frame tests, an edge whose median gradient keeps
 * most of the frames' mean size (its direction holds) is consistent: those complete a footprint
 * found from the others with the parts they join it to, and are never evidence alone.
 * A scene object in front of a moving picture (a sign people walk behind) keeps its edges too, but
 * it hides the picture: a part of the footprint that is neither constant (opaque) nor varies in
 * time a good share of what the picture around it does is dropped at the end.
 * The overlay is added after the camera, I = αW + (1 − α)J: a change of the picture inside it is
 * 1 − α of the same change just outside. Per strong edge, the share of the frames that moved one
 * side in which the other moved the same way by a fraction of it is the consistency of α there;
 * a region whose edges are consistent is taken where the picture round it changes too little
 * for the ring test (overlay_region.c).
 * Where the scene's own edges persist everywhere (leaves that wobble in place), they close with a
 * logo's into one region too large to be taken; there a light overlay is found by its pixels,
 * quieter and lighter than the picture round them (overlay_lift.c).
 */
#include "inpaint/overlay.h"
#include "inpaint/overlay_lift.h"
#include "inpaint/overlay_quiet.h"
#include "inpaint/overlay_region.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/select.h"

#define WORK_SIDE 480
#define KEEP 64            /* frames kept (even) */
#define CHANGE 12.0f       /* grey levels: the picture changed there */
#define TEST_R 2           /* a change this near tests an edge */
#define WOBBLE 2           /* pixels a scene may wobble without changing */
#define N_MIN 8            /* frames that must test an edge */
#define PERSIST 0.75f      /* share of those in which the edge held */
#define STRENGTH 40.0f     /* median Sobel response of an edge (a step of about 10 levels) */
#define COS2 0.8f          /* cos of the doubled angle between a frame's and the median edge */
#define MAG_RATIO 0.5f     /* a frame's edge at least this share of the median's */
#define WEAK_PERSIST 0.7f  /* the same for a weak edge (a semi-transparent logo's over a textured */
#define WEAK_COS2 0.6f     /* picture, whose own gradients disturb the logo's in many frames): */
#define WEAK_MAG 0.35f     /* it counts where it joins an edge (hysteresis) */
#define CONSIST 0.7f       /* a consistent edge: the median gradient at least this share of the
                              mean size of the frames' own (Dekel et al.'s statistic) */
#define SIDE 2.0f          /* pixels from an edge to its sides for the consistency of α */
#define RATIO_LO 0.1f      /* the change inside an overlay, as a share of the change outside */
#define RATIO_HI 0.9f
#define BORDER 4           /* pixels at the frame border that give no evidence */
#define CONST_K 0.4f       /* an exactly constant pixel: spread at most this share of the noise
                              floor ... */
#define CONST_MIN 0.25f    /* ... and within these grey levels */
#define CONST_MAX 1.25f
#define QUIET_K 0.8f       /* a quiet pixel: spread at most this share of the noise floor */
#define CLIP 2.0f          /* grey levels from black or white that count as clipped */
#define OPAQUE_SHARE 0.15f /* share of constant pixels that makes a footprint's part opaque */
#define NEAR_MAX 16        /* parts of a footprint that its completion looks round */
#define CONTRAST 8.0f      /* grey levels a footprint's pixel must stand out of the picture */

struct VniOverlayDetect {
    const VnContext *ctx;
    int fw, fh, scale, w, h;
    float *frames;          /* KEEP grey frames of w*h */
    uint8_t *opaque;        /* w*h: 1 on the last proposal where constant over time */
    int n_kept, stride;
    int64_t n_offered;
};

int vni_overlay_detect_open(const VnContext *ctx, VniOverlayDetect **pd, int width, int height)
{
    VniOverlayDetect *d;
    *pd = NULL;
    if (width < 8 || height < 8)
        return -EINVAL;
    if (!(d = vni_calloc_array(1, sizeof(*d))))
        return -ENOMEM;
    d->ctx = ctx;
    d->fw = width;
    d->fh = height;
    d->scale = (VNI_MAX(width, height) + WORK_SIDE - 1) / WORK_SIDE;
    d->w = width / d->scale;
    d->h = height / d->scale;
    d->stride = 1;
    if (!(d->frames = vni_malloc_array((size_t)d->w * d->h, KEEP * sizeof(float))) ||
        !(d->opaque = vni_calloc_array((size_t)d->w * d->h, 1))) {
        vni_free(d->frames);
        vni_freep(&d);
        return -ENOMEM;
    }
    *pd = d;
    return 0;
}

void vni_overlay_detect_free(VniOverlayDetect **pd)
{
    if (!pd || !*pd)
        return;
    vni_free((*pd)->frames);
    vni_free((*pd)->opaque);
    vni_freep(pd);
}

/* Box-average the frame to the working resolution, in grey. */
static void reduce(const VniOverlayDetect *d, const VnImage *rgb, float *g)
{
    const int s = d->scale;
    for (int y = 0; y < d->h; y++)
        for (int x = 0; x < d->w; x++) {
            float acc = 0.0f;
            for (int yy = 0; yy < s; yy++) {
                const uint8_t *p = vn_image_row(rgb, y * s + yy) + (size_t)x * s * 3;
                for (int xx = 0; xx < s * 3; xx += 3)
                    acc += 0.299f * p[xx] + 0.587f * p[xx + 1] + 0.114f * p[xx + 2];
            }
            g[(size_t)y * d->w + x] = acc / (float)(s * s);
        }
}

int vni_overlay_detect_add(VniOverlayDetect *d, const VnImage *rgb)
{
    const size_t n = (size_t)d->w * d->h;
    if (!rgb || rgb->type != VN_U8 || rgb->channels != 3 || rgb->width != d->fw ||
        rgb->height != d->fh)
        return -EINVAL;
    if (d->n_offered++ % d->stride)
        return 0;
    if (d->n_kept == KEEP) {
        /* keep every other frame and take every other one offered from now on */
        for (int k = 1; k < KEEP / 2; k++)
            memcpy(d->frames + k * n, d->frames + 2 * k * n, n * sizeof(float));
        d->n_kept = KEEP / 2;
        d->stride *= 2;
        if ((d->n_offered - 1) % d->stride)
            return 0;
    }
    reduce(d, rgb, d->frames + d->n_kept++ * n);
    return 0;
}

/* Per-pixel temporal median M of the kept frames, and each frame's median offset from it. */
static void medians(const VniOverlayDetect *d, float *m, float *off, float *tmp)
{
    const size_t n = (size_t)d->w * d->h;
    const int K = d->n_kept;
    float v[KEEP];
    for (size_t p = 0; p < n; p++) {
        for (int k = 0; k < K; k++)
            v[k] = d->frames[k * n + p];
        m[p] = vni_select_f32(v, K, K / 2);
    }
    for (int k = 0; k < K; k++) {
        /* a sparse sample of the frame is enough for its offset */
        size_t step = n / 4096 + 1, j = 0;
        for (size_t p = 0; p < n; p += step)
            tmp[j++] = d->frames[k * n + p] - m[p];
        off[k] = vni_select_f32(tmp, (int)j, (int)j / 2);
    }
}

/* Separable max (sign 1) or min (sign -1) of src over a (2r+1)² box into dst; tmp: w*h. */
static void box_extreme(const float *src, float *dst, float *tmp, int w, int h, int r, float sign)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = sign * src[(size_t)y * w + x];
            for (int dx = -r; dx <= r; dx++)
                if (x + dx >= 0 && x + dx < w)
                    v = VNI_MAX(v, sign * src[(size_t)y * w + x + dx]);
            tmp[(size_t)y * w + x] = v;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = tmp[(size_t)y * w + x];
            for (int dy = -r; dy <= r; dy++)
                if (y + dy >= 0 && y + dy < h)
                    v = VNI_MAX(v, tmp[(size_t)(y + dy) * w + x]);
            dst[(size_t)y * w + x] = sign * v;
        }
}

/* Grow the set pixels of t (w x h) by r (box) in place; tmp: w*h. */
static void grow_box(uint8_t *t, uint8_t *tmp, int w, int h, int r)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = 0;
            for (int dx = -r; dx <= r; dx++)
                v |= x + dx >= 0 && x + dx < w && t[(size_t)y * w + x + dx];
            tmp[(size_t)y * w + x] = v;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t v = 0;
            for (int dy = -r; dy <= r; dy++)
                v |= y + dy >= 0 && y + dy < h && tmp[(size_t)(y + dy) * w + x];
            t[(size_t)y * w + x] = v;
        }
}

/*
 * Per frame, 1 where something changed within TEST_R pixels. A pixel changed when its value
 * (less the frame's offset) lies more than CHANGE outside the range of the median frame within
 * WOBBLE pixels: a scene that only wobbles (leaves in the wind, a hand-held object held still)
 * does not test anything; a picture that really moves does. changed: the share of frames in which
 * each pixel changed. fbuf: 3*w*h floats.
 */
static void tests(const VniOverlayDetect *d, const float *m, const float *off, uint8_t *t,
                  uint8_t *tmp, float *changed, float *fbuf)
{
    const int w = d->w, h = d->h;
    const size_t n = (size_t)w * h;
    float *hi = fbuf, *lo = fbuf + n;
    box_extreme(m, hi, fbuf + 2 * n, w, h, WOBBLE, 1.0f);
    box_extreme(m, lo, fbuf + 2 * n, w, h, WOBBLE, -1.0f);
    for (int k = 0; k < d->n_kept; k++) {
        const float *g = d->frames + k * n;
        uint8_t *tk = t + k * n;
        for (size_t p = 0; p < n; p++) {
            float v = g[p] - off[k];
            tk[p] = v > hi[p] + CHANGE || v < lo[p] - CHANGE;
            changed[p] += tk[p];
        }
        grow_box(tk, tmp, w, h, TEST_R);
    }
    for (size_t p = 0; p < n; p++)
        changed[p] /= (float)d->n_kept;
}

/* Whether the edge at p (interior pixel) held in the frames that tested it (VNI_OVL_EDGE), held
 * only by the weak test (VNI_OVL_WEAK), is a strong edge that too few frames tested
 * (VNI_OVL_UNTESTED), only a consistent one (VNI_OVL_CONSISTENT: over those frames the median
 * gradient keeps CONSIST of the frames' mean size, though the picture's own gradients break the
 * per-frame tests), or neither. Gradients are taken with doubled angles, (gx² − gy²,
 * 2·gx·gy)/|g|, so that an edge whose contrast flips with the picture behind it keeps one
 * direction; their per-component median is the persistent edge. */
static uint8_t persistent(const VniOverlayDetect *d, size_t p, const uint8_t *t)
{
    const size_t n = (size_t)d->w * d->h, w = (size_t)d->w;
    const int K = d->n_kept;
    float ux[KEEP], uy[KEEP], sx[KEEP], sy[KEEP], mx, my, mm;
    int tested = 0, held = 0, weak = 0;
    float sum = 0.0f;
    for (int k = 0; k < K; k++) {
        const float *g = d->frames + k * n;
        float gx = (g[p - w + 1] + 2 * g[p + 1] + g[p + w + 1]) - (g[p - w - 1] + 2 * g[p - 1] + g[p + w - 1]);
        float gy = (g[p + w - 1] + 2 * g[p + w] + g[p + w + 1]) - (g[p - w - 1] + 2 * g[p - w] + g[p - w + 1]);
        float m = sqrtf(gx * gx + gy * gy) + 1e-6f;
        sx[k] = ux[k] = (gx * gx - gy * gy) / m;
        sy[k] = uy[k] = 2.0f * gx * gy / m;
    }
    mx = vni_select_f32(sx, K, K / 2);
    my = vni_select_f32(sy, K, K / 2);
    if ((mm = sqrtf(mx * mx + my * my)) < STRENGTH)
        return VNI_OVL_NONE;
    for (int k = 0; k < K; k++) {
        float m = sqrtf(ux[k] * ux[k] + uy[k] * uy[k]);
        if (!t[k * n + p])
            continue;
        tested++;
        sum += m;
        held += m >= MAG_RATIO * mm && ux[k] * mx + uy[k] * my > COS2 * m * mm;
        weak += m >= WEAK_MAG * mm && ux[k] * mx + uy[k] * my > WEAK_COS2 * m * mm;
    }
    if (held >= PERSIST * tested)
        return tested >= N_MIN ? VNI_OVL_EDGE : VNI_OVL_UNTESTED;
    if (tested < N_MIN)
        return VNI_OVL_NONE;
    return weak >= WEAK_PERSIST * tested ? VNI_OVL_WEAK
           : mm * (float)tested >= CONSIST * sum ? VNI_OVL_CONSISTENT : VNI_OVL_NONE;
}

/*
 * How consistently the picture's change across the edge at p (interior pixel) is a
 * semi-transparent overlay's: inside an overlay I = αW + (1 − α)J, so a change of the picture
 * there is (1 − α) of the same change just outside. The sides are the pixels SIDE away along the
 * median's gradient, the quieter one (smaller mean absolute deviation from the median) taken as
 * inside; of the frames in which the other side moved more than CHANGE, the share in which the
 * quieter side moved the same way by RATIO_LO..RATIO_HI of it. A scene's edge that something
 * passes over changes both sides alike or one alone. 0 where the median edge is weaker than
 * STRENGTH or fewer than N_MIN frames moved. m: the median; off: the frames' offsets.
 */
static float alpha_consistency(const VniOverlayDetect *d, const float *m, const float *off,
                               size_t p)
{
    const size_t n = (size_t)d->w * d->h, w = (size_t)d->w;
    float gx = (m[p - w + 1] + 2 * m[p + 1] + m[p + w + 1]) - (m[p - w - 1] + 2 * m[p - 1] + m[p + w - 1]);
    float gy = (m[p + w - 1] + 2 * m[p + w] + m[p + w + 1]) - (m[p - w - 1] + 2 * m[p - w] + m[p - w + 1]);
    float mag = sqrtf(gx * gx + gy * gy), sa = 0.0f, sb = 0.0f;
    ptrdiff_t da, qa, qb;
    int active = 0, held = 0;
    if (mag < STRENGTH)
        return 0.0f;
    da = (ptrdiff_t)lrintf(SIDE * gy / mag) * (ptrdiff_t)w + (ptrdiff_t)lrintf(SIDE * gx / mag);
    for (int k = 0; k < d->n_kept; k++) {
        const float *g = d->frames + k * n;
        sa += fabsf(g[p + da] - off[k] - m[p + da]);
        sb += fabsf(g[p - da] - off[k] - m[p - da]);
    }
    qa = sa < sb ? da : -da; /* the quieter side */
    qb = -qa;
    for (int k = 0; k < d->n_kept; k++) {
        const float *g = d->frames + k * n;
        float lo = g[p + qb] - off[k] - m[p + qb], q = g[p + qa] - off[k] - m[p + qa];
        if (fabsf(lo) <= CHANGE)
            continue;
        active++;
        held += q * lo > RATIO_LO * lo * lo && q * lo < RATIO_HI * lo * lo;
    }
    return active >= N_MIN ? (float)held / (float)active : 0.0f;
}

/*
 * Exactly constant pixels into cst (VNI_OVL_CONSTANT, VNI_OVL_STILL within half the threshold):
 * their mean absolute deviation from the temporal median,
 * with no exposure correction (an opaque overlay does not follow the exposure), is at most
 * CONST_K times the scene's noise floor (the median deviation of the pixels that never changed,
 * or of the steadiest quarter when few never changed), within CONST_MIN..CONST_MAX grey levels.
 * Clipped pixels (black, white) are never taken: a clipped scene is constant too (still ones are
 * VNI_OVL_CLIPPED: only a part of an overlay found from the others takes them). Pixels with a
 * neighbour (3x3) quieter than QUIET_K times the noise floor are VNI_OVL_QUIET (an overlay
 * thins the noise of the picture behind it by 1 − α). r, tmp: w*h.
 */
static void constant(const VniOverlayDetect *d, const float *m, const float *changed, float *r,
                     float *tmp, uint8_t *cst)
{
    const size_t n = (size_t)d->w * d->h;
    const int K = d->n_kept;
    size_t j = 0;
    float floor_, tau;
    for (size_t p = 0; p < n; p++) {
        float acc = 0.0f;
        for (int k = 0; k < K; k++)
            acc += fabsf(d->frames[k * n + p] - m[p]);
        r[p] = acc / (float)K;
        if (changed[p] == 0.0f)
            tmp[j++] = r[p];
    }
    if (j >= n / 20) {
        floor_ = vni_select_f32(tmp, (int)j, (int)j / 2);
    } else {
        memcpy(tmp, r, n * sizeof(float));
        floor_ = vni_select_f32(tmp, (int)n, (int)n / 4);
    }
    tau = VNI_CLAMP(CONST_K * floor_, CONST_MIN, CONST_MAX);
    memset(cst, 0, n);
    for (int y = BORDER; y < d->h - BORDER; y++)
        for (int x = BORDER; x < d->w - BORDER; x++) {
            size_t p = (size_t)y * d->w + x;
            float q = r[p];
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    q = VNI_MIN(q, r[p + (ptrdiff_t)dy * d->w + dx]);
            if (r[p] <= tau && m[p] > CLIP && m[p] < 255.0f - CLIP)
                cst[p] = r[p] <= 0.5f * tau ? VNI_OVL_STILL : VNI_OVL_CONSTANT;
            else if (r[p] <= 0.5f * tau)
                cst[p] = VNI_OVL_CLIPPED;
            else if (q <= QUIET_K * floor_)
                cst[p] = VNI_OVL_QUIET;
        }
}

/* Write the working-resolution map on (0/1) into mask at the frame size: 255 on, 0 off.
 * Returns the pixel count. */
static int64_t upscale(const VniOverlayDetect *d, const uint8_t *on, VnImage *mask)
{
    int64_t kept = 0;
    for (int y = 0; y < d->fh; y++)
        for (int x = 0; x < d->fw; x++) {
            int xs = VNI_MIN(x / d->scale, d->w - 1), ys = VNI_MIN(y / d->scale, d->h - 1);
            uint8_t v = on[(size_t)ys * d->w + xs];
            vn_image_row(mask, y)[x] = v ? 255 : 0;
            kept += v;
        }
    return kept;
}

int64_t vni_overlay_detect_opaque(const VniOverlayDetect *d, VnImage *mask)
{
    int64_t n;
    if (!mask || mask->type != VN_U8 || mask->channels != 1 || mask->width != d->fw ||
        mask->height != d->fh)
        return -EINVAL;
    n = upscale(d, d->opaque, mask);
    if (d->scale > 1)
        return n;
    /* at the frame's resolution, their edge is known to the pixel */
    for (int y = 0; y < d->fh; y++)
        for (int x = 0; x < d->fw; x++) {
            uint8_t *v = vn_image_row(mask, y) + x;
            for (int k = 0; k < 4 && !*v; k++) {
                int xx = x + (k == 0) - (k == 1), yy = y + (k == 2) - (k == 3);
                if (xx >= 0 && yy >= 0 && xx < d->fw && yy < d->fh &&
                    vn_image_row(mask, yy)[xx] == 255)
                    *v = 128;
            }
        }
    return n;
}

/* Replace the edges of class `from` in e (w*h) by class `to`. */
static void recode(uint8_t *e, size_t n, uint8_t from, uint8_t to)
{
    for (size_t p = 0; p < n; p++)
        if (e[p] == from)
            e[p] = to;
}

/* Hysteresis: the weak edges 8-connected to an edge become edges, the other weak edges none.
 * stack: w*h int32. */
static void join_weak(uint8_t *e, int w, int h, int32_t *stack)
{
    const size_t n = (size_t)w * h;
    for (size_t p = 0; p < n; p++) {
        int64_t top = 0;
        if (e[p] != VNI_OVL_EDGE)
            continue;
        stack[top++] = (int32_t)p;
        while (top > 0) {
            int32_t q = stack[--top];
            int x = q % w, y = q / w;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int32_t r = q + dy * w + dx;
                    if (x + dx < 0 || y + dy < 0 || x + dx >= w || y + dy >= h ||
                        e[r] != VNI_OVL_WEAK)
                        continue;
                    e[r] = VNI_OVL_EDGE;
                    stack[top++] = r;
                }
        }
    }
    recode(e, n, VNI_OVL_WEAK, VNI_OVL_NONE);
}

/* The footprint (out, 0/1) from the edge map e (classes): region, tightening, pass-through.
 * region: w*h scratch; m: the median, changed, spread (w*h each). Returns its pixel count. */
static int64_t footprint(const VniOverlayDetect *d, const uint8_t *e, const float *m,
                         const uint8_t *cst, int semi, uint8_t *out, uint8_t *region)
{
    const int w = d->w, h = d->h;
    const size_t n = (size_t)w * h;
    int64_t kept = vni_overlay_region(e, m + n, semi ? m + 4 * n : NULL, cst, d->n_kept, w, h,
                                      out);
    if (kept <= 0)
        return kept;
    memcpy(region, out, n);
    if ((kept = vni_overlay_tighten(d->ctx, out, m, m + 2 * n, w, h, CONTRAST)) <= 0)
        return kept;
    return vni_overlay_pass_through(out, region, cst, m + 2 * n, w, h);
}

/* Join to out (0/1) the components of the footprint b (0/1, w x h) that meet it; b becomes
 * labels (4 joined, 5 not). stack: w*h int32. */
static void join_meeting(uint8_t *out, uint8_t *b, int w, int h, int32_t *stack)
{
    const size_t n = (size_t)w * h;
    int box[4];
    /* labels in b: 1 new, 3 under test, 4 meets out, 5 does not */
    for (size_t p = 0; p < n; p++) {
        int meets = 0;
        if (b[p] != 1)
            continue;
        vni_overlay_flood(b, w, h, p, 1, 3, 1, stack, box);
        for (int y = box[1]; y <= box[3] && !meets; y++)
            for (int x = box[0]; x <= box[2]; x++)
                meets |= b[(size_t)y * w + x] == 3 && out[(size_t)y * w + x];
        vni_overlay_flood(b, w, h, p, 3, meets ? 4 : 5, 1, stack, box);
    }
    for (size_t p = 0; p < n; p++)
        out[p] |= b[p] == 4;
}

/* Clear the edges of e (w x h) outside the reach of the components of out (0/1) that are not
 * opaque (OPAQUE_SHARE of their pixels constant at most, by cst: an opaque overlay is found
 * whole from its constant pixels): their boxes grown by half their larger side, as far as an
 * overlay's parts lie from one another (NEAR_MAX components at most). a: w*h scratch; stack:
 * w*h int32. */
static void keep_near(uint8_t *e, const uint8_t *out, const uint8_t *cst, int w, int h,
                      uint8_t *a, int32_t *stack)
{
    const size_t n = (size_t)w * h;
    int box[4], boxes[NEAR_MAX][4], n_boxes = 0;
    memcpy(a, out, n);
    for (size_t p = 0; p < n && n_boxes < NEAR_MAX; p++) {
        int64_t area, opaque = 0;
        if (a[p] != 1)
            continue;
        area = vni_overlay_flood(a, w, h, p, 1, 2, 1, stack, box);
        for (int y = box[1]; y <= box[3]; y++)
            for (int x = box[0]; x <= box[2]; x++)
                opaque += a[(size_t)y * w + x] == 2 && cst[(size_t)y * w + x] >= VNI_OVL_CONSTANT;
        vni_overlay_flood(a, w, h, p, 2, 3, 1, stack, box);
        if ((float)opaque <= OPAQUE_SHARE * (float)area)
            memcpy(boxes[n_boxes++], box, sizeof(box));
    }
    memset(a, 0, n);
    for (int i = 0; i < n_boxes; i++) {
        int g = VNI_MAX(boxes[i][2] - boxes[i][0], boxes[i][3] - boxes[i][1]) / 2;
        for (int y = VNI_MAX(0, boxes[i][1] - g); y <= VNI_MIN(h - 1, boxes[i][3] + g); y++)
            memset(a + (size_t)y * w + VNI_MAX(0, boxes[i][0] - g), 1,
                   (size_t)(VNI_MIN(w - 1, boxes[i][2] + g) - VNI_MAX(0, boxes[i][0] - g) + 1));
    }
    for (size_t p = 0; p < n; p++)
        if (!a[p])
            e[p] = VNI_OVL_NONE;
}

/*
 * Complete a footprint out (0/1, w x h) found from the persistent edges: the edges e (classes)
 * with the consistent ones joined to them as weak edges give another footprint (into b), whose
 * components that meet out join it. A semi-transparent logo over a textured or still picture
 * keeps few edges that pass the per-frame tests, so out may hold only some of its parts; the
 * consistent edges find the rest but also a scene's long straight edges that slide along
 * themselves (a table's edge), which alone are never taken. The region they close over the
 * whole frame may take in the scene's edges round the logo, or reach the frame's border, and be
 * dropped whole: so they close another footprint from the edges within reach of out's parts
 * that are not opaque (keep_near) alone, every edge there that held in most frames tested or
 * whose direction held, joined or not, and its components that meet out join it too. e is
 * changed; a, b, saved: w*h scratch; stack: w*h int32. Returns out's pixel count.
 */
static int64_t complete(const VniOverlayDetect *d, uint8_t *e, const float *m, const uint8_t *cst,
                        uint8_t *out, uint8_t *a, uint8_t *b, uint8_t *saved, int32_t *stack)
{
    const int w = d->w, h = d->h;
    const size_t n = (size_t)w * h;
    int64_t kept;
    memcpy(saved, e, n);
    recode(e, n, VNI_OVL_CONSISTENT, VNI_OVL_WEAK);
    join_weak(e, w, h, stack);
    if ((kept = footprint(d, e, m, cst, 0, b, a)) < 0)
        return kept;
    if (kept > 0)
        join_meeting(out, b, w, h, stack);
    memcpy(e, saved, n);
    recode(e, n, VNI_OVL_CONSISTENT, VNI_OVL_EDGE);
    recode(e, n, VNI_OVL_WEAK, VNI_OVL_EDGE);
    keep_near(e, out, cst, w, h, a, stack);
    if ((kept = footprint(d, e, m, cst, 0, b, a)) < 0)
        return kept;
    if (kept > 0)
        join_meeting(out, b, w, h, stack);
    kept = 0;
    for (size_t p = 0; p < n; p++)
        kept += out[p] != 0;
    return kept;
}

int64_t vni_overlay_detect_propose(VniOverlayDetect *d, VnImage *mask)
{
    const int w = d->w, h = d->h;
    const size_t n = (size_t)w * h;
    float *m = NULL, *off = NULL, *changed = NULL;
    uint8_t *t = NULL, *e = NULL, *cst, *lift = NULL;
    int64_t kept = 0, lifted = 0;
    if (!mask || mask->type != VN_U8 || mask->channels != 1 || mask->width != d->fw ||
        mask->height != d->fh)
        return -EINVAL;
    for (int y = 0; y < d->fh; y++)
        memset(vn_image_row(mask, y), 0, (size_t)d->fw);
    memset(d->opaque, 0, n);
    if (d->n_kept < N_MIN + 1)
        return 0;
    m = vni_calloc_array(n, 5 * sizeof(float));
    off = vni_malloc_array(VNI_MAX(KEEP, 4200), sizeof(float));
    t = vni_malloc_array(n, (size_t)d->n_kept + 5);
    lift = vni_malloc_array(n, 1);
    if (!m || !off || !t || !lift) {
        kept = -ENOMEM;
        goto fail;
    }
    changed = m + n;
    e = t + (size_t)d->n_kept * n;
    cst = e + 2 * n;
    medians(d, m, off, off + KEEP);
    tests(d, m, off, t, e, changed, m + 2 * n);
    constant(d, m, changed, m + 2 * n, m + 3 * n, cst);
    memset(e, 0, n);
    for (int y = BORDER; y < h - BORDER; y++)
        for (int x = BORDER; x < w - BORDER; x++) {
            e[(size_t)y * w + x] = persistent(d, (size_t)y * w + x, t);
            m[4 * n + (size_t)y * w + x] = alpha_consistency(d, m, off, (size_t)y * w + x);
        }
    /* the light overlays that damp the picture's change, found by their pixels (overlay_lift.c):
     * where the scene's own persistent edges close with an overlay's into a region too large,
     * the region step finds nothing */
    if ((lifted = vni_overlay_lift(m, m + 2 * n, e, w, h, lift)) < 0) {
        kept = lifted;
        goto fail;
    }
    /* with the weak edges joined; if that finds nothing (they joined a logo to the scene's
     * edges round it), with the edges alone; then completed with the consistent edges (the
     * per-frame tests are over, their first planes are free) */
    memcpy(t, e, n);
    recode(e, n, VNI_OVL_CONSISTENT, VNI_OVL_NONE);
    memcpy(e + 4 * n, e, n);
    join_weak(e, w, h, (int32_t *)(void *)(m + 3 * n));
    if ((kept = footprint(d, e, m, cst, 1, e + n, e + 3 * n)) == 0) {
        recode(e + 4 * n, n, VNI_OVL_WEAK, VNI_OVL_NONE);
        kept = footprint(d, e + 4 * n, m, cst, 1, e + n, e + 3 * n);
    }
    if (kept > 0)
        kept = complete(d, t, m, cst, e + n, e + 3 * n, e + 4 * n, t + n,
                        (int32_t *)(void *)(m + 3 * n));
    /* and the parts seen by their gain on the picture's small changes (overlay_quiet.c): over a
     * picture that barely changes no edge is tested */
    if (kept >= 0 && (kept = vni_overlay_quiet(d->frames, d->n_kept, m, w, h, e + 3 * n)) >= 0)
        for (size_t p = 0; p < n; p++) {
            kept += e[n + p] && !e[3 * n + p];
            e[n + p] |= e[3 * n + p];
        }
    for (size_t p = 0; kept >= 0 && lifted > 0 && p < n; p++) {
        kept += e[n + p] == 0 && lift[p];
        e[n + p] |= lift[p];
    }
    if (kept <= 0)
        goto fail;
    for (size_t p = 0; p < n; p++)
        d->opaque[p] = e[n + p] && cst[p] >= VNI_OVL_CONSTANT;
    kept = upscale(d, e + n, mask);
fail:
    vni_free(m);
    vni_free(off);
    vni_free(t);
    vni_free(lift);
    return kept;
}
