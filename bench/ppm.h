/* Small helpers shared by the C benchmark drivers: a monotonic clock and binary PPM (P6, 8-bit)
 * reading, so that a driver can take frames written by OpenCV or ffmpeg without FFmpeg's
 * libraries. Header-only: each driver is built by one cc command. */
#ifndef VANISH_BENCH_PPM_H
#define VANISH_BENCH_PPM_H

#include <stdio.h>
#include <time.h>

#include "vanish/vanish.h"

/* Seconds on the monotonic clock. */
static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* A binary PPM with maxval 255 as an RGB VN_U8 image; NULL if it cannot be read whole. */
static inline VnImage *bench_read_ppm(const char *path)
{
    FILE *f = fopen(path, "rb");
    VnImage *img = NULL;
    int w, h, maxv;
    if (!f)
        return NULL;
    if (fscanf(f, "P6 %d %d %d", &w, &h, &maxv) == 3 && maxv == 255 && fgetc(f) != EOF &&
        vn_image_alloc(&img, w, h, 3, VN_U8) == 0)
        for (int y = 0; y < h && img; y++)
            if (fread(vn_image_row(img, y), 3, (size_t)w, f) != (size_t)w)
                vn_image_free(&img);
    fclose(f);
    return img;
}

#endif
