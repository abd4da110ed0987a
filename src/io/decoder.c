/*
 * One demuxer and one video decoder on one file: open with a clear message for every way a
 * file can fail, then decode frames in presentation order.
 */
#include "io/io.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/pixdesc.h>

/* 1 if the first bytes of path look like a media format by content alone (not by its name):
 * a file that opens as such and then fails is truncated or corrupt, not "not a video". */
static int looks_like_media(const char *path)
{
    uint8_t buf[4096 + AVPROBE_PADDING_SIZE] = {0};
    AVProbeData pd = {0};
    int score = 0;
    size_t n;
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    n = fread(buf, 1, 4096, f);
    fclose(f);
    if (n < 8)
        return 0;
    pd.buf = buf;
    pd.buf_size = (int)n;
    pd.filename = "";
    if (!av_probe_input_format3(&pd, 1, &score))
        return 0;
    return score > AVPROBE_SCORE_EXTENSION;
}

/* The message and code for a failure to open or probe path. */
static int open_error(VnContext *ctx, const char *path, int averr)
{
    char text[128];
    const char *last = vni_av_last();
    vni_av_text(averr, text, sizeof(text));
    if (averr != AVERROR_INVALIDDATA && averr != AVERROR_EOF)
        return vni_error(ctx, vni_av_code(averr), "%s: %s", path, text);
    if (looks_like_media(path))
        return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: truncated or corrupt (%s)", path,
                         last[0] ? last : text);
    return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: not a video file (%s)", path, text);
}

/* Checks that a named file exists, is readable and not empty before FFmpeg probes it. */
static int check_file(VnContext *ctx, const char *path)
{
    struct stat st;
    if (vni_is_pattern(path))
        return 0;
    if (stat(path, &st))
        return vni_error(ctx, -errno, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return vni_error(ctx, -EISDIR, "%s: is a directory", path);
    if (S_ISREG(st.st_mode) && st.st_size == 0)
        return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: empty file", path);
    return 0;
}

/* Open the video decoder of stream d->st. */
static int open_codec(VnContext *ctx, VniDecoder *d, const char *path, int n_threads)
{
    const AVCodec *codec = avcodec_find_decoder(d->st->codecpar->codec_id);
    char text[128];
    int ret;
    if (!codec)
        return vni_error(ctx, VN_ERR_FORMAT, "%s: no decoder for codec %s", path,
                         avcodec_get_name(d->st->codecpar->codec_id));
    d->dec = avcodec_alloc_context3(codec);
    if (!d->dec)
        return vni_error(ctx, -ENOMEM, "%s: out of memory", path);
    if ((ret = avcodec_parameters_to_context(d->dec, d->st->codecpar)) < 0)
        goto fail;
    d->dec->pkt_timebase = d->st->time_base;
    d->dec->thread_count = VNI_CLAMP(n_threads, 1, 16);
    d->dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
    if ((ret = avcodec_open2(d->dec, codec, NULL)) < 0)
        goto fail;
    return 0;
fail:
    vni_av_text(ret, text, sizeof(text));
    return vni_error(ctx, vni_av_code(ret), "%s: cannot open the %s decoder: %s", path,
                     codec->name, text);
}

int vni_decoder_open(VnContext *ctx, VniDecoder *d, const char *path, int n_threads)
{
    int ret;
    memset(d, 0, sizeof(*d));
    d->stream_index = -1;
    vni_av_enter(ctx);
    if ((ret = check_file(ctx, path)) < 0)
        return ret;
    if ((ret = avformat_open_input(&d->fmt, path, NULL, NULL)) < 0) {
        ret = open_error(ctx, path, ret);
        goto fail;
    }
    if ((ret = avformat_find_stream_info(d->fmt, NULL)) < 0) {
        ret = open_error(ctx, path, ret);
        goto fail;
    }
    ret = av_find_best_stream(d->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (ret < 0) {
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: not a video file (no video stream)", path);
        goto fail;
    }
    d->stream_index = ret;
    d->st = d->fmt->streams[ret];
    for (unsigned i = 0; i < d->fmt->nb_streams; i++)
        if ((int)i != d->stream_index)
            d->fmt->streams[i]->discard = AVDISCARD_ALL;
    if ((ret = open_codec(ctx, d, path, n_threads)) < 0)
        goto fail;
    if (!(d->pkt = av_packet_alloc())) {
        ret = vni_error(ctx, -ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    return 0;
fail:
    vni_decoder_close(d);
    return ret;
}

/* Feed the decoder one packet of our stream (or the end of input). */
static int feed(VnContext *ctx, VniDecoder *d, const char *path)
{
    char text[128];
    int ret;
    for (;;) {
        ret = av_read_frame(d->fmt, d->pkt);
        if (ret == AVERROR_EOF || (ret < 0 && avio_feof(d->fmt->pb))) {
            d->flushing = 1;
            avcodec_send_packet(d->dec, NULL);
            return 0;
        }
        if (ret < 0) {
            vni_av_text(ret, text, sizeof(text));
            return vni_error(ctx, vni_av_code(ret), "%s: read error: %s", path, text);
        }
        if (d->pkt->stream_index != d->stream_index) {
            av_packet_unref(d->pkt);
            continue;
        }
        ret = avcodec_send_packet(d->dec, d->pkt);
        av_packet_unref(d->pkt);
        /* A corrupt packet is skipped (the decoder conceals); only fatal errors stop us. */
        if (ret < 0 && ret != AVERROR_INVALIDDATA && ret != AVERROR(EAGAIN)) {
            vni_av_text(ret, text, sizeof(text));
            return vni_error(ctx, vni_av_code(ret), "%s: decoding failed: %s", path, text);
        }
        return 0;
    }
}

int vni_decoder_next(VnContext *ctx, VniDecoder *d, AVFrame *out, const char *path)
{
    char text[128];
    int ret;
    av_frame_unref(out);
    vni_av_enter(ctx);
    while (!d->done) {
        ret = avcodec_receive_frame(d->dec, out);
        if (ret >= 0)
            return 1;
        if (ret == AVERROR_EOF) {
            d->done = 1;
            break;
        }
        if (ret != AVERROR(EAGAIN) && ret != AVERROR_INVALIDDATA) {
            vni_av_text(ret, text, sizeof(text));
            return vni_error(ctx, vni_av_code(ret), "%s: decoding failed: %s", path, text);
        }
        if (d->flushing) {
            if (ret == AVERROR(EAGAIN))
                d->done = 1;
            continue;
        }
        if ((ret = feed(ctx, d, path)) < 0)
            return ret;
    }
    return 0;
}

void vni_decoder_close(VniDecoder *d)
{
    avcodec_free_context(&d->dec);
    avformat_close_input(&d->fmt);
    av_packet_free(&d->pkt);
    d->st = NULL;
}
