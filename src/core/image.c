#include "core/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t sample_size(int type)
{
    return type == VN_F32 ? sizeof(float) : 1;
}

int vn_image_alloc(VnImage **pimg, int width, int height, int channels, int type)
{
    VnImage *img;
    size_t row, total;
    if (!pimg)
        return -EINVAL;
    *pimg = NULL;
    if (channels < 1 || channels > 4 || (type != VN_U8 && type != VN_F32))
        return -EINVAL;
    if (width <= 0 || height <= 0)
        return -EINVAL;
    if (width > 65535 || height > 65535)
        return VN_ERR_TOOBIG;
    row = (size_t)width * (size_t)channels * sample_size(type);
    row = (row + VNI_ALIGN - 1) & ~(size_t)(VNI_ALIGN - 1);
    if (vni_mul_size(row, (size_t)height, &total))
        return VN_ERR_TOOBIG;
    img = calloc(1, sizeof(*img));
    if (!img)
        return -ENOMEM;
    img->data = vni_calloc_array(total, 1);
    if (!img->data) {
        free(img);
        return -ENOMEM;
    }
    img->width = width;
    img->height = height;
    img->channels = channels;
    img->type = type;
    img->stride = (ptrdiff_t)row;
    *pimg = img;
    return 0;
}

void vn_image_free(VnImage **pimg)
{
    if (!pimg || !*pimg)
        return;
    vni_free((*pimg)->data);
    free(*pimg);
    *pimg = NULL;
}

int vni_image_same(const VnImage *a, const VnImage *b)
{
    return a && b && a->width == b->width && a->height == b->height &&
           a->channels == b->channels && a->type == b->type;
}

int vn_image_copy(VnImage *dst, const VnImage *src)
{
    size_t row;
    if (!vni_image_same(dst, src))
        return -EINVAL;
    row = (size_t)src->width * (size_t)src->channels * sample_size(src->type);
    for (int y = 0; y < src->height; y++)
        memcpy(vn_image_row(dst, y), vn_image_row(src, y), row);
    return 0;
}
