/* Middlebury .flo files (src/io/flo.c): round trip, and one-line errors for bad files. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vanish/flow.h"

static VnContext *ctx;
static char dir[64];

static int setup(void **state)
{
    VnSettings s;
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/vn-flo-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    vn_default_settings(&s);
    return vn_open(&ctx, &s);
}

static int teardown(void **state)
{
    (void)state;
    vn_close(&ctx);
    rmdir(dir);
    return 0;
}

/* Values survive bit for bit, the header is the Middlebury one, the size is exact. */
static void round_trip(void **state)
{
    VnImage *f = NULL, *g = NULL;
    char path[128];
    unsigned char hd[12];
    FILE *fp;
    (void)state;
    snprintf(path, sizeof(path), "%s/a.flo", dir);
    assert_int_equal(vn_image_alloc(&f, 37, 11, 2, VN_F32), 0);
    for (int y = 0; y < 11; y++)
        for (int x = 0; x < 74; x++)
            ((float *)vn_image_row(f, y))[x] = (float)(x * 0.37 - y * 1.25 + (x % 3) * 1e-3);
    ((float *)vn_image_row(f, 3))[5] = 1e10f; /* "unknown" in the Middlebury convention */
    assert_int_equal(vn_flow_write_flo(ctx, path, f), 0);
    fp = fopen(path, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(hd, 1, 12, fp), 12);
    fseek(fp, 0, SEEK_END);
    assert_int_equal(ftell(fp), 12 + 37 * 11 * 8);
    fclose(fp);
    assert_memory_equal(hd, "PIEH", 4);
    assert_int_equal(hd[4], 37);
    assert_int_equal(hd[8], 11);
    assert_int_equal(vn_flow_read_flo(ctx, path, &g), 0);
    assert_int_equal(g->width, 37);
    assert_int_equal(g->height, 11);
    assert_int_equal(g->channels, 2);
    for (int y = 0; y < 11; y++)
        assert_memory_equal(vn_image_row(f, y), vn_image_row(g, y), 74 * sizeof(float));
    vn_image_free(&f);
    vn_image_free(&g);
    unlink(path);
}

static void write_bytes(const char *path, const void *b, size_t n)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(b, 1, n, fp), n);
    fclose(fp);
}

/* Truncated data, a wrong tag, absurd sizes, a missing file: errors that name the file. */
static void bad_files(void **state)
{
    VnImage *g = NULL;
    char path[128];
    unsigned char b[12 + 8] = {'P', 'I', 'E', 'H', 2, 0, 0, 0, 1, 0, 0, 0};
    (void)state;
    snprintf(path, sizeof(path), "%s/bad.flo", dir);
    write_bytes(path, b, sizeof(b)); /* 2x1 needs 16 bytes of data, has 8 */
    assert_int_equal(vn_flow_read_flo(ctx, path, &g), VN_ERR_INVALIDDATA);
    assert_null(g);
    assert_non_null(strstr(vn_last_error(ctx), "bad.flo"));
    assert_non_null(strstr(vn_last_error(ctx), "truncated"));
    b[0] = 'X';
    write_bytes(path, b, sizeof(b));
    assert_int_equal(vn_flow_read_flo(ctx, path, &g), VN_ERR_INVALIDDATA);
    b[0] = 'P';
    b[7] = 0x7f; /* width 2^30 */
    write_bytes(path, b, sizeof(b));
    assert_true(vn_flow_read_flo(ctx, path, &g) < 0);
    assert_null(g);
    b[7] = 0xff; /* negative width */
    write_bytes(path, b, sizeof(b));
    assert_int_equal(vn_flow_read_flo(ctx, path, &g), VN_ERR_INVALIDDATA);
    unlink(path);
    assert_int_equal(vn_flow_read_flo(ctx, path, &g), -ENOENT);
    assert_null(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(bad_files),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
