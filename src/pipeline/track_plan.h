/* Which source each frame's mask comes from in a tracking job, and which frames an edit of the
 * keyframes changes (the re-tracking of vn_track_update_dir). */
#ifndef VANISH_PIPELINE_TRACK_PLAN_H
#define VANISH_PIPELINE_TRACK_PLAN_H

#include <stdint.h>

/* Weight of the keyframe ahead at frame i between keyframes a < i < b: 0 in the first third,
 * 1 in the last, a smooth step between. */
float vni_handover_weight(int64_t a, int64_t b, int64_t i);

/* qsort/bsearch order of int64_t frame indices. */
int vni_cmp_i64(const void *a, const void *b);

/* An update of a tracked output: the keyframes it was tracked from, those it is tracked from
 * now, and the frames whose keyframe mask is new or was edited (all ascending). */
typedef struct VniTrackPlan {
    const int64_t *old_keys;
    int n_old;
    const int64_t *keys;
    int n_keys;
    const int64_t *edited;
    int n_edited;
    int64_t n_frames;   /* frames of the video */
} VniTrackPlan;

/* 1 if the mask of frame i changes under the plan (its source differs, or uses an edited
 * keyframe), else 0; frames outside [0, n_frames) never change. */
int vni_track_plan_need(const VniTrackPlan *p, int64_t i);

#endif
