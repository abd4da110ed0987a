/*
 * The video reader: a file libavformat opens, a printf pattern, or a directory of images.
 * Frames come one at a time in presentation order with timestamps that always increase; the
 * first frame is decoded at open so that the description is the real one and a file that
 * cannot give a single frame fails there.
 */
#include "io/io.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libavutil/display.h>
#include <libavutil/pixdesc.h>

static void copy_name(char *dst, size_t size, const char *s)
{
    snprintf(dst, size, "%s", s ? s : "unknown");
}

/* Rotation clockwise in degrees from a display matrix, one of 0/90/180/270. */
static int matrix_rotation(const uint8_t *m)
{
    double theta = -av_display_rotation_get((const int32_t *)m);
    int r;
    if (isnan(theta))
        return 0;
    r = (int)lround(theta / 90.0) * 90;
    return ((r % 360) + 360) % 360;
}

/* Fill the description from the container, the stream and the first frame. */
static void describe_file(VnVideoReader *r)
{
    AVFormatContext *fmt = r->dec.fmt;
    AVStream *st = r->dec.st;
    VnVideoInfo *in = &r->info;
    AVRational fr = st->avg_frame_rate;
    size_t sd_size = 0;
    uint8_t *sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &sd_size);
    if (fr.num <= 0 || fr.den <= 0)
        fr = st->r_frame_rate;
    if (fr.num > 0 && fr.den > 0)
        in->frame_rate = (VnRational){fr.num, fr.den};
    in->vfr = st->avg_frame_rate.num > 0 && st->r_frame_rate.num > 0 &&
              av_cmp_q(st->avg_frame_rate, st->r_frame_rate) != 0;
    in->time_base = (VnRational){st->time_base.num, st->time_base.den};
    in->stream_index = st->index;
    in->n_frames_header = st->nb_frames > 0 ? st->nb_frames : -1;
    if (st->duration > 0 && st->duration != AV_NOPTS_VALUE)
        in->duration = st->duration * av_q2d(st->time_base);
    else if (fmt->duration > 0)
        in->duration = fmt->duration / (double)AV_TIME_BASE;
    if (sd && sd_size >= 36) {
        memcpy(r->display_matrix, sd, 36);
        r->has_matrix = 1;
        in->rotation = matrix_rotation(sd);
    }
    copy_name(in->container, sizeof(in->container), fmt->iformat->name);
    copy_name(in->codec, sizeof(in->codec), avcodec_get_name(st->codecpar->codec_id));
    in->bit_rate_kbps = (int)((st->codecpar->bit_rate ? st->codecpar->bit_rate : fmt->bit_rate) / 1000);
    for (unsigned i = 0; i < fmt->nb_streams; i++) {
        int t = fmt->streams[i]->codecpar->codec_type;
        in->n_audio += t == AVMEDIA_TYPE_AUDIO;
        in->n_subtitle += t == AVMEDIA_TYPE_SUBTITLE;
        in->n_data += t == AVMEDIA_TYPE_DATA;
    }
}

/* What the first frame tells: real size, pixel format, colour. */
static int describe_frame(VnVideoReader *r, const AVFrame *f)
{
    VnVideoInfo *in = &r->info;
    int ret = vni_check_size(r->ctx, f->width, f->height);
    if (ret < 0)
        return vni_error(r->ctx, ret, "%s: frame size %dx%d is beyond the limits", r->path,
                         f->width, f->height);
    in->width = f->width;
    in->height = f->height;
    copy_name(in->pix_fmt, sizeof(in->pix_fmt), av_get_pix_fmt_name(f->format));
    copy_name(in->color_range, sizeof(in->color_range), av_color_range_name(f->color_range));
    copy_name(in->color_space, sizeof(in->color_space), av_color_space_name(f->colorspace));
    if (in->frame_rate.num > 0) {
        AVRational step = av_div_q((AVRational){in->frame_rate.den, in->frame_rate.num},
                                   (AVRational){in->time_base.num, in->time_base.den});
        r->pts_step = VNI_MAX(1, (int64_t)lround(av_q2d(step)));
    } else {
        r->pts_step = 1;
    }
    return 0;
}

/* Decode the next source frame into r->tmp: 1, 0 at the end, or an error. */
static int next_source(VnVideoReader *r)
{
    int ret;
    if (r->kind == VNI_SRC_FILE)
        return vni_decoder_next(r->ctx, &r->dec, r->tmp, r->path);
    if (r->file_pos >= r->files.n)
        return 0;
    av_frame_unref(r->tmp);
    ret = vni_decode_image(r->ctx, r->files.names[r->file_pos], r->tmp);
    if (ret < 0)
        return ret;
    r->tmp->best_effort_timestamp = (int64_t)r->file_pos;
    r->file_pos++;
    return 1;
}

/* Open the source (again) and decode its first frame into r->pending. */
static int start(VnVideoReader *r)
{
    int ret;
    if (r->kind == VNI_SRC_FILE) {
        vni_decoder_close(&r->dec);
        if ((ret = vni_decoder_open(r->ctx, &r->dec, r->path, vn_context_threads(r->ctx))) < 0)
            return ret;
    }
    r->file_pos = 0;
    r->next_index = 0;
    r->last_pts = INT64_MIN;
    if ((ret = next_source(r)) < 0)
        return ret;
    if (ret == 0)
        return vni_error(r->ctx, VN_ERR_INVALIDDATA, "%s: truncated or corrupt (no frame could be decoded)",
                         r->path);
    av_frame_move_ref(r->pending, r->tmp);
    return 0;
}

/* Set up a directory source: its sorted images, a nominal 25 fps. */
static int open_dir(VnVideoReader *r)
{
    int ret = vni_list_dir(r->ctx, r->path, NULL, &r->files);
    if (ret < 0)
        return ret;
    if (!r->files.n)
        return vni_error(r->ctx, -ENOENT, "%s: no images in the directory", r->path);
    r->kind = VNI_SRC_DIR;
    r->info.frame_rate = (VnRational){25, 1};
    r->info.time_base = (VnRational){1, 25};
    r->info.n_frames_header = (int64_t)r->files.n;
    r->info.duration = (double)r->files.n / 25.0;
    snprintf(r->info.container, sizeof(r->info.container), "directory");
    return 0;
}

/* Parameters of the video stream, kept for the writer. */
static int keep_params(VnVideoReader *r)
{
    if (!(r->par = avcodec_parameters_alloc()))
        return -ENOMEM;
    if (r->kind == VNI_SRC_FILE)
        return avcodec_parameters_copy(r->par, r->dec.st->codecpar) < 0 ? -ENOMEM : 0;
    r->par->codec_type = AVMEDIA_TYPE_VIDEO;
    r->par->width = r->pending->width;
    r->par->height = r->pending->height;
    r->par->format = r->pending->format;
    r->par->color_range = r->pending->color_range;
    r->par->color_space = r->pending->colorspace;
    r->par->color_primaries = r->pending->color_primaries;
    r->par->color_trc = r->pending->color_trc;
    return 0;
}

int vn_video_open(VnContext *ctx, VnVideoReader **pr, const char *path)
{
    VnVideoReader *r;
    struct stat st;
    int ret;
    if (!pr)
        return -EINVAL;
    *pr = NULL;
    if (!ctx || !path || !path[0])
        return ctx ? vni_error(ctx, -EINVAL, "no input given") : -EINVAL;
    if (!(r = calloc(1, sizeof(*r))) || !(r->path = strdup(path)) ||
        !(r->pending = av_frame_alloc()) || !(r->tmp = av_frame_alloc())) {
        ret = vni_error(ctx, -ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    r->ctx = ctx;
    r->counted = -1;
    r->info.duration = -1;
    r->info.n_frames_header = -1;
    r->info.frame_rate = (VnRational){0, 1};
    if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
        if ((ret = open_dir(r)) < 0)
            goto fail;
    } else if ((ret = start(r)) < 0) {
        goto fail;
    } else {
        describe_file(r);
    }
    if (r->kind == VNI_SRC_DIR && (ret = start(r)) < 0)
        goto fail;
    if ((ret = describe_frame(r, r->pending)) < 0)
        goto fail;
    if ((ret = keep_params(r)) < 0) {
        ret = vni_error(ctx, ret, "%s: out of memory", path);
        goto fail;
    }
    *pr = r;
    return 0;
fail:
    vn_video_close(&r);
    return ret;
}

const VnVideoInfo *vn_video_info(const VnVideoReader *r)
{
    return r ? &r->info : NULL;
}

/* Presentation timestamp of a decoded frame: never missing, always increasing. */
static int64_t frame_pts(VnVideoReader *r, const AVFrame *f)
{
    int64_t pts = f->best_effort_timestamp;
    if (pts == AV_NOPTS_VALUE)
        pts = f->pts;
    if (pts == AV_NOPTS_VALUE)
        pts = r->last_pts == INT64_MIN ? 0 : r->last_pts + r->pts_step;
    else if (r->last_pts != INT64_MIN && pts <= r->last_pts)
        pts = r->last_pts + 1;
    r->last_pts = pts;
    return pts;
}

/* The next decoded frame into r->tmp (the pending one first): 1, 0 at the end, or an error.
 * A frame whose size differs from the first is an error: the output cannot follow it. */
static int next_frame(VnVideoReader *r)
{
    int ret;
    if (r->pending->format >= 0 && r->pending->width > 0) {
        av_frame_unref(r->tmp);
        av_frame_move_ref(r->tmp, r->pending);
        ret = 1;
    } else if ((ret = next_source(r)) <= 0) {
        return ret;
    }
    if (r->tmp->width != r->info.width || r->tmp->height != r->info.height)
        return vni_error(r->ctx, VN_ERR_MISMATCH, "%s: frame %lld is %dx%d, the first frame %dx%d",
                         r->kind == VNI_SRC_DIR ? r->files.names[r->file_pos - 1] : r->path,
                         (long long)r->next_index, r->tmp->width, r->tmp->height,
                         r->info.width, r->info.height);
    return 1;
}

int vn_video_read(VnVideoReader *r, VnFrame **f)
{
    int ret;
    if (!f)
        return -EINVAL;
    *f = NULL;
    if (!r)
        return -EINVAL;
    if ((ret = next_frame(r)) <= 0)
        return ret;
    ret = vni_frame_make(r->ctx, &r->conv, r->tmp, r->next_index, frame_pts(r, r->tmp), f);
    av_frame_unref(r->tmp);
    if (ret < 0)
        return vni_error(r->ctx, ret, "%s: frame %lld: %s", r->path, (long long)r->next_index,
                         vn_strerror(ret));
    r->next_index++;
    return 1;
}

int vn_video_rewind(VnVideoReader *r)
{
    if (!r)
        return -EINVAL;
    av_frame_unref(r->pending);
    return start(r);
}

int64_t vn_video_count_frames(VnVideoReader *r)
{
    int64_t n = 0;
    int ret;
    if (!r)
        return -EINVAL;
    if (r->counted >= 0)
        return r->counted;
    if (r->kind == VNI_SRC_DIR) {
        r->counted = (int64_t)r->files.n;
        return r->counted;
    }
    if ((ret = vn_video_rewind(r)) < 0)
        return ret;
    while ((ret = next_frame(r)) > 0) {
        av_frame_unref(r->tmp);
        if ((++n & 63) == 0 && (ret = vni_progress(r->ctx, "count", 0.0)) < 0)
            return vni_error(r->ctx, ret, "%s: counting cancelled", r->path);
    }
    if (ret < 0)
        return ret;
    if ((ret = vn_video_rewind(r)) < 0)
        return ret;
    r->counted = n;
    return n;
}

void vn_video_close(VnVideoReader **pr)
{
    VnVideoReader *r;
    if (!pr || !*pr)
        return;
    r = *pr;
    vni_decoder_close(&r->dec);
    vni_names_free(&r->files);
    avcodec_parameters_free(&r->par);
    av_frame_free(&r->pending);
    av_frame_free(&r->tmp);
    vni_conv_free(&r->conv);
    free(r->path);
    free(r);
    *pr = NULL;
}

int vn_video_stream_count(const VnVideoReader *r)
{
    if (!r)
        return -EINVAL;
    return r->kind == VNI_SRC_FILE ? (int)r->dec.fmt->nb_streams : 1;
}

int vn_video_stream_info(const VnVideoReader *r, int i, VnStreamInfo *s)
{
    const AVCodecParameters *par;
    const AVDictionaryEntry *lang;
    if (!r || !s || i < 0 || i >= vn_video_stream_count(r))
        return -EINVAL;
    memset(s, 0, sizeof(*s));
    s->index = i;
    par = r->kind == VNI_SRC_FILE ? r->dec.fmt->streams[i]->codecpar : r->par;
    copy_name(s->type, sizeof(s->type), av_get_media_type_string(par->codec_type));
    copy_name(s->codec, sizeof(s->codec), r->kind == VNI_SRC_FILE ? avcodec_get_name(par->codec_id) : "images");
    lang = r->kind == VNI_SRC_FILE ? av_dict_get(r->dec.fmt->streams[i]->metadata, "language", NULL, 0) : NULL;
    snprintf(s->language, sizeof(s->language), "%s", lang ? lang->value : "");
    s->width = par->width;
    s->height = par->height;
    s->sample_rate = par->sample_rate;
    s->channels = par->ch_layout.nb_channels;
    s->bit_rate = par->bit_rate;
    return 0;
}
