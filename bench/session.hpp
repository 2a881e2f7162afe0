#pragma once
// One benchmark session against the in-process emulator: the emulator (latency, ARM's throttle
// numbers, time-scaled realistic durations), the generated estate loaded as a DesiredSet, fresh
// clients on demand, and request counts read at the emulator.
#include "estate.hpp"
#include "floor.hpp"
#include "options.hpp"
#include "recording_api.hpp"

#include "converge/json.hpp"
#include "converge/model.hpp"

#include <emulator.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace bench {

/// ARM requests (the token endpoint excluded) as the emulator counted them.
struct RequestCounts {
    long reads = 0;      ///< GET/HEAD, polls included
    long writes = 0;     ///< PUT/PATCH/POST
    long deletes = 0;
    long polls = 0;      ///< filled from the client of the phase
    long throttled = 0;  ///< 429 answered by the emulator's buckets

    long total() const { return reads + writes + deletes; }
    RequestCounts operator-(const RequestCounts& o) const;
    converge::Json to_json() const;
};

/// The emulator, the estate and how to reach it.
class Session {
public:
    /// Starts the emulator with the benchmark's settings and an estate of `n` resources, absent.
    /// With `prebuilt`, the estate is first created (not measured) by converge apply against an
    /// unthrottled emulator on a state directory, which the benchmark emulator then reopens.
    Session(const Options& options, std::size_t n, bool prebuilt);
    ~Session();

    const converge::DesiredSet& desired() const { return m_desired; }
    const EstateShape& shape() const { return m_shape; }
    /// A new client (full pacing buckets, fresh counters) behind a RecordingApi; `paced` false
    /// turns the client's ARM pacing off (only for building an estate, never measured).
    std::unique_ptr<RecordingApi> fresh_api(bool paced = true) const;
    /// Counters at the emulator now.
    RequestCounts counts() const;
    /// Median round trip of one small GET, seconds (latency included).
    double rtt() const { return m_rtt; }
    int client_parallelism() const;
    /// Time-scaled create duration of an ARM type, seconds (0 when synchronous).
    double duration_of(const std::string& arm_type) const;
    Durations durations() const;
    int retry_after_seconds() const;
    converge::Json describe() const;
    /// The emulator itself (faults, counters), for the soak.
    emulator::Emulator& emulator() { return *m_emulator; }
    /// TLS handshakes the emulator completed so far, and how many resumed a session.
    std::pair<long, long> tls_handshakes() const;
    /// The generated manifests of the estate.
    const std::filesystem::path& manifest_dir() const { return m_dir; }
    /// The environment a `converge` process needs to reach this emulator as a user would
    /// (CONVERGE_ARM_ENDPOINT, CONVERGE_CA_BUNDLE, a service principal in AZURE_*), nothing else.
    std::vector<std::string> command_env() const;

private:
    void prebuild(const std::filesystem::path& state_dir, std::size_t n);
    void load(std::size_t n);
    double measure_rtt() const;

    Options m_options;
    std::unique_ptr<emulator::Emulator> m_emulator;
    EstateShape m_shape;
    converge::DesiredSet m_desired;
    std::filesystem::path m_dir;
    double m_rtt = 0;
};

}  // namespace bench
