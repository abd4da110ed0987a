/* The tracker's settings: defaults and the option table. */
#include "core/internal.h"
#include "vanish/track.h"

#include <stddef.h>
#include <string.h>

static const char *const mode_names[] = {"auto", "rigid", "deform", NULL};
static const char *const motion_names[] = {"sparse", "flow", NULL};

static const VnOption track_options[] = {
    {"mode", "motion model: auto (rigid while a homography fits), rigid, deform", VN_OPT_CHOICE,
     offsetof(VnTrackSettings, mode), VN_TRACK_AUTO, 0, 2, mode_names},
    {"motion", "how a deforming object's mask is carried: sparse (KLT + block matching) or flow (dense)",
     VN_OPT_CHOICE, offsetof(VnTrackSettings, motion), VN_TRACK_SPARSE, 0, 1, motion_names},
    {"working-size", "long side of the resolution tracked at", VN_OPT_INT,
     offsetof(VnTrackSettings, working_size), 960, 64, 4096, NULL},
    {"smoothness", "weight of the contrast-sensitive boundary term of the cut", VN_OPT_FLOAT,
     offsetof(VnTrackSettings, smoothness), 2, 0, 50, NULL},
    {"shape", "least width in pixels of the shape prior around the carried boundary", VN_OPT_FLOAT,
     offsetof(VnTrackSettings, shape), 2, 0.5, 20, NULL},
    {"band", "half-width in pixels of the band the cut may move the boundary in (0 = auto)",
     VN_OPT_INT, offsetof(VnTrackSettings, band), 0, 0, 64, NULL},
    {"components", "Gaussians per colour model", VN_OPT_INT, offsetof(VnTrackSettings, components),
     5, 1, 10, NULL},
    {"refresh", "refit the short-term colour models every this many frames", VN_OPT_INT,
     offsetof(VnTrackSettings, refresh), 5, 1, 100, NULL},
    {"redetect", "search again for an object that was lost", VN_OPT_BOOL,
     offsetof(VnTrackSettings, redetect), 1, 0, 1, NULL},
    {"chunk", "frames held in memory while propagating backward", VN_OPT_INT,
     offsetof(VnTrackSettings, chunk), 24, 2, 1000, NULL},
    {NULL, NULL, 0, 0, 0, 0, 0, NULL},
};

const VnOption *vn_track_options(void)
{
    return track_options;
}

void vn_track_default_settings(VnTrackSettings *s)
{
    memset(s, 0, sizeof(*s));
    for (const VnOption *o = track_options; o->name; o++) {
        if (o->type == VN_OPT_FLOAT)
            *(float *)((char *)s + o->offset) = (float)o->def;
        else
            *(int *)((char *)s + o->offset) = (int)o->def;
    }
}
