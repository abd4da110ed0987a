/*
 * File-level overlay jobs over the media API: estimate a static overlay's α and W from a video,
 * and detect its footprint without a click. Both stream: memory does not grow with the length
 * (the estimator keeps at most max_frames crops of the region, evenly spaced; the detector's
 * edge refinement at most 31 crops of the box round the footprint).
 */
#include "vanish/overlay.h"
#include "vanish/video.h"

#include <errno.h>
#include <string.h>

#include "core/internal.h"
#include "core/maskops.h"
#include "core/select.h"
#include "inpaint/overlay.h"
#include "inpaint/overlay_region.h"
#include "pipeline/mask_complete.h"

#define EDGE_FRAMES 31  /* frames whose crops give the temporal median for the edge refinement */
#define EDGE_BYTES (64 << 20) /* ... fewer (5 at least) where their crops would take more */
#define EDGE_REACH 3    /* pixels the edge refinement may move the footprint's edge */
#define EDGE_MARGIN 8   /* pixels round the footprint's box that the crops take in */

/* Offer every frame of `input` to fn (an estimator's or a detector's add), with progress; the
 * number of frames read into *count when not NULL. */
static int stream_frames(VnContext *ctx, const char *input, int (*fn)(void *, const VnImage *),
                         void *obj, const char *stage, int64_t *count)
{
    VnVideoReader *r = NULL;
    VnFrame *f = NULL;
    int64_t n_frames, i = 0;
    int ret;
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        return ret;
    n_frames = vn_video_info(r)->n_frames_header;
    while ((ret = vn_video_read(r, &f)) > 0) {
        ret = fn(obj, vn_frame_rgb(f));
        vn_frame_free(&f);
        if (ret < 0)
            break;
        i++;
        if (n_frames > 0 && (ret = vni_progress(ctx, stage, (double)VNI_MIN(i, n_frames) / n_frames)) < 0) {
            ret = vni_error(ctx, ret, "cancelled at frame %lld", (long long)i);
            break;
        }
    }
    vn_video_close(&r);
    if (ret >= 0 && i == 0)
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: no frame could be decoded", input);
    if (count)
        *count = i;
    return ret < 0 ? ret : 0;
}

static int est_add(void *e, const VnImage *rgb)
{
    return vn_overlay_estimator_add(e, rgb);
}

static int det_add(void *d, const VnImage *rgb)
{
    return vni_overlay_detect_add(d, rgb);
}

int vn_overlay_estimate_file(VnContext *ctx, const char *input, const VnImage *region,
                             const VnOverlaySettings *s, VnImage **alpha, VnImage **color)
{
    VnOverlayEstimator *e = NULL;
    int ret;
    if (!ctx || !input || !alpha || !color)
        return -EINVAL;
    *alpha = *color = NULL;
    if ((ret = vn_overlay_estimator_open(ctx, &e, region, s)) < 0)
        return ret;
    if ((ret = stream_frames(ctx, input, est_add, e, "overlay", NULL)) >= 0)
        ret = vn_overlay_estimator_solve(e, alpha, color);
    vn_overlay_estimator_free(&e);
    return ret;
}

/* Pass 2's frames: each to the estimator, and crops of the box round the footprint (every
 * stride-th frame, at most max) to the edge refinement's temporal median. */
typedef struct Pass2 {
    VnOverlayEstimator *e;
    int x0, y0, w, h, n, max, stride;
    int64_t seen;
    uint8_t *crops; /* max RGB crops of w x h */
} Pass2;

static int pass2_add(void *obj, const VnImage *rgb)
{
    Pass2 *p = obj;
    if (p->seen++ % p->stride == 0 && p->n < p->max) {
        for (int y = 0; y < p->h; y++)
            memcpy(p->crops + ((size_t)p->n * p->h + y) * p->w * 3,
                   vn_image_row(rgb, p->y0 + y) + (size_t)p->x0 * 3, (size_t)p->w * 3);
        p->n++;
    }
    return vn_overlay_estimator_add(p->e, rgb);
}

/* Pass 2 over the footprint `coarse` of a video of n_frames frames: α and W estimated on region,
 * and the crops of the box round coarse (p->crops, to be freed by the caller). */
static int pass2(VnContext *ctx, const char *input, const VnImage *region, const VnImage *coarse,
                 int64_t n_frames, const VnOverlaySettings *s, Pass2 *p, VnImage **alpha,
                 VnImage **color)
{
    int x0, y0, x1, y1, ret;
    vni_mask_bbox(coarse, &x0, &y0, &x1, &y1);
    p->x0 = VNI_MAX(x0 - EDGE_MARGIN, 0);
    p->y0 = VNI_MAX(y0 - EDGE_MARGIN, 0);
    p->w = VNI_MIN(x1 + EDGE_MARGIN, coarse->width - 1) - p->x0 + 1;
    p->h = VNI_MIN(y1 + EDGE_MARGIN, coarse->height - 1) - p->y0 + 1;
    p->max = (int)VNI_CLAMP(EDGE_BYTES / ((int64_t)p->w * p->h * 3), 5, EDGE_FRAMES);
    p->stride = (int)VNI_MAX((n_frames + p->max - 1) / p->max, 1);
    if (!(p->crops = vni_malloc_array((size_t)p->w * p->h * 3, (size_t)p->max)))
        return vni_error(ctx, -ENOMEM, "%s: %s", input, vn_strerror(-ENOMEM));
    if ((ret = vn_overlay_estimator_open(ctx, &p->e, region, s)) < 0)
        return ret;
    vni_overlay_estimator_presence(p->e); /* α only says where the overlay is */
    if ((ret = stream_frames(ctx, input, pass2_add, p, "overlay", NULL)) >= 0)
        ret = vn_overlay_estimator_solve(p->e, alpha, color);
    vn_overlay_estimator_free(&p->e);
    return ret;
}

/* Move the edge of mask (0/255) inside pass 2's box to where the temporal median of its crops
 * puts it (vni_overlay_refine_edge). Returns the mask's pixel count or a negative error. */
static int64_t refine_edge(VnContext *ctx, const char *input, const Pass2 *p, VnImage *mask)
{
    const size_t n = (size_t)p->w * p->h;
    float *med = vni_malloc_array(n, 3 * sizeof(float)), v[EDGE_FRAMES];
    uint8_t *m = vni_malloc_array(n, 1);
    int64_t ret = 0;
    int x0, y0, x1, y1;
    if (!med || !m) {
        ret = vni_error(ctx, -ENOMEM, "%s: overlay detection: %s", input, vn_strerror(-ENOMEM));
        goto fail;
    }
    for (size_t q = 0; q < 3 * n; q++) {
        for (int k = 0; k < p->n; k++)
            v[k] = p->crops[k * 3 * n + q];
        med[q] = vni_select_f32(v, p->n, p->n / 2);
    }
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++)
            m[(size_t)y * p->w + x] = vn_image_row(mask, p->y0 + y)[p->x0 + x] != 0;
    if ((ret = vni_overlay_refine_edge(m, med, p->w, p->h, EDGE_REACH)) < 0) {
        ret = vni_error(ctx, (int)ret, "%s: overlay detection: %s", input, vn_strerror((int)ret));
        goto fail;
    }
    for (int y = 0; y < p->h; y++)
        for (int x = 0; x < p->w; x++)
            vn_image_row(mask, p->y0 + y)[p->x0 + x] = m[(size_t)y * p->w + x] ? 255 : 0;
    ret = vni_mask_bbox(mask, &x0, &y0, &x1, &y1); /* the pixel count */
fail:
    vni_free(med);
    vni_free(m);
    return ret;
}

/* Pass 1: the detector's coarse footprint into *mask, and into *opaque its parts that are
 * constant over time (vni_overlay_detect_opaque); the number of frames into *n_frames. The size
 * comes from the input's header. */
static int64_t coarse_footprint(VnContext *ctx, const char *input, VnImage **mask,
                                VnImage **opaque, int64_t *n_frames)
{
    VnVideoReader *r = NULL;
    VniOverlayDetect *d = NULL;
    int64_t ret, n_opaque = 0;
    int w, h;
    if ((ret = vn_video_open(ctx, &r, input)) < 0)
        return ret;
    w = vn_video_info(r)->width;
    h = vn_video_info(r)->height;
    vn_video_close(&r);
    if ((ret = vn_image_alloc(mask, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(opaque, w, h, 1, VN_U8)) < 0)
        return vni_error(ctx, (int)ret, "%s: %s", input, vn_strerror((int)ret));
    if ((ret = vni_overlay_detect_open(ctx, &d, w, h)) < 0)
        return vni_error(ctx, (int)ret, "%s: cannot detect an overlay in frames of %dx%d", input, w,
                         h);
    if ((ret = stream_frames(ctx, input, det_add, d, "detect", n_frames)) >= 0 &&
        ((ret = vni_overlay_detect_propose(d, *mask)) < 0 ||
         (n_opaque = vni_overlay_detect_opaque(d, *opaque)) < 0))
        ret = vni_error(ctx, (int)VNI_MIN(ret, n_opaque), "%s: overlay detection: %s", input,
                        vn_strerror((int)VNI_MIN(ret, n_opaque)));
    vni_overlay_detect_free(&d);
    return ret;
}

int64_t vn_overlay_detect_file(VnContext *ctx, const char *input, const VnOverlaySettings *s,
                               VnImage **mask)
{
    VnImage *coarse = NULL, *region = NULL, *near = NULL, *opaque = NULL, *alpha = NULL,
            *color = NULL;
    Pass2 p2 = {0};
    int64_t ret, n_frames = 0;
    int w, h;
    if (!ctx || !input || !s || !mask)
        return -EINVAL;
    *mask = NULL;
    if ((ret = coarse_footprint(ctx, input, &coarse, &opaque, &n_frames)) == 0) {
        *mask = coarse; /* empty */
        coarse = NULL;
    }
    if (ret <= 0)
        goto fail;
    /* pass 2: α on the coarse footprint grown by 2, the footprint where α is visible, within a
     * pixel of the coarse one (where the picture never moved α says nothing: it is taken as
     * opaque, and would add the 2 pixels all round). The parts that are constant over time stay
     * whatever α says (an opaque logo hides the picture α is fitted to; over a still picture α
     * sees nothing); where the detector knows their edge to the pixel, α's soft edge adds none
     * beside them. The same pass keeps the crops for the edge refinement at the end. */
    w = coarse->width;
    h = coarse->height;
    if ((ret = vn_image_alloc(mask, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&region, w, h, 1, VN_U8)) < 0 ||
        (ret = vn_image_alloc(&near, w, h, 1, VN_U8)) < 0 ||
        (ret = vni_mask_dilate(ctx, region, coarse, 2)) < 0 ||
        (ret = vn_image_copy(*mask, coarse)) < 0 ||
        (ret = vni_mask_dilate(ctx, near, coarse, 1)) < 0) {
        ret = vni_error(ctx, (int)ret, "%s: %s", input, vn_strerror((int)ret));
        goto fail;
    }
    if ((ret = pass2(ctx, input, region, coarse, n_frames, s, &p2, &alpha, &color)) < 0 ||
        (ret = vn_overlay_refine_mask(ctx, *mask, alpha, s)) < 0)
        goto fail;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            uint8_t *v = vn_image_row(*mask, y) + x, was = vn_image_row(coarse, y)[x];
            uint8_t o = vn_image_row(opaque, y)[x];
            *v = o == 255 || (*v && (was || (vn_image_row(near, y)[x] && !o))) ? 255 : 0;
        }
    /* the parts the detector missed (a ring over a still stretch of picture, letters whose
     * edges the picture's own break) by the overlay model grown from what it found: their
     * picture's change is dimmed by the same 1 − α */
    if ((ret = vni_mask_grow_found(ctx, input, n_frames, *mask, opaque)) < 0) {
        ret = vni_error(ctx, (int)ret, "%s: %s", input, vn_strerror((int)ret));
        goto fail;
    }
    /* last, the edge where the picture puts it: the footprint was found at the working
     * resolution, and α says nothing where the picture never moved */
    ret = refine_edge(ctx, input, &p2, *mask);
fail:
    if (ret < 0)
        vn_image_free(mask);
    vni_free(p2.crops);
    vn_image_free(&coarse);
    vn_image_free(&region);
    vn_image_free(&near);
    vn_image_free(&opaque);
    vn_image_free(&alpha);
    vn_image_free(&color);
    return ret;
}
