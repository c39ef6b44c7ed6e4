#!/usr/bin/env bash
# Regenerates the seed corpus fuzz/corpus/<target>/ from testdata/, data/, the system's tzdata and
# fuzz/make_seeds (the seeds a registry makes). Its output is committed; run it again when a
# format changes. Inputs the long runs found (fuzz.sh --merge) live beside the seeds, in files
# named by their SHA-1 as libFuzzer writes them, and are kept.
# Usage: fuzz/seeds.sh FUZZ_BUILD_DIR
set -euo pipefail
build=$(realpath "${1:?usage: fuzz/seeds.sh FUZZ_BUILD_DIR}")
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"

seed() {  # seed TARGET NAME TEXT: one seed file with exactly TEXT (printf %b escapes allowed)
  mkdir -p "$corpus/$1"
  printf '%b' "$3" >"$corpus/$1/$2"
}

# json_parse: small documents of every kind, and the ones its rules are about.
seed json_parse object '{"a":1,"b":[true,false,null],"c":{"d":"e"}}'
seed json_parse numbers '[0,-1,1.5,1e10,-2.5E-3,18446744073709551615,-9223372036854775808]'
seed json_parse strings '["\\u00e9\\ud83d\\ude00","\\n\\t\\"\\\\\\/","城市"]'
seed json_parse duplicate '{"valid_until":"2026","valid_until":"2099"}'
seed json_parse bom '\xef\xbb\xbf{"a":[]}'
seed json_parse nested '[[[[[[[[[[[[[[[[{"a":[[[[[[]]]]]]}]]]]]]]]]]]]]]]]'
mkdir -p "$corpus/json_parse"
cp "$root/data/calendars/cn.json" "$corpus/json_parse/calendar.json"

# note: the Go example note (crypto/note_test.cc), its keys, a note with a cosignature.
seed note go-note 'If you think cryptography is the answer to your problem,\nthen you don'"'"'t know what your problem is.\n\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n'
seed note go-vkey 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
seed note go-skey 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
seed note two-signatures 'example.com/log\n1\nAAAA\n\n\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n\xe2\x80\x94 witness.example AAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n'

# calendar: the built-in calendar, a minimal one, periods and dates.
mkdir -p "$corpus/calendar"
cp "$root/data/calendars/cn.json" "$corpus/calendar/cn.json"
for p in 10wd 30d 3y 6mo 90d 24h 15m 60s 2026-02-17 2028-02-29; do seed calendar "text-$p" "$p"; done

# posix_tz: 8 bytes of an extra instant (here 0), then a TZ string (calendar/posix_tz_test.cc).
i=0
for tz in 'CST-8' '<+0545>-5:45' 'NST3:30' 'CET-1CEST,M3.5.0,M10.5.0/3' \
  'AEST-10AEDT,M10.1.0,M4.1.0/3' '<-04>4<-03>,M9.1.6/24,M4.1.6/24' 'EST5EDT,0/0,J365/25' \
  'AAA0BBB,J60/0,J300/0' 'AAA0BBB,59/0,300/0' '<+1030>-10:30<+11>-11,M10.1.0,M4.1.0'; do
  seed posix_tz "tz-$i" "\x00\x00\x00\x00\x00\x00\x00\x00$tz"
  i=$((i + 1))
done

# tzif: small zones of the system's tzdata (TZif v2+: version 1 data, v2 data, the footer).
mkdir -p "$corpus/tzif"
for z in Asia/Shanghai Europe/Berlin Etc/UTC America/Sao_Paulo Australia/Lord_Howe Asia/Kolkata; do
  cp "/usr/share/zoneinfo/$z" "$corpus/tzif/$(echo "$z" | tr / -)"
done

# fingerprint_json: the empty file, one chunk, two chunks (fingerprint/fingerprint.h).
seed fingerprint_json empty '{"algorithm":"rfc6962-sha256-64k","chunk_size":65536,"chunks":0,"digest":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0}'
seed fingerprint_json one-chunk '{"algorithm":"rfc6962-sha256-64k","chunk_size":65536,"chunks":1,"digest":"022a6979e6dab7aa5ae4c3e5e45f7e977112a7e63593820dbec1ec738a24f93c","size":5}'
seed fingerprint_json two-chunks '{"algorithm":"rfc6962-sha256-64k","chunk_size":65536,"chunks":2,"digest":"0000000000000000000000000000000000000000000000000000000000000000","size":65537}'

# merkle_proof: a sample of testdata/merkle-vectors (transparency-dev/merkle) in the target's
# binary form (fuzz/merkle_proof.cc).
python3 - "$root/testdata/merkle-vectors" "$corpus/merkle_proof" <<'PY'
import base64, json, os, struct, sys
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
kinds = {"inclusion": 0, "consistency": 1, "subtreeinclusion": 2, "subtreeconsistency": 3}
for kind, k in kinds.items():
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(os.path.join(src, kind)) for f in fs
                   if f.endswith(".json"))
    for n, path in enumerate(files[:12]):
        v = json.load(open(path))
        h = lambda s: base64.b64decode(s) if s else bytes(32)
        if k == 0:
            nums, first, second = (v["leafIdx"], v["treeSize"], 0), v["leafHash"], v["root"]
        elif k == 1:
            nums, first, second = (v["size1"], v["size2"], 0), v["root1"], v["root2"]
        elif k == 2:
            nums, first, second = (v["start"], v["end"], v["leafIdx"]), v["leafHash"], v["root"]
        else:
            nums, first, second = (v["start"], v["end"], v["size"]), v["root1"], v["root2"]
        nums = [x % 2**64 for x in nums]
        data = bytes([k]) + struct.pack("<QQQ", *nums) + h(first).ljust(32, b"\0")[:32] + \
            h(second).ljust(32, b"\0")[:32] + b"".join(h(p) for p in (v.get("proof") or []))
        open(os.path.join(dst, f"{kind}-{n}"), "wb").write(data)
PY

# The seeds a registry makes (certificate, receipt, checkpoint, replay, registry_requests,
# pdf_file).
"$build/fuzz/make_seeds" "$corpus"
echo "seeds.sh: $(find "$corpus" -type f | wc -l) files in $corpus" >&2
