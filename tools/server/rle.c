/* Masks as run lengths: compact in memory and in JSON, cheap to paint on the page. */
#include "srv.h"

#include <stdlib.h>
#include <string.h>

/* Count the runs of img: transitions between zero and non-zero in row-major order. */
static size_t count_runs(const VnImage *img)
{
    size_t n = 1;
    int cur = 0;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *row = vn_image_row(img, y);
        for (int x = 0; x < img->width; x++)
            if ((row[x] != 0) != cur) {
                cur = !cur;
                n++;
            }
    }
    return n;
}

SrvMask *srv_mask_from_image(const VnImage *img, int key)
{
    size_t n = count_runs(img), i = 0;
    SrvMask *m = malloc(sizeof(*m) + n * sizeof(uint32_t));
    uint32_t run = 0;
    int cur = 0;
    if (!m)
        return NULL;
    m->key = key;
    m->n = n;
    for (int y = 0; y < img->height; y++) {
        const uint8_t *row = vn_image_row(img, y);
        for (int x = 0; x < img->width; x++) {
            if ((row[x] != 0) != cur) {
                m->runs[i++] = run;
                run = 0;
                cur = !cur;
            }
            run++;
        }
    }
    m->runs[i] = run;
    return m;
}

void srv_mask_paint(const SrvMask *m, VnImage *img, uint8_t value)
{
    size_t total = (size_t)img->width * (size_t)img->height, pos = 0;
    for (size_t i = 0; i < m->n && pos < total; i++) {
        size_t end = pos + m->runs[i];
        if (end > total)
            end = total;
        if (i % 2)
            for (size_t p = pos; p < end; p++)
                vn_image_row(img, (int)(p / (size_t)img->width))[p % (size_t)img->width] = value;
        pos = end;
    }
}

int64_t srv_mask_area(const SrvMask *m)
{
    int64_t a = 0;
    for (size_t i = 1; i < m->n; i += 2)
        a += m->runs[i];
    return a;
}

cJSON *srv_mask_json(const SrvMask *m)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < m->n; i++) {
        cJSON *v = cJSON_CreateNumber(m->runs[i]);
        if (!v) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, v);
    }
    return a;
}

SrvMask *srv_mask_from_json(const cJSON *a, int w, int h, int key)
{
    int64_t total = (int64_t)w * h, pos = 0;
    int count = cJSON_IsArray(a) ? cJSON_GetArraySize(a) : -1;
    const cJSON *it;
    SrvMask *m;
    size_t i = 0;
    if (count < 1 || count > total + 1 || !(m = malloc(sizeof(*m) + (size_t)count * sizeof(uint32_t))))
        return NULL;
    m->key = key;
    m->n = (size_t)count;
    cJSON_ArrayForEach(it, a) {
        double d = it->valuedouble;
        if (!cJSON_IsNumber(it) || !(d >= 0) || d > (double)(total - pos) || d != (double)(int64_t)d)
            break;
        m->runs[i++] = (uint32_t)d;
        pos += (int64_t)d;
    }
    if (i == m->n && pos == total)
        return m;
    free(m);
    return NULL;
}

SrvMask *srv_mask_dup(const SrvMask *m, int key)
{
    size_t bytes = sizeof(*m) + m->n * sizeof(uint32_t);
    SrvMask *d = malloc(bytes);
    if (d) {
        memcpy(d, m, bytes);
        d->key = key;
    }
    return d;
}
