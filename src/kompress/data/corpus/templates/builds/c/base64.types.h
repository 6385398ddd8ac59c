#include <stddef.h>

struct $T {
    char *out;
    size_t len;
    size_t cap;
};
