/* The interactive segmenter's public face: settings, sessions, prompts, candidates and their
 * ranking. */
#include "segment/session.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/resample.h"

static const VnOption segment_options[] = {
    {"working-size", "long side of the resolution the graph cut is solved at", VN_OPT_INT,
     offsetof(VnSegmentSettings, working_size), 320, 64, 2048, NULL},
    {"components", "Gaussians per colour model", VN_OPT_INT,
     offsetof(VnSegmentSettings, components), 5, 1, 10, NULL},
    {"iterations", "colour-model / graph-cut iterations (GrabCut)", VN_OPT_INT,
     offsetof(VnSegmentSettings, iterations), 3, 1, 10, NULL},
    {"smoothness", "weight of the contrast-sensitive boundary term", VN_OPT_FLOAT,
     offsetof(VnSegmentSettings, smoothness), 50, 0, 500, NULL},
    {"prior", "weight of the geodesic distance prior from the clicks", VN_OPT_FLOAT,
     offsetof(VnSegmentSettings, prior), 3, 0, 20, NULL},
    {"star", "geodesic star convexity around positive clicks", VN_OPT_BOOL,
     offsetof(VnSegmentSettings, star), 1, 0, 1, NULL},
    {"band", "half-width of the full-resolution refinement band in pixels (0 = auto)", VN_OPT_INT,
     offsetof(VnSegmentSettings, band), 0, 0, 64, NULL},
    {"candidates", "most candidate masks returned (part / object / larger)", VN_OPT_INT,
     offsetof(VnSegmentSettings, candidates), 3, 1, 3, NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};

const VnOption *vn_segment_options(void)
{
    return segment_options;
}

void vn_segment_default_settings(VnSegmentSettings *s)
{
    memset(s, 0, sizeof(*s));
    for (const VnOption *o = segment_options; o->name; o++) {
        if (o->type == VN_OPT_FLOAT)
            *(float *)((char *)s + o->offset) = (float)o->def;
        else
            *(int *)((char *)s + o->offset) = (int)o->def;
    }
}

static int check_settings(VnContext *ctx, const VnSegmentSettings *s)
{
    for (const VnOption *o = segment_options; o->name; o++) {
        double v = o->type == VN_OPT_FLOAT ? *(const float *)((const char *)s + o->offset)
                                           : *(const int *)((const char *)s + o->offset);
        if (!(v >= o->min && v <= o->max))
            return vni_error(ctx, -EINVAL, "segment: %s = %g is outside %g..%g", o->name, v,
                             o->min, o->max);
    }
    return 0;
}

/* Working-resolution scratch of a session. */
static int alloc_scratch(VnSegmenter *s)
{
    const size_t n = (size_t)s->f.w * s->f.h, nb = (size_t)s->f.n_bins;
    int ret = vni_maxflow_alloc(&s->g, (int)n, (int64_t)n * 5);
    if (ret < 0)
        return ret;
    s->df = vni_malloc_array(n, sizeof(float));
    s->db = vni_malloc_array(n, sizeof(float));
    s->par = vni_malloc_array(n, sizeof(int));
    s->parb = vni_malloc_array(n, sizeof(int));
    s->heap = vni_malloc_array(vni_geodesic_heap_size(n), sizeof(VniHeapItem));
    s->hard = vni_malloc_array(n, 1);
    s->sample = vni_malloc_array(n, 1);
    s->dsample = vni_malloc_array(n, sizeof(float));
    s->mprior = vni_malloc_array(n, sizeof(float));
    s->att = vni_malloc_array(n, sizeof(float));
    s->queue = vni_malloc_array(n, sizeof(int));
    s->keep = vni_malloc_array(n, 1);
    for (int k = 0; k < 5; k++)
        if (!(s->lab[k] = vni_malloc_array(n, 1)))
            return -ENOMEM;
    s->ufg = vni_malloc_array(nb, sizeof(float));
    s->ubg = vni_malloc_array(nb, sizeof(float));
    s->bw = vni_malloc_array(2 * nb, sizeof(float));
    s->udiff = vni_malloc_array(nb, sizeof(float));
    s->blab = vni_malloc_array(nb, 1);
    s->idx = vni_malloc_array((size_t)s->frame->width * s->frame->height, sizeof(int));
    if (!s->df || !s->db || !s->par || !s->parb || !s->heap || !s->hard || !s->sample || !s->dsample || !s->mprior ||
        !s->att || !s->queue || !s->keep || !s->ufg || !s->ubg || !s->bw || !s->udiff || !s->blab || !s->idx)
        return -ENOMEM;
    return 0;
}

int vn_segmenter_open(VnContext *ctx, VnSegmenter **pseg, const VnImage *rgb,
                      const VnSegmentSettings *st)
{
    VnSegmenter *s = NULL;
    VnSegmentSettings def;
    int w, h, ret;
    if (!pseg)
        return -EINVAL;
    *pseg = NULL;
    if (!st) {
        vn_segment_default_settings(&def);
        st = &def;
    }
    if (!rgb || rgb->channels != 3 || rgb->type != VN_U8 || rgb->width < 2 || rgb->height < 2)
        return vni_error(ctx, -EINVAL, "segment: the frame must be an RGB24 image of 2x2 or more");
    if ((ret = vni_check_size(ctx, rgb->width, rgb->height)) < 0 || (ret = check_settings(ctx, st)) < 0)
        return ret;
    if (!(s = vni_calloc_array(1, sizeof(*s))))
        return vni_error(ctx, -ENOMEM, "segment: out of memory");
    s->ctx = ctx;
    s->s = *st;
    vni_working_size(rgb->width, rgb->height, st->working_size, &w, &h);
    w = VNI_MAX(VNI_MIN(w, rgb->width), 2);
    h = VNI_MAX(VNI_MIN(h, rgb->height), 2);
    s->sx = (double)rgb->width / w;
    s->sy = (double)rgb->height / h;
    if ((ret = vn_image_alloc(&s->frame, rgb->width, rgb->height, 3, VN_U8)) < 0 ||
        (ret = vn_image_copy(s->frame, rgb)) < 0 ||
        (ret = vni_seg_features_init(ctx, &s->f, rgb, w, h)) < 0 || (ret = alloc_scratch(s)) < 0)
        goto fail;
    *pseg = s;
    return 0;
fail:
    vn_segmenter_close(&s);
    return vni_error(ctx, ret, "segment: cannot prepare the frame: %s", vn_strerror(ret));
}

void vn_segmenter_close(VnSegmenter **pseg)
{
    VnSegmenter *s = pseg ? *pseg : NULL;
    if (!s)
        return;
    vni_seg_features_free(&s->f);
    vn_image_free(&s->frame);
    vn_image_free(&s->prev);
    vni_maxflow_free(&s->g);
    vni_maxflow_free(&s->gb);
    vni_free(s->df);
    vni_free(s->db);
    vni_free(s->par);
    vni_free(s->parb);
    vni_free(s->heap);
    vni_free(s->hard);
    vni_free(s->sample);
    vni_free(s->dsample);
    vni_free(s->mprior);
    vni_free(s->att);
    vni_free(s->queue);
    vni_free(s->keep);
    vni_free(s->last);
    for (int k = 0; k < 5; k++)
        vni_free(s->lab[k]);
    vni_free(s->ufg);
    vni_free(s->ubg);
    vni_free(s->bw);
    vni_free(s->udiff);
    vni_free(s->blab);
    vni_free(s->idx);
    vni_free(s);
    *pseg = NULL;
}

void vn_segment_result_free(VnSegmentResult *r)
{
    if (!r)
        return;
    for (int k = 0; k < 3; k++)
        vn_image_free(&r->c[k].mask);
    r->n = 0;
}
