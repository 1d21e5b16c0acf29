#pragma once
// A run's memory over time as a Chrome trace (Trace Event Format JSON), which ui.perfetto.dev and
// chrome://tracing open: a counter track of total live bytes, one per category and one per top-level layer,
// and a slice for every phase span and every op span, each on a track of its own.
//
// Counters are sampled at event times and reduced to at most `samplesPerTrack` points per track by
// Timeline::sample, which keeps each bucket's highest moment: the sample at the run's peak time carries
// exactly its peak_bytes, however many events the run has. Timestamps are in microseconds (with ns decimals).

#include "core/Store.h"

#include <QByteArray>

namespace memoscope {

// `run` must hold its events (Store::load with events).
QByteArray perfettoTraceJson(const StoredRun& run, int samplesPerTrack = 4000);

// Names of the counter tracks, for readers of the file.
QString totalCounterName();

} // namespace memoscope
