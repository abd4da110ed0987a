/*
 * Long jobs (tracking, removal): each runs on a thread of its own, reports progress through the
 * library's progress callback and stops when that callback asks to (cancel). Requests only read
 * a job's status, so they never wait for the work.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_names[] = {"running", "done", "failed", "cancelled"};

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
    if (!strcmp(j->kind, "track")) {
        pthread_mutex_lock(&j->video->lock);
        j->video->busy = 0;
        pthread_mutex_unlock(&j->video->lock);
    }
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

/* Claim the video for a job of `kind`: one tracking job at a time per video. */
static int claim(SrvVideo *v, const char *kind, char *err, size_t err_size)
{
    int ret = 0;
    pthread_mutex_lock(&v->lock);
    if (v->is_result) {
        snprintf(err, err_size, "this video is a result; open the source to work on it");
        ret = -EINVAL;
    } else if (v->busy) {
        snprintf(err, err_size, "a tracking job is already running on this video");
        ret = -EBUSY;
    } else if (!srv_objects_count(v)) {
        snprintf(err, err_size, "no object has a mask yet: click the object first");
        ret = -EINVAL;
    } else if (!strcmp(kind, "track"))
        v->busy = 1;
    pthread_mutex_unlock(&v->lock);
    return ret;
}

int srv_job_start(SrvServer *s, SrvVideo *v, const char *kind, const cJSON *params,
                  SrvJob **out, int *status, char *err, size_t err_size)
{
    SrvJob *j = calloc(1, sizeof(*j));
    int ret, is_track = !strcmp(kind, "track");
    *out = NULL;
    *status = 500;
    if (!j || !(j->params = params ? cJSON_Duplicate(params, 1) : cJSON_CreateObject())) {
        free(j);
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    if ((ret = is_track ? srv_track_check(params, err, err_size) : srv_remove_check(params, err, err_size)) < 0) {
        *status = 400;
        cJSON_Delete(j->params);
        free(j);
        return ret;
    }
    pthread_mutex_init(&j->lock, NULL);
    atomic_init(&j->refs, 2); /* the table's and the caller's */
    j->kind = is_track ? "track" : "remove";
    j->run = is_track ? srv_track_run : srv_remove_run;
    j->srv = s;
    j->p_span = 1;
    j->live_latest = -1;
    for (int i = 0; i < SRV_LIVE_FRAMES; i++)
        j->live[i].frame = -1;
    snprintf(j->stage, sizeof(j->stage), "starting");
    srv_random_hex(j->id, SRV_ID_HEX);
    if ((ret = claim(v, kind, err, err_size)) < 0) {
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
    if (is_track) {
        pthread_mutex_lock(&v->lock);
        v->busy = 0;
        pthread_mutex_unlock(&v->lock);
    }
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
