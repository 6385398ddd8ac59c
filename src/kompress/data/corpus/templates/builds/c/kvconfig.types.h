#include <stdio.h>

struct $T {
    char key[64];
    char value[192];
};

struct ${T}_set {
    struct $T entries[128];
    int count;
};
