#!/usr/bin/env bash
# Builds the libFuzzer targets of Fuzz/Targets into .build-fuzz/fuzz/TARGET.
#
#   Fuzz/build.sh [TARGET...]        # default: every target
#
# The package's library modules (and GRDB, swift-log) are compiled with the fuzzer's
# coverage instrumentation and AddressSanitizer into a scratch path of their own
# (.build-fuzz), so the normal .build is untouched; each target is then one swiftc call
# that links those objects. SwiftPM cannot link a libFuzzer binary itself: -sanitize=fuzzer
# brings its own main.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-fuzz
sanitizers=fuzzer,address
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=()
    for file in Fuzz/Targets/*.swift; do targets+=("$(basename "$file" .swift)"); done
fi

swift build --scratch-path "$scratch" --target Fieldbook -Xswiftc "-sanitize=$sanitizers" -Xswiftc -g >&2
bin=$(swift build --scratch-path "$scratch" --show-bin-path)
objects=()
# swift-crypto (FieldbookCore's signing) keeps BoringSSL's objects in subfolders.
for module in GRDB Logging FieldbookCore FieldbookProtocol FieldbookStore Fieldbook \
    Crypto CryptoBoringWrapper CCryptoBoringSSL CCryptoBoringSSLShims CXKCP CXKCPShims; do
    while IFS= read -r object; do objects+=("$object"); done < <(find "$bin/$module.build" -name '*.o' | sort)
done
mkdir -p "$scratch/fuzz"
for target in "${targets[@]}"; do
    swiftc -sanitize="$sanitizers" -parse-as-library -g -module-name "FuzzTarget" -use-ld=lld \
        -I "$bin/Modules" \
        -Xcc -fmodule-map-file=Sources/CZlib/module.modulemap \
        -Xcc -fmodule-map-file="$scratch/checkouts/GRDB.swift/Sources/GRDBSQLite/module.modulemap" \
        Fuzz/Support/*.swift "Fuzz/Targets/$target.swift" "${objects[@]}" -lsqlite3 -lz \
        -o "$scratch/fuzz/$target"
    echo "$scratch/fuzz/$target"
done
