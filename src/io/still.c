/* Still images: any image FFmpeg decodes → RGB24; RGB or grey images → PNG. */
#include "io/io.h"

#include <errno.h>

int vn_image_load(VnContext *ctx, const char *path, VnImage **img)
{
    AVFrame *f = NULL;
    VniConv conv = {0};
    int ret;
    if (!img)
        return -EINVAL;
    *img = NULL;
    if (!ctx || !path)
        return -EINVAL;
    if (!(f = av_frame_alloc()))
        return vni_error(ctx, -ENOMEM, "%s: out of memory", path);
    if ((ret = vni_decode_image(ctx, path, f)) < 0)
        goto fail;
    if ((ret = vni_check_size(ctx, f->width, f->height)) < 0) {
        ret = vni_error(ctx, ret, "%s: image size %dx%d is beyond the limits", path, f->width, f->height);
        goto fail;
    }
    if ((ret = vni_rgb_alloc(img, f->width, f->height)) < 0 ||
        (ret = vni_frame_to_rgb(&conv, f, *img)) < 0) {
        vn_image_free(img);
        ret = vni_error(ctx, ret, "%s: %s", path, vn_strerror(ret));
    }
fail:
    vni_conv_free(&conv);
    av_frame_free(&f);
    return ret;
}

int vn_image_save_png(VnContext *ctx, const char *path, const VnImage *img)
{
    if (!ctx || !path || !img || !img->data)
        return -EINVAL;
    if (img->type != VN_U8 || (img->channels != 1 && img->channels != 3))
        return vni_error(ctx, -EINVAL, "%s: only 8-bit grey or RGB images can be saved as PNG", path);
    return vni_png_write(ctx, path, img->data, img->stride, img->width, img->height,
                         img->channels, NULL, 0);
}
