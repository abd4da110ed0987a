/*
 * Speed of the rigid-tracking blocks (src/track, src/core/pyramid.c) on two real frames.
 *
 * Build and run from the repository root, after `ninja -C BUILD`:
 *   cc -O2 -Iinclude -Isrc bench/track_speed.c BUILD/libvanish_algo.a -lm -lpthread -o /tmp/track_speed
 *   /usr/bin/python3 -c "import cv2; c=cv2.VideoCapture('/usr/share/doc/opencv-doc/examples/data/vtest.avi'); \
 *     [cv2.imwrite('/tmp/f%d.ppm' % i, c.read()[1]) for i in range(2)]"
 *   /tmp/track_speed /tmp/f0.ppm /tmp/f1.ppm
 * Prints the time of each step (best of 5, one thread and two) and the counts.
 */
#include <stdio.h>
#include <time.h>

#include "ppm.h"
#include "core/pyramid.h"
#include "track/features.h"
#include "track/homography.h"

#define MAXP 500

/* One pass of every step; adds each step's time to t[]. */
static void pass(VnContext *ctx, const VnImage *a, const VnImage *b, double t[6], int counts[3])
{
    VnImage *ga = NULL, *gb = NULL, *wa = NULL;
    VniPyramid pa, pb;
    VniPt p0[MAXP], p1[MAXP], ia[MAXP], ib[MAXP];
    uint8_t st[MAXP];
    double H[9], t0 = bench_now();
    vn_image_alloc(&ga, a->width, a->height, 1, VN_F32);
    vn_image_alloc(&gb, a->width, a->height, 1, VN_F32);
    vn_image_alloc(&wa, a->width, a->height, 3, VN_U8);
    vni_grey_f32(ctx, ga, a);
    vni_grey_f32(ctx, gb, b);
    vni_pyramid_build(ctx, &pa, ga, 4, 16);
    vni_pyramid_build(ctx, &pb, gb, 4, 16);
    t[0] += bench_now() - t0, t0 = bench_now();
    int n = vni_corners_find(ctx, ga, NULL, NULL, p0, MAXP);
    t[1] += bench_now() - t0, t0 = bench_now();
    int k = vni_klt_track(ctx, &pa, &pb, p0, p1, st, NULL, n, NULL);
    t[2] += bench_now() - t0, t0 = bench_now();
    int m = 0;
    for (int i = 0; i < n; i++)
        if (st[i])
            ia[m] = p0[i], ib[m++] = p1[i];
    int in = vni_homography_ransac(ia, ib, m, NULL, H, NULL);
    t[3] += bench_now() - t0, t0 = bench_now();
    vni_warp_image(ctx, wa, a, H, NULL);
    t[4] += bench_now() - t0;
    counts[0] = n, counts[1] = k, counts[2] = in;
    vni_pyramid_free(&pa);
    vni_pyramid_free(&pb);
    vn_image_free(&ga);
    vn_image_free(&gb);
    vn_image_free(&wa);
}

int main(int argc, char **argv)
{
    static const char *names[5] = {"grey+pyramids x2", "corners", "KLT (fwd+bwd)", "RANSAC", "warp RGB"};
    VnImage *a = argc > 2 ? bench_read_ppm(argv[1]) : NULL, *b = argc > 2 ? bench_read_ppm(argv[2]) : NULL;
    double best[2][5];
    int counts[3] = {0, 0, 0};
    if (!a || !b) {
        fprintf(stderr, "usage: %s FRAME0.ppm FRAME1.ppm\n", argv[0]);
        return 1;
    }
    for (int th = 1; th <= 2; th++) {
        VnSettings s;
        VnContext *ctx;
        vn_default_settings(&s);
        s.n_threads = th;
        vn_open(&ctx, &s);
        for (int i = 0; i < 5; i++)
            best[th - 1][i] = 1e9;
        for (int r = 0; r < 5; r++) {
            double t[6] = {0};
            pass(ctx, a, b, t, counts);
            for (int i = 0; i < 5; i++)
                best[th - 1][i] = t[i] < best[th - 1][i] ? t[i] : best[th - 1][i];
        }
        vn_close(&ctx);
    }
    printf("%dx%d: %d corners, %d tracked, %d RANSAC inliers\n", a->width, a->height, counts[0], counts[1],
           counts[2]);
    printf("%-18s %10s %10s\n", "step", "1 thread", "2 threads");
    for (int i = 0; i < 5; i++)
        printf("%-18s %8.2fms %8.2fms\n", names[i], best[0][i] * 1e3, best[1][i] * 1e3);
    vn_image_free(&a);
    vn_image_free(&b);
    return 0;
}
