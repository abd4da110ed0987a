/*
 * Timing and output of vanish's optical flow for bench/flow_bench.py, which makes the pairs and
 * scores them. Reads raw RGB24 frames, computes the forward flow `repeats` times and reports the
 * median wall-clock and CPU time of vn_flow_compute (grey conversion, pyramids and flow; the CPU
 * time of all threads), then writes the
 * flow as raw float32 (u, v) pairs.
 *
 *   flow_bench W H A.rgb B.rgb MASK.u8|- PRESET THREADS REPEATS OUT.f32 [NAME=VALUE ...]
 *
 * NAME=VALUE pairs set options of vn_flow_options() over the preset (for tuning).
 * MASK (W*H bytes, non-zero = ignore) is used for both frames (a static logo). Prints
 * "ms <median wall> cpu_ms <median CPU>" on stdout. Built by the script: cc -O2 -Iinclude -Isrc bench/flow_bench.c
 * BUILD/libvanish_algo.a -lm -lpthread.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vanish/flow.h"

static int read_raw(const char *path, VnImage *img)
{
    FILE *f = fopen(path, "rb");
    size_t row = (size_t)img->width * img->channels;
    int ok = f != NULL;
    for (int y = 0; ok && y < img->height; y++)
        ok = fread(vn_image_row(img, y), 1, row, f) == row;
    if (f)
        fclose(f);
    if (!ok)
        fprintf(stderr, "flow_bench: %s: cannot read %dx%dx%d bytes\n", path, img->width, img->height, img->channels);
    return ok ? 0 : -1;
}

static double now_ms(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int write_flow(const char *path, const VnImage *flow)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL;
    for (int y = 0; ok && y < flow->height; y++)
        ok = fwrite(vn_image_row(flow, y), sizeof(float), (size_t)flow->width * 2, f) == (size_t)flow->width * 2;
    if (f && fclose(f))
        ok = 0;
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    VnImage *a = NULL, *b = NULL, *m = NULL, *fwd = NULL;
    VnContext *ctx = NULL;
    VnSettings cs;
    VnFlowSettings s;
    double t[64], c[64];
    int w, h, reps, status = 1;
    if (argc < 10) {
        fputs("usage: flow_bench W H A.rgb B.rgb MASK.u8|- PRESET THREADS REPEATS OUT.f32 [NAME=VALUE ...]\n", stderr);
        return 2;
    }
    w = atoi(argv[1]);
    h = atoi(argv[2]);
    reps = atoi(argv[8]);
    reps = reps < 1 ? 1 : reps > 64 ? 64 : reps;
    vn_default_settings(&cs);
    cs.n_threads = atoi(argv[7]);
    vn_flow_default_settings(&s);
    if (vn_open(&ctx, &cs) < 0 || vn_option_set(vn_flow_options(), &s, "preset", argv[6]) < 0 ||
        vn_image_alloc(&a, w, h, 3, VN_U8) < 0 || vn_image_alloc(&b, w, h, 3, VN_U8) < 0 ||
        read_raw(argv[3], a) < 0 || read_raw(argv[4], b) < 0)
        goto done;
    for (int i = 10; i < argc; i++) {
        char name[64], *eq = strchr(argv[i], '=');
        if (!eq || eq - argv[i] >= (ptrdiff_t)sizeof(name)) {
            fprintf(stderr, "flow_bench: '%s' is not NAME=VALUE\n", argv[i]);
            goto done;
        }
        snprintf(name, sizeof(name), "%.*s", (int)(eq - argv[i]), argv[i]);
        if (vn_option_set(vn_flow_options(), &s, name, eq + 1) < 0) {
            fprintf(stderr, "flow_bench: bad option '%s'\n", argv[i]);
            goto done;
        }
    }
    if (strcmp(argv[5], "-") && (vn_image_alloc(&m, w, h, 1, VN_U8) < 0 || read_raw(argv[5], m) < 0))
        goto done;
    for (int r = 0; r < reps; r++) {
        double t0 = now_ms(CLOCK_MONOTONIC), c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID);
        vn_image_free(&fwd);
        if (vn_flow_compute(ctx, a, b, m, m, &s, &fwd, NULL) < 0) {
            fprintf(stderr, "flow_bench: %s\n", vn_last_error(ctx));
            goto done;
        }
        t[r] = now_ms(CLOCK_MONOTONIC) - t0;
        c[r] = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
    }
    qsort(t, (size_t)reps, sizeof(double), cmp_double);
    qsort(c, (size_t)reps, sizeof(double), cmp_double);
    if (write_flow(argv[9], fwd) < 0)
        goto done;
    printf("ms %.3f cpu_ms %.3f\n", t[reps / 2], c[reps / 2]);
    status = 0;
done:
    vn_image_free(&a);
    vn_image_free(&b);
    vn_image_free(&m);
    vn_image_free(&fwd);
    vn_close(&ctx);
    return status;
}
