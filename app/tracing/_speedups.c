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

static PyObject *str_tid;
static PyObject *str_acquire_py, *str_release_py, *str_contended, *str_after_release;

/* A FastState made with __new__ alone, or cleared by the collector, has no list to record
 * into: nothing compiled may touch it. */
#define STATE_READY(st) ((st) != NULL && (st)->local != NULL)

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

/* One event recorded by the compiled path. Kept in C until the run ends: a Python tuple of
 * six objects per event cost more than the rest of recording it. */
typedef struct {
    long long t;
    long tid;
    int kind;
    long oid;
    int line;
    PyObject *arg; /* owned; NULL for None */
} CRow;

typedef struct {
    PyObject_HEAD
    CRow *buf;          /* the events recorded here, in the order they were recorded */
    Py_ssize_t n, cap;
    PyObject *local;    /* threading.local with .tid */
    PyObject *filename; /* str, or None: any file outside `internal` is the program's */
    PyObject *internal; /* set of file names of the tracing layer */
    long long t0;
    int acquire_code;
    int release_code;
    int fail_code;
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
static _Thread_local long tl_tid_c;       /* the same, as a C long */

static void
rows_clear(FastState *self)
{
    for (Py_ssize_t i = 0; i < self->n; i++)
        Py_CLEAR(self->buf[i].arg);
    self->n = 0;
}

/* Append one row; `arg` is borrowed (NULL for None). -1 with MemoryError when full. */
static int
push_row(FastState *st, long long t, long tid, int kind, long oid, int line, PyObject *arg)
{
    if (st->n == st->cap) {
        Py_ssize_t cap = st->cap ? st->cap * 2 : 4096;
        CRow *buf = PyMem_Realloc(st->buf, (size_t)cap * sizeof(CRow));
        if (buf == NULL) {
            PyErr_NoMemory();
            return -1;
        }
        st->buf = buf;
        st->cap = cap;
    }
    Py_XINCREF(arg);
    st->buf[st->n++] = (CRow){t, tid, kind, oid, line, arg};
    return 0;
}

static void
lines_clear(FastState *self)
{
    for (int i = 0; i < LINE_CACHE; i++)
        Py_CLEAR(self->lines[i].code);
}

static int
state_init(FastState *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"local",        "filename",     "internal", "t0",
                            "acquire_code", "release_code", "fail_code", "fallback", NULL};
    PyObject *local, *filename, *internal, *fallback = Py_None;
    long long t0;
    int acquire_code, release_code, fail_code;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO!Liii|O", names, &local, &filename,
                                     &PySet_Type, &internal, &t0, &acquire_code, &release_code,
                                     &fail_code, &fallback))
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
    rows_clear(self);
    Py_INCREF(local);
    Py_XSETREF(self->local, local);
    Py_INCREF(filename);
    Py_XSETREF(self->filename, filename);
    Py_INCREF(internal);
    Py_XSETREF(self->internal, internal);
    self->t0 = t0;
    self->acquire_code = acquire_code;
    self->release_code = release_code;
    self->fail_code = fail_code;
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
    tl_tid_c = PyLong_AsLong(tid);
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

/* take_rows() -> the rows recorded here as (t, thread, kind, object, line, arg) tuples, in
 * the order they were recorded; the buffer is left empty. */
static PyObject *
state_take_rows(FastState *self, PyObject *Py_UNUSED(ignored))
{
    PyObject *list = PyList_New(self->n);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < self->n; i++) {
        CRow *r = &self->buf[i];
        PyObject *arg = r->arg ? r->arg : Py_None;
        PyObject *row = Py_BuildValue("(LliliO)", r->t, r->tid, r->kind, r->oid, r->line, arg);
        if (row == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        /* Numbers and None only: nothing for the cycle collector to walk. */
        if (arg == Py_None || PyLong_CheckExact(arg) || PyFloat_CheckExact(arg))
            PyObject_GC_UnTrack(row);
        PyList_SET_ITEM(list, i, row);
    }
    rows_clear(self);
    return list;
}

static PyObject *
state_get_count(FastState *self, void *Py_UNUSED(closure))
{
    return PyLong_FromSsize_t(self->n);
}

/* last_time() -> the time of the latest row, or 0 when there is none. */
static PyObject *
state_last_time(FastState *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromLongLong(self->n ? self->buf[self->n - 1].t : 0);
}

static PyGetSetDef state_getset[] = {
    {"count", (getter)state_get_count, NULL, "how many rows are held here", NULL},
    {NULL}};

static PyMethodDef state_methods[] = {
    {"set_tid", (PyCFunction)state_set_tid, METH_O, "Record the calling thread's id."},
    {"last_time", (PyCFunction)state_last_time, METH_NOARGS,
     "The time of the latest row recorded here, or 0."},
    {"take_rows", (PyCFunction)state_take_rows, METH_NOARGS,
     "Return the rows recorded here (and forget them)."},
    {"begin", (PyCFunction)(void (*)(void))state_begin, METH_FASTCALL,
     "begin(kind, obj) -> (thread id, line): Recorder.begin, compiled."},
    {NULL}};

static int
state_traverse(FastState *self, visitproc visit, void *arg)
{
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
    rows_clear(self);
    PyMem_Free(self->buf);
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
    .tp_getset = state_getset,
};

/* ---- RealLock: the OS lock under a traced Lock, with the moment it was taken ------------
 *
 * The same primitive as _thread.lock (PyThread_type_lock), with two more ways to acquire that
 * return when the lock was taken. A thread woken from a blocking acquire takes the lock in C,
 * before it has the interpreter back; only here, without the GIL, can that moment be read.
 * The trace then shows the lock held from that moment by a thread that is ready but not yet
 * running, instead of free until the thread runs again (which would show other threads
 * blocking on a free lock). */

typedef struct {
    PyObject_HEAD
    PyThread_type_lock lock;
    char locked; /* as _thread.lock keeps it: set once the taker has the interpreter back */
    /* CLOCK_MONOTONIC ns of the last release (0: never), written just before the OS lock is
     * let go: a thread that takes the lock after that release always reads it. */
    long long released_ns;
    PyObject *weakrefs;
} RealLock;

static PyObject *
rl_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) || (kwds && PyDict_GET_SIZE(kwds))) {
        PyErr_SetString(PyExc_TypeError, "RealLock() takes no arguments");
        return NULL;
    }
    RealLock *self = (RealLock *)type->tp_alloc(type, 0);
    if (self == NULL)
        return NULL;
    self->lock = PyThread_allocate_lock();
    if (self->lock == NULL) {
        Py_DECREF(self);
        PyErr_SetString(PyExc_MemoryError, "can't allocate lock");
        return NULL;
    }
    return (PyObject *)self;
}

static void
rl_dealloc(RealLock *self)
{
    if (self->weakrefs != NULL)
        PyObject_ClearWeakRefs((PyObject *)self);
    if (self->lock != NULL) {
        if (self->locked)
            PyThread_release_lock(self->lock);
        PyThread_free_lock(self->lock);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Wait up to `us` microseconds (0: don't wait) without the GIL; *t gets the time the lock
 * was taken. Signals do not interrupt the wait: callers wait in short slices. */
static int
rl_take(RealLock *self, PY_TIMEOUT_T us, long long *t)
{
    PyLockStatus r = PyThread_acquire_lock_timed(self->lock, 0, 0);
    if (r == PY_LOCK_ACQUIRED) {
        *t = now_ns();
        self->locked = 1;
        return 1;
    }
    if (us == 0)
        return 0;
    Py_BEGIN_ALLOW_THREADS
    r = PyThread_acquire_lock_timed(self->lock, us, 0);
    if (r == PY_LOCK_ACQUIRED)
        *t = now_ns();
    Py_END_ALLOW_THREADS
    if (r != PY_LOCK_ACQUIRED)
        return 0;
    self->locked = 1;
    return 1;
}

static PyObject *
rl_acquire(RealLock *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"blocking", "timeout", NULL};
    int blocking = 1;
    double timeout = -1;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|pd:acquire", names, &blocking, &timeout))
        return NULL;
    if (!blocking && timeout != -1) {
        PyErr_SetString(PyExc_ValueError, "can't specify a timeout for a non-blocking call");
        return NULL;
    }
    if (timeout < 0 && timeout != -1) {
        PyErr_SetString(PyExc_ValueError, "timeout value must be a non-negative number");
        return NULL;
    }
    long long t;
    if (!blocking)
        return PyBool_FromLong(rl_take(self, 0, &t));
    if (timeout == -1) {
        while (!rl_take(self, 1000000, &t)) {
            if (PyErr_CheckSignals() < 0)
                return NULL;
        }
        Py_RETURN_TRUE;
    }
    if (timeout * 1e6 >= (double)PY_TIMEOUT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "timeout value is too large");
        return NULL;
    }
    return PyBool_FromLong(rl_take(self, (PY_TIMEOUT_T)(timeout * 1e6), &t));
}

/* acquire_ns(seconds) -> CLOCK_MONOTONIC ns when taken, or None when `seconds` ran out. */
static PyObject *
rl_acquire_ns(RealLock *self, PyObject *arg)
{
    double seconds = PyFloat_AsDouble(arg);
    if (seconds == -1 && PyErr_Occurred())
        return NULL;
    if (!(seconds >= 0) || seconds > 3600) {
        PyErr_SetString(PyExc_ValueError, "acquire_ns() takes 0 to 3600 seconds");
        return NULL;
    }
    long long t;
    if (!rl_take(self, (PY_TIMEOUT_T)(seconds * 1e6), &t))
        Py_RETURN_NONE;
    return PyLong_FromLongLong(t);
}

/* try_acquire_ns() -> CLOCK_MONOTONIC ns when taken now, or None when the lock is held. */
static PyObject *
rl_try_acquire_ns(RealLock *self, PyObject *Py_UNUSED(ignored))
{
    long long t;
    if (!rl_take(self, 0, &t))
        Py_RETURN_NONE;
    return PyLong_FromLongLong(t);
}

/* try_take() -> (taken, CLOCK_MONOTONIC ns): the stamp read in the same step as the try. */
static PyObject *
rl_try_take(RealLock *self, PyObject *Py_UNUSED(ignored))
{
    long long t;
    int taken = rl_take(self, 0, &t);
    if (!taken)
        t = now_ns();
    return Py_BuildValue("(OL)", taken ? Py_True : Py_False, t);
}

static PyObject *
rl_release(RealLock *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->locked) {
        PyErr_SetString(PyExc_RuntimeError, "release unlocked lock");
        return NULL;
    }
    self->released_ns = now_ns();
    self->locked = 0;
    PyThread_release_lock(self->lock);
    Py_RETURN_NONE;
}

/* release_ns() -> CLOCK_MONOTONIC ns of the release, read in the same step as it: no other
 * thread can take or find the lock between the two. */
static PyObject *
rl_release_ns(RealLock *self, PyObject *Py_UNUSED(ignored))
{
    if (!self->locked) {
        PyErr_SetString(PyExc_RuntimeError, "release unlocked lock");
        return NULL;
    }
    long long t = now_ns();
    self->released_ns = t;
    self->locked = 0;
    PyThread_release_lock(self->lock);
    return PyLong_FromLongLong(t);
}

static PyObject *
rl_locked(RealLock *self, PyObject *Py_UNUSED(ignored))
{
    return PyBool_FromLong(self->locked);
}

static PyMethodDef rl_methods[] = {
    {"acquire", (PyCFunction)(void (*)(void))rl_acquire, METH_VARARGS | METH_KEYWORDS,
     "acquire(blocking=True, timeout=-1) -> bool, as _thread.lock."},
    {"acquire_ns", (PyCFunction)rl_acquire_ns, METH_O,
     "Wait up to `seconds`; return the monotonic ns when the lock was taken, else None."},
    {"try_take", (PyCFunction)rl_try_take, METH_NOARGS,
     "Take the lock if it is free: (taken, monotonic ns of the try)."},
    {"try_acquire_ns", (PyCFunction)rl_try_acquire_ns, METH_NOARGS,
     "Take the lock if it is free; return the monotonic ns when taken, else None."},
    {"release", (PyCFunction)rl_release, METH_NOARGS, "Release the lock."},
    {"release_ns", (PyCFunction)rl_release_ns, METH_NOARGS,
     "Release the lock; return the monotonic ns at which it was released."},
    {"locked", (PyCFunction)rl_locked, METH_NOARGS, "Whether the lock is held."},
    {NULL}};

static PyMemberDef rl_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(RealLock, weakrefs), READONLY},
    {"released_ns", T_LONGLONG, offsetof(RealLock, released_ns), READONLY,
     "CLOCK_MONOTONIC ns of the last release (0: never released)"},
    {NULL}};

static PyTypeObject RealLockType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "app.tracing._speedups.RealLock",
    .tp_basicsize = sizeof(RealLock),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An OS lock that tells when it was taken.",
    .tp_new = rl_new,
    .tp_dealloc = (destructor)rl_dealloc,
    .tp_methods = rl_methods,
    .tp_members = rl_members,
};

/* ---- LockCore: the base of the fast traced Lock ----------------------------------------- */

typedef struct {
    PyObject_HEAD
    PyObject *real;  /* the RealLock under it */
    PyObject *owner; /* thread id of the holder, or None */
    PyObject *oid;   /* object id in the trace */
    long oid_c;      /* the same, as a C long (set by _bind) */
    /* When a thread first found the lock taken while no holder was recorded, -1 for never;
     * valid only if after `released_at`, the last release. A woken thread takes the OS lock
     * without the GIL and reads the clock just after; the OS may pause it in between, so its
     * stamp can come after another thread already saw the lock taken. Its taking is then
     * dated by that sighting. */
    long long contended;
    long long released_at;
    FastState *state;
    PyObject *weakrefs;
} LockCore;

static int
core_traverse(LockCore *self, visitproc visit, void *arg)
{
    Py_VISIT(self->real);
    Py_VISIT(self->owner);
    Py_VISIT(self->oid);
    Py_VISIT(self->state);
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
    self->contended = -1;
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

/* The calling thread's id (as a C long) and the program's line: 0, or -1 when the Python
 * path must decide, -2 on error. On 0, tl_tid is this thread's id object for `st`. */
static int
locate_c(FastState *st, long *tid, int *line)
{
    if (!(tl_serial == st->serial && tl_tid != NULL &&
          tl_tstate == PyThreadState_GetID(PyThreadState_Get()))) {
        int error;
        PyObject *t = current_tid(st, &error);
        if (t == NULL)
            return error ? -2 : -1;
        Py_DECREF(t);
    }
    *tid = tl_tid_c;
    int found = program_line(st, PyEval_GetFrame(), 0, line);
    return found == 1 ? 0 : (found == -2 ? -2 : -1);
}

/* An exact int that fits a C long: 1 with *out set; else 0, with no exception left set. */
static int
small_long(PyObject *value, long *out)
{
    if (!PyLong_CheckExact(value))
        return 0;
    int overflow;
    *out = PyLong_AsLongAndOverflow(value, &overflow);
    if (overflow || (*out == -1 && PyErr_Occurred())) {
        PyErr_Clear();
        return 0;
    }
    return 1;
}

/* Read acquire()'s arguments when they are the plain, valid kind (a bool or int `blocking`, an
 * int or float `timeout` that is -1 or in [0, 1e6]): 1 with the values set. Anything else,
 * errors included, is 0: the Python method then parses it and raises what CPython raises. */
static int
plain_lock_args(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames, int *blocking,
                double *timeout, PyObject **timeout_obj)
{
    *blocking = 1;
    *timeout = -1;
    *timeout_obj = NULL;
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    if (nargs + nkw > 2)
        return 0;
    int seen_blocking = 0, seen_timeout = 0;
    for (Py_ssize_t i = 0; i < nargs + nkw; i++) {
        int is_timeout;
        if (i < nargs)
            is_timeout = i == 1;
        else {
            PyObject *name = PyTuple_GET_ITEM(kwnames, i - nargs);
            if (PyUnicode_CompareWithASCIIString(name, "blocking") == 0)
                is_timeout = 0;
            else if (PyUnicode_CompareWithASCIIString(name, "timeout") == 0)
                is_timeout = 1;
            else
                return 0;
        }
        PyObject *value = args[i];
        if (is_timeout) {
            if (seen_timeout++)
                return 0;
            long v;
            if (PyFloat_CheckExact(value))
                *timeout = PyFloat_AS_DOUBLE(value);
            else if (small_long(value, &v))
                *timeout = (double)v;
            else
                return 0;
            *timeout_obj = value;
        }
        else {
            if (seen_blocking++)
                return 0;
            long v;
            if (PyBool_Check(value))
                *blocking = value == Py_True;
            else if (small_long(value, &v))
                *blocking = v != 0;
            else
                return 0;
        }
    }
    if (*timeout != -1 && (!*blocking || *timeout < 0 || *timeout > 1e6))
        return 0;
    return 1;
}

static PyObject *zero; /* the int 0: the argument of a failed non-blocking acquire */

static PyObject *
core_acquire(LockCore *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames)
{
    FastState *st = self->state;
    int blocking;
    double timeout;
    PyObject *timeout_obj;
    if (!STATE_READY(st) || st->intercept || !Py_IS_TYPE(self->real, &RealLockType) ||
        ((nargs || kwnames) &&
         !plain_lock_args(args, nargs, kwnames, &blocking, &timeout, &timeout_obj)))
        return call_python((PyObject *)self, str_acquire_py, args, nargs, kwnames);
    if (!nargs && !kwnames) {
        blocking = 1;
        timeout = -1;
        timeout_obj = NULL;
    }
    long tid;
    int line;
    int found = locate_c(st, &tid, &line);
    if (found == -2)
        return NULL;
    if (found == -1)
        return call_python((PyObject *)self, str_acquire_py, args, nargs, kwnames);

    long long t;
    if (rl_take((RealLock *)self->real, 0, &t)) {
        /* Held from here: store the owner, append one row, return. */
        Py_INCREF(tl_tid);
        Py_XSETREF(self->owner, tl_tid);
        if (push_row(st, t - st->t0, tid, st->acquire_code, self->oid_c, line, NULL) < 0)
            return NULL;
        Py_RETURN_TRUE;
    }
    t = now_ns() - st->t0;
    if ((self->owner == NULL || self->owner == Py_None) &&
        self->contended <= self->released_at)
        self->contended = t;
    if (!blocking || timeout == 0) {
        PyObject *arg = blocking ? timeout_obj : zero;
        if (push_row(st, t, tid, st->fail_code, self->oid_c, line, arg) < 0)
            return NULL;
        Py_RETURN_FALSE;
    }
    /* The request is stamped with this failed try's moment, passed on: a release that runs
     * once the call below lets other threads in then comes after the request. */
    PyObject *slow_args[4] = {tl_tid, NULL, NULL, timeout_obj};
    slow_args[1] = PyLong_FromLong(line);
    slow_args[2] = PyLong_FromLongLong(t);
    if (slow_args[1] == NULL || slow_args[2] == NULL) {
        Py_XDECREF(slow_args[1]);
        Py_XDECREF(slow_args[2]);
        return NULL;
    }
    Py_INCREF(tl_tid);
    PyObject *tid_obj = tl_tid; /* keep it: the call below may record into another state */
    slow_args[0] = tid_obj;
    PyObject *result =
        call_python((PyObject *)self, str_contended, slow_args, timeout_obj ? 4 : 3, NULL);
    Py_DECREF(tid_obj);
    Py_DECREF(slow_args[1]);
    Py_DECREF(slow_args[2]);
    return result;
}

static PyObject *
core_release(LockCore *self, PyObject *Py_UNUSED(ignored))
{
    FastState *st = self->state;
    if (!STATE_READY(st) || st->intercept || !Py_IS_TYPE(self->real, &RealLockType))
        return call_python((PyObject *)self, str_release_py, NULL, 0, NULL);
    RealLock *real = (RealLock *)self->real;
    if (!real->locked) {
        PyErr_SetString(PyExc_RuntimeError, "release unlocked lock");
        return NULL;
    }
    /* Stamped, let go and forgotten in one step: no thread can see the lock in between. */
    long long t = now_ns() - st->t0;
    Py_INCREF(Py_None);
    Py_XSETREF(self->owner, Py_None);
    self->released_at = t;
    real->released_ns = t + st->t0;
    real->locked = 0;
    PyThread_release_lock(real->lock);
    /* Released: the bookkeeping below no longer holds anyone up. */
    long tid;
    int line;
    int found = locate_c(st, &tid, &line);
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
    if (push_row(st, t, tid, st->release_code, self->oid_c, line, NULL) < 0)
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
    if (!Py_IS_TYPE(self->real, &RealLockType)) {
        PyErr_SetString(PyExc_TypeError, "_bind() needs a RealLock as _real");
        return NULL;
    }
    long oid = PyLong_AsLong(self->oid);
    if (oid == -1 && PyErr_Occurred())
        return NULL;
    self->oid_c = oid;
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
    {"_contended", T_LONGLONG, offsetof(LockCore, contended), 0,
     "when a thread first found it taken with no holder recorded (-1: never)"},
    {"_released_at", T_LONGLONG, offsetof(LockCore, released_at), 0, "when it was last released"},
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

/* ---- Shared variables: the proxies instrumented code reads and writes through ---------
 *
 * app.instrument rewrites `counter` as `__hilos_g__.counter`, `self.balance` as
 * `__hilos_a__[self, "balance"]` and `accounts[i]` as `__hilos_i__[accounts, i, "accounts"]`.
 * Attribute and subscript operations on these C types run no bytecode, so the interpreter
 * cannot switch threads inside them, exactly as it cannot between the LOAD_GLOBAL and the
 * STORE_GLOBAL of `counter += 1`: the program keeps its own switch points (a Python method
 * would add one at its entry, and with it lost updates CPython would not have). The access and
 * its record are one step. The Python proxies of app/tracing/shared.py remain the reference;
 * these hand over to them whenever the run is intercepted (a gate, or stopping) or the thread
 * is not known yet. */

typedef struct {
    PyObject_HEAD
    FastState *state;
    PyObject *index;     /* Variables.index: key -> number */
    PyObject *variables; /* the Variables, for a variable seen the first time */
    PyObject *fallback;  /* the pure-Python proxy of the same kind */
    PyObject *ns;        /* SharedGlobals only: the program's namespace */
    int read_code, write_code;
} Shared;

static int
shared_traverse(Shared *self, visitproc visit, void *arg)
{
    Py_VISIT(self->state);
    Py_VISIT(self->index);
    Py_VISIT(self->variables);
    Py_VISIT(self->fallback);
    Py_VISIT(self->ns);
    return 0;
}

static int
shared_clear(Shared *self)
{
    Py_CLEAR(self->state);
    Py_CLEAR(self->index);
    Py_CLEAR(self->variables);
    Py_CLEAR(self->fallback);
    Py_CLEAR(self->ns);
    return 0;
}

static void
shared_dealloc(Shared *self)
{
    PyObject_GC_UnTrack(self);
    shared_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
shared_init(Shared *self, PyObject *args, PyObject *kwds)
{
    static char *names[] = {"state", "variables", "fallback", "read_code", "write_code", "ns",
                            NULL};
    PyObject *state, *variables, *fallback, *ns = Py_None;
    int read_code, write_code;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OOii|O", names, &FastStateType, &state,
                                     &variables, &fallback, &read_code, &write_code, &ns))
        return -1;
    if (!STATE_READY((FastState *)state)) {
        PyErr_SetString(PyExc_RuntimeError, "a shared proxy takes an initialised FastState");
        return -1;
    }
    PyObject *index = PyObject_GetAttrString(variables, "index");
    if (index == NULL)
        return -1;
    if (!PyDict_Check(index)) {
        Py_DECREF(index);
        PyErr_SetString(PyExc_TypeError, "variables.index must be a dict");
        return -1;
    }
    if (ns != Py_None && !PyDict_Check(ns)) {
        Py_DECREF(index);
        PyErr_SetString(PyExc_TypeError, "ns must be a dict");
        return -1;
    }
    Py_XSETREF(self->index, index);
    Py_INCREF(state);
    Py_XSETREF(self->state, (FastState *)state);
    Py_INCREF(variables);
    Py_XSETREF(self->variables, variables);
    Py_INCREF(fallback);
    Py_XSETREF(self->fallback, fallback);
    if (ns != Py_None) {
        Py_INCREF(ns);
        Py_XSETREF(self->ns, ns);
    }
    self->read_code = read_code;
    self->write_code = write_code;
    return 0;
}

/* The calling thread and the program's line, or 0 when the Python proxy must do this access
 * (intercepted run, unknown thread); -1 on error. */
static int
shared_where(Shared *self, long *tid, int *line)
{
    FastState *st = self->state;
    if (!STATE_READY(st) || st->intercept)
        return 0;
    int error;
    PyObject *known = current_tid(st, &error);
    if (known == NULL)
        return error ? -1 : 0;
    Py_DECREF(known);
    *tid = tl_tid_c;
    /* Called from outside the program's file (code it exec'd): the thread, but no line. */
    if (program_line(st, PyEval_GetFrame(), 0, line) == -2)
        return -1;
    return 1;
}

/* The variable's number: from the index, or from the Variables the first time (`method` with
 * `args`). -1 on error. */
static long
shared_number(Shared *self, PyObject *key, const char *method, PyObject *args)
{
    PyObject *number = key ? PyDict_GetItemWithError(self->index, key) : NULL;
    if (number == NULL) {
        if (PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_TypeError))
                return -1;
            PyErr_Clear(); /* an unhashable key: the Variables knows what to do */
        }
        PyObject *made = PyObject_CallMethod(self->variables, method, "O", args);
        if (made == NULL)
            return -1;
        long n = PyLong_AsLong(made);
        Py_DECREF(made);
        return n;
    }
    return PyLong_AsLong(number);
}

static int
is_scalar(PyObject *v)
{
    return v == Py_None || PyLong_CheckExact(v) || PyBool_Check(v) || PyFloat_CheckExact(v) ||
           PyUnicode_CheckExact(v) || PyBytes_CheckExact(v) || PyComplex_CheckExact(v);
}

static int
shared_read(Shared *self, long tid, int line, long number, PyObject *value)
{
    if (!is_scalar(value))
        return 0; /* a reference to a container: its items are the variables */
    FastState *st = self->state;
    return push_row(st, now_ns() - st->t0, tid, self->read_code, number, line, value);
}

static int
shared_write(Shared *self, long tid, int line, long number, PyObject *value)
{
    FastState *st = self->state;
    long long t = now_ns() - st->t0;
    if (is_scalar(value))
        return push_row(st, t, tid, self->write_code, number, line, value);
    PyObject *marker = PyUnicode_FromFormat("<%s>", _PyType_Name(Py_TYPE(value)));
    if (marker == NULL)
        return -1;
    int rc = push_row(st, t, tid, self->write_code, number, line, marker);
    Py_DECREF(marker);
    return rc;
}

/* SharedGlobals: `__hilos_g__.name` is the program's module-level variable `name`. */

static PyObject *
globals_getattro(Shared *self, PyObject *name)
{
    long tid;
    int line;
    int where = shared_where(self, &tid, &line);
    if (where < 0)
        return NULL;
    if (where == 0)
        return PyObject_GetAttr(self->fallback, name);
    long number = shared_number(self, name, "of_global", name);
    if (number < 0)
        return NULL;
    PyObject *value = PyDict_GetItemWithError(self->ns, name);
    if (value == NULL) {
        if (PyErr_Occurred())
            return NULL;
        /* Not the program's: a builtin, or a NameError, as LOAD_GLOBAL would say. */
        return PyObject_GetAttr(self->fallback, name);
    }
    Py_INCREF(value);
    if (shared_read(self, tid, line, number, value) < 0) {
        Py_DECREF(value);
        return NULL;
    }
    return value;
}

static int
globals_setattro(Shared *self, PyObject *name, PyObject *value)
{
    if (value == NULL)
        return PyObject_DelAttr(self->fallback, name);
    long tid;
    int line;
    int where = shared_where(self, &tid, &line);
    if (where < 0)
        return -1;
    if (where == 0)
        return PyObject_SetAttr(self->fallback, name, value);
    long number = shared_number(self, name, "of_global", name);
    if (number < 0)
        return -1;
    if (shared_write(self, tid, line, number, value) < 0)
        return -1;
    return PyDict_SetItem(self->ns, name, value);
}

/* SharedAttributes: `__hilos_a__[obj, "name"]` is the attribute `name` of `obj`. */

static int
unpack_key(PyObject *key, Py_ssize_t n, PyObject **items)
{
    if (!PyTuple_CheckExact(key) || PyTuple_GET_SIZE(key) != n) {
        PyErr_SetString(PyExc_TypeError, "a shared access takes a tuple made by app.instrument");
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        items[i] = PyTuple_GET_ITEM(key, i);
    return 0;
}

static long
attr_number(Shared *self, PyObject *owner, PyObject *name)
{
    PyObject *id = PyLong_FromVoidPtr(owner);
    if (id == NULL)
        return -1;
    PyObject *key = PyTuple_Pack(2, id, name);
    Py_DECREF(id);
    if (key == NULL)
        return -1;
    long number = -1;
    PyObject *found = PyDict_GetItemWithError(self->index, key);
    if (found != NULL)
        number = PyLong_AsLong(found);
    else if (!PyErr_Occurred()) {
        PyObject *made = PyObject_CallMethod(self->variables, "of_attribute", "OO", owner, name);
        if (made != NULL) {
            number = PyLong_AsLong(made);
            Py_DECREF(made);
        }
    }
    Py_DECREF(key);
    return number;
}

static PyObject *
attrs_subscript(Shared *self, PyObject *key)
{
    PyObject *k[2];
    if (unpack_key(key, 2, k) < 0)
        return NULL;
    long tid;
    int line;
    int where = shared_where(self, &tid, &line);
    if (where < 0)
        return NULL;
    if (where == 0)
        return PyObject_GetItem(self->fallback, key);
    long number = attr_number(self, k[0], k[1]);
    if (number < 0)
        return NULL;
    PyObject *value = PyObject_GetAttr(k[0], k[1]);
    if (value == NULL)
        return NULL;
    if (shared_read(self, tid, line, number, value) < 0) {
        Py_DECREF(value);
        return NULL;
    }
    return value;
}

static int
attrs_ass_subscript(Shared *self, PyObject *key, PyObject *value)
{
    PyObject *k[2];
    if (unpack_key(key, 2, k) < 0)
        return -1;
    if (value == NULL)
        return PyObject_DelAttr(k[0], k[1]);
    long tid;
    int line;
    int where = shared_where(self, &tid, &line);
    if (where < 0)
        return -1;
    if (where == 0)
        return PyObject_SetItem(self->fallback, key, value);
    long number = attr_number(self, k[0], k[1]);
    if (number < 0 || PyObject_SetAttr(k[0], k[1], value) < 0)
        return -1;
    return shared_write(self, tid, line, number, value);
}

/* SharedItems: `__hilos_i__[container, key, "label"]` is the item `key` of `container`. */

static long
item_number(Shared *self, PyObject *container, PyObject *index, PyObject *label)
{
    PyObject *id = PyLong_FromVoidPtr(container);
    if (id == NULL)
        return -1;
    PyObject *key = PyTuple_Pack(2, id, index);
    Py_DECREF(id);
    if (key == NULL)
        return -1;
    long number = -1;
    PyObject *found = PyDict_GetItemWithError(self->index, key);
    Py_DECREF(key);
    if (found != NULL)
        return PyLong_AsLong(found);
    if (PyErr_Occurred()) {
        if (!PyErr_ExceptionMatches(PyExc_TypeError))
            return -1;
        PyErr_Clear(); /* unhashable: the Variables knows what to do */
    }
    PyObject *made =
        PyObject_CallMethod(self->variables, "of_item", "OOO", container, index, label);
    if (made != NULL) {
        number = PyLong_AsLong(made);
        Py_DECREF(made);
    }
    return number;
}

static PyObject *
items_subscript(Shared *self, PyObject *key)
{
    PyObject *k[3];
    if (unpack_key(key, 3, k) < 0)
        return NULL;
    long tid;
    int line;
    int where = shared_where(self, &tid, &line);
    if (where < 0)
        return NULL;
    if (where == 0)
        return PyObject_GetItem(self->fallback, key);
    long number = item_number(self, k[0], k[1], k[2]);
    if (number < 0)
        return NULL;
    PyObject *value = PyObject_GetItem(k[0], k[1]);
    if (value == NULL)
        return NULL;
    if (shared_read(self, tid, line, number, value) < 0) {
        Py_DECREF(value);
        return NULL;
    }
    return value;
}

static int
items_ass_subscript(Shared *self, PyObject *key, PyObject *value)
{
    PyObject *k[3];
    if (unpack_key(key, 3, k) < 0)
        return -1;
    if (value == NULL)
        return PyObject_DelItem(k[0], k[1]);
    long tid;
    int line;
    int where = shared_where(self, &tid, &line);
    if (where < 0)
        return -1;
    if (where == 0)
        return PyObject_SetItem(self->fallback, key, value);
    long number = item_number(self, k[0], k[1], k[2]);
    if (number < 0 || PyObject_SetItem(k[0], k[1], value) < 0)
        return -1;
    return shared_write(self, tid, line, number, value);
}

static PyMappingMethods attrs_mapping = {0, (binaryfunc)attrs_subscript,
                                         (objobjargproc)attrs_ass_subscript};
static PyMappingMethods items_mapping = {0, (binaryfunc)items_subscript,
                                         (objobjargproc)items_ass_subscript};

#define SHARED_TYPE(NAME, DOC, ...)                                                           \
    {                                                                                         \
        PyVarObject_HEAD_INIT(NULL, 0).tp_name = "app.tracing._speedups." NAME,               \
        .tp_basicsize = sizeof(Shared), .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,  \
        .tp_doc = DOC, .tp_new = PyType_GenericNew, .tp_init = (initproc)shared_init,         \
        .tp_traverse = (traverseproc)shared_traverse, .tp_clear = (inquiry)shared_clear,      \
        .tp_dealloc = (destructor)shared_dealloc, __VA_ARGS__                                 \
    }

static PyTypeObject SharedGlobalsType = SHARED_TYPE(
    "SharedGlobals", "The program's module-level variables, each access recorded.",
    .tp_getattro = (getattrofunc)globals_getattro, .tp_setattro = (setattrofunc)globals_setattro);
static PyTypeObject SharedAttributesType =
    SHARED_TYPE("SharedAttributes", "Attributes of the program's objects, each access recorded.",
                .tp_as_mapping = &attrs_mapping);
static PyTypeObject SharedItemsType =
    SHARED_TYPE("SharedItems", "Items of the program's containers, each access recorded.",
                .tp_as_mapping = &items_mapping);

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_speedups", "Compiled fast path of the traced Lock.", -1, NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    if (PyType_Ready(&FastStateType) < 0 || PyType_Ready(&RealLockType) < 0 ||
        PyType_Ready(&SharedGlobalsType) < 0 || PyType_Ready(&SharedAttributesType) < 0 ||
        PyType_Ready(&SharedItemsType) < 0)
        return NULL;
    zero = PyLong_FromLong(0);
    if (zero == NULL)
        return NULL;
    str_tid = PyUnicode_InternFromString("tid");
    str_acquire_py = PyUnicode_InternFromString("_acquire_py");
    str_release_py = PyUnicode_InternFromString("_release_py");
    str_contended = PyUnicode_InternFromString("_acquire_contended");
    str_after_release = PyUnicode_InternFromString("_after_release");
    if (!str_tid || !str_acquire_py || !str_release_py ||
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
    PyTypeObject *types[] = {&RealLockType, &SharedGlobalsType, &SharedAttributesType,
                             &SharedItemsType};
    const char *type_names[] = {"RealLock", "SharedGlobals", "SharedAttributes", "SharedItems"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        Py_INCREF(types[i]);
        if (PyModule_AddObject(module, type_names[i], (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            Py_DECREF(module);
            return NULL;
        }
    }
    return module;
}
