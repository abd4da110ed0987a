/*
 * vanish: remove objects from video.
 *
 * Core of the public API: the context (thread pool, log and progress callbacks), images, error
 * codes and option tables. Every other public header includes this one.
 *
 * Conventions:
 *  - Functions return 0 or a positive count on success and a negative errno value on failure
 *    (-EINVAL, -ENOMEM, ...) or one of the VN_ERR_* codes below; vn_strerror() names them.
 *  - Objects are opaque handles made by vn_*_open()/vn_*_alloc() and released by a free/close
 *    function that takes T **, sets the pointer to NULL and accepts NULL or half-built objects.
 *  - The library never prints and never exits: logging goes through VnSettings.log_cb.
 *  - A VnContext may be used by one thread at a time; distinct contexts are independent.
 */
#ifndef VANISH_VANISH_H
#define VANISH_VANISH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(VANISH_BUILDING) && defined(__GNUC__)
#define VN_API __attribute__((visibility("default")))
#else
#define VN_API
#endif

/* Library-specific error codes; all negative and below any errno value. */
#define VN_ERR_BASE (-0x564e00)
#define VN_ERR_CANCELLED (VN_ERR_BASE - 1)    /* a progress callback asked to stop */
#define VN_ERR_INVALIDDATA (VN_ERR_BASE - 2)  /* input is corrupt or not what it claims */
#define VN_ERR_TOOBIG (VN_ERR_BASE - 3)       /* a dimension or size is beyond the limits */
#define VN_ERR_FORMAT (VN_ERR_BASE - 4)       /* unsupported format */
#define VN_ERR_MISMATCH (VN_ERR_BASE - 5)     /* counts or sizes that must agree do not */

/* Version string of the library, e.g. "0.1.0". Static storage; any thread. */
VN_API const char *vn_version(void);

/* Message for an error code (negative errno or VN_ERR_*). Static storage; any thread. */
VN_API const char *vn_strerror(int err);

enum VnLogLevel { VN_LOG_ERROR = 0, VN_LOG_WARNING = 1, VN_LOG_INFO = 2, VN_LOG_DEBUG = 3 };

/* Log callback: one message, no trailing newline. Called on the thread that called into the
 * library (or a pool thread for debug messages). */
typedef void (*VnLogFn)(void *cookie, int level, const char *msg);

/* Progress callback: stage is a short static name ("decode", "fill", ...), fraction in [0,1]
 * within that stage. Return non-zero to cancel: the running call then fails with
 * VN_ERR_CANCELLED. Called on the thread that called into the library. */
typedef int (*VnProgressFn)(void *cookie, const char *stage, double fraction);

typedef struct VnSettings {
    int n_threads;            /* worker threads; 0 = one per core (default 0) */
    VnLogFn log_cb;           /* NULL = discard messages (default NULL) */
    void *log_cookie;         /* passed to log_cb (default NULL) */
    int log_level;            /* messages above this level are dropped (default VN_LOG_INFO) */
    VnProgressFn progress_cb; /* NULL = no progress (default NULL) */
    void *progress_cookie;    /* passed to progress_cb (default NULL) */
    int max_dimension;        /* largest width or height accepted (default 16384) */
    int64_t max_pixels;       /* largest width*height accepted (default 8192*8192) */
} VnSettings;

typedef struct VnContext VnContext;

/* Fill s with the defaults documented above. */
VN_API void vn_default_settings(VnSettings *s);

/* Make a context. On success *ctx owns a thread pool and must be closed with vn_close(); on
 * failure *ctx is NULL. s is copied. */
VN_API int vn_open(VnContext **ctx, const VnSettings *s);

/* Stop the pool and free the context; *ctx becomes NULL. NULL and *ctx == NULL are no-ops. */
VN_API void vn_close(VnContext **ctx);

/* The message of the last failure reported on this context: one line that names the file or
 * argument and the problem (e.g. "in.mp4: truncated file"), "" if none. Valid until the next
 * call on the context. */
VN_API const char *vn_last_error(const VnContext *ctx);

/* Number of threads the context's pool runs (including the caller). */
VN_API int vn_context_threads(const VnContext *ctx);

/* ---- images ---------------------------------------------------------------------------- */

enum VnSampleType { VN_U8 = 0, VN_F32 = 1 };

/* An image: interleaved channels, rows `stride` bytes apart (stride is a multiple of 64 for
 * images from vn_image_alloc). Fields are public; the pixel buffer belongs to the image. */
typedef struct VnImage {
    int width, height;
    int channels;      /* 1..4: grey/mask = 1, flow = 2 (u,v), RGB = 3 */
    int type;          /* enum VnSampleType */
    ptrdiff_t stride;  /* bytes between rows */
    uint8_t *data;     /* first row; 64-byte aligned */
} VnImage;

/* Allocate an image, zero-filled. Fails with VN_ERR_TOOBIG past 65535 per side or when the size
 * overflows, -EINVAL for bad channels/type. On failure *img is NULL. Free with vn_image_free. */
VN_API int vn_image_alloc(VnImage **img, int width, int height, int channels, int type);

/* Free an image and its pixels; *img becomes NULL. NULL is a no-op. */
VN_API void vn_image_free(VnImage **img);

/* Copy pixels of src into dst; both must have the same size, channels and type. */
VN_API int vn_image_copy(VnImage *dst, const VnImage *src);

/* Row y of an image as bytes. */
static inline uint8_t *vn_image_row(const VnImage *img, int y)
{
    return img->data + (ptrdiff_t)y * img->stride;
}

/* ---- option tables --------------------------------------------------------------------- */

enum VnOptionType { VN_OPT_INT = 0, VN_OPT_FLOAT = 1, VN_OPT_BOOL = 2, VN_OPT_CHOICE = 3 };

/* One option of an algorithm: the CLI flags, the HTTP API and the page's controls are made from
 * these tables. The value lives at `offset` in the algorithm's settings struct as an int (INT,
 * BOOL, CHOICE: index into choices) or a float (FLOAT). Tables end with name == NULL. */
typedef struct VnOption {
    const char *name;            /* flag name without dashes, e.g. "dilate" */
    const char *help;            /* one line */
    int type;                    /* enum VnOptionType */
    size_t offset;               /* byte offset into the settings struct */
    double def, min, max;        /* default and range (CHOICE: index range) */
    const char *const *choices;  /* CHOICE only: NULL-terminated names */
} VnOption;

/* Set option `name` in settings `s` described by `table` from text `value` ("3", "0.5",
 * "fast", "true"). -ENOENT for an unknown name, -ERANGE out of range, -EINVAL unparsable. */
VN_API int vn_option_set(const VnOption *table, void *s, const char *name, const char *value);

/* Find an option by name; NULL if absent. */
VN_API const VnOption *vn_option_find(const VnOption *table, const char *name);

/* Write the current value of option o in s as text into buf (always NUL-terminated). */
VN_API void vn_option_format(const VnOption *o, const void *s, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* VANISH_VANISH_H */
