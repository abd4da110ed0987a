/*
 * Video, image and mask input/output. Every read and write of media goes through FFmpeg's
 * libraries (PNG masks through libpng); this header hides them.
 */
#ifndef VANISH_VIDEO_H
#define VANISH_VIDEO_H

#include "vanish/vanish.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VnRational {
    int num, den;
} VnRational;

/* What is known about an input before decoding it. */
typedef struct VnVideoInfo {
    int width, height;          /* coded frame size in pixels */
    VnRational frame_rate;      /* nominal rate (e.g. 30000/1001); {0,1} if unknown */
    VnRational time_base;       /* unit of frame timestamps */
    int64_t n_frames_header;    /* frame count the container claims; -1 if none */
    double duration;            /* seconds; < 0 if unknown */
    int rotation;               /* display rotation in degrees clockwise: 0, 90, 180, 270 */
    int vfr;                    /* 1 if the stream looks variable-frame-rate */
    char container[32];         /* e.g. "mov,mp4,m4a,3gp,3g2,mj2", "image2", "directory" */
    char codec[32];             /* e.g. "h264" */
    char pix_fmt[32];           /* source pixel format, e.g. "yuv420p10le" */
    char color_range[16];       /* "tv", "pc" or "unknown" */
    char color_space[16];       /* matrix, e.g. "bt709" */
    int bit_rate_kbps;          /* 0 if unknown */
    int n_audio, n_subtitle, n_data; /* other streams, copied to the output */
    int stream_index;           /* the video stream's index in the container (0 for images) */
} VnVideoInfo;

/* One stream of an input, for listings (vanish info). */
typedef struct VnStreamInfo {
    int index;
    char type[16];              /* "video", "audio", "subtitle", "data", "attachment" */
    char codec[32];             /* e.g. "aac" */
    char language[16];          /* language tag, "" if none */
    int width, height;          /* video streams */
    int sample_rate, channels;  /* audio streams */
    int64_t bit_rate;           /* bits per second, 0 if unknown */
} VnStreamInfo;

typedef struct VnVideoReader VnVideoReader;
typedef struct VnFrame VnFrame;

/*
 * Open a video for streaming decode: a file libavformat opens, a directory of images (sorted by
 * name) or a printf pattern ("dir/%05d.png"). On success *r must be closed with vn_video_close;
 * on failure *r is NULL and vn_last_error(ctx) names the file and the problem. ctx must outlive
 * the reader.
 */
VN_API int vn_video_open(VnContext *ctx, VnVideoReader **r, const char *path);

/* The input's description; owned by the reader. */
VN_API const VnVideoInfo *vn_video_info(const VnVideoReader *r);

/* Number of streams of the input (1 for a directory of images or a pattern of one stream). */
VN_API int vn_video_stream_count(const VnVideoReader *r);

/* Describe stream i (0 <= i < vn_video_stream_count) into *s; -EINVAL out of range. */
VN_API int vn_video_stream_info(const VnVideoReader *r, int i, VnStreamInfo *s);

/*
 * Decode the next frame. Returns 1 with *f set to a new frame (owned by the caller, free with
 * vn_frame_free), 0 at the end of the stream (*f NULL), or a negative error. Frames come in
 * presentation order, numbered from 0. Memory does not grow with the number of frames read.
 */
VN_API int vn_video_read(VnVideoReader *r, VnFrame **f);

/* Restart decoding at frame 0 (reopens the input when it cannot seek). */
VN_API int vn_video_rewind(VnVideoReader *r);

/* Decode the whole input once to count its frames (the header may be wrong), then rewind. */
VN_API int64_t vn_video_count_frames(VnVideoReader *r);

VN_API void vn_video_close(VnVideoReader **r);

/* A decoded frame: the source pixels, its timing, and an RGB24 view converted with the right
 * matrix and range. The RGB image belongs to the frame and may be modified by the caller. */
VN_API VnImage *vn_frame_rgb(VnFrame *f);
VN_API int64_t vn_frame_index(const VnFrame *f);  /* 0, 1, 2, ... in presentation order */
VN_API int64_t vn_frame_pts(const VnFrame *f);    /* in info.time_base; INT64_MIN if none */
VN_API void vn_frame_free(VnFrame **f);

/* ---- output ---------------------------------------------------------------------------- */

typedef struct VnWriterSettings {
    int crf;               /* quality for H.264/H.265 (lower = better), default 18 */
    const char *codec;     /* encoder name to force, or NULL: by extension (default NULL):
                              .mp4/.mov/.mkv/.avi → libx264 yuv420p, .mkv with lossless → ffv1,
                              a path ending in '/' → a directory of PNG frames */
    int lossless;          /* 1 = lossless (FFV1 in MKV, or x264 qp 0 in MP4) (default 0) */
    int overwrite;         /* 1 = replace an existing output (never the input) (default 0) */
    const char *preset;    /* x264 preset, default "medium" */
} VnWriterSettings;

VN_API void vn_writer_default_settings(VnWriterSettings *s);

typedef struct VnVideoWriter VnVideoWriter;

/*
 * Open an output that mirrors `src`: same size, frame rate, timestamps, rotation, colour
 * properties and metadata; the source's audio, subtitle and data streams are copied (re-encoded
 * only where the container cannot carry them, with a warning). The file is written under a
 * temporary name in the same directory and renamed by vn_video_writer_finish(). Fails with
 * -EEXIST (unless overwrite) and -EINVAL if the output is the input.
 */
VN_API int vn_video_writer_open(VnContext *ctx, VnVideoWriter **w, const char *path,
                                VnVideoReader *src, const VnWriterSettings *s);

/*
 * Write frame f (frames must come in order). If `mask` is NULL the frame's RGB view is encoded
 * as is; otherwise only pixels where mask != 0 are taken from the RGB view and every other
 * pixel keeps the source's exact value (chroma samples that touch the mask are recomputed).
 * f stays owned by the caller.
 */
VN_API int vn_video_write(VnVideoWriter *w, VnFrame *f, const VnImage *mask);

/* Flush encoders, copy the remaining streams' packets, write the trailer and rename the
 * temporary file to its final name. */
VN_API int vn_video_writer_finish(VnVideoWriter *w);

/* Close; without a successful finish the temporary file is removed. *w becomes NULL. */
VN_API void vn_video_writer_close(VnVideoWriter **w);

/* ---- still images and masks ------------------------------------------------------------ */

/* Load a still image (PNG, JPEG, ... via FFmpeg) as RGB24. *img owned by the caller. */
VN_API int vn_image_load(VnContext *ctx, const char *path, VnImage **img);

/* Save an 8-bit image (1 or 3 channels) as PNG, through a temporary name. */
VN_API int vn_image_save_png(VnContext *ctx, const char *path, const VnImage *img);

typedef struct VnMaskReader VnMaskReader;

/*
 * Open masks for a video of width x height and n_frames frames (-1 if unknown):
 *  - a directory of PNGs, one per frame in name order;
 *  - one PNG, used for every frame (a static logo);
 *  - a video file (non-black = object).
 * Accepts 8-bit grey (any non-zero = object), palette PNGs with object ids (DAVIS: index 0 =
 * background), RGB, 16-bit, anti-aliased edges (thresholded at half); another size is scaled by
 * nearest neighbour with a warning. A count of masks different from n_frames fails with
 * VN_ERR_MISMATCH and a message that states both counts.
 */
VN_API int vn_mask_open(VnContext *ctx, VnMaskReader **m, const char *path, int width,
                        int height, int64_t n_frames);

/* Read the mask of the next frame into `mask` (width x height, 1 channel, VN_U8): 0 =
 * background, otherwise the object id (1 for a plain binary mask). Returns 1, 0 when there are
 * no more masks, or a negative error. */
VN_API int vn_mask_read(VnMaskReader *m, VnImage *mask);

/* Number of masks the source holds; -1 for a single PNG used for every frame. */
VN_API int64_t vn_mask_count(const VnMaskReader *m);

VN_API void vn_mask_close(VnMaskReader **m);

/* Write a mask in the DAVIS convention: grey 0/255 when only id 1 occurs (binary = 1), palette
 * PNG with the DAVIS colours for object ids otherwise. */
VN_API int vn_mask_save_png(VnContext *ctx, const char *path, const VnImage *mask, int binary);

/* ---- encoding in memory (encode_mem.c) -------------------------------------------------- */

enum VnEncodeFormat { VN_ENCODE_JPEG = 0, VN_ENCODE_PNG = 1 };

/*
 * Encode an 8-bit grey or RGB image as JPEG (quality 1..100) or PNG (quality ignored), scaled to
 * width x height (0, 0 = the image's size). On success *buf (free with vn_buffer_free) holds
 * *size bytes; on failure *buf is NULL. Uses ctx for messages and limits only, so one context
 * per thread.
 */
VN_API int vn_image_encode(VnContext *ctx, const VnImage *img, int format, int quality,
                           int width, int height, uint8_t **buf, size_t *size);

/* Free a buffer from vn_image_encode; *buf becomes NULL. NULL is a no-op. */
VN_API void vn_buffer_free(uint8_t **buf);

#ifdef __cplusplus
}
#endif

#endif
