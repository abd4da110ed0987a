/* The temporal fill engine on synthetic scenes with a known background. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inpaint/window.h"

#define W 160
#define H 96
#define N 48

/* A textured background, defined everywhere, so that shifted views are exact. */
static uint8_t texture(int x, int y, int c)
{
    double v = 128 + 40 * sin(x * 0.31 + c) * cos(y * 0.23) + 30 * sin((x + 2 * y) * 0.11 + 2 * c) +
               20 * cos((3 * x - y) * 0.07);
    unsigned h = (unsigned)(x * 73856093u) ^ (unsigned)(y * 19349663u) ^ (unsigned)(c * 83492791u);
    v += (double)(h % 17) - 8.0;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

typedef struct Run {
    VnImage *truth[N], *frame[N], *mask[N];
    int emitted[N], order_ok, next;
} Run;

static int emit(void *opaque, void *user, const VnImage *mask)
{
    Run *r = opaque;
    int t = (int)(intptr_t)user - 1;
    (void)mask;
    if (t != r->next)
        r->order_ok = 0;
    r->next = t + 1;
    r->emitted[t] = 1;
    return 0;
}

static void release(void *opaque, void *user)
{
    (void)opaque;
    (void)user;
}

/* Frame t: the background seen through a camera panning (2, 1) px per frame; a static opaque
 * logo over it (mask_kind 0), or no mask (1), or everything masked (2). */
static void make_frame(Run *r, int t, int mask_kind)
{
    assert_int_equal(vn_image_alloc(&r->truth[t], W, H, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&r->frame[t], W, H, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&r->mask[t], W, H, 1, VN_U8), 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int logo = x >= 60 && x < 90 && y >= 36 && y < 56;
            int m = mask_kind == 2 || (mask_kind == 0 && logo);
            for (int c = 0; c < 3; c++) {
                uint8_t v = texture(x + 2 * t, y + t, c);
                vn_image_row(r->truth[t], y)[3 * x + c] = v;
                vn_image_row(r->frame[t], y)[3 * x + c] = logo && mask_kind == 0 ? 250 : v;
            }
            vn_image_row(r->mask[t], y)[x] = (uint8_t)m;
        }
}

static double mean_err_in(const Run *r, int t, int x0, int y0, int x1, int y1)
{
    double e = 0;
    int n = 0;
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            for (int c = 0; c < 3; c++, n++)
                e += abs(vn_image_row(r->frame[t], y)[3 * x + c] - vn_image_row(r->truth[t], y)[3 * x + c]);
    return e / n;
}

static void run_window(Run *r, int window)
{
    VnSettings cs;
    VnContext *ctx;
    VnInpaintSettings s;
    VniWindow *w;
    vn_default_settings(&cs);
    cs.n_threads = 2;
    assert_int_equal(vn_open(&ctx, &cs), 0);
    vn_inpaint_default_settings(&s);
    s.method = VN_INPAINT_FILL;
    s.window = window;
    r->order_ok = 1;
    assert_int_equal(vni_window_open(ctx, &w, W, H, &s, emit, release, r), 0);
    for (int t = 0; t < N; t++)
        assert_int_equal(vni_window_push(w, r->frame[t], (void *)(intptr_t)(t + 1), r->mask[t]), 0);
    assert_int_equal(vni_window_flush(w), 0);
    vni_window_close(&w);
    assert_null(w);
    vn_close(&ctx);
    for (int t = 0; t < N; t++)
        assert_true(r->emitted[t]);
    assert_true(r->order_ok);
}

static void free_run(Run *r)
{
    for (int t = 0; t < N; t++) {
        vn_image_free(&r->truth[t]);
        vn_image_free(&r->frame[t]);
        vn_image_free(&r->mask[t]);
    }
}

/* The background moves under a static logo: every hidden pixel is seen in other frames, and
 * must come back within 2 grey levels on average (3 on any frame), steadily across window
 * borders (three windows). */
static void moving_background_recovered(void **state)
{
    Run r;
    double worst = 0, jump = 0, mean = 0;
    (void)state;
    memset(&r, 0, sizeof(r));
    for (int t = 0; t < N; t++)
        make_frame(&r, t, 0);
    run_window(&r, 24);
    for (int t = 0; t < N; t++) {
        double e = mean_err_in(&r, t, 60, 36, 90, 56);
        print_message("frame %2d: mean error in the hole %.2f\n", t, e);
        worst = fmax(worst, e);
        mean += e / N;
    }
    /* temporal steadiness: the fill changes as the truth does, at window borders too */
    for (int t = 1; t < N; t++) {
        double d = 0;
        int n = 0;
        for (int y = 36; y < 56; y++)
            for (int x = 60; x < 90; x++)
                for (int c = 0; c < 3; c++, n++) {
                    int o = vn_image_row(r.frame[t], y)[3 * x + c] - vn_image_row(r.frame[t - 1], y)[3 * x + c];
                    int g = vn_image_row(r.truth[t], y)[3 * x + c] - vn_image_row(r.truth[t - 1], y)[3 * x + c];
                    d += abs(o - g);
                }
        jump = fmax(jump, d / n);
    }
    print_message("mean error %.2f, worst frame %.2f, worst temporal error %.2f\n", mean, worst, jump);
    assert_true(mean <= 2.0);
    assert_true(worst <= 3.0);
    assert_true(jump <= 3.0);
    /* outside the hole nothing changed */
    for (int t = 0; t < N; t++)
        assert_true(mean_err_in(&r, t, 0, 0, W, 30) == 0.0);
    free_run(&r);
}

/* A frame with an empty mask passes unchanged; a frame masked entirely is filled. */
static void empty_and_full_masks(void **state)
{
    Run r;
    (void)state;
    memset(&r, 0, sizeof(r));
    for (int t = 0; t < N; t++)
        make_frame(&r, t, t == 7 ? 1 : t == 15 ? 2 : 0);
    run_window(&r, 8);
    assert_true(mean_err_in(&r, 7, 0, 0, W, H) == 0.0);
    print_message("fully masked frame: mean error %.2f\n", mean_err_in(&r, 15, 0, 0, W, H));
    assert_true(mean_err_in(&r, 15, 0, 0, W, H) < 40.0);
    free_run(&r);
}

static void bad_frames(void **state)
{
    VnSettings cs;
    VnContext *ctx;
    VnInpaintSettings s;
    VniWindow *w;
    VnImage *img, *m;
    Run r;
    (void)state;
    memset(&r, 0, sizeof(r));
    vn_default_settings(&cs);
    assert_int_equal(vn_open(&ctx, &cs), 0);
    vn_inpaint_default_settings(&s);
    assert_int_equal(vni_window_open(ctx, &w, W, H, &s, emit, release, &r), 0);
    assert_int_equal(vn_image_alloc(&img, W + 1, H, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&m, W, H, 1, VN_U8), 0);
    assert_int_equal(vni_window_push(w, img, (void *)1, m), -EINVAL);
    assert_int_equal(vni_window_flush(w), 0);
    vni_window_close(&w);
    vn_image_free(&img);
    vn_image_free(&m);
    vn_close(&ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moving_background_recovered),
        cmocka_unit_test(empty_and_full_masks),
        cmocka_unit_test(bad_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
