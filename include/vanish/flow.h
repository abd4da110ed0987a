/*
 * Dense optical flow that ignores masked objects, and the operations on flow fields that the
 * later stages use: forward-backward consistency (occlusion and confidence), warping, chaining,
 * Middlebury .flo files and the colour-wheel picture.
 *
 * A flow field is a VnImage with channels = 2 and type = VN_F32: (u, v) in pixels, so that pixel
 * x of frame A moves to x + flow(x) in frame B. Masks are 1-channel VN_U8 images, non-zero =
 * object (the pixel takes no part in the matching).
 *
 * Every function may be called from one thread per context at a time; the work runs on the
 * context's thread pool.
 */
#ifndef VANISH_FLOW_H
#define VANISH_FLOW_H

#include "vanish/vanish.h"

#ifdef __cplusplus
extern "C" {
#endif

enum VnFlowPreset { VN_FLOW_FAST = 0, VN_FLOW_MEDIUM = 1, VN_FLOW_BEST = 2 };

/* Settings of the flow. Fields left at 0 take the preset's value. */
typedef struct VnFlowSettings {
    int preset;          /* enum VnFlowPreset (default VN_FLOW_MEDIUM) */
    int patch;           /* patch side in pixels, 4..16; 0 = preset's (8) */
    int stride;          /* distance between patches; 0 = preset's (fast 5, medium 4, best 3) */
    int iters;           /* Gauss-Newton steps per patch; 0 = preset's (12, 16, 24) */
    int finest;          /* finest pyramid level solved (0 = full size); -1 = preset's (2, 1, 0) */
    int var_iters;       /* fixed-point iterations of the variational refinement per level;
                            -1 = preset's (fast 1, medium 3, best 4); 0 = none */
    float alpha;         /* smoothness weight of the refinement; 0 = default (2) */
    int edge_aware;      /* 1 = flow inside masks is completed with weights that follow image
                            edges (default 0) */
    float occ_tolerance; /* consistency check: allowed |fwd + bwd(x + fwd)| in pixels beyond the
                            relative term (default 1.0) */
} VnFlowSettings;

/* Fill s with the defaults documented above. */
VN_API void vn_flow_default_settings(VnFlowSettings *s);

/* The options of VnFlowSettings (CLI flags, HTTP fields, page controls). Static storage. */
VN_API const VnOption *vn_flow_options(void);

/*
 * Flow between frames a and b (RGB/RGBA or grey, VN_U8, same size).
 *  mask_a, mask_b: NULL or 1-channel U8 masks of a's and b's size; masked pixels take no part
 *                  in the matching and the flow under mask_a is completed from its border.
 *  fwd:  set to a new 2-channel F32 image, flow a → b (owned by the caller, vn_image_free).
 *  bwd:  NULL, or set to a new image with the flow b → a.
 * On failure *fwd (and *bwd) are NULL and vn_last_error(ctx) says why.
 */
VN_API int vn_flow_compute(VnContext *ctx, const VnImage *a, const VnImage *b, const VnImage *mask_a,
                           const VnImage *mask_b, const VnFlowSettings *s, VnImage **fwd,
                           VnImage **bwd);

/*
 * Forward-backward consistency: a pixel x of a is occluded (or mismatched) when
 *   |fwd(x) + bwd(x + fwd(x))|² > 0.01 (|fwd(x)|² + |bwd(x + fwd(x))|²) + tolerance²
 * or x + fwd(x) leaves the frame. occ (may be NULL): set to a new 1-channel U8 image, 255 =
 * occluded. conf (may be NULL): set to a new 1-channel F32 image in [0, 1], 1 = consistent.
 * Outputs are owned by the caller; on failure they are NULL.
 */
VN_API int vn_flow_consistency(VnContext *ctx, const VnImage *fwd, const VnImage *bwd, float tolerance,
                               VnImage **occ, VnImage **conf);

/*
 * dst(x) = src(x + flow(x)), bilinear; positions outside src are clamped to its border. src is
 * U8 or F32 with 1..4 channels; dst must have src's channels and type; src, dst and flow share
 * one size. dst stays owned by the caller and must not alias src. -EINVAL on mismatched shapes.
 */
VN_API int vn_flow_warp(VnContext *ctx, VnImage *dst, const VnImage *src, const VnImage *flow);

/* dst(x) = 255 where mask(x + flow(x)) (bilinear) is at least half set, else 0 (U8 masks). */
VN_API int vn_flow_warp_mask(VnContext *ctx, VnImage *dst, const VnImage *mask, const VnImage *flow);

/* Chain two flows: dst(x) = f01(x) + f12(x + f01(x)) (a → b then b → c gives a → c). dst may
 * not alias f12; it may be f01. */
VN_API int vn_flow_chain(VnContext *ctx, VnImage *dst, const VnImage *f01, const VnImage *f12);

/* Middlebury colour-wheel picture of a flow: *rgb is set to a new RGB24 image (caller owns it).
 * max_motion: the length shown fully saturated; <= 0 = the largest length in the field. */
VN_API int vn_flow_visualize(const VnImage *flow, float max_motion, VnImage **rgb);

/* Read a Middlebury .flo file ('PIEH', width, height, float32 little-endian u,v pairs) into a
 * new flow image *flow (caller owns it; NULL on failure). */
VN_API int vn_flow_read_flo(VnContext *ctx, const char *path, VnImage **flow);

/* Write a flow as a Middlebury .flo file, through a temporary name renamed when complete. */
VN_API int vn_flow_write_flo(VnContext *ctx, const char *path, const VnImage *flow);

#ifdef __cplusplus
}
#endif

#endif /* VANISH_FLOW_H */
