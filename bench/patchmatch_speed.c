/*
 * Speed of the PatchMatch completion (src/inpaint/patchmatch.c) on one core and on all cores.
 *
 * Build and run from the repository root, after `ninja -C BUILD`:
 *   cc -O2 -Iinclude -Isrc bench/patchmatch_speed.c BUILD/libvanish_algo.a -lm -lpthread -o /tmp/pm_speed
 *   /usr/bin/python3 -c "import cv2; cv2.imwrite('/tmp/in.ppm', cv2.imread('/usr/share/doc/opencv-doc/examples/data/graf1.png'))"
 *   /tmp/pm_speed /tmp/in.ppm [/tmp/out_prefix]
 * The image (binary PPM) is resized to 432x240 and 1920x1080; holes of 90x60 and 200x200 in the
 * middle are filled, timed (best of 3), and the results written as PPMs if a prefix is given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ppm.h"
#include "core/resample.h"
#include "inpaint/patchmatch.h"

static void write_ppm(const char *path, const VnImage *img)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fprintf(f, "P6 %d %d 255\n", img->width, img->height);
    for (int y = 0; y < img->height; y++)
        fwrite(vn_image_row(img, y), 3, (size_t)img->width, f);
    fclose(f);
}

/* Fill a hw x hh hole in the middle of src resized to w x h; best time of 3 in ms. */
static double run(VnContext *ctx, const VnImage *src, int w, int h, int hw, int hh, const char *out)
{
    VnImage *img = NULL, *work = NULL, *m = NULL;
    double best = 1e9;
    vn_image_alloc(&img, w, h, 3, VN_U8);
    vn_image_alloc(&work, w, h, 3, VN_U8);
    vn_image_alloc(&m, w, h, 1, VN_U8);
    vni_resize_u8(ctx, img, src);
    for (int y = (h - hh) / 2; y < (h + hh) / 2; y++)
        memset(vn_image_row(m, y) + (w - hw) / 2, 255, (size_t)hw);
    for (int k = 0; k < 3; k++) {
        vn_image_copy(work, img);
        double t0 = bench_now();
        int ret = vni_patchmatch_fill(ctx, work, m, NULL, NULL);
        double t = (bench_now() - t0) * 1e3;
        if (ret < 0)
            fprintf(stderr, "fill failed: %s\n", vn_strerror(ret));
        best = t < best ? t : best;
    }
    if (out) {
        char path[512];
        snprintf(path, sizeof(path), "%s_%dx%d.ppm", out, w, h);
        write_ppm(path, work);
    }
    vn_image_free(&img);
    vn_image_free(&work);
    vn_image_free(&m);
    return best;
}

int main(int argc, char **argv)
{
    VnImage *src = argc > 1 ? bench_read_ppm(argv[1]) : NULL;
    const char *out = argc > 2 ? argv[2] : NULL;
    if (!src) {
        fprintf(stderr, "usage: %s IMAGE.ppm [OUT_PREFIX]\n", argv[0]);
        return 1;
    }
    printf("%-10s %-10s %10s %10s\n", "frame", "hole", "1 thread", "2 threads");
    {
        VnSettings s;
        VnContext *c1, *c2;
        vn_default_settings(&s);
        s.n_threads = 1;
        vn_open(&c1, &s);
        s.n_threads = 2;
        vn_open(&c2, &s);
        printf("%-10s %-10s %8.1fms %8.1fms\n", "432x240", "90x60", run(c1, src, 432, 240, 90, 60, out),
               run(c2, src, 432, 240, 90, 60, NULL));
        printf("%-10s %-10s %8.1fms %8.1fms\n", "1920x1080", "200x200", run(c1, src, 1920, 1080, 200, 200, out),
               run(c2, src, 1920, 1080, 200, 200, NULL));
        vn_close(&c1);
        vn_close(&c2);
    }
    vn_image_free(&src);
    return 0;
}
