/* Masks waiting for their turn during tracking: run-length coded in an anonymous temporary
 * file, indexed by frame, so that memory does not grow with the video's length. */
#ifndef VANISH_PIPELINE_MASK_SPOOL_H
#define VANISH_PIPELINE_MASK_SPOOL_H

#include "core/internal.h"

typedef struct VniSpool VniSpool;

/* A spool for frames [0, n_frames) of masks of w x h. 0, -ENOMEM or -errno of tmpfile(). */
int vni_spool_open(VniSpool **s, int64_t n_frames, int w, int h);

/* Store the mask of frame i (replacing an earlier one); a frame past n_frames widens the spool.
 * 0, -EINVAL, -ENOMEM or -EIO. */
int vni_spool_put(VniSpool *s, int64_t i, const VnImage *mask);

/* Load the mask of frame i into mask; -ENOENT if none was stored. */
int vni_spool_get(VniSpool *s, int64_t i, VnImage *mask);

void vni_spool_close(VniSpool **s);

#endif
