/*
 * Distant frames: where the flow chains found no source for a hole pixel (the object stood
 * still too long, a passer-by broke the chains, the content was seen before the window), look
 * in frames further away — in the window or in a small long-term memory of earlier frames —
 * aligned to the target by a homography. The homography predicted by chaining the per-pair
 * fits of the flow is refined on the target–candidate pair itself (block matching of textured
 * points around the hole, then RANSAC), and a candidate is used only if it also agrees with the
 * target on a ring of known pixels around the hole. Sources are (frame, position), as the chains
 * give them (inpaint/propagate.h), so compose.c fuses both alike.
 */
#ifndef VANISH_INPAINT_DISTANT_H
#define VANISH_INPAINT_DISTANT_H

#include "inpaint/propagate.h"

/*
 * Homography mapping frame a to frame b, fitted by RANSAC on a grid of flow samples visible in
 * both (outside hole_a and at a point outside hole_b) whose forward and backward flows agree.
 * fwd: a → b, bwd: b → a (2-channel F32, same size as the holes). 0, or -EINVAL when too few
 * samples or no consistent fit, -ENOMEM.
 */
int vni_homography_from_flow(const VnImage *fwd, const VnImage *bwd, const VnImage *hole_a,
                             const VnImage *hole_b, double H[9]);

/* A frame to take pixels from. */
typedef struct VniCandidate {
    const VnImage *rgb;  /* working-resolution RGB U8 */
    const VnImage *hole; /* same size, non-zero = not visible there */
    double H[9];         /* predicted map from the target frame to this one */
    int index;           /* its frame index in the sources */
    int dir;             /* VNI_PAST or VNI_FUTURE: which source slot it fills */
    const VnImage *own, *moving; /* its own hole and what moves otherwise than the camera in it,
                                    or NULL: sources vni_moving_source rejects are not taken */
} VniCandidate;

/*
 * For the pixels of the target frame set in `unfilled`, find sources in the candidates (nearest
 * first within each direction: the caller orders them), each aligned by its refined homography
 * and checked on the ring around `hole` (the target's unknown pixels). rgb: the target frame at
 * working resolution. Writes src at the unfilled pixels only; returns how many of them got a
 * source, or a negative error.
 */
int64_t vni_distant_sources(const VnImage *rgb, const VnImage *hole, const VnImage *unfilled,
                            const VniCandidate *cand, int n_cand, VniSources *src);

#endif
