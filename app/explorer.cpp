#include "explorer.h"

#include "core/text.h"
#include "core/vocabulary.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>
#include <QThread>
#include <QTreeWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

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

tee::sim::ExploreOptions Explorer::defaultOptions()
{
    tee::sim::ExploreOptions o;
    o.memoryBytes = tee::sim::defaultMemoryBound();
    o.jobs = unsigned(std::max(1, QThread::idealThreadCount()));
    return o;
}

bool Explorer::start(std::shared_ptr<const tee::sim::Simulator> sim,
                     const tee::sim::ExploreOptions &options)
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
    tee::sim::ExploreOptions base = options;
    base.interrupt = nullptr;
    base.progress = nullptr;
    m_options = base;
    m_thread = QThread::create([simulator, stop, out, self, base] {
        tee::sim::ExploreOptions o = base;
        o.interrupt = stop.get();
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

ExploreOptionsDialog::ExploreOptionsDialog(const tee::sim::ExploreOptions &initial, QWidget *parent)
    : QDialog(parent)
{
    setWindowTitle(tr("Explore With Options"));
    auto *layout = new QVBoxLayout(this);
    auto *intro = new QLabel(
        tr("Search every interleaving of the scenario's threads and faults under the document's "
           "design, as <tt>teescope-cli explore</tt> does (docs/cli.md). A search that hits a "
           "bound is not a proof: its report says so."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    auto *form = new QFormLayout;
    m_strategy = new QComboBox(this);
    m_strategy->addItem(tr("breadth-first (shortest counterexamples)"));
    m_strategy->addItem(tr("depth-first (one job)"));
    m_strategy->setCurrentIndex(initial.strategy == tee::sim::ExploreOptions::Strategy::Dfs);
    form->addRow(tr("&Strategy:"), m_strategy);
    m_reduction = new QCheckBox(tr("symmetry and partial-order &reduction"), this);
    m_reduction->setChecked(initial.reduction);
    m_reduction->setToolTip(tr("Off: every interleaving is expanded (--no-reduction)"));
    form->addRow(QString(), m_reduction);
    m_exact = new QCheckBox(tr("keep every state (&exact; else hash compaction)"), this);
    m_exact->setChecked(initial.exact);
    form->addRow(QString(), m_exact);
    m_maxStates = new QSpinBox(this);
    // In states, as the CLI's --max-states (an int's 2^31 - 1 states would
    // take some 100 GB of visited set: more than any bound people set).
    m_maxStates->setRange(0, std::numeric_limits<int>::max());
    m_maxStates->setGroupSeparatorShown(true);
    m_maxStates->setSingleStep(100'000);
    m_maxStates->setSpecialValueText(tr("no bound"));
    m_maxStates->setValue(
        int(std::min<uint64_t>(initial.maxStates, uint64_t(std::numeric_limits<int>::max()))));
    form->addRow(tr("Max &states:"), m_maxStates);
    m_maxDepth = new QSpinBox(this);
    m_maxDepth->setRange(0, 1'000'000);
    m_maxDepth->setSpecialValueText(tr("no bound"));
    m_maxDepth->setValue(int(std::min<uint64_t>(initial.maxDepth, 1'000'000)));
    form->addRow(tr("Max &depth (steps):"), m_maxDepth);
    m_memory = new QSpinBox(this);
    m_memory->setRange(0, 16 * 1024 * 1024);
    m_memory->setSuffix(tr(" MiB"));
    m_memory->setSpecialValueText(tr("no bound"));
    m_memory->setValue(int(std::min<uint64_t>(initial.memoryBytes >> 20, 16 * 1024 * 1024)));
    m_memory->setToolTip(tr("The search's resident memory bound (default: half of this "
                            "machine's RAM, as the CLI's --memory)"));
    form->addRow(tr("&Memory:"), m_memory);
    m_jobs = new QSpinBox(this);
    m_jobs->setRange(1, 256);
    m_jobs->setValue(int(std::clamp<unsigned>(initial.jobs, 1, 256)));
    form->addRow(tr("&Jobs:"), m_jobs);
    const auto dfs = [this] {
        const bool d = m_strategy->currentIndex() == 1;
        m_jobs->setEnabled(!d); // depth-first search runs on one thread
    };
    connect(m_strategy, &QComboBox::currentIndexChanged, this, dfs);
    dfs();
    layout->addLayout(form);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("E&xplore"));
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

tee::sim::ExploreOptions ExploreOptionsDialog::options() const
{
    tee::sim::ExploreOptions o;
    o.strategy = m_strategy->currentIndex() == 1 ? tee::sim::ExploreOptions::Strategy::Dfs
                                                 : tee::sim::ExploreOptions::Strategy::Bfs;
    o.reduction = m_reduction->isChecked();
    o.exact = m_exact->isChecked();
    o.maxStates = uint64_t(m_maxStates->value());
    o.maxDepth = uint64_t(m_maxDepth->value());
    o.memoryBytes = uint64_t(m_memory->value()) << 20;
    o.jobs = o.strategy == tee::sim::ExploreOptions::Strategy::Dfs ? 1u : unsigned(m_jobs->value());
    return o;
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
