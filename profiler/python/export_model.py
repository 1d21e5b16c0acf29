"""Turn a model written in Python into TorchScript, for `memoscope-cli from-python`.

Usage: python3 export_model.py SOURCE EXAMPLES.pt OUT.pt

SOURCE is a Python expression that makes the model (torchvision.models.resnet50()) or PATH.py:FUNCTION, a
function that takes no arguments and returns it. EXAMPLES.pt holds a tuple of example inputs (written by
Memoscope from the --example specs); it may be empty when scripting needs none. The model is scripted; when
scripting fails it is traced with the example inputs, in eval mode. Prints one JSON line on stdout:
{"method": "script" | "trace", "script_error": "...", "seconds": S}. When both fail, prints
{"error": "...", "script_error": "...", "trace_error": "..."} and exits with 1.
"""

import importlib
import importlib.util
import json
import os
import re
import sys
import time
import traceback
import warnings


def last_line(error):
    """Python's own message: the exception's type and first lines, without the traceback."""
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " ".join(lines[:6])


def make_model(source):
    if re.match(r"^[^()]*\.py:[A-Za-z_]\w*$", source):
        path, function = source.rsplit(":", 1)
        path = os.path.abspath(path)
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(os.path.splitext(os.path.basename(path))[0], path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, function):
            raise AttributeError(f"{path} defines no function {function}")
        return getattr(module, function)()
    namespace = {}
    for name in dict.fromkeys(re.findall(r"(?<![\w.])([A-Za-z_]\w*)\.", source)):
        try:
            namespace[name] = importlib.import_module(name)
        except ImportError:
            pass
    return eval(source, namespace)


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    source, examples_path, out = argv[1:]
    warnings.filterwarnings("ignore")
    import torch

    start = time.time()
    try:
        model = make_model(source)
    except Exception as error:
        print(json.dumps({"error": f"could not make the model from {source}: {last_line(error)}"}))
        return 1
    if not isinstance(model, torch.nn.Module):
        print(json.dumps({"error": f"{source} gave a {type(model).__name__}, not a torch.nn.Module"}))
        return 1
    examples = torch.load(examples_path) if os.path.getsize(examples_path) > 0 else ()
    examples = tuple(examples) if isinstance(examples, (tuple, list)) else (examples,)
    result = {}
    try:
        exported = torch.jit.script(model)
        result["method"] = "script"
    except Exception as error:
        result["script_error"] = last_line(error)
        if not examples:
            result["error"] = "scripting failed and there are no --example inputs to trace it with"
            print(json.dumps(result))
            return 1
        try:
            model.eval()
            with torch.no_grad():
                exported = torch.jit.trace(model, examples, check_trace=False, strict=False)
            result["method"] = "trace"
        except Exception as trace_error:
            result["trace_error"] = last_line(trace_error)
            result["error"] = "Python could neither script nor trace the model"
            print(json.dumps(result))
            return 1
    exported.save(out)
    result["seconds"] = round(time.time() - start, 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
