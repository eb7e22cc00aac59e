/*
 * What a DIR|MODEL argument names, for every command that takes one
 * (run, view, build, capture, compare, bench, test, replay --model).
 * One resolver so the forms cannot drift apart between commands:
 *
 *   1. a firmware folder: an existing folder holding cnn.c, main.c, cnn.h
 *      and weights.h (the synthesizer's output);
 *   2. a corpus case folder: an existing folder whose firmware/ is one
 *      (its expected.json and layers/ are then known too);
 *   3. a model name: models/NAME/model.json (source tree, or
 *      share/max78sim/models when installed); it may carry class names;
 *   4. a corpus case name: CORPUS/NAME/firmware, CORPUS being --corpus
 *      DIR, else $M78SIM_CORPUS, else ../shared/corpus beside the source
 *      tree (or the install prefix) -- see m78fw_corpus_dir().
 *
 * Existing paths win over names; a model wins over a corpus case of the
 * same name (the model knows the class names).
 */
#ifndef M78_RESOLVE_H
#define M78_RESOLVE_H

#include "fwbuild.h"

enum m78cli_form { M78CLI_FORM_FIRMWARE_DIR, M78CLI_FORM_CASE_DIR, M78CLI_FORM_MODEL, M78CLI_FORM_CASE_NAME };

struct m78cli_target {
  enum m78cli_form form;
  char *fwdir;              /* the synthesized project */
  char *case_dir;           /* the corpus case folder, or NULL */
  struct m78fw_model model; /* filled for M78CLI_FORM_MODEL, else empty */
};

/* Resolves ARG; 0 on success, -1 after printing one error line that names
 * the forms tried. */
int m78cli_resolve(const struct m78fw_paths *paths, const char *arg, struct m78cli_target *t);
void m78cli_target_free(struct m78cli_target *t);
const char *m78cli_form_name(enum m78cli_form f);

/* The paragraph every command's --help prints about DIR|MODEL. */
#define M78CLI_TARGET_HELP                                                                                             \
  "DIR|MODEL is any of: a synthesized firmware folder (cnn.c, main.c, cnn.h,\n"                                        \
  "weights.h); a corpus case folder (its firmware/ is one); a model name\n"                                            \
  "(models/NAME, see models/README.md); a corpus case name (CORPUS/NAME/firmware).\n"                                  \
  "CORPUS is --corpus DIR (any command), else $" M78FW_CORPUS_ENV ", else\n"                                           \
  "../shared/corpus beside the source tree (or the install prefix).\n"

#endif
