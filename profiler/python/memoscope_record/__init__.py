"""memoscope_record: record a PyTorch program's memory inside its own process, for Memoscope to import.

    import memoscope_record
    with memoscope_record.record("step.mtrace", model=model, optimizer=opt, name="resnet18 step"):
        for batch in loader:
            ...

or, for a whole script (or the region between memoscope_record.start() and stop() when the script calls them):

    python3 -m memoscope_record --out step.mtrace script.py ARGS

then `memoscope-cli import step.mtrace`. Plain Python on top of torch.profiler(profile_memory=True): it works with
the torch the program already uses. In a torch.distributed job each rank writes its own trace, step.rankN.mtrace.
See `python3 -m memoscope_record --help` and Memoscope's README ("Recording inside your own PyTorch")."""

import atexit
import contextlib

from ._session import Session
from ._trace import FORMAT, VERSION

__all__ = ["record", "start", "stop", "FORMAT", "VERSION"]

_current = None
_default_path = None  # --out of `python3 -m memoscope_record`


def start(path=None, model=None, optimizer=None, name=None):
    """Starts recording to `path` (under `python3 -m memoscope_record`, its --out by default). `model` is the
    module whose forward is the forward phase (by default the first top-level module with parameters that runs);
    `optimizer` one optimizer or a list (by default every optimizer the program has or makes)."""
    global _current
    if path is None:
        path = _default_path
    if path is None:
        raise ValueError("memoscope_record.start() needs the trace's path, e.g. start('step.mtrace')")
    if _current is not None and _current.active:
        if not _current.implicit:
            raise RuntimeError("memoscope_record is already recording to %s; stop() it first" % _current.path)
        _current.discard()  # the script chose its own region: the whole-script recording gives way to it
    _current = Session(path, model=model, optimizer=optimizer, name=name)
    _current.start()
    return _current.path


def stop(error=None):
    """Stops recording and finishes the trace file; returns its path (None if nothing was recording)."""
    global _current
    session, _current = _current, None
    if session is None or not session.active:
        return None
    session.stop(error=error)
    return session.path


@contextlib.contextmanager
def record(path, model=None, optimizer=None, name=None):
    """Records the code inside the `with` block. An exception inside it ends the trace as a failed run."""
    start(path, model=model, optimizer=optimizer, name=name)
    try:
        yield
    except BaseException as error:
        stop(error="%s: %s" % (type(error).__name__, error))
        raise
    stop()


def _start_whole_script(path, name):
    global _current, _default_path
    _default_path = path
    _current = Session(path, name=name, implicit=True)
    _current.start()


def _stop_whole_script(error=None):
    if _current is not None and _current.implicit:
        return stop(error=error)
    return None


@atexit.register
def _stop_at_exit():
    # start() without stop(): the program ended normally, so the recording is complete.
    if _current is not None and _current.active:
        stop()
