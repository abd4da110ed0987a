/*
 * Example-based image completion: multi-scale PatchMatch (Barnes et al., "PatchMatch: a randomized
 * correspondence algorithm for structural image editing", SIGGRAPH 2009) inside the iterated
 * nearest-neighbour-field + voting scheme of Wexler, Shechtman and Irani ("Space-time completion
 * of video", PAMI 2007).
 *
 * The hole is filled coarse to fine. At the coarsest level it starts from a smooth (harmonic)
 * fill; at every level each patch that overlaps the hole is matched to its nearest patch made
 * only of source pixels (PatchMatch: propagation + random search), and every hole pixel becomes
 * the weighted vote of the matched patches that cover it — weighted by match quality and by
 * closeness to the hole border, where the known content is most trustworthy. The result at one
 * level (image and field) seeds the next finer one.
 *
 * Work is confined to a crop around the hole (search_margin), so the cost grows with the hole,
 * not the frame. The output depends only on the inputs and the seed, not on the thread count.
 */
#ifndef VANISH_INPAINT_PATCHMATCH_H
#define VANISH_INPAINT_PATCHMATCH_H

#include "core/internal.h"

typedef struct VnPatchMatchParams {
    int patch_size;     /* patch side in pixels, odd, 3..15 (default 7) */
    int levels;         /* pyramid levels; 0 = auto: halve until the hole spans ~2 patches (default 0) */
    int em_iters;       /* search + vote iterations at each coarse level (default 5) */
    int em_iters_fine;  /* the same at the finest level, where they cost most (default 2) */
    int pm_iters;       /* PatchMatch sweeps (propagation + random search) per EM iteration (default 2) */
    int search_margin;  /* sources lie within this many pixels of the hole's bounding box;
                         * 0 = auto: max(4 patches, the box's larger side) (default 0) */
    float border_decay; /* Wexler's alpha: a patch's vote weighs alpha^-d, d = its depth into the
                         * hole in pixels; 1 = no preference (default 1.3) */
    uint32_t seed;      /* random seed; same input + same seed = same output (default 1) */
} VnPatchMatchParams;

/* Fill p with the defaults documented above. */
void vni_patchmatch_default_params(VnPatchMatchParams *p);

/*
 * Complete rgb where hole != 0, in place; pixels where hole == 0 are not touched.
 *  rgb:       VN_U8, 1..4 channels (normally 3).
 *  hole:      VN_U8, 1 channel, same size; non-zero = to fill.
 *  source_ok: VN_U8, 1 channel, same size, or NULL. Patches are copied only from places where
 *             every pixel has source_ok != 0 and hole == 0 (NULL: every pixel outside the hole).
 *  p:         parameters, or NULL for the defaults.
 * Returns 0 (also when the hole is empty), -EINVAL for bad arguments or when no complete patch
 * of source pixels exists near the hole (e.g. the whole image is a hole; the caller may then fall
 * back to vni_fill_harmonic), -ENOMEM, or VN_ERR_CANCELLED from the context's progress callback
 * (stage "patchmatch"). On failure rgb is unchanged.
 * Uses the context's thread pool; the context may be NULL (one thread).
 */
int vni_patchmatch_fill(const VnContext *ctx, VnImage *rgb, const VnImage *hole,
                        const VnImage *source_ok, const VnPatchMatchParams *p);

#endif
