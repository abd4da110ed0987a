/* Bilinear sampling of flow fields and images, shared by the warps, the chain and the
 * consistency check. */
#ifndef VANISH_FLOW_SAMPLE_H
#define VANISH_FLOW_SAMPLE_H

#include "core/internal.h"

/* Bilinear sample of all channels of a VN_F32 image at (x, y), clamped to the border; out gets
 * img->channels values. */
static inline void vni_sample_f32(const VnImage *img, float x, float y, float *out)
{
    const int c = img->channels;
    int x0, y0, x1, y1;
    float ax, ay;
    x = VNI_CLAMP(x, 0.0f, (float)(img->width - 1));
    y = VNI_CLAMP(y, 0.0f, (float)(img->height - 1));
    x0 = (int)x;
    y0 = (int)y;
    x1 = VNI_MIN(x0 + 1, img->width - 1);
    y1 = VNI_MIN(y0 + 1, img->height - 1);
    ax = x - (float)x0;
    ay = y - (float)y0;
    const float *r0 = (const float *)vn_image_row(img, y0), *r1 = (const float *)vn_image_row(img, y1);
    for (int k = 0; k < c; k++)
        out[k] = (1 - ay) * ((1 - ax) * r0[c * x0 + k] + ax * r0[c * x1 + k]) +
                 ay * ((1 - ax) * r1[c * x0 + k] + ax * r1[c * x1 + k]);
}

/* The same for a VN_U8 image (values as floats). */
static inline void vni_sample_u8(const VnImage *img, float x, float y, float *out)
{
    const int c = img->channels;
    int x0, y0, x1, y1;
    float ax, ay;
    x = VNI_CLAMP(x, 0.0f, (float)(img->width - 1));
    y = VNI_CLAMP(y, 0.0f, (float)(img->height - 1));
    x0 = (int)x;
    y0 = (int)y;
    x1 = VNI_MIN(x0 + 1, img->width - 1);
    y1 = VNI_MIN(y0 + 1, img->height - 1);
    ax = x - (float)x0;
    ay = y - (float)y0;
    const uint8_t *r0 = vn_image_row(img, y0), *r1 = vn_image_row(img, y1);
    for (int k = 0; k < c; k++)
        out[k] = (1 - ay) * ((1 - ax) * r0[c * x0 + k] + ax * r0[c * x1 + k]) +
                 ay * ((1 - ax) * r1[c * x0 + k] + ax * r1[c * x1 + k]);
}

#endif
