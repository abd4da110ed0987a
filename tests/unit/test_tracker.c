/* Mask tracking on synthetic clips: a textured object moving on a textured background, a planar
 * logo moved by a homography (no drift), a static logo (exact keyframe mask), an object that
 * leaves and comes back, two objects with ids, the hand-over, and bad arguments. */
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

#include "track/tracker.h"
#include "vanish/track.h"

#include "test_ctx.h"

/* Smooth value noise in [0, 1) at (u, v), lattice cell `cell`. */
static float hash2(int x, int y, uint32_t seed)
{
    uint32_t h = (uint32_t)x * 374761393u + (uint32_t)y * 668265263u + seed * 2246822519u;
    h = (h ^ (h >> 13)) * 1274126177u;
    return (float)((h ^ (h >> 16)) & 0xffff) / 65536.0f;
}

static float noise(float u, float v, float cell, uint32_t seed)
{
    u /= cell, v /= cell;
    int x = (int)floorf(u), y = (int)floorf(v);
    float a = u - x, b = v - y;
    float p = hash2(x, y, seed) + (hash2(x + 1, y, seed) - hash2(x, y, seed)) * a;
    float q = hash2(x, y + 1, seed) + (hash2(x + 1, y + 1, seed) - hash2(x, y + 1, seed)) * a;
    return p + (q - p) * b;
}

/* A textured colour: base + amplitude * noise, per channel. */
static void texel(uint8_t *o, float u, float v, const float base[3], float amp, uint32_t seed)
{
    float n = noise(u, v, 3.0f, seed) * 0.6f + noise(u, v, 9.0f, seed + 7) * 0.4f;
    for (int c = 0; c < 3; c++)
        o[c] = (uint8_t)VNI_CLAMP(base[c] + amp * (n - 0.5f) * (c == 1 ? 1.3f : 1.0f), 0.0f, 255.0f);
}

static const float BG[3] = {70, 120, 90}, FG[3] = {190, 70, 60}, FG2[3] = {60, 80, 200};

/* An object: an ellipse at (cx, cy), radii (rx, ry), angle a; its texture moves with it. */
typedef struct Ell {
    float cx, cy, rx, ry, a;
} Ell;

static int inside(const Ell *e, float x, float y, float *u, float *v)
{
    float dx = x - e->cx, dy = y - e->cy, c = cosf(e->a), s = sinf(e->a);
    *u = c * dx + s * dy, *v = -s * dx + c * dy;
    return (*u * *u) / (e->rx * e->rx) + (*v * *v) / (e->ry * e->ry) <= 1.0f;
}

/* Render the background (panned by pan) and the objects, with their id mask. */
static void render(VnImage *rgb, VnImage *gt, const Ell *e, int n, float pan)
{
    for (int y = 0; y < rgb->height; y++) {
        uint8_t *p = vn_image_row(rgb, y), *m = vn_image_row(gt, y);
        for (int x = 0; x < rgb->width; x++) {
            float u, v;
            m[x] = 0;
            texel(p + 3 * x, x + pan, (float)y, BG, 90, 1);
            for (int k = 0; k < n; k++)
                if (inside(&e[k], (float)x, (float)y, &u, &v)) {
                    texel(p + 3 * x, u + 100, v + 100, k ? FG2 : FG, 110, 3 + (uint32_t)k);
                    m[x] = (uint8_t)(k + 1);
                }
        }
    }
}

static double iou(const VnImage *a, const VnImage *b, int id)
{
    int64_t i = 0, u = 0;
    for (int y = 0; y < a->height; y++) {
        const uint8_t *p = vn_image_row(a, y), *q = vn_image_row(b, y);
        for (int x = 0; x < a->width; x++) {
            i += p[x] == id && q[x] == id;
            u += p[x] == id || q[x] == id;
        }
    }
    return u ? (double)i / (double)u : 1.0;
}

static int64_t count_id(const VnImage *a, int id)
{
    int64_t n = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++)
            n += vn_image_row(a, y)[x] == id;
    return n;
}

typedef struct Clip {
    VnImage *rgb, *gt, *out;
    VnTracker *t;
} Clip;

static void clip_open(Clip *c, int w, int h)
{
    assert_int_equal(vn_image_alloc(&c->rgb, w, h, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&c->gt, w, h, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&c->out, w, h, 1, VN_U8), 0);
    c->t = NULL;
}

static void clip_close(Clip *c)
{
    vn_tracker_close(&c->t);
    vn_image_free(&c->rgb);
    vn_image_free(&c->gt);
    vn_image_free(&c->out);
}

static Ell moving(int t)
{
    Ell e = {40 + 2.5f * t, 55 + 10 * sinf(t / 8.0f), 24 * (1 + 0.01f * t), 17, 0.03f * t};
    return e;
}

static void deformable_mode(int mode)
{
    Clip c;
    VnTrackSettings s;
    double worst = 1;
    vn_track_default_settings(&s);
    s.mode = mode;
    clip_open(&c, 192, 128);
    Ell e = moving(0);
    render(c.rgb, c.gt, &e, 1, 0);
    assert_int_equal(vn_tracker_open(ctx, &c.t, c.rgb, c.gt, &s), 0);
    for (int t = 1; t < 30; t++) {
        e = moving(t);
        render(c.rgb, c.gt, &e, 1, 0.7f * t);
        assert_int_equal(vn_tracker_step(c.t, c.rgb, c.out), 0);
        worst = fmin(worst, iou(c.out, c.gt, 1));
        if (getenv("TRACK_DEBUG"))
            printf("  t %d IoU %.3f area %ld / %ld\n", t, iou(c.out, c.gt, 1), (long)count_id(c.out, 1), (long)count_id(c.gt, 1));
    }
    printf("deformable (mode %d): worst IoU %.3f\n", mode, worst);
    assert_true(worst >= 0.9);
    clip_close(&c);
}

/* A textured ellipse moving, growing and turning on a panning textured background. */
static void deformable(void **state)
{
    (void)state;
    for (int m = VN_TRACK_AUTO; m <= VN_TRACK_DEFORM; m += VN_TRACK_DEFORM)
        deformable_mode(m);
}

/* The plane's homography at frame t: rotation, scale, shear of perspective, translation. */
static void plane_h(int t, double H[9])
{
    double a = 0.25 * sin(t / 30.0), s = 1 + 0.15 * sin(t / 23.0), px = 0.0003 * sin(t / 17.0);
    double tx = 40 * sin(t / 19.0) + 0.2 * t, ty = 24 * cos(t / 27.0) - 24;
    double cx = 160, cy = 120;
    double R[9] = {s * cos(a), -s * sin(a), 0, s * sin(a), s * cos(a), 0, px, 0, 1};
    double T0[9] = {1, 0, -cx, 0, 1, -cy, 0, 0, 1}, T1[9] = {1, 0, cx + tx, 0, 1, cy + ty, 0, 0, 1};
    vni_homography_mul(R, T0, H);
    vni_homography_mul(T1, H, H);
}

/* The logo: a rounded shape with a hole, in plane coordinates. */
static int logo_at(double u, double v)
{
    double du = u - 160, dv = v - 116;
    int body = fabs(du) < 68 && fabs(dv) < 36;
    int hole = (du - 24) * (du - 24) + dv * dv < 256;
    return body && !hole;
}

static void render_plane(VnImage *rgb, VnImage *gt, const double H[9], int moving_bg)
{
    double Hi[9];
    vni_homography_invert(H, Hi);
    for (int y = 0; y < rgb->height; y++) {
        uint8_t *p = vn_image_row(rgb, y), *m = vn_image_row(gt, y);
        for (int x = 0; x < rgb->width; x++) {
            VniPt q = {(float)x, (float)y};
            vni_homography_apply(moving_bg ? H : Hi, &q, &q, 1);
            if (!moving_bg) {
                m[x] = logo_at(q.x, q.y);
                texel(p + 3 * x, q.x, q.y, m[x] ? FG : BG, m[x] ? 120 : 90, m[x] ? 5 : 1);
            } else {
                /* a static logo over a moving background */
                m[x] = logo_at(x, y);
                texel(p + 3 * x, m[x] ? (float)x : q.x, m[x] ? (float)y : q.y, m[x] ? FG : BG, m[x] ? 120 : 90,
                      m[x] ? 5 : 1);
            }
        }
    }
}

/* A logo on a plane moved by a homography over 100 frames: no drift. */
static void rigid_logo(void **state)
{
    Clip c;
    VnTrackSettings s;
    double H[9], worst = 1, last = 0;
    int rigid = 0;
    (void)state;
    vn_track_default_settings(&s);
    clip_open(&c, 320, 240);
    plane_h(0, H);
    render_plane(c.rgb, c.gt, H, 0);
    assert_int_equal(vn_tracker_open(ctx, &c.t, c.rgb, c.gt, &s), 0);
    for (int t = 1; t < 100; t++) {
        plane_h(t, H);
        render_plane(c.rgb, c.gt, H, 0);
        assert_int_equal(vn_tracker_step(c.t, c.rgb, c.out), 0);
        last = iou(c.out, c.gt, 1);
        worst = fmin(worst, last);
        rigid += vn_tracker_rigid(c.t, 1);
        if (getenv("TRACK_DEBUG"))
            printf("  t %d IoU %.3f rigid %d\n", t, last, vn_tracker_rigid(c.t, 1));
    }
    printf("rigid logo: worst IoU %.3f, last %.3f, rigid on %d of 99 frames\n", worst, last, rigid);
    assert_true(worst >= 0.95);
    assert_true(last >= 0.95);
    assert_int_equal(rigid, 99);
    clip_close(&c);
}

/* A static logo over a moving background keeps the keyframe mask exactly, chosen or forced. */
static void static_logo(void **state)
{
    (void)state;
    for (int mode = VN_TRACK_AUTO; mode <= VN_TRACK_RIGID; mode++) {
        Clip c;
        VnTrackSettings s;
        double H[9];
        vn_track_default_settings(&s);
        s.mode = mode;
        clip_open(&c, 320, 240);
        plane_h(0, H);
        render_plane(c.rgb, c.gt, H, 1);
        assert_int_equal(vn_tracker_open(ctx, &c.t, c.rgb, c.gt, &s), 0);
        for (int t = 1; t < 20; t++) {
            plane_h(t, H);
            render_plane(c.rgb, c.gt, H, 1);
            assert_int_equal(vn_tracker_step(c.t, c.rgb, c.out), 0);
            if (getenv("TRACK_DEBUG"))
                printf("  mode %d t %d IoU %.4f rigid %d\n", mode, t, iou(c.out, c.gt, 1), vn_tracker_rigid(c.t, 1));
            for (int y = 0; y < c.gt->height; y++)
                assert_memory_equal(vn_image_row(c.out, y), vn_image_row(c.gt, y), (size_t)c.gt->width);
        }
        clip_close(&c);
    }
}

/* A flat-coloured logo of thin rings (like the demo's OpenCV logo): its only corners are on
 * edges against the background. */
static int rings_at(int x, int y)
{
    static const int c[3][2] = {{160, 80}, {140, 112}, {180, 112}};
    for (int k = 0; k < 3; k++) {
        int dx = x - c[k][0], dy = y - c[k][1], d2 = dx * dx + dy * dy;
        if (d2 <= 14 * 14 && d2 >= 7 * 7 && !(dy > 0 && abs(dx) < 4))
            return k + 1;
    }
    return y >= 134 && y < 146 && x >= 130 && x < 190 && (x - 130) % 8 < 2;
}

/* A static white watermark of rings at half opacity over a textured background moved by a
 * homography (the picture shows through it), tracked with the default and deformable modes: held
 * still at its keyframe mask (still.c) on every frame, where the carried mask would follow the
 * picture under it. */
static void semi_logo(void **state)
{
    (void)state;
    for (int mode = VN_TRACK_AUTO; mode <= VN_TRACK_DEFORM; mode++) {
        Clip c;
        VnTrackSettings s;
        vn_track_default_settings(&s);
        s.mode = mode;
        clip_open(&c, 320, 240);
        for (int t = 0; t < 20; t++) {
            double H[9];
            plane_h(t, H);
            for (int y = 0; y < 240; y++) {
                uint8_t *p = vn_image_row(c.rgb, y), *m = vn_image_row(c.gt, y);
                for (int x = 0; x < 320; x++) {
                    VniPt q = {(float)x, (float)y};
                    vni_homography_apply(H, &q, &q, 1);
                    texel(p + 3 * x, q.x, q.y, BG, 90, 1);
                    m[x] = rings_at(x, y) ? 1 : 0;
                    for (int k = 0; m[x] && k < 3; k++)
                        p[3 * x + k] = (uint8_t)((p[3 * x + k] + 255 + 1) / 2);
                }
            }
            if (t == 0) {
                assert_int_equal(vn_tracker_open(ctx, &c.t, c.rgb, c.gt, &s), 0);
                continue;
            }
            assert_int_equal(vn_tracker_step(c.t, c.rgb, c.out), 0);
            if (getenv("TRACK_DEBUG"))
                printf("  semi mode %d t %d IoU %.4f\n", mode, t, iou(c.out, c.gt, 1));
            for (int y = 0; y < c.gt->height; y++)
                assert_memory_equal(vn_image_row(c.out, y), vn_image_row(c.gt, y), (size_t)c.gt->width);
        }
        clip_close(&c);
    }
}

/* A flat opaque logo of thin rings and letters over a zooming, panning textured background,
 * with noise, its keyframe mask 2 px wider than the logo: the mask must stay put exactly, forced
 * rigid or chosen. */
static void static_rings(void **state)
{
    static const uint8_t col[4][3] = {{20, 20, 20}, {230, 50, 60}, {80, 210, 90}, {40, 120, 240}};
    (void)state;
    for (int mode = VN_TRACK_AUTO; mode <= VN_TRACK_RIGID; mode++) {
        Clip c;
        VnTrackSettings s;
        VnImage *key = NULL;
        vn_track_default_settings(&s);
        s.mode = mode;
        clip_open(&c, 320, 240);
        assert_int_equal(vn_image_alloc(&key, 320, 240, 1, VN_U8), 0);
        for (int t = 0; t < 24; t++) {
            float z = 1.0f + 0.03f * (float)t, px = 3.0f * (float)t;
            for (int y = 0; y < 240; y++) {
                uint8_t *p = vn_image_row(c.rgb, y), *m = vn_image_row(c.gt, y);
                for (int x = 0; x < 320; x++) {
                    int r = rings_at(x, y);
                    texel(p + 3 * x, (x - 160) / z + 160 + px, (y - 100) / z + 100, BG, 110, 1);
                    if (r)
                        memcpy(p + 3 * x, col[r == 1 && y >= 134 ? 0 : r], 3);
                    for (int k = 0; k < 3; k++)
                        p[3 * x + k] = (uint8_t)VNI_CLAMP(p[3 * x + k] + (int)(hash2(x, y, 99u + (uint32_t)t) * 7) - 3, 0, 255);
                    m[x] = 0;
                    for (int dy = -2; dy <= 2 && !m[x]; dy++)
                        for (int dx = -2; dx <= 2 && !m[x]; dx++)
                            m[x] = (uint8_t)(rings_at(x + dx, y + dy) != 0);
                }
            }
            if (t == 0) {
                assert_int_equal(vn_tracker_open(ctx, &c.t, c.rgb, c.gt, &s), 0);
                vn_image_copy(key, c.gt);
                continue;
            }
            assert_int_equal(vn_tracker_step(c.t, c.rgb, c.out), 0);
            if (getenv("TRACK_DEBUG"))
                printf("  rings mode %d t %d IoU %.4f rigid %d\n", mode, t, iou(c.out, key, 1), vn_tracker_rigid(c.t, 1));
            for (int y = 0; y < 240; y++)
                assert_memory_equal(vn_image_row(c.out, y), vn_image_row(key, y), 320);
        }
        vn_image_free(&key);
        clip_close(&c);
    }
}

/* An object that leaves the frame and comes back. */
static void exit_and_return(void **state)
{
    Clip c;
    VnTrackSettings s;
    int64_t key_area = 1;
    double worst_back = 1;
    int empty_ok = 1;
    (void)state;
    vn_track_default_settings(&s);
    s.mode = VN_TRACK_DEFORM;
    clip_open(&c, 160, 120);
    for (int t = 0; t < 60; t++) {
        /* right, out past the right edge (t 14..29), back in, to the middle */
        float x = t < 30 ? 80 + 8.0f * t : 80 + 8.0f * (60 - t) - 80;
        Ell e = {x, 60, 16, 14, 0};
        render(c.rgb, c.gt, &e, 1, 0);
        if (t == 0) {
            assert_int_equal(vn_tracker_open(ctx, &c.t, c.rgb, c.gt, &s), 0);
            key_area = count_id(c.gt, 1);
            continue;
        }
        assert_int_equal(vn_tracker_step(c.t, c.rgb, c.out), 0);
        if (count_id(c.gt, 1) == 0 && count_id(c.out, 1) > key_area / 20)
            empty_ok = 0;
        if (getenv("TRACK_DEBUG"))
            printf("  t %d IoU %.3f area %ld / %ld\n", t, iou(c.out, c.gt, 1), (long)count_id(c.out, 1), (long)count_id(c.gt, 1));
        if (t >= 44)
            worst_back = fmin(worst_back, iou(c.out, c.gt, 1));
    }
    printf("exit and return: empty while out %d, worst IoU after return %.3f\n", empty_ok, worst_back);
    assert_true(empty_ok);
    assert_true(worst_back >= 0.85);
    clip_close(&c);
}

/* Two objects with ids 1 and 2. */
static void two_objects(void **state)
{
    Clip c;
    VnTrackSettings s;
    double worst[2] = {1, 1};
    (void)state;
    vn_track_default_settings(&s);
    clip_open(&c, 192, 128);
    for (int t = 0; t < 30; t++) {
        Ell e[2] = {{40 + 2.0f * t, 40, 20, 14, 0.02f * t}, {150 - 2.0f * t, 88, 18, 15, -0.02f * t}};
        render(c.rgb, c.gt, e, 2, 0.5f * t);
        if (t == 0) {
            assert_int_equal(vn_tracker_open(ctx, &c.t, c.rgb, c.gt, &s), 0);
            continue;
        }
        assert_int_equal(vn_tracker_step(c.t, c.rgb, c.out), 0);
        for (int k = 0; k < 2; k++)
            worst[k] = fmin(worst[k], iou(c.out, c.gt, k + 1));
        if (getenv("TRACK_DEBUG"))
            printf("  t %d IoU %.3f %.3f rigid %d %d\n", t, iou(c.out, c.gt, 1), iou(c.out, c.gt, 2), vn_tracker_rigid(c.t, 1),
                   vn_tracker_rigid(c.t, 2));
    }
    printf("two objects: worst IoU %.3f %.3f\n", worst[0], worst[1]);
    assert_true(worst[0] >= 0.85 && worst[1] >= 0.85);
    clip_close(&c);
}

/* The hand-over keeps each side's mask at its end and moves the boundary between them. */
static void handover(void **state)
{
    VnImage *a = NULL, *b = NULL, *o = NULL;
    (void)state;
    assert_int_equal(vn_image_alloc(&a, 64, 32, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&b, 64, 32, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&o, 64, 32, 1, VN_U8), 0);
    for (int y = 8; y < 24; y++)
        for (int x = 0; x < 64; x++) {
            vn_image_row(a, y)[x] = x >= 10 && x < 30;
            vn_image_row(b, y)[x] = x >= 20 && x < 40;
        }
    assert_int_equal(vni_mask_handover(a, b, 0, o), 0);
    assert_int_equal(iou(o, a, 1), 1.0);
    assert_int_equal(vni_mask_handover(a, b, 1, o), 0);
    assert_int_equal(iou(o, b, 1), 1.0);
    assert_int_equal(vni_mask_handover(a, b, 0.5f, o), 0);
    assert_true(vn_image_row(o, 16)[16] == 1 && vn_image_row(o, 16)[33] == 1 && vn_image_row(o, 16)[12] == 0 &&
                vn_image_row(o, 16)[37] == 0);
    vn_image_free(&a);
    vn_image_free(&b);
    vn_image_free(&o);
}

static void bad_arguments(void **state)
{
    VnImage *rgb = NULL, *m = NULL;
    VnTracker *t = (VnTracker *)&t;
    VnTrackSettings s;
    (void)state;
    vn_track_default_settings(&s);
    assert_int_equal(vn_image_alloc(&rgb, 32, 32, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&m, 32, 32, 1, VN_U8), 0);
    assert_int_equal(vn_tracker_open(ctx, &t, rgb, m, &s), -EINVAL); /* no object */
    assert_null(t);
    assert_true(strstr(vn_last_error(ctx), "no object") != NULL);
    s.chunk = 0;
    vn_image_row(m, 5)[5] = 1;
    assert_int_equal(vn_tracker_open(ctx, &t, rgb, m, &s), -EINVAL);
    vn_track_default_settings(&s);
    assert_int_equal(vn_tracker_open(ctx, &t, rgb, m, &s), 0);
    assert_int_equal(vn_tracker_step(t, m, m), -EINVAL);
    vn_tracker_close(&t);
    assert_null(t);
    vn_tracker_close(&t);
    vn_tracker_close(NULL);
    vn_image_free(&rgb);
    vn_image_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deformable), cmocka_unit_test(rigid_logo), cmocka_unit_test(static_logo),
        cmocka_unit_test(static_rings),
        cmocka_unit_test(semi_logo), cmocka_unit_test(exit_and_return), cmocka_unit_test(two_objects),
        cmocka_unit_test(handover),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
