/*
 * The source of each frame's mask in a tracking job over keyframes k0 < k1 < ...: a keyframe
 * itself; the backward propagation from k0 before it; the forward one from the last keyframe
 * after it; between two keyframes a and b the forward propagation from a in the first third,
 * the backward one from b in the last third, a blend of both between. Propagations are
 * deterministic functions of their keyframe's mask and the frames they cross, so a frame whose
 * source is the same before and after an edit, and involves no edited keyframe, keeps its mask.
 */
#include "pipeline/track_plan.h"

#include "core/internal.h"

enum { SRC_KEY, SRC_FWD, SRC_BWD, SRC_BLEND };

typedef struct Source {
    int kind;
    int64_t a, b;   /* the keyframes involved (b only for SRC_BLEND) */
} Source;

float vni_handover_weight(int64_t a, int64_t b, int64_t i)
{
    float s = (float)(i - a) / (float)(b - a), w = VNI_CLAMP((s - 1.0f / 3) * 3, 0.0f, 1.0f);
    return w * w * (3 - 2 * w);
}

int vni_cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Index of the first of keys[0..n) >= i (n if none). */
static int lower_bound(const int64_t *keys, int n, int64_t i)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (keys[mid] < i)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Where the mask of frame i comes from when tracking from keys[0..n) (n >= 1). */
static Source source(const int64_t *keys, int n, int64_t i)
{
    int k = lower_bound(keys, n, i);
    if (k < n && keys[k] == i)
        return (Source){SRC_KEY, i, i};
    if (k == 0)
        return (Source){SRC_BWD, keys[0], keys[0]};
    if (k == n)
        return (Source){SRC_FWD, keys[n - 1], keys[n - 1]};
    float w = vni_handover_weight(keys[k - 1], keys[k], i);
    if (w <= 0)
        return (Source){SRC_FWD, keys[k - 1], keys[k - 1]};
    if (w >= 1)
        return (Source){SRC_BWD, keys[k], keys[k]};
    return (Source){SRC_BLEND, keys[k - 1], keys[k]};
}

static int is_edited(const VniTrackPlan *p, int64_t frame)
{
    int k = lower_bound(p->edited, p->n_edited, frame);
    return k < p->n_edited && p->edited[k] == frame;
}

int vni_track_plan_need(const VniTrackPlan *p, int64_t i)
{
    if (i < 0 || i >= p->n_frames)
        return 0;
    Source now = source(p->keys, p->n_keys, i);
    if (is_edited(p, now.a) || is_edited(p, now.b))
        return 1;
    if (p->n_old < 1)
        return 1;
    Source was = source(p->old_keys, p->n_old, i);
    return was.kind != now.kind || was.a != now.a || was.b != now.b;
}
