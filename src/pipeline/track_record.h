/* OUTDIR/keyframes.json: how a directory of tracked masks was made (vanish/track.h). */
#ifndef VANISH_PIPELINE_TRACK_RECORD_H
#define VANISH_PIPELINE_TRACK_RECORD_H

#include "vanish/track.h"

#define VNI_TRACK_RECORD_NAME "keyframes.json"

/* Write rec as `dir`/keyframes.json (through a temporary name). 0 or a negative error. */
int vni_track_record_write(VnContext *ctx, const char *dir, const VnTrackRecord *rec);

/* Fill rec from keyframes (any order, distinct), n_frames and the settings (NULL: defaults). */
int vni_track_record_make(VnContext *ctx, VnTrackRecord *rec, const VnTrackKey *keys, int n_keys,
                          int64_t n_frames, const VnTrackSettings *s);

#endif
