/*
 * Fuzz target for the parsers of files a user hands to vanish: mask PNGs (grey, palette, RGB,
 * 16-bit; libpng under our reader) and Middlebury .flo files. Built for libFuzzer with
 * -Dfuzz=true and clang (-fsanitize=fuzzer); otherwise the replay main below runs every file
 * given on the command line through the same entry point, so `meson test` replays the corpus.
 * The first byte picks the parser; the rest is the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "vanish/flow.h"
#include "vanish/video.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *cookie, int level, const char *msg)
{
    (void)cookie;
    (void)level;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[] = "/tmp/vanish-fuzz-XXXXXX";
    VnSettings s;
    VnContext *ctx;
    int fd;
    if (size < 1)
        return 0;
    vn_default_settings(&s);
    s.n_threads = 1;
    s.log_cb = quiet;
    if (vn_open(&ctx, &s) < 0)
        return 0;
    fd = mkstemp(path);
    if (fd >= 0 && write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
        if (data[0] & 1) {
            VnImage *flow = NULL;
            if (vn_flow_read_flo(ctx, path, &flow) >= 0 && (!flow || flow->channels != 2))
                abort();
            vn_image_free(&flow);
        } else {
            VnMaskReader *m = NULL;
            VnImage *mask = NULL;
            if (vn_mask_open(ctx, &m, path, 64, 48, -1) >= 0 &&
                vn_image_alloc(&mask, 64, 48, 1, VN_U8) >= 0)
                vn_mask_read(m, mask);
            vn_image_free(&mask);
            vn_mask_close(&m);
        }
    }
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    vn_close(&ctx);
    return 0;
}

#ifndef VANISH_LIBFUZZER
/* Replay: each argument is a file whose bytes are one input. */
int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        uint8_t *buf;
        long n;
        if (!f)
            return fprintf(stderr, "%s: cannot open\n", argv[i]), 1;
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc(n > 0 ? (size_t)n : 1);
        if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
            return fprintf(stderr, "%s: cannot read\n", argv[i]), 1;
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        free(buf);
    }
    printf("%d inputs replayed\n", argc - 1);
    return 0;
}
#endif
