/*
 * Audio re-encoding for a container that cannot carry the input's audio as is (e.g. PCM into
 * MP4 → AAC): decode, resample to what the encoder takes, cut into the encoder's frame size,
 * encode, write. Timestamps continue from the first decoded frame's.
 */
#include "io/io.h"
#include "io/writer.h"

#include <errno.h>
#include <stdlib.h>

#include <libavutil/audio_fifo.h>
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>

struct VniAudio {
    VnContext *ctx;
    const char *path;
    AVCodecContext *dec, *enc;
    SwrContext *swr;
    AVAudioFifo *fifo;
    AVFrame *in, *out;
    AVPacket *pkt;
    AVFormatContext *oc;
    AVStream *ost;
    AVRational in_tb;
    int64_t next_pts;
    int started;
};

/* A sample rate the encoder takes: the input's if listed, else the closest. */
static int pick_rate(const AVCodec *codec, int rate)
{
    int best = 0;
    if (!codec->supported_samplerates)
        return rate;
    for (const int *r = codec->supported_samplerates; *r; r++)
        if (!best || abs(*r - rate) < abs(best - rate))
            best = *r;
    return best;
}

static int open_codecs(VniAudio *a, const AVStream *in, enum AVCodecID id)
{
    const AVCodec *dc = avcodec_find_decoder(in->codecpar->codec_id), *ec = avcodec_find_encoder(id);
    int ret;
    if (!dc || !ec)
        return AVERROR_DECODER_NOT_FOUND;
    if (!(a->dec = avcodec_alloc_context3(dc)) || !(a->enc = avcodec_alloc_context3(ec)))
        return AVERROR(ENOMEM);
    if ((ret = avcodec_parameters_to_context(a->dec, in->codecpar)) < 0)
        return ret;
    a->dec->pkt_timebase = in->time_base;
    if ((ret = avcodec_open2(a->dec, dc, NULL)) < 0)
        return ret;
    if (!a->dec->ch_layout.nb_channels)
        av_channel_layout_default(&a->dec->ch_layout, 2);
    if (a->dec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
        av_channel_layout_default(&a->dec->ch_layout, a->dec->ch_layout.nb_channels);
    a->enc->sample_fmt = ec->sample_fmts ? ec->sample_fmts[0] : a->dec->sample_fmt;
    a->enc->sample_rate = pick_rate(ec, a->dec->sample_rate);
    if ((ret = av_channel_layout_copy(&a->enc->ch_layout, &a->dec->ch_layout)) < 0)
        return ret;
    a->enc->time_base = (AVRational){1, a->enc->sample_rate};
    if (a->oc->oformat->flags & AVFMT_GLOBALHEADER)
        a->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    return avcodec_open2(a->enc, ec, NULL);
}

static int open_resampler(VniAudio *a)
{
    int ret = swr_alloc_set_opts2(&a->swr, &a->enc->ch_layout, a->enc->sample_fmt,
                                  a->enc->sample_rate, &a->dec->ch_layout, a->dec->sample_fmt,
                                  a->dec->sample_rate, 0, NULL);
    if (ret < 0)
        return ret;
    if ((ret = swr_init(a->swr)) < 0)
        return ret;
    a->fifo = av_audio_fifo_alloc(a->enc->sample_fmt, a->enc->ch_layout.nb_channels, 4096);
    return a->fifo ? 0 : AVERROR(ENOMEM);
}

int vni_audio_open(VnContext *ctx, VniAudio **pa, const AVStream *in, enum AVCodecID id,
                   AVFormatContext *oc, AVStream *out, const char *path)
{
    VniAudio *a = calloc(1, sizeof(*a));
    char text[128];
    int ret;
    *pa = NULL;
    if (!a)
        return vni_error(ctx, -ENOMEM, "%s: out of memory", path);
    a->ctx = ctx;
    a->path = path;
    a->oc = oc;
    a->ost = out;
    a->in_tb = in->time_base;
    if ((ret = open_codecs(a, in, id)) < 0 || (ret = open_resampler(a)) < 0 ||
        (ret = avcodec_parameters_from_context(out->codecpar, a->enc)) < 0)
        goto fail;
    if (!(a->in = av_frame_alloc()) || !(a->out = av_frame_alloc()) || !(a->pkt = av_packet_alloc())) {
        ret = AVERROR(ENOMEM);
        goto fail;
    }
    out->time_base = a->enc->time_base;
    *pa = a;
    return 0;
fail:
    vni_av_text(ret, text, sizeof(text));
    vni_audio_close(&a);
    return vni_error(ctx, vni_av_code(ret), "%s: cannot re-encode the audio: %s", path, text);
}

/* Encode one frame (NULL = flush) and write its packets. */
static int encode(VniAudio *a, AVFrame *frame)
{
    int ret = avcodec_send_frame(a->enc, frame);
    while (ret >= 0) {
        ret = avcodec_receive_packet(a->enc, a->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            break;
        av_packet_rescale_ts(a->pkt, a->enc->time_base, a->ost->time_base);
        a->pkt->stream_index = a->ost->index;
        ret = av_interleaved_write_frame(a->oc, a->pkt);
    }
    return ret;
}

/* Encode whole encoder frames from the FIFO (and the remainder when flushing). */
static int drain_fifo(VniAudio *a, int flush)
{
    int size = a->enc->frame_size > 0 ? a->enc->frame_size : 1024, ret;
    while (av_audio_fifo_size(a->fifo) >= size || (flush && av_audio_fifo_size(a->fifo) > 0)) {
        int n = VNI_MIN(size, av_audio_fifo_size(a->fifo));
        av_frame_unref(a->out);
        a->out->nb_samples = n;
        a->out->format = a->enc->sample_fmt;
        a->out->sample_rate = a->enc->sample_rate;
        if ((ret = av_channel_layout_copy(&a->out->ch_layout, &a->enc->ch_layout)) < 0 ||
            (ret = av_frame_get_buffer(a->out, 0)) < 0)
            return ret;
        if (av_audio_fifo_read(a->fifo, (void **)a->out->data, n) != n)
            return AVERROR(EIO);
        a->out->pts = a->next_pts;
        a->next_pts += n;
        if ((ret = encode(a, a->out)) < 0)
            return ret;
    }
    return 0;
}

/* Resample a decoded frame (NULL = the resampler's tail) into the FIFO. */
static int resample(VniAudio *a, const AVFrame *f)
{
    uint8_t **buf = NULL;
    int n = swr_get_out_samples(a->swr, f ? f->nb_samples : 0), got, ret;
    if (n <= 0)
        return 0;
    if ((ret = av_samples_alloc_array_and_samples(&buf, NULL, a->enc->ch_layout.nb_channels, n,
                                                  a->enc->sample_fmt, 0)) < 0)
        return ret;
    got = swr_convert(a->swr, buf, n, f ? (const uint8_t **)f->extended_data : NULL,
                      f ? f->nb_samples : 0);
    ret = got < 0 ? got : av_audio_fifo_write(a->fifo, (void **)buf, got) < got ? AVERROR(ENOMEM) : 0;
    av_freep(&buf[0]);
    av_freep(&buf);
    return ret;
}

int vni_audio_send(VniAudio *a, const AVPacket *pkt)
{
    char text[128];
    int ret = avcodec_send_packet(a->dec, pkt);
    if (ret == AVERROR_INVALIDDATA)
        return 0; /* a corrupt packet: skip it */
    while (ret >= 0) {
        ret = avcodec_receive_frame(a->dec, a->in);
        if (ret == AVERROR(EAGAIN))
            return 0;
        if (ret == AVERROR_EOF) {
            ret = resample(a, NULL);
            if (ret >= 0 && (ret = drain_fifo(a, 1)) >= 0)
                ret = encode(a, NULL);
            break;
        }
        if (ret < 0)
            break;
        if (!a->started && a->in->pts != AV_NOPTS_VALUE)
            a->next_pts = av_rescale_q(a->in->pts, a->in_tb, a->enc->time_base);
        a->started = 1;
        if ((ret = resample(a, a->in)) >= 0)
            ret = drain_fifo(a, 0);
        av_frame_unref(a->in);
    }
    if (ret >= 0)
        return 0;
    vni_av_text(ret, text, sizeof(text));
    return vni_error(a->ctx, vni_av_code(ret), "%s: audio re-encoding failed: %s", a->path, text);
}

void vni_audio_close(VniAudio **pa)
{
    VniAudio *a;
    if (!pa || !*pa)
        return;
    a = *pa;
    avcodec_free_context(&a->dec);
    avcodec_free_context(&a->enc);
    swr_free(&a->swr);
    if (a->fifo)
        av_audio_fifo_free(a->fifo);
    av_frame_free(&a->in);
    av_frame_free(&a->out);
    av_packet_free(&a->pkt);
    free(a);
    *pa = NULL;
}
