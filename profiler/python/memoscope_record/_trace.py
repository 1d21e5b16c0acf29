"""The trace file: JSON Lines, written as the recording goes, so that a recording cut short by a killed process
still holds every chunk written before. The format is documented in Memoscope's README ("The trace format")."""

import datetime
import json
import os
import platform
import socket

FORMAT = "memoscope-trace"
VERSION = 1


def rank_path(path, rank, world_size):
    """step.mtrace -> step.rank3.mtrace for rank 3 of a job with several ranks."""
    if world_size is None or world_size <= 1 or rank is None:
        return path
    root, extension = os.path.splitext(path)
    return "%s.rank%d%s" % (root, rank, extension)


class TraceFile:
    def __init__(self, path, header):
        self.path = path
        self._file = open(path, "w", encoding="utf-8")
        record = {"format": FORMAT, "version": VERSION}
        record.update(header)
        record.update(
            {
                "python": platform.python_version(),
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "started_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
            }
        )
        self.write([json.dumps(record, separators=(",", ":"))])

    def write(self, lines):
        if not lines:
            return
        self._file.write("\n".join(lines))
        self._file.write("\n")
        self._file.flush()  # a killed process leaves every chunk written so far

    def record(self, record):
        self.write([json.dumps(record, separators=(",", ":"))])

    def close(self, end):
        self.record(dict(end, type="end"))
        self._file.close()
