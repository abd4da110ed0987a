/*
 * The input's other streams in the output: audio, subtitle and data streams copied packet by
 * packet from a second demuxer on the input, up to the time of the last video frame written,
 * so that the muxer interleaves them without holding more than the encoder's delay. Audio that
 * the container cannot carry is re-encoded (with a warning); other streams it cannot carry are
 * dropped with a warning.
 */
#include "io/io.h"
#include "io/writer.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct CopyStream {
    AVStream *out;     /* NULL: not copied */
    VniAudio *audio;   /* re-encoded audio */
} CopyStream;

struct VniCopy {
    VnContext *ctx;
    const char *path;  /* the output's name, for messages */
    AVFormatContext *in, *oc;
    CopyStream *map;
    AVPacket *pkt;
    int pending, eof;
};

/* 0 if the container says that it cannot carry id, else 1 (or unknown). */
static int carry(const AVOutputFormat *ofmt, enum AVCodecID id, int strict)
{
    int r = avformat_query_codec(ofmt, id, FF_COMPLIANCE_NORMAL);
    return strict ? r == 1 : r != 0;
}

/* An output stream copying `in` as is. */
static int add_copy(VniCopy *c, const AVStream *in, CopyStream *cs)
{
    AVStream *out = avformat_new_stream(c->oc, NULL);
    if (!out || avcodec_parameters_copy(out->codecpar, in->codecpar) < 0)
        return -ENOMEM;
    out->codecpar->codec_tag = 0;
    out->time_base = in->time_base;
    out->disposition = in->disposition;
    av_dict_copy(&out->metadata, in->metadata, 0);
    cs->out = out;
    return 0;
}

/* An output stream re-encoding audio stream `in` to what the container takes. */
static int add_reencode(VniCopy *c, const AVStream *in, CopyStream *cs)
{
    const AVOutputFormat *ofmt = c->oc->oformat;
    enum AVCodecID id = carry(ofmt, AV_CODEC_ID_AAC, 0) ? AV_CODEC_ID_AAC : ofmt->audio_codec;
    AVStream *out;
    if (id == AV_CODEC_ID_NONE)
        return 1;
    vni_log(c->ctx, VN_LOG_WARNING, "%s: %s audio cannot go into %s: re-encoded as %s", c->path,
            avcodec_get_name(in->codecpar->codec_id), ofmt->name, avcodec_get_name(id));
    if (!(out = avformat_new_stream(c->oc, NULL)))
        return -ENOMEM;
    out->disposition = in->disposition;
    av_dict_copy(&out->metadata, in->metadata, 0);
    cs->out = out;
    return vni_audio_open(c->ctx, &cs->audio, in, id, c->oc, out, c->path);
}

/* Decide the fate of input stream i: copied, re-encoded or dropped. */
static int map_stream(VniCopy *c, unsigned i, int video)
{
    const AVStream *in = c->in->streams[i];
    int type = in->codecpar->codec_type, ret;
    enum AVCodecID id = in->codecpar->codec_id;
    if ((int)i == video || type == AVMEDIA_TYPE_VIDEO || type == AVMEDIA_TYPE_ATTACHMENT)
        return 0;
    if (type == AVMEDIA_TYPE_AUDIO || type == AVMEDIA_TYPE_SUBTITLE || type == AVMEDIA_TYPE_DATA) {
        if (id != AV_CODEC_ID_NONE && carry(c->oc->oformat, id, type == AVMEDIA_TYPE_DATA))
            return add_copy(c, in, &c->map[i]);
        if (type == AVMEDIA_TYPE_AUDIO && (ret = add_reencode(c, in, &c->map[i])) <= 0)
            return ret;
    }
    vni_log(c->ctx, VN_LOG_WARNING, "%s: stream %u (%s %s) cannot go into %s: dropped", c->path, i,
            av_get_media_type_string(type), avcodec_get_name(id), c->oc->oformat->name);
    return 0;
}

int vni_copy_open(VnContext *ctx, VniCopy **pc, const char *in_path, const char *out_path,
                  AVFormatContext *oc)
{
    VniCopy *c;
    int ret, video;
    *pc = NULL;
    if (!(c = calloc(1, sizeof(*c))))
        return vni_error(ctx, -ENOMEM, "%s: out of memory", out_path);
    c->ctx = ctx;
    c->path = out_path;
    c->oc = oc;
    vni_av_enter(ctx);
    if (avformat_open_input(&c->in, in_path, NULL, NULL) < 0 ||
        avformat_find_stream_info(c->in, NULL) < 0) {
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: cannot read the other streams", in_path);
        goto fail;
    }
    video = av_find_best_stream(c->in, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (!(c->map = calloc(c->in->nb_streams, sizeof(*c->map))) || !(c->pkt = av_packet_alloc())) {
        ret = vni_error(ctx, -ENOMEM, "%s: out of memory", out_path);
        goto fail;
    }
    for (unsigned i = 0; i < c->in->nb_streams; i++) {
        if ((ret = map_stream(c, i, video)) < 0) {
            if (ret == -ENOMEM)
                ret = vni_error(ctx, ret, "%s: out of memory", out_path);
            goto fail;
        }
        if (!c->map[i].out)
            c->in->streams[i]->discard = AVDISCARD_ALL;
    }
    *pc = c;
    return 0;
fail:
    vni_copy_close(&c);
    return ret;
}

/* Write one packet of a copied stream. */
static int write_packet(VniCopy *c, AVPacket *pkt)
{
    CopyStream *cs = &c->map[pkt->stream_index];
    char text[128];
    int ret;
    if (cs->audio)
        return vni_audio_send(cs->audio, pkt);
    av_packet_rescale_ts(pkt, c->in->streams[pkt->stream_index]->time_base, cs->out->time_base);
    pkt->stream_index = cs->out->index;
    pkt->pos = -1;
    if ((ret = av_interleaved_write_frame(c->oc, pkt)) < 0) {
        vni_av_text(ret, text, sizeof(text));
        return vni_error(c->ctx, vni_av_code(ret), "%s: cannot write: %s", c->path,
                         vni_av_last()[0] ? vni_av_last() : text);
    }
    return 0;
}

/* Read the next packet of a copied stream into c->pkt; 0 at the end. */
static int read_packet(VniCopy *c)
{
    for (;;) {
        int ret = av_read_frame(c->in, c->pkt);
        if (ret < 0) {
            if (ret != AVERROR_EOF)
                vni_log(c->ctx, VN_LOG_WARNING, "%s: the input's other streams end early (read error)",
                        c->path);
            c->eof = 1;
            return 0;
        }
        if (c->map[c->pkt->stream_index].out)
            return 1;
        av_packet_unref(c->pkt);
    }
}

/* Flush the audio encoders at the end. */
static int flush_audio(VniCopy *c)
{
    int ret;
    for (unsigned i = 0; i < c->in->nb_streams; i++)
        if (c->map[i].audio && (ret = vni_audio_send(c->map[i].audio, NULL)) < 0)
            return ret;
    return 0;
}

int vni_copy_until(VniCopy *c, double t)
{
    int ret;
    if (!c)
        return 0;
    while (!c->eof) {
        int64_t ts;
        if (!c->pending && !(c->pending = read_packet(c)))
            break;
        ts = c->pkt->dts != AV_NOPTS_VALUE ? c->pkt->dts : c->pkt->pts;
        if (ts != AV_NOPTS_VALUE &&
            (double)ts * av_q2d(c->in->streams[c->pkt->stream_index]->time_base) > t)
            return 0;
        ret = write_packet(c, c->pkt);
        av_packet_unref(c->pkt);
        c->pending = 0;
        if (ret < 0)
            return ret;
    }
    return isinf(t) ? flush_audio(c) : 0;
}

void vni_copy_close(VniCopy **pc)
{
    VniCopy *c;
    if (!pc || !*pc)
        return;
    c = *pc;
    if (c->map && c->in)
        for (unsigned i = 0; i < c->in->nb_streams; i++)
            vni_audio_close(&c->map[i].audio);
    free(c->map);
    av_packet_free(&c->pkt);
    avformat_close_input(&c->in);
    free(c);
    *pc = NULL;
}
