#include "rundocument.h"

#include "simulator/explore.h"

#include "core/text.h"
#include "core/vocabulary.h"
#include "simulator/scenarioloader.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>

using tee::Event;
using tee::EventKind;
using tee::sim::LaneKey;
using tee::sim::LaneKind;

namespace {

bool laneLess(const LaneKey &a, const LaneKey &b)
{
    return a.kind != b.kind ? a.kind < b.kind : a.id < b.id;
}

const tee::sim::Trace &emptyTrace()
{
    static const tee::sim::Trace t;
    return t;
}

const tee::sim::Timeline &emptyTimeline()
{
    static const tee::sim::Timeline t;
    return t;
}

QString qs(const std::string &s)
{
    return QString::fromStdString(s);
}

} // namespace

RunDocument::RunDocument(QObject *parent)
    : QObject(parent)
{}

RunDocument::~RunDocument() = default;

// -- loading ---------------------------------------------------------------------

std::unique_ptr<RunDocument::Run>
RunDocument::makeRun(std::shared_ptr<const tee::sim::Simulator> sim, tee::sim::Trace trace,
                     const tee::sim::RunOptions &opts)
{
    if (!sim)
        return nullptr;
    auto run = std::make_unique<Run>();
    const tee::sim::Scenario &sc = sim->scenario();
    run->processOf = tee::sim::Timeline::threadProcesses(sc);
    // as simulator/exports.cpp builds it: the threads, the worker last
    run->timeline = tee::sim::Timeline(trace, sc.threadCount() + 1, int32_t(sc.processes.size()),
                                       run->processOf);
    const tee::sim::Timeline &tl = run->timeline;
    run->lastStep.assign(size_t(std::max(tl.threadCount(), 0)), 0);
    for (uint64_t k = 1; k <= tl.stepCount(); ++k) {
        const tee::ThreadId a = tl.step(k).actor;
        if (a.valid() && size_t(a.v) < run->lastStep.size())
            run->lastStep[size_t(a.v)] = k;
    }
    run->simulator = std::move(sim);
    run->trace = std::move(trace);
    run->options = opts;
    run->source = Source::Trace;
    return run;
}

std::unique_ptr<RunDocument::Run>
RunDocument::loadScenario(const QString &nameOrPath, QString *error,
                          const std::atomic<bool> *cancel, tee::sim::RunProgress *progress,
                          const std::vector<std::string> &variants)
{
    std::string err;
    std::shared_ptr<const tee::sim::Scenario> scenario =
        tee::sim::loadScenario(nameOrPath.toStdString(), &err);
    if (!scenario) {
        if (error)
            *error = qs(err);
        return nullptr;
    }
    tee::Variant variant = scenario->variant;
    if (const std::string why = variant.apply(variants); !why.empty()) {
        if (error)
            *error = qs("--variant: " + why);
        return nullptr;
    }
    auto sim = std::make_shared<const tee::sim::Simulator>(scenario, variant);
    tee::sim::RunOptions opts;
    opts.policy = scenario->policy;
    opts.seed = scenario->seed;
    opts.maxSteps = scenario->maxSteps;
    opts.cancel = cancel;
    opts.progress = progress;
    tee::sim::Trace trace = tee::sim::run(*sim, opts, &err);
    // A fixed schedule naming a step that is not enabled is bad input, like
    // a parse error: report it instead of showing a silently partial run.
    if (!err.empty()) {
        // (named as teescope-cli run names it: the file, then the place; a
        // cancelled load says just "cancelled": no file is at fault)
        const bool cancelled = cancel && cancel->load();
        if (error)
            *error = cancelled ? qs(err)
                               : qs(tee::printable(nameOrPath.toStdString(), 160) + ": " + err);
        return nullptr;
    }
    // The flag belongs to this load (the window's loader owns it and drops
    // it when the load is over): the run keeps options without it, or a
    // later continuation by the policy read a freed flag ("cancelled").
    opts.cancel = nullptr;
    opts.progress = nullptr;
    std::unique_ptr<Run> run = makeRun(std::move(sim), std::move(trace), opts);
    run->source = Source::Scenario;
    run->path = nameOrPath;
    return run;
}

bool RunDocument::isCapture(const QString &path)
{
    const QFileInfo info(path);
    if (!info.isFile())
        return false;
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return false;
    // Larger than any scenario may be: a capture if it names the format
    // anywhere (a capture rewritten with sorted keys has "format" after its
    // events), looked for a MiB at a time, so that the capture reader has
    // the say; else the scenario loader names its size limit. Past the
    // capture reader's own limit it refuses the file before reading it.
    // (The whole file was read and parsed here, and a large broken capture
    // was then refused as a scenario.)
    static const QByteArray token("\"teescope-capture\"");
    if (info.size() > tee::sim::kMaxScenarioBytes) {
        if (info.size() > tee::sim::kMaxCaptureBytes)
            return true;
        QByteArray tail; // (a token cut between two reads)
        for (QByteArray more = f.read(1 << 20); !more.isEmpty(); more = f.read(1 << 20)) {
            const QByteArray chunk = tail + more;
            if (chunk.contains(token))
                return true;
            tail = chunk.right(token.size() - 1);
        }
        return false;
    }
    const QByteArray bytes = f.readAll();
    if (!bytes.contains(token))
        return false;
    // Broken JSON that names the capture format is a broken capture: the
    // capture reader says where it breaks (the scenario loader's errors
    // are about scenario keys).
    QJsonParseError parseError;
    const QJsonDocument doc = QJsonDocument::fromJson(bytes, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return true;
    return doc.isObject() && doc.object().value(QLatin1String("format")).toString() ==
                                 QLatin1String("teescope-capture");
}

std::unique_ptr<RunDocument::Run> RunDocument::load(const QString &nameOrPath, QString *error,
                                                    const std::atomic<bool> *cancel,
                                                    tee::sim::RunProgress *progress,
                                                    const std::vector<std::string> &variants)
{
    if (!isCapture(nameOrPath))
        return loadScenario(nameOrPath, error, cancel, progress, variants);
    if (!variants.empty()) {
        if (error)
            *error = qs(tee::printable(nameOrPath.toStdString(), 160)) +
                     QStringLiteral(": --variant: a capture keeps the design it was recorded "
                                    "with (give its scenario instead, or change the design in "
                                    "the app's Design box)");
        return nullptr;
    }
    return loadCapture(nameOrPath, error, cancel, progress);
}

std::unique_ptr<RunDocument::Run> RunDocument::loadCapture(const QString &path, QString *error,
                                                           const std::atomic<bool> *cancel,
                                                           tee::sim::RunProgress *progress)
{
    std::string err;
    const std::unique_ptr<tee::sim::Capture> capture =
        tee::sim::readCapture(path.toStdString(), &err);
    if (!capture || !capture->scenario) {
        if (error)
            *error = err.empty() ? qs(tee::printable(path.toStdString(), 160)) +
                                       QStringLiteral(": cannot read capture")
                                 : qs(err);
        return nullptr;
    }
    // The recorded run, as teescope-cli export shows it: nothing is re-run.
    auto sim = std::make_shared<const tee::sim::Simulator>(capture->scenario, capture->variant);
    tee::sim::Trace trace;
    trace.schedule = capture->schedule;
    trace.spans = capture->spans;
    trace.events = capture->events;
    trace.stop = capture->stop;
    trace.stopDetail = capture->stopDetail;
    for (const Event &e : trace.events)
        trace.violations += e.kind == EventKind::Violation;
    tee::sim::RunOptions opts;
    opts.policy = capture->policy;
    opts.seed = capture->seed;
    opts.maxSteps = capture->maxSteps;
    std::unique_ptr<Run> run = makeRun(std::move(sim), std::move(trace), opts);
    run->source = Source::Capture;
    run->path = path;
    run->notes = capture->notes;
    run->modelVersion = capture->modelVersion;
    run->focusStep = capture->focusStep;
    // Without a focus step, the first violation is what a reviewer opens a
    // capture for.
    for (const Event &e : run->trace.events)
        if (e.kind == EventKind::Violation) {
            run->initialCursor = std::min(e.step, run->timeline.stepCount());
            break;
        }
    if (run->focusStep)
        run->initialCursor = std::min(*run->focusStep, run->timeline.stepCount());
    // The window shows the recording; a capture of this model version is
    // also replayed, and one that does not give its own events and spans
    // again says so (older versions recorded other events: replay
    // translates them, the window shows them as they are).
    if (capture->modelVersion == tee::kModelVersion) {
        std::string why;
        const tee::sim::Trace again =
            tee::sim::replay(*run->simulator, capture->schedule, &why, cancel, progress);
        if (why == tee::sim::kCancelled) {
            if (error)
                *error = qs(why);
            return nullptr;
        }
        if (why.empty())
            why = tee::sim::compareEvents(*run->simulator, capture->events, again.events);
        if (why.empty())
            why = tee::sim::checkRecordedSpans(*run->simulator, *capture, again);
        if (why.empty()) // an edited stop or stop_detail (the status bar shows it)
            why = tee::sim::checkRecordedStop(*run->simulator, *capture, again);
        run->recordingDiffers = qs(why);
    }
    return run;
}

bool RunDocument::openScenario(const QString &nameOrPath, QString *error)
{
    std::unique_ptr<Run> run = loadScenario(nameOrPath, error);
    if (!run)
        return false;
    setRun(std::move(run));
    return true;
}

bool RunDocument::openCapture(const QString &path, QString *error)
{
    std::unique_ptr<Run> run = loadCapture(path, error);
    if (!run)
        return false;
    setRun(std::move(run));
    return true;
}

void RunDocument::setRun(std::unique_ptr<Run> run)
{
    if (!run && !m_run)
        return; // nothing to nothing: no signal
    const uint64_t before = m_cursor;
    m_run = std::move(run);
    m_modified = false;
    m_cursor = m_run ? std::min(m_run->initialCursor, m_run->timeline.stepCount()) : 0;
    computeCursorState();
    Q_EMIT documentChanged();
    if (m_cursor != before)
        Q_EMIT cursorChanged(m_cursor);
}

void RunDocument::clear()
{
    setRun(nullptr);
}

bool RunDocument::saveCapture(const QString &path, QString *error) const
{
    const auto fail = [&](const QString &why) {
        if (error)
            *error = why;
        return false;
    };
    if (!m_run)
        return fail(QStringLiteral("nothing to save: no run is open"));
    if (m_run->modelVersion != tee::kModelVersion)
        return fail(QStringLiteral("%1: recorded with model version %2, this teescope has model "
                                   "version %3; replay it to save a capture of this model")
                        .arg(m_run->path)
                        .arg(m_run->modelVersion)
                        .arg(tee::kModelVersion));
    if (!tee::sim::canEmbedScenario(m_run->simulator->scenario()))
        return fail(QStringLiteral("the scenario has no JSON text to embed in a capture"));
    std::string err;
    // The step the reviewer was looking at is the capture's focus: it opens
    // there again (it opened at the first violation or step 0; an app
    // audit). A cursor still at step 0 sets none: the first violation then.
    const std::optional<uint64_t> focus = m_cursor > 0 ? std::optional(m_cursor) : std::nullopt;
    if (!tee::sim::writeCapture(path.toStdString(), *m_run->simulator, m_run->trace, m_run->options,
                                &err, m_run->notes, focus))
        return fail(qs(err));
    m_modified = false;
    return true;
}

// -- the run -----------------------------------------------------------------------

std::shared_ptr<const tee::sim::Simulator> RunDocument::simulatorPtr() const
{
    return m_run ? m_run->simulator : nullptr;
}

const tee::sim::Trace &RunDocument::trace() const
{
    return m_run ? m_run->trace : emptyTrace();
}

const tee::sim::Timeline &RunDocument::timeline() const
{
    return m_run ? m_run->timeline : emptyTimeline();
}

const tee::sim::RunOptions &RunDocument::runOptions() const
{
    static const tee::sim::RunOptions none;
    return m_run ? m_run->options : none;
}

void RunDocument::setNotes(std::vector<tee::sim::Note> notes)
{
    if (!m_run || m_run->notes == notes)
        return;
    m_run->notes = std::move(notes);
    m_modified = true;
    Q_EMIT notesChanged();
}

const std::vector<tee::sim::Note> &RunDocument::notes() const
{
    static const std::vector<tee::sim::Note> none;
    return m_run ? m_run->notes : none;
}

std::optional<uint64_t> RunDocument::focusStep() const
{
    return m_run ? m_run->focusStep : std::nullopt;
}

int RunDocument::focusInvariant() const
{
    if (!m_run || !m_run->focusStep)
        return 0;
    for (const tee::sim::Note &n : m_run->notes)
        if (n.step == *m_run->focusStep)
            if (const int v = tee::sim::exploreNoteInvariant(n.text))
                return v;
    return 0;
}

QString RunDocument::title() const
{
    if (!m_run)
        return {};
    const tee::sim::Scenario &sc = m_run->simulator->scenario();
    return qs(sc.title.empty() ? sc.name : sc.title);
}

QString RunDocument::description() const
{
    return m_run ? qs(m_run->simulator->scenario().description) : QString();
}

QString RunDocument::lead() const
{
    return m_run ? qs(tee::leadSentence(m_run->simulator->scenario().description)) : QString();
}

QString RunDocument::variantText() const
{
    return m_run ? qs(m_run->simulator->engine().variant().toString()) : QString();
}

QString RunDocument::policyName() const
{
    return m_run ? QString::fromLatin1(tee::sim::policyName(m_run->options.policy)) : QString();
}

uint64_t RunDocument::violationCount() const
{
    return m_run ? m_run->trace.violations : 0;
}

std::optional<uint64_t> RunDocument::firstViolationStep() const
{
    if (m_run)
        for (const Event &e : m_run->trace.events)
            if (e.kind == EventKind::Violation)
                return e.step;
    return std::nullopt;
}

// -- the cursor ----------------------------------------------------------------------

void RunDocument::setCursor(uint64_t step)
{
    step = std::min(step, stepCount());
    if (step == m_cursor)
        return;
    m_cursor = step;
    computeCursorState();
    Q_EMIT cursorChanged(m_cursor);
}

void RunDocument::computeCursorState()
{
    m_touched.clear();
    if (!m_run) {
        m_state = {};
        return;
    }
    const tee::sim::Timeline &tl = m_run->timeline;
    tl.stateAfter(m_cursor, m_state);
    const tee::sim::StepInfo &st = tl.step(m_cursor);
    for (uint32_t i = st.eventBegin; i < st.eventEnd; ++i)
        eventLanes(m_run->trace.events[i], m_touched);
    std::sort(m_touched.begin(), m_touched.end(), laneLess);
    m_touched.erase(std::unique(m_touched.begin(), m_touched.end()), m_touched.end());
}

bool RunDocument::touchedAtCursor(LaneKey key) const
{
    return std::binary_search(m_touched.begin(), m_touched.end(), key, laneLess);
}

// -- entities and events ---------------------------------------------------------------

void RunDocument::eventLanes(const Event &e, std::vector<LaneKey> &out) const
{
    eventLanes(e,
               m_run ? std::span<const tee::ProcessId>(m_run->processOf)
                     : std::span<const tee::ProcessId>(),
               out);
}

void RunDocument::eventLanes(const Event &e, std::span<const tee::ProcessId> processOf,
                             std::vector<LaneKey> &out)
{
    const auto add = [&](LaneKind k, int32_t id) {
        if (id >= 0)
            out.push_back({k, id});
    };
    add(LaneKind::Thread, e.thread.v);
    if (e.actor != e.thread)
        add(LaneKind::Thread, e.actor.v);
    if (e.kind == EventKind::Killed && e.process.valid())
        for (size_t t = 0; t < processOf.size(); ++t)
            if (processOf[t] == e.process)
                add(LaneKind::Thread, int32_t(t));
    add(LaneKind::Context, e.ctx.v);
    add(LaneKind::Object, e.object.v);
    add(LaneKind::Request, e.request.v);
    if (e.other != e.request)
        add(LaneKind::Request, e.other.v);
    switch (e.kind) {
    case EventKind::LockAcquire:
    case EventKind::LockRelease:
        add(LaneKind::Lock, e.ctx.v);
        break;
    case EventKind::Blocked:
    case EventKind::Woken:
        if (tee::BlockReason(e.value) == tee::BlockReason::Lock)
            add(LaneKind::Lock, e.ctx.v);
        break;
    case EventKind::WorkQueued:
    case EventKind::WorkStarted:
    case EventKind::WorkRequeued:
    case EventKind::WorkDone:
        add(LaneKind::Workqueue, 0);
        break;
    case EventKind::SmcInvoke:
    case EventKind::SmcCallbackResponse:
    case EventKind::QteeCallback:
    case EventKind::QteeResult:
    case EventKind::SmcFailed:
    case EventKind::AsyncRelease:
        add(LaneKind::Qtee, 0);
        break;
    default:
        break;
    }
}

bool RunDocument::eventTouches(const Event &e, LaneKey key) const
{
    std::vector<LaneKey> lanes;
    eventLanes(e, lanes);
    return std::find(lanes.begin(), lanes.end(), key) != lanes.end();
}

QString RunDocument::threadName(tee::ThreadId t) const
{
    return m_run ? qs(tee::vocab::thread(*m_run->simulator, t)) : QString();
}

uint64_t RunDocument::lastStepOf(tee::ThreadId t) const
{
    return m_run && t.valid() && size_t(t.v) < m_run->lastStep.size() ? m_run->lastStep[size_t(t.v)]
                                                                      : 0;
}

QString RunDocument::laneName(LaneKey key) const
{
    switch (key.kind) {
    case LaneKind::Thread:
        return threadName(tee::ThreadId(key.id));
    case LaneKind::Context:
        return qs(tee::vocab::ctx(tee::ContextId(key.id)));
    case LaneKind::Object:
        return qs(tee::vocab::object(tee::ObjectId(key.id)));
    case LaneKind::Request:
        return qs(tee::vocab::request(tee::RequestId(key.id)));
    case LaneKind::Lock:
        // the names the exports give these lanes (simulator/exports.cpp laneName)
        return QStringLiteral("reqs_lock ") + qs(tee::vocab::ctx(tee::ContextId(key.id)));
    case LaneKind::Workqueue:
        return QStringLiteral("qcomtee_wq");
    case LaneKind::Qtee:
        return QStringLiteral("QTEE");
    }
    return {};
}
