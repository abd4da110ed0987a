/* Small helpers of the server: random ids, secret comparison, allowed paths, directories. */
#include "srv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int srv_random_hex(char *out, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[64];
    size_t got = 0;
    if (n > 2 * sizeof(raw))
        return -EINVAL;
    while (got < (n + 1) / 2) {
        ssize_t r = getrandom(raw + got, (n + 1) / 2 - got, 0);
        if (r < 0 && errno != EINTR)
            return -errno;
        if (r > 0)
            got += (size_t)r;
    }
    for (size_t i = 0; i < n; i++)
        out[i] = hex[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    out[n] = '\0';
    return 0;
}

int srv_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = la != lb;
    for (size_t i = 0; i < la; i++)
        diff |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
    return diff == 0 && lb > 0;
}

/* 1 if `path` is `dir` itself or lies below it (both resolved). */
static int inside(const char *dir, const char *path)
{
    size_t n = strlen(dir);
    if (n == 1 && dir[0] == '/')
        return 1;
    return !strncmp(dir, path, n) && (path[n] == '/' || path[n] == '\0');
}

int srv_path_allowed(const SrvServer *s, const char *path, char *out, size_t size)
{
    char real[PATH_MAX];
    struct stat st;
    if (!path || !*path || strlen(path) >= PATH_MAX)
        return -EINVAL;
    if (!realpath(path, real))
        return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -EACCES;
    for (int i = 0; i < s->n_allow; i++) {
        if (!inside(s->allow[i], real))
            continue;
        if (stat(real, &st))
            return -ENOENT;
        if (S_ISDIR(st.st_mode))
            return -EISDIR;
        if (!S_ISREG(st.st_mode))
            return -EACCES;
        if (strlen(real) >= size)
            return -ENAMETOOLONG;
        strcpy(out, real);
        return 0;
    }
    return -EACCES;
}

int srv_make_dir(const char *parent, const char *prefix, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%sXXXXXX", parent, prefix);
    if (n < 0 || (size_t)n >= size)
        return -ENAMETOOLONG;
    if (!mkdtemp(out))
        return -errno;
    return 0;
}

/* Remove the entries of an open directory, recursing into directories (never following links). */
static void remove_entries(int dfd)
{
    DIR *d = fdopendir(dfd);
    struct dirent *e;
    if (!d) {
        close(dfd);
        return;
    }
    while ((e = readdir(d))) {
        struct stat st;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW))
            continue;
        if (S_ISDIR(st.st_mode)) {
            int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
            if (sub >= 0)
                remove_entries(sub);
            unlinkat(dfd, e->d_name, AT_REMOVEDIR);
        } else {
            unlinkat(dfd, e->d_name, 0);
        }
    }
    closedir(d);
}

void srv_remove_tree(const char *dir)
{
    int fd;
    if (!dir || !*dir)
        return;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        return;
    remove_entries(fd);
    rmdir(dir);
}

/* Library messages go to stderr only with --verbose. */
static void log_stderr(void *cookie, int level, const char *msg)
{
    (void)cookie;
    fprintf(stderr, "vanish gui: %s%s\n", level == VN_LOG_ERROR ? "error: " : level == VN_LOG_WARNING ? "warning: " : "", msg);
}

int srv_open_context(const SrvServer *s, VnContext **ctx, int threads, VnProgressFn cb,
                     void *cookie)
{
    VnSettings st;
    vn_default_settings(&st);
    st.n_threads = threads;
    st.progress_cb = cb;
    st.progress_cookie = cookie;
    if (s->cfg.verbose) {
        st.log_cb = log_stderr;
        st.log_level = VN_LOG_INFO;
    }
    return vn_open(ctx, &st);
}

void srv_safe_name(const char *in, char *out, size_t size)
{
    size_t j = 0;
    const char *base = strrchr(in, '/');
    base = base ? base + 1 : in;
    for (size_t i = 0; base[i] && j + 1 < size && j < 120; i++) {
        char ch = base[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                 ch == '-' || ch == '_' || (ch == '.' && j > 0);
        out[j++] = ok ? ch : '_';
    }
    if (!j && size > 5)
        j = (size_t)snprintf(out, size, "video");
    out[j] = '\0';
}

int srv_json_int(const cJSON *obj, const char *name, int64_t min, int64_t max, int64_t def,
                 int64_t *out, char *err, size_t err_size)
{
    const cJSON *it = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
    double d;
    if (!it || cJSON_IsNull(it)) {
        if (def == SRV_REQUIRED) {
            snprintf(err, err_size, "'%s' is missing", name);
            return -EINVAL;
        }
        *out = def;
        return 0;
    }
    d = it->valuedouble;
    if (!cJSON_IsNumber(it) || d != d || d < (double)min || d > (double)max || d != (double)(int64_t)d) {
        snprintf(err, err_size, "'%s' must be an integer from %lld to %lld", name, (long long)min,
                 (long long)max);
        return -EINVAL;
    }
    *out = (int64_t)d;
    return 0;
}

int srv_json_options(const VnOption *table, void *s, const cJSON *opts, char *err,
                     size_t err_size)
{
    const cJSON *it;
    if (!opts || cJSON_IsNull(opts))
        return 0;
    if (!cJSON_IsObject(opts)) {
        snprintf(err, err_size, "'options' must be an object");
        return -EINVAL;
    }
    cJSON_ArrayForEach(it, opts) {
        char text[64];
        int ret;
        if (!it->string || !vn_option_find(table, it->string)) {
            snprintf(err, err_size, "unknown option '%.60s'", it->string ? it->string : "");
            return -EINVAL;
        }
        if (cJSON_IsNumber(it))
            snprintf(text, sizeof(text), "%.17g", it->valuedouble);
        else if (cJSON_IsBool(it))
            snprintf(text, sizeof(text), "%s", cJSON_IsTrue(it) ? "true" : "false");
        else if (cJSON_IsString(it) && strlen(it->valuestring) < sizeof(text))
            snprintf(text, sizeof(text), "%s", it->valuestring);
        else {
            snprintf(err, err_size, "option '%.60s': bad value", it->string);
            return -EINVAL;
        }
        if ((ret = vn_option_set(table, s, it->string, text)) < 0) {
            snprintf(err, err_size, "option '%.60s': '%.60s' %s", it->string, text,
                     ret == -ERANGE ? "is out of range" : "is not a valid value");
            return -EINVAL;
        }
    }
    return 0;
}

cJSON *srv_options_json(const VnOption *table)
{
    static const char *const types[] = {"int", "float", "bool", "choice"};
    cJSON *a = cJSON_CreateArray();
    for (const VnOption *o = table; a && o->name; o++) {
        cJSON *j = cJSON_CreateObject();
        if (!j)
            break;
        cJSON_AddStringToObject(j, "name", o->name);
        cJSON_AddStringToObject(j, "help", o->help ? o->help : "");
        cJSON_AddStringToObject(j, "type", o->type >= 0 && o->type <= 3 ? types[o->type] : "int");
        cJSON_AddNumberToObject(j, "default", o->def);
        cJSON_AddNumberToObject(j, "min", o->min);
        cJSON_AddNumberToObject(j, "max", o->max);
        if (o->type == VN_OPT_CHOICE && o->choices) {
            cJSON *c = cJSON_CreateArray();
            for (int i = 0; c && o->choices[i]; i++)
                cJSON_AddItemToArray(c, cJSON_CreateString(o->choices[i]));
            cJSON_AddItemToObject(j, "choices", c);
        }
        cJSON_AddItemToArray(a, j);
    }
    return a;
}
