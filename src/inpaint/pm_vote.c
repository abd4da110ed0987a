/*
 * The voting step of Wexler et al. 2007: every hole pixel is covered by up to (2r+1)^2 target
 * patches, each mapped to a source patch by the nearest-neighbour field; the pixel becomes the
 * weighted mean of the source pixels at its place in those patches. A patch's weight is
 * exp(-cost / 2 sigma^2) (sigma^2: the 75th percentile of the costs) times alpha^-depth, so
 * that good matches and patches near the known border count most.
 */
#include "inpaint/pm_level.h"

#include <errno.h>
#include <math.h>

#include "core/select.h"

int vni_pm_weights(PmPass *ps)
{
    PmLevel *L = ps->L;
    const int side = 2 * L->r + 1;
    float *tmp = vni_malloc_array((size_t)L->ntarget, sizeof(*tmp));
    float sigma2, floor2 = 4.0f * side * side * L->nch;
    if (!tmp)
        return -ENOMEM;
    for (int i = 0; i < L->ntarget; i++)
        tmp[i] = (float)L->cost[L->tlist[i]];
    sigma2 = vni_select_f32(tmp, L->ntarget, (L->ntarget * 3) / 4);
    vni_free(tmp);
    sigma2 = VNI_MAX(sigma2, floor2);
    for (int i = 0; i < L->ntarget; i++) {
        int t = L->tlist[i];
        L->lw[t] = -L->depth[t] * ps->log_alpha - (float)L->cost[t] / (2.0f * sigma2);
    }
    return 0;
}

/* Vote for hole pixel (x, y). */
static void vote_pixel(PmLevel *L, int x, int y, float log_alpha)
{
    const int r = L->r, nch = L->nch, q = y * L->w + x;
    const float dq = L->depth[q] * log_alpha;
    float acc[4] = {0, 0, 0, 0}, wsum = 0.0f;
    for (int oy = -r; oy <= r; oy++) {
        if (y - oy < 0 || y - oy >= L->h)
            continue;
        for (int ox = -r; ox <= r; ox++) {
            int c = q - oy * L->w - ox;
            if (x - ox < 0 || x - ox >= L->w || !L->target[c])
                continue;
            float e = VNI_CLAMP(L->lw[c] + dq, -80.0f, 80.0f), wt = expf(e);
            const uint8_t *s = L->img + ((ptrdiff_t)(L->ny[c] + oy) * L->w + L->nx[c] + ox) * nch;
            for (int k = 0; k < nch; k++)
                acc[k] += wt * s[k];
            wsum += wt;
        }
    }
    if (wsum > 0.0f)
        for (int k = 0; k < nch; k++)
            L->img[(ptrdiff_t)q * nch + k] = (uint8_t)VNI_CLAMP((int)(acc[k] / wsum + 0.5f), 0, 255);
}

/* Vote the hole pixels of a band of rows. Sources are never hole pixels, so bands are
 * independent. */
static void vote_rows(void *opaque, int job, int n_jobs)
{
    PmPass *ps = opaque;
    PmLevel *L = ps->L;
    int rows = L->hy1 - L->hy0 + 1;
    int y0 = L->hy0 + (int)((int64_t)rows * job / n_jobs), y1 = L->hy0 + (int)((int64_t)rows * (job + 1) / n_jobs);
    for (int y = y0; y < y1; y++)
        for (int x = 0; x < L->w; x++)
            if (L->hole[y * L->w + x])
                vote_pixel(L, x, y, ps->log_alpha);
}

void vni_pm_vote(PmPass *ps)
{
    vni_parallel(ps->ctx, vote_rows, ps, vni_row_jobs(ps->ctx, ps->L->hy1 - ps->L->hy0 + 1));
}

void vni_pm_upsample_img(PmLevel *F, const PmLevel *C)
{
    const int nch = F->nch;
    for (int y = F->hy0; y <= F->hy1; y++) {
        float sy = VNI_CLAMP((y + 0.5f) * 0.5f - 0.5f, 0.0f, (float)(C->h - 1));
        int iy = (int)sy, iy1 = VNI_MIN(iy + 1, C->h - 1);
        float ay = sy - iy;
        for (int x = 0; x < F->w; x++) {
            if (!F->hole[y * F->w + x])
                continue;
            float sx = VNI_CLAMP((x + 0.5f) * 0.5f - 0.5f, 0.0f, (float)(C->w - 1));
            int ix = (int)sx, ix1 = VNI_MIN(ix + 1, C->w - 1);
            float ax = sx - ix;
            for (int k = 0; k < nch; k++) {
                float a = C->img[((ptrdiff_t)iy * C->w + ix) * nch + k] * (1 - ax) +
                          C->img[((ptrdiff_t)iy * C->w + ix1) * nch + k] * ax;
                float b = C->img[((ptrdiff_t)iy1 * C->w + ix) * nch + k] * (1 - ax) +
                          C->img[((ptrdiff_t)iy1 * C->w + ix1) * nch + k] * ax;
                F->img[((ptrdiff_t)y * F->w + x) * nch + k] = (uint8_t)(a + (b - a) * ay + 0.5f);
            }
        }
    }
}
