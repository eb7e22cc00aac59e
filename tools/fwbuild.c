/*
 * Firmware paths, models and the build cache (see fwbuild.h); the
 * firmware process itself is started and watched by fwrun.c.
 */
#define _GNU_SOURCE
#include "fwbuild.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "m78_config.h"
#include "max78sim/env.h"

static const char *const libraries[] = {"libm78shim.a", "libm78host.a", "libm78sim.a"};
#define NLIBS (sizeof libraries / sizeof libraries[0])

const char *const m78fw_required_files[] = {"cnn.c", "main.c", "cnn.h", "weights.h", NULL};

/* ---- paths ---- */

static char *exe_dir(void)
{
  char *exe = m78u_self_exe();
  char *dir = exe ? m78u_dirname(exe) : NULL;
  free(exe);
  return dir;
}

static const char *env_nonempty(const char *name)
{
  const char *v = getenv(name);
  return v && *v ? v : NULL;
}

void m78fw_paths_init(struct m78fw_paths *p)
{
  memset(p, 0, sizeof *p);
  char *bin = exe_dir();
  char *prefix = bin ? m78u_dirname(bin) : NULL;
  char *probe = prefix ? m78u_path_join(prefix, "lib/max78sim/libm78shim.a") : NULL;
  if (probe && m78u_is_file(probe)) {
    p->installed = 1;
    p->lib_dir = m78u_path_join(prefix, "lib/max78sim");
    p->shim_include = m78u_path_join(prefix, "include/max78sim/shim");
    p->shim_src = m78u_xstrdup(p->shim_include);
    p->sim_include = m78u_path_join(prefix, "include");
    p->host_include = m78u_xstrdup(p->sim_include);
    p->data_dir = m78u_path_join(prefix, "share/max78sim");
    p->root_dir = m78u_xstrdup(p->data_dir);
  } else {
    p->lib_dir = m78u_xstrdup(M78_CFG_BUILD_LIB_DIR);
    p->shim_include = m78u_xstrdup(M78_CFG_SHIM_INCLUDE);
    p->shim_src = m78u_xstrdup(M78_CFG_SHIM_SRC);
    p->sim_include = m78u_xstrdup(M78_CFG_SIM_INCLUDE);
    p->host_include = m78u_xstrdup(M78_CFG_HOST_INCLUDE);
    p->data_dir = m78u_xstrdup(M78_CFG_SOURCE_DIR);
    p->root_dir = m78u_xstrdup(M78_CFG_SOURCE_DIR);
  }
  const char *cc = env_nonempty(M78ENV_CC);
  p->cc = m78u_xstrdup(cc ? cc : M78_CFG_CC);
  free(probe);
  free(prefix);
  free(bin);
}

void m78fw_paths_free(struct m78fw_paths *p)
{
  free(p->cc);
  free(p->lib_dir);
  free(p->shim_include);
  free(p->shim_src);
  free(p->sim_include);
  free(p->host_include);
  free(p->data_dir);
  free(p->root_dir);
  memset(p, 0, sizeof *p);
}

const char *m78fw_missing_file(const char *dir)
{
  for (const char *const *f = m78fw_required_files; *f; f++) {
    char *path = m78u_path_join(dir, *f);
    int ok = m78u_is_file(path);
    free(path);
    if (!ok)
      return *f;
  }
  return NULL;
}

char *m78fw_corpus_dir(void)
{
  const char *v = env_nonempty(M78FW_CORPUS_ENV);
  if (v)
    return m78u_xstrdup(v);
  struct m78fw_paths p;
  m78fw_paths_init(&p);
  char *dir = NULL;
  if (p.installed) {
    /* data_dir is PREFIX/share/max78sim */
    dir = m78u_path_join(p.data_dir, "../../../shared/corpus");
    if (!m78u_is_dir(dir)) {
      free(dir);
      dir = NULL;
    }
  }
  m78fw_paths_free(&p);
  return dir ? dir : m78u_xasprintf("%s/../shared/corpus", M78_CFG_SOURCE_DIR);
}

/* Expands a leading ${M78SIM_CORPUS} in a manifest path. */
static char *expand_corpus(const char *path)
{
  static const char var[] = "${" M78FW_CORPUS_ENV "}";
  if (strncmp(path, var, sizeof var - 1) != 0)
    return m78u_xstrdup(path);
  char *corpus = m78fw_corpus_dir();
  char *out = m78u_xasprintf("%s%s", corpus, path + sizeof var - 1);
  free(corpus);
  return out;
}

void m78fw_model_free(struct m78fw_model *m)
{
  free(m->name);
  free(m->firmware);
  free(m->prediction_note);
  for (int i = 0; i < m->nclasses; i++)
    free(m->classes[i]);
  free(m->classes);
  memset(m, 0, sizeof *m);
}

int m78fw_load_model(const struct m78fw_paths *p, const char *name, struct m78fw_model *m)
{
  static const char *const manifests[] = {"model.json", "manifest.json"};
  memset(m, 0, sizeof *m);
  m->logit_scale = 1;
  if (!*name || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return 0;
  char *model_dir = m78u_xasprintf("%s/models/%s", p->data_dir, name);
  char *manifest = NULL;
  for (size_t i = 0; i < sizeof manifests / sizeof manifests[0] && !manifest; i++) {
    char *f = m78u_path_join(model_dir, manifests[i]);
    if (m78u_is_file(f))
      manifest = f;
    else
      free(f);
  }
  if (!manifest) {
    free(model_dir);
    return 0;
  }
  int rc = -1;
  char *text = m78u_read_file(manifest, NULL);
  cJSON *json = text ? cJSON_Parse(text) : NULL;
  const cJSON *fw = cJSON_GetObjectItemCaseSensitive(json, "firmware");
  const cJSON *classes = cJSON_GetObjectItemCaseSensitive(json, "classes");
  const cJSON *scale = cJSON_GetObjectItemCaseSensitive(json, "logit_scale");
  char *fwpath = cJSON_IsString(fw) && *fw->valuestring ? expand_corpus(fw->valuestring) : NULL;
  if (!text) {
    m78u_error("%s: %s", manifest, strerror(errno));
  } else if (!json) {
    m78u_error("%s: not valid JSON", manifest);
  } else if (!fwpath) {
    m78u_error("%s: model %s has no \"firmware\" entry", manifest, name);
  } else if (classes && !cJSON_IsArray(classes)) {
    m78u_error("%s: model %s: \"classes\" must be a list of names", manifest, name);
  } else if (scale && (!cJSON_IsNumber(scale) || !(scale->valuedouble > 0))) {
    m78u_error("%s: model %s: \"logit_scale\" must be a positive number", manifest, name);
  } else {
    if (fwpath[0] == '/') {
      if (m78u_is_dir(fwpath)) {
        m->firmware = m78u_xstrdup(fwpath);
        rc = 1;
      }
    } else {
      const char *bases[] = {p->root_dir, model_dir};
      for (size_t i = 0; i < 2 && rc < 0; i++) {
        char *cand = m78u_path_join(bases[i], fwpath);
        if (m78u_is_dir(cand)) {
          m->firmware = cand;
          rc = 1;
        } else {
          free(cand);
        }
      }
    }
    if (rc < 0)
      m78u_error("%s: model %s: firmware folder %s not found (set the corpus with --corpus DIR or " M78FW_CORPUS_ENV
                 ", or run the firmware folder directly)",
                 manifest, name, fwpath);
  }
  if (rc == 1) {
    m->name = m78u_xstrdup(name);
    if (scale)
      m->logit_scale = scale->valuedouble;
    const cJSON *note = cJSON_GetObjectItemCaseSensitive(json, "prediction_note");
    if (cJSON_IsString(note) && *note->valuestring)
      m->prediction_note = m78u_xstrdup(note->valuestring);
    int n = cJSON_GetArraySize(classes);
    if (n > 0) {
      m->classes = m78u_xmalloc((size_t)n * sizeof *m->classes);
      const cJSON *c;
      cJSON_ArrayForEach(c, classes)
      {
        if (!cJSON_IsString(c)) {
          m78u_error("%s: model %s: class names must be strings", manifest, name);
          rc = -1;
          break;
        }
        m->classes[m->nclasses++] = m78u_xstrdup(c->valuestring);
      }
    }
    if (rc < 0)
      m78fw_model_free(m);
  }
  free(fwpath);
  cJSON_Delete(json);
  free(text);
  free(manifest);
  free(model_dir);
  return rc;
}

int m78fw_resolve_model(const struct m78fw_paths *p, const char *name, char **dir)
{
  struct m78fw_model m;
  int rc = m78fw_load_model(p, name, &m);
  *dir = NULL;
  if (rc == 1) {
    *dir = m.firmware;
    m.firmware = NULL;
  }
  m78fw_model_free(&m);
  return rc;
}

char *m78fw_cache_root(void)
{
  const char *v;
  if ((v = env_nonempty(M78ENV_CACHE)))
    return m78u_xstrdup(v);
  if ((v = env_nonempty("XDG_CACHE_HOME")))
    return m78u_path_join(v, "max78sim");
  if ((v = env_nonempty("HOME")))
    return m78u_path_join(v, ".cache/max78sim");
  return m78u_xasprintf("/tmp/max78sim-cache-%lu", (unsigned long)getuid());
}

/* ---- build ---- */

/* Options of every firmware compile: language, optimisation, headers. */
static size_t common_flags(const struct m78fw_paths *p, const char *absdir, char **argv, size_t n)
{
  argv[n++] = m78u_xstrdup(p->cc);
  argv[n++] = m78u_xstrdup("-std=gnu11");
  argv[n++] = m78u_xstrdup("-O2");
  argv[n++] = m78u_xstrdup("-w");
  argv[n++] = m78u_xstrdup("-fno-strict-aliasing");
  /* the entry of load_input() is the fork point of many-input runs
   * (firmware_shim/src/serve.h); no effect on what the firmware does */
  argv[n++] = m78u_xstrdup("-finstrument-functions");
  argv[n++] = m78u_xasprintf("-I%s", p->shim_include);
  if (strcmp(p->shim_src, p->shim_include) != 0)
    argv[n++] = m78u_xasprintf("-I%s", p->shim_src);
  argv[n++] = m78u_xasprintf("-I%s", p->sim_include);
  if (strcmp(p->host_include, p->sim_include) != 0)
    argv[n++] = m78u_xasprintf("-I%s", p->host_include);
  argv[n++] = m78u_xasprintf("-I%s", absdir);
  return n;
}

/* The shim and what it needs, after the firmware's code. */
static size_t link_libraries(const struct m78fw_paths *p, char **argv, size_t n)
{
  argv[n++] = m78u_xstrdup("-Wl,--whole-archive");
  argv[n++] = m78u_path_join(p->lib_dir, libraries[0]);
  argv[n++] = m78u_xstrdup("-Wl,--no-whole-archive");
  for (size_t i = 1; i < NLIBS; i++)
    argv[n++] = m78u_path_join(p->lib_dir, libraries[i]);
  argv[n++] = m78u_xstrdup("-lcjson");
  argv[n++] = m78u_xstrdup("-lm");
  argv[n++] = m78u_xstrdup("-ldl");
  argv[n++] = m78u_xstrdup("-lpthread");
  if (M78_CFG_SANITIZE[0]) /* the shim was compiled with it: its runtime */
    argv[n++] = m78u_xstrdup("-fsanitize=" M78_CFG_SANITIZE);
  argv[n] = NULL;
  return n;
}

#define ARGV_FIXED 32

char **m78fw_compile_argv(const struct m78fw_paths *p, const char *absdir, char **sources, size_t nsources,
                          const char *output)
{
  char **argv = m78u_xmalloc((ARGV_FIXED + nsources) * sizeof *argv);
  size_t n = common_flags(p, absdir, argv, 0);
  for (size_t i = 0; i < nsources; i++)
    argv[n++] = m78u_path_join(absdir, sources[i]);
  argv[n++] = m78u_xstrdup("-o");
  argv[n++] = m78u_xstrdup(output);
  link_libraries(p, argv, n);
  return argv;
}

/* The instrumentation (firmware_shim/src/inst.h): GCC's ThreadSanitizer
 * calls before every load and store, volatile ones told apart, without
 * the function entry/exit calls; compiled only (-c), so that libtsan is
 * never linked and the shim defines the calls.  memcpy, memmove and
 * memset stay calls, which the shim serves, instead of being expanded
 * into stores the instrumentation does not see. */
static const char *const inst_flags[] = {"-fsanitize=thread",
                                         "--param=tsan-distinguish-volatile=1",
                                         "--param=tsan-instrument-func-entry-exit=0",
                                         "-fno-builtin-memcpy",
                                         "-fno-builtin-memmove",
                                         "-fno-builtin-memset",
                                         NULL};

/* The same with clang, whose instrumentation takes its options by -mllvm. */
static const char *const inst_flags_clang[] = {"-fsanitize=thread",
                                               "-mllvm",
                                               "-tsan-distinguish-volatile=1",
                                               "-mllvm",
                                               "-tsan-instrument-func-entry-exit=0",
                                               "-fno-builtin-memcpy",
                                               "-fno-builtin-memmove",
                                               "-fno-builtin-memset",
                                               NULL};

char **m78fw_inst_compile_argv(const struct m78fw_paths *p, const char *absdir, const char *source, const char *object)
{
  char **argv = m78u_xmalloc(ARGV_FIXED * sizeof *argv);
  size_t n = common_flags(p, absdir, argv, 0);
  const char *base = strrchr(p->cc, '/');
  int clang = strstr(base ? base + 1 : p->cc, "clang") != NULL;
  for (const char *const *f = clang ? inst_flags_clang : inst_flags; *f; f++)
    argv[n++] = m78u_xstrdup(*f);
  argv[n++] = m78u_xstrdup("-c");
  argv[n++] = m78u_path_join(absdir, source);
  argv[n++] = m78u_xstrdup("-o");
  argv[n++] = m78u_xstrdup(object);
  argv[n] = NULL;
  return argv;
}

char **m78fw_inst_link_argv(const struct m78fw_paths *p, char **objects, size_t nobjects, const char *output)
{
  char **argv = m78u_xmalloc((ARGV_FIXED + nobjects) * sizeof *argv);
  size_t n = 0;
  argv[n++] = m78u_xstrdup(p->cc);
  for (size_t i = 0; i < nobjects; i++)
    argv[n++] = m78u_xstrdup(objects[i]);
  argv[n++] = m78u_xstrdup("-o");
  argv[n++] = m78u_xstrdup(output);
  link_libraries(p, argv, n);
  return argv;
}

int m78fw_bridge_parse(const char *name)
{
  if (strcmp(name, "inst") == 0)
    return M78FW_BRIDGE_INST;
  if (strcmp(name, "trap") == 0)
    return M78FW_BRIDGE_TRAP;
  return -1;
}

const char *m78fw_bridge_name(enum m78fw_bridge mode)
{
  return mode == M78FW_BRIDGE_TRAP ? "trap" : "inst";
}

int m78fw_bridge_from_env(void)
{
  const char *v = env_nonempty(M78FW_BRIDGE_ENV);
  int mode = v ? m78fw_bridge_parse(v) : M78FW_BRIDGE_INST;
  if (mode < 0)
    m78u_error("%s=%s: the bridge is inst or trap", M78FW_BRIDGE_ENV, v);
  return mode;
}

void m78fw_free_argv(char **argv)
{
  if (!argv)
    return;
  for (char **a = argv; *a; a++)
    free(*a);
  free(argv);
}

/* Hashes the sources and libraries; the compile command is added by the
 * caller.  Returns -1 after printing an error. */
static int hash_inputs(const struct m78fw_paths *p, const char *dir, const char *label, char **files, size_t nfiles,
                       uint64_t *h)
{
  *h = m78cli_fnv1a_str(*h, "max78sim firmware cache 1");
  for (size_t i = 0; i < nfiles; i++) {
    char *path = m78u_path_join(dir, files[i]);
    size_t len = 0;
    char *data = m78u_read_file(path, &len);
    if (!data) {
      m78u_error("%s: %s: %s", label, files[i], strerror(errno));
      free(path);
      return -1;
    }
    *h = m78cli_fnv1a_str(*h, files[i]);
    *h = m78cli_fnv1a_u64(*h, len);
    *h = m78cli_fnv1a(*h, data, len);
    free(data);
    free(path);
  }
  for (size_t i = 0; i < NLIBS; i++) {
    char *lib = m78u_path_join(p->lib_dir, libraries[i]);
    struct stat st;
    if (stat(lib, &st) != 0) {
      m78u_error("%s: %s (is max78sim built?)", lib, strerror(errno));
      free(lib);
      return -1;
    }
    *h = m78cli_fnv1a_str(*h, lib);
    *h = m78cli_fnv1a_u64(*h, (uint64_t)st.st_size);
    *h = m78cli_fnv1a_u64(*h, (uint64_t)st.st_mtim.tv_sec);
    *h = m78cli_fnv1a_u64(*h, (uint64_t)st.st_mtim.tv_nsec);
    free(lib);
  }
  return 0;
}

static int is_source(const char *dir, const char *name)
{
  if (name[0] == '.' || !(m78u_has_suffix(name, ".c") || m78u_has_suffix(name, ".h") || m78u_has_suffix(name, ".inc")))
    return 0;
  char *path = m78u_path_join(dir, name);
  int ok = m78u_is_file(path);
  free(path);
  return ok;
}

/* Starts the compiler; -1 after printing an error. */
static pid_t start_compiler(char **argv, const char *label)
{
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  /* The compiler's stdout joins its stderr: our stdout is for results. */
  struct m78proc_spawn_opts so = {.argv = argv, .fd_in = devnull, .fd_out = 2, .fd_err = -1};
  pid_t pid = m78proc_spawn(&so);
  int e = errno;
  if (devnull >= 0)
    close(devnull);
  if (pid < 0)
    m78u_error("%s: cannot run the compiler %s: %s", label, argv[0], strerror(e));
  return pid;
}

/* Waits for a compiler started by start_compiler: 0 if it succeeded. */
static int compiler_done(pid_t pid)
{
  int status;
  return m78proc_wait(pid, &status) == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int compile(char **argv, const char *label)
{
  pid_t pid = start_compiler(argv, label);
  if (pid < 0)
    return -1;
  if (compiler_done(pid) != 0) {
    m78u_error("%s: firmware does not compile", label);
    return -1;
  }
  return 0;
}

/* The object file of source NAME (cnn.c: cnn.o) in DIR. */
static char *object_name(const char *dir, const char *name)
{
  size_t len = strlen(name);
  char *base = m78u_xasprintf("%.*s.o", (int)(len > 2 ? len - 2 : len), name);
  if (!dir)
    return base;
  char *path = m78u_path_join(dir, base);
  free(base);
  return path;
}

/* The inst mechanism's build into EXE: every source compiled in parallel
 * into a private folder beside it, then linked.  Object names without a
 * folder give the commands that go into the key. */
static int build_inst(const struct m78fw_paths *p, const char *absdir, char **sources, size_t nsources,
                      const char *objdir, const char *exe, const char *label)
{
  char **objects = m78u_xmalloc((nsources + 1) * sizeof *objects);
  pid_t *pids = m78u_xmalloc((nsources + 1) * sizeof *pids);
  int rc = 0;
  size_t started = 0;
  for (size_t i = 0; i < nsources; i++) {
    objects[i] = object_name(objdir, sources[i]);
    char **argv = m78fw_inst_compile_argv(p, absdir, sources[i], objects[i]);
    pids[i] = start_compiler(argv, label);
    m78fw_free_argv(argv);
    if (pids[i] < 0) {
      rc = -1;
      free(objects[i]);
      break;
    }
    started++;
  }
  for (size_t i = 0; i < started; i++)
    if (compiler_done(pids[i]) != 0)
      rc = -1;
  if (rc == 0 && started == nsources) {
    char **argv = m78fw_inst_link_argv(p, objects, nsources, exe);
    rc = compile(argv, label);
    m78fw_free_argv(argv);
  } else if (rc != 0) {
    m78u_error("%s: firmware does not compile", label);
  }
  for (size_t i = 0; i < started; i++)
    free(objects[i]);
  free(objects);
  free(pids);
  return rc;
}

/* Adds the commands of MODE's build to the key. */
static uint64_t hash_commands(const struct m78fw_paths *p, const char *absdir, char **sources, size_t nsources,
                              enum m78fw_bridge mode, uint64_t h)
{
  h = m78cli_fnv1a_str(h, m78fw_bridge_name(mode));
  if (mode == M78FW_BRIDGE_TRAP) {
    /* The command names the final file, not the temporary one, so that
     * the key does not depend on our pid. */
    char **argv = m78fw_compile_argv(p, absdir, sources, nsources, "fw");
    for (char **a = argv; *a; a++)
      h = m78cli_fnv1a_str(h, *a);
    m78fw_free_argv(argv);
    return h;
  }
  char **objects = m78u_xmalloc((nsources + 1) * sizeof *objects);
  for (size_t i = 0; i < nsources; i++) {
    objects[i] = object_name(NULL, sources[i]);
    char **argv = m78fw_inst_compile_argv(p, absdir, sources[i], objects[i]);
    for (char **a = argv; *a; a++)
      h = m78cli_fnv1a_str(h, *a);
    m78fw_free_argv(argv);
  }
  char **argv = m78fw_inst_link_argv(p, objects, nsources, "fw");
  for (char **a = argv; *a; a++)
    h = m78cli_fnv1a_str(h, *a);
  m78fw_free_argv(argv);
  for (size_t i = 0; i < nsources; i++)
    free(objects[i]);
  free(objects);
  return h;
}

char *m78fw_build(const struct m78fw_paths *p, const char *dir, const char *label, int rebuild)
{
  int mode = m78fw_bridge_from_env();
  return mode < 0 ? NULL : m78fw_build_bridge(p, dir, label, rebuild, (enum m78fw_bridge)mode);
}

char *m78fw_build_bridge(const struct m78fw_paths *p, const char *dir, const char *label, int rebuild,
                         enum m78fw_bridge mode)
{
  char *absdir = realpath(dir, NULL);
  if (!absdir) {
    m78u_error("%s: %s", label, strerror(errno));
    return NULL;
  }
  size_t nnames = 0;
  char **names = m78u_list_dir(absdir, &nnames);
  if (!names) {
    m78u_error("%s: %s", label, strerror(errno));
    free(absdir);
    return NULL;
  }
  /* Sorted by m78u_list_dir: the key and the command do not depend on
   * the order of directory entries. */
  char **files = m78u_xmalloc((nnames + 1) * sizeof *files);
  char **sources = m78u_xmalloc((nnames + 1) * sizeof *sources);
  size_t nfiles = 0, nsources = 0;
  for (size_t i = 0; i < nnames; i++) {
    if (!is_source(absdir, names[i]))
      continue;
    files[nfiles++] = names[i];
    if (m78u_has_suffix(names[i], ".c"))
      sources[nsources++] = names[i];
  }

  char *exe = NULL, *key_dir = NULL, *tmp = NULL, *objdir = NULL;
  char **argv = NULL;
  char *root = m78fw_cache_root();
  uint64_t h = M78CLI_FNV_INIT;
  if (hash_inputs(p, absdir, label, files, nfiles, &h) != 0)
    goto out;
  h = hash_commands(p, absdir, sources, nsources, mode, h);
  key_dir = m78u_xasprintf("%s/%016llx", root, (unsigned long long)h);
  exe = m78u_path_join(key_dir, "fw");
  if (!rebuild && access(exe, X_OK) == 0)
    goto out;

  if (m78u_mkdir_p(key_dir) != 0) {
    m78u_error("%s: cannot create the cache folder: %s", key_dir, strerror(errno));
    goto fail;
  }
  tmp = m78u_xasprintf("%s/fw.tmp.%ld", key_dir, (long)getpid());
  /* One line before the long silent step (a big weights.h takes the
   * compiler tens of seconds); its time only on a terminal, so that logs
   * and test outputs stay the same from run to run. */
  fprintf(stderr, "building %s ...\n", label);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int built;
  if (mode == M78FW_BRIDGE_TRAP) {
    argv = m78fw_compile_argv(p, absdir, sources, nsources, tmp);
    built = compile(argv, label);
  } else {
    objdir = m78u_xasprintf("%s/obj.tmp.%ld", key_dir, (long)getpid());
    if (m78u_mkdir_p(objdir) != 0) {
      m78u_error("%s: cannot create a folder: %s", objdir, strerror(errno));
      built = -1;
    } else {
      built = build_inst(p, absdir, sources, nsources, objdir, tmp, label);
      m78u_remove_tree(objdir);
    }
  }
  if (built != 0) {
    unlink(tmp);
    goto fail;
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (isatty(STDERR_FILENO))
    fprintf(stderr, "built %s in %.1f s (%zu source file%s; cached for the next run)\n", label,
            (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec), nsources,
            nsources == 1 ? "" : "s");
  if (rename(tmp, exe) != 0) {
    m78u_error("%s: %s", exe, strerror(errno));
    unlink(tmp);
    goto fail;
  }
  goto out;
fail:
  if (key_dir)
    rmdir(key_dir); /* only if empty: never touch a good entry */
  free(exe);
  exe = NULL;
out:
  m78fw_free_argv(argv);
  free(tmp);
  free(objdir);
  free(key_dir);
  free(root);
  free(files);
  free(sources);
  m78u_free_list(names, nnames);
  free(absdir);
  return exe;
}
