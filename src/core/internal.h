/* What every layer of the library shares: the context, logging, progress and the pool. */
#ifndef VANISH_CORE_INTERNAL_H
#define VANISH_CORE_INTERNAL_H

#include "vanish/vanish.h"
#include "core/mem.h"
#include "core/pool.h"

struct VnContext {
    VnSettings s;
    VnPool *pool;
    char errbuf[512];
};

/* printf-style log through the context's callback; ctx may be NULL (message dropped). */
void vni_log(const VnContext *ctx, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record a failure: format the one-line message into the context (vn_last_error; not logged,
 * the caller of the API reports it once) and return err so that callers can write `return vni_error(ctx, ret, ...)`. */
int vni_error(VnContext *ctx, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Report progress; returns VN_ERR_CANCELLED if the callback asks to stop, else 0. */
int vni_progress(const VnContext *ctx, const char *stage, double fraction);

/* Check an image size against the context's limits: 0 or VN_ERR_TOOBIG / -EINVAL. */
int vni_check_size(const VnContext *ctx, int width, int height);

/* Run fn(arg, job, n_jobs) for job in [0, n_jobs) on the context's pool; returns when all ran. */
static inline void vni_parallel(const VnContext *ctx, VnJobFn fn, void *arg, int n_jobs)
{
    vni_pool_run(ctx ? ctx->pool : NULL, fn, arg, n_jobs);
}

/* Number of jobs worth cutting `rows` rows into on this context (at least 1). */
int vni_row_jobs(const VnContext *ctx, int rows);

/* A non-owning view of the rectangle (x, y, w, h) of img, which must lie inside it. The view
 * shares img's pixels and must not be passed to vn_image_free. */
static inline VnImage vni_image_view(const VnImage *img, int x, int y, int w, int h)
{
    VnImage v = *img;
    size_t bytes = img->type == VN_F32 ? sizeof(float) : 1;
    v.data = img->data + (ptrdiff_t)y * img->stride + (ptrdiff_t)x * img->channels * (ptrdiff_t)bytes;
    v.width = w;
    v.height = h;
    return v;
}

/* Image of the same geometry check. */
int vni_image_same(const VnImage *a, const VnImage *b);

#define VNI_MIN(a, b) ((a) < (b) ? (a) : (b))
#define VNI_MAX(a, b) ((a) > (b) ? (a) : (b))
#define VNI_CLAMP(x, lo, hi) ((x) < (lo) ? (lo) : (x) > (hi) ? (hi) : (x))

#endif
