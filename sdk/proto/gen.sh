#!/bin/sh
# Regenerates crm.pb.go and crm_grpc.pb.go from crm.proto with pinned
# generators, so the committed code does not depend on what a developer
# happens to have installed. Run from anywhere: `make proto` or `go generate ./sdk/proto`.
set -eu

PROTOC_GEN_GO=v1.36.12      # google.golang.org/protobuf, as in go.mod
PROTOC_GEN_GO_GRPC=v1.5.1   # google.golang.org/grpc/cmd/protoc-gen-go-grpc

here=$(cd "$(dirname "$0")" && pwd)
tools=${PROTOC_GEN_DIR:-${TMPDIR:-/tmp}/crmhub-protoc-gen-$PROTOC_GEN_GO-$PROTOC_GEN_GO_GRPC}
mkdir -p "$tools"
[ -x "$tools/protoc-gen-go" ] ||
	GOBIN="$tools" go install "google.golang.org/protobuf/cmd/protoc-gen-go@$PROTOC_GEN_GO"
[ -x "$tools/protoc-gen-go-grpc" ] ||
	GOBIN="$tools" go install "google.golang.org/grpc/cmd/protoc-gen-go-grpc@$PROTOC_GEN_GO_GRPC"

cd "$here"
PATH="$tools:$PATH" protoc --proto_path=. \
	--go_out=. --go_opt=paths=source_relative \
	--go-grpc_out=. --go-grpc_opt=paths=source_relative \
	crm.proto
