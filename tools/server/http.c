/* HTTP responses: JSON, errors as JSON with a message, buffers, files with byte ranges. */
#include "srv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void srv_common_headers(struct MHD_Response *r, int page)
{
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", page ? "no-cache" : "no-store");
    if (page) {
        MHD_add_response_header(r, "X-Frame-Options", "DENY");
        MHD_add_response_header(r, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
                                "style-src 'self'; script-src 'self'; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    }
}

/* Queue r with status and drop our reference. */
static enum MHD_Result queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
    enum MHD_Result ret;
    if (!r)
        return MHD_NO;
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result srv_send_buffer(struct MHD_Connection *c, unsigned status, const char *mime,
                                void *data, size_t size, int must_free)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        size, data, must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!r) {
        if (must_free)
            free(data);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", mime);
    srv_common_headers(r, 0);
    return queue(c, status, r);
}

enum MHD_Result srv_send_json(struct MHD_Connection *c, unsigned status, cJSON *json)
{
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (!text)
        return srv_send_buffer(c, 500, "application/json", "{\"error\":\"out of memory\"}", 25, 0);
    return srv_send_buffer(c, status, "application/json", text, strlen(text), 1);
}

enum MHD_Result srv_send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
    char msg[600];
    cJSON *j = cJSON_CreateObject();
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (j) {
        cJSON_AddStringToObject(j, "error", msg);
        cJSON_AddNumberToObject(j, "status", status);
    }
    return srv_send_json(c, status, j);
}

/* Parse "bytes=A-B", "bytes=A-" or "bytes=-N" against a file of `size` bytes: 1 with the
 * range, 0 if there is no usable single range (answer the whole file), -1 if unsatisfiable. */
static int parse_range(const char *h, int64_t size, int64_t *start, int64_t *end)
{
    char *e;
    long long a, b;
    if (!h || strncmp(h, "bytes=", 6) || strchr(h, ','))
        return 0;
    h += 6;
    if (*h == '-') {
        b = strtoll(h + 1, &e, 10);
        if (*e || b <= 0 || e == h + 1)
            return 0;
        *start = size > b ? size - b : 0;
        *end = size - 1;
        return size > 0 ? 1 : -1;
    }
    a = strtoll(h, &e, 10);
    if (e == h || *e != '-' || a < 0)
        return 0;
    h = e + 1;
    b = *h ? strtoll(h, &e, 10) : size - 1;
    if (*h && (*e || b < a))
        return 0;
    if (a >= size)
        return -1;
    *start = a;
    *end = b < size ? b : size - 1;
    return 1;
}

enum MHD_Result srv_send_file(struct MHD_Connection *c, const char *path, const char *mime,
                              const char *download_name)
{
    const char *rh = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
    struct MHD_Response *r;
    struct stat st;
    int64_t start = 0, end = 0;
    char buf[400];
    int fd = open(path, O_RDONLY | O_CLOEXEC), ranged;
    if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return srv_send_error(c, 404, "not found");
    }
    ranged = parse_range(rh, st.st_size, &start, &end);
    if (ranged < 0) {
        close(fd);
        r = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
        snprintf(buf, sizeof(buf), "bytes */%lld", (long long)st.st_size);
        MHD_add_response_header(r, "Content-Range", buf);
        return queue(c, 416, r);
    }
    if (!ranged) {
        start = 0;
        end = st.st_size - 1;
    }
    r = MHD_create_response_from_fd_at_offset64((uint64_t)(end - start + 1), fd, (uint64_t)start);
    if (!r) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", mime);
    MHD_add_response_header(r, "Accept-Ranges", "bytes");
    srv_common_headers(r, 0);
    if (ranged) {
        snprintf(buf, sizeof(buf), "bytes %lld-%lld/%lld", (long long)start, (long long)end, (long long)st.st_size);
        MHD_add_response_header(r, "Content-Range", buf);
    }
    if (download_name) {
        snprintf(buf, sizeof(buf), "attachment; filename=\"%.300s\"", download_name);
        MHD_add_response_header(r, "Content-Disposition", buf);
    }
    return queue(c, ranged ? 206 : 200, r);
}
