/*
 * Signed distances to a mask's boundary by the 3-4 chamfer transform (Borgefors 1986), and the
 * hand-over between two propagations of one frame by blending their signed distances.
 */
#include "track/tracker.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define INF_D 0x3fffffff

/* Two raster passes of the 3-4 chamfer metric over d (w x h), distances to the zeros. */
static void chamfer(int *d, int w, int h)
{
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int *p = d + (size_t)y * w + x, v = *p;
            if (x > 0)
                v = VNI_MIN(v, p[-1] + 3);
            if (y > 0) {
                v = VNI_MIN(v, p[-w] + 3);
                if (x > 0)
                    v = VNI_MIN(v, p[-w - 1] + 4);
                if (x + 1 < w)
                    v = VNI_MIN(v, p[-w + 1] + 4);
            }
            *p = v;
        }
    for (int y = h - 1; y >= 0; y--)
        for (int x = w - 1; x >= 0; x--) {
            int *p = d + (size_t)y * w + x, v = *p;
            if (x + 1 < w)
                v = VNI_MIN(v, p[1] + 3);
            if (y + 1 < h) {
                v = VNI_MIN(v, p[w] + 3);
                if (x + 1 < w)
                    v = VNI_MIN(v, p[w + 1] + 4);
                if (x > 0)
                    v = VNI_MIN(v, p[w - 1] + 4);
            }
            *p = v;
        }
}

/* One side's distance map: zeros where the pixel's label differs from `side`. */
static void side_distance(const VnImage *m, VniRect r, int side, int *d)
{
    int w = r.x1 - r.x0, h = r.y1 - r.y0;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = vn_image_row(m, r.y0 + y) + r.x0;
        for (int x = 0; x < w; x++)
            d[(size_t)y * w + x] = ((row[x] != 0) == side) ? INF_D : 0;
    }
    chamfer(d, w, h);
}

void vni_signed_distance(const VnImage *m, VniRect r, float cap, float *d)
{
    int w = r.x1 - r.x0, h = r.y1 - r.y0;
    size_t n = (size_t)w * h;
    /* the float map doubles as the integer scratch of each side */
    int *tmp = (int *)d;
    side_distance(m, r, 1, tmp);
    for (size_t i = 0; i < n; i++)
        d[i] = tmp[i] >= INF_D ? cap : fminf(cap, (float)tmp[i] / 3.0f - 0.5f);
    int *out = vni_malloc_array(n, sizeof(int));
    if (!out) {
        /* without scratch: outside pixels get -cap/2, a coarse but safe answer */
        for (size_t i = 0; i < n; i++)
            if (d[i] <= 0)
                d[i] = -cap * 0.5f;
        return;
    }
    side_distance(m, r, 0, out);
    for (size_t i = 0; i < n; i++)
        if (out[i] > 0)
            d[i] = -(out[i] >= INF_D ? cap : fminf(cap, (float)out[i] / 3.0f - 0.5f));
    vni_free(out);
}

/* The ids present in m, as a 256-entry table. Returns how many. */
static int ids_present(const VnImage *m, uint8_t *has)
{
    int n = 0;
    for (int y = 0; y < m->height; y++) {
        const uint8_t *row = vn_image_row(m, y);
        for (int x = 0; x < m->width; x++)
            has[row[x]] = 1;
    }
    for (int i = 1; i < 256; i++)
        n += has[i];
    return n;
}

/* Binary mask of one id. */
static void id_mask(const VnImage *src, int id, VnImage *dst)
{
    for (int y = 0; y < src->height; y++) {
        const uint8_t *s = vn_image_row(src, y);
        uint8_t *d = vn_image_row(dst, y);
        for (int x = 0; x < src->width; x++)
            d[x] = s[x] == id ? 255 : 0;
    }
}

int vni_mask_handover(const VnImage *a, const VnImage *b, float w, VnImage *out)
{
    const int W = a->width, H = a->height;
    const size_t n = (size_t)W * H;
    const VniRect r = {0, 0, W, H};
    const float cap = 1e6f;
    uint8_t has[256] = {0};
    float *da = NULL, *db = NULL, *best = NULL;
    uint8_t *lab = NULL;
    VnImage *bin = NULL;
    int ret = -ENOMEM;
    ids_present(a, has);
    ids_present(b, has);
    da = vni_malloc_array(n, sizeof(float));
    db = vni_malloc_array(n, sizeof(float));
    best = vni_malloc_array(n, sizeof(float));
    lab = vni_calloc_array(n, 1);
    if (!da || !db || !best || !lab || vn_image_alloc(&bin, W, H, 1, VN_U8) < 0)
        goto fail;
    for (size_t i = 0; i < n; i++)
        best[i] = 0;
    for (int id = 1; id < 256; id++) {
        if (!has[id])
            continue;
        id_mask(a, id, bin);
        vni_signed_distance(bin, r, cap, da);
        id_mask(b, id, bin);
        vni_signed_distance(bin, r, cap, db);
        for (size_t i = 0; i < n; i++) {
            /* an object absent from one side: its distance there is "far outside" */
            float v = (1.0f - w) * fmaxf(da[i], -1e3f) + w * fmaxf(db[i], -1e3f);
            if (v > best[i]) {
                best[i] = v;
                lab[i] = (uint8_t)id;
            }
        }
    }
    for (int y = 0; y < H; y++)
        memcpy(vn_image_row(out, y), lab + (size_t)y * W, (size_t)W);
    ret = 0;
fail:
    vni_free(da);
    vni_free(db);
    vni_free(best);
    vni_free(lab);
    vn_image_free(&bin);
    return ret;
}
