/* The public flow API (vanish/flow.h): settings, option table and vn_flow_compute. */
#include "vanish/flow.h"

#include <errno.h>
#include <stddef.h>

#include "flow/dis.h"

static const char *const preset_names[] = {"fast", "medium", "best", NULL};

static const VnOption flow_options[] = {
    {"preset", "speed against accuracy of the flow", VN_OPT_CHOICE, offsetof(VnFlowSettings, preset),
     VN_FLOW_MEDIUM, 0, 2, preset_names},
    {"patch", "patch side in pixels (0 = the preset's)", VN_OPT_INT, offsetof(VnFlowSettings, patch), 0, 0, 16,
     NULL},
    {"stride", "distance between patches in pixels (0 = the preset's)", VN_OPT_INT,
     offsetof(VnFlowSettings, stride), 0, 0, 16, NULL},
    {"iters", "Gauss-Newton steps per patch (0 = the preset's)", VN_OPT_INT, offsetof(VnFlowSettings, iters), 0,
     0, 200, NULL},
    {"finest", "finest pyramid level solved, 0 = full size (-1 = the preset's)", VN_OPT_INT,
     offsetof(VnFlowSettings, finest), -1, -1, 8, NULL},
    {"var-iters", "variational refinement iterations per level (-1 = the preset's, 0 = none)", VN_OPT_INT,
     offsetof(VnFlowSettings, var_iters), -1, -1, 50, NULL},
    {"alpha", "smoothness weight of the refinement (0 = default)", VN_OPT_FLOAT, offsetof(VnFlowSettings, alpha),
     0, 0, 1000, NULL},
    {"edge-aware", "complete the flow inside masks along image edges", VN_OPT_BOOL,
     offsetof(VnFlowSettings, edge_aware), 0, 0, 1, NULL},
    {"occ-tolerance", "forward-backward mismatch in pixels tolerated before a pixel is occluded",
     VN_OPT_FLOAT, offsetof(VnFlowSettings, occ_tolerance), 1.0, 0.01, 100, NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};

void vn_flow_default_settings(VnFlowSettings *s)
{
    s->preset = VN_FLOW_MEDIUM;
    s->patch = 0;
    s->stride = 0;
    s->iters = 0;
    s->finest = -1;
    s->var_iters = -1;
    s->alpha = 0.0f;
    s->edge_aware = 0;
    s->occ_tolerance = 1.0f;
}

const VnOption *vn_flow_options(void)
{
    return flow_options;
}

/* The engine's parameters: the preset's, with the fields the settings set. */
static void params_of(const VnFlowSettings *s, VniDisParams *p)
{
    vni_dis_preset(p, VNI_CLAMP(s->preset, 0, 2));
    if (s->patch > 0)
        p->patch = s->patch;
    if (s->stride > 0)
        p->stride = s->stride;
    if (s->iters > 0)
        p->iters = s->iters;
    if (s->finest >= 0)
        p->finest = s->finest;
    if (s->var_iters >= 0)
        p->var_iters = s->var_iters;
    if (s->alpha > 0)
        p->var_alpha = s->alpha;
    p->edge_aware = s->edge_aware;
}

/* Grey pyramid of an 8-bit frame. */
static int pyramid_of(const VnContext *ctx, const VnImage *img, VniPyramid *pyr, int min_side)
{
    VnImage *grey = NULL;
    int ret;
    if ((ret = vn_image_alloc(&grey, img->width, img->height, 1, VN_F32)) < 0)
        return ret;
    if ((ret = vni_grey_f32(ctx, grey, img)) >= 0)
        ret = vni_pyramid_build(ctx, pyr, grey, VNI_PYR_MAX, min_side);
    vn_image_free(&grey);
    return ret;
}

static int check_inputs(VnContext *ctx, const VnImage *a, const VnImage *b, const VnImage *ma,
                        const VnImage *mb, const VniDisParams *p)
{
    int ret;
    if (!a || !b || a->type != VN_U8 || b->type != VN_U8 || a->channels == 2 || b->channels == 2)
        return vni_error(ctx, -EINVAL, "flow: frames must be 8-bit grey or RGB images");
    if (a->width != b->width || a->height != b->height)
        return vni_error(ctx, VN_ERR_MISMATCH, "flow: frames differ in size (%dx%d and %dx%d)", a->width,
                         a->height, b->width, b->height);
    if ((ret = vni_check_size(ctx, a->width, a->height)) < 0)
        return vni_error(ctx, ret, "flow: frame size %dx%d is beyond the limits", a->width, a->height);
    if (a->width < p->patch || a->height < p->patch)
        return vni_error(ctx, -EINVAL, "flow: frames of %dx%d are smaller than a patch (%d)", a->width,
                         a->height, p->patch);
    for (int i = 0; i < 2; i++) {
        const VnImage *m = i ? mb : ma;
        if (m && (m->width != a->width || m->height != a->height || m->channels != 1 || m->type != VN_U8))
            return vni_error(ctx, VN_ERR_MISMATCH, "flow: mask %c must be a %dx%d 8-bit grey image", 'a' + i,
                             a->width, a->height);
    }
    return 0;
}

int vn_flow_compute(VnContext *ctx, const VnImage *a, const VnImage *b, const VnImage *mask_a,
                    const VnImage *mask_b, const VnFlowSettings *s, VnImage **fwd, VnImage **bwd)
{
    VniPyramid pa = {0}, pb = {0};
    VniDisParams p;
    VnFlowSettings def;
    int ret;
    if (!fwd)
        return -EINVAL;
    *fwd = NULL;
    if (bwd)
        *bwd = NULL;
    if (!s) {
        vn_flow_default_settings(&def);
        s = &def;
    }
    params_of(s, &p);
    if ((ret = check_inputs(ctx, a, b, mask_a, mask_b, &p)) < 0)
        return ret;
    if ((ret = pyramid_of(ctx, a, &pa, p.min_side)) < 0 || (ret = pyramid_of(ctx, b, &pb, p.min_side)) < 0 ||
        (ret = vn_image_alloc(fwd, a->width, a->height, 2, VN_F32)) < 0 ||
        (bwd && (ret = vn_image_alloc(bwd, a->width, a->height, 2, VN_F32)) < 0))
        goto fail;
    if ((ret = vni_dis_flow(ctx, &pa, &pb, mask_a, mask_b, *fwd, 0, &p)) < 0 ||
        (bwd && (ret = vni_dis_flow(ctx, &pb, &pa, mask_b, mask_a, *bwd, 0, &p)) < 0))
        goto fail;
    ret = 0;
fail:
    vni_pyramid_free(&pa);
    vni_pyramid_free(&pb);
    if (ret < 0) {
        vn_image_free(fwd);
        if (bwd)
            vn_image_free(bwd);
        vni_error(ctx, ret, "flow: %s", vn_strerror(ret));
    }
    return ret;
}
