package counter

import (
	"reflect"
	"testing"
)

func sampleMessages() []msg {
	st := state{View: 7, StateView: 6, OpNum: 41, Count: -12, Clients: map[int]lastOp{3: {Seq: 9, Result: 5}, 4: {Seq: 1, Result: -12}}}
	return []msg{
		{tag: tagRequest, Seq: 3, Kind: OpAdd, Delta: 17},
		{tag: tagRequest, Seq: 4, Kind: OpRead},
		{tag: tagReply, OK: true, Seq: 3, Result: 99},
		{tag: tagReply, Seq: 3, View: 12},
		{tag: tagAck, View: 7, OpNum: 41},
		{tag: tagStore, View: 7, State: st},
		{tag: tagChange, View: 8, State: st},
	}
}

// Every message survives its encoding, and Describe reads it.
func TestWireRoundTrip(t *testing.T) {
	for _, m := range sampleMessages() {
		back, err := decode(m.encode())
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Errorf("%+v: got %+v, %v", m, back, err)
		}
		if _, ok := Describe(m.encode()); !ok {
			t.Errorf("Describe refused %+v", m)
		}
	}
}

// Damage is refused: a flipped bit fails the state's checksum, a cut
// message is short, a stray tag is no message.
func TestWireRefusesDamage(t *testing.T) {
	for _, m := range sampleMessages() {
		b := m.encode()
		for cut := 0; cut < len(b); cut++ {
			if _, err := decode(b[:cut]); err == nil && cut > 0 && (m.tag == tagStore || m.tag == tagChange) {
				t.Errorf("%x cut at %d decoded", b, cut)
			}
		}
		if m.tag == tagStore {
			b[len(b)-6] ^= 0x40
			if _, err := decode(b); err == nil {
				t.Errorf("a flipped bit in a stored state decoded")
			}
		}
	}
	if _, err := decode([]byte{0x01, 2, 3}); err == nil {
		t.Error("a stray tag decoded")
	}
}

// FuzzDecode: no bytes make decode panic, and what decodes re-encodes to
// something that decodes to the same message.
func FuzzDecode(f *testing.F) {
	for _, m := range sampleMessages() {
		f.Add(m.encode())
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		m, err := decode(p)
		if err != nil {
			return
		}
		back, err := decode(m.encode())
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("%x: %+v re-decodes to %+v, %v", p, m, back, err)
		}
	})
}
