/*
 * Completing a clicked static overlay's mask from the overlay detector's proposal: a click takes
 * one part of a logo (a ring, a word), the detector finds the parts over a moving picture.
 */
#ifndef VANISH_PIPELINE_MASK_COMPLETE_H
#define VANISH_PIPELINE_MASK_COMPLETE_H

#include "core/internal.h"

/*
 * Add to held (0/1, VN_U8, 1 channel) the connected parts (8-connected) of prop (non-zero =
 * proposed, same size) of 32 px or more that come within reach of it and lie within three times
 * the reach for three quarters of their area at least, and then those near what was added, up to
 * 8 rounds; a part overlapping held only where their IoU is 0.9 or more (the same part: the
 * detector's outline of it). The reach is the held mask's equivalent radius (sqrt(area / π)),
 * 8 to 64 px (three times it: 64 at most). Returns the pixels added or a negative error.
 */
int64_t vni_mask_complete(const VnContext *ctx, VnImage *held, const VnImage *prop);

#endif
