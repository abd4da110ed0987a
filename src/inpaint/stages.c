/* The stage interfaces of inpaint/stages.h, bound to vanish's own methods. */
#include "inpaint/stages.h"

#include <errno.h>

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

/* TEMPORARY until src/flow lands this session: no flow engine yet. */
struct VniFlowStage {
    int preset;
};

int vni_flow_stage_open(VnContext *ctx, VniFlowStage **st, int preset)
{
    (void)ctx;
    (void)preset;
    *st = NULL;
    return -ENOSYS;
}

void vni_flow_stage_close(VniFlowStage **st)
{
    *st = NULL;
}

int vni_flow_stage_pair(VniFlowStage *st, const VnImage *a, const VnImage *b, const VnImage *mask_a,
                        const VnImage *mask_b, VnImage *fwd, VnImage *bwd)
{
    return -ENOSYS;
}
