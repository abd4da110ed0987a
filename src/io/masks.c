/*
 * Masks: a directory of PNGs (one per frame, in name order), one PNG for every frame, or a
 * mask video. Every format becomes ids: 0 = background, otherwise the object id (1 for a
 * binary mask). Writing follows the DAVIS convention.
 */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

enum { MASK_DIR, MASK_SINGLE, MASK_VIDEO };

struct VnMaskReader {
    VnContext *ctx;
    char *path;
    int kind;
    int width, height;
    VniNameList files;     /* MASK_DIR */
    size_t pos;
    VnImage *single;       /* MASK_SINGLE, at the video's size */
    VnVideoReader *video;  /* MASK_VIDEO */
    int64_t count;
    int warned;
};

/* Statistics of a grey channel: the largest value and whether several non-zero values occur. */
typedef struct Levels {
    unsigned max, first;
    int several;
} Levels;

static unsigned sample(const VniPng *p, const uint8_t *row, int x, int c)
{
    if (p->depth == 16)
        return ((const uint16_t *)row)[x * p->channels + c];
    return row[x * p->channels + c];
}

/* The value that decides object or background: grey, or the largest colour channel; 0 where
 * alpha is below half. */
static unsigned level(const VniPng *p, const uint8_t *row, int x, unsigned half)
{
    unsigned v = sample(p, row, x, 0);
    if (p->channels >= 3) {
        v = VNI_MAX(v, sample(p, row, x, 1));
        v = VNI_MAX(v, sample(p, row, x, 2));
    }
    if ((p->channels == 2 || p->channels == 4) && sample(p, row, x, p->channels - 1) < half)
        v = 0;
    return v;
}

static void scan_levels(const VniPng *p, unsigned half, Levels *lv)
{
    memset(lv, 0, sizeof(*lv));
    for (int y = 0; y < p->height; y++) {
        const uint8_t *row = p->data + (size_t)y * p->stride;
        for (int x = 0; x < p->width; x++) {
            unsigned v = level(p, row, x, half);
            if (!v)
                continue;
            if (!lv->first)
                lv->first = v;
            else if (v != lv->first)
                lv->several = 1;
            lv->max = VNI_MAX(lv->max, v);
        }
    }
}

/*
 * Ids of a decoded PNG at its own size. Palette: the index is the id (DAVIS). Grey/RGB: values
 * all below half are ids themselves (0/1 masks, small grey ids; RGB: 1); a single non-zero
 * value is the object; several values with some at half or more are anti-aliased edges,
 * thresholded at half.
 */
static void png_ids(const VniPng *p, uint8_t *ids)
{
    unsigned half = p->depth == 16 ? 32768 : 128;
    Levels lv;
    if (!p->palette)
        scan_levels(p, half, &lv);
    for (int y = 0; y < p->height; y++) {
        const uint8_t *row = p->data + (size_t)y * p->stride;
        uint8_t *out = ids + (size_t)y * (size_t)p->width;
        for (int x = 0; x < p->width; x++) {
            unsigned v = p->palette ? row[x] : level(p, row, x, half);
            if (p->palette)
                out[x] = (uint8_t)v;
            else if (lv.max < half)
                out[x] = p->channels >= 3 ? v != 0 : (uint8_t)VNI_MIN(v, 255u);
            else if (!lv.several)
                out[x] = v != 0;
            else
                out[x] = v >= half;
        }
    }
}

/* Nearest-neighbour copy of ids (sw x sh) into mask. */
static void scale_ids(const uint8_t *ids, int sw, int sh, VnImage *mask)
{
    for (int y = 0; y < mask->height; y++) {
        const uint8_t *src = ids + (size_t)((int64_t)y * sh / mask->height) * (size_t)sw;
        uint8_t *dst = vn_image_row(mask, y);
        for (int x = 0; x < mask->width; x++)
            dst[x] = src[(int64_t)x * sw / mask->width];
    }
}

static void warn_scale(VnMaskReader *m, const char *path, int w, int h)
{
    if (m->warned)
        return;
    m->warned = 1;
    vni_log(m->ctx, VN_LOG_WARNING, "%s: mask is %dx%d, the video %dx%d: scaled (nearest neighbour)",
            path, w, h, m->width, m->height);
}

/* Read one PNG mask file into mask (the video's size). */
static int load_png_mask(VnMaskReader *m, const char *path, VnImage *mask)
{
    VniPng p;
    uint8_t *ids;
    int ret;
    if ((ret = vni_png_read(m->ctx, path, &p)) < 0)
        return ret;
    if (!(ids = malloc((size_t)p.width * (size_t)p.height))) {
        vni_png_free(&p);
        return vni_error(m->ctx, -ENOMEM, "%s: out of memory", path);
    }
    png_ids(&p, ids);
    if (p.width != m->width || p.height != m->height)
        warn_scale(m, path, p.width, p.height);
    scale_ids(ids, p.width, p.height, mask);
    free(ids);
    vni_png_free(&p);
    return 0;
}

/* Mask of a video frame: non-black (largest channel at half or more) is the object. */
static void rgb_ids(const VnImage *rgb, uint8_t *ids)
{
    for (int y = 0; y < rgb->height; y++) {
        const uint8_t *row = vn_image_row(rgb, y);
        uint8_t *out = ids + (size_t)y * (size_t)rgb->width;
        for (int x = 0; x < rgb->width; x++) {
            const uint8_t *px = row + 3 * x;
            out[x] = VNI_MAX(px[0], VNI_MAX(px[1], px[2])) >= 128;
        }
    }
}

static int read_video_mask(VnMaskReader *m, VnImage *mask)
{
    VnFrame *f = NULL;
    VnImage *rgb;
    uint8_t *ids;
    int ret = vn_video_read(m->video, &f);
    if (ret <= 0)
        return ret;
    rgb = vn_frame_rgb(f);
    if (!(ids = malloc((size_t)rgb->width * (size_t)rgb->height))) {
        vn_frame_free(&f);
        return vni_error(m->ctx, -ENOMEM, "%s: out of memory", m->path);
    }
    rgb_ids(rgb, ids);
    if (rgb->width != m->width || rgb->height != m->height)
        warn_scale(m, m->path, rgb->width, rgb->height);
    scale_ids(ids, rgb->width, rgb->height, mask);
    free(ids);
    vn_frame_free(&f);
    return 1;
}

static int has_png_ext(const char *path)
{
    size_t n = strlen(path);
    return n > 4 && !strcasecmp(path + n - 4, ".png");
}

/* Open the source of masks by what path is. */
static int open_source(VnMaskReader *m)
{
    struct stat st;
    int ret;
    if (stat(m->path, &st))
        return vni_error(m->ctx, -errno, "%s: %s", m->path, strerror(errno));
    if (S_ISDIR(st.st_mode)) {
        m->kind = MASK_DIR;
        if ((ret = vni_list_dir(m->ctx, m->path, "png", &m->files)) < 0)
            return ret;
        if (!m->files.n)
            return vni_error(m->ctx, -ENOENT, "%s: no PNG masks in the directory", m->path);
        m->count = (int64_t)m->files.n;
        return 0;
    }
    if (has_png_ext(m->path)) {
        m->kind = MASK_SINGLE;
        m->count = -1;
        if ((ret = vn_image_alloc(&m->single, m->width, m->height, 1, VN_U8)) < 0)
            return vni_error(m->ctx, ret, "%s: %s", m->path, vn_strerror(ret));
        return load_png_mask(m, m->path, m->single);
    }
    m->kind = MASK_VIDEO;
    if ((ret = vn_video_open(m->ctx, &m->video, m->path)) < 0)
        return ret;
    m->count = vn_video_count_frames(m->video);
    return m->count < 0 ? (int)m->count : 0;
}

int vn_mask_open(VnContext *ctx, VnMaskReader **pm, const char *path, int width, int height,
                 int64_t n_frames)
{
    VnMaskReader *m;
    int ret;
    if (!pm)
        return -EINVAL;
    *pm = NULL;
    if (!ctx || !path)
        return -EINVAL;
    if ((ret = vni_check_size(ctx, width, height)) < 0)
        return vni_error(ctx, ret, "%s: mask size %dx%d is beyond the limits", path, width, height);
    if (!(m = calloc(1, sizeof(*m))) || !(m->path = strdup(path))) {
        free(m);
        return vni_error(ctx, -ENOMEM, "%s: out of memory", path);
    }
    m->ctx = ctx;
    m->width = width;
    m->height = height;
    if ((ret = open_source(m)) < 0)
        goto fail;
    if (n_frames >= 0 && m->count >= 0 && m->count != n_frames) {
        ret = vni_error(ctx, VN_ERR_MISMATCH, "%s: %lld mask %s for %lld frames", path,
                        (long long)m->count, m->kind == MASK_DIR ? "files" : "frames",
                        (long long)n_frames);
        goto fail;
    }
    *pm = m;
    return 0;
fail:
    vn_mask_close(&m);
    return ret;
}

int vn_mask_read(VnMaskReader *m, VnImage *mask)
{
    int ret;
    if (!m || !mask || mask->width != m->width || mask->height != m->height ||
        mask->channels != 1 || mask->type != VN_U8)
        return -EINVAL;
    switch (m->kind) {
    case MASK_SINGLE:
        return vn_image_copy(mask, m->single) < 0 ? -EINVAL : 1;
    case MASK_VIDEO:
        return read_video_mask(m, mask);
    default:
        if (m->pos >= m->files.n)
            return 0;
        m->pos++;
        ret = load_png_mask(m, m->files.names[m->pos - 1], mask);
        return ret < 0 ? ret : 1;
    }
}

int64_t vn_mask_count(const VnMaskReader *m)
{
    return m ? m->count : -1;
}

void vn_mask_close(VnMaskReader **pm)
{
    VnMaskReader *m;
    if (!pm || !*pm)
        return;
    m = *pm;
    vni_names_free(&m->files);
    vn_image_free(&m->single);
    vn_video_close(&m->video);
    free(m->path);
    free(m);
    *pm = NULL;
}

/* The DAVIS (PASCAL VOC) palette: the bits of the index spread over the high bits of R, G, B. */
static void davis_palette(uint8_t pal[256 * 3])
{
    for (int i = 0; i < 256; i++) {
        int c = i, r = 0, g = 0, b = 0;
        for (int j = 0; j < 8; j++) {
            r |= ((c >> 0) & 1) << (7 - j);
            g |= ((c >> 1) & 1) << (7 - j);
            b |= ((c >> 2) & 1) << (7 - j);
            c >>= 3;
        }
        pal[3 * i] = (uint8_t)r;
        pal[3 * i + 1] = (uint8_t)g;
        pal[3 * i + 2] = (uint8_t)b;
    }
}

int vn_mask_save_png(VnContext *ctx, const char *path, const VnImage *mask, int binary)
{
    uint8_t pal[256 * 3];
    VnImage *grey = NULL;
    int ret, max_id = 1;
    if (!ctx || !path || !mask || mask->channels != 1 || mask->type != VN_U8)
        return -EINVAL;
    if (!binary) {
        for (int y = 0; y < mask->height; y++)
            for (int x = 0; x < mask->width; x++)
                max_id = VNI_MAX(max_id, vn_image_row(mask, y)[x]);
        davis_palette(pal);
        return vni_png_write(ctx, path, mask->data, mask->stride, mask->width, mask->height, 1,
                             pal, max_id + 1);
    }
    if ((ret = vn_image_alloc(&grey, mask->width, mask->height, 1, VN_U8)) < 0)
        return vni_error(ctx, ret, "%s: %s", path, vn_strerror(ret));
    for (int y = 0; y < mask->height; y++)
        for (int x = 0; x < mask->width; x++)
            vn_image_row(grey, y)[x] = vn_image_row(mask, y)[x] ? 255 : 0;
    ret = vni_png_write(ctx, path, grey->data, grey->stride, grey->width, grey->height, 1, NULL, 0);
    vn_image_free(&grey);
    return ret;
}
