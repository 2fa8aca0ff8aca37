package scenarios

import "testing"

func TestUnknownNameSuggestsTheNearest(t *testing.T) {
	known := []string{"kv-partition", "kv-crash", "raft-calm", "raft-crash", "raft-torn", "snap-calm", "snap-torn"}
	for _, c := range []struct{ name, want string }{
		{"kv-parition", `unknown scenario "kv-parition" (did you mean "kv-partition"? the list command shows all 7)`},
		{"zzz", `unknown scenario "zzz" (the list command shows all 7)`},
	} {
		if got := unknownName("scenario", c.name, "", known).Error(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	if got := unknownName("planted bug", "x", " for system counter", []string{"stale-read"}).Error(); got != `unknown planted bug "x" for system counter (known: stale-read)` {
		t.Errorf("few names: %s", got)
	}
	if got := unknownName("planted bug", "x", " for system echo", nil).Error(); got != `unknown planted bug "x" for system echo (there are none)` {
		t.Errorf("no names: %s", got)
	}
}
