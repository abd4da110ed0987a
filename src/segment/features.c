/* Per-frame features: working-resolution colours, neighbour colour distances with the GrabCut
 * contrast constant, and colour clusters (a 32-level-per-channel quantisation, each cluster
 * holding its mean colour) on which the colour models are fitted and evaluated. */
#include "segment/features.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/resample.h"

static int load_colours(const VnContext *ctx, VniSegFeatures *f, const VnImage *rgb)
{
    VnImage *small = NULL;
    int ret = vn_image_alloc(&small, f->w, f->h, 3, VN_U8);
    if (ret < 0)
        return ret;
    if ((ret = vni_resize_u8(ctx, small, rgb)) < 0)
        goto fail;
    for (int y = 0; y < f->h; y++) {
        const uint8_t *r = vn_image_row(small, y);
        float *o = f->col + (size_t)y * f->w * 3;
        for (int i = 0; i < f->w * 3; i++)
            o[i] = r[i];
    }
fail:
    vn_image_free(&small);
    return ret;
}

static float cdist(const float *a, const float *b)
{
    float d0 = a[0] - b[0], d1 = a[1] - b[1], d2 = a[2] - b[2];
    return sqrtf(d0 * d0 + d1 * d1 + d2 * d2);
}

/* Neighbour distances and beta = 1 / (2 * mean squared distance), as in GrabCut. */
static void neighbour_diffs(VniSegFeatures *f)
{
    static const int dx[4] = {1, 0, 1, -1}, dy[4] = {0, 1, 1, 1};
    const int w = f->w, h = f->h;
    double sum = 0, sum1 = 0;
    int64_t cnt = 0;
    for (int d = 0; d < 4; d++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int qx = x + dx[d], qy = y + dy[d], p = y * w + x;
                float v = 0;
                if (qx >= 0 && qx < w && qy < h) {
                    v = cdist(f->col + 3 * p, f->col + 3 * (qy * w + qx));
                    sum += (double)v * v;
                    sum1 += v;
                    cnt++;
                }
                f->diff[d][p] = v;
            }
    f->beta = sum > 0 ? 0.5 / (sum / (double)cnt) : 0.0;
    f->mean_diff = sum1 > 0 ? (float)(sum1 / (double)cnt) : 1.0f;
}

/* Colour clusters: quantise to 32 levels per channel, number the occupied cells, keep their
 * mean colour. */
static int make_bins(VniSegFeatures *f)
{
    const int n = f->w * f->h, cells = 1 << 15;
    int *map = vni_malloc_array((size_t)cells, sizeof(int));
    float *acc = NULL;
    if (!map)
        return -ENOMEM;
    for (int i = 0; i < cells; i++)
        map[i] = -1;
    f->n_bins = 0;
    for (int p = 0; p < n; p++) {
        const float *c = f->col + 3 * p;
        int cell = ((int)c[0] >> 3) << 10 | ((int)c[1] >> 3) << 5 | (int)c[2] >> 3;
        if (map[cell] < 0)
            map[cell] = f->n_bins++;
        f->bin[p] = map[cell];
    }
    f->bin_col = vni_calloc_array((size_t)f->n_bins * 3, sizeof(float));
    acc = vni_calloc_array((size_t)f->n_bins, sizeof(float));
    if (!f->bin_col || !acc) {
        vni_free(map);
        vni_free(acc);
        return -ENOMEM;
    }
    for (int p = 0; p < n; p++) {
        int b = f->bin[p];
        for (int c = 0; c < 3; c++)
            f->bin_col[3 * b + c] += f->col[3 * p + c];
        acc[b] += 1;
    }
    for (int b = 0; b < f->n_bins; b++)
        for (int c = 0; c < 3; c++)
            f->bin_col[3 * b + c] /= acc[b];
    vni_free(map);
    vni_free(acc);
    return 0;
}

int vni_seg_features_init(const VnContext *ctx, VniSegFeatures *f, const VnImage *rgb, int w, int h)
{
    const size_t n = (size_t)w * (size_t)h;
    int ret = -ENOMEM;
    memset(f, 0, sizeof(*f));
    f->w = w;
    f->h = h;
    f->col = vni_malloc_array(n * 3, sizeof(float));
    f->bin = vni_malloc_array(n, sizeof(int));
    for (int d = 0; d < 4; d++)
        if (!(f->diff[d] = vni_malloc_array(n, sizeof(float))))
            goto fail;
    if (!f->col || !f->bin)
        goto fail;
    if ((ret = load_colours(ctx, f, rgb)) < 0)
        goto fail;
    neighbour_diffs(f);
    if ((ret = make_bins(f)) < 0)
        goto fail;
    return 0;
fail:
    vni_seg_features_free(f);
    return ret;
}

void vni_seg_features_free(VniSegFeatures *f)
{
    vni_freep(&f->col);
    vni_freep(&f->bin);
    vni_freep(&f->bin_col);
    for (int d = 0; d < 4; d++)
        vni_freep(&f->diff[d]);
}
