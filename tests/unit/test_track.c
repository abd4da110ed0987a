/* Rigid tracking blocks: pyramid, Shi–Tomasi corners, KLT, homography DLT/RANSAC, warps. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pyramid.h"
#include "track/features.h"
#include "track/homography.h"
#include "pipeline/track_plan.h"

#include "test_ctx.h"

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static double urand(uint32_t *s)
{
    return lcg(s) / 16777216.0;
}

/* A smooth textured function of the plane. */
static float texture(double x, double y)
{
    return (float)(128 + 40 * sin(0.21 * x + 0.1 * y) + 30 * sin(0.05 * x - 0.27 * y) +
                   25 * cos(0.33 * x) * sin(0.19 * y) + 20 * exp(-((x - 60) * (x - 60) + (y - 50) * (y - 50)) / 200));
}

static VnImage *make_texture(int w, int h, double tx, double ty)
{
    VnImage *g;
    assert_int_equal(vn_image_alloc(&g, w, h, 1, VN_F32), 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            ((float *)vn_image_row(g, y))[x] = texture(x - tx, y - ty);
    return g;
}

static void pyramid(void **state)
{
    VnImage *g, *rgb;
    VniPyramid p;
    (void)state;
    assert_int_equal(vn_image_alloc(&rgb, 37, 21, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&g, 37, 21, 1, VN_F32), 0);
    for (int y = 0; y < 21; y++)
        memset(vn_image_row(rgb, y), 100, 37 * 3);
    assert_int_equal(vni_grey_f32(ctx, g, rgb), 0);
    assert_int_equal(vni_pyramid_build(ctx, &p, g, 8, 4), 0);
    assert_int_equal(p.n, 3); /* 37x21, 19x11, 10x6 (then 5x3 < 4) */
    assert_int_equal(p.lv[2]->width, 10);
    assert_int_equal(p.lv[2]->height, 6);
    for (int y = 0; y < 6; y++)
        for (int x = 0; x < 10; x++)
            assert_float_equal(((float *)vn_image_row(p.lv[2], y))[x], 100.0f, 1e-3f);
    vni_pyramid_free(&p);
    assert_int_equal(p.n, 0);
    vn_image_free(&g);
    vn_image_free(&rgb);
}

/* Every inner crossing of a checkerboard of 16 px squares is found, within a pixel. */
static void corners_checkerboard(void **state)
{
    VnImage *g, *m;
    VniPt pts[200];
    int n;
    (void)state;
    assert_int_equal(vn_image_alloc(&g, 160, 128, 1, VN_F32), 0);
    assert_int_equal(vn_image_alloc(&m, 160, 128, 1, VN_U8), 0);
    for (int y = 0; y < 128; y++)
        for (int x = 0; x < 160; x++) {
            ((float *)vn_image_row(g, y))[x] = ((x / 16) + (y / 16)) & 1 ? 200.0f : 50.0f;
            vn_image_row(m, y)[x] = x < 72 ? 255 : 0;
        }
    n = vni_corners_find(ctx, g, NULL, NULL, pts, 200);
    assert_int_equal(n, 9 * 7);
    for (int i = 0; i < n; i++) {
        float gx = 16.0f * roundf((pts[i].x + 0.5f) / 16.0f), gy = 16.0f * roundf((pts[i].y + 0.5f) / 16.0f);
        assert_true(fabsf(pts[i].x + 0.5f - gx) <= 1.0f && fabsf(pts[i].y + 0.5f - gy) <= 1.0f);
    }
    /* a mask confines the search; max_out caps the count */
    n = vni_corners_find(ctx, g, m, NULL, pts, 200);
    assert_int_equal(n, 4 * 7);
    for (int i = 0; i < n; i++)
        assert_true(pts[i].x < 72);
    assert_int_equal(vni_corners_find(ctx, g, NULL, NULL, pts, 5), 5);
    /* a flat image has none */
    for (int y = 0; y < 128; y++)
        for (int x = 0; x < 160; x++)
            ((float *)vn_image_row(g, y))[x] = 77.0f;
    assert_int_equal(vni_corners_find(ctx, g, NULL, NULL, pts, 200), 0);
    vn_image_free(&g);
    vn_image_free(&m);
}

/* KLT recovers a known sub-pixel translation (several pixels, so the pyramid matters). */
static void klt_translation(void **state)
{
    const double tx = 3.37, ty = -1.71;
    VnImage *a = make_texture(160, 120, 0, 0), *b = make_texture(160, 120, tx, ty);
    VniPyramid pa, pb;
    VniPt p0[100], p1[100];
    uint8_t st[100];
    float fb[100];
    int n, tracked;
    double worst = 0;
    (void)state;
    assert_int_equal(vni_pyramid_build(ctx, &pa, a, 4, 16), 0);
    assert_int_equal(vni_pyramid_build(ctx, &pb, b, 4, 16), 0);
    VniCornerParams cp;
    vni_corner_default_params(&cp);
    cp.border = 16;
    n = vni_corners_find(ctx, a, NULL, &cp, p0, 100);
    assert_true(n >= 20);
    tracked = vni_klt_track(ctx, &pa, &pb, p0, p1, st, fb, n, NULL);
    assert_true(tracked >= n * 9 / 10);
    for (int i = 0; i < n; i++)
        if (st[i]) {
            double e = hypot(p1[i].x - p0[i].x - tx, p1[i].y - p0[i].y - ty);
            worst = fmax(worst, e);
            assert_true(fb[i] >= 0 && fb[i] < 1.0f);
        }
    print_message("KLT: %d/%d tracked, worst error %.4f px\n", tracked, n, worst);
    assert_true(worst < 0.05);
    /* a point on a flat area is lost */
    VnImage *flat;
    VniPyramid pf;
    assert_int_equal(vn_image_alloc(&flat, 160, 120, 1, VN_F32), 0);
    assert_int_equal(vni_pyramid_build(ctx, &pf, flat, 4, 16), 0);
    assert_int_equal(vni_klt_track(ctx, &pf, &pf, p0, p1, st, NULL, 1, NULL), 0);
    assert_int_equal(st[0], 0);
    vni_pyramid_free(&pf);
    vn_image_free(&flat);
    vni_pyramid_free(&pa);
    vni_pyramid_free(&pb);
    vn_image_free(&a);
    vn_image_free(&b);
}

/* A perspective map: rotation, scale, shift and a little perspective. */
static void true_h(double H[9])
{
    const double c = cos(0.09) * 1.08, s = sin(0.09) * 1.08;
    double h[9] = {c, -s, 23.5, s, c, -11.25, 1.2e-4, -0.8e-4, 1};
    memcpy(H, h, sizeof(h));
}

/* Largest distance between the maps H and G over a grid of the 640x480 frame. */
static double max_reproj(const double H[9], const double G[9])
{
    double worst = 0;
    for (int y = 0; y <= 480; y += 40)
        for (int x = 0; x <= 640; x += 40) {
            VniPt p = {(float)x, (float)y}, a, b;
            vni_homography_apply(H, &p, &a, 1);
            vni_homography_apply(G, &p, &b, 1);
            worst = fmax(worst, hypot(a.x - b.x, a.y - b.y));
        }
    return worst;
}

/* 200 matches, 40% outliers, 0.3 px noise on the inliers. */
static void ransac(void **state)
{
    VniPt a[200], b[200];
    uint8_t in[200];
    double H[9], G[9];
    uint32_t seed = 99;
    int n_out = 0, wrong = 0;
    (void)state;
    true_h(H);
    for (int i = 0; i < 200; i++) {
        a[i].x = (float)(640 * urand(&seed)), a[i].y = (float)(480 * urand(&seed));
        vni_homography_apply(H, &a[i], &b[i], 1);
        if (i % 5 < 2) {
            b[i].x = (float)(640 * urand(&seed)), b[i].y = (float)(480 * urand(&seed));
            n_out++;
        } else {
            b[i].x += (float)(0.6 * (urand(&seed) - 0.5)), b[i].y += (float)(0.6 * (urand(&seed) - 0.5));
        }
    }
    int c = vni_homography_ransac(a, b, 200, NULL, G, in);
    for (int i = 0; i < 200; i++)
        wrong += in[i] != (i % 5 >= 2);
    print_message("RANSAC: %d inliers of %d, %d misclassified, max reprojection diff %.3f px\n", c,
                  200 - n_out, wrong, max_reproj(H, G));
    assert_true(c >= 115 && c <= 125);
    assert_true(wrong <= 5);
    assert_true(max_reproj(H, G) < 0.5);
    /* deterministic */
    double G2[9];
    assert_int_equal(vni_homography_ransac(a, b, 200, NULL, G2, NULL), c);
    assert_memory_equal(G, G2, sizeof(G));
}

/* Exact matches give the exact map; compose and invert agree. */
static void dlt_and_algebra(void **state)
{
    VniPt a[6] = {{10, 10}, {300, 20}, {290, 250}, {15, 240}, {150, 120}, {80, 200}}, b[6];
    double H[9], G[9], Hi[9], P[9];
    (void)state;
    true_h(H);
    vni_homography_apply(H, a, b, 6);
    assert_int_equal(vni_homography_dlt(a, b, 6, G), 0);
    assert_true(max_reproj(H, G) < 1e-2);
    assert_int_equal(vni_homography_invert(H, Hi), 0);
    vni_homography_mul(H, Hi, P);
    for (int i = 0; i < 9; i++)
        assert_true(fabs(P[i] / P[8] - (i % 4 == 0)) < 1e-9);
    double S[9] = {1, 2, 3, 2, 4, 6, 0, 0, 1};
    assert_int_equal(vni_homography_invert(S, P), -EINVAL);
}

/* Collinear or too few matches: an error. */
static void degenerate(void **state)
{
    VniPt a[10], b[10];
    double G[9];
    (void)state;
    for (int i = 0; i < 10; i++) {
        a[i].x = (float)(10 * i), a[i].y = (float)(5 * i + 3);
        b[i].x = (float)(12 * i + 1), b[i].y = (float)(4 * i);
    }
    assert_int_equal(vni_homography_dlt(a, b, 10, G), -EINVAL);
    assert_int_equal(vni_homography_ransac(a, b, 10, NULL, G, NULL), -EINVAL);
    assert_int_equal(vni_homography_dlt(a, b, 3, G), -EINVAL);
    assert_int_equal(vni_homography_ransac(a, b, 3, NULL, G, NULL), -EINVAL);
    for (int i = 0; i < 10; i++)
        a[i].x = a[i].y = 5.0f;
    assert_int_equal(vni_homography_dlt(a, b, 10, G), -EINVAL);
}

/* Identity warps are exact; an integer shift moves pixels and marks the uncovered part. */
static void warps(void **state)
{
    VnImage *src, *dst, *m, *md, *valid;
    double H[9];
    uint32_t seed = 5;
    (void)state;
    assert_int_equal(vn_image_alloc(&src, 57, 33, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&dst, 57, 33, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&m, 57, 33, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&md, 57, 33, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&valid, 57, 33, 1, VN_U8), 0);
    for (int y = 0; y < 33; y++) {
        for (int x = 0; x < 57 * 3; x++)
            vn_image_row(src, y)[x] = (uint8_t)lcg(&seed);
        for (int x = 0; x < 57; x++)
            vn_image_row(m, y)[x] = (x - 20) * (x - 20) + (y - 15) * (y - 15) < 100 ? 255 : 0;
    }
    vni_homography_identity(H);
    assert_int_equal(vni_warp_image(ctx, dst, src, H, valid), 0);
    assert_int_equal(vni_warp_mask(ctx, md, m, H), 0);
    for (int y = 0; y < 33; y++) {
        assert_memory_equal(vn_image_row(dst, y), vn_image_row(src, y), 57 * 3);
        assert_memory_equal(vn_image_row(md, y), vn_image_row(m, y), 57);
        for (int x = 0; x < 57; x++)
            assert_int_equal(vn_image_row(valid, y)[x], 255);
    }
    H[2] = 5, H[5] = 3;
    assert_int_equal(vni_warp_image(ctx, dst, src, H, valid), 0);
    assert_int_equal(vni_warp_mask(ctx, md, m, H), 0);
    for (int y = 0; y < 33; y++)
        for (int x = 0; x < 57; x++) {
            int in = x >= 5 && y >= 3;
            assert_int_equal(vn_image_row(valid, y)[x], in ? 255 : 0);
            if (in) {
                assert_memory_equal(vn_image_row(dst, y) + 3 * x, vn_image_row(src, y - 3) + 3 * (x - 5), 3);
                assert_int_equal(vn_image_row(md, y)[x], vn_image_row(m, y - 3)[x - 5]);
            }
        }
    double S[9] = {1, 2, 3, 2, 4, 6, 0, 0, 1};
    assert_int_equal(vni_warp_image(ctx, dst, src, S, NULL), -EINVAL);
    assert_int_equal(vni_warp_mask(ctx, md, src, H), -EINVAL);
    vn_image_free(&src);
    vn_image_free(&dst);
    vn_image_free(&m);
    vn_image_free(&md);
    vn_image_free(&valid);
}

/* The frames of [0, n) that the plan rewrites must be exactly [lo, hi]. */
static void expect_need(const VniTrackPlan *p, int64_t lo, int64_t hi)
{
    for (int64_t i = -2; i < p->n_frames + 2; i++)
        if (vni_track_plan_need(p, i) != (i >= lo && i <= hi && i < p->n_frames)) {
            fail_msg("frame %lld: need %d, expected range %lld..%lld", (long long)i, vni_track_plan_need(p, i),
                     (long long)lo, (long long)hi);
        }
}

/* An edit re-tracks from the end of the first third after the keyframe before it to the start
 * of the last third before the keyframe after it; the rest keeps its source. */
static void update_plan(void **state)
{
    (void)state;
    /* a keyframe added after the only one: 1..10 stay frame 0's forward propagation */
    int64_t k0[] = {0}, k0_30[] = {0, 30}, e30[] = {30};
    VniTrackPlan p = {k0, 1, k0_30, 2, e30, 1, 40};
    expect_need(&p, 11, 39);
    /* one between two: 0..5 and 25..39 keep their source */
    int64_t k0_15_30[] = {0, 15, 30}, e15[] = {15};
    p = (VniTrackPlan){k0_30, 2, k0_15_30, 3, e15, 1, 40};
    expect_need(&p, 6, 24);
    /* a keyframe edited in place between two others */
    int64_t k3[] = {0, 30, 60};
    p = (VniTrackPlan){k3, 3, k3, 3, e30, 1, 100};
    expect_need(&p, 11, 49);
    /* one before the first: 15..19 stay frame 20's backward propagation */
    int64_t k20[] = {20}, k5_20[] = {5, 20}, e5[] = {5};
    p = (VniTrackPlan){k20, 1, k5_20, 2, e5, 1, 40};
    expect_need(&p, 0, 14);
    /* the hand-over weight rises from 0 to 1 through the middle third */
    float prev = 0;
    for (int64_t i = 1; i < 30; i++) {
        float w = vni_handover_weight(0, 30, i);
        assert_true(w >= prev && w >= 0 && w <= 1);
        assert_true((i <= 10) == (w == 0) && (i >= 20) == (w == 1));
        prev = w;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pyramid), cmocka_unit_test(corners_checkerboard), cmocka_unit_test(klt_translation),
        cmocka_unit_test(ransac), cmocka_unit_test(dlt_and_algebra), cmocka_unit_test(degenerate),
        cmocka_unit_test(warps), cmocka_unit_test(update_plan),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
