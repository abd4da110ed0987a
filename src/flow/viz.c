/* Colour-wheel picture of a flow field in the Middlebury convention (Baker et al., "A database
 * and evaluation methodology for optical flow", IJCV 2011): hue = direction, saturation =
 * length; the wheel runs red, yellow, green, cyan, blue, magenta with 15, 6, 4, 11, 13, 6 steps
 * between them (more steps where the eye tells hues apart better). */
#include "vanish/flow.h"

#include <errno.h>
#include <math.h>

#include "core/internal.h"

#define WHEEL 55

/* Colour at wheel position k (0..WHEEL-1), channels 0..255. */
static void wheel_colour(int k, float rgb[3])
{
    static const int seg[6] = {15, 6, 4, 11, 13, 6};
    /* each segment ramps one channel up or down between two primaries */
    static const float from[6][3] = {{255, 0, 0}, {255, 255, 0}, {0, 255, 0},
                                     {0, 255, 255}, {0, 0, 255}, {255, 0, 255}};
    int s = 0;
    while (s < 5 && k >= seg[s]) {
        k -= seg[s];
        s++;
    }
    const float *a = from[s], *b = from[(s + 1) % 6];
    const float t = (float)k / seg[s];
    for (int c = 0; c < 3; c++)
        rgb[c] = a[c] + t * (b[c] - a[c]);
}

/* Colour of one vector (u, v) already divided by the saturating length. */
static void vector_colour(float u, float v, uint8_t *out)
{
    float rad = sqrtf(u * u + v * v), ang = atan2f(-v, -u) / (float)M_PI;
    float fk = (ang + 1.0f) / 2.0f * (WHEEL - 1), c0[3], c1[3];
    int k0 = (int)fk, k1 = (k0 + 1) % WHEEL;
    float f = fk - k0;
    wheel_colour(k0 % WHEEL, c0);
    wheel_colour(k1, c1);
    for (int c = 0; c < 3; c++) {
        float col = ((1 - f) * c0[c] + f * c1[c]) / 255.0f;
        col = rad <= 1.0f ? 1.0f - rad * (1.0f - col) : col * 0.75f;
        out[c] = (uint8_t)lrintf(255.0f * VNI_CLAMP(col, 0.0f, 1.0f));
    }
}

/* Longest vector of the field (non-finite vectors ignored), at least a small epsilon. */
static float max_length(const VnImage *flow)
{
    float m = 1e-6f;
    for (int y = 0; y < flow->height; y++) {
        const float *f = (const float *)vn_image_row(flow, y);
        for (int x = 0; x < flow->width; x++) {
            float l = sqrtf(f[2 * x] * f[2 * x] + f[2 * x + 1] * f[2 * x + 1]);
            if (isfinite(l) && l > m)
                m = l;
        }
    }
    return m;
}

int vn_flow_visualize(const VnImage *flow, float max_motion, VnImage **rgb)
{
    int ret;
    if (!rgb)
        return -EINVAL;
    *rgb = NULL;
    if (!flow || flow->channels != 2 || flow->type != VN_F32)
        return -EINVAL;
    if ((ret = vn_image_alloc(rgb, flow->width, flow->height, 3, VN_U8)) < 0)
        return ret;
    if (!(max_motion > 0.0f))
        max_motion = max_length(flow);
    for (int y = 0; y < flow->height; y++) {
        const float *f = (const float *)vn_image_row(flow, y);
        uint8_t *o = vn_image_row(*rgb, y);
        for (int x = 0; x < flow->width; x++) {
            float u = f[2 * x], v = f[2 * x + 1];
            if (!isfinite(u) || !isfinite(v))
                u = v = 0.0f;
            vector_colour(u / max_motion, v / max_motion, o + 3 * x);
        }
    }
    return 0;
}
