/*
 * The removal job: the masks of every object on every frame are written as a directory of PNGs
 * (the union, one per frame; one PNG for every frame when every object is static, a watermark
 * found by detection, which the library then takes as an overlay), vn_inpaint_file_sink fills the video, handing each finished frame
 * to the job (the latest few are kept, small, for the page to show as they come), and the result
 * is opened as a video of its own so that the page can show and compare its frames.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "vanish/inpaint.h"

/* Whether every object that has a mask is static (and one has): the union is then the same on
 * every frame. */
static int all_static(SrvVideo *v)
{
    int n = 0, other = 0;
    pthread_mutex_lock(&v->lock);
    for (int i = 0; i < SRV_MAX_OBJECTS; i++) {
        const SrvObject *o = &v->objects[i];
        if (o->id && o->is_static)
            n += o->still != NULL;
        else if (o->id)
            for (int64_t f = 0; f < o->cap && !other; f++)
                other = o->masks[f] != NULL;
    }
    pthread_mutex_unlock(&v->lock);
    return n > 0 && !other;
}

/* Write the union of the objects' masks of every frame to dir/%05d.png, or of frame 0 to `still`
 * when it is not NULL (every object static). */
static int write_masks(SrvJob *j, VnContext *ctx, const char *dir, const char *still,
                       int64_t n_frames)
{
    SrvVideo *v = j->video;
    VnImage *img = NULL;
    char path[PATH_MAX + 160];
    int ret = vn_image_alloc(&img, v->info.width, v->info.height, 1, VN_U8);
    if (still)
        n_frames = 1;
    for (int64_t n = 0; ret >= 0 && n < n_frames; n++) {
        memset(img->data, 0, (size_t)img->stride * (size_t)img->height);
        pthread_mutex_lock(&v->lock);
        srv_masks_paint(v, n, img, 1);
        pthread_mutex_unlock(&v->lock);
        snprintf(path, sizeof(path), "%s/%05lld.png", dir, (long long)n);
        if (still)
            snprintf(path, sizeof(path), "%s", still);
        if ((ret = vn_mask_save_png(ctx, path, img, 1)) < 0)
            snprintf(j->error, sizeof(j->error), "cannot write the masks: %s", vn_last_error(ctx));
        else if (srv_job_progress(j, "masks", (double)(n + 1) / (double)n_frames))
            ret = VN_ERR_CANCELLED;
    }
    vn_image_free(&img);
    return ret;
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
 * Receives each finished frame from vn_inpaint_file_sink: keeps it, as a preview-size JPEG, in
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
    j->p_span = 0.05;
    if (!all_static(v))
        still[0] = '\0';
    if ((ret = write_masks(j, ctx, masks, still[0] ? still : NULL, n_frames)) < 0)
        goto done;
    j->p_base = 0.05;
    j->p_span = 0.95;
    if ((ret = vn_inpaint_file_sink(ctx, v->path, still[0] ? still : masks, out, &st, &ws,
                                    live_sink, &live)) < 0) {
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
