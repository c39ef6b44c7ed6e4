// nginx as a TLS proxy in front of a `dipr serve`, as docs/DEPLOY.md deploys it, run as a child
// process with its own prefix, config, certificates and logs in a temporary directory: for the
// tests and measurements of the CLI over https. Also makes the throwaway CA and certificates with
// the openssl command line.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "common/testing.h"
#include "server_process.h"

namespace dipr::testenv {

// A CA (ca.pem) and a certificate it signs for `san` (e.g. "DNS:localhost"): name.pem, name.key.
// False if openssl failed.
inline bool MakeCa(const std::filesystem::path& dir, const std::string& ca) {
  std::string d = dir.string();
  return std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                      "-keyout " +
                      d + "/" + ca + ".key -out " + d + "/" + ca +
                      ".pem -days 2 "
                      "-subj '/CN=dipr test " +
                      ca + "' 2>/dev/null")
                         .c_str()) == 0;
}

inline bool MakeCertificate(const std::filesystem::path& dir, const std::string& ca,
                            const std::string& name, const std::string& san) {
  std::string d = dir.string();
  std::ofstream(dir / (name + ".ext")) << "subjectAltName=" << san
                                       << "\nbasicConstraints=CA:FALSE\n"
                                          "extendedKeyUsage=serverAuth\n";
  return std::system(("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " +
                      d + "/" + name + ".key -out " + d + "/" + name + ".csr -subj '/CN=" + name +
                      "' 2>/dev/null && openssl x509 -req -in " + d + "/" + name + ".csr -CA " + d +
                      "/" + ca + ".pem -CAkey " + d + "/" + ca + ".key -CAcreateserial -out " + d +
                      "/" + name + ".pem -days 2 -extfile " + d + "/" + name + ".ext 2>/dev/null")
                         .c_str()) == 0;
}

class NginxProcess {
 public:
  // Proxies https://…:port() (certificate cert.pem/cert.key in dir) to upstream_port. The access
  // log (access.log in dir) has one line per request: the connection's serial number, the
  // request's number on it, and the URI.
  NginxProcess(std::filesystem::path dir, const std::string& cert, uint16_t upstream_port)
      : dir_(std::move(dir)), port_(FreePort()) {
    std::filesystem::create_directories(dir_ / "temp");
    std::string d = dir_.string();
    std::ofstream(dir_ / "nginx.conf")
        << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
        << "pid " << d << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
        << "events { worker_connections 512; }\n"
        << "http {\n"
        << "  log_format conns '$connection $connection_requests $request_uri';\n"
        << "  access_log " << d << "/access.log conns;\n"
        << "  client_body_temp_path " << d << "/temp/body;\n"
        << "  proxy_temp_path " << d << "/temp/proxy;\n"
        << "  fastcgi_temp_path " << d << "/temp/fastcgi;\n"
        << "  uwsgi_temp_path " << d << "/temp/uwsgi;\n"
        << "  scgi_temp_path " << d << "/temp/scgi;\n"
        << "  upstream dipr { server 127.0.0.1:" << upstream_port << "; keepalive 32; }\n"
        << "  server {\n"
        << "    listen 127.0.0.1:" << port_ << " ssl;\n"
        << "    ssl_certificate " << d << "/" << cert << ".pem;\n"
        << "    ssl_certificate_key " << d << "/" << cert << ".key;\n"
        << "    ssl_protocols TLSv1.2 TLSv1.3;\n"
        << "    keepalive_requests 1000000;\n"
        << "    location / {\n"
        << "      proxy_pass http://dipr;\n"
        << "      proxy_http_version 1.1;\n"
        << "      proxy_set_header Connection \"\";\n"
        << "      proxy_set_header Host $host;\n"
        << "    }\n"
        << "  }\n"
        << "}\n";
  }
  ~NginxProcess() { Stop(); }

  // Starts nginx and waits until its port takes connections. False if it did not in 20 s.
  bool Start() {
    std::string d = dir_.string();
    pid_ = ::fork();
    if (pid_ == 0) {
      FILE* f = std::freopen((d + "/stderr.log").c_str(), "a", stderr);
      (void)f;
      ::execlp("nginx", "nginx", "-p", d.c_str(), "-c", (d + "/nginx.conf").c_str(), "-e",
               (d + "/error.log").c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    return WaitForChild(pid_, [&] {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      a.sin_port = htons(port_);
      bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
      ::close(fd);
      return up;
    });
  }
  void Stop() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  uint16_t port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  uint16_t port_;
  pid_t pid_ = -1;
};

}  // namespace dipr::testenv
