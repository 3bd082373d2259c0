// perfbench._core.LoadEngine: a Python dict of settings in, dicts and LatencyHistograms out.
// The run happens on the engine's own threads; start() returns at once and every call that
// may wait (stop, wait, result) releases the GIL.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "perfbench/load/engine.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

namespace {
using namespace perfbench::load;

template <typename T>
T get_or(const py::dict& d, const char* key, T fallback) {
    return d.contains(key) && !d[key].is_none() ? d[key].cast<T>() : fallback;
}

LoadConfig load_config_from(const py::dict& d) {
    LoadConfig c;
    c.endpoint = Endpoint::parse(d["address"].cast<std::string>(), d["port"].cast<std::uint16_t>());
    c.request.method = get_or<std::string>(d, "method", "GET");
    c.request.host = d["host"].cast<std::string>();
    c.request.target = get_or<std::string>(d, "target", "/");
    c.request.body_size = get_or<std::size_t>(d, "body_size", 0);
    c.request.keep_alive = get_or<bool>(d, "keep_alive", true);
    c.request.headers = get_or<std::vector<std::pair<std::string, std::string>>>(d, "headers", {});
    c.connections = get_or<unsigned>(d, "connections", 1);
    c.threads = get_or<unsigned>(d, "threads", 1);
    c.closed_loop = get_or<bool>(d, "closed", false);
    for (const auto& [rate, duration_ns] : get_or<std::vector<std::pair<double, std::int64_t>>>(d, "stages", {}))
        c.stages.push_back({rate, duration_ns});
    c.poisson = get_or<bool>(d, "poisson", false);
    c.duration_ns = get_or<std::int64_t>(d, "duration_ns", 0);
    c.max_requests = get_or<std::uint64_t>(d, "requests", 0);
    c.timeout_ns = get_or<std::int64_t>(d, "timeout_ns", c.timeout_ns);
    c.seed = get_or<std::uint64_t>(d, "seed", 1);
    c.realtime = get_or<bool>(d, "realtime", false);
    c.send_slack_ns = get_or<std::int64_t>(d, "send_slack_ns", c.send_slack_ns);
    return c;
}

py::dict counters_to_python(const LoadCounters& c) {
    py::dict d;
    d["scheduled"] = c.scheduled;
    d["sent"] = c.sent;
    d["completed"] = c.completed;
    d["ok"] = c.ok;
    d["rate_limited"] = c.rate_limited;
    for (int k = 1; k <= 5; ++k) d[py::str("status_{}xx").format(k)] = c.status_class[static_cast<std::size_t>(k)];
    for (std::size_t i = 0; i < request_error_kinds; ++i) d[request_error_names[i]] = c.errors[i];
    d["waited_for_connection"] = c.waited_for_connection;
    d["connections_opened"] = c.connections_opened;
    d["cancelled"] = c.cancelled;
    return d;
}

py::dict row_to_python(const TimelineSecond& r) {
    py::dict d = counters_to_python(r.counters);
    d["second"] = r.second;
    d["span_s"] = r.span_s;
    d["corrected_p50"] = r.corrected_p50;
    d["corrected_p99"] = r.corrected_p99;
    d["uncorrected_p50"] = r.uncorrected_p50;
    d["uncorrected_p99"] = r.uncorrected_p99;
    d["lag_p50"] = r.lag_p50;
    d["lag_p99"] = r.lag_p99;
    d["lag_max"] = r.lag_max;
    return d;
}
}  // namespace

void register_load(py::module_& m) {
    py::class_<LoadEngine>(m, "LoadEngine")
        .def(py::init([](const py::dict& config) { return std::make_unique<LoadEngine>(load_config_from(config)); }),
             py::arg("config"))
        .def("start", &LoadEngine::start)
        .def("stop", &LoadEngine::stop, py::call_guard<py::gil_scoped_release>())
        .def("wait", [](LoadEngine& e, double timeout_s) {
            py::gil_scoped_release release;
            return e.wait_for(static_cast<std::int64_t>(timeout_s * 1e9));
        }, py::arg("timeout_s"))
        .def_property_readonly("finished", &LoadEngine::finished)
        .def("timeline", [](const LoadEngine& e, std::size_t first) {
            std::vector<TimelineSecond> rows;
            {
                py::gil_scoped_release release;
                rows = e.timeline_since(first);
            }
            py::list out;
            for (const auto& r : rows) out.append(row_to_python(r));
            return out;
        }, py::arg("first") = 0)
        .def("result", [](LoadEngine& e) {
            LoadTotals t = [&] {
                py::gil_scoped_release release;
                return e.result();
            }();
            py::dict d;
            d["counters"] = counters_to_python(t.counters);
            d["corrected"] = py::cast(std::move(t.corrected));
            d["uncorrected"] = py::cast(std::move(t.uncorrected));
            d["lag"] = py::cast(std::move(t.lag));
            py::list stages;
            for (auto& h : t.stage_corrected) stages.append(py::cast(std::move(h)));
            d["stage_corrected"] = stages;
            d["stage_starts_ns"] = t.stage_starts;
            d["thread_cpu_s"] = t.thread_cpu_s;
            d["wall_ns"] = t.wall_ns;
            d["stopped_early"] = t.stopped_early;
            d["realtime_threads"] = t.realtime_threads;
            return d;
        });
}

}  // namespace perfbench::bindings
