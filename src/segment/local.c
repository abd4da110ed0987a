/* A corrective click changes the mask only near itself. A click that follows a run on the same
 * frame says where the last mask was wrong; how deep the click lies inside that error (its
 * distance to the nearest pixel that the last mask labelled as the click asks) tells how large
 * the error is. A click on a thin fringe error must not let the whole answer move: the new mask
 * is taken only within a disk around the click a few times that depth, the last mask elsewhere. */
#include "segment/session.h"

#include <math.h>
#include <string.h>

/* The disk of the new mask: this many times the click's depth in its error, plus LOCAL_MIN_R
 * pixels per working pixel. */
#define LOCAL_DEPTH_FACTOR 3.0
#define LOCAL_MIN_R 2.0
/* Depth, in working pixels, at which the search stops: a click this deep in its error changes
 * the whole mask. */
#define LOCAL_MAX_DEPTH 8

/* Distance from (cx, cy) to the nearest pixel of `prev` whose label is `want` (0 or 1), searched
 * in squares of growing size up to `far`; far + 1 if none is that near. */
static double depth(const VnImage *prev, int cx, int cy, int want, int far)
{
    double best = far + 1;
    for (int r = 0; r <= far && r < best; r++)
        for (int y = cy - r; y <= cy + r; y++) {
            if (y < 0 || y >= prev->height)
                continue;
            const uint8_t *row = vn_image_row(prev, y);
            const int step = (y == cy - r || y == cy + r) ? 1 : 2 * r;
            for (int x = cx - r; x <= cx + r; x += step) {
                if (x < 0 || x >= prev->width || (row[x] != 0) != want)
                    continue;
                double d = sqrt((double)(x - cx) * (x - cx) + (double)(y - cy) * (y - cy));
                best = d < best ? d : best;
            }
        }
    return best;
}

int vni_seg_localise(const VnSegmenter *s, const VnPrompt *click, VnImage *mask)
{
    const VnImage *prev = s->prev;
    const double scale = fmax(s->sx, s->sy);
    const int far = (int)ceil(LOCAL_MAX_DEPTH * scale);
    const double d = depth(prev, click->x0, click->y0, click->type == VN_PROMPT_POSITIVE, far);
    if (d > far)
        return 0; /* a large error: the new answer holds everywhere */
    const double r = LOCAL_DEPTH_FACTOR * d + LOCAL_MIN_R * scale;
    for (int y = 0; y < mask->height; y++) {
        uint8_t *m = vn_image_row(mask, y);
        const uint8_t *p = vn_image_row(prev, y);
        const double dy = y - click->y0;
        for (int x = 0; x < mask->width; x++) {
            const double dx = x - click->x0;
            if (dx * dx + dy * dy > r * r)
                m[x] = p[x];
        }
    }
    return 1;
}
