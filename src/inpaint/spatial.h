/* Per-frame spatial fill: each hole becomes the membrane (harmonic) interpolation of its
 * border, solved by multigrid. Smooth and seamless, without texture. */
#ifndef VANISH_INPAINT_SPATIAL_H
#define VANISH_INPAINT_SPATIAL_H

#include "core/internal.h"

/* Fill rgb (VN_U8, 1..4 channels) where mask (1 channel, VN_U8) is non-zero. */
int vni_fill_harmonic(const VnContext *ctx, VnImage *rgb, const VnImage *mask);

#endif
