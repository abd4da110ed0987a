/* Boykov–Kolmogorov max-flow / min-cut (Boykov & Kolmogorov, PAMI 2004): two search trees grown
 * from the terminals, augmentation along the paths where they meet, adoption of orphans. Fast on
 * the sparse, grid-like graphs of image segmentation. */
#ifndef VANISH_SEGMENT_MAXFLOW_H
#define VANISH_SEGMENT_MAXFLOW_H

#include <stdint.h>

typedef struct VniMaxflow VniMaxflow;

/* A graph of n_nodes nodes with room for max_edges edges (each edge is two arcs). 0, -EINVAL or
 * -ENOMEM; *g is NULL on failure. */
int vni_maxflow_alloc(VniMaxflow **g, int n_nodes, int64_t max_edges);

/* Forget all edges and terminal capacities and set the node count (<= the allocated count), so
 * that the storage serves another cut. */
void vni_maxflow_reset(VniMaxflow *g, int n_nodes);

/* Edge u→v of capacity cap and v→u of capacity rev (both >= 0). -ENOSPC past max_edges. */
int vni_maxflow_add_edge(VniMaxflow *g, int u, int v, float cap, float rev);

/* Add capacities source→u and u→sink (both >= 0). A node left on the source side of the cut
 * pays `to_sink`, one on the sink side pays `from_source`. */
void vni_maxflow_add_tweights(VniMaxflow *g, int u, float from_source, float to_sink);

/* Change the terminal capacities of node u after a solve by `delta` (added to source→u, or
 * taken from u→sink when negative), keeping the flow found so far: the next solve starts from
 * it (dynamic graph cuts, Kohli & Torr 2005), which is much cheaper when few capacities change.
 * The value that solve returns is then no longer the cut's cost. */
void vni_maxflow_add_tdelta(VniMaxflow *g, int u, float delta);

/* Compute the maximum flow; returns its value. */
double vni_maxflow_solve(VniMaxflow *g);

/* After solve: 1 if node u is on the source side of the minimum cut (reachable from the source
 * in the residual graph), else 0. */
int vni_maxflow_source_side(const VniMaxflow *g, int u);

void vni_maxflow_free(VniMaxflow **g);

#endif
