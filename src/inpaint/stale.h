/*
 * Stale fills. Where no frame ever saw what a hole hides (a static logo over a static scene),
 * the fill invented on one frame is carried to the others along the flow and stays as it was.
 * When an object that stood beside the hole, or partly under it, moves away, that fill keeps
 * its colours: a ghost. The fill of a frame is compared, tile by tile, with the membrane
 * interpolation of the frame's own hole border: invented texture averages out over a tile,
 * the colour of an object that has gone does not. A frame with a stale tile drops every
 * source that shows an invention (what was seen somewhere stays), so that it is filled afresh
 * and the new fill is carried on in its turn.
 *
 * What was seen somewhere goes stale too: content seen while an object stood or moved under
 * the hole is carried on along the chains (a static hole over a static scene: the chains never
 * reach a frame that sees the background) after the object has gone. Carried content must
 * continue the frame's known background across the hole's border (what moves otherwise than
 * the camera next to the border, a passer-by, is not compared): where, along a tile of the
 * border, it differs from it on average by more than a threshold, the frame drops every source
 * that shows another frame's fill (carried or invented), and what the chains or distant frames
 * show first-hand, or a new invention, takes its place.
 *
 * What was seen first-hand on an object beside a static hole is not taken in the first place
 * (vni_moving_source, inpaint/propagate.h).
 */
#ifndef VANISH_INPAINT_STALE_H
#define VANISH_INPAINT_STALE_H

#include "inpaint/propagate.h"

/* What the check reads. Arrays are indexed like the sources' frames. */
typedef struct VniStaleFrames {
    const VnImage *const *rgb;      /* working-resolution RGB U8 */
    const VnImage *const *holes;    /* unknown pixels (non-zero) now */
    const VnImage *const *invented; /* 1-channel U8: non-zero where a finished frame's fill was
                                       invented rather than seen somewhere (vni_mark_invented);
                                       NULL for the other frames */
    const VnImage *const *membrane; /* RGB U8: the frame with its orig hole filled by the
                                       membrane (vni_fill_harmonic), for frames still to fill,
                                       else NULL */
    const VnImage *const *own;      /* 1-channel U8: the frame's own hole (what it never saw
                                       itself; its fill there is carried), NULL where none */
    const VnImage *const *moving;   /* 1-channel U8: non-zero where the frame moves otherwise
                                       than the camera (another layer), or NULL */
} VniStaleFrames;

/* Drop the sources of frame t that show an invention when its invented fill is stale, and those
 * that show any fill when its carried fill disagrees with its hole's border. Returns how many
 * were dropped, or -ENOMEM. */
int64_t vni_drop_stale_sources(const VniStaleFrames *f, int t, VniSources *src);

/* Mark in `invented` (1-channel U8, cleared elsewhere) the pixels of frame t's `hole` that its
 * fill from src invents: those without a source, and those whose every source shows an
 * invention. */
void vni_mark_invented(const VniStaleFrames *f, int t, const VnImage *hole, const VniSources *src,
                       VnImage *invented);

#endif
