/*
 * Growing a clicked semi-transparent overlay's mask to the overlay's other parts by the overlay
 * model I = αW + (1 − α)J: a click takes one ring or letter of a logo; the others are found by
 * the picture's change over time, which every part of the overlay scales by the same (1 − α).
 */
#ifndef VANISH_SEGMENT_OVERLAY_GROW_H
#define VANISH_SEGMENT_OVERLAY_GROW_H

#include <stdint.h>

/*
 * stack: n frames (n >= 8) of a w x h window of the video (RGB, 3 bytes a pixel, rows of 3 * w
 * bytes, frame after frame), evenly spaced over it; held: w * h bytes, 1 = the clicked part of a
 * static overlay (its mask on every frame), 0 = not. Adds to held (as 1) the other parts of the
 * overlay found in the window; leaves it when the clicked part does not dim the picture's change
 * as a semi-transparent overlay does (opacity under 0.1 or over 0.9 by that measure). Returns the
 * pixels added, or -EINVAL / -ENOMEM (held unchanged). Pure: no I/O; the caller owns both buffers.
 */
int64_t vni_overlay_grow(const uint8_t *stack, int w, int h, int n, uint8_t *held);

#endif
