#include "steppanel.h"

#include "simulator/explore.h"

#include "app/models/rundocument.h"

#include "simulator/transfer.h"

#include <QAbstractScrollArea>
#include <QCheckBox>
#include <QComboBox>
#include <QCoreApplication>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace {

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

const char *const kPolicies[] = {"scripted", "round-robin", "random", "timed"};

// The panel scrolls: a wheel turned over a combo box scrolls the panel
// unless the box was clicked into (scrolling down the panel switched
// request=fifo to idr unnoticed).
class WheelOnlyWhenFocused : public QObject
{
public:
    using QObject::QObject;

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Wheel) {
            auto *w = qobject_cast<QWidget *>(watched);
            if (w && !w->hasFocus()) {
                // to the scroll area the panel is in, if any
                for (QWidget *p = w->parentWidget(); p; p = p->parentWidget())
                    if (auto *area = qobject_cast<QAbstractScrollArea *>(p)) {
                        QCoreApplication::sendEvent(area->viewport(), event);
                        break;
                    }
                return true;
            }
        }
        return QObject::eventFilter(watched, event);
    }
};

} // namespace

StepPanel::StepPanel(RunDocument *document, QWidget *parent)
    : QWidget(parent)
    , m_doc(document)
{
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);

    // Playback: a scrubber over the steps, play/pause (Space) and a speed.
    auto *play = new QHBoxLayout;
    m_play = new QPushButton(tr("Play"), this);
    m_play->setCheckable(true);
    m_speed = new QSpinBox(this);
    m_speed->setRange(1, 1000);
    m_speed->setValue(4);
    m_speed->setSuffix(tr(" steps/s"));
    m_scrubber = new QSlider(Qt::Horizontal, this);
    play->addWidget(m_play);
    play->addWidget(m_speed);
    play->addWidget(m_scrubber, 1);
    layout->addLayout(play);
    m_timer = new QTimer(this);
    connect(m_timer, &QTimer::timeout, this, &StepPanel::tick);
    connect(m_play, &QPushButton::toggled, this, &StepPanel::setPlaying);
    connect(m_speed, &QSpinBox::valueChanged, this,
            [this](int v) { m_timer->setInterval(std::max(1, 1000 / v)); });
    connect(m_scrubber, &QSlider::valueChanged, this, [this](int v) {
        if (uint64_t(v) != m_doc->cursor())
            m_doc->setCursor(uint64_t(v));
    });

    // The next action: the enabled ones at the cursor.
    auto *next = new QGroupBox(tr("Enabled after the cursor step (▶ the run's next)"), this);
    auto *nl = new QVBoxLayout(next);
    m_actions = new QListWidget(next);
    m_byPolicy = new QCheckBox(tr("then continue by the policy"), next);
    m_byPolicy->setChecked(true);
    nl->addWidget(m_actions, 1);
    nl->addWidget(m_byPolicy);
    layout->addWidget(next, 2);
    connect(m_actions, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        QString error;
        if (!choose(size_t(m_actions->row(item)), m_byPolicy->isChecked(), &error))
            QMessageBox::warning(this, tr("Cannot take this action"), error);
    });

    // Branches.
    auto *branches = new QGroupBox(tr("Branches"), this);
    auto *bl = new QVBoxLayout(branches);
    m_branches = new QListWidget(branches);
    auto *bb = new QHBoxLayout;
    auto *rename = new QPushButton(tr("Rename"), branches);
    auto *drop = new QPushButton(tr("Discard"), branches);
    bb->addWidget(rename);
    bb->addWidget(drop);
    bb->addStretch(1);
    bl->addWidget(m_branches, 1);
    bl->addLayout(bb);
    layout->addWidget(branches, 1);
    connect(m_branches, &QListWidget::itemActivated, this,
            [this](QListWidgetItem *item) { switchTo(item->data(Qt::UserRole).toInt()); });
    connect(rename, &QPushButton::clicked, this, [this] {
        if (!m_stepper || !m_branches->currentItem())
            return;
        const int id = m_branches->currentItem()->data(Qt::UserRole).toInt();
        bool ok = false;
        const QString name =
            QInputDialog::getText(this, tr("Rename Branch"), tr("Name"), QLineEdit::Normal,
                                  m_stepper->info(id)->name, &ok);
        if (ok && !name.trimmed().isEmpty() && m_stepper->rename(id, name.trimmed()))
            refreshBranches();
    });
    connect(drop, &QPushButton::clicked, this, [this] {
        if (m_branches->currentItem())
            discard(m_branches->currentItem()->data(Qt::UserRole).toInt());
    });

    // The design: the variant and the policy, and where a transfer departed.
    auto *design = new QGroupBox(tr("Design"), this);
    auto *dl = new QVBoxLayout(design);
    auto *form = new QFormLayout;
    for (int i = 0; i < 4; ++i) {
        const char *name = tee::Variant::kNames[i];
        m_variant[i] = new QComboBox(design);
        const QString allowed = qs(tee::Variant::allowedValues(name));
        for (const QString &v : allowed.split(QStringLiteral(", ")))
            m_variant[i]->addItem(v, v);
        form->addRow(QString::fromLatin1(name), m_variant[i]);
    }
    m_policy = new QComboBox(design);
    for (const char *p : kPolicies)
        m_policy->addItem(QString::fromLatin1(p));
    form->addRow(tr("policy"), m_policy);
    auto *wheelGuard = new WheelOnlyWhenFocused(this);
    for (QComboBox *box : {m_variant[0], m_variant[1], m_variant[2], m_variant[3], m_policy}) {
        box->setFocusPolicy(Qt::StrongFocus);
        box->installEventFilter(wheelGuard);
    }
    auto *apply = new QPushButton(tr("Re-run this schedule with the design"), design);
    m_departures = new QListWidget(design);
    dl->addLayout(form);
    dl->addWidget(apply);
    dl->addWidget(new QLabel(tr("Where the schedule departed from the recording:"), design));
    dl->addWidget(m_departures, 1);
    layout->addWidget(design, 2);
    connect(apply, &QPushButton::clicked, this, [this] {
        tee::Variant v;
        for (int i = 0; i < 4; ++i) {
            const std::string why = v.set(tee::Variant::kNames[i],
                                          m_variant[i]->currentData().toString().toStdString());
            if (!why.empty())
                return;
        }
        if (m_stepper && m_stepper->branches().size() > 1 && m_replaceGuard && !m_replaceGuard())
            return;
        QString error;
        if (!changeDesign(v, m_policy->currentText(), &error))
            QMessageBox::warning(this, tr("Cannot re-run"), error);
    });
    // A click goes there, as in the violations list (a double click was
    // needed; an app audit); the keyboard's Return too.
    const auto goToDeparture = [this](QListWidgetItem *item) {
        if (item->data(Qt::UserRole).isValid())
            m_doc->setCursor(
                std::min<uint64_t>(item->data(Qt::UserRole).toULongLong(), m_doc->stepCount()));
    };
    connect(m_departures, &QListWidget::itemClicked, this, goToDeparture);
    connect(m_departures, &QListWidget::itemActivated, this, goToDeparture);

    // Notes.
    auto *notes = new QGroupBox(tr("Notes"), this);
    auto *ml = new QVBoxLayout(notes);
    m_notes = new QListWidget(notes);
    auto *mb = new QHBoxLayout;
    auto *add = new QPushButton(tr("Add at Cursor..."), notes);
    auto *del = new QPushButton(tr("Delete"), notes);
    mb->addWidget(add);
    mb->addWidget(del);
    mb->addStretch(1);
    ml->addWidget(m_notes, 1);
    ml->addLayout(mb);
    layout->addWidget(notes, 1);
    connect(add, &QPushButton::clicked, this, [this] {
        bool ok = false;
        // what the note will be attached to, in the dialog itself (a title
        // bar is not always shown)
        const QString entity = m_entity ? m_entity() : QString();
        const QString where =
            entity.isEmpty()
                ? tr("Note at step %1 (select a row in an inspector first to attach it to "
                     "that entity too):")
                      .arg(m_doc->cursor())
                : tr("Note at step %1, on %2:").arg(m_doc->cursor()).arg(entity);
        const QString text = QInputDialog::getMultiLineText(
            this, tr("Note at step %1").arg(m_doc->cursor()), where, {}, &ok);
        if (ok && !text.trimmed().isEmpty())
            addNote(text.trimmed(), entity);
    });
    connect(del, &QPushButton::clicked, this, [this] {
        if (m_notes->currentRow() >= 0)
            removeNote(m_notes->currentRow());
    });
    connect(m_notes, &QListWidget::itemActivated, this, [this](QListWidgetItem *item) {
        const int i = m_notes->row(item);
        auto list = m_doc->notes();
        if (i < 0 || size_t(i) >= list.size())
            return;
        bool ok = false;
        const QString text = QInputDialog::getMultiLineText(this, tr("Edit Note"), tr("Note"),
                                                            qs(list[size_t(i)].text), &ok);
        if (!ok)
            return;
        list[size_t(i)].text = text.trimmed().toStdString();
        m_doc->setNotes(std::move(list));
    });

    connect(m_doc, &RunDocument::documentChanged, this, &StepPanel::documentChanged);
    connect(m_doc, &RunDocument::cursorChanged, this, &StepPanel::cursorChanged);
    connect(m_doc, &RunDocument::notesChanged, this, &StepPanel::refreshNotes);
    documentChanged();
}

StepPanel::~StepPanel() = default;

void StepPanel::documentChanged()
{
    if (!m_own) {
        // A run opened from outside: a fresh recorded branch.
        m_stepper.reset();
        m_branch = 0;
        m_branchNotes.clear();
        m_departures->clear();
        if (!m_doc->isEmpty()) {
            std::string error;
            m_stepper =
                Stepper::create(m_doc->simulatorPtr(), m_doc->trace(), m_doc->runOptions(), &error);
        }
    }
    m_scrubber->setRange(0, int(m_doc->stepCount()));
    refreshBranches();
    refreshDesign();
    refreshNotes();
    cursorChanged(m_doc->cursor());
}

void StepPanel::cursorChanged(uint64_t step)
{
    if (m_scrubber->value() != int(step))
        m_scrubber->setValue(int(step));
    refreshActions();
}

void StepPanel::refreshActions()
{
    m_actions->clear();
    if (!m_stepper)
        return;
    for (const Stepper::Choice &c : m_stepper->enabledAt(m_branch, m_doc->cursor())) {
        auto *item = new QListWidgetItem((c.next ? QStringLiteral("▶ ") : QStringLiteral("   ")) +
                                         qs(c.label));
        if (c.next) {
            QFont f = item->font();
            f.setBold(true);
            item->setFont(f);
        }
        m_actions->addItem(item);
    }
}

QString StepPanel::branchSummary() const
{
    const auto b = m_stepper ? m_stepper->info(m_branch) : std::nullopt;
    const auto parent = b && b->parent >= 0 ? m_stepper->info(b->parent) : std::nullopt;
    if (!parent)
        return {};
    // (one arg() call: a branch renamed "try %1" would take the step's place)
    return tr("%1, leaves %2 after step %3")
        .arg(b->name, parent->name, QString::number(b->forkStep));
}

void StepPanel::refreshBranches()
{
    m_branches->clear();
    if (!m_stepper)
        return;
    for (const Stepper::BranchInfo &b : m_stepper->branches()) {
        QString text = b.name;
        if (b.parent >= 0)
            text += tr("  — leaves %1 after step %2: %3")
                        .arg(m_stepper->info(b.parent)->name)
                        .arg(b.forkStep)
                        .arg(qs(b.forkLabel));
        text += tr(" (%1 steps)").arg(b.steps);
        auto *item = new QListWidgetItem(text);
        item->setData(Qt::UserRole, b.id);
        if (b.id == m_branch) {
            QFont f = item->font();
            f.setBold(true);
            item->setFont(f);
        }
        m_branches->addItem(item);
    }
}

void StepPanel::refreshDesign()
{
    if (m_doc->isEmpty())
        return;
    const tee::Variant &v = m_doc->simulator()->engine().variant();
    for (int i = 0; i < 4; ++i)
        m_variant[i]->setCurrentIndex(m_variant[i]->findData(qs(v.value(tee::Variant::kNames[i]))));
    m_policy->setCurrentText(m_doc->policyName());
}

tee::Variant StepPanel::selectedVariant() const
{
    tee::Variant v = m_doc->isEmpty() ? tee::Variant{} : m_doc->simulator()->engine().variant();
    for (int i = 0; i < 4; ++i)
        if (m_variant[i] && m_variant[i]->currentIndex() >= 0)
            (void)v.set(tee::Variant::kNames[i],
                        m_variant[i]->currentData().toString().toStdString());
    return v;
}

void StepPanel::refreshNotes()
{
    m_notes->clear();
    for (const tee::sim::Note &n : m_doc->notes())
        m_notes->addItem(
            tr("step %1%2: %3")
                .arg(n.step)
                .arg(n.entity.empty() ? QString() : QStringLiteral(" on ") + qs(n.entity))
                .arg(qs(n.text)));
}

std::vector<tee::sim::Note> StepPanel::notesFor(int id) const
{
    if (id == m_branch)
        return m_doc->notes();
    if (const auto it = m_branchNotes.find(id); it != m_branchNotes.end())
        return it->second;
    // a new branch: its parent's notes on the steps they share
    const std::optional<Stepper::BranchInfo> b = m_stepper->info(id);
    if (!b || b->parent < 0)
        return {};
    std::vector<tee::sim::Note> notes = notesFor(b->parent);
    std::erase_if(notes, [&](const tee::sim::Note &n) { return n.step > b->forkStep; });
    return notes;
}

void StepPanel::showBranch(int id, uint64_t cursor)
{
    std::vector<tee::sim::Note> notes = notesFor(id);
    if (m_stepper->contains(m_branch))
        m_branchNotes[m_branch] = m_doc->notes(); // the one shown keeps its own
    m_branchNotes.erase(id);
    m_branch = id;
    auto run =
        RunDocument::makeRun(m_stepper->simulatorPtr(), m_stepper->trace(id), m_stepper->options());
    run->initialCursor = cursor;
    run->notes = std::move(notes);
    run->source = RunDocument::Source::Trace;
    const bool modified = m_doc->isModified() || id != m_stepper->rootId();
    m_own = true;
    m_doc->setRun(std::move(run));
    m_own = false;
    m_doc->setModified(modified);
    Q_EMIT branchesChanged();
}

bool StepPanel::choose(size_t index, bool byPolicy, QString *error)
{
    if (!m_stepper)
        return false;
    std::string why;
    const auto r = m_stepper->choose(
        m_branch, m_doc->cursor(), index,
        byPolicy ? Stepper::Continuation::Policy : Stepper::Continuation::StepByStep, &why);
    if (!r) {
        if (error)
            *error = qs(why);
        return false;
    }
    if (r->branch == m_branch && !r->created && m_doc->stepCount() >= r->step &&
        m_stepper->stepCount(m_branch) == m_doc->stepCount()) {
        m_doc->setCursor(r->step); // the run's own next action: just move on
        return true;
    }
    showBranch(r->branch, r->step);
    return true;
}

bool StepPanel::switchTo(int id)
{
    if (!m_stepper || !m_stepper->contains(id))
        return false;
    if (id == m_branch)
        return true;
    showBranch(id, std::min(m_doc->cursor(), m_stepper->stepCount(id)));
    return true;
}

bool StepPanel::discard(int id)
{
    if (!m_stepper || id == m_stepper->rootId() || !m_stepper->contains(id))
        return false;
    // Showing a branch that goes: go back to its parent first.
    int shown = m_branch;
    for (int b = shown; b >= 0; b = m_stepper->info(b)->parent)
        if (b == id) {
            shown = m_stepper->info(id)->parent;
            break;
        }
    m_stepper->discard(id);
    for (auto it = m_branchNotes.begin(); it != m_branchNotes.end();)
        it = m_stepper->contains(it->first) ? std::next(it) : m_branchNotes.erase(it);
    if (shown != m_branch)
        showBranch(shown, std::min(m_doc->cursor(), m_stepper->stepCount(shown)));
    else
        refreshBranches();
    return true;
}

bool StepPanel::changeDesign(const tee::Variant &variant, const QString &policy, QString *error)
{
    if (m_doc->isEmpty())
        return false;
    const tee::sim::Simulator &source = *m_doc->simulator();
    auto target = std::make_shared<const tee::sim::Simulator>(source.scenarioPtr(), variant);
    tee::sim::RunOptions opts = m_doc->runOptions();
    if (!policy.isEmpty()) {
        const auto p = tee::sim::parsePolicy(policy.toStdString());
        if (!p) {
            if (error)
                *error = tr("unknown policy \"%1\"").arg(policy);
            return false;
        }
        opts.policy = *p;
    }
    tee::sim::TransferResult t = tee::sim::transferSchedule(source, m_doc->trace(), *target, opts);
    if (!t.error.empty()) {
        if (error)
            *error = qs(t.error);
        return false;
    }
    std::string why;
    auto stepper = Stepper::create(target, t.trace, opts, &why);
    if (!stepper) {
        if (error)
            *error = qs(why);
        return false;
    }
    const uint64_t cursor = std::min(m_doc->cursor(), uint64_t(t.trace.schedule.size()));
    // The notes go with the schedule, as far as the re-run took it as
    // recorded. An explore note describes a search of the old design: it
    // goes. A note past the first step that departs from the recording
    // says what it was written on.
    const uint64_t firstDeparture = t.departures.empty() ? UINT64_MAX : t.departures.front().step;
    std::vector<tee::sim::Note> notes;
    for (tee::sim::Note n : m_doc->notes()) {
        if (tee::sim::isExploreNote(n.text) &&
            (!(variant == source.engine().variant()) || n.step >= firstDeparture))
            continue;
        if (n.step >= firstDeparture && n.text.rfind("(written on ", 0) != 0)
            n.text = "(written on " + source.engine().variant().toString() +
                     ", before this re-run departed at step " + std::to_string(firstDeparture) +
                     ") " + n.text;
        notes.push_back(std::move(n));
    }
    m_branchNotes.clear();
    // The root is this design's re-run of the schedule, not a recording:
    // named after what changed ("argument=none", "policy timed").
    QStringList changed;
    for (const char *name : tee::Variant::kNames)
        if (variant.value(name) != source.engine().variant().value(name))
            changed << qs(std::string(name) + "=" + variant.value(name));
    if (!policy.isEmpty() && opts.policy != m_doc->runOptions().policy)
        changed << tr("policy %1").arg(policy);
    stepper->rename(stepper->rootId(),
                    changed.isEmpty() ? tr("re-run")
                                      : tr("re-run, %1").arg(changed.join(QLatin1String(", "))));
    m_stepper = std::move(stepper);
    m_branch = 0;
    auto run = RunDocument::makeRun(target, std::move(t.trace), opts);
    run->initialCursor = cursor;
    run->notes = notes;
    run->source = RunDocument::Source::Trace;
    m_own = true;
    m_doc->setRun(std::move(run));
    m_own = false;
    m_doc->setModified(true);
    m_departures->clear();
    for (const tee::sim::Departure &d : t.departures) {
        auto *item = new QListWidgetItem(qs(tee::sim::departureText(d)));
        item->setData(Qt::UserRole, qulonglong(d.step));
        m_departures->addItem(item);
    }
    if (t.departures.empty())
        m_departures->addItem(tr("none: every recorded step was taken as recorded"));
    refreshBranches();
    return true;
}

void StepPanel::addNote(const QString &text, const QString &entity)
{
    auto notes = m_doc->notes();
    notes.push_back({m_doc->cursor(), text.toStdString(), entity.toStdString()});
    std::stable_sort(notes.begin(), notes.end(),
                     [](const auto &a, const auto &b) { return a.step < b.step; });
    m_doc->setNotes(std::move(notes));
}

void StepPanel::removeNote(int index)
{
    auto notes = m_doc->notes();
    if (index < 0 || size_t(index) >= notes.size())
        return;
    notes.erase(notes.begin() + index);
    m_doc->setNotes(std::move(notes));
}

void StepPanel::setPlaying(bool playing)
{
    if (m_play->isChecked() != playing)
        m_play->setChecked(playing);
    m_play->setText(playing ? tr("Pause") : tr("Play"));
    if (playing) {
        m_timer->setInterval(std::max(1, 1000 / m_speed->value()));
        m_timer->start();
    } else {
        m_timer->stop();
    }
}

bool StepPanel::isPlaying() const
{
    return m_timer->isActive();
}

void StepPanel::tick()
{
    if (m_doc->cursor() >= m_doc->stepCount()) {
        setPlaying(false);
        return;
    }
    m_doc->setCursor(m_doc->cursor() + 1);
}
