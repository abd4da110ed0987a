#include "core/resample.h"

#include <errno.h>
#include <math.h>
#include <string.h>

typedef struct ResizeArg {
    VnImage *dst;
    const VnImage *src;
} ResizeArg;

/* Area average: each destination pixel is the mean of the source area it covers, partial
 * source pixels weighted by their overlap. */
static void area_rows(void *opaque, int job, int n_jobs)
{
    ResizeArg *a = opaque;
    const VnImage *s = a->src;
    VnImage *d = a->dst;
    const int nch = s->channels;
    const double fx = (double)s->width / d->width, fy = (double)s->height / d->height;
    int y0 = (int)((int64_t)d->height * job / n_jobs), y1 = (int)((int64_t)d->height * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        double sy0 = y * fy, sy1 = (y + 1) * fy;
        uint8_t *out = vn_image_row(d, y);
        for (int x = 0; x < d->width; x++) {
            double sx0 = x * fx, sx1 = (x + 1) * fx, acc[4] = {0, 0, 0, 0}, wsum = 0.0;
            for (int yy = (int)sy0; yy < VNI_MIN((int)ceil(sy1), s->height); yy++) {
                double wy = fmin(sy1, yy + 1.0) - fmax(sy0, (double)yy);
                const uint8_t *in = vn_image_row(s, yy);
                for (int xx = (int)sx0; xx < VNI_MIN((int)ceil(sx1), s->width); xx++) {
                    double w = wy * (fmin(sx1, xx + 1.0) - fmax(sx0, (double)xx));
                    for (int c = 0; c < nch; c++)
                        acc[c] += w * in[xx * nch + c];
                    wsum += w;
                }
            }
            for (int c = 0; c < nch; c++)
                out[x * nch + c] = (uint8_t)VNI_CLAMP((int)(acc[c] / wsum + 0.5), 0, 255);
        }
    }
}

static void bilinear_rows(void *opaque, int job, int n_jobs)
{
    ResizeArg *a = opaque;
    const VnImage *s = a->src;
    VnImage *d = a->dst;
    const int nch = s->channels;
    const float fx = (float)s->width / d->width, fy = (float)s->height / d->height;
    int y0 = (int)((int64_t)d->height * job / n_jobs), y1 = (int)((int64_t)d->height * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        float sy = VNI_CLAMP((y + 0.5f) * fy - 0.5f, 0.0f, (float)(s->height - 1));
        int iy = (int)sy, iy1 = VNI_MIN(iy + 1, s->height - 1);
        float ay = sy - iy;
        const uint8_t *r0 = vn_image_row(s, iy), *r1 = vn_image_row(s, iy1);
        uint8_t *out = vn_image_row(d, y);
        for (int x = 0; x < d->width; x++) {
            float sx = VNI_CLAMP((x + 0.5f) * fx - 0.5f, 0.0f, (float)(s->width - 1));
            int ix = (int)sx, ix1 = VNI_MIN(ix + 1, s->width - 1);
            float ax = sx - ix;
            for (int c = 0; c < nch; c++) {
                float v = (1 - ay) * ((1 - ax) * r0[ix * nch + c] + ax * r0[ix1 * nch + c]) +
                          ay * ((1 - ax) * r1[ix * nch + c] + ax * r1[ix1 * nch + c]);
                out[x * nch + c] = (uint8_t)(v + 0.5f);
            }
        }
    }
}

int vni_resize_u8(const VnContext *ctx, VnImage *dst, const VnImage *src)
{
    ResizeArg a = {dst, src};
    if (!dst || !src || dst->type != VN_U8 || src->type != VN_U8 || dst->channels != src->channels)
        return -EINVAL;
    if (dst->width == src->width && dst->height == src->height)
        return vn_image_copy(dst, src);
    vni_parallel(ctx, dst->width <= src->width && dst->height <= src->height ? area_rows : bilinear_rows,
                 &a, vni_row_jobs(ctx, dst->height));
    return 0;
}

int vni_mask_downscale_any(VnImage *dst, const VnImage *src)
{
    uint8_t *acc;
    int *cx0;
    if (!dst || !src || dst->channels != 1 || src->channels != 1 || dst->width > src->width ||
        dst->height > src->height)
        return -EINVAL;
    acc = vni_malloc_array((size_t)src->width, 1);
    cx0 = vni_malloc_array((size_t)dst->width + 1, sizeof(int));
    if (!acc || !cx0) {
        vni_free(acc);
        vni_free(cx0);
        return -ENOMEM;
    }
    /* dst column x covers source columns [cx0[x], cx0[x+1]) widened to touch the next one's start
     * when the footprints overlap */
    for (int x = 0; x <= dst->width; x++)
        cx0[x] = (int)((int64_t)x * src->width / dst->width);
    for (int y = 0; y < dst->height; y++) {
        int sy0 = (int)((int64_t)y * src->height / dst->height);
        int sy1 = (int)(((int64_t)(y + 1) * src->height + dst->height - 1) / dst->height);
        uint8_t *out = vn_image_row(dst, y);
        memset(acc, 0, (size_t)src->width);
        for (int yy = sy0; yy < VNI_MIN(VNI_MAX(sy1, sy0 + 1), src->height); yy++) {
            const uint8_t *in = vn_image_row(src, yy);
            for (int xx = 0; xx < src->width; xx++)
                acc[xx] |= in[xx];
        }
        for (int x = 0; x < dst->width; x++) {
            int a = cx0[x];
            int b = VNI_MIN(VNI_MAX((int)(((int64_t)(x + 1) * src->width + dst->width - 1) / dst->width), a + 1),
                            src->width);
            uint8_t any = 0;
            for (int xx = a; xx < b; xx++)
                any |= acc[xx];
            out[x] = any != 0;
        }
    }
    vni_free(acc);
    vni_free(cx0);
    return 0;
}

void vni_working_size(int w, int h, int max_long, int *ow, int *oh)
{
    int l = VNI_MAX(w, h);
    if (max_long <= 0 || l <= max_long) {
        *ow = w;
        *oh = h;
        return;
    }
    *ow = VNI_MAX(2, (int)((int64_t)w * max_long / l) & ~1);
    *oh = VNI_MAX(2, (int)((int64_t)h * max_long / l) & ~1);
}
