package sim

import "testing"

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
