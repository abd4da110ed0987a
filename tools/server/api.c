/*
 * The JSON HTTP API (docs/http-api.md): routing of complete requests to videos, objects,
 * segmentation and jobs. Every field is validated before use; every failure is answered with
 * {"error": "message"} and a 4xx/5xx status.
 */
#include "srv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vanish/inpaint.h"
#include "vanish/overlay.h"
#include "vanish/segment.h"

#define MAX_PARTS 8

/* The URL split at '/': "/api/videos/x/frames/3" → {"api", "videos", "x", "frames", "3"}. */
typedef struct Route {
    char buf[512];
    const char *p[MAX_PARTS];
    int n;
} Route;

static int split(const char *url, Route *r)
{
    char *save = NULL, *tok;
    if (strlen(url) >= sizeof(r->buf))
        return -1;
    strcpy(r->buf, url);
    r->n = 0;
    for (tok = strtok_r(r->buf, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (r->n == MAX_PARTS)
            return -1;
        r->p[r->n++] = tok;
    }
    return 0;
}

/* A non-negative decimal number of at most 9 digits, else -1. */
static int64_t number(const char *s)
{
    int64_t v = 0;
    size_t n = strlen(s);
    if (!n || n > 9)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* Parse the request's JSON body (an object); NULL with a 400 answered when bad. */
static cJSON *body_json(struct MHD_Connection *c, SrvRequest *r, enum MHD_Result *res)
{
    cJSON *j = r->body_len ? cJSON_ParseWithLength(r->body, r->body_len) : cJSON_CreateObject();
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        *res = srv_send_error(c, 400, "the request body is not a JSON object");
        return NULL;
    }
    return j;
}

/* ---- /api/options, /api/health ------------------------------------------------------------- */

static enum MHD_Result get_options(struct MHD_Connection *c)
{
    cJSON *j = cJSON_CreateObject();
    if (j) {
        cJSON_AddItemToObject(j, "inpaint", srv_options_json(vn_inpaint_options()));
        cJSON_AddItemToObject(j, "segment", srv_options_json(vn_segment_options()));
        cJSON_AddItemToObject(j, "track", srv_track_options_json());
        cJSON_AddItemToObject(j, "overlay", srv_options_json(vn_overlay_options()));
    }
    return srv_send_json(c, 200, j);
}

static enum MHD_Result get_health(SrvServer *s, struct MHD_Connection *c)
{
    cJSON *j = cJSON_CreateObject();
    if (j) {
        cJSON_AddStringToObject(j, "input", s->input_id);
        cJSON_AddStringToObject(j, "version", vn_version());
        cJSON_AddBoolToObject(j, "segment", srv_segment_available());
        cJSON_AddBoolToObject(j, "track", srv_track_available());
        cJSON_AddBoolToObject(j, "overlay", 1);
        cJSON_AddNumberToObject(j, "max_objects", SRV_MAX_OBJECTS);
    }
    return srv_send_json(c, 200, j);
}

/* ---- opening videos ------------------------------------------------------------------------ */

/* Open path as a new video with working directory dir (taken over) and answer its info. */
static enum MHD_Result open_and_answer(SrvServer *s, struct MHD_Connection *c, const char *path,
                                       const char *name, const char *dir)
{
    SrvVideo *v = NULL;
    char err[512];
    if (srv_video_open(s, path, name, dir, 0, &v, err, sizeof(err)) < 0) {
        const char *msg = err;
        size_t n = strlen(path);
        srv_remove_tree(dir);
        if (!strncmp(err, path, n) && err[n] == ':')
            msg = err + n + 1 + (err[n + 1] == ' '); /* the page knows the name; keep our paths */
        return srv_send_error(c, 400, "%s: %s", name, msg);
    }
    if (srv_video_add(s, v) < 0) {
        srv_video_unref(&v);
        return srv_send_error(c, 503, "too many videos are open; close one first");
    }
    return srv_send_json(c, 201, srv_video_json(v));
}

static enum MHD_Result open_path(SrvServer *s, struct MHD_Connection *c, SrvRequest *r)
{
    enum MHD_Result res;
    cJSON *j = body_json(c, r, &res);
    const cJSON *p;
    char real[PATH_MAX], dir[PATH_MAX];
    int ret;
    if (!j)
        return res;
    p = cJSON_GetObjectItemCaseSensitive(j, "path");
    if (!cJSON_IsString(p)) {
        cJSON_Delete(j);
        return srv_send_error(c, 400, "'path' must be a string");
    }
    ret = srv_path_allowed(s, p->valuestring, real, sizeof(real));
    cJSON_Delete(j);
    if (ret == -ENOENT)
        return srv_send_error(c, 404, "no such file");
    if (ret == -EISDIR)
        return srv_send_error(c, 400, "that is a directory; give a video file");
    if (ret < 0)
        return srv_send_error(c, 403, "that path is outside the allowed directories (see --allow)");
    if ((ret = srv_make_dir(s->tmp_root, "video-", dir, sizeof(dir))) < 0)
        return srv_send_error(c, 500, "cannot make a working directory: %s", strerror(-ret));
    return open_and_answer(s, c, real, real, dir);
}

int srv_upload_begin(SrvServer *s, struct MHD_Connection *c, SrvRequest *r, char *err,
                     size_t err_size)
{
    const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    char safe[200];
    int ret;
    r->limit = s->cfg.max_upload;
    if (len && strtoll(len, NULL, 10) > r->limit) {
        snprintf(err, err_size, "the file is larger than the upload limit of %lld MB",
                 (long long)(r->limit >> 20));
        return 413;
    }
    srv_safe_name(name ? name : "upload", safe, sizeof(safe));
    snprintf(r->name, sizeof(r->name), "%s", safe);
    if ((ret = srv_make_dir(s->tmp_root, "video-", r->dir, sizeof(r->dir))) < 0) {
        r->dir[0] = '\0';
        snprintf(err, err_size, "cannot make a working directory: %s", strerror(-ret));
        return 500;
    }
    snprintf(r->file, sizeof(r->file), "%s/source-%s", r->dir, safe);
    if ((r->fd = open(r->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, err_size, "cannot store the upload: %s", strerror(errno));
        return 500;
    }
    r->upload = 1;
    return 0;
}

int srv_upload_data(SrvRequest *r, const char *data, size_t size)
{
    if (r->failed)
        return 0;
    if (r->received + (int64_t)size > r->limit) {
        r->failed = 413;
        snprintf(r->fail_msg, sizeof(r->fail_msg), "the file is larger than the upload limit of %lld MB",
                 (long long)(r->limit >> 20));
        return -EFBIG;
    }
    while (size) {
        ssize_t w = write(r->fd, data, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            r->failed = 507;
            snprintf(r->fail_msg, sizeof(r->fail_msg), "cannot store the upload: %s", strerror(errno));
            return -EIO;
        }
        data += w;
        size -= (size_t)w;
        r->received += w;
    }
    return 0;
}

void srv_request_free(SrvRequest *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    if (r->dir[0])
        srv_remove_tree(r->dir);
    free(r->body);
    free(r);
}

static enum MHD_Result finish_upload(SrvServer *s, struct MHD_Connection *c, SrvRequest *r)
{
    char dir[PATH_MAX];
    if (close(r->fd)) {
        r->fd = -1;
        return srv_send_error(c, 507, "cannot store the upload");
    }
    r->fd = -1;
    if (!r->received)
        return srv_send_error(c, 400, "%s: the upload is empty", r->name);
    snprintf(dir, sizeof(dir), "%s", r->dir);
    r->dir[0] = '\0'; /* the video owns it now */
    return open_and_answer(s, c, r->file, r->name, dir);
}

/* ---- one video --------------------------------------------------------------------------- */

/* Target size for ?max=N: the long side at most N (and at most the video's), aspect kept. */
static void scaled(int w, int h, int64_t max, int *ow, int *oh)
{
    int lng = w > h ? w : h;
    if (max >= lng) {
        *ow = w;
        *oh = h;
        return;
    }
    *ow = (int)((int64_t)w * max / lng);
    *oh = (int)((int64_t)h * max / lng);
    *ow += *ow == 0;
    *oh += *oh == 0;
}

/* The answer for a frame that cannot be had: past the end, not decoded yet, or why not. */
static enum MHD_Result frame_error(struct MHD_Connection *c, const SrvVideo *v, int64_t n, int ret)
{
    if (ret == -ENOENT)
        return srv_send_error(c, 404, "frame %lld is past the end of the video", (long long)n);
    if (ret == -ETIMEDOUT)
        return srv_send_error(c, 503, "frame %lld is not decoded yet", (long long)n);
    return srv_send_error(c, 500, "frame %lld: %s", (long long)n,
                          v->decode_state < 0 ? v->decode_error : vn_strerror(ret));
}

/* Frame n at another size than the cache's: decode the full-resolution JPEG and re-encode. */
static enum MHD_Result frame_resized(SrvServer *s, struct MHD_Connection *c, SrvVideo *v,
                                     int64_t n, int w, int h)
{
    char path[PATH_MAX + 32];
    VnContext *ctx = NULL;
    VnImage *img = NULL;
    uint8_t *buf = NULL;
    size_t size = 0;
    int ret;
    if ((ret = srv_frame_file(s, v, n, 1, path, sizeof(path))) < 0)
        return frame_error(c, v, n, ret);
    if ((ret = srv_open_context(s, &ctx, 1, NULL, NULL)) >= 0 && (ret = vn_image_load(ctx, path, &img)) >= 0)
        ret = vn_image_encode(ctx, img, VN_ENCODE_JPEG, 85, w, h, &buf, &size);
    vn_image_free(&img);
    vn_close(&ctx);
    if (ret < 0)
        return srv_send_error(c, 500, "frame %lld: %s", (long long)n, vn_strerror(ret));
    return srv_send_buffer(c, 200, "image/jpeg", buf, size, 1);
}

static enum MHD_Result get_frame(SrvServer *s, struct MHD_Connection *c, SrvVideo *v, const char *arg)
{
    const char *m = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "max");
    int64_t n = number(arg), max = m ? number(m) : 0;
    char path[PATH_MAX + 32];
    int ret, w, h, full;
    if (n < 0)
        return srv_send_error(c, 400, "frame number '%.20s' is not a number from 0", arg);
    if (m && (max < 16 || max > 16384))
        return srv_send_error(c, 400, "'max' must be a number from 16 to 16384");
    if (m)
        scaled(v->info.width, v->info.height, max, &w, &h);
    full = m && w == v->info.width && h == v->info.height;
    if (m && !full && (w != v->pw || h != v->ph))
        return frame_resized(s, c, v, n, w, h);
    if ((ret = srv_frame_file(s, v, n, full, path, sizeof(path))) < 0)
        return frame_error(c, v, n, ret);
    return srv_send_file(c, path, "image/jpeg", NULL);
}

static enum MHD_Result get_masks(struct MHD_Connection *c, SrvVideo *v, const char *arg)
{
    int64_t n = number(arg);
    cJSON *j;
    if (n < 0)
        return srv_send_error(c, 400, "frame number '%.20s' is not a number from 0", arg);
    pthread_mutex_lock(&v->lock);
    j = srv_masks_json(v, n);
    pthread_mutex_unlock(&v->lock);
    return srv_send_json(c, 200, j);
}

/* Write every frame's mask (DAVIS: grey for one object, palette ids for several) into dir and
 * list them for the zip. */
static int write_zip_masks(SrvServer *s, SrvVideo *v, const char *dir, int64_t n_frames,
                           char **paths, char **names)
{
    VnContext *ctx = NULL;
    VnImage *img = NULL;
    int ret, binary;
    pthread_mutex_lock(&v->lock);
    binary = srv_objects_count(v) <= 1;
    pthread_mutex_unlock(&v->lock);
    if ((ret = srv_open_context(s, &ctx, 1, NULL, NULL)) < 0 ||
        (ret = vn_image_alloc(&img, v->info.width, v->info.height, 1, VN_U8)) < 0)
        goto done;
    for (int64_t n = 0; n < n_frames && ret >= 0; n++) {
        char path[PATH_MAX + 32], name[32];
        memset(img->data, 0, (size_t)img->stride * (size_t)img->height);
        pthread_mutex_lock(&v->lock);
        srv_masks_paint(v, n, img, binary);
        pthread_mutex_unlock(&v->lock);
        snprintf(path, sizeof(path), "%s/%05lld.png", dir, (long long)n);
        snprintf(name, sizeof(name), "masks/%05lld.png", (long long)n);
        if ((ret = vn_mask_save_png(ctx, path, img, binary)) >= 0 &&
            (!(paths[n] = strdup(path)) || !(names[n] = strdup(name))))
            ret = -ENOMEM;
    }
done:
    vn_image_free(&img);
    vn_close(&ctx);
    return ret;
}

static enum MHD_Result get_masks_zip(SrvServer *s, struct MHD_Connection *c, SrvVideo *v)
{
    char dir[PATH_MAX], zip[PATH_MAX + 16], name[300];
    char **paths = NULL, **names = NULL;
    int64_t n_frames;
    enum MHD_Result res;
    int ret;
    pthread_mutex_lock(&v->lock);
    n_frames = v->decode_state == 1 ? v->n_decoded : -1;
    pthread_mutex_unlock(&v->lock);
    if (n_frames < 0)
        return srv_send_error(c, 409, "the video is still being decoded; try again in a moment");
    if ((ret = srv_make_dir(v->dir, "zip-", dir, sizeof(dir))) < 0)
        return srv_send_error(c, 500, "cannot make a directory: %s", strerror(-ret));
    paths = calloc((size_t)n_frames + 1, sizeof(*paths));
    names = calloc((size_t)n_frames + 1, sizeof(*names));
    snprintf(zip, sizeof(zip), "%s.zip", dir);
    if (!paths || !names)
        ret = -ENOMEM;
    else if ((ret = write_zip_masks(s, v, dir, n_frames, paths, names)) >= 0)
        ret = srv_zip_write(zip, paths, names, (size_t)n_frames);
    for (int64_t i = 0; paths && names && i < n_frames; i++) {
        free(paths[i]);
        free(names[i]);
    }
    free(paths);
    free(names);
    srv_remove_tree(dir);
    if (ret < 0)
        return srv_send_error(c, 500, "cannot make the zip: %s", vn_strerror(ret));
    snprintf(name, sizeof(name), "%.200s-masks.zip", v->name);
    res = srv_send_file(c, zip, "application/zip", name);
    unlink(zip); /* the response holds the open file */
    return res;
}

static enum MHD_Result post_object(struct MHD_Connection *c, SrvVideo *v)
{
    cJSON *j;
    int id;
    pthread_mutex_lock(&v->lock);
    id = v->busy ? -EBUSY : srv_object_add(v);
    pthread_mutex_unlock(&v->lock);
    if (id == -EBUSY)
        return srv_send_error(c, 409, "a tracking job is running on this video");
    if (id < 0)
        return srv_send_error(c, 409, "at most %d objects per video", SRV_MAX_OBJECTS);
    j = cJSON_CreateObject();
    cJSON_AddNumberToObject(j, "id", id);
    return srv_send_json(c, 201, j);
}

/* DELETE /objects/{k} or /objects/{k}/masks[?frame=n]. */
static enum MHD_Result delete_object(struct MHD_Connection *c, SrvVideo *v, const char *arg,
                                     int masks_only)
{
    const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "frame");
    int64_t id = number(arg), n = f ? number(f) : -1;
    int ret;
    if (id < 1 || id > SRV_MAX_OBJECTS)
        return srv_send_error(c, 400, "object id '%.20s' is not a number from 1 to %d", arg, SRV_MAX_OBJECTS);
    if (f && n < 0)
        return srv_send_error(c, 400, "'frame' must be a number from 0");
    pthread_mutex_lock(&v->lock);
    if (v->busy)
        ret = -EBUSY;
    else
        ret = masks_only ? srv_object_clear(v, (int)id, n) : srv_object_remove(v, (int)id);
    pthread_mutex_unlock(&v->lock);
    if (ret == -EBUSY)
        return srv_send_error(c, 409, "a tracking job is running on this video");
    if (ret < 0)
        return srv_send_error(c, 404, "object %lld does not exist", (long long)id);
    return srv_send_json(c, 200, cJSON_CreateObject());
}

/* POST /objects/{k}/masks/{n} {"rle": [...], "key": false}: set the object's mask on frame n
 * (the page's undo puts back the tracked mask that its clicks replaced). */
static enum MHD_Result set_mask(struct MHD_Connection *c, SrvVideo *v, const char *arg_id,
                                const char *arg_n, SrvRequest *r)
{
    enum MHD_Result res;
    cJSON *j = body_json(c, r, &res);
    const cJSON *key;
    int64_t id = number(arg_id), n = number(arg_n);
    SrvMask *m;
    SrvObject *o;
    int ret, bad_key;
    if (!j)
        return res;
    key = cJSON_GetObjectItemCaseSensitive(j, "key");
    bad_key = key && !cJSON_IsBool(key); /* read before j (which holds key) is freed */
    m = srv_mask_from_json(cJSON_GetObjectItemCaseSensitive(j, "rle"), v->info.width, v->info.height,
                           cJSON_IsTrue(key));
    cJSON_Delete(j);
    if (id < 1 || id > SRV_MAX_OBJECTS || n < 0 || !m || bad_key) {
        free(m);
        return srv_send_error(c, 400, "give an object from 1 to %d, a frame from 0, 'rle': run lengths that "
                              "cover the %dx%d frame and 'key': true or false", SRV_MAX_OBJECTS,
                              v->info.width, v->info.height);
    }
    if ((ret = srv_video_wait_frame(v, n, 10000)) < 0) {
        free(m);
        return srv_send_error(c, ret == -ENOENT ? 404 : 503, "frame %lld: %s", (long long)n,
                              ret == -ENOENT ? "past the end of the video" : "not decoded yet");
    }
    pthread_mutex_lock(&v->lock);
    if (v->busy)
        ret = -EBUSY;
    else if (!(o = srv_object_find(v, (int)id)))
        ret = -ENOENT;
    else {
        ret = srv_object_set(v, o, n, m); /* takes m over */
        m = NULL;
    }
    pthread_mutex_unlock(&v->lock);
    free(m);
    if (ret == -EBUSY)
        return srv_send_error(c, 409, "a tracking job is running on this video");
    if (ret < 0)
        return srv_send_error(c, ret == -ENOENT ? 404 : 500, "object %lld: %s", (long long)id,
                              ret == -ENOENT ? "does not exist" : vn_strerror(ret));
    return srv_send_json(c, 200, cJSON_CreateObject());
}

/* POST /segment, /select, /track, /remove, /detect-overlay (a job of kind "overlay"). */
static enum MHD_Result post_action(SrvServer *s, struct MHD_Connection *c, SrvVideo *v,
                                   const char *what, SrvRequest *r)
{
    enum MHD_Result res;
    cJSON *j = body_json(c, r, &res), *out = NULL;
    char err[512] = "";
    int status = 500, ret;
    SrvJob *job = NULL;
    if (!j)
        return res;
    if (!strcmp(what, "segment"))
        ret = srv_segment(s, v, j, &out, &status, err, sizeof(err));
    else if (!strcmp(what, "prepare"))
        ret = srv_segment_prepare(s, v, j, &out, &status, err, sizeof(err));
    else if (!strcmp(what, "select"))
        ret = srv_segment_select(v, j, &out, &status, err, sizeof(err));
    else if ((ret = srv_job_start(s, v, strcmp(what, "detect-overlay") ? what : "overlay", j, &job,
                                  &status, err, sizeof(err))) >= 0) {
        out = srv_job_json(job);
        srv_job_unref(&job);
    }
    cJSON_Delete(j);
    if (ret < 0)
        return srv_send_error(c, (unsigned)status, "%s", err[0] ? err : vn_strerror(ret));
    return srv_send_json(c, status >= 200 && status < 300 ? (unsigned)status : 200, out);
}

/* Routes under /api/videos/{id}. */
static enum MHD_Result video_route(SrvServer *s, struct MHD_Connection *c, const Route *rt,
                                   const char *method, SrvRequest *r, SrvVideo *v)
{
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
    int del = !strcmp(method, "DELETE");
    const char *what = rt->n > 3 ? rt->p[3] : "";
    if (rt->n == 3 && get)
        return srv_send_json(c, 200, srv_video_json(v));
    if (rt->n == 3 && del) {
        srv_video_remove(s, v->id);
        return srv_send_json(c, 200, cJSON_CreateObject());
    }
    if (rt->n == 5 && get && !strcmp(what, "frames"))
        return get_frame(s, c, v, rt->p[4]);
    if (rt->n == 5 && get && !strcmp(what, "masks"))
        return get_masks(c, v, rt->p[4]);
    if (rt->n == 4 && get && !strcmp(what, "masks.zip"))
        return get_masks_zip(s, c, v);
    if (rt->n == 4 && get && !strcmp(what, "file"))
        return srv_send_file(c, v->path, "video/mp4",
                             MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "download") ? v->name : NULL);
    if (rt->n == 4 && post && !strcmp(what, "objects"))
        return post_object(c, v);
    if ((rt->n == 5 || rt->n == 6) && del && !strcmp(what, "objects") &&
        (rt->n == 5 || !strcmp(rt->p[5], "masks")))
        return delete_object(c, v, rt->p[4], rt->n == 6);
    if (rt->n == 7 && post && !strcmp(what, "objects") && !strcmp(rt->p[5], "masks"))
        return set_mask(c, v, rt->p[4], rt->p[6], r);
    if (rt->n == 4 && post && (!strcmp(what, "segment") || !strcmp(what, "select") || !strcmp(what, "prepare") ||
                               !strcmp(what, "track") || !strcmp(what, "remove") ||
                               !strcmp(what, "detect-overlay")))
        return post_action(s, c, v, what, r);
    return srv_send_error(c, 404, "no such API route");
}

/* ---- jobs ---------------------------------------------------------------------------------- */

/* GET /api/jobs/{job}/frames/{n}: a finished frame of a removal job, while it is kept. */
static enum MHD_Result get_job_frame(struct MHD_Connection *c, SrvJob *j, const char *arg)
{
    int64_t n = number(arg);
    uint8_t *jpeg = NULL;
    size_t size = 0;
    int ret;
    if (n < 0)
        return srv_send_error(c, 400, "frame number '%.20s' is not a number from 0", arg);
    if ((ret = srv_remove_frame(j, n, &jpeg, &size)) == -ENOMEM)
        return srv_send_error(c, 500, "out of memory");
    if (ret < 0)
        return srv_send_error(c, 404, "frame %lld is not kept (only the latest few finished frames are)",
                              (long long)n);
    return srv_send_buffer(c, 200, "image/jpeg", jpeg, size, 1);
}

static enum MHD_Result job_route(struct MHD_Connection *c, const Route *rt, const char *method,
                                 SrvJob *j)
{
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    char result[PATH_MAX + 128], name[300];
    int state;
    if (rt->n == 3 && get)
        return srv_send_json(c, 200, srv_job_json(j));
    if (rt->n == 5 && get && !strcmp(rt->p[3], "frames"))
        return get_job_frame(c, j, rt->p[4]);
    if (rt->n == 4 && !strcmp(method, "POST") && !strcmp(rt->p[3], "cancel")) {
        atomic_store(&j->cancel, 1);
        return srv_send_json(c, 200, srv_job_json(j));
    }
    if (rt->n == 4 && get && !strcmp(rt->p[3], "result")) {
        pthread_mutex_lock(&j->lock);
        state = j->state;
        snprintf(result, sizeof(result), "%s", j->result);
        pthread_mutex_unlock(&j->lock);
        if (state != SRV_JOB_DONE || !result[0])
            return srv_send_error(c, 409, "the job has no result (yet)");
        snprintf(name, sizeof(name), "%.200s-removed.mp4", j->video->name);
        return srv_send_file(c, result, "video/mp4",
                             MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "download") ? name : NULL);
    }
    return srv_send_error(c, 404, "no such API route");
}

/* ---- entry -------------------------------------------------------------------------------- */

static enum MHD_Result list_videos(SrvServer *s, struct MHD_Connection *c)
{
    cJSON *a = cJSON_CreateArray();
    pthread_mutex_lock(&s->lock);
    for (int i = 0; a && i < SRV_MAX_VIDEOS; i++)
        if (s->videos[i]) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "id", s->videos[i]->id);
            cJSON_AddStringToObject(o, "name", s->videos[i]->name);
            cJSON_AddBoolToObject(o, "result", s->videos[i]->is_result);
            cJSON_AddItemToArray(a, o);
        }
    pthread_mutex_unlock(&s->lock);
    return srv_send_json(c, 200, a);
}

enum MHD_Result srv_api(SrvServer *s, struct MHD_Connection *c, const char *url,
                        const char *method, SrvRequest *r)
{
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD"), post = !strcmp(method, "POST");
    enum MHD_Result res;
    Route rt;
    if (split(url, &rt) < 0 || rt.n < 2 || strcmp(rt.p[0], "api"))
        return srv_send_error(c, 404, "no such API route");
    if (rt.n == 2 && get && !strcmp(rt.p[1], "options"))
        return get_options(c);
    if (rt.n == 2 && get && !strcmp(rt.p[1], "health"))
        return get_health(s, c);
    if (!strcmp(rt.p[1], "videos")) {
        SrvVideo *v;
        if (rt.n == 2 && get)
            return list_videos(s, c);
        if (rt.n == 3 && post && !strcmp(rt.p[2], "upload"))
            return r->upload ? finish_upload(s, c, r) : srv_send_error(c, 400, "no upload");
        if (rt.n == 3 && post && !strcmp(rt.p[2], "open"))
            return open_path(s, c, r);
        if (rt.n < 3 || !(v = srv_video_get(s, rt.p[2])))
            return srv_send_error(c, 404, "no such video (it may have been closed)");
        res = video_route(s, c, &rt, method, r, v);
        srv_video_unref(&v);
        return res;
    }
    if (!strcmp(rt.p[1], "jobs") && rt.n >= 3) {
        SrvJob *j = srv_job_get(s, rt.p[2]);
        if (!j)
            return srv_send_error(c, 404, "no such job");
        res = job_route(c, &rt, method, j);
        srv_job_unref(&j);
        return res;
    }
    return srv_send_error(c, 404, "no such API route");
}
