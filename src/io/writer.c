/*
 * The video writer: a container file (encoded video + the input's other streams) or a
 * directory of PNG frames, written under a temporary name beside the output and renamed when
 * finished. Never the input; an existing output only when allowed.
 */
#include "io/io.h"
#include "io/writer.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/pixdesc.h>

struct VnVideoWriter {
    VnContext *ctx;
    VnVideoReader *src;
    char *path;
    char tmp[4352];       /* temporary file or directory; "" once renamed */
    int png_dir, finished;
    AVFormatContext *oc;
    AVCodecContext *enc;
    AVStream *vst;
    AVFrame *frame;
    AVPacket *pkt;
    VniComposer comp;
    VniCopy *copy;
    int64_t last_pts, n_frames;
};

void vn_writer_default_settings(VnWriterSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->crf = 18;
    s->preset = "medium";
}

/* The input's files: the file itself, or the directory of a pattern or of images. */
static int is_input(const VnVideoReader *src, const char *path, int png_dir)
{
    char dir[4096];
    if (vni_same_file(path, src->path))
        return 1;
    if (png_dir && vni_is_pattern(src->path)) {
        vni_dirname(src->path, dir, sizeof(dir));
        return vni_same_file(path, dir);
    }
    return 0;
}

/* Refuse to write over the input, or over an existing output without overwrite. */
static int check_target(VnContext *ctx, const char *path, const VnVideoReader *src,
                        const VnWriterSettings *s, int png_dir)
{
    struct stat st;
    if (is_input(src, path, png_dir))
        return vni_error(ctx, -EINVAL, "%s: output would overwrite the input", path);
    if (stat(path, &st))
        return 0;
    if (png_dir && !S_ISDIR(st.st_mode))
        return vni_error(ctx, -ENOTDIR, "%s: exists and is not a directory", path);
    if (!png_dir && S_ISDIR(st.st_mode))
        return vni_error(ctx, -EISDIR, "%s: is a directory (end the name with '/' for PNG frames)", path);
    if (!s->overwrite)
        return vni_error(ctx, -EEXIST, "%s: already exists (overwrite not allowed)", path);
    return 0;
}

/* The frame buffer handed to the encoder, in its format. */
static int alloc_frame(VnVideoWriter *w, int fmt)
{
    if (!(w->frame = av_frame_alloc()) || !(w->pkt = av_packet_alloc()))
        return -ENOMEM;
    w->frame->format = fmt;
    w->frame->width = w->src->info.width;
    w->frame->height = w->src->info.height;
    return av_frame_get_buffer(w->frame, 0) < 0 ? -ENOMEM : 0;
}

static int open_png_dir(VnVideoWriter *w)
{
    int ret = vni_make_temp(w->path, 1, w->tmp, sizeof(w->tmp));
    if (ret < 0) {
        w->tmp[0] = '\0';
        return vni_error(w->ctx, ret, "%s: cannot create output: %s", w->path, strerror(-ret));
    }
    w->comp.yuv = 0;
    w->comp.space = AVCOL_SPC_RGB;
    w->comp.full = 1;
    if (w->src->info.n_audio + w->src->info.n_subtitle)
        vni_log(w->ctx, VN_LOG_WARNING, "%s: PNG frames carry no audio or subtitles: dropped", w->path);
    if ((ret = alloc_frame(w, AV_PIX_FMT_RGB24)) < 0)
        return vni_error(w->ctx, ret, "%s: out of memory", w->path);
    return 0;
}

/* The output video stream: parameters, timing, rotation and tags of the source's. */
static int add_video_stream(VnVideoWriter *w)
{
    const VnVideoReader *src = w->src;
    uint8_t *sd;
    if (!(w->vst = avformat_new_stream(w->oc, NULL)))
        return -ENOMEM;
    if (avcodec_parameters_from_context(w->vst->codecpar, w->enc) < 0)
        return -ENOMEM;
    w->vst->time_base = w->enc->time_base;
    w->vst->avg_frame_rate = w->enc->framerate;
    w->vst->r_frame_rate = w->enc->framerate;
    w->vst->sample_aspect_ratio = w->enc->sample_aspect_ratio;
    if (src->kind == VNI_SRC_FILE) {
        av_dict_copy(&w->vst->metadata, src->dec.st->metadata, 0);
        av_dict_copy(&w->oc->metadata, src->dec.fmt->metadata, 0);
        av_dict_set(&w->vst->metadata, "encoder", NULL, 0);
        av_dict_set(&w->vst->metadata, "rotate", NULL, 0);
        w->vst->disposition = src->dec.st->disposition;
    }
    if (src->has_matrix) {
        if (!(sd = av_stream_new_side_data(w->vst, AV_PKT_DATA_DISPLAYMATRIX, 36)))
            return -ENOMEM;
        memcpy(sd, src->display_matrix, 36);
    }
    return 0;
}

/* Everything up to the header: muxer, temporary file, encoder, streams. */
static int open_container(VnVideoWriter *w, const VnWriterSettings *s)
{
    const AVOutputFormat *ofmt = av_guess_format(NULL, w->path, NULL);
    char text[128];
    int ret;
    if (!ofmt)
        return vni_error(w->ctx, VN_ERR_FORMAT, "%s: unknown output format (use .mp4, .mkv, .mov or DIR/)", w->path);
    if ((ret = vni_make_temp(w->path, 0, w->tmp, sizeof(w->tmp))) < 0) {
        w->tmp[0] = '\0';
        return vni_error(w->ctx, ret, "%s: cannot create output: %s", w->path, strerror(-ret));
    }
    if (avformat_alloc_output_context2(&w->oc, ofmt, NULL, w->tmp) < 0)
        return vni_error(w->ctx, -ENOMEM, "%s: out of memory", w->path);
    if ((ret = vni_encoder_open(w->ctx, w->path, ofmt, w->src, s, &w->enc, &w->comp)) < 0)
        return ret;
    if ((ret = add_video_stream(w)) < 0 || (ret = alloc_frame(w, w->enc->pix_fmt)) < 0)
        return vni_error(w->ctx, ret, "%s: out of memory", w->path);
    if (w->src->kind == VNI_SRC_FILE && !vni_is_pattern(w->src->path) &&
        (ret = vni_copy_open(w->ctx, &w->copy, w->src->path, w->path, w->oc)) < 0)
        return ret;
    vni_av_enter(w->ctx);
    if ((ret = avio_open(&w->oc->pb, w->tmp, AVIO_FLAG_WRITE)) < 0 ||
        (ret = avformat_write_header(w->oc, NULL)) < 0) {
        vni_av_text(ret, text, sizeof(text));
        return vni_error(w->ctx, vni_av_code(ret), "%s: cannot write: %s", w->path,
                         vni_av_last()[0] ? vni_av_last() : text);
    }
    return 0;
}

int vn_video_writer_open(VnContext *ctx, VnVideoWriter **pw, const char *path,
                         VnVideoReader *src, const VnWriterSettings *s)
{
    VnVideoWriter *w;
    VnWriterSettings def;
    size_t n;
    int ret;
    if (!pw)
        return -EINVAL;
    *pw = NULL;
    if (!ctx || !path || !src || !path[0])
        return ctx ? vni_error(ctx, -EINVAL, "no output given") : -EINVAL;
    if (!s) {
        vn_writer_default_settings(&def);
        s = &def;
    }
    n = strlen(path);
    if (!(w = calloc(1, sizeof(*w))) || !(w->path = strdup(path))) {
        free(w);
        return vni_error(ctx, -ENOMEM, "%s: out of memory", path);
    }
    w->ctx = ctx;
    w->src = src;
    w->png_dir = path[n - 1] == '/';
    w->last_pts = INT64_MIN;
    if ((ret = check_target(ctx, path, src, s, w->png_dir)) < 0)
        goto fail;
    ret = w->png_dir ? open_png_dir(w) : open_container(w, s);
    if (ret < 0)
        goto fail;
    *pw = w;
    return 0;
fail:
    vn_video_writer_close(&w);
    return ret;
}

/* Send a frame (NULL = flush) and write the packets that come out. */
static int encode(VnVideoWriter *w, AVFrame *frame)
{
    char text[128];
    int ret = avcodec_send_frame(w->enc, frame);
    while (ret >= 0) {
        ret = avcodec_receive_packet(w->enc, w->pkt);
        if (ret == AVERROR(EAGAIN) || ret == AVERROR_EOF)
            return 0;
        if (ret < 0)
            break;
        av_packet_rescale_ts(w->pkt, w->enc->time_base, w->vst->time_base);
        w->pkt->stream_index = w->vst->index;
        ret = av_interleaved_write_frame(w->oc, w->pkt);
    }
    vni_av_text(ret, text, sizeof(text));
    return vni_error(w->ctx, vni_av_code(ret), "%s: encoding failed: %s", w->path,
                     vni_av_last()[0] ? vni_av_last() : text);
}

static int write_png(VnVideoWriter *w)
{
    char name[4400];
    snprintf(name, sizeof(name), "%s/%05lld.png", w->tmp, (long long)w->n_frames);
    return vni_png_write(w->ctx, name, w->frame->data[0], w->frame->linesize[0],
                         w->frame->width, w->frame->height, 3, NULL, 0);
}

/* Encode the composed frame at the source's timestamp (kept increasing), then the other
 * streams' packets up to that time. */
static int write_encoded(VnVideoWriter *w, const VnFrame *f)
{
    int64_t pts = f->pts == INT64_MIN ? w->last_pts + 1 : f->pts;
    int ret;
    if (w->last_pts != INT64_MIN && pts <= w->last_pts)
        pts = w->last_pts + 1;
    w->last_pts = pts;
    w->frame->pts = pts;
    w->frame->color_range = w->enc->color_range;
    w->frame->colorspace = w->enc->colorspace;
    w->frame->color_primaries = w->enc->color_primaries;
    w->frame->color_trc = w->enc->color_trc;
    vni_av_enter(w->ctx);
    if ((ret = encode(w, w->frame)) < 0)
        return ret;
    return vni_copy_until(w->copy, (double)pts * av_q2d(w->enc->time_base));
}

int vn_video_write(VnVideoWriter *w, VnFrame *f, const VnImage *mask)
{
    int ret;
    if (!w || !f || !f->rgb || w->finished)
        return -EINVAL;
    if (f->rgb->width != w->frame->width || f->rgb->height != w->frame->height)
        return vni_error(w->ctx, VN_ERR_MISMATCH, "%s: frame %lld is %dx%d, the output %dx%d", w->path,
                         (long long)f->index, f->rgb->width, f->rgb->height, w->frame->width, w->frame->height);
    if (mask && (mask->width != f->rgb->width || mask->height != f->rgb->height ||
                 mask->channels != 1 || mask->type != VN_U8))
        return vni_error(w->ctx, VN_ERR_MISMATCH, "%s: the mask of frame %lld does not match the frame",
                         w->path, (long long)f->index);
    if ((ret = av_frame_make_writable(w->frame)) < 0)
        return vni_error(w->ctx, -ENOMEM, "%s: out of memory", w->path);
    if ((ret = vni_compose(&w->comp, f->src, f->rgb, mask, w->frame)) < 0)
        return vni_error(w->ctx, vni_av_code(ret), "%s: cannot convert frame %lld to %s", w->path,
                         (long long)f->index, w->png_dir ? "rgb24" : av_get_pix_fmt_name(w->frame->format));
    ret = w->png_dir ? write_png(w) : write_encoded(w, f);
    if (ret < 0)
        return ret;
    w->n_frames++;
    return 0;
}

/* Move the finished PNG frames into place; an existing directory (overwrite) keeps other
 * files but loses stale frames past the new count. */
static int finish_png_dir(VnVideoWriter *w)
{
    char src[4500], dst[4500], final[4096];
    struct stat st;
    snprintf(final, sizeof(final), "%s", w->path);
    while (strlen(final) > 1 && final[strlen(final) - 1] == '/')
        final[strlen(final) - 1] = '\0';
    if (stat(final, &st)) {
        if (rename(w->tmp, final))
            return -errno;
        w->tmp[0] = '\0';
        return 0;
    }
    for (int64_t i = 0;; i++) {
        snprintf(src, sizeof(src), "%s/%05lld.png", w->tmp, (long long)i);
        snprintf(dst, sizeof(dst), "%s/%05lld.png", final, (long long)i);
        if (i < w->n_frames) {
            if (rename(src, dst))
                return -errno;
        } else if (unlink(dst)) {
            break;
        }
    }
    vni_remove_tree(w->tmp);
    w->tmp[0] = '\0';
    return 0;
}

/* Drain the encoder, write the rest of the other streams and the trailer, rename. */
static int finish_container(VnVideoWriter *w)
{
    char text[128];
    int ret;
    vni_av_enter(w->ctx);
    if ((ret = encode(w, NULL)) < 0 || (ret = vni_copy_until(w->copy, INFINITY)) < 0)
        return ret;
    if ((ret = av_write_trailer(w->oc)) < 0 || (ret = avio_closep(&w->oc->pb)) < 0) {
        vni_av_text(ret, text, sizeof(text));
        return vni_error(w->ctx, vni_av_code(ret), "%s: cannot write: %s", w->path, text);
    }
    if (rename(w->tmp, w->path))
        return vni_error(w->ctx, -errno, "%s: cannot rename the finished output: %s", w->path,
                         strerror(errno));
    w->tmp[0] = '\0';
    return 0;
}

int vn_video_writer_finish(VnVideoWriter *w)
{
    int ret;
    if (!w || w->finished)
        return -EINVAL;
    if (!w->n_frames)
        return vni_error(w->ctx, VN_ERR_INVALIDDATA, "%s: no frames were written", w->path);
    if (w->png_dir) {
        if ((ret = finish_png_dir(w)) < 0)
            return vni_error(w->ctx, ret, "%s: cannot move the frames into place: %s", w->path,
                             strerror(-ret));
    } else if ((ret = finish_container(w)) < 0) {
        return ret;
    }
    w->finished = 1;
    return 0;
}

void vn_video_writer_close(VnVideoWriter **pw)
{
    VnVideoWriter *w;
    if (!pw || !*pw)
        return;
    w = *pw;
    vni_copy_close(&w->copy);
    if (w->oc && w->oc->pb)
        avio_closep(&w->oc->pb);
    avformat_free_context(w->oc);
    avcodec_free_context(&w->enc);
    av_frame_free(&w->frame);
    av_packet_free(&w->pkt);
    vni_composer_free(&w->comp);
    if (w->tmp[0]) {
        if (w->png_dir)
            vni_remove_tree(w->tmp);
        else
            unlink(w->tmp);
    }
    free(w->path);
    free(w);
    *pw = NULL;
}
