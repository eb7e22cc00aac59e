/*
 * `max78sim bench-energy`: the energy model against silicon.
 *
 * The CIFAR-10 NAS network of the corpus is configured on a core by
 * replaying its register program (tools/lib/regprog.c); its layers 0-4
 * are then priced by the energy model (sim/src/energy.c) and compared
 * with the per-layer power-monitor measurements that ../shared/anchors.md
 * lists (netdeployonnx, EVKit power monitor, CNN at 50 MHz).  The
 * monitor measures VCOREA minus its idle baseline (CPU busy, CNN off)
 * while the firmware sleeps in the inference, so the model's value to
 * compare is the CNN's energy plus the CPU's sleep saving over the
 * layer's time.
 *
 * --fit solves the least-squares problem for the three fitted constants
 * (per processor-cycle, per MAC, CPU sleep saving) with the others held
 * at their values, and prints the solution next to the compiled-in
 * constants, so the fit can be reproduced.  Two checks that were not
 * fitted follow: the datasheet's MNIST current and its pJ/MAC of a
 * maximum-power network.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "fwbuild.h"
#include "m78_config.h"
#include "max78sim/max78sim.h"
#include "regprog.h"

/* ../shared/anchors.md, "Per-layer time and energy (CIFAR-10 NAS, first
 * five layers)": measured time (us) and VCOREA energy (uJ). */
static const struct {
  double time_us, energy_uj;
} anchors[5] = {{1361.38, 6.91}, {693.76, 49.13}, {1355.81, 67.31}, {192.82, 18.56}, {336.62, 12.18}};

#define LIMIT_PCT 15.0

static void bench_help(FILE *out)
{
  fprintf(out, "usage: max78sim bench-energy [--corpus DIR] [--fit]\n"
               "\n"
               "Prices CIFAR-10 layers 0-4 (corpus case cifar-10) with the energy model and\n"
               "prints them next to the power-monitor measurements of ../shared/anchors.md,\n"
               "with the error of each layer; then two checks against the datasheet.\n"
               "\n"
               "  --corpus DIR  the known-answer corpus (default $" M78FW_CORPUS_ENV ", else\n"
               "                %s/../shared/corpus)\n"
               "  --fit         also solve the least-squares fit of the fitted constants\n"
               "\n"
               "Exit status: 0 every layer within %.0f %%, 1 otherwise, 2 bad usage or input.\n",
               M78_CFG_SOURCE_DIR, LIMIT_PCT);
}

/* Replays a corpus case; returns the core or NULL after an error. */
static m78_sim *configure(const char *corpus, const char *name)
{
  char *path = m78cli_xasprintf("%s/%s/firmware/cnn.c", corpus, name);
  char *text = m78_read_text_file(path);
  if (!text) {
    m78cli_error("%s: cannot read (use --corpus DIR)", path);
    free(path);
    return NULL;
  }
  m78_sim *sim = m78_sim_new();
  char err[256];
  if (!sim || m78_regprog_replay(sim, text, err, sizeof err) < 0) {
    m78cli_error("%s: %s", path, sim ? err : "out of memory");
    m78_sim_free(sim);
    sim = NULL;
  }
  free(text);
  free(path);
  return sim;
}

struct priced {
  double t_us, e_uj;          /* model: time and monitor-view energy */
  double pc, mac, fixed_pj;   /* fit inputs: proc-cycles, MACs, energy not fitted */
};

static void price(m78_sim *sim, int i, struct priced *p)
{
  const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
  struct m78_energy_ctl ctl;
  m78_sim_energy_ctl(sim, &ctl);
  struct m78_activity a;
  struct m78_energy e;
  m78_energy_activity(&r->layer, r->cycles - r->stall_cycles, r->stall_cycles, &a);
  m78_energy_layer(&a, &ctl, &e);
  p->t_us = (double)r->cycles * 1e6 / (double)ctl.cnn_hz;
  p->e_uj = (e.total_pj + m78_energy_consts.cpu_sleep_delta_mw * 1e3 * p->t_us) * 1e-6;
  p->pc = 0;
  for (int g = 0; g < 4; g++)
    p->pc += (double)a.proc_cycles[g];
  p->mac = (double)a.macs;
  p->fixed_pj = e.mem_pj + e.static_pj;
}

/* Solves the 3x3 system m x = v (Gaussian elimination, partial pivot). */
static int solve3(double m[3][3], double v[3], double x[3])
{
  for (int c = 0; c < 3; c++) {
    int piv = c;
    for (int r = c + 1; r < 3; r++)
      if (fabs(m[r][c]) > fabs(m[piv][c]))
        piv = r;
    if (fabs(m[piv][c]) < 1e-30)
      return -1;
    for (int k = 0; k < 3; k++) {
      double t = m[c][k];
      m[c][k] = m[piv][k];
      m[piv][k] = t;
    }
    double t = v[c];
    v[c] = v[piv];
    v[piv] = t;
    for (int r = c + 1; r < 3; r++) {
      double f = m[r][c] / m[c][c];
      for (int k = c; k < 3; k++)
        m[r][k] -= f * m[c][k];
      v[r] -= f * v[c];
    }
  }
  for (int c = 2; c >= 0; c--) {
    double s = v[c];
    for (int k = c + 1; k < 3; k++)
      s -= m[c][k] * x[k];
    x[c] = s / m[c][c];
  }
  return 0;
}

/* Least-squares fit of proc_cycle_pj, mac_pj and cpu_sleep_delta_mw on
 * the layers other than `skip`:  E_meas - fixed = a*pc + b*mac + c*t
 * (c in mW, t in us: 1e3 pJ per mW*us). */
static int fit3(const struct priced *p, int skip, double x[3])
{
  double m[3][3] = {{0}}, v[3] = {0};
  for (int i = 0; i < 5; i++) {
    if (i == skip)
      continue;
    double f[3] = {p[i].pc, p[i].mac, p[i].t_us * 1e3};
    double y = anchors[i].energy_uj * 1e6 - p[i].fixed_pj;
    for (int r = 0; r < 3; r++) {
      for (int c = 0; c < 3; c++)
        m[r][c] += f[r] * f[c];
      v[r] += f[r] * y;
    }
  }
  return solve3(m, v, x);
}

int m78cli_cmd_bench_energy(int argc, char **argv);

int m78cli_cmd_bench_energy(int argc, char **argv)
{
  char *corpus_dir = m78fw_corpus_dir(); /* --corpus DIR is taken by main() for every command */
  const char *corpus = corpus_dir;
  int fit = 0;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      bench_help(stdout);
      return 0;
    } else if (strcmp(argv[i], "--fit") == 0) {
      fit = 1;
    } else {
      m78cli_error("bench-energy: unknown argument %s (see 'max78sim bench-energy --help')", argv[i]);
      return M78CLI_EXIT_ERROR;
    }
  }
  m78_sim *sim = configure(corpus, "cifar-10");
  if (!sim)
    return M78CLI_EXIT_ERROR;
  if (m78_sim_layer_count(sim) < 5) {
    m78cli_error("cifar-10: fewer than 5 layers");
    m78_sim_free(sim);
    return M78CLI_EXIT_ERROR;
  }

  struct priced p[5];
  printf("CIFAR-10 NAS layers 0-4 (corpus cifar-10) against the power-monitor measurements\n"
         "(../shared/anchors.md; model = CNN energy + CPU sleep saving, the monitor's view)\n\n");
  printf("layer  op       cycles  model us  meas. us  time err  meas. uJ  model uJ  energy err\n");
  double worst = 0, sum_m = 0, sum_e = 0;
  for (int i = 0; i < 5; i++) {
    price(sim, i, &p[i]);
    const struct m78_layer_result *r = m78_sim_layer_result(sim, i);
    double te = (p[i].t_us - anchors[i].time_us) / anchors[i].time_us * 100.0;
    double ee = (p[i].e_uj - anchors[i].energy_uj) / anchors[i].energy_uj * 100.0;
    worst = fabs(ee) > worst ? fabs(ee) : worst;
    sum_m += anchors[i].energy_uj;
    sum_e += p[i].e_uj;
    printf("%5d  %-7s %7llu  %8.2f  %8.2f  %+7.2f%%  %8.2f  %8.2f  %+9.1f%%\n", i, m78_layer_opname(&r->layer),
           (unsigned long long)r->cycles, p[i].t_us, anchors[i].time_us, te, anchors[i].energy_uj, p[i].e_uj, ee);
  }
  printf("total                                                %8.2f  %8.2f  %+9.1f%%\n", sum_m, sum_e,
         (sum_e - sum_m) / sum_m * 100.0);
  printf("\nlargest per-layer energy error: %.1f %% (limit %.0f %%): %s\n", worst, LIMIT_PCT,
         worst <= LIMIT_PCT ? "PASS" : "FAIL");

  const struct m78_energy_consts *k = &m78_energy_consts;
  if (fit) {
    double x[3] = {0};
    if (fit3(p, -1, x) == 0)
      printf("\nleast-squares fit on these layers (other constants held):\n"
             "  proc_cycle_pj       %8.3f pJ   (compiled in: %.3f)\n"
             "  mac_pj              %8.3f pJ   (compiled in: %.3f)\n"
             "  cpu_sleep_delta_mw  %8.3f mW   (compiled in: %.3f)\n",
             x[0], k->proc_cycle_pj, x[1], k->mac_pj, x[2], k->cpu_sleep_delta_mw);
    else
      printf("\nleast-squares fit: singular system\n");
    /* how well the form generalizes: fit on four layers, predict the fifth */
    printf("leave-one-out (fit on the other four layers, predict this one):\n");
    for (int i = 0; i < 5; i++) {
      double y[3];
      if (fit3(p, i, y) != 0)
        continue;
      double e = (p[i].fixed_pj + y[0] * p[i].pc + y[1] * p[i].mac + y[2] * p[i].t_us * 1e3) * 1e-6;
      printf("  layer %d: %7.2f uJ predicted, %7.2f measured, %+6.1f %%\n", i, e, anchors[i].energy_uj,
             (e - anchors[i].energy_uj) / anchors[i].energy_uj * 100.0);
    }
  }

  /* Checks against the datasheet that were not fitted. */
  printf("\nnot fitted, against the datasheet (MAX78000 Rev 1, anchors.md):\n");
  m78_sim *mn = configure(corpus, "mnist");
  if (mn) {
    double pj = 0, cyc = 0;
    struct m78_energy_ctl ctl;
    m78_sim_energy_ctl(mn, &ctl);
    for (int i = 0; i < m78_sim_layer_count(mn); i++) {
      const struct m78_layer_result *r = m78_sim_layer_result(mn, i);
      struct m78_activity a;
      struct m78_energy e;
      m78_energy_activity(&r->layer, r->cycles, 0, &a);
      m78_energy_layer(&a, &ctl, &e);
      pj += e.total_pj;
      cyc += (double)r->cycles;
    }
    double t = cyc / (double)ctl.cnn_hz;
    double ma = pj * 1e-12 / t / 1.1 * 1e3;
    printf("  MNIST, all quadrants: average VCOREA current %.1f mA at 1.1 V (datasheet 29 mA, %+.0f %%)\n", ma,
           (ma - 29.0) / 29.0 * 100.0);
    m78_sim_free(mn);
  }
  {
    /* A maximum-power layer: 64 processors, 3x3 kernels, 64 outputs,
     * 576 MACs every cycle (the datasheet's 4.02 pJ/MAC network). */
    struct m78_layer l = {0};
    l.kind = M78_LAYER_CONV2D_3X3;
    l.in_procs = l.mask_procs = ~0ull;
    l.h = l.w = l.hp = l.wp = l.ho = l.wo = 32;
    l.pad_r = l.pad_c = 1;
    l.kh = l.kw = 3;
    l.ne = l.ops = 1;
    l.slots = l.out_channels = 64;
    l.macs = 64ull * 9 * 64 * 32 * 32;
    uint64_t cycles = 64ull * 32 * 32;
    struct m78_energy_ctl ctl;
    m78_sim_energy_ctl(sim, &ctl);
    struct m78_activity a;
    struct m78_energy e;
    m78_energy_activity(&l, cycles, 0, &a);
    m78_energy_layer(&a, &ctl, &e);
    printf("  maximum-power layer (64 processors, 3x3, one output channel a cycle): %.2f pJ/MAC dynamic\n"
           "  (datasheet 4.02 pJ/MAC with random data and masks; %+.0f %%)\n",
           e.dynamic_pj / (double)l.macs, (e.dynamic_pj / (double)l.macs - 4.02) / 4.02 * 100.0);
  }
  m78_sim_free(sim);
  return worst <= LIMIT_PCT ? 0 : 1;
}
