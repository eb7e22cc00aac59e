/*
 * Viewer options and the hand-over to the viewer (see view_cmd.h).
 */
#define _GNU_SOURCE
#include "view_cmd.h"
#include "m78host/layercsv.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#ifdef M78_HAVE_VIEWER
#include <dlfcn.h>
#include "fwbuild.h"
#include "viz.h"
#endif

void m78cli_view_opts_init(struct m78cli_view_opts *v)
{
  memset(v, 0, sizeof *v);
  v->channel = -1;
}

static int parse_int(const char *s, int lo, int hi, int *out)
{
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (!*s || *end || errno || v < lo || v > hi)
    return -1;
  *out = (int)v;
  return 0;
}

int m78cli_view_option(int argc, char **argv, int *i, struct m78cli_view_opts *v, const char *cmd)
{
  const char *a = argv[*i], *s;
  if (strcmp(a, "--view") == 0) {
    v->view = 1;
    return 1;
  }
  if (strcmp(a, "--live") == 0) {
    v->live = v->any = 1;
    return 1;
  }
  if (strcmp(a, "--log-keys") == 0) {
    v->verbose = v->any = 1;
    return 1;
  }
  static const char *const with_value[] = {"--compare",  "--screenshot", "--layer",       "--channel", "--size",
                                           "--save-dir", "--report",     "--inject-keys", NULL};
  int k = 0;
  while (with_value[k] && !m78cli_is_option(a, with_value[k]))
    k++;
  if (!with_value[k])
    return 0;
  const char *name = with_value[k];
  if (!(s = m78cli_option_value(cmd, argc, argv, i, name)))
    return -1;
  v->any = 1;
  if (!*s) {
    m78u_error("%s: %s: empty value", cmd, name);
    return -1;
  }
  if (strcmp(name, "--compare") == 0) {
    v->compare = s;
  } else if (strcmp(name, "--screenshot") == 0) {
    v->screenshot = s;
  } else if (strcmp(name, "--save-dir") == 0) {
    v->save_dir = s;
  } else if (strcmp(name, "--report") == 0) {
    v->report = s;
  } else if (strcmp(name, "--inject-keys") == 0) {
    v->inject = s;
  } else if (strcmp(name, "--layer") == 0) {
    v->layer_set = 1;
    if (strcmp(s, "input") == 0 || strcmp(s, "in") == 0) {
      v->layer = -1;
    } else if (parse_int(s, 0, 1000, &v->layer) != 0) {
      m78u_error("%s: --layer: not a layer number or \"input\": %s", cmd, s);
      return -1;
    }
  } else if (strcmp(name, "--channel") == 0) {
    if (parse_int(s, 0, 100000, &v->channel) != 0) {
      m78u_error("%s: --channel: not a channel number: %s", cmd, s);
      return -1;
    }
  } else if (strcmp(name, "--size") == 0) {
    char *x = strchr(s, 'x');
    char wbuf[16];
    if (!x || x == s || (size_t)(x - s) >= sizeof wbuf) {
      m78u_error("%s: --size: expected WIDTHxHEIGHT, got %s", cmd, s);
      return -1;
    }
    memcpy(wbuf, s, (size_t)(x - s));
    wbuf[x - s] = '\0';
    if (parse_int(wbuf, 640, 8192, &v->width) != 0 || parse_int(x + 1, 400, 8192, &v->height) != 0) {
      m78u_error("%s: --size: WIDTHxHEIGHT between 640x400 and 8192x8192, got %s", cmd, s);
      return -1;
    }
  }
  return 1;
}

int m78cli_view_check(const struct m78cli_view_opts *v, const char *cmd)
{
  if (v->live && v->screenshot) {
    m78u_error("%s: --live and --screenshot do not go together", cmd);
    return -1;
  }
  if (v->compare && !m78u_is_dir(v->compare)) {
    m78u_error("%s: --compare %s: no such folder", cmd, v->compare);
    return -1;
  }
  if (v->save_dir && !m78u_is_dir(v->save_dir)) {
    m78u_error("%s: --save-dir %s: no such folder", cmd, v->save_dir);
    return -1;
  }
  if (v->report && !m78u_is_file(v->report)) {
    m78u_error("%s: --report %s: no such file", cmd, v->report);
    return -1;
  }
  if (v->screenshot) {
    char *parent = m78u_dirname(v->screenshot);
    int ok = m78u_is_dir(parent);
    if (!ok)
      m78u_error("%s: %s: folder %s does not exist", cmd, v->screenshot, parent);
    free(parent);
    if (!ok)
      return -1;
    if (m78u_is_dir(v->screenshot)) {
      m78u_error("%s: %s: is a directory", cmd, v->screenshot);
      return -1;
    }
  }
  return 0;
}

void m78cli_view_help(FILE *out)
{
  fprintf(out,
          "viewer options:\n"
          "  --live                open the window at once and step through the layers as the\n"
          "                        firmware runs them (Space: next layer, c: run to the end)\n"
          "  --compare DIR         expected data: a corpus case folder (expected.json and\n"
          "                        layers/), or a folder of Lnn.i8/Lnn.i32 files (a corpus\n"
          "                        layers/ folder or a device dump, with or without layers.json);\n"
          "                        mismatching values are shown in magenta and the first\n"
          "                        mismatch is selected and printed\n"
          "  --screenshot FILE.png render one frame without a display (SDL's offscreen driver),\n"
          "                        write it as PNG and exit\n"
          "  --layer N|input       layer to show first (default: layer 0, or the first mismatch)\n"
          "  --channel N           channel to select first\n"
          "  --size WxH            window or screenshot size (default %dx%d)\n"
          "  --save-dir DIR        where the s key saves screenshots (default: .)\n"
          "  --inject-keys K,K...  (tests) push these SDL key names as events, one per frame;\n"
          "                        mouse:X:Y moves the mouse, click:X:Y clicks; with\n"
          "                        --screenshot they act before the frame is rendered\n"
          "  --log-keys            (tests) print one line per key the viewer handles\n"
          "\n"
          "Keys: Up/Down or PageUp/PageDown layer, Left/Right channel, +/- zoom, 0 fit,\n"
          "Shift+arrows or mouse drag pan, f/n first/next mismatch, s screenshot, h help,\n"
          "q quit.  Font: DejaVu Sans Mono (fonts-dejavu-core) or $M78SIM_FONT.\n",
#ifdef M78_HAVE_VIEWER
          M78VIZ_DEFAULT_W, M78VIZ_DEFAULT_H
#else
          1440, 900
#endif
  );
}

int m78cli_view_is_dump_dir(const char *dir)
{
  char *p = m78u_path_join(dir, "layers.json");
  int yes = m78u_is_file(p);
  free(p);
  return yes;
}

#ifdef M78_HAVE_VIEWER

const struct m78viz_api *m78cli_viz(void)
{
  static const struct m78viz_api *api;
  static int tried;
  if (tried)
    return api;
  tried = 1;
  struct m78fw_paths p;
  m78fw_paths_init(&p);
  char *path = m78u_path_join(p.lib_dir, M78VIZ_MODULE);
  m78fw_paths_free(&p);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  const struct m78viz_api *(*get)(void) = NULL;
  if (h)
    *(void **)&get = dlsym(h, "m78viz_module_api");
  const struct m78viz_api *a = get ? get() : NULL;
  if (!h || !get)
    m78u_error("cannot load the viewer and image module %s: %s", path, dlerror());
  else if (a->version != M78VIZ_API_VERSION || a->opts_size != sizeof(struct m78viz_opts))
    m78u_error("%s is of another max78sim build (interface %d, expected %d)", path, a->version, M78VIZ_API_VERSION);
  else
    api = a;
  free(path);
  return api;
}

int m78cli_view_available(void)
{
  return m78cli_viz() != NULL;
}

int m78cli_image_load(const char *path, int *w, int *h, unsigned char **rgb)
{
  const struct m78viz_api *viz = m78cli_viz();
  char why[600];
  if (!viz)
    return -1;
  if (viz->load_rgb(path, w, h, rgb, why, sizeof why) != 0) {
    m78u_error("%s", why);
    return -1;
  }
  return 0;
}

int m78cli_image_save_png(const char *path, int w, int h, const unsigned char *rgb)
{
  const struct m78viz_api *viz = m78cli_viz();
  char why[600];
  if (!viz) {
    errno = ENOSYS;
    return -1;
  }
  return viz->save_rgb_png(path, w, h, rgb, why, sizeof why);
}

static void fill_viz(const struct m78cli_view_opts *v, struct m78viz_opts *z, const char *dump_dir, const char *report,
                     const char *title)
{
  memset(z, 0, sizeof *z);
  z->dump_dir = dump_dir;
  z->report = report;
  z->title = title;
  z->compare = v->compare;
  z->screenshot = v->screenshot;
  z->save_dir = v->save_dir;
  z->layer_set = v->layer_set;
  z->layer = v->layer;
  z->channel = v->channel;
  z->width = v->width;
  z->height = v->height;
  z->inject = v->inject;
  z->verbose = v->verbose;
}

/* The synthesizer's layer names of the firmware shown, for the viewer. */
static int take_names(const struct m78cli_view_opts *v, struct m78viz_opts *z, char ***names)
{
  int n = v->fwdir ? m78_layer_names(v->fwdir, names) : 0;
  if (!v->fwdir)
    *names = NULL;
  z->layer_names = *names;
  z->n_layer_names = n;
  return n;
}

int m78cli_view_show(const struct m78cli_view_opts *v, const char *dump_dir, const char *report, const char *title)
{
  struct m78viz_opts z;
  char **names;
  fill_viz(v, &z, dump_dir, report, title);
  int nnames = take_names(v, &z, &names);
  const struct m78viz_api *viz = m78cli_viz();
  int rc = viz ? viz->main(&z) : M78CLI_EXIT_ERROR;
  m78_layer_names_free(names, nnames);
  if (rc == 0 && v->screenshot)
    printf("wrote %s\n", v->screenshot);
  return rc;
}

struct live_job {
  struct m78fw_run_opts *ro;
  struct m78fw_run_result *res;
  int rc;
  volatile int done;
};

static void *live_thread(void *arg)
{
  struct live_job *j = arg;
  j->rc = m78fw_run(j->ro, j->res);
  __atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

int m78cli_view_live(const struct m78cli_view_opts *v, struct m78fw_run_opts *ro, struct m78fw_run_result *res,
                     int *run_rc, const char *title)
{
  static volatile int cancel;
  cancel = 0;
  char *progress = m78u_path_join(ro->x.live_dir, "progress");
  char *step = m78u_path_join(ro->x.live_dir, "step");
  char *report = m78u_path_join(ro->x.live_dir, "report.json");
  struct live_job job = {.ro = ro, .res = res, .rc = -1, .done = 0};
  ro->x.cancel = &cancel;
  ro->x.timeout_s = 0; /* a person decides how long this takes */
  int rc = 2;
  pthread_t th;
  const struct m78viz_api *viz = m78cli_viz();
  if (viz)
    viz->no_dbus_autolaunch(); /* before the firmware thread starts */
  if (!viz) {
    /* the message is out */
  } else if (m78u_write_file_atomic(step, "0\n", 2) != 0) {
    m78u_error("%s: %s", step, strerror(errno));
  } else if (pthread_create(&th, NULL, live_thread, &job) != 0) {
    m78u_error("cannot start the firmware thread");
  } else {
    struct m78viz_opts z;
    char **names;
    fill_viz(v, &z, ro->x.live_dir, report, title);
    int nnames = take_names(v, &z, &names);
    z.progress_file = progress;
    z.step_file = step;
    z.run_finished = &job.done;
    rc = viz->main(&z);
    m78_layer_names_free(names, nnames);
    cancel = 1;
    pthread_join(th, NULL);
  }
  *run_rc = job.rc;
  /* the live files are not part of the dumps */
  unlink(progress);
  unlink(step);
  unlink(report);
  free(progress);
  free(step);
  free(report);
  return rc;
}

#else

static int no_viewer(void)
{
  m78u_error("this max78sim was built without the viewer (cmake -DBUILD_VIEWER=ON needs SDL2, SDL2_image, "
             "SDL2_ttf)");
  return M78CLI_EXIT_ERROR;
}

int m78cli_view_available(void)
{
  no_viewer();
  return 0;
}

const struct m78viz_api *m78cli_viz(void)
{
  no_viewer();
  return NULL;
}

int m78cli_image_load(const char *path, int *w, int *h, unsigned char **rgb)
{
  (void)path, (void)w, (void)h, (void)rgb;
  no_viewer();
  return -1;
}

int m78cli_image_save_png(const char *path, int w, int h, const unsigned char *rgb)
{
  (void)path, (void)w, (void)h, (void)rgb;
  errno = ENOSYS;
  return -1;
}

int m78cli_view_show(const struct m78cli_view_opts *v, const char *dump_dir, const char *report, const char *title)
{
  (void)v;
  (void)dump_dir;
  (void)report;
  (void)title;
  return no_viewer();
}

int m78cli_view_live(const struct m78cli_view_opts *v, struct m78fw_run_opts *ro, struct m78fw_run_result *res,
                     int *run_rc, const char *title)
{
  (void)v;
  (void)ro;
  (void)res;
  (void)title;
  *run_rc = -1;
  return no_viewer();
}

#endif
