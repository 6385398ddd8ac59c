#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

struct $T *${P}_new(size_t rows, size_t cols)
{
    struct $T *m = malloc(sizeof *m);
    if (m == NULL)
        return NULL;
    m->rows = rows;
    m->cols = cols;
    m->data = calloc(rows * cols, sizeof(double));
    return m;
}

double ${P}_get(const struct $T *m, size_t r, size_t c)
{
    return m->data[r * m->cols + c];
}

int ${P}_mul(const struct $T *a, const struct $T *b, struct $T *out)
{
    if (a->cols != b->rows)
        return -1;
    for (size_t i = 0; i < a->rows; i++) {
        for (size_t j = 0; j < b->cols; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < a->cols; k++)
                acc += ${P}_get(a, i, k) * ${P}_get(b, k, j);
            out->data[i * out->cols + j] = acc;
        }
    }
    return 0;
}

void ${P}_free(struct $T *m)
{
    free(m->data);
    free(m);
}

int ${P}_demo(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    struct $T *a = ${P}_new(n, n);
    struct $T *b = ${P}_new(n, n);
    struct $T *c = ${P}_new(n, n);
    int rc = ${P}_mul(a, b, c);
    printf("mul rc=%d size=%d\n", rc, n);
    ${P}_free(a);
    ${P}_free(b);
    ${P}_free(c);
    return rc;
}
