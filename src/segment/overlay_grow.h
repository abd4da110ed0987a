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

/*
 * As vni_overlay_grow, for a seed that other evidence already holds to be overlay (the overlay
 * detector's footprint, which may miss parts): the pieces of the cut are added whole or not at
 * all (a click's outline is also refined by the pixels of a piece touching it within 4 px of
 * it; round a footprint those are the picture in the logo's holes). With trust set, where the
 * seed's own edge does not tell the ratio of the picture's deviations inside to outside (its
 * outline a pixel or two off, so that the pixels taken as inside are picture; or a picture that
 * does not change alike a few pixels apart across it), the ratio is taken from the seed's drop
 * of the log deviation, 1 − α = exp(c), and the pieces are kept by their own edges against it.
 * The seed must dim the picture's change (opacity 0.1 to 0.9 by its drop) either way. Same
 * arguments and returns as vni_overlay_grow.
 */
int64_t vni_overlay_grow_seed(const uint8_t *stack, int w, int h, int n, uint8_t *held, int trust);

#endif
