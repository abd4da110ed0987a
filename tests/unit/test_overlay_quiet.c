/* Overlay detection over a picture that barely changes (overlay_quiet.c): a white overlay at
 * opacity 0.5 over a noisy picture whose light drifts a little is found by the gain of its inside
 * on the picture's small changes; a scene's edge under the same drift (a darker surface, which
 * follows by the ratio of the brightness), a surface that follows it by a steady ratio but holds
 * a light that varies along its edge (a lamp's) and a picture without an overlay give nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#include <cmocka.h>

#include "inpaint/overlay_quiet.h"

#define W 128
#define H 64
#define K 40

/* A deterministic noise in [-1, 1) (a linear congruential generator). */
static float noise(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / (float)(1u << 23) - 1.0f;
}

/* The overlay's footprint: the letters "H" and "O" of 3-pixel strokes. */
static int letter(int x, int y)
{
    int h = y >= 20 && y < 44 && ((x >= 20 && x < 23) || (x >= 33 && x < 36) ||
                                  (x >= 23 && x < 33 && y >= 31 && y < 34));
    int d2 = (x - 58) * (x - 58) + (y - 32) * (y - 32);
    return h || (d2 <= 12 * 12 && d2 >= 9 * 9);
}

/* The scene's darker surface: a block at the right, under the same light. */
static int block(int x, int y)
{
    return x >= 76 && x < 88 && y >= 16 && y < 48;
}

/* A surface lit in part by steady lamps whose light rises and falls along it: it follows the
 * drift by a steady ratio, but the light it holds above that varies along its edge. */
static int lamp(int x, int y)
{
    return x >= 100 && x < 112 && y >= 12 && y < 52;
}

/* K frames of a textured picture whose light changes by a few percent from frame to frame, with
 * 1.5 grey levels of noise, rounded to whole levels; with the overlay (I = 0.5·255 + 0.5·J) when
 * `overlay`, with the darker block and the lamp's surface when `scene`. */
static void frames(float *f, int overlay, int scene)
{
    uint32_t st = 12345u;
    for (int k = 0; k < K; k++) {
        float gain = 1.0f + 0.04f * noise(&st);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                float j = 110.0f + 0.5f * (float)((x * 7 + y * 3) % 9) + 0.3f * (float)y;
                if (scene && block(x, y))
                    j *= 0.5f;
                j = gain * j + 1.5f * noise(&st);
                if (scene && lamp(x, y))
                    j = 0.5f * j + 60.0f + 50.0f * sinf(0.5f * (float)y);
                if (overlay && letter(x, y))
                    j = 0.5f * 255.0f + 0.5f * j;
                f[(size_t)k * W * H + (size_t)y * W + x] = (float)(int)(j + 0.5f);
            }
    }
}

static int cmp(const void *a, const void *b)
{
    float u = *(const float *)a, v = *(const float *)b;
    return (u > v) - (u < v);
}

/* The temporal median of each pixel. */
static void median(const float *f, float *m)
{
    float v[K];
    for (size_t p = 0; p < (size_t)W * H; p++) {
        for (int k = 0; k < K; k++)
            v[k] = f[(size_t)k * W * H + p];
        qsort(v, K, sizeof(float), cmp);
        m[p] = v[K / 2];
    }
}

/* Run the step on the frames of a case; the IoU of its proposal with the letters (0 when it
 * proposes nothing), and the pixels it proposes on the scene's surfaces in *on_block. */
static double run(int overlay, int scene, int64_t *n, int64_t *on_block)
{
    float *f = malloc((size_t)K * W * H * sizeof(float));
    float *m = malloc((size_t)W * H * sizeof(float));
    uint8_t *out = malloc((size_t)W * H);
    int64_t inter = 0, uni = 0;
    assert_non_null(f);
    assert_non_null(m);
    assert_non_null(out);
    frames(f, overlay, scene);
    median(f, m);
    *n = vni_overlay_quiet(f, K, m, W, H, out);
    assert_true(*n >= 0);
    *on_block = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int a = out[y * W + x] != 0, b = overlay && letter(x, y);
            inter += a && b;
            uni += a || b;
            *on_block += a && (block(x, y) || lamp(x, y));
        }
    free(f);
    free(m);
    free(out);
    return uni ? (double)inter / (double)uni : 0.0;
}

static void overlay_found(void **state)
{
    int64_t n, on_block;
    double iou = run(1, 1, &n, &on_block);
    (void)state;
    print_message("overlay and scene edge: %lld pixels, IoU %.3f, %lld on the block\n",
                  (long long)n, iou, (long long)on_block);
    assert_true(iou >= 0.8);
    assert_int_equal(on_block, 0);
}

static void scene_edge_nothing(void **state)
{
    int64_t n, on_block;
    (void)state;
    run(0, 1, &n, &on_block);
    print_message("scene edge alone: %lld pixels\n", (long long)n);
    assert_int_equal(n, 0);
    run(0, 0, &n, &on_block);
    assert_int_equal(n, 0);
}

/* Gain steps: on the letters' edges, at the opacity's ratio (0.5), and hardly any on the block's
 * (a ratio estimated a little low there leaves a little light on its darker side). */
static void gain_steps(void **state)
{
    float *f = malloc((size_t)K * W * H * sizeof(float));
    float *m = malloc((size_t)W * H * sizeof(float));
    float *r = malloc(2 * (size_t)W * H * sizeof(float));
    uint8_t *g = malloc((size_t)W * H);
    int64_t n, on_letters = 0, on_block = 0, on_lamp = 0;
    double sum = 0.0;
    (void)state;
    assert_non_null(f);
    assert_non_null(m);
    assert_non_null(r);
    assert_non_null(g);
    frames(f, 1, 1);
    median(f, m);
    n = vni_overlay_gain_steps(f, K, m, W, H, g, r);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            if (g[y * W + x] != 1) /* the strict test; 2: the loose one */
                continue;
            on_letters += letter(x, y);
            on_block += block(x, y);
            on_lamp += lamp(x, y);
            sum += letter(x, y) ? r[y * W + x] : 0.0;
        }
    print_message("gain steps: %lld, %lld on the letters (mean ratio %.2f), %lld on the block\n",
                  (long long)n, (long long)on_letters, on_letters ? sum / (double)on_letters : 0.0,
                  (long long)on_block);
    assert_true(on_letters >= 100);
    assert_true(on_letters >= 9 * (n - on_lamp) / 10);
    assert_true(sum / (double)on_letters > 0.4 && sum / (double)on_letters < 0.6);
    assert_true(on_block <= on_letters / 20); /* strays, which no part takes */
    free(f);
    free(m);
    free(r);
    free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gain_steps),
        cmocka_unit_test(overlay_found),
        cmocka_unit_test(scene_edge_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
