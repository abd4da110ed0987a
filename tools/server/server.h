/*
 * The HTTP server behind `vanish gui`: a JSON API over the public vanish API and the embedded
 * page (web/). See docs/http-api.md. Uses the public headers only.
 */
#ifndef VANISH_TOOLS_SERVER_H
#define VANISH_TOOLS_SERVER_H

#include <stddef.h>
#include <stdint.h>

typedef struct SrvConfig {
    const char *host;          /* address to bind (default "127.0.0.1") */
    int port;                  /* 0 = any free port */
    const char *token;         /* required on every request; NULL = none on loopback, generated
                                  for any other address */
    int64_t max_upload;        /* bytes; default 2 GiB */
    int64_t cache_bytes;       /* disk held by each video's frame cache; default 512 MiB; 0 keeps
                                  only the frames in use (evicted frames are decoded again) */
    const char *const *allow;  /* directories whose files may be opened by path */
    int n_allow;
    const char *input;         /* a video to open at start, or NULL */
    int threads;               /* library threads per job; 0 = all cores */
    int verbose;               /* log requests and library messages to stderr */
} SrvConfig;

typedef struct SrvServer SrvServer;

/* Fill c with the defaults above. */
void srv_default_config(SrvConfig *c);

/* Start listening (the server runs on its own threads). On failure *s is NULL and err holds a
 * one-line message. */
int srv_start(SrvServer **s, const SrvConfig *c, char *err, size_t err_size);

/* The port bound and the token in force ("" if none). */
int srv_port(const SrvServer *s);
const char *srv_token(const SrvServer *s);

/* The id of the video opened from SrvConfig.input ("" if none). */
const char *srv_input_id(const SrvServer *s);

/* Stop listening, cancel and join every job, remove the temporary files; *s becomes NULL. */
void srv_stop(SrvServer **s);

#endif
