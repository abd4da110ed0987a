/*
 * The tracking job: from the masks the user drew (keyframes), a mask for every frame of every
 * object. Masks made by an earlier run are replaced; keyframes are kept, so correcting a frame
 * and tracking again refines the result.
 *
 * Every object is tracked by vn_track_video (include/vanish/track.h) from its keyframes.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vanish/track.h"

int srv_track_available(void)
{
    return 1;
}

cJSON *srv_track_options_json(void)
{
    return srv_options_json(vn_track_options());
}

int srv_track_check(const cJSON *params, char *err, size_t err_size)
{
    VnTrackSettings st;
    vn_track_default_settings(&st);
    return srv_json_options(vn_track_options(), &st,
                            cJSON_GetObjectItemCaseSensitive(params, "options"), err, err_size);
}


typedef struct Sink {
    SrvJob *job;
    int id;
} Sink;

/* Receives the tracked mask of each frame: stored for the object unless the frame is a key. */
static int sink(void *cookie, int64_t frame, const VnImage *mask)
{
    Sink *k = cookie;
    SrvVideo *v = k->job->video;
    SrvObject *o;
    SrvMask *m;
    int ret = 0;
    pthread_mutex_lock(&v->lock);
    o = srv_object_find(v, k->id);
    if (o && !(frame < o->cap && o->masks[frame] && o->masks[frame]->key))
        ret = (m = srv_mask_from_image(mask, 0)) ? srv_object_set(v, o, frame, m) : -ENOMEM;
    pthread_mutex_unlock(&v->lock);
    srv_job_status(k->job, NULL, -1, frame + 1);
    return ret;
}

/* The keyframes of object id as images (value 1): their count, or a negative error. */
static int collect_keys(SrvVideo *v, int id, VnTrackKey **keys)
{
    SrvObject *o;
    int n = 0, ret = 0;
    *keys = NULL;
    pthread_mutex_lock(&v->lock);
    o = srv_object_find(v, id);
    for (int64_t f = 0; o && f < o->cap && ret >= 0; f++) {
        VnImage *img = NULL;
        VnTrackKey *k;
        if (!o->masks[f] || !o->masks[f]->key)
            continue;
        if (!(k = realloc(*keys, (size_t)(n + 1) * sizeof(**keys))) ||
            (ret = vn_image_alloc(&img, v->info.width, v->info.height, 1, VN_U8)) < 0) {
            ret = k ? ret : -ENOMEM;
            if (k)
                *keys = k;
            break;
        }
        *keys = k;
        srv_mask_paint(o->masks[f], img, 1);
        k[n++] = (VnTrackKey){f, img};
    }
    pthread_mutex_unlock(&v->lock);
    if (ret < 0) {
        for (int i = 0; i < n; i++)
            vn_image_free((VnImage **)&(*keys)[i].mask);
        free(*keys);
        *keys = NULL;
    }
    return ret < 0 ? ret : n;
}

/* Track object id through the video with the library's tracker. */
static int track_object(SrvJob *j, VnContext *ctx, const VnTrackSettings *st, int id, int index,
                        int count)
{
    VnTrackKey *keys = NULL;
    Sink k = {j, id};
    int n = collect_keys(j->video, id, &keys);
    int64_t ret;
    if (n <= 0)
        return n;
    j->p_base = (double)index / count;
    j->p_span = 1.0 / count;
    ret = vn_track_video(ctx, j->video->path, keys, n, st, sink, &k);
    if (ret < 0 && ret != VN_ERR_CANCELLED)
        snprintf(j->error, sizeof(j->error), "tracking object %d: %s", id, vn_last_error(ctx));
    for (int i = 0; i < n; i++)
        vn_image_free((VnImage **)&keys[i].mask);
    free(keys);
    return ret < 0 ? (int)ret : 0;
}

/* Every object, one after the other. */
static int track_all(SrvJob *j, const int *ids, int n)
{
    VnTrackSettings st;
    VnContext *ctx = NULL;
    int ret;
    vn_track_default_settings(&st);
    if ((ret = srv_json_options(vn_track_options(), &st, cJSON_GetObjectItemCaseSensitive(j->params, "options"),
                                j->error, sizeof(j->error))) < 0 ||
        (ret = srv_open_context(j->srv, &ctx, j->srv->cfg.threads, srv_job_progress, j)) < 0)
        return ret;
    for (int i = 0; i < n && ret >= 0; i++)
        ret = track_object(j, ctx, &st, ids[i], i, n);
    vn_close(&ctx);
    return ret;
}

int srv_track_run(SrvJob *j)
{
    SrvVideo *v = j->video;
    int ids[SRV_MAX_OBJECTS], n = 0, ret = 0;
    int64_t n_frames;
    srv_job_status(j, "decode", 0, 0);
    if ((n_frames = srv_video_wait_all(v, &j->cancel)) < 0) {
        snprintf(j->error, sizeof(j->error), "the video could not be decoded: %s", v->decode_error);
        return (int)n_frames;
    }
    j->n_frames = n_frames;
    pthread_mutex_lock(&v->lock);
    for (int i = 0; i < SRV_MAX_OBJECTS; i++)
        if (v->objects[i].id)
            ids[n++] = v->objects[i].id;
    pthread_mutex_unlock(&v->lock);
    ret = track_all(j, ids, n);
    if (ret < 0 && ret != VN_ERR_CANCELLED && !j->error[0])
        snprintf(j->error, sizeof(j->error), "tracking failed: %s", vn_strerror(ret));
    return ret;
}
