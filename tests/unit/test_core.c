/* Core: images, option tables, errors, the thread pool, context limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/internal.h"

static void image_alloc_limits(void **state)
{
    VnImage *img = (VnImage *)1;
    (void)state;
    assert_int_equal(vn_image_alloc(&img, 0, 10, 1, VN_U8), -EINVAL);
    assert_null(img);
    assert_int_equal(vn_image_alloc(&img, 10, 10, 5, VN_U8), -EINVAL);
    assert_int_equal(vn_image_alloc(&img, 70000, 10, 1, VN_U8), VN_ERR_TOOBIG);
    assert_int_equal(vn_image_alloc(&img, 13, 7, 3, VN_F32), 0);
    assert_non_null(img);
    assert_int_equal(img->stride % 64, 0);
    assert_true(img->stride >= 13 * 3 * 4);
    assert_int_equal((uintptr_t)img->data % 64, 0);
    for (int y = 0; y < 7; y++) {
        float *row = (float *)vn_image_row(img, y);
        for (int x = 0; x < 13 * 3; x++)
            assert_true(row[x] == 0.0f);
    }
    vn_image_free(&img);
    assert_null(img);
    vn_image_free(&img);
    vn_image_free(NULL);
}

static void image_copy(void **state)
{
    VnImage *a, *b, *c;
    (void)state;
    assert_int_equal(vn_image_alloc(&a, 5, 4, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&b, 5, 4, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&c, 5, 4, 1, VN_U8), 0);
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 15; x++)
            vn_image_row(a, y)[x] = (uint8_t)(y * 15 + x);
    assert_int_equal(vn_image_copy(b, a), 0);
    assert_memory_equal(vn_image_row(b, 3), vn_image_row(a, 3), 15);
    assert_int_equal(vn_image_copy(c, a), -EINVAL);
    vn_image_free(&a);
    vn_image_free(&b);
    vn_image_free(&c);
}

typedef struct Opts {
    int n;
    float f;
    int b;
    int c;
} Opts;

static const char *const choice_names[] = {"fast", "medium", "best", NULL};
static const VnOption opts_table[] = {
    {"n", "an int", VN_OPT_INT, offsetof(Opts, n), 3, 0, 10, NULL},
    {"f", "a float", VN_OPT_FLOAT, offsetof(Opts, f), 0.5, 0, 1, NULL},
    {"b", "a bool", VN_OPT_BOOL, offsetof(Opts, b), 0, 0, 1, NULL},
    {"c", "a choice", VN_OPT_CHOICE, offsetof(Opts, c), 1, 0, 2, choice_names},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};

static void options(void **state)
{
    Opts o = {0};
    char buf[32];
    (void)state;
    assert_int_equal(vn_option_set(opts_table, &o, "n", "7"), 0);
    assert_int_equal(o.n, 7);
    assert_int_equal(vn_option_set(opts_table, &o, "n", "11"), -ERANGE);
    assert_int_equal(vn_option_set(opts_table, &o, "n", "2.5"), -EINVAL);
    assert_int_equal(vn_option_set(opts_table, &o, "n", "x"), -EINVAL);
    assert_int_equal(vn_option_set(opts_table, &o, "f", "0.25"), 0);
    assert_true(o.f == 0.25f);
    assert_int_equal(vn_option_set(opts_table, &o, "b", "yes"), 0);
    assert_int_equal(o.b, 1);
    assert_int_equal(vn_option_set(opts_table, &o, "b", "maybe"), -EINVAL);
    assert_int_equal(vn_option_set(opts_table, &o, "c", "best"), 0);
    assert_int_equal(o.c, 2);
    assert_int_equal(vn_option_set(opts_table, &o, "c", "slow"), -EINVAL);
    assert_int_equal(vn_option_set(opts_table, &o, "zz", "1"), -ENOENT);
    vn_option_format(vn_option_find(opts_table, "c"), &o, buf, sizeof(buf));
    assert_string_equal(buf, "best");
    vn_option_format(vn_option_find(opts_table, "f"), &o, buf, sizeof(buf));
    assert_string_equal(buf, "0.25");
}

static void errors(void **state)
{
    (void)state;
    assert_string_equal(vn_strerror(VN_ERR_CANCELLED), "cancelled");
    assert_string_equal(vn_strerror(-ENOMEM), "out of memory");
    assert_non_null(vn_strerror(-12345678));
    assert_non_null(vn_version());
}

static void sum_job(void *arg, int job, int n_jobs)
{
    int64_t *slots = arg;
    int64_t s = 0;
    for (int64_t i = job; i < 100000; i += n_jobs)
        s += i;
    slots[job] = s;
}

static void pool_runs_every_job(void **state)
{
    VnSettings s;
    VnContext *ctx;
    int64_t slots[64], total = 0;
    (void)state;
    vn_default_settings(&s);
    s.n_threads = 4;
    assert_int_equal(vn_open(&ctx, &s), 0);
    assert_int_equal(vn_context_threads(ctx), 4);
    for (int rep = 0; rep < 50; rep++) {
        memset(slots, 0, sizeof(slots));
        vni_parallel(ctx, sum_job, slots, 64);
        total = 0;
        for (int j = 0; j < 64; j++)
            total += slots[j];
        assert_true(total == (int64_t)99999 * 100000 / 2);
    }
    vn_close(&ctx);
    assert_null(ctx);
    vn_close(&ctx);
}

static int cancel_at_half(void *cookie, const char *stage, double f)
{
    (void)cookie;
    (void)stage;
    return f >= 0.5;
}

static void context_limits_and_errors(void **state)
{
    VnSettings s;
    VnContext *ctx;
    (void)state;
    vn_default_settings(&s);
    s.n_threads = -1;
    assert_int_equal(vn_open(&ctx, &s), -EINVAL);
    assert_null(ctx);
    vn_default_settings(&s);
    s.max_dimension = 100;
    s.progress_cb = cancel_at_half;
    assert_int_equal(vn_open(&ctx, &s), 0);
    assert_int_equal(vni_check_size(ctx, 100, 100), 0);
    assert_int_equal(vni_check_size(ctx, 101, 10), VN_ERR_TOOBIG);
    assert_int_equal(vni_check_size(ctx, 0, 10), -EINVAL);
    assert_int_equal(vni_progress(ctx, "x", 0.2), 0);
    assert_int_equal(vni_progress(ctx, "x", 0.7), VN_ERR_CANCELLED);
    assert_string_equal(vn_last_error(ctx), "");
    assert_int_equal(vni_error(ctx, -ENOENT, "%s: missing", "a.mp4"), -ENOENT);
    assert_string_equal(vn_last_error(ctx), "a.mp4: missing");
    vn_close(&ctx);
}

static void mul_overflow(void **state)
{
    size_t out;
    (void)state;
    assert_int_equal(vni_mul_size(SIZE_MAX / 2, 3, &out), -1);
    assert_int_equal(vni_mul_size(1000, 1000, &out), 0);
    assert_true(out == 1000000);
    assert_null(vni_malloc_array(SIZE_MAX / 8, 16));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(image_alloc_limits),
        cmocka_unit_test(image_copy),
        cmocka_unit_test(options),
        cmocka_unit_test(errors),
        cmocka_unit_test(pool_runs_every_job),
        cmocka_unit_test(context_limits_and_errors),
        cmocka_unit_test(mul_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
