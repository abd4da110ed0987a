/* The optical flow (vanish/flow.h): sub-pixel translation, masks that must not pin the flow,
 * the forward-backward occlusion check, warps, chains and the colour coding. Links vanish_algo
 * only, so it runs under valgrind. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vanish/flow.h"

#include "test_ctx.h"

/* A smooth texture with detail at several scales, defined everywhere so that shifted copies
 * are exact (no resampling). */
static float texture(float x, float y)
{
    return 128.0f + 40.0f * sinf(0.21f * x + 0.3f * sinf(0.05f * y)) * cosf(0.17f * y) +
           30.0f * sinf(0.43f * x + 0.37f * y + 1.0f) + 25.0f * cosf(0.11f * x - 0.53f * y) +
           15.0f * sinf(0.71f * y + 0.05f * x * 0.9f);
}

/* RGB frame of the texture moved by (tx, ty): pixel x shows texture(x - t). */
static VnImage *frame(int w, int h, float tx, float ty)
{
    VnImage *img = NULL;
    assert_int_equal(vn_image_alloc(&img, w, h, 3, VN_U8), 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            float v = texture(x - tx, y - ty);
            uint8_t *p = vn_image_row(img, y) + 3 * x;
            p[0] = (uint8_t)lrintf(fminf(fmaxf(v, 0), 255));
            p[1] = (uint8_t)lrintf(fminf(fmaxf(0.8f * v + 20, 0), 255));
            p[2] = (uint8_t)lrintf(fminf(fmaxf(255 - v, 0), 255));
        }
    return img;
}

static const float *fl(const VnImage *f, int x, int y)
{
    return (const float *)vn_image_row(f, y) + 2 * x;
}

/* Mean endpoint error against (tx, ty) over pixels at least `border` from the edge where
 * sel(x, y) (or everywhere with sel NULL). */
static double epe(const VnImage *f, float tx, float ty, int border, const VnImage *sel)
{
    double s = 0;
    long n = 0;
    for (int y = border; y < f->height - border; y++)
        for (int x = border; x < f->width - border; x++) {
            if (sel && !vn_image_row(sel, y)[x])
                continue;
            s += hypot(fl(f, x, y)[0] - tx, fl(f, x, y)[1] - ty);
            n++;
        }
    assert_true(n > 0);
    return s / (double)n;
}

/* A constant sub-pixel translation is recovered within 0.05 px by every preset. */
static void translation(void **state)
{
    const float tx = 1.3f, ty = -0.7f;
    VnImage *a = frame(160, 120, 0, 0), *b = frame(160, 120, tx, ty), *fwd = NULL, *bwd = NULL;
    VnFlowSettings s;
    (void)state;
    vn_flow_default_settings(&s);
    for (int preset = 0; preset < 3; preset++) {
        s.preset = preset;
        assert_int_equal(vn_flow_compute(ctx, a, b, NULL, NULL, &s, &fwd, &bwd), 0);
        double e = epe(fwd, tx, ty, 8, NULL), eb = epe(bwd, -tx, -ty, 8, NULL);
        print_message("preset %d: EPE fwd %.4f bwd %.4f\n", preset, e, eb);
        /* fast stops two levels up and upsamples: a looser bound there */
        assert_true(e < (preset == VN_FLOW_FAST ? 0.3 : 0.05));
        assert_true(eb < (preset == VN_FLOW_FAST ? 0.3 : 0.05));
        vn_image_free(&fwd);
        vn_image_free(&bwd);
    }
    vn_image_free(&a);
    vn_image_free(&b);
}

/* Paste a static opaque patch (flat colour with a stripe pattern) at the same place in a frame. */
static void paste_logo(VnImage *img, VnImage *mask, int x0, int y0, int side)
{
    for (int y = y0; y < y0 + side; y++)
        for (int x = x0; x < x0 + side; x++) {
            uint8_t *p = vn_image_row(img, y) + 3 * x, v = ((x / 3 + y / 5) & 1) ? 250 : 10;
            p[0] = v;
            p[1] = 255 - v;
            p[2] = 128;
            if (mask)
                vn_image_row(mask, y)[x] = 255;
        }
}

/* A static logo on both frames, masked, does not pin the flow: the background moves on around
 * and under it. Without the masks the logo holds the flow near zero (the test would see it). */
static void mask_exclusion(void **state)
{
    const int w = 192, h = 144, x0 = 70, y0 = 50, side = 40;
    const float tx = 2.6f, ty = 1.4f;
    VnImage *a = frame(w, h, 0, 0), *b = frame(w, h, tx, ty), *m = NULL, *ring = NULL, *fwd = NULL;
    (void)state;
    assert_int_equal(vn_image_alloc(&m, w, h, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&ring, w, h, 1, VN_U8), 0);
    paste_logo(a, m, x0, y0, side);
    paste_logo(b, NULL, x0, y0, side);
    for (int y = y0 - 12; y < y0 + side + 12; y++)
        for (int x = x0 - 12; x < x0 + side + 12; x++)
            vn_image_row(ring, y)[x] = !vn_image_row(m, y)[x];
    assert_int_equal(vn_flow_compute(ctx, a, b, m, m, NULL, &fwd, NULL), 0);
    double e_ring = epe(fwd, tx, ty, 8, ring), e_in = epe(fwd, tx, ty, 8, m), e_all = epe(fwd, tx, ty, 8, NULL);
    print_message("masked: EPE around %.3f, under %.3f, all %.3f\n", e_ring, e_in, e_all);
    assert_true(e_ring < 0.15);
    assert_true(e_in < 0.25);
    vn_image_free(&fwd);
    assert_int_equal(vn_flow_compute(ctx, a, b, NULL, NULL, NULL, &fwd, NULL), 0);
    print_message("unmasked: EPE under the logo %.3f\n", epe(fwd, tx, ty, 8, m));
    assert_true(epe(fwd, tx, ty, 8, m) > 1.0);
    vn_image_free(&fwd);
    vn_image_free(&a);
    vn_image_free(&b);
    vn_image_free(&m);
    vn_image_free(&ring);
}

/* A textured square moves right over a static background: the background it covers in frame b
 * is occluded in frame a, and the check marks it; the rest of the background is consistent. */
static void occlusion(void **state)
{
    const int w = 160, h = 120, sx = 40, sy = 40, side = 36, d = 14;
    VnImage *a = frame(w, h, 0, 0), *b = frame(w, h, 0, 0), *fwd = NULL, *bwd = NULL, *occ = NULL, *conf = NULL;
    long hit = 0, strip = 0, false_pos = 0, bg = 0;
    (void)state;
    for (int k = 0; k < 2; k++)
        for (int y = sy; y < sy + side; y++)
            for (int x = sx; x < sx + side; x++) {
                VnImage *img = k ? b : a;
                uint8_t *p = vn_image_row(img, y) + 3 * (x + k * d);
                float v = texture(3.1f * x + 400.0f, 2.3f * y - 100.0f);
                p[0] = (uint8_t)lrintf(fminf(fmaxf(255 - v, 0), 255));
                p[1] = (uint8_t)lrintf(fminf(fmaxf(v * 0.5f, 0), 255));
                p[2] = (uint8_t)lrintf(fminf(fmaxf(v, 0), 255));
            }
    assert_int_equal(vn_flow_compute(ctx, a, b, NULL, NULL, NULL, &fwd, &bwd), 0);
    assert_int_equal(vn_flow_consistency(ctx, fwd, bwd, 1.0f, &occ, &conf), 0);
    for (int y = sy + 4; y < sy + side - 4; y++)
        for (int x = 0; x < w; x++) {
            int o = vn_image_row(occ, y)[x] != 0;
            if (x >= sx + side + 3 && x < sx + side + d - 3) {
                strip++;
                hit += o;
            } else if (x < sx - 6 || x > sx + side + d + 6) {
                bg++;
                false_pos += o;
            }
        }
    print_message("occluded strip marked %ld/%ld, background false marks %ld/%ld\n", hit, strip, false_pos, bg);
    assert_true(hit >= strip * 8 / 10);
    assert_true(false_pos <= bg / 20);
    assert_true(((float *)vn_image_row(conf, 10))[10] > 0.5f);
    vn_image_free(&occ);
    vn_image_free(&conf);
    vn_image_free(&fwd);
    vn_image_free(&bwd);
    vn_image_free(&a);
    vn_image_free(&b);
}

/* Synthetic flows: a region whose backward flow disagrees is occluded, the rest is not; a
 * vector that leaves the frame is occluded too. */
static void consistency_synthetic(void **state)
{
    VnImage *f = NULL, *b = NULL, *occ = NULL;
    (void)state;
    assert_int_equal(vn_image_alloc(&f, 40, 30, 2, VN_F32), 0);
    assert_int_equal(vn_image_alloc(&b, 40, 30, 2, VN_F32), 0);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 40; x++) {
            float *pf = (float *)vn_image_row(f, y) + 2 * x, *pb = (float *)vn_image_row(b, y) + 2 * x;
            pf[0] = 3.0f;
            pf[1] = 0.0f;
            pb[0] = (x >= 13 && x < 23) ? 0.0f : -3.0f;
            pb[1] = 0.0f;
        }
    assert_int_equal(vn_flow_consistency(ctx, f, b, 1.0f, &occ, NULL), 0);
    assert_int_equal(vn_image_row(occ, 5)[5], 0);
    assert_int_equal(vn_image_row(occ, 5)[14], 255); /* lands at 17, inside the bad region */
    assert_int_equal(vn_image_row(occ, 5)[39], 255); /* leaves the frame */
    vn_image_free(&occ);
    assert_int_equal(vn_flow_consistency(ctx, f, b, 0.0f, &occ, NULL), -EINVAL);
    assert_null(occ);
    vn_image_free(&f);
    vn_image_free(&b);
}

static void fill_flow(VnImage *f, float u, float v)
{
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++) {
            ((float *)vn_image_row(f, y))[2 * x] = u;
            ((float *)vn_image_row(f, y))[2 * x + 1] = v;
        }
}

/* Warping frame b by the true flow gives frame a back; masks move with the flow; two chained
 * translations add up. */
static void warp_and_chain(void **state)
{
    const float tx = 2.5f, ty = -1.5f;
    VnImage *a = frame(64, 48, 0, 0), *b = frame(64, 48, tx, ty), *f = NULL, *g = NULL, *dst = NULL;
    VnImage *m = NULL, *mw = NULL;
    double err = 0;
    (void)state;
    assert_int_equal(vn_image_alloc(&f, 64, 48, 2, VN_F32), 0);
    assert_int_equal(vn_image_alloc(&g, 64, 48, 2, VN_F32), 0);
    assert_int_equal(vn_image_alloc(&dst, 64, 48, 3, VN_U8), 0);
    fill_flow(f, tx, ty);
    assert_int_equal(vn_flow_warp(ctx, dst, b, f), 0);
    for (int y = 8; y < 40; y++)
        for (int x = 8; x < 56; x++)
            err += fabs((double)vn_image_row(dst, y)[3 * x] - vn_image_row(a, y)[3 * x]);
    err /= 32.0 * 48.0;
    print_message("warp: mean error %.2f grey levels\n", err);
    assert_true(err < 4.0);
    assert_int_equal(vn_image_alloc(&m, 64, 48, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&mw, 64, 48, 1, VN_U8), 0);
    vn_image_row(m, 20)[30] = 255;
    fill_flow(f, 3.0f, -2.0f);
    assert_int_equal(vn_flow_warp_mask(ctx, mw, m, f), 0);
    assert_int_equal(vn_image_row(mw, 22)[27], 255);
    assert_int_equal(vn_image_row(mw, 20)[30], 0);
    fill_flow(g, -1.0f, 0.5f);
    assert_int_equal(vn_flow_chain(ctx, f, f, g), 0);
    assert_true(fabsf(fl(f, 10, 10)[0] - 2.0f) < 1e-5f && fabsf(fl(f, 10, 10)[1] + 1.5f) < 1e-5f);
    assert_int_equal(vn_flow_chain(ctx, g, f, g), -EINVAL);
    assert_int_equal(vn_flow_warp(ctx, m, b, f), -EINVAL);
    vn_image_free(&a);
    vn_image_free(&b);
    vn_image_free(&f);
    vn_image_free(&g);
    vn_image_free(&dst);
    vn_image_free(&m);
    vn_image_free(&mw);
}

/* Colour coding: rest is white, a long vector is saturated, opposite vectors differ in hue. */
static void colour_coding(void **state)
{
    VnImage *f = NULL, *rgb = NULL;
    (void)state;
    assert_int_equal(vn_image_alloc(&f, 3, 1, 2, VN_F32), 0);
    float *p = (float *)vn_image_row(f, 0);
    p[0] = p[1] = 0.0f;
    p[2] = 4.0f; /* right */
    p[3] = 0.0f;
    p[4] = -4.0f; /* left */
    p[5] = 0.0f;
    assert_int_equal(vn_flow_visualize(f, 0.0f, &rgb), 0);
    const uint8_t *c = vn_image_row(rgb, 0);
    assert_true(c[0] == 255 && c[1] == 255 && c[2] == 255);
    assert_true(abs((int)c[3] - c[6]) + abs((int)c[4] - c[7]) + abs((int)c[5] - c[8]) > 200);
    assert_true(c[3] < 64 || c[4] < 64 || c[5] < 64);
    vn_image_free(&rgb);
    vn_image_free(&f);
}

/* Bad arguments fail cleanly with a message and leave the outputs NULL. */
static void bad_args(void **state)
{
    VnImage *a = frame(32, 24, 0, 0), *b = frame(40, 24, 0, 0), *fwd = NULL;
    VnFlowSettings s;
    (void)state;
    assert_true(vn_flow_compute(ctx, a, b, NULL, NULL, NULL, &fwd, NULL) < 0);
    assert_null(fwd);
    assert_true(strlen(vn_last_error(ctx)) > 0);
    vn_flow_default_settings(&s);
    assert_int_equal(vn_option_set(vn_flow_options(), &s, "preset", "fast"), 0);
    assert_int_equal(s.preset, VN_FLOW_FAST);
    assert_true(vn_option_set(vn_flow_options(), &s, "preset", "nope") < 0);
    vn_image_free(&a);
    vn_image_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(translation),       cmocka_unit_test(mask_exclusion),
        cmocka_unit_test(occlusion),         cmocka_unit_test(consistency_synthetic),
        cmocka_unit_test(warp_and_chain),    cmocka_unit_test(colour_coding),
        cmocka_unit_test(bad_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
