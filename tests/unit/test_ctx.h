/* The context a test group shares: two threads, opened by setup and closed by teardown
 * (cmocka group fixtures). Include after cmocka.h and a vanish header. */
#ifndef VANISH_TESTS_TEST_CTX_H
#define VANISH_TESTS_TEST_CTX_H

static VnContext *ctx;

static int setup(void **state)
{
    VnSettings s;
    (void)state;
    vn_default_settings(&s);
    s.n_threads = 2;
    return vn_open(&ctx, &s);
}

static int teardown(void **state)
{
    (void)state;
    vn_close(&ctx);
    return 0;
}

#endif
