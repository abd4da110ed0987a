/* The object's first colour sample round the positive clicks. GrabCut starts its object model
 * from the pixels it is told are object; here they are the geodesic disk of the part's scale
 * round each click (Gulshan et al. 2010 measure the disk along colour, so it mostly stays on the
 * clicked region). But the disk counts colour steps in units of the frame's mean step: on a busy
 * frame a click on a thin flat part (a logo's ring) has a disk that crosses the part's edge into
 * what lies beside it (sky), and the object model starts with the background's colours.
 *
 * The sample is the part of that disk that also lies within the part's radius of the click when
 * steps count in units of the click's own contrast: the median step round the click (a mean
 * took the sides of a thin ring a few pixels away for its contrast), kept between SAMPLE_FLOOR
 * and 1 times the frame's mean step. A step up to SAMPLE_FREE such units costs only
 * its length, so that a smooth gradient (a shaded fish) stays in the sample while an edge (many
 * units at once) ends it. A click on texture keeps the plain disk. */
#include "segment/session.h"

#include <math.h>
#include <string.h>

#include "core/select.h"

/* The unit of the sample's steps is at least this share of the frame's mean step. */
#define SAMPLE_FLOOR 0.25f
/* Steps up to this many units cost only their length. */
#define SAMPLE_FREE 2.0f
/* Half-size, in working pixels, of the square round the click whose steps set its contrast. */
#define SAMPLE_LOCAL_HALF 2

/* Median colour step between neighbours (east, south) in the square round working pixel i: the
 * contrast of the clicked region itself, which an edge of it within the square (a thin ring's
 * sides) does not raise. */
static float local_step(const VniSegFeatures *f, int i)
{
    const int cx = i % f->w, cy = i / f->w, r = SAMPLE_LOCAL_HALF;
    float v[2 * (2 * SAMPLE_LOCAL_HALF + 1) * (2 * SAMPLE_LOCAL_HALF + 1)];
    int cnt = 0;
    for (int y = VNI_MAX(cy - r, 0); y <= VNI_MIN(cy + r, f->h - 1); y++)
        for (int x = VNI_MAX(cx - r, 0); x <= VNI_MIN(cx + r, f->w - 1); x++) {
            const int j = y * f->w + x;
            if (x + 1 < f->w)
                v[cnt++] = f->diff[VNI_DIR_E][j];
            if (y + 1 < f->h)
                v[cnt++] = f->diff[VNI_DIR_S][j];
        }
    if (!cnt)
        return 0.0f;
    const float lo = vni_select_f32(v, cnt, (cnt - 1) / 2);
    return 0.5f * (lo + (cnt & 1 ? lo : vni_select_f32(v, cnt, cnt / 2)));
}

void vni_seg_first_sample(VnSegmenter *s, const VniSegPrompts *p, uint8_t *out)
{
    const VniSegFeatures *f = &s->f;
    const int n = f->w * f->h;
    const float r = vni_seg_radius(s, VN_SEGMENT_PART);
    memset(out, 0, (size_t)n);
    for (int k = 0; k < p->n_pos; k++) {
        const float unit = VNI_CLAMP(local_step(f, p->pos[k]), SAMPLE_FLOOR * f->mean_diff, f->mean_diff);
        vni_geodesic(f, &p->pos[k], 1, 1.0f / unit, SAMPLE_FREE * unit, r, s->dsample, s->queue, s->heap);
        for (int i = 0; i < n; i++)
            out[i] |= s->dsample[i] < r && s->df[i] < r;
    }
}
