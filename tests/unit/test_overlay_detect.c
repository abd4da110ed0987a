/* Overlay detection: the edge refinement at the frame's resolution (vni_overlay_refine_edge). */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refine_edge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
