/* Small dense linear systems (the homography's normal equations, a plane's least squares). */
#ifndef VANISH_CORE_LINSOLVE_H
#define VANISH_CORE_LINSOLVE_H

/* Solve the n x n system A x = b (row-major; A destroyed, x into b) by Gaussian elimination with
 * partial pivoting. 0, or -1 if A is singular. */
int vni_solve_linear(double *A, double *b, int n);

#endif
