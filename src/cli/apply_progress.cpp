#include "cli/apply_progress.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace converge::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::string seconds(std::chrono::milliseconds d) { return fmt::format("{:.1f}s", static_cast<double>(d.count()) / 1000.0); }

// "Compute/cpu", "Model/churn@2" (a model version is named by its container and version).
std::string short_name(const Step& step) { return resource_label(step.kind, step.id); }

// One line per event: "+ Compute/cpu: create started", "... done in 12.3s".
class LinePrinter : public ProgressPrinter {
public:
    LinePrinter(std::FILE* out, bool color, Scrubber redact) : m_out(out), m_color(color), m_redact(std::move(redact)) {}

    void step_started(const Step& step) override { print(step, "started", nullptr); }
    void step_phase(const Step& step, const std::string& phase) override { print(step, phase, nullptr); }
    void step_finished(const Step& step) override {
        const char* colour = step.status == StepStatus::succeeded ? "\x1b[32m" : "\x1b[31m";
        std::string text = step.status == StepStatus::skipped ? "skipped, dependency" : step_status_name(step.status);
        if (step.status == StepStatus::succeeded || step.status == StepStatus::failed) {
            text += " after " + seconds(step.elapsed);
        }
        if (!step.message.empty()) {
            text += ": " + step.message;
        }
        print(step, text, colour);
    }
    void finish(const ApplyResult& result) override {
        std::fprintf(m_out, "\n%s\n", result.summary(name).c_str());
        std::fflush(m_out);
    }

private:
    void print(const Step& step, const std::string& text, const char* colour) {
        const std::string line = m_redact(fmt::format("{} {}: {}", short_name(step), step_label(step), text));
        if (m_color && colour != nullptr) {
            std::fprintf(m_out, "%s%s\x1b[0m\n", colour, line.c_str());
        } else {
            std::fprintf(m_out, "%s\n", line.c_str());
        }
        std::fflush(m_out);
    }

    std::FILE* m_out;
    bool m_color;
    Scrubber m_redact;
};

// JSON lines: {"type":"step_finished","id":...,"action":"create","status":"done",...}.
class JsonPrinter : public ProgressPrinter {
public:
    JsonPrinter(std::FILE* out, Scrubber redact) : m_out(out), m_redact(std::move(redact)) {}

    void step_started(const Step& step) override { emit("step_started", step, {}); }
    void step_phase(const Step& step, const std::string& phase) override { emit("step_phase", step, {{"phase", phase}}); }
    void step_finished(const Step& step) override {
        emit("step_finished", step,
             {{"status", step_status_name(step.status)}, {"elapsed_ms", step.elapsed.count()}, {"message", step.message}});
    }
    void finish(const ApplyResult& result) override {
        const Json event = {{"type", "apply_finished"},
                            {"done", result.count(StepStatus::succeeded)},
                            {"failed", result.count(StepStatus::failed)},
                            {"skipped", result.count(StepStatus::skipped)},
                            {"not_started", result.count(StepStatus::not_started)},
                            {"interrupted", result.interrupted},
                            {"summary", result.summary(name)}};
        std::fprintf(m_out, "%s\n", m_redact(event.dump()).c_str());
        std::fflush(m_out);
    }

private:
    void emit(const char* type, const Step& step, Json extra) {
        Json event = {{"type", type}, {"id", step.id.str()}, {"kind", step.kind}, {"action", step_label(step)}};
        if (extra.is_object()) {  // `{}` arrives as null
            event.update(extra);
        }
        std::fprintf(m_out, "%s\n", m_redact(event.dump()).c_str());
        std::fflush(m_out);
    }

    std::FILE* m_out;
    Scrubber m_redact;
};

// A live table of the running steps, redrawn in place; finished steps scroll above it.
class LivePrinter : public ProgressPrinter {
public:
    LivePrinter(std::FILE* out, bool color, Scrubber redact)
        : m_lines(out, color, redact), m_out(out), m_redact(std::move(redact)), m_ticker([this] { tick(); }) {}

    ~LivePrinter() override {
        {
            std::lock_guard guard(m_mutex);
            m_stop = true;
        }
        m_cv.notify_all();
        m_ticker.join();
    }

    void step_started(const Step& step) override {
        std::lock_guard guard(m_mutex);
        m_running[step.id.key() + step_label(step)] = Row{step, "started", Clock::now()};
        redraw();
    }
    void step_phase(const Step& step, const std::string& phase) override {
        std::lock_guard guard(m_mutex);
        if (auto it = m_running.find(step.id.key() + step_label(step)); it != m_running.end()) {
            it->second.phase = phase;
        }
        redraw();
    }
    void step_finished(const Step& step) override {
        std::lock_guard guard(m_mutex);
        m_running.erase(step.id.key() + step_label(step));
        clear();
        m_lines.step_finished(step);
        redraw();
    }
    void finish(const ApplyResult& result) override {
        std::lock_guard guard(m_mutex);
        clear();
        m_running.clear();
        m_lines.finish(result);
    }

private:
    struct Row {
        Step step;
        std::string phase;
        Clock::time_point start;
    };

    void clear() {
        for (std::size_t i = 0; i < m_drawn; ++i) {
            std::fputs("\x1b[1A\x1b[2K", m_out);
        }
        m_drawn = 0;
    }
    void redraw() {
        clear();
        const auto now = Clock::now();
        for (const auto& [key, row] : m_running) {
            const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - row.start);
            const std::string line = m_redact(fmt::format("  {:<40} {:<18} {:>7}  {}", short_name(row.step),
                                                          step_label(row.step), seconds(elapsed), row.phase));
            std::fprintf(m_out, "%s\n", line.c_str());
            ++m_drawn;
        }
        std::fflush(m_out);
    }
    void tick() {
        std::unique_lock lock(m_mutex);
        while (!m_stop) {
            m_cv.wait_for(lock, std::chrono::milliseconds(500));
            if (!m_stop && !m_running.empty()) {
                redraw();
            }
        }
    }

    LinePrinter m_lines;
    std::FILE* m_out;
    Scrubber m_redact;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::map<std::string, Row> m_running;
    std::size_t m_drawn = 0;
    bool m_stop = false;
    std::thread m_ticker;
};

}  // namespace

std::string step_label(const Step& step) {
    if (step.kind == k_smoke_test_kind) {
        return "smoke test";  // a step of its own after the endpoint's writes, not an update of it
    }
    const std::string action = action_name(step.action);
    return step.part_of_replace ? "replace (" + action + ")" : action;
}

std::unique_ptr<ProgressPrinter> make_progress(ProgressStyle style, std::FILE* out, bool color, Scrubber redact) {
    switch (style) {
    case ProgressStyle::json: return std::make_unique<JsonPrinter>(out, std::move(redact));
    case ProgressStyle::live: return std::make_unique<LivePrinter>(out, color, std::move(redact));
    case ProgressStyle::lines: break;
    }
    return std::make_unique<LinePrinter>(out, color, std::move(redact));
}

}  // namespace converge::cli
