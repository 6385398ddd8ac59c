#include <stddef.h>

struct $T {
    double mean;
    double variance;
    double median;
    size_t n;
};
