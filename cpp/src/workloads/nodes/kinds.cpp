#include "kinds.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "crc32.hpp"
#include "json.hpp"
#include "order.hpp"

namespace perfbench::workloads::nodes {

namespace {

NodeStatus io_failure(const char* what, const char* path) {
    String message = make_string(what);
    message.append(" ");
    message.append(path);
    message.append(": ");
    message.append(std::strerror(errno));
    return NodeStatus::failure(std::move(message));
}

}  // namespace

// ---- compute

Crc32Node::Crc32Node(std::string name, std::string input_field, std::string output_field)
    : Node(std::move(name), {{input_field, Value::Kind::string}}, {{output_field, Value::Kind::number}}),
      input_field_(std::move(input_field)), output_field_(std::move(output_field)) {}

NodeStatus Crc32Node::process(const Value& input, Value& output, const NodeContext&) const {
    const String& bytes = input.find(input_field_)->as_string();
    output.set(output_field_, static_cast<std::uint64_t>(crc32(std::string_view(bytes.data(), bytes.size()))));
    return NodeStatus::success();
}

// ---- JSON transform

JsonTransformNode::JsonTransformNode(std::string name, std::string input_field, std::string output_field)
    : Node(std::move(name), {{input_field, Value::Kind::string}}, {{output_field, Value::Kind::string}}),
      input_field_(std::move(input_field)), output_field_(std::move(output_field)) {}

NodeStatus JsonTransformNode::process(const Value& input, Value& output, const NodeContext&) const {
    const String& text = input.find(input_field_)->as_string();
    Value order = parse_json(std::string_view(text.data(), text.size()));  // JsonParseError -> caught as a failure
    if (String problem = validate_order(order); !problem.empty()) return NodeStatus::failure(std::move(problem));
    if (const char* problem = price_order(order)) return NodeStatus::failure(std::string_view(problem));
    String serialised;
    serialised.reserve(text.size() + text.size() / 4);  // pricing adds ~20 %: one allocation
    serialize_json(order, serialised);
    output.set(output_field_, Value(std::move(serialised)));
    return NodeStatus::success();
}

// ---- file I/O

// Workflow scratch files live in RAM where the machine has it: /dev/shm (tmpfs) is the page
// cache without a journal. On ext4 /tmp, creating and unlinking a file waits on the journal
// and so on the host's disk: interleaved runs on this 2-vCPU VM read nodes.io p99 30-108 us
// on /tmp against 16.5-18.4 us on /dev/shm, and 1,000 concurrent complex workflows (each
// persisting a record) 17.8k-41.4k/s against 43.2k-53.4k/s (8 rounds each) -- the disk's
// noise, not the engine's. These nodes measure the engine's page-cache I/O path.
std::filesystem::path scratch_root() {
    const std::filesystem::path shm{"/dev/shm"};
    std::error_code error;
    if (std::filesystem::is_directory(shm, error) && ::access(shm.c_str(), W_OK | X_OK) == 0) return shm;
    return std::filesystem::temp_directory_path();
}

TempDir::TempDir(const std::string& prefix) {
    std::string pattern = (scratch_root() / (prefix + "-XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
    path_ = std::move(pattern);
}

TempDir::~TempDir() {
    std::error_code ignored;  // a destructor must not throw; a leftover dir is harmless
    std::filesystem::remove_all(path_, ignored);
}

FileIoNode::FileIoNode(std::string name, std::shared_ptr<const TempDir> directory, std::string input_field,
                       std::string output_field, bool fsync)
    : Node(std::move(name), {{input_field, Value::Kind::string}}, {{output_field, Value::Kind::number}}),
      directory_(std::move(directory)), input_field_(std::move(input_field)),
      output_field_(std::move(output_field)), fsync_(fsync) {
    if (!directory_) throw std::invalid_argument("a file I/O node needs a directory");
}

NodeStatus FileIoNode::process(const Value& input, Value& output, const NodeContext& context) const {
    const String& data = input.find(input_field_)->as_string();
    char path[PATH_MAX];
    const int length = std::snprintf(path, sizeof path, "%s/%s-%llu-%llu.json", directory_->path().c_str(),
                                     name().c_str(), static_cast<unsigned long long>(context.execution_id),
                                     static_cast<unsigned long long>(sequence_.fetch_add(1, std::memory_order_relaxed)));
    if (length < 0 || static_cast<std::size_t>(length) >= sizeof path) return NodeStatus::failure("temp path too long");

    const int out = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) return io_failure("cannot create", path);
    for (std::size_t written = 0; written < data.size();) {
        const ssize_t n = ::write(out, data.data() + written, data.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            NodeStatus failure = io_failure("cannot write", path);
            ::close(out);
            ::unlink(path);
            return failure;
        }
        written += static_cast<std::size_t>(n);
    }
    if (fsync_ && ::fsync(out) != 0) {
        NodeStatus failure = io_failure("cannot fsync", path);
        ::close(out);
        ::unlink(path);
        return failure;
    }
    if (::close(out) != 0) return io_failure("cannot close", path);

    // Read back into a per-thread buffer: its capacity is kept, so steady state allocates nothing.
    thread_local String readback;
    readback.resize(data.size() + 1);  // one spare byte reveals a file longer than expected
    const int in = ::open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) return io_failure("cannot open", path);
    std::size_t got = 0;
    for (;;) {
        const ssize_t n = ::read(in, readback.data() + got, readback.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            NodeStatus failure = io_failure("cannot read", path);
            ::close(in);
            ::unlink(path);
            return failure;
        }
        if (n == 0 || (got += static_cast<std::size_t>(n)) == readback.size()) break;
    }
    ::close(in);
    if (::unlink(path) != 0) return io_failure("cannot unlink", path);
    if (got != data.size() || std::memcmp(readback.data(), data.data(), data.size()) != 0)
        return NodeStatus::failure("file content read back differs from what was written");
    output.set(output_field_, static_cast<std::uint64_t>(got));
    return NodeStatus::success();
}

// ---- router

Condition Condition::make(std::string_view dotted_path, Op op, Value operand) {
    Condition condition{{}, op, std::move(operand)};
    while (!dotted_path.empty()) {
        const auto dot = dotted_path.find('.');
        condition.path.emplace_back(dotted_path.substr(0, dot));
        dotted_path = dot == std::string_view::npos ? std::string_view() : dotted_path.substr(dot + 1);
    }
    if (condition.path.empty()) throw std::invalid_argument("a condition needs a field path");
    return condition;
}

bool Condition::matches(const Value& payload) const {
    const Value* field = &payload;
    for (const auto& key : path)
        if (!(field = field->find(key))) return false;  // an absent field matches nothing
    switch (op) {
        case Op::equals: return *field == operand;
        case Op::greater: return field->is_number() && operand.is_number() && field->as_number() > operand.as_number();
        case Op::less: return field->is_number() && operand.is_number() && field->as_number() < operand.as_number();
    }
    return false;
}

RouterNode::RouterNode(std::string name, std::vector<FieldSpec> inputs, std::string output_field,
                       std::vector<Route> routes)
    : Node(std::move(name), std::move(inputs), {{output_field, Value::Kind::string}}),
      output_field_(std::move(output_field)), routes_(std::move(routes)) {
    if (routes_.empty()) throw std::invalid_argument("a router needs at least one route");
}

NodeStatus RouterNode::process(const Value& input, Value& output, const NodeContext&) const {
    for (std::size_t r = 0; r < routes_.size(); ++r) {
        const Route& route = routes_[r];
        bool taken = route.any_of.empty();
        for (const Condition& condition : route.any_of)
            if ((taken = condition.matches(input))) break;
        if (!taken) continue;
        output.set(output_field_, std::string_view(route.name));
        return NodeStatus::success(static_cast<int>(r));
    }
    return NodeStatus::failure("no route matches the payload");
}

// ---- failure injection

FailFirstAttemptsNode::FailFirstAttemptsNode(std::shared_ptr<const Node> inner, int failures)
    : Node(inner->name(), inner->inputs(), inner->outputs()), inner_(std::move(inner)), failures_(failures) {}

NodeStatus FailFirstAttemptsNode::process(const Value& input, Value& output, const NodeContext& context) const {
    if (context.attempt <= failures_) return NodeStatus::failure("injected failure: dependency unavailable");
    return inner_->process(input, output, context);
}

// ---- asynchronous

void Completion::complete(NodeStatus status) {
    status_ = std::move(status);
    completed_at_ = Clock::now();
    completed_on_ = std::this_thread::get_id();
    done_.store(1, std::memory_order_release);
    done_.notify_one();
}

void Completion::wait() noexcept {
    while (done_.load(std::memory_order_acquire) == 0) done_.wait(0, std::memory_order_acquire);
}

AsyncCrc32Node::AsyncCrc32Node(std::string name, std::string input_field, std::string output_field)
    : name_(std::move(name)), input_field_(std::move(input_field)), output_field_(std::move(output_field)) {}

void AsyncCrc32Node::start(AsyncCall& call) const {
    call.completion.reset();
    call.submitted_at = Completion::Clock::now();
    // Two pointers captured: small enough for std::function's inline storage, so
    // submitting allocates nothing beyond the pool's queue node.
    completion_thread_.submit([this, call_ptr = &call] { finish(*call_ptr); });
}

void AsyncCrc32Node::finish(AsyncCall& call) const {
    const Value* field = call.input->find(input_field_, Value::Kind::string);
    if (!field) {
        call.completion.complete(NodeStatus::failure("input field missing or not a string"));
        return;
    }
    const String& bytes = field->as_string();
    if (!call.output->is_object()) *call.output = Value::object();
    call.output->set(output_field_, static_cast<std::uint64_t>(crc32(std::string_view(bytes.data(), bytes.size()))));
    call.completion.complete(NodeStatus::success());
}

}  // namespace perfbench::workloads::nodes
