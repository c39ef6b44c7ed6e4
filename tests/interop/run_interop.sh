#!/usr/bin/env bash
# Interoperability test: an independent implementation — Go's
# golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog — checks the
# checkpoints, receipts, inclusion proofs and consistency proofs that a real
# dipr server produces.
#
# usage: run_interop.sh PATH/TO/dipr
#
# Environment (all optional):
#   DIPR_INTEROP_GOCODE   GOPATH tree holding golang.org/x/mod (default /usr/share/gocode,
#                         from Debian's golang-golang-x-mod-dev)
#   DIPR_INTEROP_GOCACHE  Go build cache (default: go-interop-cache next to the dipr binary)
#   DIPR_INTEROP_DEPOSITS number of random files to deposit (default 30)
#   DIPR_INTEROP_KEEP=1   keep the temporary directory
set -euo pipefail

say() { printf 'interop: %s\n' "$*"; }
die() { printf 'interop: FAIL: %s\n' "$*" >&2; exit 1; }

[[ $# -eq 1 ]] || die "usage: $0 PATH/TO/dipr"
DIPR=$(realpath "$1")
[[ -x $DIPR ]] || die "dipr binary $1 is not executable"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T0=$(date +%s)

# ---------------------------------------------------------------- prerequisites (never skip silently)
command -v go >/dev/null 2>&1 ||
  die "the 'go' command is not installed; this test needs Go (Debian: apt-get install golang-go golang-golang-x-mod-dev)"
GOCODE=${DIPR_INTEROP_GOCODE:-/usr/share/gocode}
for pkg in note tlog; do
  [[ -d $GOCODE/src/golang.org/x/mod/sumdb/$pkg ]] ||
    die "golang.org/x/mod/sumdb/$pkg not found under $GOCODE/src (Debian: apt-get install golang-golang-x-mod-dev, or set DIPR_INTEROP_GOCODE)"
done
for tool in curl python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not installed"
done

# ---------------------------------------------------------------- temp dir, cleanup
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dipr-interop.XXXXXX")
SERVER_PID=
cleanup() {
  local rc=$?
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [[ $rc -ne 0 && -f $TMP/server.log ]]; then
    echo "interop: ---- last lines of the server log ----" >&2
    tail -n 30 "$TMP/server.log" >&2 || true
  fi
  if [[ ${DIPR_INTEROP_KEEP:-0} == 1 ]]; then
    echo "interop: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- build the Go verifier (GOPATH mode, offline)
export GO111MODULE=off
export GOPATH="$TMP/gopath:$GOCODE"
export GOCACHE=${DIPR_INTEROP_GOCACHE:-$(dirname "$DIPR")/go-interop-cache}
export GOFLAGS='' GOENV=off GOPROXY=off GOSUMDB=off GOTOOLCHAIN=local
mkdir -p "$TMP/gopath" "$GOCACHE"
say "building the Go verifier with $(go version | awk '{print $3}') (GOCACHE=$GOCACHE)"
tb=$(date +%s)
go build -o "$TMP/verifier" "$HERE/verifier.go" || die "could not build $HERE/verifier.go"
say "  built in $(( $(date +%s) - tb ))s"
GOVERIFY="$TMP/verifier"

# ---------------------------------------------------------------- start dipr
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
URL="http://127.0.0.1:$PORT"
ORIGIN="interop.test/dipr"
"$DIPR" serve --data "$TMP/data" --listen "127.0.0.1:$PORT" --origin "$ORIGIN" >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "dipr serve exited during start-up"
  sleep 0.1
done
curl -fsS "$URL/healthz" >/dev/null || die "dipr serve did not answer /healthz at $URL within 10s"
say "dipr serving $URL (pid $SERVER_PID, data $TMP/data)"

ADMIN=$(cat "$TMP/data/admin.token")
curl -fsS "$URL/log/key" >"$TMP/key.txt"
KEY=$(tr -d '\n' <"$TMP/key.txt")
say "log key: $KEY"
[[ $KEY == "$ORIGIN+"* ]] || die "key $KEY does not carry the origin $ORIGIN as its name"

# ---------------------------------------------------------------- a holder and some deposits
"$DIPR" user create --name "Interop Holder" --role holder --server "$URL" --token "$ADMIN" --json >"$TMP/holder.json" ||
  die "dipr user create failed"
HOLDER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$TMP/holder.json")

N=${DIPR_INTEROP_DEPOSITS:-30}
mkdir -p "$TMP/files" "$TMP/receipts"
for i in $(seq 1 "$N"); do
  head -c $(( (RANDOM % 4000) + 1 )) /dev/urandom >"$TMP/files/f$i.bin"
done

deposit() { # deposit INDEX
  "$DIPR" deposit "$TMP/files/f$1.bin" --server "$URL" --token "$HOLDER" \
    -o "$TMP/receipts/r$1.json" >"$TMP/receipts/r$1.log" 2>&1
}

third=$(( N / 3 ))
# First third one by one, the middle third in parallel, the rest one by one.
for i in $(seq 1 "$third"); do deposit "$i" || die "deposit of f$i failed: $(cat "$TMP/receipts/r$i.log")"; done
pids=()
for i in $(seq $(( third + 1 )) $(( 2 * third ))); do deposit "$i" & pids+=("$!"); done
for p in "${pids[@]}"; do wait "$p" || die "a parallel deposit failed: $(cat "$TMP"/receipts/*.log)"; done
for i in $(seq $(( 2 * third + 1 )) "$N"); do deposit "$i" || die "deposit of f$i failed: $(cat "$TMP/receipts/r$i.log")"; done
say "deposited $N files ($third of them in parallel)"

# A duplicate deposit must come back with the receipt index of the original.
DUP=$(( third / 2 + 1 ))
"$DIPR" deposit "$TMP/files/f$DUP.bin" --server "$URL" --token "$HOLDER" -o "$TMP/receipts/dup.json" \
  >"$TMP/receipts/dup.log" 2>&1 || die "duplicate deposit failed: $(cat "$TMP/receipts/dup.log")"
python3 - "$TMP/receipts/r$DUP.json" "$TMP/receipts/dup.json" <<'EOF' || die "duplicate deposit got a different index"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
if a["index"] != b["index"] or a["entry"] != b["entry"]:
    sys.exit(f"original index {a['index']}, duplicate index {b['index']}")
EOF
say "duplicate deposit of f$DUP returned the same index"

# All receipt indexes must be distinct.
python3 - "$TMP"/receipts/r*.json <<'EOF' || die "receipts share an index"
import json, sys
idx = [json.load(open(p))["index"] for p in sys.argv[1:]]
if len(set(idx)) != len(idx):
    sys.exit(f"indexes {sorted(idx)}")
EOF

RECEIPTS=("$TMP"/receipts/r*.json "$TMP/receipts/dup.json")

# ---------------------------------------------------------------- Go verifies everything
say "running the Go verifier over the whole log and ${#RECEIPTS[@]} receipts"
"$GOVERIFY" -server "$URL" -key "$KEY" "${RECEIPTS[@]}" || die "the Go verifier rejected what dipr served (see above)"

say "checking that note.Open rejects the checkpoint under wrong keys"
"$GOVERIFY" -server "$URL" -key "$KEY" -wrong-key-check || die "wrong-key check failed"

OTHER_KEY=$("$GOVERIFY" -gen-key "$ORIGIN")
if "$GOVERIFY" -server "$URL" -key "$OTHER_KEY" >"$TMP/wrongkey.out" 2>&1; then
  die "the Go verifier accepted the log under a different key"
fi
say "the Go verifier refuses to run against a different expected key: $(head -n1 "$TMP/wrongkey.out")"

# ---------------------------------------------------------------- dipr verify accepts the genuine receipts
for r in "${RECEIPTS[@]}"; do
  "$DIPR" verify "$r" --key "$TMP/key.txt" >"$TMP/verify.out" 2>&1 ||
    die "dipr verify rejected the genuine receipt $(basename "$r"): $(cat "$TMP/verify.out")"
done
say "dipr verify accepted all ${#RECEIPTS[@]} genuine receipts"
if "$DIPR" verify "$TMP/receipts/r1.json" --key "$OTHER_KEY" >"$TMP/verify.out" 2>&1; then
  die "dipr verify accepted a receipt under a different (Go-generated) key"
fi
say "dipr verify rejected a genuine receipt under a Go-generated key"

# ---------------------------------------------------------------- tampered receipts: both must reject
# Pick the receipt with the longest proof (the last sequential deposit has a big tree).
VICTIM=$(python3 - "$TMP"/receipts/r*.json <<'EOF'
import json, sys
best = max(sys.argv[1:], key=lambda p: (len(json.load(open(p))["proof"]), p))
print(best)
EOF
)
python3 - "$VICTIM" "$TMP/tampered" <<'EOF' || die "could not write the tampered receipts"
import base64, json, os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
r = json.load(open(src))
assert len(r["proof"]) >= 2, f"{src} has a proof of only {len(r['proof'])} hashes"

def flip(b64, pos):
    raw = bytearray(base64.b64decode(b64))
    raw[pos % len(raw)] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()

def write(name, mutate):
    t = json.loads(json.dumps(r))
    mutate(t)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(t, f, indent=2)

k = len(r["proof"]) // 2
write("proof-byte", lambda t: t["proof"].__setitem__(k, flip(t["proof"][k], 7)))
write("proof-first-byte", lambda t: t["proof"].__setitem__(0, flip(t["proof"][0], 0)))
write("proof-truncated", lambda t: t["proof"].pop())
write("proof-extra", lambda t: t["proof"].append(t["proof"][-1]))
write("entry-byte", lambda t: t.__setitem__("entry", flip(t["entry"], 20)))
write("index-plus-one", lambda t: t.__setitem__("index", t["index"] + 1))
write("index-minus-one", lambda t: t.__setitem__("index", t["index"] - 1))

def root_flip(t):
    lines = t["checkpoint"].split("\n")
    lines[2] = flip(lines[2], 3)
    t["checkpoint"] = "\n".join(lines)
write("checkpoint-root", root_flip)

def size_bump(t):
    lines = t["checkpoint"].split("\n")
    lines[1] = str(int(lines[1]) + 1)
    t["checkpoint"] = "\n".join(lines)
write("checkpoint-size", size_bump)
EOF
say "tampering with $(basename "$VICTIM")"
count=0
for t in "$TMP"/tampered/*.json; do
  name=$(basename "$t" .json)
  "$GOVERIFY" -server "$URL" -key "$KEY" -expect-fail-receipt "$t" >"$TMP/go.out" 2>&1 ||
    die "Go accepted the tampered receipt '$name': $(cat "$TMP/go.out")"
  if "$DIPR" verify "$t" --key "$TMP/key.txt" >"$TMP/verify.out" 2>&1; then
    die "dipr verify ACCEPTED the tampered receipt '$name': $(cat "$TMP/verify.out")"
  fi
  say "  $name: rejected by Go ($(sed -e 's/.*rejected as expected: //' "$TMP/go.out" | head -c 110)) and by dipr verify"
  count=$(( count + 1 ))
done

# The server must still be healthy and the log still verify after all this.
"$GOVERIFY" -server "$URL" -key "$KEY" "${RECEIPTS[@]}" >/dev/null || die "final Go verification failed"
kill -0 "$SERVER_PID" 2>/dev/null || die "dipr serve died during the test"

say "PASS: Go's sumdb/note + sumdb/tlog accept dipr's checkpoints, proofs and ${#RECEIPTS[@]} receipts;" \
  "$count tampered receipts rejected by both; total $(( $(date +%s) - T0 ))s"
