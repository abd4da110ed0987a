/* The multigrid membrane solver against exact discrete solutions. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "inpaint/multigrid.h"

#include "test_ctx.h"

static float *px(VnImage *img, int x, int y)
{
    return (float *)vn_image_row(img, y) + (ptrdiff_t)x * img->channels;
}

/* A blob-shaped hole (union of discs) inside the image: the exact solutions below do not obey
 * the Neumann condition that holds at the image border. */
static void make_mask(VnImage *m)
{
    for (int y = 0; y < m->height; y++)
        for (int x = 0; x < m->width; x++) {
            float d1 = hypotf(x - 0.4f * m->width, y - 0.5f * m->height);
            float d2 = hypotf(x - 0.6f * m->width, y - 0.4f * m->height);
            vn_image_row(m, y)[x] = d1 < 0.22f * m->height || d2 < 0.18f * m->height;
        }
}

/* Exact solution f, fill known pixels with it and unknown ones with noise; solve; compare. */
static double solve_and_compare(int w, int h, int nch, double (*f)(int, int, int), float rhs_value,
                                int weighted)
{
    VnImage *u, *m, *rhs = NULL, *wx = NULL, *wy = NULL;
    VnMgParams p;
    double maxerr = 0.0;
    assert_int_equal(vn_image_alloc(&u, w, h, nch, VN_F32), 0);
    assert_int_equal(vn_image_alloc(&m, w, h, 1, VN_U8), 0);
    make_mask(m);
    if (rhs_value != 0.0f) {
        assert_int_equal(vn_image_alloc(&rhs, w, h, nch, VN_F32), 0);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < nch; c++)
                    px(rhs, x, y)[c] = rhs_value;
    }
    if (weighted) {
        assert_int_equal(vn_image_alloc(&wx, w, h, 1, VN_F32), 0);
        assert_int_equal(vn_image_alloc(&wy, w, h, 1, VN_F32), 0);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                *px(wx, x, y) = 1.0f;
                *px(wy, x, y) = 1.0f;
            }
    }
    srand(7);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < nch; c++)
                px(u, x, y)[c] = vn_image_row(m, y)[x] ? (float)(rand() % 1000) : (float)f(x, y, c);
    vni_mg_default_params(&p);
    p.max_cycles = 30;
    p.tol = 1e-4f;
    assert_int_equal(vni_mg_solve(ctx, u, m, rhs, wx, wy, &p), 0);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < nch; c++)
                maxerr = fmax(maxerr, fabs(px(u, x, y)[c] - f(x, y, c)));
    print_message("%dx%dx%d max error %g\n", w, h, nch, maxerr);
    vn_image_free(&u);
    vn_image_free(&m);
    vn_image_free(&rhs);
    vn_image_free(&wx);
    vn_image_free(&wy);
    return maxerr;
}

/* x² − y² and xy are discretely harmonic for the 5-point stencil. Shifted to stay positive. */
static double harmonic(int x, int y, int c)
{
    double X = x - 50.0, Y = y - 40.0;
    return c == 0 ? (X * X - Y * Y) * 0.05 + 100.0 : c == 1 ? X * Y * 0.03 : 7.0 + 0.5 * X;
}

/* x² + y²: the 5-point Laplacian is exactly 4. */
static double paraboloid(int x, int y, int c)
{
    double X = x - 60.0, Y = y - 30.0;
    return X * X + Y * Y + 10.0 * c;
}

static void laplace_exact(void **state)
{
    (void)state;
    assert_true(solve_and_compare(120, 90, 1, harmonic, 0.0f, 0) < 1e-2);
    assert_true(solve_and_compare(257, 193, 3, harmonic, 0.0f, 0) < 1e-2);
}

static void poisson_exact(void **state)
{
    (void)state;
    assert_true(solve_and_compare(160, 120, 2, paraboloid, 4.0f, 0) < 1e-2);
}

static void weighted_uniform_matches(void **state)
{
    (void)state;
    assert_true(solve_and_compare(100, 80, 1, harmonic, 0.0f, 1) < 1e-2);
}

/* Pixels outside the mask are never written; a mask without unknowns is a no-op. */
static void known_untouched_and_empty(void **state)
{
    VnImage *u, *m;
    (void)state;
    assert_int_equal(vn_image_alloc(&u, 33, 17, 1, VN_F32), 0);
    assert_int_equal(vn_image_alloc(&m, 33, 17, 1, VN_U8), 0);
    for (int y = 0; y < 17; y++)
        for (int x = 0; x < 33; x++)
            *px(u, x, y) = (float)(x * 31 + y);
    assert_int_equal(vni_mg_solve(ctx, u, m, NULL, NULL, NULL, NULL), 0);
    vn_image_row(m, 8)[16] = 1;
    assert_int_equal(vni_mg_solve(ctx, u, m, NULL, NULL, NULL, NULL), 0);
    for (int y = 0; y < 17; y++)
        for (int x = 0; x < 33; x++)
            if (x != 16 || y != 8)
                assert_true(*px(u, x, y) == (float)(x * 31 + y));
    /* the one unknown becomes the mean of its four neighbours */
    assert_true(fabsf(*px(u, 16, 8) - (16 * 31 + 8)) < 1e-3f);
    vn_image_free(&u);
    vn_image_free(&m);
}

/* Everything unknown: fills with zeros, no crash; shapes checked. */
static void all_unknown_and_bad_args(void **state)
{
    VnImage *u, *m, *m2;
    (void)state;
    assert_int_equal(vn_image_alloc(&u, 40, 30, 2, VN_F32), 0);
    assert_int_equal(vn_image_alloc(&m, 40, 30, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&m2, 41, 30, 1, VN_U8), 0);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 40; x++)
            vn_image_row(m, y)[x] = 1;
    assert_int_equal(vni_mg_solve(ctx, u, m, NULL, NULL, NULL, NULL), 0);
    for (int y = 0; y < 30; y++)
        for (int x = 0; x < 40; x++)
            assert_true(isfinite(px(u, x, y)[0]) && isfinite(px(u, x, y)[1]));
    assert_int_equal(vni_mg_solve(ctx, u, m2, NULL, NULL, NULL, NULL), -EINVAL);
    assert_int_equal(vni_mg_solve(ctx, u, u, NULL, NULL, NULL, NULL), -EINVAL);
    vn_image_free(&u);
    vn_image_free(&m);
    vn_image_free(&m2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(laplace_exact),
        cmocka_unit_test(poisson_exact),
        cmocka_unit_test(weighted_uniform_matches),
        cmocka_unit_test(known_untouched_and_empty),
        cmocka_unit_test(all_unknown_and_bad_args),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
