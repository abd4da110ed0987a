/* Files and names: same-file checks, temporary names beside the output, removal. */
#include "io/io.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int vni_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) || stat(b, &sb))
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

void vni_dirname(const char *path, char *buf, size_t size)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    while (n > 0 && path[n - 1] != '/')
        n--;
    while (n > 1 && path[n - 1] == '/')
        n--;
    if (n == 0)
        snprintf(buf, size, ".");
    else
        snprintf(buf, size, "%.*s", (int)n, path);
}

/* Split path into its directory (with the slash), base name and extension. */
static void split(const char *path, char *dir, char *base, char *ext, size_t size)
{
    size_t n = strlen(path), b, e;
    while (n > 1 && path[n - 1] == '/')
        n--;
    b = n;
    while (b > 0 && path[b - 1] != '/')
        b--;
    e = n;
    while (e > b && path[e - 1] != '.')
        e--;
    if (e <= b + 1)
        e = n; /* no extension (or a leading dot) */
    else
        e--;
    snprintf(dir, size, "%.*s", (int)b, path);
    snprintf(base, size, "%.*s", (int)(e - b), path + b);
    snprintf(ext, size, "%.*s", (int)(n - e), path + e);
}

int vni_make_temp(const char *path, int dir, char *buf, size_t size)
{
    char d[4096], base[4096], ext[4096];
    int fd;
    split(path, d, base, ext, sizeof(d));
    if (strlen(ext) > 64)
        ext[0] = '\0';
    if (snprintf(buf, size, "%s.%s.tmp-XXXXXX%s", d, base, dir ? "" : ext) >= (int)size)
        return -ENAMETOOLONG;
    if (dir) {
        if (!mkdtemp(buf))
            return -errno;
        chmod(buf, 0755); /* mkdtemp makes 0700; outputs are ordinary directories */
        return 0;
    }
    fd = mkstemps(buf, (int)strlen(ext));
    if (fd < 0)
        return -errno;
    fchmod(fd, 0644); /* mkstemps makes 0600; outputs are ordinary files */
    close(fd);
    return 0;
}

int vni_write_whole(const char *path, int (*fill)(FILE *f, void *arg), void *arg, int *created)
{
    char tmp[4352];
    FILE *f;
    int ret;
    *created = 0;
    if ((ret = vni_make_temp(path, 0, tmp, sizeof(tmp))) < 0)
        return ret;
    if (!(f = fopen(tmp, "wb"))) {
        ret = -errno;
        unlink(tmp);
        return ret;
    }
    *created = 1;
    ret = fill(f, arg);
    if (fclose(f) && ret >= 0)
        ret = -errno;
    if (ret >= 0 && rename(tmp, path))
        ret = -errno;
    if (ret < 0)
        unlink(tmp);
    return ret < 0 ? ret : 0;
}

void vni_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[4352];
    if (!d)
        return;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}
