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
/* Carried sources on a tile's stretch of the hole's border (at least BORDER_MIN of them) that
 * differ from the known pixels next to them by more than BORDER_ERR on average in some channel
 * are stale. Wider than TILE_ERR: what the mask misses of the object (an outline, a halo) lies
 * next to the border and darkens or lights it; the colour of an object that has gone is far
 * off (the demo's gold box against the dark wall: 60 to 130). */
#define BORDER_MIN 8
#define BORDER_ERR 36.0f

enum { STALE_INVENTED = 1, STALE_CARRIED = 2 };

/* Colour of an RGB U8 image at the pixel nearest (px, py), as floats. */
static void pixel_at(const VnImage *img, float px, float py, float *c)
{
    int x = VNI_CLAMP((int)lrintf(px), 0, img->width - 1), y = VNI_CLAMP((int)lrintf(py), 0, img->height - 1);
    const uint8_t *q = vn_image_row(img, y) + 3 * x;
    c[0] = q[0];
    c[1] = q[1];
    c[2] = q[2];
}

/* Sum, per tile of TILE px, of the difference between sources' colours and a reference, and
 * their count. */
typedef struct TileSum {
    float d[3];
    int n;
} TileSum;

/* The mask of source frame s that a check reads: its invented fill (STALE_INVENTED) or its own
 * hole (STALE_CARRIED). */
static const VnImage *source_mask(const VniStaleFrames *f, int s, int kind)
{
    return kind == STALE_INVENTED ? f->invented[s] : f->own ? f->own[s] : NULL;
}

/* Add to tile ts the differences between the colours of pixel i's sources that show what
 * source_mask(kind) marks and the reference colour m. */
static void add_sources(const VniStaleFrames *f, const VniSources *src, ptrdiff_t i, int kind, const float *m,
                        TileSum *ts)
{
    for (int k = 0; k < 2; k++) {
        int s = src->frame[k][i];
        float v[3];
        if (s < 0 || !vni_mask_at(source_mask(f, s, kind), src->x[k][i], src->y[k][i]))
            continue;
        vni_sample_u8(f->rgb[s], src->x[k][i], src->y[k][i], v);
        for (int c = 0; c < 3; c++)
            ts->d[c] += v[c] - m[c];
        ts->n++;
    }
}

/* Mean colour of the known 4-neighbours of pixel (x, y) of frame t that move with the camera;
 * 0 if it has none (not on the hole's border, or next to a moving object only). */
static int border_colour(const VniStaleFrames *f, int t, int x, int y, float *m)
{
    static const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
    const VnImage *hole = f->holes[t], *moving = f->moving ? f->moving[t] : NULL;
    int n = 0;
    m[0] = m[1] = m[2] = 0.0f;
    for (int j = 0; j < 4; j++) {
        int X = x + dx[j], Y = y + dy[j];
        float c[3];
        if (X < 0 || Y < 0 || X >= hole->width || Y >= hole->height || vn_image_row(hole, Y)[X] ||
            (moving && vn_image_row(moving, Y)[X]))
            continue;
        pixel_at(f->rgb[t], (float)X, (float)Y, c);
        for (int k = 0; k < 3; k++)
            m[k] += c[k];
        n++;
    }
    for (int k = 0; k < 3 && n; k++)
        m[k] /= (float)n;
    return n > 0;
}

/* Whether some tile holds at least min_n samples whose mean difference exceeds err in a
 * channel. */
static int any_stale(const TileSum *tiles, int n_tiles, int min_n, float err)
{
    for (int j = 0; j < n_tiles; j++)
        for (int c = 0; c < 3 && tiles[j].n >= min_n; c++)
            if (fabsf(tiles[j].d[c]) > err * (float)tiles[j].n)
                return 1;
    return 0;
}

/* How frame t's fill is stale: STALE_INVENTED when, in some tile of the box x0..x1 (tw tiles
 * wide), its invented sources differ from the membrane; STALE_CARRIED when its carried sources
 * on the hole's border differ from the known pixels next to them. `tiles` holds 2 * tw * th
 * sums, cleared. */
static int fill_is_stale(const VniStaleFrames *f, int t, const VniSources *src, int x0, int y0, int x1, int y1,
                         int tw, int th, TileSum *tiles)
{
    const VnImage *hole = f->holes[t];
    TileSum *border = tiles + (ptrdiff_t)tw * th;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            ptrdiff_t i = (ptrdiff_t)y * hole->width + x, j = (ptrdiff_t)(y - y0) / TILE * tw + (x - x0) / TILE;
            float m[3];
            if (!vn_image_row(hole, y)[x])
                continue;
            pixel_at(f->membrane[t], (float)x, (float)y, m);
            add_sources(f, src, i, STALE_INVENTED, m, &tiles[j]);
            if (f->own && border_colour(f, t, x, y, m))
                add_sources(f, src, i, STALE_CARRIED, m, &border[j]);
        }
    return (any_stale(tiles, tw * th, TILE * TILE / 2, TILE_ERR) ? STALE_INVENTED : 0) |
           (any_stale(border, tw * th, BORDER_MIN, BORDER_ERR) ? STALE_CARRIED : 0);
}

/* Drop the sources of the box x0..x1 (of an image w px wide) that show what `kind` names.
 * Returns how many. */
static int64_t drop_sources(const VniStaleFrames *f, VniSources *src, int w, int x0, int y0, int x1, int y1,
                            int kind)
{
    int64_t dropped = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            ptrdiff_t i = (ptrdiff_t)y * w + x;
            for (int k = 0; k < 2; k++) {
                int s = src->frame[k][i];
                if (s >= 0 && vni_mask_at(source_mask(f, s, kind), src->x[k][i], src->y[k][i])) {
                    src->frame[k][i] = -1;
                    dropped++;
                }
            }
        }
    return dropped;
}

/* Drop every source of frame t that shows an invention when its invented fill is stale, every
 * source that shows a fill when its carried fill is. */
int64_t vni_drop_stale_sources(const VniStaleFrames *f, int t, VniSources *src)
{
    const VnImage *hole = f->holes[t];
    const int w = hole->width;
    TileSum *tiles;
    int x0, y0, x1, y1, tw, th, stale, kind;
    if (!f->membrane[t] || !vni_mask_bbox(hole, &x0, &y0, &x1, &y1))
        return 0;
    tw = (x1 - x0) / TILE + 1;
    th = (y1 - y0) / TILE + 1;
    if (!(tiles = vni_calloc_array((size_t)tw * th * 2, sizeof(*tiles))))
        return -ENOMEM;
    stale = fill_is_stale(f, t, src, x0, y0, x1, y1, tw, th, tiles);
    vni_free(tiles);
    if (!stale)
        return 0;
    /* a stale fill: the whole frame is filled afresh, but for what was seen (first-hand, when
     * what was carried is stale) */
    kind = stale & STALE_CARRIED ? STALE_CARRIED : STALE_INVENTED;
    return drop_sources(f, src, w, x0, y0, x1, y1, kind);
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
                seen |= !vni_mask_at(f->invented[s], src->x[k][i], src->y[k][i]);
            }
            o[x] = !any || !seen;
        }
    }
}
