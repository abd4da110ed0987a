/*
 * Whether an object is still where its keyframe put it (tracker.h): its own edges, sampled on the
 * keyframe, are looked for at the same pixels of the frame. A static overlay keeps them there
 * while the picture under it moves and pulls the carried mask along; a moving object loses them
 * within a pixel or two of motion, as an edge's gradient is only a few pixels wide. The test per
 * edge follows the persistent-edge test of overlay detection (after Dekel et al., CVPR 2017): the
 * frame's gradient keeps the edge's orientation (doubled angles: an overlay's edge may flip
 * contrast with the picture behind it) and at least a share of its size. The test looks only at
 * the edges that persisted so far (in place in half the frames at least): on one frame a
 * semi-transparent overlay's outline and the picture's edges under it cannot be told apart; over
 * a few frames the picture's move away.
 */
#include "track/tracker.h"
#include "core/maskops.h"

#include <errno.h>
#include <math.h>

#define EDGE_MIN 24.0f   /* Sobel response of an edge on the keyframe (a step of about 6 levels) */
#define GROW 2           /* px inside the mask's outline where its edges lie */
#define MIN_EDGES 24     /* fewer edges tell nothing */
#define COS2 0.8f        /* cos of the doubled angle between the frame's and the keyframe's edge */
#define MAG_SHARE 0.5f   /* the frame's edge at least this share of the keyframe's */
#define PERSIST 0.5f     /* an edge in place in this share of the frames so far persists ... */
#define MIN_PERSIST 0.3f /* ... and this share of the edges must, for the object to be told still, */
#define ISOTROPY 0.2f    /* in many directions: the least over the largest eigenvalue of the sum of
                            their unit gradients' outer products (an object moving along a straight
                            line keeps the edges along its motion in place) */

/* The Sobel gradient of grey (VN_F32) at (x, y), 1 <= x < w - 1, 1 <= y < h - 1. */
static void sobel(const VnImage *grey, int x, int y, float *gx, float *gy)
{
    const float *a = (const float *)vn_image_row(grey, y - 1) + x;
    const float *b = (const float *)vn_image_row(grey, y) + x;
    const float *c = (const float *)vn_image_row(grey, y + 1) + x;
    *gx = (a[1] - a[-1]) + 2.0f * (b[1] - b[-1]) + (c[1] - c[-1]);
    *gy = (c[-1] - a[-1]) + 2.0f * (c[0] - a[0]) + (c[1] - a[1]);
}

/* Whether (x, y) is set in mask and lies within GROW px (Chebyshev) of an unset pixel: on its
 * outline, where the object's edge to what lies round it is. Not further in: there a
 * semi-transparent object's own edges and the picture's under it cannot be told apart on one
 * frame; not outside: a still background's edges there would stay as the object moves away. */
static int on_outline(const VnImage *mask, int x, int y)
{
    if (!((const uint8_t *)vn_image_row(mask, y))[x])
        return 0;
    for (int yy = y - GROW; yy <= y + GROW; yy++) {
        if (yy < 0 || yy >= mask->height)
            return 1;
        const uint8_t *m = vn_image_row(mask, yy);
        for (int xx = x - GROW; xx <= x + GROW; xx++)
            if (xx < 0 || xx >= mask->width || !m[xx])
                return 1;
    }
    return 0;
}

int vni_edges_init(VniEdgeSet *e, const VnImage *grey, const VnImage *mask, int max_pts)
{
    int x0, y0, x1, y1, n = 0, step = 1;
    *e = (VniEdgeSet){0};
    if (!vni_mask_bbox(mask, &x0, &y0, &x1, &y1))
        return 0;
    x0 = VNI_MAX(1, x0 - GROW), y0 = VNI_MAX(1, y0 - GROW);
    x1 = VNI_MIN(grey->width - 2, x1 + GROW), y1 = VNI_MIN(grey->height - 2, y1 + GROW);
    /* a regular grid of one pixel in step x step keeps the samples under max_pts */
    while ((int64_t)((x1 - x0) / step + 1) * ((y1 - y0) / step + 1) > 4 * (int64_t)max_pts)
        step++;
    if (!(e->p = vni_malloc_array((size_t)max_pts, sizeof(*e->p))) ||
        !(e->g = vni_malloc_array((size_t)max_pts, sizeof(*e->g))) ||
        !(e->count = vni_calloc_array((size_t)max_pts, sizeof(*e->count)))) {
        vni_edges_free(e);
        return -ENOMEM;
    }
    for (int y = y0; y <= y1 && n < max_pts; y += step)
        for (int x = x0; x <= x1 && n < max_pts; x += step) {
            float gx, gy;
            sobel(grey, x, y, &gx, &gy);
            if (gx * gx + gy * gy < EDGE_MIN * EDGE_MIN || !on_outline(mask, x, y))
                continue;
            e->p[n] = (VniPt){(float)x, (float)y};
            e->g[n++] = (VniPt){gx, gy};
        }
    e->n = n >= MIN_EDGES ? n : 0;
    return 0;
}

/* Whether edge i is in place in grey at its position moved by (dx, dy). */
static int in_place(const VniEdgeSet *e, int i, const VnImage *grey, int dx, int dy)
{
    float gx, gy, kx = e->g[i].x, ky = e->g[i].y;
    int x = (int)e->p[i].x + dx, y = (int)e->p[i].y + dy;
    if (x < 1 || y < 1 || x >= grey->width - 1 || y >= grey->height - 1)
        return 0;
    sobel(grey, x, y, &gx, &gy);
    float dot = gx * kx + gy * ky, f2 = gx * gx + gy * gy, k2 = kx * kx + ky * ky;
    /* cos 2θ = 2 cos²θ - 1 >= COS2, and |g| >= MAG_SHARE |k| */
    return 2.0f * dot * dot >= (1.0f + COS2) * f2 * k2 && f2 >= MAG_SHARE * MAG_SHARE * k2;
}

/* Whether edge i persisted over the frames tested so far. */
static int persists(const VniEdgeSet *e, int i)
{
    return (float)e->count[i] >= PERSIST * (float)e->frames;
}

/* Whether the unit gradients whose outer products sum to [a b; b c] point in many directions. */
static int isotropic(double a, double b, double c)
{
    double mean = 0.5 * (a + c), dev = sqrt(0.25 * (a - c) * (a - c) + b * b);
    return mean - dev >= ISOTROPY * (mean + dev);
}

float vni_edges_held(const VniEdgeSet *e, const VnImage *grey, int dx, int dy, int all)
{
    int held = 0, n = 0;
    double a = 0, b = 0, c = 0;
    if (all) {
        for (int i = 0; i < e->n; i++)
            held += in_place(e, i, grey, dx, dy);
        return e->n ? (float)held / (float)e->n : -1.0f;
    }
    for (int i = 0; i < e->n; i++)
        if (persists(e, i)) {
            const VniPt g = e->g[i];
            double k2 = (double)g.x * g.x + (double)g.y * g.y;
            n++;
            held += in_place(e, i, grey, dx, dy);
            a += g.x * g.x / k2, b += g.x * g.y / k2, c += g.y * g.y / k2;
        }
    if (n < VNI_MAX(MIN_EDGES, (int)(MIN_PERSIST * (float)e->n)) || !isotropic(a, b, c))
        return -1.0f;
    return (float)held / (float)n;
}

float vni_edges_still(VniEdgeSet *e, const VnImage *grey)
{
    float share = vni_edges_held(e, grey, 0, 0, 0);
    for (int i = 0; i < e->n; i++)
        e->count[i] += in_place(e, i, grey, 0, 0);
    e->frames += e->n > 0;
    return share;
}

void vni_edges_free(VniEdgeSet *e)
{
    vni_free(e->p);
    vni_free(e->g);
    vni_free(e->count);
    *e = (VniEdgeSet){0};
}
