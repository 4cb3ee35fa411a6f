#include "inspectormodel.h"

InspectorModel::InspectorModel(RunDocument *document, int columns, QObject *parent)
    : QAbstractTableModel(parent)
    , m_document(document)
    , m_columns(columns)
{
    if (!document)
        return;
    connect(document, &RunDocument::documentChanged, this, [this] { follow(true); });
    connect(document, &RunDocument::cursorChanged, this, [this] { follow(false); });
    // A destroyed document leaves empty tables behind, never dangling rows.
    connect(document, &QObject::destroyed, this, [this] { refresh(true); });
}

InspectorModel::~InspectorModel() = default;

void InspectorModel::follow(bool reset)
{
    // The document emits documentChanged and then cursorChanged on a new run:
    // the second one finds nothing to do.
    if (!reset && m_document && m_step == m_document->cursor())
        return;
    refresh(reset);
}

int InspectorModel::rowOfId(int32_t id) const
{
    // rows are sorted by id
    int lo = 0, hi = rowCount();
    while (lo < hi) {
        const int mid = lo + (hi - lo) / 2;
        if (idAt(mid) < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < rowCount() && idAt(lo) == id ? lo : -1;
}

int InspectorModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : m_columns;
}

QVariant InspectorModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    const QStringList h = headers();
    return section >= 0 && section < h.size() ? QVariant(h[section]) : QVariant();
}
