/*
 * The server: libmicrohttpd with a thread per connection (a slow request never holds up
 * another; long work runs on job threads), access control (token, Host check, a custom header
 * on every state-changing request), request bodies (JSON in memory, uploads streamed to disk)
 * and the embedded page.
 */
#include "srv.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

void srv_default_config(SrvConfig *c)
{
    memset(c, 0, sizeof(*c));
    c->host = "127.0.0.1";
    c->max_upload = (int64_t)2 << 30;
    c->cache_bytes = (int64_t)512 << 20;
}

int srv_port(const SrvServer *s)
{
    return s->port;
}

const char *srv_token(const SrvServer *s)
{
    return s->token;
}

const char *srv_input_id(const SrvServer *s)
{
    return s->input_id;
}

/* The token a request carries: X-Vanish-Token, Authorization: Bearer, or ?token=. */
static const char *request_token(struct MHD_Connection *c)
{
    const char *t = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vanish-Token");
    const char *a = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (t)
        return t;
    if (a && !strncmp(a, "Bearer ", 7))
        return a + 7;
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
}

/* Without a token (loopback only), the Host header must name the loopback address: a page of
 * another site that a DNS name re-bound to 127.0.0.1 cannot talk to us. */
static int host_ok(const SrvServer *s, struct MHD_Connection *c)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    static const char *const names[] = {"127.0.0.1", "localhost", "[::1]"};
    char want[64];
    if (!h)
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(want, sizeof(want), "%s:%d", names[i], s->port);
        if (!strcmp(h, want))
            return 1;
    }
    return 0;
}

/* 0 if the request may go on, else the status to answer (message in err). */
static unsigned check_access(const SrvServer *s, struct MHD_Connection *c, const char *method,
                             const char *url, char *err, size_t err_size)
{
    const char *t;
    int safe = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    if (!safe && strcmp(method, "POST") && strcmp(method, "DELETE")) {
        snprintf(err, err_size, "method %.10s is not allowed", method);
        return 405;
    }
    if (s->token[0]) {
        t = request_token(c);
        if (!t || !srv_secret_equal(t, s->token)) {
            snprintf(err, err_size, "a valid token is needed (open the URL that vanish gui printed)");
            return 401;
        }
    } else if (!host_ok(s, c)) {
        snprintf(err, err_size, "bad Host header");
        return 403;
    }
    /* A cross-site form or image cannot set a custom header: only our page changes state. */
    if (!safe && !MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Vanish")) {
        snprintf(err, err_size, "state-changing requests need the X-Vanish header");
        return 403;
    }
    (void)url;
    return 0;
}

/* Answer a request for the page: an embedded file or 404 (no listings, no file system). */
static enum MHD_Result send_asset(struct MHD_Connection *c, const char *url)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    if (!strcmp(url, "/"))
        url = "/index.html";
    for (const SrvAsset *a = srv_assets; a->path; a++) {
        if (strcmp(a->path, url))
            continue;
        r = MHD_create_response_from_buffer(a->size, (void *)a->data, MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        MHD_add_response_header(r, "Content-Type", a->mime);
        srv_common_headers(r, 1);
        ret = MHD_queue_response(c, 200, r);
        MHD_destroy_response(r);
        return ret;
    }
    return srv_send_error(c, 404, "not found");
}

/* First call of a request: access checks, and where the body will go. */
static enum MHD_Result begin(SrvServer *s, struct MHD_Connection *c, const char *url,
                             const char *method, SrvRequest *r)
{
    const char *len = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    char err[300];
    unsigned status = check_access(s, c, method, url, err, sizeof(err));
    if (status)
        return (r->failed = (int)status), srv_send_error(c, status, "%s", err);
    if (!strcmp(method, "POST") && !strcmp(url, "/api/videos/upload")) {
        if ((status = (unsigned)srv_upload_begin(s, c, r, err, sizeof(err))))
            return (r->failed = (int)status), srv_send_error(c, status, "%s", err);
    } else if (len && strtoll(len, NULL, 10) > SRV_MAX_JSON) {
        r->failed = 413;
        return srv_send_error(c, 413, "the request body is too large");
    }
    return MHD_YES;
}

/* Take a piece of the body: into the upload file or the JSON buffer. */
static void take_body(SrvRequest *r, const char *data, size_t size)
{
    char *b;
    if (r->upload) {
        srv_upload_data(r, data, size);
        return;
    }
    if (r->failed)
        return;
    if (r->body_len + size > SRV_MAX_JSON || !(b = realloc(r->body, r->body_len + size + 1))) {
        r->failed = 413;
        snprintf(r->fail_msg, sizeof(r->fail_msg), "the request body is too large");
        return;
    }
    memcpy(b + r->body_len, data, size);
    r->body = b;
    r->body_len += size;
    b[r->body_len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    SrvServer *s = cls;
    SrvRequest *r = *con_cls;
    (void)version;
    if (!r) {
        if (!(r = calloc(1, sizeof(*r))))
            return MHD_NO;
        r->fd = -1;
        *con_cls = r;
        if (s->cfg.verbose)
            fprintf(stderr, "vanish gui: %s %s\n", method, url);
        return begin(s, c, url, method, r);
    }
    if (*upload_data_size) {
        if (!r->failed || r->upload)
            take_body(r, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (r->failed && r->fail_msg[0])
        return srv_send_error(c, (unsigned)r->failed, "%s", r->fail_msg);
    if (r->failed)
        return MHD_YES; /* answered at the first call */
    if (!strncmp(url, "/api/", 5))
        return srv_api(s, c, url, method, r);
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return srv_send_error(c, 405, "method not allowed");
    return send_asset(c, url);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    srv_request_free(*con_cls);
    *con_cls = NULL;
}

/* Resolve the host to bind into addr (numeric or a name such as "localhost"). */
static int resolve(const char *host, int port, struct sockaddr_storage *addr, int *ipv6)
{
    struct addrinfo hints = {0}, *res = NULL;
    char p[16];
    snprintf(p, sizeof(p), "%d", port);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    if (getaddrinfo(host, p, &hints, &res) || !res)
        return -EINVAL;
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *ipv6 = res->ai_family == AF_INET6;
    freeaddrinfo(res);
    return 0;
}

static int is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    if (a->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
    return 0;
}

/* Resolve the allowed directories once: requests compare real paths. */
static int resolve_allow(SrvServer *s, const SrvConfig *c, char *err, size_t err_size)
{
    char real[PATH_MAX];
    if (c->n_allow && !(s->allow = calloc((size_t)c->n_allow, sizeof(*s->allow))))
        return -ENOMEM;
    for (int i = 0; i < c->n_allow; i++) {
        if (!realpath(c->allow[i], real)) {
            snprintf(err, err_size, "--allow %s: %s", c->allow[i], strerror(errno));
            return -errno;
        }
        if (!(s->allow[s->n_allow++] = strdup(real)))
            return -ENOMEM;
    }
    return 0;
}

/* Open the command line's input as the first video. */
static int open_input(SrvServer *s, const char *input, char *err, size_t err_size)
{
    char real[PATH_MAX], dir[PATH_MAX], msg[400];
    SrvVideo *v = NULL;
    int ret;
    if (!realpath(input, real)) {
        snprintf(err, err_size, "%s: %s", input, strerror(errno));
        return -errno;
    }
    if ((ret = srv_make_dir(s->tmp_root, "video-", dir, sizeof(dir))) < 0) {
        snprintf(err, err_size, "cannot make a working directory: %s", strerror(-ret));
        return ret;
    }
    if ((ret = srv_video_open(s, real, real, dir, 0, &v, msg, sizeof(msg))) < 0) {
        srv_remove_tree(dir);
        snprintf(err, err_size, "%s", msg);
        return ret;
    }
    snprintf(s->input_id, sizeof(s->input_id), "%s", v->id);
    return srv_video_add(s, v);
}

/*
 * Remove what servers that did not stop cleanly (killed, crashed) left in tmp: the directories
 * vanish-gui-PID-XXXXXX of this user whose process no longer exists. A clean stop removes its
 * own (srv_stop).
 */
static void remove_stale(const char *tmp)
{
    DIR *d = opendir(tmp);
    struct dirent *e;
    char path[PATH_MAX];
    if (!d)
        return;
    while ((e = readdir(d))) {
        struct stat st;
        int pid = 0, end = 0;
        if (sscanf(e->d_name, "vanish-gui-%d-%*6[A-Za-z0-9]%n", &pid, &end) != 1 || e->d_name[end] ||
            pid <= 0 || pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH)
            continue;
        snprintf(path, sizeof(path), "%s/%s", tmp, e->d_name);
        if (!lstat(path, &st) && S_ISDIR(st.st_mode) && st.st_uid == getuid())
            srv_remove_tree(path);
    }
    closedir(d);
}

/* The temporary root, the token and the allowed directories. */
static int prepare(SrvServer *s, const SrvConfig *c, int loopback, char *err, size_t err_size)
{
    const char *tmp = getenv("TMPDIR");
    char prefix[40];
    int ret;
    if (c->token) {
        if (strlen(c->token) < 8 || strlen(c->token) >= sizeof(s->token)) {
            snprintf(err, err_size, "--token: give 8 to %zu characters", sizeof(s->token) - 1);
            return -EINVAL;
        }
        snprintf(s->token, sizeof(s->token), "%s", c->token);
    } else if (!loopback && (ret = srv_random_hex(s->token, 32)) < 0) {
        snprintf(err, err_size, "cannot make a token");
        return ret;
    }
    tmp = tmp && *tmp ? tmp : "/tmp";
    remove_stale(tmp);
    snprintf(prefix, sizeof(prefix), "vanish-gui-%d-", (int)getpid());
    if ((ret = srv_make_dir(tmp, prefix, s->tmp_root, sizeof(s->tmp_root))) < 0) {
        s->tmp_root[0] = '\0';
        snprintf(err, err_size, "cannot make a temporary directory: %s", strerror(-ret));
        return ret;
    }
    return resolve_allow(s, c, err, err_size);
}

int srv_start(SrvServer **out, const SrvConfig *c, char *err, size_t err_size)
{
    SrvServer *s = calloc(1, sizeof(*s));
    struct sockaddr_storage addr;
    const union MHD_DaemonInfo *info;
    unsigned flags = MHD_USE_AUTO | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    int ipv6 = 0, ret;
    *out = NULL;
    if (!s) {
        snprintf(err, err_size, "out of memory");
        return -ENOMEM;
    }
    s->cfg = *c;
    pthread_mutex_init(&s->lock, NULL);
    if (c->port < 0 || c->port > 65535 || resolve(c->host, c->port, &addr, &ipv6) < 0) {
        snprintf(err, err_size, "cannot listen on %s port %d", c->host, c->port);
        ret = -EINVAL;
        goto fail;
    }
    if ((ret = prepare(s, c, is_loopback(&addr), err, err_size)) < 0)
        goto fail;
    if (c->input && (ret = open_input(s, c->input, err, err_size)) < 0)
        goto fail;
    s->daemon = MHD_start_daemon(flags | (ipv6 ? MHD_USE_IPv6 : 0) | (c->verbose ? MHD_USE_ERROR_LOG : 0),
                                 (uint16_t)c->port, NULL, NULL, on_request, s,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)128,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, err_size, "cannot listen on %s port %d (in use?)", c->host, c->port);
        ret = -EADDRINUSE;
        goto fail;
    }
    info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : c->port;
    *out = s;
    return 0;
fail:
    srv_stop(&s);
    return ret;
}

void srv_stop(SrvServer **sp)
{
    SrvServer *s = sp ? *sp : NULL;
    if (!s)
        return;
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    srv_jobs_stop_all(s);
    srv_video_release_all(s);
    for (int i = 0; i < s->n_allow; i++)
        free(s->allow[i]);
    free(s->allow);
    srv_remove_tree(s->tmp_root);
    pthread_mutex_destroy(&s->lock);
    free(s);
    *sp = NULL;
}
