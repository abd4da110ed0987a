/* Per-frame features of the interactive segmenter, computed once when a frame is opened and
 * shared by every click on it. */
#ifndef VANISH_SEGMENT_FEATURES_H
#define VANISH_SEGMENT_FEATURES_H

#include "core/internal.h"

/* Neighbour directions with a stored difference: east, south, south-east, south-west. The
 * other four are the reverse of these seen from the neighbour. */
enum { VNI_DIR_E = 0, VNI_DIR_S = 1, VNI_DIR_SE = 2, VNI_DIR_SW = 3 };

typedef struct VniSegFeatures {
    int w, h;            /* working size */
    float *col;          /* w*h*3 working colours (area-averaged from the frame) */
    float *diff[4];      /* colour distance ‖I_p - I_q‖ to the neighbour in each direction; 0 off
                            the image */
    double beta;         /* 1 / (2 <‖ΔI‖²>) for the contrast-sensitive smoothness */
    float mean_diff;     /* <‖ΔI‖>, the unit of colour steps in geodesic distances */
    int *bin;            /* w*h: colour cluster of each pixel */
    int n_bins;
    float *bin_col;      /* n_bins*3 mean colour of each cluster */
} VniSegFeatures;

/* Compute the features of RGB24 image `rgb` at working size w x h. */
int vni_seg_features_init(const VnContext *ctx, VniSegFeatures *f, const VnImage *rgb, int w, int h);
void vni_seg_features_free(VniSegFeatures *f);

/* Colour distance from p to its neighbour q = p + (dx, dy) (|dx|,|dy| <= 1, q inside). */
static inline float vni_seg_diff(const VniSegFeatures *f, int p, int dx, int dy)
{
    if (dy == 0)
        return dx > 0 ? f->diff[VNI_DIR_E][p] : f->diff[VNI_DIR_E][p - 1];
    if (dx == 0)
        return dy > 0 ? f->diff[VNI_DIR_S][p] : f->diff[VNI_DIR_S][p - f->w];
    if (dx == dy)
        return dy > 0 ? f->diff[VNI_DIR_SE][p] : f->diff[VNI_DIR_SE][p - f->w - 1];
    return dy > 0 ? f->diff[VNI_DIR_SW][p] : f->diff[VNI_DIR_SW][p - f->w + 1];
}

/* Multi-source geodesic distance on the 8-connected working grid (Dijkstra), with step cost
 * length * (1 + gamma * max(‖ΔI‖ - free, 0)) (steps up to `free` cost only their length). dist
 * gets the distance (INFINITY where unreachable, or at `limit` or beyond: the search stops
 * there), parent the next pixel towards the nearest seed (-1 at seeds): the geodesic forest of
 * Gulshan et al. 2010. `heap` is scratch of vni_geodesic_heap_size(w*h) entries. */
typedef struct VniHeapItem {
    float key;
    int node;
} VniHeapItem;
size_t vni_geodesic_heap_size(size_t n);
void vni_geodesic(const VniSegFeatures *f, const int *seeds, int n_seeds, float gamma, float free,
                  float limit, float *dist, int *parent, VniHeapItem *heap);

#endif
