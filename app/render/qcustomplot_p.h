// The one way into QCustomPlot (Debian's libqcustomplot-dev 2.1). Its header
// uses the `signals` and `foreach` keywords that the project's strict
// defines (QT_NO_KEYWORDS, QT_NO_FOREACH) switch off, so they are provided
// for the header only. Private to app/render: include it from as few .cpp
// files as possible (timelineplottable.cpp, timelineplot.cpp,
// refcountplot.cpp), never from a public header.
#pragma once

#include <QtGlobal>

#include <utility>

#define signals Q_SIGNALS
#define foreach(variable, container) for (variable : std::as_const(container))
#include <qcustomplot.h>
#undef foreach
#undef signals
