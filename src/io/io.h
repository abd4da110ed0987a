/*
 * Internals of the media layer: the only place that includes FFmpeg's headers. The reader,
 * writer, masks and stills share the decoder, the converter and FFmpeg's error reporting.
 */
#ifndef VANISH_IO_IO_H
#define VANISH_IO_IO_H

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/frame.h>
#include <libswscale/swscale.h>

#include "core/internal.h"
#include "vanish/video.h"

/* ---- FFmpeg's messages and errors (averror.c) ----------------------------------------- */

/* Route FFmpeg's log to the calling thread's context (once per process; FFmpeg must never
 * print on its own) and clear the last message that FFmpeg reported on this thread. */
void vni_av_enter(const VnContext *ctx);

/* The last error message FFmpeg logged on this thread since vni_av_enter, "" if none. */
const char *vni_av_last(void);

/* Map an AVERROR to a vanish code (negative errno or VN_ERR_*). */
int vni_av_code(int averr);

/* Text of an AVERROR, e.g. "No such file or directory". */
void vni_av_text(int averr, char *buf, size_t size);

/* ---- one demuxer + video decoder on one file (decoder.c) --------------------------------- */

typedef struct VniDecoder {
    AVFormatContext *fmt;
    AVCodecContext *dec;
    AVStream *st;
    AVPacket *pkt;
    int stream_index;
    int flushing;   /* end of input reached, decoder being drained */
    int done;       /* decoder drained */
} VniDecoder;

/* Open `path` (a file or an image2 pattern) and its best video stream with n_threads decoding
 * threads. On failure the message names path and the problem; d is left closed. */
int vni_decoder_open(VnContext *ctx, VniDecoder *d, const char *path, int n_threads);

/* Decode the next frame into out (unreffed first): 1, 0 at the end, or a negative error. */
int vni_decoder_next(VnContext *ctx, VniDecoder *d, AVFrame *out, const char *path);

void vni_decoder_close(VniDecoder *d);

/* ---- pixel conversion (convert.c) ------------------------------------------------------ */

/* A cached swscale context for one conversion: size, formats, matrices and ranges. */
typedef struct VniConv {
    struct SwsContext *sws;
    int w, h, src_fmt, dst_fmt, src_space, src_full, dst_space, dst_full;
} VniConv;

/* Colour matrix (AVColorSpace) and full-range flag of a frame, with yuvj formats mapped to
 * their plain twins (*fmt updated). */
void vni_frame_colour(const AVFrame *f, int *fmt, int *space, int *full);

/* Convert planes between formats of the same size. space/full describe the YUV side(s);
 * RGB sides ignore them. Returns 0 or a negative error. */
int vni_convert(VniConv *c, const uint8_t *const src[4], const int src_ls[4], int src_fmt,
                int src_space, int src_full, uint8_t *const dst[4], const int dst_ls[4],
                int dst_fmt, int dst_space, int dst_full, int w, int h);

/* Convert a decoded frame to an RGB24 image of the same size with the frame's matrix/range. */
int vni_frame_to_rgb(VniConv *c, const AVFrame *src, VnImage *rgb);

void vni_conv_free(VniConv *c);

/* An RGB24 image (freed by vn_image_free) with a spare row and slack after its last row:
 * swscale's SIMD paths may write past the last pixel of a row and, for odd heights, a row
 * beyond the last. */
int vni_rgb_alloc(VnImage **img, int width, int height);

/* ---- frames (frame.c) ------------------------------------------------------------------ */

struct VnFrame {
    AVFrame *src;     /* decoded source pixels (a reference) */
    VnImage *rgb;     /* RGB24 view */
    int64_t index, pts;
};

/* Make a frame from a decoded AVFrame (a new reference is taken) and its RGB conversion. */
int vni_frame_make(VnContext *ctx, VniConv *conv, const AVFrame *src, int64_t index,
                   int64_t pts, VnFrame **out);

/* ---- directory of images (imageseq.c) -------------------------------------------------- */

typedef struct VniNameList {
    char **names;    /* full paths, sorted by name */
    size_t n;
} VniNameList;

/* List the regular files in dir whose extension is one of exts ("png,jpg", case-insensitive;
 * NULL = any image FFmpeg knows), sorted by name. */
int vni_list_dir(VnContext *ctx, const char *dir, const char *exts, VniNameList *out);
void vni_names_free(VniNameList *l);

/* 1 if path names a printf pattern with one integer conversion (e.g. "dir/%05d.png"). */
int vni_is_pattern(const char *path);

/* Decode the first frame of one image file into out. */
int vni_decode_image(VnContext *ctx, const char *path, AVFrame *out);

/* ---- the reader (reader.c), as the writer sees it ----------------------------------------- */

enum { VNI_SRC_FILE = 0, VNI_SRC_DIR = 1 };

struct VnVideoReader {
    VnContext *ctx;
    char *path;
    int kind;                  /* VNI_SRC_* */
    VnVideoInfo info;
    VniDecoder dec;            /* VNI_SRC_FILE */
    VniNameList files;         /* VNI_SRC_DIR */
    size_t file_pos;
    AVCodecParameters *par;    /* the video stream's parameters (colour, aspect, ...) */
    uint8_t display_matrix[36];
    int has_matrix;
    AVFrame *pending;          /* a decoded frame not yet returned */
    AVFrame *tmp;
    VniConv conv;
    int64_t next_index, last_pts, pts_step;
    int64_t counted;           /* frames counted by decoding, -1 until then */
};

/* ---- PNG through libpng (png.c) -------------------------------------------------------- */

/* A decoded PNG: 8-bit samples (16-bit input is kept in 16 bits: depth 16, native endian). */
typedef struct VniPng {
    int width, height;
    int channels;       /* 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA */
    int depth;          /* 8 or 16 */
    int palette;        /* 1: channels == 1 and samples are palette indices */
    size_t stride;      /* bytes per row */
    uint8_t *data;
} VniPng;

int vni_png_read(VnContext *ctx, const char *path, VniPng *png);
void vni_png_free(VniPng *png);

/* Write an 8-bit PNG through a temporary name: channels 1 or 3, or a palette (1 channel with
 * `palette` holding n_colors RGB triples). */
int vni_png_write(VnContext *ctx, const char *path, const uint8_t *data, ptrdiff_t stride,
                  int width, int height, int channels, const uint8_t *palette, int n_colors);

/* ---- files (paths.c) ------------------------------------------------------------------- */

/* 1 if a and b name the same existing file (device and inode), else 0. */
int vni_same_file(const char *a, const char *b);

/* The directory part of path ("." if none), into buf. */
void vni_dirname(const char *path, char *buf, size_t size);

/* Make a temporary file name beside `path` ("dir/.name.tmp-XXXXXX.ext") and create it
 * (or a directory when dir != 0). Returns 0 and the name in buf, or -errno. */
int vni_make_temp(const char *path, int dir, char *buf, size_t size);

/* Write a file whole or not at all: fill(f, arg) writes a temporary file beside path, which
 * replaces path only once fill and the close have succeeded; on any failure the temporary file
 * is removed and path is left as it was. Returns 0 or -errno (fill's own negative code as it
 * is); *created says whether the temporary file was made, so that the caller's message can
 * tell "cannot create" from "cannot write". */
int vni_write_whole(const char *path, int (*fill)(FILE *f, void *arg), void *arg, int *created);

/* Remove a directory and the files in it (one level). */
void vni_remove_tree(const char *dir);

#endif
