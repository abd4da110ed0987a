/*
 * Mask tracking: masks of one or more objects on one or more keyframes become a mask on every
 * frame of the video, forward and backward.
 *
 * Per frame and object, the previous mask is carried by the object's motion (sparse KLT tracks in
 * and around the mask: a robust homography plus a smooth residual field) and corrected by a graph
 * cut in a band around its boundary, with colour models (Gaussian mixtures) learned on the
 * keyframe (long-term memory) and refitted on recent frames (short-term memory) and a shape prior
 * from the carried mask, in the manner of Video SnapCut (Bai et al. 2009). An object that shrinks
 * to nothing (occlusion, exit) is searched for again with its keyframe colours. Objects that move
 * rigidly (logos, flat surfaces) follow a homography registered back to the keyframe at every
 * frame, so that it does not drift; a static logo keeps its keyframe mask exactly.
 *
 * Masks hold object ids: 0 = background, 1..255 = objects (the DAVIS convention).
 */
#ifndef VANISH_TRACK_H
#define VANISH_TRACK_H

#include "vanish/vanish.h"

#ifdef __cplusplus
extern "C" {
#endif

enum VnTrackMode {
    VN_TRACK_AUTO = 0,   /* rigid while a homography explains the object, deformable otherwise */
    VN_TRACK_RIGID = 1,  /* always the homography (logos, flat surfaces) */
    VN_TRACK_DEFORM = 2, /* never the homography */
};

enum VnTrackMotion {
    VN_TRACK_SPARSE = 0, /* KLT tracks guided by block matching: a homography plus a smooth
                            residual field */
    VN_TRACK_FLOW = 1,   /* dense optical flow (vanish/flow.h, fast preset) around the object */
};

typedef struct VnTrackSettings {
    int mode;           /* enum VnTrackMode (default VN_TRACK_AUTO) */
    int motion;         /* enum VnTrackMotion: how a deforming object's mask is carried
                           (default VN_TRACK_SPARSE) */
    int working_size;   /* long side of the resolution tracked at; masks are scaled back to the
                           frame size (default 960; 64 to 4096) */
    float smoothness;   /* weight of the contrast-sensitive boundary term of the cut (default 2;
                           0 to 50) */
    float shape;        /* least width in working pixels of the shape prior around the carried
                           boundary (default 2; 0.5 to 20) */
    int band;           /* half-width in working pixels of the band the cut may move the
                           boundary in; 0 = from the object's size (default 0; 0 to 64) */
    int components;     /* Gaussians per colour model (default 5; 1 to 10) */
    int refresh;        /* refit the short-term colour models every this many frames (default
                           5; 1 to 100) */
    int redetect;       /* search again for an object that was lost (default 1) */
    int chunk;          /* frames held in memory while propagating backward: backward passes
                           decode the video again in chunks of this many frames (default 24;
                           2 to 1000) */
} VnTrackSettings;

/* Fill s with the defaults documented above. */
VN_API void vn_track_default_settings(VnTrackSettings *s);

/* The options of VnTrackSettings (CLI flags, HTTP fields, page controls). Static storage. */
VN_API const VnOption *vn_track_options(void);

/* ---- frame by frame ---------------------------------------------------------------------- */

typedef struct VnTracker VnTracker;

/*
 * Start tracking from a keyframe: `rgb` (RGB24, VN_U8) and `mask` (1 channel VN_U8 of the same
 * size, object ids, 0 = background; at least one object) are copied. Frames then come one at a
 * time, in either direction, through vn_tracker_step. On success *t must be closed with
 * vn_tracker_close; on failure it is NULL and vn_last_error(ctx) says why. ctx must outlive the
 * tracker; one thread at a time per tracker.
 */
VN_API int vn_tracker_open(VnContext *ctx, VnTracker **t, const VnImage *rgb, const VnImage *mask,
                           const VnTrackSettings *s);

/*
 * Track into the next frame `rgb` (same size as the keyframe): `mask` (1 channel VN_U8, same
 * size, owned by the caller) receives the object ids. 0 or a negative error.
 */
VN_API int vn_tracker_step(VnTracker *t, const VnImage *rgb, VnImage *mask);

/* 1 if object `id` followed a homography on the last step, else 0 (for diagnostics). */
VN_API int vn_tracker_rigid(const VnTracker *t, int id);

/* Close; *t becomes NULL. NULL and *t == NULL are no-ops. */
VN_API void vn_tracker_close(VnTracker **t);

/* ---- a whole video ----------------------------------------------------------------------- */

/* One keyframe: its index in the video and its mask of object ids (frame size, 1 channel
 * VN_U8). */
typedef struct VnTrackKey {
    int64_t frame;
    const VnImage *mask;
} VnTrackKey;

/* Receives the mask of each frame, in frame order 0, 1, 2, ...; the mask belongs to the caller
 * of the sink only during the call. Return 0 to go on, a negative error to stop. */
typedef int (*VnMaskSinkFn)(void *cookie, int64_t frame, const VnImage *mask);

/*
 * Track over the video at `input` (any vn_video_open source) from the keyframes `keys` (any
 * order, distinct frames). Between two keyframes both propagations run and the nearer keyframe
 * wins, handing over smoothly in the middle third; before the first and after the last keyframe
 * one propagation runs. Memory does not grow with the video's length: the forward propagation
 * streams, the backward one decodes the video again in chunks of s->chunk frames, and masks
 * waiting for their turn are kept run-length coded in a temporary file. A keyframe mask may be
 * empty (the object is hidden or gone on that frame): its propagations are empty masks; at least
 * one keyframe must hold an object. Masks of one object (ids 0 and 1) that stay put while the
 * picture round them moves are a static overlay (a click on a watermark): its footprint, grown
 * from the clicked part by the overlay model (a few seconds), goes to the sink for every frame,
 * keyframes included, after the track; it is what vn_inpaint_file takes away. Progress stage "track".
 * Returns the number of frames, or a negative error (vn_last_error names the problem).
 */
VN_API int64_t vn_track_video(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                              const VnTrackSettings *s, VnMaskSinkFn sink, void *cookie);

/*
 * vn_track_video writing `outdir`/00000.png, 00001.png, ... in the DAVIS convention (grey 0/255
 * when only object 1 occurs anywhere, palette PNG otherwise), and `outdir`/keyframes.json (the
 * record that vn_track_update_dir needs; below). The files are written to a
 * temporary directory beside `outdir` that is renamed when complete; an existing non-empty
 * `outdir` fails with -EEXIST unless `overwrite`, and then its files of the same names are
 * replaced. On failure nothing is left behind.
 */
VN_API int64_t vn_track_to_dir(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                               const char *outdir, int overwrite, const VnTrackSettings *s);

/* ---- editing a tracked output ------------------------------------------------------------ */

/* An edit of the keyframes of masks tracked before (for vn_track_video_edit). */
typedef struct VnTrackEdit {
    const int64_t *old_keys;  /* the keyframes the existing masks were tracked from (any order) */
    int n_old;
    const int64_t *edited;    /* the frames of the new keyframes whose mask is new or changed */
    int n_edited;
    int64_t n_frames;         /* frames of the video (the existing masks) */
} VnTrackEdit;

/*
 * vn_track_video after an edit, for callers that keep the masks themselves (the HTTP server):
 * `keys` are all the keyframes now. Only the masks that the edit changes go to the sink, in
 * frame order: those whose mask depends on an edited keyframe, or whose source keyframes moved
 * (see vn_track_update_dir); every other frame keeps its existing mask, and the masks given
 * equal those of vn_track_video with `keys`, but for a static overlay's footprint, which is not
 * grown again after an edit (the edit is taken as given). The propagations run only as far as those frames
 * need. Returns the number of masks given to the sink, or a negative error.
 */
VN_API int64_t vn_track_video_edit(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                                   const VnTrackEdit *edit, const VnTrackSettings *s, VnMaskSinkFn sink,
                                   void *cookie);

/*
 * vn_track_to_dir and vn_track_update_dir record, beside the masks, how they were made:
 * `outdir`/keyframes.json holds the number of frames, the frame size, the keyframes (ascending)
 * and the settings (by option name), e.g.
 *
 *   {"format": "vanish-track", "version": 1, "frames": 300, "width": 854, "height": 480,
 *    "keyframes": [0, 150], "settings": {"mode": "auto", "smoothness": "2", ...}}
 *
 * The mask of each keyframe is the directory's own PNG of that frame.
 */
#define VN_TRACK_MAX_KEYS 1024

typedef struct VnTrackRecord {
    int64_t n_frames;                 /* masks in the directory: 00000.png ... */
    int width, height;                /* the video's frame size */
    int n_keys;                       /* 1 to VN_TRACK_MAX_KEYS */
    int64_t keys[VN_TRACK_MAX_KEYS];  /* keyframe indices, ascending */
    VnTrackSettings settings;         /* the settings the masks were tracked with */
} VnTrackRecord;

/* Read `outdir`/keyframes.json into *rec (owned by the caller). 0, or a negative error with a
 * one-line message (missing directory or file, malformed or inconsistent record). */
VN_API int vn_track_record_load(VnContext *ctx, const char *outdir, VnTrackRecord *rec);

/* What vn_track_update_dir did. */
typedef struct VnTrackUpdateStats {
    int64_t n_frames;    /* frames of the video */
    int64_t first, last; /* the first and last frame rewritten; -1 when none */
    int64_t n_written;   /* masks rewritten; every other file is left as it was */
    int64_t n_steps;     /* frames tracked (tracker steps, both directions) */
} VnTrackUpdateStats;

/*
 * Re-track an output of vn_track_to_dir after masks were edited: `edits` (n_edits >= 1, frame
 * size, distinct frames; each the whole mask of its frame, every object, or empty where the
 * object is gone) become keyframes, replacing any keyframe on the same frame; the other
 * keyframes keep the masks of their PNGs in `outdir`. Only the frames whose mask depends on an
 * edited keyframe are tracked again and rewritten: with the nearer-keyframe-wins hand-over,
 * those between the keyframes before and after each edit, less the thirds next to those
 * keyframes that they alone decide. Every other file is left untouched, and the result equals
 * vn_track_to_dir with all the keyframes. `s` NULL: the settings recorded in keyframes.json.
 * The new masks are written to a temporary directory beside `outdir` and moved in when all are
 * done, with the updated keyframes.json; on failure `outdir` is left as it was. Two updates of
 * one directory must not run at the same time. Progress
 * stages "load" (keyframe masks) and "track". `stats` (optional) receives the figures. Returns
 * the number of masks rewritten, or a negative error (vn_last_error names the problem).
 */
VN_API int64_t vn_track_update_dir(VnContext *ctx, const char *input, const VnTrackKey *edits, int n_edits,
                                   const char *outdir, const VnTrackSettings *s, VnTrackUpdateStats *stats);

#ifdef __cplusplus
}
#endif

#endif
