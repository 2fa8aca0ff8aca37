package sim

import (
	"encoding/json"
	"testing"
)

func TestDurationString(t *testing.T) {
	for _, c := range []struct {
		d    Duration
		want string
	}{
		{0, "0s"},
		{1500 * Millisecond, "1.5s"},
		{250 * Millisecond, "250ms"},
		{2 * Minute, "2m0s"},
		{Hour + 30*Second, "1h0m30s"},
		{7 * Microsecond, "7µs"},
		{-3 * Nanosecond, "-3ns"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("Duration(%d).String() = %q, want %q", int64(c.d), got, c.want)
		}
	}
}

func TestTimeString(t *testing.T) {
	for _, c := range []struct {
		t    Time
		want string
	}{
		{0, "0.000000000s"},
		{1_500_000_000, "1.500000000s"},
		{Time(12 * Second).Add(7), "12.000000007s"},
		{-1, "-0.000000001s"},
	} {
		if got := c.t.String(); got != c.want {
			t.Errorf("Time(%d).String() = %q, want %q", int64(c.t), got, c.want)
		}
		if got := string(AppendTime(nil, int64(c.t))); got != c.want {
			t.Errorf("AppendTime(%d) = %q, want %q", int64(c.t), got, c.want)
		}
	}
}

func TestTimeArithmetic(t *testing.T) {
	start := Time(3 * Second)
	later := start.Add(250 * Millisecond)
	if later != Time(3_250_000_000) {
		t.Fatalf("Add: got %d", int64(later))
	}
	if d := later.Sub(start); d != 250*Millisecond {
		t.Fatalf("Sub: got %v", d)
	}
	if d := start.Sub(later); d != -250*Millisecond {
		t.Fatalf("Sub backwards: got %v", d)
	}
}

// TestTimeJSON: the typed fields encode as the integers of nanoseconds they
// always were, under the same names, and read back the same.
func TestTimeJSON(t *testing.T) {
	f := Fault{At: Time(1500 * Millisecond), Kind: FaultCrash, Node: 2}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"at":1500000000,"kind":"crash","node":2}`; string(b) != want {
		t.Errorf("Marshal(fault) = %s, want %s", b, want)
	}
	var back Fault
	if err := json.Unmarshal(b, &back); err != nil || back.At != f.At {
		t.Errorf("Unmarshal(%s) = %+v, %v", b, back, err)
	}
	n, err := json.Marshal(NetParams{MinLatency: Millisecond, MaxLatency: 5 * Millisecond, ReorderMax: 200 * Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"min_latency_ns":1000000,"max_latency_ns":5000000,"reorder_max_ns":200000000}`; string(n) != want {
		t.Errorf("Marshal(net) = %s, want %s", n, want)
	}
	c, err := json.Marshal(Clock{SkewNs: -2 * Second, DriftPPM: 7})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"skew_ns":-2000000000,"drift_ppm":7}`; string(c) != want {
		t.Errorf("Marshal(clock) = %s, want %s", c, want)
	}
}
