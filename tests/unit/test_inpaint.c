/* Mask dilation and the per-frame spatial fill. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/maskops.h"
#include "core/resample.h"
#include "vanish/inpaint.h"

#include "test_ctx.h"

/* A single pixel dilated by r becomes the digital disc of radius r. */
static void dilate_disc(void **state)
{
    VnImage *a, *b;
    (void)state;
    assert_int_equal(vn_image_alloc(&a, 41, 31, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&b, 41, 31, 1, VN_U8), 0);
    vn_image_row(a, 15)[20] = 1;
    for (int r = 0; r <= 9; r += 3) {
        assert_int_equal(vni_mask_dilate(ctx, b, a, r), 0);
        for (int y = 0; y < 31; y++)
            for (int x = 0; x < 41; x++) {
                int in = (x - 20) * (x - 20) + (y - 15) * (y - 15) <= r * r;
                assert_int_equal(vn_image_row(b, y)[x], in ? 255 : 0);
            }
    }
    assert_int_equal(vni_mask_dilate(ctx, a, a, 2), -EINVAL);
    assert_int_equal(vni_mask_dilate(ctx, b, a, 65), -EINVAL);
    vn_image_free(&a);
    vn_image_free(&b);
}

static void bbox(void **state)
{
    VnImage *m;
    int x0 = -1, y0 = -1, x1 = -1, y1 = -1;
    (void)state;
    assert_int_equal(vn_image_alloc(&m, 20, 10, 1, VN_U8), 0);
    assert_int_equal(vni_mask_bbox(m, &x0, &y0, &x1, &y1), 0);
    assert_int_equal(x0, -1);
    vn_image_row(m, 2)[5] = 3;
    vn_image_row(m, 7)[1] = 1;
    vn_image_row(m, 4)[17] = 9;
    assert_int_equal(vni_mask_bbox(m, &x0, &y0, &x1, &y1), 3);
    assert_int_equal(x0, 1);
    assert_int_equal(y0, 2);
    assert_int_equal(x1, 17);
    assert_int_equal(y1, 7);
    vn_image_free(&m);
}

/* A linear ramp is harmonic: the fill must give it back; outside the dilated mask nothing
 * changes, and the dilated mask is reported. */
static void fill_ramp(void **state)
{
    VnImage *img, *m, *dil;
    VnInpaintSettings s;
    (void)state;
    assert_int_equal(vn_image_alloc(&img, 160, 90, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&m, 160, 90, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&dil, 160, 90, 1, VN_U8), 0);
    for (int y = 0; y < 90; y++)
        for (int x = 0; x < 160; x++) {
            uint8_t *p = vn_image_row(img, y) + 3 * x;
            int hole = x >= 60 && x < 100 && y >= 30 && y < 55;
            p[0] = (uint8_t)x;
            p[1] = (uint8_t)(2 * y);
            p[2] = (uint8_t)(50 + (x + y) / 2);
            vn_image_row(m, y)[x] = (uint8_t)hole;
            if (hole)
                p[0] = p[1] = p[2] = 255; /* the "logo" */
        }
    vn_inpaint_default_settings(&s);
    s.dilate = 3;
    assert_int_equal(vn_inpaint_image(ctx, img, m, &s, dil), 0);
    for (int y = 0; y < 90; y++)
        for (int x = 0; x < 160; x++) {
            const uint8_t *p = vn_image_row(img, y) + 3 * x;
            int near = x >= 57 && x < 103 && y >= 27 && y < 58;
            if (!vn_image_row(dil, y)[x]) {
                assert_false(x >= 60 && x < 100 && y >= 30 && y < 55);
                assert_int_equal(p[0], x);
                assert_int_equal(p[1], 2 * y);
            } else {
                assert_true(near);
                assert_true(abs(p[0] - x) <= 1);
                assert_true(abs(p[1] - 2 * y) <= 1);
                assert_true(abs(p[2] - (50 + (x + y) / 2)) <= 1);
            }
        }
    vn_image_free(&img);
    vn_image_free(&m);
    vn_image_free(&dil);
}

/* An empty mask changes nothing; a frame entirely masked is filled without error. */
static void empty_and_full(void **state)
{
    VnImage *img, *m;
    VnInpaintSettings s;
    (void)state;
    vn_inpaint_default_settings(&s);
    assert_int_equal(vn_image_alloc(&img, 64, 48, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&m, 64, 48, 1, VN_U8), 0);
    memset(vn_image_row(img, 0), 77, (size_t)img->stride * 48);
    assert_int_equal(vn_inpaint_image(ctx, img, m, &s, NULL), 0);
    assert_int_equal(vn_image_row(img, 20)[30], 77);
    memset(vn_image_row(m, 0), 1, (size_t)m->stride * 48);
    assert_int_equal(vn_inpaint_image(ctx, img, m, &s, NULL), 0);
    s.dilate = -1;
    assert_int_equal(vn_inpaint_image(ctx, img, m, &s, NULL), -EINVAL);
    vn_image_free(&img);
    vn_image_free(&m);
}

/* Working-resolution helpers: "any" mask downscaling keeps every set pixel's cell, area
 * resizing keeps a constant, working sizes keep the aspect. */
static void resample(void **state)
{
    VnImage *m, *ms, *img, *small;
    int w, h;
    (void)state;
    assert_int_equal(vn_image_alloc(&m, 100, 60, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&ms, 40, 24, 1, VN_U8), 0);
    vn_image_row(m, 37)[71] = 255;
    assert_int_equal(vni_mask_downscale_any(ms, m), 0);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 40; x++) {
            /* cell (x,y) covers source [2.5x, 2.5x+2.5) x [2.5y, 2.5y+2.5) */
            int covers = 71 >= (x * 100) / 40 && 71 < ((x + 1) * 100 + 39) / 40 &&
                         37 >= (y * 60) / 24 && 37 < ((y + 1) * 60 + 23) / 24;
            assert_int_equal(vn_image_row(ms, y)[x], covers);
        }
    assert_int_equal(vn_image_alloc(&img, 100, 60, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&small, 40, 24, 3, VN_U8), 0);
    memset(img->data, 93, (size_t)img->stride * 60);
    assert_int_equal(vni_resize_u8(NULL, small, img), 0);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 120; x++)
            assert_int_equal(vn_image_row(small, y)[x], 93);
    vni_working_size(1920, 1080, 960, &w, &h);
    assert_int_equal(w, 960);
    assert_int_equal(h, 540);
    vni_working_size(432, 240, 960, &w, &h);
    assert_int_equal(w, 432);
    vn_image_free(&m);
    vn_image_free(&ms);
    vn_image_free(&img);
    vn_image_free(&small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dilate_disc),
        cmocka_unit_test(bbox),
        cmocka_unit_test(fill_ramp),
        cmocka_unit_test(empty_and_full),
        cmocka_unit_test(resample),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
