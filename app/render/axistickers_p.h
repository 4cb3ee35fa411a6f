// The x axis tick labels of the timeline and the refcount plot: simulated
// nanoseconds shown in microseconds, and whole step numbers. Private to
// app/render (it includes QCustomPlot).
#pragma once

#include "app/render/qcustomplot_p.h"

#include <algorithm>
#include <cmath>

namespace tee::render {

class MicrosecondTicker : public QCPAxisTicker
{
protected:
    double getTickStep(const QCPRange &range) override
    {
        m_step = QCPAxisTicker::getTickStep(range);
        return m_step;
    }
    QString getTickLabel(double tick, const QLocale &, QChar, int) override
    {
        // as many decimals as the tick step has (2.5 us steps: one)
        const double stepUs = m_step / 1000.0;
        int decimals = 0;
        for (double scaled = stepUs; decimals < 6; ++decimals, scaled *= 10)
            if (std::abs(scaled - std::round(scaled)) < 1e-6 * std::max(1.0, scaled))
                break;
        return QLocale::c().toString(tick / 1000.0, 'f', decimals);
    }

private:
    double m_step = 1000;
};

class StepTicker : public QCPAxisTicker
{
protected:
    double getTickStep(const QCPRange &range) override
    {
        return std::max(1.0, std::round(QCPAxisTicker::getTickStep(range)));
    }
    QString getTickLabel(double tick, const QLocale &, QChar, int) override
    {
        return QString::number(qint64(std::llround(tick)));
    }
};

// Sets `axis`'s ticker and label for `a`.
inline void setAxisLook(QCPAxis *axis, sim::Axis a)
{
    if (a == sim::Axis::Step) {
        axis->setTicker(QSharedPointer<QCPAxisTicker>(new StepTicker));
        axis->setLabel(QStringLiteral("step"));
    } else {
        axis->setTicker(QSharedPointer<QCPAxisTicker>(new MicrosecondTicker));
        axis->setLabel(QStringLiteral("simulated time (µs)"));
    }
}

} // namespace tee::render
