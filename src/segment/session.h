/* The interactive segmenter's session and the steps of one run, shared by its files. */
#ifndef VANISH_SEGMENT_SESSION_H
#define VANISH_SEGMENT_SESSION_H

#include <stdlib.h>

#include "vanish/segment.h"
#include "segment/features.h"
#include "segment/gmm.h"
#include "segment/maxflow.h"

#define VNI_SEG_HARD 1e9f

struct VnSegmenter {
    VnContext *ctx;
    VnSegmentSettings s;
    VnImage *frame;          /* copy of the frame */
    VniSegFeatures f;
    double sx, sy;           /* full-resolution pixels per working pixel */
    /* working-resolution scratch, n = w*h */
    VniMaxflow *g;
    float *df, *db;          /* geodesic distance from positive / negative clicks */
    uint8_t *sample;         /* the object's first colour sample round the positive clicks */
    float *dsample;          /* scratch: geodesic distance of the sample (sample.c) */
    int *par, *parb;         /* geodesic forests */
    VniHeapItem *heap;
    uint8_t *hard;           /* 0 free, 1 object, 2 background */
    float *mprior;           /* refine mask at working size (fraction of object), or unused */
    float *att;              /* how much the refine mask still holds at each pixel (0..1) */
    uint8_t *lab[5];         /* labels of the candidates, then scratch for the grouping */
    int *queue;              /* scratch for flood fills */
    /* the last run, so that later clicks keep correcting a larger (whole-logo) answer */
    VnPrompt *last;          /* its prompts */
    int n_last;
    int lineage;             /* its best candidate was a larger one, or continued one */
    int captioned;           /* ... and a caption was added to it (caption.c) */
    uint8_t *keep;           /* working labels of its best candidate */
    VnImage *prev;           /* its best mask at full resolution, or NULL (local.c) */
    float *ufg, *ubg, *bw;   /* per-cluster costs and weights */
    float *udiff;            /* per-cluster cost difference the graph was solved with */
    unsigned char *blab;
    /* full-resolution band refinement */
    int *idx;                /* frame-size node index, -1 outside the band */
    VniMaxflow *gb;
    int gb_nodes;
};

/* The prompts of one run at working resolution. */
typedef struct VniSegPrompts {
    int *pos, n_pos;         /* positive seed pixels (working indices) */
    int *neg, n_neg;
    int has_box, bx0, by0, bx1, by1; /* working box, inclusive */
    int has_mask;
    int cont;                /* also correct the last run's larger answer (run.c) */
    const VnPrompt *full;    /* the prompts as given, for the full-resolution step */
    int n_full;
} VniSegPrompts;

/* A box of working pixels, inclusive. */
typedef struct VniSegBox {
    int x0, y0, x1, y1;
} VniSegBox;

/* One graph-cut solve: its nodes are the pixels of `box`, the rest of the frame is background. */
typedef struct VniSegCut {
    int kind;       /* scale of the geodesic prior (enum VnSegmentKind) */
    VniSegBox box;
    int prior;      /* use the click prior and star convexity */
    int iterations; /* GrabCut iterations */
    int refit;      /* fit the models to `init` before the first cut (else use them as given) */
    int box_init;   /* the first fit takes the whole box as object, as GrabCut does */
    int local;      /* whole-logo grouping: the background model learns only the surroundings
                       of the box (at first only outside it), and a colour that the background
                       explains worse than nearly all of its own samples may be object whatever
                       the object model says (see cut.c) */
} VniSegCut;

/* Radius of the geodesic prior of a candidate kind, in geodesic units at working resolution. */
float vni_seg_radius(const VnSegmenter *s, int kind);

/* Solve cut `c` at working resolution from labels `init` into `lab` (frame-size working labels;
 * 0 outside the box); models in/out. */
int vni_seg_solve(VnSegmenter *s, const VniSegPrompts *p, const VniSegCut *c, VniGmm *fg, VniGmm *bg,
                  const uint8_t *init, uint8_t *lab);

/* The object's first colour sample (sample.c): `out` gets the pixels of the part's geodesic
 * disk round the positive clicks that a flood from them reaches without crossing a colour step
 * that stands out from the click's neighbourhood. */
void vni_seg_first_sample(VnSegmenter *s, const VniSegPrompts *p, uint8_t *out);

/* Confidence of working labels: mean contrast (1 - exp(-beta |dI|^2)) across their boundary. */
float vni_seg_score(const VnSegmenter *s, const uint8_t *lab);

/* Box b grown by m working pixels on every side, clipped to the frame. */
VniSegBox vni_seg_grow_box(const VnSegmenter *s, VniSegBox b, int m);

/* Bounding box of the object pixels of working labels; returns their count. */
int64_t vni_seg_label_box(const VnSegmenter *s, const uint8_t *lab, VniSegBox *b);

/* Bounding box of the set pixels of a full-resolution mask; returns their count. */
int64_t vni_seg_mask_box(const VnImage *mask, VniSegBox *b);

/* Whether labels of bounding box rb reach a side of `box` that is not the frame's edge. */
int vni_seg_box_reached(const VnSegmenter *s, const VniSegBox *box, const VniSegBox *rb);

/* The grouping labelling of the larger candidate (group.c) into `lab`, its models and score. */
int vni_seg_group(VnSegmenter *s, const VniSegPrompts *p, VniGmm *fg, VniGmm *bg, float *score,
                  uint8_t *lab);

/* Upsample working labels `lab` into the frame-size mask (0/255) and re-cut a band around the
 * boundary at full resolution. */
int vni_seg_refine_band(VnSegmenter *s, const VniSegPrompts *p, const uint8_t *lab,
                        const VniGmm *fg, const VniGmm *bg, VnImage *mask);

/* Add to the full-resolution mask of the larger candidate (a logo's parts) the caption that a
 * logo may carry under or above them (caption.c): returns 1 if one was added, 0 if none, or an
 * error. */
int vni_seg_caption(VnSegmenter *s, VnImage *mask);

/* Remove from the full-resolution mask of the larger candidate the solid pieces whose colours
 * none of its flat parts has (prune.c; only with `cut` VNI_PRUNE_CUT or VNI_PRUNE_SURROUND; with
 * the latter, for the answer to one click, a colour that the band round the mask holds a larger
 * share of than the mask is no part's: it is the surroundings seen between the parts). Returns 1
 * if the mask is mostly of flat colours (a logo), 0 if not (it is then left alone), or an
 * error. */
enum { VNI_PRUNE_NONE = 0, VNI_PRUNE_CUT = 1, VNI_PRUNE_SURROUND = 2 };
int vni_seg_prune(VnSegmenter *s, VnImage *mask, int cut);

/* Remove from the full-resolution mask of the larger candidate its separate pieces that hold
 * none of the object candidate and are clearly more textured inside than it (pieces.c).
 * Returns 0 or an error. */
int vni_seg_drop_textured(VnSegmenter *s, VnImage *mask);

/* Number the 8-connected pieces of the set pixels of a w x h grid (set[i] != 0), label.c:
 * lab[i] gets the piece of pixel i, from 1 in the raster order of their first pixels, 0 where
 * unset; queue gets every set pixel, piece after piece. lab and queue hold w*h ints. Returns
 * the number of pieces. */
int vni_seg_label_pieces(const uint8_t *set, int w, int h, int *lab, int *queue);

/* Cut the full-resolution mask of the larger candidate along the straight sharp sides of a
 * plate that it spills across, and drop what the cut severs beyond them (straight.c). Returns 0
 * or an error. */
int vni_seg_cut_straight(VnSegmenter *s, VnImage *mask);

/* Grow the full-resolution mask of the larger candidate to the plate it lies on: a flat
 * region round it enclosed by sharp sides, or a smooth rectangle round it with straight sharp
 * sides (plate.c). Returns 0 or an error. */
int vni_seg_grow_plate(VnSegmenter *s, VnImage *mask);

/* Colour step between pixels a and b of RGB24 image im (sum over channels), or -1 if either is
 * off the image. */
static inline int vni_seg_step(const VnImage *im, int ax, int ay, int bx, int by)
{
    if (ax < 0 || ay < 0 || bx < 0 || by < 0 || ax >= im->width || bx >= im->width || ay >= im->height ||
        by >= im->height)
        return -1;
    const uint8_t *a = vn_image_row(im, ay) + 3 * ax, *b = vn_image_row(im, by) + 3 * bx;
    return abs((int)a[0] - b[0]) + abs((int)a[1] - b[1]) + abs((int)a[2] - b[2]);
}

/* Median of a histogram of `total` values 0..levels-1 (pieces.c, plate.c). */
static inline int vni_seg_hist_median(const int *hist, int levels, int64_t total)
{
    int64_t acc = 0;
    for (int v = 0; v < levels; v++)
        if ((acc += hist[v]) * 2 >= total)
            return v;
    return levels - 1;
}

/* A pixel is on a plate's side (plate.c, straight.c) when the colour step from it to one of the
 * next `reach` pixels outwards is at least VNI_SEG_SIDE_STEP, and VNI_SEG_SIDE_SHARP times the
 * step to the next pixel inwards (the plate is smooth right inside its side). */
#define VNI_SEG_SIDE_STEP 24
#define VNI_SEG_SIDE_SHARP 3

/* Whether pixel (x, y) of RGB24 image im is on a sharp side facing (dx, dy), as above. */
static inline int vni_seg_on_side(const VnImage *im, int x, int y, int dx, int dy, int reach)
{
    int out = -1;
    for (int k = 1; k <= reach; k++)
        out = VNI_MAX(out, vni_seg_step(im, x, y, x + k * dx, y + k * dy));
    const int in = vni_seg_step(im, x, y, x - dx, y - dy);
    return out >= VNI_SEG_SIDE_STEP && in >= 0 && out >= VNI_SEG_SIDE_SHARP * in;
}

/* Add to the full-resolution mask of a logo its thin outline, when one runs along much of its
 * edge (rim.c). Returns 0 or an error. */
int vni_seg_rim(VnSegmenter *s, VnImage *mask);

/* A click that corrects the last run's best mask (s->prev) changes it only near itself: the
 * full-resolution `mask` keeps the new answer within a disk round the click, a few times the
 * click's depth in the error it points at, and the last mask outside (local.c). Returns 1 if
 * the mask was limited, 0 if the error is large (the new answer then holds everywhere). */
int vni_seg_localise(const VnSegmenter *s, const VnPrompt *click, VnImage *mask);

#endif
