/*
 * OUTDIR/keyframes.json: written with fprintf, read by a small parser of exactly the JSON this
 * file writes (an object of numbers, strings, an array of integers and an object of settings;
 * no escapes), which keeps an error flag and checks the result once at the end.
 */
#include "pipeline/track_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "pipeline/track_plan.h"

#define MAX_BYTES (1 << 20)

/* ---- writing ---- */

int vni_track_record_make(VnContext *ctx, VnTrackRecord *rec, const VnTrackKey *keys, int n_keys,
                          int64_t n_frames, const VnTrackSettings *s)
{
    memset(rec, 0, sizeof(*rec));
    if (n_keys < 1 || n_keys > VN_TRACK_MAX_KEYS || !keys[0].mask)
        return vni_error(ctx, -EINVAL, "track: %d keyframes (1 to %d can be recorded)", n_keys, VN_TRACK_MAX_KEYS);
    rec->n_frames = n_frames, rec->n_keys = n_keys;
    rec->width = keys[0].mask->width, rec->height = keys[0].mask->height;
    for (int i = 0; i < n_keys; i++)
        rec->keys[i] = keys[i].frame;
    qsort(rec->keys, (size_t)n_keys, sizeof(int64_t), vni_cmp_i64);
    if (s)
        rec->settings = *s;
    else
        vn_track_default_settings(&rec->settings);
    return 0;
}

static void write_settings(FILE *f, const VnTrackSettings *s)
{
    char buf[64];
    const char *sep = "";
    fputs("  \"settings\": {", f);
    for (const VnOption *o = vn_track_options(); o->name; o++, sep = ", ") {
        if (o->type == VN_OPT_FLOAT) /* enough digits to read back the same float */
            snprintf(buf, sizeof(buf), "%.9g", *(const float *)((const char *)s + o->offset));
        else
            vn_option_format(o, s, buf, sizeof(buf));
        fprintf(f, "%s\"%s\": \"%s\"", sep, o->name, buf);
    }
    fputs("}\n", f);
}

static void write_json(FILE *f, const VnTrackRecord *rec)
{
    fprintf(f, "{\n  \"format\": \"vanish-track\",\n  \"version\": 1,\n  \"frames\": %lld,\n", (long long)rec->n_frames);
    fprintf(f, "  \"width\": %d,\n  \"height\": %d,\n  \"keyframes\": [", rec->width, rec->height);
    for (int i = 0; i < rec->n_keys; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)rec->keys[i]);
    fputs("],\n", f);
    write_settings(f, &rec->settings);
    fputs("}\n", f);
}

int vni_track_record_write(VnContext *ctx, const char *dir, const VnTrackRecord *rec)
{
    char path[4200], tmp[4300];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, VNI_TRACK_RECORD_NAME);
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
    if (!(f = fopen(tmp, "w")))
        return vni_error(ctx, -errno, "%s: cannot write: %s", tmp, strerror(errno));
    write_json(f, rec);
    int bad = ferror(f);
    if (fclose(f) || bad || rename(tmp, path) < 0) {
        int err = errno ? -errno : -EIO;
        unlink(tmp);
        return vni_error(ctx, err, "%s: cannot write: %s", path, strerror(-err));
    }
    return 0;
}

/* ---- reading ---- */

typedef struct Parser {
    const char *p, *end;
    int err;
} Parser;

static void skip_ws(Parser *q)
{
    while (q->p < q->end && (*q->p == ' ' || *q->p == '\n' || *q->p == '\r' || *q->p == '\t'))
        q->p++;
}

/* Consume character c (after white space); sets the error flag if it is not there. */
static int eat(Parser *q, char c)
{
    skip_ws(q);
    if (q->p < q->end && *q->p == c) {
        q->p++;
        return 1;
    }
    q->err = 1;
    return 0;
}

/* 1 if the next character (after white space) is c, without consuming it. */
static int peek(Parser *q, char c)
{
    skip_ws(q);
    return q->p < q->end && *q->p == c;
}

/* A string without escapes into buf, or a bare token (number, true, false). */
static void token(Parser *q, char *buf, size_t size)
{
    size_t n = 0;
    int quoted = peek(q, '"');
    q->p += quoted;
    while (q->p < q->end && n + 1 < size) {
        char c = *q->p;
        if (quoted ? c == '"' : !(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            break;
        if ((unsigned char)c < 0x20 || c == '\\')
            break;
        buf[n++] = c, q->p++;
    }
    buf[n] = 0;
    if ((quoted && !eat(q, '"')) || (!quoted && n == 0))
        q->err = 1;
}

/* An integer in [lo, hi]. */
static int64_t integer(Parser *q, int64_t lo, int64_t hi)
{
    char buf[32], *e;
    token(q, buf, sizeof(buf));
    errno = 0;
    long long v = strtoll(buf, &e, 10);
    if (q->err || e == buf || *e || errno || v < lo || v > hi)
        q->err = 1;
    return q->err ? lo : v;
}

static void keyframes(Parser *q, VnTrackRecord *rec)
{
    eat(q, '[');
    rec->n_keys = 0;
    while (!q->err && !peek(q, ']')) {
        if (rec->n_keys && !eat(q, ','))
            break;
        if (rec->n_keys >= VN_TRACK_MAX_KEYS)
            q->err = 1;
        else
            rec->keys[rec->n_keys++] = integer(q, 0, INT64_MAX - 1);
    }
    eat(q, ']');
}

static void settings(Parser *q, VnTrackSettings *s)
{
    char name[64], value[64];
    int n = 0;
    vn_track_default_settings(s);
    eat(q, '{');
    while (!q->err && !peek(q, '}')) {
        if (n++ && !eat(q, ','))
            break;
        token(q, name, sizeof(name));
        eat(q, ':');
        token(q, value, sizeof(value));
        if (!q->err && vn_option_set(vn_track_options(), s, name, value) < 0)
            q->err = 1;
    }
    eat(q, '}');
}

/* One "name": value member of the top object. */
static void member(Parser *q, VnTrackRecord *rec, int *seen)
{
    char name[32], text[32];
    token(q, name, sizeof(name));
    eat(q, ':');
    if (!strcmp(name, "format")) {
        token(q, text, sizeof(text));
        q->err |= strcmp(text, "vanish-track") != 0;
        *seen |= 16;
    } else if (!strcmp(name, "version"))
        q->err |= integer(q, 1, 1) != 1;
    else if (!strcmp(name, "frames"))
        rec->n_frames = integer(q, 1, INT64_MAX / 2), *seen |= 1;
    else if (!strcmp(name, "width"))
        rec->width = (int)integer(q, 1, 1 << 16), *seen |= 2;
    else if (!strcmp(name, "height"))
        rec->height = (int)integer(q, 1, 1 << 16), *seen |= 4;
    else if (!strcmp(name, "keyframes"))
        keyframes(q, rec), *seen |= 8;
    else if (!strcmp(name, "settings"))
        settings(q, &rec->settings);
    else
        q->err = 1;
}

/* 0 if rec is complete and consistent. */
static int check(const VnTrackRecord *rec, int seen)
{
    if (seen != 31 || rec->n_keys < 1)
        return -1;
    for (int i = 0; i < rec->n_keys; i++)
        if (rec->keys[i] >= rec->n_frames || (i && rec->keys[i] <= rec->keys[i - 1]))
            return -1;
    return 0;
}

static int parse(const char *text, size_t n, VnTrackRecord *rec)
{
    Parser q = {text, text + n, 0};
    int seen = 0, members = 0;
    memset(rec, 0, sizeof(*rec));
    vn_track_default_settings(&rec->settings);
    eat(&q, '{');
    while (!q.err && !peek(&q, '}')) {
        if (members++ && !eat(&q, ','))
            break;
        member(&q, rec, &seen);
    }
    eat(&q, '}');
    skip_ws(&q);
    return q.err || q.p != q.end || check(rec, seen) < 0 ? -1 : 0;
}

/* Read the whole file (at most MAX_BYTES) into a NUL-terminated buffer. */
static int slurp(const char *path, char **out, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    char *buf = malloc(MAX_BYTES + 1);
    size_t got = buf ? fread(buf, 1, MAX_BYTES + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return -ENOMEM;
    if (bad || got > MAX_BYTES) {
        free(buf);
        return bad ? -EIO : -EFBIG;
    }
    buf[got] = 0;
    *out = buf, *n = got;
    return 0;
}

int vn_track_record_load(VnContext *ctx, const char *outdir, VnTrackRecord *rec)
{
    char path[4200], *text = NULL;
    size_t n = 0;
    struct stat st;
    int ret;
    if (!ctx || !outdir || !rec || strlen(outdir) > 4000)
        return ctx ? vni_error(ctx, -EINVAL, "track: bad masks directory") : -EINVAL;
    if (stat(outdir, &st) < 0 || !S_ISDIR(st.st_mode))
        return vni_error(ctx, -ENOENT, "%s: is not a directory of tracked masks", outdir);
    snprintf(path, sizeof(path), "%s/%s", outdir, VNI_TRACK_RECORD_NAME);
    if ((ret = slurp(path, &text, &n)) < 0)
        return vni_error(ctx, ret, "%s: cannot read it (%s); was the directory written by vanish track?", path,
                         strerror(-ret));
    ret = parse(text, n, rec);
    free(text);
    if (ret < 0)
        return vni_error(ctx, VN_ERR_INVALIDDATA, "%s: not a valid keyframe record", path);
    return 0;
}
