#include "inpaint/window.h"

#include <errno.h>
#include <string.h>

#include "core/maskops.h"
#include "core/resample.h"
#include "inpaint/compose.h"
#include "inpaint/propagate.h"
#include "inpaint/stages.h"

/* Passes of "propagate, then invent on the frame that lacks most" before falling back. */
#define MAX_KEYFRAMES 8

typedef struct Slot {
    VnImage *rgb;        /* the caller's full-resolution frame */
    void *user;          /* the caller's handle for it */
    VnImage *hole;       /* full resolution, the dilated object mask (0/255) */
    VnImage *small;      /* working resolution RGB */
    VnImage *hole_s;     /* working resolution hole (what the flow must not look at) */
    VnImage *unknown;    /* working resolution: hole pixels still to fill (empty once done) */
    VnImage *fwd, *bwd;  /* flow to the next and to the previous frame */
    VniSources src;
    int has_hole, done, emitted;
} Slot;

struct VniWindow {
    VnContext *ctx;
    VnInpaintSettings s;
    int width, height, ws, hs;  /* full and working size */
    int cap;                    /* window length */
    int lookahead;              /* last frames of a window left unfinished: they wait for more
                                   of their future in the next window */
    int anchors;                /* finished frames kept at the start of the next window */
    Slot *slot[256];
    int n;
    VnImage *dil, *unfilled;    /* scratch */
    VniFlowStage *flow;
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
    w->width = width;
    w->height = height;
    vni_working_size(width, height, s->working_size, &w->ws, &w->hs);
    w->cap = VNI_CLAMP(s->window, 4, 255);
    w->lookahead = VNI_MAX(1, w->cap / 3);
    w->anchors = VNI_MAX(2, w->cap / 8);
    w->emit = emit;
    w->release = release;
    w->opaque = opaque;
    if ((ret = vn_image_alloc(&w->dil, width, height, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&w->unfilled, w->ws, w->hs, 1, VN_U8)) < 0 ||
        (ret = vni_flow_stage_open(ctx, &w->flow, s->preset)) < 0) {
        vni_window_close(&w);
        return ret;
    }
    *pw = w;
    return 0;
}

void vni_window_close(VniWindow **pw)
{
    VniWindow *w = *pw;
    if (!w)
        return;
    for (int i = 0; i < w->n; i++)
        slot_free(w, &w->slot[i]);
    vn_image_free(&w->dil);
    vn_image_free(&w->unfilled);
    vni_flow_stage_close(&w->flow);
    vni_freep(pw);
}

/* Flows between consecutive slots a → b and b → a, when either has a hole. */
static int link_slots(VniWindow *w, Slot *a, Slot *b)
{
    if (!a->has_hole && !b->has_hole)
        return 0;
    return vni_flow_stage_pair(w->flow, a->small, b->small, a->hole_s, b->hole_s, a->fwd, b->bwd);
}

/* Working-resolution copies of a new frame and its hole. */
static int prepare_slot(VniWindow *w, Slot *s, const VnImage *mask)
{
    int ret;
    if ((ret = vni_mask_dilate(w->ctx, s->hole, mask, w->s.dilate)) < 0)
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
    s->done = 1;
    memset(s->unknown->data, 0, (size_t)s->unknown->stride * s->unknown->height);
    return 0;
}

/* Propagate, compose at working resolution, and return the frame before `end` that lacks most
 * (-1: none). */
static int propagate_pass(VniWindow *w, const VnImage **unknown, const VnImage **fwd,
                          const VnImage **bwd, VniSources *src, VnImage **small, int end)
{
    int64_t most = 0;
    int best = -1, ret;
    if ((ret = vni_propagate(w->ctx, w->n, unknown, fwd, bwd, src, NULL)) < 0)
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
    const VnImage *unknown[256], *fwd[256], *bwd[256];
    VnImage *small[256], *full[256];
    VniSources src[256];
    int ret = 0, t;
    for (t = 0; t < w->n; t++) {
        Slot *s = w->slot[t];
        unknown[t] = s->unknown;
        fwd[t] = s->fwd;
        bwd[t] = s->bwd;
        small[t] = s->small;
        full[t] = s->rgb;
        src[t] = s->src;
    }
    for (int pass = 0; pass < MAX_KEYFRAMES; pass++) {
        if ((t = propagate_pass(w, unknown, fwd, bwd, src, small, end)) < 0) {
            ret = t == -1 ? 0 : t;
            break;
        }
        /* the frame that lacks most: invent what nobody saw, then spread it */
        vni_compose_small(w->ctx, small, unknown, t, &src[t], w->unfilled);
        if ((ret = vni_fill_stage_invent(w->ctx, small[t], w->unfilled, w->s.preset)) < 0 ||
            (ret = finish_slot(w, t, full, unknown)) < 0)
            return ret;
    }
    if (ret < 0 || (ret = vni_propagate(w->ctx, w->n, unknown, fwd, bwd, src, NULL)) < 0)
        return ret;
    for (t = 0; t < end; t++) {
        if (w->slot[t]->done)
            continue;
        if (vni_compose_small(w->ctx, small, unknown, t, &src[t], w->unfilled) > 0 &&
            (ret = vni_fill_stage_invent(w->ctx, small[t], w->unfilled, w->s.preset)) < 0)
            return ret;
        if ((ret = finish_slot(w, t, full, unknown)) < 0)
            return ret;
    }
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
        if ((ret = w->emit(w->opaque, s->user, s->has_hole ? s->hole : NULL)) < 0)
            return ret;
        s->emitted = 1;
    }
    drop = final ? w->n : VNI_MAX(0, end - w->anchors);
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
    if (rgb->width != w->width || rgb->height != w->height || rgb->channels != 3 || rgb->type != VN_U8 ||
        mask->width != w->width || mask->height != w->height || mask->channels != 1) {
        w->release(w->opaque, user);
        return -EINVAL;
    }
    if ((w->n == w->cap && (ret = advance(w, 0)) < 0) || (ret = slot_alloc(w, &s)) < 0) {
        w->release(w->opaque, user);
        return ret;
    }
    s->rgb = rgb;
    s->user = user;
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
