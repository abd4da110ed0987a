/* Middlebury .flo files: the tag 202021.25 ("PIEH" in ASCII) as a float32, width and height as
 * int32, then the (u, v) float32 pairs row by row, all little endian. Needs no FFmpeg. */
#include "vanish/flow.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/internal.h"
#include "io/io.h"

#define FLO_TAG 202021.25f

static uint32_t get_le32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static void put_le32(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

/* Header check: the tag, then positive dimensions within the context's limits. */
static int read_header(VnContext *ctx, FILE *f, const char *path, int *w, int *h)
{
    uint8_t hd[12];
    int32_t sw, sh;
    int ret;
    if (fread(hd, 1, sizeof(hd), f) != sizeof(hd))
        return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: not a .flo file (too short)", path);
    if (bits_float(get_le32(hd)) != FLO_TAG)
        return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: not a .flo file (no PIEH tag)", path);
    sw = (int32_t)get_le32(hd + 4);
    sh = (int32_t)get_le32(hd + 8);
    if (sw < 1 || sh < 1)
        return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: bad .flo size %dx%d", path, (int)sw, (int)sh);
    if ((ret = vni_check_size(ctx, sw, sh)) < 0)
        return vni_error(ctx, ret, "%s: .flo size %dx%d is beyond the limits", path, (int)sw, (int)sh);
    *w = sw;
    *h = sh;
    return 0;
}

static int read_rows(VnContext *ctx, FILE *f, const char *path, VnImage *flow)
{
    uint8_t buf[8 * 1024];
    for (int y = 0; y < flow->height; y++) {
        float *row = (float *)vn_image_row(flow, y);
        size_t n = (size_t)flow->width * 2;
        for (size_t done = 0; done < n;) {
            size_t k = VNI_MIN(n - done, sizeof(buf) / 4);
            if (fread(buf, 4, k, f) != k)
                return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: truncated .flo file (row %d of %d)", path, y,
                                 flow->height);
            for (size_t i = 0; i < k; i++)
                row[done + i] = bits_float(get_le32(buf + 4 * i));
            done += k;
        }
    }
    return 0;
}

int vn_flow_read_flo(VnContext *ctx, const char *path, VnImage **flow)
{
    FILE *f = NULL;
    int w = 0, h = 0, ret;
    if (!flow)
        return -EINVAL;
    *flow = NULL;
    if (!path)
        return vni_error(ctx, -EINVAL, "flow read: no path");
    if (!(f = fopen(path, "rb"))) {
        ret = -errno;
        return vni_error(ctx, ret, "%s: cannot open: %s", path, strerror(-ret));
    }
    if ((ret = read_header(ctx, f, path, &w, &h)) < 0)
        goto fail;
    if ((ret = vn_image_alloc(flow, w, h, 2, VN_F32)) < 0) {
        vni_error(ctx, ret, "%s: cannot allocate a %dx%d flow", path, w, h);
        goto fail;
    }
    ret = read_rows(ctx, f, path, *flow);
fail:
    fclose(f);
    if (ret < 0)
        vn_image_free(flow);
    return ret;
}

static int write_all(FILE *f, const VnImage *flow)
{
    uint8_t buf[8 * 1024];
    put_le32(buf, float_bits(FLO_TAG));
    put_le32(buf + 4, (uint32_t)flow->width);
    put_le32(buf + 8, (uint32_t)flow->height);
    if (fwrite(buf, 1, 12, f) != 12)
        return -EIO;
    for (int y = 0; y < flow->height; y++) {
        const float *row = (const float *)vn_image_row(flow, y);
        size_t n = (size_t)flow->width * 2;
        for (size_t done = 0; done < n;) {
            size_t k = VNI_MIN(n - done, sizeof(buf) / 4);
            for (size_t i = 0; i < k; i++)
                put_le32(buf + 4 * i, float_bits(row[done + i]));
            if (fwrite(buf, 4, k, f) != k)
                return -EIO;
            done += k;
        }
    }
    return 0;
}

static int write_job(FILE *f, void *flow)
{
    return write_all(f, flow);
}

int vn_flow_write_flo(VnContext *ctx, const char *path, const VnImage *flow)
{
    int created, ret;
    if (!path || !flow || flow->channels != 2 || flow->type != VN_F32)
        return vni_error(ctx, -EINVAL, "flow write: needs a path and a 2-channel float flow");
    ret = vni_write_whole(path, write_job, (void *)flow, &created);
    if (ret < 0 && !created)
        return vni_error(ctx, ret, "%s: cannot create output: %s", path, strerror(-ret));
    if (ret < 0)
        return vni_error(ctx, ret, "%s: cannot write: %s", path, strerror(-ret));
    return 0;
}
