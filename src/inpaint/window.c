#include "inpaint/window.h"

#include "flow/sample.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "core/maskops.h"
#include "core/resample.h"
#include "inpaint/compose.h"
#include "inpaint/distant.h"
#include "inpaint/layer.h"
#include "inpaint/propagate.h"
#include "inpaint/spatial.h"
#include "inpaint/stages.h"
#include "inpaint/stale.h"
#include "track/homography.h"

/* Passes of "propagate, then invent on the frame that lacks most" before falling back. */
#define MAX_KEYFRAMES 8
/* Long-term memory: earlier frames kept (at working resolution, with their holes) for content
 * that no frame of the window sees. */
#define MEMORY 4
/* A frame with less of it visible than this share gives no motion: links to it are broken. */
#define MIN_VISIBLE 0.03

/* A pixel moves with another layer than the background when its flow is this far (px, plus a
 * tenth of the motion) from the camera's. */
#define MOVING_TOL 0.5f

/* A cut between two frames: the flow leaves more than this share of their spread (mean absolute
 * deviation of the grey levels) unexplained, and more than CUT_MIN grey levels. */
#define CUT_SHARE 0.5
#define CUT_MIN 8.0

/* A static mask whose box and margin cover more of the frame than this works on the whole. */
#define CROP_MAX_SHARE 0.5

typedef struct Slot {
    VnImage *rgb;        /* the part of the caller's full-resolution frame worked on (&view) */
    VnImage view;
    void *user;          /* the caller's handle for it */
    VnImage *hole;       /* full resolution, the dilated object mask (0/255) */
    VnImage *small;      /* working resolution RGB */
    VnImage *hole_s;     /* working resolution hole (what the flow must not look at) */
    VnImage *unknown;    /* working resolution: hole pixels still to fill (empty once done) */
    VnImage *fwd, *bwd;  /* flow to the next and to the previous frame */
    VniSources src;
    VnImage *membrane;   /* working resolution: small with its hole filled by the membrane */
    VnImage *invented;   /* working resolution: what of its fill was invented (inpaint/stale.h) */
    VnImage *moving;     /* working resolution: what moves otherwise than the camera (layer.h) */
    double h_next[9];    /* homography to the next frame (fitted on the flow, or predicted) */
    int has_hole, done, emitted;
    int hidden;          /* too little visible to say anything about motion */
    int64_t time;        /* frame number */
    int broken;          /* no chain crosses the link to the next frame */
} Slot;

/* A frame of the long-term memory. */
typedef struct Memory {
    VnImage *small, *hole; /* working-resolution RGB and its original hole */
    double E[9];           /* map from the newest frame of the window to this one */
    int64_t time;          /* frame number, to evict the oldest of equals */
} Memory;

struct VniWindow {
    VnContext *ctx;
    VnInpaintSettings s;
    int width, height, ws, hs;  /* size of the part worked on, and working size */
    int full_w, full_h;         /* size of the frames */
    int cx, cy;                 /* position of the part worked on (a crop around a static mask) */
    int is_static;              /* every mask is the same: crop around the first */
    int cap;                    /* window length */
    int lookahead;              /* last frames of a window left unfinished: they wait for more
                                   of their future in the next window */
    int anchors;                /* finished frames kept at the start of the next window */
    Slot *slot[256];
    int n;
    VnImage *dil, *unfilled;    /* scratch: full-size dilated mask (cropped), unfilled pixels */
    const VnImage *membrane[256 + MEMORY]; /* while solving: membranes of the frames to fill */
    const VnImage *invented[256 + MEMORY]; /* while solving: inventions of the finished frames */
    const VnImage *own[256 + MEMORY];      /* while solving: the frames' own holes (their fill) */
    const VnImage *moving[256 + MEMORY];   /* while solving: what moves otherwise than the camera */
    VniStaleFrames stale;                  /* while solving: what the stale-fill check reads */
    VniFlowStage *flow;
    double last_h[9];           /* the last fitted pair homography, to predict unfitted ones */
    Memory mem[MEMORY];
    int n_mem;
    int64_t n_pushed;
    VniEmitFn emit;
    VniReleaseFn release;
    void *opaque;
};

static void slot_free(VniWindow *w, Slot **ps)
{
    Slot *s = *ps;
    if (!s)
        return;
    if (s->user)
        w->release(w->opaque, s->user);
    vn_image_free(&s->hole);
    vn_image_free(&s->small);
    vn_image_free(&s->hole_s);
    vn_image_free(&s->unknown);
    vn_image_free(&s->fwd);
    vn_image_free(&s->bwd);
    vni_sources_free(&s->src);
    vn_image_free(&s->membrane);
    vn_image_free(&s->invented);
    vn_image_free(&s->moving);
    vni_freep(ps);
}

static int slot_alloc(VniWindow *w, Slot **ps)
{
    Slot *s = vni_calloc_array(1, sizeof(*s));
    int ret;
    *ps = NULL;
    if (!s)
        return -ENOMEM;
    if ((ret = vn_image_alloc(&s->hole, w->width, w->height, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&s->small, w->ws, w->hs, 3, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&s->hole_s, w->ws, w->hs, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&s->unknown, w->ws, w->hs, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&s->fwd, w->ws, w->hs, 2, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&s->bwd, w->ws, w->hs, 2, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&s->membrane, w->ws, w->hs, 3, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&s->invented, w->ws, w->hs, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&s->moving, w->ws, w->hs, 1, VN_U8)) < 0 ||
        (ret = vni_sources_alloc(&s->src, w->ws, w->hs)) < 0) {
        slot_free(w, &s);
        return ret;
    }
    *ps = s;
    return 0;
}

int vni_window_open(VnContext *ctx, VniWindow **pw, int width, int height, const VnInpaintSettings *s,
                    VniEmitFn emit, VniReleaseFn release, void *opaque)
{
    VniWindow *w = vni_calloc_array(1, sizeof(*w));
    int ret;
    *pw = NULL;
    if (!w)
        return -ENOMEM;
    w->ctx = ctx;
    w->s = *s;
    w->width = w->full_w = width;
    w->height = w->full_h = height;
    vni_working_size(width, height, s->working_size, &w->ws, &w->hs);
    w->cap = VNI_CLAMP(s->window, 4, 255);
    w->lookahead = VNI_MAX(1, w->cap / 3);
    w->anchors = VNI_MAX(2, w->cap / 8);
    w->emit = emit;
    w->release = release;
    w->opaque = opaque;
    vni_homography_identity(w->last_h);
    if ((ret = vn_image_alloc(&w->unfilled, w->ws, w->hs, 1, VN_U8)) < 0 ||
        (ret = vni_flow_stage_open(ctx, &w->flow, s->preset)) < 0) {
        vni_window_close(&w);
        return ret;
    }
    *pw = w;
    return 0;
}

void vni_window_static(VniWindow *w)
{
    w->is_static = 1;
}

/*
 * A static mask: work on its box (dilated) with a margin as large as the box and at least 64
 * px on each side, clamped to the frame, unless that is most of the frame. The working size
 * then applies to the crop, so a small logo is worked on at full resolution.
 */
static int choose_crop(VniWindow *w, const VnImage *mask)
{
    int x0, y0, x1, y1, mx, my, ret;
    if (!vni_mask_bbox(mask, &x0, &y0, &x1, &y1))
        return 0;
    mx = VNI_MAX(64, x1 - x0 + 1) + w->s.dilate;
    my = VNI_MAX(64, y1 - y0 + 1) + w->s.dilate;
    x0 = VNI_MAX(0, x0 - mx);
    y0 = VNI_MAX(0, y0 - my);
    x1 = VNI_MIN(w->full_w - 1, x1 + mx);
    y1 = VNI_MIN(w->full_h - 1, y1 + my);
    if ((double)(x1 - x0 + 1) * (y1 - y0 + 1) > CROP_MAX_SHARE * w->full_w * w->full_h)
        return 0;
    w->cx = x0;
    w->cy = y0;
    w->width = x1 - x0 + 1;
    w->height = y1 - y0 + 1;
    vni_working_size(w->width, w->height, w->s.working_size, &w->ws, &w->hs);
    vn_image_free(&w->unfilled);
    if ((ret = vn_image_alloc(&w->unfilled, w->ws, w->hs, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&w->dil, w->full_w, w->full_h, 1, VN_U8)) < 0)
        return ret;
    return 0;
}

/* A mask declared static must stay inside the crop. */
static int inside_crop(const VniWindow *w, const VnImage *mask)
{
    int x0, y0, x1, y1;
    return !vni_mask_bbox(mask, &x0, &y0, &x1, &y1) ||
           (x0 >= w->cx && y0 >= w->cy && x1 < w->cx + w->width && y1 < w->cy + w->height);
}

/* The hole of slot s as the caller's frame size needs it. */
static const VnImage *full_hole(VniWindow *w, Slot *s)
{
    VnImage part;
    if (!s->has_hole)
        return NULL;
    if (!w->dil)
        return s->hole;
    part = vni_image_view(w->dil, w->cx, w->cy, w->width, w->height);
    vn_image_copy(&part, s->hole);
    return w->dil;
}

void vni_window_close(VniWindow **pw)
{
    VniWindow *w = *pw;
    if (!w)
        return;
    for (int i = 0; i < w->n; i++)
        slot_free(w, &w->slot[i]);
    for (int i = 0; i < MEMORY; i++) {
        vn_image_free(&w->mem[i].small);
        vn_image_free(&w->mem[i].hole);
    }
    vn_image_free(&w->dil);
    vn_image_free(&w->unfilled);
    vni_flow_stage_close(&w->flow);
    vni_freep(pw);
}

/* Whether two holes are the same (a static mask: a logo), but for 1% of their union. */
static int same_hole(const VnImage *a, const VnImage *b)
{
    int64_t both = 0, one = 0;
    for (int y = 0; y < a->height; y++) {
        const uint8_t *p = vn_image_row(a, y), *q = vn_image_row(b, y);
        for (int x = 0; x < a->width; x++) {
            both += p[x] && q[x];
            one += !p[x] != !q[x];
        }
    }
    return both > 0 && 100 * one <= both + one;
}

/* Grey level (mean of the channels) of RGB U8 pixel p. */
static inline double grey(const uint8_t *p)
{
    return (p[0] + p[1] + p[2]) / 3.0;
}

/* Mean absolute deviation of the grey level of frame s outside its hole, on every other pixel
 * (0 if none is visible). */
static double grey_spread(const Slot *s)
{
    double sum = 0, dev = 0;
    int64_t n = 0;
    for (int y = 0; y < s->small->height; y += 2)
        for (int x = 0; x < s->small->width; x += 2)
            if (!vn_image_row(s->hole_s, y)[x]) {
                sum += grey(vn_image_row(s->small, y) + 3 * x);
                n++;
            }
    if (!n)
        return 0.0;
    sum /= (double)n;
    for (int y = 0; y < s->small->height; y += 2)
        for (int x = 0; x < s->small->width; x += 2)
            if (!vn_image_row(s->hole_s, y)[x])
                dev += fabs(grey(vn_image_row(s->small, y) + 3 * x) - sum);
    return dev / (double)n;
}

/* Whether a and b lie on either side of a cut: the flow a → b explains little of b (mean
 * absolute grey difference between a and b warped, on every other visible pixel). */
static int scene_cut(const Slot *a, const Slot *b)
{
    double err = 0;
    int64_t n = 0;
    for (int y = 0; y < a->small->height; y += 2)
        for (int x = 0; x < a->small->width; x += 2) {
            const float *f = (const float *)vn_image_row(a->fwd, y) + 2 * x;
            const uint8_t *p = vn_image_row(a->small, y) + 3 * x;
            float q[3], qx = x + f[0], qy = y + f[1];
            if (vn_image_row(a->hole_s, y)[x] || !vni_visible(b->hole_s, qx, qy))
                continue;
            vni_sample_u8(b->small, qx, qy, q);
            err += fabs(grey(p) - (q[0] + q[1] + q[2]) / 3.0);
            n++;
        }
    if (!n || (err /= (double)n) <= CUT_MIN)
        return 0;
    return err > CUT_SHARE * 0.5 * (grey_spread(a) + grey_spread(b));
}

/*
 * Flows a → b (into a->fwd) and b → a (into b->bwd); a cut between them breaks the link; unless
 * it is broken, the homography a → b fitted on them into H (returns 1; 0 if none was fitted; H
 * is kept), what moves otherwise than H in either frame when H was fitted (a predicted motion
 * that is wrong would mark most of the frame), and inside a static hole the background's motion.
 */
static int pair_flows(VniWindow *w, Slot *a, Slot *b, int *broken, double H[9])
{
    double inv[9];
    int ret, fitted;
    if ((ret = vni_flow_stage_pair(w->flow, a->small, b->small, a->hole_s, b->hole_s, a->fwd, b->bwd)) < 0)
        return ret;
    *broken = *broken || scene_cut(a, b);
    fitted = !*broken && vni_homography_from_flow(a->fwd, b->bwd, a->hole_s, b->hole_s, H) == 0;
    if (*broken || vni_homography_invert(H, inv) < 0)
        return fitted;
    if (fitted) {
        vni_mark_moving(a->fwd, H, MOVING_TOL, a->moving);
        vni_mark_moving(b->bwd, inv, MOVING_TOL, b->moving);
    }
    if (same_hole(a->hole_s, b->hole_s) &&
        ((ret = vni_complete_flow_background(w->ctx, a->fwd, a->hole_s, a->moving, H)) < 0 ||
         (ret = vni_complete_flow_background(w->ctx, b->bwd, b->hole_s, b->moving, inv)) < 0))
        return ret;
    return fitted;
}

/*
 * Flows between consecutive slots a → b and b → a, when either has a hole; the homography a → b
 * fitted on them (else predicted as the last one fitted: the camera keeps its motion); the
 * memory's maps follow the newest frame.
 */
static int link_slots(VniWindow *w, Slot *a, Slot *b)
{
    double inv[9];
    int ret;
    a->broken = a->hidden || b->hidden;
    memcpy(a->h_next, w->last_h, sizeof(a->h_next));
    if (a->has_hole || b->has_hole) {
        if ((ret = pair_flows(w, a, b, &a->broken, a->h_next)) < 0)
            return ret;
        if (ret)
            memcpy(w->last_h, a->h_next, sizeof(w->last_h));
    }
    if (vni_homography_invert(a->h_next, inv) < 0)
        vni_homography_identity(inv);
    for (int i = 0; i < w->n_mem; i++)
        vni_homography_mul(w->mem[i].E, inv, w->mem[i].E);
    return 0;
}

/* Working-resolution copies of a new frame and its hole. */
static int prepare_slot(VniWindow *w, Slot *s, const VnImage *mask)
{
    VnImage part = vni_image_view(mask, w->cx, w->cy, w->width, w->height);
    int ret;
    if ((ret = vni_mask_dilate(w->ctx, s->hole, &part, w->s.dilate)) < 0)
        return ret;
    s->has_hole = vni_mask_bbox(s->hole, &(int){0}, &(int){0}, &(int){0}, &(int){0}) > 0;
    if ((ret = vni_resize_u8(w->ctx, s->small, s->rgb)) < 0)
        return ret;
    if ((ret = vni_mask_downscale_any(s->unknown, s->hole)) < 0)
        return ret;
    /* one more working pixel, so that no full-resolution hole pixel maps outside it */
    if (w->ws != w->width && (ret = vni_mask_dilate(w->ctx, s->hole_s, s->unknown, 1)) < 0)
        return ret;
    if (w->ws == w->width)
        vn_image_copy(s->hole_s, s->unknown);
    vn_image_copy(s->unknown, s->hole_s);
    s->done = !s->has_hole;
    vn_image_copy(s->membrane, s->small);
    if (s->has_hole && (ret = vni_fill_harmonic(w->ctx, s->membrane, s->hole_s)) < 0)
        return ret;
    s->hidden = vni_mask_bbox(s->hole_s, &(int){0}, &(int){0}, &(int){0}, &(int){0}) >
                (int64_t)((1.0 - MIN_VISIBLE) * w->ws * w->hs);
    return 0;
}

/* Finish slot t: compose its full-resolution fill, with its working-resolution fill as the
 * fallback for what has no source. */
static int finish_slot(VniWindow *w, int t, VnImage *const *full, const VnImage *const *unknown)
{
    Slot *s = w->slot[t];
    int ret = vni_compose_full(w->ctx, full, unknown, t, s->hole, &s->src, s->small, 1);
    if (ret < 0)
        return ret;
    vni_mark_invented(&w->stale, t, s->hole_s, &s->src, s->invented);
    w->invented[t] = s->invented;
    s->done = 1;
    memset(s->unknown->data, 0, (size_t)s->unknown->stride * s->unknown->height);
    return 0;
}

/* The map from slot t to slot c, chained through the pair homographies. */
static void chain_map(const VniWindow *w, int t, int c, double G[9])
{
    double inv[9];
    vni_homography_identity(G);
    for (int i = t; i < c; i++)
        vni_homography_mul(w->slot[i]->h_next, G, G);
    for (int i = t - 1; i >= c; i--)
        if (vni_homography_invert(w->slot[i]->h_next, inv) == 0)
            vni_homography_mul(inv, G, G);
}

/* Candidates for slot t: the other frames of the window, nearest first in each direction, then
 * the memory (frames index n.. in the arrays), newest first; with `seen`, only what they saw
 * themselves (their original holes), else also what they were filled with. Returns their count. */
static int candidates(const VniWindow *w, int t, VnImage *const *small, const VnImage *const *unknown,
                      int seen, VniCandidate *c)
{
    int n = 0, order[MEMORY];
    double G[9];
    for (int d = 1; d < w->n; d++)
        for (int k = 0; k < 2; k++) {
            int s = k == VNI_PAST ? t - d : t + d;
            if (s < 0 || s >= w->n)
                continue;
            if (!seen && !w->slot[s]->done)
                continue; /* nothing new: its unknown pixels are its hole */
            c[n] = (VniCandidate){small[s], seen ? w->slot[s]->hole_s : unknown[s], {0}, s, k, w->own[s],
                                  w->moving[s]};
            chain_map(w, t, s, c[n++].H);
        }
    for (int i = 0; i < w->n_mem; i++) {
        int j = i;
        for (; j > 0 && w->mem[order[j - 1]].time < w->mem[i].time; j--)
            order[j] = order[j - 1];
        order[j] = i;
    }
    chain_map(w, t, w->n - 1, G);
    for (int i = 0; i < w->n_mem && seen; i++) {
        int m = order[i];
        c[n] = (VniCandidate){small[w->n + m], unknown[w->n + m], {0}, w->n + m, VNI_PAST, NULL, NULL};
        vni_homography_mul(w->mem[m].E, G, c[n++].H);
    }
    return n;
}

/* Take from distant frames what the chains left unfilled in slot t (set in w->unfilled): first
 * what they saw themselves (sharpest: not resampled again), then what finished frames were
 * filled with. Returns how many pixels are still unfilled (w->unfilled updated). */
static int64_t fill_distant(VniWindow *w, int t, VnImage **small, const VnImage **unknown, VniSources *src)
{
    VniCandidate cand[256 + MEMORY];
    int64_t left = 1;
    for (int seen = 1; seen >= 0 && left > 0; seen--) {
        int n = candidates(w, t, small, unknown, seen, cand);
        int64_t got = vni_distant_sources(small[t], unknown[t], w->unfilled, cand, n, &src[t]);
        if (got >= 0)
            got = vni_drop_stale_sources(&w->stale, t, &src[t]);
        if (got < 0)
            return got;
        left = vni_compose_small(w->ctx, small, unknown, t, &src[t], w->unfilled);
    }
    return left;
}

/* Follow the flow chains for every frame of the window (not onto an object beside a static
 * hole: vni_moving_source), and drop the sources of unfinished frames whose fill is stale
 * (inpaint/stale.h). */
static int propagate_checked(VniWindow *w, const VnImage **unknown, const VnImage **fwd, const VnImage **bwd,
                             VniSources *src)
{
    VniPropagateParams p;
    int ret;
    vni_propagate_default_params(&p);
    p.own = w->own;
    p.moving = w->moving;
    ret = vni_propagate(w->ctx, w->n, unknown, fwd, bwd, src, &p);
    for (int t = 0; t < w->n && ret >= 0; t++) {
        int64_t d = w->slot[t]->done ? 0 : vni_drop_stale_sources(&w->stale, t, &src[t]);
        ret = d < 0 ? (int)d : 0;
    }
    return ret;
}

/* Propagate, compose at working resolution, and return the frame before `end` that lacks most
 * (-1: none). */
static int propagate_pass(VniWindow *w, const VnImage **unknown, const VnImage **fwd,
                          const VnImage **bwd, VniSources *src, VnImage **small, int end)
{
    int64_t most = 0;
    int best = -1, ret;
    if ((ret = propagate_checked(w, unknown, fwd, bwd, src)) < 0)
        return ret;
    for (int t = 0; t < end; t++) {
        int64_t c;
        if (w->slot[t]->done)
            continue;
        c = vni_compose_small(w->ctx, small, unknown, t, &src[t], w->unfilled);
        if (c > most) {
            most = c;
            best = t;
        }
    }
    return best;
}

/* Finish every frame before `end`: propagate; while some frame lacks pixels that no frame saw,
 * invent them on the frame that lacks most and propagate again; compose the rest. */
static int solve(VniWindow *w, int end)
{
    const VnImage *unknown[256 + MEMORY], *fwd[256], *bwd[256];
    VnImage *small[256 + MEMORY], *full[256 + MEMORY];
    VniSources src[256];
    int64_t left;
    int ret = 0, t;
    for (t = 0; t < w->n; t++) {
        Slot *s = w->slot[t];
        unknown[t] = s->unknown;
        fwd[t] = s->broken ? NULL : s->fwd;
        bwd[t] = t > 0 && w->slot[t - 1]->broken ? NULL : s->bwd;
        small[t] = s->small;
        full[t] = s->rgb;
        w->membrane[t] = s->has_hole ? s->membrane : NULL;
        w->invented[t] = s->done && s->has_hole ? s->invented : NULL;
        w->own[t] = s->has_hole ? s->hole_s : NULL;
        w->moving[t] = s->moving;
        src[t] = s->src;
    }
    /* memory frames come after the window's; they are sampled at working resolution */
    for (int i = 0; i < w->n_mem; i++) {
        unknown[w->n + i] = w->mem[i].hole;
        w->membrane[w->n + i] = w->invented[w->n + i] = w->own[w->n + i] = w->moving[w->n + i] = NULL;
        small[w->n + i] = full[w->n + i] = w->mem[i].small;
    }
    w->stale = (VniStaleFrames){(const VnImage *const *)small, unknown, w->invented, w->membrane, w->own, w->moving};
    for (int pass = 0; pass < MAX_KEYFRAMES; pass++) {
        if ((t = propagate_pass(w, unknown, fwd, bwd, src, small, end)) < 0) {
            ret = t == -1 ? 0 : t;
            break;
        }
        /* the frame that lacks most: take what distant frames saw, invent what nobody saw,
         * then spread it */
        vni_compose_small(w->ctx, small, unknown, t, &src[t], w->unfilled);
        if ((left = fill_distant(w, t, small, unknown, src)) < 0)
            return (int)left;
        if ((left && (ret = vni_fill_stage_invent(w->ctx, small[t], w->unfilled, w->s.preset)) < 0) ||
            (ret = finish_slot(w, t, full, unknown)) < 0)
            return ret;
    }
    if (ret < 0 || (ret = propagate_checked(w, unknown, fwd, bwd, src)) < 0)
        return ret;
    for (t = 0; t < end; t++) {
        if (w->slot[t]->done)
            continue;
        if (vni_compose_small(w->ctx, small, unknown, t, &src[t], w->unfilled) > 0 &&
            (left = fill_distant(w, t, small, unknown, src)) != 0) {
            if (left < 0)
                return (int)left;
            if ((ret = vni_fill_stage_invent(w->ctx, small[t], w->unfilled, w->s.preset)) < 0)
                return ret;
        }
        if ((ret = finish_slot(w, t, full, unknown)) < 0)
            return ret;
    }
    return 0;
}

/* How many pixels of the newest frame's hole (one in four) a frame mapped by E from it, with
 * `hole`, shows. */
static int64_t memory_value(const VniWindow *w, const VnImage *hole, const double E[9])
{
    const VnImage *target = w->slot[w->n - 1]->hole_s;
    int x0, y0, x1, y1;
    int64_t n = 0;
    if (!vni_mask_bbox(target, &x0, &y0, &x1, &y1))
        return 0;
    for (int y = y0; y <= y1; y += 2)
        for (int x = x0; x <= x1; x += 2) {
            double d = E[6] * x + E[7] * y + E[8];
            float qx, qy;
            if (!vn_image_row(target, y)[x] || fabs(d) < 1e-12)
                continue;
            qx = (float)VNI_CLAMP((E[0] * x + E[1] * y + E[2]) / d, -1e6, 1e6);
            qy = (float)VNI_CLAMP((E[3] * x + E[4] * y + E[5]) / d, -1e6, 1e6);
            n += vni_visible(hole, qx, qy);
        }
    return n;
}

/* Keep slot d, about to leave the window, in the memory if it shows more of the current hole
 * than the entry that shows least (the oldest of equals goes). */
static int remember(VniWindow *w, int d)
{
    Slot *s = w->slot[d];
    Memory *m = NULL;
    double E[9];
    int64_t v, least = INT64_MAX;
    int ret;
    chain_map(w, w->n - 1, d, E);
    if (!(v = memory_value(w, s->hole_s, E)))
        return 0;
    if (w->n_mem < MEMORY) {
        m = &w->mem[w->n_mem];
        if ((ret = vn_image_alloc(&m->small, w->ws, w->hs, 3, VN_U8)) < 0 ||
            (ret = vn_image_alloc(&m->hole, w->ws, w->hs, 1, VN_U8)) < 0)
            return ret;
        w->n_mem++;
    } else {
        for (int i = 0; i < MEMORY; i++) {
            int64_t u = memory_value(w, w->mem[i].hole, w->mem[i].E);
            if (u < least || (u == least && m && w->mem[i].time < m->time)) {
                least = u;
                m = &w->mem[i];
            }
        }
        if (v < least)
            return 0;
    }
    vn_image_copy(m->small, s->small);
    vn_image_copy(m->hole, s->hole_s);
    memcpy(m->E, E, sizeof(E));
    m->time = s->time;
    return 0;
}

/*
 * Solve the window and emit its frames but the last `lookahead` ones (all at the end of the
 * stream). The last emitted frames stay as finished anchors for the next window, the lookahead
 * frames stay unfinished: they get the next window's future.
 */
static int advance(VniWindow *w, int final)
{
    int ret, drop, end = final ? w->n : w->n - w->lookahead;
    if (!w->n)
        return 0;
    if ((ret = solve(w, end)) < 0)
        return ret;
    for (int t = 0; t < end; t++) {
        Slot *s = w->slot[t];
        if (s->emitted)
            continue;
        if ((ret = w->emit(w->opaque, s->user, full_hole(w, s))) < 0)
            return ret;
        s->emitted = 1;
    }
    drop = final ? w->n : VNI_MAX(0, end - w->anchors);
    for (int t = 0; t < drop && !final; t++)
        if ((ret = remember(w, t)) < 0)
            return ret;
    for (int t = 0; t < drop; t++)
        slot_free(w, &w->slot[t]);
    memmove(w->slot, w->slot + drop, sizeof(w->slot[0]) * (size_t)(w->n - drop));
    w->n -= drop;
    return 0;
}

int vni_window_push(VniWindow *w, VnImage *rgb, void *user, const VnImage *mask)
{
    Slot *s;
    int ret;
    if (rgb->width != w->full_w || rgb->height != w->full_h || rgb->channels != 3 || rgb->type != VN_U8 ||
        mask->width != w->full_w || mask->height != w->full_h || mask->channels != 1) {
        w->release(w->opaque, user);
        return -EINVAL;
    }
    if (w->is_static && !w->n_pushed && (ret = choose_crop(w, mask)) < 0) {
        w->release(w->opaque, user);
        return ret;
    }
    if (w->dil && !inside_crop(w, mask)) {
        w->release(w->opaque, user);
        return -EINVAL;
    }
    if ((w->n == w->cap && (ret = advance(w, 0)) < 0) || (ret = slot_alloc(w, &s)) < 0) {
        w->release(w->opaque, user);
        return ret;
    }
    s->view = vni_image_view(rgb, w->cx, w->cy, w->width, w->height);
    s->rgb = &s->view;
    s->user = user;
    s->time = w->n_pushed++;
    if ((ret = prepare_slot(w, s, mask)) < 0 ||
        (w->n && (ret = link_slots(w, w->slot[w->n - 1], s)) < 0)) {
        slot_free(w, &s);
        return ret;
    }
    w->slot[w->n++] = s;
    return 0;
}

int vni_window_flush(VniWindow *w)
{
    return advance(w, 1);
}
