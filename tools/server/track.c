/*
 * The tracking job: from the masks the user drew (keyframes), a mask for every frame of every
 * object. Masks made by an earlier run are replaced; keyframes are kept, so correcting a frame
 * and tracking again refines the result.
 *
 * With the tracking module (include/vanish/track.h, SRV_HAVE_TRACK) every object is tracked by
 * vn_track_video from its keyframes; without it each frame takes the mask of its nearest
 * keyframe (the right answer for a static logo or watermark, the usual case).
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef SRV_HAVE_TRACK
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
#else
int srv_track_available(void)
{
    return 0;
}

cJSON *srv_track_options_json(void)
{
    return cJSON_CreateArray();
}

int srv_track_check(const cJSON *params, char *err, size_t err_size)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(params, "options");
    if (o && !cJSON_IsNull(o) && (!cJSON_IsObject(o) || o->child)) {
        snprintf(err, err_size, "this build has no tracker options");
        return -EINVAL;
    }
    return 0;
}
#endif

#ifndef SRV_HAVE_TRACK
/* The keyframe nearest to frame n (the earlier one on a tie), or -1. */
static int64_t nearest_key(const SrvObject *o, int64_t n, int64_t n_frames)
{
    for (int64_t d = 0; d < n_frames; d++) {
        if (n - d >= 0 && n - d < o->cap && o->masks[n - d] && o->masks[n - d]->key)
            return n - d;
        if (n + d < n_frames && n + d < o->cap && o->masks[n + d] && o->masks[n + d]->key)
            return n + d;
        if (n - d < 0 && n + d >= n_frames)
            break;
    }
    return -1;
}

/* Give every frame of object `id` that has no keyframe the mask of its nearest keyframe.
 * Works in slices of frames under the video lock, reporting progress between them. */
static int propagate_object(SrvJob *j, int id, int64_t n_frames, int index, int count)
{
    SrvVideo *v = j->video;
    int ret = 0;
    for (int64_t f0 = 0; f0 < n_frames && ret >= 0; f0 += 64) {
        pthread_mutex_lock(&v->lock);
        SrvObject *o = srv_object_find(v, id);
        for (int64_t f = f0; o && f < f0 + 64 && f < n_frames && ret >= 0; f++) {
            int64_t k;
            if (f < o->cap && o->masks[f] && o->masks[f]->key)
                continue;
            k = nearest_key(o, f, n_frames);
            if (k < 0)
                ret = srv_object_set(v, o, f, NULL);
            else {
                SrvMask *m = srv_mask_dup(o->masks[k], 0);
                ret = m ? srv_object_set(v, o, f, m) : -ENOMEM;
            }
        }
        pthread_mutex_unlock(&v->lock);
        if (srv_job_progress(j, "track", ((double)index + (double)(f0 + 64) / (double)n_frames) / count))
            return VN_ERR_CANCELLED;
        srv_job_status(j, NULL, -1, f0 + 64 < n_frames ? f0 + 64 : n_frames);
    }
    return ret;
}
#endif

#ifdef SRV_HAVE_TRACK
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
#else
/* Without the tracker: nearest-keyframe propagation. */
static int track_all(SrvJob *j, const int *ids, int n)
{
    int ret = 0;
    for (int i = 0; i < n && ret >= 0; i++)
        ret = propagate_object(j, ids[i], j->n_frames, i, n);
    return ret;
}
#endif

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
