#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks drive, only when a command is missing.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have openssl || need+=(openssl)
have curl || need+=(curl)
have keytool || need+=(default-jdk-headless)
have javac || need+=(default-jdk-headless)
have python3 || need+=(python3)
have haproxy || [ -x /usr/sbin/haproxy ] || need+=(haproxy)
have nginx || [ -x /usr/sbin/nginx ] || need+=(nginx)
have wrk || need+=(wrk)
have testssl || need+=(testssl.sh)
have c_rehash || need+=(openssl)
have chattr || need+=(e2fsprogs)
have update-ca-certificates || need+=(ca-certificates)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing tools (${need[*]}): install them with apt-get as root" >&2
    exit 1
  fi
  echo "installing: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
