#pragma once
// qcustomplot.h is written with Qt's `signals` and `foreach` keywords, which QT_NO_KEYWORDS (needed because Qt's
// macros break LibTorch headers) switches off. Map them for that header only; include it through this file.

#ifndef signals
#define signals Q_SIGNALS
#define MEMOSCOPE_UNDEF_SIGNALS
#endif
#ifndef foreach
#define foreach Q_FOREACH
#define MEMOSCOPE_UNDEF_FOREACH
#endif

#include <qcustomplot.h>

#ifdef MEMOSCOPE_UNDEF_SIGNALS
#undef signals
#undef MEMOSCOPE_UNDEF_SIGNALS
#endif
#ifdef MEMOSCOPE_UNDEF_FOREACH
#undef foreach
#undef MEMOSCOPE_UNDEF_FOREACH
#endif
