/*
 * The watermark detection job: vn_overlay_detect_file (include/vanish/overlay.h) proposes the
 * footprint of a static overlay from the video's temporal statistics (edges that stay put while
 * the picture under them moves). A proposal becomes a static object, whose one mask holds on
 * every frame, for the user to check, correct with clicks or delete (found again, it replaces
 * the static object's mask instead of adding another; nothing found leaves it); Remove then un-blends
 * it (masks that stay put are taken as an overlay by the library). Nothing found is a job that
 * ends well with no object.
 */
#include "srv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vanish/overlay.h"

int srv_overlay_check(const cJSON *params, char *err, size_t err_size)
{
    VnOverlaySettings st;
    vn_overlay_default_settings(&st);
    return srv_json_options(vn_overlay_options(), &st,
                            cJSON_GetObjectItemCaseSensitive(params, "options"), err, err_size);
}

/* Progress of the library's two passes over the video: "detect" (the temporal statistics) takes
 * the first half of the job, "overlay" (the opacity estimated on the proposal) the second. */
static int progress(void *cookie, const char *stage, double fraction)
{
    SrvJob *j = cookie;
    pthread_mutex_lock(&j->lock);
    j->p_base = stage && !strcmp(stage, "overlay") ? 0.5 : 0;
    j->p_span = 0.5;
    pthread_mutex_unlock(&j->lock);
    return srv_job_progress(cookie, stage, fraction);
}

/* Make the proposal (mask, n pixels) a static object of the job's video and note it in the job,
 * unless the job was cancelled meanwhile. */
static int keep_proposal(SrvJob *j, const VnImage *mask, int64_t n)
{
    SrvVideo *v = j->video;
    SrvMask *m = srv_mask_from_image(mask, 0);
    int id;
    if (!m) {
        snprintf(j->error, sizeof(j->error), "out of memory");
        return -ENOMEM;
    }
    if (atomic_load(&j->cancel)) {
        free(m);
        return VN_ERR_CANCELLED;
    }
    pthread_mutex_lock(&v->lock);
    id = srv_object_put_static(v, m); /* takes m over */
    pthread_mutex_unlock(&v->lock);
    if (id < 0) {
        snprintf(j->error, sizeof(j->error), "found a watermark of %lld pixels, but the video "
                 "has %d objects already: delete one and find it again", (long long)n,
                 SRV_MAX_OBJECTS);
        return id;
    }
    pthread_mutex_lock(&j->lock);
    j->object = id;
    j->overlay_pixels = n;
    pthread_mutex_unlock(&j->lock);
    return 0;
}

int srv_overlay_run(SrvJob *j)
{
    VnOverlaySettings st;
    VnContext *ctx = NULL;
    VnImage *mask = NULL;
    int64_t n;
    int ret;
    vn_overlay_default_settings(&st);
    if ((ret = srv_json_options(vn_overlay_options(), &st,
                                cJSON_GetObjectItemCaseSensitive(j->params, "options"), j->error,
                                sizeof(j->error))) < 0)
        return ret;
    srv_job_status(j, "detect", 0, -1);
    if ((ret = srv_open_context(j->srv, &ctx, j->srv->cfg.threads, progress, j)) < 0) {
        snprintf(j->error, sizeof(j->error), "cannot start: %s", vn_strerror(ret));
        return ret;
    }
    if ((n = vn_overlay_detect_file(ctx, j->video->path, &st, &mask)) < 0) {
        ret = (int)n;
        if (ret != VN_ERR_CANCELLED)
            snprintf(j->error, sizeof(j->error), "%s",
                     *vn_last_error(ctx) ? vn_last_error(ctx) : vn_strerror(ret));
    } else if (n > 0)
        ret = keep_proposal(j, mask, n);
    if (ret >= 0)
        srv_job_status(j, "done", 1, -1);
    vn_image_free(&mask);
    vn_close(&ctx);
    return ret;
}
