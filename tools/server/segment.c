/*
 * Click to mask: one segmenter session per video, kept on the last frame clicked so that later
 * clicks on that frame cost only the solve. The best candidate becomes the object's mask on the
 * frame; the others wait for POST .../select.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vanish/segment.h"

int srv_segment_available(void)
{
    return 1;
}

static void drop_candidates(SrvCandidates *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->mask[i]);
    memset(c, 0, sizeof(*c));
}

void srv_segment_free(SrvVideo *v)
{
    VnSegmenter *seg = v->seg;
    vn_segmenter_close(&seg);
    v->seg = NULL;
    vn_close(&v->seg_ctx);
    free(v->seg_st);
    v->seg_st = NULL;
    drop_candidates(&v->cands);
}

/* Parse one prompt {type, x, y} or {type: "box", x0, y0, x1, y1} inside a w x h frame. */
static int parse_prompt(const cJSON *p, int w, int h, VnPrompt *out, int *boxes, char *err,
                        size_t err_size)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "type");
    int64_t v[4];
    if (!cJSON_IsObject(p) || !cJSON_IsString(t)) {
        snprintf(err, err_size, "each prompt needs a 'type': positive, negative or box");
        return -EINVAL;
    }
    if (!strcmp(t->valuestring, "box")) {
        if (++*boxes > 1) {
            snprintf(err, err_size, "at most one box per request");
            return -EINVAL;
        }
        if (srv_json_int(p, "x0", 0, w - 1, SRV_REQUIRED, &v[0], err, err_size) < 0 ||
            srv_json_int(p, "y0", 0, h - 1, SRV_REQUIRED, &v[1], err, err_size) < 0 ||
            srv_json_int(p, "x1", 0, w - 1, SRV_REQUIRED, &v[2], err, err_size) < 0 ||
            srv_json_int(p, "y1", 0, h - 1, SRV_REQUIRED, &v[3], err, err_size) < 0)
            return -EINVAL;
        *out = (VnPrompt){VN_PROMPT_BOX, (int)v[0], (int)v[1], (int)v[2], (int)v[3]};
        return 0;
    }
    if (strcmp(t->valuestring, "positive") && strcmp(t->valuestring, "negative")) {
        snprintf(err, err_size, "prompt type '%.20s' is not positive, negative or box", t->valuestring);
        return -EINVAL;
    }
    if (srv_json_int(p, "x", 0, w - 1, SRV_REQUIRED, &v[0], err, err_size) < 0 ||
        srv_json_int(p, "y", 0, h - 1, SRV_REQUIRED, &v[1], err, err_size) < 0)
        return -EINVAL;
    *out = (VnPrompt){strcmp(t->valuestring, "positive") ? VN_PROMPT_NEGATIVE : VN_PROMPT_POSITIVE,
                      (int)v[0], (int)v[1], (int)v[0], (int)v[1]};
    return 0;
}

/* Parse the prompt list; returns the count. */
static int parse_prompts(const cJSON *body, int w, int h, VnPrompt *out, char *err, size_t err_size)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(body, "prompts"), *p;
    int n = 0, boxes = 0;
    if (!a || cJSON_IsNull(a))
        return 0;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > SRV_MAX_PROMPTS) {
        snprintf(err, err_size, "'prompts' must be a list of at most %d prompts", SRV_MAX_PROMPTS);
        return -EINVAL;
    }
    cJSON_ArrayForEach(p, a) {
        if (parse_prompt(p, w, h, &out[n], &boxes, err, err_size) < 0)
            return -EINVAL;
        n++;
    }
    return n;
}

/* Make sure the session holds frame n with settings st (reopening when either changed). */
static int ensure_session(SrvServer *s, SrvVideo *v, int64_t n, const VnSegmentSettings *st,
                          char *err, size_t err_size)
{
    char path[PATH_MAX + 32];
    VnImage *rgb = NULL;
    VnSegmenter *seg = v->seg;
    int ret;
    if (seg && v->seg_frame == n && v->seg_st && !memcmp(v->seg_st, st, sizeof(*st)))
        return 0;
    if (!v->seg_st && !(v->seg_st = malloc(sizeof(*st))))
        return -ENOMEM;
    memcpy(v->seg_st, st, sizeof(*st));
    vn_segmenter_close(&seg);
    v->seg = NULL;
    if (!v->seg_ctx && (ret = srv_open_context(s, &v->seg_ctx, s->cfg.threads, NULL, NULL)) < 0) {
        snprintf(err, err_size, "cannot start: %s", vn_strerror(ret));
        return ret;
    }
    if ((ret = srv_frame_file(s, v, n, 1, path, sizeof(path))) < 0)
        snprintf(err, err_size, "frame %lld: %s", (long long)n, vn_strerror(ret));
    else if ((ret = vn_image_load(v->seg_ctx, path, &rgb)) < 0 ||
             (ret = vn_segmenter_open(v->seg_ctx, &seg, rgb, st)) < 0)
        snprintf(err, err_size, "frame %lld: %s", (long long)n, vn_last_error(v->seg_ctx));
    vn_image_free(&rgb);
    v->seg = seg;
    v->seg_frame = ret < 0 ? -1 : n;
    return ret;
}

/* The object's current mask on frame n as an image, for refinement; NULL if none. */
static VnImage *current_mask(SrvVideo *v, int object, int64_t n)
{
    VnImage *img = NULL;
    const SrvObject *o;
    const SrvMask *m;
    pthread_mutex_lock(&v->lock);
    o = srv_object_find(v, object);
    if (o && (m = srv_object_mask(o, n)) &&
        vn_image_alloc(&img, v->info.width, v->info.height, 1, VN_U8) >= 0)
        srv_mask_paint(m, img, 255);
    pthread_mutex_unlock(&v->lock);
    return img;
}

/* A mask given as run lengths in the request ("refine_mask"), checked to cover the frame
 * exactly; NULL with a message when it does not. */
static VnImage *mask_from_runs(const cJSON *a, int w, int h, char *err, size_t err_size)
{
    int64_t total = (int64_t)w * h, pos = 0;
    VnImage *img = NULL;
    const cJSON *it;
    int i = 0;
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) > total + 1 ||
        vn_image_alloc(&img, w, h, 1, VN_U8) < 0)
        goto bad;
    cJSON_ArrayForEach(it, a) {
        double d = it->valuedouble;
        int64_t run;
        if (!cJSON_IsNumber(it) || !(d >= 0) || d > (double)(total - pos) || d != (double)(int64_t)d)
            goto bad;
        run = (int64_t)d;
        for (int64_t p = pos; i % 2 && p < pos + run; p++)
            vn_image_row(img, (int)(p / w))[p % w] = 255;
        pos += run;
        i++;
    }
    if (pos == total)
        return img;
bad:
    vn_image_free(&img);
    snprintf(err, err_size, "'refine_mask' must be run lengths that cover the %dx%d frame", w, h);
    return NULL;
}

static const char *kind_name(int kind)
{
    return kind == VN_SEGMENT_PART ? "part" : kind == VN_SEGMENT_LARGER ? "larger" : "object";
}

/* Keep the candidates as run lengths and describe them in the response. */
static int keep_candidates(SrvVideo *v, int object, int64_t n, VnSegmentResult *res, cJSON *out)
{
    cJSON *a = cJSON_AddArrayToObject(out, "candidates");
    SrvCandidates *c = &v->cands;
    drop_candidates(c);
    c->frame = n;
    c->object = object;
    for (int i = 0; i < res->n && i < 3; i++) {
        cJSON *j = cJSON_CreateObject();
        if (!(c->mask[i] = srv_mask_from_image(res->c[i].mask, 1)) || !j) {
            cJSON_Delete(j);
            return -ENOMEM;
        }
        c->score[i] = res->c[i].score;
        c->kind[i] = res->c[i].kind;
        c->n = i + 1;
        cJSON_AddNumberToObject(j, "score", res->c[i].score);
        cJSON_AddStringToObject(j, "kind", kind_name(res->c[i].kind));
        cJSON_AddNumberToObject(j, "area", (double)srv_mask_area(c->mask[i]));
        cJSON_AddItemToObject(j, "rle", srv_mask_json(c->mask[i]));
        cJSON_AddItemToArray(a, j);
    }
    return 0;
}

/* Store candidate i of the kept result as the object's keyframe mask. */
static int store_candidate(SrvVideo *v, int i)
{
    SrvObject *o;
    SrvMask *m;
    int ret = -ENOENT;
    pthread_mutex_lock(&v->lock);
    if (v->busy)
        ret = -EBUSY;
    else if ((o = srv_object_find(v, v->cands.object)) && i < v->cands.n) {
        ret = -ENOMEM;
        if ((m = srv_mask_dup(v->cands.mask[i], 1)))
            ret = srv_object_set(v, o, v->cands.frame, m);
    }
    pthread_mutex_unlock(&v->lock);
    return ret;
}

/* Milliseconds on `clock`: wall (CLOCK_MONOTONIC) or the process's CPU time, which tells the
 * solve's own cost apart from waiting for a busy machine's cores. */
static double clock_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double now_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

/* Run the segmenter under the session lock and keep its candidates. */
static int segment_locked(SrvServer *s, SrvVideo *v, int64_t frame, int object, const VnPrompt *pr,
                          int n, const VnImage *refine, const VnSegmentSettings *st, cJSON *out,
                          int *status, char *err, size_t err_size)
{
    VnSegmentResult res = {0};
    double t0 = now_ms(), cpu0;
    int ret;
    if ((ret = ensure_session(s, v, frame, st, err, err_size)) < 0) {
        *status = 500;
        return ret;
    }
    cJSON_AddNumberToObject(out, "open_ms", now_ms() - t0);
    t0 = now_ms();
    cpu0 = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
    if ((ret = vn_segmenter_run(v->seg, pr, n, refine, &res)) < 0) {
        snprintf(err, err_size, "%s", *vn_last_error(v->seg_ctx) ? vn_last_error(v->seg_ctx) : vn_strerror(ret));
        *status = ret == -EINVAL ? 400 : 500;
        return ret;
    }
    cJSON_AddNumberToObject(out, "solve_ms", now_ms() - t0);
    cJSON_AddNumberToObject(out, "solve_cpu_ms", clock_ms(CLOCK_PROCESS_CPUTIME_ID) - cpu0);
    if ((ret = keep_candidates(v, object, frame, &res, out)) < 0) {
        snprintf(err, err_size, "out of memory");
        *status = 500;
    }
    vn_segment_result_free(&res);
    return ret;
}

int srv_segment(SrvServer *s, SrvVideo *v, const cJSON *body, cJSON **out, int *status,
                char *err, size_t err_size)
{
    VnPrompt pr[SRV_MAX_PROMPTS];
    VnSegmentSettings st;
    VnImage *refine = NULL;
    int64_t frame, object;
    const cJSON *rf = cJSON_GetObjectItemCaseSensitive(body, "refine");
    int n, ret;
    *status = 400;
    *out = NULL;
    vn_segment_default_settings(&st);
    if (srv_json_int(body, "frame", 0, SRV_MAX_FRAMES, SRV_REQUIRED, &frame, err, err_size) < 0 ||
        srv_json_int(body, "object", 1, SRV_MAX_OBJECTS, SRV_REQUIRED, &object, err, err_size) < 0 ||
        (n = parse_prompts(body, v->info.width, v->info.height, pr, err, err_size)) < 0 ||
        srv_json_options(vn_segment_options(), &st, cJSON_GetObjectItemCaseSensitive(body, "options"), err, err_size) < 0)
        return -EINVAL;
    if (rf && !cJSON_IsBool(rf)) {
        snprintf(err, err_size, "'refine' must be true or false");
        return -EINVAL;
    }
    pthread_mutex_lock(&v->lock);
    ret = srv_object_find(v, (int)object) ? 0 : -ENOENT;
    pthread_mutex_unlock(&v->lock);
    if (ret < 0) {
        snprintf(err, err_size, "object %lld does not exist", (long long)object);
        *status = 404;
        return ret;
    }
    if ((ret = srv_video_wait_frame(v, frame, 15000)) < 0) {
        snprintf(err, err_size, "frame %lld: %s", (long long)frame, ret == -ENOENT ? "past the end of the video" : ret == -ETIMEDOUT ? "not decoded yet, try again" : "the video could not be decoded");
        *status = ret == -ETIMEDOUT ? 503 : ret == -ENOENT ? 404 : 500;
        return ret;
    }
    if (cJSON_GetObjectItemCaseSensitive(body, "refine_mask")) {
        if (!(refine = mask_from_runs(cJSON_GetObjectItemCaseSensitive(body, "refine_mask"),
                                      v->info.width, v->info.height, err, err_size)))
            return -EINVAL;
    } else if (cJSON_IsTrue(rf))
        refine = current_mask(v, (int)object, frame);
    if (!n && !refine) {
        snprintf(err, err_size, "give at least one prompt (or refine an existing mask)");
        return -EINVAL;
    }
    if (!(*out = cJSON_CreateObject())) {
        vn_image_free(&refine);
        *status = 500;
        return -ENOMEM;
    }
    cJSON_AddNumberToObject(*out, "frame", (double)frame);
    cJSON_AddNumberToObject(*out, "object", (double)object);
    cJSON_AddNumberToObject(*out, "width", v->info.width);
    cJSON_AddNumberToObject(*out, "height", v->info.height);
    pthread_mutex_lock(&v->seg_lock);
    ret = segment_locked(s, v, frame, (int)object, pr, n, refine, &st, *out, status, err, err_size);
    if (ret >= 0 && v->cands.n > 0 && (ret = store_candidate(v, 0)) < 0) {
        snprintf(err, err_size, ret == -EBUSY ? "a tracking job is running on this video" : "object %lld is gone", (long long)object);
        *status = 409;
    }
    pthread_mutex_unlock(&v->seg_lock);
    vn_image_free(&refine);
    if (ret < 0)
        cJSON_Delete(*out), *out = NULL;
    else
        cJSON_AddNumberToObject(*out, "selected", 0);
    return ret;
}

int srv_segment_prepare(SrvServer *s, SrvVideo *v, const cJSON *body, cJSON **out, int *status,
                        char *err, size_t err_size)
{
    VnSegmentSettings st;
    int64_t frame;
    int ret;
    *status = 400;
    *out = NULL;
    vn_segment_default_settings(&st);
    if (srv_json_int(body, "frame", 0, SRV_MAX_FRAMES, SRV_REQUIRED, &frame, err, err_size) < 0 ||
        srv_json_options(vn_segment_options(), &st, cJSON_GetObjectItemCaseSensitive(body, "options"), err, err_size) < 0)
        return -EINVAL;
    if ((ret = srv_video_wait_frame(v, frame, 15000)) < 0) {
        snprintf(err, err_size, "frame %lld: %s", (long long)frame, ret == -ENOENT ? "past the end of the video" : "not available");
        *status = ret == -ENOENT ? 404 : 503;
        return ret;
    }
    pthread_mutex_lock(&v->seg_lock);
    ret = ensure_session(s, v, frame, &st, err, err_size);
    pthread_mutex_unlock(&v->seg_lock);
    if (ret < 0) {
        *status = 500;
        return ret;
    }
    *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(*out, "frame", (double)frame);
    *status = 200;
    return 0;
}

int srv_segment_select(SrvVideo *v, const cJSON *body, cJSON **out, int *status, char *err,
                       size_t err_size)
{
    int64_t frame, object, cand;
    int ret;
    *status = 400;
    *out = NULL;
    if (srv_json_int(body, "frame", 0, SRV_MAX_FRAMES, SRV_REQUIRED, &frame, err, err_size) < 0 ||
        srv_json_int(body, "object", 1, SRV_MAX_OBJECTS, SRV_REQUIRED, &object, err, err_size) < 0 ||
        srv_json_int(body, "candidate", 0, 2, SRV_REQUIRED, &cand, err, err_size) < 0)
        return -EINVAL;
    pthread_mutex_lock(&v->seg_lock);
    if (v->cands.frame != frame || v->cands.object != object || cand >= v->cands.n) {
        pthread_mutex_unlock(&v->seg_lock);
        snprintf(err, err_size, "no such candidate: segment frame %lld of object %lld first", (long long)frame, (long long)object);
        *status = 409;
        return -ENOENT;
    }
    ret = store_candidate(v, (int)cand);
    pthread_mutex_unlock(&v->seg_lock);
    if (ret < 0) {
        snprintf(err, err_size, ret == -EBUSY ? "a tracking job is running on this video" : "the object is gone");
        *status = 409;
        return ret;
    }
    *out = cJSON_CreateObject();
    cJSON_AddNumberToObject(*out, "selected", (double)cand);
    *status = 200;
    return 0;
}
