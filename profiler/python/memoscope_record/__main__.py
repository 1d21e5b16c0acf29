"""python3 -m memoscope_record --out TRACE [--name TEXT] SCRIPT [ARGS...]"""

import argparse
import os
import runpy
import sys

import memoscope_record

DESCRIPTION = """Run a Python script and record its PyTorch memory into a trace for Memoscope
(memoscope-cli import TRACE, or File > Open in the app).

Records the region between memoscope_record.start() and memoscope_record.stop() when the script calls them,
and the whole script otherwise. Every allocation and free of the recorded region is kept with its time, size,
device, the op and module that made it, the phase (input, forward, loss, backward, optimizer) and the kind of
tensor (parameter, gradient, activation, optimizer state, input, output, temporary, data).

In a torch.distributed job each rank writes its own trace: --out step.mtrace gives step.rank0.mtrace,
step.rank1.mtrace, ... (torchrun -m memoscope_record --out step.mtrace train.py). With
torch.multiprocessing.spawn, call memoscope_record.record(...) inside the worker function instead.

In your own code:
    import memoscope_record
    with memoscope_record.record("step.mtrace", model=model, optimizer=opt, name="my step"):
        ...training or inference steps...
"""


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python3 -m memoscope_record", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", required=True, metavar="TRACE", help="the trace file to write, e.g. step.mtrace")
    parser.add_argument("--name", help="a name for the run in Memoscope")
    parser.add_argument("script", help="the Python script to run")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    options = parser.parse_args(argv)
    if not os.path.isfile(options.script):
        parser.error("no such script: %s" % options.script)
    sys.argv = [options.script] + options.args
    sys.path.insert(0, os.path.dirname(os.path.abspath(options.script)))
    memoscope_record._start_whole_script(options.out, options.name)
    try:
        runpy.run_path(options.script, run_name="__main__")
    except SystemExit as exit:
        failed = exit.code not in (None, 0)
        memoscope_record._stop_whole_script(error="the script exited with %s" % exit.code if failed else None)
        raise
    except BaseException as error:
        memoscope_record._stop_whole_script(error="%s: %s" % (type(error).__name__, error))
        raise
    memoscope_record._stop_whole_script()
    return 0


if __name__ == "__main__":
    sys.exit(main())
