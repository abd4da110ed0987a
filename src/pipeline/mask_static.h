/*
 * Per-frame masks that stay put: a static overlay given (or tracked) frame by frame. `vanish
 * remove` and the page hand the fill one tracked mask per frame; a watermark's tracked masks are
 * the same on nearly every frame, changed only where the picture passing under it misleads the
 * tracker for a while. Such a sequence is taken as one static mask, its per-pixel majority, so
 * that the overlay can be estimated and un-blended as with one mask for every frame.
 */
#ifndef VANISH_PIPELINE_MASK_STATIC_H
#define VANISH_PIPELINE_MASK_STATIC_H

#include "core/internal.h"

/* Mask i of a sequence into m (1 channel VN_U8, the sequence's size; non-zero = the object): 1, 0
 * when there is none, or a negative error. Asked for in order 0, 1, ..., and again from 0. */
typedef int (*VniMaskFetch)(void *cookie, int64_t i, VnImage *m);

/*
 * Scan the n_frames masks of `path` (a mask source vn_mask_open takes, w x h) and decide whether
 * they are a static overlay of `input`: no frame is empty, every frame's mask overlaps the
 * per-pixel majority by IoU 0.5 or more, at least three quarters of the frames equal the majority
 * up to 2% of its area, and the picture round the majority moves over the video (else an overlay
 * cannot be told from a still object). Returns 1 with the majority (0/1) in `held` (w x h,
 * VN_U8, 1 channel), 0 when they are not (held unspecified), or a negative error (recorded with
 * vni_error). A moving object's masks are usually told after reading a part of them. The
 * majority is not grown: masks tracked from a click come grown from the tracker
 * (vni_masks_static_grow), so that what is removed is what the tracker wrote out.
 */
int vni_masks_static(VnContext *ctx, const char *input, const char *path, int w, int h, int64_t n_frames,
                     VnImage *held);

/*
 * vni_masks_static over the masks `fetch` gives (tracked from a click on `input`), the majority
 * then grown to the overlay's other parts by the overlay model (a click takes one ring or word of
 * a logo; vni_mask_grow) or, where that grows nothing, completed with those the overlay detector
 * finds round it (vni_mask_complete). Takes 5-12 s on a static overlay; a moving object's masks
 * are usually told apart after reading a part of them.
 */
int vni_masks_static_grow(VnContext *ctx, const char *input, VniMaskFetch fetch, void *cookie, int w, int h,
                          int64_t n_frames, VnImage *held);

/*
 * Read the footprint of a static overlay from `path` (one mask image for every frame, for a video
 * of w x h) into *footprint (a new VN_U8 image, w x h, 0/255): a mask of another shape, a source
 * of several masks or an empty mask is an error that names the file. Another size of the same
 * shape is scaled, with a warning. Returns the footprint's pixel count or a negative error.
 */
int64_t vni_mask_footprint_load(VnContext *ctx, const char *path, int w, int h,
                                VnImage **footprint);

#endif
