/* Sampling images, masks and flows along a flow field: backward warps and flow chains. */
#include "vanish/flow.h"

#include <errno.h>
#include <math.h>

#include "flow/sample.h"

typedef struct WarpJob {
    VnImage *dst;
    const VnImage *src, *flow;
} WarpJob;

static int is_flow(const VnImage *f)
{
    return f && f->channels == 2 && f->type == VN_F32 && f->width > 0 && f->height > 0;
}

/* dst(x) = src(x + flow(x)) for the rows of one job. */
static void warp_rows(void *opaque, int job, int n_jobs)
{
    const WarpJob *j = opaque;
    const int h = j->dst->height, w = j->dst->width, c = j->dst->channels;
    for (int y = h * job / n_jobs; y < h * (job + 1) / n_jobs; y++) {
        const float *f = (const float *)vn_image_row(j->flow, y);
        for (int x = 0; x < w; x++) {
            float v[4];
            if (j->src->type == VN_F32) {
                vni_sample_f32(j->src, x + f[2 * x], y + f[2 * x + 1], v);
                for (int k = 0; k < c; k++)
                    ((float *)vn_image_row(j->dst, y))[c * x + k] = v[k];
            } else {
                vni_sample_u8(j->src, x + f[2 * x], y + f[2 * x + 1], v);
                for (int k = 0; k < c; k++)
                    vn_image_row(j->dst, y)[c * x + k] = (uint8_t)lrintf(VNI_CLAMP(v[k], 0.0f, 255.0f));
            }
        }
    }
}

int vn_flow_warp(VnContext *ctx, VnImage *dst, const VnImage *src, const VnImage *flow)
{
    WarpJob j = {dst, src, flow};
    if (!dst || !src || !is_flow(flow) || dst->width != flow->width || dst->height != flow->height ||
        dst->channels != src->channels || dst->type != src->type || src->channels < 1 || src->channels > 4 ||
        src->width != flow->width || src->height != flow->height || src == dst)
        return vni_error(ctx, -EINVAL, "flow warp: the image, its destination and the flow do not agree");
    vni_parallel(ctx, warp_rows, &j, vni_row_jobs(ctx, dst->height));
    return 0;
}

/* Bilinear weight of the in-mask pixels around (x, y); 0 outside the mask's frame. */
static float mask_weight(const VnImage *m, float x, float y)
{
    int x0 = (int)floorf(x), y0 = (int)floorf(y);
    float ax = x - (float)x0, ay = y - (float)y0, s = 0.0f;
    for (int dy = 0; dy < 2; dy++)
        for (int dx = 0; dx < 2; dx++) {
            int xx = x0 + dx, yy = y0 + dy;
            if (xx >= 0 && yy >= 0 && xx < m->width && yy < m->height && vn_image_row(m, yy)[xx])
                s += (dx ? ax : 1 - ax) * (dy ? ay : 1 - ay);
        }
    return s;
}

static void warp_mask_rows(void *opaque, int job, int n_jobs)
{
    const WarpJob *j = opaque;
    const int h = j->dst->height, w = j->dst->width;
    for (int y = h * job / n_jobs; y < h * (job + 1) / n_jobs; y++) {
        const float *f = (const float *)vn_image_row(j->flow, y);
        uint8_t *d = vn_image_row(j->dst, y);
        for (int x = 0; x < w; x++)
            d[x] = mask_weight(j->src, x + f[2 * x], y + f[2 * x + 1]) >= 0.5f ? 255 : 0;
    }
}

int vn_flow_warp_mask(VnContext *ctx, VnImage *dst, const VnImage *src, const VnImage *flow)
{
    WarpJob j = {dst, src, flow};
    if (!dst || !src || !is_flow(flow) || dst->width != flow->width || dst->height != flow->height ||
        dst->channels != 1 || src->channels != 1 || dst->type != VN_U8 || src->type != VN_U8 || src == dst)
        return vni_error(ctx, -EINVAL, "flow warp: masks must be 1-channel 8-bit, the destination of the flow's size");
    vni_parallel(ctx, warp_mask_rows, &j, vni_row_jobs(ctx, dst->height));
    return 0;
}

/* dst(x) = f01(x) + f12(x + f01(x)) for the rows of one job; dst may be f01 (read at x only,
 * before x is written). */
static void chain_rows(void *opaque, int job, int n_jobs)
{
    const WarpJob *j = opaque;
    const int h = j->dst->height, w = j->dst->width;
    for (int y = h * job / n_jobs; y < h * (job + 1) / n_jobs; y++) {
        const float *f0 = (const float *)vn_image_row(j->src, y);
        float *d = (float *)vn_image_row(j->dst, y);
        for (int x = 0; x < w; x++) {
            float u = f0[2 * x], v = f0[2 * x + 1], s[2];
            vni_sample_f32(j->flow, x + u, y + v, s);
            d[2 * x] = u + s[0];
            d[2 * x + 1] = v + s[1];
        }
    }
}

int vn_flow_chain(VnContext *ctx, VnImage *dst, const VnImage *f01, const VnImage *f12)
{
    WarpJob j = {dst, f01, f12};
    if (!is_flow(dst) || !is_flow(f01) || !is_flow(f12) || f01->width != dst->width ||
        f01->height != dst->height || f12->width != dst->width || f12->height != dst->height || f12 == dst)
        return vni_error(ctx, -EINVAL, "flow chain: the flows must be 2-channel float fields of one size, "
                                       "and the destination not the second flow");
    vni_parallel(ctx, chain_rows, &j, vni_row_jobs(ctx, dst->height));
    return 0;
}
