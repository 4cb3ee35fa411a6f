#include "app/render/palette.h"

#include <QPalette>

#include <algorithm>
#include <cmath>

namespace tee::render {

namespace {

// The light fills. Hues keep families together: thread activity greens and
// blues, waits warm (amber, orange, red for a lock), requests yellow -> teal
// -> green with a grey placeholder, objects a purple ramp by refcount.
constexpr std::array<QRgb, kMeaningCount> kLight = {
    0xa5d6a7, // Running
    0x5b9bd5, // InSyscall
    0xf0a830, // BlockedKillable
    0xb39ddb, // BlockedInterruptible
    0xe8643c, // WaitLock
    0xd48fc0, // Srcu
    0xc62828, // Killed
    0xcfd3d8, // Exited
    0xe9eee9, // Idle
    0xb2dfdb, // UserWait
    0xf6d55c, // Queued
    0x26a69a, // Processing
    0x9ccc65, // Processed
    0xb8b8b8, // Placeholder
    0xeeecf7, // Refcount0
    0xcdc6ec, // Refcount1
    0xa99ddb, // Refcount2
    0x7a68c0, // Refcount3
    0x5e4bb0, // Refcount4Plus
    0xa8dcc0, // ContextOpen
    0xf4b77e, // ContextClosed
    0xd9d9d9, // ContextFreed
    0xa1887f, // LockHeld
    0xffd59e, // WorkPending
    0xf29e4c, // WorkRunning
    0x90a4ae, // QteeBusy
    0x9fb0bd, // GroupBusy
    0xc62828, // KillMark
    0x8e24aa, // AsyncReleaseMark
    0x6d4c41, // ReleaseSmcMark
    0x1565c0, // CallbackMark
    0x546e7a, // SyscallMark
    0x5e35b1, // RefMark
    0xd50000, // ViolationMark
    0xef6c00, // GapMark
    0x00897b, // NoteMark (teal: the blue dot is a QTEE callback)
    0x1565c0, // CallbackFlow
    0x2e7d32, // DeliveryFlow
    0x6a1b9a, // ReplyFlow
};

constexpr std::array<QRgb, size_t(Palette::Ui::Count_)> kLightUi = {
    0xffffff, // Background
    0xf5f7fa, // RowAlternate
    0x1d1f21, // Text
    0x5f6670, // MutedText
    0xd5d9df, // Separator
    0xe8edf3, // HeaderBackground
    0xc2185b, // Cursor
    0x1e6edc, // Selection
};

constexpr std::array<QRgb, size_t(Palette::Ui::Count_)> kDarkUi = {
    0x1e1f22, // Background
    0x25272b, // RowAlternate
    0xe6e6e6, // Text
    0x9aa0a6, // MutedText
    0x3a3d42, // Separator
    0x2c3036, // HeaderBackground
    0xff4f8b, // Cursor
    0x5c9cff, // Selection
};

bool isMarkerOrFlow(Meaning m)
{
    return int(m) >= int(Meaning::KillMark);
}

// Relative luminance and contrast ratio as WCAG 2 defines them.
double luminance(const QColor &c)
{
    auto lin = [](double v) {
        return v <= 0.03928 ? v / 12.92 : std::pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * lin(c.redF()) + 0.7152 * lin(c.greenF()) + 0.0722 * lin(c.blueF());
}

double contrast(const QColor &a, const QColor &b)
{
    const double x = luminance(a), y = luminance(b);
    return (std::max(x, y) + 0.05) / (std::min(x, y) + 0.05);
}

} // namespace

Palette::Palette(Variant v)
    : m_variant(v)
{
    for (size_t i = 0; i < kMeaningCount; ++i)
        m_fill[i] = QColor::fromRgb(kLight[i]);
    for (size_t i = 0; i < m_ui.size(); ++i)
        m_ui[i] = QColor::fromRgb(v == Variant::Dark ? kDarkUi[i] : kLightUi[i]);
    if (v == Variant::Dark) {
        // The same hues, darker and a little less saturated, so bars do not
        // glare on a dark window; markers and arrows get lighter instead.
        for (size_t i = 0; i < kMeaningCount; ++i) {
            const QColor c = m_fill[i];
            if (isMarkerOrFlow(Meaning(i)))
                m_fill[i] = QColor::fromHslF(c.hslHueF(), c.hslSaturationF(),
                                             std::min(1.0, c.lightnessF() * 1.35));
            else {
                QColor d =
                    QColor::fromHslF(c.hslHueF(), c.hslSaturationF() * 0.8, c.lightnessF() * 0.5);
                // light text on every bar: as dark as that needs (yellows)
                for (int k = 0; k < 20 && contrast(d, Qt::white) < 4.6; ++k)
                    d = d.darker(108);
                m_fill[i] = d;
            }
        }
    }
    if (v == Variant::Print) {
        // paper: no alternate row tint that a printer would muddy
        m_ui[size_t(Ui::RowAlternate)] = QColor::fromRgb(0xf7f8fa);
    }
    m_ui[size_t(Ui::Selection)].setAlpha(60);
    derive();
}

void Palette::derive()
{
    for (size_t i = 0; i < kMeaningCount; ++i) {
        // the text colour with the better contrast on the fill
        const QColor f = m_fill[i];
        const QColor dark = QColor::fromRgb(0x1d1f21), white = QColor::fromRgb(0xffffff);
        const bool darkText = contrast(f, dark) >= contrast(f, white);
        m_text[i] = darkText ? dark : white;
        m_hatch[i] = darkText ? f.darker(165) : f.lighter(160);
    }
}

QColor Palette::series(int i) const
{
    static constexpr std::array<QRgb, 8> kSeries = {0x1f77b4, 0xd62728, 0x2ca02c, 0x9467bd,
                                                    0xff7f0e, 0x17becf, 0x8c564b, 0xe377c2};
    const QColor c = QColor::fromRgb(kSeries[size_t(std::abs(i)) % kSeries.size()]);
    return m_variant == Variant::Dark ? c.lighter(130) : c;
}

Palette Palette::light()
{
    return Palette(Variant::Light);
}

Palette Palette::dark()
{
    return Palette(Variant::Dark);
}

Palette Palette::print()
{
    return Palette(Variant::Print);
}

Palette Palette::forWidget(const QPalette &p)
{
    const QColor w = p.color(QPalette::Window);
    return luminance(w) < 0.2 ? dark() : light();
}

} // namespace tee::render
