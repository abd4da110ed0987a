/* A logo's outline: many logos are drawn with a thin dark (or light) rim, a shadow or the blend
 * with their own backdrop (the Linux "X" keeps a grey fringe from its black backdrop). Such a
 * rim is neither the logo's fill nor the scene behind it: at full resolution, a pixel just
 * outside the mask joins it when its colour lies far from every blend of the fill pixel inside
 * it and the scene pixel two steps further out. A rim runs along much of the logo's edge; when
 * such pixels are found along only a little of it, they are texture of the scene and nothing
 * joins. Where the scene is much like the rim (a dark fringe over a dark scene), the rim's colour,
 * learnt from the pixels that are plainly rim, decides: a pixel that is a blend of fill and rim,
 * clearly more than of fill and scene, joins too. */
#include "segment/session.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Colour distance from the blends of fill and scene at which a pixel is rim. */
#define RIM_STEP 60.0f
/* Share of the mask's edge pixels that the rim must match in number, once its colour is known
 * (its blends with the fill count); before, the pixels that are plainly rim (no blend of fill
 * and scene) must match RIM_PLAIN of them. Over a dark scene a dark rim is plain only where the
 * scene is light, often a small share of the edge: it is its colour, learnt from those, that
 * finds the rest. */
#define RIM_COVER 0.2
#define RIM_PLAIN 0.1
/* A pixel is a blend of fill and rim when it lies this much nearer that than any blend of fill
 * and scene. */
#define RIM_MARGIN 15.0f
/* A ring beyond the first that holds more than RIM_FADE of the last ring's pixels is no fringe
 * fading out: of it, only the pixels of the rim's own colour (within RIM_SAME in RGB distance
 * of the colour learnt from the first ring) join. Without it a dark scene round a dark-rimmed
 * logo joins (the circuit board round the Linux X). */
#define RIM_FADE 0.5
#define RIM_SAME 20.0f
/* Pixels of rim width taken. */
#define RIM_WIDTH 2
/* Mask value of the rim pixels while they are taken (the mask as given holds 255). */
#define RIM_ADDED 254

/* Distance from colour q to the segment of colours [a, b]. */
static float blend_dist(const uint8_t *q, const uint8_t *a, const uint8_t *b)
{
    float d[3], e[3], dd = 0, de = 0, t;
    for (int k = 0; k < 3; k++) {
        d[k] = (float)b[k] - a[k];
        e[k] = (float)q[k] - a[k];
        dd += d[k] * d[k];
        de += d[k] * e[k];
    }
    t = dd > 0 ? VNI_CLAMP(de / dd, 0.0f, 1.0f) : 0.0f;
    float s = 0;
    for (int k = 0; k < 3; k++)
        s += (e[k] - t * d[k]) * (e[k] - t * d[k]);
    return sqrtf(s);
}

static int set(const VnImage *m, int x, int y)
{
    return x >= 0 && y >= 0 && x < m->width && y < m->height && vn_image_row(m, y)[x];
}

/* The rim test of one outside pixel: its colour `q`, the fill `a` inside and the scene `b`
 * further out. Rim: no blend of fill and scene (RIM_STEP away), or, once the rim's own colour
 * `k` is known, a blend of fill and rim that lies clearly nearer that than any blend of fill
 * and scene (a dark rim over a dark scene). */
static int rim_colour_test(const uint8_t *q, const uint8_t *a, const uint8_t *b, const uint8_t *k)
{
    const float ds = blend_dist(q, a, b);
    return ds > RIM_STEP || (k && blend_dist(q, a, k) + RIM_MARGIN < ds);
}

/* Whether colour q is the rim's own colour k (RIM_SAME per RGB distance). */
static int rim_coloured(const uint8_t *q, const uint8_t *k)
{
    float s = 0;
    for (int c = 0; c < 3; c++)
        s += ((float)q[c] - k[c]) * ((float)q[c] - k[c]);
    return s < RIM_SAME * RIM_SAME;
}

/* Whether the outside pixel (x, y) is rim: seen from an inside 4-neighbour, its colour passes
 * rim_colour_test with the fill (the first pixel of the mask as given, RIM_ADDED not, on the
 * way in: a rim wider than a pixel is judged against the fill, not against itself) and the
 * scene two pixels further out. */
static int is_rim(const VnImage *im, const VnImage *m, int x, int y, const uint8_t *k, int outer)
{
    static const int dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
    const uint8_t *q = vn_image_row(im, y) + 3 * x;
    if (outer && !rim_coloured(q, k))
        return 0;
    for (int d = 0; d < 4; d++) {
        int mx = x - dx[d], my = y - dy[d], bx = x + 2 * dx[d], by = y + 2 * dy[d];
        if (!set(m, mx, my) || bx < 0 || by < 0 || bx >= m->width || by >= m->height || set(m, bx, by))
            continue;
        for (int r = 0; r < RIM_WIDTH && set(m, mx - dx[d], my - dy[d]) && vn_image_row(m, my)[mx] == RIM_ADDED; r++) {
            mx -= dx[d];
            my -= dy[d];
        }
        if (rim_colour_test(q, vn_image_row(im, my) + 3 * mx, vn_image_row(im, by) + 3 * bx, k))
            return 1;
    }
    return 0;
}

/* Mark the rim pixels around the mask in `add` (box b, frame coordinates), count them and the
 * mask's edge pixels, and sum their colours into `sum`. */
static void find_rim(const VnImage *im, const VnImage *m, const VniSegBox *b, const uint8_t *k, int outer,
                     uint8_t *add, int64_t *n_rim, int64_t *n_edge, double *sum)
{
    const int w = b->x1 - b->x0 + 1;
    *n_rim = *n_edge = 0;
    sum[0] = sum[1] = sum[2] = 0;
    for (int y = b->y0; y <= b->y1; y++)
        for (int x = b->x0; x <= b->x1; x++) {
            int in = set(m, x, y), out_nb = 0;
            uint8_t *ad = &add[(y - b->y0) * w + (x - b->x0)];
            for (int j = 0; j < 9; j++)
                out_nb |= !set(m, x + j % 3 - 1, y + j / 3 - 1);
            *n_edge += in && out_nb;
            *ad = !in && is_rim(im, m, x, y, k, outer);
            *n_rim += *ad;
            for (int c = 0; *ad && c < 3; c++)
                sum[c] += vn_image_row(im, y)[3 * x + c];
        }
}

int vni_seg_rim(VnSegmenter *s, VnImage *mask)
{
    VniSegBox b;
    int64_t n_rim, n_edge, n_last = 0;
    double sum[3];
    uint8_t k[3];
    const uint8_t *kp = NULL;
    if (vni_seg_mask_box(mask, &b) == 0)
        return 0;
    b = (VniSegBox){VNI_MAX(b.x0 - RIM_WIDTH, 0), VNI_MAX(b.y0 - RIM_WIDTH, 0),
                    VNI_MIN(b.x1 + RIM_WIDTH, mask->width - 1), VNI_MIN(b.y1 + RIM_WIDTH, mask->height - 1)};
    const int w = b.x1 - b.x0 + 1;
    uint8_t *add = vni_malloc_array((size_t)w * (b.y1 - b.y0 + 1), 1);
    if (!add)
        return vni_error(s->ctx, -ENOMEM, "segment: out of memory");
    for (int step = 0; step < RIM_WIDTH; step++) {
        find_rim(s->frame, mask, &b, kp, 0, add, &n_rim, &n_edge, sum);
        if (step == 0 && n_rim < RIM_PLAIN * (double)n_edge)
            break; /* not along the logo's edge: the scene's texture */
        if (step > 0 && n_rim > RIM_FADE * (double)n_last)
            find_rim(s->frame, mask, &b, kp, 1, add, &n_rim, &n_edge, sum);
        if (step == 0) {
            /* the rim's colour, from the pixels that are plainly rim; the next steps also take
               its blends with the fill where the scene is much like it */
            for (int c = 0; c < 3; c++)
                k[c] = (uint8_t)(sum[c] / (double)n_rim + 0.5);
            kp = k;
            find_rim(s->frame, mask, &b, kp, 0, add, &n_rim, &n_edge, sum);
            if (n_rim < RIM_COVER * (double)n_edge)
                break;
        }
        for (int y = b.y0; y <= b.y1; y++)
            for (int x = b.x0; x <= b.x1; x++)
                if (add[(y - b.y0) * w + (x - b.x0)])
                    vn_image_row(mask, y)[x] = RIM_ADDED;
        n_last = n_rim;
    }
    for (int y = b.y0; y <= b.y1; y++)
        for (int x = b.x0; x <= b.x1; x++)
            if (vn_image_row(mask, y)[x])
                vn_image_row(mask, y)[x] = 255;
    vni_free(add);
    return 0;
}
