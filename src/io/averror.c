/*
 * FFmpeg's log and error codes. FFmpeg's log callback is process-wide; we install one callback
 * once, which keeps the last error message of the calling thread (for one-line messages such as
 * "moov atom not found") and forwards messages to that thread's context at debug level. FFmpeg
 * itself never prints.
 */
#include "io/io.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libavutil/log.h>

static _Thread_local const VnContext *tls_ctx;
static _Thread_local char tls_last[256];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

/* FFmpeg's log callback: remember errors, forward to the thread's context, never print. */
static void av_log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
    char msg[512];
    size_t n;
    (void)avcl;
    if (level > AV_LOG_WARNING && !tls_ctx)
        return;
    vsnprintf(msg, sizeof(msg), fmt, vl);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == '.' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    if (!n)
        return;
    if (level <= AV_LOG_ERROR)
        snprintf(tls_last, sizeof(tls_last), "%s", msg);
    if (tls_ctx)
        vni_log(tls_ctx, VN_LOG_DEBUG, "ffmpeg: %s", msg);
}

static void install(void)
{
    av_log_set_callback(av_log_cb);
}

void vni_av_enter(const VnContext *ctx)
{
    pthread_once(&log_once, install);
    tls_ctx = ctx;
    tls_last[0] = '\0';
}

const char *vni_av_last(void)
{
    return tls_last;
}

int vni_av_code(int averr)
{
    switch (averr) {
    case AVERROR_INVALIDDATA:
    case AVERROR_EOF:
        return VN_ERR_INVALIDDATA;
    case AVERROR_DECODER_NOT_FOUND:
    case AVERROR_DEMUXER_NOT_FOUND:
    case AVERROR_ENCODER_NOT_FOUND:
    case AVERROR_MUXER_NOT_FOUND:
    case AVERROR_STREAM_NOT_FOUND:
    case AVERROR_PATCHWELCOME:
    case AVERROR_OPTION_NOT_FOUND:
        return VN_ERR_FORMAT;
    default:
        break;
    }
    if (averr < 0 && averr > -4096)
        return averr; /* AVERROR(e) == -e on POSIX */
    return averr < 0 ? VN_ERR_INVALIDDATA : averr;
}

void vni_av_text(int averr, char *buf, size_t size)
{
    if (av_strerror(averr, buf, size) < 0)
        snprintf(buf, size, "error %d", averr);
    if (buf[0] >= 'A' && buf[0] <= 'Z' && averr == AVERROR_INVALIDDATA)
        buf[0] = (char)(buf[0] - 'A' + 'a');
}
