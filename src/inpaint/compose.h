/*
 * Turning propagated sources into pixels: sample the source frames where the flow chains ended,
 * fuse the past and future candidates by temporal distance, and blend the result into the frame
 * in the gradient domain so that a change of lighting between source and target leaves no seam.
 */
#ifndef VANISH_INPAINT_COMPOSE_H
#define VANISH_INPAINT_COMPOSE_H

#include "inpaint/propagate.h"

/*
 * Working resolution: fill frames[t] (RGB U8) where holes[t] != 0 from the sources, sampling the
 * other working-resolution frames; holes[] are the working-resolution holes of every frame (a
 * sample that would touch one is not used). Pixels without any source are left as they are and set in
 * `unfilled` (1-channel U8, same size; cleared elsewhere). Returns the number of unfilled pixels.
 */
int64_t vni_compose_small(const VnContext *ctx, VnImage *const *frames, const VnImage *const *holes,
                          int t, const VniSources *src, VnImage *unfilled);

/*
 * Full resolution: fill full[t] (RGB U8) where `hole` (full-resolution, 1-channel U8) is
 * non-zero. Sources are at the working resolution of `src`; their positions are scaled to the
 * full frames, keeping the sub-pixel offset of each full-resolution pixel, and the full-resolution
 * source frames are sampled, so the fill keeps their detail. Pixels without a source take the
 * bilinearly upsampled `fallback` (working-resolution RGB U8, already filled everywhere).
 * With `poisson`, the fill is corrected by the membrane interpolation of its mismatch along the
 * hole's border (gradient-domain blending).
 */
int vni_compose_full(const VnContext *ctx, VnImage *const *full, const VnImage *const *holes, int t,
                     const VnImage *hole, const VniSources *src, const VnImage *fallback, int poisson);

#endif
