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

#include "core/maskops.h"
#include "inpaint/overlay_region.h"

#define MIN_REACH 8
#define MAX_REACH 64     /* the most vni_mask_dilate takes */
#define MAX_ROUNDS 8
#define MIN_PART 32      /* px: a smaller part is a speck of the detector's, no letter or ring */
#define SAME_IOU 0.9      /* a part overlapping the mask is the same part of the overlay */
#define NEAR_SHARE 0.75  /* share of a part that must lie within three times the reach */

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
 * added. part: w * h bytes, the proposal (0/1) on entry, its parts labelled DONE on return;
 * stack: w * h. */
static int64_t add_parts(VnImage *held, const VnImage *near, const VnImage *zone, uint8_t *part,
                         int32_t *stack)
{
    enum { PROPOSED = 1, THIS = 2, DONE = 3 };
    const int w = held->width, h = held->height;
    int64_t added = 0;
    for (int y0 = 0; y0 < h; y0++)
        for (int x0 = 0; x0 < w; x0++) {
            size_t p = (size_t)y0 * w + x0;
            int box[4];
            if (part[p] != PROPOSED || !((const uint8_t *)vn_image_row(near, y0))[x0])
                continue;
            int64_t n = vni_overlay_flood(part, w, h, p, PROPOSED, THIS, 1, stack, box), in = 0, own = 0;
            for (int y = box[1]; y <= box[3]; y++)
                for (int x = box[0]; x <= box[2]; x++)
                    if (part[(size_t)y * w + x] == THIS) {
                        in += ((const uint8_t *)vn_image_row(zone, y))[x] != 0;
                        own += ((const uint8_t *)vn_image_row(held, y))[x] != 0;
                    }
            int take = n >= MIN_PART && (double)in >= NEAR_SHARE * (double)n &&
                       (own == 0 || (double)own >= SAME_IOU * (double)(n + held_in(held, box) - own));
            for (int y = box[1]; take && y <= box[3]; y++)
                for (int x = box[0]; x <= box[2]; x++)
                    if (part[(size_t)y * w + x] == THIS) {
                        uint8_t *d = (uint8_t *)vn_image_row(held, y) + x;
                        added += !*d;
                        *d = 1;
                    }
            vni_overlay_flood(part, w, h, p, THIS, DONE, 1, stack, box);
        }
    return added;
}

int64_t vni_mask_complete(const VnContext *ctx, VnImage *held, const VnImage *prop)
{
    VnImage *near = NULL, *zone = NULL;
    int32_t *stack = NULL;
    uint8_t *part = NULL;
    int64_t area = vni_mask_bbox(held, &(int){0}, &(int){0}, &(int){0}, &(int){0}), added = 0, more = 1;
    int reach = VNI_CLAMP((int)lrint(sqrt((double)area / M_PI)), MIN_REACH, MAX_REACH);
    int ret = vn_image_alloc(&near, held->width, held->height, 1, VN_U8);
    if (ret >= 0)
        ret = vn_image_alloc(&zone, held->width, held->height, 1, VN_U8);
    if (ret >= 0 && (!(stack = vni_malloc_array((size_t)held->width * (size_t)held->height, sizeof(int32_t))) ||
                     !(part = vni_malloc_array((size_t)held->width * (size_t)held->height, 1))))
        ret = -ENOMEM;
    for (int round = 0; ret >= 0 && more > 0 && round < MAX_ROUNDS; round++) {
        if ((ret = vni_mask_dilate(ctx, near, held, reach)) < 0 ||
            (ret = vni_mask_dilate(ctx, zone, held, VNI_MIN(3 * reach, MAX_REACH))) < 0)
            break;
        for (int y = 0; y < held->height; y++) {
            const uint8_t *r = vn_image_row(prop, y);
            for (int x = 0; x < held->width; x++)
                part[(size_t)y * held->width + x] = r[x] != 0;
        }
        added += more = add_parts(held, near, zone, part, stack);
    }
    vn_image_free(&near);
    vn_image_free(&zone);
    vni_free(stack);
    vni_free(part);
    return ret < 0 ? ret : added;
}
