/*
 * The tracking job: from the masks the user drew (keyframes), a mask for every frame of every
 * object. Masks made by an earlier run are replaced; keyframes are kept, so correcting a frame
 * and tracking again refines the result.
 *
 * Until the tracking module (include/vanish/track.h) exists, each frame takes the mask of its
 * nearest keyframe (the right answer for a static logo or watermark, the usual case); the
 * seam is propagate_object().
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int srv_track_available(void)
{
    return 0;
}

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
    for (int i = 0; i < n && ret >= 0; i++)
        ret = propagate_object(j, ids[i], n_frames, i, n);
    if (ret < 0 && ret != VN_ERR_CANCELLED)
        snprintf(j->error, sizeof(j->error), "tracking failed: %s", vn_strerror(ret));
    return ret;
}
