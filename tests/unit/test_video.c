/*
 * The media layer end to end: clips made with the ffmpeg CLI (testsrc2 + sine at 30000/1001,
 * variable frame rate, rotated, 4:2:2 10-bit, odd size, PCM audio) are read, written with a
 * mask (MP4, FFV1/MKV, PNG frames) and checked with ffprobe; bad inputs give the right error,
 * a message naming the file and no output file.
 */
#include <dirent.h>
#include <errno.h>
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

static char tmpdir[256];
static VnContext *ctx;
static int n_warnings;

static void on_log(void *cookie, int level, const char *msg)
{
    (void)cookie;
    (void)msg;
    n_warnings += level == VN_LOG_WARNING;
}

/* Path of a file in the test directory (rotating static buffers). */
static const char *tp(const char *fmt, ...)
{
    static char bufs[8][512];
    static int k;
    char name[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof(name), fmt, ap);
    va_end(ap);
    k = (k + 1) % 8;
    snprintf(bufs[k], sizeof(bufs[k]), "%s/%s", tmpdir, name);
    return bufs[k];
}

static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd);
}

/* The output of a shell command, trailing newlines removed. */
static char *capture(const char *fmt, ...)
{
    static char out[1 << 16];
    char cmd[4096];
    size_t n;
    va_list ap;
    FILE *p;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(out, 1, sizeof(out) - 1, p);
    pclose(p);
    out[n] = '\0';
    while (n && out[n - 1] == '\n')
        out[--n] = '\0';
    return out;
}

static int gen(const char *out, const char *args)
{
    return sh("ffmpeg -nostdin -v error -y %s '%s'", args, out);
}

/* Give the first track of an MP4 a 90° display matrix (FFmpeg 5.1's CLI cannot set one). */
static int rotate_mp4(const char *path)
{
    static const uint32_t m[9] = {0, 0x10000, 0, 0xffff0000u, 0, 0, 0, 0, 0x40000000};
    unsigned char buf[1 << 16], *p;
    size_t n;
    FILE *f = fopen(path, "r+b");
    if (!f)
        return -1;
    n = fread(buf, 1, sizeof(buf), f);
    fseek(f, 0, SEEK_SET);
    n = fread(buf, 1, sizeof(buf), f);
    p = memmem(buf, n, "tkhd", 4);
    /* Look near the end, where FFmpeg puts the moov box. */
    if (!p) {
        long size;
        fseek(f, 0, SEEK_END);
        size = ftell(f);
        fseek(f, size > (long)sizeof(buf) ? size - (long)sizeof(buf) : 0, SEEK_SET);
        n = fread(buf, 1, sizeof(buf), f);
        if (!(p = memmem(buf, n, "tkhd", 4))) {
            fclose(f);
            return -1;
        }
        fseek(f, (size > (long)sizeof(buf) ? size - (long)sizeof(buf) : 0) + (p - buf) + 44, SEEK_SET);
    } else {
        fseek(f, (p - buf) + 44, SEEK_SET);
    }
    for (int i = 0; i < 9; i++) {
        unsigned char b[4] = {m[i] >> 24, (m[i] >> 16) & 255, (m[i] >> 8) & 255, m[i] & 255};
        fwrite(b, 1, 4, f);
    }
    return fclose(f);
}

static int setup(void **state)
{
    VnSettings s;
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vn-video-XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    vn_default_settings(&s);
    s.log_cb = on_log;
    s.log_level = VN_LOG_WARNING;
    s.n_threads = 2;
    if (vn_open(&ctx, &s) < 0)
        return -1;
    if (gen(tp("cfr.mp4"), "-f lavfi -i testsrc2=size=320x240:rate=30000/1001 -f lavfi "
                           "-i sine=frequency=440:sample_rate=48000 -t 2 -c:v libx264 -pix_fmt yuv420p "
                           "-c:a aac -metadata title=vanish-test -metadata:s:a language=fra") ||
        gen(tp("vfr.mp4"), "-f lavfi -i testsrc2=size=160x120:rate=30 -t 2 "
                           "-vf \"select='lt(n,10)+not(mod(n,3))'\" -fps_mode vfr -c:v libx264") ||
        gen(tp("rot.mp4"), "-f lavfi -i testsrc2=size=160x96:rate=25 -t 1 -c:v libx264") ||
        rotate_mp4(tp("rot.mp4")) ||
        gen(tp("p10.mkv"), "-f lavfi -i testsrc2=size=192x108:rate=25 -t 1 -c:v libx264 "
                           "-pix_fmt yuv422p10le") ||
        gen(tp("odd.mkv"), "-f lavfi -i testsrc2=size=321x241:rate=25 -t 1 -vf scale=321:241,format=yuv420p -c:v ffv1") ||
        gen(tp("pcm.mov"), "-f lavfi -i testsrc2=size=128x96:rate=25 -f lavfi -i sine=sample_rate=44100 "
                           "-t 1 -c:v libx264 -c:a pcm_s16le"))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    vn_close(&ctx);
    sh("rm -rf '%s'", tmpdir);
    return 0;
}

/* A rectangle mask. */
static VnImage *rect_mask(int w, int h, int x0, int y0, int x1, int y1)
{
    VnImage *m = NULL;
    assert_int_equal(vn_image_alloc(&m, w, h, 1, VN_U8), 0);
    for (int y = y0; y < y1 && y < h; y++)
        for (int x = x0; x < x1 && x < w; x++)
            vn_image_row(m, y)[x] = 1;
    return m;
}

/* Copy `in` to `out` painting the masked pixels magenta; returns the frames written. */
static int64_t transcode(const char *in, const char *out, const VnWriterSettings *ws, int with_mask)
{
    VnVideoReader *r = NULL;
    VnVideoWriter *w = NULL;
    VnFrame *f = NULL;
    VnImage *mask;
    const VnVideoInfo *info;
    int64_t n = 0;
    int ret;
    assert_int_equal(vn_video_open(ctx, &r, in), 0);
    info = vn_video_info(r);
    mask = rect_mask(info->width, info->height, 11, 7, 41, 30);
    ret = vn_video_writer_open(ctx, &w, out, r, ws);
    if (ret < 0)
        fail_msg("%s", vn_last_error(ctx));
    while ((ret = vn_video_read(r, &f)) > 0) {
        VnImage *rgb = vn_frame_rgb(f);
        assert_int_equal(vn_frame_index(f), n);
        for (int y = 7; y < 30; y++)
            for (int x = 11; x < 41; x++) {
                uint8_t *p = vn_image_row(rgb, y) + 3 * x;
                p[0] = 255, p[1] = 0, p[2] = 255;
            }
        assert_int_equal(vn_video_write(w, f, with_mask ? mask : NULL), 0);
        vn_frame_free(&f);
        n++;
    }
    assert_int_equal(ret, 0);
    if ((ret = vn_video_writer_finish(w)) < 0)
        fail_msg("%s", vn_last_error(ctx));
    vn_video_writer_close(&w);
    vn_image_free(&mask);
    vn_video_close(&r);
    return n;
}

static VnWriterSettings defaults(void)
{
    VnWriterSettings ws;
    vn_writer_default_settings(&ws);
    ws.preset = "ultrafast";
    return ws;
}

static char *probe_pts(const char *path)
{
    return capture("ffprobe -v error -select_streams v:0 -show_entries frame=pts -of csv=p=0 '%s'", path);
}

static char *probe(const char *entries, const char *sel, const char *path)
{
    return capture("ffprobe -v error -select_streams %s -show_entries %s -of default=nw=1:nk=1 '%s'",
                   sel, entries, path);
}

static void read_cfr(void **state)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    const VnVideoInfo *in;
    int64_t n = 0;
    (void)state;
    assert_int_equal(vn_video_open(ctx, &r, tp("cfr.mp4")), 0);
    in = vn_video_info(r);
    assert_int_equal(in->width, 320);
    assert_int_equal(in->height, 240);
    assert_int_equal(in->frame_rate.num, 30000);
    assert_int_equal(in->frame_rate.den, 1001);
    assert_int_equal(in->n_audio, 1);
    assert_string_equal(in->pix_fmt, "yuv420p");
    assert_int_equal(vn_video_count_frames(r), 60);
    while (vn_video_read(r, &f) > 0) {
        assert_int_equal(vn_frame_index(f), n);
        assert_int_equal(vn_frame_pts(f) * in->time_base.num * 30000, n * 1001 * in->time_base.den);
        vn_frame_free(&f);
        n++;
    }
    assert_int_equal(n, 60);
    assert_int_equal(vn_video_rewind(r), 0);
    assert_int_equal(vn_video_read(r, &f), 1);
    assert_int_equal(vn_frame_index(f), 0);
    vn_frame_free(&f);
    vn_video_close(&r);
    assert_null(r);
}

static void write_mp4(void **state)
{
    VnWriterSettings ws = defaults();
    char pts[1 << 15];
    (void)state;
    assert_int_equal(transcode(tp("cfr.mp4"), tp("out.mp4"), &ws, 1), 60);
    snprintf(pts, sizeof(pts), "%s", probe_pts(tp("cfr.mp4")));
    assert_string_equal(probe_pts(tp("out.mp4")), pts);
    assert_string_equal(probe("stream=r_frame_rate", "v:0", tp("out.mp4")), "30000/1001");
    assert_string_equal(probe("stream=codec_name", "a:0", tp("out.mp4")), "aac");
    assert_string_equal(probe("stream_tags=language", "a:0", tp("out.mp4")), "fra");
    assert_string_equal(probe("format_tags=title", "v:0", tp("out.mp4")), "vanish-test");
    assert_string_equal(capture("ffprobe -v error -count_frames -select_streams v:0 -show_entries "
                                "stream=nb_read_frames -of csv=p=0 '%s'", tp("out.mp4")), "60");
    /* An existing output needs overwrite. */
    {
        VnVideoReader *r = NULL;
        VnVideoWriter *w = NULL;
        assert_int_equal(vn_video_open(ctx, &r, tp("cfr.mp4")), 0);
        assert_int_equal(vn_video_writer_open(ctx, &w, tp("out.mp4"), r, &ws), -EEXIST);
        assert_non_null(strstr(vn_last_error(ctx), "out.mp4"));
        vn_video_close(&r);
    }
}

/* Every pixel of the PNG frames outside the mask equals the reader's RGB. */
static void check_png_frames(const char *in, const char *dir, int64_t n_frames)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int64_t n = 0;
    assert_int_equal(vn_video_open(ctx, &r, in), 0);
    while (vn_video_read(r, &f) > 0) {
        VnImage *rgb = vn_frame_rgb(f), *png = NULL;
        char name[600];
        snprintf(name, sizeof(name), "%s%05lld.png", dir, (long long)n);
        assert_int_equal(vn_image_load(ctx, name, &png), 0);
        assert_int_equal(png->width, rgb->width);
        for (int y = 0; y < rgb->height; y++)
            for (int x = 0; x < rgb->width; x++) {
                const uint8_t *a = vn_image_row(rgb, y) + 3 * x, *b = vn_image_row(png, y) + 3 * x;
                int inside = x >= 11 && x < 41 && y >= 7 && y < 30;
                if (inside)
                    assert_true(b[0] == 255 && b[1] == 0 && b[2] == 255);
                else if (memcmp(a, b, 3))
                    fail_msg("%s: pixel %d,%d differs outside the mask", name, x, y);
            }
        vn_image_free(&png);
        vn_frame_free(&f);
        n++;
    }
    assert_int_equal(n, n_frames);
    vn_video_close(&r);
}

static void write_png_dir(void **state)
{
    VnWriterSettings ws = defaults();
    (void)state;
    assert_int_equal(transcode(tp("cfr.mp4"), tp("frames/"), &ws, 1), 60);
    check_png_frames(tp("cfr.mp4"), tp("frames/"), 60);
    assert_int_equal(transcode(tp("p10.mkv"), tp("frames10/"), &ws, 1), 25);
    check_png_frames(tp("p10.mkv"), tp("frames10/"), 25);
    /* PNG frames read back as a directory and as a pattern; writing onto them is refused. */
    {
        VnVideoReader *r = NULL;
        VnVideoWriter *w = NULL;
        assert_int_equal(vn_video_open(ctx, &r, tp("frames")), 0);
        assert_int_equal(vn_video_count_frames(r), 60);
        assert_int_equal(vn_video_info(r)->width, 320);
        assert_int_equal(vn_video_writer_open(ctx, &w, tp("frames/"), r, &ws), -EINVAL);
        assert_non_null(strstr(vn_last_error(ctx), "would overwrite the input"));
        vn_video_close(&r);
        assert_int_equal(vn_video_open(ctx, &r, tp("frames/%%05d.png")), 0);
        assert_int_equal(vn_video_count_frames(r), 60);
        vn_video_close(&r);
    }
}

/* Lossless FFV1: outside the mask (and a margin for chroma) the decoded RGB is the source's. */
static void write_ffv1(void **state)
{
    VnWriterSettings ws = defaults();
    VnVideoReader *a = NULL, *b = NULL;
    VnFrame *fa = NULL, *fb = NULL;
    int64_t n = 0;
    (void)state;
    ws.lossless = 1;
    assert_int_equal(transcode(tp("p10.mkv"), tp("p10-out.mkv"), &ws, 1), 25);
    assert_string_equal(probe("stream=codec_name", "v:0", tp("p10-out.mkv")), "ffv1");
    assert_string_equal(probe("stream=pix_fmt", "v:0", tp("p10-out.mkv")), "yuv422p10le");
    assert_int_equal(vn_video_open(ctx, &a, tp("p10.mkv")), 0);
    assert_int_equal(vn_video_open(ctx, &b, tp("p10-out.mkv")), 0);
    while (vn_video_read(a, &fa) > 0) {
        VnImage *x = vn_frame_rgb(fa), *y;
        assert_int_equal(vn_video_read(b, &fb), 1);
        y = vn_frame_rgb(fb);
        for (int r = 0; r < x->height; r++)
            for (int c = 0; c < x->width; c++) {
                int near = c >= 11 - 4 && c < 41 + 4 && r >= 7 - 4 && r < 30 + 4;
                if (!near && memcmp(vn_image_row(x, r) + 3 * c, vn_image_row(y, r) + 3 * c, 3))
                    fail_msg("frame %lld pixel %d,%d differs", (long long)n, c, r);
            }
        vn_frame_free(&fa);
        vn_frame_free(&fb);
        n++;
    }
    assert_int_equal(n, 25);
    vn_video_close(&a);
    vn_video_close(&b);
}

static void vfr_rotation_odd_pcm(void **state)
{
    VnWriterSettings ws = defaults();
    VnVideoReader *r = NULL;
    char pts[1 << 15];
    (void)state;
    /* Variable frame rate: the same timestamps. */
    assert_int_equal(transcode(tp("vfr.mp4"), tp("vfr-out.mp4"), &ws, 1), 26);
    snprintf(pts, sizeof(pts), "%s", probe_pts(tp("vfr.mp4")));
    assert_string_equal(probe_pts(tp("vfr-out.mp4")), pts);
    transcode(tp("vfr.mp4"), tp("vfr-out.mkv"), &ws, 1);
    assert_string_equal(capture("ffprobe -v error -select_streams v:0 -show_entries frame=pts_time "
                                "-of csv=p=0 '%s' | awk '{printf \"%%.3f\\n\", $1}'", tp("vfr-out.mkv")),
                        capture("ffprobe -v error -select_streams v:0 -show_entries frame=pts_time "
                                "-of csv=p=0 '%s' | awk '{printf \"%%.3f\\n\", $1}'", tp("vfr.mp4")));
    /* Rotation. */
    assert_int_equal(vn_video_open(ctx, &r, tp("rot.mp4")), 0);
    assert_true(vn_video_info(r)->rotation == 90 || vn_video_info(r)->rotation == 270);
    vn_video_close(&r);
    transcode(tp("rot.mp4"), tp("rot-out.mp4"), &ws, 1);
    snprintf(pts, sizeof(pts), "%s", probe("stream_side_data=rotation", "v:0", tp("rot.mp4")));
    assert_true(pts[0] != '\0');
    assert_string_equal(probe("stream_side_data=rotation", "v:0", tp("rot-out.mp4")), pts);
    /* Odd size: same size out (4:4:4 H.264, with a warning). */
    n_warnings = 0;
    assert_int_equal(transcode(tp("odd.mkv"), tp("odd-out.mp4"), &ws, 1), 25);
    assert_true(n_warnings > 0);
    assert_string_equal(probe("stream=width,height", "v:0", tp("odd-out.mp4")), "321\n241");
    assert_int_equal(transcode(tp("odd.mkv"), tp("odd-frames/"), &ws, 1), 25);
    check_png_frames(tp("odd.mkv"), tp("odd-frames/"), 25);
    /* PCM cannot go into MP4: AAC, with a warning. */
    n_warnings = 0;
    assert_int_equal(transcode(tp("pcm.mov"), tp("pcm-out.mp4"), &ws, 0), 25);
    assert_true(n_warnings > 0);
    assert_string_equal(probe("stream=codec_name", "a:0", tp("pcm-out.mp4")), "aac");
    transcode(tp("pcm.mov"), tp("pcm-out.mov"), &ws, 0);
    assert_string_equal(probe("stream=codec_name", "a:0", tp("pcm-out.mov")), "pcm_s16le");
}

static void tree_avi_count(void **state)
{
    const char *tree = "/usr/share/doc/opencv-doc/examples/data/tree.avi";
    VnVideoReader *r = NULL;
    (void)state;
    if (access(tree, R_OK))
        skip();
    assert_int_equal(vn_video_open(ctx, &r, tree), 0);
    assert_int_equal(vn_video_count_frames(r), 68);
    vn_video_close(&r);
}

/* No file of the test directory is a leftover temporary. */
static void no_temp_left(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)))
        if (strstr(e->d_name, ".tmp-"))
            fail_msg("temporary file left: %s", e->d_name);
    closedir(d);
}

static void expect_open_error(const char *path, int code, const char *words)
{
    VnVideoReader *r = (VnVideoReader *)1;
    const char *base = strrchr(path, '/') + 1;
    assert_int_equal(vn_video_open(ctx, &r, path), code);
    assert_null(r);
    if (!strstr(vn_last_error(ctx), base) || !strstr(vn_last_error(ctx), words))
        fail_msg("message '%s' lacks '%s' or '%s'", vn_last_error(ctx), base, words);
    assert_null(strchr(vn_last_error(ctx), '\n'));
}

static void bad_inputs(void **state)
{
    VnWriterSettings ws = defaults();
    VnVideoReader *r = NULL;
    VnVideoWriter *w = (VnVideoWriter *)1;
    (void)state;
    expect_open_error(tp("missing.mp4"), -ENOENT, "No such file or directory");
    sh(": > '%s'", tp("empty.mp4"));
    expect_open_error(tp("empty.mp4"), VN_ERR_INVALIDDATA, "empty");
    sh("head -c 30000 '%s' > '%s'", tp("cfr.mp4"), tp("trunc.mp4"));
    expect_open_error(tp("trunc.mp4"), VN_ERR_INVALIDDATA, "truncated or corrupt (moov atom not found)");
    sh("yes 'this is not a video' | head -n 200 > '%s'", tp("text.mp4"));
    expect_open_error(tp("text.mp4"), VN_ERR_INVALIDDATA, "not a video file");
    assert_int_equal(vn_video_open(ctx, &r, tp("cfr.mp4")), 0);
    assert_int_equal(vn_video_writer_open(ctx, &w, tp("nodir/x.mp4"), r, &ws), -ENOENT);
    assert_null(w);
    assert_non_null(strstr(vn_last_error(ctx), "nodir/x.mp4: cannot create output: No such file or directory"));
    assert_int_equal(vn_video_writer_open(ctx, &w, tp("cfr.mp4"), r, &ws), -EINVAL);
    assert_non_null(strstr(vn_last_error(ctx), "cfr.mp4: output would overwrite the input"));
    ws.overwrite = 1;
    assert_int_equal(vn_video_writer_open(ctx, &w, tp("cfr.mp4"), r, &ws), -EINVAL);
    assert_int_equal(vn_video_writer_open(ctx, &w, tp("x.unknownext"), r, &ws), VN_ERR_FORMAT);
    /* A writer closed without finish leaves nothing. */
    assert_int_equal(vn_video_writer_open(ctx, &w, tp("abandoned.mp4"), r, &ws), 0);
    vn_video_writer_close(&w);
    assert_int_equal(access(tp("abandoned.mp4"), F_OK), -1);
    assert_int_equal(vn_video_writer_open(ctx, &w, tp("abandoned/"), r, &ws), 0);
    vn_video_writer_close(&w);
    assert_int_equal(access(tp("abandoned"), F_OK), -1);
    vn_video_close(&r);
    no_temp_left();
}

static void still_images(void **state)
{
    VnImage *img = NULL, *back = NULL;
    (void)state;
    assert_int_equal(gen(tp("still.jpg"), "-f lavfi -i testsrc2=size=99x51 -vf scale=99:51 -frames:v 1"), 0);
    assert_int_equal(vn_image_load(ctx, tp("still.jpg"), &img), 0);
    assert_int_equal(img->width, 99);
    assert_int_equal(img->height, 51);
    assert_int_equal(vn_image_save_png(ctx, tp("still.png"), img), 0);
    assert_int_equal(vn_image_load(ctx, tp("still.png"), &back), 0);
    for (int y = 0; y < 51; y++)
        assert_memory_equal(vn_image_row(img, y), vn_image_row(back, y), 99 * 3);
    vn_image_free(&img);
    vn_image_free(&back);
    assert_int_equal(vn_image_load(ctx, tp("none.png"), &img), -ENOENT);
    assert_non_null(strstr(vn_last_error(ctx), "none.png"));
    no_temp_left();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_cfr),
        cmocka_unit_test(write_mp4),
        cmocka_unit_test(write_png_dir),
        cmocka_unit_test(write_ffv1),
        cmocka_unit_test(vfr_rotation_odd_pcm),
        cmocka_unit_test(tree_avi_count),
        cmocka_unit_test(bad_inputs),
        cmocka_unit_test(still_images),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
