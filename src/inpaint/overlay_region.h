/* The region step of overlay detection: from persistent edges to a solid footprint. */
#ifndef VANISH_INPAINT_OVERLAY_REGION_H
#define VANISH_INPAINT_OVERLAY_REGION_H

#include <stdint.h>

/*
 * Close the persistent edges (0/1, w x h) into solid regions, fill their holes, and keep the
 * components that look like an overlay: neither a speck nor a large part of the frame (at most a fifth), dense in
 * persistent edges, clear of the frame border, and surrounded by a picture that changes
 * (`changed`: per pixel, the share of frames in which it changed; a static scene is no overlay).
 * out (w x h) receives 1 on the kept components. Returns their pixel count, or -ENOMEM.
 */
int64_t vni_overlay_region(const uint8_t *edges, const float *changed, int w, int h,
                           uint8_t *out);

#endif
