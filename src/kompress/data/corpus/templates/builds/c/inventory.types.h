#include <stddef.h>

struct $T {
    char name[32];
    int qty;
    double price;
};

struct ${T}_list {
    struct $T *items;
    size_t len;
    size_t cap;
};
