// Command verifier is an independent interoperability checker for dipr.
//
// It uses only the Go standard library and golang.org/x/mod/sumdb/note +
// golang.org/x/mod/sumdb/tlog (the code that checks the Go checksum
// database) to verify what a running dipr registry serves: its verifier key,
// its signed checkpoint (C2SP signed note / tlog-checkpoint), every log entry,
// RFC 6962 inclusion and consistency proofs, and deposit receipts.
//
// It is built in GOPATH mode, so nothing is downloaded:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go run verifier.go \
//	    -server http://127.0.0.1:8080 -key "$(curl -s http://127.0.0.1:8080/log/key)" receipt.json ...
//
// Modes:
//
//	(default)                   verify the whole log and every receipt given as argument
//	-expect-fail-receipt FILE   succeed (exit 0) only if FILE is REJECTED as a receipt
//	-wrong-key-check            succeed only if note.Open rejects the checkpoint under wrong keys
//	                            and rejects a checkpoint whose text was altered
//	-gen-key NAME               print a fresh verifier key (note.GenerateKey) and exit
//
// Exit status: 0 on success, 1 on any verification failure, 2 on usage errors.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	flagServer      = flag.String("server", "", "registry base URL, e.g. http://127.0.0.1:8080")
	flagKey         = flag.String("key", "", "expected verifier key (name+hash+base64), or a file holding it")
	flagExpectFail  = flag.String("expect-fail-receipt", "", "succeed only if this receipt is rejected")
	flagWrongKey    = flag.Bool("wrong-key-check", false, "succeed only if the checkpoint is rejected under wrong keys")
	flagFullLimit   = flag.Int64("full-limit", 2000, "check every inclusion proof when the log has at most this many entries")
	flagSampleCount = flag.Int64("sample", 500, "number of inclusion proofs to check above -full-limit")
	flagVerbose     = flag.Bool("v", false, "print progress")
	flagGenKey      = flag.String("gen-key", "", "print a freshly generated verifier key with this name (note.GenerateKey) and exit")
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "interop: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func logf(format string, args ...interface{}) {
	if *flagVerbose {
		fmt.Fprintf(os.Stderr, "interop: "+format+"\n", args...)
	}
}

// ---------------------------------------------------------------- HTTP

func get(path string, query url.Values) ([]byte, error) {
	u := strings.TrimRight(*flagServer, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	resp, err := httpClient.Get(u)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading body: %v", u, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", u, resp.StatusCode, strings.TrimSpace(string(body)))
	}
	return body, nil
}

func getJSON(path string, query url.Values, v interface{}) error {
	body, err := get(path, query)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("GET %s: bad JSON: %v: %s", path, err, truncate(string(body), 200))
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// ---------------------------------------------------------------- checkpoints

type checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	Note   *note.Note
	Raw    []byte
}

// parseCheckpointText parses the body of a C2SP tlog-checkpoint:
//
//	<origin>\n<decimal size>\n<base64 root hash>\n[extension lines...]
//
// tlog.ParseTree is NOT used: it insists on the "go.sum database tree" origin.
func parseCheckpointText(text string) (origin string, size int64, root tlog.Hash, err error) {
	if !strings.HasSuffix(text, "\n") {
		return "", 0, tlog.Hash{}, errors.New("checkpoint text does not end in a newline")
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return "", 0, tlog.Hash{}, fmt.Errorf("checkpoint text has %d lines, want at least 3: %q", len(lines), text)
	}
	origin = lines[0]
	if origin == "" {
		return "", 0, tlog.Hash{}, errors.New("checkpoint origin line is empty")
	}
	sizeStr := lines[1]
	if sizeStr == "" || (len(sizeStr) > 1 && sizeStr[0] == '0') || strings.TrimLeft(sizeStr, "0123456789") != "" {
		return "", 0, tlog.Hash{}, fmt.Errorf("checkpoint size line %q is not a canonical decimal", sizeStr)
	}
	size, err = strconv.ParseInt(sizeStr, 10, 64)
	if err != nil || size < 0 {
		return "", 0, tlog.Hash{}, fmt.Errorf("checkpoint size line %q: %v", sizeStr, err)
	}
	root, err = tlog.ParseHash(lines[2])
	if err != nil {
		return "", 0, tlog.Hash{}, fmt.Errorf("checkpoint root line %q: %v", lines[2], err)
	}
	for i, ext := range lines[3:] {
		if ext == "" {
			return "", 0, tlog.Hash{}, fmt.Errorf("checkpoint extension line %d is empty", i+4)
		}
	}
	return origin, size, root, nil
}

// openCheckpoint verifies the signed note with the given verifiers (note.Open),
// parses its text and checks that the origin is the name of a verified signature.
func openCheckpoint(raw []byte, verifiers note.Verifiers) (*checkpoint, error) {
	n, err := note.Open(raw, verifiers)
	if err != nil {
		return nil, fmt.Errorf("note.Open rejected the checkpoint: %v\n--- checkpoint ---\n%s", err, raw)
	}
	origin, size, root, err := parseCheckpointText(n.Text)
	if err != nil {
		return nil, err
	}
	signedByOrigin := false
	for _, s := range n.Sigs {
		if s.Name == origin {
			signedByOrigin = true
		}
	}
	if !signedByOrigin {
		names := []string{}
		for _, s := range n.Sigs {
			names = append(names, s.Name)
		}
		return nil, fmt.Errorf("checkpoint origin %q is not the name of any verified signature (%v)", origin, names)
	}
	return &checkpoint{Origin: origin, Size: size, Root: root, Note: n, Raw: raw}, nil
}

// ---------------------------------------------------------------- the local tree

// memTree keeps every stored hash of the log (tlog's storage layout) in memory.
type memTree struct {
	hashes []tlog.Hash
	n      int64
}

func (t *memTree) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(t.hashes)) {
			return nil, fmt.Errorf("memTree: stored hash %d not available (have %d)", x, len(t.hashes))
		}
		out[i] = t.hashes[x]
	}
	return out, nil
}

func (t *memTree) add(data []byte) error {
	hs, err := tlog.StoredHashes(t.n, data, t)
	if err != nil {
		return err
	}
	t.hashes = append(t.hashes, hs...)
	t.n++
	if int64(len(t.hashes)) != tlog.StoredHashCount(t.n) {
		return fmt.Errorf("memTree: %d stored hashes for %d records, want %d", len(t.hashes), t.n, tlog.StoredHashCount(t.n))
	}
	return nil
}

func (t *memTree) leaf(i int64) tlog.Hash {
	return t.hashes[tlog.StoredHashIndex(0, i)]
}

func (t *memTree) root(n int64) (tlog.Hash, error) {
	return tlog.TreeHash(n, t)
}

// ---------------------------------------------------------------- proofs from the server

type proofJSON struct {
	Index *int64   `json:"index"`
	Size  *int64   `json:"size"`
	From  *int64   `json:"from"`
	To    *int64   `json:"to"`
	Proof []string `json:"proof"`
}

func parseHashes(list []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(list))
	for i, s := range list {
		h, err := tlog.ParseHash(s)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d %q: %v", i, s, err)
		}
		out[i] = h
	}
	return out, nil
}

func fetchInclusion(index, size int64) (tlog.RecordProof, error) {
	var p proofJSON
	q := url.Values{"index": {strconv.FormatInt(index, 10)}, "size": {strconv.FormatInt(size, 10)}}
	if err := getJSON("/log/proof/inclusion", q, &p); err != nil {
		return nil, err
	}
	if p.Index == nil || *p.Index != index || p.Size == nil || *p.Size != size {
		return nil, fmt.Errorf("inclusion proof answer for index=%d size=%d names index=%v size=%v", index, size, deref(p.Index), deref(p.Size))
	}
	if p.Proof == nil {
		return nil, fmt.Errorf("inclusion proof answer for index=%d size=%d has no \"proof\" array", index, size)
	}
	hs, err := parseHashes(p.Proof)
	return tlog.RecordProof(hs), err
}

func fetchConsistency(from, to int64) (tlog.TreeProof, error) {
	var p proofJSON
	q := url.Values{"from": {strconv.FormatInt(from, 10)}, "to": {strconv.FormatInt(to, 10)}}
	if err := getJSON("/log/proof/consistency", q, &p); err != nil {
		return nil, err
	}
	if p.From == nil || *p.From != from || p.To == nil || *p.To != to {
		return nil, fmt.Errorf("consistency proof answer for from=%d to=%d names from=%v to=%v", from, to, deref(p.From), deref(p.To))
	}
	if p.Proof == nil {
		return nil, fmt.Errorf("consistency proof answer for from=%d to=%d has no \"proof\" array", from, to)
	}
	hs, err := parseHashes(p.Proof)
	return tlog.TreeProof(hs), err
}

func deref(p *int64) interface{} {
	if p == nil {
		return "<missing>"
	}
	return *p
}

func hashList(hs []tlog.Hash) string {
	s := make([]string, len(hs))
	for i, h := range hs {
		s[i] = h.String()
	}
	return "[" + strings.Join(s, " ") + "]"
}

// ---------------------------------------------------------------- receipts

type receiptJSON struct {
	Index      *int64   `json:"index"`
	Entry      *string  `json:"entry"`
	Checkpoint *string  `json:"checkpoint"`
	Proof      []string `json:"proof"`
}

// checkReceipt verifies one receipt entirely with the Go packages:
// the checkpoint signature (note.Open), the inclusion proof of its entry
// (tlog.CheckRecord), and a consistency proof from the receipt's tree to the
// current tree (tlog.CheckTree). If tree is not nil, it also checks the entry
// and the receipt's root against the locally rebuilt tree.
func checkReceipt(path string, verifiers note.Verifiers, cur *checkpoint, tree *memTree) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var r receiptJSON
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("receipt is not JSON: %v", err)
	}
	if r.Index == nil || r.Entry == nil || r.Checkpoint == nil || r.Proof == nil {
		return errors.New("receipt lacks one of index, entry, checkpoint, proof")
	}
	entry, err := base64.StdEncoding.DecodeString(*r.Entry)
	if err != nil {
		return fmt.Errorf("receipt entry is not base64: %v", err)
	}
	cp, err := openCheckpoint([]byte(*r.Checkpoint), verifiers)
	if err != nil {
		return fmt.Errorf("receipt checkpoint: %v", err)
	}
	if cp.Origin != cur.Origin {
		return fmt.Errorf("receipt checkpoint origin %q differs from the log's %q", cp.Origin, cur.Origin)
	}
	proof, err := parseHashes(r.Proof)
	if err != nil {
		return fmt.Errorf("receipt proof: %v", err)
	}
	leaf := tlog.RecordHash(entry)
	if err := tlog.CheckRecord(tlog.RecordProof(proof), cp.Size, cp.Root, *r.Index, leaf); err != nil {
		return fmt.Errorf("tlog.CheckRecord rejected the receipt's inclusion proof: %v (index %d, tree size %d, root %v, leaf %v)",
			err, *r.Index, cp.Size, cp.Root, leaf)
	}
	if cp.Size > cur.Size {
		return fmt.Errorf("receipt tree size %d is larger than the current tree size %d", cp.Size, cur.Size)
	}
	tp, err := fetchConsistency(cp.Size, cur.Size)
	if err != nil {
		return err
	}
	if err := tlog.CheckTree(tp, cur.Size, cur.Root, cp.Size, cp.Root); err != nil {
		return fmt.Errorf("tlog.CheckTree rejected the consistency proof from the receipt's tree: %v (%d -> %d, proof %s)", err, cp.Size, cur.Size, hashList(tp))
	}
	if tree != nil {
		if got := tree.leaf(*r.Index); got != leaf {
			return fmt.Errorf("receipt entry hash %v differs from log entry %d hash %v", leaf, *r.Index, got)
		}
		want, err := tree.root(cp.Size)
		if err != nil {
			return err
		}
		if want != cp.Root {
			return fmt.Errorf("receipt root %v differs from the locally computed root %v of size %d", cp.Root, want, cp.Size)
		}
	}
	logf("receipt %s: entry %d in tree %d, consistent with tree %d", path, *r.Index, cp.Size, cur.Size)
	return nil
}

// ---------------------------------------------------------------- steps

func readKeyFlag() string {
	k := strings.TrimSpace(*flagKey)
	if k == "" {
		fmt.Fprintln(os.Stderr, "interop: -key is required")
		os.Exit(2)
	}
	if !strings.Contains(k, "+") {
		if b, err := os.ReadFile(k); err == nil {
			k = strings.TrimSpace(string(b))
		}
	}
	return k
}

// fetchKeyAndCheckpoint fetches /log/key (must equal -key) and the current
// checkpoint, verified with note.Open.
func fetchKeyAndCheckpoint() (string, note.Verifiers, *checkpoint) {
	want := readKeyFlag()
	body, err := get("/log/key", nil)
	if err != nil {
		fail("%v", err)
	}
	served := string(body)
	if !strings.HasSuffix(served, "\n") || strings.Count(served, "\n") != 1 {
		fail("/log/key answer %q is not a single newline-terminated line", served)
	}
	served = strings.TrimSuffix(served, "\n")
	if served != want {
		fail("/log/key serves %q, but -key is %q", served, want)
	}
	v, err := note.NewVerifier(want)
	if err != nil {
		fail("note.NewVerifier(%q): %v", want, err)
	}
	verifiers := note.VerifierList(v)
	raw, err := get("/log/checkpoint", nil)
	if err != nil {
		fail("%v", err)
	}
	cp, err := openCheckpoint(raw, verifiers)
	if err != nil {
		fail("current checkpoint: %v", err)
	}
	if v.Name() != cp.Origin {
		fail("key name %q differs from checkpoint origin %q", v.Name(), cp.Origin)
	}
	logf("checkpoint: origin %q size %d root %v", cp.Origin, cp.Size, cp.Root)
	return want, verifiers, cp
}

func downloadTree(cp *checkpoint) *memTree {
	tree := &memTree{}
	const page = 1000
	for start := int64(0); start < cp.Size; start += page {
		end := start + page
		if end > cp.Size {
			end = cp.Size
		}
		var resp struct {
			Entries []struct {
				Index *int64  `json:"index"`
				Data  *string `json:"data"`
			} `json:"entries"`
		}
		q := url.Values{"start": {strconv.FormatInt(start, 10)}, "end": {strconv.FormatInt(end, 10)}}
		if err := getJSON("/log/entries", q, &resp); err != nil {
			fail("%v", err)
		}
		if int64(len(resp.Entries)) != end-start {
			fail("/log/entries?start=%d&end=%d returned %d entries, want %d", start, end, len(resp.Entries), end-start)
		}
		for i, e := range resp.Entries {
			want := start + int64(i)
			if e.Index == nil || *e.Index != want {
				fail("/log/entries?start=%d&end=%d: entry %d has index %v, want %d", start, end, i, deref(e.Index), want)
			}
			if e.Data == nil {
				fail("entry %d has no data", want)
			}
			data, err := base64.StdEncoding.DecodeString(*e.Data)
			if err != nil {
				fail("entry %d data is not base64: %v", want, err)
			}
			if err := tree.add(data); err != nil {
				fail("tlog.StoredHashes for entry %d: %v", want, err)
			}
		}
	}
	root, err := tree.root(cp.Size)
	if err != nil {
		fail("tlog.TreeHash(%d): %v", cp.Size, err)
	}
	if root != cp.Root {
		fail("root recomputed by tlog from the %d downloaded entries is %v, checkpoint says %v", cp.Size, root, cp.Root)
	}
	logf("downloaded %d entries; tlog.TreeHash matches the checkpoint root", cp.Size)
	return tree
}

// inclusionIndexes: every index, or a deterministic sample above -full-limit.
func inclusionIndexes(size int64) []int64 {
	if size <= *flagFullLimit || size <= *flagSampleCount {
		out := make([]int64, size)
		for i := range out {
			out[i] = int64(i)
		}
		return out
	}
	seen := map[int64]bool{0: true, size - 1: true}
	// A fixed linear congruential generator: deterministic across runs and Go versions.
	x := uint64(0x9e3779b97f4a7c15)
	for int64(len(seen)) < *flagSampleCount {
		x = x*6364136223846793005 + 1442695040888963407
		seen[int64((x>>11)%uint64(size))] = true
	}
	out := make([]int64, 0, len(seen))
	for i := range seen {
		out = append(out, i)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

// consistencySizes: 1, 2, 3, 7, 8, 9, 15, 16, 17, ..., a few midpoints, size-1, size.
func consistencySizes(size int64) []int64 {
	set := map[int64]bool{}
	add := func(m int64) {
		if m >= 1 && m <= size {
			set[m] = true
		}
	}
	add(1)
	add(2)
	add(3)
	for p := int64(4); p <= size*2; p *= 2 {
		add(p - 1)
		add(p)
		add(p + 1)
	}
	add(size / 3)
	add(size / 2)
	add(2 * size / 3)
	add(size - 2)
	add(size - 1)
	add(size)
	out := make([]int64, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Slice(out, func(a, b int) bool { return out[a] < out[b] })
	return out
}

func checkInclusion(tree *memTree, index, size int64, root tlog.Hash) error {
	p, err := fetchInclusion(index, size)
	if err != nil {
		return err
	}
	if err := tlog.CheckRecord(p, size, root, index, tree.leaf(index)); err != nil {
		want, _ := tlog.ProveRecord(size, index, tree)
		return fmt.Errorf("tlog.CheckRecord(index=%d, size=%d): %v\n  dipr proof: %s\n  tlog proof: %s",
			index, size, err, hashList(p), hashList(want))
	}
	return nil
}

func runFull(receipts []string) {
	if *flagServer == "" {
		fmt.Fprintln(os.Stderr, "interop: -server is required")
		os.Exit(2)
	}
	_, verifiers, cp := fetchKeyAndCheckpoint()
	if cp.Size == 0 {
		fail("the log is empty; nothing to check")
	}
	tree := downloadTree(cp)

	// Inclusion proofs against the current checkpoint.
	nIncl := 0
	for _, i := range inclusionIndexes(cp.Size) {
		if err := checkInclusion(tree, i, cp.Size, cp.Root); err != nil {
			fail("%v", err)
		}
		nIncl++
	}

	// Consistency proofs m -> size, plus the inclusion of the last leaf of each
	// older tree in that tree (exercising proofs for sizes other than the current one).
	nCons := 0
	for _, m := range consistencySizes(cp.Size) {
		rootM, err := tree.root(m)
		if err != nil {
			fail("tlog.TreeHash(%d): %v", m, err)
		}
		p, err := fetchConsistency(m, cp.Size)
		if err != nil {
			fail("%v", err)
		}
		if err := tlog.CheckTree(p, cp.Size, cp.Root, m, rootM); err != nil {
			want, _ := tlog.ProveTree(cp.Size, m, tree)
			fail("tlog.CheckTree(%d -> %d): %v\n  dipr proof: %s\n  tlog proof: %s", m, cp.Size, err, hashList(p), hashList(want))
		}
		nCons++
		if err := checkInclusion(tree, m-1, m, rootM); err != nil {
			fail("%v", err)
		}
		nIncl++
	}

	for _, r := range receipts {
		if err := checkReceipt(r, verifiers, cp, tree); err != nil {
			fail("receipt %s: %v", r, err)
		}
	}
	fmt.Printf("interop: OK: %d entries, %d inclusion proofs, %d consistency proofs, %d receipts (origin %s, root %v)\n",
		cp.Size, nIncl, nCons, len(receipts), cp.Origin, cp.Root)
}

func runExpectFail(path string) {
	_, verifiers, cp := fetchKeyAndCheckpoint()
	err := checkReceipt(path, verifiers, cp, nil)
	if err == nil {
		fail("tampered receipt %s was ACCEPTED by the Go verifier", path)
	}
	fmt.Printf("interop: OK: receipt %s rejected as expected: %s\n", path, firstLine(err.Error()))
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// wrongVerifier claims the name and key hash of the real key but holds another
// public key, so note.Open really runs the Ed25519 check and must reject it.
type wrongVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

func (w *wrongVerifier) Name() string    { return w.name }
func (w *wrongVerifier) KeyHash() uint32 { return w.hash }
func (w *wrongVerifier) Verify(msg, sig []byte) bool {
	return ed25519.Verify(w.pub, msg, sig)
}

func runWrongKey() {
	key, verifiers, cp := fetchKeyAndCheckpoint()
	checks := 0

	// 1. A freshly generated key with the same name: note.Open must not verify.
	_, otherV, err := note.GenerateKey(rand.Reader, cp.Origin)
	if err != nil {
		fail("note.GenerateKey: %v", err)
	}
	ov, err := note.NewVerifier(otherV)
	if err != nil {
		fail("note.NewVerifier(generated): %v", err)
	}
	if _, err := note.Open(cp.Raw, note.VerifierList(ov)); err == nil {
		fail("note.Open accepted the checkpoint under a different generated key %s", otherV)
	} else {
		var unv *note.UnverifiedNoteError
		if !errors.As(err, &unv) {
			fail("note.Open under a different key: unexpected error kind %T: %v", err, err)
		}
	}
	checks++

	// 2. A generated key with another name.
	_, otherV2, err := note.GenerateKey(rand.Reader, "someone.else/log")
	if err != nil {
		fail("note.GenerateKey: %v", err)
	}
	ov2, _ := note.NewVerifier(otherV2)
	if _, err := note.Open(cp.Raw, note.VerifierList(ov2)); err == nil {
		fail("note.Open accepted the checkpoint under key %s", otherV2)
	}
	checks++

	// 3. Same name and key hash as the real key, different public key: the
	// signature itself must fail (InvalidSignatureError), not just the lookup.
	realV, _ := note.NewVerifier(key)
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		fail("ed25519.GenerateKey: %v", err)
	}
	wv := &wrongVerifier{name: realV.Name(), hash: realV.KeyHash(), pub: pub}
	if _, err := note.Open(cp.Raw, note.VerifierList(wv)); err == nil {
		fail("note.Open accepted the checkpoint with a wrong public key under the right key hash")
	} else {
		var inv *note.InvalidSignatureError
		if !errors.As(err, &inv) {
			fail("wrong public key: expected *note.InvalidSignatureError, got %T: %v", err, err)
		}
	}
	checks++

	// 4. The real key, but the checkpoint text altered (size + 1): must be rejected.
	text := cp.Note.Text
	lines := strings.SplitN(text, "\n", 3)
	altered := lines[0] + "\n" + strconv.FormatInt(cp.Size+1, 10) + "\n" + lines[2]
	tampered := append([]byte(altered), cp.Raw[len(text):]...)
	if _, err := note.Open(tampered, verifiers); err == nil {
		fail("note.Open accepted a checkpoint whose size line was altered")
	}
	checks++

	// 5. The real key, one signature byte flipped.
	sigStart := len(text) + 1 // after the blank line
	sigLine := string(cp.Raw[sigStart:])
	sp := strings.LastIndexByte(strings.SplitN(sigLine, "\n", 2)[0], ' ')
	b64 := strings.SplitN(sigLine[sp+1:], "\n", 2)[0]
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(sig) != 4+ed25519.SignatureSize {
		fail("checkpoint signature %q is not key hash + Ed25519 signature (%d bytes, err %v)", b64, len(sig), err)
	}
	if binary.BigEndian.Uint32(sig[:4]) != realV.KeyHash() {
		fail("checkpoint signature key hash %08x differs from the key's %08x", binary.BigEndian.Uint32(sig[:4]), realV.KeyHash())
	}
	sig[10] ^= 0x01
	flipped := string(cp.Raw[:sigStart]) + sigLine[:sp+1] + base64.StdEncoding.EncodeToString(sig) + sigLine[sp+1+len(b64):]
	if _, err := note.Open([]byte(flipped), verifiers); err == nil {
		fail("note.Open accepted a checkpoint with a flipped signature byte")
	}
	checks++

	fmt.Printf("interop: OK: note.Open rejected the checkpoint in all %d wrong-key/tamper cases\n", checks)
}

func main() {
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: verifier -server URL -key VKEY [-v] [receipt.json ...]\n"+
			"       verifier -server URL -key VKEY -expect-fail-receipt FILE\n"+
			"       verifier -server URL -key VKEY -wrong-key-check\n"+
			"       verifier -gen-key NAME\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *flagGenKey != "" {
		_, vkey, err := note.GenerateKey(rand.Reader, *flagGenKey)
		if err != nil {
			fail("note.GenerateKey: %v", err)
		}
		fmt.Println(vkey)
		return
	}
	if *flagServer == "" {
		flag.Usage()
		os.Exit(2)
	}
	switch {
	case *flagExpectFail != "":
		runExpectFail(*flagExpectFail)
	case *flagWrongKey:
		runWrongKey()
	default:
		runFull(flag.Args())
	}
}
