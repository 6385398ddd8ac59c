#include <stddef.h>

#define ${T}_MAX_FIELDS 32

struct $T {
    char *fields[${T}_MAX_FIELDS];
    int nfields;
    int line;
};
