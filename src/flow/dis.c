/* DIS flow: the coarse-to-fine driver (see dis.h; the three steps live in dis_patch.c,
 * dis_dense.c and dis_refine.c). */
#include "flow/dis.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/resample.h"
#include "flow/dis_level.h"
#include "inpaint/multigrid.h"

void vni_dis_preset(VniDisParams *p, int preset)
{
    p->patch = 8;
    p->stride = 4;
    p->iters = 16;
    p->finest = 1;
    p->var_iters = 4;
    p->sor_iters = 4;
    p->var_alpha = 2.0f;
    p->var_delta = 1.0f;
    p->var_gamma = 0.0f;
    p->min_side = 16;
    p->edge_aware = 0;
    if (preset == 0) {
        p->stride = 5;
        p->iters = 12;
        p->finest = 2;
        p->var_iters = 1;
    } else if (preset == 2) {
        p->stride = 3;
        p->iters = 24;
        p->finest = 0;
        p->var_iters = 4;
    }
}

/* Central-difference gradients of i0. */
static void gradients(DisLevel *l)
{
    const VnImage *i = l->i0;
    for (int y = 0; y < i->height; y++) {
        const float *r = dis_row(i, y), *ru = dis_row(i, VNI_MAX(y - 1, 0));
        const float *rd = dis_row(i, VNI_MIN(y + 1, i->height - 1));
        float *gx = dis_row(l->gx, y), *gy = dis_row(l->gy, y);
        for (int x = 0; x < i->width; x++) {
            gx[x] = 0.5f * (r[VNI_MIN(x + 1, i->width - 1)] - r[VNI_MAX(x - 1, 0)]);
            gy[x] = 0.5f * (rd[x] - ru[x]);
        }
    }
}

/* dst = src with DIS_PAD replicated pixels around it (dst is (w + 2 pad) x (h + 2 pad)). */
static void pad_copy(VnImage *dst, const VnImage *src)
{
    const int w = src->width;
    for (int y = 0; y < dst->height; y++) {
        const float *s = dis_row(src, VNI_CLAMP(y - DIS_PAD, 0, src->height - 1));
        float *d = dis_row(dst, y);
        for (int x = 0; x < DIS_PAD; x++) {
            d[x] = s[0];
            d[DIS_PAD + w + x] = s[w - 1];
        }
        memcpy(d + DIS_PAD, s, sizeof(float) * (size_t)w);
    }
}

/* Pixels around a mask (at each level) that count as masked too. */
#define MASK_GROW 1

/* Validity (1 - mask, nearest-any downscale, grown by MASK_GROW) of a base-size mask at this
 * level, as F32. */
static int level_valid(VnImage **dst, const VnImage *m, int w, int h)
{
    VnImage *small = NULL;
    int ret;
    if ((ret = vn_image_alloc(dst, w, h, 1, VN_F32)) < 0)
        return ret;
    if (m && ((ret = vn_image_alloc(&small, w, h, 1, VN_U8)) < 0 ||
              (ret = vni_mask_downscale_any(small, m)) < 0))
        goto fail;
    /* one more pixel around the mask: gradients and bilinear taps reach a pixel beyond */
    for (int y = 0; y < h; y++) {
        float *d = dis_row(*dst, y);
        for (int x = 0; x < w; x++) {
            int hit = 0;
            for (int yy = VNI_MAX(y - MASK_GROW, 0); small && !hit && yy <= VNI_MIN(y + MASK_GROW, h - 1); yy++) {
                const uint8_t *s = vn_image_row(small, yy);
                for (int xx = VNI_MAX(x - MASK_GROW, 0); !hit && xx <= VNI_MIN(x + MASK_GROW, w - 1); xx++)
                    hit = s[xx] != 0;
            }
            d[x] = hit ? 0.0f : 1.0f;
        }
    }
fail:
    vn_image_free(&small);
    return ret;
}

/* Patch origins along an axis of length len: every stride, the last one flush with the end. */
static int grid(int len, int ps, int stride, int *o)
{
    int n = 0;
    for (int x = 0; x + ps <= len; x += stride)
        o[n++] = x;
    if (n == 0 || o[n - 1] + ps < len)
        o[n++] = VNI_MAX(0, len - ps);
    return n;
}

/* Source column pairs and weights of bilinear resampling from sw to dw samples (pixel centres
 * aligned), positions clamped to the source. */
static void resample_taps(int dw, int sw, int *i0, int *i1, float *a)
{
    const float s = (float)sw / (float)dw;
    for (int x = 0; x < dw; x++) {
        float f = VNI_CLAMP((x + 0.5f) * s - 0.5f, 0.0f, (float)(sw - 1));
        i0[x] = (int)f;
        i1[x] = VNI_MIN(i0[x] + 1, sw - 1);
        a[x] = f - (float)i0[x];
    }
}

/* dst = src resampled bilinearly to dst's size, vectors scaled with it (flow fields). */
static int resample_flow(VnImage *dst, const VnImage *src)
{
    const float kx = (float)dst->width / src->width, ky = (float)dst->height / src->height;
    int *c0 = vni_malloc_array((size_t)dst->width, 2 * sizeof(int)), *c1 = c0 ? c0 + dst->width : NULL, r0, r1;
    float *ax = vni_malloc_array((size_t)dst->width, sizeof(float)), ay;
    if (!c0 || !ax) {
        vni_free(c0);
        vni_free(ax);
        return -ENOMEM;
    }
    resample_taps(dst->width, src->width, c0, c1, ax);
    for (int y = 0; y < dst->height; y++) {
        float fy = VNI_CLAMP((y + 0.5f) * src->height / (float)dst->height - 0.5f, 0.0f, (float)(src->height - 1));
        r0 = (int)fy;
        r1 = VNI_MIN(r0 + 1, src->height - 1);
        ay = fy - (float)r0;
        const float *s0 = dis_row(src, r0), *s1 = dis_row(src, r1);
        float *d = dis_row(dst, y);
        for (int x = 0; x < dst->width; x++) {
            const float a = ax[x], w00 = (1 - a) * (1 - ay), w01 = a * (1 - ay), w10 = (1 - a) * ay, w11 = a * ay;
            const int p = 2 * c0[x], q = 2 * c1[x];
            d[2 * x] = kx * (w00 * s0[p] + w01 * s0[q] + w10 * s1[p] + w11 * s1[q]);
            d[2 * x + 1] = ky * (w00 * s0[p + 1] + w01 * s0[q + 1] + w10 * s1[p + 1] + w11 * s1[q + 1]);
        }
    }
    vni_free(c0);
    vni_free(ax);
    return 0;
}

/* Edge-aware link weights from the grey image: small across strong edges. */
static int edge_weights(const VnImage *img, VnImage **wx, VnImage **wy)
{
    int ret;
    if ((ret = vn_image_alloc(wx, img->width, img->height, 1, VN_F32)) < 0 ||
        (ret = vn_image_alloc(wy, img->width, img->height, 1, VN_F32)) < 0)
        return ret;
    for (int y = 0; y < img->height; y++) {
        const float *r = dis_row(img, y), *rd = dis_row(img, VNI_MIN(y + 1, img->height - 1));
        float *ox = dis_row(*wx, y), *oy = dis_row(*wy, y);
        for (int x = 0; x < img->width; x++) {
            float gx = (r[VNI_MIN(x + 1, img->width - 1)] - r[x]) / 10.0f, gy = (rd[x] - r[x]) / 10.0f;
            ox[x] = 1.0f / (1.0f + gx * gx) + 1e-3f;
            oy[x] = 1.0f / (1.0f + gy * gy) + 1e-3f;
        }
    }
    return 0;
}

/* Complete the flow over the hole from its border (membrane, optionally edge-aware). */
static int fill_holes(const VnContext *ctx, VnImage *flow, const VnImage *hole, const VnImage *grey,
                      int edge_aware)
{
    VnImage *wx = NULL, *wy = NULL;
    VnMgParams mp;
    int ret;
    vni_mg_default_params(&mp);
    mp.tol = 0.01f;
    mp.max_cycles = 4;
    if (edge_aware && grey && (ret = edge_weights(grey, &wx, &wy)) < 0)
        goto fail;
    ret = vni_mg_solve(ctx, flow, hole, NULL, wx, wy, &mp);
fail:
    vn_image_free(&wx);
    vn_image_free(&wy);
    return ret;
}

static void level_free(DisLevel *l)
{
    vn_image_free(&l->gx);
    vn_image_free(&l->gy);
    vn_image_free(&l->i1p);
    vn_image_free(&l->v0);
    vn_image_free(&l->v1p);
    vn_image_free(&l->hole);
    vni_freep(&l->acc);
    vni_freep(&l->pu);
    vni_freep(&l->pv);
    vni_freep(&l->pok);
    vni_freep(&l->ox);
    vni_freep(&l->oy);
}

/* Buffers of one level: gradients, padded frame 1, validity, patch grid. */
static int level_alloc(DisLevel *l, const VnImage *m0, const VnImage *m1)
{
    const int w = l->w, h = l->h, ps = l->p->patch;
    VnImage *v1 = NULL;
    size_t np;
    int ret;
    if ((ret = vn_image_alloc(&l->gx, w, h, 1, VN_F32)) < 0 || (ret = vn_image_alloc(&l->gy, w, h, 1, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&l->hole, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&l->i1p, w + 2 * DIS_PAD, h + 2 * DIS_PAD, 1, VN_F32)) < 0)
        return ret;
    if (m0 || m1) {
        if ((ret = level_valid(&l->v0, m0, w, h)) < 0 || (ret = level_valid(&v1, m1, w, h)) < 0 ||
            (ret = vn_image_alloc(&l->v1p, w + 2 * DIS_PAD, h + 2 * DIS_PAD, 1, VN_F32)) < 0) {
            vn_image_free(&v1);
            return ret;
        }
        pad_copy(l->v1p, v1);
        vn_image_free(&v1);
    }
    l->ox = vni_malloc_array((size_t)w / (size_t)l->p->stride + 2, sizeof(int));
    l->oy = vni_malloc_array((size_t)h / (size_t)l->p->stride + 2, sizeof(int));
    if (!l->ox || !l->oy)
        return -ENOMEM;
    l->nx = grid(w, ps, l->p->stride, l->ox);
    l->ny = grid(h, ps, l->p->stride, l->oy);
    np = (size_t)l->nx * (size_t)l->ny;
    l->pu = vni_malloc_array(np, sizeof(float));
    l->pv = vni_malloc_array(np, sizeof(float));
    l->pok = vni_malloc_array(np, 1);
    l->acc = vni_malloc_array((size_t)w * h, 3 * sizeof(float));
    if (!l->pu || !l->pv || !l->pok || !l->acc)
        return -ENOMEM;
    return 0;
}

/* One level: patches, densification, refinement, completion of the holes. */
static int solve_level(const VnContext *ctx, DisLevel *l, const VnImage *m0, const VnImage *m1)
{
    int ret;
    if ((ret = level_alloc(l, m0, m1)) < 0)
        return ret;
    gradients(l);
    pad_copy(l->i1p, l->i1);
    vni_dis_match(ctx, l);
    vni_dis_densify(ctx, l);
    if ((ret = fill_holes(ctx, l->flow, l->hole, l->i0, l->p->edge_aware)) < 0)
        return ret;
    if (l->p->var_iters > 0 && (ret = vni_dis_refine(ctx, l)) < 0)
        return ret;
    return 0;
}

/* The coarsest level to start from: patches must fit and the side must stay above min_side. */
static int coarsest_level(const VniPyramid *p0, const VniPyramid *p1, const VniDisParams *p)
{
    int c = VNI_MIN(p0->n, p1->n) - 1;
    while (c > 0 && (VNI_MIN(p0->lv[c]->width, p0->lv[c]->height) < VNI_MAX(p->min_side, 2 * p->patch)))
        c--;
    return c;
}

static int check_args(const VniPyramid *p0, const VniPyramid *p1, const VnImage *flow, const VniDisParams *p)
{
    if (!p0 || !p1 || p0->n < 1 || p1->n < 1 || !flow || flow->channels != 2 || flow->type != VN_F32 ||
        flow->width != p0->lv[0]->width || flow->height != p0->lv[0]->height ||
        p1->lv[0]->width != flow->width || p1->lv[0]->height != flow->height || p->patch > 16 || p->patch < 4 ||
        p->stride < 1 || p->iters < 0)
        return -EINVAL;
    if (flow->width < p->patch || flow->height < p->patch)
        return -EINVAL;
    return 0;
}

int vni_dis_flow(const VnContext *ctx, const VniPyramid *p0, const VniPyramid *p1, const VnImage *m0,
                 const VnImage *m1, VnImage *flow, int init, const VniDisParams *params)
{
    VniDisParams p = *params;
    VnImage *cur = NULL, *next = NULL;
    int coarsest, ret;
    if ((ret = check_args(p0, p1, flow, &p)) < 0)
        return ret;
    coarsest = coarsest_level(p0, p1, &p);
    p.finest = VNI_CLAMP(p.finest, 0, coarsest);
    for (int lv = coarsest; lv >= p.finest; lv--) {
        DisLevel l;
        const VnImage *i0 = p0->lv[lv];
        memset(&l, 0, sizeof(l));
        if ((ret = vn_image_alloc(&next, i0->width, i0->height, 2, VN_F32)) < 0)
            goto fail;
        if ((cur && (ret = resample_flow(next, cur)) < 0) || (!cur && init && (ret = resample_flow(next, flow)) < 0))
            goto fail;
        vn_image_free(&cur);
        cur = next;
        next = NULL;
        l.w = i0->width;
        l.h = i0->height;
        l.i0 = i0;
        l.i1 = p1->lv[lv];
        l.flow = cur;
        l.p = &p;
        ret = solve_level(ctx, &l, m0, m1);
        level_free(&l);
        if (ret < 0)
            goto fail;
    }
    if (cur->width != flow->width || cur->height != flow->height)
        ret = resample_flow(flow, cur);
    else
        ret = vn_image_copy(flow, cur);
    if (ret < 0)
        goto fail;
    /* complete the flow in frame 0's hole at full resolution */
    if (m0 && (ret = fill_holes(ctx, flow, m0, p0->lv[0], p.edge_aware)) < 0)
        goto fail;
fail:
    vn_image_free(&cur);
    vn_image_free(&next);
    return ret;
}
