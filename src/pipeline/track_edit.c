/* vn_track_video_edit: the tracking job with a plan made from the caller's edit. */
#include "vanish/track.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "pipeline/track_job.h"

/* A sorted copy of n frames (n may be 0); NULL on failure. */
static int64_t *sorted(const int64_t *v, int n)
{
    int64_t *c = vni_malloc_array((size_t)VNI_MAX(n, 1), sizeof(int64_t));
    if (c && n > 0) {
        memcpy(c, v, sizeof(int64_t) * (size_t)n);
        qsort(c, (size_t)n, sizeof(int64_t), vni_cmp_i64);
    }
    return c;
}

int64_t vn_track_video_edit(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                            const VnTrackEdit *edit, const VnTrackSettings *s, VnMaskSinkFn sink, void *cookie)
{
    int64_t *old = NULL, *ed = NULL, *now = NULL, ret = -ENOMEM;
    if (!ctx || !edit || n_keys < 1 || !keys || edit->n_old < 0 || edit->n_edited < 0 || edit->n_frames < 1 ||
        (edit->n_old && !edit->old_keys) || (edit->n_edited && !edit->edited))
        return ctx ? vni_error(ctx, -EINVAL, "track: bad edit (keyframes, edited frames or frame count)") : -EINVAL;
    for (int i = 0; i < n_keys; i++)
        if (keys[i].frame < 0 || keys[i].frame >= edit->n_frames)
            return vni_error(ctx, -EINVAL, "track: keyframe %lld is out of range: the video has %lld frames",
                             (long long)keys[i].frame, (long long)edit->n_frames);
    if ((old = sorted(edit->old_keys, edit->n_old)) && (ed = sorted(edit->edited, edit->n_edited)) &&
        (now = vni_malloc_array((size_t)n_keys, sizeof(int64_t)))) {
        for (int i = 0; i < n_keys; i++)
            now[i] = keys[i].frame;
        qsort(now, (size_t)n_keys, sizeof(int64_t), vni_cmp_i64);
        VniTrackPlan plan = {old, edit->n_old, now, n_keys, ed, edit->n_edited, edit->n_frames};
        ret = vni_track_run(ctx, input, keys, n_keys, s, &plan, sink, cookie, NULL);
    } else
        vni_error(ctx, ret, "track: out of memory");
    vni_free(old);
    vni_free(ed);
    vni_free(now);
    return ret;
}
