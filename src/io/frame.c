/* Decoded frames: the source AVFrame, its timing and its RGB24 view. */
#include "io/io.h"

#include <errno.h>
#include <stdlib.h>

int vni_frame_make(VnContext *ctx, VniConv *conv, const AVFrame *src, int64_t index,
                   int64_t pts, VnFrame **out)
{
    VnFrame *f;
    int ret;
    *out = NULL;
    if ((ret = vni_check_size(ctx, src->width, src->height)) < 0)
        return ret;
    if (!(f = calloc(1, sizeof(*f))))
        return -ENOMEM;
    f->index = index;
    f->pts = pts;
    if (!(f->src = av_frame_clone(src))) {
        ret = -ENOMEM;
        goto fail;
    }
    if ((ret = vni_rgb_alloc(&f->rgb, src->width, src->height)) < 0)
        goto fail;
    if ((ret = vni_frame_to_rgb(conv, src, f->rgb)) < 0)
        goto fail;
    *out = f;
    return 0;
fail:
    vn_frame_free(&f);
    return ret;
}

VnImage *vn_frame_rgb(VnFrame *f)
{
    return f ? f->rgb : NULL;
}

int64_t vn_frame_index(const VnFrame *f)
{
    return f ? f->index : -1;
}

int64_t vn_frame_pts(const VnFrame *f)
{
    return f ? f->pts : INT64_MIN;
}

void vn_frame_free(VnFrame **pf)
{
    if (!pf || !*pf)
        return;
    av_frame_free(&(*pf)->src);
    vn_image_free(&(*pf)->rgb);
    free(*pf);
    *pf = NULL;
}
