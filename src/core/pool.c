#include "core/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

struct VnPool {
    pthread_mutex_t lock;
    pthread_cond_t work_cond, done_cond;
    pthread_t *threads;
    int n_workers, n_started;
    /* the run in progress */
    VnJobFn fn;
    void *arg;
    int n_jobs, next_job, jobs_done;
    unsigned generation;
    int quit;
};

/* Take jobs until none is left; called with the lock held, returns with it held. */
static void drain(VnPool *p)
{
    while (p->fn && p->next_job < p->n_jobs) {
        int job = p->next_job++;
        VnJobFn fn = p->fn;
        void *arg = p->arg;
        int n = p->n_jobs;
        pthread_mutex_unlock(&p->lock);
        fn(arg, job, n);
        pthread_mutex_lock(&p->lock);
        if (++p->jobs_done == p->n_jobs)
            pthread_cond_broadcast(&p->done_cond);
    }
}

static void *worker(void *opaque)
{
    VnPool *p = opaque;
    pthread_mutex_lock(&p->lock);
    while (!p->quit) {
        drain(p);
        if (p->quit)
            break;
        pthread_cond_wait(&p->work_cond, &p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void vni_pool_close(VnPool **pool)
{
    VnPool *p = pool ? *pool : NULL;
    if (!p)
        return;
    pthread_mutex_lock(&p->lock);
    p->quit = 1;
    pthread_cond_broadcast(&p->work_cond);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->n_started; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->work_cond);
    pthread_cond_destroy(&p->done_cond);
    pthread_mutex_destroy(&p->lock);
    free(p->threads);
    free(p);
    *pool = NULL;
}

int vni_pool_open(VnPool **pool, int n_threads)
{
    VnPool *p = calloc(1, sizeof(*p));
    *pool = NULL;
    if (!p)
        return -ENOMEM;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work_cond, NULL);
    pthread_cond_init(&p->done_cond, NULL);
    p->n_workers = n_threads > 1 ? n_threads - 1 : 0;
    if (p->n_workers) {
        p->threads = calloc((size_t)p->n_workers, sizeof(*p->threads));
        if (!p->threads)
            goto fail;
    }
    for (; p->n_started < p->n_workers; p->n_started++)
        if (pthread_create(&p->threads[p->n_started], NULL, worker, p))
            goto fail;
    *pool = p;
    return 0;
fail:
    vni_pool_close(&p);
    return -ENOMEM;
}

int vni_pool_threads(const VnPool *p)
{
    return p ? p->n_workers + 1 : 1;
}

void vni_pool_run(VnPool *p, VnJobFn fn, void *arg, int n_jobs)
{
    if (n_jobs <= 0)
        return;
    if (!p || !p->n_workers || n_jobs == 1) {
        for (int j = 0; j < n_jobs; j++)
            fn(arg, j, n_jobs);
        return;
    }
    pthread_mutex_lock(&p->lock);
    p->fn = fn;
    p->arg = arg;
    p->n_jobs = n_jobs;
    p->next_job = 0;
    p->jobs_done = 0;
    p->generation++;
    pthread_cond_broadcast(&p->work_cond);
    drain(p);
    while (p->jobs_done < p->n_jobs)
        pthread_cond_wait(&p->done_cond, &p->lock);
    p->fn = NULL;
    pthread_mutex_unlock(&p->lock);
}
