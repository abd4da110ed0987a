/* One pyramid level of the DIS flow: the images and buffers its three steps share. */
#ifndef VANISH_FLOW_DIS_LEVEL_H
#define VANISH_FLOW_DIS_LEVEL_H

#include "flow/dis.h"

/* Border of the padded copy of frame 1: patches and pixels may look this far outside it. */
#define DIS_PAD 32

typedef struct DisLevel {
    int w, h;
    const VnImage *i0, *i1;  /* grey frames, F32 */
    VnImage *gx, *gy;        /* central-difference gradients of i0 */
    VnImage *i1p;            /* i1 with DIS_PAD replicated pixels on every side */
    VnImage *v0, *v1p;       /* validity (1 = usable, 0 = masked), F32; NULL without masks;
                                v1p padded like i1p */
    VnImage *flow;           /* the level's dense flow, F32 x2 */
    VnImage *hole;           /* U8: pixels no patch explained, or under frame 0's mask */
    float *acc;              /* densification sums: u, v, weight planes of w*h */
    float *pu, *pv;          /* patch flows */
    uint8_t *pok;            /* patch usable */
    int nx, ny;              /* patch grid */
    int *ox, *oy;            /* patch origins */
    const VniDisParams *p;
} DisLevel;

static inline float *dis_row(const VnImage *img, int y)
{
    return (float *)vn_image_row(img, y);
}

/* Pointer to pixel (x, y) of a padded image, in unpadded coordinates. */
static inline const float *dis_pad_at(const VnImage *img, int x, int y)
{
    return (const float *)vn_image_row(img, y + DIS_PAD) + x + DIS_PAD;
}

/* Step 1: the flow of every patch (pu, pv, pok) from the level's dense flow as a start. */
void vni_dis_match(const VnContext *ctx, DisLevel *l);

/* Step 2: dense flow from the patch flows; marks l->hole. */
void vni_dis_densify(const VnContext *ctx, DisLevel *l);

/* Step 3: variational refinement of l->flow. 0 or -ENOMEM. */
int vni_dis_refine(const VnContext *ctx, DisLevel *l);

#endif
