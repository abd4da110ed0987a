/* Image sequences: a directory of images sorted by name, printf patterns, single images. */
#include "io/io.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

static const char image_exts[] = "png,jpg,jpeg,bmp,tif,tiff,webp,ppm,pgm,pnm,tga,gif,exr,dpx,jp2";

/* 1 if name's extension is in the comma-separated list exts. */
static int has_ext(const char *name, const char *exts)
{
    const char *dot = strrchr(name, '.');
    size_t n;
    if (!dot || dot == name)
        return 0;
    dot++;
    n = strlen(dot);
    for (const char *p = exts; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && !strncasecmp(p, dot, n))
            return 1;
        p += len + (e ? 1 : 0);
    }
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a copy of s to the list, growing it geometrically. */
static int push(VniNameList *l, size_t *cap, const char *dir, const char *name)
{
    char *s;
    size_t len = strlen(dir) + strlen(name) + 2;
    if (l->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        char **nn = realloc(l->names, nc * sizeof(*nn));
        if (!nn)
            return -ENOMEM;
        l->names = nn;
        *cap = nc;
    }
    if (!(s = malloc(len)))
        return -ENOMEM;
    snprintf(s, len, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    l->names[l->n++] = s;
    return 0;
}

int vni_list_dir(VnContext *ctx, const char *dir, const char *exts, VniNameList *out)
{
    DIR *d;
    struct dirent *e;
    size_t cap = 0;
    int ret = 0;
    memset(out, 0, sizeof(*out));
    if (!(d = opendir(dir)))
        return vni_error(ctx, -errno, "%s: %s", dir, strerror(errno));
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !has_ext(e->d_name, exts ? exts : image_exts))
            continue;
        if ((ret = push(out, &cap, dir, e->d_name)) < 0)
            break;
    }
    closedir(d);
    if (ret < 0) {
        vni_names_free(out);
        return vni_error(ctx, ret, "%s: out of memory", dir);
    }
    if (out->n)
        qsort(out->names, out->n, sizeof(*out->names), cmp_names);
    return 0;
}

void vni_names_free(VniNameList *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = 0;
}

int vni_is_pattern(const char *path)
{
    const char *p = strrchr(path, '/');
    int n = 0;
    for (p = p ? p : path; *p; p++) {
        if (*p != '%')
            continue;
        if (p[1] == '%') {
            p++;
            continue;
        }
        p++;
        while (isdigit((unsigned char)*p))
            p++;
        if (*p != 'd')
            return 0;
        n++;
    }
    return n == 1;
}

int vni_decode_image(VnContext *ctx, const char *path, AVFrame *out)
{
    VniDecoder d;
    int ret;
    if ((ret = vni_decoder_open(ctx, &d, path, 1)) < 0)
        return ret;
    ret = vni_decoder_next(ctx, &d, out, path);
    if (ret == 0)
        ret = vni_error(ctx, VN_ERR_INVALIDDATA, "%s: truncated or corrupt (no image decoded)", path);
    vni_decoder_close(&d);
    return ret < 0 ? ret : 0;
}
