#!/usr/bin/env bash
# Regenerates Sources/BuildEvents/Generated/status.pb.swift from proto/status.proto and
# Sources/BuildKit/Generated/*.pb.swift from proto/buildkit/*.proto (BuildKit v0.8's protos).
# Needs Debian's protobuf-compiler and protoc-gen-swift from swift-protobuf 1.39.0 (built once into
# .build-protoc; the generated file is committed so normal builds need neither).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
plugin=${PROTOC_GEN_SWIFT:-}
if [ -z "$plugin" ]; then
  src="$root/.build-protoc/swift-protobuf"
  if [ ! -x "$src/.build/release/protoc-gen-swift" ]; then
    rm -rf "$src"; mkdir -p "$root/.build-protoc"
    git clone -q --branch 1.39.0 https://github.com/apple/swift-protobuf.git "$src"
    (cd "$src" && swift build -c release --product protoc-gen-swift)
  fi
  plugin="$src/.build/release/protoc-gen-swift"
fi
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal \
  --proto_path="$root/proto" --swift_out="$root/Sources/BuildEvents/Generated" "$root/proto/status.proto"
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Internal \
  --proto_path="$root/proto/buildkit" --swift_out="$root/Sources/BuildKit/Generated" "$root"/proto/buildkit/*.proto
echo "wrote Sources/BuildEvents/Generated/status.pb.swift and Sources/BuildKit/Generated/*.pb.swift"
