/*
 * Static semi-transparent overlays (broadcast logos, stock-footage watermarks): each pixel under
 * the overlay is the blend I = α·W + (1 − α)·J of the overlay's colour W and the picture J. vanish
 * estimates α and W from many frames, gives the picture back by inverting the blend where the
 * overlay lets it through (and fills where it is opaque), and can find the overlay's footprint
 * without a click.
 *
 * Image-level objects (an estimator, a detector) take frames one at a time, so that a caller can
 * stream a video through them; the file-level functions do that for a video path.
 */
#ifndef VANISH_OVERLAY_H
#define VANISH_OVERLAY_H

#include "vanish/vanish.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VnOverlaySettings {
    int max_frames;     /* frames kept for the estimate, evenly spaced over the video
                           (default 200; 2 to 1000) */
    float opaque_lo;    /* α from which the fill starts to take over from un-blending
                           (default 0.85; 0.05 to 0.99) */
    float opaque_hi;    /* α from which only the fill is used (default 0.95; above opaque_lo,
                           at most 1) */
    float noise;        /* noise of the input in grey levels, for the clean-up of the noise
                           that un-blending amplifies; 0 = no clean-up (default 1.0; 0 to 20) */
    float min_alpha;    /* detection: pixels of a proposed footprint whose estimated α is below
                           this are dropped (default 0.08; 0 to 0.5) */
} VnOverlaySettings;

/* Fill s with the defaults documented above. */
VN_API void vn_overlay_default_settings(VnOverlaySettings *s);

/* The options of VnOverlaySettings (CLI flags, HTTP fields, page controls). Static storage. */
VN_API const VnOption *vn_overlay_options(void);

/* ---- estimation ------------------------------------------------------------------------ */

typedef struct VnOverlayEstimator VnOverlayEstimator;

/*
 * Start estimating the overlay inside `region` (1 channel, VN_U8, the frame size, non-zero =
 * overlay; it may be larger than the overlay). region is copied. On success *e must be freed
 * with vn_overlay_estimator_free; on failure *e is NULL (-EINVAL: empty region or bad settings).
 */
VN_API int vn_overlay_estimator_open(VnContext *ctx, VnOverlayEstimator **e,
                                     const VnImage *region, const VnOverlaySettings *s);

/* Offer the next frame (RGB24, the region's size; not kept). Offer every frame of the video, or
 * an evenly spaced selection: the estimator keeps at most max_frames, evenly spaced. */
VN_API int vn_overlay_estimator_add(VnOverlayEstimator *e, const VnImage *rgb);

/*
 * Estimate from the frames offered (at least 2). On success *alpha (VN_F32, 1 channel, opacity
 * 0..1, 0 outside the region) and *color (VN_F32, 3 channels, the overlay's RGB in 0..255) are
 * new images owned by the caller (vn_image_free); on failure both are NULL.
 */
VN_API int vn_overlay_estimator_solve(VnOverlayEstimator *e, VnImage **alpha, VnImage **color);

VN_API void vn_overlay_estimator_free(VnOverlayEstimator **e);

/*
 * Estimate the overlay of the video at `input` inside region (the whole video is read once;
 * frames are taken evenly spaced). *alpha and *color as from vn_overlay_estimator_solve.
 */
VN_API int vn_overlay_estimate_file(VnContext *ctx, const char *input, const VnImage *region,
                                    const VnOverlaySettings *s, VnImage **alpha,
                                    VnImage **color);

/* ---- removal --------------------------------------------------------------------------- */

/*
 * Give back the picture under the overlay in rgb (RGB24, in place): un-blend where α is below
 * s->opaque_lo, fill (per frame, from the border) where α is above s->opaque_hi, and blend the
 * two between. Pixels where α is 0 are not written. alpha and color as from the estimator.
 */
VN_API int vn_overlay_remove_image(VnContext *ctx, VnImage *rgb, const VnImage *alpha,
                                   const VnImage *color, const VnOverlaySettings *s);

/* ---- detection ------------------------------------------------------------------------- */

typedef struct VnOverlayDetector VnOverlayDetector;

/* Start collecting the temporal statistics of frames of width x height. *d is NULL on failure. */
VN_API int vn_overlay_detector_open(VnContext *ctx, VnOverlayDetector **d, int width,
                                    int height);

/* Offer the next frame (RGB24, not kept as such). Offer every frame of the video, or an evenly
 * spaced selection: the detector keeps at most 64, evenly spaced, reduced to at most 480 pixels a
 * side in grey. */
VN_API int vn_overlay_detector_add(VnOverlayDetector *d, const VnImage *rgb);

/*
 * Propose a coarse footprint of a static overlay into mask (VN_U8, 1 channel, frame size; 255 =
 * overlay): edges that keep their place and orientation while the picture around them changes,
 * closed into regions that must be of a logo's size, dense in such edges, clear of the frame
 * border and surrounded by a changing picture. Returns the number of pixels proposed, 0 with an
 * empty mask when no overlay is seen (an overlay over a picture that never changes cannot be
 * told from the scene), or a negative error. vn_overlay_refine_mask() makes it tight.
 */
VN_API int64_t vn_overlay_detector_propose(VnOverlayDetector *d, VnImage *mask);

VN_API void vn_overlay_detector_free(VnOverlayDetector **d);

/* Tighten a footprint with an estimated α: keep the pixels of mask where alpha >= s->min_alpha
 * (mask is grown by 2 pixels first, to catch the overlay's soft edge). Returns the pixel count. */
VN_API int64_t vn_overlay_refine_mask(VnContext *ctx, VnImage *mask, const VnImage *alpha,
                                      const VnOverlaySettings *s);

/*
 * The whole detection for the video at `input`: statistics over frames spread through the
 * video, a coarse footprint, an estimate of α on it, the footprint where α is visible. *mask is a
 * new image (VN_U8, 1 channel, frame size, 255 = overlay) owned by the caller, empty when no
 * overlay is seen. Returns the number of pixels of the footprint or a negative error.
 */
VN_API int64_t vn_overlay_detect_file(VnContext *ctx, const char *input,
                                      const VnOverlaySettings *s, VnImage **mask);

#ifdef __cplusplus
}
#endif

#endif
