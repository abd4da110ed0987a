/*
 * Encoding one image to JPEG or PNG in memory, optionally scaled, through libavcodec's mjpeg and
 * png encoders (for faces that serve images, such as the HTTP server).
 */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libavutil/imgutils.h>

/* JPEG quality 1..100 as an mjpeg quantiser scale 31..2. */
static int jpeg_qscale(int quality)
{
    quality = VNI_CLAMP(quality, 1, 100);
    return 2 + (100 - quality) * 29 / 99;
}

/* Scale and convert img into a new frame of the encoder's pixel format. */
static int make_frame(const VnImage *img, int w, int h, int fmt, AVFrame **out)
{
    const uint8_t *src[4] = {img->data, NULL, NULL, NULL};
    int ls[4] = {(int)img->stride, 0, 0, 0};
    int src_fmt = img->channels == 1 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
    struct SwsContext *sws = NULL;
    AVFrame *f = av_frame_alloc();
    int ret = -ENOMEM;
    if (!f)
        return -ENOMEM;
    f->width = w;
    f->height = h;
    f->format = fmt;
    if (av_frame_get_buffer(f, 0) < 0)
        goto fail;
    ret = VN_ERR_FORMAT;
    sws = sws_getContext(img->width, img->height, src_fmt, w, h, fmt,
                         (w < img->width || h < img->height) ? SWS_AREA : SWS_BICUBIC, NULL,
                         NULL, NULL);
    if (!sws)
        goto fail;
    if (sws_scale(sws, src, ls, 0, img->height, f->data, f->linesize) != h)
        goto fail;
    sws_freeContext(sws);
    *out = f;
    return 0;
fail:
    sws_freeContext(sws);
    av_frame_free(&f);
    return ret;
}

/* Open the encoder for the format: mjpeg (full-range 4:2:0) or png (grey or RGB). */
static int open_encoder(const VnImage *img, int jpeg, int w, int h, int quality,
                        AVCodecContext **out)
{
    const AVCodec *codec = avcodec_find_encoder(jpeg ? AV_CODEC_ID_MJPEG : AV_CODEC_ID_PNG);
    AVCodecContext *c;
    if (!codec)
        return VN_ERR_FORMAT;
    if (!(c = avcodec_alloc_context3(codec)))
        return -ENOMEM;
    c->width = w;
    c->height = h;
    c->time_base = (AVRational){1, 25};
    c->thread_count = 1;
    if (jpeg) {
        c->pix_fmt = AV_PIX_FMT_YUVJ420P;
        c->color_range = AVCOL_RANGE_JPEG;
        c->flags |= AV_CODEC_FLAG_QSCALE;
        c->global_quality = FF_QP2LAMBDA * jpeg_qscale(quality);
    } else {
        c->pix_fmt = img->channels == 1 ? AV_PIX_FMT_GRAY8 : AV_PIX_FMT_RGB24;
    }
    if (avcodec_open2(c, codec, NULL) < 0) {
        avcodec_free_context(&c);
        return VN_ERR_FORMAT;
    }
    *out = c;
    return 0;
}

/* Send one frame, drain the packet into a malloc'd buffer. */
static int encode_one(AVCodecContext *c, AVFrame *f, uint8_t **buf, size_t *size)
{
    AVPacket *pkt = av_packet_alloc();
    int ret;
    if (!pkt)
        return -ENOMEM;
    if ((ret = avcodec_send_frame(c, f)) < 0 || (ret = avcodec_send_frame(c, NULL)) < 0 ||
        (ret = avcodec_receive_packet(c, pkt)) < 0) {
        ret = vni_av_code(ret);
        goto fail;
    }
    if (!(*buf = malloc(pkt->size ? (size_t)pkt->size : 1))) {
        ret = -ENOMEM;
        goto fail;
    }
    memcpy(*buf, pkt->data, (size_t)pkt->size);
    *size = (size_t)pkt->size;
    ret = 0;
fail:
    av_packet_free(&pkt);
    return ret;
}

int vn_image_encode(VnContext *ctx, const VnImage *img, int format, int quality, int width,
                    int height, uint8_t **buf, size_t *size)
{
    AVCodecContext *c = NULL;
    AVFrame *f = NULL;
    int ret, jpeg = format == VN_ENCODE_JPEG;
    if (!buf || !size)
        return -EINVAL;
    *buf = NULL;
    *size = 0;
    if (!ctx || !img || !img->data)
        return -EINVAL;
    if (img->type != VN_U8 || (img->channels != 1 && img->channels != 3) ||
        (format != VN_ENCODE_JPEG && format != VN_ENCODE_PNG))
        return vni_error(ctx, -EINVAL, "encode: only 8-bit grey or RGB images to JPEG or PNG");
    if (width <= 0 || height <= 0) {
        width = img->width;
        height = img->height;
    }
    if ((ret = vni_check_size(ctx, width, height)) < 0)
        return vni_error(ctx, ret, "encode: size %dx%d is beyond the limits", width, height);
    vni_av_enter(ctx);
    if ((ret = open_encoder(img, jpeg, width, height, quality, &c)) < 0 ||
        (ret = make_frame(img, width, height, c->pix_fmt, &f)) < 0)
        goto fail;
    if (jpeg)
        f->quality = c->global_quality;
    ret = encode_one(c, f, buf, size);
fail:
    if (ret < 0)
        ret = vni_error(ctx, ret, "encode %s %dx%d: %s", jpeg ? "JPEG" : "PNG", width, height,
                        vn_strerror(ret));
    av_frame_free(&f);
    avcodec_free_context(&c);
    return ret;
}

void vn_buffer_free(uint8_t **buf)
{
    if (buf) {
        free(*buf);
        *buf = NULL;
    }
}
