/*
 * Multi-scale PatchMatch completion: the pyramid of the crop around the hole and the
 * coarse-to-fine EM loop (search, vote). The search is in pm_search.c, the vote in pm_vote.c.
 */
#include "inpaint/patchmatch.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/maskops.h"
#include "inpaint/pm_level.h"
#include "inpaint/spatial.h"

#define MAX_LEVELS 12
#define MIN_VALID 16 /* a coarser level needs at least this many source patches */

void vni_patchmatch_default_params(VnPatchMatchParams *p)
{
    p->patch_size = 7;
    p->levels = 0;
    p->em_iters = 5;
    p->em_iters_fine = 2;
    p->pm_iters = 2;
    p->search_margin = 0;
    p->border_decay = 1.3f;
    p->seed = 1;
}

static void level_free(PmLevel *L)
{
    vni_freep(&L->img);
    vni_freep(&L->hole);
    vni_freep(&L->src);
    vni_freep(&L->valid);
    vni_freep(&L->target);
    vni_freep(&L->vlist);
    vni_freep(&L->tlist);
    vni_freep(&L->depth);
    vni_freep(&L->nx);
    vni_freep(&L->ny);
    vni_freep(&L->cost);
    vni_freep(&L->lw);
}

/* Allocate the maps of a w x h level. 0 or -ENOMEM (L is then freeable). */
static int level_alloc(PmLevel *L, int w, int h, int nch, int r)
{
    size_t n = (size_t)w * (size_t)h;
    memset(L, 0, sizeof(*L));
    L->w = w;
    L->h = h;
    L->nch = nch;
    L->r = r;
    L->img = vni_malloc_array(n, (size_t)nch);
    L->hole = vni_calloc_array(n, 1);
    L->src = vni_calloc_array(n, 1);
    L->valid = vni_calloc_array(n, 1);
    L->target = vni_calloc_array(n, 1);
    L->vlist = vni_malloc_array(n, sizeof(int32_t));
    L->tlist = vni_malloc_array(n, sizeof(int32_t));
    L->depth = vni_calloc_array(n, sizeof(float));
    L->nx = vni_calloc_array(n, sizeof(int32_t));
    L->ny = vni_calloc_array(n, sizeof(int32_t));
    L->cost = vni_calloc_array(n, sizeof(int32_t));
    L->lw = vni_calloc_array(n, sizeof(float));
    if (!L->img || !L->hole || !L->src || !L->valid || !L->target || !L->vlist || !L->tlist ||
        !L->depth || !L->nx || !L->ny || !L->cost || !L->lw)
        return -ENOMEM;
    return 0;
}

/* Copy the crop at (x0, y0) of the inputs into level 0. */
static void load_crop(PmLevel *L, const VnImage *rgb, const VnImage *hole, const VnImage *ok, int x0, int y0)
{
    for (int y = 0; y < L->h; y++) {
        const uint8_t *m = vn_image_row(hole, y0 + y) + x0;
        const uint8_t *o = ok ? vn_image_row(ok, y0 + y) + x0 : NULL;
        memcpy(L->img + (size_t)y * L->w * L->nch, vn_image_row(rgb, y0 + y) + (size_t)x0 * L->nch,
               (size_t)L->w * L->nch);
        for (int x = 0; x < L->w; x++) {
            L->hole[y * L->w + x] = m[x] != 0;
            L->src[y * L->w + x] = !m[x] && (!o || o[x]);
        }
    }
}

/* Write level 0's hole pixels back into the crop at (x0, y0). */
static void store_crop(VnImage *rgb, const PmLevel *L, int x0, int y0)
{
    for (int y = L->hy0; y <= L->hy1; y++) {
        uint8_t *d = vn_image_row(rgb, y0 + y) + (size_t)x0 * L->nch;
        const uint8_t *s = L->img + (size_t)y * L->w * L->nch;
        for (int x = 0; x < L->w; x++)
            if (L->hole[y * L->w + x])
                memcpy(d + (size_t)x * L->nch, s + (size_t)x * L->nch, (size_t)L->nch);
    }
}

/* Coarser level C from F: a pixel is known (and a source) only if all its children are; its
 * value is the mean of its known children. */
static void downsample(PmLevel *C, const PmLevel *F)
{
    const int nch = F->nch;
    for (int y = 0; y < C->h; y++)
        for (int x = 0; x < C->w; x++) {
            int sum[4] = {0, 0, 0, 0}, known = 0, any_hole = 0, all_src = 1;
            for (int yy = 2 * y; yy < VNI_MIN(2 * y + 2, F->h); yy++)
                for (int xx = 2 * x; xx < VNI_MIN(2 * x + 2, F->w); xx++) {
                    int f = yy * F->w + xx;
                    all_src &= F->src[f];
                    if (F->hole[f]) {
                        any_hole = 1;
                        continue;
                    }
                    known++;
                    for (int k = 0; k < nch; k++)
                        sum[k] += F->img[(size_t)f * nch + k];
                }
            int c = y * C->w + x;
            C->hole[c] = (uint8_t)any_hole;
            C->src[c] = (uint8_t)(all_src && !any_hole);
            for (int k = 0; k < nch; k++)
                C->img[(size_t)c * nch + k] = known ? (uint8_t)((sum[k] + known / 2) / known) : 0;
        }
}

/* Integral image ii ((w+1) x (h+1)) of a 0/1 map. */
static void integral(const uint8_t *m, int w, int h, int32_t *ii)
{
    memset(ii, 0, sizeof(*ii) * (size_t)(w + 1));
    for (int y = 0; y < h; y++) {
        int32_t row = 0, *cur = ii + (size_t)(y + 1) * (w + 1), *up = cur - (w + 1);
        cur[0] = 0;
        for (int x = 0; x < w; x++) {
            row += m[y * w + x];
            cur[x + 1] = up[x + 1] + row;
        }
    }
}

/* Sum of the map over the (2r+1)^2 window centred at (x, y), which lies inside. */
static int32_t box_sum(const int32_t *ii, int w, int x, int y, int r)
{
    const int W = w + 1;
    return ii[(y + r + 1) * W + x + r + 1] - ii[(y - r) * W + x + r + 1] - ii[(y + r + 1) * W + x - r] +
           ii[(y - r) * W + x - r];
}

/* Valid source centres and target centres, with their lists. */
static void find_centres(PmLevel *L, const int32_t *ii_src, const int32_t *ii_hole)
{
    const int r = L->r, full = (2 * r + 1) * (2 * r + 1);
    L->nvalid = L->ntarget = 0;
    L->ty0 = L->h;
    L->ty1 = -1;
    for (int y = r; y < L->h - r; y++)
        for (int x = r; x < L->w - r; x++) {
            int i = y * L->w + x;
            if (box_sum(ii_src, L->w, x, y, r) == full) {
                L->valid[i] = 1;
                L->vlist[L->nvalid++] = i;
            }
            if (box_sum(ii_hole, L->w, x, y, r) > 0) {
                L->target[i] = 1;
                L->tlist[L->ntarget++] = i;
                L->ty0 = VNI_MIN(L->ty0, y);
                L->ty1 = y;
            }
        }
}

/* Hole bounding box and the depth of every hole pixel: chamfer (3-4) distance to the nearest
 * known pixel, in pixels. */
static void hole_depth(PmLevel *L)
{
    const int w = L->w, h = L->h;
    float *d = L->depth;
    const float far = 1e9f;
    L->hx0 = w, L->hx1 = -1, L->hy0 = h, L->hy1 = -1;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int i = y * w + x;
            d[i] = L->hole[i] ? far : 0.0f;
            if (L->hole[i]) {
                L->hx0 = VNI_MIN(L->hx0, x), L->hx1 = VNI_MAX(L->hx1, x);
                L->hy0 = VNI_MIN(L->hy0, y), L->hy1 = y;
            }
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float *p = d + y * w + x;
            if (x > 0) *p = fminf(*p, p[-1] + 3);
            if (y > 0) *p = fminf(*p, p[-w] + 3);
            if (x > 0 && y > 0) *p = fminf(*p, p[-w - 1] + 4);
            if (x < w - 1 && y > 0) *p = fminf(*p, p[-w + 1] + 4);
        }
    for (int y = h - 1; y >= 0; y--)
        for (int x = w - 1; x >= 0; x--) {
            float *p = d + y * w + x;
            if (x < w - 1) *p = fminf(*p, p[1] + 3);
            if (y < h - 1) *p = fminf(*p, p[w] + 3);
            if (x < w - 1 && y < h - 1) *p = fminf(*p, p[w + 1] + 4);
            if (x > 0 && y < h - 1) *p = fminf(*p, p[w - 1] + 4);
        }
    for (int i = 0; i < w * h; i++)
        d[i] = d[i] >= far ? 0.0f : d[i] / 3.0f;
}

/* Everything a level needs besides its image and masks. 0 or -ENOMEM. */
static int analyse(PmLevel *L)
{
    size_t n = (size_t)(L->w + 1) * (size_t)(L->h + 1);
    int32_t *ii_src = vni_malloc_array(n, sizeof(int32_t)), *ii_hole = vni_malloc_array(n, sizeof(int32_t));
    int ret = -ENOMEM;
    if (!ii_src || !ii_hole)
        goto fail;
    integral(L->src, L->w, L->h, ii_src);
    integral(L->hole, L->w, L->h, ii_hole);
    find_centres(L, ii_src, ii_hole);
    hole_depth(L);
    ret = 0;
fail:
    vni_free(ii_src);
    vni_free(ii_hole);
    return ret;
}

/* Build levels 1.. below level 0 until the hole spans about two patches (or p->levels). Returns
 * the number of levels, or -ENOMEM. */
static int build_pyramid(PmLevel *lv, const VnPatchMatchParams *p)
{
    int n = 1;
    while (n < MAX_LEVELS) {
        const PmLevel *F = &lv[n - 1];
        PmLevel *C = &lv[n];
        int side = 2 * F->r + 1, cw = (F->w + 1) / 2, ch = (F->h + 1) / 2, ret;
        if (p->levels > 0 ? n >= p->levels : VNI_MAX(F->hx1 - F->hx0, F->hy1 - F->hy0) + 1 <= 2 * side)
            break;
        if (cw < side || ch < side)
            break;
        if ((ret = level_alloc(C, cw, ch, F->nch, F->r)) < 0 || (downsample(C, F), ret = analyse(C)) < 0) {
            level_free(C);
            return ret;
        }
        if (C->nvalid < MIN_VALID || C->ntarget == 0) {
            level_free(C);
            break;
        }
        n++;
    }
    return n;
}

/* The EM iterations of one level: search, then vote. */
static int solve_level(PmPass *ps, const VnPatchMatchParams *p, int n_em, int extra, uint64_t seed)
{
    int ret;
    for (int em = 0; em < n_em; em++) {
        int sweeps = p->pm_iters + (em == 0 ? extra : 0);
        for (int k = 0; k < sweeps; k++) {
            ps->seed = vni_pm_mix(seed ^ ((uint64_t)em << 40) ^ ((uint64_t)k << 20));
            ps->backward = k & 1;
            vni_pm_sweep(ps);
        }
        if ((ret = vni_pm_weights(ps)) < 0)
            return ret;
        vni_pm_vote(ps);
        if (em + 1 < n_em)
            vni_pm_costs(ps);
    }
    return 0;
}

/* Starting point of level i: a harmonic fill and a random field at the coarsest level, the
 * solved coarser level otherwise. */
static int start_level(PmPass *ps, PmLevel *lv, int i, int n)
{
    PmLevel *L = &lv[i];
    int ret;
    if (i == n - 1) {
        VnImage im = {L->w, L->h, L->nch, VN_U8, (ptrdiff_t)L->w * L->nch, L->img};
        VnImage hm = {L->w, L->h, 1, VN_U8, L->w, L->hole};
        if ((ret = vni_fill_harmonic(ps->ctx, &im, &hm)) < 0)
            return ret;
        vni_pm_random_init(ps);
        return 0;
    }
    /* the doubled field, voted at this level, gives the fine detail the bilinear image lacks */
    vni_pm_upsample_img(L, &lv[i + 1]);
    vni_pm_upsample_nnf(ps, &lv[i + 1]);
    if ((ret = vni_pm_weights(ps)) < 0)
        return ret;
    vni_pm_vote(ps);
    vni_pm_costs(ps);
    return 0;
}

/* Solve all levels, coarsest first. */
static int solve(const VnContext *ctx, PmLevel *lv, int n, const VnPatchMatchParams *p)
{
    int ret;
    for (int i = n - 1; i >= 0; i--) {
        uint64_t seed = vni_pm_mix(((uint64_t)p->seed << 8) ^ (uint64_t)i);
        PmPass ps = {ctx, &lv[i], seed, 0, logf(p->border_decay)};
        int n_em = i == 0 && n > 1 ? p->em_iters_fine : p->em_iters;
        if ((ret = start_level(&ps, lv, i, n)) < 0 ||
            (ret = solve_level(&ps, p, n_em, i == n - 1 ? 2 : 0, seed)) < 0 ||
            (ret = vni_progress(ctx, "patchmatch", (double)(n - i) / n)) < 0)
            return ret;
    }
    return 0;
}

static int check_args(const VnImage *rgb, const VnImage *hole, const VnImage *ok, const VnPatchMatchParams *p)
{
    if (!rgb || !hole || rgb->type != VN_U8 || rgb->channels < 1 || rgb->channels > 4 ||
        hole->type != VN_U8 || hole->channels != 1 || hole->width != rgb->width || hole->height != rgb->height)
        return -EINVAL;
    if (ok && (ok->type != VN_U8 || ok->channels != 1 || ok->width != rgb->width || ok->height != rgb->height))
        return -EINVAL;
    if (p->patch_size < 3 || p->patch_size > 15 || !(p->patch_size & 1) || p->levels < 0 ||
        p->levels > MAX_LEVELS || p->em_iters < 1 || p->em_iters_fine < 1 || p->pm_iters < 0 ||
        p->search_margin < 0 || !(p->border_decay >= 1.0f && p->border_decay <= 10.0f))
        return -EINVAL;
    return 0;
}

int vni_patchmatch_fill(const VnContext *ctx, VnImage *rgb, const VnImage *hole, const VnImage *source_ok,
                        const VnPatchMatchParams *params)
{
    VnPatchMatchParams def;
    PmLevel lv[MAX_LEVELS];
    int x0, y0, x1, y1, margin, r, n = 0, ret;
    const VnPatchMatchParams *p = params ? params : (vni_patchmatch_default_params(&def), &def);
    if ((ret = check_args(rgb, hole, source_ok, p)) < 0)
        return ret;
    if (!vni_mask_bbox(hole, &x0, &y0, &x1, &y1))
        return 0;
    margin = p->search_margin ? p->search_margin : VNI_MAX(4 * p->patch_size, VNI_MAX(x1 - x0, y1 - y0) + 1);
    x0 = VNI_MAX(0, x0 - margin), y0 = VNI_MAX(0, y0 - margin);
    x1 = VNI_MIN(rgb->width - 1, x1 + margin), y1 = VNI_MIN(rgb->height - 1, y1 + margin);
    r = VNI_MIN(p->patch_size / 2, (VNI_MIN(x1 - x0, y1 - y0) + 1 - 1) / 2);
    if (r < 1)
        return -EINVAL;
    memset(lv, 0, sizeof(lv));
    if ((ret = level_alloc(&lv[0], x1 - x0 + 1, y1 - y0 + 1, rgb->channels, r)) < 0)
        goto fail;
    load_crop(&lv[0], rgb, hole, source_ok, x0, y0);
    if ((ret = analyse(&lv[0])) < 0)
        goto fail;
    n = 1;
    if (lv[0].nvalid == 0) {
        vni_log(ctx, VN_LOG_DEBUG, "patchmatch: no complete source patch near the hole");
        ret = -EINVAL;
        goto fail;
    }
    if ((ret = build_pyramid(lv, p)) < 0)
        goto fail;
    n = ret;
    if ((ret = solve(ctx, lv, n, p)) < 0)
        goto fail;
    store_crop(rgb, &lv[0], x0, y0);
fail:
    for (int i = 0; i < MAX_LEVELS; i++)
        level_free(&lv[i]);
    return ret;
}
