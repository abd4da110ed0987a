/* Operations on 8-bit masks (non-zero = set). */
#ifndef VANISH_CORE_MASKOPS_H
#define VANISH_CORE_MASKOPS_H

#include "core/internal.h"

/* dst = src dilated by a disc of radius r (Euclidean; r = 0 copies), as 0/255.
 * dst and src are 1-channel VN_U8 of the same size and must not alias. */
int vni_mask_dilate(const VnContext *ctx, VnImage *dst, const VnImage *src, int r);

/* Bounding box of the set pixels; returns the count of set pixels (0: box untouched). */
int64_t vni_mask_bbox(const VnImage *m, int *x0, int *y0, int *x1, int *y1);

#endif
