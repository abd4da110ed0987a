/*
 * The overlay half of the inpainting job (methods auto and unblend on a static mask): the
 * overlay's opacity α and colour W are estimated from the video first (one extra decoding pass
 * over evenly spaced frames), then every frame is un-blended where α lets the picture through
 * and the opaque part is handed to a fill: the temporal engine (auto) or the per-frame membrane
 * fill (unblend).
 */
#ifndef VANISH_PIPELINE_INPAINT_OVERLAY_H
#define VANISH_PIPELINE_INPAINT_OVERLAY_H

#include "core/internal.h"
#include "vanish/inpaint.h"

typedef struct VniOverlayJob VniOverlayJob;

/* Estimate the overlay of `input` inside `footprint` (VN_U8, 1 channel, frame size; as given:
 * growing it would merge the gaps of text and thin shapes into the overlay; the fill grows the
 * opaque part by s->dilate). `moving` (NULL: none) is the mask source of the objects filled
 * beside the overlay: the frames where they come within a few pixels of the footprint are left
 * out of the estimate when at least 8 frames and a quarter of the video are left. */
int vni_overlay_job_open(VnContext *ctx, VniOverlayJob **o, const char *input,
                         const VnImage *footprint, const VnInpaintSettings *s, const char *moving);

/* Un-blend rgb in place; hole (VN_U8, frame size) receives the opaque part, for the temporal
 * engine to fill. Returns the number of hole pixels or a negative error. */
int64_t vni_overlay_job_unblend(VniOverlayJob *o, VnImage *rgb, VnImage *hole);

/* Un-blend rgb in place and fill its opaque part from the border (method unblend). */
int vni_overlay_job_remove(VniOverlayJob *o, VnImage *rgb);

/* The pixels written in a frame: where α > 0, and where `filled` (may be NULL) is non-zero.
 * The image belongs to o and is valid until the next call. */
const VnImage *vni_overlay_job_written(VniOverlayJob *o, const VnImage *filled);

void vni_overlay_job_close(VniOverlayJob **o);

#endif
