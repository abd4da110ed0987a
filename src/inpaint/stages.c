/* The stage interfaces of pipeline/stages.h, bound to vanish's own methods. */
#include "inpaint/stages.h"

#include <errno.h>

#include "inpaint/spatial.h"

int vni_fill_stage_invent(const VnContext *ctx, VnImage *rgb, const VnImage *hole, int preset)
{
    (void)preset;
    return vni_fill_harmonic(ctx, rgb, hole);
}
