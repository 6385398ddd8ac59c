#include <stddef.h>

struct ${T}_slot {
    const char *key;
    int value;
    int used;
};

struct $T {
    struct ${T}_slot *slots;
    size_t cap;
    size_t count;
};
