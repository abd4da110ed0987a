/* Grey images and Gaussian pyramids for the trackers and the flow: grey conversion and
 * halving with the 5-tap binomial filter [1 4 6 4 1]/16. */
#ifndef VANISH_CORE_PYRAMID_H
#define VANISH_CORE_PYRAMID_H

#include "core/internal.h"

#define VNI_PYR_MAX 16

/* dst (1 channel VN_F32, values 0..255) = grey of src (VN_U8: 1 channel as is; 3 or 4 channels
 * RGB(A) with Rec. 601 weights), same size. 0 or -EINVAL. */
int vni_grey_f32(const VnContext *ctx, VnImage *dst, const VnImage *src);

/* dst = src (1 channel VN_F32) blurred by [1 4 6 4 1]/16 in both directions (edges mirrored)
 * and decimated by 2; dst must be ((w+1)/2) x ((h+1)/2). 0 or -EINVAL. */
int vni_pyr_down_f32(const VnContext *ctx, VnImage *dst, const VnImage *src);

/* A pyramid: lv[0] is the base, lv[i+1] halves lv[i]. The pyramid owns every level. */
typedef struct VniPyramid {
    int n;
    VnImage *lv[VNI_PYR_MAX];
} VniPyramid;

/* Build up to `levels` levels (1..VNI_PYR_MAX) from base, a 1-channel VN_F32 image that is
 * copied into lv[0]; stops early when a side would fall below min_side (at least 1 level).
 * On failure p is left empty. 0, -EINVAL or -ENOMEM. */
int vni_pyramid_build(const VnContext *ctx, VniPyramid *p, const VnImage *base, int levels, int min_side);

/* Free every level; p becomes empty. NULL is a no-op. */
void vni_pyramid_free(VniPyramid *p);

#endif
