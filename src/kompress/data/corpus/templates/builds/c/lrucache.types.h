#include <stddef.h>

#define ${T}_CAP 16

struct $T {
    int keys[${T}_CAP];
    int values[${T}_CAP];
    unsigned long stamp[${T}_CAP];
    int used;
    unsigned long clock;
};
