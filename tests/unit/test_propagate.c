/* Flow-guided propagation of sources through a window. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "inpaint/propagate.h"

#define N 6
#define W 40
#define H 20

static void fill_flow(VnImage *f, float u, float v)
{
    for (int y = 0; y < f->height; y++)
        for (int x = 0; x < f->width; x++) {
            ((float *)vn_image_row(f, y))[2 * x] = u;
            ((float *)vn_image_row(f, y))[2 * x + 1] = v;
        }
}

/* The scene moves 3 px right per frame behind a static 8-px-wide hole: every hole pixel sees
 * its point in the past 3 frames back at most, and in the future likewise. */
static void translation_behind_static_hole(void **state)
{
    VnImage *holes[N], *fwd[N], *bwd[N];
    VniSources src[N];
    (void)state;
    for (int t = 0; t < N; t++) {
        assert_int_equal(vn_image_alloc(&holes[t], W, H, 1, VN_U8), 0);
        assert_int_equal(vn_image_alloc(&fwd[t], W, H, 2, VN_F32), 0);
        assert_int_equal(vn_image_alloc(&bwd[t], W, H, 2, VN_F32), 0);
        fill_flow(fwd[t], 3.0f, 0.0f);
        fill_flow(bwd[t], -3.0f, 0.0f);
        for (int y = 5; y < 15; y++)
            for (int x = 16; x < 24; x++)
                vn_image_row(holes[t], y)[x] = 1;
        assert_int_equal(vni_sources_alloc(&src[t], W, H), 0);
    }
    assert_int_equal(vni_propagate(NULL, N, (const VnImage *const *)holes, (const VnImage *const *)fwd,
                                   (const VnImage *const *)bwd, src, NULL), 0);
    for (int t = 0; t < N; t++)
        for (int y = 5; y < 15; y++)
            for (int x = 16; x < 24; x++) {
                ptrdiff_t i = (ptrdiff_t)y * W + x;
                /* past: the point was at x - 3k in frame t - k; visible once x - 3k < 16 */
                int k = (x - 16) / 3 + 1;
                if (t - k >= 0) {
                    assert_int_equal(src[t].frame[VNI_PAST][i], t - k);
                    assert_true(fabsf(src[t].x[VNI_PAST][i] - (float)(x - 3 * k)) < 1e-4f);
                    assert_true(fabsf(src[t].y[VNI_PAST][i] - (float)y) < 1e-4f);
                } else {
                    assert_int_equal(src[t].frame[VNI_PAST][i], -1);
                }
                k = (23 - x) / 3 + 1;
                if (t + k < N) {
                    assert_int_equal(src[t].frame[VNI_FUTURE][i], t + k);
                    assert_true(fabsf(src[t].x[VNI_FUTURE][i] - (float)(x + 3 * k)) < 1e-4f);
                } else {
                    assert_int_equal(src[t].frame[VNI_FUTURE][i], -1);
                }
            }
    /* an inconsistent backward flow (occlusion) stops the chain */
    fill_flow(bwd[2], 5.0f, 0.0f);
    assert_int_equal(vni_propagate(NULL, N, (const VnImage *const *)holes, (const VnImage *const *)fwd,
                                   (const VnImage *const *)bwd, src, NULL), 0);
    assert_int_equal(src[2].frame[VNI_PAST][10 * W + 17], -1);
    for (int t = 0; t < N; t++) {
        vn_image_free(&holes[t]);
        vn_image_free(&fwd[t]);
        vn_image_free(&bwd[t]);
        vni_sources_free(&src[t]);
    }
}

static void bad_args(void **state)
{
    VnImage *hole;
    VniSources s;
    (void)state;
    assert_int_equal(vn_image_alloc(&hole, 8, 8, 1, VN_U8), 0);
    assert_int_equal(vni_sources_alloc(&s, 9, 8), 0);
    assert_int_equal(vni_propagate(NULL, 1, (const VnImage *const *)&hole, NULL, NULL, &s, NULL), -EINVAL);
    assert_int_equal(vni_propagate(NULL, 0, NULL, NULL, NULL, &s, NULL), -EINVAL);
    vn_image_free(&hole);
    vni_sources_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(translation_behind_static_hole),
        cmocka_unit_test(bad_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
