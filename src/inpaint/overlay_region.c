/*
 * Overlay detection, region step: persistent edges become a footprint. The edges of a logo or of
 * text are dense and close together, so a closing by a disk joins them into one region whose
 * holes are filled; the overlay's estimated α tightens it afterwards. Each component is then
 * tested: plausible size, dense persistent edges, away from the frame border (a letterbox edge
 * persists too), and a picture around it that changes (an unchanging neighbourhood is a static
 * scene, which gives no evidence), or else edges across which the picture changes as through a
 * semi-transparent overlay (its change inside is 1 − α of the change outside). Returning nothing
 * is preferred to returning noise. A region dropped is split by an opening and its pieces tested
 * in turn: the closing joins a logo's edges to a scene's edges beside it (a kerb). The
 * components kept are opened: a thin structure of the scene that touches an overlay (a pole, a
 * kerb's dashes) closes into a thin band joined to it, which no overlay's region is.
 */
#include "inpaint/overlay_region.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "core/select.h"

#define CLOSE_R 7          /* radius of the closing disk */
#define OPEN_R 2           /* radius of the opening disk that cuts thin bands off a region kept */
#define SPLIT_R 4          /* radius of the opening that splits a region dropped into pieces */
#define MIN_EDGES 40       /* persistent edge pixels of a component */
#define MIN_DENSITY 0.08f  /* persistent edge pixels per pixel of a component */
#define RING_IN 2          /* the ring around a component: Chebyshev distance RING_IN.. */
#define RING_OUT 5         /* ..RING_OUT */
#define RING_CHANGE VNI_OVL_MOVING /* share of frames in which a ring pixel must change ... */
#define RING_SHARE 0.4f    /* ... on this share of the ring */
#define SEMI_RING 0.15f    /* share of the ring that must change for the semi-transparency test */
#define CONS_MIN 0.5f      /* median consistency of a semi-transparent overlay's edges */
#define MAX_KEPT 16        /* components that may be extended */
#define GROW_R 1           /* thickening of the edges an extension takes */
#define GROW_MAX 8         /* an extension may make a footprint at most this many times larger */
#define CONST_SHARE 0.3f   /* share of an opaque part's ring that changed in two frames */
#define OPAQUE_SHARE 0.15f /* share of constant pixels that makes a closed region opaque */
#define PART_MIN 3         /* pixels of a constant part that joins a found overlay */
#define PASS_RATIO 0.4f   /* a footprint that is not opaque varies in time at least this share
                              of the picture around it (the picture shows through by 1 - alpha) */
#define EDGE_GAP 8         /* a component this near the frame border is dropped (logos keep
                              a margin; an arm or a letterbox edge leaving the frame does not) */

/* Dilation or erosion by a disk (overlay_region.h). */
void vni_overlay_morph(const uint8_t *src, uint8_t *dst, int w, int h, int r, int grow)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int v = !grow;
            for (int dy = -r; dy <= r && v == !grow; dy++)
                for (int dx = -r; dx <= r; dx++) {
                    int xx = x + dx, yy = y + dy, in;
                    if (dx * dx + dy * dy > r * r + r)
                        continue;
                    in = xx >= 0 && yy >= 0 && xx < w && yy < h && src[(size_t)yy * w + xx];
                    if (in == grow) {
                        v = grow;
                        break;
                    }
                }
            dst[(size_t)y * w + x] = (uint8_t)v;
        }
}

int64_t vni_overlay_flood(uint8_t *m, int w, int h, size_t seed, uint8_t val, uint8_t lab,
                          int diag, int32_t *stack, int box[4])
{
    int64_t area = 0, top = 0;
    stack[top++] = (int32_t)seed;
    m[seed] = lab;
    box[0] = box[2] = (int)(seed % (size_t)w), box[1] = box[3] = (int)(seed / (size_t)w);
    while (top > 0) {
        int32_t p = stack[--top];
        int x = p % w, y = p / w;
        area++;
        box[0] = VNI_MIN(box[0], x), box[2] = VNI_MAX(box[2], x);
        box[1] = VNI_MIN(box[1], y), box[3] = VNI_MAX(box[3], y);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int xx = x + dx, yy = y + dy;
                int32_t q = p + dy * w + dx;
                if ((dx && dy && !diag) || xx < 0 || yy < 0 || xx >= w || yy >= h || m[q] != val)
                    continue;
                m[q] = lab;
                stack[top++] = q;
            }
    }
    return area;
}

/* Hole filling (overlay_region.h): flood the background from the frame border. */
void vni_overlay_fill_holes(uint8_t *m, int w, int h, int32_t *stack)
{
    int box[4];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            if ((x == 0 || y == 0 || x == w - 1 || y == h - 1) && m[(size_t)y * w + x] == 0)
                vni_overlay_flood(m, w, h, (size_t)y * w + x, 0, 2, 0, stack, box);
    for (size_t p = 0; p < (size_t)w * h; p++)
        m[p] = m[p] != 2;
}

/* Share of the ring around the component labelled lab (inside box) whose value v (per pixel:
 * the share of frames in which the picture changed, ...) is at least min_v; if vals is not NULL,
 * the ring's values are stored there and their count in *n_vals. */
static float ring_change(const uint8_t *m, const float *v, int w, int h, uint8_t lab,
                         const int box[4], float min_v, float *vals, int64_t *n_vals)
{
    int64_t ring = 0, moving = 0;
    for (int y = VNI_MAX(0, box[1] - RING_OUT); y <= VNI_MIN(h - 1, box[3] + RING_OUT); y++)
        for (int x = VNI_MAX(0, box[0] - RING_OUT); x <= VNI_MIN(w - 1, box[2] + RING_OUT); x++) {
            int near = RING_OUT + 1;
            if (m[(size_t)y * w + x] == lab)
                continue;
            for (int dy = -RING_OUT; dy <= RING_OUT; dy++)
                for (int dx = -RING_OUT; dx <= RING_OUT; dx++) {
                    int xx = x + dx, yy = y + dy;
                    if (xx >= 0 && yy >= 0 && xx < w && yy < h && m[(size_t)yy * w + xx] == lab)
                        near = VNI_MIN(near, VNI_MAX(abs(dx), abs(dy)));
                }
            if (near < RING_IN || near > RING_OUT)
                continue;
            if (vals)
                vals[ring] = v[(size_t)y * w + x];
            ring++;
            moving += v[(size_t)y * w + x] >= min_v;
        }
    if (n_vals)
        *n_vals = ring;
    return ring ? (float)moving / (float)ring : 0.0f;
}

/* Whether a component's box is clear of the frame border and at least min_side on both sides. */
static int clear_box(const int box[4], int w, int h, int min_side)
{
    return VNI_MIN(box[2] - box[0], box[3] - box[1]) + 1 >= min_side && box[0] >= EDGE_GAP &&
           box[1] >= EDGE_GAP && box[2] < w - EDGE_GAP && box[3] < h - EDGE_GAP;
}

/* Whether the component labelled lab (inside box) holds MIN_EDGES pixels at least whose edge is
 * a semi-transparent overlay's by the picture's change across it (cons > 0) and the median of
 * whose cons is at least CONS_MIN. vals: w*h floats. */
static int alpha_edges(const uint8_t *m, const float *cons, int w, uint8_t lab, const int box[4],
                       float *vals)
{
    int64_t k = 0;
    for (int y = box[1]; y <= box[3]; y++)
        for (int x = box[0]; x <= box[2]; x++)
            if (m[(size_t)y * w + x] == lab && cons[(size_t)y * w + x] > 0.0f)
                vals[k++] = cons[(size_t)y * w + x];
    return k >= MIN_EDGES && vni_select_f32(vals, (int)k, (int)k / 2) >= CONS_MIN;
}

/* Whether the component labelled lab (area, box) looks like an overlay. Where the picture round
 * it changes less (in SEMI_RING of the ring at least), a component whose edges are a
 * semi-transparent overlay's by the change across them (alpha_edges) is taken too; a piece of a
 * split (piece set) only so (a scene's region that a split cuts up has pieces of every shape).
 * vals: w*h floats. */
static int plausible(const uint8_t *m, const uint8_t *edges, const float *changed,
                     const float *cons, int w, int h, uint8_t lab, int piece, int64_t area,
                     const int box[4], float *vals)
{
    const int64_t frame = (int64_t)w * h;
    int64_t ne = 0;
    float ring;
    if (area < frame / 400 || area > frame / 5 || !clear_box(box, w, h, 6))
        return 0;
    for (int y = box[1]; y <= box[3]; y++)
        for (int x = box[0]; x <= box[2]; x++)
            ne += m[(size_t)y * w + x] == lab && edges[(size_t)y * w + x] == VNI_OVL_EDGE;
    if (ne < MIN_EDGES || (float)ne < MIN_DENSITY * (float)area)
        return 0;
    ring = ring_change(m, changed, w, h, lab, box, RING_CHANGE, NULL, NULL);
    if (ring >= RING_SHARE && !piece)
        return 1;
    return cons && ring >= SEMI_RING && alpha_edges(m, cons, w, lab, box, vals);
}

/* Whether a pixel of class c is evidence of an opaque overlay: exactly constant or still.
 * Clipped pixels (black or white) never are: a clipped scene is constant too; they only join
 * an overlay found from other evidence (opaque_parts, extend). */
static int opaque_class(uint8_t c)
{
    return c == VNI_OVL_CONSTANT || c == VNI_OVL_STILL;
}

/* Share of the pixels labelled lab (inside box) that are evidence of an opaque overlay. */
static float opaque_share(const uint8_t *m, const uint8_t *cst, int w, uint8_t lab,
                          const int box[4])
{
    int64_t area = 0, c = 0;
    for (int y = box[1]; y <= box[3]; y++)
        for (int x = box[0]; x <= box[2]; x++)
            if (m[(size_t)y * w + x] == lab) {
                area++;
                c += opaque_class(cst[(size_t)y * w + x]);
            }
    return area ? (float)c / (float)area : 0.0f;
}

/* Whether box b meets one of the n boxes, each grown by half its larger side. */
static int near_boxes(const int b[4], int (*boxes)[4], int n)
{
    for (int i = 0; i < n; i++) {
        int g = VNI_MAX(boxes[i][2] - boxes[i][0], boxes[i][3] - boxes[i][1]) / 2;
        if (b[0] <= boxes[i][2] + g && b[2] >= boxes[i][0] - g && b[1] <= boxes[i][3] + g &&
            b[3] >= boxes[i][1] - g)
            return 1;
    }
    return 0;
}

/*
 * Opaque overlays: an opaque logo is exactly constant (cst) while the picture around it changes,
 * which no part of a real scene is (it carries the camera's noise). Components of constant
 * pixels of a logo's size, clear of the border, with a picture that changed in two frames at
 * least (`twice`, a share of frames) on CONST_SHARE of their ring, are kept; then the pieces of
 * still pixels left (PART_MIN pixels at least) near a kept overlay or near one of the
 * n_found boxes in found (room for MAX_KEPT; the letters beside a logo). The still pixels of the
 * components are set to 2 in out, the others to 1.
 * a: w*h scratch. Returns the number of pixels added to out.
 */
static int64_t opaque_parts(const uint8_t *cst, const float *changed, float twice, int w, int h,
                            uint8_t *out, uint8_t *a, int32_t *stack, int (*found)[4],
                            int n_found)
{
    const size_t n = (size_t)w * h;
    const int64_t frame = (int64_t)n;
    int64_t added = 0;
    int box[4];
    /* labels: 1 unvisited, 3 under test, 4 dropped, 5 kept, 6 dropped and seen again, 8 kept
     * as a part */
    for (size_t p = 0; p < n; p++)
        a[p] = (uint8_t)opaque_class(cst[p]);
    for (size_t p = 0; p < n; p++) {
        int64_t area;
        if (a[p] != 1)
            continue;
        area = vni_overlay_flood(a, w, h, p, 1, 3, 1, stack, box);
        if (area >= frame / 1000 && area <= frame / 5 && clear_box(box, w, h, 4) &&
            ring_change(a, changed, w, h, 3, box, twice, NULL, NULL) >= CONST_SHARE &&
            n_found < MAX_KEPT) {
            vni_overlay_flood(a, w, h, p, 3, 5, 1, stack, box);
            memcpy(found[n_found++], box, sizeof(box));
        } else {
            vni_overlay_flood(a, w, h, p, 3, 4, 1, stack, box);
        }
    }
    /* the parts are pieces of still pixels (black or white ones too: a logo's black letters):
     * the constant ones of a flat static background (a dark wall in a compressed video) would
     * join a part to the background around it */
    for (size_t p = 0; p < n; p++)
        if (a[p] == 4 && cst[p] != VNI_OVL_STILL)
            a[p] = 0;
        else if (a[p] == 0 && cst[p] == VNI_OVL_CLIPPED)
            a[p] = 4;
    for (size_t p = 0; p < n && n_found; p++) {
        int64_t area;
        if (a[p] != 4)
            continue;
        area = vni_overlay_flood(a, w, h, p, 4, 6, 1, stack, box);
        if (area >= PART_MIN && area <= frame / 5 && near_boxes(box, found, n_found))
            vni_overlay_flood(a, w, h, p, 6, 8, 1, stack, box);
    }
    for (size_t p = 0; p < n; p++)
        if ((a[p] == 5 || a[p] == 8) && out[p] != 2) {
            added += !out[p];
            out[p] = a[p] == 5 && cst[p] == VNI_OVL_STILL ? 2 : 1;
        }
    return added;
}

/* Extend the footprint out over the untested strong edges near its components (inside each
 * component's box grown by half its larger side) that are not noisy (clipped ones too: they
 * join an overlay found from other evidence): thicken them, keep what connects to the
 * footprint. Not over the edges of what a split cut off a region (cut set: a scene's edges that
 * the closing had joined to the overlay). Unchanged if that would grow it more than GROW_MAX
 * times. */
static int64_t extend(const uint8_t *edges, const uint8_t *cst, const uint8_t *cut, uint8_t *out,
                      int w, int h, int (*boxes)[4], int n_boxes, int64_t kept, uint8_t *a,
                      uint8_t *b, int32_t *stack)
{
    const size_t n = (size_t)w * h;
    int64_t grown = 0;
    int box[4];
    memcpy(a, out, n);
    for (int i = 0; i < n_boxes; i++) {
        int g = VNI_MAX(boxes[i][2] - boxes[i][0], boxes[i][3] - boxes[i][1]) / 2;
        for (int y = VNI_MAX(0, boxes[i][1] - g); y <= VNI_MIN(h - 1, boxes[i][3] + g); y++)
            for (int x = VNI_MAX(0, boxes[i][0] - g); x <= VNI_MIN(w - 1, boxes[i][2] + g); x++)
                a[(size_t)y * w + x] |= !cut[(size_t)y * w + x] &&
                                        (edges[(size_t)y * w + x] == VNI_OVL_EDGE ||
                                         (edges[(size_t)y * w + x] == VNI_OVL_UNTESTED &&
                                          cst[(size_t)y * w + x] != VNI_OVL_NOISY));
    }
    /* edges only, thickened: filling their outline would take in the static background
     * between the strokes, which no α estimate can tell from an opaque overlay */
    vni_overlay_morph(a, b, w, h, GROW_R, 1);
    for (size_t p = 0; p < n; p++)
        a[p] = b[p];
    for (size_t p = 0; p < n; p++)
        if (out[p] && a[p] == 1)
            grown += vni_overlay_flood(a, w, h, p, 1, 3, 1, stack, box);
    if (grown > GROW_MAX * kept || grown > (int64_t)n / 5)
        return kept;
    for (size_t p = 0; p < n; p++)
        out[p] = a[p] == 3 ? VNI_MAX(out[p], 1) : 0;
    return grown;
}

/* The boxes of the components kept: opaque overlays (anchors) and the others (boxes). */
typedef struct Found {
    int boxes[MAX_KEPT][4], anchors[MAX_KEPT][4];
    int n_boxes, n_anchors;
} Found;

/* Dilation (grow = 1) or erosion (grow = 0; outside the frame counts as unset) of the 0/1 map
 * src by a disk of radius r into dst, on the pixels of box b only. */
static void morph_box(const uint8_t *src, uint8_t *dst, int w, int h, const int b[4], int r,
                      int grow)
{
    for (int y = b[1]; y <= b[3]; y++)
        for (int x = b[0]; x <= b[2]; x++) {
            int v = !grow;
            for (int dy = -r; dy <= r && v == !grow; dy++)
                for (int dx = -r; dx <= r && v == !grow; dx++)
                    if (dx * dx + dy * dy <= r * r + r &&
                        (x + dx >= 0 && y + dy >= 0 && x + dx < w && y + dy < h &&
                         src[(size_t)(y + dy) * w + x + dx]) == grow)
                        v = grow;
            dst[(size_t)y * w + x] = (uint8_t)v;
        }
}

/* The pixels of the component labelled lab in m (inside box) that the closing (grow = 1) or
 * opening (grow = 0) by a disk of radius r of the 0/1 map a (set inside box, clear in the 2r
 * pixels round it: pick) keeps become `keep`, the others `drop`. b: w*h scratch. */
static void reshape(uint8_t *m, int w, int h, const int box[4], uint8_t lab, int r, int grow,
                    uint8_t *a, uint8_t *b, uint8_t keep, uint8_t drop)
{
    const int out[4] = {VNI_MAX(box[0] - r, 0), VNI_MAX(box[1] - r, 0), VNI_MIN(box[2] + r, w - 1),
                        VNI_MIN(box[3] + r, h - 1)};
    morph_box(a, b, w, h, out, r, grow);
    morph_box(b, a, w, h, box, r, !grow);
    for (int y = box[1]; y <= box[3]; y++)
        for (int x = box[0]; x <= box[2]; x++)
            if (m[(size_t)y * w + x] == lab)
                m[(size_t)y * w + x] = a[(size_t)y * w + x] ? keep : drop;
}

/* Set a (w*h) to 1 on the pixels labelled lab in m (inside box), 0 elsewhere within 2r pixels
 * of box (what reshape reads). */
static void pick(const uint8_t *m, int w, int h, const int box[4], uint8_t lab, int r, uint8_t *a)
{
    for (int y = VNI_MAX(box[1] - 2 * r, 0); y <= VNI_MIN(box[3] + 2 * r, h - 1); y++)
        for (int x = VNI_MAX(box[0] - 2 * r, 0); x <= VNI_MIN(box[2] + 2 * r, w - 1); x++)
            a[(size_t)y * w + x] = m[(size_t)y * w + x] == lab;
}

/* Label the unvisited regions (1) of out 5 where they look like an overlay (their boxes into f),
 * else 4. A region dropped is split by an opening (SPLIT_R) and its pieces tested in turn: the
 * closing joins a logo's edges to a scene's edges near it (a kerb, a textured picture), and the
 * region they make together looks like no overlay. er: w*h scratch. Returns the pixel count of
 * those kept. */
static int64_t classify(uint8_t *out, const uint8_t *edges, const float *changed,
                        const float *cons, const uint8_t *cst, int w, int h, int32_t *stack,
                        Found *f, uint8_t *er, uint8_t *er2, float *vals)
{
    const int64_t frame = (int64_t)w * h;
    int64_t kept = 0;
    int box[4];
    /* labels: 1 unvisited, 3 under test, 4 dropped, 5 kept, 6 a piece unvisited, 7 a piece
     * under test, 8 cut off a region by its split */
    for (size_t p = 0; p < (size_t)frame; p++) {
        int64_t area;
        int opaque, piece = out[p] == 6;
        if (out[p] != 1 && !piece)
            continue;
        area = vni_overlay_flood(out, w, h, p, out[p], piece ? 7 : 3, 1, stack, box);
        if (!plausible(out, edges, changed, cons, w, h, piece ? 7 : 3, piece, area, box, vals)) {
            if (!piece && cons && area >= frame / 400) {
                pick(out, w, h, box, 3, SPLIT_R, er);
                reshape(out, w, h, box, 3, SPLIT_R, 0, er, er2, 6, 8);
                p--; /* its pieces from here on */
            } else {
                vni_overlay_flood(out, w, h, p, piece ? 7 : 3, 4, 1, stack, box);
            }
            continue;
        }
        /* an opaque overlay is kept, but not extended over the edges near it (its parts on a
         * static background are constant too, and join as such) */
        opaque = opaque_share(out, cst, w, piece ? 7 : 3, box) >= OPAQUE_SHARE;
        for (int y = box[1]; y <= box[3]; y++)
            for (int x = box[0]; x <= box[2]; x++)
                if (out[(size_t)y * w + x] == (piece ? 7 : 3)) {
                    out[(size_t)y * w + x] = 5;
                    kept++;
                }
        if (opaque && f->n_anchors < MAX_KEPT)
            memcpy(f->anchors[f->n_anchors++], box, sizeof(box));
        else if (!opaque && f->n_boxes < MAX_KEPT)
            memcpy(f->boxes[f->n_boxes++], box, sizeof(box));
    }
    return kept;
}

int64_t vni_overlay_region(const uint8_t *edges, const float *changed, const float *cons,
                           const uint8_t *cst, int n_frames, int w, int h, uint8_t *out)
{
    const size_t n = (size_t)w * h;
    uint8_t *tmp = vni_malloc_array(n, 3), *cut;
    int32_t *stack = vni_malloc_array(n, sizeof(int32_t));
    float *vals = vni_malloc_array(n, sizeof(float));
    Found f = {.n_boxes = 0};
    int64_t kept = 0;
    if (!tmp || !stack || !vals) {
        kept = -ENOMEM;
        goto fail;
    }
    for (size_t p = 0; p < n; p++)
        tmp[n + p] = edges[p] == VNI_OVL_EDGE;
    vni_overlay_morph(tmp + n, tmp, w, h, CLOSE_R, 1);
    vni_overlay_morph(tmp, out, w, h, CLOSE_R, 0);
    vni_overlay_fill_holes(out, w, h, stack);
    kept = classify(out, edges, changed, cons, cst, w, h, stack, &f, tmp, tmp + n, vals);
    cut = tmp + 2 * n;
    for (size_t p = 0; p < n; p++)
        cut[p] = out[p] == 8;
    /* the regions kept, opened: a thin structure of the scene whose edges persist too (a pole,
     * a kerb) that touches an overlay closes into a thin band joined to it, which the opening
     * cuts off */
    for (size_t p = 0; p < n; p++)
        tmp[p] = out[p] == 5;
    vni_overlay_morph(tmp, tmp + n, w, h, OPEN_R, 0);
    vni_overlay_morph(tmp + n, tmp, w, h, OPEN_R, 1);
    kept = 0;
    for (size_t p = 0; p < n; p++) {
        out[p] = tmp[p];
        kept += out[p];
    }
    kept += opaque_parts(cst, changed, 1.5f / (float)VNI_MAX(n_frames, 1), w, h, out, tmp, stack,
                         f.anchors, f.n_anchors);
    if (f.n_boxes > 0)
        kept = extend(edges, cst, cut, out, w, h, f.boxes, f.n_boxes, kept, tmp, tmp + n, stack);
fail:
    vni_free(tmp);
    vni_free(stack);
    vni_free(vals);
    return kept;
}

/* Whether the footprint pixels labelled lab (inside box) are an overlay rather than a scene
 * object in front of a moving picture: 2 when mostly constant (opaque: OPAQUE_SHARE doubled), 1
 * when their median temporal spread is at least PASS_RATIO times the median of the ring around
 * them (the picture shows through), else 0. vals: room for w*h floats. */
static int shows_through(const uint8_t *a, const uint8_t *cst, const float *spread, int w, int h,
                         uint8_t lab, const int box[4], float *vals)
{
    int64_t area = 0, opaque = 0, n_ring;
    float in;
    for (int y = box[1]; y <= box[3]; y++)
        for (int x = box[0]; x <= box[2]; x++) {
            size_t p = (size_t)y * w + x;
            if (a[p] != lab)
                continue;
            vals[area++] = spread[p];
            opaque += opaque_class(cst[p]);
        }
    if (area == 0 || (float)opaque >= 2.0f * OPAQUE_SHARE * (float)area)
        return 2;
    in = vni_select_f32(vals, (int)area, (int)area / 2);
    ring_change(a, spread, w, h, lab, box, 0.0f, vals, &n_ring);
    return n_ring == 0 || in >= PASS_RATIO * vni_select_f32(vals, (int)n_ring, (int)n_ring / 2);
}

int64_t vni_overlay_pass_through(uint8_t *out, const uint8_t *region, const uint8_t *cst,
                                 const float *spread, int w, int h)
{
    const size_t n = (size_t)w * h;
    uint8_t *a = vni_malloc_array(n, 1);
    int32_t *stack = vni_malloc_array(n, sizeof(int32_t));
    float *vals = vni_malloc_array(n, sizeof(float));
    int64_t kept = 0;
    int box[4], opaque[MAX_KEPT][4], n_opaque = 0;
    if (!a || !stack || !vals) {
        kept = -ENOMEM;
        goto fail;
    }
    /* labels: 1 region not yet seen, 3 region under test, 5 its footprint, 4 done, 6 footprint
     * in doubt, 7 in doubt and tested */
    for (size_t p = 0; p < n; p++)
        a[p] = region[p] != 0;
    for (size_t p = 0; p < n; p++) {
        int keep;
        if (a[p] != 1)
            continue;
        vni_overlay_flood(a, w, h, p, 1, 3, 1, stack, box);
        for (int y = box[1]; y <= box[3]; y++)
            for (int x = box[0]; x <= box[2]; x++)
                if (a[(size_t)y * w + x] == 3 && out[(size_t)y * w + x])
                    a[(size_t)y * w + x] = 5;
        keep = shows_through(a, cst, spread, w, h, 5, box, vals);
        if (keep == 2 && n_opaque < MAX_KEPT)
            memcpy(opaque[n_opaque++], box, sizeof(box));
        for (int y = box[1]; y <= box[3]; y++)
            for (int x = box[0]; x <= box[2]; x++) {
                size_t q = (size_t)y * w + x;
                if (a[q] == 3 || a[q] == 5)
                    a[q] = a[q] == 5 && !keep ? 6 : 4;
            }
    }
    /* the thin parts of an opaque logo (letters at the working resolution) are not constant:
     * those near an opaque overlay stay */
    for (size_t p = 0; p < n; p++) {
        if (a[p] != 6)
            continue;
        vni_overlay_flood(a, w, h, p, 6, 7, 1, stack, box);
        if (near_boxes(box, opaque, n_opaque))
            continue;
        for (int y = box[1]; y <= box[3]; y++)
            for (int x = box[0]; x <= box[2]; x++)
                if (a[(size_t)y * w + x] == 7)
                    out[(size_t)y * w + x] = 0;
    }
    for (size_t p = 0; p < n; p++)
        kept += out[p] != 0;
fail:
    vni_free(a);
    vni_free(stack);
    vni_free(vals);
    return kept;
}
