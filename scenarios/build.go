package scenarios

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// Version is detsim's version as this source names it; a binary that was
// installed at a module version (go install …@v1.2.3) reports that instead
// (see ThisBuild).
const Version = "0.2.0"

// Build identifies the program that made a run. Binary, a digest of the
// executable itself, decides whether two runs can be compared by trace hash:
// the same bytes behave the same, and a rebuilt or edited program may not.
type Build struct {
	Version  string `json:"version"`
	Revision string `json:"revision,omitempty"` // VCS revision, "+dirty" if modified
	Go       string `json:"go"`
	Binary   string `json:"binary"`
	// Mutant is the ID of the mutant this program was built as by detsim
	// mutate, or "" for the program as its source says.
	Mutant string `json:"mutant,omitempty"`
}

// mutantID is set by detsim mutate's build of a mutant, with
// -ldflags=-X=github.com/detsim/detsim/scenarios.mutantID=ID.
var mutantID string

// MutantIDSymbol is the linker symbol detsim mutate sets to a mutant's ID.
const MutantIDSymbol = "github.com/detsim/detsim/scenarios.mutantID"

var (
	buildOnce sync.Once
	thisBuild Build
)

// ThisBuild describes the running program (computed once, outside any run).
func ThisBuild() Build {
	buildOnce.Do(func() {
		thisBuild = Build{Version: Version, Go: runtime.Version(), Binary: "unknown", Mutant: mutantID}
		if info, ok := debug.ReadBuildInfo(); ok {
			thisBuild.Version = moduleVersion(info)
			rev, dirty := "", false
			for _, s := range info.Settings {
				switch s.Key {
				case "vcs.revision":
					rev = s.Value
				case "vcs.modified":
					dirty = s.Value == "true"
				}
			}
			if rev != "" && dirty {
				rev += "+dirty"
			}
			thisBuild.Revision = rev
		}
		if exe, err := os.Executable(); err == nil {
			if f, err := os.Open(exe); err == nil {
				h := sha256.New()
				if _, err := io.Copy(h, f); err == nil {
					thisBuild.Binary = hex.EncodeToString(h.Sum(nil)[:12])
				}
				f.Close()
			}
		}
	})
	return thisBuild
}

// SameBuild reports whether a run by b can be compared with one by this
// program hash for hash.
func SameBuild(b Build) bool {
	t := ThisBuild()
	return t.Binary != "unknown" && b.Binary == t.Binary
}

// moduleVersion is the version of detsim the binary was built from: the
// module version go stamped when it built a tagged module (go install
// …@vX, or detsim as another module's dependency), else Version. A build
// in a clone stamps "(devel)", which says nothing.
func moduleVersion(info *debug.BuildInfo) string {
	const path = "github.com/detsim/detsim"
	if info.Main.Path == path && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == path && d.Version != "" && d.Version != "(devel)" {
			if d.Replace != nil {
				return Version + " (replaced by " + d.Replace.Path + ")"
			}
			return d.Version
		}
	}
	return Version
}
