/* Writing tracked masks into a directory: shared by vn_track_to_dir and vn_track_update_dir. */
#ifndef VANISH_PIPELINE_TRACK_DIR_H
#define VANISH_PIPELINE_TRACK_DIR_H

#include "vanish/track.h"

/* Sink state: masks go to dir/%05lld.png (grey when binary, palette otherwise). */
typedef struct VniDirSink {
    VnContext *ctx;
    char dir[4096];
    int binary;
    int64_t n_written, first, last;   /* masks written, first and last frame written */
} VniDirSink;

/* VnMaskSinkFn writing one PNG per frame into d->dir. */
int vni_dir_sink_write(void *cookie, int64_t frame, const VnImage *mask);

/* 1 when every keyframe mask holds only ids 0 and 1. */
int vni_only_id_one(const VnTrackKey *keys, int n);

/* Remove the files of `dir` (one level) and the directory. */
void vni_dir_remove(const char *dir);

/* Move every file of src into dst (replacing files of the same names), then remove src.
 * 0 or -errno of the last failed rename. */
int vni_dir_move_files(const char *src, const char *dst);

#endif
