/*
 * Point features for rigid tracking: Shi–Tomasi corners (Shi and Tomasi, "Good features to
 * track", CVPR 1994) and pyramidal Lucas–Kanade tracking (Lucas and Kanade 1981; the
 * inverse-compositional form of Baker and Matthews, IJCV 2004; coarse to fine as in Bouguet's
 * pyramidal implementation note) with a forward–backward check (Kalal et al. 2010).
 *
 * Images are grey VN_F32 (see core/pyramid.h: vni_grey_f32, vni_pyramid_build). Coordinates are
 * in pixels of level 0, pixel centres at integers.
 */
#ifndef VANISH_TRACK_FEATURES_H
#define VANISH_TRACK_FEATURES_H

#include "core/internal.h"
#include "core/pyramid.h"

typedef struct VniPt {
    float x, y;
} VniPt;

typedef struct VniCornerParams {
    int max_corners;    /* most corners returned, strongest first (default 500) */
    float quality;      /* keep responses >= quality * the strongest (default 0.01) */
    float min_distance; /* least distance between two corners in px (default 8) */
    int block;          /* side of the (binomial) window averaging the structure tensor, odd 3..15 (default 5) */
    int border;         /* ignore this many pixels at the image edges (default 4) */
} VniCornerParams;

void vni_corner_default_params(VniCornerParams *p);

/*
 * Shi–Tomasi corners of grey (1 channel VN_F32): local maxima (3x3) of the smaller eigenvalue
 * of the structure tensor, strongest first, no two closer than min_distance. mask (1 channel
 * VN_U8, same size) or NULL: look only where mask != 0. Writes up to VNI_MIN(max_out,
 * p->max_corners) points to out. p NULL = defaults. Returns the count (0 on a flat image),
 * -EINVAL or -ENOMEM.
 */
int vni_corners_find(const VnContext *ctx, const VnImage *grey, const VnImage *mask,
                     const VniCornerParams *p, VniPt *out, int max_out);

typedef struct VniKltParams {
    int win;            /* half side of the tracked window: (2 win + 1)^2 px, 2..31 (default 7) */
    int levels;         /* pyramid levels used, at most those of the pyramids (default 4) */
    int max_iters;      /* Gauss-Newton iterations per level (default 20) */
    float eps;          /* stop when the update is below this, px (default 0.01) */
    float min_eig;      /* lose points whose window's gradient matrix has a smaller eigenvalue,
                         * per pixel, in grey levels^2 (default 1e-2) */
    float fb_max;       /* forward-backward error above which a point is lost, px; <= 0 = no
                         * check (default 1.0) */
    int use_guess;      /* 1: the input values of pb are initial guesses (e.g. from a predicted
                         * motion); 0: start from pa (default 0) */
} VniKltParams;

void vni_klt_default_params(VniKltParams *p);

/*
 * Track the n points pa from image A to image B (pyramids of the same size, see
 * vni_pyramid_build). pb receives the positions in B, status[i] 1 if point i was tracked (kept
 * inside B, well conditioned, converged, and passing the forward-backward check), else 0. fb_err
 * (or NULL) receives the forward-backward error of each point in px (-1 if lost). Points are
 * independent: runs on the context's pool. Returns the count tracked, or -EINVAL / -ENOMEM.
 */
int vni_klt_track(const VnContext *ctx, const VniPyramid *a, const VniPyramid *b, const VniPt *pa,
                  VniPt *pb, uint8_t *status, float *fb_err, int n, const VniKltParams *p);

#endif
