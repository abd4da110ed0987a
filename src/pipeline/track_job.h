/* The tracking job behind vn_track_video and vn_track_update_dir. */
#ifndef VANISH_PIPELINE_TRACK_JOB_H
#define VANISH_PIPELINE_TRACK_JOB_H

#include "vanish/track.h"
#include "pipeline/track_plan.h"

/* qsort order of VnTrackKey by frame. */
int vni_cmp_track_key(const void *a, const void *b);

/* vn_track_video; with a plan, only the frames whose mask the plan changes go to the sink (in
 * frame order). Returns the number of masks given to the sink or a negative error; *n_steps
 * (if not NULL) receives the number of tracker steps run. */
int64_t vni_track_run(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                      const VnTrackSettings *s, const VniTrackPlan *plan, VnMaskSinkFn sink, void *cookie,
                      int64_t *n_steps);

#endif
