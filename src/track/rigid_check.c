/*
 * The keyframe's appearance as a check of a rigid object's homography: grey values sampled inside
 * the keyframe mask (away from its edge), compared by normalised cross-correlation with the
 * frame at the places a candidate homography sends them. It decides between holding the last
 * pose, the keyframe's pose and a new registration, so that an object that does not move is held
 * exactly whatever the picture around it does.
 */
#include "track/tracker.h"
#include "flow/sample.h"

#include <errno.h>
#include <math.h>

/* 1 if (x, y) and its four neighbours are set in m. */
static int interior(const VnImage *m, int x, int y)
{
    if (x < 1 || y < 1 || x >= m->width - 1 || y >= m->height - 1)
        return 0;
    const uint8_t *r = vn_image_row(m, y);
    return r[x] && r[x - 1] && r[x + 1] && vn_image_row(m, y - 1)[x] && vn_image_row(m, y + 1)[x];
}

void vni_template_free(VniTemplate *tp)
{
    vni_free(tp->p);
    vni_free(tp->v);
    tp->p = NULL, tp->v = NULL, tp->n = 0;
}

/* Sample the interior of mask on a grid whose step keeps at most max_pts samples; the template is
 * left empty (n = 0) when the samples are too few or too flat for a correlation to mean much. */
int vni_template_init(VniTemplate *tp, const VnImage *grey, const VnImage *mask, int max_pts)
{
    int64_t area = 0;
    double s = 0, s2 = 0;
    vni_template_free(tp);
    for (int y = 0; y < mask->height; y++)
        for (int x = 0; x < mask->width; x++)
            area += interior(mask, x, y);
    int step = 1;
    while (area / ((int64_t)step * step) > max_pts)
        step++;
    tp->p = vni_malloc_array((size_t)max_pts, sizeof(VniPt));
    tp->v = vni_malloc_array((size_t)max_pts, sizeof(float));
    if (!tp->p || !tp->v) {
        vni_template_free(tp);
        return -ENOMEM;
    }
    for (int y = 1; y < mask->height - 1; y += step)
        for (int x = 1; x < mask->width - 1 && tp->n < max_pts; x += step)
            if (interior(mask, x, y)) {
                float v = ((const float *)vn_image_row(grey, y))[x];
                tp->p[tp->n] = (VniPt){(float)x, (float)y}, tp->v[tp->n++] = v;
                s += v, s2 += (double)v * v;
            }
    if (tp->n < 16 || s2 / tp->n - (s / tp->n) * (s / tp->n) < 4.0)
        tp->n = 0;
    return 0;
}

/* NCC of the template with cur (grey VN_F32) at the places H sends it, over the samples that land
 * inside the frame, and in *agree the fraction of them within VNI_TEMPLATE_TOL grey levels; -1
 * (and 0) when fewer than half of them land or the template is empty. */
float vni_template_ncc(const VniTemplate *tp, const VnImage *cur, const double H[9], float *agree)
{
    double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
    int k = 0, near = 0;
    *agree = 0;
    for (int i = 0; i < tp->n; i++) {
        VniPt q;
        float b;
        vni_homography_apply(H, &tp->p[i], &q, 1);
        if (!(q.x >= 0 && q.y >= 0 && q.x <= cur->width - 1 && q.y <= cur->height - 1))
            continue;
        vni_sample_f32(cur, q.x, q.y, &b);
        double a = tp->v[i];
        sa += a, sb += b, saa += a * a, sbb += (double)b * b, sab += a * b, k++;
        near += fabs(a - b) <= VNI_TEMPLATE_TOL;
    }
    if (tp->n == 0 || 2 * k < tp->n)
        return -1;
    *agree = (float)near / (float)k;
    double va = saa - sa * sa / k, vb = sbb - sb * sb / k, cab = sab - sa * sb / k;
    return va > 0 && vb > 0 ? (float)(cab / sqrt(va * vb)) : -1;
}
