/* The stage interfaces of inpaint/stages.h, bound to vanish's own methods. */
#include "inpaint/stages.h"

#include <errno.h>
#include <string.h>

#include "core/pyramid.h"
#include "flow/dis.h"
#include "inpaint/patchmatch.h"
#include "inpaint/spatial.h"

/* PatchMatch completion; the membrane fill where no complete source patch exists (a frame
 * that is all hole, say). */
int vni_fill_stage_invent(const VnContext *ctx, VnImage *rgb, const VnImage *hole, int preset)
{
    VnPatchMatchParams p;
    int ret;
    vni_patchmatch_default_params(&p);
    if (preset == 0) {
        p.em_iters = 3;
        p.em_iters_fine = 1;
    } else if (preset == 2) {
        p.em_iters = 8;
        p.em_iters_fine = 3;
        p.pm_iters = 3;
    }
    ret = vni_patchmatch_fill(ctx, rgb, hole, NULL, &p);
    if (ret == -EINVAL)
        ret = vni_fill_harmonic(ctx, rgb, hole);
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
