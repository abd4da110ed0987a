/*
 * The nearest-neighbour-field search of PatchMatch (Barnes et al. 2009): each target patch keeps
 * its best source so far; an iteration tries the shifted sources of its already-visited
 * neighbours (propagation) and random sources at exponentially shrinking distances around the
 * best (random search), sweeping alternately forward and backward.
 *
 * Threads: rows are cut into slices of fixed height; even slices run in parallel, then odd ones.
 * A slice reads only its neighbour slices' edge rows, which the other phase writes, so the result
 * does not depend on scheduling or the thread count.
 */
#include "inpaint/pm_level.h"

#define SLICE_ROWS 16

/* SSD between the patches centred at target index t and source index s, abandoned as soon as it
 * reaches `best` (the return value is then >= best). */
static int32_t patch_ssd(const PmLevel *L, int t, int s, int32_t best)
{
    const int side = 2 * L->r + 1, len = side * L->nch;
    const ptrdiff_t stride = (ptrdiff_t)L->w * L->nch;
    const ptrdiff_t off = ((ptrdiff_t)L->r * L->w + L->r) * L->nch;
    const uint8_t *a = L->img + (ptrdiff_t)t * L->nch - off;
    const uint8_t *b = L->img + (ptrdiff_t)s * L->nch - off;
    int32_t d = 0;
    for (int y = 0; y < side; y++, a += stride, b += stride) {
        int32_t row = 0;
        for (int i = 0; i < len; i++) {
            int32_t e = (int32_t)a[i] - (int32_t)b[i];
            row += e * e;
        }
        d += row;
        if (d >= best)
            return d;
    }
    return d;
}

/* A random valid source centre index. */
static int random_valid(const PmLevel *L, uint64_t *rng)
{
    return L->vlist[(uint32_t)(((uint64_t)vni_pm_rand(rng) * (uint32_t)L->nvalid) >> 32)];
}

/* Try source (sx, sy) for target index t; keep it if valid and better. */
static inline void try_source(PmLevel *L, int t, int sx, int sy)
{
    int s;
    if (sx < L->r || sy < L->r || sx >= L->w - L->r || sy >= L->h - L->r)
        return;
    s = sy * L->w + sx;
    if (!L->valid[s] || (sx == L->nx[t] && sy == L->ny[t]))
        return;
    int32_t d = patch_ssd(L, t, s, L->cost[t]);
    if (d < L->cost[t]) {
        L->cost[t] = d;
        L->nx[t] = sx;
        L->ny[t] = sy;
    }
}

/* Random search around the current best: radius from the level size down to one pixel. */
static void random_search(PmLevel *L, int t, uint64_t *rng)
{
    for (int rad = VNI_MAX(L->w, L->h); rad >= 1; rad >>= 1) {
        int span = 2 * rad + 1;
        int dx = (int)(((uint64_t)vni_pm_rand(rng) * (uint32_t)span) >> 32) - rad;
        int dy = (int)(((uint64_t)vni_pm_rand(rng) * (uint32_t)span) >> 32) - rad;
        int sx = VNI_CLAMP(L->nx[t] + dx, L->r, L->w - 1 - L->r);
        int sy = VNI_CLAMP(L->ny[t] + dy, L->r, L->h - 1 - L->r);
        try_source(L, t, sx, sy);
    }
}

/* Propagation from the neighbours visited before target t in this sweep's direction. */
static void propagate(PmLevel *L, int t, int x, int y, int dir)
{
    int n = t - dir;
    if (x - dir >= 0 && x - dir < L->w && L->target[n])
        try_source(L, t, L->nx[n] + dir, L->ny[n]);
    n = t - dir * L->w;
    if (y - dir >= 0 && y - dir < L->h && L->target[n])
        try_source(L, t, L->nx[n], L->ny[n] + dir);
}

/* One row of a sweep. */
static void sweep_row(PmLevel *L, int y, int dir, uint64_t *rng)
{
    int x0 = dir > 0 ? 0 : L->w - 1, x1 = dir > 0 ? L->w : -1;
    for (int x = x0; x != x1; x += dir) {
        int t = y * L->w + x;
        if (!L->target[t])
            continue;
        propagate(L, t, x, y, dir);
        random_search(L, t, rng);
    }
}

typedef struct SweepJob {
    PmPass *ps;
    int phase; /* 0: even slices, 1: odd slices */
} SweepJob;

/* Sweep the rows of one slice; job j of a phase is slice 2j + phase. */
static void sweep_slice(void *opaque, int job, int n_jobs)
{
    SweepJob *sj = opaque;
    PmLevel *L = sj->ps->L;
    int slice = 2 * job + sj->phase, dir = sj->ps->backward ? -1 : 1;
    int y0 = L->ty0 + slice * SLICE_ROWS, y1 = VNI_MIN(L->ty1, y0 + SLICE_ROWS - 1);
    (void)n_jobs;
    for (int i = 0; i <= y1 - y0; i++) {
        int y = dir > 0 ? y0 + i : y1 - i;
        uint64_t rng = vni_pm_mix(sj->ps->seed ^ ((uint64_t)y << 32)) | 1;
        sweep_row(L, y, dir, &rng);
    }
}

void vni_pm_sweep(PmPass *ps)
{
    const PmLevel *L = ps->L;
    int n_slices = (L->ty1 - L->ty0) / SLICE_ROWS + 1;
    for (int phase = 0; phase < 2; phase++) {
        SweepJob sj = {ps, phase};
        int n_jobs = (n_slices - phase + 1) / 2;
        if (n_jobs > 0)
            vni_parallel(ps->ctx, sweep_slice, &sj, n_jobs);
    }
}

/* Costs of the targets [n*job/n_jobs, n*(job+1)/n_jobs). */
static void costs_job(void *opaque, int job, int n_jobs)
{
    PmLevel *L = ((PmPass *)opaque)->L;
    int i0 = (int)((int64_t)L->ntarget * job / n_jobs), i1 = (int)((int64_t)L->ntarget * (job + 1) / n_jobs);
    for (int i = i0; i < i1; i++) {
        int t = L->tlist[i];
        L->cost[t] = patch_ssd(L, t, L->ny[t] * L->w + L->nx[t], INT32_MAX);
    }
}

void vni_pm_costs(PmPass *ps)
{
    vni_parallel(ps->ctx, costs_job, ps, vni_row_jobs(ps->ctx, VNI_MAX(1, ps->L->ntarget / 256)));
}

void vni_pm_random_init(PmPass *ps)
{
    PmLevel *L = ps->L;
    uint64_t rng = vni_pm_mix(ps->seed) | 1;
    for (int i = 0; i < L->ntarget; i++) {
        int t = L->tlist[i], s = random_valid(L, &rng);
        L->nx[t] = (s % L->w);
        L->ny[t] = (s / L->w);
    }
    vni_pm_costs(ps);
}

void vni_pm_upsample_nnf(PmPass *ps, const PmLevel *C)
{
    PmLevel *L = ps->L;
    uint64_t rng = vni_pm_mix(ps->seed) | 1;
    for (int i = 0; i < L->ntarget; i++) {
        int t = L->tlist[i], x = t % L->w, y = t / L->w;
        int cx = VNI_MIN(x / 2, C->w - 1), cy = VNI_MIN(y / 2, C->h - 1), c = cy * C->w + cx;
        int s = -1;
        if (C->target[c]) {
            int sx = 2 * C->nx[c] + (x & 1), sy = 2 * C->ny[c] + (y & 1);
            if (sx >= L->r && sy >= L->r && sx < L->w - L->r && sy < L->h - L->r && L->valid[sy * L->w + sx])
                s = sy * L->w + sx;
        }
        if (s < 0)
            s = random_valid(L, &rng);
        L->nx[t] = (s % L->w);
        L->ny[t] = (s / L->w);
    }
    vni_pm_costs(ps);
}
