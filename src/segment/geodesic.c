/* Geodesic distance and forest from seed pixels (Dijkstra on the 8-connected working grid), the
 * shape prior of geodesic star convexity (Gulshan et al., CVPR 2010). */
#include "segment/features.h"

#include <math.h>

size_t vni_geodesic_heap_size(size_t n)
{
    return n * 9 + 16;
}

static void heap_push(VniHeapItem *h, size_t *n, float key, int node)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (h[p].key <= key)
            break;
        h[i] = h[p];
        i = p;
    }
    h[i].key = key;
    h[i].node = node;
}

static VniHeapItem heap_pop(VniHeapItem *h, size_t *n)
{
    VniHeapItem top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h[c + 1].key < h[c].key)
            c++;
        if (h[c].key >= last.key)
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
    return top;
}

void vni_geodesic(const VniSegFeatures *f, const int *seeds, int n_seeds, float gamma, float free,
                  float limit, float *dist, int *parent, VniHeapItem *heap)
{
    static const int dxs[8] = {1, -1, 0, 0, 1, -1, -1, 1}, dys[8] = {0, 0, 1, -1, 1, -1, 1, -1};
    const int w = f->w, h = f->h, n = w * h;
    size_t hn = 0;
    for (int i = 0; i < n; i++) {
        dist[i] = INFINITY;
        parent[i] = -1;
    }
    for (int s = 0; s < n_seeds; s++) {
        dist[seeds[s]] = 0;
        heap_push(heap, &hn, 0, seeds[s]);
    }
    while (hn > 0) {
        VniHeapItem it = heap_pop(heap, &hn);
        int p = it.node, x = p % w, y = p / w;
        if (it.key > dist[p])
            continue;
        for (int d = 0; d < 8; d++) {
            int qx = x + dxs[d], qy = y + dys[d], q = qy * w + qx;
            if (qx < 0 || qy < 0 || qx >= w || qy >= h)
                continue;
            float len = d < 4 ? 1.0f : 1.41421356f;
            float nd = it.key + len * (1.0f + gamma * fmaxf(vni_seg_diff(f, p, dxs[d], dys[d]) - free, 0.0f));
            if (nd < dist[q] && nd < limit) {
                dist[q] = nd;
                parent[q] = p;
                heap_push(heap, &hn, nd, q);
            }
        }
    }
}
