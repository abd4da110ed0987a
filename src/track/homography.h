/*
 * Plane-to-plane homographies: estimation from point matches by the normalised direct linear
 * transform (Hartley, "In defense of the eight-point algorithm", PAMI 1997; Hartley and
 * Zisserman, Multiple View Geometry, 4.4) inside RANSAC (Fischler and Bolles 1981) with an
 * adaptive number of iterations, refined on the inliers by Gauss-Newton on the reprojection
 * error; and helpers to apply, compose, invert and warp by them.
 *
 * A homography is double H[9], row-major, mapping a point (x, y) of the first image to
 * ((H0 x + H1 y + H2) / w, (H3 x + H4 y + H5) / w), w = H6 x + H7 y + H8. Estimated ones are
 * scaled so that H8 = 1 where possible.
 */
#ifndef VANISH_TRACK_HOMOGRAPHY_H
#define VANISH_TRACK_HOMOGRAPHY_H

#include "core/internal.h"
#include "track/features.h"

/* H = identity. */
void vni_homography_identity(double H[9]);

/* out = A * B (apply B first, then A). out may alias A or B. */
void vni_homography_mul(const double A[9], const double B[9], double out[9]);

/* out = H^-1 (scaled so that out[8] = 1 where possible); out may alias H. 0, or -EINVAL when H
 * is singular. */
int vni_homography_invert(const double H[9], double out[9]);

/* out[i] = H(in[i]); in and out may alias. Points mapped to infinity become (NAN, NAN). */
void vni_homography_apply(const double H[9], const VniPt *in, VniPt *out, int n);

/*
 * Least-squares homography mapping a[i] to b[i] (n >= 4) by the normalised DLT. 0, or -EINVAL
 * when n < 4 or the points are degenerate (all on a line, or coincident, in a or in b).
 */
int vni_homography_dlt(const VniPt *a, const VniPt *b, int n, double H[9]);

typedef struct VniRansacParams {
    float threshold;    /* inlier when the reprojection error in b is below this, px (default 2) */
    float confidence;   /* probability of having drawn one all-inlier sample (default 0.995) */
    int max_iters;      /* cap on the samples drawn (default 2000) */
    int refine_iters;   /* Gauss-Newton steps on the inliers' reprojection error (default 10) */
    uint32_t seed;      /* sampling seed; same input + seed = same result (default 1) */
} VniRansacParams;

void vni_ransac_default_params(VniRansacParams *p);

/*
 * Robust homography mapping a[i] to b[i]. inliers (n bytes, or NULL) receives 1 for each match
 * consistent with H. p NULL = defaults. Returns the inlier count (>= 4), or -EINVAL when n < 4,
 * the points are degenerate or no sample gives 4 inliers, -ENOMEM.
 */
int vni_homography_ransac(const VniPt *a, const VniPt *b, int n, const VniRansacParams *p, double H[9],
                          uint8_t *inliers);

/*
 * dst(x) = src(H^-1 x) by bilinear interpolation: H maps src coordinates to dst coordinates (as
 * estimated from matches src -> dst). src and dst: VN_U8 with the same channels (or 1-channel
 * VN_F32 both), any sizes; pixels that map outside src become 0. valid (1 channel VN_U8 of
 * dst's size, or NULL) receives 255 where dst was sampled inside src, else 0. 0 or -EINVAL.
 * Runs on the context's pool.
 */
int vni_warp_image(const VnContext *ctx, VnImage *dst, const VnImage *src, const double H[9], VnImage *valid);

/*
 * Warp a mask (1 channel VN_U8, non-zero = set) like vni_warp_image: bilinear of the 0/1 mask,
 * set (255) where it reaches 0.5, else 0 (so edges move by sub-pixel amounts but stay binary).
 * Outside src: 0.
 */
int vni_warp_mask(const VnContext *ctx, VnImage *dst, const VnImage *src, const double H[9]);

#endif
