// Drawing a long run (app/render): a 100,000-step `stress` run generated
// here (random policy, seed 42, as bench_timeline runs it), shown in a
// 1600x1000 TimelinePlot offscreen with the default groups (objects and
// requests collapsed: thousands of lanes each).
//
//   BM_RenderFirstPaint      build the timeline model, create the widget,
//                            set the run, show it and paint it once
//   BM_RenderReplot/<view>   one full replot (every layer, then the repaint):
//                            0 zoomed out, 1 zoomed to 100 steps, 2 zoomed
//                            out with the object group expanded (scrolled to
//                            its middle)
//   BM_RenderCursor/<view>   move the cursor to a random step and let the
//                            event loop finish the repaint: 0 zoomed out (the
//                            cursor's layer only), 1 zoomed to 100 steps (the
//                            view follows: a full replot most of the time)
//
// Each reports the median and the 95th percentile of its iterations in ms
// (counters median_ms, p95_ms), and the process's peak RSS (peak_MB).
// Separate executable: teescope-bench-render (it needs Qt Widgets and a
// QApplication on the offscreen platform, which it selects itself).
#include "app/render/timelineplot.h"
#include "app/render/timelinesource.h"
#include "simulator/scenarioloader.h"
#include "simulator/simulator.h"

#include <QApplication>

#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kSteps = 100000;
constexpr int kWidth = 1600, kHeight = 1000;

double ms(Clock::duration d)
{
    return std::chrono::duration<double, std::milli>(d).count();
}

struct Run
{
    std::shared_ptr<const tee::sim::Simulator> sim;
    std::shared_ptr<const tee::sim::Trace> trace;
    double simulateMs = 0; // generating the run (not part of first paint)
};

const Run &stressRun()
{
    static std::unique_ptr<Run> run;
    if (run)
        return *run;
    std::string error;
    auto scenario = tee::sim::loadBuiltin("stress", &error);
    if (!scenario)
        throw std::runtime_error(error);
    auto sim = std::make_shared<const tee::sim::Simulator>(scenario);
    tee::sim::RunOptions opts;
    opts.policy = tee::sim::Policy::Random;
    opts.seed = 42;
    opts.useSchedule = false;
    opts.maxSteps = kSteps;
    const auto t0 = Clock::now();
    auto trace = std::make_shared<tee::sim::Trace>(tee::sim::run(*sim, opts, &error));
    const double simulateMs = ms(Clock::now() - t0);
    if (!error.empty())
        throw std::runtime_error(error);
    trace->final = tee::State{}; // the timeline model never reads it
    run = std::make_unique<Run>(Run{sim, trace, simulateMs});
    return *run;
}

void report(benchmark::State &state, std::vector<double> &samples)
{
    if (samples.empty())
        return;
    std::sort(samples.begin(), samples.end());
    state.counters["median_ms"] = samples[samples.size() / 2];
    state.counters["p95_ms"] =
        samples[std::min(samples.size() - 1, size_t(double(samples.size()) * 0.95))];
    state.counters["max_ms"] = samples.back();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    state.counters["peak_MB"] = double(ru.ru_maxrss) / 1024.0;
}

void settle()
{
    for (int i = 0; i < 3; ++i)
        QCoreApplication::processEvents();
}

// One plot per view, kept across benchmarks.
tee::render::TimelinePlot &plot(int view)
{
    static std::unique_ptr<tee::render::TimelinePlot> plots[3];
    auto &p = plots[view];
    if (p)
        return *p;
    const Run &r = stressRun();
    p = std::make_unique<tee::render::TimelinePlot>();
    p->resize(kWidth, kHeight);
    p->setSource(tee::render::TimelineSource::build(r.sim, r.trace));
    p->show();
    settle();
    if (view == 1)
        p->showSteps(kSteps / 2, kSteps / 2 + 100);
    if (view == 2) {
        p->setGroupCollapsed(tee::render::LaneGroup::Objects, false);
        p->setScrollY(
            p->laneLayout().rowTop(p->laneLayout().headerRow(tee::render::LaneGroup::Objects)) +
            p->laneLayout().contentHeight() / 4);
    }
    p->replotNow();
    settle();
    return *p;
}

void BM_RenderFirstPaint(benchmark::State &state)
{
    const Run &r = stressRun();
    std::vector<double> samples;
    size_t intervals = 0;
    for (auto _ : state) {
        const auto t0 = Clock::now();
        {
            const tee::render::TimelineSource src =
                tee::render::TimelineSource::build(r.sim, r.trace);
            tee::render::TimelinePlot p;
            p.resize(kWidth, kHeight);
            p.setSource(src);
            p.show();
            p.replotNow();
            settle();
            samples.push_back(ms(Clock::now() - t0));
            intervals = src.timeline->intervals().size();
            state.PauseTiming();
        }
        state.ResumeTiming();
    }
    state.counters["intervals"] = double(intervals);
    state.counters["simulate_ms"] = r.simulateMs;
    report(state, samples);
}
BENCHMARK(BM_RenderFirstPaint)->Iterations(5)->Unit(benchmark::kMillisecond);

void BM_RenderReplot(benchmark::State &state)
{
    tee::render::TimelinePlot &p = plot(int(state.range(0)));
    std::vector<double> samples;
    for (auto _ : state) {
        const auto t0 = Clock::now();
        p.replotNow();
        samples.push_back(ms(Clock::now() - t0));
    }
    const tee::render::PaintStats &s = p.paintStats();
    state.counters["rows"] = s.rows;
    state.counters["intervals"] = double(s.intervals);
    state.counters["runs"] = double(s.runs);
    state.counters["labels"] = double(s.barLabels);
    state.counters["markers"] = double(s.markers);
    state.counters["hatch"] = double(s.hatchLines);
    state.counters["flows"] = double(s.flows);
    report(state, samples);
}
BENCHMARK(BM_RenderReplot)->Arg(0)->Arg(1)->Arg(2)->Iterations(200)->Unit(benchmark::kMillisecond);

void BM_RenderCursor(benchmark::State &state)
{
    tee::render::TimelinePlot &p = plot(int(state.range(0)));
    std::mt19937_64 rng(3);
    std::vector<double> samples;
    for (auto _ : state) {
        const uint64_t step = 1 + rng() % kSteps;
        const auto t0 = Clock::now();
        p.setCursorStep(step);
        settle(); // the queued replot and the repaint
        samples.push_back(ms(Clock::now() - t0));
    }
    report(state, samples);
}
BENCHMARK(BM_RenderCursor)->Arg(0)->Arg(1)->Iterations(200)->Unit(benchmark::kMillisecond);

} // namespace

int main(int argc, char **argv)
{
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv))
        return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
