#include "core/pyramid.h"

#include <errno.h>
#include <string.h>

typedef struct PyrArg {
    VnImage *dst;
    const VnImage *src;
} PyrArg;

/* Grey rows of one band. */
static void grey_rows(void *opaque, int job, int n_jobs)
{
    PyrArg *a = opaque;
    const VnImage *s = a->src;
    const int nch = s->channels;
    int y0 = (int)((int64_t)s->height * job / n_jobs), y1 = (int)((int64_t)s->height * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        const uint8_t *in = vn_image_row(s, y);
        float *out = (float *)vn_image_row(a->dst, y);
        if (nch < 3)
            for (int x = 0; x < s->width; x++)
                out[x] = in[x * nch];
        else
            for (int x = 0; x < s->width; x++)
                out[x] = 0.299f * in[x * nch] + 0.587f * in[x * nch + 1] + 0.114f * in[x * nch + 2];
    }
}

int vni_grey_f32(const VnContext *ctx, VnImage *dst, const VnImage *src)
{
    PyrArg a = {dst, src};
    if (!dst || !src || src->type != VN_U8 || dst->type != VN_F32 || dst->channels != 1 ||
        dst->width != src->width || dst->height != src->height)
        return -EINVAL;
    vni_parallel(ctx, grey_rows, &a, vni_row_jobs(ctx, src->height));
    return 0;
}

/* Halve one band of destination rows: 5x5 binomial taps centred on (2x, 2y), edges replicated. */
static void down_rows(void *opaque, int job, int n_jobs)
{
    static const float k[5] = {1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f};
    PyrArg *a = opaque;
    const VnImage *s = a->src;
    VnImage *d = a->dst;
    int y0 = (int)((int64_t)d->height * job / n_jobs), y1 = (int)((int64_t)d->height * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++) {
        const float *rows[5];
        float *out = (float *)vn_image_row(d, y);
        for (int i = 0; i < 5; i++)
            rows[i] = (const float *)vn_image_row(s, VNI_CLAMP(2 * y + i - 2, 0, s->height - 1));
        for (int x = 0; x < d->width; x++) {
            float acc = 0.0f;
            for (int j = 0; j < 5; j++) {
                int sx = VNI_CLAMP(2 * x + j - 2, 0, s->width - 1);
                float col = 0.0f;
                for (int i = 0; i < 5; i++)
                    col += k[i] * rows[i][sx];
                acc += k[j] * col;
            }
            out[x] = acc;
        }
    }
}

int vni_pyr_down_f32(const VnContext *ctx, VnImage *dst, const VnImage *src)
{
    PyrArg a = {dst, src};
    if (!dst || !src || src->type != VN_F32 || dst->type != VN_F32 || src->channels != 1 ||
        dst->channels != 1 || dst->width != (src->width + 1) / 2 || dst->height != (src->height + 1) / 2)
        return -EINVAL;
    vni_parallel(ctx, down_rows, &a, vni_row_jobs(ctx, dst->height));
    return 0;
}

int vni_pyramid_build(const VnContext *ctx, VniPyramid *p, const VnImage *base, int levels, int min_side)
{
    int ret;
    memset(p, 0, sizeof(*p));
    if (!base || base->type != VN_F32 || base->channels != 1 || levels < 1 || levels > VNI_PYR_MAX)
        return -EINVAL;
    if ((ret = vn_image_alloc(&p->lv[0], base->width, base->height, 1, VN_F32)) < 0 ||
        (ret = vn_image_copy(p->lv[0], base)) < 0)
        goto fail;
    p->n = 1;
    while (p->n < levels) {
        const VnImage *f = p->lv[p->n - 1];
        int w = (f->width + 1) / 2, h = (f->height + 1) / 2;
        if (w < VNI_MAX(min_side, 1) || h < VNI_MAX(min_side, 1))
            break;
        if ((ret = vn_image_alloc(&p->lv[p->n], w, h, 1, VN_F32)) < 0)
            goto fail;
        p->n++;
        if ((ret = vni_pyr_down_f32(ctx, p->lv[p->n - 1], f)) < 0)
            goto fail;
    }
    return 0;
fail:
    vni_pyramid_free(p);
    return ret;
}

void vni_pyramid_free(VniPyramid *p)
{
    if (!p)
        return;
    for (int i = 0; i < VNI_PYR_MAX; i++)
        vn_image_free(&p->lv[i]);
    p->n = 0;
}
