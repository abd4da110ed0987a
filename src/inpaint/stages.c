/* The stage interfaces of inpaint/stages.h, bound to vanish's own methods. */
#include "inpaint/stages.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/maskops.h"
#include "core/pyramid.h"
#include "flow/dis.h"
#include "inpaint/patchmatch.h"
#include "inpaint/spatial.h"

/* Hole components no thicker than this (twice the largest distance to their border, in pixels)
 * are interpolated: for thin strokes (text, lines) the membrane is closer than any patch. */
#define THIN_HOLE 8
/* Invented texture strays from the membrane by at most this many times the root mean square
 * detail of the hole's surroundings. */
#define TEXTURE_BOUND 2.5

/* Split hole into thin components (into `thin`) and the rest (into `thick`); returns the number
 * of thick pixels. Chamfer distances to the border, then a flood fill per 4-connected component. */
static int64_t split_thin(const VnImage *hole, VnImage *thin, VnImage *thick, int *stack)
{
    const int w = hole->width, h = hole->height;
    int64_t n_thick = 0;
    /* two-pass 3-4 chamfer distance to the nearest non-hole pixel, kept in thick as a scratch */
    for (int pass = 0; pass < 2; pass++)
        for (int yy = 0; yy < h; yy++) {
            int y = pass ? h - 1 - yy : yy, dy = pass ? 1 : -1;
            uint8_t *d = vn_image_row(thick, y);
            const uint8_t *m = vn_image_row(hole, y);
            const uint8_t *dn = y + dy >= 0 && y + dy < h ? vn_image_row(thick, y + dy) : NULL;
            for (int xx = 0; xx < w; xx++) {
                int x = pass ? w - 1 - xx : xx, dx = pass ? 1 : -1, v;
                if (!m[x]) {
                    d[x] = 0;
                    continue;
                }
                v = pass ? d[x] : 255;
                if (x + dx >= 0 && x + dx < w)
                    v = VNI_MIN(v, d[x + dx] + 3);
                if (dn) {
                    v = VNI_MIN(v, dn[x] + 3);
                    if (x + dx >= 0 && x + dx < w)
                        v = VNI_MIN(v, dn[x + dx] + 4);
                }
                d[x] = (uint8_t)VNI_MIN(v, 255);
            }
        }
    for (int y = 0; y < h; y++)
        memset(vn_image_row(thin, y), 0, (size_t)w);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int top = 0, maxd = 0, first = y * w + x;
            if (!vn_image_row(hole, y)[x] || vn_image_row(thin, y)[x])
                continue;
            /* flood the component, marking it 2 (visited) and finding its deepest pixel */
            stack[top++] = first;
            vn_image_row(thin, y)[x] = 2;
            while (top) {
                int i = stack[--top], cx = i % w, cy = i / w;
                static const int ox[4] = {1, -1, 0, 0}, oy[4] = {0, 0, 1, -1};
                maxd = VNI_MAX(maxd, vn_image_row(thick, cy)[cx]);
                for (int k = 0; k < 4; k++) {
                    int nx = cx + ox[k], ny = cy + oy[k];
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h || !vn_image_row(hole, ny)[nx] ||
                        vn_image_row(thin, ny)[nx])
                        continue;
                    vn_image_row(thin, ny)[nx] = 2;
                    stack[top++] = ny * w + nx;
                }
            }
            /* chamfer units are thirds of a pixel */
            if (2 * maxd <= 3 * THIN_HOLE)
                continue; /* stays 2: thin */
            stack[top++] = first;
            vn_image_row(thin, y)[x] = 3;
            while (top) {
                int i = stack[--top], cx = i % w, cy = i / w;
                static const int ox[4] = {1, -1, 0, 0}, oy[4] = {0, 0, 1, -1};
                for (int k = 0; k < 4; k++) {
                    int nx = cx + ox[k], ny = cy + oy[k];
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h || vn_image_row(thin, ny)[nx] != 2)
                        continue;
                    vn_image_row(thin, ny)[nx] = 3;
                    stack[top++] = ny * w + nx;
                }
            }
        }
    for (int y = 0; y < h; y++) {
        uint8_t *t = vn_image_row(thin, y), *k = vn_image_row(thick, y);
        for (int x = 0; x < w; x++) {
            k[x] = t[x] == 3;
            n_thick += k[x];
            t[x] = t[x] == 2;
        }
    }
    return n_thick;
}

/* Box blur of radius r of channel data inside [x0,x1]x[y0,y1] of src into dst (floats). */
static void box_blur(const VnImage *src, float *dst, int x0, int y0, int bw, int bh, int r)
{
    for (int y = 0; y < bh; y++)
        for (int x = 0; x < bw; x++)
            for (int c = 0; c < 3; c++) {
                float acc = 0;
                int n = 0;
                for (int dy = -r; dy <= r; dy++) {
                    int yy = VNI_CLAMP(y0 + y + dy, 0, src->height - 1);
                    const uint8_t *row = vn_image_row(src, yy);
                    for (int dx = -r; dx <= r; dx++) {
                        int xx = VNI_CLAMP(x0 + x + dx, 0, src->width - 1);
                        acc += row[3 * xx + c];
                        n++;
                    }
                }
                dst[(y * bw + x) * 3 + c] = acc / n;
            }
}

/*
 * Never-seen regions: PatchMatch gives texture, the membrane gives the right low frequencies.
 * Take the membrane and add PatchMatch's detail (its difference from a local mean): plausible
 * texture without the misplaced light and dark that a pure patch fill paints.
 */
static int texture_over_membrane(const VnContext *ctx, VnImage *rgb, const VnImage *hole,
                                 const VnPatchMatchParams *p)
{
    VnImage *pm = NULL;
    float *blur = NULL;
    double e[2] = {0, 0}, n[2] = {0, 0}, gain;
    float bound;
    int x0, y0, x1, y1, bw, bh, ret;
    const int r = 3;
    if (!vni_mask_bbox(hole, &x0, &y0, &x1, &y1))
        return 0;
    if ((ret = vn_image_alloc(&pm, rgb->width, rgb->height, 3, VN_U8)) < 0)
        return ret;
    vn_image_copy(pm, rgb);
    ret = vni_patchmatch_fill(ctx, pm, hole, NULL, p);
    if (ret == -EINVAL) {
        vn_image_free(&pm);
        return vni_fill_harmonic(ctx, rgb, hole);
    }
    if (ret < 0 || (ret = vni_fill_harmonic(ctx, rgb, hole)) < 0)
        goto fail;
    /* the box and a ring of known pixels around it, whose detail sets the texture's strength */
    x0 = VNI_MAX(0, x0 - 6);
    y0 = VNI_MAX(0, y0 - 6);
    x1 = VNI_MIN(rgb->width - 1, x1 + 6);
    y1 = VNI_MIN(rgb->height - 1, y1 + 6);
    bw = x1 - x0 + 1;
    bh = y1 - y0 + 1;
    blur = vni_malloc_array((size_t)bw * bh * 3, sizeof(float));
    if (!blur) {
        ret = -ENOMEM;
        goto fail;
    }
    box_blur(pm, blur, x0, y0, bw, bh, r);
    for (int y = 0; y < bh; y++) {
        const uint8_t *m = vn_image_row(hole, y0 + y), *t = vn_image_row(pm, y0 + y);
        for (int x = 0; x < bw; x++)
            for (int c = 0; c < 3; c++) {
                float d = t[3 * (x0 + x) + c] - blur[(y * bw + x) * 3 + c];
                e[m[x0 + x] ? 1 : 0] += d * d;
                n[m[x0 + x] ? 1 : 0] += 1;
            }
    }
    /* PatchMatch may copy busier texture than the hole's surroundings have: no stronger than them */
    gain = n[0] > 0 && e[1] > 0 ? sqrt((e[0] / n[0]) / (e[1] / n[1])) : 0.0;
    gain = gain > 1.0 ? 1.0 : gain;
    /* and no single colour further from the membrane than the surroundings' detail allows */
    bound = n[0] > 0 ? (float)(TEXTURE_BOUND * sqrt(e[0] / n[0])) : 0.0f;
    for (int y = 0; y < bh; y++) {
        const uint8_t *m = vn_image_row(hole, y0 + y);
        const uint8_t *t = vn_image_row(pm, y0 + y);
        uint8_t *o = vn_image_row(rgb, y0 + y);
        for (int x = 0; x < bw; x++) {
            if (!m[x0 + x])
                continue;
            for (int c = 0; c < 3; c++) {
                int i = 3 * (x0 + x) + c;
                float d = VNI_CLAMP((float)gain * (t[i] - blur[(y * bw + x) * 3 + c]), -bound, bound);
                float v = o[i] + d + 0.5f;
                o[i] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : (int)v);
            }
        }
    }
fail:
    vn_image_free(&pm);
    vni_free(blur);
    return ret;
}

/* Thin parts of the hole by the membrane fill; the rest by PatchMatch completion, or by the
 * membrane where no complete source patch exists (a frame that is all hole, say). */
int vni_fill_stage_invent(const VnContext *ctx, VnImage *rgb, const VnImage *hole, int preset)
{
    VnPatchMatchParams p;
    VnImage *thin = NULL, *thick = NULL;
    int *stack = NULL, ret;
    int64_t n_thick;
    if ((ret = vn_image_alloc(&thin, hole->width, hole->height, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&thick, hole->width, hole->height, 1, VN_U8)) < 0)
        goto fail;
    stack = vni_malloc_array((size_t)hole->width * hole->height, sizeof(int));
    if (!stack) {
        ret = -ENOMEM;
        goto fail;
    }
    n_thick = split_thin(hole, thin, thick, stack);
    if ((ret = vni_fill_harmonic(ctx, rgb, thin)) < 0 || !n_thick)
        goto fail;
    vni_patchmatch_default_params(&p);
    if (preset == 0) {
        p.em_iters = 3;
        p.em_iters_fine = 1;
    } else if (preset == 2) {
        p.em_iters = 8;
        p.em_iters_fine = 3;
        p.pm_iters = 3;
    }
    ret = texture_over_membrane(ctx, rgb, thick, &p);
fail:
    vn_image_free(&thin);
    vn_image_free(&thick);
    vni_free(stack);
    return ret;
}

/* The flow stage: DIS-style flow (flow/dis.h) on grey pyramids; the pyramid of the last frame
 * seen is kept, since consecutive pairs share a frame. */
struct VniFlowStage {
    const VnContext *ctx;
    VniDisParams p;
    const VnImage *key;  /* the frame whose pyramid is cached */
    VniPyramid cache;
    VnImage *grey;
};

int vni_flow_stage_open(VnContext *ctx, VniFlowStage **pst, int preset)
{
    VniFlowStage *st = vni_calloc_array(1, sizeof(*st));
    *pst = NULL;
    if (!st)
        return -ENOMEM;
    st->ctx = ctx;
    vni_dis_preset(&st->p, preset);
    *pst = st;
    return 0;
}

void vni_flow_stage_close(VniFlowStage **pst)
{
    VniFlowStage *st = *pst;
    if (!st)
        return;
    vni_pyramid_free(&st->cache);
    vn_image_free(&st->grey);
    vni_freep(pst);
}

static int pyramid_of(VniFlowStage *st, const VnImage *rgb, VniPyramid *out)
{
    int ret;
    if (!st->grey || st->grey->width != rgb->width || st->grey->height != rgb->height) {
        vn_image_free(&st->grey);
        if ((ret = vn_image_alloc(&st->grey, rgb->width, rgb->height, 1, VN_F32)) < 0)
            return ret;
    }
    if ((ret = vni_grey_f32(st->ctx, st->grey, rgb)) < 0)
        return ret;
    return vni_pyramid_build(st->ctx, out, st->grey, VNI_PYR_MAX, st->p.min_side);
}

int vni_flow_stage_pair(VniFlowStage *st, const VnImage *a, const VnImage *b, const VnImage *mask_a,
                        const VnImage *mask_b, VnImage *fwd, VnImage *bwd)
{
    VniPyramid pa = {0}, pb = {0};
    int ret, cached = st->key == a && st->cache.n > 0;
    if (cached) {
        pa = st->cache;
        memset(&st->cache, 0, sizeof(st->cache));
    } else {
        vni_pyramid_free(&st->cache);
        if ((ret = pyramid_of(st, a, &pa)) < 0)
            goto fail;
    }
    st->key = NULL;
    if ((ret = pyramid_of(st, b, &pb)) < 0 ||
        (ret = vni_dis_flow(st->ctx, &pa, &pb, mask_a, mask_b, fwd, 0, &st->p)) < 0 ||
        (ret = vni_dis_flow(st->ctx, &pb, &pa, mask_b, mask_a, bwd, 0, &st->p)) < 0)
        goto fail;
    st->cache = pb;
    st->key = b;
    memset(&pb, 0, sizeof(pb));
fail:
    vni_pyramid_free(&pa);
    vni_pyramid_free(&pb);
    return ret;
}
