/* Overlay detection over a picture that barely changes: the overlay's gain on the picture's small
 * changes (overlay_quiet.c). */
#ifndef VANISH_INPAINT_OVERLAY_QUIET_H
#define VANISH_INPAINT_OVERLAY_QUIET_H

#include <stdint.h>

#include "core/internal.h"

/*
 * Mark in gain (w*h, 0/1) the pixels on the inside of a gain step, and in r (2 planes of w*h)
 * the ratio found there and the overlay colour it implies, (m_q − r·m_o1)/(1 − r) (0
 * elsewhere). frames: n_frames grey planes of w*h; m: their temporal median. A pixel q is the
 * inside of a step towards its 4-neighbour o1 (o2 one further the same way, on the same surface
 * as o1) when the medians step by at least a few grey levels from q to o1 and, over the frames,
 * the deviations from the medians (d) show that q follows the small changes shared by the
 * outside (light, exposure) by a gain r = Σ d_q d_o2 / Σ d_o1 d_o2 (the shared change's own
 * variance, free of each pixel's independent noise) clearly below 1, while its own noise is
 * also thinned, and it holds more light than the outside's change would say of a darker surface
 * (m_q − r·m_o1 above a few levels: under a change of exposure a scene's darker side follows by
 * m_q/m_o1, which leaves nothing). Returns the number of pixels marked, or -ENOMEM.
 */
int64_t vni_overlay_gain_steps(const float *frames, int n_frames, const float *m, int w, int h,
                               uint8_t *gain, float *r);

/*
 * Propose a footprint (out, w*h, 0/1) from the gain steps: they are closed into regions, a region
 * is a part of an overlay when its gain steps are a good share of its median steps and the
 * colour they imply, (m_q − r·m_o1)/(1 − r), is steady along them (W, the same along an
 * overlay's edge whatever share of a pixel it covers; a scene's texture gives scattered steps
 * whose colours vary), and a less steady one is a part beside such a part. The footprint is their
 * gain pixels grown over the pixels that no median step parts from them. Returns the pixel count
 * (0: nothing seen), or -ENOMEM.
 */
int64_t vni_overlay_quiet(const float *frames, int n_frames, const float *m, int w, int h,
                          uint8_t *out);

#endif
