/* The region step of overlay detection: from persistent edges to a solid footprint. */
#ifndef VANISH_INPAINT_OVERLAY_REGION_H
#define VANISH_INPAINT_OVERLAY_REGION_H

/* Share of frames in which a pixel changed that makes it a moving picture. */
#define VNI_OVL_MOVING 0.1f

#include <stdint.h>

#include "core/internal.h"
#include "inpaint/overlay.h"

/* Edge classes of the detector's edge map. */
enum { VNI_OVL_NONE = 0, VNI_OVL_UNTESTED = 1, VNI_OVL_EDGE = 2, VNI_OVL_WEAK = 3,
       VNI_OVL_CONSISTENT = 4 };

/* Classes of the temporal spread: still (within half the threshold of constant), exactly
 * constant (no more than a fraction of the scene's noise), quiet (a neighbour less noisy than the
 * scene), neither. */
enum { VNI_OVL_NOISY = 0, VNI_OVL_QUIET = 1, VNI_OVL_CONSTANT = 2, VNI_OVL_STILL = 3,
       VNI_OVL_CLIPPED = 4 /* still, but black or white (an overlay's black letters, or the
                              scene's clipped parts): never evidence of an overlay by itself
                              (not opaque in the region and pass-through tests), it only joins
                              one found from other evidence (its parts, its extension, and in
                              the footprint kept whatever α says) */ };

/*
 * Close the persistent edges (VNI_OVL_EDGE in edges, w x h) into solid regions, fill their holes, and keep the
 * components that look like an overlay: neither a speck nor a large part of the frame (at most a fifth), dense in
 * persistent edges, clear of the frame border, and surrounded by a picture that changes
 * (`changed`: per pixel, the share of frames in which it changed; a static scene is no overlay).
 * Opaque overlays are also found as components of exactly constant pixels (cst >=
 * VNI_OVL_CONSTANT) whose surroundings changed in two of the
 * n_frames frames at least, with the pieces of still pixels (VNI_OVL_STILL) near them; of a
 * closed region mostly constant (an opaque overlay) only the constant parts are kept.
 * Where the picture round a component changes less, it is taken all the same when the picture's
 * change across its edges is a semi-transparent overlay's (cons, per pixel: the consistency of
 * 1 − α across a strong edge, 0 where unknown; NULL: no such test). A component dropped is then
 * split by an opening (radius 4) and its pieces tested in turn (a logo's edges closed together
 * with a kerb's); what the split cuts off is never extended over.
 * The components kept are opened by a disk of radius 2 (a thin band joined to one is the closed
 * edges of a scene's pole or kerb that touches the overlay, no part of it).
 * A kept component (not an opaque one) is then extended over the strong, quiet (cst !=
 * VNI_OVL_NOISY) edges nearby that the picture never tested (VNI_OVL_UNTESTED: part of a logo
 * may sit on a static background). out (w x h) receives 1 on the footprint. Returns their pixel count, or -ENOMEM.
 */
int64_t vni_overlay_region(const uint8_t *edges, const float *changed, const float *cons,
                           const uint8_t *cst, int n_frames, int w, int h, uint8_t *out);

/*
 * Tighten a footprint (out, 0/1, w x h) to what stands out of the picture behind it: the temporal
 * median m is compared with the picture expected there, the harmonic fill of m from around the
 * footprint; pixels within `contrast` grey levels of it are dropped, and so are those whose
 * temporal spread (mean absolute deviation from m) is above the fill of the spread around them.
 * Pixels set to 2 are kept whatever. out becomes 0/1. Returns the pixel count left, or a
 * negative error.
 */
int64_t vni_overlay_tighten(const VnContext *ctx, uint8_t *out, const float *m,
                            const float *spread, int w, int h, float contrast);

/*
 * Of a tightened footprint (out, 0/1, w x h), drop the parts, grouped by the components of the
 * untightened region (region, 0/1), that are neither mostly constant (cst) nor vary in time
 * (spread: per pixel, the mean absolute deviation from the temporal median) at least a share of
 * what the picture around them does: a scene object in front of a moving picture (a sign that
 * people walk behind) keeps its edges too, but hides the picture that an overlay lets through.
 * Returns the pixel count left, or -ENOMEM.
 */
int64_t vni_overlay_pass_through(uint8_t *out, const uint8_t *region, const uint8_t *cst,
                                 const float *spread, int w, int h);

/*
 * Move the edge of a footprint (mask, 0/1, w x h) to where the picture says it is, at the frame's
 * resolution: a footprint found at a coarser resolution, or cut where α says nothing (an opaque
 * logo over a still picture), misses or adds a band along its edge. A pixel whose window (7x7)
 * holds footprint and other pixels changes side when its temporal-median colour (med: 3 floats a
 * pixel) is clearly nearer (L1) to the other side's mean colour there; the footprint's strays
 * leave before new pixels join, and this is repeated up to `reach` times, never moving the edge
 * more than `reach` pixels (Chebyshev) from the footprint given, nor round specks (under 30
 * pixels: a scene's bit taken in by the detector would grow into the scene round it). Returns
 * the pixel count, or -ENOMEM.
 */
int64_t vni_overlay_refine_edge(uint8_t *mask, const float *med, int w, int h, int reach);

/* Binary dilation (grow = 1) or erosion (grow = 0; outside the frame counts as unset) of src
 * (0/1, w x h) by a disk of radius r into dst. */
void vni_overlay_morph(const uint8_t *src, uint8_t *dst, int w, int h, int r, int grow);

/* Fill the holes of m (0/1, w x h): what the frame border does not reach becomes 1. stack: w*h. */
void vni_overlay_fill_holes(uint8_t *m, int w, int h, int32_t *stack);

/* Flood-fill label `lab` from seed over pixels equal to `val` (8-connected with diag = 1, else
 * 4-connected); returns the area and the bounding box x0, y0, x1, y1. stack: w*h. */
int64_t vni_overlay_flood(uint8_t *m, int w, int h, size_t seed, uint8_t val, uint8_t lab,
                          int diag, int32_t *stack, int box[4]);

/* Write into mask (VN_U8, 1 channel, frame size) 255 on the pixels of the last proposal of d that
 * are exactly constant or still over time (VNI_OVL_CONSTANT and above): an opaque overlay's, or
 * one's over a picture that never moved; an estimate of α says nothing about them. When the
 * detector worked at the frame's resolution, their 4-neighbours outside are 128 (the edge is
 * known to the pixel there); 0 elsewhere. Returns the count of 255 pixels, or -EINVAL. */
int64_t vni_overlay_detect_opaque(const VniOverlayDetect *d, VnImage *mask);

#endif
