/*
 * The tracking job: from the masks the user drew (keyframes), a mask for every frame of every
 * object. Masks made by an earlier run are replaced; keyframes are kept, so correcting a frame
 * and tracking again refines the result.
 *
 * The first time, every object is tracked by vn_track_video (include/vanish/track.h) from its
 * keyframes. After that, tracking again with the same options gives vn_track_video_edit the
 * keyframes of the last track and those edited since, so that only the frames whose mask
 * depends on an edit are tracked again (the same masks as a whole track, in less time).
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

/* A re-track: the keyframes of the last track and those edited since (both malloc'ed). */
typedef struct Retrack {
    int64_t *old, *edited;
    VnTrackEdit e;
} Retrack;

/* Receives the tracked mask of each frame, stored for the object. A key frame stays a key: the
 * tracker gives its own mask back there, or, for a watermark held still, the footprint grown from
 * it, which is what Remove takes away. */
static int sink(void *cookie, int64_t frame, const VnImage *mask)
{
    Sink *k = cookie;
    SrvVideo *v = k->job->video;
    SrvObject *o;
    const SrvMask *old;
    SrvMask *m;
    int ret = 0;
    pthread_mutex_lock(&v->lock);
    o = srv_object_find(v, k->id);
    if (o && !o->is_static) {
        int key = (old = srv_object_mask(o, frame)) && old->key;
        ret = (m = srv_mask_from_image(mask, key)) ? srv_object_set(v, o, frame, m) : -ENOMEM;
    }
    pthread_mutex_unlock(&v->lock);
    srv_job_status(k->job, NULL, -1, frame + 1);
    pthread_mutex_lock(&k->job->lock);
    k->job->masks_written++;
    pthread_mutex_unlock(&k->job->lock);
    return ret;
}

/*
 * Whether object id can be re-tracked from its last track: 1 with r filled (free r->old and
 * r->edited) when it was tracked with the same options `opts`; the edits kept are those of frames
 * that are keyframes now (a removed keyframe shows in the keyframe lists). 0: track it whole.
 */
static int plan_retrack(SrvVideo *v, int id, const VnTrackKey *keys, int n, const char *opts,
                        int64_t n_frames, Retrack *r)
{
    SrvObject *o;
    int ok = 0;
    memset(r, 0, sizeof(*r));
    pthread_mutex_lock(&v->lock);
    o = srv_object_find(v, id);
    if (o && o->track_keys && !strcmp(o->track_opts, opts) &&
        (r->old = malloc((size_t)o->n_track_keys * sizeof(int64_t))) &&
        (r->edited = malloc((size_t)(o->n_edited + 1) * sizeof(int64_t)))) {
        memcpy(r->old, o->track_keys, (size_t)o->n_track_keys * sizeof(int64_t));
        r->e = (VnTrackEdit){r->old, o->n_track_keys, r->edited, 0, n_frames};
        for (int i = 0; i < o->n_edited; i++)
            for (int k = 0; k < n; k++)
                if (keys[k].frame == o->edited[i])
                    r->edited[r->e.n_edited++] = o->edited[i];
        ok = 1;
    }
    pthread_mutex_unlock(&v->lock);
    if (!ok) {
        free(r->old);
        memset(r, 0, sizeof(*r));
    }
    return ok;
}

/* Remember what object id was tracked from, for the next re-track. */
static int remember(SrvVideo *v, int id, const VnTrackKey *keys, int n, const char *opts)
{
    int64_t *frames = malloc((size_t)n * sizeof(*frames));
    SrvObject *o;
    int ret = frames ? 0 : -ENOMEM;
    for (int i = 0; frames && i < n; i++)
        frames[i] = keys[i].frame;
    pthread_mutex_lock(&v->lock);
    if (frames && (o = srv_object_find(v, id)))
        ret = srv_object_tracked(o, frames, n, opts);
    pthread_mutex_unlock(&v->lock);
    free(frames);
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
    for (int64_t f = 0; o && !o->is_static && f < o->cap && ret >= 0; f++) {
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

/* Track object id through the video with the library's tracker: only what the edits since the
 * last track affect, when it can. */
static int track_object(SrvJob *j, VnContext *ctx, const VnTrackSettings *st, const char *opts, int id,
                        int index, int count)
{
    VnTrackKey *keys = NULL;
    Sink k = {j, id};
    Retrack r;
    int n = collect_keys(j->video, id, &keys);
    int64_t ret;
    if (n <= 0)
        return n;
    j->p_base = (double)index / count;
    j->p_span = 1.0 / count;
    if (plan_retrack(j->video, id, keys, n, opts, j->n_frames, &r))
        ret = vn_track_video_edit(ctx, j->video->path, keys, n, &r.e, st, sink, &k);
    else
        ret = vn_track_video(ctx, j->video->path, keys, n, st, sink, &k);
    free(r.old);
    free(r.edited);
    if (ret >= 0)
        ret = remember(j->video, id, keys, n, opts);
    if (ret < 0 && ret != VN_ERR_CANCELLED)
        snprintf(j->error, sizeof(j->error), "tracking object %d: %s", id,
                 *vn_last_error(ctx) ? vn_last_error(ctx) : vn_strerror((int)ret));
    for (int i = 0; i < n; i++)
        vn_image_free((VnImage **)&keys[i].mask);
    free(keys);
    return ret < 0 ? (int)ret : 0;
}

/* Every object, one after the other. */
static int track_all(SrvJob *j, const int *ids, int n)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(j->params, "options");
    VnTrackSettings st;
    VnContext *ctx = NULL;
    char *opts = NULL;
    int ret;
    vn_track_default_settings(&st);
    if ((ret = srv_json_options(vn_track_options(), &st, o, j->error, sizeof(j->error))) < 0)
        return ret;
    if (!(opts = o ? cJSON_PrintUnformatted(o) : strdup("null")))
        return -ENOMEM;
    if ((ret = srv_open_context(j->srv, &ctx, j->srv->cfg.threads, srv_job_progress, j)) >= 0)
        for (int i = 0; i < n && ret >= 0; i++)
            ret = track_object(j, ctx, &st, opts, ids[i], i, n);
    vn_close(&ctx);
    free(opts);
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
