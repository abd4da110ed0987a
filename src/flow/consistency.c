/* Forward-backward consistency of a pair of flows: occlusion and confidence maps. */
#include "vanish/flow.h"

#include <errno.h>
#include <math.h>

#include "flow/sample.h"

typedef struct CheckJob {
    const VnImage *fwd, *bwd;
    VnImage *occ, *conf;
    float tol2;
} CheckJob;

/* Round trip a → b → a of each pixel: the error against a threshold that grows with the motion
 * (Sundaram et al. 2010), since long vectors are less precise; leaving the frame is occlusion. */
static void check_rows(void *opaque, int job, int n_jobs)
{
    const CheckJob *j = opaque;
    const int h = j->fwd->height, w = j->fwd->width;
    for (int y = h * job / n_jobs; y < h * (job + 1) / n_jobs; y++) {
        const float *f = (const float *)vn_image_row(j->fwd, y);
        for (int x = 0; x < w; x++) {
            float u = f[2 * x], v = f[2 * x + 1], px = x + u, py = y + v, b[2], e2, thr, c = 0.0f;
            int occ = 1;
            if (px >= -0.5f && py >= -0.5f && px <= w - 0.5f && py <= h - 0.5f) {
                vni_sample_f32(j->bwd, px, py, b);
                e2 = (u + b[0]) * (u + b[0]) + (v + b[1]) * (v + b[1]);
                thr = 0.01f * (u * u + v * v + b[0] * b[0] + b[1] * b[1]) + j->tol2;
                occ = e2 > thr;
                c = expf(-e2 / thr);
            }
            if (j->occ)
                vn_image_row(j->occ, y)[x] = occ ? 255 : 0;
            if (j->conf)
                ((float *)vn_image_row(j->conf, y))[x] = c;
        }
    }
}

int vn_flow_consistency(VnContext *ctx, const VnImage *fwd, const VnImage *bwd, float tolerance,
                        VnImage **occ, VnImage **conf)
{
    CheckJob j = {fwd, bwd, NULL, NULL, tolerance * tolerance};
    int ret = 0;
    if (occ)
        *occ = NULL;
    if (conf)
        *conf = NULL;
    if (!fwd || !bwd || fwd->channels != 2 || bwd->channels != 2 || fwd->type != VN_F32 || bwd->type != VN_F32 ||
        fwd->width != bwd->width || fwd->height != bwd->height)
        return vni_error(ctx, -EINVAL, "flow consistency: the two flows must be 2-channel float fields of one size");
    if (!(tolerance > 0.0f))
        return vni_error(ctx, -EINVAL, "flow consistency: tolerance %g must be positive", tolerance);
    if ((occ && (ret = vn_image_alloc(occ, fwd->width, fwd->height, 1, VN_U8)) < 0) ||
        (conf && (ret = vn_image_alloc(conf, fwd->width, fwd->height, 1, VN_F32)) < 0))
        goto fail;
    j.occ = occ ? *occ : NULL;
    j.conf = conf ? *conf : NULL;
    vni_parallel(ctx, check_rows, &j, vni_row_jobs(ctx, fwd->height));
    return 0;
fail:
    if (occ)
        vn_image_free(occ);
    if (conf)
        vn_image_free(conf);
    return vni_error(ctx, ret, "flow consistency: %s", vn_strerror(ret));
}
