/* The objects of a video and their masks, one run-length mask per object per frame. */
#include "srv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

SrvObject *srv_object_find(SrvVideo *v, int id)
{
    for (int i = 0; i < SRV_MAX_OBJECTS; i++)
        if (v->objects[i].id == id && id > 0)
            return &v->objects[i];
    return NULL;
}

int srv_object_add(SrvVideo *v)
{
    int used[SRV_MAX_OBJECTS + 1] = {0};
    SrvObject *slot = NULL;
    for (int i = 0; i < SRV_MAX_OBJECTS; i++) {
        if (v->objects[i].id)
            used[v->objects[i].id] = 1;
        else if (!slot)
            slot = &v->objects[i];
    }
    if (!slot)
        return -ENOSPC;
    for (int id = 1; id <= SRV_MAX_OBJECTS; id++)
        if (!used[id]) {
            memset(slot, 0, sizeof(*slot));
            slot->id = id;
            v->mask_version++;
            return id;
        }
    return -ENOSPC;
}

/* Forget the last track: the next one tracks every frame. */
static void forget_track(SrvObject *o)
{
    free(o->track_keys);
    free(o->track_opts);
    free(o->edited);
    o->track_keys = o->edited = NULL;
    o->track_opts = NULL;
    o->n_track_keys = o->n_edited = o->cap_edited = 0;
}

/* Drop every mask of an object. */
static void free_masks(SrvObject *o)
{
    free(o->still);
    o->still = NULL;
    for (int64_t i = 0; i < o->cap; i++)
        free(o->masks[i]);
    free(o->masks);
    o->masks = NULL;
    o->cap = 0;
    forget_track(o);
}

/* Note that the keyframe mask of frame n changed since the last track; when that cannot be
 * noted (out of memory), forget the track so that the next one redoes every frame. */
static void note_edit(SrvObject *o, int64_t n)
{
    int64_t *e;
    if (!o->track_keys)
        return;
    for (int i = 0; i < o->n_edited; i++)
        if (o->edited[i] == n)
            return;
    if (o->n_edited == o->cap_edited) {
        int cap = o->cap_edited ? 2 * o->cap_edited : 16;
        if (!(e = realloc(o->edited, (size_t)cap * sizeof(*e)))) {
            forget_track(o);
            return;
        }
        o->edited = e;
        o->cap_edited = cap;
    }
    o->edited[o->n_edited++] = n;
}

int srv_object_tracked(SrvObject *o, const int64_t *keys, int n, const char *opts)
{
    forget_track(o);
    if (!(o->track_keys = malloc((size_t)(n > 0 ? n : 1) * sizeof(*keys))) || !(o->track_opts = strdup(opts))) {
        forget_track(o);
        return -ENOMEM;
    }
    memcpy(o->track_keys, keys, (size_t)n * sizeof(*keys));
    o->n_track_keys = n;
    return 0;
}

int srv_object_remove(SrvVideo *v, int id)
{
    SrvObject *o = srv_object_find(v, id);
    if (!o)
        return -ENOENT;
    free_masks(o);
    o->id = 0;
    v->mask_version++;
    return 0;
}

SrvObject *srv_object_static(SrvVideo *v)
{
    for (int i = 0; i < SRV_MAX_OBJECTS; i++)
        if (v->objects[i].id && v->objects[i].is_static)
            return &v->objects[i];
    return NULL;
}

int srv_object_put_static(SrvVideo *v, SrvMask *m)
{
    SrvObject *o = srv_object_static(v);
    int id = o ? o->id : srv_object_add(v);
    if (!o && id > 0)
        o = srv_object_find(v, id);
    if (!o) {
        free(m);
        return id;
    }
    free(o->still); /* a watermark found again replaces the one found before */
    o->is_static = 1;
    o->still = m;
    m->key = 0; /* the page refines it with clicks, as a tracked mask */
    v->mask_version++;
    return id;
}

const SrvMask *srv_object_mask(const SrvObject *o, int64_t n)
{
    if (o->is_static)
        return n >= 0 ? o->still : NULL;
    return n >= 0 && n < o->cap ? o->masks[n] : NULL;
}

/* Make room for frame n in the object's table. */
static int grow(SrvObject *o, int64_t n)
{
    int64_t cap = o->cap ? o->cap : 64;
    SrvMask **m;
    if (n < o->cap)
        return 0;
    if (n >= SRV_MAX_FRAMES)
        return -ERANGE;
    while (cap <= n)
        cap *= 2;
    if (!(m = realloc(o->masks, (size_t)cap * sizeof(*m))))
        return -ENOMEM;
    memset(m + o->cap, 0, (size_t)(cap - o->cap) * sizeof(*m));
    o->masks = m;
    o->cap = cap;
    return 0;
}

int srv_object_set(SrvVideo *v, SrvObject *o, int64_t n, SrvMask *m)
{
    int ret;
    if (n < 0)
        return -EINVAL;
    if (o->is_static) {
        if (m)
            m->key = 0;
        free(o->still);
        o->still = m;
        v->mask_version++;
        return 0;
    }
    if ((ret = grow(o, n)) < 0) {
        free(m);
        return ret;
    }
    if ((m && m->key) || (o->masks[n] && o->masks[n]->key))
        note_edit(o, n);
    free(o->masks[n]);
    o->masks[n] = m;
    v->mask_version++;
    return 0;
}

int srv_object_clear(SrvVideo *v, int id, int64_t n)
{
    SrvObject *o = srv_object_find(v, id);
    if (!o)
        return -ENOENT;
    if (n < 0 || o->is_static)
        free_masks(o);
    else if (n < o->cap) {
        if (o->masks[n] && o->masks[n]->key)
            note_edit(o, n);
        else if (o->masks[n])
            forget_track(o); /* a tracked mask gone: the next track redoes every frame */
        free(o->masks[n]);
        o->masks[n] = NULL;
    }
    v->mask_version++;
    return 0;
}

/* Frames on which the object has a mask drawn by the user, as a JSON array. */
static cJSON *keyframes(const SrvObject *o)
{
    cJSON *a = cJSON_CreateArray();
    int count = 0;
    for (int64_t i = 0; a && i < o->cap && count < 1000; i++)
        if (o->masks[i] && o->masks[i]->key) {
            cJSON_AddItemToArray(a, cJSON_CreateNumber((double)i));
            count++;
        }
    return a;
}

/* The video's frame count as far as it is known: decoded, or what the header says. */
static int64_t video_frames(const SrvVideo *v)
{
    if (v->decode_state == 1 || v->info.n_frames_header < v->n_decoded)
        return v->n_decoded;
    return v->info.n_frames_header;
}

/* Number of frames with any mask for the object (a static one: every frame of the video). */
static int64_t masked_frames(const SrvVideo *v, const SrvObject *o)
{
    int64_t n = 0;
    if (o->is_static)
        return o->still ? video_frames(v) : 0;
    for (int64_t i = 0; i < o->cap; i++)
        n += o->masks[i] != NULL;
    return n;
}

cJSON *srv_objects_json(SrvVideo *v)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < SRV_MAX_OBJECTS; i++) {
        const SrvObject *o = &v->objects[i];
        cJSON *j;
        if (!o->id)
            continue;
        if (!(j = cJSON_CreateObject()))
            break;
        cJSON_AddNumberToObject(j, "id", o->id);
        cJSON_AddItemToObject(j, "keyframes", keyframes(o));
        cJSON_AddNumberToObject(j, "masked_frames", (double)masked_frames(v, o));
        cJSON_AddBoolToObject(j, "static", o->is_static);
        cJSON_AddItemToArray(a, j);
    }
    return a;
}

cJSON *srv_masks_json(SrvVideo *v, int64_t n)
{
    cJSON *j = cJSON_CreateObject(), *a = cJSON_CreateArray();
    if (!j || !a) {
        cJSON_Delete(j);
        cJSON_Delete(a);
        return NULL;
    }
    cJSON_AddNumberToObject(j, "frame", (double)n);
    cJSON_AddNumberToObject(j, "width", v->info.width);
    cJSON_AddNumberToObject(j, "height", v->info.height);
    cJSON_AddNumberToObject(j, "version", (double)v->mask_version);
    for (int i = 0; i < SRV_MAX_OBJECTS; i++) {
        const SrvObject *o = &v->objects[i];
        const SrvMask *k = o->id ? srv_object_mask(o, n) : NULL;
        cJSON *m;
        if (!k || !(m = cJSON_CreateObject()))
            continue;
        cJSON_AddNumberToObject(m, "object", o->id);
        cJSON_AddBoolToObject(m, "key", k->key);
        cJSON_AddItemToObject(m, "rle", srv_mask_json(k));
        cJSON_AddItemToArray(a, m);
    }
    cJSON_AddItemToObject(j, "masks", a);
    return j;
}

int srv_masks_paint(SrvVideo *v, int64_t n, VnImage *img, int binary)
{
    int count = 0;
    for (int i = 0; i < SRV_MAX_OBJECTS; i++) {
        const SrvObject *o = &v->objects[i];
        const SrvMask *k = o->id ? srv_object_mask(o, n) : NULL;
        if (!k)
            continue;
        srv_mask_paint(k, img, binary ? 1 : (uint8_t)o->id);
        count++;
    }
    return count;
}

int srv_objects_count(SrvVideo *v)
{
    int count = 0;
    for (int i = 0; i < SRV_MAX_OBJECTS; i++)
        count += v->objects[i].id && masked_frames(v, &v->objects[i]) > 0;
    return count;
}

void srv_objects_free(SrvVideo *v)
{
    for (int i = 0; i < SRV_MAX_OBJECTS; i++) {
        free_masks(&v->objects[i]);
        v->objects[i].id = 0;
    }
}
