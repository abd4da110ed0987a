/* The temporal fill engine on synthetic scenes with a known background. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inpaint/window.h"

#define W 160
#define H 96
#define N 48
/* the wide static hole of the ghost test */
#define GX0 50
#define GX1 110
#define GY0 28
#define GY1 68

/* The texture's extent: the largest scene (static_mask_crop) pans across it. */
#define TEX_W 680
#define TEX_H 380

/* A textured background, defined everywhere, so that shifted views are exact. */
static uint8_t texture_at(int x, int y, int c)
{
    double v = 128 + 40 * sin(x * 0.31 + c) * cos(y * 0.23) + 30 * sin((x + 2 * y) * 0.11 + 2 * c) +
               20 * cos((3 * x - y) * 0.07);
    unsigned h = (unsigned)(x * 73856093u) ^ (unsigned)(y * 19349663u) ^ (unsigned)(c * 83492791u);
    v += (double)(h % 17) - 8.0;
    return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
}

/* The texture, tabulated on first use: the scenes read it tens of millions of times, and
 * under valgrind its sines cost more than the fill. */
static uint8_t texture(int x, int y, int c)
{
    static uint8_t table[TEX_H][TEX_W][3];
    static int ready;
    if (!ready) {
        for (int j = 0; j < TEX_H; j++)
            for (int i = 0; i < TEX_W; i++)
                for (int k = 0; k < 3; k++)
                    table[j][i][k] = texture_at(i, j, k);
        ready = 1;
    }
    if (x < 0 || y < 0 || x >= TEX_W || y >= TEX_H)
        return texture_at(x, y, c);
    return table[y][x][c];
}

typedef struct Run {
    VnImage *truth[N], *frame[N], *mask[N];
    int emitted[N], order_ok, next, mask_size_ok;
} Run;

static int emit(void *opaque, void *user, const VnImage *mask)
{
    Run *r = opaque;
    int t = (int)(intptr_t)user - 1;
    if (mask && (mask->width != r->frame[t]->width || mask->height != r->frame[t]->height))
        r->mask_size_ok = 0;
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

static void run_window_n(Run *r, int window, int n, int is_static)
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
    r->mask_size_ok = 1;
    assert_int_equal(vni_window_open(ctx, &w, r->frame[0]->width, r->frame[0]->height, &s, emit, release, r), 0);
    if (is_static)
        vni_window_static(w);
    for (int t = 0; t < n; t++)
        assert_int_equal(vni_window_push(w, r->frame[t], (void *)(intptr_t)(t + 1), r->mask[t]), 0);
    assert_int_equal(vni_window_flush(w), 0);
    vni_window_close(&w);
    assert_null(w);
    vn_close(&ctx);
    for (int t = 0; t < n; t++)
        assert_true(r->emitted[t]);
    assert_true(r->order_ok);
    assert_true(r->mask_size_ok);
}

static void run_window(Run *r, int window)
{
    run_window_n(r, window, N, 0);
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

/*
 * The scene at world point (X, Y), smooth, with detail at several scales:
 *   128 + 40 sin(0.31 X + c) cos(0.23 Y) + 30 sin(0.11 (X + 2 Y) + 2 c) + 20 cos(0.07 (3 X - Y))
 *   + 14 sin(0.9 X + 0.4 c) sin(0.8 Y + c),
 * a sum of products of a function of X and one of Y (the sines of sums expanded), so that a
 * frame needs sines per column and per row only. WX: the terms of column X, WY: those of row Y.
 */
typedef struct WorldX {
    double a[3], s1[3], c1[3], s3, c3, s4[3];
} WorldX;
typedef struct WorldY {
    double a, s1, c1, s3, c3, s4[3];
} WorldY;

static void world_x(double X, WorldX *w)
{
    for (int c = 0; c < 3; c++) {
        w->a[c] = sin(X * 0.31 + c);
        w->s1[c] = sin(X * 0.11 + 2 * c);
        w->c1[c] = cos(X * 0.11 + 2 * c);
        w->s4[c] = sin(0.9 * X + 0.4 * c);
    }
    w->s3 = sin(X * 0.21);
    w->c3 = cos(X * 0.21);
}

static void world_y(double Y, WorldY *w)
{
    w->a = cos(Y * 0.23);
    w->s1 = sin(Y * 0.22);
    w->c1 = cos(Y * 0.22);
    w->s3 = sin(Y * 0.07);
    w->c3 = cos(Y * 0.07);
    for (int c = 0; c < 3; c++)
        w->s4[c] = sin(0.8 * Y + c);
}

static double world(const WorldX *x, const WorldY *y, int c)
{
    return 128 + 40 * x->a[c] * y->a + 30 * (x->s1[c] * y->c1 + x->c1[c] * y->s1) + 20 * (x->c3 * y->c3 + x->s3 * y->s3) +
           14 * x->s4[c] * y->s4[c];
}

/*
 * Frame t of a camera that zooms in and pans, accelerating (a homography per frame): image
 * (x, y) sees world ((x - 80 + dx) / z + 80, (y - 48 + dy) / z + 48). An object standing in the
 * world (X in [70, 100), Y in [38, 58)) arrives at frame 8 and stays; frames 22 and 23 are
 * hidden entirely (someone walks in front of the lens).
 */
static void make_distant_frame(Run *r, int t)
{
    double z = 1.0 + 0.004 * t, dx = 0.8 * t + 0.02 * t * t, dy = 0.4 * t;
    WorldX wx[W];
    WorldY wy[H];
    assert_int_equal(vn_image_alloc(&r->truth[t], W, H, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&r->frame[t], W, H, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&r->mask[t], W, H, 1, VN_U8), 0);
    for (int x = 0; x < W; x++)
        world_x((x - 80 + dx) / z + 80, &wx[x]);
    for (int y = 0; y < H; y++)
        world_y((y - 48 + dy) / z + 48, &wy[y]);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double X = (x - 80 + dx) / z + 80, Y = (y - 48 + dy) / z + 48;
            int obj = t >= 8 && X >= 70 && X < 100 && Y >= 38 && Y < 58, m = obj || t == 22 || t == 23;
            for (int c = 0; c < 3; c++) {
                double v = world(&wx[x], &wy[y], c);
                uint8_t g = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v + 0.5);
                vn_image_row(r->truth[t], y)[3 * x + c] = g;
                vn_image_row(r->frame[t], y)[3 * x + c] = obj ? 250 : g;
            }
            vn_image_row(r->mask[t], y)[x] = (uint8_t)m;
        }
}

/* Mean error over the pixels of frame t where the object stands (mask set, frame not hidden). */
static double object_error(const Run *r, int t)
{
    double e = 0;
    int64_t n = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            if (!vn_image_row(r->mask[t], y)[x])
                continue;
            for (int c = 0; c < 3; c++, n++)
                e += abs(vn_image_row(r->frame[t], y)[3 * x + c] - vn_image_row(r->truth[t], y)[3 * x + c]);
        }
    return n ? e / (double)n : 0.0;
}

/*
 * Chains cannot reach the content: the object stands still in the world, so after frame 8 only
 * the frames before it saw what it hides, and the hidden frames 22-23 break every chain. Past
 * them, the frames that saw it are out of the window (the long-term memory) or finished
 * anchors, found by homography; each frame past the break must come back within 4 grey levels
 * on average (2.5 over all frames: the zoom magnifies what the early frames saw by up to 16%).
 */
static void distant_frames_recovered(void **state)
{
    Run r;
    double mean = 0, worst = 0;
    int n = 0;
    (void)state;
    memset(&r, 0, sizeof(r));
    for (int t = 0; t < N; t++)
        make_distant_frame(&r, t);
    run_window(&r, 24);
    for (int t = 8; t < N; t++) {
        double e = object_error(&r, t);
        if (t == 22 || t == 23) {
            print_message("frame %2d (hidden): mean error %.2f\n", t, mean_err_in(&r, t, 0, 0, W, H));
            assert_true(mean_err_in(&r, t, 0, 0, W, H) < 20.0);
            continue;
        }
        print_message("frame %2d: mean error under the object %.2f\n", t, e);
        mean += e;
        n++;
        if (t > 23)
            worst = fmax(worst, e);
    }
    mean /= n;
    print_message("mean error %.2f, worst frame past the break %.2f\n", mean, worst);
    assert_true(mean <= 2.5);
    assert_true(worst <= 4.0);
    free_run(&r);
}

/*
 * A static logo on a large frame: the window works on a crop around it, and the fill lands in
 * place. The frame outside the logo is not touched, the hidden background comes back (within
 * 1.5 grey levels; 1.08 here, 1.11 when the whole frame is worked on), and a mask that leaves
 * the crop is refused.
 */
static void static_mask_crop(void **state)
{
    enum { BW = 640, BH = 360, BN = 20 };
    Run r;
    double e = 0;
    VnImage *copy[BN];
    (void)state;
    memset(&r, 0, sizeof(r));
    for (int t = 0; t < BN; t++) {
        assert_int_equal(vn_image_alloc(&r.truth[t], BW, BH, 3, VN_U8), 0);
        assert_int_equal(vn_image_alloc(&r.frame[t], BW, BH, 3, VN_U8), 0);
        assert_int_equal(vn_image_alloc(&r.mask[t], BW, BH, 1, VN_U8), 0);
        for (int y = 0; y < BH; y++)
            for (int x = 0; x < BW; x++) {
                int logo = x >= 400 && x < 440 && y >= 240 && y < 264;
                for (int c = 0; c < 3; c++) {
                    uint8_t v = texture(x + 2 * t, y + t, c);
                    vn_image_row(r.truth[t], y)[3 * x + c] = v;
                    vn_image_row(r.frame[t], y)[3 * x + c] = logo ? 250 : v;
                }
                vn_image_row(r.mask[t], y)[x] = (uint8_t)logo;
            }
        assert_int_equal(vn_image_alloc(&copy[t], BW, BH, 3, VN_U8), 0);
        vn_image_copy(copy[t], r.frame[t]);
    }
    run_window_n(&r, BN, BN, 1);
    for (int t = 0; t < BN; t++) {
        const VnImage *f = r.frame[t];
        for (int y = 0; y < BH; y++)
            for (int x = 0; x < BW; x++) {
                int near = x >= 400 - 4 && x < 440 + 4 && y >= 240 - 4 && y < 264 + 4;
                if (!near)
                    assert_memory_equal(vn_image_row(f, y) + 3 * x, vn_image_row(copy[t], y) + 3 * x, 3);
            }
        for (int y = 240; y < 264; y++)
            for (int x = 400; x < 440; x++)
                for (int c = 0; c < 3; c++)
                    e += abs(vn_image_row(f, y)[3 * x + c] - vn_image_row(r.truth[t], y)[3 * x + c]);
    }
    e /= (double)BN * 40 * 24 * 3;
    print_message("mean error in the hole, on the crop: %.2f\n", e);
    assert_true(e <= 1.5);
    {
        VnSettings cs;
        VnContext *ctx;
        VnInpaintSettings s;
        VniWindow *w;
        vn_default_settings(&cs);
        assert_int_equal(vn_open(&ctx, &cs), 0);
        vn_inpaint_default_settings(&s);
        assert_int_equal(vni_window_open(ctx, &w, BW, BH, &s, emit, release, &r), 0);
        vni_window_static(w);
        r.next = 0;
        assert_int_equal(vni_window_push(w, r.frame[0], (void *)1, r.mask[0]), 0);
        vn_image_row(r.mask[1], 5)[5] = 1; /* far outside the crop */
        assert_int_equal(vni_window_push(w, r.frame[1], (void *)2, r.mask[1]), -EINVAL);
        assert_int_equal(vni_window_flush(w), 0);
        vni_window_close(&w);
        vn_close(&ctx);
    }
    for (int t = 0; t < BN; t++)
        vn_image_free(&copy[t]);
    free_run(&r);
}

/* Frame t of a static grey textured scene (static camera) under a wide static logo, with an
 * orange object that covers the logo's left half, stands still for 16 frames, then moves away
 * to the left at 2.5 px per frame (its edges anti-aliased). */
static void make_ghost_frame(Run *r, int t)
{
    const double left = 20 - 2.5 * VNI_MAX(0, t - 16), right = left + 60;
    assert_int_equal(vn_image_alloc(&r->truth[t], W, H, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&r->frame[t], W, H, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&r->mask[t], W, H, 1, VN_U8), 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int logo = x >= GX0 && x < GX1 && y >= GY0 && y < GY1;
            /* share of the pixel the object covers */
            double a = fmax(0.0, fmin(1.0, fmin(x + 1 - left, right - x))) * (y >= 16 && y < 80);
            double ripple = a > 0 ? 12 * sin((x - left) * 0.5 + y * 0.3) : 0.0;
            for (int c = 0; c < 3; c++) {
                double g = texture(x, y, 0) / 2 + 64;
                double o = (c == 0 ? 210 : c == 1 ? 120 : 20) + ripple;
                uint8_t v = (uint8_t)lrint(a * o + (1 - a) * g);
                vn_image_row(r->truth[t], y)[3 * x + c] = v;
                vn_image_row(r->frame[t], y)[3 * x + c] = logo ? 250 : v;
            }
            vn_image_row(r->mask[t], y)[x] = (uint8_t)logo;
        }
}

/*
 * The ghost of a moving object: once the object has left, nothing of it may stay in the
 * static hole over the static grey scene (the hole's fill was never seen, and what was filled
 * while the object covered part of it is stale), and the fill must stay steady. Measured by
 * the orange in the hole (mean red minus blue; grey: 0) over the last 12 frames, when the
 * object's edge is 20 to 47 px away from the hole.
 */
static void moving_object_leaves_no_ghost(void **state)
{
    Run r;
    double orange = 0, jump = 0;
    const double area = (GX1 - GX0) * (GY1 - GY0);
    (void)state;
    memset(&r, 0, sizeof(r));
    for (int t = 0; t < N; t++)
        make_ghost_frame(&r, t);
    run_window(&r, 24);
    for (int t = N - 12; t < N; t++) {
        double o = 0, d = 0;
        for (int y = GY0; y < GY1; y++)
            for (int x = GX0; x < GX1; x++) {
                const uint8_t *p = vn_image_row(r.frame[t], y) + 3 * x, *q = vn_image_row(r.frame[t - 1], y) + 3 * x;
                o += p[0] - p[2];
                for (int c = 0; c < 3; c++)
                    d += abs(p[c] - q[c]);
            }
        orange = fmax(orange, o / area);
        jump = fmax(jump, d / (area * 3));
    }
    print_message("orange left in the hole %.2f (worst of the last 12 frames), worst change %.2f\n", orange, jump);
    /* 25.5 with the membrane across everything, 9.92 while only invented fills were checked for
     * staleness (the orange seen under the hole was carried on), 0.28 with the carried fill
     * checked against the background at the hole's border */
    assert_true(orange <= 3.0);
    assert_true(jump <= 3.0);
    free_run(&r);
}

/* A cut: the clip opens on a black frame (as Megamind.avi does). What the later frames show
 * under the logo must not be carried across the cut into it (an error of 26 before cuts were
 * found), and the frames after the cut are filled as usual. */
static void cut_is_not_crossed(void **state)
{
    Run r;
    double e;
    (void)state;
    memset(&r, 0, sizeof(r));
    for (int t = 0; t < 12; t++)
        make_frame(&r, t, 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            for (int c = 0; c < 3; c++) {
                vn_image_row(r.truth[0], y)[3 * x + c] = 0;
                if (!vn_image_row(r.mask[0], y)[x])
                    vn_image_row(r.frame[0], y)[3 * x + c] = 0;
            }
    run_window_n(&r, 24, 12, 0);
    e = mean_err_in(&r, 0, 60, 36, 90, 56);
    print_message("black frame before the cut: mean error in the hole %.2f; frame 1: %.2f\n", e,
                  mean_err_in(&r, 1, 60, 36, 90, 56));
    assert_true(e <= 2.0);
    assert_true(mean_err_in(&r, 1, 60, 36, 90, 56) <= 8.0); /* 5.17: the first frame, no past */
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

/* `test_window [PART PARTS]`: only the tests i with i % PARTS == PART, so that the suite can run
 * the halves side by side (under valgrind this file is most of the suite's time). */
int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(moving_background_recovered),
        cmocka_unit_test(empty_and_full_masks),
        cmocka_unit_test(distant_frames_recovered),
        cmocka_unit_test(static_mask_crop),
        cmocka_unit_test(moving_object_leaves_no_ghost),
        cmocka_unit_test(cut_is_not_crossed),
        cmocka_unit_test(bad_frames),
    };
    const size_t n = sizeof(tests) / sizeof(tests[0]);
    struct CMUnitTest part[sizeof(tests) / sizeof(tests[0])];
    size_t k = 0, p = 0, np = 1;
    if (argc == 3) {
        p = strtoul(argv[1], NULL, 10);
        np = strtoul(argv[2], NULL, 10);
    }
    if (np < 1 || p >= np) {
        fprintf(stderr, "usage: %s [PART PARTS]\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < n; i++)
        if (i % np == p)
            part[k++] = tests[i];
    return _cmocka_run_group_tests("window", part, k, NULL, NULL);
}
