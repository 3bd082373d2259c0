#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "perfbench/clock.hpp"
#include "perfbench/hardware_counters.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

void register_clock(py::module_& m) {
    m.def("clock_info", [] {
        const ClockInfo* selected = nullptr;
        {
            py::gil_scoped_release release;  // the first call calibrates for ~20 ms
            selected = &clock_info();
        }
        const ClockInfo& c = *selected;
        py::dict info;
        info["source"] = c.source_name;
        info["ticks_per_ns"] = c.ticks_per_ns;
        info["resolution_ns"] = c.resolution_ns;
        info["calibration_seconds"] = c.calibration_seconds;
        info["calibration_inherited"] = c.calibration_inherited;
        info["tsc_present"] = c.tsc_present;
        info["tsc_invariant"] = c.tsc_invariant;
        info["tsc_invariant_evidence"] = c.tsc_invariant_evidence;
        info["selection_reason"] = c.selection_reason;
        return info;
    });
    m.def("clock_read_costs", [] {
        std::vector<ClockReadCost> measured;
        {
            py::gil_scoped_release release;
            measured = measure_clock_read_costs();
        }
        py::list costs;
        for (const auto& cost : measured) {
            py::dict entry;
            entry["clock"] = cost.clock;
            entry["ns_per_read"] = cost.ns_per_read;
            costs.append(entry);
        }
        return costs;
    });
    m.def("calibrate_ticks_per_ns", [](double seconds) {
        return calibrate_ticks_per_ns(clock_info().source, seconds);
    }, py::arg("seconds"), py::call_guard<py::gil_scoped_release>());
    m.def("read_ticks", [] { return read_ticks(clock_info().source); });
    m.def("monotonic_raw_ns", &monotonic_raw_ns);
    m.def("monotonic_ns", &monotonic_ns);
    m.def("hardware_counter_support", [] {
        const HardwareCounts s = hardware_counter_support();
        py::dict info;
        info["available"] = s.available;
        info["reason"] = s.unavailable_reason;
        return info;
    });
}

}  // namespace perfbench::bindings
