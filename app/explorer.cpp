#include "explorer.h"

#include "core/text.h"
#include "core/vocabulary.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QThread>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

Explorer::Explorer(QObject *parent)
    : QObject(parent)
{}

Explorer::~Explorer()
{
    if (m_thread) {
        m_stop->store(true);
        m_thread->wait();
        delete m_thread;
    }
}

bool Explorer::start(std::shared_ptr<const tee::sim::Simulator> sim)
{
    if (m_thread || !sim)
        return false;
    m_sim = std::move(sim);
    m_result.reset();
    auto stop = std::make_shared<std::atomic<bool>>(false);
    m_stop = stop;
    auto out = std::make_shared<tee::sim::ExploreResult>();
    const std::shared_ptr<const tee::sim::Simulator> simulator = m_sim;
    QPointer<Explorer> self(this);
    m_thread = QThread::create([simulator, stop, out, self] {
        tee::sim::ExploreOptions o;
        o.interrupt = stop.get();
        o.memoryBytes = tee::sim::defaultMemoryBound();
        o.jobs = unsigned(std::max(1, QThread::idealThreadCount()));
        o.progress = [self](uint64_t states, uint64_t depth, uint64_t rss) {
            // From the search's thread: handed to the window's thread.
            QMetaObject::invokeMethod(
                self.data(),
                [self, states, depth, rss] {
                    if (self)
                        Q_EMIT self->progress(states, depth, rss);
                },
                Qt::QueuedConnection);
        };
        *out = tee::sim::explore(*simulator, o);
    });
    QThread *thread = m_thread;
    connect(thread, &QThread::finished, this, [this, thread, out] {
        thread->deleteLater();
        m_thread = nullptr;
        m_result = std::move(*out);
        Q_EMIT finished();
    });
    thread->start();
    return true;
}

void Explorer::cancel()
{
    if (m_stop)
        m_stop->store(true);
}

ExploreDialog::ExploreDialog(const tee::sim::Simulator &sim, const tee::sim::ExploreResult &result,
                             QWidget *parent)
    : QDialog(parent)
    , m_result(result)
{
    setWindowTitle(tr("Explore: %1").arg(qs(tee::printable(sim.scenario().name))));
    auto *layout = new QVBoxLayout(this);
    const tee::sim::ExploreResult &r = m_result;

    auto *verdict = new QLabel(this);
    verdict->setWordWrap(true);
    verdict->setTextInteractionFlags(Qt::TextSelectableByMouse);
    verdict->setText(QStringLiteral("<b>%1</b>")
                         .arg(qs(tee::printable(tee::sim::exploreVerdict(r), 0)).toHtmlEscaped()));
    layout->addWidget(verdict);
    auto *figures = new QLabel(this);
    figures->setWordWrap(true);
    figures->setText(tr("%1 · %2 states, %3 transitions, depth %4 · %5 s · %6")
                         .arg(qs(sim.engine().variant().toString()))
                         .arg(r.states)
                         .arg(r.transitions)
                         .arg(r.maxDepth)
                         .arg(r.seconds, 0, 'f', 2)
                         .arg(r.exact ? tr("every state kept")
                                      : tr("hash compaction (probability of a missed state %1)")
                                            .arg(r.omissionProbability(), 0, 'g', 2)));
    layout->addWidget(figures);

    m_list = new QTreeWidget(this);
    m_list->setRootIsDecorated(false);
    m_list->setAllColumnsShowFocus(true);
    m_list->setHeaderLabels({tr("Finding"), tr("Steps"), tr("What happens")});
    const auto add = [this](const QString &what, const tee::sim::ExploreFinding &f,
                            const std::string &detail) {
        auto *item = new QTreeWidgetItem(m_list);
        item->setText(0, what);
        item->setText(1, QString::number(f.length()) +
                             (f.shortestConfirmed ? QString() : tr(" (maybe not the shortest)")));
        item->setTextAlignment(1, Qt::AlignRight | Qt::AlignVCenter);
        item->setText(2, qs(tee::printable(detail, 0)));
        item->setToolTip(2, item->text(2));
        m_rows.push_back(&f);
    };
    // Every way each invariant broke, then a stuck state, then the gaps.
    for (const auto &[kind, f] : r.byFinding)
        add(tr("I%1 violated").arg(kind.first), f, f.detail);
    if (r.stuck)
        add(tr("stuck"), *r.stuck, r.stuck->detail);
    for (const auto &[kind, f] : r.gaps)
        add(tr("gap %1 (spec §9, a note)").arg(kind.first), f, f.detail);
    if (m_rows.empty()) {
        auto *none = new QTreeWidgetItem(m_list);
        none->setText(0, r.complete ? tr("nothing found") : tr("nothing found so far"));
        none->setFlags(Qt::NoItemFlags);
    }
    m_list->header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    m_list->header()->setSectionResizeMode(1, QHeaderView::ResizeToContents);
    layout->addWidget(m_list, 1);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    m_open = buttons->addButton(tr("Open at Its Step"), QDialogButtonBox::AcceptRole);
    m_open->setEnabled(false);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(m_open, &QPushButton::clicked, this, &ExploreDialog::openSelected);
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, [this] {
        const int row = m_list->indexOfTopLevelItem(m_list->currentItem());
        m_open->setEnabled(row >= 0 && size_t(row) < m_rows.size());
    });
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, &ExploreDialog::openSelected);
    layout->addWidget(buttons);
    if (!m_rows.empty())
        m_list->setCurrentItem(m_list->topLevelItem(0));
    resize(900, 360);
}

void ExploreDialog::openSelected()
{
    const int row = m_list->indexOfTopLevelItem(m_list->currentItem());
    if (row < 0 || size_t(row) >= m_rows.size())
        return;
    Q_EMIT openFinding(*m_rows[size_t(row)]);
    accept();
}
