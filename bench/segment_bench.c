/*
 * Driver of the segmentation benchmark (bench/segment_bench.py compiles and runs it): keeps one
 * vanish segmenter session per image and answers clicks over stdin, so that the timing is that
 * of a click on an open frame, as in the interactive tool. Public API only.
 *
 * Protocol, one command per line:
 *   open FILE.ppm              → "open MS"            (binary P6 image; ms to open the session)
 *   run OUT.raw N X Y T ...    → "run MS CPU K S1 S2 S3" (T: 0 positive, 1 negative; MS wall
 *                                 and CPU milliseconds; the best mask written to OUT.raw as
 *                                 W*H bytes 0/255)
 *   quit
 * SEGBENCH_CANDIDATES=K in the environment opens sessions with settings.candidates = K.
 * With SEGBENCH_ALL set in the environment, candidate k >= 1 is also written to OUT.raw.k.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vanish/segment.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* CPU time of the process (all its threads): on a loaded machine, a steadier figure than wall
 * time. */
static double cpu_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static VnImage *read_ppm(const char *path)
{
    FILE *f = fopen(path, "rb");
    VnImage *img = NULL;
    int w, h, mx;
    if (!f)
        return NULL;
    if (fscanf(f, "P6 %d %d %d", &w, &h, &mx) == 3 && fgetc(f) != EOF &&
        vn_image_alloc(&img, w, h, 3, VN_U8) == 0)
        for (int y = 0; y < h; y++)
            if (fread(vn_image_row(img, y), 3, (size_t)w, f) != (size_t)w)
                vn_image_free(&img);
    fclose(f);
    return img;
}

static int do_run(VnSegmenter *seg, char *args)
{
    char out[1024];
    int n, off;
    VnPrompt p[64];
    VnSegmentResult r;
    if (sscanf(args, "%1023s %d%n", out, &n, &off) != 2 || n < 1 || n > 64)
        return -1;
    args += off;
    for (int k = 0; k < n; k++) {
        int t;
        if (sscanf(args, "%d %d %d%n", &p[k].x0, &p[k].y0, &t, &off) != 3)
            return -1;
        args += off;
        p[k].type = t ? VN_PROMPT_NEGATIVE : VN_PROMPT_POSITIVE;
        p[k].x1 = p[k].y1 = 0;
    }
    double t0 = now_ms(), c0 = cpu_ms();
    int ret = vn_segmenter_run(seg, p, n, NULL, &r);
    double t1 = now_ms(), c1 = cpu_ms();
    if (ret < 1)
        return -1;
    FILE *f = fopen(out, "wb");
    for (int y = 0; f && y < r.c[0].mask->height; y++)
        fwrite(vn_image_row(r.c[0].mask, y), 1, (size_t)r.c[0].mask->width, f);
    if (f)
        fclose(f);
    for (int k = 1; getenv("SEGBENCH_ALL") && k < r.n; k++) {
        /* debugging: every candidate as OUT.raw.K */
        char name[1100];
        snprintf(name, sizeof(name), "%s.%d", out, k);
        if ((f = fopen(name, "wb"))) {
            for (int y = 0; y < r.c[k].mask->height; y++)
                fwrite(vn_image_row(r.c[k].mask, y), 1, (size_t)r.c[k].mask->width, f);
            fclose(f);
        }
    }
    printf("run %.2f %.2f %d", t1 - t0, c1 - c0, r.n);
    for (int k = 0; k < r.n; k++)
        printf(" %.3f:%d", r.c[k].score, r.c[k].kind);
    printf("\n");
    fflush(stdout);
    vn_segment_result_free(&r);
    return 0;
}

int main(void)
{
    VnSettings cs;
    VnContext *ctx = NULL;
    VnSegmenter *seg = NULL;
    char line[8192];
    vn_default_settings(&cs);
    cs.n_threads = 1;
    if (vn_open(&ctx, &cs) < 0)
        return 1;
    while (fgets(line, sizeof(line), stdin)) {
        if (!strncmp(line, "open ", 5)) {
            line[strcspn(line, "\n")] = 0;
            VnImage *img = read_ppm(line + 5);
            vn_segmenter_close(&seg);
            double t0 = now_ms();
            VnSegmentSettings ss;
            vn_segment_default_settings(&ss);
            if (getenv("SEGBENCH_CANDIDATES"))
                ss.candidates = atoi(getenv("SEGBENCH_CANDIDATES"));
            int ret = img ? vn_segmenter_open(ctx, &seg, img, &ss) : -1;
            if (ret < 0)
                printf("error %s: %s\n", line + 5, vn_last_error(ctx));
            else
                printf("open %.2f\n", now_ms() - t0);
            vn_image_free(&img);
        } else if (!strncmp(line, "run ", 4)) {
            if (!seg || do_run(seg, line + 4) < 0)
                printf("error run: %s\n", vn_last_error(ctx));
        } else if (!strncmp(line, "quit", 4)) {
            break;
        }
        fflush(stdout);
    }
    vn_segmenter_close(&seg);
    vn_close(&ctx);
    return 0;
}
