/*
 * vn_track_to_dir: the tracking job writing one PNG per frame (DAVIS convention) into a
 * temporary directory beside the output, renamed to the output when complete.
 */
#include "vanish/track.h"
#include "vanish/video.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/internal.h"
#include "pipeline/track_dir.h"
#include "pipeline/track_record.h"

/* The sink: one PNG per frame, counting what it wrote. */
int vni_dir_sink_write(void *cookie, int64_t frame, const VnImage *mask)
{
    VniDirSink *d = cookie;
    char path[4200];
    snprintf(path, sizeof(path), "%s/%05lld.png", d->dir, (long long)frame);
    int ret = vn_mask_save_png(d->ctx, path, mask, d->binary);
    if (ret >= 0) {
        d->first = d->n_written ? d->first : frame;
        d->last = frame;
        d->n_written++;
    }
    return ret;
}

/* 1 when every keyframe mask holds only ids 0 and 1. */
int vni_only_id_one(const VnTrackKey *keys, int n)
{
    for (int k = 0; k < n; k++)
        for (int y = 0; keys[k].mask && y < keys[k].mask->height; y++) {
            const uint8_t *r = vn_image_row(keys[k].mask, y);
            for (int x = 0; x < keys[k].mask->width; x++)
                if (r[x] > 1)
                    return 0;
        }
    return 1;
}

/* Remove the files of directory `dir` (one level) and the directory. */
void vni_dir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4400];
    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* 1 if path is a directory with entries, 0 if missing or empty, -1 if it is something else. */
static int dir_state(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return 0;
    if (!S_ISDIR(st.st_mode))
        return -1;
    DIR *d = opendir(path);
    struct dirent *e;
    int full = 0;
    while (d && (e = readdir(d)))
        full |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return full;
}

/* Move every file of src into dst (replacing), then remove src. */
int vni_dir_move_files(const char *src, const char *dst)
{
    DIR *d = opendir(src);
    struct dirent *e;
    char a[4400], b[4400];
    int ret = 0;
    if (!d)
        return -errno;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(a, sizeof(a), "%s/%s", src, e->d_name);
            snprintf(b, sizeof(b), "%s/%s", dst, e->d_name);
            if (rename(a, b) < 0)
                ret = -errno;
        }
    closedir(d);
    rmdir(src);
    return ret;
}

/* Put the finished temporary directory in place. */
static int publish(VnContext *ctx, const char *tmp, const char *out)
{
    int st = dir_state(out);
    if (st == 0) {
        rmdir(out); /* an empty directory is replaced */
        if (rename(tmp, out) < 0)
            return vni_error(ctx, -errno, "%s: cannot rename %s to it: %s", out, tmp, strerror(errno));
        return 0;
    }
    int ret = vni_dir_move_files(tmp, out);
    return ret < 0 ? vni_error(ctx, ret, "%s: cannot move the masks into it: %s", out, strerror(-ret)) : 0;
}

int64_t vn_track_to_dir(VnContext *ctx, const char *input, const VnTrackKey *keys, int n_keys,
                        const char *outdir, int overwrite, const VnTrackSettings *s)
{
    VniDirSink d = {ctx, "", 1, 0, -1, -1};
    VnTrackRecord *rec = NULL;
    char out[4096];
    int64_t ret;
    if (!ctx || !outdir || !*outdir || strlen(outdir) >= sizeof(out) - 16)
        return ctx ? vni_error(ctx, -EINVAL, "track: bad output directory") : -EINVAL;
    snprintf(out, sizeof(out), "%s", outdir);
    for (size_t n = strlen(out); n > 1 && out[n - 1] == '/'; n--)
        out[n - 1] = 0;
    int st = dir_state(out);
    if (st < 0)
        return vni_error(ctx, -ENOTDIR, "%s: exists and is not a directory", out);
    if (st > 0 && !overwrite)
        return vni_error(ctx, -EEXIST, "%s: exists and is not empty (use -y to replace its masks)", out);
    snprintf(d.dir, sizeof(d.dir), "%s.tmp-XXXXXX", out);
    if (!mkdtemp(d.dir))
        return vni_error(ctx, -errno, "%s: cannot make a temporary directory beside it: %s", out, strerror(errno));
    d.binary = vni_only_id_one(keys, n_keys);
    ret = vn_track_video(ctx, input, keys, n_keys, s, vni_dir_sink_write, &d);
    if (ret >= 0 && !(rec = vni_malloc_array(1, sizeof(*rec))))
        ret = vni_error(ctx, -ENOMEM, "%s: out of memory", out);
    if (ret >= 0) {
        int r = vni_track_record_make(ctx, rec, keys, n_keys, ret, s);
        if (r >= 0)
            r = vni_track_record_write(ctx, d.dir, rec);
        if (r < 0)
            ret = r;
    }
    vni_free(rec);
    if (ret >= 0) {
        int r = publish(ctx, d.dir, out);
        if (r < 0)
            ret = r;
    }
    if (ret < 0)
        vni_dir_remove(d.dir);
    return ret;
}
