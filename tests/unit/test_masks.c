/*
 * Masks in every format: 8-bit grey (0/255, 0/1, anti-aliased), palette ids (DAVIS), RGB,
 * RGBA, 16-bit grey, another size (scaled, with a warning), a directory with the wrong count,
 * one PNG for every frame, a mask video; DAVIS writing read back.
 */
#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "vanish/video.h"

enum { W = 16, H = 12 };

static char tmpdir[256];
static VnContext *ctx;
static int n_warnings;

static void on_log(void *cookie, int level, const char *msg)
{
    (void)cookie;
    (void)msg;
    n_warnings += level == VN_LOG_WARNING;
}

static const char *tp(const char *name)
{
    static char bufs[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(bufs[k], sizeof(bufs[k]), "%s/%s", tmpdir, name);
    return bufs[k];
}

/* Write a PNG with libpng: color type, bit depth, samples (big-endian for 16 bits). */
static void write_png(const char *path, int w, int h, int type, int depth, const uint8_t *data,
                      const png_color *pal, int n_pal)
{
    FILE *f = fopen(path, "wb");
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(p);
    int ch = type == PNG_COLOR_TYPE_RGB ? 3 : type == PNG_COLOR_TYPE_RGBA ? 4 : 1;
    size_t row = (size_t)w * ch * (depth / 8);
    assert_non_null(f);
    png_init_io(p, f);
    png_set_IHDR(p, info, w, h, depth, type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (pal)
        png_set_PLTE(p, info, pal, n_pal);
    png_write_info(p, info);
    for (int y = 0; y < h; y++)
        png_write_row(p, data + y * row);
    png_write_end(p, info);
    png_destroy_write_struct(&p, &info);
    fclose(f);
}

/* Read a single-PNG mask at W x H into a new image. */
static VnImage *read_one(const char *path, int w, int h)
{
    VnMaskReader *m = NULL;
    VnImage *mask = NULL;
    int ret = vn_mask_open(ctx, &m, path, w, h, 5);
    if (ret < 0)
        fail_msg("%s", vn_last_error(ctx));
    assert_int_equal(vn_mask_count(m), -1);
    assert_int_equal(vn_image_alloc(&mask, w, h, 1, VN_U8), 0);
    assert_int_equal(vn_mask_read(m, mask), 1);
    assert_int_equal(vn_mask_read(m, mask), 1); /* the same mask for every frame */
    vn_mask_close(&m);
    assert_null(m);
    return mask;
}

static int setup(void **state)
{
    VnSettings s;
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vn-masks-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    vn_default_settings(&s);
    s.log_cb = on_log;
    s.log_level = VN_LOG_WARNING;
    return vn_open(&ctx, &s);
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    vn_close(&ctx);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd);
}

/* Grey samples: value v inside the rectangle [4,10)x[3,8), 0 elsewhere; edge pixels `edge`. */
static void grey_rect(uint8_t *g, uint8_t v, uint8_t edge)
{
    memset(g, 0, W * H);
    for (int y = 3; y < 8; y++)
        for (int x = 4; x < 10; x++)
            g[y * W + x] = (x == 4 || y == 3) ? edge : v;
}

static void expect_rect(const VnImage *m, int id, int edge_id)
{
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            int in = x >= 4 && x < 10 && y >= 3 && y < 8, edge = in && (x == 4 || y == 3);
            int want = !in ? 0 : edge ? edge_id : id;
            if (vn_image_row(m, y)[x] != want)
                fail_msg("pixel %d,%d: %d, expected %d", x, y, vn_image_row(m, y)[x], want);
        }
}

static void grey_masks(void **state)
{
    uint8_t g[W * H];
    VnImage *m;
    (void)state;
    grey_rect(g, 255, 255);
    write_png(tp("g255.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
    expect_rect(m = read_one(tp("g255.png"), W, H), 1, 1);
    vn_image_free(&m);
    grey_rect(g, 1, 1);
    write_png(tp("g1.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
    expect_rect(m = read_one(tp("g1.png"), W, H), 1, 1);
    vn_image_free(&m);
    /* Anti-aliased: 200 in, 60 on the edge → edge is background; 140 on the edge → object. */
    grey_rect(g, 200, 60);
    write_png(tp("aa.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
    expect_rect(m = read_one(tp("aa.png"), W, H), 1, 0);
    vn_image_free(&m);
    grey_rect(g, 255, 140);
    write_png(tp("aa2.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
    expect_rect(m = read_one(tp("aa2.png"), W, H), 1, 1);
    vn_image_free(&m);
}

static void palette_rgb_16bit(void **state)
{
    uint8_t g[W * H], rgb[W * H * 4];
    uint16_t g16[W * H];
    png_color pal[3] = {{0, 0, 0}, {128, 0, 0}, {0, 128, 0}};
    VnImage *m;
    (void)state;
    grey_rect(g, 2, 1); /* object 2 with an edge of object 1 */
    write_png(tp("pal.png"), W, H, PNG_COLOR_TYPE_PALETTE, 8, g, pal, 3);
    expect_rect(m = read_one(tp("pal.png"), W, H), 2, 1);
    vn_image_free(&m);
    grey_rect(g, 255, 255);
    for (int i = 0; i < W * H; i++)
        rgb[3 * i] = 0, rgb[3 * i + 1] = g[i] ? 200 : 0, rgb[3 * i + 2] = g[i] ? 30 : 0;
    write_png(tp("rgb.png"), W, H, PNG_COLOR_TYPE_RGB, 8, rgb, NULL, 0);
    expect_rect(m = read_one(tp("rgb.png"), W, H), 1, 1);
    vn_image_free(&m);
    for (int i = 0; i < W * H; i++)
        rgb[4 * i] = 255, rgb[4 * i + 1] = 255, rgb[4 * i + 2] = 255, rgb[4 * i + 3] = g[i];
    write_png(tp("rgba.png"), W, H, PNG_COLOR_TYPE_RGBA, 8, rgb, NULL, 0);
    expect_rect(m = read_one(tp("rgba.png"), W, H), 1, 1);
    vn_image_free(&m);
    grey_rect(g, 2, 1);
    for (int i = 0; i < W * H; i++) { /* big-endian 16-bit: 65535 inside, 20000 on the edge */
        uint16_t v = g[i] == 2 ? 65535 : g[i] ? 20000 : 0;
        ((uint8_t *)g16)[2 * i] = v >> 8, ((uint8_t *)g16)[2 * i + 1] = v & 255;
    }
    write_png(tp("g16.png"), W, H, PNG_COLOR_TYPE_GRAY, 16, (uint8_t *)g16, NULL, 0);
    expect_rect(m = read_one(tp("g16.png"), W, H), 1, 0);
    vn_image_free(&m);
}

static void scaled(void **state)
{
    uint8_t g[W * H];
    VnImage *m;
    (void)state;
    grey_rect(g, 255, 255);
    write_png(tp("small.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
    n_warnings = 0;
    m = read_one(tp("small.png"), 2 * W, 2 * H);
    assert_int_equal(n_warnings, 1);
    for (int y = 0; y < 2 * H; y++)
        for (int x = 0; x < 2 * W; x++)
            assert_int_equal(vn_image_row(m, y)[x], g[(y / 2) * W + x / 2] ? 1 : 0);
    vn_image_free(&m);
}

static void directory_counts(void **state)
{
    uint8_t g[W * H];
    VnMaskReader *m = NULL;
    VnImage *mask = NULL;
    char name[600];
    (void)state;
    assert_int_equal(mkdir(tp("masks"), 0755), 0);
    for (int i = 0; i < 3; i++) {
        memset(g, 0, sizeof(g));
        g[i] = 255;
        snprintf(name, sizeof(name), "%s/%05d.png", tp("masks"), i);
        write_png(name, W, H, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
    }
    assert_int_equal(vn_mask_open(ctx, &m, tp("masks"), W, H, 5), VN_ERR_MISMATCH);
    assert_null(m);
    if (!strstr(vn_last_error(ctx), "masks: 3 mask files for 5 frames"))
        fail_msg("message: %s", vn_last_error(ctx));
    assert_int_equal(vn_mask_open(ctx, &m, tp("masks"), W, H, 3), 0);
    assert_int_equal(vn_mask_count(m), 3);
    assert_int_equal(vn_image_alloc(&mask, W, H, 1, VN_U8), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(vn_mask_read(m, mask), 1);
        assert_int_equal(mask->data[i], 1); /* in name order */
    }
    assert_int_equal(vn_mask_read(m, mask), 0);
    vn_mask_close(&m);
    /* Unreadable and missing masks. */
    FILE *f = fopen(tp("bad.png"), "wb");
    fputs("not a png", f);
    fclose(f);
    assert_int_equal(vn_mask_open(ctx, &m, tp("bad.png"), W, H, -1), VN_ERR_INVALIDDATA);
    assert_non_null(strstr(vn_last_error(ctx), "bad.png"));
    assert_int_equal(vn_mask_open(ctx, &m, tp("none.png"), W, H, -1), -ENOENT);
    assert_non_null(strstr(vn_last_error(ctx), "none.png"));
    /* A PNG cut short inside its image data: libpng gives up mid-read (under ASan this checks
     * that nothing read so far leaks). */
    for (int i = 0; i < W * H; i++)
        g[i] = (uint8_t)(i * 7919 >> 3); /* incompressible enough: the data spans past byte 60 */
    write_png(tp("whole.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, g, NULL, 0);
    assert_int_equal(truncate(tp("whole.png"), 60), 0);
    assert_int_equal(vn_mask_open(ctx, &m, tp("whole.png"), W, H, -1), VN_ERR_INVALIDDATA);
    if (!strstr(vn_last_error(ctx), "whole.png: truncated or corrupt PNG"))
        fail_msg("message: %s", vn_last_error(ctx));
    vn_image_free(&mask);
}

static void mask_video(void **state)
{
    char cmd[1200];
    VnMaskReader *m = NULL;
    VnImage *mask = NULL;
    (void)state;
    snprintf(cmd, sizeof(cmd), "ffmpeg -nostdin -v error -y -f lavfi -i color=black:s=64x48:r=5:d=1 "
             "-vf drawbox=x=10:y=8:w=20:h=10:color=white:t=fill -c:v ffv1 '%s'", tp("m.mkv"));
    assert_int_equal(system(cmd), 0);
    assert_int_equal(vn_mask_open(ctx, &m, tp("m.mkv"), 64, 48, 5), 0);
    assert_int_equal(vn_mask_count(m), 5);
    assert_int_equal(vn_image_alloc(&mask, 64, 48, 1, VN_U8), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(vn_mask_read(m, mask), 1);
        assert_int_equal(vn_image_row(mask, 12)[15], 1);
        assert_int_equal(vn_image_row(mask, 30)[40], 0);
    }
    assert_int_equal(vn_mask_read(m, mask), 0);
    vn_mask_close(&m);
    assert_int_equal(vn_mask_open(ctx, &m, tp("m.mkv"), 64, 48, 7), VN_ERR_MISMATCH);
    vn_image_free(&mask);
}

static void davis_round_trip(void **state)
{
    VnImage *ids = NULL, *m;
    FILE *f;
    uint8_t head[26];
    (void)state;
    assert_int_equal(vn_image_alloc(&ids, W, H, 1, VN_U8), 0);
    for (int y = 3; y < 8; y++)
        for (int x = 4; x < 10; x++)
            vn_image_row(ids, y)[x] = x == 4 || y == 3 ? 1 : 3;
    assert_int_equal(vn_mask_save_png(ctx, tp("ids.png"), ids, 0), 0);
    f = fopen(tp("ids.png"), "rb");
    assert_int_equal(fread(head, 1, 26, f), 26);
    fclose(f);
    assert_int_equal(head[25], PNG_COLOR_TYPE_PALETTE);
    expect_rect(m = read_one(tp("ids.png"), W, H), 3, 1);
    vn_image_free(&m);
    assert_int_equal(vn_mask_save_png(ctx, tp("bin.png"), ids, 1), 0);
    f = fopen(tp("bin.png"), "rb");
    assert_int_equal(fread(head, 1, 26, f), 26);
    fclose(f);
    assert_int_equal(head[25], PNG_COLOR_TYPE_GRAY);
    expect_rect(m = read_one(tp("bin.png"), W, H), 1, 1);
    vn_image_free(&m);
    assert_int_equal(vn_mask_save_png(ctx, tp("nodir/x.png"), ids, 1), -ENOENT);
    assert_non_null(strstr(vn_last_error(ctx), "nodir/x.png"));
    vn_image_free(&ids);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(grey_masks),
        cmocka_unit_test(palette_rgb_16bit),
        cmocka_unit_test(scaled),
        cmocka_unit_test(directory_counts),
        cmocka_unit_test(mask_video),
        cmocka_unit_test(davis_round_trip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
