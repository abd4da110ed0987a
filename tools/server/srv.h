/* Internals of the HTTP server: videos, their frame cache and masks, jobs, responses. */
#ifndef VANISH_TOOLS_SERVER_SRV_H
#define VANISH_TOOLS_SERVER_SRV_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "server.h"
#include "vanish/vanish.h"
#include "vanish/video.h"

#define SRV_ID_HEX 16                 /* ids are 16 random hex digits */
#define SRV_MAX_OBJECTS 8
#define SRV_MAX_VIDEOS 32
#define SRV_MAX_JOBS 64
#define SRV_PREVIEW_MAX 960           /* long side of the cached preview frames */
#define SRV_MAX_JSON (4 << 20)        /* largest JSON request body */
#define SRV_MAX_PROMPTS 64
#define SRV_MAX_FRAMES 10000000
#define SRV_CACHE_PINS 4              /* frames handed out last, never evicted */
#define SRV_LIVE_FRAMES 8             /* finished frames a removal job keeps for the page */
#define SRV_LIVE_INTERVAL_MS 100      /* at most one finished frame kept per interval */

/* ---- masks: run lengths (rle.c) ------------------------------------------------------------ */

/* A binary mask as run lengths over the rows (row-major), alternating background and object,
 * starting with background (which may be 0 long); the runs sum to width*height. */
typedef struct SrvMask {
    int key;          /* 1: drawn on this frame by the user; 0: made by tracking */
    size_t n;
    uint32_t runs[];
} SrvMask;

/* Runs of the pixels of img (1 channel, VN_U8) that are non-zero. NULL when out of memory. */
SrvMask *srv_mask_from_image(const VnImage *img, int key);

/* Set the pixels of the mask to `value` in img (same size as the mask). */
void srv_mask_paint(const SrvMask *m, VnImage *img, uint8_t value);

/* Number of object pixels. */
int64_t srv_mask_area(const SrvMask *m);

/* The runs as a JSON array of numbers. */
cJSON *srv_mask_json(const SrvMask *m);

/* A mask from run lengths in JSON (as srv_mask_json writes them), checked to be whole numbers
 * that cover the w x h frame exactly; NULL when they do not (or out of memory). */
SrvMask *srv_mask_from_json(const cJSON *a, int w, int h, int key);

/* Copy of a mask with another key flag. */
SrvMask *srv_mask_dup(const SrvMask *m, int key);

/* ---- videos (video.c, objects.c) ------------------------------------------------------- */

typedef struct SrvObject {
    int id;                  /* 1..SRV_MAX_OBJECTS; 0 = slot free */
    int is_static;           /* 1: one mask for every frame (a watermark found by detection):
                                `still` holds it, masks stays empty, tracking leaves it */
    SrvMask *still;          /* the static object's mask (key 0), NULL = none */
    SrvMask **masks;         /* per frame, NULL = none */
    int64_t cap;
    /* what the last finished track started from, so that tracking again re-tracks only what
     * the edits since then affect (vn_track_video_edit) */
    int64_t *track_keys;     /* its keyframes; NULL: not tracked (since the masks were cleared) */
    int n_track_keys;
    char *track_opts;        /* its options as JSON */
    int64_t *edited;         /* frames whose keyframe mask was set, changed or removed since */
    int n_edited, cap_edited;
} SrvObject;

typedef struct SrvCandidates {
    int64_t frame;
    int object;
    int n;
    SrvMask *mask[3];
    float score[3];
    int kind[3];
} SrvCandidates;

typedef struct SrvVideo {
    char id[SRV_ID_HEX + 1];
    char name[256];                /* file name shown on the page */
    char path[PATH_MAX];           /* the source */
    char dir[PATH_MAX];            /* working directory: frame cache, masks, jobs */
    int is_result;                 /* 1: the output of a remove job */
    VnVideoInfo info;
    int pw, ph;                    /* preview size */
    atomic_int refs;

    pthread_mutex_t lock;          /* guards everything below */
    pthread_cond_t cond;
    int64_t n_decoded;             /* frames in the cache */
    int decode_state;              /* 0 decoding, 1 done, < 0 failed */
    char decode_error[256];
    int stop;
    pthread_t decoder;
    int decoder_started;
    SrvObject objects[SRV_MAX_OBJECTS];
    int busy;                      /* a tracking job is writing masks */
    int detecting;                 /* an overlay detection job is running */
    uint64_t mask_version;         /* bumped on every mask change */

    /* the frame cache (cache.c), guarded by lock */
    uint32_t *cached[2];           /* bytes on disk of frame n's preview [0] and full-size [1]
                                      JPEG; 0 = not on disk */
    uint8_t *recent;               /* per frame: used since the clock hands passed (2 bits) */
    int64_t cache_cap;             /* length of the three tables */
    int64_t cache_bytes, cache_budget, n_cached[2], hand[2];
    int64_t pins[SRV_CACHE_PINS];  /* the frames whose paths srv_frame_file gave last (-1: none),
                                      kept so that their files stay while they are read */
    int next_pin;
    pthread_mutex_t fetch_lock;    /* the on-demand reader of evicted frames */
    VnContext *fetch_ctx;
    VnVideoReader *fetch;
    int64_t fetch_next;            /* the index of the frame it reads next */

    pthread_mutex_t seg_lock;      /* the segmenter session and its context */
    VnContext *seg_ctx;
    void *seg;                     /* VnSegmenter *, when segment.h exists */
    int64_t seg_frame;
    void *seg_st;                  /* the VnSegmentSettings the session was opened with */
    SrvCandidates cands;
} SrvVideo;

/* ---- jobs (jobs.c) ----------------------------------------------------------------------- */

enum SrvJobState { SRV_JOB_RUNNING = 0, SRV_JOB_DONE, SRV_JOB_FAILED, SRV_JOB_CANCELLED };


typedef struct SrvJob SrvJob;

/* A finished frame of a removal job, as a preview-size JPEG. */
typedef struct SrvLiveFrame {
    int64_t frame;                 /* -1: empty slot */
    uint8_t *jpeg;                 /* vn_image_encode's buffer */
    size_t size;
} SrvLiveFrame;

struct SrvJob {
    char id[SRV_ID_HEX + 1];
    const char *kind;              /* "track", "remove" or "overlay" */
    SrvVideo *video;               /* a reference */
    SrvServer *srv;
    pthread_t thread;
    atomic_int cancel;
    atomic_int refs;
    pthread_mutex_t lock;          /* guards the status below */
    int state;
    char stage[32];
    double progress;               /* 0..1 over the whole job */
    double p_base, p_span;         /* library fractions map to p_base + p_span * fraction */
    int64_t frames_done, n_frames;
    int64_t masks_written;         /* track: masks the tracker gave (fewer when re-tracking) */
    int object;                    /* overlay: the object made of the proposal (0: none) */
    int64_t overlay_pixels;        /* overlay: pixels of the proposal (0: nothing found) */
    char error[512];
    char result[PATH_MAX + 128];   /* remove: the output video */
    char result_video[SRV_ID_HEX + 1]; /* remove: the output opened as a video */
    SrvLiveFrame live[SRV_LIVE_FRAMES]; /* remove: the latest finished frames (a ring) */
    int64_t live_latest;           /* the newest of them, -1 before the first */
    int64_t live_ms;               /* when it was kept (monotonic ms) */
    cJSON *params;                 /* the request's options */
    int (*run)(SrvJob *job);
};

/* ---- the server (server.c) --------------------------------------------------------------- */

struct SrvServer {
    SrvConfig cfg;
    struct MHD_Daemon *daemon;
    int port;
    char token[80];
    char tmp_root[PATH_MAX];
    char **allow;                  /* realpath of the allowed directories */
    int n_allow;
    char input_id[SRV_ID_HEX + 1];
    pthread_mutex_t lock;          /* guards the tables */
    SrvVideo *videos[SRV_MAX_VIDEOS];
    SrvJob *jobs[SRV_MAX_JOBS];
};

/* ---- utilities (util.c) ------------------------------------------------------------------ */

/* n random hex digits and a NUL into out. */
int srv_random_hex(char *out, size_t n);

/* Constant-time string comparison: 1 if equal. */
int srv_secret_equal(const char *a, const char *b);

/* Resolve path and check that it lies inside one of the allowed directories: 0 with the
 * resolved path in out, -EACCES outside, -ENOENT missing, -EISDIR for a directory. */
int srv_path_allowed(const SrvServer *s, const char *path, char *out, size_t size);

/* Make a fresh directory under parent: "parent/prefixXXXXXX" into out. */
int srv_make_dir(const char *parent, const char *prefix, char *out, size_t size);

/* Remove a directory tree that the server made (does not follow links). */
void srv_remove_tree(const char *dir);

/* Open a context for the server's own use, with the configured thread count. */
int srv_open_context(const SrvServer *s, VnContext **ctx, int threads, VnProgressFn cb,
                     void *cookie);

/* Read integer field `name` of obj into *out: absent → def (or an error when def is
 * SRV_REQUIRED), not an integer or outside [min, max] → -EINVAL with a message in err. */
#define SRV_REQUIRED INT64_MIN
int srv_json_int(const cJSON *obj, const char *name, int64_t min, int64_t max, int64_t def,
                 int64_t *out, char *err, size_t err_size);

/* Apply {"name": value, ...} to settings s through an option table; a message in err for an
 * unknown name or a bad value. NULL opts is fine. */
int srv_json_options(const VnOption *table, void *s, const cJSON *opts, char *err,
                     size_t err_size);

/* The option table as JSON (name, help, type, default, min, max, choices). */
cJSON *srv_options_json(const VnOption *table);

/* Keep only a safe file name: letters, digits, '.', '-', '_' (others → '_'), no leading dot. */
void srv_safe_name(const char *in, char *out, size_t size);

/* ---- videos ---------------------------------------------------------------------------- */

/* Open `path` (already checked), describe it and start caching its frames. name is shown on
 * the page. On failure err holds a message. */
int srv_video_open(SrvServer *s, const char *path, const char *name, const char *dir,
                   int is_result, SrvVideo **out, char *err, size_t err_size);

/* Register a video in the server's table: its id, or -ENOSPC. */
int srv_video_add(SrvServer *s, SrvVideo *v);

/* Find a video by id and take a reference (release with srv_video_unref); NULL if none. */
SrvVideo *srv_video_get(SrvServer *s, const char *id);
void srv_video_unref(SrvVideo **v);

/* Remove a video from the table (freed when the last reference goes). */
int srv_video_remove(SrvServer *s, const char *id);

/* Stop the decoder and drop the reference the table held. */
void srv_video_release_all(SrvServer *s);

/* The video's description as JSON. Takes the lock. */
cJSON *srv_video_json(SrvVideo *v);

/* Wait until frame n is cached (or the decode ended): 0 ready, -ENOENT past the end,
 * -ETIMEDOUT, or the decode error. */
int srv_video_wait_frame(SrvVideo *v, int64_t n, int timeout_ms);

/* Wait until the whole video is cached; returns the frame count or a negative error. */
int64_t srv_video_wait_all(SrvVideo *v, atomic_int *cancel);

/* ---- the frame cache (cache.c) ---------------------------------------------------------- */

/* Path of cached frame n: preview (full = 0) or full resolution (the preview when that is the
 * full size). The file may not be on disk: see srv_frame_file. */
void srv_frame_path(const SrvVideo *v, int64_t n, int full, char *out, size_t size);

/* Encode decoded frame n (RGB, full size) into the cache with ctx (one per thread), then evict
 * what the budget no longer holds. */
int srv_cache_put(SrvVideo *v, VnContext *ctx, int64_t n, const VnImage *rgb);

/* Wait until frame n is decoded (as srv_video_wait_frame), make sure its file (preview or full)
 * is on disk, decoding it again if it was evicted, and put its path in out: 0 or an error. */
int srv_frame_file(SrvServer *s, SrvVideo *v, int64_t n, int full, char *out, size_t size);

/* The cache's figures as JSON {bytes, budget, previews, full}. Caller holds v->lock. */
cJSON *srv_cache_json(SrvVideo *v);

/* Set up the cache of a new video with a budget in bytes. */
void srv_cache_init(SrvVideo *v, int64_t budget);

/* Close the on-demand reader and free the tables (the files go with the directory). */
void srv_cache_free(SrvVideo *v);

/* ---- objects and masks (objects.c) ------------------------------------------------------- */

/* Add an object: its id (1..SRV_MAX_OBJECTS) or -ENOSPC. */
int srv_object_add(SrvVideo *v);
int srv_object_remove(SrvVideo *v, int id);
SrvObject *srv_object_find(SrvVideo *v, int id);

/* Make m (taken over) the one mask, on every frame, of the video's static object: the one found
 * before (a second detection replaces its mask, keeping its id) or a new object. Its id, or
 * -ENOSPC (m then freed). Caller holds v->lock. */
int srv_object_put_static(SrvVideo *v, SrvMask *m);

/* The video's first static object, NULL if none. Caller holds v->lock. */
SrvObject *srv_object_static(SrvVideo *v);

/* The object's mask on frame n (its one mask when static), NULL if none. Caller holds v->lock. */
const SrvMask *srv_object_mask(const SrvObject *o, int64_t n);

/* Store mask m (taken over, NULL clears) for object id at frame n; for a static object, m
 * becomes its mask on every frame. Caller holds v->lock. */
int srv_object_set(SrvVideo *v, SrvObject *o, int64_t n, SrvMask *m);

/* Record that the object was tracked from `keys` (n) with options `opts` (JSON text): the
 * edits since are forgotten. Caller holds v->lock. */
int srv_object_tracked(SrvObject *o, const int64_t *keys, int n, const char *opts);

/* Clear masks of object id: frame n, or every frame when n < 0 (a static object's one mask
 * either way). */
int srv_object_clear(SrvVideo *v, int id, int64_t n);

/* The objects list as JSON (ids, colours, keyframes). Caller holds v->lock. */
cJSON *srv_objects_json(SrvVideo *v);

/* Masks of every object on frame n as JSON. Caller holds v->lock. */
cJSON *srv_masks_json(SrvVideo *v, int64_t n);

/* Paint the union (value = object id, or 1 when binary) of the masks of frame n into img.
 * Caller holds v->lock. Returns the number of objects painted. */
int srv_masks_paint(SrvVideo *v, int64_t n, VnImage *img, int binary);

/* Number of objects that have a mask somewhere. Caller holds v->lock. */
int srv_objects_count(SrvVideo *v);

void srv_objects_free(SrvVideo *v);

/* ---- segmentation (segment.c) ------------------------------------------------------------ */

/* Whether click-to-mask is built in. */
int srv_segment_available(void);

/* POST /api/videos/{id}/segment: body {frame, object, prompts, refine, options}. On success
 * *out is the response; on failure *status and err say why. */
int srv_segment(SrvServer *s, SrvVideo *v, const cJSON *body, cJSON **out, int *status,
                char *err, size_t err_size);

/* Open the segmenter session on a frame ahead of the first click: {frame, options}. */
int srv_segment_prepare(SrvServer *s, SrvVideo *v, const cJSON *body, cJSON **out, int *status,
                        char *err, size_t err_size);

/* Store candidate i of the last segmentation as the object's mask. */
int srv_segment_select(SrvVideo *v, const cJSON *body, cJSON **out, int *status, char *err,
                       size_t err_size);

/* Close the session and drop the candidates. */
void srv_segment_free(SrvVideo *v);

/* ---- jobs (jobs.c, track.c, remove.c) ---------------------------------------------------- */

/* Start a job of `kind` on v (a reference is taken): its id in out or a negative error. */
int srv_job_start(SrvServer *s, SrvVideo *v, const char *kind, const cJSON *params,
                  SrvJob **out, int *status, char *err, size_t err_size);
SrvJob *srv_job_get(SrvServer *s, const char *id);
void srv_job_unref(SrvJob **j);
cJSON *srv_job_json(SrvJob *j);
void srv_jobs_stop_all(SrvServer *s);

/* Progress callback of a job's context (cookie = job): records, asks to stop when cancelled. */
int srv_job_progress(void *cookie, const char *stage, double fraction);

/* Set the job's stage and overall progress. */
void srv_job_status(SrvJob *j, const char *stage, double progress, int64_t frames_done);

int srv_track_run(SrvJob *j);

/* Check a job's parameters ("options") before it starts: 0, or -EINVAL with a message. */
int srv_track_check(const cJSON *params, char *err, size_t err_size);
int srv_remove_check(const cJSON *params, char *err, size_t err_size);
int srv_remove_run(SrvJob *j);

/* The overlay detection job (overlay.c): vn_overlay_detect_file on the video; a proposal becomes
 * a static object. Options: the overlay option table. */
int srv_overlay_check(const cJSON *params, char *err, size_t err_size);
int srv_overlay_run(SrvJob *j);

/* Free a removal job's kept frames. */
void srv_remove_free(SrvJob *j);

/* A copy of finished frame n of a removal job as JPEG (free()), if it is still kept: 0, or
 * -ENOENT. Takes the job's lock. */
int srv_remove_frame(SrvJob *j, int64_t n, uint8_t **jpeg, size_t *size);
int srv_track_available(void);

/* The tracker's option table as JSON (empty without the tracker). */
cJSON *srv_track_options_json(void);

/* ---- zip (zip.c) --------------------------------------------------------------------------- */

/* Write a stored (uncompressed) zip at zip_path holding the n files at paths[i] under the
 * names names[i]. */
int srv_zip_write(const char *zip_path, char *const *paths, char *const *names, size_t n);

/* ---- the web page (generated web_assets.c) ----------------------------------------------- */

typedef struct SrvAsset {
    const char *path;      /* "/index.html" */
    const char *mime;
    const unsigned char *data;
    size_t size;
} SrvAsset;

extern const SrvAsset srv_assets[];  /* ends with path == NULL */

/* ---- the API (api.c) --------------------------------------------------------------------- */

typedef struct SrvRequest {
    int upload;              /* streaming a video upload into a file */
    int fd;
    char dir[PATH_MAX];
    char file[PATH_MAX + 256];
    char name[256];
    int64_t received, limit;
    int failed;              /* status to answer once the body is read (0 = ok) */
    char fail_msg[256];
    char *body;              /* JSON body */
    size_t body_len;
} SrvRequest;

/* Handle one complete request; returns the MHD result of queueing the response. */
enum MHD_Result srv_api(SrvServer *s, struct MHD_Connection *c, const char *url,
                        const char *method, SrvRequest *r);

/* Begin an upload request (POST /api/videos/upload): make its file. */
int srv_upload_begin(SrvServer *s, struct MHD_Connection *c, SrvRequest *r, char *err,
                     size_t err_size);

/* Take a chunk of upload data. */
int srv_upload_data(SrvRequest *r, const char *data, size_t size);

/* Free a request's state (and its unfinished upload). */
void srv_request_free(SrvRequest *r);

/* ---- responses (http.c) ------------------------------------------------------------------ */

enum MHD_Result srv_send_json(struct MHD_Connection *c, unsigned status, cJSON *json);
enum MHD_Result srv_send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
enum MHD_Result srv_send_buffer(struct MHD_Connection *c, unsigned status, const char *mime,
                                void *data, size_t size, int must_free);
/* A file with Range support (206, 416); download_name != NULL adds Content-Disposition. */
enum MHD_Result srv_send_file(struct MHD_Connection *c, const char *path, const char *mime,
                              const char *download_name);
void srv_common_headers(struct MHD_Response *r, int page);

#endif
