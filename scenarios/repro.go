package scenarios

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/detsim/detsim/checker"
	"github.com/detsim/detsim/sim"
)

// ReproFormat is the version of the repro file format this build writes and
// the only one it reads. Format 2 added the digest; format 3 names the
// system and carries its own parameters apart (Options.System, .Params).
// Older files are converted by UpgradeRepro (`detsim upgrade FILE`).
const ReproFormat = 3

// MaxReproEvents bounds a repro's recorded event count: it is the world's
// default event cap (sim.Config.MaxEvents left 0), which a replay runs
// under, so a run that recorded more could not have been replayed.
const MaxReproEvents = 50_000_000

// Repro is a failing run as a file: everything needed to replay it without the
// fuzz run that found it, what it failed with, and how to tell whether a
// replay took the same path.
type Repro struct {
	Format   int     `json:"format"`
	Scenario string  `json:"scenario"`
	Seed     string  `json:"seed"` // digits: no JSON tool rounds a string
	Bug      string  `json:"bug,omitempty"`
	Options  Options `json:"options"`
	// Failed names every check that failed; Signature is the first.
	Failed      []string         `json:"failed"`
	Signature   Signature        `json:"signature"`
	TraceHash   string           `json:"trace_hash"`
	Events      uint64           `json:"events"`
	Checkpoints []sim.Checkpoint `json:"checkpoints"`
	Build       Build            `json:"build"`
	// Digest seals the file as detsim wrote it: "sha256:" and the hex
	// SHA-256 of the repro's canonical encoding (see ContentDigest). Only
	// the makers (NewRepro, NewNondetRepro) set it, so every program that
	// makes repro files (fuzz, shrink, the property tests) writes one; a file whose contents no
	// longer match it was edited, and its trace hash proves nothing.
	Digest string `json:"digest,omitempty"`
}

// Integrity is what a repro's digest says of its contents.
type Integrity uint8

const (
	// ReproIntact: the digest matches; the file is as detsim wrote it.
	ReproIntact Integrity = iota
	// ReproEdited: the digest is missing or does not match: something was
	// changed by hand or by a tool.
	ReproEdited
)

func (i Integrity) String() string {
	return [...]string{"intact", "edited"}[i]
}

// ContentDigest is the digest of everything in the repro but the digest
// itself: the SHA-256 of encoding/json's encoding of the struct with Digest
// cleared (struct fields in declaration order, no maps, no floats: the same
// contents always encode to the same bytes). It is computed over the parsed
// file, not its bytes, so re-indenting the JSON or reordering its keys is
// not an edit. A field added to Repro or Options later must be omitempty
// (absent from older files, and encoded as absent) or come with a new
// format, or every older file would read as edited.
func (r *Repro) ContentDigest() string {
	c := *r
	c.Digest = ""
	b, err := json.Marshal(&c)
	if err != nil {
		panic("repro: cannot encode a repro: " + err.Error()) // no field can fail to encode
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Integrity says whether the repro is as detsim wrote it.
func (r *Repro) Integrity() Integrity {
	if r.Digest != "" && r.Digest == r.ContentDigest() {
		return ReproIntact
	}
	return ReproEdited
}

// Seal writes the digest (NewRepro does; a program that rewrites a repro on
// purpose, as upgrade does, seals it again). It first passes the repro through its own JSON
// encoding, so that what it seals is exactly what a reader parses back
// (encoding/json replaces invalid UTF-8, for one).
func (r *Repro) Seal() error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var back Repro
	if err := json.Unmarshal(b, &back); err != nil {
		return err
	}
	back.Digest = back.ContentDigest()
	*r = back
	return nil
}

// Signature identifies a failure: the check and its first violation. Key is
// the violation with every number replaced by N, so the same bug found by two
// seeds (at other times, on other nodes) groups as one.
type Signature struct {
	Check     string `json:"check"`
	Violation string `json:"violation"`
	Key       string `json:"key"`
}

var (
	digits    = regexp.MustCompile(`[0-9]+`)
	moreCount = regexp.MustCompile(` \(\+[0-9]+ more\)`)
)

// SignatureOf is a report's failure signature; ok is false if nothing failed.
// An unknown never makes a signature: it is not a failure.
func SignatureOf(rep *Report) (Signature, bool) {
	for _, r := range rep.Results {
		if r.Status == checker.Fail {
			return Signature{Check: r.Name, Violation: r.Detail, Key: signatureKey(r.Name, r.Detail)}, true
		}
	}
	return Signature{}, false
}

// signatureKey is what two failures must share to be the same bug: the
// check and the first clause of its first violation (up to a ';': the
// rest lists particulars such as every node's state), with numbers and
// the count of further violations taken out.
func signatureKey(check, detail string) string {
	if i := strings.IndexByte(detail, ';'); i >= 0 {
		detail = detail[:i]
	}
	detail = moreCount.ReplaceAllString(detail, "")
	return check + ": " + digits.ReplaceAllString(detail, "N")
}

// FailedChecks names the checks a report failed, in report order.
func FailedChecks(rep *Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Status == checker.Fail {
			out = append(out, r.Name)
		}
	}
	return out
}

// NewRepro records a failing report, sealed with its digest. With
// NewNondetRepro it is the one maker of repro files: whatever changes the
// repro afterwards leaves it edited.
func NewRepro(rep *Report) (*Repro, error) {
	sig, ok := SignatureOf(rep)
	if !ok {
		return nil, errors.New("repro: the run did not fail")
	}
	return newRepro(rep, sig, FailedChecks(rep))
}

// newRepro records rep with its failure signature and failed checks, sealed.
func newRepro(rep *Report, sig Signature, failed []string) (*Repro, error) {
	r := &Repro{
		Format: ReproFormat, Scenario: rep.Scenario, Seed: strconv.FormatUint(rep.Seed, 10), Bug: rep.Options.Bug,
		Options: rep.Options, Failed: failed, Signature: sig, TraceHash: rep.TraceHash,
		Events: rep.Events, Checkpoints: rep.Checkpoints, Build: ThisBuild(),
	}
	if err := r.Seal(); err != nil {
		return nil, fmt.Errorf("repro: %v", err)
	}
	return r, nil
}

// SeedValue is the repro's seed as a number.
func (r *Repro) SeedValue() uint64 {
	v, _ := strconv.ParseUint(r.Seed, 10, 64)
	return v
}

// Marshal renders the repro as indented JSON.
func (r *Repro) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	return append(b, '\n'), err
}

// ParseRepro reads a repro strictly: any malformed, truncated, newer or
// unknown content, and any value no run can have (see Options.Validate and
// the limits there), is an error of one line, never a guess. An edited
// file that is still possible is read: Integrity tells.
func ParseRepro(data []byte) (*Repro, error) {
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] != '{' {
		return nil, errors.New("repro: not a detsim repro file (it is not a JSON object)")
	}
	var probe struct {
		Format *int `json:"format"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("repro: %s", jsonProblem(err))
	}
	switch {
	case probe.Format == nil:
		return nil, errors.New("repro: no format field: not a detsim repro file")
	case *probe.Format > ReproFormat:
		return nil, fmt.Errorf("repro: format %d is newer than this detsim reads (%d): use a newer detsim", *probe.Format, ReproFormat)
	case *probe.Format < 1:
		return nil, fmt.Errorf("repro: bad format %d", *probe.Format)
	case *probe.Format < ReproFormat:
		return nil, fmt.Errorf("repro: format %d was written by an older detsim (this one reads %d): convert it with 'detsim upgrade FILE'", *probe.Format, ReproFormat)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var r Repro
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("repro: %s", jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("repro: data after the repro object")
	}
	return &r, r.validate()
}

func (r *Repro) validate() error {
	if v, err := strconv.ParseUint(r.Seed, 10, 64); err != nil || strconv.FormatUint(v, 10) != r.Seed {
		return fmt.Errorf("repro: seed %q is not a string of digits without sign or leading zeros", r.Seed)
	}
	if r.Scenario == "" || r.Options.Scenario != r.Scenario {
		return fmt.Errorf("repro: scenario %q does not match its options' %q", r.Scenario, r.Options.Scenario)
	}
	if r.Bug != r.Options.Bug {
		return fmt.Errorf("repro: bug %q does not match its options' %q", r.Bug, r.Options.Bug)
	}
	if err := r.Options.Validate(); err != nil {
		return fmt.Errorf("repro: %w", err)
	}
	if r.Signature.Check == "" || len(r.Failed) == 0 || r.Failed[0] != r.Signature.Check {
		return errors.New("repro: no failure signature (failed checks and the first violation)")
	}
	if !isHash(r.TraceHash) {
		return fmt.Errorf("repro: bad trace_hash %q (16 lowercase hex digits)", r.TraceHash)
	}
	if r.Events > MaxReproEvents {
		return fmt.Errorf("repro: events %d beyond the event cap %d a replay runs under", r.Events, MaxReproEvents)
	}
	for i, c := range r.Checkpoints {
		if c.Step == 0 || i > 0 && c.Step <= r.Checkpoints[i-1].Step || !isHash(c.Hash) {
			return fmt.Errorf("repro: checkpoint %d is malformed", i)
		}
	}
	return nil
}

// isHash: 16 lowercase hex digits, as the trace hash and checkpoints are
// written.
func isHash(h string) bool {
	if len(h) != 16 {
		return false
	}
	for _, c := range []byte(h) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// jsonProblem says what is wrong with JSON input in words a user can act on.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || strings.Contains(err.Error(), "unexpected end of JSON"):
		return "truncated: the file ends in the middle of the JSON"
	case strings.Contains(err.Error(), "after top-level value"):
		return "data after the repro object"
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type (%s where %s belongs)", typ.Field, typ.Value, typ.Type)
	}
	return err.Error()
}

// ReadRepro reads and parses a repro file.
func ReadRepro(path string) (*Repro, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("repro: %v", err)
	}
	r, err := ParseRepro(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// WriteFileAtomic writes data whole to a temporary file beside path, syncs
// it, then renames it into place: a reader never sees half a file.
func WriteFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, nothing is there
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil { // CreateTemp makes it 0600
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReproName is the file name of a repro: <scenario>-<seed>[-<bug>].json.
func ReproName(r *Repro) string {
	name := r.Scenario + "-" + r.Seed
	if r.Bug != "" {
		name += "-" + r.Bug
	}
	return name + ".json"
}

// SameKey is the signature's key as this build computes it from the check
// and the violation (a repro written by an older build may store another).
func (s Signature) SameKey() string { return signatureKey(s.Check, s.Violation) }
