#include <stddef.h>
#include <stdint.h>

struct $T {
    uint64_t *words;
    size_t nbits;
};
