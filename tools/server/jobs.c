/*
 * Long jobs (tracking, removal, overlay detection): each runs on a thread of its own, reports progress through the
 * library's progress callback and stops when that callback asks to (cancel). Requests only read
 * a job's status, so they never wait for the work.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {"running", "done", "failed", "cancelled"};

/* The kinds of job: the check of the request's parameters, the work, and whether the video
 * must have an object with a mask first. */
typedef struct JobKind {
    const char *name;
    int (*check)(const cJSON *params, char *err, size_t err_size);
    int (*run)(SrvJob *j);
    int needs_objects;
} JobKind;

static const JobKind job_kinds[] = {
    {"track", srv_track_check, srv_track_run, 1},
    {"remove", srv_remove_check, srv_remove_run, 1},
    {"overlay", srv_overlay_check, srv_overlay_run, 0},
};

static const JobKind *find_kind(const char *name)
{
    for (size_t i = 0; i < sizeof(job_kinds) / sizeof(job_kinds[0]); i++)
        if (!strcmp(job_kinds[i].name, name))
            return &job_kinds[i];
    return NULL;
}

/* Let go of the video's flag that a job of `kind` holds (one tracking and one detection at a
 * time per video). */
static void release(SrvVideo *v, const char *kind)
{
    pthread_mutex_lock(&v->lock);
    if (!strcmp(kind, "track"))
        v->busy = 0;
    else if (!strcmp(kind, "overlay"))
        v->detecting = 0;
    pthread_mutex_unlock(&v->lock);
}

int srv_job_progress(void *cookie, const char *stage, double fraction)
{
    SrvJob *j = cookie;
    pthread_mutex_lock(&j->lock);
    if (stage)
        snprintf(j->stage, sizeof(j->stage), "%s", stage);
    if (fraction >= 0 && fraction <= 1) {
        j->progress = j->p_base + j->p_span * fraction;
        if (stage && !strcmp(stage, "inpaint"))
            j->frames_done = (int64_t)(fraction * (double)j->n_frames + 0.5);
    }
    pthread_mutex_unlock(&j->lock);
    return atomic_load(&j->cancel) != 0;
}

void srv_job_status(SrvJob *j, const char *stage, double progress, int64_t frames_done)
{
    pthread_mutex_lock(&j->lock);
    if (stage)
        snprintf(j->stage, sizeof(j->stage), "%s", stage);
    if (progress >= 0)
        j->progress = progress;
    if (frames_done >= 0)
        j->frames_done = frames_done;
    pthread_mutex_unlock(&j->lock);
}

static void job_free(SrvJob *j)
{
    srv_remove_free(j);
    srv_video_unref(&j->video);
    cJSON_Delete(j->params);
    pthread_mutex_destroy(&j->lock);
    free(j);
}

void srv_job_unref(SrvJob **j)
{
    if (j && *j) {
        if (atomic_fetch_sub(&(*j)->refs, 1) == 1)
            job_free(*j);
        *j = NULL;
    }
}

/* The job thread: run, then record how it ended. */
static void *job_main(void *arg)
{
    SrvJob *j = arg;
    int ret = j->run(j);
    pthread_mutex_lock(&j->lock);
    if (ret == VN_ERR_CANCELLED || (ret < 0 && atomic_load(&j->cancel)))
        j->state = SRV_JOB_CANCELLED;
    else if (ret < 0) {
        j->state = SRV_JOB_FAILED;
        if (!j->error[0])
            snprintf(j->error, sizeof(j->error), "%s", vn_strerror(ret));
    } else {
        j->state = SRV_JOB_DONE;
        j->progress = 1;
    }
    pthread_mutex_unlock(&j->lock);
    release(j->video, j->kind);
    return NULL;
}

static int job_running(SrvJob *j)
{
    int r;
    pthread_mutex_lock(&j->lock);
    r = j->state == SRV_JOB_RUNNING;
    pthread_mutex_unlock(&j->lock);
    return r;
}

/* Put a job in the table, dropping the oldest finished job when it is full. */
static int add_job(SrvServer *s, SrvJob *j)
{
    SrvJob *old = NULL;
    int ret = -ENOSPC;
    pthread_mutex_lock(&s->lock);
    for (int pass = 0; pass < 2 && ret < 0; pass++)
        for (int i = 0; i < SRV_MAX_JOBS; i++) {
            if (!s->jobs[i]) {
                s->jobs[i] = j;
                ret = 0;
                break;
            }
            if (pass == 1 && !job_running(s->jobs[i])) {
                old = s->jobs[i];
                s->jobs[i] = j;
                ret = 0;
                break;
            }
        }
    pthread_mutex_unlock(&s->lock);
    if (old) {
        pthread_join(old->thread, NULL);
        srv_job_unref(&old);
    }
    return ret;
}

/* Whether the video has room for one more object. Caller holds v->lock. */
static int object_room(const SrvVideo *v)
{
    for (int i = 0; i < SRV_MAX_OBJECTS; i++)
        if (!v->objects[i].id)
            return 1;
    return 0;
}

/* Claim the video for a job of kind k: one tracking job and one detection at a time per video;
 * a detection needs room for the object it may add, unless it replaces the static one. */
static int claim(SrvVideo *v, const JobKind *k, char *err, size_t err_size)
{
    int ret = 0, detect = !strcmp(k->name, "overlay");
    pthread_mutex_lock(&v->lock);
    if (v->is_result) {
        snprintf(err, err_size, "this video is a result; open the source to work on it");
        ret = -EINVAL;
    } else if (detect ? v->detecting : v->busy) {
        snprintf(err, err_size, "a %s job is already running on this video",
                 detect ? "watermark detection" : "tracking");
        ret = -EBUSY;
    } else if (detect && !object_room(v) && !srv_object_static(v)) {
        snprintf(err, err_size, "at most %d objects per video: delete one to make room for the "
                 "watermark", SRV_MAX_OBJECTS);
        ret = -EBUSY;
    } else if (k->needs_objects && !srv_objects_count(v)) {
        snprintf(err, err_size, "no object has a mask yet: click the object first");
        ret = -EINVAL;
    } else if (detect)
        v->detecting = 1;
    else if (!strcmp(k->name, "track"))
        v->busy = 1;
    pthread_mutex_unlock(&v->lock);
    return ret;
}

int srv_job_start(SrvServer *s, SrvVideo *v, const char *kind, const cJSON *params,
                  SrvJob **out, int *status, char *err, size_t err_size)
{
    const JobKind *k = find_kind(kind);
    SrvJob *j = calloc(1, sizeof(*j));
    int ret;
    *out = NULL;
    *status = 500;
    if (!j || !k || !(j->params = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject())) {
        free(j);
        snprintf(err, err_size, k ? "out of memory" : "no such job kind");
        return k ? -ENOMEM : -EINVAL;
    }
    if ((ret = k->check(params, err, err_size)) < 0) {
        *status = 400;
        cJSON_Delete(j->params);
        free(j);
        return ret;
    }
    pthread_mutex_init(&j->lock, NULL);
    atomic_init(&j->refs, 2); /* the table's and the caller's */
    j->kind = k->name;
    j->run = k->run;
    j->srv = s;
    j->p_span = 1;
    j->live_latest = -1;
    for (int i = 0; i < SRV_LIVE_FRAMES; i++)
        j->live[i].frame = -1;
    snprintf(j->stage, sizeof(j->stage), "starting");
    srv_random_hex(j->id, SRV_ID_HEX);
    if ((ret = claim(v, k, err, err_size)) < 0) {
        *status = ret == -EBUSY ? 409 : 400;
        cJSON_Delete(j->params);
        free(j);
        return ret;
    }
    atomic_fetch_add(&v->refs, 1);
    j->video = v;
    if ((ret = add_job(s, j)) < 0) {
        snprintf(err, err_size, "too many jobs are running; wait for one to finish");
        *status = 503;
        goto fail;
    }
    if ((ret = -pthread_create(&j->thread, NULL, job_main, j)) < 0) {
        snprintf(err, err_size, "cannot start a thread");
        goto fail_table;
    }
    *out = j;
    *status = 202;
    return 0;
fail_table:
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < SRV_MAX_JOBS; i++)
        if (s->jobs[i] == j)
            s->jobs[i] = NULL;
    pthread_mutex_unlock(&s->lock);
fail:
    release(v, k->name);
    atomic_store(&j->refs, 1);
    srv_job_unref(&j);
    return ret;
}

SrvJob *srv_job_get(SrvServer *s, const char *id)
{
    SrvJob *j = NULL;
    if (!id || strlen(id) != SRV_ID_HEX)
        return NULL;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < SRV_MAX_JOBS; i++)
        if (s->jobs[i] && !strcmp(s->jobs[i]->id, id)) {
            j = s->jobs[i];
            atomic_fetch_add(&j->refs, 1);
            break;
        }
    pthread_mutex_unlock(&s->lock);
    return j;
}

cJSON *srv_job_json(SrvJob *j)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    pthread_mutex_lock(&j->lock);
    cJSON_AddStringToObject(o, "id", j->id);
    cJSON_AddStringToObject(o, "kind", j->kind);
    cJSON_AddStringToObject(o, "video", j->video->id);
    cJSON_AddStringToObject(o, "state", state_names[j->state]);
    cJSON_AddStringToObject(o, "stage", j->stage);
    cJSON_AddNumberToObject(o, "progress", j->progress);
    cJSON_AddNumberToObject(o, "frames_done", (double)j->frames_done);
    cJSON_AddNumberToObject(o, "n_frames", (double)j->n_frames);
    if (!strcmp(j->kind, "track"))
        cJSON_AddNumberToObject(o, "masks_written", (double)j->masks_written);
    if (!strcmp(j->kind, "overlay") && j->state == SRV_JOB_DONE) {
        cJSON_AddNumberToObject(o, "object", j->object);
        cJSON_AddNumberToObject(o, "overlay_pixels", (double)j->overlay_pixels);
    }
    if (j->state == SRV_JOB_FAILED)
        cJSON_AddStringToObject(o, "error", j->error);
    if (j->live_latest >= 0)
        cJSON_AddNumberToObject(o, "latest_frame", (double)j->live_latest);
    if (j->result_video[0])
        cJSON_AddStringToObject(o, "result_video", j->result_video);
    pthread_mutex_unlock(&j->lock);
    return o;
}

void srv_jobs_stop_all(SrvServer *s)
{
    for (int i = 0; i < SRV_MAX_JOBS; i++)
        if (s->jobs[i])
            atomic_store(&s->jobs[i]->cancel, 1);
    for (int i = 0; i < SRV_MAX_JOBS; i++)
        if (s->jobs[i]) {
            pthread_join(s->jobs[i]->thread, NULL);
            srv_job_unref(&s->jobs[i]);
        }
}
