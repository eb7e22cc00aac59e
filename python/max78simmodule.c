/*
 * The max78sim Python module: a thin CPython extension over the host API
 * (host/include/max78sim/net.h).  Network wraps an m78net, Result an
 * m78net_result; arrays are copied into numpy arrays once, when a Result
 * is made.  The GIL is released while the simulator runs; a mutex per
 * Network keeps one call at a time on its firmware process.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <pthread.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include "max78sim/net.h"

static PyObject *M78Error, *M78ShapeError, *M78DTypeError;

static PyObject *raise_err(const struct m78net_error *e)
{
  PyObject *type = e->code == M78NET_ESHAPE ? M78ShapeError : e->code == M78NET_EDTYPE ? M78DTypeError : M78Error;
  PyObject *exc = PyObject_CallFunction(type, "s", e->msg);
  if (exc) {
    PyObject *code = PyLong_FromLong(e->code);
    PyObject_SetAttrString(exc, "code", code);
    Py_XDECREF(code);
    PyErr_SetObject(type, exc);
    Py_DECREF(exc);
  }
  return NULL;
}

/* ---- Result ---- */

typedef struct {
  PyObject_HEAD PyObject *dict; /* attributes, filled at creation */
} ResultObject;

static void result_dealloc(ResultObject *self)
{
  Py_XDECREF(self->dict);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *result_getattro(ResultObject *self, PyObject *name)
{
  PyObject *v = self->dict ? PyDict_GetItemWithError(self->dict, name) : NULL;
  if (v) {
    Py_INCREF(v);
    return v;
  }
  if (PyErr_Occurred())
    return NULL;
  return PyObject_GenericGetAttr((PyObject *)self, name);
}

static PyObject *result_repr(ResultObject *self)
{
  PyObject *c = PyDict_GetItemString(self->dict, "cycles"), *k = PyDict_GetItemString(self->dict, "prediction");
  return PyUnicode_FromFormat("<max78sim.Result prediction=%R cycles=%R>", k ? k : Py_None, c ? c : Py_None);
}

static PyObject *result_dir(ResultObject *self, PyObject *unused)
{
  (void)unused;
  return PyDict_Keys(self->dict);
}

static PyMethodDef result_methods[] = {{"__dir__", (PyCFunction)result_dir, METH_NOARGS, NULL}, {NULL}};

PyDoc_STRVAR(result_doc, "The result of one inference (Network.run).\n\n"
                         "Attributes:\n"
                         "  output      the last layer's output, numpy int8 or int32, C x H x W\n"
                         "              (None when run with layers=False)\n"
                         "  layers      list of Layer objects, one per layer\n"
                         "  scores      numpy float64 array: one value per class (output channel)\n"
                         "  prediction  index of the largest score\n"
                         "  label       its class name (model manifest), or None\n"
                         "  cycles      CNN cycles of the inference (master enable to interrupt)\n"
                         "  time_us     the same at the programmed CNN clock\n"
                         "  energy_uj   modelled energy of the inference\n"
                         "  console     the firmware's console output\n"
                         "  report      the run report as a JSON string (docs/report-schema.md)\n");

static PyTypeObject ResultType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "max78sim.Result",
    .tp_basicsize = sizeof(ResultObject),
    .tp_dealloc = (destructor)result_dealloc,
    .tp_getattro = (getattrofunc)result_getattro,
    .tp_repr = (reprfunc)result_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = result_doc,
    .tp_methods = result_methods,
};

/* Layer objects are Results too (same attribute-dict type), documented
 * as such; they carry index, op, output, shape, cycles, time_us, energy_uj. */

static int set(PyObject *d, const char *k, PyObject *v)
{
  if (!v)
    return -1;
  int rc = PyDict_SetItemString(d, k, v);
  Py_DECREF(v);
  return rc;
}

static PyObject *layer_array(const struct m78net_layer *L)
{
  if (!L->data)
    Py_RETURN_NONE;
  npy_intp dims[3] = {L->c, L->h, L->w};
  PyObject *a = PyArray_SimpleNew(3, dims, L->elem_bytes == 4 ? NPY_INT32 : NPY_INT8);
  if (a)
    memcpy(PyArray_DATA((PyArrayObject *)a), L->data, (size_t)L->c * L->h * L->w * L->elem_bytes);
  return a;
}

static PyObject *make_result(const m78net *net, const m78net_result *r)
{
  ResultObject *o = PyObject_New(ResultObject, &ResultType);
  if (!o)
    return NULL;
  o->dict = PyDict_New();
  if (!o->dict) {
    Py_DECREF(o);
    return NULL;
  }
  int n = m78net_result_layer_count(r);
  PyObject *layers = PyList_New(n), *last = NULL;
  for (int i = 0; layers && i < n; i++) {
    struct m78net_layer L;
    m78net_result_layer(r, i, &L);
    ResultObject *lo = PyObject_New(ResultObject, &ResultType);
    if (!lo || !(lo->dict = PyDict_New())) {
      Py_XDECREF(lo);
      Py_CLEAR(layers);
      break;
    }
    PyObject *arr = layer_array(&L);
    if (set(lo->dict, "index", PyLong_FromLong(L.index)) || set(lo->dict, "op", PyUnicode_FromString(L.op)) ||
        set(lo->dict, "shape", Py_BuildValue("(iii)", L.c, L.h, L.w)) ||
        set(lo->dict, "cycles", PyLong_FromUnsignedLongLong(L.cycles)) ||
        set(lo->dict, "time_us", PyFloat_FromDouble(L.time_us)) ||
        set(lo->dict, "energy_uj", PyFloat_FromDouble(L.energy_uj)) ||
        PyDict_SetItemString(lo->dict, "output", arr ? arr : Py_None)) {
      Py_XDECREF(arr);
      Py_DECREF(lo);
      Py_CLEAR(layers);
      break;
    }
    Py_XDECREF(last);
    last = arr;
    PyList_SET_ITEM(layers, i, (PyObject *)lo);
  }
  const double *vals;
  int nv = m78net_result_outputs(r, &vals);
  npy_intp dv = nv;
  PyObject *scores = PyArray_SimpleNew(1, &dv, NPY_FLOAT64);
  if (scores)
    memcpy(PyArray_DATA((PyArrayObject *)scores), vals, (size_t)nv * sizeof *vals);
  int best = m78net_result_class(r);
  const char *name = m78net_class_name(net, best);
  if (!layers || !scores || set(o->dict, "layers", layers) ||
      PyDict_SetItemString(o->dict, "output", last ? last : Py_None) || set(o->dict, "scores", scores) ||
      set(o->dict, "prediction", PyLong_FromLong(best)) ||
      set(o->dict, "label", name ? PyUnicode_FromString(name) : (Py_INCREF(Py_None), Py_None)) ||
      set(o->dict, "cycles", PyLong_FromUnsignedLongLong(m78net_result_cycles(r))) ||
      set(o->dict, "time_us", PyFloat_FromDouble(m78net_result_time_us(r))) ||
      set(o->dict, "energy_uj", PyFloat_FromDouble(m78net_result_energy_uj(r))) ||
      set(o->dict, "console",
          PyUnicode_DecodeUTF8(m78net_result_console(r), (Py_ssize_t)strlen(m78net_result_console(r)), "replace")) ||
      set(o->dict, "report", PyUnicode_FromString(m78net_result_report(r) ? m78net_result_report(r) : ""))) {
    Py_XDECREF(last);
    Py_DECREF(o);
    return NULL;
  }
  Py_XDECREF(last);
  return (PyObject *)o;
}

/* ---- Network ---- */

typedef struct {
  PyObject_HEAD m78net *net;
  pthread_mutex_t lock;
  int c, h, w;
} NetworkObject;

static void network_dealloc(NetworkObject *self)
{
  if (self->net) {
    Py_BEGIN_ALLOW_THREADS m78net_close(self->net);
    Py_END_ALLOW_THREADS
  }
  pthread_mutex_destroy(&self->lock);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static int check_open(NetworkObject *self)
{
  if (!self->net) {
    struct m78net_error e = {M78NET_EINVAL, "the network is closed"};
    raise_err(&e);
    return -1;
  }
  return 0;
}

/* Converts X (one sample, or a batch when BATCH) with m78net_convert into
 * OUT (malloc'd); returns the sample count, or -1 with an exception. */
static Py_ssize_t convert_input(NetworkObject *self, PyObject *x, int batch, int8_t **out)
{
  PyArrayObject *a = (PyArrayObject *)PyArray_FROM_OF(x, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
  if (!a)
    return -1;
  int nd = PyArray_NDIM(a);
  npy_intp *d = PyArray_DIMS(a);
  struct m78net_error e = {M78NET_EDTYPE, ""};
  enum m78net_dtype t;
  switch (PyArray_TYPE(a)) {
  case NPY_INT8: t = M78NET_INT8; break;
  case NPY_UINT8: t = M78NET_UINT8; break;
  case NPY_INT16: t = M78NET_INT16; break;
  case NPY_INT32: t = M78NET_INT32; break;
  case NPY_INT64: t = M78NET_INT64; break;
  case NPY_FLOAT32: t = M78NET_FLOAT32; break;
  case NPY_FLOAT64: t = M78NET_FLOAT64; break;
  default:
    snprintf(e.msg, sizeof e.msg, "input dtype %s is not supported (int8, uint8, int16/32/64, float32, float64)",
             PyArray_DESCR(a)->typeobj->tp_name);
    Py_DECREF(a);
    return raise_err(&e), -1;
  }
  Py_ssize_t n = batch ? (nd >= 1 ? d[0] : 0) : 1;
  size_t shape[8], per = (size_t)self->c * self->h * self->w, esize = (size_t)PyArray_ITEMSIZE(a);
  int snd = batch ? nd - 1 : nd;
  if (n <= 0 || snd < 0 || snd > 8) {
    snprintf(e.msg, sizeof e.msg, "%s; layer 0 reads %dx%dx%d",
             batch ? "no samples (N x C x H x W expected)" : "not an array of layer 0's shape", self->c, self->h,
             self->w);
    e.code = M78NET_ESHAPE;
    Py_DECREF(a);
    return raise_err(&e), -1;
  }
  for (int i = 0; i < snd; i++)
    shape[i] = (size_t)d[i + (batch ? 1 : 0)];
  int8_t *o = malloc((size_t)n * per + 1);
  if (!o) {
    Py_DECREF(a);
    PyErr_NoMemory();
    return -1;
  }
  const char *p = PyArray_DATA(a);
  size_t stride = 1;
  for (int i = 0; i < snd; i++)
    stride *= shape[i];
  for (Py_ssize_t k = 0; k < n; k++)
    if (m78net_convert(self->net, p + (size_t)k * stride * esize, t, snd, shape, o + (size_t)k * per, &e) !=
        M78NET_OK) {
      if (batch && e.code == M78NET_EDTYPE) {
        char m[sizeof e.msg];
        snprintf(m, sizeof m, "sample %zd: %s", k, e.msg);
        snprintf(e.msg, sizeof e.msg, "%s", m);
      }
      free(o);
      Py_DECREF(a);
      return raise_err(&e), -1;
    }
  Py_DECREF(a);
  *out = o;
  return n;
}

PyDoc_STRVAR(run_doc, "run(x, layers=True) -> Result\n\n"
                      "One inference on x, a numpy array of layer 0's shape (C, H, W) (or (H, W) for one\n"
                      "channel).  int8 values are used as they are; uint8 is normalized as ai8x-training\n"
                      "does for the hardware (round((p / 255 - 0.5) * 256)); floats in [-1, 1) are\n"
                      "multiplied by 128.  The firmware's own load_input() carries the input.  With\n"
                      "layers=False only the scores, cycles and energy are kept (faster).\n"
                      "Raises ShapeError for a wrong shape, DTypeError for a wrong dtype or value, Error\n"
                      "otherwise.");

static PyObject *network_run(NetworkObject *self, PyObject *args, PyObject *kw)
{
  static char *kwlist[] = {"x", "layers", NULL};
  PyObject *x;
  int layers = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|p", kwlist, &x, &layers) || check_open(self))
    return NULL;
  int8_t *in;
  if (convert_input(self, x, 0, &in) < 0)
    return NULL;
  m78net_result *r = NULL;
  struct m78net_error e;
  enum m78net_status st;
  Py_BEGIN_ALLOW_THREADS pthread_mutex_lock(&self->lock);
  st = self->net ? m78net_run(self->net, in, (size_t)self->c * self->h * self->w, layers ? M78NET_LAYERS : 0, &r, &e)
                 : M78NET_EINVAL;
  pthread_mutex_unlock(&self->lock);
  Py_END_ALLOW_THREADS free(in);
  if (st != M78NET_OK) {
    if (!self->net)
      snprintf(e.msg, sizeof e.msg, "the network is closed"), e.code = M78NET_EINVAL;
    return raise_err(&e);
  }
  PyObject *res = make_result(self->net, r);
  m78net_result_free(r);
  return res;
}

PyDoc_STRVAR(eval_doc, "eval(X, labels=None, jobs=1, layers=False) -> dict\n\n"
                       "Many inferences: X is N x C x H x W (or N x H x W), values as for run().  Runs\n"
                       "up to `jobs` inferences at once; results are identical for any jobs.  Returns a\n"
                       "dict: 'results' (a Result per input), 'predictions' (int array of N),\n"
                       "'scores' (N x classes), 'cycles', 'energy_uj' (arrays of N), and with labels\n"
                       "(N class indices) 'accuracy', 'confusion' (classes x classes: label row,\n"
                       "predicted column) and 'misclassified' (indices), as `max78sim eval` prints.");

static PyObject *network_eval(NetworkObject *self, PyObject *args, PyObject *kw)
{
  static char *kwlist[] = {"X", "labels", "jobs", "layers", NULL};
  PyObject *X, *labels = Py_None;
  int jobs = 1, layers = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|Oip", kwlist, &X, &labels, &jobs, &layers) || check_open(self))
    return NULL;
  if (jobs < 1 || jobs > 64) {
    PyErr_SetString(PyExc_ValueError, "jobs: from 1 to 64");
    return NULL;
  }
  int8_t *in;
  Py_ssize_t n = convert_input(self, X, 1, &in);
  if (n < 0)
    return NULL;
  PyArrayObject *lab = NULL;
  if (labels != Py_None) {
    lab = (PyArrayObject *)PyArray_FROM_OTF(labels, NPY_INT64, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!lab || PyArray_NDIM(lab) != 1 || PyArray_DIM(lab, 0) != n) {
      Py_XDECREF(lab);
      free(in);
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "labels: %zd class indices expected", n);
      return NULL;
    }
  }
  m78net_result **rs = calloc((size_t)n, sizeof *rs);
  struct m78net_error e;
  enum m78net_status st = M78NET_ENOMEM;
  if (rs) {
    Py_BEGIN_ALLOW_THREADS pthread_mutex_lock(&self->lock);
    st = m78net_run_many(self->net, in, (size_t)n, jobs, layers ? M78NET_LAYERS : 0, rs, NULL, NULL, &e);
    pthread_mutex_unlock(&self->lock);
    Py_END_ALLOW_THREADS
  }
  free(in);
  if (st != M78NET_OK) {
    free(rs);
    Py_XDECREF(lab);
    if (!rs)
      return PyErr_NoMemory();
    return raise_err(&e);
  }
  const double *v;
  int k = m78net_result_outputs(rs[0], &v);
  npy_intp dn = n, ds[2] = {n, k};
  PyObject *results = PyList_New(n);
  PyObject *pred = PyArray_SimpleNew(1, &dn, NPY_INT64), *scores = PyArray_SimpleNew(2, ds, NPY_FLOAT64);
  PyObject *cyc = PyArray_SimpleNew(1, &dn, NPY_INT64), *en = PyArray_SimpleNew(1, &dn, NPY_FLOAT64);
  PyObject *out = PyDict_New();
  int fail = !results || !pred || !scores || !cyc || !en || !out;
  for (Py_ssize_t i = 0; !fail && i < n; i++) {
    PyObject *r = make_result(self->net, rs[i]);
    if (!r) {
      fail = 1;
      break;
    }
    PyList_SET_ITEM(results, i, r);
    ((int64_t *)PyArray_DATA((PyArrayObject *)pred))[i] = m78net_result_class(rs[i]);
    ((int64_t *)PyArray_DATA((PyArrayObject *)cyc))[i] = (int64_t)m78net_result_cycles(rs[i]);
    ((double *)PyArray_DATA((PyArrayObject *)en))[i] = m78net_result_energy_uj(rs[i]);
    int ki = m78net_result_outputs(rs[i], &v);
    for (int j = 0; j < k; j++)
      ((double *)PyArray_DATA((PyArrayObject *)scores))[i * k + j] = j < ki ? v[j] : 0;
  }
  for (Py_ssize_t i = 0; i < n; i++)
    m78net_result_free(rs[i]);
  free(rs);
  if (!fail && lab) {
    npy_intp dc[2] = {k, k};
    PyObject *conf = PyArray_ZEROS(2, dc, NPY_INT64, 0), *mis = PyList_New(0);
    long correct = 0;
    const int64_t *L = PyArray_DATA(lab), *P = PyArray_DATA((PyArrayObject *)pred);
    for (Py_ssize_t i = 0; conf && mis && i < n; i++) {
      if (L[i] == P[i])
        correct++;
      else {
        PyObject *ii = PyLong_FromSsize_t(i);
        PyList_Append(mis, ii);
        Py_XDECREF(ii);
      }
      if (L[i] >= 0 && L[i] < k && P[i] >= 0 && P[i] < k)
        ((int64_t *)PyArray_DATA((PyArrayObject *)conf))[L[i] * k + P[i]]++;
    }
    fail = !conf || !mis || set(out, "accuracy", PyFloat_FromDouble((double)correct / (double)n)) ||
           set(out, "confusion", conf) || set(out, "misclassified", mis);
  }
  Py_XDECREF(lab);
  if (fail || set(out, "results", results) || set(out, "predictions", pred) || set(out, "scores", scores) ||
      set(out, "cycles", cyc) || set(out, "energy_uj", en)) {
    Py_XDECREF(out);
    return NULL;
  }
  return out;
}

PyDoc_STRVAR(close_doc, "close()\n\nEnds the firmware process.  Later calls raise Error.");

static PyObject *network_close(NetworkObject *self, PyObject *unused)
{
  (void)unused;
  m78net *n;
  Py_BEGIN_ALLOW_THREADS pthread_mutex_lock(&self->lock);
  n = self->net;
  self->net = NULL;
  pthread_mutex_unlock(&self->lock);
  m78net_close(n);
  Py_END_ALLOW_THREADS Py_RETURN_NONE;
}

static PyObject *network_enter(PyObject *self, PyObject *unused)
{
  (void)unused;
  Py_INCREF(self);
  return self;
}

static PyObject *network_exit(NetworkObject *self, PyObject *args)
{
  (void)args;
  return network_close(self, NULL);
}

static PyObject *network_get(NetworkObject *self, void *what)
{
  if (check_open(self))
    return NULL;
  const char *w = what;
  if (strcmp(w, "input_shape") == 0)
    return Py_BuildValue("(iii)", self->c, self->h, self->w);
  if (strcmp(w, "firmware") == 0)
    return PyUnicode_FromString(m78net_firmware_dir(self->net));
  if (strcmp(w, "sample") == 0) {
    npy_intp d[3] = {self->c, self->h, self->w};
    PyObject *a = PyArray_SimpleNew(3, d, NPY_INT8);
    if (a)
      memcpy(PyArray_DATA((PyArrayObject *)a), m78net_sample(self->net), (size_t)self->c * self->h * self->w);
    return a;
  }
  int n = m78net_class_count(self->net);
  if (!m78net_class_name(self->net, 0))
    Py_RETURN_NONE;
  PyObject *l = PyList_New(n);
  for (int i = 0; l && i < n; i++)
    PyList_SET_ITEM(l, i, PyUnicode_FromString(m78net_class_name(self->net, i)));
  return l;
}

static PyGetSetDef network_getset[] = {
    {"input_shape", (getter)network_get, NULL, "layer 0's input shape (C, H, W)", "input_shape"},
    {"firmware", (getter)network_get, NULL, "the synthesized firmware folder", "firmware"},
    {"sample", (getter)network_get, NULL, "the firmware's baked-in sample input (int8, C x H x W)", "sample"},
    {"classes", (getter)network_get, NULL, "class names from the model manifest, or None", "classes"},
    {NULL}};

static PyMethodDef network_methods[] = {
    {"run", (PyCFunction)(void (*)(void))network_run, METH_VARARGS | METH_KEYWORDS, run_doc},
    {"eval", (PyCFunction)(void (*)(void))network_eval, METH_VARARGS | METH_KEYWORDS, eval_doc},
    {"close", (PyCFunction)network_close, METH_NOARGS, close_doc},
    {"__enter__", network_enter, METH_NOARGS, "with max78sim.load(...) as net: closes the network at the end"},
    {"__exit__", (PyCFunction)network_exit, METH_VARARGS, "closes the network"},
    {NULL}};

PyDoc_STRVAR(network_doc, "A loaded network (max78sim.load): its firmware process has loaded the weights and\n"
                          "waits for inputs.  Methods run(), eval(), close(); attributes input_shape,\n"
                          "classes, sample, firmware.");

static PyTypeObject NetworkType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "max78sim.Network",
    .tp_basicsize = sizeof(NetworkObject),
    .tp_dealloc = (destructor)network_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = network_doc,
    .tp_methods = network_methods,
    .tp_getset = network_getset,
};

PyDoc_STRVAR(load_doc, "load(project, threads=1, rebuild=False, max78sim=None) -> Network\n\n"
                       "Builds and starts a synthesized network: project is a firmware folder (cnn.c,\n"
                       "main.c, weights.h, sampledata.h ...), a corpus case folder or a model name\n"
                       "(models/).  The firmware runs as 'max78sim run' runs it, up to its load_input();\n"
                       "threads is the engine's thread count per inference; max78sim names the\n"
                       "max78sim command (default: $M78SIM_TOOL, else the one installed with this\n"
                       "module).  Raises Error (code M78NET_ENOENT = 2 for a missing project).");

static PyObject *mod_load(PyObject *mod, PyObject *args, PyObject *kw)
{
  (void)mod;
  static char *kwlist[] = {"project", "threads", "rebuild", "max78sim", NULL};
  const char *project, *tool = NULL;
  int threads = 1, rebuild = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "s|ipz", kwlist, &project, &threads, &rebuild, &tool))
    return NULL;
  struct m78net_options opt = {.max78sim = tool, .threads = threads, .rebuild = rebuild};
  struct m78net_error e;
  m78net *net = NULL;
  enum m78net_status st;
  Py_BEGIN_ALLOW_THREADS st = m78net_open(&net, project, &opt, &e);
  Py_END_ALLOW_THREADS if (st != M78NET_OK) return raise_err(&e);
  NetworkObject *o = PyObject_New(NetworkObject, &NetworkType);
  if (!o) {
    m78net_close(net);
    return NULL;
  }
  o->net = net;
  pthread_mutex_init(&o->lock, NULL);
  m78net_input_shape(net, &o->c, &o->h, &o->w);
  return (PyObject *)o;
}

static PyMethodDef mod_methods[] = {
    {"load", (PyCFunction)(void (*)(void))mod_load, METH_VARARGS | METH_KEYWORDS, load_doc}, {NULL}};

PyDoc_STRVAR(mod_doc, "max78sim: the MAX78000 CNN accelerator simulator from Python.\n\n"
                      "    import max78sim, numpy as np\n"
                      "    net = max78sim.load('../shared/corpus/mnist/firmware')   # or a model name\n"
                      "    r = net.run(x)            # x: np.ndarray of net.input_shape (C, H, W)\n"
                      "    r.output, r.layers[2].output, r.cycles, r.energy_uj, r.prediction\n"
                      "    net.eval(X, labels=y, jobs=2)\n\n"
                      "Every inference is the unmodified synthesized firmware running on the simulated\n"
                      "accelerator: bit-exact layer outputs, CNN cycles and modelled energy.\n"
                      "Errors raise max78sim.Error (attribute code: the C API's status) or its\n"
                      "subclasses ShapeError (also a ValueError) and DTypeError (also a TypeError).\n"
                      "docs/python.md has the whole API.");

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT, "max78sim", mod_doc, -1, mod_methods};

PyMODINIT_FUNC PyInit_max78sim(void)
{
  import_array();
  if (PyType_Ready(&ResultType) < 0 || PyType_Ready(&NetworkType) < 0)
    return NULL;
  PyObject *m = PyModule_Create(&moddef);
  if (!m)
    return NULL;
  M78Error = PyErr_NewExceptionWithDoc("max78sim.Error", "A max78sim error; .code is the C API's m78net_status.", NULL,
                                       NULL);
  PyObject *bases = PyTuple_Pack(2, M78Error, PyExc_ValueError);
  M78ShapeError = PyErr_NewExceptionWithDoc("max78sim.ShapeError", "The input does not have layer 0's shape.", bases,
                                            NULL);
  Py_XDECREF(bases);
  bases = PyTuple_Pack(2, M78Error, PyExc_TypeError);
  M78DTypeError = PyErr_NewExceptionWithDoc(
      "max78sim.DTypeError", "The input's dtype or values are not what the conversions take.", bases, NULL);
  Py_XDECREF(bases);
  Py_INCREF(&NetworkType);
  Py_INCREF(&ResultType);
  if (PyModule_AddObject(m, "Error", M78Error) || PyModule_AddObject(m, "ShapeError", M78ShapeError) ||
      PyModule_AddObject(m, "DTypeError", M78DTypeError) ||
      PyModule_AddObject(m, "Network", (PyObject *)&NetworkType) ||
      PyModule_AddObject(m, "Result", (PyObject *)&ResultType))
    return NULL;
  return m;
}
