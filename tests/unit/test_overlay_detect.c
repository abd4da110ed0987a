/* Overlay detection: the edge refinement at the frame's resolution (vni_overlay_refine_edge), and
 * the region step's cut of a thin structure of the scene that touches an overlay (a pole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inpaint/overlay_region.h"

#define W 64
#define H 48

/* The temporal median of a logo (a red ring, outer radius 14, inner 7, at (30, 22)) over a
 * dark, slightly textured picture; *truth gets its footprint. */
static void ring(float *med, uint8_t *truth)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int d2 = (x - 30) * (x - 30) + (y - 22) * (y - 22), in = d2 <= 14 * 14 && d2 >= 7 * 7;
            float tex = (float)((x * 7 + y * 13) % 11);
            truth[y * W + x] = (uint8_t)in;
            med[3 * (y * W + x) + 0] = in ? 230.0f : 30.0f + tex;
            med[3 * (y * W + x) + 1] = in ? 50.0f : 25.0f + tex;
            med[3 * (y * W + x) + 2] = in ? 70.0f : 20.0f + tex;
        }
}

/* A footprint found at half the resolution and cut on one side (the top two rows of the ring
 * missing, a band of picture added on the right) moves back onto the ring. */
static void refine_edge(void **state)
{
    float *med = malloc(3 * W * H * sizeof(float));
    uint8_t *truth = malloc(W * H), *m = malloc(W * H);
    int64_t n, wrong = 0;
    (void)state;
    assert_non_null(med);
    assert_non_null(truth);
    assert_non_null(m);
    ring(med, truth);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            /* the truth at half resolution, shifted: blocky, off by a pixel or two */
            int ys = (y / 2) * 2, xs = (x / 2) * 2 + 1;
            m[y * W + x] = ys < H && xs < W && truth[ys * W + xs] && y >= 10;
            if (x == 46 && y >= 16 && y <= 28)
                m[y * W + x] = 1; /* a band of picture beside the ring */
        }
    n = vni_overlay_refine_edge(m, med, W, H, 3);
    assert_true(n > 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            wrong += m[y * W + x] != truth[y * W + x];
    print_message("refine_edge: %lld px, %lld wrong of %d on the ring's footprint\n", (long long)n,
                  (long long)wrong, (int)(W * H));
    assert_int_equal(wrong, 0);
    free(med);
    free(truth);
    free(m);
}

/* Thin letters' strokes (two bars two rows thick and a stem, 0.5 white over a dark wall, grey 60)
 * with a line of mortar (grey 96) along each bar's lower edge; the footprint comes with a ring of
 * a pixel round the strokes, as pass 2 adds it. In a window along a bar the ring is half the
 * footprint and pulls its mean to 118 (137 once the wall above has left): the mortar, not clearly
 * nearer the wall's colour than that (36 against 0.7 of 41), stayed in for good. The medians of
 * the sides are the strokes' colour (158) and the wall's: the ring leaves, the strokes are left. */
static void refine_edge_thin(void **state)
{
    float *med = malloc(3 * W * H * sizeof(float));
    uint8_t *truth = malloc(W * H), *m = malloc(W * H);
    int64_t wrong = 0;
    (void)state;
    assert_non_null(med);
    assert_non_null(truth);
    assert_non_null(m);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int bar = (y == 14 || y == 15 || y == 30 || y == 31) && x >= 12 && x < 52;
            int in = bar || (x >= 30 && x < 32 && y >= 16 && y < 30);
            float v = in ? 158.0f : (y == 16 || y == 32) && x >= 11 && x <= 52 ? 96.0f : 60.0f;
            truth[y * W + x] = (uint8_t)in;
            for (int c = 0; c < 3; c++)
                med[3 * (y * W + x) + c] = v;
        }
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            m[y * W + x] = 0;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++)
                    if (y + dy >= 0 && y + dy < H && x + dx >= 0 && x + dx < W)
                        m[y * W + x] |= truth[(y + dy) * W + x + dx];
        }
    assert_true(vni_overlay_refine_edge(m, med, W, H, 3) > 0);
    for (int p = 0; p < W * H; p++)
        wrong += m[p] != truth[p];
    print_message("refine_edge_thin: %lld wrong of %d\n", (long long)wrong, (int)(W * H));
    assert_int_equal(wrong, 0);
    free(med);
    free(truth);
    free(m);
}

#define RW 128
#define RH 96

/* n zeroed bytes; the test fails if there are none. */
static void *zalloc(size_t n)
{
    void *p = calloc(n, 1);
    assert_non_null(p);
    return p;
}

/* The region step on a synthetic edge map: a ring's persistent edges (circles of radius 9 and
 * 16 round (64, 40)) and, touching it, a pole's, dotted (the pole's two sides, x 62 and 65, held
 * in every fifth row from its bottom down to row 84, like a kerb's dashes), over a picture that
 * changes everywhere. The closing joins the dots into a thin band joined to the ring's region;
 * the region kept must not run down the pole (below row 66: the extension may take the first
 * dashes, whose thickened edges touch it). */
static void pole_region(void **state)
{
    uint8_t *edges = zalloc(RW * RH), *cst = zalloc(RW * RH), *out = zalloc(RW * RH);
    float *changed = zalloc(RW * RH * sizeof(float));
    int64_t n, ring = 0, pole = 0;
    (void)state;
    for (int y = 0; y < RH; y++)
        for (int x = 0; x < RW; x++) {
            int d2 = (x - 64) * (x - 64) + (y - 40) * (y - 40);
            int on = (d2 >= 8 * 8 && d2 <= 10 * 10) || (d2 >= 15 * 15 && d2 <= 17 * 17) ||
                     ((x == 62 || x == 65) && y >= 56 && y <= 84 && y % 5 == 0);
            edges[y * RW + x] = on ? VNI_OVL_EDGE : VNI_OVL_NONE;
            changed[y * RW + x] = 1.0f;
        }
    n = vni_overlay_region(edges, changed, NULL, cst, 40, RW, RH, out);
    for (int y = 0; y < RH; y++)
        for (int x = 0; x < RW; x++) {
            ring += out[y * RW + x] && y <= 57;
            pole += out[y * RW + x] && y >= 66;
        }
    print_message("pole_region: %lld pixels, %lld on the ring's rows, %lld down the pole\n",
                  (long long)n, (long long)ring, (long long)pole);
    assert_true(ring >= 800);
    assert_int_equal(pole, 0);
    free(edges);
    free(cst);
    free(out);
    free(changed);
}

/* The region step where the closing joins a semi-transparent ring's edges to a scene's edge (a
 * kerb: a line of edges from the ring to the frame's left, over a picture that never changes)
 * and the picture changes round the ring on less than RING_SHARE of it (on its left only): the
 * region they make is no overlay, but its piece opened off the kerb is, by the consistency of α
 * across the ring's edges (cons); the kerb's edges say nothing of α (0). */
static void kerb_region(void **state)
{
    uint8_t *edges = zalloc(RW * RH), *cst = zalloc(RW * RH), *out = zalloc(RW * RH);
    float *changed = zalloc(RW * RH * sizeof(float)), *cons = zalloc(RW * RH * sizeof(float));
    int64_t n, ring = 0, kerb = 0;
    (void)state;
    for (int y = 0; y < RH; y++)
        for (int x = 0; x < RW; x++) {
            int d2 = (x - 80) * (x - 80) + (y - 48) * (y - 48);
            int in_ring = (d2 >= 8 * 8 && d2 <= 10 * 10) || (d2 >= 15 * 15 && d2 <= 17 * 17);
            int on_kerb = (y == 47 || y == 50) && x >= 10 && x < 64;
            edges[y * RW + x] = in_ring || on_kerb ? VNI_OVL_EDGE : VNI_OVL_NONE;
            cons[y * RW + x] = in_ring ? 0.8f : 0.0f;
            changed[y * RW + x] = x >= 56 && x < 66 && y >= 28 && y < 68 ? 1.0f : 0.0f;
        }
    n = vni_overlay_region(edges, changed, cons, cst, 40, RW, RH, out);
    for (int y = 0; y < RH; y++)
        for (int x = 0; x < RW; x++) {
            ring += out[y * RW + x] && x >= 66;
            kerb += out[y * RW + x] && x < 52;
        }
    print_message("kerb_region: %lld pixels, %lld on the ring's right, %lld along the kerb\n",
                  (long long)n, (long long)ring, (long long)kerb);
    assert_true(ring >= 500);
    assert_int_equal(kerb, 0);
    /* without the consistency of α the piece is taken for the scene's */
    n = vni_overlay_region(edges, changed, NULL, cst, 40, RW, RH, out);
    assert_int_equal(n, 0);
    free(edges);
    free(cst);
    free(out);
    free(changed);
    free(cons);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refine_edge),
        cmocka_unit_test(refine_edge_thin),
        cmocka_unit_test(pole_region),
        cmocka_unit_test(kerb_region),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
