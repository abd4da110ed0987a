/* Overlay detection by the overlay's lift and damping (overlay_lift.c): a white overlay at
 * opacity 0.5 (a ring and a bar) over a picture that changes a lot from frame to frame is found
 * whole, though the scene's own persistent edges lie all round it; a shadow (darker and quieter
 * by the same 0.5) and a picture without an overlay give nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/select.h"
#include "inpaint/overlay_lift.h"
#include "inpaint/overlay_region.h"

#define W 128
#define H 96
#define K 40

/* A deterministic noise in [-1, 1) (a linear congruential generator). */
static float noise(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / (float)(1u << 23) - 1.0f;
}

/* The overlay's footprint: a ring (radii 7 to 14) and a bar of 6 x 36 pixels. */
static int overlay(int x, int y)
{
    int d2 = (x - 40) * (x - 40) + (y - 48) * (y - 48);
    return (d2 <= 14 * 14 && d2 >= 7 * 7) || (x >= 70 && x < 76 && y >= 30 && y < 66);
}

/* The scene's shadow: a block at the right. */
static int shadow(int x, int y)
{
    return x >= 96 && x < 112 && y >= 24 && y < 72;
}

/* The temporal median m and spread s (mean absolute deviation from m) of K frames of a picture
 * that changes by ±50 grey levels round 90 in every frame, with the shadow (I = 0.5·J) and, when
 * `with`, the overlay (I = 0.5·255 + 0.5·J) burned in. */
static void stats(int with, float *m, float *s)
{
    static float f[K][W * H];
    uint32_t st = 777u;
    for (int k = 0; k < K; k++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float j = 90.0f + 50.0f * noise(&st);
                if (with && overlay(x, y))
                    j = 0.5f * 255.0f + 0.5f * j;
                else if (shadow(x, y))
                    j = 0.5f * j;
                f[k][y * W + x] = j;
            }
    for (int p = 0; p < W * H; p++) {
        float v[K], acc = 0.0f;
        for (int k = 0; k < K; k++)
            v[k] = f[k][p];
        m[p] = vni_select_f32(v, K, K / 2);
        for (int k = 0; k < K; k++)
            acc += f[k][p] > m[p] ? f[k][p] - m[p] : m[p] - f[k][p];
        s[p] = acc / K;
    }
}

/* The detector's edge classes: persistent edges on the outlines of the overlay (when `with`)
 * and of the shadow, and a scene's persistent edges scattered everywhere (one pixel in 12). */
static void edges(int with, uint8_t *e)
{
    uint32_t st = 99u;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int o = with && overlay(x, y), sh = shadow(x, y), border = 0;
            for (int k = 0; k < 4; k++) {
                int xx = x + (k == 0) - (k == 1), yy = y + (k == 2) - (k == 3);
                border |= (with && overlay(xx, yy) != o) || shadow(xx, yy) != sh;
            }
            e[y * W + x] = border || noise(&st) > 5.0f / 6.0f ? VNI_OVL_EDGE : VNI_OVL_NONE;
        }
}

/* The ring's hole: the footprint is filled (the region step's tightening takes the hole out by
 * the picture that shows there). */
static int hole(int x, int y)
{
    return (x - 40) * (x - 40) + (y - 48) * (y - 48) < 7 * 7;
}

static void found_whole(void **state)
{
    static float m[W * H], s[W * H];
    static uint8_t e[W * H], out[W * H];
    int64_t inter = 0, area = 0, beyond = 0;
    (void)state;
    stats(1, m, s);
    edges(1, e);
    assert_true(vni_overlay_lift(m, s, e, W, H, out) > 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            inter += out[y * W + x] && overlay(x, y);
            area += overlay(x, y);
            beyond += out[y * W + x] && !overlay(x, y) && !hole(x, y);
            assert_false(out[y * W + x] && shadow(x, y));
        }
    assert_true(inter >= 0.95 * (double)area);
    assert_true(beyond <= 0.02 * (double)area);
}

static void nothing_without(void **state)
{
    static float m[W * H], s[W * H];
    static uint8_t e[W * H], out[W * H];
    (void)state;
    stats(0, m, s);
    edges(0, e);
    assert_int_equal(vni_overlay_lift(m, s, e, W, H, out), 0);
    for (int p = 0; p < W * H; p++)
        assert_int_equal(out[p], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(found_whole),
        cmocka_unit_test(nothing_without),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
