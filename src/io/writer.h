/* Internals of the video writer: composition of the encoded frame, copying of the other
 * streams, audio re-encoding. */
#ifndef VANISH_IO_WRITER_H
#define VANISH_IO_WRITER_H

#include "io/io.h"

/* ---- compose.c ------------------------------------------------------------------------- */

typedef struct VniComposer {
    int yuv;          /* the encoder's format is YUV (else RGB or grey) */
    int space, full;  /* its matrix (AVColorSpace) and range */
    VniConv conv_src, conv_rgb;
    AVFrame *patch;   /* the RGB view in the encoder's format */
} VniComposer;

/* Fill out (allocated, the encoder's format and size) with the frame to encode: the RGB view
 * alone without a mask, else the source with the masked samples from the RGB view. */
int vni_compose(VniComposer *c, const AVFrame *src, const VnImage *rgb, const VnImage *mask,
                AVFrame *out);
void vni_composer_free(VniComposer *c);

/* ---- encoder.c ------------------------------------------------------------------------- */

/* Choose and open the video encoder for output `path` in format ofmt, mirroring src. On
 * success *enc is open and comp describes its colour. */
int vni_encoder_open(VnContext *ctx, const char *path, const AVOutputFormat *ofmt,
                     const VnVideoReader *src, const VnWriterSettings *s, AVCodecContext **enc,
                     VniComposer *comp);

/* ---- copy.c: the input's other streams ---------------------------------------------------- */

typedef struct VniCopy VniCopy;

/* Open the input again and add an output stream for each audio, subtitle and data stream that
 * oc can carry (audio re-encoded when it cannot be carried as is, with a warning). Call
 * before the header is written. *c is NULL when there is nothing to copy. */
int vni_copy_open(VnContext *ctx, VniCopy **c, const char *in_path, const char *out_path,
                  AVFormatContext *oc);

/* Write the packets of the copied streams up to time t (seconds on the input's clock);
 * t = INFINITY writes everything left and flushes the audio encoders. */
int vni_copy_until(VniCopy *c, double t);

void vni_copy_close(VniCopy **c);

/* ---- audio.c: re-encoding audio that the container cannot carry ---------------------------- */

typedef struct VniAudio VniAudio;

/* Open a decoder for `in` and an encoder of codec id for output stream `out` (parameters and
 * time base set here). */
int vni_audio_open(VnContext *ctx, VniAudio **a, const AVStream *in, enum AVCodecID id,
                   AVFormatContext *oc, AVStream *out, const char *path);

/* Decode pkt (NULL = flush) and write the encoded packets to oc. */
int vni_audio_send(VniAudio *a, const AVPacket *pkt);

void vni_audio_close(VniAudio **a);

#endif
