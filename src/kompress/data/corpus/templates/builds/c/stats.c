#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "$P.h"

static int ${P}_cmp(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

int ${P}_compute(double *values, size_t n, struct $T *out)
{
    if (n == 0)
        return -1;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    out->n = n;
    out->mean = sum / n;
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (values[i] - out->mean) * (values[i] - out->mean);
    out->variance = sq / n;
    qsort(values, n, sizeof values[0], ${P}_cmp);
    out->median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return 0;
}

int ${P}_demo(int argc, char **argv)
{
    double values[256];
    size_t n = 0;
    for (int i = 1; i < argc && n < 256; i++)
        values[n++] = atof(argv[i]);
    struct $T st;
    if (${P}_compute(values, n, &st) != 0)
        return 1;
    printf("n=%zu mean=%.3f sd=%.3f median=%.3f\n", st.n, st.mean, sqrt(st.variance), st.median);
    return 0;
}
