/* Compiled fast path of the traced Lock: acquire and release without Python frames.
 *
 * Only the common case lives here: a call straight from the program's code, with default
 * arguments, in a free run (no gate, not aborted), on an uncontended lock. Everything else
 * calls back into the Python methods of app/tracing/primitives.py, which stay the reference
 * behaviour; tests run the semantics battery against both.
 *
 * Time stamps use CLOCK_MONOTONIC, the clock behind time.perf_counter_ns() on Linux; the
 * Python side enables this module only after checking that.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <time.h>

static PyObject *str_tid, *str_acquire, *str_release;
static PyObject *str_acquire_py, *str_release_py, *str_contended, *str_after_release;

/* A FastState made with __new__ alone, or cleared by the collector, has no list to record
 * into: nothing compiled may touch it. */
#define STATE_READY(st) ((st) != NULL && (st)->rows != NULL && (st)->local != NULL)

static inline long long
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- FastState: what the fast path needs of a Recorder ---------------------------------- */

/* Lines are looked up by (code object, instruction offset): computing one from the line
 * table walks the table from its start, which cost more than the rest of an event. A small
 * direct-mapped cache per state keeps the answer; each entry owns a reference to its code
 * object, so an address is never mistaken for a new code object's. */
#define LINE_CACHE 128

typedef struct {
    PyObject *code;
    int lasti;
    int line;
} LineSlot;

typedef struct {
    PyObject_HEAD
    PyObject *rows;     /* list the events are appended to */
    PyObject *local;    /* threading.local with .tid */
    PyObject *filename; /* str, or None: any file outside `internal` is the program's */
    PyObject *internal; /* set of file names of the tracing layer */
    long long t0;
    int acquire_code;
    int release_code;
    char intercept; /* set while a gate is installed or the run is stopping */
    PyObject *fallback; /* the Python Recorder.begin, for when the compiled one can't decide */
    unsigned long long serial; /* never reused: tags the thread-local copy of the tid */
    LineSlot lines[LINE_CACHE];
} FastState;

/* The calling thread's id for the state it last recorded into. The Recorder's thread-local
 * `tid` stays the reference (a thread may record into two states in turn); this copy saves
 * the attribute lookup. It is trusted only for the Python thread state that wrote it, so that
 * a value left in storage a later thread comes to use (stacks are recycled) is never taken
 * for its own. */
static _Thread_local unsigned long long tl_serial;
static _Thread_local uint64_t tl_tstate; /* PyThreadState_GetID of the owner */
static _Thread_local PyObject *tl_tid;    /* owned reference */

static void
lines_clear(FastState *self)
{
    for (int i = 0; i < LINE_CACHE; i++)
        Py_CLEAR(self->lines[i].code);
}

static int
state_init(FastState *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"rows",         "local",    "filename", "internal", "t0",
                            "acquire_code", "release_code", "fallback", NULL};
    PyObject *rows, *local, *filename, *internal, *fallback = Py_None;
    long long t0;
    int acquire_code, release_code;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OOO!Lii|O", names, &PyList_Type, &rows,
                                     &local, &filename, &PySet_Type, &internal, &t0,
                                     &acquire_code, &release_code, &fallback))
        return -1;
    if (fallback != Py_None && !PyCallable_Check(fallback)) {
        PyErr_SetString(PyExc_TypeError, "fallback must be callable or None");
        return -1;
    }
    Py_INCREF(fallback);
    Py_XSETREF(self->fallback, fallback);
    if (filename != Py_None && !PyUnicode_Check(filename)) {
        PyErr_SetString(PyExc_TypeError, "filename must be a str or None");
        return -1;
    }
    Py_INCREF(rows);
    Py_XSETREF(self->rows, rows);
    Py_INCREF(local);
    Py_XSETREF(self->local, local);
    Py_INCREF(filename);
    Py_XSETREF(self->filename, filename);
    Py_INCREF(internal);
    Py_XSETREF(self->internal, internal);
    self->t0 = t0;
    self->acquire_code = acquire_code;
    self->release_code = release_code;
    self->intercept = 0;
    /* A number never reused (an address could be, by the next Recorder's state). */
    static unsigned long long next_serial = 0;
    self->serial = ++next_serial;
    lines_clear(self);
    return 0;
}

static void
remember_tid(FastState *self, PyObject *tid)
{
    Py_INCREF(tid);
    Py_XSETREF(tl_tid, tid);
    tl_serial = self->serial;
    tl_tstate = PyThreadState_GetID(PyThreadState_Get());
}

/* Remember the calling thread's id for this run (the Recorder's thread-local `tid` stays
 * the reference; this copy is what the compiled path reads first). */
static PyObject *
state_set_tid(FastState *self, PyObject *tid)
{
    remember_tid(self, tid);
    Py_RETURN_NONE;
}

static PyObject *state_begin(FastState *self, PyObject *const *args, Py_ssize_t nargs);

static PyMethodDef state_methods[] = {
    {"set_tid", (PyCFunction)state_set_tid, METH_O, "Record the calling thread's id."},
    {"begin", (PyCFunction)(void (*)(void))state_begin, METH_FASTCALL,
     "begin(kind, obj) -> (thread id, line): Recorder.begin, compiled."},
    {NULL}};

static int
state_traverse(FastState *self, visitproc visit, void *arg)
{
    Py_VISIT(self->rows);
    Py_VISIT(self->local);
    Py_VISIT(self->filename);
    Py_VISIT(self->internal);
    Py_VISIT(self->fallback);
    for (int i = 0; i < LINE_CACHE; i++)
        Py_VISIT(self->lines[i].code);
    return 0;
}

static int
state_clear(FastState *self)
{
    lines_clear(self);
    Py_CLEAR(self->rows);
    Py_CLEAR(self->local);
    Py_CLEAR(self->filename);
    Py_CLEAR(self->internal);
    Py_CLEAR(self->fallback);
    return 0;
}

static void
state_dealloc(FastState *self)
{
    PyObject_GC_UnTrack(self);
    state_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef state_members[] = {
    {"intercept", T_BOOL, offsetof(FastState, intercept), 0,
     "when true every call takes the Python path"},
    {NULL}};

static PyTypeObject FastStateType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "app.tracing._speedups.FastState",
    .tp_basicsize = sizeof(FastState),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "The part of a Recorder the compiled fast path reads.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)state_init,
    .tp_traverse = (traverseproc)state_traverse,
    .tp_clear = (inquiry)state_clear,
    .tp_dealloc = (destructor)state_dealloc,
    .tp_members = state_members,
    .tp_methods = state_methods,
};

/* ---- LockCore: the base of the fast traced Lock ----------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *real;  /* the real _thread.lock */
    PyObject *owner; /* thread id of the holder, or None */
    PyObject *oid;   /* object id in the trace */
    FastState *state;
    PyObject *weakrefs;
    PyObject *real_acquire; /* bound methods of `real`, cached by _bind() */
    PyObject *real_release;
} LockCore;

static int
core_traverse(LockCore *self, visitproc visit, void *arg)
{
    Py_VISIT(self->real);
    Py_VISIT(self->owner);
    Py_VISIT(self->oid);
    Py_VISIT(self->state);
    Py_VISIT(self->real_acquire);
    Py_VISIT(self->real_release);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static int
core_clear(LockCore *self)
{
    Py_CLEAR(self->real);
    Py_CLEAR(self->owner);
    Py_CLEAR(self->oid);
    Py_CLEAR(self->state);
    Py_CLEAR(self->real_acquire);
    Py_CLEAR(self->real_release);
    return 0;
}

static void
core_dealloc(LockCore *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    core_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyObject *
core_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    LockCore *self = (LockCore *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    Py_INCREF(Py_None);
    self->owner = Py_None;
    Py_INCREF(Py_None);
    self->real = Py_None;
    Py_INCREF(Py_None);
    self->oid = Py_None;
    return (PyObject *)self;
}

static int
line_of(FastState *st, PyFrameObject *frame, PyCodeObject *code)
{
    int lasti = PyFrame_GetLasti(frame);
    size_t h = (((size_t)code >> 4) ^ ((size_t)lasti * 2654435761u)) % LINE_CACHE;
    LineSlot *slot = &st->lines[h];
    if (slot->code == (PyObject *)code && slot->lasti == lasti)
        return slot->line;
    int line = PyFrame_GetLineNumber(frame);
    if (line < 0)
        line = 0; /* code without line information, as the Python path records it */
    /* Fill the slot in full before the old code object goes: freeing it may run code. */
    PyObject *old = slot->code;
    Py_INCREF(code);
    slot->code = (PyObject *)code;
    slot->lasti = lasti;
    slot->line = line;
    Py_XDECREF(old);
    return line;
}

/* The calling thread's id for this state (a new reference), or NULL: *error tells whether
 * an exception is set or the thread is simply not known to this run yet. */
static PyObject *
current_tid(FastState *st, int *error)
{
    *error = 0;
    if (tl_serial == st->serial && tl_tid != NULL &&
        tl_tstate == PyThreadState_GetID(PyThreadState_Get()))
        return Py_NewRef(tl_tid);
    PyObject *t = PyObject_GetAttr(st->local, str_tid);
    if (t == NULL) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError))
            PyErr_Clear();
        else
            *error = 1;
        return NULL;
    }
    remember_tid(st, t);
    return t;
}

/* Whether code from this file is the program's (1), the tracing layer's (0), or neither: a
 * file outside the program when the run has one (-1). -2 on error. */
static int
whose(FastState *st, PyObject *fn)
{
    if (st->filename != Py_None) {
        if (fn == st->filename)
            return 1;
        int same = PyUnicode_Compare(fn, st->filename);
        if (same == 0)
            return 1;
        if (same == -1 && PyErr_Occurred())
            return -2;
    }
    int inside = PySet_Contains(st->internal, fn);
    if (inside < 0)
        return -2;
    if (inside)
        return 0;
    return st->filename == Py_None ? 1 : -1;
}

/* The program's line for a call whose innermost Python frame is `frame` (borrowed): 1 with
 * *line set when that frame is the program's; 0 when it is not (*line 0); -2 on error.
 * With `walk`, frames of the tracing layer are skipped first, and the nearest other frame
 * decides (a call made inside Queue.put is the program's call to put). */
static int
program_line(FastState *st, PyFrameObject *frame, int walk, int *line)
{
    *line = 0;
    Py_XINCREF(frame);
    while (frame != NULL) {
        PyCodeObject *code = PyFrame_GetCode(frame);
        int user = whose(st, code->co_filename);
        if (user == 1)
            *line = line_of(st, frame, code);
        Py_DECREF(code);
        if (user != 0 || !walk) {
            Py_DECREF(frame);
            return user == -2 ? -2 : user == 1;
        }
        PyFrameObject *back = PyFrame_GetBack(frame);
        Py_DECREF(frame);
        if (back == NULL && PyErr_Occurred())
            return -2;
        frame = back;
    }
    return 0;
}

/* The calling thread's id and the program's line, or -1 when the Python path must decide. */
static int
locate(FastState *st, PyObject **tid, int *line)
{
    int error;
    PyObject *t = current_tid(st, &error);
    if (t == NULL)
        return error ? -2 : -1;
    int found = program_line(st, PyEval_GetFrame(), 0, line);
    if (found != 1) {
        Py_DECREF(t);
        return found == -2 ? -2 : -1;
    }
    *tid = t;
    return 0;
}

/* Recorder.begin for a call made inside the tracing layer (Queue.put, Event.wait...): the
 * line is that of the nearest frame outside the layer, 0 when that frame is not the
 * program's. The Python method stays the reference; it runs when a gate is set, the run
 * is stopping, or the thread is not known yet. */
static PyObject *
state_begin(FastState *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "begin() takes a kind and an object id");
        return NULL;
    }
    if (!STATE_READY(self)) {
        PyErr_SetString(PyExc_RuntimeError, "FastState used before __init__");
        return NULL;
    }
    if (!self->intercept) {
        int error;
        PyObject *tid = current_tid(self, &error);
        if (tid == NULL && error)
            return NULL;
        if (tid != NULL) {
            int line;
            if (program_line(self, PyEval_GetFrame(), 1, &line) == -2) {
                Py_DECREF(tid);
                return NULL;
            }
            PyObject *line_obj = PyLong_FromLong(line);
            if (line_obj == NULL) {
                Py_DECREF(tid);
                return NULL;
            }
            PyObject *pair = PyTuple_Pack(2, tid, line_obj);
            Py_DECREF(tid);
            Py_DECREF(line_obj);
            return pair;
        }
    }
    if (self->fallback == NULL || self->fallback == Py_None) {
        PyErr_SetString(PyExc_RuntimeError, "this FastState has no fallback for begin()");
        return NULL;
    }
    return PyObject_Vectorcall(self->fallback, args, nargs, NULL);
}

static PyObject *
call_python(PyObject *self, PyObject *name, PyObject *const *args, size_t nargsf,
            PyObject *kwnames)
{
    PyObject *method = PyObject_GetAttr(self, name);
    if (method == NULL)
        return NULL;
    PyObject *result = PyObject_Vectorcall(method, args, nargsf, kwnames);
    Py_DECREF(method);
    return result;
}

static int
append_row(FastState *st, long long t, PyObject *tid, int code, PyObject *oid, int line)
{
    PyObject *row = PyTuple_New(6);
    if (row == NULL)
        return -1;
    PyObject *t_obj = PyLong_FromLongLong(t);
    PyObject *code_obj = PyLong_FromLong(code);
    PyObject *line_obj = PyLong_FromLong(line);
    if (t_obj == NULL || code_obj == NULL || line_obj == NULL) {
        Py_XDECREF(t_obj);
        Py_XDECREF(code_obj);
        Py_XDECREF(line_obj);
        Py_DECREF(row);
        return -1;
    }
    Py_INCREF(tid);
    Py_INCREF(oid);
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(row, 0, t_obj);
    PyTuple_SET_ITEM(row, 1, tid);
    PyTuple_SET_ITEM(row, 2, code_obj);
    PyTuple_SET_ITEM(row, 3, oid);
    PyTuple_SET_ITEM(row, 4, line_obj);
    PyTuple_SET_ITEM(row, 5, Py_None);
    /* Numbers and None only: nothing for the cycle collector to find here, and a run's
     * hundred thousand rows would otherwise be walked at every full collection. */
    PyObject_GC_UnTrack(row);
    int rc = PyList_Append(st->rows, row);
    Py_DECREF(row);
    return rc;
}

static PyObject *
core_acquire(LockCore *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    FastState *st = self->state;
    if (!STATE_READY(st) || st->intercept || nargs || kwnames)
        return call_python((PyObject *)self, str_acquire_py, args, nargs, kwnames);
    PyObject *tid;
    int line;
    int found = locate(st, &tid, &line);
    if (found == -2)
        return NULL;
    if (found == -1)
        return call_python((PyObject *)self, str_acquire_py, args, nargs, kwnames);

    PyObject *call_args[1] = {Py_False};
    PyObject *got = PyObject_Vectorcall(self->real_acquire, call_args, 1, NULL);
    if (got == NULL) {
        Py_DECREF(tid);
        return NULL;
    }
    if (got == Py_True) {
        Py_DECREF(got);
        /* Held from here: store the owner, append one row, return. */
        long long t = now_ns() - st->t0;
        Py_INCREF(tid);
        Py_XSETREF(self->owner, tid);
        int rc = append_row(st, t, tid, st->acquire_code, self->oid, line);
        Py_DECREF(tid);
        if (rc < 0)
            return NULL;
        Py_RETURN_TRUE;
    }
    Py_DECREF(got);
    PyObject *line_obj = PyLong_FromLong(line);
    if (line_obj == NULL) {
        Py_DECREF(tid);
        return NULL;
    }
    PyObject *slow_args[2] = {tid, line_obj};
    PyObject *result = call_python((PyObject *)self, str_contended, slow_args, 2, NULL);
    Py_DECREF(tid);
    Py_DECREF(line_obj);
    return result;
}

static PyObject *
core_release(LockCore *self, PyObject *Py_UNUSED(ignored))
{
    FastState *st = self->state;
    if (!STATE_READY(st) || st->intercept)
        return call_python((PyObject *)self, str_release_py, NULL, 0, NULL);
    long long t = now_ns() - st->t0;
    PyObject *owner = self->owner; /* keep its reference: restored if release fails */
    Py_INCREF(Py_None);
    self->owner = Py_None;
    PyObject *done = PyObject_Vectorcall(self->real_release, NULL, 0, NULL);
    if (done == NULL) {
        Py_XSETREF(self->owner, owner);
        return NULL;
    }
    Py_DECREF(done);
    Py_XDECREF(owner);
    /* Released: the bookkeeping below no longer holds anyone up. */
    PyObject *tid;
    int line;
    int found = locate(st, &tid, &line);
    if (found == -2)
        return NULL;
    if (found == -1) {
        PyObject *t_obj = PyLong_FromLongLong(t);
        if (t_obj == NULL)
            return NULL;
        PyObject *after_args[1] = {t_obj};
        PyObject *result = call_python((PyObject *)self, str_after_release, after_args, 1, NULL);
        Py_DECREF(t_obj);
        return result;
    }
    int rc = append_row(st, t, tid, st->release_code, self->oid, line);
    Py_DECREF(tid);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *
core_exit(LockCore *self, PyObject *const *args, Py_ssize_t nargs)
{
    return core_release(self, NULL);
}

static PyObject *
core_bind(LockCore *self, PyObject *state)
{
    if (!PyObject_TypeCheck(state, &FastStateType)) {
        PyErr_SetString(PyExc_TypeError, "_bind() takes a FastState");
        return NULL;
    }
    if (!STATE_READY((FastState *)state)) {
        PyErr_SetString(PyExc_RuntimeError, "_bind() takes an initialised FastState");
        return NULL;
    }
    PyObject *acquire = PyObject_GetAttr(self->real, str_acquire);
    if (acquire == NULL)
        return NULL;
    PyObject *release = PyObject_GetAttr(self->real, str_release);
    if (release == NULL) {
        Py_DECREF(acquire);
        return NULL;
    }
    Py_XSETREF(self->real_acquire, acquire);
    Py_XSETREF(self->real_release, release);
    Py_INCREF(state);
    Py_XSETREF(self->state, (FastState *)state);
    Py_RETURN_NONE;
}

static PyMethodDef core_methods[] = {
    {"_bind", (PyCFunction)core_bind, METH_O, "Record into this FastState."},
    {"acquire", (PyCFunction)(void (*)(void))core_acquire, METH_FASTCALL | METH_KEYWORDS,
     "Acquire the lock (compiled fast path; see the Python reference)."},
    {"__enter__", (PyCFunction)(void (*)(void))core_acquire, METH_FASTCALL | METH_KEYWORDS,
     "Acquire the lock."},
    {"release", (PyCFunction)core_release, METH_NOARGS, "Release the lock."},
    {"__exit__", (PyCFunction)(void (*)(void))core_exit, METH_FASTCALL, "Release the lock."},
    {NULL}};

static PyMemberDef core_members[] = {
    {"_real", T_OBJECT_EX, offsetof(LockCore, real), 0, "the real lock"},
    {"_owner", T_OBJECT, offsetof(LockCore, owner), 0, "thread id of the holder, or None"},
    {"_oid", T_OBJECT_EX, offsetof(LockCore, oid), 0, "object id in the trace"},
    {"_fast_state", T_OBJECT, offsetof(LockCore, state), READONLY, "the Recorder's FastState"},
    {"__weaklistoffset__", T_PYSSIZET, offsetof(LockCore, weakrefs), READONLY},
    {NULL}};

static PyType_Slot core_slots[] = {
    {Py_tp_new, core_new},
    {Py_tp_traverse, core_traverse},
    {Py_tp_clear, core_clear},
    {Py_tp_dealloc, core_dealloc},
    {Py_tp_methods, core_methods},
    {Py_tp_members, core_members},
    {Py_tp_doc, "Base of the traced Lock: compiled acquire and release."},
    {0, NULL}};

static PyType_Spec core_spec = {
    .name = "app.tracing._speedups.LockCore",
    .basicsize = sizeof(LockCore),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = core_slots,
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups", "Compiled fast path of the traced Lock.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&FastStateType) < 0)
        return NULL;
    str_tid = PyUnicode_InternFromString("tid");
    str_acquire = PyUnicode_InternFromString("acquire");
    str_release = PyUnicode_InternFromString("release");
    str_acquire_py = PyUnicode_InternFromString("_acquire_py");
    str_release_py = PyUnicode_InternFromString("_release_py");
    str_contended = PyUnicode_InternFromString("_acquire_contended");
    str_after_release = PyUnicode_InternFromString("_after_release");
    if (!str_tid || !str_acquire || !str_release || !str_acquire_py || !str_release_py ||
        !str_contended || !str_after_release)
        return NULL;
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL)
        return NULL;
    PyObject *core = PyType_FromSpec(&core_spec);
    if (core == NULL || PyModule_AddObject(module, "LockCore", core) < 0) {
        Py_XDECREF(core);
        Py_DECREF(module);
        return NULL;
    }
    Py_INCREF(&FastStateType);
    if (PyModule_AddObject(module, "FastState", (PyObject *)&FastStateType) < 0) {
        Py_DECREF(&FastStateType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
