"""Switching torch.profiler's memory recording on and off, chunk by chunk, and the recorder's marks in it.

The low-level calls (_enable_profiler/_disable_profiler) hand back the raw results without building
torch.profiler's FunctionEvent list, which costs about 0.35 s per resnet18 training step; where they are not
available as in PyTorch 1.13 the public torch.profiler.profile is used instead."""

import torch

try:
    from torch.profiler import ProfilerActivity
except ImportError:  # pragma: no cover
    ProfilerActivity = None


def already_profiling():
    probe = getattr(torch.autograd, "_profiler_enabled", None)
    return bool(probe()) if probe is not None else False


class _LowLevel:
    def __init__(self):
        from torch.autograd.profiler import (
            ProfilerConfig,
            ProfilerState,
            _disable_profiler,
            _enable_profiler,
            _prepare_profiler,
        )
        from torch._C._profiler import _ExperimentalConfig

        # (state, record_shapes, profile_memory, with_stack, with_flops, with_modules, experimental_config)
        self._config = ProfilerConfig(ProfilerState.KINETO, False, True, False, False, False, _ExperimentalConfig())
        self._activities = {ProfilerActivity.CPU}
        self._prepare = _prepare_profiler
        self._enable = _enable_profiler
        self._disable = _disable_profiler

    def start(self):
        self._prepare(self._config, self._activities)
        self._enable(self._config, self._activities)

    def stop(self):
        return self._disable().experimental_event_tree()


class _Public:
    def __init__(self):
        self._profile = None

    def start(self):
        self._profile = torch.profiler.profile(activities=[ProfilerActivity.CPU], profile_memory=True)
        self._profile.__enter__()

    def stop(self):
        profile, self._profile = self._profile, None
        profile.__exit__(None, None, None)
        return profile.profiler.kineto_results.experimental_event_tree()


def memory_profiler():
    try:
        return _LowLevel()
    except (ImportError, TypeError, AttributeError, RuntimeError):
        return _Public()


# A range or a mark is a RecordFunction the profiler records. _record_function_enter_new makes no tensor; the
# record_function class of PyTorch 1.13 calls the older op, which allocates a 4-byte handle tensor each time.
_enter_op = getattr(torch.ops.profiler, "_record_function_enter_new", None)


def enter_range(name):
    if _enter_op is not None:
        return _enter_op(name, None)
    scope = torch.autograd.profiler.record_function(name)
    scope.__enter__()
    return scope


def exit_range(handle):
    if _enter_op is not None:
        torch.ops.profiler._record_function_exit._RecordFunction(handle)
    else:
        handle.__exit__(None, None, None)
