/* The mask spool: each mask as runs of (value, length) appended to a temporary file. */
#include "pipeline/mask_spool.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct VniSpool {
    FILE *f;
    int64_t n, end;
    int64_t *off;        /* byte offset of each frame's record, -1 if none */
    int w, h;
    uint8_t *buf;        /* one record: at most 5 bytes per pixel */
};

int vni_spool_open(VniSpool **out, int64_t n_frames, int w, int h)
{
    VniSpool *s = vni_calloc_array(1, sizeof(*s));
    *out = NULL;
    if (!s)
        return -ENOMEM;
    s->n = VNI_MAX(n_frames, 1), s->w = w, s->h = h;
    s->off = vni_malloc_array((size_t)s->n, sizeof(int64_t));
    s->buf = vni_malloc_array((size_t)w * 5 + 8, 1);
    if (!s->off || !s->buf) {
        vni_spool_close(&s);
        return -ENOMEM;
    }
    for (int64_t i = 0; i < s->n; i++)
        s->off[i] = -1;
    if (!(s->f = tmpfile())) {
        int err = -errno;
        vni_spool_close(&s);
        return err ? err : -EIO;
    }
    *out = s;
    return 0;
}

/* Runs of one row into s->buf; returns the byte count. */
static size_t encode_row(const uint8_t *p, int w, uint8_t *o)
{
    size_t k = 0;
    for (int x = 0; x < w;) {
        int e = x;
        while (e < w && p[e] == p[x])
            e++;
        uint32_t len = (uint32_t)(e - x);
        o[k++] = p[x];
        memcpy(o + k, &len, 4);
        k += 4;
        x = e;
    }
    return k;
}

/* Room in the index for frame i: doubled, or up to i. */
static int widen(VniSpool *s, int64_t i)
{
    int64_t n = VNI_MAX(i + 1, 2 * s->n);
    int64_t *off = vni_malloc_array((size_t)n, sizeof(int64_t));
    if (!off)
        return -ENOMEM;
    memcpy(off, s->off, (size_t)s->n * sizeof(int64_t));
    for (int64_t k = s->n; k < n; k++)
        off[k] = -1;
    vni_free(s->off);
    s->off = off, s->n = n;
    return 0;
}

int vni_spool_put(VniSpool *s, int64_t i, const VnImage *mask)
{
    int ret;
    if (i < 0 || i > INT32_MAX || mask->width != s->w || mask->height != s->h)
        return -EINVAL;
    if (i >= s->n && (ret = widen(s, i)) < 0)
        return ret;
    if (fseeko(s->f, (off_t)s->end, SEEK_SET) < 0)
        return -EIO;
    s->off[i] = s->end;
    for (int y = 0; y < s->h; y++) {
        size_t k = encode_row(vn_image_row(mask, y), s->w, s->buf);
        if (fwrite(s->buf, 1, k, s->f) != k)
            return -EIO;
        s->end += (int64_t)k;
    }
    return 0;
}

int vni_spool_get(VniSpool *s, int64_t i, VnImage *mask)
{
    if (i < 0 || i >= s->n || s->off[i] < 0)
        return -ENOENT;
    if (fflush(s->f) != 0 || fseeko(s->f, (off_t)s->off[i], SEEK_SET) < 0)
        return -EIO;
    for (int y = 0; y < s->h; y++) {
        uint8_t *row = vn_image_row(mask, y);
        for (int x = 0; x < s->w;) {
            uint8_t rec[5];
            uint32_t len;
            if (fread(rec, 1, 5, s->f) != 5)
                return -EIO;
            memcpy(&len, rec + 1, 4);
            if (len == 0 || len > (uint32_t)(s->w - x))
                return VN_ERR_INVALIDDATA;
            memset(row + x, rec[0], len);
            x += (int)len;
        }
    }
    return 0;
}

void vni_spool_close(VniSpool **ps)
{
    VniSpool *s = ps ? *ps : NULL;
    if (!s)
        return;
    if (s->f)
        fclose(s->f);
    vni_free(s->off);
    vni_free(s->buf);
    vni_free(s);
    *ps = NULL;
}
