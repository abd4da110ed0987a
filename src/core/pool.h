/* A fixed pool of worker threads that runs data-parallel jobs: fn(arg, job, n_jobs) for every
 * job index, with the calling thread taking part. One run at a time per pool. */
#ifndef VANISH_CORE_POOL_H
#define VANISH_CORE_POOL_H

typedef struct VnPool VnPool;
typedef void (*VnJobFn)(void *arg, int job, int n_jobs);

/* Start n_threads-1 workers (n_threads <= 1: none). 0 or -ENOMEM. */
int vni_pool_open(VnPool **pool, int n_threads);
void vni_pool_close(VnPool **pool);
int vni_pool_threads(const VnPool *pool);
/* Run all jobs and wait for them. pool may be NULL (runs inline). */
void vni_pool_run(VnPool *pool, VnJobFn fn, void *arg, int n_jobs);

#endif
