/*
 * The stages the pipeline reaches through small interfaces chosen by name, so that another
 * method (a learned model run from weights a user supplies, say) can be added without touching
 * the pipeline: dense flow between two frames, and the completion of never-seen regions.
 */
#ifndef VANISH_INPAINT_STAGES_H
#define VANISH_INPAINT_STAGES_H

#include "core/internal.h"

typedef struct VniFlowStage VniFlowStage;

/* preset: 0 fast, 1 medium, 2 best. */
int vni_flow_stage_open(VnContext *ctx, VniFlowStage **st, int preset);
void vni_flow_stage_close(VniFlowStage **st);

/* Mask-aware flows a → b (into fwd) and b → a (into bwd) between RGB frames, completed inside
 * the masks (non-zero = ignore). All images at the same working size. */
int vni_flow_stage_pair(VniFlowStage *st, const VnImage *a, const VnImage *b, const VnImage *mask_a,
                        const VnImage *mask_b, VnImage *fwd, VnImage *bwd);

/* Invent the pixels of rgb (RGB U8) where hole != 0 from the rest of the frame. */
int vni_fill_stage_invent(const VnContext *ctx, VnImage *rgb, const VnImage *hole, int preset);

#endif
