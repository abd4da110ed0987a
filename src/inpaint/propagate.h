/*
 * Flow-guided propagation (after Gao et al., "Flow-edge guided video completion", ECCV 2020):
 * for every hole pixel of every frame of a window, follow the completed optical flow through
 * neighbouring frames, forward and backward, to the nearest frame where that point of the scene
 * is visible, checking forward–backward consistency at every step. The result is, per pixel, up
 * to two sources — one in the past, one in the future — as (frame, position), not colours, so
 * that the caller can sample them at any resolution.
 */
#ifndef VANISH_INPAINT_PROPAGATE_H
#define VANISH_INPAINT_PROPAGATE_H

#include "core/internal.h"

enum { VNI_PAST = 0, VNI_FUTURE = 1 };

/* Per-frame source map at the working resolution; index = y * w + x. */
typedef struct VniSources {
    int w, h;
    int16_t *frame[2];  /* source frame index in the window, -1 = none */
    float *x[2], *y[2]; /* source position in that frame (working-resolution pixels) */
} VniSources;

int vni_sources_alloc(VniSources *s, int w, int h);
void vni_sources_free(VniSources *s);
/* Mark every pixel as having no source. */
void vni_sources_reset(VniSources *s);

typedef struct VniPropagateParams {
    float consistency;  /* max forward-backward error in px, plus 5% of the motion (default 1.0) */
    int max_steps;      /* longest chain followed (default: the window) */
    /* optional (default NULL), per frame: its own hole and what moves otherwise than the camera
     * in it (1-channel U8, either may be NULL); sources that vni_moving_source rejects are not
     * taken */
    const VnImage *const *own, *const *moving;
} VniPropagateParams;

void vni_propagate_default_params(VniPropagateParams *p);

/*
 * holes[t]: 1-channel U8, non-zero = unknown in frame t (0 for frames fully known, such as
 * frames already finished by an earlier window). fwd[t]: flow t → t+1 (t < n-1), bwd[t]: flow
 * t → t-1 (t > 0), 2-channel F32, completed inside the holes; fwd[n-1] and bwd[0] are unused
 * and may be NULL; fwd[t] or bwd[t+1] NULL marks the link between t and t+1 as broken (a frame
 * with nothing visible says nothing about motion): no chain crosses it. out[t] receives the
 * sources of frame t's hole pixels.
 */
/* 1 if the bilinear footprint of (x, y) lies on visible pixels of hole (1-channel U8). */
int vni_visible(const VnImage *hole, float x, float y);

/* 1 if the pixel of mask m (1-channel U8, or NULL: 0) nearest (x, y), clamped to it, is set. */
int vni_mask_at(const VnImage *m, float x, float y);

/*
 * 1 if a source at (x, y), seen first-hand in its frame, shows an object beside a static hole
 * rather than the background: its nearest pixel is set in `moving` (what moves otherwise than
 * the camera there) and not in `own` (the frame's own hole), while the pixel (tx, ty) it would
 * fill lies in `own` (the hole stands still). A hole's border maps, through the camera's
 * motion or a distant frame, onto pixels beside the hole where an object stood or passed (the
 * demo's gold box beside the logo). Under a moving hole what moves is often what the hole
 * hides, and is kept (bench cup blob -6.3 dB without that). 0 when either mask is NULL.
 */
int vni_moving_source(const VnImage *own, const VnImage *moving, float x, float y, int tx, int ty);

int vni_propagate(const VnContext *ctx, int n, const VnImage *const *holes,
                  const VnImage *const *fwd, const VnImage *const *bwd, VniSources *out,
                  const VniPropagateParams *p);

#endif
