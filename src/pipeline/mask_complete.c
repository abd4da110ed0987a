/*
 * Completing a clicked overlay's mask (mask_complete.h): first by the overlay model over a window
 * round the click (vni_overlay_grow: the parts that dim the picture's change as the clicked one
 * does), else, where the model grows nothing (an opaque overlay, a click it cannot check), with
 * the detector's proposal. The parts
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
#include "inpaint/overlay_region.h"
#include "segment/overlay_grow.h"
#include "vanish/video.h"

#define MIN_REACH 8
#define MAX_REACH 64     /* the most vni_mask_dilate takes */
#define MAX_ROUNDS 8
#define MIN_PART 32      /* px: a smaller part is a speck of the detector's, no letter or ring */
#define SAME_IOU 0.9      /* a part overlapping the mask is the same part of the overlay */
#define NEAR_SHARE 0.75  /* share of a part that must lie within three times the reach */
#define GROW_FRAMES 48   /* frames, evenly spaced, over which the overlay model grows the click */
#define GROW_MARGIN 2    /* the window round the click: its box grown by this times its size, */
#define MIN_MARGIN 32    /* at least this many px, */
#define MAX_MARGIN 192   /* at most this many, */
#define MAX_WINDOW (640 * 640) /* and the window no larger than this (px) */
#define SPECK_SHARE 16   /* a part of the click under MIN_PART px and 1/16 of its largest: a speck */
#define GROW_PASSES 2    /* passes, the second over the window round what the first grew */
#define SEED_IN 2        /* px: a detector's footprint taken this far in as the seed of the model */
#define OPAQUE_SHARE 0.5 /* a footprint this much constant over time is not grown: its picture is hidden */

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

/* The window round held's box (x0, y0, x1, y1 inclusive) that the overlay model searches. */
static void grow_window(const VnImage *held, int box[4])
{
    int x0, y0, x1, y1;
    vni_mask_bbox(held, &x0, &y0, &x1, &y1);
    int m = VNI_CLAMP(GROW_MARGIN * VNI_MAX(x1 - x0 + 1, y1 - y0 + 1), MIN_MARGIN, MAX_MARGIN);
    for (;; m -= 8) {
        box[0] = VNI_MAX(0, x0 - m), box[1] = VNI_MAX(0, y0 - m);
        box[2] = VNI_MIN(held->width - 1, x1 + m), box[3] = VNI_MIN(held->height - 1, y1 + m);
        if ((int64_t)(box[2] - box[0] + 1) * (box[3] - box[1] + 1) <= MAX_WINDOW || m <= 8)
            break;
    }
}

/* The frames the grow passes read, kept between them: k frames evenly spaced over the video, the
 * window box of each (RGB, frame after frame); n < 0 until read. A pass whose window lies inside
 * crops it, so that the video is decoded once for all the passes that fit (each pass decoding it
 * again took as long as the detector's own pass). */
typedef struct Stack {
    int box[4], n;
    uint8_t *rgb;
} Stack;

/* Read k frames evenly spaced over the n_frames of input, the window box of each, into st (its
 * last frames freed). Returns the frames read or a negative error. */
static int read_stack(VnContext *ctx, const char *input, int64_t n_frames, int k, const int box[4],
                      Stack *st)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int w = box[2] - box[0] + 1, h = box[3] - box[1] + 1, taken = 0, ret;
    vni_free(st->rgb);
    st->n = -1;
    if (!(st->rgb = vni_malloc_array((size_t)k * (size_t)w * (size_t)h, 3)))
        return -ENOMEM;
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        return ret;
    for (int64_t i = 0; taken < k && (ret = vn_video_read(r, &f)) > 0; i++) {
        const VnImage *rgb = vn_frame_rgb(f);
        if (i == taken * (n_frames - 1) / VNI_MAX(k - 1, 1) && rgb->width > box[2] && rgb->height > box[3]) {
            for (int y = 0; y < h; y++)
                memcpy(st->rgb + (((size_t)taken * h + y) * w) * 3, vn_image_row(rgb, box[1] + y) + 3 * box[0],
                       (size_t)w * 3);
            taken++;
        }
        vn_frame_free(&f);
    }
    vn_video_close(&r);
    memcpy(st->box, box, sizeof(st->box));
    st->n = ret < 0 ? -1 : taken;
    return ret < 0 ? ret : taken;
}

/* Whether box lies inside the window of st's frames. */
static int inside(const Stack *st, const int box[4])
{
    return st->n >= 0 && box[0] >= st->box[0] && box[1] >= st->box[1] && box[2] <= st->box[2] &&
           box[3] <= st->box[3];
}

/* The frames of window box (w * h * 3 bytes each, frame after frame): st's own where its window
 * is box, else cropped from it into *crop (read first where box is not inside it). Returns the
 * frame count or a negative error. */
static int window_frames(VnContext *ctx, const char *input, int64_t n_frames, const int box[4], Stack *st,
                         const uint8_t **frames, uint8_t **crop)
{
    int w = box[2] - box[0] + 1, h = box[3] - box[1] + 1, sw, sh, ret;
    if (!inside(st, box) && (ret = read_stack(ctx, input, n_frames, (int)VNI_MIN(GROW_FRAMES, n_frames), box, st)) < 0)
        return ret;
    *frames = st->rgb;
    if (!memcmp(box, st->box, sizeof(st->box)))
        return st->n;
    sw = st->box[2] - st->box[0] + 1;
    sh = st->box[3] - st->box[1] + 1;
    if (!(*crop = vni_malloc_array((size_t)VNI_MAX(st->n, 1) * (size_t)w * (size_t)h, 3)))
        return -ENOMEM;
    for (int t = 0; t < st->n; t++)
        for (int y = 0; y < h; y++)
            memcpy(*crop + (((size_t)t * h + y) * w) * 3,
                   st->rgb + (((size_t)t * sh + box[1] - st->box[1] + y) * sw + box[0] - st->box[0]) * 3,
                   (size_t)w * 3);
    *frames = *crop;
    return st->n;
}

/* Grow held by the overlay model over the window box round it (its frames from st): a click
 * (found 0), or a footprint the detector found (vni_overlay_grow_seed; trusting its drop when
 * found is 2); returns the pixels added. */
static int64_t grow_once(VnContext *ctx, const char *input, int64_t n_frames, VnImage *held, const int box[4],
                         int found, Stack *st)
{
    int w = box[2] - box[0] + 1, h = box[3] - box[1] + 1;
    const uint8_t *frames = NULL;
    uint8_t *crop = NULL, *win = vni_malloc_array((size_t)w * h, 1);
    int64_t ret = win ? window_frames(ctx, input, n_frames, box, st, &frames, &crop) : -ENOMEM;
    if (ret >= 0) {
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                win[(size_t)y * w + x] = vn_image_row(held, box[1] + y)[box[0] + x] != 0;
        ret = ret < 8 ? 0 : found ? vni_overlay_grow_seed(frames, w, h, (int)ret, win, found == 2)
                                  : vni_overlay_grow(frames, w, h, (int)ret, win);
    }
    for (int y = 0; ret > 0 && y < h; y++)
        for (int x = 0; x < w; x++)
            vn_image_row(held, box[1] + y)[box[0] + x] |= win[(size_t)y * w + x];
    vni_free(crop);
    vni_free(win);
    return ret;
}

/* The longer side of held's box. */
static int extent(const VnImage *held)
{
    int x0, y0, x1, y1;
    return vni_mask_bbox(held, &x0, &y0, &x1, &y1) ? VNI_MAX(x1 - x0, y1 - y0) + 1 : 0;
}

/* Grow held by the overlay model, once more over a larger window when the first pass grew it to
 * more than twice its extent (a click that took a small patch of one part: the first pass finds
 * that part, the next the others); returns the pixels added. */
static int64_t grow(VnContext *ctx, const char *input, int64_t n_frames, VnImage *held, int found, Stack *st)
{
    int box[4], before = extent(held);
    int64_t added = 0, more = 1;
    if (!before) /* nothing to grow from (a footprint the detector's later passes emptied) */
        return 0;
    for (int pass = 0; pass < GROW_PASSES && more > 0 && (pass == 0 || extent(held) > 2 * before); pass++) {
        before = extent(held);
        grow_window(held, box);
        if ((more = grow_once(ctx, input, n_frames, held, box, found, st)) < 0)
            return more;
        added += more;
    }
    return added;
}

/* Clear the specks of held (w x h): its 8-connected parts under MIN_PART px and under
 * 1/SPECK_SHARE of its largest, that a click's segmentation leaves apart from the part it took (a
 * speck of two pixels a little way from a logo drew the overlay's estimate off by 3 dB). part,
 * stack: w * h. */
static void drop_specks(VnImage *held, uint8_t *part, int32_t *stack)
{
    const int w = held->width, h = held->height;
    int64_t largest = 0;
    int box[4];
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            part[(size_t)y * w + x] = vn_image_row(held, y)[x] != 0;
    for (size_t p = 0; p < (size_t)w * h; p++)
        if (part[p] == 1) {
            int64_t n = vni_overlay_flood(part, w, h, p, 1, 2, 1, stack, box);
            largest = VNI_MAX(largest, n);
        }
    for (size_t p = 0; p < (size_t)w * h; p++) {
        if (part[p] != 2)
            continue;
        int64_t n = vni_overlay_flood(part, w, h, p, 2, 3, 1, stack, box);
        if (n >= MIN_PART || n * SPECK_SHARE >= largest)
            continue;
        vni_overlay_flood(part, w, h, p, 3, 0, 1, stack, box);
        for (int y = box[1]; y <= box[3]; y++)
            for (int x = box[0]; x <= box[2]; x++)
                if (!part[(size_t)y * w + x])
                    vn_image_row(held, y)[x] = 0;
    }
}

/* Clear held's specks (drop_specks). Returns 0 or -ENOMEM. */
static int clean(VnImage *held)
{
    int32_t *stack = vni_malloc_array((size_t)held->width * (size_t)held->height, sizeof(int32_t));
    uint8_t *part = vni_malloc_array((size_t)held->width * (size_t)held->height, 1);
    if (stack && part)
        drop_specks(held, part, stack);
    vni_free(stack);
    vni_free(part);
    return stack && part ? 0 : -ENOMEM;
}

int64_t vni_mask_grow(VnContext *ctx, const char *input, int64_t n_frames, VnImage *held)
{
    Stack st = {{0, 0, 0, 0}, -1, NULL};
    int64_t grown = clean(held);
    if (grown >= 0)
        grown = grow(ctx, input, n_frames, held, 0, &st);
    vni_free(st.rgb);
    return grown;
}

/* seed = held less the pixels within r of its outside (0/255); inv: scratch of held's size. */
static int erode(VnContext *ctx, VnImage *seed, const VnImage *held, VnImage *inv, int r)
{
    int ret;
    for (int y = 0; y < held->height; y++)
        for (int x = 0; x < held->width; x++)
            vn_image_row(inv, y)[x] = vn_image_row(held, y)[x] ? 0 : 255;
    if ((ret = vni_mask_dilate(ctx, seed, inv, r)) < 0)
        return ret;
    for (int y = 0; y < held->height; y++)
        for (int x = 0; x < held->width; x++)
            vn_image_row(seed, y)[x] = vn_image_row(seed, y)[x] ? 0 : 255;
    return 0;
}

/* Share of found's pixels that opaque (NULL: none) holds constant over time. */
static double opaque_share(const VnImage *found, const VnImage *opaque)
{
    int64_t n = 0, on = 0;
    for (int y = 0; opaque && y < found->height; y++)
        for (int x = 0; x < found->width; x++)
            if (vn_image_row(found, y)[x]) {
                n++;
                on += vn_image_row(opaque, y)[x] == 255;
            }
    return n ? (double)on / (double)n : 0.0;
}

/* Read into st the frames of the window that holds the first passes' windows round seed and
 * inner (either may be empty), so that both crop it. Returns 0 or a negative error. */
static int read_first(VnContext *ctx, const char *input, int64_t n_frames, const VnImage *seed,
                      const VnImage *inner, Stack *st)
{
    int box[4] = {seed->width, seed->height, -1, -1}, b[4];
    const VnImage *m[2] = {seed, inner};
    for (int i = 0; i < 2; i++)
        if (extent(m[i])) {
            grow_window(m[i], b);
            box[0] = VNI_MIN(box[0], b[0]), box[1] = VNI_MIN(box[1], b[1]);
            box[2] = VNI_MAX(box[2], b[2]), box[3] = VNI_MAX(box[3], b[3]);
        }
    if (box[2] < 0)
        return 0;
    int ret = read_stack(ctx, input, n_frames, (int)VNI_MIN(GROW_FRAMES, n_frames), box, st);
    return ret < 0 ? ret : 0;
}

int64_t vni_mask_grow_found(VnContext *ctx, const char *input, int64_t n_frames, VnImage *found,
                            const VnImage *opaque)
{
    VnImage *seed = NULL, *inner = NULL, *inv = NULL;
    Stack st = {{0, 0, 0, 0}, -1, NULL};
    int64_t grown = 0;
    double share = opaque_share(found, opaque);
    int ret = share >= OPAQUE_SHARE ? 1 : vn_image_alloc(&seed, found->width, found->height, 1, VN_U8);
    vni_log(ctx, VN_LOG_DEBUG, "%s: footprint %.2f opaque%s", input, share, ret > 0 ? ": not grown" : "");
    if (ret == 0 && (ret = vn_image_alloc(&inner, found->width, found->height, 1, VN_U8)) >= 0 &&
        (ret = vn_image_alloc(&inv, found->width, found->height, 1, VN_U8)) >= 0 &&
        (ret = vn_image_copy(seed, found)) >= 0 && (ret = clean(seed)) >= 0 &&
        (ret = erode(ctx, inner, found, inv, SEED_IN)) >= 0 && (ret = clean(inner)) >= 0 &&
        (ret = read_first(ctx, input, n_frames, seed, inner, &st)) >= 0 &&
        (grown = grow(ctx, input, n_frames, seed, 1, &st)) == 0) {
        VnImage *t = seed;
        seed = inner, inner = t;
        grown = grow(ctx, input, n_frames, seed, 2, &st);
    }
    if (ret >= 0 && grown > 0) {
        /* what was grown, taken only near what was found (vni_mask_complete) */
        for (int y = 0; y < found->height; y++)
            for (int x = 0; x < found->width; x++)
                vn_image_row(seed, y)[x] = vn_image_row(seed, y)[x] && !vn_image_row(found, y)[x];
        grown = vni_mask_complete(ctx, found, seed);
        for (int y = 0; y < found->height; y++)
            for (int x = 0; x < found->width; x++)
                vn_image_row(found, y)[x] = vn_image_row(found, y)[x] ? 255 : 0;
    }
    vni_free(st.rgb);
    vn_image_free(&seed);
    vn_image_free(&inner);
    vn_image_free(&inv);
    return ret < 0 ? ret : grown;
}

int64_t vni_mask_complete(VnContext *ctx, VnImage *held, const VnImage *prop)
{
    VnImage *near = NULL, *zone = NULL;
    int32_t *stack = vni_malloc_array((size_t)held->width * (size_t)held->height, sizeof(int32_t));
    uint8_t *part = vni_malloc_array((size_t)held->width * (size_t)held->height, 1);
    int64_t added = 0, more = 1;
    int64_t area = vni_mask_bbox(held, &(int){0}, &(int){0}, &(int){0}, &(int){0});
    int reach = VNI_CLAMP((int)lrint(sqrt((double)area / M_PI)), MIN_REACH, MAX_REACH);
    int ret = stack && part ? vn_image_alloc(&near, held->width, held->height, 1, VN_U8) : -ENOMEM;
    if (ret >= 0)
        ret = vn_image_alloc(&zone, held->width, held->height, 1, VN_U8);
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
