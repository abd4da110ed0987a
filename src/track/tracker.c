/*
 * The mask tracker (include/vanish/track.h): per frame and object, the previous mask is carried
 * along the sparse motion (motion.c) and corrected by the band graph cut (correct.c) with
 * long- and short-term colour models (appearance.c); objects that move rigidly follow a
 * homography registered to the keyframe (rigid.c); a lost object is searched for again.
 */
#include "track/tracker.h"
#include "core/maskops.h"
#include "core/pyramid.h"
#include "core/resample.h"
#include "vanish/flow.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_KEY_PTS 150
#define MAX_MATCH_PTS 120
#define MAX_TEMPLATE_PTS 4000
#define NCC_HOLD 0.6f    /* least NCC with the keyframe for auto mode to hold a pose unregistered */
#define NCC_REG 0.9f     /* least NCC for auto mode to take a registration that the motion did not predict */
#define AGREE_EPS 0.01f  /* a new pose must beat the keyframe's or the last one by this much */
#define MAX_EDGE_PTS 4000
#define STILL_TAKE 0.6f  /* share of its keyframe edges in place for an object to be held still; */
#define STILL_ALL 0.5f   /* ... and of all its keyframe edges (a still background's edges may match
                            a moving object's persistently, where both have one periodic texture) */
#define STILL_KEEP 0.2f  /* once held, it stays while at least this share is (twice chance), and
                            more than at the motion tracked meanwhile */

typedef struct Obj {
    int id;
    VnImage *key, *prev;       /* working size, 0/255 */
    VniColourModel lt, st;
    double key_cost;
    int64_t key_area, area;
    VniPt *kpts;
    int nk;
    VniRigid rig;
    VniTemplate tpl;           /* the keyframe inside the mask, to check poses */
    VniEdgeSet edges;          /* the keyframe's edges of the object, to tell it still */
    int rigid_on, rigid_last, lost, since_refresh;
    int still;                 /* held at the keyframe's mask in this frame */
    float key_cx, key_cy;      /* the keyframe mask's centroid */
    int vx, vy;                /* last frame's translation, the prediction of the next */
} Obj;

struct VnTracker {
    VnContext *ctx;
    VnTrackSettings s;
    int fw, fh, w, h;
    VnImage *rgb, *grey, *key_grey, *prev_rgb;
    VniPyramid prev, cur;
    VnImage *warped, *region, *cut, *ids;
    Obj *obj;
    int n_obj;
    VniMaxflow *g;
    int64_t g_nodes;
    VniMatches m;
};

/* ---- resampling between the frame and the working size ---- */

/* dst (working) = nearest-neighbour sample of the id mask src (frame size). */
static void ids_down(VnImage *dst, const VnImage *src)
{
    for (int y = 0; y < dst->height; y++) {
        int sy = (int)(((int64_t)y * 2 + 1) * src->height / (2 * dst->height));
        const uint8_t *s = vn_image_row(src, sy);
        uint8_t *d = vn_image_row(dst, y);
        for (int x = 0; x < dst->width; x++)
            d[x] = s[((int64_t)x * 2 + 1) * src->width / (2 * dst->width)];
    }
}

/* dst (frame size) = the id whose bilinear weight from src (working) reaches a half. */
static void ids_up(VnImage *dst, const VnImage *src)
{
    if (dst->width == src->width && dst->height == src->height) {
        vn_image_copy(dst, src);
        return;
    }
    const float fx = (float)src->width / dst->width, fy = (float)src->height / dst->height;
    for (int y = 0; y < dst->height; y++) {
        float sy = VNI_CLAMP((y + 0.5f) * fy - 0.5f, 0.0f, (float)src->height - 1);
        int iy = (int)sy, iy1 = VNI_MIN(iy + 1, src->height - 1);
        float ay = sy - iy;
        const uint8_t *r0 = vn_image_row(src, iy), *r1 = vn_image_row(src, iy1);
        uint8_t *d = vn_image_row(dst, y);
        for (int x = 0; x < dst->width; x++) {
            float sx = VNI_CLAMP((x + 0.5f) * fx - 0.5f, 0.0f, (float)src->width - 1);
            int ix = (int)sx, ix1 = VNI_MIN(ix + 1, src->width - 1);
            float ax = sx - ix;
            const uint8_t v[4] = {r0[ix], r0[ix1], r1[ix], r1[ix1]};
            const float wv[4] = {(1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay};
            uint8_t best = 0;
            for (int k = 0; k < 4; k++) {
                float s = 0;
                for (int j = 0; j < 4; j++)
                    s += v[j] == v[k] ? wv[j] : 0;
                if (v[k] && s >= 0.5f)
                    best = v[k];
            }
            d[x] = best;
        }
    }
}

/* The working frame: rgb scaled, its grey and pyramid into t->cur. */
static int load_frame(VnTracker *t, const VnImage *rgb)
{
    int ret;
    if (t->w == rgb->width && t->h == rgb->height)
        ret = vn_image_copy(t->rgb, rgb);
    else
        ret = vni_resize_u8(t->ctx, t->rgb, rgb);
    if (ret < 0 || (ret = vni_grey_f32(t->ctx, t->grey, t->rgb)) < 0)
        return ret;
    vni_pyramid_free(&t->cur);
    return vni_pyramid_build(t->ctx, &t->cur, t->grey, 4, 16);
}

/* ---- objects ---- */

static void obj_free(Obj *o)
{
    vn_image_free(&o->key);
    vn_image_free(&o->prev);
    vni_free(o->kpts);
    vni_template_free(&o->tpl);
    vni_edges_free(&o->edges);
}

static void memset_mask(VnImage *m)
{
    for (int y = 0; y < m->height; y++)
        memset(vn_image_row(m, y), 0, (size_t)m->width);
}

/* The centroid of the set pixels of m into (cx, cy); 0 when none is set. */
static int centroid(const VnImage *m, float *cx, float *cy)
{
    double sx = 0, sy = 0;
    int64_t n = 0;
    for (int y = 0; y < m->height; y++) {
        const uint8_t *r = vn_image_row(m, y);
        for (int x = 0; x < m->width; x++)
            if (r[x])
                sx += x, sy += y, n++;
    }
    if (n)
        *cx = (float)(sx / (double)n), *cy = (float)(sy / (double)n);
    return n > 0;
}

/* Half-width of the cut's band for an object of this area. */
static int band_for(const VnTracker *t, int64_t area)
{
    if (t->s.band > 0)
        return t->s.band;
    return VNI_CLAMP((int)lrint(0.08 * sqrt((double)area)), 3, 12);
}

/* A box around the set pixels of m grown by g, clipped; empty if none. */
static VniRect grown_box(const VnImage *m, int g)
{
    int x0, y0, x1, y1;
    VniRect r = {0, 0, 0, 0};
    if (!vni_mask_bbox(m, &x0, &y0, &x1, &y1))
        return r;
    r.x0 = VNI_MAX(0, x0 - g), r.y0 = VNI_MAX(0, y0 - g);
    r.x1 = VNI_MIN(m->width, x1 + 1 + g), r.y1 = VNI_MIN(m->height, y1 + 1 + g);
    return r;
}

/* region = m dilated by r inside box b (zero elsewhere). */
static int dilate_in(const VnContext *ctx, VnImage *region, const VnImage *m, VniRect b, int r)
{
    for (int y = 0; y < region->height; y++)
        memset(vn_image_row(region, y), 0, (size_t)region->width);
    if (b.x1 <= b.x0 || b.y1 <= b.y0)
        return 0;
    VnImage dv = vni_image_view(region, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    VnImage sv = vni_image_view(m, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    return vni_mask_dilate(ctx, &dv, &sv, r);
}

/* Set up object `id` from the keyframe (t->rgb, t->ids, t->grey). */
static int obj_init(VnTracker *t, Obj *o, int id)
{
    int ret;
    VniCornerParams cp;
    o->id = id;
    if ((ret = vn_image_alloc(&o->key, t->w, t->h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&o->prev, t->w, t->h, 1, VN_U8)) < 0)
        return ret;
    for (int y = 0; y < t->h; y++) {
        const uint8_t *s = vn_image_row(t->ids, y);
        uint8_t *d = vn_image_row(o->key, y);
        for (int x = 0; x < t->w; x++)
            d[x] = s[x] == id ? 255 : 0;
    }
    vn_image_copy(o->prev, o->key);
    o->key_area = o->area = vni_mask_bbox(o->key, &(int){0}, &(int){0}, &(int){0}, &(int){0});
    int R = band_for(t, o->key_area);
    if ((ret = vni_colour_fit(&o->lt, t->rgb, o->key, 255, 2 * R + 4, t->s.components)) < 0)
        return ret;
    o->key_cost = vni_colour_mean_cost(&o->lt, t->rgb, o->key, 255);
    o->kpts = vni_malloc_array(MAX_KEY_PTS, sizeof(VniPt));
    if (!o->kpts)
        return -ENOMEM;
    VniRect b = grown_box(o->key, 4);
    if ((ret = dilate_in(t->ctx, t->region, o->key, b, 0)) < 0)
        return ret;
    vni_corner_default_params(&cp);
    cp.max_corners = MAX_KEY_PTS;
    cp.min_distance = 5;
    cp.border = 2;
    VnImage gv = vni_image_view(t->grey, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    VnImage mv = vni_image_view(t->region, b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0);
    o->nk = gv.width >= 8 && gv.height >= 8 ? vni_corners_find(t->ctx, &gv, &mv, &cp, o->kpts, MAX_KEY_PTS) : 0;
    if (o->nk < 0)
        return o->nk;
    for (int i = 0; i < o->nk; i++)
        o->kpts[i].x += (float)b.x0, o->kpts[i].y += (float)b.y0;
    vni_homography_identity(o->rig.H);
    o->rigid_on = t->s.mode != VN_TRACK_DEFORM;
    if ((ret = vni_edges_init(&o->edges, t->grey, o->key, MAX_EDGE_PTS)) < 0)
        return ret;
    centroid(o->key, &o->key_cx, &o->key_cy);
    return o->rigid_on ? vni_template_init(&o->tpl, t->grey, o->key, MAX_TEMPLATE_PTS) : 0;
}

/* 1 if H and G put the corners of box r within tol of each other (tol 0: max(4, a tenth of its
 * diagonal)). */
static int homographies_agree(const double H[9], const double G[9], VniRect r, float tol)
{
    VniPt c[4] = {{(float)r.x0, (float)r.y0}, {(float)r.x1, (float)r.y0}, {(float)r.x0, (float)r.y1},
                  {(float)r.x1, (float)r.y1}};
    VniPt p[4], q[4];
    if (tol <= 0)
        tol = fmaxf(4.0f, 0.1f * hypotf((float)(r.x1 - r.x0), (float)(r.y1 - r.y0)));
    vni_homography_apply(H, c, p, 4);
    vni_homography_apply(G, c, q, 4);
    for (int i = 0; i < 4; i++)
        if (!(hypotf(p[i].x - q[i].x, p[i].y - q[i].y) <= tol))
            return 0;
    return 1;
}

/* t->cut = the keyframe mask warped by the object's homography, computed only over the box
 * where it lands. */
static int warp_key_mask(VnTracker *t, Obj *o)
{
    VniRect kb = grown_box(o->key, 1);
    VniPt c[4] = {{(float)kb.x0, (float)kb.y0}, {(float)kb.x1, (float)kb.y0}, {(float)kb.x0, (float)kb.y1},
                  {(float)kb.x1, (float)kb.y1}};
    float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
    double T[9], Hv[9];
    memset_mask(t->cut);
    vni_homography_apply(o->rig.H, c, c, 4);
    for (int i = 0; i < 4; i++) {
        if (!isfinite(c[i].x) || !isfinite(c[i].y))
            return vni_warp_mask(t->ctx, t->cut, o->key, o->rig.H);
        x0 = fminf(x0, c[i].x), x1 = fmaxf(x1, c[i].x), y0 = fminf(y0, c[i].y), y1 = fmaxf(y1, c[i].y);
    }
    int ix0 = (int)VNI_CLAMP(x0 - 2, 0.0f, (float)t->w), iy0 = (int)VNI_CLAMP(y0 - 2, 0.0f, (float)t->h);
    int ix1 = (int)VNI_CLAMP(x1 + 3, 0.0f, (float)t->w), iy1 = (int)VNI_CLAMP(y1 + 3, 0.0f, (float)t->h);
    if (ix1 <= ix0 || iy1 <= iy0)
        return 0;
    VnImage v = vni_image_view(t->cut, ix0, iy0, ix1 - ix0, iy1 - iy0);
    vni_homography_identity(T);
    T[2] = -ix0, T[5] = -iy0;
    vni_homography_mul(T, o->rig.H, Hv);
    return vni_warp_mask(t->ctx, &v, o->key, Hv);
}

/* A candidate pose of a rigid object: its homography, how well the keyframe matches the frame
 * there, and whether it may be taken in auto mode. */
typedef struct Pose {
    double H[9];
    float ncc, agree;    /* the correlation (for thresholds) and the agreeing fraction (to rank) */
    int usable;
} Pose;

/* Register the keyframe to the frame from the prediction H_pred into *p. */
static int register_from(VnTracker *t, Obj *o, const double H_pred[9], Pose *p, int *ok)
{
    int ret = vni_rigid_register(t->ctx, t->key_grey, o->kpts, o->nk, t->grey, &t->cur, H_pred, &o->rig);
    memcpy(p->H, o->rig.H, sizeof(p->H));
    p->ncc = vni_template_ncc(&o->tpl, t->grey, p->H, &p->agree);
    *ok = o->rig.ok;
    return ret;
}

/* The pose of a rigid object in this frame, o->rig.H on entry being its pose in the last one:
 * holding that pose, the keyframe's pose, and the registrations from the motion's prediction and
 * from the last pose, the one where most of the keyframe's samples agree with the frame; but the
 * keyframe's pose, then the last one, are kept while they are within AGREE_EPS of the best, so that
 * a static object stays exactly put and a pose that slipped comes back. Returns 1 with the
 * pose in o->rig.H when one may be taken, else 0 with o->rig.H unchanged. */
static int choose_pose(VnTracker *t, Obj *o, const double Hpc[9])
{
    Pose c[4];
    int ret, ok, best = -1, forced = t->s.mode == VN_TRACK_RIGID, checked = o->tpl.n > 0;
    VniRect kb = grown_box(o->key, 0);
    double Hpred[9];
    memcpy(c[0].H, o->rig.H, sizeof(c[0].H));
    vni_homography_identity(c[1].H);
    vni_homography_mul(Hpc, o->rig.H, Hpred);
    for (int i = 0; i < 2; i++)
        c[i].ncc = vni_template_ncc(&o->tpl, t->grey, c[i].H, &c[i].agree);
    if ((ret = register_from(t, o, Hpred, &c[2], &ok)) < 0)
        return ret;
    /* a homography fitted to few points can agree with itself and be wrong: in auto mode it must
     * also land near where the frame-to-frame motion predicts */
    c[2].usable = forced || (ok && homographies_agree(c[2].H, Hpred, kb, 0));
    c[3].usable = 0;
    c[3].ncc = -1, c[3].agree = 0;
    /* the registration from the last pose, when the prediction's did not clearly move the object
     * somewhere better than where it was */
    if (checked && !(c[2].usable && c[2].agree > c[0].agree + 0.05f) && !homographies_agree(Hpred, c[0].H, kb, 0.5f)) {
        if ((ret = register_from(t, o, c[0].H, &c[3], &ok)) < 0)
            return ret;
        c[3].usable = forced || (ok && c[3].ncc >= NCC_REG);
    }
    /* in auto mode a pose is held only if it explains the frame as well as any registration */
    for (int i = 0; i < 2; i++)
        c[i].usable = checked && (forced || (c[i].ncc >= NCC_HOLD && c[i].agree + AGREE_EPS >= fmaxf(c[2].agree, c[3].agree)));
    for (int i = 0; i < 4; i++)
        if (c[i].usable && (best < 0 || c[i].agree > c[best].agree))
            best = i;
    if (best < 0)
        return 0;
    /* the keyframe's pose first, then the last one, while they are within AGREE_EPS of the best */
    for (int i = 1; i >= 0; i--)
        if (c[i].usable && c[i].agree + AGREE_EPS >= c[best].agree) {
            best = i;
            break;
        }
    memcpy(o->rig.H, c[best].H, sizeof(o->rig.H));
    return 1;
}

/* The rigid answer for this frame if the object moves rigidly: 1 with t->cut set, else 0. */
static int rigid_step(VnTracker *t, Obj *o, const double Hpc[9])
{
    int ret;
    VniRect kb = grown_box(o->key, 0);
    if ((ret = choose_pose(t, o, Hpc)) <= 0)
        return ret;
    if (vni_homography_near_identity(o->rig.H, kb, 0.5))
        vni_homography_identity(o->rig.H);
    if ((ret = warp_key_mask(t, o)) < 0)
        return ret;
    return 1;
}

/* Search for a lost object; 1 with t->cut set when found. */
static int64_t redetect(VnTracker *t, Obj *o)
{
    VniCutParams cp = {2 * band_for(t, o->key_area), 2 * t->s.shape, t->s.smoothness};
    if (!t->s.redetect || !vni_colour_redetect(t->ctx, t->rgb, &o->lt, o->key_area, o->key_cost, t->warped))
        return 0;
    return vni_cut_correct(t->rgb, t->warped, &o->lt, NULL, &cp, &t->g, &t->g_nodes, t->cut);
}

/* The motion of the box's centre under the frame-to-frame homography: the next prediction. */
static void object_velocity(Obj *o, VniRect b, const double H[9])
{
    VniPt c = {0.5f * (float)(b.x0 + b.x1), 0.5f * (float)(b.y0 + b.y1)}, q;
    vni_homography_apply(H, &c, &q, 1);
    o->vx = isfinite(q.x) ? (int)lrintf(q.x - c.x) : 0;
    o->vy = isfinite(q.y) ? (int)lrintf(q.y - c.y) : 0;
}

/* t->warped = the previous mask carried by dense flow from the current frame back to the
 * previous one, computed over a box around the object grown by its speed. */
static int flow_carry(VnTracker *t, Obj *o, int R)
{
    VnFlowSettings fs;
    VnImage *flow = NULL;
    int ret, g = R + 24 + VNI_MAX(abs(o->vx), abs(o->vy));
    VniRect b = grown_box(o->prev, g);
    memset_mask(t->warped);
    if (b.x1 - b.x0 < 16 || b.y1 - b.y0 < 16)
        return 0;
    int w = b.x1 - b.x0, h = b.y1 - b.y0;
    VnImage cur = vni_image_view(t->rgb, b.x0, b.y0, w, h), prev = vni_image_view(t->prev_rgb, b.x0, b.y0, w, h);
    VnImage src = vni_image_view(o->prev, b.x0, b.y0, w, h), dst = vni_image_view(t->warped, b.x0, b.y0, w, h);
    vn_flow_default_settings(&fs);
    fs.preset = VN_FLOW_FAST;
    if ((ret = vn_flow_compute(t->ctx, &cur, &prev, NULL, NULL, &fs, &flow, NULL)) < 0)
        return ret;
    ret = vn_flow_warp_mask(t->ctx, &dst, &src, flow);
    vn_image_free(&flow);
    return ret;
}

/* Track one object into the current frame by its motion; its mask is left in o->prev. */
static int track_step(VnTracker *t, Obj *o)
{
    double Hpc[9];
    int ret, R = band_for(t, VNI_MAX(o->area, 16));
    int64_t area;
    o->rigid_last = 0;
    if (o->lost && t->s.mode != VN_TRACK_RIGID) {
        if ((area = redetect(t, o)) < 0)
            return (int)area;
        if (area > 0)
            o->lost = 0, o->rigid_on = 0, o->vx = o->vy = 0;
        if (area > 0)
            vn_image_copy(o->prev, t->cut);
        else
            memset_mask(o->prev);
        o->area = area;
        return 0;
    }
    VniRect b = grown_box(o->prev, R + 8);
    t->m.tx = o->vx, t->m.ty = o->vy;
    if ((ret = dilate_in(t->ctx, t->region, o->prev, b, 0)) < 0 ||
        (ret = vni_motion_matches(t->ctx, &t->prev, &t->cur, t->region, b, MAX_MATCH_PTS, &t->m)) < 0 ||
        (ret = vni_motion_carry(t->ctx, &t->m, o->prev, t->warped, Hpc)) < 0)
        return ret;
    object_velocity(o, b, Hpc);
    if (o->rigid_on && (ret = rigid_step(t, o, Hpc)) != 0) {
        if (ret < 0)
            return ret;
        o->rigid_last = 1;
        area = vni_mask_bbox(t->cut, &(int){0}, &(int){0}, &(int){0}, &(int){0});
    } else {
        VniCutParams cp = {R, t->s.shape, t->s.smoothness};
        o->rigid_on = 0;
        if (t->s.motion == VN_TRACK_FLOW && (ret = flow_carry(t, o, R)) < 0)
            return ret;
        if ((area = vni_cut_correct(t->rgb, t->warped, &o->lt, &o->st, &cp, &t->g, &t->g_nodes, t->cut)) < 0)
            return (int)area;
    }
    vn_image_copy(o->prev, t->cut);
    o->area = area;
    if (area < VNI_MAX(4, o->key_area / 500)) {
        o->lost = !o->rigid_last;
        if (o->lost)
            memset_mask(o->prev);
        return 0;
    }
    if (!o->rigid_last && ++o->since_refresh >= t->s.refresh) {
        o->since_refresh = 0;
        return vni_colour_fit(&o->st, t->rgb, o->prev, 255, 2 * R + 4, t->s.components);
    }
    return 0;
}

/* The share of all the object's keyframe edges in place at the motion tracked (the tracked
 * mask's centroid's shift from the keyframe's), or at none. */
static float held_all(const VnTracker *t, const Obj *o, int tracked)
{
    float cx, cy;
    if (!tracked)
        return vni_edges_held(&o->edges, t->grey, 0, 0, 1);
    if (!centroid(o->prev, &cx, &cy))
        return 0.0f;
    return vni_edges_held(&o->edges, t->grey, (int)lrintf(cx - o->key_cx), (int)lrintf(cy - o->key_cy), 1);
}

/*
 * One object into the current frame: tracked by its motion, and held still at its keyframe mask
 * while its keyframe edges that persisted are in place (STILL_TAKE of them and STILL_ALL of all;
 * once held, STILL_KEEP of them) and not fewer of all its keyframe edges are in place there than at the motion
 * tracked (the persistent ones were chosen at no motion: they would favour it). A static overlay, whose tracked
 * mask the picture moving under it pulls along, stays put; an object that moves is followed, and
 * so is one that leaves a still background whose edges happen to match some of its own.
 */
static int obj_step(VnTracker *t, Obj *o)
{
    float still = vni_edges_still(&o->edges, t->grey);
    int ret = track_step(t, o);
    if (ret < 0)
        return ret;
    float zero = held_all(t, o, 0);
    o->still = (o->still ? still >= STILL_KEEP : still >= STILL_TAKE && zero >= STILL_ALL) && zero >= held_all(t, o, 1);
    if (o->still)
        o->rigid_last = o->rigid_on;
    return 0;
}

/* t->ids = the objects' masks (held still: the keyframe's), lower ids first where they overlap. */
static void compose_ids(VnTracker *t)
{
    for (int y = 0; y < t->h; y++)
        memset(vn_image_row(t->ids, y), 0, (size_t)t->w);
    for (int k = t->n_obj - 1; k >= 0; k--)
        for (int y = 0; y < t->h; y++) {
            const uint8_t *s = vn_image_row(t->obj[k].still ? t->obj[k].key : t->obj[k].prev, y);
            uint8_t *d = vn_image_row(t->ids, y);
            for (int x = 0; x < t->w; x++)
                if (s[x])
                    d[x] = (uint8_t)t->obj[k].id;
        }
}

/* ---- public API ---- */

static int check_args(VnContext *ctx, const VnImage *rgb, const VnImage *mask, const VnTrackSettings *s)
{
    if (!rgb || rgb->channels != 3 || rgb->type != VN_U8)
        return vni_error(ctx, -EINVAL, "track: the keyframe must be RGB24");
    if (!mask || mask->channels != 1 || mask->type != VN_U8 || mask->width != rgb->width ||
        mask->height != rgb->height)
        return vni_error(ctx, -EINVAL, "track: the keyframe mask must be 8-bit, %dx%d", rgb->width, rgb->height);
    for (const VnOption *o = vn_track_options(); o->name; o++) {
        double v = o->type == VN_OPT_FLOAT ? *(const float *)((const char *)s + o->offset)
                                           : *(const int *)((const char *)s + o->offset);
        if (!(v >= o->min && v <= o->max))
            return vni_error(ctx, -EINVAL, "track: %s = %g is outside %g..%g", o->name, v, o->min, o->max);
    }
    return vni_check_size(ctx, rgb->width, rgb->height);
}

/* Working buffers of the tracker. */
static int alloc_buffers(VnTracker *t)
{
    int ret;
    if ((ret = vn_image_alloc(&t->rgb, t->w, t->h, 3, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&t->grey, t->w, t->h, 1, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&t->key_grey, t->w, t->h, 1, VN_F32)) < 0 ||
        (ret = vn_image_alloc(&t->prev_rgb, t->w, t->h, 3, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&t->warped, t->w, t->h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&t->region, t->w, t->h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&t->cut, t->w, t->h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&t->ids, t->w, t->h, 1, VN_U8)) < 0)
        return ret;
    return 0;
}

/* One object per id present in t->ids. */
static int init_objects(VnTracker *t)
{
    uint8_t has[256] = {0};
    int ret;
    for (int y = 0; y < t->h; y++) {
        const uint8_t *r = vn_image_row(t->ids, y);
        for (int x = 0; x < t->w; x++)
            has[r[x]] = 1;
    }
    for (int i = 1; i < 256; i++)
        t->n_obj += has[i];
    if (!t->n_obj)
        return vni_error(t->ctx, -EINVAL, "track: the keyframe mask holds no object");
    if (!(t->obj = vni_calloc_array((size_t)t->n_obj, sizeof(Obj))))
        return -ENOMEM;
    for (int i = 1, k = 0; i < 256; i++)
        if (has[i] && (ret = obj_init(t, &t->obj[k++], i)) < 0)
            return ret;
    return 0;
}

int vn_tracker_open(VnContext *ctx, VnTracker **out, const VnImage *rgb, const VnImage *mask,
                    const VnTrackSettings *s)
{
    VnTracker *t = NULL;
    VnTrackSettings def;
    int ret;
    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!s) {
        vn_track_default_settings(&def);
        s = &def;
    }
    if ((ret = check_args(ctx, rgb, mask, s)) < 0)
        return ret;
    if (!(t = vni_calloc_array(1, sizeof(*t))))
        return -ENOMEM;
    t->ctx = ctx, t->s = *s, t->fw = rgb->width, t->fh = rgb->height;
    vni_working_size(rgb->width, rgb->height, s->working_size, &t->w, &t->h);
    if (rgb->width <= s->working_size && rgb->height <= s->working_size)
        t->w = rgb->width, t->h = rgb->height;
    if ((ret = alloc_buffers(t)) < 0 || (ret = load_frame(t, rgb)) < 0)
        goto fail;
    ids_down(t->ids, mask);
    vn_image_copy(t->key_grey, t->grey);
    if ((ret = init_objects(t)) < 0)
        goto fail;
    vn_image_copy(t->prev_rgb, t->rgb);
    VniPyramid sw = t->prev;
    t->prev = t->cur, t->cur = sw;
    *out = t;
    return 0;
fail:
    vn_tracker_close(&t);
    return ret == -ENOMEM ? vni_error(ctx, ret, "track: out of memory") : ret;
}

int vn_tracker_step(VnTracker *t, const VnImage *rgb, VnImage *mask)
{
    int ret;
    if (!t || !rgb || !mask || rgb->width != t->fw || rgb->height != t->fh || rgb->channels != 3 ||
        mask->width != t->fw || mask->height != t->fh || mask->channels != 1 || mask->type != VN_U8)
        return t ? vni_error(t->ctx, -EINVAL, "track: frame or mask of the wrong size or format") : -EINVAL;
    if ((ret = load_frame(t, rgb)) < 0)
        return ret;
    for (int k = 0; k < t->n_obj; k++)
        if ((ret = obj_step(t, &t->obj[k])) < 0)
            return ret;
    compose_ids(t);
    ids_up(mask, t->ids);
    vn_image_copy(t->prev_rgb, t->rgb);
    VniPyramid sw = t->prev;
    t->prev = t->cur, t->cur = sw;
    return 0;
}

int vn_tracker_rigid(const VnTracker *t, int id)
{
    for (int k = 0; t && k < t->n_obj; k++)
        if (t->obj[k].id == id)
            return t->obj[k].rigid_last;
    return 0;
}

void vn_tracker_close(VnTracker **pt)
{
    VnTracker *t = pt ? *pt : NULL;
    if (!t)
        return;
    for (int k = 0; t->obj && k < t->n_obj; k++)
        obj_free(&t->obj[k]);
    vni_free(t->obj);
    vn_image_free(&t->rgb);
    vn_image_free(&t->grey);
    vn_image_free(&t->key_grey);
    vn_image_free(&t->prev_rgb);
    vn_image_free(&t->warped);
    vn_image_free(&t->region);
    vn_image_free(&t->cut);
    vn_image_free(&t->ids);
    vni_pyramid_free(&t->prev);
    vni_pyramid_free(&t->cur);
    vni_maxflow_free(&t->g);
    vni_free(t->m.a);
    vni_free(t->m.b);
    vni_free(t);
    *pt = NULL;
}
