// node_exporter's timex collector: the kernel's clock discipline from adjtimex(2). A system
// call, so only on the live node; a fixture tree has none.
#include <sys/timex.h>

#include "collectors/collectors.h"

namespace vigil::collectors {

core::Status CollectTimex(const Roots& roots, MetricSet* out) {
  if (!roots.live()) return core::NotFoundError("adjtimex answers for the live node only");
  struct timex tx {};
  const int state = ::adjtimex(&tx);
  if (state < 0) return core::ErrnoError(errno, "adjtimex");
  // Offsets are microseconds, or nanoseconds when the kernel says STA_NANO.
  const double divisor = (tx.status & STA_NANO) ? 1e9 : 1e6;
  const double ppm = 65536.0 * 1e6;  // frequencies are scaled parts per million
  const auto g = core::MetricType::kGauge, c = core::MetricType::kCounter;
  out->Add("node_timex_sync_status",
           "Is clock synchronized to a reliable server (1 = yes, 0 = no).", g,
           (state != TIME_ERROR && !(tx.status & STA_UNSYNC)) ? 1 : 0);
  out->Add("node_timex_offset_seconds", "Time offset in between local system and reference clock.",
           g, static_cast<double>(tx.offset) / divisor);
  out->Add("node_timex_frequency_adjustment_ratio", "Local clock frequency adjustment.", g,
           1 + static_cast<double>(tx.freq) / ppm);
  out->Add("node_timex_maxerror_seconds", "Maximum error in seconds.", g,
           static_cast<double>(tx.maxerror) / 1e6);
  out->Add("node_timex_estimated_error_seconds", "Estimated error in seconds.", g,
           static_cast<double>(tx.esterror) / 1e6);
  out->Add("node_timex_status", "Value of the status array bits.", g,
           static_cast<double>(tx.status));
  out->Add("node_timex_loop_time_constant", "Phase-locked loop time constant.", g,
           static_cast<double>(tx.constant));
  out->Add("node_timex_tick_seconds", "Seconds between clock ticks.", g,
           static_cast<double>(tx.tick) / 1e6);
  out->Add("node_timex_pps_frequency_hertz", "Pulse per second frequency.", g,
           static_cast<double>(tx.ppsfreq) / ppm);
  out->Add("node_timex_pps_jitter_seconds", "Pulse per second jitter.", g,
           static_cast<double>(tx.jitter) / divisor);
  out->Add("node_timex_pps_shift_seconds", "Pulse per second interval duration.", g,
           static_cast<double>(tx.shift));
  out->Add("node_timex_pps_stability_hertz",
           "Pulse per second stability, average of recent frequency changes.", g,
           static_cast<double>(tx.stabil) / ppm);
  out->Add("node_timex_pps_jitter_total", "Pulse per second count of jitter limit exceeded events.",
           c, static_cast<double>(tx.jitcnt));
  out->Add("node_timex_pps_calibration_total", "Pulse per second count of calibration intervals.",
           c, static_cast<double>(tx.calcnt));
  out->Add("node_timex_pps_error_total", "Pulse per second count of calibration errors.", c,
           static_cast<double>(tx.errcnt));
  out->Add("node_timex_pps_stability_exceeded_total",
           "Pulse per second count of stability limit exceeded events.", c,
           static_cast<double>(tx.stbcnt));
  out->Add("node_timex_tai_offset_seconds", "International Atomic Time (TAI) offset.", g,
           static_cast<double>(tx.tai));
  return core::OkStatus();
}

}  // namespace vigil::collectors
