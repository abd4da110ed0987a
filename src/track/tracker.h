/* The pieces of the mask tracker (include/vanish/track.h): distance maps, colour models, the
 * carried mask, the graph-cut correction, rigid registration and the per-object state. */
#ifndef VANISH_TRACK_TRACKER_H
#define VANISH_TRACK_TRACKER_H

#include "core/internal.h"
#include "segment/gmm.h"
#include "segment/maxflow.h"
#include "track/features.h"
#include "track/homography.h"
#include "vanish/track.h"

/* A rectangle [x0, x1) x [y0, y1). */
typedef struct VniRect {
    int x0, y0, x1, y1;
} VniRect;

/* ---- sdf.c ---- */

/* Signed chamfer distance (3-4 metric, in pixels) to the boundary of the set pixels of m (1
 * channel VN_U8, non-zero = set) inside r: positive inside, negative outside, written to d
 * (r's width x height floats). Distances saturate at `cap`. scratch: none. */
void vni_signed_distance(const VnImage *m, VniRect r, float cap, float *d);

/* Hand-over between two propagations of the same frame: a (from the keyframe behind, weight
 * 1 - w) and b (from the keyframe ahead, weight w), masks of object ids; out gets, per pixel,
 * the object whose blended signed distance is largest and positive. a, b, out same size; out may
 * alias a. 0 or -ENOMEM. */
int vni_mask_handover(const VnImage *a, const VnImage *b, float w, VnImage *out);

/* ---- appearance.c ---- */

/* Foreground and background colour models of one object. */
typedef struct VniColourModel {
    VniGmm fg, bg;
    int valid;
} VniColourModel;

/* Fit m from the pixels of rgb (RGB24) where mask == id (object) and in a ring of `ring` px
 * around it (background), subsampled. 0, or -ENOMEM. m->valid = 0 when either side is empty. */
int vni_colour_fit(VniColourModel *m, const VnImage *rgb, const VnImage *mask, int id, int ring,
                   int components);

/* Posterior probability of the object at colour c (0..255 floats) under the long-term and (if
 * valid) short-term models. */
float vni_colour_posterior(const VniColourModel *lt, const VniColourModel *st, const float *c);

/* Search the whole frame for an object of about `area` pixels whose colours the long-term model
 * calls its own: writes its mask (0/255) to out and returns its area, or 0 when none qualifies.
 * `mean_cost` is the object's mean fg cost on the keyframe. */
int64_t vni_colour_redetect(const VnContext *ctx, const VnImage *rgb, const VniColourModel *lt,
                            int64_t area, double mean_cost, VnImage *out);

/* Mean fg cost of the object's pixels under m (for vni_colour_redetect). */
double vni_colour_mean_cost(const VniColourModel *m, const VnImage *rgb, const VnImage *mask, int id);

/* ---- correct.c ---- */

typedef struct VniCutParams {
    int band;          /* half-width of the free band, px */
    float shape;       /* least width of the shape prior, px */
    float smoothness;  /* Potts weight */
} VniCutParams;

/* Correct the carried mask `warped` (0/255) on frame rgb: a min-cut over the band of pixels
 * within p->band of its boundary (or of the frame's edge where the mask touches it), colour
 * posteriors from lt/st, shape prior from the carried boundary. out (0/255, same size) gets the
 * result. g: a max-flow graph grown as needed (*g may be NULL at first). Returns the area. */
int64_t vni_cut_correct(const VnImage *rgb, const VnImage *warped, const VniColourModel *lt,
                        const VniColourModel *st, const VniCutParams *p, VniMaxflow **g,
                        int64_t *g_nodes, VnImage *out);

/* ---- motion.c ---- */

/* Point matches of one frame pair. */
typedef struct VniMatches {
    int n;
    VniPt *a, *b;        /* position in the previous frame, in the current one */
    int tx, ty;          /* the region's translation by block matching; on input, its
                            prediction (e.g. the last frame's motion) */
} VniMatches;

/* Track corners of prev inside `region` (non-zero) from prev to cur (pyramids of the working
 * frames). m's arrays are (re)allocated to hold up to max_pts. Returns the number of matches. */
int vni_motion_matches(const VnContext *ctx, const VniPyramid *prev, const VniPyramid *cur,
                       const VnImage *region, VniRect roi, int max_pts, VniMatches *m);

/* Carry `src` (0/255) from the previous to the current frame along the matches: a robust
 * homography (or a translation when there are few) plus a smooth field of the residuals of the
 * matches inside the mask. dst gets the carried mask (0/255). H (or NULL) receives the
 * homography. Returns 0 or -ENOMEM. */
int vni_motion_carry(const VnContext *ctx, const VniMatches *m, const VnImage *src, VnImage *dst,
                     double H[9]);

/* ---- rigid.c ---- */

typedef struct VniRigid {
    double H[9];         /* keyframe → last frame */
    int ok;              /* the last registration explained the object */
    int inliers, tracked;
    float rms;           /* inliers' residual, px */
} VniRigid;

/* Register the keyframe (grey key, its object mask kmask) to the current frame (grey cur) given
 * the prediction H_pred: warp the keyframe there, track its corners to the current frame with
 * KLT and fit the residual homography by RANSAC. r->H becomes the registered homography, r->ok
 * says whether it explains the object well. kpts: the keyframe's corners (nk of them). */
int vni_rigid_register(const VnContext *ctx, const VnImage *key, const VniPt *kpts, int nk,
                       const VnImage *cur, const VniPyramid *cur_pyr, const double H_pred[9],
                       VniRigid *r);

/* 1 if H moves every corner of rect r by less than tol pixels. */
int vni_homography_near_identity(const double H[9], VniRect r, double tol);

/* ---- rigid_check.c ---- */

/* Grey values of the keyframe sampled inside an object's mask. */
typedef struct VniTemplate {
    int n;               /* 0: too few or too flat to check anything */
    VniPt *p;            /* keyframe positions */
    float *v;            /* keyframe grey values */
} VniTemplate;

/* Sample grey (VN_F32) at the pixels of mask (non-zero) whose 4 neighbours are also set, at most
 * max_pts of them on a regular grid. 0 or -ENOMEM. */
int vni_template_init(VniTemplate *tp, const VnImage *grey, const VnImage *mask, int max_pts);

#define VNI_TEMPLATE_TOL 10.0f

/* Normalised cross-correlation (-1..1) of the template with cur (grey VN_F32) mapped by the
 * keyframe → frame homography H; -1 when it cannot be measured. *agree gets the fraction of the
 * samples within VNI_TEMPLATE_TOL grey levels of the frame: unlike the correlation, it is not
 * swayed by the part of the mask that shows a changing background. */
float vni_template_ncc(const VniTemplate *tp, const VnImage *cur, const double H[9], float *agree);

void vni_template_free(VniTemplate *tp);

/* ---- still.c ---- */

/* An object's own edges on its keyframe, where its grey gradient is strong in its mask within 2
 * px of its outline, and how often each was in place in the frames tested so far. */
typedef struct VniEdgeSet {
    int n;               /* 0: too few to tell anything */
    VniPt *p, *g;        /* positions; the keyframe's Sobel gradient there */
    int32_t *count;      /* frames in which each was in place */
    int32_t frames;      /* frames tested */
} VniEdgeSet;

/* Sample the edges of grey (VN_F32) along the outline of mask (non-zero), at most max_pts of
 * them on a regular grid. 0 or -ENOMEM. */
int vni_edges_init(VniEdgeSet *e, const VnImage *grey, const VnImage *mask, int max_pts);

/* Of the edges that persisted so far (in place in half the frames tested at least; all before the
 * first), the share (0..1) that the frame grey (VN_F32, the keyframe's size) holds at the same
 * pixels moved by (dx, dy), with the same orientation and at least half the size; -1 when too few
 * persisted (under 30% of them or 24: the object moved away) or they lie along one direction
 * (those along its motion stay in place while an object moves straight). At (0, 0) near 1 for an
 * object that has not moved, whatever the picture under it does where it is semi-transparent.
 * With `all`, the share of all the edges (-1 when there are none), to compare two motions. */
float vni_edges_held(const VniEdgeSet *e, const VnImage *grey, int dx, int dy, int all);

/* vni_edges_held of the persistent edges at (0, 0), then the frame is counted as tested. */
float vni_edges_still(VniEdgeSet *e, const VnImage *grey);

void vni_edges_free(VniEdgeSet *e);

#endif
