/* vn_track_update_dir, vn_track_video_edit and keyframes.json through the library: a directory
 * of PNG frames (a disc moving over a textured background) is tracked, edited on one frame and
 * updated; the update equals a full track from all keyframes, uses the recorded settings, and
 * rejects bad edits. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "vanish/track.h"
#include "vanish/video.h"

#include "pipeline/mask_complete.h"

#include "test_ctx.h"

#define W 160
#define H 120
#define N 24

static char tmp[256];

static const char *at(const char *name)
{
    static char bufs[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(bufs[k], sizeof(bufs[k]), "%s/%s", tmp, name);
    return bufs[k];
}

/* Centre of the disc on frame t. */
static void centre(int t, float *cx, float *cy)
{
    *cx = 40 + 3.0f * t, *cy = 60 + 10 * sinf(t / 5.0f);
}

/* The disc of frame t (radius r) as a mask. */
static VnImage *disc(int t, float r)
{
    VnImage *m;
    float cx, cy;
    centre(t, &cx, &cy);
    assert_int_equal(vn_image_alloc(&m, W, H, 1, VN_U8), 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            ((uint8_t *)vn_image_row(m, y))[x] = (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r;
    return m;
}

/* Frame t: a red textured disc over a green-grey texture, saved as frames/%05d.png. */
static void write_frame(int t)
{
    VnImage *img, *m = disc(t, 18);
    char name[64];
    float cx, cy;
    centre(t, &cx, &cy);
    assert_int_equal(vn_image_alloc(&img, W, H, 3, VN_U8), 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = (uint8_t *)vn_image_row(img, y) + 3 * x;
            int in = ((uint8_t *)vn_image_row(m, y))[x];
            float u = in ? x - cx : x, w = in ? y - cy : y; /* the disc's texture moves with it */
            int v = (int)(30 * sinf(u * 0.4f) * cosf(w * 0.3f));
            p[0] = (uint8_t)(in ? 200 + v / 2 : 80 + v);
            p[1] = (uint8_t)(in ? 60 : 120 + v);
            p[2] = (uint8_t)(in ? 50 - v / 3 : 90);
        }
    snprintf(name, sizeof(name), "frames/%05d.png", t);
    assert_int_equal(vn_image_save_png(ctx, at(name), img), 0);
    vn_image_free(&img);
    vn_image_free(&m);
}

static int group_setup(void **state)
{
    snprintf(tmp, sizeof(tmp), "/tmp/vn-track-update-XXXXXX");
    if (!mkdtemp(tmp) || mkdir(at("frames"), 0700) < 0 || setup(state) < 0)
        return -1;
    for (int t = 0; t < N; t++)
        write_frame(t);
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        return -1;
    return teardown(state);
}

/* 1 if files a and b hold the same bytes. */
static int same_file(const char *a, const char *b)
{
    FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
    int same = f && g, c, d;
    while (same && ((c = getc(f)) != EOF) | ((d = getc(g)) != EOF))
        same = c == d;
    if (f)
        fclose(f);
    if (g)
        fclose(g);
    return same;
}

static void same_dirs(const char *a, const char *b)
{
    char x[600], y[600];
    for (int t = 0; t < N; t++) {
        snprintf(x, sizeof(x), "%s/%05d.png", a, t);
        snprintf(y, sizeof(y), "%s/%05d.png", b, t);
        if (!same_file(x, y))
            fail_msg("frame %d differs between %s and %s", t, a, b);
    }
    snprintf(x, sizeof(x), "%s/keyframes.json", a);
    snprintf(y, sizeof(y), "%s/keyframes.json", b);
    assert_true(same_file(x, y));
}

/* The record round-trips the keyframes and non-default settings; an update with s == NULL uses
 * them and equals a full track from all keyframes; its figures say what it did. */
static void update_equals_full(void **state)
{
    VnTrackSettings s;
    VnTrackRecord *rec = calloc(1, sizeof(*rec));
    VnTrackUpdateStats st;
    VnImage *k0 = disc(0, 18), *k16 = disc(16, 20);
    (void)state;
    vn_track_default_settings(&s);
    s.smoothness = 2.5f, s.components = 4, s.chunk = 5;
    VnTrackKey one[] = {{0, k0}}, edit[] = {{16, k16}}, both[] = {{16, k16}, {0, k0}};
    assert_int_equal(vn_track_to_dir(ctx, at("frames"), one, 1, at("a"), 0, &s), N);
    assert_int_equal(vn_track_record_load(ctx, at("a"), rec), 0);
    assert_int_equal(rec->n_frames, N);
    assert_int_equal(rec->width, W);
    assert_int_equal(rec->height, H);
    assert_int_equal(rec->n_keys, 1);
    assert_int_equal(rec->keys[0], 0);
    assert_memory_equal(&rec->settings, &s, sizeof(s));
    /* frames 1..5 stay frame 0's forward propagation; 6..23 change */
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), edit, 1, at("a"), NULL, &st), N - 6);
    assert_int_equal(st.n_frames, N);
    assert_int_equal(st.first, 6);
    assert_int_equal(st.last, N - 1);
    assert_int_equal(st.n_written, N - 6);
    assert_int_equal(st.n_steps, (10 - 0) + (16 - 6) + (N - 1 - 16)); /* forward 1..10, backward 15..6, forward 17..23 */
    assert_int_equal(vn_track_to_dir(ctx, at("frames"), both, 2, at("b"), 0, &s), N);
    same_dirs(at("a"), at("b"));
    /* the same mask again on a keyframe changes nothing */
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), edit, 1, at("a"), NULL, &st), 0);
    assert_int_equal(st.n_written, 0);
    assert_int_equal(st.n_steps, 0);
    same_dirs(at("a"), at("b"));
    assert_int_equal(vn_track_record_load(ctx, at("a"), rec), 0);
    assert_int_equal(rec->n_keys, 2);
    assert_int_equal(rec->keys[1], 16);
    vn_image_free(&k0);
    vn_image_free(&k16);
    free(rec);
}

/* Bad edits and directories fail with a message and leave the directory as it was. */
static void bad_updates(void **state)
{
    VnImage *k0 = disc(0, 18), *small;
    VnTrackKey one[] = {{0, k0}}, far[] = {{N, k0}}, twice[] = {{3, k0}, {3, k0}};
    (void)state;
    assert_int_equal(vn_image_alloc(&small, W / 2, H, 1, VN_U8), 0);
    VnTrackKey wrong[] = {{3, small}};
    assert_int_equal(vn_track_to_dir(ctx, at("frames"), one, 1, at("c"), 0, NULL), N);
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), far, 1, at("c"), NULL, NULL), -EINVAL);
    assert_non_null(strstr(vn_last_error(ctx), "out of range"));
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), wrong, 1, at("c"), NULL, NULL), VN_ERR_MISMATCH);
    assert_non_null(strstr(vn_last_error(ctx), "80x120"));
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), twice, 2, at("c"), NULL, NULL), -EINVAL);
    assert_non_null(strstr(vn_last_error(ctx), "two masks"));
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), one, 0, at("c"), NULL, NULL), -EINVAL);
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), one, 1, at("nothing"), NULL, NULL), -ENOENT);
    assert_int_equal(vn_track_update_dir(ctx, at("frames"), one, 1, at("frames"), NULL, NULL), -ENOENT);
    assert_non_null(strstr(vn_last_error(ctx), "keyframes.json"));
    assert_int_equal(vn_track_update_dir(NULL, at("frames"), one, 1, at("c"), NULL, NULL), -EINVAL);
    vn_image_free(&k0);
    vn_image_free(&small);
}

/* A footprint the detector holds constant over time for half or more (an opaque logo: the
 * picture under it is hidden) is not grown and the video is not read: the model grows nothing
 * there, and reading the video for it took a third of detect-overlay's time on an opaque logo.
 * An input that cannot be opened shows whether it was read. */
static void grow_found_opaque(void **state)
{
    VnImage *m = NULL, *opaque = NULL;
    (void)state;
    assert_int_equal(vn_image_alloc(&m, W, H, 1, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&opaque, W, H, 1, VN_U8), 0);
    for (int y = 0; y < H; y++) {
        memset(vn_image_row(m, y), 0, W);
        memset(vn_image_row(opaque, y), 0, W);
    }
    for (int y = 40; y < 60; y++) {
        memset(vn_image_row(m, y) + 50, 255, 30);
        memset(vn_image_row(opaque, y) + 50, 255, 16); /* 16 of 30 columns: over half */
    }
    assert_int_equal(vni_mask_grow_found(ctx, at("no-such-video"), N, m, opaque), 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            assert_int_equal(vn_image_row(m, y)[x], y >= 40 && y < 60 && x >= 50 && x < 80 ? 255 : 0);
    /* under half constant, or none known: the video is read (and cannot be) */
    for (int y = 40; y < 60; y++)
        vn_image_row(opaque, y)[64] = vn_image_row(opaque, y)[65] = 0; /* 14 of 30 */
    assert_true(vni_mask_grow_found(ctx, at("no-such-video"), N, m, opaque) < 0);
    assert_true(vni_mask_grow_found(ctx, at("no-such-video"), N, m, NULL) < 0);
    vn_image_free(&m);
    vn_image_free(&opaque);
}

/* Malformed or inconsistent records are refused with one message; a valid one is read. */
/* The overlay detector grows its footprint by the overlay model (vni_mask_grow_found); a footprint
 * its later passes emptied grows nothing and is no error (it once took the empty mask's box as
 * the window and failed with "out of memory", so `vanish detect-overlay` and the page's Find
 * watermark failed on a clip without a watermark). */
static void grow_found_empty(void **state)
{
    VnImage *m = NULL;
    (void)state;
    assert_int_equal(vn_image_alloc(&m, W, H, 1, VN_U8), 0);
    for (int y = 0; y < H; y++)
        memset(vn_image_row(m, y), 0, W);
    assert_int_equal(vni_mask_grow_found(ctx, at("frames"), N, m, NULL), 0);
    assert_int_equal(vni_mask_grow(ctx, at("frames"), N, m), 0);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            assert_int_equal(vn_image_row(m, y)[x], 0);
    vn_image_free(&m);
}

static void bad_records(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "{\"format\": \"vanish-track\", \"version\": 1, \"frames\": 10, \"width\": 8, \"height\": 8}",
        "{\"format\": \"other\", \"version\": 1, \"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0]}",
        "{\"format\": \"vanish-track\", \"version\": 2, \"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0]}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0]}", /* no format */
        "{\"format\": \"vanish-track\", \"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [10]}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [3, 3]}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [4, 2]}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": []}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [-1]}",
        "{\"frames\": 99999999999999999999, \"width\": 8, \"height\": 8, \"keyframes\": [0]}",
        "{\"frames\": 10, \"width\": 0, \"height\": 8, \"keyframes\": [0]}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0], \"extra\": 1}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0], \"settings\": {\"mode\": \"bogus\"}}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0], \"settings\": {\"chunk\": \"1\"}}",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0]} trailing",
        "{\"frames\": 10, \"width\": 8, \"height\": 8, \"keyframes\": [0,]}",
        "{\"frames\": \"1\\\"0\", \"width\": 8, \"height\": 8, \"keyframes\": [0]}",
    };
    VnTrackRecord *rec = calloc(1, sizeof(*rec));
    char path[600];
    FILE *f;
    (void)state;
    assert_int_equal(mkdir(at("rec"), 0700), 0);
    snprintf(path, sizeof(path), "%s/keyframes.json", at("rec"));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_non_null(f = fopen(path, "w"));
        fputs(bad[i], f);
        fclose(f);
        if (vn_track_record_load(ctx, at("rec"), rec) != VN_ERR_INVALIDDATA)
            fail_msg("record %zu accepted: %s", i, bad[i]);
        assert_non_null(strstr(vn_last_error(ctx), "not a valid keyframe record"));
    }
    assert_non_null(f = fopen(path, "w"));
    for (int i = 0; i < 300000; i++) /* past the 1 MiB limit */
        fputs("    ", f);
    fclose(f);
    assert_true(vn_track_record_load(ctx, at("rec"), rec) < 0);
    assert_non_null(f = fopen(path, "w"));
    fputs(" {\"format\": \"vanish-track\", \"frames\": 10,\n\"width\": 8, \"height\": 6, \"keyframes\": [0, 9], \"settings\": {\"mode\": \"rigid\", "
          "\"smoothness\": 3.5}}\n", f);
    fclose(f);
    assert_int_equal(vn_track_record_load(ctx, at("rec"), rec), 0);
    assert_int_equal(rec->n_keys, 2);
    assert_int_equal(rec->keys[1], 9);
    assert_int_equal(rec->height, 6);
    assert_int_equal(rec->settings.mode, VN_TRACK_RIGID);
    assert_float_equal(rec->settings.smoothness, 3.5f, 0);
    free(rec);
}

/* Masks kept in memory by frame. */
typedef struct Store {
    VnImage *m[N];
    int n;
} Store;

static int store(void *cookie, int64_t frame, const VnImage *mask)
{
    Store *st = cookie;
    assert_true(frame >= 0 && frame < N && !st->m[frame]);
    assert_int_equal(vn_image_alloc(&st->m[frame], W, H, 1, VN_U8), 0);
    st->n++;
    return vn_image_copy(st->m[frame], mask);
}

static void store_free(Store *st)
{
    for (int i = 0; i < N; i++)
        vn_image_free(&st->m[i]);
}

/* In memory: the edit gives frames 6..23 only, equal to vn_track_video's from both keyframes. */
static void edit_in_memory(void **state)
{
    VnImage *k0 = disc(0, 18), *k16 = disc(16, 20);
    VnTrackKey both[] = {{0, k0}, {16, k16}};
    int64_t old[] = {0}, edited[] = {16};
    VnTrackEdit e = {old, 1, edited, 1, N};
    Store full = {0}, part = {0};
    (void)state;
    assert_int_equal(vn_track_video(ctx, at("frames"), both, 2, NULL, store, &full), N);
    assert_int_equal(vn_track_video_edit(ctx, at("frames"), both, 2, &e, NULL, store, &part), N - 6);
    float cx, cy;
    centre(22, &cx, &cy); /* the disc was followed */
    assert_int_equal(((uint8_t *)vn_image_row(full.m[22], (int)cy))[(int)cx], 1);
    assert_int_equal(((uint8_t *)vn_image_row(full.m[22], (int)cy))[(int)cx - 30], 0);
    for (int i = 0; i < N; i++) {
        assert_true((part.m[i] != NULL) == (i >= 6));
        for (int y = 0; part.m[i] && y < H; y++)
            assert_memory_equal(vn_image_row(part.m[i], y), vn_image_row(full.m[i], y), W);
    }
    e.n_frames = 0;
    assert_int_equal(vn_track_video_edit(ctx, at("frames"), both, 2, &e, NULL, store, &part), -EINVAL);
    e.n_frames = 10;
    assert_int_equal(vn_track_video_edit(ctx, at("frames"), both, 2, &e, NULL, store, &part), -EINVAL);
    assert_non_null(strstr(vn_last_error(ctx), "out of range"));
    store_free(&full);
    store_free(&part);
    vn_image_free(&k0);
    vn_image_free(&k16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(update_equals_full),
        cmocka_unit_test(bad_updates),
        cmocka_unit_test(edit_in_memory),
        cmocka_unit_test(bad_records),
        cmocka_unit_test(grow_found_empty),
        cmocka_unit_test(grow_found_opaque),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
