#include "golden.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int golden_load(golden_file *g, const char *dir, const char *op) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.txt", dir, op);
    FILE *f = fopen(path, "r");
    memset(g, 0, sizeof *g);
    if (!f) {
        printf("FAIL cannot open golden file %s\n", path);
        return -1;
    }
    if (!fgets(g->header, sizeof g->header, f) || strncmp(g->header, "# generator:", 12) != 0) {
        printf("FAIL %s: first line does not name the generator\n", path);
        fclose(f);
        return -1;
    }
    char word[64];
    golden_case *cur = NULL;
    while (fscanf(f, "%63s", word) == 1) {
        if (strcmp(word, "case") == 0) {
            g->cases = realloc(g->cases, sizeof(golden_case) * (size_t)(g->ncases + 1));
            cur = &g->cases[g->ncases++];
            memset(cur, 0, sizeof *cur);
            if (fscanf(f, "%63s %31s", cur->name, cur->op) != 2) break;
        } else if (strcmp(word, "end") == 0) {
            cur = NULL;
        } else if (cur && cur->nkeys < GOLDEN_MAX_KEYS) {
            int k = cur->nkeys++;
            snprintf(cur->keys[k], sizeof cur->keys[k], "%s", word);
            if (fscanf(f, "%" SCNd32, &cur->counts[k]) != 1) break;
            cur->values[k] = malloc(sizeof(int64_t) * (size_t)(cur->counts[k] ? cur->counts[k] : 1));
            for (int32_t i = 0; i < cur->counts[k]; i++)
                if (fscanf(f, "%" SCNd64, &cur->values[k][i]) != 1) {
                    printf("FAIL %s: truncated key %s\n", path, word);
                    fclose(f);
                    return -1;
                }
        } else {
            printf("FAIL %s: unexpected token %s\n", path, word);
            fclose(f);
            return -1;
        }
    }
    fclose(f);
    return g->ncases > 0 ? 0 : -1;
}

void golden_free(golden_file *g) {
    for (int c = 0; c < g->ncases; c++)
        for (int k = 0; k < g->cases[c].nkeys; k++) free(g->cases[c].values[k]);
    free(g->cases);
    memset(g, 0, sizeof *g);
}

const int64_t *golden_get(const golden_case *c, const char *key, int32_t *count) {
    for (int k = 0; k < c->nkeys; k++)
        if (strcmp(c->keys[k], key) == 0) {
            if (count) *count = c->counts[k];
            return c->values[k];
        }
    if (count) *count = 0;
    return NULL;
}

#define GOLDEN_COPY(NAME, T, CONV)                                                            \
    int32_t NAME(const golden_case *c, const char *key, T *out, int32_t max) {                \
        int32_t n;                                                                            \
        const int64_t *v = golden_get(c, key, &n);                                            \
        if (!v || n > max) return -1;                                                         \
        for (int32_t i = 0; i < n; i++) CONV;                                                 \
        return n;                                                                             \
    }
GOLDEN_COPY(golden_i8, int8_t, out[i] = (int8_t)v[i])
GOLDEN_COPY(golden_i16, int16_t, out[i] = (int16_t)v[i])
GOLDEN_COPY(golden_i32, int32_t, out[i] = (int32_t)v[i])
GOLDEN_COPY(golden_f32, float, do { uint32_t b = (uint32_t)v[i]; memcpy(&out[i], &b, 4); } while (0))
