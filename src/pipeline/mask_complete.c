/*
 * Completing a clicked overlay's mask with the detector's proposal (mask_complete.h). The parts
 * of a proposal apart from the mask that come within reach of it and lie within three times that
 * for the most part are taken whole, then those near what was taken, until none is left: a click
 * takes one ring or letter of a logo, the others lie a gap away; a scene's structure that the
 * detector took and that runs off past the logo is left.
 */
#include "pipeline/mask_complete.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "core/maskops.h"

#define MIN_REACH 8
#define MAX_REACH 64     /* the most vni_mask_dilate takes */
#define MAX_ROUNDS 8
#define MIN_PART 32      /* px: a smaller part is a speck of the detector's, no letter or ring */
#define SAME_IOU 0.9      /* a part overlapping the mask is the same part of the overlay */
#define NEAR_SHARE 0.75  /* share of a part that must lie within three times the reach */

/* The proposal's part (8-connected, non-zero in prop) holding pixel p into list, each pixel
 * marked in seen; returns its size. */
static int64_t part(const VnImage *prop, uint8_t *seen, int32_t p, int32_t *list)
{
    const int w = prop->width, h = prop->height;
    int64_t n = 0;
    seen[p] = 1;
    list[n++] = p;
    for (int64_t k = 0; k < n; k++) {
        int x = list[k] % w, y = list[k] / w;
        for (int yy = VNI_MAX(0, y - 1); yy <= VNI_MIN(h - 1, y + 1); yy++) {
            const uint8_t *s = vn_image_row(prop, yy);
            for (int xx = VNI_MAX(0, x - 1); xx <= VNI_MIN(w - 1, x + 1); xx++)
                if (s[xx] && !seen[yy * w + xx]) {
                    seen[yy * w + xx] = 1;
                    list[n++] = yy * w + xx;
                }
        }
    }
    return n;
}

/* The set pixels of held in box (x0, y0, x1, y1, inclusive) grown by 2 px. */
static int64_t held_in(const VnImage *held, const int box[4])
{
    int64_t n = 0;
    for (int y = VNI_MAX(0, box[1] - 2); y <= VNI_MIN(held->height - 1, box[3] + 2); y++) {
        const uint8_t *r = vn_image_row(held, y);
        for (int x = VNI_MAX(0, box[0] - 2); x <= VNI_MIN(held->width - 1, box[2] + 2); x++)
            n += r[x] != 0;
    }
    return n;
}

/* Add to held (to 1) the proposal's parts that reach into near and lie in zone
 * (three times as far, up to MAX_REACH) for the most part (NEAR_SHARE: a scene's structure the
 * detector took, running off past the overlay, is left). A part that overlaps held is the clicked
 * part itself: its outline, found from the temporal median at the frame's resolution, is added
 * where it agrees with the click's (IoU SAME_IOU with held round it; an opaque logo's, which the
 * detector finds a few pixels wide, is not); specks (MIN_PART) are left. Returns the pixels
 * added. seen and list: w * h each. */
static int64_t add_parts(VnImage *held, const VnImage *prop, const VnImage *near, const VnImage *zone,
                         uint8_t *seen, int32_t *list)
{
    const int w = held->width, h = held->height;
    int64_t added = 0;
    memset(seen, 0, (size_t)w * (size_t)h);
    for (int y0 = 0; y0 < h; y0++)
        for (int x0 = 0; x0 < w; x0++) {
            int32_t p = y0 * w + x0;
            if (seen[p] || !((const uint8_t *)vn_image_row(near, y0))[x0] ||
                !((const uint8_t *)vn_image_row(prop, y0))[x0])
                continue;
            int64_t n = part(prop, seen, p, list), in = 0, own = 0;
            int box[4] = {w, h, -1, -1};
            for (int64_t k = 0; k < n; k++) {
                int x = list[k] % w, y = list[k] / w;
                in += ((const uint8_t *)vn_image_row(zone, y))[x] != 0;
                own += ((const uint8_t *)vn_image_row(held, y))[x] != 0;
                box[0] = VNI_MIN(box[0], x), box[1] = VNI_MIN(box[1], y);
                box[2] = VNI_MAX(box[2], x), box[3] = VNI_MAX(box[3], y);
            }
            if (n < MIN_PART || (double)in < NEAR_SHARE * (double)n ||
                (own > 0 && (double)own < SAME_IOU * (double)(n + held_in(held, box) - own)))
                continue;
            for (int64_t k = 0; k < n; k++) {
                uint8_t *d = (uint8_t *)vn_image_row(held, list[k] / w) + list[k] % w;
                added += !*d;
                *d = 1;
            }
        }
    return added;
}

int64_t vni_mask_complete(const VnContext *ctx, VnImage *held, const VnImage *prop)
{
    VnImage *near = NULL, *zone = NULL;
    int32_t *list = NULL;
    uint8_t *seen = NULL;
    int64_t area = vni_mask_bbox(held, &(int){0}, &(int){0}, &(int){0}, &(int){0}), added = 0, more = 1;
    int reach = VNI_CLAMP((int)lrint(sqrt((double)area / M_PI)), MIN_REACH, MAX_REACH);
    int ret = vn_image_alloc(&near, held->width, held->height, 1, VN_U8);
    if (ret >= 0)
        ret = vn_image_alloc(&zone, held->width, held->height, 1, VN_U8);
    if (ret >= 0 && (!(list = vni_malloc_array((size_t)held->width * (size_t)held->height, sizeof(int32_t))) ||
                     !(seen = vni_malloc_array((size_t)held->width * (size_t)held->height, 1))))
        ret = -ENOMEM;
    for (int round = 0; ret >= 0 && more > 0 && round < MAX_ROUNDS; round++) {
        if ((ret = vni_mask_dilate(ctx, near, held, reach)) < 0 ||
            (ret = vni_mask_dilate(ctx, zone, held, VNI_MIN(3 * reach, MAX_REACH))) < 0)
            break;
        added += more = add_parts(held, prop, near, zone, seen, list);
    }
    vn_image_free(&near);
    vn_image_free(&zone);
    vni_free(list);
    vni_free(seen);
    return ret < 0 ? ret : added;
}
