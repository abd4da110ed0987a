/*
 * The removal job: the masks of the objects are written as PNGs — the static objects' (a
 * watermark found by detection) as one PNG for every frame, which the library takes as an
 * overlay's footprint, the others' union as a directory of one per frame — and
 * vn_inpaint_file_sources un-blends the overlay and fills the rest, handing each finished frame
 * to the job (the latest few are kept, small, for the page to show as they come); the result is
 * opened as a video of its own so that the page can show and compare its frames.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vanish/inpaint.h"

/* What the objects hold: *n_static static objects with a mask, *moving 1 when another object
 * has a mask on some frame. */
static void kinds(SrvVideo *v, int *n_static, int *moving)
{
    *n_static = *moving = 0;
    pthread_mutex_lock(&v->lock);
    for (int i = 0; i < SRV_MAX_OBJECTS; i++) {
        const SrvObject *o = &v->objects[i];
        if (o->id && o->is_static)
            *n_static += o->still != NULL;
        else if (o->id)
            for (int64_t f = 0; f < o->cap && !*moving; f++)
                *moving = o->masks[f] != NULL;
    }
    pthread_mutex_unlock(&v->lock);
}

/* Paint into img the masks on frame n of the static objects (is_static 1) or of the others
 * (0): the pixels set. */
static int64_t paint(SrvVideo *v, int64_t n, VnImage *img, int is_static)
{
    int64_t count = 0;
    memset(img->data, 0, (size_t)img->stride * (size_t)img->height);
    pthread_mutex_lock(&v->lock);
    for (int i = 0; i < SRV_MAX_OBJECTS; i++) {
        const SrvObject *o = &v->objects[i];
        const SrvMask *k = o->id && o->is_static == is_static ? srv_object_mask(o, n) : NULL;
        if (k)
            srv_mask_paint(k, img, 1);
    }
    pthread_mutex_unlock(&v->lock);
    for (int y = 0; y < img->height; y++)
        for (int x = 0; x < img->width; x++)
            count += vn_image_row(img, y)[x] != 0;
    return count;
}

/* Write the union of the masks of the objects that are not static on every frame to
 * dir/%05d.png (still NULL), or of the static ones to `still`, one PNG for every frame. Returns
 * the pixels set in the last mask written or a negative error. */
static int64_t write_masks(SrvJob *j, VnContext *ctx, const char *dir, const char *still,
                           int64_t n_frames)
{
    SrvVideo *v = j->video;
    VnImage *img = NULL;
    char path[PATH_MAX + 160];
    int64_t ret = vn_image_alloc(&img, v->info.width, v->info.height, 1, VN_U8);
    if (still)
        n_frames = 1;
    for (int64_t n = 0; ret >= 0 && n < n_frames; n++) {
        int64_t set = paint(v, n, img, still != NULL);
        snprintf(path, sizeof(path), "%s/%05lld.png", dir, (long long)n);
        if (still)
            snprintf(path, sizeof(path), "%s", still);
        if ((ret = vn_mask_save_png(ctx, path, img, 1)) < 0)
            snprintf(j->error, sizeof(j->error), "cannot write the masks: %s", vn_last_error(ctx));
        else if (srv_job_progress(j, "masks", (double)(n + 1) / (double)n_frames))
            ret = VN_ERR_CANCELLED;
        else
            ret = set;
    }
    vn_image_free(&img);
    return ret;
}

/*
 * The masks the fill takes: the static objects (watermarks found by detection) as the overlay's
 * footprint in `still` (one PNG for every frame: un-blended where see-through, filled where
 * opaque), the others' union per frame in the directory `masks` (filled). src says which exist.
 */
static int masks_for(SrvJob *j, VnContext *ctx, const char *masks, const char *still,
                     int64_t n_frames, VnInpaintSources *src)
{
    int64_t ret;
    int n_static, moving;
    kinds(j->video, &n_static, &moving);
    *src = (VnInpaintSources){NULL, NULL, 0};
    j->p_span = 0.05;
    if (n_static) {
        if ((ret = write_masks(j, ctx, masks, still, 1)) < 0)
            return (int)ret;
        src->overlay = ret > 0 ? still : NULL; /* a watermark cleared to nothing: none */
    }
    if (moving) {
        if ((ret = write_masks(j, ctx, masks, NULL, n_frames)) < 0)
            return (int)ret;
        src->masks = masks;
    }
    if (!src->masks && !src->overlay) {
        snprintf(j->error, sizeof(j->error), "no object has a mask: click the object first");
        return -EINVAL;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The state of the frame sink: the job and a context of its own for the JPEG encoder. */
typedef struct LiveSink {
    SrvJob *job;
    VnContext *ctx;
} LiveSink;

/*
 * Receives each finished frame from vn_inpaint_file_sources: keeps it, as a preview-size JPEG, in
 * the job's ring of SRV_LIVE_FRAMES, at most one per SRV_LIVE_INTERVAL_MS (and always the last),
 * so that memory stays small and the encoder costs little next to the fill.
 */
static int live_sink(void *cookie, int64_t frame, const VnImage *rgb)
{
    LiveSink *k = cookie;
    SrvJob *j = k->job;
    SrvLiveFrame *slot;
    uint8_t *buf = NULL;
    size_t size = 0;
    int64_t t = now_ms();
    int ret;
    if (frame != j->n_frames - 1 && j->live_latest >= 0 && t - j->live_ms < SRV_LIVE_INTERVAL_MS)
        return 0;
    if ((ret = vn_image_encode(k->ctx, rgb, VN_ENCODE_JPEG, 80, j->video->pw, j->video->ph, &buf, &size)) < 0)
        return 0; /* a frame the page does not see is no reason to stop the job */
    pthread_mutex_lock(&j->lock);
    slot = &j->live[frame % SRV_LIVE_FRAMES];
    vn_buffer_free(&slot->jpeg);
    *slot = (SrvLiveFrame){frame, buf, size};
    j->live_latest = frame;
    j->live_ms = t;
    pthread_mutex_unlock(&j->lock);
    return 0;
}

void srv_remove_free(SrvJob *j)
{
    for (int i = 0; i < SRV_LIVE_FRAMES; i++) {
        vn_buffer_free(&j->live[i].jpeg);
        j->live[i].frame = -1;
    }
}

int srv_remove_frame(SrvJob *j, int64_t n, uint8_t **jpeg, size_t *size)
{
    int ret = -ENOENT;
    *jpeg = NULL;
    pthread_mutex_lock(&j->lock);
    for (int i = 0; i < SRV_LIVE_FRAMES; i++) {
        const SrvLiveFrame *f = &j->live[i];
        if (f->jpeg && f->frame == n) {
            ret = (*jpeg = malloc(f->size)) ? 0 : -ENOMEM;
            if (*jpeg) {
                memcpy(*jpeg, f->jpeg, f->size);
                *size = f->size;
            }
            break;
        }
    }
    pthread_mutex_unlock(&j->lock);
    return ret;
}

/* Open the finished output as a video (frames for the comparison view) and list it. */
static int open_result(SrvJob *j, const char *path)
{
    SrvServer *s = j->srv;
    SrvVideo *r = NULL;
    char dir[PATH_MAX], name[300];
    int ret;
    if ((ret = srv_make_dir(s->tmp_root, "result-", dir, sizeof(dir))) < 0) {
        snprintf(j->error, sizeof(j->error), "cannot make a directory: %s", strerror(-ret));
        return ret;
    }
    snprintf(name, sizeof(name), "%.200s-removed.mp4", j->video->name);
    if ((ret = srv_video_open(s, path, name, dir, 1, &r, j->error, sizeof(j->error))) < 0) {
        srv_remove_tree(dir);
        return ret;
    }
    if ((ret = srv_video_add(s, r)) < 0) {
        snprintf(j->error, sizeof(j->error), "too many videos are open");
        srv_video_unref(&r);
        return ret;
    }
    pthread_mutex_lock(&j->lock);
    snprintf(j->result_video, sizeof(j->result_video), "%s", r->id);
    pthread_mutex_unlock(&j->lock);
    return 0;
}

/* Settings of the fill from the request's "options" (the inpaint option table). */
static int settings(SrvJob *j, VnInpaintSettings *st)
{
    vn_inpaint_default_settings(st);
    return srv_json_options(vn_inpaint_options(), st,
                            cJSON_GetObjectItemCaseSensitive(j->params, "options"), j->error,
                            sizeof(j->error));
}

int srv_remove_check(const cJSON *params, char *err, size_t err_size)
{
    VnInpaintSettings st;
    vn_inpaint_default_settings(&st);
    return srv_json_options(vn_inpaint_options(), &st,
                            cJSON_GetObjectItemCaseSensitive(params, "options"), err, err_size);
}

int srv_remove_run(SrvJob *j)
{
    SrvVideo *v = j->video;
    VnContext *ctx = NULL;
    LiveSink live = {j, NULL};
    VnInpaintSettings st;
    VnWriterSettings ws;
    VnInpaintSources src;
    char dir[PATH_MAX + 64], masks[PATH_MAX + 128], out[PATH_MAX + 128], still[PATH_MAX + 128];
    int64_t n_frames;
    int ret;
    if ((ret = settings(j, &st)) < 0)
        return ret;
    vn_writer_default_settings(&ws);
    srv_job_status(j, "decode", 0, 0);
    if ((n_frames = srv_video_wait_all(v, &j->cancel)) < 0) {
        snprintf(j->error, sizeof(j->error), "the video could not be decoded: %s", v->decode_error);
        return (int)n_frames;
    }
    j->n_frames = n_frames;
    snprintf(dir, sizeof(dir), "%s/job-%s", v->dir, j->id);
    snprintf(masks, sizeof(masks), "%s/masks", dir);
    snprintf(out, sizeof(out), "%s/result.mp4", dir);
    snprintf(still, sizeof(still), "%s/still.png", dir);
    if (mkdir(dir, 0700) || mkdir(masks, 0700)) {
        snprintf(j->error, sizeof(j->error), "cannot make the job's directory: %s", strerror(errno));
        return -errno;
    }
    if ((ret = srv_open_context(j->srv, &ctx, j->srv->cfg.threads, srv_job_progress, j)) < 0 ||
        (ret = srv_open_context(j->srv, &live.ctx, 1, NULL, NULL)) < 0)
        goto done;
    if ((ret = masks_for(j, ctx, masks, still, n_frames, &src)) < 0)
        goto done;
    j->p_base = 0.05;
    j->p_span = 0.95;
    if ((ret = vn_inpaint_file_sources(ctx, v->path, &src, out, &st, &ws, live_sink, &live)) < 0) {
        snprintf(j->error, sizeof(j->error), "%s", *vn_last_error(ctx) ? vn_last_error(ctx) : vn_strerror(ret));
        goto done;
    }
    snprintf(j->result, sizeof(j->result), "%s", out);
    srv_job_status(j, "done", 1, n_frames);
    ret = open_result(j, out);
done:
    vn_close(&live.ctx);
    vn_close(&ctx);
    return ret;
}
