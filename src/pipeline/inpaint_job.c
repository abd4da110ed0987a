/*
 * The streaming inpainting job: input video + mask source → output video. The spatial method
 * holds one frame at a time; the temporal one a window of frames (pipeline/window.c). Memory
 * does not depend on the length of the input.
 */
#include "vanish/inpaint.h"

#include <errno.h>

#include "core/internal.h"
#include "inpaint/window.h"
#include "pipeline/inpaint_overlay.h"
#include "pipeline/mask_static.h"
#include "vanish/overlay.h"

typedef struct Job {
    VnContext *ctx;
    VnVideoReader *in;
    VnMaskReader *masks;
    VnVideoWriter *out;
    VnImage *mask, *dilated; /* the hole of the frame at hand, and as the fill dilated it */
    VnImage *moving;         /* with an overlay given apart: the objects' mask read per frame */
    VnImage *footprint;      /* ... and with methods fill and spatial, the overlay's footprint */
    VniWindow *window;
    VniOverlayJob *overlay; /* methods auto/unblend on a static mask */
    VnInpaintSettings spatial; /* the settings with method spatial, for the per-frame fill */
    int64_t n_frames, n_written;
    VnFrameSinkFn sink;     /* optional: each finished frame */
    void *sink_cookie;
} Job;

static void job_close(Job *j)
{
    vni_window_close(&j->window);
    vni_overlay_job_close(&j->overlay);
    vn_video_writer_close(&j->out);
    vn_mask_close(&j->masks);
    vn_video_close(&j->in);
    vn_image_free(&j->mask);
    vn_image_free(&j->dilated);
    vn_image_free(&j->moving);
    vn_image_free(&j->footprint);
}

/*
 * Open the masks. A mask count that disagrees with the header's frame count makes us count the
 * frames by decoding (headers lie: opencv-doc's tree.avi claims 444 frames and has 68); a real
 * mismatch is an error that states both counts.
 */
static int open_masks(Job *j, const char *input, const char *masks)
{
    const VnVideoInfo *info = vn_video_info(j->in);
    int64_t n_masks;
    int ret;
    ret = vn_mask_open(j->ctx, &j->masks, masks, info->width, info->height, -1);
    if (ret < 0)
        return ret;
    n_masks = vn_mask_count(j->masks);
    j->n_frames = info->n_frames_header;
    if (n_masks < 0)
        return 0; /* one mask for every frame */
    if (n_masks != j->n_frames) {
        j->n_frames = vn_video_count_frames(j->in);
        if (j->n_frames < 0)
            return (int)j->n_frames;
    }
    if (n_masks != j->n_frames)
        return vni_error(j->ctx, VN_ERR_MISMATCH, "%s: %lld masks for %lld frames of %s", masks,
                         (long long)n_masks, (long long)j->n_frames, input);
    return 0;
}

/* Write a finished frame and report progress. */
static int emit(void *opaque, void *user, const VnImage *mask)
{
    Job *j = opaque;
    VnFrame *f = user;
    int ret;
    if (j->overlay) /* the un-blended pixels are written too */
        mask = vni_overlay_job_written(j->overlay, mask);
    ret = vn_video_write(j->out, f, mask);
    if (ret < 0)
        return ret;
    if (j->sink && (ret = j->sink(j->sink_cookie, vn_frame_index(f), vn_frame_rgb(f))) < 0)
        return ret;
    j->n_written++;
    if (j->n_frames > 0 && (ret = vni_progress(j->ctx, "inpaint", (double)j->n_written / j->n_frames)) < 0)
        return vni_error(j->ctx, ret, "cancelled at frame %lld", (long long)j->n_written);
    return 0;
}

static void release(void *opaque, void *user)
{
    VnFrame *f = user;
    (void)opaque;
    vn_frame_free(&f);
}

/* This frame's hole into j->mask: the overlay's opaque part (the frame un-blended round it) or
 * footprint, with the objects' mask of the frame when they are given apart. */
static int64_t compose(Job *j, VnFrame *f)
{
    int64_t ret = 0;
    if (j->overlay && (j->window || j->moving))
        ret = vni_overlay_job_unblend(j->overlay, vn_frame_rgb(f), j->mask);
    else if (j->footprint)
        ret = vn_image_copy(j->mask, j->footprint);
    if (ret < 0 || !j->moving)
        return ret;
    for (int y = 0; y < j->mask->height; y++) {
        uint8_t *d = vn_image_row(j->mask, y);
        const uint8_t *m = vn_image_row(j->moving, y);
        for (int x = 0; x < j->mask->width; x++)
            d[x] = d[x] || m[x] ? 255 : 0;
    }
    return ret;
}

/* One frame: the temporal engine takes it into its window; the spatial fill does it now. */
static int process(Job *j, VnFrame *f)
{
    int64_t ret = compose(j, f);
    if (ret < 0) {
        vn_frame_free(&f);
        return (int)ret;
    }
    if (j->window)
        return vni_window_push(j->window, vn_frame_rgb(f), f, j->mask);
    if (j->overlay && !j->moving)
        ret = vni_overlay_job_remove(j->overlay, vn_frame_rgb(f));
    else
        ret = vn_inpaint_image(j->ctx, vn_frame_rgb(f), j->mask, &j->spatial, j->dilated);
    if (ret >= 0)
        ret = emit(j, f, j->overlay && !j->moving ? NULL : j->dilated);
    vn_frame_free(&f);
    return (int)ret;
}

/* Read, fill and write every frame. */
static int run_frames(Job *j, const char *masks)
{
    VnFrame *f = NULL;
    int64_t i = 0;
    int ret;
    while ((ret = vn_video_read(j->in, &f)) > 0) {
        ret = j->masks ? vn_mask_read(j->masks, j->moving ? j->moving : j->mask) : 1;
        if (ret == 0)
            ret = vni_error(j->ctx, VN_ERR_MISMATCH, "%s: masks end at %lld but the video goes on",
                            masks, (long long)i);
        if (ret < 0) {
            vn_frame_free(&f);
            return ret;
        }
        if ((ret = process(j, f)) < 0)
            return ret;
        i++;
    }
    if (ret < 0)
        return ret;
    if (i == 0)
        return vni_error(j->ctx, VN_ERR_INVALIDDATA, "no frame could be decoded");
    return j->window ? vni_window_flush(j->window) : 0;
}

/*
 * Per-frame masks that stay put (a clicked watermark, tracked by `vanish remove` or the page) are
 * held as one static mask, their majority, read no more: 1 with it in j->mask, else 0.
 */
static int hold_static(Job *j, const char *input, const char *masks)
{
    const VnVideoInfo *info = vn_video_info(j->in);
    int ret = vni_masks_static(j->ctx, input, masks, info->width, info->height, j->n_frames, j->mask);
    if (ret > 0)
        vn_mask_close(&j->masks);
    return ret;
}

/*
 * The static mask from the masks alone: methods auto and unblend on one mask for every frame,
 * or on per-frame masks that stay put, estimate the overlay under it; other per-frame masks keep
 * the fill.
 */
static int open_static(Job *j, const char *input, const char *masks, const VnInpaintSettings *s)
{
    int ret;
    if (vn_mask_count(j->masks) < 0)
        ret = vn_mask_read(j->masks, j->mask);
    else if ((ret = hold_static(j, input, masks)) == 0)
        return 0; /* masks that move: the fill */
    if (ret < 0)
        return ret;
    return vni_overlay_job_open(j->ctx, &j->overlay, input, j->mask, s, NULL);
}

/* The overlay's footprint into *fp: the overlay mask given, or what the overlay detector finds
 * (an error if it finds none). */
static int64_t footprint(Job *j, const char *input, const VnInpaintSources *src, VnImage **fp)
{
    const VnVideoInfo *info = vn_video_info(j->in);
    VnOverlaySettings os;
    int64_t n;
    if (src->overlay)
        return vni_mask_footprint_load(j->ctx, src->overlay, info->width, info->height, fp);
    vn_overlay_default_settings(&os);
    if ((n = vn_overlay_detect_file(j->ctx, input, &os, fp)) == 0)
        n = vni_error(j->ctx, VN_ERR_INVALIDDATA, "%s: no static overlay found", input);
    if (n < 0)
        vn_image_free(fp);
    return n;
}

/*
 * The overlay. Methods auto and unblend estimate it under its footprint (the overlay given or
 * found, or the masks when they are static); methods fill and spatial fill the footprint as a
 * mask. The objects' masks given beside an overlay are read per frame into j->moving.
 */
static int open_overlay(Job *j, const char *input, const VnInpaintSources *src,
                        const VnInpaintSettings *s)
{
    VnImage *fp = NULL;
    int64_t ret;
    int overlay = s->method == VN_INPAINT_AUTO || s->method == VN_INPAINT_UNBLEND;
    if (!src->overlay && !src->detect_overlay)
        return overlay ? open_static(j, input, src->masks, s) : 0;
    if ((ret = footprint(j, input, src, &fp)) < 0)
        return (int)ret;
    if (src->masks && (ret = vn_image_alloc(&j->moving, fp->width, fp->height, 1, VN_U8)) < 0)
        ret = vni_error(j->ctx, (int)ret, "%s: %s", input, vn_strerror((int)ret));
    else if (overlay)
        ret = vni_overlay_job_open(j->ctx, &j->overlay, input, fp, s, src->masks);
    else if (src->masks) {
        j->footprint = fp;
        fp = NULL;
    } else
        ret = vn_image_copy(j->mask, fp);
    vn_image_free(&fp);
    return (int)VNI_MIN(ret, 0);
}

int vn_inpaint_file(VnContext *ctx, const char *input, const char *masks, const char *output,
                    const VnInpaintSettings *s, const VnWriterSettings *ws)
{
    return vn_inpaint_file_sink(ctx, input, masks, output, s, ws, NULL, NULL);
}

int vn_inpaint_file_sink(VnContext *ctx, const char *input, const char *masks, const char *output,
                         const VnInpaintSettings *s, const VnWriterSettings *ws, VnFrameSinkFn sink,
                         void *cookie)
{
    VnInpaintSources src = {masks, NULL, masks == NULL};
    return vn_inpaint_file_sources(ctx, input, &src, output, s, ws, sink, cookie);
}

/* Open the input, the masks and the overlay. */
static int open_job(Job *j, const char *input, const VnInpaintSources *src,
                    const VnInpaintSettings *s)
{
    const VnVideoInfo *info;
    int ret;
    if ((ret = vn_video_open(j->ctx, &j->in, input)) < 0)
        return ret;
    info = vn_video_info(j->in);
    j->n_frames = info->n_frames_header;
    if ((ret = vn_image_alloc(&j->mask, info->width, info->height, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&j->dilated, info->width, info->height, 1, VN_U8)) < 0)
        return vni_error(j->ctx, ret, "%s: %s", input, vn_strerror(ret));
    if (src->masks && (ret = open_masks(j, input, src->masks)) < 0)
        return ret;
    return open_overlay(j, input, src, s);
}

int vn_inpaint_file_sources(VnContext *ctx, const char *input, const VnInpaintSources *src,
                            const char *output, const VnInpaintSettings *s,
                            const VnWriterSettings *ws, VnFrameSinkFn sink, void *cookie)
{
    Job j = {.ctx = ctx, .n_frames = -1, .sink = sink, .sink_cookie = cookie};
    const VnVideoInfo *info;
    int ret;
    if (!ctx || !input || !src || !output || !s || !ws ||
        !(src->masks || src->overlay || src->detect_overlay) || (src->overlay && src->detect_overlay))
        return -EINVAL;
    j.spatial = *s;
    j.spatial.method = VN_INPAINT_SPATIAL;
    if ((ret = open_job(&j, input, src, s)) < 0)
        goto fail;
    info = vn_video_info(j.in);
    if ((ret = vn_video_writer_open(ctx, &j.out, output, j.in, ws)) < 0)
        goto fail;
    if (s->method != VN_INPAINT_SPATIAL && !(s->method == VN_INPAINT_UNBLEND && j.overlay) &&
        (ret = vni_window_open(ctx, &j.window, info->width, info->height, s, emit, release, &j)) < 0) {
        ret = vni_error(ctx, ret, "%s: cannot start the fill: %s", input, vn_strerror(ret));
        goto fail;
    }
    /* one mask for every frame (the overlay alone, masks held, or one PNG beside an overlay):
     * the fill works around it only */
    if (j.window && (!j.masks || vn_mask_count(j.masks) < 0))
        vni_window_static(j.window);
    if ((ret = run_frames(&j, src->masks)) < 0)
        goto fail;
    ret = vn_video_writer_finish(j.out);
fail:
    job_close(&j);
    return ret;
}
