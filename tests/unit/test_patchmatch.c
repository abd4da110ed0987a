/* PatchMatch completion: textures restored, determinism, untouched outside the hole, edge cases. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "inpaint/patchmatch.h"
#include "inpaint/spatial.h"

#include "test_ctx.h"

enum { CHECKER, STRIPES, NOISE };

/* A 3-channel test image: a checkerboard of period 8, diagonal stripes of period 8, or noise. */
static VnImage *make_image(int w, int h, int kind)
{
    VnImage *img;
    uint32_t s = 12345;
    assert_int_equal(vn_image_alloc(&img, w, h, 3, VN_U8), 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *p = vn_image_row(img, y) + 3 * x;
            int on = kind == CHECKER ? ((x / 4) + (y / 4)) & 1 : ((x + y) / 4) & 1;
            if (kind == NOISE) {
                s = s * 1664525u + 1013904223u;
                p[0] = (uint8_t)(s >> 24), p[1] = (uint8_t)(s >> 16), p[2] = (uint8_t)(s >> 8);
            } else {
                p[0] = on ? 200 : 40, p[1] = on ? 60 : 180, p[2] = on ? 120 : 90;
            }
        }
    return img;
}

static VnImage *make_rect_mask(int w, int h, int x0, int y0, int x1, int y1)
{
    VnImage *m;
    assert_int_equal(vn_image_alloc(&m, w, h, 1, VN_U8), 0);
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
            vn_image_row(m, y)[x] = 255;
    return m;
}

static VnImage *clone(const VnImage *a)
{
    VnImage *b;
    assert_int_equal(vn_image_alloc(&b, a->width, a->height, a->channels, a->type), 0);
    assert_int_equal(vn_image_copy(b, a), 0);
    return b;
}

/* Mean absolute error over the masked pixels. */
static double mask_mae(const VnImage *a, const VnImage *b, const VnImage *m)
{
    double sum = 0;
    long n = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++)
            if (vn_image_row(m, y)[x]) {
                for (int c = 0; c < 3; c++)
                    sum += abs(vn_image_row(a, y)[3 * x + c] - vn_image_row(b, y)[3 * x + c]);
                n += 3;
            }
    return n ? sum / n : 0;
}

/* Number of differing bytes outside the mask. */
static long outside_diff(const VnImage *a, const VnImage *b, const VnImage *m)
{
    long n = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++)
            if (!vn_image_row(m, y)[x])
                n += memcmp(vn_image_row(a, y) + 3 * x, vn_image_row(b, y) + 3 * x, 3) != 0;
    return n;
}

/* A hole in a periodic texture comes back nearly exact, far better than the smooth fill. */
static void periodic_texture(int kind, int x0, int y0, int x1, int y1)
{
    VnImage *truth = make_image(128, 96, kind), *pm = clone(truth), *harm = clone(truth);
    VnImage *m = make_rect_mask(128, 96, x0, y0, x1, y1);
    double e_pm, e_h;
    assert_int_equal(vni_patchmatch_fill(ctx, pm, m, NULL, NULL), 0);
    assert_int_equal(vni_fill_harmonic(ctx, harm, m), 0);
    e_pm = mask_mae(pm, truth, m);
    e_h = mask_mae(harm, truth, m);
    print_message("kind %d hole (%d,%d)-(%d,%d): patchmatch MAE %.2f, harmonic MAE %.2f\n", kind, x0, y0, x1,
                  y1, e_pm, e_h);
    assert_true(e_pm < 4.0);
    assert_true(e_pm < e_h / 8);
    assert_int_equal(outside_diff(pm, truth, m), 0);
    vn_image_free(&truth);
    vn_image_free(&pm);
    vn_image_free(&harm);
    vn_image_free(&m);
}

static void checkerboard(void **state)
{
    (void)state;
    periodic_texture(CHECKER, 50, 30, 77, 57);
}

static void stripes(void **state)
{
    (void)state;
    periodic_texture(STRIPES, 40, 35, 71, 54);
}

/* Holes touching the image border, including a corner. */
static void border_hole(void **state)
{
    (void)state;
    periodic_texture(CHECKER, 0, 0, 19, 15);
    periodic_texture(STRIPES, 100, 20, 127, 40);
    periodic_texture(CHECKER, 30, 80, 60, 95);
}

/* Same input and seed: same output, whatever the thread count; pixels outside stay. */
static void deterministic(void **state)
{
    VnImage *truth = make_image(160, 120, NOISE), *a = clone(truth), *b = clone(truth), *c = clone(truth);
    VnImage *m = make_rect_mask(160, 120, 40, 30, 99, 79);
    VnContext *one;
    VnSettings s;
    VnPatchMatchParams p;
    (void)state;
    vn_default_settings(&s);
    s.n_threads = 1;
    assert_int_equal(vn_open(&one, &s), 0);
    vni_patchmatch_default_params(&p);
    p.seed = 7;
    assert_int_equal(vni_patchmatch_fill(ctx, a, m, NULL, &p), 0);
    assert_int_equal(vni_patchmatch_fill(one, b, m, NULL, &p), 0);
    assert_int_equal(vni_patchmatch_fill(NULL, c, m, NULL, &p), 0);
    for (int y = 0; y < 120; y++) {
        assert_memory_equal(vn_image_row(a, y), vn_image_row(b, y), 160 * 3);
        assert_memory_equal(vn_image_row(a, y), vn_image_row(c, y), 160 * 3);
    }
    assert_int_equal(outside_diff(a, truth, m), 0);
    assert_true(mask_mae(a, truth, m) > 0); /* it did write the hole */
    vn_close(&one);
    vn_image_free(&truth);
    vn_image_free(&a);
    vn_image_free(&b);
    vn_image_free(&c);
    vn_image_free(&m);
}

/* A one-pixel hole in a checkerboard takes its neighbourhood's colour. */
static void one_pixel(void **state)
{
    VnImage *truth = make_image(64, 48, CHECKER), *img = clone(truth), *m = make_rect_mask(64, 48, 21, 17, 21, 17);
    (void)state;
    vn_image_row(img, 17)[3 * 21] = 0;
    assert_int_equal(vni_patchmatch_fill(ctx, img, m, NULL, NULL), 0);
    assert_true(mask_mae(img, truth, m) < 1.0);
    assert_int_equal(outside_diff(img, truth, m), 0);
    vn_image_free(&truth);
    vn_image_free(&img);
    vn_image_free(&m);
}

/* Only the allowed region serves as a source: with sources confined to one colour, the fill
 * takes that colour. */
static void source_mask(void **state)
{
    VnImage *img, *m = make_rect_mask(80, 60, 30, 20, 49, 39), *ok = make_rect_mask(80, 60, 0, 0, 39, 59);
    (void)state;
    assert_int_equal(vn_image_alloc(&img, 80, 60, 3, VN_U8), 0);
    for (int y = 0; y < 60; y++)
        for (int x = 0; x < 80; x++)
            memset(vn_image_row(img, y) + 3 * x, x < 40 ? 50 : 220, 3);
    assert_int_equal(vni_patchmatch_fill(ctx, img, m, ok, NULL), 0);
    for (int y = 20; y < 40; y++)
        for (int x = 30; x < 50; x++)
            assert_int_equal(vn_image_row(img, y)[3 * x], 50);
    vn_image_free(&img);
    vn_image_free(&m);
    vn_image_free(&ok);
}

/* No source at all, or bad arguments: an error, no crash, image unchanged. */
static void errors(void **state)
{
    VnImage *truth = make_image(40, 30, CHECKER), *img = clone(truth), *all = make_rect_mask(40, 30, 0, 0, 39, 29);
    VnImage *m = make_rect_mask(40, 30, 10, 10, 20, 20), *none, *grey;
    VnPatchMatchParams p;
    (void)state;
    assert_int_equal(vn_image_alloc(&none, 40, 30, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&grey, 41, 30, 1, VN_U8), 0);
    assert_int_equal(vni_patchmatch_fill(ctx, img, all, NULL, NULL), -EINVAL);
    assert_int_equal(vni_patchmatch_fill(ctx, img, m, none, NULL), -EINVAL);
    assert_int_equal(vni_patchmatch_fill(ctx, img, grey, NULL, NULL), -EINVAL);
    assert_int_equal(vni_patchmatch_fill(ctx, NULL, m, NULL, NULL), -EINVAL);
    vni_patchmatch_default_params(&p);
    p.patch_size = 6;
    assert_int_equal(vni_patchmatch_fill(ctx, img, m, NULL, &p), -EINVAL);
    assert_int_equal(outside_diff(img, truth, none), 0);
    /* an empty hole is a no-op */
    assert_int_equal(vni_patchmatch_fill(ctx, img, none, NULL, NULL), 0);
    vn_image_free(&truth);
    vn_image_free(&img);
    vn_image_free(&all);
    vn_image_free(&m);
    vn_image_free(&none);
    vn_image_free(&grey);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(checkerboard), cmocka_unit_test(stripes), cmocka_unit_test(border_hole),
        cmocka_unit_test(deterministic), cmocka_unit_test(one_pixel), cmocka_unit_test(source_mask),
        cmocka_unit_test(errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
