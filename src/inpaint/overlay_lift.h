/* Overlay detection by the overlay's lift and its damping of the picture's change
 * (overlay_lift.c). */
#ifndef VANISH_INPAINT_OVERLAY_LIFT_H
#define VANISH_INPAINT_OVERLAY_LIFT_H

#include <stdint.h>

/*
 * Propose the parts of a light semi-transparent overlay (out, w*h, 0/1) where the scene's own
 * persistent edges (edges: the detector's classes, VNI_OVL_EDGE) close, as in the region step
 * (radius 7, holes filled), into a region larger than a fifth of the frame (leaves that wobble in
 * place; elsewhere out stays empty). Inside I = αW + (1 − α)J, so against the picture round it (a
 * background taken without what is found) the temporal spread drops by (1 − α) and, for an
 * overlay lighter than the picture, the temporal median m rises. Pixels that do both are closed
 * into regions; a region is kept when it is of a logo's size, clear of the frame border, holds
 * persistent edges densely enough, and the pixels that do both are a good share of it; out is
 * those pixels closed and filled inside the regions kept. A scene's shadow is quieter too, but
 * darker: it is never taken. spread: per pixel the mean absolute deviation from m. Returns the
 * pixel count (0: nothing seen), or -ENOMEM.
 */
int64_t vni_overlay_lift(const float *m, const float *spread, const uint8_t *edges, int w, int h,
                         uint8_t *out);

#endif
