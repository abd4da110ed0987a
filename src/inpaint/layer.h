/*
 * The background layer around a hole. The flow between two frames is not known inside their
 * holes and must be completed there; a membrane across everything around the hole carries the
 * motion of an object moving beside it into the hole, and the flow chains then bring that
 * object's colours into a static hole over a static scene, where they stay behind as a ghost
 * once it has gone. The pixels whose flow disagrees with the camera's motion (a homography)
 * belong to such a moving layer: the flow inside the hole follows the background only.
 */
#ifndef VANISH_INPAINT_LAYER_H
#define VANISH_INPAINT_LAYER_H

#include "core/internal.h"

/* Set in `moving` (1-channel U8, same size; other pixels untouched) the pixels whose flow
 * (2-channel F32) is further than `tol` px plus a tenth of the motion from the camera's motion
 * H: they move with another layer than the background. */
void vni_mark_moving(const VnImage *flow, const double H[9], float tol, VnImage *moving);

/*
 * Complete flow (2-channel F32, a frame to the next) inside `hole` with the background's
 * motion rather than a membrane across everything around it: the camera's motion H plus the
 * membrane interpolation of the residual of the pixels near the hole that move with it (those
 * not set in `moving`, as vni_mark_moving marks them). An object moving beside a static hole
 * over a static scene then leaves the flow in the hole still. A hole three quarters of whose
 * border moves otherwise lies on a moving object: its flow is left as it was. 0 or -ENOMEM.
 */
int vni_complete_flow_background(const VnContext *ctx, VnImage *flow, const VnImage *hole, const VnImage *moving,
                                 const double H[9]);

#endif
