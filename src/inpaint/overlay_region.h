/* The region step of overlay detection: from persistent edges to a solid footprint. */
#ifndef VANISH_INPAINT_OVERLAY_REGION_H
#define VANISH_INPAINT_OVERLAY_REGION_H

#include <stdint.h>

/* Edge classes of the detector's edge map. */
enum { VNI_OVL_NONE = 0, VNI_OVL_UNTESTED = 1, VNI_OVL_EDGE = 2 };

/*
 * Close the persistent edges (VNI_OVL_EDGE in edges, w x h) into solid regions, fill their holes, and keep the
 * components that look like an overlay: neither a speck nor a large part of the frame (at most a fifth), dense in
 * persistent edges, clear of the frame border, and surrounded by a picture that changes
 * (`changed`: per pixel, the share of frames in which it changed; a static scene is no overlay).
 * A kept component is then extended over the strong edges nearby that the picture never tested
 * (VNI_OVL_UNTESTED: part of a logo may sit on a static background, and nothing there says
 * otherwise). out (w x h) receives 1 on the footprint. Returns their pixel count, or -ENOMEM.
 */
int64_t vni_overlay_region(const uint8_t *edges, const float *changed, int w, int h,
                           uint8_t *out);

#endif
