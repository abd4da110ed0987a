/*
 * Dense optical flow in the manner of DIS (Kroeger, Timofte, Dai, Van Gool, "Fast optical flow
 * using dense inverse search", ECCV 2016): coarse to fine over a pyramid, each level (1) matches
 * a grid of overlapping patches by inverse-compositional Lucas–Kanade on mean-normalised
 * intensities, started from the flow of the coarser level or of the patch to the left,
 * (2) densifies the patch flows into a per-pixel flow by averaging the patches that cover a
 * pixel, weighted by how well each explains it, and (3) refines the result variationally
 * (Brox et al. 2004: robust brightness and gradient constancy + robust smoothness, lagged
 * fixed-point iterations of red-black SOR).
 *
 * Mask-aware: pixels under the mask of either frame take no part in the matching, the
 * densification or the data term, so a static logo does not pin the flow to zero and a moving
 * object does not drag the background; the flow inside frame 0's mask is completed from its
 * border by the multigrid membrane solver (optionally edge-aware).
 */
#ifndef VANISH_FLOW_DIS_H
#define VANISH_FLOW_DIS_H

#include "core/internal.h"
#include "core/pyramid.h"

typedef struct VniDisParams {
    int patch;       /* patch side in pixels, 4..16 (8) */
    int stride;      /* distance between patch origins (4) */
    int iters;       /* Gauss-Newton iterations per patch (16) */
    int finest;      /* finest pyramid level solved; the flow is upsampled from there (1) */
    int var_iters;   /* lagged fixed-point iterations of the refinement per level; 0 = none (2) */
    int sor_iters;   /* SOR sweeps per fixed-point iteration (5) */
    float var_alpha; /* smoothness weight of the refinement (10) */
    float var_delta; /* weight of brightness constancy (1) */
    float var_gamma; /* weight of gradient constancy (1) */
    int min_side;    /* coarsest level's smaller side at least this (16) */
    int edge_aware;  /* completion inside masks follows image edges (0) */
} VniDisParams;

/* Parameters of a preset: 0 fast, 1 medium, 2 best. */
void vni_dis_preset(VniDisParams *p, int preset);

/*
 * Flow from frame 0 to frame 1 (flow(x) = position in frame 1 − x, in base pixels).
 *  p0, p1:  grey pyramids (1-channel F32, 0..255) of the two frames, same sizes, as built by
 *           vni_pyramid_build.
 *  m0, m1:  1-channel U8 masks at base size (non-zero = ignore), or NULL.
 *  flow:    2-channel F32 at base size; its content is used as the initial guess when `init`
 *           is non-zero (e.g. the negated other direction), else ignored.
 */
int vni_dis_flow(const VnContext *ctx, const VniPyramid *p0, const VniPyramid *p1, const VnImage *m0,
                 const VnImage *m1, VnImage *flow, int init, const VniDisParams *params);

#endif
