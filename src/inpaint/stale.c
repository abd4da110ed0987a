#include "inpaint/stale.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "core/maskops.h"
#include "flow/sample.h"

/* Tiles of TILE x TILE px of a hole are compared with the membrane: a tile whose filled
 * sources (at least half as many as its pixels) differ from it on average by more than
 * TILE_ERR grey levels in some channel is stale. Texture averages out over a tile; the colour
 * of an object that has gone does not. */
#define TILE 8
#define TILE_ERR 24.0f

/* Whether a source at (px, py) in a frame with `invented` (or NULL) shows an invention. */
static int invented_at(const VnImage *invented, float px, float py)
{
    int x, y;
    if (!invented)
        return 0;
    x = VNI_CLAMP((int)lrintf(px), 0, invented->width - 1);
    y = VNI_CLAMP((int)lrintf(py), 0, invented->height - 1);
    return vn_image_row(invented, y)[x] != 0;
}

/* Colour of an RGB U8 image at the pixel nearest (px, py), as floats. */
static void pixel_at(const VnImage *img, float px, float py, float *c)
{
    int x = VNI_CLAMP((int)lrintf(px), 0, img->width - 1), y = VNI_CLAMP((int)lrintf(py), 0, img->height - 1);
    const uint8_t *q = vn_image_row(img, y) + 3 * x;
    c[0] = q[0];
    c[1] = q[1];
    c[2] = q[2];
}

/* Sum, per tile of TILE px, of the difference between invented sources' colours and the
 * membrane, and their count. */
typedef struct TileSum {
    float d[3];
    int n;
} TileSum;

/* Drop every source of frame t that shows an invention when a tile of its hole is stale. */
int64_t vni_drop_stale_sources(const VniStaleFrames *f, int t, VniSources *src)
{
    const VnImage *hole = f->holes[t];
    const int w = hole->width;
    TileSum *tiles;
    int x0, y0, x1, y1, tw, th, stale = 0;
    int64_t dropped = 0;
    if (!f->membrane[t] || !vni_mask_bbox(hole, &x0, &y0, &x1, &y1))
        return 0;
    tw = (x1 - x0) / TILE + 1;
    th = (y1 - y0) / TILE + 1;
    if (!(tiles = vni_calloc_array((size_t)tw * th, sizeof(*tiles))))
        return -ENOMEM;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            ptrdiff_t i = (ptrdiff_t)y * w + x;
            TileSum *ts = &tiles[(y - y0) / TILE * tw + (x - x0) / TILE];
            float v[3], m[3];
            if (!vn_image_row(hole, y)[x])
                continue;
            pixel_at(f->membrane[t], (float)x, (float)y, m);
            for (int k = 0; k < 2; k++) {
                int s = src->frame[k][i];
                if (s < 0 || !invented_at(f->invented[s], src->x[k][i], src->y[k][i]))
                    continue;
                vni_sample_u8(f->rgb[s], src->x[k][i], src->y[k][i], v);
                for (int c = 0; c < 3; c++)
                    ts->d[c] += v[c] - m[c];
                ts->n++;
            }
        }
    for (int j = 0; j < tw * th && !stale; j++)
        for (int c = 0; c < 3 && tiles[j].n >= TILE * TILE / 2; c++)
            stale |= fabsf(tiles[j].d[c]) > TILE_ERR * (float)tiles[j].n;
    vni_free(tiles);
    if (!stale)
        return 0;
    /* a stale fill: the whole frame is filled afresh, but for what was seen */
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            ptrdiff_t i = (ptrdiff_t)y * w + x;
            for (int k = 0; k < 2; k++)
                if (src->frame[k][i] >= 0 && invented_at(f->invented[src->frame[k][i]], src->x[k][i], src->y[k][i])) {
                    src->frame[k][i] = -1;
                    dropped++;
                }
        }
    return dropped;
}

void vni_mark_invented(const VniStaleFrames *f, int t, const VnImage *hole, const VniSources *src,
                       VnImage *invented)
{
    for (int y = 0; y < hole->height; y++) {
        const uint8_t *m = vn_image_row(hole, y);
        uint8_t *o = vn_image_row(invented, y);
        for (int x = 0; x < hole->width; x++) {
            ptrdiff_t i = (ptrdiff_t)y * hole->width + x;
            int any = 0, seen = 0;
            o[x] = 0;
            if (!m[x])
                continue;
            for (int k = 0; k < 2; k++) {
                int s = src->frame[k][i];
                if (s < 0)
                    continue;
                any = 1;
                seen |= !invented_at(f->invented[s], src->x[k][i], src->y[k][i]);
            }
            o[x] = !any || !seen;
        }
    }
}
