/*
 * Completing a clicked static overlay's mask: a click takes one part of a logo (a ring, a word);
 * the overlay model finds the others round it, the detector those over a moving picture.
 */
#ifndef VANISH_PIPELINE_MASK_COMPLETE_H
#define VANISH_PIPELINE_MASK_COMPLETE_H

#include "core/internal.h"

/*
 * Grow held (0/1, VN_U8, 1 channel, the size of input's frames), the clicked part of a static
 * overlay of input (n_frames frames). Its specks are cleared first (8-connected parts under 32 px
 * and under 1/16 of its largest: what a click's segmentation leaves apart from the part it took).
 * Then it is grown by the overlay model (vni_overlay_grow) over 48 frames evenly spaced, in a
 * window round held's box grown by twice its size (32 to 192 px, the window 640 x 640 px at most):
 * the parts that dim the picture's change as the clicked part does. Returns the pixels added or a
 * negative error (not recorded: the caller names the input).
 */
int64_t vni_mask_grow(VnContext *ctx, const char *input, int64_t n_frames, VnImage *held);

/*
 * Grow found (0/255, VN_U8, 1 channel, the size of input's frames), the overlay detector's
 * footprint of a static overlay of input, to the parts it missed by the overlay model
 * (vni_overlay_grow_seed, over a window as vni_mask_grow's, its specks cleared first): from found
 * itself, then, where that grows nothing, from found taken 2 px in trusting its drop (the
 * detector's outline may lie a pixel or two out, so that the pixels just inside it are picture).
 * Of what is grown only the parts near found are added, as vni_mask_complete takes them (a piece
 * of the scene that the cut took further off is left). found stays 0/255; nothing changes where
 * neither grows (an opaque overlay, a footprint that does not dim the picture's change). Where
 * half of found or more is set (255) in opaque (the detector's parts constant over time; NULL:
 * none), the video is not read: under such a footprint the picture is hidden or never moved, and
 * the model grows nothing. The frames are read once for both seeds' windows. Returns the pixels
 * added or a negative error (not recorded).
 */
int64_t vni_mask_grow_found(VnContext *ctx, const char *input, int64_t n_frames, VnImage *found,
                            const VnImage *opaque);

/*
 * Complete held with prop (non-zero = proposed by the overlay detector, same size), for where
 * vni_mask_grow grew nothing: the connected parts (8-connected) of prop of 32 px or more that come
 * within reach of held and lie within three times the reach for three quarters of their area at
 * least, and then those near what was added, up to 8 rounds; a part overlapping held only where
 * their IoU is 0.9 or more (the same part: the detector's outline of it). The reach is the held
 * mask's equivalent radius (sqrt(area / π)), 8 to 64 px (three times it: 64 at most). Returns the
 * pixels added or a negative error (not recorded).
 */
int64_t vni_mask_complete(VnContext *ctx, VnImage *held, const VnImage *prop);

#endif
