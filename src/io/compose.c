/*
 * The frame that goes to the encoder: the source's samples converted to the encoder's format,
 * with the samples that the mask touches taken from the (edited) RGB view. A chroma sample is
 * replaced when any pixel of its block is in the mask; every other sample keeps the source's
 * exact value.
 */
#include "io/io.h"
#include "io/writer.h"

#include <string.h>

#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>

/* The smallest rectangle holding every non-zero mask pixel; x1/y1 exclusive; empty if x1 == 0. */
static void mask_box(const VnImage *mask, int box[4])
{
    box[0] = mask->width, box[1] = mask->height, box[2] = 0, box[3] = 0;
    for (int y = 0; y < mask->height; y++) {
        const uint8_t *row = vn_image_row(mask, y);
        int x0 = 0, x1 = mask->width;
        while (x0 < x1 && !row[x0])
            x0++;
        if (x0 == x1)
            continue;
        while (!row[x1 - 1])
            x1--;
        box[0] = VNI_MIN(box[0], x0), box[2] = VNI_MAX(box[2], x1);
        box[1] = VNI_MIN(box[1], y), box[3] = y + 1;
    }
}

/* Geometry of one plane of fmt: bytes per sample unit and the pixels a unit covers (log2). */
static void plane_layout(const AVPixFmtDescriptor *d, int plane, int *step, int *sx, int *sy)
{
    int chroma = 0;
    *step = 0;
    for (int c = 0; c < d->nb_components; c++) {
        if (d->comp[c].plane != plane)
            continue;
        *step = VNI_MAX(*step, d->comp[c].step);
        chroma |= (c == 1 || c == 2) && !(d->flags & AV_PIX_FMT_FLAG_RGB);
    }
    *sx = chroma ? d->log2_chroma_w : 0;
    *sy = chroma ? d->log2_chroma_h : 0;
}

/* 1 if any mask pixel of the block of unit (ux, uy) is set. */
static int block_touched(const VnImage *mask, int ux, int uy, int sx, int sy)
{
    int x0 = ux << sx, y0 = uy << sy;
    int x1 = VNI_MIN(x0 + (1 << sx), mask->width), y1 = VNI_MIN(y0 + (1 << sy), mask->height);
    for (int y = y0; y < y1; y++) {
        const uint8_t *row = vn_image_row(mask, y);
        for (int x = x0; x < x1; x++)
            if (row[x])
                return 1;
    }
    return 0;
}

/* Copy into out the units of every plane that the mask touches, from patch. */
static void copy_masked(AVFrame *out, const AVFrame *patch, const VnImage *mask, const int box[4])
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(out->format);
    int planes = av_pix_fmt_count_planes(out->format);
    for (int p = 0; p < planes; p++) {
        int step, sx, sy;
        plane_layout(d, p, &step, &sx, &sy);
        for (int uy = box[1] >> sy; uy <= (box[3] - 1) >> sy; uy++) {
            uint8_t *dst = out->data[p] + (ptrdiff_t)uy * out->linesize[p];
            const uint8_t *src = patch->data[p] + (ptrdiff_t)uy * patch->linesize[p];
            for (int ux = box[0] >> sx; ux <= (box[2] - 1) >> sx; ux++)
                if (block_touched(mask, ux, uy, sx, sy))
                    memcpy(dst + ux * step, src + ux * step, (size_t)step);
        }
    }
}

/* The source frame in the encoder's format. */
static int source_to(VniComposer *c, const AVFrame *src, AVFrame *out)
{
    int fmt, space, full;
    vni_frame_colour(src, &fmt, &space, &full);
    if (fmt == out->format && (!c->yuv || (space == c->space && full == c->full))) {
        av_image_copy(out->data, out->linesize, (const uint8_t **)src->data, src->linesize,
                      out->format, out->width, out->height);
        return 0;
    }
    if (out->format == AV_PIX_FMT_RGB24 && src->format != AV_PIX_FMT_RGB24) {
        /* Exactly the reader's conversion, so that untouched pixels equal the RGB view. */
        return vni_convert(&c->conv_src, (const uint8_t *const *)src->data, src->linesize, fmt, space,
                           full, out->data, out->linesize, AV_PIX_FMT_RGB24, AVCOL_SPC_RGB, 1,
                           out->width, out->height);
    }
    return vni_convert(&c->conv_src, (const uint8_t *const *)src->data, src->linesize, fmt, space,
                       full, out->data, out->linesize, out->format, c->space, c->full, out->width,
                       out->height);
}

/* The RGB view in the encoder's format. */
static int rgb_to(VniComposer *c, const VnImage *rgb, AVFrame *out)
{
    const uint8_t *src[4] = {rgb->data, NULL, NULL, NULL};
    int ls[4] = {(int)rgb->stride, 0, 0, 0};
    return vni_convert(&c->conv_rgb, src, ls, AV_PIX_FMT_RGB24, AVCOL_SPC_RGB, 1, out->data,
                       out->linesize, out->format, c->space, c->full, out->width, out->height);
}

int vni_compose(VniComposer *c, const AVFrame *src, const VnImage *rgb, const VnImage *mask,
                AVFrame *out)
{
    int box[4], ret;
    if (!mask)
        return rgb_to(c, rgb, out);
    if ((ret = source_to(c, src, out)) < 0)
        return ret;
    mask_box(mask, box);
    if (box[2] == 0)
        return 0;
    if (!c->patch || c->patch->width != out->width || c->patch->height != out->height ||
        c->patch->format != out->format) {
        av_frame_free(&c->patch);
        if (!(c->patch = av_frame_alloc()))
            return AVERROR(ENOMEM);
        c->patch->format = out->format;
        c->patch->width = out->width;
        c->patch->height = out->height;
        if ((ret = av_frame_get_buffer(c->patch, 0)) < 0)
            return ret;
    }
    if ((ret = rgb_to(c, rgb, c->patch)) < 0)
        return ret;
    copy_masked(out, c->patch, mask, box);
    return 0;
}

void vni_composer_free(VniComposer *c)
{
    vni_conv_free(&c->conv_src);
    vni_conv_free(&c->conv_rgb);
    av_frame_free(&c->patch);
}
