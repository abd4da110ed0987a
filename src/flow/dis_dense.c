/* DIS step 2: densification. Each pixel's flow is the average of the flows of the patches that
 * cover it, weighted by 1 / max(1, |I1(x + u_i) − I0(x)|) (Kroeger et al., eq. 3), squared here: sharper
 * choices between the patches of two motions at their boundary. */
#include <math.h>

#include "flow/dis_level.h"

/* Add patch k's contribution to rows [y0, y1) of the sums. */
static void add_patch(const DisLevel *l, int k, int y0, int y1)
{
    const int ps = l->p->patch, x0 = l->ox[k % l->nx], py = l->oy[k / l->nx];
    const float u = l->pu[k], v = l->pv[k];
    const float fx = floorf(u), fy = floorf(v), ax = u - fx, ay = v - fy;
    const float w00 = (1 - ax) * (1 - ay), w01 = ax * (1 - ay), w10 = (1 - ax) * ay, w11 = ax * ay;
    const size_t plane = (size_t)l->w * l->h;
    const int ys = VNI_MAX(y0, py), ye = VNI_MIN(y1, py + ps);
    for (int y = ys; y < ye; y++) {
        const float *r0 = dis_pad_at(l->i1p, x0 + (int)fx, y + (int)fy);
        const float *r1 = dis_pad_at(l->i1p, x0 + (int)fx, y + (int)fy + 1);
        const float *i0 = dis_row(l->i0, y) + x0;
        float *su = l->acc + (size_t)y * l->w + x0, *sv = su + plane, *sw = sv + plane;
        /* where the patch lands on frame 1's mask its error says nothing: a neutral weight */
        const float *m1 = l->v1p ? dis_pad_at(l->v1p, x0 + (int)lrintf(u), y + (int)lrintf(v)) : NULL;
        for (int q = 0; q < ps; q++) {
            float s = w00 * r0[q] + w01 * r0[q + 1] + w10 * r1[q] + w11 * r1[q + 1];
            float wt = 1.0f / fmaxf(1.0f, fabsf(s - i0[q]));
            wt *= wt;
            if (m1 && m1[q] < 0.5f)
                wt = 1.0f / 64.0f;
            su[q] += wt * u;
            sv[q] += wt * v;
            sw[q] += wt;
        }
    }
}

/* Turn the sums of rows [y0, y1) into flow; pixels with no patch or under frame 0's mask become
 * holes (their flow is completed afterwards). */
static void finish_rows(const DisLevel *l, int y0, int y1)
{
    const size_t plane = (size_t)l->w * l->h;
    for (int y = y0; y < y1; y++) {
        const float *su = l->acc + (size_t)y * l->w, *sv = su + plane, *sw = sv + plane;
        const float *v0 = l->v0 ? dis_row(l->v0, y) : NULL;
        float *f = dis_row(l->flow, y);
        uint8_t *hole = vn_image_row(l->hole, y);
        for (int x = 0; x < l->w; x++) {
            int h = sw[x] <= 0.0f || (v0 && v0[x] < 0.99f);
            hole[x] = (uint8_t)h;
            if (sw[x] > 0.0f) {
                f[2 * x] = su[x] / sw[x];
                f[2 * x + 1] = sv[x] / sw[x];
            }
        }
    }
}

/* One band of pixel rows: every usable patch that overlaps it adds to its sums. */
static void densify_rows(void *opaque, int job, int n_jobs)
{
    const DisLevel *l = opaque;
    const int ps = l->p->patch;
    const int y0 = (int)((int64_t)l->h * job / n_jobs), y1 = (int)((int64_t)l->h * (job + 1) / n_jobs);
    const size_t plane = (size_t)l->w * l->h;
    for (int c = 0; c < 3; c++)
        for (int y = y0; y < y1; y++) {
            float *a = l->acc + c * plane + (size_t)y * l->w;
            for (int x = 0; x < l->w; x++)
                a[x] = 0.0f;
        }
    for (int r = 0; r < l->ny; r++) {
        if (l->oy[r] >= y1 || l->oy[r] + ps <= y0)
            continue;
        for (int c = 0; c < l->nx; c++)
            if (l->pok[r * l->nx + c])
                add_patch(l, r * l->nx + c, y0, y1);
    }
    finish_rows(l, y0, y1);
}

void vni_dis_densify(const VnContext *ctx, DisLevel *l)
{
    vni_parallel(ctx, densify_rows, l, vni_row_jobs(ctx, l->h));
}
