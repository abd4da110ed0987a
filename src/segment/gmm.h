/* Gaussian mixture colour models with full covariance, as in GrabCut (Rother et al. 2004). */
#ifndef VANISH_SEGMENT_GMM_H
#define VANISH_SEGMENT_GMM_H

#define VNI_GMM_MAX 10

typedef struct VniGmm {
    int k;                          /* components in use (0 = empty model) */
    double w[VNI_GMM_MAX];          /* mixing weights */
    double mean[VNI_GMM_MAX][3];
    double icov[VNI_GMM_MAX][9];    /* inverse covariance, row-major */
    double lnorm[VNI_GMM_MAX];      /* log(w) - log det(cov)/2 */
} VniGmm;

/* Fit a mixture of up to k components to n weighted colour samples col[3*i] (weights wt[i] >=
 * 0). If g already holds a model, each sample first goes to its most likely component (the
 * GrabCut update); otherwise components are seeded by weighted k-means. `var_floor` is added to
 * the covariance diagonal. lab: n bytes of scratch. Clear g (k = 0) for a fresh start. */
void vni_gmm_fit(VniGmm *g, int k, const float *col, const float *wt, int n, double var_floor,
                 unsigned char *lab);

/* -log of the mixture density at colour c (up to a constant shared by all models). */
double vni_gmm_cost(const VniGmm *g, const float *c);

#endif
