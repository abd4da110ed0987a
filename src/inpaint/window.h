/*
 * The temporal inpainting engine over a sliding window of frames (the "fill" method):
 *
 *   frames stream in → each gets its dilated full-resolution hole, a working-resolution copy
 *   and hole, and flows to its neighbour, completed inside the holes with the background's
 *   motion (inpaint/layer.h) → when the window is full it is solved: flow chains give every hole
 *   pixel its sources in the past and future; what no frame ever saw is invented by PatchMatch
 *   on the frame that lacks the most, from the background layer, and spread from there along the
 *   flow; a frame whose invented fill no longer matches its surroundings, or whose carried fill
 *   no longer continues the background at its border, drops it and is filled afresh
 *   (inpaint/stale.h); each frame is then composed at full resolution and blended in the
 *   gradient domain → frames go out in order. The last frames of a window stay as finished anchors of the next one, so that the
 *   fill carries over without a seam in time. Memory: one window of frames, whatever the length.
 */
#ifndef VANISH_INPAINT_WINDOW_H
#define VANISH_INPAINT_WINDOW_H

#include "core/internal.h"
#include "vanish/inpaint.h"

typedef struct VniWindow VniWindow;

/* Emit callback: the frame pushed with `user` is finished (its RGB image filled), `mask` is its
 * dilated hole (NULL if it had none). The window no longer uses the frame after this call. */
typedef int (*VniEmitFn)(void *opaque, void *user, const VnImage *mask);

/* Release callback for frames the window drops (after emitting them, or on close). */
typedef void (*VniReleaseFn)(void *opaque, void *user);

int vni_window_open(VnContext *ctx, VniWindow **w, int width, int height, const VnInpaintSettings *s,
                    VniEmitFn emit, VniReleaseFn release, void *opaque);

/* Declare, before the first push, that every mask pushed will be the same (a static logo): the
 * window then works on a crop around it (the frame outside is never read nor written). */
void vni_window_static(VniWindow *w);

/* Take a full-resolution RGB frame (filled in place later; it must stay valid until released)
 * with its object mask (not dilated; copied). `user` identifies it in the callbacks. On failure
 * the frame has been released. */
int vni_window_push(VniWindow *w, VnImage *rgb, void *user, const VnImage *mask);

/* Solve and emit what is left. */
int vni_window_flush(VniWindow *w);

void vni_window_close(VniWindow **w);

#endif
