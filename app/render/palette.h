// Meaning -> colour, in one place: the timeline, the refcount plot, the
// legend and the exports all ask here (style.md: item models return meaning,
// one palette class turns it into colour). A light and a dark variant follow
// the widget's QPalette; exports always use the light print variant. Colour
// is never the only cue: hatchOf() patterns the blocked states and the
// placeholder, and the plottable writes the state on the bar where it fits.
#pragma once

#include "app/render/meaning.h"

#include <QColor>

#include <array>

class QPalette;

namespace tee::render {

class Palette
{
public:
    enum class Variant : uint8_t { Light, Dark, Print };
    enum class Ui : uint8_t {
        Background,       // behind the lanes
        RowAlternate,     // every other lane row
        Text,             // labels
        MutedText,        // details, axis
        Separator,        // between groups and rows
        HeaderBackground, // group header rows and the label column
        Cursor,           // the cursor step
        Selection,        // a range being selected
        Count_
    };

    Palette()
        : Palette(light())
    {}
    static Palette light();
    static Palette dark();
    // The light palette for pictures: PNG, SVG and PDF exports use it always.
    static Palette print();
    // Light or dark, after the window colour of `p`.
    static Palette forWidget(const QPalette &p);

    Variant variant() const { return m_variant; }
    QColor fill(Meaning m) const { return m_fill[size_t(m)]; }
    QColor hatchColor(Meaning m) const { return m_hatch[size_t(m)]; }
    QColor textOn(Meaning m) const { return m_text[size_t(m)]; }
    Hatch hatch(Meaning m) const { return hatchOf(m); }
    QColor ui(Ui role) const { return m_ui[size_t(role)]; }
    // Colours that tell series apart (the refcount plot's objects): identity,
    // not meaning.
    QColor series(int i) const;

private:
    explicit Palette(Variant v);
    void derive();

    Variant m_variant = Variant::Light;
    std::array<QColor, kMeaningCount> m_fill;
    std::array<QColor, kMeaningCount> m_hatch;
    std::array<QColor, kMeaningCount> m_text;
    std::array<QColor, size_t(Ui::Count_)> m_ui;
};

} // namespace tee::render
