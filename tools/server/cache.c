/*
 * The frame cache of a video: JPEG files in its working directory — a preview (long side at most
 * SRV_PREVIEW_MAX) for the frame view and, for larger videos, one at full resolution for
 * segmentation. Its size on disk is bounded by the video's budget: past it, files are evicted
 * by the clock (second chance) algorithm, full-resolution files first. A frame whose files were
 * evicted is decoded again on demand by a second reader of the source (forward from where it
 * stopped, from the start when the frame lies behind it).
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECENT_BOTH 3 /* a second chance in both passes of the clock */

/* Index of the file kind: 0 preview, 1 full resolution (0 when the preview is full size). */
static int kind_of(const SrvVideo *v, int full)
{
    return full && (v->pw != v->info.width || v->ph != v->info.height);
}

void srv_frame_path(const SrvVideo *v, int64_t n, int full, char *out, size_t size)
{
    snprintf(out, size, "%s/%s/%06lld.jpg", v->dir, kind_of(v, full) ? "full" : "prev", (long long)n);
}

/* Write a buffer to path through a temporary name. */
static int write_file(const char *path, const uint8_t *buf, size_t size)
{
    char tmp[PATH_MAX + 8];
    FILE *f;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (!(f = fopen(tmp, "wb")))
        return -errno;
    if (fwrite(buf, 1, size, f) != size) {
        fclose(f);
        unlink(tmp);
        return -EIO;
    }
    if (fclose(f) || rename(tmp, path)) {
        unlink(tmp);
        return -EIO;
    }
    return 0;
}

/* Encode rgb as JPEG at w x h (0, 0: its size) into path; its size in *bytes. */
static int encode_file(VnContext *ctx, const VnImage *rgb, int w, int h, int quality, const char *path,
                       uint32_t *bytes)
{
    uint8_t *buf = NULL;
    size_t size = 0;
    int ret = vn_image_encode(ctx, rgb, VN_ENCODE_JPEG, quality, w, h, &buf, &size);
    if (ret >= 0 && size > UINT32_MAX)
        ret = -EFBIG;
    if (ret >= 0)
        ret = write_file(path, buf, size);
    vn_buffer_free(&buf);
    *bytes = (uint32_t)size;
    return ret;
}

/* Make room for frame n in the tables. Caller holds v->lock. */
static int grow(SrvVideo *v, int64_t n)
{
    int64_t cap = v->cache_cap ? v->cache_cap : 256;
    uint32_t *p, *f;
    uint8_t *r;
    if (n < v->cache_cap)
        return 0;
    if (n >= SRV_MAX_FRAMES)
        return -ERANGE;
    while (cap <= n)
        cap *= 2;
    p = realloc(v->cached[0], (size_t)cap * sizeof(*p));
    if (p)
        v->cached[0] = p;
    f = realloc(v->cached[1], (size_t)cap * sizeof(*f));
    if (f)
        v->cached[1] = f;
    r = realloc(v->recent, (size_t)cap);
    if (r)
        v->recent = r;
    if (!p || !f || !r)
        return -ENOMEM;
    memset(p + v->cache_cap, 0, (size_t)(cap - v->cache_cap) * sizeof(*p));
    memset(f + v->cache_cap, 0, (size_t)(cap - v->cache_cap) * sizeof(*f));
    memset(r + v->cache_cap, 0, (size_t)(cap - v->cache_cap));
    v->cache_cap = cap;
    return 0;
}

/* Delete file k (0 preview, 1 full) of frame n. Caller holds v->lock. */
static void drop(SrvVideo *v, int64_t n, int k)
{
    char path[PATH_MAX + 32];
    if (!v->cached[k][n])
        return;
    srv_frame_path(v, n, k, path, sizeof(path));
    unlink(path);
    v->cache_bytes -= v->cached[k][n];
    v->n_cached[k]--;
    v->cached[k][n] = 0;
}

/* Whether frame n was handed out lately (its file may be being read). Caller holds v->lock. */
static int pinned(const SrvVideo *v, int64_t n)
{
    for (int i = 0; i < SRV_CACHE_PINS; i++)
        if (v->pins[i] == n)
            return 1;
    return 0;
}

/*
 * Evict until the cache fits its budget: a clock hand per pass, the first over full-resolution
 * files only, the second over whole frames; a frame used since the hand last passed gets a
 * second chance. Frame `keep` (just written) and the pinned frames stay. Caller holds v->lock.
 */
static void evict(SrvVideo *v, int64_t keep)
{
    for (int pass = 0; pass < 2; pass++) {
        uint8_t bit = (uint8_t)(1 << pass);
        for (int64_t steps = 0; v->cache_bytes > v->cache_budget && v->n_cached[pass ? 0 : 1] > 0 &&
                                steps < 2 * v->cache_cap; steps++) {
            int64_t n = v->hand[pass];
            v->hand[pass] = (n + 1) % v->cache_cap;
            if (n == keep || !(v->cached[1][n] || (pass && v->cached[0][n])) || pinned(v, n))
                continue;
            if (v->recent[n] & bit) {
                v->recent[n] &= (uint8_t)~bit;
                continue;
            }
            drop(v, n, 1);
            if (pass)
                drop(v, n, 0);
        }
    }
}

/* Record file k of frame n (bytes on disk) and evict what the budget no longer holds. */
static void account(SrvVideo *v, int64_t n, int k, uint32_t bytes)
{
    if (v->cached[k][n]) {
        v->cache_bytes -= v->cached[k][n];
        v->n_cached[k]--;
    }
    v->cached[k][n] = bytes;
    v->cache_bytes += bytes;
    v->n_cached[k]++;
}

int srv_cache_put(SrvVideo *v, VnContext *ctx, int64_t n, const VnImage *rgb)
{
    char path[PATH_MAX + 32];
    uint32_t bytes[2] = {0, 0};
    int ret, full = kind_of(v, 1);
    pthread_mutex_lock(&v->lock);
    ret = grow(v, n);
    pthread_mutex_unlock(&v->lock);
    if (ret < 0)
        return ret;
    srv_frame_path(v, n, 0, path, sizeof(path));
    if ((ret = encode_file(ctx, rgb, v->pw, v->ph, 85, path, &bytes[0])) < 0)
        return ret;
    srv_frame_path(v, n, 1, path, sizeof(path));
    if (full && (ret = encode_file(ctx, rgb, 0, 0, 92, path, &bytes[1])) < 0)
        return ret;
    pthread_mutex_lock(&v->lock);
    for (int k = 0; k <= full; k++)
        account(v, n, k, bytes[k]);
    v->recent[n] = RECENT_BOTH;
    evict(v, n);
    pthread_mutex_unlock(&v->lock);
    return 0;
}

/* Decode frame n again with the video's on-demand reader and cache it. Caller holds
 * v->fetch_lock. */
static int fetch(SrvServer *s, SrvVideo *v, int64_t n)
{
    VnFrame *f = NULL;
    int ret = 0;
    if (!v->fetch_ctx && (ret = srv_open_context(s, &v->fetch_ctx, 1, NULL, NULL)) < 0)
        return ret;
    if (!v->fetch && (ret = vn_video_open(v->fetch_ctx, &v->fetch, v->path)) < 0)
        return ret;
    if (n < v->fetch_next && (ret = vn_video_rewind(v->fetch)) < 0)
        return ret;
    if (n < v->fetch_next)
        v->fetch_next = 0;
    while ((ret = vn_video_read(v->fetch, &f)) > 0) {
        v->fetch_next = vn_frame_index(f) + 1;
        if (vn_frame_index(f) == n)
            break;
        vn_frame_free(&f);
    }
    if (ret > 0)
        ret = srv_cache_put(v, v->fetch_ctx, n, vn_frame_rgb(f));
    else if (ret == 0)
        ret = -ENOENT;
    vn_frame_free(&f);
    return ret;
}

/* Pin frame n (it is about to be read), unpinning the one pinned longest ago. */
static void pin(SrvVideo *v, int64_t n)
{
    pthread_mutex_lock(&v->lock);
    if (!pinned(v, n)) {
        v->pins[v->next_pin] = n;
        v->next_pin = (v->next_pin + 1) % SRV_CACHE_PINS;
    }
    pthread_mutex_unlock(&v->lock);
}

/* Whether file `full` of frame n is on disk; then marks it used. */
static int present(SrvVideo *v, int64_t n, int full)
{
    int k = kind_of(v, full), yes;
    pthread_mutex_lock(&v->lock);
    yes = n < v->cache_cap && v->cached[k][n];
    if (yes)
        v->recent[n] = RECENT_BOTH;
    pthread_mutex_unlock(&v->lock);
    return yes;
}

int srv_frame_file(SrvServer *s, SrvVideo *v, int64_t n, int full, char *out, size_t size)
{
    int ret = srv_video_wait_frame(v, n, 10000);
    if (ret < 0)
        return ret;
    srv_frame_path(v, n, full, out, size);
    pin(v, n);
    if (present(v, n, full))
        return 0;
    pthread_mutex_lock(&v->fetch_lock);
    ret = present(v, n, full) ? 0 : fetch(s, v, n);
    if (ret >= 0 && !present(v, n, full))
        ret = -EAGAIN; /* evicted at once by another thread: pins are few */
    pthread_mutex_unlock(&v->fetch_lock);
    return ret;
}

void srv_cache_init(SrvVideo *v, int64_t budget)
{
    v->cache_budget = budget;
    for (int i = 0; i < SRV_CACHE_PINS; i++)
        v->pins[i] = -1;
}

void srv_cache_free(SrvVideo *v)
{
    vn_video_close(&v->fetch);
    vn_close(&v->fetch_ctx);
    free(v->cached[0]);
    free(v->cached[1]);
    free(v->recent);
    v->cached[0] = v->cached[1] = NULL;
    v->recent = NULL;
    v->cache_cap = 0;
}

cJSON *srv_cache_json(SrvVideo *v)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return NULL;
    cJSON_AddNumberToObject(j, "bytes", (double)v->cache_bytes);
    cJSON_AddNumberToObject(j, "budget", (double)v->cache_budget);
    cJSON_AddNumberToObject(j, "previews", (double)v->n_cached[0]);
    cJSON_AddNumberToObject(j, "full", (double)v->n_cached[1]);
    return j;
}
