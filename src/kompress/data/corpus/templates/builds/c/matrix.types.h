#include <stddef.h>

struct $T {
    size_t rows;
    size_t cols;
    double *data;
};
