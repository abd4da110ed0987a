/*
 * Boykov–Kolmogorov max-flow, written from "An Experimental Comparison of Min-Cut/Max-Flow
 * Algorithms for Energy Minimization in Vision" (PAMI 2004). Two trees S (from the source) and T
 * (from the sink) grow through non-saturated arcs; where they touch, flow is pushed along the
 * path; arcs that saturate cut nodes off their tree ("orphans"), which then look for a new parent
 * in the same tree or become free. Arc 2k and 2k+1 are each other's reverse.
 */
#include "segment/maxflow.h"

#include <errno.h>
#include <string.h>

#include "core/mem.h"

#define P_NONE (-1)     /* free node */
#define P_TERMINAL (-2) /* parent is the terminal of the node's tree */
#define P_ORPHAN (-3)   /* lost its parent during the last augmentation */
#define D_INF 0x7fffffff

struct VniMaxflow {
    int n, n_alloc;
    int64_t n_arcs, max_arcs;
    /* arcs */
    int *head, *next;
    float *rcap;
    /* nodes */
    int *first, *parent, *next_active, *ts, *dist, *orphans;
    float *tr_cap; /* > 0: residual source→node; < 0: residual node→sink */
    uint8_t *sink; /* tree of the node when it has a parent */
    int q_first, q_last;   /* FIFO of active nodes; the last one points to itself */
    int o_first, o_count;  /* ring of orphans */
    int time;
    double flow;
};

int vni_maxflow_alloc(VniMaxflow **pg, int n_nodes, int64_t max_edges)
{
    VniMaxflow *g;
    *pg = NULL;
    if (n_nodes < 0 || max_edges < 0 || max_edges > (INT32_MAX - 2) / 2)
        return -EINVAL;
    if (!(g = vni_calloc_array(1, sizeof(*g))))
        return -ENOMEM;
    size_t na = (size_t)max_edges * 2 + 1, nn = (size_t)n_nodes + 1;
    g->head = vni_malloc_array(na, sizeof(int));
    g->next = vni_malloc_array(na, sizeof(int));
    g->rcap = vni_malloc_array(na, sizeof(float));
    g->first = vni_malloc_array(nn, sizeof(int));
    g->parent = vni_malloc_array(nn, sizeof(int));
    g->next_active = vni_malloc_array(nn, sizeof(int));
    g->ts = vni_malloc_array(nn, sizeof(int));
    g->dist = vni_malloc_array(nn, sizeof(int));
    g->orphans = vni_malloc_array(nn, sizeof(int));
    g->tr_cap = vni_malloc_array(nn, sizeof(float));
    g->sink = vni_malloc_array(nn, 1);
    if (!g->head || !g->next || !g->rcap || !g->first || !g->parent || !g->next_active || !g->ts ||
        !g->dist || !g->orphans || !g->tr_cap || !g->sink) {
        vni_maxflow_free(&g);
        return -ENOMEM;
    }
    g->n_alloc = n_nodes;
    g->max_arcs = max_edges * 2;
    vni_maxflow_reset(g, n_nodes);
    *pg = g;
    return 0;
}

void vni_maxflow_reset(VniMaxflow *g, int n_nodes)
{
    g->n = n_nodes < g->n_alloc ? n_nodes : g->n_alloc;
    g->n_arcs = 0;
    g->flow = 0;
    for (int i = 0; i < g->n; i++)
        g->first[i] = -1;
    memset(g->tr_cap, 0, sizeof(float) * (size_t)g->n);
}

int vni_maxflow_add_edge(VniMaxflow *g, int u, int v, float cap, float rev)
{
    int a = (int)g->n_arcs;
    if (g->n_arcs + 2 > g->max_arcs)
        return -ENOSPC;
    g->head[a] = v;
    g->rcap[a] = cap;
    g->next[a] = g->first[u];
    g->first[u] = a;
    g->head[a + 1] = u;
    g->rcap[a + 1] = rev;
    g->next[a + 1] = g->first[v];
    g->first[v] = a + 1;
    g->n_arcs += 2;
    return 0;
}

void vni_maxflow_add_tweights(VniMaxflow *g, int u, float from_source, float to_sink)
{
    /* The common part of both capacities is flow that crosses the node at once. */
    float both = from_source < to_sink ? from_source : to_sink;
    g->flow += both;
    g->tr_cap[u] += from_source - to_sink;
}

void vni_maxflow_add_tdelta(VniMaxflow *g, int u, float delta)
{
    /* tr_cap is the net residual terminal capacity: a source→u residual when positive, u→sink
     * when negative, so a change of either capacity is a shift of it. */
    g->tr_cap[u] += delta;
}

static void set_active(VniMaxflow *g, int i)
{
    if (g->next_active[i] != -1)
        return;
    if (g->q_last >= 0)
        g->next_active[g->q_last] = i;
    else
        g->q_first = i;
    g->q_last = i;
    g->next_active[i] = i;
}

/* Pop active nodes until one that is still in a tree; -1 when none is left. */
static int next_active(VniMaxflow *g)
{
    while (g->q_first >= 0) {
        int i = g->q_first, nx = g->next_active[i];
        g->next_active[i] = -1;
        g->q_first = nx == i ? -1 : nx;
        if (g->q_first < 0)
            g->q_last = -1;
        if (g->parent[i] != P_NONE)
            return i;
    }
    return -1;
}

static void add_orphan(VniMaxflow *g, int i)
{
    g->parent[i] = P_ORPHAN;
    g->orphans[(g->o_first + g->o_count) % (g->n + 1)] = i;
    g->o_count++;
}

static void init_trees(VniMaxflow *g)
{
    g->q_first = g->q_last = -1;
    g->o_first = g->o_count = 0;
    g->time = 0;
    for (int i = 0; i < g->n; i++) {
        g->next_active[i] = -1;
        g->ts[i] = 0;
        g->sink[i] = 0;
        if (g->tr_cap[i] != 0) {
            g->sink[i] = g->tr_cap[i] < 0;
            g->parent[i] = P_TERMINAL;
            g->dist[i] = 1;
            set_active(g, i);
        } else {
            g->parent[i] = P_NONE;
        }
    }
}

/* Grow the tree of active node i by one layer. Returns the arc from the S side to the T side
 * where the trees touch, or -1. */
static int grow(VniMaxflow *g, int i)
{
    int is_sink = g->sink[i];
    for (int a = g->first[i]; a >= 0; a = g->next[a]) {
        int j = g->head[a];
        if ((is_sink ? g->rcap[a ^ 1] : g->rcap[a]) <= 0)
            continue;
        if (g->parent[j] == P_NONE) {
            g->sink[j] = (uint8_t)is_sink;
            g->parent[j] = a ^ 1;
            g->ts[j] = g->ts[i];
            g->dist[j] = g->dist[i] + 1;
            set_active(g, j);
        } else if (g->sink[j] != is_sink) {
            return is_sink ? (a ^ 1) : a;
        } else if (g->ts[j] <= g->ts[i] && g->dist[j] > g->dist[i]) {
            /* A shorter way to the terminal: keeps the trees shallow. */
            g->parent[j] = a ^ 1;
            g->ts[j] = g->ts[i];
            g->dist[j] = g->dist[i] + 1;
        }
    }
    return -1;
}

/* Push the bottleneck flow along source → ... → tail(mid) → head(mid) → ... → sink and orphan
 * the nodes whose parent arc saturates. */
static void augment(VniMaxflow *g, int mid)
{
    float f = g->rcap[mid];
    int i;
    for (i = g->head[mid ^ 1]; g->parent[i] != P_TERMINAL; i = g->head[g->parent[i]])
        f = g->rcap[g->parent[i] ^ 1] < f ? g->rcap[g->parent[i] ^ 1] : f;
    f = g->tr_cap[i] < f ? g->tr_cap[i] : f;
    for (i = g->head[mid]; g->parent[i] != P_TERMINAL; i = g->head[g->parent[i]])
        f = g->rcap[g->parent[i]] < f ? g->rcap[g->parent[i]] : f;
    f = -g->tr_cap[i] < f ? -g->tr_cap[i] : f;

    g->rcap[mid] -= f;
    g->rcap[mid ^ 1] += f;
    for (i = g->head[mid ^ 1];;) {
        int a = g->parent[i];
        if (a == P_TERMINAL) {
            g->tr_cap[i] -= f;
            if (g->tr_cap[i] <= 0)
                add_orphan(g, i);
            break;
        }
        g->rcap[a] += f;
        g->rcap[a ^ 1] -= f;
        int up = g->head[a];
        if (g->rcap[a ^ 1] <= 0)
            add_orphan(g, i);
        i = up;
    }
    for (i = g->head[mid];;) {
        int a = g->parent[i];
        if (a == P_TERMINAL) {
            g->tr_cap[i] += f;
            if (g->tr_cap[i] >= 0)
                add_orphan(g, i);
            break;
        }
        g->rcap[a ^ 1] += f;
        g->rcap[a] -= f;
        int up = g->head[a];
        if (g->rcap[a] <= 0)
            add_orphan(g, i);
        i = up;
    }
    g->flow += f;
}

/* Distance from j to its terminal through valid parents, or D_INF if the chain reaches an
 * orphan; marks the nodes it verifies with the current time so later searches stop early. */
static int origin_dist(VniMaxflow *g, int j)
{
    int d = 0, k = j;
    for (;;) {
        if (g->ts[k] == g->time) {
            d += g->dist[k];
            break;
        }
        int a = g->parent[k];
        d++;
        if (a == P_TERMINAL) {
            g->ts[k] = g->time;
            g->dist[k] = 1;
            break;
        }
        if (a == P_ORPHAN)
            return D_INF;
        k = g->head[a];
    }
    for (k = j; g->ts[k] != g->time; k = g->head[g->parent[k]]) {
        g->ts[k] = g->time;
        g->dist[k] = d--;
    }
    return g->dist[j];
}

/* Find orphan i a new parent in its own tree, or free it and orphan its children. */
static void adopt(VniMaxflow *g, int i)
{
    int is_sink = g->sink[i], best = P_NONE, dmin = D_INF;
    for (int a = g->first[i]; a >= 0; a = g->next[a]) {
        int j = g->head[a];
        if ((is_sink ? g->rcap[a] : g->rcap[a ^ 1]) <= 0)
            continue;
        if (g->sink[j] != is_sink || g->parent[j] == P_NONE)
            continue;
        int d = origin_dist(g, j);
        if (d < dmin) {
            dmin = d;
            best = a;
        }
    }
    if (best != P_NONE) {
        g->parent[i] = best;
        g->ts[i] = g->time;
        g->dist[i] = dmin + 1;
        return;
    }
    g->parent[i] = P_NONE;
    for (int a = g->first[i]; a >= 0; a = g->next[a]) {
        int j = g->head[a], pj = g->parent[j];
        if (g->sink[j] != is_sink || pj == P_NONE)
            continue;
        if ((is_sink ? g->rcap[a] : g->rcap[a ^ 1]) > 0)
            set_active(g, j);
        if (pj != P_TERMINAL && pj != P_ORPHAN && g->head[pj] == i)
            add_orphan(g, j);
    }
}

static void adopt_all(VniMaxflow *g)
{
    while (g->o_count > 0) {
        int i = g->orphans[g->o_first];
        g->o_first = (g->o_first + 1) % (g->n + 1);
        g->o_count--;
        adopt(g, i);
    }
}

double vni_maxflow_solve(VniMaxflow *g)
{
    int cur = -1;
    init_trees(g);
    for (;;) {
        int i = cur >= 0 && g->parent[cur] != P_NONE ? cur : next_active(g);
        if (i < 0)
            break;
        cur = -1;
        int mid = grow(g, i);
        if (mid < 0)
            continue;
        /* i may have more paths: look at it again first. */
        cur = i;
        g->time++;
        augment(g, mid);
        adopt_all(g);
    }
    return g->flow;
}

int vni_maxflow_source_side(const VniMaxflow *g, int u)
{
    return g->parent[u] != P_NONE && !g->sink[u];
}

void vni_maxflow_free(VniMaxflow **pg)
{
    VniMaxflow *g = pg ? *pg : NULL;
    if (!g)
        return;
    vni_free(g->head);
    vni_free(g->next);
    vni_free(g->rcap);
    vni_free(g->first);
    vni_free(g->parent);
    vni_free(g->next_active);
    vni_free(g->ts);
    vni_free(g->dist);
    vni_free(g->orphans);
    vni_free(g->tr_cap);
    vni_free(g->sink);
    vni_free(g);
    *pg = NULL;
}
