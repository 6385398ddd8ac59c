#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 64

struct $S {
    int rows;
    int count[MAX_ROWS];
    long sum[MAX_ROWS];
};

static void $F1(struct $S *m, int rows, int empty_row)
{
    m->rows = rows;
    for (int r = 0; r < rows; r++) {
        m->count[r] = r == empty_row ? 0 : 3 + r % 5;
        m->sum[r] = 0;
        for (int c = 0; c < m->count[r]; c++)
            m->sum[r] += (r + 1) * (c + 7) % 101;
    }
}

static int $F2(const struct $S *m, int r)
{
    int avg = (int)(m->sum[r] / m->count[r]);
    return avg;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rows = argc > 1 ? atoi(argv[1]) : 10;
    int empty = argc > 2 ? atoi(argv[2]) : rows - 1;
    static struct $S m;
    $F1(&m, rows, empty);
    printf("$TAG: %d rows of ${N} samples\n", rows);
    for (int r = 0; r < rows; r++) {
        int avg = $F2(&m, r);
        printf("row %2d: n=%d sum=%ld avg=%d\n", r, m.count[r], m.sum[r], avg);
    }
    return 0;
}
