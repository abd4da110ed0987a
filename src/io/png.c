/* PNG through libpng: masks keep palette indices and 16-bit samples, which FFmpeg's decoder
 * would turn into colours. Writes go through a temporary name and a rename. */
#include "io/io.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* libpng reports through longjmp; keep its message for ours. */
typedef struct PngErr {
    jmp_buf jmp;
    char msg[160];
} PngErr;

static void on_error(png_structp p, png_const_charp msg)
{
    PngErr *e = png_get_error_ptr(p);
    snprintf(e->msg, sizeof(e->msg), "%s", msg);
    longjmp(e->jmp, 1);
}

static void on_warning(png_structp p, png_const_charp msg)
{
    (void)p;
    (void)msg;
}

/* Ask libpng for 8-bit samples (or 16-bit native-endian), palette indices kept as indices. */
static void set_transforms(png_structp p, png_infop info, VniPng *out)
{
    int type = png_get_color_type(p, info), depth = png_get_bit_depth(p, info);
    out->palette = type == PNG_COLOR_TYPE_PALETTE;
    if (depth < 8) {
        if (out->palette)
            png_set_packing(p);
        else
            png_set_expand_gray_1_2_4_to_8(p);
    }
    if (!out->palette && png_get_valid(p, info, PNG_INFO_tRNS))
        png_set_tRNS_to_alpha(p);
    if (depth == 16)
        png_set_swap(p);
    png_read_update_info(p, info);
    out->depth = png_get_bit_depth(p, info);
    out->channels = png_get_channels(p, info);
}

/* Read every row of an opened PNG into out->data. The row pointers go into *rows_out before
 * libpng reads (it may longjmp out of png_read_image on a truncated file): the caller frees them
 * on either path. */
static int read_rows(VnContext *ctx, const char *path, png_structp p, png_infop info, VniPng *out,
                     png_bytep *volatile *rows_out)
{
    png_bytep *rows;
    int ret;
    out->width = (int)png_get_image_width(p, info);
    out->height = (int)png_get_image_height(p, info);
    if ((ret = vni_check_size(ctx, out->width, out->height)) < 0)
        return vni_error(ctx, ret, "%s: image size %dx%d is beyond the limits", path, out->width,
                         out->height);
    set_transforms(p, info, out);
    out->stride = png_get_rowbytes(p, info);
    out->data = vni_malloc_array(out->stride, (size_t)out->height);
    *rows_out = rows = malloc(sizeof(*rows) * (size_t)out->height);
    if (!out->data || !rows)
        return vni_error(ctx, -ENOMEM, "%s: out of memory", path);
    for (int y = 0; y < out->height; y++)
        rows[y] = out->data + (size_t)y * out->stride;
    png_read_image(p, rows);
    png_read_end(p, NULL);
    return 0;
}

int vni_png_read(VnContext *ctx, const char *path, VniPng *out)
{
    PngErr err = {.msg = ""};
    png_structp p = NULL;
    png_infop info = NULL;
    png_bytep *volatile rows = NULL;
    uint8_t sig[8];
    int ret;
    FILE *volatile f;
    memset(out, 0, sizeof(*out));
    if (!(f = fopen(path, "rb")))
        return vni_error(ctx, -errno, "%s: %s", path, strerror(errno));
    if (fread(sig, 1, 8, f) != 8 || png_sig_cmp(sig, 0, 8)) {
        fclose(f);
        return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: not a PNG image", path);
    }
    p = png_create_read_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
    if (!p || !(info = png_create_info_struct(p))) {
        ret = vni_error(ctx, -ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    if (setjmp(err.jmp)) {
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: truncated or corrupt PNG (%s)", path, err.msg);
        goto fail;
    }
    png_set_user_limits(p, 0x7fffffff, 0x7fffffff);
    png_init_io(p, f);
    png_set_sig_bytes(p, 8);
    png_read_info(p, info);
    if ((ret = read_rows(ctx, path, p, info, out, &rows)) < 0)
        goto fail;
    png_destroy_read_struct(&p, &info, NULL);
    fclose(f);
    free(rows);
    return 0;
fail:
    png_destroy_read_struct(&p, info ? &info : NULL, NULL);
    fclose(f);
    free(rows);
    vni_png_free(out);
    return ret;
}

void vni_png_free(VniPng *png)
{
    vni_free(png->data);
    png->data = NULL;
}

/* Encode the image to an open file. Returns 0 or a libpng message in err. */
static int encode(FILE *f, PngErr *err, const uint8_t *data, ptrdiff_t stride, int width,
                  int height, int channels, const uint8_t *palette, int n_colors)
{
    png_structp p = png_create_write_struct(PNG_LIBPNG_VER_STRING, err, on_error, on_warning);
    png_infop info = p ? png_create_info_struct(p) : NULL;
    int type = palette ? PNG_COLOR_TYPE_PALETTE : channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY;
    if (!info) {
        png_destroy_write_struct(&p, NULL);
        snprintf(err->msg, sizeof(err->msg), "out of memory");
        return -ENOMEM;
    }
    if (setjmp(err->jmp)) {
        png_destroy_write_struct(&p, &info);
        return -EIO;
    }
    png_init_io(p, f);
    png_set_compression_level(p, 3);
    png_set_IHDR(p, info, (png_uint_32)width, (png_uint_32)height, 8, type, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(p, info, (png_const_colorp)palette, n_colors);
    png_write_info(p, info);
    for (int y = 0; y < height; y++)
        png_write_row(p, data + (ptrdiff_t)y * stride);
    png_write_end(p, info);
    png_destroy_write_struct(&p, &info);
    return 0;
}

/* What vni_png_write hands to encode() through vni_write_whole. */
typedef struct PngJob {
    PngErr err;
    const uint8_t *data, *palette;
    ptrdiff_t stride;
    int width, height, channels, n_colors;
} PngJob;

static int encode_job(FILE *f, void *arg)
{
    PngJob *j = arg;
    return encode(f, &j->err, j->data, j->stride, j->width, j->height, j->channels, j->palette, j->n_colors);
}

int vni_png_write(VnContext *ctx, const char *path, const uint8_t *data, ptrdiff_t stride,
                  int width, int height, int channels, const uint8_t *palette, int n_colors)
{
    PngJob j = {.err = {.msg = ""}, .data = data, .palette = palette, .stride = stride, .width = width,
                .height = height, .channels = channels, .n_colors = n_colors};
    int created, ret = vni_write_whole(path, encode_job, &j, &created);
    if (ret < 0 && !created)
        return vni_error(ctx, ret, "%s: cannot create output: %s", path, strerror(-ret));
    if (ret < 0)
        return vni_error(ctx, ret, "%s: cannot write: %s", path, j.err.msg[0] ? j.err.msg : strerror(-ret));
    return 0;
}
