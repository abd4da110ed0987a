/*
 * Videos the page works on: the source, its description, and its frame cache (cache.c), which a
 * background thread fills by decoding every frame once.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vanish/inpaint.h"

/* Record the end of the decode (state 1 or a negative error) and wake the waiters. */
static void decode_end(SrvVideo *v, int state, const char *msg)
{
    pthread_mutex_lock(&v->lock);
    v->decode_state = state;
    if (msg)
        snprintf(v->decode_error, sizeof(v->decode_error), "%s", msg);
    pthread_cond_broadcast(&v->cond);
    pthread_mutex_unlock(&v->lock);
}

/* The decoder thread: every frame once, into the cache. */
static void *decode_main(void *arg)
{
    SrvVideo *v = arg;
    VnContext *ctx = NULL;
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int ret;
    VnSettings st;
    vn_default_settings(&st);
    st.n_threads = 1;
    if ((ret = vn_open(&ctx, &st)) < 0 || (ret = vn_video_open(ctx, &r, v->path)) < 0)
        goto fail;
    while ((ret = vn_video_read(r, &f)) > 0) {
        int64_t n = vn_frame_index(f);
        if ((ret = srv_cache_put(v, ctx, n, vn_frame_rgb(f))) < 0)
            goto fail;
        vn_frame_free(&f);
        pthread_mutex_lock(&v->lock);
        v->n_decoded = n + 1;
        ret = v->stop;
        pthread_cond_broadcast(&v->cond);
        pthread_mutex_unlock(&v->lock);
        if (ret)
            break;
    }
    if (ret < 0)
        goto fail;
    decode_end(v, 1, NULL);
    vn_video_close(&r);
    vn_close(&ctx);
    return NULL;
fail:
    decode_end(v, ret < 0 ? ret : -EIO, ctx && *vn_last_error(ctx) ? vn_last_error(ctx) : vn_strerror(ret));
    vn_frame_free(&f);
    vn_video_close(&r);
    vn_close(&ctx);
    return NULL;
}

/* Preview size: the long side at most SRV_PREVIEW_MAX, even sizes, aspect kept. */
static void preview_size(const VnVideoInfo *in, int *w, int *h)
{
    int lng = in->width > in->height ? in->width : in->height;
    if (lng <= SRV_PREVIEW_MAX) {
        *w = in->width;
        *h = in->height;
        return;
    }
    *w = (int)((int64_t)in->width * SRV_PREVIEW_MAX / lng) & ~1;
    *h = (int)((int64_t)in->height * SRV_PREVIEW_MAX / lng) & ~1;
    if (*w < 2)
        *w = 2;
    if (*h < 2)
        *h = 2;
}

/* Free a video that no thread uses any more. */
static void video_free(SrvVideo *v)
{
    if (!v)
        return;
    if (v->decoder_started) {
        pthread_mutex_lock(&v->lock);
        v->stop = 1;
        pthread_mutex_unlock(&v->lock);
        pthread_join(v->decoder, NULL);
    }
    srv_segment_free(v);
    srv_objects_free(v);
    srv_cache_free(v);
    pthread_mutex_destroy(&v->fetch_lock);
    pthread_mutex_destroy(&v->lock);
    pthread_mutex_destroy(&v->seg_lock);
    pthread_cond_destroy(&v->cond);
    srv_remove_tree(v->dir);
    free(v);
}

/* Read the description of the source; fails with a message for anything unusable. */
static int describe(SrvServer *s, SrvVideo *v, char *err, size_t err_size)
{
    VnContext *ctx = NULL;
    VnVideoReader *r = NULL;
    int ret = srv_open_context(s, &ctx, 1, NULL, NULL);
    if (ret < 0) {
        snprintf(err, err_size, "cannot start: %s", vn_strerror(ret));
        return ret;
    }
    if ((ret = vn_video_open(ctx, &r, v->path)) < 0)
        snprintf(err, err_size, "%s", *vn_last_error(ctx) ? vn_last_error(ctx) : vn_strerror(ret));
    else
        v->info = *vn_video_info(r);
    vn_video_close(&r);
    vn_close(&ctx);
    return ret;
}

/* Make the cache directories of a video. */
static int make_cache_dirs(SrvVideo *v)
{
    char p[PATH_MAX + 8];
    snprintf(p, sizeof(p), "%s/prev", v->dir);
    if (mkdir(p, 0700) && errno != EEXIST)
        return -errno;
    snprintf(p, sizeof(p), "%s/full", v->dir);
    if (mkdir(p, 0700) && errno != EEXIST)
        return -errno;
    return 0;
}

int srv_video_open(SrvServer *s, const char *path, const char *name, const char *dir,
                   int is_result, SrvVideo **out, char *err, size_t err_size)
{
    SrvVideo *v = calloc(1, sizeof(*v));
    int ret;
    *out = NULL;
    if (!v) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    atomic_init(&v->refs, 1);
    pthread_mutex_init(&v->lock, NULL);
    pthread_mutex_init(&v->seg_lock, NULL);
    pthread_mutex_init(&v->fetch_lock, NULL);
    pthread_cond_init(&v->cond, NULL);
    srv_cache_init(v, s->cfg.cache_bytes);
    v->seg_frame = -1;
    v->is_result = is_result;
    snprintf(v->path, sizeof(v->path), "%s", path);
    snprintf(v->dir, sizeof(v->dir), "%s", dir);
    srv_safe_name(name, v->name, sizeof(v->name));
    if ((ret = srv_random_hex(v->id, SRV_ID_HEX)) < 0 || (ret = describe(s, v, err, err_size)) < 0)
        goto fail;
    preview_size(&v->info, &v->pw, &v->ph);
    if ((ret = make_cache_dirs(v)) < 0) {
        snprintf(err, err_size, "cannot make the frame cache: %s", strerror(-ret));
        goto fail;
    }
    if ((ret = -pthread_create(&v->decoder, NULL, decode_main, v)) < 0) {
        snprintf(err, err_size, "cannot start the decoder thread");
        goto fail;
    }
    v->decoder_started = 1;
    *out = v;
    return 0;
fail:
    v->dir[0] = '\0'; /* the caller owns the directory until the video opened */
    video_free(v);
    return ret;
}

int srv_video_add(SrvServer *s, SrvVideo *v)
{
    int ret = -ENOSPC;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < SRV_MAX_VIDEOS; i++)
        if (!s->videos[i]) {
            s->videos[i] = v;
            ret = 0;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    return ret;
}

SrvVideo *srv_video_get(SrvServer *s, const char *id)
{
    SrvVideo *v = NULL;
    if (!id || strlen(id) != SRV_ID_HEX)
        return NULL;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < SRV_MAX_VIDEOS; i++)
        if (s->videos[i] && !strcmp(s->videos[i]->id, id)) {
            v = s->videos[i];
            atomic_fetch_add(&v->refs, 1);
            break;
        }
    pthread_mutex_unlock(&s->lock);
    return v;
}

void srv_video_unref(SrvVideo **v)
{
    if (v && *v) {
        if (atomic_fetch_sub(&(*v)->refs, 1) == 1)
            video_free(*v);
        *v = NULL;
    }
}

int srv_video_remove(SrvServer *s, const char *id)
{
    SrvVideo *v = NULL;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < SRV_MAX_VIDEOS; i++)
        if (s->videos[i] && !strcmp(s->videos[i]->id, id)) {
            v = s->videos[i];
            s->videos[i] = NULL;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    if (!v)
        return -ENOENT;
    pthread_mutex_lock(&v->lock);
    v->stop = 1;
    pthread_mutex_unlock(&v->lock);
    srv_video_unref(&v);
    return 0;
}

void srv_video_release_all(SrvServer *s)
{
    for (int i = 0; i < SRV_MAX_VIDEOS; i++)
        if (s->videos[i])
            srv_video_remove(s, s->videos[i]->id);
}

/* A rational as JSON: [num, den]. */
static cJSON *rational(VnRational r)
{
    int v[2] = {r.num, r.den};
    return cJSON_CreateIntArray(v, 2);
}

cJSON *srv_video_json(SrvVideo *v)
{
    cJSON *j = cJSON_CreateObject();
    const VnVideoInfo *in = &v->info;
    if (!j)
        return NULL;
    cJSON_AddStringToObject(j, "id", v->id);
    cJSON_AddStringToObject(j, "name", v->name);
    cJSON_AddBoolToObject(j, "result", v->is_result);
    cJSON_AddNumberToObject(j, "width", in->width);
    cJSON_AddNumberToObject(j, "height", in->height);
    cJSON_AddNumberToObject(j, "preview_width", v->pw);
    cJSON_AddNumberToObject(j, "preview_height", v->ph);
    cJSON_AddItemToObject(j, "frame_rate", rational(in->frame_rate));
    cJSON_AddNumberToObject(j, "n_frames_header", (double)in->n_frames_header);
    cJSON_AddNumberToObject(j, "duration", in->duration);
    cJSON_AddNumberToObject(j, "rotation", in->rotation);
    cJSON_AddStringToObject(j, "codec", in->codec);
    cJSON_AddStringToObject(j, "container", in->container);
    cJSON_AddNumberToObject(j, "n_audio", in->n_audio);
    pthread_mutex_lock(&v->lock);
    cJSON_AddNumberToObject(j, "n_decoded", (double)v->n_decoded);
    cJSON_AddBoolToObject(j, "decoded", v->decode_state == 1);
    cJSON_AddNumberToObject(j, "n_frames", v->decode_state == 1 ? (double)v->n_decoded : -1);
    if (v->decode_state < 0)
        cJSON_AddStringToObject(j, "error", v->decode_error);
    cJSON_AddItemToObject(j, "objects", srv_objects_json(v));
    cJSON_AddBoolToObject(j, "busy", v->busy);
    cJSON_AddItemToObject(j, "cache", srv_cache_json(v));
    pthread_mutex_unlock(&v->lock);
    return j;
}

/* Absolute deadline timeout_ms from now. */
static struct timespec deadline(int timeout_ms)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += timeout_ms / 1000;
    t.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

int srv_video_wait_frame(SrvVideo *v, int64_t n, int timeout_ms)
{
    struct timespec t = deadline(timeout_ms);
    int ret = 0;
    pthread_mutex_lock(&v->lock);
    while (v->n_decoded <= n && v->decode_state == 0 && ret == 0)
        if (pthread_cond_timedwait(&v->cond, &v->lock, &t) == ETIMEDOUT)
            ret = -ETIMEDOUT;
    if (v->n_decoded > n)
        ret = 0;
    else if (v->decode_state == 1)
        ret = -ENOENT;
    else if (v->decode_state < 0)
        ret = v->decode_state;
    pthread_mutex_unlock(&v->lock);
    return ret;
}

int64_t srv_video_wait_all(SrvVideo *v, atomic_int *cancel)
{
    int64_t ret;
    pthread_mutex_lock(&v->lock);
    while (v->decode_state == 0 && !(cancel && atomic_load(cancel))) {
        struct timespec t = deadline(200);
        pthread_cond_timedwait(&v->cond, &v->lock, &t);
    }
    ret = v->decode_state == 1 ? v->n_decoded : v->decode_state < 0 ? v->decode_state : VN_ERR_CANCELLED;
    pthread_mutex_unlock(&v->lock);
    return ret;
}
