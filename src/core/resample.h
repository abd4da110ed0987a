/* Resampling between the full and the working resolution. */
#ifndef VANISH_CORE_RESAMPLE_H
#define VANISH_CORE_RESAMPLE_H

#include "core/internal.h"

/* dst = src resized by area averaging (downscaling) or bilinear (upscaling); U8, same number of
 * channels. */
int vni_resize_u8(const VnContext *ctx, VnImage *dst, const VnImage *src);

/* dst (1 channel U8) = 1 where any source pixel under a dst pixel's footprint is non-zero. */
int vni_mask_downscale_any(VnImage *dst, const VnImage *src);

/* Working size for a frame: long side at most max_long (0 = unlimited), aspect kept, even. */
void vni_working_size(int w, int h, int max_long, int *ow, int *oh);

#endif
