/*
 * An aggregation multigrid for the overlay estimator's smoothing solves (overlay_solve.c): the
 * symmetric system A x = b on the pixels of a mask, with
 *
 *     (A x)_p = s_p·x_p + Σ_q g_pq (x_p − x_q)
 *
 * over 4-neighbour links inside the mask (links that leave it are absent: a free edge), s > 0.
 * The links are nearly cut along the overlay's own edges and the mask's parts may be thin, so the
 * coarse levels follow the links, not the grid (after Vaněk, Mandel and Brezina's aggregation by
 * strength of connection): a node and its strong neighbours (links of at least STRONG times the
 * node's strongest) form an aggregate, left-over nodes join the neighbouring aggregate they are
 * most strongly linked to. The coarse operator is the Galerkin product with piecewise-constant
 * interpolation, again a screened graph Laplacian: a coarse link is the sum of the fine links
 * between two aggregates, a coarse screening the aggregate's sum. The coarsest level (at most
 * MAX_COARSE nodes) is solved by dense Cholesky. One application is a symmetric V-cycle (forward
 * Gauss–Seidel before the coarse correction, backward after), so it can precondition conjugate
 * gradients.
 */
#include "inpaint/overlay.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define MAX_LEVELS 24
#define MAX_COARSE 300   /* nodes of the coarsest level, solved directly */
#define STRONG 0.1f     /* share of a node's strongest link from which a link is strong */
#define SMOOTH_SWEEPS 1 /* Gauss–Seidel sweeps before and after each coarse correction */

typedef struct Level {
    int n;                 /* nodes */
    int *start, *col;      /* links, both ways: node i's are col[start[i] .. start[i+1]) */
    float *g;              /* their weights */
    float *s, *diag;       /* screening; s + the node's links */
    float *x, *b, *r;      /* a V-cycle's unknowns, right-hand side, residual */
    int *agg;              /* node -> node of the next level (all but the coarsest) */
} Level;

struct VniAmg {
    Level lv[MAX_LEVELS];
    int n_levels;
    int *node;             /* pixel -> node of level 0, or -1 */
    size_t n_pixels;
    double *chol;          /* lower Cholesky factor of the coarsest operator, or NULL */
    double *cvec;
};

static void level_free(Level *l)
{
    vni_freep(&l->start);
    vni_freep(&l->col);
    vni_freep(&l->g);
    vni_freep(&l->s);
    vni_freep(&l->diag);
    vni_freep(&l->x);
    vni_freep(&l->b);
    vni_freep(&l->r);
    vni_freep(&l->agg);
}

/* Node arrays for n nodes and room for n_links links. */
static int level_alloc(Level *l, int n, size_t n_links)
{
    l->n = n;
    l->start = vni_calloc_array((size_t)n + 1, sizeof(int));
    l->col = vni_malloc_array(VNI_MAX(n_links, 1), sizeof(int));
    l->g = vni_malloc_array(VNI_MAX(n_links, 1), sizeof(float));
    l->s = vni_calloc_array(VNI_MAX(n, 1), sizeof(float));
    l->diag = vni_calloc_array(VNI_MAX(n, 1), sizeof(float));
    l->x = vni_calloc_array(VNI_MAX(n, 1), sizeof(float));
    l->b = vni_calloc_array(VNI_MAX(n, 1), sizeof(float));
    l->r = vni_calloc_array(VNI_MAX(n, 1), sizeof(float));
    if (!l->start || !l->col || !l->g || !l->s || !l->diag || !l->x || !l->b || !l->r) {
        level_free(l);
        return -ENOMEM;
    }
    return 0;
}

static void level_diag(Level *l)
{
    for (int i = 0; i < l->n; i++) {
        float d = l->s[i];
        for (int k = l->start[i]; k < l->start[i + 1]; k++)
            d += l->g[k];
        l->diag[i] = d;
    }
}

/* Level 0 from the grid: the mask's pixels and their links inside it. */
static int level_from_grid(VniAmg *a, const float *s, const float *gx, const float *gy,
                           const uint8_t *mask, int width, int height)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    const size_t np = a->n_pixels;
    Level *l = &a->lv[0];
    int n = 0, k = 0, ret;
    for (size_t p = 0; p < np; p++)
        a->node[p] = mask[p] ? n++ : -1;
    if ((ret = level_alloc(l, n, (size_t)n * 4)) < 0)
        return ret;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            size_t p = (size_t)y * width + x;
            int i = a->node[p];
            if (i < 0)
                continue;
            l->s[i] = s[p];
            l->start[i] = k;
            for (int d = 0; d < 4; d++) {
                int x1 = x + dx[d], y1 = y + dy[d];
                size_t q = (size_t)y1 * width + x1;
                float g;
                if (x1 < 0 || y1 < 0 || x1 >= width || y1 >= height || a->node[q] < 0)
                    continue;
                g = d == 0 ? gx[p] : d == 1 ? gx[q] : d == 2 ? gy[p] : gy[q];
                if (g <= 0.0f)
                    continue;
                l->col[k] = a->node[q];
                l->g[k++] = g;
            }
        }
    l->start[n] = k;
    level_diag(l);
    return 0;
}

/* Whether link k is strong for a node whose strongest link is gmax. */
static int strong(const Level *l, int k, float gmax)
{
    return l->g[k] >= STRONG * gmax;
}

static float max_link(const Level *l, int i)
{
    float m = 0.0f;
    for (int k = l->start[i]; k < l->start[i + 1]; k++)
        m = VNI_MAX(m, l->g[k]);
    return m;
}

/* Aggregates of level l into l->agg; returns their number. */
static int aggregate(Level *l)
{
    int na = 0;
    for (int i = 0; i < l->n; i++)
        l->agg[i] = -1;
    for (int i = 0; i < l->n; i++) { /* a free node with free strong neighbours: a new aggregate */
        float gm = max_link(l, i);
        int free = 1;
        if (l->agg[i] >= 0)
            continue;
        for (int k = l->start[i]; k < l->start[i + 1] && free; k++)
            free = !strong(l, k, gm) || l->agg[l->col[k]] < 0;
        if (!free)
            continue;
        l->agg[i] = na;
        for (int k = l->start[i]; k < l->start[i + 1]; k++)
            if (strong(l, k, gm))
                l->agg[l->col[k]] = na;
        na++;
    }
    for (int i = 0; i < l->n; i++) { /* the rest join their most strongly linked aggregate */
        float best = 0.0f;
        int to = -1;
        if (l->agg[i] >= 0)
            continue;
        for (int k = l->start[i]; k < l->start[i + 1]; k++)
            if (l->agg[l->col[k]] >= 0 && l->g[k] > best) {
                best = l->g[k];
                to = l->agg[l->col[k]];
            }
        l->agg[i] = to >= 0 ? to : na++;
    }
    return na;
}

/* The Galerkin coarse level c of l for l->agg (na aggregates); mark, members: scratch. */
static int galerkin(const Level *l, Level *c, int na, int *mark, int *members)
{
    int ret, k = 0;
    if ((ret = level_alloc(c, na, (size_t)l->start[l->n])) < 0)
        return ret;
    /* members of each aggregate, by counting sort (c->start as the counts) */
    for (int i = 0; i < l->n; i++)
        c->start[l->agg[i] + 1]++;
    for (int a = 0; a < na; a++)
        c->start[a + 1] += c->start[a];
    for (int i = 0; i < l->n; i++)
        members[c->start[l->agg[i]]++] = i;
    for (int a = na; a > 0; a--)
        c->start[a] = c->start[a - 1];
    c->start[0] = 0;
    for (int a = 0; a < na; a++)
        mark[a] = -1;
    for (int a = 0, m = 0; a < na; a++) {
        int row = k, end = c->start[a + 1];
        for (; m < end; m++) {
            int i = members[m];
            c->s[a] += l->s[i];
            for (int e = l->start[i]; e < l->start[i + 1]; e++) {
                int b = l->agg[l->col[e]];
                if (b == a)
                    continue;
                if (mark[b] < row) {
                    mark[b] = k;
                    c->col[k] = b;
                    c->g[k++] = 0.0f;
                }
                c->g[mark[b]] += l->g[e];
            }
        }
        c->start[a] = row;
    }
    c->start[na] = k;
    level_diag(c);
    return 0;
}

/* Dense Cholesky factor of the coarsest level's operator (positive definite: s > 0). */
static int factor_coarsest(VniAmg *a)
{
    const Level *l = &a->lv[a->n_levels - 1];
    const size_t m = (size_t)l->n;
    double *L;
    if (m == 0)
        return 0;
    if (!(a->chol = vni_calloc_array(m * m, sizeof(double))) ||
        !(a->cvec = vni_malloc_array(m, sizeof(double))))
        return -ENOMEM;
    L = a->chol;
    for (size_t i = 0; i < m; i++) {
        L[i * m + i] = l->diag[i];
        for (int k = l->start[i]; k < l->start[i + 1]; k++)
            L[i * m + l->col[k]] -= l->g[k];
    }
    for (size_t j = 0; j < m; j++) {
        double d = L[j * m + j];
        for (size_t k = 0; k < j; k++)
            d -= L[j * m + k] * L[j * m + k];
        d = sqrt(d > 1e-300 ? d : 1e-300);
        L[j * m + j] = d;
        for (size_t i = j + 1; i < m; i++) {
            double v = L[i * m + j];
            for (size_t k = 0; k < j; k++)
                v -= L[i * m + k] * L[j * m + k];
            L[i * m + j] = v / d;
        }
    }
    return 0;
}

/* x = A⁻¹ b on the coarsest level, by the Cholesky factor. */
static void solve_coarsest(VniAmg *a)
{
    Level *l = &a->lv[a->n_levels - 1];
    const size_t m = (size_t)l->n;
    const double *L = a->chol;
    double *v = a->cvec;
    for (size_t i = 0; i < m; i++) {
        double t = l->b[i];
        for (size_t k = 0; k < i; k++)
            t -= L[i * m + k] * v[k];
        v[i] = t / L[i * m + i];
    }
    for (size_t i = m; i-- > 0;) {
        double t = v[i];
        for (size_t k = i + 1; k < m; k++)
            t -= L[k * m + i] * v[k];
        v[i] = t / L[i * m + i];
    }
    for (size_t i = 0; i < m; i++)
        l->x[i] = (float)v[i];
}

/* Coarser levels until the coarsest is small enough to factor (or coarsening stalls). */
static int build_levels(VniAmg *a)
{
    int *mark = NULL, *members = NULL, ret = 0;
    while (a->lv[a->n_levels - 1].n > MAX_COARSE && a->n_levels < MAX_LEVELS) {
        Level *l = &a->lv[a->n_levels - 1];
        int na;
        ret = -ENOMEM;
        if (!mark && (!(mark = vni_malloc_array((size_t)l->n, sizeof(int))) ||
                      !(members = vni_malloc_array((size_t)l->n, sizeof(int)))))
            break;
        if (!(l->agg = vni_malloc_array((size_t)l->n, sizeof(int))))
            break;
        na = aggregate(l);
        if (na > l->n * 0.9) { /* no longer coarsening: this level is the coarsest */
            vni_freep(&l->agg);
            ret = 0;
            break;
        }
        if ((ret = galerkin(l, &a->lv[a->n_levels], na, mark, members)) < 0)
            break;
        a->n_levels++;
    }
    vni_free(mark);
    vni_free(members);
    if (ret >= 0 && a->lv[a->n_levels - 1].n <= MAX_COARSE)
        ret = factor_coarsest(a);
    return ret;
}

int vni_amg_open(VniAmg **pa, const float *s, const float *gx, const float *gy,
                 const uint8_t *mask, int width, int height)
{
    VniAmg *a;
    int ret = -ENOMEM;
    *pa = NULL;
    if (!(a = vni_calloc_array(1, sizeof(*a))))
        return -ENOMEM;
    a->n_pixels = (size_t)width * height;
    if (!(a->node = vni_malloc_array(a->n_pixels, sizeof(int))))
        goto fail;
    if ((ret = level_from_grid(a, s, gx, gy, mask, width, height)) < 0)
        goto fail;
    a->n_levels = 1;
    ret = build_levels(a);
fail:
    if (ret < 0)
        vni_amg_free(&a);
    *pa = a;
    return ret;
}

void vni_amg_free(VniAmg **pa)
{
    if (!pa || !*pa)
        return;
    for (int i = 0; i < MAX_LEVELS; i++)
        level_free(&(*pa)->lv[i]);
    vni_free((*pa)->node);
    vni_free((*pa)->chol);
    vni_free((*pa)->cvec);
    vni_freep(pa);
}

int vni_amg_nodes(const VniAmg *a)
{
    return a->lv[0].n;
}

void vni_amg_gather(const VniAmg *a, const float *grid, float *v)
{
    for (size_t p = 0; p < a->n_pixels; p++)
        if (a->node[p] >= 0)
            v[a->node[p]] = grid[p];
}

void vni_amg_scatter(const VniAmg *a, const float *v, float *grid)
{
    for (size_t p = 0; p < a->n_pixels; p++)
        if (a->node[p] >= 0)
            grid[p] = v[a->node[p]];
}

/* y = A x on level l. */
static void level_apply(const Level *l, const float *x, float *y)
{
    for (int i = 0; i < l->n; i++) {
        float acc = l->diag[i] * x[i];
        for (int k = l->start[i]; k < l->start[i + 1]; k++)
            acc -= l->g[k] * x[l->col[k]];
        y[i] = acc;
    }
}

void vni_amg_apply_f64(const VniAmg *a, const double *x, double *y)
{
    const Level *l = &a->lv[0];
    for (int i = 0; i < l->n; i++) {
        double acc = (double)l->diag[i] * x[i];
        for (int k = l->start[i]; k < l->start[i + 1]; k++)
            acc -= (double)l->g[k] * x[l->col[k]];
        y[i] = acc;
    }
}

/* One Gauss–Seidel sweep on level l: forward (dir > 0) or backward over the nodes. */
static void sweep(Level *l, int dir)
{
    for (int j = 0; j < l->n; j++) {
        int i = dir > 0 ? j : l->n - 1 - j;
        float acc = l->b[i];
        for (int k = l->start[i]; k < l->start[i + 1]; k++)
            acc += l->g[k] * l->x[l->col[k]];
        l->x[i] = acc / l->diag[i];
    }
}

/* x ≈ A⁻¹ b on level li (b set by the caller), from x = 0. */
static void vcycle(VniAmg *a, int li)
{
    Level *l = &a->lv[li], *c = &a->lv[li + 1];
    int last = li == a->n_levels - 1;
    if (last && a->chol) {
        solve_coarsest(a);
        return;
    }
    memset(l->x, 0, (size_t)l->n * sizeof(float));
    for (int k = 0; k < (last ? 20 : SMOOTH_SWEEPS); k++)
        sweep(l, 1);
    if (!last) {
        level_apply(l, l->x, l->r);
        memset(c->b, 0, (size_t)c->n * sizeof(float));
        for (int i = 0; i < l->n; i++)
            c->b[l->agg[i]] += l->b[i] - l->r[i];
        vcycle(a, li + 1);
        for (int i = 0; i < l->n; i++)
            l->x[i] += c->x[l->agg[i]];
    }
    for (int k = 0; k < (last ? 20 : SMOOTH_SWEEPS); k++)
        sweep(l, -1);
}

void vni_amg_precondition(VniAmg *a, const float *r, float *z)
{
    memcpy(a->lv[0].b, r, (size_t)a->lv[0].n * sizeof(float));
    vcycle(a, 0);
    memcpy(z, a->lv[0].x, (size_t)a->lv[0].n * sizeof(float));
}
