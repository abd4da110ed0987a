/*
 * 3x3 homography algebra and the normalised DLT: points are moved to their centroid and scaled
 * to a mean distance of sqrt(2) from it, each match gives two rows of A h = 0, and h is the
 * eigenvector of A^T A with the smallest eigenvalue (cyclic Jacobi), mapped back.
 */
#include "track/homography.h"

#include <errno.h>
#include <math.h>
#include <string.h>

void vni_homography_identity(double H[9])
{
    static const double id[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(H, id, sizeof(id));
}

void vni_homography_mul(const double A[9], const double B[9], double out[9])
{
    double r[9];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++)
            r[i * 3 + j] = A[i * 3] * B[j] + A[i * 3 + 1] * B[3 + j] + A[i * 3 + 2] * B[6 + j];
    memcpy(out, r, sizeof(r));
}

/* Scale H so that H8 = 1 when H8 is not (nearly) zero; else to unit Frobenius norm. */
static void normalise_scale(double H[9])
{
    double s = 0.0;
    for (int i = 0; i < 9; i++)
        s += H[i] * H[i];
    s = sqrt(s);
    if (s == 0.0)
        return;
    s = fabs(H[8]) > 1e-12 * s ? 1.0 / H[8] : 1.0 / s;
    for (int i = 0; i < 9; i++)
        H[i] *= s;
}

int vni_homography_invert(const double H[9], double out[9])
{
    double r[9], det, norm = 0.0;
    r[0] = H[4] * H[8] - H[5] * H[7];
    r[1] = H[2] * H[7] - H[1] * H[8];
    r[2] = H[1] * H[5] - H[2] * H[4];
    r[3] = H[5] * H[6] - H[3] * H[8];
    r[4] = H[0] * H[8] - H[2] * H[6];
    r[5] = H[2] * H[3] - H[0] * H[5];
    r[6] = H[3] * H[7] - H[4] * H[6];
    r[7] = H[1] * H[6] - H[0] * H[7];
    r[8] = H[0] * H[4] - H[1] * H[3];
    det = H[0] * r[0] + H[1] * r[3] + H[2] * r[6];
    for (int i = 0; i < 9; i++)
        norm += H[i] * H[i];
    if (!(fabs(det) > 1e-14 * norm * sqrt(norm)))
        return -EINVAL;
    for (int i = 0; i < 9; i++)
        out[i] = r[i] / det;
    normalise_scale(out);
    return 0;
}

void vni_homography_apply(const double H[9], const VniPt *in, VniPt *out, int n)
{
    for (int i = 0; i < n; i++) {
        double x = in[i].x, y = in[i].y, w = H[6] * x + H[7] * y + H[8];
        if (w == 0.0) {
            out[i].x = out[i].y = NAN;
            continue;
        }
        out[i].x = (float)((H[0] * x + H[1] * y + H[2]) / w);
        out[i].y = (float)((H[3] * x + H[4] * y + H[5]) / w);
    }
}

/* Similarity T moving the points' centroid to 0 and their mean distance to sqrt(2). -EINVAL
 * when the points are coincident or all on one line. */
static int normaliser(const VniPt *p, int n, double T[9])
{
    double cx = 0, cy = 0, d = 0, sxx = 0, sxy = 0, syy = 0, s;
    for (int i = 0; i < n; i++)
        cx += p[i].x, cy += p[i].y;
    cx /= n, cy /= n;
    for (int i = 0; i < n; i++) {
        double dx = p[i].x - cx, dy = p[i].y - cy;
        d += sqrt(dx * dx + dy * dy);
        sxx += dx * dx, sxy += dx * dy, syy += dy * dy;
    }
    d /= n;
    /* the smaller principal spread must not vanish next to the larger one */
    double tr = sxx + syy, disc = sqrt((sxx - syy) * (sxx - syy) + 4 * sxy * sxy);
    if (!(d > 1e-9) || !(0.5 * (tr - disc) > 1e-10 * tr))
        return -EINVAL;
    s = sqrt(2.0) / d;
    double t[9] = {s, 0, -s * cx, 0, s, -s * cy, 0, 0, 1};
    memcpy(T, t, sizeof(t));
    return 0;
}

/* Eigen-decomposition of the symmetric 9x9 M by cyclic Jacobi rotations: on return M's diagonal
 * holds the eigenvalues and V's columns the eigenvectors. */
static void jacobi9(double M[81], double V[81])
{
    for (int i = 0; i < 81; i++)
        V[i] = (i % 10) == 0;
    for (int sweep = 0; sweep < 60; sweep++) {
        double off = 0.0, diag = 0.0;
        for (int p = 0; p < 9; p++) {
            diag += M[p * 9 + p] * M[p * 9 + p];
            for (int q = p + 1; q < 9; q++)
                off += M[p * 9 + q] * M[p * 9 + q];
        }
        if (off <= 1e-30 * diag)
            return;
        for (int p = 0; p < 9; p++)
            for (int q = p + 1; q < 9; q++) {
                double apq = M[p * 9 + q];
                if (fabs(apq) < 1e-300)
                    continue;
                double theta = (M[q * 9 + q] - M[p * 9 + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < 9; k++) { /* columns p, q */
                    double mkp = M[k * 9 + p], mkq = M[k * 9 + q];
                    M[k * 9 + p] = c * mkp - s * mkq, M[k * 9 + q] = s * mkp + c * mkq;
                }
                for (int k = 0; k < 9; k++) { /* rows p, q */
                    double mpk = M[p * 9 + k], mqk = M[q * 9 + k];
                    M[p * 9 + k] = c * mpk - s * mqk, M[q * 9 + k] = s * mpk + c * mqk;
                }
                for (int k = 0; k < 9; k++) {
                    double vkp = V[k * 9 + p], vkq = V[k * 9 + q];
                    V[k * 9 + p] = c * vkp - s * vkq, V[k * 9 + q] = s * vkp + c * vkq;
                }
            }
    }
}

/* Accumulate the two DLT rows of the normalised match (x, y) -> (u, v) into M = A^T A. */
static void add_rows(double M[81], double x, double y, double u, double v)
{
    const double r1[9] = {-x, -y, -1, 0, 0, 0, u * x, u * y, u};
    const double r2[9] = {0, 0, 0, -x, -y, -1, v * x, v * y, v};
    for (int i = 0; i < 9; i++)
        for (int j = i; j < 9; j++)
            M[i * 9 + j] += r1[i] * r1[j] + r2[i] * r2[j];
}

int vni_homography_dlt(const VniPt *a, const VniPt *b, int n, double H[9])
{
    double Ta[9], Tb[9], Tbi[9], M[81] = {0}, V[81], Hn[9];
    int best = 0;
    if (n < 4 || !a || !b || normaliser(a, n, Ta) < 0 || normaliser(b, n, Tb) < 0)
        return -EINVAL;
    for (int i = 0; i < n; i++) {
        double x = Ta[0] * a[i].x + Ta[2], y = Ta[4] * a[i].y + Ta[5];
        double u = Tb[0] * b[i].x + Tb[2], v = Tb[4] * b[i].y + Tb[5];
        add_rows(M, x, y, u, v);
    }
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < i; j++)
            M[i * 9 + j] = M[j * 9 + i];
    jacobi9(M, V);
    for (int i = 1; i < 9; i++)
        if (M[i * 9 + i] < M[best * 9 + best])
            best = i;
    for (int i = 0; i < 9; i++)
        Hn[i] = V[i * 9 + best];
    /* Hn has unit norm; a (nearly) singular one comes from a degenerate configuration */
    double det = Hn[0] * (Hn[4] * Hn[8] - Hn[5] * Hn[7]) - Hn[1] * (Hn[3] * Hn[8] - Hn[5] * Hn[6]) +
                 Hn[2] * (Hn[3] * Hn[7] - Hn[4] * Hn[6]);
    if (!(fabs(det) > 1e-6))
        return -EINVAL;
    /* H = Tb^-1 Hn Ta */
    if (vni_homography_invert(Tb, Tbi) < 0)
        return -EINVAL;
    vni_homography_mul(Hn, Ta, H);
    vni_homography_mul(Tbi, H, H);
    normalise_scale(H);
    return 0;
}
