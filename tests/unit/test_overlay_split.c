/* Overlays whose blend the one-α model does not fit, and the 4:2:0 decision that travels with α. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include <cmocka.h>

#include "inpaint/overlay.h"
#include "vanish/overlay.h"

#define FW 96
#define FH 64
#define NF 24
#define BX0 30 /* the overlay: a box, even-aligned as FFmpeg's drawbox on 4:2:0 has it */
#define BY0 20
#define BX1 70
#define BY1 44

#include "test_ctx.h"

static int in_box(int x, int y)
{
    return x >= BX0 && x < BX1 && y >= BY0 && y < BY1;
}

/* A saturated coloured picture panning: each channel its own wave, so that both the luma and
 * the chroma vary strongly. Channel c of frame t at (x, y). */
static float picture(int x, int y, int t, int c)
{
    float u = (float)x - 2.1f * t, v = (float)y + 1.3f * t;
    return 128.0f + 85.0f * sinf(0.17f * u + 2.1f * c) * cosf(0.11f * v - 1.3f * c) +
           15.0f * sinf(0.05f * (u + v) + c);
}

static float luma(const float *p)
{
    return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
}

/* Frame t with a grey box (W = 200) blended at alpha_y in the luma and alpha_c in the chroma
 * (the RGB less the luma), as FFmpeg's drawbox at 50% on 4:2:0 frames does (chroma blended once
 * per luma pixel of its 2x2 block: 1 − 0.5⁴ ≈ 0.94). overlay = 0: the clean frame. */
static void make_frame(VnImage *img, int t, float alpha_y, float alpha_c, int overlay)
{
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            float j[3], jy;
            for (int c = 0; c < 3; c++)
                j[c] = VNI_CLAMP(picture(x, y, t, c), 0.0f, 255.0f);
            jy = luma(j);
            for (int c = 0; c < 3; c++) {
                float v = j[c];
                if (overlay && in_box(x, y))
                    v = alpha_y * 200.0f + (1.0f - alpha_y) * jy + (1.0f - alpha_c) * (j[c] - jy);
                vn_image_row(img, y)[x * 3 + c] = (uint8_t)VNI_CLAMP(v + 0.5f, 0.0f, 255.0f);
            }
        }
}

/* The frame as decoded from 4:2:0 video, in place: its luma kept, its chroma (the RGB less the
 * luma) the mean of each 2x2 block at even coordinates. */
static void subsample_chroma(VnImage *img)
{
    for (int by = 0; by < FH; by += 2)
        for (int bx = 0; bx < FW; bx += 2) {
            float m[3] = {0.0f, 0.0f, 0.0f}, px[4][3];
            for (int q = 0; q < 4; q++) {
                const uint8_t *p = vn_image_row(img, by + q / 2) + (bx + q % 2) * 3;
                for (int c = 0; c < 3; c++)
                    px[q][c] = p[c];
                for (int c = 0; c < 3; c++)
                    m[c] += 0.25f * (px[q][c] - luma(px[q]));
            }
            for (int q = 0; q < 4; q++) {
                uint8_t *p = vn_image_row(img, by + q / 2) + (bx + q % 2) * 3;
                float l = luma(px[q]);
                for (int c = 0; c < 3; c++)
                    p[c] = (uint8_t)VNI_CLAMP(l + m[c] + 0.5f, 0.0f, 255.0f);
            }
        }
}

/* The estimate over the box from NF frames blended at alpha_y / alpha_c: the mean α over it. */
static float estimate_box(float alpha_y, float alpha_c, VnImage **alpha)
{
    VnImage *img = NULL, *region = NULL, *color = NULL;
    VniOverlayEst *e = NULL;
    double sum = 0.0;
    assert_int_equal(vn_image_alloc(&img, FW, FH, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(&region, FW, FH, 1, VN_U8), 0);
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++)
            vn_image_row(region, y)[x] = in_box(x, y) ? 255 : 0;
    assert_int_equal(vni_overlay_est_open(ctx, &e, region, 100), 0);
    for (int t = 0; t < NF; t++) {
        make_frame(img, t, alpha_y, alpha_c, 1);
        assert_int_equal(vni_overlay_accumulate(e, img), 0);
    }
    assert_int_equal(vni_overlay_solve(e, alpha, &color), 0);
    for (int y = BY0; y < BY1; y++)
        for (int x = BX0; x < BX1; x++)
            sum += ((const float *)vn_image_row(*alpha, y))[x];
    vni_overlay_est_free(&e);
    vn_image_free(&img);
    vn_image_free(&region);
    vn_image_free(&color);
    return (float)(sum / ((BX1 - BX0) * (BY1 - BY0)));
}

/*
 * A box blended at 0.5 in the luma and 0.94 in the chroma: no one α un-blends it (the fit's
 * compromise, α ~0.8, left a coloured negative of the picture), so the estimate hands it to the
 * fill (α 1). The same box blended at 0.5 in every channel keeps its α.
 */
static void split_blend_filled(void **state)
{
    VnImage *alpha = NULL;
    float a_split, a_one;
    (void)state;
    a_split = estimate_box(0.5f, 0.94f, &alpha);
    assert_true(((const float *)vn_image_row(alpha, BY0 + 5))[BX0 + 5] == VNI_OVERLAY_HANDED);
    vn_image_free(&alpha);
    a_one = estimate_box(0.5f, 0.5f, &alpha);
    /* frames of full-resolution chroma: the decision travels as VNI_OVERLAY_RING_FULL */
    assert_true(((const float *)vn_image_row(alpha, BY0 - 1))[BX0 + 5] == VNI_OVERLAY_RING_FULL);
    assert_true(((const float *)vn_image_row(alpha, BY0 - 2))[BX0 + 5] == 0.0f);
    vn_image_free(&alpha);
    print_message("box blended at 0.5 luma / 0.94 chroma: mean alpha %.3f; at 0.5: %.3f\n",
                  a_split, a_one);
    assert_true(a_split >= 0.998f);
    assert_true(fabsf(a_one - 0.5f) < 0.05f);
}

/* α of the box (1 = opaque) with the ring `ring` round it, and W = 200 grey. */
static void box_alpha(VnImage *alpha, VnImage *color, float a_box, float ring)
{
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++) {
            int near = x >= BX0 - 1 && x <= BX1 && y >= BY0 - 1 && y <= BY1;
            ((float *)vn_image_row(alpha, y))[x] = in_box(x, y) ? a_box : near ? ring : 0.0f;
            for (int c = 0; c < 3; c++)
                ((float *)vn_image_row(color, y))[x * 3 + c] = in_box(x, y) ? 200.0f : 0.0f;
        }
}

/* The largest change that un-blending frame 5 (its chroma subsampled as 4:2:0) with the box's α
 * and ring makes outside the box (max_out) and inside it (max_in); the frame un-blended in res. */
static void unblend_change(float a_box, float ring, int *max_out, int *max_in, VnImage *res)
{
    VnImage *alpha = NULL, *color = NULL, *img = NULL, *hole = NULL;
    VniOverlayApplyParams p;
    vni_overlay_apply_default_params(&p);
    assert_true(vn_image_alloc(&alpha, FW, FH, 1, VN_F32) == 0 &&
                vn_image_alloc(&color, FW, FH, 3, VN_F32) == 0 &&
                vn_image_alloc(&img, FW, FH, 3, VN_U8) == 0 &&
                vn_image_alloc(&hole, FW, FH, 1, VN_U8) == 0);
    box_alpha(alpha, color, a_box, ring);
    make_frame(img, 5, 0.5f, 0.5f, 1);
    subsample_chroma(img);
    assert_true(vni_overlay_half_chroma(vn_image_row(img, 0), (size_t)img->stride, 0, 0, FW, FH));
    assert_true(vn_image_copy(res, img) == 0);
    assert_true(vni_overlay_unblend(ctx, res, alpha, color, &p, hole) >= 0);
    *max_out = *max_in = 0;
    for (int y = 0; y < FH; y++)
        for (int x = 0; x < FW; x++)
            for (int c = 0; c < 3; c++) {
                int d = abs(vn_image_row(res, y)[x * 3 + c] - vn_image_row(img, y)[x * 3 + c]);
                if (in_box(x, y))
                    *max_in = VNI_MAX(*max_in, d);
                else
                    *max_out = VNI_MAX(*max_out, d);
            }
    vn_image_free(&alpha);
    vn_image_free(&color);
    vn_image_free(&img);
    vn_image_free(&hole);
}

/*
 * On frames marked 4:2:0, a part handed to the fill whole (VNI_OVERLAY_HANDED) keeps the input,
 * as --method fill has it, and so does the picture round it (the ring is un-blended at α 1e-4
 * and its edge smoothed from its side only): before, the part's un-blending (α capped at 0.95:
 * the picture's changes times 20) stayed in it and the smoothing of the 4:2:0 edge spread it
 * to the ring, which the fill takes as the picture round its hole. α marked 4:4:4
 * (VNI_OVERLAY_RING_FULL) leaves the ring as it is, and a frame that looks 4:2:0 is not taken
 * as such again: its un-blending differs from the one with no mark (decided from the frame).
 */
static void opaque_and_marks(void **state)
{
    VnImage *full = NULL, *half = NULL;
    int out, in, out_full, in_full, differ = 0;
    (void)state;
    assert_true(vn_image_alloc(&full, FW, FH, 3, VN_U8) == 0 &&
                vn_image_alloc(&half, FW, FH, 3, VN_U8) == 0);
    unblend_change(VNI_OVERLAY_HANDED, VNI_OVERLAY_RING, &out, &in, half);
    print_message("handed box, 4:2:0 ring: largest change outside %d, inside %d\n", out, in);
    assert_true(in == 0);
    assert_true(out <= 16);
    unblend_change(1.0f, VNI_OVERLAY_RING, &out, &in, half);
    print_message("opaque box, 4:2:0 ring: largest change outside %d, inside %d\n", out, in);
    assert_true(out <= 16);
    unblend_change(0.5f, VNI_OVERLAY_RING_FULL, &out_full, &in_full, full);
    unblend_change(0.5f, 0.0f, &out, &in, half);
    print_message("box at 0.5: largest change outside %d (4:4:4 ring) %d (no ring)\n",
                  out_full, out);
    assert_true(out_full == 0);
    for (int y = BY0; y < BY1; y++)
        for (int x = BX0; x < BX1; x++)
            for (int c = 0; c < 3; c++)
                differ += vn_image_row(full, y)[x * 3 + c] != vn_image_row(half, y)[x * 3 + c];
    print_message("pixel channels un-blended otherwise with the 4:4:4 mark: %d\n", differ);
    assert_true(differ > 0);
    vn_image_free(&full);
    vn_image_free(&half);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(split_blend_filled),
        cmocka_unit_test(opaque_and_marks),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
