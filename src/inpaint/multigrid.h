/*
 * Multigrid solver for the membrane problems that vanish solves inside holes:
 *
 *   Laplace:  Δu = 0        on the unknown pixels, u fixed on the known ones  (harmonic fill,
 *                                                                              flow completion)
 *   Poisson:  Δu = div g    with a guidance field given as a right-hand side  (gradient-domain
 *                                                                              fusion)
 *
 * optionally with edge-aware weights (anisotropic: Σ w_ij (u_j − u_i) = rhs_i). Unknown pixels
 * are those with mask != 0; every other pixel is a Dirichlet boundary value. The image border is
 * a Neumann boundary (pixels outside do not take part). Interleaved channels are solved together
 * on one hierarchy. V-cycles with red-black Gauss–Seidel smoothing, started from a full-multigrid
 * (coarse-to-fine) initial guess; only the bounding box of the unknowns is worked on.
 */
#ifndef VANISH_INPAINT_MULTIGRID_H
#define VANISH_INPAINT_MULTIGRID_H

#include "core/internal.h"

typedef struct VnMgParams {
    int max_cycles;     /* V-cycles at most (default 8) */
    float tol;          /* stop when the max-norm residual falls below this (default 1e-3) */
    int pre_smooth;     /* Gauss-Seidel sweeps before/after each coarse correction (default 2) */
    int post_smooth;
    int init;           /* 1 = build the initial guess coarse-to-fine (default 1); 0 = start from
                           the values already in u */
} VnMgParams;

void vni_mg_default_params(VnMgParams *p);

/*
 * Solve in place.
 *  u:       float image, channels 1..4 (VN_F32); unknown pixels are overwritten.
 *  mask:    VN_U8 1-channel image of the same size; non-zero = unknown.
 *  rhs:     NULL (Laplace) or a VN_F32 image shaped like u: per-pixel right-hand side
 *           (for Poisson blending: the divergence of the guidance field).
 *  wx, wy:  NULL (uniform) or VN_F32 1-channel images: wx(x,y) weights the link between
 *           (x,y) and (x+1,y), wy(x,y) the link between (x,y) and (x,y+1); values > 0.
 * Returns 0, -EINVAL on mismatched shapes, -ENOMEM. Pixels outside the mask are never written.
 * A mask with no unknowns is a no-op; an image with no known pixel at all is filled with 0
 * (or left as it is when init = 0).
 */
int vni_mg_solve(const VnContext *ctx, VnImage *u, const VnImage *mask, const VnImage *rhs,
                 const VnImage *wx, const VnImage *wy, const VnMgParams *p);

#endif
