/*
 * Semi-transparent static overlays (logos, watermarks): each pixel of a frame is the blend
 *
 *     I = α·W + (1 − α)·J
 *
 * of the overlay's colour W and the picture J under it, with the overlay's opacity α. Because the
 * overlay stays put while the picture moves, α and W can be estimated from many frames
 * (overlay_est.c), the picture given back by inverting the blend where α is low enough and
 * filled where the overlay is opaque (overlay_apply.c), and the overlay's footprint found from
 * edges that stay put while the picture under them changes (overlay_detect.c).
 */
#ifndef VANISH_INPAINT_OVERLAY_H
#define VANISH_INPAINT_OVERLAY_H

#include "core/internal.h"
#include "vanish/overlay.h"

/* ---- estimation ------------------------------------------------------------------------ */

typedef struct VniOverlayEst VniOverlayEst;

/* Start an estimate of the overlay inside `region` (1 channel, VN_U8, non-zero = overlay; the
 * frame size). At most max_frames frames are kept (2..1000): past that, every other kept frame
 * is dropped and only every 2nd, 4th, ... frame offered is taken, so that the kept frames stay
 * evenly spaced over any length. -EINVAL for an empty region or bad arguments, -ENOMEM. */
int vni_overlay_est_open(const VnContext *ctx, VniOverlayEst **e, const VnImage *region,
                         int max_frames);

/* Offer the next frame (RGB, VN_U8, the region's size). */
int vni_overlay_accumulate(VniOverlayEst *e, const VnImage *rgb);

/* Number of frames kept so far. */
int vni_overlay_est_frames(const VniOverlayEst *e);

/* Estimate the overlay from the kept frames (at least 2): *alpha (VN_F32, 1 channel, opacity in
 * [0,1], 0 outside the region) and *color (VN_F32, 3 channels, W in grey levels 0..255, 0 where α
 * is 0) are new images of the frame size owned by the caller. On failure both are NULL. */
int vni_overlay_solve(VniOverlayEst *e, VnImage **alpha, VnImage **color);

void vni_overlay_est_free(VniOverlayEst **e);

/*
 * Fit for presence, as the detector's pass 2 wants (is there an overlay at a pixel at all, α at
 * least VnOverlaySettings.min_alpha): the regression's samples stay at the region's edge on 4:2:0
 * frames too. There they put α low at an overlay's edge (0.25 for 0.5 on box.mp4's green ring)
 * but near 0 over picture; the samples a pixel or two away that the un-blending needs there
 * decorrelate Ĵ from the picture under the border on a moving texture, which reads as α
 * (demo/sample.mp4: a 112x70 part of the box in the coarse footprint came out at α 0.08, median,
 * and stayed in the proposal: IoU 0.86 -> 0.46). Call before vni_overlay_solve.
 */
void vni_overlay_est_presence(VniOverlayEst *e);

/* The same for an estimator of the public API (the pipeline's detector). */
void vni_overlay_estimator_presence(VnOverlayEstimator *e);

/* The opacity that vni_overlay_solve gives the ring of pixels round the region (its
 * 8-neighbours) when the frames' chroma is of half resolution (4:2:0): so small that their luma
 * is kept, it has them un-blended too, whose chroma the overlay's 2x2 blocks carry, and marks
 * them for the smoothing of the region's edge (vni_overlay_unblend). It also carries the decision
 * made once from the kept frames: vni_overlay_unblend takes every frame as 4:2:0 where α has
 * such a ring, as 4:4:4 where it has the ring VNI_OVERLAY_RING_FULL, and decides per frame only
 * for an α with neither (an α not from the estimator). */
#define VNI_OVERLAY_RING 1e-4f

/* The ring's opacity when the kept frames' chroma is of full resolution (4:4:4, RGB): the
 * decision made once, so that vni_overlay_unblend does not make it again on every frame (whose
 * crop can look 4:2:0 on a frame of flat colour). So small that un-blending leaves its pixels
 * as they are. Neither ring is set by the detector's fit for presence. */
#define VNI_OVERLAY_RING_FULL 5e-5f

/* The opacity that vni_overlay_solve gives a part of the region whose blend no one α fits (its
 * luma and its chroma blended at opacities far apart, as FFmpeg's drawbox does on 4:2:0
 * frames): the part is handed to the fill whole, and vni_overlay_unblend leaves the input in it
 * for the fill, as --method fill has it. Over any opaque_hi up to 0.999. */
#define VNI_OVERLAY_HANDED (1.0f - 1.0f / 1024.0f)

/* ---- un-blending ----------------------------------------------------------------------- */

/* A fill for the opaque part: fill rgb (VN_U8, 3 channels) where hole != 0, in place. */
typedef int (*VniFillFn)(void *cookie, VnImage *rgb, const VnImage *hole);

typedef struct VniOverlayApplyParams {
    float opaque_lo;   /* α from which the fill starts to take over (default 0.85) */
    float opaque_hi;   /* α from which only the fill is used (default 0.95) */
    float noise;       /* std of the input's noise in grey levels, for the edge-preserving
                          clean-up of the amplified noise; 0 = none (default 1.0) */
    VniFillFn fill;    /* NULL = the per-frame harmonic fill (vni_fill_harmonic) */
    void *fill_cookie;
} VniOverlayApplyParams;

void vni_overlay_apply_default_params(VniOverlayApplyParams *p);

/* Give back the picture under the overlay (alpha, color as from vni_overlay_solve) in rgb
 * (VN_U8, 3 channels), in place: J = (I − αW)/(1 − α) where α < opaque_lo, the fill where
 * α ≥ opaque_hi, a smooth blend of the two between. Pixels with α == 0 are not written. */
int vni_overlay_apply(const VnContext *ctx, VnImage *rgb, const VnImage *alpha,
                      const VnImage *color, const VniOverlayApplyParams *p);

/* The un-blending half of vni_overlay_apply, for a caller with its own fill (the temporal
 * engine): rgb gets J where 0 < α (α capped at min(opaque_hi, 0.98)), and hole (VN_U8, 1
 * channel, frame size) 255 where α >= opaque_lo (the part to fill), 0 elsewhere. Returns the
 * number of hole pixels or a negative error. */
int64_t vni_overlay_unblend(const VnContext *ctx, VnImage *rgb, const VnImage *alpha,
                            const VnImage *color, const VniOverlayApplyParams *p, VnImage *hole);

/* Whether the chroma of a frame's crop (RGB, VN_U8, rows stride bytes apart; its top-left pixel
 * at x0, y0 in the frame) has half the resolution, as in a frame decoded from 4:2:0 video (most
 * users' H.264): the chroma (R, B less the luma) hardly changes inside the 2x2 blocks at even
 * coordinates while it changes across them. */
int vni_overlay_half_chroma(const uint8_t *rgb, size_t stride, int x0, int y0, int width,
                            int height);

/* ---- detection ------------------------------------------------------------------------- */

typedef struct VniOverlayDetect VniOverlayDetect;

/* Start collecting the temporal statistics of frames of width x height. */
int vni_overlay_detect_open(const VnContext *ctx, VniOverlayDetect **d, int width, int height);

/* Offer the next frame (RGB, VN_U8). At most 64 are kept, evenly spaced over those offered. */
int vni_overlay_detect_add(VniOverlayDetect *d, const VnImage *rgb);

/* Propose the footprint of a static overlay into mask (VN_U8, 1 channel, frame size; 255 = the
 * overlay). Returns the number of proposed pixels; 0 (an empty mask) when no overlay is seen. */
int64_t vni_overlay_detect_propose(VniOverlayDetect *d, VnImage *mask);

void vni_overlay_detect_free(VniOverlayDetect **d);

/* ---- shared helpers (overlay_solve.c) ---------------------------------------------------- */

/*
 * Smooth a field with data: minimise Σ_p w_p (x_p − d_p)² + λ Σ_{p~q} g_pq (x_p − x_q)² over the
 * pixels with mask != 0 (4-neighbour links; links to pixels outside the mask use the fixed value
 * `outside` when has_outside, else none). x, d, w: n = width*height floats, packed rows; gx[p]
 * weights the link p–(p+1), gy[p] the link p–(p+width). x holds the initial guess and receives
 * the result. Conjugate gradients preconditioned by an aggregation multigrid, to a residual of
 * 1e-7 of the right-hand side. 0, the number of fields whose solve stopped short of that (at its
 * 500 iterations; x is then the last iterate), or -ENOMEM.
 */
int vni_overlay_smooth(float *x, const float *d, const float *w, const float *gx, const float *gy,
                       const uint8_t *mask, int width, int height, float lambda, int has_outside,
                       float outside);

/* The same for n_fields fields with one data weight (x and d hold n_fields packed fields of n
 * floats): the system and its multigrid hierarchy (overlay_amg.c) are set up once. */
int vni_overlay_smooth_fields(float *x, const float *d, int n_fields, const float *w,
                              const float *gx, const float *gy, const uint8_t *mask, int width,
                              int height, float lambda, int has_outside, float outside);

/* The same with a guidance: minimise Σ_p w_p (x_p − d_p)² + λ Σ_{p~q} g_pq (x_q − x_p − v_pq)²
 * where vx[p] is the wanted x(p+1) − x(p) and vy[p] the wanted x(p+width) − x(p) (n_fields packed
 * fields each, like x and d); no outside value. */
int vni_overlay_smooth_guided(float *x, const float *d, int n_fields, const float *w,
                              const float *gx, const float *gy, const float *vx, const float *vy,
                              const uint8_t *mask, int width, int height, float lambda);

/* The system of vni_overlay_smooth (data weight w, links, λ, outside values) set up once, with
 * its multigrid, for solves of many fields (an estimator's rounds). w is copied; gx, gy and mask
 * must stay valid while the handle is used. vni_overlay_pool_solve: x (from its guess) for the
 * data d of n_fields packed fields, with an optional guidance (vx, vy as in
 * vni_overlay_smooth_guided, or NULL; only for a system without outside values); it returns the
 * number of fields whose solve stopped short of the tolerance (0 when all reached it). */
typedef struct VniOverlayPool VniOverlayPool;
int vni_overlay_pool_open(VniOverlayPool **p, const float *w, const float *gx, const float *gy,
                          const uint8_t *mask, int width, int height, float lambda,
                          int has_outside, float outside);
int vni_overlay_pool_solve(VniOverlayPool *p, float *x, const float *d, int n_fields,
                           const float *vx, const float *vy);
void vni_overlay_pool_free(VniOverlayPool **p);

/* Aggregation multigrid for A x = b on the pixels with mask != 0 (overlay_amg.c), (A x)_p =
 * s_p·x_p + Σ_q g_pq (x_p − x_q) over the 4-neighbour links inside the mask (gx[p]: link
 * p–(p+1), gy[p]: link p–(p+width); s > 0). Vectors are over its nodes (vni_amg_nodes: the mask's
 * pixels, in raster order; vni_amg_gather/scatter move them from/to a width*height field).
 * vni_amg_apply_f64: y = A x, in double; vni_amg_precondition: z ≈ A⁻¹ r by one symmetric V-cycle (a fixed
 * linear map, for conjugate gradients). */
typedef struct VniAmg VniAmg;
int vni_amg_open(VniAmg **a, const float *s, const float *gx, const float *gy,
                 const uint8_t *mask, int width, int height);
int vni_amg_nodes(const VniAmg *a);
void vni_amg_gather(const VniAmg *a, const float *grid, float *v);
void vni_amg_scatter(const VniAmg *a, const float *v, float *grid);
void vni_amg_apply_f64(const VniAmg *a, const double *x, double *y);
void vni_amg_precondition(VniAmg *a, const float *r, float *z);
void vni_amg_free(VniAmg **a);

/* α and W of the overlay where the picture under it stays put (overlay_still.c), for the
 * estimator: frames: n_frames crops of width x height RGB (packed rows); in: width*height, 1
 * inside the region; c (1 − α), edge (0..1, how surely W sits at the edge of 0..255) and the
 * links gx, gy (as for vni_overlay_smooth) per pixel; c and wcol (width*height*3, interleaved
 * W) are updated where W is seen to vary inside a part (a gradient) and the picture is still.
 * The number of smoothing solves that stopped short of their tolerance, or -ENOMEM. */
int vni_overlay_fit_still(const VnContext *ctx, const uint8_t *frames, int n_frames,
                        const uint8_t *in, int width, int height, float *c,
                        const float *edge, const float *gx, const float *gy, float *wcol);

/* The temporal median of each pixel of n_frames crops of width x height RGB (packed rows), per
 * channel, into med (width*height*3, interleaved), and in still (width*height) how surely the
 * picture there stays put (1 still, toward 0 moving). tmp: n_frames floats. */
void vni_overlay_median(const uint8_t *frames, int n_frames, int width, int height, float *med,
                        float *still, float *tmp);

/* The spatial test of a region's outer ring over a still picture (overlay_still.c), where the
 * frames' regression has no change over time to go on: at each pixel of the region (in) with an
 * outside 4-neighbour in ext, the opacity that the temporal medians med (as from
 * vni_overlay_median) show at the step from ext into the region, pooled over the ring pixels
 * within a window, into ahat (width*height; -1 at the other pixels). 0 or -ENOMEM. */
int vni_overlay_ring_alpha(const float *med, const uint8_t *in, const uint8_t *ext, int width,
                           int height, float *ahat);

/* Harmonic interpolation into the pixels with mask != 0 of a packed float field f (width x
 * height x nch) from the others (membrane, by the multigrid solver). 0 or a negative error. */
int vni_overlay_harmonic(const VnContext *ctx, float *f, const uint8_t *mask, int width,
                         int height, int nch);

#endif
