/* The grouping labelling of the larger candidate: a logo of several parts (rings and letters,
 * the panes of a flag on a plate) taken whole from a click on one part. The parts of an opaque
 * logo are compact, clustered, and stand out from the same surroundings: starting from the
 * object candidate, the background is learnt from a band around a box that holds it, and what
 * that background explains poorly joins the object (cut.c, `local`). The box then grows around
 * the group while the group gains parts; the round whose boundary contrasts best is kept. A
 * round whose additions all ran off the frame falls back to the object; it ends the growth when
 * the group so far is a whole (found whole, not trimmed at the frame's edge, and contrasting
 * nearly as well as the object or made of flat colours, as a logo's parts are: a round whose
 * box took in the sky round a logo, leaving none in its surroundings, collapses to the
 * clicked ring) that the round's cut took in: a flag in its pill, then the
 * plate round the pill that the frame's edge cuts. */
#include "segment/session.h"

#include <math.h>
#include <string.h>

/* Most rounds of growth. */
#define GROUP_ROUNDS 5

/* A later round is kept if its boundary contrast is at least this share of the best one's (at
 * 0.98 a round that took in the footballer round a flag logo, 0.9425 against the pill's 0.961,
 * was kept; at 0.99 an orange on seed 31 loses its larger answer). */
#define GROUP_KEEP 0.985f

/* A round that grew the group by this factor looks again just beyond its box. */
#define GROUP_GAIN 1.2

/* A later round that kept under this share of what the last one's group added to the object
 * fell back to the object (its additions ran off the frame). */
#define GROUP_COLLAPSE 0.1

/* A round's group was found whole when dropping its edge parts left this share of its cut. */
#define GROUP_WHOLE_CUT 0.8

/* A collapsed round ends the growth if its cut held this share of the whole so far. */
#define GROUP_HELD 0.9

/* A group is of flat parts (a logo's) when this share of its pixels are flat: their steps to
 * the east and south are under GROUP_FLAT_STEP times the frame's mean step. */
#define GROUP_FLAT 0.5
#define GROUP_FLAT_STEP 0.25f

/* Whether labels `lab` hold GROUP_HELD of labels `best`. */
static int holds(const VnSegmenter *s, const uint8_t *lab, const uint8_t *best)
{
    const int n = s->f.w * s->f.h;
    int64_t in = 0, all = 0;
    for (int i = 0; i < n; i++) {
        all += best[i] != 0;
        in += best[i] && lab[i];
    }
    return in >= GROUP_HELD * (double)all;
}

/* Whether the object pixels of labels `lab` are mostly flat colour (GROUP_FLAT). */
static int flat_parts(const VnSegmenter *s, const uint8_t *lab)
{
    const VniSegFeatures *f = &s->f;
    const float t = GROUP_FLAT_STEP * f->mean_diff;
    int64_t flat = 0, all = 0;
    for (int i = 0; i < f->w * f->h; i++)
        if (lab[i]) {
            all++;
            flat += f->diff[VNI_DIR_E][i] < t && f->diff[VNI_DIR_S][i] < t;
        }
    return flat >= GROUP_FLAT * (double)all;
}

/* Relabel the 4-connected component of pixels labelled `from` that holds pixel i as `to`. */
static void flood(VnSegmenter *s, uint8_t *lab, int i, uint8_t from, uint8_t to)
{
    const int w = s->f.w, h = s->f.h;
    int head = 0, tail = 0;
    lab[i] = to;
    s->queue[tail++] = i;
    while (head < tail) {
        const int j = s->queue[head++], x = j % w, y = j / w;
        const int nb[4] = {x > 0 ? j - 1 : -1, x + 1 < w ? j + 1 : -1, y > 0 ? j - w : -1,
                           y + 1 < h ? j + w : -1};
        for (int k = 0; k < 4; k++)
            if (nb[k] >= 0 && lab[nb[k]] == from) {
                lab[nb[k]] = to;
                s->queue[tail++] = nb[k];
            }
    }
}

/* Drop what the group added to the object candidate where it touches the frame's edge: a
 * logo's part lies inside its surroundings; what runs off the frame is the scene. */
static void drop_edge_parts(VnSegmenter *s, uint8_t *lab)
{
    const int w = s->f.w, h = s->f.h, n = w * h;
    const uint8_t *obj = s->lab[VN_SEGMENT_OBJECT];
    for (int i = 0; i < n; i++)
        if (lab[i] && obj[i])
            lab[i] = 2;
    for (int i = 0; i < n; i++) {
        int x = i % w, y = i / w;
        if (lab[i] == 1 && (x == 0 || y == 0 || x == w - 1 || y == h - 1))
            flood(s, lab, i, 1, 0);
    }
    for (int i = 0; i < n; i++)
        lab[i] = lab[i] != 0;
}

int vni_seg_group(VnSegmenter *s, const VniSegPrompts *p, VniGmm *fg, VniGmm *bg, float *score,
                  uint8_t *lab)
{
    const size_t n = (size_t)s->f.w * s->f.h;
    uint8_t *best = s->lab[4];
    VniGmm gf, gb;
    VniSegBox ob, rb;
    int64_t area, prev, cut_area, obj_area;
    float top = 0;
    int whole = 0; /* the best round so far is a whole */
    *score = 0;
    memset(lab, 0, n);
    if ((obj_area = prev = vni_seg_label_box(s, s->lab[VN_SEGMENT_OBJECT], &ob)) == 0)
        return 0; /* empty: scores 0 and is dropped */
    int m = VNI_MAX(ob.x1 - ob.x0, ob.y1 - ob.y0) + 4;
    VniSegBox b = vni_seg_grow_box(s, ob, m);
    memcpy(lab, s->lab[VN_SEGMENT_OBJECT], n);
    const float obj_score = vni_seg_score(s, lab);
    for (int round = 0; round < GROUP_ROUNDS; round++) {
        if (b.x0 == 0 && b.y0 == 0 && b.x1 == s->f.w - 1 && b.y1 == s->f.h - 1)
            break; /* no surroundings left to stand out from */
        VniSegCut cut = {VN_SEGMENT_LARGER, b, 0, 2, 1, 0, 1};
        int ret;
        memset(&gf, 0, sizeof(gf));
        memset(&gb, 0, sizeof(gb));
        if ((ret = vni_seg_solve(s, p, &cut, &gf, &gb, lab, lab)) < 0)
            return ret;
        cut_area = vni_seg_label_box(s, lab, &rb);
        const int held = whole && holds(s, lab, best);
        drop_edge_parts(s, lab);
        if ((area = vni_seg_label_box(s, lab, &rb)) == 0)
            break;
        if (round > 0 && held && area - obj_area < GROUP_COLLAPSE * (double)(prev - obj_area))
            break; /* the whole so far lies in what ran off the frame: it stands */
        float sc = vni_seg_score(s, lab);
        /* the latest round that contrasts nearly as well as the best so far: a larger whole
         * (the plate round a flag) wins over a sharper part */
        top = fmaxf(top, sc);
        if (sc >= GROUP_KEEP * top) {
            *score = sc;
            *fg = gf;
            *bg = gb;
            memcpy(best, lab, n);
            whole = area >= GROUP_WHOLE_CUT * (double)cut_area &&
                    (sc >= GROUP_KEEP * obj_score || flat_parts(s, lab));
        }
        /* a group that reached its box, or gained parts, may have more just beyond it */
        int grew = area > GROUP_GAIN * (double)prev;
        prev = area;
        if (!vni_seg_box_reached(s, &b, &rb) && !grew)
            break;
        m = VNI_MAX(rb.x1 - rb.x0, rb.y1 - rb.y0) / 2 + 4;
        b = vni_seg_grow_box(s, rb, m);
    }
    if (*score > 0)
        memcpy(lab, best, n);
    else
        memset(lab, 0, n);
    return 0;
}
