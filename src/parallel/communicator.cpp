#include "parallel/communicator.h"

#include "core/error.h"

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef ASTRAEA_WITH_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <cstdlib>
#include <thread>

namespace astraea::parallel {
namespace {

constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr const char* kKeyPrefix = "astraea/";

bool loopback(const std::string& address) { return address == "127.0.0.1" || address == "localhost" || address == "::1"; }

// torchrun's agent hosts the store itself and tells its workers so.
bool agent_hosts_store() {
  const char* value = std::getenv("TORCHELASTIC_USE_AGENT_STORE");
  return value && std::string(value) == "True";
}

}  // namespace

struct Communicator::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::Backend> backend;
};

Communicator::Communicator(LaunchEnvironment environment, std::unique_ptr<Impl> impl)
    : environment_(std::move(environment)), impl_(std::move(impl)) {}

Communicator::~Communicator() {
  // An orderly shutdown (NCCL otherwise warns that the group leaked at exit); never throws here.
  try {
    if (impl_ && impl_->backend) impl_->backend->shutdown();
  } catch (const std::exception&) {
    // The other ranks may be gone already: nothing left to release in order.
  }
}

namespace {

constexpr const char* kSessionKey = "session";

c10::intrusive_ptr<c10d::TCPStore> open_store(const LaunchEnvironment& environment, bool server, std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<std::uint16_t>(environment.master_port);
  options.isServer = server;
  options.waitWorkers = false;
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(environment.master_addr, options);
}

c10::intrusive_ptr<c10d::Backend> make_backend(const c10::intrusive_ptr<c10d::Store>& store, const LaunchEnvironment& environment,
                                               CommBackend backend, std::chrono::milliseconds timeout) {
  if (backend == CommBackend::kGloo) {
    auto gloo = c10d::ProcessGroupGloo::Options::create();
    gloo->timeout = timeout;
    gloo->devices.push_back(loopback(environment.master_addr) ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                                              : c10d::ProcessGroupGloo::createDefaultDevice());
    return c10::make_intrusive<c10d::ProcessGroupGloo>(store, environment.rank, environment.world_size, gloo);
  }
#ifdef ASTRAEA_WITH_NCCL
  c10::cuda::set_device(static_cast<c10::DeviceIndex>(environment.local_rank));
  auto nccl = c10d::ProcessGroupNCCL::Options::create();
  nccl->timeout = timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, environment.rank, environment.world_size, nccl);
#else
  fail(ErrorKind::kNotBuilt, "NCCL is not in this build (it needs a CUDA LibTorch and NCCL's headers)");
#endif
}

std::string where(const LaunchEnvironment& environment) {
  return fmt::format("parallel: rank {} of {} at {}:{}", environment.rank, environment.world_size, environment.master_addr,
                     environment.master_port);
}

}  // namespace

std::unique_ptr<Communicator> Communicator::host(LaunchEnvironment environment, CommBackend backend, std::chrono::milliseconds timeout,
                                                 const std::string& session, const std::function<void(int port)>& before_join) {
  return with_context(where(environment), [&] {
    auto impl = std::make_unique<Impl>();
    const auto tcp = open_store(environment, !agent_hosts_store(), timeout);
    if (environment.master_port == 0) environment.master_port = tcp->getPort();
    impl->store = c10::make_intrusive<c10d::PrefixStore>(kKeyPrefix, tcp);
    impl->store->set(kSessionKey, session);
    if (before_join) before_join(environment.master_port);
    impl->backend = make_backend(impl->store, environment, backend, timeout);
    return std::unique_ptr<Communicator>(new Communicator(std::move(environment), std::move(impl)));
  });
}

std::string Communicator::read_session(const LaunchEnvironment& environment, std::chrono::milliseconds timeout) {
  return with_context(where(environment), [&] {
    c10d::PrefixStore store(kKeyPrefix, open_store(environment, false, timeout));
    const auto bytes = store.get(kSessionKey);
    return std::string(bytes.begin(), bytes.end());
  });
}

std::unique_ptr<Communicator> Communicator::join(const LaunchEnvironment& environment, CommBackend backend, std::chrono::milliseconds timeout) {
  return with_context(where(environment), [&] {
    auto impl = std::make_unique<Impl>();
    impl->store = c10::make_intrusive<c10d::PrefixStore>(kKeyPrefix, open_store(environment, false, timeout));
    impl->backend = make_backend(impl->store, environment, backend, timeout);
    return std::unique_ptr<Communicator>(new Communicator(environment, std::move(impl)));
  });
}

void Communicator::barrier(const c10::Device& device) {
  const std::vector<std::int64_t> one_each(static_cast<std::size_t>(size()), 1);
  all_to_all(at::zeros({size()}, at::TensorOptions().device(device)), one_each, one_each).cpu();
}

at::Tensor Communicator::all_to_all(const at::Tensor& flat, const std::vector<std::int64_t>& send_counts,
                                    const std::vector<std::int64_t>& recv_counts) {
  TORCH_CHECK(flat.dim() == 1, "all_to_all: the input must be flat, got ", flat.sizes());
  TORCH_CHECK(static_cast<int>(send_counts.size()) == size() && static_cast<int>(recv_counts.size()) == size(),
              "all_to_all: one send and one receive count per rank");
  std::int64_t received = 0;
  for (const auto c : recv_counts) received += c;
  auto input = flat.contiguous();
  auto output = at::empty({received}, input.options());
  auto send = send_counts, recv = recv_counts;
  impl_->backend->alltoall_base(output, input, recv, send)->wait();
  return output;
}

void Communicator::publish(const std::string& key, const std::string& value) { impl_->store->set(key, value); }

bool Communicator::has(const std::string& key) { return impl_->store->check({key}); }

std::string Communicator::await(const std::string& key, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!impl_->store->check({key})) {
    if (timeout.count() > 0 && std::chrono::steady_clock::now() > deadline) {
      fail("parallel: rank {} waited {} ms for '{}'", rank(), timeout.count(), key);
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  const auto bytes = impl_->store->get(key);
  return std::string(bytes.begin(), bytes.end());
}

bool nccl_available() {
#ifdef ASTRAEA_WITH_NCCL
  return true;
#else
  return false;
#endif
}

}  // namespace astraea::parallel
