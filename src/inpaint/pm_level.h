/*
 * Internals of the PatchMatch completion (patchmatch.c): one pyramid level of the crop around
 * the hole, the nearest-neighbour-field search (pm_search.c) and the voting (pm_vote.c).
 */
#ifndef VANISH_INPAINT_PM_LEVEL_H
#define VANISH_INPAINT_PM_LEVEL_H

#include "core/internal.h"

/* One level. All maps are w*h, row-major, packed (row stride w, or w*nch for img). */
typedef struct PmLevel {
    int w, h, nch;
    int r;              /* patch radius: patches are (2r+1)^2 */
    uint8_t *img;       /* current estimate; known pixels never change */
    uint8_t *hole;      /* 1 = unknown */
    uint8_t *src;       /* 1 = may be copied from (known and allowed) */
    uint8_t *valid;     /* 1 = centre of a patch made only of src pixels */
    uint8_t *target;    /* 1 = centre of a patch (inside the level) that overlaps the hole */
    int32_t *vlist;     /* indices of valid centres */
    int32_t *tlist;     /* indices of target centres, row-major */
    int nvalid, ntarget;
    int ty0, ty1;       /* rows holding target centres, inclusive */
    int hx0, hx1;       /* columns holding hole pixels, inclusive */
    int hy0, hy1;       /* rows holding hole pixels, inclusive */
    float *depth;       /* distance into the hole in px (0 outside) */
    int32_t *nx, *ny;   /* nearest-neighbour field: source centre of each target centre */
    int32_t *cost;      /* SSD of each target patch to its source patch */
    float *lw;          /* log of each target patch's vote weight, less depth*ln(alpha) */
} PmLevel;

/* What one pass over a level needs besides the level. */
typedef struct PmPass {
    const VnContext *ctx;
    PmLevel *L;
    uint64_t seed;      /* mixes the user seed, level and iteration */
    int backward;       /* sweep direction of this PatchMatch iteration */
    float log_alpha;    /* ln(border_decay) */
} PmPass;

/* A 64-bit mix (splitmix64's finaliser): turns a counter into a well-spread state. */
static inline uint64_t vni_pm_mix(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Next value of a xorshift64* generator. */
static inline uint32_t vni_pm_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

/* Give every target centre a random valid source and its cost. */
void vni_pm_random_init(PmPass *ps);
/* Seed the field of `fine` from the field of `coarse` (doubled), random where that fails. */
void vni_pm_upsample_nnf(PmPass *ps, const PmLevel *coarse);
/* Recompute every target's cost against the current image. */
void vni_pm_costs(PmPass *ps);
/* One PatchMatch iteration: propagation and random search, in row slices. */
void vni_pm_sweep(PmPass *ps);

/* Vote weights of the target patches from their costs and depths. 0 or -ENOMEM. */
int vni_pm_weights(PmPass *ps);
/* Every hole pixel becomes the weighted mean of the source pixels its target patches map to. */
void vni_pm_vote(PmPass *ps);
/* Initial estimate of `fine`'s hole pixels: bilinear from the solved coarser level. */
void vni_pm_upsample_img(PmLevel *fine, const PmLevel *coarse);

#endif
