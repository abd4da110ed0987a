/*
 * Interactive segmentation: clicks and boxes on one frame → the mask of the object under them,
 * as up to three ranked candidates (part / object / larger), in the manner of SAM but with a
 * classical method: GrabCut-style colour models and contrast-sensitive graph cut (Rother et al.
 * 2004) with a geodesic star-convexity shape prior from the clicks (Gulshan et al. 2010), solved
 * by Boykov–Kolmogorov max-flow at a working resolution and refined at full resolution in a band
 * around the boundary.
 *
 * A VnSegmenter holds one frame and its precomputed features, so that every later click on the
 * same frame costs only the solve.
 */
#ifndef VANISH_SEGMENT_H
#define VANISH_SEGMENT_H

#include "vanish/vanish.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct VnSegmentSettings {
    int working_size;    /* long side of the resolution the graph cut is solved at; the boundary
                            is then refined at full resolution (default 320; 64 to 2048) */
    int components;      /* Gaussians per colour model (default 5; 1 to 10) */
    int iterations;      /* colour-model / cut iterations, as in GrabCut (default 3; 1 to 10) */
    float smoothness;    /* weight of the contrast-sensitive boundary term (default 50; 0 to 500) */
    float prior;         /* weight of the geodesic distance prior from the clicks (default 3;
                            0 to 20) */
    int star;            /* geodesic star convexity around positive clicks (default 1) */
    int band;            /* half-width in full-resolution pixels of the band refined at full
                            resolution; 0 = automatic (default 0; 0 to 64) */
    int candidates;      /* most candidates returned (default 3; 1 to 3) */
} VnSegmentSettings;

/* Fill s with the defaults documented above. */
VN_API void vn_segment_default_settings(VnSegmentSettings *s);

/* The options of VnSegmentSettings (CLI flags, HTTP fields, page controls). Static storage. */
VN_API const VnOption *vn_segment_options(void);

enum VnPromptType {
    VN_PROMPT_POSITIVE = 0, /* a point on the object: (x0, y0) */
    VN_PROMPT_NEGATIVE = 1, /* a point on the background: (x0, y0) */
    VN_PROMPT_BOX = 2,      /* a box around the object: (x0, y0) to (x1, y1), inclusive */
};

/* One prompt, in full-resolution pixel coordinates of the frame. */
typedef struct VnPrompt {
    int type; /* enum VnPromptType */
    int x0, y0, x1, y1;
} VnPrompt;

enum VnSegmentKind { VN_SEGMENT_PART = 0, VN_SEGMENT_OBJECT = 1, VN_SEGMENT_LARGER = 2 };

/* One candidate mask. */
typedef struct VnSegmentCandidate {
    VnImage *mask; /* frame size, 1 channel, VN_U8, 255 = object, 0 = background; owned by the
                      result */
    float score;   /* confidence in [0, 1]: mean contrast across its boundary; higher is better */
    int kind;      /* enum VnSegmentKind: scale of the shape prior that made it */
} VnSegmentCandidate;

/* Candidates, best first. */
typedef struct VnSegmentResult {
    int n;
    VnSegmentCandidate c[3];
} VnSegmentResult;

typedef struct VnSegmenter VnSegmenter;

/*
 * Open a session on one frame: `rgb` (RGB24, VN_U8) is copied, and its working-resolution
 * colours, neighbour contrasts and colour clusters computed. On success *seg must be closed with
 * vn_segmenter_close; on failure it is NULL and vn_last_error(ctx) says why. ctx must outlive
 * the session; one thread at a time per session.
 */
VN_API int vn_segmenter_open(VnContext *ctx, VnSegmenter **seg, const VnImage *rgb,
                             const VnSegmentSettings *s);

/*
 * Segment with `n` prompts (any mix of positive and negative points and at most one box) and,
 * optionally, `refine`: an existing mask of the frame size (1 channel VN_U8, non-zero = object)
 * that the prompts correct (without it, prompts alone define the object; at least one prompt or
 * a mask is needed). Fills *out with up to settings.candidates candidates, best first, and
 * returns their count; the caller frees them with vn_segment_result_free. A point outside the
 * frame fails with -EINVAL and a message that names it. On failure *out holds no masks.
 * One click on one part of a logo of several parts (rings and letters, a flag on a plate) may
 * give the whole logo as the best (larger) candidate. The session remembers the last prompts:
 * when a run's prompts begin with them and add more, and the last best answer was such a
 * whole, the new prompts correct that whole (as they would a `refine` mask) rather than start
 * again from the object under the clicks.
 */
VN_API int vn_segmenter_run(VnSegmenter *seg, const VnPrompt *prompts, int n,
                            const VnImage *refine, VnSegmentResult *out);

/* Free the masks of a result and set its count to 0. NULL is a no-op. */
VN_API void vn_segment_result_free(VnSegmentResult *r);

/* Close a session; *seg becomes NULL. NULL and *seg == NULL are no-ops. */
VN_API void vn_segmenter_close(VnSegmenter **seg);

#ifdef __cplusplus
}
#endif

#endif
