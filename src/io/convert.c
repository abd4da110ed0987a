/*
 * Pixel format conversion through swscale with the source's colour matrix and range (a
 * limited-range BT.709 frame must not be converted as full-range BT.601).
 */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>

#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

/* yuvj* formats are their plain twins with full range. */
static int dejpeg(int fmt, int *full)
{
    switch (fmt) {
    case AV_PIX_FMT_YUVJ420P: *full = 1; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full = 1; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full = 1; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full = 1; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: *full = 1; return AV_PIX_FMT_YUV411P;
    default: return fmt;
    }
}

void vni_frame_colour(const AVFrame *f, int *fmt, int *space, int *full)
{
    *full = f->color_range == AVCOL_RANGE_JPEG;
    *fmt = dejpeg(f->format, full);
    *space = f->colorspace;
}

/* Matrix coefficients for swscale; unknown matrices fall back to BT.601 like FFmpeg does. */
static const int *coefficients(int space)
{
    if (space == AVCOL_SPC_BT2020_CL)
        space = AVCOL_SPC_BT2020_NCL;
    return sws_getCoefficients(space);
}

/* (Re)build the swscale context when anything about the conversion changed. */
static int setup(VniConv *c, int w, int h, int src_fmt, int src_space, int src_full, int dst_fmt,
                 int dst_space, int dst_full)
{
    if (c->sws && c->w == w && c->h == h && c->src_fmt == src_fmt && c->dst_fmt == dst_fmt &&
        c->src_space == src_space && c->src_full == src_full && c->dst_space == dst_space &&
        c->dst_full == dst_full)
        return 0;
    sws_freeContext(c->sws);
    c->sws = sws_getContext(w, h, src_fmt, w, h, dst_fmt, SWS_BILINEAR, NULL, NULL, NULL);
    if (!c->sws)
        return VN_ERR_FORMAT;
    /* RGB sides ignore their table; their range must read as full. */
    if (av_pix_fmt_desc_get(src_fmt)->flags & AV_PIX_FMT_FLAG_RGB)
        src_full = 1;
    if (av_pix_fmt_desc_get(dst_fmt)->flags & AV_PIX_FMT_FLAG_RGB)
        dst_full = 1;
    sws_setColorspaceDetails(c->sws, coefficients(src_space), src_full, coefficients(dst_space),
                             dst_full, 0, 1 << 16, 1 << 16);
    c->w = w;
    c->h = h;
    c->src_fmt = src_fmt;
    c->dst_fmt = dst_fmt;
    c->src_space = src_space;
    c->src_full = src_full;
    c->dst_space = dst_space;
    c->dst_full = dst_full;
    return 0;
}

int vni_convert(VniConv *c, const uint8_t *const src[4], const int src_ls[4], int src_fmt,
                int src_space, int src_full, uint8_t *const dst[4], const int dst_ls[4],
                int dst_fmt, int dst_space, int dst_full, int w, int h)
{
    const AVPixFmtDescriptor *d;
    int ret;
    src_fmt = dejpeg(src_fmt, &src_full);
    d = av_pix_fmt_desc_get(src_fmt);
    if (src_fmt == dst_fmt && d &&
        ((d->flags & AV_PIX_FMT_FLAG_RGB) || (src_space == dst_space && src_full == dst_full))) {
        av_image_copy((uint8_t **)dst, (int *)dst_ls, (const uint8_t **)src, src_ls, dst_fmt, w, h);
        return 0;
    }
    if ((ret = setup(c, w, h, src_fmt, src_space, src_full, dst_fmt, dst_space, dst_full)) < 0)
        return ret;
    if (sws_scale(c->sws, src, src_ls, 0, h, dst, dst_ls) != h)
        return VN_ERR_FORMAT;
    return 0;
}

int vni_frame_to_rgb(VniConv *c, const AVFrame *src, VnImage *rgb)
{
    uint8_t *dst[4] = {rgb->data, NULL, NULL, NULL};
    int ls[4] = {(int)rgb->stride, 0, 0, 0};
    int fmt, space, full;
    vni_frame_colour(src, &fmt, &space, &full);
    return vni_convert(c, (const uint8_t *const *)src->data, src->linesize, fmt, space, full, dst,
                       ls, AV_PIX_FMT_RGB24, AVCOL_SPC_RGB, 1, src->width, src->height);
}

void vni_conv_free(VniConv *c)
{
    sws_freeContext(c->sws);
    c->sws = NULL;
}

int vni_rgb_alloc(VnImage **pimg, int width, int height)
{
    VnImage *img;
    size_t row = ((size_t)width * 3 + VNI_ALIGN - 1) & ~(size_t)(VNI_ALIGN - 1), total;
    *pimg = NULL;
    if (width <= 0 || height <= 0 || width > 65535 || height > 65535)
        return VN_ERR_TOOBIG;
    if (vni_mul_size(row, (size_t)height + 2, &total))
        return VN_ERR_TOOBIG;
    if (!(img = calloc(1, sizeof(*img))))
        return -ENOMEM;
    if (!(img->data = vni_malloc_array(total, 1))) {
        free(img);
        return -ENOMEM;
    }
    img->width = width;
    img->height = height;
    img->channels = 3;
    img->type = VN_U8;
    img->stride = (ptrdiff_t)row;
    *pimg = img;
    return 0;
}
