#!/usr/bin/env bash
# Installs everything teescope needs to build and test on Debian 12 (bookworm):
# compiler, CMake + Ninja, Qt 6 (Core, Gui, Widgets, Svg, PrintSupport, Test),
# QCustomPlot, Google Benchmark, Xvfb for a real window without a display,
# clang-format for the formatting test, and clang with libFuzzer for the
# fuzz targets.
# Idempotent: apt-get skips what is already installed. Run as root or with sudo.
set -euo pipefail

packages=(
    build-essential
    cmake
    ninja-build
    # qt6-base-dev depends on libgl-dev, libglx-dev, libopengl-dev and
    # libvulkan-dev, which find_package(Qt6 Gui) needs (WrapOpenGL); they are
    # named here too so a trimmed qt6-base-dev cannot break the configure.
    qt6-base-dev
    qt6-svg-dev
    libgl-dev
    libglx-dev
    libopengl-dev
    libvulkan-dev
    # Qt's offscreen/xcb platform plugins for running the GUI and GUI tests.
    qt6-qpa-plugins
    libqcustomplot-dev
    libbenchmark-dev
    xvfb
    xauth
    # the test suite checks formatting against .clang-format (Debian 12: v14)
    clang-format
    # The fuzz preset (tests/fuzz, .ci/run stage 3): clang++ (the `clang`
    # package, clang 14 on Debian 12) and compiler-rt: libFuzzer
    # (libclang_rt.fuzzer-x86_64.a) and clang's ASan/UBSan runtimes are in
    # libclang-rt-14-dev, which clang-14 neither depends on nor recommends.
    clang
    libclang-rt-14-dev
)

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
else
    echo "install-deps.sh: run as root or install sudo" >&2
    exit 1
fi

"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${packages[@]}"
