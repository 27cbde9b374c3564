#pragma once
// Certificates made for a test by openssl: a CA, a server certificate for 127.0.0.1 and
// localhost, a client certificate, and an unrelated CA ("other-ca"). Each file is NAME.crt
// with its key NAME.key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace vigil::testing {

class TestPki {
 public:
  TestPki() {
    dir_ =
        std::filesystem::path(::testing::TempDir()) / ("vigil-pki-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    ok_ = Make();
  }
  ~TestPki() { std::filesystem::remove_all(dir_); }
  bool ok() const { return ok_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  bool Run(const std::string& cmd) {
    return std::system(("cd '" + dir_.string() + "' && " + cmd + " >/dev/null 2>&1").c_str()) == 0;
  }
  bool MakeCa(const std::string& name) {
    return Run(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
        "-subj /CN=" +
        name + " -keyout " + name + ".key -out " + name + ".crt");
  }
  bool MakeLeaf(const std::string& name, const std::string& ca, const std::string& ext) {
    std::ofstream(dir_ / (name + ".ext")) << ext << "\n";
    return Run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=" +
               name + " -keyout " + name + ".key -out " + name + ".csr") &&
           Run("openssl x509 -req -in " + name + ".csr -CA " + ca + ".crt -CAkey " + ca +
               ".key -CAcreateserial -days 2 -extfile " + name + ".ext -out " + name + ".crt");
  }
  bool Make() {
    return MakeCa("ca") && MakeCa("other-ca") &&
           MakeLeaf("server", "ca", "subjectAltName=IP:127.0.0.1,DNS:localhost") &&
           MakeLeaf("client", "ca", "extendedKeyUsage=clientAuth");
  }

  std::filesystem::path dir_;
  bool ok_ = false;
};

}  // namespace vigil::testing
