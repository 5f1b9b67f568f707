/* The C DSP front end against numpy vectors from training/cascadia_train/dsp.py.
 * Tolerance (docs/dsp.md): per interval, max |C - numpy| <= 1e-5 * max |numpy| (+1e-12). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "golden.h"

void test_dsp(test_tally *t, const char *dir) {
    golden_file g;
    if (golden_load(&g, dir, "dsp") != 0) {
        t->failed++;
        return;
    }
    double worst = 0.0;
    for (int i = 0; i < g.ncases; i++) {
        const golden_case *c = &g.cases[i];
        int32_t p[4], d[3], n_in, n_out;
        golden_i32(c, "params", p, 4);
        golden_i32(c, "dims", d, 3);
        nn_dsp_params prm = {p[0], p[1], p[2], p[3]};
        golden_get(c, "input_bits", &n_in);
        golden_get(c, "output_bits", &n_out);
        float *x = malloc(sizeof(float) * (size_t)n_in), *want = malloc(sizeof(float) * (size_t)n_out);
        float *got = malloc(sizeof(float) * (size_t)n_out);
        golden_f32(c, "input_bits", x, n_in);
        golden_f32(c, "output_bits", want, n_out);
        int32_t plan_bytes = nn_dsp_plan_size(&prm), scratch_bytes = nn_dsp_features_f32_get_buffer_size(&prm);
        void *plan = aligned_alloc(16, (size_t)(((plan_bytes) + 15) / 16 * 16));
        void *scratch = aligned_alloc(16, (size_t)(((scratch_bytes) + 15) / 16 * 16));
        nn_context ctx = {NN_ISA_REF, scratch, scratch_bytes};
        nn_dims in = {d[0], d[1], 1}, out = {d[0], prm.bins, 2};
        nn_status s1 = nn_dsp_plan_init(&prm, plan, plan_bytes);
        nn_status s2 = nn_dsp_features_f32(&ctx, &prm, plan, &in, x, &out, got);
        CHECK(t, s1 == NN_OK && s2 == NN_OK, "dsp/%s status %d %d", c->name, s1, s2);
        double case_worst = 0.0;
        int ok = n_out == d[0] * prm.bins * 2;
        for (int32_t ti = 0; ok && ti < d[0]; ti++) {
            double peak = 0.0, err = 0.0;
            for (int32_t k = 0; k < prm.bins * 2; k++) {
                double a = want[ti * prm.bins * 2 + k], b = got[ti * prm.bins * 2 + k];
                peak = fmax(peak, fabs(a));
                err = fmax(err, fabs(a - b));
            }
            double rel = err / (peak + 1e-30);
            case_worst = fmax(case_worst, rel);
            ok = err <= 1e-5 * peak + 1e-12;
        }
        worst = fmax(worst, case_worst);
        CHECK(t, ok, "dsp/%s: relative error %.3g exceeds 1e-5", c->name, case_worst);
        free(x), free(want), free(got), free(plan), free(scratch);
    }
    printf("dsp: %d cases, worst per-interval relative error %.3g (tolerance 1e-5)\n", g.ncases, worst);
    golden_free(&g);

    /* a sine of amplitude A on an exact bin gives |X[k]| = A */
    nn_dsp_params prm = {1600, 1600, 64, NN_DSP_WINDOW_HANN};
    static double plan_mem[8192], scratch_mem[4 * 1600];
    static float x[1600], y[128];
    nn_dsp_plan_init(&prm, plan_mem, sizeof plan_mem);
    for (int i = 0; i < 1600; i++) x[i] = 0.25f * (float)sin(2 * 3.14159265358979323846 * 20 * i / 1600.0) + 0.5f;
    nn_context ctx = {NN_ISA_REF, scratch_mem, sizeof scratch_mem};
    nn_dims in = {1, 1600, 1}, out = {1, 64, 2};
    nn_status st = nn_dsp_features_f32(&ctx, &prm, plan_mem, &in, x, &out, y);
    double mag = hypot(y[40], y[41]), dc = hypot(y[0], y[1]);
    CHECK(t, st == NN_OK && fabs(mag - 0.25) < 1e-6 && dc < 1e-6, "sine amplitude %.9f (want 0.25), DC %.3g", mag, dc);
    nn_dsp_params bad = {1600, 1600 * 67, 64, NN_DSP_WINDOW_HANN};
    CHECK(t, nn_dsp_plan_size(&bad) == 0, "fft_size above 65536 rejected");
    nn_dsp_params prime = {67, 67, 10, NN_DSP_WINDOW_HANN};
    CHECK(t, nn_dsp_plan_init(&prime, plan_mem, sizeof plan_mem) == NN_ERR_ARGUMENT, "prime 67 rejected");
}
