#pragma once
// TLS handshakes that an emulator in this process completed, by its listening port: how many
// connections clients opened, and how many of them resumed a session (the server sent no
// certificate). For tests and benchmarks that check how a client uses its connections.
#include <cstdint>

namespace emulator {

/// Handshakes completed since the emulator on a port started.
struct TlsHandshakes {
    std::uint64_t total = 0;    ///< one per client connection
    std::uint64_t resumed = 0;  ///< of which resumed a session
};

/// The counts of the emulator listening on `port` in this process (zeros when none has).
TlsHandshakes tls_handshakes(int port);

}  // namespace emulator
