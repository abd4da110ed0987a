/*
 * The video encoder of an output: codec from the settings or the container (H.264 by default,
 * FFV1 for lossless MKV), a pixel format the codec takes, the source's size, time base, frame
 * rate, aspect and colour tags.
 */
#include "io/io.h"
#include "io/writer.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

/* 1 unless the container says that it cannot carry codec id. */
static int can_carry(const AVOutputFormat *ofmt, enum AVCodecID id)
{
    return avformat_query_codec(ofmt, id, FF_COMPLIANCE_NORMAL) != 0;
}

static const AVCodec *choose_codec(VnContext *ctx, const char *path, const AVOutputFormat *ofmt,
                                   const VnWriterSettings *s)
{
    const AVCodec *c = NULL;
    if (s->codec) {
        if (!(c = avcodec_find_encoder_by_name(s->codec)))
            vni_error(ctx, VN_ERR_FORMAT, "%s: no encoder named '%s'", path, s->codec);
        return c;
    }
    if (s->lossless && strcmp(ofmt->name, "mp4") && strcmp(ofmt->name, "mov") &&
        can_carry(ofmt, AV_CODEC_ID_FFV1))
        c = avcodec_find_encoder(AV_CODEC_ID_FFV1);
    if (!c && can_carry(ofmt, AV_CODEC_ID_H264))
        c = avcodec_find_encoder_by_name("libx264");
    if (!c && ofmt->video_codec != AV_CODEC_ID_NONE)
        c = avcodec_find_encoder(ofmt->video_codec);
    if (!c)
        vni_error(ctx, VN_ERR_FORMAT, "%s: no video encoder for the %s format", path, ofmt->name);
    return c;
}

/* 1 if fmt can be composed plane by plane (no bit-packed or paletted formats). */
static int plain_format(int fmt)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(fmt);
    return d && !(d->flags & (AV_PIX_FMT_FLAG_BITSTREAM | AV_PIX_FMT_FLAG_PAL |
                              AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_FLOAT));
}

/* The encoder's pixel format: yuv420p for lossy x264 (4:4:4 for odd sizes, which 4:2:0 H.264
 * cannot code), otherwise the codec's closest match to the source. */
static int choose_pix_fmt(VnContext *ctx, const AVCodec *codec, const VnVideoReader *src,
                          const VnWriterSettings *s)
{
    int w = src->info.width, h = src->info.height, fmt = src->par->format;
    int odd = (w | h) & 1, best;
    const AVPixFmtDescriptor *d;
    if (fmt == AV_PIX_FMT_YUVJ420P || fmt == AV_PIX_FMT_YUVJ422P || fmt == AV_PIX_FMT_YUVJ444P)
        fmt = fmt == AV_PIX_FMT_YUVJ420P ? AV_PIX_FMT_YUV420P :
              fmt == AV_PIX_FMT_YUVJ422P ? AV_PIX_FMT_YUV422P : AV_PIX_FMT_YUV444P;
    if (!strcmp(codec->name, "libx264") && !s->lossless)
        best = AV_PIX_FMT_YUV420P;
    else if (!codec->pix_fmts)
        best = plain_format(fmt) ? fmt : AV_PIX_FMT_RGB24;
    else
        best = avcodec_find_best_pix_fmt_of_list(codec->pix_fmts, fmt, 0, NULL);
    d = av_pix_fmt_desc_get(best);
    if (!strcmp(codec->name, "libx264") && odd && d && (d->log2_chroma_w || d->log2_chroma_h)) {
        vni_log(ctx, VN_LOG_WARNING, "%dx%d: odd size, H.264 4:2:0 cannot code it: using 4:4:4", w, h);
        best = d->comp[0].depth > 8 ? AV_PIX_FMT_YUV444P10 : AV_PIX_FMT_YUV444P;
    }
    if (!plain_format(best))
        best = AV_PIX_FMT_YUV444P;
    return best;
}

/* Colour tags and the matrix/range of the conversion into the encoder's format. */
static void set_colour(AVCodecContext *enc, const VnVideoReader *src, VniComposer *comp)
{
    const AVCodecParameters *par = src->par;
    const AVPixFmtDescriptor *sd = av_pix_fmt_desc_get(par->format);
    const AVPixFmtDescriptor *ed = av_pix_fmt_desc_get(enc->pix_fmt);
    int src_yuv = sd && !(sd->flags & AV_PIX_FMT_FLAG_RGB);
    int src_full = par->color_range == AVCOL_RANGE_JPEG || par->format == AV_PIX_FMT_YUVJ420P ||
                   par->format == AV_PIX_FMT_YUVJ422P || par->format == AV_PIX_FMT_YUVJ444P;
    comp->yuv = ed && !(ed->flags & AV_PIX_FMT_FLAG_RGB);
    enc->color_primaries = par->color_primaries;
    enc->color_trc = par->color_trc;
    enc->chroma_sample_location = par->chroma_location;
    if (!comp->yuv) {
        comp->space = AVCOL_SPC_RGB;
        comp->full = 1;
        enc->colorspace = AVCOL_SPC_RGB;
        enc->color_range = AVCOL_RANGE_JPEG;
        return;
    }
    if (src_yuv) {
        comp->space = par->color_space;
        comp->full = src_full;
        enc->colorspace = par->color_space;
        enc->color_range = src_full ? AVCOL_RANGE_JPEG : par->color_range;
    } else {
        comp->space = src->info.height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
        comp->full = 0;
        enc->colorspace = comp->space;
        enc->color_range = AVCOL_RANGE_MPEG;
    }
}

/* Private options: x264 quality and preset, FFV1 level 3 (sliced, threaded). */
static void codec_options(const AVCodec *codec, const VnWriterSettings *s, AVDictionary **opts)
{
    char buf[32];
    if (!strcmp(codec->name, "libx264")) {
        snprintf(buf, sizeof(buf), "%d", s->crf);
        av_dict_set(opts, s->lossless ? "qp" : "crf", s->lossless ? "0" : buf, 0);
        av_dict_set(opts, "preset", s->preset ? s->preset : "medium", 0);
    } else if (codec->id == AV_CODEC_ID_FFV1) {
        av_dict_set(opts, "level", "3", 0);
        av_dict_set(opts, "slicecrc", "1", 0);
    }
}

int vni_encoder_open(VnContext *ctx, const char *path, const AVOutputFormat *ofmt,
                     const VnVideoReader *src, const VnWriterSettings *s, AVCodecContext **penc,
                     VniComposer *comp)
{
    const AVCodec *codec = choose_codec(ctx, path, ofmt, s);
    const VnVideoInfo *in = &src->info;
    AVDictionary *opts = NULL;
    AVCodecContext *enc;
    char text[128];
    int ret;
    if (!codec)
        return VN_ERR_FORMAT;
    if (!(enc = avcodec_alloc_context3(codec)))
        return vni_error(ctx, -ENOMEM, "%s: out of memory", path);
    enc->width = in->width;
    enc->height = in->height;
    enc->pix_fmt = choose_pix_fmt(ctx, codec, src, s);
    enc->time_base = (AVRational){in->time_base.num, in->time_base.den};
    if (in->frame_rate.num > 0)
        enc->framerate = (AVRational){in->frame_rate.num, in->frame_rate.den};
    enc->sample_aspect_ratio = src->par->sample_aspect_ratio;
    enc->thread_count = VNI_CLAMP(vn_context_threads(ctx), 1, 16);
    set_colour(enc, src, comp);
    if (ofmt->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    codec_options(codec, s, &opts);
    vni_av_enter(ctx);
    ret = avcodec_open2(enc, codec, &opts);
    av_dict_free(&opts);
    if (ret < 0) {
        vni_av_text(ret, text, sizeof(text));
        avcodec_free_context(&enc);
        return vni_error(ctx, vni_av_code(ret), "%s: cannot open the %s encoder: %s", path,
                         codec->name, vni_av_last()[0] ? vni_av_last() : text);
    }
    *penc = enc;
    return 0;
}
