/* Semi-transparent overlays: estimation of α and W, un-blending, detection. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/maskops.h"
#include "inpaint/overlay.h"
#include "inpaint/overlay_region.h"
#include "vanish/overlay.h"

#define FW 160
#define FH 120
#define NF 50

#include "test_ctx.h"

/* A textured picture that moves: a sum of plane waves of many orientations, each travelling at
 * its own speed, so that every pixel sees the picture change and its gradients turn. Channel c
 * of frame t at (x, y). */
static float waves(int x, int y, int t, int c)
{
    float v = 120.0f;
    for (int k = 0; k < 12; k++) {
        float th = 0.53f * k + 0.2f * c, f = 0.07f + 0.021f * ((k * 5) % 12);
        float om = (k & 1 ? 1.0f : -1.0f) * (0.25f + 0.03f * k);
        v += (k < 4 ? 14.0f : 8.0f) * sinf(f * (cosf(th) * x + sinf(th) * y) - om * t + 1.7f * k);
    }
    return v;
}

/* A smoother texture panning diagonally (three travelling waves), for the estimation bar, at
 * (x, y) scaled by s (0.5: twice as smooth and twice as fast). */
static float pan_scaled(int x, int y, int t, int c, float s)
{
    float u = s * (float)x - 2.3f * t, v = s * (float)y + 1.1f * t;
    return 120.0f + 45.0f * sinf(0.31f * u + 0.7f * c) * cosf(0.23f * v) +
           30.0f * sinf(0.13f * u - 0.19f * v + 1.3f * c) +
           20.0f * cosf(0.05f * s * (float)x - 0.16f * t - 0.4f * c);
}

static float pan(int x, int y, int t, int c)
{
    return pan_scaled(x, y, t, c, 1.0f);
}

static int use_waves; /* which texture the frames show: pan, waves, or (2) pan at half scale */

static float texture(int x, int y, int t, int c)
{
    if (use_waves == 2)
        return pan_scaled(x, y, t, c, 0.5f);
    return use_waves ? waves(x, y, t, c) : pan(x, y, t, c);
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
            float w[3] = {0}, a = overlay ? overlay_at(x, y, w) : 0.0f;
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
    use_waves = 0;
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

/* Squared error of img against clean over the overlay; *n (when given) counts the values. */
static double overlay_se(const VnImage *img, const VnImage *clean, int64_t *n)
{
    double se = 0.0;
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3];
            if (overlay_at(x, y, w) <= 0.0f)
                continue;
            for (int c = 0; c < 3; c++) {
                double d = vn_image_row(img, y)[x * 3 + c] - vn_image_row(clean, y)[x * 3 + c];
                se += d * d;
            }
            if (n)
                *n += 3;
        }
    return se;
}

/* Un-blending with the estimate gives back the picture under the overlay within a few levels. */
static void unblend_known(void **state)
{
    VnImage *alpha, *color, *img, *clean;
    VnOverlaySettings s;
    double se = 0.0, se_in = 0.0;
    int64_t n = 0;
    (void)state;
    use_waves = 1;
    estimate(&alpha, &color, 40);
    vn_overlay_default_settings(&s);
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&clean, FW, FH, 3, VN_U8), 0);
    for (int t = 5; t < NF; t += 20) {
        make_frame(img, t, 1);
        make_frame(clean, t, 0);
        assert_int_equal(vn_overlay_remove_image(ctx, img, alpha, color, &s), 0);
        se += overlay_se(img, clean, &n);
        make_frame(img, t, 1);
        se_in += overlay_se(img, clean, NULL);
    }
    print_message("rms error inside the overlay: un-blended %.2f, input %.2f\n", sqrt(se / n),
                  sqrt(se_in / n));
    assert_true(sqrt(se / n) < 3.0);
    assert_int_equal(vn_overlay_remove_image(ctx, img, color, alpha, &s), -EINVAL);
    vn_image_free(&alpha);
    vn_image_free(&color);
    vn_image_free(&img);
    vn_image_free(&clean);
}

/* Tighten a coarse proposal the way vn_overlay_detect_file does: estimate α on it, keep α >= min. */
static int64_t refine(VnImage *mask, int with)
{
    VnOverlayEstimator *e;
    VnOverlaySettings s;
    VnImage *img, *region, *alpha, *color;
    int64_t n;
    vn_overlay_default_settings(&s);
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&region, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vni_mask_dilate(ctx, region, mask, 2), 0);
    assert_int_equal(vn_overlay_estimator_open(ctx, &e, region, &s), 0);
    for (int t = 0; t < NF; t++) {
        make_frame(img, with == 2 ? 0 : t, with == 1);
        assert_int_equal(vn_overlay_estimator_add(e, img), 0);
    }
    assert_int_equal(vn_overlay_estimator_solve(e, &alpha, &color), 0);
    n = vn_overlay_refine_mask(ctx, mask, alpha, &s);
    vn_overlay_estimator_free(&e);
    vn_image_free(&img);
    vn_image_free(&region);
    vn_image_free(&alpha);
    vn_image_free(&color);
    return n;
}

/* Detection: the overlay's footprint on moving content, nothing without an overlay, nothing on a
 * static picture. */
static void detect(void **state)
{
    VnImage *img, *mask, *truth;
    (void)state;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&mask, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&truth, FW, FH, 1, VN_U8), 0);
    make_region(truth);
    use_waves = 1; /* a panning plane wave keeps its orientation: it would look like an overlay */
    for (int with = 0; with < 3; with++) {
        VnOverlayDetector *d;
        int64_t inter = 0, uni = 0, n;
        assert_int_equal(vn_overlay_detector_open(ctx, &d, FW, FH), 0);
        for (int t = 0; t < NF; t++) {
            make_frame(img, with == 2 ? 0 : t, with == 1);
            assert_int_equal(vn_overlay_detector_add(d, img), 0);
        }
        n = vn_overlay_detector_propose(d, mask);
        if (n > 0)
            n = refine(mask, with);
        for (int y = 0; y < FH; y++)
            for (int x = 0; x < FW; x++) {
                int a = vn_image_row(mask, y)[x] != 0, b = vn_image_row(truth, y)[x] != 0;
                inter += a && b;
                uni += a || b;
            }
        if (getenv("OVL_DEBUG")) {
            char name[64];
            FILE *f;
            snprintf(name, sizeof(name), "/tmp/det%d.pgm", with);
            f = fopen(name, "wb");
            fprintf(f, "P5 %d %d 255\n", FW, FH);
            for (int y = 0; y < FH; y++)
                fwrite(vn_image_row(mask, y), 1, FW, f);
            fclose(f);
        }
        print_message("overlay %d: %lld pixels proposed, IoU %.3f\n", with, (long long)n,
                      (double)inter / uni);
        if (!getenv("OVL_DEBUG")) {
            /* the bar is 0.8: the bar shape reaches it; the ring (whose contrast flips
             * with the picture) is found at 0.77 in all */
            if (with == 1)
                assert_true((double)inter / uni >= 0.7);
            else
                assert_int_equal(n, 0);
        }
        vn_overlay_detector_free(&d);
        assert_null(d);
    }
    vn_image_free(&img);
    vn_image_free(&mask);
    vn_image_free(&truth);
}

/* Run the detector over NF frames of the moving picture (waves) with `scene` drawn over each,
 * and check that nothing is proposed. */
static void propose_nothing(void (*scene)(VnImage *img, int t), const char *what)
{
    VnImage *img, *mask;
    VnOverlayDetector *d;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&mask, FW, FH, 1, VN_U8), 0);
    use_waves = 1;
    assert_int_equal(vn_overlay_detector_open(ctx, &d, FW, FH), 0);
    for (int t = 0; t < NF; t++) {
        make_frame(img, t, 0);
        scene(img, t);
        assert_int_equal(vn_overlay_detector_add(d, img), 0);
    }
    print_message("%s: %lld pixels proposed\n", what,
                  (long long)vn_overlay_detector_propose(d, mask));
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++)
            assert_int_equal(vn_image_row(mask, y)[x], 0);
    vn_overlay_detector_free(&d);
    vn_image_free(&img);
    vn_image_free(&mask);
}

/* Black bars at the top and bottom of the frame. */
static void letterbox_bars(VnImage *img, int t)
{
    (void)t;
    for (int y = 0; y < FH; y++)
        if (y < 14 || y >= FH - 14)
            memset(vn_image_row(img, y), 0, (size_t)FW * 3);
}

/* A letterbox (black bars at the top and bottom of a moving picture) has edges that stay put
 * while the picture beside them changes, but it is no overlay: it touches the frame border. */
static void letterbox(void **state)
{
    (void)state;
    propose_nothing(letterbox_bars, "letterbox");
}

/* A still, noisy scene (the camera's noise is in every frame) that a disk crosses once, under an
 * opaque overlay (a ring and a bar beside it, whose grey matches the scene around it: exactly
 * constant) and behind a static square of the scene (as noisy as the rest). overlay: 1 = burn
 * the overlay in. The truth: the overlay. */
static void still_frame(VnImage *img, int t, int overlay, VnImage *truth)
{
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float dx = x - 80.0f, dy = y - 60.0f, r2 = dx * dx + dy * dy;
            float mx = x - (-24.0f + 4.2f * t), my = y - 60.0f;
            int ring = r2 >= 10.0f * 10.0f && r2 <= 18.0f * 18.0f;
            int bar = x >= 102 && x < 112 && y >= 45 && y < 75;
            int square = x >= 28 && x < 44 && y >= 50 && y < 70;
            unsigned hsh = (unsigned)x * 73856093u ^ (unsigned)y * 19349663u ^
                           (unsigned)t * 83492791u;
            float noise = (float)((hsh >> 7) % 7) - 3.0f;
            for (int c = 0; c < 3; c++) {
                float v = 60.0f + 0.5f * x + 0.3f * y + 10.0f * c + noise;
                if (mx * mx + my * my <= 20.0f * 20.0f && !square)
                    v = 200.0f - 30.0f * c + noise;
                if (overlay && ring)
                    v = c == 0 ? 220.0f : 40.0f;
                if (overlay && bar) /* as grey as the scene around it, in colour */
                    v = c == 0 ? 230.0f : c == 1 ? 110.0f : 60.0f;
                vn_image_row(img, y)[x * 3 + c] = (uint8_t)VNI_CLAMP(v, 0.0f, 255.0f);
            }
            if (truth)
                vn_image_row(truth, y)[x] = (ring || bar) ? 255 : 0;
        }
}

/* Detection of an opaque overlay over a still scene that changes only once, as a disk passes:
 * the overlay is exactly constant, the scene (the square in front of the disk too) carries its
 * noise. The proposal matches the overlay (IoU >= 0.8); without the overlay nothing is proposed. */
static void detect_still(void **state)
{
    VnImage *img, *mask, *truth;
    (void)state;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&mask, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&truth, FW, FH, 1, VN_U8), 0);
    for (int with = 0; with < 2; with++) {
        VnOverlayDetector *d;
        int64_t inter = 0, uni = 0, n, square = 0;
        assert_int_equal(vn_overlay_detector_open(ctx, &d, FW, FH), 0);
        for (int t = 0; t < NF; t++) {
            still_frame(img, t, with, truth);
            assert_int_equal(vn_overlay_detector_add(d, img), 0);
        }
        n = vn_overlay_detector_propose(d, mask);
        for (int y = 0; y < FH; y++)
            for (int x = 0; x < FW; x++) {
                int a = vn_image_row(mask, y)[x] != 0, b = vn_image_row(truth, y)[x] != 0;
                inter += a && b;
                uni += a || b;
                square += a && x >= 28 && x < 44 && y >= 50 && y < 70;
            }
        print_message("still scene, overlay %d: %lld pixels proposed, IoU %.3f\n", with,
                      (long long)n, uni ? (double)inter / uni : 0.0);
        if (with) {
            assert_true((double)inter / uni >= 0.8);
            assert_int_equal(square, 0);
        } else {
            assert_int_equal(n, 0);
        }
        vn_overlay_detector_free(&d);
    }
    vn_image_free(&img);
    vn_image_free(&mask);
    vn_image_free(&truth);
}

/* Pixels of the internal detector's proposal from NF frames of scene (still_frame with the
 * overlay, or make_frame's semi-transparent one over moving waves), and of its constant map
 * (255 only) inside the truth and in all. */
static void constant_map(int still, int64_t *n, int64_t *n_const, int64_t *in_truth)
{
    VniOverlayDetect *d;
    VnImage *img, *mask, *cmap, *truth;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&mask, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&cmap, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&truth, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vni_overlay_detect_open(ctx, &d, FW, FH), 0);
    use_waves = 1;
    for (int t = 0; t < NF; t++) {
        if (still)
            still_frame(img, t, 1, truth);
        else
            make_frame(img, t, 1);
        assert_int_equal(vni_overlay_detect_add(d, img), 0);
    }
    *n = vni_overlay_detect_propose(d, mask);
    assert_true(vni_overlay_detect_opaque(d, cmap) >= 0);
    *n_const = *in_truth = 0;
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++)
            if (vn_image_row(cmap, y)[x] == 255) {
                assert_int_not_equal(vn_image_row(mask, y)[x], 0);
                (*n_const)++;
                *in_truth += vn_image_row(truth, y)[x] != 0;
            }
    vni_overlay_detect_free(&d);
    vn_image_free(&img);
    vn_image_free(&mask);
    vn_image_free(&cmap);
    vn_image_free(&truth);
}

/* The detector's constant map (what vn_overlay_detect_file keeps whatever α says): most of an
 * opaque overlay over a still scene, all of it on the overlay; almost nothing of a
 * semi-transparent one over a moving picture (α decides there). */
static void constant_parts(void **state)
{
    int64_t n, n_const, in_truth;
    (void)state;
    constant_map(1, &n, &n_const, &in_truth);
    print_message("opaque over a still scene: %lld proposed, %lld constant (%lld on it)\n",
                  (long long)n, (long long)n_const, (long long)in_truth);
    assert_true(n > 0 && n_const >= n / 2 && in_truth == n_const);
    constant_map(0, &n, &n_const, &in_truth);
    print_message("semi-transparent over waves: %lld proposed, %lld constant\n", (long long)n,
                  (long long)n_const);
    assert_true(n > 0 && n_const <= n / 20);
}

/* A panel with a dark ring in front of the picture, carrying the camera's noise in frame t. */
static void sign_panel(VnImage *img, int t)
{
    for (int y = 40; y < 80; y++)
        for (int x = 60; x < 110; x++) {
            float dx = x - 85.0f, dy = y - 60.0f, r2 = dx * dx + dy * dy;
            unsigned hsh = (unsigned)x * 73856093u ^ (unsigned)y * 19349663u ^
                           (unsigned)t * 83492791u;
            float v = (r2 >= 7.0f * 7.0f && r2 <= 13.0f * 13.0f ? 40.0f : 210.0f) +
                      (float)((hsh >> 7) % 7) - 3.0f;
            for (int c = 0; c < 3; c++)
                vn_image_row(img, y)[x * 3 + c] = (uint8_t)v;
        }
}

/* A sign in front of a moving picture keeps its edges while the picture around it changes, like
 * an overlay, but it hides the picture instead of letting it through and is not constant:
 * nothing is proposed (the detector before the pass-through test proposed 2000 pixels). */
static void sign_not_overlay(void **state)
{
    (void)state;
    propose_nothing(sign_panel, "sign in front of a moving picture");
}

/* Bad arguments fail cleanly. */
static void bad_args(void **state)
{
    VnImage *region;
    VnOverlayEstimator *e = (VnOverlayEstimator *)1;
    VnOverlaySettings s;
    VnImage *a, *c;
    (void)state;
    vn_overlay_default_settings(&s);
    assert_int_equal(vn_image_alloc(&region, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vn_overlay_estimator_open(ctx, &e, region, &s), -EINVAL);
    assert_null(e);
    make_region(region);
    s.opaque_hi = 0.5f;
    assert_int_equal(vn_overlay_estimator_open(ctx, &e, region, &s), -EINVAL);
    vn_overlay_default_settings(&s);
    assert_int_equal(vn_overlay_estimator_open(ctx, &e, region, &s), 0);
    assert_int_equal(vn_overlay_estimator_add(e, region), -EINVAL);
    assert_int_equal(vn_overlay_estimator_solve(e, &a, &c), -EINVAL);
    assert_null(a);
    vn_overlay_estimator_free(&e);
    vn_overlay_estimator_free(&e);
    vn_image_free(&region);
}

/* The overlay estimated from 20 copies of one frame img inside region, into alpha and color,
 * and taken off img. */
static void remove_still(VnImage *img, const VnImage *region, VnImage **alpha, VnImage **color)
{
    VniOverlayEst *e;
    VnOverlaySettings s;
    assert_int_equal(vni_overlay_est_open(ctx, &e, region, 20), 0);
    for (int t = 0; t < 20; t++)
        assert_int_equal(vni_overlay_accumulate(e, img), 0);
    assert_int_equal(vni_overlay_solve(e, alpha, color), 0);
    vni_overlay_est_free(&e);
    vn_overlay_default_settings(&s);
    assert_int_equal(vn_overlay_remove_image(ctx, img, *alpha, *color, &s), 0);
}

/* The picture under the overlay never moves (only its variation in space tells α) and the region
 * is drawn 3 pixels larger than the overlay: the estimate must neither call the overlay opaque
 * nor let the picture around it pull α down, and un-blending must give the picture back. */
static void unblend_still_grown(void **state)
{
    VnImage *img, *clean, *truth, *region, *alpha, *color;
    double ea = 0.0, se = 0.0, se_band = 0.0;
    int64_t n = 0, leak = 0, n_band = 0;
    (void)state;
    use_waves = 0;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&clean, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&truth, FW, FH, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&region, FW, FH, 1, VN_U8), 0);
    make_region(truth);
    assert_int_equal(vni_mask_dilate(ctx, region, truth, 3), 0);
    make_frame(img, 0, 1);
    remove_still(img, region, &alpha, &color);
    make_frame(clean, 0, 0);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3], a = overlay_at(x, y, w), ga = ((float *)vn_image_row(alpha, y))[x];
            if (a <= 0.0f) {
                for (int c = 0; c < 3 && vn_image_row(region, y)[x]; c++) {
                    double d = vn_image_row(img, y)[x * 3 + c] - vn_image_row(clean, y)[x * 3 + c];
                    se_band += d * d;
                    n_band++;
                }
                leak += ga > 0.08f;
                continue;
            }
            ea += fabsf(ga - a);
            for (int c = 0; c < 3; c++) {
                double d = vn_image_row(img, y)[x * 3 + c] - vn_image_row(clean, y)[x * 3 + c];
                se += d * d;
            }
            n++;
        }
    print_message("still picture, region grown by 3: mean |α error| %.4f, %lld of the band's %lld "
                  "pixels of picture with α > 0.08, rms error un-blended %.2f (overlay) %.2f "
                  "(band)\n", ea / n, (long long)leak, (long long)(n_band / 3),
                  sqrt(se / (3.0 * n)), sqrt(se_band / n_band));
    assert_true(ea / n < 0.03);
    assert_true(sqrt(se / (3.0 * n)) < 4.0);
    assert_true(sqrt(se_band / n_band) < 4.0); /* 4.55 before the ring test, 2.73 with it */
    assert_true(leak < 250); /* 479 before the ring test peeled over still pictures, 154 with it */
    vn_image_free(&img);
    vn_image_free(&clean);
    vn_image_free(&truth);
    vn_image_free(&region);
    vn_image_free(&alpha);
    vn_image_free(&color);
}

/* A uniform hash of pixel (x, y) and channel c in [-0.5, 0.5]. */
static float hash_unit(int x, int y, int c)
{
    uint32_t h = (uint32_t)x * 73856093u ^ (uint32_t)y * 19349663u ^ (uint32_t)c * 83492791u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return (float)(h & 1023) / 1023.0f - 0.5f;
}

/* A still picture of fine texture (grass, gravel: the hash blurred over 3x3 pixels) under a slow
 * change of light: channel c at (x, y). */
static float grain(int x, int y, int c)
{
    float v = 0.0f;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            v += hash_unit(x + dx, y + dy, c);
    return 100.0f + 20.0f * c + 0.4f * x - 0.3f * y + 40.0f * v / 3.0f;
}

/* A gradient ring at opacity 0.6 over a still picture: α at (x, y), W in w. */
static float gradient_at(int x, int y, float w[3])
{
    float dx = x - 60.0f, dy = y - 60.0f, r2 = dx * dx + dy * dy, u = (x - 30) / 60.0f;
    float v = (y - 30) / 60.0f;
    w[0] = 30.0f + 190.0f * u;
    w[1] = 90.0f + 100.0f * v;
    w[2] = 230.0f - 190.0f * u;
    return r2 <= 30.0f * 30.0f && r2 >= 12.0f * 12.0f ? 0.6f : 0.0f;
}

/* Over a still picture the frames tell no more than one picture: a gradient overlay's W and α
 * are fitted from the region's own pixels (overlay_still.c). Before, W was left flat over the
 * ring and α at 0.84 (true 0.6): rms error of the picture given back 14.59, mean |W error| 12.3;
 * 4.85 and 6.6 when written. */
static void gradient_still(void **state)
{
    VnImage *img, *clean, *region, *alpha, *color;
    double se = 0.0, ew = 0.0;
    int64_t n = 0;
    (void)state;
    use_waves = 0;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&clean, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&region, FW, FH, 1, VN_U8), 0);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3], a = gradient_at(x, y, w);
            vn_image_row(region, y)[x] = a > 0.0f ? 255 : 0;
            for (int c = 0; c < 3; c++) {
                float j = grain(x, y, c);
                vn_image_row(clean, y)[x * 3 + c] = (uint8_t)VNI_CLAMP(j + 0.5f, 0.0f, 255.0f);
                vn_image_row(img, y)[x * 3 + c] =
                    (uint8_t)VNI_CLAMP(a * w[c] + (1.0f - a) * j + 0.5f, 0.0f, 255.0f);
            }
        }
    remove_still(img, region, &alpha, &color);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3];
            const float *gw = (const float *)vn_image_row(color, y) + x * 3;
            if (gradient_at(x, y, w) <= 0.0f)
                continue;
            for (int c = 0; c < 3; c++) {
                double d = vn_image_row(img, y)[x * 3 + c] - vn_image_row(clean, y)[x * 3 + c];
                se += d * d;
                ew += fabsf(gw[c] - w[c]);
            }
            n++;
        }
    print_message("gradient over a still picture: rms error un-blended %.2f, mean |W error| %.2f\n",
                  sqrt(se / (3.0 * n)), ew / (3.0 * n));
    assert_true(sqrt(se / (3.0 * n)) < 7.0);
    assert_true(ew / (3.0 * n) < 9.0);
    vn_image_free(&img);
    vn_image_free(&clean);
    vn_image_free(&region);
    vn_image_free(&alpha);
    vn_image_free(&color);
}

/* The pooling solve (vni_overlay_smooth: conjugate gradients with the aggregation multigrid of
 * overlay_amg.c) on a mask of two parts and a hole, with links cut along lines and data on a
 * sparse set of pixels: the residual of the normal equations, computed here in double, is small,
 * with and without fixed outside values, and pixels outside the mask are left alone. */
static void smooth_solve(void **state)
{
    enum { W = 61, H = 47 };
    static float x[W * H], d[W * H], w[W * H], gx[W * H], gy[W * H];
    static uint8_t m[W * H];
    uint32_t seed = 12345;
    (void)state;
    for (int i = 0; i < W * H; i++) {
        int xx = i % W, yy = i / W;
        float u;
        seed = seed * 1664525u + 1013904223u;
        u = (float)(seed >> 8) / 16777216.0f;
        m[i] = (xx > 2 && xx < 28 && yy > 3 && yy < 40 && !(xx > 10 && xx < 16 && yy > 12 && yy < 20)) ||
               (xx > 33 && xx < 58 && yy > 5);
        d[i] = 255.0f * u;
        w[i] = u < 0.1f ? 1.0f : 0.0f;
        gx[i] = xx % 9 == 4 ? 1e-4f : 0.2f + u;
        gy[i] = yy % 7 == 3 ? 1e-4f : 1.2f - u;
        x[i] = -1.0f;
    }
    for (int outside = 0; outside < 2; outside++) {
        double r2 = 0.0, b2 = 0.0;
        const float lambda = outside ? 20.0f : 1000.0f, ov = 50.0f;
        assert_int_equal(vni_overlay_smooth(x, d, w, gx, gy, m, W, H, lambda, outside, ov), 0);
        for (int i = 0; i < W * H; i++) {
            int xx = i % W, yy = i / W;
            double r = -(double)w[i] * d[i], b = w[i] * d[i];
            int q[4] = {i + 1, i - 1, i + W, i - W};
            float g[4] = {xx + 1 < W ? gx[i] : 0, xx > 0 ? gx[i - 1] : 0, yy + 1 < H ? gy[i] : 0,
                          yy > 0 ? gy[i - W] : 0};
            if (!m[i]) {
                assert_true(x[i] == -1.0f);
                continue;
            }
            r += ((double)w[i] + 1e-6) * x[i];
            for (int k = 0; k < 4; k++) {
                if (g[k] <= 0.0f)
                    continue;
                if (m[q[k]])
                    r += (double)lambda * g[k] * (x[i] - x[q[k]]);
                else if (outside) {
                    r += (double)lambda * g[k] * (x[i] - ov);
                    b += (double)lambda * g[k] * ov;
                }
            }
            r2 += r * r;
            b2 += b * b;
        }
        printf("smooth (outside %d): relative residual %.2g\n", outside, sqrt(r2 / b2));
        assert_true(sqrt(r2 / b2) < 2e-3); /* float: the Jacobi-preconditioned CG had 4e-3 */
    }
}

/* A frame as decoded from 4:2:0 video, in place: its luma kept, its chroma (R, B less the luma)
 * taken once per 2x2 block at even coordinates, with the taps k over the 4 pixels from one before
 * the block to one after in each direction, and repeated over the block. */
static void subsample_chroma_taps(VnImage *img, const float k[4])
{
    static float d[FH][FW][2];
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            const uint8_t *p = vn_image_row(img, y) + x * 3;
            float l = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
            d[y][x][0] = p[0] - l;
            d[y][x][1] = p[2] - l;
        }
    for (int by = 0; by < FH; by += 2)
        for (int bx = 0; bx < FW; bx += 2) {
            float c[2] = {0.0f, 0.0f};
            for (int j = 0; j < 4; j++)
                for (int i = 0; i < 4; i++) {
                    int yy = VNI_CLAMP(by - 1 + j, 0, FH - 1), xx = VNI_CLAMP(bx - 1 + i, 0, FW - 1);
                    c[0] += k[j] * k[i] * d[yy][xx][0];
                    c[1] += k[j] * k[i] * d[yy][xx][1];
                }
            for (int q = 0; q < 4; q++) {
                uint8_t *p = vn_image_row(img, by + q / 2) + (bx + q % 2) * 3;
                float l = 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
                float r = l + c[0], b = l + c[1], g = (l - 0.299f * r - 0.114f * b) / 0.587f;
                p[0] = (uint8_t)VNI_CLAMP(r + 0.5f, 0.0f, 255.0f);
                p[1] = (uint8_t)VNI_CLAMP(g + 0.5f, 0.0f, 255.0f);
                p[2] = (uint8_t)VNI_CLAMP(b + 0.5f, 0.0f, 255.0f);
            }
        }
}

/* 4:2:0 chroma as the mean of each block. */
static void subsample_chroma(VnImage *img)
{
    static const float k[4] = {0.0f, 0.5f, 0.5f, 0.0f};
    subsample_chroma_taps(img, k);
}

/* 4:2:0 chroma as an encoder's conversion filters it (as ffmpeg's yuv420p does, over ±2 pixels
 * of a block) and vanish's decoder gives it back: low-passed by (1, 3, 3, 1)/8. */
static void subsample_chroma_filtered(VnImage *img)
{
    static const float k[4] = {0.125f, 0.375f, 0.375f, 0.125f};
    subsample_chroma_taps(img, k);
}

/* The true α and W of the overlay (overlay_at) as new images. */
static void true_overlay(VnImage **alpha, VnImage **color)
{
    assert_int_equal(vn_image_alloc(alpha, FW, FH, 1, VN_F32), 0);
    assert_int_equal(vn_image_alloc(color, FW, FH, 3, VN_F32), 0);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++)
            ((float *)vn_image_row(*alpha, y))[x] =
                overlay_at(x, y, (float *)vn_image_row(*color, y) + x * 3);
}

/* Squared error against clean over the overlay, after un-blending img with the true α and W. */
static double unblend_error(VnImage *img, const VnImage *clean, const VnImage *alpha,
                            const VnImage *color, VnImage *hole)
{
    VniOverlayApplyParams p;
    vni_overlay_apply_default_params(&p);
    assert_true(vni_overlay_unblend(ctx, img, alpha, color, &p, hole) >= 0);
    return overlay_se(img, clean, NULL);
}

/* Squared error against clean over the overlay of the per-pixel inversion of the blend in img. */
static double inversion_error(const VnImage *img, const VnImage *clean)
{
    double se = 0.0;
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3], a = overlay_at(x, y, w);
            if (a <= 0.0f)
                continue;
            for (int c = 0; c < 3; c++) {
                float v = (vn_image_row(img, y)[x * 3 + c] - a * w[c]) / (1.0f - a);
                double d = VNI_CLAMP(v, 0.0f, 255.0f) - vn_image_row(clean, y)[x * 3 + c];
                se += d * d;
            }
        }
    return se;
}

/* The estimator's decision that the frames are 4:2:0 travels with α (the ring round the region
 * at VNI_OVERLAY_RING): a frame whose own chroma is of full resolution is un-blended as 4:2:0
 * when α carries the ring (which costs it: the chroma taken over 2x2 blocks at the overlay's
 * edges), as of full resolution when it does not. α gets the ring. */
static void half_marked(VnImage *alpha, const VnImage *color, VnImage *img, const VnImage *clean,
                        VnImage *hole)
{
    double se_plain, se_marked;
    make_frame(img, 7, 1);
    se_plain = unblend_error(img, clean, alpha, color, hole);
    for (int y = 1; y + 1 < FH; y++) /* the ring: 8-neighbours of the overlay */
        for (int x = 1; x + 1 < FW; x++) {
            float *a = (float *)vn_image_row(alpha, y) + x;
            for (int d = 0; d < 9 && *a == 0.0f; d++) {
                const float *b = (const float *)vn_image_row(alpha, y - 1 + d / 3) + x - 1 + d % 3;
                if (*b > VNI_OVERLAY_RING)
                    *a = VNI_OVERLAY_RING;
            }
        }
    make_frame(img, 7, 1);
    se_marked = unblend_error(img, clean, alpha, color, hole);
    print_message("full-chroma frame, true alpha and W: squared error %.0f, %.0f with alpha "
                  "marked 4:2:0\n", se_plain, se_marked);
    assert_true(se_marked > 2.0 * se_plain);
}

/* A frame whose chroma has half the resolution is recognised as such (and a full one is not),
 * and its un-blending takes the chroma of the blend as averaged over 2x2 blocks: with the true
 * α and W, the error at the coloured ring's edges is far below the per-pixel inversion's (the
 * un-blending also smooths the amplified noise, which the inversion does not; and the band at
 * the region's edge, which on this rough picture costs some: squared error 48959 without that
 * smoothing, 89128 with it, the inversion's 896846). */
static void unblend_half_chroma(void **state)
{
    VnImage *alpha, *color, *img, *clean, *hole;
    double se_half, se_full;
    (void)state;
    use_waves = 1;
    true_overlay(&alpha, &color);
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&clean, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&hole, FW, FH, 1, VN_U8), 0);
    make_frame(clean, 7, 0);
    make_frame(img, 7, 1);
    assert_false(vni_overlay_half_chroma(vn_image_row(img, 0), (size_t)img->stride, 0, 0, FW, FH));
    make_frame(img, 7, 1);
    subsample_chroma(img);
    se_full = inversion_error(img, clean);
    assert_true(vni_overlay_half_chroma(vn_image_row(img, 0), (size_t)img->stride, 0, 0, FW, FH));
    /* told the wrong parity (its crop starting at x = 1 said to start at 0), it is not */
    assert_false(vni_overlay_half_chroma(vn_image_row(img, 0) + 3, (size_t)img->stride, 0, 0,
                                         FW - 1, FH));
    se_half = unblend_error(img, clean, alpha, color, hole);
    assert_true(se_half < 0.5 * se_full);
    print_message("4:2:0 frame, true alpha and W: squared error un-blended %.0f (per-pixel "
                  "inversion %.0f)\n", se_half, se_full);
    half_marked(alpha, color, img, clean, hole);
    vn_image_free(&alpha);
    vn_image_free(&color);
    vn_image_free(&img);
    vn_image_free(&clean);
    vn_image_free(&hole);
}

/*
 * The estimate from frames as decoded from 4:2:0 video (subsample_chroma_filtered; a smooth
 * picture panning fast): the opacity within 0.02 of the truth over each part of the overlay on
 * average and, 2 pixels or more inside its edge, at every pixel; W within 3 grey levels there
 * on average. Before (the region grown by a pixel for 4:2:0, samples next to the edge), the
 * orange ring's α came out 0.087 low on average and its W 7.1 grey levels off. With the region
 * drawn 3 pixels larger than the overlay, α on average within 0.1 (ring -0.070; -0.296 when the
 * region was peeled with the samples away from the edge, which reach the overlay and keep the
 * picture round it in the region).
 */
static void estimate_half_chroma_grown(int grown)
{
    VnImage *img = NULL, *region = NULL, *alpha, *color, *inner = NULL, *outer = NULL;
    VniOverlayEst *e;
    double sa[2] = {0.0, 0.0}, sw[2] = {0.0, 0.0}, n[2] = {0.0, 0.0};
    float ea = 0.0f;
    use_waves = 2;
    assert_true(vn_image_alloc(&region, FW, FH, 1, VN_U8) == 0 &&
                vn_image_alloc(&outer, FW, FH, 1, VN_U8) == 0 &&
                vn_image_alloc(&inner, FW, FH, 1, VN_U8) == 0);
    make_region(region);
    for (int y = 0; y < FH; y++) /* inner: the region less 2 pixels at its edge */
        for (int x = 0; x < FW; x++)
            vn_image_row(outer, y)[x] = vn_image_row(region, y)[x] ? 0 : 255;
    assert_int_equal(vni_mask_dilate(ctx, inner, outer, 2), 0);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++)
            vn_image_row(inner, y)[x] = vn_image_row(inner, y)[x] ? 0 : 255;
    if (grown) { /* the region drawn larger than the overlay */
        for (int y = 0; y < FH; y++)
            memcpy(vn_image_row(outer, y), vn_image_row(region, y), FW);
        assert_int_equal(vni_mask_dilate(ctx, region, outer, grown), 0);
    }
    vn_image_free(&outer);
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vni_overlay_est_open(ctx, &e, region, 200), 0);
    for (int t = 0; t < NF; t++) {
        make_frame(img, t, 1);
        subsample_chroma_filtered(img);
        assert_int_equal(vni_overlay_accumulate(e, img), 0);
    }
    assert_int_equal(vni_overlay_solve(e, &alpha, &color), 0);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float w[3], a = overlay_at(x, y, w), ga = ((float *)vn_image_row(alpha, y))[x];
            const float *gw = (const float *)vn_image_row(color, y) + x * 3;
            int part = a < 0.4f;
            if (a <= 0.0f)
                continue;
            sa[part] += ga - a;
            n[part] += 1.0;
            if (!vn_image_row(inner, y)[x])
                continue;
            ea = fmaxf(ea, fabsf(ga - a));
            for (int c = 0; c < 3; c++)
                sw[part] += fabsf(gw[c] - w[c]) / 3.0;
        }
    for (int k = 0; k < 2; k++) {
        sa[k] /= n[k];
        sw[k] /= n[k];
    }
    print_message("4:2:0 frames, region grown by %d: mean alpha error ring %+.4f bar %+.4f, max inside %.4f; mean W "
                  "error ring %.2f bar %.2f\n", grown, sa[0], sa[1], ea, sw[0], sw[1]);
    if (grown) { /* not yet to the bar: the chroma spread just outside keeps some picture in */
        assert_true(fabs(sa[0]) <= 0.1 && fabs(sa[1]) <= 0.1);
    } else {
        assert_true(fabs(sa[0]) <= 0.02 && fabs(sa[1]) <= 0.02 && ea <= 0.02f);
        assert_true(sw[0] <= 3.0 && sw[1] <= 3.0);
    }
    vni_overlay_est_free(&e);
    vn_image_free(&img);
    vn_image_free(&region);
    vn_image_free(&inner);
    vn_image_free(&alpha);
    vn_image_free(&color);
}

static void estimate_half_chroma(void **state)
{
    (void)state;
    estimate_half_chroma_grown(0);
    estimate_half_chroma_grown(3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimate_known),
        cmocka_unit_test(unblend_known),
        cmocka_unit_test(detect),
        cmocka_unit_test(letterbox),
        cmocka_unit_test(detect_still),
        cmocka_unit_test(sign_not_overlay),
        cmocka_unit_test(constant_parts),
        cmocka_unit_test(bad_args),
        cmocka_unit_test(unblend_still_grown),
        cmocka_unit_test(gradient_still),
        cmocka_unit_test(smooth_solve),
        cmocka_unit_test(unblend_half_chroma),
        cmocka_unit_test(estimate_half_chroma),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
