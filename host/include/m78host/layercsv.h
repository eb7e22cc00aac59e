/*
 * The per-layer table of a run report (docs/report-schema.md) as CSV, for
 * spreadsheets and CI dashboards (`run --csv`, `replay --csv`, and any
 * later command that has a report: call m78_csv_write_file).
 *
 * Columns: layer,name,op,input,output,macs,cycles,time_us,energy_uj,
 * macs_per_cycle -- one row per report layer, then one "total" row (sums
 * of macs, cycles, time_us and energy_uj; macs_per_cycle = macs / cycles
 * of the whole network, as the printed table does).  Numbers are the
 * report's, printed so that they read back as the same double; a field
 * the report lacks is empty.  Shapes are CxHxW.  RFC 4180 quoting.
 *
 * Layer names are not in the report: they come from the synthesizer's
 * network description (m78_layer_names).
 */
#ifndef M78_LAYERCSV_H
#define M78_LAYERCSV_H

#include <stddef.h>

struct cJSON;

/* NAMES[i] names layer i (NULL or "" when unknown); NAMES may be NULL.
 * Returns the CSV text (malloc'd), NULL when out of memory. */
char *m78_csv_from_report(const struct cJSON *report, char *const *names, int nnames);

/* Writes it to PATH through PATH.tmp.<pid> and a rename.  0, or -1 with
 * a message in ERR. */
int m78_csv_write_file(const char *path, const struct cJSON *report, char *const *names, int nnames, char *err,
                       size_t errlen);

/* Layer names the synthesizer wrote into FWDIR's main.c or cnn.c as
 * "Layer N (NAME): ..." comments (izer does so when the network
 * description names its layers).  Returns the count of entries in *names
 * (index = layer, NULL where a layer has no name; 0 and *names = NULL when
 * there are none).  Free with m78_layer_names_free. */
int m78_layer_names(const char *fwdir, char ***names);
void m78_layer_names_free(char **names, int n);

#endif
