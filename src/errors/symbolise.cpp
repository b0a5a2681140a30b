#include <cxxabi.h>
#include <elfutils/libdwfl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace eio::detail {
namespace {

struct Dwfl_deleter {
  void operator()(Dwfl* d) const { dwfl_end(d); }
};

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                             std::free);
  return status == 0 ? std::string(out.get()) : std::string(name);
}

}  // namespace

// Formats frames as "#N function at file:line" (or "#N 0xADDR" when unknown).
std::string symbolise(void* const* pcs, int frames) {
  // A fresh session each time: libraries may have been loaded since, and a cached one would
  // keep file descriptors of the ELF files open for the life of the process.
  static const Dwfl_Callbacks callbacks = {
      .find_elf = dwfl_linux_proc_find_elf,
      .find_debuginfo = dwfl_standard_find_debuginfo,
      .section_address = nullptr,
      .debuginfo_path = nullptr,
  };
  std::unique_ptr<Dwfl, Dwfl_deleter> dwfl(dwfl_begin(&callbacks));
  if (dwfl) {
    dwfl_report_begin(dwfl.get());
    dwfl_linux_proc_report(dwfl.get(), ::getpid());
    dwfl_report_end(dwfl.get(), nullptr, nullptr);
  }
  std::string out;
  for (int i = 0; i < frames; ++i) {
    // A return address points after the call: look up the call instruction itself.
    auto pc = reinterpret_cast<Dwarf_Addr>(pcs[i]) - (i > 0 ? 1 : 0);
    char line[64];
    std::snprintf(line, sizeof line, "#%d ", i);
    out += line;
    Dwfl_Module* mod = dwfl ? dwfl_addrmodule(dwfl.get(), pc) : nullptr;
    const char* fn = mod != nullptr ? dwfl_module_addrname(mod, pc) : nullptr;
    if (fn != nullptr) {
      out += demangle(fn);
    } else {
      std::snprintf(line, sizeof line, "0x%lx", static_cast<unsigned long>(pc));
      out += line;
    }
    if (Dwfl_Line* l = mod != nullptr ? dwfl_module_getsrc(mod, pc) : nullptr) {
      int lineno = 0;
      if (const char* file = dwfl_lineinfo(l, nullptr, &lineno, nullptr, nullptr, nullptr)) {
        out += " at ";
        out += file;
        out += ":" + std::to_string(lineno);
      }
    }
    out += "\n";
  }
  return out;
}

}  // namespace eio::detail
