/*
 * Filling the masked region of frames: one image at a time, or a whole video streamed from an
 * input file and a mask source to an output file.
 */
#ifndef VANISH_INPAINT_H
#define VANISH_INPAINT_H

#include "vanish/vanish.h"
#include "vanish/video.h"

#ifdef __cplusplus
extern "C" {
#endif

enum VnInpaintMethod {
    VN_INPAINT_FILL = 0,    /* temporal: take what other frames saw along the optical flow,
                               invent only what no frame saw (PatchMatch), blend seamlessly */
    VN_INPAINT_SPATIAL = 1, /* per-frame harmonic (membrane) fill of each hole from its border */
    VN_INPAINT_AUTO = 2,    /* a static mask (one for every frame, or --auto-overlay) is taken as
                               an overlay: its opacity and colour are estimated (vanish/overlay.h),
                               the picture un-blended where the overlay lets it through and filled
                               (as VN_INPAINT_FILL) where it is opaque; per-frame masks: FILL */
    VN_INPAINT_UNBLEND = 3, /* as AUTO, with the opaque part filled per frame from its border */
};

enum VnPreset { VN_PRESET_FAST = 0, VN_PRESET_MEDIUM = 1, VN_PRESET_BEST = 2 };

typedef struct VnInpaintSettings {
    int method;       /* enum VnInpaintMethod (default VN_INPAINT_AUTO) */
    int dilate;       /* grow the mask by this many pixels before filling, to cover the object's
                         soft edge and compression halo (default 2; 0 to 64) */
    int working_size; /* long side of the working resolution for flow and propagation; the fill
                         is sampled from the full-resolution frames (default 960; 64 to 4096) */
    int window;       /* frames solved together; a quarter of them overlap the next window
                         (default 24; 4 to 200) */
    int preset;       /* enum VnPreset: speed against quality (default VN_PRESET_MEDIUM) */
} VnInpaintSettings;

/* Fill s with the defaults documented above. */
VN_API void vn_inpaint_default_settings(VnInpaintSettings *s);

/* The options of VnInpaintSettings (CLI flags, HTTP fields, page controls). Static storage. */
VN_API const VnOption *vn_inpaint_options(void);

/*
 * Fill the pixels of `rgb` (RGB24) where `mask` (1 channel, VN_U8, same size) is non-zero, after
 * dilating the mask by s->dilate, from this image alone (a single image has no other frames:
 * VN_INPAINT_FILL invents the hole by PatchMatch, VN_INPAINT_SPATIAL interpolates it). Pixels outside the dilated mask are not written. If
 * `dilated_out` is not NULL (1 channel, VN_U8, same size) it receives the dilated mask.
 */
VN_API int vn_inpaint_image(VnContext *ctx, VnImage *rgb, const VnImage *mask,
                            const VnInpaintSettings *s, VnImage *dilated_out);

/*
 * The whole job: read `input` (any vn_video_open source), the masks at `masks` (any
 * vn_mask_open source; NULL: find a static overlay with vn_overlay_detect_file and remove it,
 * an error if there is none), fill every frame and write `output` (any vn_video_writer_open target)
 * with its audio, timestamps and metadata. Streams: memory does not depend on the length.
 * Progress is reported as stage "inpaint". On failure nothing is left at `output` and
 * vn_last_error(ctx) says what went wrong.
 */
VN_API int vn_inpaint_file(VnContext *ctx, const char *input, const char *masks,
                           const char *output, const VnInpaintSettings *s,
                           const VnWriterSettings *ws);

/* Receives each finished frame, in frame order: its index and its RGB24 picture as it is
 * written (filled inside the dilated mask, as decoded outside it). The image belongs to the
 * job; the sink may read it only during the call. Return 0 to go on, a negative error to stop
 * the job (vn_inpaint_file_sink then fails with that error and leaves no output). */
typedef int (*VnFrameSinkFn)(void *cookie, int64_t frame, const VnImage *rgb);

/*
 * vn_inpaint_file that also hands every finished frame to `sink` (with `cookie`) on the calling
 * thread, after it went to the writer, so that a caller can show the result as it comes.
 * `sink` NULL: exactly vn_inpaint_file.
 */
VN_API int vn_inpaint_file_sink(VnContext *ctx, const char *input, const char *masks,
                                const char *output, const VnInpaintSettings *s,
                                const VnWriterSettings *ws, VnFrameSinkFn sink, void *cookie);

/* What vn_inpaint_file_sources removes: objects given frame by frame, a static overlay (a logo,
 * a watermark), or both in one run (a watermark and a passer-by). */
typedef struct VnInpaintSources {
    const char *masks;   /* the objects to fill: any vn_mask_open source (NULL: none). With an
                            overlay they are filled as they are, never taken as an overlay */
    const char *overlay; /* the footprint of a static overlay: one mask image for every frame,
                            of the video's size or shape (scaled, with a warning); NULL: none */
    int detect_overlay;  /* non-zero: the overlay's footprint is found by vn_overlay_detect_file
                            (an error if it finds none); overlay must then be NULL */
} VnInpaintSources;

/*
 * vn_inpaint_file_sink with the objects and the overlay given apart. With methods auto and
 * unblend the overlay's opacity and colour are estimated under its footprint (from the frames
 * where no mask touches it, when there are enough of them) and the picture is un-blended where
 * the overlay lets it through; the masks, and the overlay's opaque part, are filled; where a
 * mask covers part of the overlay on a frame, those pixels are filled on that frame. With
 * methods fill and spatial the footprint is filled as one more mask. Only masks: exactly
 * vn_inpaint_file_sink (masks that stay put are taken as an overlay). At least one of masks,
 * overlay, detect_overlay is needed (-EINVAL). Ownership, errors and `sink` as
 * vn_inpaint_file_sink; `src` is read during the call only.
 */
VN_API int vn_inpaint_file_sources(VnContext *ctx, const char *input, const VnInpaintSources *src,
                                   const char *output, const VnInpaintSettings *s,
                                   const VnWriterSettings *ws, VnFrameSinkFn sink, void *cookie);

#ifdef __cplusplus
}
#endif

#endif
