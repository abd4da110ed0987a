/* The interactive segmenter's session and the steps of one run, shared by its files. */
#ifndef VANISH_SEGMENT_SESSION_H
#define VANISH_SEGMENT_SESSION_H

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
    int *par, *parb;         /* geodesic forests */
    VniHeapItem *heap;
    uint8_t *hard;           /* 0 free, 1 object, 2 background */
    float *mprior;           /* refine mask at working size (fraction of object), or unused */
    float *att;              /* how much the refine mask still holds at each pixel (0..1) */
    uint8_t *lab[3];         /* labels of the candidates */
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
} VniSegCut;

/* Radius of the geodesic prior of a candidate kind, in geodesic units at working resolution. */
float vni_seg_radius(const VnSegmenter *s, int kind);

/* Solve cut `c` at working resolution from labels `init` into `lab` (frame-size working labels;
 * 0 outside the box); models in/out. */
int vni_seg_solve(VnSegmenter *s, const VniSegPrompts *p, const VniSegCut *c, VniGmm *fg, VniGmm *bg,
                  const uint8_t *init, uint8_t *lab);

/* Upsample working labels `lab` into the frame-size mask (0/255) and re-cut a band around the
 * boundary at full resolution. */
int vni_seg_refine_band(VnSegmenter *s, const VniSegPrompts *p, const uint8_t *lab,
                        const VniGmm *fg, const VniGmm *bg, VnImage *mask);

#endif
