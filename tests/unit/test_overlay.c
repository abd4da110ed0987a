/* Semi-transparent overlays: estimation of α and W, un-blending, detection. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inpaint/overlay.h"

#define FW 160
#define FH 120
#define NF 50

static VnContext *ctx;

static int setup(void **state)
{
    VnSettings s;
    (void)state;
    vn_default_settings(&s);
    s.n_threads = 2;
    return vn_open(&ctx, &s);
}

static int teardown(void **state)
{
    (void)state;
    vn_close(&ctx);
    return 0;
}

/* A textured picture that moves: channel c of frame t at (x, y). */
static float texture(int x, int y, int t, int c)
{
    float u = (float)x - 2.3f * t, v = (float)y + 1.1f * t;
    return 120.0f + 45.0f * sinf(0.31f * u + 0.7f * c) * cosf(0.23f * v) +
           30.0f * sinf(0.13f * u - 0.19f * v + 1.3f * c) +
           20.0f * cosf(0.05f * x - 0.16f * t - 0.4f * c);
}

/* The overlay: a ring at opacity 0.5 in orange and a bar at 0.3 in white; returns α and sets w. */
static float overlay_at(int x, int y, float w[3])
{
    float dx = x - 55.0f, dy = y - 60.0f, r2 = dx * dx + dy * dy;
    if (r2 <= 28.0f * 28.0f && r2 >= 14.0f * 14.0f) {
        w[0] = 240, w[1] = 150, w[2] = 30;
        return 0.5f;
    }
    if (x >= 95 && x < 140 && y >= 40 && y < 80) {
        w[0] = w[1] = w[2] = 255;
        return 0.3f;
    }
    w[0] = w[1] = w[2] = 0;
    return 0.0f;
}

/* Frame t with (overlay = 1) or without the overlay, rounded to 8 bits. */
static void make_frame(VnImage *img, int t, int overlay)
{
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3], a = overlay ? overlay_at(x, y, w) : 0.0f;
            for (int c = 0; c < 3; c++) {
                float v = a * w[c] + (1.0f - a) * texture(x, y, t, c);
                vn_image_row(img, y)[x * 3 + c] = (uint8_t)VNI_CLAMP(v + 0.5f, 0.0f, 255.0f);
            }
        }
}

static void make_region(VnImage *m)
{
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3];
            vn_image_row(m, y)[x] = overlay_at(x, y, w) > 0.0f ? 255 : 0;
        }
}

/* Estimate from NF frames (max_frames smaller than NF, so that halving is exercised too). */
static void estimate(VnImage **alpha, VnImage **color, int max_frames)
{
    VnImage *img, *region;
    VniOverlayEst *e;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&region, FW, FH, 1, VN_U8), 0);
    make_region(region);
    assert_int_equal(vni_overlay_est_open(ctx, &e, region, max_frames), 0);
    for (int t = 0; t < NF; t++) {
        make_frame(img, t, 1);
        assert_int_equal(vni_overlay_accumulate(e, img), 0);
    }
    assert_true(vni_overlay_est_frames(e) <= max_frames);
    assert_true(vni_overlay_est_frames(e) >= VNI_MIN(NF, max_frames / 2));
    assert_int_equal(vni_overlay_solve(e, alpha, color), 0);
    vni_overlay_est_free(&e);
    assert_null(e);
    vn_image_free(&img);
    vn_image_free(&region);
}

/* The bar: α within 0.02 and W within 3 grey levels at every pixel of the overlay. */
static void estimate_known(void **state)
{
    VnImage *alpha, *color;
    float ea = 0, ew = 0;
    (void)state;
    estimate(&alpha, &color, 200);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3], a = overlay_at(x, y, w), ga = ((float *)vn_image_row(alpha, y))[x];
            const float *gw = (const float *)vn_image_row(color, y) + x * 3;
            ea = fmaxf(ea, fabsf(ga - a));
            for (int c = 0; c < 3 && a > 0.0f; c++) {
                if (getenv("OVL_DEBUG") && fabsf(gw[c] - w[c]) > 3)
                    print_message("%d %d c%d a %.3f/%.3f w %.1f/%.1f\n", x, y, c, ga, a, gw[c], w[c]);
                ew = fmaxf(ew, fabsf(gw[c] - w[c]));
            }
        }
    if (getenv("OVL_DEBUG")) {
        float sa[2] = {0}, n[2] = {0};
        for (int y = 0; y < FH; y++)
            for (int x = 0; x < FW; x++) {
                float w[3], a = overlay_at(x, y, w);
                if (a > 0.0f) {
                    sa[a < 0.4f] += ((float *)vn_image_row(alpha, y))[x] - a;
                    n[a < 0.4f]++;
                }
            }
        print_message("mean alpha error: ring %.4f bar %.4f\n", sa[0] / n[0], sa[1] / n[1]);
    }
    print_message("max error: alpha %.4f, W %.2f grey levels\n", ea, ew);
    assert_true(ea <= 0.02f);
    assert_true(ew <= 3.0f);
    vn_image_free(&alpha);
    vn_image_free(&color);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimate_known),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
