package sim

import (
	"fmt"
	"path"
	"reflect"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// A panic inside a run is recovered into a failed no-panic check that keeps
// its place: the function and file:line where it happened, and the stack
// inside the run. Both are rendered the same on every machine and checkout
// (a function qualified by its package's name, a file by its directory's),
// and neither feeds the trace hash: they reach only the trace text.

var (
	simPrefix = reflect.TypeOf(World{}).PkgPath() + "." // this package's functions
	guardName = simPrefix + "(*World).guard"
)

// stackFrame is one frame of a recovered panic's stack.
type stackFrame struct {
	fn   string // fully qualified: github.com/detsim/detsim/kv.(*Server).apply
	file string
	line int
}

// String renders the frame stably: kv.(*Server).apply (kv/server.go:123).
func (f stackFrame) String() string {
	fn := f.fn
	if i := strings.LastIndexByte(fn, '/'); i >= 0 {
		fn = fn[i+1:]
	}
	file := path.Base(f.file)
	if dir := path.Base(path.Dir(f.file)); dir != "." && dir != "/" {
		file = dir + "/" + file
	}
	return fn + " (" + file + ":" + strconv.Itoa(f.line) + ")"
}

// panicFrames is the stack of the panic being recovered, called from the
// recovering function: the frames from where it was raised out to (not
// including) guard, without the recovery's own and the runtime's.
func panicFrames() []stackFrame {
	pcs := make([]uintptr, 64)
	for {
		n := runtime.Callers(2, pcs)
		if n < len(pcs) {
			pcs = pcs[:n]
			break
		}
		pcs = make([]uintptr, 2*len(pcs))
	}
	var out []stackFrame
	frames := runtime.CallersFrames(pcs)
	for raised := false; ; {
		f, more := frames.Next()
		if f.Function == guardName {
			break
		}
		out = append(out, stackFrame{fn: f.Function, file: f.File, line: f.Line})
		if f.Function == "runtime.gopanic" && !raised {
			// What came before is the recovery itself. (A panic raised by a
			// deferred call while another unwinds keeps the first's frames.)
			out, raised = out[:0], true
		}
		if !more {
			break
		}
	}
	// The runtime's frames that raised it (runtime.panicmem, sigpanic,
	// mapassign, an assembly bounds check) differ between architectures and
	// operating systems, and the value already says what they did.
	for len(out) > 1 && isRuntime(out[0].fn) {
		out = out[1:]
	}
	return out
}

// blame picks the frame where a panic happened: the innermost frame of the
// system's code, past the runtime (a nil map write panics in
// runtime.mapassign; its caller is the place), the standard library and this
// engine (which panics when hosted code misuses it). A panic of the engine's
// own, with no system code on the stack, is blamed on the innermost frame
// outside the runtime and the standard library.
func blame(frames []stackFrame) (stackFrame, bool) {
	std, main := goSrcRoot(), mainModule()
	best, bestRank := stackFrame{}, 0
	for _, f := range frames {
		rank := 3 // the system's code
		switch {
		case isRuntime(f.fn):
			rank = 0
		case std != "" && strings.HasPrefix(f.file, std), std == "" && isStdFunc(f.fn, main):
			rank = 1
		case strings.HasPrefix(f.fn, simPrefix):
			rank = 2
		}
		if rank > bestRank {
			best, bestRank = f, rank
		}
		if rank == 3 {
			break
		}
	}
	return best, bestRank > 0
}

func isRuntime(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/runtime/") || strings.HasPrefix(fn, "runtime/internal/")
}

// isStdFunc tells a standard library function by its import path when the
// build trimmed file paths (-trimpath): the path's first element has no dot
// ("strings.Repeat", "encoding/json.Unmarshal"), and it is neither package
// main nor the main module's (a module may be named without a dot).
func isStdFunc(fn, mainModule string) bool {
	first := fn
	if i := strings.IndexByte(first, '/'); i >= 0 {
		first = first[:i]
	} else if i := strings.IndexByte(first, '.'); i >= 0 {
		first = first[:i]
	}
	if strings.Contains(first, ".") || first == "main" || first == "command-line-arguments" {
		return false
	}
	return mainModule == "" || fn != mainModule && !strings.HasPrefix(fn, mainModule+"/") && !strings.HasPrefix(fn, mainModule+".")
}

// mainModule is the path of the module the binary was built from, if known.
func mainModule() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		return info.Main.Path
	}
	return ""
}

// goSrcRoot is the directory of the standard library's sources, told by
// where one of its functions lives (…/src/strings/strings.go), or "" when
// the build trimmed it away (-trimpath: "strings/strings.go").
func goSrcRoot() string {
	pc := reflect.ValueOf(strings.Cut).Pointer()
	file, _ := runtime.FuncForPC(pc).FileLine(pc)
	if dir := path.Dir(file); path.Base(dir) == "strings" {
		if root := path.Dir(dir); path.IsAbs(root) || strings.Contains(root, ":") {
			return root + "/"
		}
	}
	return ""
}

// panicText describes a recovered panic: one line with the node, the time,
// the place and the value's first line, then the rest of the value (each
// line marked "\t| "), then the stack a frame a line, each indented by a tab.
func panicText(node int, now int64, v any, frames []stackFrame) string {
	var b strings.Builder
	fmt.Fprintf(&b, "panic on n%d at %s", node, AppendTime(nil, now))
	if f, ok := blame(frames); ok {
		b.WriteString(" in " + f.String())
	}
	value := fmt.Sprint(v)
	first, rest, _ := strings.Cut(value, "\n")
	b.WriteString(": " + first)
	if rest != "" {
		for _, l := range strings.Split(rest, "\n") {
			b.WriteString("\n\t| " + l)
		}
	}
	for _, f := range frames {
		b.WriteString("\n\t" + f.String())
	}
	return b.String()
}
