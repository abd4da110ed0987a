/* Bilinear sampling of flow fields and images, shared by the warps, the chain and the
 * consistency check. */
#ifndef VANISH_FLOW_SAMPLE_H
#define VANISH_FLOW_SAMPLE_H

#include "core/internal.h"

/* The four neighbours of (x, y) in img, clamped to the border, and the weights of the right
 * column (ax) and the lower row (ay). */
typedef struct VniBilinear {
    int x0, x1, y0, y1;
    float ax, ay;
} VniBilinear;

static inline VniBilinear vni_bilinear_at(const VnImage *img, float x, float y)
{
    VniBilinear b;
    x = VNI_CLAMP(x, 0.0f, (float)(img->width - 1));
    y = VNI_CLAMP(y, 0.0f, (float)(img->height - 1));
    b.x0 = (int)x;
    b.y0 = (int)y;
    b.x1 = VNI_MIN(b.x0 + 1, img->width - 1);
    b.y1 = VNI_MIN(b.y0 + 1, img->height - 1);
    b.ax = x - (float)b.x0;
    b.ay = y - (float)b.y0;
    return b;
}

/* Bilinear sample of all channels of a VN_F32 image at (x, y), clamped to the border; out gets
 * img->channels values. */
static inline void vni_sample_f32(const VnImage *img, float x, float y, float *out)
{
    const int c = img->channels;
    const VniBilinear b = vni_bilinear_at(img, x, y);
    const float *r0 = (const float *)vn_image_row(img, b.y0), *r1 = (const float *)vn_image_row(img, b.y1);
    for (int k = 0; k < c; k++)
        out[k] = (1 - b.ay) * ((1 - b.ax) * r0[c * b.x0 + k] + b.ax * r0[c * b.x1 + k]) +
                 b.ay * ((1 - b.ax) * r1[c * b.x0 + k] + b.ax * r1[c * b.x1 + k]);
}

/* The same for a VN_U8 image (values as floats). */
static inline void vni_sample_u8(const VnImage *img, float x, float y, float *out)
{
    const int c = img->channels;
    const VniBilinear b = vni_bilinear_at(img, x, y);
    const uint8_t *r0 = vn_image_row(img, b.y0), *r1 = vn_image_row(img, b.y1);
    for (int k = 0; k < c; k++)
        out[k] = (1 - b.ay) * ((1 - b.ax) * r0[c * b.x0 + k] + b.ax * r0[c * b.x1 + k]) +
                 b.ay * ((1 - b.ax) * r1[c * b.x0 + k] + b.ax * r1[c * b.x1 + k]);
}

#endif
