#include "core/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *vn_version(void)
{
    return VANISH_VERSION;
}

const char *vn_strerror(int err)
{
    switch (err) {
    case 0: return "success";
    case VN_ERR_CANCELLED: return "cancelled";
    case VN_ERR_INVALIDDATA: return "invalid or corrupt data";
    case VN_ERR_TOOBIG: return "size beyond the limits";
    case VN_ERR_FORMAT: return "unsupported format";
    case VN_ERR_MISMATCH: return "counts or sizes do not match";
    case -EINVAL: return "invalid argument";
    case -ENOMEM: return "out of memory";
    case -ENOENT: return "no such file or directory";
    case -EEXIST: return "file exists";
    case -EACCES: return "permission denied";
    case -EIO: return "input/output error";
    case -ERANGE: return "value out of range";
    case -ENOTDIR: return "not a directory";
    case -EISDIR: return "is a directory";
    case -ENOSPC: return "no space left on device";
    default: break;
    }
    /* strerror() is not thread-safe in general; glibc's is for known codes, which these are. */
    return err < 0 && err > -4096 ? strerror(-err) : "unknown error";
}

void vn_default_settings(VnSettings *s)
{
    memset(s, 0, sizeof(*s));
    s->log_level = VN_LOG_INFO;
    s->max_dimension = 16384;
    s->max_pixels = (int64_t)8192 * 8192;
}

int vn_open(VnContext **pctx, const VnSettings *s)
{
    VnContext *ctx;
    int n, ret;
    if (!pctx)
        return -EINVAL;
    *pctx = NULL;
    if (!s || s->n_threads < 0 || s->n_threads > 256 || s->max_dimension <= 0 || s->max_pixels <= 0)
        return -EINVAL;
    ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return -ENOMEM;
    ctx->s = *s;
    n = s->n_threads;
    if (!n) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        n = c > 0 ? (int)VNI_MIN(c, 64) : 1;
    }
    if ((ret = vni_pool_open(&ctx->pool, n)) < 0) {
        free(ctx);
        return ret;
    }
    *pctx = ctx;
    return 0;
}

void vn_close(VnContext **pctx)
{
    if (!pctx || !*pctx)
        return;
    vni_pool_close(&(*pctx)->pool);
    free(*pctx);
    *pctx = NULL;
}

int vn_context_threads(const VnContext *ctx)
{
    return ctx ? vni_pool_threads(ctx->pool) : 1;
}

void vni_log(const VnContext *ctx, int level, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    if (!ctx || !ctx->s.log_cb || level > ctx->s.log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    ctx->s.log_cb(ctx->s.log_cookie, level, buf);
}

int vni_progress(const VnContext *ctx, const char *stage, double fraction)
{
    if (!ctx || !ctx->s.progress_cb)
        return 0;
    fraction = VNI_CLAMP(fraction, 0.0, 1.0);
    return ctx->s.progress_cb(ctx->s.progress_cookie, stage, fraction) ? VN_ERR_CANCELLED : 0;
}

int vni_check_size(const VnContext *ctx, int width, int height)
{
    int maxd = ctx ? ctx->s.max_dimension : 16384;
    int64_t maxp = ctx ? ctx->s.max_pixels : (int64_t)8192 * 8192;
    if (width <= 0 || height <= 0)
        return -EINVAL;
    if (width > maxd || height > maxd || (int64_t)width * height > maxp)
        return VN_ERR_TOOBIG;
    return 0;
}

int vni_row_jobs(const VnContext *ctx, int rows)
{
    int t = vn_context_threads(ctx);
    int jobs = t > 1 ? t * 4 : 1;
    return VNI_MAX(1, VNI_MIN(jobs, rows));
}

int vni_error(VnContext *ctx, int err, const char *fmt, ...)
{
    va_list ap;
    if (!ctx)
        return err;
    va_start(ap, fmt);
    vsnprintf(ctx->errbuf, sizeof(ctx->errbuf), fmt, ap);
    va_end(ap);
    return err;
}

const char *vn_last_error(const VnContext *ctx)
{
    return ctx ? ctx->errbuf : "";
}
