#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static long $F1(const unsigned char *map, size_t len, size_t stride)
{
    long sum = 0;
    for (size_t off = 0; off < len; off += stride)
        sum += map[off];
    return sum;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *path = argc > 1 ? argv[1] : "$N.idx";
    size_t pages = argc > 2 ? (size_t)atoi(argv[2]) : 4;
    size_t keep = argc > 3 ? (size_t)atoi(argv[3]) : 1;
    size_t len = pages * 4096;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    if (ftruncate(fd, (off_t)len) != 0) { perror("ftruncate"); return 1; }
    unsigned char *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    printf("$TAG: mapped %s (%zu pages, %zu bytes)\n", path, pages, len);
    printf("$TAG: checksum before = %ld\n", $F1(map, len, 512));
    ftruncate(fd, (off_t)(keep * 4096));
    printf("$TAG: %s truncated to %zu pages by compaction\n", path, keep);
    printf("$TAG: checksum after = %ld\n", $F1(map, len, 512));
    return 0;
}
