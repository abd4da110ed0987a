/* Interactive segmentation: Boykov–Kolmogorov max-flow against Edmonds–Karp, each prompt type
 * on synthetic textured images, and the full-resolution steps of a logo's mask (prune.c,
 * rim.c, pieces.c) on masks drawn by hand; a clicked semi-transparent overlay grown to its other
 * parts by the overlay model (overlay_grow.c) over synthetic video. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "segment/maxflow.h"
#include "segment/overlay_grow.h"
#include "segment/session.h"
#include "vanish/segment.h"

#include "test_ctx.h"

#define VNI_TEST_CLAMP(v, lo, hi) ((v) < (lo) ? (lo) : (v) > (hi) ? (hi) : (v))

static uint32_t rng_next(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* ---- max-flow against a plain reference ------------------------------------------------ */

/* Edmonds–Karp on a dense capacity matrix (n nodes, source s, sink t); c is consumed. */
static double edmonds_karp(int n, double *c, int s, int t)
{
    int *par = malloc(sizeof(int) * (size_t)n), *q = malloc(sizeof(int) * (size_t)n);
    double flow = 0;
    for (;;) {
        int h = 0, tl = 0;
        for (int i = 0; i < n; i++)
            par[i] = -1;
        par[s] = s;
        q[tl++] = s;
        while (h < tl && par[t] < 0) {
            int u = q[h++];
            for (int v = 0; v < n; v++)
                if (par[v] < 0 && c[u * n + v] > 0) {
                    par[v] = u;
                    q[tl++] = v;
                }
        }
        if (par[t] < 0)
            break;
        double b = INFINITY;
        for (int v = t; v != s; v = par[v])
            b = fmin(b, c[par[v] * n + v]);
        for (int v = t; v != s; v = par[v]) {
            c[par[v] * n + v] -= b;
            c[v * n + par[v]] += b;
        }
        flow += b;
    }
    free(par);
    free(q);
    return flow;
}

typedef struct Edge {
    int u, v, a, b;
} Edge;

/* Solve one graph with both algorithms; check the flows agree and that BK's cut costs the flow. */
static void check_graph(int n, const int *src, const int *snk, const Edge *e, int m)
{
    const int N = n + 2;
    double *c = calloc((size_t)N * N, sizeof(double)), cut = 0;
    VniMaxflow *g = NULL;
    assert_int_equal(vni_maxflow_alloc(&g, n, m), 0);
    for (int i = 0; i < n; i++) {
        vni_maxflow_add_tweights(g, i, (float)src[i], (float)snk[i]);
        c[n * N + i] += src[i];
        c[i * N + n + 1] += snk[i];
    }
    for (int k = 0; k < m; k++) {
        assert_int_equal(vni_maxflow_add_edge(g, e[k].u, e[k].v, (float)e[k].a, (float)e[k].b), 0);
        c[e[k].u * N + e[k].v] += e[k].a;
        c[e[k].v * N + e[k].u] += e[k].b;
    }
    double f = vni_maxflow_solve(g), ref = edmonds_karp(N, c, n, n + 1);
    assert_true(f == ref);
    for (int i = 0; i < n; i++)
        cut += vni_maxflow_source_side(g, i) ? snk[i] : src[i];
    for (int k = 0; k < m; k++) {
        int su = vni_maxflow_source_side(g, e[k].u), sv = vni_maxflow_source_side(g, e[k].v);
        cut += su && !sv ? e[k].a : !su && sv ? e[k].b : 0;
    }
    assert_true(cut == f);
    vni_maxflow_free(&g);
    assert_null(g);
    free(c);
}

static void test_maxflow_random(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 400; seed++) {
        uint32_t r = seed * 2654435761u;
        int n = 2 + (int)(rng_next(&r) % 40), m = (int)(rng_next(&r) % (uint32_t)(4 * n));
        int src[42], snk[42];
        Edge e[170];
        for (int i = 0; i < n; i++) {
            src[i] = rng_next(&r) % 3 ? (int)(rng_next(&r) % 20) : 0;
            snk[i] = rng_next(&r) % 3 ? (int)(rng_next(&r) % 20) : 0;
        }
        for (int k = 0; k < m; k++) {
            e[k].u = (int)(rng_next(&r) % (uint32_t)n);
            e[k].v = (int)(rng_next(&r) % (uint32_t)n);
            if (e[k].u == e[k].v)
                e[k].v = (e[k].u + 1) % n;
            e[k].a = (int)(rng_next(&r) % 15);
            e[k].b = rng_next(&r) % 2 ? (int)(rng_next(&r) % 15) : 0;
            if (rng_next(&r) % 10 == 0)
                e[k].a = 1000000; /* "infinite" edges, as the star constraint uses */
        }
        check_graph(n, src, snk, e, m);
    }
}

static void test_maxflow_grid(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 150; seed++) {
        uint32_t r = seed * 40503u + 7;
        int w = 2 + (int)(rng_next(&r) % 10), h = 2 + (int)(rng_next(&r) % 10), n = w * h, m = 0;
        int src[144], snk[144];
        Edge e[600];
        for (int i = 0; i < n; i++) {
            int v = (int)(rng_next(&r) % 41) - 20;
            src[i] = v > 0 ? v : 0;
            snk[i] = v < 0 ? -v : 0;
        }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int c = (int)(rng_next(&r) % 12);
                if (x + 1 < w)
                    e[m++] = (Edge){y * w + x, y * w + x + 1, c, c};
                c = (int)(rng_next(&r) % 12);
                if (y + 1 < h)
                    e[m++] = (Edge){y * w + x, (y + 1) * w + x, c, c};
                if (x + 1 < w && y + 1 < h && seed % 2)
                    e[m++] = (Edge){y * w + x, (y + 1) * w + x + 1, c / 2, c / 2};
            }
        check_graph(n, src, snk, e, m);
    }
}

/* Cost of the cut that `g`'s labels make in the network (src, snk, e). */
static double cut_cost(const VniMaxflow *g, int n, const int *src, const int *snk, const Edge *e, int m)
{
    double cut = 0;
    for (int i = 0; i < n; i++)
        cut += vni_maxflow_source_side(g, i) ? snk[i] : src[i];
    for (int k = 0; k < m; k++) {
        int su = vni_maxflow_source_side(g, e[k].u), sv = vni_maxflow_source_side(g, e[k].v);
        cut += su && !sv ? e[k].a : !su && sv ? e[k].b : 0;
    }
    return cut;
}

/* Dynamic cuts: solve, change the terminal capacities, solve again from the kept flow; the cut
 * must be as cheap as a fresh solve of the changed network. */
static void test_maxflow_dynamic(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 200; seed++) {
        uint32_t r = seed * 2246822519u + 3;
        int w = 2 + (int)(rng_next(&r) % 12), h = 2 + (int)(rng_next(&r) % 12), n = w * h, m = 0;
        int src[196], snk[196];
        Edge e[800];
        VniMaxflow *g = NULL, *g2 = NULL;
        assert_int_equal(vni_maxflow_alloc(&g, n, 4 * n), 0);
        assert_int_equal(vni_maxflow_alloc(&g2, n, 4 * n), 0);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int c = (int)(rng_next(&r) % 12);
                if (x + 1 < w)
                    e[m++] = (Edge){y * w + x, y * w + x + 1, c, c};
                c = (int)(rng_next(&r) % 12);
                if (y + 1 < h)
                    e[m++] = (Edge){y * w + x, (y + 1) * w + x, c, rng_next(&r) % 4 ? c : 1000000};
            }
        for (int k = 0; k < m; k++)
            assert_int_equal(vni_maxflow_add_edge(g, e[k].u, e[k].v, (float)e[k].a, (float)e[k].b), 0);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < n; i++) {
                int v = (int)(rng_next(&r) % 41) - 20, ns = v > 0 ? v : 0, nt = v < 0 ? -v : 0;
                if (round == 0)
                    vni_maxflow_add_tweights(g, i, (float)ns, (float)nt);
                else
                    vni_maxflow_add_tdelta(g, i, (float)((ns - nt) - (src[i] - snk[i])));
                src[i] = ns;
                snk[i] = nt;
            }
            vni_maxflow_solve(g);
            vni_maxflow_reset(g2, n);
            for (int k = 0; k < m; k++)
                assert_int_equal(vni_maxflow_add_edge(g2, e[k].u, e[k].v, (float)e[k].a, (float)e[k].b), 0);
            for (int i = 0; i < n; i++)
                vni_maxflow_add_tweights(g2, i, (float)src[i], (float)snk[i]);
            double f = vni_maxflow_solve(g2);
            assert_true(cut_cost(g, n, src, snk, e, m) == f);
            assert_true(cut_cost(g2, n, src, snk, e, m) == f);
        }
        vni_maxflow_free(&g);
        vni_maxflow_free(&g2);
    }
}

/* ---- prompts on synthetic images ------------------------------------------------------- */

#define IW 160
#define IH 120

/* Textured background (green noise with darker stripes), and textured red objects: discs at
 * (cx[k], cy[k]) of radius rad. gt receives disc 0 as 255 when not NULL. */
static VnImage *make_image(const int *cx, const int *cy, int n, int rad, VnImage **gt)
{
    VnImage *img = NULL;
    uint32_t r = 12345;
    assert_int_equal(vn_image_alloc(&img, IW, IH, 3, VN_U8), 0);
    if (gt)
        assert_int_equal(vn_image_alloc(gt, IW, IH, 1, VN_U8), 0);
    for (int y = 0; y < IH; y++)
        for (int x = 0; x < IW; x++) {
            uint8_t *p = vn_image_row(img, y) + 3 * x;
            int nz = (int)(rng_next(&r) % 50) - 25, obj = -1;
            for (int k = 0; k < n; k++)
                if ((x - cx[k]) * (x - cx[k]) + (y - cy[k]) * (y - cy[k]) <= rad * rad)
                    obj = k;
            if (obj >= 0) {
                p[0] = (uint8_t)(190 + nz / 2);
                p[1] = (uint8_t)(60 + nz);
                p[2] = (uint8_t)(50 + nz);
            } else {
                int stripe = (x / 6) % 2 ? 30 : 0;
                p[0] = (uint8_t)(60 + nz - stripe / 2);
                p[1] = (uint8_t)(140 + nz - stripe);
                p[2] = (uint8_t)(70 + nz);
            }
            if (gt)
                vn_image_row(*gt, y)[x] = obj == 0 ? 255 : 0;
        }
    return img;
}

static double mask_iou(const VnImage *a, const VnImage *b)
{
    int64_t in = 0, un = 0;
    for (int y = 0; y < a->height; y++)
        for (int x = 0; x < a->width; x++) {
            int pa = vn_image_row(a, y)[x] != 0, pb = vn_image_row(b, y)[x] != 0;
            in += pa && pb;
            un += pa || pb;
        }
    return un ? (double)in / (double)un : 1.0;
}

/* Run the prompts on img with settings s; IoU of the best candidate with gt. */
static double run_iou(VnImage *img, const VnSegmentSettings *s, const VnPrompt *p, int n,
                      const VnImage *refine, const VnImage *gt)
{
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, s), 0);
    int ret = vn_segmenter_run(seg, p, n, refine, &res);
    assert_true(ret >= 1 && ret <= 3);
    assert_int_equal(res.n, ret);
    for (int k = 1; n == 1 && k < res.n; k++) /* one click: ranked by score */
        assert_true(res.c[k].score <= res.c[k - 1].score);
    double v = mask_iou(res.c[0].mask, gt);
    vn_segment_result_free(&res);
    assert_null(res.c[0].mask);
    vn_segmenter_close(&seg);
    assert_null(seg);
    return v;
}

static void test_point(void **state)
{
    const int cx[1] = {80}, cy[1] = {60};
    VnImage *gt = NULL, *img = make_image(cx, cy, 1, 30, &gt);
    VnPrompt p = {VN_PROMPT_POSITIVE, 85, 55, 0, 0};
    (void)state;
    assert_true(run_iou(img, NULL, &p, 1, NULL, gt) >= 0.9);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* A click one pixel inside the object's edge, solved at a quarter of the size (where the
 * clicked working pixel blends object and background), still gives the object. */
static void test_point_edge(void **state)
{
    const int cx[1] = {80}, cy[1] = {60};
    VnImage *gt = NULL, *img = make_image(cx, cy, 1, 30, &gt);
    VnPrompt p = {VN_PROMPT_POSITIVE, 80 + 28, 60, 0, 0};
    VnSegmentSettings s;
    (void)state;
    vn_segment_default_settings(&s);
    s.working_size = 64;
    assert_int_equal(vn_image_row(gt, 60)[80 + 28], 255);
    assert_true(run_iou(img, &s, &p, 1, NULL, gt) >= 0.85);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* Solved at a quarter of the size, refined at full resolution in a band. */
static void test_point_reduced(void **state)
{
    const int cx[1] = {70}, cy[1] = {64};
    VnImage *gt = NULL, *img = make_image(cx, cy, 1, 34, &gt);
    VnPrompt p = {VN_PROMPT_POSITIVE, 70, 64, 0, 0};
    VnSegmentSettings s;
    (void)state;
    vn_segment_default_settings(&s);
    s.working_size = 64;
    assert_true(run_iou(img, &s, &p, 1, NULL, gt) >= 0.9);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* Two touching objects of the same colours: a negative click on the second keeps only the first. */
static void test_negative(void **state)
{
    const int cx[2] = {55, 105}, cy[2] = {60, 60};
    VnImage *gt = NULL, *img = make_image(cx, cy, 2, 27, &gt);
    VnPrompt p[2] = {{VN_PROMPT_POSITIVE, 50, 60, 0, 0}, {VN_PROMPT_NEGATIVE, 110, 60, 0, 0}};
    (void)state;
    double v = run_iou(img, NULL, p, 2, NULL, gt);
    print_message("negative: IoU %.3f\n", v);
    assert_true(v >= 0.85);
    vn_image_free(&img);
    vn_image_free(&gt);
}

static void test_box(void **state)
{
    const int cx[1] = {80}, cy[1] = {60};
    VnImage *gt = NULL, *img = make_image(cx, cy, 1, 30, &gt);
    VnPrompt p = {VN_PROMPT_BOX, 45, 25, 115, 95};
    (void)state;
    assert_true(run_iou(img, NULL, &p, 1, NULL, gt) >= 0.9);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* A mask with a wrongly taken background patch, mended by one negative click in the patch;
 * and one with a missing part, mended by one positive click. */
static void test_refine(void **state)
{
    const int cx[1] = {70}, cy[1] = {60};
    VnImage *gt = NULL, *bad = NULL, *img = make_image(cx, cy, 1, 30, &gt);
    VnPrompt neg = {VN_PROMPT_NEGATIVE, 125, 60, 0, 0}, pos = {VN_PROMPT_POSITIVE, 55, 60, 0, 0};
    (void)state;
    assert_int_equal(vn_image_alloc(&bad, IW, IH, 1, VN_U8), 0);
    assert_int_equal(vn_image_copy(bad, gt), 0);
    for (int y = 40; y < 80; y++)
        for (int x = 100; x < 150; x++)
            vn_image_row(bad, y)[x] = 255;
    assert_true(mask_iou(bad, gt) < 0.8);
    assert_true(run_iou(img, NULL, &neg, 1, bad, gt) >= 0.9);
    for (int y = 0; y < IH; y++)
        for (int x = 0; x < IW; x++)
            vn_image_row(bad, y)[x] = vn_image_row(gt, y)[x] && x >= 68 ? 255 : 0;
    assert_true(mask_iou(bad, gt) < 0.6);
    assert_true(run_iou(img, NULL, &pos, 1, bad, gt) >= 0.9);
    vn_image_free(&bad);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* A logo of four parts on the textured background of make_image: three flat discs of
 * different colours and a dark bar under them; gt is their union. */
static VnImage *make_logo(VnImage **gt)
{
    static const int cx[3] = {80, 64, 96}, cy[3] = {34, 60, 60}, col[4][3] = {
        {230, 40, 60}, {60, 200, 80}, {30, 120, 240}, {15, 15, 15}};
    VnImage *img = make_image(cx, cy, 0, 0, NULL);
    assert_int_equal(vn_image_alloc(gt, IW, IH, 1, VN_U8), 0);
    for (int y = 0; y < IH; y++)
        for (int x = 0; x < IW; x++) {
            int part = x >= 56 && x <= 104 && y >= 80 && y <= 90 ? 3 : -1;
            for (int k = 0; k < 3; k++)
                if ((x - cx[k]) * (x - cx[k]) + (y - cy[k]) * (y - cy[k]) <= 11 * 11)
                    part = k;
            if (part >= 0)
                memcpy(vn_image_row(img, y) + 3 * x, (uint8_t[3]){(uint8_t)col[part][0], (uint8_t)col[part][1],
                                                                   (uint8_t)col[part][2]}, 3);
            vn_image_row(*gt, y)[x] = part >= 0 ? 255 : 0;
        }
    return img;
}

/* One click on one part of a logo gives the whole logo (the larger candidate, by grouping);
 * a second click on the same session keeps correcting the whole, not the part. */
static void test_logo_parts(void **state)
{
    VnImage *gt = NULL, *img = make_logo(&gt);
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    VnPrompt p[2] = {{VN_PROMPT_POSITIVE, 80, 34, 0, 0}, {VN_PROMPT_NEGATIVE, 20, 100, 0, 0}};
    (void)state;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    for (int n = 1; n <= 2; n++) {
        assert_true(vn_segmenter_run(seg, p, n, NULL, &res) >= 1);
        assert_true(mask_iou(res.c[0].mask, gt) >= 0.85);
        vn_segment_result_free(&res);
    }
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* An RGB24 frame of w x h and its grey ground truth *gt. */
static VnImage *alloc_frame(int w, int h, VnImage **gt)
{
    VnImage *img = NULL;
    assert_int_equal(vn_image_alloc(&img, w, h, 3, VN_U8), 0);
    assert_int_equal(vn_image_alloc(gt, w, h, 1, VN_U8), 0);
    return img;
}

/* A logo with a caption, as the OpenCV logo on the demo's wood: three flat discs over a row of
 * six letters drawn with 2-pixel black strokes, on dark textured wood that has black streaks
 * of its own (so black is no outlier there). At the working scale the strokes blend into the
 * wood; gt is the discs and the letters. */
static VnImage *make_captioned_logo(VnImage **gt)
{
    enum { W = 480, H = 360 };
    static const int cx[3] = {240, 218, 262}, cy[3] = {80, 116, 116}, col[4][3] = {
        {230, 40, 60}, {60, 200, 80}, {30, 120, 240}, {4, 4, 4}};
    /* "OPENCV" in a 5x7 font, each cell 2x2 pixels: strokes 2 pixels wide */
    static const char *font[6][7] = {
        {".###.", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
        {"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
        {"#####", "#....", "#....", "####.", "#....", "#....", "#####"},
        {"#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#"},
        {".####", "#....", "#....", "#....", "#....", "#....", ".####"},
        {"#...#", "#...#", "#...#", "#...#", ".#.#.", ".#.#.", "..#.."}};
    VnImage *img = alloc_frame(W, H, gt);
    uint32_t r = 777;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = vn_image_row(img, y) + 3 * x;
            int nz = (int)(rng_next(&r) % 9) - 4, grain = (x / 5) % 3 == 0 ? 8 : 0, part = -1;
            int streak = (x >= 20 && x < 44) || (x >= 430 && x < 446) || (y >= 300 && y < 312);
            int lx = x - 204, l = lx / 12, gx = lx % 12 / 2, gy = (y - 140) / 2;
            for (int k = 0; k < 3; k++)
                if ((x - cx[k]) * (x - cx[k]) + (y - cy[k]) * (y - cy[k]) <= 16 * 16)
                    part = k;
            if (lx >= 0 && l < 6 && gx < 5 && y >= 140 && gy < 7 && font[l][gy][gx] == '#')
                part = 3;
            if (part >= 0) {
                for (int c = 0; c < 3; c++)
                    p[c] = (uint8_t)col[part][c];
            } else {
                int base[3] = {streak ? 9 : 46 - grain, streak ? 7 : 28 - grain, streak ? 6 : 16 - grain / 2};
                for (int c = 0; c < 3; c++)
                    p[c] = (uint8_t)VNI_TEST_CLAMP(base[c] + nz, 0, 255);
            }
            vn_image_row(*gt, y)[x] = part >= 0 ? 255 : 0;
        }
    return img;
}

/* One click on the top disc of a captioned logo takes the discs and the caption's thin dark
 * letters (found at full resolution, caption.c), not the discs alone. */
static void test_logo_caption(void **state)
{
    VnImage *gt = NULL, *img = make_captioned_logo(&gt);
    VnPrompt p = {VN_PROMPT_POSITIVE, 240, 60, 0, 0};
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    (void)state;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_true(vn_segmenter_run(seg, &p, 1, NULL, &res) >= 1);
    assert_true(mask_iou(res.c[0].mask, gt) >= 0.9);
    vn_segment_result_free(&res);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    vn_image_free(&gt);
}

static void test_errors(void **state)
{
    const int cx[1] = {80}, cy[1] = {60};
    VnImage *img = make_image(cx, cy, 1, 30, NULL);
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    VnPrompt out = {VN_PROMPT_NEGATIVE, 160, 10, 0, 0};
    VnPrompt boxes[2] = {{VN_PROMPT_BOX, 1, 1, 20, 20}, {VN_PROMPT_BOX, 2, 2, 30, 30}};
    VnSegmentSettings s;
    (void)state;
    vn_segment_default_settings(&s);
    s.components = 11;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, &s), -EINVAL);
    assert_null(seg);
    assert_non_null(strstr(vn_last_error(ctx), "components"));
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_int_equal(vn_segmenter_run(seg, &out, 1, NULL, &res), -EINVAL);
    assert_non_null(strstr(vn_last_error(ctx), "negative point 160,10 is outside"));
    assert_int_equal(res.n, 0);
    assert_int_equal(vn_segmenter_run(seg, boxes, 2, NULL, &res), -EINVAL);
    assert_int_equal(vn_segmenter_run(seg, NULL, 0, NULL, &res), -EINVAL);
    vn_segmenter_close(&seg);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
}

/* A flat red ring (outer radius 20, 7 pixels thick, centre 160,120) against flat sky on the left
 * half of a 320x240 frame and busy high-contrast texture on the right (a frame of large mean
 * colour step, where the step from ring to sky counts little geodesic distance); gt is the
 * ring. */
static VnImage *make_ring_by_sky(VnImage **gt)
{
    enum { W = 320, H = 240 };
    VnImage *img = alloc_frame(W, H, gt);
    uint32_t r = 777;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = vn_image_row(img, y) + 3 * x;
            const int d2 = (x - 160) * (x - 160) + (y - 120) * (y - 120), ring = d2 <= 400 && d2 > 169;
            if (ring)
                memcpy(p, (uint8_t[3]){230, 40, 60}, 3);
            else if (x < 160)
                memcpy(p, (uint8_t[3]){150, 190, 230}, 3);
            else
                for (int k = 0; k < 3; k++)
                    p[k] = (uint8_t)(60 + rng_next(&r) % 100);
            vn_image_row(*gt, y)[x] = ring ? 255 : 0;
        }
    return img;
}

/* Of the working pixels (the frame's: 320x240 is the working size), how many the object's first
 * colour sample holds (*in) and how many the plain geodesic disk of the part's radius holds
 * (*disk), where region(x, y). */
static void count_sample(const VnSegmenter *seg, int (*region)(int x, int y), int *in, int *disk)
{
    const float r = vni_seg_radius(seg, VN_SEGMENT_PART);
    *in = *disk = 0;
    for (int i = 0; i < seg->f.w * seg->f.h; i++)
        if (region(i % seg->f.w, i / seg->f.w)) {
            *in += seg->sample[i] != 0;
            *disk += seg->df[i] < r;
        }
}

static int sky(int x, int y)
{
    const int d2 = (x - 160) * (x - 160) + (y - 120) * (y - 120);
    return x < 160 && d2 > 400 + 80; /* clear of the ring's blended edge */
}

static int ring(int x, int y)
{
    const int d2 = (x - 160) * (x - 160) + (y - 120) * (y - 120);
    return d2 <= 400 && d2 > 169;
}

static int textured_disc(int x, int y)
{
    return (x - 80) * (x - 80) + (y - 60) * (y - 60) <= 30 * 30;
}

/* sample.c: the object's colour models start from the clicked region. A click on a thin flat
 * ring next to flat sky, in a busy frame: the plain geodesic disk round the click crosses the
 * ring's edge into the sky (the step counts little against the frame's mean step), the sample
 * stops at it. A click on a textured object keeps the plain disk. */
static void test_first_sample(void **state)
{
    VnImage *gt = NULL, *img = make_ring_by_sky(&gt);
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    VnPrompt p = {VN_PROMPT_POSITIVE, 147, 109, 0, 0};
    int in, disk;
    (void)state;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_true(vn_segmenter_run(seg, &p, 1, NULL, &res) >= 1);
    vn_segment_result_free(&res);
    count_sample(seg, sky, &in, &disk);
    print_message("first sample: sky %d, disk %d\n", in, disk);
    assert_true(disk > 50);
    assert_int_equal(in, 0);
    count_sample(seg, ring, &in, &disk);
    print_message("first sample: ring %d, disk %d\n", in, disk);
    assert_true(in >= 0.9 * disk);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    vn_image_free(&gt);
    const int cx[1] = {80}, cy[1] = {60};
    img = make_image(cx, cy, 1, 30, &gt);
    p = (VnPrompt){VN_PROMPT_POSITIVE, 85, 55, 0, 0};
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_true(vn_segmenter_run(seg, &p, 1, NULL, &res) >= 1);
    vn_segment_result_free(&res);
    count_sample(seg, textured_disc, &in, &disk);
    print_message("first sample: textured %d, disk %d\n", in, disk);
    assert_true(disk > 100 && in >= 0.95 * disk);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* A 320x240 frame and its gt, every pixel from paint(x, y, rng, rgb, gt). */
static VnImage *paint_scene(uint32_t seed, void (*paint)(int x, int y, uint32_t *r, uint8_t *p, uint8_t *g),
                            VnImage **gt)
{
    VnImage *img = alloc_frame(320, 240, gt);
    for (int y = 0; y < 240; y++)
        for (int x = 0; x < 320; x++)
            paint(x, y, &seed, vn_image_row(img, y) + 3 * x, vn_image_row(*gt, y) + x);
    return img;
}

/* A semi-transparent ring (opacity 0.5, outer radius 21, inner 14, edges blended over 2 px) of
 * a purple logo over a flat grey table, its top 1 px from a band of dark textured wall
 * (y < 100); gt is the ring's hole, where the table shows, clear of the blended edge. */
static void paint_faint_ring(int x, int y, uint32_t *r, uint8_t *p, uint8_t *gt)
{
    static const double logo[3] = {118, 73, 116};
    const double d = hypot(x - 160.0, y - 120.0);
    const double a = 0.5 * VNI_TEST_CLAMP(fmin(21 - d, d - 14) / 2 + 0.5, 0.0, 1.0);
    const int g = y < 100 ? 100 + (int)(rng_next(r) % 41) : (int)(rng_next(r) % 5) - 2;
    const double under[3] = {y < 100 ? g : 172 + g, y < 100 ? g - 10 : 171 + g, y < 100 ? g - 20 : 176 + g};
    for (int k = 0; k < 3; k++)
        p[k] = (uint8_t)(a * logo[k] + (1 - a) * under[k] + 0.5);
    *gt = d < 12 ? 255 : 0;
}

/* sample.c: a click in a semi-transparent ring 3 px from its edge with a dark wall. The steps
 * of that edge fall in the square round the click; as their mean they made the click's own
 * contrast 4 times the ring's, the ring's weak inner edge then cost little, and the sample took
 * the table in the hole (127 px), which the object model then held as the logo's. The median
 * step is the ring's own: the sample stays in the ring. */
static void test_first_sample_faint(void **state)
{
    VnImage *gt = NULL, *img = paint_scene(2024, paint_faint_ring, &gt);
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    VnPrompt p = {VN_PROMPT_POSITIVE, 160, 104, 0, 0};
    int hole = 0, all = 0;
    (void)state;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_true(vn_segmenter_run(seg, &p, 1, NULL, &res) >= 1);
    vn_segment_result_free(&res);
    for (int i = 0; i < seg->f.w * seg->f.h; i++) {
        all += seg->sample[i] != 0;
        hole += seg->sample[i] && vn_image_row(gt, i / seg->f.w)[i % seg->f.w];
    }
    print_message("faint ring: sample %d px, %d in the hole\n", all, hole);
    assert_true(all >= 100);
    assert_int_equal(hole, 0);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* Faint orange discs (opacity 0.3, radius 10, edges blended over 3 px) every 40 px over grey
 * noise, and a sharp blue bar left of the disc at 160,120; gt is that disc. */
static void paint_faint_discs(int x, int y, uint32_t *r, uint8_t *p, uint8_t *gt)
{
    static const double logo[3] = {230, 120, 40}, bar[3] = {40, 50, 150};
    const int cx = (x + 20) / 40 * 40, cy = y / 40 * 40 + (y % 40 >= 20 ? 40 : 0);
    const double a = 0.3 * VNI_TEST_CLAMP((10 - hypot(x - cx, y - cy)) / 3 + 0.5, 0.0, 1.0);
    const int g = 150 + (int)(rng_next(r) % 13) - 6, on_bar = x >= 104 && x <= 144 && y >= 117 && y <= 123;
    for (int k = 0; k < 3; k++)
        p[k] = (uint8_t)(on_bar ? bar[k] : a * logo[k] + (1 - a) * g + 0.5);
    *gt = hypot(x - 160, y - 120) <= 10 ? 255 : 0;
}

/* run.c: a larger candidate holds the clicked part. On a faint disc the grouping and GrabCut's
 * larger box may keep nothing of it but the disk held round the click (and what stands out
 * sharply nearby, a pen beside a semi-transparent logo); such a labelling is no candidate. */
static void test_larger_holds_click(void **state)
{
    VnImage *gt = NULL, *img = paint_scene(77, paint_faint_discs, &gt);
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    VnPrompt p = {VN_PROMPT_POSITIVE, 160, 120, 0, 0};
    int n;
    (void)state;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_true((n = vn_segmenter_run(seg, &p, 1, NULL, &res)) >= 1);
    for (int k = 0; k < n; k++) {
        int total, in = 0;
        total = 0;
        for (int y = 0; y < gt->height; y++)
            for (int x = 0; x < gt->width; x++)
                if (vn_image_row(gt, y)[x]) {
                    total++;
                    in += vn_image_row(res.c[k].mask, y)[x] != 0;
                }
        print_message("faint discs: candidate %d (kind %d) holds %d of the disc's %d px\n", k, res.c[k].kind, in,
                      total);
        if (res.c[k].kind == VN_SEGMENT_LARGER)
            assert_true(2 * in >= total);
    }
    assert_true(mask_iou(res.c[0].mask, gt) >= 0.8);
    vn_segment_result_free(&res);
    vn_segmenter_close(&seg);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* IoU with gt of the best candidate of one positive click at (x, y) on img, whatever its rank
 * by score. */
static double best_iou(const VnImage *img, int x, int y, const VnImage *gt)
{
    VnSegmenter *seg = NULL;
    VnSegmentResult res;
    VnPrompt p = {VN_PROMPT_POSITIVE, x, y, 0, 0};
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_true(vn_segmenter_run(seg, &p, 1, NULL, &res) >= 1);
    const double v = mask_iou(res.c[0].mask, gt);
    vn_segment_result_free(&res);
    vn_segmenter_close(&seg);
    return v;
}

/* A logo of three flat discs (red, green, blue, radius 9) over a soft-edged yellow bar, on a
 * patch of flat sky that reaches the top of a 320x240 frame of dark texture; gt is the discs.
 * The bar's soft edge makes the discs' group contrast less than the red disc alone. */
static VnImage *make_logo_in_sky(VnImage **gt)
{
    enum { W = 320, H = 240 };
    static const int cx[3] = {50, 38, 62}, cy[3] = {25, 42, 42}, col[3][3] = {
        {230, 40, 60}, {60, 200, 80}, {30, 120, 240}};
    static const double bar[3] = {250, 230, 40};
    VnImage *img = alloc_frame(W, H, gt);
    uint32_t r = 99;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            uint8_t *p = vn_image_row(img, y) + 3 * x;
            const double ex = (x - 52) / 43.0, ey = (y - 20) / 55.0;
            const double sky[3] = {140 + 0.3 * y, 185 + 0.2 * y, 230 - 0.1 * y};
            const int dx = VNI_TEST_CLAMP(VNI_TEST_CLAMP(30 - x, x - 70, 1000), 0, 1000);
            const int dy = VNI_TEST_CLAMP(VNI_TEST_CLAMP(53 - y, y - 55, 1000), 0, 1000);
            const double a = VNI_TEST_CLAMP(1.0 - (dx > dy ? dx : dy) / 5.0, 0.0, 1.0);
            int part = -1;
            for (int k = 0; k < 3; k++)
                if ((x - cx[k]) * (x - cx[k]) + (y - cy[k]) * (y - cy[k]) <= 81)
                    part = k;
            for (int c = 0; c < 3; c++) {
                double v = ex * ex + ey * ey <= 1 ? sky[c] + (int)(rng_next(&r) % 7) - 3
                                                  : 30 + rng_next(&r) % 80;
                v = part >= 0 ? col[part][c] : v;
                p[c] = (uint8_t)(v * (1 - a) + a * bar[c] + 0.5);
            }
            vn_image_row(*gt, y)[x] = part >= 0 ? 255 : 0;
        }
    return img;
}

/* group.c: a click on one disc of the logo gives the three discs. The grouping's second round
 * grows its box round the discs over the whole sky, which its surroundings then lack: the sky
 * joins, runs off the frame and is dropped with the discs, the round falling back to the disc.
 * The discs were found whole in flat colours: the round ends the growth and they stand, though
 * they contrast less than the disc alone. */
static void test_group_in_sky(void **state)
{
    VnImage *gt = NULL, *img = make_logo_in_sky(&gt);
    (void)state;
    const double v = best_iou(img, 50, 25, gt);
    print_message("logo in sky: IoU %.3f\n", v);
    assert_true(v >= 0.85);
    vn_image_free(&img);
    vn_image_free(&gt);
}

/* ---- full-resolution steps of a logo's mask, on masks drawn by hand --------------------- */

#define LW 200
#define LH 150

/* A frame of LW x LH: every pixel from paint(x, y, rng, rgb). */
static VnImage *paint_frame(void (*paint)(int x, int y, uint32_t *r, uint8_t *p))
{
    VnImage *img = NULL;
    uint32_t r = 4242;
    assert_int_equal(vn_image_alloc(&img, LW, LH, 3, VN_U8), 0);
    for (int y = 0; y < LH; y++)
        for (int x = 0; x < LW; x++)
            paint(x, y, &r, vn_image_row(img, y) + 3 * x);
    return img;
}

/* Brown wood-like noise: each channel spread over 80 levels, so that no colour cell holds a
 * share of a mask. */
static void wood(uint32_t *r, uint8_t *p)
{
    p[0] = (uint8_t)(80 + rng_next(r) % 81);
    p[1] = (uint8_t)(50 + rng_next(r) % 81);
    p[2] = (uint8_t)(20 + rng_next(r) % 81);
}

static int in_rect(int x, int y, int x0, int y0, int x1, int y1)
{
    return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

static int in_disc(int x, int y, int cx, int cy, double rad)
{
    return (x - cx) * (x - cx) + (y - cy) * (y - cy) <= rad * rad;
}

/* The pruned logo: a flat red plate (x 40..89, y 40..109) holding a window of wood (x 58..71,
 * y 68..81) and a flat blue disc (centre 150,75, radius 25), on wood. */
static void paint_plate(int x, int y, uint32_t *r, uint8_t *p)
{
    static const uint8_t red[3] = {220, 40, 40}, blue[3] = {40, 80, 220};
    if (in_rect(x, y, 40, 40, 89, 109) && !in_rect(x, y, 58, 68, 71, 81))
        memcpy(p, red, 3);
    else if (in_disc(x, y, 150, 75, 25))
        memcpy(p, blue, 3);
    else
        wood(r, p);
}

/* Set the mask to 255 where in(x, y), 0 elsewhere. */
static void draw(VnImage *mask, int (*in)(int x, int y))
{
    for (int y = 0; y < mask->height; y++)
        for (int x = 0; x < mask->width; x++)
            vn_image_row(mask, y)[x] = in(x, y) ? 255 : 0;
}

/* A segmenter on img, and a frame-size mask drawn from in(x, y). */
static VnSegmenter *open_on(const VnImage *img, VnImage **mask, int (*in)(int x, int y))
{
    VnSegmenter *seg = NULL;
    assert_int_equal(vn_segmenter_open(ctx, &seg, img, NULL), 0);
    assert_int_equal(vn_image_alloc(mask, img->width, img->height, 1, VN_U8), 0);
    draw(*mask, in);
    return seg;
}

/* Count the pixels of region `in` (x, y) where the mask is set. */
static int count_set(const VnImage *mask, int (*in)(int x, int y), int *total)
{
    int n = 0;
    *total = 0;
    for (int y = 0; y < mask->height; y++)
        for (int x = 0; x < mask->width; x++)
            if (in(x, y)) {
                (*total)++;
                n += vn_image_row(mask, y)[x] != 0;
            }
    return n;
}

/* The mask holds none of region `none` and all of region `all`. */
static void assert_none_all(const VnImage *mask, int (*none)(int x, int y), int (*all)(int x, int y))
{
    int total, n = count_set(mask, none, &total);
    assert_int_equal(n, 0);
    n = count_set(mask, all, &total);
    assert_int_equal(n, total);
}

static int plate_part(int x, int y)
{
    return in_rect(x, y, 40, 40, 89, 109) || in_disc(x, y, 150, 75, 25);
}

static int plate_bridge(int x, int y)
{
    return in_rect(x, y, 90, 65, 124, 84) && !in_disc(x, y, 150, 75, 25);
}

static int plate_grouped(int x, int y)
{
    return plate_part(x, y) || plate_bridge(x, y);
}

static int wood_only(int x, int y)
{
    return in_rect(x, y, 100, 10, 180, 40);
}

/* prune.c: the mask of the plate, the disc and a bridge of wood between them (as the working
 * scale fills the gap between a logo's parts) loses the bridge, which opens to the outside,
 * and keeps the wood window that the plate encloses. A mask of wood alone is no logo of flat
 * colours and is left as it is. */
static void test_prune(void **state)
{
    VnImage *img = paint_frame(paint_plate), *mask = NULL;
    VnSegmenter *seg = open_on(img, &mask, plate_grouped);
    int total, n;
    (void)state;
    assert_int_equal(vni_seg_prune(seg, mask, 1), 1);
    n = count_set(mask, plate_bridge, &total);
    assert_int_equal(n, 0);
    n = count_set(mask, plate_part, &total);
    assert_int_equal(n, total); /* the parts, and the window they enclose, stay */
    /* wood alone: not flat, untouched */
    draw(mask, wood_only);
    assert_int_equal(vni_seg_prune(seg, mask, 1), 0);
    n = count_set(mask, plate_bridge, &total);
    assert_int_equal(n, 0);
    n = count_set(mask, plate_part, &total);
    assert_int_equal(n, 0);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* The plate and the disc of paint_plate (no window) on a flat pale wall instead of wood. */
static void paint_plate_on_wall(int x, int y, uint32_t *r, uint8_t *p)
{
    static const uint8_t red[3] = {220, 40, 40}, blue[3] = {40, 80, 220};
    if (in_rect(x, y, 40, 40, 89, 109))
        memcpy(p, red, 3);
    else if (in_disc(x, y, 150, 75, 25))
        memcpy(p, blue, 3);
    else
        for (int k = 0; k < 3; k++)
            p[k] = (uint8_t)((k < 2 ? 232 : 200) + (int)(rng_next(r) % 7) - 3);
}

/* prune.c, one click's answer: the bridge between the parts is the flat wall round them, a
 * tenth of the mask (a part's colour by its share alone: VNI_PRUNE_CUT keeps it); the band
 * round the mask is mostly that colour, so it is no part's and the bridge leaves the mask. */
static void test_prune_surround(void **state)
{
    VnImage *img = paint_frame(paint_plate_on_wall), *mask = NULL;
    VnSegmenter *seg = open_on(img, &mask, plate_grouped);
    int total, n;
    (void)state;
    assert_int_equal(vni_seg_prune(seg, mask, VNI_PRUNE_CUT), 1);
    n = count_set(mask, plate_bridge, &total);
    assert_int_equal(n, total);
    assert_int_equal(vni_seg_prune(seg, mask, VNI_PRUNE_SURROUND), 1);
    assert_none_all(mask, plate_bridge, plate_part);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* The outlined logo: a flat white disc (centre 100,75, radius 30) inside a dark grey rim a
 * pixel or two wide; the scene is light green on the left half and dark green on the right, where
 * the rim is no outlier to the blends of white and scene. */
static void paint_outlined(int x, int y, uint32_t *r, uint8_t *p)
{
    if (in_disc(x, y, 100, 75, 30)) {
        memset(p, 250, 3);
    } else if (in_disc(x, y, 100, 75, 31.5)) {
        memset(p, 40, 3);
    } else {
        const int n = (int)(rng_next(r) % 17) - 8;
        p[0] = (uint8_t)((x < 100 ? 200 : 30) + n);
        p[1] = (uint8_t)((x < 100 ? 225 : 70) + n);
        p[2] = (uint8_t)((x < 100 ? 200 : 35) + n);
    }
}

/* The same logo over a scene that is dark but for a light strip on the far left (x < 73), where
 * a sixth of the rim lies. */
static void paint_outlined_dark(int x, int y, uint32_t *r, uint8_t *p)
{
    paint_outlined(x < 73 ? x : 100 + x, y, r, p);
    if (in_disc(x, y, 100, 75, 31.5))
        memset(p, in_disc(x, y, 100, 75, 30) ? 250 : 40, 3);
}

static int rim_left(int x, int y)
{
    return x < 95 && in_disc(x, y, 100, 75, 31.5) && !in_disc(x, y, 100, 75, 30);
}

static int rim_right(int x, int y)
{
    return x > 105 && in_disc(x, y, 100, 75, 31.5) && !in_disc(x, y, 100, 75, 30);
}

static int fill_disc(int x, int y)
{
    return in_disc(x, y, 100, 75, 30);
}

static int outlined_disc(int x, int y)
{
    return in_disc(x, y, 100, 75, 31.5);
}

static int beyond_rim(int x, int y)
{
    return in_disc(x, y, 100, 75, 38) && !in_disc(x, y, 100, 75, 34);
}

/* The mask of the white disc on the frame of `paint` gains its whole rim and nothing beyond. */
static void rim_joins(void (*paint)(int x, int y, uint32_t *r, uint8_t *p))
{
    VnImage *img = paint_frame(paint), *mask = NULL;
    VnSegmenter *seg = open_on(img, &mask, fill_disc);
    int total, n;
    assert_int_equal(vni_seg_rim(seg, mask), 0);
    n = count_set(mask, rim_left, &total);
    assert_true(n >= 0.9 * total);
    n = count_set(mask, rim_right, &total);
    assert_true(n >= 0.9 * total);
    n = count_set(mask, beyond_rim, &total);
    assert_int_equal(n, 0);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* rim.c: the mask of the white disc gains its dark rim: over the light scene, where the rim is
 * no blend of fill and scene, and over the dark scene too, where its colour, learnt from the
 * first, tells it from the scene; the scene beyond stays out. A mask that holds the rim
 * already gains nothing: the scene around it is no outline. */
static void test_rim(void **state)
{
    VnImage *img = paint_frame(paint_outlined), *mask = NULL;
    VnSegmenter *seg;
    (void)state;
    rim_joins(paint_outlined);
    /* the disc with its rim: the scene around gains nothing */
    seg = open_on(img, &mask, outlined_disc);
    assert_int_equal(vni_seg_rim(seg, mask), 0);
    assert_none_all(mask, beyond_rim, rim_left);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* rim.c: over a mostly dark scene the rim is plainly rim on a sixth of the edge only; its
 * colour, learnt there, finds the rest, and the whole rim joins; the scene beyond stays out. */
static void test_rim_dark_scene(void **state)
{
    (void)state;
    rim_joins(paint_outlined_dark);
}

/* The pieces of a grouped logo: a flat blue square (x 30..79, y 40..89, the clicked object), a
 * flat orange square (x 100..129, y 50..79, a sibling part) and a textured white patch (x
 * 150..179, y 50..79, the top of a capacitor), on wood. */
static void paint_pieces(int x, int y, uint32_t *r, uint8_t *p)
{
    static const uint8_t blue[3] = {30, 60, 200}, orange[3] = {240, 140, 20};
    if (in_rect(x, y, 30, 40, 79, 89)) {
        memcpy(p, blue, 3);
    } else if (in_rect(x, y, 100, 50, 129, 79)) {
        memcpy(p, orange, 3);
    } else if (in_rect(x, y, 150, 50, 179, 79)) {
        memset(p, (uint8_t)(215 + rng_next(r) % 41), 3);
    } else {
        wood(r, p);
    }
}

static int piece_sibling(int x, int y)
{
    return in_rect(x, y, 100, 50, 129, 79);
}

static int piece_textured(int x, int y)
{
    return in_rect(x, y, 150, 50, 179, 79);
}

static int piece_object(int x, int y)
{
    return in_rect(x, y, 30, 40, 79, 89);
}

static int pieces_grouped(int x, int y)
{
    return piece_object(x, y) || piece_sibling(x, y) || piece_textured(x, y);
}

/* pieces.c: of a larger candidate's separate pieces, the textured one leaves the mask, the flat
 * sibling part stays, and so does the object (marked in the object candidate's labels). */
static void test_textured_pieces(void **state)
{
    VnImage *img = paint_frame(paint_pieces), *mask = NULL;
    VnSegmenter *seg = open_on(img, &mask, pieces_grouped);
    int total, n;
    (void)state;
    assert_true(seg->sx == 1.0 && seg->sy == 1.0); /* solved at full size: labels are pixels */
    for (int y = 0; y < LH; y++)
        for (int x = 0; x < LW; x++)
            seg->lab[VN_SEGMENT_OBJECT][y * seg->f.w + x] = (uint8_t)piece_object(x, y);
    assert_int_equal(vni_seg_drop_textured(seg, mask), 0);
    n = count_set(mask, piece_textured, &total);
    assert_int_equal(n, 0);
    n = count_set(mask, piece_sibling, &total);
    assert_int_equal(n, total);
    n = count_set(mask, piece_object, &total);
    assert_int_equal(n, total);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* The plate spilt over: a flat blue plate (x 40..119, y 40..109) holding a red pane (x 70..89,
 * y 60..79, the clicked object), a darker blue textured patch above it touching its top side
 * (x 60..99, y 10..39, a shirt), and, for the second check, a white plate below the blue one
 * (x 40..119, y 110..139): two stacked plates of one logo. On wood. */
static void paint_spilt(int x, int y, uint32_t *r, uint8_t *p)
{
    static const uint8_t blue[3] = {40, 80, 220}, red[3] = {220, 40, 40}, white[3] = {245, 245, 245};
    if (in_rect(x, y, 70, 60, 89, 79)) {
        memcpy(p, red, 3);
    } else if (in_rect(x, y, 40, 40, 119, 109)) {
        memcpy(p, blue, 3);
    } else if (in_rect(x, y, 40, 110, 119, 139)) {
        memcpy(p, white, 3);
    } else if (in_rect(x, y, 60, 10, 99, 39)) {
        p[0] = (uint8_t)(20 + rng_next(r) % 21);
        p[1] = (uint8_t)(40 + rng_next(r) % 21);
        p[2] = (uint8_t)(150 + rng_next(r) % 41);
    } else {
        wood(r, p);
    }
}

static int spilt_plate(int x, int y)
{
    return in_rect(x, y, 40, 40, 119, 109);
}

static int spilt_shirt(int x, int y)
{
    return in_rect(x, y, 60, 10, 99, 39);
}

static int spilt_grouped(int x, int y)
{
    return spilt_plate(x, y) || spilt_shirt(x, y);
}

static int stacked_plates(int x, int y)
{
    return in_rect(x, y, 40, 40, 119, 139);
}

/* straight.c: the mask of the plate and the shirt joined to its top side is cut along that
 * side, and the shirt leaves; the plate stays whole. The mask of two stacked plates crosses
 * the straight edge between them along all its length: it is no side, and nothing is cut. */
static void test_straight_sides(void **state)
{
    VnImage *img = paint_frame(paint_spilt), *mask = NULL;
    VnSegmenter *seg = open_on(img, &mask, spilt_grouped);
    int total, n;
    (void)state;
    assert_true(seg->sx == 1.0 && seg->sy == 1.0); /* solved at full size: labels are pixels */
    for (int y = 0; y < LH; y++)
        for (int x = 0; x < LW; x++)
            seg->lab[VN_SEGMENT_OBJECT][y * seg->f.w + x] = (uint8_t)in_rect(x, y, 70, 60, 89, 79);
    assert_int_equal(vni_seg_cut_straight(seg, mask), 0);
    n = count_set(mask, spilt_shirt, &total);
    assert_int_equal(n, 0);
    n = count_set(mask, spilt_plate, &total);
    assert_int_equal(n, total);
    draw(mask, stacked_plates);
    assert_int_equal(vni_seg_cut_straight(seg, mask), 0);
    n = count_set(mask, stacked_plates, &total);
    assert_int_equal(n, total);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* A green pill on a blue plate on wood, at the pixel where `pill` and `plate` tell whether it
 * lies in each. */
static void paint_pill_plate(int pill, int plate, uint32_t *r, uint8_t *p)
{
    static const uint8_t blue[3] = {40, 80, 220}, green[3] = {60, 200, 60};
    if (pill)
        memcpy(p, green, 3);
    else if (plate)
        memcpy(p, blue, 3);
    else
        wood(r, p);
}

/* A logo on a plate: a green pill (x 70..109, y 55..94) on a blue plate (x 40..139, y 30..119),
 * on wood; the plate is flat, or (paint_rough_plate) as textured as the scene. */
static int plate_pill(int x, int y)
{
    return in_rect(x, y, 70, 55, 109, 94);
}

static int whole_plate(int x, int y)
{
    return in_rect(x, y, 40, 30, 139, 119);
}

static int beside_plate(int x, int y)
{
    return !whole_plate(x, y);
}

static void paint_on_plate(int x, int y, uint32_t *r, uint8_t *p)
{
    paint_pill_plate(plate_pill(x, y), whole_plate(x, y), r, p);
}

static void paint_rough_plate(int x, int y, uint32_t *r, uint8_t *p)
{
    paint_on_plate(x, y, r, p);
    if (whole_plate(x, y) && !plate_pill(x, y))
        for (int k = 0; k < 3; k++)
            p[k] = (uint8_t)(p[k] - 30 + (int)(rng_next(r) % 31));
}

/* The mask `pill` on the frame `paint` grows to exactly `plate` (grow_plate). */
static void grows_to_plate(void (*paint)(int x, int y, uint32_t *r, uint8_t *p), int (*pill)(int x, int y),
                           int (*plate)(int x, int y), int (*beside)(int x, int y))
{
    VnImage *img = paint_frame(paint), *mask = NULL;
    VnSegmenter *seg = open_on(img, &mask, pill);
    int total, n;
    assert_int_equal(vni_seg_grow_plate(seg, mask), 0);
    n = count_set(mask, plate, &total);
    assert_int_equal(n, total);
    n = count_set(mask, beside, &total);
    assert_int_equal(n, 0);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* plate.c: the mask of the pill grows to the flat plate round it, and no further; on a plate as
 * textured as the scene it stays the pill. */
static void test_grow_plate(void **state)
{
    VnImage *img, *mask = NULL;
    VnSegmenter *seg;
    int total, n;
    (void)state;
    grows_to_plate(paint_on_plate, plate_pill, whole_plate, beside_plate);
    img = paint_frame(paint_rough_plate);
    seg = open_on(img, &mask, plate_pill);
    assert_int_equal(vni_seg_grow_plate(seg, mask), 0);
    n = count_set(mask, whole_plate, &total);
    assert_int_equal(n, 40 * 40);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* A plate cut by the frame's top and left edges (x 0..99, y 0..89), its pill at x 30..69,
 * y 25..64. */
static int corner_pill(int x, int y)
{
    return in_rect(x, y, 30, 25, 69, 64);
}

static int corner_plate(int x, int y)
{
    return in_rect(x, y, 0, 0, 99, 89);
}

static int beside_corner_plate(int x, int y)
{
    return !corner_plate(x, y);
}

static void paint_corner_plate(int x, int y, uint32_t *r, uint8_t *p)
{
    paint_pill_plate(corner_pill(x, y), corner_plate(x, y), r, p);
}

/* plate.c: where the frame's edge cuts the plate, the edge is the plate's side. */
static void test_grow_plate_at_edge(void **state)
{
    (void)state;
    grows_to_plate(paint_corner_plate, corner_pill, corner_plate, beside_corner_plate);
}

/* A flag (x 85..104, y 65..84) in a shaded pill (x 70..119, y 55..94: steps of 10, not flat)
 * on a flat blue plate whose left side is ragged and slanted (x 40 at the top, y 30, to x 20 at
 * the frame's bottom edge, which cuts the plate), its right side at x 159, on wood. */
static int ragged_plate(int x, int y)
{
    return y >= 30 && x >= 40 - (y - 30) / 6 && x <= 159;
}

static int ragged_flag(int x, int y)
{
    return in_rect(x, y, 85, 65, 104, 84);
}

static int beside_ragged_plate(int x, int y)
{
    return !ragged_plate(x, y);
}

static void paint_ragged_plate(int x, int y, uint32_t *r, uint8_t *p)
{
    static const uint8_t blue[3] = {40, 80, 220}, red[3] = {220, 40, 40};
    if (ragged_flag(x, y)) {
        memcpy(p, red, 3);
    } else if (in_rect(x, y, 70, 55, 119, 94)) {
        p[0] = 60;
        p[1] = (uint8_t)(190 + 10 * ((x + y) % 2));
        p[2] = 60;
    } else if (ragged_plate(x, y)) {
        memcpy(p, blue, 3);
    } else {
        wood(r, p);
    }
}

/* plate.c: a plate of no rectangle (a ragged slanted side, the frame's edge for another) is
 * found by the flood, through the shaded pill (a rectangle, but not flat) round the flag. */
static void test_grow_plate_ragged(void **state)
{
    (void)state;
    grows_to_plate(paint_ragged_plate, ragged_flag, ragged_plate, beside_ragged_plate);
}

static int grown_disc(int x, int y)
{
    return in_disc(x, y, 100, 75, 31.5);
}

static int far_leak(int x, int y)
{
    return in_rect(x, y, 150, 10, 190, 40);
}

static int grown_and_leak(int x, int y)
{
    return grown_disc(x, y) || far_leak(x, y);
}

static int fringe_near_click(int x, int y)
{
    return grown_disc(x, y) && !fill_disc(x, y) && x >= 130 && abs(y - 75) <= 2;
}

static int fringe_far(int x, int y)
{
    return grown_disc(x, y) && !fill_disc(x, y) && x < 80;
}

/* local.c: a click just outside the last mask (a fringe error a pixel deep) takes the new
 * answer only near itself: the new mask's fringe there stays, its fringe across the disc and
 * a leak far away give way to the last mask. A click deep inside a large error keeps the new
 * answer everywhere. */
static void test_localise(void **state)
{
    VnImage *img = paint_frame(paint_outlined), *mask = NULL;
    VnSegmenter *seg = open_on(img, &mask, grown_and_leak);
    VnPrompt edge = {VN_PROMPT_POSITIVE, 131, 75, 0, 0}, deep = {VN_PROMPT_POSITIVE, 170, 25, 0, 0};
    int total, n;
    (void)state;
    assert_int_equal(vn_image_alloc(&seg->prev, LW, LH, 1, VN_U8), 0);
    draw(seg->prev, fill_disc);
    assert_int_equal(vni_seg_localise(seg, &edge, mask), 1);
    n = count_set(mask, fringe_near_click, &total);
    assert_int_equal(n, total);
    n = count_set(mask, fringe_far, &total);
    assert_int_equal(n, 0);
    n = count_set(mask, far_leak, &total);
    assert_int_equal(n, 0);
    n = count_set(mask, fill_disc, &total);
    assert_int_equal(n, total);
    /* deep in a large missed region: nothing is limited */
    draw(mask, grown_and_leak);
    assert_int_equal(vni_seg_localise(seg, &deep, mask), 0);
    n = count_set(mask, far_leak, &total);
    assert_int_equal(n, total);
    vn_segmenter_close(&seg);
    vn_image_free(&mask);
    vn_image_free(&img);
}

/* ---- overlay_grow.c: a clicked part of a semi-transparent overlay grown to the others ------ */

#define GW 112
#define GH 112
#define GN 32

/* The parts of the overlay: A (clicked, white), B (red) a gap to its right, C (green) below; S a
 * patch of a picture of its own, of half the change of the picture round it (as under the
 * overlay) but moving the other way: no overlay, as its edge tells. */
static int part_a(int x, int y) { return x >= 20 && x < 44 && y >= 20 && y < 44; }
static int part_b(int x, int y) { return x >= 56 && x < 80 && y >= 20 && y < 44; }
static int part_c(int x, int y) { return x >= 30 && x < 54 && y >= 60 && y < 84; }
static int patch_s(int x, int y) { return x >= 70 && x < 94 && y >= 60 && y < 84; }
static int overlay_abc(int x, int y) { return part_a(x, y) || part_b(x, y) || part_c(x, y); }

/* A textured picture panning by (3, 2) px a frame, with a little noise. */
static double picture(int x, int y, int t, uint32_t *r)
{
    double u = x + 3.0 * t, v = y + 2.0 * t;
    return 128.0 + 50.0 * sin(0.21 * u) * sin(0.17 * v) + 20.0 * sin(0.07 * u + 0.05 * v) +
           (double)(rng_next(r) % 5) - 2.0;
}

/* The n frames of the clip: the picture (S's own in S when patch), and over it the overlay's
 * parts at opacity alpha (none when alpha is 0). */
static uint8_t *overlay_clip(double alpha, int patch)
{
    static const double wc[3][3] = {{255, 255, 255}, {220, 40, 40}, {40, 200, 60}};
    uint8_t *st = malloc((size_t)GN * GW * GH * 3);
    uint32_t r = 12345;
    for (int t = 0; t < GN; t++)
        for (int y = 0; y < GH; y++)
            for (int x = 0; x < GW; x++) {
                double j = picture(x, y, t, &r);
                if (patch && patch_s(x, y))
                    j = 128.0 + 0.5 * (picture(x, y, -t, &r) - 128.0);
                int k = part_a(x, y) ? 0 : part_b(x, y) ? 1 : 2;
                for (int c = 0; c < 3; c++) {
                    double v = overlay_abc(x, y) ? alpha * wc[k][c] + (1 - alpha) * j : j;
                    st[(((size_t)t * GH + y) * GW + x) * 3 + c] = (uint8_t)VNI_TEST_CLAMP(lrint(v), 0, 255);
                }
            }
    return st;
}

/* Pixels of m set inside region (of *total there). */
static int count_in(const uint8_t *m, int (*region)(int x, int y), int *total)
{
    int n = 0;
    *total = 0;
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            if (region(x, y))
                n += m[y * GW + x] != 0, (*total)++;
    return n;
}

/* Whether (x, y) lies 2 px or more from every part of the overlay. */
static int off_overlay(int x, int y)
{
    for (int dy = -2; dy <= 2; dy++)
        for (int dx = -2; dx <= 2; dx++)
            if (overlay_abc(x + dx, y + dy))
                return 0;
    return 1;
}

static int small_patch(int x, int y) { return x >= 29 && x < 35 && y >= 29 && y < 35; }

/* Grow from the click `clicked` on the clip of a 50% logo with the patch S: all of A, B and C is
 * taken, S and what lies off the overlay hardly. */
static void grows_to_logo(int (*clicked)(int x, int y))
{
    uint8_t *st = overlay_clip(0.5, 1), held[GW * GH];
    int (*parts[3])(int x, int y) = {part_a, part_b, part_c};
    int total, n;
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            held[y * GW + x] = clicked(x, y);
    assert_true(vni_overlay_grow(st, GW, GH, GN, held) > 0);
    for (int k = 0; k < 3; k++) {
        n = count_in(held, parts[k], &total);
        assert_true(n >= 0.95 * total);
    }
    n = count_in(held, patch_s, &total);
    assert_true(n <= 0.05 * total);
    n = count_in(held, off_overlay, &total);
    assert_true(n <= 40);
    free(st);
}

/* A 50% logo of three parts in three colours over a panning picture, one part clicked: the other
 * two are found (the picture's change under them is halved, as under the click), the patch S is
 * not (its change is halved too, but does not follow the picture's outside). */
static void test_overlay_grow(void **state)
{
    (void)state;
    grows_to_logo(part_a);
}

/* A click that took a small patch inside part A (its own edge lies inside A on both sides): the
 * cut round it tells the part, and the others are found from there. */
static void test_overlay_grow_small_click(void **state)
{
    (void)state;
    grows_to_logo(small_patch);
}

/* A click on what does not dim the picture's change (no overlay over it): nothing is grown;
 * bad arguments are refused with held unchanged. */
static void test_overlay_grow_none(void **state)
{
    uint8_t *st = overlay_clip(0.0, 0), held[GW * GH], before[GW * GH];
    (void)state;
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            held[y * GW + x] = part_a(x, y);
    memcpy(before, held, sizeof(held));
    assert_int_equal(vni_overlay_grow(st, GW, GH, GN, held), 0);
    assert_memory_equal(held, before, sizeof(held));
    assert_int_equal(vni_overlay_grow(st, GW, GH, 7, held), -EINVAL);
    assert_int_equal(vni_overlay_grow(NULL, GW, GH, GN, held), -EINVAL);
    assert_int_equal(vni_overlay_grow(st, 4, GH, GN, held), -EINVAL);
    assert_memory_equal(held, before, sizeof(held));
    free(st);
}

/* Part A with 2 px of picture round it: the outline a detector may give. */
static int part_a_loose(int x, int y) { return x >= 18 && x < 46 && y >= 18 && y < 46; }

/* The detector's footprint of part A, 2 px too large, as the seed: its pixels just inside are
 * picture, so its own edge tells no ratio and vni_overlay_grow grows nothing (nor
 * vni_overlay_grow_seed untrusting); trusted, the ratio comes from its drop and B and C are found
 * whole, S not, and no band of picture round the seed is added. A seed
 * that does not dim the picture's change still grows nothing. */
static void test_overlay_grow_seed(void **state)
{
    uint8_t *st = overlay_clip(0.5, 1), *none = overlay_clip(0.0, 1), held[GW * GH];
    int total, n;
    (void)state;
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            held[y * GW + x] = part_a_loose(x, y);
    assert_int_equal(vni_overlay_grow(st, GW, GH, GN, held), 0);
    assert_int_equal(vni_overlay_grow_seed(st, GW, GH, GN, held, 0), 0);
    assert_true(vni_overlay_grow_seed(st, GW, GH, GN, held, 1) > 0);
    n = count_in(held, part_b, &total);
    assert_true(n >= 0.9 * total);
    n = count_in(held, part_c, &total);
    assert_true(n >= 0.9 * total);
    n = count_in(held, patch_s, &total);
    assert_true(n <= 0.05 * total);
    n = count_in(held, off_overlay, &total);
    assert_true(n <= 40);
    for (int y = 0; y < GH; y++)
        for (int x = 0; x < GW; x++)
            held[y * GW + x] = part_a_loose(x, y);
    assert_int_equal(vni_overlay_grow_seed(none, GW, GH, GN, held, 1), 0);
    free(st);
    free(none);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_maxflow_random), cmocka_unit_test(test_maxflow_grid),
        cmocka_unit_test(test_maxflow_dynamic),
        cmocka_unit_test(test_point),          cmocka_unit_test(test_point_reduced),
        cmocka_unit_test(test_point_edge),
        cmocka_unit_test(test_negative),       cmocka_unit_test(test_box),
        cmocka_unit_test(test_refine),         cmocka_unit_test(test_errors),
        cmocka_unit_test(test_logo_parts),     cmocka_unit_test(test_logo_caption),
        cmocka_unit_test(test_first_sample),   cmocka_unit_test(test_group_in_sky),
        cmocka_unit_test(test_first_sample_faint), cmocka_unit_test(test_larger_holds_click),
        cmocka_unit_test(test_prune),          cmocka_unit_test(test_prune_surround),          cmocka_unit_test(test_rim),
        cmocka_unit_test(test_rim_dark_scene),
        cmocka_unit_test(test_textured_pieces), cmocka_unit_test(test_localise),
        cmocka_unit_test(test_straight_sides), cmocka_unit_test(test_grow_plate),
        cmocka_unit_test(test_grow_plate_at_edge), cmocka_unit_test(test_grow_plate_ragged),
        cmocka_unit_test(test_overlay_grow),  cmocka_unit_test(test_overlay_grow_none),
        cmocka_unit_test(test_overlay_grow_small_click), cmocka_unit_test(test_overlay_grow_seed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
